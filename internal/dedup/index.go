package dedup

import (
	"cmp"
	"math"
	"slices"
	"sync"
)

// Match is one result of Index.Query.
type Match struct {
	ID    int64   // the report id given to Add
	Score float64 // exact similarity with the query text (Fingerprint.Similarity)
}

// posting is one row of a band's table: (hash, report id); the band is the
// index of the table.
type posting struct {
	hash int64
	id   int64
}

// comparePosting orders postings by (hash, id), like the store's index on
// (band, hash) within one band.
func comparePosting(x, y posting) int {
	if c := cmp.Compare(x.hash, y.hash); c != 0 {
		return c
	}
	return cmp.Compare(x.id, y.id)
}

// Index is an in-memory near-duplicate index: the band table the store keeps
// in SQL, plus each report's shingle set for the exact check. It mirrors
// what the store does: Candidates is
//
//	SELECT DISTINCT report_id FROM dup_band
//	WHERE (band = 0 AND hash = $1) OR (band = 1 AND hash = $2) OR …
//
// with one term per band, and Query confirms the candidates with their
// fingerprints' Similarity, as the store does. Added rows are sorted in on the next lookup, so the first lookup
// after many Adds pays for the sort. The zero value is ready to use and it
// is safe for concurrent use.
type Index struct {
	mu      sync.Mutex
	sorted  [Bands][]posting // per band, sorted by comparePosting
	pending [Bands][]posting // added since the last lookup, unsorted
	docs    map[int64]indexDoc
}

// indexDoc is what Index keeps of a text: its shingles (to remove its
// postings when it is replaced) and its fingerprint.
type indexDoc struct {
	sh []uint64
	fp Fingerprint
}

// Len returns the number of reports in the index.
func (x *Index) Len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.docs)
}

// Add indexes a report text under id. Adding an id again replaces the
// earlier text. A text that normalises to nothing is stored but never
// matches.
func (x *Index) Add(id int64, text string) {
	sh := Shingles(Normalize(text), ShingleSize)
	var bands []int64
	if len(sh) > 0 {
		bands = BandHashes(Sign(sh))
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.docs == nil {
		x.docs = make(map[int64]indexDoc)
	}
	if old, ok := x.docs[id]; ok {
		x.removeLocked(id, old.sh)
	}
	x.docs[id] = indexDoc{sh: sh, fp: FingerprintOf(sh)}
	for band, h := range bands {
		x.pending[band] = append(x.pending[band], posting{hash: h, id: id})
	}
}

// removeLocked drops the postings of id (whose shingles were old).
func (x *Index) removeLocked(id int64, old []uint64) {
	if len(old) == 0 {
		return
	}
	for band, h := range BandHashes(Sign(old)) {
		x.pending[band] = slices.DeleteFunc(x.pending[band], func(p posting) bool { return p.id == id })
		p := posting{hash: h, id: id}
		if i, ok := slices.BinarySearchFunc(x.sorted[band], p, comparePosting); ok {
			x.sorted[band] = slices.Delete(x.sorted[band], i, i+1)
		}
	}
}

// flushLocked merges pending postings into the sorted tables.
func (x *Index) flushLocked() {
	for band := range x.pending {
		pend := x.pending[band]
		if len(pend) == 0 {
			continue
		}
		slices.SortFunc(pend, comparePosting)
		old := x.sorted[band]
		if len(old) == 0 {
			x.sorted[band], x.pending[band] = pend, nil
			continue
		}
		merged := make([]posting, 0, len(old)+len(pend))
		i, j := 0, 0
		for i < len(old) && j < len(pend) {
			if comparePosting(old[i], pend[j]) <= 0 {
				merged = append(merged, old[i])
				i++
			} else {
				merged = append(merged, pend[j])
				j++
			}
		}
		merged = append(merged, old[i:]...)
		merged = append(merged, pend[j:]...)
		x.sorted[band], x.pending[band] = merged, nil
	}
}

// candidatesLocked returns the sorted distinct ids sharing a band with bands.
func (x *Index) candidatesLocked(bands []int64) []int64 {
	x.flushLocked()
	var ids []int64
	for band, h := range bands {
		tbl := x.sorted[band]
		i, _ := slices.BinarySearchFunc(tbl, posting{hash: h, id: math.MinInt64}, comparePosting)
		for ; i < len(tbl) && tbl[i].hash == h; i++ {
			ids = append(ids, tbl[i].id)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Candidates returns, sorted, the ids of indexed reports that share at least
// one LSH band with text. They still need the exact check (Query does it).
func (x *Index) Candidates(text string) []int64 {
	sh := Shingles(Normalize(text), ShingleSize)
	if len(sh) == 0 {
		return nil
	}
	bands := BandHashes(Sign(sh))
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.candidatesLocked(bands)
}

// Query returns the candidates whose exact similarity with text is at
// least threshold, best first (ties by id).
func (x *Index) Query(text string, threshold float64) []Match {
	sh := Shingles(Normalize(text), ShingleSize)
	if len(sh) == 0 {
		return nil
	}
	bands, fp := BandHashes(Sign(sh)), FingerprintOf(sh)
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []Match
	for _, id := range x.candidatesLocked(bands) {
		if s := fp.Similarity(x.docs[id].fp); s >= threshold {
			out = append(out, Match{ID: id, Score: s})
		}
	}
	slices.SortFunc(out, func(a, b Match) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}
