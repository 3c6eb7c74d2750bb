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

// This file keeps pairings (结对帮带) with their guidance records and
// training sessions (大讲堂, 以案代训, 岗位练兵) with their attendance.

const pairingCols = `pr.id, pr.kind, COALESCE(pr.mentor_person_id, 0), COALESCE(mp.name, mu.name, ''), COALESCE(pr.mentor_unit_id, 0),
	pr.township_id, tu.name, pr.township_path, pr.from_day, pr.to_day, pr.note,
	(SELECT COUNT(*) FROM pairing_guidance g WHERE g.pairing_id = pr.id), pr.version, pr.created_at`

const pairingFrom = ` FROM pairings pr JOIN units tu ON tu.id = pr.township_id LEFT JOIN people mp ON mp.id = pr.mentor_person_id
	LEFT JOIN units mu ON mu.id = pr.mentor_unit_id `

func scanPairing(sc interface{ Scan(...any) error }) (oversight.Pairing, error) {
	var p oversight.Pairing
	var kind string
	var c int64
	err := sc.Scan(&p.ID, &kind, &p.MentorPersonID, &p.MentorName, &p.MentorUnitID, &p.TownshipID, &p.TownshipName, &p.TownshipPath,
		&p.From, &p.To, &p.Note, &p.Guidance, &p.Version, &c)
	p.Kind, p.CreatedAt = oversight.PairingKind(kind), fromMS(c)
	return p, err
}

// CreatePairing stores a validated pairing (TownshipPath set by the
// caller), audited.
func (s *Store) CreatePairing(ctx context.Context, a audit.Actor, p oversight.Pairing) (oversight.Pairing, error) {
	var out oversight.Pairing
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := ms(s.now())
		var id int64
		if err := s.queryRow(ctx, tx, `INSERT INTO pairings (kind, mentor_person_id, mentor_unit_id, township_id, township_path, from_day,
			to_day, note, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			string(p.Kind), nullID(p.MentorPersonID), nullID(p.MentorUnitID), p.TownshipID, p.TownshipPath, p.From, p.To, p.Note,
			nullID(a.UserID), now).Scan(&id); err != nil {
			return fmt.Errorf("store: create pairing: %w", err)
		}
		var err error
		if out, err = scanPairing(tx.QueryRowContext(ctx, `SELECT `+pairingCols+pairingFrom+`WHERE pr.id = $1`, id)); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, change{action: "pairing.create", objectType: "pairing", objectID: id, after: out})
	})
	return out, err
}

// EndPairing sets a pairing's last day (to, exclusive) at version,
// audited. Errors: not_found, conflict (version).
func (s *Store) EndPairing(ctx context.Context, a audit.Actor, id, version int64, to string) (oversight.Pairing, error) {
	var out oversight.Pairing
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := scanPairing(tx.QueryRowContext(ctx, `SELECT `+pairingCols+pairingFrom+`WHERE pr.id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("pairing")
		}
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE pairings SET to_day = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4`,
			to, ms(s.now()), id, version)
		if err != nil {
			return fmt.Errorf("store: end pairing: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflictVersion()
		}
		if out, err = scanPairing(tx.QueryRowContext(ctx, `SELECT `+pairingCols+pairingFrom+`WHERE pr.id = $1`, id)); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, change{action: "pairing.end", objectType: "pairing", objectID: id, before: before, after: out})
	})
	return out, err
}

// GetPairing returns a pairing. Errors: not_found.
func (s *Store) GetPairing(ctx context.Context, id int64) (oversight.Pairing, error) {
	p, err := scanPairing(s.db.QueryRowContext(ctx, `SELECT `+pairingCols+pairingFrom+`WHERE pr.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, notFound("pairing")
	}
	if err != nil {
		return p, fmt.Errorf("store: get pairing: %w", err)
	}
	return p, nil
}

// PairingFilter narrows ListPairings.
type PairingFilter struct {
	TownshipID int64
	ActiveOn   string // YYYY-MM-DD: only pairings running that day
	// MentorPersonID, MentorUnitID add the pairings of this mentor (the
	// viewer's own) to those of the scope.
	MentorPersonID, MentorUnitID int64
	Page                         Page
}

