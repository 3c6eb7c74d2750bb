package importer

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"qingfeng/internal/apperr"
	"qingfeng/internal/casework"
)

// This file reads historical case ledgers (案件台账): one row per handled
// person, rows with the same 案件编号 forming one case. ReadCaseLedger
// parses and checks each row against the casework rules (the same subject
// and outcome validation as the case workflow) and the rows of one case
// against each other; persisting is the caller's (app.ImportCases).

// LedgerColumn is a column of a case ledger: its header as the ledger
// template names it.
type LedgerColumn string

// The ledger columns. The first sixteen are the template; 职级, 工作单位
// and 问题类别 are optional.
const (
	ColCaseNumber  LedgerColumn = "案件编号"
	ColFiledAt     LedgerColumn = "立案日期"
	ColLeadUnit    LedgerColumn = "承办单位"
	ColName        LedgerColumn = "被审查调查人"
	ColPost        LedgerColumn = "职务"
	ColCategory    LedgerColumn = "人员类别"
	ColParty       LedgerColumn = "党纪处分"
	ColGov         LedgerColumn = "政务处分"
	ColOrg         LedgerColumn = "组织处理"
	ColFirst       LedgerColumn = "第一种形态"
	ColDetained    LedgerColumn = "是否留置"
	ColTransferred LedgerColumn = "移送司法"
	ColRecovered   LedgerColumn = "追缴资金(元)"
	ColReturned    LedgerColumn = "退还群众资金(元)"
	ColClosedAt    LedgerColumn = "结案日期"
	ColCause       LedgerColumn = "案由"
	ColRank        LedgerColumn = "职级"
	ColUnitText    LedgerColumn = "工作单位"
	ColKeyField    LedgerColumn = "问题类别"
)

// LedgerColumns returns the required columns in template order.
func LedgerColumns() []LedgerColumn {
	return []LedgerColumn{ColCaseNumber, ColFiledAt, ColLeadUnit, ColName, ColPost, ColCategory, ColParty, ColGov, ColOrg,
		ColFirst, ColDetained, ColTransferred, ColRecovered, ColReturned, ColClosedAt, ColCause}
}

// optionalLedgerColumns are read when present.
func optionalLedgerColumns() []LedgerColumn { return []LedgerColumn{ColRank, ColUnitText, ColKeyField} }

// ledgerAliases are further accepted headers (normalised by normHeader,
// which also drops a trailing "(元)" and folds full-width forms).
func ledgerAliases() map[string]LedgerColumn {
	return map[string]LedgerColumn{
		"案号": ColCaseNumber, "立案时间": ColFiledAt, "承办部门": ColLeadUnit, "姓名": ColName, "被调查人": ColName,
		"被审查调查人姓名": ColName, "职务职级": ColPost, "身份类别": ColCategory, "留置": ColDetained,
		"是否移送司法": ColTransferred, "移送司法机关": ColTransferred, "是否移送司法机关": ColTransferred,
		"追缴资金": ColRecovered, "退还群众资金": ColReturned, "结案时间": ColClosedAt, "简要案情": ColCause,
		"重点领域": ColKeyField,
	}
}

// LedgerRow is one valid ledger row: a person and the outcome decided for
// them, with the case-level cells of the row.
type LedgerRow struct {
	Line       int    `json:"row"`
	CaseNumber string `json:"case_number"`
	LeadUnit   string `json:"lead_unit,omitempty"` // a unit name or division code; "" for the importing unit
	Cause      string `json:"cause"`
	KeyField   string `json:"key_field,omitempty"` // 问题类别 as written; "" for none
	FiledAt    time.Time
	ClosedAt   time.Time
	Subject    casework.SubjectInput
	Outcome    casework.Outcome // DecidedAt is ClosedAt
	Form       casework.Form
	Detained   bool
}

