package store_test

import (
	"fmt"
	"slices"
	"testing"

	"qingfeng/internal/auth"
	"qingfeng/internal/intake"
	"qingfeng/internal/org"
	"qingfeng/internal/search"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// TestSearchScopeInIndex checks that a search is restricted to the scope
// inside the index (search.ScopeTerms): counts and pages for subtrees, the
// whole tree and several prefixes, in relevance order and newest first; a
// report moved to another unit or given a public reply is re-indexed; and
// migration 45 rebuilds the index (down and up again) with the same results.
func TestSearchScopeInIndex(t *testing.T) {
	testdb.Each(t, testdb.NewClock(t0).Now, func(t *testing.T, s *store.Store) {
		city := mkUnit(t, s, nil, org.KindCommission, "张家界市纪委监委", "430800")
		county := mkUnit(t, s, &city, org.KindCommission, "永定区纪委监委", "430802")
		a := mkUnit(t, s, &county, org.KindTownship, "天门山镇纪委", "430802101")
		b := mkUnit(t, s, &county, org.KindTownship, "教字垭镇纪委", "430802102")
		other := mkUnit(t, s, &city, org.KindCommission, "慈利县纪委监委", "430821")
		// Unit ids that share leading digits (1 and 12, …) must not match
		// each other's scope.
		for len(fmt.Sprint(other.ID)) < 2 {
			other = mkUnit(t, s, &city, org.KindCommission, fmt.Sprintf("县%d", other.ID), fmt.Sprintf("4308%02d", 30+other.ID))
		}
		add := func(u org.Unit, ext, content string) int64 {
			t.Helper()
			r, err := s.CreateReport(ctx, sysActor, newImported(u, ext, content))
			must(t, err)
			return r.ID
		}
		a1 := add(a, "a1", "粮库的粮食被换成了陈粮")
		a2 := add(a, "a2", "粮库保管员夜里运粮")
		b1 := add(b, "b1", "教字垭镇粮库账实不符")
		c1 := add(county, "c1", "区粮库项目资金")
		o1 := add(other, "o1", "慈利县粮库问题")
		add(a, "a3", "低保评定不公")
		sc := func(paths ...string) auth.Scope { return auth.Scope{Prefixes: paths} }
		check := func(label string, scope auth.Scope, q string, want []int64) {
			t.Helper()
			checkSearch(t, s, label, scope, q, want...)
		}
		run := func(label string) {
			t.Helper()
			check(label, sc("/"), "粮库", []int64{a1, a2, b1, c1, o1})
			check(label, sc(city.Path), "粮库", []int64{a1, a2, b1, c1, o1})
			check(label, sc(county.Path), "粮库", []int64{a1, a2, b1, c1})
			check(label, sc(a.Path), "粮库", []int64{a1, a2})
			check(label, sc(a.Path, other.Path), "粮库", []int64{a1, a2, o1})
			check(label, sc(b.Path), "粮", []int64{b1})
			check(label, sc(other.Path), "粮库问题", []int64{o1})
			check(label, sc(a.Path), "慈利", nil)
			check(label, sc(b.Path), "低保", nil)
		}
		run("ranked")
		s.SetSearchRankCapForTest(1)
		run("newest first")
		// Newest first, paged.
		pq, _ := search.Parse("粮库")
		var order []int64
		for off := 0; off < 6; off += 2 {
			rs, total, err := s.SearchReports(ctx, sc(county.Path), pq, store.Page{Limit: 2, Offset: off})
			must(t, err)
			if total != 4 {
				t.Errorf("page at %d: total %d, want 4", off, total)
			}
			for _, r := range rs {
				order = append(order, r.ID)
			}
		}
		if want := []int64{c1, b1, a2, a1}; !slices.Equal(order, want) {
			t.Errorf("newest first over pages = %v, want %v", order, want)
		}
		// Ranked with the scope inside the match: few matches in scope, more
		// than the cap for the text alone.
		s.SetSearchRankCapForTest(3)
		check("ranked in scope", sc(a.Path), "粮库", []int64{a1, a2})
		check("ranked in scope", sc(a.Path, other.Path), "粮库", []int64{a1, a2, o1})
		check("ranked in scope", sc(b.Path), "粮", []int64{b1})
		s.SetSearchRankCapForTest(500)

		// A report moved to another unit is found in its new scope only.
		r, err := s.GetReport(ctx, a2)
		must(t, err)
		_, err = s.UpdateReport(ctx, sysActor, store.ReportChange{ID: a2, Version: r.Version, Status: r.Status, UnitID: b.ID, UnitPath: b.Path,
			Event: intake.Event{Action: "forward"}})
		must(t, err)
		check("moved", sc(a.Path), "粮库", []int64{a1})
		check("moved", sc(b.Path), "粮库", []int64{a2, b1})
		// A public reply given with a workflow change is searchable at once.
		r, err = s.GetReport(ctx, b1)
		must(t, err)
		_, err = s.UpdateReport(ctx, sysActor, store.ReportChange{ID: b1, Version: r.Version, Status: r.Status,
			Messages: []intake.Message{{Author: "staff", Public: true, Body: "经核查，仓储账目已更正"}}, Event: intake.Event{Action: "reply"}})
		must(t, err)
		check("replied", sc(b.Path), "仓储账目", []int64{b1})
		check("replied", sc(a.Path), "仓储账目", nil)

		// Migration 45 down (index without scope) and up (rebuilt with it).
		must(t, s.MigrateDownToForTest(ctx, 44))
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		check("rebuilt", sc(a.Path), "粮库", []int64{a1})
		check("rebuilt", sc(b.Path), "粮库", []int64{a2, b1})
		check("rebuilt", sc(county.Path), "仓储账目", []int64{b1})
		check("rebuilt", sc("/"), "粮库", []int64{a1, a2, b1, c1, o1})
		check("rebuilt", sc(other.Path), "粮库", []int64{o1})
	})
}

// checkSearch runs SearchReports for q in scope (a page of 50) and wants
// exactly the reports want, in any order, with that total.
func checkSearch(t *testing.T, s *store.Store, label string, scope auth.Scope, q string, want ...int64) {
	t.Helper()
	pq, err := search.Parse(q)
	must(t, err)
	rs, total, err := s.SearchReports(ctx, scope, pq, store.Page{Limit: 50})
	must(t, err)
	var got []int64
	for _, r := range rs {
		got = append(got, r.ID)
	}
	slices.Sort(got)
	w := slices.Sorted(slices.Values(want))
	if total != len(want) || !slices.Equal(got, w) {
		t.Errorf("%s: %q in %v = %v (total %d), want %v", label, q, scope.Prefixes, got, total, w)
	}
}
