//go:build e2e

package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestE2ERectification follows a rectification on a 360 px phone: the
// township reports measures with a photo, the supervising office's
// verification fails and reopens it with a new deadline, the township
// reports again, and the office closes it substantively after a
// satisfied follow-up visit.
func TestE2ERectification(t *testing.T) {
	bctx := browser(t)
	data := t.TempDir()
	srv := startServe(t, data, "")
	base, pw := srv.base, srv.password
	tokTMS, tokOffice := createToken(t, data, "", "yd_tms"), createToken(t, data, "", "yd_office1")
	tms := findUnit(t, base, tokTMS, "天门山镇", "township", "天门山镇纪委")
	cst := time.FixedZone("CST", 8*3600)
	now := time.Now().In(cst)
	var r apiRect
	postJSON(t, base, "/api/v1/rectifications", tokOffice, map[string]any{"title": "村务公开栏内容未更新",
		"problem": "天门山镇部分村村务公开栏2025年下半年内容未更新。", "required": "全面更新公开内容并拍照报送。",
		"responsible_unit_id": tms.ID, "deadline": now.AddDate(0, 0, 20).Format(time.DateOnly), "person_concerned": "李某"},
		http.StatusCreated, &r)
	page := base + "/rectifications/" + strconv.FormatInt(r.ID, 10)
	photo := filepath.Join(t.TempDir(), "公开栏.jpg")
	if err := os.WriteFile(photo, evidencePhoto(t), 0o600); err != nil {
		t.Fatal(err)
	}
	mobile := chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile)

	step := func(name, user string, fn func(t *testing.T, ctx context.Context)) {
		journey(t, bctx, name, 40*time.Second, func(t *testing.T, ctx context.Context) {
			do(t, ctx, "open sign-in", mobile, chromedp.Navigate(base+"/login"))
			signIn(t, ctx, user, pw)
			do(t, ctx, "open the rectification", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#rect-status")))
			fn(t, ctx)
		})
	}
	// submit fills and submits the form of an action and waits for the
	// status it leads to.
	submit := func(t *testing.T, ctx context.Context, op, want string, fill ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		form := `form[data-op="` + op + `"]`
		do(t, ctx, "open the "+op+" form", chromedp.WaitVisible(chromedp.CSS(form)))
		noSideScroll(t, ctx, "the rectification page")
		if len(fill) > 0 {
			do(t, ctx, "fill "+op, fill...)
		}
		do(t, ctx, "submit "+op, chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
		waitJS(t, ctx, "status "+want+" after "+op, `document.querySelector('#rect-status') && document.querySelector('#rect-status').dataset.status === `+strconv.Quote(want)+` && document.querySelector('.flash')`)
	}
	report := func(text string, withPhoto bool) func(t *testing.T, ctx context.Context) {
		return func(t *testing.T, ctx context.Context) {
			form := `form[data-op="report"]`
			fill := []chromedp.Action[chromedp.Void]{chromedp.SendKeys(chromedp.CSS(form+` textarea[name="text"]`), text)}
			if withPhoto {
				fill = append(fill, chromedp.SetUploadFiles(form+` input[name="files"]`, []string{photo}))
			}
			submit(t, ctx, "report", "reported", fill...)
			if eval[bool](t, ctx, `!!document.querySelector('form[data-op="start_verification"]')`) {
				t.Error("the responsible township is offered the verification")
			}
			shot(t, ctx, "rect-reported")
		}
	}

	step("township reports with a photo", "yd_tms", report("已逐村更新公开栏内容，并拍照留存。", true))
	step("office fails the verification", "yd_office1", func(t *testing.T, ctx context.Context) {
		if n := eval[int](t, ctx, `document.querySelectorAll('a[href^="/rectification-files/"]').length`); n != 1 {
			t.Errorf("evidence links: %d, want 1", n)
		}
		submit(t, ctx, "start_verification", "verifying")
		form := `form[data-op="reopen"]`
		submit(t, ctx, "reopen", "open",
			chromedp.SendKeys(chromedp.CSS(form+` textarea[name="text"]`), "两个村公开内容仍不完整。"),
			chromedp.SetValue(chromedp.CSS(form+` input[name="deadline"]`), now.AddDate(0, 0, 40).Format(time.DateOnly)))
		shot(t, ctx, "rect-reopened")
	})
	step("township reports again", "yd_tms", report("已补充公开全部内容。", false))
	step("office closes substantively", "yd_office1", func(t *testing.T, ctx context.Context) {
		submit(t, ctx, "start_verification", "verifying")
		form := `form[data-op="close_substantive"]`
		do(t, ctx, "visit", chromedp.WaitVisible(chromedp.CSS(form)),
			chromedp.SendKeys(chromedp.CSS(form+` textarea[name="text"]`), "实地核查，公开栏内容完整。"),
			chromedp.SendKeys(chromedp.CSS(form+` input[name="visitor"]`), "赵艳"))
		chooseBy(t, ctx, form+` select[name="satisfaction"]`, "satisfied", `"satisfied"`)
		submit(t, ctx, "close_substantive", "closed")
		if n := eval[int](t, ctx, `document.querySelectorAll('form.action-form').length`); n != 0 {
			t.Errorf("%d action forms after closure", n)
		}
		shot(t, ctx, "rect-closed")
		do(t, ctx, "open the notice", chromedp.Navigate(page+"/notice"), chromedp.WaitVisible(chromedp.CSS("article.print-doc")))
		noSideScroll(t, ctx, "the rectification notice")
	})
}
