package store_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// t0 is 10:00 on 16 March 2026 in Asia/Shanghai.
var t0 = time.Date(2026, 3, 16, 2, 0, 0, 0, time.UTC)

var sysActor = audit.Actor{Name: "system"}

var ctx = context.Background()

// wantErr fails unless err carries code and (when key is not "") key.
func wantErr(t *testing.T, err error, code apperr.Code, key string) {
	t.Helper()
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
	if key != "" {
		if got := apperr.As(err).Key; got != key {
			t.Fatalf("error key = %q, want %q (error %v)", got, key, err)
		}
	}
}

// must fails the test on a non-nil error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// mkUnit creates a unit under parent (nil for a root) with the given code.
func mkUnit(t *testing.T, s *store.Store, parent *org.Unit, kind org.Kind, name, code string) org.Unit {
	t.Helper()
	u := org.Unit{Kind: kind, Name: name, DivisionCode: code, IsDivision: code != "", Active: true}
	if parent != nil {
		u.ParentID = parent.ID
	}
	out, err := s.CreateUnit(ctx, sysActor, u)
	if err != nil {
		t.Fatalf("create unit %s: %v", name, err)
	}
	return out
}

// mkPerson creates an active person in unit.
func mkPerson(t *testing.T, s *store.Store, unit org.Unit, name, post string) org.Person {
	t.Helper()
	p, err := s.CreatePerson(ctx, sysActor, org.Person{UnitID: unit.ID, Name: name, Post: post})
	if err != nil {
		t.Fatalf("create person %s: %v", name, err)
	}
	return p
}

// tree is a small organisation: a city with counties A and B.
type tree struct {
	city, a, b, o1, t1, t2, v1, old, tb1 org.Unit
}

func buildTree(t *testing.T, s *store.Store) tree {
	t.Helper()
	var tr tree
	tr.city = mkUnit(t, s, nil, org.KindCommission, "张家界市纪委监委", "4308")
	tr.a = mkUnit(t, s, &tr.city, org.KindCommission, "永定区纪委监委", "430802")
	tr.b = mkUnit(t, s, &tr.city, org.KindCommission, "武陵源区纪委监委", "430811")
	tr.o1 = mkUnit(t, s, &tr.a, org.KindOffice, "第一纪检监察室", "")
	tr.t1 = mkUnit(t, s, &tr.a, org.KindTownship, "南庄坪街道纪工委", "430802001")
	tr.t2 = mkUnit(t, s, &tr.a, org.KindTownship, "大庸桥街道纪工委", "430802002")
	tr.v1 = mkUnit(t, s, &tr.t1, org.KindVillage, "南庄坪社区", "430802001001")
	tr.old = mkUnit(t, s, &tr.a, org.KindOffice, "原第九纪检监察室", "")
	tr.old.Active = false
	var err error
	tr.old, err = s.UpdateUnit(ctx, sysActor, tr.old)
	must(t, err)
	tr.tb1 = mkUnit(t, s, &tr.b, org.KindTownship, "索溪峪街道纪工委", "430811001")
	return tr
}

func unitNames(us []org.Unit) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Name)
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestMigrations(t *testing.T) {
	testdb.Each(t, testdb.NewClock(t0).Now, func(t *testing.T, s *store.Store) {
		cur, latest, err := s.SchemaVersion(ctx)
		must(t, err)
		versions := migrationVersions(t, s.Dialect())
		want := versions[len(versions)-1]
		if cur != latest || latest != want {
			t.Errorf("SchemaVersion = (%d, %d), want (%d, %d)", cur, latest, want, want)
		}
		applied, err := s.Migrate(ctx)
		must(t, err)
		if len(applied) != 0 {
			t.Errorf("second Migrate applied %v, want nothing", applied)
		}
		must(t, s.Ping(ctx))
		v, err := s.Setting(ctx, "no such key")
		must(t, err)
		if v != "" {
			t.Errorf("Setting(missing) = %q, want \"\"", v)
		}
	})
}

func TestMigrateFreshDatabaseReportsVersions(t *testing.T) {
	// A store opened without testdb's migration: Migrate applies every file.
	s, err := store.Open(ctx, store.Config{DataDir: t.TempDir(), Now: testdb.NewClock(t0).Now})
	must(t, err)
	defer s.Close()
	if s.Dialect() != store.SQLite {
		t.Fatalf("Dialect = %q, want sqlite", s.Dialect())
	}
	cur, latest, err := s.SchemaVersion(ctx)
	must(t, err)
	// Teams number their migrations in their own ranges (00010-00019,
	// 00020-00029, ...), so the versions are the files' numbers, not 1..n.
	want := migrationVersions(t, store.SQLite)
	if cur != 0 || latest != want[len(want)-1] {
		t.Errorf("before Migrate: SchemaVersion = (%d, %d), want (0, %d)", cur, latest, want[len(want)-1])
	}
	applied, err := s.Migrate(ctx)
	must(t, err)
	if !slices.Equal(applied, want) {
		t.Errorf("Migrate applied %v, want %v", applied, want)
	}
}

