package monitor

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Column is a column of a payment or reference list.
type Column int

// The columns of the lists. A payment list has name, ID number, item,
// amount, date, township and village; a reference list name, ID number,
// village, date and note.
const (
	ColName Column = iota
	ColIDNumber
	ColItem
	ColAmount
	ColDate
	ColTownship
	ColVillage
	ColNote
	colCount
)

// Field is the field name of a column ("name", "id_number", …).
func (c Column) Field() string {
	fields := [colCount]string{"name", "id_number", "item", "amount", "date", "township", "village", "note"}
	if c < 0 || c >= colCount {
		return ""
	}
	return fields[c]
}

// Label is the usual Chinese header of a column.
func (c Column) Label() string {
	labels := [colCount]string{"姓名", "身份证号", "补贴项目", "金额", "发放日期", "乡镇", "村", "备注"}
	if c < 0 || c >= colCount {
		return ""
	}
	return labels[c]
}

// MissingColumnsError names the required columns a header lacks.
type MissingColumnsError struct {
	Columns []Column
}

func (e *MissingColumnsError) Error() string {
	names := make([]string, len(e.Columns))
	for i, c := range e.Columns {
		names[i] = c.Field()
	}
	return "monitor: missing columns: " + strings.Join(names, ", ")
}

// headerAliases maps a normalised header to its column.
func headerAliases() map[string]Column {
	a := map[string]Column{}
	add := func(c Column, names ...string) {
		for _, n := range names {
			a[normHeader(n)] = c
		}
	}
	add(ColName, "姓名", "户主姓名", "领取人", "领取人姓名", "收款人", "收款人姓名", "补贴对象", "对象姓名", "人员姓名", "name")
	add(ColIDNumber, "身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码", "身份证件号码", "id_number", "id")
	add(ColItem, "补贴项目", "项目", "项目名称", "补贴类别", "补贴名称", "资金项目", "资金名称", "补贴类型", "item")
	add(ColAmount, "金额", "发放金额", "补贴金额", "发放金额元", "金额元", "补贴金额元", "amount")
	add(ColDate, "发放日期", "发放时间", "日期", "发放年月", "死亡日期", "火化日期", "死亡时间", "入职日期", "参加工作时间", "参加工作日期",
		"登记日期", "注册日期", "成立日期", "购买日期", "办证日期", "date")
	add(ColTownship, "乡镇", "乡镇街道", "所属乡镇", "乡", "镇", "乡镇名称", "township")
	add(ColVillage, "村", "村社区", "村居", "所属村", "村组", "行政村", "村名", "所在村", "village")
	add(ColNote, "备注", "说明", "情况说明", "关系", "亲属关系", "note")
	return a
}

// normHeader folds a header cell: spaces, brackets, asterisks and a
// trailing unit are dropped ("金额（元）" → "金额元", "*姓名" → "姓名").
func normHeader(s string) string {
	s = strings.ToLower(NormalizeName(s))
	return strings.NewReplacer("(", "", ")", "", "[", "", "]", "", "*", "", "【", "", "】", "", "：", "", ":", "").Replace(s)
}

// Header maps the columns of a list to cell indexes.
type Header struct {
	idx [colCount]int
}

// PaymentColumns and ReferenceColumns are the required columns.
func PaymentColumns() []Column {
	return []Column{ColName, ColIDNumber, ColItem, ColAmount, ColDate, ColTownship, ColVillage}
}

// ReferenceColumns lists the columns a reference list must have; date and
// note are optional.
func ReferenceColumns() []Column { return []Column{ColName, ColIDNumber, ColVillage} }

