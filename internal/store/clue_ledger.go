package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"strings"
	"time"

	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
	"qingfeng/internal/clue"
)

// This file holds the clue ledger's periodic reconciliation (定期汇总核对):
// per handling unit and period, counts that each equal the number of ledger
// rows of one ClueFilter (ReconRow.Filter), and the audit record of a
// ledger export (the export streams EachClue).

// ReconColumn names a column of the clue reconciliation.
type ReconColumn string

// The reconciliation columns. A mode column (inquiry, verification, shelve,
// close) bears the mode's code.
const (
	ReconReceived     ReconColumn = "received" // received in the period
	ReconDisposed     ReconColumn = "disposed" // disposal approved (or forwarded up) in the period
	ReconInquiry      ReconColumn = ReconColumn(clue.ModeInquiry)
	ReconVerification ReconColumn = ReconColumn(clue.ModeVerification)
	ReconShelve       ReconColumn = ReconColumn(clue.ModeShelve)
	ReconClose        ReconColumn = ReconColumn(clue.ModeClose)
	ReconForwarded    ReconColumn = "forwarded" // disposed in the period by forwarding up (status forwarded)
	ReconPending      ReconColumn = "pending"   // pending at the end of the period
	ReconOverdue      ReconColumn = "overdue"   // pending at the end with the disposal opinion due before it
	ReconEscalated    ReconColumn = "escalated" // escalated in the period
	ReconJoint        ReconColumn = "joint"     // became joint in the period
)

// ReconColumns lists the reconciliation columns in display order.
func ReconColumns() []ReconColumn {
	return []ReconColumn{ReconReceived, ReconDisposed, ReconInquiry, ReconVerification, ReconShelve, ReconClose, ReconForwarded,
		ReconPending, ReconOverdue, ReconEscalated, ReconJoint}
}

// ReconRow is one handling unit's line of the reconciliation for a period
// [from, to), or the totals line (UnitID 0). Disposed counts every clue
// whose disposed_at falls in the period: the four modes (ByMode) and the
// clues forwarded up (Forwarded), so Disposed = sum(ByMode) + Forwarded as
// long as the workflow sets a mode on every disposal but a forward. Pending
// and Overdue are taken at to.
type ReconRow struct {
	UnitID    int64
	UnitName  string
	UnitPath  string
	Received  int
	Disposed  int
	Forwarded int
	Pending   int
	Overdue   int
	Escalated int
	Joint     int
	ByMode    map[clue.Mode]int // every mode present, zero included
}

// Count returns the value of a column (0 for an unknown column). The
// reconciliation page and the tests read cells through it.
func (r ReconRow) Count(col ReconColumn) int {
	switch col {
	case ReconReceived:
		return r.Received
	case ReconDisposed:
		return r.Disposed
	case ReconForwarded:
		return r.Forwarded
	case ReconPending:
		return r.Pending
	case ReconOverdue:
		return r.Overdue
	case ReconEscalated:
		return r.Escalated
	case ReconJoint:
		return r.Joint
	}
	return r.ByMode[clue.Mode(col)]
}

// Filter is the ledger filter whose rows a cell counts: the cell of column
// col in this row of the reconciliation of the subtree under for [from,
// to). The totals row (UnitID 0) filters the whole subtree. The UI links a
// number to ListClues with it; with the caller's scope, the ledger count
// equals the cell. An unknown column gives a filter that matches nothing.
func (r ReconRow) Filter(under string, from, to time.Time, col ReconColumn) ClueFilter {
	f := ClueFilter{UnitPath: under, UnitID: r.UnitID}
	switch col {
	case ReconReceived:
		f.From, f.To = from, to
	case ReconDisposed:
		f.DisposedFrom, f.DisposedTo = from, to
	case ReconForwarded:
		f.DisposedFrom, f.DisposedTo, f.Status = from, to, []clue.Status{clue.StatusForwarded}
	case ReconPending:
		f.PendingAt = to
	case ReconOverdue:
		f.OverdueAt = to
	case ReconEscalated:
		f.EscalatedIn = [2]time.Time{from, to}
	case ReconJoint:
		f.JointIn = [2]time.Time{from, to}
	default:
		if !clue.Mode(col).Valid() {
			return ClueFilter{AreaSet: true}
		}
		f.DisposedFrom, f.DisposedTo, f.Mode = from, to, clue.Mode(col)
	}
	return f
}

