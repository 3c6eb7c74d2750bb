package app_test

import (
	"fmt"
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/clue"
	"qingfeng/internal/store"
)

// act applies an action and fails the test on error.
func (f *clueFixture) act(t *testing.T, user string, id int64, in app.ClueAction) clue.Clue {
	t.Helper()
	c, err := f.app.ClueAct(ctx, f.p(user), id, in)
	if err != nil {
		t.Fatalf("%s %s: %v", user, in.Op, err)
	}
	return c
}

// refuse applies an action that must fail with the code and key.
func (f *clueFixture) refuse(t *testing.T, user string, id int64, in app.ClueAction, code apperr.Code, key string) {
	t.Helper()
	_, err := f.app.ClueAct(ctx, f.p(user), id, in)
	e := apperr.As(err)
	if err == nil || e.Code != code || (key != "" && e.Key != key && e.Fields[fieldOf(e)] != key) {
		t.Fatalf("%s %s: got %v, want %s %s", user, in.Op, err, code, key)
	}
}

func fieldOf(e *apperr.Error) string {
	for k := range e.Fields {
		return k
	}
	return ""
}

// assigned registers a clue in the county ledger and has it assigned to
// township T1 with townt1 as owner.
func (f *clueFixture) assigned(t *testing.T, content string) clue.Clue {
	t.Helper()
	c, err := f.app.RegisterClue(ctx, f.p("casea"), input(content))
	must(t, err)
	f.act(t, "casea", c.ID, app.ClueAction{Op: clue.OpProposeAssignment, UnitID: f.units["T1"].ID, OwnerID: f.users["townt1"].ID,
		Text: "属乡镇纪委管辖，交南庄坪街道纪工委办理"})
	return f.act(t, "leadera", c.ID, app.ClueAction{Op: clue.OpApproveAssignment})
}

func TestClueAssignment(t *testing.T) {
	eachClue(t, func(t *testing.T, f *clueFixture) {
		c, err := f.app.RegisterClue(ctx, f.p("casea"), input("反映村干部截留补贴"))
		must(t, err)
		// Illegal transitions and unknown actions.
		f.refuse(t, "casea", c.ID, app.ClueAction{Op: "fly"}, apperr.Invalid, "clue.action_invalid")
		f.refuse(t, "townt1", c.ID, app.ClueAction{Op: clue.OpProposeDisposal}, apperr.NotFound, "")
		f.refuse(t, "leadera", c.ID, app.ClueAction{Op: clue.OpApproveAssignment}, apperr.Conflict, "clue.transition_invalid")
		f.refuse(t, "leadera", c.ID, app.ClueAction{Op: clue.OpProposeAssignment}, apperr.Forbidden, "clue.action_forbidden")
		// The owner must belong to the handling unit.
		f.refuse(t, "casea", c.ID, app.ClueAction{Op: clue.OpProposeAssignment, UnitID: f.units["T1"].ID, OwnerID: f.users["townt2"].ID},
			apperr.Invalid, "clue.owner_invalid")
		f.refuse(t, "casea", c.ID, app.ClueAction{Op: clue.OpProposeAssignment, UnitID: f.units["TB1"].ID, OwnerID: f.users["townb1"].ID},
			apperr.Invalid, "clue.unit_invalid")

		p := f.act(t, "casea", c.ID, app.ClueAction{Op: clue.OpProposeAssignment, UnitID: f.units["T1"].ID, OwnerID: f.users["townt1"].ID})
		if p.Status != clue.StatusAssignmentReview || p.Pending == nil || p.Pending.UnitID != f.units["T1"].ID {
			t.Fatalf("proposed: %+v", p)
		}
		f.refuse(t, "casea", c.ID, app.ClueAction{Op: clue.OpApproveAssignment}, apperr.Forbidden, "clue.action_forbidden")
		// Rejection needs a reason and sends it back.
		f.refuse(t, "leadera", c.ID, app.ClueAction{Op: clue.OpRejectAssignment}, apperr.Invalid, "clue.reason_required")
		r := f.act(t, "leadera", c.ID, app.ClueAction{Op: clue.OpRejectAssignment, Text: "请交第一纪检监察室"})
		if r.Status != clue.StatusRegistered || r.Pending != nil {
			t.Fatalf("rejected: %+v", r)
		}
		f.act(t, "casea", c.ID, app.ClueAction{Op: clue.OpProposeAssignment, UnitID: f.units["T1"].ID, OwnerID: f.users["townt1"].ID})
		a := f.act(t, "leadera", c.ID, app.ClueAction{Op: clue.OpApproveAssignment, Version: r.Version + 1})
		if a.Status != clue.StatusAssigned || a.UnitID != f.units["T1"].ID || a.OwnerUserID != f.users["townt1"].ID ||
			a.LeaderUserID != f.users["leadera"].ID || a.AssignedAt.IsZero() {
			t.Fatalf("assigned: %+v", a)
		}
		// The running disposal clock follows the clue to its owner.
		clocks, err := f.store.Clocks(ctx, "clue", c.ID)
		must(t, err)
		if len(clocks) != 1 || clocks[0].UnitPath != f.units["T1"].Path || clocks[0].OwnerUserID != f.users["townt1"].ID {
			t.Fatalf("clocks: %+v", clocks)
		}
		// The owner is told; every step is an event.
		inbox, _, err := f.app.Inbox(ctx, f.p("townt1"), store.NotificationFilter{})
		must(t, err)
		if len(inbox) == 0 || inbox[0].Link != fmt.Sprintf("/clues/%d", c.ID) {
			t.Fatalf("inbox: %+v", inbox)
		}
		evs, err := f.store.ClueEvents(ctx, c.ID)
		must(t, err)
		want := []string{"register", "propose_assignment", "reject_assignment", "propose_assignment", "approve_assignment"}
		if len(evs) != len(want) {
			t.Fatalf("events %+v", evs)
		}
		for i, e := range evs {
			if e.Action != want[i] {
				t.Errorf("event %d: %s, want %s", i, e.Action, want[i])
			}
		}
		// A stale version is a conflict.
		f.refuse(t, "townt1", c.ID, app.ClueAction{Op: clue.OpRequestEscalation, Level: "county", Text: "x", Version: 1},
			apperr.Conflict, "")
	})
}

