package app

import (
	"context"
	"net/mail"
	"strings"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/notify"
	"qingfeng/internal/store"
)

// Delivery of notifications through outside gateways: every notification
// put in an inbox is also sent, once, over each configured sender to the
// user's address for its channel (e-mail address, phone), retried with
// backoff when the gateway fails. Notifications older than deliveryWindow
// when a gateway first sees them (e.g. when e-mail is switched on) are not
// sent.
const (
	deliveryWindow   = 24 * time.Hour
	deliveryAttempts = 5
	deliveryBatch    = 50
	deliveryLease    = 2 * time.Minute
)

// deliveryBackoff is the wait after the n-th failed attempt (1-based).
func deliveryBackoff(n int) time.Duration {
	return []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour}[min(max(n, 1), 4)-1]
}

// DeliverNotifications sends the waiting notifications through every
// configured sender; the serve command runs it every minute. It returns how
// many messages went out. Gateway errors are recorded per delivery (and
// retried), not returned; errors: internal (the store).
func (a *App) DeliverNotifications(ctx context.Context) (int, error) {
	sent := 0
	now := a.Now()
	for _, snd := range a.Senders {
		ds, err := a.Store.ClaimDeliveries(ctx, snd.Channel(), now.Add(-deliveryWindow), deliveryAttempts, deliveryBatch, deliveryLease)
		if err != nil {
			return sent, err
		}
		for _, d := range ds {
			err := snd.Send(ctx, a.message(d))
			attempt := d.Attempts + 1
			if err := a.Store.FinishDelivery(ctx, d, err, a.Now().Add(deliveryBackoff(attempt)), attempt >= deliveryAttempts); err != nil {
				return sent, err
			}
			if err == nil {
				sent++
			}
		}
	}
	return sent, nil
}

// message renders a notification for a gateway.
func (a *App) message(d store.Delivery) notify.Message {
	n := d.Notification
	body := n.Title
	if n.Body != "" {
		body += "\n\n" + n.Body
	}
	if n.Link != "" && a.BaseURL != "" {
		body += "\n\n" + strings.TrimRight(a.BaseURL, "/") + n.Link
	}
	body += "\n\n（清风基层监督平台自动发送，请勿回复。）"
	return notify.Message{To: d.Address, Subject: "【清风】" + n.Title, Body: body}
}

// SetEmail sets the caller's own e-mail address for notifications ("" to
// stop e-mail). Errors: invalid (field email) "account.email_invalid".
func (a *App) SetEmail(ctx context.Context, p auth.Principal, email string) error {
	email = strings.TrimSpace(email)
	if email != "" {
		addr, err := mail.ParseAddress(email)
		if err != nil || addr.Address != email || len(email) > 254 {
			return apperr.InvalidField("email", "account.email_invalid")
		}
	}
	if p.UserID == 0 {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return a.Store.SetUserEmail(ctx, actor(p), p.UserID, email)
}
