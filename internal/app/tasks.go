package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/calendar"
	"qingfeng/internal/clue"
	"qingfeng/internal/intake"
	"qingfeng/internal/org"
	"qingfeng/internal/oversight"
	"qingfeng/internal/store"
)

// This file holds the supervision-task services (issue 7): tasks and their
// board, progress reports from target units, the urging worker (催办 with
// escalation), findings and their one-action clue, the oversight letter
// (督办函) and campaigns (专项整治).

// urgeRecheck is how long the urging worker waits before it checks a
// target unit again (a new report makes it due at once).
const urgeRecheck = time.Hour

func (a *App) taskRules() (oversight.Rules, error) {
	r, err := oversight.DefaultRules()
	if err != nil {
		return r, apperr.Wrap(err, apperr.Internal, "error.internal")
	}
	return r, nil
}

func (a *App) today() calendar.Date { return calendar.DateOf(a.Now(), a.Loc) }

// CreateTask creates a draft task (task.manage) supervised by in.UnitID
// (default: the caller's unit) over target units in the caller's
// task.manage scope. Errors: forbidden, invalid (field codes of
// oversight.TaskInput.Validate; unit_id, target_ids, campaign_id when a unit
// or campaign is unknown or out of scope).
func (a *App) CreateTask(ctx context.Context, p auth.Principal, in oversight.TaskInput) (oversight.Task, error) {
	if err := need(p, auth.PermTaskManage); err != nil {
		return oversight.Task{}, err
	}
	t, err := in.Validate()
	if err != nil {
		return t, err
	}
	sc := p.ScopeFor(auth.PermTaskManage)
	if t.UnitID == 0 {
		t.UnitID = p.UnitID
	}
	u, err := a.Store.GetUnit(ctx, t.UnitID)
	if err != nil || !u.Active || !sc.Covers(u.Path) {
		return t, apperr.InvalidField("unit_id", "task.unit_invalid")
	}
	t.UnitPath = u.Path
	for i, g := range t.Targets {
		tu, err := a.Store.GetUnit(ctx, g.UnitID)
		if err != nil || !tu.Active || !sc.Covers(tu.Path) {
			return t, apperr.InvalidField("target_ids", "task.targets_invalid")
		}
		t.Targets[i].UnitName, t.Targets[i].UnitPath = tu.Name, tu.Path
	}
	if t.CampaignID != 0 {
		if _, err := a.GetCampaign(ctx, p, t.CampaignID); err != nil {
			return t, apperr.InvalidField("campaign_id", "task.campaign_invalid")
		}
	}
	return a.Store.CreateTask(ctx, actor(p), t)
}

// visibleTask loads a task the caller may see for perm: its supervising
// unit or one of its targets lies in the caller's scope. Errors:
// not_found (error.not_found.task).
func (a *App) visibleTask(ctx context.Context, p auth.Principal, perm auth.Permission, id int64) (oversight.Task, error) {
	t, err := a.Store.GetTask(ctx, id)
	if err != nil {
		return t, err
	}
	sc := p.ScopeFor(perm)
	if sc.Covers(t.UnitPath) || slices.ContainsFunc(t.Targets, func(g oversight.Target) bool { return sc.Covers(g.UnitPath) }) {
		return t, nil
	}
	return t, apperr.New(apperr.NotFound, "error.not_found.task")
}

// GetTask returns a task the caller may read (task.read; a target unit's
// reporter with task.report sees the tasks aimed at its unit). Errors:
// not_found.
func (a *App) GetTask(ctx context.Context, p auth.Principal, id int64) (oversight.Task, error) {
	t, err := a.visibleTask(ctx, p, auth.PermTaskRead, id)
	if err == nil {
		return t, nil
	}
	if t.ID != 0 && p.Can(auth.PermTaskReport) && slices.ContainsFunc(t.Targets, func(g oversight.Target) bool { return g.UnitID == p.UnitID }) {
		return t, nil
	}
	return oversight.Task{}, err
}

