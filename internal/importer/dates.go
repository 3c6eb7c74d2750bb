package importer

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// parseTime parses a date or date-time cell in loc. An empty value gives the
// zero time and ok. Accepted (full-width digits and punctuation allowed):
//
//   - Excel serial numbers from 1950 on (18264 ≤ n < 100000, 1900 or 1904
//     date system), as raw .xlsx date cells hold them: 43563.359259259261;
//   - 2006-01-02, 2006/1/2, 2006.1.2, 2006年1月2日 (or 号), each optionally
//     followed by a time 15:04, 15:04:05, 15:04:05.000, 15时04分05秒 or
//     15点04分, optionally with 上午/下午/AM/PM; a "T" may separate them;
//   - RFC 3339 with a zone (2006-01-02T15:04:05+08:00, ...Z): the instant;
//   - 1/2/06 15:04 and 1/2/2006 15:04 (month first, as Excel writes its
//     default "m/d/yy h:mm" format to CSV);
//   - 20060102, 200601021504, 20060102150405;
//   - Unix seconds (10 digits) or milliseconds (13 digits).
//
// Years must lie in 1900..2199. Fractions of a second are rounded to the
// nearest second for Excel serials and kept otherwise.
func parseTime(s string, loc *time.Location, date1904 bool) (time.Time, bool) {
	s = strings.TrimSpace(foldWidth(s))
	if s == "" {
		return time.Time{}, true
	}
	if t, ok := parseNumericTime(s, loc, date1904); ok {
		return t, true
	} else if isNumber(s) {
		return time.Time{}, false
	}
	if strings.ContainsAny(s, "Zz+") || strings.Count(s, "-") > 2 {
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05Z07:00", "2006-01-02T15:04:05Z0700",
			"2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05 Z0700"} {
			if t, err := time.Parse(layout, strings.ToUpper(s)); err == nil && t.Year() >= 1900 && t.Year() < 2200 {
				return t.In(loc), true
			}
		}
	}
	return parseCalendarTime(s, loc)
}

func isNumber(s string) bool {
	dot := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return s != "."
}

