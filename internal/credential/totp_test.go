package credential

import (
	"bytes"
	"image/png"
	"net/url"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// rfcSecret is base32 of the RFC 6238 SHA1 test key "12345678901234567890".
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func TestNewTOTPSecret(t *testing.T) {
	secret, u, err := NewTOTPSecret("青峰", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := parsed.Query()
	checks := []struct {
		name, got, want string
	}{
		{"scheme", parsed.Scheme, "otpauth"},
		{"type", parsed.Host, "totp"},
		{"secret", q.Get("secret"), secret},
		{"issuer", q.Get("issuer"), "青峰"},
		{"period", q.Get("period"), "30"},
		{"digits", q.Get("digits"), "6"},
		{"algorithm", q.Get("algorithm"), "SHA1"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if len(secret) != 32 { // 20 random bytes in base32
		t.Errorf("secret length = %d, want 32", len(secret))
	}
	other, _, _ := NewTOTPSecret("青峰", "alice@example.com")
	if other == secret {
		t.Error("two secrets are equal")
	}
	now := time.Now()
	code, err := totp.GenerateCodeCustom(secret, now, totpOpts())
	if err != nil {
		t.Fatal(err)
	}
	if !CheckTOTP(secret, code, now) {
		t.Error("CheckTOTP rejected a code for a fresh secret")
	}

	for _, bad := range [][2]string{{"", "a"}, {"i", ""}} {
		if _, _, err := NewTOTPSecret(bad[0], bad[1]); err == nil {
			t.Errorf("NewTOTPSecret(%q, %q): want error", bad[0], bad[1])
		}
	}
}

func TestCheckTOTP(t *testing.T) {
	// RFC 6238 appendix B, SHA1, last 6 digits of the 8-digit values.
	rfc := []struct {
		unix int64
		code string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
	}
	for _, v := range rfc {
		if !CheckTOTP(rfcSecret, v.code, time.Unix(v.unix, 0)) {
			t.Errorf("RFC vector at %d: code %s rejected", v.unix, v.code)
		}
	}

	at := time.Date(2025, 3, 1, 8, 0, 15, 0, time.UTC) // mid-step
	codeAt := func(d time.Duration) string {
		c, err := totp.GenerateCodeCustom(rfcSecret, at.Add(d), totpOpts())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	now := codeAt(0)
	tests := []struct {
		name   string
		secret string
		code   string
		want   bool
	}{
		{"current step", rfcSecret, now, true},
		{"previous step", rfcSecret, codeAt(-30 * time.Second), true},
		{"next step", rfcSecret, codeAt(30 * time.Second), true},
		{"two steps back", rfcSecret, codeAt(-60 * time.Second), false},
		{"two steps ahead", rfcSecret, codeAt(60 * time.Second), false},
		{"lowercase secret", "gezdgnbvgy3tqojqgezdgnbvgy3tqojq", now, true},
		{"5 digits", rfcSecret, now[:5], false},
		{"7 digits", rfcSecret, now + "0", false},
		{"spaces", rfcSecret, " " + now[:5], false},
		{"trailing space", rfcSecret, now + " ", false},
		{"letters", rfcSecret, "12a456", false},
		{"full-width digits", rfcSecret, "１２３４５６", false},
		{"empty", rfcSecret, "", false},
		{"bad secret", "not base32!", now, false},
	}
	for _, tt := range tests {
		if got := CheckTOTP(tt.secret, tt.code, at); got != tt.want {
			t.Errorf("%s: CheckTOTP(%q) = %v, want %v", tt.name, tt.code, got, tt.want)
		}
	}
}

func TestTOTPQRCodePNG(t *testing.T) {
	_, u, err := NewTOTPSecret("qingfeng", "alice")
	if err != nil {
		t.Fatal(err)
	}
	b, err := TOTPQRCodePNG(u, 256)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if got := img.Bounds().Size(); got.X != 256 || got.Y != 256 {
		t.Errorf("size = %v, want 256x256", got)
	}

	bad := []struct {
		name string
		url  string
		size int
	}{
		{"zero size", u, 0},
		{"huge size", u, 100000},
		{"too small for code", u, 10},
		{"hotp url", "otpauth://hotp/x:y?secret=GEZDGNBV&issuer=x&counter=0", 256},
		{"not a url", "%zz", 256},
	}
	for _, tt := range bad {
		if _, err := TOTPQRCodePNG(tt.url, tt.size); err == nil {
			t.Errorf("%s: want error", tt.name)
		}
	}
}
