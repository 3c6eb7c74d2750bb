package calendar

import (
	"testing"
	"time"

	"qingfeng/internal/apperr"
)

// at returns a Shanghai instant.
func at(loc *time.Location, y int, m time.Month, day, hh, mm int) time.Time {
	return time.Date(y, m, day, hh, mm, 0, 0, loc)
}

const rfc = "2006-01-02T15:04:05.000Z07:00"

func TestDue(t *testing.T) {
	c := embedded(t)
	loc := shanghai(t)
	tests := []struct {
		name   string
		start  time.Time
		span   Span
		pauses []Pause
		want   string
	}{
		// Working days, 2026 Spring Festival (off 02-15..02-23; 02-14, 02-28 working).
		{"5 wd from the Friday before 春节", at(loc, 2026, 2, 13, 16, 30), Span{5, WorkingDays}, nil, "2026-02-27T23:59:59.999+08:00"},
		{"start late at night still counts the local day", time.Date(2026, 2, 13, 15, 59, 0, 0, time.UTC), Span{5, WorkingDays}, nil, "2026-02-27T23:59:59.999+08:00"},
		{"UTC evening is already the next local day (Saturday 02-14)", time.Date(2026, 2, 13, 16, 0, 0, 0, time.UTC), Span{5, WorkingDays}, nil, "2026-02-28T23:59:59.999+08:00"},
		{"15 wd from the Friday before 春节", at(loc, 2026, 2, 13, 9, 0), Span{15, WorkingDays}, nil, "2026-03-12T23:59:59.999+08:00"},
		{"received during the holiday (adjusted Saturday 02-28 is the 5th)", at(loc, 2026, 2, 17, 9, 0), Span{5, WorkingDays}, nil, "2026-02-28T23:59:59.999+08:00"},
		{"5 wd across National Day 2025", at(loc, 2025, 9, 26, 9, 0), Span{5, WorkingDays}, nil, "2025-10-10T23:59:59.999+08:00"},
		{"15 wd across Labour Day 2026", at(loc, 2026, 4, 27, 9, 0), Span{15, WorkingDays}, nil, "2026-05-20T23:59:59.999+08:00"},
		{"into 2027 without a notice", at(loc, 2026, 12, 28, 9, 0), Span{5, WorkingDays}, nil, "2027-01-04T23:59:59.999+08:00"},
		// Calendar days and months.
		{"7 calendar days", at(loc, 2026, 2, 13, 15, 0), Span{7, CalendarDays}, nil, "2026-02-20T23:59:59.999+08:00"},
		{"1 month from Jan 31 clamps to Feb 28", at(loc, 2026, 1, 31, 10, 0), Span{1, Months}, nil, "2026-02-28T23:59:59.999+08:00"},
		{"1 month from Jan 31 in a leap year", at(loc, 2024, 1, 31, 10, 0), Span{1, Months}, nil, "2024-02-29T23:59:59.999+08:00"},
		{"3 months from Nov 30", at(loc, 2025, 11, 30, 10, 0), Span{3, Months}, nil, "2026-02-28T23:59:59.999+08:00"},
		{"12 months from Feb 29", at(loc, 2024, 2, 29, 10, 0), Span{12, Months}, nil, "2025-02-28T23:59:59.999+08:00"},
		{"1 month, same day", at(loc, 2026, 3, 15, 10, 0), Span{1, Months}, nil, "2026-04-15T23:59:59.999+08:00"},
		// Hours: exact, across midnight and the holiday.
		{"12 hours", at(loc, 2026, 2, 14, 22, 30), Span{12, Hours}, nil, "2026-02-15T10:30:00.000+08:00"},
		{"24 hours", at(loc, 2026, 2, 14, 22, 30), Span{24, Hours}, nil, "2026-02-15T22:30:00.000+08:00"},
		// Pauses on a 15-working-day clock started Monday 2026-03-02 (due 03-23 without pauses).
		{"no pause", at(loc, 2026, 3, 2, 9, 0), Span{15, WorkingDays}, nil, "2026-03-23T23:59:59.999+08:00"},
		{"paused Tue 10:00 to Thu 16:00: 2 working days", at(loc, 2026, 3, 2, 9, 0), Span{15, WorkingDays},
			[]Pause{{at(loc, 2026, 3, 10, 10, 0), at(loc, 2026, 3, 12, 16, 0)}}, "2026-03-25T23:59:59.999+08:00"},
		{"paused over a weekend: Fri to Mon is 1 working day", at(loc, 2026, 3, 2, 9, 0), Span{15, WorkingDays},
			[]Pause{{at(loc, 2026, 3, 13, 17, 0), at(loc, 2026, 3, 16, 9, 0)}}, "2026-03-24T23:59:59.999+08:00"},
		{"paused within one day: nothing", at(loc, 2026, 3, 2, 9, 0), Span{15, WorkingDays},
			[]Pause{{at(loc, 2026, 3, 10, 9, 0), at(loc, 2026, 3, 10, 17, 0)}}, "2026-03-23T23:59:59.999+08:00"},
		{"overlapping pauses merge", at(loc, 2026, 3, 2, 9, 0), Span{15, WorkingDays},
			[]Pause{{at(loc, 2026, 3, 11, 9, 0), at(loc, 2026, 3, 13, 9, 0)}, {at(loc, 2026, 3, 10, 10, 0), at(loc, 2026, 3, 12, 16, 0)}}, "2026-03-26T23:59:59.999+08:00"},
		{"two separate pauses add up", at(loc, 2026, 3, 2, 9, 0), Span{15, WorkingDays},
			[]Pause{{at(loc, 2026, 3, 3, 9, 0), at(loc, 2026, 3, 4, 9, 0)}, {at(loc, 2026, 3, 10, 10, 0), at(loc, 2026, 3, 12, 16, 0)}}, "2026-03-26T23:59:59.999+08:00"},
		{"pause begun before the start is clipped", at(loc, 2026, 3, 2, 9, 0), Span{15, WorkingDays},
			[]Pause{{at(loc, 2026, 2, 27, 9, 0), at(loc, 2026, 3, 4, 10, 0)}}, "2026-03-25T23:59:59.999+08:00"},
		{"pause spanning the original due date", at(loc, 2026, 3, 2, 9, 0), Span{15, WorkingDays},
			[]Pause{{at(loc, 2026, 3, 20, 10, 0), at(loc, 2026, 3, 27, 10, 0)}}, "2026-03-30T23:59:59.999+08:00"},
		{"pause begun after expiry is ignored", at(loc, 2026, 3, 2, 9, 0), Span{15, WorkingDays},
			[]Pause{{at(loc, 2026, 3, 24, 10, 0), at(loc, 2026, 3, 26, 10, 0)}}, "2026-03-23T23:59:59.999+08:00"},
		{"pause reaching past the old due by an earlier pause counts", at(loc, 2026, 3, 2, 9, 0), Span{15, WorkingDays},
			[]Pause{{at(loc, 2026, 3, 3, 9, 0), at(loc, 2026, 3, 5, 9, 0)}, {at(loc, 2026, 3, 24, 10, 0), at(loc, 2026, 3, 26, 10, 0)}}, "2026-03-27T23:59:59.999+08:00"},
		{"empty and inverted pauses are ignored", at(loc, 2026, 3, 2, 9, 0), Span{15, WorkingDays},
			[]Pause{{at(loc, 2026, 3, 10, 9, 0), time.Time{}}, {at(loc, 2026, 3, 12, 9, 0), at(loc, 2026, 3, 11, 9, 0)}}, "2026-03-23T23:59:59.999+08:00"},
		{"pause across the Spring Festival counts working days only", at(loc, 2026, 2, 9, 9, 0), Span{5, WorkingDays},
			[]Pause{{at(loc, 2026, 2, 13, 9, 0), at(loc, 2026, 2, 25, 9, 0)}}, "2026-02-26T23:59:59.999+08:00"},
		{"calendar days pause in whole days", at(loc, 2026, 2, 13, 15, 0), Span{7, CalendarDays},
			[]Pause{{at(loc, 2026, 2, 15, 9, 0), at(loc, 2026, 2, 17, 18, 0)}}, "2026-02-22T23:59:59.999+08:00"},
		{"months pause moves the clamped day", at(loc, 2026, 1, 31, 10, 0), Span{1, Months},
			[]Pause{{at(loc, 2026, 2, 10, 9, 0), at(loc, 2026, 2, 13, 9, 0)}}, "2026-03-03T23:59:59.999+08:00"},
		{"hours pause by the exact duration", at(loc, 2026, 2, 14, 22, 30), Span{12, Hours},
			[]Pause{{at(loc, 2026, 2, 15, 1, 0), at(loc, 2026, 2, 15, 2, 30)}}, "2026-02-15T12:00:00.000+08:00"},
		{"invalid span is already due", at(loc, 2026, 2, 14, 22, 30), Span{1, "weeks"}, nil, "2026-02-14T22:30:00.000+08:00"},
	}
	for _, tt := range tests {
		got := c.Due(tt.start, tt.span, loc, tt.pauses...)
		if s := got.In(loc).Format(rfc); s != tt.want {
			t.Errorf("%s: Due = %s, want %s", tt.name, s, tt.want)
		}
	}
}