// ListTasks lists the tasks in the caller's task.read scope (supervised or
// aimed at units in it), newest first, with the total. Errors: forbidden.
func (a *App) ListTasks(ctx context.Context, p auth.Principal, f store.TaskFilter) ([]oversight.Task, int, error) {
	if p.Can(auth.PermTaskRead) {
		return a.Store.ListTasks(ctx, p.ScopeFor(auth.PermTaskRead), f)
	}
	if p.Can(auth.PermTaskReport) {
		// A reporter sees the tasks aimed at its own unit.
		return a.Store.ListTasks(ctx, auth.Scope{Prefixes: []string{p.UnitPath}}, f)
	}
	return nil, 0, apperr.New(apperr.Forbidden, "error.forbidden")
}

// SetTaskStatus activates a draft task or finishes an active one
// (task.manage, in scope). Errors: forbidden, not_found, conflict
// (task.status_invalid, error.version_conflict).
func (a *App) SetTaskStatus(ctx context.Context, p auth.Principal, id, version int64, to oversight.Status) (oversight.Task, error) {
	if err := need(p, auth.PermTaskManage); err != nil {
		return oversight.Task{}, err
	}
	t, err := a.visibleTask(ctx, p, auth.PermTaskManage, id)
	if err != nil {
		return t, err
	}
	rows := oversight.TaskTable().Next(string(t.Status), oversight.StatusOp(to))
	if len(rows) != 1 || rows[0].To != string(to) || rows[0].Perm != auth.PermTaskManage {
		return t, apperr.New(apperr.Conflict, "task.status_invalid")
	}
	if version == 0 {
		version = t.Version
	}
	return a.Store.SetTaskStatus(ctx, actor(p), id, version, t.Status, to)
}

// ReportProgress records a progress report (task.report) for a target unit
// the caller belongs to (in.UnitID 0: the caller's unit); it ends the
// unit's urging chain. Errors: forbidden (task.not_target: the caller is
// not a member of a target unit), not_found, invalid (field codes of
// oversight.ReportInput.Validate), conflict (task.not_active).
func (a *App) ReportProgress(ctx context.Context, p auth.Principal, taskID int64, in oversight.ReportInput) (oversight.Report, error) {
	if err := need(p, auth.PermTaskReport); err != nil {
		return oversight.Report{}, err
	}
	if in.UnitID == 0 {
		in.UnitID = p.UnitID
	}
	t, err := a.Store.GetTask(ctx, taskID)
	if err != nil {
		return oversight.Report{}, err
	}
	if in.UnitID != p.UnitID || !slices.ContainsFunc(t.Targets, func(g oversight.Target) bool { return g.UnitID == p.UnitID }) {
		if _, err := a.GetTask(ctx, p, taskID); err != nil {
			return oversight.Report{}, err
		}
		return oversight.Report{}, apperr.New(apperr.Forbidden, "task.not_target")
	}
	r, err := in.Validate(t, a.today())
	if err != nil {
		return r, err
	}
	return a.Store.AddTaskReport(ctx, actor(p), r)
}

// BoardRow is one target unit on a task's board.
type BoardRow struct {
	Target   oversight.Target
	Standing oversight.Standing
	Urges    []oversight.Urge
}

// Board is a task with its board: each target's standing now, its urges,
// the reports and findings.
type Board struct {
	Task     oversight.Task
	Rows     []BoardRow
	Reports  []oversight.Report
	Findings []oversight.Finding
	Counts   map[oversight.State]int
	Today    calendar.Date
}

// TaskBoard returns the board of a task the caller may see. Errors:
// not_found, internal.
func (a *App) TaskBoard(ctx context.Context, p auth.Principal, id int64) (Board, error) {
	t, err := a.GetTask(ctx, p, id)
	if err != nil {
		return Board{}, err
	}
	b, err := a.board(ctx, t)
	if err != nil {
		return b, err
	}
	if b.Findings, err = a.Store.TaskFindings(ctx, id); err != nil {
		return b, err
	}
	return b, nil
}

