package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
)

// This file holds the record machinery shared by the workflows after intake
// (clues, cases, measures, tasks, rectifications, alerts): statutory clocks
// on any record, the in-app inbox, time-boxed participation and recusal, and
// per-unit yearly document numbers. Domain store files call the unexported
// helpers inside their own transactions; the exported methods are for the
// services.

// Clock is a statutory clock running on a record (table clocks), one per
// (ObjectType, ObjectID, Code). Code is a limit code of calendar/limits.json.
type Clock struct {
	ID          int64
	ObjectType  string // "clue", "case", "measure", "review", "task", ...
	ObjectID    int64
	Code        string
	Label       string // the record as people name it, e.g. 永纪线〔2026〕15号 (reminder texts)
	Link        string // the record's page in the staff UI, e.g. /clues/12
	UnitPath    string // path of the unit holding the record: scope of overdue lists
	OwnerUserID int64  // who is reminded (0: nobody in particular)
	StartedAt   time.Time
	DueAt       time.Time
	RemindAt    time.Time
	DoneAt      time.Time // zero while running
	RemindedAt  time.Time // when the reminder was sent
	OverdueAt   time.Time // when the overdue alarm was sent
	Provisional bool      // a working-day count crossed a year without an official notice
	Extensions  int       // extensions granted
	PausedSince time.Time // an extension request that pauses the clock awaits approval since (zero: running)
}

const clockCols = `id, object_type, object_id, code, label, link, unit_path, COALESCE(owner_user_id, 0), started_at, due_at, remind_at,
	done_at, reminded_at, overdue_at, provisional, extensions, paused_since`

func scanClock(sc interface{ Scan(...any) error }) (Clock, error) {
	var c Clock
	var start, due, remind, done, reminded, overdue, paused int64
	err := sc.Scan(&c.ID, &c.ObjectType, &c.ObjectID, &c.Code, &c.Label, &c.Link, &c.UnitPath, &c.OwnerUserID, &start, &due, &remind,
		&done, &reminded, &overdue, &c.Provisional, &c.Extensions, &paused)
	c.StartedAt, c.DueAt, c.RemindAt, c.DoneAt = fromMS(start), fromMS(due), fromMS(remind), fromMS(done)
	c.RemindedAt, c.OverdueAt, c.PausedSince = fromMS(reminded), fromMS(overdue), fromMS(paused)
	return c, err
}

// putClock starts (or restarts) a clock in tx: a clock with the same object
// and code is replaced, running again with its reminder and alarm unsent.
// Extensions and PausedSince are written as given, so a service that extends
// a clock passes the extended due time and the new count.
func (s *Store) putClock(ctx context.Context, tx *sql.Tx, c Clock) error {
	_, err := s.exec(ctx, tx, `INSERT INTO clocks (object_type, object_id, code, label, link, unit_path, owner_user_id, started_at,
		due_at, remind_at, provisional, extensions, paused_since)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (object_type, object_id, code) DO UPDATE SET label = excluded.label, link = excluded.link, unit_path = excluded.unit_path,
		owner_user_id = excluded.owner_user_id, started_at = excluded.started_at, due_at = excluded.due_at,
		remind_at = excluded.remind_at, provisional = excluded.provisional, extensions = excluded.extensions,
		paused_since = excluded.paused_since, done_at = 0, reminded_at = 0, overdue_at = 0, claimed_until = 0`,
		c.ObjectType, c.ObjectID, c.Code, c.Label, c.Link, c.UnitPath, nullID(c.OwnerUserID), ms(c.StartedAt), ms(c.DueAt),
		ms(c.RemindAt), c.Provisional, c.Extensions, ms(c.PausedSince))
	if err != nil {
		return fmt.Errorf("store: put clock %s: %w", c.Code, err)
	}
	return nil
}

// stopClocks marks the running clocks of an object with the given codes
// done at at (all running clocks of the object when codes is empty).
func (s *Store) stopClocks(ctx context.Context, tx *sql.Tx, objectType string, objectID int64, at time.Time, codes ...string) error {
	a := args{}
	q := `UPDATE clocks SET done_at = ` + a.add(ms(at)) + ` WHERE object_type = ` + a.add(objectType) +
		` AND object_id = ` + a.add(objectID) + ` AND done_at = 0`
	if len(codes) > 0 {
		ph := make([]string, len(codes))
		for i, c := range codes {
			ph[i] = a.add(c)
		}
		q += ` AND code IN (` + strings.Join(ph, ", ") + `)`
	}
	if _, err := tx.ExecContext(ctx, q, a.v...); err != nil {
		return fmt.Errorf("store: stop clocks: %w", err)
	}
	return nil
}