// ListPairings returns the pairings whose township commission lies in the
// scope (or whose mentor is f's), newest first, with the total.
func (s *Store) ListPairings(ctx context.Context, sc auth.Scope, f PairingFilter) ([]oversight.Pairing, int, error) {
	var a args
	cond := scopeSQL(sc, "pr.township_path", &a)
	if f.MentorPersonID != 0 {
		cond += ` OR pr.mentor_person_id = ` + a.add(f.MentorPersonID)
	}
	if f.MentorUnitID != 0 {
		cond += ` OR pr.mentor_unit_id = ` + a.add(f.MentorUnitID)
	}
	where := pairingFrom + `WHERE (` + cond + `)`
	if f.TownshipID != 0 {
		where += ` AND pr.township_id = ` + a.add(f.TownshipID)
	}
	if f.ActiveOn != "" {
		d := a.add(f.ActiveOn)
		where += ` AND pr.from_day <= ` + d + ` AND (pr.to_day = '' OR pr.to_day > ` + d + `)`
	}
	var out []oversight.Pairing
	total, err := s.listQuery(ctx, pairingCols, where, "pr.from_day DESC, pr.id DESC", a, f.Page, func(rows *sql.Rows) error {
		p, err := scanPairing(rows)
		out = append(out, p)
		return err
	})
	return out, total, err
}

// AddGuidance records guidance under a pairing; at is the day's start.
// Audited.
func (s *Store) AddGuidance(ctx context.Context, a audit.Actor, p oversight.Pairing, g oversight.Guidance, at time.Time) (oversight.Guidance, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if err := s.queryRow(ctx, tx, `INSERT INTO pairing_guidance (pairing_id, township_path, day, at, kind, topic, content, user_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, p.ID, p.TownshipPath, g.Day, ms(at), string(g.Kind), g.Topic,
			g.Content, a.UserID, ms(now)).Scan(&g.ID); err != nil {
			return fmt.Errorf("store: add guidance: %w", err)
		}
		g.PairingID, g.UserID, g.CreatedAt = p.ID, a.UserID, now
		return s.appendAudit(ctx, tx, a, change{action: "pairing.guidance", objectType: "pairing", objectID: p.ID, after: g})
	})
	return g, err
}

// ListGuidance returns a pairing's guidance records, newest first.
func (s *Store) ListGuidance(ctx context.Context, pairingID int64) ([]oversight.Guidance, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT g.id, g.pairing_id, g.day, g.kind, g.topic, g.content, g.user_id, p.name, g.created_at
		FROM pairing_guidance g JOIN users us ON us.id = g.user_id JOIN people p ON p.id = us.person_id
		WHERE g.pairing_id = $1 ORDER BY g.day DESC, g.id DESC`, pairingID)
	if err != nil {
		return nil, fmt.Errorf("store: guidance: %w", err)
	}
	defer rows.Close()
	var out []oversight.Guidance
	for rows.Next() {
		var g oversight.Guidance
		var kind string
		var c int64
		if err := rows.Scan(&g.ID, &g.PairingID, &g.Day, &kind, &g.Topic, &g.Content, &g.UserID, &g.UserName, &c); err != nil {
			return nil, err
		}
		g.Kind, g.CreatedAt = oversight.GuidanceKind(kind), fromMS(c)
		out = append(out, g)
	}
	return out, rows.Err()
}

const trainingCols = `t.id, t.kind, t.title, t.day, t.place, t.organiser_id, ou.name, t.organiser_path, t.teaching_case_id, t.note,
	(SELECT COUNT(*) FROM training_attendance ta WHERE ta.training_id = t.id),
	(SELECT COUNT(*) FROM training_attendance ta WHERE ta.training_id = t.id AND ta.attended), t.created_at`

const trainingFrom = ` FROM trainings t JOIN units ou ON ou.id = t.organiser_id `

func scanTraining(sc interface{ Scan(...any) error }) (oversight.Training, error) {
	var t oversight.Training
	var kind string
	var c int64
	err := sc.Scan(&t.ID, &kind, &t.Title, &t.Day, &t.Place, &t.OrganiserID, &t.OrganiserName, &t.OrganiserPath, &t.TeachingCaseID,
		&t.Note, &t.Invited, &t.Attended, &c)
	t.Kind, t.CreatedAt = oversight.TrainingKind(kind), fromMS(c)
	return t, err
}

