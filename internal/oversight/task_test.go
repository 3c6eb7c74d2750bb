package oversight

import (
	"maps"
	"testing"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/calendar"
)

func day(s string) calendar.Date {
	d, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func rules(t *testing.T) (*calendar.Calendar, Rules) {
	t.Helper()
	cal, err := calendar.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	r, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	return cal, r
}

func TestDefaultRules(t *testing.T) {
	_, r := rules(t)
	if r.ReportAllowance[RhythmDaily] != 1 || r.ReportAllowance[RhythmWeekly] != 5 || r.TolerancePct != 20 ||
		r.UrgeAreaAfter != 1 || r.UrgeLeaderAfter != 2 {
		t.Fatalf("rules %+v", r)
	}
}

// task is a daily task from 2026-02-09 to 2026-03-06 with a milestone on
// 2026-02-27 and an indicator of 100 per unit.
func task() Task {
	return Task{ID: 1, Status: StatusActive, Rhythm: RhythmDaily, Start: day("2026-02-09"), End: day("2026-03-06"),
		Targets:    []Target{{UnitID: 7}, {UnitID: 8}},
		Milestones: []Milestone{{ID: 11, Title: "窗口进驻", Due: day("2026-02-27")}},
		Indicators: []Indicator{{ID: 21, Name: "办理业务", Unit: "件", Target: 0}}}
}

func TestAssess(t *testing.T) {
	cal, r := rules(t)
	weekly := task()
	weekly.Rhythm, weekly.Milestones = RhythmWeekly, nil
	withTarget := task()
	withTarget.Indicators[0].Target = 100
	rep := func(date string, val float64, done ...int64) Report {
		return Report{UnitID: 7, Date: day(date), Values: map[int64]float64{21: val}, MilestonesDone: done}
	}
	tests := []struct {
		name    string
		task    Task
		reports []Report
		today   string
		want    State
		reasons []string
	}{
		{"before the start", task(), nil, "2026-02-06", StateOnTrack, nil},
		{"first day without report", task(), nil, "2026-02-09", StateOnTrack, nil},
		{"second day without report", task(), nil, "2026-02-10", StateBehind, []string{"task.reason.report_late"}},
		// Friday's report still counts on Monday: the weekend is no working day.
		{"over a weekend", task(), []Report{rep("2026-02-13", 1)}, "2026-02-16", StateOnTrack, nil},
		// Friday 13 Feb, then the Saturday 14 Feb working day (调休) and
		// the Spring Festival (15–23 Feb): on Tuesday 24 Feb two working
		// days have passed.
		{"over the Spring Festival, missed the 调休 Saturday", task(), []Report{rep("2026-02-13", 1)}, "2026-02-24", StateBehind,
			[]string{"task.reason.report_late"}},
		{"over the Spring Festival", task(), []Report{rep("2026-02-14", 1)}, "2026-02-24", StateOnTrack, nil},
		{"weekly within five working days", weekly, []Report{rep("2026-02-13", 1)}, "2026-02-27", StateOnTrack, nil},
		// Saturday 28 Feb is a working day (调休): the sixth.
		{"weekly after six working days", weekly, []Report{rep("2026-02-13", 1)}, "2026-02-28", StateBehind,
			[]string{"task.reason.report_late"}},
		{"milestone passed undone", task(), []Report{rep("2026-02-27", 1)}, "2026-02-28", StateOverdue,
			[]string{"task.reason.milestone_overdue"}},
		{"milestone done", task(), []Report{rep("2026-02-26", 1, 11), rep("2026-02-27", 1)}, "2026-02-28", StateOnTrack, nil},
		{"another unit's reports do not count", task(), []Report{{UnitID: 8, Date: day("2026-02-10")}}, "2026-02-11", StateBehind,
			[]string{"task.reason.report_late"}},
		// 6 working days (with the 调休 Saturday) of 16 done by 16 Feb:
		// 100*6/16 = 37.5 expected, 30 tolerated.
		{"progress on the line", withTarget, []Report{rep("2026-02-13", 30)}, "2026-02-16", StateOnTrack, nil},
		{"progress too low", withTarget, []Report{rep("2026-02-13", 29.9)}, "2026-02-16", StateBehind,
			[]string{"task.reason.progress_low"}},
		{"after the end nobody is late", task(), []Report{rep("2026-03-06", 1, 11)}, "2026-03-20", StateOnTrack, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Assess(cal, r, tc.task, 7, tc.reports, day(tc.today))
			if s.State != tc.want || len(s.Reasons) != len(tc.reasons) {
				t.Fatalf("state %s %v, want %s %v", s.State, s.Reasons, tc.want, tc.reasons)
			}
			for i := range tc.reasons {
				if s.Reasons[i] != tc.reasons[i] {
					t.Fatalf("reasons %v, want %v", s.Reasons, tc.reasons)
				}
			}
		})
	}
	s := Assess(cal, r, task(), 7, []Report{rep("2026-02-10", 2), rep("2026-02-12", 3, 11)}, day("2026-02-12"))
	if s.LastReport != day("2026-02-12") || s.Cumulative[21] != 5 || !s.Done[11] {
		t.Errorf("standing %+v", s)
	}
}

