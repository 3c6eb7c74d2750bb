// Package vault seals individual database fields with SM4-GCM under keys
// kept in a key file outside the database.
//
// The key file is text with one key per line, "ID HEX", where ID is 1 to 16
// lowercase letters or digits and HEX is a 16-byte SM4 key in hex. Blank
// lines and lines starting with '#' are ignored. The last key line is the
// active key, used for sealing; older keys are only used for opening. On
// unix the file must not be accessible by group or others (mode 0600).
package vault

import (
	"bytes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/emmansun/gmsm/sm4"
)

const (
	keySize   = 16 // SM4 key length in bytes
	nonceSize = 12 // GCM standard nonce
	tagSize   = 16 // GCM tag
	maxIDLen  = 16
	version   = "v1"
)

// Errors returned by Keyring.Open, possibly wrapped; test with errors.Is.
var (
	// ErrMalformed means the sealed string is not a v1 sealed value.
	ErrMalformed = errors.New("vault: malformed sealed value")
	// ErrUnknownKey means the value was sealed under a key ID that is not in
	// the key file.
	ErrUnknownKey = errors.New("vault: unknown key")
	// ErrAuth means authentication failed: the value was tampered with or
	// the associated data differs from the one used for sealing.
	ErrAuth = errors.New("vault: authentication failed")
)

// Keyring holds the SM4 keys of one key file. It is immutable after loading
// and safe for concurrent use.
type Keyring struct {
	keys   map[string][]byte
	active string
}

// LoadOrCreate loads the key file at path, first creating its directory
// (mode 0700) and the file (mode 0600) with one fresh key read from random when
// the file does not exist. The server calls it at startup. It returns the
// errors of Load, and any error creating the directory or file or reading
// random.
func LoadOrCreate(path string, random io.Reader) (*Keyring, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("vault: create key directory: %w", err)
		}
		line, err := keyLine("k1", random)
		if err != nil {
			return nil, err
		}
		content := "# qingfeng vault keys: \"ID HEX\" per line; the last line is the active key.\n" + line
		if err := createFile(path, []byte(content)); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
	}
	return Load(path)
}

// Load reads the key file at path. Commands that only open values (and
// LoadOrCreate) call it. It returns an error wrapping fs.ErrNotExist when the
// file is missing, an error when the file is accessible by group or others
// (unix only), and an error naming the line number for a malformed line, a
// bad or duplicate key ID, or a key that is not 16 bytes of hex; a file
// without keys is an error too.
func Load(path string) (*Keyring, error) {
	data, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	return parse(path, data)
}

// Rotate adds a fresh key read from random as the new active key at the end of
// the key file at path, keeping all older keys and comments, and returns its
// ID. The file is replaced atomically. The key rotation command calls it;
// running processes keep using their loaded Keyring until they reload.
// Rotate must not run concurrently with itself on the same file. It returns
// the errors of Load and any error reading random or writing the file.
func Rotate(path string, random io.Reader) (newID string, err error) {
	data, err := readKeyFile(path)
	if err != nil {
		return "", err
	}
	k, err := parse(path, data)
	if err != nil {
		return "", err
	}
	for n := len(k.keys) + 1; ; n++ {
		newID = fmt.Sprintf("k%d", n)
		if _, taken := k.keys[newID]; !taken {
			break
		}
	}
	line, err := keyLine(newID, random)
	if err != nil {
		return "", err
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		data = append(data, '\n')
	}
	data = append(data, line...)

	tmp := fmt.Sprintf("%s.tmp-%s", path, newID)
	if err := createFile(tmp, data); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("vault: replace key file: %w", err)
	}
	return newID, nil
}

// ActiveID returns the ID of the key used by Seal.
func (k *Keyring) ActiveID() string {
	return k.active
}

// String describes the keyring without revealing key material, so that
// logging a Keyring is safe.
func (k *Keyring) String() string {
	return fmt.Sprintf("vault.Keyring{active: %q, keys: %d}", k.active, len(k.keys))
}

// GoString is String, so that %#v does not reveal key material either.
func (k *Keyring) GoString() string {
	return k.String()
}

// Seal encrypts plaintext under the active key with SM4-GCM and a random
// 12-byte nonce, authenticating aad too (typically the table, column and row
// ID, so that a sealed value cannot be moved to another row). The result is
// "v1.<keyid>.<base64url-no-pad(nonce||ciphertext)>". Repositories call it
// before writing a sealed column. It returns an error only if the cipher
// cannot be set up.
func (k *Keyring) Seal(plaintext, aad []byte) (string, error) {
	aead, err := newAEAD(k.keys[k.active])
	if err != nil {
		return "", err
	}
	buf := make([]byte, nonceSize, nonceSize+len(plaintext)+tagSize)
	rand.Read(buf) // never fails; see crypto/rand.Read
	buf = aead.Seal(buf, buf, plaintext, aad)
	return version + "." + k.active + "." + base64.RawURLEncoding.EncodeToString(buf), nil
}

