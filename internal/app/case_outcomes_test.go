package app_test

import (
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/calendar"
	"qingfeng/internal/casework"
	"qingfeng/internal/stats"
	"qingfeng/internal/store"
)

// inReview files a case at T1 with four subjects (a village cadre and
// three civil servants, all party members), has it investigated by townt1
// and townt2 and accepted for review by reviewa and reviewb at t0.
func (f *caseFixture) inReview(t *testing.T) store.CaseRow {
	t.Helper()
	in := f.caseIn(0, "T1")
	for _, name := range []string{"李某", "张某", "赵某"} {
		in.Subjects = append(in.Subjects, casework.SubjectInput{Name: name, Unit: "县农业农村局", Post: "股长", Rank: "general",
			Category: casework.CategoryCivilServant, PartyMember: true})
	}
	c, err := f.app.FileCase(ctx, f.p("casea"), in)
	must(t, err)
	c = f.caseAct(t, "leadera", c.ID, app.CaseAction{Op: casework.OpApproveFiling, Text: "同意立案"})
	c = f.caseAct(t, "casea", c.ID, app.CaseAction{Op: casework.OpFormTeam, Members: []int64{f.users["townt1"].ID, f.users["townt2"].ID}})
	c = f.caseAct(t, "townt1", c.ID, app.CaseAction{Op: casework.OpSubmitReport, Text: "审查调查报告"})
	c = f.caseAct(t, "leadera", c.ID, app.CaseAction{Op: casework.OpApproveReport})
	return f.caseAct(t, "reviewa", c.ID, app.CaseAction{Op: casework.OpAcceptReview,
		Members: []int64{f.users["reviewa"].ID, f.users["reviewb"].ID}})
}

func (f *caseFixture) outcome(t *testing.T, user string, c store.CaseRow, i int, o casework.Outcome) store.CaseRow {
	t.Helper()
	out, err := f.app.RecordOutcome(ctx, f.p(user), c.ID, c.Subjects[i].ID, 0, o)
	if err != nil {
		t.Fatalf("%s outcome of %s: %v", user, c.Subjects[i].Name, err)
	}
	return out
}

func (f *caseFixture) outcomeRefused(t *testing.T, user string, c store.CaseRow, i int, o casework.Outcome, code apperr.Code, key string) {
	t.Helper()
	_, err := f.app.RecordOutcome(ctx, f.p(user), c.ID, c.Subjects[i].ID, 0, o)
	e := apperr.As(err)
	if err == nil || e.Code != code || (key != "" && e.Key != key && e.Fields[fieldOf(e)] != key) {
		t.Fatalf("%s outcome of %s: got %v, want %s %s", user, c.Subjects[i].Name, err, code, key)
	}
}

// subjectClocks maps "subject name/code" to the due time of the running
// (or done, with done=true) clocks of the case's subjects.
func subjectClocks(t *testing.T, f *caseFixture, c store.CaseRow) map[string]app.RecordClock {
	t.Helper()
	d, err := f.app.CaseDetail(ctx, f.p("leadera"), c.ID)
	must(t, err)
	names := map[int64]string{}
	for _, s := range d.Case.Subjects {
		names[s.ID] = s.Name
	}
	out := map[string]app.RecordClock{}
	for _, k := range d.SubjectClocks {
		out[names[k.ObjectID]+"/"+k.Code] = k
	}
	return out
}

