package app_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/credential"
	"qingfeng/internal/store"
)

// src returns a fresh client source, so that per-source throttling never
// interferes with a test that is not about it.
func src(t *testing.T, n int) string { return fmt.Sprintf("%s#%d", t.Name(), n) }

func TestLogin(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		in, err := f.app.Login(ctx, "townt1", password, src(t, 1))
		must(t, err)
		if in.Token == "" || in.Session.Stage != auth.StageFull || in.Session.UserID != f.users["townt1"].ID ||
			!in.Session.ExpiresAt.Equal(t0.Add(12*time.Hour)) {
			t.Errorf("Login = %+v", in)
		}
		sess, p, err := f.app.Resolve(ctx, in.Token)
		must(t, err)
		if sess.ID != in.Session.ID || p.UserID != f.users["townt1"].ID || p.SessionID != sess.ID || p.UnitID != f.units["T1"].ID ||
			p.UnitPath != f.units["T1"].Path || !p.Can(auth.PermOrgRead) || p.Can(auth.PermOrgManage) || !p.HasRole(auth.RoleTownship) {
			t.Errorf("Resolve = %+v, %+v", sess, p)
		}
		// The cookie token is stored only as its hash.
		if _, err := f.store.GetSession(ctx, in.Token); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("session found by the raw token: %v", err)
		}
		if got, err := f.store.GetSession(ctx, credential.HashToken(in.Token)); err != nil || got.ID != in.Session.ID {
			t.Errorf("session by hash: %+v, %v", got, err)
		}

		bad := []struct {
			name, user, pass string
		}{
			{"wrong password", "townt1", "Wrong#2026pass"},
			{"unknown user", "nobody", password},
			{"empty password", "townt1", ""},
			{"username case matters", "TownT1", password},
		}
		for i, b := range bad {
			_, err := f.app.Login(ctx, b.user, b.pass, src(t, 10+i))
			if e := apperr.As(err); err == nil || e.Code != apperr.Unauthenticated || e.Key != "auth.bad_credentials" {
				t.Errorf("%s: Login = %v, want unauthenticated auth.bad_credentials", b.name, err)
			}
		}
		// Logout ends the session.
		must(t, f.app.Logout(ctx, sess))
		_, _, err = f.app.Resolve(ctx, in.Token)
		wantCode(t, err, apperr.Unauthenticated, "auth.signin_required", nil)
	})
}

