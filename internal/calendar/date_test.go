package calendar

import (
	"encoding/json"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Shanghai even where the system has no zoneinfo
)

// shanghai returns the business time zone.
func shanghai(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// d builds a Date.
func d(y int, m time.Month, day int) Date { return Date{y, m, day} }

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want Date
		ok   bool
	}{
		{"2026-02-15", d(2026, 2, 15), true},
		{"2024-02-29", d(2024, 2, 29), true},
		{"0001-01-01", d(1, 1, 1), true},
		{"2025-02-29", Date{}, false}, // not a leap year
		{"2026-02-30", Date{}, false},
		{"2026-13-01", Date{}, false},
		{"2026-2-15", Date{}, false},
		{"2026-02-5", Date{}, false},
		{"26-02-15", Date{}, false},
		{"2026-02-15T00:00:00Z", Date{}, false},
		{"2026/02/15", Date{}, false},
		{" 2026-02-15", Date{}, false},
		{"", Date{}, false},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestDateMethods(t *testing.T) {
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"String", d(2026, 2, 5).String(), "2026-02-05"},
		{"String normalises", d(2026, 2, 30).String(), "2026-03-02"},
		{"String year 1", d(1, 1, 1).String(), "0001-01-01"},
		{"Valid", d(2026, 2, 28).Valid(), true},
		{"Valid Feb 29 non-leap", d(2026, 2, 29).Valid(), false},
		{"Valid month 0", d(2026, 0, 1).Valid(), false},
		{"Valid zero", Date{}.Valid(), false},
		{"IsZero", Date{}.IsZero(), true},
		{"AddDays across year", d(2025, 12, 30).AddDays(3), d(2026, 1, 2)},
		{"AddDays negative", d(2026, 3, 1).AddDays(-1), d(2026, 2, 28)},
		{"AddDays before 1970", d(1969, 12, 31).AddDays(1), d(1970, 1, 1)},
		{"AddMonths clamps Jan 31 -> Feb 28", d(2026, 1, 31).AddMonths(1), d(2026, 2, 28)},
		{"AddMonths clamps leap year", d(2024, 1, 31).AddMonths(1), d(2024, 2, 29)},
		{"AddMonths Mar 31 -> Apr 30", d(2026, 3, 31).AddMonths(1), d(2026, 4, 30)},
		{"AddMonths across year", d(2025, 11, 30).AddMonths(3), d(2026, 2, 28)},
		{"AddMonths 12 from Feb 29", d(2024, 2, 29).AddMonths(12), d(2025, 2, 28)},
		{"AddMonths negative", d(2026, 3, 31).AddMonths(-1), d(2026, 2, 28)},
		{"AddMonths same day", d(2026, 1, 15).AddMonths(1), d(2026, 2, 15)},
		{"Weekday", d(2026, 2, 13).Weekday(), time.Friday},
		{"Weekday before 1970", d(1969, 12, 31).Weekday(), time.Wednesday},
		{"Compare <", d(2026, 1, 1).Compare(d(2026, 1, 2)), -1},
		{"Compare =", d(2026, 1, 32).Compare(d(2026, 2, 1)), 0},
		{"Compare >", d(2026, 1, 2).Compare(d(2025, 12, 31)), 1},
		{"Before", d(2026, 1, 1).Before(d(2026, 1, 2)), true},
		{"After", d(2026, 1, 1).After(d(2026, 1, 2)), false},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestDateInstants(t *testing.T) {
	loc := shanghai(t)
	tests := []struct {
		name string
		got  time.Time
		want string
	}{
		{"StartIn", d(2026, 2, 13).StartIn(loc), "2026-02-13T00:00:00+08:00"},
		{"EndIn", d(2026, 2, 13).EndIn(loc), "2026-02-13T23:59:59.999+08:00"},
	}
	for _, tt := range tests {
		if got := tt.got.Format(time.RFC3339Nano); got != tt.want {
			t.Errorf("%s = %s, want %s", tt.name, got, tt.want)
		}
	}
	// 2026-02-13 16:30 UTC is already 2026-02-14 in Shanghai.
	utc := time.Date(2026, 2, 13, 16, 30, 0, 0, time.UTC)
	if got := DateOf(utc, loc); got != d(2026, 2, 14) {
		t.Errorf("DateOf(%v, Shanghai) = %v, want 2026-02-14", utc, got)
	}
	if got := DateOf(utc, time.UTC); got != d(2026, 2, 13) {
		t.Errorf("DateOf(%v, UTC) = %v, want 2026-02-13", utc, got)
	}
}

func TestDateJSON(t *testing.T) {
	b, err := json.Marshal(struct{ D Date }{d(2026, 2, 5)})
	if err != nil || string(b) != `{"D":"2026-02-05"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var v struct{ D Date }
	if err := json.Unmarshal([]byte(`{"D":"2026-10-01"}`), &v); err != nil || v.D != d(2026, 10, 1) {
		t.Fatalf("Unmarshal = %v, %v", v.D, err)
	}
	if err := json.Unmarshal([]byte(`{"D":"2026-10-32"}`), &v); err == nil {
		t.Fatal("Unmarshal accepted 2026-10-32")
	}
}
