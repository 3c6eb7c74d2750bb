package dedup

import (
	"encoding/binary"
	"math"
	"slices"
)

// ShingleSize is the shingle length in runes used by Similar, Index and the
// store: character bigrams. On the tuning part of testdata/pairs.csv bigrams
// and trigrams score alike at threshold 0.4 (precision 0.996 / recall 0.935
// against 1.000 / 0.927); bigrams keep typo'd and short re-submissions
// closer to their originals (homophone variants: median 0.84 against 0.78;
// one typo costs two shingles, not three), which matters for short hotline
// reports, and most Chinese words are two characters long.
const ShingleSize = 2

// MinHash and LSH parameters. A pair with Jaccard similarity s shares at
// least one band with probability 1-(1-s^Rows)^Bands; with 48 bands of 3
// rows that is 0.88 at s=0.35, 0.96 at s=0.4, 0.99 at s=0.45 and 0.05 at
// s=0.1, so almost every pair at or above DefaultThreshold becomes a
// candidate while unrelated reports rarely do. On the tuning part of the
// labelled set 48×3 loses no pair that exact Jaccard finds (recall 0.935 at
// DefaultThreshold), where 32×4 (128 hashes) loses three (0.923); 64×2
// finds the same pairs but makes four times as many candidates among the
// negative pairs (113 of 688 against 27), each costing the store a fetch
// and an exact check. The store keeps Bands rows per report. Changing any
// of these invalidates stored band hashes.
const (
	NumHashes = 144 // MinHash values per signature
	Bands     = 48  // LSH bands (rows in the band table per report)
	Rows      = 3   // signature values per band; Bands*Rows == NumHashes
)

// DefaultThreshold is the exact similarity (Fingerprint.Similarity: the
// Jaccard similarity of the ShingleSize shingle sets of the normalised
// texts, as fingerprints) at or above which two reports are duplicates.
// Chosen on the tuning two thirds of testdata/pairs.csv: from 0.32 to 0.40
// precision stays at 0.99 while recall falls from 0.96 to 0.94; 0.4 keeps a
// margin both ways: a report cut to its first half still scores 0.47–0.59
// against the whole, while reports that share only a place, a topic or a
// letter template stay below 0.3, except copied complaint letters (up to
// 0.42), which are genuinely borderline.
const DefaultThreshold = 0.4

// Signature is a MinHash signature: NumHashes minimum hash values.
type Signature []uint32

// Shingles returns the sorted, deduplicated FNV-1a 64 hashes of the
// k-rune substrings of norm (normally the output of Normalize). A text
// shorter than k runes gives one shingle of the whole text; an empty text
// gives none. k < 1 is treated as 1.
func Shingles(norm string, k int) []uint64 {
	if norm == "" {
		return nil
	}
	if k < 1 {
		k = 1
	}
	// Byte offsets of each rune start, plus the end.
	offs := make([]int, 0, len(norm)+1)
	for i := range norm {
		offs = append(offs, i)
	}
	offs = append(offs, len(norm))
	out := make([]uint64, 0, len(offs))
	eachShingle(norm, offs, k, func(h uint64) { out = append(out, h) })
	slices.Sort(out)
	return slices.Compact(out)
}

// eachShingle calls f with the hash of every k-rune substring of the
// normalised text s, whose runes start at the byte offsets offs (followed
// by len(s)), or once with the hash of the whole of s when it is shorter
// than k runes (k >= 1).
func eachShingle(s string, offs []int, k int, f func(uint64)) {
	n := len(offs) - 1
	if n < k {
		f(fnv1a(s))
		return
	}
	for i := 0; i+k <= n; i++ {
		f(fnv1a(s[offs[i]:offs[i+k]]))
	}
}

// fnv1a is the 64-bit FNV-1a hash of s.
func fnv1a(s string) uint64 {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	h := uint64(offset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime
	}
	return h
}

