// Package challenge is the public portal's offline abuse control: a
// proof-of-work puzzle (no outside captcha service). The server hands out a
// signed, expiring challenge; the browser finds a nonce such that
// SHA-256(challenge ":" nonce) starts with Bits zero bits; the server checks
// the signature, the expiry and the work, and refuses a challenge used
// before. Nothing about the client is stored.
package challenge

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Errors returned by Verify.
var (
	ErrMalformed = errors.New("challenge: malformed")
	ErrExpired   = errors.New("challenge: expired")
	ErrWork      = errors.New("challenge: not solved")
	ErrReplayed  = errors.New("challenge: already used")
)

// Issuer issues and verifies challenges. It is safe for concurrent use; the
// replay set lives in memory only and forgets challenges once they expire.
type Issuer struct {
	key  []byte
	bits int
	ttl  time.Duration
	now  func() time.Time
	rand io.Reader

	mu   sync.Mutex
	used map[string]time.Time
}

// New returns an issuer. key signs challenges (32+ random bytes, may be
// per-process); bits is the difficulty (18 ≈ 0.2–1 s in a phone browser).
func New(key []byte, bits int, ttl time.Duration, now func() time.Time, random io.Reader) *Issuer {
	return &Issuer{key: append([]byte(nil), key...), bits: bits, ttl: ttl, now: now, rand: random, used: map[string]time.Time{}}
}

// Bits returns the difficulty.
func (s *Issuer) Bits() int { return s.bits }

// Issue returns a new challenge string "v1.<expiry>.<bits>.<nonce>.<mac>".
func (s *Issuer) Issue() (string, error) {
	n := make([]byte, 12)
	if _, err := io.ReadFull(s.rand, n); err != nil {
		return "", err
	}
	body := fmt.Sprintf("v1.%d.%d.%s", s.now().Add(s.ttl).Unix(), s.bits, base64.RawURLEncoding.EncodeToString(n))
	return body + "." + s.mac(body), nil
}

func (s *Issuer) mac(body string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// Verify checks a solution and marks the challenge used. Errors: ErrMalformed,
// ErrExpired, ErrWork, ErrReplayed.
func (s *Issuer) Verify(ch, nonce string) error {
	parts := strings.Split(ch, ".")
	if len(parts) != 5 || parts[0] != "v1" || len(nonce) == 0 || len(nonce) > 64 {
		return ErrMalformed
	}
	body := strings.Join(parts[:4], ".")
	if !hmac.Equal([]byte(s.mac(body)), []byte(parts[4])) {
		return ErrMalformed
	}
	exp, err1 := strconv.ParseInt(parts[1], 10, 64)
	need, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil {
		return ErrMalformed
	}
	now := s.now()
	if now.Unix() > exp {
		return ErrExpired
	}
	if LeadingZeroBits(ch, nonce) < need {
		return ErrWork
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.used[parts[3]]; ok {
		return ErrReplayed
	}
	for k, t := range s.used {
		if now.After(t) {
			delete(s.used, k)
		}
	}
	s.used[parts[3]] = time.Unix(exp, 0)
	return nil
}

// LeadingZeroBits counts the leading zero bits of SHA-256(ch ":" nonce).
func LeadingZeroBits(ch, nonce string) int {
	sum := sha256.Sum256([]byte(ch + ":" + nonce))
	n := 0
	for i := 0; i < len(sum); i += 8 {
		w := binary.BigEndian.Uint64(sum[i : i+8])
		if w == 0 {
			n += 64
			continue
		}
		return n + bits.LeadingZeros64(w)
	}
	return n
}

// Solve finds a nonce for a challenge (tests, benchmarks and API clients in
// Go); browsers run the same loop in static/pow.js.
func Solve(ch string, need int) string {
	for i := 0; ; i++ {
		nonce := strconv.Itoa(i)
		if LeadingZeroBits(ch, nonce) >= need {
			return nonce
		}
	}
}

// Hex is a helper for logs and tests: the hex SHA-256 of ch ":" nonce.
func Hex(ch, nonce string) string {
	sum := sha256.Sum256([]byte(ch + ":" + nonce))
	return hex.EncodeToString(sum[:])
}
