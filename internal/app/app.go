// Package app holds the application services: each method checks the
// caller's permission and scope, applies the pure domain rules (org, auth),
// and calls the store, which writes and audits in one transaction. Handlers
// (web, api) and the command line call these services, never the store's
// write methods directly.
//
// Services live here rather than in the domain packages because the store
// imports the domain types; a service in org would need a mirror interface
// of every store method it uses.
package app

import (
	"context"
	"io"
	"runtime"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
	"qingfeng/internal/credential"
	"qingfeng/internal/notify"
	"qingfeng/internal/store"
	"qingfeng/internal/vault"
)

// App is the service layer. Construct it with New; all fields are required.
type App struct {
	Store    *store.Store
	Hasher   *credential.Hasher
	Keys     *vault.Keyring
	Now      func() time.Time
	Rand     io.Reader // crypto/rand.Reader in production
	Loc      *time.Location
	Sessions auth.SessionPolicy
	Logins   auth.LoginPolicy
	Issuer   string // TOTP issuer label
	Sources  *Limiter
	Lookups  *Limiter // receipt-code lookups per source (public portal)
	Intake   *Intake  // reporting: calendar, limits, receipt hasher, key fields
	// PublicK is the suppression threshold of published statistics: counts
	// above zero and below it are not shown (default stats.DefaultK).
	PublicK int
	// Senders carry copies of in-app notifications through outside
	// gateways (e-mail, ...); none: the inbox only.
	Senders []notify.Sender
	// BaseURL is the staff UI's address as users reach it (for links in
	// e-mails), e.g. https://qingfeng.jw.example.gov.cn; "" for none.
	BaseURL string
	// push is the outbound push of alerts (ConfigurePush); nil: off.
	push *pusher

	commits committer  // group commit of public submissions (commit.go)
	routes  routeCache // the organisation as routing reads it (routes.go)
}

// Options are the tunables of New.
type Options struct {
	Store    *store.Store
	Hasher   *credential.Hasher
	Keys     *vault.Keyring
	Now      func() time.Time
	Rand     io.Reader
	Sessions auth.SessionPolicy
	Logins   auth.LoginPolicy
	Intake   *Intake
}

// New builds the services with Asia/Shanghai as the business time zone.
func New(o Options) *App {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	a := &App{Store: o.Store, Hasher: o.Hasher, Keys: o.Keys, Now: o.Now, Rand: o.Rand, Loc: loc,
		Sessions: o.Sessions, Logins: o.Logins, Issuer: "清风",
		Sources: NewLimiter(10, time.Minute, o.Now), Lookups: NewLimiter(20, 10*time.Minute, o.Now), Intake: o.Intake}
	a.commits.slots = make(chan struct{}, runtime.GOMAXPROCS(0))
	return a
}

// Today returns the business date (Asia/Shanghai) as YYYY-MM-DD.
func (a *App) Today() string { return a.Now().In(a.Loc).Format(time.DateOnly) }

// actor turns a principal into the audit actor.
func actor(p auth.Principal) audit.Actor {
	return audit.Actor{UserID: p.UserID, Name: p.Name, UnitID: p.UnitID}
}

// need returns forbidden unless p holds perm.
func need(p auth.Principal, perm auth.Permission) error {
	if !p.Can(perm) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return nil
}

// inScope returns not_found (not forbidden: existence is not revealed) when
// path lies outside p's scope for perm.
func inScope(p auth.Principal, perm auth.Permission, path, what string) error {
	if !p.ScopeFor(perm).Covers(path) {
		return apperr.New(apperr.NotFound, "error.not_found."+what)
	}
	return nil
}

// History returns the audit records of an object the caller may see; the
// caller checks the object itself first.
func (a *App) History(ctx context.Context, p auth.Principal, objectType string, objectID int64) ([]audit.Record, error) {
	if err := need(p, auth.PermAuditRead); err != nil {
		return nil, err
	}
	return a.Store.History(ctx, objectType, objectID)
}
