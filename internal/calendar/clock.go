package calendar

import (
	"slices"
	"time"

	"qingfeng/internal/apperr"
)

// Pause is a period during which a clock does not run: an extension request
// awaiting approval, from its submission (From) to the decision (To). For a
// request still awaiting a decision, pass the current time as To; the due
// time then moves on as the wait goes on. A pause with To not after From is
// ignored, as is the part of a pause before the clock's start.
type Pause struct {
	From, To time.Time
}

// Due returns the instant a limit of length s expires for something started
// at start, with dates taken in loc (the business time zone, Asia/Shanghai;
// it panics if loc is nil):
//
//   - working_days: the end (23:59:59.999) of the n-th working day after the
//     start day; the start day never counts;
//   - calendar_days: the end of the day n days after the start day;
//   - months: the end of the same day of the month n months later, clamped to
//     the month's end (received 2026-01-31, 1 month: 2026-02-28 23:59:59.999);
//   - hours: start + n hours, to the nanosecond.
//
// Paused time does not count. Overlapping pauses are merged; a pause that
// begins after the clock has already expired is ignored. For hour limits the
// due time moves by the paused duration; for day and month limits it moves
// in whole days: working-day limits by the working days in (pause start
// day, pause end day], calendar-day and month limits by the calendar days in
// the same span (a pause begun and decided on the same day moves nothing).
//
// Services call it through Start; statistics may call it directly. An
// invalid span (unknown unit, negative amount) yields start: the clock is
// shown as expired rather than silently never due.
func (c *Calendar) Due(start time.Time, s Span, loc *time.Location, pauses ...Pause) time.Time {
	if !s.Valid() {
		return start
	}
	ps := mergePauses(start, pauses)
	if s.Unit == Hours {
		due := start.Add(time.Duration(s.Amount) * time.Hour)
		for _, p := range ps {
			if p.From.After(due) {
				break
			}
			due = due.Add(p.To.Sub(p.From))
		}
		return due
	}
	day := DateOf(start, loc)
	switch s.Unit {
	case WorkingDays:
		day = c.AddWorkdays(day, s.Amount)
	case CalendarDays:
		day = day.AddDays(s.Amount)
	case Months:
		day = day.AddMonths(s.Amount)
	}
	for _, p := range ps {
		if p.From.After(day.EndIn(loc)) {
			break
		}
		from, to := DateOf(p.From, loc), DateOf(p.To, loc)
		if s.Unit == WorkingDays {
			day = c.AddWorkdays(day, c.WorkdaysBetween(from, to))
		} else {
			day = day.AddDays(int(to.dayNum() - from.dayNum()))
		}
	}
	return day.EndIn(loc)
}

// mergePauses drops empty pauses, clips them to start, sorts them and merges
// overlapping ones.
func mergePauses(start time.Time, pauses []Pause) []Pause {
	var ps []Pause
	for _, p := range pauses {
		if p.From.Before(start) {
			p.From = start
		}
		if p.To.After(p.From) {
			ps = append(ps, p)
		}
	}
	slices.SortFunc(ps, func(a, b Pause) int { return a.From.Compare(b.From) })
	var out []Pause
	for _, p := range ps {
		if n := len(out); n > 0 && !p.From.After(out[n-1].To) {
			if p.To.After(out[n-1].To) {
				out[n-1].To = p.To
			}
			continue
		}
		out = append(out, p)
	}
	return out
}

// Clock is a running statutory time limit: what is being timed, from when,
// until when, and when reminders start. Services store Due and RemindAt (in
// UTC) so that workers can claim due reminders with a plain comparison.
type Clock struct {
	Limit    Limit
	Start    time.Time
	Due      time.Time
	RemindAt time.Time // reminders from here on; Start ≤ RemindAt ≤ Due
	// Provisional is true when a working-day count crossed a year without an
	// official notice: the UI shows "按常规工作日推算" and the clock should be
	// recomputed once the notice is loaded.
	Provisional bool
	// Extensions is the number of extensions granted (see Extend).
	Extensions int
}

// Start starts the clock of limit l at start (dates in loc, the business
// time zone; it panics if loc is nil), excluding the pauses (see Due).
// RemindAt is Due moved back by l.RemindBefore, counting working days on
// this calendar for a working-day reminder (2 working days before a due time
// at the end of Friday is the end of Wednesday), and kept between Start and
// Due. Services call it when a report is received, a clue assigned, a
// measure taken, and so on, and again whenever a pause is added or ends.
func (c *Calendar) Start(l Limit, start time.Time, loc *time.Location, pauses ...Pause) Clock {
	due := c.Due(start, l.Span(), loc, pauses...)
	k := Clock{Limit: l, Start: start, Due: due}
	k.Provisional = l.Unit == WorkingDays && c.Provisional(DateOf(start, loc), DateOf(due, loc))
	c.remind(&k, loc)
	return k
}

