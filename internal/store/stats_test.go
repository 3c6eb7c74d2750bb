package store_test

import (
	"slices"
	"testing"
	"time"

	"qingfeng/internal/auth"
	"qingfeng/internal/stats"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// TestStatDefinitions runs every statistic's SQL on both engines: every
// metric of package stats names an object, value and keys the store
// defines; every object answers with and without buckets, for every key and
// for the drill-down of every value.
func TestStatDefinitions(t *testing.T) {
	for _, m := range stats.Metrics() {
		obj := store.StatObject(m.Object)
		if !slices.Contains(store.StatValues(obj), m.Value) {
			t.Errorf("metric %s: object %s has no value %s", m.Name, m.Object, m.Value)
		}
		for _, k := range m.Keys {
			if !store.StatKeys(obj, k) {
				t.Errorf("metric %s: object %s has no key %s", m.Name, m.Object, k)
			}
		}
	}
	now := time.Date(2026, 3, 16, 2, 0, 0, 0, time.UTC)
	clock := testdb.NewClock(now)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		from := now.AddDate(-1, 0, 0)
		viewer := auth.System()
		for _, m := range stats.Metrics() {
			obj := store.StatObject(m.Object)
			for i, by := range append([]string{"", "unit"}, m.Keys...) {
				q := store.StatQuery{Object: obj, Segments: []store.StatSegment{{Prefix: "/1/"}, {Prefix: "/2/", From: from, To: now}},
					From: from, To: now, Buckets: []time.Time{from, from.AddDate(0, 6, 0)}, By: by, Now: now, Narrow: i%2 == 1}
				rows, err := s.Stat(ctx, q)
				if err != nil || len(rows) != 0 {
					t.Fatalf("%s by %q: %v %v", m.Name, by, rows, err)
				}
				q.Value = m.Value
				recs, n, err := s.StatRecords(ctx, q, "x", viewer, store.Page{})
				if err != nil || n != 0 || len(recs) != 0 {
					t.Fatalf("%s records by %q: %v %d %v", m.Name, by, recs, n, err)
				}
			}
		}
		if _, err := s.Stat(ctx, store.StatQuery{Object: "nope"}); err == nil {
			t.Error("unknown object accepted")
		}
		if _, err := s.Stat(ctx, store.StatQuery{Object: store.StatReports, Segments: []store.StatSegment{{Prefix: "/"}}, By: "mode"}); err == nil {
			t.Error("unknown key accepted")
		}
	})
}
