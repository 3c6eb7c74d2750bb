package app_test

import (
	"strings"
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/clue"
	"qingfeng/internal/org"
	"qingfeng/internal/oversight"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// taskFixture is the access fixture plus two more townships of county A
// (T4, T5) in a third area group led by 片区组长 (a commission cadre with a
// user account), and township reporters townt4 and townt5.
type taskFixture struct {
	*fixture
	ag3 org.AreaGroup
}

func newTaskFixture(t *testing.T, s *store.Store, clock *testdb.Clock) *taskFixture {
	t.Helper()
	f := &taskFixture{fixture: newFixture(t, s, clock)}
	for _, k := range []struct{ key, name, code string }{{"T4", "西溪坪街道纪工委", "430802004"}, {"T5", "官黎坪街道纪工委", "430802005"}} {
		u, err := f.app.CreateUnit(ctx, sys, org.Unit{ParentID: f.units["A"].ID, Kind: org.KindTownship, Name: k.name, DivisionCode: k.code, IsDivision: true})
		must(t, err)
		f.units[k.key] = u
	}
	user := func(username, unitKey string, role auth.Role) {
		t.Helper()
		p, err := f.app.SavePerson(ctx, sys, org.Person{UnitID: f.units[unitKey].ID, Name: "干部" + username, Active: true})
		must(t, err)
		u, err := f.app.CreateUser(ctx, sys, p.ID, username, password, []auth.Role{role})
		must(t, err)
		f.people[username], f.users[username] = p, u
		f.principals[username] = f.signIn(t, username)
	}
	user("townt2", "T2", auth.RoleTownship)
	user("townt3", "T3", auth.RoleTownship)
	user("townt4", "T4", auth.RoleTownship)
	user("townt5", "T5", auth.RoleTownship)
	user("arealead", "A", auth.RoleOffice)
	g, err := f.app.CreateAreaGroup(ctx, sys, org.AreaGroup{CountyUnitID: f.units["A"].ID, Name: "第三片区", LeaderPersonID: f.people["arealead"].ID})
	must(t, err)
	for _, m := range []string{"T4", "T5"} {
		_, err := f.app.AddAreaMember(ctx, sys, g.ID, f.units[m].ID, "2026-01-01")
		must(t, err)
	}
	f.ag3 = g
	return f
}

func eachTask(t *testing.T, fn func(t *testing.T, f *taskFixture)) {
	t.Helper()
	clock := testdb.NewClock(t0)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		fn(t, newTaskFixture(t, s, clock))
	})
}

var townships = []string{"T1", "T2", "T3", "T4", "T5"}

// newTask creates and activates the daily task over the five townships
// from Monday 16 March 2026.
func (f *taskFixture) newTask(t *testing.T) oversight.Task {
	t.Helper()
	var ids []int64
	for _, k := range townships {
		ids = append(ids, f.units[k].ID)
	}
	tk, err := f.app.CreateTask(ctx, f.principals["leadera"], oversight.TaskInput{Title: "户政服务进驻乡镇便民服务中心", TargetIDs: ids,
		Rhythm: oversight.RhythmDaily, Start: "2026-03-16", End: "2026-04-30",
		Milestones: []oversight.MilestoneInput{{Title: "窗口进驻到位", Due: "2026-04-10"}},
		Indicators: []oversight.IndicatorInput{{Name: "办理户政业务", Unit: "件"}}})
	must(t, err)
	if tk.Status != oversight.StatusDraft || len(tk.Targets) != 5 || len(tk.Indicators) != 1 {
		t.Fatalf("task %+v", tk)
	}
	tk, err = f.app.SetTaskStatus(ctx, f.principals["leadera"], tk.ID, tk.Version, oversight.StatusActive)
	must(t, err)
	return tk
}

func (f *taskFixture) report(t *testing.T, tk oversight.Task, users ...string) {
	t.Helper()
	for _, u := range users {
		_, err := f.app.ReportProgress(ctx, f.principals[u], tk.ID, oversight.ReportInput{Values: map[int64]float64{tk.Indicators[0].ID: 12}})
		must(t, err)
	}
}

