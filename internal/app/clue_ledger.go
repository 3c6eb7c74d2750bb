package app

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/xuri/excelize/v2"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/clue"
	"qingfeng/internal/i18n"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// This file holds the clue ledger's monthly reconciliation (定期汇总核对)
// and its xlsx export.

// Reconciliation is the monthly reconciliation of the clue ledger of a
// unit's subtree: one row per handling unit with a non-zero cell, and the
// totals. Every cell is the number of ledger rows of a filter (Filter), so
// each number links to the rows it counts.
type Reconciliation struct {
	Month string   // YYYY-MM
	Unit  org.Unit // the unit whose subtree is counted
	From  time.Time
	// To ends the period: the end of the month, or now while the month
	// runs. Pending and overdue are taken at To.
	To    time.Time
	Rows  []store.ReconRow
	Total store.ReconRow // UnitID 0
}

// Filter is the ledger filter of a cell: ListClues with it (and the same
// caller) returns as many rows as row.Count(col). Pass r.Total for the
// totals row. The reconciliation page links each number with it.
func (r Reconciliation) Filter(row store.ReconRow, col store.ReconColumn) store.ClueFilter {
	return row.Filter(r.Unit.Path, r.From, r.To, col)
}

// ClueReconciliation is the monthly reconciliation (clue.read) of the
// ledger under a unit: unitID 0 is the caller's own commission (or
// township commission), else a unit in the caller's clue.read scope. Rows
// are what the caller may see on the ledger (scope, participation,
// recusal). The columns (store.ReconColumns): received in the month,
// disposed in the month (by mode, and forwarded up), pending and overdue at
// the end of the month (now for the running month), escalated and made
// joint in the month. Errors: forbidden (no clue.read, or no commission
// for unitID 0), not_found (unit unknown or outside the scope), invalid
// (field month: malformed or not begun).
func (a *App) ClueReconciliation(ctx context.Context, p auth.Principal, unitID int64, month string) (Reconciliation, error) {
	u, from, to, err := a.reconScope(ctx, p, unitID, month)
	if err != nil {
		return Reconciliation{}, err
	}
	rows, err := a.Store.ClueReconciliation(ctx, p.ScopeFor(auth.PermClueRead), u.Path, from, to)
	if err != nil {
		return Reconciliation{}, err
	}
	return Reconciliation{Month: month, Unit: u, From: from, To: to, Rows: rows, Total: store.ReconTotal(rows)}, nil
}

// reconScope checks a reconciliation's unit and month and returns the unit
// and the period (cut at now for the running month).
func (a *App) reconScope(ctx context.Context, p auth.Principal, unitID int64, month string) (org.Unit, time.Time, time.Time, error) {
	var u org.Unit
	if err := need(p, auth.PermClueRead); err != nil {
		return u, time.Time{}, time.Time{}, err
	}
	from, to, err := a.monthBounds(month)
	if err != nil {
		return u, from, to, err
	}
	now := a.Now()
	if !from.Before(now) {
		return u, from, to, apperr.InvalidField("month", "ledger.month_future")
	}
	if now.Before(to) {
		to = now
	}
	if unitID == 0 {
		c := a.receivingUnit(ctx, &p)
		if c == nil {
			return u, from, to, apperr.New(apperr.Forbidden, "error.forbidden")
		}
		return *c, from, to, nil
	}
	if u, err = a.Store.GetUnit(ctx, unitID); err != nil {
		return u, from, to, err
	}
	return u, from, to, inScope(p, auth.PermClueRead, u.Path, "unit")
}

// ReconCellFilter is the ledger filter behind one cell of a monthly
// reconciliation (the drill-down of the reconciliation page): the report's
// unit and month, the row's unit (0: the totals row) and the column.
// Errors: as ClueReconciliation, and invalid (field recon) for an unknown
// column.
func (a *App) ReconCellFilter(ctx context.Context, p auth.Principal, unitID int64, month string, rowUnit int64, col string) (store.ClueFilter, error) {
	u, from, to, err := a.reconScope(ctx, p, unitID, month)
	if err != nil {
		return store.ClueFilter{}, err
	}
	if !slices.Contains(store.ReconColumns(), store.ReconColumn(col)) {
		return store.ClueFilter{}, apperr.InvalidField("recon", "ledger.recon_invalid")
	}
	return store.ReconRow{UnitID: rowUnit}.Filter(u.Path, from, to, store.ReconColumn(col)), nil
}

// ClueExportMax is the most rows one ledger export writes: a larger
// selection is refused (invalid "ledger.export_too_large"), never cut.
const ClueExportMax = 100000

// ledgerColumns returns the header keys of the ledger export, in column
// order.
func ledgerColumns() []string {
	return []string{"ledger.col.number", "field.ledger_unit_id", "ledger.col.received", "field.source", "field.source_ref",
		"field.title", "field.subject_name", "ledger.col.subject_unit", "field.subject_post", "field.subject_level", "field.category",
		"ledger.col.mass", "report.unit", "ledger.col.owner", "field.status", "ledger.col.mode", "ledger.col.disposal_due",
		"ledger.col.disposed", "ledger.col.escalated", "ledger.col.joint", "ledger.col.closed"}
}

// ExportClueLedger writes the ledger rows the caller may see (clue.read;
// the same rows as ListClues with f, newest first, without paging) to w as
// an xlsx workbook with a Chinese header row; times and dates are in
// Asia/Shanghai. The export is audited (clue.export, with the row count
// and the filter) before the file is written. It returns the number of
// rows. The ledger page's export button calls it. Errors: forbidden,
// invalid "ledger.export_too_large" (more than ClueExportMax rows; nothing
// is written).
func (a *App) ExportClueLedger(ctx context.Context, p auth.Principal, f store.ClueFilter, w io.Writer) (int, error) {
	return a.exportClueLedger(ctx, p, f, w, ClueExportMax)
}

