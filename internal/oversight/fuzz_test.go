package oversight

import (
	"encoding/json"
	"testing"

	"qingfeng/internal/apperr"
)

// FuzzReportInput decodes arbitrary progress report bodies as the API does
// and validates them: no panics, and an accepted report only holds known
// indicators with values in range, known milestones once each, and a date
// inside the task's period up to today.
func FuzzReportInput(f *testing.F) {
	for _, s := range []string{
		`{"unit_id": 7, "values": {"21": 4.5}, "milestones_done": [11], "note": "正常"}`,
		`{"unit_id": 7, "date": "2026-02-10", "values": {"21": -1}}`,
		`{"unit_id": 7, "values": {"x": 1}}`,
		`{"unit_id": 7, "values": {"21": 1e400}}`,
		`{"unit_id": 8, "milestones_done": [11, 11, 99], "note": ""}`,
		`{}`, `null`, `[]`,
	} {
		f.Add([]byte(s))
	}
	tk := task()
	today := day("2026-02-12")
	f.Fuzz(func(t *testing.T, body []byte) {
		var in ReportInput
		if err := json.Unmarshal(body, &in); err != nil {
			return
		}
		r, err := in.Validate(tk, today)
		if err != nil {
			if c := apperr.CodeOf(err); c != apperr.Invalid {
				t.Fatalf("error code %q: %v", c, err)
			}
			return
		}
		if r.Date.Before(tk.Start) || r.Date.After(today) || (r.UnitID != 7 && r.UnitID != 8) {
			t.Fatalf("accepted %+v", r)
		}
		for id, v := range r.Values {
			if id != 21 || v < 0 || v > MaxValue || v != v {
				t.Fatalf("accepted value %d=%v", id, v)
			}
		}
		seen := map[int64]bool{}
		for _, id := range r.MilestonesDone {
			if id != 11 || seen[id] {
				t.Fatalf("accepted milestones %v", r.MilestonesDone)
			}
			seen[id] = true
		}
		if r.Note == "" && len(r.Values) == 0 && len(r.MilestonesDone) == 0 {
			t.Fatalf("accepted an empty report")
		}
	})
}
