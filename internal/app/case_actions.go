package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/calendar"
	"qingfeng/internal/casework"
	"qingfeng/internal/clue"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// This file holds the case workflow actions of the first part of the
// workflow (filing, investigation with its team and measures, transfer to
// review, acceptance by the review office, supplementary investigation,
// withdrawal): one entry point, CaseAct, that looks the action up in the
// transition table (casework.Workflow), checks the permission and the
// caller's standing, validates the form and applies it as one
// store.CaseChange.

// CaseAction is an action on a case with its form. Which fields an action
// reads is said next to each; the rest are ignored.
type CaseAction struct {
	Op      casework.Op
	Version int64 // the version the caller saw (0: the current one)

	Text string // the reason, plan, report or note

	Members []int64 // form_team, accept_review: user ids, the leader first, two or more
	Until   string  // form_team: last day (YYYY-MM-DD) of the members from other units of the area group ("": until the team changes)

	SubjectID  int64                    // take_measure: a subject of the case
	Kind       casework.MeasureKind     // take_measure
	Level      casework.CommissionLevel // take_measure: the commission taking it ("": county)
	StartedAt  time.Time                // take_measure ("": now)
	Approvals  []casework.Approval      // take_measure
	FollowedBy casework.MeasureKind     // take_measure: compulsory appearance followed by custody or detention
	AudioVideo bool                     // take_measure

	MeasureID int64                     // extend_measure, end_measure; record_document: the measure a measure_notice is about
	Extension casework.MeasureExtension // extend_measure

	TargetID int64 // merge: the case this one is merged into

	DocKind string // record_document: a kind of documents.json (SubjectID, AudioVideo, Text as the body)
	Title   string // record_document
	DocDate string // record_document: YYYY-MM-DD ("": today)

	Findings  []casework.FindingInput // joint_review (Members: the joint reviewers, Until: their last day)
	FindingID int64                   // resolve_finding

	AppealOutcome string            // decide_appeal: upheld, changed or revoked
	Outcome       *casework.Outcome // decide_appeal changed: the new outcome
}

// caseOps are the actions of the table this service applies through
// CaseAct (every action of casework.Workflow).
func caseOps() []casework.Op {
	return []casework.Op{casework.OpMerge, casework.OpRecordDocument, casework.OpJointReview, casework.OpResolveFinding,
		casework.OpProsecutionReturn, casework.OpProsecutionResend, casework.OpAcceptAppeal, casework.OpFormAppealTeam,
		casework.OpDecideAppeal, casework.OpApproveFiling, casework.OpRefuseFiling, casework.OpFormTeam, casework.OpApprovePlan,
		casework.OpTakeMeasure, casework.OpExtendMeasure, casework.OpEndMeasure, casework.OpSubmitReport, casework.OpApproveReport,
		casework.OpReturnReport, casework.OpAcceptReview, casework.OpRejectTransfer, casework.OpReturnSuppl, casework.OpFinishSuppl,
		casework.OpWithdraw, casework.OpExtendReview, casework.OpSubmitReview, casework.OpApproveReview, casework.OpReturnReview,
		casework.OpDecide, casework.OpReturnDecision, casework.OpAnnounce, casework.OpRecordExecution, casework.OpReportExecution,
		casework.OpTransfer, casework.OpClose}
}

