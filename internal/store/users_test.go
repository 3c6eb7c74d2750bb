package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

func TestPeopleCRUD(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		clock.Set(t0)
		tr := buildTree(t, s)
		p, err := s.CreatePerson(ctx, sysActor, org.Person{UnitID: tr.t1.ID, Name: "李四", Post: "纪工委书记", Rank: "四级主任科员", Phone: "13800138000"})
		must(t, err)
		if p.ID == 0 || p.UnitName != tr.t1.Name || p.Version != 1 || !p.Active || !p.CreatedAt.Equal(t0) || p.Phone != "13800138000" {
			t.Errorf("CreatePerson = %+v", p)
		}
		got, path, err := s.GetPerson(ctx, p.ID)
		must(t, err)
		if got != p || path != tr.t1.Path {
			t.Errorf("GetPerson = %+v, %q; want %+v, %q", got, path, p, tr.t1.Path)
		}
		_, _, err = s.GetPerson(ctx, 99999)
		wantErr(t, err, apperr.NotFound, "error.not_found.person")

		clock.Advance(time.Minute)
		edit := p
		edit.UnitID, edit.Phone, edit.Post = tr.t2.ID, "0744-8222222", "副书记"
		up, err := s.UpdatePerson(ctx, sysActor, edit)
		must(t, err)
		if up.UnitID != tr.t2.ID || up.UnitName != tr.t2.Name || up.Phone != "0744-8222222" || up.Post != "副书记" ||
			up.Version != 2 || !up.UpdatedAt.Equal(t0.Add(time.Minute)) || !up.CreatedAt.Equal(t0) {
			t.Errorf("UpdatePerson = %+v", up)
		}
		_, err = s.UpdatePerson(ctx, sysActor, edit) // stale
		wantErr(t, err, apperr.Conflict, "error.version_conflict")
		_, err = s.UpdatePerson(ctx, sysActor, org.Person{ID: 99999, UnitID: tr.t1.ID, Name: "x", Version: 1})
		wantErr(t, err, apperr.NotFound, "error.not_found.person")

		mkPerson(t, s, tr.t1, "张三", "纪工委书记")
		mkPerson(t, s, tr.v1, "刘五", "村纪检委员")
		mkPerson(t, s, tr.tb1, "陈六", "纪工委书记")
		off := mkPerson(t, s, tr.t1, "周七", "纪工委委员")
		off.Active = false
		_, err = s.UpdatePerson(ctx, sysActor, off)
		must(t, err)

		all := auth.System().ScopeFor(auth.PermOrgRead)
		tests := []struct {
			name  string
			sc    auth.Scope
			f     store.PersonFilter
			want  []string
			total int
		}{
			{"all active", all, store.PersonFilter{}, []string{"李四", "张三", "刘五", "陈六"}, 4},
			{"incl. inactive", all, store.PersonFilter{IncludeInactive: true}, []string{"李四", "张三", "刘五", "陈六", "周七"}, 5},
			{"T1 subtree", auth.Scope{Prefixes: []string{tr.t1.Path}}, store.PersonFilter{}, []string{"张三", "刘五"}, 2},
			{"county A", auth.Scope{Prefixes: []string{tr.a.Path}}, store.PersonFilter{}, []string{"李四", "张三", "刘五"}, 3},
			{"county B", auth.Scope{Prefixes: []string{tr.b.Path}}, store.PersonFilter{}, []string{"陈六"}, 1},
			{"denied", auth.Scope{Denied: true}, store.PersonFilter{}, nil, 0},
			{"unit filter", all, store.PersonFilter{UnitID: tr.t1.ID}, []string{"张三"}, 1},
			{"under filter", all, store.PersonFilter{Under: tr.t1.Path}, []string{"张三", "刘五"}, 2},
			{"query by post", all, store.PersonFilter{Query: "纪工委书记"}, []string{"张三", "陈六"}, 2},
			{"query by name", all, store.PersonFilter{Query: "李"}, []string{"李四"}, 1},
			{"query within scope", auth.Scope{Prefixes: []string{tr.a.Path}}, store.PersonFilter{Query: "书记"}, []string{"李四", "张三"}, 2},
		}
		for _, tt := range tests {
			ps, total, err := s.ListPeople(ctx, tt.sc, tt.f)
			must(t, err)
			var names []string
			for _, p := range ps {
				names = append(names, p.Name)
			}
			slices.Sort(names)
			if !slices.Equal(names, sorted(tt.want...)) || total != tt.total {
				t.Errorf("ListPeople(%s) = %v total %d, want %v total %d", tt.name, names, total, sorted(tt.want...), tt.total)
			}
		}
	})
}