// LedgerError is a rejected cell or row: Line as in LedgerRow, Column the
// header ("" for the row), Code an i18n message key, Value the cell (cut).
type LedgerError struct {
	Line   int
	Case   string // the row's 案件编号 ("" when it has none)
	Column LedgerColumn
	Code   string
	Value  string
}

// Error returns a developer-facing description.
func (e LedgerError) Error() string {
	return fmt.Sprintf("line %d: %s %s %q", e.Line, e.Column, e.Code, e.Value)
}

// Ledger is a parsed case ledger: the rows in file order, the rejected
// cells, and the row counts. Rows is every non-blank data row, valid or
// not.
type Ledger struct {
	Format string
	Rows   int
	Valid  []LedgerRow
	Errors []LedgerError
}

// BadCases returns the case numbers with a rejected row ("" for rows
// without a number).
func (l Ledger) BadCases() map[string]bool {
	out := map[string]bool{}
	for _, e := range l.Errors {
		out[e.Case] = true
	}
	return out
}

// LedgerOptions tune ReadCaseLedger; the zero value is usable.
type LedgerOptions struct {
	Loc      *time.Location // dates without a zone; nil: Asia/Shanghai
	MaxRows  int            // data rows; 0: DefaultMaxLedgerRows
	MaxBytes int64          // 0: DefaultMaxBytes
}

// DefaultMaxLedgerRows bounds a ledger: a county's cases over many years.
const DefaultMaxLedgerRows = 50_000

// File-level codes of ReadCaseLedger besides ReadTable's.
const (
	CodeMissingColumns = "missing_columns" // required ledger headers are absent
)

// ReadCaseLedger reads a case ledger (.xlsx first sheet or .csv): the
// first non-blank row is the header, matched by name in any order (see
// LedgerColumns; surrounding spaces, full-width parentheses and a trailing
// "(元)" do not matter). Each data row is cleaned and checked:
//
//   - 案件编号, 被审查调查人, 案由 and 人员类别 are required; 立案日期 and
//     结案日期 are required dates (as the report import reads them), the
//     closing not before the filing: a historical ledger holds closed cases;
//   - 人员类别 names a subject category of subjects.json (公职人员 means a
//     civil servant, 村干部 a village cadre) and may add 中共党员, e.g.
//     "村干部、中共党员"; 中共党员 alone is a party member who is not a
//     public official;
//   - sanctions, organisational actions and first-form measures are the
//     Chinese labels, several joined by 、 or commas where allowed; empty,
//     无 or - for none; 留党察看 needs its term (留党察看一年/二年);
//   - 是否留置 and 移送司法 are 是/否, Y/N, 1/0 or √ (empty: no);
//   - amounts are yuan with at most two decimals (1,234.50), turned into
//     fen exactly;
//   - the subject and its outcome pass casework's validation (a village
//     cadre may get only 警告、记过、记大过; a party sanction needs a party
//     member; returned funds cannot exceed the recovered ones).
//
// Rows of one case must agree on 立案日期, 承办单位, 案由 and 结案日期;
// a disagreeing row is rejected. The caller writes only cases without any
// rejected row. Errors: an *Error (ReadTable's codes, CodeEmptyFile
// without a header, CodeMissingColumns), ctx.Err() or an I/O error.
func ReadCaseLedger(ctx context.Context, name string, r io.ReaderAt, size int64, opt LedgerOptions, d casework.Data) (Ledger, error) {
	loc := opt.Loc
	if loc == nil {
		loc = shanghai()
	}
	maxRows := opt.MaxRows
	if maxRows <= 0 {
		maxRows = DefaultMaxLedgerRows
	}
	p := &ledgerParser{d: d, loc: loc, cases: map[string]*ledgerCase{}}
	format, err := ReadTable(ctx, name, r, size, TableOptions{MaxRows: maxRows + 1, MaxBytes: opt.MaxBytes},
		func(line int, cells []string, date1904 bool) error {
			if p.cols == nil {
				return p.header(cells)
			}
			p.out.Rows++
			p.row(line, cells, date1904)
			return nil
		})
	p.out.Format = format
	if err == nil && p.cols == nil {
		err = newError(CodeEmptyFile, "文件为空或没有表头行", nil)
	}
	if CodeOf(err) == CodeTooManyRows {
		err = newError(CodeTooManyRows, fmt.Sprintf("数据行数超过上限 %d 行，请拆分后再导入", maxRows), nil)
	}
	if err != nil {
		return p.out, err
	}
	p.conflicts()
	return p.out, nil
}

