// Package calendar is the official working-day calendar of the People's
// Republic of China and the statutory clocks computed on it. It is pure: no
// database, no clock of its own, no package-level mutable state.
//
// The calendar is built from the State Council's yearly holiday notices
// (国务院办公厅关于部分节假日安排的通知) in the JSON format of the
// holiday-cn data set: the years 2020–2026 are embedded (Embedded), and an
// administrator can add or correct a year at run time (ParseYear, then
// Calendar.With) without a new release. A day is a working day when the
// notice lists it as an adjusted working day (调休上班), is not a working day
// when the notice lists it as a day off, and otherwise follows the Monday to
// Friday week. Years without a notice use the Monday to Friday week and are
// reported as provisional, so the UI can warn "按常规工作日推算".
//
// The time limits of domain.md are data (limits.json, see Limits). Due and
// Start turn a limit and a start instant into a Clock; callers pass the
// business time zone (Asia/Shanghai) explicitly and never rely on time.Local.
package calendar

import (
	"bytes"
	"cmp"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

//go:embed data/*.json
var holidayFS embed.FS

// maxNoticeBytes bounds an uploaded notice (the real ones are under 6 KB).
const maxNoticeBytes = 1 << 20

// Year is one State Council holiday notice: the year it arranges, the URLs
// of the notices it transcribes (a year may have a correction, e.g. 2020's
// extended Spring Festival) and the days that differ from the Monday to
// Friday week, sorted by date. ParseYear produces it; New and With take it;
// the administration page shows it (Calendar.Notice).
type Year struct {
	Year   int
	Papers []string
	Days   []Day
}

// Day is one date listed in a notice. OffDay true is a day off (a holiday,
// whether or not it falls on a weekend); OffDay false is an adjusted working
// day (调休上班), normally a Saturday or Sunday. Name is the festival the
// arrangement belongs to, e.g. "春节". Part of Year.
type Day struct {
	Name   string
	Date   Date
	OffDay bool
}

// Calendar is an immutable working-day calendar. Build one with Embedded or
// New and derive changed copies with With; a *Calendar is safe for
// concurrent use. A nil *Calendar behaves as a calendar without notices
// (Monday to Friday everywhere).
type Calendar struct {
	years map[int]Year   // deep copies, by year
	over  map[int64]bool // day number -> true: day off, false: adjusted working day
	delta []delta        // the days where a notice changes the Monday–Friday count, by day number
}

// delta is a day whose status differs from the Monday to Friday week: +1 for
// an adjusted working day on a weekend, -1 for a day off on a weekday.
type delta struct {
	day int64
	d   int
}

// rawYear and rawDay mirror the holiday-cn JSON; pointers detect missing
// fields.
type rawYear struct {
	Schema *string            `json:"$schema"`
	ID     *string            `json:"$id"`
	Year   *int               `json:"year"`
	Papers *[]string          `json:"papers"`
	Days   *[]json.RawMessage `json:"days"`
}

type rawDay struct {
	Name     *string `json:"name"`
	Date     *string `json:"date"`
	IsOffDay *bool   `json:"isOffDay"`
}

// ParseYear parses one holiday notice in the holiday-cn JSON format:
//
//	{"year": 2026, "papers": ["https://www.gov.cn/..."],
//	 "days": [{"name": "春节", "date": "2026-02-15", "isOffDay": true}, ...]}
//
// ("$schema" and "$id" are allowed and ignored). It is strict: no unknown
// fields or trailing data, every field present, at least one paper and one
// day, non-empty names, real dates in YYYY-MM-DD form inside the year (or
// in the preceding December, where a New Year's Day arrangement may begin:
// the 2023 notice lists 2022-12-31), no date listed twice. The days are
// returned sorted by date.
//
// The administrator's upload handler and Embedded call it. Errors are
// apperr.Invalid; their Fields map the offending JSON path (e.g.
// "days[3].date", or "notice" for the whole document) to one of the
// KeyNotice… message keys, and errors.As finds a *ParseError with an English
// description. A failing reader's error is returned wrapped, unclassified.
func ParseYear(r io.Reader) (Year, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxNoticeBytes+1))
	if err != nil {
		return Year{}, fmt.Errorf("calendar: reading notice: %w", err)
	}
	if len(b) > maxNoticeBytes {
		return Year{}, invalid(perr("", KeyNoticeSyntax, "notice larger than %d bytes", maxNoticeBytes))
	}
	var raw rawYear
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return Year{}, invalid(jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return Year{}, invalid(perr("", KeyNoticeSyntax, "trailing data after the JSON object"))
	}
	y, pe := fromRaw(raw)
	if pe != nil {
		return Year{}, invalid(pe)
	}
	if pe := validateYear(y); pe != nil {
		return Year{}, invalid(pe)
	}
	return y, nil
}

