package store

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"qingfeng/internal/audit"
	"qingfeng/internal/clue"
	"qingfeng/internal/org"
)

// This file loads generated data in bulk (the province-scale demo and the
// scale benchmarks): units one by one in a few big transactions, clues with
// multi-row INSERTs, their first event and running clocks, the ledger
// counters, and ONE audit record for the whole load instead of one per row.

// BulkClue is one generated ledger row for BulkLoad.
type BulkClue struct {
	// Clue is stored as given (status, mode, dates, flags, owner, ...);
	// BulkLoad assigns ID and Number and ignores Version and the names.
	Clue clue.Clue
	// ShortName is the ledger unit's short name for the number (永 in
	// 永纪线〔2026〕15号).
	ShortName string
	// Clock, when not nil, is a running clock of the clue (the disposal
	// clock of a clue not yet disposed); its object, label and link are
	// filled in.
	Clock *Clock
}

// BulkLoad is one load of generated data.
type BulkLoad struct {
	Action string         // the audit action of the one record, e.g. "demo.province"
	Note   map[string]any // added to the audit record next to the counts
	// Units are created in order under parents that exist already (no
	// per-unit audit record); their paths are derived as CreateUnit does.
	Units []org.Unit
	// Clues are numbered in the order they come (per ledger unit and year
	// of receipt, after the numbers already allocated), so give them in
	// order of receipt.
	Clues iter.Seq2[BulkClue, error]
	// Cases are numbered in the order they come (per ledger unit and year
	// of the filing request, after the numbers already allocated), after
	// the clues.
	Cases iter.Seq2[BulkCase, error]
	// Reports are numbered in the order they come (per receiving unit and
	// year of receipt, after the numbers already allocated), after the
	// cases.
	Reports   iter.Seq2[BulkReport, error]
	CreatedBy int64 // the user recorded as creator of the clues and proposer of the cases (0: none)
}

// BulkCounts is what BulkLoad wrote.
type BulkCounts struct {
	Units   int
	UnitIDs []int64 // ids of Units, in order
	Clues   int
	Clocks  int // of the clues
	Events  int // of the clues
	// Cases with their subjects, measures, events and running clocks (of
	// the cases and their measures).
	Cases, Subjects, Measures, CaseEvents, CaseClocks int
	// Reports with their events (bands and search entries go with them).
	Reports, ReportEvents int
}

// Batch sizes of BulkLoad.
const (
	bulkTxClues   = 10000 // clues per transaction
	bulkStmtClues = 300   // clues per INSERT (41 parameters each: under SQLite's 32,766 and PostgreSQL's 65,535)
	bulkTxUnits   = 5000  // units per transaction
)

