package app_test

import (
	"encoding/json"
	"strings"
	"testing"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/casework"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// closers are the users who take a case from filing to closing: the filer,
// the leader who approves, two investigators and two reviewers.
type closers struct{ filer, leader, inv1, inv2, rev1, rev2 string }

var countyA = closers{"casea", "leadera", "townt1", "townt2", "reviewa", "reviewb"}

// addCountyB adds the users who close cases in county B: a case manager and
// a leader at B, two township cadres at TB1 and two reviewers in B's review
// office.
func (f *caseFixture) addCountyB(t *testing.T) closers {
	t.Helper()
	ro, err := f.app.CreateUnit(ctx, sys, org.Unit{ParentID: f.units["B"].ID, Kind: org.KindReview, Name: "案件审理室"})
	must(t, err)
	f.units["ROB"] = ro
	f.addUser(t, "caseb", "B", auth.RoleCaseManager)
	f.addUser(t, "leaderb", "B", auth.RoleLeader)
	f.addUser(t, "townb2", "TB1", auth.RoleTownship)
	f.addUser(t, "reviewb1", "ROB", auth.RoleReviewer)
	f.addUser(t, "reviewb2", "ROB", auth.RoleReviewer)
	return closers{"caseb", "leaderb", "townb1", "townb2", "reviewb1", "reviewb2"}
}

// direct is a direct filing at lead with one subject.
func (f *caseFixture) direct(lead, category, cause, summary string, s casework.SubjectInput) casework.Input {
	return casework.Input{LeadUnitID: f.units[lead].ID, Category: category, Cause: cause, Summary: summary,
		DirectReason: "在审查其他案件中发现", Subjects: []casework.SubjectInput{s}}
}

// closedCase files a case and takes it through investigation, review, the
// decision (every subject gets o) and execution to closed.
func (f *caseFixture) closedCase(t *testing.T, who closers, in casework.Input, o casework.Outcome) store.CaseRow {
	t.Helper()
	c, err := f.app.FileCase(ctx, f.p(who.filer), in)
	must(t, err)
	c = f.caseAct(t, who.leader, c.ID, app.CaseAction{Op: casework.OpApproveFiling, Text: "同意立案"})
	c = f.caseAct(t, who.filer, c.ID, app.CaseAction{Op: casework.OpFormTeam, Members: []int64{f.users[who.inv1].ID, f.users[who.inv2].ID}})
	c = f.caseAct(t, who.inv1, c.ID, app.CaseAction{Op: casework.OpSubmitReport, Text: "审查调查报告"})
	c = f.caseAct(t, who.leader, c.ID, app.CaseAction{Op: casework.OpApproveReport})
	c = f.caseAct(t, who.rev1, c.ID, app.CaseAction{Op: casework.OpAcceptReview,
		Members: []int64{f.users[who.rev1].ID, f.users[who.rev2].ID}})
	for i := range c.Subjects {
		c = f.outcome(t, who.rev1, c, i, o)
	}
	c = f.caseAct(t, who.rev1, c.ID, app.CaseAction{Op: casework.OpSubmitReview, Text: "审理报告"})
	c = f.caseAct(t, who.leader, c.ID, app.CaseAction{Op: casework.OpApproveReview})
	c = f.caseAct(t, who.leader, c.ID, app.CaseAction{Op: casework.OpDecide, Text: "常委会审议决定"})
	for _, s := range c.Subjects {
		c = f.caseAct(t, who.inv1, c.ID, app.CaseAction{Op: casework.OpAnnounce, SubjectID: s.ID, Text: "宣布"})
		c = f.caseAct(t, who.inv1, c.ID, app.CaseAction{Op: casework.OpRecordExecution, SubjectID: s.ID, Text: "已执行到位"})
		c = f.caseAct(t, who.inv2, c.ID, app.CaseAction{Op: casework.OpReportExecution, SubjectID: s.ID, Text: "执行情况报告"})
	}
	c = f.caseAct(t, who.leader, c.ID, app.CaseAction{Op: casework.OpClose, Text: "结案"})
	if c.Status != casework.StatusClosed {
		t.Fatalf("not closed: %s", c.Status)
	}
	return c
}

var (
	villageCadre = func(name string) casework.SubjectInput {
		return casework.SubjectInput{Name: name, Unit: "杨家溪村村委会", Post: "村党支部书记", Rank: "village",
			Category: casework.CategoryVillageCadre, PartyMember: true}
	}
	civilServant = func(name string) casework.SubjectInput {
		return casework.SubjectInput{Name: name, Unit: "区民政局", Post: "股长", Rank: "general", Category: casework.CategoryCivilServant,
			PartyMember: true}
	}
	warning = casework.Outcome{Party: casework.PartySeriousWarning, Note: "主动退缴"}
)

const subsidyFacts = "任村党支部书记期间，虚报冒领、截留挪用耕地地力保护补贴，用于个人开支。"

// TestSimilarCases ranks the closed cases in the reader's scope: the same
// key field, subject category and facts first; an open case, the case
// itself and a closed case of another county never appear.
func TestSimilarCases(t *testing.T) {
	eachCase(t, func(t *testing.T, f *caseFixture) {
		countyB := f.addCountyB(t)
		best := f.closedCase(t, countyA, f.direct("T1", "subsidies", "张建国截留挪用惠农补贴", "张建国"+subsidyFacts+"涉及金额三万元。",
			villageCadre("张建国")), warning)
		sameField := f.closedCase(t, countyA, f.direct("T1", "subsidies", "赵六违规办理低保", "赵六优亲厚友，违规为亲属办理低保。",
			civilServant("赵六")), casework.Outcome{Gov: casework.GovDemerit})
		f.closedCase(t, countyA, f.direct("T1", "conduct", "孙七公车私用", "孙七节假日驾驶公车外出旅游。", civilServant("孙七")),
			casework.Outcome{First: []casework.FirstForm{casework.FirstAdmonish}})
		outside := f.closedCase(t, countyB, f.direct("TB1", "subsidies", "周八截留挪用惠农补贴", "周八"+subsidyFacts,
			villageCadre("周八")), warning)
		open, err := f.app.FileCase(ctx, f.p("casea"), f.direct("T1", "subsidies", "吴九截留挪用惠农补贴", "吴九"+subsidyFacts,
			villageCadre("吴九")))
		must(t, err)
		target, err := f.app.FileCase(ctx, f.p("casea"), f.direct("T1", "subsidies", "王五截留挪用惠农补贴",
			"王五"+subsidyFacts+"涉及金额五万元。", villageCadre("王五")))
		must(t, err)

		c, got, err := f.app.SimilarCases(ctx, f.p("leadera"), target.ID)
		must(t, err)
		if c.ID != target.ID {
			t.Fatalf("case %d", c.ID)
		}
		var ids []int64
		for _, m := range got {
			ids = append(ids, m.Case.ID)
			if m.Case.ID == open.ID || m.Case.ID == outside.ID || m.Case.ID == target.ID {
				t.Errorf("case %s listed as similar", m.Case.Number)
			}
		}
		if len(ids) != 2 || ids[0] != best.ID || ids[1] != sameField.ID {
			t.Fatalf("similar %v, want [%d %d]", ids, best.ID, sameField.ID)
		}
		m := got[0]
		if len(m.Reasons) != 4 || m.Reasons[3].Code != casework.ReasonSimilarFacts || m.Reasons[3].Value < 0.6 {
			t.Errorf("reasons %+v", m.Reasons)
		}
		if s := m.Case.Subjects; len(s) != 1 || s[0].Outcome == nil || s[0].Outcome.Party != casework.PartySeriousWarning ||
			s[0].Form != casework.FormSecond {
			t.Errorf("outcomes %+v", s)
		}

		// County B's leader sees its own closed case, not county A's; A's
		// case is not found for B.
		_, got, err = f.app.SimilarCases(ctx, f.p("leaderb"), outside.ID)
		must(t, err)
		if len(got) != 0 {
			t.Errorf("county B sees %d similar cases", len(got))
		}
		_, _, err = f.app.SimilarCases(ctx, f.p("leaderb"), target.ID)
		wantCode(t, err, apperr.NotFound, "", nil)
	})
}

// TestTeachingCases marks a closed case as teaching case: refused to
// readers without case.approve and for open cases; the copy names no
// subject; every staff user of the commission reads it, without the link
// to the case when they cannot see the case; withdrawing keeps it.
func TestTeachingCases(t *testing.T) {
	eachCase(t, func(t *testing.T, f *caseFixture) {
		in := f.direct("T1", "subsidies", "欧阳明华截留挪用惠农补贴", "欧阳明华"+subsidyFacts+"欧阳明华（手机13812345678）退缴三万元。",
			villageCadre("欧阳明华"))
		c := f.closedCase(t, countyA, in, warning)
		open, err := f.app.FileCase(ctx, f.p("casea"), f.direct("T1", "subsidies", "吴九截留补贴", "吴九"+subsidyFacts, villageCadre("吴九")))
		must(t, err)

		_, err = f.app.MarkTeaching(ctx, f.p("townt1"), c.ID, "截留补贴案", "")
		wantCode(t, err, apperr.Forbidden, "", nil)
		_, err = f.app.MarkTeaching(ctx, f.p("leadera"), open.ID, "截留补贴案", "")
		wantCode(t, err, apperr.Conflict, "casesimilar.not_closed", nil)
		_, err = f.app.MarkTeaching(ctx, f.p("leadera"), c.ID, " ", "")
		wantCode(t, err, apperr.Invalid, "", map[string]string{"title": "casesimilar.title_required"})

		tc, err := f.app.MarkTeaching(ctx, f.p("leadera"), c.ID, "欧阳明华截留补贴案", "村干部截留补贴，欧阳明华受到严重警告处分。")
		must(t, err)
		if tc.UnitID != f.units["A"].ID || tc.Title != "欧阳某截留补贴案" || len(tc.Subjects) != 1 || tc.Subjects[0].Alias != "欧阳某" ||
			tc.Subjects[0].Outcome == nil || tc.Subjects[0].Outcome.Party != casework.PartySeriousWarning {
			t.Fatalf("teaching case %+v", tc)
		}
		b, err := json.Marshal(tc)
		must(t, err)
		for _, leak := range []string{"欧阳明华", "13812345678", "杨家溪村村委会", c.Number} {
			if strings.Contains(string(b), leak) {
				t.Errorf("teaching case contains %q: %s", leak, b)
			}
		}
		_, err = f.app.MarkTeaching(ctx, f.p("leadera"), c.ID, "再次", "")
		wantCode(t, err, apperr.Conflict, "casesimilar.already_teaching", nil)
		if id, err := f.app.TeachingCaseOf(ctx, f.p("leadera"), c.ID); err != nil || id != tc.ID {
			t.Errorf("teaching case of the case: %d %v", id, err)
		}

		// Every staff user of county A reads it; the cadre of the second
		// office, who cannot see the case, gets no link to it; county B
		// does not.
		f.addUser(t, "officeo2", "O2", auth.RoleOffice)
		if _, err := f.app.GetCase(ctx, f.p("officeo2"), c.ID); err == nil {
			t.Fatal("officeo2 sees the case")
		}
		for _, u := range []string{"leadera", "townt2", "officeo1", "officeo2", "reviewa"} {
			rows, total, err := f.app.ListTeachingCases(ctx, f.p(u), "", false, store.Page{})
			must(t, err)
			if total != 1 || len(rows) != 1 || rows[0].ID != tc.ID || rows[0].CaseID != 0 {
				t.Errorf("%s: teaching cases %d %+v", u, total, rows)
			}
		}
		got, err := f.app.GetTeachingCase(ctx, f.p("officeo2"), tc.ID)
		must(t, err)
		if got.CaseID != 0 || got.Summary != tc.Summary {
			t.Errorf("office cadre: %+v", got)
		}
		if got, err := f.app.GetTeachingCase(ctx, f.p("leadera"), tc.ID); err != nil || got.CaseID != c.ID {
			t.Errorf("leader: %+v %v", got, err)
		}
		_, err = f.app.GetTeachingCase(ctx, f.p("townb1"), tc.ID)
		wantCode(t, err, apperr.NotFound, "", nil)
		rows, _, err := f.app.ListTeachingCases(ctx, f.p("townb1"), "", false, store.Page{})
		must(t, err)
		if len(rows) != 0 {
			t.Errorf("county B reads %+v", rows)
		}

		// Withdrawing: case.approve with a reason, kept, audited.
		_, err = f.app.WithdrawTeaching(ctx, f.p("townt1"), tc.ID, 0, "不再适用")
		wantCode(t, err, apperr.Forbidden, "", nil)
		_, err = f.app.WithdrawTeaching(ctx, f.p("leadera"), tc.ID, 0, "")
		wantCode(t, err, apperr.Invalid, "", map[string]string{"reason": "casesimilar.reason_required"})
		w, err := f.app.WithdrawTeaching(ctx, f.p("leadera"), tc.ID, tc.Version, "欧阳明华案已申诉复查")
		must(t, err)
		if w.WithdrawnAt.IsZero() || w.WithdrawReason != "欧阳某案已申诉复查" || w.WithdrawnBy != f.users["leadera"].ID {
			t.Errorf("withdrawn %+v", w)
		}
		_, err = f.app.WithdrawTeaching(ctx, f.p("leadera"), tc.ID, 0, "再次")
		wantCode(t, err, apperr.Conflict, "casesimilar.withdrawn", nil)
		if rows, _, err := f.app.ListTeachingCases(ctx, f.p("townt2"), "", false, store.Page{}); err != nil || len(rows) != 0 {
			t.Errorf("withdrawn still listed: %+v %v", rows, err)
		}
		if rows, _, err := f.app.ListTeachingCases(ctx, f.p("leadera"), "", true, store.Page{}); err != nil || len(rows) != 1 {
			t.Errorf("withdrawn not kept: %+v %v", rows, err)
		}
		hist, err := f.store.History(ctx, "teaching_case", tc.ID)
		must(t, err)
		if len(hist) != 2 || hist[0].Action != "teaching_case.create" || hist[1].Action != "teaching_case.withdraw" {
			t.Errorf("audit %+v", hist)
		}
		// Marked again after the withdrawal: a new copy.
		if _, err := f.app.MarkTeaching(ctx, f.p("leadera"), c.ID, "截留补贴案", ""); err != nil {
			t.Errorf("mark again: %v", err)
		}
	})
}
