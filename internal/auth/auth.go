// Package auth holds the access model: permissions (constants), roles (data:
// the role_permissions table maps them), the signed-in Principal, and Scope,
// the one function that decides which part of the organisation tree a user may
// list. It is pure; the store turns a Scope into SQL.
package auth

import (
	"slices"
	"strings"
)

// Permission is a capability checked by services. Permissions are code;
// which role has which permission is data (table role_permissions).
type Permission string

// The permissions. Keep AllPermissions in step.
const (
	PermOrgRead     Permission = "org.read"     // list/view units, area groups, people
	PermOrgManage   Permission = "org.manage"   // create/edit/deactivate units, area groups, memberships, people
	PermUserRead    Permission = "user.read"    // list/view users
	PermUserManage  Permission = "user.manage"  // create/edit/deactivate users, reset passwords, revoke their tokens
	PermRoleManage  Permission = "role.manage"  // change role permissions and TOTP requirements
	PermAuditRead   Permission = "audit.read"   // read object histories and verify the chain
	PermScopeArea   Permission = "scope.area"   // lists extend to the user's area group members
	PermStatsRead   Permission = "stats.read"   // statistics (counts only)
	PermTokenCreate Permission = "token.create" // create API tokens for oneself

	PermReportRead     Permission = "report.read"     // list/view reports in scope (identity stays sealed)
	PermReportRegister Permission = "report.register" // register letters, visits, calls; import files
	PermReportHandle   Permission = "report.handle"   // accept, forward, decline, assign, close, reply
	PermReportReveal   Permission = "report.reveal"   // open a real-name reporter's sealed identity, with a reason

	// Clues (问题线索) and area collaboration.
	PermClueRead      Permission = "clue.read"      // list/view clues in scope (plus clues the user takes part in)
	PermClueRegister  Permission = "clue.register"  // register clues from reports or other sources
	PermClueAssign    Permission = "clue.assign"    // case management: assign (分办) unit and owner, reconcile the ledger
	PermClueHandle    Permission = "clue.handle"    // owner: propose and carry out a disposal
	PermClueApprove   Permission = "clue.approve"   // leaders: approve assignments, disposals and escalations
	PermMeetingManage Permission = "meeting.manage" // schedule consultation meetings and record their decisions
	// PermScopeCommission extends lists to the whole commission the user
	// works in (case management keeps the commission's central ledger,
	// [R2019] Art. 23), not only the user's own office.
	PermScopeCommission Permission = "scope.commission"

	// Cases (审查调查, 审理, 处分, 执行).
	PermCaseRead    Permission = "case.read"    // list/view cases in scope (plus cases the user takes part in)
	PermCaseFile    Permission = "case.file"    // propose filing, form teams, import historical ledgers
	PermCaseHandle  Permission = "case.handle"  // investigate: plan, measures, evidence, documents
	PermCaseApprove Permission = "case.approve" // approve filing, measures, extensions and decisions
	PermCaseReview  Permission = "case.review"  // review (审理) cases one did not investigate

	// Supervision (监督检查, 整改, 村级监督, 结对, 培训).
	PermTaskRead   Permission = "task.read"   // view supervision tasks, campaigns, rectifications in scope
	PermTaskManage Permission = "task.manage" // create and steer tasks, campaigns, rectifications; verify closures
	PermTaskReport Permission = "task.report" // report progress and rectification measures for one's own unit
	PermVillageLog Permission = "village.log" // keep the village work log (visits, sessions, demands)

	// Smart supervision (智慧监督).
	PermMonitorRead   Permission = "monitor.read"   // view depots, devices, events, alerts, cross-checks
	PermMonitorManage Permission = "monitor.manage" // register depots, bins, devices, gateways, rules, webhooks
	PermMonitorHandle Permission = "monitor.handle" // acknowledge, dismiss or convert alerts; judge cross-check suspects
)

// AllPermissions lists every permission, in display order.
func AllPermissions() []Permission {
	return []Permission{
		PermOrgRead, PermOrgManage, PermUserRead, PermUserManage, PermRoleManage,
		PermAuditRead, PermScopeArea, PermStatsRead, PermTokenCreate,
		PermReportRead, PermReportRegister, PermReportHandle, PermReportReveal,
		PermClueRead, PermClueRegister, PermClueAssign, PermClueHandle, PermClueApprove, PermMeetingManage, PermScopeCommission,
		PermCaseRead, PermCaseFile, PermCaseHandle, PermCaseApprove, PermCaseReview,
		PermTaskRead, PermTaskManage, PermTaskReport, PermVillageLog,
		PermMonitorRead, PermMonitorManage, PermMonitorHandle,
	}
}

// Role is a role code (admin, leader, ...). Roles are rows in table roles.
type Role string

