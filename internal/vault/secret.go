package vault

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// LoadOrCreateSecret reads a hex secret of n bytes from path, creating the
// file (mode 0600, folder 0700) with fresh random bytes when it is missing.
// The receipt-code hash key lives in such a file beside the sealing keys:
// unlike sealing keys it is never rotated (stored hashes depend on it).
// Errors: a malformed file, a file open to group or others, I/O.
func LoadOrCreateSecret(path string, n int, random io.Reader) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key := make([]byte, n)
		if _, err := io.ReadFull(random, key); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
			return nil, err
		}
		return key, nil
	}
	if err != nil {
		return nil, err
	}
	if runtime.GOOS != "windows" {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("vault: %s is accessible by group or others (mode %v); run chmod 600", path, fi.Mode().Perm())
		}
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != n {
		return nil, fmt.Errorf("vault: %s: want %d hex-encoded bytes", path, n)
	}
	return key, nil
}
