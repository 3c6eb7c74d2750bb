package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

type apiCase struct {
	ID       int64  `json:"id"`
	Number   string `json:"number"`
	Status   string `json:"status"`
	Joint    bool   `json:"joint"`
	Subjects []struct {
		ID int64 `json:"id"`
	} `json:"subjects"`
}

// TestCaseAPI files a case through the API on both engines: a direct
// filing numbered in the county's ledger, refusals with stable codes,
// approval, a joint investigation team, a detention with its clock, the
// case page and the ledger filters under the scope.
func TestCaseAPI(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testCaseAPI(t, "") })
	t.Run("postgres", func(t *testing.T) { testCaseAPI(t, postgresDSN(t)) })
}

func testCaseAPI(t *testing.T, db string) {
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
	office1 := findUnit(t, base, tok["yd_leader"], "第一纪检监察室", "office", "第一纪检监察室")
	year := time.Now().In(time.FixedZone("CST", 8*3600)).Year()

	in := map[string]any{"lead_unit_id": office1.ID, "category": "subsidies", "cause": "截留挪用惠农补贴",
		"direct_reason": "在审查其他案件中发现", "subjects": []map[string]any{{"name": "王某", "post": "局长", "rank": "department",
			"category": "civil_servant", "party_member": true}}}
	postError(t, base, "/api/v1/cases", tok["yd_office1"], in, http.StatusForbidden, "forbidden", "")
	var c apiCase
	postJSON(t, base, "/api/v1/cases", tok["yd_case"], in, http.StatusCreated, &c)
	if c.Status != "filing_review" || !strings.HasPrefix(c.Number, fmt.Sprintf("永纪案〔%d〕", year)) || len(c.Subjects) != 1 {
		t.Fatalf("filed: %+v", c)
	}
	tr := fmt.Sprintf("/api/v1/cases/%d/transitions", c.ID)
	postError(t, base, tr, tok["yd_leader"], map[string]any{"action": "fly"}, http.StatusUnprocessableEntity, "invalid", "case.action_invalid")
	postError(t, base, tr, tok["yd_leader"], map[string]any{"action": "approve_report"}, http.StatusConflict, "conflict", "case.transition_invalid")
	postError(t, base, tr, tok["yd_case"], map[string]any{"action": "approve_filing"}, http.StatusForbidden, "forbidden", "case.action_forbidden")
	postError(t, base, tr, tok["cl_township"], map[string]any{"action": "approve_filing"}, http.StatusNotFound, "not_found", "")
	postJSON(t, base, tr, tok["yd_leader"], map[string]any{"action": "approve_filing", "text": "同意立案"}, http.StatusOK, &c)
	if c.Status != "investigation" {
		t.Fatalf("approved: %+v", c)
	}
	postJSON(t, base, tr, tok["yd_case"], map[string]any{"action": "form_team", "members": []int64{ids["yd_office1"], ids["yd_group1"]}},
		http.StatusOK, &c)
	if !c.Joint {
		t.Fatalf("team: %+v", c)
	}
	ms := fmt.Sprintf("/api/v1/cases/%d/measures", c.ID)
	det := map[string]any{"subject_id": c.Subjects[0].ID, "kind": "detention",
		"approvals": []map[string]any{{"level": "collective", "by": "委务会"}}}
	postError(t, base, ms, tok["yd_office1"], det, http.StatusUnprocessableEntity, "invalid", "case.measure_approval_required")
	det["approvals"] = []map[string]any{{"level": "collective", "by": "委务会"}, {"level": "upper", "by": "张家界市监委"}}
	postJSON(t, base, ms, tok["yd_office1"], det, http.StatusCreated, &c)

	var page struct {
		Case     apiCase `json:"case"`
		Measures []struct {
			Kind string `json:"kind"`
		} `json:"measures"`
		Clocks []struct {
			Code  string    `json:"code"`
			Due   time.Time `json:"due_at"`
			State string    `json:"state"`
		} `json:"clocks"`
		Team    []map[string]any `json:"team"`
		History []map[string]any `json:"history"`
		Actions []string         `json:"actions"`
	}
	getJSON(t, base, fmt.Sprintf("/api/v1/cases/%d", c.ID), tok["yd_office1"], &page)
	if len(page.Measures) != 1 || len(page.Team) != 2 || len(page.History) != 4 || len(page.Clocks) != 2 ||
		page.Clocks[0].Code != "detention" || page.Clocks[0].State != "running" {
		t.Fatalf("page: %+v", page)
	}
	want := time.Now().AddDate(0, 3, 0)
	if d := page.Clocks[0].Due.Sub(want); d < -48*time.Hour || d > 48*time.Hour {
		t.Errorf("detention due %v, want about %v", page.Clocks[0].Due, want)
	}
	// The measures screen lists the running detention with its clock.
	var mlist struct {
		Items []struct {
			CaseID   int64  `json:"case_id"`
			Kind     string `json:"kind"`
			Clock    string `json:"clock_code"`
			DaysLeft *int   `json:"days_left"`
			State    string `json:"state"`
		} `json:"items"`
		Total int `json:"total"`
	}
	getJSON(t, base, "/api/v1/measures", tok["yd_office1"], &mlist)
	if mlist.Total != 1 || len(mlist.Items) != 1 || mlist.Items[0].CaseID != c.ID || mlist.Items[0].Kind != "detention" ||
		mlist.Items[0].Clock != "detention" || mlist.Items[0].State != "running" || mlist.Items[0].DaysLeft == nil || *mlist.Items[0].DaysLeft < 85 {
		t.Errorf("measures: %+v", mlist)
	}
	getJSON(t, base, "/api/v1/measures?state=overdue", tok["yd_office1"], &mlist)
	if mlist.Total != 0 {
		t.Errorf("overdue measures: %+v", mlist)
	}
	getJSON(t, base, fmt.Sprintf("/api/v1/cases/%d", c.ID), tok["yd_reviewer"], &page)

	type caseList struct {
		Items []apiCase `json:"items"`
		Total int       `json:"total"`
	}
	for _, tt := range []struct {
		user, query string
		want        int
	}{
		{"yd_leader", "", 1},
		{"yd_leader", "?status=investigation", 1},
		{"yd_leader", "?status=review", 0},
		{"yd_leader", fmt.Sprintf("?unit=%d", office1.ID), 1},
		{"yd_leader", "?category=farmland", 0},
		{"yd_leader", "?overdue=true", 0},
		{"cl_township", "", 0},
	} {
		var l caseList
		getJSON(t, base, "/api/v1/cases"+tt.query, tok[tt.user], &l)
		if l.Total != tt.want {
			t.Errorf("%s %s: %d cases, want %d", tt.user, tt.query, l.Total, tt.want)
		}
	}
	wantAPIError(t, base, "/api/v1/cases?status=flying", tok["yd_leader"], http.StatusUnprocessableEntity, "invalid")
	wantAPIError(t, base, fmt.Sprintf("/api/v1/cases/%d", c.ID), tok["cl_township"], http.StatusNotFound, "not_found")

	caseOutcomesAPI(t, srv.base, data, db, tok, ids, office1.ID)
}

