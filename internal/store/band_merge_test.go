package store_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"qingfeng/internal/intake"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// bandWorld is what was written: every report's bands, for the brute-force
// count a look-up must agree with.
type bandWorld struct {
	mu      sync.Mutex
	reports map[int64][]int64
}

// add records the written reports out of ns.
func (w *bandWorld) add(out []intake.Report, ns []store.NewReport) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, r := range out {
		w.reports[r.ID] = ns[i].Bands
	}
}

// want counts, per report other than exclude, the bands equal to q's.
func (w *bandWorld) want(q []int64, exclude int64) map[int64]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[int64]int{}
	for id, bands := range w.reports {
		n := 0
		for i, h := range bands {
			if h == q[i] {
				n++
			}
		}
		if n > 0 && id != exclude {
			out[id] = n
		}
	}
	return out
}

// pooledBands gives reports bands drawn from three hashes per band, so
// that many share some; hash 0 of band 1 is band 0's hash 0 (an equal hash
// in another band, which must not count).
func pooledBands(rng *rand.Rand, u org.Unit, first, n int) []store.NewReport {
	ns := bulkBatch(u, rng, first, n)
	for i := range ns {
		for b := range ns[i].Bands {
			k := rng.IntN(3)
			ns[i].Bands[b] = int64(1000*b + k + 1)
			if b == 1 && k == 0 {
				ns[i].Bands[b] = 1 // band 0's first hash
			}
		}
	}
	return ns
}

