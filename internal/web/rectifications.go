package web

import (
	"mime"
	"net/http"
	"net/url"
	"strings"

	"qingfeng/internal/app"
	"qingfeng/internal/oversight"
	"qingfeng/internal/store"
)

// rectificationRoutes registers the staff pages of rectification (整改):
// the list, the create form, the detail page with the actions the user
// may take (the responsible unit's report with files, the supervising
// unit's closures and verification), the evidence files and the printable
// rectification notice (整改通知书).
func (s *Server) rectificationRoutes(mux *http.ServeMux) {
	mux.Handle("GET /rectifications", s.authed(s.rectList))
	mux.Handle("GET /rectifications/new", s.authed(s.rectNew))
	mux.Handle("POST /rectifications", s.authed(s.rectCreate))
	mux.Handle("GET /rectifications/{id}", s.authed(s.rectShow))
	mux.Handle("GET /rectifications/{id}/notice", s.authed(s.rectNotice))
	mux.Handle("POST /rectifications/{id}/act", s.authed(s.rectAct))
	mux.Handle("POST /rectifications/{id}/evidence", s.authed(s.rectEvidence))
	mux.Handle("GET /rectification-files/{fid}", s.authed(s.rectFile))
}

// rectLabelKeys maps the codes of rectification to their message keys. The
// keys are literals so that the catalogue test finds them.
var rectLabelKeys = map[string]map[string]string{
	"status": {
		string(oversight.RectOpen): "rect.status.open", string(oversight.RectReported): "rect.status.reported",
		string(oversight.RectVerifying): "rect.status.verifying", string(oversight.RectStaged): "rect.status.closed_staged",
		string(oversight.RectProcedural): "rect.status.closed_procedural", string(oversight.RectClosed): "rect.status.closed",
	},
	"op": {
		string(oversight.RectOpReport): "rect.op.report", string(oversight.RectOpVerify): "rect.op.start_verification",
		string(oversight.RectOpProcedural): "rect.op.close_procedural", string(oversight.RectOpStaged): "rect.op.close_staged",
		string(oversight.RectOpPass): "rect.op.close_substantive", string(oversight.RectOpReopen): "rect.op.reopen",
		"create": "rect.op.create", "evidence": "rect.op.evidence",
	},
	"closure": {
		oversight.ClosureProcedural: "rect.closure.procedural", oversight.ClosureStaged: "rect.closure.staged",
		oversight.ClosureSubstantive: "rect.closure.substantive",
	},
	"satisfaction": {
		oversight.Satisfied: "rect.satisfaction.satisfied", oversight.Basically: "rect.satisfaction.basically",
		oversight.Unsatisfied: "rect.satisfaction.unsatisfied",
	},
	"source": {"task": "rect.source.task", "clue": "rect.source.clue", "case": "rect.source.case", "report": "rect.source.report",
		"crosscheck": "rect.source.crosscheck"},
}

// RectL returns the label of a rectification code in a group ("status",
// "op", "closure", "satisfaction", "source"), or the code itself.
func (v *view) RectL(group string, code any) string {
	if k, ok := rectLabelKeys[group][toString(code)]; ok {
		return v.T(k)
	}
	return toString(code)
}

// RectNeeds reports whether an action's form asks for a part (the row's
// Needs: measures, text, visit, deadline).
func (v *view) RectNeeds(status oversight.RectStatus, op oversight.RectOp, need string) bool {
	row, ok := oversight.RectNext(status, op)
	if !ok {
		return false
	}
	for _, n := range row.Needs {
		if n == need {
			return true
		}
	}
	return false
}

func (s *Server) rectList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pg := store.Page{Limit: 50, Offset: int(formInt(q.Get("offset")))}
	rq := app.RectQuery{Overdue: q.Get("overdue") == "1", ResponsibleUnitID: formInt(q.Get("unit")), Page: pg}
	if st := q.Get("status"); st != "" {
		rq.Status = []string{st}
	}
	rows, total, err := s.app.ListRectifications(r.Context(), principal(r), rq)
	if err != nil {
		return err
	}
	v := s.newView(r, "rect.list_title", "rectifications", map[string]any{"Rows": rows, "Statuses": oversight.RectStatuses(),
		"Today": s.app.Today(), "Total": total, "Limit": pg.Limit, "Offset": pg.Offset})
	v.Form = q
	return s.render(w, http.StatusOK, "rectifications.html", v)
}