// goMigrations are the versions of the migrations written in Go
// (store/migrate_search.go, store/fingerprints.go), for both dialects.
var goMigrations = []int64{45, 47, 48}

// migrationVersions are the versions Migrate applies to a new database:
// the files' numbers and the Go migrations', in order.
func migrationVersions(t *testing.T, d store.Dialect) []int64 {
	t.Helper()
	want := slices.Clone(goMigrations)
	for _, f := range migrationFiles(t, d) {
		n, err := strconv.ParseInt(strings.SplitN(f, "_", 2)[0], 10, 64)
		if err != nil {
			t.Fatalf("migration file %s has no number", f)
		}
		want = append(want, n)
	}
	slices.Sort(want)
	return want
}

// migrationFiles lists a dialect's migration files and checks that both
// dialects have the same numbered files (one schema, two spellings).
func migrationFiles(t *testing.T, d store.Dialect) []string {
	t.Helper()
	names := func(dir string) []string {
		es, err := os.ReadDir(filepath.Join("migrations", dir))
		must(t, err)
		var out []string
		for _, e := range es {
			out = append(out, e.Name())
		}
		return out
	}
	sq, pg := names("sqlite"), names("postgres")
	if !slices.Equal(sq, pg) {
		t.Fatalf("migration files differ between dialects: sqlite %v, postgres %v", sq, pg)
	}
	return names(string(d))
}

func TestCreateUnitPath(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		tr := buildTree(t, s)
		id := func(u org.Unit) string { return strconv.FormatInt(u.ID, 10) }
		tests := []struct {
			u    org.Unit
			want string
		}{
			{tr.city, "/" + id(tr.city) + "/"},
			{tr.a, "/" + id(tr.city) + "/" + id(tr.a) + "/"},
			{tr.t1, tr.a.Path + id(tr.t1) + "/"},
			{tr.v1, "/" + id(tr.city) + "/" + id(tr.a) + "/" + id(tr.t1) + "/" + id(tr.v1) + "/"},
			{tr.tb1, tr.b.Path + id(tr.tb1) + "/"},
		}
		for _, tt := range tests {
			if tt.u.Path != tt.want {
				t.Errorf("%s: Path = %q, want %q", tt.u.Name, tt.u.Path, tt.want)
			}
			got, err := s.GetUnit(ctx, tt.u.ID)
			must(t, err)
			if got.Path != tt.want || got.Name != tt.u.Name || got.ParentID != tt.u.ParentID || got.Kind != tt.u.Kind ||
				got.DivisionCode != tt.u.DivisionCode || got.IsDivision != tt.u.IsDivision {
				t.Errorf("GetUnit(%d) = %+v, want %+v", tt.u.ID, got, tt.u)
			}
		}
		if tr.v1.Version != 1 || !tr.v1.CreatedAt.Equal(t0) || !tr.v1.UpdatedAt.Equal(t0) || !tr.v1.Active {
			t.Errorf("new unit = %+v, want version 1, created/updated %v, active", tr.v1, t0)
		}
		if tr.v1.Depth() != 4 || tr.city.ParentID != 0 {
			t.Errorf("v1 depth %d, city parent %d; want 4, 0", tr.v1.Depth(), tr.city.ParentID)
		}
		got, err := s.GetUnit(ctx, tr.v1.ID)
		must(t, err)
		if !got.CreatedAt.Equal(t0) || got.Version != 1 {
			t.Errorf("stored v1 created %v version %d, want %v 1", got.CreatedAt, got.Version, t0)
		}

		byCode, err := s.GetUnitByDivision(ctx, "430802001")
		must(t, err)
		if byCode.ID != tr.t1.ID {
			t.Errorf("GetUnitByDivision(430802001) = %d, want %d", byCode.ID, tr.t1.ID)
		}
		_, err = s.GetUnitByDivision(ctx, "430802999")
		wantErr(t, err, apperr.NotFound, "error.not_found.unit")
		_, err = s.GetUnit(ctx, 99999)
		wantErr(t, err, apperr.NotFound, "error.not_found.unit")

		anc, err := s.Ancestors(ctx, tr.v1)
		must(t, err)
		var ancIDs []int64
		for _, u := range anc {
			ancIDs = append(ancIDs, u.ID)
		}
		if want := []int64{tr.city.ID, tr.a.ID, tr.t1.ID}; !slices.Equal(ancIDs, want) {
			t.Errorf("Ancestors(v1) = %v, want %v", ancIDs, want)
		}
		if anc, err := s.Ancestors(ctx, tr.city); err != nil || len(anc) != 0 {
			t.Errorf("Ancestors(root) = %v, %v; want none", anc, err)
		}
		for _, tt := range []struct {
			u    org.Unit
			want int64
		}{{tr.v1, tr.a.ID}, {tr.t1, tr.a.ID}, {tr.a, tr.a.ID}, {tr.tb1, tr.b.ID}} {
			c, err := s.CountyOf(ctx, tt.u)
			must(t, err)
			if c.ID != tt.want {
				t.Errorf("CountyOf(%s) = %d, want %d", tt.u.Name, c.ID, tt.want)
			}
		}
		_, err = s.CountyOf(ctx, tr.city)
		wantErr(t, err, apperr.NotFound, "error.not_found.county")

		_, err = s.CreateUnit(ctx, sysActor, org.Unit{ParentID: 99999, Kind: org.KindOffice, Name: "无", Active: true})
		wantErr(t, err, apperr.NotFound, "error.not_found.unit")
	})
}