// limit returns an embedded limit or fails the test.
func limit(t *testing.T, code string) Limit {
	t.Helper()
	ls, err := Limits()
	if err != nil {
		t.Fatal(err)
	}
	l, ok := ls[code]
	if !ok {
		t.Fatalf("no limit %s", code)
	}
	return l
}

func TestStart(t *testing.T) {
	c := embedded(t)
	loc := shanghai(t)
	tests := []struct {
		code        string
		start       time.Time
		due, remind string
		provisional bool
	}{
		// A report received on the Friday before the 2026 Spring Festival.
		{"report.forward", at(loc, 2026, 2, 13, 10, 0), "2026-02-27T23:59:59.999+08:00", "2026-02-25T23:59:59.999+08:00", false},
		{"report.realname_notice", at(loc, 2026, 2, 13, 10, 0), "2026-03-12T23:59:59.999+08:00", "2026-03-09T23:59:59.999+08:00", false},
		// Reminder counted back across the holiday: 2 wd before Wednesday 02-25 is Saturday 02-14.
		{"report.forward", at(loc, 2026, 2, 11, 10, 0), "2026-02-25T23:59:59.999+08:00", "2026-02-14T23:59:59.999+08:00", false},
		{"clue.disposal", at(loc, 2026, 1, 31, 10, 0), "2026-02-28T23:59:59.999+08:00", "2026-02-14T23:59:59.999+08:00", false},
		{"detention", at(loc, 2026, 1, 31, 10, 0), "2026-04-30T23:59:59.999+08:00", "2026-04-16T23:59:59.999+08:00", false},
		{"compulsory_appearance", at(loc, 2026, 2, 14, 22, 30), "2026-02-15T10:30:00.000+08:00", "2026-02-15T08:30:00.000+08:00", false},
		{"custody.decide", at(loc, 2026, 2, 13, 15, 0), "2026-02-20T23:59:59.999+08:00", "2026-02-18T23:59:59.999+08:00", false},
		// Into 2027 without a notice: provisional.
		{"report.forward", at(loc, 2026, 12, 28, 9, 0), "2027-01-04T23:59:59.999+08:00", "2026-12-31T23:59:59.999+08:00", true},
		// A months limit whose working-day reminder falls in 2027.
		{"clue.disposal", at(loc, 2026, 12, 20, 9, 0), "2027-01-20T23:59:59.999+08:00", "2027-01-13T23:59:59.999+08:00", true},
		// A months limit entirely inside known years is not provisional.
		{"appeal.close", at(loc, 2026, 3, 2, 9, 0), "2026-06-02T23:59:59.999+08:00", "2026-05-19T23:59:59.999+08:00", false},
	}
	for _, tt := range tests {
		k := c.Start(limit(t, tt.code), tt.start, loc)
		if got := k.Due.In(loc).Format(rfc); got != tt.due {
			t.Errorf("%s from %v: Due = %s, want %s", tt.code, tt.start, got, tt.due)
		}
		if got := k.RemindAt.In(loc).Format(rfc); got != tt.remind {
			t.Errorf("%s from %v: RemindAt = %s, want %s", tt.code, tt.start, got, tt.remind)
		}
		if k.Provisional != tt.provisional || !k.Start.Equal(tt.start) || k.Limit.Code != tt.code || k.Extensions != 0 {
			t.Errorf("%s from %v: Provisional %v start %v code %s extensions %d", tt.code, tt.start, k.Provisional, k.Start, k.Limit.Code, k.Extensions)
		}
	}

	// The reminder never precedes the start: a 1-working-day limit with a
	// 2-working-day reminder reminds from the start.
	short := Limit{Code: "x", Amount: 1, Unit: WorkingDays, RemindBefore: Span{2, WorkingDays}}
	start := at(loc, 2026, 2, 13, 10, 0)
	if k := c.Start(short, start, loc); !k.RemindAt.Equal(start) {
		t.Errorf("short limit: RemindAt %v, want the start %v", k.RemindAt, start)
	}
	// No reminder span: remind at the due time.
	none := Limit{Code: "y", Amount: 1, Unit: Hours}
	if k := c.Start(none, start, loc); !k.RemindAt.Equal(k.Due) {
		t.Errorf("no reminder: RemindAt %v, want Due %v", k.RemindAt, k.Due)
	}
	// A pause passed to Start moves Due and RemindAt.
	k := c.Start(limit(t, "report.forward"), start, loc, Pause{at(loc, 2026, 2, 24, 9, 0), at(loc, 2026, 2, 26, 9, 0)})
	if got, want := k.Due.In(loc).Format(rfc), "2026-03-02T23:59:59.999+08:00"; got != want {
		t.Errorf("paused Due = %s, want %s", got, want)
	}
	if got, want := k.RemindAt.In(loc).Format(rfc), "2026-02-27T23:59:59.999+08:00"; got != want {
		t.Errorf("paused RemindAt = %s, want %s", got, want)
	}
}

