//go:build e2e

package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestE2ETask follows the demo's supervision task in a real browser: at
// 360 px (a phone in WeChat's browser) 天门山镇's township cadre reports
// progress and sees the unit on track on the board; at desktop width the
// leader sees the other townships' states, prints a 督办函 with its number
// and turns a finding into a clue with one action.
func TestE2ETask(t *testing.T) {
	bctx := browser(t)
	srv := startServe(t, t.TempDir(), "")
	base, pw := srv.base, srv.password
	mobile := chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile)
	const title = "户政服务进驻乡镇便民服务中心"
	tmsRow := `#board tr[data-unit="天门山镇纪委"]`

	journey(t, bctx, "township reports progress on a phone", 40*time.Second, func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open the sign-in page", mobile, chromedp.Navigate(base+"/login"))
		signIn(t, ctx, "yd_tms", pw)
		do(t, ctx, "open the task list", chromedp.Navigate(base+"/tasks"), chromedp.WaitVisible(byText("a", title)))
		do(t, ctx, "open the task", chromedp.Click(byText("a", title)), chromedp.WaitVisible(chromedp.CSS("#board")))
		before := eval[string](t, ctx, `document.querySelector('`+tmsRow+` td:nth-child(4)').textContent.trim()`)
		do(t, ctx, "open the report form", chromedp.Click(chromedp.CSS(`a[href$="/report"]`)),
			chromedp.WaitVisible(chromedp.CSS(`form[action$="/reports"]`)))
		if w := eval[int](t, ctx, `window.innerWidth`); w != 360 {
			t.Errorf("viewport width %d, want 360", w)
		}
		noSideScroll(t, ctx, "the progress report form")
		// The first indicator (办理户政业务, 件) and a note.
		do(t, ctx, "fill the report",
			chromedp.SendKeys(chromedp.CSS(`input[name^="value_"]`), "9"),
			chromedp.SendKeys(chromedp.CSS("#note"), "本周窗口正常开放。"),
			chromedp.Click(chromedp.CSS(`form[action$="/reports"] button[type="submit"]`)))
		waitJS(t, ctx, "the board after the report", `document.querySelector('.flash') && document.querySelector('#board')`)
		if got := eval[string](t, ctx, `document.querySelector('`+tmsRow+` .badge').dataset.state`); got != "on_track" {
			t.Errorf("天门山镇 is %q after its report, want on_track", got)
		}
		after := eval[string](t, ctx, `document.querySelector('`+tmsRow+` td:nth-child(4)').textContent.trim()`)
		if after == before || !strings.Contains(bodyText(t, ctx), "本周窗口正常开放。") {
			t.Errorf("cumulative %q -> %q; the report is not on the board", before, after)
		}
		shot(t, ctx, "task-board-360")
	})

	journey(t, bctx, "leader: board, 督办函 and a finding to a clue", 40*time.Second, func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open the sign-in page", chromedp.Navigate(base+"/login"))
		signIn(t, ctx, "yd_leader", pw)
		do(t, ctx, "open the task list", chromedp.Navigate(base+"/tasks"), chromedp.WaitVisible(byText("a", title)))
		do(t, ctx, "open the task", chromedp.Click(byText("a", title)), chromedp.WaitVisible(chromedp.CSS("#board")))
		states := eval[[]string](t, ctx, `[...document.querySelectorAll('#board .badge[data-state]')].map(b => b.dataset.state)`)
		if len(states) != 5 {
			t.Fatalf("board states %v", states)
		}
		late := 0
		for _, s := range states {
			if s != "on_track" {
				late++
			}
		}
		if late != 4 {
			t.Errorf("board states %v: want the four townships without reports behind or overdue", states)
		}
		taskURL := location(t, ctx)
		do(t, ctx, "open a 督办函", chromedp.Click(chromedp.CSS(`#board tr:first-child a[href*="/letters/"]`)),
			chromedp.WaitVisible(chromedp.CSS("article.print-doc")))
		num := eval[string](t, ctx, `document.querySelector('.doc-subtitle').textContent.trim()`)
		if !strings.HasPrefix(num, "永纪督〔") || !strings.HasSuffix(num, "〕1号") {
			t.Errorf("letter number %q", num)
		}
		do(t, ctx, "back to the task", chromedp.Navigate(taskURL), chromedp.WaitVisible(chromedp.CSS("#findings")))
		do(t, ctx, "turn the finding into a clue", chromedp.Click(chromedp.CSS(`form[action*="/findings/"] button[type="submit"]`)))
		waitPath(t, ctx, "/clues/")
		if !strings.Contains(bodyText(t, ctx), "便民服务中心户政窗口工作日无人值守") {
			t.Errorf("the clue page does not show the finding")
		}
		shot(t, ctx, "task-finding-clue")
	})
}
