package calendar

import (
	"fmt"
	"time"
)

// Date is a civil date (a day in the official calendar) without a time of
// day or a time zone: Y is the year, M the month, D the day of the month.
// Instants become dates with DateOf in the business time zone
// (Asia/Shanghai), never in time.Local.
//
// A Date literal may be out of range (e.g. February 30); every method
// normalises it the way time.Date does (February 30 is March 1 or 2), and
// Valid reports whether it is already canonical. The zero Date is not a
// valid date. Dates are comparable with == once canonical and may be map keys.
// Notices, clocks, forms and statistics use it wherever a day without a time
// is meant.
type Date struct {
	Y int
	M time.Month
	D int
}

// dateLayout is the only accepted text form of a Date.
const dateLayout = "2006-01-02"

// ParseDate parses "YYYY-MM-DD" strictly (four-digit year, two-digit month
// and day, a day that exists in that month). Handlers and importers call it on
// user input; it returns a plain error describing the problem, which callers
// wrap (e.g. apperr.InvalidField) before it reaches users.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil || len(s) != len(dateLayout) {
		return Date{}, fmt.Errorf("calendar: %q is not a date in YYYY-MM-DD form", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// DateOf returns the civil date of the instant t in loc (callers pass the
// business time zone, Asia/Shanghai). It panics if loc is nil, like
// time.Time.In.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// String formats the date as "YYYY-MM-DD" (the form ParseDate accepts).
// Templates, logs and the store call it.
func (d Date) String() string {
	d = d.norm()
	if d.Y < 0 || d.Y > 9999 {
		return fmt.Sprintf("%d-%02d-%02d", d.Y, int(d.M), d.D)
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Y, int(d.M), d.D)
}

// MarshalText encodes the date as "YYYY-MM-DD" for JSON and forms; it never
// returns an error.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText decodes "YYYY-MM-DD" for JSON and forms; it returns
// ParseDate's error for anything else.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// IsZero reports whether d is the zero Date (no date set). Callers with
// optional dates (forms, stored rows) use it.
func (d Date) IsZero() bool { return d == Date{} }

// Valid reports whether d is a canonical date: month 1–12 and a day that
// exists in that month. New and ParseYear use it on notice days; callers
// building Dates from user input may too.
func (d Date) Valid() bool { return d.M >= time.January && d.M <= time.December && d == d.norm() }

// AddDays returns the date n calendar days after d (before it if n < 0).
// Due uses it for calendar-day limits; lists and statistics may too.
func (d Date) AddDays(n int) Date { return fromDayNum(d.dayNum() + int64(n)) }

// AddMonths returns the same day of the month n months after d (before it if
// n < 0), clamped to the end of a shorter month: 2026-01-31 + 1 month is
// 2026-02-28, 2024-01-31 + 1 month is 2024-02-29. Due uses it for month
// limits.
func (d Date) AddMonths(n int) Date {
	d = d.norm()
	first := time.Date(d.Y, d.M+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	day := min(d.D, daysIn(first.Year(), first.Month()))
	return Date{first.Year(), first.Month(), day}
}

// Weekday returns the day of the week of d (for display and tests; working
// days come from Calendar.IsWorkday).
func (d Date) Weekday() time.Weekday { return weekdayOf(d.dayNum()) }

// Compare returns -1 if d is before e, 0 if they are the same day, +1 if d
// is after e; for slices.SortFunc and range checks anywhere.
func (d Date) Compare(e Date) int {
	a, b := d.dayNum(), e.dayNum()
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is an earlier day than e (any caller).
func (d Date) Before(e Date) bool { return d.dayNum() < e.dayNum() }

// After reports whether d is a later day than e (any caller).
func (d Date) After(e Date) bool { return d.dayNum() > e.dayNum() }

// StartIn returns the first instant of d (00:00:00) in loc, e.g. for
// "created on this day" queries in the store. It panics if loc is nil.
func (d Date) StartIn(loc *time.Location) time.Time {
	return time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, loc)
}

// EndIn returns the last instant of d that deadlines use, 23:59:59.999 in
// loc; Due returns it for day and month limits. It panics if loc is nil.
func (d Date) EndIn(loc *time.Location) time.Time {
	return time.Date(d.Y, d.M, d.D, 23, 59, 59, int(999*time.Millisecond), loc)
}

// norm returns d in canonical form.
func (d Date) norm() Date {
	y, m, dd := time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, time.UTC).Date()
	return Date{y, m, dd}
}

// dayNum returns the number of days from 1970-01-01 to d.
func (d Date) dayNum() int64 {
	// Midnight UTC is an exact multiple of 86400 seconds, so the division is
	// exact for dates before 1970 too.
	return time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay
}

const secondsPerDay = 24 * 60 * 60

// fromDayNum is the inverse of dayNum.
func fromDayNum(n int64) Date {
	y, m, d := time.Unix(n*secondsPerDay, 0).UTC().Date()
	return Date{y, m, d}
}

// weekdayOf returns the weekday of day number n (1970-01-01 was a Thursday).
func weekdayOf(n int64) time.Weekday {
	return time.Weekday(((n % 7) + 7 + int64(time.Thursday)) % 7)
}

// daysIn returns the number of days in month m of year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
