package web

import (
	"net/http"
	"strconv"

	"qingfeng/internal/apperr"
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
