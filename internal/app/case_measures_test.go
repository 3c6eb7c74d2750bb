package app_test

import (
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/calendar"
	"qingfeng/internal/casework"
	"qingfeng/internal/store"
)

func TestMeasuresScreen(t *testing.T) {
	eachCase(t, func(t *testing.T, f *caseFixture) {
		c := f.filed(t, 0, "T1")
		c = f.caseAct(t, "casea", c.ID, app.CaseAction{Op: casework.OpFormTeam,
			Members: []int64{f.users["townt1"].ID, f.users["reviewt1"].ID}})
		appr := []casework.Approval{{Level: casework.ApprovalCollective, By: "常委会", At: t0}, {Level: casework.ApprovalUpper, By: "市监委", At: t0}}
		f.caseAct(t, "townt1", c.ID, app.CaseAction{Op: casework.OpTakeMeasure, SubjectID: c.Subjects[0].ID, Kind: casework.MeasureDetention,
			Approvals: appr})
		list := func(user, state string) ([]app.MeasureRow, int) {
			t.Helper()
			p := f.p(user)
			mf, err := f.app.MeasureFilter(ctx, p, app.MeasureQuery{State: state})
			must(t, err)
			rows, total, err := f.app.ListMeasures(ctx, p, mf)
			must(t, err)
			if total != len(rows) {
				t.Fatalf("%s %q: %d rows, total %d", user, state, len(rows), total)
			}
			return rows, total
		}
		banner := func(user string) int {
			t.Helper()
			n, err := f.app.OverdueMeasures(ctx, f.p(user))
			must(t, err)
			return n
		}
		check := func(at time.Time, state calendar.State, daysLeft int) {
			t.Helper()
			f.clock.Set(at)
			for _, user := range []string{"leadera", "townt1"} {
				rows, _ := list(user, "")
				if len(rows) != 1 {
					t.Fatalf("%v, %s: %d running measures; want 1", at, user, len(rows))
				}
				r := rows[0]
				if r.CaseID != c.ID || r.CaseNumber != c.Number || r.SubjectName != c.Subjects[0].Name || r.Kind != casework.MeasureDetention ||
					!r.StartedAt.Equal(t0) || r.Clock.Code != "detention" || !r.Clock.DueAt.Equal(endOfDay(2026, 6, 16)) ||
					r.LeadUnitName != f.units["T1"].Name || r.State != state || r.DaysLeft != daysLeft || !r.HasClock() {
					t.Errorf("%v, %s: %+v; want detention of %s due 2026-06-16, %s, %d days left", at, user, r, c.Number, state, daysLeft)
				}
				for _, st := range []calendar.State{calendar.Running, calendar.DueSoon, calendar.Overdue} {
					want := 0
					if st == state {
						want = 1
					}
					if _, n := list(user, string(st)); n != want {
						t.Errorf("%v, %s, state %s: %d; want %d", at, user, st, n, want)
					}
				}
			}
			wantBanner := 0
			if state == calendar.Overdue {
				wantBanner = 1
			}
			if n := banner("leadera"); n != wantBanner {
				t.Errorf("%v: leader's banner %d; want %d", at, n, wantBanner)
			}
			// The township commission may read cases but approves nothing: no banner.
			if n := banner("townt1"); n != 0 {
				t.Errorf("%v: township's banner %d; want 0", at, n)
			}
		}
		check(t0, calendar.Running, 92)
		check(time.Date(2026, 6, 10, 2, 0, 0, 0, time.UTC), calendar.DueSoon, 6)
		check(time.Date(2026, 6, 17, 2, 0, 0, 0, time.UTC), calendar.Overdue, -1)

		// Out of scope: another county's commission, a township outside the team.
		for _, user := range []string{"townb1", "townt2"} {
			if rows, _ := list(user, ""); len(rows) != 0 {
				t.Errorf("%s sees %d measures; want none", user, len(rows))
			}
		}
		// A unit filter narrows to the lead unit's subtree.
		mf, err := f.app.MeasureFilter(ctx, f.p("leadera"), app.MeasureQuery{Unit: itoa(f.units["T2"].ID)})
		must(t, err)
		if rows, _, err := f.app.ListMeasures(ctx, f.p("leadera"), mf); err != nil || len(rows) != 0 {
			t.Errorf("unit T2: %d rows (%v); want none", len(rows), err)
		}
		_, err = f.app.MeasureFilter(ctx, f.p("leadera"), app.MeasureQuery{State: "late"})
		wantCode(t, err, apperr.Invalid, "", map[string]string{"state": "case.measure_state_invalid"})
		_, _, err = f.app.ListMeasures(ctx, f.p("petitiona"), store.MeasureFilter{})
		wantCode(t, err, apperr.Forbidden, "", nil)

		// Ended, the measure leaves the screen and the banner.
		ms, err := f.store.CaseMeasures(ctx, c.ID)
		must(t, err)
		f.caseAct(t, "townt1", c.ID, app.CaseAction{Op: casework.OpEndMeasure, MeasureID: ms[0].ID, Text: "解除留置"})
		if rows, _ := list("leadera", ""); len(rows) != 0 {
			t.Errorf("after the end: %d running measures", len(rows))
		}
		if n := banner("leadera"); n != 0 {
			t.Errorf("after the end: banner %d", n)
		}
	})
}
