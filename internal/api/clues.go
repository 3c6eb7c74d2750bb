package api

import (
	"bytes"
	"mime"
	"net/http"
	"strconv"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/clue"
	"qingfeng/internal/store"
)

// clueRoutes are the clue ledger and consultation meeting routes.
func (x *API) clueRoutes() []route {
	return []route{
		{"GET", "/clue-sources", false, x.clueSources},
		{"GET", "/clues", false, x.listClues},
		{"GET", "/clues/ledger.xlsx", false, x.exportClues},
		{"GET", "/clues/reconciliation", false, x.reconciliation},
		{"POST", "/clues", false, x.createClue},
		{"GET", "/clues/{id}", false, x.getClue},
		{"POST", "/clues/{id}/transitions", false, x.clueTransition},
		{"GET", "/area-groups/{id}/meetings", false, x.listMeetings},
		{"POST", "/area-groups/{id}/meetings", false, x.createMeeting},
		{"GET", "/meetings/{id}", false, x.getMeeting},
		{"POST", "/meetings/{id}/decisions", false, x.decideMeeting},
		{"POST", "/meetings/{id}/attendance", false, x.meetingAttendance},
		{"POST", "/meetings/{id}/close", false, x.closeMeeting},
		{"GET", "/meetings/{id}/minutes.docx", false, x.minutes("docx")},
		{"GET", "/meetings/{id}/minutes.xlsx", false, x.minutes("xlsx")},
	}
}

