package intake

import (
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	"strings"

	"github.com/emmansun/gmsm/sm3"
)

// receiptAlphabet is case-sensitive letters and digits without the easily
// confused 0 O o 1 l I (56 symbols, 5.8 bits each).
const receiptAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz"

// ReceiptLen is the receipt code length: 20 symbols ≈ 116 bits.
const ReceiptLen = 20

// NewReceiptCode draws a receipt code (查询码) from random (crypto/rand in
// production) with rejection sampling, so every symbol is uniform.
func NewReceiptCode(random io.Reader) (string, error) {
	var b strings.Builder
	max := big.NewInt(int64(len(receiptAlphabet)))
	buf := make([]byte, 1)
	for b.Len() < ReceiptLen {
		if _, err := io.ReadFull(random, buf); err != nil {
			return "", err
		}
		// 256 = 4*56 + 32: reject the top 32 values to stay uniform.
		if int(buf[0]) >= 4*len(receiptAlphabet) {
			continue
		}
		b.WriteByte(receiptAlphabet[int(buf[0])%int(max.Int64())])
	}
	return b.String(), nil
}

// NormalizeReceipt strips the spaces and dashes a reporter may type when
// copying a grouped code; case is kept (codes are case-sensitive).
func NormalizeReceipt(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, strings.TrimSpace(code))
}

// GroupReceipt formats a code in groups of four for display: "Ab3d-Ef5h-…".
func GroupReceipt(code string) string {
	var parts []string
	for len(code) > 4 {
		parts = append(parts, code[:4])
		code = code[4:]
	}
	return strings.Join(append(parts, code), "-")
}

// ReceiptHasher computes the keyed hash stored instead of a receipt code
// (HMAC-SM3 under a key kept outside the database).
type ReceiptHasher struct{ key []byte }

// NewReceiptHasher returns a hasher; the key must be at least 32 bytes.
func NewReceiptHasher(key []byte) (*ReceiptHasher, error) {
	if len(key) < 32 {
		return nil, errors.New("intake: receipt key shorter than 32 bytes")
	}
	return &ReceiptHasher{key: append([]byte(nil), key...)}, nil
}

// Hash returns the hex HMAC-SM3 of a normalised code.
func (h *ReceiptHasher) Hash(code string) string {
	m := hmac.New(sm3.New, h.key)
	m.Write([]byte(NormalizeReceipt(code)))
	return hex.EncodeToString(m.Sum(nil))
}

// PlausibleReceipt reports whether s could be a receipt code (length and
// alphabet); lookups still run the hash for implausible codes so that the
// answer takes the same time.
func PlausibleReceipt(s string) bool {
	s = NormalizeReceipt(s)
	if len(s) != ReceiptLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(receiptAlphabet, rune(s[i])) {
			return false
		}
	}
	return true
}
