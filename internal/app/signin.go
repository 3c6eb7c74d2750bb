package app

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/credential"
)

// SignIn is the result of a password check: a session token for the cookie
// and the session's stage (full, totp, enroll).
type SignIn struct {
	Token   string
	Session auth.Session
}

func badCredentials() error { return apperr.New(apperr.Unauthenticated, "auth.bad_credentials") }

// Login checks a username and password. source identifies the client for
// per-source throttling (an address; never stored). Unknown users, wrong
// passwords, locked and inactive accounts all answer "auth.bad_credentials"
// after the same password-hashing work. Errors: unauthenticated, rate_limited.
func (a *App) Login(ctx context.Context, username, password, source string) (SignIn, error) {
	if !a.Sources.Allow("login:" + source) {
		return SignIn{}, apperr.New(apperr.RateLimited, "auth.too_many_attempts")
	}
	c, err := a.Store.GetCredentials(ctx, username)
	if apperr.Is(err, apperr.NotFound) {
		a.Hasher.DummyVerify(ctx)
		return SignIn{}, badCredentials()
	}
	if err != nil {
		return SignIn{}, err
	}
	if a.Now().Before(c.LockedUntil) || !c.Active {
		a.Hasher.DummyVerify(ctx)
		return SignIn{}, badCredentials()
	}
	ok, rehash, err := a.Hasher.Verify(ctx, password, c.PasswordHash)
	if err != nil || !ok {
		if err := a.Store.RecordLoginFailure(ctx, c.UserID, a.Logins); err != nil {
			return SignIn{}, err
		}
		return SignIn{}, badCredentials()
	}
	if rehash {
		if h, err := a.Hasher.Hash(ctx, password); err == nil {
			_ = a.Store.SetPassword(ctx, actor(auth.Principal{UserID: c.UserID, Name: c.Name, UnitID: c.UnitID}), c.UserID, h, -1)
		}
	}
	stage := auth.StageFull
	switch {
	case c.TOTPEnabled:
		stage = auth.StageTOTP
	case c.RequireTOTP:
		stage = auth.StageEnroll
	}
	return a.newSession(ctx, c.UserID, stage)
}

func (a *App) newSession(ctx context.Context, userID int64, stage string) (SignIn, error) {
	tok, err := credential.RandomToken(a.Rand, 32)
	if err != nil {
		return SignIn{}, err
	}
	sess, err := a.Store.CreateSession(ctx, userID, credential.HashToken(tok), stage, a.Sessions)
	return SignIn{Token: tok, Session: sess}, err
}

// Resolve turns a session cookie into the session and, only for a full
// session, the principal (a zero Principal for the totp/enroll stages). Expired sessions are deleted. Errors: unauthenticated.
func (a *App) Resolve(ctx context.Context, token string) (auth.Session, auth.Principal, error) {
	if token == "" {
		return auth.Session{}, auth.Principal{}, apperr.New(apperr.Unauthenticated, "auth.signin_required")
	}
	sess, err := a.Store.GetSession(ctx, credential.HashToken(token))
	if err != nil {
		return sess, auth.Principal{}, apperr.New(apperr.Unauthenticated, "auth.signin_required")
	}
	now := a.Now()
	if a.Sessions.Expired(sess, now) {
		_ = a.Store.DeleteSession(ctx, sess.ID)
		return sess, auth.Principal{}, apperr.New(apperr.Unauthenticated, "auth.session_expired")
	}
	if now.Sub(sess.LastSeenAt) >= a.Sessions.Touch {
		if err := a.Store.TouchSession(ctx, sess.ID); err != nil {
			return sess, auth.Principal{}, err
		}
	}
	if sess.Stage != auth.StageFull {
		// Half signed in: the session exists but grants nothing yet.
		return sess, auth.Principal{}, nil
	}
	p, err := a.Store.Principal(ctx, sess.UserID, a.Today())
	if err != nil {
		_ = a.Store.DeleteSession(ctx, sess.ID)
		return sess, auth.Principal{}, apperr.New(apperr.Unauthenticated, "auth.signin_required")
	}
	p.SessionID = sess.ID
	return sess, p, nil
}