// urgings counts a user's urging notifications.
func (f *taskFixture) urgings(t *testing.T, username string) int {
	t.Helper()
	ns, _, err := f.store.ListNotifications(ctx, f.users[username].ID, store.NotificationFilter{})
	must(t, err)
	n := 0
	for _, x := range ns {
		if x.Kind == "urging" {
			n++
		}
	}
	return n
}

func TestUrgingEscalates(t *testing.T) {
	eachTask(t, func(t *testing.T, f *taskFixture) {
		tk := f.newTask(t)
		at := func(day int) { f.clock.Set(time.Date(2026, 3, day, 2, 0, 0, 0, time.UTC)) } // 10:00 in Shanghai
		run := func(want int) {
			t.Helper()
			n, err := f.app.RunUrging(ctx)
			must(t, err)
			if n != want {
				t.Fatalf("%s: RunUrging sent %d urges, want %d", f.clock.Now(), n, want)
			}
		}
		want := func(counts map[string]int) {
			t.Helper()
			for u, n := range counts {
				if got := f.urgings(t, u); got != n {
					t.Errorf("%s: %s has %d urging notices, want %d", f.clock.Now(), u, got, n)
				}
			}
		}
		// Monday 16: the first day; nobody is late.
		at(16)
		f.report(t, tk, "townt1", "townt2", "townt3")
		// Claims are exclusive: what one instance claimed another does not get.
		first, err := f.store.ClaimUrgeTargets(ctx, 100, time.Minute)
		must(t, err)
		second, err := f.store.ClaimUrgeTargets(ctx, 100, time.Minute)
		must(t, err)
		if len(first) != 5 || len(second) != 0 {
			t.Fatalf("claims %d then %d, want 5 then 0", len(first), len(second))
		}
		run(0) // everything is claimed
		for _, g := range first {
			must(t, f.store.ReleaseUrgeTarget(ctx, g.ID, f.clock.Now()))
		}
		run(0)
		// Tuesday 17: T4 and T5 have not reported since the start: behind.
		at(17)
		f.report(t, tk, "townt1", "townt2", "townt3")
		b, err := f.app.TaskBoard(ctx, f.principals["leadera"], tk.ID)
		must(t, err)
		if b.Counts[oversight.StateOnTrack] != 3 || b.Counts[oversight.StateBehind] != 2 {
			t.Fatalf("board counts %v", b.Counts)
		}
		run(2)
		run(0) // a second run at the same time sends nothing
		want(map[string]int{"townt4": 1, "townt5": 1, "townt1": 0, "arealead": 0, "leadera": 0})
		// Another instance that checked T4 at the same moment records the
		// same urge: a no-op, without its notifications.
		sent, err := f.store.TaskUrges(ctx, tk.ID, f.units["T4"].ID)
		must(t, err)
		if len(sent) != 1 || len(sent[0].Recipients) != 1 || sent[0].Recipients[0] != f.users["townt4"].ID {
			t.Fatalf("T4 urges %+v", sent)
		}
		again, err := f.store.RecordUrge(ctx, sent[0], oversight.StateBehind, []store.Notification{{UserID: f.users["townt4"].ID,
			Kind: "urging", Title: "催办", DedupKey: "another-instance"}})
		must(t, err)
		if again {
			t.Fatal("the same urge was recorded twice")
		}
		want(map[string]int{"townt4": 1})
		// Wednesday 18: T4 reports (its chain ends); T5 stays silent and
		// its area group's leader is urged one working day later.
		at(18)
		f.report(t, tk, "townt1", "townt2", "townt3", "townt4")
		run(1)
		run(0)
		want(map[string]int{"townt4": 1, "townt5": 1, "arealead": 1, "leadera": 0})
		// Thursday 19: one working day after the area urge: not yet.
		at(19)
		f.report(t, tk, "townt1", "townt2", "townt3", "townt4")
		run(0)
		// Friday 20: two working days after the area urge: the commission's leader.
		at(20)
		f.report(t, tk, "townt1", "townt2", "townt3", "townt4")
		run(1)
		run(0)
		want(map[string]int{"townt5": 1, "arealead": 1, "leadera": 1})
		urges, err := f.store.TaskUrges(ctx, tk.ID, f.units["T5"].ID)
		must(t, err)
		if len(urges) != 3 || urges[0].Level != oversight.UrgeUnit || urges[1].Level != oversight.UrgeArea || urges[2].Level != oversight.UrgeLeader ||
			urges[1].Date.String() != "2026-03-18" || urges[2].Date.String() != "2026-03-20" {
			t.Fatalf("urges %+v", urges)
		}
		// The chain is complete: nothing more over the weekend or after.
		at(23)
		f.report(t, tk, "townt1", "townt2", "townt3", "townt4")
		run(0)
		// T5 reports: the chain is answered and the unit is on track.
		f.report(t, tk, "townt5")
		urges, err = f.store.TaskUrges(ctx, tk.ID, f.units["T5"].ID)
		must(t, err)
		for _, u := range urges {
			if u.AnsweredAt.IsZero() {
				t.Errorf("urge %+v not answered by the report", u)
			}
		}
		run(0)
		b, err = f.app.TaskBoard(ctx, f.principals["leadera"], tk.ID)
		must(t, err)
		if b.Counts[oversight.StateOnTrack] != 5 {
			t.Fatalf("board counts %v", b.Counts)
		}
		// Silent again for two working days: a new chain starts at the unit.
		at(25)
		f.report(t, tk, "townt1", "townt2", "townt3", "townt4")
		run(1)
		want(map[string]int{"townt5": 2, "arealead": 1, "leadera": 1})

		// The statistics match the logged records: one active task, five
		// urges sent this year (T4 once, T5 three times and once more),
		// 27 progress reports, one unit behind now, and the bulletin says so.
		sum, err := f.app.StatsSummary(ctx, f.principals["leadera"], app.StatsRequest{Unit: "430802", From: "2026-01-01", To: "2026-03-25"})
		must(t, err)
		if sum.TasksActive != 1 || sum.UrgesSent != 5 || sum.TaskUnitsOnTrack != 4 || sum.TaskUnitsBehind != 1 || sum.TaskUnitsOverdue != 0 ||
			sum.TaskReports != 27 {
			t.Fatalf("summary tasks %d urges %d reports %d on track %d behind %d overdue %d", sum.TasksActive, sum.UrgesSent, sum.TaskReports,
				sum.TaskUnitsOnTrack, sum.TaskUnitsBehind, sum.TaskUnitsOverdue)
		}
		bl, err := f.app.StatsBulletin(ctx, f.principals["leadera"], app.StatsRequest{Unit: "430802", From: "2026-01-01", To: "2026-03-25"})
		must(t, err)
		if !strings.Contains(bl, "开展监督检查1项，督促1个单位加快进度（催办5次）。") {
			t.Errorf("bulletin %q", bl)
		}
	})
}

