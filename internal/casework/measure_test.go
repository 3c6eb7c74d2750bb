package casework

import (
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Shanghai even where the system has no zoneinfo

	"qingfeng/internal/apperr"
	"qingfeng/internal/calendar"
)

func clockEnv(t *testing.T) (*calendar.Calendar, map[string]calendar.Limit, *time.Location) {
	t.Helper()
	cal, err := calendar.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ls, err := calendar.Limits()
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return cal, ls, loc
}

// TestMeasureLimitsExist checks that every limit code the measure rules
// name is in the calendar's limits tables.
func TestMeasureLimitsExist(t *testing.T) {
	_, ls, _ := clockEnv(t)
	for _, r := range MeasureRules() {
		codes := append([]string{r.Limit}, r.SideLimits...)
		for _, x := range r.Extensions {
			codes = append(codes, x.Limit)
			if x.Source == "" || x.Guard == "" {
				t.Errorf("%s %s: no source or guard", r.Kind, x.Kind)
			}
		}
		for _, c := range codes {
			if _, ok := ls[c]; c != "" && !ok {
				t.Errorf("%s: limit %q is not in the limits tables", r.Kind, c)
			}
		}
		if r.Source == "" {
			t.Errorf("%s: no source", r.Kind)
		}
		if x, ok := extensionRule(r, ExtendOrdinary); ok && x.Limit == "" && ls[r.Limit].Extension == nil {
			t.Errorf("%s: ordinary extension but limit %s has no extension rule", r.Kind, r.Limit)
		}
	}
}

