package app_test

import (
	"strconv"
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/calendar"
	"qingfeng/internal/casework"
	"qingfeng/internal/clue"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// caseFixture is the clue fixture plus a review office (RO) under county A
// with two reviewers, and a township cadre of T1 who also holds the
// reviewer role (reviewt1: on an investigation team, then refused as
// reviewer).
type caseFixture struct {
	*clueFixture
}

func eachCase(t *testing.T, fn func(t *testing.T, f *caseFixture)) {
	t.Helper()
	clock := testdb.NewClock(t0)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		f := &caseFixture{newClueFixture(t, s, clock)}
		ro, err := f.app.CreateUnit(ctx, sys, org.Unit{ParentID: f.units["A"].ID, Kind: org.KindReview, Name: "案件审理室"})
		must(t, err)
		f.units["RO"] = ro
		user := func(username, unitKey string, roles ...auth.Role) {
			t.Helper()
			p, err := f.app.SavePerson(ctx, sys, org.Person{UnitID: f.units[unitKey].ID, Name: "干部" + username, Active: true})
			must(t, err)
			u, err := f.app.CreateUser(ctx, sys, p.ID, username, password, roles)
			if err != nil {
				t.Fatalf("create user %s: %v", username, err)
			}
			f.people[username], f.users[username] = p, u
			f.principals[username] = f.signIn(t, username)
		}
		user("reviewa", "RO", auth.RoleReviewer)
		user("reviewb", "RO", auth.RoleReviewer)
		user("reviewt1", "T1", auth.RoleTownship, auth.RoleReviewer)
		fn(t, f)
	})
}

// casePending takes a clue assigned to T1 through verification to "file a
// case" (case_pending).
func (f *caseFixture) casePending(t *testing.T, content string) clue.Clue {
	t.Helper()
	c := f.assigned(t, content)
	f.act(t, "townt1", c.ID, app.ClueAction{Op: clue.OpProposeDisposal, Mode: clue.ModeVerification, Text: "初核方案",
		Team: []int64{f.users["townt1"].ID, f.users["townt2"].ID}})
	f.act(t, "leadera", c.ID, app.ClueAction{Op: clue.OpApproveDisposal})
	f.act(t, "townt1", c.ID, app.ClueAction{Op: clue.OpSubmitReport, Outcome: clue.RecommendFileCase, Text: "建议立案。"})
	f.act(t, "townt2", c.ID, app.ClueAction{Op: clue.OpSignReport})
	c = f.act(t, "leadera", c.ID, app.ClueAction{Op: clue.OpApproveReport})
	if c.Status != clue.StatusCasePending {
		t.Fatalf("clue %s", c.Status)
	}
	return c
}

// caseIn is a filing request for a village cadre of V2.
func (f *caseFixture) caseIn(clueID int64, lead string) casework.Input {
	in := casework.Input{LeadUnitID: f.units[lead].ID, Category: "subsidies", Cause: "截留挪用惠农补贴", Summary: "查实截留补贴十万元。",
		ClueID: clueID, Subjects: []casework.SubjectInput{{Name: "王某", Unit: "杨家溪村村委会", Post: "村党支部书记", Rank: "village",
			Category: casework.CategoryVillageCadre, PartyMember: true, UnitID: f.units["V2"].ID}}}
	if clueID == 0 {
		in.DirectReason = "在审查其他案件中发现"
	}
	return in
}

func (f *caseFixture) caseAct(t *testing.T, user string, id int64, in app.CaseAction) store.CaseRow {
	t.Helper()
	c, err := f.app.CaseAct(ctx, f.p(user), id, in)
	if err != nil {
		t.Fatalf("%s %s: %v", user, in.Op, err)
	}
	return c
}

func (f *caseFixture) caseRefuse(t *testing.T, user string, id int64, in app.CaseAction, code apperr.Code, key string) {
	t.Helper()
	_, err := f.app.CaseAct(ctx, f.p(user), id, in)
	e := apperr.As(err)
	if err == nil || e.Code != code || (key != "" && e.Key != key && e.Fields[fieldOf(e)] != key) {
		t.Fatalf("%s %s: got %v, want %s %s", user, in.Op, err, code, key)
	}
}

