package credential

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// cheap returns parameters that keep tests fast yet pass validation.
func cheap() Params {
	return Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
}

func TestDefaultParams(t *testing.T) {
	want := Params{Memory: 65536, Time: 1, Threads: 2, KeyLen: 32, SaltLen: 16}
	if got := DefaultParams(); got != want {
		t.Errorf("DefaultParams() = %+v, want %+v", got, want)
	}
}

func TestHashFormat(t *testing.T) {
	h := NewHasher(Params{Memory: 256, Time: 2, Threads: 2, KeyLen: 24, SaltLen: 12}, 1)
	enc, err := h.Hash(context.Background(), "Correct horse 9")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(enc, "$")
	want := []string{"", "argon2id", "v=19", "m=256,t=2,p=2"}
	for i, w := range want {
		if parts[i] != w {
			t.Errorf("field %d = %q, want %q (in %q)", i, parts[i], w, enc)
		}
	}
	if len(parts) != 6 || len(parts[4]) != 16 || len(parts[5]) != 32 {
		t.Errorf("salt/hash fields wrong length in %q", enc)
	}
	enc2, _ := h.Hash(context.Background(), "Correct horse 9")
	if enc2 == enc {
		t.Error("two hashes of the same password are equal (salt not random)")
	}
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(cheap(), 2)
	enc, err := h.Hash(ctx, "Correct horse 9")
	if err != nil {
		t.Fatal(err)
	}
	stronger := cheap()
	stronger.Memory = 128
	longerKey := cheap()
	longerKey.KeyLen = 48
	tests := []struct {
		name       string
		hasher     *Hasher
		password   string
		wantOK     bool
		wantRehash bool
	}{
		{"right password", h, "Correct horse 9", true, false},
		{"wrong password", h, "Correct horse 8", false, false},
		{"empty password", h, "", false, false},
		{"memory changed", NewHasher(stronger, 2), "Correct horse 9", true, true},
		{"key length changed", NewHasher(longerKey, 2), "Correct horse 9", true, true},
		{"wrong password, params changed", NewHasher(stronger, 2), "nope", false, true},
	}
	for _, tt := range tests {
		ok, rehash, err := tt.hasher.Verify(ctx, tt.password, enc)
		if err != nil {
			t.Errorf("%s: Verify: %v", tt.name, err)
		}
		if ok != tt.wantOK || rehash != tt.wantRehash {
			t.Errorf("%s: Verify = (%v, %v), want (%v, %v)", tt.name, ok, rehash, tt.wantOK, tt.wantRehash)
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	const salt = "c2FsdHNhbHRzYWx0c2FsdA"                     // 16 bytes
	const key = "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U" // 32 bytes
	tests := []struct {
		name    string
		encoded string
	}{
		{"empty", ""},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"version 16", "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key},
		{"no leading $", "argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"missing hash", "$argon2id$v=19$m=64,t=1,p=1$" + salt},
		{"extra field", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$x"},
		{"params order", "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key},
		{"params missing", "$argon2id$v=19$m=64,t=1$" + salt + "$" + key},
		{"params not numbers", "$argon2id$v=19$m=x,t=1,p=1$" + salt + "$" + key},
		{"negative", "$argon2id$v=19$m=-64,t=1,p=1$" + salt + "$" + key},
		{"threads overflow", "$argon2id$v=19$m=2048,t=1,p=256$" + salt + "$" + key},
		{"zero time", "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key},
		{"zero threads", "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key},
		{"memory below 8*threads", "$argon2id$v=19$m=8,t=1,p=2$" + salt + "$" + key},
		{"memory too large", "$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + key},
		{"time too large", "$argon2id$v=19$m=64,t=1000,p=1$" + salt + "$" + key},
		{"padded salt", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key},
		{"bad base64 hash", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$!!!"},
		{"short salt", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + key},
		{"short key", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$a2V5"},
	}
	h := NewHasher(cheap(), 2)
	for _, tt := range tests {
		ok, rehash, err := h.Verify(context.Background(), "pw", tt.encoded)
		if !errors.Is(err, ErrMalformedHash) {
			t.Errorf("%s: Verify error = %v, want ErrMalformedHash", tt.name, err)
		}
		if ok || rehash {
			t.Errorf("%s: Verify = (%v, %v), want (false, false)", tt.name, ok, rehash)
		}
	}
	// The well-formed version of the same strings parses.
	if _, _, err := h.Verify(context.Background(), "pw", "$argon2id$v=19$m=64,t=1,p=1$"+salt+"$"+key); err != nil {
		t.Errorf("well-formed control: %v", err)
	}
}

func TestInvalidParams(t *testing.T) {
	tests := []struct {
		name string
		p    Params
	}{
		{"zero", Params{}},
		{"no threads", Params{Memory: 64, Time: 1, KeyLen: 32, SaltLen: 16}},
		{"short key", Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 8, SaltLen: 16}},
		{"short salt", Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 4}},
		{"huge memory", Params{Memory: 1 << 30, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}},
	}
	for _, tt := range tests {
		h := NewHasher(tt.p, 1)
		if enc, err := h.Hash(context.Background(), "x"); err == nil {
			t.Errorf("%s: Hash = %q, want error", tt.name, enc)
		}
		h.DummyVerify(context.Background()) // must not panic
	}
}

func TestContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h := NewHasher(cheap(), 1)
	if _, err := h.Hash(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("Hash error = %v, want context.Canceled", err)
	}
	enc, _ := h.Hash(context.Background(), "x")
	if _, _, err := h.Verify(ctx, "x", enc); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify error = %v, want context.Canceled", err)
	}

	// A full semaphore makes a waiting caller honour its deadline.
	h.sem <- struct{}{}
	defer func() { <-h.sem }()
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Hash while busy: error = %v, want DeadlineExceeded", err)
	}
}

func TestConcurrencyBound(t *testing.T) {
	tests := []struct {
		name     string
		max      int
		occupied int
		wantErr  error
	}{
		{"free slot", 2, 1, nil},
		{"all slots busy", 2, 2, context.DeadlineExceeded},
		{"default is 2, one busy", 0, 1, nil},
		{"default is 2, both busy", 0, 2, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		h := NewHasher(cheap(), tt.max)
		for range tt.occupied {
			h.sem <- struct{}{}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		_, err := h.Hash(ctx, "x")
		cancel()
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: Hash error = %v, want %v", tt.name, err, tt.wantErr)
		}
		if len(h.sem) != tt.occupied {
			t.Errorf("%s: %d slots held after Hash, want %d", tt.name, len(h.sem), tt.occupied)
		}
	}
}

func FuzzVerifyEncoded(f *testing.F) {
	// The seed must be deterministic: fuzz workers rebuild it independently.
	p := cheap()
	h := NewHasher(p, 1)
	wantSalt := []byte("saltsaltsaltsalt")
	wantKey := argon2.IDKey([]byte("Correct horse 9"), wantSalt, p.Time, p.Memory, p.Threads, p.KeyLen)
	enc := "$argon2id$v=19$m=64,t=1,p=1$" + base64.RawStdEncoding.EncodeToString(wantSalt) + "$" + base64.RawStdEncoding.EncodeToString(wantKey)
	if ok, _, err := h.Verify(context.Background(), "Correct horse 9", enc); !ok || err != nil {
		f.Fatalf("seed does not verify: %v", err)
	}
	f.Add(enc)
	f.Add("$argon2id$v=19$m=64,t=1,p=1$$")
	f.Add("$argon2id$v=19$m=4294967295,t=4294967295,p=255$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$$$$$")
	f.Fuzz(func(t *testing.T, encoded string) {
		p, _, _, err := decode(encoded)
		if err != nil {
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("decode(%q) error %v does not wrap ErrMalformedHash", encoded, err)
			}
		} else if p.Memory > 1024 || p.Time > 2 {
			return // valid but too slow to hash on every fuzz input
		}
		ok, _, verr := h.Verify(context.Background(), "Correct horse 9", encoded)
		if (verr == nil) != (err == nil) {
			t.Fatalf("Verify error %v disagrees with decode error %v", verr, err)
		}
		if ok {
			_, salt, key, _ := decode(encoded)
			if !bytes.Equal(salt, wantSalt) || !bytes.Equal(key, wantKey) {
				t.Fatalf("Verify accepted %q", encoded)
			}
		}
	})
}
