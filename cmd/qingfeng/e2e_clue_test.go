//go:build e2e

package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// shot saves a screenshot when QINGFENG_E2E_SHOTS names a folder (to look
// at the pages while developing).
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("QINGFENG_E2E_SHOTS")
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}

// badge is the clue's status as the page shows it.
func badge(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, `document.querySelector('h1.page-title .badge').textContent.trim()`)
}

// act submits the action form of a clue page (data-op) after fill.
func act(t *testing.T, ctx context.Context, op string, fill ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	form := `form[data-op="` + op + `"]`
	do(t, ctx, "open the "+op+" form", chromedp.WaitVisible(chromedp.CSS(form)))
	if len(fill) > 0 {
		do(t, ctx, "fill "+op, fill...)
	}
	do(t, ctx, "submit "+op, chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
	waitJS(t, ctx, "the clue page after "+op, `document.querySelector('.flash') && !document.querySelector('`+form+`')`)
}

// chooseContaining picks the first option of a select whose label contains
// text.
func chooseContaining(t *testing.T, ctx context.Context, sel, text string) string {
	t.Helper()
	expr := `(o => o ? o.value : "")([...document.querySelectorAll(` + strconv.Quote(sel+" option") + `)].find(o => o.textContent.includes(` +
		strconv.Quote(text) + `)))`
	return chooseBy(t, ctx, sel, text, expr)
}

// TestE2EClueJourney follows a report into the clue ledger in a real
// browser: the township turns it into a clue, case management
// proposes the assignment, the leader approves, the township proposes an
// inquiry by letter, the leader approves and the letter goes out with its
// clock; an area group's consultation meeting decides another clue and
// closes its minutes; the monthly reconciliation opens its ledger rows.
func TestE2EClueJourney(t *testing.T) {
	bctx := browser(t)
	data := t.TempDir()
	srv := startServe(t, data, "")
	base, pw := srv.base, srv.password
	tok := map[string]string{}
	ids := map[string]int64{}
	for _, u := range []string{"yd_petition", "yd_case", "yd_leader", "yd_office1"} {
		tok[u] = createToken(t, data, "", u)
		var me apiMe
		getJSON(t, base, "/api/v1/me", tok[u], &me)
		ids[u] = me.UserID
	}
	office1 := findUnit(t, base, tok["yd_leader"], "第一纪检监察室", "office", "第一纪检监察室")
	var rep struct {
		Report struct {
			ID int64 `json:"id"`
		} `json:"report"`
	}
	postJSON(t, base, "/api/v1/reports", tok["yd_petition"], map[string]any{"kind": "accusation", "channel": "letter",
		"title": "村支书截留低保金", "content": "天门山镇某村党支部书记截留低保金三万元，群众多次反映无果。", "division_code": "430802103",
		"category": "subsidies", "anonymous": true,
		"subject": map[string]string{"name": "李某", "unit": "某村党支部", "post": "党支部书记", "level": "village"}}, http.StatusCreated, &rep)
	var clueURL string

	step := func(name, user string, fn func(t *testing.T, ctx context.Context)) {
		journey(t, bctx, name, 40*time.Second, func(t *testing.T, ctx context.Context) {
			do(t, ctx, "open sign-in", chromedp.Navigate(base+"/login"))
			signIn(t, ctx, user, pw)
			fn(t, ctx)
		})
	}

	// The report about a village cadre is routed to 天门山镇纪委, whose
	// cadre turns it into a clue of the township's ledger.
	step("report to clue", "yd_tms", func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open the report", chromedp.Navigate(fmt.Sprintf("%s/reports/%d", base, rep.Report.ID)),
			chromedp.WaitVisible(chromedp.CSS(`form[action$="/clue"] button`)))
		do(t, ctx, "turn into a clue", chromedp.Click(chromedp.CSS(`form[action$="/clue"] button`)))
		waitPath(t, ctx, "/clues/")
		clueURL = location(t, ctx)
		title := eval[string](t, ctx, `document.querySelector('h1.page-title').textContent`)
		if !strings.Contains(title, "天纪线〔") || badge(t, ctx) != "已登记，待分办" {
			t.Fatalf("new clue page: %q / %q", title, badge(t, ctx))
		}
		shot(t, ctx, "clue-registered")
	})
	if clueURL == "" {
		t.Fatal("no clue")
	}

	step("assignment proposed", "yd_case", func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open the clue", chromedp.Navigate(clueURL))
		form := `form[data-op="propose_assignment"]`
		do(t, ctx, "form", chromedp.WaitVisible(chromedp.CSS(form)))
		chooseContaining(t, ctx, form+` select[name="unit_id"]`, "天门山镇纪委")
		chooseContaining(t, ctx, form+` select[name="owner_id"]`, "天门山镇纪委")
		act(t, ctx, "propose_assignment", chromedp.SendKeys(chromedp.CSS(form+` textarea[name="text"]`), "属乡镇纪委管辖的村干部问题。"))
		if b := badge(t, ctx); b != "分办意见待审批" {
			t.Fatalf("after the proposal: %q", b)
		}
		shot(t, ctx, "clue-assignment-review")
	})

	step("assignment approved", "yd_leader", func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open the clue", chromedp.Navigate(clueURL))
		act(t, ctx, "approve_assignment")
		if b := badge(t, ctx); b != "承办中" {
			t.Fatalf("after approval: %q", b)
		}
	})

	step("disposal proposed", "yd_tms", func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open the clue", chromedp.Navigate(clueURL))
		form := `form[data-op="propose_disposal"]`
		do(t, ctx, "form", chromedp.WaitVisible(chromedp.CSS(form)))
		do(t, ctx, "mode inquiry", chromedp.Click(chromedp.CSS(form+` input[name="mode"][value="inquiry"]`)))
		chooseBy(t, ctx, form+` select[name="form"]`, "letter", `"letter"`)
		act(t, ctx, "propose_disposal", chromedp.SendKeys(chromedp.CSS(form+` textarea[name="text"]`), "反映内容较笼统，拟函询。"))
		if b := badge(t, ctx); b != "处置意见待审批" {
			t.Fatalf("after the proposal: %q", b)
		}
		// The proposer cannot approve.
		if n := eval[int](t, ctx, `document.querySelectorAll('form[data-op="approve_disposal"]').length`); n != 0 {
			t.Errorf("the township sees an approve form")
		}
	})

	step("disposal approved", "yd_leader", func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open the clue", chromedp.Navigate(clueURL))
		act(t, ctx, "approve_disposal")
		if b := badge(t, ctx); b != "谈话函询中" {
			t.Fatalf("after approval: %q", b)
		}
	})

	step("letter sent", "yd_tms", func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open the clue", chromedp.Navigate(clueURL))
		form := `form[data-op="send_letter"]`
		act(t, ctx, "send_letter", chromedp.SendKeys(chromedp.CSS(form+` textarea[name="text"]`), "请于十五个工作日内作出书面说明。"))
		if b := badge(t, ctx); b != "待书面回复" {
			t.Fatalf("after the letter: %q", b)
		}
		clocks := eval[string](t, ctx, `[...document.querySelectorAll('.card')].find(c => c.textContent.includes('函询书面回复'))?.textContent || ""`)
		if !strings.Contains(clocks, "函询书面回复") {
			t.Errorf("no reply clock on the page")
		}
		history := eval[int](t, ctx, `[...document.querySelectorAll('.card')].find(c => c.querySelector('h2')?.textContent.includes('流转记录')).querySelectorAll('tbody tr').length`)
		if history != 6 {
			t.Errorf("hand-off record has %d rows, want 6", history)
		}
		shot(t, ctx, "clue-inquiry")
		do(t, ctx, "the township's ledger", chromedp.Navigate(base+"/clues"), chromedp.WaitVisible(chromedp.CSS("table.ledger")))
		// The demo's sample inquiry at 天门山镇 and ours.
		if n := eval[int](t, ctx, `document.querySelectorAll('table.ledger tbody td.mono a').length`); n != 2 {
			t.Errorf("the township's ledger lists %d clues, want 2", n)
		}
		shot(t, ctx, "ledger-township")
	})

	// A clue of the first area group, held by the first office.
	var c2 apiClue
	postJSON(t, base, "/api/v1/clues", tok["yd_case"], map[string]any{"source": "audit", "source_ref": "永审移〔2026〕3号",
		"content": "区审计局移送：某街道办事处违规发放津贴补贴。", "category": "conduct",
		"subject": map[string]string{"name": "王某", "post": "街道办事处主任", "level": "township"}}, http.StatusCreated, &c2)
	path2 := "/api/v1/clues/" + strconv.FormatInt(c2.ID, 10) + "/transitions"
	postJSON(t, base, path2, tok["yd_case"], map[string]any{"action": "propose_assignment", "unit_id": office1.ID,
		"owner_id": ids["yd_office1"]}, http.StatusOK, &c2)
	postJSON(t, base, path2, tok["yd_leader"], map[string]any{"action": "approve_assignment"}, http.StatusOK, &c2)

	step("consultation meeting", "yd_office1", func(t *testing.T, ctx context.Context) {
		do(t, ctx, "meetings", chromedp.Navigate(base+"/meetings"), chromedp.WaitVisible(chromedp.CSS(".schedule-form")))
		card := `[...document.querySelectorAll('.card')].find(c => c.querySelector('h2').textContent.includes('第一片区'))`
		if n := eval[int](t, ctx, `document.querySelectorAll('.schedule-form').length`); n != 1 {
			t.Errorf("yd_office1 may schedule for %d groups, want 1 (第一片区)", n)
		}
		do(t, ctx, "schedule", chromedp.Click(chromedp.JSPath(card+`.querySelector('.schedule-form button')`)))
		waitPath(t, ctx, "/meetings/")
		do(t, ctx, "agenda", chromedp.WaitVisible(chromedp.CSS("table.minutes")))
		agenda := eval[string](t, ctx, `document.querySelector('table.minutes tbody').textContent`)
		if !strings.Contains(agenda, c2.Number) {
			t.Fatalf("agenda lacks %s: %s", c2.Number, agenda)
		}
		form := `form[data-clue="` + strconv.FormatInt(c2.ID, 10) + `"]`
		do(t, ctx, "mode close", chromedp.Click(chromedp.CSS(form+` input[name="mode"][value="close"]`)))
		chooseBy(t, ctx, form+` select[name="closure"]`, "no_substance", `"no_substance"`)
		chooseContaining(t, ctx, form+` select[name="lead_unit_id"]`, "第一纪检监察室")
		chooseContaining(t, ctx, form+` select[name="owner_id"]`, "第一纪检监察室")
		do(t, ctx, "note and submit",
			chromedp.SendKeys(chromedp.CSS(form+` textarea[name="note"]`), "反映内容无实质，予以了结。"),
			chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
		waitJS(t, ctx, "the decision", `document.querySelector('.flash') && document.querySelector('table.minutes tbody').textContent.includes('予以了结')`)
		do(t, ctx, "close the meeting",
			chromedp.SendKeys(chromedp.CSS(`form[action$="/close"] textarea[name="summary"]`), "会议研究问题线索1件，决定予以了结1件。"),
			chromedp.Click(chromedp.CSS(`form[action$="/close"] button[type="submit"]`)))
		waitJS(t, ctx, "the closed meeting", `document.querySelector('h1.page-title .badge').textContent.includes('已结束')`)
		shot(t, ctx, "meeting-closed")
		href := eval[string](t, ctx, `document.querySelector('a[href$="minutes.docx"]').getAttribute('href')`)
		if code, body := call(t, base+"/api/v1"+href, tok["yd_office1"]); code != http.StatusOK || !strings.HasPrefix(string(body), "PK") {
			t.Errorf("minutes.docx: %d, %d bytes", code, len(body))
		}
		do(t, ctx, "the clue", chromedp.Click(chromedp.CSS(`table.minutes a[href^="/clues/"]`)))
		waitPath(t, ctx, "/clues/")
		if b := badge(t, ctx); b != "已了结" {
			t.Errorf("the decided clue is %q, want 已了结", b)
		}
	})

	step("reconciliation", "yd_case", func(t *testing.T, ctx context.Context) {
		do(t, ctx, "reconciliation", chromedp.Navigate(base+"/clues/reconciliation"), chromedp.WaitVisible(chromedp.CSS("table.recon")))
		shot(t, ctx, "reconciliation")
		// Every number opens exactly the ledger rows it counts.
		received := eval[int](t, ctx, `+document.querySelector('table.recon tfoot th:nth-child(2) a').textContent.trim()`)
		if received < 2 {
			t.Errorf("received this month: %d, want at least our 2", received)
		}
		do(t, ctx, "drill down", chromedp.Click(chromedp.CSS(`table.recon tfoot th:nth-child(2) a`)))
		waitPath(t, ctx, "/clues?")
		do(t, ctx, "ledger", chromedp.WaitVisible(chromedp.CSS("table.ledger")))
		if n := eval[int](t, ctx, `document.querySelectorAll('table.ledger tbody td.mono a').length`); n != received {
			t.Errorf("the received cell (%d) opens %d ledger rows", received, n)
		}
		shot(t, ctx, "ledger-drilldown")
	})
}
