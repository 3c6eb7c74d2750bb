package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/intake"
	"qingfeng/internal/oversight"
	"qingfeng/internal/store"
)

// rectificationRoutes are the rectification (整改) routes.
func (x *API) rectificationRoutes() []route {
	return []route{
		{"GET", "/rectifications", false, x.listRectifications},
		{"POST", "/rectifications", false, x.createRectification},
		{"GET", "/rectifications/{id}", false, x.getRectification},
		{"POST", "/rectifications/{id}/transitions", false, x.rectTransition},
		{"POST", "/rectifications/{id}/evidence", false, x.rectEvidence},
	}
}

// Rectification is a rectification in the API.
type Rectification struct {
	ID                int64                `json:"id"`
	Title             string               `json:"title"`
	Problem           string               `json:"problem"`
	Required          string               `json:"required"`
	ResponsibleUnitID int64                `json:"responsible_unit_id"`
	ResponsibleUnit   string               `json:"responsible_unit"`
	SupervisingUnitID int64                `json:"supervising_unit_id"`
	SupervisingUnit   string               `json:"supervising_unit"`
	Deadline          string               `json:"deadline"`
	SourceType        string               `json:"source_type,omitempty"`
	SourceID          int64                `json:"source_id,omitempty"`
	PersonConcerned   string               `json:"person_concerned,omitempty"`
	Status            oversight.RectStatus `json:"status"`
	Closure           string               `json:"closure,omitempty"`
	Reopened          int                  `json:"reopened"`
	ReportedAt        *time.Time           `json:"reported_at,omitempty"`
	ClosedAt          *time.Time           `json:"closed_at,omitempty"`
	CreatedAt         time.Time            `json:"created_at"`
	Version           int64                `json:"version"`
}

func rectJSON(r oversight.Rectification) Rectification {
	return Rectification{ID: r.ID, Title: r.Title, Problem: r.Problem, Required: r.Required, ResponsibleUnitID: r.ResponsibleUnitID,
		ResponsibleUnit: r.ResponsibleUnitName, SupervisingUnitID: r.SupervisingUnitID, SupervisingUnit: r.SupervisingUnitName,
		Deadline: r.Deadline, SourceType: r.SourceType, SourceID: r.SourceID, PersonConcerned: r.PersonConcerned, Status: r.Status,
		Closure: r.Closure, Reopened: r.Reopened, ReportedAt: optTime(r.ReportedAt), ClosedAt: optTime(r.ClosedAt),
		CreatedAt: r.CreatedAt, Version: r.Version}
}

func (x *API) listRectifications(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	rq := app.RectQuery{Status: q["status"], Overdue: q.Get("overdue") == "true", SourceType: q.Get("source_type"),
		Page: store.Page{Limit: limit, Offset: offset}}
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"responsible_unit_id", &rq.ResponsibleUnitID}, {"source_id", &rq.SourceID}} {
		if v := q.Get(f.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return apperr.InvalidField(f.name, "api.id_invalid")
			}
			*f.dst = n
		}
	}
	rows, total, err := x.app.ListRectifications(r.Context(), principal(r), rq)
	if err != nil {
		return err
	}
	out := make([]Rectification, 0, len(rows))
	for _, row := range rows {
		out = append(out, rectJSON(row))
	}
	return writeJSON(w, http.StatusOK, list[Rectification]{Items: out, Total: total, Limit: limit, Offset: offset})
}

// RectificationIn is the body of POST /rectifications.
type RectificationIn struct {
	Title             string `json:"title"`
	Problem           string `json:"problem"`
	Required          string `json:"required"`
	ResponsibleUnitID int64  `json:"responsible_unit_id"`
	SupervisingUnitID int64  `json:"supervising_unit_id,omitempty"`
	Deadline          string `json:"deadline"`
	SourceType        string `json:"source_type,omitempty"`
	SourceID          int64  `json:"source_id,omitempty"`
	PersonConcerned   string `json:"person_concerned,omitempty"`
}

func (x *API) createRectification(w http.ResponseWriter, r *http.Request) error {
	var in RectificationIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	out, err := x.app.CreateRectification(r.Context(), principal(r), oversight.RectificationInput{Title: in.Title, Problem: in.Problem,
		Required: in.Required, ResponsibleUnitID: in.ResponsibleUnitID, SupervisingUnitID: in.SupervisingUnitID, Deadline: in.Deadline,
		SourceType: in.SourceType, SourceID: in.SourceID, PersonConcerned: in.PersonConcerned})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, rectJSON(out))
}

