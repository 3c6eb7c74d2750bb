package vault

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
)

func TestLoadOrCreateSecret(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "receipt.key")
	a, err := LoadOrCreateSecret(path, 32, rand.Reader)
	if err != nil || len(a) != 32 {
		t.Fatalf("create: %v %d", err, len(a))
	}
	b, err := LoadOrCreateSecret(path, 32, rand.Reader)
	if err != nil || !bytes.Equal(a, b) {
		t.Fatalf("reload gave a different key: %v", err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	if _, err := LoadOrCreateSecret(path, 16, rand.Reader); err == nil {
		t.Error("wrong length accepted")
	}
	os.Chmod(path, 0o644)
	if _, err := LoadOrCreateSecret(path, 32, rand.Reader); err == nil {
		t.Error("world-readable key accepted")
	}
}
