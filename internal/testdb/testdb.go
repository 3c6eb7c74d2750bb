// Package testdb gives tests a migrated store on every engine the suite
// covers (SQLite always; PostgreSQL when QINGFENG_TEST_POSTGRES holds an
// admin DSN), a settable clock, and an app wired with cheap password
// hashing. It is imported only by _test.go files.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/auth"
	"qingfeng/internal/credential"
	"qingfeng/internal/store"
	"qingfeng/internal/vault"
)

// EnvPostgres names the environment variable holding the PostgreSQL admin
// DSN (a postgres:// URL of a user allowed to CREATE DATABASE).
const EnvPostgres = "QINGFENG_TEST_POSTGRES"

// Clock is a fixed clock that tests move by hand. It is safe for
// concurrent use; pass its Now method wherever a func() time.Time is taken.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's reading.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Each runs fn as the subtests "sqlite" and "postgres", each with a fresh,
// migrated store whose clock is now. The postgres subtest is skipped when
// QINGFENG_TEST_POSTGRES is empty.
func Each(t *testing.T, now func() time.Time, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, SQLite(t, now))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, Postgres(t, now))
	})
}

// SQLite opens a migrated SQLite store in t.TempDir(); it is closed when
// the test ends.
func SQLite(t testing.TB, now func() time.Time) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{DataDir: t.TempDir(), Now: now})
	if err != nil {
		t.Fatalf("open sqlite store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	migrate(t, s)
	return s
}

// Postgres creates a throw-away database qf_test_<random hex> through the
// admin DSN in QINGFENG_TEST_POSTGRES, opens and migrates a store on it,
// and drops the database (WITH (FORCE)) when the test ends. It skips the
// test when the variable is empty.
func Postgres(t testing.TB, now func() time.Time) *store.Store {
	t.Helper()
	adminDSN := os.Getenv(EnvPostgres)
	if adminDSN == "" {
		t.Skip("postgres: " + EnvPostgres + " is not set; skipping the PostgreSQL run")
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", adminDSN)
	if err != nil {
		t.Fatalf("postgres: open admin connection: %v", err)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("postgres: random name: %v", err)
	}
	name := "qf_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		admin.Close()
		t.Fatalf("postgres: create database %s: %v", name, err)
	}
	// Registered first, so it runs after the store is closed.
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("postgres: drop database %s: %v", name, err)
		}
		admin.Close()
	})
	u, err := url.Parse(adminDSN)
	if err != nil {
		t.Fatalf("postgres: parse %s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	u.RawPath = ""
	s, err := store.Open(ctx, store.Config{DSN: u.String(), Now: now})
	if err != nil {
		t.Fatalf("postgres: open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	migrate(t, s)
	return s
}

func migrate(t testing.TB, s *store.Store) {
	t.Helper()
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", s.Dialect(), err)
	}
}

// CheapParams are argon2id parameters that pass validation but cost almost
// nothing; never use them outside tests.
func CheapParams() credential.Params {
	return credential.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
}

// NewApp wires the services on s with cheap password hashing, a fresh vault
// key file in t.TempDir(), crypto/rand, the default session and login
// policies, the reporting services (embedded calendar and limits, a fresh
// random 32-byte receipt key) and the clock now.
func NewApp(t testing.TB, s *store.Store, now func() time.Time) *app.App {
	t.Helper()
	keys, err := vault.LoadOrCreate(filepath.Join(t.TempDir(), "vault", "keys"), rand.Reader)
	if err != nil {
		t.Fatalf("vault: %v", err)
	}
	receiptKey := make([]byte, 32)
	if _, err := rand.Read(receiptKey); err != nil {
		t.Fatalf("receipt key: %v", err)
	}
	in, err := app.NewIntake(context.Background(), s, receiptKey)
	if err != nil {
		t.Fatalf("intake: %v", err)
	}
	a := app.New(app.Options{
		Store:    s,
		Hasher:   credential.NewHasher(CheapParams(), 4),
		Keys:     keys,
		Now:      now,
		Rand:     rand.Reader,
		Sessions: auth.DefaultSessionPolicy(),
		Logins:   auth.DefaultLoginPolicy(),
		Intake:   in,
	})
	// Before the store's own cleanup (registered earlier, run later): the
	// committer gives back the connection it holds.
	t.Cleanup(func() { a.Close() })
	return a
}
