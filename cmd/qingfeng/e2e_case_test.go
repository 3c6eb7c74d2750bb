//go:build e2e

package main

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestE2ECase follows a case through its first steps in a real browser:
// case management files it directly from the page, the leader approves the
// filing, case management forms a joint investigation team, the first
// office's investigator takes a detention whose clock shows on the page,
// the ledger lists it, and a user of another county gets 404.
func TestE2ECase(t *testing.T) {
	bctx := browser(t)
	data := t.TempDir()
	srv := startServe(t, data, "")
	base, pw := srv.base, srv.password
	tok := createToken(t, data, "", "yd_leader")
	office1 := findUnit(t, base, tok, "第一纪检监察室", "office", "第一纪检监察室")
	var caseURL string

	step := func(name, user string, fn func(t *testing.T, ctx context.Context)) {
		journey(t, bctx, name, 40*time.Second, func(t *testing.T, ctx context.Context) {
			do(t, ctx, "open sign-in", chromedp.Navigate(base+"/login"))
			signIn(t, ctx, user, pw)
			fn(t, ctx)
		})
	}

	step("file directly", "yd_case", func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open the filing form", chromedp.Navigate(base+"/cases/new"), chromedp.WaitVisible(chromedp.CSS(`form[action="/cases"]`)))
		chooseBy(t, ctx, `#lead_unit_id`, "第一纪检监察室", fmt.Sprintf("%q", fmt.Sprint(office1.ID)))
		chooseBy(t, ctx, `#category`, "subsidies", `"subsidies"`)
		row := `fieldset[data-subject="0"] `
		do(t, ctx, "fill the case",
			chromedp.SendKeys(chromedp.CSS("#cause"), "截留挪用惠农补贴"),
			chromedp.SendKeys(chromedp.CSS("#summary"), "某局局长截留挪用惠农补贴资金。"),
			chromedp.SendKeys(chromedp.CSS("#direct_reason"), "在审查其他案件中发现"),
			chromedp.SendKeys(chromedp.CSS(row+`input[name="subject_name"]`), "王某"),
			chromedp.SendKeys(chromedp.CSS(row+`input[name="subject_post"]`), "局长"),
			chromedp.Click(chromedp.CSS(row+`input[name="subject_party"]`)))
		chooseBy(t, ctx, row+`select[name="subject_rank"]`, "department", `"department"`)
		chooseBy(t, ctx, row+`select[name="subject_category"]`, "civil_servant", `"civil_servant"`)
		shot(t, ctx, "case-new")
		do(t, ctx, "submit", chromedp.Click(chromedp.CSS(`form[action="/cases"] button[type="submit"]`)))
		waitJS(t, ctx, "the case page", `document.readyState === "complete" && (/^\/cases\/\d+$/.test(location.pathname) || !!document.querySelector('.field-error, .flash.error, .alert'))`)
		if !regexp.MustCompile(`/cases/\d+$`).MatchString(location(t, ctx)) {
			shot(t, ctx, "case-new-refused")
			t.Fatalf("filing refused: %s", bodyText(t, ctx))
		}
		caseURL = location(t, ctx)
		title := eval[string](t, ctx, `document.querySelector('h1.page-title').textContent`)
		if !strings.Contains(title, "永纪案〔") || badge(t, ctx) != "立案待审批" {
			t.Fatalf("new case page: %q / %q", title, badge(t, ctx))
		}
		// The proposer cannot approve.
		if n := eval[int](t, ctx, `document.querySelectorAll('form[data-op="approve_filing"]').length`); n != 0 {
			t.Errorf("case management sees an approve form")
		}
	})
	if caseURL == "" {
		t.Fatal("no case")
	}

	step("filing approved", "yd_leader", func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open the case", chromedp.Navigate(caseURL))
		act(t, ctx, "approve_filing", chromedp.SendKeys(chromedp.CSS(`form[data-op="approve_filing"] textarea`), "同意立案"))
		if b := badge(t, ctx); b != "审查调查中" {
			t.Fatalf("after approval: %q", b)
		}
	})

	step("team formed", "yd_case", func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open the case", chromedp.Navigate(caseURL))
		form := `form[data-op="form_team"]`
		do(t, ctx, "form", chromedp.WaitVisible(chromedp.CSS(form)))
		chooseContaining(t, ctx, form+` select[name="leader"]`, "第一纪检监察室")
		// A member of the first dispatched group (same area group).
		sel := eval[string](t, ctx, `(() => { const o = [...document.querySelectorAll('`+form+` select[name="members"] option')].find(o => o.textContent.includes('派驻')); if (!o) return ""; o.selected = true; return o.textContent })()`)
		if sel == "" {
			t.Fatalf("no dispatched-group member to choose: %s", eval[string](t, ctx, `document.querySelector('`+form+` select[name="members"]').textContent`))
		}
		caseAct(t, ctx, "form_team")
		if n := eval[int](t, ctx, `document.querySelectorAll('table.team tbody tr').length`); n != 2 {
			t.Fatalf("team has %d rows, want 2", n)
		}
	})

	step("detention", "yd_office1", func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open the case", chromedp.Navigate(caseURL))
		form := `form[data-op="take_measure"]`
		do(t, ctx, "form", chromedp.WaitVisible(chromedp.CSS(form)))
		chooseBy(t, ctx, form+` select[name="kind"]`, "detention", `"detention"`)
		caseAct(t, ctx, "take_measure",
			chromedp.Click(chromedp.CSS(form+` input[name="approvals"][value="collective"]`)),
			chromedp.SendKeys(chromedp.CSS(form+` input[name="approval_by_collective"]`), "委务会"),
			chromedp.Click(chromedp.CSS(form+` input[name="approvals"][value="upper"]`)),
			chromedp.SendKeys(chromedp.CSS(form+` input[name="approval_by_upper"]`), "张家界市监委"),
			chromedp.Click(chromedp.CSS(form+` input[name="audio_video"]`)))
		m := eval[string](t, ctx, `document.querySelector('.card.measures').textContent`)
		if !strings.Contains(m, "留置") || !strings.Contains(m, "王某") {
			t.Fatalf("measures card: %q", m)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('.card.measures table.clocks .badge.clock-running').length`); n < 1 {
			t.Errorf("no running detention clock on the page")
		}
		shot(t, ctx, "case-detention")
		// The end form offers the running measure; extending it is the
		// leader's.
		if n := eval[int](t, ctx, `document.querySelectorAll('form[data-op="end_measure"] select[name="measure_id"] option').length`); n != 1 {
			t.Errorf("end form offers %d measures, want 1", n)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('form[data-op="extend_measure"]').length`); n != 0 {
			t.Errorf("the investigator sees the extension form")
		}
		do(t, ctx, "the ledger", chromedp.Navigate(base+"/cases?status=investigation"), chromedp.WaitVisible(chromedp.CSS("table.cases")))
		if n := eval[int](t, ctx, `document.querySelectorAll('table.cases tbody td.mono a').length`); n != 1 {
			t.Errorf("the ledger lists %d cases, want 1", n)
		}
		shot(t, ctx, "case-ledger")
		// The measures screen (linked from the ledger) lists the running detention.
		do(t, ctx, "the measures screen", chromedp.Click(chromedp.CSS(`a[href="/cases/measures"]`)),
			chromedp.WaitVisible(chromedp.CSS("table.measures")))
		rows := eval[string](t, ctx, `Array.from(document.querySelectorAll('table.measures tbody tr')).map(r => r.textContent).join('|')`)
		if !strings.Contains(rows, "留置") || !strings.Contains(rows, "王某") || !strings.Contains(rows, "剩余") || strings.Contains(rows, "|") {
			t.Errorf("measures screen rows: %q", rows)
		}
		shot(t, ctx, "case-measures")
	})

	step("other county", "cl_township", func(t *testing.T, ctx context.Context) {
		resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(caseURL))
		if err == nil && resp != nil && resp.Status != int64(http.StatusNotFound) {
			t.Errorf("another county's user sees the case: %d", resp.Status)
		}
		if err != nil {
			t.Logf("navigate: %v", err)
		}
		if !strings.Contains(bodyText(t, ctx), "案件不存在") {
			t.Errorf("no not-found page: %q", bodyText(t, ctx))
		}
	})
}

// caseAct submits the action form of a case page (data-op) after fill and
// waits for the flash of the page it returns to; unlike act it does not
// expect the form to go (forming a team or taking a measure may be done
// again).
func caseAct(t *testing.T, ctx context.Context, op string, fill ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	form := `form[data-op="` + op + `"]`
	do(t, ctx, "open the "+op+" form", chromedp.WaitVisible(chromedp.CSS(form)))
	if len(fill) > 0 {
		do(t, ctx, "fill "+op, fill...)
	}
	do(t, ctx, "submit "+op, chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
	waitJS(t, ctx, "the case page after "+op, `document.readyState === "complete" && (!!document.querySelector('.flash') || location.pathname.endsWith('/act'))`)
	if strings.HasSuffix(eval[string](t, ctx, `location.pathname`), "/act") {
		t.Fatalf("%s refused: %s", op, bodyText(t, ctx))
	}
}