// filed files a case at lead unit lead and has leadera approve it.
func (f *caseFixture) filed(t *testing.T, clueID int64, lead string) store.CaseRow {
	t.Helper()
	c, err := f.app.FileCase(ctx, f.p("casea"), f.caseIn(clueID, lead))
	must(t, err)
	return f.caseAct(t, "leadera", c.ID, app.CaseAction{Op: casework.OpApproveFiling, Text: "同意立案"})
}

func TestFileCaseFromClue(t *testing.T) {
	eachCase(t, func(t *testing.T, f *caseFixture) {
		cl := f.casePending(t, "反映杨家溪村党支部书记截留补贴")
		// Invalid requests: no subject; a lead unit outside the scope.
		in := f.caseIn(cl.ID, "T1")
		in.Subjects = nil
		_, err := f.app.FileCase(ctx, f.p("casea"), in)
		wantCode(t, err, apperr.Invalid, "", map[string]string{"subjects": "case.subject_required"})
		_, err = f.app.FileCase(ctx, f.p("casea"), f.caseIn(cl.ID, "TB1"))
		wantCode(t, err, apperr.Invalid, "", map[string]string{"lead_unit_id": "case.lead_unit_invalid"})
		_, err = f.app.FileCase(ctx, f.p("townt1"), f.caseIn(cl.ID, "T1"))
		wantCode(t, err, apperr.Forbidden, "", nil)

		c, err := f.app.FileCase(ctx, f.p("casea"), f.caseIn(cl.ID, "T1"))
		must(t, err)
		if c.Status != casework.StatusFilingReview || c.Number != "南纪案〔2026〕1号" || c.ClueNumber != cl.Number ||
			len(c.Subjects) != 1 || c.Subjects[0].UnitPath != f.units["V2"].Path {
			t.Fatalf("filed: %+v", c)
		}
		// A second filing of the same clue conflicts while the first holds it.
		_, err = f.app.FileCase(ctx, f.p("casea"), f.caseIn(cl.ID, "T1"))
		wantCode(t, err, apperr.Conflict, "case.clue_has_case", nil)
		// Nor is the held clue refused on its own: the case refuses it.
		f.refuse(t, "leadera", cl.ID, app.ClueAction{Op: clue.OpFilingRefused, Text: "x"}, apperr.Conflict, "clue.action_elsewhere")
		// The proposer does not approve; the township does not approve.
		f.caseRefuse(t, "townt1", c.ID, app.CaseAction{Op: casework.OpApproveFiling}, apperr.Forbidden, "case.action_forbidden")
		f.caseRefuse(t, "casea", c.ID, app.CaseAction{Op: casework.OpApproveFiling}, apperr.Forbidden, "case.action_forbidden")

		c = f.caseAct(t, "leadera", c.ID, app.CaseAction{Op: casework.OpApproveFiling, Text: "同意立案"})
		if c.Status != casework.StatusInvestigation || c.FiledAt.IsZero() {
			t.Fatalf("approved: %+v", c)
		}
		// The clue was filed in the same transaction.
		got, err := f.app.GetClue(ctx, f.p("casea"), cl.ID)
		must(t, err)
		if got.Status != clue.StatusFiled || got.CaseID != c.ID || got.CaseNumber != c.Number {
			t.Fatalf("clue after filing: %s case %d %q", got.Status, got.CaseID, got.CaseNumber)
		}
		_, err = f.app.FileCase(ctx, f.p("casea"), f.caseIn(cl.ID, "T1"))
		wantCode(t, err, apperr.Conflict, "case.clue_not_pending", nil)

		// A refused filing sends the clue back for another disposal and
		// releases it.
		cl2 := f.casePending(t, "另一条建议立案的线索")
		c2, err := f.app.FileCase(ctx, f.p("casea"), f.caseIn(cl2.ID, "T1"))
		must(t, err)
		f.caseRefuse(t, "leadera", c2.ID, app.CaseAction{Op: casework.OpRefuseFiling}, apperr.Invalid, "case.reason_required")
		c2 = f.caseAct(t, "leadera", c2.ID, app.CaseAction{Op: casework.OpRefuseFiling, Text: "证据不足"})
		if c2.Status != casework.StatusRefused || c2.ClosedAt.IsZero() {
			t.Fatalf("refused: %+v", c2)
		}
		got, err = f.app.GetClue(ctx, f.p("casea"), cl2.ID)
		must(t, err)
		if got.Status != clue.StatusAssigned {
			t.Fatalf("clue after refusal: %s", got.Status)
		}
		evs, err := f.store.CaseEvents(ctx, c2.ID)
		must(t, err)
		if len(evs) != 2 || evs[0].Action != "file" || evs[1].Action != "refuse_filing" || evs[1].Note != "证据不足" {
			t.Fatalf("events %+v", evs)
		}
	})
}