func (s *Server) rectFormView(r *http.Request) (*view, error) {
	units, err := s.app.RectUnitChoices(r.Context(), principal(r))
	if err != nil {
		return nil, err
	}
	return s.newView(r, "rect.new_title", "rectifications", map[string]any{"Units": units, "Sources": oversight.RectSourceTypes()}), nil
}

func (s *Server) rectNew(w http.ResponseWriter, r *http.Request) error {
	v, err := s.rectFormView(r)
	if err != nil {
		return err
	}
	v.Form = r.URL.Query()
	return s.render(w, http.StatusOK, "rectification_form.html", v)
}

func (s *Server) rectCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	out, err := s.app.CreateRectification(r.Context(), principal(r), oversight.RectificationInput{Title: f.Get("title"),
		Problem: f.Get("problem"), Required: f.Get("required"), ResponsibleUnitID: formInt(f.Get("responsible_unit_id")),
		Deadline: f.Get("deadline"), SourceType: f.Get("source_type"), SourceID: formInt(f.Get("source_id")),
		PersonConcerned: f.Get("person_concerned")})
	if err != nil {
		v, verr := s.rectFormView(r)
		if verr != nil {
			return verr
		}
		return s.formError(w, r, err, "rectification_form.html", v)
	}
	return s.redirect(w, r, "/rectifications/"+itoa(out.ID), "flash.rect_created")
}

func (s *Server) rectShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.app.RectificationDetail(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	files := map[int64][]oversight.Evidence{}
	for _, f := range d.Files {
		files[f.EventID] = append(files[f.EventID], f)
	}
	v := s.newView(r, "rect.title", "rectifications", map[string]any{"D": d, "R": d.Rectification, "Files": files,
		"Satisfactions": oversight.Satisfactions(), "Today": s.app.Today()})
	return s.render(w, http.StatusOK, "rectification.html", v)
}

func (s *Server) rectNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.app.RectificationDetail(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "rectification_notice.html", s.newView(r, "rect.notice_title", "rectifications", d))
}

func (s *Server) rectAct(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	back := "/rectifications/" + itoa(id)
	defer cleanupMultipart(r)
	if err := parseMultipart(w, r, maxReportBody); err != nil {
		return s.refusal(w, r, back, err)
	}
	ups, err := readUploads(r, "files")
	if err != nil {
		return s.refusal(w, r, back, err)
	}
	f := r.PostForm
	if f == nil {
		f = url.Values{}
	}
	in := oversight.RectAction{Op: oversight.RectOp(f.Get("op")), Version: formInt(f.Get("version")), Text: f.Get("text"),
		VisitDate: f.Get("visit_date"), Visitor: f.Get("visitor"), Satisfaction: f.Get("satisfaction"), Deadline: f.Get("deadline")}
	if _, err := s.app.RectAct(r.Context(), principal(r), id, in, ups); err != nil {
		return s.refusal(w, r, back, err)
	}
	return s.redirect(w, r, back, "flash.rect_done")
}

func (s *Server) rectEvidence(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	back := "/rectifications/" + itoa(id)
	defer cleanupMultipart(r)
	if err := parseMultipart(w, r, maxReportBody); err != nil {
		return s.refusal(w, r, back, err)
	}
	ups, err := readUploads(r, "files")
	if err != nil {
		return s.refusal(w, r, back, err)
	}
	if _, err := s.app.AddRectEvidence(r.Context(), principal(r), id, ups); err != nil {
		return s.refusal(w, r, back, err)
	}
	return s.redirect(w, r, back, "flash.rect_done")
}

// rectFile sends an evidence file: images inline (they were re-encoded),
// other files as downloads.
func (s *Server) rectFile(w http.ResponseWriter, r *http.Request) error {
	fid, err := pathID(r, "fid")
	if err != nil {
		return err
	}
	f, data, err := s.app.RectFile(r.Context(), principal(r), fid)
	if err != nil {
		return err
	}
	name := strings.Map(func(c rune) rune {
		if c < 0x20 || c == 0x7f || c == '"' || c == '\\' || c == '/' {
			return '_'
		}
		return c
	}, f.Name)
	kind := "attachment"
	if strings.HasPrefix(f.MIME, "image/") {
		kind = "inline"
	}
	disp := mime.FormatMediaType(kind, map[string]string{"filename": name})
	if disp == "" {
		disp = kind
	}
	ct := f.MIME
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", disp)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	_, err = w.Write(data)
	return err
}
