package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// TestMonitorPush: on the granary page the leader pushes an alert to the
// provincial platform, sees it queued, failed (the platform answers 400)
// with the status, pushes it again and sees it delivered with the time.
func TestMonitorPush(t *testing.T) {
	now := time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)
	clock := testdb.NewClock(now)
	testdb.Each(t, clock.Now, func(t *testing.T, st *store.Store) {
		f := newStatsFixture(t, st, clock)
		ctx := context.Background()
		_, id := f.nightAlert(now)
		if _, body := f.get("yd_leader", "/monitor"); strings.Contains(body, "推送省平台") {
			t.Fatalf("push button without a configured platform")
		}

		var mu sync.Mutex
		codes := []int{http.StatusBadRequest, http.StatusOK}
		platform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			mu.Lock()
			code := codes[0]
			codes = codes[1:]
			mu.Unlock()
			w.WriteHeader(code)
		}))
		defer platform.Close()
		if err := f.a.ConfigurePush(ctx, app.PushConfig{URL: platform.URL, Secret: []byte("0123456789abcdef"), Client: platform.Client()}); err != nil {
			t.Fatal(err)
		}
		page := func(want ...string) {
			t.Helper()
			code, body := f.get("yd_leader", "/monitor")
			for _, w := range want {
				if code != http.StatusOK || !strings.Contains(body, w) {
					t.Fatalf("page %d lacks %q:\n%s", code, w, body)
				}
			}
		}
		page("推送省平台")
		push := fmt.Sprintf("/monitor/alerts/%d/push", id)
		if code, loc, _ := f.post("yd_leader", push, url.Values{}); code != http.StatusSeeOther || loc != "/monitor" {
			t.Fatalf("push %d %q", code, loc)
		}
		page("待推送")
		if _, err := f.a.DeliverPushes(ctx); err != nil {
			t.Fatal(err)
		}
		page("推送失败", "HTTP 400", "重新推送", push+"/retry")
		if code, _, _ := f.post("yd_leader", push+"/retry", url.Values{}); code != http.StatusSeeOther {
			t.Fatalf("retry %d", code)
		}
		page("待推送")
		if n, err := f.a.DeliverPushes(ctx); err != nil || n != 1 {
			t.Fatalf("delivered %d %v", n, err)
		}
		page("已送达", "送达时间 2026-06-15 10:00")
		// Pushing twice is refused with the reason.
		if code, _, _ := f.post("yd_leader", push, url.Values{}); code == http.StatusSeeOther {
			t.Fatalf("second push accepted")
		}
	})
}