// Clue is a ledger row in the API.
type Clue struct {
	ID            int64          `json:"id"`
	Number        string         `json:"number"`
	LedgerUnitID  int64          `json:"ledger_unit_id"`
	LedgerUnit    string         `json:"ledger_unit"`
	UnitID        int64          `json:"unit_id"`
	Unit          string         `json:"unit"`
	Source        string         `json:"source"`
	SourceType    string         `json:"source_type,omitempty"`
	SourceID      int64          `json:"source_id,omitempty"`
	SourceRef     string         `json:"source_ref,omitempty"`
	Title         string         `json:"title"`
	Content       string         `json:"content"`
	Subject       clue.Subject   `json:"subject"`
	Category      string         `json:"category"`
	MassInterest  bool           `json:"mass_interest"`
	UpperLevel    bool           `json:"upper_level"`
	Status        clue.Status    `json:"status"`
	Mode          clue.Mode      `json:"mode,omitempty"`
	InquiryForm   string         `json:"inquiry_form,omitempty"`
	Outcome       string         `json:"outcome,omitempty"`
	Closure       string         `json:"closure,omitempty"`
	OwnerUserID   int64          `json:"owner_user_id,omitempty"`
	Owner         string         `json:"owner,omitempty"`
	LeaderUserID  int64          `json:"leader_user_id,omitempty"`
	Pending       *clue.Proposal `json:"pending,omitempty"`
	Escalated     bool           `json:"escalated"`
	EscalationTo  string         `json:"escalation_to,omitempty"`
	Joint         bool           `json:"joint"`
	ShelveUntil   string         `json:"shelve_until,omitempty"`
	DecisionDue   string         `json:"decision_due,omitempty"`
	MeetingID     int64          `json:"meeting_id,omitempty"`
	CaseID        int64          `json:"case_id,omitempty"`
	ForwardedTo   int64          `json:"forwarded_to,omitempty"`
	ReceivedAt    time.Time      `json:"received_at"`
	DisposalDueAt time.Time      `json:"disposal_due_at"`
	DisposedAt    *time.Time     `json:"disposed_at,omitempty"`
	ClosedAt      *time.Time     `json:"closed_at,omitempty"`
	Version       int64          `json:"version"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func clueJSON(c clue.Clue) Clue {
	return Clue{ID: c.ID, Number: c.Number, LedgerUnitID: c.LedgerUnitID, LedgerUnit: c.LedgerUnitName, UnitID: c.UnitID, Unit: c.UnitName,
		Source: c.Source, SourceType: c.SourceType, SourceID: c.SourceID, SourceRef: c.SourceRef, Title: c.Title, Content: c.Content,
		Subject: c.Subject, Category: c.Category, MassInterest: c.MassInterest, UpperLevel: c.UpperLevel, Status: c.Status, Mode: c.Mode,
		InquiryForm: c.InquiryForm, Outcome: c.Outcome, Closure: c.Closure, OwnerUserID: c.OwnerUserID, Owner: c.OwnerName,
		LeaderUserID: c.LeaderUserID, Pending: c.Pending, Escalated: c.Escalated, EscalationTo: c.EscalationTo, Joint: c.Joint,
		ShelveUntil: c.ShelveUntil, DecisionDue: c.DecisionDue, MeetingID: c.MeetingID, CaseID: c.CaseID, ForwardedTo: c.ForwardedTo,
		ReceivedAt: c.ReceivedAt, DisposalDueAt: c.DisposalDueAt, DisposedAt: optTime(c.DisposedAt), ClosedAt: optTime(c.ClosedAt),
		Version: c.Version}
}

func (x *API) clueSources(w http.ResponseWriter, r *http.Request) error {
	s, err := x.app.ClueSources()
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": s})
}

// ledgerQuery reads the ledger filters from the query string.
func ledgerQuery(r *http.Request) app.LedgerQuery {
	q := r.URL.Query()
	return app.LedgerQuery{Unit: q.Get("unit"), AreaGroup: q.Get("area_group"), Source: q.Get("source"), Category: q.Get("category"),
		Mode: q.Get("mode"), Owner: q.Get("owner"), Status: q["status"], Overdue: q.Get("overdue") == "true",
		Mass: q.Get("mass_interest") == "true", From: q.Get("from"), To: q.Get("to"), Month: q.Get("month"), Q: q.Get("q"),
		Recon: q.Get("recon"), ReconUnit: q.Get("row")}
}

func (x *API) listClues(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	p := principal(r)
	f, err := x.app.LedgerFilter(r.Context(), p, ledgerQuery(r))
	if err != nil {
		return err
	}
	f.Page = store.Page{Limit: limit, Offset: offset}
	rows, total, err := x.app.ListClues(r.Context(), p, f)
	if err != nil {
		return err
	}
	out := make([]Clue, 0, len(rows))
	for _, c := range rows {
		out = append(out, clueJSON(c))
	}
	return writeJSON(w, http.StatusOK, list[Clue]{Items: out, Total: total, Limit: limit, Offset: offset})
}

// ClueIn is the body of POST /clues: a clue from any source, or (with
// report_id) from a report in one step.
type ClueIn struct {
	ReportID     int64        `json:"report_id,omitempty"`
	Source       string       `json:"source"`
	SourceType   string       `json:"source_type,omitempty"`
	SourceID     int64        `json:"source_id,omitempty"`
	SourceRef    string       `json:"source_ref,omitempty"`
	Split        bool         `json:"split,omitempty"`
	Title        string       `json:"title"`
	Content      string       `json:"content"`
	Subject      clue.Subject `json:"subject"`
	Category     string       `json:"category"`
	MassInterest bool         `json:"mass_interest"`
	UpperLevel   bool         `json:"upper_level"`
	ReceivedAt   time.Time    `json:"received_at"`
	LedgerUnitID int64        `json:"ledger_unit_id,omitempty"`
}

func (x *API) createClue(w http.ResponseWriter, r *http.Request) error {
	var in ClueIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	var c clue.Clue
	var err error
	if in.ReportID != 0 {
		c, err = x.app.RegisterClueFromReport(r.Context(), principal(r), in.ReportID, in.MassInterest, in.Split)
	} else {
		c, err = x.app.RegisterClue(r.Context(), principal(r), clue.Input{Source: in.Source, SourceType: in.SourceType,
			SourceID: in.SourceID, SourceRef: in.SourceRef, Split: in.Split, Title: in.Title, Content: in.Content, Subject: in.Subject,
			Category: in.Category, MassInterest: in.MassInterest, UpperLevel: in.UpperLevel, ReceivedAt: in.ReceivedAt,
			LedgerUnitID: in.LedgerUnitID})
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, clueJSON(c))
}

func pathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "error.not_found."+what)
	}
	return id, nil
}

func (x *API) getClue(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "clue")
	if err != nil {
		return err
	}
	d, err := x.app.ClueDetail(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	type clock struct {
		Code  string    `json:"code"`
		Name  string    `json:"name"`
		Due   time.Time `json:"due_at"`
		Done  bool      `json:"done"`
		State string    `json:"state"`
	}
	clocks := []clock{}
	for _, k := range d.Clocks {
		clocks = append(clocks, clock{k.Code, k.Name, k.DueAt, !k.DoneAt.IsZero(), string(k.State)})
	}
	history := []map[string]any{}
	for _, e := range d.Events {
		history = append(history, map[string]any{"action": e.Action, "from": e.FromStatus, "to": e.ToStatus, "unit": e.UnitName,
			"user": e.UserName, "note": e.Note, "at": e.At})
	}
	team := []map[string]any{}
	for _, m := range d.Team {
		team = append(team, map[string]any{"user_id": m.UserID, "name": m.Name, "unit": m.UnitName, "leader": m.Leader,
			"signed_at": optTime(m.SignedAt)})
	}
	docs := []map[string]any{}
	for _, doc := range d.Documents {
		docs = append(docs, map[string]any{"kind": doc.Kind, "title": doc.Title, "body": doc.Body, "addressee": doc.Addressee,
			"date": doc.DocDate, "user": doc.UserName, "created_at": doc.CreatedAt})
	}
	measures := []map[string]any{}
	for _, m := range d.Measures {
		measures = append(measures, map[string]any{"kind": m.Kind, "taken_on": m.TakenOn, "description": m.Description, "user": m.UserName})
	}
	joint := []map[string]any{}
	for _, j := range d.Joint {
		joint = append(joint, map[string]any{"unit_id": j.UnitID, "unit": j.Name})
	}
	access := []map[string]any{}
	for _, a := range d.Access {
		access = append(access, map[string]any{"user_id": a.UserID, "name": a.UserName, "unit": a.UnitName, "kind": a.Kind,
			"role": a.Role, "valid_to": optTime(a.ValidTo), "revoked": !a.RevokedAt.IsZero()})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"clue": clueJSON(d.Clue), "history": history, "clocks": clocks, "team": team,
		"documents": docs, "measures": measures, "joint_units": joint, "access": access, "actions": nonNil(d.Actions)})
}

// TransitionIn is the body of POST /clues/{id}/transitions.
type TransitionIn struct {
	Action        clue.Op   `json:"action"`
	Version       int64     `json:"version,omitempty"`
	UnitID        int64     `json:"unit_id,omitempty"`
	OwnerID       int64     `json:"owner_id,omitempty"`
	Mode          clue.Mode `json:"mode,omitempty"`
	Form          string    `json:"form,omitempty"`
	Team          []int64   `json:"team,omitempty"`
	Closure       string    `json:"closure,omitempty"`
	ShelveUntil   string    `json:"shelve_until,omitempty"`
	Level         string    `json:"level,omitempty"`
	Outcome       string    `json:"outcome,omitempty"`
	Date          string    `json:"date,omitempty"`
	Text          string    `json:"text,omitempty"`
	Addressee     string    `json:"addressee,omitempty"`
	Countersigned bool      `json:"countersigned,omitempty"`
	MeasureKind   string    `json:"measure_kind,omitempty"`
	DocKind       string    `json:"doc_kind,omitempty"`
	Members       []int64   `json:"members,omitempty"`
	Until         string    `json:"until,omitempty"`
}

func (x *API) clueTransition(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "clue")
	if err != nil {
		return err
	}
	var in TransitionIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c, err := x.app.ClueAct(r.Context(), principal(r), id, app.ClueAction{Op: in.Action, Version: in.Version, UnitID: in.UnitID,
		OwnerID: in.OwnerID, Mode: in.Mode, Form: in.Form, Team: in.Team, Closure: in.Closure, ShelveUntil: in.ShelveUntil, Level: in.Level,
		Outcome: in.Outcome, Date: in.Date, Text: in.Text, Addressee: in.Addressee, Countersigned: in.Countersigned,
		MeasureKind: in.MeasureKind, DocKind: in.DocKind, Members: in.Members, Until: in.Until})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, clueJSON(c))
}

// Meeting is a consultation meeting in the API.
type Meeting struct {
	ID          int64           `json:"id"`
	Number      string          `json:"number"`
	AreaGroupID int64           `json:"area_group_id"`
	AreaGroup   string          `json:"area_group"`
	HeldOn      string          `json:"held_on"`
	Place       string          `json:"place"`
	Chair       string          `json:"chair"`
	Recorder    string          `json:"recorder"`
	Status      string          `json:"status"`
	Summary     string          `json:"summary,omitempty"`
	Version     int64           `json:"version"`
	Attendees   []clue.Attendee `json:"attendees,omitempty"`
	Items       []MeetingItem   `json:"items,omitempty"`
}

// MeetingItem is an agenda item with its decision.
type MeetingItem struct {
	Seq         int       `json:"seq"`
	ClueID      int64     `json:"clue_id"`
	ClueNumber  string    `json:"clue_number"`
	Title       string    `json:"title"`
	Subject     string    `json:"subject"`
	Unit        string    `json:"unit"`
	ClueStatus  string    `json:"clue_status"`
	Decided     bool      `json:"decided"`
	Mode        clue.Mode `json:"mode,omitempty"`
	LeadUnitID  int64     `json:"lead_unit_id,omitempty"`
	LeadUnit    string    `json:"lead_unit,omitempty"`
	JointUsers  []int64   `json:"joint_users,omitempty"`
	OwnerUserID int64     `json:"owner_user_id,omitempty"`
	Owner       string    `json:"owner,omitempty"`
	DueOn       string    `json:"due_on,omitempty"`
	Note        string    `json:"note,omitempty"`
}

func meetingJSON(m clue.Meeting) Meeting {
	out := Meeting{ID: m.ID, Number: m.Number, AreaGroupID: m.AreaGroupID, AreaGroup: m.AreaGroupName, HeldOn: m.HeldOn, Place: m.Place,
		Chair: m.ChairName, Recorder: m.RecorderName, Status: string(m.Status), Summary: m.Summary, Version: m.Version,
		Attendees: m.Attendees}
	for _, it := range m.Items {
		out.Items = append(out.Items, MeetingItem{Seq: it.Seq, ClueID: it.ClueID, ClueNumber: it.ClueNumber, Title: it.ClueTitle,
			Subject: it.SubjectName, Unit: it.UnitName, ClueStatus: string(it.ClueStatus), Decided: it.Decided, Mode: it.Mode,
			LeadUnitID: it.LeadUnitID, LeadUnit: it.LeadUnitName, JointUsers: it.JointUsers, OwnerUserID: it.OwnerUserID,
			Owner: it.OwnerName, DueOn: it.DueOn, Note: it.Note})
	}
	return out
}

func (x *API) listMeetings(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "area_group")
	if err != nil {
		return err
	}
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	ms, total, err := x.app.ListMeetings(r.Context(), principal(r), id, store.Page{Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	out := make([]Meeting, 0, len(ms))
	for _, m := range ms {
		out = append(out, meetingJSON(m))
	}
	return writeJSON(w, http.StatusOK, list[Meeting]{Items: out, Total: total, Limit: limit, Offset: offset})
}

// MeetingIn is the body of POST /area-groups/{id}/meetings.
type MeetingIn struct {
	HeldOn        string       `json:"held_on"`
	Place         string       `json:"place"`
	ChairPersonID int64        `json:"chair_person_id,omitempty"`
	Attendees     []AttendeeIn `json:"attendees,omitempty"`
}

// AttendeeIn is one attendance row.
type AttendeeIn struct {
	PersonID int64  `json:"person_id"`
	Present  bool   `json:"present"`
	Note     string `json:"note,omitempty"`
}

func attendees(in []AttendeeIn) []clue.Attendee {
	out := make([]clue.Attendee, 0, len(in))
	for _, a := range in {
		out = append(out, clue.Attendee{PersonID: a.PersonID, Present: a.Present, Note: a.Note})
	}
	return out
}

func (x *API) createMeeting(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "area_group")
	if err != nil {
		return err
	}
	var in MeetingIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	m, err := x.app.CreateMeeting(r.Context(), principal(r), id, clue.MeetingInput{HeldOn: in.HeldOn, Place: in.Place,
		ChairPersonID: in.ChairPersonID, Attendees: attendees(in.Attendees)})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, meetingJSON(m))
}

func (x *API) getMeeting(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "meeting")
	if err != nil {
		return err
	}
	m, err := x.app.GetMeeting(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, meetingJSON(m))
}

// DecisionIn is the body of POST /meetings/{id}/decisions.
type DecisionIn struct {
	ClueID      int64     `json:"clue_id"`
	Mode        clue.Mode `json:"mode"`
	Form        string    `json:"form,omitempty"`
	Team        []int64   `json:"team,omitempty"`
	ShelveUntil string    `json:"shelve_until,omitempty"`
	Closure     string    `json:"closure,omitempty"`
	LeadUnitID  int64     `json:"lead_unit_id"`
	OwnerID     int64     `json:"owner_id"`
	JointUsers  []int64   `json:"joint_users,omitempty"`
	DueOn       string    `json:"due_on,omitempty"`
	Note        string    `json:"note"`
}

func (x *API) decideMeeting(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "meeting")
	if err != nil {
		return err
	}
	var in DecisionIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c, err := x.app.DecideMeetingItem(r.Context(), principal(r), id, clue.Decision{ClueID: in.ClueID, Mode: in.Mode, Form: in.Form,
		Team: in.Team, ShelveUntil: in.ShelveUntil, Closure: in.Closure, LeadUnitID: in.LeadUnitID, OwnerUserID: in.OwnerID,
		JointUsers: in.JointUsers, DueOn: in.DueOn, Note: in.Note})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, clueJSON(c))
}

func (x *API) meetingAttendance(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "meeting")
	if err != nil {
		return err
	}
	var in struct {
		Version   int64        `json:"version,omitempty"`
		Attendees []AttendeeIn `json:"attendees"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	m, err := x.app.SetMeetingAttendance(r.Context(), principal(r), id, in.Version, attendees(in.Attendees))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, meetingJSON(m))
}