type ledgerParser struct {
	d     casework.Data
	loc   *time.Location
	cols  map[LedgerColumn]int
	out   Ledger
	cases map[string]*ledgerCase
	order []string
}

// ledgerCase holds the case-level cells of a case's first row.
type ledgerCase struct {
	first LedgerRow
	rows  []int // indexes into out.Valid
}

// header maps the header row. Errors: CodeMissingColumns.
func (p *ledgerParser) header(cells []string) error {
	known := map[string]LedgerColumn{}
	for _, c := range append(LedgerColumns(), optionalLedgerColumns()...) {
		known[normHeader(string(c))] = c
	}
	for a, c := range ledgerAliases() {
		known[a] = c
	}
	cols := map[LedgerColumn]int{}
	for i, h := range cells {
		if c, ok := known[normHeader(h)]; ok {
			if _, dup := cols[c]; !dup {
				cols[c] = i
			}
		}
	}
	var missing []string
	for _, c := range LedgerColumns() {
		if _, ok := cols[c]; !ok {
			missing = append(missing, string(c))
		}
	}
	if len(missing) > 0 {
		return newError(CodeMissingColumns, "缺少案件台账的列："+strings.Join(missing, "、"), nil)
	}
	p.cols = cols
	return nil
}

// maxLedgerCell bounds a cell of a ledger (案由 is the longest).
const maxLedgerCell = 1000

func (p *ledgerParser) cell(cells []string, c LedgerColumn) string {
	i, ok := p.cols[c]
	if !ok || i >= len(cells) {
		return ""
	}
	return cleanText(cells[i], false)
}

