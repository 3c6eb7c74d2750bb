package store_test

import (
	"maps"
	"math/rand/v2"
	"testing"

	"qingfeng/internal/org"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// TestBandLookupAcrossParts checks the near-duplicate look-up's store half
// on both engines, where PostgreSQL splits it into statements run side by
// side: shared bands are counted across every part, a hash equal to the
// query's in another band does not count, exclude and the limit (most
// shared first, newest first among equals) apply to the merged counts,
// and the candidates' texts come back whole however the ids are split.
func TestBandLookupAcrossParts(t *testing.T) {
	testdb.Each(t, testdb.NewClock(t0).Now, func(t *testing.T, s *store.Store) {
		u := mkUnit(t, s, nil, org.KindCommission, "永定区纪委监委", "430802")
		rng := rand.New(rand.NewPCG(3, 4))
		q := bulkBatch(u, rng, 0, 1)[0].Bands
		ns := bulkBatch(u, rng, 1, 14)
		share := func(n int, bands ...int) {
			for _, b := range bands {
				ns[n].Bands[b] = q[b]
			}
		}
		share(0, 0, 13, 25, 47)             // one band in each quarter
		share(1, 47)                        // the last band only
		share(2, 2, 3)                      // two in the first quarter
		share(3, 20, 30)                    // two in the middle quarters
		ns[4].Bands[5] = q[6]               // the query's band 6 hash in band 5: not shared
		share(5, 0, 1, 2, 3, 4, 5, 6, 7, 8) // the most, but excluded below
		// 6..13 share nothing.
		out, err := s.CreateReports(ctx, sysActor, ns)
		must(t, err)
		id := func(n int) int64 { return out[n].ID }

		tests := []struct {
			name    string
			exclude int64
			limit   int
			want    map[int64]int
		}{
			{"all", 0, 50, map[int64]int{id(0): 4, id(1): 1, id(2): 2, id(3): 2, id(5): 9}},
			{"exclude", id(5), 50, map[int64]int{id(0): 4, id(1): 1, id(2): 2, id(3): 2}},
			// Limit 3: 9 and 4 shared, then the newer of the two with 2.
			{"limit", 0, 3, map[int64]int{id(5): 9, id(0): 4, id(3): 2}},
		}
		for _, tc := range tests {
			got, err := s.BandCandidates(ctx, q, tc.exclude, tc.limit)
			must(t, err)
			if !maps.Equal(got, tc.want) {
				t.Errorf("%s: candidates %v, want %v", tc.name, got, tc.want)
			}
		}

		for _, n := range []int{1, 7, 8, 14} {
			ids := make([]int64, n)
			for i := range ids {
				ids[i] = id(i)
			}
			texts, err := s.ReportTexts(ctx, ids)
			must(t, err)
			if len(texts) != n {
				t.Errorf("ReportTexts of %d ids: %d texts", n, len(texts))
			}
			for i, x := range ids {
				if got := texts[x]; got[0] != out[i].Title || got[1] != out[i].Content || got[2] != out[i].UnitPath {
					t.Errorf("ReportTexts[%d] = %q, want %q / %q / %q", x, got, out[i].Title, out[i].Content, out[i].UnitPath)
				}
			}
		}
	})
}