func (x *API) closeMeeting(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "meeting")
	if err != nil {
		return err
	}
	var in struct {
		Version int64  `json:"version,omitempty"`
		Summary string `json:"summary"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	m, err := x.app.CloseMeeting(r.Context(), principal(r), id, in.Version, in.Summary)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, meetingJSON(m))
}

// attachment writes a file download with a (Chinese) file name.
func attachment(w http.ResponseWriter, name, contentType string, body *bytes.Buffer) error {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
	_, err := body.WriteTo(w)
	return err
}

const (
	xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	docxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)

func (x *API) exportClues(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	f, err := x.app.LedgerFilter(r.Context(), p, ledgerQuery(r))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := x.app.ExportClueLedger(r.Context(), p, f, &buf); err != nil {
		return err
	}
	return attachment(w, "问题线索台账-"+x.app.Today()+".xlsx", xlsxType, &buf)
}

func (x *API) reconciliation(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	unit, err := idParam(q.Get("unit"), "unit")
	if err != nil {
		return err
	}
	rec, err := x.app.ClueReconciliation(r.Context(), principal(r), unit, q.Get("month"))
	if err != nil {
		return err
	}
	row := func(rr store.ReconRow) map[string]any {
		cells := map[string]int{}
		for _, c := range store.ReconColumns() {
			cells[string(c)] = rr.Count(c)
		}
		return map[string]any{"unit_id": rr.UnitID, "unit": rr.UnitName, "cells": cells}
	}
	rows := []map[string]any{}
	for _, rr := range rec.Rows {
		rows = append(rows, row(rr))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"month": rec.Month, "unit_id": rec.Unit.ID, "unit": rec.Unit.Name,
		"from": rec.From, "to": rec.To, "rows": rows, "total": row(rec.Total)})
}

func (x *API) minutes(format string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "meeting")
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		name, err := x.app.MeetingMinutes(r.Context(), principal(r), id, format, &buf)
		if err != nil {
			return err
		}
		ct := xlsxType
		if format == "docx" {
			ct = docxType
		}
		return attachment(w, name, ct, &buf)
	}
}
