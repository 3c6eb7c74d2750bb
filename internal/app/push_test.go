package app_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/monitor"
	"qingfeng/internal/push"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

var pushSecret = []byte("provincial-platform-shared-key-0001")

// receiver is a local provincial platform: it answers with the statuses
// in turn (the last one repeatedly), checks every signature against the
// test clock and records what it received.
type receiver struct {
	t     *testing.T
	now   func() time.Time
	mu    sync.Mutex
	codes []int
	hits  []hit
	delay time.Duration
}

type hit struct {
	key, sigErr string
	body        string
	status      int
}

func newReceiver(t *testing.T, now func() time.Time, codes ...int) (*receiver, *httptest.Server) {
	r := &receiver{t: t, now: now, codes: codes}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	time.Sleep(r.delay)
	r.mu.Lock()
	code := r.codes[min(len(r.hits), len(r.codes)-1)]
	h := hit{key: req.Header.Get(push.HeaderIdempotency), body: string(body), status: code}
	if err := push.Verify(pushSecret, req.Header.Get(push.HeaderTimestamp), req.Header.Get(push.HeaderSignature), body, r.now(), 5*time.Minute); err != nil {
		h.sigErr = err.Error()
	}
	r.hits = append(r.hits, h)
	r.mu.Unlock()
	w.WriteHeader(code)
	if code == http.StatusBadRequest {
		io.WriteString(w, `{"error":"unknown rule"}`)
	}
}

func (r *receiver) all() []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hit(nil), r.hits...)
}

// pushConfig points the push at srv with a short schedule.
func pushConfig(srv *httptest.Server, auto monitor.Level) app.PushConfig {
	return app.PushConfig{URL: srv.URL + "/hook?token=abc", Secret: pushSecret, AutoLevel: auto, Timeout: 5 * time.Second, Client: srv.Client(),
		Backoff: push.Backoff{First: 30 * time.Second, Factor: 2, Max: 10 * time.Minute, Jitter: 0.2, Attempts: 3}}
}

// unauthorisedAlert ingests an inbound movement no plan covers and
// returns the serious alert it opens.
func unauthorisedAlert(t *testing.T, f *fixture, a *app.App, id string, at time.Time) int64 {
	t.Helper()
	r, err := a.IngestEvent(ctx, moveRaw(id, at, "in", 10, "RK-"+id), app.SourceMQTT)
	must(t, err)
	if len(r.Alerts) != 1 {
		t.Fatalf("%s opened %v", id, r.Alerts)
	}
	return r.Alerts[0]
}

func wantPush(t *testing.T, f *fixture, alertID int64, state push.State, attempts, status int) store.Push {
	t.Helper()
	p, err := f.store.GetPush(ctx, alertID)
	must(t, err)
	if p.State != state || p.Attempts != attempts || p.LastStatus != status {
		t.Fatalf("push %+v, want %s after %d attempts, last status %d", p, state, attempts, status)
	}
	return p
}

