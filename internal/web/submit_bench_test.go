package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"qingfeng/internal/api"
	"qingfeng/internal/app"
	"qingfeng/internal/auth"
	"qingfeng/internal/demo"
	"qingfeng/internal/i18n"
	"qingfeng/internal/intake"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
	"qingfeng/internal/web"
)

// submitMessagesCSV is the real message-board export (see its SOURCE.md):
// the texts of the public submissions below.
const submitMessagesCSV = "/work/shared/data/messages/messages-with-replies.csv"

// submitDemoPassword passes the password policy for every demo username.
const submitDemoPassword = "Qingfeng-Bench-2026"

// submitPlaces are the places the submissions name, in turn: the four
// (synthetic) villages of 天门山镇, the township itself and 永定区. All of
// them make 永定区纪委监委 the receiving commission.
var submitPlaces = []string{"430802103201", "430802103202", "430802103203", "430802103204", "430802103", "430802"}

// submitReporter is the real-name identity (valid GB 11643 check digit).
var submitReporter = intake.Reporter{Name: "李四", IDNumber: "11010519491231002X", Phone: "13800138000"}

// submitFixture is the demo organisation on one engine with the root
// handler (API mounted, public limiter wide open) and the prepared
// submissions: item i is subs[i%len] as a Submission and as a JSON body.
type submitFixture struct {
	st     *store.Store
	app    *app.App
	h      http.Handler
	subs   []intake.Submission
	bodies [][]byte
	next   atomic.Int64 // next submission index

	// for the bare insert: where 永定区's reports are held and received
	county, desk org.Unit
	sealed       string // a sealed identity as SubmitPublic stores it
}

// item returns the next submission index.
func (f *submitFixture) item() int { return int(f.next.Add(1)-1) % len(f.subs) }

// newSubmitFixture loads the demo on st through the app services (cheap
// argon2 parameters, testdb.NewApp) and builds the root handler as
// `qingfeng serve` does, with api.Options{PublicPerHour: 1<<30}.
func newSubmitFixture(tb testing.TB, st *store.Store, clock *testdb.Clock, msgs []submitMessage) *submitFixture {
	tb.Helper()
	ctx := context.Background()
	start := time.Now()
	a := testdb.NewApp(tb, st, clock.Now)
	if _, err := demo.Load(ctx, a, submitDemoPassword); err != nil {
		tb.Fatalf("demo.Load: %v", err)
	}
	cat, err := i18n.Load()
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := web.New(a, cat, web.Options{API: api.New(a, cat, nil, api.Options{PublicPerHour: 1 << 30}), Version: "bench"})
	if err != nil {
		tb.Fatalf("web.New: %v", err)
	}
	f := &submitFixture{st: st, app: a, h: srv.Handler()}
	f.subs, f.bodies = submitItems(tb, msgs)
	if f.county, err = st.GetUnitByDivision(ctx, "430802"); err != nil {
		tb.Fatalf("永定区: %v", err)
	}
	kids, _, err := st.ListUnits(ctx, auth.System().ScopeFor(auth.PermOrgRead), store.UnitFilter{ParentID: f.county.ID,
		Kinds: []org.Kind{org.KindPetition}, Page: store.Page{Limit: 1}})
	if err != nil || len(kids) != 1 {
		tb.Fatalf("petition office of 永定区: %v (%d)", err, len(kids))
	}
	f.desk = kids[0]
	raw, _ := json.Marshal(submitReporter)
	if f.sealed, err = a.Keys.Seal(raw, []byte("reports.reporter_sealed.v1")); err != nil {
		tb.Fatalf("seal: %v", err)
	}
	tb.Logf("%s fixture: demo organisation loaded in %s; %d distinct submissions", st.Dialect(),
		time.Since(start).Round(time.Millisecond), len(f.subs))
	return f
}

// submitMessage is one row of the real data set.
type submitMessage struct{ title, content string }

