package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
	"qingfeng/internal/monitor"
	"qingfeng/internal/push"
)

// This file keeps the outbox of alert pushes to the provincial platform
// (推送省平台): a push is queued in the transaction that opens its alert
// (auto-push) or by a user (audited), claimed by a worker with a lease,
// and each attempt's answer is recorded on the row.

// Push is an outbox row.
type Push struct {
	ID          int64
	AlertID     int64
	Key         string // the Idempotency-Key
	UnitPath    string
	Payload     []byte // frozen at enqueue (only filled by ClaimPushes)
	State       push.State
	Auto        bool // queued by the auto-push when the alert opened
	Attempts    int  // since it was (re)queued
	Requeues    int  // manual retries of a failed push
	NextAt      time.Time
	LastStatus  int // the HTTP status of the last answer (0: none)
	LastError   string
	LastAt      time.Time // when the last attempt ended
	LeaseOwner  string
	LeaseUntil  time.Time
	CreatedAt   time.Time
	DeliveredAt time.Time
	Version     int64
}

// PushAlert is an alert with what its payload names: the depot, bin and
// device codes and the responsible unit.
type PushAlert struct {
	Alert        GranaryAlert
	DepotCode    string
	DepotName    string
	BinCode      string
	DeviceCode   string
	UnitName     string
	DivisionCode string
}

// NewPush is a push to queue: the idempotency key, the payload bytes and
// when it is first due.
type NewPush struct {
	Key     string
	Payload []byte
	NextAt  time.Time
}

// AlertHook is called inside the transaction that opens an alert, after
// its evidence is stored (NewEvent.OnAlert, OpenSilenceAlerts); a non-nil
// push it returns is queued in that transaction, so that an alert and its
// auto-push commit together or not at all.
type AlertHook func(PushAlert) (*NewPush, error)

// pushAlert loads an alert with its codes and evidence. Errors: not_found.
func (s *Store) pushAlert(ctx context.Context, q queryer, id int64) (PushAlert, error) {
	var pa PushAlert
	g := &pa.Alert
	var level, status string
	var at, opened int64
	err := q.QueryRowContext(ctx, `SELECT a.id, a.rule, a.level, a.depot_id, COALESCE(a.bin_id, 0), a.dedupe_key, a.unit_path, a.status,
		a.explanation, a.at, a.opened_at, a.reason, COALESCE(a.clue_id, 0), a.version, d.code, d.name, COALESCE(b.code, ''), COALESCE(v.code, ''),
		u.name, COALESCE(u.division_code, '')
		FROM granary_alerts a JOIN granary_depots d ON d.id = a.depot_id JOIN units u ON u.id = d.unit_id
		LEFT JOIN granary_bins b ON b.id = a.bin_id LEFT JOIN granary_devices v ON v.id = a.device_id WHERE a.id = $1`, id).
		Scan(&g.ID, &g.Rule, &level, &g.DepotID, &g.BinID, &g.Key, &g.UnitPath, &status, &g.Explanation, &at, &opened, &g.Reason, &g.ClueID,
			&g.Version, &pa.DepotCode, &pa.DepotName, &pa.BinCode, &pa.DeviceCode, &pa.UnitName, &pa.DivisionCode)
	if errors.Is(err, sql.ErrNoRows) {
		return pa, notFound("page")
	}
	if err != nil {
		return pa, fmt.Errorf("store: push alert: %w", err)
	}
	g.Level, g.Status, g.At, g.OpenedAt = monitor.Level(level), monitor.AlertStatus(status), fromMS(at), fromMS(opened)
	g.Evidence, err = s.alertEvidence(ctx, q, id)
	return pa, err
}

// alertOpened runs hook on an alert just opened in tx and queues the push
// it returns.
func (s *Store) alertOpened(ctx context.Context, tx *sql.Tx, id int64, hook AlertHook) error {
	pa, err := s.pushAlert(ctx, tx, id)
	if err != nil {
		return err
	}
	n, err := hook(pa)
	if err != nil || n == nil {
		return err
	}
	_, err = s.insertPush(ctx, tx, audit.Actor{Name: "system"}, pa.Alert, *n, true)
	return err
}

// errQueued is the conflict of a second push of one alert.
func errQueued() error { return apperr.New(apperr.Conflict, "push.already_queued") }

