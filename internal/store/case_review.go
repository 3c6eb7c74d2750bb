package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/audit"
	"qingfeng/internal/casework"
)

// This file persists the last part of the case work: the findings of the
// joint quality review and their resolution, merging a case into another
// (并案), the appeals of closed cases, and the notice to a detained
// person's family and unit. Each is a part of a CaseChange, applied in its
// transaction by applyCaseReview.

// applyCaseReview writes the findings, resolution, merge, appeal and
// measure notice of a change.
func (s *Store) applyCaseReview(ctx context.Context, tx *sql.Tx, a audit.Actor, cs CaseRow, c CaseChange, now time.Time) error {
	for _, f := range c.Findings {
		if _, err := s.exec(ctx, tx, `INSERT INTO case_findings (case_id, item, text, reviewer_id, unit_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, cs.ID, f.Item, f.Text, nullID(f.ReviewerID), nullID(f.UnitID), ms(now)); err != nil {
			return fmt.Errorf("store: case finding: %w", err)
		}
	}
	if r := c.Resolve; r != nil {
		res, err := s.exec(ctx, tx, `UPDATE case_findings SET resolved_at = $1, resolution = $2, resolved_by = $3
			WHERE id = $4 AND case_id = $5 AND resolved_at = 0`, ms(now), r.Resolution, r.ResolvedBy, r.ID, cs.ID)
		if err != nil {
			return fmt.Errorf("store: resolve finding: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.InvalidField("finding_id", "case.finding_invalid")
		}
	}
	if ap := c.Appeal; ap != nil {
		if ap.ID == 0 {
			if _, err := s.exec(ctx, tx, `INSERT INTO case_appeals (case_id, subject_id, content, received_at, user_id)
				VALUES ($1, $2, $3, $4, $5)`, cs.ID, ap.SubjectID, ap.Content, ms(now), nullID(ap.UserID)); err != nil {
				return fmt.Errorf("store: case appeal: %w", err)
			}
		} else {
			res, err := s.exec(ctx, tx, `UPDATE case_appeals SET decided_at = $1, outcome = $2, decision = $3
				WHERE id = $4 AND case_id = $5 AND decided_at = 0`, ms(now), ap.Outcome, ap.Decision, ap.ID, cs.ID)
			if err != nil {
				return fmt.Errorf("store: decide appeal: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return apperr.New(apperr.Conflict, "case.appeal_decided")
			}
		}
	}
	if c.Notified != 0 {
		res, err := s.exec(ctx, tx, `UPDATE case_measures SET notified_at = $1 WHERE id = $2 AND case_id = $3 AND notified_at = 0`,
			ms(now), c.Notified, cs.ID)
		if err != nil {
			return fmt.Errorf("store: measure notice: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "case.step_done")
		}
		if err := s.stopClocks(ctx, tx, "measure", c.Notified, now, casework.LimitMeasureNotify); err != nil {
			return err
		}
	}
	if c.MergeInto != 0 {
		return s.mergeCase(ctx, tx, a, cs, c.From, c.MergeInto, now)
	}
	return nil
}

// mergeCase moves the subjects, measures (their clocks link to the target)
// and documents of a case into another case of the same ledger that is
// under investigation, records the merge on the target (event, audit,
// version) and files the source's clue into the target when the source
// was still a filing request (was: its state before the merge). The source's state, merged_into and team
// are set by the caller's change. Errors: conflict
// "case.merge_target_invalid" (the target changed state meanwhile).
func (s *Store) mergeCase(ctx context.Context, tx *sql.Tx, a audit.Actor, from CaseRow, was casework.Status, intoID int64,
	now time.Time) error {
	into, err := getCase(ctx, tx, intoID)
	if err != nil {
		return err
	}
	if err := casework.CheckMerge(from.ID, from.LedgerUnitID, into.ID, into.LedgerUnitID, into.Status); err != nil {
		return apperr.New(apperr.Conflict, "case.merge_target_invalid")
	}
	var top int64
	if err := s.queryRow(ctx, tx, `SELECT COALESCE(MAX(seq), 0) FROM case_subjects WHERE case_id = $1`, into.ID).Scan(&top); err != nil {
		return fmt.Errorf("store: merge: %w", err)
	}
	link := fmt.Sprintf("/cases/%d", into.ID)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE case_subjects SET case_id = $1, seq = seq + $2 WHERE case_id = $3`, []any{into.ID, top, from.ID}},
		{`UPDATE clocks SET link = $1 WHERE object_type = 'measure' AND object_id IN (SELECT id FROM case_measures WHERE case_id = $2)`,
			[]any{link, from.ID}},
		{`UPDATE clocks SET link = $1 WHERE object_type = 'case_subject' AND object_id IN (SELECT id FROM case_subjects WHERE case_id = $2)`,
			[]any{link, into.ID}},
		{`UPDATE case_measures SET case_id = $1 WHERE case_id = $2`, []any{into.ID, from.ID}},
		{`UPDATE case_documents SET case_id = $1 WHERE case_id = $2`, []any{into.ID, from.ID}},
		{`UPDATE cases SET version = version + 1, updated_at = $1 WHERE id = $2`, []any{ms(now), into.ID}},
	} {
		if _, err := s.exec(ctx, tx, q.sql, q.args...); err != nil {
			return fmt.Errorf("store: merge: %w", err)
		}
	}
	if was == casework.StatusFilingReview && from.ClueID != 0 {
		if _, err := s.fileClue(ctx, tx, a, from.ClueID, into.ID, into.Number); err != nil {
			return err
		}
	}
	after, err := getCase(ctx, tx, into.ID)
	if err != nil {
		return err
	}
	if err := s.insertCaseEvent(ctx, tx, into.ID, CaseEvent{Action: "merge_in", FromStatus: into.Status, ToStatus: into.Status,
		UnitID: into.LeadUnitID, UserID: a.UserID, Note: from.Number}, now); err != nil {
		return err
	}
	return s.appendAudit(ctx, tx, a, change{action: "case.merge_in", objectType: "case", objectID: into.ID,
		before: auditCase(into), after: auditCase(after), note: map[string]any{"merged_case_id": from.ID, "merged_number": from.Number}})
}