func TestCaseNumbers(t *testing.T) {
	eachCase(t, func(t *testing.T, f *caseFixture) {
		tests := []struct {
			lead string
			at   time.Time
			want string
		}{
			{"O1", t0, "永纪案〔2026〕1号"},
			{"G1", t0, "永纪案〔2026〕2号"},
			{"T1", t0, "南纪案〔2026〕1号"},
			{"O2", t0, "永纪案〔2026〕3号"},
			{"O1", time.Date(2027, 1, 5, 2, 0, 0, 0, time.UTC), "永纪案〔2027〕1号"},
		}
		for _, tt := range tests {
			f.clock.Set(tt.at)
			c, err := f.app.FileCase(ctx, f.p("casea"), f.caseIn(0, tt.lead))
			must(t, err)
			if c.Number != tt.want || c.LedgerUnitID == 0 {
				t.Errorf("%s at %v: number %q, want %q", tt.lead, tt.at, c.Number, tt.want)
			}
		}
	})
}

func TestCaseTeamAndScope(t *testing.T) {
	eachCase(t, func(t *testing.T, f *caseFixture) {
		c := f.filed(t, 0, "T1")
		other := f.filed(t, 0, "T1")
		team := func(ids ...string) []int64 {
			var out []int64
			for _, u := range ids {
				out = append(out, f.users[u].ID)
			}
			return out
		}
		tests := []struct {
			name    string
			members []int64
			key     string
		}{
			{"one person", team("townt1"), "case.team_too_small"},
			{"another county", team("townt1", "townb1"), "case.team_member_invalid"},
			{"unknown user", []int64{f.users["townt1"].ID, 999999}, "case.team_member_invalid"},
			{"no case.handle", team("townt1", "casea"), "case.team_member_invalid"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f.caseRefuse(t, "casea", c.ID, app.CaseAction{Op: casework.OpFormTeam, Members: tt.members}, apperr.Invalid, tt.key)
			})
		}
		// townt2 (T2, the same area group) sees nothing of T1 before.
		if _, err := f.app.GetCase(ctx, f.p("townt2"), c.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("townt2 before the team: %v", err)
		}
		c = f.caseAct(t, "casea", c.ID, app.CaseAction{Op: casework.OpFormTeam, Members: team("townt1", "townt2", "reviewt1"),
			Until: "2026-06-30"})
		if !c.Joint || c.AreaGroupID != f.ag1.ID {
			t.Fatalf("joint: %+v", c)
		}
		// The joint member sees this case only.
		if _, err := f.app.GetCase(ctx, f.p("townt2"), c.ID); err != nil {
			t.Fatalf("team member: %v", err)
		}
		if _, err := f.app.GetCase(ctx, f.p("townt2"), other.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("team member sees another case: %v", err)
		}
		rows, _, err := f.app.ListCases(ctx, f.p("townt2"), store.CaseFilter{})
		must(t, err)
		if len(rows) != 1 || rows[0].ID != c.ID {
			t.Fatalf("townt2 lists %d cases", len(rows))
		}
		// After the last day the participation has ended.
		f.clock.Set(time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC))
		if _, err := f.app.GetCase(ctx, f.p("townt2"), c.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("after the term: %v", err)
		}
		f.clock.Set(t0)
		// The village of the subject never sees the case (automatic recusal);
		// another county sees nothing.
		for _, u := range []string{"villagev1", "townb1"} {
			rows, _, err := f.app.ListCases(ctx, f.p(u), store.CaseFilter{})
			if err == nil && len(rows) > 0 {
				t.Errorf("%s lists %d cases", u, len(rows))
			}
			if _, err := f.app.GetCase(ctx, f.p(u), c.ID); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("%s sees the case: %v", u, err)
			}
		}

		// The investigation to the review office.
		f.caseRefuse(t, "townt2", c.ID, app.CaseAction{Op: casework.OpSubmitReport, Text: "报告"}, apperr.Forbidden, "case.action_forbidden")
		f.caseRefuse(t, "townt1", c.ID, app.CaseAction{Op: casework.OpAcceptReview}, apperr.Conflict, "case.transition_invalid")
		c = f.caseAct(t, "townt1", c.ID, app.CaseAction{Op: casework.OpSubmitReport, Text: "审查调查报告"})
		c = f.caseAct(t, "leadera", c.ID, app.CaseAction{Op: casework.OpApproveReport})
		if c.Status != casework.StatusReviewPending {
			t.Fatalf("status %s", c.Status)
		}
		// Whoever investigated is refused as reviewer, as member or as the
		// one accepting.
		f.caseRefuse(t, "reviewa", c.ID, app.CaseAction{Op: casework.OpAcceptReview, Members: team("reviewa", "reviewt1")},
			apperr.Invalid, "case.reviewer_investigated")
		f.caseRefuse(t, "reviewt1", c.ID, app.CaseAction{Op: casework.OpAcceptReview, Members: team("reviewa", "reviewb")},
			apperr.Invalid, "case.reviewer_investigated")
		f.caseRefuse(t, "reviewa", c.ID, app.CaseAction{Op: casework.OpAcceptReview, Members: team("reviewa")},
			apperr.Invalid, "case.team_too_small")
		c = f.caseAct(t, "reviewa", c.ID, app.CaseAction{Op: casework.OpAcceptReview, Members: team("reviewa", "reviewb")})
		if c.Status != casework.StatusReview || c.ReviewAt.IsZero() {
			t.Fatalf("review: %+v", c)
		}
		d, err := f.app.CaseDetail(ctx, f.p("reviewa"), c.ID)
		must(t, err)
		if len(d.Clocks) != 1 || d.Clocks[0].Code != "review.finish" || !d.Clocks[0].DueAt.Equal(endOfDay(2026, 4, 16)) {
			t.Fatalf("clocks %+v", d.Clocks)
		}
		if len(d.Team) != 5 || len(d.Events) != 6 {
			t.Fatalf("team %d events %d", len(d.Team), len(d.Events))
		}
	})
}