func TestState(t *testing.T) {
	c := embedded(t)
	loc := shanghai(t)
	k := c.Start(limit(t, "report.forward"), at(loc, 2026, 2, 13, 10, 0), loc) // due 02-27 end, remind 02-25 end
	var notDone time.Time
	tests := []struct {
		name      string
		now, done time.Time
		want      State
		remaining time.Duration
	}{
		{"during the holiday", at(loc, 2026, 2, 20, 10, 0), notDone, Running, 7*24*time.Hour + 13*time.Hour + 59*time.Minute + 59*time.Second + 999*time.Millisecond},
		{"just before the reminder", k.RemindAt.Add(-time.Millisecond), notDone, Running, 2*24*time.Hour + time.Millisecond},
		{"at the reminder", k.RemindAt, notDone, DueSoon, 2 * 24 * time.Hour},
		{"on the last day", at(loc, 2026, 2, 27, 18, 0), notDone, DueSoon, 5*time.Hour + 59*time.Minute + 59*time.Second + 999*time.Millisecond},
		{"at the due instant", k.Due, notDone, DueSoon, 0},
		{"the next morning", at(loc, 2026, 2, 28, 0, 0), notDone, Overdue, -time.Millisecond},
		{"done early", at(loc, 2026, 3, 10, 0, 0), at(loc, 2026, 2, 24, 11, 0), Met, k.Due.Sub(at(loc, 2026, 3, 10, 0, 0))},
		{"done at the due instant", at(loc, 2026, 3, 10, 0, 0), k.Due, Met, k.Due.Sub(at(loc, 2026, 3, 10, 0, 0))},
		{"done late", at(loc, 2026, 3, 10, 0, 0), at(loc, 2026, 2, 28, 9, 0), Late, k.Due.Sub(at(loc, 2026, 3, 10, 0, 0))},
	}
	for _, tt := range tests {
		if got := k.State(tt.now, tt.done); got != tt.want {
			t.Errorf("%s: State = %s, want %s", tt.name, got, tt.want)
		}
		if got := k.Remaining(tt.now); got != tt.remaining {
			t.Errorf("%s: Remaining = %v, want %v", tt.name, got, tt.remaining)
		}
	}
}

