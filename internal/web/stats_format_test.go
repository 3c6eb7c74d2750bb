package web

import (
	"net/url"
	"testing"

	"qingfeng/internal/stats"
)

func TestStatsMonthBounds(t *testing.T) {
	p := stats.Period{From: "2026-01-15", To: "2026-03-10"}
	tests := []struct{ label, from, to string }{
		{"2026-01", "2026-01-15", "2026-01-31"}, // the period starts mid-month
		{"2026-02", "2026-02-01", "2026-02-28"},
		{"2026-03", "2026-03-01", "2026-03-10"}, // and ends mid-month
		{"bad", "2026-01-15", "2026-03-10"},
	}
	for _, tt := range tests {
		if from, to := monthBounds(p, tt.label); from != tt.from || to != tt.to {
			t.Errorf("monthBounds(%s) = %s, %s; want %s, %s", tt.label, from, to, tt.from, tt.to)
		}
	}
}

func TestStatsFigure(t *testing.T) {
	days := 4.25
	tests := []struct {
		metric string
		n      int64
		avg    *float64
		want   string
	}{
		{"cases_filed", 72, nil, "72"},
		{"funds_recovered_fen", 477870000, nil, "477.87"},
		{"funds_returned_fen", 0, nil, "0.00"},
		{"avg_case_days", 0, &days, "4.2"},
		{"avg_clue_disposal_days", 0, nil, "—"},
	}
	for _, tt := range tests {
		if got := figure(tt.metric, tt.n, tt.avg); got != tt.want {
			t.Errorf("figure(%s, %d) = %q, want %q", tt.metric, tt.n, got, tt.want)
		}
	}
}

func TestStatsRecordsURL(t *testing.T) {
	base := url.Values{"unit": {"7"}, "from": {"2026-01-01"}, "to": {"2026-06-30"}}
	got := recordsURL(base, "metric", "clues_received", "unit", "", "area_group", "3", "by", "source", "key", "")
	if want := "/stats/records?area_group=3&by=source&from=2026-01-01&metric=clues_received&to=2026-06-30"; got != want {
		t.Errorf("recordsURL = %s, want %s", got, want)
	}
	if base.Get("unit") != "7" || base.Get("metric") != "" {
		t.Errorf("recordsURL changed its base: %v", base)
	}
}