// TestPushRetriesThenDelivers: a push to a platform that fails twice and
// then accepts is delivered once, in three attempts under one idempotency
// key with valid signatures and the same frozen body.
func TestPushRetriesThenDelivers(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		granary(t, f)
		id := unauthorisedAlert(t, f, f.app, "m5", t0.Add(-30*time.Minute))
		leader := f.principals["leadera"]
		_, err := f.app.PushAlert(ctx, leader, id)
		wantCode(t, err, apperr.Conflict, "push.not_configured", nil)

		rc, srv := newReceiver(t, f.clock.Now, 500, 503, 200)
		must(t, f.app.ConfigurePush(ctx, pushConfig(srv, "")))
		// Manual only: the alert was not queued when it opened.
		if _, err := f.store.GetPush(ctx, id); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("queued without a user: %v", err)
		}
		_, err = f.app.PushAlert(ctx, f.principals["townt1"], id)
		wantCode(t, err, apperr.Forbidden, "", nil)
		p, err := f.app.PushAlert(ctx, leader, id)
		must(t, err)
		if p.State != push.StatePending || p.Auto || !strings.HasPrefix(p.Key, "qingfeng-alert-") || !strings.HasSuffix(p.Key, "-"+strconv.FormatInt(id, 10)) {
			t.Fatalf("queued %+v", p)
		}
		_, err = f.app.PushAlert(ctx, leader, id)
		wantCode(t, err, apperr.Conflict, "push.already_queued", nil)

		deliver := func(want int) {
			t.Helper()
			n, err := f.app.DeliverPushes(ctx)
			must(t, err)
			if n != want {
				t.Fatalf("delivered %d, want %d", n, want)
			}
		}
		deliver(0)
		p1 := wantPush(t, f, id, push.StateRetry, 1, 500)
		if d := p1.NextAt.Sub(f.clock.Now()); d < 24*time.Second || d > 30*time.Second || !strings.Contains(p1.LastError, "HTTP 500") {
			t.Fatalf("first retry in %v, error %q", d, p1.LastError)
		}
		deliver(0) // not due yet: nothing sent
		if n := len(rc.all()); n != 1 {
			t.Fatalf("%d requests before the retry is due", n)
		}
		f.clock.Advance(30 * time.Second)
		deliver(0)
		p2 := wantPush(t, f, id, push.StateRetry, 2, 503)
		if d := p2.NextAt.Sub(f.clock.Now()); d < 48*time.Second || d > time.Minute {
			t.Fatalf("second retry in %v", d)
		}
		f.clock.Advance(time.Minute)
		deliver(1)
		p3 := wantPush(t, f, id, push.StateDelivered, 3, 200)
		if !p3.DeliveredAt.Equal(f.clock.Now()) || p3.LastError != "" || p3.LeaseOwner != "" {
			t.Fatalf("delivered %+v", p3)
		}
		f.clock.Advance(time.Hour)
		deliver(0)

		hits := rc.all()
		if len(hits) != 3 {
			t.Fatalf("%d requests, want 3", len(hits))
		}
		accepted := 0
		for _, h := range hits {
			if h.key != p.Key || h.sigErr != "" || h.body != hits[0].body {
				t.Errorf("request %+v, want key %s, a valid signature and the same body", h, p.Key)
			}
			if h.status == 200 {
				accepted++
			}
		}
		if accepted != 1 {
			t.Fatalf("accepted %d times", accepted)
		}
		for _, want := range []string{`"v":1`, `"kind":"granary_alert"`, `"alert_id":` + strconv.FormatInt(id, 10), `"rule":"unauthorised_movement"`,
			`"level":"serious"`, `"depot":"D1"`, `"bin":"B1"`, `"division_code":"430802001"`, `"event_id":"m5"`, `"sha256":"`} {
			if !strings.Contains(hits[0].body, want) {
				t.Errorf("payload lacks %s: %s", want, hits[0].body)
			}
		}

		// State is visible on the alert and in the list, in scope.
		als, err := f.app.GranaryAlerts(ctx, leader, "", 10)
		must(t, err)
		if len(als) != 1 || als[0].Push == nil || als[0].Push.State != push.StateDelivered {
			t.Fatalf("alerts %+v", als)
		}
		for _, c := range []struct {
			who   string
			state push.State
			n     int
		}{{"leadera", "", 1}, {"leadera", push.StateDelivered, 1}, {"leadera", push.StateFailed, 0}, {"townt1", "", 1}, {"townb1", "", 0}} {
			ps, err := f.app.AlertPushes(ctx, f.principals[c.who], c.state, 50)
			must(t, err)
			if len(ps) != c.n {
				t.Errorf("%s %q: %d pushes, want %d", c.who, c.state, len(ps), c.n)
			}
		}
		_, err = f.app.AlertPushes(ctx, leader, "lost", 10)
		wantCode(t, err, apperr.Invalid, "", map[string]string{"state": "push.invalid_state"})
		_, err = f.app.RetryPush(ctx, leader, id)
		wantCode(t, err, apperr.Conflict, "push.not_failed", nil)
		recs, err := f.app.History(ctx, f.principals["admina"], "granary_alert", id)
		must(t, err)
		if last := recs[len(recs)-1]; last.Action != "granary_push.queue" || last.ActorUserID != leader.UserID {
			t.Fatalf("audit %+v", last)
		}
	})
}

// TestPushAutoAndRestart: with auto-push at "serious" the push is queued
// in the transaction that opens the alert; a new App on the same database
// (a restart) delivers it, and a push leased by a worker that died is
// taken over once its lease expires.
func TestPushAutoAndRestart(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		granary(t, f)
		rc, srv := newReceiver(t, f.clock.Now, 200)
		must(t, f.app.ConfigurePush(ctx, pushConfig(srv, monitor.LevelSerious)))
		id1 := unauthorisedAlert(t, f, f.app, "m5", t0.Add(-30*time.Minute))
		id2 := unauthorisedAlert(t, f, f.app, "m6", t0.Add(-20*time.Minute))
		p1 := wantPush(t, f, id1, push.StatePending, 0, 0)
		if !p1.Auto {
			t.Fatalf("not auto: %+v", p1)
		}
		// A worker claims id1's push and dies before sending.
		claimed, err := f.store.ClaimPushes(ctx, "dead-worker", 2*time.Minute, 1)
		must(t, err)
		if len(claimed) != 1 || claimed[0].AlertID != id1 {
			t.Fatalf("claimed %+v", claimed)
		}

		// Restart: a new App on the same store.
		a2 := testdb.NewApp(t, f.store, f.clock.Now)
		must(t, a2.ConfigurePush(ctx, pushConfig(srv, monitor.LevelSerious)))
		if n, err := a2.DeliverPushes(ctx); err != nil || n != 1 {
			t.Fatalf("after restart delivered %d (%v), want id2's only", n, err)
		}
		wantPush(t, f, id2, push.StateDelivered, 1, 200)
		wantPush(t, f, id1, push.StateDelivering, 1, 0)
		f.clock.Advance(2*time.Minute + time.Second)
		if n, err := a2.DeliverPushes(ctx); err != nil || n != 1 {
			t.Fatalf("after the lease delivered %d (%v)", n, err)
		}
		wantPush(t, f, id1, push.StateDelivered, 2, 200)
		// The dead worker's late result changes nothing.
		ok, err := f.store.FinishPush(ctx, claimed[0], store.PushResult{Op: push.OpReject, Status: 400})
		if err != nil || ok {
			t.Fatalf("late finish %v %v", ok, err)
		}
		wantPush(t, f, id1, push.StateDelivered, 2, 200)
		keys := map[string]int{}
		for _, h := range rc.all() {
			keys[h.key]++
		}
		if len(keys) != 2 || len(rc.all()) != 2 {
			t.Fatalf("requests by key %v", keys)
		}
		// The install id (and so the key) survives the restart.
		if p1.Key != push.IdempotencyKey(strings.Split(strings.TrimPrefix(p1.Key, "qingfeng-alert-"), "-")[0], id1) {
			t.Fatalf("key %s", p1.Key)
		}
	})
}

