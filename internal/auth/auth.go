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
)

// AllPermissions lists every permission, in display order.
func AllPermissions() []Permission {
	return []Permission{
		PermOrgRead, PermOrgManage, PermUserRead, PermUserManage, PermRoleManage,
		PermAuditRead, PermScopeArea, PermStatsRead, PermTokenCreate,
		PermReportRead, PermReportRegister, PermReportHandle, PermReportReveal,
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
	SessionID int64 // 0 for API tokens
	TokenID   int64 // 0 for sessions
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
}

// ScopeFor is the one scope function. Every list, search, export and
// statistic query takes its result. The rules:
//   - without perm, nothing;
//   - the user's own unit subtree;
//   - plus the subtrees of the member units of the user's area groups, when
//     the user also holds PermScopeArea;
//   - plus records naming the user as a participant (joint teams).
func (p Principal) ScopeFor(perm Permission) Scope {
	if !p.Can(perm) || p.UnitPath == "" {
		return Scope{Denied: true}
	}
	prefixes := []string{p.UnitPath}
	if p.Can(PermScopeArea) {
		prefixes = append(prefixes, p.AreaPaths...)
	}
	return Scope{Prefixes: minimalPrefixes(prefixes), ParticipantID: p.UserID}
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