// moveClocks sets the unit path (and owner, when ownerUserID >= 0) of an
// object's running clocks, after the record moved to another unit or owner.
func (s *Store) moveClocks(ctx context.Context, tx *sql.Tx, objectType string, objectID int64, unitPath string, ownerUserID int64) error {
	var err error
	if ownerUserID >= 0 {
		_, err = s.exec(ctx, tx, `UPDATE clocks SET unit_path = $1, owner_user_id = $2 WHERE object_type = $3 AND object_id = $4 AND done_at = 0`,
			unitPath, nullID(ownerUserID), objectType, objectID)
	} else {
		_, err = s.exec(ctx, tx, `UPDATE clocks SET unit_path = $1 WHERE object_type = $2 AND object_id = $3 AND done_at = 0`,
			unitPath, objectType, objectID)
	}
	if err != nil {
		return fmt.Errorf("store: move clocks: %w", err)
	}
	return nil
}

// Clocks returns the clocks of an object (running and done), oldest first.
func (s *Store) Clocks(ctx context.Context, objectType string, objectID int64) ([]Clock, error) {
	return s.queryClocks(ctx, s.db, `SELECT `+clockCols+` FROM clocks WHERE object_type = $1 AND object_id = $2 ORDER BY started_at, id`,
		objectType, objectID)
}

// ClocksOf returns the clocks of many objects of one type, keyed by object
// id (for list pages showing clock states).
func (s *Store) ClocksOf(ctx context.Context, objectType string, ids []int64) (map[int64][]Clock, error) {
	out := map[int64][]Clock{}
	if len(ids) == 0 {
		return out, nil
	}
	a := args{}
	ph := make([]string, len(ids))
	for i, id := range ids {
		ph[i] = a.add(id)
	}
	cs, err := s.queryClocks(ctx, s.db, `SELECT `+clockCols+` FROM clocks WHERE object_type = `+a.add(objectType)+
		` AND object_id IN (`+strings.Join(ph, ", ")+`) ORDER BY started_at, id`, a.v...)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		out[c.ObjectID] = append(out[c.ObjectID], c)
	}
	return out, nil
}

func (s *Store) queryClocks(ctx context.Context, q queryer, query string, params ...any) ([]Clock, error) {
	rows, err := q.QueryContext(ctx, query, params...)
	if err != nil {
		return nil, fmt.Errorf("store: clocks: %w", err)
	}
	defer rows.Close()
	var out []Clock
	for rows.Next() {
		c, err := scanClock(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan clock: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// OverdueClocks lists running clocks past their due time whose record lies
// in scope, optionally of one object type, most overdue first.
func (s *Store) OverdueClocks(ctx context.Context, sc auth.Scope, objectType string, now time.Time, pg Page) ([]Clock, int, error) {
	a := args{}
	where := `FROM clocks WHERE done_at = 0 AND due_at < ` + a.add(ms(now)) + ` AND ` + scopeSQL(sc, "unit_path", &a)
	if objectType != "" {
		where += ` AND object_type = ` + a.add(objectType)
	}
	var out []Clock
	total, err := s.listQuery(ctx, clockCols, where, "due_at, id", a, pg, func(rows *sql.Rows) error {
		c, err := scanClock(rows)
		out = append(out, c)
		return err
	})
	return out, total, err
}

// ClaimClockAlerts claims up to limit running clocks whose reminder or
// overdue alarm is due and unsent, for claimFor (portable UPDATE ...
// RETURNING, so several instances may run the worker side by side).
func (s *Store) ClaimClockAlerts(ctx context.Context, limit int, claimFor time.Duration) ([]Clock, error) {
	now := s.now()
	return s.queryClocks(ctx, s.db, `UPDATE clocks SET claimed_until = $1
		WHERE id IN (SELECT id FROM clocks WHERE done_at = 0 AND paused_since = 0 AND claimed_until < $2
			AND ((reminded_at = 0 AND remind_at <= $2) OR (overdue_at = 0 AND due_at < $2)) ORDER BY remind_at LIMIT $3)
		AND claimed_until < $2
		RETURNING `+clockCols, ms(now.Add(claimFor)), ms(now), limit)
}

// MarkClockAlerted records that a claimed clock's reminder (overdue false)
// or overdue alarm (overdue true) went out, together with its notifications,
// in one audited transaction.
func (s *Store) MarkClockAlerted(ctx context.Context, c Clock, overdue bool, ns []Notification) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		col := "reminded_at"
		if overdue {
			col = "overdue_at"
		}
		// A clock that is overdue when first claimed needs no separate reminder.
		q := `UPDATE clocks SET ` + col + ` = $1, claimed_until = 0 WHERE id = $2`
		if overdue {
			q = `UPDATE clocks SET overdue_at = $1, reminded_at = CASE WHEN reminded_at = 0 THEN $1 ELSE reminded_at END, claimed_until = 0 WHERE id = $2`
		}
		if _, err := s.exec(ctx, tx, q, ms(now), c.ID); err != nil {
			return fmt.Errorf("store: mark clock: %w", err)
		}
		for _, n := range ns {
			if err := s.notify(ctx, tx, n); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, audit.Actor{Name: "system"}, change{action: "clock." + map[bool]string{false: "remind", true: "overdue"}[overdue],
			objectType: c.ObjectType, objectID: c.ObjectID, note: map[string]any{"code": c.Code, "notified": len(ns)}})
	})
}