// row parses and checks one data row.
func (p *ledgerParser) row(line int, cells []string, date1904 bool) {
	var errs []LedgerError
	bad := func(c LedgerColumn, code, value string) {
		errs = append(errs, LedgerError{Line: line, Column: c, Code: code, Value: cut(value)})
	}
	get := func(c LedgerColumn) string {
		v := p.cell(cells, c)
		if utf8.RuneCountInString(v) > maxLedgerCell {
			bad(c, "caseimport.too_long", v)
			return ""
		}
		return v
	}
	row := LedgerRow{Line: line, CaseNumber: get(ColCaseNumber), LeadUnit: get(ColLeadUnit), Cause: get(ColCause),
		KeyField: get(ColKeyField)}
	if row.CaseNumber == "" {
		bad(ColCaseNumber, "caseimport.required", "")
	}
	if row.Cause == "" {
		bad(ColCause, "caseimport.required", "")
	}
	date := func(c LedgerColumn) time.Time {
		v := get(c)
		if v == "" {
			code := "caseimport.required"
			if c == ColClosedAt {
				code = "caseimport.closed_required"
			}
			bad(c, code, "")
			return time.Time{}
		}
		t, ok := parseTime(v, p.loc, date1904)
		if !ok {
			bad(c, "caseimport.bad_date", v)
		}
		return t
	}
	row.FiledAt, row.ClosedAt = date(ColFiledAt), date(ColClosedAt)
	if !row.FiledAt.IsZero() && !row.ClosedAt.IsZero() && row.ClosedAt.Before(row.FiledAt) {
		bad(ColClosedAt, "caseimport.closed_before_filed", p.cell(cells, ColClosedAt))
	}
	s := casework.SubjectInput{Name: get(ColName), Post: get(ColPost), Unit: get(ColUnitText)}
	if s.Name == "" {
		bad(ColName, "caseimport.required", "")
	}
	catText := get(ColCategory)
	if catText == "" {
		bad(ColCategory, "caseimport.required", "")
	} else if cat, member, ok := parseCategory(catText, p.d); ok {
		s.Category, s.PartyMember = cat, member
	} else {
		bad(ColCategory, "caseimport.category_invalid", catText)
	}
	if v := get(ColRank); v != "" {
		if rank, ok := parseRank(v, p.d); ok {
			s.Rank = rank
		} else {
			bad(ColRank, "caseimport.rank_invalid", v)
		}
	} else if s.Category == casework.CategoryVillageCadre {
		s.Rank = "village"
	} else {
		s.Rank = "other"
	}
	o := casework.Outcome{DecidedAt: row.ClosedAt}
	if v := get(ColParty); !isNone(v) {
		ps, years, ok := parseParty(v)
		switch {
		case !ok:
			bad(ColParty, "caseimport.label_invalid", v)
		case ps == casework.PartyProbation && years == 0:
			bad(ColParty, "caseimport.probation_years", v)
		default:
			o.Party, o.ProbationYears = ps, years
		}
	}
	if v := get(ColGov); !isNone(v) {
		if g, ok := lookupLabel(v, govLabels()); ok {
			o.Gov = casework.GovSanction(g)
		} else {
			bad(ColGov, "caseimport.label_invalid", v)
		}
	}
	if v := get(ColOrg); !isNone(v) {
		codes, ok := parseLabels(v, orgLabels())
		if !ok {
			bad(ColOrg, "caseimport.label_invalid", v)
		}
		for _, c := range codes {
			o.Org = append(o.Org, casework.OrgAction(c))
		}
	}
	if v := get(ColFirst); !isNone(v) {
		codes, ok := parseLabels(v, firstLabels())
		if !ok {
			bad(ColFirst, "caseimport.label_invalid", v)
		}
		for _, c := range codes {
			o.First = append(o.First, casework.FirstForm(c))
		}
	}
	yesNo := func(c LedgerColumn) bool {
		v := get(c)
		b, ok := parseYesNo(v)
		if !ok {
			bad(c, "caseimport.yes_no_invalid", v)
		}
		return b
	}
	row.Detained, o.Transferred = yesNo(ColDetained), yesNo(ColTransferred)
	fen := func(c LedgerColumn) int64 {
		v := get(c)
		n, ok := ParseFen(v)
		if !ok {
			bad(c, "caseimport.amount_invalid", v)
		}
		return n
	}
	o.RecoveredFen, o.ReturnedFen = fen(ColRecovered), fen(ColReturned)
	if len(errs) == 0 {
		// The casework rules, as the case workflow applies them.
		if err := s.Validate(p.d); err != nil {
			for f, key := range apperr.As(err).Fields {
				bad(subjectColumn(f), key, p.cell(cells, subjectColumn(f)))
			}
		}
	}
	if len(errs) == 0 {
		sj := casework.Subject{Name: s.Name, Category: s.Category, PartyMember: s.PartyMember, Rank: s.Rank}
		if err := o.Validate(sj, p.d); err != nil {
			for f, key := range apperr.As(err).Fields {
				bad(outcomeColumn(f), key, p.cell(cells, outcomeColumn(f)))
			}
		}
		if o.Empty() {
			bad("", "caseimport.no_outcome", "")
		}
	}
	if len(errs) > 0 {
		for i := range errs {
			errs[i].Case = row.CaseNumber
		}
		p.out.Errors = append(p.out.Errors, errs...)
		return
	}
	row.Subject, row.Outcome, row.Form = s, o, casework.FormOf(o).Form
	p.out.Valid = append(p.out.Valid, row)
	c := p.cases[row.CaseNumber]
	if c == nil {
		c = &ledgerCase{first: row}
		p.cases[row.CaseNumber] = c
		p.order = append(p.order, row.CaseNumber)
	}
	c.rows = append(c.rows, len(p.out.Valid)-1)
}

