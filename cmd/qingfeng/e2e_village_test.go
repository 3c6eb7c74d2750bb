//go:build e2e

package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// setOffline cuts (or restores) the page's network: requests fail and
// navigator.onLine follows, so the page sees the "online" event on return.
func setOffline(t *testing.T, ctx context.Context, off bool) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("network enable: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}}}); err != nil {
		t.Fatalf("network conditions: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off,
		DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
		t.Fatalf("network state: %v", err)
	}
}

// waitLong polls a JavaScript expression for up to d (the offline queue
// retries on the "online" event and every 20 seconds).
func waitLong(t *testing.T, ctx context.Context, what, expr string, d time.Duration) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(100*time.Millisecond),
		chromedp.WithPollingTimeout(d))); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// evalAsync evaluates an expression that yields a promise.
func evalAsync[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// TestE2EVillage: on a 360 px phone the demo village member fills a visit
// with the network cut; it is queued on the phone, sent once when the
// network is back, and sent again after a lost acknowledgement without
// being counted twice; then a demand is turned into a report.
func TestE2EVillage(t *testing.T) {
	bctx := browser(t)
	data := t.TempDir()
	srv := startServe(t, data, "")
	base, pw := srv.base, srv.password

	journey(t, bctx, "offline visit", 90*time.Second, func(t *testing.T, ctx context.Context) {
		do(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile))
		do(t, ctx, "open sign-in", chromedp.Navigate(base+"/login"))
		signIn(t, ctx, "yd_village", pw)
		do(t, ctx, "open the village page", chromedp.Navigate(base+"/village"))
		waitPath(t, ctx, "/village")
		if w := eval[int](t, ctx, `window.innerWidth`); w != 360 {
			t.Errorf("viewport width %d, want 360", w)
		}
		noSideScroll(t, ctx, "/village")
		visits := `fetch('/api/v1/village-logs?kind=visit&mine=1&limit=500', {credentials: 'same-origin'}).then(r => r.json())`
		before := evalAsync[int](t, ctx, visits+`.then(j => j.total)`)

		do(t, ctx, "open the visit form", chromedp.Click(chromedp.CSS(`a[href="/village/new?kind=visit"]`)))
		waitPath(t, ctx, "/village/new?kind=visit")
		noSideScroll(t, ctx, "the visit form")
		cid := eval[string](t, ctx, `document.querySelector('#village-form input[name=client_id]').value`)
		if len(cid) != 36 {
			t.Fatalf("client id %q", cid)
		}

		setOffline(t, ctx, true)
		waitJS(t, ctx, "navigator offline", `navigator.onLine === false`)
		do(t, ctx, "fill the visit",
			chromedp.SendKeys(chromedp.CSS("#people"), "5"),
			chromedp.SendKeys(chromedp.CSS("#place"), "大坪村四组"),
			chromedp.SendKeys(chromedp.CSS("#summary"), "离线走访：了解五保户冬季取暖情况"),
			chromedp.Click(chromedp.CSS("#village-submit")))
		item := `document.querySelector('#village-queue-list li[data-client-id="` + cid + `"]')`
		waitJS(t, ctx, "the visit queued", item+` && `+item+`.dataset.state === 'queued'`)
		if s := eval[string](t, ctx, `document.querySelector('#village-status').textContent`); !strings.Contains(s, "联网后自动发送") {
			t.Errorf("status %q", s)
		}
		if next := eval[string](t, ctx, `document.querySelector('#village-form input[name=client_id]').value`); next == cid || len(next) != 36 {
			t.Errorf("the next form's client id %q (was %q)", next, cid)
		}
		shot(t, ctx, "village-queued-360")

		setOffline(t, ctx, false)
		waitLong(t, ctx, "the visit sent", item+` && `+item+`.dataset.state === 'sent'`, 30*time.Second)
		shot(t, ctx, "village-sent-360")
		count := visits + `.then(j => j.items.filter(e => e.client_id === '` + cid + `').length)`
		if n := evalAsync[int](t, ctx, count); n != 1 {
			t.Fatalf("%d entries with the client id, want 1", n)
		}

		// The acknowledgement was lost: the phone sends the same entry again.
		eval[bool](t, ctx, `(() => {
			const key = 'qf.village.queue.' + document.querySelector('#village-queue').dataset.user;
			const q = JSON.parse(localStorage.getItem(key));
			q.forEach(e => { if (e.body.client_id === '`+cid+`') e.state = 'queued'; });
			localStorage.setItem(key, JSON.stringify(q));
			return true; })()`)
		do(t, ctx, "reload", chromedp.Reload())
		waitLong(t, ctx, "the visit sent again", item+` && `+item+`.dataset.state === 'sent'`, 30*time.Second)
		if n := evalAsync[int](t, ctx, count); n != 1 {
			t.Fatalf("after a resend: %d entries with the client id, want 1", n)
		}
		if after := evalAsync[int](t, ctx, visits+`.then(j => j.total)`); after != before+1 {
			t.Errorf("visits %d, want %d", after, before+1)
		}
	})

	journey(t, bctx, "demand to report", 40*time.Second, func(t *testing.T, ctx context.Context) {
		do(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile))
		do(t, ctx, "open sign-in", chromedp.Navigate(base+"/login"))
		signIn(t, ctx, "yd_village", pw)
		do(t, ctx, "open the village page", chromedp.Navigate(base+"/village"))
		waitPath(t, ctx, "/village")
		do(t, ctx, "open the demand", chromedp.Click(byText(".village-list a", "危房改造")))
		waitJS(t, ctx, "the report action", `document.querySelector('#village-to-report')`)
		noSideScroll(t, ctx, "the demand")
		do(t, ctx, "turn it into a report", chromedp.SendKeys(chromedp.CSS("#subject_post"), "村干部"),
			chromedp.Click(chromedp.CSS("#village-to-report")))
		waitJS(t, ctx, "the report number", `document.querySelector('#village-report-number')`)
		if num := eval[string](t, ctx, `document.querySelector('#village-report-number').textContent.trim()`); !strings.Contains(num, "〔") {
			t.Errorf("report number %q", num)
		}
		shot(t, ctx, "village-reported-360")
	})
}
