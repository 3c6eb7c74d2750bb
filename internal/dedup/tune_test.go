package dedup

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestTuneReport prints the measurements behind the parameter choices (on
// the tuning two thirds of pairs.csv). It is slow-ish and prints a lot, so
// it runs only with QINGFENG_DEDUP_TUNE=1.
func TestTuneReport(t *testing.T) {
	if os.Getenv("QINGFENG_DEDUP_TUNE") == "" {
		t.Skip("set QINGFENG_DEDUP_TUNE=1 to print the tuning tables")
	}
	ps := loadPairs(t)
	thresholds := []float64{0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55}
	row := func(name string, sp []scoredPair) {
		var b strings.Builder
		fmt.Fprintf(&b, "%-34s", name)
		for _, th := range thresholds {
			c := evaluate(sp, th, tune)
			fmt.Fprintf(&b, " %.2f:P%.3f/R%.3f", th, c.precision(), c.recall())
		}
		t.Log(b.String())
	}
	t.Log("exact Jaccard (no LSH), by shingle size and normalisation rules:")
	for _, k := range []int{1, 2, 3, 4} {
		for _, rules := range [][2]bool{{true, true}, {false, true}, {true, false}, {false, false}} {
			m := method{k: k, boilerplate: rules[0], numerals: rules[1]}
			row(fmt.Sprintf("k=%d boilerplate=%v numerals=%v", k, rules[0], rules[1]), score(ps, m))
		}
	}
	t.Log("fine threshold scan, default method (with LSH):")
	{
		sp := score(ps, defaultMethod())
		for th := 0.30; th < 0.505; th += 0.02 {
			t.Logf("  threshold %.2f: tune %v | held-out %v", th, evaluate(sp, th, tune), evaluate(sp, th, report))
		}
	}
	t.Log("with LSH (k=ShingleSize, all rules):")
	for _, br := range [][2]int{{32, 4}, {48, 3}, {64, 2}, {42, 3}, {36, 4}, {40, 3}, {24, 5}} {
		m := defaultMethod()
		m.bands, m.rows = br[0], br[1]
		sp := score(ps, m)
		row(fmt.Sprintf("bands=%d rows=%d (%d hashes)", br[0], br[1], br[0]*br[1]), sp)
		cand, neg := 0, 0
		for _, p := range sp {
			if !p.dup {
				neg++
				if p.candidate {
					cand++
				}
			}
		}
		t.Logf("%34s negative pairs that are LSH candidates: %d of %d", "", cand, neg)
	}
	// Similarity distribution per kind (tuning part), with all rules and
	// with rule 2 or rule 4 switched off.
	configs := []struct {
		name string
		m    method
	}{
		{"all rules", method{k: ShingleSize, boilerplate: true, numerals: true}},
		{"no boilerplate rule", method{k: ShingleSize, numerals: true}},
		{"no numeral rule", method{k: ShingleSize, boilerplate: true}},
		{"trigrams, all rules", method{k: 3, boilerplate: true, numerals: true}},
	}
	t.Log("similarity by kind (tuning part): n, then min / 10th pct / median / 90th pct / max per configuration")
	dist := map[string][]string{}
	var names []string
	for _, c := range configs {
		kinds := map[string][]float64{}
		for _, p := range score(ps, c.m) {
			if tune(p.labelledPair) {
				kinds[p.kind] = append(kinds[p.kind], p.sim)
			}
		}
		if names == nil {
			for k := range kinds {
				names = append(names, k)
			}
			slices.Sort(names)
		}
		for _, k := range names {
			v := kinds[k]
			slices.Sort(v)
			q := func(f float64) float64 { return v[int(f*float64(len(v)-1))] }
			dist[k] = append(dist[k], fmt.Sprintf("%.2f/%.2f/%.2f/%.2f/%.2f", v[0], q(0.1), q(0.5), q(0.9), v[len(v)-1]))
		}
	}
	var head strings.Builder
	for _, c := range configs {
		fmt.Fprintf(&head, " | %-24s", c.name)
	}
	t.Logf("  %-22s %4s%s", "kind", "n", head.String())
	counts := map[string]int{}
	for _, p := range ps {
		if tune(p) {
			counts[p.kind]++
		}
	}
	for _, k := range names {
		var b strings.Builder
		for _, d := range dist[k] {
			fmt.Fprintf(&b, " | %-24s", d)
		}
		t.Logf("  %-22s %4d%s", k, counts[k], b.String())
	}

	// MinHash estimate against exact Jaccard.
	var sumErr, maxErr float64
	n := 0
	for _, p := range ps {
		a := Shingles(Normalize(p.aText), ShingleSize)
		b := Shingles(Normalize(p.bText), ShingleSize)
		sa, sb := Sign(a), Sign(b)
		eq := 0
		for i := range sa {
			if sa[i] == sb[i] {
				eq++
			}
		}
		e := math.Abs(float64(eq)/float64(NumHashes) - Jaccard(a, b))
		sumErr += e
		maxErr = max(maxErr, e)
		n++
	}
	t.Logf("MinHash (%d values) estimate vs exact Jaccard over %d pairs: mean abs error %.3f, max %.3f", NumHashes, n, sumErr/float64(n), maxErr)
}

// TestRuleCoverage prints how often each normalisation rule fires on the
// distinct real messages of pairs.csv (the evidence quoted in Normalize's
// documentation). It runs with QINGFENG_DEDUP_TUNE=1.
func TestRuleCoverage(t *testing.T) {
	if os.Getenv("QINGFENG_DEDUP_TUNE") == "" {
		t.Skip("set QINGFENG_DEDUP_TUNE=1 to print rule coverage")
	}
	texts := realTexts(t)
	var width, upper, lead, trail, numer, zw int
	for _, s := range texts {
		if strings.ContainsFunc(s, func(r rune) bool {
			return r >= 0xFF01 && r <= 0xFF5E && !strings.ContainsRune("，！？：；（）．～", r)
		}) {
			width++
		}
		if strings.ContainsFunc(s, func(r rune) bool { return r >= 'A' && r <= 'Z' }) {
			upper++
		}
		if strings.ContainsAny(s, "\u200b\u200c\u200d\ufeff") {
			zw++
		}
		plain, _ := normalizeRules(s, false, false)
		stripped, _ := normalizeRules(s, true, false)
		p, q := string(plain), string(stripped)
		if q != p {
			if !strings.HasPrefix(p, q) {
				lead++
			}
			if !strings.HasSuffix(p, q) {
				trail++
			}
		}
		withNum, _ := normalizeRules(s, true, true)
		if string(withNum) != q {
			numer++
		}
	}
	t.Logf("%d distinct real messages in pairs.csv", len(texts))
	t.Logf("full-width letters or digits: %d; ASCII upper case: %d; zero-width characters: %d", width, upper, zw)
	t.Logf("leading boilerplate stripped: %d; trailing boilerplate stripped: %d", lead, trail)
	t.Logf("Chinese numerals rewritten: %d", numer)
}
