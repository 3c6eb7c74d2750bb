package demo

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/clue"
	"qingfeng/internal/credential"
	"qingfeng/internal/divisions"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
	"qingfeng/internal/vault"
)

const testPassword = "Qingfeng-Demo-2026"

// fixed is the test clock: after the memberships start (2026-01-01).
var fixed = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)

// cheapParams keep argon2id fast in tests.
func cheapParams() credential.Params {
	return credential.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
}

// backends lists the databases to run on: SQLite always, PostgreSQL when
// QINGFENG_TEST_POSTGRES holds an admin DSN.
func backends() []struct {
	name string
	dsn  func(t *testing.T) string
} {
	return []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "" }},
		{"postgres", postgresDSN},
	}
}

// postgresDSN creates a fresh database qf_demo_<hex> through the admin DSN
// and drops it when the test ends. It skips without the env variable.
func postgresDSN(t *testing.T) string {
	admin := os.Getenv("QINGFENG_TEST_POSTGRES")
	if admin == "" {
		t.Skip("QINGFENG_TEST_POSTGRES not set")
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "qf_demo_" + hex.EncodeToString(b[:])
	// The "pgx" driver is registered by package store.
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		db.Close()
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		defer db.Close()
		if _, err := db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// newApp opens and migrates a store (SQLite in a temp folder when dsn is
// empty) and builds the services with a fixed clock and cheap hashing.
func newApp(t *testing.T, dsn string) (*app.App, *store.Store) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	now := func() time.Time { return fixed }
	st, err := store.Open(ctx, store.Config{DSN: dsn, DataDir: dir, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	keys, err := vault.LoadOrCreate(filepath.Join(dir, "keys"), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	receiptKey := make([]byte, 32)
	if _, err := rand.Read(receiptKey); err != nil {
		t.Fatal(err)
	}
	in, err := app.NewIntake(ctx, st, receiptKey)
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(app.Options{Store: st, Hasher: credential.NewHasher(cheapParams(), 2), Keys: keys, Now: now,
		Rand: rand.Reader, Sessions: auth.DefaultSessionPolicy(), Logins: auth.DefaultLoginPolicy(), Intake: in})
	t.Cleanup(func() { a.Close() })
	return a, st
}

func TestTownshipName(t *testing.T) {
	tests := []struct{ division, want string }{
		{"永定街道", "永定街道纪工委"},
		{"天门山镇", "天门山镇纪委"},
		{"协合乡", "协合乡纪委"},
		{"走马坪白族乡", "走马坪白族乡纪委"},
		{"原种场", "原种场纪委"},
	}
	for _, tt := range tests {
		if got := townshipName(tt.division); got != tt.want {
			t.Errorf("townshipName(%q) = %q, want %q", tt.division, got, tt.want)
		}
	}
}

func TestLayoutChecks(t *testing.T) {
	divs, err := divisions.LoadHunan()
	if err != nil {
		t.Fatal(err)
	}
	good, err := parseLayout(layoutJSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := good.check(divs); err != nil {
		t.Fatalf("embedded layout: %v", err)
	}
	tests := []struct {
		name   string
		change func(l *layout)
		want   string
	}{
		{"bad date", func(l *layout) { l.MembershipFrom = "2026-13-01" }, "membership_from"},
		{"unknown township", func(l *layout) { l.Counties[0].Townships[0].Code = "430821109" }, "not a division of the county"},
		{"wrong township name", func(l *layout) { l.Counties[0].Townships[0].DivisionName = "某某镇" }, "not 某某镇"},
		{"unknown member", func(l *layout) { l.Counties[0].AreaGroups[0].Members[0] = "第九纪检监察室" }, "neither a unit name"},
		{"member twice", func(l *layout) {
			g := &l.Counties[0].AreaGroups[1]
			g.Members = append(g.Members, l.Counties[0].AreaGroups[0].Members[0])
		}, "in both"},
		{"leader not at commission", func(l *layout) { l.Counties[0].AreaGroups[0].Leader = "yd_case_p" }, "not a keyed person"},
		{"user without person", func(l *layout) { l.Users[0].Person = "nobody" }, "no person with key"},
		{"village outside township", func(l *layout) {
			for i := range l.Counties[0].Townships {
				if len(l.Counties[0].Townships[i].Villages) > 0 {
					l.Counties[0].Townships[i].Villages[0].Code = "430821109201"
					return
				}
			}
		}, "12-digit code under"},
		{"county name and code differ", func(l *layout) { l.Counties[0].Division = "430821" }, "name does not start"},
		{"county outside city", func(l *layout) { l.Counties[0].Name, l.Counties[0].Division = "芙蓉区纪委监委", "430102" }, "not in city"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := parseLayout(layoutJSON) // a fresh deep copy
			if err != nil {
				t.Fatal(err)
			}
			tt.change(&l)
			err = l.check(divs)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("check() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := parseLayout(`{"note": "x", "unknown": 1}`); err == nil {
		t.Error("parseLayout accepted an unknown field")
	}
}

func TestLoadRejectsWeakPassword(t *testing.T) {
	ctx := context.Background()
	a, _ := newApp(t, "")
	tests := []struct{ name, password, reason string }{
		{"too short", "Ab1!xyz", "auth.password.too_short"},
		{"too simple", "abcdefghijklmn", "auth.password.too_simple"},
		{"contains a username", "Yd_Leader-2026x", "auth.password.contains_username"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(ctx, a, tt.password)
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("Load() = %v, want invalid", err)
			}
			if got := apperr.As(err).Fields["password"]; got != tt.reason {
				t.Errorf("password field = %q, want %q", got, tt.reason)
			}
		})
	}
	_, n, err := a.ListUnits(ctx, auth.System(), store.UnitFilter{IncludeInactive: true})
	if err != nil || n != 0 {
		t.Errorf("after rejected loads: %d units, %v; want 0", n, err)
	}
}

// granaryAlerts is how many alerts the sample granary's events open.
const granaryAlerts = 3

func TestLoad(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			a, st := newApp(t, be.dsn(t))
			testLoad(t, a, st)
		})
	}
}

// countyWant is the expected shape of one county.
type countyWant struct {
	code                         string
	name                         string
	offices, groups, townships   int
	nonDivision, villages, areas int
}

func testLoad(t *testing.T, a *app.App, st *store.Store) {
	ctx := context.Background()
	sys := auth.System()
	res, err := Load(ctx, a, testPassword)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}

	// Totals agree with what the services list.
	units := listUnits(t, a, sys, store.UnitFilter{IncludeInactive: true})
	if res.Units != len(units) || res.Units != 155 {
		t.Errorf("Result.Units = %d, listed %d, want 155", res.Units, len(units))
	}
	_, people, err := a.ListPeople(ctx, sys, store.PersonFilter{IncludeInactive: true})
	if err != nil || res.People != people || res.People != 178 {
		t.Errorf("Result.People = %d, listed %d (%v), want 178", res.People, people, err)
	}
	if res.AreaGroups != 18 {
		t.Errorf("Result.AreaGroups = %d, want 18 (7+5+4+2)", res.AreaGroups)
	}
	if res.Users != 14 || len(res.Logins) != 14 {
		t.Errorf("Result.Users = %d, %d logins; want 14", res.Users, len(res.Logins))
	}

	byCode := map[string]org.Unit{}
	byID := map[int64]org.Unit{}
	for _, u := range units {
		byID[u.ID] = u
		if u.DivisionCode != "" {
			byCode[u.DivisionCode] = u
		}
	}
	top := []struct{ code, name, short string }{
		{"43", "湖南省纪委监委", "湘"},
		{"4308", "张家界市纪委监委", "张"},
		{"430802", "永定区纪委监委", "永"},
		{"430821", "慈利县纪委监委", "慈"},
		{"430822", "桑植县纪委监委", "桑"},
		{"430811", "武陵源区纪委监委", "武"},
	}
	for _, c := range top {
		u, ok := byCode[c.code]
		if !ok || u.Name != c.name || u.ShortName != c.short || u.Kind != org.KindCommission {
			t.Errorf("unit %s = %+v, want commission %s (%s)", c.code, u, c.name, c.short)
		}
	}
	if p, c := byCode["43"], byCode["4308"]; c.ParentID != p.ID || p.ParentID != 0 {
		t.Errorf("city parent %d, province parent %d; want province %d, root", c.ParentID, p.ParentID, p.ID)
	}

	divs, err := divisions.LoadHunan()
	if err != nil {
		t.Fatal(err)
	}
	counties := []countyWant{
		{"430802", "永定区", 4, 9, 24, 3, 7, 7},
		{"430821", "慈利县", 4, 8, 26, 0, 3, 5},
		{"430822", "桑植县", 4, 8, 23, 0, 3, 4},
		{"430811", "武陵源区", 3, 4, 4, 0, 3, 2},
	}
	groups := map[string][]org.AreaGroup{}
	for _, cw := range counties {
		t.Run(cw.name, func(t *testing.T) {
			cu := byCode[cw.code]
			if cu.ParentID != byCode["4308"].ID {
				t.Errorf("county parent = %d, want the city", cu.ParentID)
			}
			kinds := map[org.Kind]int{}
			nonDiv, villages := 0, 0
			for _, u := range units {
				if !strings.HasPrefix(u.Path, cu.Path) || u.ID == cu.ID {
					continue
				}
				kinds[u.Kind]++
				if u.Kind == org.KindTownship {
					if u.ParentID != cu.ID {
						t.Errorf("township %s under %d, want the county", u.Name, u.ParentID)
					}
					if !u.IsDivision {
						nonDiv++
						if u.DivisionCode != "" {
							t.Errorf("non-division %s has code %s", u.Name, u.DivisionCode)
						}
					}
				}
				if u.Kind == org.KindVillage {
					villages++
					parent := byID[u.ParentID]
					if parent.Kind != org.KindTownship || !strings.HasPrefix(u.DivisionCode, parent.DivisionCode) ||
						len(u.DivisionCode) != 12 || !strings.HasSuffix(u.Name, "村务监督委员会") {
						t.Errorf("village %s (%s) under %s (%s)", u.Name, u.DivisionCode, parent.Name, parent.DivisionCode)
					}
				}
			}
			want := map[org.Kind]int{org.KindOffice: cw.offices, org.KindDispatched: cw.groups, org.KindTownship: cw.townships,
				org.KindCaseManagement: 1, org.KindPetition: 1, org.KindReview: 1, org.KindVillage: cw.villages}
			for k, n := range want {
				if kinds[k] != n {
					t.Errorf("%s units = %d, want %d", k, kinds[k], n)
				}
			}
			if nonDiv != cw.nonDivision {
				t.Errorf("non-division townships = %d, want %d", nonDiv, cw.nonDivision)
			}
			// Every township-level division of the real data is there, named from it.
			ch := divs.Children(cw.code)
			if len(ch)+cw.nonDivision != cw.townships {
				t.Errorf("division data has %d townships, want %d", len(ch), cw.townships-cw.nonDivision)
			}
			for _, d := range ch {
				u, ok := byCode[d.Code]
				if !ok || u.Name != townshipName(d.Name) || u.Kind != org.KindTownship || u.ParentID != cu.ID {
					t.Errorf("township %s %s = %+v", d.Code, d.Name, u)
				}
			}

			// Area groups: active, led by a person of the county commission,
			// every office, group and township in exactly one.
			gs, n, err := a.ListAreaGroups(ctx, sys, store.AreaFilter{CountyUnitID: cu.ID})
			if err != nil || n != cw.areas || len(gs) != cw.areas {
				t.Fatalf("area groups: %d (%d) %v, want %d", n, len(gs), err, cw.areas)
			}
			groups[cw.code] = gs
			leaders := map[int64]bool{}
			in := map[int64]int{}
			for i, g := range gs {
				if want := "第" + strings.Split("一二三四五六七", "")[i] + "片区"; g.Name != want || !g.Active {
					t.Errorf("group %d = %s (active %v), want active %s", i, g.Name, g.Active, want)
				}
				pe, err := a.GetPerson(ctx, sys, g.LeaderPersonID)
				if err != nil || pe.UnitID != cu.ID || g.LeaderName != pe.Name {
					t.Errorf("%s leader %d %s: %+v %v", g.Name, g.LeaderPersonID, g.LeaderName, pe, err)
				}
				if leaders[g.LeaderPersonID] {
					t.Errorf("%s: leader %s leads two groups", g.Name, g.LeaderName)
				}
				leaders[g.LeaderPersonID] = true
				if len(g.Members) == 0 {
					t.Errorf("%s has no members", g.Name)
				}
				for _, m := range g.Members {
					in[m.UnitID]++
					if m.From != "2026-01-01" || !m.Open() {
						t.Errorf("%s member %s from %q to %q", g.Name, m.UnitName, m.From, m.To)
					}
				}
			}
			if cw.code == "430802" || cw.code == "430821" {
				// Complete coverage where the seed describes it.
				for _, u := range units {
					if u.ParentID == cu.ID && u.Kind.AreaMemberKind() && in[u.ID] != 1 {
						t.Errorf("%s %s is in %d area groups, want 1", u.Kind, u.Name, in[u.ID])
					}
				}
			}
			for _, u := range units {
				if u.Kind == org.KindTownship && u.ParentID == cu.ID && in[u.ID] != 1 {
					t.Errorf("township %s is in %d area groups, want 1", u.Name, in[u.ID])
				}
			}
		})
	}

	// 桑植: each office guides 5-6 townships with two dispatched groups.
	var perOffice []int
	for _, g := range groups["430822"] {
		k := map[org.Kind]int{}
		for _, m := range g.Members {
			k[m.UnitKind]++
		}
		if k[org.KindOffice] != 1 || k[org.KindDispatched] != 2 || k[org.KindTownship] < 5 || k[org.KindTownship] > 6 {
			t.Errorf("桑植 %s: %v, want 1 office, 2 groups, 5-6 townships", g.Name, k)
		}
		perOffice = append(perOffice, k[org.KindTownship])
	}
	if slices.Sort(perOffice); !slices.Equal(perOffice, []int{5, 6, 6, 6}) {
		t.Errorf("桑植 townships per office = %v, want [5 6 6 6]", perOffice)
	}

	// Sample villages.
	for _, v := range []struct{ code, township string }{
		{"430802103201", "天门山镇纪委"}, {"430802102201", "教字垭镇纪委"}, {"430821109201", "零溪镇纪委"},
		{"430822100201", "澧源镇纪委"}, {"430811201201", "协合乡纪委"},
	} {
		u, ok := byCode[v.code]
		if !ok || u.Kind != org.KindVillage || byID[u.ParentID].Name != v.township {
			t.Errorf("village %s = %+v, want one under %s", v.code, u, v.township)
		}
	}

	// Logins: in order, one per role, each signs in with the password.
	wantLogins := []struct{ user, role, unit string }{
		{"zjj_admin", "admin", "张家界市纪委监委"},
		{"yd_admin", "admin", "永定区纪委监委"},
		{"yd_leader", "leader", "永定区纪委监委"},
		{"yd_case", "case_manager", "永定区纪委监委 / 案件监督管理室"},
		{"yd_petition", "petition", "永定区纪委监委 / 信访室"},
		{"yd_office1", "office", "永定区纪委监委 / 第一纪检监察室"},
		{"yd_group1", "group", "永定区纪委监委 / 派驻第一纪检监察组"},
		{"yd_tms", "township", "永定区纪委监委 / 天门山镇纪委"},
		{"yd_reviewer", "reviewer", "永定区纪委监委 / 案件审理室"},
		{"yd_village", "village", "天门山镇纪委 / 大坪村村务监督委员会"},
		{"yd_analyst", "analyst", "永定区纪委监委"},
		{"cl_township", "township", "慈利县纪委监委 / 零溪镇纪委"},
		{"sz_admin", "admin", "桑植县纪委监委"},
		{"wly_admin", "admin", "武陵源区纪委监委"},
	}
	for i, w := range wantLogins {
		if i >= len(res.Logins) {
			break
		}
		l := res.Logins[i]
		if l.Username != w.user || l.Role != w.role || l.UnitName != w.unit || l.Password != testPassword || l.Note == "" {
			t.Errorf("login %d = %+v, want %s/%s at %s", i, l, w.user, w.role, w.unit)
		}
	}
	roles, err := a.Roles(ctx, sys)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		if !slices.ContainsFunc(res.Logins, func(l Login) bool { return l.Role == string(r.Code) }) {
			t.Errorf("no login for role %s", r.Code)
		}
	}

	// Everything so far was written through audited services.
	n, err := st.VerifyAudit(ctx)
	if err != nil || n == 0 {
		t.Fatalf("VerifyAudit = %d, %v", n, err)
	}
	members := 0
	for _, gs := range groups {
		for _, g := range gs {
			members += len(g.Members)
		}
	}
	// The sample clues: 5 registrations, 3 assignments proposed and
	// approved, 6 further steps, and one meeting; the sample pairing: the
	// pairing, two guidance records, a training and its attendance; the
	// village log: 7 entries and 4 demand steps; the sample
	// rectifications: 3 created, 4 steps; the sample task: created,
	// activated, two reports, a finding, a campaign and its link to the one
	// subsidy clue.
	// The sample granary: a depot, 2 bins, 6 devices, a rotation plan and
	// the alerts its events open (one record each).
	const sampleWrites = 5 + 3*2 + 6 + 1 + 1 + 2 + 1 + 1 + 7 + 4 + 3 + 4 + (2 + 2 + 1 + 1 + 1) + (1 + 2 + 6 + 1 + granaryAlerts)
	if want := int64(res.Units + res.People + res.AreaGroups + members + res.Users + sampleWrites); n != want {
		t.Errorf("audit records = %d, want %d (one per object and membership, and the sample clues)", n, want)
	}
	leaderUser, _, err := st.GetUserByUsername(ctx, "yd_leader")
	if err != nil {
		t.Fatal(err)
	}
	leader, err := st.Principal(ctx, leaderUser.ID, a.Today())
	if err != nil {
		t.Fatal(err)
	}
	alerts, err := a.GranaryAlerts(ctx, leader, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, al := range alerts {
		rules = append(rules, al.Rule+"/"+string(al.Level))
	}
	slices.Sort(rules)
	if want := []string{"stock_mismatch/serious", "temp_jump/warning", "unauthorised_movement/serious"}; !slices.Equal(rules, want) || len(rules) != granaryAlerts {
		t.Errorf("the sample granary's alerts = %v, want %v", rules, want)
	}
	if letters, err := st.ListDeadLetters(ctx, 10); err != nil || len(letters) != 1 || letters[0].Reason != "version" {
		t.Errorf("the sample granary's dead letters = %+v, %v", letters, err)
	}
	caseMgr, _, err := st.GetUserByUsername(ctx, "yd_case")
	if err != nil {
		t.Fatal(err)
	}
	cp, err := st.Principal(ctx, caseMgr.ID, a.Today())
	if err != nil {
		t.Fatal(err)
	}
	clues, total, err := a.ListClues(ctx, cp, store.ClueFilter{})
	if err != nil || total != 5 {
		t.Fatalf("yd_case's ledger: %d clues, %v", total, err)
	}
	statuses := map[clue.Status]int{}
	for _, c := range clues {
		statuses[c.Status]++
	}
	if statuses[clue.StatusRegistered] != 2 || statuses[clue.StatusInquiryReply] != 1 || statuses[clue.StatusVerification] != 1 ||
		statuses[clue.StatusAssigned] != 1 {
		t.Errorf("sample clue states %v", statuses)
	}
	hist, err := a.History(ctx, sys, "unit", byCode["430802"].ID)
	if err != nil || len(hist) != 1 || hist[0].Action != "unit.create" || hist[0].ActorName != "system" {
		t.Errorf("history of 永定区 = %+v, %v", hist, err)
	}

	// Signed in, the accounts see what their roles and area groups allow.
	scopes := []struct {
		user      string
		sees      []string // division codes inside the scope
		doesntSee []string
	}{
		{"zjj_admin", []string{"4308", "430802", "430821", "430822", "430811", "430802103201"}, []string{"43"}},
		{"yd_admin", []string{"430802", "430802103"}, []string{"430821", "4308"}},
		{"yd_leader", []string{"430802", "430802404"}, []string{"430811"}},
		{"yd_office1", []string{"430802001", "430802002"}, []string{"430802103", "430802"}},
		{"yd_tms", []string{"430802103", "430802103204"}, []string{"430802001", "430802102"}},
		{"cl_township", []string{"430821109", "430821109201"}, []string{"430821110", "430802103"}},
		{"wly_admin", []string{"430811201202"}, []string{"430802"}},
	}
	for _, sc := range scopes {
		si, err := a.Login(ctx, sc.user, testPassword, "test-"+sc.user)
		if err != nil {
			t.Errorf("login %s: %v", sc.user, err)
			continue
		}
		_, p, err := a.Resolve(ctx, si.Token)
		if err != nil {
			t.Errorf("resolve %s: %v", sc.user, err)
			continue
		}
		s := p.ScopeFor(auth.PermOrgRead)
		for _, c := range sc.sees {
			if !s.Covers(byCode[c].Path) {
				t.Errorf("%s does not see %s %s", sc.user, c, byCode[c].Name)
			}
		}
		for _, c := range sc.doesntSee {
			if s.Covers(byCode[c].Path) {
				t.Errorf("%s sees %s %s", sc.user, c, byCode[c].Name)
			}
		}
	}
	// yd_office1 reaches the non-division 城区管理纪工委 through 第一片区.
	si, err := a.Login(ctx, "yd_office1", testPassword, "test-office1-again")
	if err != nil {
		t.Fatal(err)
	}
	_, p, err := a.Resolve(ctx, si.Token)
	if err != nil {
		t.Fatal(err)
	}
	list := listUnits(t, a, p, store.UnitFilter{Kinds: []org.Kind{org.KindTownship}})
	var names []string
	for _, u := range list {
		names = append(names, u.Name)
	}
	if want := []string{"永定街道纪工委", "大庸桥街道纪工委", "永定区城区管理纪工委"}; !sameSet(names, want) {
		t.Errorf("yd_office1 lists townships %v, want %v", names, want)
	}

	// A second load refuses and writes nothing.
	if _, err := Load(ctx, a, testPassword); !apperr.Is(err, apperr.Conflict) || apperr.As(err).Key != "demo.not_empty" {
		t.Errorf("second Load = %v, want conflict demo.not_empty", err)
	}
	if again := listUnits(t, a, sys, store.UnitFilter{IncludeInactive: true}); len(again) != len(units) {
		t.Errorf("after second Load: %d units, want %d", len(again), len(units))
	}
	if _, err := st.VerifyAudit(ctx); err != nil {
		t.Errorf("VerifyAudit at the end: %v", err)
	}
}

// listUnits pages through ListUnits.
func listUnits(t *testing.T, a *app.App, p auth.Principal, f store.UnitFilter) []org.Unit {
	t.Helper()
	var out []org.Unit
	f.Page = store.Page{Limit: 500}
	for {
		us, total, err := a.ListUnits(context.Background(), p, f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, us...)
		if len(us) == 0 || len(out) >= total {
			return out
		}
		f.Page.Offset += len(us)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
