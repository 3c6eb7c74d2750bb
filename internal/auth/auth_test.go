package auth

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/apperr"
)

func perms(ps ...Permission) map[Permission]bool {
	m := map[Permission]bool{}
	for _, p := range ps {
		m[p] = true
	}
	return m
}

func TestScopeFor(t *testing.T) {
	tests := []struct {
		name     string
		p        Principal
		perm     Permission
		denied   bool
		prefixes []string
	}{
		{
			name:   "without the permission, nothing",
			p:      Principal{UserID: 7, UnitPath: "/1/2/", Perms: perms(PermUserRead)},
			perm:   PermOrgRead,
			denied: true,
		},
		{
			name:   "no permissions at all",
			p:      Principal{UserID: 7, UnitPath: "/1/2/"},
			perm:   PermOrgRead,
			denied: true,
		},
		{
			name:   "no unit path",
			p:      Principal{UserID: 7, Perms: perms(PermOrgRead)},
			perm:   PermOrgRead,
			denied: true,
		},
		{
			name:     "own subtree",
			p:        Principal{UserID: 7, UnitPath: "/1/2/5/", Perms: perms(PermOrgRead)},
			perm:     PermOrgRead,
			prefixes: []string{"/1/2/5/"},
		},
		{
			name:     "the whole commission with scope.commission",
			p:        Principal{UserID: 7, UnitPath: "/1/2/9/", Perms: perms(PermOrgRead, PermScopeCommission), CommissionPath: "/1/2/"},
			perm:     PermOrgRead,
			prefixes: []string{"/1/2/"},
		},
		{
			name:     "commission path ignored without scope.commission",
			p:        Principal{UserID: 7, UnitPath: "/1/2/9/", Perms: perms(PermOrgRead), CommissionPath: "/1/2/"},
			perm:     PermOrgRead,
			prefixes: []string{"/1/2/9/"},
		},
		{
			name:     "area paths ignored without scope.area",
			p:        Principal{UserID: 7, UnitPath: "/1/2/5/", Perms: perms(PermOrgRead), AreaPaths: []string{"/1/2/6/", "/1/2/9/"}},
			perm:     PermOrgRead,
			prefixes: []string{"/1/2/5/"},
		},
		{
			name:     "area paths added with scope.area",
			p:        Principal{UserID: 7, UnitPath: "/1/2/5/", Perms: perms(PermOrgRead, PermScopeArea), AreaPaths: []string{"/1/2/9/", "/1/2/6/"}},
			perm:     PermOrgRead,
			prefixes: []string{"/1/2/5/", "/1/2/6/", "/1/2/9/"},
		},
		{
			name: "minimal: duplicates and nested prefixes dropped",
			p: Principal{UserID: 7, UnitPath: "/1/2/5/", Perms: perms(PermOrgRead, PermScopeArea),
				AreaPaths: []string{"/1/2/5/", "/1/2/5/40/", "/1/2/6/", "/1/2/6/", "", "/1/20/"}},
			perm:     PermOrgRead,
			prefixes: []string{"/1/2/5/", "/1/2/6/", "/1/20/"},
		},
		{
			name: "own unit above the area members",
			p: Principal{UserID: 7, UnitPath: "/1/2/", Perms: perms(PermOrgRead, PermScopeArea),
				AreaPaths: []string{"/1/2/5/", "/1/2/6/"}},
			perm:     PermOrgRead,
			prefixes: []string{"/1/2/"},
		},
		{
			name: "scope.area does not grant the permission itself",
			p: Principal{UserID: 7, UnitPath: "/1/2/5/", Perms: perms(PermOrgRead, PermScopeArea),
				AreaPaths: []string{"/1/2/6/"}},
			perm:   PermUserRead,
			denied: true,
		},
		{
			name:     "system sees everything",
			p:        System(),
			perm:     PermUserManage,
			prefixes: []string{"/"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := tt.p.ScopeFor(tt.perm)
			if sc.Denied != tt.denied {
				t.Fatalf("Denied = %v, want %v (scope %+v)", sc.Denied, tt.denied, sc)
			}
			if tt.denied {
				if len(sc.Prefixes) != 0 {
					t.Errorf("denied scope has prefixes %v", sc.Prefixes)
				}
				return
			}
			if !slices.Equal(sc.Prefixes, tt.prefixes) {
				t.Errorf("Prefixes = %q, want %q", sc.Prefixes, tt.prefixes)
			}
			if sc.ParticipantID != tt.p.UserID {
				t.Errorf("ParticipantID = %d, want %d", sc.ParticipantID, tt.p.UserID)
			}
		})
	}
}