// ReconTotal adds up reconciliation rows into the totals row (UnitID 0, no
// name). The app's reconciliation calls it.
func ReconTotal(rows []ReconRow) ReconRow {
	t := ReconRow{ByMode: map[clue.Mode]int{}}
	for _, m := range clue.Modes() {
		t.ByMode[m] = 0
	}
	for _, r := range rows {
		t.Received += r.Received
		t.Disposed += r.Disposed
		t.Forwarded += r.Forwarded
		t.Pending += r.Pending
		t.Overdue += r.Overdue
		t.Escalated += r.Escalated
		t.Joint += r.Joint
		for m, n := range r.ByMode {
			t.ByMode[m] += n
		}
	}
	return t
}

// ClueReconciliation counts the ledger per handling unit (clues.unit_id)
// under unitPath for the period [from, to), within the scope sc (the same
// scope, participation and recusal terms as ListClues): one row per unit
// with at least one non-zero cell, in tree order. Each cell is the count
// of ReconRow.Filter for its column; pending and overdue are taken at to.
// One statement: a covering index (migration 00022) keeps it to an index
// scan of the subtree. The app's ClueReconciliation calls it. Errors:
// internal (database).
func (s *Store) ClueReconciliation(ctx context.Context, sc auth.Scope, unitPath string, from, to time.Time) ([]ReconRow, error) {
	var a args
	acc, err := s.accessIDs(ctx, sc, "clue", s.now())
	if err != nil {
		return nil, err
	}
	where := ClueFilter{UnitPath: unitPath}.where(sc, acc, &a)
	f, t := a.add(ms(from)), a.add(ms(to))
	// The terms mirror ClueFilter.where for the filters of ReconRow.Filter.
	received := "c.received_at >= " + f + " AND c.received_at < " + t
	disposed := "c.disposed_at >= " + f + " AND c.disposed_at > 0 AND c.disposed_at < " + t
	pending := "c.received_at < " + t + " AND (c.disposed_at = 0 OR c.disposed_at >= " + t + ")"
	escalated := "c.escalated_at >= " + f + " AND c.escalated_at < " + t
	joint := "c.joint_at >= " + f + " AND c.joint_at < " + t
	cells := []string{received, disposed, disposed + " AND c.status = " + a.add(string(clue.StatusForwarded)), pending,
		pending + " AND c.disposal_due_at < " + t, escalated, joint}
	for _, m := range clue.Modes() {
		cells = append(cells, disposed+" AND c.mode = "+a.add(string(m)))
	}
	sums, outer := make([]string, len(cells)), make([]string, len(cells))
	for i, c := range cells {
		sums[i] = fmt.Sprintf("SUM(CASE WHEN %s THEN 1 ELSE 0 END) AS n%d", c, i)
		outer[i] = fmt.Sprintf("g.n%d", i)
	}
	q := `SELECT g.unit_id, u.name, u.path, ` + strings.Join(outer, ", ") + ` FROM
		(SELECT c.unit_id, ` + strings.Join(sums, ", ") + ` FROM clues c WHERE ` + where + ` AND ((` + received + `) OR (` +
		disposed + `) OR (` + pending + `) OR (` + escalated + `) OR (` + joint + `)) GROUP BY c.unit_id) g
		JOIN units u ON u.id = g.unit_id ORDER BY u.path`
	rows, err := s.db.QueryContext(ctx, q, a.v...)
	if err != nil {
		return nil, fmt.Errorf("store: clue reconciliation: %w", err)
	}
	defer rows.Close()
	var out []ReconRow
	for rows.Next() {
		r := ReconRow{ByMode: map[clue.Mode]int{}}
		byMode := make([]int, len(clue.Modes()))
		dest := []any{&r.UnitID, &r.UnitName, &r.UnitPath, &r.Received, &r.Disposed, &r.Forwarded, &r.Pending, &r.Overdue,
			&r.Escalated, &r.Joint}
		for i := range byMode {
			dest = append(dest, &byMode[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("store: scan reconciliation: %w", err)
		}
		for i, m := range clue.Modes() {
			r.ByMode[m] = byMode[i]
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RecordExport appends the audit record of an export of read data (the
// clue ledger's xlsx): action objectType + ".export", the number of rows and
// the note (the filter), in its own transaction. The app calls it before it
// hands the file out. Errors: internal (database).
func (s *Store) RecordExport(ctx context.Context, a audit.Actor, objectType string, rows int, note map[string]any) error {
	n := map[string]any{"rows": rows}
	maps.Copy(n, note)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		return s.appendAudit(ctx, tx, a, change{action: objectType + ".export", objectType: objectType, note: n})
	})
}
