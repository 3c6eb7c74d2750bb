//go:build e2e

package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// emulateMedia makes the page render as for media ("print"; "" ends it).
func emulateMedia(media string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
		return err
	})
}

// TestE2EPublicStats opens the public statistics page on a 360 px phone
// from the portal home, changes the month, and prints the monthly report
// of the county (print media emulated).
func TestE2EPublicStats(t *testing.T) {
	bctx := browser(t)
	srv := startServeWith(t, t.TempDir(), "--pow-bits", "8")
	base, pw := srv.base, srv.password
	mobile := chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile)

	journey(t, bctx, "public statistics on a phone", 20*time.Second, func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open /report", mobile, chromedp.Navigate(base+"/report"),
			chromedp.WaitVisible(chromedp.CSS(`a[href="/report/stats"]`)))
		do(t, ctx, "follow the statistics link",
			chromedp.Click(chromedp.CSS(`a[href="/report/stats"]`)),
			chromedp.WaitVisible(chromedp.CSS("section.public-county table.public-stats")))
		waitPath(t, ctx, "/report/stats")
		if w := eval[int](t, ctx, `window.innerWidth`); w != 360 {
			t.Errorf("viewport width %d, want 360", w)
		}
		noSideScroll(t, ctx, "the public statistics page")
		if n := eval[int](t, ctx, `document.querySelectorAll('section.public-county').length`); n != 4 {
			t.Errorf("%d counties, want the demo's 4", n)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('section.public-county')[0].querySelectorAll('tbody tr').length`); n != 12 {
			t.Errorf("%d months in a county's table, want 12", n)
		}
		// Every cell is a number or "<3"; no table is wider than its card.
		cells := eval[[]string](t, ctx, `[...document.querySelectorAll('table.public-stats tbody td')].map(td => td.textContent.trim())`)
		for _, c := range cells {
			if c != "<3" && strings.Trim(c, "0123456789") != "" {
				t.Errorf("cell %q is neither a number nor <3", c)
			}
		}
		if wide := eval[bool](t, ctx, `[...document.querySelectorAll('table.public-stats')].some(t => t.scrollWidth > t.parentElement.clientWidth)`); wide {
			t.Error("a county table is wider than its card")
		}
		if note := bodyText(t, ctx); !strings.Contains(note, "少于3的数字不予显示") {
			t.Error("no suppression footnote")
		}
		month := chooseBy(t, ctx, "#month", "the second month", `document.querySelectorAll('#month option')[1].value`)
		do(t, ctx, "show another month",
			chromedp.Click(chromedp.CSS(`form.public-stats-month button[type="submit"]`)))
		waitPath(t, ctx, "/report/stats?month="+month)
		last := eval[string](t, ctx, `[...document.querySelectorAll('section.public-county')[0].querySelectorAll('tbody tr')].pop().dataset.month`)
		if last != month {
			t.Errorf("the table ends with %s, want %s", last, month)
		}
		noSideScroll(t, ctx, "the public statistics page of "+month)
		county := chooseFirst(t, ctx, "#county")
		// The page being left is already at ?month=…&county= (the empty
		// county of the month form): wait for a new page.
		submitAndWait(t, ctx, "show one county", `(location.pathname + location.search).startsWith(`+strconv.Quote("/report/stats?month="+month+"&county=")+`)`,
			chromedp.Click(chromedp.CSS(`form.public-stats-month button[type="submit"]`)))
		waitJS(t, ctx, "one county's table", `document.querySelectorAll('section.public-county').length === 1`)
		if names := eval[[]string](t, ctx, `[...document.querySelectorAll('section.public-county h2')].map(h => h.textContent.trim())`); len(names) != 1 || names[0] != county {
			t.Errorf("counties shown %q at %s, want %s alone", names, location(t, ctx), county)
		}
		noSideScroll(t, ctx, "the public statistics of "+county)
		shot(t, ctx, "public-stats-360")
	})

	journey(t, bctx, "monthly report printed", 20*time.Second, func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open /stats/monthly", chromedp.Navigate(base+"/stats/monthly"))
		waitPath(t, ctx, "/login")
		signIn(t, ctx, "yd_admin", pw)
		waitPath(t, ctx, "/stats/monthly")
		do(t, ctx, "the report", chromedp.WaitVisible(chromedp.CSS(".monthly-report h1.report-title")))
		title := eval[string](t, ctx, `document.querySelector('.monthly-report h1.report-title').textContent.trim()`)
		if !strings.HasPrefix(title, "永定区纪委监委 ") || !strings.HasSuffix(title, "监督执纪工作月报") {
			t.Errorf("report title %q", title)
		}
		if !eval[bool](t, ctx, `!!document.querySelector('button[data-print]') && getComputedStyle(document.querySelector('button[data-print]')).display !== 'none'`) {
			t.Error("no visible print button on screen")
		}
		do(t, ctx, "print media", emulateMedia("print"))
		for what, sel := range map[string]string{"the side navigation": "nav.sidenav", "the month form": "form.monthly-form",
			"the print button": "button[data-print]", "the top bar": "header.topbar"} {
			if shown := eval[bool](t, ctx, `(e => !!e && getComputedStyle(e).display !== 'none')(document.querySelector('`+sel+`'))`); shown {
				t.Errorf("%s is printed", what)
			}
		}
		if !eval[bool](t, ctx, `getComputedStyle(document.querySelector('.monthly-report .bulletin')).display !== 'none'`) {
			t.Error("the bulletin is not printed")
		}
		a4 := eval[bool](t, ctx, `[...document.styleSheets].some(s => { try { return [...s.cssRules].some(r => r instanceof CSSPageRule && /A4/i.test(r.style.getPropertyValue('size'))) } catch (e) { return false } })`)
		if !a4 {
			t.Error("no @page rule with size A4")
		}
		if rows := eval[string](t, ctx, `getComputedStyle(document.querySelector('.monthly-report table.report-table tr')).breakInside`); rows != "avoid" {
			t.Errorf("table rows break-inside %q when printed, want avoid", rows)
		}
		shot(t, ctx, "monthly-print")
		do(t, ctx, "screen media", emulateMedia(""))
	})
}
