package credential

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// maxQRSize bounds the QR image so a bad size cannot allocate without limit.
const maxQRSize = 2048

// totpOpts are the RFC 6238 settings every authenticator app supports.
func totpOpts() totp.ValidateOpts {
	return totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
}

// NewTOTPSecret makes a random TOTP secret (RFC 6238: 30 s, 6 digits, SHA1)
// for account at issuer and returns it in base32 with its otpauth:// URL.
// TOTP enrolment calls it; the caller stores the secret sealed and shows the
// URL as a QR code. It returns an error when issuer or account is empty.
func NewTOTPSecret(issuer, account string) (secret string, otpauthURL string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      issuer,
		AccountName: account,
		Period:      30,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", "", fmt.Errorf("credential: new TOTP secret: %w", err)
	}
	return key.Secret(), key.URL(), nil
}

// TOTPQRCodePNG renders otpauthURL as a size×size PNG QR code, for an
// offline data: URL on the enrolment page. It returns an error when the URL
// does not parse, when size is not 1 to 2048, or when size is too small for
// the QR code.
func TOTPQRCodePNG(otpauthURL string, size int) ([]byte, error) {
	if size < 1 || size > maxQRSize {
		return nil, fmt.Errorf("credential: QR size must be 1 to %d", maxQRSize)
	}
	key, err := otp.NewKeyFromURL(otpauthURL)
	if err != nil {
		return nil, fmt.Errorf("credential: otpauth URL: %w", err)
	}
	if key.Type() != "totp" {
		return nil, errors.New("credential: otpauth URL is not a TOTP key")
	}
	img, err := key.Image(size, size)
	if err != nil {
		return nil, fmt.Errorf("credential: QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("credential: QR code: %w", err)
	}
	return buf.Bytes(), nil
}

// CheckTOTP reports whether code is the 6-digit TOTP code of secret at now,
// allowing one 30-second step of clock skew either way. Login calls it; the
// caller must reject a code (step) that was already used. A code that is not
// exactly 6 ASCII digits, or an invalid secret, gives false.
func CheckTOTP(secret, code string, now time.Time) bool {
	if len(code) != 6 {
		return false
	}
	for i := range len(code) {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	ok, err := totp.ValidateCustom(code, secret, now, totpOpts())
	return err == nil && ok
}

// MatchTOTP is CheckTOTP that also returns the 30-second time step the code
// belongs to, so the caller can refuse a step at or before the last one it
// accepted (no replay of an observed code). It returns ok=false for bad codes.
func MatchTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	if !CheckTOTP(secret, code, now) {
		return 0, false
	}
	opts := totpOpts()
	base := now.Unix() / int64(opts.Period)
	for _, d := range []int64{0, -1, 1} {
		t := time.Unix((base+d)*int64(opts.Period), 0)
		c, err := totp.GenerateCodeCustom(secret, t, opts)
		if err == nil && c == code {
			return base + d, true
		}
	}
	return 0, false
}
