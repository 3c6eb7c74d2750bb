package web

import (
	"net/http"

	"qingfeng/internal/push"
)

// pushRoutes registers the push of an alert to the provincial platform
// (推送省平台) from the smart-granary page, and its manual retry.
func (s *Server) pushRoutes(mux *http.ServeMux) {
	mux.Handle("POST /monitor/alerts/{id}/push", s.authed(s.monitorPush))
	mux.Handle("POST /monitor/alerts/{id}/push/retry", s.authed(s.monitorPushRetry))
}

func (s *Server) monitorPush(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return s.refusal(w, r, "/monitor", err)
	}
	if _, err := s.app.PushAlert(r.Context(), principal(r), id); err != nil {
		return s.refusal(w, r, "/monitor", err)
	}
	return s.redirect(w, r, "/monitor", "flash.push_queued")
}

func (s *Server) monitorPushRetry(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return s.refusal(w, r, "/monitor", err)
	}
	if _, err := s.app.RetryPush(r.Context(), principal(r), id); err != nil {
		return s.refusal(w, r, "/monitor", err)
	}
	return s.redirect(w, r, "/monitor", "flash.push_requeued")
}

// pushStateKeys maps the push states to their message keys (literals, so
// that the catalogue test finds them).
var pushStateKeys = map[push.State]string{
	push.StatePending: "push.state.pending", push.StateDelivering: "push.state.delivering", push.StateRetry: "push.state.retry",
	push.StateDelivered: "push.state.delivered", push.StateFailed: "push.state.failed",
}

// PushL returns the label of a push state.
func (v *view) PushL(s push.State) string {
	if k, ok := pushStateKeys[s]; ok {
		return v.T(k)
	}
	return string(s)
}