func TestLoginLockout(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		policy := f.app.Logins
		if policy.MaxFailures != 5 || policy.Lockout != time.Minute {
			t.Fatalf("login policy %+v, want the default", policy)
		}
		failures := func() (int, time.Time) {
			t.Helper()
			c, err := f.store.GetCredentials(ctx, "townt1")
			must(t, err)
			return c.FailedLogins, c.LockedUntil
		}
		for i := 1; i <= policy.MaxFailures; i++ {
			f.clock.Advance(time.Second)
			_, err := f.app.Login(ctx, "townt1", "Wrong#2026pass", src(t, i))
			wantCode(t, err, apperr.Unauthenticated, "auth.bad_credentials", nil)
			n, until := failures()
			var want time.Time
			if i == policy.MaxFailures {
				want = f.clock.Now().Add(policy.Lockout)
			}
			if n != i || !until.Equal(want) {
				t.Errorf("after %d wrong passwords: %d failures, locked until %v; want %d, %v", i, n, until, i, want)
			}
		}
		lockedUntil := f.clock.Now().Add(policy.Lockout)
		// Locked: the right password is refused too, and that is not counted.
		_, err := f.app.Login(ctx, "townt1", password, src(t, 100))
		wantCode(t, err, apperr.Unauthenticated, "auth.bad_credentials", nil)
		f.clock.Set(lockedUntil.Add(-time.Millisecond))
		_, err = f.app.Login(ctx, "townt1", password, src(t, 101))
		wantCode(t, err, apperr.Unauthenticated, "auth.bad_credentials", nil)
		if n, _ := failures(); n != policy.MaxFailures {
			t.Errorf("failures while locked = %d, want %d", n, policy.MaxFailures)
		}
		// Other accounts are unaffected.
		if _, err := f.app.Login(ctx, "villagev1", password, src(t, 102)); err != nil {
			t.Errorf("other account: %v", err)
		}
		// Once the clock passes the lockout, the right password works and
		// clears the count.
		f.clock.Set(lockedUntil)
		in, err := f.app.Login(ctx, "townt1", password, src(t, 103))
		must(t, err)
		if in.Session.Stage != auth.StageFull {
			t.Errorf("stage = %q", in.Session.Stage)
		}
		if n, until := failures(); n != 0 || !until.IsZero() {
			t.Errorf("after success: %d failures, locked until %v", n, until)
		}
		// Lockouts grow: five more failures lock for 1m, a sixth for 2m.
		for i := 1; i <= policy.MaxFailures+1; i++ {
			if _, err := f.app.Login(ctx, "townt1", "Wrong#2026pass", src(t, 200+i)); !apperr.Is(err, apperr.Unauthenticated) {
				t.Fatalf("wrong password %d: %v", i, err)
			}
			if i == policy.MaxFailures {
				f.clock.Advance(policy.Lockout) // wait out the first lockout
			}
		}
		n, until := failures()
		if n != policy.MaxFailures+1 || !until.Equal(f.clock.Now().Add(2*policy.Lockout)) {
			t.Errorf("after a 6th failure: %d failures, locked until %v; want %d, %v", n, until, policy.MaxFailures+1, f.clock.Now().Add(2*policy.Lockout))
		}
	})
}

func TestLoginRateLimitPerSource(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		for i := range 10 {
			if _, err := f.app.Login(ctx, "nobody", "x", "10.0.0.9"); !apperr.Is(err, apperr.Unauthenticated) {
				t.Fatalf("attempt %d: %v, want unauthenticated", i+1, err)
			}
		}
		_, err := f.app.Login(ctx, "townt1", password, "10.0.0.9")
		wantCode(t, err, apperr.RateLimited, "auth.too_many_attempts", nil)
		if _, err := f.app.Login(ctx, "townt1", password, "10.0.0.10"); err != nil {
			t.Errorf("another source: %v", err)
		}
		f.clock.Advance(time.Minute + time.Second)
		if _, err := f.app.Login(ctx, "townt1", password, "10.0.0.9"); err != nil {
			t.Errorf("after the window: %v", err)
		}
	})
}

func TestResolveSessionExpiry(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		_, _, err := f.app.Resolve(ctx, "")
		wantCode(t, err, apperr.Unauthenticated, "auth.signin_required", nil)
		_, _, err = f.app.Resolve(ctx, "not-a-token")
		wantCode(t, err, apperr.Unauthenticated, "auth.signin_required", nil)

		// Idle expiry.
		in, err := f.app.Login(ctx, "townt1", password, src(t, 1))
		must(t, err)
		f.clock.Advance(30*time.Minute - time.Second)
		if _, _, err := f.app.Resolve(ctx, in.Token); err != nil {
			t.Fatalf("resolve at 29m59s: %v", err)
		}
		f.clock.Advance(30 * time.Minute) // idle again, since the touch above
		_, _, err = f.app.Resolve(ctx, in.Token)
		wantCode(t, err, apperr.Unauthenticated, "auth.session_expired", nil)
		if _, err := f.store.GetSession(ctx, credential.HashToken(in.Token)); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("expired session not deleted: %v", err)
		}
		_, _, err = f.app.Resolve(ctx, in.Token)
		wantCode(t, err, apperr.Unauthenticated, "auth.signin_required", nil)

		// Absolute expiry: a session used every 20 minutes still ends at 12h.
		f.clock.Set(t0)
		in, err = f.app.Login(ctx, "townt1", password, src(t, 2))
		must(t, err)
		for f.clock.Now().Add(20 * time.Minute).Before(t0.Add(12 * time.Hour)) {
			f.clock.Advance(20 * time.Minute)
			if _, _, err := f.app.Resolve(ctx, in.Token); err != nil {
				t.Fatalf("resolve at %v: %v", f.clock.Now().Sub(t0), err)
			}
		}
		f.clock.Set(t0.Add(12 * time.Hour))
		_, _, err = f.app.Resolve(ctx, in.Token)
		wantCode(t, err, apperr.Unauthenticated, "auth.session_expired", nil)

		// A deactivated user's sessions stop working.
		f.clock.Set(t0)
		in, err = f.app.Login(ctx, "villagev1", password, src(t, 3))
		must(t, err)
		u, err := f.store.GetCredentials(ctx, "villagev1")
		must(t, err)
		cur, _, err := f.store.GetUser(ctx, u.UserID)
		must(t, err)
		cur.Active = false
		_, err = f.app.UpdateUser(ctx, f.principals["admina"], cur)
		must(t, err)
		_, _, err = f.app.Resolve(ctx, in.Token)
		wantCode(t, err, apperr.Unauthenticated, "", nil)
		_, err = f.app.Login(ctx, "villagev1", password, src(t, 4))
		wantCode(t, err, apperr.Unauthenticated, "auth.bad_credentials", nil)
	})
}

