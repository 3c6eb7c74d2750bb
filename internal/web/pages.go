package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
)

//go:embed templates
var templateFS embed.FS

// pages holds one parsed template set per page: layout.html plus the page.
type pages struct{ set map[string]*template.Template }

func parsePages(funcs template.FuncMap) (*pages, error) {
	ps := &pages{set: map[string]*template.Template{}}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" || strings.HasPrefix(base, "partial_") {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partial_*.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", base, err)
		}
		ps.set[base] = t
	}
	return ps, nil
}

// view is what every page template receives.
type view struct {
	s       *Server
	Lang    string
	P       auth.Principal
	Title   string // message key
	Nav     string // active navigation entry
	Flash   string // message key
	Error   string // general error text (already translated)
	Errors  map[string]string
	Form    url.Values
	Data    any
	Request *http.Request
}

// T translates a key in the page language.
func (v *view) T(key string, args ...any) string { return v.s.cat.T(v.Lang, key, args...) }

// Can reports whether the viewer holds a permission.
func (v *view) Can(perm string) bool { return v.P.Can(auth.Permission(perm)) }

// F returns a submitted form value (for re-rendering after an error).
func (v *view) F(name string) string { return v.Form.Get(name) }

// FieldError returns the translated error of a form field, or "".
func (v *view) FieldError(name string) string {
	if k, ok := v.Errors[name]; ok {
		return v.T(k)
	}
	return ""
}

// Other returns the other language (for the switch link).
func (v *view) Other() string {
	if v.Lang == "en" {
		return "zh"
	}
	return "en"
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": func(name string) string { return s.assets.URL(name) },
		"date": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(s.app.Loc).Format("2006-01-02")
		},
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(s.app.Loc).Format("2006-01-02 15:04")
		},
		"str":    func(v any) string { return fmt.Sprint(v) },
		"detail": auditDetail,
		"add":    func(a, b int) int { return a + b },
		"repeat": strings.Repeat,
		"contains": func(list any, v any) bool {
			switch l := list.(type) {
			case []auth.Role:
				for _, x := range l {
					if string(x) == fmt.Sprint(v) {
						return true
					}
				}
			case []auth.Permission:
				for _, x := range l {
					if string(x) == fmt.Sprint(v) {
						return true
					}
				}
			case []string:
				for _, x := range l {
					if x == fmt.Sprint(v) {
						return true
					}
				}
			}
			return false
		},
		"pager": func(total, limit, offset int, r *http.Request) map[string]any {
			q := r.URL.Query()
			out := map[string]any{"Page": offset/max(limit, 1) + 1, "Pages": (total + limit - 1) / max(limit, 1), "Total": total}
			if offset > 0 {
				q.Set("offset", strconv.Itoa(max(0, offset-limit)))
				out["Prev"] = r.URL.Path + "?" + q.Encode()
			}
			if offset+limit < total {
				q.Set("offset", strconv.Itoa(offset+limit))
				out["Next"] = r.URL.Path + "?" + q.Encode()
			}
			return out
		},
	}
}

// newView prepares a page view for the request.
func (s *Server) newView(r *http.Request, title, nav string, data any) *view {
	v := &view{s: s, Lang: lang(r), P: principal(r), Title: title, Nav: nav, Data: data, Request: r, Form: url.Values{}}
	if c, err := r.Cookie("qf_flash"); err == nil && strings.HasPrefix(c.Value, "flash.") {
		v.Flash = c.Value
	}
	return v
}

// render writes a page with a status. Rendering goes to a buffer first so a
// template error never sends half a page.
func (s *Server) render(w http.ResponseWriter, status int, page string, v *view) error {
	t, ok := s.pages.set[page]
	if !ok {
		return fmt.Errorf("web: no page %s", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("web: render %s: %w", page, err)
	}
	if v.Flash != "" {
		http.SetCookie(w, &http.Cookie{Name: "qf_flash", Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// redirect sends the browser on with a flash message key.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, to, flash string) error {
	if flash != "" {
		http.SetCookie(w, &http.Cookie{Name: "qf_flash", Value: flash, Path: "/", MaxAge: 30, HttpOnly: true,
			Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// formError re-renders a form page after an invalid or conflicting
// submission: field errors next to fields, other errors at the top. Any
// other error is returned for the error page.
func (s *Server) formError(w http.ResponseWriter, r *http.Request, err error, page string, v *view) error {
	e := apperr.As(err)
	if e.Code != apperr.Invalid && e.Code != apperr.Conflict {
		return err
	}
	v.Form = r.PostForm
	v.Errors = e.Fields
	if len(e.Fields) == 0 {
		v.Error = v.T(e.Key, e.Args...)
	} else {
		v.Error = v.T("error.invalid")
	}
	return s.render(w, apperr.HTTPStatus(e.Code), page, v)
}

// fail renders an error page (or redirects to sign-in). Internal errors are
// logged; users see only the translated message and code.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.As(err)
	if e.Code == apperr.Internal {
		s.log.Error("internal error", "route", r.Pattern, "err", err)
	}
	if e.Code == apperr.Unauthenticated && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	v := s.newView(r, "error.title", "", map[string]any{"Code": string(e.Code), "Status": apperr.HTTPStatus(e.Code)})
	v.Error = v.T(e.Key, e.Args...)
	if len(e.Fields) > 0 {
		for f, k := range e.Fields {
			v.Error += " " + f + ": " + v.T(k)
		}
	}
	if rerr := s.render(w, apperr.HTTPStatus(e.Code), "error.html", v); rerr != nil {
		s.log.Error("render error page", "err", rerr)
		http.Error(w, string(e.Code), apperr.HTTPStatus(e.Code))
	}
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// safeNext accepts only local paths for post-sign-in redirects.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.HasPrefix(next, "/\\") {
		return next
	}
	return "/"
}

// formInt parses an integer form or query value (0 when absent or bad).
func formInt(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// pathID parses the {id} path value. Errors: not_found.
func pathID(r *http.Request, name string) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, apperr.New(apperr.NotFound, "error.not_found.page")
	}
	return n, nil
}

// parseForm parses a POST body with a size limit.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return apperr.Wrap(err, apperr.Invalid, "error.bad_form")
	}
	return nil
}

// auditDetail renders an audit record's JSON summary as "field: value"
// pairs, dropping empty values, for the history lists.
func auditDetail(js string) string {
	var m map[string]any
	if json.Unmarshal([]byte(js), &m) != nil || len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k, v := range m {
		switch x := v.(type) {
		case string:
			if x == "" || strings.HasPrefix(x, "0001-01-01") {
				continue
			}
		case nil:
			continue
		case []any:
			if len(x) == 0 {
				continue
			}
		}
		if k == "_changed" || k == "Path" {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v := m[k]
		if f, ok := v.(float64); ok {
			v = strconv.FormatFloat(f, 'f', -1, 64)
		}
		parts = append(parts, fmt.Sprintf("%s: %v", k, v))
	}
	return strings.Join(parts, "；")
}