// TestCaseReviewToClosure takes a case with four subjects from review to
// closing: the review clock extended, outcomes with the four forms derived
// (the village cadre refused 降级), the review report returned and
// approved, the decision starting each subject's clocks, announcement,
// execution, report and transfer in order, and closing.
func TestCaseReviewToClosure(t *testing.T) {
	eachCase(t, func(t *testing.T, f *caseFixture) {
		c := f.inReview(t)

		// The review clock: an explicit span is required, then it moves.
		f.caseRefuse(t, "leadera", c.ID, app.CaseAction{Op: casework.OpExtendReview, Text: "重大复杂"}, apperr.Invalid, calendar.KeyExtensionSpan)
		f.caseRefuse(t, "reviewa", c.ID, app.CaseAction{Op: casework.OpExtendReview, Text: "重大复杂",
			Extension: casework.MeasureExtension{By: calendar.Span{Amount: 1, Unit: calendar.Months}}}, apperr.Forbidden, "case.action_forbidden")
		c = f.caseAct(t, "leadera", c.ID, app.CaseAction{Op: casework.OpExtendReview, Text: "重大复杂",
			Extension: casework.MeasureExtension{By: calendar.Span{Amount: 1, Unit: calendar.Months}}})
		d, err := f.app.CaseDetail(ctx, f.p("reviewa"), c.ID)
		must(t, err)
		if len(d.Clocks) != 1 || d.Clocks[0].Code != "review.finish" || d.Clocks[0].Extensions != 1 ||
			!d.Clocks[0].DueAt.Equal(endOfDay(2026, 5, 16)) {
			t.Fatalf("review clock %+v", d.Clocks)
		}

		// No report without every subject's outcome.
		f.caseRefuse(t, "reviewa", c.ID, app.CaseAction{Op: casework.OpSubmitReview, Text: "审理报告"}, apperr.Invalid, "case.outcome_missing")

		// Outcomes: refused ones with their field codes, then the four forms.
		refused := []struct {
			name  string
			user  string
			i     int
			o     casework.Outcome
			code  apperr.Code
			field string
		}{
			{"village cadre demoted", "reviewa", 0, casework.Outcome{Gov: casework.GovDemotion}, apperr.Invalid, "case.sanction_not_allowed"},
			{"village cadre dismissed", "reviewa", 0, casework.Outcome{Gov: casework.GovDismissal}, apperr.Invalid, "case.sanction_not_allowed"},
			{"withdrawn with a sanction", "reviewa", 1, casework.Outcome{Withdrawn: true, Party: casework.PartyWarning}, apperr.Invalid,
				"case.withdrawn_with_outcome"},
			{"returned more than the funds", "reviewa", 3, casework.Outcome{RecoveredFen: 100, ReturnedFen: 200}, apperr.Invalid,
				"case.returned_exceeds_funds"},
			{"investigator", "townt1", 1, casework.Outcome{Party: casework.PartyWarning}, apperr.Forbidden, "case.action_forbidden"},
			{"leader during review", "leadera", 1, casework.Outcome{Party: casework.PartyWarning}, apperr.Forbidden, "case.action_forbidden"},
		}
		for _, tt := range refused {
			t.Run(tt.name, func(t *testing.T) { f.outcomeRefused(t, tt.user, c, tt.i, tt.o, tt.code, tt.field) })
		}
		forms := []struct {
			o    casework.Outcome
			form casework.Form
		}{
			{casework.Outcome{First: []casework.FirstForm{casework.FirstAdmonish}}, casework.FormFirst},
			{casework.Outcome{Gov: casework.GovDemotion}, casework.FormSecond},
			{casework.Outcome{Party: casework.PartyRemoval, Gov: casework.GovDismissal}, casework.FormThird},
			{casework.Outcome{Party: casework.PartyExpulsion, Gov: casework.GovExpulsion, Transferred: true, RecoveredFen: 12_345_600,
				ReturnedFen: 2_000_000}, casework.FormFourth},
		}
		for i, tt := range forms {
			c = f.outcome(t, "reviewa", c, i, tt.o)
			if s := c.Subjects[i]; s.Form != tt.form || s.Outcome == nil || s.Outcome.DecidedAt.IsZero() {
				t.Fatalf("%s: form %d outcome %+v, want form %d", s.Name, s.Form, s.Outcome, tt.form)
			}
		}
		if got := casework.FormCounts(c.Subjects); got != [5]int{0, 1, 1, 1, 1} {
			t.Fatalf("form counts %v", got)
		}

		// The review report: returned once, then approved by someone else.
		c = f.caseAct(t, "reviewa", c.ID, app.CaseAction{Op: casework.OpSubmitReview, Text: "审理报告"})
		if c.Status != casework.StatusReviewReport || c.SubmittedBy != f.users["reviewa"].ID {
			t.Fatalf("submitted %+v", c)
		}
		f.caseRefuse(t, "leadera", c.ID, app.CaseAction{Op: casework.OpReturnReview}, apperr.Invalid, "case.reason_required")
		c = f.caseAct(t, "leadera", c.ID, app.CaseAction{Op: casework.OpReturnReview, Text: "事实部分再核实"})
		c = f.caseAct(t, "reviewb", c.ID, app.CaseAction{Op: casework.OpSubmitReview, Text: "审理报告（修改）"})
		f.caseRefuse(t, "reviewb", c.ID, app.CaseAction{Op: casework.OpApproveReview}, apperr.Forbidden, "case.action_forbidden")
		c = f.caseAct(t, "leadera", c.ID, app.CaseAction{Op: casework.OpApproveReview})
		if c.Status != casework.StatusDecision {
			t.Fatalf("status %s", c.Status)
		}

		// In decision the leader may still change an outcome; reviewers may not.
		f.outcomeRefused(t, "reviewa", c, 0, casework.Outcome{First: []casework.FirstForm{casework.FirstCriticism}}, apperr.Forbidden,
			"case.action_forbidden")
		f.outcomeRefused(t, "leadera", c, 0, casework.Outcome{Gov: casework.GovDemotion}, apperr.Invalid, "case.sanction_not_allowed")
		c = f.outcome(t, "leadera", c, 0, casework.Outcome{First: []casework.FirstForm{casework.FirstAdmonish, casework.FirstSelfReview}})
		f.caseRefuse(t, "leadera", c.ID, app.CaseAction{Op: casework.OpAnnounce, SubjectID: c.Subjects[1].ID}, apperr.Conflict,
			"case.transition_invalid")

		// The decision on 2026-04-14 starts each subject's clocks.
		f.clock.Set(time.Date(2026, 4, 14, 2, 0, 0, 0, time.UTC))
		c = f.caseAct(t, "leadera", c.ID, app.CaseAction{Op: casework.OpDecide, Text: "常委会审议决定"})
		if c.Status != casework.StatusExecution || c.DecidedAt.IsZero() {
			t.Fatalf("decided %+v", c)
		}
		month, sixMonths := endOfDay(2026, 5, 14), endOfDay(2026, 10, 14)
		want := map[string]time.Time{
			"李某/gov_sanction.serve": month, "李某/gov_sanction.pay_change": month,
			"张某/sanction.announce": month, "张某/sanction.execution_report": sixMonths, "张某/gov_sanction.serve": month,
			"张某/gov_sanction.pay_change": month,
			"赵某/sanction.announce":       month, "赵某/sanction.execution_report": sixMonths, "赵某/gov_sanction.serve": month,
			"赵某/gov_sanction.pay_change": month, "赵某/funds.execute": month,
		}
		got := subjectClocks(t, f, c)
		if len(got) != len(want) {
			t.Errorf("clocks %v", got)
		}
		for k, due := range want {
			if got[k].DueAt != due || !got[k].DoneAt.IsZero() {
				t.Errorf("%s: due %v done %v, want %v", k, got[k].DueAt, got[k].DoneAt, due)
			}
		}
		f.outcomeRefused(t, "leadera", c, 0, casework.Outcome{}, apperr.Conflict, "case.outcome_closed")

		// Execution, step by step, in order.
		subj := func(i int) int64 { return c.Subjects[i].ID }
		steps := []struct {
			user string
			in   app.CaseAction
			code apperr.Code
			key  string
		}{
			{"townt1", app.CaseAction{Op: casework.OpRecordExecution, SubjectID: subj(2), Text: "已执行"}, apperr.Conflict, "case.step_order"},
			{"townt1", app.CaseAction{Op: casework.OpAnnounce, SubjectID: 999999}, apperr.Invalid, "case.subject_invalid"},
			{"reviewa", app.CaseAction{Op: casework.OpAnnounce, SubjectID: subj(2)}, apperr.Forbidden, "case.action_forbidden"},
			{"townt1", app.CaseAction{Op: casework.OpTransfer, SubjectID: subj(3), Text: "移送"}, apperr.Forbidden, "case.action_forbidden"},
			{"leadera", app.CaseAction{Op: casework.OpTransfer, SubjectID: subj(1), Text: "移送"}, apperr.Conflict, "case.not_transferred"},
			{"leadera", app.CaseAction{Op: casework.OpClose}, apperr.Conflict, "case.execution_open"},
		}
		for _, tt := range steps {
			f.caseRefuse(t, tt.user, c.ID, tt.in, tt.code, tt.key)
		}
		f.clock.Set(time.Date(2026, 4, 20, 2, 0, 0, 0, time.UTC))
		for i := range c.Subjects {
			c = f.caseAct(t, "townt1", c.ID, app.CaseAction{Op: casework.OpAnnounce, SubjectID: subj(i), Text: "宣布"})
		}
		f.caseRefuse(t, "townt1", c.ID, app.CaseAction{Op: casework.OpAnnounce, SubjectID: subj(1)}, apperr.Conflict, "case.step_done")
		f.caseRefuse(t, "townt1", c.ID, app.CaseAction{Op: casework.OpReportExecution, SubjectID: subj(1), Text: "报告"}, apperr.Conflict,
			"case.step_order")
		got = subjectClocks(t, f, c)
		if k := got["张某/sanction.announce"]; k.DoneAt.IsZero() || k.State != calendar.Met {
			t.Errorf("announce clock %+v", k)
		}
		if k := got["李某/gov_sanction.execute"]; !k.DueAt.Equal(endOfDay(2026, 5, 20)) || !k.DoneAt.IsZero() {
			t.Errorf("execute clock %+v", k)
		}
		for i := range c.Subjects {
			c = f.caseAct(t, "townt1", c.ID, app.CaseAction{Op: casework.OpRecordExecution, SubjectID: subj(i), Text: "已执行到位"})
			c = f.caseAct(t, "townt2", c.ID, app.CaseAction{Op: casework.OpReportExecution, SubjectID: subj(i), Text: "执行情况报告"})
		}
		f.caseRefuse(t, "leadera", c.ID, app.CaseAction{Op: casework.OpClose}, apperr.Conflict, "case.execution_open")
		c = f.caseAct(t, "leadera", c.ID, app.CaseAction{Op: casework.OpTransfer, SubjectID: subj(3), Text: "移送检察机关审查起诉"})
		f.caseRefuse(t, "leadera", c.ID, app.CaseAction{Op: casework.OpTransfer, SubjectID: subj(3), Text: "再次"}, apperr.Conflict,
			"case.step_done")
		c = f.caseAct(t, "leadera", c.ID, app.CaseAction{Op: casework.OpClose, Text: "结案"})
		if c.Status != casework.StatusClosed || c.ClosedAt.IsZero() {
			t.Fatalf("closed %+v", c)
		}
		for k, clk := range subjectClocks(t, f, c) {
			if clk.DoneAt.IsZero() {
				t.Errorf("%s still running", k)
			}
		}
		d, err = f.app.CaseDetail(ctx, f.p("leadera"), c.ID)
		must(t, err)
		for _, k := range d.Clocks {
			if k.DoneAt.IsZero() {
				t.Errorf("case clock %s still running", k.Code)
			}
		}
		for _, s := range d.Case.Subjects {
			if s.AnnouncedAt.IsZero() || s.ExecutedAt.IsZero() || s.ReportedAt.IsZero() || s.Outcome == nil {
				t.Errorf("subject %s: %+v", s.Name, s)
			}
		}
		f.caseRefuse(t, "leadera", c.ID, app.CaseAction{Op: casework.OpClose}, apperr.Conflict, "case.transition_invalid")
		f.caseRefuse(t, "leadera", c.ID, app.CaseAction{Op: casework.OpDecide}, apperr.Conflict, "case.transition_invalid")

		// Statistics count what was decided here: the admonished subject is
		// not sanctioned, the demoted one is, both sanctions count once, the
		// transfer and the funds of the fourth.
		st, err := f.app.StatsSummary(ctx, f.p("leadera"), app.StatsRequest{})
		must(t, err)
		got4 := [10]int64{st.CasesFiled, st.CasesClosed, st.PersonsDecided, st.PersonsSanctioned, st.PersonsPartySanctioned,
			st.PersonsGovernmentSanctioned, st.PersonsTransferred, st.FourForms.Total(), st.FundsRecoveredFen, st.FundsReturnedFen}
		if got4 != [10]int64{1, 1, 4, 3, 2, 3, 1, 4, 12_345_600, 2_000_000} || st.FourForms != (stats.Forms{First: 1, Second: 1, Third: 1, Fourth: 1}) {
			t.Errorf("statistics %v forms %+v", got4, st.FourForms)
		}
	})
}
