package credential

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// RandomToken reads nBytes from r (crypto/rand.Reader when r is nil) and
// returns them base64url-encoded without padding. Session and API token
// issuers call it. It returns an error when nBytes < 1 or r fails.
func RandomToken(r io.Reader, nBytes int) (string, error) {
	if nBytes < 1 {
		return "", errors.New("credential: token length must be positive")
	}
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, nBytes)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("credential: random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken returns the hex SHA-256 of token; session ids and API tokens are
// stored at rest only in this form and looked up by it. It returns no error.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
