package app

import (
	"context"
	"slices"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/calendar"
	"qingfeng/internal/casework"
	"qingfeng/internal/store"
)

// This file holds the measures screen (措施期限预警): the running
// investigation measures of the cases in the caller's scope with the
// state of their statutory clocks. A running measure past its due time
// (no decision to extend or end it) is the alarm of the leaders' screen.

// MeasureRow is a running measure on the measures screen: State is the
// state of its statutory clock at the app clock's now (calendar.Running
// for a measure without a clock), DaysLeft the calendar days from today
// to the due date in the business time zone (negative: days overdue; 0
// without a clock).
type MeasureRow struct {
	store.RunningMeasure
	ClockName string
	State     calendar.State
	DaysLeft  int
}

// HasClock reports whether the measure has a statutory clock.
func (r MeasureRow) HasClock() bool { return r.Clock.ID != 0 }

// DaysOverdue is the number of calendar days the measure is past its due
// date (0 when not overdue).
func (r MeasureRow) DaysOverdue() int { return max(-r.DaysLeft, 0) }

// MeasureQuery is the measures screen's filter as text: the lead unit and
// area group ids (as for the case ledger) and the clock state (running,
// due_soon or overdue; "" for all).
type MeasureQuery struct {
	Unit, AreaGroup, State string
}

// measureClockCodes are the limit codes of the measures' statutory clocks.
func measureClockCodes() []string {
	var out []string
	for _, r := range casework.MeasureRules() {
		if r.Limit != "" {
			out = append(out, r.Limit)
		}
	}
	return out
}

// MeasureFilter checks a MeasureQuery and builds the store filter (the
// place filters as for the case ledger). Errors: invalid with field codes
// ("state": "case.measure_state_invalid"), not_found (a unit or area group
// out of reach).
func (a *App) MeasureFilter(ctx context.Context, p auth.Principal, q MeasureQuery) (store.MeasureFilter, error) {
	var f store.MeasureFilter
	var v apperr.Validation
	var err error
	if f.Case.UnitPath, f.Case.Area, f.Case.AreaSet, err = a.placeFilter(ctx, p, auth.PermCaseRead, q.Unit, q.AreaGroup, &v); err != nil {
		return f, err
	}
	if q.State != "" && !slices.Contains([]string{store.MeasureStateRunning, store.MeasureStateDueSoon, store.MeasureStateOverdue}, q.State) {
		v.Add("state", "case.measure_state_invalid")
	}
	f.State = q.State
	return f, v.Err()
}

// ListMeasures lists the running measures of the cases the caller may see
// (case.read; scoped exactly as ListCases: scope, team participation and
// recusal), overdue and soonest due first, with the total. Errors:
// forbidden.
func (a *App) ListMeasures(ctx context.Context, p auth.Principal, f store.MeasureFilter) ([]MeasureRow, int, error) {
	if !p.Can(auth.PermCaseRead) {
		return nil, 0, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	now := a.Now()
	f.Now, f.Codes = now, measureClockCodes()
	rows, total, err := a.Store.ListRunningMeasures(ctx, p.ScopeFor(auth.PermCaseRead), f)
	if err != nil {
		return nil, 0, err
	}
	out := make([]MeasureRow, len(rows))
	for i, r := range rows {
		out[i] = MeasureRow{RunningMeasure: r, State: calendar.Running}
		if r.Clock.ID == 0 {
			continue
		}
		l := a.Intake.Limits[r.Clock.Code]
		k := calendar.Clock{Limit: l, Start: r.Clock.StartedAt, Due: r.Clock.DueAt, RemindAt: r.Clock.RemindAt}
		out[i].ClockName, out[i].State = l.Name, k.State(now, time.Time{})
		out[i].DaysLeft = daysBetween(now.In(a.Loc), r.Clock.DueAt.In(a.Loc))
	}
	return out, total, nil
}

// OverdueMeasures counts the running measures past due in the caller's
// scope, for the leaders' warning banner: 0 for callers without
// case.approve. Errors: database failures only.
func (a *App) OverdueMeasures(ctx context.Context, p auth.Principal) (int, error) {
	if !p.Can(auth.PermCaseApprove) || !p.Can(auth.PermCaseRead) {
		return 0, nil
	}
	_, n, err := a.ListMeasures(ctx, p, store.MeasureFilter{State: store.MeasureStateOverdue, Page: store.Page{Limit: 1}})
	return n, err
}

// daysBetween is the number of calendar days from the date of from to the
// date of to (both in their own location).
func daysBetween(from, to time.Time) int {
	d := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	return int(d(to).Sub(d(from)).Hours() / 24)
}
