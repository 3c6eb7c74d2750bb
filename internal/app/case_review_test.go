package app_test

import (
	"strings"
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/calendar"
	"qingfeng/internal/casework"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// addUser adds a user of a unit with roles to the case fixture.
func (f *caseFixture) addUser(t *testing.T, username, unitKey string, roles ...auth.Role) {
	t.Helper()
	p, err := f.app.SavePerson(ctx, sys, org.Person{UnitID: f.units[unitKey].ID, Name: "干部" + username, Active: true})
	must(t, err)
	u, err := f.app.CreateUser(ctx, sys, p.ID, username, password, roles)
	must(t, err)
	f.people[username], f.users[username] = p, u
	f.principals[username] = f.signIn(t, username)
}

func (f *caseFixture) ids(users ...string) []int64 {
	var out []int64
	for _, u := range users {
		out = append(out, f.users[u].ID)
	}
	return out
}

// TestCaseMerge merges a filing request (its clue is filed into the
// target) and a case under investigation with a running measure (subjects,
// measure and documents move; its team loses access) into a third case.
func TestCaseMerge(t *testing.T) {
	eachCase(t, func(t *testing.T, f *caseFixture) {
		target := f.filed(t, 0, "T1")
		target = f.caseAct(t, "casea", target.ID, app.CaseAction{Op: casework.OpFormTeam, Members: f.ids("townt1", "reviewt1")})
		src := f.filed(t, 0, "T1")
		src = f.caseAct(t, "casea", src.ID, app.CaseAction{Op: casework.OpFormTeam, Members: f.ids("townt2", "townt1"), Until: "2026-12-31"})
		f.caseAct(t, "townt2", src.ID, app.CaseAction{Op: casework.OpTakeMeasure, SubjectID: src.Subjects[0].ID,
			Kind: casework.MeasureAwaitInvestigation, Approvals: []casework.Approval{{Level: casework.ApprovalPrincipal, By: "书记", At: t0}}})
		cl := f.casePending(t, "反映另一村干部截留补贴")
		req, err := f.app.FileCase(ctx, f.p("casea"), f.caseIn(cl.ID, "T1"))
		must(t, err)
		other, err := f.app.FileCase(ctx, f.p("casea"), f.caseIn(0, "T1"))
		must(t, err)

		merge := func(id int64) app.CaseAction {
			return app.CaseAction{Op: casework.OpMerge, TargetID: id, Text: "同一问题，并案处理"}
		}
		refusals := []struct {
			name string
			user string
			id   int64
			in   app.CaseAction
			code apperr.Code
			key  string
		}{
			{"no reason", "leadera", src.ID, app.CaseAction{Op: casework.OpMerge, TargetID: target.ID}, apperr.Invalid, "case.reason_required"},
			{"itself", "leadera", src.ID, merge(src.ID), apperr.Invalid, "case.merge_self"},
			{"no target", "leadera", src.ID, merge(0), apperr.Invalid, "case.merge_target_invalid"},
			{"target a filing request", "leadera", src.ID, merge(other.ID), apperr.Invalid, "case.merge_target_invalid"},
			{"target unknown", "leadera", src.ID, merge(999999), apperr.Invalid, "case.merge_target_invalid"},
			{"investigator", "townt1", src.ID, merge(target.ID), apperr.Forbidden, "case.action_forbidden"},
			{"other county's leader", "leaderb", src.ID, merge(target.ID), apperr.NotFound, ""},
		}
		for _, tt := range refusals {
			t.Run(tt.name, func(t *testing.T) { f.caseRefuse(t, tt.user, tt.id, tt.in, tt.code, tt.key) })
		}

		// The filing request: its clue is filed into the target.
		got := f.caseAct(t, "leadera", req.ID, merge(target.ID))
		if got.Status != casework.StatusMerged || got.MergedInto != target.ID || got.ClosedAt.IsZero() || len(got.Subjects) != 0 {
			t.Fatalf("merged request %+v", got)
		}
		c, err := f.app.GetClue(ctx, f.p("leadera"), cl.ID)
		must(t, err)
		if c.CaseID != target.ID || c.CaseNumber != target.Number {
			t.Fatalf("clue filed into %d %q, want %d %q", c.CaseID, c.CaseNumber, target.ID, target.Number)
		}

		// The case under investigation with its measure.
		got = f.caseAct(t, "leadera", src.ID, merge(target.ID))
		if got.Status != casework.StatusMerged || got.MergedInto != target.ID {
			t.Fatalf("merged %+v", got)
		}
		d, err := f.app.CaseDetail(ctx, f.p("leadera"), target.ID)
		must(t, err)
		if n := len(d.Case.Subjects); n != 3 {
			t.Fatalf("target has %d subjects, want 3", n)
		}
		for i, s := range d.Case.Subjects {
			if i > 0 && s.ID == d.Case.Subjects[i-1].ID {
				t.Fatalf("subjects %+v", d.Case.Subjects)
			}
		}
		if len(d.Measures) != 1 || d.Measures[0].Kind != casework.MeasureAwaitInvestigation || !d.Measures[0].EndedAt.IsZero() {
			t.Fatalf("measures %+v", d.Measures)
		}
		if len(d.MeasureClocks) == 0 || d.MeasureClocks[0].Link != "/cases/"+itoa(target.ID) {
			t.Fatalf("measure clocks %+v", d.MeasureClocks)
		}
		var mergedIn int
		for _, e := range d.Events {
			if e.Action == "merge_in" {
				mergedIn++
			}
		}
		if mergedIn != 2 || d.Case.Version <= target.Version {
			t.Fatalf("merge events %d, version %d", mergedIn, d.Case.Version)
		}
		// townt2 was on the merged case's team only: no longer sees it.
		if _, err := f.app.GetCase(ctx, f.p("townt2"), src.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("townt2 after the merge: %v", err)
		}
		f.caseRefuse(t, "leadera", src.ID, merge(target.ID), apperr.Conflict, "case.transition_invalid")
	})
}

// TestCaseJointReview records a joint quality review by a reviewer of
// another unit of the area group: investigators refused, findings tracked
// until resolved, the review report refused while one is open, the joint
// reviewer's access ending with the day given.
func TestCaseJointReview(t *testing.T) {
	eachCase(t, func(t *testing.T, f *caseFixture) {
		f.addUser(t, "jointo1", "T2", auth.RoleTownship)
		f.addUser(t, "jointo2", "T3", auth.RoleTownship)
		c := f.inReview(t)
		if _, err := f.app.GetCase(ctx, f.p("jointo1"), c.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("officeo1 before the joint review: %v", err)
		}
		ok := app.CaseAction{Op: casework.OpJointReview, Members: f.ids("jointo1"), Until: "2026-04-30", Text: "片区联审意见",
			Findings: []casework.FindingInput{{Item: "evidence", Text: "谈话笔录缺少被谈话人签名"}, {Item: "procedure", Text: "留置通知超过24小时"}}}
		with := func(mod func(*app.CaseAction)) app.CaseAction {
			in := ok
			in.Findings = append([]casework.FindingInput(nil), ok.Findings...)
			mod(&in)
			return in
		}
		refusals := []struct {
			name string
			user string
			in   app.CaseAction
			code apperr.Code
			key  string
		}{
			{"investigator as joint reviewer", "reviewa", with(func(in *app.CaseAction) { in.Members = f.ids("townt2") }), apperr.Invalid,
				"case.reviewer_investigated"},
			{"lead unit's own cadre", "reviewa", with(func(in *app.CaseAction) { in.Members = f.ids("reviewt1") }), apperr.Invalid,
				"case.team_member_invalid"},
			{"another area group", "reviewa", with(func(in *app.CaseAction) { in.Members = f.ids("jointo2") }), apperr.Invalid,
				"case.team_member_invalid"},
			{"no reviewer", "reviewa", with(func(in *app.CaseAction) { in.Members = nil }), apperr.Invalid, "case.team_too_small"},
			{"no last day", "reviewa", with(func(in *app.CaseAction) { in.Until = "" }), apperr.Invalid, "case.until_required"},
			{"unknown item", "reviewa", with(func(in *app.CaseAction) { in.Findings[0].Item = "mood" }), apperr.Invalid,
				"case.finding_item_invalid"},
			{"empty finding", "reviewa", with(func(in *app.CaseAction) { in.Findings[1].Text = " " }), apperr.Invalid,
				"case.reason_required"},
			{"not on the review team", "reviewt1", ok, apperr.Forbidden, "case.action_forbidden"},
			{"investigator", "townt1", ok, apperr.Forbidden, "case.action_forbidden"},
		}
		for _, tt := range refusals {
			t.Run(tt.name, func(t *testing.T) { f.caseRefuse(t, tt.user, c.ID, tt.in, tt.code, tt.key) })
		}
		c = f.caseAct(t, "reviewa", c.ID, ok)
		d, err := f.app.CaseDetail(ctx, f.p("jointo1"), c.ID)
		if err != nil {
			t.Fatalf("joint reviewer cannot see the case: %v", err)
		}
		fs := d.Review.Findings
		if len(fs) != 2 || fs[0].Item != "evidence" || !fs[0].Open() || fs[0].ReviewerID != f.users["jointo1"].ID ||
			fs[0].UnitID != f.units["T2"].ID || fs[0].Reviewer != "干部jointo1" {
			t.Fatalf("findings %+v", fs)
		}
		if len(d.Review.Checklist) < 7 {
			t.Fatalf("checklist %+v", d.Review.Checklist)
		}
		var joint bool
		for _, m := range d.Team {
			joint = joint || (m.UserID == f.users["jointo1"].ID && m.Role == casework.RoleJointReviewer)
		}
		if !joint {
			t.Fatalf("team %+v", d.Team)
		}
		// The joint reviewer sees this case only.
		rows, _, err := f.app.ListCases(ctx, f.p("jointo1"), store.CaseFilter{})
		must(t, err)
		if len(rows) != 1 || rows[0].ID != c.ID {
			t.Fatalf("officeo1 lists %d cases", len(rows))
		}

		for i := range c.Subjects {
			c = f.outcome(t, "reviewa", c, i, casework.Outcome{First: []casework.FirstForm{casework.FirstCriticism}})
		}
		f.caseRefuse(t, "reviewa", c.ID, app.CaseAction{Op: casework.OpSubmitReview, Text: "审理报告"}, apperr.Conflict, "case.findings_open")
		resolve := func(id int64) app.CaseAction {
			return app.CaseAction{Op: casework.OpResolveFinding, FindingID: id, Text: "已补签笔录"}
		}
		f.caseRefuse(t, "townt1", c.ID, app.CaseAction{Op: casework.OpResolveFinding, FindingID: fs[0].ID}, apperr.Invalid,
			"case.reason_required")
		f.caseRefuse(t, "townt1", c.ID, resolve(999999), apperr.Invalid, "case.finding_invalid")
		f.caseRefuse(t, "jointo1", c.ID, resolve(fs[0].ID), apperr.Forbidden, "case.action_forbidden")
		c = f.caseAct(t, "townt1", c.ID, resolve(fs[0].ID))
		f.caseRefuse(t, "townt1", c.ID, resolve(fs[0].ID), apperr.Invalid, "case.finding_invalid")
		f.caseRefuse(t, "reviewa", c.ID, app.CaseAction{Op: casework.OpSubmitReview, Text: "审理报告"}, apperr.Conflict, "case.findings_open")
		c = f.caseAct(t, "townt2", c.ID, resolve(fs[1].ID))
		d, err = f.app.CaseDetail(ctx, f.p("reviewa"), c.ID)
		must(t, err)
		for _, fd := range d.Review.Findings {
			if fd.Open() || fd.Resolution != "已补签笔录" || fd.ResolvedAt.IsZero() {
				t.Fatalf("finding %+v", fd)
			}
		}
		c = f.caseAct(t, "reviewa", c.ID, app.CaseAction{Op: casework.OpSubmitReview, Text: "审理报告"})
		if c.Status != casework.StatusReviewReport {
			t.Fatalf("status %s", c.Status)
		}
		// After the last day the joint reviewer no longer sees the case.
		f.clock.Set(time.Date(2026, 5, 2, 2, 0, 0, 0, time.UTC))
		if _, err := f.app.GetCase(ctx, f.p("jointo1"), c.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("officeo1 after the last day: %v", err)
		}
	})
}

// TestCaseDocuments records documents by hand: stage rules, dates, the
// audio-video flag, the measure notice meeting the 24-hour clock, and the
// print page's scope.
func TestCaseDocuments(t *testing.T) {
	eachCase(t, func(t *testing.T, f *caseFixture) {
		c := f.filed(t, 0, "T1")
		c = f.caseAct(t, "casea", c.ID, app.CaseAction{Op: casework.OpFormTeam, Members: f.ids("townt1", "reviewt1")})
		f.caseAct(t, "townt1", c.ID, app.CaseAction{Op: casework.OpTakeMeasure, SubjectID: c.Subjects[0].ID, Kind: casework.MeasureDetention,
			Approvals: []casework.Approval{{Level: casework.ApprovalCollective, By: "常委会", At: t0}, {Level: casework.ApprovalUpper, By: "市纪委", At: t0}}})
		ms, err := f.store.CaseMeasures(ctx, c.ID)
		must(t, err)
		doc := func(kind, date string) app.CaseAction {
			return app.CaseAction{Op: casework.OpRecordDocument, DocKind: kind, DocDate: date, Title: "第一次谈话", Text: "谈话内容……",
				SubjectID: c.Subjects[0].ID, AudioVideo: true}
		}
		refusals := []struct {
			name string
			user string
			in   app.CaseAction
			code apperr.Code
			key  string
		}{
			{"unknown kind", "townt1", doc("diary", ""), apperr.Invalid, "case.doc_kind_invalid"},
			{"kind of a later stage", "townt1", doc("review_report", ""), apperr.Invalid, "case.doc_kind_invalid"},
			{"date in the future", "townt1", doc("talk_record", "2027-01-01"), apperr.Invalid, "case.date_in_future"},
			{"no date", "townt1", doc("talk_record", "2026-02-30"), apperr.Invalid, "case.date_invalid"},
			{"no body", "townt1", app.CaseAction{Op: casework.OpRecordDocument, DocKind: "evidence"}, apperr.Invalid, "case.reason_required"},
			{"another subject", "townt1", app.CaseAction{Op: casework.OpRecordDocument, DocKind: "evidence", Text: "x", SubjectID: 999999},
				apperr.Invalid, "case.subject_invalid"},
			{"notice of another measure", "townt1", app.CaseAction{Op: casework.OpRecordDocument, DocKind: "measure_notice", Text: "x",
				MeasureID: 999999}, apperr.Invalid, "case.measure_invalid"},
			{"not on the team", "casea", doc("talk_record", ""), apperr.Forbidden, "case.action_forbidden"},
		}
		for _, tt := range refusals {
			t.Run(tt.name, func(t *testing.T) { f.caseRefuse(t, tt.user, c.ID, tt.in, tt.code, tt.key) })
		}
		f.caseAct(t, "townt1", c.ID, doc("talk_record", "2026-03-16"))
		notice := app.CaseAction{Op: casework.OpRecordDocument, DocKind: "measure_notice", MeasureID: ms[0].ID, Text: "已电话通知家属及所在单位"}
		f.clock.Set(t0.Add(5 * time.Hour))
		c = f.caseAct(t, "townt1", c.ID, notice)
		f.caseRefuse(t, "townt1", c.ID, notice, apperr.Conflict, "case.step_done")
		d, err := f.app.CaseDetail(ctx, f.p("townt1"), c.ID)
		must(t, err)
		var talk, note casework.Document
		for _, x := range d.Documents {
			switch x.Kind {
			case "talk_record":
				talk = x
			case "measure_notice":
				note = x
			}
		}
		if talk.ID == 0 || !talk.AudioVideo || talk.DocDate != "2026-03-16" || talk.Title != "第一次谈话" || talk.SubjectID != c.Subjects[0].ID {
			t.Fatalf("talk record %+v", talk)
		}
		if note.ID == 0 || note.SubjectID != c.Subjects[0].ID {
			t.Fatalf("notice %+v", note)
		}
		var notify app.RecordClock
		for _, k := range d.MeasureClocks {
			if k.Code == casework.LimitMeasureNotify {
				notify = k
			}
		}
		if notify.DoneAt.IsZero() || notify.State != calendar.Met {
			t.Fatalf("notification clock %+v", notify)
		}
		if m, _ := f.store.CaseMeasures(ctx, c.ID); m[0].NotifiedAt.IsZero() {
			t.Fatalf("measure not notified: %+v", m[0])
		}
		pr, err := f.app.CaseDocument(ctx, f.p("leadera"), c.ID, talk.ID)
		must(t, err)
		if pr.Kind.NameZH != "谈话笔录" || pr.Subject != "王某" || pr.Document.Body != "谈话内容……" {
			t.Fatalf("print %+v", pr)
		}
		if _, err := f.app.CaseDocument(ctx, f.p("leaderb"), c.ID, talk.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("other county: %v", err)
		}
		other := f.filed(t, 0, "T1")
		if _, err := f.app.CaseDocument(ctx, f.p("leadera"), other.ID, talk.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("document of another case: %v", err)
		}
	})
}

// closedWithTransfer takes the inReview case to closing with subject 3
// transferred to the procuratorate, which returns it twice (a third return
// is refused) before the case closes.
func (f *caseFixture) closedWithTransfer(t *testing.T) store.CaseRow {
	t.Helper()
	c := f.inReview(t)
	outcomes := []casework.Outcome{
		{First: []casework.FirstForm{casework.FirstAdmonish}},
		{Party: casework.PartySeriousWarning},
		{Party: casework.PartyRemoval, Gov: casework.GovDismissal},
		{Party: casework.PartyExpulsion, Gov: casework.GovExpulsion, Transferred: true, RecoveredFen: 100_000},
	}
	for i, o := range outcomes {
		c = f.outcome(t, "reviewa", c, i, o)
	}
	c = f.caseAct(t, "reviewa", c.ID, app.CaseAction{Op: casework.OpSubmitReview, Text: "审理报告"})
	c = f.caseAct(t, "leadera", c.ID, app.CaseAction{Op: casework.OpApproveReview})
	c = f.caseAct(t, "leadera", c.ID, app.CaseAction{Op: casework.OpDecide, Text: "常委会审议决定"})
	for _, s := range c.Subjects {
		c = f.caseAct(t, "townt1", c.ID, app.CaseAction{Op: casework.OpAnnounce, SubjectID: s.ID, Text: "宣布"})
		c = f.caseAct(t, "townt1", c.ID, app.CaseAction{Op: casework.OpRecordExecution, SubjectID: s.ID, Text: "已执行"})
		c = f.caseAct(t, "townt1", c.ID, app.CaseAction{Op: casework.OpReportExecution, SubjectID: s.ID, Text: "已报告"})
	}
	ret := app.CaseAction{Op: casework.OpProsecutionReturn, Text: "检察机关退回补充调查"}
	f.caseRefuse(t, "townt1", c.ID, ret, apperr.Conflict, "case.not_transferred")
	c = f.caseAct(t, "leadera", c.ID, app.CaseAction{Op: casework.OpTransfer, SubjectID: c.Subjects[3].ID, Text: "移送审查起诉"})
	for i := 1; i <= 2; i++ {
		f.caseRefuse(t, "leadera", c.ID, ret, apperr.Forbidden, "case.action_forbidden")
		c = f.caseAct(t, "townt1", c.ID, ret)
		if c.Status != casework.StatusProsecutionSuppl || c.SupplementaryN != i {
			t.Fatalf("return %d: %s n=%d", i, c.Status, c.SupplementaryN)
		}
		f.caseRefuse(t, "leadera", c.ID, app.CaseAction{Op: casework.OpClose}, apperr.Conflict, "case.transition_invalid")
		d, err := f.app.CaseDetail(ctx, f.p("leadera"), c.ID)
		must(t, err)
		var running int
		for _, k := range d.Clocks {
			if k.Code == "supplementary_investigation" && k.DoneAt.IsZero() {
				running++
			}
		}
		if running != 1 {
			t.Fatalf("supplementary clocks running %d", running)
		}
		c = f.caseAct(t, "leadera", c.ID, app.CaseAction{Op: casework.OpProsecutionResend, Text: "补充调查完毕，重新移送"})
	}
	f.caseRefuse(t, "townt1", c.ID, ret, apperr.Conflict, "case.prosecution_returns_exhausted")
	c = f.caseAct(t, "leadera", c.ID, app.CaseAction{Op: casework.OpClose, Text: "结案"})
	if c.Status != casework.StatusClosed {
		t.Fatalf("status %s", c.Status)
	}
	return c
}

// TestCaseAppeal handles two appeals of a closed case with a separate
// team: a changed decision executed again, then a revoked one.
func TestCaseAppeal(t *testing.T) {
	eachCase(t, func(t *testing.T, f *caseFixture) {
		f.addUser(t, "appeal1", "RO", auth.RoleReviewer)
		f.addUser(t, "appeal2", "RO", auth.RoleReviewer)
		c := f.closedWithTransfer(t)
		li := c.Subjects[1]
		accept := app.CaseAction{Op: casework.OpAcceptAppeal, SubjectID: li.ID, Text: "本人认为处分过重，提出申诉"}
		f.caseRefuse(t, "reviewa", c.ID, app.CaseAction{Op: casework.OpAcceptAppeal, SubjectID: 999999, Text: "x"}, apperr.Invalid,
			"case.subject_invalid")
		f.caseRefuse(t, "townt1", c.ID, accept, apperr.Forbidden, "case.action_forbidden")
		f.clock.Set(time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC))
		c = f.caseAct(t, "reviewa", c.ID, accept)
		if c.Status != casework.StatusAppeal {
			t.Fatalf("status %s", c.Status)
		}
		d, err := f.app.CaseDetail(ctx, f.p("leadera"), c.ID)
		must(t, err)
		var clock app.RecordClock
		for _, k := range d.Clocks {
			if k.Code == "appeal.close" {
				clock = k
			}
		}
		if !clock.DueAt.Equal(endOfDay(2026, 9, 1)) || !clock.DoneAt.IsZero() {
			t.Fatalf("appeal clock %+v", clock)
		}
		if len(d.Review.Appeals) != 1 || d.Review.Appeals[0].Subject != "李某" || !d.Review.Appeals[0].DecidedAt.IsZero() {
			t.Fatalf("appeals %+v", d.Review.Appeals)
		}

		decide := app.CaseAction{Op: casework.OpDecideAppeal, AppealOutcome: casework.AppealChanged, Text: "改为警告处分",
			Outcome: &casework.Outcome{Party: casework.PartyWarning}}
		f.caseRefuse(t, "leadera", c.ID, decide, apperr.Conflict, "case.appeal_team_missing")
		team := func(users ...string) app.CaseAction {
			return app.CaseAction{Op: casework.OpFormAppealTeam, Members: f.ids(users...)}
		}
		f.caseRefuse(t, "leadera", c.ID, team("appeal1", "reviewa"), apperr.Invalid, "case.appeal_member_involved")
		f.caseRefuse(t, "leadera", c.ID, team("appeal1", "townt1"), apperr.Invalid, "case.appeal_member_involved")
		f.caseRefuse(t, "leadera", c.ID, team("appeal1"), apperr.Invalid, "case.team_too_small")
		f.caseRefuse(t, "reviewa", c.ID, team("appeal1", "appeal2"), apperr.Forbidden, "case.action_forbidden")
		c = f.caseAct(t, "leadera", c.ID, team("appeal1", "appeal2"))
		f.caseAct(t, "appeal1", c.ID, app.CaseAction{Op: casework.OpRecordDocument, DocKind: "appeal_decision", Text: "复查报告"})
		f.caseRefuse(t, "townt1", c.ID, app.CaseAction{Op: casework.OpRecordDocument, DocKind: "appeal_letter", Text: "x"}, apperr.Forbidden,
			"case.action_forbidden")
		for _, bad := range []struct {
			in  app.CaseAction
			key string
		}{
			{app.CaseAction{Op: casework.OpDecideAppeal, AppealOutcome: "maybe", Text: "x"}, "case.appeal_outcome_invalid"},
			{app.CaseAction{Op: casework.OpDecideAppeal, AppealOutcome: casework.AppealChanged, Text: "x"}, "case.outcome_missing"},
			{app.CaseAction{Op: casework.OpDecideAppeal, AppealOutcome: casework.AppealUpheld}, "case.reason_required"},
		} {
			f.caseRefuse(t, "leadera", c.ID, bad.in, apperr.Invalid, bad.key)
		}
		c = f.caseAct(t, "leadera", c.ID, decide)
		if c.Status != casework.StatusExecution || !c.ClosedAt.IsZero() {
			t.Fatalf("after the changed decision: %s closed %v", c.Status, c.ClosedAt)
		}
		z := c.Subjects[1]
		if z.Outcome == nil || z.Outcome.Party != casework.PartyWarning || z.Form != casework.FormSecond || !z.AnnouncedAt.IsZero() ||
			!z.ExecutedAt.IsZero() || !z.ReportedAt.IsZero() {
			t.Fatalf("changed subject %+v", z)
		}
		got := subjectClocks(t, f, c)
		if k := got["李某/sanction.announce"]; !k.DueAt.Equal(endOfDay(2026, 7, 1)) || !k.DoneAt.IsZero() {
			t.Fatalf("announce clock again %+v", k)
		}
		// The appeal team ended with the decision.
		d, err = f.app.CaseDetail(ctx, f.p("leadera"), c.ID)
		must(t, err)
		for _, m := range d.Team {
			if m.Role.Appeals() && m.EndedAt.IsZero() {
				t.Fatalf("appeal member %s still active", m.Name)
			}
		}
		f.caseRefuse(t, "appeal1", c.ID, app.CaseAction{Op: casework.OpRecordDocument, DocKind: "appeal_letter", Text: "x"},
			apperr.Forbidden, "case.action_forbidden")
		c = f.caseAct(t, "townt1", c.ID, app.CaseAction{Op: casework.OpAnnounce, SubjectID: z.ID, Text: "宣布变更后的决定"})
		c = f.caseAct(t, "townt1", c.ID, app.CaseAction{Op: casework.OpRecordExecution, SubjectID: z.ID, Text: "已执行"})
		c = f.caseAct(t, "townt1", c.ID, app.CaseAction{Op: casework.OpReportExecution, SubjectID: z.ID, Text: "已报告"})
		c = f.caseAct(t, "leadera", c.ID, app.CaseAction{Op: casework.OpClose, Text: "结案"})

		// A second appeal, of 张某: revoked.
		zhang := c.Subjects[2]
		c = f.caseAct(t, "reviewa", c.ID, app.CaseAction{Op: casework.OpAcceptAppeal, SubjectID: zhang.ID, Text: "申诉"})
		f.addUser(t, "appeal3", "RO", auth.RoleReviewer)
		c = f.caseAct(t, "leadera", c.ID, team("appeal2", "appeal3"))
		c = f.caseAct(t, "leadera", c.ID, app.CaseAction{Op: casework.OpDecideAppeal, AppealOutcome: casework.AppealRevoked,
			Text: "撤销原处分决定"})
		if c.Status != casework.StatusClosed {
			t.Fatalf("status %s", c.Status)
		}
		if s := c.Subjects[2]; s.Outcome == nil || !s.Outcome.Withdrawn || s.Form != casework.FormNone {
			t.Fatalf("revoked subject %+v", s)
		}
		if got := casework.FormCounts(c.Subjects); got != [5]int{1, 1, 1, 0, 1} {
			t.Fatalf("form counts %v", got)
		}
		d, err = f.app.CaseDetail(ctx, f.p("leadera"), c.ID)
		must(t, err)
		if len(d.Review.Appeals) != 2 || d.Review.Appeals[0].Outcome != casework.AppealChanged || d.Review.Appeals[1].Outcome != casework.AppealRevoked ||
			d.Review.Appeals[1].DecidedAt.IsZero() {
			t.Fatalf("appeals %+v", d.Review.Appeals)
		}
		for _, k := range d.Clocks {
			if k.Code == "appeal.close" && k.DoneAt.IsZero() {
				t.Fatalf("appeal clock still running")
			}
		}
		if !strings.Contains(d.Events[len(d.Events)-1].Note, "撤销原处分决定") {
			t.Fatalf("last event %+v", d.Events[len(d.Events)-1])
		}
	})
}
