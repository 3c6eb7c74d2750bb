package vault

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const (
	hexA = "00112233445566778899aabbccddeeff"
	hexB = "ffeeddccbbaa99887766554433221100"
)

// writeKeyFile writes content to a fresh 0600 file and returns its path.
func writeKeyFile(t testing.TB, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vault.keys")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func newKeyring(t *testing.T) (*Keyring, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secrets", "vault.keys")
	k, err := LoadOrCreate(path, rand.Reader)
	if err != nil {
		t.Fatalf("LoadOrCreate: %v", err)
	}
	return k, path
}

func TestLoadOrCreateCreates(t *testing.T) {
	k, path := newKeyring(t)
	if k.ActiveID() != "k1" {
		t.Errorf("ActiveID = %q, want k1", k.ActiveID())
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %04o, want 0600", fi.Mode().Perm())
	}
	// Loading again returns the same key: a value sealed before opens after.
	sealed, err := k.Seal([]byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := LoadOrCreate(path, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k2.Open(sealed, nil); err != nil || string(got) != "x" {
		t.Errorf("reopen after reload = %q, %v", got, err)
	}
}

func TestSealOpen(t *testing.T) {
	k, _ := newKeyring(t)
	tests := []struct {
		name      string
		plaintext []byte
		aad       []byte
	}{
		{"empty", nil, nil},
		{"text with aad", []byte("110101199003074578"), []byte("person.id_number:42")},
		{"binary", bytes.Repeat([]byte{0, 0xff}, 1000), []byte{1}},
	}
	for _, tt := range tests {
		sealed, err := k.Seal(tt.plaintext, tt.aad)
		if err != nil {
			t.Fatalf("%s: Seal: %v", tt.name, err)
		}
		if !strings.HasPrefix(sealed, "v1.k1.") {
			t.Errorf("%s: sealed = %q, want prefix v1.k1.", tt.name, sealed)
		}
		got, err := k.Open(sealed, tt.aad)
		if err != nil {
			t.Fatalf("%s: Open: %v", tt.name, err)
		}
		if !bytes.Equal(got, tt.plaintext) {
			t.Errorf("%s: Open = %q, want %q", tt.name, got, tt.plaintext)
		}
		again, _ := k.Seal(tt.plaintext, tt.aad)
		if again == sealed {
			t.Errorf("%s: two seals are identical (nonce reused)", tt.name)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	k, _ := newKeyring(t)
	sealed, err := k.Seal([]byte("secret"), []byte("row:1"))
	if err != nil {
		t.Fatal(err)
	}
	payload := sealed[len("v1.k1."):]
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-1] ^= 0x01
	flipped := "v1.k1." + base64.RawURLEncoding.EncodeToString(raw)
	tests := []struct {
		name   string
		sealed string
		aad    string
		want   error
	}{
		{"wrong aad", sealed, "row:2", ErrAuth},
		{"missing aad", sealed, "", ErrAuth},
		{"tampered", flipped, "row:1", ErrAuth},
		{"unknown key", "v1.k9." + payload, "row:1", ErrUnknownKey},
		{"empty", "", "row:1", ErrMalformed},
		{"wrong version", "v2.k1." + payload, "row:1", ErrMalformed},
		{"bad key id", "v1.K1." + payload, "row:1", ErrMalformed},
		{"missing payload", "v1.k1.", "row:1", ErrMalformed},
		{"two parts", "v1.k1", "row:1", ErrMalformed},
		{"bad base64", "v1.k1.@@@@", "row:1", ErrMalformed},
		{"padded base64", sealed + "=", "row:1", ErrMalformed},
		{"too short", "v1.k1.AAAA", "row:1", ErrMalformed},
	}
	for _, tt := range tests {
		got, err := k.Open(tt.sealed, []byte(tt.aad))
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: Open error = %v, want %v", tt.name, err, tt.want)
		}
		if got != nil {
			t.Errorf("%s: Open returned plaintext %q", tt.name, got)
		}
	}
}

func TestRotate(t *testing.T) {
	k1, path := newKeyring(t)
	old, err := k1.Seal([]byte("old"), []byte("a"))
	if err != nil {
		t.Fatal(err)
	}
	newID, err := Rotate(path, rand.Reader)
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if newID != "k2" {
		t.Errorf("Rotate id = %q, want k2", newID)
	}
	k2, err := Load(path)
	if err != nil {
		t.Fatalf("Load after rotate: %v", err)
	}
	if k2.ActiveID() != "k2" {
		t.Errorf("ActiveID = %q, want k2", k2.ActiveID())
	}
	if got, err := k2.Open(old, []byte("a")); err != nil || string(got) != "old" {
		t.Errorf("open old value = %q, %v", got, err)
	}
	fresh, err := k2.Seal([]byte("new"), []byte("a"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(fresh, "v1.k2.") {
		t.Errorf("new seal = %q, want prefix v1.k2.", fresh)
	}
	if _, err := k1.Open(fresh, []byte("a")); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("old keyring opening new value: %v, want ErrUnknownKey", err)
	}

	reseal := []struct {
		name   string
		sealed string
		want   bool
	}{
		{"old key", old, true},
		{"active key", fresh, false},
		{"malformed", "garbage", true},
	}
	for _, tt := range reseal {
		if got := NeedsReseal(tt.sealed, k2); got != tt.want {
			t.Errorf("NeedsReseal(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}

	// A second rotation keeps every key and the file stays 0600.
	if id, err := Rotate(path, rand.Reader); err != nil || id != "k3" {
		t.Fatalf("second Rotate = %q, %v", id, err)
	}
	k3, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k3.Open(old, []byte("a")); err != nil || string(got) != "old" {
		t.Errorf("open k1 value after two rotations = %q, %v", got, err)
	}
	if fi, _ := os.Stat(path); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after rotate = %04o, want 0600", fi.Mode().Perm())
	}
}

func TestRotateWithoutTrailingNewline(t *testing.T) {
	path := writeKeyFile(t, "# keys\nk2 "+hexA)
	id, err := Rotate(path, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if id != "k3" {
		t.Errorf("id = %q, want k3 (k2 is taken)", id)
	}
	k, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if k.ActiveID() != "k3" {
		t.Errorf("ActiveID = %q, want k3", k.ActiveID())
	}
}

func TestLoadFile(t *testing.T) {
	tests := []struct {
		name       string
		content    string
		wantActive string
		wantErr    string // substring; "" means success
	}{
		{"single", "k1 " + hexA + "\n", "k1", ""},
		{"comments and blanks", "# c\n\n  k1 " + hexA + "  \n# k9 " + hexB + "\nold2 " + hexB, "old2", ""},
		{"uppercase hex", "k1 " + strings.ToUpper(hexA), "k1", ""},
		{"empty", "", "", "has no keys"},
		{"only comments", "# nothing\n", "", "has no keys"},
		{"one field", "# c\nk1\n", "", "line 2: want \"ID HEX\""},
		{"three fields", "k1 " + hexA + " extra", "", "line 1: want \"ID HEX\""},
		{"uppercase id", "K1 " + hexA, "", "line 1: key ID"},
		{"id with dot", "k.1 " + hexA, "", "line 1: key ID"},
		{"long id", strings.Repeat("k", 17) + " " + hexA, "", "line 1: key ID"},
		{"short key", "k1 " + hexA[:30], "", "line 1: key must be 16 bytes"},
		{"long key", "k1 " + hexA + "00", "", "line 1: key must be 16 bytes"},
		{"not hex", "k1 " + strings.Repeat("zz", 16), "", "line 1: key must be 16 bytes"},
		{"duplicate", "k1 " + hexA + "\nk2 " + hexB + "\nk1 " + hexB, "", "line 3: duplicate key ID"},
	}
	for _, tt := range tests {
		k, err := Load(writeKeyFile(t, tt.content))
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%s: Load: %v", tt.name, err)
			} else if k.ActiveID() != tt.wantActive {
				t.Errorf("%s: ActiveID = %q, want %q", tt.name, k.ActiveID(), tt.wantActive)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: Load error = %v, want containing %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load missing file: %v, want fs.ErrNotExist", err)
	}
}

func TestPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix permission bits do not apply on windows")
	}
	tests := []struct {
		mode    os.FileMode
		wantErr bool
	}{
		{0o600, false},
		{0o400, false},
		{0o640, true},
		{0o604, true},
		{0o620, true},
	}
	for _, tt := range tests {
		path := writeKeyFile(t, "k1 "+hexA+"\n")
		if err := os.Chmod(path, tt.mode); err != nil {
			t.Fatal(err)
		}
		_, loadErr := Load(path)
		_, createErr := LoadOrCreate(path, rand.Reader)
		_, rotateErr := Rotate(path, rand.Reader)
		for name, err := range map[string]error{"Load": loadErr, "LoadOrCreate": createErr, "Rotate": rotateErr} {
			if (err != nil) != tt.wantErr {
				t.Errorf("mode %04o: %s error = %v, want error %v", tt.mode, name, err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "chmod 600") {
				t.Errorf("mode %04o: %s error %q does not say how to fix it", tt.mode, name, err)
			}
		}
	}
}

func TestStringHidesKeys(t *testing.T) {
	k, err := Load(writeKeyFile(t, "k1 "+hexA+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{k.String(), k.GoString()} {
		if strings.Contains(s, hexA[:8]) || s != `vault.Keyring{active: "k1", keys: 1}` {
			t.Errorf("String = %q", s)
		}
	}
}

func FuzzOpen(f *testing.F) {
	k, err := Load(writeKeyFile(f, "k1 "+hexA+"\nk2 "+hexB+"\n"))
	if err != nil {
		f.Fatal(err)
	}
	sealed, err := k.Seal([]byte("hello"), []byte("aad"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed, []byte("aad"))
	f.Add("v1.k1.", []byte(nil))
	f.Add("v1.k3.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", []byte("x"))
	f.Add("...", []byte{})
	f.Fuzz(func(t *testing.T, s string, aad []byte) {
		got, err := k.Open(s, aad)
		if err == nil {
			// Only the genuine value and aad can authenticate.
			if string(got) != "hello" || string(aad) != "aad" {
				t.Fatalf("Open(%q, %q) succeeded with %q", s, aad, got)
			}
			return
		}
		if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnknownKey) && !errors.Is(err, ErrAuth) {
			t.Fatalf("Open(%q): unexpected error %v", s, err)
		}
		_ = NeedsReseal(s, k)
	})
}

func TestMACKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	k1, err := LoadOrCreate(path, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	a, ok := k1.MACKey(k1.ActiveID(), "crosscheck id_number")
	b, _ := k1.MACKey(k1.ActiveID(), "crosscheck id_number")
	c, _ := k1.MACKey(k1.ActiveID(), "other use")
	if !ok || len(a) != 32 || !bytes.Equal(a, b) || bytes.Equal(a, c) {
		t.Errorf("derived keys: %x %x %x", a, b, c)
	}
	if _, ok := k1.MACKey("nope", "x"); ok {
		t.Error("unknown key id derived a key")
	}
	id2, err := Rotate(path, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	old, ok := k2.MACKey(k1.ActiveID(), "crosscheck id_number")
	fresh, _ := k2.MACKey(id2, "crosscheck id_number")
	if !ok || !bytes.Equal(old, a) || bytes.Equal(fresh, a) {
		t.Errorf("after rotation: old key derives %x, new %x", old, fresh)
	}
}