// TestListTotalPastTheEnd checks that every list keeps its total when the
// page lies past the end, as ListUnits does (its countUnits recount); the
// web UI's pager relies on the total to offer the way back.
func TestListTotalPastTheEnd(t *testing.T) {
	testdb.Each(t, testdb.NewClock(t0).Now, func(t *testing.T, s *store.Store) {
		f := buildUsers(t, s) // 3 users, in t1, o1 and tb1; 3 people
		leader := mkPerson(t, s, f.a, "王书记", "")
		for _, n := range []string{"第一片区", "第二片区", "第三片区"} {
			_, err := s.CreateAreaGroup(ctx, sysActor, org.AreaGroup{CountyUnitID: f.a.ID, Name: n, LeaderPersonID: leader.ID})
			must(t, err)
		}
		all := auth.System().ScopeFor(auth.PermOrgRead)
		lists := []struct {
			name string
			list func(p store.Page) (n, total int, err error)
			want int
		}{
			{"units", func(p store.Page) (int, int, error) {
				us, total, err := s.ListUnits(ctx, all, store.UnitFilter{Page: p})
				return len(us), total, err
			}, 8},
			{"people", func(p store.Page) (int, int, error) {
				ps, total, err := s.ListPeople(ctx, all, store.PersonFilter{Page: p})
				return len(ps), total, err
			}, 4},
			{"users", func(p store.Page) (int, int, error) {
				us, total, err := s.ListUsers(ctx, all, store.UserFilter{Page: p})
				return len(us), total, err
			}, 3},
			{"area groups", func(p store.Page) (int, int, error) {
				gs, total, err := s.ListAreaGroups(ctx, all, store.AreaFilter{Day: "2026-03-16", Page: p})
				return len(gs), total, err
			}, 3},
		}
		for _, l := range lists {
			t.Run(l.name, func(t *testing.T) {
				n, total, err := l.list(store.Page{Limit: 2, Offset: l.want - 1})
				must(t, err)
				if n != 1 || total != l.want {
					t.Errorf("last page: %d rows, total %d; want 1, %d", n, total, l.want)
				}
				n, total, err = l.list(store.Page{Limit: 2, Offset: 100})
				must(t, err)
				if n != 0 || total != l.want {
					t.Errorf("page past the end: %d rows, total %d; want 0, %d", n, total, l.want)
				}
			})
		}
	})
}

// userFixture is a tree with three users.
type userFixture struct {
	tree
	pT1, pO1, pTB1 org.Person
	uT1, uO1, uTB1 auth.User
}

func buildUsers(t *testing.T, s *store.Store) userFixture {
	t.Helper()
	f := userFixture{tree: buildTree(t, s)}
	f.pT1 = mkPerson(t, s, f.t1, "李四", "纪工委书记")
	f.pO1 = mkPerson(t, s, f.o1, "王五", "主任")
	f.pTB1 = mkPerson(t, s, f.tb1, "陈六", "纪工委书记")
	mk := func(p org.Person, name string, roles ...auth.Role) auth.User {
		t.Helper()
		u, err := s.CreateUser(ctx, sysActor, store.NewUser{PersonID: p.ID, Username: name, PasswordHash: "hash-" + name, Roles: roles})
		if err != nil {
			t.Fatalf("CreateUser(%s): %v", name, err)
		}
		return u
	}
	f.uT1 = mk(f.pT1, "lisi", auth.RoleAnalyst, auth.RoleTownship)
	f.uO1 = mk(f.pO1, "wangwu", auth.RoleOffice)
	f.uTB1 = mk(f.pTB1, "chenliu", auth.RoleTownship)
	return f
}

