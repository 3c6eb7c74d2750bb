package dedup

import (
	"encoding/binary"
	"errors"
	"slices"
)

// Fingerprint is a text's shingle set as the exact check compares it and
// the store keeps it beside the report: each shingle hash of Shingles
// (FNV-1a 64) mixed and cut to its upper 32 bits, sorted, each value once.
//
// Keeping it saves a near-duplicate look-up from reading its candidates'
// texts and normalising and shingling each one again, which was most of a
// look-up's own work (about 15 µs per candidate, 50 candidates a look-up;
// comparing two fingerprints takes about 1 µs).
//
// Similarity is the Jaccard similarity of two fingerprints. It equals
// Jaccard of the 64-bit shingle sets unless two different shingles of the
// pair share their 32 bits, which for two texts of n shingles each happens
// with probability about (2n)²/2³³: 4·10⁻⁵ for two typical reports of 300,
// and then moves the score by about 1/(2n). Every similarity in Qingfeng
// (the look-ups, the links they store, Similar, Index) is this one, so the
// same pair always scores the same.
type Fingerprint []uint32

// FingerprintOf returns the fingerprint of the shingle set sh (as Shingles
// returns it; any order and repeats are accepted). Fingerprints are stored:
// changing this function, mix or Shingles needs a migration that computes
// every stored fingerprint again (TestFingerprintStable pins the values).
func FingerprintOf(sh []uint64) Fingerprint {
	out := make(Fingerprint, len(sh))
	for i, h := range sh {
		out[i] = uint32(mix(h) >> 32)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TextFingerprint returns the fingerprint of a text's ShingleSize shingles
// after Normalize.
func TextFingerprint(text string) Fingerprint {
	return FingerprintOf(Shingles(Normalize(text), ShingleSize))
}

// Similarity returns |f∩g| / |f∪g|; two empty fingerprints have
// similarity 0 (an empty report is never a duplicate).
func (f Fingerprint) Similarity(g Fingerprint) float64 { return jaccard(f, g) }

// AppendBinary appends the stored form of f: each value as 4 bytes,
// little-endian, in order.
func (f Fingerprint) AppendBinary(b []byte) ([]byte, error) {
	b = slices.Grow(b, 4*len(f))
	for _, v := range f {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b, nil
}

// Bytes returns the stored form of f (see AppendBinary), never nil: an
// empty fingerprint is stored as no bytes.
func (f Fingerprint) Bytes() []byte {
	b, _ := f.AppendBinary(make([]byte, 0, 4*len(f)))
	return b
}

// ErrFingerprint is returned by ParseFingerprint for bytes that are not a
// stored fingerprint.
var ErrFingerprint = errors.New("dedup: malformed fingerprint")

// ParseFingerprint reads a fingerprint's stored form. Bytes whose length is
// not a multiple of 4, or whose values are not strictly ascending, are
// ErrFingerprint: a damaged row is never silently scored.
func ParseFingerprint(b []byte) (Fingerprint, error) {
	if len(b)%4 != 0 {
		return nil, ErrFingerprint
	}
	out := make(Fingerprint, len(b)/4)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(b[4*i:])
		if i > 0 && out[i] <= out[i-1] {
			return nil, ErrFingerprint
		}
	}
	return out, nil
}
