package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/audit"
	"qingfeng/internal/casework"
	"qingfeng/internal/stats"
)

// This file writes historical case ledgers (案件台账) imported from a file:
// closed cases with their subjects' outcomes, in one transaction.

// ImportedSubject is a subject of an imported case with its outcome, the
// derived form and whether the ledger marks them detained (留置).
type ImportedSubject struct {
	Subject  casework.Subject
	Outcome  casework.Outcome
	Form     casework.Form
	Detained bool
}

// ImportedCase is one closed case of a ledger: the ledger's own number
// (Seq > 0 when the number is of the ledger unit's own format, so that the
// unit's sequence moves past it), the filing and closing dates, and the
// subjects.
type ImportedCase struct {
	Case       casework.Case // Number, Year, Seq, LedgerUnitID, LeadUnitID, LeadUnitPath, Category, Cause, FiledAt, ClosedAt
	LedgerPath string
	Subjects   []ImportedSubject
}

// ExistingCaseNumbers returns which of the numbers the ledger unit's
// ledger already holds.
func (s *Store) ExistingCaseNumbers(ctx context.Context, ledgerUnitID int64, numbers []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(numbers); start += 500 {
		var a args
		chunk := numbers[start:min(start+500, len(numbers))]
		ph := make([]string, len(chunk))
		for i, n := range chunk {
			ph[i] = a.add(n)
		}
		q := `SELECT number FROM cases WHERE ledger_unit_id = ` + a.add(ledgerUnitID) + ` AND number IN (` + strings.Join(ph, ", ") + `)`
		rows, err := s.db.QueryContext(ctx, q, a.v...)
		if err != nil {
			return nil, fmt.Errorf("store: existing case numbers: %w", err)
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return nil, err
			}
			out[n] = true
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ImportCases writes closed cases from a historical ledger in one
// transaction: per case the case row (status closed, created at its filing
// date, imported_from the file name), its subjects with outcome, form,
// outcome_at (the closing date, the latest the decision can have been),
// transferred_at (the closing date for a transfer to prosecution) and
// detained, an "import" event naming the file, and a "case.import" audit
// record. A number of the ledger unit's own format moves the unit's
// yearly sequence past it. Errors: conflict "caseimport.duplicate_case"
// when a number already exists in its ledger (nothing is written).
func (s *Store) ImportCases(ctx context.Context, a audit.Actor, file string, cases []ImportedCase) ([]CaseRow, error) {
	var out []CaseRow
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		now := s.now()
		for _, ic := range cases {
			row, err := s.importCase(ctx, tx, a, file, ic, now)
			if err != nil {
				return err
			}
			out = append(out, row)
		}
		return nil
	})
	return out, err
}

func (s *Store) importCase(ctx context.Context, tx *sql.Tx, a audit.Actor, file string, ic ImportedCase, now time.Time) (CaseRow, error) {
	c := ic.Case
	subjectPath := ""
	for _, sj := range ic.Subjects {
		if sj.Subject.UnitPath != "" {
			subjectPath = sj.Subject.UnitPath
			break
		}
	}
	err := s.queryRow(ctx, tx, `INSERT INTO cases (number, year, seq, ledger_unit_id, ledger_path, unit_id, unit_path, subject_path,
		category, cause, summary, direct_reason, status, filed_at, decided_at, closed_at, imported_from, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', $11, $12, $13, $14, $14, $15, 1, $13, $16) RETURNING id`,
		c.Number, c.Year, c.Seq, c.LedgerUnitID, ic.LedgerPath, c.LeadUnitID, c.LeadUnitPath, subjectPath, c.Category, c.Cause,
		c.DirectReason, string(casework.StatusClosed), ms(c.FiledAt), ms(c.ClosedAt), file, ms(now)).Scan(&c.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return CaseRow{}, apperr.Wrap(err, apperr.Conflict, "caseimport.duplicate_case")
		}
		return CaseRow{}, fmt.Errorf("store: import case: %w", err)
	}
	for i, is := range ic.Subjects {
		sj := is.Subject
		o := is.Outcome
		b, err := json.Marshal(o)
		if err != nil {
			return CaseRow{}, err
		}
		var transferred time.Time
		if o.Transferred {
			transferred = c.ClosedAt
		}
		f := stats.FiguresOf(o)
		if _, err := s.exec(ctx, tx, `INSERT INTO case_subjects (case_id, seq, name, unit_text, post, rank, category, party_member,
			unit_id, unit_path, outcome, form, outcome_at, transferred_at, detained, created_at,
			sanctioned, party_sanctioned, gov_sanctioned, org_action, transferred, funds_fen, returned_fen)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)`,
			c.ID, i+1, sj.Name, sj.Unit, sj.Post, sj.Rank, sj.Category, sj.PartyMember, nullID(sj.UnitID), sj.UnitPath, string(b),
			int(is.Form), ms(c.ClosedAt), ms(transferred), is.Detained, ms(now),
			f.Sanctioned, f.PartySanctioned, f.GovSanctioned, f.OrgAction, f.Transferred, f.FundsFen, f.ReturnedFen); err != nil {
			return CaseRow{}, fmt.Errorf("store: import case subject: %w", err)
		}
	}
	if c.Seq > 0 {
		// Later filings of this ledger and year are numbered after it.
		if _, err := s.exec(ctx, tx, `INSERT INTO doc_numbers (unit_id, kind, year, last) VALUES ($1, 'case', $2, $3)
			ON CONFLICT (unit_id, kind, year) DO UPDATE SET last = CASE WHEN doc_numbers.last < $3 THEN $3 ELSE doc_numbers.last END`,
			c.LedgerUnitID, c.Year, c.Seq); err != nil {
			return CaseRow{}, fmt.Errorf("store: import case sequence: %w", err)
		}
	}
	if err := s.insertCaseEvent(ctx, tx, c.ID, CaseEvent{Action: "import", ToStatus: casework.StatusClosed, UnitID: c.LeadUnitID,
		UserID: a.UserID, Note: file}, now); err != nil {
		return CaseRow{}, err
	}
	out, err := getCase(ctx, tx, c.ID)
	if err != nil {
		return out, err
	}
	return out, s.appendAudit(ctx, tx, a, change{action: "case.import", objectType: "case", objectID: c.ID, after: auditCase(out),
		note: map[string]any{"file": file, "subjects": len(ic.Subjects)}})
}

// ImportedCaseStats counts, over the cases imported from a file into a
// ledger unit, the cases, subjects and detained subjects (for checks and
// statistics).
func (s *Store) ImportedCaseStats(ctx context.Context, ledgerUnitID int64, file string) (cases, subjects, detained int, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT c.id), COUNT(sj.id), COALESCE(SUM(CASE WHEN sj.detained THEN 1 ELSE 0 END), 0)
		FROM cases c LEFT JOIN case_subjects sj ON sj.case_id = c.id WHERE c.ledger_unit_id = $1 AND c.imported_from = $2`,
		ledgerUnitID, file).Scan(&cases, &subjects, &detained)
	if err != nil {
		err = fmt.Errorf("store: imported case stats: %w", err)
	}
	return cases, subjects, detained, err
}