// CaseAct applies an action to a case the caller may see. Errors:
// not_found (no such case in reach), invalid "case.action_invalid" (an
// action this service does not apply) or field errors of the form,
// conflict "case.transition_invalid" (not allowed from the case's state),
// conflict "error.conflict.version" (the case changed since in.Version),
// forbidden "case.action_forbidden" (the caller lacks the permission or
// the standing: not on the investigation team for its steps, not its
// leader for the report, the case's lead unit outside the caller's scope),
// forbidden "case.approver_is_proposer", invalid
// "case.reviewer_investigated", conflict "case.measure_running", and the
// measure and calendar errors of the clock (casework.MeasureClock).
func (a *App) CaseAct(ctx context.Context, p auth.Principal, id int64, in CaseAction) (store.CaseRow, error) {
	c, err := a.GetCase(ctx, p, id)
	if err != nil {
		return c, err
	}
	if !slices.Contains(caseOps(), in.Op) {
		return c, apperr.InvalidField("action", "case.action_invalid")
	}
	rows := casework.Next(c.Status, in.Op)
	if len(rows) == 0 {
		return c, apperr.New(apperr.Conflict, "case.transition_invalid")
	}
	row, ok := casework.Select(rows, in.AppealOutcome)
	if !ok {
		return c, apperr.InvalidField("appeal_outcome", "case.appeal_outcome_invalid")
	}
	team, err := a.Store.CaseTeam(ctx, id)
	if err != nil {
		return c, err
	}
	if err := a.mayActCase(p, c, row, team); err != nil {
		return c, err
	}
	in.Text = strings.TrimSpace(in.Text)
	ch := store.CaseChange{ID: c.ID, Version: in.Version, From: c.Status, Status: row.To, Action: "case." + string(in.Op),
		Event: store.CaseEvent{Action: string(in.Op), UserID: p.UserID}, Set: map[string]any{}}
	if err := a.caseStep(ctx, p, c, team, in, &ch); err != nil {
		return c, err
	}
	return a.Store.UpdateCase(ctx, actor(p), ch)
}

// mayActCase checks the permission of the row and the caller's standing:
// investigation steps (case.handle) need an active member of the
// investigation team (its leader for the report); the other steps need the
// permission's scope over the case's lead unit.
func (a *App) mayActCase(p auth.Principal, c store.CaseRow, t casework.Transition, team []casework.TeamMember) error {
	deny := apperr.New(apperr.Forbidden, "case.action_forbidden")
	if !p.Can(t.Perm) {
		return deny
	}
	if (t.Op == casework.OpSubmitReview || t.Op == casework.OpJointReview) && !onReviewTeam(team, p.UserID, a.Now()) {
		return deny
	}
	now := a.Now()
	if t.From == casework.StatusAppeal && t.Op == casework.OpRecordDocument {
		// The appeal team records the appeal's documents.
		for _, m := range team {
			if m.UserID == p.UserID && m.Active(now) && m.Role.Appeals() {
				return nil
			}
		}
		return deny
	}
	if t.Perm == auth.PermCaseHandle {
		for _, m := range team {
			if m.UserID == p.UserID && m.Active(now) && m.Role.Investigates() &&
				(t.Op != casework.OpSubmitReport || m.Role == casework.RoleInvestigationLeader) {
				return nil
			}
		}
		return deny
	}
	if !p.ScopeFor(t.Perm).Covers(c.LeadUnitPath) {
		return deny
	}
	return nil
}