func TestResolveTouchesSession(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		in, err := f.app.Login(ctx, "townt1", password, src(t, 1))
		must(t, err)
		tests := []struct {
			advance  time.Duration
			lastSeen time.Duration // since t0
		}{
			{30 * time.Second, 0},                // within Touch (1m): not rewritten
			{30 * time.Second, time.Minute},      // 1m since last seen: touched
			{10 * time.Minute, 11 * time.Minute}, // touched
			{59 * time.Second, 11 * time.Minute}, // not yet
			{time.Second, 12 * time.Minute},      // touched
		}
		for _, tt := range tests {
			f.clock.Advance(tt.advance)
			_, _, err := f.app.Resolve(ctx, in.Token)
			must(t, err)
			s, err := f.store.GetSession(ctx, credential.HashToken(in.Token))
			must(t, err)
			if !s.LastSeenAt.Equal(t0.Add(tt.lastSeen)) {
				t.Errorf("at +%v: last seen +%v, want +%v", f.clock.Now().Sub(t0), s.LastSeenAt.Sub(t0), tt.lastSeen)
			}
		}
	})
}

// TestResolvePartialSessionHasNoPrincipal: Resolve documents that it
// returns the principal only "for a full session". A session that has
// passed the password but not the second factor must not carry the user's
// permissions, or any handler that forgets to check the stage lets a
// password alone through.
func TestResolvePartialSessionHasNoPrincipal(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		requireTOTP(t, f, auth.RoleTownship)
		in, err := f.app.Login(ctx, "townt1", password, src(t, 1))
		must(t, err)
		if in.Session.Stage != auth.StageEnroll {
			t.Fatalf("stage = %q, want enroll", in.Session.Stage)
		}
		sess, p, err := f.app.Resolve(ctx, in.Token)
		must(t, err)
		if sess.Stage != auth.StageEnroll {
			t.Errorf("resolved stage = %q", sess.Stage)
		}
		if p.UserID != 0 || len(p.Perms) != 0 || p.UnitPath != "" {
			t.Errorf("enroll-stage session resolved to a principal with user %d, unit path %q, perms %v; want none",
				p.UserID, p.UnitPath, p.Perms)
		}
	})
}

// requireTOTP makes a role require a second factor, keeping its permissions.
func requireTOTP(t *testing.T, f *fixture, role auth.Role) {
	t.Helper()
	roles, err := f.app.Roles(ctx, sys)
	must(t, err)
	i := slices.IndexFunc(roles, func(r auth.RoleInfo) bool { return r.Code == role })
	if i < 0 {
		t.Fatalf("no role %s", role)
	}
	r := roles[i]
	r.RequireTOTP = true
	must(t, f.app.UpdateRole(ctx, sys, r))
}

