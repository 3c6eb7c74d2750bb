package casework

import (
	"cmp"
	"math"
	"slices"

	"qingfeng/internal/dedup"
)

// This file ranks similar cases (类案): closed cases with the same key
// field, subjects of the same category and rank, and similar facts, so
// that a case's outcomes can be compared with those of earlier cases and
// sanctions stay consistent. The store picks the candidates (closed cases
// in the reader's scope, the same key field first); RankSimilar scores them.

// The reasons a case is similar. The values are part of the API.
const (
	ReasonSameField           = "same_field"            // 同一领域（问题类别）
	ReasonSameSubjectCategory = "same_subject_category" // 同类人员
	ReasonSameRank            = "same_rank"             // 同一职级
	ReasonSimilarFacts        = "similar_facts"         // 事实相似（数值为相似度）
)

// The weights of the similarity score (they sum to 1). The facts weigh
// most: nearly the same facts under another key field rank above the same
// key field with other facts; then the key field, the subjects' category
// and their rank.
const (
	WeightFacts           = 0.50
	WeightField           = 0.30
	WeightSubjectCategory = 0.15
	WeightRank            = 0.05
)

// FactsThreshold is the fact similarity from which the facts are named as a
// reason. A candidate is listed when it shares the key field or its facts
// reach FactsThreshold: the same subject category and rank alone do not
// make a case similar.
const FactsThreshold = 0.2

// Reason is why a case was found similar: a Reason* code and, for
// similar_facts, the fact similarity (0–1).
type Reason struct {
	Code  string
	Value float64
}

// SimilarMatch is a similar case with its score (0–1), its fact similarity
// and the reasons, strongest first.
type SimilarMatch struct {
	Case    Case
	Score   float64
	Facts   float64
	Reasons []Reason
}

// Facts is a case's facts as compared: the cause and the summary with
// every subject's name replaced by 某 (names say nothing about the matter
// and would make the same person's cases look alike), cut into
// character bigrams of the normalised text (dedup.Normalize, dedup.Shingles).
type Facts struct {
	shingles []uint64
}

// FactsOf prepares the facts of a case for comparison.
func FactsOf(c Case) Facts {
	names := make([]string, len(c.Subjects))
	for i, s := range c.Subjects {
		names[i] = s.Name
	}
	an := NewAnonymiser(names)
	someone := func(string) string { return "某" }
	text := an.substitute(c.Cause, someone) + "。" + an.substitute(c.Summary, someone)
	return Facts{shingles: dedup.Shingles(dedup.Normalize(text), dedup.ShingleSize)}
}

// Similarity is the cosine similarity of two bigram sets, |A∩B| / √(|A|·|B|)
// (0 when either is empty). Unlike Jaccard it does not punish a short
// summary compared with a long one for the length difference alone.
func (f Facts) Similarity(g Facts) float64 {
	a, b := f.shingles, g.shingles
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			inter++
			i++
			j++
		}
	}
	return float64(inter) / math.Sqrt(float64(len(a))*float64(len(b)))
}

// Score scores a candidate against a case: WeightField for the same key
// field, WeightSubjectCategory when a subject of each shares a category,
// WeightRank when a subject of each shares a rank, and WeightFacts times
// the fact similarity, with the reasons. facts and cf are FactsOf the two.
func Score(c Case, facts Facts, cand Case, cf Facts) SimilarMatch {
	m := SimilarMatch{Case: cand, Facts: facts.Similarity(cf)}
	if c.Category != "" && c.Category == cand.Category {
		m.Score += WeightField
		m.Reasons = append(m.Reasons, Reason{Code: ReasonSameField})
	}
	shares := func(key func(Subject) string) bool {
		for _, s := range c.Subjects {
			for _, t := range cand.Subjects {
				if key(s) != "" && key(s) == key(t) {
					return true
				}
			}
		}
		return false
	}
	if shares(func(s Subject) string { return s.Category }) {
		m.Score += WeightSubjectCategory
		m.Reasons = append(m.Reasons, Reason{Code: ReasonSameSubjectCategory})
	}
	if shares(func(s Subject) string { return s.Rank }) {
		m.Score += WeightRank
		m.Reasons = append(m.Reasons, Reason{Code: ReasonSameRank})
	}
	m.Score += WeightFacts * m.Facts
	if m.Facts >= FactsThreshold {
		m.Reasons = append(m.Reasons, Reason{Code: ReasonSimilarFacts, Value: math.Round(m.Facts*100) / 100})
	}
	return m
}

// RankSimilar scores the candidates against a case and returns at most
// limit matches that share the key field or have similar facts
// (FactsThreshold), best first (then the most
// recently closed, then the highest id). Only closed cases other than c
// itself are considered, whatever the caller passes.
func RankSimilar(c Case, candidates []Case, limit int) []SimilarMatch {
	facts := FactsOf(c)
	var out []SimilarMatch
	for _, cand := range candidates {
		if cand.ID == c.ID || cand.Status != StatusClosed {
			continue
		}
		if m := Score(c, facts, cand, FactsOf(cand)); m.Facts >= FactsThreshold || (c.Category != "" && c.Category == cand.Category) {
			out = append(out, m)
		}
	}
	slices.SortStableFunc(out, func(a, b SimilarMatch) int {
		if d := cmp.Compare(b.Score, a.Score); d != 0 {
			return d
		}
		if d := b.Case.ClosedAt.Compare(a.Case.ClosedAt); d != 0 {
			return d
		}
		return cmp.Compare(b.Case.ID, a.Case.ID)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}
