//go:build e2e

package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chartsDrawn is true when every chart container of the dashboard holds an
// ECharts instance that has drawn onto a canvas.
const chartsDrawn = `window.echarts && document.querySelectorAll('.chart[data-chart]').length > 0 &&
	[...document.querySelectorAll('.chart[data-chart]')].every(el => echarts.getInstanceByDom(el) && el.querySelector('canvas'))`

// TestE2EStats opens the statistics dashboard as the demo leader: the
// charts are drawn, a summary figure opens the records behind it, a chart
// click does too, and at 360 px the page does not scroll sideways.
func TestE2EStats(t *testing.T) {
	bctx := browser(t)
	data := t.TempDir()
	srv := startServe(t, data, "")
	base, pw := srv.base, srv.password

	journey(t, bctx, "dashboard", 40*time.Second, func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open sign-in", chromedp.Navigate(base+"/login"))
		signIn(t, ctx, "yd_leader", pw)
		do(t, ctx, "open /stats from the menu", chromedp.Click(chromedp.CSS(`nav.sidenav a[href="/stats"]`)))
		waitPath(t, ctx, "/stats")
		waitJS(t, ctx, "the charts drawn", chartsDrawn)
		shot(t, ctx, "stats-dashboard")
		if n := eval[int](t, ctx, `document.querySelectorAll('.chart[data-chart]').length`); n < 9 {
			t.Errorf("%d charts, want at least 9", n)
		}
		if title := eval[string](t, ctx, `document.querySelector('h1.page-title').textContent`); !strings.Contains(title, "永定区纪委监委") {
			t.Errorf("dashboard title %q", title)
		}
		// The demo's five clues of this year (registered over the last five
		// days, so only when the year began more than five days ago).
		clues := eval[string](t, ctx, `document.querySelector('.stat[data-metric="clues_received"] .stat-value').textContent.trim()`)
		if time.Now().YearDay() > 6 && clues != "5" {
			t.Errorf("clues received %q, want 5", clues)
		}
		if b := eval[string](t, ctx, `document.querySelector('#stats-bulletin').textContent`); !strings.Contains(b, "永定区纪委监委共查办案件") {
			t.Errorf("bulletin %q", b)
		}
		for _, sel := range []string{`a[data-export][href^="/stats/export.xlsx?"]`, `a[data-monthly][href^="/stats/monthly?"]`} {
			if n := eval[int](t, ctx, `document.querySelectorAll('`+sel+`').length`); n != 1 {
				t.Errorf("%s: %d links", sel, n)
			}
		}

		// A summary figure opens its records.
		do(t, ctx, "click the clues figure", chromedp.Click(chromedp.CSS(`.stat[data-metric="clues_received"] .stat-value`)))
		waitPath(t, ctx, "/stats/records?")
		waitJS(t, ctx, "the records table", `document.querySelector('table.stats-records')`)
		shot(t, ctx, "stats-records")
		rows := eval[[]string](t, ctx, `[...document.querySelectorAll('table.stats-records tbody td.mono a')].map(a => a.getAttribute('href'))`)
		if clues != "0" && len(rows) == 0 {
			t.Errorf("the records of %s clues list none", clues)
		}
		for _, h := range rows {
			if !strings.HasPrefix(h, "/clues/") {
				t.Errorf("a clue record links to %s", h)
			}
		}
		if title := eval[string](t, ctx, `document.querySelector('h1.page-title').textContent`); !strings.Contains(title, "受理问题线索") {
			t.Errorf("records title %q", title)
		}

		// A chart element (the clues-by-source bars) opens its records too.
		do(t, ctx, "back to the dashboard", chromedp.Navigate(base+"/stats"))
		waitJS(t, ctx, "the charts drawn", chartsDrawn)
		if clues != "0" {
			href := eval[string](t, ctx, `echarts.getInstanceByDom(document.getElementById('chart-clue-source')).getOption().series[0].data[0].href`)
			if !strings.Contains(href, "by=source") || !strings.Contains(href, "metric=clues_received") {
				t.Errorf("the first clue-source bar links to %q", href)
			}
			// Click the middle of the first bar.
			pt := eval[[]float64](t, ctx, `(() => {
				const el = document.getElementById('chart-clue-source');
				const ch = echarts.getInstanceByDom(el);
				const [x, y0] = ch.convertToPixel({seriesIndex: 0}, [0, 0]);
				const [, y1] = ch.convertToPixel({seriesIndex: 0}, [0, ch.getOption().series[0].data[0].value]);
				el.scrollIntoView({block: 'center'});
				const r = el.getBoundingClientRect();
				return [r.left + x, r.top + (y0 + y1) / 2];
			})()`)
			do(t, ctx, "click a bar", chromedp.MouseClickXY(pt[0], pt[1]))
			waitPath(t, ctx, "/stats/records?")
			if loc := location(t, ctx); !strings.Contains(loc, "by=source") {
				t.Errorf("the bar opened %s", loc)
			}
		}
	})

	journey(t, bctx, "phone width", 40*time.Second, func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open sign-in", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile), chromedp.Navigate(base+"/login"))
		signIn(t, ctx, "yd_leader", pw)
		do(t, ctx, "open /stats", chromedp.Navigate(base+"/stats"))
		waitJS(t, ctx, "the charts drawn", chartsDrawn)
		if w := eval[int](t, ctx, `window.innerWidth`); w != 360 {
			t.Errorf("viewport width %d, want 360", w)
		}
		shot(t, ctx, "stats-360")
		noSideScroll(t, ctx, "the dashboard")
		if w := eval[int](t, ctx, `Math.round(document.querySelector('.chart').getBoundingClientRect().width)`); w > 360 || w < 200 {
			t.Errorf("a chart is %dpx wide at 360px", w)
		}
	})

	if err := srv.stop(); err != nil {
		t.Errorf("serve after cancel: %v", err)
	}
}
