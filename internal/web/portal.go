package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/divisions"
	"qingfeng/internal/intake"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// portalRoutes registers the public reporting portal: no account, nothing
// about the client stored or logged, the receipt code only ever in a POST
// body or on a no-store page.
func (s *Server) portalRoutes(mux *http.ServeMux) {
	mux.Handle("GET /report", s.wrap(s.portalHome))
	mux.Handle("GET /report/new", s.wrap(s.portalNew))
	mux.Handle("POST /report", s.wrap(s.portalSubmit))
	mux.Handle("GET /report/places", s.wrap(s.portalPlaces))
	mux.Handle("GET /report/challenge", s.wrap(s.portalChallenge))
	mux.Handle("GET /report/track", s.wrap(s.portalTrackPage))
	mux.Handle("POST /report/track", s.wrap(s.portalTrack))
	mux.Handle("POST /report/track/message", s.wrap(s.portalMessage))
	mux.Handle("GET /report/stats", s.wrap(s.portalStats))
}

// place is a choice in the place selects.
type place struct {
	Code string
	Name string
}

// places lists the places under a division code: the county commissions
// for "", the townships of a county (6 digits) or the villages of a
// township (9 digits); only active units carrying a division code. The
// portal has no principal: the lookup runs with the system scope and
// returns names and codes only.
func (s *Server) places(r *http.Request, parent string) ([]place, error) {
	ctx := r.Context()
	sc := auth.System().ScopeFor(auth.PermOrgRead)
	var f store.UnitFilter
	want := 0
	switch len(parent) {
	case 0:
		f, want = store.UnitFilter{Kinds: []org.Kind{org.KindCommission}}, 6
	case 6, 9:
		u, err := s.app.Store.GetUnitByDivision(ctx, parent)
		if apperr.Is(err, apperr.NotFound) || (err == nil && !u.Active) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		kind := org.KindTownship
		if len(parent) == 9 {
			kind = org.KindVillage
		}
		f, want = store.UnitFilter{Under: u.Path, Kinds: []org.Kind{kind}}, map[int]int{6: 9, 9: 12}[len(parent)]
	default:
		return nil, nil
	}
	f.Page = store.Page{Limit: 500}
	units, _, err := s.app.Store.ListUnits(ctx, sc, f)
	if err != nil {
		return nil, err
	}
	var out []place
	for _, u := range units {
		if len(u.DivisionCode) == want && strings.HasPrefix(u.DivisionCode, parent) {
			out = append(out, place{Code: u.DivisionCode, Name: placeName(u)})
		}
	}
	return out, nil
}

// hunan is the official division list (names of counties and townships).
var hunan = sync.OnceValues(divisions.LoadHunan)

// placeName is what a citizen calls a place: the official division name
// (永定区, 天门山镇), else the unit's name without the commission's suffix
// (大坪村村务监督委员会 → 大坪村).
func placeName(u org.Unit) string {
	if set, err := hunan(); err == nil {
		if d, ok := set.Get(u.DivisionCode); ok && d.Name != "" {
			return d.Name
		}
	}
	for _, suffix := range []string{"村务监督委员会", "居务监督委员会", "纪委监委", "纪工委", "纪委"} {
		if n := strings.TrimSuffix(u.Name, suffix); n != u.Name && n != "" {
			return n
		}
	}
	return u.Name
}

// portalView is a portal page: the portal header, no staff navigation.
func (s *Server) portalView(r *http.Request, title string, data any) *view {
	v := s.newView(r, title, "portal", data)
	v.P = auth.Principal{}
	return v
}

func (s *Server) portalHome(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, http.StatusOK, "portal_home.html", s.portalView(r, "portal.title", map[string]any{"Kinds": intake.Kinds()}))
}

// portalNew shows the report form with a fresh proof-of-work challenge.
func (s *Server) portalNew(w http.ResponseWriter, r *http.Request) error {
	d, err := s.reportForm(r, false, url.Values{})
	if err != nil {
		return err
	}
	v := s.portalView(r, "portal.form_title", d)
	kind := intake.Kind(r.URL.Query().Get("kind"))
	if kind != intake.KindAppeal && kind != intake.KindSuggestion {
		kind = intake.KindAccusation
	}
	v.Form.Set("kind", string(kind))
	v.Form.Set("identity", "anonymous")
	return s.render(w, http.StatusOK, "report_form.html", v)
}

// portalSubmit checks the proof-of-work, registers the report and shows
// the receipt code once (rendered, never redirected with the code).
func (s *Server) portalSubmit(w http.ResponseWriter, r *http.Request) error {
	defer cleanupMultipart(r)
	perr := parseMultipart(w, r, maxReportBody)
	f := r.PostForm
	if f == nil {
		f = url.Values{}
	}
	showForm := func(status int, msg string, fields map[string]string) error {
		d, err := s.reportForm(r, false, f)
		if err != nil {
			return err
		}
		v := s.portalView(r, "portal.form_title", d)
		v.Form, v.Errors, v.Error = f, fields, msg
		if r.MultipartForm != nil && len(r.MultipartForm.File["files"]) > 0 {
			v.Error += " " + v.T("report.files_again")
		}
		return s.render(w, status, "report_form.html", v)
	}
	refuse := func(err error) error {
		e := apperr.As(err)
		if e.Code != apperr.Invalid && e.Code != apperr.Conflict {
			return err
		}
		msg := s.bareView(r).T(e.Key, e.Args...)
		if len(e.Fields) > 0 {
			msg = s.bareView(r).T("report.fix_errors")
		}
		return showForm(apperr.HTTPStatus(e.Code), msg, e.Fields)
	}
	if perr != nil {
		return refuse(perr)
	}
	if err := s.opt.Challenge.Verify(f.Get("challenge"), f.Get("nonce")); err != nil {
		return showForm(http.StatusUnprocessableEntity, s.bareView(r).T("portal.pow_failed"), nil)
	}
	ups, err := readUploads(r, "files")
	if err != nil {
		return refuse(err)
	}
	rc, err := s.app.SubmitPublic(r.Context(), submissionFromForm(f), ups)
	if err != nil {
		return refuse(err)
	}
	return s.render(w, http.StatusOK, "portal_receipt.html", s.portalView(r, "portal.receipt_title", map[string]any{
		"Groups": strings.Split(intake.GroupReceipt(rc.Code), "-"), "Number": rc.Number, "Status": rc.Status}))
}

