package dedup

import (
	"slices"
	"testing"
)

func TestHighlight(t *testing.T) {
	tests := []struct {
		name       string
		a, b       string
		minRunes   int
		wantA      []Span
		wantB      []Span
		sharedText []string // the text of wantA, for readability
	}{
		{
			name: "two shared passages in different order",
			a:    "我家住在A市，小区三栋停水了！", b: "听说小区3栋停水了，我家住在A市。", minRunes: 3,
			wantA: []Span{{0, 6}, {7, 14}}, wantB: []Span{{2, 9}, {10, 16}},
			sharedText: []string{"我家住在A市", "小区三栋停水了"},
		},
		{
			name: "punctuation inside a match is covered",
			a:    "小区门口，路灯坏了", b: "小区门口路灯坏了！", minRunes: 4,
			wantA: []Span{{0, 9}}, wantB: []Span{{0, 8}},
			sharedText: []string{"小区门口，路灯坏了"},
		},
		{
			name: "greeting is not highlighted",
			a:    "尊敬的领导：小区门口路灯坏了", b: "尊敬的领导：咨询公积金贷款", minRunes: 2,
			wantA: nil, wantB: nil,
		},
		{
			name: "shorter than minRunes",
			a:    "路灯坏了", b: "路灯好了", minRunes: 3,
			wantA: nil, wantB: nil,
		},
		{
			name: "minRunes below 1 is 1",
			a:    "ab", b: "b", minRunes: 0,
			wantA: []Span{{1, 2}}, wantB: []Span{{0, 1}},
			sharedText: []string{"b"},
		},
		{
			name: "repeated text in b marks every occurrence",
			a:    "停水", b: "停水，又停水", minRunes: 2,
			wantA: []Span{{0, 2}}, wantB: []Span{{0, 2}, {4, 6}},
			sharedText: []string{"停水"},
		},
		{
			name: "full-width and case differences still match",
			a:    "Ｃ１栋漏水", b: "c1栋漏水", minRunes: 4,
			wantA: []Span{{0, 5}}, wantB: []Span{{0, 5}},
			sharedText: []string{"Ｃ１栋漏水"},
		},
		{
			name: "empty", a: "", b: "路灯", minRunes: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inA, inB := Highlight(tt.a, tt.b, tt.minRunes)
			if !slices.Equal(inA, tt.wantA) || !slices.Equal(inB, tt.wantB) {
				t.Fatalf("Highlight = %v, %v; want %v, %v", inA, inB, tt.wantA, tt.wantB)
			}
			ra := []rune(tt.a)
			for i, s := range inA {
				if got := string(ra[s.Start:s.End]); got != tt.sharedText[i] {
					t.Errorf("span %v of a is %q, want %q", s, got, tt.sharedText[i])
				}
			}
		})
	}
}