// jsonProblem turns an encoding/json error into a ParseError.
func jsonProblem(err error) *ParseError {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return perr("", KeyNoticeSyntax, "malformed JSON at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		return perr(te.Field, KeyNoticeSyntax, "JSON %s where %s is expected", te.Value, te.Type)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return perr("", KeyNoticeSyntax, "empty or truncated JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return perr(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`),
			KeyNoticeSyntax, "unknown field")
	}
	return perr("", KeyNoticeSyntax, "%v", err)
}

// fromRaw checks presence and converts the JSON form to a Year.
func fromRaw(raw rawYear) (Year, *ParseError) {
	if raw.Year == nil {
		return Year{}, perr("year", KeyNoticeRequired, "missing")
	}
	if raw.Papers == nil {
		return Year{}, perr("papers", KeyNoticeRequired, "missing")
	}
	if raw.Days == nil {
		return Year{}, perr("days", KeyNoticeRequired, "missing")
	}
	y := Year{Year: *raw.Year, Papers: slices.Clone(*raw.Papers), Days: make([]Day, 0, len(*raw.Days))}
	for i, m := range *raw.Days {
		field := fmt.Sprintf("days[%d]", i)
		var rd rawDay
		dec := json.NewDecoder(bytes.NewReader(m))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rd); err != nil {
			pe := jsonProblem(err)
			if pe.Field == "" {
				pe.Field = field
			} else {
				pe.Field = field + "." + pe.Field
			}
			return Year{}, pe
		}
		switch {
		case rd.Name == nil:
			return Year{}, perr(field+".name", KeyNoticeRequired, "missing")
		case rd.Date == nil:
			return Year{}, perr(field+".date", KeyNoticeRequired, "missing")
		case rd.IsOffDay == nil:
			return Year{}, perr(field+".isOffDay", KeyNoticeRequired, "missing")
		}
		d, err := ParseDate(*rd.Date)
		if err != nil {
			return Year{}, perr(field+".date", KeyNoticeDate, "%q is not a date in YYYY-MM-DD form", *rd.Date)
		}
		y.Days = append(y.Days, Day{Name: *rd.Name, Date: d, OffDay: *rd.IsOffDay})
	}
	return y, nil
}

// validateYear checks a Year (parsed or built by hand) and sorts its days in
// place. Field paths refer to the order the days were given in.
func validateYear(y Year) *ParseError {
	if y.Year < 1 || y.Year > 9999 {
		return perr("year", KeyNoticeYear, "year %d outside 1–9999", y.Year)
	}
	if len(y.Papers) == 0 {
		return perr("papers", KeyNoticeRequired, "no notice URL listed")
	}
	for i, p := range y.Papers {
		if strings.TrimSpace(p) == "" {
			return perr(fmt.Sprintf("papers[%d]", i), KeyNoticeRequired, "empty notice URL")
		}
	}
	if len(y.Days) == 0 {
		return perr("days", KeyNoticeRequired, "no days listed")
	}
	seen := make(map[Date]int, len(y.Days))
	for i, d := range y.Days {
		field := fmt.Sprintf("days[%d]", i)
		if strings.TrimSpace(d.Name) == "" {
			return perr(field+".name", KeyNoticeRequired, "empty name")
		}
		if !d.Date.Valid() {
			return perr(field+".date", KeyNoticeDate, "%04d-%02d-%02d is not a real date", d.Date.Y, int(d.Date.M), d.Date.D)
		}
		if !inNotice(d.Date, y.Year) {
			return perr(field+".date", KeyNoticeOutsideYear, "%s is outside the year %d and its preceding December", d.Date, y.Year)
		}
		if j, ok := seen[d.Date]; ok {
			return perr(field+".date", KeyNoticeDuplicate, "%s already listed at days[%d]", d.Date, j)
		}
		seen[d.Date] = i
	}
	slices.SortFunc(y.Days, func(a, b Day) int { return a.Date.Compare(b.Date) })
	return nil
}

// inNotice reports whether a notice for year may list d: a day of the year,
// or a day of the preceding December, where a New Year's Day (元旦)
// arrangement may begin (the 2023 notice lists 2022-12-31).
func inNotice(d Date, year int) bool {
	return d.Y == year || (d.Y == year-1 && d.M == time.December)
}

// cloneYear returns a deep copy of y.
func cloneYear(y Year) Year {
	return Year{Year: y.Year, Papers: slices.Clone(y.Papers), Days: slices.Clone(y.Days)}
}

// Embedded returns the calendar of the notices embedded in the binary
// (2020–2026, from holiday-cn). The server calls it once at start and then
// adds the years an administrator uploaded (With). An error means the
// embedded data is broken (a build defect): it wraps the ParseYear error and
// names the file.
func Embedded() (*Calendar, error) {
	entries, err := holidayFS.ReadDir("data")
	if err != nil {
		return nil, fmt.Errorf("calendar: embedded data: %w", err)
	}
	var years []Year
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := holidayFS.ReadFile("data/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("calendar: embedded data: %w", err)
		}
		y, err := ParseYear(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("calendar: embedded data/%s: %w", e.Name(), err)
		}
		if want := strings.TrimSuffix(e.Name(), ".json"); want != fmt.Sprint(y.Year) {
			return nil, fmt.Errorf("calendar: embedded data/%s holds the year %d", e.Name(), y.Year)
		}
		years = append(years, y)
	}
	return New(years...)
}

// New returns a calendar of the given notices (none: Monday to Friday
// everywhere). Tests, Embedded and the server (with the notices stored by
// administrators) call it. The years are copied, so later changes to the
// arguments do not affect the calendar. It returns apperr.Invalid (with a
// *ParseError, as ParseYear) when a year fails ParseYear's checks or occurs
// twice (key KeyNoticeDuplicate on field "year").
func New(years ...Year) (*Calendar, error) {
	m := make(map[int]Year, len(years))
	for _, y := range years {
		y = cloneYear(y)
		if pe := validateYear(y); pe != nil {
			return nil, invalid(pe)
		}
		if _, dup := m[y.Year]; dup {
			return nil, invalid(perr("year", KeyNoticeDuplicate, "year %d given twice", y.Year))
		}
		m[y.Year] = y
	}
	return build(m), nil
}

// build indexes the (already validated and copied) years. Where two notices
// list the same date (a December day listed by the next year's notice too),
// the later year's notice wins.
func build(years map[int]Year) *Calendar {
	c := &Calendar{years: years, over: map[int64]bool{}}
	for _, year := range slices.Sorted(maps.Keys(years)) {
		for _, d := range years[year].Days {
			c.over[d.Date.dayNum()] = d.OffDay
		}
	}
	for _, n := range slices.Sorted(maps.Keys(c.over)) {
		switch off, weekday := c.over[n], isWeekday(n); {
		case off && weekday:
			c.delta = append(c.delta, delta{n, -1})
		case !off && !weekday:
			c.delta = append(c.delta, delta{n, +1})
		}
	}
	return c
}

// With returns a copy of c with the notice y added, or replacing the notice
// already loaded for y.Year (a corrected or newly published notice uploaded
// by an administrator); c itself is unchanged. The administrator's upload
// handler and server start-up call it. It returns apperr.Invalid (with a
// *ParseError) when y fails ParseYear's checks.
func (c *Calendar) With(y Year) (*Calendar, error) {
	y = cloneYear(y)
	if pe := validateYear(y); pe != nil {
		return nil, invalid(pe)
	}
	m := map[int]Year{}
	if c != nil {
		m = maps.Clone(c.years)
	}
	m[y.Year] = y
	return build(m), nil
}

// Years returns the years that have a notice loaded, ascending. The
// administration page calls it.
func (c *Calendar) Years() []int {
	if c == nil {
		return []int{}
	}
	return slices.Sorted(maps.Keys(c.years))
}

// Notice returns a copy of the notice loaded for year, and whether there is
// one. The administration page calls it to show the loaded arrangement.
func (c *Calendar) Notice(year int) (Year, bool) {
	if c == nil {
		return Year{}, false
	}
	y, ok := c.years[year]
	if !ok {
		return Year{}, false
	}
	return cloneYear(y), true
}

// Known reports whether an official notice is loaded for year. Clocks and
// the UI call it; days in unknown years follow the Monday to Friday week.
func (c *Calendar) Known(year int) bool {
	if c == nil {
		return false
	}
	_, ok := c.years[year]
	return ok
}

// IsWorkday reports whether d is an official working day: a day off in the
// notice is not, an adjusted working day (调休上班) is, any other day is a
// working day from Monday to Friday. Years without a notice follow the
// Monday to Friday week.
func (c *Calendar) IsWorkday(d Date) bool { return c.workday(d.dayNum()) }

// workday is IsWorkday on a day number.
func (c *Calendar) workday(n int64) bool {
	if c != nil {
		if off, ok := c.over[n]; ok {
			return !off
		}
	}
	return isWeekday(n)
}

// isWeekday reports whether day number n is a Monday to Friday.
func isWeekday(n int64) bool {
	w := weekdayOf(n)
	return w != time.Saturday && w != time.Sunday
}

// AddWorkdays returns the n-th working day after d; d itself never counts,
// so a report received on any day of a week without holidays and with n = 1
// gets the next working day. Clocks call it for working-day limits. For
// n < 0 it returns the |n|-th working day before d (reminders count back
// from a due date); n = 0 returns d. It takes time proportional to |n|.
func (c *Calendar) AddWorkdays(d Date, n int) Date {
	day := d.dayNum()
	step := int64(1)
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		day += step
		if c.workday(day) {
			n--
		}
	}
	return fromDayNum(day)
}

// WorkdaysBetween returns the number of working days in (from, to]: from
// itself never counts, to does if it is a working day. For every n ≥ 1,
// WorkdaysBetween(d, AddWorkdays(d, n)) == n. If to is before from it
// returns the negative of WorkdaysBetween(to, from). Statistics (days taken)
// and clock pauses call it.
func (c *Calendar) WorkdaysBetween(from, to Date) int {
	a, b := from.dayNum(), to.dayNum()
	if b < a {
		return -c.WorkdaysBetween(to, from)
	}
	// Monday to Friday days in (a, b]: whole weeks, then the remainder.
	total := b - a
	count := total / 7 * 5
	for n := a + total/7*7 + 1; n <= b; n++ {
		if isWeekday(n) {
			count++
		}
	}
	// Notices change a few days a year: correct for those in (a, b].
	if c != nil {
		i, _ := slices.BinarySearchFunc(c.delta, a+1, func(e delta, t int64) int { return cmp.Compare(e.day, t) })
		for ; i < len(c.delta) && c.delta[i].day <= b; i++ {
			count += int64(c.delta[i].d)
		}
	}
	return int(count)
}

// Provisional reports whether any day from from to to (inclusive, either
// order) falls in a year without a notice, so that a deadline computed over
// the span is only an estimate. The UI then warns "按常规工作日推算" and
// should recompute once the notice is loaded.
func (c *Calendar) Provisional(from, to Date) bool {
	a, b := from.norm().Y, to.norm().Y
	if b < a {
		a, b = b, a
	}
	for y := a; y <= b; y++ {
		if !c.Known(y) {
			return true
		}
	}
	return false
}