func TestUsersCRUD(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		clock.Set(t0)
		f := buildUsers(t, s)
		u := f.uT1
		if u.ID == 0 || u.PersonID != f.pT1.ID || u.Name != "李四" || u.UnitID != f.t1.ID || u.UnitName != f.t1.Name ||
			u.Username != "lisi" || !u.Active || u.TOTPEnabled || u.Version != 1 || !u.CreatedAt.Equal(t0) || !u.LastLoginAt.IsZero() {
			t.Errorf("CreateUser = %+v", u)
		}
		// Roles come back in the role table's display order.
		if want := []auth.Role{auth.RoleTownship, auth.RoleAnalyst}; !slices.Equal(u.Roles, want) {
			t.Errorf("roles = %v, want %v", u.Roles, want)
		}
		got, path, err := s.GetUser(ctx, u.ID)
		must(t, err)
		if path != f.t1.Path || got.Username != "lisi" || !slices.Equal(got.Roles, u.Roles) {
			t.Errorf("GetUser = %+v, %q", got, path)
		}
		byName, _, err := s.GetUserByUsername(ctx, "lisi")
		must(t, err)
		byPerson, _, err := s.GetUserByPerson(ctx, f.pT1.ID)
		must(t, err)
		if byName.ID != u.ID || byPerson.ID != u.ID {
			t.Errorf("by username %d, by person %d; want %d", byName.ID, byPerson.ID, u.ID)
		}
		for _, err := range []error{
			func() error { _, _, err := s.GetUser(ctx, 99999); return err }(),
			func() error { _, _, err := s.GetUserByUsername(ctx, "nobody"); return err }(),
			func() error { _, _, err := s.GetUserByPerson(ctx, 99999); return err }(),
		} {
			wantErr(t, err, apperr.NotFound, "error.not_found.user")
		}

		// Uniqueness: username, and one user per person.
		other := mkPerson(t, s, f.t2, "赵八", "")
		_, err = s.CreateUser(ctx, sysActor, store.NewUser{PersonID: other.ID, Username: "lisi", PasswordHash: "h", Roles: []auth.Role{auth.RoleTownship}})
		wantErr(t, err, apperr.Conflict, "error.duplicate")
		_, err = s.CreateUser(ctx, sysActor, store.NewUser{PersonID: f.pT1.ID, Username: "lisi2", PasswordHash: "h", Roles: []auth.Role{auth.RoleTownship}})
		wantErr(t, err, apperr.Conflict, "error.duplicate")

		// Credentials.
		c, err := s.GetCredentials(ctx, "lisi")
		must(t, err)
		if c.UserID != u.ID || c.PasswordHash != "hash-lisi" || !c.Active || c.RequireTOTP || c.FailedLogins != 0 ||
			!c.LockedUntil.IsZero() || c.UnitID != f.t1.ID || c.Name != "李四" {
			t.Errorf("GetCredentials = %+v", c)
		}
		_, err = s.GetCredentials(ctx, "nobody")
		wantErr(t, err, apperr.NotFound, "error.not_found.user")
		_, err = s.GetCredentialsByID(ctx, 99999)
		wantErr(t, err, apperr.NotFound, "error.not_found.user")

		// Update roles, then stale version.
		clock.Advance(time.Minute)
		edit := u
		edit.Roles = []auth.Role{auth.RoleTownship}
		up, err := s.UpdateUser(ctx, sysActor, edit)
		must(t, err)
		if up.Version != 2 || !slices.Equal(up.Roles, []auth.Role{auth.RoleTownship}) || !up.UpdatedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("UpdateUser = %+v", up)
		}
		_, err = s.UpdateUser(ctx, sysActor, edit)
		wantErr(t, err, apperr.Conflict, "error.version_conflict")
		_, err = s.UpdateUser(ctx, sysActor, auth.User{ID: 99999, Version: 1})
		wantErr(t, err, apperr.NotFound, "error.not_found.user")

		// ListUsers: scope, role filter, query, inactive.
		all := auth.System().ScopeFor(auth.PermUserRead)
		tests := []struct {
			name string
			sc   auth.Scope
			f    store.UserFilter
			want []string
		}{
			{"all", all, store.UserFilter{}, []string{"chenliu", "lisi", "wangwu"}},
			{"county A", auth.Scope{Prefixes: []string{f.a.Path}}, store.UserFilter{}, []string{"lisi", "wangwu"}},
			{"T1", auth.Scope{Prefixes: []string{f.t1.Path}}, store.UserFilter{}, []string{"lisi"}},
			{"village of T1", auth.Scope{Prefixes: []string{f.v1.Path}}, store.UserFilter{}, nil},
			{"denied", auth.Scope{Denied: true}, store.UserFilter{}, nil},
			{"role township", all, store.UserFilter{Role: auth.RoleTownship}, []string{"chenliu", "lisi"}},
			{"role analyst (removed)", all, store.UserFilter{Role: auth.RoleAnalyst}, nil},
			{"query username", all, store.UserFilter{Query: "wang"}, []string{"wangwu"}},
			{"query person name", all, store.UserFilter{Query: "陈"}, []string{"chenliu"}},
		}
		for _, tt := range tests {
			us, total, err := s.ListUsers(ctx, tt.sc, tt.f)
			must(t, err)
			var names []string
			for _, u := range us {
				names = append(names, u.Username)
				if len(u.Roles) == 0 {
					t.Errorf("ListUsers(%s): %s has no roles", tt.name, u.Username)
				}
			}
			slices.Sort(names)
			if !slices.Equal(names, tt.want) || total != len(tt.want) {
				t.Errorf("ListUsers(%s) = %v total %d, want %v", tt.name, names, total, tt.want)
			}
		}

		// Deactivate: ends sessions, revokes tokens, hides from lists.
		policy := auth.DefaultSessionPolicy()
		_, err = s.CreateSession(ctx, f.uO1.ID, "sess-hash", auth.StageFull, policy)
		must(t, err)
		tok, err := s.CreateToken(ctx, sysActor, f.uO1.ID, "ci", "tok-hash")
		must(t, err)
		off := f.uO1
		off.Active = false
		out, err := s.UpdateUser(ctx, sysActor, off)
		must(t, err)
		if out.Active {
			t.Errorf("deactivated user still active")
		}
		_, err = s.GetSession(ctx, "sess-hash")
		wantErr(t, err, apperr.NotFound, "error.not_found.session")
		_, _, err = s.TokenUser(ctx, "tok-hash")
		wantErr(t, err, apperr.NotFound, "error.not_found.token")
		gt, err := s.GetToken(ctx, tok.ID)
		must(t, err)
		if !gt.RevokedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("token RevokedAt = %v, want %v", gt.RevokedAt, t0.Add(time.Minute))
		}
		us, _, err := s.ListUsers(ctx, all, store.UserFilter{})
		must(t, err)
		if len(us) != 2 {
			t.Errorf("active users = %d, want 2", len(us))
		}
		us, _, err = s.ListUsers(ctx, all, store.UserFilter{IncludeInactive: true})
		must(t, err)
		if len(us) != 3 {
			t.Errorf("all users = %d, want 3", len(us))
		}
		_, err = s.Principal(ctx, f.uO1.ID, "2026-03-16")
		wantErr(t, err, apperr.NotFound, "error.not_found.user")
	})
}

