package dedup

import (
	"cmp"
	"slices"
)

// Span is a range of rune offsets in an original text (as in []rune(text)),
// End exclusive.
type Span struct{ Start, End int }

// Highlight returns, for display, where a and b share text: the maximal
// common substrings of at least minRunes runes, found on the normalised
// texts (so punctuation, spacing, width and numeral style do not break a
// match, and greetings and closings do not count) and mapped back to rune
// ranges of the original texts. Each side's spans are sorted and merged, so
// they do not overlap; a span may include punctuation that lies inside a
// match. minRunes < 1 is treated as 1. The cost is proportional to the
// number of shared minRunes-grams, at worst len(a)*len(b).
func Highlight(a, b string, minRunes int) (inA, inB []Span) {
	if minRunes < 1 {
		minRunes = 1
	}
	na, sa := normalizeMapped(a)
	nb, sb := normalizeMapped(b)
	if len(na) < minRunes || len(nb) < minRunes {
		return nil, nil
	}
	// Positions in b of each minRunes-gram.
	grams := make(map[string][]int32, len(nb))
	for j := 0; j+minRunes <= len(nb); j++ {
		g := string(nb[j : j+minRunes])
		grams[g] = append(grams[g], int32(j))
	}
	var ra, rb []span // matches in normalised rune offsets
	for i := 0; i+minRunes <= len(na); i++ {
		for _, j32 := range grams[string(na[i:i+minRunes])] {
			j := int(j32)
			if i > 0 && j > 0 && na[i-1] == nb[j-1] {
				continue // not left-maximal: found from an earlier start
			}
			n := minRunes
			for i+n < len(na) && j+n < len(nb) && na[i+n] == nb[j+n] {
				n++
			}
			ra = append(ra, span{int32(i), int32(i + n)})
			rb = append(rb, span{int32(j), int32(j + n)})
		}
	}
	return toOriginal(ra, sa), toOriginal(rb, sb)
}

// toOriginal maps normalised ranges to merged original rune ranges.
func toOriginal(rs []span, src []span) []Span {
	if len(rs) == 0 {
		return nil
	}
	out := make([]Span, 0, len(rs))
	for _, r := range rs {
		out = append(out, Span{Start: int(src[r.start].start), End: int(src[r.end-1].end)})
	}
	slices.SortFunc(out, func(x, y Span) int {
		if c := cmp.Compare(x.Start, y.Start); c != 0 {
			return c
		}
		return cmp.Compare(x.End, y.End)
	})
	merged := out[:1]
	for _, s := range out[1:] {
		last := &merged[len(merged)-1]
		if s.Start <= last.End {
			last.End = max(last.End, s.End)
			continue
		}
		merged = append(merged, s)
	}
	return merged
}
