package audit

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// buildChain returns n chained records starting at Seq 1.
func buildChain(t testing.TB, n int) []Record {
	t.Helper()
	base := time.Date(2025, 3, 1, 8, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	recs := make([]Record, 0, n)
	prevSeq, prevHash := int64(0), Genesis
	for i := range n {
		r := Chain(prevSeq, prevHash, Record{
			At:           base.Add(time.Duration(i) * time.Minute),
			ActorUserID:  int64(i + 1),
			ActorName:    "user" + string(rune('a'+i)),
			UnitID:       10,
			Action:       "unit.update",
			ObjectType:   "unit",
			ObjectID:     int64(100 + i),
			BeforeDigest: Digest(map[string]int{"v": i}),
			AfterDigest:  Digest(map[string]int{"v": i + 1}),
			Detail:       `{"changed":["name"]}`,
		})
		recs = append(recs, r)
		prevSeq, prevHash = r.Seq, r.Hash
	}
	return recs
}

// verify streams recs through a new Verifier and finishes with the given head.
func verify(recs []Record, headSeq int64, headHash string) (int64, error) {
	v := NewVerifier()
	for _, r := range recs {
		if err := v.Add(r); err != nil {
			return v.Count(), err
		}
	}
	return v.Count(), v.Finish(headSeq, headHash)
}

func problemSeq(t *testing.T, err error) int64 {
	t.Helper()
	var p *Problem
	if !errors.As(err, &p) {
		t.Fatalf("error %v (%T) is not a *Problem", err, err)
	}
	return p.Seq
}

func TestChainSetsFields(t *testing.T) {
	at := time.Date(2025, 3, 1, 8, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	r := Chain(41, "ab", Record{At: at, Action: "unit.create"})
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"Seq", r.Seq, int64(42)},
		{"PrevHash", r.PrevHash, "ab"},
		{"At", r.At, time.Date(2025, 3, 1, 0, 0, 0, 123000000, time.UTC)},
		{"At location", r.At.Location(), time.UTC},
		{"Hash", r.Hash, ComputeHash(r)},
		{"Hash length", len(r.Hash), 64},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestValidChainVerifies(t *testing.T) {
	for _, n := range []int{0, 1, 5} {
		recs := buildChain(t, n)
		headSeq, headHash := int64(0), Genesis
		if n > 0 {
			headSeq, headHash = recs[n-1].Seq, recs[n-1].Hash
		}
		count, err := verify(recs, headSeq, headHash)
		if err != nil {
			t.Errorf("n=%d: verify: %v", n, err)
		}
		if count != int64(n) {
			t.Errorf("n=%d: Count = %d, want %d", n, count, n)
		}
	}
}

func TestFieldChangeDetected(t *testing.T) {
	fields := []struct {
		name   string
		change func(*Record)
		reason string
	}{
		{"Seq", func(r *Record) { r.Seq += 10 }, "sequence broken"},
		{"At", func(r *Record) { r.At = r.At.Add(time.Millisecond) }, "hash mismatch"},
		{"ActorUserID", func(r *Record) { r.ActorUserID++ }, "hash mismatch"},
		{"ActorName", func(r *Record) { r.ActorName += "x" }, "hash mismatch"},
		{"UnitID", func(r *Record) { r.UnitID++ }, "hash mismatch"},
		{"Action", func(r *Record) { r.Action = "unit.delete" }, "hash mismatch"},
		{"ObjectType", func(r *Record) { r.ObjectType = "user" }, "hash mismatch"},
		{"ObjectID", func(r *Record) { r.ObjectID++ }, "hash mismatch"},
		{"BeforeDigest", func(r *Record) { r.BeforeDigest = "" }, "hash mismatch"},
		{"AfterDigest", func(r *Record) { r.AfterDigest = Digest("other") }, "hash mismatch"},
		{"Detail", func(r *Record) { r.Detail = `{"changed":[]}` }, "hash mismatch"},
		{"PrevHash", func(r *Record) { r.PrevHash = Genesis }, "previous hash mismatch"},
		{"Hash", func(r *Record) { r.Hash = strings.Repeat("f", 64) }, "hash mismatch"},
	}
	const n = 5
	for _, f := range fields {
		for i := range n {
			recs := buildChain(t, n)
			head := recs[n-1]
			// PrevHash of record 1 is already Genesis; use another value there.
			if f.name == "PrevHash" && i == 0 {
				recs[i].PrevHash = strings.Repeat("1", 64)
			} else {
				f.change(&recs[i])
			}
			_, err := verify(recs, head.Seq, head.Hash)
			if err == nil {
				t.Errorf("%s changed in record %d: not detected", f.name, i+1)
				continue
			}
			if got := problemSeq(t, err); got != int64(i+1) {
				t.Errorf("%s changed in record %d: detected at %d (%v)", f.name, i+1, got, err)
			}
			if !strings.Contains(err.Error(), f.reason) {
				t.Errorf("%s changed in record %d: error %q does not mention %q", f.name, i+1, err, f.reason)
			}
		}
	}
}

func TestStructuralTamperingDetected(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func([]Record) []Record
		head    func(orig []Record) (int64, string)
		wantSeq int64
		wantMsg string
	}{
		{
			name:    "remove middle record",
			tamper:  func(r []Record) []Record { return append(r[:2:2], r[3:]...) },
			wantSeq: 3,
			wantMsg: "audit record 3: sequence broken (expected 3, got 4)",
		},
		{
			name: "swap two records",
			tamper: func(r []Record) []Record {
				r[1], r[2] = r[2], r[1]
				return r
			},
			wantSeq: 2,
			wantMsg: "audit record 2: sequence broken (expected 2, got 3)",
		},
		{
			name:    "truncate tail",
			tamper:  func(r []Record) []Record { return r[:3] },
			wantSeq: 4,
			wantMsg: "audit record 4: records missing at the tail (head is 5, last record is 3)",
		},
		{
			name:   "records beyond head",
			tamper: func(r []Record) []Record { return r },
			head: func(orig []Record) (int64, string) {
				return orig[3].Seq, orig[3].Hash
			},
			wantSeq: 5,
			wantMsg: "audit record 5: records beyond the head (head is 4, last record is 5)",
		},
		{
			name:   "head hash differs",
			tamper: func(r []Record) []Record { return r },
			head: func(orig []Record) (int64, string) {
				return orig[4].Seq, orig[3].Hash
			},
			wantSeq: 5,
			wantMsg: "audit record 5: head hash mismatch",
		},
		{
			name: "rewrite and rehash a middle record",
			tamper: func(r []Record) []Record {
				r[2].Detail = "forged"
				r[2].Hash = ComputeHash(r[2])
				return r
			},
			wantSeq: 4,
			wantMsg: "audit record 4: previous hash mismatch (chain broken)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := buildChain(t, 5)
			headSeq, headHash := orig[4].Seq, orig[4].Hash
			if tt.head != nil {
				headSeq, headHash = tt.head(orig)
			}
			recs := tt.tamper(append([]Record(nil), orig...))
			_, err := verify(recs, headSeq, headHash)
			if err == nil {
				t.Fatal("not detected")
			}
			if got := problemSeq(t, err); got != tt.wantSeq {
				t.Errorf("Seq = %d, want %d", got, tt.wantSeq)
			}
			if err.Error() != tt.wantMsg {
				t.Errorf("Error() = %q, want %q", err.Error(), tt.wantMsg)
			}
		})
	}
}