// caseStep fills the change for one action.
func (a *App) caseStep(ctx context.Context, p auth.Principal, c store.CaseRow, team []casework.TeamMember, in CaseAction,
	ch *store.CaseChange) error {
	now := a.Now()
	reason := func() error {
		if in.Text == "" {
			return apperr.InvalidField("text", "case.reason_required")
		}
		if len([]rune(in.Text)) > casework.MaxSummary {
			return apperr.InvalidField("text", "case.text_too_long")
		}
		ch.Event.Note = in.Text
		return nil
	}
	doc := func(kind string) {
		ch.Documents = append(ch.Documents, casework.Document{Kind: kind, Body: in.Text, DocDate: a.Today(), UserID: p.UserID})
	}
	notProposer := func(by int64) error {
		if by == p.UserID {
			return apperr.New(apperr.Forbidden, "case.approver_is_proposer")
		}
		return nil
	}
	toProposer := func(title string) {
		if c.ProposedBy != 0 {
			ch.Notify = append(ch.Notify, store.Notification{UserID: c.ProposedBy, Kind: "decision", Title: title + "：" + c.Number,
				Body: in.Text})
		}
	}
	if ok, err := a.outcomeStep(ctx, p, c, team, in, ch, reason); ok {
		return err
	}
	if ok, err := a.reviewStep(ctx, p, c, team, in, ch, reason); ok {
		return err
	}
	switch in.Op {
	case casework.OpApproveFiling:
		if err := notProposer(c.ProposedBy); err != nil {
			return err
		}
		ch.Set["filed_at"], ch.FileClue = now, c.ClueID != 0
		if c.Supervision {
			k, err := a.StartClock(a.caseSpec(c, p.UserID), limitSupervisionDecide, now)
			if err != nil {
				return err
			}
			ch.Clocks = append(ch.Clocks, k)
		}
		doc("filing_decision")
		ch.Event.Note = in.Text
		toProposer("立案已批准")
		return nil

	case casework.OpRefuseFiling:
		if err := reason(); err != nil {
			return err
		}
		if err := notProposer(c.ProposedBy); err != nil {
			return err
		}
		ch.Set["closed_at"], ch.Set["clue_hold"], ch.DoneAll = now, int64(0), true
		if c.ClueID != 0 {
			ch.ClueStep = &store.ClueChange{ID: c.ClueID, From: clue.StatusCasePending, Status: clue.StatusAssigned,
				Action: "clue." + string(clue.OpFilingRefused), Event: clue.Event{Action: string(clue.OpFilingRefused), UserID: p.UserID,
					Note: c.Number + " " + in.Text}, Note: map[string]any{"case_id": c.ID}}
		}
		toProposer("不予立案")
		return nil

	case casework.OpFormTeam:
		return a.formTeam(ctx, c, team, in, ch)

	case casework.OpApprovePlan:
		if err := reason(); err != nil {
			return err
		}
		doc("investigation_plan")
		return nil

	case casework.OpTakeMeasure:
		return a.takeMeasure(ctx, p, c, team, in, ch)

	case casework.OpExtendMeasure, casework.OpEndMeasure:
		return a.changeMeasure(ctx, c, in, ch)

	case casework.OpSubmitReport:
		if err := reason(); err != nil {
			return err
		}
		doc("investigation_report")
		ch.Set["submitted_by"] = p.UserID
		return nil

	case casework.OpApproveReport:
		if err := notProposer(c.SubmittedBy); err != nil {
			return err
		}
		doc("review_transfer")
		ch.Set["submitted_by"] = int64(0)
		ch.Event.Note = in.Text
		return nil

	case casework.OpReturnReport, casework.OpRejectTransfer:
		if err := reason(); err != nil {
			return err
		}
		ch.Set["submitted_by"] = int64(0)
		return nil

	case casework.OpAcceptReview:
		return a.acceptReview(ctx, p, c, team, in, ch)

	case casework.OpReturnSuppl:
		if err := reason(); err != nil {
			return err
		}
		doc("supplementary_request")
		ch.Done = []string{limitReviewFinish}
		return nil

	case casework.OpFinishSuppl:
		if err := reason(); err != nil {
			return err
		}
		// The review time is counted anew once the supplementary
		// investigation is back ([R2019] Art. 54).
		k, err := a.StartClock(a.caseSpec(c, p.UserID), limitReviewFinish, now)
		if err != nil {
			return err
		}
		ch.Clocks = append(ch.Clocks, k)
		return nil

	case casework.OpWithdraw:
		if err := reason(); err != nil {
			return err
		}
		running, err := a.runningMeasures(ctx, c.ID)
		if err != nil {
			return err
		}
		if len(running) > 0 {
			return apperr.New(apperr.Conflict, "case.measure_running")
		}
		ch.Set["closed_at"], ch.DoneAll = now, true
		k, err := a.StartClock(a.caseSpec(c, p.UserID), limitWithdrawalReport, now)
		if err != nil {
			return err
		}
		ch.Clocks = append(ch.Clocks, k)
		doc("withdrawal_decision")
		for _, m := range team {
			if m.EndedAt.IsZero() {
				ch.Revokes = append(ch.Revokes, store.Revoke{UserID: m.UserID, Kind: store.AccessParticipant})
			}
		}
		return nil
	}
	return apperr.InvalidField("action", "case.action_invalid")
}

// caseSpec is the clock spec of a case's own clocks.
func (a *App) caseSpec(c store.CaseRow, owner int64) ClockSpec {
	return ClockSpec{ObjectType: "case", ObjectID: c.ID, Label: c.Number, UnitPath: c.LeadUnitPath, Owner: owner}
}

