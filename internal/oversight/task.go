// Package oversight holds the supervision workflows that are not clue or
// case handling: supervision tasks (监督检查/专项监督) with target units,
// milestones, indicators and progress reports, the task board and urging
// (催办) rules, and campaigns (专项整治). The package is pure: the store
// persists its types and the services in internal/app apply its rules.
package oversight

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/calendar"
	"qingfeng/internal/textclean"
	"qingfeng/internal/workflow"
)

// Kind is the kind of a supervision task.
type Kind string

// The task kinds.
const (
	KindSupervision Kind = "supervision" // 监督检查
	KindSpecial     Kind = "special"     // 专项监督
)

// Status is the state of a task: draft → active → finished.
type Status string

// The task states.
const (
	StatusDraft    Status = "draft"
	StatusActive   Status = "active"
	StatusFinished Status = "finished"
)

// Rhythm is how often target units report progress.
type Rhythm string

// The reporting rhythms.
const (
	RhythmDaily  Rhythm = "daily"
	RhythmWeekly Rhythm = "weekly"
)

// Text sizes (characters) and list bounds.
const (
	MaxTitle      = 100
	MaxText       = 5000
	MaxName       = 50
	MaxTargets    = 200
	MaxMilestones = 50
	MaxIndicators = 20
	MaxValue      = 1e12
)

// Milestone is a dated step every target unit must complete.
type Milestone struct {
	ID    int64
	Title string
	Due   calendar.Date
}

// Indicator is a number target units report, e.g. 办理户政业务 (件). Target,
// when above zero, is the amount each unit should reach by the task's end.
type Indicator struct {
	ID     int64
	Name   string
	Unit   string // unit of measure, e.g. 件, 人次
	Target float64
}

// Target is a unit a task is aimed at.
type Target struct {
	ID       int64 // row id of the target (task_targets)
	UnitID   int64
	UnitName string
	UnitPath string
}

