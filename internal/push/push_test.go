package push

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 16, 2, 0, 0, 0, time.UTC)

func TestEncode(t *testing.T) {
	p := Payload{Install: "ab12", AlertID: 7, Rule: "unauthorised_movement", RuleTitle: "疑似擅自动用", Level: "serious",
		Depot: "D1", DepotName: "城北粮库", Bin: "B1", Device: "S01", Unit: Unit{Name: "南庄坪街道纪工委", DivisionCode: "430802001"},
		Explanation: "x", At: t0.In(time.FixedZone("CST", 8*3600)), OpenedAt: t0, QueuedAt: t0.Add(time.Minute),
		Evidence: []Evidence{{Device: "S01", EventID: "m5", Kind: "movement", At: t0.Add(-time.Hour), SHA256: "aa"}}}
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"v": 1.0, "kind": "granary_alert", "alert_id": 7.0, "at": "2026-03-16T02:00:00Z",
		"queued_at": "2026-03-16T02:01:00Z", "depot": "D1", "bin": "B1", "level": "serious"} {
		if got[k] != want {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
	ev := got["evidence"].([]any)[0].(map[string]any)
	if ev["sha256"] != "aa" || ev["event_id"] != "m5" || ev["at"] != "2026-03-16T01:00:00Z" {
		t.Errorf("evidence %v", ev)
	}
	unit := got["unit"].(map[string]any)
	if unit["division_code"] != "430802001" {
		t.Errorf("unit %v", unit)
	}
	// Required fields.
	for _, c := range []struct {
		name string
		edit func(*Payload)
	}{
		{"install", func(p *Payload) { p.Install = "" }},
		{"alert_id", func(p *Payload) { p.AlertID = 0 }},
		{"rule", func(p *Payload) { p.Rule = "" }},
		{"level", func(p *Payload) { p.Level = "" }},
		{"depot", func(p *Payload) { p.Depot = "" }},
		{"queued_at", func(p *Payload) { p.QueuedAt = time.Time{} }},
	} {
		q := p
		c.edit(&q)
		if _, err := q.Encode(); err == nil {
			t.Errorf("%s empty: no error", c.name)
		}
	}
	// No evidence is an empty list, not null.
	q := p
	q.Evidence = nil
	b, _ = q.Encode()
	if !json.Valid(b) || !strings.Contains(string(b), `"evidence":[]`) {
		t.Errorf("no evidence: %s", b)
	}
}

func TestIdempotencyKey(t *testing.T) {
	if k := IdempotencyKey("3f9a", 42); k != "qingfeng-alert-3f9a-42" {
		t.Fatalf("key %q", k)
	}
}

func TestSignVerify(t *testing.T) {
	secret := []byte("s3cret-of-the-province")
	body := []byte(`{"v":1}`)
	sig := Sign(secret, t0, body)
	ts := strconv.FormatInt(t0.Unix(), 10)
	cases := []struct {
		name          string
		secret        []byte
		ts, sig, body string
		now           time.Time
		want          error
	}{
		{"good", secret, ts, sig, string(body), t0, nil},
		{"good within tolerance", secret, ts, sig, string(body), t0.Add(4 * time.Minute), nil},
		{"stale", secret, ts, sig, string(body), t0.Add(6 * time.Minute), ErrTimestamp},
		{"future", secret, ts, sig, string(body), t0.Add(-6 * time.Minute), ErrTimestamp},
		{"no timestamp", secret, "", sig, string(body), t0, ErrTimestamp},
		{"padded timestamp", secret, "0" + ts, sig, string(body), t0, ErrTimestamp},
		{"timestamp replaced", secret, strconv.FormatInt(t0.Unix()+1, 10), sig, string(body), t0, ErrSignature},
		{"body changed", secret, ts, sig, `{"v":2}`, t0, ErrSignature},
		{"other secret", []byte("x"), ts, sig, string(body), t0, ErrSignature},
		{"no prefix", secret, ts, sig[len("sha256="):], string(body), t0, ErrSignature},
		{"short", secret, ts, sig[:20], string(body), t0, ErrSignature},
		{"not hex", secret, ts, "sha256=zz", string(body), t0, ErrSignature},
	}
	for _, c := range cases {
		if err := Verify(c.secret, c.ts, c.sig, []byte(c.body), c.now, 5*time.Minute); !errors.Is(err, c.want) && err != c.want {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func FuzzVerify(f *testing.F) {
	secret := []byte("k")
	body := []byte(`{"v":1}`)
	f.Add(strconv.FormatInt(t0.Unix(), 10), Sign(secret, t0, body), body)
	f.Add("", "", []byte{})
	f.Add("-1", "sha256=", []byte("x"))
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		err := Verify(secret, ts, sig, body, t0, 5*time.Minute)
		if err == nil && !strings.EqualFold(Sign(secret, time.Unix(mustAtoi(ts), 0), body), sig) {
			t.Fatalf("accepted a signature that is not ours: %q %q", ts, sig)
		}
	})
}

func mustAtoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func TestBackoff(t *testing.T) {
	b := Backoff{First: 30 * time.Second, Factor: 2, Max: 5 * time.Minute, Jitter: 0.5, Attempts: 4}
	if err := b.Check(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		n    int
		u    float64
		want time.Duration
	}{
		{1, 0, 30 * time.Second},
		{2, 0, time.Minute},
		{3, 0, 2 * time.Minute},
		{4, 0, 4 * time.Minute},
		{5, 0, 5 * time.Minute}, // capped
		{9, 0, 5 * time.Minute},
		{1, 0.5, 22500 * time.Millisecond}, // less a quarter
		{5, 0.999999, 150000150 * time.Microsecond},
		{0, 0, 30 * time.Second}, // n below 1 counts as the first
	} {
		if got := b.Delay(c.n, c.u); got != c.want {
			t.Errorf("Delay(%d, %v) = %v, want %v", c.n, c.u, got, c.want)
		}
	}
	for _, c := range []struct {
		n      int
		o      Outcome
		op     Op
		waited bool
	}{
		{1, Delivered, OpAccepted, false},
		{1, Permanent, OpReject, false},
		{1, Temporary, OpRetry, true},
		{3, Temporary, OpRetry, true},
		{4, Temporary, OpGiveUp, false},
		{4, Delivered, OpAccepted, false},
	} {
		op, d := b.After(c.n, c.o, 0)
		if op != c.op || (d > 0) != c.waited {
			t.Errorf("After(%d, %v) = %s %v", c.n, c.o, op, d)
		}
	}
	for _, bad := range []Backoff{{}, {First: time.Second, Factor: 0.5, Max: time.Minute, Attempts: 3},
		{First: time.Minute, Factor: 2, Max: time.Second, Attempts: 3}, {First: time.Second, Factor: 2, Max: time.Minute, Jitter: 1, Attempts: 3},
		{First: time.Second, Factor: 2, Max: time.Minute}} {
		if bad.Check() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if DefaultBackoff().Check() != nil {
		t.Fatal("default backoff")
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		status int
		err    error
		want   Outcome
	}{
		{200, nil, Delivered}, {201, nil, Delivered}, {204, nil, Delivered}, {299, nil, Delivered},
		{400, nil, Permanent}, {401, nil, Permanent}, {403, nil, Permanent}, {404, nil, Permanent}, {409, nil, Permanent}, {422, nil, Permanent},
		{408, nil, Temporary}, {429, nil, Temporary}, {500, nil, Temporary}, {502, nil, Temporary}, {503, nil, Temporary},
		{301, nil, Temporary}, {0, nil, Temporary}, {0, errors.New("timeout"), Temporary}, {200, errors.New("body cut"), Temporary},
	} {
		if got := Classify(c.status, c.err); got != c.want {
			t.Errorf("Classify(%d, %v) = %v, want %v", c.status, c.err, got, c.want)
		}
	}
}

// TestWorkflow enumerates every row: each is reachable by Next, every
// state is used, and only the delivered state is final.
func TestWorkflow(t *testing.T) {
	seen := map[State]bool{}
	for _, r := range Workflow() {
		got, ok := Next(r.From, r.Op)
		if !ok || got != r {
			t.Errorf("Next(%q, %q) = %+v %v", r.From, r.Op, got, ok)
		}
		seen[r.To] = true
		if r.From != "" {
			seen[r.From] = true
		}
		if (r.Op == OpQueue || r.Op == OpRequeue) != (r.Perm != "") {
			t.Errorf("%s: perm %q", r.Op, r.Perm)
		}
	}
	for _, s := range States() {
		if !seen[s] || !s.Valid() {
			t.Errorf("state %s unused", s)
		}
	}
	for _, c := range []struct {
		from State
		op   Op
	}{{StateDelivered, OpClaim}, {StateDelivered, OpRequeue}, {StatePending, OpRequeue}, {StateRetry, OpRequeue}, {StateFailed, OpClaim}, {StatePending, OpAccepted}} {
		if _, ok := Next(c.from, c.op); ok {
			t.Errorf("%s from %s allowed", c.op, c.from)
		}
	}
	if tb := Table(); tb.Start != string(StatePending) || len(tb.Rows) != len(Workflow())-1 {
		t.Errorf("table %+v", tb)
	}
}