// Notification is a message in a user's in-app inbox. DedupKey, when set,
// makes a second notification with the same key for the same user a no-op
// (e.g. "clock:42:overdue").
type Notification struct {
	ID         int64
	UserID     int64
	Kind       string // reminder, overdue, assignment, urging, decision, alert, ...
	Title      string
	Body       string
	ObjectType string
	ObjectID   int64
	Link       string // path in the staff UI, e.g. /clues/12
	DedupKey   string
	CreatedAt  time.Time
	ReadAt     time.Time
}

// notify adds a notification in tx (a duplicate DedupKey is skipped).
func (s *Store) notify(ctx context.Context, tx *sql.Tx, n Notification) error {
	if n.UserID == 0 {
		return nil
	}
	_, err := s.exec(ctx, tx, `INSERT INTO notifications (user_id, kind, title, body, object_type, object_id, link, dedup_key, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (user_id, dedup_key) WHERE dedup_key <> '' DO NOTHING`,
		n.UserID, n.Kind, n.Title, n.Body, n.ObjectType, n.ObjectID, n.Link, n.DedupKey, ms(s.now()))
	if err != nil {
		return fmt.Errorf("store: notify: %w", err)
	}
	return nil
}

// Notify adds notifications outside a domain transaction (e.g. from a
// worker), audited as one record.
func (s *Store) Notify(ctx context.Context, a audit.Actor, ns []Notification) error {
	if len(ns) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, n := range ns {
			if err := s.notify(ctx, tx, n); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, a, change{action: "notification.create", objectType: ns[0].ObjectType, objectID: ns[0].ObjectID,
			note: map[string]any{"kind": ns[0].Kind, "count": len(ns)}})
	})
}

const notificationCols = `id, user_id, kind, title, body, object_type, object_id, link, dedup_key, created_at, read_at`

// NotificationFilter selects a user's notifications.
type NotificationFilter struct {
	UnreadOnly bool
	Page
}

// ListNotifications returns a user's notifications, newest first, and the
// total.
func (s *Store) ListNotifications(ctx context.Context, userID int64, f NotificationFilter) ([]Notification, int, error) {
	a := args{}
	where := `FROM notifications WHERE user_id = ` + a.add(userID)
	if f.UnreadOnly {
		where += ` AND read_at = 0`
	}
	var out []Notification
	total, err := s.listQuery(ctx, notificationCols, where, "id DESC", a, f.Page, func(rows *sql.Rows) error {
		var n Notification
		var c, r int64
		err := rows.Scan(&n.ID, &n.UserID, &n.Kind, &n.Title, &n.Body, &n.ObjectType, &n.ObjectID, &n.Link, &n.DedupKey, &c, &r)
		n.CreatedAt, n.ReadAt = fromMS(c), fromMS(r)
		out = append(out, n)
		return err
	})
	return out, total, err
}

