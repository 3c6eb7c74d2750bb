package importer

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	zero := time.Time{}
	tests := []struct {
		in       string
		date1904 bool
		want     time.Time
		ok       bool
	}{
		{"", false, zero, true},
		{"   ", false, zero, true},
		// The real file's forms.
		{"2019/4/25 9:32:09", false, at(2019, 4, 25, 9, 32, 9), true},
		{"2019/12/5 14:56:53", false, at(2019, 12, 5, 14, 56, 53), true},
		{"2018/4/24", false, at(2018, 4, 24, 0, 0, 0), true},
		{"4/8/19 08:37", false, at(2019, 4, 8, 8, 37, 0), true},
		{"43563.359259259261", false, at(2019, 4, 8, 8, 37, 20), true},
		// Excel serials.
		{"45352", false, at(2024, 3, 1, 0, 0, 0), true},
		{"45352.5", false, at(2024, 3, 1, 12, 0, 0), true},
		{"43890.5", true, at(2024, 3, 1, 12, 0, 0), true}, // 1904 date system
		{"2019", false, zero, false},                      // a year, not serial 2019 (1905)
		{"0.5", false, zero, false},
		// ISO-like.
		{"2006-01-02 15:04:05", false, at(2006, 1, 2, 15, 4, 5), true},
		{"2006-01-02 15:04", false, at(2006, 1, 2, 15, 4, 0), true},
		{"2006-01-02", false, at(2006, 1, 2, 0, 0, 0), true},
		{"2006-1-2T15:04:05", false, at(2006, 1, 2, 15, 4, 5), true},
		{"2006-01-02 15:04:05.250", false, at(2006, 1, 2, 15, 4, 5).Add(250 * time.Millisecond), true},
		{"2024-05-01T00:30:00Z", false, at(2024, 5, 1, 8, 30, 0), true},
		{"2024-05-01T08:30:00+08:00", false, at(2024, 5, 1, 8, 30, 0), true},
		{"2024-05-01 09:30:00+09:00", false, at(2024, 5, 1, 8, 30, 0), true},
		{"2006/1/2 15:04", false, at(2006, 1, 2, 15, 4, 0), true},
		{"2006.1.2", false, at(2006, 1, 2, 0, 0, 0), true},
		// Chinese.
		{"2006年1月2日", false, at(2006, 1, 2, 0, 0, 0), true},
		{"2006年01月02号", false, at(2006, 1, 2, 0, 0, 0), true},
		{"2006年1月2日 15:04", false, at(2006, 1, 2, 15, 4, 0), true},
		{"2006年1月2日15时4分", false, at(2006, 1, 2, 15, 4, 0), true},
		{"2006年1月2日 15时04分05秒", false, at(2006, 1, 2, 15, 4, 5), true},
		{"2006年1月2日 下午3点04分", false, at(2006, 1, 2, 15, 4, 0), true},
		{"2019/4/8 上午 8:37:20", false, at(2019, 4, 8, 8, 37, 20), true},
		{"2019/4/8 12:05 AM", false, at(2019, 4, 8, 0, 5, 0), true},
		{"２０２４／３／１　９：０５", false, at(2024, 3, 1, 9, 5, 0), true}, // full width
		// Month first (Excel's m/d/yy display and US CSV).
		{"3/1/2024 9:05", false, at(2024, 3, 1, 9, 5, 0), true},
		{"12/31/99", false, at(1999, 12, 31, 0, 0, 0), true},
		// Compact and Unix.
		{"20240301", false, at(2024, 3, 1, 0, 0, 0), true},
		{"202403010905", false, at(2024, 3, 1, 9, 5, 0), true},
		{"20240301090506", false, at(2024, 3, 1, 9, 5, 6), true},
		{"1714523400", false, at(2024, 5, 1, 8, 30, 0), true},
		{"1714523400000", false, at(2024, 5, 1, 8, 30, 0), true},
		// Bad.
		{"2024-02-30", false, zero, false},
		{"2024-13-01", false, zero, false},
		{"2024-01-01 24:00", false, zero, false},
		{"2024-01-01 12:60", false, zero, false},
		{"2024-01-01 下午13:00", false, zero, false},
		{"2024/01-01", false, zero, false},
		{"13/1/24", false, zero, false},
		{"1/2/123", false, zero, false},
		{"1899-12-31", false, zero, false},
		{"2024-01-01 12:00 extra", false, zero, false},
		{"2024-01-01 12:", false, zero, false},
		{"昨天", false, zero, false},
		{"20241301", false, zero, false},
		{"123456789", false, zero, false},
		{"1.2.3", false, zero, false},
	}
	for _, tt := range tests {
		got, ok := parseTime(tt.in, cst(), tt.date1904)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseTime(%q, 1904=%v) = %v, %v; want %v, %v", tt.in, tt.date1904, got, ok, tt.want, tt.ok)
		}
		if ok && !got.IsZero() && got.Location().String() != cst().String() {
			t.Errorf("parseTime(%q) in %v", tt.in, got.Location())
		}
	}
	// Another business zone.
	utc, ok := parseTime("2024-03-01 09:05", time.UTC, false)
	if !ok || !utc.Equal(time.Date(2024, 3, 1, 9, 5, 0, 0, time.UTC)) {
		t.Errorf("UTC: %v %v", utc, ok)
	}
}