func TestNextUrge(t *testing.T) {
	cal, r := rules(t)
	u := func(l UrgeLevel, d string) Urge { return Urge{Level: l, Date: day(d)} }
	tests := []struct {
		name  string
		st    State
		chain []Urge
		today string
		level UrgeLevel
		due   bool
	}{
		{"on track", StateOnTrack, nil, "2026-03-02", "", false},
		{"first urge", StateBehind, nil, "2026-03-02", UrgeUnit, true},
		{"area not yet", StateBehind, []Urge{u(UrgeUnit, "2026-03-02")}, "2026-03-02", UrgeArea, false},
		{"area next working day", StateBehind, []Urge{u(UrgeUnit, "2026-03-02")}, "2026-03-03", UrgeArea, true},
		// Friday's unit urge: the area leader on Monday, not on the weekend.
		{"area over the weekend", StateOverdue, []Urge{u(UrgeUnit, "2026-03-06")}, "2026-03-08", UrgeArea, false},
		{"area on Monday", StateOverdue, []Urge{u(UrgeUnit, "2026-03-06")}, "2026-03-09", UrgeArea, true},
		{"leader not after one day", StateBehind, []Urge{u(UrgeUnit, "2026-03-02"), u(UrgeArea, "2026-03-03")}, "2026-03-04", UrgeLeader, false},
		{"leader after two days", StateBehind, []Urge{u(UrgeArea, "2026-03-03"), u(UrgeUnit, "2026-03-02")}, "2026-03-05", UrgeLeader, true},
		{"chain complete", StateBehind, []Urge{u(UrgeUnit, "2026-03-02"), u(UrgeArea, "2026-03-03"), u(UrgeLeader, "2026-03-05")},
			"2026-03-20", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, due := NextUrge(cal, r, tc.st, tc.chain, day(tc.today))
			if l != tc.level || due != tc.due {
				t.Fatalf("got %q %v, want %q %v", l, due, tc.level, tc.due)
			}
		})
	}
}

func fields(err error) map[string]string {
	if e := apperr.As(err); e != nil {
		return e.Fields
	}
	return nil
}

func TestInputValidate(t *testing.T) {
	ok := func() TaskInput {
		return TaskInput{Title: " 户政服务进驻乡镇便民服务中心 ", TargetIDs: []int64{3, 4}, Rhythm: RhythmWeekly, Weekday: 3,
			Start: "2026-03-02", End: "2026-04-30",
			Milestones: []MilestoneInput{{Title: "完成窗口改造", Due: "2026-04-10"}, {Title: "制定方案", Due: "2026-03-13"}, {}},
			Indicators: []IndicatorInput{{Name: "办理户政业务", Unit: "件", Target: 200}}}
	}
	in := ok()
	task, err := in.Validate()
	if err != nil {
		t.Fatal(err)
	}
	if task.Title != "户政服务进驻乡镇便民服务中心" || task.Kind != KindSupervision || task.Weekday != time.Wednesday ||
		len(task.Milestones) != 2 || task.Milestones[0].Title != "制定方案" || len(task.Targets) != 2 || task.Status != StatusDraft {
		t.Fatalf("task %+v", task)
	}
	tests := []struct {
		name string
		edit func(*TaskInput)
		want map[string]string
	}{
		{"empty", func(in *TaskInput) { *in = TaskInput{} }, map[string]string{"title": "task.title_required", "start": "task.date_invalid",
			"end": "task.date_invalid", "target_ids": "task.targets_required"}},
		{"kind and rhythm", func(in *TaskInput) { in.Kind, in.Rhythm = "x", "hourly" }, map[string]string{"kind": "task.kind_invalid",
			"rhythm": "task.rhythm_invalid"}},
		{"weekday", func(in *TaskInput) { in.Weekday = 6 }, map[string]string{"weekday": "task.weekday_invalid"}},
		{"end before start", func(in *TaskInput) { in.End = "2026-03-01" }, map[string]string{"end": "task.end_before_start"}},
		{"milestone outside", func(in *TaskInput) { in.Milestones[0].Due = "2026-05-01" }, map[string]string{"milestones.0.due": "task.milestone_outside"}},
		{"repeated target", func(in *TaskInput) { in.TargetIDs = []int64{3, 3} }, map[string]string{"target_ids": "task.targets_invalid"}},
		{"milestone rows", func(in *TaskInput) {
			in.Milestones = []MilestoneInput{{Title: "", Due: "2026-03-05"}, {Title: "x", Due: "2026-3-5"}}
		},
			map[string]string{"milestones.0.title": "task.milestone_title_invalid", "milestones.1.due": "task.date_invalid"}},
		{"indicator rows", func(in *TaskInput) {
			in.Indicators = []IndicatorInput{{Name: "a", Unit: "件", Target: -1}, {Name: "a", Unit: ""}}
		}, map[string]string{"indicators.0.target": "task.value_invalid", "indicators.1.name": "task.indicator_name_invalid",
			"indicators.1.unit": "task.indicator_unit_invalid"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := ok()
			tc.edit(&in)
			_, err := in.Validate()
			if !maps.Equal(fields(err), tc.want) {
				t.Fatalf("fields %v, want %v", fields(err), tc.want)
			}
		})
	}
}