func TestLoginFailuresAndPassword(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		clock.Set(t0)
		f := buildUsers(t, s)
		lp := auth.DefaultLoginPolicy()
		for i := 1; i <= 6; i++ {
			must(t, s.RecordLoginFailure(ctx, f.uT1.ID, lp))
			c, err := s.GetCredentials(ctx, "lisi")
			must(t, err)
			var want time.Time
			if d := lp.LockFor(i); d > 0 {
				want = t0.Add(d)
			}
			if c.FailedLogins != i || !c.LockedUntil.Equal(want) {
				t.Errorf("after %d failures: failed %d locked until %v; want %d, %v", i, c.FailedLogins, c.LockedUntil, i, want)
			}
		}
		// A new password clears the lockout and ends other sessions.
		sp := auth.DefaultSessionPolicy()
		keep, err := s.CreateSession(ctx, f.uT1.ID, "keep", auth.StageTOTP, sp)
		must(t, err)
		_, err = s.CreateSession(ctx, f.uT1.ID, "drop", auth.StageTOTP, sp)
		must(t, err)
		clock.Advance(time.Minute)
		must(t, s.SetPassword(ctx, sysActor, f.uT1.ID, "new-hash", keep.ID))
		c, err := s.GetCredentials(ctx, "lisi")
		must(t, err)
		if c.PasswordHash != "new-hash" || c.FailedLogins != 0 || !c.LockedUntil.IsZero() {
			t.Errorf("after SetPassword: %+v", c)
		}
		if _, err := s.GetSession(ctx, "keep"); err != nil {
			t.Errorf("kept session: %v", err)
		}
		_, err = s.GetSession(ctx, "drop")
		wantErr(t, err, apperr.NotFound, "error.not_found.session")
		// keepSession < 0 (rehash) ends nothing.
		must(t, s.SetPassword(ctx, sysActor, f.uT1.ID, "rehash", -1))
		if _, err := s.GetSession(ctx, "keep"); err != nil {
			t.Errorf("session after rehash: %v", err)
		}
		err = s.SetPassword(ctx, sysActor, 99999, "x", 0)
		wantErr(t, err, apperr.NotFound, "error.not_found.user")
		hist, err := s.History(ctx, "user", f.uT1.ID)
		must(t, err)
		want := []string{"user.create"}
		for range 6 {
			want = append(want, "user.login_failed")
		}
		want = append(want, "user.password", "user.password_rehash")
		if acts := actions(hist); !slices.Equal(acts, want) {
			t.Errorf("History(user) = %v, want %v", acts, want)
		}

		// TOTP secret storage.
		must(t, s.SetTOTP(ctx, sysActor, f.uT1.ID, "sealed", false))
		c, _ = s.GetCredentials(ctx, "lisi")
		if c.TOTPSecret != "sealed" || c.TOTPEnabled {
			t.Errorf("pending TOTP: %+v", c)
		}
		must(t, s.SetTOTP(ctx, sysActor, f.uT1.ID, "sealed", true))
		c, _ = s.GetCredentials(ctx, "lisi")
		if c.TOTPSecret != "sealed" || !c.TOTPEnabled {
			t.Errorf("enabled TOTP: %+v", c)
		}
		must(t, s.SetTOTP(ctx, sysActor, f.uT1.ID, "", false))
		c, _ = s.GetCredentials(ctx, "lisi")
		if c.TOTPSecret != "" || c.TOTPEnabled {
			t.Errorf("removed TOTP: %+v", c)
		}
		wantErr(t, s.SetTOTP(ctx, sysActor, 99999, "", false), apperr.NotFound, "error.not_found.user")
	})
}

