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
}