// wrongCode returns a 6-digit code that is not valid for secret around now.
func wrongCode(t *testing.T, secret string, now time.Time) string {
	t.Helper()
	valid := map[string]bool{}
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		c, err := totp.GenerateCode(secret, now.Add(d))
		must(t, err)
		valid[c] = true
	}
	for i := 0; ; i++ {
		c := fmt.Sprintf("%06d", i*7919%1000000)
		if !valid[c] {
			return c
		}
	}
}

func code(t *testing.T, secret string, now time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, now)
	must(t, err)
	return c
}

func TestTOTPFlow(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		// Without the requirement, sign-in is one step.
		in, err := f.app.Login(ctx, "townt1", password, src(t, 1))
		must(t, err)
		if in.Session.Stage != auth.StageFull {
			t.Fatalf("stage before requirement = %q", in.Session.Stage)
		}
		requireTOTP(t, f, auth.RoleTownship)
		roles, _ := f.app.Roles(ctx, sys)
		for _, r := range roles {
			if r.Code == auth.RoleTownship && (!r.RequireTOTP || r.Version != 2) {
				t.Errorf("township role after UpdateRole: %+v", r)
			}
		}
		// Other roles are unaffected.
		if in, err := f.app.Login(ctx, "villagev1", password, src(t, 2)); err != nil || in.Session.Stage != auth.StageFull {
			t.Errorf("village login: %+v, %v", in.Session, err)
		}

		// Enrolment.
		in, err = f.app.Login(ctx, "townt1", password, src(t, 3))
		must(t, err)
		if in.Session.Stage != auth.StageEnroll {
			t.Fatalf("stage = %q, want enroll", in.Session.Stage)
		}
		sess, _, err := f.app.Resolve(ctx, in.Token)
		must(t, err)
		_, err = f.app.ConfirmEnrolment(ctx, sess, "123456")
		wantCode(t, err, apperr.Conflict, "auth.totp_no_pending", nil)
		enr, err := f.app.BeginEnrolment(ctx, sess)
		must(t, err)
		if enr.Secret == "" || !strings.HasPrefix(enr.URL, "otpauth://totp/") || !strings.Contains(enr.URL, "townt1") ||
			!bytes.HasPrefix(enr.QRPNG, []byte("\x89PNG")) {
			t.Errorf("BeginEnrolment = secret %q url %q png %d bytes", enr.Secret, enr.URL, len(enr.QRPNG))
		}
		c, err := f.store.GetCredentials(ctx, "townt1")
		must(t, err)
		if c.TOTPEnabled || c.TOTPSecret == "" || strings.Contains(c.TOTPSecret, enr.Secret) {
			t.Errorf("pending secret stored as %q (enabled %v); want sealed, not enabled", c.TOTPSecret, c.TOTPEnabled)
		}
		_, err = f.app.ConfirmEnrolment(ctx, sess, wrongCode(t, enr.Secret, f.clock.Now()))
		wantCode(t, err, apperr.Invalid, "", map[string]string{"code": "auth.totp_wrong"})
		tok, err := f.app.ConfirmEnrolment(ctx, sess, code(t, enr.Secret, f.clock.Now()))
		must(t, err)
		if tok == "" || tok == in.Token {
			t.Fatalf("ConfirmEnrolment token = %q, want a new one", tok)
		}
		full, p, err := f.app.Resolve(ctx, tok)
		must(t, err)
		if full.Stage != auth.StageFull || full.ID != sess.ID || p.UserID != f.users["townt1"].ID {
			t.Errorf("promoted session = %+v, principal user %d", full, p.UserID)
		}
		_, _, err = f.app.Resolve(ctx, in.Token) // the pre-enrolment token was rotated
		wantCode(t, err, apperr.Unauthenticated, "", nil)
		c, _ = f.store.GetCredentials(ctx, "townt1")
		if !c.TOTPEnabled {
			t.Errorf("TOTP not enabled after confirmation")
		}
		_, err = f.app.BeginEnrolment(ctx, full)
		wantCode(t, err, apperr.Conflict, "auth.totp_already", nil)

		// Next sign-in needs the code.
		f.clock.Advance(2 * time.Minute)
		in, err = f.app.Login(ctx, "townt1", password, src(t, 4))
		must(t, err)
		if in.Session.Stage != auth.StageTOTP {
			t.Fatalf("stage = %q, want totp", in.Session.Stage)
		}
		sess, _, err = f.app.Resolve(ctx, in.Token)
		must(t, err)
		_, err = f.app.BeginEnrolment(ctx, sess)
		wantCode(t, err, apperr.Unauthenticated, "auth.signin_required", nil)
		_, err = f.app.VerifySecondFactor(ctx, sess, wrongCode(t, enr.Secret, f.clock.Now()), src(t, 5))
		wantCode(t, err, apperr.Invalid, "", map[string]string{"code": "auth.totp_wrong"})
		_, err = f.app.VerifySecondFactor(ctx, sess, "12345", src(t, 6))
		wantCode(t, err, apperr.Invalid, "", map[string]string{"code": "auth.totp_wrong"})
		c, _ = f.store.GetCredentials(ctx, "townt1")
		if c.FailedLogins != 2 {
			t.Errorf("failed logins after two wrong codes = %d, want 2", c.FailedLogins)
		}
		tok, err = f.app.VerifySecondFactor(ctx, sess, code(t, enr.Secret, f.clock.Now()), src(t, 7))
		must(t, err)
		full, p, err = f.app.Resolve(ctx, tok)
		must(t, err)
		if full.Stage != auth.StageFull || p.UserID != f.users["townt1"].ID {
			t.Errorf("after second factor: %+v, user %d", full, p.UserID)
		}
		c, _ = f.store.GetCredentials(ctx, "townt1")
		if c.FailedLogins != 0 {
			t.Errorf("failed logins after success = %d, want 0", c.FailedLogins)
		}
		// A full session cannot run the second factor again.
		_, err = f.app.VerifySecondFactor(ctx, full, code(t, enr.Secret, f.clock.Now()), src(t, 8))
		wantCode(t, err, apperr.Unauthenticated, "auth.signin_required", nil)

		// An administrator's reset sends the user back to enrolment.
		must(t, f.app.ResetTOTP(ctx, f.principals["admina"], f.users["townt1"].ID))
		in, err = f.app.Login(ctx, "townt1", password, src(t, 9))
		must(t, err)
		if in.Session.Stage != auth.StageEnroll {
			t.Errorf("stage after ResetTOTP = %q, want enroll", in.Session.Stage)
		}
		err = f.app.ResetTOTP(ctx, f.principals["adminb"], f.users["townt1"].ID)
		wantCode(t, err, apperr.NotFound, "error.not_found.user", nil)
		err = f.app.ResetTOTP(ctx, f.principals["officeo1"], f.users["townt1"].ID)
		wantCode(t, err, apperr.Forbidden, "", nil)
	})
}

