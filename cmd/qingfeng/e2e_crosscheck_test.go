//go:build e2e

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestE2ECrossCheck follows a subsidy cross-check on a 360 px phone: the
// county leader previews the header of a payment list, imports it and a
// death register, runs the rules, sees the suspect with the ID number
// matched (and the namesake with another ID number not matched), confirms
// it and assigns it to the township as a clue.
func TestE2ECrossCheck(t *testing.T) {
	bctx := browser(t)
	data := t.TempDir()
	srv := startServe(t, data, "")
	base, pw := srv.base, srv.password
	dir := t.TempDir()
	write := func(name, body string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pays := write("2026年5月低保发放名单.csv", "序号,领取人姓名,公民身份号码,补贴类别,发放金额（元）,发放时间,所属乡镇,行政村\n"+
		"1,覃春兰,430802197500000014,农村低保,330,2026-05-10,天门山镇,第一村\n"+
		"2,覃春兰,430802197500000022,农村低保,330,2026-05-10,天门山镇,第一村\n")
	deaths := write("死亡火化名单.csv", "姓名,身份证号,村,死亡日期\n覃春兰,430802197500000014,第一村,2026-04-03\n")
	mobile := chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile)

	journey(t, bctx, "cross-check upload, run, judge, assign", 90*time.Second, func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open sign-in", mobile, chromedp.Navigate(base+"/login"))
		signIn(t, ctx, "yd_leader", pw)
		do(t, ctx, "open the cross-checks", chromedp.Navigate(base+"/crosschecks"), chromedp.WaitVisible(chromedp.CSS("#xc-preview")))
		noSideScroll(t, ctx, "the cross-check page")
		upload := func(kind, file, button, wait string) {
			t.Helper()
			chooseBy(t, ctx, "#kind", kind, `"`+kind+`"`)
			do(t, ctx, "choose "+filepath.Base(file), chromedp.SetUploadFiles(`#file`, []string{file}))
			submitAndWait(t, ctx, "submit "+button, `document.querySelector(`+"`"+wait+"`"+`)`, chromedp.Click(chromedp.CSS(button)))
		}
		upload("payments", pays, "#xc-preview", "#preview")
		if body := bodyText(t, ctx); !strings.Contains(body, "必需的列均已识别") || !strings.Contains(body, "→ 身份证号") {
			t.Errorf("preview: %s", body)
		}
		noSideScroll(t, ctx, "the header preview")
		upload("payments", pays, "#xc-import", "#summary")
		upload("death", deaths, "#xc-import", "#summary")
		if body := bodyText(t, ctx); !strings.Contains(body, "导入完成") {
			t.Errorf("import: %s", body)
		}
		do(t, ctx, "run", chromedp.Click(chromedp.CSS("#xc-run")))
		waitJS(t, ctx, "the suspect", `document.querySelector('section.suspect')`)
		if n := eval[int](t, ctx, `document.querySelectorAll('section.suspect').length`); n != 1 {
			t.Errorf("%d suspects, want 1 (the namesake with another ID number must not match)", n)
		}
		if s := eval[string](t, ctx, `document.querySelector('section.suspect .match-strong').textContent`); s != "身份证号" {
			t.Errorf("matched field %q", s)
		}
		noSideScroll(t, ctx, "the suspects")
		shot(t, ctx, "crosscheck-suspect")
		do(t, ctx, "confirm", chromedp.Click(chromedp.CSS(`section.suspect button[value="confirmed"]`)))
		waitJS(t, ctx, "the assign form", `document.querySelector('section.suspect button[value="clue"]')`)
		do(t, ctx, "assign as a clue", chromedp.Click(chromedp.CSS(`section.suspect button[value="clue"]`)))
		waitJS(t, ctx, "the clue link", `document.querySelector('section.suspect a[href^="/clues/"]')`)
		if body := bodyText(t, ctx); !strings.Contains(body, "已作为问题线索交办") || !strings.Contains(body, "已确认") {
			t.Errorf("after assignment: %s", body)
		}
		noSideScroll(t, ctx, "the assigned suspect")
		shot(t, ctx, "crosscheck-assigned")
	})
}