// readSubmitMessages reads every message of the shared data set whose text
// is long enough for the portal (10 characters), titles cut to 100 and
// texts to 10,000 characters. It skips when the data set is missing.
func readSubmitMessages(tb testing.TB) []submitMessage {
	tb.Helper()
	f, err := os.Open(submitMessagesCSV)
	if errors.Is(err, os.ErrNotExist) {
		tb.Skipf("shared data set not available (%s): %v", submitMessagesCSV, err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		tb.Fatal(err)
	}
	if !slices.Equal(head, []string{"留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "答复意见", "答复时间"}) {
		tb.Fatalf("shared data: unexpected header %q", head)
	}
	cut := func(s string, n int) string {
		if r := []rune(s); len(r) > n {
			return string(r[:n])
		}
		return s
	}
	var out []submitMessage
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		m := submitMessage{title: cut(rec[2], intake.MaxTitle), content: cut(rec[4], intake.MaxContent)}
		if m.title != "" && len([]rune(m.content)) >= 10 {
			out = append(out, m)
		}
	}
	if len(out) < 1000 {
		tb.Fatalf("shared data: only %d usable messages", len(out))
	}
	return out
}

// submitItems turns the messages into public submissions: places cycle
// through submitPlaces, subject levels through all five, kinds and key
// fields through theirs, and every other block of six is real-name (so each
// place gets both anonymous and real-name reports with every level).
func submitItems(tb testing.TB, msgs []submitMessage) ([]intake.Submission, [][]byte) {
	tb.Helper()
	cats, err := intake.Categories()
	if err != nil {
		tb.Fatal(err)
	}
	levels, kinds := intake.Levels(), intake.Kinds()
	subjects := []intake.Subject{{Name: "张某", Unit: "村委会", Post: "会计"}, {Name: "王某", Unit: "镇政府", Post: "副镇长"},
		{Name: "", Unit: "区住建局", Post: ""}, {Name: "刘某", Unit: "物业公司", Post: "经理"}}
	subs := make([]intake.Submission, len(msgs))
	bodies := make([][]byte, len(msgs))
	for i, m := range msgs {
		s := intake.Submission{Kind: kinds[i%len(kinds)], Title: m.title, Content: m.content, Category: cats[i%len(cats)].Code,
			DivisionCode: submitPlaces[i%len(submitPlaces)], Subject: subjects[i%len(subjects)], Anonymous: (i/len(submitPlaces))%2 == 1}
		s.Subject.Level = levels[i%len(levels)]
		if !s.Anonymous {
			s.Reporter = submitReporter
		}
		subs[i] = s
		body, err := json.Marshal(api.PublicReportIn{Kind: string(s.Kind), Title: s.Title, Content: s.Content,
			DivisionCode: s.DivisionCode, Category: s.Category, Subject: s.Subject, Anonymous: s.Anonymous, Reporter: s.Reporter})
		if err != nil {
			tb.Fatal(err)
		}
		bodies[i] = body
	}
	return subs, bodies
}

// post sends submission i through the root handler (no network); anything
// but 201 Created is an error.
func (f *submitFixture) post(i int) error {
	req := httptest.NewRequest(http.MethodPost, "/api/v1/public/reports", bytes.NewReader(f.bodies[i]))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		return fmt.Errorf("POST /api/v1/public/reports (item %d): status %d: %s", i, rec.Code, rec.Body)
	}
	return nil
}