// Open decrypts a value produced by Seal with the same aad. Repositories call
// it after reading a sealed column. It returns ErrMalformed when sealed is
// not a well-formed v1 value, ErrUnknownKey when its key ID is not in the
// keyring, and ErrAuth when the value was tampered with or aad differs.
func (k *Keyring) Open(sealed string, aad []byte) ([]byte, error) {
	id, payload, err := split(sealed)
	if err != nil {
		return nil, err
	}
	key, ok := k.keys[id]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, id)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(payload)
	if err != nil || len(raw) < nonceSize+tagSize {
		return nil, ErrMalformed
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	plain, err := aead.Open(nil, raw[:nonceSize], raw[nonceSize:], aad)
	if err != nil {
		return nil, ErrAuth
	}
	return plain, nil
}

// NeedsReseal reports whether sealed should be rewritten by a rotation job:
// it is true unless sealed is a well-formed v1 value under k's active key, so
// values under older keys are resealed and malformed ones surface through
// Open's error. It returns no error.
func NeedsReseal(sealed string, k *Keyring) bool {
	id, _, err := split(sealed)
	return err != nil || id != k.active
}

// split parses "v1.<keyid>.<payload>" without decoding the payload.
func split(sealed string) (id, payload string, err error) {
	parts := strings.SplitN(sealed, ".", 3)
	if len(parts) != 3 || parts[0] != version || !validID(parts[1]) || parts[2] == "" {
		return "", "", ErrMalformed
	}
	return parts[1], parts[2], nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := sm4.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return aead, nil
}

func validID(id string) bool {
	if id == "" || len(id) > maxIDLen {
		return false
	}
	for _, c := range []byte(id) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// keyLine returns "ID HEX\n" for a fresh key read from r.
func keyLine(id string, r io.Reader) (string, error) {
	key := make([]byte, keySize)
	if _, err := io.ReadFull(r, key); err != nil {
		return "", fmt.Errorf("vault: generate key: %w", err)
	}
	return id + " " + hex.EncodeToString(key) + "\n", nil
}

// readKeyFile checks the file's permissions and returns its contents.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vault: open key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("vault: key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("vault: key file %s is not a regular file", path)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("vault: key file %s has mode %04o and is accessible by group or others; run chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("vault: read key file: %w", err)
	}
	return data, nil
}

func parse(path string, data []byte) (*Keyring, error) {
	k := &Keyring{keys: make(map[string][]byte)}
	for i, line := range bytes.Split(data, []byte("\n")) {
		n := i + 1
		text := strings.TrimSpace(string(line))
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) != 2 {
			return nil, fmt.Errorf("vault: key file %s line %d: want \"ID HEX\"", path, n)
		}
		id, hexKey := fields[0], fields[1]
		if !validID(id) {
			return nil, fmt.Errorf("vault: key file %s line %d: key ID must be 1 to %d lowercase letters or digits", path, n, maxIDLen)
		}
		if _, dup := k.keys[id]; dup {
			return nil, fmt.Errorf("vault: key file %s line %d: duplicate key ID %q", path, n, id)
		}
		key, err := hex.DecodeString(hexKey)
		if err != nil || len(key) != keySize {
			return nil, fmt.Errorf("vault: key file %s line %d: key must be %d bytes of hex", path, n, keySize)
		}
		k.keys[id] = key
		k.active = id
	}
	if k.active == "" {
		return nil, fmt.Errorf("vault: key file %s has no keys", path)
	}
	return k, nil
}

// createFile writes data to a new file at path with mode 0600 and syncs it.
// It fails with an error wrapping fs.ErrExist when path exists.
func createFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("vault: create key file: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("vault: write key file: %w", err)
	}
	return nil
}

// MACKey derives a 32-byte key for keyed hashes (HMAC-SHA256) from the
// vault key with the given ID and a label naming the use (e.g.
// "crosscheck id"), so that a column can be matched on without storing
// the value in clear. ok is false when the key ID is not in the keyring.
// Values hashed under one key ID match only values hashed under the same
// one: callers store the key ID next to the hashes (ActiveID when writing).
func (k *Keyring) MACKey(id, label string) (key []byte, ok bool) {
	base, ok := k.keys[id]
	if !ok {
		return nil, false
	}
	m := hmac.New(sha256.New, base)
	m.Write([]byte("qingfeng mac key\x00" + label))
	return m.Sum(nil), true
}
