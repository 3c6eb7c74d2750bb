package dedup

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"testing"
)

// refSimilarity is Similarity computed another way: the 32-bit values of
// each text's shingles in a map.
func refSimilarity(a, b string) float64 {
	set := func(s string) map[uint32]bool {
		m := map[uint32]bool{}
		for _, h := range Shingles(Normalize(s), ShingleSize) {
			m[uint32(mix(h)>>32)] = true
		}
		return m
	}
	sa, sb := set(a), set(b)
	inter := 0
	for v := range sa {
		if sb[v] {
			inter++
		}
	}
	union := len(sa) + len(sb) - inter
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}

func TestFingerprintSimilarity(t *testing.T) {
	tests := []struct {
		name string
		a, b Fingerprint
		want float64
	}{
		{"both empty", nil, nil, 0},
		{"one empty", Fingerprint{1, 2}, nil, 0},
		{"same", Fingerprint{1, 5, 9}, Fingerprint{1, 5, 9}, 1},
		{"disjoint", Fingerprint{1, 3}, Fingerprint{2, 4}, 0},
		{"two of four", Fingerprint{1, 2, 3}, Fingerprint{2, 3, 4}, 0.5},
		{"subset", Fingerprint{1, 2, 3, 4}, Fingerprint{4}, 0.25},
		{"extremes", Fingerprint{0, math.MaxUint32}, Fingerprint{math.MaxUint32}, 0.5},
	}
	for _, tc := range tests {
		for _, pair := range [][2]Fingerprint{{tc.a, tc.b}, {tc.b, tc.a}} {
			if got := pair[0].Similarity(pair[1]); got != tc.want {
				t.Errorf("%s: Similarity(%v, %v) = %v, want %v", tc.name, pair[0], pair[1], got, tc.want)
			}
		}
	}
}

// TestFingerprintOf checks the fingerprint of real texts: sorted, each
// value once, at most one value per shingle, equal to the reference
// scoring, and equal to the 64-bit Jaccard except where two shingles share
// their 32 bits (not once among these pairs).
func TestFingerprintOf(t *testing.T) {
	texts := append(realTexts(t)[:300], "", "a", "。。。！", "\xff\xfe", "尊敬的领导：", "十五栋十五栋十五栋")
	fps := make([]Fingerprint, len(texts))
	shs := make([][]uint64, len(texts))
	for i, x := range texts {
		shs[i] = Shingles(Normalize(x), ShingleSize)
		fps[i] = TextFingerprint(x)
		if !slices.IsSorted(fps[i]) || len(slices.Compact(slices.Clone(fps[i]))) != len(fps[i]) {
			t.Fatalf("fingerprint of %q not sorted and distinct", x)
		}
		if len(fps[i]) > len(shs[i]) || (len(fps[i]) == 0) != (len(shs[i]) == 0) {
			t.Fatalf("fingerprint of %q: %d values from %d shingles", x, len(fps[i]), len(shs[i]))
		}
	}
	pairs, differ := 0, 0
	for i := range texts {
		for j := i; j < len(texts); j += 7 {
			got := fps[i].Similarity(fps[j])
			if want := refSimilarity(texts[i], texts[j]); got != want {
				t.Fatalf("Similarity(%q, %q) = %v, reference %v", texts[i], texts[j], got, want)
			}
			if got != Similar(texts[i], texts[j]) {
				t.Fatalf("Similar(%q, %q) differs from the fingerprints' Similarity", texts[i], texts[j])
			}
			if got != Jaccard(shs[i], shs[j]) {
				differ++
			}
			pairs++
		}
	}
	if differ > 0 {
		t.Errorf("%d of %d pairs score differently from 64-bit Jaccard", differ, pairs)
	}
	if pairs < 5000 {
		t.Fatalf("only %d pairs compared", pairs)
	}
}