func TestMeasureClock(t *testing.T) {
	cal, ls, loc := clockEnv(t)
	start := time.Date(2026, 3, 10, 10, 0, 0, 0, loc)
	end := func(m time.Month, d int, y ...int) time.Time {
		year := 2026
		if len(y) > 0 {
			year = y[0]
		}
		return calendar.Date{Y: year, M: m, D: d}.EndIn(loc)
	}
	appr := func(levels ...ApprovalLevel) []Approval {
		var out []Approval
		for _, l := range levels {
			out = append(out, Approval{Level: l, By: "x", At: start})
		}
		return out
	}
	ord := func(by calendar.Span, levels ...ApprovalLevel) MeasureExtension {
		return MeasureExtension{Kind: ExtendOrdinary, By: by, At: start.AddDate(0, 2, 0), Approvals: appr(levels...)}
	}
	further := MeasureExtension{Kind: ExtendFurther, At: start.AddDate(0, 5, 0), Approvals: appr(ApprovalNational)}
	recalc := func(at time.Time) MeasureExtension {
		return MeasureExtension{Kind: ExtendRecalculate, At: at, Approvals: appr(ApprovalNational)}
	}
	followOn := MeasureExtension{Kind: ExtendFollowOn, At: start.Add(time.Hour)}
	months3 := calendar.Span{Amount: 3, Unit: calendar.Months}
	detention := func(level CommissionLevel, xs ...MeasureExtension) Measure {
		return Measure{Kind: MeasureDetention, Level: level, StartedAt: start, Extensions: xs}
	}
	tests := []struct {
		name  string
		m     Measure
		due   time.Time
		exts  int
		key   string // error key ("" for none)
		field string // error field ("" for a keyed error without fields)
	}{
		{"detention 3 months", detention(LevelCounty), end(6, 10), 0, "", ""},
		{"detention extended once by 3 months", detention(LevelCounty, ord(months3, ApprovalUpper)), end(9, 10), 1, "", ""},
		{"detention extended by 2 months", detention(LevelCounty, ord(calendar.Span{Amount: 2, Unit: calendar.Months}, ApprovalUpper)), end(8, 10), 1, "", ""},
		{"detention extension without upper approval", detention(LevelCounty, ord(months3, ApprovalPrincipal)), end(6, 10), 0, "case.measure_approval_required", "extensions"},
		{"detention extension too long", detention(LevelCounty, ord(calendar.Span{Amount: 4, Unit: calendar.Months}, ApprovalUpper)), end(6, 10), 0, calendar.KeyExtensionSpan, "by"},
		{"detention extended twice", detention(LevelCounty, ord(months3, ApprovalUpper), ord(months3, ApprovalUpper)), end(9, 10), 1, calendar.KeyExtensionExhausted, ""},
		{"further 2 months after the extension", detention(LevelCounty, ord(months3, ApprovalUpper), further), end(11, 10), 2, "", ""},
		{"further before the extension", detention(LevelCounty, further), end(6, 10), 0, "case.measure_extension_order", "extensions"},
		{"further without the NSC", detention(LevelCounty, ord(months3, ApprovalUpper), MeasureExtension{Kind: ExtendFurther, Approvals: appr(ApprovalUpper)}), end(9, 10), 1, "case.measure_approval_required", "extensions"},
		{"further twice", detention(LevelCounty, ord(months3, ApprovalUpper), further, further), end(11, 10), 2, "case.measure_extension_once", ""},
		{"recalculation at a county", detention(LevelCounty, recalc(start.AddDate(0, 1, 0))), end(6, 10), 0, "case.measure_recalculate_level", "extensions"},
		{"recalculation at a province", detention(LevelProvince, recalc(time.Date(2026, 5, 1, 15, 0, 0, 0, loc))), end(8, 1), 0, "", ""},
		{"recalculation then a new extension", detention(LevelProvince, ord(months3, ApprovalUpper), recalc(time.Date(2026, 5, 1, 15, 0, 0, 0, loc)), ord(months3, ApprovalUpper)), end(11, 1), 1, "", ""},
		{"recalculation before the start", detention(LevelProvince, recalc(start.Add(-time.Hour))), end(6, 10), 0, "case.measure_recalculate_time", "extensions"},
		{"recalculation after the due time", detention(LevelProvince, recalc(end(6, 10).Add(time.Hour))), end(6, 10), 0, "case.measure_recalculate_time", "extensions"},
		{"recalculation twice", detention(LevelNational, recalc(start.AddDate(0, 1, 0)), recalc(start.AddDate(0, 2, 0))), end(7, 10), 0, "case.measure_extension_once", ""},
		{"extension after the end", Measure{Kind: MeasureDetention, Level: LevelCounty, StartedAt: start, EndedAt: start.AddDate(0, 1, 0),
			Extensions: []MeasureExtension{ord(months3, ApprovalUpper)}}, end(6, 10), 0, "case.measure_ended", "extensions"},
		{"follow-on kind on detention", detention(LevelCounty, followOn), end(6, 10), 0, "case.measure_extension_invalid", "extensions"},
		{"custody 7 days", Measure{Kind: MeasureCustody, StartedAt: start}, end(3, 17), 0, "", ""},
		{"custody + 2 days", Measure{Kind: MeasureCustody, StartedAt: start, Extensions: []MeasureExtension{ord(calendar.Span{Amount: 2, Unit: calendar.CalendarDays}, ApprovalPrincipal)}}, end(3, 19), 1, "", ""},
		{"custody + 3 days", Measure{Kind: MeasureCustody, StartedAt: start, Extensions: []MeasureExtension{ord(calendar.Span{}, ApprovalPrincipal)}}, end(3, 20), 1, "", ""},
		{"custody + 4 days", Measure{Kind: MeasureCustody, StartedAt: start, Extensions: []MeasureExtension{ord(calendar.Span{Amount: 4, Unit: calendar.CalendarDays}, ApprovalPrincipal)}}, end(3, 17), 0, calendar.KeyExtensionSpan, "by"},
		{"custody extended twice", Measure{Kind: MeasureCustody, StartedAt: start, Extensions: []MeasureExtension{
			ord(calendar.Span{Amount: 1, Unit: calendar.CalendarDays}, ApprovalPrincipal), ord(calendar.Span{Amount: 1, Unit: calendar.CalendarDays}, ApprovalPrincipal)}}, end(3, 18), 1, calendar.KeyExtensionExhausted, ""},
		{"custody extension unapproved", Measure{Kind: MeasureCustody, StartedAt: start, Extensions: []MeasureExtension{ord(calendar.Span{Amount: 1, Unit: calendar.CalendarDays})}}, end(3, 17), 0, "case.measure_approval_required", "extensions"},
		{"compulsory appearance 12 hours", Measure{Kind: MeasureCompulsoryAppearance, StartedAt: start}, start.Add(12 * time.Hour), 0, "", ""},
		{"compulsory appearance followed by detention", Measure{Kind: MeasureCompulsoryAppearance, StartedAt: start, FollowedBy: MeasureDetention, Extensions: []MeasureExtension{followOn}}, start.Add(24 * time.Hour), 1, "", ""},
		{"compulsory appearance followed by custody", Measure{Kind: MeasureCompulsoryAppearance, StartedAt: start, FollowedBy: MeasureCustody, Extensions: []MeasureExtension{followOn}}, start.Add(24 * time.Hour), 1, "", ""},
		{"compulsory appearance 24 hours without a follow-on", Measure{Kind: MeasureCompulsoryAppearance, StartedAt: start, Extensions: []MeasureExtension{followOn}}, start.Add(12 * time.Hour), 0, "case.measure_follow_on_required", "extensions"},
		{"compulsory appearance chained", Measure{Kind: MeasureCompulsoryAppearance, StartedAt: start, FollowedBy: MeasureDetention, Extensions: []MeasureExtension{followOn, followOn}}, start.Add(24 * time.Hour), 1, calendar.KeyExtensionExhausted, ""},
		{"compulsory appearance ordinary extension", Measure{Kind: MeasureCompulsoryAppearance, StartedAt: start, Extensions: []MeasureExtension{ord(calendar.Span{})}}, start.Add(12 * time.Hour), 0, "case.measure_extension_invalid", "extensions"},
		{"await investigation 12 months", Measure{Kind: MeasureAwaitInvestigation, StartedAt: start}, end(3, 10, 2027), 0, "", ""},
		{"await investigation extended", Measure{Kind: MeasureAwaitInvestigation, StartedAt: start, Extensions: []MeasureExtension{ord(calendar.Span{}, ApprovalPrincipal)}}, end(3, 10, 2027), 0, "case.measure_extension_invalid", "extensions"},
		{"technical investigation renewed twice", Measure{Kind: MeasureTechnical, StartedAt: start, Extensions: []MeasureExtension{ord(months3, ApprovalPrincipal), ord(months3, ApprovalPrincipal)}}, end(12, 10), 2, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := MeasureClock(cal, ls, tt.m, loc)
			if !k.Due.Equal(tt.due) || k.Extensions != tt.exts {
				t.Errorf("due %v (%d extensions), want %v (%d)", k.Due, k.Extensions, tt.due, tt.exts)
			}
			if tt.key == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if k.RemindAt.After(k.Due) || k.RemindAt.Before(k.Start) {
					t.Errorf("remind %v outside [%v, %v]", k.RemindAt, k.Start, k.Due)
				}
				return
			}
			e := apperr.As(err)
			switch {
			case err == nil:
				t.Fatalf("no error, want %s", tt.key)
			case tt.field == "" && e.Key != tt.key:
				t.Errorf("error %v, want key %s", err, tt.key)
			case tt.field != "" && e.Fields[tt.field] != tt.key:
				t.Errorf("error %v, want %s on %s", err, tt.key, tt.field)
			}
		})
	}
	if _, err := MeasureClock(cal, ls, Measure{Kind: MeasureTalk, StartedAt: start}, loc); apperr.As(err).Fields["kind"] != "case.measure_no_limit" {
		t.Errorf("talk: %v", err)
	}
	if _, err := MeasureClock(cal, ls, Measure{Kind: MeasureDetention, StartedAt: start}, loc); err != nil {
		t.Error(err)
	}
	// The expiry alarm: a running detention past its due time is overdue.
	k, _ := MeasureClock(cal, ls, detention(LevelCounty), loc)
	if got := k.State(end(6, 11), time.Time{}); got != calendar.Overdue {
		t.Errorf("state after the due time: %s", got)
	}
	if got := k.State(end(6, 11), end(6, 9)); got != calendar.Met {
		t.Errorf("state when ended in time: %s", got)
	}
}

