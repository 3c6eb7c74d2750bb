package api

import (
	"net/http"
	"strconv"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/oversight"
	"qingfeng/internal/store"
)

// taskRoutes are the supervision task and campaign routes (issue 7).
func (x *API) taskRoutes() []route {
	return []route{
		{"GET", "/tasks", false, x.listTasks},
		{"POST", "/tasks", false, x.createTask},
		{"GET", "/tasks/{id}", false, x.getTask},
		{"POST", "/tasks/{id}/status", false, x.taskStatus},
		{"POST", "/tasks/{id}/reports", false, x.taskReport},
		{"POST", "/tasks/{id}/findings", false, x.taskFinding},
		{"POST", "/tasks/{id}/findings/{fid}/clue", false, x.findingClue},
		{"POST", "/tasks/{id}/findings/{fid}/rectification", false, x.findingRectification},
		{"GET", "/campaigns", false, x.listCampaigns},
		{"POST", "/campaigns", false, x.createCampaign},
		{"GET", "/campaigns/{id}", false, x.getCampaign},
		{"POST", "/campaigns/{id}/items", false, x.linkCampaign},
	}
}

// TaskIn is a new task in the API.
type TaskIn struct {
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Kind        string  `json:"kind"`
	CampaignID  int64   `json:"campaign_id"`
	UnitID      int64   `json:"unit_id"`
	TargetIDs   []int64 `json:"target_ids"`
	Milestones  []struct {
		Title string `json:"title"`
		Due   string `json:"due"`
	} `json:"milestones"`
	Indicators []struct {
		Name   string  `json:"name"`
		Unit   string  `json:"unit"`
		Target float64 `json:"target"`
	} `json:"indicators"`
	Rhythm   string `json:"rhythm"`
	Weekday  int    `json:"weekday"`
	Start    string `json:"start"`
	End      string `json:"end"`
	Activate bool   `json:"activate"`
}

// Task is a task in the API; Board is set on a single task.
type Task struct {
	ID          int64                   `json:"id"`
	Title       string                  `json:"title"`
	Description string                  `json:"description"`
	Kind        oversight.Kind          `json:"kind"`
	CampaignID  int64                   `json:"campaign_id,omitempty"`
	UnitID      int64                   `json:"unit_id"`
	Unit        string                  `json:"unit"`
	Rhythm      oversight.Rhythm        `json:"rhythm"`
	Weekday     int                     `json:"weekday,omitempty"`
	Start       string                  `json:"start"`
	End         string                  `json:"end"`
	Status      oversight.Status        `json:"status"`
	Version     int64                   `json:"version"`
	Targets     []TaskTarget            `json:"targets,omitempty"`
	Milestones  []TaskMilestone         `json:"milestones,omitempty"`
	Indicators  []TaskIndicator         `json:"indicators,omitempty"`
	Board       []BoardRow              `json:"board,omitempty"`
	Counts      map[oversight.State]int `json:"counts,omitempty"`
	Findings    []Finding               `json:"findings,omitempty"`
	CreatedAt   time.Time               `json:"created_at"`
}

// TaskTarget is a target unit of a task.
type TaskTarget struct {
	UnitID int64  `json:"unit_id"`
	Unit   string `json:"unit"`
}

// TaskMilestone is a milestone of a task.
type TaskMilestone struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
	Due   string `json:"due"`
}

// TaskIndicator is an indicator of a task.
type TaskIndicator struct {
	ID     int64   `json:"id"`
	Name   string  `json:"name"`
	Unit   string  `json:"unit"`
	Target float64 `json:"target,omitempty"`
}

// BoardRow is a target unit's row on a task's board.
type BoardRow struct {
	UnitID     int64             `json:"unit_id"`
	Unit       string            `json:"unit"`
	State      oversight.State   `json:"state"`
	Reasons    []string          `json:"reasons,omitempty"`
	LastReport string            `json:"last_report,omitempty"`
	Cumulative map[int64]float64 `json:"cumulative"`
	Urges      []Urge            `json:"urges,omitempty"`
}

// Urge is an urge sent about a target unit.
type Urge struct {
	Level      oversight.UrgeLevel `json:"level"`
	Date       string              `json:"date"`
	SentAt     time.Time           `json:"sent_at"`
	Recipients int                 `json:"recipients"`
	AnsweredAt *time.Time          `json:"answered_at,omitempty"`
}

