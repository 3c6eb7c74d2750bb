package store_test

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"testing"

	"qingfeng/internal/dedup"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// TestReportFingerprints checks that the fingerprints written with reports
// (one at a time, in a batch, through the bulk writer on SQLite) are read
// back byte for byte, that a report written without one has none, and
// that migration 47 fills in the fingerprint of every stored report when
// it is applied again.
func TestReportFingerprints(t *testing.T) {
	testdb.Each(t, testdb.NewClock(t0).Now, func(t *testing.T, s *store.Store) {
		u := mkUnit(t, s, nil, org.KindCommission, "永定区纪委监委", "430802")
		want := map[int64][]byte{}
		var without []int64
		mk := func(i int, withFP bool) store.NewReport {
			n := newImported(u, fmt.Sprintf("F%04d", i), fmt.Sprintf("第%d件：反映村里危房改造补贴发放优亲厚友的问题", i))
			if withFP {
				n.Fingerprint = dedup.TextFingerprint(n.Report.Title + "\n" + n.Report.Content).Bytes()
			}
			return n
		}
		one, err := s.CreateReport(ctx, sysActor, mk(0, true))
		must(t, err)
		want[one.ID] = mk(0, true).Fingerprint
		bare, err := s.CreateReport(ctx, sysActor, mk(1, false))
		must(t, err)
		without = append(without, bare.ID)
		empty := mk(2, false)
		empty.Fingerprint = dedup.Fingerprint(nil).Bytes() // a text with no shingles
		e, err := s.CreateReport(ctx, sysActor, empty)
		must(t, err)
		want[e.ID] = []byte{}

		// More than one INSERT's rows, and more than one page of the
		// migration's back-fill (1,000 reports) in all.
		var ns []store.NewReport
		for i := 3; i < 3+1200; i++ {
			ns = append(ns, mk(i, i%5 != 0))
		}
		// A text with no shingles at all (punctuation only).
		ns[len(ns)-1].Report.Title, ns[len(ns)-1].Report.Content = "。", "！！！"
		ns[len(ns)-1].Fingerprint = nil
		out, err := s.CreateReports(ctx, sysActor, ns)
		must(t, err)
		for i, r := range out {
			if ns[i].Fingerprint == nil {
				without = append(without, r.ID)
			} else {
				want[r.ID] = ns[i].Fingerprint
			}
		}
		if s.Dialect() == store.SQLite {
			w, err := s.BulkWriter(ctx)
			must(t, err)
			ns := []store.NewReport{mk(5000, true), mk(5001, false)}
			out, err := w.CreateReports(ctx, sysActor, ns)
			must(t, err)
			must(t, w.Close())
			want[out[0].ID] = ns[0].Fingerprint
			without = append(without, out[1].ID)
		}

		check := func(name string, want map[int64][]byte) {
			t.Helper()
			ids := append(slices.Collect(maps.Keys(want)), 999999) // and one that does not exist
			got, err := s.ReportFingerprints(ctx, ids)
			must(t, err)
			if len(got) != len(want) {
				t.Errorf("%s: %d fingerprints, want %d", name, len(got), len(want))
			}
			for id, fp := range want {
				g, ok := got[id]
				if !ok || !bytes.Equal(g, fp) || g == nil {
					t.Errorf("%s: report %d: fingerprint %x (present %v), want %x", name, id, g, ok, fp)
				}
			}
		}
		check("written", want)
		got, err := s.ReportFingerprints(ctx, without)
		must(t, err)
		if len(got) != 0 {
			t.Errorf("reports written without a fingerprint have %d", len(got))
		}

		// Migration 47 down and up: every report gets its fingerprint from
		// its title and content, the ones written without one too.
		must(t, s.MigrateDownToForTest(ctx, 46))
		_, err = s.Migrate(ctx)
		must(t, err)
		texts, err := s.ReportTexts(ctx, append(slices.Collect(maps.Keys(want)), without...))
		must(t, err)
		all := map[int64][]byte{}
		for id, tx := range texts {
			all[id] = dedup.TextFingerprint(tx[0] + "\n" + tx[1]).Bytes()
		}
		if len(all) != len(want)+len(without) || len(all) < 1200 {
			t.Fatalf("%d texts, want %d", len(all), len(want)+len(without))
		}
		if fp := all[out[len(out)-1].ID]; len(fp) != 0 {
			t.Fatalf("punctuation-only text: fingerprint %x, want none", fp)
		}
		check("migrated again", all)
	})
}
