package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"qingfeng/internal/push"
)

// TestServePushesAlerts runs the real serve with --push-url against a
// local platform (answering 202): a signed feed event opens a serious
// alert, the auto-push queues it with the alert, and the worker delivers
// it at once, signed, under the alert's key; the push state shows on the
// alert and in the list, and pushing again is refused. (Retries with the
// backoff are in internal/app's TestPushRetriesThenDelivers, on a fake
// clock.)
func TestServePushesAlerts(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testServePushesAlerts(t, "") })
	t.Run("postgres", func(t *testing.T) { testServePushesAlerts(t, postgresDSN(t)) })
}

func testServePushesAlerts(t *testing.T, db string) {
	const secret = "shared-secret-with-the-province-42"
	var mu sync.Mutex
	type hit struct {
		key, sigErr, body string
	}
	var hits []hit
	platform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h := hit{key: r.Header.Get(push.HeaderIdempotency), body: string(b)}
		if err := push.Verify([]byte(secret), r.Header.Get(push.HeaderTimestamp), r.Header.Get(push.HeaderSignature), b, time.Now(), 5*time.Minute); err != nil {
			h.sigErr = err.Error()
		}
		mu.Lock()
		hits = append(hits, h)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer platform.Close()
	secretFile := filepath.Join(t.TempDir(), "push.secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	extra := []string{"--push-url", platform.URL + "/alerts?token=t0k3n", "--push-secret-file", secretFile, "--push-auto-level", "serious"}
	if db != "" {
		extra = append(extra, "--db", db)
	}
	srv := startServeWith(t, data, extra...)
	base := srv.base
	admin, leader := createToken(t, data, db, "yd_admin"), createToken(t, data, db, "yd_leader")

	tms := findUnit(t, base, leader, "天门山镇", "township", "天门山镇纪委")
	var depot, bin, dev struct {
		ID int64 `json:"id"`
	}
	postJSON(t, base, "/api/v1/granary/depots", admin, map[string]any{"code": "D-TMS", "name": "天门山粮库", "unit_id": tms.ID}, http.StatusCreated, &depot)
	postJSON(t, base, "/api/v1/granary/bins", admin, map[string]any{"depot_id": depot.ID, "code": "P01", "capacity_kg": 5_000_000,
		"grain_kind": "paddy", "book_kg": 1_000_000}, http.StatusCreated, &bin)
	postJSON(t, base, "/api/v1/granary/devices", admin, map[string]any{"depot_id": depot.ID, "bin_id": bin.ID, "code": "S01", "kind": "scale"},
		http.StatusCreated, &dev)
	var gw struct {
		Secret string `json:"secret"`
	}
	postJSON(t, base, fmt.Sprintf("/api/v1/granary/devices/%d/secret", dev.ID), admin, nil, http.StatusCreated, &gw)

	// An inbound movement no rotation plan covers: a serious alert.
	body := fmt.Appendf(nil, `{"v":1,"id":"S01-0001","device":"S01","depot":"D-TMS","bin":"P01","kind":"movement","at":%q,
		"movement":{"direction":"in","weight":12.5,"unit":"t","ticket":"RK-1"}}`, time.Now().Format(time.RFC3339))
	key, _ := hex.DecodeString(gw.Secret)
	m := hmac.New(sha256.New, key)
	m.Write(body)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/granary/events", bytes.NewReader(body))
	req.Header.Set("X-Gateway-Id", "D-TMS/S01")
	req.Header.Set("X-Signature", hex.EncodeToString(m.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	ans, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(ans), `"alerts":1`) {
		t.Fatalf("event: %d %s", resp.StatusCode, ans)
	}

	type pushJSON struct {
		AlertID    int64  `json:"alert_id"`
		Key        string `json:"idempotency_key"`
		State      string `json:"state"`
		Auto       bool   `json:"auto"`
		Attempts   int    `json:"attempts"`
		LastStatus int    `json:"last_status"`
	}
	var list struct {
		Items []pushJSON `json:"items"`
	}
	// The demo's own sample alerts are auto-pushed too: follow the one the
	// event opened (the newest).
	var alerts struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	getJSON(t, base, "/api/v1/granary/alerts", leader, &alerts)
	if len(alerts.Items) == 0 {
		t.Fatal("no alert listed")
	}
	newest := alerts.Items[0].ID
	deadline := time.Now().Add(20 * time.Second)
	for {
		getJSON(t, base, "/api/v1/granary/pushes?state=delivered", leader, &list)
		if i := slices.IndexFunc(list.Items, func(p pushJSON) bool { return p.AlertID == newest }); i >= 0 {
			list.Items = list.Items[i : i+1]
			break
		}
		if time.Now().After(deadline) {
			var all struct {
				Items []pushJSON `json:"items"`
			}
			getJSON(t, base, "/api/v1/granary/pushes", leader, &all)
			t.Fatalf("not delivered within 20 s: %+v\n%s", all.Items, srv.stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
	p := list.Items[0]
	if !p.Auto || p.Attempts != 1 || p.LastStatus != http.StatusAccepted || !strings.HasSuffix(p.Key, "-"+strconv.FormatInt(p.AlertID, 10)) {
		t.Fatalf("push %+v", p)
	}
	mu.Lock()
	var got []hit
	for _, h := range hits {
		if h.key == p.Key {
			got = append(got, h)
		}
	}
	mu.Unlock()
	if len(got) != 1 || got[0].sigErr != "" || !strings.Contains(got[0].body, `"depot":"D-TMS"`) {
		t.Fatalf("platform received %+v", got)
	}
	var pushed struct {
		Items []struct {
			ID   int64     `json:"id"`
			Push *pushJSON `json:"push"`
		} `json:"items"`
	}
	getJSON(t, base, "/api/v1/granary/alerts", leader, &pushed)
	if len(pushed.Items) == 0 || pushed.Items[0].ID != newest || pushed.Items[0].Push == nil || pushed.Items[0].Push.State != "delivered" {
		t.Fatalf("alerts %+v", pushed.Items)
	}
	path := fmt.Sprintf("/api/v1/granary/alerts/%d/push", p.AlertID)
	postError(t, base, path, leader, nil, http.StatusConflict, "conflict", "")
	postError(t, base, path+"/retry", leader, nil, http.StatusConflict, "conflict", "")
	postError(t, base, path, admin, nil, http.StatusForbidden, "forbidden", "")

	if err := srv.stop(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		t.Fatal(err)
	}
	log := srv.stderr.String()
	if !strings.Contains(log, "granary push on") || strings.Contains(log, secret) || strings.Contains(log, "t0k3n") {
		t.Fatalf("log:\n%s", log)
	}
}

// TestServePushFlags: bad push settings are usage errors before anything
// is served.
func TestServePushFlags(t *testing.T) {
	data := t.TempDir()
	short := filepath.Join(t.TempDir(), "short")
	if err := os.WriteFile(short, []byte("abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(t.TempDir(), "good")
	if err := os.WriteFile(good, []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--push-secret-file", good}, "need --push-url"},
		{[]string{"--push-auto-level", "serious"}, "need --push-url"},
		{[]string{"--push-url", "https://p.example/hook"}, "needs --push-secret-file"},
		{[]string{"--push-url", "https://p.example/hook", "--push-secret-file", "/nonexistent"}, "--push-secret-file"},
		{[]string{"--push-url", "p.example/hook", "--push-secret-file", good}, "http(s) URL"},
		{[]string{"--push-url", "https://p.example/hook", "--push-secret-file", short}, "at least 16 bytes"},
		{[]string{"--push-url", "https://p.example/hook", "--push-secret-file", good, "--push-auto-level", "urgent"}, "auto level"},
		{[]string{"--push-url", "https://p.example/hook", "--push-secret-file", good, "--push-timeout", "1h"}, "timeout"},
	} {
		r := runCLI(t, "", append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, c.args...)...)
		var u usageError
		if !errors.As(r.err, &u) || !strings.Contains(r.err.Error(), c.want) {
			t.Errorf("serve %q: %v, want a usage error with %q", c.args, r.err, c.want)
		}
	}
}