func TestCaseDetention(t *testing.T) {
	eachCase(t, func(t *testing.T, f *caseFixture) {
		c := f.filed(t, 0, "T1")
		c = f.caseAct(t, "casea", c.ID, app.CaseAction{Op: casework.OpFormTeam,
			Members: []int64{f.users["townt1"].ID, f.users["reviewt1"].ID}})
		subject := c.Subjects[0].ID
		appr := func(levels ...casework.ApprovalLevel) []casework.Approval {
			var out []casework.Approval
			for _, l := range levels {
				out = append(out, casework.Approval{Level: l, By: "批准机关", At: t0})
			}
			return out
		}
		take := app.CaseAction{Op: casework.OpTakeMeasure, SubjectID: subject, Kind: casework.MeasureDetention}
		f.caseRefuse(t, "townt1", c.ID, take, apperr.Invalid, "case.measure_approval_required")
		take.Approvals = appr(casework.ApprovalCollective, casework.ApprovalUpper)
		f.caseRefuse(t, "casea", c.ID, take, apperr.Forbidden, "case.action_forbidden")
		f.caseRefuse(t, "townt1", c.ID, app.CaseAction{Op: casework.OpTakeMeasure, SubjectID: 999999, Kind: casework.MeasureDetention},
			apperr.Invalid, "case.subject_invalid")
		f.caseAct(t, "townt1", c.ID, take)
		f.caseRefuse(t, "townt1", c.ID, take, apperr.Conflict, "case.measure_running")

		ms, err := f.store.CaseMeasures(ctx, c.ID)
		must(t, err)
		if len(ms) != 1 || ms[0].Kind != casework.MeasureDetention || len(ms[0].Approvals) != 2 {
			t.Fatalf("measures %+v", ms)
		}
		detention := func() app.RecordClock {
			d, err := f.app.CaseDetail(ctx, f.p("townt1"), c.ID)
			must(t, err)
			for _, k := range d.MeasureClocks {
				if k.Code == "detention" {
					return k
				}
			}
			t.Fatal("no detention clock")
			return app.RecordClock{}
		}
		due := func() (time.Time, int) { k := detention(); return k.DueAt, k.Extensions }
		// 3 months from 16 March: 16 June; the family is told within 24 hours.
		if got, n := due(); !got.Equal(endOfDay(2026, 6, 16)) || n != 0 {
			t.Fatalf("detention due %v (%d)", got, n)
		}
		mk, err := f.store.Clocks(ctx, "measure", ms[0].ID)
		must(t, err)
		if len(mk) != 2 || mk[1].Code != "measure.notify" || !mk[1].DueAt.Equal(t0.Add(24*time.Hour)) {
			t.Fatalf("measure clocks %+v", mk)
		}

		months := func(n int) calendar.Span { return calendar.Span{Amount: n, Unit: calendar.Months} }
		extend := func(by calendar.Span, levels ...casework.ApprovalLevel) app.CaseAction {
			return app.CaseAction{Op: casework.OpExtendMeasure, MeasureID: ms[0].ID, Text: "案情重大复杂",
				Extension: casework.MeasureExtension{Kind: casework.ExtendOrdinary, By: by, Approvals: appr(levels...)}}
		}
		// Before expiry the leaders' alarm is quiet; after it the case is overdue.
		f.clock.Set(time.Date(2026, 6, 17, 2, 0, 0, 0, time.UTC))
		rows, _, err := f.app.ListCases(ctx, f.p("leadera"), store.CaseFilter{Overdue: true})
		must(t, err)
		if len(rows) != 1 || detention().State != calendar.Overdue {
			t.Fatalf("overdue: %d, detention %s", len(rows), detention().State)
		}
		f.clock.Set(time.Date(2026, 6, 10, 2, 0, 0, 0, time.UTC))
		f.caseRefuse(t, "townt1", c.ID, extend(months(3), casework.ApprovalUpper), apperr.Forbidden, "case.action_forbidden")
		f.caseRefuse(t, "leadera", c.ID, extend(months(3), casework.ApprovalPrincipal), apperr.Invalid, "case.measure_approval_required")
		f.caseRefuse(t, "leadera", c.ID, extend(months(4), casework.ApprovalUpper), apperr.Invalid, calendar.KeyExtensionSpan)
		f.caseAct(t, "leadera", c.ID, extend(months(3), casework.ApprovalUpper))
		if got, n := due(); !got.Equal(endOfDay(2026, 9, 16)) || n != 1 {
			t.Fatalf("extended due %v (%d)", got, n)
		}
		f.caseRefuse(t, "leadera", c.ID, extend(months(1), casework.ApprovalUpper), apperr.Conflict, calendar.KeyExtensionExhausted)
		f.clock.Set(time.Date(2026, 6, 17, 2, 0, 0, 0, time.UTC))
		if st := detention().State; st == calendar.Overdue {
			t.Fatalf("detention after the extension: %s", st)
		}
		// No withdrawal while a measure runs; ending it stops its clocks.
		f.caseRefuse(t, "leadera", c.ID, app.CaseAction{Op: casework.OpWithdraw, Text: "不构成违纪"}, apperr.Conflict, "case.measure_running")
		f.caseAct(t, "townt1", c.ID, app.CaseAction{Op: casework.OpEndMeasure, MeasureID: ms[0].ID, Text: "解除留置"})
		f.caseRefuse(t, "leadera", c.ID, extend(months(1), casework.ApprovalUpper), apperr.Invalid, "case.measure_ended")
		mk, err = f.store.Clocks(ctx, "measure", ms[0].ID)
		must(t, err)
		for _, k := range mk {
			if k.DoneAt.IsZero() {
				t.Errorf("clock %s still runs", k.Code)
			}
		}
		c = f.caseAct(t, "leadera", c.ID, app.CaseAction{Op: casework.OpWithdraw, Text: "不构成违纪"})
		if c.Status != casework.StatusWithdrawn || c.ClosedAt.IsZero() {
			t.Fatalf("withdrawn %+v", c)
		}
		// The team's participations end with the case.
		acc, err := f.store.RecordAccess(ctx, "case", c.ID)
		must(t, err)
		for _, x := range acc {
			if x.RevokedAt.IsZero() {
				t.Errorf("participation of %d not revoked", x.UserID)
			}
		}
	})
}

