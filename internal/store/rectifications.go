package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
	"qingfeng/internal/oversight"
)

// This file persists rectifications (整改): the items, their events
// (reports of measures, closures, verifications with the follow-up visit,
// reopenings) and their evidence files, each write audited in its
// transaction. The deadline clock is an ordinary record clock
// (object_type "rectification").

const rectCols = `r.id, r.title, r.problem, r.required, r.responsible_unit_id, ru.name, r.responsible_path, r.supervising_unit_id,
	su.name, r.supervising_path, r.deadline, r.source_type, r.source_id, r.person_concerned, r.status, r.closure, r.reopened,
	r.reported_at, r.closed_at, COALESCE(r.created_by, 0), r.version, r.created_at, r.updated_at`

const rectFrom = ` FROM rectifications r JOIN units ru ON ru.id = r.responsible_unit_id JOIN units su ON su.id = r.supervising_unit_id `

func scanRect(sc interface{ Scan(...any) error }) (oversight.Rectification, error) {
	var r oversight.Rectification
	var status string
	var rep, closed, cr, up int64
	err := sc.Scan(&r.ID, &r.Title, &r.Problem, &r.Required, &r.ResponsibleUnitID, &r.ResponsibleUnitName, &r.ResponsiblePath,
		&r.SupervisingUnitID, &r.SupervisingUnitName, &r.SupervisingPath, &r.Deadline, &r.SourceType, &r.SourceID, &r.PersonConcerned,
		&status, &r.Closure, &r.Reopened, &rep, &closed, &r.CreatedBy, &r.Version, &cr, &up)
	r.Status = oversight.RectStatus(status)
	r.ReportedAt, r.ClosedAt, r.CreatedAt, r.UpdatedAt = fromMS(rep), fromMS(closed), fromMS(cr), fromMS(up)
	return r, err
}