func (a *App) exportClueLedger(ctx context.Context, p auth.Principal, f store.ClueFilter, w io.Writer, max int) (int, error) {
	if err := need(p, auth.PermClueRead); err != nil {
		return 0, err
	}
	cat, err := i18n.Load()
	if err != nil {
		return 0, apperr.Wrap(err, apperr.Internal, "error.internal")
	}
	srcs, err := a.ClueSources()
	if err != nil {
		return 0, err
	}
	t := func(key string) string { return cat.T(i18n.ZH, key) }
	sources, categories := map[string]string{}, map[string]string{}
	for _, s := range srcs {
		sources[s.Code] = s.NameZH
	}
	for _, c := range a.Intake.Categories {
		categories[c.Code] = c.NameZH
	}
	label := func(prefix, code string) string {
		if code == "" || !cat.Has(i18n.ZH, prefix+code) {
			return code
		}
		return t(prefix + code)
	}
	yes := func(b bool) string {
		if b {
			return t("ledger.yes")
		}
		return t("ledger.no")
	}

	x := excelize.NewFile()
	defer x.Close()
	sheet := t("nav.clues")
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return 0, fmt.Errorf("app: export sheet: %w", err)
	}
	timeStyle, err := x.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd hh:mm")})
	if err != nil {
		return 0, fmt.Errorf("app: export style: %w", err)
	}
	dateStyle, err := x.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd")})
	if err != nil {
		return 0, fmt.Errorf("app: export style: %w", err)
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return 0, fmt.Errorf("app: export stream: %w", err)
	}
	for i, width := range []float64{22, 18, 17, 14, 18, 30, 10, 18, 14, 14, 14, 9, 18, 10, 14, 12, 13, 12, 9, 9, 12} {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return 0, fmt.Errorf("app: export width: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return 0, fmt.Errorf("app: export panes: %w", err)
	}
	cols := ledgerColumns()
	header := make([]any, len(cols))
	for i, k := range cols {
		header[i] = t(k)
	}
	if err := sw.SetRow("A1", header); err != nil {
		return 0, fmt.Errorf("app: export header: %w", err)
	}
	// Times in the business time zone; dates as the local day (a clock
	// ending at 23:59:59.999 would round up to the next day).
	at := func(v time.Time, style int) any {
		if v.IsZero() {
			return nil
		}
		v = v.In(a.Loc)
		if style == dateStyle {
			v = time.Date(v.Year(), v.Month(), v.Day(), 0, 0, 0, 0, a.Loc)
		}
		return excelize.Cell{StyleID: style, Value: v}
	}
	f.Now = a.Now()
	n := 0
	err = a.Store.EachClue(ctx, p.ScopeFor(auth.PermClueRead), f, max+1, func(c clue.Clue) error {
		n++
		if n > max {
			return apperr.New(apperr.Invalid, "ledger.export_too_large", max)
		}
		src := sources[c.Source]
		if src == "" {
			src = c.Source
		}
		category := categories[c.Category]
		if category == "" {
			category = c.Category
		}
		row := []any{c.Number, c.LedgerUnitName, at(c.ReceivedAt, timeStyle), src, c.SourceRef, c.Title, c.Subject.Name,
			c.Subject.Unit, c.Subject.Post, label("report.level.", c.Subject.Level), category, yes(c.MassInterest), c.UnitName,
			c.OwnerName, label("clue.status.", string(c.Status)), label("clue.mode.", string(c.Mode)),
			at(c.DisposalDueAt, dateStyle), at(c.DisposedAt, dateStyle), yes(c.Escalated), yes(c.Joint), at(c.ClosedAt, dateStyle)}
		cell, err := excelize.CoordinatesToCellName(1, n+1)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, row)
	})
	if err != nil {
		return 0, err
	}
	if err := sw.Flush(); err != nil {
		return 0, fmt.Errorf("app: export flush: %w", err)
	}
	if err := a.Store.RecordExport(ctx, actor(p), "clue", n, exportNote(f)); err != nil {
		return 0, err
	}
	if err := x.Write(w); err != nil {
		return 0, fmt.Errorf("app: export write: %w", err)
	}
	return n, nil
}

func ptr[T any](v T) *T { return &v }

// exportNote is what the audit record of an export keeps of the filter:
// the terms that are set.
func exportNote(f store.ClueFilter) map[string]any {
	note := map[string]any{}
	for k, v := range map[string]string{"unit_path": f.UnitPath, "source": f.Source, "category": f.Category, "mode": string(f.Mode),
		"query": f.Query} {
		if v != "" {
			note[k] = v
		}
	}
	for k, id := range map[string]int64{"unit_id": f.UnitID, "owner_user_id": f.OwnerUserID} {
		if id != 0 {
			note[k] = id
		}
	}
	if len(f.Status) > 0 {
		note["status"] = f.Status
	}
	if f.AreaSet {
		note["area_terms"] = len(f.Area)
	}
	for k, b := range map[string]bool{"mass_interest": f.MassInterest, "overdue": f.Overdue} {
		if b {
			note[k] = true
		}
	}
	for k, t := range map[string]time.Time{"from": f.From, "to": f.To, "disposed_from": f.DisposedFrom, "disposed_to": f.DisposedTo,
		"pending_at": f.PendingAt, "overdue_at": f.OverdueAt, "escalated_from": f.EscalatedIn[0], "escalated_to": f.EscalatedIn[1],
		"joint_from": f.JointIn[0], "joint_to": f.JointIn[1]} {
		if !t.IsZero() {
			note[k] = t.UTC().Format(time.RFC3339)
		}
	}
	return note
}