func TestDuplicateDivisionCode(t *testing.T) {
	testdb.Each(t, testdb.NewClock(t0).Now, func(t *testing.T, s *store.Store) {
		tr := buildTree(t, s)
		_, err := s.CreateUnit(ctx, sysActor, org.Unit{ParentID: tr.a.ID, Kind: org.KindTownship, Name: "重复",
			DivisionCode: "430802001", IsDivision: true, Active: true})
		wantErr(t, err, apperr.Conflict, "error.duplicate")
		// Two units without a code do not clash.
		mkUnit(t, s, &tr.a, org.KindOffice, "第二纪检监察室", "")
		mkUnit(t, s, &tr.a, org.KindOffice, "第三纪检监察室", "")
		// Taking another unit's code by update clashes too.
		t2 := tr.t2
		t2.DivisionCode = tr.t1.DivisionCode
		_, err = s.UpdateUnit(ctx, sysActor, t2)
		wantErr(t, err, apperr.Conflict, "error.duplicate")
		got, err := s.GetUnit(ctx, tr.t2.ID)
		must(t, err)
		if got.DivisionCode != "430802002" || got.Version != 1 {
			t.Errorf("after failed update t2 = %+v, want code 430802002 version 1", got)
		}
	})
}

func TestUpdateUnitVersion(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		clock.Set(t0)
		tr := buildTree(t, s)
		clock.Advance(time.Hour)
		edit := tr.t1
		edit.Name = "南庄坪街道纪工委（新）"
		edit.ShortName = "南"
		edit.SortOrder = 3
		edit.Path = "/tampered/" // not editable
		edit.ParentID = tr.b.ID  // not editable
		out, err := s.UpdateUnit(ctx, sysActor, edit)
		must(t, err)
		if out.Name != edit.Name || out.ShortName != "南" || out.SortOrder != 3 || out.Version != 2 ||
			!out.UpdatedAt.Equal(t0.Add(time.Hour)) || !out.CreatedAt.Equal(t0) {
			t.Errorf("UpdateUnit = %+v", out)
		}
		if out.Path != tr.t1.Path || out.ParentID != tr.a.ID {
			t.Errorf("UpdateUnit moved the unit: path %q parent %d, want %q %d", out.Path, out.ParentID, tr.t1.Path, tr.a.ID)
		}
		// Stale version.
		stale := tr.t1
		stale.Name = "迟到的修改"
		_, err = s.UpdateUnit(ctx, sysActor, stale)
		wantErr(t, err, apperr.Conflict, "error.version_conflict")
		got, err := s.GetUnit(ctx, tr.t1.ID)
		must(t, err)
		if got.Name != edit.Name || got.Version != 2 {
			t.Errorf("after stale update: %q v%d, want %q v2", got.Name, got.Version, edit.Name)
		}
		// Missing unit.
		_, err = s.UpdateUnit(ctx, sysActor, org.Unit{ID: 99999, Name: "x", Version: 1})
		wantErr(t, err, apperr.NotFound, "error.not_found.unit")

		// Audit actions: create, update; deactivate for old.
		hist, err := s.History(ctx, "unit", tr.t1.ID)
		must(t, err)
		if acts := actions(hist); !slices.Equal(acts, []string{"unit.create", "unit.update"}) {
			t.Errorf("History(t1) actions = %v", acts)
		}
		hist, err = s.History(ctx, "unit", tr.old.ID)
		must(t, err)
		if acts := actions(hist); !slices.Equal(acts, []string{"unit.create", "unit.deactivate"}) {
			t.Errorf("History(old) actions = %v", acts)
		}
	})
}