// ResolveToken turns an API bearer token into its principal.
// Errors: unauthenticated.
func (a *App) ResolveToken(ctx context.Context, token string) (auth.Principal, error) {
	tokID, userID, err := a.Store.TokenUser(ctx, credential.HashToken(token))
	if err != nil {
		return auth.Principal{}, apperr.New(apperr.Unauthenticated, "auth.token_invalid")
	}
	p, err := a.Store.Principal(ctx, userID, a.Today())
	if err != nil {
		return auth.Principal{}, apperr.New(apperr.Unauthenticated, "auth.token_invalid")
	}
	p.TokenID = tokID
	return p, nil
}

// Logout ends a session (audited).
func (a *App) Logout(ctx context.Context, sess auth.Session) error {
	return a.Store.EndSession(ctx, sess)
}

func totpAAD(userID int64) []byte {
	return []byte("users.totp_secret:" + strconv.FormatInt(userID, 10))
}

// VerifySecondFactor checks a TOTP code for a session at the totp stage and
// promotes it, returning the rotated cookie token. Wrong codes count as
// failed sign-ins. Errors: unauthenticated, invalid, rate_limited.
func (a *App) VerifySecondFactor(ctx context.Context, sess auth.Session, code, source string) (string, error) {
	if sess.Stage != auth.StageTOTP {
		return "", apperr.New(apperr.Unauthenticated, "auth.signin_required")
	}
	if !a.Sources.Allow("totp:" + source) {
		return "", apperr.New(apperr.RateLimited, "auth.too_many_attempts")
	}
	c, err := a.Store.GetCredentialsByID(ctx, sess.UserID)
	if err != nil {
		return "", err
	}
	if a.Now().Before(c.LockedUntil) || !c.Active {
		return "", apperr.InvalidField("code", "auth.totp_wrong")
	}
	secret, err := a.Keys.Open(c.TOTPSecret, totpAAD(c.UserID))
	if err != nil {
		return "", apperr.Wrap(err, apperr.Internal, "error.internal")
	}
	step, ok := credential.MatchTOTP(string(secret), code, a.Now())
	if ok {
		// A code is good once: refuse a step at or before the last one used.
		if ok, err = a.Store.UseTOTPStep(ctx, c.UserID, step); err != nil {
			return "", err
		}
	}
	if !ok {
		if err := a.Store.RecordLoginFailure(ctx, c.UserID, a.Logins); err != nil {
			return "", err
		}
		return "", apperr.InvalidField("code", "auth.totp_wrong")
	}
	return a.promote(ctx, sess)
}

func (a *App) promote(ctx context.Context, sess auth.Session) (string, error) {
	tok, err := credential.RandomToken(a.Rand, 32)
	if err != nil {
		return "", err
	}
	return tok, a.Store.PromoteSession(ctx, sess.ID, credential.HashToken(tok))
}

// Enrolment is a pending TOTP set-up: the secret (shown for manual entry),
// the otpauth URL and its QR code as PNG.
type Enrolment struct {
	Secret string
	URL    string
	QRPNG  []byte
}

// BeginEnrolment creates and stores (sealed, not yet enabled) a new TOTP
// secret for the session's user. Allowed for full sessions and sessions at
// the enroll stage.
func (a *App) BeginEnrolment(ctx context.Context, sess auth.Session) (Enrolment, error) {
	if sess.Stage == auth.StageTOTP {
		return Enrolment{}, apperr.New(apperr.Unauthenticated, "auth.signin_required")
	}
	c, err := a.Store.GetCredentialsByID(ctx, sess.UserID)
	if err != nil {
		return Enrolment{}, err
	}
	if c.TOTPEnabled {
		return Enrolment{}, apperr.New(apperr.Conflict, "auth.totp_already")
	}
	if c.TOTPSecret != "" {
		// A pending secret stays until confirmed, so a user who already
		// scanned it can retry a mistyped code.
		if secret, err := a.Keys.Open(c.TOTPSecret, totpAAD(c.UserID)); err == nil {
			url := otpauthURL(a.Issuer, c.Username, string(secret))
			png, err := credential.TOTPQRCodePNG(url, 200)
			return Enrolment{Secret: string(secret), URL: url, QRPNG: png}, err
		}
	}
	secret, url, err := credential.NewTOTPSecret(a.Issuer, c.Username)
	if err != nil {
		return Enrolment{}, err
	}
	png, err := credential.TOTPQRCodePNG(url, 200)
	if err != nil {
		return Enrolment{}, err
	}
	sealed, err := a.Keys.Seal([]byte(secret), totpAAD(c.UserID))
	if err != nil {
		return Enrolment{}, err
	}
	if err := a.Store.SetTOTP(ctx, actor(actorOf(c.UserID, c.Name, c.UnitID)), c.UserID, sealed, false); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: secret, URL: url, QRPNG: png}, nil
}