func TestClueInquiryByLetter(t *testing.T) {
	eachClue(t, func(t *testing.T, f *clueFixture) {
		c := f.assigned(t, "反映某村支书优亲厚友")
		f.refuse(t, "townt1", c.ID, app.ClueAction{Op: clue.OpProposeDisposal, Mode: clue.ModeInquiry, Text: "函询"},
			apperr.Invalid, "clue.form_invalid")
		f.act(t, "townt1", c.ID, app.ClueAction{Op: clue.OpProposeDisposal, Mode: clue.ModeInquiry, Form: clue.FormLetter,
			Text: "反映问题较笼统，拟函询。"})
		f.refuse(t, "townt1", c.ID, app.ClueAction{Op: clue.OpApproveDisposal}, apperr.Forbidden, "")
		c = f.act(t, "leadera", c.ID, app.ClueAction{Op: clue.OpApproveDisposal})
		if c.Status != clue.StatusInquiry || c.Mode != clue.ModeInquiry || c.InquiryForm != clue.FormLetter || c.DisposedAt.IsZero() {
			t.Fatalf("approved: %+v", c)
		}
		f.refuse(t, "townt1", c.ID, app.ClueAction{Op: clue.OpRecordTalk, Text: "谈话"}, apperr.Conflict, "clue.form_mismatch")

		// The letter goes out on Friday 24 April 2026: the written reply
		// is due 15 working days later, across the Labour Day holiday
		// (1-5 May off, Saturday 9 May worked): 19 May.
		f.clock.Set(time.Date(2026, 4, 24, 2, 0, 0, 0, time.UTC))
		c = f.act(t, "townt1", c.ID, app.ClueAction{Op: clue.OpSendLetter, Date: "2026-04-24", Addressee: "王某", Text: "请就反映问题作出书面说明。"})
		if c.Status != clue.StatusInquiryReply {
			t.Fatalf("letter: %s", c.Status)
		}
		due := clockDue(t, f, c.ID, "inquiry.reply")
		if want := endOfDay(2026, 5, 19); !due.Equal(want) {
			t.Errorf("reply due %v, want %v", due, want)
		}
		disposal := clockOf(t, f, c.ID, "clue.disposal")
		if disposal.DoneAt.IsZero() {
			t.Errorf("disposal clock still running after approval")
		}

		f.clock.Set(time.Date(2026, 5, 12, 2, 0, 0, 0, time.UTC))
		f.refuse(t, "townt1", c.ID, app.ClueAction{Op: clue.OpReceiveReply, Date: "2026-05-12", Text: "说明"},
			apperr.Invalid, "clue.countersign_required")
		f.refuse(t, "townt1", c.ID, app.ClueAction{Op: clue.OpReceiveReply, Date: "2026-05-13", Text: "说明", Countersigned: true},
			apperr.Invalid, "clue.date_in_future")
		c = f.act(t, "townt1", c.ID, app.ClueAction{Op: clue.OpReceiveReply, Date: "2026-05-12", Text: "本人如实说明……", Countersigned: true})
		if c.Status != clue.StatusInquiryReport || !clockOf(t, f, c.ID, "inquiry.reply").DoneAt.After(time.Time{}) {
			t.Fatalf("reply: %+v", c)
		}
		// The report is due one month after the reply.
		if due := clockDue(t, f, c.ID, "inquiry.report"); !due.Equal(endOfDay(2026, 6, 12)) {
			t.Errorf("report due %v", due)
		}
		c = f.act(t, "townt1", c.ID, app.ClueAction{Op: clue.OpSubmitInquiry, Outcome: clue.OutcomeAcceptClose, Text: "说明属实，予以采信了结。"})
		f.refuse(t, "townt1", c.ID, app.ClueAction{Op: clue.OpApproveInquiry}, apperr.Forbidden, "")
		f.refuse(t, "townt1", c.ID, app.ClueAction{Op: clue.OpRecordLetter}, apperr.Conflict, "clue.transition_invalid")
		c = f.act(t, "leadera", c.ID, app.ClueAction{Op: clue.OpApproveInquiry})
		if c.Status != clue.StatusClosed || c.Closure != clue.ClosureAfterCheck || c.Outcome != clue.OutcomeAcceptClose || c.ClosedAt.IsZero() {
			t.Fatalf("closed: %+v", c)
		}
		clocks, err := f.store.Clocks(ctx, "clue", c.ID)
		must(t, err)
		for _, k := range clocks {
			if k.DoneAt.IsZero() {
				t.Errorf("clock %s still running after closing", k.Code)
			}
		}
		// The feedback letter after a closure after checking.
		f.act(t, "townt1", c.ID, app.ClueAction{Op: clue.OpRecordLetter, DocKind: clue.DocFeedbackLetter, Addressee: "王某",
			Date: "2026-05-12", Text: "经了解，反映问题不属实。"})
		docs, err := f.store.ClueDocuments(ctx, c.ID)
		must(t, err)
		kinds := []string{}
		for _, d := range docs {
			kinds = append(kinds, d.Kind)
		}
		want := []string{clue.DocDisposalPlan, clue.DocInquiryLetter, clue.DocInquiryReply, clue.DocInquiryReport, clue.DocFeedbackLetter}
		if len(kinds) != len(want) {
			t.Fatalf("documents %v, want %v", kinds, want)
		}
		for i := range want {
			if kinds[i] != want[i] {
				t.Errorf("document %d: %s, want %s", i, kinds[i], want[i])
			}
		}
	})
}