// formTeam (re)forms the investigation team: two or more users who may
// investigate, the leader first, from the lead unit or from other member
// units of its area groups (joint investigation, 联合办案; their
// participation ends on in.Until), none inside a subject's unit or recused,
// none who reviewed the case. The previous team's records are kept (ended)
// and its participations revoked; the members see this case and nothing
// else of the lead unit. Errors: invalid (fields members, until, user_id).
func (a *App) formTeam(ctx context.Context, c store.CaseRow, team []casework.TeamMember, in CaseAction, ch *store.CaseChange) error {
	ids := uniqueIDs(in.Members)
	if len(ids) < 2 {
		return apperr.InvalidField("members", "case.team_too_small")
	}
	var until time.Time
	if in.Until != "" {
		var err error
		if until, err = a.untilEnd(in.Until); err != nil {
			return err
		}
	}
	lead, err := a.Store.GetUnit(ctx, c.LeadUnitID)
	if err != nil {
		return err
	}
	groups, err := a.areaGroupsOf(ctx, lead.ID)
	if err != nil {
		return err
	}
	now := a.Now()
	bad := apperr.InvalidField("members", "case.team_member_invalid")
	var members []casework.TeamMember
	for i, id := range ids {
		m, err := a.Store.Principal(ctx, id, a.Today())
		if err != nil || !m.Can(auth.PermCaseHandle) {
			return bad
		}
		for _, s := range c.Subjects {
			if s.UnitPath != "" && strings.HasPrefix(m.UnitPath, s.UnitPath) {
				return apperr.InvalidField("members", "case.member_recused")
			}
		}
		if _, recused, err := a.Store.AccessOf(ctx, "case", c.ID, id, now); err != nil {
			return err
		} else if recused {
			return apperr.InvalidField("members", "case.member_recused")
		}
		role := casework.RoleInvestigator
		if i == 0 {
			role = casework.RoleInvestigationLeader
		}
		if err := casework.CheckMember(id, role, team); err != nil {
			return err
		}
		tm := casework.TeamMember{CaseID: c.ID, UserID: id, Name: m.Name, UnitID: m.UnitID, Role: role, From: now}
		grant := store.Access{UserID: id, Kind: store.AccessParticipant, Role: string(role)}
		if !strings.HasPrefix(m.UnitPath, lead.Path) {
			g := a.groupOf(ctx, groups, lead.ID, m.UnitPath)
			if g == 0 {
				return bad
			}
			tm.Until, grant.ValidTo = until, until
			ch.Set["joint"], ch.Set["area_group_id"] = true, g
		}
		members = append(members, tm)
		ch.Grants = append(ch.Grants, grant)
		ch.Notify = append(ch.Notify, store.Notification{UserID: id, Kind: "assignment", Title: "您已加入审查调查组：" + c.Number})
	}
	if err := casework.CheckTeam(casework.TeamInvestigation, members, now); err != nil {
		return err
	}
	ch.TeamKind, ch.Team = casework.TeamInvestigation, members
	for _, m := range team {
		if m.Role.Investigates() && m.EndedAt.IsZero() {
			ch.EndTeam = append(ch.EndTeam, m.UserID)
			ch.Revokes = append(ch.Revokes, store.Revoke{UserID: m.UserID, Kind: store.AccessParticipant})
		}
	}
	names := make([]string, len(members))
	for i, m := range members {
		names[i] = m.Name
	}
	ch.Event.Note = strings.Join(names, "、")
	return nil
}

// groupOf returns the area group (among groups) in which a unit path lies
// inside a member unit other than the lead unit; 0 when none.
func (a *App) groupOf(ctx context.Context, groups []org.AreaGroup, leadID int64, path string) int64 {
	for _, g := range groups {
		for _, gm := range g.Members {
			if gm.UnitID == leadID {
				continue
			}
			if u, err := a.Store.GetUnit(ctx, gm.UnitID); err == nil && strings.HasPrefix(path, u.Path) {
				return g.ID
			}
		}
	}
	return 0
}