func (a *App) board(ctx context.Context, t oversight.Task) (Board, error) {
	r, err := a.taskRules()
	if err != nil {
		return Board{}, err
	}
	b := Board{Task: t, Counts: map[oversight.State]int{}, Today: a.today()}
	if b.Reports, err = a.Store.TaskReports(ctx, t.ID, 0); err != nil {
		return b, err
	}
	urges, err := a.Store.TaskUrges(ctx, t.ID, 0)
	if err != nil {
		return b, err
	}
	cal := a.Intake.Calendar()
	for _, g := range t.Targets {
		row := BoardRow{Target: g, Standing: oversight.Assess(cal, r, t, g.UnitID, b.Reports, b.Today)}
		for _, u := range urges {
			if u.UnitID == g.UnitID {
				row.Urges = append(row.Urges, u)
			}
		}
		b.Counts[row.Standing.State]++
		b.Rows = append(b.Rows, row)
	}
	return b, nil
}

// TaskFigures are the board figures of the active tasks in a scope.
type TaskFigures struct {
	Active, OnTrack, Behind, Overdue int
}

// taskFigures assesses every target of the active tasks supervised in sc
// with the pure board rule (the state depends on the calendar and the
// rules, so it is computed here, not in SQL).
func (a *App) taskFigures(ctx context.Context, sc auth.Scope) (TaskFigures, error) {
	var f TaskFigures
	ids, err := a.Store.ActiveTaskIDs(ctx, sc)
	if err != nil {
		return f, err
	}
	for _, id := range ids {
		t, err := a.Store.GetTask(ctx, id)
		if err != nil {
			return f, err
		}
		b, err := a.board(ctx, t)
		if err != nil {
			return f, err
		}
		f.Active++
		f.OnTrack += b.Counts[oversight.StateOnTrack]
		f.Behind += b.Counts[oversight.StateBehind]
		f.Overdue += b.Counts[oversight.StateOverdue]
	}
	return f, nil
}

// RunUrging is the urging worker (the serve command runs it every minute
// with the clock alerts): it claims target units of active tasks due for a
// check (several instances may run side by side), assesses each with the
// board rule, and sends the urge due in the unit's current chain (since
// its last report): to the unit's reporters (task.report) when it is
// behind or overdue, then to its area group's leader, then to the
// commission's leaders, on the working-day schedule of
// oversight/task_rules.json. Each level is sent once per chain (a unique
// row and notification dedup keys). It returns how many urges it sent.
func (a *App) RunUrging(ctx context.Context) (int, error) {
	r, err := a.taskRules()
	if err != nil {
		return 0, err
	}
	claimed, err := a.Store.ClaimUrgeTargets(ctx, 100, 5*time.Minute)
	if err != nil {
		return 0, err
	}
	tasks := map[int64]oversight.Task{}
	sent := 0
	for _, g := range claimed {
		n, err := a.urgeTarget(ctx, r, tasks, g)
		if err != nil {
			return sent, err
		}
		sent += n
		if err := a.Store.ReleaseUrgeTarget(ctx, g.ID, a.Now().Add(urgeRecheck)); err != nil {
			return sent, err
		}
	}
	return sent, nil
}

