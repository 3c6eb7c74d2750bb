// Package store is the one place for SQL. It persists every domain type on
// embedded SQLite (default) or PostgreSQL with the same hand-written,
// portable statements ($N placeholders, RETURNING, ON CONFLICT). Each
// exported write method is one transaction that also appends the audit
// record. List methods take an auth.Scope and apply it in SQL.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
)

// Dialect names the SQL engine behind a Store.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

//go:embed migrations
var migrationFS embed.FS

// Store wraps the database. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect Dialect
	now     func() time.Time
	// wmu serialises write transactions on SQLite (one writer at a time
	// anyway): blocked writers queue here instead of sleeping in SQLite's
	// busy handler, which adds up to 100 ms per retry to tail latency.
	wmu sync.Mutex
	// stmts caches prepared statements of the write path by SQL text;
	// database/sql keeps one prepared copy per connection, so SQLite does not
	// parse the same statement for every report.
	stmts sync.Map
	// feedTargets remembers resolved feed codes (FindFeedTarget); feed
	// keeps each bin's event window for the rules (granary_ingest.go).
	feedTargets sync.Map
	feed        feedCache
	// orgGen counts the writes to units, area groups and their members
	// (orgTx); readers that cache what they derive from the organisation
	// compare it (OrgGeneration).
	orgGen atomic.Uint64
	// bands is the band log in memory (SQLite only; band_log.go).
	bands *bandLog
	// rankCap is the most search matches ranked by relevance (SearchReports);
	// tests lower it to reach the newest-first order with few reports.
	rankCap int
	// denseScan is pgDenseScan; tests change it to reach both newest-first
	// statements.
	denseScan float64
}

// Config says which database to open.
type Config struct {
	// DSN is a postgres:// or postgresql:// URL for PostgreSQL; empty or a
	// sqlite path/"file:" DSN for SQLite.
	DSN string
	// DataDir holds the SQLite file when DSN is empty.
	DataDir string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// IsPostgresDSN reports whether dsn selects PostgreSQL.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open connects to the database the config names. It does not migrate.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	s := &Store{now: now, rankCap: rankCap, denseScan: pgDenseScan}
	var err error
	if IsPostgresDSN(cfg.DSN) {
		s.dialect = Postgres
		s.db, err = openPostgres(cfg.DSN)
		if err != nil {
			return nil, err
		}
		// As many idle as open: a near-duplicate look-up takes up to four
		// connections at once (lookupParts), and closing the ones above a
		// smaller idle limit after every burst only meant opening them again.
		s.db.SetMaxOpenConns(16)
		s.db.SetMaxIdleConns(16)
		s.db.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		s.dialect = SQLite
		s.bands = newBandLog()
		path := cfg.DSN
		if path == "" {
			if cfg.DataDir == "" {
				return nil, errors.New("store: no data folder for SQLite")
			}
			if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
				return nil, fmt.Errorf("store: create data folder: %w", err)
			}
			path = filepath.Join(cfg.DataDir, "qingfeng.db")
		}
		s.db, err = openSQLite(path)
		if err != nil {
			return nil, err
		}
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.db.PingContext(pctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("store: connect %s: %w", s.dialect, err)
	}
	return s, nil
}

// Dialect reports the engine.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB exposes the handle for benchmarks and the bare-query baseline only.
func (s *Store) DB() *sql.DB { return s.db }

// Now returns the store's clock reading.
func (s *Store) Now() time.Time { return s.now() }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Migrate applies all pending migrations for the dialect and returns the
// versions applied.
func (s *Store) Migrate(ctx context.Context) ([]int64, error) {
	p, err := s.migrator()
	if err != nil {
		return nil, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	var applied []int64
	for _, r := range res {
		applied = append(applied, r.Source.Version)
	}
	return applied, nil
}

// SchemaVersion returns the current and the newest known migration version.
func (s *Store) SchemaVersion(ctx context.Context) (current, latest int64, err error) {
	p, err := s.migrator()
	if err != nil {
		return 0, 0, err
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("store: schema version: %w", err)
	}
	srcs := p.ListSources()
	if len(srcs) > 0 {
		latest = srcs[len(srcs)-1].Version
	}
	return current, latest, nil
}

func (s *Store) migrator() (*goose.Provider, error) {
	sub, err := fs.Sub(migrationFS, "migrations/"+string(s.dialect))
	if err != nil {
		return nil, err
	}
	d := goose.DialectSQLite3
	if s.dialect == Postgres {
		d = goose.DialectPostgres
	}
	return goose.NewProvider(d, s.db, sub, goose.WithGoMigrations(searchScopeMigration(s.dialect), fingerprintMigration(s.dialect), searchGramsMigration(s.dialect)))
}

// orgTx is inTx for a write to the organisation: units, area groups and
// memberships. The generation moves on after the transaction ends, so a
// reader that noted the generation before reading never keeps what it read
// past the change.
func (s *Store) orgTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	defer s.orgGen.Add(1)
	return s.inTx(ctx, fn)
}

// OrgGeneration is the number of organisation writes this store has made
// (see orgTx). Writes by other processes on the same database are not
// counted: caches keyed on it must also expire.
func (s *Store) OrgGeneration() uint64 { return s.orgGen.Load() }

// inTx runs fn in a transaction, committing when fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.inTxOn(ctx, s.db.BeginTx, fn)
}

