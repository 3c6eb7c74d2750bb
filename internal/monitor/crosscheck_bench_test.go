package monitor

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// heapPeak samples the live heap until stopped and returns the peak.
type heapPeak struct {
	stop chan struct{}
	done chan uint64
}

func startHeapPeak() *heapPeak {
	h := &heapPeak{stop: make(chan struct{}), done: make(chan uint64)}
	go func() {
		var ms runtime.MemStats
		var peak uint64
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-h.stop:
				runtime.ReadMemStats(&ms)
				h.done <- max(peak, ms.HeapAlloc)
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

func (h *heapPeak) end() uint64 {
	close(h.stop)
	return <-h.done
}

func heapNow() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestCrossCheckScale is the issue 8 benchmark: 1,000,000 payments against
// 200,000 reference rows through the matcher, and the same data joined in
// SQLite in the same run. Run with QINGFENG_XCHECK_BENCH=1.
func TestCrossCheckScale(t *testing.T) {
	if os.Getenv("QINGFENG_XCHECK_BENCH") != "1" {
		t.Skip("set QINGFENG_XCHECK_BENCH=1")
	}
	const plants = 100
	d := genCrossCheck(250000, 4, -200000, plants, 8)
	t.Logf("payments %d, reference rows %d, planted %d", len(d.pays), len(d.refs), len(d.want))
	rules := mustRules(t)

	base := heapNow()
	peak := startHeapPeak()
	began := time.Now()
	m := NewMatcher(rules, d.refs)
	indexed := time.Since(began)
	found, falses := 0, 0
	var mu sync.Mutex
	for _, p := range d.pays {
		m.Match(p, func(s Suspect) {
			mu.Lock()
			defer mu.Unlock()
			if d.want[s.Payment.Line] == s.CheckRule {
				found++
			} else {
				falses++
			}
		})
	}
	elapsed := time.Since(began)
	top := peak.end()
	runtime.KeepAlive(m)
	t.Logf("matcher: %v (index %v), heap peak above the generated rows %.0f MiB (rows %.0f MiB), found %d of %d, false %d",
		elapsed.Round(time.Millisecond), indexed.Round(time.Millisecond), float64(top-base)/(1<<20), float64(base)/(1<<20),
		found, len(d.want), falses)
	if found != len(d.want) || falses != 0 {
		t.Errorf("found %d of %d planted, %d false", found, len(d.want), falses)
	}
	if elapsed > 10*time.Second || top-base > 1<<30 {
		t.Errorf("over budget: %v, %d bytes", elapsed, top-base)
	}

	// The same data in SQLite: a plain join on the ID number and on name
	// plus village (namesakes with two different ID numbers excluded).
	ctx := context.Background()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	began = time.Now()
	for _, q := range []string{
		`PRAGMA journal_mode=OFF`, `PRAGMA synchronous=OFF`,
		`CREATE TABLE pay (line INTEGER, id TEXT, nv TEXT, item TEXT, paid TEXT)`,
		`CREATE TABLE ref (kind TEXT, id TEXT, nv TEXT, d TEXT)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO pay VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range d.pays {
		id, _ := NormalizeID(p.IDNumber)
		if _, err := ins.ExecContext(ctx, p.Line, id, NormalizeName(p.Name)+"|"+NormalizeName(p.Village), p.Item, p.Date.Format("2006-01-02")); err != nil {
			t.Fatal(err)
		}
	}
	insR, err := tx.PrepareContext(ctx, `INSERT INTO ref VALUES (?, ?, ?, ?)`)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range d.refs {
		id, _ := NormalizeID(r.IDNumber)
		date := ""
		if !r.Date.IsZero() {
			date = r.Date.Format("2006-01-02")
		}
		if _, err := insR.ExecContext(ctx, string(r.Kind), id, NormalizeName(r.Name)+"|"+NormalizeName(r.Village), date); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`CREATE INDEX ref_id ON ref(id)`, `CREATE INDEX ref_nv ON ref(nv)`} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	loaded := time.Since(began)
	began = time.Now()
	var strong, weak int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pay p JOIN ref r ON r.id = p.id WHERE p.id <> ''`).Scan(&strong); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pay p JOIN ref r ON r.nv = p.nv
		WHERE (p.id = '' OR r.id = '' OR p.id = r.id) AND NOT (p.id <> '' AND p.id = r.id)`).Scan(&weak); err != nil {
		t.Fatal(err)
	}
	joined := time.Since(began)
	t.Logf("sqlite: load and index %v, join %v (%d pairs on ID number, %d on name and village)",
		loaded.Round(time.Millisecond), joined.Round(time.Millisecond), strong, weak)
}
