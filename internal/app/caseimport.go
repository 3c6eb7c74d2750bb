package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/casework"
	"qingfeng/internal/i18n"
	"qingfeng/internal/importer"
	"qingfeng/internal/org"
	"qingfeng/internal/stats"
	"qingfeng/internal/store"
)

// This file imports historical case ledgers (案件台账): closed cases with
// their subjects' outcomes, from an .xlsx or .csv file with one row per
// handled person (importer.ReadCaseLedger).

// CaseImportOptions say how to take in a ledger.
type CaseImportOptions struct {
	Name      string // the file name (its extension picks the format); kept on the imported cases
	UnitID    int64  // the importing unit: 承办单位 cells are looked up in its subtree; empty ones mean this unit
	ValidOnly bool   // write the cases whose rows are all valid and skip the rest (default: all or nothing)
	DryRun    bool   // parse and check only; nothing is written
}

// CaseImportError is a rejected cell or row: the sheet row, the column
// header ("" for the whole row), the case number of the row, a stable
// message key (code) and its Chinese text, and the cell's value.
type CaseImportError struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Case    string `json:"case,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Value   string `json:"value,omitempty"`
}

// CaseImportForms counts the subjects per four form (四种形态).
type CaseImportForms struct {
	First  int `json:"first"`
	Second int `json:"second"`
	Third  int `json:"third"`
	Fourth int `json:"fourth"`
}

// CaseImportTotals add up the cases a ledger import writes (or, in a dry
// run or a refused all-or-nothing run, the valid new cases it would
// write), so that the user can check them against the sheet: people with
// a party or government sanction (sanctioned, and each kind), people with
// an organisational action, detained (留置) and transferred to prosecution
// (移送司法) people, the funds in fen and as yuan text, and the people per
// four form.
type CaseImportTotals struct {
	Cases          int             `json:"cases"`
	Subjects       int             `json:"subjects"`
	Sanctioned     int             `json:"sanctioned"`
	PartySanctions int             `json:"party_sanctions"`
	GovSanctions   int             `json:"gov_sanctions"`
	OrgActions     int             `json:"org_actions"`
	Detained       int             `json:"detained"`
	Transferred    int             `json:"transferred"`
	RecoveredFen   int64           `json:"recovered_fen"`
	RecoveredYuan  string          `json:"recovered_yuan"`
	ReturnedFen    int64           `json:"returned_fen"`
	ReturnedYuan   string          `json:"returned_yuan"`
	Forms          CaseImportForms `json:"forms"`
}

// CaseImportSummary is what a ledger import reports; the JSON names are
// part of the command line (--json) and API contract. Rows counts the data
// rows, Cases the case numbers of the file; CasesCreated and
// SubjectsCreated what was written; Skipped the cases not written because
// they are already in the ledger (Duplicates, with valid_only) or have a
// rejected row; Rejected the rows with an error. Written is false when
// nothing was written (a dry run, or a file with errors imported all or
// nothing).
type CaseImportSummary struct {
	Format          string            `json:"format"`
	Rows            int               `json:"rows"`
	Cases           int               `json:"cases"`
	CasesCreated    int               `json:"cases_created"`
	SubjectsCreated int               `json:"subjects_created"`
	Skipped         int               `json:"skipped"`
	Duplicates      []string          `json:"duplicates,omitempty"`
	Rejected        int               `json:"rejected"`
	Errors          []CaseImportError `json:"errors"`
	Totals          CaseImportTotals  `json:"totals"`
	DryRun          bool              `json:"dry_run"`
	ValidOnly       bool              `json:"valid_only"`
	Written         bool              `json:"written"`
}

// Failed reports an all-or-nothing import refused because of errors.
func (s CaseImportSummary) Failed() bool { return !s.ValidOnly && len(s.Errors) > 0 }

// ImportCases takes in a historical case ledger for a unit in the
// caller's case.file scope (importer.ReadCaseLedger describes the file).
// Each case's 承办单位 (a unit name, short name or division code in the
// unit's subtree; empty: the unit) is its lead unit and the commission
// above it its ledger; the ledger's 案件编号 is kept as the case number and
// must be new in that ledger, so importing a file twice adds nothing. The
// cases are written closed (结案日期), created at their filing date, with an
// "import" event naming the file, in one transaction with an audit record
// each. By default any rejected row (or a case number already in the
// ledger) stops the whole import; with ValidOnly the cases with rejected
// rows are skipped and the ones already in the ledger are reported as
// duplicates. Errors: forbidden, invalid (unit_id out of scope; an
// unreadable file or missing columns), conflict "caseimport.duplicate_case"
// (the same file imported at the same moment).
func (a *App) ImportCases(ctx context.Context, p auth.Principal, r io.ReaderAt, size int64, opt CaseImportOptions) (CaseImportSummary, error) {
	sum := CaseImportSummary{DryRun: opt.DryRun, ValidOnly: opt.ValidOnly, Errors: []CaseImportError{}}
	if err := need(p, auth.PermCaseFile); err != nil {
		return sum, err
	}
	if opt.UnitID == 0 {
		opt.UnitID = p.UnitID
	}
	unit, err := a.Store.GetUnit(ctx, opt.UnitID)
	if err != nil || !unit.Active || !p.ScopeFor(auth.PermCaseFile).Covers(unit.Path) {
		return sum, apperr.InvalidField("unit_id", "caseimport.unit_invalid")
	}
	d, err := caseData()
	if err != nil {
		return sum, err
	}
	cat, err := i18n.Load()
	if err != nil {
		return sum, apperr.Wrap(err, apperr.Internal, "error.internal")
	}
	ledger, err := importer.ReadCaseLedger(ctx, opt.Name, r, size, importer.LedgerOptions{Loc: a.Loc}, d)
	sum.Format, sum.Rows = ledger.Format, ledger.Rows
	if err != nil {
		var ie *importer.Error
		if errors.As(err, &ie) {
			switch ie.Code {
			case importer.CodeMissingColumns:
				return sum, apperr.Wrap(err, apperr.Invalid, "caseimport.missing_columns", strings.TrimPrefix(ie.Message, "缺少案件台账的列："))
			case importer.CodeTooManyRows:
				return sum, apperr.Wrap(err, apperr.Invalid, "caseimport.too_many_rows")
			case importer.CodeEmptyFile:
				return sum, apperr.Wrap(err, apperr.Invalid, "caseimport.empty_file")
			}
			return sum, apperr.Wrap(err, apperr.Invalid, "import."+ie.Code)
		}
		return sum, err
	}
	fail := func(e importer.LedgerError) {
		sum.Errors = append(sum.Errors, CaseImportError{Row: e.Line, Column: string(e.Column), Case: e.Case, Code: e.Code,
			Message: cat.T(i18n.ZH, e.Code), Value: e.Value})
	}
	for _, e := range ledger.Errors {
		fail(e)
	}

	// Group the valid rows by case, in file order.
	type group struct {
		rows []importer.LedgerRow
	}
	groups := map[string]*group{}
	var order []string
	numbers := map[string]bool{}
	for _, e := range ledger.Errors {
		if e.Case != "" {
			numbers[e.Case] = true
		}
	}
	for _, row := range ledger.Valid {
		g := groups[row.CaseNumber]
		if g == nil {
			g = &group{}
			groups[row.CaseNumber] = g
			order = append(order, row.CaseNumber)
		}
		g.rows = append(g.rows, row)
		numbers[row.CaseNumber] = true
	}
	sum.Cases = len(numbers)

	// Resolve lead units, ledgers and key fields; numbers already in a ledger.
	units := map[string]*org.Unit{}
	ledgers := map[int64]*org.Unit{}
	var cases []store.ImportedCase
	var caseRows [][]importer.LedgerRow
	bad := ledger.BadCases()
	byLedger := map[int64][]int{}
	for _, num := range order {
		g := groups[num]
		first := g.rows[0]
		lead, ok := units[first.LeadUnit]
		if !ok {
			lead = a.ledgerLeadUnit(ctx, p, unit, first.LeadUnit)
			units[first.LeadUnit] = lead
		}
		var led *org.Unit
		if lead != nil {
			if led, ok = ledgers[lead.ID]; !ok {
				led = a.receivingUnit(ctx, &auth.Principal{UnitID: lead.ID})
				ledgers[lead.ID] = led
			}
		}
		keyField, keyOK := a.keyFieldCode(first.KeyField)
		if lead == nil || led == nil || !keyOK {
			for _, row := range g.rows {
				if lead == nil || led == nil {
					fail(importer.LedgerError{Line: row.Line, Case: num, Column: importer.ColLeadUnit, Code: "caseimport.lead_unit_invalid", Value: row.LeadUnit})
				}
				if !keyOK {
					fail(importer.LedgerError{Line: row.Line, Case: num, Column: importer.ColKeyField, Code: "caseimport.key_field_invalid", Value: row.KeyField})
				}
			}
			bad[num] = true
			continue
		}
		year := first.FiledAt.In(a.Loc).Year()
		c := casework.Case{Number: num, Year: year, Seq: numberSeq(num, shortName(*led), year), LedgerUnitID: led.ID,
			LeadUnitID: lead.ID, LeadUnitPath: lead.Path, Category: keyField, Cause: first.Cause,
			DirectReason: "历史案件台账导入：" + opt.Name, FiledAt: first.FiledAt, ClosedAt: first.ClosedAt}
		ic := store.ImportedCase{Case: c, LedgerPath: led.Path}
		for _, row := range g.rows {
			s := row.Subject
			ic.Subjects = append(ic.Subjects, store.ImportedSubject{Subject: casework.Subject{Name: s.Name, Unit: s.Unit, Post: s.Post,
				Rank: s.Rank, Category: s.Category, PartyMember: s.PartyMember}, Outcome: row.Outcome, Form: row.Form, Detained: row.Detained})
		}
		byLedger[led.ID] = append(byLedger[led.ID], len(cases))
		cases, caseRows = append(cases, ic), append(caseRows, g.rows)
	}
	dup := map[int]bool{}
	for ledgerID, idx := range byLedger {
		nums := make([]string, len(idx))
		for i, k := range idx {
			nums[i] = cases[k].Case.Number
		}
		existing, err := a.Store.ExistingCaseNumbers(ctx, ledgerID, nums)
		if err != nil {
			return sum, err
		}
		for _, k := range idx {
			if existing[cases[k].Case.Number] {
				dup[k] = true
			}
		}
	}
	var write []store.ImportedCase
	var writeRows [][]importer.LedgerRow
	for k, ic := range cases {
		num := ic.Case.Number
		switch {
		case dup[k]:
			sum.Duplicates = append(sum.Duplicates, num)
			if !opt.ValidOnly {
				for _, row := range caseRows[k] {
					fail(importer.LedgerError{Line: row.Line, Case: num, Column: importer.ColCaseNumber, Code: "caseimport.duplicate_case", Value: num})
				}
			}
		case bad[num]:
		default:
			write, writeRows = append(write, ic), append(writeRows, caseRows[k])
		}
	}
	sum.Skipped = len(sum.Duplicates)
	for num := range bad {
		if num != "" {
			sum.Skipped++
		}
	}
	lines := map[int]bool{}
	for _, e := range sum.Errors {
		lines[e.Row] = true
	}
	sum.Rejected = len(lines)
	sortCaseImportErrors(sum.Errors)
	for _, rows := range writeRows {
		sum.Totals.add(rows)
	}
	if opt.DryRun || sum.Failed() || len(write) == 0 {
		return sum, nil
	}
	out, err := a.Store.ImportCases(ctx, actor(p), opt.Name, write)
	if err != nil {
		return sum, err
	}
	sum.Written = true
	for _, c := range out {
		sum.CasesCreated++
		sum.SubjectsCreated += len(c.Subjects)
	}
	return sum, nil
}

// add counts one case's rows into the totals.
func (t *CaseImportTotals) add(rows []importer.LedgerRow) {
	t.Cases++
	for _, row := range rows {
		f := stats.FiguresOf(row.Outcome) // the statistics' own rules
		t.Subjects++
		t.Sanctioned += b2i(f.Sanctioned)
		t.PartySanctions += b2i(f.PartySanctioned)
		t.GovSanctions += b2i(f.GovSanctioned)
		t.OrgActions += b2i(f.OrgAction)
		t.Detained += b2i(row.Detained)
		t.Transferred += b2i(f.Transferred)
		t.RecoveredFen += f.FundsFen
		t.ReturnedFen += f.ReturnedFen
		switch row.Form {
		case casework.FormFirst:
			t.Forms.First++
		case casework.FormSecond:
			t.Forms.Second++
		case casework.FormThird:
			t.Forms.Third++
		case casework.FormFourth:
			t.Forms.Fourth++
		}
	}
	t.RecoveredYuan, t.ReturnedYuan = FenYuan(t.RecoveredFen), FenYuan(t.ReturnedFen)
}

// b2i is 1 for true.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// FenYuan renders fen as yuan with two decimals ("4778700.00").
func FenYuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

func sortCaseImportErrors(es []CaseImportError) {
	slices.SortStableFunc(es, func(a, b CaseImportError) int { return a.Row - b.Row })
}

// ledgerLeadUnit resolves a 承办单位 cell within the importing unit's
// subtree: empty is the unit itself; else a division code, a unit's name
// or its short name, matching one active unit that may lead a case (not a
// village) in the caller's case.file scope. It returns nil when there is
// no such unit or several.
func (a *App) ledgerLeadUnit(ctx context.Context, p auth.Principal, under org.Unit, ref string) *org.Unit {
	ok := func(u org.Unit) bool {
		return u.Active && u.Kind != org.KindVillage && strings.HasPrefix(u.Path, under.Path) &&
			p.ScopeFor(auth.PermCaseFile).Covers(u.Path)
	}
	if ref == "" {
		if ok(under) {
			return &under
		}
		return nil
	}
	if org.ValidDivisionCode(ref) {
		if u, err := a.Store.GetUnitByDivision(ctx, ref); err == nil && ok(u) {
			return &u
		}
	}
	list, _, err := a.Store.ListUnits(ctx, p.ScopeFor(auth.PermCaseFile), store.UnitFilter{Under: under.Path, Query: ref,
		Page: store.Page{Limit: 50}})
	if err != nil {
		return nil
	}
	var found []org.Unit
	for _, u := range list {
		if (u.Name == ref || u.ShortName == ref) && ok(u) {
			found = append(found, u)
		}
	}
	if len(found) != 1 {
		return nil
	}
	return &found[0]
}

// keyFieldCode maps a 问题类别 cell (a key field's Chinese name or code)
// to its code; empty is "other".
func (a *App) keyFieldCode(s string) (string, bool) {
	if s == "" {
		s = "other"
	}
	for _, c := range a.Intake.Categories {
		if c.Code == s || c.NameZH == s {
			return c.Code, true
		}
	}
	return "", false
}

// numberSeq returns the sequence of a case number in the ledger's own
// format for the year (casework.NumberFmt, e.g. 永纪案〔2024〕12号), or 0.
func numberSeq(number, short string, year int) int {
	prefix := fmt.Sprintf("%s纪案〔%d〕", short, year)
	rest, ok := strings.CutPrefix(number, prefix)
	if !ok {
		return 0
	}
	rest, ok = strings.CutSuffix(rest, "号")
	if !ok || rest == "" || len(rest) > 6 {
		return 0
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n <= 0 || casework.Number(short, year, n) != number {
		return 0
	}
	return n
}

// CaseImportUnits lists the units the caller may import case ledgers
// for: commissions and township commissions in its case.file scope,
// its own commission first. Errors: forbidden.
func (a *App) CaseImportUnits(ctx context.Context, p auth.Principal) ([]org.Unit, error) {
	if err := need(p, auth.PermCaseFile); err != nil {
		return nil, err
	}
	sc := p.ScopeFor(auth.PermCaseFile)
	var out []org.Unit
	seen := map[int64]bool{}
	if own := a.receivingUnit(ctx, &p); own != nil && sc.Covers(own.Path) {
		out, seen[own.ID] = append(out, *own), true
	}
	units, _, err := a.Store.ListUnits(ctx, sc, store.UnitFilter{Kinds: []org.Kind{org.KindCommission, org.KindTownship},
		Page: store.Page{Limit: 500}})
	for _, u := range units {
		if !seen[u.ID] {
			out = append(out, u)
		}
	}
	return out, err
}
