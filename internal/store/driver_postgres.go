package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// isPgUniqueViolation reports PostgreSQL's unique_violation (23505).
func isPgUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// openPostgres opens a pgx pool for dsn. Statements run as unnamed
// prepared statements with a cached description (pgx's cache_describe
// mode) unless the DSN names another default_query_exec_mode: PostgreSQL
// then plans every list query with its parameters. With named prepared
// statements it switches to a generic plan after five runs, and a generic
// plan cannot see how narrow a unit-path range is: the ledger page of one
// county went from 20 ms to 900 ms at 500,000 clues.
//
// Its sessions also run with jit = off unless the DSN sets jit.
// PostgreSQL compiles a statement's expressions to machine code when its
// estimated cost passes jit_above_cost (100,000), and more expensively
// past jit_optimize_above_cost; a search for a frequent word at a million
// reports is estimated well above both and then spends 10 ms to over
// 100 ms compiling for a scan of 20–300 ms. Qingfeng's statements are
// short; none gains from the compilation.
func openPostgres(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: postgres DSN: %w", err)
	}
	if !strings.Contains(dsn, "default_query_exec_mode") {
		cfg.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
	}
	if _, ok := cfg.RuntimeParams["jit"]; !ok {
		cfg.RuntimeParams["jit"] = "off"
	}
	return stdlib.OpenDB(*cfg), nil
}
