//go:build e2e

package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestE2EGranary follows the smart granary on a 360 px phone: the
// administrator registers a depot, a bin, a weighbridge and a gateway
// through the registry forms and copies the gateway's secret from the page
// that shows it once; the gateway posts a signed night movement without a
// ticket (an alert) and a malformed payload (a dead letter); the leader
// reads the alert's explanation and turns it into a clue on its form.
func TestE2EGranary(t *testing.T) {
	bctx := browser(t)
	data := t.TempDir()
	srv := startServe(t, data, "")
	base, pw := srv.base, srv.password
	mobile := chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile)
	var secret string

	journey(t, bctx, "administrator registers the depot", 60*time.Second, func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open sign-in", mobile, chromedp.Navigate(base+"/login"))
		signIn(t, ctx, "yd_admin", pw)
		do(t, ctx, "open the registry", chromedp.Navigate(base+"/monitor/registry"), chromedp.WaitVisible(chromedp.CSS("#depots")))
		register := func(what string, fill func()) {
			t.Helper()
			form := `form[action="/monitor/registry/` + what + `"]`
			do(t, ctx, "open the "+what+" form", chromedp.Click(chromedp.JSPath(`document.querySelector('`+form+`').closest('details').querySelector('summary')`)),
				chromedp.WaitVisible(chromedp.CSS(form+` input[name="code"]`)))
			fill()
			// The second device is registered from the page the first one
			// returned to (#devices with its flash): wait for a new page.
			submitAndWait(t, ctx, what+" registered", `document.querySelector('.flash') && !document.querySelector('.flash.error') && location.hash === "#`+what+`s"`,
				chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
		}
		register("depot", func() {
			do(t, ctx, "fill the depot", chromedp.SendKeys(chromedp.CSS("#depot_code"), "D1"), chromedp.SendKeys(chromedp.CSS("#depot_name"), "天门山粮库"))
			choose(t, ctx, "#depot_unit", "天门山镇纪委")
		})
		register("bin", func() {
			choose(t, ctx, "#bin_depot", "D1 天门山粮库")
			do(t, ctx, "fill the bin", chromedp.SendKeys(chromedp.CSS("#bin_code"), "P03"), chromedp.SendKeys(chromedp.CSS("#bin_capacity"), "5000000"),
				chromedp.SendKeys(chromedp.CSS("#bin_book"), "1000000"))
			choose(t, ctx, "#bin_grain", "小麦")
		})
		register("device", func() {
			choose(t, ctx, "#device_depot", "D1 天门山粮库")
			choose(t, ctx, "#device_bin", "D1 / P03")
			choose(t, ctx, "#device_kind", "地磅")
			do(t, ctx, "fill the weighbridge", chromedp.SendKeys(chromedp.CSS("#device_code"), "S01"))
		})
		register("device", func() {
			choose(t, ctx, "#device_depot", "D1 天门山粮库")
			choose(t, ctx, "#device_kind", "库区网关")
			do(t, ctx, "fill the gateway", chromedp.SendKeys(chromedp.CSS("#device_code"), "GW1"))
		})
		noSideScroll(t, ctx, "the registry")
		shot(t, ctx, "granary-registry")
		do(t, ctx, "issue the gateway's secret", chromedp.Click(byText(`#devices ~ .table-wrap button`, "签发密钥")))
		waitJS(t, ctx, "the secret page", `document.querySelector('#gateway-secret')`)
		secret = strings.TrimSpace(eval[string](t, ctx, `document.querySelector('#gateway-secret').textContent`))
		if len(secret) != 64 || eval[string](t, ctx, `document.querySelector('#gateway-id').textContent`) != "D1/GW1" {
			t.Fatalf("secret page: %q", bodyText(t, ctx))
		}
	})
	if secret == "" {
		t.Fatal("no gateway secret")
	}

	// The gateway posts: a movement out at 02:00 China time (outside working
	// hours, no ticket, no rotation plan) and a payload of version 9.
	key, _ := hex.DecodeString(secret)
	post := func(body string) string {
		t.Helper()
		m := hmac.New(sha256.New, key)
		m.Write([]byte(body))
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/granary/events", bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Gateway-Id", "D1/GW1")
		req.Header.Set("X-Signature", hex.EncodeToString(m.Sum(nil)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("post %s: %d %s", body, resp.StatusCode, b)
		}
		return string(b)
	}
	cst := time.FixedZone("CST", 8*3600)
	now := time.Now().In(cst)
	night := time.Date(now.Year(), now.Month(), now.Day(), 2, 0, 0, 0, cst)
	if night.After(now) {
		night = night.AddDate(0, 0, -1)
	}
	got := post(fmt.Sprintf(`{"v":1,"id":"m1","device":"S01","depot":"D1","bin":"P03","kind":"movement","at":%q,"movement":{"direction":"out","weight":25,"unit":"t","plate":"湘G12345"}}`,
		night.Format(time.RFC3339)))
	if !strings.Contains(got, `"stored"`) || !strings.Contains(got, `"alerts":1`) {
		t.Fatalf("movement: %s", got)
	}
	if got := post(`{"v":9,"id":"x"}`); !strings.Contains(got, `"rejected"`) {
		t.Fatalf("malformed: %s", got)
	}

	journey(t, bctx, "leader turns the alert into a clue", 60*time.Second, func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open sign-in", mobile, chromedp.Navigate(base+"/login"))
		signIn(t, ctx, "yd_leader", pw)
		do(t, ctx, "open the granary", chromedp.Navigate(base+"/monitor"), chromedp.WaitVisible(chromedp.CSS(".page-title")))
		text := bodyText(t, ctx)
		for _, want := range []string{"疑似擅自动用", "没有出入库单据", "m1", "975000"} {
			if !strings.Contains(text, want) {
				t.Errorf("the granary page lacks %q", want)
			}
		}
		noSideScroll(t, ctx, "the granary page")
		shot(t, ctx, "granary-alert")
		// The demo's sample depot has alerts of its own: take the card of m1.
		do(t, ctx, "open the clue form", chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll('section.card')].find(c => [...c.querySelectorAll('td')].some(td => td.textContent.trim() === 'm1')).querySelector('a[href$="/clue"]')`)))
		waitJS(t, ctx, "the clue form", `document.querySelector('#subject_name')`)
		do(t, ctx, "fill the subject", chromedp.SendKeys(chromedp.CSS("#subject_name"), "王五"), chromedp.SendKeys(chromedp.CSS("#subject_post"), "保管员"))
		chooseFirst(t, ctx, "#subject_level")
		chooseFirst(t, ctx, "#category")
		noSideScroll(t, ctx, "the clue form")
		do(t, ctx, "register the clue", chromedp.Click(chromedp.CSS(`form[action$="/clue"] button[type="submit"]`)))
		waitPath(t, ctx, "/clues/")
		if text := bodyText(t, ctx); !strings.Contains(text, "智慧粮库预警") || !strings.Contains(text, "王五") || !strings.Contains(text, "m1") {
			t.Errorf("the clue page: %.600s", text)
		}
		shot(t, ctx, "granary-clue")
		do(t, ctx, "back to the granary", chromedp.Navigate(base+"/monitor"), chromedp.WaitVisible(chromedp.CSS(".page-title")))
		if eval[bool](t, ctx, `[...document.querySelectorAll('section.card td')].some(td => td.textContent.trim() === 'm1')`) {
			t.Error("the alert turned into a clue is still listed as open")
		}
	})

	journey(t, bctx, "administrator reads the dead letter", 30*time.Second, func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open sign-in", mobile, chromedp.Navigate(base+"/login"))
		signIn(t, ctx, "yd_admin", pw)
		do(t, ctx, "open the granary", chromedp.Navigate(base+"/monitor"), chromedp.WaitVisible(chromedp.CSS(".page-title")))
		if text := bodyText(t, ctx); !strings.Contains(text, "死信") || !strings.Contains(text, "version") {
			t.Errorf("dead letters: %.800s", text)
		}
	})
}