func (a *App) urgeTarget(ctx context.Context, r oversight.Rules, tasks map[int64]oversight.Task, g store.UrgeTarget) (int, error) {
	t, ok := tasks[g.TaskID]
	if !ok {
		var err error
		if t, err = a.Store.GetTask(ctx, g.TaskID); err != nil {
			return 0, err
		}
		tasks[g.TaskID] = t
	}
	reports, err := a.Store.TaskReports(ctx, t.ID, g.UnitID)
	if err != nil {
		return 0, err
	}
	today := a.today()
	cal := a.Intake.Calendar()
	st := oversight.Assess(cal, r, t, g.UnitID, reports, today)
	chainID, err := a.Store.LastTaskReportID(ctx, t.ID, g.UnitID)
	if err != nil {
		return 0, err
	}
	all, err := a.Store.TaskUrges(ctx, t.ID, g.UnitID)
	if err != nil {
		return 0, err
	}
	var chain []oversight.Urge
	for _, u := range all {
		if u.Chain == chainID {
			chain = append(chain, u)
		}
	}
	level, due := oversight.NextUrge(cal, r, st.State, chain, today)
	if !due {
		return 0, nil
	}
	unit, err := a.Store.GetUnit(ctx, g.UnitID)
	if err != nil {
		return 0, err
	}
	recips, err := a.urgeRecipients(ctx, t, unit, level, today)
	if err != nil {
		return 0, err
	}
	u := oversight.Urge{TaskID: t.ID, UnitID: g.UnitID, Level: level, Chain: chainID, Date: today, Recipients: recips}
	stateZH := map[oversight.State]string{oversight.StateBehind: "进度滞后", oversight.StateOverdue: "节点逾期"}[st.State]
	title := fmt.Sprintf("催办：%s（%s）", t.Title, unit.Name)
	body := fmt.Sprintf("%s在监督检查任务“%s”中%s，请督促尽快报送进展、完成节点。", unit.Name, t.Title, stateZH)
	switch level {
	case oversight.UrgeUnit:
		body = fmt.Sprintf("你单位在监督检查任务“%s”中%s，请尽快报送进展、完成节点。", t.Title, stateZH)
	case oversight.UrgeArea:
		title = "片区催办：" + title[len("催办："):]
	case oversight.UrgeLeader:
		title = "委领导督办：" + title[len("催办："):]
	}
	var ns []store.Notification
	for _, uid := range recips {
		ns = append(ns, store.Notification{UserID: uid, Kind: "urging", Title: title, Body: body, ObjectType: "task", ObjectID: t.ID,
			Link: fmt.Sprintf("/tasks/%d", t.ID), DedupKey: fmt.Sprintf("task:%d:unit:%d:chain:%d:%s", t.ID, g.UnitID, chainID, level)})
	}
	ok, err = a.Store.RecordUrge(ctx, u, st.State, ns)
	if err != nil || !ok {
		return 0, err
	}
	return 1, nil
}

// urgeRecipients are the users an urge of level goes to: the unit's users
// with task.report; the leader of the unit's current area group (their
// user account); the leaders (role leader) of the county commission above
// the supervising unit.
func (a *App) urgeRecipients(ctx context.Context, t oversight.Task, unit org.Unit, level oversight.UrgeLevel, today calendar.Date) ([]int64, error) {
	switch level {
	case oversight.UrgeUnit:
		return a.Store.UsersWithPermission(ctx, unit.ID, auth.PermTaskReport)
	case oversight.UrgeArea:
		ms, err := a.Store.UnitMemberships(ctx, unit.ID)
		if err != nil {
			return nil, err
		}
		day := today.String()
		var out []int64
		for _, m := range ms {
			if m.From > day || (m.To != "" && m.To <= day) {
				continue
			}
			g, err := a.Store.GetAreaGroup(ctx, m.AreaGroupID, day)
			if err != nil || !g.Active || g.LeaderPersonID == 0 {
				continue
			}
			u, _, err := a.Store.GetUserByPerson(ctx, g.LeaderPersonID)
			if err != nil || !u.Active {
				continue
			}
			if !slices.Contains(out, u.ID) {
				out = append(out, u.ID)
			}
		}
		return out, nil
	default:
		su, err := a.Store.GetUnit(ctx, t.UnitID)
		if err != nil {
			return nil, err
		}
		county, err := a.Store.CountyOf(ctx, su)
		if err != nil {
			return nil, nil
		}
		return a.Store.UsersWithRole(ctx, county.ID, auth.RoleLeader)
	}
}

// OversightLetter is a 督办函 of a task to one target unit.
type OversightLetter struct {
	Number   string
	IssuedAt time.Time
	Issuer   org.Unit
	Unit     org.Unit
	Task     oversight.Task
	Row      BoardRow
}