// parseNumericTime handles Excel serials, compact dates and Unix times.
func parseNumericTime(s string, loc *time.Location, date1904 bool) (time.Time, bool) {
	if !isNumber(s) {
		return time.Time{}, false
	}
	if !strings.Contains(s, ".") {
		switch len(s) {
		case 8, 12, 14: // 20060102[1504[05]]
			n := func(i, j int) int { v, _ := strconv.Atoi(s[i:j]); return v }
			hh, mm, ss := 0, 0, 0
			if len(s) >= 12 {
				hh, mm = n(8, 10), n(10, 12)
			}
			if len(s) == 14 {
				ss = n(12, 14)
			}
			return makeTime(n(0, 4), n(4, 6), n(6, 8), hh, mm, ss, 0, loc)
		case 10, 13:
			v, _ := strconv.ParseInt(s, 10, 64)
			var t time.Time
			if len(s) == 10 {
				t = time.Unix(v, 0)
			} else {
				t = time.UnixMilli(v)
			}
			if t.Year() < 1990 || t.Year() >= 2200 {
				return time.Time{}, false
			}
			return t.In(loc), true
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 18264 || v >= 100000 || math.IsNaN(v) {
		return time.Time{}, false
	}
	t, err := excelize.ExcelDateToTime(v, date1904)
	if err != nil {
		return time.Time{}, false
	}
	t = t.Round(time.Second)
	return makeTime(t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc)
}

// makeTime builds a wall-clock time in loc after range checks.
func makeTime(y, mo, d, h, mi, sec, nsec int, loc *time.Location) (time.Time, bool) {
	if y < 1900 || y >= 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
		mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, nsec, loc)
	if t.Day() != d { // 2月30日
		return time.Time{}, false
	}
	return t, true
}

// dateScanner walks a date string: numbers and the text between them.
type dateScanner struct {
	s string
	i int
}

// num reads up to max digits; ok is false when there are none or more.
func (sc *dateScanner) num(minDigits, maxDigits int) (int, bool) {
	j := sc.i
	for j < len(sc.s) && sc.s[j] >= '0' && sc.s[j] <= '9' {
		j++
	}
	n := j - sc.i
	if n < minDigits || n > maxDigits {
		return 0, false
	}
	v, _ := strconv.Atoi(sc.s[sc.i:j])
	sc.i = j
	return v, true
}

// lit consumes one of the literals, returning it, or "".
func (sc *dateScanner) lit(options ...string) string {
	for _, o := range options {
		if strings.HasPrefix(sc.s[sc.i:], o) {
			sc.i += len(o)
			return o
		}
	}
	return ""
}

func (sc *dateScanner) spaces() {
	for sc.i < len(sc.s) && sc.s[sc.i] == ' ' {
		sc.i++
	}
}

// parseCalendarTime parses year-first and month-first (m/d/yy) dates with an
// optional time.
func parseCalendarTime(s string, loc *time.Location) (time.Time, bool) {
	sc := &dateScanner{s: s}
	var y, mo, d int
	var ok bool
	if y, ok = sc.num(4, 4); ok {
		sep := sc.lit("-", "/", ".", "年")
		if sep == "" {
			return time.Time{}, false
		}
		sc.spaces()
		if mo, ok = sc.num(1, 2); !ok {
			return time.Time{}, false
		}
		sc.spaces()
		want := sep
		if sep == "年" {
			want = "月"
		}
		if sc.lit(want) == "" {
			return time.Time{}, false
		}
		sc.spaces()
		if d, ok = sc.num(1, 2); !ok {
			return time.Time{}, false
		}
		if sep == "年" {
			sc.lit("日", "号")
		}
	} else {
		// Month first: m/d/yy or m/d/yyyy.
		if mo, ok = sc.num(1, 2); !ok || sc.lit("/") == "" {
			return time.Time{}, false
		}
		if d, ok = sc.num(1, 2); !ok || sc.lit("/") == "" {
			return time.Time{}, false
		}
		start := sc.i
		if y, ok = sc.num(2, 4); !ok || sc.i-start == 3 {
			return time.Time{}, false
		}
		if sc.i-start == 2 {
			y += 2000 // Excel: 00-29 → 20xx, 30-99 → 19xx
			if y >= 2030 {
				y -= 100
			}
		}
	}
	if sc.i == len(s) {
		return makeTime(y, mo, d, 0, 0, 0, 0, loc)
	}
	// The time part.
	if sc.lit("T") == "" {
		sc.spaces()
	}
	pm := meridiem(sc)
	sc.spaces()
	h, ok := sc.num(1, 2)
	if !ok {
		return time.Time{}, false
	}
	if sc.lit(":", "时", "点") == "" {
		return time.Time{}, false
	}
	mi, ok := sc.num(1, 2)
	if !ok {
		return time.Time{}, false
	}
	sec, nsec := 0, 0
	if sep := sc.lit(":", "分"); sep != "" {
		if sc.i < len(s) && s[sc.i] >= '0' && s[sc.i] <= '9' {
			if sec, ok = sc.num(1, 2); !ok {
				return time.Time{}, false
			}
			if sc.lit(".", ",") != "" {
				start := sc.i
				if _, ok := sc.num(1, 9); !ok {
					return time.Time{}, false
				}
				frac := s[start:sc.i] + strings.Repeat("0", 9-(sc.i-start))
				nsec, _ = strconv.Atoi(frac)
			}
			sc.lit("秒")
		} else if sep == ":" {
			return time.Time{}, false
		}
	}
	sc.spaces()
	if pm == 0 {
		pm = meridiem(sc)
	}
	sc.spaces()
	if sc.i != len(s) {
		return time.Time{}, false
	}
	switch pm {
	case 1: // AM: 12 AM is midnight
		if h < 1 || h > 12 {
			return time.Time{}, false
		}
		h %= 12
	case 2:
		if h < 1 || h > 12 {
			return time.Time{}, false
		}
		h = h%12 + 12
	}
	return makeTime(y, mo, d, h, mi, sec, nsec, loc)
}

// meridiem consumes 上午/下午/AM/PM: 0 none, 1 AM, 2 PM.
func meridiem(sc *dateScanner) int {
	switch sc.lit("上午", "下午", "AM", "PM", "am", "pm") {
	case "上午", "AM", "am":
		return 1
	case "下午", "PM", "pm":
		return 2
	}
	return 0
}