// bareView is a view for translating outside a page.
func (s *Server) bareView(r *http.Request) *view { return &view{s: s, Lang: lang(r)} }

// portalPlaces answers the cascading place selects (htmx) with <option>s:
// ?parent=CODE (or the select's own county/township value). When a county
// changes, the village select is emptied out of band.
func (s *Server) portalPlaces(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	parent := q.Get("parent")
	if parent == "" {
		parent = q.Get("township")
	}
	if parent == "" {
		parent = q.Get("county")
	}
	if parent != "" && len(parent) != 6 && len(parent) != 9 {
		return apperr.New(apperr.NotFound, "error.not_found.page")
	}
	ps, err := s.places(r, parent)
	if err != nil {
		return err
	}
	v := s.bareView(r)
	var b strings.Builder
	if len(parent) == 9 {
		b.WriteString(`<option value="">` + template.HTMLEscapeString(v.T("portal.place_village_any")) + `</option>`)
	} else {
		b.WriteString(`<option value="">` + template.HTMLEscapeString(v.T("portal.place_township_any")) + `</option>`)
	}
	for _, p := range ps {
		b.WriteString(`<option value="` + template.HTMLEscapeString(p.Code) + `">` + template.HTMLEscapeString(p.Name) + `</option>`)
	}
	if len(parent) != 9 {
		b.WriteString(`<select id="village" hx-swap-oob="innerHTML"><option value="">` +
			template.HTMLEscapeString(v.T("portal.place_village_any")) + `</option></select>`)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write([]byte(b.String()))
	return err
}

// portalChallenge hands out a fresh challenge (pow.js asks for one when
// the form has been open for long and its challenge may have expired).
func (s *Server) portalChallenge(w http.ResponseWriter, r *http.Request) error {
	ch, err := s.opt.Challenge.Issue()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write([]byte(ch))
	return err
}

func (s *Server) portalTrackPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, http.StatusOK, "portal_track.html", s.portalView(r, "portal.track_title", nil))
}

// trackRefusal shows a lookup refusal (unknown code, too many lookups) on
// the code form with its status; other errors go to the error page.
func (s *Server) trackRefusal(w http.ResponseWriter, r *http.Request, err error) error {
	e := apperr.As(err)
	if e.Code != apperr.NotFound && e.Code != apperr.RateLimited {
		return err
	}
	v := s.portalView(r, "portal.track_title", nil)
	v.Error = v.T(e.Key, e.Args...)
	return s.render(w, apperr.HTTPStatus(e.Code), "portal_track.html", v)
}

// portalTrack shows a report's public status for a receipt code sent in
// the POST body.
func (s *Server) portalTrack(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	code := intake.NormalizeReceipt(r.PostForm.Get("code"))
	pv, err := s.app.LookupReceipt(r.Context(), code, s.opt.Proxies.Source(r))
	if err != nil {
		return s.trackRefusal(w, r, err)
	}
	return s.renderStatus(w, r, http.StatusOK, code, pv, nil)
}

func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, code string, pv app.PublicView, prep func(*view)) error {
	v := s.portalView(r, "portal.status_title", map[string]any{"View": pv, "Code": code,
		"MaxFiles": intake.MaxFiles, "MaxFileMB": intake.MaxFileBytes >> 20})
	if prep != nil {
		prep(v)
	}
	return s.render(w, status, "portal_status.html", v)
}

// portalMessage adds the reporter's information and files, then shows the
// status page again.
func (s *Server) portalMessage(w http.ResponseWriter, r *http.Request) error {
	defer cleanupMultipart(r)
	perr := parseMultipart(w, r, maxMessageBody)
	f := r.PostForm
	if f == nil {
		f = url.Values{}
	}
	code := intake.NormalizeReceipt(f.Get("code"))
	err := perr
	if err == nil {
		var ups []app.Upload
		if ups, err = readUploads(r, "files"); err == nil {
			err = s.app.AddPublicMessage(r.Context(), code, s.opt.Proxies.Source(r), f.Get("body"), ups)
		}
	}
	if err != nil && !apperr.Is(err, apperr.Invalid) {
		return s.trackRefusal(w, r, err)
	}
	pv, lerr := s.app.LookupReceipt(r.Context(), code, s.opt.Proxies.Source(r))
	if lerr != nil {
		return s.trackRefusal(w, r, lerr)
	}
	if err != nil {
		e := apperr.As(err)
		return s.renderStatus(w, r, apperr.HTTPStatus(e.Code), code, pv, func(v *view) {
			v.Form, v.Errors, v.Error = f, e.Fields, v.T("report.fix_errors")
			if r.MultipartForm != nil && len(r.MultipartForm.File["files"]) > 0 {
				v.Error += " " + v.T("report.files_again")
			}
		})
	}
	return s.renderStatus(w, r, http.StatusOK, code, pv, func(v *view) { v.Flash = "flash.portal_message_added" })
}