// CreateTraining stores a validated training (OrganiserPath set by the
// caller) held on the day starting at, with the invited people (their unit
// paths set), audited.
func (s *Store) CreateTraining(ctx context.Context, a audit.Actor, t oversight.Training, at time.Time, invited []oversight.Attendance) (oversight.Training, error) {
	var out oversight.Training
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		if err := s.queryRow(ctx, tx, `INSERT INTO trainings (kind, title, day, at, place, organiser_id, organiser_path, teaching_case_id, note,
			created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`, string(t.Kind), t.Title, t.Day,
			ms(at), t.Place, t.OrganiserID, t.OrganiserPath, t.TeachingCaseID, t.Note, nullID(a.UserID), ms(s.now())).Scan(&id); err != nil {
			return fmt.Errorf("store: create training: %w", err)
		}
		for _, p := range invited {
			if _, err := s.exec(ctx, tx, `INSERT INTO training_attendance (training_id, person_id, unit_path, at, attended, score)
				VALUES ($1, $2, $3, $4, $5, $6)`, id, p.PersonID, p.UnitPath, ms(at), p.Attended, p.Score); err != nil {
				return fmt.Errorf("store: invite: %w", err)
			}
		}
		var err error
		if out, err = scanTraining(tx.QueryRowContext(ctx, `SELECT `+trainingCols+trainingFrom+`WHERE t.id = $1`, id)); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, change{action: "training.create", objectType: "training", objectID: id, after: out})
	})
	return out, err
}

// RecordAttendance sets who of the invited attended (and their scores),
// audited. Errors: invalid (attendance) "training.not_invited" for a
// person not invited.
func (s *Store) RecordAttendance(ctx context.Context, a audit.Actor, trainingID int64, as []oversight.Attendance) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		attended := 0
		for _, p := range as {
			res, err := tx.ExecContext(ctx, `UPDATE training_attendance SET attended = $1, score = $2 WHERE training_id = $3 AND person_id = $4`,
				p.Attended, p.Score, trainingID, p.PersonID)
			if err != nil {
				return fmt.Errorf("store: attendance: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return apperr.InvalidField("attendance", "training.not_invited")
			}
			if p.Attended {
				attended++
			}
		}
		return s.appendAudit(ctx, tx, a, change{action: "training.attendance", objectType: "training", objectID: trainingID,
			note: map[string]any{"recorded": len(as), "attended": attended}})
	})
}

// GetTraining returns a training with its attendance list. Errors:
// not_found.
func (s *Store) GetTraining(ctx context.Context, id int64) (oversight.Training, []oversight.Attendance, error) {
	t, err := scanTraining(s.db.QueryRowContext(ctx, `SELECT `+trainingCols+trainingFrom+`WHERE t.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, nil, notFound("training")
	}
	if err != nil {
		return t, nil, fmt.Errorf("store: get training: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT ta.person_id, p.name, p.unit_id, u.name, ta.unit_path, ta.attended, ta.score
		FROM training_attendance ta JOIN people p ON p.id = ta.person_id JOIN units u ON u.id = p.unit_id
		WHERE ta.training_id = $1 ORDER BY ta.unit_path, p.name, ta.person_id`, id)
	if err != nil {
		return t, nil, fmt.Errorf("store: attendance: %w", err)
	}
	defer rows.Close()
	var as []oversight.Attendance
	for rows.Next() {
		var a oversight.Attendance
		if err := rows.Scan(&a.PersonID, &a.Name, &a.UnitID, &a.UnitName, &a.UnitPath, &a.Attended, &a.Score); err != nil {
			return t, nil, err
		}
		as = append(as, a)
	}
	return t, as, rows.Err()
}

// ListTrainings returns the trainings organised inside the scope or
// attended by people of the scope, newest first, with the total.
func (s *Store) ListTrainings(ctx context.Context, sc auth.Scope, pg Page) ([]oversight.Training, int, error) {
	var a args
	in := scopeSQL(sc, "t.organiser_path", &a)
	att := scopeSQL(sc, "ta.unit_path", &a)
	where := trainingFrom + `WHERE (` + in + ` OR t.id IN (SELECT ta.training_id FROM training_attendance ta WHERE ` + att + `))`
	var out []oversight.Training
	total, err := s.listQuery(ctx, trainingCols, where, "t.day DESC, t.id DESC", a, pg, func(rows *sql.Rows) error {
		t, err := scanTraining(rows)
		out = append(out, t)
		return err
	})
	return out, total, err
}