// conflicts rejects the rows of a case whose case-level cells differ from
// those of the case's first valid row.
func (p *ledgerParser) conflicts() {
	var keep []LedgerRow
	for _, row := range p.out.Valid {
		f := p.cases[row.CaseNumber].first
		var errs []LedgerError
		check := func(c LedgerColumn, same bool, value string) {
			if !same {
				errs = append(errs, LedgerError{Line: row.Line, Case: row.CaseNumber, Column: c, Code: "caseimport.case_field_conflict", Value: cut(value)})
			}
		}
		check(ColFiledAt, row.FiledAt.Equal(f.FiledAt), row.FiledAt.Format("2006-01-02"))
		check(ColLeadUnit, row.LeadUnit == f.LeadUnit, row.LeadUnit)
		check(ColCause, row.Cause == f.Cause, row.Cause)
		check(ColClosedAt, row.ClosedAt.Equal(f.ClosedAt), row.ClosedAt.Format("2006-01-02"))
		check(ColKeyField, row.KeyField == f.KeyField, row.KeyField)
		if len(errs) > 0 {
			p.out.Errors = append(p.out.Errors, errs...)
			continue
		}
		keep = append(keep, row)
	}
	p.out.Valid = keep
	slices.SortStableFunc(p.out.Errors, func(a, b LedgerError) int { return a.Line - b.Line })
}

// subjectColumn is the column of a casework subject field.
func subjectColumn(field string) LedgerColumn {
	switch field {
	case "name":
		return ColName
	case "post":
		return ColPost
	case "unit":
		return ColUnitText
	case "rank":
		return ColRank
	}
	return ColCategory
}

// outcomeColumn is the column of a casework outcome field.
func outcomeColumn(field string) LedgerColumn {
	switch field {
	case "party", "probation_years":
		return ColParty
	case "gov":
		return ColGov
	case "org":
		return ColOrg
	case "first":
		return ColFirst
	case "returned_fen":
		return ColReturned
	case "recovered_fen":
		return ColRecovered
	}
	return ""
}

// normLabel folds widths and drops spaces for label matching.
func normLabel(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' {
			return -1
		}
		return r
	}, foldWidth(s))
}

// isNone reports an empty cell or a written "none".
func isNone(s string) bool {
	switch normLabel(s) {
	case "", "无", "-", "--", "/", "—", "——", "否", "没有":
		return true
	}
	return false
}

type label struct{ text, code string }

func partyLabels() []label {
	return []label{{"警告", "warning"}, {"党内警告", "warning"}, {"严重警告", "serious_warning"},
		{"党内严重警告", "serious_warning"}, {"撤销党内职务", "removal"}, {"留党察看", "probation"}, {"开除党籍", "expulsion"}}
}

func govLabels() []label {
	return []label{{"警告", "warning"}, {"政务警告", "warning"}, {"记过", "demerit"}, {"政务记过", "demerit"},
		{"记大过", "major_demerit"}, {"政务记大过", "major_demerit"}, {"降级", "demotion"}, {"政务降级", "demotion"},
		{"撤职", "dismissal"}, {"政务撤职", "dismissal"}, {"开除", "expulsion"}, {"开除公职", "expulsion"}}
}

func orgLabels() []label {
	return []label{{"停职检查", "suspension"}, {"调整职务", "adjustment"}, {"责令辞职", "resignation"}, {"免职", "removal"},
		{"降职", "demotion"}}
}

