package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"qingfeng/internal/casework"
	"qingfeng/internal/stats"
)

// This file loads generated cases in bulk for BulkLoad (the province-scale
// demo and the case benchmark): cases with their subjects, hand-off
// events, measures and running clocks, with multi-row INSERTs and explicit
// ids, numbered per ledger unit and year after the numbers already
// allocated.

// BulkCase is one generated case for BulkLoad.
type BulkCase struct {
	// Case is stored as given (status, dates, lead and ledger units,
	// subjects with their unit paths, outcomes, forms and transfer dates);
	// BulkLoad assigns the ids and the number (from the year of
	// CreatedAt) and ignores Version. A subject's outcome is stored as
	// UpdateCase stores it (JSON, Form as given, outcome_at its DecidedAt,
	// the figures of stats.FiguresOf).
	Case       casework.Case
	CreatedAt  time.Time // the filing request
	ShortName  string    // the ledger unit's short name for the number
	LedgerPath string
	// Events are the hand-off record (Action, statuses, unit, note, At).
	Events []CaseEvent
	// Measures are taken on subjects by index (SubjectID is the index in
	// Case.Subjects); a running one may have its statutory clock.
	Measures []BulkMeasure
	// Clocks are running clocks of the case (object, label and link are
	// filled in).
	Clocks []Clock
}

// BulkMeasure is a measure of a BulkCase with its optional running clock.
type BulkMeasure struct {
	Measure casework.Measure
	Clock   *Clock
}

// bulkStmtCases is the number of cases per INSERT (26 parameters each).
const bulkStmtCases = 400

// bulkIDs are the next ids of the tables BulkLoad writes with explicit ids.
type bulkIDs struct{ cases, subjects, measures int64 }

