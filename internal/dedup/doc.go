// Package dedup finds near-duplicate citizen reports: a report that repeats an
// earlier one, re-submitted through another channel, re-worded a little, cut
// short, or prefixed with "再次反映".
//
// The pipeline is the one recommended in docs/ecosystem.md §A3:
//
//  1. Normalize folds width and case, strips greetings and closings that
//     every letter carries, drops punctuation and whitespace and writes
//     Chinese numerals as Arabic digits.
//  2. Shingles cuts the normalised text into overlapping ShingleSize-rune
//     pieces and hashes each piece (FNV-1a 64).
//  3. Sign computes a MinHash Signature of NumHashes values; BandHashes folds
//     it into Bands band hashes of Rows values each (locality-sensitive
//     hashing). Two texts whose Jaccard similarity is s share at least one
//     band with probability 1-(1-s^Rows)^Bands.
//  4. Candidates that share a band are confirmed with the exact Jaccard
//     similarity of their shingle sets against DefaultThreshold, compared as
//     Fingerprints (each shingle hash cut to 32 bits), which the store keeps
//     beside each report's bands so that candidates' texts are not
//     normalised again.
//
// The store keeps the band hashes in a table (band SMALLINT, hash BIGINT,
// report_id) indexed on (band, hash), so candidate lookup is one portable SQL
// query; Index is the in-memory equivalent used by tests and benchmarks.
// Highlight tells the UI which stretches of the two original texts are shared.
//
// The package is pure: no I/O, no package-level mutable state, no randomness.
// The parameters were chosen on a labelled set of real message pairs; see
// testdata/README.md for how it was built and what was measured.
package dedup
