package api

import (
	"net/http"
	"time"

	"qingfeng/internal/push"
	"qingfeng/internal/store"
)

// pushRoutes are the routes of the alert push to the provincial platform
// (推送省平台): push an alert, push a failed one again, list the pushes.
func (x *API) pushRoutes() []route {
	return []route{
		{"POST", "/granary/alerts/{id}/push", false, x.pushAlert},
		{"POST", "/granary/alerts/{id}/push/retry", false, x.retryPush},
		{"GET", "/granary/pushes", false, x.listPushes},
	}
}

// Push is an alert's push in the API.
type Push struct {
	AlertID     int64      `json:"alert_id"`
	Key         string     `json:"idempotency_key"`
	State       push.State `json:"state"`
	Auto        bool       `json:"auto"`
	Attempts    int        `json:"attempts"`
	Requeues    int        `json:"requeues"`
	NextAt      *time.Time `json:"next_at,omitempty"`
	LastStatus  int        `json:"last_status,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	LastAt      *time.Time `json:"last_at,omitempty"`
	QueuedAt    time.Time  `json:"queued_at"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
}

// pushJSON renders a push (nil for none).
func pushJSON(p *store.Push) *Push {
	if p == nil {
		return nil
	}
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	out := &Push{AlertID: p.AlertID, Key: p.Key, State: p.State, Auto: p.Auto, Attempts: p.Attempts, Requeues: p.Requeues,
		LastStatus: p.LastStatus, LastError: p.LastError, LastAt: opt(p.LastAt), QueuedAt: p.CreatedAt, DeliveredAt: opt(p.DeliveredAt)}
	if p.State == push.StatePending || p.State == push.StateRetry {
		out.NextAt = opt(p.NextAt)
	}
	return out
}

func (x *API) pushAlert(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "page")
	if err != nil {
		return err
	}
	p, err := x.app.PushAlert(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, pushJSON(&p))
}

func (x *API) retryPush(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "page")
	if err != nil {
		return err
	}
	p, err := x.app.RetryPush(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, pushJSON(&p))
}

func (x *API) listPushes(w http.ResponseWriter, r *http.Request) error {
	limit, _, err := page(r)
	if err != nil {
		return err
	}
	rows, err := x.app.AlertPushes(r.Context(), principal(r), push.State(r.URL.Query().Get("state")), limit)
	if err != nil {
		return err
	}
	out := make([]*Push, 0, len(rows))
	for i := range rows {
		out = append(out, pushJSON(&rows[i]))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": out})
}
