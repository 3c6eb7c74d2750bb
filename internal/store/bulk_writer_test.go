package store_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"qingfeng/internal/org"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// bulkBatch is n imported reports of u with 48 random bands each (numbered
// from first), as an import or the committer writes them.
func bulkBatch(u org.Unit, rng *rand.Rand, first, n int) []store.NewReport {
	ns := make([]store.NewReport, n)
	for i := range ns {
		ns[i] = newImported(u, fmt.Sprintf("W%05d", first+i), fmt.Sprintf("第%d件来信，反映村里的补贴发放问题", first+i))
		ns[i].Bands = make([]int64, 48)
		for b := range ns[i].Bands {
			ns[i].Bands[b] = rng.Int64()
		}
	}
	return ns
}

// TestBulkWriterCheckpointsBeside checks SQLite's bulk writer (which the
// import and the public submissions' committer hold): its commits leave
// the WAL to a goroutine of its own, which copies it into the database
// file while the writer is still open; Close gives the connection back with
// the pool's settings even when that goroutine is waiting for a connection
// (a pool of one, held by the writer).
func TestBulkWriterCheckpointsBeside(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(ctx, store.Config{DataDir: dir, Now: testdb.NewClock(t0).Now})
	must(t, err)
	t.Cleanup(func() { s.Close() })
	_, err = s.Migrate(ctx)
	must(t, err)
	u := mkUnit(t, s, nil, org.KindCommission, "永定区纪委监委", "430802")
	file := filepath.Join(dir, "qingfeng.db")
	size := func() int64 {
		fi, err := os.Stat(file)
		must(t, err)
		return fi.Size()
	}
	// Start from a checkpointed file.
	_, err = s.DB().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	must(t, err)
	before := size()

	rng := rand.New(rand.NewPCG(1, 2))
	w, err := s.BulkWriter(ctx)
	must(t, err)
	for k := 0; k < 4; k++ {
		_, err := w.CreateReports(ctx, sysActor, bulkBatch(u, rng, k*100, 100))
		must(t, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for size() <= before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if after := size(); after <= before {
		t.Errorf("database file %d bytes after 400 reports through the writer, was %d: nothing was checkpointed while it was open", after, before)
	}
	// The extremes of int64 go through SQLite's JSON and back unchanged.
	extreme := bulkBatch(u, rng, 500, 1)
	extreme[0].Bands[0], extreme[0].Bands[47] = math.MinInt64, math.MaxInt64
	_, err = w.CreateReports(ctx, sysActor, extreme)
	must(t, err)
	must(t, w.Close())
	c, err := s.BandCandidates(ctx, []int64{math.MinInt64}, 0, 10)
	must(t, err)
	if len(c) != 1 {
		t.Errorf("candidates of band 0 = MinInt64: %v, want one report", c)
	}
	q := make([]int64, 48)
	q[47] = math.MaxInt64
	if c, err = s.BandCandidates(ctx, q, 0, 10); err != nil || len(c) != 1 {
		t.Errorf("candidates of band 47 = MaxInt64: %v (%v), want one report", c, err)
	}
	c, err = s.BandCandidates(ctx, bulkBatch(u, rand.New(rand.NewPCG(1, 2)), 0, 1)[0].Bands, 0, 10)
	must(t, err)
	if len(c) != 1 {
		t.Errorf("candidates of the first report's bands = %v, want one report with 48", c)
	}
	for _, n := range c {
		if n != 48 {
			t.Errorf("shared bands = %d, want 48", n)
		}
	}

	// A pool of one connection: the writer holds it, so the checkpoint
	// goroutine waits for it, and Close must still return.
	s.DB().SetMaxOpenConns(1)
	w, err = s.BulkWriter(ctx)
	must(t, err)
	_, err = w.CreateReports(ctx, sysActor, bulkBatch(u, rng, 1000, 10))
	must(t, err)
	done := make(chan error, 1)
	go func() { done <- w.Close() }()
	select {
	case err := <-done:
		must(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return with the checkpoint goroutine waiting for the only connection")
	}
	for _, p := range []struct {
		pragma string
		want   int64
	}{{"cache_size", -2000}, {"wal_autocheckpoint", 1000}, {"temp_store", 0}} {
		var got int64
		must(t, s.DB().QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(&got))
		if got != p.want {
			t.Errorf("PRAGMA %s = %d after Close, want %d", p.pragma, got, p.want)
		}
	}
}