// TaskLetter returns the oversight letter (督办函) of a task to a target
// unit (task.manage): its number (e.g. 永纪督〔2026〕3号, the county
// commission's yearly sequence) is allocated at the first print and kept.
// Errors: forbidden, not_found (task or target).
func (a *App) TaskLetter(ctx context.Context, p auth.Principal, taskID, unitID int64) (OversightLetter, error) {
	if err := need(p, auth.PermTaskManage); err != nil {
		return OversightLetter{}, err
	}
	t, err := a.visibleTask(ctx, p, auth.PermTaskManage, taskID)
	if err != nil {
		return OversightLetter{}, err
	}
	b, err := a.board(ctx, t)
	if err != nil {
		return OversightLetter{}, err
	}
	i := slices.IndexFunc(b.Rows, func(r BoardRow) bool { return r.Target.UnitID == unitID })
	if i < 0 {
		return OversightLetter{}, apperr.New(apperr.NotFound, "error.not_found.task")
	}
	su, err := a.Store.GetUnit(ctx, t.UnitID)
	if err != nil {
		return OversightLetter{}, err
	}
	issuer, err := a.Store.CountyOf(ctx, su)
	if err != nil {
		issuer = su
	}
	unit, err := a.Store.GetUnit(ctx, unitID)
	if err != nil {
		return OversightLetter{}, err
	}
	year := a.Now().In(a.Loc).Year()
	short := shortName(issuer)
	num, at, err := a.Store.TaskLetter(ctx, actor(p), taskID, unitID, issuer.ID, year, func(seq int64) string {
		return fmt.Sprintf("%s纪督〔%d〕%d号", short, year, seq)
	})
	if err != nil {
		return OversightLetter{}, err
	}
	return OversightLetter{Number: num, IssuedAt: at, Issuer: issuer, Unit: unit, Task: t, Row: b.Rows[i]}, nil
}

// AddFinding records a problem found during a task at one of its target
// units (task.manage). Errors: forbidden, not_found, invalid (field codes
// of oversight.FindingInput.Validate).
func (a *App) AddFinding(ctx context.Context, p auth.Principal, taskID int64, in oversight.FindingInput) (oversight.Finding, error) {
	if err := need(p, auth.PermTaskManage); err != nil {
		return oversight.Finding{}, err
	}
	t, err := a.visibleTask(ctx, p, auth.PermTaskManage, taskID)
	if err != nil {
		return oversight.Finding{}, err
	}
	f, err := in.Validate(t, a.categoryCodes())
	if err != nil {
		return f, err
	}
	return a.Store.CreateFinding(ctx, actor(p), f)
}

// FindingToClue registers a task's finding as a clue in one action
// (task.manage and clue.register): source supervision, the finding as its
// source record (task_finding), the target unit as the subject's unit
// (recusal of its members). A finding becomes at most one clue. Errors:
// forbidden, not_found, conflict (clue.source_has_clue), and those of
// RegisterClue.
func (a *App) FindingToClue(ctx context.Context, p auth.Principal, taskID, findingID int64) (clue.Clue, error) {
	if err := need(p, auth.PermTaskManage); err != nil {
		return clue.Clue{}, err
	}
	t, err := a.visibleTask(ctx, p, auth.PermTaskManage, taskID)
	if err != nil {
		return clue.Clue{}, err
	}
	f, err := a.Store.GetFinding(ctx, findingID)
	if err != nil || f.TaskID != t.ID {
		return clue.Clue{}, apperr.New(apperr.NotFound, "error.not_found.finding")
	}
	if f.ClueID != 0 {
		return clue.Clue{}, apperr.New(apperr.Conflict, "clue.source_has_clue")
	}
	unit, err := a.Store.GetUnit(ctx, f.UnitID)
	if err != nil {
		return clue.Clue{}, err
	}
	level := intake.LevelOther
	switch unit.Kind {
	case org.KindTownship:
		level = intake.LevelTownship
	case org.KindVillage:
		level = intake.LevelVillage
	}
	in := clue.Input{Source: clue.SourceSupervision, SourceType: "task_finding", SourceID: f.ID, SourceRef: t.Title,
		Title: f.Title, Content: f.Description, Category: f.Category,
		Subject: clue.Subject{Name: unit.Name, Unit: unit.Name, Level: string(level), UnitID: unit.ID}}
	return a.RegisterClue(ctx, p, in)
}