// remind sets k.RemindAt from k.Due and the limit's RemindBefore and adds
// any provisional working-day count to k.Provisional.
func (c *Calendar) remind(k *Clock, loc *time.Location) {
	rb := k.Limit.RemindBefore
	at := k.Due
	if rb.Valid() && rb.Amount > 0 {
		local := k.Due.In(loc)
		due := DateOf(k.Due, loc)
		var day Date
		switch rb.Unit {
		case Hours:
			at = k.Due.Add(-time.Duration(rb.Amount) * time.Hour)
		case WorkingDays:
			day = c.AddWorkdays(due, -rb.Amount)
			k.Provisional = k.Provisional || c.Provisional(day, due)
		case CalendarDays:
			day = due.AddDays(-rb.Amount)
		case Months:
			day = due.AddMonths(-rb.Amount)
		}
		if rb.Unit != Hours {
			at = time.Date(day.Y, day.M, day.D, local.Hour(), local.Minute(), local.Second(), local.Nanosecond(), loc)
		}
	}
	if at.Before(k.Start) {
		at = k.Start
	}
	if at.After(k.Due) {
		at = k.Due
	}
	k.RemindAt = at
}

// Extend returns k extended once by the span by from its current due time,
// with RemindAt recomputed and Extensions incremented; k itself is
// unchanged. A zero span means the limit's full extension amount. Services
// call it when an extension request is approved (the time it awaited
// approval is passed to Start as a Pause beforehand, not here).
//
// Errors: apperr.Invalid with key KeyExtensionNone when the limit has no
// extension rule; apperr.Invalid with key KeyExtensionSpan (field "by")
// when by is not in the extension's unit, is not positive, or exceeds its
// amount, or is zero while the rules fix no amount; apperr.Conflict with key
// KeyExtensionExhausted when the maximum number of extensions was granted.
func (c *Calendar) Extend(k Clock, by Span, loc *time.Location) (Clock, error) {
	x := k.Limit.Extension
	if x == nil {
		return k, apperr.New(apperr.Invalid, KeyExtensionNone, k.Limit.Code)
	}
	if x.MaxTimes > 0 && k.Extensions >= x.MaxTimes {
		return k, apperr.New(apperr.Conflict, KeyExtensionExhausted, k.Limit.Code, x.MaxTimes)
	}
	if by == (Span{}) {
		by = Span{x.Amount, x.Unit}
	}
	if by.Unit != x.Unit || by.Amount <= 0 || (x.Amount > 0 && by.Amount > x.Amount) {
		return k, apperr.InvalidField("by", KeyExtensionSpan)
	}
	oldDue := k.Due
	k.Due = c.Due(oldDue, by, loc)
	k.Extensions++
	if by.Unit == WorkingDays && c.Provisional(DateOf(oldDue, loc), DateOf(k.Due, loc)) {
		k.Provisional = true
	}
	c.remind(&k, loc)
	return k, nil
}

// State is where a clock stands. The values are part of the API.
type State string

// The clock states.
const (
	Running State = "running"  // not done, before RemindAt
	DueSoon State = "due_soon" // not done, at or after RemindAt, not after Due
	Overdue State = "overdue"  // not done, after Due
	Met     State = "met"      // done at or before Due
	Late    State = "late"     // done after Due
)

// State returns the clock's state at now. doneAt is when the timed step was
// completed, or the zero time if it is not done yet; once it is done, now is
// ignored. Lists, dashboards and the reminder worker call it.
func (k Clock) State(now, doneAt time.Time) State {
	switch {
	case !doneAt.IsZero() && doneAt.After(k.Due):
		return Late
	case !doneAt.IsZero():
		return Met
	case now.After(k.Due):
		return Overdue
	case !now.Before(k.RemindAt):
		return DueSoon
	}
	return Running
}

// Remaining returns the time left until Due at now, negative once the clock
// is overdue. The UI shows it (in working days via WorkdaysBetween where the
// limit counts working days).
func (k Clock) Remaining(now time.Time) time.Duration { return k.Due.Sub(now) }
