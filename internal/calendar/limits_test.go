package calendar

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLimitsTable(t *testing.T) {
	ls, err := Limits()
	if err != nil {
		t.Fatal(err)
	}
	type ext struct {
		amount   int
		unit     Unit
		maxTimes int
	}
	tests := []struct {
		code   string
		stage  string
		span   Span
		remind Span
		ext    *ext
		source string
	}{
		{"report.forward", "report", Span{5, WorkingDays}, Span{2, WorkingDays}, nil, "[R-JK] Arts. 14–17; [SLIR2021] Art. 169"},
		{"lower_level.register", "report", Span{5, WorkingDays}, Span{2, WorkingDays}, nil, "[R-JK] Arts. 14–17"},
		{"report.realname_notice", "report", Span{15, WorkingDays}, Span{3, WorkingDays}, nil, "[R-JK] Arts. 24–28, 30; [SLIR2021] Art. 175"},
		{"report.feedback", "report", Span{15, WorkingDays}, Span{3, WorkingDays}, nil, "[R-JK] Arts. 24–28, 30; [SLIR2021] Art. 175"},
		{"report.assigned_close", "report", Span{3, Months}, Span{10, WorkingDays}, &ext{3, Months, 1}, "[R-JK] Arts. 20–23"},
		{"clue.disposal", "clue", Span{1, Months}, Span{5, WorkingDays}, nil, "[R2019] Art. 21"},
		{"inquiry.reply", "inquiry", Span{15, WorkingDays}, Span{3, WorkingDays}, nil, "[R2019] Arts. 27–31"},
		{"inquiry.report", "inquiry", Span{1, Months}, Span{5, WorkingDays}, nil, "[R2019] Arts. 27–31"},
		{"verification.finish", "verification", Span{2, Months}, Span{10, WorkingDays}, &ext{1, Months, 1}, "Legacy 1994 《案件检查工作条例》 (xtj) Arts. 15/39"},
		{"case.investigate", "case", Span{3, Months}, Span{10, WorkingDays}, &ext{1, Months, 1}, "Legacy 1994 《案件检查工作条例》 (xtj) Arts. 15/39"},
		{"supervision_case.decide", "case", Span{12, Months}, Span{20, WorkingDays}, &ext{6, Months, 1}, "[SLIR2021] Art. 185"},
		{"case.withdrawal_report", "case", Span{7, WorkingDays}, Span{2, WorkingDays}, nil, "[SLIR2021] Art. 206"},
		{"supplementary_investigation", "case", Span{1, Months}, Span{5, WorkingDays}, nil, "[SL2024] Art. 54"},
		{"review.finish", "review", Span{1, Months}, Span{5, WorkingDays}, &ext{0, Months, 0}, "[R2019] Art. 55; [SLIR2021] Art. 194"},
		{"sanction.announce", "execution", Span{1, Months}, Span{5, WorkingDays}, nil, "[R2019] Art. 56; [DR2023] Art. 44"},
		{"sanction.execution_report", "execution", Span{6, Months}, Span{10, WorkingDays}, nil, "[DR2023] Art. 45"},
		{"gov_sanction.serve", "execution", Span{1, Months}, Span{5, WorkingDays}, nil, "[SLIR2021] Art. 203"},
		{"gov_sanction.execute", "execution", Span{1, Months}, Span{5, WorkingDays}, &ext{5, Months, 1}, "[SLIR2021] Art. 203"},
		{"gov_sanction.pay_change", "execution", Span{1, Months}, Span{5, WorkingDays}, &ext{5, Months, 1}, "[PSL] Art. 54"},
		{"funds.execute", "execution", Span{1, Months}, Span{5, WorkingDays}, nil, "[SLIR2021] Art. 209"},
		{"org_handling.suspension", "execution", Span{6, Months}, Span{10, WorkingDays}, nil, "[OH2021] Art. 11"},
		{"appeal.close", "appeal", Span{3, Months}, Span{10, WorkingDays}, nil, "[R2019] Art. 59"},
		{"appeal.reexamine_apply", "appeal", Span{1, Months}, Span{5, WorkingDays}, nil, "[SL2024] Art. 56"},
		{"appeal.reexamine_decide", "appeal", Span{1, Months}, Span{5, WorkingDays}, nil, "[SL2024] Art. 56"},
		{"appeal.recheck_apply", "appeal", Span{1, Months}, Span{5, WorkingDays}, nil, "[SL2024] Art. 56"},
		{"appeal.recheck_decide", "appeal", Span{2, Months}, Span{10, WorkingDays}, nil, "[SL2024] Art. 56"},
		{"org_handling.appeal", "appeal", Span{1, Months}, Span{5, WorkingDays}, nil, "[OH2021] Art. 12"},
		{"measure_complaint.decide", "appeal", Span{1, Months}, Span{5, WorkingDays}, nil, "[SL2024] Art. 69"},
		{"measure_complaint.review", "appeal", Span{2, Months}, Span{10, WorkingDays}, nil, "[SL2024] Art. 69"},
		{"compulsory_appearance", "measure", Span{12, Hours}, Span{2, Hours}, &ext{12, Hours, 1}, "[SL2024] Arts. 21, 46"},
		{"await_investigation", "measure", Span{12, Months}, Span{20, WorkingDays}, nil, "[SL2024] Arts. 23, 46"},
		{"custody.transfer", "measure", Span{24, Hours}, Span{4, Hours}, nil, "[SL2024] Arts. 25, 46"},
		{"custody.decide", "measure", Span{7, CalendarDays}, Span{2, CalendarDays}, &ext{3, CalendarDays, 1}, "[SL2024] Arts. 25, 46"},
		{"detention", "measure", Span{3, Months}, Span{10, WorkingDays}, &ext{3, Months, 1}, "[SL2024] Arts. 47, 48; [SLIR2021] Art. 101"},
		{"measure.notify", "measure", Span{24, Hours}, Span{4, Hours}, nil, "[SL2024] Art. 50"},
		{"measure.change_decide", "measure", Span{3, CalendarDays}, Span{1, CalendarDays}, nil, "[SL2024] Art. 50"},
		{"technical_investigation", "measure", Span{3, Months}, Span{10, WorkingDays}, &ext{3, Months, 0}, "[SL2024] Art. 31"},
		{"assets.release", "measure", Span{3, CalendarDays}, Span{1, CalendarDays}, nil, "[SL2024] Arts. 26, 28"},
		{"confinement", "measure", Span{7, CalendarDays}, Span{2, CalendarDays}, nil, "[SL2024] Art. 64"},
		// limits_clue.json: local targets of the clue workflow (not statutory).
		{"clue.mass.disposal", "clue", Span{10, WorkingDays}, Span{3, WorkingDays}, nil, "本地工作目标，非法定时限（群众身边不正之风和腐败问题快查快处）"},
		{"clue.mass.inquiry_report", "inquiry", Span{10, WorkingDays}, Span{3, WorkingDays}, nil, "本地工作目标，非法定时限（群众身边不正之风和腐败问题快查快处）"},
		{"clue.mass.verification", "verification", Span{1, Months}, Span{5, WorkingDays}, nil, "本地工作目标，非法定时限（群众身边不正之风和腐败问题快查快处）"},
		{"clue.shelve_review", "clue", Span{6, Months}, Span{10, WorkingDays}, nil, "[R2019] Art. 20（定期清理）；复查日期由处置意见确定"},
		{"clue.decision_due", "clue", Span{30, CalendarDays}, Span{5, WorkingDays}, nil, "问题线索处置协商会决定（本地工作安排，非法定时限）"},
		{"clue.joint_term", "clue", Span{3, Months}, Span{5, WorkingDays}, nil, "片区协作联办工作安排（本地工作安排，非法定时限）"},
		// limits_rectification.json: the deadline of a rectification notice (local, due date given).
		{"rectification.deadline", "rectification", Span{30, CalendarDays}, Span{5, WorkingDays}, nil, "整改通知书确定的整改期限（本地工作安排，非法定时限）"},
		// limits_case.json: the further extension of detention (applied by internal/casework).
		{"detention.further", "measure", Span{2, Months}, Span{10, WorkingDays}, nil, "[SL2024] Art. 48"},
	}
	if len(ls) != len(tests) {
		t.Errorf("len(Limits()) = %d, want %d (every limit listed below)", len(ls), len(tests))
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.code] = true
		l, ok := ls[tt.code]
		if !ok {
			t.Errorf("limit %s missing", tt.code)
			continue
		}
		if l.Code != tt.code || l.Stage != tt.stage || l.Span() != tt.span || l.RemindBefore != tt.remind || l.Source != tt.source {
			t.Errorf("%s = %s %v remind %v source %q; want %s %v remind %v source %q",
				tt.code, l.Stage, l.Span(), l.RemindBefore, l.Source, tt.stage, tt.span, tt.remind, tt.source)
		}
		switch {
		case tt.ext == nil && l.Extension != nil:
			t.Errorf("%s: extension %+v, want none", tt.code, *l.Extension)
		case tt.ext != nil && l.Extension == nil:
			t.Errorf("%s: no extension, want %+v", tt.code, *tt.ext)
		case tt.ext != nil && (l.Extension.Amount != tt.ext.amount || l.Extension.Unit != tt.ext.unit || l.Extension.MaxTimes != tt.ext.maxTimes):
			t.Errorf("%s: extension %+v, want %+v", tt.code, *l.Extension, *tt.ext)
		}
		if l.Name == "" || l.Note == "" {
			t.Errorf("%s: empty name or note", tt.code)
		}
	}
	for code := range ls {
		if !seen[code] {
			t.Errorf("limit %s not covered by this test", code)
		}
	}
}