func TestTaskPermissions(t *testing.T) {
	eachTask(t, func(t *testing.T, f *taskFixture) {
		tk := f.newTask(t)
		// Another target unit's report is refused; so is a unit outside.
		_, err := f.app.ReportProgress(ctx, f.principals["townt1"], tk.ID, oversight.ReportInput{UnitID: f.units["T4"].ID, Note: "代报"})
		wantCode(t, err, apperr.Forbidden, "task.not_target", nil)
		_, err = f.app.ReportProgress(ctx, f.principals["villagev1"], tk.ID, oversight.ReportInput{Note: "x"})
		wantCode(t, err, apperr.NotFound, "", nil)
		_, err = f.app.ReportProgress(ctx, f.principals["townb1"], tk.ID, oversight.ReportInput{Note: "x"})
		wantCode(t, err, apperr.NotFound, "", nil)
		_, err = f.app.ReportProgress(ctx, f.principals["analysta"], tk.ID, oversight.ReportInput{Note: "x"})
		wantCode(t, err, apperr.Forbidden, "", nil)
		_, err = f.app.ReportProgress(ctx, f.principals["townt1"], tk.ID, oversight.ReportInput{})
		wantCode(t, err, apperr.Invalid, "", map[string]string{"note": "task.report_empty"})
		// A township sees the task aimed at it; county B does not.
		if _, err := f.app.GetTask(ctx, f.principals["townt1"], tk.ID); err != nil {
			t.Errorf("target township: %v", err)
		}
		_, err = f.app.GetTask(ctx, f.principals["adminb"], tk.ID)
		wantCode(t, err, apperr.NotFound, "", nil)
		// Only task.manage creates; targets must be in scope.
		_, err = f.app.CreateTask(ctx, f.principals["townt1"], oversight.TaskInput{Title: "x", TargetIDs: []int64{f.units["T1"].ID}, Start: "2026-03-16", End: "2026-03-20"})
		wantCode(t, err, apperr.Forbidden, "", nil)
		_, err = f.app.CreateTask(ctx, f.principals["leadera"], oversight.TaskInput{Title: "x", TargetIDs: []int64{f.units["TB1"].ID}, Start: "2026-03-16", End: "2026-03-20"})
		wantCode(t, err, apperr.Invalid, "", map[string]string{"target_ids": "task.targets_invalid"})
		// A finished task takes no reports; a draft cannot be finished twice.
		_, err = f.app.SetTaskStatus(ctx, f.principals["leadera"], tk.ID, 0, oversight.StatusActive)
		wantCode(t, err, apperr.Conflict, "task.status_invalid", nil)
		_, err = f.app.SetTaskStatus(ctx, f.principals["leadera"], tk.ID, 0, oversight.StatusFinished)
		must(t, err)
		_, err = f.app.ReportProgress(ctx, f.principals["townt1"], tk.ID, oversight.ReportInput{Note: "x"})
		wantCode(t, err, apperr.Conflict, "task.not_active", nil)
	})
}