func firstLabels() []label {
	return []label{{"提醒谈话", "reminder_talk"}, {"警示谈话", "warning_talk"}, {"批评教育", "criticism"},
		{"责令纠正(停止)违纪行为", "stop"}, {"责令纠正违纪行为", "stop"}, {"责令停止违纪行为", "stop"}, {"责令纠正", "stop"},
		{"责成退出违纪所得", "surrender_gains"}, {"退出违纪所得", "surrender_gains"}, {"限期整改", "rectify"},
		{"责令作出口头或书面检查", "self_review"}, {"责令作出书面检查", "self_review"}, {"责令作出口头检查", "self_review"},
		{"责令检查", "self_review"}, {"书面检查", "self_review"}, {"口头检查", "self_review"},
		{"在民主生活会(组织生活会)上作出检查、接受批评帮助", "life_meeting"}, {"在民主生活会上作出检查", "life_meeting"},
		{"在组织生活会上作出检查", "life_meeting"}, {"民主生活会检查", "life_meeting"}, {"组织生活会检查", "life_meeting"},
		{"责令公开道歉(检讨)", "apology"}, {"责令公开道歉", "apology"}, {"责令公开检讨", "apology"}, {"公开道歉", "apology"},
		{"通报(批评)", "circulated"}, {"通报批评", "circulated"}, {"通报", "circulated"}, {"诫勉谈话", "admonish"},
		{"诫勉", "admonish"}, {"其他", "other"}}
}

// lookupLabel matches a whole cell against labels.
func lookupLabel(s string, labels []label) (string, bool) {
	s = normLabel(s)
	for _, l := range labels {
		if l.text == s {
			return l.code, true
		}
	}
	return "", false
}

// parseParty reads a party sanction; 留党察看 may carry its term
// (留党察看一年, 留党察看二年, 留党察看2年, 留党察看(一年)).
func parseParty(s string) (casework.PartySanction, int, bool) {
	n := normLabel(s)
	if rest, ok := strings.CutPrefix(n, "留党察看"); ok && rest != "" {
		rest = strings.Trim(rest, "()")
		switch rest {
		case "一年", "1年":
			return casework.PartyProbation, 1, true
		case "二年", "两年", "2年":
			return casework.PartyProbation, 2, true
		}
		return "", 0, false
	}
	c, ok := lookupLabel(n, partyLabels())
	return casework.PartySanction(c), 0, ok
}

// labelSep separates several labels in one cell.
func labelSep(r rune) bool {
	return r == '、' || r == ',' || r == ';' || r == '，' || r == '；' || r == '/'
}

// parseLabels reads one or more labels: the longest known label at each
// position (labels may themselves contain 、), separated by labelSep.
// Repeated labels are kept (casework rejects them).
func parseLabels(s string, labels []label) ([]string, bool) {
	rest := normLabel(s)
	sorted := slices.Clone(labels)
	slices.SortStableFunc(sorted, func(a, b label) int { return len(b.text) - len(a.text) })
	var out []string
	for {
		rest = strings.TrimLeftFunc(rest, labelSep)
		if rest == "" {
			return out, len(out) > 0
		}
		found := false
		for _, l := range sorted {
			if after, ok := strings.CutPrefix(rest, l.text); ok && (after == "" || labelSep([]rune(after)[0])) {
				out, rest, found = append(out, l.code), after, true
				break
			}
		}
		if !found {
			return out, false
		}
	}
}

// parseYesNo reads a yes/no cell; empty is no.
func parseYesNo(s string) (bool, bool) {
	switch strings.ToLower(normLabel(s)) {
	case "", "否", "n", "no", "0", "×", "x", "false", "无", "-":
		return false, true
	case "是", "y", "yes", "1", "√", "✓", "✔", "true", "有":
		return true, true
	}
	return false, false
}

