package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"qingfeng/internal/apperr"
	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
	"qingfeng/internal/casework"
)

// This file reads the candidates of similar cases (类案) and persists
// teaching cases (以案代训, table teaching_cases).

// SimilarCandidates returns up to limit closed cases in the scope (the
// viewer's scope with participation and recusal by the first subject's
// unit, as ListCases) other than caseID, those of the key field category
// first, then the most recently closed, with their subjects. The caller
// scores them (casework.RankSimilar) and checks recusal for every subject.
func (s *Store) SimilarCandidates(ctx context.Context, sc auth.Scope, caseID int64, category string, limit int) ([]CaseRow, error) {
	var a args
	acc, err := s.accessIDs(ctx, sc, "case", s.now())
	if err != nil {
		return nil, err
	}
	where := recordScopeSQL(sc, acc, "c.id", "c.unit_path", "c.subject_path", &a) + " AND c.status = " +
		a.add(string(casework.StatusClosed)) + " AND c.id <> " + a.add(caseID)
	q := `SELECT ` + caseCols + ` FROM cases c` + caseJoins + `WHERE ` + where + ` ORDER BY CASE WHEN c.category = ` +
		a.add(category) + ` THEN 0 ELSE 1 END, c.closed_at DESC, c.id DESC LIMIT ` + a.add(limit)
	rows, err := s.db.QueryContext(ctx, q, a.v...)
	if err != nil {
		return nil, fmt.Errorf("store: similar candidates: %w", err)
	}
	var out []CaseRow
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: scan case: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	var b args
	ids := make([]int64, len(out))
	at := map[int64]int{}
	for i, c := range out {
		ids[i], at[c.ID] = c.ID, i
	}
	srows, err := s.db.QueryContext(ctx, `SELECT `+subjectCols+` FROM case_subjects WHERE case_id IN (`+b.list(ids)+`)
		ORDER BY case_id, seq, id`, b.v...)
	if err != nil {
		return nil, fmt.Errorf("store: similar subjects: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		sj, err := scanSubject(srows)
		if err != nil {
			return nil, err
		}
		out[at[sj.CaseID]].Subjects = append(out[at[sj.CaseID]].Subjects, sj)
	}
	return out, srows.Err()
}

const teachingCols = `t.id, t.case_id, t.unit_id, u.name, t.unit_path, t.title, t.note, t.category, t.cause, t.summary, t.subjects,
	t.closed_at, COALESCE(t.marked_by, 0), t.marked_at, t.withdrawn_by, t.withdrawn_at, t.withdraw_reason, t.version`

func scanTeaching(sc interface{ Scan(...any) error }) (casework.TeachingCase, error) {
	var t casework.TeachingCase
	var subjects string
	var closed, marked, withdrawn int64
	if err := sc.Scan(&t.ID, &t.CaseID, &t.UnitID, &t.UnitName, &t.UnitPath, &t.Title, &t.Note, &t.Category, &t.Cause, &t.Summary,
		&subjects, &closed, &t.MarkedBy, &marked, &t.WithdrawnBy, &withdrawn, &t.WithdrawReason, &t.Version); err != nil {
		return t, err
	}
	if err := json.Unmarshal([]byte(subjects), &t.Subjects); err != nil {
		return t, fmt.Errorf("store: teaching case %d subjects: %w", t.ID, err)
	}
	t.ClosedAt, t.MarkedAt, t.WithdrawnAt = fromMS(closed), fromMS(marked), fromMS(withdrawn)
	return t, nil
}

func getTeaching(ctx context.Context, q queryer, id int64) (casework.TeachingCase, error) {
	t, err := scanTeaching(q.QueryRowContext(ctx, `SELECT `+teachingCols+` FROM teaching_cases t JOIN units u ON u.id = t.unit_id
		WHERE t.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, notFound("teaching_case")
	}
	if err != nil {
		return t, fmt.Errorf("store: get teaching case: %w", err)
	}
	return t, nil
}

// GetTeachingCase returns a teaching case (the caller checks visibility).
// Errors: not_found.
func (s *Store) GetTeachingCase(ctx context.Context, id int64) (casework.TeachingCase, error) {
	return getTeaching(ctx, s.db, id)
}

// TeachingCaseOf returns the id of the teaching copy of a case in use, 0
// when it has none.
func (s *Store) TeachingCaseOf(ctx context.Context, caseID int64) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM teaching_cases WHERE case_id = $1 AND withdrawn_at = 0`, caseID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: teaching case of case: %w", err)
	}
	return id, nil
}

// auditTeaching is what the audit log records of a teaching case: the copy
// is anonymised, so its texts are recorded as digests only.
func auditTeaching(t casework.TeachingCase) any {
	return struct {
		ID, CaseID, UnitID, MarkedBy, WithdrawnBy int64
		Title, Category, WithdrawReason           string
		Withdrawn                                 bool
		Digest                                    string
	}{t.ID, t.CaseID, t.UnitID, t.MarkedBy, t.WithdrawnBy, t.Title, t.Category, t.WithdrawReason, !t.WithdrawnAt.IsZero(),
		audit.Digest([]string{t.Cause, t.Summary, t.Note})}
}

// CreateTeachingCase stores the teaching copy of a case, audited. Errors:
// conflict "casesimilar.already_teaching" when the case has a copy in use.
func (s *Store) CreateTeachingCase(ctx context.Context, a audit.Actor, t casework.TeachingCase) (casework.TeachingCase, error) {
	var out casework.TeachingCase
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		subjects, err := json.Marshal(t.Subjects)
		if err != nil {
			return fmt.Errorf("store: teaching subjects: %w", err)
		}
		var id int64
		err = s.queryRow(ctx, tx, `INSERT INTO teaching_cases (case_id, unit_id, unit_path, title, note, category, cause, summary,
			subjects, closed_at, marked_by, marked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			t.CaseID, t.UnitID, t.UnitPath, t.Title, t.Note, t.Category, t.Cause, t.Summary, string(subjects), ms(t.ClosedAt),
			nullID(t.MarkedBy), ms(s.now())).Scan(&id)
		if err != nil {
			if isUniqueViolation(err) {
				return apperr.Wrap(err, apperr.Conflict, "casesimilar.already_teaching")
			}
			return fmt.Errorf("store: insert teaching case: %w", err)
		}
		if out, err = getTeaching(ctx, tx, id); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, change{action: "teaching_case.create", objectType: "teaching_case", objectID: id,
			after: auditTeaching(out)})
	})
	return out, err
}

// WithdrawTeachingCase withdraws a teaching copy from use (kept, never
// deleted), audited. version 0 skips the optimistic check. Errors:
// not_found, conflict "casesimilar.withdrawn" (already withdrawn),
// conflict (version).
func (s *Store) WithdrawTeachingCase(ctx context.Context, a audit.Actor, id, version int64, reason string) (casework.TeachingCase, error) {
	var out casework.TeachingCase
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := getTeaching(ctx, tx, id)
		if err != nil {
			return err
		}
		if !before.WithdrawnAt.IsZero() {
			return apperr.New(apperr.Conflict, "casesimilar.withdrawn")
		}
		if version != 0 && version != before.Version {
			return conflictVersion()
		}
		res, err := s.exec(ctx, tx, `UPDATE teaching_cases SET withdrawn_by = $1, withdrawn_at = $2, withdraw_reason = $3,
			version = version + 1 WHERE id = $4 AND version = $5 AND withdrawn_at = 0`, a.UserID, ms(s.now()), reason, id, before.Version)
		if err != nil {
			return fmt.Errorf("store: withdraw teaching case: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return conflictVersion()
		}
		if out, err = getTeaching(ctx, tx, id); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, change{action: "teaching_case.withdraw", objectType: "teaching_case", objectID: id,
			before: auditTeaching(before), after: auditTeaching(out), note: map[string]any{"reason": reason}})
	})
	return out, err
}

// TeachingFilter narrows the teaching cases: Viewer is the path of the
// reader's unit (a copy of the reader's own commission or of one above
// is readable), Scope the reader's case.read scope (copies of commissions
// inside it are readable too); withdrawn copies only with Withdrawn.
type TeachingFilter struct {
	Viewer    string
	Category  string
	Withdrawn bool
	Page      Page
}

// ListTeachingCases lists the teaching cases the filter reaches, newest
// first, with the total.
func (s *Store) ListTeachingCases(ctx context.Context, sc auth.Scope, f TeachingFilter) ([]casework.TeachingCase, int, error) {
	pg := f.Page.normal()
	var a args
	var above []string
	for i := 1; i < len(f.Viewer); i++ {
		if f.Viewer[i] == '/' {
			above = append(above, a.add(f.Viewer[:i+1]))
		}
	}
	where := scopeSQL(sc, "t.unit_path", &a)
	if len(above) > 0 {
		where = "(" + where + " OR t.unit_path IN (" + strings.Join(above, ", ") + "))"
	}
	if !f.Withdrawn {
		where += " AND t.withdrawn_at = 0"
	}
	if f.Category != "" {
		where += " AND t.category = " + a.add(f.Category)
	}
	n := len(a.v)
	rows, err := s.db.QueryContext(ctx, `SELECT `+teachingCols+` FROM teaching_cases t JOIN units u ON u.id = t.unit_id WHERE `+where+
		` ORDER BY t.marked_at DESC, t.id DESC LIMIT `+a.add(pg.Limit)+` OFFSET `+a.add(pg.Offset), a.v...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list teaching cases: %w", err)
	}
	var out []casework.TeachingCase
	for rows.Next() {
		t, err := scanTeaching(rows)
		if err != nil {
			rows.Close()
			return nil, 0, err
		}
		out = append(out, t)
	}
	if err := rows.Close(); err != nil {
		return nil, 0, err
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if pg.Offset == 0 && len(out) < pg.Limit {
		return out, len(out), nil
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM teaching_cases t WHERE `+where, a.v[:n]...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count teaching cases: %w", err)
	}
	return out, total, nil
}