func TestClueVerification(t *testing.T) {
	eachClue(t, func(t *testing.T, f *clueFixture) {
		c := f.assigned(t, "反映某村会计挪用集体资金十万元")
		other := f.assigned(t, "另一条南庄坪线索")
		f.refuse(t, "townt1", c.ID, app.ClueAction{Op: clue.OpProposeDisposal, Mode: clue.ModeVerification, Text: "初核方案",
			Team: []int64{f.users["townt1"].ID}}, apperr.Invalid, "clue.team_too_small")
		f.refuse(t, "townt1", c.ID, app.ClueAction{Op: clue.OpProposeDisposal, Mode: clue.ModeVerification, Text: "初核方案",
			Team: []int64{f.users["townt1"].ID, f.users["townb1"].ID}}, apperr.Invalid, "clue.team_member_invalid")
		f.act(t, "townt1", c.ID, app.ClueAction{Op: clue.OpProposeDisposal, Mode: clue.ModeVerification, Text: "调取账目，询问相关人员。",
			Team: []int64{f.users["townt1"].ID, f.users["townt2"].ID}})
		// Before approval the T2 member sees nothing of T1.
		if _, err := f.app.GetClue(ctx, f.p("townt2"), c.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("townt2 before approval: %v", err)
		}
		c = f.act(t, "leadera", c.ID, app.ClueAction{Op: clue.OpApproveDisposal})
		if c.Status != clue.StatusVerification {
			t.Fatalf("status %s", c.Status)
		}
		// The team member now sees this clue, and not the other T1 clue.
		if _, err := f.app.GetClue(ctx, f.p("townt2"), c.ID); err != nil {
			t.Fatalf("team member: %v", err)
		}
		if _, err := f.app.GetClue(ctx, f.p("townt2"), other.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("team member sees another clue: %v", err)
		}
		if due := clockDue(t, f, c.ID, "verification.finish"); !due.Equal(endOfDay(2026, 5, 16)) {
			t.Errorf("verification due %v", due)
		}
		// Only team members take measures (officeo1 sees the clue through
		// the area group but is not in the team).
		f.refuse(t, "officeo1", c.ID, app.ClueAction{Op: clue.OpAddMeasure, MeasureKind: "query", Text: "x"}, apperr.Forbidden, "clue.action_forbidden")
		f.refuse(t, "townt2", c.ID, app.ClueAction{Op: clue.OpAddMeasure, MeasureKind: "detention", Text: "留置"},
			apperr.Invalid, "clue.measure_invalid")
		f.act(t, "townt2", c.ID, app.ClueAction{Op: clue.OpAddMeasure, MeasureKind: "copy_records", Date: "2026-03-16", Text: "调取村账"})
		c = f.act(t, "townt1", c.ID, app.ClueAction{Op: clue.OpSubmitReport, Outcome: clue.RecommendFileCase, Text: "查实挪用，建议立案。"})
		if c.Status != clue.StatusVerificationReview {
			t.Fatalf("status %s", c.Status)
		}
		f.refuse(t, "leadera", c.ID, app.ClueAction{Op: clue.OpApproveReport}, apperr.Conflict, "clue.signatures_missing")
		f.refuse(t, "townt1", c.ID, app.ClueAction{Op: clue.OpSignReport}, apperr.Conflict, "clue.already_signed")
		f.act(t, "townt2", c.ID, app.ClueAction{Op: clue.OpSignReport})
		c = f.act(t, "leadera", c.ID, app.ClueAction{Op: clue.OpApproveReport})
		if c.Status != clue.StatusCasePending || c.Outcome != clue.RecommendFileCase {
			t.Fatalf("approved: %+v", c)
		}
		team, err := f.store.ClueTeam(ctx, c.ID)
		must(t, err)
		if len(team) != 2 || !team[0].Leader || team[0].UserID != f.users["townt1"].ID || team[1].SignedAt.IsZero() {
			t.Fatalf("team %+v", team)
		}
		ms, err := f.store.ClueMeasures(ctx, c.ID)
		must(t, err)
		if len(ms) != 1 || ms[0].Kind != "copy_records" {
			t.Fatalf("measures %+v", ms)
		}
		// Filing is refused by whoever holds case.approve (leaders, by
		// migration 00025): back to the owner for another disposal.
		f.refuse(t, "townt1", c.ID, app.ClueAction{Op: clue.OpFilingRefused, Text: "x"}, apperr.Forbidden, "clue.action_forbidden")
		c, err = f.app.ClueAct(ctx, f.p("leadera"), c.ID, app.ClueAction{Op: clue.OpFilingRefused, Text: "证据不足，另行处置"})
		must(t, err)
		if c.Status != clue.StatusAssigned {
			t.Fatalf("refused: %s", c.Status)
		}
	})
}