func (x *API) getRectification(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "rectification")
	if err != nil {
		return err
	}
	d, err := x.app.RectificationDetail(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	type event struct {
		Action       string    `json:"action"`
		From         string    `json:"from_status"`
		To           string    `json:"to_status"`
		Unit         string    `json:"unit,omitempty"`
		User         string    `json:"user,omitempty"`
		Text         string    `json:"text,omitempty"`
		VisitDate    string    `json:"visit_date,omitempty"`
		Visitor      string    `json:"visitor,omitempty"`
		Satisfaction string    `json:"satisfaction,omitempty"`
		Deadline     string    `json:"deadline,omitempty"`
		At           time.Time `json:"at"`
	}
	type file struct {
		ID      int64  `json:"id"`
		EventID int64  `json:"event_id,omitempty"`
		Name    string `json:"name"`
		MIME    string `json:"mime"`
		Size    int64  `json:"size"`
		SHA256  string `json:"sha256"`
	}
	events, files := []event{}, []file{}
	for _, e := range d.Events {
		events = append(events, event{e.Action, string(e.FromStatus), string(e.ToStatus), e.UnitName, e.UserName, e.Text, e.VisitDate,
			e.Visitor, e.Satisfaction, e.Deadline, e.At})
	}
	for _, f := range d.Files {
		files = append(files, file{f.ID, f.EventID, f.Name, f.MIME, f.Size, f.SHA256})
	}
	ops := []oversight.RectOp{}
	ops = append(ops, d.Ops...)
	var due *time.Time
	for _, c := range d.Clocks {
		if c.DoneAt.IsZero() {
			due = optTime(c.DueAt)
		}
	}
	return writeJSON(w, http.StatusOK, struct {
		Rectification
		Overdue bool               `json:"overdue"`
		DueAt   *time.Time         `json:"due_at,omitempty"`
		Ops     []oversight.RectOp `json:"ops"`
		Events  []event            `json:"events"`
		Files   []file             `json:"files"`
	}{rectJSON(d.Rectification), d.Overdue, due, ops, events, files})
}

// RectTransitionIn is the body of POST /rectifications/{id}/transitions.
type RectTransitionIn struct {
	Op           oversight.RectOp `json:"op"`
	Version      int64            `json:"version,omitempty"`
	Text         string           `json:"text,omitempty"`
	VisitDate    string           `json:"visit_date,omitempty"`
	Visitor      string           `json:"visitor,omitempty"`
	Satisfaction string           `json:"satisfaction,omitempty"`
	Deadline     string           `json:"deadline,omitempty"`
}

// decodeRectTransition reads a transition body (JSON, unknown fields
// refused, 1 MiB at most). Errors: invalid "api.bad_json", invalid field
// op "rect.op_invalid" when op is missing.
func decodeRectTransition(body io.Reader) (oversight.RectAction, error) {
	dec := json.NewDecoder(io.LimitReader(body, 1<<20))
	dec.DisallowUnknownFields()
	var in RectTransitionIn
	if err := dec.Decode(&in); err != nil {
		return oversight.RectAction{}, apperr.Wrap(err, apperr.Invalid, "api.bad_json")
	}
	if dec.More() {
		return oversight.RectAction{}, apperr.Wrap(errors.New("trailing data"), apperr.Invalid, "api.bad_json")
	}
	if in.Op == "" {
		return oversight.RectAction{}, apperr.InvalidField("op", "rect.op_invalid")
	}
	return oversight.RectAction{Op: in.Op, Version: in.Version, Text: in.Text, VisitDate: in.VisitDate, Visitor: in.Visitor,
		Satisfaction: in.Satisfaction, Deadline: in.Deadline}, nil
}

func (x *API) rectTransition(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "rectification")
	if err != nil {
		return err
	}
	in, err := decodeRectTransition(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		return err
	}
	out, err := x.app.RectAct(r.Context(), principal(r), id, in, nil)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rectJSON(out))
}

// rectEvidence takes multipart files (field "files", repeatable) as
// evidence; with op=report and text it reports measures with them.
func (x *API) rectEvidence(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "rectification")
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, intake.MaxAllBytes+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apperr.InvalidField("files", "intake.file_too_large")
		}
		return apperr.Wrap(err, apperr.Invalid, "error.bad_form")
	}
	defer r.MultipartForm.RemoveAll()
	var ups []app.Upload
	for _, fh := range r.MultipartForm.File["files"] {
		if len(ups) >= intake.MaxFiles {
			return apperr.InvalidField("files", "intake.files_too_many")
		}
		f, err := fh.Open()
		if err != nil {
			return apperr.Wrap(err, apperr.Invalid, "error.bad_form")
		}
		data, err := io.ReadAll(io.LimitReader(f, intake.MaxFileBytes+1))
		f.Close()
		if err != nil {
			return apperr.Wrap(err, apperr.Invalid, "error.bad_form")
		}
		ups = append(ups, app.Upload{Name: fh.Filename, Data: data})
	}
	var out oversight.Rectification
	if op := r.FormValue("op"); op != "" {
		v, _ := strconv.ParseInt(r.FormValue("version"), 10, 64)
		out, err = x.app.RectAct(r.Context(), principal(r), id, oversight.RectAction{Op: oversight.RectOp(op), Version: v,
			Text: r.FormValue("text")}, ups)
	} else {
		out, err = x.app.AddRectEvidence(r.Context(), principal(r), id, ups)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, rectJSON(out))
}
