package calendar

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"qingfeng/internal/apperr"
)

// embedded loads the embedded calendar or fails the test.
func embedded(t testing.TB) *Calendar {
	t.Helper()
	c, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEmbedded(t *testing.T) {
	c := embedded(t)
	if got, want := c.Years(), []int{2020, 2021, 2022, 2023, 2024, 2025, 2026}; !slices.Equal(got, want) {
		t.Fatalf("Years() = %v, want %v", got, want)
	}
	y, ok := c.Notice(2026)
	if !ok {
		t.Fatal("Notice(2026) missing")
	}
	if want := []string{"https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm"}; !slices.Equal(y.Papers, want) {
		t.Errorf("2026 papers = %v, want %v", y.Papers, want)
	}
	if len(y.Days) != 39 || y.Days[0] != (Day{"元旦", d(2026, 1, 1), true}) || y.Days[38] != (Day{"国庆节", d(2026, 10, 10), false}) {
		t.Errorf("2026 days: %d, first %v, last %v", len(y.Days), y.Days[0], y.Days[len(y.Days)-1])
	}
	// Notice returns a copy.
	y.Days[0].OffDay = false
	if c.IsWorkday(d(2026, 1, 1)) {
		t.Error("changing Notice's result changed the calendar")
	}
}

func TestIsWorkday(t *testing.T) {
	c := embedded(t)
	tests := []struct {
		day  Date
		want bool
		why  string
	}{
		{d(2026, 2, 13), true, "Friday before the Spring Festival"},
		{d(2026, 2, 14), true, "Saturday, adjusted working day (春节)"},
		{d(2026, 2, 15), false, "Sunday, 春节 off"},
		{d(2026, 2, 16), false, "Monday, 春节 off"},
		{d(2026, 2, 23), false, "Monday, last 春节 day off"},
		{d(2026, 2, 24), true, "Tuesday after the Spring Festival"},
		{d(2026, 2, 28), true, "Saturday, adjusted working day (春节)"},
		{d(2026, 3, 1), false, "ordinary Sunday"},
		{d(2026, 1, 4), true, "Sunday, adjusted working day (元旦)"},
		{d(2026, 5, 5), false, "Tuesday, 劳动节 off"},
		{d(2026, 5, 9), true, "Saturday, adjusted working day (劳动节)"},
		{d(2025, 9, 28), true, "Sunday, adjusted working day (国庆节)"},
		{d(2025, 10, 8), false, "Wednesday, 国庆节 off"},
		{d(2025, 10, 11), true, "Saturday, adjusted working day (国庆节)"},
		{d(2020, 2, 3), true, "Monday listed as a working day after the extended 2020 Spring Festival"},
		{d(2020, 1, 31), false, "Friday, extended 2020 Spring Festival"},
		{d(2027, 1, 1), true, "Friday in 2027, no notice: Monday to Friday"},
		{d(2027, 1, 2), false, "Saturday in 2027"},
		{d(2019, 10, 1), true, "Tuesday in 2019, no notice loaded"},
	}
	for _, tt := range tests {
		if got := c.IsWorkday(tt.day); got != tt.want {
			t.Errorf("IsWorkday(%v) = %v, want %v (%s)", tt.day, got, tt.want, tt.why)
		}
	}
}

func TestAddWorkdays(t *testing.T) {
	c := embedded(t)
	tests := []struct {
		name string
		from Date
		n    int
		want Date
	}{
		// 2026 Spring Festival: off 02-15..02-23; 02-14 and 02-28 (Saturdays) are working days.
		{"5 wd from the Friday before 春节 2026", d(2026, 2, 13), 5, d(2026, 2, 27)},
		{"1 wd from that Friday is the adjusted Saturday", d(2026, 2, 13), 1, d(2026, 2, 14)},
		{"2 wd jump the whole holiday", d(2026, 2, 13), 2, d(2026, 2, 24)},
		{"5 wd from Thursday 02-12", d(2026, 2, 12), 5, d(2026, 2, 26)},
		{"6 wd reach adjusted Saturday 02-28", d(2026, 2, 13), 6, d(2026, 2, 28)},
		{"15 wd from the Friday before 春节", d(2026, 2, 13), 15, d(2026, 3, 12)},
		{"1 wd from inside the holiday", d(2026, 2, 18), 1, d(2026, 2, 24)},
		// National Day 2025: off 10-01..10-08; 09-28 (Sunday) and 10-11 (Saturday) working.
		{"5 wd from Friday 2025-09-26", d(2025, 9, 26), 5, d(2025, 10, 10)},
		{"1 wd from Friday 2025-09-26 is Sunday 09-28", d(2025, 9, 26), 1, d(2025, 9, 28)},
		{"5 wd from 2025-09-30", d(2025, 9, 30), 5, d(2025, 10, 14)},
		{"15 wd from 2025-09-30", d(2025, 9, 30), 15, d(2025, 10, 28)},
		// Labour Day 2026: off 05-01..05-05; 05-09 (Saturday) working.
		{"15 wd from Monday 2026-04-27", d(2026, 4, 27), 15, d(2026, 5, 20)},
		{"15 wd from 2026-04-30", d(2026, 4, 30), 15, d(2026, 5, 25)},
		{"1 wd from 2026-04-30", d(2026, 4, 30), 1, d(2026, 5, 6)},
		// Across the year end into 2027 (no notice): 2027-01-01 counts as a Friday.
		{"5 wd from 2026-12-28", d(2026, 12, 28), 5, d(2027, 1, 4)},
		{"0 returns the day itself", d(2026, 2, 15), 0, d(2026, 2, 15)},
		{"-1 from Tuesday after 春节", d(2026, 2, 24), -1, d(2026, 2, 14)},
		{"-2 from 2026-02-27", d(2026, 2, 27), -2, d(2026, 2, 25)},
		{"-5 from 2025-10-10", d(2025, 10, 10), -5, d(2025, 9, 26)},
	}
	for _, tt := range tests {
		if got := c.AddWorkdays(tt.from, tt.n); got != tt.want {
			t.Errorf("%s: AddWorkdays(%v, %d) = %v, want %v", tt.name, tt.from, tt.n, got, tt.want)
		}
	}
}

func TestWorkdaysBetween(t *testing.T) {
	c := embedded(t)
	tests := []struct {
		from, to Date
		want     int
	}{
		{d(2026, 2, 13), d(2026, 2, 27), 5},
		{d(2026, 2, 27), d(2026, 2, 13), -5},
		{d(2026, 2, 14), d(2026, 2, 23), 0}, // the holiday itself
		{d(2026, 2, 13), d(2026, 2, 13), 0},
		{d(2025, 9, 26), d(2025, 10, 10), 5},
		{d(2026, 4, 27), d(2026, 5, 20), 15},
		{d(2027, 1, 1), d(2027, 1, 31), 20}, // no notice: Mon–Fri of January 2027 after the 1st
		// Working days per year (from 31 December of the previous year).
		{d(2019, 12, 31), d(2020, 12, 31), 249},
		{d(2020, 12, 31), d(2021, 12, 31), 250},
		{d(2021, 12, 31), d(2022, 12, 31), 249},
		{d(2022, 12, 31), d(2023, 12, 31), 249},
		{d(2023, 12, 31), d(2024, 12, 31), 251},
		{d(2024, 12, 31), d(2025, 12, 31), 248},
		{d(2025, 12, 31), d(2026, 12, 31), 248},
	}
	for _, tt := range tests {
		if got := c.WorkdaysBetween(tt.from, tt.to); got != tt.want {
			t.Errorf("WorkdaysBetween(%v, %v) = %d, want %d", tt.from, tt.to, got, tt.want)
		}
	}
}

// TestWorkdaysSymmetry checks, for every day of 2020–2026 and n in 1..30,
// that WorkdaysBetween undoes AddWorkdays, that the result is a working day,
// that AddWorkdays(-n) goes back, and that WorkdaysBetween agrees with
// counting IsWorkday day by day.
func TestWorkdaysSymmetry(t *testing.T) {
	c := embedded(t)
	for day := d(2020, 1, 1); day.Before(d(2027, 1, 1)); day = day.AddDays(1) {
		count, next := 0, day
		for n := 1; n <= 30; n++ {
			to := c.AddWorkdays(day, n)
			if got := c.WorkdaysBetween(day, to); got != n {
				t.Fatalf("WorkdaysBetween(%v, AddWorkdays(%v, %d) = %v) = %d", day, day, n, to, got)
			}
			if !c.IsWorkday(to) {
				t.Fatalf("AddWorkdays(%v, %d) = %v is not a working day", day, n, to)
			}
			if c.IsWorkday(day) {
				if back := c.AddWorkdays(to, -n); back != day {
					t.Fatalf("AddWorkdays(AddWorkdays(%v, %d), %d) = %v", day, n, -n, back)
				}
			}
			for next.Before(to) {
				next = next.AddDays(1)
				if c.IsWorkday(next) {
					count++
				}
			}
			if count != n {
				t.Fatalf("counting IsWorkday from %v to %v gives %d, want %d", day, to, count, n)
			}
		}
	}
}

func TestProvisional(t *testing.T) {
	c := embedded(t)
	tests := []struct {
		from, to Date
		want     bool
	}{
		{d(2026, 2, 13), d(2026, 2, 27), false},
		{d(2026, 12, 28), d(2027, 1, 4), true},
		{d(2027, 1, 4), d(2026, 12, 28), true}, // either order
		{d(2027, 3, 1), d(2027, 3, 5), true},
		{d(2019, 12, 30), d(2020, 1, 3), true},
		{d(2020, 1, 1), d(2026, 12, 31), false},
	}
	for _, tt := range tests {
		if got := c.Provisional(tt.from, tt.to); got != tt.want {
			t.Errorf("Provisional(%v, %v) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
	tests2 := []struct {
		year int
		want bool
	}{{2019, false}, {2020, true}, {2026, true}, {2027, false}}
	for _, tt := range tests2 {
		if got := c.Known(tt.year); got != tt.want {
			t.Errorf("Known(%d) = %v, want %v", tt.year, got, tt.want)
		}
	}
}

// notice2027 is a hypothetical 2027 notice uploaded by an administrator.
const notice2027 = `{
  "year": 2027,
  "papers": ["https://www.gov.cn/example/2027.htm"],
  "days": [
    {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
    {"name": "元旦", "date": "2027-01-02", "isOffDay": true},
    {"name": "元旦", "date": "2027-01-03", "isOffDay": true}
  ]
}`

func TestWith(t *testing.T) {
	c := embedded(t)
	y2027, err := ParseYear(strings.NewReader(notice2027))
	if err != nil {
		t.Fatal(err)
	}
	c27, err := c.With(y2027)
	if err != nil {
		t.Fatal(err)
	}

	// A corrected 2026 notice: suppose 2026-02-24 became a day off as well.
	b, err := os.ReadFile("data/2026.json")
	if err != nil {
		t.Fatal(err)
	}
	fixed := strings.Replace(string(b), `"date": "2026-02-23",
            "isOffDay": true
        },`, `"date": "2026-02-23",
            "isOffDay": true
        },
        {"name": "春节", "date": "2026-02-24", "isOffDay": true},`, 1)
	if fixed == string(b) {
		t.Fatal("test setup: 2026-02-23 entry not found")
	}
	y2026, err := ParseYear(strings.NewReader(fixed))
	if err != nil {
		t.Fatal(err)
	}
	c26, err := c.With(y2026)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name        string
		cal         *Calendar
		from        Date
		n           int
		want        Date
		provisional bool
		years       []int
	}{
		{"embedded, 2027 unknown", c, d(2026, 12, 28), 5, d(2027, 1, 4), true, []int{2020, 2021, 2022, 2023, 2024, 2025, 2026}},
		{"2027 notice added", c27, d(2026, 12, 28), 5, d(2027, 1, 5), false, []int{2020, 2021, 2022, 2023, 2024, 2025, 2026, 2027}},
		{"embedded unchanged by With", c, d(2026, 2, 13), 5, d(2026, 2, 27), false, []int{2020, 2021, 2022, 2023, 2024, 2025, 2026}},
		{"corrected 2026 notice", c26, d(2026, 2, 13), 5, d(2026, 2, 28), false, []int{2020, 2021, 2022, 2023, 2024, 2025, 2026}},
	}
	for _, tt := range tests {
		got := tt.cal.AddWorkdays(tt.from, tt.n)
		prov := tt.cal.Provisional(tt.from, got)
		if got != tt.want || prov != tt.provisional || !slices.Equal(tt.cal.Years(), tt.years) {
			t.Errorf("%s: AddWorkdays(%v, %d) = %v provisional %v years %v; want %v, %v, %v",
				tt.name, tt.from, tt.n, got, prov, tt.cal.Years(), tt.want, tt.provisional, tt.years)
		}
	}

	// With on a nil calendar, and an invalid year.
	n, err := (*Calendar)(nil).With(y2027)
	if err != nil || !slices.Equal(n.Years(), []int{2027}) {
		t.Errorf("nil.With = %v, %v", n.Years(), err)
	}
	bad := y2027
	bad.Days = append(slices.Clone(bad.Days), Day{"元旦", d(2028, 1, 1), true})
	if _, err := c.With(bad); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("With(day outside year) error = %v, want invalid", err)
	}
}

func TestNew(t *testing.T) {
	y := Year{Year: 2030, Papers: []string{"p"}, Days: []Day{
		{"国庆节", d(2030, 10, 2), true},
		{"国庆节", d(2030, 10, 1), true},
	}}
	c, err := New(y)
	if err != nil {
		t.Fatal(err)
	}
	// New copies: changing the argument does not change the calendar.
	y.Days[0].OffDay = false
	y.Days[1].Date = d(2030, 10, 3)
	if c.IsWorkday(d(2030, 10, 1)) || c.IsWorkday(d(2030, 10, 2)) || !c.IsWorkday(d(2030, 10, 3)) {
		t.Error("calendar changed with its input")
	}
	got, _ := c.Notice(2030)
	if got.Days[0].Date != d(2030, 10, 1) {
		t.Errorf("days not sorted: %v", got.Days)
	}

	tests := []struct {
		name  string
		years []Year
		field string
		key   string
	}{
		{"duplicate year", []Year{{2030, []string{"p"}, []Day{{"x", d(2030, 1, 1), true}}}, {2030, []string{"q"}, []Day{{"x", d(2030, 1, 2), true}}}}, "year", KeyNoticeDuplicate},
		{"no days", []Year{{2030, []string{"p"}, nil}}, "days", KeyNoticeRequired},
		{"invalid date", []Year{{2030, []string{"p"}, []Day{{"x", d(2030, 2, 30), true}}}}, "days[0].date", KeyNoticeDate},
		{"year 0", []Year{{0, []string{"p"}, []Day{{"x", d(0, 1, 1), true}}}}, "year", KeyNoticeYear},
	}
	for _, tt := range tests {
		_, err := New(tt.years...)
		checkInvalid(t, tt.name, err, tt.field, tt.key)
	}

	// A notice may list days of the preceding December (2023 lists
	// 2022-12-31); where two notices list a date, the later year wins,
	// whatever the order they are given in.
	y30 := Year{2030, []string{"p"}, []Day{{"国庆节", d(2030, 10, 1), true}, {"调整", d(2030, 12, 31), false}}}
	y31 := Year{2031, []string{"p"}, []Day{{"元旦", d(2030, 12, 31), true}, {"元旦", d(2031, 1, 1), true}}}
	for _, order := range [][]Year{{y30, y31}, {y31, y30}} {
		c, err := New(order...)
		if err != nil {
			t.Fatal(err)
		}
		if c.IsWorkday(d(2030, 12, 31)) || c.WorkdaysBetween(d(2030, 12, 30), d(2031, 1, 2)) != 1 {
			t.Errorf("New(%d, %d): 2030-12-31 working %v, WorkdaysBetween %d; want off, 1",
				order[0].Year, order[1].Year, c.IsWorkday(d(2030, 12, 31)), c.WorkdaysBetween(d(2030, 12, 30), d(2031, 1, 2)))
		}
	}
	if c := embedded(t); c.IsWorkday(d(2022, 12, 31)) || !c.IsWorkday(d(2023, 1, 3)) || c.IsWorkday(d(2023, 1, 2)) {
		t.Error("2023 New Year arrangement wrong")
	}

	var empty *Calendar
	if !empty.IsWorkday(d(2026, 2, 16)) || empty.Known(2026) || len(empty.Years()) != 0 || !empty.Provisional(d(2026, 1, 1), d(2026, 1, 1)) {
		t.Error("nil calendar is not Monday to Friday without notices")
	}
}

// checkInvalid asserts err is apperr.Invalid with Fields {field: key} and a
// *ParseError for the same field.
func checkInvalid(t *testing.T, name string, err error, field, key string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %s on %s", name, key, field)
		return
	}
	e := apperr.As(err)
	if e.Code != apperr.Invalid || !maps.Equal(e.Fields, map[string]string{field: key}) {
		t.Errorf("%s: error %v, want invalid {%s: %s}", name, err, field, key)
	}
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Key != key || (pe.Field != field && !(pe.Field == "" && field == "notice")) {
		t.Errorf("%s: ParseError %+v, want field %s key %s", name, pe, field, key)
	}
}

func TestParseYear(t *testing.T) {
	y, err := ParseYear(strings.NewReader(notice2027))
	if err != nil {
		t.Fatal(err)
	}
	want := Year{2027, []string{"https://www.gov.cn/example/2027.htm"}, []Day{
		{"元旦", d(2027, 1, 1), true}, {"元旦", d(2027, 1, 2), true}, {"元旦", d(2027, 1, 3), true},
	}}
	if y.Year != want.Year || !slices.Equal(y.Papers, want.Papers) || !slices.Equal(y.Days, want.Days) {
		t.Fatalf("ParseYear = %+v, want %+v", y, want)
	}

	day := `{"name": "元旦", "date": "2027-01-01", "isOffDay": true}`
	doc := func(year, papers, days string) string {
		return `{"year": ` + year + `, "papers": ` + papers + `, "days": ` + days + `}`
	}
	ok := `["https://www.gov.cn/x"]`
	tests := []struct {
		name, in, field, key string
	}{
		{"empty input", ``, "notice", KeyNoticeSyntax},
		{"malformed", `{"year": 2027,`, "notice", KeyNoticeSyntax},
		{"not an object", `[1, 2]`, "notice", KeyNoticeSyntax},
		{"trailing data", doc("2027", ok, "["+day+"]") + ` {}`, "notice", KeyNoticeSyntax},
		{"unknown top-level field", `{"year": 2027, "papers": ` + ok + `, "days": [` + day + `], "source": "x"}`, "source", KeyNoticeSyntax},
		{"unknown day field", doc("2027", ok, `[{"name": "元旦", "date": "2027-01-01", "isOffDay": true, "holiday": true}]`), "days[0].holiday", KeyNoticeSyntax},
		{"year as string", doc(`"2027"`, ok, "["+day+"]"), "year", KeyNoticeSyntax},
		{"fractional year", doc("2027.5", ok, "["+day+"]"), "year", KeyNoticeSyntax},
		{"isOffDay as string", doc("2027", ok, `[{"name": "元旦", "date": "2027-01-01", "isOffDay": "true"}]`), "days[0].isOffDay", KeyNoticeSyntax},
		{"missing year", `{"papers": ` + ok + `, "days": [` + day + `]}`, "year", KeyNoticeRequired},
		{"missing papers", `{"year": 2027, "days": [` + day + `]}`, "papers", KeyNoticeRequired},
		{"missing days", `{"year": 2027, "papers": ` + ok + `}`, "days", KeyNoticeRequired},
		{"null days", doc("2027", ok, "null"), "days", KeyNoticeRequired},
		{"no papers", doc("2027", "[]", "["+day+"]"), "papers", KeyNoticeRequired},
		{"empty paper", doc("2027", `[" "]`, "["+day+"]"), "papers[0]", KeyNoticeRequired},
		{"no days", doc("2027", ok, "[]"), "days", KeyNoticeRequired},
		{"missing name", doc("2027", ok, `[{"date": "2027-01-01", "isOffDay": true}]`), "days[0].name", KeyNoticeRequired},
		{"empty name", doc("2027", ok, `[{"name": "", "date": "2027-01-01", "isOffDay": true}]`), "days[0].name", KeyNoticeRequired},
		{"missing date", doc("2027", ok, `[{"name": "元旦", "isOffDay": true}]`), "days[0].date", KeyNoticeRequired},
		{"missing isOffDay", doc("2027", ok, `[{"name": "元旦", "date": "2027-01-01"}]`), "days[0].isOffDay", KeyNoticeRequired},
		{"null day", doc("2027", ok, `[null]`), "days[0].name", KeyNoticeRequired},
		{"short date", doc("2027", ok, `[{"name": "元旦", "date": "2027-1-1", "isOffDay": true}]`), "days[0].date", KeyNoticeDate},
		{"no such day", doc("2027", ok, `[{"name": "春节", "date": "2027-02-29", "isOffDay": true}]`), "days[0].date", KeyNoticeDate},
		{"date with time", doc("2027", ok, `[{"name": "元旦", "date": "2027-01-01T00:00:00+08:00", "isOffDay": true}]`), "days[0].date", KeyNoticeDate},
		{"date outside the year", doc("2027", ok, `[`+day+`, {"name": "元旦", "date": "2026-11-30", "isOffDay": true}]`), "days[1].date", KeyNoticeOutsideYear},
		{"date in the next year", doc("2027", ok, `[`+day+`, {"name": "元旦", "date": "2028-01-01", "isOffDay": true}]`), "days[1].date", KeyNoticeOutsideYear},
		{"duplicate date", doc("2027", ok, `[`+day+`, {"name": "元旦", "date": "2027-01-01", "isOffDay": false}]`), "days[1].date", KeyNoticeDuplicate},
		{"year 0", doc("0", ok, `[{"name": "x", "date": "0000-01-01", "isOffDay": true}]`), "year", KeyNoticeYear},
		{"year 10000", doc("10000", ok, "["+day+"]"), "year", KeyNoticeYear},
		{"too large", doc("2027", ok, "["+day+"]") + strings.Repeat(" ", maxNoticeBytes), "notice", KeyNoticeSyntax},
	}
	for _, tt := range tests {
		_, err := ParseYear(strings.NewReader(tt.in))
		checkInvalid(t, tt.name, err, tt.field, tt.key)
	}
}

// FuzzParseYear checks that ParseYear never panics, that its errors are
// apperr.Invalid with a *ParseError, and that what it accepts is a valid,
// sorted notice that New accepts.
func FuzzParseYear(f *testing.F) {
	for y := 2020; y <= 2026; y++ {
		b, err := os.ReadFile(fmt.Sprintf("data/%d.json", y))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(notice2027))
	f.Add([]byte(`{"year": 2027, "papers": ["x"], "days": [{"name": "a", "date": "2027-02-29", "isOffDay": true}]}`))
	f.Add([]byte(`{"year": -1, "papers": [""], "days": [null]}`))
	f.Add([]byte(`{"$schema": 1}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, b []byte) {
		y, err := ParseYear(bytes.NewReader(b))
		if err != nil {
			var pe *ParseError
			if !apperr.Is(err, apperr.Invalid) || !errors.As(err, &pe) {
				t.Fatalf("error %v is not invalid with a ParseError", err)
			}
			return
		}
		if y.Year < 1 || y.Year > 9999 || len(y.Papers) == 0 || len(y.Days) == 0 {
			t.Fatalf("accepted %+v", y)
		}
		for i, day := range y.Days {
			if !day.Date.Valid() || !inNotice(day.Date, y.Year) || (i > 0 && !y.Days[i-1].Date.Before(day.Date)) {
				t.Fatalf("accepted day %d: %+v", i, day)
			}
		}
		c, err := New(y)
		if err != nil {
			t.Fatalf("New rejected what ParseYear accepted: %v", err)
		}
		for _, day := range y.Days {
			if c.IsWorkday(day.Date) == day.OffDay {
				t.Fatalf("IsWorkday(%v) = %v for OffDay %v", day.Date, !day.OffDay, day.OffDay)
			}
		}
	})
}
