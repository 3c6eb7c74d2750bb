package web

import (
	"context"
	"net/http"
	"strconv"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// redirectError shows a refused action's reason on the page it came from:
// the reason is rendered on an error page with a link back, keeping the
// request POST-redirect-GET free of state in the URL.
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, back string, e *apperr.Error) error {
	v := s.newView(r, "error.title", "", map[string]any{"Code": string(e.Code), "Status": apperr.HTTPStatus(e.Code), "Back": back})
	v.Error = v.T(e.Key, e.Args...)
	for f, k := range e.Fields {
		v.Error += " " + v.T("field."+f) + ": " + v.T(k)
	}
	return s.render(w, apperr.HTTPStatus(e.Code), "error.html", v)
}

// refusal shows a refused action (invalid, conflict, forbidden) on an error
// page linking back to back; any other error is returned for the error page.
func (s *Server) refusal(w http.ResponseWriter, r *http.Request, back string, err error) error {
	if isRefusal(err) || apperr.Is(err, apperr.Forbidden) {
		return s.redirectError(w, r, back, apperr.As(err))
	}
	return err
}

// setActive is the shared deactivate/reactivate handler: it reads "active"
// and "version" from the form, lets apply load and save the object {id},
// shows a refusal (conflict, invalid) on an error page linking back to
// base+id, and otherwise returns to the object's page with a flash.
func (s *Server) setActive(w http.ResponseWriter, r *http.Request, base string,
	apply func(ctx context.Context, p auth.Principal, id int64, active bool, version int64) error) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	active := r.PostForm.Get("active") == "1"
	if err := apply(r.Context(), principal(r), id, active, formInt(r.PostForm.Get("version"))); err != nil {
		if isRefusal(err) {
			return s.redirectError(w, r, base+itoa(id), apperr.As(err))
		}
		return err
	}
	return s.redirect(w, r, base+itoa(id), map[bool]string{true: "flash.activated", false: "flash.deactivated"}[active])
}