// acceptReview records the review office's acceptance: a review team of two
// or more who may review, the leader first; the caller and every member
// must not have investigated the case ([R2019] Art. 54). The review clock
// (1 month) starts. Errors: invalid (members, user_id
// "case.reviewer_investigated").
func (a *App) acceptReview(ctx context.Context, p auth.Principal, c store.CaseRow, team []casework.TeamMember, in CaseAction,
	ch *store.CaseChange) error {
	if err := casework.CheckReviewer(p.UserID, team); err != nil {
		return err
	}
	ids := uniqueIDs(in.Members)
	now := a.Now()
	var members []casework.TeamMember
	for i, id := range ids {
		m, err := a.Store.Principal(ctx, id, a.Today())
		if err != nil || !m.Can(auth.PermCaseReview) || !m.ScopeFor(auth.PermCaseReview).Covers(c.LeadUnitPath) {
			return apperr.InvalidField("members", "case.team_member_invalid")
		}
		role := casework.RoleReviewer
		if i == 0 {
			role = casework.RoleReviewLeader
		}
		if err := casework.CheckMember(id, role, team); err != nil {
			return err
		}
		members = append(members, casework.TeamMember{CaseID: c.ID, UserID: id, Name: m.Name, Role: role, From: now})
		ch.Grants = append(ch.Grants, store.Access{UserID: id, Kind: store.AccessParticipant, Role: string(role)})
		ch.Notify = append(ch.Notify, store.Notification{UserID: id, Kind: "assignment", Title: "您已加入审理组：" + c.Number})
	}
	if err := casework.CheckTeam(casework.TeamReview, members, now); err != nil {
		return err
	}
	k, err := a.StartClock(a.caseSpec(c, ids[0]), limitReviewFinish, now)
	if err != nil {
		return err
	}
	ch.TeamKind, ch.Team, ch.Clocks = casework.TeamReview, members, append(ch.Clocks, k)
	ch.Set["review_at"] = now
	ch.Event.Note = in.Text
	return nil
}

// runningMeasures returns the measures of a case that have not ended.
func (a *App) runningMeasures(ctx context.Context, caseID int64) ([]casework.Measure, error) {
	ms, err := a.Store.CaseMeasures(ctx, caseID)
	if err != nil {
		return nil, err
	}
	var out []casework.Measure
	for _, m := range ms {
		if m.EndedAt.IsZero() {
			out = append(out, m)
		}
	}
	return out, nil
}

// measureClocks turns a measure's clock and side clocks into record
// clocks (object type "measure": the store fills in the id).
func (a *App) measureClocks(c store.CaseRow, m casework.Measure, subject string, owner int64, side bool) ([]store.Clock, error) {
	r, _ := casework.Rule(m.Kind)
	if r.Limit == "" {
		return nil, nil
	}
	cal := a.Intake.Calendar()
	label := c.Number + " " + subject
	conv := func(code string, k calendar.Clock) store.Clock {
		return store.Clock{Code: code, Label: label, UnitPath: c.LeadUnitPath, OwnerUserID: owner, StartedAt: k.Start, DueAt: k.Due,
			RemindAt: k.RemindAt, Provisional: k.Provisional, Extensions: k.Extensions}
	}
	k, err := casework.MeasureClock(cal, a.Intake.Limits, m, a.Loc)
	if err != nil {
		return nil, err
	}
	out := []store.Clock{conv(r.Limit, k)}
	if side {
		ks, err := casework.SideClocks(cal, a.Intake.Limits, m, a.Loc)
		if err != nil {
			return nil, err
		}
		for i, sk := range ks {
			out = append(out, conv(r.SideLimits[i], sk))
		}
	}
	return out, nil
}