// TestTOTPCodeCannotBeReplayed: credential.CheckTOTP says "the caller must
// reject a code (step) that was already used". A code seen once (for
// instance shoulder-surfed or phished in real time) must not open a second
// session within its 90-second validity.
func TestTOTPCodeCannotBeReplayed(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		requireTOTP(t, f, auth.RoleTownship)
		in, err := f.app.Login(ctx, "townt1", password, src(t, 1))
		must(t, err)
		sess, _, err := f.app.Resolve(ctx, in.Token)
		must(t, err)
		enr, err := f.app.BeginEnrolment(ctx, sess)
		must(t, err)
		_, err = f.app.ConfirmEnrolment(ctx, sess, code(t, enr.Secret, f.clock.Now()))
		must(t, err)

		f.clock.Advance(time.Minute)
		used := code(t, enr.Secret, f.clock.Now())
		first, err := f.app.Login(ctx, "townt1", password, src(t, 2))
		must(t, err)
		s1, _, err := f.app.Resolve(ctx, first.Token)
		must(t, err)
		if _, err := f.app.VerifySecondFactor(ctx, s1, used, src(t, 3)); err != nil {
			t.Fatalf("first use of the code: %v", err)
		}

		f.clock.Advance(10 * time.Second)
		second, err := f.app.Login(ctx, "townt1", password, src(t, 4))
		must(t, err)
		s2, _, err := f.app.Resolve(ctx, second.Token)
		must(t, err)
		tok, err := f.app.VerifySecondFactor(ctx, s2, used, src(t, 5))
		if err == nil {
			t.Errorf("a TOTP code already used for a sign-in was accepted again (new session token %q...)", tok[:6])
		}
	})
}