func TestReportValidate(t *testing.T) {
	tk := task()
	today := day("2026-02-12")
	r, err := (&ReportInput{UnitID: 7, Values: map[int64]float64{21: 4}, MilestonesDone: []int64{11, 11}, Note: " 正常 "}).Validate(tk, today)
	if err != nil || r.Date != today || r.Values[21] != 4 || len(r.MilestonesDone) != 1 || r.Note != "正常" {
		t.Fatalf("report %+v %v", r, err)
	}
	tests := []struct {
		name string
		in   ReportInput
		want map[string]string
	}{
		{"not a target", ReportInput{UnitID: 9, Note: "x"}, map[string]string{"unit_id": "task.unit_not_target"}},
		{"future date", ReportInput{UnitID: 7, Date: "2026-02-13", Note: "x"}, map[string]string{"date": "task.report_date_invalid"}},
		{"bad date", ReportInput{UnitID: 7, Date: "12/02", Note: "x"}, map[string]string{"date": "task.date_invalid"}},
		{"unknown indicator", ReportInput{UnitID: 7, Values: map[int64]float64{5: 1}}, map[string]string{"values.5": "task.indicator_unknown",
			"note": "task.report_empty"}},
		{"negative", ReportInput{UnitID: 7, Values: map[int64]float64{21: -1}}, map[string]string{"values.21": "task.value_invalid",
			"note": "task.report_empty"}},
		{"unknown milestone", ReportInput{UnitID: 7, MilestonesDone: []int64{99}, Note: "x"}, map[string]string{"milestones_done": "task.milestone_unknown"}},
		{"empty", ReportInput{UnitID: 7}, map[string]string{"note": "task.report_empty"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.in.Validate(tk, today)
			if !maps.Equal(fields(err), tc.want) {
				t.Fatalf("fields %v, want %v", fields(err), tc.want)
			}
		})
	}
	tk.Status = StatusDraft
	if _, err := (&ReportInput{UnitID: 7, Note: "x"}).Validate(tk, today); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("draft task: %v", err)
	}
}

func TestCampaignAndFindingValidate(t *testing.T) {
	cats := []string{"subsidies", "farmland"}
	c, err := (&CampaignInput{Name: "惠民惠农补贴专项整治", Category: "subsidies", Start: "2026-01-01", End: "2026-12-31"}).Validate(cats)
	if err != nil || c.Category != "subsidies" || c.End != day("2026-12-31") {
		t.Fatalf("campaign %+v %v", c, err)
	}
	_, err = (&CampaignInput{Category: "x", Start: "2026-02-01", End: "2026-01-01"}).Validate(cats)
	if want := map[string]string{"name": "task.campaign_name_invalid", "category": "task.category_invalid", "end": "task.end_before_start"}; !maps.Equal(fields(err), want) {
		t.Errorf("fields %v", fields(err))
	}
	f, err := (&FindingInput{UnitID: 7, Title: "窗口未按时开放", Description: "上午九点仍未开门", Category: "conduct"}).Validate(task(), []string{"conduct"})
	if err != nil || f.TaskID != 1 || f.UnitID != 7 {
		t.Fatalf("finding %+v %v", f, err)
	}
	_, err = (&FindingInput{UnitID: 9}).Validate(task(), []string{"conduct"})
	if want := map[string]string{"unit_id": "task.unit_not_target", "title": "task.title_required", "description": "task.description_required",
		"category": "task.category_invalid"}; !maps.Equal(fields(err), want) {
		t.Errorf("fields %v", fields(err))
	}
}

// TestTaskTable enumerates every transition of the task workflow.
func TestTaskTable(t *testing.T) {
	tb := TaskTable()
	tests := []struct {
		from Status
		op   string
		to   Status // "": not allowed
	}{
		{StatusDraft, OpActivate, StatusActive},
		{StatusActive, OpTaskReport, StatusActive},
		{StatusActive, OpFinish, StatusFinished},
		{StatusDraft, OpTaskReport, ""},
		{StatusDraft, OpFinish, ""},
		{StatusActive, OpActivate, ""},
		{StatusFinished, OpActivate, ""},
		{StatusFinished, OpTaskReport, ""},
		{StatusFinished, OpFinish, ""},
	}
	for _, tc := range tests {
		rows := tb.Next(string(tc.from), tc.op)
		got := Status("")
		if len(rows) == 1 {
			got = Status(rows[0].To)
		}
		if got != tc.to || len(rows) > 1 {
			t.Errorf("%s --%s--> %v, want %q", tc.from, tc.op, rows, tc.to)
		}
	}
	if len(tb.Rows) != 3 || StatusOp(StatusActive) != OpActivate || StatusOp(StatusFinished) != OpFinish || StatusOp(StatusDraft) != "" {
		t.Errorf("table %+v", tb.Rows)
	}
}