// TestFingerprintStable pins a fingerprint's stored bytes: stored rows
// were computed with them, so a change to FingerprintOf, mix, Shingles or
// Normalize that moves them needs a migration that computes every stored
// fingerprint again (and this test updated with it).
func TestFingerprintStable(t *testing.T) {
	fp := TextFingerprint("天门山镇某村村主任在危房改造补贴发放中优亲厚友")
	b := fp.Bytes()
	if len(fp) != 22 || hex.EncodeToString(b[:16]) != "01f0ab0d34fea036b19fee3a5ba4c758" || fp[len(fp)-1] != 4244512031 {
		t.Errorf("fingerprint = %d values, starting %x, ending %d", len(fp), b[:min(16, len(b))], fp[len(fp)-1])
	}
}

func TestParseFingerprint(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
		want Fingerprint
		err  error
	}{
		{"empty", nil, Fingerprint{}, nil},
		{"one", []byte{1, 0, 0, 0}, Fingerprint{1}, nil},
		{"little-endian", []byte{1, 0, 0, 0, 0, 0, 0, 1}, Fingerprint{1, 1 << 24}, nil},
		{"short", []byte{1, 0, 0}, nil, ErrFingerprint},
		{"descending", []byte{2, 0, 0, 0, 1, 0, 0, 0}, nil, ErrFingerprint},
		{"repeated", []byte{2, 0, 0, 0, 2, 0, 0, 0}, nil, ErrFingerprint},
	}
	for _, tc := range tests {
		got, err := ParseFingerprint(tc.raw)
		if !errors.Is(err, tc.err) || !slices.Equal(got, tc.want) {
			t.Errorf("%s: ParseFingerprint(%v) = %v, %v; want %v, %v", tc.name, tc.raw, got, err, tc.want, tc.err)
		}
		if err == nil && !bytes.Equal(got.Bytes(), tc.raw) {
			t.Errorf("%s: Bytes() = %v, want %v", tc.name, got.Bytes(), tc.raw)
		}
	}
	for _, x := range realTexts(t)[:50] {
		fp := TextFingerprint(x)
		back, err := ParseFingerprint(fp.Bytes())
		if err != nil || !slices.Equal(back, fp) {
			t.Fatalf("round trip of %q: %v, %v", x, back, err)
		}
	}
}

// FuzzParseFingerprint: stored bytes either parse to a fingerprint that
// writes back the same bytes, or are rejected.
func FuzzParseFingerprint(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 2, 3})
	f.Add(TextFingerprint("天门山镇某村村主任在危房改造补贴发放中优亲厚友").Bytes())
	f.Fuzz(func(t *testing.T, raw []byte) {
		fp, err := ParseFingerprint(raw)
		if err != nil {
			if !errors.Is(err, ErrFingerprint) || fp != nil {
				t.Fatalf("ParseFingerprint(%v) = %v, %v", raw, fp, err)
			}
			return
		}
		if !bytes.Equal(fp.Bytes(), raw) || !slices.IsSorted(fp) {
			t.Fatalf("ParseFingerprint(%v) = %v, which writes %v", raw, fp, fp.Bytes())
		}
	})
}

// FuzzFingerprintSimilarity checks Similarity against the map-based
// reference for any two texts, and that it is symmetric and within [0, 1].
func FuzzFingerprintSimilarity(f *testing.F) {
	seeds := fuzzSeeds()
	for i, s := range seeds {
		f.Add(s, seeds[(i+1)%len(seeds)])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		fa, fb := TextFingerprint(a), TextFingerprint(b)
		got := fa.Similarity(fb)
		if got != fb.Similarity(fa) || got < 0 || got > 1 {
			t.Fatalf("Similarity(%q, %q) = %v, reversed %v", a, b, got, fb.Similarity(fa))
		}
		if want := refSimilarity(a, b); got != want {
			t.Fatalf("Similarity(%q, %q) = %v, reference %v", a, b, got, want)
		}
	})
}