// takeMeasure records a measure on a subject of the case with the
// approvals its rule requires, and starts its clock (the statutory limit)
// and side clocks (notification within 24 hours, ...). A subject has at
// most one running measure of a kind. Errors: invalid (subject_id, the
// measure's fields), conflict "case.measure_running".
func (a *App) takeMeasure(ctx context.Context, p auth.Principal, c store.CaseRow, team []casework.TeamMember, in CaseAction,
	ch *store.CaseChange) error {
	i := slices.IndexFunc(c.Subjects, func(s casework.Subject) bool { return s.ID == in.SubjectID })
	if i < 0 {
		return apperr.InvalidField("subject_id", "case.subject_invalid")
	}
	m := casework.Measure{CaseID: c.ID, SubjectID: in.SubjectID, Kind: in.Kind, Level: in.Level, StartedAt: in.StartedAt,
		Approvals: in.Approvals, FollowedBy: in.FollowedBy, AudioVideo: in.AudioVideo, Note: in.Text}
	if m.Level == "" {
		m.Level = casework.LevelCounty
	}
	if m.StartedAt.IsZero() {
		m.StartedAt = a.Now()
	}
	if m.StartedAt.After(a.Now()) {
		return apperr.InvalidField("started_at", "case.date_in_future")
	}
	if err := casework.CheckTake(m); err != nil {
		return err
	}
	running, err := a.runningMeasures(ctx, c.ID)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(running, func(r casework.Measure) bool { return r.SubjectID == m.SubjectID && r.Kind == m.Kind }) {
		return apperr.New(apperr.Conflict, "case.measure_running")
	}
	clocks, err := a.measureClocks(c, m, c.Subjects[i].Name, leaderOf(team, p.UserID), true)
	if err != nil {
		return err
	}
	ch.Measures = append(ch.Measures, store.MeasureWrite{Measure: m, Clocks: clocks})
	ch.Documents = append(ch.Documents, casework.Document{SubjectID: m.SubjectID, Kind: "measure_decision", Title: string(m.Kind),
		Body: in.Text, DocDate: a.Today(), AudioVideo: in.AudioVideo, UserID: p.UserID})
	ch.Event.Note = c.Subjects[i].Name + " " + string(m.Kind)
	return nil
}

// changeMeasure extends a running measure under its rule (the clock is
// recomputed from the start with every extension: casework.MeasureClock)
// or ends it (its clocks stop). Errors: invalid (measure_id, text, the
// extension's fields), conflict "case.measure_extension_once" and the
// calendar's extension errors.
func (a *App) changeMeasure(ctx context.Context, c store.CaseRow, in CaseAction, ch *store.CaseChange) error {
	ms, err := a.Store.CaseMeasures(ctx, c.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(ms, func(m casework.Measure) bool { return m.ID == in.MeasureID })
	if i < 0 {
		return apperr.InvalidField("measure_id", "case.measure_invalid")
	}
	m := ms[i]
	if !m.EndedAt.IsZero() {
		return apperr.InvalidField("measure_id", "case.measure_ended")
	}
	subject := ""
	for _, s := range c.Subjects {
		if s.ID == m.SubjectID {
			subject = s.Name
		}
	}
	now := a.Now()
	if in.Op == casework.OpEndMeasure {
		if in.Text == "" {
			return apperr.InvalidField("text", "case.reason_required")
		}
		m.EndedAt, m.EndReason = now, in.Text
		ch.Measures = append(ch.Measures, store.MeasureWrite{Measure: m, StopAll: true})
		ch.Event.Note = subject + " " + string(m.Kind) + " " + in.Text
		return nil
	}
	x := in.Extension
	if x.At.IsZero() {
		x.At = now
	}
	if x.Reason == "" {
		x.Reason = in.Text
	}
	m.Extensions = append(m.Extensions, x)
	clocks, err := a.measureClocks(c, m, subject, 0, false)
	if err != nil {
		return err
	}
	if len(clocks) == 0 {
		return apperr.InvalidField("kind", "case.measure_no_limit")
	}
	// Keep the owner of the running clock.
	mk, err := a.Store.Clocks(ctx, "measure", m.ID)
	if err != nil {
		return err
	}
	for _, k := range mk {
		if k.Code == clocks[0].Code {
			clocks[0].OwnerUserID = k.OwnerUserID
		}
	}
	ch.Measures = append(ch.Measures, store.MeasureWrite{Measure: m, Clocks: clocks[:1]})
	ch.Documents = append(ch.Documents, casework.Document{SubjectID: m.SubjectID, Kind: "extension_approval", Title: string(x.Kind),
		Body: x.Reason, DocDate: a.Today()})
	ch.Event.Note = subject + " " + string(m.Kind) + " " + string(x.Kind)
	return nil
}

// leaderOf is the active investigation leader of a team, or def.
func leaderOf(team []casework.TeamMember, def int64) int64 {
	for _, m := range team {
		if m.Role == casework.RoleInvestigationLeader && m.EndedAt.IsZero() {
			return m.UserID
		}
	}
	return def
}