func TestRoleTable(t *testing.T) {
	testdb.Each(t, testdb.NewClock(t0).Now, func(t *testing.T, s *store.Store) {
		roles, err := s.RoleTable(ctx)
		must(t, err)
		var codes []auth.Role
		for _, r := range roles {
			codes = append(codes, r.Code)
			if r.NameZH == "" || r.NameEN == "" || r.RequireTOTP || r.Version != 1 {
				t.Errorf("role %+v", r)
			}
		}
		want := []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleCaseManager, auth.RolePetition, auth.RoleOffice,
			auth.RoleGroup, auth.RoleTownship, auth.RoleReviewer, auth.RoleVillage, auth.RoleAnalyst}
		if !slices.Equal(codes, want) {
			t.Fatalf("roles = %v, want %v", codes, want)
		}
		permsOf := func(code auth.Role) []auth.Permission {
			for _, r := range roles {
				if r.Code == code {
					p := slices.Clone(r.Perms)
					slices.Sort(p)
					return p
				}
			}
			return nil
		}
		permTests := []struct {
			role auth.Role
			want []auth.Permission
		}{
			{auth.RoleAdmin, []auth.Permission{"audit.read", "org.manage", "org.read", "role.manage", "stats.read", "token.create", "user.manage", "user.read"}},
			{auth.RoleLeader, []auth.Permission{"audit.read", "org.read", "report.read", "report.reveal", "scope.area", "stats.read", "token.create", "user.read"}},
			{auth.RoleOffice, []auth.Permission{"org.read", "report.handle", "report.read", "scope.area", "token.create"}},
			{auth.RoleGroup, []auth.Permission{"org.read", "report.handle", "report.read", "scope.area", "token.create"}},
			{auth.RoleTownship, []auth.Permission{"org.read", "report.handle", "report.read", "report.register", "token.create"}},
			{auth.RoleVillage, []auth.Permission{"org.read", "report.register"}},
			{auth.RoleAnalyst, []auth.Permission{"org.read", "stats.read", "token.create"}},
		}
		// The foundation's grants; later workflows add their own grants in
		// their migrations (clue.*, case.*, ...), so each role holds at
		// least these.
		for _, tt := range permTests {
			got := permsOf(tt.role)
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("perms(%s) = %v, lacks %s", tt.role, got, w)
				}
			}
			for _, g := range got {
				if !slices.Contains(auth.AllPermissions(), g) {
					t.Errorf("perms(%s) holds unknown permission %s", tt.role, g)
				}
			}
		}
		// Separation of duties: the system administrator reads no records.
		for _, g := range permsOf(auth.RoleAdmin) {
			if strings.HasSuffix(string(g), ".read") && g != auth.PermOrgRead && g != auth.PermUserRead && g != auth.PermAuditRead && g != auth.PermStatsRead {
				t.Errorf("admin holds %s", g)
			}
		}

		// UpdateRole: new permissions and TOTP flag, version checked.
		upd := auth.RoleInfo{Code: auth.RoleTownship, RequireTOTP: true, Perms: []auth.Permission{auth.PermOrgRead, auth.PermScopeArea}, Version: 1}
		must(t, s.UpdateRole(ctx, sysActor, upd))
		wantErr(t, s.UpdateRole(ctx, sysActor, upd), apperr.Conflict, "error.version_conflict")
		wantErr(t, s.UpdateRole(ctx, sysActor, auth.RoleInfo{Code: "nope", Version: 1}), apperr.Conflict, "error.version_conflict")
		roles, err = s.RoleTable(ctx)
		must(t, err)
		for _, r := range roles {
			if r.Code == auth.RoleTownship {
				if !r.RequireTOTP || r.Version != 2 || !slices.Equal(permsOf(r.Code), []auth.Permission{"org.read", "scope.area"}) {
					t.Errorf("after UpdateRole: %+v", r)
				}
			}
		}
		// A role with no permissions left still lists.
		must(t, s.UpdateRole(ctx, sysActor, auth.RoleInfo{Code: auth.RoleVillage, Version: 1}))
		roles, err = s.RoleTable(ctx)
		must(t, err)
		if len(roles) != 10 || len(permsOf(auth.RoleVillage)) != 0 {
			t.Errorf("after emptying village: %d roles, village perms %v", len(roles), permsOf(auth.RoleVillage))
		}
	})
}

