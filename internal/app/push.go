package app

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/monitor"
	"qingfeng/internal/push"
	"qingfeng/internal/store"
)

// This file pushes smart-granary alerts to the provincial platform (推送省
// 平台) through a configured outbound webhook: a user pushes an alert (or
// the auto-push queues every alert at or above a level in the transaction
// that opens it), the payload is frozen in the outbox, and a worker posts
// it, signed, under one idempotency key, retrying with backoff until the
// platform answers 2xx or refuses it; nothing is lost across restarts
// because the outbox is the database.

// PushConfig is the outbound push's configuration; the serve command fills
// it from its flags.
type PushConfig struct {
	URL       string        // the platform's webhook, http(s)
	Secret    []byte        // the HMAC key shared with the platform; never logged
	AutoLevel monitor.Level // push every new alert at or above it; "" = manual only
	Timeout   time.Duration // per attempt; zero: 10 s
	// Client posts the pushes; nil: a client that does not follow
	// redirects (a 3xx is then retried and shows as the last error).
	Client   *http.Client
	Backoff  push.Backoff  // zero: push.DefaultBackoff()
	Lease    time.Duration // how long a claimed push is a worker's; zero: 2×Timeout + 30 s
	Batch    int           // pushes claimed at a time; zero: 20
	Interval time.Duration // RunPushes' poll period; zero: 10 s
}

// pusher is the configured push with this installation's id and this
// process's worker name.
type pusher struct {
	cfg     PushConfig
	install string
	owner   string
	wake    chan struct{} // a push was queued: RunPushes need not wait for its tick
}

// ConfigurePush checks c, fills its defaults and turns the push on (call
// it once, before serving). Errors: a plain error naming the bad setting.
func (a *App) ConfigurePush(ctx context.Context, c PushConfig) error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("push URL must be an http(s) URL such as https://platform.example.gov.cn/hook")
	}
	if len(c.Secret) < 16 {
		return errors.New("push secret must be at least 16 bytes")
	}
	if c.AutoLevel != "" && !slices.Contains(monitor.Levels(), c.AutoLevel) {
		return fmt.Errorf("push auto level %q: want notice, warning, serious or empty", c.AutoLevel)
	}
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Timeout < 0 || c.Timeout > 5*time.Minute {
		return errors.New("push timeout must be between 0 and 5m")
	}
	if c.Backoff == (push.Backoff{}) {
		c.Backoff = push.DefaultBackoff()
	}
	if err := c.Backoff.Check(); err != nil {
		return err
	}
	if c.Lease == 0 {
		c.Lease = 2*c.Timeout + 30*time.Second
	}
	if c.Lease <= c.Timeout {
		return errors.New("push lease must be longer than the timeout")
	}
	if c.Batch <= 0 {
		c.Batch = 20
	}
	if c.Interval <= 0 {
		c.Interval = 10 * time.Second
	}
	if c.Client == nil {
		c.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	cand, err := a.randomHex(8)
	if err != nil {
		return err
	}
	install, err := a.Store.InstallID(ctx, cand)
	if err != nil {
		return err
	}
	owner, err := a.randomHex(8)
	if err != nil {
		return err
	}
	a.push = &pusher{cfg: c, install: install, owner: "worker-" + owner, wake: make(chan struct{}, 1)}
	return nil
}

// nudgePush wakes this process's RunPushes after a push was committed
// (it would find it on its next tick anyway).
func (a *App) nudgePush() {
	if a.push == nil {
		return
	}
	select {
	case a.push.wake <- struct{}{}:
	default:
	}
}

// PushOn reports whether the push is configured.
func (a *App) PushOn() bool { return a.push != nil }

func (a *App) randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(a.Rand, b); err != nil {
		return "", fmt.Errorf("app: random: %w", err)
	}
	return fmt.Sprintf("%x", b), nil
}

// levelAtLeast reports whether l is min or above in monitor.Levels().
func levelAtLeast(l, min monitor.Level) bool {
	return slices.Index(monitor.Levels(), l) >= slices.Index(monitor.Levels(), min) && slices.Contains(monitor.Levels(), l)
}

