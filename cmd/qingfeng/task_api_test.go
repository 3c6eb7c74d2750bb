package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

type apiTask struct {
	ID      int64  `json:"id"`
	Title   string `json:"title"`
	Status  string `json:"status"`
	Version int64  `json:"version"`
	Targets []struct {
		UnitID int64  `json:"unit_id"`
		Unit   string `json:"unit"`
	} `json:"targets"`
	Indicators []struct {
		ID int64 `json:"id"`
	} `json:"indicators"`
	Board []struct {
		UnitID     int64              `json:"unit_id"`
		Unit       string             `json:"unit"`
		State      string             `json:"state"`
		LastReport string             `json:"last_report"`
		Cumulative map[string]float64 `json:"cumulative"`
	} `json:"board"`
	Findings []struct {
		ID     int64 `json:"id"`
		ClueID int64 `json:"clue_id"`
	} `json:"findings"`
}

// TestTaskAPI drives supervision tasks through the API on both engines:
// the demo task, creation with field codes, progress reports with their
// refusals, the board, a finding turned into one clue, and the demo
// campaign's figures.
func TestTaskAPI(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testTaskAPI(t, "") })
	t.Run("postgres", func(t *testing.T) { testTaskAPI(t, postgresDSN(t)) })
}

func fieldCodes(t *testing.T, b []byte) map[string]string {
	t.Helper()
	var e struct {
		Error struct {
			FieldCodes map[string]string `json:"field_codes"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return e.Error.FieldCodes
}

func testTaskAPI(t *testing.T, db string) {
	data := t.TempDir()
	srv := startServe(t, data, db)
	base := srv.base
	tok := map[string]string{}
	for _, u := range []string{"yd_leader", "yd_tms", "yd_village", "yd_analyst"} {
		tok[u] = createToken(t, data, db, u)
	}
	var list struct {
		Items []apiTask `json:"items"`
		Total int       `json:"total"`
	}
	getJSON(t, base, "/api/v1/tasks", tok["yd_leader"], &list)
	if list.Total != 1 || list.Items[0].Title != "户政服务进驻乡镇便民服务中心" || list.Items[0].Status != "active" {
		t.Fatalf("demo tasks %+v", list)
	}
	var demo apiTask
	getJSON(t, base, fmt.Sprintf("/api/v1/tasks/%d", list.Items[0].ID), tok["yd_leader"], &demo)
	// 天门山镇 (yd_tms) reported and is on track; the other four did not.
	states := map[string]int{}
	var tmsID, otherID int64
	for _, r := range demo.Board {
		states[r.State]++
		if r.Unit == "天门山镇纪委" {
			tmsID = r.UnitID
			if r.State != "on_track" || r.LastReport == "" {
				t.Errorf("天门山镇 %+v", r)
			}
		} else {
			otherID = r.UnitID
		}
	}
	if len(demo.Board) != 5 || tmsID == 0 || states["on_track"] != 1 {
		t.Fatalf("demo board %+v", demo.Board)
	}
	// The township sees the task aimed at it.
	getJSON(t, base, "/api/v1/tasks", tok["yd_tms"], &list)
	if list.Total != 1 {
		t.Fatalf("yd_tms sees %d tasks", list.Total)
	}

	// Creation: field codes, permission.
	code, b := send(t, http.MethodPost, base+"/api/v1/tasks", tok["yd_leader"], map[string]any{"title": ""})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("empty task: %d %s", code, b)
	}
	want := map[string]string{"title": "task.title_required", "start": "task.date_invalid", "end": "task.date_invalid", "target_ids": "task.targets_required"}
	if got := fieldCodes(t, b); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("field codes %v, want %v", got, want)
	}
	targets := []int64{tmsID, otherID}
	body := map[string]any{"title": "乡镇便民服务中心窗口作风专项监督", "kind": "special", "target_ids": targets, "rhythm": "daily",
		"start": "2026-01-05", "end": "2026-12-31", "activate": true,
		"milestones": []map[string]any{{"title": "自查自纠", "due": "2026-12-01"}},
		"indicators": []map[string]any{{"name": "受理群众诉求", "unit": "件", "target": 0}}}
	postError(t, base, "/api/v1/tasks", tok["yd_tms"], body, http.StatusForbidden, "forbidden", "")
	var tk apiTask
	postJSON(t, base, "/api/v1/tasks", tok["yd_leader"], body, http.StatusCreated, &tk)
	if tk.Status != "active" || len(tk.Targets) != 2 || len(tk.Indicators) != 1 {
		t.Fatalf("task %+v", tk)
	}

	// Progress reports.
	rp := fmt.Sprintf("/api/v1/tasks/%d/reports", tk.ID)
	ind := tk.Indicators[0].ID
	postJSON(t, base, rp, tok["yd_tms"], map[string]any{"values": map[string]float64{fmt.Sprint(ind): 7}, "note": "正常"}, http.StatusCreated, nil)
	code, b = send(t, http.MethodPost, base+rp, tok["yd_tms"], map[string]any{"values": map[string]float64{fmt.Sprint(ind): -2}})
	if code != http.StatusUnprocessableEntity || fieldCodes(t, b)[fmt.Sprintf("values.%d", ind)] != "task.value_invalid" {
		t.Fatalf("negative value: %d %s", code, b)
	}
	postError(t, base, rp, tok["yd_tms"], map[string]any{"unit_id": targets[1], "note": "代报"}, http.StatusForbidden, "forbidden", "task.not_target")
	postError(t, base, rp, tok["yd_village"], map[string]any{"note": "x"}, http.StatusNotFound, "not_found", "")
	postError(t, base, rp, tok["yd_analyst"], map[string]any{"note": "x"}, http.StatusForbidden, "forbidden", "")
	postError(t, base, rp, tok["yd_tms"], map[string]any{"note": "x", "extra": 1}, http.StatusUnprocessableEntity, "invalid", "api.bad_json")
	getJSON(t, base, fmt.Sprintf("/api/v1/tasks/%d", tk.ID), tok["yd_leader"], &tk)
	if len(tk.Board) != 2 || tk.Board[0].UnitID+tk.Board[1].UnitID != tmsID+otherID ||
		tk.Board[0].Cumulative[fmt.Sprint(ind)]+tk.Board[1].Cumulative[fmt.Sprint(ind)] != 7 {
		t.Fatalf("board %+v", tk.Board)
	}

	// A finding becomes exactly one clue.
	var f struct {
		ID int64 `json:"id"`
	}
	postJSON(t, base, fmt.Sprintf("/api/v1/tasks/%d/findings", tk.ID), tok["yd_leader"], map[string]any{"unit_id": targets[1],
		"title": "窗口人员脱岗", "description": "工作时间窗口人员不在岗。", "category": "conduct"}, http.StatusCreated, &f)
	fc := fmt.Sprintf("/api/v1/tasks/%d/findings/%d/clue", tk.ID, f.ID)
	var c apiClue
	postJSON(t, base, fc, tok["yd_leader"], nil, http.StatusCreated, &c)
	if c.Number == "" || c.Status != "registered" {
		t.Fatalf("clue %+v", c)
	}
	postError(t, base, fc, tok["yd_leader"], nil, http.StatusConflict, "conflict", "clue.source_has_clue")
	postError(t, base, fmt.Sprintf("/api/v1/tasks/%d/findings/999999/clue", tk.ID), tok["yd_leader"], nil, http.StatusNotFound, "not_found", "")

	// The demo campaign links the subsidy clue.
	var camps struct {
		Items []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}
	getJSON(t, base, "/api/v1/campaigns", tok["yd_leader"], &camps)
	if len(camps.Items) != 1 || camps.Items[0].Name != "惠民惠农补贴专项整治" {
		t.Fatalf("campaigns %+v", camps)
	}
	var cp struct {
		Figures struct {
			LinkedClues int `json:"linked_clues"`
			FieldClues  int `json:"field_clues"`
		} `json:"figures"`
	}
	getJSON(t, base, fmt.Sprintf("/api/v1/campaigns/%d", camps.Items[0].ID), tok["yd_leader"], &cp)
	if cp.Figures.LinkedClues != 1 || cp.Figures.FieldClues < 1 {
		t.Fatalf("campaign figures %+v", cp.Figures)
	}
	postError(t, base, "/api/v1/campaigns", tok["yd_leader"], map[string]any{"name": "x", "category": "nope", "start": "2026-01-01", "end": "2026-02-01"},
		http.StatusUnprocessableEntity, "invalid", "task.category_invalid")
}
