package app_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

var ctx = context.Background()

// t0 is 10:00 on 16 March 2026 in Asia/Shanghai (a Monday).
var t0 = time.Date(2026, 3, 16, 2, 0, 0, 0, time.UTC)

// password is accepted by the password policy for every fixture username.
const password = "Qingfeng#2026pass"

var sys = auth.System()

// wantCode fails unless err carries code; for Invalid it also checks that
// fields (when given) match exactly, else that key (when given) matches.
func wantCode(t *testing.T, err error, code apperr.Code, key string, fields map[string]string) {
	t.Helper()
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
	if err == nil {
		return
	}
	e := apperr.As(err)
	if key != "" && e.Key != key {
		t.Fatalf("error key = %q, want %q (%v)", e.Key, key, err)
	}
	if fields != nil && !maps.Equal(e.Fields, fields) {
		t.Fatalf("error fields = %v, want %v", e.Fields, fields)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fixture is the organisation of the access matrix, built through the
// services as the system principal:
//
//	city 张家界市 (4308)
//	├── county A 永定区 (430802)
//	│   ├── O1, O2 (offices), G1 (dispatched group)
//	│   ├── T1 ── V1, V2
//	│   ├── T2 ── V3
//	│   └── T3 ── V4
//	└── county B 武陵源区 (430811)
//	    └── TB1 ── VB1
//
// Area groups of A (from 2026-01-01): AG1 = {O1, G1, T1, T2} led by the
// leader; AG2 = {O2, T3}.
type fixture struct {
	app    *app.App
	store  *store.Store
	clock  *testdb.Clock
	units  map[string]org.Unit
	people map[string]org.Person
	users  map[string]auth.User
	// principals as resolved from a fresh session at t0.
	principals map[string]auth.Principal
	ag1, ag2   org.AreaGroup
}

// unitKeys lists the fixture's units.
var unitKeys = []string{"city", "A", "O1", "O2", "G1", "T1", "T2", "T3", "V1", "V2", "V3", "V4", "B", "TB1", "VB1"}

// userSpecs lists the fixture's users: username, unit, role.
var userSpecs = []struct {
	username string
	unit     string
	role     auth.Role
}{
	{"cityadmin", "city", auth.RoleAdmin},
	{"admina", "A", auth.RoleAdmin},
	{"leadera", "A", auth.RoleLeader},
	{"officeo1", "O1", auth.RoleOffice},
	{"groupg1", "G1", auth.RoleGroup},
	{"townt1", "T1", auth.RoleTownship},
	{"villagev1", "V1", auth.RoleVillage},
	{"analysta", "A", auth.RoleAnalyst},
	{"adminb", "B", auth.RoleAdmin},
	{"townb1", "TB1", auth.RoleTownship},
}

func newFixture(t *testing.T, s *store.Store, clock *testdb.Clock) *fixture {
	t.Helper()
	clock.Set(t0)
	f := &fixture{
		app: testdb.NewApp(t, s, clock.Now), store: s, clock: clock,
		units: map[string]org.Unit{}, people: map[string]org.Person{}, users: map[string]auth.User{},
		principals: map[string]auth.Principal{},
	}
	unit := func(key, parent string, kind org.Kind, name, code string) {
		t.Helper()
		u := org.Unit{Kind: kind, Name: name, DivisionCode: code, IsDivision: code != ""}
		if parent != "" {
			u.ParentID = f.units[parent].ID
		}
		out, err := f.app.CreateUnit(ctx, sys, u)
		if err != nil {
			t.Fatalf("create unit %s: %v", key, err)
		}
		f.units[key] = out
	}
	unit("city", "", org.KindCommission, "张家界市纪委监委", "4308")
	unit("A", "city", org.KindCommission, "永定区纪委监委", "430802")
	unit("O1", "A", org.KindOffice, "第一纪检监察室", "")
	unit("O2", "A", org.KindOffice, "第二纪检监察室", "")
	unit("G1", "A", org.KindDispatched, "派驻第一纪检监察组", "")
	unit("T1", "A", org.KindTownship, "南庄坪街道纪工委", "430802001")
	unit("T2", "A", org.KindTownship, "大庸桥街道纪工委", "430802002")
	unit("T3", "A", org.KindTownship, "崇文街道纪工委", "430802003")
	unit("V1", "T1", org.KindVillage, "南庄坪社区", "430802001001")
	unit("V2", "T1", org.KindVillage, "杨家溪村", "430802001002")
	unit("V3", "T2", org.KindVillage, "大庸桥村", "430802002001")
	unit("V4", "T3", org.KindVillage, "崇文村", "430802003001")
	unit("B", "city", org.KindCommission, "武陵源区纪委监委", "430811")
	unit("TB1", "B", org.KindTownship, "索溪峪街道纪工委", "430811001")
	unit("VB1", "TB1", org.KindVillage, "索溪峪村", "430811001001")

	person := func(key, unitKey, name, post string) org.Person {
		t.Helper()
		p, err := f.app.SavePerson(ctx, sys, org.Person{UnitID: f.units[unitKey].ID, Name: name, Post: post, Active: true})
		if err != nil {
			t.Fatalf("create person %s: %v", key, err)
		}
		f.people[key] = p
		return p
	}
	for i, spec := range userSpecs {
		p := person(spec.username, spec.unit, "干部"+string(rune('甲'+i)), string(spec.role))
		u, err := f.app.CreateUser(ctx, sys, p.ID, spec.username, password, []auth.Role{spec.role})
		if err != nil {
			t.Fatalf("create user %s: %v", spec.username, err)
		}
		f.users[spec.username] = u
	}
	person("ag2lead", "A", "赵副书记", "副书记")
	person("staffT2", "T2", "孙委员", "纪工委委员")
	person("staffT3", "T3", "周委员", "纪工委委员")
	person("staffB", "B", "吴主任", "主任")

	group := func(name, leader string, members ...string) org.AreaGroup {
		t.Helper()
		g, err := f.app.CreateAreaGroup(ctx, sys, org.AreaGroup{CountyUnitID: f.units["A"].ID, Name: name, LeaderPersonID: f.people[leader].ID})
		if err != nil {
			t.Fatalf("create area group %s: %v", name, err)
		}
		for _, m := range members {
			if _, err := f.app.AddAreaMember(ctx, sys, g.ID, f.units[m].ID, "2026-01-01"); err != nil {
				t.Fatalf("add %s to %s: %v", m, name, err)
			}
		}
		return g
	}
	f.ag1 = group("第一片区", "leadera", "O1", "G1", "T1", "T2")
	f.ag2 = group("第二片区", "ag2lead", "O2", "T3")

	for _, spec := range userSpecs {
		f.principals[spec.username] = f.signIn(t, spec.username)
	}
	return f
}

// signIn logs a fixture user in with the fixture password and resolves the
// session to its principal.
func (f *fixture) signIn(t *testing.T, username string) auth.Principal {
	t.Helper()
	in, err := f.app.Login(ctx, username, password, "src-"+username+"-"+f.clock.Now().String())
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	if in.Session.Stage != auth.StageFull {
		t.Fatalf("login %s: stage %q, want full", username, in.Session.Stage)
	}
	_, p, err := f.app.Resolve(ctx, in.Token)
	if err != nil {
		t.Fatalf("resolve %s: %v", username, err)
	}
	return p
}

// unitIDs maps unit keys to ids, sorted.
func (f *fixture) unitIDs(keys ...string) []int64 {
	var out []int64
	for _, k := range keys {
		u, ok := f.units[k]
		if !ok {
			panic("no unit " + k)
		}
		out = append(out, u.ID)
	}
	slices.Sort(out)
	return out
}

// unitKeysOf maps ids back to keys, sorted, for readable failures.
func (f *fixture) unitKeysOf(ids []int64) []string {
	var out []string
	for _, id := range ids {
		found := false
		for k, u := range f.units {
			if u.ID == id {
				out = append(out, k)
				found = true
			}
		}
		if !found {
			out = append(out, "?")
		}
	}
	slices.Sort(out)
	return out
}

func keys(s string) []string { return strings.Fields(s) }

// each runs fn on both engines with a fresh fixture.
func each(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	clock := testdb.NewClock(t0)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		fn(t, newFixture(t, s, clock))
	})
}
