package web

import (
	"bytes"
	"io"
	"net/http"
	"path/filepath"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
)

// caseImportView is the case ledger import page with the units the
// caller may import for.
func (s *Server) caseImportView(r *http.Request) (*view, error) {
	units, err := s.app.CaseImportUnits(r.Context(), principal(r))
	if err != nil {
		return nil, err
	}
	return s.newView(r, "caseimport.title", "cases", map[string]any{"Units": units}), nil
}

// caseImportPage shows the upload form for a historical case ledger.
func (s *Server) caseImportPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.caseImportView(r)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "case_import.html", v)
}

// caseImportPost checks (仅检查) or imports an uploaded ledger and shows
// the summary: errors with row, column and reason, and the totals.
func (s *Server) caseImportPost(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermCaseFile) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	defer cleanupMultipart(r)
	if err := parseMultipart(w, r, maxImportFile+(1<<20)); err != nil {
		return s.caseImportFail(w, r, err)
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		return s.caseImportFail(w, r, apperr.InvalidField("file", "import.file_required"))
	}
	fh := r.MultipartForm.File["file"][0]
	file, err := fh.Open()
	if err != nil {
		return s.caseImportFail(w, r, apperr.Wrap(err, apperr.Invalid, "error.bad_form"))
	}
	data, err := io.ReadAll(io.LimitReader(file, maxImportFile+1))
	file.Close()
	if err != nil || len(data) > maxImportFile {
		return s.caseImportFail(w, r, apperr.InvalidField("file", "import.too_large"))
	}
	f := r.PostForm
	name := filepath.Base(fh.Filename)
	sum, err := s.app.ImportCases(r.Context(), p, bytes.NewReader(data), int64(len(data)), app.CaseImportOptions{Name: name,
		UnitID: formInt(f.Get("unit_id")), ValidOnly: f.Get("valid_only") == "1", DryRun: f.Get("dry_run") == "1"})
	if err != nil {
		return s.caseImportFail(w, r, err)
	}
	v, err := s.caseImportView(r)
	if err != nil {
		return err
	}
	v.Form = f
	d := v.Data.(map[string]any)
	d["Summary"], d["Name"] = sum, name
	status := http.StatusOK
	if sum.Failed() {
		status = http.StatusUnprocessableEntity
	}
	return s.render(w, status, "case_import.html", v)
}

// caseImportFail shows the form again with the reason.
func (s *Server) caseImportFail(w http.ResponseWriter, r *http.Request, err error) error {
	e := apperr.As(err)
	if e.Code == apperr.Internal || e.Code == apperr.Forbidden {
		return err
	}
	v, verr := s.caseImportView(r)
	if verr != nil {
		return verr
	}
	if r.PostForm != nil {
		v.Form = r.PostForm
	}
	v.Errors = e.Fields
	v.Error = v.T(e.Key, e.Args...)
	for _, k := range e.Fields {
		v.Error = v.T(k)
	}
	return s.render(w, apperr.HTTPStatus(e.Code), "case_import.html", v)
}