// BulkLoad writes generated units, clues, cases and reports in big
// transactions and ends with one audit record (Action; the counts and
// Note), the ledger counters (doc_numbers and report_numbers, so later
// registrations continue each sequence) and, on PostgreSQL, the id
// sequences and fresh planner statistics.
//
// It is for loading a database that nobody else writes to at the same
// time (the demo generator, benchmarks): it numbers clues from the
// counters it read at the start. It is not one transaction: after an error
// part of the data may exist without the audit record. Errors: the first
// database error or the first error of b.Clues.
func (s *Store) BulkLoad(ctx context.Context, a audit.Actor, b BulkLoad) (BulkCounts, error) {
	var n BulkCounts
	if err := s.bulkUnits(ctx, b.Units, &n); err != nil {
		return n, err
	}
	var nextID int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM clues`).Scan(&nextID); err != nil {
		return n, fmt.Errorf("store: bulk clue id: %w", err)
	}
	counters, err := s.docCounters(ctx, "clue")
	if err != nil {
		return n, err
	}
	touched := map[counterKey]bool{}
	now := s.now()
	batch := make([]BulkClue, 0, bulkTxClues)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			for lo := 0; lo < len(batch); lo += bulkStmtClues {
				if err := s.bulkClueStmt(ctx, tx, batch[lo:min(lo+bulkStmtClues, len(batch))], b.CreatedBy, now, &n); err != nil {
					return err
				}
			}
			return nil
		})
		batch = batch[:0]
		return err
	}
	if b.Clues != nil {
		for bc, err := range b.Clues {
			if err != nil {
				return n, err
			}
			c := &bc.Clue
			c.ID = nextID
			nextID++
			year := c.ReceivedAt.In(shanghai()).Year()
			k := counterKey{c.LedgerUnitID, year}
			counters[k]++
			touched[k] = true
			c.Number = fmt.Sprintf(clue.NumberFmt, bc.ShortName, year, counters[k])
			batch = append(batch, bc)
			if len(batch) == bulkTxClues {
				if err := flush(); err != nil {
					return n, err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return n, err
	}
	caseCounters, caseTouched, err := s.bulkCases(ctx, b.Cases, b.CreatedBy, &n)
	if err != nil {
		return n, err
	}
	reportCounters, reportTouched, err := s.bulkReports(ctx, b.Reports, &n)
	if err != nil {
		return n, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		for _, x := range []struct {
			kind     string
			counters map[counterKey]int64
			touched  map[counterKey]bool
		}{{"clue", counters, touched}, {"case", caseCounters, caseTouched}} {
			for k := range x.touched {
				if _, err := s.exec(ctx, tx, `INSERT INTO doc_numbers (unit_id, kind, year, last) VALUES ($1, $2, $3, $4)
					ON CONFLICT (unit_id, kind, year) DO UPDATE SET last = excluded.last`, k.unit, x.kind, k.year, x.counters[k]); err != nil {
					return fmt.Errorf("store: bulk counters: %w", err)
				}
			}
		}
		for k := range reportTouched {
			if _, err := s.exec(ctx, tx, `INSERT INTO report_numbers (unit_id, year, last) VALUES ($1, $2, $3)
				ON CONFLICT (unit_id, year) DO UPDATE SET last = excluded.last`, k.unit, k.year, reportCounters[k]); err != nil {
				return fmt.Errorf("store: bulk report counters: %w", err)
			}
		}
		note := map[string]any{"units": n.Units, "clues": n.Clues, "clocks": n.Clocks, "events": n.Events}
		if n.Cases > 0 {
			note["cases"], note["subjects"], note["measures"], note["case_clocks"] = n.Cases, n.Subjects, n.Measures, n.CaseClocks
		}
		if n.Reports > 0 {
			note["reports"], note["report_events"] = n.Reports, n.ReportEvents
		}
		for k, v := range b.Note {
			note[k] = v
		}
		return s.appendAudit(ctx, tx, a, change{action: b.Action, objectType: "bulk_load", note: note})
	})
	if err != nil {
		return n, err
	}
	if s.dialect == Postgres {
		// Identity columns: the next normal insert continues after the loaded ids.
		for _, x := range []struct {
			table string
			n     int
		}{{"clues", n.Clues}, {"cases", n.Cases}, {"case_subjects", n.Subjects}, {"case_measures", n.Measures}, {"reports", n.Reports}} {
			if x.n == 0 {
				continue
			}
			if _, err := s.db.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+x.table+`', 'id'), (SELECT MAX(id) FROM `+x.table+`))`); err != nil {
				return n, fmt.Errorf("store: bulk %s sequence: %w", x.table, err)
			}
		}
		// What autovacuum would do shortly: statistics for the planner and
		// the visibility map (index-only scans of the statistics' indexes).
		for _, t := range []string{"units", "clues", "clocks", "clue_events", "cases", "case_subjects", "case_measures", "case_events",
			"reports", "report_events", "report_bands", "report_fingerprints", "report_search"} {
			if _, err := s.db.ExecContext(ctx, `VACUUM (ANALYZE) `+t); err != nil {
				return n, fmt.Errorf("store: analyze %s: %w", t, err)
			}
		}
	}
	return n, nil
}

type counterKey struct {
	unit int64
	year int
}

