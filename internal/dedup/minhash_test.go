package dedup

import (
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestParameters(t *testing.T) {
	if Bands*Rows != NumHashes {
		t.Fatalf("Bands*Rows = %d, NumHashes = %d", Bands*Rows, NumHashes)
	}
	if DefaultThreshold <= 0 || DefaultThreshold >= 1 {
		t.Fatalf("DefaultThreshold = %v", DefaultThreshold)
	}
	// Probability that a pair at the threshold becomes a candidate.
	p := 1 - math.Pow(1-math.Pow(DefaultThreshold, Rows), Bands)
	if p < 0.95 {
		t.Errorf("candidate probability at the threshold = %.3f, want >= 0.95", p)
	}
}

func TestFNV1a(t *testing.T) {
	for _, s := range []string{"", "a", "ab", "小区", "路灯坏了"} {
		h := fnv.New64a()
		h.Write([]byte(s))
		if got, want := fnv1a(s), h.Sum64(); got != want {
			t.Errorf("fnv1a(%q) = %#x, want %#x", s, got, want)
		}
	}
}

func TestShingles(t *testing.T) {
	tests := []struct {
		name string
		norm string
		k    int
		want []string // shingle texts; hashed and sorted before comparing
	}{
		{"empty", "", 2, nil},
		{"shorter than k", "路", 2, []string{"路"}},
		{"exactly k", "路灯", 2, []string{"路灯"}},
		{"bigrams", "路灯坏了", 2, []string{"路灯", "灯坏", "坏了"}},
		{"trigrams", "路灯坏了", 3, []string{"路灯坏", "灯坏了"}},
		{"duplicates removed", "哈哈哈哈", 2, []string{"哈哈"}},
		{"ASCII", "abcab", 2, []string{"ab", "bc", "ca"}},
		{"k below 1 is 1", "aba", 0, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []uint64
			for _, s := range tt.want {
				want = append(want, fnv1a(s))
			}
			slices.Sort(want)
			want = slices.Compact(want)
			got := Shingles(tt.norm, tt.k)
			if !slices.Equal(got, want) {
				t.Errorf("Shingles(%q, %d) = %#x, want %#x", tt.norm, tt.k, got, want)
			}
			if !slices.IsSorted(got) {
				t.Errorf("Shingles(%q, %d) not sorted", tt.norm, tt.k)
			}
		})
	}
}

