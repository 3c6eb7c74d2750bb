package api

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/calendar"
	"qingfeng/internal/casework"
	"qingfeng/internal/store"
)

// caseRoutes are the case routes: filing, the case ledger, the case page,
// the workflow's transitions, measures and the outcome of each subject.
func (x *API) caseRoutes() []route {
	return []route{
		{"GET", "/cases", false, x.listCases},
		{"POST", "/cases", false, x.createCase},
		{"GET", "/cases/{id}", false, x.getCase},
		{"POST", "/cases/{id}/transitions", false, x.caseTransition},
		{"POST", "/cases/{id}/measures", false, x.takeMeasure},
		{"POST", "/cases/{id}/subjects/{subject_id}/outcomes", false, x.recordOutcome},
		{"GET", "/measures", false, x.listMeasures},
	}
}

// MeasureRow is a running measure on the measures screen (措施期限预警):
// its case and subject, and the state of its statutory clock (due and
// days_left absent for a measure without one; days_left negative when
// overdue).
type MeasureRow struct {
	ID          int64                    `json:"id"`
	CaseID      int64                    `json:"case_id"`
	CaseNumber  string                   `json:"case_number"`
	CaseStatus  casework.Status          `json:"case_status"`
	LeadUnitID  int64                    `json:"lead_unit_id"`
	LeadUnit    string                   `json:"lead_unit"`
	SubjectID   int64                    `json:"subject_id"`
	SubjectName string                   `json:"subject_name"`
	Kind        casework.MeasureKind     `json:"kind"`
	Level       casework.CommissionLevel `json:"level"`
	StartedAt   time.Time                `json:"started_at"`
	ClockCode   string                   `json:"clock_code,omitempty"`
	DueAt       *time.Time               `json:"due_at,omitempty"`
	RemindAt    *time.Time               `json:"remind_at,omitempty"`
	DaysLeft    *int                     `json:"days_left,omitempty"`
	State       calendar.State           `json:"state"`
}

func (x *API) listMeasures(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	p := principal(r)
	q := r.URL.Query()
	f, err := x.app.MeasureFilter(r.Context(), p, app.MeasureQuery{Unit: q.Get("unit"), AreaGroup: q.Get("area_group"), State: q.Get("state")})
	if err != nil {
		return err
	}
	f.Page = store.Page{Limit: limit, Offset: offset}
	rows, total, err := x.app.ListMeasures(r.Context(), p, f)
	if err != nil {
		return err
	}
	out := make([]MeasureRow, 0, len(rows))
	for _, m := range rows {
		row := MeasureRow{ID: m.ID, CaseID: m.CaseID, CaseNumber: m.CaseNumber, CaseStatus: m.CaseStatus, LeadUnitID: m.LeadUnitID,
			LeadUnit: m.LeadUnitName, SubjectID: m.SubjectID, SubjectName: m.SubjectName, Kind: m.Kind, Level: m.Level,
			StartedAt: m.StartedAt, State: m.State}
		if m.HasClock() {
			days := m.DaysLeft
			row.ClockCode, row.DueAt, row.RemindAt, row.DaysLeft = m.Clock.Code, optTime(m.Clock.DueAt), optTime(m.Clock.RemindAt), &days
		}
		out = append(out, row)
	}
	return writeJSON(w, http.StatusOK, list[MeasureRow]{Items: out, Total: total, Limit: limit, Offset: offset})
}

