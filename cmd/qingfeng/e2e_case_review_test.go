//go:build e2e

package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestE2ECaseReview follows the demo's verified clue into a case in a real
// browser: case management files it from the clue page's 立案 card, the
// leader extends the detention on the extension form, the investigator
// records the family notice (the 24-hour clock is met), the review office
// records a joint quality review finding by a township cadre of the first
// area group, the investigator resolves it, and a document prints on its
// own page.
func TestE2ECaseReview(t *testing.T) {
	bctx := browser(t)
	data := t.TempDir()
	srv := startServe(t, data, "")
	base, pw := srv.base, srv.password
	tok := map[string]string{}
	ids := map[string]int64{}
	mustRun(t, "StrongPass-2026\n", "user", "add", "--username", "yd_reviewer2", "--role", "reviewer", "--unit", "430802",
		"--name", "审理员二", "--password-stdin", "--data", data)
	mustRun(t, "StrongPass-2026\n", "user", "add", "--username", "yd_jd001", "--role", "township", "--unit", "430802001",
		"--name", "联审员甲", "--password-stdin", "--data", data)
	for _, u := range []string{"yd_case", "yd_leader", "yd_office1", "yd_group1", "yd_reviewer", "yd_reviewer2", "yd_jd001"} {
		tok[u] = createToken(t, data, "", u)
		var me apiMe
		getJSON(t, base, "/api/v1/me", tok[u], &me)
		ids[u] = me.UserID
	}
	// The demo's verification of 陈某, reported as "file a case".
	var clues struct {
		Items []struct {
			ID      int64  `json:"id"`
			Status  string `json:"status"`
			Subject struct {
				Name string `json:"name"`
			} `json:"subject"`
		} `json:"items"`
	}
	getJSON(t, base, "/api/v1/clues?limit=100", tok["yd_leader"], &clues)
	var clueID int64
	for _, c := range clues.Items {
		if c.Subject.Name == "陈某" {
			clueID = c.ID
		}
	}
	if clueID == 0 {
		t.Fatalf("no demo clue of 陈某: %+v", clues.Items)
	}
	ctr := fmt.Sprintf("/api/v1/clues/%d/transitions", clueID)
	var cl apiClue
	postJSON(t, base, ctr, tok["yd_office1"], map[string]any{"action": "submit_verification_report", "outcome": "file_case",
		"text": "查实重复领取补贴12人，建议立案审查。"}, http.StatusOK, &cl)
	postJSON(t, base, ctr, tok["yd_group1"], map[string]any{"action": "sign_report"}, http.StatusOK, &cl)
	postJSON(t, base, ctr, tok["yd_leader"], map[string]any{"action": "approve_verification_report"}, http.StatusOK, &cl)
	if cl.Status != "case_pending" {
		t.Fatalf("clue %+v", cl)
	}

	step := func(name, user string, fn func(t *testing.T, ctx context.Context)) {
		journey(t, bctx, name, 40*time.Second, func(t *testing.T, ctx context.Context) {
			do(t, ctx, "open sign-in", chromedp.Navigate(base+"/login"))
			signIn(t, ctx, user, pw)
			fn(t, ctx)
		})
	}
	step("import a ledger", "yd_case", func(t *testing.T, ctx context.Context) {
		dir := t.TempDir()
		bad := filepath.Join(dir, "案件台账-有误.csv")
		good := filepath.Join(dir, "案件台账.csv")
		for file, body := range map[string]string{bad: caseLedgerCSV + "历史-2023-003,2023-03-01,,赵某,村主任,村干部,,降级,,,,,,,2023-04-01,侵占补贴\n",
			good: caseLedgerCSV} {
			if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		upload := func(file string) {
			do(t, ctx, "open the import page", chromedp.Navigate(base+"/cases/import"), chromedp.WaitVisible(chromedp.CSS(`form[action="/cases/import"]`)))
			do(t, ctx, "upload "+filepath.Base(file), chromedp.SetUploadFiles(`input[name="file"]`, []string{file}),
				chromedp.Click(chromedp.CSS(`form[action="/cases/import"] button[type="submit"]`)))
			waitJS(t, ctx, "the summary", `document.querySelector('.stats')`)
		}
		upload(bad)
		text := bodyText(t, ctx)
		if !strings.Contains(text, "降级") || !strings.Contains(text, "5") || strings.Contains(text, "导入完成") {
			t.Errorf("the refused import: %s", text)
		}
		shot(t, ctx, "case-import-refused")
		upload(good)
		if got := eval[string](t, ctx, `[...document.querySelectorAll('.stat-value')].map(e => e.textContent).join(',')`); got != "3,2,2,3,0,0" {
			t.Errorf("import stats %q", got)
		}
		if text := bodyText(t, ctx); !strings.Contains(text, "12001.00") {
			t.Errorf("totals: %s", text)
		}
		shot(t, ctx, "case-import")
	})

	var caseID int64
	step("file from the clue", "yd_case", func(t *testing.T, ctx context.Context) {
		form := `form[data-op="file_case_request"]`
		do(t, ctx, "open the clue", chromedp.Navigate(fmt.Sprintf("%s/clues/%d", base, clueID)), chromedp.WaitVisible(chromedp.CSS(form)))
		if v := eval[string](t, ctx, `document.querySelector('`+form+` input[name="subject_name"]').value`); v != "陈某" {
			t.Errorf("the card's subject is %q", v)
		}
		chooseBy(t, ctx, form+` select[name="subject_rank"]`, "township", `"township"`)
		chooseBy(t, ctx, form+` select[name="subject_category"]`, "civil_servant", `"civil_servant"`)
		do(t, ctx, "party member and submit", chromedp.Click(chromedp.CSS(form+` input[name="subject_party"]`)),
			chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
		waitJS(t, ctx, "the case page", `location.pathname.match(/^\/cases\/\d+$/) && document.querySelector('.flash')`)
		if st := eval[string](t, ctx, `document.querySelector('h1 .badge').textContent`); st != "立案待审批" {
			t.Errorf("status badge %q", st)
		}
		fmt.Sscanf(eval[string](t, ctx, `location.pathname`), "/cases/%d", &caseID)
		shot(t, ctx, "case-filed-from-clue")
	})
	if caseID == 0 {
		t.Fatal("no case filed")
	}
	var c apiCase
	tr := fmt.Sprintf("/api/v1/cases/%d/transitions", caseID)
	postJSON(t, base, tr, tok["yd_leader"], map[string]any{"action": "approve_filing"}, http.StatusOK, &c)
	postJSON(t, base, tr, tok["yd_case"], map[string]any{"action": "form_team", "members": []int64{ids["yd_office1"], ids["yd_group1"]}},
		http.StatusOK, &c)
	postJSON(t, base, fmt.Sprintf("/api/v1/cases/%d/measures", caseID), tok["yd_office1"], map[string]any{"subject_id": c.Subjects[0].ID,
		"kind": "detention", "approvals": []map[string]any{{"level": "collective", "by": "委务会"}, {"level": "upper", "by": "市监委"}}},
		http.StatusCreated, &c)
	page := fmt.Sprintf("%s/cases/%d", base, caseID)

	type detail struct {
		Clocks []struct {
			Code       string `json:"code"`
			Extensions int    `json:"extensions"`
			Done       bool   `json:"done"`
			State      string `json:"state"`
		} `json:"clocks"`
		Findings []struct {
			Open bool `json:"open"`
		} `json:"findings"`
	}
	clock := func(code string) (ext int, done bool) {
		var d detail
		getJSON(t, base, fmt.Sprintf("/api/v1/cases/%d", caseID), tok["yd_leader"], &d)
		for _, k := range d.Clocks {
			if k.Code == code {
				return k.Extensions, k.Done
			}
		}
		t.Fatalf("no clock %s in %+v", code, d.Clocks)
		return 0, false
	}

	step("extend the detention", "yd_leader", func(t *testing.T, ctx context.Context) {
		form := `form[data-op="extend_measure"]`
		do(t, ctx, "open the case", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(form)))
		chooseBy(t, ctx, form+` select[name="extension"]`, "extend", `"extend"`)
		caseAct(t, ctx, "extend_measure",
			chromedp.SendKeys(chromedp.CSS(form+` input[name="amount"]`), "3"),
			chromedp.SetValue(chromedp.CSS(form+` select[name="unit"]`), "months"),
			chromedp.Click(chromedp.CSS(form+` input[name="approvals"][value="upper"]`)),
			chromedp.SendKeys(chromedp.CSS(form+` input[name="approval_by_upper"]`), "张家界市监委"),
			chromedp.SendKeys(chromedp.CSS(form+` textarea[name="text"]`), "案情重大复杂，需延长留置时间"))
		if m := eval[string](t, ctx, `document.querySelector('.card.measures').textContent`); !strings.Contains(m, "延长") {
			t.Errorf("measures card after the extension: %q", m)
		}
		shot(t, ctx, "case-detention-extended")
	})
	if ext, _ := clock("detention"); ext != 1 {
		t.Errorf("detention clock extensions %d, want 1", ext)
	}

	step("family notice", "yd_office1", func(t *testing.T, ctx context.Context) {
		form := `form[data-op="record_document"]`
		do(t, ctx, "open the case", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(form)))
		chooseBy(t, ctx, form+` select[name="doc_kind"]`, "measure_notice", `"measure_notice"`)
		chooseBy(t, ctx, form+` select[name="measure_id"]`, "the detention",
			`document.querySelector('`+form+` select[name="measure_id"] option:nth-child(2)').value`)
		caseAct(t, ctx, "record_document",
			chromedp.SendKeys(chromedp.CSS(form+` textarea[name="text"]`), "已电话通知其配偶及所在单位"))
		if d := eval[string](t, ctx, `[...document.querySelectorAll('.doc h3')].map(h => h.textContent).join('|')`); !strings.Contains(d, "措施通知书") {
			t.Errorf("documents: %q", d)
		}
	})
	if _, done := clock("measure.notify"); !done {
		t.Errorf("the 24-hour notification clock is still running")
	}

	for _, s := range []struct {
		user string
		body map[string]any
	}{
		{"yd_office1", map[string]any{"action": "submit_report", "text": "审查调查报告"}},
		{"yd_leader", map[string]any{"action": "approve_report"}},
		{"yd_reviewer", map[string]any{"action": "accept_review", "members": []int64{ids["yd_reviewer"], ids["yd_reviewer2"]}}},
	} {
		postJSON(t, base, tr, tok[s.user], s.body, http.StatusOK, &c)
	}
	until := time.Now().AddDate(0, 0, 20).Format(time.DateOnly)

	step("joint review", "yd_reviewer", func(t *testing.T, ctx context.Context) {
		form := `form[data-op="joint_review"]`
		do(t, ctx, "open the case", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(form)))
		eval[bool](t, ctx, fmt.Sprintf(`(() => { const o = document.querySelector('%s select[name="members"] option[value="%d"]'); o.selected = true;
			document.querySelector('%s input[name="until"]').value = '%s'; return true })()`, form, ids["yd_jd001"], form, until))
		caseAct(t, ctx, "joint_review",
			chromedp.SendKeys(chromedp.CSS(form+` textarea[name="finding_evidence"]`), "讯问笔录缺少被审查人签名"),
			chromedp.SendKeys(chromedp.CSS(form+` textarea[name="text"]`), "第一片区案件质量联审意见"))
		row := eval[string](t, ctx, `document.querySelector('.card.findings tbody tr').textContent`)
		if !strings.Contains(row, "证据") || !strings.Contains(row, "待整改") || !strings.Contains(row, "联审员甲") {
			t.Errorf("finding row %q", row)
		}
		shot(t, ctx, "case-joint-review")
	})

	step("resolve the finding", "yd_office1", func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open the case", chromedp.Navigate(page))
		caseAct(t, ctx, "resolve_finding",
			chromedp.SendKeys(chromedp.CSS(`form[data-op="resolve_finding"] textarea[name="text"]`), "已由被审查人补签笔录"))
		row := eval[string](t, ctx, `document.querySelector('.card.findings tbody tr').textContent`)
		if !strings.Contains(row, "已销号") || !strings.Contains(row, "补签") {
			t.Errorf("resolved finding row %q", row)
		}
		href := eval[string](t, ctx, `document.querySelector('.doc a[href*="/documents/"]').getAttribute('href')`)
		do(t, ctx, "the print page", chromedp.Navigate(base+href), chromedp.WaitVisible(chromedp.CSS(".print-doc")))
		if h := eval[string](t, ctx, `document.querySelector('.print-doc h1').textContent`); h != "立案审批呈报表" {
			t.Errorf("print page title %q", h)
		}
		shot(t, ctx, "case-document-print")
	})
	var d detail
	getJSON(t, base, fmt.Sprintf("/api/v1/cases/%d", caseID), tok["yd_jd001"], &d)
	if len(d.Findings) != 1 || d.Findings[0].Open {
		t.Errorf("findings seen by the joint reviewer %+v", d.Findings)
	}
}