func TestClueShelveAndClose(t *testing.T) {
	eachClue(t, func(t *testing.T, f *clueFixture) {
		s := f.assigned(t, "反映问题线索需结合审计才能查清")
		f.refuse(t, "townt1", s.ID, app.ClueAction{Op: clue.OpProposeDisposal, Mode: clue.ModeShelve, Text: "暂存", ShelveUntil: "2026-03-01"},
			apperr.Invalid, "clue.date_not_future")
		f.act(t, "townt1", s.ID, app.ClueAction{Op: clue.OpProposeDisposal, Mode: clue.ModeShelve, Text: "待审计后处置", ShelveUntil: "2026-09-30"})
		s = f.act(t, "leadera", s.ID, app.ClueAction{Op: clue.OpApproveDisposal})
		if s.Status != clue.StatusShelved || s.ShelveUntil != "2026-09-30" {
			t.Fatalf("shelved: %+v", s)
		}
		if due := clockDue(t, f, s.ID, "clue.shelve_review"); !due.Equal(endOfDay(2026, 9, 30)) {
			t.Errorf("review due %v", due)
		}
		s = f.act(t, "townt1", s.ID, app.ClueAction{Op: clue.OpReviewShelved, ShelveUntil: "2026-12-31", Text: "审计尚未结束"})
		if s.ShelveUntil != "2026-12-31" || !clockDue(t, f, s.ID, "clue.shelve_review").Equal(endOfDay(2026, 12, 31)) {
			t.Fatalf("reviewed: %+v", s)
		}
		s = f.act(t, "townt1", s.ID, app.ClueAction{Op: clue.OpReactivate, Text: "审计报告已出"})
		if s.Status != clue.StatusAssigned || s.ShelveUntil != "" {
			t.Fatalf("reactivated: %+v", s)
		}

		c := f.assigned(t, "重复反映，已有结论")
		f.refuse(t, "townt1", c.ID, app.ClueAction{Op: clue.OpProposeDisposal, Mode: clue.ModeClose, Text: "了结"}, apperr.Invalid, "clue.closure_invalid")
		f.act(t, "townt1", c.ID, app.ClueAction{Op: clue.OpProposeDisposal, Mode: clue.ModeClose, Closure: clue.CloseConcluded, Text: "重复反映且已有结论。"})
		c = f.act(t, "leadera", c.ID, app.ClueAction{Op: clue.OpApproveDisposal})
		if c.Status != clue.StatusClosed || c.Closure != clue.ClosureDirect || c.Outcome != clue.CloseConcluded {
			t.Fatalf("closed: %+v", c)
		}
		// Letters are for closures after checking only.
		f.refuse(t, "townt1", c.ID, app.ClueAction{Op: clue.OpRecordLetter, DocKind: clue.DocFeedbackLetter, Addressee: "x", Text: "y"},
			apperr.Conflict, "clue.letter_after_check_only")
		// An end state takes no further step.
		f.refuse(t, "leadera", c.ID, app.ClueAction{Op: clue.OpApproveDisposal}, apperr.Conflict, "clue.transition_invalid")
	})
}