func TestPrincipal(t *testing.T) {
	testdb.Each(t, testdb.NewClock(t0).Now, func(t *testing.T, s *store.Store) {
		f := buildUsers(t, s)
		leader := mkPerson(t, s, f.a, "王书记", "副书记")
		g, err := s.CreateAreaGroup(ctx, sysActor, org.AreaGroup{CountyUnitID: f.a.ID, Name: "第一片区", LeaderPersonID: leader.ID})
		must(t, err)
		for _, u := range []org.Unit{f.o1, f.t1} {
			_, err := s.AddMember(ctx, sysActor, g.ID, u.ID, "2026-01-01")
			must(t, err)
		}
		lu, err := s.CreateUser(ctx, sysActor, store.NewUser{PersonID: leader.ID, Username: "leader", PasswordHash: "h", Roles: []auth.Role{auth.RoleLeader}})
		must(t, err)

		tests := []struct {
			name  string
			user  int64
			day   string
			roles []auth.Role
			perms []auth.Permission
			area  []string
		}{
			{"township+analyst: union of perms, no area", f.uT1.ID, "2026-03-16", []auth.Role{auth.RoleAnalyst, auth.RoleTownship},
				[]auth.Permission{"org.read", "report.handle", "report.read", "report.register", "stats.read", "token.create"}, nil},
			{"office member: area paths", f.uO1.ID, "2026-03-16", []auth.Role{auth.RoleOffice},
				[]auth.Permission{"org.read", "report.handle", "report.read", "scope.area", "token.create"}, sorted(f.o1.Path, f.t1.Path)},
			{"office before joining: no area", f.uO1.ID, "2025-12-31", []auth.Role{auth.RoleOffice},
				[]auth.Permission{"org.read", "report.handle", "report.read", "scope.area", "token.create"}, nil},
			{"leader: the group it leads", lu.ID, "2026-03-16", []auth.Role{auth.RoleLeader},
				[]auth.Permission{"audit.read", "org.read", "report.read", "report.reveal", "scope.area", "stats.read", "token.create", "user.read"}, sorted(f.o1.Path, f.t1.Path)},
		}
		for _, tt := range tests {
			p, err := s.Principal(ctx, tt.user, tt.day)
			must(t, err)
			var perms []auth.Permission
			for perm, ok := range p.Perms {
				if ok {
					perms = append(perms, perm)
				}
			}
			slices.Sort(perms)
			area := slices.Clone(p.AreaPaths)
			slices.Sort(area)
			// Later workflows grant roles more permissions: the foundation's
			// must all be there.
			has := true
			for _, w := range tt.perms {
				has = has && slices.Contains(perms, w)
			}
			if !slices.Equal(p.Roles, tt.roles) || !has || !slices.Equal(area, tt.area) {
				t.Errorf("%s: roles %v perms %v area %v; want %v %v %v", tt.name, p.Roles, perms, area, tt.roles, tt.perms, tt.area)
			}
			if p.UserID != tt.user || p.UnitPath == "" || p.Username == "" {
				t.Errorf("%s: principal %+v", tt.name, p)
			}
		}
		_, err = s.Principal(ctx, 99999, "2026-03-16")
		wantErr(t, err, apperr.NotFound, "error.not_found.user")
	})
}