// TestBandLogMerge checks SQLite's two-level band index (store/band_log.go)
// against a brute-force count at every step: reports written to the log,
// frozen, merged chunk by chunk and deleted from the log, as seen by the
// writing store, by a second store on the same file (another process) that
// holds the log in its own memory, and by stores opened afresh (a restart,
// also in the middle of a merge, which a fresh store finishes). Rolling
// migration 46 back moves the log into report_bands.
func TestBandLogMerge(t *testing.T) {
	dir := t.TempDir()
	open := func() *store.Store {
		s, err := store.Open(ctx, store.Config{DataDir: dir, Now: testdb.NewClock(t0).Now})
		must(t, err)
		t.Cleanup(func() { s.Close() })
		_, err = s.Migrate(ctx)
		must(t, err)
		s.SetBandMergeForTest(5, 37)
		return s
	}
	a := open()
	b := open()
	u := mkUnit(t, a, nil, org.KindCommission, "永定区纪委监委", "430802")
	rng := rand.New(rand.NewPCG(7, 8))
	w := &bandWorld{reports: map[int64][]int64{}}
	// Queries: every report's own bands, mixed ones and one sharing nothing.
	queries := func() [][]int64 {
		w.mu.Lock()
		defer w.mu.Unlock()
		var qs [][]int64
		for _, bands := range w.reports {
			qs = append(qs, bands)
		}
		mixed := make([]int64, 48)
		for i := range mixed {
			mixed[i] = int64(1000*i + 1 + i%3)
		}
		none := make([]int64, 48)
		for i := range none {
			none[i] = -int64(i + 1)
		}
		return append(qs, mixed, none)
	}
	check := func(when string, s *store.Store) {
		t.Helper()
		for k, q := range queries() {
			exclude := int64(0)
			if k%4 == 1 {
				exclude = int64(k) // some id or none
			}
			got, err := s.BandCandidates(ctx, q, exclude, 10000)
			must(t, err)
			if want := w.want(q, exclude); !maps.Equal(got, want) {
				t.Fatalf("%s: query %d: %d candidates %v, want %d %v", when, k, len(got), got, len(want), want)
			}
		}
	}
	count := func(table string) int {
		t.Helper()
		var n int
		must(t, a.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n))
		return n
	}
	// finish steps s's merge to its end (the rows are sorted on a
	// goroutine: a step may find nothing to do yet).
	finish := func(s *store.Store, each func(step int)) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for step := 0; ; step++ {
			must(t, s.MergeBands(ctx))
			if each != nil {
				each(step)
			}
			if m, _ := s.BandMergeStateForTest(); !m {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("merge does not end")
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	write := func(s *store.Store, n int) {
		t.Helper()
		ns := pooledBands(rng, u, len(w.reports), n)
		out, err := s.CreateReports(ctx, sysActor, ns) // a merge step after it
		must(t, err)
		w.add(out, ns)
	}
	// writeBulk writes through a bulk writer, which takes no merge step.
	writeBulk := func(s *store.Store, n int) {
		t.Helper()
		bw, err := s.BulkWriter(ctx)
		must(t, err)
		defer bw.Close()
		ns := pooledBands(rng, u, len(w.reports), n)
		out, err := bw.CreateReports(ctx, sysActor, ns)
		must(t, err)
		w.add(out, ns)
	}

	// Written and looked up by both stores; then merged 37 rows a step.
	for i := range 6 {
		writeBulk(a, 2)
		check(fmt.Sprintf("write %d, writer", i), a)
		check(fmt.Sprintf("write %d, other", i), b)
	}
	a.SetBandMergeForTest(5, 37)
	must(t, a.MergeBands(ctx))
	if merging, _ := a.BandMergeStateForTest(); !merging {
		t.Fatal("no merge under way after 12 reports (merge at 5)")
	}
	// Step by step to the end of the cycle, looking up between steps.
	finish(a, func(step int) {
		check(fmt.Sprintf("step %d, writer", step), a)
		check(fmt.Sprintf("step %d, other", step), b)
	})
	if got := count("report_band_log"); got >= 12 {
		t.Errorf("band log after a merge: %d rows, want fewer than the 12 reports", got)
	}
	if got, want := count("report_bands"), 48*(12-count("report_band_log")); got != want {
		t.Errorf("report_bands: %d rows, want %d", got, want)
	}

	// A restart in the middle of a merge: a fresh store sees everything
	// and finishes the merge (rows already inserted are skipped).
	// More than the 5 a merge waits for, through a bulk writer (no merge
	// step after its writes), then steps of 37 rows.
	writeBulk(a, 6)
	a.SetBandMergeForTest(5, 37)
	merged := count("report_bands")
	for i := 0; count("report_bands") == merged; i++ { // a step into the cycle
		must(t, a.MergeBands(ctx))
		if i > 10000 {
			t.Fatal("no merge step inserts rows")
		}
		time.Sleep(100 * time.Microsecond) // the rows are being sorted
	}
	if m, _ := a.BandMergeStateForTest(); !m {
		t.Fatal("the merge ended in one step; the test wants it half done")
	}
	c := open()
	check("fresh store, half merged", c)
	write(c, 5)
	if m, _ := c.BandMergeStateForTest(); !m {
		t.Fatal("a fresh store holding the whole log did not begin a merge")
	}
	finish(c, nil)
	check("fresh store merged, itself", c)
	check("fresh store merged, half-merged writer", a)
	check("fresh store merged, other", b)
	if got, want := count("report_bands")+48*count("report_band_log"), 48*len(w.reports); got != want {
		t.Errorf("rows in report_bands and the log: %d bands, want %d", got, want)
	}
	// The other store holds, in memory, reports merged by others; its own
	// next merge lets go of them.
	write(b, 6)
	finish(b, nil)
	if _, mem := b.BandMergeStateForTest(); mem >= 5 {
		t.Errorf("other store keeps %d reports in memory after its merge, want fewer than 5", mem)
	}
	check("other store merged", b)
	check("other store merged, fresh", open())

	// Migration 46 down: the log's rows move to report_bands.
	write(a, 3)
	inLog := count("report_band_log")
	if inLog == 0 {
		t.Fatal("nothing in the band log before the roll-back")
	}
	must(t, a.MigrateDownToForTest(ctx, 45))
	if got, want := count("report_bands"), 48*len(w.reports); got != want {
		t.Errorf("after rolling back migration 46: report_bands %d rows, want %d", got, want)
	}
	_, err := a.Migrate(ctx)
	must(t, err)
	check("rolled back and up, fresh", open())
}

// TestBandLogConcurrent runs look-ups beside a writer that merges after
// every write (go test -race): a look-up finds, with the right count,
// every report written before it began.
func TestBandLogConcurrent(t *testing.T) {
	s := testdb.SQLite(t, testdb.NewClock(t0).Now)
	s.SetBandMergeForTest(6, 53)
	u := mkUnit(t, s, nil, org.KindCommission, "永定区纪委监委", "430802")
	w := &bandWorld{reports: map[int64][]int64{}}
	rng := rand.New(rand.NewPCG(9, 10))
	var mu sync.Mutex // rng
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		for i := range 40 {
			mu.Lock()
			ns := pooledBands(rng, u, i*3, 3)
			mu.Unlock()
			out, err := s.CreateReports(ctx, sysActor, ns)
			if err != nil {
				t.Error(err)
				return
			}
			w.add(out, ns)
		}
	})
	for g := range 3 {
		wg.Go(func() {
			lrng := rand.New(rand.NewPCG(uint64(g), 1))
			for {
				select {
				case <-done:
					return
				default:
				}
				q := make([]int64, 48)
				for i := range q {
					q[i] = int64(1000*i + 1 + lrng.IntN(3))
				}
				want := w.want(q, 0) // written before the look-up began
				got, err := s.BandCandidates(ctx, q, 0, 100000)
				if err != nil {
					t.Error(err)
					return
				}
				for id, n := range want {
					if got[id] != n {
						t.Errorf("report %d: %d bands found, want %d", id, got[id], n)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	merged := 0
	must(t, s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM report_bands`).Scan(&merged))
	if merged == 0 {
		t.Error("nothing was merged")
	}
}

// TestBandMergeKeepsForeignKeys checks that a merge step gives its
// connection back with foreign keys checked again (it turns them off for
// its own rows): asked on the bulk writer's held connection, which the
// step ran on.
func TestBandMergeKeepsForeignKeys(t *testing.T) {
	s := testdb.SQLite(t, testdb.NewClock(t0).Now)
	s.SetBandMergeForTest(1, 1000)
	u := mkUnit(t, s, nil, org.KindCommission, "永定区纪委监委", "430802")
	rng := rand.New(rand.NewPCG(1, 2))
	w, err := s.BulkWriter(ctx)
	must(t, err)
	defer w.Close()
	_, err = w.CreateReports(ctx, sysActor, bulkBatch(u, rng, 0, 2))
	must(t, err)
	var merged int
	for i := 0; merged == 0 && i < 10000; i++ { // the first step finds the rows still being sorted
		must(t, w.MergeBands(ctx))
		must(t, s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM report_bands`).Scan(&merged))
		time.Sleep(100 * time.Microsecond)
	}
	fk, err := w.ForeignKeysForTest(ctx)
	must(t, err)
	if merged != 2*48 || fk != 1 {
		t.Errorf("after a merge: %d rows merged (want 96), foreign_keys = %d (want 1)", merged, fk)
	}
}