// insertPush queues a push of al in tx and audits it.
func (s *Store) insertPush(ctx context.Context, tx *sql.Tx, a audit.Actor, al GranaryAlert, n NewPush, auto bool) (Push, error) {
	p := Push{AlertID: al.ID, Key: n.Key, UnitPath: al.UnitPath, State: push.StatePending, Auto: auto, NextAt: n.NextAt, CreatedAt: s.now(), Version: 1}
	err := s.queryRow(ctx, tx, `INSERT INTO granary_pushes (alert_id, idem_key, unit_path, payload, state, auto, next_at, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING id`, al.ID, n.Key, al.UnitPath, n.Payload,
		string(push.StatePending), auto, ms(n.NextAt), ms(p.CreatedAt), nullID(a.UserID)).Scan(&p.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return p, errQueued()
	}
	if err != nil {
		return p, fmt.Errorf("store: queue push: %w", err)
	}
	return p, s.appendAudit(ctx, tx, a, change{action: "granary_push.queue", objectType: "granary_alert", objectID: al.ID,
		after: map[string]any{"push_id": p.ID, "key": n.Key, "auto": auto, "payload_digest": audit.Digest(string(n.Payload))}})
}

// QueuePush queues a user's push of an alert, with the payload build
// makes from it, in one transaction, audited. Errors: not_found, conflict
// "push.already_queued" (the alert was pushed or queued before).
func (s *Store) QueuePush(ctx context.Context, a audit.Actor, alertID int64, build func(PushAlert) (NewPush, error)) (Push, error) {
	var p Push
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		pa, err := s.pushAlert(ctx, tx, alertID)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM granary_pushes WHERE alert_id = $1`, alertID).Scan(&n); err != nil {
			return fmt.Errorf("store: queue push: %w", err)
		}
		if n > 0 {
			return errQueued()
		}
		np, err := build(pa)
		if err != nil {
			return err
		}
		p, err = s.insertPush(ctx, tx, a, pa.Alert, np, false)
		return err
	})
	return p, err
}

// pushCols are the columns scanPush reads, without the payload.
const pushCols = `id, alert_id, idem_key, unit_path, state, auto, attempts, requeues, next_at, last_status, last_error, last_at,
	lease_owner, lease_until, created_at, delivered_at, version`

type scanner interface{ Scan(dest ...any) error }

func scanPush(r scanner, extra ...any) (Push, error) {
	var p Push
	var state string
	var next, last, lease, created, delivered int64
	err := r.Scan(append([]any{&p.ID, &p.AlertID, &p.Key, &p.UnitPath, &state, &p.Auto, &p.Attempts, &p.Requeues, &next, &p.LastStatus,
		&p.LastError, &last, &p.LeaseOwner, &lease, &created, &delivered, &p.Version}, extra...)...)
	p.State = push.State(state)
	p.NextAt, p.LastAt, p.LeaseUntil, p.CreatedAt, p.DeliveredAt = fromMS(next), fromMS(last), fromMS(lease), fromMS(created), fromMS(delivered)
	return p, err
}

// ClaimPushes leases up to limit due pushes (pending, retry after next_at,
// or delivering under an expired lease) to owner until now+lease and
// counts an attempt on each. A push is leased to one worker at a time:
// the update re-checks the lease, so of two workers claiming together one
// gets it. Errors: internal.
func (s *Store) ClaimPushes(ctx context.Context, owner string, lease time.Duration, limit int) ([]Push, error) {
	now := s.now()
	var out []Push
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		const due = `state IN ('pending', 'retry', 'delivering') AND next_at <= $3 AND lease_until < $3`
		rows, err := tx.QueryContext(ctx, `UPDATE granary_pushes SET state = 'delivering', lease_owner = $1, lease_until = $2,
			attempts = attempts + 1, version = version + 1
			WHERE id IN (SELECT id FROM granary_pushes WHERE `+due+` ORDER BY next_at, id LIMIT $4) AND `+due+`
			RETURNING `+pushCols+`, payload`, owner, ms(now.Add(lease)), ms(now), limit)
		if err != nil {
			return fmt.Errorf("store: claim pushes: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var payload []byte
			p, err := scanPush(rows, &payload)
			if err != nil {
				return fmt.Errorf("store: claim pushes: %w", err)
			}
			p.Payload = payload
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, err
}

// PushResult is the end of one attempt: the step the worker took
// (push.OpAccepted, OpRetry, OpReject, OpGiveUp), the answer's status
// (0: none) and error text, and for a retry when the next attempt is due.
type PushResult struct {
	Op     push.Op
	Status int
	Error  string
	NextAt time.Time
}

// FinishPush records an attempt's result on a push the worker claimed (p
// as ClaimPushes returned it). It returns false, writing nothing, when the
// worker no longer holds the lease (it expired and another worker took
// the push). Errors: invalid step, internal.
func (s *Store) FinishPush(ctx context.Context, p Push, r PushResult) (bool, error) {
	row, ok := push.Next(push.StateDelivering, r.Op)
	if !ok || row.To == push.StateDelivering {
		return false, fmt.Errorf("store: finish push: step %q", r.Op)
	}
	now := s.now()
	delivered := int64(0)
	if row.To == push.StateDelivered {
		delivered = ms(now)
	}
	msg := r.Error
	if len(msg) > 500 {
		msg = strings.ToValidUTF8(msg[:500], "")
	}
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE granary_pushes SET state = $1, next_at = $2, last_status = $3, last_error = $4, last_at = $5,
			delivered_at = $6, lease_owner = '', lease_until = 0, version = version + 1
			WHERE id = $7 AND state = 'delivering' AND lease_owner = $8 AND attempts = $9`, string(row.To), ms(r.NextAt), r.Status, msg, ms(now),
			delivered, p.ID, p.LeaseOwner, p.Attempts)
		if err != nil {
			return fmt.Errorf("store: finish push: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n == 1, err
}

// RequeuePush puts a failed push of an alert back in the queue (重新推送),
// due now with its attempts starting again, audited. Errors: not_found (no
// push), conflict "push.not_failed".
func (s *Store) RequeuePush(ctx context.Context, a audit.Actor, alertID int64) (Push, error) {
	var p Push
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = scanPush(tx.QueryRowContext(ctx, `SELECT `+pushCols+` FROM granary_pushes WHERE alert_id = $1`, alertID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("page")
		}
		if err != nil {
			return fmt.Errorf("store: requeue push: %w", err)
		}
		row, ok := push.Next(p.State, push.OpRequeue)
		if !ok {
			return apperr.New(apperr.Conflict, "push.not_failed")
		}
		res, err := s.exec(ctx, tx, `UPDATE granary_pushes SET state = $1, attempts = 0, requeues = requeues + 1, next_at = $2,
			version = version + 1 WHERE id = $3 AND version = $4`, string(row.To), ms(s.now()), p.ID, p.Version)
		if err != nil {
			return fmt.Errorf("store: requeue push: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return conflictVersion()
		}
		before := map[string]any{"state": string(p.State), "attempts": p.Attempts, "last_status": p.LastStatus}
		p.State, p.Attempts, p.Requeues, p.NextAt, p.Version = row.To, 0, p.Requeues+1, s.now(), p.Version+1
		return s.appendAudit(ctx, tx, a, change{action: "granary_push.requeue", objectType: "granary_alert", objectID: alertID,
			before: before, after: map[string]any{"state": string(row.To), "push_id": p.ID}})
	})
	return p, err
}

// GetPush returns an alert's push. Errors: not_found.
func (s *Store) GetPush(ctx context.Context, alertID int64) (Push, error) {
	p, err := scanPush(s.db.QueryRowContext(ctx, `SELECT `+pushCols+` FROM granary_pushes WHERE alert_id = $1`, alertID))
	if errors.Is(err, sql.ErrNoRows) {
		return p, notFound("page")
	}
	if err != nil {
		return p, fmt.Errorf("store: push: %w", err)
	}
	return p, nil
}

// PushPayload returns the frozen payload of an alert's push. Errors:
// not_found.
func (s *Store) PushPayload(ctx context.Context, alertID int64) ([]byte, error) {
	var b []byte
	err := s.db.QueryRowContext(ctx, `SELECT payload FROM granary_pushes WHERE alert_id = $1`, alertID).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("page")
	}
	return b, err
}