func actions(rs []audit.Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Action)
	}
	return out
}

func TestCountActiveDependants(t *testing.T) {
	testdb.Each(t, testdb.NewClock(t0).Now, func(t *testing.T, s *store.Store) {
		tr := buildTree(t, s)
		leader := mkPerson(t, s, tr.a, "王书记", "书记")
		mkPerson(t, s, tr.t1, "李四", "纪工委书记")
		g, err := s.CreateAreaGroup(ctx, sysActor, org.AreaGroup{CountyUnitID: tr.a.ID, Name: "第一片区", LeaderPersonID: leader.ID})
		must(t, err)
		_, err = s.AddMember(ctx, sysActor, g.ID, tr.t1.ID, "2026-01-01")
		must(t, err)
		tests := []struct {
			u                       org.Unit
			children, people, membs int
		}{
			{tr.a, 3, 1, 0}, // o1, t1, t2 (old is inactive)
			{tr.t1, 1, 1, 1},
			{tr.v1, 0, 0, 0},
		}
		for _, tt := range tests {
			c, p, m, err := s.CountActiveDependants(ctx, tt.u.ID)
			must(t, err)
			if c != tt.children || p != tt.people || m != tt.membs {
				t.Errorf("CountActiveDependants(%s) = %d, %d, %d; want %d, %d, %d", tt.u.Name, c, p, m, tt.children, tt.people, tt.membs)
			}
		}
	})
}

func TestListUnits(t *testing.T) {
	testdb.Each(t, testdb.NewClock(t0).Now, func(t *testing.T, s *store.Store) {
		tr := buildTree(t, s)
		all := auth.System().ScopeFor(auth.PermOrgRead)
		scope := func(paths ...string) auth.Scope { return auth.Scope{Prefixes: paths} }
		countyA := []string{tr.a.Name, tr.o1.Name, tr.t1.Name, tr.t2.Name, tr.v1.Name}
		tests := []struct {
			name  string
			sc    auth.Scope
			f     store.UnitFilter
			want  []string
			total int
		}{
			{"everything", all, store.UnitFilter{},
				append(slices.Clone(countyA), tr.city.Name, tr.b.Name, tr.tb1.Name), 8},
			{"everything incl. inactive", all, store.UnitFilter{IncludeInactive: true},
				append(slices.Clone(countyA), tr.city.Name, tr.b.Name, tr.tb1.Name, tr.old.Name), 9},
			{"county A subtree", scope(tr.a.Path), store.UnitFilter{}, countyA, 5},
			{"township T1 subtree", scope(tr.t1.Path), store.UnitFilter{}, []string{tr.t1.Name, tr.v1.Name}, 2},
			{"village only", scope(tr.v1.Path), store.UnitFilter{}, []string{tr.v1.Name}, 1},
			{"two prefixes", scope(tr.t1.Path, tr.tb1.Path), store.UnitFilter{}, []string{tr.t1.Name, tr.v1.Name, tr.tb1.Name}, 3},
			{"denied", auth.Scope{Denied: true, Prefixes: []string{"/"}}, store.UnitFilter{}, nil, 0},
			{"no prefixes", auth.Scope{}, store.UnitFilter{}, nil, 0},
			{"kinds: townships", all, store.UnitFilter{Kinds: []org.Kind{org.KindTownship}},
				[]string{tr.t1.Name, tr.t2.Name, tr.tb1.Name}, 3},
			{"kinds: office+village in A", scope(tr.a.Path), store.UnitFilter{Kinds: []org.Kind{org.KindOffice, org.KindVillage}},
				[]string{tr.o1.Name, tr.v1.Name}, 2},
			{"kinds: inactive office", all, store.UnitFilter{Kinds: []org.Kind{org.KindOffice}, IncludeInactive: true},
				[]string{tr.o1.Name, tr.old.Name}, 2},
			{"query: Chinese substring", all, store.UnitFilter{Query: "南庄坪"}, []string{tr.t1.Name, tr.v1.Name}, 2},
			{"query: Chinese substring 街道", all, store.UnitFilter{Query: "街道"}, []string{tr.t1.Name, tr.t2.Name, tr.tb1.Name}, 3},
			{"query: scope still applies", scope(tr.a.Path), store.UnitFilter{Query: "街道"}, []string{tr.t1.Name, tr.t2.Name}, 2},
			{"query: trimmed", all, store.UnitFilter{Query: "  索溪峪 "}, []string{tr.tb1.Name}, 1},
			{"query: division code", all, store.UnitFilter{Query: "430811"}, []string{tr.b.Name, tr.tb1.Name}, 2},
			{"query: % is literal", all, store.UnitFilter{Query: "%"}, nil, 0},
			{"query: _ is literal", all, store.UnitFilter{Query: "_"}, nil, 0},
			{"query: no match", all, store.UnitFilter{Query: "天门山"}, nil, 0},
			{"parent: children of A", all, store.UnitFilter{ParentID: tr.a.ID}, []string{tr.o1.Name, tr.t1.Name, tr.t2.Name}, 3},
			{"under: subtree of T1", all, store.UnitFilter{Under: tr.t1.Path}, []string{tr.t1.Name, tr.v1.Name}, 2},
			{"under outside scope", scope(tr.b.Path), store.UnitFilter{Under: tr.a.Path}, nil, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, total, err := s.ListUnits(ctx, tt.sc, tt.f)
				must(t, err)
				if total != tt.total {
					t.Errorf("total = %d, want %d", total, tt.total)
				}
				if names := unitNames(got); !slices.Equal(names, sorted(tt.want...)) {
					t.Errorf("units = %v, want %v", names, sorted(tt.want...))
				}
				if !slices.IsSortedFunc(got, func(a, b org.Unit) int { return strings.Compare(a.Path, b.Path) }) {
					t.Errorf("units not ordered by path")
				}
			})
		}
	})
}

