package dedup

import (
	"slices"
	"testing"
)

func TestIndex(t *testing.T) {
	reports := map[int64]string{
		1: "小区门口的路灯坏了三个月，晚上出行很不方便，希望尽快修好。",
		2: "咨询公积金贷款需要准备什么材料，在哪里办理，谢谢。",
		3: "再次反映：小区门口的路灯坏了3个月，晚上出行很不方便，至今没有处理！",
		4: "投诉某某饭店油烟扰民，晚上十二点还在营业，严重影响休息。",
		5: "，。！", // normalises to nothing
	}
	var x Index
	for id, text := range reports {
		x.Add(id, text)
	}
	if got := x.Len(); got != len(reports) {
		t.Fatalf("Len = %d, want %d", got, len(reports))
	}
	query := "尊敬的领导：小区门口路灯坏了三个月，晚上出行很不方便，希望尽快修好。谢谢！"
	tests := []struct {
		name      string
		threshold float64
		wantIDs   []int64
	}{
		{"default threshold", DefaultThreshold, []int64{1, 3}},
		{"strict threshold", 0.8, []int64{1}},
		{"zero threshold returns every candidate", 0, []int64{1, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := x.Query(query, tt.threshold)
			var ids []int64
			for i, m := range ms {
				ids = append(ids, m.ID)
				if i > 0 && ms[i-1].Score < m.Score {
					t.Errorf("matches not sorted best first: %v", ms)
				}
				if want := Similar(query, reports[m.ID]); m.Score != want {
					t.Errorf("score of %d = %v, want Similar = %v", m.ID, m.Score, want)
				}
			}
			if !slices.Equal(ids, tt.wantIDs) {
				t.Errorf("Query ids = %v, want %v (matches %v)", ids, tt.wantIDs, ms)
			}
		})
	}
	if got := x.Candidates(query); !slices.Equal(got, []int64{1, 3}) {
		t.Errorf("Candidates = %v, want [1 3]", got)
	}
	if got := x.Candidates("，。"); got != nil {
		t.Errorf("Candidates of an empty text = %v, want none", got)
	}
	if got := x.Query(reports[5], 0); got != nil {
		t.Errorf("Query of an empty text = %v, want none", got)
	}

	// Re-adding an id replaces its text and its band rows.
	x.Add(1, reports[4])
	if got := x.Candidates(query); !slices.Equal(got, []int64{3}) {
		t.Errorf("after replacing 1: Candidates = %v, want [3]", got)
	}
	if got := x.Query(reports[4], DefaultThreshold); len(got) != 2 || got[0].ID != 1 || got[1].ID != 4 || got[0].Score != 1 {
		t.Errorf("after replacing 1: Query = %v, want 1 and 4 with score 1", got)
	}
	if got := x.Len(); got != len(reports) {
		t.Errorf("Len after replace = %d, want %d", got, len(reports))
	}
}

func TestIndexZeroValueEmpty(t *testing.T) {
	var x Index
	if got := x.Query("小区门口的路灯坏了", 0); got != nil {
		t.Errorf("Query on empty index = %v", got)
	}
	if got := x.Candidates("小区门口的路灯坏了"); got != nil {
		t.Errorf("Candidates on empty index = %v", got)
	}
}

func TestIndexMatchesLabelledPairs(t *testing.T) {
	// The index finds exactly the pairs the pairwise check (isDuplicate)
	// flags: same LSH bands, same threshold.
	ps := loadPairs(t)
	for i, p := range ps[:200] {
		var x Index
		x.Add(int64(i), p.aText)
		found := len(x.Query(p.bText, DefaultThreshold)) == 1
		if want := isDuplicate(p.aText, p.bText); found != want {
			t.Errorf("pair %s %s: index found %v, pairwise check %v", p.aID, p.bID, found, want)
		}
	}
}
