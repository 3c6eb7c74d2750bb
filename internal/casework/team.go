package casework

import (
	"time"

	"qingfeng/internal/apperr"
)

// Investigated reports whether the user ever was on the case's
// investigation team (leader or member, ended or not).
func Investigated(userID int64, team []TeamMember) bool {
	for _, m := range team {
		if m.UserID == userID && m.Role.Investigates() {
			return true
		}
	}
	return false
}

// CheckReviewer checks that a user may review the case (review team or
// joint quality review): anyone who investigated it is refused ([R2019]
// Art. 54). Errors: invalid on field "user_id" with
// "case.reviewer_investigated".
func CheckReviewer(userID int64, team []TeamMember) error {
	if Investigated(userID, team) {
		return apperr.InvalidField("user_id", "case.reviewer_investigated")
	}
	return nil
}

// CheckAppealMember checks that a user may sit on the appeal team: the
// appeal is handled by a separate team ([R2019] Art. 59), so anyone who
// investigated or reviewed the case is refused. Errors: invalid on field
// "user_id" with "case.appeal_member_involved".
func CheckAppealMember(userID int64, team []TeamMember) error {
	for _, m := range team {
		if m.UserID == userID && (m.Role.Investigates() || m.Role.Reviews()) {
			return apperr.InvalidField("user_id", "case.appeal_member_involved")
		}
	}
	return nil
}

// CheckMember checks that a user may join the case team in the role,
// given the case's team records so far (CheckReviewer for review roles,
// CheckAppealMember for appeal roles, and no investigator who has already
// reviewed the case). Errors: invalid on "role" ("case.role_invalid") or
// on "user_id" as the checks say.
func CheckMember(userID int64, role Role, team []TeamMember) error {
	switch {
	case role.Investigates():
		for _, m := range team {
			if m.UserID == userID && m.Role.Reviews() {
				return apperr.InvalidField("user_id", "case.investigator_reviewed")
			}
		}
		return nil
	case role.Reviews():
		return CheckReviewer(userID, team)
	case role.Appeals():
		return CheckAppealMember(userID, team)
	}
	return apperr.InvalidField("role", "case.role_invalid")
}

// TeamKind names the three teams of a case.
type TeamKind string

// The teams.
const (
	TeamInvestigation TeamKind = "investigation" // 审查调查组
	TeamReview        TeamKind = "review"        // 审理组
	TeamAppeal        TeamKind = "appeal"        // 申诉复查组
)

// CheckTeam checks that the members active at now form a valid team of the
// kind: two or more people ([R2019] Arts. 42, 54; [PSL] Art. 42), exactly
// one leader (the appeal and review teams included), each person once.
// Joint reviewers do not count towards the review team. Errors: invalid on
// "members" with "case.team_too_small", "case.team_leader" or
// "case.duplicate".
func CheckTeam(kind TeamKind, team []TeamMember, now time.Time) error {
	var leader, member Role
	switch kind {
	case TeamInvestigation:
		leader, member = RoleInvestigationLeader, RoleInvestigator
	case TeamReview:
		leader, member = RoleReviewLeader, RoleReviewer
	case TeamAppeal:
		leader, member = RoleAppealLeader, RoleAppealMember
	default:
		return apperr.InvalidField("kind", "case.team_kind_invalid")
	}
	leaders, people := 0, map[int64]bool{}
	for _, m := range team {
		if !m.Active(now) || (m.Role != leader && m.Role != member) {
			continue
		}
		if people[m.UserID] {
			return apperr.InvalidField("members", "case.duplicate")
		}
		people[m.UserID] = true
		if m.Role == leader {
			leaders++
		}
	}
	if len(people) < 2 {
		return apperr.InvalidField("members", "case.team_too_small")
	}
	if leaders != 1 {
		return apperr.InvalidField("members", "case.team_leader")
	}
	return nil
}