// caseOutcomesAPI takes a case with a village cadre and a civil servant
// from review to execution through the API: the village cadre refused 降级
// (422 with gov "case.sanction_not_allowed"), outcomes with their forms on
// the case page, the decision and the execution clocks.
func caseOutcomesAPI(t *testing.T, base, data, db string, tok map[string]string, ids map[string]int64, office1 int64) {
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

	in := map[string]any{"lead_unit_id": office1, "category": "subsidies", "cause": "截留惠农补贴", "direct_reason": "上级交办",
		"subjects": []map[string]any{
			{"name": "村支书甲", "post": "村党支部书记", "rank": "village", "category": "village_cadre", "party_member": true},
			{"name": "股长乙", "post": "股长", "rank": "general", "category": "civil_servant", "party_member": true}}}
	var c apiCase
	postJSON(t, base, "/api/v1/cases", tok["yd_case"], in, http.StatusCreated, &c)
	tr := fmt.Sprintf("/api/v1/cases/%d/transitions", c.ID)
	step := func(user string, body map[string]any) {
		t.Helper()
		postJSON(t, base, tr, tok[user], body, http.StatusOK, &c)
	}
	step("yd_leader", map[string]any{"action": "approve_filing"})
	step("yd_case", map[string]any{"action": "form_team", "members": []int64{ids["yd_office1"], ids["yd_group1"]}})
	out := func(i int) string {
		return fmt.Sprintf("/api/v1/cases/%d/subjects/%d/outcomes", c.ID, c.Subjects[i].ID)
	}
	postError(t, base, out(0), tok["yd_reviewer"], map[string]any{"gov": "warning"}, http.StatusConflict, "conflict", "case.outcome_closed")
	step("yd_office1", map[string]any{"action": "submit_report", "text": "审查调查报告"})
	step("yd_leader", map[string]any{"action": "approve_report"})
	step("yd_reviewer", map[string]any{"action": "accept_review", "members": []int64{ids["yd_reviewer"], r2.UserID}})
	if c.Status != "review" {
		t.Fatalf("review: %+v", c)
	}
	postError(t, base, tr, tok["yd_reviewer"], map[string]any{"action": "submit_review_report", "text": "审理报告"},
		http.StatusUnprocessableEntity, "invalid", "case.outcome_missing")
	postError(t, base, out(0), tok["yd_reviewer"], map[string]any{"party": "warning", "gov": "demotion"},
		http.StatusUnprocessableEntity, "invalid", "case.sanction_not_allowed")
	postError(t, base, out(0), tok["yd_office1"], map[string]any{"party": "warning"}, http.StatusForbidden, "forbidden",
		"case.action_forbidden")
	postError(t, base, fmt.Sprintf("/api/v1/cases/%d/subjects/999999/outcomes", c.ID), tok["yd_reviewer"],
		map[string]any{"party": "warning"}, http.StatusNotFound, "not_found", "")
	postJSON(t, base, out(0), tok["yd_reviewer"], map[string]any{"party": "warning", "gov": "major_demerit", "ordered_fen": 5_000_000,
		"returned_fen": 5_000_000}, http.StatusCreated, &c)
	postJSON(t, base, out(1), tok["yd_reviewer"], map[string]any{"party": "probation", "probation_years": 1, "gov": "dismissal",
		"org": []string{"demotion"}}, http.StatusCreated, &c)
	step("yd_reviewer", map[string]any{"action": "submit_review_report", "text": "审理报告"})
	postError(t, base, tr, tok["yd_reviewer"], map[string]any{"action": "approve_review_report"}, http.StatusForbidden, "forbidden",
		"case.action_forbidden")
	step("yd_leader", map[string]any{"action": "approve_review_report"})
	postError(t, base, tr, tok["yd_office1"], map[string]any{"action": "close"}, http.StatusConflict, "conflict", "case.transition_invalid")
	step("yd_leader", map[string]any{"action": "decide", "text": "常委会决定"})
	if c.Status != "execution" {
		t.Fatalf("decided: %+v", c)
	}

	var page struct {
		Case struct {
			Subjects []struct {
				Name    string `json:"name"`
				Form    int    `json:"form"`
				Outcome *struct {
					Party      string `json:"party"`
					Gov        string `json:"gov"`
					OrderedFen int64  `json:"ordered_fen"`
				} `json:"outcome"`
			} `json:"subjects"`
		} `json:"case"`
		Clocks []struct {
			Code       string    `json:"code"`
			ObjectType string    `json:"object_type"`
			Due        time.Time `json:"due_at"`
		} `json:"clocks"`
	}
	getJSON(t, base, fmt.Sprintf("/api/v1/cases/%d", c.ID), tok["yd_leader"], &page)
	subs := page.Case.Subjects
	if len(subs) != 2 || subs[0].Form != 2 || subs[1].Form != 3 || subs[0].Outcome == nil || subs[0].Outcome.Gov != "major_demerit" ||
		subs[0].Outcome.OrderedFen != 5_000_000 || subs[1].Outcome == nil || subs[1].Outcome.Party != "probation" {
		t.Fatalf("subjects: %+v", subs)
	}
	codes := map[string]int{}
	for _, k := range page.Clocks {
		if k.ObjectType == "case_subject" {
			codes[k.Code]++
			want := time.Now().AddDate(0, 1, 0)
			if k.Code == "sanction.execution_report" {
				want = time.Now().AddDate(0, 6, 0)
			}
			if d := k.Due.Sub(want); d < -96*time.Hour || d > 96*time.Hour {
				t.Errorf("%s due %v, want about %v", k.Code, k.Due, want)
			}
		}
	}
	wantCodes := map[string]int{"sanction.announce": 2, "sanction.execution_report": 2, "gov_sanction.serve": 2,
		"gov_sanction.pay_change": 1, "funds.execute": 1}
	if fmt.Sprint(codes) != fmt.Sprint(wantCodes) {
		t.Errorf("subject clocks %v, want %v", codes, wantCodes)
	}
	postError(t, base, tr, tok["yd_office1"], map[string]any{"action": "record_execution", "subject_id": c.Subjects[0].ID,
		"text": "已执行"}, http.StatusConflict, "conflict", "case.step_order")
	step("yd_office1", map[string]any{"action": "announce", "subject_id": c.Subjects[0].ID, "text": "宣布"})
	postError(t, base, tr, tok["yd_leader"], map[string]any{"action": "close"}, http.StatusConflict, "conflict", "case.execution_open")

	// The last part of the workflow through the API: documents by stage,
	// the procuratorate's return without a transfer, appeals and merging
	// only from their states.
	postError(t, base, tr, tok["yd_office1"], map[string]any{"action": "record_document", "doc_kind": "review_report", "text": "x"},
		http.StatusUnprocessableEntity, "invalid", "case.doc_kind_invalid")
	step("yd_office1", map[string]any{"action": "record_document", "doc_kind": "funds_receipt", "title": "追缴款收据",
		"subject_id": c.Subjects[0].ID, "doc_date": time.Now().Format(time.DateOnly), "text": "已追缴违纪款 50,000 元"})
	var docs struct {
		Documents []struct {
			ID    int64  `json:"id"`
			Kind  string `json:"kind"`
			Title string `json:"title"`
		} `json:"documents"`
		Findings []any `json:"findings"`
		Appeals  []any `json:"appeals"`
	}
	getJSON(t, base, fmt.Sprintf("/api/v1/cases/%d", c.ID), tok["yd_leader"], &docs)
	last := docs.Documents[len(docs.Documents)-1]
	if last.Kind != "funds_receipt" || last.Title != "追缴款收据" || last.ID == 0 || docs.Findings == nil || docs.Appeals == nil {
		t.Fatalf("documents %+v findings %v appeals %v", docs.Documents, docs.Findings, docs.Appeals)
	}
	postError(t, base, tr, tok["yd_office1"], map[string]any{"action": "prosecution_return", "text": "退回补充调查"},
		http.StatusConflict, "conflict", "case.not_transferred")
	postError(t, base, tr, tok["yd_leader"], map[string]any{"action": "decide_appeal", "appeal_outcome": "upheld", "text": "维持"},
		http.StatusConflict, "conflict", "case.transition_invalid")
	postError(t, base, tr, tok["yd_leader"], map[string]any{"action": "merge", "target_id": c.ID, "text": "并案"},
		http.StatusConflict, "conflict", "case.transition_invalid")
}
