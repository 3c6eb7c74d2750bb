package web

import (
	"strconv"
	"testing"
)

func TestYuanToFen(t *testing.T) {
	tests := []struct {
		in   string
		fen  int64
		okay bool
	}{
		{"", 0, true},
		{"12", 1200, true},
		{"12.3", 1230, true},
		{"4,777,870.05", 477787005, true},
		{" 0.07 ", 7, true},
		{"12.345", 0, false},
		{"-5", 0, false},
		{"+5", 0, false},
		{".5", 0, false},
		{"1e3", 0, false},
		{"一百", 0, false},
		{"99999999999999999999", 0, false},
	}
	for _, tt := range tests {
		fen, ok := yuanToFen(tt.in)
		if ok != tt.okay || fen != tt.fen {
			t.Errorf("yuanToFen(%q) = %d, %v; want %d, %v", tt.in, fen, ok, tt.fen, tt.okay)
		}
	}
}

// FuzzYuanToFen: any text either is refused or gives a non-negative
// amount that prints back to the same number of fen.
func FuzzYuanToFen(f *testing.F) {
	for _, s := range []string{"", "12", "12.3", "4,777.87", "-1", "1.234"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fen, ok := yuanToFen(s)
		if !ok {
			return
		}
		if fen < 0 {
			t.Fatalf("yuanToFen(%q) = %d", s, fen)
		}
		back, ok := yuanToFen(strconv.FormatInt(fen/100, 10) + "." + strconv.FormatInt(fen%100+100, 10)[1:])
		if !ok || back != fen {
			t.Fatalf("yuanToFen(%q) = %d does not round-trip (%d)", s, fen, back)
		}
	})
}