func TestScopeForDoesNotAlterAreaPaths(t *testing.T) {
	area := []string{"/1/2/9/", "/1/2/6/", "/1/2/6/"}
	p := Principal{UnitPath: "/1/2/5/", Perms: perms(PermOrgRead, PermScopeArea), AreaPaths: area}
	_ = p.ScopeFor(PermOrgRead)
	if want := []string{"/1/2/9/", "/1/2/6/", "/1/2/6/"}; !slices.Equal(area, want) {
		t.Errorf("AreaPaths after ScopeFor = %q, want %q unchanged", area, want)
	}
}

func TestScopeCovers(t *testing.T) {
	township := Principal{UnitPath: "/1/2/5/", Perms: perms(PermOrgRead)}
	office := Principal{UnitPath: "/1/2/6/", Perms: perms(PermOrgRead, PermScopeArea), AreaPaths: []string{"/1/2/5/", "/1/2/6/", "/1/2/7/"}}
	county := Principal{UnitPath: "/1/2/", Perms: perms(PermOrgRead)}
	tests := []struct {
		name string
		sc   Scope
		path string
		want bool
	}{
		{"township: itself", township.ScopeFor(PermOrgRead), "/1/2/5/", true},
		{"township: its village", township.ScopeFor(PermOrgRead), "/1/2/5/50/", true},
		{"township: sibling township", township.ScopeFor(PermOrgRead), "/1/2/7/", false},
		{"township: its county", township.ScopeFor(PermOrgRead), "/1/2/", false},
		{"township: id sharing a prefix", township.ScopeFor(PermOrgRead), "/1/2/55/", false},
		{"township: without the permission", township.ScopeFor(PermUserRead), "/1/2/5/", false},
		{"office: area member", office.ScopeFor(PermOrgRead), "/1/2/5/50/", true},
		{"office: other area member", office.ScopeFor(PermOrgRead), "/1/2/7/", true},
		{"office: non-member", office.ScopeFor(PermOrgRead), "/1/2/8/", false},
		{"county: whole subtree", county.ScopeFor(PermOrgRead), "/1/2/8/80/", true},
		{"county: other county", county.ScopeFor(PermOrgRead), "/1/3/", false},
		{"county: county 20 is not county 2", county.ScopeFor(PermOrgRead), "/1/20/", false},
		{"county: the city", county.ScopeFor(PermOrgRead), "/1/", false},
		{"system: anything", System().ScopeFor(PermOrgRead), "/9/9/9/", true},
		{"denied scope", Scope{Denied: true, Prefixes: []string{"/"}}, "/1/", false},
		{"empty scope", Scope{}, "/1/", false},
	}
	for _, tt := range tests {
		if got := tt.sc.Covers(tt.path); got != tt.want {
			t.Errorf("%s: %+v.Covers(%q) = %v, want %v", tt.name, tt.sc, tt.path, got, tt.want)
		}
	}
}

