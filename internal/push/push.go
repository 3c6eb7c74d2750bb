// Package push is the outbound push of smart-granary alerts to the
// provincial platform (推送省平台): the versioned payload, its HMAC
// signature, the retry schedule and the states of a push, all pure. The
// store keeps the outbox (internal/store/push.go); the app claims due pushes
// and posts them (internal/app/push.go). docs/granary-feed.md is the
// receiver's contract.
package push

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"qingfeng/internal/auth"
	"qingfeng/internal/workflow"
)

// PayloadVersion is the version of the payload this package writes ("v").
const PayloadVersion = 1

// PayloadKind names what a payload carries ("kind").
const PayloadKind = "granary_alert"

// The request headers of a push.
const (
	HeaderSignature   = "X-Qingfeng-Signature"    // "sha256=" + hex HMAC-SHA256 of timestamp + "." + body
	HeaderTimestamp   = "X-Qingfeng-Timestamp"    // Unix seconds when the request was signed
	HeaderIdempotency = "Idempotency-Key"         // the same for every attempt of one alert's push
	HeaderVersion     = "X-Qingfeng-Push-Version" // PayloadVersion
)

// Unit is the commission unit responsible for the depot.
type Unit struct {
	Name         string `json:"name"`
	DivisionCode string `json:"division_code,omitempty"`
}

// Evidence is one stored event an alert rests on, with the SHA-256 of its
// bytes as they arrived.
type Evidence struct {
	Device  string    `json:"device"`
	EventID string    `json:"event_id"`
	Kind    string    `json:"kind"`
	At      time.Time `json:"at"`
	SHA256  string    `json:"sha256"`
}

// Payload is the body of a push, schema v1 (docs/granary-feed.md).
type Payload struct {
	V           int        `json:"v"`
	Kind        string     `json:"kind"`
	Install     string     `json:"install"`
	AlertID     int64      `json:"alert_id"`
	Rule        string     `json:"rule"`
	RuleTitle   string     `json:"rule_title"`
	Level       string     `json:"level"`
	Depot       string     `json:"depot"`
	DepotName   string     `json:"depot_name"`
	Bin         string     `json:"bin,omitempty"`
	Device      string     `json:"device,omitempty"`
	Unit        Unit       `json:"unit"`
	Explanation string     `json:"explanation"`
	Evidence    []Evidence `json:"evidence"`
	At          time.Time  `json:"at"`
	OpenedAt    time.Time  `json:"opened_at"`
	QueuedAt    time.Time  `json:"queued_at"`
}