func getRect(ctx context.Context, q queryer, id int64) (oversight.Rectification, error) {
	r, err := scanRect(q.QueryRowContext(ctx, `SELECT `+rectCols+rectFrom+`WHERE r.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, notFound("rectification")
	}
	if err != nil {
		return r, fmt.Errorf("store: get rectification: %w", err)
	}
	return r, nil
}

// GetRectification returns a rectification by id (the caller checks
// scope). Errors: not_found.
func (s *Store) GetRectification(ctx context.Context, id int64) (oversight.Rectification, error) {
	return getRect(ctx, s.db, id)
}

// auditRect is what the audit log digests for a rectification: the facts,
// with digests of the texts.
func auditRect(r oversight.Rectification) any {
	return struct {
		ID, ResponsibleUnitID, SupervisingUnitID, SourceID int64
		Status, Closure, Deadline, SourceType              string
		Reopened                                           int
		TitleDigest, ProblemDigest, RequiredDigest         string
		PersonDigest                                       string
	}{r.ID, r.ResponsibleUnitID, r.SupervisingUnitID, r.SourceID, string(r.Status), r.Closure, r.Deadline, r.SourceType, r.Reopened,
		audit.Digest(r.Title), audit.Digest(r.Problem), audit.Digest(r.Required), audit.Digest(r.PersonConcerned)}
}

// NewRectification is what CreateRectification writes in one transaction.
type NewRectification struct {
	Rect  oversight.Rectification
	Clock Clock // the deadline clock (ObjectID filled in here)
	Event oversight.RectEvent
}

// CreateRectification writes a new rectification with its deadline clock,
// its first event and the audit record, in one transaction.
func (s *Store) CreateRectification(ctx context.Context, a audit.Actor, n NewRectification) (oversight.Rectification, error) {
	var out oversight.Rectification
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		r := n.Rect
		now := s.now()
		err := s.queryRow(ctx, tx, `INSERT INTO rectifications (title, problem, required, responsible_unit_id, responsible_path,
			supervising_unit_id, supervising_path, deadline, source_type, source_id, person_concerned, status, created_by, version,
			created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $14) RETURNING id`,
			r.Title, r.Problem, r.Required, r.ResponsibleUnitID, r.ResponsiblePath, r.SupervisingUnitID, r.SupervisingPath, r.Deadline,
			r.SourceType, r.SourceID, r.PersonConcerned, string(r.Status), nullID(r.CreatedBy), ms(now)).Scan(&r.ID)
		if err != nil {
			return fmt.Errorf("store: insert rectification: %w", err)
		}
		k := n.Clock
		k.ObjectType, k.ObjectID = "rectification", r.ID
		k.Label, k.Link = fmt.Sprintf("整改 %d %s", r.ID, r.Title), fmt.Sprintf("/rectifications/%d", r.ID)
		if err := s.putClock(ctx, tx, k); err != nil {
			return err
		}
		ev := n.Event
		ev.ToStatus = r.Status
		if _, err := s.insertRectEvent(ctx, tx, r.ID, ev, now); err != nil {
			return err
		}
		if out, err = getRect(ctx, tx, r.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, change{action: "rectification.create", objectType: "rectification", objectID: r.ID,
			after: auditRect(out), note: map[string]any{"source_type": r.SourceType, "source_id": r.SourceID}})
	})
	return out, err
}

func (s *Store) insertRectEvent(ctx context.Context, tx *sql.Tx, id int64, e oversight.RectEvent, now time.Time) (int64, error) {
	var eid int64
	err := s.queryRow(ctx, tx, `INSERT INTO rectification_events (rectification_id, action, from_status, to_status, unit_id, user_id,
		text, visit_date, visitor, satisfaction, deadline, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		id, e.Action, string(e.FromStatus), string(e.ToStatus), nullID(e.UnitID), nullID(e.UserID), e.Text, e.VisitDate, e.Visitor,
		e.Satisfaction, e.Deadline, ms(now)).Scan(&eid)
	if err != nil {
		return 0, fmt.Errorf("store: rectification event: %w", err)
	}
	return eid, nil
}

func (s *Store) insertRectFile(ctx context.Context, tx *sql.Tx, id, eventID, userID int64, f NewFile, now time.Time) error {
	_, err := s.exec(ctx, tx, `INSERT INTO rectification_files (rectification_id, event_id, name, mime, size, sha256, data, user_id,
		created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, id, nullID(eventID), f.Name, f.MIME, len(f.Data), f.SHA256, f.Data,
		nullID(userID), ms(now))
	if err != nil {
		return fmt.Errorf("store: rectification file: %w", err)
	}
	return nil
}

// RectChange is a workflow step on a rectification at Version from From:
// the new state, the event (with its evidence files), the closure kind, a
// new deadline with its restarted clock, or the clock stopped; one audit
// record (Action).
type RectChange struct {
	ID       int64
	Version  int64
	From     oversight.RectStatus
	To       oversight.RectStatus
	Action   string // audit action, e.g. "rectification.reopen"
	Event    oversight.RectEvent
	Files    []NewFile
	Closure  string // set when not "" (a closure)
	Reported bool   // a report of measures: reported_at now
	Reopen   bool   // a failed verification: reopened + 1, closure cleared
	Deadline string // a new deadline ("" keeps it)
	Clock    *Clock // restart the deadline clock
	Stop     bool   // stop the deadline clock (a closure)
	Notify   []Notification
}

// UpdateRectification applies a step in one transaction. Errors:
// not_found, conflict (stale version or state: "error.version_conflict",
// "rect.transition_invalid").
func (s *Store) UpdateRectification(ctx context.Context, a audit.Actor, c RectChange) (oversight.Rectification, error) {
	var out oversight.Rectification
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := getRect(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		if before.Status != c.From {
			return conflictState()
		}
		if c.Version == 0 {
			c.Version = before.Version
		}
		now := s.now()
		closure, closedAt, reportedAt, reopened, deadline := before.Closure, ms(before.ClosedAt), ms(before.ReportedAt), before.Reopened, before.Deadline
		if c.Closure != "" {
			closure, closedAt = c.Closure, ms(now)
		}
		if c.Reported {
			reportedAt = ms(now)
		}
		if c.Reopen {
			reopened, closure, closedAt = reopened+1, "", 0
		}
		if c.Deadline != "" {
			deadline = c.Deadline
		}
		res, err := s.exec(ctx, tx, `UPDATE rectifications SET status = $1, closure = $2, closed_at = $3, reported_at = $4, reopened = $5,
			deadline = $6, version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9`, string(c.To), closure, closedAt,
			reportedAt, reopened, deadline, ms(now), c.ID, c.Version)
		if err != nil {
			return fmt.Errorf("store: update rectification: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflictVersion()
		}
		ev := c.Event
		ev.FromStatus, ev.ToStatus = c.From, c.To
		eid, err := s.insertRectEvent(ctx, tx, c.ID, ev, now)
		if err != nil {
			return err
		}
		for _, f := range c.Files {
			if err := s.insertRectFile(ctx, tx, c.ID, eid, ev.UserID, f, now); err != nil {
				return err
			}
		}
		if c.Stop {
			if err := s.stopClocks(ctx, tx, "rectification", c.ID, now); err != nil {
				return err
			}
		}
		if c.Clock != nil {
			k := *c.Clock
			k.ObjectType, k.ObjectID = "rectification", c.ID
			k.Label, k.Link = fmt.Sprintf("整改 %d %s", c.ID, before.Title), fmt.Sprintf("/rectifications/%d", c.ID)
			if err := s.putClock(ctx, tx, k); err != nil {
				return err
			}
		}
		for _, n := range c.Notify {
			if err := s.notify(ctx, tx, n); err != nil {
				return err
			}
		}
		if out, err = getRect(ctx, tx, c.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, change{action: c.Action, objectType: "rectification", objectID: c.ID, before: auditRect(before),
			after: auditRect(out), note: map[string]any{"files": len(c.Files), "satisfaction": ev.Satisfaction}})
	})
	return out, err
}

// AddRectEvidence stores evidence files on a rectification outside a
// report (an "evidence" event), audited. Errors: not_found.
func (s *Store) AddRectEvidence(ctx context.Context, a audit.Actor, id int64, ev oversight.RectEvent, files []NewFile) (oversight.Rectification, error) {
	var out oversight.Rectification
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		r, err := getRect(ctx, tx, id)
		if err != nil {
			return err
		}
		now := s.now()
		ev.Action, ev.FromStatus, ev.ToStatus = "evidence", r.Status, r.Status
		eid, err := s.insertRectEvent(ctx, tx, id, ev, now)
		if err != nil {
			return err
		}
		sums := make([]string, 0, len(files))
		for _, f := range files {
			if err := s.insertRectFile(ctx, tx, id, eid, ev.UserID, f, now); err != nil {
				return err
			}
			sums = append(sums, f.SHA256)
		}
		out = r
		return s.appendAudit(ctx, tx, a, change{action: "rectification.evidence", objectType: "rectification", objectID: id,
			before: auditRect(r), after: auditRect(r), note: map[string]any{"sha256": sums}})
	})
	return out, err
}

// RectFilter selects rectifications for a list.
type RectFilter struct {
	Status            []oversight.RectStatus
	ResponsibleUnitID int64
	Overdue           bool
	Today             string // the business date (overdue: deadline before it)
	SourceType        string
	SourceID          int64
	Page              Page
}

// ListRectifications lists the rectifications whose responsible or
// supervising unit lies in scope, deadline first, with the total.
func (s *Store) ListRectifications(ctx context.Context, sc auth.Scope, f RectFilter) ([]oversight.Rectification, int, error) {
	a := args{}
	where := `FROM rectifications r JOIN units ru ON ru.id = r.responsible_unit_id JOIN units su ON su.id = r.supervising_unit_id
		WHERE (` + scopeSQL(sc, "r.responsible_path", &a) + ` OR ` + scopeSQL(sc, "r.supervising_path", &a) + `)`
	if len(f.Status) > 0 {
		ph := ""
		for i, st := range f.Status {
			if i > 0 {
				ph += ", "
			}
			ph += a.add(string(st))
		}
		where += ` AND r.status IN (` + ph + `)`
	}
	if f.ResponsibleUnitID != 0 {
		where += ` AND r.responsible_unit_id = ` + a.add(f.ResponsibleUnitID)
	}
	if f.Overdue {
		where += ` AND r.status IN ('open', 'reported', 'verifying') AND r.deadline < ` + a.add(f.Today)
	}
	if f.SourceType != "" {
		where += ` AND r.source_type = ` + a.add(f.SourceType)
		if f.SourceID != 0 {
			where += ` AND r.source_id = ` + a.add(f.SourceID)
		}
	}
	var out []oversight.Rectification
	total, err := s.listQuery(ctx, rectCols, where, "r.deadline, r.id", a, f.Page, func(rows *sql.Rows) error {
		r, err := scanRect(rows)
		out = append(out, r)
		return err
	})
	return out, total, err
}

// RectEvents returns a rectification's record, oldest first.
func (s *Store) RectEvents(ctx context.Context, id int64) ([]oversight.RectEvent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT e.id, e.rectification_id, e.action, e.from_status, e.to_status, COALESCE(e.unit_id, 0),
		COALESCE(u.name, ''), COALESCE(e.user_id, 0), COALESCE(p.name, ''), e.text, e.visit_date, e.visitor, e.satisfaction,
		e.deadline, e.at FROM rectification_events e LEFT JOIN units u ON u.id = e.unit_id LEFT JOIN users us ON us.id = e.user_id
		LEFT JOIN people p ON p.id = us.person_id WHERE e.rectification_id = $1 ORDER BY e.id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: rectification events: %w", err)
	}
	defer rows.Close()
	var out []oversight.RectEvent
	for rows.Next() {
		var e oversight.RectEvent
		var from, to string
		var at int64
		if err := rows.Scan(&e.ID, &e.RectID, &e.Action, &from, &to, &e.UnitID, &e.UnitName, &e.UserID, &e.UserName, &e.Text,
			&e.VisitDate, &e.Visitor, &e.Satisfaction, &e.Deadline, &at); err != nil {
			return nil, err
		}
		e.FromStatus, e.ToStatus, e.At = oversight.RectStatus(from), oversight.RectStatus(to), fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// RectFiles lists a rectification's evidence files (metadata only).
func (s *Store) RectFiles(ctx context.Context, id int64) ([]oversight.Evidence, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, rectification_id, COALESCE(event_id, 0), name, mime, size, sha256,
		COALESCE(user_id, 0), created_at FROM rectification_files WHERE rectification_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: rectification files: %w", err)
	}
	defer rows.Close()
	var out []oversight.Evidence
	for rows.Next() {
		var f oversight.Evidence
		var at int64
		if err := rows.Scan(&f.ID, &f.RectID, &f.EventID, &f.Name, &f.MIME, &f.Size, &f.SHA256, &f.UserID, &at); err != nil {
			return nil, err
		}
		f.CreatedAt = fromMS(at)
		out = append(out, f)
	}
	return out, rows.Err()
}

// RectFileData returns one evidence file with its bytes. Errors: not_found.
func (s *Store) RectFileData(ctx context.Context, fileID int64) (oversight.Evidence, []byte, error) {
	var f oversight.Evidence
	var data []byte
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT id, rectification_id, COALESCE(event_id, 0), name, mime, size, sha256, COALESCE(user_id, 0),
		created_at, data FROM rectification_files WHERE id = $1`, fileID).Scan(&f.ID, &f.RectID, &f.EventID, &f.Name, &f.MIME, &f.Size,
		&f.SHA256, &f.UserID, &at, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return f, nil, notFound("evidence")
	}
	if err != nil {
		return f, nil, fmt.Errorf("store: rectification file: %w", err)
	}
	f.CreatedAt = fromMS(at)
	return f, data, nil
}

// conflictState is the error of a step from a state the item has left.
func conflictState() error { return apperr.New(apperr.Conflict, "rect.transition_invalid") }

// FindingRectification returns the id of the rectification made from a
// task finding (0: none).
func (s *Store) FindingRectification(ctx context.Context, findingID int64) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM rectifications WHERE source_type = 'task_finding' AND source_id = $1`,
		findingID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: finding rectification: %w", err)
	}
	return id, nil
}