// ConfirmEnrolment enables TOTP when the code matches the pending secret; a
// session at the enroll stage is promoted and the new cookie token returned
// ("" otherwise). Errors: invalid, conflict.
func (a *App) ConfirmEnrolment(ctx context.Context, sess auth.Session, code string) (string, error) {
	c, err := a.Store.GetCredentialsByID(ctx, sess.UserID)
	if err != nil {
		return "", err
	}
	if c.TOTPEnabled || c.TOTPSecret == "" {
		return "", apperr.New(apperr.Conflict, "auth.totp_no_pending")
	}
	secret, err := a.Keys.Open(c.TOTPSecret, totpAAD(c.UserID))
	if err != nil {
		return "", apperr.Wrap(err, apperr.Internal, "error.internal")
	}
	step, ok := credential.MatchTOTP(string(secret), code, a.Now())
	if !ok {
		return "", apperr.InvalidField("code", "auth.totp_wrong")
	}
	if _, err := a.Store.UseTOTPStep(ctx, c.UserID, step); err != nil {
		return "", err
	}
	if err := a.Store.SetTOTP(ctx, actor(actorOf(c.UserID, c.Name, c.UnitID)), c.UserID, c.TOTPSecret, true); err != nil {
		return "", err
	}
	if sess.Stage == auth.StageEnroll {
		return a.promote(ctx, sess)
	}
	return "", nil
}

// otpauthURL rebuilds the key URI of a pending secret (RFC 6238 defaults).
func otpauthURL(issuer, account, secret string) string {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", "30")
	return "otpauth://totp/" + url.PathEscape(issuer) + ":" + url.PathEscape(account) + "?" + v.Encode()
}

func actorOf(userID int64, name string, unitID int64) auth.Principal {
	return auth.Principal{UserID: userID, Name: name, UnitID: unitID}
}

// CreateToken issues an API token for a user and returns the secret once.
// The caller may create tokens for itself (token.create) or, with
// user.manage, for users in its scope. Errors: forbidden, not_found, invalid.
func (a *App) CreateToken(ctx context.Context, p auth.Principal, userID int64, name string) (string, auth.Token, error) {
	if userID == p.UserID {
		if err := need(p, auth.PermTokenCreate); err != nil {
			return "", auth.Token{}, err
		}
	} else {
		if err := need(p, auth.PermUserManage); err != nil {
			return "", auth.Token{}, err
		}
		_, path, err := a.Store.GetUser(ctx, userID)
		if err != nil {
			return "", auth.Token{}, err
		}
		if err := inScope(p, auth.PermUserManage, path, "user"); err != nil {
			return "", auth.Token{}, err
		}
	}
	if name == "" {
		name = "token " + a.Now().In(a.Loc).Format("2006-01-02 15:04")
	}
	if len([]rune(name)) > 64 {
		return "", auth.Token{}, apperr.InvalidField("name", "auth.token_name_too_long")
	}
	secret, err := credential.RandomToken(a.Rand, 32)
	if err != nil {
		return "", auth.Token{}, err
	}
	secret = "qf_" + secret
	t, err := a.Store.CreateToken(ctx, actor(p), userID, name, credential.HashToken(secret))
	return secret, t, err
}

// RevokeToken revokes one of the caller's tokens, or, with user.manage, a
// token of a user in scope. Errors: forbidden, not_found.
func (a *App) RevokeToken(ctx context.Context, p auth.Principal, tokenID int64) error {
	t, err := a.Store.GetToken(ctx, tokenID)
	if err != nil {
		return err
	}
	if t.UserID != p.UserID {
		if err := need(p, auth.PermUserManage); err != nil {
			return err
		}
		_, path, err := a.Store.GetUser(ctx, t.UserID)
		if err != nil {
			return err
		}
		if err := inScope(p, auth.PermUserManage, path, "user"); err != nil {
			return err
		}
	}
	return a.Store.RevokeToken(ctx, actor(p), tokenID)
}

// SessionTTL is how long the cookie may live (the absolute expiry).
func (a *App) SessionTTL() time.Duration { return a.Sessions.Absolute }
