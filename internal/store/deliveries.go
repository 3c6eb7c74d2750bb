package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"qingfeng/internal/audit"
)

// This file keeps the deliveries of in-app notifications through outside
// gateways (e-mail; an SMS gateway would add a channel): which
// notification went out on which channel, claimed with a lease so that
// several instances may run, retried with backoff, never sent twice.

// contactCols is the address column of each channel.
var contactCols = map[string]string{"email": "us.email", "phone": "p.phone"}

// Delivery is a claimed notification with the address to send it to.
type Delivery struct {
	Notification Notification
	Channel      string
	Address      string
	Attempts     int // before this one
}

// ClaimDeliveries claims up to limit notifications created at or after
// since that have not gone out on channel, whose user is active and has an
// address for it, and which are not leased by another worker or waiting
// for a retry; each is leased until now+lease. Errors: internal.
func (s *Store) ClaimDeliveries(ctx context.Context, channel string, since time.Time, maxAttempts, limit int, lease time.Duration) ([]Delivery, error) {
	col, ok := contactCols[channel]
	if !ok {
		return nil, fmt.Errorf("store: unknown delivery channel %q", channel)
	}
	now := s.now()
	var out []Delivery
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT n.id, n.user_id, n.kind, n.title, n.body, n.object_type, n.object_id, n.link,
			n.dedup_key, n.created_at, n.read_at, `+col+`, COALESCE(d.attempts, 0)
			FROM notifications n JOIN users us ON us.id = n.user_id JOIN people p ON p.id = us.person_id
			LEFT JOIN notification_deliveries d ON d.notification_id = n.id AND d.channel = $1
			WHERE n.created_at >= $2 AND us.active AND `+col+` <> ''
			AND (d.notification_id IS NULL OR (d.sent_at = 0 AND d.failed_at = 0 AND d.attempts < $3 AND d.next_at <= $4
				AND d.claimed_until < $4))
			ORDER BY n.id LIMIT $5`, channel, ms(since), maxAttempts, ms(now), limit)
		if err != nil {
			return fmt.Errorf("store: delivery candidates: %w", err)
		}
		var cands []Delivery
		for rows.Next() {
			var d Delivery
			var c, r int64
			n := &d.Notification
			if err := rows.Scan(&n.ID, &n.UserID, &n.Kind, &n.Title, &n.Body, &n.ObjectType, &n.ObjectID, &n.Link, &n.DedupKey, &c, &r,
				&d.Address, &d.Attempts); err != nil {
				rows.Close()
				return err
			}
			n.CreatedAt, n.ReadAt, d.Channel = fromMS(c), fromMS(r), channel
			cands = append(cands, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, d := range cands {
			// Only the worker whose upsert changed the row holds the lease.
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO notification_deliveries (notification_id, channel, address, claimed_until)
				VALUES ($1, $2, $3, $4)
				ON CONFLICT (notification_id, channel) DO UPDATE SET claimed_until = excluded.claimed_until, address = excluded.address
				WHERE notification_deliveries.claimed_until < $5 AND notification_deliveries.sent_at = 0
				RETURNING notification_id`, d.Notification.ID, channel, d.Address, ms(now.Add(lease)), ms(now)).Scan(&id)
			if err == sql.ErrNoRows {
				continue
			}
			if err != nil {
				return fmt.Errorf("store: claim delivery: %w", err)
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

// FinishDelivery records the outcome of a claimed delivery: sent (sendErr
// nil), or failed with a retry at retryAt, or failed for good (giveUp).
// The outcome is audited. Errors: internal.
func (s *Store) FinishDelivery(ctx context.Context, d Delivery, sendErr error, retryAt time.Time, giveUp bool) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		now := ms(s.now())
		status, msg := "sent", ""
		q := `UPDATE notification_deliveries SET attempts = attempts + 1, claimed_until = 0, sent_at = $1, last_error = ''
			WHERE notification_id = $2 AND channel = $3`
		args := []any{now, d.Notification.ID, d.Channel}
		if sendErr != nil {
			status, msg = "retry", sendErr.Error()
			if len(msg) > 500 {
				msg = msg[:500]
			}
			q = `UPDATE notification_deliveries SET attempts = attempts + 1, claimed_until = 0, next_at = $1, last_error = $4,
				failed_at = $5 WHERE notification_id = $2 AND channel = $3`
			failed := int64(0)
			if giveUp {
				status, failed = "failed", now
			}
			args = []any{ms(retryAt), d.Notification.ID, d.Channel, msg, failed}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: finish delivery: %w", err)
		}
		note := map[string]any{"channel": d.Channel, "status": status, "attempt": d.Attempts + 1}
		if msg != "" {
			note["error"] = msg
		}
		return s.appendAudit(ctx, tx, audit.Actor{Name: "system"}, change{action: "notification.deliver", objectType: "notification",
			objectID: d.Notification.ID, note: note})
	})
}

// DeliveryState is how a notification went out on a channel.
type DeliveryState struct {
	Channel   string
	Attempts  int
	SentAt    time.Time
	FailedAt  time.Time
	LastError string
}

// Deliveries returns a notification's delivery rows.
func (s *Store) Deliveries(ctx context.Context, notificationID int64) ([]DeliveryState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT channel, attempts, sent_at, failed_at, last_error FROM notification_deliveries
		WHERE notification_id = $1 ORDER BY channel`, notificationID)
	if err != nil {
		return nil, fmt.Errorf("store: deliveries: %w", err)
	}
	defer rows.Close()
	var out []DeliveryState
	for rows.Next() {
		var d DeliveryState
		var sent, failed int64
		if err := rows.Scan(&d.Channel, &d.Attempts, &sent, &failed, &d.LastError); err != nil {
			return nil, err
		}
		d.SentAt, d.FailedAt = fromMS(sent), fromMS(failed)
		out = append(out, d)
	}
	return out, rows.Err()
}

// SetUserEmail sets a user's e-mail address ("" removes it), audited.
// Errors: not_found "error.not_found.user".
func (s *Store) SetUserEmail(ctx context.Context, a audit.Actor, userID int64, email string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET email = $1, version = version + 1, updated_at = $2 WHERE id = $3`,
			email, ms(s.now()), userID)
		if err != nil {
			return fmt.Errorf("store: set email: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("user")
		}
		return s.appendAudit(ctx, tx, a, change{action: "user.email", objectType: "user", objectID: userID,
			note: map[string]any{"set": email != ""}})
	})
}