func TestJaccard(t *testing.T) {
	tests := []struct {
		a, b []uint64
		want float64
	}{
		{nil, nil, 0},
		{[]uint64{1}, nil, 0},
		{[]uint64{1, 2, 3}, []uint64{1, 2, 3}, 1},
		{[]uint64{1, 2, 3}, []uint64{2, 3, 4}, 0.5},
		{[]uint64{1, 2}, []uint64{3, 4}, 0},
		{[]uint64{1, 2, 3, 4}, []uint64{1, 2}, 0.5},
		{[]uint64{1, 5, 9}, []uint64{2, 5, 8, 9}, 0.4},
	}
	for _, tt := range tests {
		if got := Jaccard(tt.a, tt.b); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("Jaccard(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := Jaccard(tt.b, tt.a); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("Jaccard(%v, %v) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestSimilar(t *testing.T) {
	tests := []struct {
		name     string
		a, b     string
		min, max float64
	}{
		{"identical", "小区门口的路灯坏了三个月", "小区门口的路灯坏了三个月", 1, 1},
		{"punctuation, width, numerals, greeting", "尊敬的领导：小区门口的路灯坏了3个月！", "小区门口的路灯坏了三个月。谢谢", 1, 1},
		{"re-submission", "小区门口的路灯坏了三个月，晚上出行很不方便。", "再次反映：小区门口的路灯坏了三个月，晚上出行很不方便，至今没有处理。", 0.7, 0.9},
		{"unrelated", "小区门口的路灯坏了三个月", "咨询公积金贷款需要什么材料", 0, 0.05},
		{"empty", "", "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Similar(tt.a, tt.b)
			if got < tt.min || got > tt.max {
				t.Errorf("Similar = %.3f, want in [%.2f, %.2f]", got, tt.min, tt.max)
			}
		})
	}
}

func TestSignAndBands(t *testing.T) {
	sh := Shingles(Normalize("小区门口的路灯坏了三个月"), ShingleSize)
	sig := Sign(sh)
	if len(sig) != NumHashes {
		t.Fatalf("len(Sign) = %d, want %d", len(sig), NumHashes)
	}
	// Golden values: the seeds are fixed, so signatures and band hashes
	// must never change between releases (stored band hashes depend on it).
	if want := []uint32{372960829, 463360063, 123640240, 139182096, 351026186, 53107731}; !slices.Equal(sig[:6], Signature(want)) {
		t.Errorf("Sign(...)[:6] = %v, want %v", sig[:6], want)
	}
	bands := BandHashes(sig)
	if len(bands) != Bands {
		t.Fatalf("len(BandHashes) = %d, want %d", len(bands), Bands)
	}
	if want := []int64{-4971348240142169418, 2599701308215563997, -984332538135439433}; !slices.Equal(bands[:3], want) {
		t.Errorf("BandHashes(...)[:3] = %v, want %v", bands[:3], want)
	}
	if !slices.Equal(Sign(sh), sig) || !slices.Equal(BandHashes(Sign(sh)), bands) {
		t.Error("Sign or BandHashes not deterministic")
	}
	if !slices.Equal(signN(sh, NumHashes), sig) {
		t.Error("signN(sh, NumHashes) differs from Sign (the tuning tables would not describe Sign)")
	}
	// The signature value is the minimum of each hash function over the set,
	// so a superset's values are never larger.
	more := Shingles(Normalize("小区门口的路灯坏了三个月，晚上很黑"), ShingleSize)
	for i, v := range Sign(more) {
		if v > sig[i] {
			t.Fatalf("Sign(superset)[%d] = %d > %d", i, v, sig[i])
		}
	}
	// Identical bands in a band of identical rows: the band index is hashed
	// too, so equal rows in different bands give different hashes.
	flat := make(Signature, NumHashes)
	fb := BandHashes(flat)
	if fb[0] == fb[1] {
		t.Error("band hashes do not depend on the band index")
	}
	empty := Sign(nil)
	for _, v := range empty {
		if v != math.MaxUint32 {
			t.Fatalf("Sign(nil) has %d, want all MaxUint32", v)
		}
	}
}

func TestMinHashEstimatesJaccard(t *testing.T) {
	tests := []struct{ a, b string }{
		{"小区门口的路灯坏了三个月，晚上出行很不方便，希望尽快修好。", "小区门口的路灯坏了三个月，晚上出行很不方便。"},
		{"小区门口的路灯坏了三个月，晚上出行很不方便，希望尽快修好。", "小区门口的路灯坏了，晚上很黑，老人小孩出行很不方便，请尽快派人维修。"},
		{"小区门口的路灯坏了三个月，晚上出行很不方便，希望尽快修好。", "咨询公积金贷款需要准备什么材料，在哪里办理。"},
	}
	for _, tt := range tests {
		a := Shingles(Normalize(tt.a), ShingleSize)
		b := Shingles(Normalize(tt.b), ShingleSize)
		sa, sb := Sign(a), Sign(b)
		eq := 0
		for i := range sa {
			if sa[i] == sb[i] {
				eq++
			}
		}
		est, exact := float64(eq)/NumHashes, Jaccard(a, b)
		if math.Abs(est-exact) > 0.12 {
			t.Errorf("MinHash estimate %.3f, exact %.3f for %q / %q", est, exact, tt.a, tt.b)
		}
	}
}

// TestScores checks that the side-by-side scoring equals Similar text by
// text, for batches below and above the size that starts goroutines.
func TestScores(t *testing.T) {
	base := "尊敬的领导：天门山镇某村村主任在危房改造补贴发放中优亲厚友，把名额给了自己的亲戚。"
	for _, n := range []int{0, 1, 7, 16, 50, 123} {
		texts := make([]string, n)
		for i := range texts {
			switch i % 3 {
			case 0:
				texts[i] = base
			case 1:
				texts[i] = base[:len(base)/2] + strings.Repeat("另外反映低保评定问题。", i%5)
			default:
				texts[i] = "第" + strings.Repeat("二", i%4) + "件：小区物业乱收费"
			}
		}
		sh := Shingles(Normalize(base), ShingleSize)
		got := Scores(sh, texts)
		if len(got) != n {
			t.Fatalf("n=%d: %d scores", n, len(got))
		}
		for i, x := range texts {
			if want := Similar(base, x); got[i] != want {
				t.Errorf("n=%d: score %d = %v, want %v", n, i, got[i], want)
			}
		}
		if n > 0 && got[0] != 1 {
			t.Errorf("n=%d: the text itself scores %v, want 1", n, got[0])
		}
	}
}

// TestScoresMatchJaccard checks Scores' hash-set count against Jaccard of
// sorted shingle sets, exactly, for real messages scored against each other
// and against texts at the edges (empty, one rune, punctuation only,
// invalid UTF-8, boilerplate only).
func TestScoresMatchJaccard(t *testing.T) {
	edges := []string{"", "a", "。。。！", "\xff\xfe\xfd", "一", "尊敬的领导：", "您好！谢谢！", "ab", "十五栋十五栋十五栋"}
	texts := append(realTexts(t), edges...)
	queries := append([]string{}, edges...)
	for i := 0; i < len(texts); i += 97 {
		queries = append(queries, texts[i])
	}
	for _, q := range queries {
		sh := Shingles(Normalize(q), ShingleSize)
		got := Scores(sh, texts)
		for i, x := range texts {
			if want := Jaccard(sh, Shingles(Normalize(x), ShingleSize)); got[i] != want {
				t.Fatalf("Scores(%q)[%q] = %v, want %v", q, x, got[i], want)
			}
		}
	}
}

func TestHashSet(t *testing.T) {
	tests := []struct {
		name string
		add  []uint64
		new  []bool
		has  []uint64
		not  []uint64
	}{
		{"zero is a value", []uint64{0, 0, 5}, []bool{true, false, true}, []uint64{0, 5}, []uint64{1}},
		{"no zero", []uint64{7}, []bool{true}, []uint64{7}, []uint64{0}},
		// 1, 17, 33 … share low bits: linear probing past taken slots.
		{"collisions", []uint64{1, 17, 33, 49, 1, 33}, []bool{true, true, true, true, false, false}, []uint64{1, 17, 33, 49}, []uint64{65, 2}},
		{"grows past 16", seq(100), trues(100), seq(100), []uint64{1000}},
	}
	for _, tc := range tests {
		s := newHashSet(len(tc.add))
		for i, h := range tc.add {
			if got := s.add(h); got != tc.new[i] {
				t.Errorf("%s: add(%d) = %v, want %v", tc.name, h, got, tc.new[i])
			}
		}
		for _, h := range tc.has {
			if !s.has(h) {
				t.Errorf("%s: has(%d) = false", tc.name, h)
			}
		}
		for _, h := range tc.not {
			if s.has(h) {
				t.Errorf("%s: has(%d) = true", tc.name, h)
			}
		}
		s.reset(4)
		for _, h := range tc.has {
			if s.has(h) {
				t.Errorf("%s: has(%d) after reset", tc.name, h)
			}
		}
	}
}

func seq(n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i)*0x9E3779B97F4A7C15 + 3
	}
	return out
}

func trues(n int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = true
	}
	return out
}