// TestLimitsRemindInside checks that every reminder starts after the clock
// starts: a reminder is never as long as the limit itself.
func TestLimitsRemindInside(t *testing.T) {
	c := embedded(t)
	loc := shanghai(t)
	ls, err := Limits()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 2, 13, 10, 0, 0, 0, loc) // the Friday before the Spring Festival
	for code, l := range ls {
		k := c.Start(l, start, loc)
		if !k.RemindAt.After(k.Start) || !k.RemindAt.Before(k.Due) {
			t.Errorf("%s: start %v remind %v due %v", code, k.Start, k.RemindAt, k.Due)
		}
	}
}

func TestParseLimitsErrors(t *testing.T) {
	row := func(override string) string {
		fields := map[string]string{
			"code": `"a.b"`, "name": `"名"`, "stage": `"report"`, "amount": `5`, "unit": `"working_days"`,
			"remind_before": `{"amount": 2, "unit": "working_days"}`, "extension": `null`,
			"source": `"[R-JK] Arts. 14–17"`, "note": `""`,
		}
		var parts []string
		for _, k := range []string{"code", "name", "stage", "amount", "unit", "remind_before", "extension", "source", "note"} {
			if strings.HasPrefix(override, k+"=") {
				v := strings.TrimPrefix(override, k+"=")
				if v == "-" {
					continue
				}
				fields[k] = v
			}
			parts = append(parts, `"`+k+`": `+fields[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	if ls, err := ParseLimits(strings.NewReader("[" + row("") + "]")); err != nil || len(ls) != 1 || ls["a.b"].Extension != nil {
		t.Fatalf("valid row: %v, %v", ls, err)
	}
	ext := `{"amount": 3, "unit": "months", "max_times": 1, "approver": "上级"}`
	if ls, err := ParseLimits(strings.NewReader("[" + row("extension="+ext) + "]")); err != nil ||
		*ls["a.b"].Extension != (Extension{3, Months, 1, "上级"}) {
		t.Fatalf("row with extension: %v, %v", ls, err)
	}
	tests := []struct {
		name, in, field string
	}{
		{"not an array", `{}`, ""},
		{"trailing data", "[" + row("") + "] []", ""},
		{"unknown field", `[{"code": "a", "extra": 1}]`, ""},
		{"unknown remind field", "[" + row(`remind_before={"amount": 1, "unit": "hours", "x": 1}`) + "]", ""},
		{"missing code", "[" + row("code=-") + "]", "limits[0].code"},
		{"missing note", "[" + row("note=-") + "]", "limits[0].note"},
		{"missing remind unit", "[" + row(`remind_before={"amount": 1}`) + "]", "limits[0].remind_before.unit"},
		{"bad code", "[" + row(`code="Report.Forward"`) + "]", "limits[0].code"},
		{"empty code word", "[" + row(`code="a..b"`) + "]", "limits[0].code"},
		{"empty name", "[" + row(`name=" "`) + "]", "limits[0].name"},
		{"dotted stage", "[" + row(`stage="a.b"`) + "]", "limits[0].stage"},
		{"zero amount", "[" + row(`amount=0`) + "]", "limits[0].amount"},
		{"unknown unit", "[" + row(`unit="weeks"`) + "]", "limits[0].unit"},
		{"negative remind", "[" + row(`remind_before={"amount": -1, "unit": "hours"}`) + "]", "limits[0].remind_before"},
		{"empty source", "[" + row(`source=""`) + "]", "limits[0].source"},
		{"extension without approver", "[" + row(`extension={"amount": 3, "unit": "months", "max_times": 1}`) + "]", "limits[0].extension.approver"},
		{"extension bad unit", "[" + row(`extension={"amount": 3, "unit": "years", "max_times": 1, "approver": "x"}`) + "]", "limits[0].extension"},
		{"extension negative times", "[" + row(`extension={"amount": 3, "unit": "months", "max_times": -1, "approver": "x"}`) + "]", "limits[0].extension.max_times"},
		{"duplicate code", "[" + row("") + ", " + row("") + "]", "limits[1].code"},
	}
	for _, tt := range tests {
		_, err := ParseLimits(strings.NewReader(tt.in))
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Field != tt.field {
			t.Errorf("%s: error %v, want a ParseError on %q", tt.name, err, tt.field)
		}
	}
}

func TestUnitAndSpan(t *testing.T) {
	tests := []struct {
		span  Span
		valid bool
		str   string
	}{
		{Span{5, WorkingDays}, true, "5 working_days"},
		{Span{0, Hours}, true, "0 hours"},
		{Span{1, CalendarDays}, true, "1 calendar_days"},
		{Span{3, Months}, true, "3 months"},
		{Span{-1, Months}, false, "-1 months"},
		{Span{1, "weeks"}, false, "1 weeks"},
		{Span{}, false, "0 "},
	}
	for _, tt := range tests {
		if tt.span.Valid() != tt.valid || tt.span.String() != tt.str {
			t.Errorf("%#v: Valid %v String %q; want %v %q", tt.span, tt.span.Valid(), tt.span.String(), tt.valid, tt.str)
		}
	}
}