func TestClueEscalationJointAndRecusal(t *testing.T) {
	eachClue(t, func(t *testing.T, f *clueFixture) {
		c := f.assigned(t, "反映街道干部与村干部共同侵占征地补偿款")
		other := f.assigned(t, "南庄坪另一条线索")
		f.refuse(t, "townt1", c.ID, app.ClueAction{Op: clue.OpRequestEscalation, Level: "province", Text: "x"},
			apperr.Invalid, "clue.escalation_level_invalid")
		c = f.act(t, "townt1", c.ID, app.ClueAction{Op: clue.OpRequestEscalation, Level: clue.EscalateAreaGroup, Text: "涉及多个单位，乡镇难以查办"})
		if c.Status != clue.StatusEscalationReview {
			t.Fatalf("status %s", c.Status)
		}
		// The target must be another member of the clue's area group.
		f.refuse(t, "leadera", c.ID, app.ClueAction{Op: clue.OpApproveEscalation, UnitID: f.units["O2"].ID, OwnerID: f.users["officeo1"].ID},
			apperr.Invalid, "clue.escalation_target_invalid")
		c = f.act(t, "leadera", c.ID, app.ClueAction{Op: clue.OpApproveEscalation, UnitID: f.units["O1"].ID, OwnerID: f.users["officeo1"].ID})
		if c.Status != clue.StatusAssigned || c.UnitID != f.units["O1"].ID || !c.Escalated || c.EscalationTo != clue.EscalateAreaGroup ||
			c.EscalatedFrom != f.units["T1"].ID || c.OwnerUserID != f.users["officeo1"].ID {
			t.Fatalf("escalated: %+v", c)
		}
		// To the county: a department of the county commission, not a
		// township; the county's case management office takes it.
		k := f.assigned(t, "涉及多个乡镇的问题")
		f.act(t, "townt1", k.ID, app.ClueAction{Op: clue.OpRequestEscalation, Level: clue.EscalateCounty, Text: "跨乡镇，须由县纪委监委查办"})
		f.refuse(t, "leadera", k.ID, app.ClueAction{Op: clue.OpApproveEscalation, UnitID: f.units["T2"].ID, OwnerID: f.users["townt2"].ID},
			apperr.Invalid, "clue.escalation_target_invalid")
		k = f.act(t, "leadera", k.ID, app.ClueAction{Op: clue.OpApproveEscalation, UnitID: f.units["O1"].ID, OwnerID: f.users["officeo1"].ID})
		if !k.Escalated || k.EscalationTo != clue.EscalateCounty || k.UnitID != f.units["O1"].ID {
			t.Fatalf("escalated to the county: %+v", k)
		}

		// Joint handling: a member of T2 (same area group) takes part until
		// a day; T3 (another area group) cannot.
		f.refuse(t, "leadera", c.ID, app.ClueAction{Op: clue.OpAddJointMembers, Members: []int64{f.users["townb1"].ID}},
			apperr.Invalid, "clue.joint_member_invalid")
		c = f.act(t, "leadera", c.ID, app.ClueAction{Op: clue.OpAddJointMembers, Members: []int64{f.users["townt2"].ID}, Until: "2026-04-30"})
		if !c.Joint || c.JointAt.IsZero() {
			t.Fatalf("joint: %+v", c)
		}
		if _, err := f.app.GetClue(ctx, f.p("townt2"), c.ID); err != nil {
			t.Fatalf("joint member cannot see the clue: %v", err)
		}
		list, _, err := f.app.ListClues(ctx, f.p("townt2"), store.ClueFilter{})
		must(t, err)
		if len(list) != 1 || list[0].ID != c.ID {
			t.Fatalf("joint member's ledger: %d rows", len(list))
		}
		if _, err := f.app.GetClue(ctx, f.p("townt2"), other.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("joint member sees the lead unit's other clue: %v", err)
		}
		// The joint member may carry the handling forward (propose), and
		// loses access once the term is over.
		units, err := f.store.ClueJointUnits(ctx, c.ID)
		must(t, err)
		if len(units) != 1 || units[0].UnitID != f.units["T2"].ID {
			t.Fatalf("joint units %+v", units)
		}
		f.clock.Set(time.Date(2026, 5, 1, 2, 0, 0, 0, time.UTC))
		if _, err := f.app.GetClue(ctx, f.p("townt2"), c.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("joint member after the term: %v", err)
		}

		// Recusal: anyone may declare a conflict and loses access (officeo1
		// sees T1's clues through the area group).
		if _, err := f.app.GetClue(ctx, f.p("officeo1"), other.ID); err != nil {
			t.Fatalf("officeo1 before recusal: %v", err)
		}
		f.refuse(t, "officeo1", other.ID, app.ClueAction{Op: app.OpDeclareConflict}, apperr.Invalid, "clue.text_required")
		f.act(t, "officeo1", other.ID, app.ClueAction{Op: app.OpDeclareConflict, Text: "与被反映人系亲属"})
		if _, err := f.app.GetClue(ctx, f.p("officeo1"), other.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("recused user still sees the clue: %v", err)
		}
		list, _, err = f.app.ListClues(ctx, f.p("officeo1"), store.ClueFilter{})
		must(t, err)
		for _, x := range list {
			if x.ID == other.ID {
				t.Fatalf("recused user lists the clue")
			}
		}
		if len(list) == 0 {
			t.Fatalf("recusal hid every clue")
		}
		// A recused user cannot be named in the team.
		f.refuse(t, "townt1", other.ID, app.ClueAction{Op: clue.OpProposeDisposal, Mode: clue.ModeVerification, Text: "方案",
			Team: []int64{f.users["townt1"].ID, f.users["officeo1"].ID}}, apperr.Invalid, "clue.owner_recused")
	})
}

