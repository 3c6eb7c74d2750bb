package web

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/intake"
)

// Import limits of the UI: the file is held in memory between preview and
// confirmation, so both its size and the number held are bounded.
const (
	maxImportFile  = 64 << 20
	pendingTTL     = 15 * time.Minute
	maxPendingHeld = 4
)

// pendingImports holds previewed files until the user confirms the import
// (memory only; a restart drops them and the user uploads again).
type pendingImports struct {
	mu    sync.Mutex
	files map[string]pendingFile
}

type pendingFile struct {
	userID  int64
	name    string
	data    []byte
	expires time.Time
}

func (p *pendingImports) put(userID int64, name string, data []byte, now time.Time) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	tok := hex.EncodeToString(b)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.files == nil {
		p.files = map[string]pendingFile{}
	}
	for k, f := range p.files {
		if now.After(f.expires) || f.userID == userID {
			delete(p.files, k)
		}
	}
	if len(p.files) >= maxPendingHeld {
		return "", apperr.New(apperr.RateLimited, "import.busy")
	}
	p.files[tok] = pendingFile{userID: userID, name: name, data: data, expires: now.Add(pendingTTL)}
	return tok, nil
}

func (p *pendingImports) take(userID int64, tok string, now time.Time) (pendingFile, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f, ok := p.files[tok]
	if !ok || f.userID != userID || now.After(f.expires) {
		return pendingFile{}, false
	}
	delete(p.files, tok)
	return f, true
}

func (s *Server) importView(r *http.Request) (*view, error) {
	units, err := s.app.ImportUnits(r.Context(), principal(r))
	if err != nil {
		return nil, err
	}
	return s.newView(r, "import.title", "reports", map[string]any{"Units": units,
		"Channels": []intake.Channel{intake.ChannelHotline, intake.ChannelOpinion, intake.ChannelLetter, intake.ChannelPhone, intake.ChannelTransfer}}), nil
}

// importPage shows the upload form.
func (s *Server) importPage(w http.ResponseWriter, r *http.Request) error {
	if !principal(r).Can(auth.PermReportRegister) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	v, err := s.importView(r)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "report_import.html", v)
}

// importPost previews an uploaded file (nothing written) or, with a token
// from a preview, imports it and shows the summary.
func (s *Server) importPost(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermReportRegister) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	defer cleanupMultipart(r)
	if err := parseMultipart(w, r, maxImportFile+(1<<20)); err != nil {
		return s.importFail(w, r, err)
	}
	f := r.PostForm
	opt := app.ImportOptions{UnitID: formInt(f.Get("unit_id")), Channel: intake.Channel(f.Get("channel")),
		Kind: intake.KindAccusation, Mapping: f.Get("mapping"), Source: f.Get("source")}
	now := s.app.Now()
	var name string
	var data []byte
	if tok := f.Get("token"); tok != "" {
		pf, ok := s.imports.take(p.UserID, tok, now)
		if !ok {
			return s.importFail(w, r, apperr.New(apperr.Conflict, "import.preview_expired"))
		}
		name, data = pf.name, pf.data
	} else {
		if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
			return s.importFail(w, r, apperr.InvalidField("file", "import.file_required"))
		}
		fh := r.MultipartForm.File["file"][0]
		file, err := fh.Open()
		if err != nil {
			return s.importFail(w, r, apperr.Wrap(err, apperr.Invalid, "error.bad_form"))
		}
		data, err = io.ReadAll(io.LimitReader(file, maxImportFile+1))
		file.Close()
		if err != nil || len(data) > maxImportFile {
			return s.importFail(w, r, apperr.InvalidField("file", "import.too_large"))
		}
		name = filepath.Base(fh.Filename)
	}
	opt.Name = name
	preview := f.Get("token") == ""
	opt.DryRun, opt.Preview = preview, 20
	sum, err := s.app.Import(r.Context(), p, bytes.NewReader(data), int64(len(data)), opt)
	if err != nil {
		return s.importFail(w, r, err)
	}
	v, err := s.importView(r)
	if err != nil {
		return err
	}
	v.Form = f
	d := v.Data.(map[string]any)
	d["Summary"], d["Name"], d["Preview"] = sum, name, preview
	if preview {
		tok, err := s.imports.put(p.UserID, name, data, now)
		if err != nil {
			return s.importFail(w, r, err)
		}
		d["Token"] = tok
	}
	return s.render(w, http.StatusOK, "report_import.html", v)
}

// importFail shows the form again with the reason.
func (s *Server) importFail(w http.ResponseWriter, r *http.Request, err error) error {
	e := apperr.As(err)
	if e.Code == apperr.Internal || e.Code == apperr.Forbidden {
		return err
	}
	v, verr := s.importView(r)
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
	return s.render(w, apperr.HTTPStatus(e.Code), "report_import.html", v)
}