func TestSessions(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		clock.Set(t0)
		f := buildUsers(t, s)
		p := auth.DefaultSessionPolicy()
		now := t0.Add(123456 * time.Microsecond) // sub-millisecond part is dropped
		clock.Set(now)
		a, err := s.CreateSession(ctx, f.uT1.ID, "hash-a", auth.StageFull, p)
		must(t, err)
		ms := now.Truncate(time.Millisecond)
		want := auth.Session{ID: a.ID, UserID: f.uT1.ID, Stage: auth.StageFull, CreatedAt: ms, LastSeenAt: ms, ExpiresAt: ms.Add(12 * time.Hour)}
		if a.ID == 0 || !sameSession(a, want) {
			t.Errorf("CreateSession = %+v, want %+v", a, want)
		}
		got, err := s.GetSession(ctx, "hash-a")
		must(t, err)
		if !sameSession(got, want) {
			t.Errorf("GetSession = %+v, want %+v", got, want)
		}
		_, err = s.GetSession(ctx, "no-such-hash")
		wantErr(t, err, apperr.NotFound, "error.not_found.session")
		// A full session records the login.
		u, _, err := s.GetUser(ctx, f.uT1.ID)
		must(t, err)
		if !u.LastLoginAt.Equal(ms) {
			t.Errorf("LastLoginAt = %v, want %v", u.LastLoginAt, ms)
		}

		// A totp-stage session does not; promotion rotates the hash.
		b, err := s.CreateSession(ctx, f.uO1.ID, "hash-b", auth.StageTOTP, p)
		must(t, err)
		u, _, _ = s.GetUser(ctx, f.uO1.ID)
		if !u.LastLoginAt.IsZero() {
			t.Errorf("totp stage recorded a login at %v", u.LastLoginAt)
		}
		clock.Advance(10 * time.Second)
		must(t, s.PromoteSession(ctx, b.ID, "hash-b2"))
		_, err = s.GetSession(ctx, "hash-b")
		wantErr(t, err, apperr.NotFound, "error.not_found.session")
		pb, err := s.GetSession(ctx, "hash-b2")
		must(t, err)
		if pb.ID != b.ID || pb.Stage != auth.StageFull || !pb.LastSeenAt.Equal(clock.Now().Truncate(time.Millisecond)) {
			t.Errorf("promoted = %+v", pb)
		}
		u, _, _ = s.GetUser(ctx, f.uO1.ID)
		if !u.LastLoginAt.Equal(clock.Now().Truncate(time.Millisecond)) {
			t.Errorf("promotion LastLoginAt = %v", u.LastLoginAt)
		}
		wantErr(t, s.PromoteSession(ctx, 99999, "x"), apperr.NotFound, "error.not_found.session")

		// Touch.
		clock.Set(now.Add(20 * time.Minute))
		must(t, s.TouchSession(ctx, a.ID))
		got, _ = s.GetSession(ctx, "hash-a")
		if !got.LastSeenAt.Equal(now.Add(20*time.Minute).Truncate(time.Millisecond)) || !got.CreatedAt.Equal(ms) {
			t.Errorf("after touch: %+v", got)
		}

		// Purge: a was seen at +20m, b at +10s (promotion); idle limit 30m.
		clock.Set(now.Add(25 * time.Minute))
		n, err := s.PurgeSessions(ctx, p)
		must(t, err)
		if n != 0 {
			t.Errorf("purge at +25m removed %d, want 0", n)
		}
		clock.Set(now.Add(35 * time.Minute))
		n, err = s.PurgeSessions(ctx, p)
		must(t, err)
		if n != 1 {
			t.Errorf("purge at +35m removed %d, want 1 (b, idle 34m50s)", n)
		}
		_, err = s.GetSession(ctx, "hash-b2")
		wantErr(t, err, apperr.NotFound, "error.not_found.session")
		if _, err := s.GetSession(ctx, "hash-a"); err != nil {
			t.Errorf("a purged too early: %v", err)
		}

		// Absolute expiry: keep a busy until 12h, then it goes.
		clock.Set(now.Add(11*time.Hour + 50*time.Minute))
		must(t, s.TouchSession(ctx, a.ID))
		clock.Set(now.Add(12*time.Hour - time.Second))
		n, err = s.PurgeSessions(ctx, p)
		must(t, err)
		if n != 0 {
			t.Errorf("purge before absolute expiry removed %d", n)
		}
		clock.Set(now.Add(12 * time.Hour))
		n, err = s.PurgeSessions(ctx, p)
		must(t, err)
		if n != 1 {
			t.Errorf("purge at absolute expiry removed %d, want 1", n)
		}
		_, err = s.GetSession(ctx, "hash-a")
		wantErr(t, err, apperr.NotFound, "error.not_found.session")

		// DeleteSession.
		c, err := s.CreateSession(ctx, f.uT1.ID, "hash-c", auth.StageFull, p)
		must(t, err)
		must(t, s.DeleteSession(ctx, c.ID))
		_, err = s.GetSession(ctx, "hash-c")
		wantErr(t, err, apperr.NotFound, "error.not_found.session")
	})
}

