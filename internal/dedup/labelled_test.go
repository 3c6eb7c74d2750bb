package dedup

import (
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// labelledPair is one row of testdata/pairs.csv.
type labelledPair struct {
	aID, bID, aText, bText, kind string
	dup                          bool
}

// heldOut reports whether a pair belongs to the held-out third: pairs are
// grouped by the smaller source message id (ids without their "~variant"
// suffix), and a group is held out when FNV-1a 32 of its id is 0 mod 3.
func (p labelledPair) heldOut() bool {
	src := func(id string) int {
		n, _ := strconv.Atoi(strings.SplitN(id, "~", 2)[0])
		return n
	}
	h := fnv.New32a()
	fmt.Fprint(h, min(src(p.aID), src(p.bID)))
	return h.Sum32()%3 == 0
}

// loadPairs reads testdata/pairs.csv.
func loadPairs(t testing.TB) []labelledPair {
	t.Helper()
	f, err := os.Open("testdata/pairs.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a_id", "b_id", "a_text", "b_text", "label", "kind"}; !slices.Equal(recs[0], want) {
		t.Fatalf("pairs.csv header %v, want %v", recs[0], want)
	}
	var out []labelledPair
	for _, r := range recs[1:] {
		out = append(out, labelledPair{aID: r[0], bID: r[1], aText: r[2], bText: r[3], dup: r[4] == "1", kind: r[5]})
	}
	return out
}

// method is one configuration of the detector.
type method struct {
	k           int     // shingle size
	threshold   float64 // Jaccard threshold
	bands, rows int     // LSH; 0 bands means exact Jaccard only
	boilerplate bool    // normalisation rule 2
	numerals    bool    // normalisation rule 4
}

// defaultMethod is the configuration the package exports.
func defaultMethod() method {
	return method{k: ShingleSize, threshold: DefaultThreshold, bands: Bands, rows: Rows, boilerplate: true, numerals: true}
}

// scoredPair is a pair with its exact similarity and LSH outcome under a
// method (threshold aside).
type scoredPair struct {
	labelledPair
	sim       float64
	candidate bool
}

// score computes similarity and candidacy of every pair.
func score(ps []labelledPair, m method) []scoredPair {
	shingles := func(s string) []uint64 {
		rs, _ := normalizeRules(s, m.boilerplate, m.numerals)
		return Shingles(string(rs), m.k)
	}
	out := make([]scoredPair, len(ps))
	for i, p := range ps {
		a, b := shingles(p.aText), shingles(p.bText)
		out[i] = scoredPair{labelledPair: p, sim: Jaccard(a, b), candidate: true}
		if m.bands > 0 {
			ba := bandHashesN(signN(a, m.bands*m.rows), m.bands, m.rows)
			bb := bandHashesN(signN(b, m.bands*m.rows), m.bands, m.rows)
			out[i].candidate = len(a) > 0 && len(b) > 0 && slices.ContainsFunc(ba, func(h int64) bool {
				return bb[slices.Index(ba, h)] == h
			})
		}
	}
	return out
}

// confusion counts outcomes.
type confusion struct{ tp, fp, fn, tn int }

func (c confusion) precision() float64 {
	if c.tp+c.fp == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fp)
}

func (c confusion) recall() float64 {
	if c.tp+c.fn == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fn)
}

func (c confusion) String() string {
	return fmt.Sprintf("precision %.3f recall %.3f (tp %d fp %d fn %d tn %d)", c.precision(), c.recall(), c.tp, c.fp, c.fn, c.tn)
}

// evaluate counts outcomes of the pairs keep selects at a threshold.
func evaluate(sp []scoredPair, threshold float64, keep func(labelledPair) bool) confusion {
	var c confusion
	for _, p := range sp {
		if !keep(p.labelledPair) {
			continue
		}
		pred := p.candidate && p.sim >= threshold
		switch {
		case pred && p.dup:
			c.tp++
		case pred:
			c.fp++
		case p.dup:
			c.fn++
		default:
			c.tn++
		}
	}
	return c
}

func tune(p labelledPair) bool   { return !p.heldOut() }
func report(p labelledPair) bool { return p.heldOut() }

// isDuplicate is the detector under test, exactly as the store runs it:
// share an LSH band, then an exact similarity (of their fingerprints) at
// least DefaultThreshold.
func isDuplicate(a, b string) bool {
	sa := Shingles(Normalize(a), ShingleSize)
	sb := Shingles(Normalize(b), ShingleSize)
	if len(sa) == 0 || len(sb) == 0 {
		return false
	}
	ba, bb := BandHashes(Sign(sa)), BandHashes(Sign(sb))
	shared := false
	for i := range ba {
		if ba[i] == bb[i] {
			shared = true
			break
		}
	}
	return shared && FingerprintOf(sa).Similarity(FingerprintOf(sb)) >= DefaultThreshold
}

// TestLabelledSet measures precision and recall of the detector on
// testdata/pairs.csv and fails below precision 0.9 or recall 0.8, on the
// whole set and on the held-out third.
func TestLabelledSet(t *testing.T) {
	ps := loadPairs(t)
	if n := len(ps); n < 900 {
		t.Fatalf("pairs.csv has %d pairs, want at least 900", n)
	}
	var whole, tuned, held confusion
	perKind := map[string]*confusion{}
	var kinds []string
	for _, p := range ps {
		pred := isDuplicate(p.aText, p.bText)
		add := func(c *confusion) {
			switch {
			case pred && p.dup:
				c.tp++
			case pred:
				c.fp++
			case p.dup:
				c.fn++
			default:
				c.tn++
			}
		}
		add(&whole)
		if p.heldOut() {
			add(&held)
		} else {
			add(&tuned)
		}
		if perKind[p.kind] == nil {
			perKind[p.kind] = &confusion{}
			kinds = append(kinds, p.kind)
		}
		add(perKind[p.kind])
		if pred != p.dup {
			t.Logf("miss: %s %s %s label=%v similarity=%.3f", p.kind, p.aID, p.bID, p.dup, Similar(p.aText, p.bText))
		}
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		c := perKind[k]
		t.Logf("  %-22s %3d pairs, %3d flagged", k, c.tp+c.fp+c.fn+c.tn, c.tp+c.fp)
	}
	pos := whole.tp + whole.fn
	t.Logf("pairs: %d positive, %d negative", pos, whole.fp+whole.tn)
	t.Logf("all:       %v", whole)
	t.Logf("tuning:    %v", tuned)
	t.Logf("held-out:  %v", held)
	if pos < 300 || whole.fp+whole.tn < 600 {
		t.Errorf("need at least 300 positive and 600 negative pairs")
	}
	for name, c := range map[string]confusion{"all": whole, "held-out": held} {
		if c.precision() < 0.9 || c.recall() < 0.8 {
			t.Errorf("%s: %v, want precision >= 0.9 and recall >= 0.8", name, c)
		}
	}
}
