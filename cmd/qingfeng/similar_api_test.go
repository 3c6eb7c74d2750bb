package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// TestSimilarAPI closes a case through the API on both engines, finds it
// as similar case of a new one (not for another county), marks it as
// teaching case (refused to an office cadre), reads the anonymised copy
// and withdraws it.
func TestSimilarAPI(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testSimilarAPI(t, "") })
	t.Run("postgres", func(t *testing.T) { testSimilarAPI(t, postgresDSN(t)) })
}

func testSimilarAPI(t *testing.T, db string) {
	data := t.TempDir()
	srv := startServe(t, data, db)
	base := srv.base
	tok := map[string]string{}
	ids := map[string]int64{}
	for _, u := range []string{"yd_case", "yd_leader", "yd_office1", "yd_group1", "yd_reviewer", "cl_township"} {
		tok[u] = createToken(t, data, db, u)
		var me apiMe
		getJSON(t, base, "/api/v1/me", tok[u], &me)
		ids[u] = me.UserID
	}
	var me struct {
		UnitID int64 `json:"unit_id"`
	}
	getJSON(t, base, "/api/v1/me", tok["yd_reviewer"], &me)
	args := []string{"user", "add", "--username", "yd_reviewer2", "--role", "reviewer", "--unit", fmt.Sprint(me.UnitID),
		"--name", "审理员二", "--password-stdin", "--data", data}
	if db != "" {
		args = append(args, "--db", db)
	}
	mustRun(t, "StrongPass-2026\n", args...)
	tok["yd_reviewer2"] = createToken(t, data, db, "yd_reviewer2")
	var r2 apiMe
	getJSON(t, base, "/api/v1/me", tok["yd_reviewer2"], &r2)
	office1 := findUnit(t, base, tok["yd_leader"], "第一纪检监察室", "office", "第一纪检监察室")

	const facts = "任村党支部书记期间，虚报冒领、截留挪用耕地地力保护补贴，用于个人开支。"
	filing := func(name string) map[string]any {
		return map[string]any{"lead_unit_id": office1.ID, "category": "subsidies", "cause": name + "截留挪用惠农补贴",
			"summary": name + facts + name + "（手机13812345678）已退缴。", "direct_reason": "上级交办",
			"subjects": []map[string]any{{"name": name, "unit": "杨家溪村村委会", "post": "村党支部书记", "rank": "village",
				"category": "village_cadre", "party_member": true}}}
	}
	var c apiCase
	postJSON(t, base, "/api/v1/cases", tok["yd_case"], filing("欧阳明华"), http.StatusCreated, &c)
	tr := fmt.Sprintf("/api/v1/cases/%d/transitions", c.ID)
	step := func(user string, body map[string]any) {
		t.Helper()
		postJSON(t, base, tr, tok[user], body, http.StatusOK, &c)
	}
	step("yd_leader", map[string]any{"action": "approve_filing"})
	step("yd_case", map[string]any{"action": "form_team", "members": []int64{ids["yd_office1"], ids["yd_group1"]}})
	step("yd_office1", map[string]any{"action": "submit_report", "text": "审查调查报告"})
	step("yd_leader", map[string]any{"action": "approve_report"})
	step("yd_reviewer", map[string]any{"action": "accept_review", "members": []int64{ids["yd_reviewer"], r2.UserID}})
	postJSON(t, base, fmt.Sprintf("/api/v1/cases/%d/subjects/%d/outcomes", c.ID, c.Subjects[0].ID), tok["yd_reviewer"],
		map[string]any{"party": "serious_warning"}, http.StatusCreated, &c)
	step("yd_reviewer", map[string]any{"action": "submit_review_report", "text": "审理报告"})
	step("yd_leader", map[string]any{"action": "approve_review_report"})
	step("yd_leader", map[string]any{"action": "decide", "text": "常委会决定"})
	sid := c.Subjects[0].ID
	step("yd_office1", map[string]any{"action": "announce", "subject_id": sid, "text": "宣布"})
	step("yd_office1", map[string]any{"action": "record_execution", "subject_id": sid, "text": "已执行"})
	step("yd_group1", map[string]any{"action": "report_execution", "subject_id": sid, "text": "执行情况报告"})
	step("yd_leader", map[string]any{"action": "close", "text": "结案"})
	if c.Status != "closed" {
		t.Fatalf("closed: %+v", c)
	}
	postError(t, base, fmt.Sprintf("/api/v1/cases/%d/teaching", c.ID), tok["yd_leader"], map[string]any{"title": ""},
		http.StatusUnprocessableEntity, "invalid", "")

	var open apiCase
	postJSON(t, base, "/api/v1/cases", tok["yd_case"], filing("王五"), http.StatusCreated, &open)
	var sim struct {
		CaseID int64 `json:"case_id"`
		Items  []struct {
			Case struct {
				ID       int64 `json:"id"`
				Subjects []struct {
					Form    int `json:"form"`
					Outcome *struct {
						Party string `json:"party"`
					} `json:"outcome"`
				} `json:"subjects"`
			} `json:"case"`
			Score   float64 `json:"score"`
			Reasons []struct {
				Code  string  `json:"code"`
				Value float64 `json:"value"`
			} `json:"reasons"`
		} `json:"items"`
	}
	getJSON(t, base, fmt.Sprintf("/api/v1/cases/%d/similar", open.ID), tok["yd_leader"], &sim)
	if len(sim.Items) != 1 || sim.Items[0].Case.ID != c.ID || len(sim.Items[0].Reasons) != 4 ||
		sim.Items[0].Reasons[3].Code != "similar_facts" || sim.Items[0].Reasons[3].Value < 0.9 ||
		sim.Items[0].Case.Subjects[0].Outcome == nil || sim.Items[0].Case.Subjects[0].Outcome.Party != "serious_warning" ||
		sim.Items[0].Case.Subjects[0].Form != 2 {
		t.Fatalf("similar: %+v", sim)
	}
	wantAPIError(t, base, fmt.Sprintf("/api/v1/cases/%d/similar", open.ID), tok["cl_township"], http.StatusNotFound, "not_found")

	mark := fmt.Sprintf("/api/v1/cases/%d/teaching", c.ID)
	body := map[string]any{"title": "欧阳明华截留补贴案", "note": "欧阳明华案的警示"}
	postError(t, base, mark, tok["yd_office1"], body, http.StatusForbidden, "forbidden", "")
	postError(t, base, fmt.Sprintf("/api/v1/cases/%d/teaching", open.ID), tok["yd_leader"], body, http.StatusConflict, "conflict",
		"casesimilar.not_closed")
	var tc struct {
		ID      int64  `json:"id"`
		CaseID  int64  `json:"case_id"`
		Title   string `json:"title"`
		Version int64  `json:"version"`
	}
	code, b := send(t, http.MethodPost, base+mark, tok["yd_leader"], body)
	if code != http.StatusCreated || json.Unmarshal(b, &tc) != nil {
		t.Fatalf("mark: %d %s", code, b)
	}
	raw := string(b)
	for _, leak := range []string{"欧阳明华", "13812345678", "杨家溪村村委会", c.Number} {
		if strings.Contains(raw, leak) {
			t.Errorf("teaching case contains %q: %s", leak, raw)
		}
	}
	if tc.Title != "欧阳某截留补贴案" || tc.CaseID != c.ID {
		t.Errorf("teaching case %+v", tc)
	}
	postError(t, base, mark, tok["yd_leader"], body, http.StatusConflict, "conflict", "casesimilar.already_teaching")

	var l struct {
		Items []map[string]any `json:"items"`
		Total int              `json:"total"`
	}
	getJSON(t, base, "/api/v1/teaching-cases", tok["yd_office1"], &l)
	if l.Total != 1 || l.Items[0]["case_id"] != nil {
		t.Errorf("teaching cases: %+v", l)
	}
	getJSON(t, base, "/api/v1/teaching-cases", tok["cl_township"], &l)
	if l.Total != 0 {
		t.Errorf("another county reads %+v", l)
	}
	wantAPIError(t, base, fmt.Sprintf("/api/v1/teaching-cases/%d", tc.ID), tok["cl_township"], http.StatusNotFound, "not_found")
	wd := fmt.Sprintf("/api/v1/teaching-cases/%d/withdraw", tc.ID)
	postError(t, base, wd, tok["yd_office1"], map[string]any{"reason": "不再适用"}, http.StatusForbidden, "forbidden", "")
	var w struct {
		WithdrawnAt *string `json:"withdrawn_at"`
	}
	postJSON(t, base, wd, tok["yd_leader"], map[string]any{"reason": "不再适用", "version": tc.Version}, http.StatusOK, &w)
	if w.WithdrawnAt == nil {
		t.Errorf("withdrawn: %+v", w)
	}
	getJSON(t, base, "/api/v1/teaching-cases", tok["yd_office1"], &l)
	if l.Total != 0 {
		t.Errorf("withdrawn still listed: %+v", l)
	}

	// The staff pages render: similar cases, the teaching list with the
	// withdrawn copy, the teaching case's page without the name.
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	cl := &http.Client{Jar: jar}
	resp, err := cl.PostForm(base+"/login", url.Values{"username": {"yd_leader"}, "password": {srv.password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, pg := range []struct{ path, want string }{
		{fmt.Sprintf("/cases/%d/similar", open.ID), "事实相似"},
		{fmt.Sprintf("/cases/%d/similar", c.ID), "标记为教学案例"},
		{"/cases/teaching?withdrawn=1", "欧阳某截留补贴案"},
		{fmt.Sprintf("/teaching-cases/%d", tc.ID), "不再适用"},
	} {
		resp, err := cl.Get(base + pg.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), pg.want) || (strings.HasPrefix(pg.path, "/teaching") &&
			strings.Contains(string(b), "欧阳明华")) {
			t.Errorf("GET %s: %d, want %q in\n%s", pg.path, resp.StatusCode, pg.want, b)
		}
	}
}