// The role codes seeded by the first migration. Operators may add roles.
const (
	RoleAdmin       Role = "admin"
	RoleLeader      Role = "leader"
	RoleCaseManager Role = "case_manager"
	RolePetition    Role = "petition"
	RoleOffice      Role = "office"
	RoleGroup       Role = "group"
	RoleTownship    Role = "township"
	RoleReviewer    Role = "reviewer"
	RoleVillage     Role = "village"
	RoleAnalyst     Role = "analyst"
)

// Principal is the signed-in user as the services see it. It is built by the
// store when a session or API token is resolved and is immutable afterwards.
type Principal struct {
	UserID   int64
	PersonID int64
	Username string
	Name     string
	UnitID   int64
	UnitName string
	UnitPath string // materialised path of the user's unit, e.g. "/1/2/7/"
	Roles    []Role
	Perms    map[Permission]bool
	// AreaPaths are the paths of the member units of the area groups that the
	// user's unit currently belongs to or that the user leads.
	AreaPaths []string
	// CommissionPath is the path of the nearest commission (纪委监委) at or
	// above the user's unit; set when the user holds PermScopeCommission.
	CommissionPath string
	SessionID      int64 // 0 for API tokens
	TokenID        int64 // 0 for sessions
}

// System returns the principal used by the command line and demo loader. It
// is not a user; its scope is the whole tree.
func System() Principal { return Principal{Name: "system", UnitPath: "/", Perms: allPerms()} }

func allPerms() map[Permission]bool {
	m := map[Permission]bool{}
	for _, p := range AllPermissions() {
		m[p] = true
	}
	return m
}

// Can reports whether the principal holds the permission.
func (p Principal) Can(perm Permission) bool { return p.Perms[perm] }

// HasRole reports whether the principal has the role.
func (p Principal) HasRole(r Role) bool { return slices.Contains(p.Roles, r) }

// Scope is what a principal may list for one permission: the units whose
// materialised path starts with one of Prefixes, plus (for record types with
// named participants) records where ParticipantID takes part. Denied means
// nothing at all.
type Scope struct {
	Denied        bool
	Prefixes      []string
	ParticipantID int64
	// Viewer is the path of the viewer's own unit. Record types with a
	// subject unit use it for automatic recusal: a viewer inside the
	// subject's unit does not see the record.
	Viewer string
}

// ScopeFor is the one scope function. Every list, search, export and
// statistic query takes its result. The rules:
//   - without perm, nothing;
//   - the user's own unit subtree;
//   - plus the subtrees of the member units of the user's area groups, when
//     the user also holds PermScopeArea;
//   - plus the whole commission of the user's unit, when the user also holds
//     PermScopeCommission (case management's central ledger);
//   - plus records naming the user as a participant (joint teams).
func (p Principal) ScopeFor(perm Permission) Scope {
	if !p.Can(perm) || p.UnitPath == "" {
		return Scope{Denied: true}
	}
	prefixes := []string{p.UnitPath}
	if p.Can(PermScopeArea) {
		prefixes = append(prefixes, p.AreaPaths...)
	}
	if p.Can(PermScopeCommission) && p.CommissionPath != "" {
		prefixes = append(prefixes, p.CommissionPath)
	}
	return Scope{Prefixes: minimalPrefixes(prefixes), ParticipantID: p.UserID, Viewer: p.UnitPath}
}

// Recused reports whether the viewer lies inside a record's subject unit
// (subjectPath; "" when the record has none) and so may not see it.
func (s Scope) Recused(subjectPath string) bool {
	return subjectPath != "" && s.Viewer != "" && strings.HasPrefix(s.Viewer, subjectPath)
}

// Covers reports whether a unit path lies inside the scope.
func (s Scope) Covers(path string) bool {
	if s.Denied {
		return false
	}
	for _, pre := range s.Prefixes {
		if strings.HasPrefix(path, pre) {
			return true
		}
	}
	return false
}

// minimalPrefixes sorts, deduplicates and drops prefixes covered by a shorter
// one, so the SQL has as few OR terms as possible.
func minimalPrefixes(in []string) []string {
	s := slices.Clone(in)
	slices.Sort(s)
	out := s[:0]
	for _, p := range s {
		if p == "" {
			continue
		}
		if len(out) > 0 && strings.HasPrefix(p, out[len(out)-1]) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// PrefixUpperBound returns the smallest string greater than every string
// that starts with prefix, for an index range scan (path >= prefix AND path <
// bound). Paths end in '/', whose successor is '0'.
func PrefixUpperBound(prefix string) string {
	if prefix == "" {
		return ""
	}
	b := []byte(prefix)
	b[len(b)-1]++
	return string(b)
}
