package stats

import "testing"

func TestBulletinCrossCheck(t *testing.T) {
	base := Summary{Scope: Scope{Name: "永定区纪委监委"}, Period: Period{"2026-01-01", "2026-12-06"}, CasesFiled: 2}
	tests := []struct {
		name      string
		clues     int64
		recovered int64
		want      string
	}{
		{"clues and money", 12, 1_234_500, "今年以来，永定区纪委监委共查办案件2件。通过大数据比对发现问题线索12条，追回资金1.23万元。"},
		{"clues only", 3, 0, "今年以来，永定区纪委监委共查办案件2件。通过大数据比对发现问题线索3条。"},
		{"money only", 0, 50_000, "今年以来，永定区纪委监委共查办案件2件。通过大数据比对追回资金0.05万元。"},
		{"neither", 0, 0, "今年以来，永定区纪委监委共查办案件2件。"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base
			s.CluesBySource = map[string]int64{"crosscheck": tt.clues, "report": 9}
			s.CrossCheckRecoveredFen = tt.recovered
			if got := Bulletin(s, "2026-12-06"); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