// FindingToRectification turns a task's finding into a rectification item
// with one action (task.manage over the task): the finding's unit is
// responsible, its title and description are the problem, the caller's
// unit supervises, with the measures required and the deadline given.
// Errors: as FindingToClue; conflict "task.finding_has_rectification"
// when the finding already has one; invalid (CreateRectification's field
// codes).
func (a *App) FindingToRectification(ctx context.Context, p auth.Principal, taskID, findingID int64, required, deadline string) (oversight.Rectification, error) {
	if err := need(p, auth.PermTaskManage); err != nil {
		return oversight.Rectification{}, err
	}
	t, err := a.visibleTask(ctx, p, auth.PermTaskManage, taskID)
	if err != nil {
		return oversight.Rectification{}, err
	}
	f, err := a.Store.GetFinding(ctx, findingID)
	if err != nil || f.TaskID != t.ID {
		return oversight.Rectification{}, apperr.New(apperr.NotFound, "error.not_found.finding")
	}
	if id, err := a.Store.FindingRectification(ctx, f.ID); err != nil {
		return oversight.Rectification{}, err
	} else if id != 0 {
		return oversight.Rectification{}, apperr.New(apperr.Conflict, "task.finding_has_rectification")
	}
	problem := f.Description
	if problem == "" {
		problem = f.Title
	}
	return a.CreateRectification(ctx, p, oversight.RectificationInput{Title: f.Title, Problem: problem, Required: required,
		ResponsibleUnitID: f.UnitID, Deadline: deadline, SourceType: "task_finding", SourceID: f.ID})
}

// CreateCampaign creates a campaign (task.manage) held by the caller's
// unit. Errors: forbidden, invalid (field codes of
// oversight.CampaignInput.Validate).
func (a *App) CreateCampaign(ctx context.Context, p auth.Principal, in oversight.CampaignInput) (oversight.Campaign, error) {
	if err := need(p, auth.PermTaskManage); err != nil {
		return oversight.Campaign{}, err
	}
	c, err := in.Validate(a.categoryCodes())
	if err != nil {
		return c, err
	}
	c.UnitID, c.UnitPath = p.UnitID, p.UnitPath
	return a.Store.CreateCampaign(ctx, actor(p), c)
}

// ListCampaigns lists the campaigns in the caller's task.read scope.
// Errors: forbidden.
func (a *App) ListCampaigns(ctx context.Context, p auth.Principal, pg store.Page) ([]oversight.Campaign, int, error) {
	if err := need(p, auth.PermTaskRead); err != nil {
		return nil, 0, err
	}
	return a.Store.ListCampaigns(ctx, p.ScopeFor(auth.PermTaskRead), pg)
}

// GetCampaign returns a campaign in the caller's task.read scope. Errors:
// not_found.
func (a *App) GetCampaign(ctx context.Context, p auth.Principal, id int64) (oversight.Campaign, error) {
	c, err := a.Store.GetCampaign(ctx, id)
	if err != nil {
		return c, err
	}
	if !p.ScopeFor(auth.PermTaskRead).Covers(c.UnitPath) {
		return oversight.Campaign{}, apperr.New(apperr.NotFound, "error.not_found.campaign")
	}
	return c, nil
}

// CampaignPage is a campaign with its linked records and figures.
type CampaignPage struct {
	Campaign oversight.Campaign
	Items    []store.CampaignItem
	Tasks    []oversight.Task
	Figures  CampaignFigures
}

