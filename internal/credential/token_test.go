package credential

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestRandomToken(t *testing.T) {
	tests := []struct {
		n       int
		wantLen int
	}{
		{1, 2},
		{16, 22},
		{32, 43},
	}
	for _, tt := range tests {
		tok, err := RandomToken(nil, tt.n)
		if err != nil {
			t.Fatalf("RandomToken(%d): %v", tt.n, err)
		}
		if len(tok) != tt.wantLen {
			t.Errorf("RandomToken(%d) length = %d, want %d", tt.n, len(tok), tt.wantLen)
		}
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(raw) != tt.n {
			t.Errorf("RandomToken(%d) = %q does not decode to %d bytes: %v", tt.n, tok, tt.n, err)
		}
	}

	// Entropy sanity: no repeats among many 32-byte tokens, and the bytes
	// are spread over the whole range.
	seen := make(map[string]bool)
	var counts [256]int
	for range 1000 {
		tok, err := RandomToken(nil, 32)
		if err != nil {
			t.Fatal(err)
		}
		if seen[tok] {
			t.Fatalf("duplicate token %q", tok)
		}
		seen[tok] = true
		raw, _ := base64.RawURLEncoding.DecodeString(tok)
		for _, b := range raw {
			counts[b]++
		}
	}
	for b, c := range counts { // expected 125 per value
		if c < 50 || c > 250 {
			t.Errorf("byte %d seen %d times in 32000, expected about 125", b, c)
		}
	}

	// Deterministic with a given reader.
	tok, err := RandomToken(bytes.NewReader([]byte{0xfb, 0xff}), 2)
	if err != nil || tok != "-_8" {
		t.Errorf("RandomToken(fixed) = %q, %v, want \"-_8\"", tok, err)
	}
}

func TestRandomTokenErrors(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		r    io.Reader
		n    int
		want error // nil means any error
	}{
		{"zero length", nil, 0, nil},
		{"negative length", nil, -1, nil},
		{"short reader", bytes.NewReader([]byte{1, 2}), 3, io.ErrUnexpectedEOF},
		{"failing reader", iotest.ErrReader(boom), 4, boom},
	}
	for _, tt := range tests {
		tok, err := RandomToken(tt.r, tt.n)
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: RandomToken = %q, %v, want error %v", tt.name, tok, err, tt.want)
		}
	}
}

func TestHashToken(t *testing.T) {
	tests := []struct {
		token, want string
	}{
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		if got := HashToken(tt.token); got != tt.want {
			t.Errorf("HashToken(%q) = %s, want %s", tt.token, got, tt.want)
		}
	}
	if HashToken("a") == HashToken("b") || strings.ToLower(HashToken("a")) != HashToken("a") {
		t.Error("HashToken not distinct or not lowercase hex")
	}
}