// ListPushes returns the pushes in scope (state "" for all), newest first.
func (s *Store) ListPushes(ctx context.Context, sc auth.Scope, state push.State, limit int) ([]Push, error) {
	var a args
	where := scopeSQL(sc, "unit_path", &a)
	if state != "" {
		where += " AND state = " + a.add(string(state))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+pushCols+` FROM granary_pushes WHERE `+where+` ORDER BY id DESC LIMIT `+a.add(limit), a.v...)
	if err != nil {
		return nil, fmt.Errorf("store: pushes: %w", err)
	}
	defer rows.Close()
	var out []Push
	for rows.Next() {
		p, err := scanPush(rows)
		if err != nil {
			return nil, fmt.Errorf("store: pushes: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PushesOfAlerts returns the pushes of the given alerts by alert id.
func (s *Store) PushesOfAlerts(ctx context.Context, alertIDs []int64) (map[int64]Push, error) {
	out := map[int64]Push{}
	if len(alertIDs) == 0 {
		return out, nil
	}
	var a args
	rows, err := s.db.QueryContext(ctx, `SELECT `+pushCols+` FROM granary_pushes WHERE alert_id IN (`+a.list(alertIDs)+`)`, a.v...)
	if err != nil {
		return nil, fmt.Errorf("store: alert pushes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPush(rows)
		if err != nil {
			return nil, fmt.Errorf("store: alert pushes: %w", err)
		}
		out[p.AlertID] = p
	}
	return out, rows.Err()
}

// InstallID returns this installation's id from the settings, storing
// candidate first when there is none (the first caller's candidate wins).
func (s *Store) InstallID(ctx context.Context, candidate string) (string, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('install_id', $1) ON CONFLICT (key) DO NOTHING`, candidate)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("store: install id: %w", err)
	}
	v, err := s.Setting(ctx, "install_id")
	if err == nil && v == "" {
		err = errors.New("store: install id missing")
	}
	return v, err
}
