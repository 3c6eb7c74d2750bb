package web

import (
	"net/http"
	"strconv"

	"qingfeng/internal/store"
)

// inboxRoutes registers the in-app inbox (消息): reminders, overdue alarms,
// assignments and urging notices of every workflow.
func (s *Server) inboxRoutes(mux *http.ServeMux) {
	mux.Handle("GET /inbox", s.authed(s.inboxList))
	mux.Handle("POST /inbox/read", s.authed(s.inboxRead))
	mux.Handle("POST /inbox/{id}/open", s.authed(s.inboxOpen))
}

// Unread is the viewer's unread notification count for the navigation
// badge (0 when signed out or on error: a badge never breaks a page).
func (v *view) Unread() int {
	if v.P.UserID == 0 || v.Request == nil {
		return 0
	}
	n, err := v.s.app.UnreadCount(v.Request.Context(), v.P)
	if err != nil {
		return 0
	}
	return n
}

func (s *Server) inboxList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.NotificationFilter{UnreadOnly: q.Get("unread") == "1", Page: store.Page{Limit: 50, Offset: int(formInt(q.Get("offset")))}}
	items, total, err := s.app.Inbox(r.Context(), principal(r), f)
	if err != nil {
		return err
	}
	v := s.newView(r, "inbox.title", "inbox", map[string]any{"Rows": items, "Total": total, "Limit": 50, "Offset": f.Offset})
	v.Form = q
	return s.render(w, http.StatusOK, "inbox.html", v)
}

// inboxRead marks the chosen notifications (form values "id") read, or all
// unread ones when none is chosen.
func (s *Server) inboxRead(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	var ids []int64
	for _, v := range r.PostForm["id"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			ids = append(ids, n)
		}
	}
	if _, err := s.app.MarkRead(r.Context(), principal(r), ids); err != nil {
		return err
	}
	return s.redirect(w, r, "/inbox", "flash.inbox_read")
}

// inboxOpen marks one notification read and goes to its record (local
// paths only).
func (s *Server) inboxOpen(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	if _, err := s.app.MarkRead(r.Context(), principal(r), []int64{id}); err != nil {
		return err
	}
	return s.redirect(w, r, safeNext(r.PostForm.Get("link")), "")
}