func sameSession(a, b auth.Session) bool {
	return a.ID == b.ID && a.UserID == b.UserID && a.Stage == b.Stage && a.CreatedAt.Equal(b.CreatedAt) &&
		a.LastSeenAt.Equal(b.LastSeenAt) && a.ExpiresAt.Equal(b.ExpiresAt)
}

func TestTokens(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		clock.Set(t0)
		f := buildUsers(t, s)
		tok, err := s.CreateToken(ctx, sysActor, f.uT1.ID, "统计导出", "tok-1")
		must(t, err)
		if tok.ID == 0 || tok.UserID != f.uT1.ID || tok.Name != "统计导出" || !tok.CreatedAt.Equal(t0) {
			t.Errorf("CreateToken = %+v", tok)
		}
		_, err = s.CreateToken(ctx, sysActor, f.uO1.ID, "dup", "tok-1")
		wantErr(t, err, apperr.Conflict, "error.duplicate")

		clock.Advance(5 * time.Minute)
		id, uid, err := s.TokenUser(ctx, "tok-1")
		must(t, err)
		if id != tok.ID || uid != f.uT1.ID {
			t.Errorf("TokenUser = %d, %d; want %d, %d", id, uid, tok.ID, f.uT1.ID)
		}
		gt, err := s.GetToken(ctx, tok.ID)
		must(t, err)
		if !gt.LastUsedAt.Equal(t0.Add(5*time.Minute)) || gt.Username != "lisi" || !gt.RevokedAt.IsZero() {
			t.Errorf("after use: %+v", gt)
		}
		// Used again within the minute: last_used_at is not rewritten.
		clock.Advance(30 * time.Second)
		_, _, err = s.TokenUser(ctx, "tok-1")
		must(t, err)
		gt, _ = s.GetToken(ctx, tok.ID)
		if !gt.LastUsedAt.Equal(t0.Add(5 * time.Minute)) {
			t.Errorf("LastUsedAt rewritten within a minute: %v", gt.LastUsedAt)
		}
		_, _, err = s.TokenUser(ctx, "unknown")
		wantErr(t, err, apperr.NotFound, "error.not_found.token")

		tok2, err := s.CreateToken(ctx, sysActor, f.uO1.ID, "other", "tok-2")
		must(t, err)
		list, err := s.ListTokens(ctx, f.uT1.ID)
		must(t, err)
		if len(list) != 1 || list[0].ID != tok.ID {
			t.Errorf("ListTokens(lisi) = %+v", list)
		}
		list, err = s.ListTokens(ctx, 0)
		must(t, err)
		if len(list) != 2 || list[0].ID != tok2.ID || list[1].ID != tok.ID {
			t.Errorf("ListTokens(all) = %+v, want newest first", list)
		}

		clock.Advance(time.Minute)
		must(t, s.RevokeToken(ctx, sysActor, tok.ID))
		_, _, err = s.TokenUser(ctx, "tok-1")
		wantErr(t, err, apperr.NotFound, "error.not_found.token")
		wantErr(t, s.RevokeToken(ctx, sysActor, tok.ID), apperr.NotFound, "error.not_found.token")
		wantErr(t, s.RevokeToken(ctx, sysActor, 99999), apperr.NotFound, "error.not_found.token")
		gt, _ = s.GetToken(ctx, tok.ID)
		if !gt.RevokedAt.Equal(clock.Now()) {
			t.Errorf("RevokedAt = %v, want %v", gt.RevokedAt, clock.Now())
		}
		_, err = s.GetToken(ctx, 99999)
		wantErr(t, err, apperr.NotFound, "error.not_found.token")
		// The other token still works.
		if _, uid, err := s.TokenUser(ctx, "tok-2"); err != nil || uid != f.uO1.ID {
			t.Errorf("TokenUser(tok-2) = %d, %v", uid, err)
		}
	})
}