func TestVerifierSticky(t *testing.T) {
	recs := buildChain(t, 3)
	v := NewVerifier()
	if err := v.Add(recs[1]); err == nil {
		t.Fatal("Add out of order: want error")
	}
	first := v.Add(recs[0])
	if got := problemSeq(t, first); got != 1 {
		t.Errorf("sticky Seq = %d, want 1", got)
	}
	if err := v.Finish(0, Genesis); err != first {
		t.Errorf("Finish = %v, want the first problem %v", err, first)
	}
	if v.Count() != 0 {
		t.Errorf("Count = %d, want 0", v.Count())
	}
}

func TestComputeHashUnambiguous(t *testing.T) {
	a := Record{ActorName: "ab", Action: "c"}
	b := Record{ActorName: "a", Action: "bc"}
	if ComputeHash(a) == ComputeHash(b) {
		t.Error("moving a byte between fields did not change the hash")
	}
	c := Record{BeforeDigest: "x"}
	d := Record{AfterDigest: "x"}
	if ComputeHash(c) == ComputeHash(d) {
		t.Error("moving a value between fields did not change the hash")
	}
}

func TestDigest(t *testing.T) {
	type unit struct {
		ID   int64
		Name string
	}
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"nil", nil, ""},
		{"struct", unit{1, "a"}, sm3Hex(`{"ID":1,"Name":"a"}`)},
		{"map keys sorted", map[string]int{"b": 2, "a": 1}, sm3Hex(`{"a":1,"b":2}`)},
		{"string", "abc", sm3Hex(`"abc"`)},
	}
	for _, tt := range tests {
		if got := Digest(tt.v); got != tt.want {
			t.Errorf("Digest(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}

	same := []struct {
		name string
		a, b any
	}{
		{"struct", unit{1, "a"}, unit{1, "a"}},
		{"pointer and value", &unit{1, "a"}, unit{1, "a"}},
		{"map order", map[string]int{"a": 1, "b": 2}, map[string]int{"b": 2, "a": 1}},
	}
	for _, tt := range same {
		if Digest(tt.a) != Digest(tt.b) {
			t.Errorf("%s: digests differ", tt.name)
		}
		if len(Digest(tt.a)) != 64 {
			t.Errorf("%s: digest length %d, want 64", tt.name, len(Digest(tt.a)))
		}
	}

	differ := []struct {
		name string
		a, b any
	}{
		{"name", unit{1, "a"}, unit{1, "b"}},
		{"id", unit{1, "a"}, unit{2, "a"}},
		{"type", 1, "1"},
		{"empty", "", []int{}},
	}
	for _, tt := range differ {
		if Digest(tt.a) == Digest(tt.b) {
			t.Errorf("%s: digests equal", tt.name)
		}
	}
}

func sm3Hex(s string) string {
	sum := sm3.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestDigestPanicsOnUnencodable(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Digest(chan) did not panic")
		}
	}()
	Digest(make(chan int))
}

func FuzzVerify(f *testing.F) {
	f.Add("alice", "unit.create", `{"name":"x"}`, uint(0))
	f.Add("", "", "", uint(7))
	f.Add("系统", "user.delete", "\x00\xff", uint(1000))
	f.Fuzz(func(t *testing.T, name, action, detail string, flip uint) {
		prevSeq, prevHash := int64(0), Genesis
		var recs []Record
		for i := range 3 {
			r := Chain(prevSeq, prevHash, Record{
				At:          time.UnixMilli(int64(i) * 1000),
				ActorName:   name,
				Action:      action,
				ObjectType:  "unit",
				ObjectID:    int64(i),
				Detail:      detail,
				AfterDigest: Digest(detail),
			})
			recs = append(recs, r)
			prevSeq, prevHash = r.Seq, r.Hash
		}
		if _, err := verify(recs, prevSeq, prevHash); err != nil {
			t.Fatalf("valid chain rejected: %v", err)
		}

		// Flip one byte somewhere in the string fields of one record.
		idx := int(flip % uint(len(recs)))
		r := &recs[idx]
		fields := []*string{&r.ActorName, &r.Action, &r.ObjectType, &r.Detail, &r.AfterDigest, &r.PrevHash, &r.Hash}
		total := 0
		for _, s := range fields {
			total += len(*s)
		}
		pos := int((flip / uint(len(recs))) % uint(total))
		for _, s := range fields {
			if pos < len(*s) {
				b := []byte(*s)
				b[pos] ^= 0x01
				*s = string(b)
				break
			}
			pos -= len(*s)
		}
		_, err := verify(recs, prevSeq, prevHash)
		if err == nil {
			t.Fatalf("flipped byte in record %d not detected", idx+1)
		}
		if got := problemSeq(t, err); got != int64(idx+1) {
			t.Fatalf("flipped byte in record %d detected at %d", idx+1, got)
		}
	})
}