// TestPushRejectedAndRetried: a 400 fails the push at once with the status
// and answer recorded; a manual retry re-sends it under the same key, and
// a push whose attempts run out fails too.
func TestPushRejectedAndRetried(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		granary(t, f)
		id := unauthorisedAlert(t, f, f.app, "m5", t0.Add(-30*time.Minute))
		rc, srv := newReceiver(t, f.clock.Now, 400, 503, 503, 200)
		c := pushConfig(srv, "")
		c.Backoff.Attempts = 2
		must(t, f.app.ConfigurePush(ctx, c))
		leader := f.principals["leadera"]
		_, err := f.app.RetryPush(ctx, leader, id)
		wantCode(t, err, apperr.NotFound, "", nil)
		_, err = f.app.PushAlert(ctx, leader, id)
		must(t, err)
		_, err = f.app.DeliverPushes(ctx)
		must(t, err)
		p := wantPush(t, f, id, push.StateFailed, 1, 400)
		if !strings.Contains(p.LastError, "unknown rule") || strings.Contains(p.LastError, "token") {
			t.Fatalf("last error %q", p.LastError)
		}
		f.clock.Advance(time.Hour)
		if _, err := f.app.DeliverPushes(ctx); err != nil || len(rc.all()) != 1 {
			t.Fatalf("a failed push was sent again (%v)", err)
		}
		_, err = f.app.RetryPush(ctx, f.principals["townt1"], id)
		wantCode(t, err, apperr.Forbidden, "", nil)
		p, err = f.app.RetryPush(ctx, leader, id)
		must(t, err)
		if p.State != push.StatePending || p.Attempts != 0 || p.Requeues != 1 {
			t.Fatalf("requeued %+v", p)
		}
		// 503 twice: the attempts run out.
		_, err = f.app.DeliverPushes(ctx)
		must(t, err)
		f.clock.Advance(time.Minute)
		_, err = f.app.DeliverPushes(ctx)
		must(t, err)
		wantPush(t, f, id, push.StateFailed, 2, 503)
		_, err = f.app.RetryPush(ctx, leader, id)
		must(t, err)
		if n, err := f.app.DeliverPushes(ctx); err != nil || n != 1 {
			t.Fatalf("delivered %d %v", n, err)
		}
		wantPush(t, f, id, push.StateDelivered, 1, 200)
		for _, h := range rc.all() {
			if h.key != p.Key || h.sigErr != "" {
				t.Errorf("request %+v", h)
			}
		}
		recs, err := f.app.History(ctx, f.principals["admina"], "granary_alert", id)
		must(t, err)
		n := 0
		for _, r := range recs {
			if r.Action == "granary_push.requeue" {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%d requeues audited", n)
		}
	})
}

// TestPushConcurrentWorkers: two instances delivering at once never send
// the same push twice.
func TestPushConcurrentWorkers(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		granary(t, f)
		rc, srv := newReceiver(t, f.clock.Now, 200)
		rc.delay = 20 * time.Millisecond
		c := pushConfig(srv, monitor.LevelSerious)
		c.Batch = 2
		must(t, f.app.ConfigurePush(ctx, c))
		const n = 8
		for i := range n {
			unauthorisedAlert(t, f, f.app, "m"+strconv.Itoa(10+i), t0.Add(-time.Duration(60-i)*time.Minute))
		}
		a2 := testdb.NewApp(t, f.store, f.clock.Now)
		must(t, a2.ConfigurePush(ctx, c))
		var wg sync.WaitGroup
		total := make([]int, 2)
		for w, a := range []*app.App{f.app, a2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range n {
					d, err := a.DeliverPushes(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					total[w] += d
				}
			}()
		}
		wg.Wait()
		keys := map[string]int{}
		for _, h := range rc.all() {
			keys[h.key]++
		}
		if len(keys) != n || len(rc.all()) != n || total[0]+total[1] != n {
			t.Fatalf("%d requests for %d keys, delivered %v; want %d each once", len(rc.all()), len(keys), total, n)
		}
		ps, err := f.app.AlertPushes(ctx, f.principals["leadera"], push.StateDelivered, 50)
		must(t, err)
		if len(ps) != n {
			t.Fatalf("%d delivered", len(ps))
		}
	})
}