// docCounters reads the ledger counters of a kind of document (clue,
// case).
func (s *Store) docCounters(ctx context.Context, kind string) (map[counterKey]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT unit_id, year, last FROM doc_numbers WHERE kind = $1`, kind)
	if err != nil {
		return nil, fmt.Errorf("store: %s counters: %w", kind, err)
	}
	defer rows.Close()
	out := map[counterKey]int64{}
	for rows.Next() {
		var k counterKey
		var last int64
		if err := rows.Scan(&k.unit, &k.year, &last); err != nil {
			return nil, err
		}
		out[k] = last
	}
	return out, rows.Err()
}

// bulkUnits inserts units under existing parents, bulkTxUnits per
// transaction.
func (s *Store) bulkUnits(ctx context.Context, us []org.Unit, n *BulkCounts) error {
	paths := map[int64]string{}
	for lo := 0; lo < len(us); lo += bulkTxUnits {
		part := us[lo:min(lo+bulkTxUnits, len(us))]
		err := s.orgTx(ctx, func(tx *sql.Tx) error {
			now := ms(s.now())
			for _, u := range part {
				parent, ok := paths[u.ParentID]
				if !ok {
					p, err := getUnit(ctx, tx, u.ParentID)
					if err != nil {
						return fmt.Errorf("store: bulk unit %s: parent %d: %w", u.Name, u.ParentID, err)
					}
					parent, paths[u.ParentID] = p.Path, p.Path
				}
				var id int64
				if err := s.queryRow(ctx, tx, `INSERT INTO units (parent_id, kind, name, short_name, division_code, is_division, path,
					sort_order, active, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, '', $7, TRUE, 1, $8, $8) RETURNING id`,
					u.ParentID, string(u.Kind), u.Name, u.ShortName, nullable(u.DivisionCode), u.IsDivision, u.SortOrder, now).Scan(&id); err != nil {
					return s.mapErr(fmt.Errorf("store: bulk unit %s: %w", u.Name, err))
				}
				if _, err := s.exec(ctx, tx, `UPDATE units SET path = $1 WHERE id = $2`, parent+strconv.FormatInt(id, 10)+"/", id); err != nil {
					return fmt.Errorf("store: bulk unit path: %w", err)
				}
				n.UnitIDs = append(n.UnitIDs, id)
			}
			return nil
		})
		if err != nil {
			return err
		}
		n.Units += len(part)
	}
	return nil
}

// bulkClueStmt writes one multi-row INSERT of clues, one of their
// register events and one of their running clocks. Placeholders are
// positional on SQLite ("?"): it looks "$N" up by name, in time linear in
// the number of parameters, which makes big statements quadratic.
func (s *Store) bulkClueStmt(ctx context.Context, tx *sql.Tx, part []BulkClue, createdBy int64, now time.Time, n *BulkCounts) error {
	var q strings.Builder
	var vals []any
	ph := func(v any) string {
		vals = append(vals, v)
		if s.dialect == SQLite {
			return "?"
		}
		return "$" + strconv.Itoa(len(vals))
	}
	run := func(what string) error {
		if _, err := tx.ExecContext(ctx, q.String(), vals...); err != nil {
			return fmt.Errorf("store: bulk %s: %w", what, err)
		}
		q.Reset()
		vals = vals[:0]
		return nil
	}
	// Constants of every row, as literals (integers only).
	created := strconv.FormatInt(ms(now), 10)
	by := "NULL"
	if createdBy != 0 {
		by = strconv.FormatInt(createdBy, 10)
	}
	q.WriteString(`INSERT INTO clues (id, number, ledger_unit_id, ledger_path, unit_id, unit_path, source, source_type, source_id,
		source_ref, title, content, subject_name, subject_unit, subject_post, subject_level, subject_unit_id, subject_path, category,
		mass_interest, upper_level, status, mode, inquiry_form, outcome, closure, owner_user_id, leader_user_id, escalated,
		escalated_at, escalation_to, escalated_from, joint, joint_at, shelve_until, received_at, assigned_at, disposal_due_at,
		disposed_at, closed_at, case_number, created_by, version, created_at, updated_at) VALUES `)
	for i, bc := range part {
		c := bc.Clue
		if i > 0 {
			q.WriteString(", ")
		}
		row := []any{c.ID, c.Number, c.LedgerUnitID, c.LedgerPath, c.UnitID, c.UnitPath, c.Source, c.SourceType, c.SourceID,
			c.SourceRef, c.Title, c.Content, c.Subject.Name, c.Subject.Unit, c.Subject.Post, c.Subject.Level, nullID(c.Subject.UnitID),
			c.Subject.UnitPath, c.Category, c.MassInterest, c.UpperLevel, string(c.Status), string(c.Mode), c.InquiryForm, c.Outcome,
			c.Closure, nullID(c.OwnerUserID), nullID(c.LeaderUserID), c.Escalated, ms(c.EscalatedAt), c.EscalationTo,
			nullID(c.EscalatedFrom), c.Joint, ms(c.JointAt), c.ShelveUntil, ms(c.ReceivedAt), ms(c.AssignedAt), ms(c.DisposalDueAt),
			ms(c.DisposedAt), ms(c.ClosedAt), c.CaseNumber}
		q.WriteByte('(')
		for _, v := range row {
			q.WriteString(ph(v))
			q.WriteString(", ")
		}
		q.WriteString(by + ", 1, " + created + ", " + created + ")")
	}
	if err := run("clues"); err != nil {
		return err
	}
	n.Clues += len(part)

	q.WriteString(`INSERT INTO clue_events (clue_id, action, from_status, to_status, unit_id, user_id, note, at) VALUES `)
	for i, bc := range part {
		c := bc.Clue
		if i > 0 {
			q.WriteString(", ")
		}
		// The registration: in the ledger unit, before any hand-off.
		fmt.Fprintf(&q, "(%s, 'register', '', 'registered', %s, %s, %s, %s)", ph(c.ID), ph(c.LedgerUnitID), by, ph(c.Source),
			ph(ms(c.ReceivedAt)))
	}
	if err := run("clue events"); err != nil {
		return err
	}
	n.Events += len(part)

	rows := 0
	for _, bc := range part {
		k := bc.Clock
		if k == nil {
			continue
		}
		if rows == 0 {
			q.WriteString(`INSERT INTO clocks (object_type, object_id, code, label, link, unit_path, owner_user_id, started_at, due_at,
				remind_at, provisional, extensions, paused_since) VALUES `)
		} else {
			q.WriteString(", ")
		}
		rows++
		fmt.Fprintf(&q, "('clue', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, 0)", ph(bc.Clue.ID), ph(k.Code), ph(bc.Clue.Number),
			ph("/clues/"+strconv.FormatInt(bc.Clue.ID, 10)), ph(k.UnitPath), ph(nullID(k.OwnerUserID)), ph(ms(k.StartedAt)),
			ph(ms(k.DueAt)), ph(ms(k.RemindAt)), ph(k.Provisional))
	}
	if rows > 0 {
		if err := run("clocks"); err != nil {
			return err
		}
		n.Clocks += rows
	}
	return nil
}
