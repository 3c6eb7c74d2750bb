//go:build e2e

package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestE2ECaseOutcome takes a case to review through the API and records a
// subject's outcome on the case page as the reviewer: a village cadre's
// 降级 is refused with the reason in Chinese, then a permitted outcome with
// an amount in yuan shows its four form on the page.
func TestE2ECaseOutcome(t *testing.T) {
	bctx := browser(t)
	data := t.TempDir()
	srv := startServe(t, data, "")
	base, pw := srv.base, srv.password
	tok := map[string]string{}
	ids := map[string]int64{}
	for _, u := range []string{"yd_case", "yd_leader", "yd_office1", "yd_group1", "yd_reviewer"} {
		tok[u] = createToken(t, data, "", u)
		var me apiMe
		getJSON(t, base, "/api/v1/me", tok[u], &me)
		ids[u] = me.UserID
	}
	var rev struct {
		UnitID int64 `json:"unit_id"`
	}
	getJSON(t, base, "/api/v1/me", tok["yd_reviewer"], &rev)
	mustRun(t, "StrongPass-2026\n", "user", "add", "--username", "yd_reviewer2", "--role", "reviewer", "--unit", fmt.Sprint(rev.UnitID),
		"--name", "审理员二", "--password-stdin", "--data", data)
	tok["yd_reviewer2"] = createToken(t, data, "", "yd_reviewer2")
	var r2 apiMe
	getJSON(t, base, "/api/v1/me", tok["yd_reviewer2"], &r2)
	office1 := findUnit(t, base, tok["yd_leader"], "第一纪检监察室", "office", "第一纪检监察室")

	var c apiCase
	postJSON(t, base, "/api/v1/cases", tok["yd_case"], map[string]any{"lead_unit_id": office1.ID, "category": "subsidies",
		"cause": "截留惠农补贴", "direct_reason": "上级交办", "subjects": []map[string]any{
			{"name": "村支书甲", "post": "村党支部书记", "rank": "village", "category": "village_cadre", "party_member": true}}},
		http.StatusCreated, &c)
	tr := fmt.Sprintf("/api/v1/cases/%d/transitions", c.ID)
	for _, s := range []struct {
		user string
		body map[string]any
	}{
		{"yd_leader", map[string]any{"action": "approve_filing"}},
		{"yd_case", map[string]any{"action": "form_team", "members": []int64{ids["yd_office1"], ids["yd_group1"]}}},
		{"yd_office1", map[string]any{"action": "submit_report", "text": "审查调查报告"}},
		{"yd_leader", map[string]any{"action": "approve_report"}},
		{"yd_reviewer", map[string]any{"action": "accept_review", "members": []int64{ids["yd_reviewer"], r2.UserID}}},
	} {
		postJSON(t, base, tr, tok[s.user], s.body, http.StatusOK, &c)
	}
	if c.Status != "review" {
		t.Fatalf("case not in review: %+v", c)
	}
	page := fmt.Sprintf("%s/cases/%d", base, c.ID)
	form := fmt.Sprintf(`form[data-subject="%d"]`, c.Subjects[0].ID)

	journey(t, bctx, "outcome", 40*time.Second, func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open sign-in", chromedp.Navigate(base+"/login"))
		signIn(t, ctx, "yd_reviewer", pw)
		do(t, ctx, "open the case", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(form)))
		labels := eval[[]string](t, ctx, `[...document.querySelectorAll('`+form+` input[name="org"], `+form+
			` input[name="first"]')].map(i => i.parentElement.textContent.trim())`)
		if len(labels) != 17 || labels[0] != "停职检查" || labels[5] != "提醒谈话" {
			t.Errorf("organisational and first-form choices: %q", labels)
		}
		chooseBy(t, ctx, form+` select[name="party"]`, "warning", `"warning"`)
		chooseBy(t, ctx, form+` select[name="gov"]`, "demotion", `"demotion"`)
		do(t, ctx, "submit 降级", chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
		waitJS(t, ctx, "the refusal", `document.querySelector('.flash.error')`)
		if msg := bodyText(t, ctx); !strings.Contains(msg, "警告、记过、记大过") {
			t.Errorf("refusal does not name the permitted sanctions: %s", msg)
		}
		do(t, ctx, "back to the case", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(form)))
		chooseBy(t, ctx, form+` select[name="party"]`, "warning", `"warning"`)
		chooseBy(t, ctx, form+` select[name="gov"]`, "major_demerit", `"major_demerit"`)
		do(t, ctx, "amount and submit",
			chromedp.SendKeys(chromedp.CSS(form+` input[name="ordered_fen"]`), "50,000.50"),
			chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
		waitJS(t, ctx, "the recorded outcome", `document.querySelector('.flash') && !document.querySelector('.flash.error')`)
		row := eval[string](t, ctx, `document.querySelector('table.subjects tbody tr').textContent`)
		if !strings.Contains(row, "记大过") || !strings.Contains(row, "第二种形态") {
			t.Errorf("subject row after the outcome: %q", row)
		}
		shot(t, ctx, "case-outcome")
	})

	var got struct {
		Case struct {
			Subjects []struct {
				Form    int `json:"form"`
				Outcome *struct {
					OrderedFen int64 `json:"ordered_fen"`
				} `json:"outcome"`
			} `json:"subjects"`
		} `json:"case"`
	}
	getJSON(t, base, fmt.Sprintf("/api/v1/cases/%d", c.ID), tok["yd_reviewer"], &got)
	if len(got.Case.Subjects) != 1 || got.Case.Subjects[0].Form != 2 || got.Case.Subjects[0].Outcome == nil ||
		got.Case.Subjects[0].Outcome.OrderedFen != 5_000_050 {
		t.Errorf("outcome through the page: %+v", got.Case.Subjects)
	}
}