// Case is a case ledger row in the API.
type Case struct {
	ID           int64           `json:"id"`
	Number       string          `json:"number"`
	LedgerUnitID int64           `json:"ledger_unit_id"`
	LeadUnitID   int64           `json:"lead_unit_id"`
	LeadUnit     string          `json:"lead_unit"`
	Category     string          `json:"category"`
	Cause        string          `json:"cause"`
	Summary      string          `json:"summary,omitempty"`
	ClueID       int64           `json:"clue_id,omitempty"`
	ClueNumber   string          `json:"clue_number,omitempty"`
	DirectReason string          `json:"direct_reason,omitempty"`
	Supervision  bool            `json:"supervision"`
	Joint        bool            `json:"joint"`
	AreaGroupID  int64           `json:"area_group_id,omitempty"`
	Status       casework.Status `json:"status"`
	MergedInto   int64           `json:"merged_into,omitempty"`
	FiledAt      *time.Time      `json:"filed_at,omitempty"`
	ReviewAt     *time.Time      `json:"review_at,omitempty"`
	ClosedAt     *time.Time      `json:"closed_at,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
	Version      int64           `json:"version"`
	Subjects     []CaseSubject   `json:"subjects,omitempty"`
}

// CaseSubject is a subject of a case (被审查调查人) in the API.
type CaseSubject struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Unit        string `json:"unit,omitempty"`
	Post        string `json:"post,omitempty"`
	Rank        string `json:"rank"`
	Category    string `json:"category"`
	PartyMember bool   `json:"party_member"`
	UnitID      int64  `json:"unit_id,omitempty"`
	// Outcome is what was proposed or decided for the subject (null before),
	// Form the four form derived from it (0: none).
	Outcome       *OutcomeJSON `json:"outcome"`
	Form          int          `json:"form"`
	AnnouncedAt   *time.Time   `json:"announced_at,omitempty"`
	ExecutedAt    *time.Time   `json:"executed_at,omitempty"`
	ReportedAt    *time.Time   `json:"reported_at,omitempty"`
	TransferredAt *time.Time   `json:"transferred_at,omitempty"`
}

// OutcomeJSON is the outcome of one subject in the API (the body of POST
// /cases/{id}/subjects/{subject_id}/outcomes, and the subject's outcome in
// the case). Funds are in fen.
type OutcomeJSON struct {
	Version        int64                  `json:"version,omitempty"`
	Party          casework.PartySanction `json:"party,omitempty"`
	ProbationYears int                    `json:"probation_years,omitempty"`
	Gov            casework.GovSanction   `json:"gov,omitempty"`
	Org            []casework.OrgAction   `json:"org,omitempty"`
	First          []casework.FirstForm   `json:"first,omitempty"`
	Transferred    bool                   `json:"transferred,omitempty"`
	Convicted      bool                   `json:"convicted,omitempty"`
	Withdrawn      bool                   `json:"withdrawn,omitempty"`
	ConfiscatedFen int64                  `json:"confiscated_fen,omitempty"`
	RecoveredFen   int64                  `json:"recovered_fen,omitempty"`
	OrderedFen     int64                  `json:"ordered_fen,omitempty"`
	ReturnedFen    int64                  `json:"returned_fen,omitempty"`
	Note           string                 `json:"note,omitempty"`
	DecidedAt      *time.Time             `json:"decided_at,omitempty"`
}

func (o OutcomeJSON) outcome() casework.Outcome {
	return casework.Outcome{Party: o.Party, ProbationYears: o.ProbationYears, Gov: o.Gov, Org: o.Org, First: o.First,
		Transferred: o.Transferred, Convicted: o.Convicted, Withdrawn: o.Withdrawn, ConfiscatedFen: o.ConfiscatedFen,
		RecoveredFen: o.RecoveredFen, OrderedFen: o.OrderedFen, ReturnedFen: o.ReturnedFen, Note: o.Note}
}

func outcomeJSON(o *casework.Outcome) *OutcomeJSON {
	if o == nil {
		return nil
	}
	return &OutcomeJSON{Party: o.Party, ProbationYears: o.ProbationYears, Gov: o.Gov, Org: o.Org, First: o.First,
		Transferred: o.Transferred, Convicted: o.Convicted, Withdrawn: o.Withdrawn, ConfiscatedFen: o.ConfiscatedFen,
		RecoveredFen: o.RecoveredFen, OrderedFen: o.OrderedFen, ReturnedFen: o.ReturnedFen, Note: o.Note,
		DecidedAt: optTime(o.DecidedAt)}
}

func caseJSON(c store.CaseRow) Case {
	out := Case{ID: c.ID, Number: c.Number, LedgerUnitID: c.LedgerUnitID, LeadUnitID: c.LeadUnitID, LeadUnit: c.LeadUnitName,
		Category: c.Category, Cause: c.Cause, Summary: c.Summary, ClueID: c.ClueID, ClueNumber: c.ClueNumber, DirectReason: c.DirectReason,
		Supervision: c.Supervision, Joint: c.Joint, AreaGroupID: c.AreaGroupID, Status: c.Status, MergedInto: c.MergedInto, FiledAt: optTime(c.FiledAt),
		ReviewAt: optTime(c.ReviewAt), ClosedAt: optTime(c.ClosedAt), CreatedAt: c.CreatedAt, Version: c.Version}
	for _, s := range c.Subjects {
		out.Subjects = append(out.Subjects, CaseSubject{ID: s.ID, Name: s.Name, Unit: s.Unit, Post: s.Post, Rank: s.Rank,
			Category: s.Category, PartyMember: s.PartyMember, UnitID: s.UnitID, Outcome: outcomeJSON(s.Outcome), Form: int(s.Form),
			AnnouncedAt: optTime(s.AnnouncedAt), ExecutedAt: optTime(s.ExecutedAt), ReportedAt: optTime(s.ReportedAt),
			TransferredAt: optTime(s.TransferredAt)})
	}
	return out
}

func (x *API) listCases(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	p := principal(r)
	q := r.URL.Query()
	f, err := x.app.CaseFilter(r.Context(), p, app.CaseQuery{Unit: q.Get("unit"), AreaGroup: q.Get("area_group"),
		Category: q.Get("category"), From: q.Get("from"), To: q.Get("to"), Status: q["status"], Overdue: q.Get("overdue") == "true"})
	if err != nil {
		return err
	}
	f.Page = store.Page{Limit: limit, Offset: offset}
	rows, total, err := x.app.ListCases(r.Context(), p, f)
	if err != nil {
		return err
	}
	out := make([]Case, 0, len(rows))
	for _, c := range rows {
		c.Summary = ""
		out = append(out, caseJSON(c))
	}
	return writeJSON(w, http.StatusOK, list[Case]{Items: out, Total: total, Limit: limit, Offset: offset})
}

// CaseIn is the body of POST /cases: a filing request from a clue
// awaiting filing (clue_id) or direct (direct_reason).
type CaseIn struct {
	LeadUnitID   int64           `json:"lead_unit_id"`
	Category     string          `json:"category"`
	Cause        string          `json:"cause"`
	Summary      string          `json:"summary"`
	ClueID       int64           `json:"clue_id,omitempty"`
	DirectReason string          `json:"direct_reason,omitempty"`
	Supervision  bool            `json:"supervision"`
	Joint        bool            `json:"joint"`
	AreaGroupID  int64           `json:"area_group_id,omitempty"`
	Subjects     []CaseSubjectIn `json:"subjects"`
}

// CaseSubjectIn is a subject as entered with a filing request.
type CaseSubjectIn struct {
	Name        string `json:"name"`
	Unit        string `json:"unit"`
	Post        string `json:"post"`
	Rank        string `json:"rank"`
	Category    string `json:"category"`
	PartyMember bool   `json:"party_member"`
	UnitID      int64  `json:"unit_id,omitempty"`
}

func (x *API) createCase(w http.ResponseWriter, r *http.Request) error {
	var in CaseIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	ci := casework.Input{LeadUnitID: in.LeadUnitID, Category: in.Category, Cause: in.Cause, Summary: in.Summary, ClueID: in.ClueID,
		DirectReason: in.DirectReason, Supervision: in.Supervision, Joint: in.Joint, AreaGroupID: in.AreaGroupID}
	for _, s := range in.Subjects {
		ci.Subjects = append(ci.Subjects, casework.SubjectInput{Name: s.Name, Unit: s.Unit, Post: s.Post, Rank: s.Rank,
			Category: s.Category, PartyMember: s.PartyMember, UnitID: s.UnitID})
	}
	c, err := x.app.FileCase(r.Context(), principal(r), ci)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, caseJSON(c))
}

func (x *API) getCase(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "case")
	if err != nil {
		return err
	}
	d, err := x.app.CaseDetail(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	type clock struct {
		Code       string    `json:"code"`
		Name       string    `json:"name"`
		ObjectType string    `json:"object_type"`
		ObjectID   int64     `json:"object_id"`
		Due        time.Time `json:"due_at"`
		Extensions int       `json:"extensions"`
		Done       bool      `json:"done"`
		State      string    `json:"state"`
	}
	clocks := []clock{}
	for _, k := range slices.Concat(d.Clocks, d.MeasureClocks, d.SubjectClocks) {
		clocks = append(clocks, clock{k.Code, k.Name, k.ObjectType, k.ObjectID, k.DueAt, k.Extensions, !k.DoneAt.IsZero(), string(k.State)})
	}
	history := []map[string]any{}
	for _, e := range d.Events {
		history = append(history, map[string]any{"action": e.Action, "from": e.FromStatus, "to": e.ToStatus, "unit": e.UnitName,
			"user": e.UserName, "note": e.Note, "at": e.At})
	}
	team := []map[string]any{}
	for _, m := range d.Team {
		team = append(team, map[string]any{"user_id": m.UserID, "name": m.Name, "unit": m.UnitName, "role": m.Role,
			"from": m.From, "until": optTime(m.Until), "ended_at": optTime(m.EndedAt)})
	}
	measures := []map[string]any{}
	for _, m := range d.Measures {
		measures = append(measures, map[string]any{"id": m.ID, "subject_id": m.SubjectID, "kind": m.Kind, "level": m.Level,
			"started_at": m.StartedAt, "ended_at": optTime(m.EndedAt), "end_reason": m.EndReason, "approvals": nonNil(m.Approvals),
			"extensions": nonNil(m.Extensions), "followed_by": m.FollowedBy})
	}
	docs := []map[string]any{}
	for _, doc := range d.Documents {
		docs = append(docs, map[string]any{"id": doc.ID, "kind": doc.Kind, "title": doc.Title, "body": doc.Body, "subject_id": doc.SubjectID,
			"date": doc.DocDate, "audio_video": doc.AudioVideo, "created_at": doc.CreatedAt})
	}
	findings := []map[string]any{}
	for _, f := range d.Review.Findings {
		findings = append(findings, map[string]any{"id": f.ID, "item": f.Item, "text": f.Text, "reviewer_id": f.ReviewerID,
			"reviewer": f.Reviewer, "created_at": f.CreatedAt, "open": f.Open(), "resolved_at": optTime(f.ResolvedAt),
			"resolution": f.Resolution})
	}
	appeals := []map[string]any{}
	for _, ap := range d.Review.Appeals {
		appeals = append(appeals, map[string]any{"id": ap.ID, "subject_id": ap.SubjectID, "subject": ap.Subject, "content": ap.Content,
			"received_at": ap.ReceivedAt, "decided_at": optTime(ap.DecidedAt), "outcome": ap.Outcome, "decision": ap.Decision})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"case": caseJSON(d.Case), "history": history, "clocks": clocks, "team": team,
		"measures": measures, "documents": docs, "findings": findings, "appeals": appeals, "actions": nonNil(d.Actions)})
}

// CaseTransitionIn is the body of POST /cases/{id}/transitions (and, with
// the measure's fields, of POST /cases/{id}/measures).
type CaseTransitionIn struct {
	Action     casework.Op              `json:"action"`
	Version    int64                    `json:"version,omitempty"`
	Text       string                   `json:"text,omitempty"`
	Members    []int64                  `json:"members,omitempty"`
	Until      string                   `json:"until,omitempty"`
	SubjectID  int64                    `json:"subject_id,omitempty"`
	Kind       casework.MeasureKind     `json:"kind,omitempty"`
	Level      casework.CommissionLevel `json:"level,omitempty"`
	StartedAt  time.Time                `json:"started_at"`
	Approvals  []ApprovalIn             `json:"approvals,omitempty"`
	FollowedBy casework.MeasureKind     `json:"followed_by,omitempty"`
	AudioVideo bool                     `json:"audio_video,omitempty"`
	MeasureID  int64                    `json:"measure_id,omitempty"`
	Extension  *ExtensionIn             `json:"extension,omitempty"`
	// merge
	TargetID int64 `json:"target_id,omitempty"`
	// record_document (subject_id, audio_video, text as the body; measure_id for a measure_notice)
	DocKind string `json:"doc_kind,omitempty"`
	Title   string `json:"title,omitempty"`
	DocDate string `json:"doc_date,omitempty"`
	// joint_review (members: the joint reviewers, until: their last day), resolve_finding
	Findings  []FindingIn `json:"findings,omitempty"`
	FindingID int64       `json:"finding_id,omitempty"`
	// decide_appeal
	AppealOutcome string       `json:"appeal_outcome,omitempty"`
	Outcome       *OutcomeJSON `json:"outcome,omitempty"`
}

// FindingIn is a joint quality review finding: a checklist item, what is
// wrong, and the joint reviewer who found it (0: the first).
type FindingIn struct {
	Item       string `json:"item"`
	Text       string `json:"text"`
	ReviewerID int64  `json:"reviewer_id,omitempty"`
}

// ApprovalIn is one approval of a measure or an extension.
type ApprovalIn struct {
	Level casework.ApprovalLevel `json:"level"`
	By    string                 `json:"by"`
	Ref   string                 `json:"ref"`
	At    time.Time              `json:"at"`
}

// ExtensionIn is an extension of a measure: its kind, the span (amount
// and unit; none: the rule's full amount), when, the approvals.
type ExtensionIn struct {
	Kind      casework.ExtensionKind `json:"kind"`
	Amount    int                    `json:"amount,omitempty"`
	Unit      calendar.Unit          `json:"unit,omitempty"`
	At        time.Time              `json:"at"`
	Approvals []ApprovalIn           `json:"approvals,omitempty"`
	Reason    string                 `json:"reason,omitempty"`
}

func approvals(in []ApprovalIn) []casework.Approval {
	var out []casework.Approval
	for _, a := range in {
		out = append(out, casework.Approval{Level: a.Level, By: a.By, Ref: a.Ref, At: a.At})
	}
	return out
}

func (in CaseTransitionIn) action() app.CaseAction {
	a := app.CaseAction{Op: in.Action, Version: in.Version, Text: in.Text, Members: in.Members, Until: in.Until, SubjectID: in.SubjectID,
		Kind: in.Kind, Level: in.Level, StartedAt: in.StartedAt, Approvals: approvals(in.Approvals), FollowedBy: in.FollowedBy,
		AudioVideo: in.AudioVideo, MeasureID: in.MeasureID, TargetID: in.TargetID, DocKind: in.DocKind, Title: in.Title,
		DocDate: in.DocDate, FindingID: in.FindingID, AppealOutcome: in.AppealOutcome}
	for _, f := range in.Findings {
		a.Findings = append(a.Findings, casework.FindingInput{Item: f.Item, Text: f.Text, ReviewerID: f.ReviewerID})
	}
	if in.Outcome != nil {
		o := in.Outcome.outcome()
		a.Outcome = &o
	}
	if x := in.Extension; x != nil {
		a.Extension = casework.MeasureExtension{Kind: x.Kind, By: calendar.Span{Amount: x.Amount, Unit: x.Unit}, At: x.At,
			Approvals: approvals(x.Approvals), Reason: x.Reason}
	}
	return a
}

func (x *API) caseTransition(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "case")
	if err != nil {
		return err
	}
	var in CaseTransitionIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c, err := x.app.CaseAct(r.Context(), principal(r), id, in.action())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, caseJSON(c))
}

// takeMeasure is the take_measure transition under its own path.
func (x *API) takeMeasure(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "case")
	if err != nil {
		return err
	}
	var in CaseTransitionIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	in.Action = casework.OpTakeMeasure
	c, err := x.app.CaseAct(r.Context(), principal(r), id, in.action())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, caseJSON(c))
}

// recordOutcome records the outcome of one subject (App.RecordOutcome) and
// answers the case with every subject's outcome and form.
func (x *API) recordOutcome(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "case")
	if err != nil {
		return err
	}
	sid, err := strconv.ParseInt(r.PathValue("subject_id"), 10, 64)
	if err != nil || sid <= 0 {
		return apperr.New(apperr.NotFound, "error.not_found.case_subject")
	}
	var in OutcomeJSON
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c, err := x.app.RecordOutcome(r.Context(), principal(r), id, sid, in.Version, in.outcome())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, caseJSON(c))
}
