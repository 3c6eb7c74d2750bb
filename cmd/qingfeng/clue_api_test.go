package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// send sends a JSON request with a bearer token and returns the status and
// body.
func send(t *testing.T, method, url, token string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	c := &http.Client{Timeout: 15 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// postJSON posts body and decodes the answer into out when the status is
// want; any other status fails the test.
func postJSON(t *testing.T, base, path, token string, body any, want int, out any) {
	t.Helper()
	code, b := send(t, http.MethodPost, base+path, token, body)
	if code != want {
		t.Fatalf("POST %s: status %d, want %d; body %s", path, code, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("POST %s: decode: %v; body %s", path, err, b)
		}
	}
}

// postError posts body and checks the status and the stable error code.
func postError(t *testing.T, base, path, token string, body any, status int, code, key string) {
	t.Helper()
	got, b := send(t, http.MethodPost, base+path, token, body)
	var e struct {
		Error struct {
			Code       string            `json:"code"`
			Message    string            `json:"message"`
			FieldCodes map[string]string `json:"field_codes"`
		} `json:"error"`
	}
	_ = json.Unmarshal(b, &e)
	if got != status || e.Error.Code != code {
		t.Fatalf("POST %s: %d %s, want %d %s; body %s", path, got, e.Error.Code, status, code, b)
	}
	if key != "" && !bytes.Contains(b, []byte(`"`+key+`"`)) && e.Error.Message == "" {
		t.Fatalf("POST %s: no %s in %s", path, key, b)
	}
}

type apiClue struct {
	ID          int64  `json:"id"`
	Number      string `json:"number"`
	Status      string `json:"status"`
	Mode        string `json:"mode"`
	UnitID      int64  `json:"unit_id"`
	Unit        string `json:"unit"`
	OwnerUserID int64  `json:"owner_user_id"`
	Version     int64  `json:"version"`
	Joint       bool   `json:"joint"`
}

type apiMe struct {
	UserID int64 `json:"user_id"`
}

// TestClueAPI follows clues through the API on both engines: a report
// turned into a clue, assignment with approval, an inquiry by letter with
// its clock, refusals with stable codes, a consultation meeting whose
// decision lands on the clue, and the ledger filters.
func TestClueAPI(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testClueAPI(t, "") })
	t.Run("postgres", func(t *testing.T) { testClueAPI(t, postgresDSN(t)) })
}

