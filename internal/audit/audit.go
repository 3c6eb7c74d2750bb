// Package audit implements an append-only audit log whose records are chained
// with SM3: every record carries the hash of its predecessor, so removing,
// reordering or editing any record breaks the chain at that point.
//
// The package is pure: it builds and verifies records, and the store that
// persists them (together with a head row holding the last Seq and Hash)
// lives elsewhere.
package audit

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// Genesis is the PrevHash of the first record (Seq 1) and the head hash of an
// empty log.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// hashDomain separates audit hashes from any other SM3 use and versions the
// encoding in ComputeHash.
const hashDomain = "qingfeng.audit.v1"

// Actor is who performs a write; UserID 0 means the system (CLI, migrations,
// demo). Services that write audit records copy it into Record.ActorUserID,
// Record.ActorName and Record.UnitID.
type Actor struct {
	UserID int64
	Name   string
	UnitID int64
}

// Record is one audit entry. Callers fill in the descriptive fields and pass
// the record to Chain, which sets Seq, At, PrevHash and Hash.
type Record struct {
	Seq          int64     // 1,2,3,... contiguous
	At           time.Time // UTC, truncated to milliseconds by Chain
	ActorUserID  int64
	ActorName    string
	UnitID       int64
	Action       string // e.g. "unit.create"
	ObjectType   string // e.g. "unit"
	ObjectID     int64
	BeforeDigest string // hex SM3 of the object's state before, "" when none
	AfterDigest  string // hex SM3 after, "" when deleted/none
	Detail       string // small JSON summary (changed field names and safe values)
	PrevHash     string // hex; the genesis previous hash is Genesis
	Hash         string // hex SM3 over PrevHash and every other field
}

// Digest returns the hex SM3 of the encoding/json encoding of v, or "" when v
// is nil. Services call it to fill Record.BeforeDigest and AfterDigest.
// encoding/json is deterministic (struct fields in declaration order, map keys
// sorted), so equal values give equal digests. Digest returns no error: it
// panics if v cannot be encoded (a channel, a func, a NaN float), which is a
// programming error in the caller.
func Digest(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("audit: Digest: %v", err))
	}
	sum := sm3.Sum(b)
	return hex.EncodeToString(sum[:])
}

// ComputeHash returns the hex SM3 over r.PrevHash and every other field of r
// except Hash. Strings are length-prefixed and integers have a fixed width,
// so moving bytes from one field to another changes the hash; At is encoded
// as UnixMilli. Chain and Verifier call it; it returns no error.
func ComputeHash(r Record) string {
	h := sm3.New()
	var buf [8]byte
	putInt := func(n int64) {
		binary.BigEndian.PutUint64(buf[:], uint64(n))
		h.Write(buf[:])
	}
	putString := func(s string) {
		putInt(int64(len(s)))
		h.Write([]byte(s))
	}
	putString(hashDomain)
	putString(r.PrevHash)
	putInt(r.Seq)
	putInt(r.At.UnixMilli())
	putInt(r.ActorUserID)
	putString(r.ActorName)
	putInt(r.UnitID)
	putString(r.Action)
	putString(r.ObjectType)
	putInt(r.ObjectID)
	putString(r.BeforeDigest)
	putString(r.AfterDigest)
	putString(r.Detail)
	return hex.EncodeToString(h.Sum(nil))
}

// Chain returns r appended after the record (prevSeq, prevHash): Seq is
// prevSeq+1, PrevHash is prevHash, At is converted to UTC and truncated to
// milliseconds, and Hash is ComputeHash of the result. The store calls it
// with its current head (0 and Genesis for an empty log) inside the
// transaction that inserts the record and advances the head. It returns no
// error.
func Chain(prevSeq int64, prevHash string, r Record) Record {
	r.Seq = prevSeq + 1
	r.PrevHash = prevHash
	r.At = r.At.UTC().Truncate(time.Millisecond)
	r.Hash = ComputeHash(r)
	return r
}

// Problem describes where and why verification failed. Seq is the sequence
// number at which the chain breaks: the record that was changed, or the
// first sequence number that is missing or out of place.
type Problem struct {
	Seq    int64
	Reason string
}

// Error formats the problem like "audit record 17: hash mismatch (record
// changed)".
func (p *Problem) Error() string {
	return fmt.Sprintf("audit record %d: %s", p.Seq, p.Reason)
}

// Verifier checks records streamed in Seq order. The verification command
// creates one with NewVerifier, calls Add for every record and then Finish
// with the store's head row. After the first problem every later call
// returns that same problem.
type Verifier struct {
	count    int64
	lastSeq  int64
	lastHash string
	err      *Problem
}

// NewVerifier returns a Verifier expecting Seq 1 with PrevHash Genesis.
func NewVerifier() *Verifier {
	return &Verifier{lastHash: Genesis}
}

// Add checks the next record. It returns a *Problem when r.Seq is not the
// next sequence number (a record was removed or reordered), when r.PrevHash
// is not the previous record's Hash, or when r.Hash does not match the
// record's contents.
func (v *Verifier) Add(r Record) error {
	if v.err != nil {
		return v.err
	}
	want := v.lastSeq + 1
	switch {
	case r.Seq != want:
		return v.fail(want, fmt.Sprintf("sequence broken (expected %d, got %d)", want, r.Seq))
	case r.PrevHash != v.lastHash:
		return v.fail(r.Seq, "previous hash mismatch (chain broken)")
	case r.Hash != ComputeHash(r):
		return v.fail(r.Seq, "hash mismatch (record changed)")
	}
	v.count++
	v.lastSeq = r.Seq
	v.lastHash = r.Hash
	return nil
}

// Finish compares the last record added with the store's head row (headSeq
// and headHash; 0 and Genesis for an empty log). It returns a *Problem when
// records were removed at the tail, when records exist beyond the head, or
// when the head hash differs from the last record's hash.
func (v *Verifier) Finish(headSeq int64, headHash string) error {
	if v.err != nil {
		return v.err
	}
	switch {
	case headSeq > v.lastSeq:
		return v.fail(v.lastSeq+1, fmt.Sprintf("records missing at the tail (head is %d, last record is %d)", headSeq, v.lastSeq))
	case headSeq < v.lastSeq:
		return v.fail(headSeq+1, fmt.Sprintf("records beyond the head (head is %d, last record is %d)", headSeq, v.lastSeq))
	case headHash != v.lastHash:
		return v.fail(headSeq, "head hash mismatch")
	}
	return nil
}

// Count returns the number of records accepted by Add so far.
func (v *Verifier) Count() int64 {
	return v.count
}

func (v *Verifier) fail(seq int64, reason string) error {
	v.err = &Problem{Seq: seq, Reason: reason}
	return v.err
}