func TestCaseTransitionsRefused(t *testing.T) {
	eachCase(t, func(t *testing.T, f *caseFixture) {
		c, err := f.app.FileCase(ctx, f.p("casea"), f.caseIn(0, "O1"))
		must(t, err)
		tests := []struct {
			user string
			in   app.CaseAction
			code apperr.Code
			key  string
		}{
			{"leadera", app.CaseAction{Op: "fly"}, apperr.Invalid, "case.action_invalid"},
			{"leadera", app.CaseAction{Op: casework.OpJointReview}, apperr.Conflict, "case.transition_invalid"},
			{"leadera", app.CaseAction{Op: casework.OpDecideAppeal, AppealOutcome: casework.AppealUpheld}, apperr.Conflict, "case.transition_invalid"},
			{"leadera", app.CaseAction{Op: casework.OpDecide}, apperr.Conflict, "case.transition_invalid"},
			{"leadera", app.CaseAction{Op: casework.OpClose}, apperr.Conflict, "case.transition_invalid"},
			{"leadera", app.CaseAction{Op: casework.OpApproveReport}, apperr.Conflict, "case.transition_invalid"},
			{"leadera", app.CaseAction{Op: casework.OpWithdraw, Text: "x"}, apperr.Conflict, "case.transition_invalid"},
			{"officeo1", app.CaseAction{Op: casework.OpApproveFiling}, apperr.Forbidden, "case.action_forbidden"},
			{"townb1", app.CaseAction{Op: casework.OpApproveFiling}, apperr.NotFound, ""},
			{"leadera", app.CaseAction{Op: casework.OpApproveFiling, Version: 7}, apperr.Conflict, ""},
		}
		for _, tt := range tests {
			f.caseRefuse(t, tt.user, c.ID, tt.in, tt.code, tt.key)
		}
	})
}

