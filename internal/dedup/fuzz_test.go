package dedup

import (
	"slices"
	"testing"
	"unicode"
	"unicode/utf8"
)

// fuzzSeeds are inputs that exercise every normalisation rule, plus odd ones.
func fuzzSeeds() []string {
	return []string{
		"",
		"尊敬的胡书记：您好！我是A3区二〇一八年买的房，三栋十五楼，一百零五号。谢谢！",
		"来电人反映：小区停水三天了。来电人诉求：请相关部门尽快核实处理。",
		"再次反映再次反映再次反映",
		"十十十百千千两两万〇零零",
		"①②⑳⑴⒛Ⅻⅻ",
		"Ａｂｃ　ＤＥＦ１２３，。！",
		"\xff\xfe小区\x80停水",
		"您好！",
		"，，，。。。",
		"a",
		"路灯坏了，路灯坏了，路灯坏了",
		"反映小区停水问题\n尊敬的领导：\r\n您好！\n小区停水了。\n此致\n敬礼",
		"\n\n谢谢\n",
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		runes, srcs := normalizeMapped(s)
		if len(runes) != len(srcs) {
			t.Fatalf("%d runes, %d sources", len(runes), len(srcs))
		}
		n := int32(len([]rune(s)))
		for i, r := range runes {
			if unicode.IsSpace(r) || unicode.IsPunct(r) || r == utf8.RuneError {
				t.Fatalf("Normalize(%q) keeps %q", s, r)
			}
			sp := srcs[i]
			if sp.start < 0 || sp.start >= sp.end || sp.end > n {
				t.Fatalf("Normalize(%q): source %v of rune %d out of [0,%d]", s, sp, i, n)
			}
			if i > 0 && sp.start < srcs[i-1].start {
				t.Fatalf("Normalize(%q): sources go backwards: %v", s, srcs)
			}
		}
		if got := Normalize(s); got != string(runes) || !utf8.ValidString(got) {
			t.Fatalf("Normalize(%q) = %q", s, got)
		}
	})
}

func FuzzShingles(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s, 2)
	}
	f.Fuzz(func(t *testing.T, s string, k int) {
		k = k%6 - 1 // exercise k in [-6, 4], including k < 1
		norm := Normalize(s)
		sh := Shingles(norm, k)
		if (len(sh) == 0) != (norm == "") {
			t.Fatalf("Shingles(%q, %d) = %v", norm, k, sh)
		}
		if !slices.IsSorted(sh) || len(slices.Compact(slices.Clone(sh))) != len(sh) {
			t.Fatalf("Shingles(%q, %d) not sorted and distinct: %v", norm, k, sh)
		}
		if n := utf8.RuneCountInString(norm); len(sh) > max(n, 1) {
			t.Fatalf("Shingles(%q, %d): %d shingles from %d runes", norm, k, len(sh), n)
		}
		if j := Jaccard(sh, sh); len(sh) > 0 && j != 1 {
			t.Fatalf("Jaccard(x, x) = %v", j)
		}
		if b := BandHashes(Sign(sh)); len(b) != Bands {
			t.Fatalf("BandHashes has %d bands", len(b))
		}
	})
}

func FuzzHighlight(f *testing.F) {
	seeds := fuzzSeeds()
	for i, s := range seeds {
		f.Add(s, seeds[(i+1)%len(seeds)], 2)
		f.Add(s, s, 1)
	}
	f.Fuzz(func(t *testing.T, a, b string, minRunes int) {
		minRunes = minRunes%8 - 1 // exercise [-8, 6], including < 1
		inA, inB := Highlight(a, b, minRunes)
		check := func(name, s string, spans []Span) {
			n := len([]rune(s))
			for i, sp := range spans {
				if sp.Start < 0 || sp.Start >= sp.End || sp.End > n {
					t.Fatalf("Highlight(%q, %q, %d): span %v of %s out of [0,%d]", a, b, minRunes, sp, name, n)
				}
				if i > 0 && sp.Start <= spans[i-1].End {
					t.Fatalf("Highlight(%q, %q, %d): %s spans overlap or touch: %v", a, b, minRunes, name, spans)
				}
			}
		}
		check("a", a, inA)
		check("b", b, inB)
		if (len(inA) == 0) != (len(inB) == 0) {
			t.Fatalf("Highlight(%q, %q, %d) = %v, %v", a, b, minRunes, inA, inB)
		}
	})
}
