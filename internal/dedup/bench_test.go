package dedup

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// realTexts returns the distinct real message texts of pairs.csv (the a
// side of every pair is a real message, as is the b side of real pairs).
func realTexts(b testing.TB) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range loadPairs(b) {
		for _, t := range []struct{ id, text string }{{p.aID, p.aText}, {p.bID, p.bText}} {
			if !strings.Contains(t.id, "~") && !seen[t.id] {
				seen[t.id] = true
				out = append(out, t.text)
			}
		}
	}
	return out
}

// typicalText returns a real message of about 200 runes.
func typicalText(b testing.TB) string {
	for _, t := range realTexts(b) {
		if n := utf8.RuneCountInString(t); n >= 195 && n <= 205 {
			return t
		}
	}
	b.Fatal("no 200-rune text")
	return ""
}

// derivedCorpus returns n texts derived from the real messages by an
// order-2 character Markov chain trained on them: each text starts like a
// real message, has the length of a random real message and, rune by rune,
// continues with a rune that followed the previous two runes somewhere in
// the real texts. The corpus has the vocabulary, bigram statistics, lengths
// and boilerplate of real reports, but (unlike copies or recombined
// sentences) not their long shared passages, so it is not full of
// accidental duplicates.
func derivedCorpus(b testing.TB, n int) []string {
	texts := realTexts(b)
	next := map[[2]rune][]rune{}
	var starts [][2]rune
	var lengths []int
	for _, t := range texts {
		rs := []rune(t)
		if len(rs) < 3 {
			continue
		}
		starts = append(starts, [2]rune{rs[0], rs[1]})
		lengths = append(lengths, len(rs))
		for i := 2; i < len(rs); i++ {
			k := [2]rune{rs[i-2], rs[i-1]}
			next[k] = append(next[k], rs[i])
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]string, n)
	buf := make([]rune, 0, 1024)
	for i := range out {
		st := starts[r.IntN(len(starts))]
		buf = append(buf[:0], st[0], st[1])
		want := min(lengths[r.IntN(len(lengths))], 1000)
		for len(buf) < want {
			succ := next[[2]rune{buf[len(buf)-2], buf[len(buf)-1]}]
			if len(succ) == 0 {
				st := starts[r.IntN(len(starts))]
				buf = append(buf, st[0], st[1])
				continue
			}
			buf = append(buf, succ[r.IntN(len(succ))])
		}
		out[i] = string(buf)
	}
	return out
}

func BenchmarkNormalize(b *testing.B) {
	text := typicalText(b)
	for b.Loop() {
		Normalize(text)
	}
}

func BenchmarkShingles(b *testing.B) {
	norm := Normalize(typicalText(b))
	for b.Loop() {
		Shingles(norm, ShingleSize)
	}
}

// BenchmarkSign signs a typical (200-rune) report.
func BenchmarkSign(b *testing.B) {
	sh := Shingles(Normalize(typicalText(b)), ShingleSize)
	for b.Loop() {
		Sign(sh)
	}
	b.ReportMetric(float64(len(sh)), "shingles")
}

// BenchmarkSignText is everything the store computes for a new report:
// Normalize, Shingles, Sign and BandHashes.
func BenchmarkSignText(b *testing.B) {
	text := typicalText(b)
	for b.Loop() {
		BandHashes(Sign(Shingles(Normalize(text), ShingleSize)))
	}
}

func BenchmarkHighlight(b *testing.B) {
	texts := realTexts(b)
	a := typicalText(b)
	other := texts[len(texts)/2]
	for b.Loop() {
		Highlight(a, other+a[:len(a)/2], 8)
	}
}

// BenchmarkIndexQuery runs Index.Query (LSH candidate lookup plus exact
// Jaccard) on an index of 100,000 texts derived from the real messages,
// querying with the real messages. Each query also has one planted
// re-submission in the index ("…再次反映，至今没有处理。"), as a store would;
// planted-found reports the share of queries that find it.
func BenchmarkIndexQuery(b *testing.B) {
	const size = 100_000
	corpus := derivedCorpus(b, size)
	queries := realTexts(b)
	var x Index
	for i, t := range corpus {
		x.Add(int64(i), t)
	}
	for i, q := range queries {
		x.Add(int64(size+i), q+"再次反映，至今没有处理。")
	}
	x.Candidates(queries[0]) // sort the band tables before timing
	var candidates, matches, found, n int
	for b.Loop() {
		q := queries[n%len(queries)]
		ms := x.Query(q, DefaultThreshold)
		matches += len(ms)
		if slices.ContainsFunc(ms, func(m Match) bool { return m.ID == int64(size+n%len(queries)) }) {
			found++
		}
		n++
	}
	for _, q := range queries {
		candidates += len(x.Candidates(q))
	}
	b.ReportMetric(float64(candidates)/float64(len(queries)), "candidates/query")
	b.ReportMetric(float64(matches)/float64(n), "matches/query")
	b.ReportMetric(float64(found)/float64(n), "planted-found")
}

// BenchmarkScoresReal scores a typical report against 50 real messages
// (lengths as they come), as a near-duplicate look-up scores its
// candidates: "fingerprints" compares stored fingerprints, as the store's
// look-ups now do; "texts" normalises and shingles each candidate's text
// first, as they did before fingerprints were stored (the baseline).
func BenchmarkScoresReal(b *testing.B) {
	texts := realTexts(b)[:50]
	q := TextFingerprint(typicalText(b))
	b.Run("fingerprints", func(b *testing.B) {
		stored := make([][]byte, len(texts))
		for i, x := range texts {
			stored[i] = TextFingerprint(x).Bytes()
		}
		for b.Loop() {
			for _, raw := range stored {
				fp, err := ParseFingerprint(raw)
				if err != nil {
					b.Fatal(err)
				}
				q.Similarity(fp)
			}
		}
	})
	b.Run("texts", func(b *testing.B) {
		for b.Loop() {
			for _, x := range texts {
				q.Similarity(TextFingerprint(x))
			}
		}
	})
}