func testClueAPI(t *testing.T, db string) {
	data := t.TempDir()
	srv := startServe(t, data, db)
	base := srv.base
	tok := map[string]string{}
	ids := map[string]int64{}
	for _, u := range []string{"yd_petition", "yd_case", "yd_leader", "yd_tms", "yd_office1", "yd_group1", "cl_township"} {
		tok[u] = createToken(t, data, db, u)
		var me apiMe
		getJSON(t, base, "/api/v1/me", tok[u], &me)
		ids[u] = me.UserID
	}
	tms := findUnit(t, base, tok["yd_leader"], "天门山镇", "township", "天门山镇纪委")
	office1 := findUnit(t, base, tok["yd_leader"], "第一纪检监察室", "office", "第一纪检监察室")
	year := time.Now().In(time.FixedZone("CST", 8*3600)).Year()

	// The petition office registers a letter.
	var rep struct {
		Report struct {
			ID int64 `json:"id"`
		} `json:"report"`
		ID int64 `json:"id"`
	}
	postJSON(t, base, "/api/v1/reports", tok["yd_petition"], map[string]any{"kind": "accusation", "channel": "letter",
		"title": "村支书截留低保金", "content": "天门山镇某村党支部书记截留低保金三万元。", "division_code": "430802103",
		"category": "subsidies", "anonymous": true,
		"subject": map[string]string{"name": "李某", "unit": "某村党支部", "post": "党支部书记", "level": "village"}}, http.StatusCreated, &rep)
	reportID := rep.Report.ID
	if reportID == 0 {
		reportID = rep.ID
	}
	// The report about a village cadre of 天门山镇 is routed to its
	// township commission, which turns it into a clue of its own ledger.
	var c apiClue
	postError(t, base, "/api/v1/clues", tok["yd_petition"], map[string]any{"report_id": reportID}, http.StatusNotFound, "not_found", "")
	postJSON(t, base, "/api/v1/clues", tok["yd_tms"], map[string]any{"report_id": reportID}, http.StatusCreated, &c)
	if c.Number != fmt.Sprintf("天纪线〔%d〕1号", year) || c.Status != "registered" {
		t.Fatalf("clue from report: %+v", c)
	}
	postError(t, base, "/api/v1/clues", tok["yd_tms"], map[string]any{"report_id": reportID}, http.StatusConflict, "conflict",
		"clue.source_has_clue")
	path := "/api/v1/clues/" + strconv.FormatInt(c.ID, 10) + "/transitions"

	// Refusals: unknown action 400, wrong state 409, wrong user 403.
	postError(t, base, path, tok["yd_case"], map[string]any{"action": "fly"}, http.StatusUnprocessableEntity, "invalid", "clue.action_invalid")
	postError(t, base, path, tok["yd_leader"], map[string]any{"action": "approve_disposal"}, http.StatusConflict, "conflict",
		"clue.transition_invalid")
	postError(t, base, path, tok["yd_leader"], map[string]any{"action": "propose_assignment", "unit_id": tms.ID, "owner_id": ids["yd_tms"]},
		http.StatusForbidden, "forbidden", "clue.action_forbidden")

	postJSON(t, base, path, tok["yd_case"], map[string]any{"action": "propose_assignment", "unit_id": tms.ID, "owner_id": ids["yd_tms"],
		"text": "交天门山镇纪委办理"}, http.StatusOK, &c)
	postJSON(t, base, path, tok["yd_leader"], map[string]any{"action": "approve_assignment"}, http.StatusOK, &c)
	if c.Status != "assigned" || c.UnitID != tms.ID || c.OwnerUserID != ids["yd_tms"] {
		t.Fatalf("assigned: %+v", c)
	}
	postJSON(t, base, path, tok["yd_tms"], map[string]any{"action": "propose_disposal", "mode": "inquiry", "form": "letter",
		"text": "反映较笼统，拟函询。"}, http.StatusOK, &c)
	postError(t, base, path, tok["yd_tms"], map[string]any{"action": "approve_disposal"}, http.StatusForbidden, "forbidden", "")
	postJSON(t, base, path, tok["yd_leader"], map[string]any{"action": "approve_disposal"}, http.StatusOK, &c)
	postJSON(t, base, path, tok["yd_tms"], map[string]any{"action": "send_letter", "addressee": "李某", "text": "请作出书面说明。"},
		http.StatusOK, &c)
	if c.Status != "inquiry_reply" || c.Mode != "inquiry" {
		t.Fatalf("after the letter: %+v", c)
	}
	var detail struct {
		History []struct {
			Action string `json:"action"`
		} `json:"history"`
		Clocks []struct {
			Code string `json:"code"`
			Done bool   `json:"done"`
		} `json:"clocks"`
	}
	getJSON(t, base, "/api/v1/clues/"+strconv.FormatInt(c.ID, 10), tok["yd_tms"], &detail)
	if len(detail.History) != 6 {
		t.Errorf("history %+v", detail.History)
	}
	running := map[string]bool{}
	for _, k := range detail.Clocks {
		running[k.Code] = !k.Done
	}
	if !running["inquiry.reply"] || running["clue.disposal"] {
		t.Errorf("clocks %+v", detail.Clocks)
	}
	// Another county's cadre does not see it.
	wantAPIError(t, base, "/api/v1/clues/"+strconv.FormatInt(c.ID, 10), tok["cl_township"], http.StatusNotFound, "not_found")

	// A clue of the first area group (held by the first office), decided
	// by the group's consultation meeting.
	var c2 apiClue
	postJSON(t, base, "/api/v1/clues", tok["yd_case"], map[string]any{"source": "audit", "source_ref": "永审移〔2026〕3号",
		"content": "区审计局移送：某街道办事处违规发放津贴。", "category": "conduct",
		"subject": map[string]string{"name": "王某", "post": "街道办事处主任", "level": "township"}}, http.StatusCreated, &c2)
	path2 := "/api/v1/clues/" + strconv.FormatInt(c2.ID, 10) + "/transitions"
	postJSON(t, base, path2, tok["yd_case"], map[string]any{"action": "propose_assignment", "unit_id": office1.ID,
		"owner_id": ids["yd_office1"]}, http.StatusOK, &c2)
	postJSON(t, base, path2, tok["yd_leader"], map[string]any{"action": "approve_assignment"}, http.StatusOK, &c2)
	var groups struct {
		Items []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}
	getJSON(t, base, "/api/v1/area-groups?limit=50", tok["yd_leader"], &groups)
	var g1 int64
	for _, g := range groups.Items {
		if g.Name == "第一片区" {
			g1 = g.ID
		}
	}
	var m struct {
		ID     int64  `json:"id"`
		Number string `json:"number"`
		Status string `json:"status"`
		Items  []struct {
			ClueID  int64  `json:"clue_id"`
			Decided bool   `json:"decided"`
			Mode    string `json:"mode"`
		} `json:"items"`
	}
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	postError(t, base, fmt.Sprintf("/api/v1/area-groups/%d/meetings", g1), tok["yd_tms"], map[string]any{"held_on": today},
		http.StatusForbidden, "forbidden", "")
	postJSON(t, base, fmt.Sprintf("/api/v1/area-groups/%d/meetings", g1), tok["yd_office1"], map[string]any{"held_on": today,
		"place": "区纪委监委三楼会议室"}, http.StatusCreated, &m)
	// The demo's open meeting of 第一片区 (1号) keeps its own agenda item.
	if m.Number != fmt.Sprintf("永纪协〔%d〕2号", year) || len(m.Items) != 1 || m.Items[0].ClueID != c2.ID {
		t.Fatalf("meeting %+v", m)
	}
	mp := fmt.Sprintf("/api/v1/meetings/%d", m.ID)
	postError(t, base, mp+"/decisions", tok["yd_office1"], map[string]any{"clue_id": c.ID, "mode": "close", "closure": "other",
		"lead_unit_id": office1.ID, "owner_id": ids["yd_office1"], "note": "x"}, http.StatusNotFound, "not_found", "")
	postJSON(t, base, mp+"/decisions", tok["yd_office1"], map[string]any{"clue_id": c2.ID, "mode": "inquiry", "form": "talk",
		"lead_unit_id": office1.ID, "owner_id": ids["yd_office1"], "joint_users": []int64{ids["yd_group1"]},
		"note": "问题具体，由第一纪检监察室牵头谈话，派驻第一组联办。"}, http.StatusOK, &c2)
	if c2.Status != "inquiry" || c2.Mode != "inquiry" || !c2.Joint {
		t.Fatalf("decided clue %+v", c2)
	}
	postJSON(t, base, mp+"/close", tok["yd_office1"], map[string]any{"summary": "研究线索1件，决定谈话函询。"}, http.StatusOK, &m)
	if m.Status != "closed" || !m.Items[0].Decided || m.Items[0].Mode != "inquiry" {
		t.Fatalf("closed meeting %+v", m)
	}
	postError(t, base, mp+"/decisions", tok["yd_office1"], map[string]any{"clue_id": c2.ID, "mode": "close", "closure": "other",
		"lead_unit_id": office1.ID, "owner_id": ids["yd_office1"], "note": "x"}, http.StatusConflict, "conflict", "")

	// The ledger: filters by status and mode; the joint member sees only
	// the clue he takes part in among the first office's.
	var list struct {
		Items []apiClue `json:"items"`
		Total int       `json:"total"`
	}
	// With the demo's sample clues: its letter inquiry at 天门山镇, and ours.
	getJSON(t, base, "/api/v1/clues?status=inquiry,inquiry_reply", tok["yd_case"], &list)
	if list.Total != 3 {
		t.Errorf("inquiry clues: %d", list.Total)
	}
	getJSON(t, base, "/api/v1/clues?mode=inquiry&unit="+strconv.FormatInt(office1.ID, 10), tok["yd_case"], &list)
	if list.Total != 1 || list.Items[0].ID != c2.ID {
		t.Errorf("office clues: %+v", list)
	}
	getJSON(t, base, "/api/v1/clues", tok["yd_tms"], &list)
	if list.Total != 2 || list.Items[0].ID != c.ID {
		t.Errorf("township ledger: %+v", list)
	}
	code, body := call(t, base+"/api/v1/clues?mode=flying", tok["yd_case"])
	if code != http.StatusBadRequest && code != http.StatusUnprocessableEntity {
		t.Errorf("bad filter: %d %s", code, body)
	}
}