func (s *Store) nextBulkIDs(ctx context.Context) (bulkIDs, error) {
	var ids bulkIDs
	for _, x := range []struct {
		table string
		id    *int64
	}{{"cases", &ids.cases}, {"case_subjects", &ids.subjects}, {"case_measures", &ids.measures}} {
		if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM `+x.table).Scan(x.id); err != nil {
			return ids, fmt.Errorf("store: bulk %s id: %w", x.table, err)
		}
	}
	return ids, nil
}

// bulkCases writes the cases of a load, bulkTxClues per transaction, and
// returns the touched case counters.
func (s *Store) bulkCases(ctx context.Context, cases iter.Seq2[BulkCase, error], createdBy int64, n *BulkCounts) (map[counterKey]int64, map[counterKey]bool, error) {
	touched := map[counterKey]bool{}
	if cases == nil {
		return nil, touched, nil
	}
	counters, err := s.docCounters(ctx, "case")
	if err != nil {
		return nil, nil, err
	}
	ids, err := s.nextBulkIDs(ctx)
	if err != nil {
		return nil, nil, err
	}
	batch := make([]BulkCase, 0, bulkTxClues)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			for lo := 0; lo < len(batch); lo += bulkStmtCases {
				if err := s.bulkCaseStmt(ctx, tx, batch[lo:min(lo+bulkStmtCases, len(batch))], createdBy, n); err != nil {
					return err
				}
			}
			return nil
		})
		batch = batch[:0]
		return err
	}
	for bc, err := range cases {
		if err != nil {
			return nil, nil, err
		}
		c := &bc.Case
		c.ID = ids.cases
		ids.cases++
		c.Year = bc.CreatedAt.In(shanghai()).Year()
		k := counterKey{c.LedgerUnitID, c.Year}
		counters[k]++
		touched[k] = true
		c.Seq = int(counters[k])
		c.Number = casework.Number(bc.ShortName, c.Year, c.Seq)
		for i := range c.Subjects {
			sj := &c.Subjects[i]
			sj.ID, sj.CaseID = ids.subjects, c.ID
			ids.subjects++
			if sj.Outcome != nil {
				o := *sj.Outcome
				o.SubjectID = sj.ID
				sj.Outcome = &o
			}
		}
		for i := range bc.Measures {
			m := &bc.Measures[i].Measure
			m.ID, m.CaseID = ids.measures, c.ID
			m.SubjectID = c.Subjects[m.SubjectID].ID
			ids.measures++
		}
		batch = append(batch, bc)
		if len(batch) == bulkTxClues {
			if err := flush(); err != nil {
				return nil, nil, err
			}
		}
	}
	return counters, touched, flush()
}

// bulkCaseStmt writes one multi-row INSERT each of cases, subjects,
// events, measures and clocks (positional placeholders on SQLite, as
// bulkClueStmt).
func (s *Store) bulkCaseStmt(ctx context.Context, tx *sql.Tx, part []BulkCase, createdBy int64, n *BulkCounts) error {
	m := s.multiInsert(ctx, tx)
	ph, sep, run, q := m.ph, m.sep, m.run, &m.q
	by := "NULL"
	if createdBy != 0 {
		by = strconv.FormatInt(createdBy, 10)
	}
	for _, bc := range part {
		c := bc.Case
		sep(`INSERT INTO cases (id, number, year, seq, ledger_unit_id, ledger_path, unit_id, unit_path, subject_path, category, cause,
			summary, clue_id, clue_number, clue_hold, direct_reason, supervision, joint, area_group_id, status, proposed_by, filed_at,
			review_at, decided_at, closed_at, version, created_at, updated_at) VALUES `)
		subjectPath := ""
		for _, sj := range c.Subjects {
			if sj.UnitPath != "" {
				subjectPath = sj.UnitPath
				break
			}
		}
		created, updated := ms(bc.CreatedAt), ms(bc.CreatedAt)
		for _, e := range bc.Events {
			updated = max(updated, ms(e.At))
		}
		fmt.Fprintf(q, "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 1, %s, %s)",
			ph(c.ID), ph(c.Number), ph(c.Year), ph(c.Seq), ph(c.LedgerUnitID), ph(bc.LedgerPath), ph(c.LeadUnitID), ph(c.LeadUnitPath),
			ph(subjectPath), ph(c.Category), ph(c.Cause), ph(c.Summary), ph(c.ClueID), ph(c.ClueNumber), ph(c.ClueID), ph(c.DirectReason),
			ph(c.Supervision), ph(c.Joint), ph(c.AreaGroupID), ph(string(c.Status)), ph(nullID(c.ProposedBy)), ph(ms(c.FiledAt)), ph(ms(c.ReviewAt)),
			ph(ms(c.DecidedAt)), ph(ms(c.ClosedAt)), strconv.FormatInt(created, 10), strconv.FormatInt(updated, 10))
	}
	if err := run("cases"); err != nil {
		return err
	}
	n.Cases += len(part)
	for _, bc := range part {
		for i, sj := range bc.Case.Subjects {
			// The outcome as writeSubjects stores it: the JSON, the form,
			// the decision date and what it counts as (stats.FiguresOf).
			outcome, at := "", int64(0)
			var f stats.Figures
			if sj.Outcome != nil {
				b, err := json.Marshal(sj.Outcome)
				if err != nil {
					return err
				}
				outcome, at, f = string(b), ms(sj.Outcome.DecidedAt), stats.FiguresOf(*sj.Outcome)
			}
			sep(`INSERT INTO case_subjects (id, case_id, seq, name, unit_text, post, rank, category, party_member, unit_id, unit_path,
				outcome, form, outcome_at, sanctioned, party_sanctioned, gov_sanctioned, org_action, transferred, funds_fen, returned_fen,
				transferred_at, created_at) VALUES `)
			fmt.Fprintf(q, "(%s, %s, %d, %s, %s, %s, %s, %s, %s, %s, %s, %s, %d, %d, %s, %s, %s, %s, %s, %d, %d, %d, %d)", ph(sj.ID),
				ph(sj.CaseID), i+1, ph(sj.Name), ph(sj.Unit), ph(sj.Post), ph(sj.Rank), ph(sj.Category), ph(sj.PartyMember),
				ph(nullID(sj.UnitID)), ph(sj.UnitPath), ph(outcome), int(sj.Form), at, ph(f.Sanctioned), ph(f.PartySanctioned),
				ph(f.GovSanctioned), ph(f.OrgAction), ph(f.Transferred), f.FundsFen, f.ReturnedFen, ms(sj.TransferredAt), ms(bc.CreatedAt))
			n.Subjects++
			if m.rows == bulkStmtCases {
				if err := run("case subjects"); err != nil {
					return err
				}
			}
		}
	}
	if err := run("case subjects"); err != nil {
		return err
	}
	for _, bc := range part {
		for _, e := range bc.Events {
			sep(`INSERT INTO case_events (case_id, action, from_status, to_status, unit_id, user_id, note, at) VALUES `)
			uid := by
			if e.UserID != 0 {
				uid = strconv.FormatInt(e.UserID, 10)
			}
			fmt.Fprintf(q, "(%s, %s, %s, %s, %s, %s, %s, %s)", ph(bc.Case.ID), ph(e.Action), ph(string(e.FromStatus)), ph(string(e.ToStatus)),
				ph(e.UnitID), uid, ph(e.Note), ph(ms(e.At)))
			n.CaseEvents++
			if m.rows == bulkStmtCases {
				if err := run("case events"); err != nil {
					return err
				}
			}
		}
	}
	if err := run("case events"); err != nil {
		return err
	}
	for _, bc := range part {
		for _, bm := range bc.Measures {
			m := bm.Measure
			sep(`INSERT INTO case_measures (id, case_id, subject_id, kind, level, started_at, ended_at, end_reason, approvals, note,
				created_at) VALUES `)
			fmt.Fprintf(q, "(%s, %s, %s, %s, %s, %s, %s, %s, '[]', %s, %s)", ph(m.ID), ph(m.CaseID), ph(m.SubjectID), ph(string(m.Kind)),
				ph(string(m.Level)), ph(ms(m.StartedAt)), ph(ms(m.EndedAt)), ph(m.EndReason), ph(m.Note), ph(ms(m.StartedAt)))
			n.Measures++
		}
	}
	if err := run("case measures"); err != nil {
		return err
	}
	clock := func(objectType string, id int64, k Clock, label, link string) {
		sep(`INSERT INTO clocks (object_type, object_id, code, label, link, unit_path, owner_user_id, started_at, due_at, remind_at,
			provisional, extensions, paused_since) VALUES `)
		fmt.Fprintf(q, "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0)", ph(objectType), ph(id), ph(k.Code), ph(label), ph(link),
			ph(k.UnitPath), ph(nullID(k.OwnerUserID)), ph(ms(k.StartedAt)), ph(ms(k.DueAt)), ph(ms(k.RemindAt)), ph(k.Provisional),
			ph(k.Extensions))
		n.CaseClocks++
	}
	for _, bc := range part {
		c := bc.Case
		link := "/cases/" + strconv.FormatInt(c.ID, 10)
		for _, k := range bc.Clocks {
			clock("case", c.ID, k, c.Number, link)
		}
		for _, bm := range bc.Measures {
			if bm.Clock == nil {
				continue
			}
			subject := ""
			for _, sj := range c.Subjects {
				if sj.ID == bm.Measure.SubjectID {
					subject = sj.Name
				}
			}
			clock("measure", bm.Measure.ID, *bm.Clock, c.Number+" "+subject, link)
		}
	}
	return run("case clocks")
}

// multiInsertStmt builds one multi-row INSERT at a time (positional
// placeholders on SQLite, numbered on PostgreSQL, as bulkClueStmt): sep
// starts the statement or adds a row, ph adds a value, run executes the
// statement and starts over.
type multiInsertStmt struct {
	ctx    context.Context
	tx     *sql.Tx
	sqlite bool
	q      strings.Builder
	vals   []any
	rows   int
}

func (s *Store) multiInsert(ctx context.Context, tx *sql.Tx) *multiInsertStmt {
	return &multiInsertStmt{ctx: ctx, tx: tx, sqlite: s.dialect == SQLite}
}

func (m *multiInsertStmt) ph(v any) string {
	m.vals = append(m.vals, v)
	if m.sqlite {
		return "?"
	}
	return "$" + strconv.Itoa(len(m.vals))
}

func (m *multiInsertStmt) sep(head string) {
	if m.rows == 0 {
		m.q.WriteString(head)
	} else {
		m.q.WriteString(", ")
	}
	m.rows++
}

func (m *multiInsertStmt) run(what string) error {
	if m.rows == 0 {
		return nil
	}
	if _, err := m.tx.ExecContext(m.ctx, m.q.String(), m.vals...); err != nil {
		return fmt.Errorf("store: bulk %s: %w", what, err)
	}
	m.q.Reset()
	m.vals, m.rows = m.vals[:0], 0
	return nil
}