// categoryAliases maps common ledger wordings to category codes.
func categoryAliases() map[string]string {
	return map[string]string{
		"公职人员": casework.CategoryCivilServant, "公务员": casework.CategoryCivilServant,
		"参公人员": casework.CategoryCivilServant, "参照公务员法管理人员": casework.CategoryCivilServant,
		"村干部": casework.CategoryVillageCadre, "社区干部": casework.CategoryVillageCadre,
		"村(社区)干部": casework.CategoryVillageCadre, "村组干部": casework.CategoryVillageCadre,
		"村(社区)两委干部": casework.CategoryVillageCadre, "基层群众性自治组织管理人员": casework.CategoryVillageCadre,
		"国企管理人员": casework.CategorySOEManager, "国有企业管理人员": casework.CategorySOEManager,
		"事业单位管理人员": casework.CategoryInstitution, "公办单位管理人员": casework.CategoryInstitution,
		"授权组织人员": casework.CategoryAuthorisedOrg, "受委托组织人员": casework.CategoryAuthorisedOrg,
		"其他依法履行公职的人员": casework.CategoryOtherPublicDuty, "其他公职人员": casework.CategoryOtherPublicDuty,
		"其他人员": casework.CategoryOther, "其他": casework.CategoryOther,
	}
}

// parseCategory reads 人员类别: one category (name, code or alias) and/or
// 中共党员. It returns the category code and party membership.
func parseCategory(s string, d casework.Data) (string, bool, bool) {
	aliases := categoryAliases()
	for _, c := range d.Categories {
		aliases[normLabel(c.NameZH)] = c.Code
		aliases[c.Code] = c.Code
	}
	n := normLabel(s)
	if code, ok := aliases[n]; ok { // whole names may hold 、
		return code, code == casework.CategoryPartyMember, true
	}
	cat, member := "", false
	for _, part := range strings.FieldsFunc(n, labelSep) {
		switch part {
		case "中共党员", "党员", "共产党员", "中国共产党党员":
			member = true
			continue
		}
		code, ok := aliases[part]
		if !ok || (cat != "" && cat != code) {
			return "", false, false
		}
		cat = code
	}
	switch {
	case cat == "" && member:
		return casework.CategoryPartyMember, true, true
	case cat == casework.CategoryPartyMember:
		return cat, true, true
	case cat == "":
		return "", false, false
	}
	return cat, member, true
}

// parseRank reads 职级 by its Chinese name or code.
func parseRank(s string, d casework.Data) (string, bool) {
	n := normLabel(s)
	alias := map[string]string{"科级": "township", "乡科级": "township", "处级": "county", "县处级": "county",
		"厅局级": "department", "村干部": "village", "村(社区)干部": "village"}
	if c, ok := alias[n]; ok {
		return c, true
	}
	for _, r := range d.Ranks {
		if n == normLabel(r.NameZH) || n == r.Code {
			return r.Code, true
		}
	}
	return "", false
}

// ParseFen reads an amount in yuan ("1,234.50", "1234.5元", "￥80", an
// Excel number) as fen with integer arithmetic. Empty is 0. More than two
// decimals are refused, except the floating-point noise of a computed
// Excel cell (1234.5500000000002, 0.29999999999999999), which rounds to
// the cent. Negative amounts and amounts over casework.MaxFen are refused.
func ParseFen(s string) (int64, bool) {
	n := normLabel(s)
	n = strings.TrimSuffix(n, "元")
	n = strings.TrimLeft(n, "¥￥")
	n = strings.ReplaceAll(n, ",", "")
	if n == "" {
		return 0, true
	}
	whole, frac, _ := strings.Cut(n, ".")
	if whole == "" {
		whole = "0"
	}
	if n == "." || len(whole) > 15 || !allDigits(whole) || !allDigits(frac) {
		return 0, false
	}
	roundUp := false
	if len(frac) > 2 {
		extra := frac[2:]
		switch {
		case len(extra) >= 6 && strings.Trim(extra[:6], "0") == "":
		case len(extra) >= 6 && strings.Trim(extra[:6], "9") == "":
			roundUp = true
		default:
			return 0, false
		}
		frac = frac[:2]
	}
	for len(frac) < 2 {
		frac += "0"
	}
	var fen int64
	for _, c := range whole + frac {
		fen = fen*10 + int64(c-'0')
	}
	if roundUp {
		fen++
	}
	if fen > casework.MaxFen {
		return 0, false
	}
	return fen, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
