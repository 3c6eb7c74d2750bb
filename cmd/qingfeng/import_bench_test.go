package main

// TestImportThroughput times `qingfeng import reports` on a generated
// message-board export (issue 3: "Large files stream: 100,000 rows in under
// a minute and under 500 MB of memory"). It runs only with
// QINGFENG_IMPORT_ROWS=N; see docs/benchmarks.md, "Import throughput
// (issue 3)".
//
//	QINGFENG_IMPORT_ROWS=100000 go test -run TestImportThroughput/sqlite -v -timeout 0 ./cmd/qingfeng
//	QINGFENG_IMPORT_ROWS=100000 QINGFENG_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	    go test -run TestImportThroughput/postgres -v -timeout 0 ./cmd/qingfeng
//
// QINGFENG_IMPORT_FILE=PATH keeps the generated CSV there (written once,
// reused by later runs and by the binary under /usr/bin/time -v);
// QINGFENG_IMPORT_BATCH=N passes --batch N (1: one transaction per row).

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

const (
	envImportRows  = "QINGFENG_IMPORT_ROWS"
	envImportFile  = "QINGFENG_IMPORT_FILE"
	envImportBatch = "QINGFENG_IMPORT_BATCH"
	messagesCSV    = "/work/shared/data/messages/messages-with-replies.csv"
	repeatShare    = 0.10 // rows that re-submit an earlier row in other words
)

func TestImportThroughput(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv(envImportRows))
	if n <= 0 {
		t.Skip(envImportRows + " is not set; skipping the import throughput run")
	}
	file := os.Getenv(envImportFile)
	if file == "" {
		file = filepath.Join(t.TempDir(), fmt.Sprintf("messages-%d.csv", n))
	}
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		start := time.Now()
		writeImportCSV(t, file, n)
		t.Logf("generated %s (%d rows) in %v", file, n, time.Since(start).Round(time.Millisecond))
	}
	batch := os.Getenv(envImportBatch)
	if batch == "" {
		batch = "250"
	}
	t.Run("sqlite", func(t *testing.T) { importThroughput(t, file, n, batch, nil) })
	t.Run("postgres", func(t *testing.T) {
		dsn := postgresDSN(t)
		importThroughput(t, file, n, batch, []string{"--db", dsn})
	})
}

// importThroughput loads the demo, imports file once (timed, with the Go
// heap sampled), checks the summary and the audit chain.
func importThroughput(t *testing.T, file string, n int, batch string, db []string) {
	data := t.TempDir()
	cli := func(timeout time.Duration, args ...string) string {
		t.Helper()
		var out, errb syncBuffer
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		args = append(append(args, "--data", data), db...)
		if err := run(ctx, args, mapEnv(nil), strings.NewReader(""), &out, &errb); err != nil {
			t.Fatalf("qingfeng %s: %v\n%s", strings.Join(args, " "), err, errb.String())
		}
		return out.String()
	}
	cli(5*time.Minute, "demo")
	runtime.GC()
	peak := startHeapPeak()
	start := time.Now()
	out := cli(2*time.Hour, "import", "reports", file, "--unit", "430802", "--json", "--batch", batch)
	elapsed := time.Since(start)
	heap := peak.stop()
	var sum importJSON
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("summary: %v\n%s", err, out)
	}
	t.Logf("batch %s: %d rows in %v (%.0f rows/s): %d imported, %d existing, %d near-duplicates, %d rejected; peak Go heap %d MiB",
		batch, sum.Rows, elapsed.Round(time.Millisecond), float64(sum.Rows)/elapsed.Seconds(), sum.Imported, sum.Existing,
		sum.Duplicates, sum.Rejected, heap>>20)
	if sum.Rows != n || sum.Imported+sum.Existing+sum.Rejected != n || sum.Imported < n*9/10 {
		t.Errorf("summary %+v for %d rows", sum, n)
	}
	t.Log(strings.TrimSpace(cli(10*time.Minute, "audit", "verify")))
}

// heapPeak samples the Go heap in use every 20 ms.
type heapPeak struct {
	done chan struct{}
	wg   sync.WaitGroup
	max  uint64
}

