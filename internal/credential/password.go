// Package credential hashes and checks passwords (argon2id), enforces the
// password policy, checks TOTP codes and makes random tokens.
package credential

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Limits on argon2id parameters, for both configured and parsed values. The
// upper limits stop a stored hash from making Verify allocate or spin
// without bound.
const (
	minKeyLen  = 16
	maxKeyLen  = 64
	minSaltLen = 8
	maxSaltLen = 64
	maxMemory  = 1 << 20 // KiB, 1 GiB
	maxTime    = 32
)

// ErrMalformedHash is returned (wrapped) by Hasher.Verify when the encoded
// hash is not a supported argon2id PHC string or its parameters are out of
// range.
var ErrMalformedHash = errors.New("credential: malformed password hash")

// Params for argon2id (golang.org/x/crypto/argon2.IDKey). Memory is in KiB.
type Params struct {
	Memory  uint32
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen uint32
}

// DefaultParams returns the production parameters: Memory 64*1024 KiB,
// Time 1, Threads 2, KeyLen 32, SaltLen 16. The server passes them to
// NewHasher; tests use a cheaper Params value.
func DefaultParams() Params {
	return Params{Memory: 64 * 1024, Time: 1, Threads: 2, KeyLen: 32, SaltLen: 16}
}

// validate reports whether p is within the supported limits.
func (p Params) validate() error {
	switch {
	case p.Threads < 1:
		return errors.New("threads must be at least 1")
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("time must be 1 to %d", maxTime)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("memory must be 8*threads to %d KiB", maxMemory)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length must be %d to %d bytes", minKeyLen, maxKeyLen)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length must be %d to %d bytes", minSaltLen, maxSaltLen)
	}
	return nil
}

// Hasher hashes and verifies passwords with fixed Params, running at most
// MaxConcurrent hashes at once because each allocates Memory KiB. It is safe
// for concurrent use.
type Hasher struct {
	params Params
	err    error // invalid params, reported by Hash
	sem    chan struct{}
}

// NewHasher returns a Hasher for p that runs at most maxConcurrent hashes at
// a time (2 when maxConcurrent < 1). The server creates one at startup. It
// returns no error; if p is out of range, Hash reports it.
func NewHasher(p Params, maxConcurrent int) *Hasher {
	if maxConcurrent < 1 {
		maxConcurrent = 2
	}
	h := &Hasher{params: p, sem: make(chan struct{}, maxConcurrent)}
	if err := p.validate(); err != nil {
		h.err = fmt.Errorf("credential: invalid argon2id params: %w", err)
	}
	return h
}

// Hash returns the PHC string of password with a fresh random salt, like
// "$argon2id$v=19$m=65536,t=1,p=2$<salt>$<hash>" (RawStdEncoding). Account
// creation and password changes call it. It returns ctx's error when ctx
// ends while waiting for a hashing slot, and an error when h's Params are out
// of range.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if h.err != nil {
		return "", h.err
	}
	salt := make([]byte, h.params.SaltLen)
	rand.Read(salt) // never fails; see crypto/rand.Read
	key, err := h.derive(ctx, password, salt, h.params)
	if err != nil {
		return "", err
	}
	p := h.params
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Verify reports whether password matches encoded, comparing in constant
// time with the parameters parsed from encoded. needsRehash is true when
// those parameters (or salt or key length) differ from h's, so login can
// store a fresh Hash. Login calls it. It returns an error wrapping
// ErrMalformedHash when encoded cannot be parsed, and ctx's error when ctx
// ends while waiting for a hashing slot.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok bool, needsRehash bool, err error) {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, false, err
	}
	got, err := h.derive(ctx, password, salt, p)
	if err != nil {
		return false, false, err
	}
	ok = subtle.ConstantTimeCompare(got, want) == 1
	needsRehash = p != h.params
	return ok, needsRehash, nil
}

// DummyVerify spends the time of a Verify with h's Params, so that login can
// answer an unknown username as slowly as a wrong password (no user
// enumeration by timing). It returns nothing; it returns early only when ctx
// ends while waiting for a hashing slot.
func (h *Hasher) DummyVerify(ctx context.Context) {
	if h.err != nil {
		return
	}
	salt := make([]byte, h.params.SaltLen)
	got, err := h.derive(ctx, "dummy password", salt, h.params)
	if err == nil {
		subtle.ConstantTimeCompare(got, salt)
	}
}

// derive runs argon2id under the concurrency limit.
func (h *Hasher) derive(ctx context.Context, password string, salt []byte, p Params) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-h.sem }()
	return argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen), nil
}

// decode parses "$argon2id$v=19$m=M,t=T,p=P$salt$hash". The returned Params
// carry the salt and key lengths found in encoded.
func decode(encoded string) (p Params, salt, key []byte, err error) {
	bad := func(why string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, why)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return bad("want 5 '$'-separated fields")
	}
	if parts[1] != "argon2id" {
		return bad("algorithm is not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported version")
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return bad("want m=,t=,p= parameters")
	}
	m, errM := parseParam(kv[0], "m=", 32)
	t, errT := parseParam(kv[1], "t=", 32)
	th, errP := parseParam(kv[2], "p=", 8)
	if errM != nil || errT != nil || errP != nil {
		return bad("bad m=,t=,p= parameters")
	}
	salt, errS := base64.RawStdEncoding.Strict().DecodeString(parts[4])
	key, errK := base64.RawStdEncoding.Strict().DecodeString(parts[5])
	if errS != nil || errK != nil {
		return bad("bad base64 salt or hash")
	}
	p = Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(th), KeyLen: uint32(len(key)), SaltLen: uint32(len(salt))}
	if err := p.validate(); err != nil {
		return bad(err.Error())
	}
	return p, salt, key, nil
}

func parseParam(s, prefix string, bits int) (uint64, error) {
	v, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return 0, errors.New("missing " + prefix)
	}
	return strconv.ParseUint(v, 10, bits)
}