func TestClueForwardUp(t *testing.T) {
	eachClue(t, func(t *testing.T, f *clueFixture) {
		in := input("反映市管干部违规收受礼金")
		in.Subject.Level = "city"
		c, err := f.app.RegisterClue(ctx, f.p("casea"), in)
		must(t, err)
		if !c.UpperLevel {
			t.Fatalf("a city cadre in a county ledger is upper level")
		}
		low, err := f.app.RegisterClue(ctx, f.p("casea"), input("村干部问题"))
		must(t, err)
		f.refuse(t, "casea", low.ID, app.ClueAction{Op: clue.OpForwardUp}, apperr.Conflict, "clue.not_upper_level")
		c = f.act(t, "casea", c.ID, app.ClueAction{Op: clue.OpForwardUp, Text: "依规报送"})
		if c.Status != clue.StatusForwarded || c.ForwardedTo == 0 || c.ClosedAt.IsZero() {
			t.Fatalf("forwarded: %+v", c)
		}
		up, err := f.app.GetClue(ctx, auth.System(), c.ForwardedTo)
		must(t, err)
		if up.LedgerUnitID != f.units["city"].ID || up.Source != clue.SourceLowerSubmission || up.SourceID != c.ID ||
			up.Number != "张纪线〔2026〕1号" || up.Status != clue.StatusRegistered {
			t.Fatalf("upper clue: %+v", up)
		}
	})
}