// bareInsert writes one reports row with the columns CreateReport writes,
// in its own transaction through Store.DB(): no number sequence, bands,
// clocks, event, search index, audit, routing lookups or sealing.
func (f *submitFixture) bareInsert(ctx context.Context, n int, i int) error {
	s := f.subs[i]
	sealed := ""
	if !s.Anonymous {
		sealed = f.sealed
	}
	now := time.Now().UnixMilli()
	tx, err := f.st.DB().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO reports (number, unit_id, unit_path, received_unit_id, kind, channel, status,
		title, content, category, division_code, subject_name, subject_unit, subject_post, subject_level, anonymous,
		reporter_sealed, receipt_hash, external_source, external_id, collective, over_level, repeat_of, route_reason,
		decline_reason, operator_user_id, received_at, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
		$24, $25, $26, $27, 1, $28, $28) RETURNING id`,
		fmt.Sprintf("基准〔2026〕%d号", n), f.desk.ID, f.desk.Path, f.county.ID, string(s.Kind), string(intake.ChannelWeb),
		string(intake.StatusReceived), s.Title, s.Content, s.Category, s.DivisionCode, s.Subject.Name, s.Subject.Unit,
		s.Subject.Post, string(s.Subject.Level), s.Anonymous, sealed, fmt.Sprintf("%064x", n), "", "", false, false, nil,
		"", "", nil, now, now).Scan(&id)
	if err != nil {
		return err
	}
	return tx.Commit()
}

// BenchmarkPublicSubmit measures one public submission (POST
// /api/v1/public/reports: validation, routing, sealing, clocks,
// near-duplicate candidates, search index and audit in one transaction) on
// the demo organisation, against a bare one-row INSERT, on each engine:
//
//   - bare-insert: one INSERT of a reports row (same columns) in its own
//     transaction through Store.DB() — the baseline;
//   - store-only: app.SubmitPublic with a prepared Submission (no HTTP, no
//     JSON);
//   - http: the request through the root handler via httptest, sequential;
//   - http-parallel: the same from 8 goroutines (b.SetParallelism(4) on 2
//     CPUs; the SQLite pool holds 8 connections).
//
// Each sub-benchmark run (and each -count round) gets its own freshly
// loaded demo database, so none starts with another's reports. Bodies are
// real messages (2,816 rows), taken in turn; after a full round the texts
// repeat and then also find their earlier copies as near-duplicate
// candidates. See docs/benchmarks.md.
func BenchmarkPublicSubmit(b *testing.B) {
	msgs := readSubmitMessages(b)
	b.Run("sqlite", func(b *testing.B) {
		benchPublicSubmit(b, testdb.SQLite, msgs)
	})
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv(testdb.EnvPostgres) == "" {
			b.Skip("postgres: " + testdb.EnvPostgres + " is not set; skipping the PostgreSQL run")
		}
		benchPublicSubmit(b, testdb.Postgres, msgs)
	})
}

func benchPublicSubmit(b *testing.B, open func(testing.TB, func() time.Time) *store.Store, msgs []submitMessage) {
	ctx := context.Background()
	// fixture loads a fresh demo database for one sub-benchmark run (closed,
	// or dropped, when that run ends). It is built before the timed loop:
	// b.Loop resets the timer on its first call.
	fixture := func(b *testing.B) *submitFixture {
		clock := testdb.NewClock(time.Now())
		return newSubmitFixture(b, open(b, clock.Now), clock, msgs)
	}
	perSecond := func(b *testing.B, n int) {
		if s := b.Elapsed().Seconds(); s > 0 && n > 0 {
			b.ReportMetric(float64(n)/s, "reports/s")
		}
	}

	b.Run("bare-insert", func(b *testing.B) {
		f := fixture(b)
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			k := int(f.next.Add(1))
			if err := f.bareInsert(ctx, k, k%len(f.subs)); err != nil {
				b.Fatalf("bare insert: %v", err)
			}
			n++
		}
		perSecond(b, n)
	})
	b.Run("store-only", func(b *testing.B) {
		f := fixture(b)
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			i := f.item()
			if _, err := f.app.SubmitPublic(ctx, f.subs[i], nil); err != nil {
				b.Fatalf("SubmitPublic (item %d): %v", i, err)
			}
			n++
		}
		perSecond(b, n)
	})
	b.Run("http", func(b *testing.B) {
		f := fixture(b)
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			if err := f.post(f.item()); err != nil {
				b.Fatal(err)
			}
			n++
		}
		perSecond(b, n)
	})
	// RunParallel cannot use b.Loop: the function runs again for each b.N of
	// the ramp, and the testing package runs the cleanups (closing the store)
	// after each run, so each run loads its own fresh database. 8 clients,
	// and 64 for a busy portal (the group committer's batches grow with the
	// number of submissions waiting).
	for _, c := range []struct {
		name string
		par  int
	}{{"http-parallel", 4}, {"http-parallel-64", 32}} {
		b.Run(c.name, func(b *testing.B) {
			f := fixture(b)
			b.ReportAllocs()
			b.SetParallelism(c.par)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := f.post(f.item()); err != nil {
						b.Error(err) // not Fatal: this is not the benchmark's goroutine
						return
					}
				}
			})
			perSecond(b, b.N)
			if f.st.Dialect() == store.SQLite {
				// The WAL must start over under back-to-back batches
				// (store.BulkWriter): its size in pages after the run.
				// -1 while the writer's own background checkpoint runs
				// (SQLITE_BUSY): ask again a moment later.
				b.StopTimer()
				var busy, frames, done int
				for try := 0; try < 20; try++ {
					if err := f.st.DB().QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &done); err != nil {
						b.Fatal(err)
					}
					if frames >= 0 {
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
				b.ReportMetric(float64(frames), "wal-pages")
			}
		})
	}
}

// TestSubmitLatencyAt200rps fires public submissions at a steady 200
// requests/s for 10 s (2,000 requests, open loop: one goroutine per request
// at its scheduled time) against a real loopback server
// (httptest.NewServer with the root handler) and logs p50/p95/p99 latency
// and errors. Latency is measured from each request's scheduled time, so a
// late scheduler counts against the server, not for it.
//
// It runs only with QINGFENG_BENCH=1; the p99 ≤ 50 ms target (issue 3) and
// zero errors are asserted only with QINGFENG_BENCH_STRICT=1, so a busy CI
// machine does not flake.
func TestSubmitLatencyAt200rps(t *testing.T) {
	if os.Getenv("QINGFENG_BENCH") != "1" {
		t.Skip("latency run: set QINGFENG_BENCH=1 to fire 200 requests/s for 10 s (QINGFENG_BENCH_STRICT=1 also asserts p99 <= 50 ms; QINGFENG_BENCH_PRELOAD=N submits N reports first)")
	}
	msgs := readSubmitMessages(t)
	clock := testdb.NewClock(time.Now())
	testdb.Each(t, clock.Now, func(t *testing.T, st *store.Store) {
		submitLatency(t, newSubmitFixture(t, st, clock, msgs))
	})
}

func submitLatency(t *testing.T, f *submitFixture) {
	const (
		rate     = 200
		duration = 10 * time.Second
		total    = int(rate * duration / time.Second)
		interval = time.Second / rate
		target   = 50 * time.Millisecond
	)
	srv := httptest.NewServer(f.h)
	defer srv.Close()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: 256,
		MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}}
	defer client.CloseIdleConnections()
	url := srv.URL + "/api/v1/public/reports"
	send := func(i int) error {
		resp, err := client.Post(url, "application/json", bytes.NewReader(f.bodies[i]))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("status %d: %.200s", resp.StatusCode, body)
		}
		return nil
	}
	// QINGFENG_BENCH_PRELOAD=N submits N reports first (64 at a time, not
	// recorded): with 8,000 the band log reaches its merge during the run
	// (store/band_log.go), whose steps then share the writer with it.
	var wg sync.WaitGroup
	if n, _ := strconv.Atoi(os.Getenv("QINGFENG_BENCH_PRELOAD")); n > 0 {
		next := make(chan int)
		for w := 0; w < 64; w++ {
			wg.Go(func() {
				for i := range next {
					if err := send(i); err != nil {
						t.Errorf("preload: %v", err)
					}
				}
			})
		}
		for range n {
			next <- f.item()
		}
		close(next)
		wg.Wait()
		t.Logf("preloaded %d reports", n)
	}
	// Warm-up (not recorded): open a few connections, warm caches.
	for w := 0; w < 8; w++ {
		wg.Go(func() {
			for k := 0; k < 5; k++ {
				if err := send(f.item()); err != nil {
					t.Errorf("warm-up: %v", err)
				}
			}
		})
	}
	wg.Wait()

	lat := make([]time.Duration, total)
	failed := make([]error, total)
	var lag time.Duration // worst dispatch delay of the pacing loop
	start := time.Now().Add(20 * time.Millisecond)
	for k := 0; k < total; k++ {
		at := start.Add(time.Duration(k) * interval)
		time.Sleep(time.Until(at))
		if d := time.Since(at); d > lag {
			lag = d
		}
		i := f.item()
		wg.Go(func() {
			failed[k] = send(i)
			lat[k] = time.Since(at)
		})
	}
	wg.Wait()
	wall := time.Since(start)

	var ok []time.Duration
	errs := 0
	for k, err := range failed {
		if err != nil {
			if errs < 5 {
				t.Logf("request %d: %v", k, err)
			}
			errs++
			continue
		}
		ok = append(ok, lat[k])
	}
	sort.Slice(ok, func(i, j int) bool { return ok[i] < ok[j] })
	pct := func(p float64) time.Duration {
		if len(ok) == 0 {
			return 0
		}
		return ok[min(len(ok)-1, int(p*float64(len(ok))))]
	}
	p50, p95, p99 := pct(0.50), pct(0.95), pct(0.99)
	var worst time.Duration
	if len(ok) > 0 {
		worst = ok[len(ok)-1]
	}
	t.Logf("%s: %d requests at %d/s in %s (%.0f/s achieved); errors %d; latency p50 %s, p95 %s, p99 %s, max %s; worst dispatch lag %s",
		f.st.Dialect(), total, rate, wall.Round(time.Millisecond), float64(total)/wall.Seconds(), errs,
		p50.Round(10*time.Microsecond), p95.Round(10*time.Microsecond), p99.Round(10*time.Microsecond),
		worst.Round(10*time.Microsecond), lag.Round(10*time.Microsecond))
	if os.Getenv("QINGFENG_BENCH_STRICT") == "1" {
		if errs > 0 {
			t.Errorf("%d of %d requests failed", errs, total)
		}
		if p99 > target {
			t.Errorf("p99 %s > %s (issue 3 target)", p99, target)
		}
	}
}