func TestFindingToClueAndLetter(t *testing.T) {
	eachTask(t, func(t *testing.T, f *taskFixture) {
		tk := f.newTask(t)
		p := f.principals["leadera"]
		fd, err := f.app.AddFinding(ctx, p, tk.ID, oversight.FindingInput{UnitID: f.units["T2"].ID, Title: "窗口工作日未开放",
			Description: "3月16日上午便民服务中心户政窗口无人值守。", Category: "conduct"})
		must(t, err)
		c, err := f.app.FindingToClue(ctx, p, tk.ID, fd.ID)
		must(t, err)
		if c.Source != clue.SourceSupervision || c.SourceType != "task_finding" || c.SourceID != fd.ID || c.Category != "conduct" ||
			c.Subject.UnitID != f.units["T2"].ID {
			t.Fatalf("clue %+v", c)
		}
		_, err = f.app.FindingToClue(ctx, p, tk.ID, fd.ID)
		wantCode(t, err, apperr.Conflict, "clue.source_has_clue", nil)
		clues, n, err := f.store.ListClues(ctx, auth.Scope{Prefixes: []string{"/"}}, store.ClueFilter{})
		must(t, err)
		if n != 1 || clues[0].ID != c.ID {
			t.Fatalf("%d clues", n)
		}
		b, err := f.app.TaskBoard(ctx, p, tk.ID)
		must(t, err)
		if len(b.Findings) != 1 || b.Findings[0].ClueID != c.ID || b.Findings[0].ClueNumber != c.Number {
			t.Fatalf("findings %+v", b.Findings)
		}
		_, err = f.app.AddFinding(ctx, p, tk.ID, oversight.FindingInput{UnitID: f.units["V1"].ID, Title: "x", Description: "y", Category: "conduct"})
		wantCode(t, err, apperr.Invalid, "", map[string]string{"unit_id": "task.unit_not_target"})

		// The same finding also becomes one rectification item, with T2
		// responsible and the leader's commission supervising.
		_, err = f.app.FindingToRectification(ctx, f.principals["townt1"], tk.ID, fd.ID, "安排专人值守", "2026-04-30")
		wantCode(t, err, apperr.Forbidden, "", nil)
		_, err = f.app.FindingToRectification(ctx, p, tk.ID, fd.ID, "", "2026-04-30")
		wantCode(t, err, apperr.Invalid, "", map[string]string{"required": "rect.required"})
		rc, err := f.app.FindingToRectification(ctx, p, tk.ID, fd.ID, "安排专人值守，公开窗口时间", "2026-04-30")
		must(t, err)
		if rc.SourceType != "task_finding" || rc.SourceID != fd.ID || rc.ResponsibleUnitID != f.units["T2"].ID || rc.Title != fd.Title ||
			rc.Problem != fd.Description || rc.Deadline != "2026-04-30" {
			t.Fatalf("rectification %+v", rc)
		}
		_, err = f.app.FindingToRectification(ctx, p, tk.ID, fd.ID, "再来一次", "2026-04-30")
		wantCode(t, err, apperr.Conflict, "task.finding_has_rectification", nil)
		b, err = f.app.TaskBoard(ctx, p, tk.ID)
		must(t, err)
		if b.Findings[0].RectificationID != rc.ID {
			t.Fatalf("finding's rectification %d, want %d", b.Findings[0].RectificationID, rc.ID)
		}

		// The 督办函 gets the county's next number once; a reprint keeps it.
		l, err := f.app.TaskLetter(ctx, p, tk.ID, f.units["T5"].ID)
		must(t, err)
		if l.Number != "永纪督〔2026〕1号" || l.Unit.ID != f.units["T5"].ID {
			t.Fatalf("letter %+v", l)
		}
		l2, err := f.app.TaskLetter(ctx, p, tk.ID, f.units["T5"].ID)
		must(t, err)
		l3, err := f.app.TaskLetter(ctx, p, tk.ID, f.units["T4"].ID)
		must(t, err)
		if l2.Number != l.Number || l3.Number != "永纪督〔2026〕2号" {
			t.Fatalf("reprint %s, next %s", l2.Number, l3.Number)
		}
		_, err = f.app.TaskLetter(ctx, p, tk.ID, f.units["V1"].ID)
		wantCode(t, err, apperr.NotFound, "", nil)
	})
}

