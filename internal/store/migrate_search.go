package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pressly/goose/v3"

	"qingfeng/internal/intake"
	"qingfeng/internal/search"
)

// searchScopeMigration is migration 45, in Go for both engines (so the
// migration folders stay alike): the search index gets the scope tokens of
// each report's unit (internal/search, "Scope tokens"). On SQLite the FTS5
// table gets a scope column and is rebuilt from the reports and their
// public replies, since a contentless table cannot be read back; on
// PostgreSQL every report_search row gets the tokens appended to its
// tsvector. Down removes them again.
func searchScopeMigration(d Dialect) *goose.Migration {
	if d == Postgres {
		return goose.NewGoMigration(45,
			&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
				return execMigration(ctx, tx, `UPDATE report_search s
					SET vec = s.vec || to_tsvector('simple', '`+search.ScopePrefix+`' || replace(trim(both '/' from r.unit_path), '/', ' `+search.ScopePrefix+`'))
					FROM reports r WHERE r.id = s.report_id AND r.unit_path <> '/'`)
			}},
			&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
				return execMigration(ctx, tx, `UPDATE report_search
					SET vec = ts_delete(vec, ARRAY(SELECT lexeme FROM unnest(vec) WHERE lexeme LIKE '`+search.ScopePrefix+`%'))`)
			}})
	}
	return goose.NewGoMigration(45,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return rebuildSQLiteSearch(ctx, tx, true) }},
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return rebuildSQLiteSearch(ctx, tx, false) }})
}

func execMigration(ctx context.Context, tx *sql.Tx, q string) error {
	if _, err := tx.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("store: migrate search scope: %w", err)
	}
	return nil
}

// rebuildSQLiteSearch re-creates report_fts, with or without the scope
// column, and indexes every report as indexReport does.
func rebuildSQLiteSearch(ctx context.Context, tx *sql.Tx, scope bool) error {
	cols := "tokens"
	if scope {
		cols = "tokens, scope"
	}
	for _, q := range []string{`DROP TABLE report_fts`,
		`CREATE VIRTUAL TABLE report_fts USING fts5(` + cols + `, content = '', contentless_delete = 1, tokenize = 'ascii')`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: rebuild search index: %w", err)
		}
	}
	replies := map[int64][]string{}
	rows, err := tx.QueryContext(ctx, `SELECT report_id, body FROM report_messages WHERE author = 'staff' AND public = TRUE ORDER BY report_id, id`)
	if err != nil {
		return fmt.Errorf("store: rebuild search index: replies: %w", err)
	}
	for rows.Next() {
		var id int64
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			rows.Close()
			return err
		}
		replies[id] = append(replies[id], body)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	ins := `INSERT INTO report_fts (rowid, tokens) VALUES ($1, $2)`
	if scope {
		ins = `INSERT INTO report_fts (rowid, tokens, scope) VALUES ($1, $2, $3)`
	}
	stmt, err := tx.PrepareContext(ctx, ins)
	if err != nil {
		return fmt.Errorf("store: rebuild search index: %w", err)
	}
	defer stmt.Close()
	// In pages of ids, so no result set stays open while the index is written.
	const page = 1000
	for after := int64(0); ; {
		rows, err := tx.QueryContext(ctx, `SELECT id, number, title, content, subject_name, subject_unit, subject_post, unit_path
			FROM reports WHERE id > $1 ORDER BY id LIMIT $2`, after, page)
		if err != nil {
			return fmt.Errorf("store: rebuild search index: reports: %w", err)
		}
		var batch []intake.Report
		for rows.Next() {
			var r intake.Report
			if err := rows.Scan(&r.ID, &r.Number, &r.Title, &r.Content, &r.Subject.Name, &r.Subject.Unit, &r.Subject.Post, &r.UnitPath); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range batch {
			args := []any{r.ID, search.Tokens(SearchDoc(r, replies[r.ID]))}
			if scope {
				args = append(args, search.ScopeTokens(r.UnitPath))
			}
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("store: rebuild search index: report %d: %w", r.ID, err)
			}
		}
		if len(batch) < page {
			return nil
		}
		after = batch[len(batch)-1].ID
	}
}
