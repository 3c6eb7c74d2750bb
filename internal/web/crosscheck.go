package web

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/importer"
	"qingfeng/internal/monitor"
	"qingfeng/internal/store"
)

// crossCheckRoutes registers the cross-check page (大数据比对): upload a
// payment or reference list (with a preview of the header mapping), the
// lists and runs, and a run's suspects with the fields that matched and
// why it matters, to judge, assign (clue or rectification) and record the
// money recovered.
func (s *Server) crossCheckRoutes(mux *http.ServeMux) {
	mux.Handle("GET /crosschecks", s.authed(s.crossCheckPage))
	mux.Handle("POST /crosschecks/lists", s.authed(s.crossCheckUpload))
	mux.Handle("POST /crosschecks/runs", s.authed(s.crossCheckRun))
	mux.Handle("POST /crosschecks/suspects/{id}/judge", s.authed(s.suspectAction("flash.crosscheck_judged", s.crossCheckJudge)))
	mux.Handle("POST /crosschecks/suspects/{id}/assign", s.authed(s.suspectAction("flash.crosscheck_assigned", s.crossCheckAssign)))
	mux.Handle("POST /crosschecks/suspects/{id}/recover", s.authed(s.suspectAction("flash.crosscheck_recovered", s.crossCheckRecover)))
}

// maxCrossCheckFile bounds a list uploaded through the page.
const maxCrossCheckFile = 256 << 20

// crossCheckView loads the page: lists, runs, and the suspects of the run
// asked for (or the latest) with the filters of the query.
func (s *Server) crossCheckView(r *http.Request) (*view, error) {
	p := principal(r)
	if !p.Can(auth.PermMonitorRead) && !p.Can(auth.PermMonitorHandle) {
		return nil, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	data := map[string]any{"Kinds": app.CrossCheckKinds(), "Handle": p.Can(auth.PermMonitorHandle), "Today": s.app.Today()}
	if p.Can(auth.PermMonitorRead) {
		lists, err := s.app.CrossCheckLists(r.Context(), p, 0, 50)
		if err != nil {
			return nil, err
		}
		runs, err := s.app.CrossCheckRuns(r.Context(), p, 20)
		if err != nil {
			return nil, err
		}
		data["Lists"], data["Runs"] = lists, runs
		q := r.URL.Query()
		runID := formInt(q.Get("run"))
		if runID == 0 && len(runs) > 0 {
			runID = runs[0].ID
		}
		if runID != 0 {
			res, err := s.app.CrossCheckRun(r.Context(), p, runID)
			if err != nil {
				return nil, err
			}
			pg := pageOf(r)
			sq := store.SuspectQuery{RunID: runID, Rule: q.Get("rule"), Strength: q.Get("strength"), Verdict: q.Get("judgement"), Page: pg}
			rows, total, err := s.app.CrossCheckSuspects(r.Context(), p, sq)
			if err != nil {
				return nil, err
			}
			rules, err := monitor.CrossCheckRules()
			if err != nil {
				return nil, err
			}
			data["Run"], data["Suspects"], data["Total"], data["Query"], data["Rules"] = res, rows, total, sq, rules
			data["Limit"], data["Offset"] = pg.Limit, pg.Offset
		}
	}
	return s.newView(r, "crosscheck.title", "crosschecks", data), nil
}

func (s *Server) crossCheckPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.crossCheckView(r)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "crosschecks.html", v)
}

// crossCheckUpload previews (op=preview) or imports an uploaded list and
// shows the page with the header mapping or the import summary.
func (s *Server) crossCheckUpload(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	defer cleanupMultipart(r)
	if err := parseMultipart(w, r, maxCrossCheckFile+(1<<20)); err != nil {
		return s.refusal(w, r, "/crosschecks", err)
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		return s.refusal(w, r, "/crosschecks", apperr.InvalidField("file", "import.file_required"))
	}
	fh := r.MultipartForm.File["file"][0]
	file, err := fh.Open()
	if err != nil {
		return s.refusal(w, r, "/crosschecks", apperr.Wrap(err, apperr.Invalid, "error.bad_form"))
	}
	defer file.Close()
	f := r.PostForm
	name, kind := filepath.Base(fh.Filename), f.Get("kind")
	var preview importer.ListPreview
	var sum app.CrossCheckImportSummary
	if f.Get("op") == "preview" {
		preview, err = s.app.PreviewCrossCheckList(r.Context(), p, kind, name, file, fh.Size)
	} else {
		sum, err = s.app.ImportCrossCheckList(r.Context(), p, app.CrossCheckImport{UnitID: formInt(f.Get("unit_id")), Kind: kind,
			Name: name, R: file, Size: fh.Size})
	}
	if err != nil {
		return s.refusal(w, r, "/crosschecks", err)
	}
	v, err := s.crossCheckView(r)
	if err != nil {
		return err
	}
	v.Form = f
	d := v.Data.(map[string]any)
	d["FileName"] = name
	if f.Get("op") == "preview" {
		d["Preview"] = preview
	} else {
		d["Summary"] = sum
	}
	return s.render(w, http.StatusOK, "crosschecks.html", v)
}