// Encode checks the required fields and returns the payload's JSON with
// v and kind filled and every time in UTC. The bytes are frozen in the
// outbox at enqueue: every attempt sends the same body.
func (p Payload) Encode() ([]byte, error) {
	p.V, p.Kind = PayloadVersion, PayloadKind
	var missing []string
	for name, empty := range map[string]bool{"install": p.Install == "", "alert_id": p.AlertID <= 0, "rule": p.Rule == "",
		"level": p.Level == "", "depot": p.Depot == "", "at": p.At.IsZero(), "opened_at": p.OpenedAt.IsZero(), "queued_at": p.QueuedAt.IsZero()} {
		if empty {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("push: payload misses %s", strings.Join(missing, ", "))
	}
	p.At, p.OpenedAt, p.QueuedAt = p.At.UTC(), p.OpenedAt.UTC(), p.QueuedAt.UTC()
	if p.Evidence == nil {
		p.Evidence = []Evidence{}
	}
	for i := range p.Evidence {
		p.Evidence[i].At = p.Evidence[i].At.UTC()
	}
	return json.Marshal(p)
}

// IdempotencyKey is the key of an alert's push, the same on every attempt
// and every retry: "qingfeng-alert-<install>-<alert id>".
func IdempotencyKey(install string, alertID int64) string {
	return "qingfeng-alert-" + install + "-" + strconv.FormatInt(alertID, 10)
}

// Sign returns the signature header value of body sent at ts:
// "sha256=" + the hex HMAC-SHA256 under secret of "<unix seconds>.<body>".
func Sign(secret []byte, ts time.Time, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac(secret, strconv.FormatInt(ts.Unix(), 10), body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// The errors of Verify.
var (
	ErrSignature = errors.New("push: bad signature")
	ErrTimestamp = errors.New("push: timestamp missing, malformed or outside the tolerance")
)

// Verify checks a received push as a receiver does: the timestamp header
// (Unix seconds) within tolerance of now, and the signature header the
// HMAC of timestamp + "." + body, compared in constant time. It is the
// reference for receivers and is used by the tests.
func Verify(secret []byte, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	if len(timestamp) == 0 || len(timestamp) > 12 {
		return ErrTimestamp
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || sec <= 0 || strconv.FormatInt(sec, 10) != timestamp {
		return ErrTimestamp
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrTimestamp
	}
	hexSig, ok := strings.CutPrefix(signature, "sha256=")
	if !ok {
		return ErrSignature
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return ErrSignature
	}
	if !hmac.Equal(got, mac(secret, timestamp, body)) {
		return ErrSignature
	}
	return nil
}

// Backoff is the retry schedule: the wait after the n-th failed attempt is
// First·Factor^(n−1), capped at Max, less a random part up to Jitter of it
// (so that pushes failing together do not retry together); after Attempts
// attempts a push fails for good (a user may retry it by hand).
type Backoff struct {
	First    time.Duration
	Factor   float64
	Max      time.Duration
	Jitter   float64 // 0..1
	Attempts int
}

// DefaultBackoff is the shipped schedule: 30 s, 1 min, 2 min, … up to 1 h,
// 10 attempts over about 4½ hours.
func DefaultBackoff() Backoff {
	return Backoff{First: 30 * time.Second, Factor: 2, Max: time.Hour, Jitter: 0.2, Attempts: 10}
}

// Check reports a schedule that cannot work.
func (b Backoff) Check() error {
	if b.First <= 0 || b.Factor < 1 || b.Max < b.First || b.Jitter < 0 || b.Jitter >= 1 || b.Attempts < 1 {
		return fmt.Errorf("push: bad backoff %+v", b)
	}
	return nil
}

// Delay is the wait after failed attempt n (1-based) for u in [0, 1), the
// caller's random draw.
func (b Backoff) Delay(n int, u float64) time.Duration {
	n = max(n, 1)
	base := float64(b.First) * math.Pow(b.Factor, float64(n-1))
	base = min(base, float64(b.Max))
	u = min(max(u, 0), 1)
	return time.Duration(base * (1 - b.Jitter*u))
}

// State is a push's state. The values are part of the API.
type State string

// The push states.
const (
	StatePending    State = "pending"    // 待推送
	StateDelivering State = "delivering" // 推送中 (a worker holds the lease)
	StateRetry      State = "retry"      // 重试中 (waiting for next_at)
	StateDelivered  State = "delivered"  // 已送达
	StateFailed     State = "failed"     // 推送失败 (rejected, or attempts used up)
)

// States lists the states in display order.
func States() []State {
	return []State{StatePending, StateDelivering, StateRetry, StateDelivered, StateFailed}
}

// Valid reports whether s is a known state.
func (s State) Valid() bool { return slices.Contains(States(), s) }

// Op is a step of a push.
type Op string

// The push steps: queue and requeue are a user's (or, for queue, the
// auto-push when an alert opens), the others the worker's.
const (
	OpQueue    Op = "queue"    // 推送省平台
	OpClaim    Op = "claim"    // a worker leases a due push and sends it
	OpAccepted Op = "accepted" // 2xx
	OpRetry    Op = "retry"    // 5xx, 408, 429, timeout, network: try again later
	OpReject   Op = "reject"   // another 4xx: the platform refuses the payload
	OpGiveUp   Op = "give_up"  // a retryable failure on the last attempt
	OpRequeue  Op = "requeue"  // 重新推送 a failed push
)

// Transition is one row of the push workflow.
type Transition struct {
	From  State
	Op    Op
	To    State
	Perm  auth.Permission // "" for the worker
	Guard string
}

// Workflow returns the push states and steps as data. From "" is a push
// that does not exist yet.
func Workflow() []Transition {
	return []Transition{
		{"", OpQueue, StatePending, auth.PermMonitorHandle, "alert in scope, not queued before; or auto-push at the configured level"},
		{StatePending, OpClaim, StateDelivering, "", "due; lease to the worker"},
		{StateRetry, OpClaim, StateDelivering, "", "next_at reached; lease to the worker"},
		{StateDelivering, OpClaim, StateDelivering, "", "lease expired (the worker died): another worker takes it"},
		{StateDelivering, OpAccepted, StateDelivered, "", "2xx; lease held"},
		{StateDelivering, OpRetry, StateRetry, "", "5xx, 408, 429, timeout or network error, attempts left; next_at by the backoff"},
		{StateDelivering, OpGiveUp, StateFailed, "", "retryable failure on the last attempt"},
		{StateDelivering, OpReject, StateFailed, "", "other 4xx; the status is recorded"},
		{StateFailed, OpRequeue, StatePending, auth.PermMonitorHandle, "alert in scope; attempts start again"},
	}
}

// Next returns the row for a step from a state (ok false: not allowed).
func Next(from State, op Op) (Transition, bool) {
	for _, t := range Workflow() {
		if t.From == from && t.Op == op {
			return t, true
		}
	}
	return Transition{}, false
}

// PermWorker names, in the docs' table, the steps no user takes: the push
// worker's (it holds no session; the store lets only the lease holder
// record them).
const PermWorker auth.Permission = "system"

// Table returns the push workflow as a workflow.Table (for the docs); the
// worker's steps name PermWorker.
func Table() workflow.Table {
	t := workflow.Table{Name: "granary_push", Title: "Alert push to the provincial platform (推送省平台)", Start: string(StatePending),
		Final: []string{string(StateDelivered)}}
	for _, r := range Workflow() {
		if r.From == "" {
			continue
		}
		perm := r.Perm
		if perm == "" {
			perm = PermWorker
		}
		t.Rows = append(t.Rows, workflow.Transition{From: string(r.From), Op: string(r.Op), To: string(r.To), Perm: perm, Guard: r.Guard})
	}
	return t
}

// Outcome is what one attempt's answer means.
type Outcome int

// The outcomes of an attempt.
const (
	Delivered Outcome = iota // 2xx
	Temporary                // try again
	Permanent                // the platform refuses this payload
)

// Classify turns an attempt's HTTP status (0 when no answer came) and
// transport error into its outcome: 2xx delivered; 408, 429 and every
// other status, a timeout or a network error temporary; other 4xx
// permanent. A 3xx is not followed: it is temporary (a misconfigured URL
// shows in the last error and the operator fixes it).
func Classify(status int, err error) Outcome {
	switch {
	case err != nil || status == 0:
		return Temporary
	case status >= 200 && status < 300:
		return Delivered
	case status == 408 || status == 429:
		return Temporary
	case status >= 400 && status < 500:
		return Permanent
	}
	return Temporary
}

// After returns the step a worker records after attempt n (1-based) ended
// with outcome o, and, for a retry, how long to wait (u is the random
// draw for the jitter).
func (b Backoff) After(n int, o Outcome, u float64) (Op, time.Duration) {
	switch o {
	case Delivered:
		return OpAccepted, 0
	case Permanent:
		return OpReject, 0
	}
	if n >= b.Attempts {
		return OpGiveUp, 0
	}
	return OpRetry, b.Delay(n, u)
}