// newPush makes an alert's outbox row: its key and frozen payload.
func (a *App) newPush(pa store.PushAlert) (store.NewPush, error) {
	now := a.Now()
	al := pa.Alert
	ev := make([]push.Evidence, 0, len(al.Evidence))
	for _, e := range al.Evidence {
		ev = append(ev, push.Evidence{Device: e.Device, EventID: e.EventID, Kind: e.Kind, At: e.At, SHA256: e.SHA256})
	}
	body, err := push.Payload{Install: a.push.install, AlertID: al.ID, Rule: al.Rule, RuleTitle: ruleTitle(al.Rule), Level: string(al.Level),
		Depot: pa.DepotCode, DepotName: pa.DepotName, Bin: pa.BinCode, Device: pa.DeviceCode,
		Unit:        push.Unit{Name: pa.UnitName, DivisionCode: pa.DivisionCode},
		Explanation: al.Explanation, Evidence: ev, At: al.At, OpenedAt: al.OpenedAt, QueuedAt: now}.Encode()
	if err != nil {
		return store.NewPush{}, err
	}
	return store.NewPush{Key: push.IdempotencyKey(a.push.install, al.ID), Payload: body, NextAt: now}, nil
}

// autoPush is the hook that queues an opened alert's push when the
// auto-push is on and the alert's level reaches it (nil: off).
func (a *App) autoPush() store.AlertHook {
	if a.push == nil || a.push.cfg.AutoLevel == "" {
		return nil
	}
	return func(pa store.PushAlert) (*store.NewPush, error) {
		if !levelAtLeast(pa.Alert.Level, a.push.cfg.AutoLevel) {
			return nil, nil
		}
		n, err := a.newPush(pa)
		return &n, err
	}
}

// pushableAlert returns an alert in the caller's monitor.handle scope when
// the push is configured. Errors: forbidden, not_found, conflict
// "push.not_configured".
func (a *App) pushableAlert(ctx context.Context, p auth.Principal, id int64) (store.GranaryAlert, error) {
	if err := need(p, auth.PermMonitorHandle); err != nil {
		return store.GranaryAlert{}, err
	}
	al, err := a.Store.GetGranaryAlert(ctx, id)
	if err != nil {
		return al, err
	}
	if err := inScope(p, auth.PermMonitorHandle, al.UnitPath, "page"); err != nil {
		return al, err
	}
	if a.push == nil {
		return al, apperr.New(apperr.Conflict, "push.not_configured")
	}
	return al, nil
}

// PushAlert queues an alert in the caller's monitor.handle scope for the
// provincial platform (推送省平台), audited; the worker delivers it.
// Errors: forbidden, not_found, conflict ("push.not_configured",
// "push.already_queued": queued or delivered before; a failed push is
// retried with RetryPush).
func (a *App) PushAlert(ctx context.Context, p auth.Principal, id int64) (store.Push, error) {
	if _, err := a.pushableAlert(ctx, p, id); err != nil {
		return store.Push{}, err
	}
	out, err := a.Store.QueuePush(ctx, actor(p), id, a.newPush)
	if err == nil {
		a.nudgePush()
	}
	return out, err
}

// RetryPush puts an alert's failed push back in the queue (重新推送) with
// the same payload and idempotency key, audited. Errors: forbidden,
// not_found (the alert, or it was never pushed), conflict
// ("push.not_configured", "push.not_failed").
func (a *App) RetryPush(ctx context.Context, p auth.Principal, id int64) (store.Push, error) {
	if _, err := a.pushableAlert(ctx, p, id); err != nil {
		return store.Push{}, err
	}
	out, err := a.Store.RequeuePush(ctx, actor(p), id)
	if err == nil {
		a.nudgePush()
	}
	return out, err
}

// AlertPushes lists the pushes of the alerts in the caller's monitor.read
// scope (state "" for all), newest first. Errors: forbidden, invalid
// (field state).
func (a *App) AlertPushes(ctx context.Context, p auth.Principal, state push.State, limit int) ([]store.Push, error) {
	if err := need(p, auth.PermMonitorRead); err != nil {
		return nil, err
	}
	if state != "" && !state.Valid() {
		return nil, apperr.InvalidField("state", "push.invalid_state")
	}
	return a.Store.ListPushes(ctx, p.ScopeFor(auth.PermMonitorRead), state, max(1, min(limit, 500)))
}