func TestListCases(t *testing.T) {
	eachCase(t, func(t *testing.T, f *caseFixture) {
		f.filed(t, 0, "T1")
		f.filed(t, 0, "O2")
		in := f.caseIn(0, "T3")
		in.Category = "other"
		_, err := f.app.FileCase(ctx, f.p("casea"), in)
		must(t, err)
		f.clock.Set(t0.AddDate(0, 1, 0))
		f.filed(t, 0, "O1")
		id := func(k string) string { return itoa(f.units[k].ID) }
		tests := []struct {
			name string
			user string
			q    app.CaseQuery
			want int
		}{
			{"all", "leadera", app.CaseQuery{}, 4},
			{"case management", "casea", app.CaseQuery{}, 4},
			{"review office", "reviewa", app.CaseQuery{}, 4},
			{"unit T1", "leadera", app.CaseQuery{Unit: id("T1")}, 1},
			{"area group 1", "leadera", app.CaseQuery{AreaGroup: itoa(f.ag1.ID)}, 2},
			{"area group 2", "leadera", app.CaseQuery{AreaGroup: itoa(f.ag2.ID)}, 2},
			{"awaiting filing", "leadera", app.CaseQuery{Status: []string{"filing_review"}}, 1},
			{"investigating", "leadera", app.CaseQuery{Status: []string{"investigation,review"}}, 3},
			{"key field", "leadera", app.CaseQuery{Category: "other"}, 1},
			{"period", "leadera", app.CaseQuery{From: "2026-03-01", To: "2026-03-31"}, 3},
			{"overdue", "leadera", app.CaseQuery{Overdue: true}, 0},
			{"office sees its area group", "officeo1", app.CaseQuery{}, 2},
			{"township sees its own", "townt1", app.CaseQuery{}, 1},
			{"another county", "townb1", app.CaseQuery{}, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := f.p(tt.user)
				flt, err := f.app.CaseFilter(ctx, p, tt.q)
				must(t, err)
				rows, total, err := f.app.ListCases(ctx, p, flt)
				must(t, err)
				if len(rows) != tt.want || total != tt.want {
					t.Errorf("got %d (total %d), want %d", len(rows), total, tt.want)
				}
			})
		}
		_, err = f.app.CaseFilter(ctx, f.p("leadera"), app.CaseQuery{Status: []string{"flying"}})
		wantCode(t, err, apperr.Invalid, "", map[string]string{"status": "case.status_invalid"})
		_, err = f.app.CaseFilter(ctx, f.p("townb1"), app.CaseQuery{Unit: id("T1")})
		wantCode(t, err, apperr.NotFound, "", nil)
		_, _, err = f.app.ListCases(ctx, f.p("adminb"), store.CaseFilter{})
		wantCode(t, err, apperr.Forbidden, "", nil)
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