// CaseFindings returns the joint quality review findings of a case, oldest
// first, with the reviewers' names.
func (s *Store) CaseFindings(ctx context.Context, caseID int64) ([]casework.Finding, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT f.id, f.case_id, f.item, f.text, COALESCE(f.reviewer_id, 0), COALESCE(p.name, ''),
		COALESCE(f.unit_id, 0), f.created_at, f.resolved_at, f.resolution, f.resolved_by FROM case_findings f
		LEFT JOIN users us ON us.id = f.reviewer_id LEFT JOIN people p ON p.id = us.person_id WHERE f.case_id = $1 ORDER BY f.id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("store: case findings: %w", err)
	}
	defer rows.Close()
	var out []casework.Finding
	for rows.Next() {
		var f casework.Finding
		var at, res int64
		if err := rows.Scan(&f.ID, &f.CaseID, &f.Item, &f.Text, &f.ReviewerID, &f.Reviewer, &f.UnitID, &at, &res, &f.Resolution,
			&f.ResolvedBy); err != nil {
			return nil, err
		}
		f.CreatedAt, f.ResolvedAt = fromMS(at), fromMS(res)
		out = append(out, f)
	}
	return out, rows.Err()
}

// CaseAppeals returns the appeals of a case, oldest first, with the
// appellants' names.
func (s *Store) CaseAppeals(ctx context.Context, caseID int64) ([]casework.Appeal, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT a.id, a.case_id, a.subject_id, s.name, a.content, a.received_at, a.decided_at, a.outcome,
		a.decision, COALESCE(a.user_id, 0) FROM case_appeals a JOIN case_subjects s ON s.id = a.subject_id WHERE a.case_id = $1
		ORDER BY a.id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("store: case appeals: %w", err)
	}
	defer rows.Close()
	var out []casework.Appeal
	for rows.Next() {
		var ap casework.Appeal
		var rec, dec int64
		if err := rows.Scan(&ap.ID, &ap.CaseID, &ap.SubjectID, &ap.Subject, &ap.Content, &rec, &dec, &ap.Outcome, &ap.Decision,
			&ap.UserID); err != nil {
			return nil, err
		}
		ap.ReceivedAt, ap.DecidedAt = fromMS(rec), fromMS(dec)
		out = append(out, ap)
	}
	return out, rows.Err()
}