// inTxOn is inTx on a transaction begun by begin (a pooled or a held
// connection).
func (s *Store) inTxOn(ctx context.Context, begin func(context.Context, *sql.TxOptions) (*sql.Tx, error), fn func(tx *sql.Tx) error) error {
	if s.dialect == SQLite {
		s.wmu.Lock()
		defer s.wmu.Unlock()
	}
	tx, err := begin(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return s.mapErr(fmt.Errorf("store: commit: %w", err))
	}
	return nil
}

// mapErr turns uniqueness violations into apperr.Conflict and keeps others.
func (s *Store) mapErr(err error) error {
	if err == nil {
		return nil
	}
	if isUniqueViolation(err) {
		return apperr.Wrap(err, apperr.Conflict, "error.duplicate")
	}
	return err
}

// ms converts a time to stored Unix milliseconds (0 for the zero time).
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS converts stored Unix milliseconds to a UTC time (zero for 0).
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// args collects positional arguments and hands out $N placeholders.
type args struct{ v []any }

// add appends a value and returns its placeholder.
func (a *args) add(v any) string {
	a.v = append(a.v, v)
	return fmt.Sprintf("$%d", len(a.v))
}

// list appends values and returns their placeholders separated by
// commas, for IN lists.
func (a *args) list(ids []int64) string {
	ph := make([]string, len(ids))
	for i, id := range ids {
		ph[i] = a.add(id)
	}
	return strings.Join(ph, ", ")
}

// scopeSQL renders an auth.Scope as a predicate on a materialised path
// column: an index range per prefix. A denied scope matches nothing.
func scopeSQL(sc auth.Scope, pathCol string, a *args) string {
	if sc.Denied || len(sc.Prefixes) == 0 {
		return "1 = 0"
	}
	var terms []string
	for _, p := range sc.Prefixes {
		if p == "/" {
			return "1 = 1"
		}
		terms = append(terms, fmt.Sprintf("(%s >= %s AND %s < %s)", pathCol, a.add(p), pathCol, a.add(auth.PrefixUpperBound(p))))
	}
	return "(" + strings.Join(terms, " OR ") + ")"
}

// Page is the paging window of a list query.
type Page struct {
	Limit  int
	Offset int
}

// normal clamps a page to 1..500 items (default 50).
func (p Page) normal() Page {
	if p.Limit <= 0 {
		p.Limit = 50
	}
	if p.Limit > 500 {
		p.Limit = 500
	}
	if p.Offset < 0 {
		p.Offset = 0
	}
	return p
}

// likePattern escapes a user search string for LIKE ... ESCAPE '\'.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

// notFound is the error for a missing or out-of-scope object.
func notFound(what string) error { return apperr.New(apperr.NotFound, "error.not_found."+what) }

// conflictVersion is the optimistic-locking error.
func conflictVersion() error { return apperr.New(apperr.Conflict, "error.version_conflict") }

// Setting returns a value from the settings table ("" when absent).
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// listQuery runs a paged list as two statements: the page (ORDER BY,
// LIMIT, OFFSET) and the total. Two plain statements beat COUNT(*) OVER(),
// which makes SQLite materialise and sort every row in scope before LIMIT.
// fromWhere is "FROM ... WHERE ..." using the placeholders in a; scan reads
// one row of cols.
func (s *Store) listQuery(ctx context.Context, cols, fromWhere, order string, a args, pg Page, scan func(*sql.Rows) error) (int, error) {
	pg = pg.normal()
	n := len(a.v)
	q := `SELECT ` + cols + ` ` + fromWhere + ` ORDER BY ` + order + ` LIMIT ` + a.add(pg.Limit) + ` OFFSET ` + a.add(pg.Offset)
	rows, err := s.db.QueryContext(ctx, q, a.v...)
	if err != nil {
		return 0, fmt.Errorf("store: list: %w", err)
	}
	count := 0
	for rows.Next() {
		count++
		if err := scan(rows); err != nil {
			rows.Close()
			return 0, fmt.Errorf("store: scan: %w", err)
		}
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if pg.Offset == 0 && count < pg.Limit {
		return count, nil // the whole list fits on the first page
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) `+fromWhere, a.v[:n]...).Scan(&total); err != nil {
		return 0, fmt.Errorf("store: count: %w", err)
	}
	return total, nil
}

// prepared returns the cached prepared statement for q.
func (s *Store) prepared(ctx context.Context, q string) (*sql.Stmt, error) {
	if v, ok := s.stmts.Load(q); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if v, loaded := s.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return v.(*sql.Stmt), nil
	}
	return st, nil
}

// exec runs a write-path statement in tx through the statement cache. Use
// it only for SQL whose text comes from a bounded set (no value lists).
func (s *Store) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	st, err := s.prepared(ctx, q)
	if err != nil {
		return nil, err
	}
	return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}

// readRow runs a fixed-text read outside a transaction through the
// statement cache (the hot look-ups of registration: units, area groups).
func (s *Store) readRow(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := s.prepared(ctx, q)
	if err != nil {
		return s.db.QueryRowContext(ctx, q, args...) // the error surfaces at Scan
	}
	return st.QueryRowContext(ctx, args...)
}

// readRows is readRow for several rows.
func (s *Store) readRows(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := s.prepared(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// queryRow is exec for statements returning one row.
func (s *Store) queryRow(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	st, err := s.prepared(ctx, q)
	if err != nil {
		// Let the error surface at Scan through an unprepared query.
		return tx.QueryRowContext(ctx, q, args...)
	}
	return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
}
