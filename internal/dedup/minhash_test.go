package dedup

import (
	"hash/fnv"
	"math"
	"slices"
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