// UnreadNotifications counts a user's unread notifications.
func (s *Store) UnreadNotifications(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at = 0`, userID).Scan(&n)
	return n, err
}

// MarkNotificationsRead marks a user's notifications read (all unread ones
// when ids is empty) and returns how many changed. Notifications of other
// users are never touched.
func (s *Store) MarkNotificationsRead(ctx context.Context, a audit.Actor, userID int64, ids []int64) (int, error) {
	var changed int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		q := args{}
		stmt := `UPDATE notifications SET read_at = ` + q.add(ms(s.now())) + ` WHERE user_id = ` + q.add(userID) + ` AND read_at = 0`
		if len(ids) > 0 {
			ph := make([]string, len(ids))
			for i, id := range ids {
				ph[i] = q.add(id)
			}
			stmt += ` AND id IN (` + strings.Join(ph, ", ") + `)`
		}
		res, err := tx.ExecContext(ctx, stmt, q.v...)
		if err != nil {
			return fmt.Errorf("store: mark read: %w", err)
		}
		if changed, err = res.RowsAffected(); err != nil || changed == 0 {
			return err
		}
		return s.appendAudit(ctx, tx, a, change{action: "notification.read", objectType: "user", objectID: userID,
			note: map[string]any{"count": changed}})
	})
	return int(changed), err
}

// The kinds of record access.
const (
	AccessParticipant = "participant" // may see the record while valid (joint handling, teams)
	AccessRecused     = "recused"     // may not see the record (declared conflict of interest)
)

// Access is a user's time-boxed participation in, or recusal from, one
// record (table record_access).
type Access struct {
	ID         int64
	ObjectType string
	ObjectID   int64
	UserID     int64
	UserName   string // person's name (read only)
	UnitName   string // the user's unit (read only)
	Kind       string // AccessParticipant or AccessRecused
	Role       string // joint_member, team_member, reviewer, ... (domain codes)
	Reason     string
	ValidFrom  time.Time
	ValidTo    time.Time // zero: open-ended
	GrantedBy  int64
	CreatedAt  time.Time
	RevokedAt  time.Time
}

// Active reports whether the access is in force at now.
func (x Access) Active(now time.Time) bool {
	return x.RevokedAt.IsZero() && !now.Before(x.ValidFrom) && (x.ValidTo.IsZero() || now.Before(x.ValidTo))
}

// grantAccess records a participation or recusal in tx.
func (s *Store) grantAccess(ctx context.Context, tx *sql.Tx, x Access) (int64, error) {
	var id int64
	err := s.queryRow(ctx, tx, `INSERT INTO record_access (object_type, object_id, user_id, kind, role, reason, valid_from, valid_to,
		granted_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		x.ObjectType, x.ObjectID, x.UserID, x.Kind, x.Role, x.Reason, ms(x.ValidFrom), ms(x.ValidTo), nullID(x.GrantedBy),
		ms(s.now())).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: grant access: %w", err)
	}
	return id, nil
}

// revokeAccess ends a user's participations (kind) in a record at at.
func (s *Store) revokeAccess(ctx context.Context, tx *sql.Tx, objectType string, objectID, userID int64, kind string, at time.Time) error {
	_, err := s.exec(ctx, tx, `UPDATE record_access SET revoked_at = $1 WHERE object_type = $2 AND object_id = $3 AND user_id = $4
		AND kind = $5 AND revoked_at = 0`, ms(at), objectType, objectID, userID, kind)
	if err != nil {
		return fmt.Errorf("store: revoke access: %w", err)
	}
	return nil
}

// RecordAccess lists who takes part in or is recused from a record, with
// names, oldest first.
func (s *Store) RecordAccess(ctx context.Context, objectType string, objectID int64) ([]Access, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT x.id, x.object_type, x.object_id, x.user_id, p.name, u.name, x.kind, x.role, x.reason,
		x.valid_from, x.valid_to, COALESCE(x.granted_by, 0), x.created_at, x.revoked_at
		FROM record_access x JOIN users us ON us.id = x.user_id JOIN people p ON p.id = us.person_id JOIN units u ON u.id = p.unit_id
		WHERE x.object_type = $1 AND x.object_id = $2 ORDER BY x.id`, objectType, objectID)
	if err != nil {
		return nil, fmt.Errorf("store: record access: %w", err)
	}
	defer rows.Close()
	var out []Access
	for rows.Next() {
		var x Access
		var from, to, c, rv int64
		if err := rows.Scan(&x.ID, &x.ObjectType, &x.ObjectID, &x.UserID, &x.UserName, &x.UnitName, &x.Kind, &x.Role, &x.Reason,
			&from, &to, &x.GrantedBy, &c, &rv); err != nil {
			return nil, fmt.Errorf("store: scan access: %w", err)
		}
		x.ValidFrom, x.ValidTo, x.CreatedAt, x.RevokedAt = fromMS(from), fromMS(to), fromMS(c), fromMS(rv)
		out = append(out, x)
	}
	return out, rows.Err()
}

// AccessOf reports a user's standing on one record at now: participant
// (an active participation) and recused (an unrevoked recusal).
func (s *Store) AccessOf(ctx context.Context, objectType string, objectID, userID int64, now time.Time) (participant, recused bool, err error) {
	if userID == 0 {
		return false, false, nil
	}
	var p, r int
	err = s.db.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN kind = 'participant' AND valid_from <= $4 AND (valid_to = 0 OR valid_to > $4) THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN kind = 'recused' THEN 1 ELSE 0 END), 0)
		FROM record_access WHERE object_type = $1 AND object_id = $2 AND user_id = $3 AND revoked_at = 0`,
		objectType, objectID, userID, ms(now)).Scan(&p, &r)
	if err != nil {
		return false, false, fmt.Errorf("store: access of: %w", err)
	}
	return p > 0, r > 0, nil
}