func TestCampaign(t *testing.T) {
	eachTask(t, func(t *testing.T, f *taskFixture) {
		p := f.principals["leadera"]
		cp, err := f.app.CreateCampaign(ctx, p, oversight.CampaignInput{Name: "惠民惠农补贴专项整治", Category: "subsidies", Start: "2026-01-01", End: "2026-12-31"})
		must(t, err)
		tk := f.newTask(t)
		must(t, f.app.LinkCampaign(ctx, p, cp.ID, "task", tk.ID))
		in := input("反映村干部截留补贴。")
		in.Source, in.SourceRef = clue.SourceAudit, "审移1号"
		c, err := f.app.RegisterClue(ctx, f.principals["leadera"], in)
		must(t, err)
		must(t, f.app.LinkCampaign(ctx, p, cp.ID, "clue", c.ID))
		must(t, f.app.LinkCampaign(ctx, p, cp.ID, "clue", c.ID)) // twice: once
		other := input("耕地问题")
		other.Category = "farmland"
		_, err = f.app.RegisterClue(ctx, f.principals["leadera"], other)
		must(t, err)
		err = f.app.LinkCampaign(ctx, p, cp.ID, "report", 1)
		wantCode(t, err, apperr.Invalid, "", map[string]string{"object_type": "task.object_type_invalid"})
		f.clock.Set(time.Date(2026, 3, 17, 2, 0, 0, 0, time.UTC))
		pg, err := f.app.Campaign(ctx, p, cp.ID)
		must(t, err)
		want := app_CampaignFigures{Tasks: 1, Behind: 5, LinkedClues: 1, FieldClues: 1}
		got := app_CampaignFigures{Tasks: pg.Figures.Tasks, OnTrack: pg.Figures.OnTrack, Behind: pg.Figures.Behind, Overdue: pg.Figures.Overdue,
			LinkedClues: pg.Figures.LinkedClues, LinkedCases: pg.Figures.LinkedCases, FieldClues: pg.Figures.FieldClues, FieldCases: pg.Figures.FieldCases}
		if got != want || len(pg.Items) != 2 {
			t.Fatalf("figures %+v, items %+v", got, pg.Items)
		}
		_, err = f.app.Campaign(ctx, f.principals["adminb"], cp.ID)
		wantCode(t, err, apperr.NotFound, "", nil)
	})
}

type app_CampaignFigures struct {
	Tasks, OnTrack, Behind, Overdue int
	LinkedClues, LinkedCases        int
	FieldClues, FieldCases          int
}