func clockOf(t *testing.T, f *clueFixture, id int64, code string) store.Clock {
	t.Helper()
	clocks, err := f.store.Clocks(ctx, "clue", id)
	must(t, err)
	for _, k := range clocks {
		if k.Code == code {
			return k
		}
	}
	t.Fatalf("no clock %s on clue %d", code, id)
	return store.Clock{}
}

func clockDue(t *testing.T, f *clueFixture, id int64, code string) time.Time {
	t.Helper()
	return clockOf(t, f, id, code).DueAt
}

func TestClueReminders(t *testing.T) {
	eachClue(t, func(t *testing.T, f *clueFixture) {
		c := f.assigned(t, "反映村干部优亲厚友")
		// Five working days before the disposal opinion is due (16 April):
		// the owner and the approving leader are reminded, once.
		f.clock.Set(time.Date(2026, 4, 10, 2, 0, 0, 0, time.UTC))
		n, err := f.app.SendClockAlerts(ctx)
		must(t, err)
		if n != 1 {
			t.Fatalf("alerts %d, want 1", n)
		}
		for _, u := range []string{"townt1", "leadera"} {
			inbox, _, err := f.app.Inbox(ctx, f.p(u), store.NotificationFilter{})
			must(t, err)
			found := false
			for _, m := range inbox {
				if m.Kind == "reminder" && m.ObjectID == c.ID && m.Link == fmt.Sprintf("/clues/%d", c.ID) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s got no reminder: %+v", u, inbox)
			}
		}
		if n, err := f.app.SendClockAlerts(ctx); err != nil || n != 0 {
			t.Fatalf("second run: %d, %v", n, err)
		}
		// Past the due date: the overdue alarm, and the overdue filter.
		f.clock.Set(time.Date(2026, 4, 17, 2, 0, 0, 0, time.UTC))
		if n, err := f.app.SendClockAlerts(ctx); err != nil || n != 1 {
			t.Fatalf("overdue run: %d, %v", n, err)
		}
		list, _, err := f.app.ListClues(ctx, f.p("casea"), store.ClueFilter{Overdue: true})
		must(t, err)
		if len(list) != 1 || list[0].ID != c.ID {
			t.Fatalf("overdue ledger %+v", list)
		}
	})
}
