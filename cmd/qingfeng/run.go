package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/auth"
	"qingfeng/internal/credential"
	"qingfeng/internal/store"
	"qingfeng/internal/vault"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// usageError is a bad command line; it exits with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

const usage = `qingfeng — 清风 grassroots supervision platform

Usage:
  qingfeng serve   [--addr 127.0.0.1:8080] [--data DIR] [--db DSN] [--demo]
  qingfeng migrate [--data DIR] [--db DSN]
  qingfeng demo    [--data DIR] [--db DSN]
  qingfeng demo    --scale province [--clues 500000] [--cases 100000] [--reports 50000] [--years 5] [--seed N] [--messages CSV]
  qingfeng user add --username U --role R[,R...] --unit UNIT [--name NAME] [--person ID] [--password-stdin]
  qingfeng token create --username U [--name NAME]
  qingfeng token revoke --id N
  qingfeng import reports FILE --unit UNIT [--channel hotline-12345] [--mapping SPEC] [--batch N] [--json]
  qingfeng import cases FILE --unit UNIT [--valid-only] [--dry-run] [--json]
  qingfeng crosscheck import FILE --kind payments|death|public_employee|relative|vehicle|property|business|disability --unit UNIT [--json]
  qingfeng crosscheck run --unit UNIT [--json]
  qingfeng stats summary|bulletin (--unit UNIT | --area-group ID) [--from DATE] [--to DATE] [--json]
  qingfeng simulate granary [--broker tcp://127.0.0.1:1883] --depots N --rate R [--anomalies] [--duration D | --count C] [--seed S] [--register [--unit UNIT]]
  qingfeng audit verify
  qingfeng keys rotate
  qingfeng version

Every command takes --data (default ./qingfeng-data, env QINGFENG_DATA) and
--db (default: SQLite in the data folder; a postgres:// URL selects
PostgreSQL; env QINGFENG_DB). UNIT is a unit id or a commission's division
code (e.g. 430802). Roles: admin, leader, case_manager, petition, office,
group, township, reviewer, village, analyst.
`

// env is the process environment as run sees it.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	now    func() time.Time
}

// run is the whole program: parse the command line, open what it needs,
// do the work. Tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, e, rest)
	case "migrate":
		return cmdMigrate(ctx, e, rest)
	case "demo":
		return cmdDemo(ctx, e, rest)
	case "user":
		return cmdUser(ctx, e, rest)
	case "token":
		return cmdToken(ctx, e, rest)
	case "audit":
		return cmdAudit(ctx, e, rest)
	case "keys":
		return cmdKeys(ctx, e, rest)
	case "import":
		return cmdImport(ctx, e, rest)
	case "stats":
		return cmdStats(ctx, e, rest)
	case "crosscheck":
		return cmdCrossCheck(ctx, e, rest)
	case "simulate":
		return cmdSimulate(ctx, e, rest)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "qingfeng", version)
		return nil
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

// common holds the flags every command shares.
type common struct {
	data    string
	db      string
	keyFile string
}

func (c *common) register(fs *flag.FlagSet, e env) {
	fs.StringVar(&c.data, "data", envOr(e, "QINGFENG_DATA", "./qingfeng-data"), "data folder (SQLite database, key file)")
	fs.StringVar(&c.db, "db", e.getenv("QINGFENG_DB"), "database DSN; postgres://... for PostgreSQL (default SQLite in --data)")
	fs.StringVar(&c.keyFile, "key-file", e.getenv("QINGFENG_KEY_FILE"), "sealing key file (default DATA/keys/sealing.keys)")
}

func envOr(e env, key, def string) string {
	if v := e.getenv(key); v != "" {
		return v
	}
	return def
}

// parse parses flags, turning errors into usage errors and refusing
// positional leftovers.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return usageError{"help requested"}
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

func newFlagSet(name string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// open opens and migrates the store and builds the services.
func (c *common) open(ctx context.Context, e env) (*app.App, func(), error) {
	st, err := c.openStore(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, nil, err
	}
	keyFile := c.keyFile
	if keyFile == "" {
		keyFile = filepath.Join(c.data, "keys", "sealing.keys")
	}
	keys, err := vault.LoadOrCreate(keyFile, rand.Reader)
	if err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("key file: %w", err)
	}
	receiptKey, err := vault.LoadOrCreateSecret(filepath.Join(filepath.Dir(keyFile), "receipt.key"), 32, rand.Reader)
	if err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("receipt key: %w", err)
	}
	in, err := app.NewIntake(ctx, st, receiptKey)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	a := app.New(app.Options{Store: st, Hasher: credential.NewHasher(credential.DefaultParams(), 2), Keys: keys,
		Now: e.now, Rand: rand.Reader, Sessions: auth.DefaultSessionPolicy(), Logins: auth.DefaultLoginPolicy(), Intake: in})
	return a, func() { a.Close(); st.Close() }, nil
}

// openStore checks --db and opens the store without migrating.
func (c *common) openStore(ctx context.Context, e env) (*store.Store, error) {
	if c.db != "" && !store.IsPostgresDSN(c.db) && !strings.HasPrefix(c.db, "file:") && !strings.HasSuffix(c.db, ".db") {
		return nil, usageError{fmt.Sprintf("--db: %q is neither a postgres:// URL nor a SQLite file", c.db)}
	}
	return store.Open(ctx, store.Config{DSN: c.db, DataDir: c.data, Now: e.now})
}

func logger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