func startHeapPeak() *heapPeak {
	p := &heapPeak{done: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			p.max = max(p.max, ms.HeapInuse)
			select {
			case <-p.done:
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

func (p *heapPeak) stop() uint64 {
	close(p.done)
	p.wg.Wait()
	return p.max
}

// importCorpus is the real messages: titles, sentences of each text,
// every sentence, and the replies.
type importCorpus struct {
	titles  []string
	sents   [][]string
	pool    []string
	replies []string
}

func loadImportCorpus(t *testing.T) *importCorpus {
	t.Helper()
	f, err := os.Open(messagesCSV)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("shared data set not available (%s)", messagesCSV)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	if _, err := cr.Read(); err != nil { // 留言编号,留言用户,留言主题,留言时间,留言详情,答复意见,答复时间
		t.Fatal(err)
	}
	c := &importCorpus{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(rec) < 6 || strings.TrimSpace(rec[2]) == "" || strings.TrimSpace(rec[4]) == "" {
			continue
		}
		ss := sentences(strings.TrimSpace(rec[4]))
		c.titles = append(c.titles, cutRunes(strings.TrimSpace(rec[2]), 90))
		c.sents = append(c.sents, ss)
		c.pool = append(c.pool, ss...)
		c.replies = append(c.replies, strings.TrimSpace(rec[5]))
	}
	if len(c.titles) < 1000 {
		t.Fatalf("shared data: only %d messages", len(c.titles))
	}
	return c
}

// sentences splits a text after 。！？ and line breaks (kept).
func sentences(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if r == '。' || r == '！' || r == '？' || r == '\n' {
			end := i + utf8.RuneLen(r)
			out = append(out, s[start:end])
			start = end
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

func cutRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// genRow is a generated message.
type genRow struct{ title, content, reply string }

// vary changes the digits of s (each with probability p).
func vary(rng *rand.Rand, s string, p float64) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsDigit(r) && r < 128 && rng.Float64() < p {
			r = rune('0' + rng.IntN(10))
		}
		b.WriteRune(r)
	}
	return b.String()
}

// row is generated message i: about repeatShare of them re-submit an
// earlier one (sentences swapped, one dropped, a prefix), the rest are
// fresh (a real title; as many sentences as a real message has, drawn from
// all messages, the first often from the title's own; digits changed).
// The same i gives the same row on every run.
func (c *importCorpus) row(i int) genRow {
	rng := rand.New(rand.NewPCG(uint64(i), 0x1a907))
	if i > 1000 && rng.Float64() < repeatShare {
		x := c.row(1 + rng.IntN(i-1))
		ss := sentences(x.content)
		if len(ss) > 2 {
			p := rng.IntN(len(ss) - 1)
			ss[p], ss[p+1] = ss[p+1], ss[p]
			if rng.IntN(2) == 0 {
				ss = ss[:len(ss)-1]
			}
		}
		return genRow{title: "再次反映：" + x.title, content: "再次反映：" + strings.Join(ss, ""), reply: x.reply}
	}
	a := rng.IntN(len(c.titles))
	x := genRow{title: vary(rng, c.titles[a], 0.5)}
	k := len(c.sents[rng.IntN(len(c.sents))])
	var ss []string
	if rng.Float64() < 0.3 {
		ss = append(ss, c.sents[a][0])
		k--
	}
	for range k {
		ss = append(ss, c.pool[rng.IntN(len(c.pool))])
	}
	x.content = cutRunes(vary(rng, strings.Join(ss, ""), 0.5), 9000)
	if rng.IntN(2) == 0 {
		x.reply = c.replies[rng.IntN(len(c.replies))]
	}
	return x
}

// writeImportCSV writes n generated rows with the real file's columns.
func writeImportCSV(t *testing.T, path string, n int) {
	t.Helper()
	c := loadImportCorpus(t)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	must := func(err error) {
		if err != nil {
			f.Close()
			t.Fatal(err)
		}
	}
	must(w.Write([]string{"留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "答复意见", "答复时间"}))
	base := time.Date(2019, 1, 1, 8, 0, 0, 0, time.UTC)
	for i := range n {
		x := c.row(i)
		at := base.Add(time.Duration(i) * 3 * time.Minute)
		replied := ""
		if x.reply != "" {
			replied = at.Add(72 * time.Hour).Format("2006/1/2 15:04:05")
		}
		must(w.Write([]string{fmt.Sprintf("G%07d", i+1), fmt.Sprintf("A%08d", i%50000), x.title,
			at.Format("2006/1/2 15:04:05"), x.content, x.reply, replied}))
	}
	w.Flush()
	must(w.Error())
	must(f.Close())
}
