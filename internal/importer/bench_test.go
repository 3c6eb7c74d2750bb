package importer

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

const bigRows = 100_000

// writeBigXLSX writes a message-board workbook of n data rows to path with
// excelize's StreamWriter, cycling through the real messages (full texts:
// about 2 KB per row). Dates are real date cells (Excel serials) in the
// received column and text in the replied column, as in the real file.
func writeBigXLSX(tb testing.TB, path string, n int) {
	tb.Helper()
	src, _ := realFile(tb, "messages-with-replies.csv")
	recs, err := csv.NewReader(src).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	recs = recs[1:]
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		tb.Fatal(err)
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 22})
	if err != nil {
		tb.Fatal(err)
	}
	header := []any{"留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "答复意见", "答复时间"}
	if err := sw.SetRow("A1", header); err != nil {
		tb.Fatal(err)
	}
	base := time.Date(2019, 1, 1, 8, 0, 0, 0, time.UTC)
	row := make([]any, 7)
	for i := range n {
		r := recs[i%len(recs)]
		row[0] = i + 1
		row[1] = r[1]
		row[2] = r[2]
		row[3] = excelize.Cell{StyleID: dateStyle, Value: base.Add(time.Duration(i) * time.Minute)}
		row[4] = r[4]
		row[5] = r[5]
		row[6] = r[6]
		if err := sw.SetRow("A"+strconv.Itoa(i+2), row); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		tb.Fatal(err)
	}
}

// memPeak samples runtime.MemStats every interval until stopped and keeps
// the highest HeapInuse.
type memPeak struct {
	stop chan struct{}
	done sync.WaitGroup
	peak uint64
}

func startMemPeak(interval time.Duration) *memPeak {
	p := &memPeak{stop: make(chan struct{})}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		var ms runtime.MemStats
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			p.peak = max(p.peak, ms.HeapInuse)
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

// Stop ends sampling and returns the peak HeapInuse in bytes.
func (p *memPeak) Stop() uint64 {
	close(p.stop)
	p.done.Wait()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return max(p.peak, ms.HeapInuse)
}

// bigRead reads the generated workbook and returns the summary, the
// elapsed time, the peak HeapInuse and the bytes allocated.
func bigRead(tb testing.TB, path string) (Summary, time.Duration, uint64, uint64) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	// Two collections: the first moves sync.Pool contents (the zip
	// writer's buffers when the file was just written) to the victim
	// cache, the second frees them.
	runtime.GC()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	tb.Logf("before: HeapInuse %.1f MB", float64(before.HeapInuse)/1e6)
	peak := startMemPeak(20 * time.Millisecond)
	start := time.Now()
	var last Row
	sum, err := Read(context.Background(), filepath.Base(path), f, st.Size(), Options{},
		func(r Row) error { last = r; return nil },
		func(e RowError) { tb.Errorf("row error %v", e) })
	elapsed := time.Since(start)
	heap := peak.Stop()
	runtime.ReadMemStats(&after)
	if err != nil {
		tb.Fatal(err)
	}
	if sum.Rows != bigRows || sum.Parsed != bigRows || last.Line != bigRows+1 || last.ExternalID != strconv.Itoa(bigRows) {
		tb.Fatalf("summary %+v, last row %d %q", sum, last.Line, last.ExternalID)
	}
	return sum, elapsed, heap, after.TotalAlloc - before.TotalAlloc
}

// BenchmarkRead100k reads a generated 100,000-row workbook (about 2 KB of
// real message text per row).
func BenchmarkRead100k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.xlsx")
	writeBigXLSX(b, path, bigRows)
	b.ResetTimer()
	for b.Loop() {
		_, elapsed, heap, alloc := bigRead(b, path)
		b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(alloc)/(1<<20), "alloc-MiB")
		b.ReportMetric(elapsed.Seconds(), "s/read")
	}
}

// TestRead100k asserts the limits for a 100,000-row import: under 60 s and
// under 500 MB of heap in use. It runs only with QINGFENG_LONG=1 and
// without -short.
func TestRead100k(t *testing.T) {
	if testing.Short() || os.Getenv("QINGFENG_LONG") != "1" {
		t.Skip("long test: set QINGFENG_LONG=1 (and do not pass -short)")
	}
	path := filepath.Join(t.TempDir(), "big.xlsx")
	start := time.Now()
	writeBigXLSX(t, path, bigRows)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d rows, %.1f MB, in %v", bigRows, float64(st.Size())/1e6, time.Since(start).Round(time.Millisecond))
	_, elapsed, heap, alloc := bigRead(t, path)
	t.Logf("read %d rows in %v; peak HeapInuse %.1f MB; TotalAlloc %.1f MB", bigRows,
		elapsed.Round(time.Millisecond), float64(heap)/1e6, float64(alloc)/1e6)
	if elapsed > 60*time.Second {
		t.Errorf("read took %v, want < 60s", elapsed)
	}
	if heap > 500e6 {
		t.Errorf("peak HeapInuse %.1f MB, want < 500 MB", float64(heap)/1e6)
	}
}