// Task is a supervision task. UnitID is the supervising unit (its path
// decides who may see the task); targets report progress on it.
type Task struct {
	ID          int64
	Number      string // 督办函 numbers are per letter; the task has none
	Title       string
	Description string
	Kind        Kind
	CampaignID  int64
	UnitID      int64
	UnitName    string
	UnitPath    string
	Targets     []Target
	Milestones  []Milestone
	Indicators  []Indicator
	Rhythm      Rhythm
	Weekday     time.Weekday // weekly reports are due on this day
	Start, End  calendar.Date
	Status      Status
	CreatedBy   int64
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TaskInput is a new task as a form or API client submits it. Dates are
// YYYY-MM-DD.
type TaskInput struct {
	Title       string
	Description string
	Kind        Kind
	CampaignID  int64
	UnitID      int64 // supervising unit; 0: the caller's unit
	TargetIDs   []int64
	Milestones  []MilestoneInput
	Indicators  []IndicatorInput
	Rhythm      Rhythm
	Weekday     int // 1 (Monday) .. 5 (Friday); weekly rhythm only (0: Friday)
	Start, End  string
}

// MilestoneInput is a milestone row of TaskInput.
type MilestoneInput struct {
	Title string
	Due   string
}

// IndicatorInput is an indicator row of TaskInput.
type IndicatorInput struct {
	Name   string
	Unit   string
	Target float64
}

// Validate cleans in and turns it into a task (without targets' names and
// paths, which the service fills in). Errors: invalid with field codes
// (title, kind, rhythm, weekday, start, end, target_ids,
// milestones.N.title, milestones.N.due, indicators.N.name,
// indicators.N.unit, indicators.N.target).
func (in *TaskInput) Validate() (Task, error) {
	var v apperr.Validation
	in.Title, in.Description = textclean.Line(in.Title), textclean.Text(in.Description)
	t := Task{Title: in.Title, Description: in.Description, Kind: in.Kind, CampaignID: in.CampaignID, UnitID: in.UnitID,
		Rhythm: in.Rhythm, Status: StatusDraft}
	switch n := utf8.RuneCountInString(in.Title); {
	case n == 0:
		v.Add("title", "task.title_required")
	case n > MaxTitle:
		v.Add("title", "task.title_too_long")
	}
	if utf8.RuneCountInString(in.Description) > MaxText {
		v.Add("description", "task.text_too_long")
	}
	if t.Kind == "" {
		t.Kind = KindSupervision
	}
	if t.Kind != KindSupervision && t.Kind != KindSpecial {
		v.Add("kind", "task.kind_invalid")
	}
	switch t.Rhythm {
	case RhythmDaily:
	case "", RhythmWeekly:
		t.Rhythm = RhythmWeekly
		t.Weekday = time.Friday
		if in.Weekday != 0 {
			if in.Weekday < 1 || in.Weekday > 5 {
				v.Add("weekday", "task.weekday_invalid")
			} else {
				t.Weekday = time.Weekday(in.Weekday)
			}
		}
	default:
		v.Add("rhythm", "task.rhythm_invalid")
	}
	var err error
	if t.Start, err = calendar.ParseDate(in.Start); err != nil {
		v.Add("start", "task.date_invalid")
	}
	if t.End, err = calendar.ParseDate(in.End); err != nil {
		v.Add("end", "task.date_invalid")
	} else if !v.Has("start") && t.End.Before(t.Start) {
		v.Add("end", "task.end_before_start")
	}
	seen := map[int64]bool{}
	for _, id := range in.TargetIDs {
		if id <= 0 || seen[id] {
			v.Add("target_ids", "task.targets_invalid")
			continue
		}
		seen[id] = true
		t.Targets = append(t.Targets, Target{UnitID: id})
	}
	if len(t.Targets) == 0 && !v.Has("target_ids") {
		v.Add("target_ids", "task.targets_required")
	}
	if len(in.TargetIDs) > MaxTargets {
		v.Add("target_ids", "task.targets_too_many")
	}
	if len(in.Milestones) > MaxMilestones {
		v.Add("milestones", "task.rows_too_many")
	}
	for i, m := range in.Milestones {
		m.Title = textclean.Line(m.Title)
		f := fmt.Sprintf("milestones.%d.", i)
		if m.Title == "" && m.Due == "" {
			continue // an empty form row
		}
		if m.Title == "" || utf8.RuneCountInString(m.Title) > MaxTitle {
			v.Add(f+"title", "task.milestone_title_invalid")
		}
		d, err := calendar.ParseDate(m.Due)
		switch {
		case err != nil:
			v.Add(f+"due", "task.date_invalid")
		case !v.Has("start") && !v.Has("end") && (d.Before(t.Start) || d.After(t.End)):
			v.Add(f+"due", "task.milestone_outside")
		}
		t.Milestones = append(t.Milestones, Milestone{Title: m.Title, Due: d})
	}
	if len(in.Indicators) > MaxIndicators {
		v.Add("indicators", "task.rows_too_many")
	}
	names := map[string]bool{}
	for i, ind := range in.Indicators {
		ind.Name, ind.Unit = textclean.Line(ind.Name), textclean.Line(ind.Unit)
		f := fmt.Sprintf("indicators.%d.", i)
		if ind.Name == "" && ind.Unit == "" && ind.Target == 0 {
			continue
		}
		if ind.Name == "" || utf8.RuneCountInString(ind.Name) > MaxName || names[ind.Name] {
			v.Add(f+"name", "task.indicator_name_invalid")
		}
		names[ind.Name] = true
		if ind.Unit == "" || utf8.RuneCountInString(ind.Unit) > 10 {
			v.Add(f+"unit", "task.indicator_unit_invalid")
		}
		if ind.Target < 0 || ind.Target > MaxValue || ind.Target != ind.Target {
			v.Add(f+"target", "task.value_invalid")
		}
		t.Indicators = append(t.Indicators, Indicator{Name: ind.Name, Unit: ind.Unit, Target: ind.Target})
	}
	slices.SortStableFunc(t.Milestones, func(a, b Milestone) int { return a.Due.Compare(b.Due) })
	return t, v.Err()
}

// Report is one progress report of a target unit: indicator values of the
// period (keyed by indicator id; cumulative progress is their sum over a
// unit's reports), milestones completed, and a note.
type Report struct {
	ID             int64
	TaskID         int64
	UnitID         int64
	UnitName       string
	Date           calendar.Date
	Values         map[int64]float64
	MilestonesDone []int64
	Note           string
	CreatedBy      int64
	CreatedByName  string
	CreatedAt      time.Time
}

// ReportInput is a progress report as the phone form or an API client
// submits it.
type ReportInput struct {
	UnitID         int64             `json:"unit_id"`
	Date           string            `json:"date"` // "": today
	Values         map[int64]float64 `json:"values"`
	MilestonesDone []int64           `json:"milestones_done"`
	Note           string            `json:"note"`
}

// Validate checks a report against its task for a unit on the business
// date today. Errors: invalid with field codes (unit_id, date,
// values.ID, milestones_done, note), conflict (task.not_active) when the
// task does not take reports.
func (in *ReportInput) Validate(t Task, today calendar.Date) (Report, error) {
	if t.Status != StatusActive {
		return Report{}, apperr.New(apperr.Conflict, "task.not_active")
	}
	var v apperr.Validation
	in.Note = textclean.Text(in.Note)
	r := Report{TaskID: t.ID, UnitID: in.UnitID, Note: in.Note, Values: map[int64]float64{}}
	if !slices.ContainsFunc(t.Targets, func(g Target) bool { return g.UnitID == in.UnitID }) {
		v.Add("unit_id", "task.unit_not_target")
	}
	if in.Date == "" {
		r.Date = today
	} else if d, err := calendar.ParseDate(in.Date); err != nil {
		v.Add("date", "task.date_invalid")
	} else if d.After(today) || d.Before(t.Start) {
		v.Add("date", "task.report_date_invalid")
	} else {
		r.Date = d
	}
	for id, val := range in.Values {
		if !slices.ContainsFunc(t.Indicators, func(i Indicator) bool { return i.ID == id }) {
			v.Add(fmt.Sprintf("values.%d", id), "task.indicator_unknown")
			continue
		}
		if val < 0 || val > MaxValue || val != val {
			v.Add(fmt.Sprintf("values.%d", id), "task.value_invalid")
			continue
		}
		r.Values[id] = val
	}
	seen := map[int64]bool{}
	for _, id := range in.MilestonesDone {
		if seen[id] {
			continue
		}
		seen[id] = true
		if !slices.ContainsFunc(t.Milestones, func(m Milestone) bool { return m.ID == id }) {
			v.Add("milestones_done", "task.milestone_unknown")
			continue
		}
		r.MilestonesDone = append(r.MilestonesDone, id)
	}
	slices.Sort(r.MilestonesDone)
	if utf8.RuneCountInString(in.Note) > MaxText {
		v.Add("note", "task.text_too_long")
	}
	if in.Note == "" && len(r.Values) == 0 && len(r.MilestonesDone) == 0 && !v.Has("values") {
		v.Add("note", "task.report_empty")
	}
	return r, v.Err()
}

// Rules are the board and urging rules (task_rules.json): data, so an
// operator can read them and a test can pin them.
type Rules struct {
	// ReportAllowance is how many working days may pass after the last
	// report (or the start) before a unit is behind, per rhythm.
	ReportAllowance map[Rhythm]int `json:"report_allowance_workdays"`
	// TolerancePct: an indicator more than this many percent below its
	// linear expectation makes a unit behind.
	TolerancePct float64 `json:"progress_tolerance_pct"`
	// UrgeAreaAfter and UrgeLeaderAfter are the working days without a
	// new report after the previous urge before the next level is urged.
	UrgeAreaAfter   int    `json:"urge_area_after_workdays"`
	UrgeLeaderAfter int    `json:"urge_leader_after_workdays"`
	Note            string `json:"note"`
}

//go:embed task_rules.json
var rulesFS embed.FS

// DefaultRules returns the embedded rules. An error means the embedded
// file is broken (caught by the package tests).
func DefaultRules() (Rules, error) {
	b, err := rulesFS.ReadFile("task_rules.json")
	if err != nil {
		return Rules{}, err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var r Rules
	if err := dec.Decode(&r); err != nil {
		return Rules{}, fmt.Errorf("oversight: task_rules.json: %w", err)
	}
	if r.ReportAllowance[RhythmDaily] < 1 || r.ReportAllowance[RhythmWeekly] < 1 || r.TolerancePct < 0 || r.TolerancePct > 100 ||
		r.UrgeAreaAfter < 1 || r.UrgeLeaderAfter < 1 {
		return Rules{}, fmt.Errorf("oversight: task_rules.json: a value is out of range")
	}
	return r, nil
}

// State is a target unit's standing on the board.
type State string

// The board states, from best to worst.
const (
	StateOnTrack State = "on_track"
	StateBehind  State = "behind"
	StateOverdue State = "overdue"
)

// Standing is a target unit's row on the board: its state, why, its last
// report and its cumulative indicator values.
type Standing struct {
	UnitID     int64
	State      State
	Reasons    []string // message keys: task.reason.milestone_overdue, task.reason.report_late, task.reason.progress_low
	LastReport calendar.Date
	Cumulative map[int64]float64
	Done       map[int64]bool // milestones done
}

// Assess applies the board rule to one target unit of t on the business
// date today, given that unit's reports (any order): overdue when a
// milestone's due date has passed undone; behind when its last report (or
// the start, before the first) lies more working days back than the
// rhythm allows, or an indicator with a target is more than the tolerance
// below its linear expectation over the task's working days; on track
// otherwise (and always before the start and after the task finished).
func Assess(cal *calendar.Calendar, r Rules, t Task, unitID int64, reports []Report, today calendar.Date) Standing {
	s := Standing{UnitID: unitID, State: StateOnTrack, Cumulative: map[int64]float64{}, Done: map[int64]bool{}}
	for _, rep := range reports {
		if rep.UnitID != unitID {
			continue
		}
		if rep.Date.After(s.LastReport) {
			s.LastReport = rep.Date
		}
		for id, v := range rep.Values {
			s.Cumulative[id] += v
		}
		for _, id := range rep.MilestonesDone {
			s.Done[id] = true
		}
	}
	if t.Status != StatusActive || today.Before(t.Start) {
		return s
	}
	for _, m := range t.Milestones {
		if !s.Done[m.ID] && m.Due.Before(today) {
			s.State = StateOverdue
			s.Reasons = append(s.Reasons, "task.reason.milestone_overdue")
			break
		}
	}
	behind := false
	ref := t.Start.AddDays(-1) // no report yet: the start day itself is the first reporting day
	if !s.LastReport.IsZero() {
		ref = s.LastReport
	}
	allow := r.ReportAllowance[t.Rhythm]
	if allow < 1 {
		allow = 1
	}
	if !today.After(t.End) && cal.WorkdaysBetween(ref, today) > allow {
		behind = true
		s.Reasons = append(s.Reasons, "task.reason.report_late")
	}
	last := today
	if last.After(t.End) {
		last = t.End
	}
	total := cal.WorkdaysBetween(t.Start.AddDays(-1), t.End)
	// Progress is expected up to the last completed working day.
	elapsed := cal.WorkdaysBetween(t.Start.AddDays(-1), last.AddDays(-1))
	if total > 0 && elapsed > 0 {
		for _, ind := range t.Indicators {
			if ind.Target <= 0 {
				continue
			}
			expect := ind.Target * float64(elapsed) / float64(total)
			if s.Cumulative[ind.ID] < expect*(1-r.TolerancePct/100) {
				behind = true
				s.Reasons = append(s.Reasons, "task.reason.progress_low")
				break
			}
		}
	}
	if behind && s.State == StateOnTrack {
		s.State = StateBehind
	}
	return s
}

// UrgeLevel is who an urge (催办) goes to.
type UrgeLevel string

// The urge levels, in escalation order.
const (
	UrgeUnit   UrgeLevel = "unit"   // the target unit's reporters
	UrgeArea   UrgeLevel = "area"   // the leader of the unit's area group
	UrgeLeader UrgeLevel = "leader" // the commission's leaders
)

// Urge is one urging notice sent about a target unit of a task. Chain is
// the id of the unit's last report when the urge was sent (0: none): a new
// report starts a new chain.
type Urge struct {
	ID         int64
	TaskID     int64
	UnitID     int64
	UnitName   string
	Level      UrgeLevel
	Chain      int64
	Date       calendar.Date // business date it was sent
	SentAt     time.Time
	Recipients []int64
	AnsweredAt time.Time // when a report ended the chain
}

// NextUrge returns the urge due now for a unit in state st, given the
// urges already sent in its current chain (any order), on the business
// date today: the unit first, when it is behind or overdue; the area
// group's leader UrgeAreaAfter working days after the unit's urge; the
// commission's leaders UrgeLeaderAfter working days after the area's.
// After the leaders nothing more is sent in the chain.
func NextUrge(cal *calendar.Calendar, r Rules, st State, chain []Urge, today calendar.Date) (UrgeLevel, bool) {
	if st == StateOnTrack {
		return "", false
	}
	sent := map[UrgeLevel]calendar.Date{}
	for _, u := range chain {
		sent[u.Level] = u.Date
	}
	if _, ok := sent[UrgeLeader]; ok {
		return "", false
	}
	if d, ok := sent[UrgeArea]; ok {
		return UrgeLeader, cal.WorkdaysBetween(d, today) >= r.UrgeLeaderAfter
	}
	if d, ok := sent[UrgeUnit]; ok {
		return UrgeArea, cal.WorkdaysBetween(d, today) >= r.UrgeAreaAfter
	}
	return UrgeUnit, true
}

// Campaign is a special rectification campaign (专项整治) over a key field
// (a category code of intake/categories.json, as clues and cases use)
// grouping tasks, clues and cases.
type Campaign struct {
	ID          int64
	Name        string
	Category    string
	Start, End  calendar.Date
	Description string
	UnitID      int64
	UnitPath    string
	CreatedAt   time.Time
}

// CampaignInput is a new campaign as a form or API client submits it.
type CampaignInput struct {
	Name        string `json:"name"`
	Category    string `json:"category"`
	Start       string `json:"start"`
	End         string `json:"end"`
	Description string `json:"description"`
}

// Validate checks a campaign against the known category codes. Errors:
// invalid with field codes (name, category, start, end, description).
func (in *CampaignInput) Validate(categories []string) (Campaign, error) {
	var v apperr.Validation
	in.Name, in.Description = textclean.Line(in.Name), textclean.Text(in.Description)
	c := Campaign{Name: in.Name, Category: in.Category, Description: in.Description}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > MaxTitle {
		v.Add("name", "task.campaign_name_invalid")
	}
	if !slices.Contains(categories, in.Category) {
		v.Add("category", "task.category_invalid")
	}
	var err error
	if c.Start, err = calendar.ParseDate(in.Start); err != nil {
		v.Add("start", "task.date_invalid")
	}
	if c.End, err = calendar.ParseDate(in.End); err != nil {
		v.Add("end", "task.date_invalid")
	} else if !v.Has("start") && c.End.Before(c.Start) {
		v.Add("end", "task.end_before_start")
	}
	if utf8.RuneCountInString(in.Description) > MaxText {
		v.Add("description", "task.text_too_long")
	}
	return c, v.Err()
}

// Finding is a problem found during a task at one of its target units; it
// can become a clue (source supervision, source record task_finding) or a
// rectification item.
type Finding struct {
	ID          int64
	TaskID      int64
	UnitID      int64
	UnitName    string
	Title       string
	Description string
	Category    string
	ClueID      int64 // the clue registered from it (0: none)
	ClueNumber  string
	// RectificationID is the rectification item made from it (0: none).
	RectificationID int64
	CreatedBy       int64
	CreatedAt       time.Time
}

// FindingInput is a new finding.
type FindingInput struct {
	UnitID      int64  `json:"unit_id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Category    string `json:"category"`
}

// Validate checks a finding against its task and the category codes.
// Errors: invalid with field codes (unit_id, title, description, category).
func (in *FindingInput) Validate(t Task, categories []string) (Finding, error) {
	var v apperr.Validation
	in.Title, in.Description = textclean.Line(in.Title), textclean.Text(in.Description)
	f := Finding{TaskID: t.ID, UnitID: in.UnitID, Title: in.Title, Description: in.Description, Category: in.Category}
	if !slices.ContainsFunc(t.Targets, func(g Target) bool { return g.UnitID == in.UnitID }) {
		v.Add("unit_id", "task.unit_not_target")
	}
	if in.Title == "" || utf8.RuneCountInString(in.Title) > MaxTitle {
		v.Add("title", "task.title_required")
	}
	if in.Description == "" || utf8.RuneCountInString(in.Description) > MaxText {
		v.Add("description", "task.description_required")
	}
	if !slices.Contains(categories, in.Category) {
		v.Add("category", "task.category_invalid")
	}
	return f, v.Err()
}

// The actions of a task's workflow.
const (
	OpActivate   = "activate"
	OpTaskReport = "report"
	OpFinish     = "finish"
)

// TaskTable is the task workflow as a transition table (docs/workflows.md):
// a draft is activated, target units report while it runs, and it is
// finished. Urging is the worker's, not a transition: it changes no state.
func TaskTable() workflow.Table {
	return workflow.Table{Name: "task", Title: "Supervision task (监督检查)", Start: string(StatusDraft),
		Final: []string{string(StatusFinished)},
		Rows: []workflow.Transition{
			{From: string(StatusDraft), Op: OpActivate, To: string(StatusActive), Perm: auth.PermTaskManage,
				Guard: "supervising unit in the caller's scope"},
			{From: string(StatusActive), Op: OpTaskReport, To: string(StatusActive), Perm: auth.PermTaskReport,
				Guard: "the caller belongs to a target unit; a report ends its urging chain"},
			{From: string(StatusActive), Op: OpFinish, To: string(StatusFinished), Perm: auth.PermTaskManage,
				Guard: "supervising unit in the caller's scope"},
		}}
}

// StatusOp is the workflow action that moves a task to status to ("" when
// no action does).
func StatusOp(to Status) string {
	switch to {
	case StatusActive:
		return OpActivate
	case StatusFinished:
		return OpFinish
	}
	return ""
}