func TestExtend(t *testing.T) {
	c := embedded(t)
	loc := shanghai(t)
	detention := c.Start(limit(t, "detention"), at(loc, 2026, 1, 31, 10, 0), loc) // due 04-30
	once, err := c.Extend(detention, Span{}, loc)
	if err != nil {
		t.Fatal(err)
	}
	assigned := c.Start(limit(t, "report.assigned_close"), at(loc, 2026, 3, 2, 9, 0), loc) // due 06-02
	review := c.Start(limit(t, "review.finish"), at(loc, 2026, 3, 2, 9, 0), loc)           // due 04-02
	custody := c.Start(limit(t, "custody.decide"), at(loc, 2026, 2, 13, 15, 0), loc)       // due 02-20
	appearance := c.Start(limit(t, "compulsory_appearance"), at(loc, 2026, 2, 14, 22, 30), loc)
	technical := c.Start(limit(t, "technical_investigation"), at(loc, 2026, 1, 15, 9, 0), loc)
	technical2, err := c.Extend(technical, Span{}, loc)
	if err != nil {
		t.Fatal(err)
	}
	clue := c.Start(limit(t, "clue.disposal"), at(loc, 2026, 3, 2, 9, 0), loc)

	tests := []struct {
		name       string
		k          Clock
		by         Span
		due        string
		remind     string
		extensions int
		code       apperr.Code
		key        string
	}{
		{"detention +3 months from 04-30", detention, Span{}, "2026-07-30T23:59:59.999+08:00", "2026-07-16T23:59:59.999+08:00", 1, "", ""},
		{"detention extended twice", once, Span{}, "", "", 0, apperr.Conflict, KeyExtensionExhausted},
		{"assigned case +3 months", assigned, Span{3, Months}, "2026-09-02T23:59:59.999+08:00", "2026-08-19T23:59:59.999+08:00", 1, "", ""},
		{"assigned case +2 months (less than allowed)", assigned, Span{2, Months}, "2026-08-02T23:59:59.999+08:00", "2026-07-20T23:59:59.999+08:00", 1, "", ""},
		{"assigned case +4 months", assigned, Span{4, Months}, "", "", 0, apperr.Invalid, "error.invalid"},
		{"assigned case in working days", assigned, Span{20, WorkingDays}, "", "", 0, apperr.Invalid, "error.invalid"},
		{"review: amount not fixed, explicit span", review, Span{1, Months}, "2026-05-02T23:59:59.999+08:00", "2026-04-24T23:59:59.999+08:00", 1, "", ""},
		{"review: amount not fixed, zero span", review, Span{}, "", "", 0, apperr.Invalid, "error.invalid"},
		{"custody +2 days", custody, Span{2, CalendarDays}, "2026-02-22T23:59:59.999+08:00", "2026-02-20T23:59:59.999+08:00", 1, "", ""},
		{"compulsory appearance to 24 hours", appearance, Span{}, "2026-02-15T22:30:00.000+08:00", "2026-02-15T20:30:00.000+08:00", 1, "", ""},
		{"technical investigation renewed again (no maximum)", technical2, Span{}, "2026-10-15T23:59:59.999+08:00", "2026-09-24T23:59:59.999+08:00", 2, "", ""},
		{"no extension rule", clue, Span{}, "", "", 0, apperr.Invalid, KeyExtensionNone},
	}
	for _, tt := range tests {
		got, err := c.Extend(tt.k, tt.by, loc)
		if tt.code != "" {
			if e := apperr.As(err); e.Code != tt.code || e.Key != tt.key {
				t.Errorf("%s: error %v, want %s %s", tt.name, err, tt.code, tt.key)
			}
			if !got.Due.Equal(tt.k.Due) || got.Extensions != tt.k.Extensions {
				t.Errorf("%s: clock changed on error", tt.name)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if d, r := got.Due.In(loc).Format(rfc), got.RemindAt.In(loc).Format(rfc); d != tt.due || r != tt.remind || got.Extensions != tt.extensions {
			t.Errorf("%s: Due %s RemindAt %s extensions %d; want %s %s %d", tt.name, d, r, got.Extensions, tt.due, tt.remind, tt.extensions)
		}
	}
	// Extending into 2027 with working days makes the clock provisional.
	wd := Limit{Code: "w", Amount: 5, Unit: WorkingDays, Extension: &Extension{5, WorkingDays, 1, "x"}}
	k := c.Start(wd, at(loc, 2026, 12, 18, 9, 0), loc) // due 12-25
	if k.Provisional {
		t.Fatal("not provisional before the extension")
	}
	if k2, err := c.Extend(k, Span{}, loc); err != nil || !k2.Provisional || k2.Due.In(loc).Format(rfc) != "2027-01-01T23:59:59.999+08:00" {
		t.Errorf("Extend into 2027: %v provisional %v, %v", k2.Due, k2.Provisional, err)
	}
}