// splitmix64 advances a SplitMix64 state and returns the next value; it
// derives the fixed MinHash seeds from a constant.
func splitmix64(state *uint64) uint64 {
	*state += 0x9E3779B97F4A7C15
	z := *state
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// minhashSeedBase is the constant the MinHash seeds are derived from.
// Changing it (or NumHashes) invalidates every stored band hash.
const minhashSeedBase = 0x7172_6E67_6665_6E67 // "qrngfeng"

// seeds returns the multiply-add coefficients of the n hash functions
// h_i(x) = (a_i*x + b_i) >> 32, a_i odd.
func seeds(n int) (a, b []uint64) {
	a, b = make([]uint64, n), make([]uint64, n)
	st := uint64(minhashSeedBase)
	for i := range n {
		a[i] = splitmix64(&st) | 1
		b[i] = splitmix64(&st)
	}
	return a, b
}

// Sign returns the MinHash signature of a shingle set: for each of the
// NumHashes hash functions h_i(x) = (a_i·x + b_i) >> 32 (multiply-add-shift
// on the 64-bit shingle hash, a_i odd), the minimum over the set. The
// coefficients are fixed (derived from a constant), so signatures are
// comparable across processes and releases. An empty set gives a signature
// of all math.MaxUint32.
func Sign(sh []uint64) Signature {
	var a, b [NumHashes]uint64
	st := uint64(minhashSeedBase)
	for i := range NumHashes {
		a[i] = splitmix64(&st) | 1
		b[i] = splitmix64(&st)
	}
	sig := make(Signature, NumHashes)
	for i := range sig {
		ai, bi, m := a[i], b[i], uint32(math.MaxUint32)
		for _, x := range sh {
			if v := uint32((ai*x + bi) >> 32); v < m {
				m = v
			}
		}
		sig[i] = m
	}
	return sig
}

// signN computes an n-value MinHash signature with the same hash functions
// as Sign (its first NumHashes values equal Sign's); tests use it to compare
// LSH shapes.
func signN(sh []uint64, n int) Signature {
	a, b := seeds(n)
	sig := make(Signature, n)
	for i := range sig {
		sig[i] = math.MaxUint32
	}
	for _, x := range sh {
		for i := range sig {
			if v := uint32((a[i]*x + b[i]) >> 32); v < sig[i] {
				sig[i] = v
			}
		}
	}
	return sig
}

// BandHashes folds a signature into Bands hashes of Rows consecutive values
// each; index i of the result is band i. The hash covers the band index too,
// and is returned as int64 so that it fits a BIGINT column. sig must have
// NumHashes values.
func BandHashes(sig Signature) []int64 {
	return bandHashesN(sig, Bands, Rows)
}

// bandHashesN folds sig into bands hashes of rows values each.
func bandHashesN(sig Signature, bands, rows int) []int64 {
	out := make([]int64, bands)
	var buf [4]byte
	for band := range bands {
		const (
			offset = 14695981039346656037
			prime  = 1099511628211
		)
		h := uint64(offset)
		h = (h ^ uint64(band&0xff)) * prime
		h = (h ^ uint64(band>>8)) * prime
		for _, v := range sig[band*rows : band*rows+rows] {
			binary.LittleEndian.PutUint32(buf[:], v)
			for _, c := range buf {
				h = (h ^ uint64(c)) * prime
			}
		}
		out[band] = int64(h)
	}
	return out
}

// Jaccard returns |a∩b| / |a∪b| for two sorted, deduplicated shingle sets
// (as returned by Shingles). Two empty sets have similarity 0: an empty
// report is never a duplicate.
func Jaccard(a, b []uint64) float64 { return jaccard(a, b) }

// jaccard is |a∩b| / |a∪b| for two sorted sets without repeats, 0 for two
// empty ones: Jaccard of shingle sets, Fingerprint.Similarity.
func jaccard[T uint32 | uint64](a, b []T) float64 {
	if len(a) == 0 && len(b) == 0 {
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
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// Similar returns the similarity of two texts as every near-duplicate
// check computes it: the Similarity of their fingerprints (TextFingerprint).
func Similar(aText, bText string) float64 {
	return TextFingerprint(aText).Similarity(TextFingerprint(bText))
}

// mix spreads a 64-bit hash's bits (the finaliser of MurmurHash3):
// FingerprintOf keeps its upper half.
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}
