package api

import (
	"net/http"
	"time"

	"qingfeng/internal/store"
)

// notificationRoutes are the in-app inbox's routes.
func (x *API) notificationRoutes() []route {
	return []route{
		{"GET", "/notifications", false, x.listNotifications},
		{"POST", "/notifications/read", false, x.readNotifications},
	}
}

// NotificationOut is a notification in API answers.
type NotificationOut struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"`
	Title      string     `json:"title"`
	Body       string     `json:"body"`
	ObjectType string     `json:"object_type,omitempty"`
	ObjectID   int64      `json:"object_id,omitempty"`
	Link       string     `json:"link,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	ReadAt     *time.Time `json:"read_at"`
}

func notificationOut(n store.Notification) NotificationOut {
	o := NotificationOut{ID: n.ID, Kind: n.Kind, Title: n.Title, Body: n.Body, ObjectType: n.ObjectType, ObjectID: n.ObjectID,
		Link: n.Link, CreatedAt: n.CreatedAt}
	if !n.ReadAt.IsZero() {
		t := n.ReadAt
		o.ReadAt = &t
	}
	return o
}

func (x *API) listNotifications(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	p := principal(r)
	items, total, err := x.app.Inbox(r.Context(), p, store.NotificationFilter{UnreadOnly: r.URL.Query().Get("unread") == "1",
		Page: store.Page{Limit: limit, Offset: offset}})
	if err != nil {
		return err
	}
	unread, err := x.app.UnreadCount(r.Context(), p)
	if err != nil {
		return err
	}
	out := struct {
		list[NotificationOut]
		Unread int `json:"unread"`
	}{list[NotificationOut]{Items: []NotificationOut{}, Total: total, Limit: limit, Offset: offset}, unread}
	for _, n := range items {
		out.Items = append(out.Items, notificationOut(n))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (x *API) readNotifications(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		IDs []int64 `json:"ids"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	n, err := x.app.MarkRead(r.Context(), principal(r), in.IDs)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]int{"changed": n})
}
