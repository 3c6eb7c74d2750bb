package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"
)

type apiVillageEntry struct {
	ID           int64  `json:"id"`
	ClientID     string `json:"client_id"`
	Kind         string `json:"kind"`
	People       int    `json:"people"`
	Status       string `json:"status"`
	Version      int64  `json:"version"`
	ReportID     int64  `json:"report_id"`
	ReportNumber string `json:"report_number"`
}

// TestVillageAPI follows the village work log through the API on both
// engines: an entry sent twice (201, then 200 with the same id, counted
// once), a clash on the client id (409), field codes (422), scope (the
// township sees its village, another county's township nothing) and a
// demand turned into a village-visit report.
func TestVillageAPI(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testVillageAPI(t, "") })
	t.Run("postgres", func(t *testing.T) { testVillageAPI(t, postgresDSN(t)) })
}

func testVillageAPI(t *testing.T, db string) {
	data := t.TempDir()
	srv := startServe(t, data, db)
	base := srv.base
	tok := map[string]string{}
	for _, u := range []string{"yd_village", "yd_tms", "cl_township"} {
		tok[u] = createToken(t, data, db, u)
	}
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	countVisits := func(token string) int {
		var l struct {
			Total int `json:"total"`
		}
		getJSON(t, base, "/api/v1/village-logs?kind=visit&limit=500", token, &l)
		return l.Total
	}
	before := countVisits(tok["yd_tms"])

	visit := map[string]any{"client_id": "0b6f7c1e-2d3a-4b5c-8d9e-0f1a2b3c4d5e", "kind": "visit", "date": today,
		"summary": "走访独居老人，了解低保发放情况", "people": 4, "place": "大坪村二组"}
	var first, second apiVillageEntry
	postJSON(t, base, "/api/v1/village-logs", tok["yd_village"], visit, http.StatusCreated, &first)
	postJSON(t, base, "/api/v1/village-logs", tok["yd_village"], visit, http.StatusOK, &second)
	if first.ID == 0 || second.ID != first.ID || first.People != 4 {
		t.Fatalf("first %+v, replay %+v", first, second)
	}
	if n := countVisits(tok["yd_tms"]); n != before+1 {
		t.Fatalf("visits seen by the township: %d, want %d", n, before+1)
	}
	if n := countVisits(tok["cl_township"]); n != 0 {
		t.Fatalf("another county's township sees %d visits", n)
	}
	visit["people"] = 5
	postError(t, base, "/api/v1/village-logs", tok["yd_village"], visit, http.StatusConflict, "conflict", "village.client_id_reused")

	for _, tc := range []struct {
		body  map[string]any
		field string
		key   string
	}{
		{map[string]any{"client_id": "x", "kind": "visit", "date": today, "summary": "走访", "people": 1}, "client_id", "village.client_id_invalid"},
		{map[string]any{"client_id": "c-00000001", "kind": "visit", "date": "2999-01-01", "summary": "走访", "people": 1}, "date", "village.date_future"},
		{map[string]any{"client_id": "c-00000002", "kind": "session", "date": today, "summary": "监督"}, "topics", "village.topics_required"},
		{map[string]any{"client_id": "c-00000003", "kind": "demand", "date": today, "summary": "诉求", "demand_kind": "difficulty"}, "person", "village.person_required"},
	} {
		code, b := send(t, http.MethodPost, base+"/api/v1/village-logs", tok["yd_village"], tc.body)
		var e struct {
			Error struct {
				Code       string            `json:"code"`
				FieldCodes map[string]string `json:"field_codes"`
			} `json:"error"`
		}
		_ = json.Unmarshal(b, &e)
		if code != http.StatusUnprocessableEntity || e.Error.Code != "invalid" || e.Error.FieldCodes[tc.field] != tc.key {
			t.Errorf("%v: %d %s", tc.body, code, b)
		}
	}
	// Unknown fields and broken JSON are refused before validation.
	postError(t, base, "/api/v1/village-logs", tok["yd_village"], map[string]any{"client_id": "c-00000004", "bribe": 1},
		http.StatusUnprocessableEntity, "invalid", "api.bad_json")
	// The township cannot log for a village.
	postError(t, base, "/api/v1/village-logs", tok["yd_tms"], map[string]any{"client_id": "c-00000005", "kind": "visit",
		"date": today, "summary": "走访", "people": 1}, http.StatusForbidden, "forbidden", "")

	// A demand that alleges misconduct becomes a report in one action.
	var d apiVillageEntry
	postJSON(t, base, "/api/v1/village-logs", tok["yd_village"], map[string]any{"client_id": "d-0000000001", "kind": "demand",
		"date": today, "summary": "群众反映村会计虚报冒领危房改造补助", "demand_kind": "petition", "person": "刘某", "phone": "13912345678"},
		http.StatusCreated, &d)
	if d.Status != "open" {
		t.Fatalf("demand %+v", d)
	}
	var out struct {
		Entry        apiVillageEntry `json:"entry"`
		ReportID     int64           `json:"report_id"`
		ReportNumber string          `json:"report_number"`
	}
	postJSON(t, base, "/api/v1/village-logs/"+itoa(d.ID)+"/report", tok["yd_village"], map[string]any{
		"subject": map[string]string{"name": "某会计", "post": "村会计"}}, http.StatusCreated, &out)
	if out.Entry.Status != "reported" || out.ReportID == 0 || out.Entry.ReportNumber != out.ReportNumber || out.ReportNumber == "" {
		t.Fatalf("report answer %+v", out)
	}
	postError(t, base, "/api/v1/village-logs/"+itoa(d.ID)+"/report", tok["yd_village"], map[string]any{},
		http.StatusConflict, "conflict", "village.transition_invalid")
	var rep struct {
		Report struct {
			Channel string `json:"channel"`
		} `json:"report"`
	}
	getJSON(t, base, "/api/v1/reports/"+itoa(out.ReportID), tok["yd_tms"], &rep)
	if rep.Report.Channel != "village-visit" {
		t.Fatalf("report channel %q", rep.Report.Channel)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