// recordAccess is a viewer's standing on the records of one type, read
// before a list query: the records the viewer takes part in now and those
// the viewer is recused from.
type recordAccess struct {
	part, recused []int64
}

// accessIDs reads the viewer's participations (active at now) and recusals
// on records of a type. Nothing is read for scopes without a participant.
// Reading them first keeps the list predicate a plain range on the unit
// path (an OR with a subquery makes PostgreSQL scan the whole table).
func (s *Store) accessIDs(ctx context.Context, sc auth.Scope, objectType string, now time.Time) (recordAccess, error) {
	var acc recordAccess
	if sc.Denied || sc.ParticipantID == 0 {
		return acc, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT object_id, kind FROM record_access WHERE user_id = $1 AND object_type = $2
		AND revoked_at = 0 AND (kind = 'recused' OR (kind = 'participant' AND valid_from <= $3 AND (valid_to = 0 OR valid_to > $3)))
		ORDER BY object_id`, sc.ParticipantID, objectType, ms(now))
	if err != nil {
		return acc, fmt.Errorf("store: access ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var kind string
		if err := rows.Scan(&id, &kind); err != nil {
			return acc, err
		}
		if kind == AccessRecused {
			acc.recused = append(acc.recused, id)
		} else {
			acc.part = append(acc.part, id)
		}
	}
	return acc, rows.Err()
}

// recordScopeSQL renders the scope of a record type with named participants
// as a predicate: the record's unit path lies in scope, or the viewer is an
// active participant (acc, read by accessIDs); and the viewer is neither
// recused from it nor, when subjectPathCol names a column holding the path
// of the subject's unit ("" when the table has none), inside the subject's
// unit (automatic recusal). idCol and pathCol are the record's id and unit
// path columns.
func recordScopeSQL(sc auth.Scope, acc recordAccess, idCol, pathCol, subjectPathCol string, a *args) string {
	if sc.Denied {
		return "1 = 0"
	}
	where := scopeSQL(sc, pathCol, a)
	if len(acc.part) > 0 {
		where = "(" + where + " OR " + idCol + " IN (" + a.list(acc.part) + "))"
	}
	if len(acc.recused) > 0 {
		where += " AND " + idCol + " NOT IN (" + a.list(acc.recused) + ")"
	}
	if subjectPathCol != "" && sc.Viewer != "" {
		v := a.add(sc.Viewer)
		where = "(" + where + ") AND NOT (" + subjectPathCol + " <> '' AND substr(" + v + ", 1, length(" + subjectPathCol + ")) = " +
			subjectPathCol + ")"
	}
	return where
}

// nextNumber allocates the next per-unit, per-year sequence number of a kind
// of document (clue, case, meeting, ...) in tx. Call it late in the
// transaction: the counter row stays locked until commit on PostgreSQL.
func (s *Store) nextNumber(ctx context.Context, tx *sql.Tx, unitID int64, kind string, year int) (int64, error) {
	var seq int64
	err := s.queryRow(ctx, tx, `INSERT INTO doc_numbers (unit_id, kind, year, last) VALUES ($1, $2, $3, 1)
		ON CONFLICT (unit_id, kind, year) DO UPDATE SET last = doc_numbers.last + 1 RETURNING last`, unitID, kind, year).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("store: next %s number: %w", kind, err)
	}
	return seq, nil
}