// CampaignFigures are a campaign's own figures: its tasks' target units by
// board state, the clues and cases linked to it, and the clues received
// and cases filed in its key field and period in the caller's scope.
type CampaignFigures struct {
	Tasks       int `json:"tasks"`
	OnTrack     int `json:"on_track"`
	Behind      int `json:"behind"`
	Overdue     int `json:"overdue"`
	LinkedClues int `json:"linked_clues"`
	LinkedCases int `json:"linked_cases"`
	FieldClues  int `json:"field_clues"`
	FieldCases  int `json:"field_cases"`
}

// Campaign returns a campaign's page. Errors: not_found.
func (a *App) Campaign(ctx context.Context, p auth.Principal, id int64) (CampaignPage, error) {
	c, err := a.GetCampaign(ctx, p, id)
	if err != nil {
		return CampaignPage{}, err
	}
	out := CampaignPage{Campaign: c}
	if out.Items, err = a.Store.CampaignItems(ctx, id); err != nil {
		return out, err
	}
	for _, it := range out.Items {
		switch it.ObjectType {
		case "clue":
			out.Figures.LinkedClues++
		case "case":
			out.Figures.LinkedCases++
		}
	}
	tasks, _, err := a.Store.ListTasks(ctx, p.ScopeFor(auth.PermTaskRead), store.TaskFilter{CampaignID: id, Page: store.Page{Limit: 500}})
	if err != nil {
		return out, err
	}
	for _, t := range tasks {
		full, err := a.Store.GetTask(ctx, t.ID)
		if err != nil {
			return out, err
		}
		b, err := a.board(ctx, full)
		if err != nil {
			return out, err
		}
		out.Tasks = append(out.Tasks, full)
		out.Figures.Tasks++
		out.Figures.OnTrack += b.Counts[oversight.StateOnTrack]
		out.Figures.Behind += b.Counts[oversight.StateBehind]
		out.Figures.Overdue += b.Counts[oversight.StateOverdue]
	}
	from, to := c.Start.StartIn(a.Loc), c.End.AddDays(1).StartIn(a.Loc)
	out.Figures.FieldClues, out.Figures.FieldCases, err = a.Store.CampaignFieldCounts(ctx, p.ScopeFor(auth.PermTaskRead), c.Category, from, to)
	return out, err
}

// LinkCampaign links a clue, case or task the caller may see to a campaign
// (task.manage). Errors: forbidden, not_found, invalid (object_type).
func (a *App) LinkCampaign(ctx context.Context, p auth.Principal, id int64, objectType string, objectID int64) error {
	if err := need(p, auth.PermTaskManage); err != nil {
		return err
	}
	if _, err := a.GetCampaign(ctx, p, id); err != nil {
		return err
	}
	var err error
	switch objectType {
	case "clue":
		_, err = a.GetClue(ctx, p, objectID)
	case "case":
		_, err = a.GetCase(ctx, p, objectID)
	case "task":
		_, err = a.visibleTask(ctx, p, auth.PermTaskManage, objectID)
	default:
		return apperr.InvalidField("object_type", "task.object_type_invalid")
	}
	if err != nil {
		return err
	}
	return a.Store.LinkCampaignItem(ctx, actor(p), id, objectType, objectID)
}

// TaskTargetChoices are the units a task form offers as targets: the
// township commissions, offices and dispatched groups in the caller's
// task.manage scope (an API client may aim at any unit in scope).
func (a *App) TaskTargetChoices(ctx context.Context, p auth.Principal) ([]org.Unit, error) {
	if err := need(p, auth.PermTaskManage); err != nil {
		return nil, err
	}
	us, _, err := a.Store.ListUnits(ctx, p.ScopeFor(auth.PermTaskManage), store.UnitFilter{
		Kinds: []org.Kind{org.KindTownship, org.KindOffice, org.KindDispatched}, Page: store.Page{Limit: 500}})
	return us, err
}

// TaskReports returns the progress reports of a task the caller may see,
// newest first. Errors: not_found.
func (a *App) TaskReports(ctx context.Context, p auth.Principal, id int64) ([]oversight.Report, error) {
	if _, err := a.GetTask(ctx, p, id); err != nil {
		return nil, err
	}
	return a.Store.TaskReports(ctx, id, 0)
}
