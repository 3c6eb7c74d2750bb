package auth

import (
	"regexp"
	"time"

	"qingfeng/internal/apperr"
)

// User is a person who can sign in. Secrets (password hash, TOTP secret)
// never leave the store in this type.
type User struct {
	ID          int64
	PersonID    int64
	Name        string // the person's name
	UnitID      int64
	UnitName    string
	Username    string
	Email       string // for notifications by e-mail; "" for none
	Roles       []Role
	Active      bool
	TOTPEnabled bool
	LastLoginAt time.Time
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// RoleInfo is a role row with its permissions.
type RoleInfo struct {
	Code        Role
	NameZH      string
	NameEN      string
	RequireTOTP bool
	Perms       []Permission
	Version     int64
}

// Session stages: a password-only session may only finish the second factor.
const (
	StageFull   = "full"   // fully signed in
	StageTOTP   = "totp"   // password accepted; TOTP code required
	StageEnroll = "enroll" // password accepted; the role requires TOTP and the user must enrol
)

// Session is a server-side sign-in session. The cookie holds a random token;
// the store keeps only its hash.
type Session struct {
	ID         int64
	UserID     int64
	Stage      string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute expiry
}

// SessionPolicy holds the expiry rules (configurable, see the operator guide).
type SessionPolicy struct {
	Idle     time.Duration // sign out after this long without a request
	Absolute time.Duration // sign out this long after sign-in regardless
	Touch    time.Duration // refresh last-seen at most this often (write amplification)
}

// DefaultSessionPolicy is 30 minutes idle, 12 hours absolute.
func DefaultSessionPolicy() SessionPolicy {
	return SessionPolicy{Idle: 30 * time.Minute, Absolute: 12 * time.Hour, Touch: time.Minute}
}

// Expired reports whether the session is over at now.
func (p SessionPolicy) Expired(s Session, now time.Time) bool {
	return !now.Before(s.ExpiresAt) || now.Sub(s.LastSeenAt) >= p.Idle
}

// LoginPolicy holds account throttling: after MaxFailures consecutive
// failures an account is locked for Lockout, doubling per further failure up
// to MaxLockout.
type LoginPolicy struct {
	MaxFailures int
	Lockout     time.Duration
	MaxLockout  time.Duration
}

// DefaultLoginPolicy: 5 failures, then 1 minute doubling up to 1 hour.
func DefaultLoginPolicy() LoginPolicy {
	return LoginPolicy{MaxFailures: 5, Lockout: time.Minute, MaxLockout: time.Hour}
}

// LockFor returns how long to lock after the given consecutive failure count
// (0 when below the threshold).
func (p LoginPolicy) LockFor(failures int) time.Duration {
	if failures < p.MaxFailures {
		return 0
	}
	d := p.Lockout
	for i := p.MaxFailures; i < failures && d < p.MaxLockout; i++ {
		d *= 2
	}
	return min(d, p.MaxLockout)
}

var usernameRE = regexp.MustCompile(`^[a-z][a-z0-9_.-]{2,31}$`)

// ValidateUsername accepts 3-32 lowercase letters, digits, '_', '.', '-',
// starting with a letter.
func ValidateUsername(u string) error {
	if !usernameRE.MatchString(u) {
		return apperr.InvalidField("username", "auth.username_invalid")
	}
	return nil
}

// Token is an API token's metadata (the secret is shown once, never stored).
type Token struct {
	ID         int64
	UserID     int64
	Username   string
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
}