// ParseHeader finds the columns in a header row. required lists the
// columns that must be present; the error, a *MissingColumnsError, names
// the missing ones.
func ParseHeader(cells []string, required []Column) (Header, error) {
	var h Header
	for i := range h.idx {
		h.idx[i] = -1
	}
	aliases := headerAliases()
	for i, c := range cells {
		col, ok := aliases[normHeader(c)]
		if ok && h.idx[col] < 0 {
			h.idx[col] = i
		}
	}
	var missing []Column
	for _, c := range required {
		if h.idx[c] < 0 {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return h, &MissingColumnsError{Columns: missing}
	}
	return h, nil
}

// Index is the cell index of a column, -1 when absent.
func (h Header) Index(c Column) int {
	if c < 0 || c >= colCount {
		return -1
	}
	return h.idx[c]
}

func (h Header) cell(cells []string, c Column) string {
	i := h.idx[c]
	if i < 0 || i >= len(cells) {
		return ""
	}
	return strings.TrimSpace(strings.ReplaceAll(cells[i], "\u3000", " "))
}

// RowError lists the fields of a row that could not be read.
type RowError struct {
	Line   int
	Fields []string
}

func (e *RowError) Error() string {
	return fmt.Sprintf("monitor: row %d: bad %s", e.Line, strings.Join(e.Fields, ", "))
}

// Payment reads a payment row. Name, item, amount and date are required;
// the ID number is kept as written (an invalid one only allows weak
// matches). loc is the county's time zone.
func (h Header) Payment(line int, cells []string, list string, loc *time.Location) (Payment, error) {
	p := Payment{Line: line, List: list,
		Name: h.cell(cells, ColName), IDNumber: h.cell(cells, ColIDNumber), Item: h.cell(cells, ColItem),
		Township: h.cell(cells, ColTownship), Village: h.cell(cells, ColVillage)}
	var bad []string
	if NormalizeName(p.Name) == "" {
		bad = append(bad, "name")
	}
	if p.Item == "" {
		bad = append(bad, "item")
	}
	fen, ok := ParseYuan(h.cell(cells, ColAmount))
	if !ok {
		bad = append(bad, "amount")
	}
	p.AmountFen = fen
	d, ok := ParseDate(h.cell(cells, ColDate), loc)
	if !ok || d.IsZero() {
		bad = append(bad, "date")
	}
	p.Date = d
	if len(bad) > 0 {
		return Payment{}, &RowError{Line: line, Fields: bad}
	}
	return p, nil
}

// Reference reads a reference row of a kind. The name is required; the
// date may be blank (unknown).
func (h Header) Reference(kind RefKind, line int, cells []string, loc *time.Location) (Reference, error) {
	r := Reference{Kind: kind, Line: line, Name: h.cell(cells, ColName), IDNumber: h.cell(cells, ColIDNumber),
		Village: h.cell(cells, ColVillage), Note: h.cell(cells, ColNote)}
	var bad []string
	if NormalizeName(r.Name) == "" {
		bad = append(bad, "name")
	}
	d, ok := ParseDate(h.cell(cells, ColDate), loc)
	if !ok {
		bad = append(bad, "date")
	}
	r.Date = d
	if len(bad) > 0 {
		return Reference{}, &RowError{Line: line, Fields: bad}
	}
	return r, nil
}

// ParseYuan reads an amount in yuan ("1,234.50", "80元", "￥80") as fen.
// More than two decimals round half up; negative amounts and amounts over
// 10^13 fen are refused. Blank is refused.
func ParseYuan(s string) (int64, bool) {
	s = strings.TrimSpace(NormalizeName(s))
	s = strings.TrimSuffix(s, "元")
	s = strings.TrimLeft(s, "¥￥")
	s = strings.ReplaceAll(s, ",", "")
	s = strings.ReplaceAll(s, "·", ".") // NormalizeName unifies dots
	if s == "" || s == "." {
		return 0, false
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if len(whole) > 11 || !digits(whole) || !digits(frac) {
		return 0, false
	}
	round := len(frac) > 2 && frac[2] >= '5'
	if len(frac) > 2 {
		frac = frac[:2]
	}
	for len(frac) < 2 {
		frac += "0"
	}
	fen, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, false
	}
	if round {
		fen++
	}
	return fen, fen <= 1e13
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseDate reads a date as lists write it: 2024-03-15, 2024/3/15,
// 2024.3.15, 20240315, 2024年3月15日, a month alone (2024-03, 2024年3月,
// 202403: the first day) or an Excel serial day number (a fraction, the
// time of day, is dropped). Blank gives the
// zero time and true.
func ParseDate(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	if loc == nil {
		loc = time.UTC
	}
	if t, _, ok := strings.Cut(s, " "); ok {
		s = t // a time of day is dropped
	}
	if whole, frac, ok := strings.Cut(s, "."); ok && len(whole) == 5 && digits(whole) && digits(frac) {
		s = whole // a worksheet date-time serial: the day
	}
	if digits(s) {
		switch len(s) {
		case 8:
			return ymd(s[:4], s[4:6], s[6:], loc)
		case 6:
			return ymd(s[:4], s[4:], "1", loc)
		case 4, 5:
			n, _ := strconv.Atoi(s)
			if n < 1 || n > 73050 { // up to 2099
				return time.Time{}, false
			}
			return time.Date(1899, 12, 30, 0, 0, 0, 0, loc).AddDate(0, 0, n), true
		}
		return time.Time{}, false
	}
	s = strings.TrimSuffix(s, "日")
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == '-' || r == '/' || r == '.' || r == '年' || r == '月'
	})
	switch len(parts) {
	case 2:
		return ymd(parts[0], parts[1], "1", loc)
	case 3:
		return ymd(parts[0], parts[1], parts[2], loc)
	}
	return time.Time{}, false
}

func ymd(y, m, d string, loc *time.Location) (time.Time, bool) {
	if len(y) != 4 || len(m) > 2 || len(d) > 2 || !digits(y) || !digits(m) || !digits(d) {
		return time.Time{}, false
	}
	yy, _ := strconv.Atoi(y)
	mm, _ := strconv.Atoi(m)
	dd, _ := strconv.Atoi(d)
	t := time.Date(yy, time.Month(mm), dd, 0, 0, 0, 0, loc)
	if yy < 1900 || t.Year() != yy || int(t.Month()) != mm || t.Day() != dd {
		return time.Time{}, false
	}
	return t, true
}
