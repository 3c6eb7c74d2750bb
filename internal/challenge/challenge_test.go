package challenge

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestIssueVerify(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s := New(bytes.Repeat([]byte{1}, 32), 12, 5*time.Minute, clock, rand.Reader)
	ch, err := s.Issue()
	if err != nil {
		t.Fatal(err)
	}
	nonce := Solve(ch, 12)
	if LeadingZeroBits(ch, nonce) < 12 || !strings.HasPrefix(Hex(ch, nonce), "000") {
		t.Fatalf("Solve gave %s (%s)", nonce, Hex(ch, nonce))
	}
	// Find a nonce that fails the work check.
	bad := "x"
	for LeadingZeroBits(ch, bad) >= 12 {
		bad += "x"
	}
	other := New(bytes.Repeat([]byte{2}, 32), 12, 5*time.Minute, clock, rand.Reader)
	tampered := strings.Replace(ch, ".12.", ".1.", 1)
	tests := []struct {
		name  string
		s     *Issuer
		ch    string
		nonce string
		want  error
	}{
		{"wrong work", s, ch, bad, ErrWork},
		{"other key", other, ch, nonce, ErrMalformed},
		{"lowered difficulty", s, tampered, Solve(tampered, 1), ErrMalformed},
		{"garbage", s, "v1.x", "1", ErrMalformed},
		{"empty nonce", s, ch, "", ErrMalformed},
		{"ok", s, ch, nonce, nil},
		{"replay", s, ch, nonce, ErrReplayed},
	}
	for _, tc := range tests {
		if err := tc.s.Verify(tc.ch, tc.nonce); !errors.Is(err, tc.want) && !(err == nil && tc.want == nil) {
			t.Errorf("%s: Verify = %v, want %v", tc.name, err, tc.want)
		}
	}
	ch2, _ := s.Issue()
	n2 := Solve(ch2, 12)
	now = now.Add(6 * time.Minute)
	if err := s.Verify(ch2, n2); !errors.Is(err, ErrExpired) {
		t.Errorf("expired challenge: %v", err)
	}
	if len(s.used) > 1 {
		t.Errorf("replay set keeps expired entries: %d", len(s.used))
	}
}

func FuzzVerify(f *testing.F) {
	s := New(bytes.Repeat([]byte{1}, 32), 8, time.Minute, time.Now, rand.Reader)
	ch, _ := s.Issue()
	f.Add(ch, "1")
	f.Fuzz(func(t *testing.T, ch, nonce string) {
		_ = s.Verify(ch, nonce) // never panics
	})
}