// Finding is a finding of a task.
type Finding struct {
	ID          int64  `json:"id"`
	UnitID      int64  `json:"unit_id"`
	Unit        string `json:"unit"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Category    string `json:"category"`
	ClueID      int64  `json:"clue_id,omitempty"`
	ClueNumber  string `json:"clue_number,omitempty"`
}

func taskJSON(t oversight.Task) Task {
	out := Task{ID: t.ID, Title: t.Title, Description: t.Description, Kind: t.Kind, CampaignID: t.CampaignID, UnitID: t.UnitID, Unit: t.UnitName,
		Rhythm: t.Rhythm, Start: t.Start.String(), End: t.End.String(), Status: t.Status, Version: t.Version, CreatedAt: t.CreatedAt}
	if t.Rhythm == oversight.RhythmWeekly {
		out.Weekday = int(t.Weekday)
	}
	for _, g := range t.Targets {
		out.Targets = append(out.Targets, TaskTarget{UnitID: g.UnitID, Unit: g.UnitName})
	}
	for _, m := range t.Milestones {
		out.Milestones = append(out.Milestones, TaskMilestone{ID: m.ID, Title: m.Title, Due: m.Due.String()})
	}
	for _, i := range t.Indicators {
		out.Indicators = append(out.Indicators, TaskIndicator{ID: i.ID, Name: i.Name, Unit: i.Unit, Target: i.Target})
	}
	return out
}

func findingJSON(f oversight.Finding) Finding {
	return Finding{ID: f.ID, UnitID: f.UnitID, Unit: f.UnitName, Title: f.Title, Description: f.Description, Category: f.Category,
		ClueID: f.ClueID, ClueNumber: f.ClueNumber}
}

func boardJSON(b app.Board) Task {
	out := taskJSON(b.Task)
	out.Counts = b.Counts
	for _, r := range b.Rows {
		row := BoardRow{UnitID: r.Target.UnitID, Unit: r.Target.UnitName, State: r.Standing.State, Reasons: r.Standing.Reasons,
			Cumulative: r.Standing.Cumulative}
		if !r.Standing.LastReport.IsZero() {
			row.LastReport = r.Standing.LastReport.String()
		}
		for _, u := range r.Urges {
			row.Urges = append(row.Urges, Urge{Level: u.Level, Date: u.Date.String(), SentAt: u.SentAt, Recipients: len(u.Recipients),
				AnsweredAt: optTime(u.AnsweredAt)})
		}
		out.Board = append(out.Board, row)
	}
	for _, f := range b.Findings {
		out.Findings = append(out.Findings, findingJSON(f))
	}
	return out
}

func (x *API) listTasks(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	f := store.TaskFilter{Status: oversight.Status(r.URL.Query().Get("status")), Page: store.Page{Limit: limit, Offset: offset}}
	if s := r.URL.Query().Get("campaign_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return apperr.InvalidField("campaign_id", "task.campaign_invalid")
		}
		f.CampaignID = id
	}
	ts, total, err := x.app.ListTasks(r.Context(), principal(r), f)
	if err != nil {
		return err
	}
	items := make([]Task, 0, len(ts))
	for _, t := range ts {
		items = append(items, taskJSON(t))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
}

func (x *API) createTask(w http.ResponseWriter, r *http.Request) error {
	var in TaskIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	ti := oversight.TaskInput{Title: in.Title, Description: in.Description, Kind: oversight.Kind(in.Kind), CampaignID: in.CampaignID,
		UnitID: in.UnitID, TargetIDs: in.TargetIDs, Rhythm: oversight.Rhythm(in.Rhythm), Weekday: in.Weekday, Start: in.Start, End: in.End}
	for _, m := range in.Milestones {
		ti.Milestones = append(ti.Milestones, oversight.MilestoneInput{Title: m.Title, Due: m.Due})
	}
	for _, i := range in.Indicators {
		ti.Indicators = append(ti.Indicators, oversight.IndicatorInput{Name: i.Name, Unit: i.Unit, Target: i.Target})
	}
	p := principal(r)
	t, err := x.app.CreateTask(r.Context(), p, ti)
	if err != nil {
		return err
	}
	if in.Activate {
		if t, err = x.app.SetTaskStatus(r.Context(), p, t.ID, t.Version, oversight.StatusActive); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusCreated, taskJSON(t))
}

func (x *API) getTask(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "task")
	if err != nil {
		return err
	}
	b, err := x.app.TaskBoard(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, boardJSON(b))
}

// TaskStatusIn moves a task: status active (from draft) or finished.
type TaskStatusIn struct {
	Status  string `json:"status"`
	Version int64  `json:"version"`
}

func (x *API) taskStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "task")
	if err != nil {
		return err
	}
	var in TaskStatusIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	t, err := x.app.SetTaskStatus(r.Context(), principal(r), id, in.Version, oversight.Status(in.Status))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, taskJSON(t))
}

// TaskReportOut is a stored progress report.
type TaskReportOut struct {
	ID             int64             `json:"id"`
	TaskID         int64             `json:"task_id"`
	UnitID         int64             `json:"unit_id"`
	Date           string            `json:"date"`
	Values         map[int64]float64 `json:"values"`
	MilestonesDone []int64           `json:"milestones_done"`
	Note           string            `json:"note"`
}

func (x *API) taskReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "task")
	if err != nil {
		return err
	}
	var in oversight.ReportInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	rep, err := x.app.ReportProgress(r.Context(), principal(r), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, TaskReportOut{ID: rep.ID, TaskID: rep.TaskID, UnitID: rep.UnitID, Date: rep.Date.String(),
		Values: rep.Values, MilestonesDone: rep.MilestonesDone, Note: rep.Note})
}

func (x *API) taskFinding(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "task")
	if err != nil {
		return err
	}
	var in oversight.FindingInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	f, err := x.app.AddFinding(r.Context(), principal(r), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, findingJSON(f))
}

func (x *API) findingClue(w http.ResponseWriter, r *http.Request) error {
	id, fid, err := findingIDs(r)
	if err != nil {
		return err
	}
	c, err := x.app.FindingToClue(r.Context(), principal(r), id, fid)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, clueJSON(c))
}

// findingIDs reads the task and finding ids of a finding's path. Errors:
// not_found.
func findingIDs(r *http.Request) (int64, int64, error) {
	id, err := pathID(r, "task")
	if err != nil {
		return 0, 0, err
	}
	fid, err := strconv.ParseInt(r.PathValue("fid"), 10, 64)
	if err != nil || fid <= 0 {
		return 0, 0, apperr.New(apperr.NotFound, "error.not_found.finding")
	}
	return id, fid, nil
}

// FindingRectificationIn is the body of POST
// /tasks/{id}/findings/{fid}/rectification.
type FindingRectificationIn struct {
	Required string `json:"required"`
	Deadline string `json:"deadline"`
}

func (x *API) findingRectification(w http.ResponseWriter, r *http.Request) error {
	id, fid, err := findingIDs(r)
	if err != nil {
		return err
	}
	var in FindingRectificationIn
	if err := decode(w, r, &in); err != nil {
		return badRequest{err}
	}
	rc, err := x.app.FindingToRectification(r.Context(), principal(r), id, fid, in.Required, in.Deadline)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, rectJSON(rc))
}

// Campaign is a campaign in the API; Figures and Items are set on one.
type Campaign struct {
	ID          int64                `json:"id"`
	Name        string               `json:"name"`
	Category    string               `json:"category"`
	Start       string               `json:"start"`
	End         string               `json:"end"`
	Description string               `json:"description"`
	Figures     *app.CampaignFigures `json:"figures,omitempty"`
	Items       []CampaignItem       `json:"items,omitempty"`
}

// CampaignItem is a record linked to a campaign.
type CampaignItem struct {
	ObjectType string `json:"object_type"`
	ObjectID   int64  `json:"object_id"`
	Number     string `json:"number,omitempty"`
	Title      string `json:"title"`
	Status     string `json:"status"`
}

func campaignJSON(c oversight.Campaign) Campaign {
	return Campaign{ID: c.ID, Name: c.Name, Category: c.Category, Start: c.Start.String(), End: c.End.String(), Description: c.Description}
}

func (x *API) listCampaigns(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	cs, total, err := x.app.ListCampaigns(r.Context(), principal(r), store.Page{Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	items := make([]Campaign, 0, len(cs))
	for _, c := range cs {
		items = append(items, campaignJSON(c))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
}

func (x *API) createCampaign(w http.ResponseWriter, r *http.Request) error {
	var in oversight.CampaignInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c, err := x.app.CreateCampaign(r.Context(), principal(r), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, campaignJSON(c))
}

func (x *API) getCampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "campaign")
	if err != nil {
		return err
	}
	pg, err := x.app.Campaign(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	out := campaignJSON(pg.Campaign)
	out.Figures = &pg.Figures
	for _, it := range pg.Items {
		out.Items = append(out.Items, CampaignItem{ObjectType: it.ObjectType, ObjectID: it.ObjectID, Number: it.Number, Title: it.Title, Status: it.Status})
	}
	return writeJSON(w, http.StatusOK, out)
}

// CampaignItemIn links a clue, case or task to a campaign.
type CampaignItemIn struct {
	ObjectType string `json:"object_type"`
	ObjectID   int64  `json:"object_id"`
}

func (x *API) linkCampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "campaign")
	if err != nil {
		return err
	}
	var in CampaignItemIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := x.app.LinkCampaign(r.Context(), principal(r), id, in.ObjectType, in.ObjectID); err != nil {
		return err
	}
	return x.getCampaign(w, r)
}