func TestPrefixUpperBound(t *testing.T) {
	tests := []struct {
		prefix, want string
	}{
		{"/1/2/", "/1/20"},
		{"/", "0"},
		{"/1/", "/10"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := PrefixUpperBound(tt.prefix); got != tt.want {
			t.Errorf("PrefixUpperBound(%q) = %q, want %q", tt.prefix, got, tt.want)
		}
	}
	// The range [prefix, bound) holds exactly the strings with the prefix.
	paths := []string{"/1/", "/1/2/", "/1/2/5/", "/1/2/5/50/", "/1/2/55/", "/1/20/", "/1/20/3/", "/1/3/", "/10/", "/1/2", "/1/19/"}
	for _, prefix := range []string{"/1/", "/1/2/", "/1/2/5/", "/1/20/"} {
		bound := PrefixUpperBound(prefix)
		for _, p := range paths {
			inRange := p >= prefix && p < bound
			if want := strings.HasPrefix(p, prefix); inRange != want {
				t.Errorf("prefix %q: %q in [%q, %q) = %v, HasPrefix = %v", prefix, p, prefix, bound, inRange, want)
			}
		}
	}
}

func TestPrincipalCanHasRole(t *testing.T) {
	p := Principal{Roles: []Role{RoleOffice, RoleAnalyst}, Perms: perms(PermOrgRead, PermStatsRead)}
	tests := []struct {
		perm Permission
		want bool
	}{
		{PermOrgRead, true}, {PermStatsRead, true}, {PermOrgManage, false}, {PermScopeArea, false},
	}
	for _, tt := range tests {
		if got := p.Can(tt.perm); got != tt.want {
			t.Errorf("Can(%q) = %v, want %v", tt.perm, got, tt.want)
		}
	}
	if !p.HasRole(RoleAnalyst) || p.HasRole(RoleAdmin) {
		t.Errorf("HasRole(analyst), HasRole(admin) = %v, %v; want true, false", p.HasRole(RoleAnalyst), p.HasRole(RoleAdmin))
	}
	sys := System()
	for _, perm := range AllPermissions() {
		if !sys.Can(perm) {
			t.Errorf("System().Can(%q) = false", perm)
		}
	}
	if sys.UserID != 0 || sys.UnitPath != "/" {
		t.Errorf("System() = %+v, want UserID 0 and UnitPath \"/\"", sys)
	}
	seen := map[Permission]bool{}
	for _, perm := range AllPermissions() {
		if seen[perm] {
			t.Errorf("AllPermissions() lists %q twice", perm)
		}
		seen[perm] = true
	}
	if n := len(AllPermissions()); n != 32 {
		t.Errorf("len(AllPermissions()) = %d, want 32", n)
	}
}

func TestLoginPolicyLockFor(t *testing.T) {
	def := DefaultLoginPolicy()
	if def != (LoginPolicy{MaxFailures: 5, Lockout: time.Minute, MaxLockout: time.Hour}) {
		t.Fatalf("DefaultLoginPolicy() = %+v", def)
	}
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{0, 0},
		{1, 0},
		{4, 0},
		{5, time.Minute},
		{6, 2 * time.Minute},
		{7, 4 * time.Minute},
		{10, 32 * time.Minute},
		{11, time.Hour}, // 64 min capped
		{12, time.Hour},
		{1000, time.Hour},
	}
	for _, tt := range tests {
		if got := def.LockFor(tt.failures); got != tt.want {
			t.Errorf("LockFor(%d) = %v, want %v", tt.failures, got, tt.want)
		}
	}
	odd := LoginPolicy{MaxFailures: 3, Lockout: 40 * time.Second, MaxLockout: 100 * time.Second}
	for _, tt := range []struct {
		failures int
		want     time.Duration
	}{{2, 0}, {3, 40 * time.Second}, {4, 80 * time.Second}, {5, 100 * time.Second}, {50, 100 * time.Second}} {
		if got := odd.LockFor(tt.failures); got != tt.want {
			t.Errorf("%+v.LockFor(%d) = %v, want %v", odd, tt.failures, got, tt.want)
		}
	}
}

func TestSessionPolicyExpired(t *testing.T) {
	p := DefaultSessionPolicy()
	if p != (SessionPolicy{Idle: 30 * time.Minute, Absolute: 12 * time.Hour, Touch: time.Minute}) {
		t.Fatalf("DefaultSessionPolicy() = %+v", p)
	}
	t0 := time.Date(2026, 3, 16, 2, 0, 0, 0, time.UTC)
	fresh := Session{CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(p.Absolute)}
	late := Session{CreatedAt: t0, LastSeenAt: t0.Add(11*time.Hour + 50*time.Minute), ExpiresAt: t0.Add(p.Absolute)}
	tests := []struct {
		name string
		s    Session
		now  time.Time
		want bool
	}{
		{"just created", fresh, t0, false},
		{"idle 29m59s", fresh, t0.Add(30*time.Minute - time.Second), false},
		{"idle exactly 30m", fresh, t0.Add(30 * time.Minute), true},
		{"idle 31m", fresh, t0.Add(31 * time.Minute), true},
		{"active, before absolute expiry", late, t0.Add(12*time.Hour - time.Millisecond), false},
		{"active, at absolute expiry", late, t0.Add(12 * time.Hour), true},
		{"active, after absolute expiry", late, t0.Add(12*time.Hour + time.Minute), true},
	}
	for _, tt := range tests {
		if got := p.Expired(tt.s, tt.now); got != tt.want {
			t.Errorf("%s: Expired = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestValidateUsername(t *testing.T) {
	tests := []struct {
		u  string
		ok bool
	}{
		{"abc", true},
		{"zhang.san", true},
		{"li_si-2", true},
		{"a" + strings.Repeat("b", 31), true},  // 32
		{"a" + strings.Repeat("b", 32), false}, // 33
		{"ab", false},
		{"", false},
		{"1abc", false},
		{"_abc", false},
		{"Zhang", false},
		{"zhang san", false},
		{"张三丰", false},
		{"abc@x", false},
		{"abc\n", false},
	}
	for _, tt := range tests {
		err := ValidateUsername(tt.u)
		if tt.ok {
			if err != nil {
				t.Errorf("ValidateUsername(%q) = %v, want nil", tt.u, err)
			}
			continue
		}
		e := apperr.As(err)
		if err == nil || e.Code != apperr.Invalid || !maps.Equal(e.Fields, map[string]string{"username": "auth.username_invalid"}) {
			t.Errorf("ValidateUsername(%q) = %v, want invalid username field", tt.u, err)
		}
	}
}