func (s *Server) crossCheckRun(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return s.refusal(w, r, "/crosschecks", err)
	}
	res, err := s.app.RunCrossCheck(r.Context(), principal(r), formInt(r.PostForm.Get("unit_id")), nil)
	if err != nil {
		return s.refusal(w, r, "/crosschecks", err)
	}
	return s.redirect(w, r, "/crosschecks?run="+strconv.FormatInt(res.Run.ID, 10), "flash.crosscheck_run")
}

// back is the page a suspect's form returns to: its run, filters and
// page, at the suspect.
func crossCheckBack(f url.Values, id int64) string {
	q := url.Values{}
	for _, k := range []string{"run", "rule", "strength", "judgement", "offset"} {
		if v := f.Get(k); v != "" {
			q.Set(k, v)
		}
	}
	return "/crosschecks?" + q.Encode() + "#s" + strconv.FormatInt(id, 10)
}

// suspectAction is a form on a suspect: it reads the form, runs act, and
// returns to the suspect in its run with flash, or with the refusal.
func (s *Server) suspectAction(flash string, act func(r *http.Request, id int64, f url.Values) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := parseForm(w, r); err != nil {
			return s.refusal(w, r, "/crosschecks", err)
		}
		back := crossCheckBack(r.PostForm, id)
		if err := act(r, id, r.PostForm); err != nil {
			return s.refusal(w, r, back, err)
		}
		return s.redirect(w, r, back, flash)
	}
}

func (s *Server) crossCheckJudge(r *http.Request, id int64, f url.Values) error {
	_, err := s.app.CrossCheckJudge(r.Context(), principal(r), id, f.Get("verdict"), f.Get("note"), formInt(f.Get("version")))
	return err
}

func (s *Server) crossCheckAssign(r *http.Request, id int64, f url.Values) error {
	_, err := s.app.CrossCheckAssign(r.Context(), principal(r), id, app.CrossCheckAssignment{Action: f.Get("action"),
		UnitID: formInt(f.Get("unit_id")), Deadline: f.Get("deadline")})
	return err
}

func (s *Server) crossCheckRecover(r *http.Request, id int64, f url.Values) error {
	fen, ok := monitor.ParseYuan(f.Get("amount"))
	if !ok {
		return apperr.InvalidField("amount_fen", "crosscheck.amount_invalid")
	}
	_, err := s.app.CrossCheckRecover(r.Context(), principal(r), id, fen, f.Get("day"), f.Get("note"))
	return err
}

// crossCheckLabelKeys maps the codes of the cross-checks to their message
// keys (literals, so that the catalogue test finds them).
var crossCheckLabelKeys = map[string]map[string]string{
	"kind": {
		"payments": "crosscheck.kind.payments", "death": "crosscheck.kind.death", "public_employee": "crosscheck.kind.public_employee",
		"relative": "crosscheck.kind.relative", "vehicle": "crosscheck.kind.vehicle", "property": "crosscheck.kind.property",
		"business": "crosscheck.kind.business", "disability": "crosscheck.kind.disability",
	},
	"rule": {
		"deceased": "crosscheck.rule.deceased", "public_employee": "crosscheck.rule.public_employee",
		"official_relative": "crosscheck.rule.official_relative", "vehicle_owner": "crosscheck.rule.vehicle_owner",
		"property_owner": "crosscheck.rule.property_owner", "business_owner": "crosscheck.rule.business_owner",
		"not_disabled": "crosscheck.rule.not_disabled", "double_payment": "crosscheck.rule.double_payment",
	},
	"field": {
		monitor.FieldIDNumber: "crosscheck.field.id_number", monitor.FieldName: "crosscheck.field.name",
		monitor.FieldVillage: "crosscheck.field.village", monitor.FieldDate: "crosscheck.field.date", monitor.FieldItem: "crosscheck.field.item",
		"amount": "crosscheck.field.amount", "township": "crosscheck.field.township", "note": "crosscheck.field.note",
	},
	"strength": {"strong": "crosscheck.strength.strong", "weak": "crosscheck.strength.weak", "": "crosscheck.strength.absent"},
	"verdict": {
		"confirmed": "crosscheck.verdict.confirmed", "rejected": "crosscheck.verdict.rejected", "unsure": "crosscheck.verdict.unsure",
		"": "crosscheck.verdict.none",
	},
	"action": {"clue": "crosscheck.action.clue", "rectification": "crosscheck.action.rectification"},
}

// CrossL returns the label of a cross-check code in a group ("kind",
// "rule", "field", "strength", "verdict", "action"), or the code itself.
func (v *view) CrossL(group string, code any) string {
	if k, ok := crossCheckLabelKeys[group][toString(code)]; ok {
		return v.T(k)
	}
	return toString(code)
}

// Yuan formats an amount in fen as yuan with two decimals.
func (v *view) Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return sign + strconv.FormatInt(fen/100, 10) + "." + strconv.FormatInt(fen%100/10, 10) + strconv.FormatInt(fen%10, 10)
}