func TestUpdateRoleRules(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		roles, err := f.app.Roles(ctx, f.principals["admina"])
		must(t, err)
		if len(roles) != 10 {
			t.Errorf("Roles = %d roles, want 10", len(roles))
		}
		_, err = f.app.Roles(ctx, f.principals["townt1"])
		wantCode(t, err, apperr.Forbidden, "error.forbidden", nil)
		admin := roles[slices.IndexFunc(roles, func(r auth.RoleInfo) bool { return r.Code == auth.RoleAdmin })]
		tests := []struct {
			name   string
			p      auth.Principal
			r      auth.RoleInfo
			code   apperr.Code
			fields map[string]string
		}{
			{"no role.manage", f.principals["leadera"], auth.RoleInfo{Code: auth.RoleVillage, Version: 1}, apperr.Forbidden, nil},
			{"unknown permission", sys, auth.RoleInfo{Code: auth.RoleVillage, Perms: []auth.Permission{"org.everything"}, Version: 1},
				apperr.Invalid, map[string]string{"perms": "auth.permission_unknown"}},
			{"admin keeps role.manage", sys, auth.RoleInfo{Code: auth.RoleAdmin, Perms: []auth.Permission{auth.PermOrgRead}, Version: admin.Version},
				apperr.Invalid, map[string]string{"perms": "auth.admin_keeps_roles"}},
			{"stale version", sys, auth.RoleInfo{Code: auth.RoleVillage, Perms: []auth.Permission{auth.PermOrgRead}, Version: 7},
				apperr.Conflict, nil},
		}
		for _, tt := range tests {
			err := f.app.UpdateRole(ctx, tt.p, tt.r)
			if apperr.CodeOf(err) != tt.code || (tt.fields != nil && !equalFields(apperr.As(err).Fields, tt.fields)) {
				t.Errorf("%s: UpdateRole = %v, want %s %v", tt.name, err, tt.code, tt.fields)
			}
		}
		// Granting scope.area to townships widens T1's scope to AG1 at its
		// next sign-in.
		town := roles[slices.IndexFunc(roles, func(r auth.RoleInfo) bool { return r.Code == auth.RoleTownship })]
		town.Perms = append(town.Perms, auth.PermScopeArea)
		must(t, f.app.UpdateRole(ctx, sys, town))
		p := f.signIn(t, "townt1")
		us, _, err := f.app.ListUnits(ctx, p, store.UnitFilter{})
		must(t, err)
		var got []int64
		for _, u := range us {
			got = append(got, u.ID)
		}
		slices.Sort(got)
		if want := f.unitIDs(visibleUnits["officeo1"]...); !slices.Equal(got, want) {
			t.Errorf("T1 with scope.area sees %v, want %v", f.unitKeysOf(got), visibleUnits["officeo1"])
		}
	})
}