func TestListUnitsPaging(t *testing.T) {
	testdb.Each(t, testdb.NewClock(t0).Now, func(t *testing.T, s *store.Store) {
		tr := buildTree(t, s)
		for i := range 12 {
			mkUnit(t, s, &tr.t2, org.KindVillage, "大庸桥村"+strconv.Itoa(i), "")
		}
		sc := auth.Scope{Prefixes: []string{tr.t2.Path}}
		full, total, err := s.ListUnits(ctx, sc, store.UnitFilter{})
		must(t, err)
		if total != 13 || len(full) != 13 {
			t.Fatalf("full list: %d units, total %d; want 13, 13", len(full), total)
		}
		tests := []struct {
			page    store.Page
			from, n int
		}{
			{store.Page{Limit: 5, Offset: 0}, 0, 5},
			{store.Page{Limit: 5, Offset: 5}, 5, 5},
			{store.Page{Limit: 5, Offset: 10}, 10, 3},
			{store.Page{Limit: 5, Offset: 13}, 13, 0}, // just past the end
			{store.Page{Limit: 5, Offset: 100}, 13, 0},
			{store.Page{Limit: 0, Offset: 0}, 0, 13},   // default 50
			{store.Page{Limit: -1, Offset: -4}, 0, 13}, // clamped
			{store.Page{Limit: 1000, Offset: 12}, 12, 1},
		}
		for _, tt := range tests {
			got, total, err := s.ListUnits(ctx, sc, store.UnitFilter{Page: tt.page})
			must(t, err)
			if total != 13 {
				t.Errorf("page %+v: total = %d, want 13", tt.page, total)
			}
			var gotIDs, wantIDs []int64
			for _, u := range got {
				gotIDs = append(gotIDs, u.ID)
			}
			for _, u := range full[tt.from : tt.from+tt.n] {
				wantIDs = append(wantIDs, u.ID)
			}
			if !slices.Equal(gotIDs, wantIDs) {
				t.Errorf("page %+v: ids %v, want %v", tt.page, gotIDs, wantIDs)
			}
		}
		// Past the end with a query and kinds (the recount keeps every filter).
		got, total, err := s.ListUnits(ctx, auth.Scope{Prefixes: []string{tr.a.Path}},
			store.UnitFilter{Query: "村1", Kinds: []org.Kind{org.KindVillage}, Page: store.Page{Limit: 2, Offset: 50}})
		must(t, err)
		if len(got) != 0 || total != 3 { // 村1, 村10, 村11
			t.Errorf("past the end with filters: %d units, total %d; want 0, 3", len(got), total)
		}
	})
}