// withPushes fills the alerts' pushes.
func (a *App) withPushes(ctx context.Context, als []store.GranaryAlert) ([]store.GranaryAlert, error) {
	ids := make([]int64, len(als))
	for i, al := range als {
		ids[i] = al.ID
	}
	ps, err := a.Store.PushesOfAlerts(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range als {
		if p, ok := ps[als[i].ID]; ok {
			als[i].Push = &p
		}
	}
	return als, nil
}

// withPush fills an alert's push (the result of a store call that
// returned it).
func (a *App) withPush(ctx context.Context, al store.GranaryAlert, err error) (store.GranaryAlert, error) {
	if err != nil {
		return al, err
	}
	p, err := a.Store.GetPush(ctx, al.ID)
	switch {
	case err == nil:
		al.Push = &p
	case !apperr.Is(err, apperr.NotFound):
		return al, err
	}
	return al, nil
}

// DeliverPushes claims due pushes one by one (up to PushConfig.Batch) and
// posts each once; the worker calls it in a loop. It returns how many were
// delivered. The platform's
// answers are recorded on each push (and retried by the backoff), not
// returned; errors: internal (the store).
func (a *App) DeliverPushes(ctx context.Context) (int, error) {
	if a.push == nil {
		return 0, nil
	}
	c := a.push.cfg
	delivered := 0
	// One push per claim: each lease covers one attempt (Lease > Timeout),
	// so a slow platform never lets a lease run out before its push is
	// sent, which would let another instance send it at the same time.
	for range c.Batch {
		claimed, err := a.Store.ClaimPushes(ctx, a.push.owner, c.Lease, 1)
		if err != nil || len(claimed) == 0 {
			return delivered, err
		}
		p := claimed[0]
		status, detail, sendErr := a.sendPush(ctx, p)
		u, err := a.unit()
		if err != nil {
			return delivered, err
		}
		op, wait := c.Backoff.After(p.Attempts, push.Classify(status, sendErr), u)
		r := store.PushResult{Op: op, Status: status, NextAt: a.Now().Add(wait)}
		switch {
		case sendErr != nil:
			r.Error = sendErr.Error()
		case op != push.OpAccepted:
			r.Error = strings.TrimSpace("HTTP " + strconv.Itoa(status) + " " + detail)
		}
		ok, err := a.Store.FinishPush(ctx, p, r)
		if err != nil {
			return delivered, err
		}
		if ok && op == push.OpAccepted {
			delivered++
		}
	}
	return delivered, nil
}

// unit draws a number in [0, 1) for the backoff's jitter.
func (a *App) unit() (float64, error) {
	var b [8]byte
	if _, err := io.ReadFull(a.Rand, b[:]); err != nil {
		return 0, fmt.Errorf("app: random: %w", err)
	}
	return float64(binary.BigEndian.Uint64(b[:])>>11) / (1 << 53), nil
}

// sendPush posts a claimed push once and returns the answer's status (0:
// none), the start of its body, and the transport error (without the URL,
// which may carry a token).
func (a *App) sendPush(ctx context.Context, p store.Push) (int, string, error) {
	c := a.push.cfg
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(p.Payload))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "qingfeng-push/1")
	req.Header.Set(push.HeaderIdempotency, p.Key)
	req.Header.Set(push.HeaderVersion, strconv.Itoa(push.PayloadVersion))
	now := a.Now()
	req.Header.Set(push.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(push.HeaderSignature, push.Sign(c.Secret, now, p.Payload))
	resp, err := c.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("timeout after %s", c.Timeout)
		}
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	return resp.StatusCode, strings.ToValidUTF8(string(b), ""), nil
}

// RunPushes delivers due pushes every PushConfig.Interval (at once again
// after a full batch, or when this process queued a push) until ctx ends;
// the serve command runs it when the push is configured.
func (a *App) RunPushes(ctx context.Context, log *slog.Logger) {
	if a.push == nil {
		return
	}
	t := time.NewTicker(a.push.cfg.Interval)
	defer t.Stop()
	for {
		n, err := a.DeliverPushes(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("granary push", "err", err)
		case n > 0:
			log.Info("granary alerts pushed", "n", n)
		}
		if err == nil && n >= a.push.cfg.Batch {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-a.push.wake:
		}
	}
}