func TestOwnTokens(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := f.principals["townt1"]
		secret, tok, err := f.app.CreateToken(ctx, p, p.UserID, "")
		must(t, err)
		if !strings.HasPrefix(secret, "qf_") || len(secret) < 40 || tok.ID == 0 || tok.UserID != p.UserID || tok.Name != "token 2026-03-16 10:00" {
			t.Errorf("CreateToken = %q, %+v", secret, tok)
		}
		tp, err := f.app.ResolveToken(ctx, secret)
		must(t, err)
		if tp.UserID != p.UserID || tp.TokenID != tok.ID || tp.SessionID != 0 || !tp.Can(auth.PermOrgRead) || tp.UnitPath != p.UnitPath {
			t.Errorf("ResolveToken = %+v", tp)
		}
		_, err = f.app.ResolveToken(ctx, "qf_unknown")
		wantCode(t, err, apperr.Unauthenticated, "auth.token_invalid", nil)
		_, err = f.app.ResolveToken(ctx, "")
		wantCode(t, err, apperr.Unauthenticated, "auth.token_invalid", nil)

		// Another user without user.manage cannot revoke it.
		err = f.app.RevokeToken(ctx, f.principals["officeo1"], tok.ID)
		wantCode(t, err, apperr.Forbidden, "error.forbidden", nil)
		must(t, f.app.RevokeToken(ctx, p, tok.ID))
		_, err = f.app.ResolveToken(ctx, secret)
		wantCode(t, err, apperr.Unauthenticated, "auth.token_invalid", nil)
		err = f.app.RevokeToken(ctx, p, tok.ID)
		wantCode(t, err, apperr.NotFound, "error.not_found.token", nil)

		// The village role holds no token.create.
		v := f.principals["villagev1"]
		_, _, err = f.app.CreateToken(ctx, v, v.UserID, "x")
		wantCode(t, err, apperr.Forbidden, "error.forbidden", nil)
		// Name limit.
		_, _, err = f.app.CreateToken(ctx, p, p.UserID, strings.Repeat("名", 65))
		wantCode(t, err, apperr.Invalid, "", map[string]string{"name": "auth.token_name_too_long"})

		// Deactivating the user kills its tokens.
		secret, _, err = f.app.CreateToken(ctx, p, p.UserID, "ci")
		must(t, err)
		u, _, err := f.store.GetUser(ctx, p.UserID)
		must(t, err)
		u.Active = false
		_, err = f.app.UpdateUser(ctx, f.principals["admina"], u)
		must(t, err)
		_, err = f.app.ResolveToken(ctx, secret)
		wantCode(t, err, apperr.Unauthenticated, "auth.token_invalid", nil)
	})
}

func TestChangeOwnPassword(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		a, err := f.app.Login(ctx, "townt1", password, src(t, 1))
		must(t, err)
		b, err := f.app.Login(ctx, "townt1", password, src(t, 2))
		must(t, err)
		_, p, err := f.app.Resolve(ctx, a.Token)
		must(t, err)
		const next = "Another#2026pass"
		tests := []struct {
			name, current, next string
			fields              map[string]string
		}{
			{"wrong current", "Wrong#2026pass", next, map[string]string{"current": "auth.password.wrong_current"}},
			{"same", password, password, map[string]string{"password": "auth.password.same"}},
			{"weak", password, "weak", map[string]string{"password": "auth.password.too_short"}},
		}
		for _, tt := range tests {
			err := f.app.ChangeOwnPassword(ctx, p, tt.current, tt.next)
			wantCode(t, err, apperr.Invalid, "", tt.fields)
		}
		must(t, f.app.ChangeOwnPassword(ctx, p, password, next))
		if _, _, err := f.app.Resolve(ctx, a.Token); err != nil {
			t.Errorf("current session ended by own password change: %v", err)
		}
		_, _, err = f.app.Resolve(ctx, b.Token)
		wantCode(t, err, apperr.Unauthenticated, "", nil)
		if _, err := f.app.Login(ctx, "townt1", next, src(t, 3)); err != nil {
			t.Errorf("login with the new password: %v", err)
		}
	})
}