func TestSideClocks(t *testing.T) {
	cal, ls, loc := clockEnv(t)
	start := time.Date(2026, 3, 10, 10, 0, 0, 0, loc)
	tests := []struct {
		kind  MeasureKind
		codes []string
	}{
		{MeasureDetention, []string{"measure.notify"}},
		{MeasureCustody, []string{"custody.transfer", "measure.notify"}},
		{MeasureCompulsoryAppearance, nil},
		{MeasureTalk, nil},
	}
	for _, tt := range tests {
		ks, err := SideClocks(cal, ls, Measure{Kind: tt.kind, StartedAt: start}, loc)
		if err != nil || len(ks) != len(tt.codes) {
			t.Fatalf("%s: %d clocks, %v; want %v", tt.kind, len(ks), err, tt.codes)
		}
		for i, k := range ks {
			if k.Limit.Code != tt.codes[i] || !k.Due.Equal(start.Add(24*time.Hour)) {
				t.Errorf("%s: clock %s due %v, want %s due %v", tt.kind, k.Limit.Code, k.Due, tt.codes[i], start.Add(24*time.Hour))
			}
		}
	}
}

func TestCheckTake(t *testing.T) {
	start := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	appr := func(levels ...ApprovalLevel) []Approval {
		var out []Approval
		for _, l := range levels {
			out = append(out, Approval{Level: l})
		}
		return out
	}
	tests := []struct {
		name   string
		m      Measure
		fields []string
	}{
		{"county detention approved by the city", Measure{Kind: MeasureDetention, Level: LevelCounty, StartedAt: start, Approvals: appr(ApprovalCollective, ApprovalUpper)}, nil},
		{"county detention without the city", Measure{Kind: MeasureDetention, Level: LevelCounty, StartedAt: start, Approvals: appr(ApprovalCollective)}, []string{"approvals"}},
		{"detention without a collective decision", Measure{Kind: MeasureDetention, Level: LevelCity, StartedAt: start, Approvals: appr(ApprovalUpper)}, []string{"approvals"}},
		{"provincial detention: filing only", Measure{Kind: MeasureDetention, Level: LevelProvince, StartedAt: start, Approvals: appr(ApprovalCollective)}, nil},
		{"custody by the principal", Measure{Kind: MeasureCustody, Level: LevelCounty, StartedAt: start, Approvals: appr(ApprovalPrincipal)}, nil},
		{"custody unapproved", Measure{Kind: MeasureCustody, Level: LevelCounty, StartedAt: start}, []string{"approvals"}},
		{"talk needs nothing here", Measure{Kind: MeasureTalk, Level: LevelCounty, StartedAt: start}, nil},
		{"compulsory appearance followed by detention", Measure{Kind: MeasureCompulsoryAppearance, Level: LevelCounty, StartedAt: start, FollowedBy: MeasureDetention, Approvals: appr(ApprovalPrincipal)}, nil},
		{"followed by a talk", Measure{Kind: MeasureCompulsoryAppearance, Level: LevelCounty, StartedAt: start, FollowedBy: MeasureTalk, Approvals: appr(ApprovalPrincipal)}, []string{"followed_by"}},
		{"detention followed by something", Measure{Kind: MeasureDetention, Level: LevelProvince, StartedAt: start, FollowedBy: MeasureCustody, Approvals: appr(ApprovalCollective)}, []string{"followed_by"}},
		{"no level, no start", Measure{Kind: MeasureTalk}, []string{"level", "started_at"}},
		{"unknown kind", Measure{Kind: "torture", Level: LevelCounty, StartedAt: start}, []string{"kind"}},
	}
	for _, tt := range tests {
		if got := fieldsOf(CheckTake(tt.m)); !slices.Equal(got, tt.fields) {
			t.Errorf("%s: fields %v, want %v", tt.name, got, tt.fields)
		}
	}
}
