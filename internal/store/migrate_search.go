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
				return execAll(ctx, tx, "migrate search scope", `UPDATE report_search s
					SET vec = s.vec || to_tsvector('simple', '`+search.ScopePrefix+`' || replace(trim(both '/' from r.unit_path), '/', ' `+search.ScopePrefix+`'))
					FROM reports r WHERE r.id = s.report_id AND r.unit_path <> '/'`)
			}},
			&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
				return execAll(ctx, tx, "migrate search scope", `UPDATE report_search
					SET vec = ts_delete(vec, ARRAY(SELECT lexeme FROM unnest(vec) WHERE lexeme LIKE '`+search.ScopePrefix+`%'))`)
			}})
	}
	return goose.NewGoMigration(45,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return rebuildSQLiteSearch(ctx, tx, true) }},
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return rebuildSQLiteSearch(ctx, tx, false) }})
}

// execAll runs the statements qs in tx in order; an error names what the
// statements do.
func execAll(ctx context.Context, tx *sql.Tx, what string, qs ...string) error {
	for _, q := range qs {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: %s: %w", what, err)
		}
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
	if err := execAll(ctx, tx, "rebuild search index", `DROP TABLE report_fts`,
		`CREATE VIRTUAL TABLE report_fts USING fts5(`+cols+`, content = '', contentless_delete = 1, tokenize = 'ascii')`); err != nil {
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
	return forEachSearchDoc(ctx, tx, func(batch []intake.Report, docs []string) error {
		for i, r := range batch {
			args := []any{r.ID, search.Tokens(docs[i])}
			if scope {
				args = append(args, search.ScopeTokens(r.UnitPath))
			}
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("store: rebuild search index: report %d: %w", r.ID, err)
			}
		}
		return nil
	})
}

// forEachSearchDoc calls fn with every stored report (id, number, title,
// content, subject and unit path) and its search text (SearchDoc with its
// public replies), in pages of ids in ascending order, so that no result
// set stays open while fn writes.
func forEachSearchDoc(ctx context.Context, tx *sql.Tx, fn func(batch []intake.Report, docs []string) error) error {
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
		docs := make([]string, len(batch))
		for i, r := range batch {
			docs[i] = SearchDoc(r, replies[r.ID])
		}
		if err := fn(batch, docs); err != nil {
			return err
		}
		if len(batch) < page {
			return nil
		}
		after = batch[len(batch)-1].ID
	}
}

// searchGramsMigration is migration 48, in Go for both engines (a no-op on
// SQLite): PostgreSQL's search index changes from bigram phrases to
// four-rune tokens (search.Chunks), so that a query of up to four
// characters is one lexeme or lexeme prefix that the GIN index answers
// without re-checking rows, and report_search's rows become narrow: a
// padding column pushes every row over the size at which PostgreSQL
// considers TOAST, and toast_tuple_target = 128 then moves each tsvector
// out of the row. Counting a frequent word visits the heap page of every
// match; with the tsvectors out of line a row takes about 100 bytes of
// heap instead of about 1.5 KB (architecture.md, Intake). The index is dropped,
// every report indexed again and the index built once. Down restores the
// bigram index (search.BigramChunks) and the plain table.
func searchGramsMigration(d Dialect) *goose.Migration {
	if d != Postgres {
		noop := &goose.GoFunc{RunTx: func(context.Context, *sql.Tx) error { return nil }}
		return goose.NewGoMigration(48, noop, noop)
	}
	return goose.NewGoMigration(48,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return rebuildPGSearch(ctx, tx, search.Chunks,
				`ALTER TABLE report_search SET (toast_tuple_target = 128)`,
				// A constant default: every new row stores it, compressed to
				// about 30 bytes once the row is TOASTed.
				`ALTER TABLE report_search ADD COLUMN toast_pad text NOT NULL DEFAULT repeat(' ', 2048)`)
		}},
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return rebuildPGSearch(ctx, tx, search.BigramChunks,
				`ALTER TABLE report_search RESET (toast_tuple_target)`,
				`ALTER TABLE report_search DROP COLUMN toast_pad`)
		}})
}

// rebuildPGSearch empties report_search, runs the schema statements, writes
// every report's entry with chunker (as pgSearchChunks does with
// search.Chunks) and builds the GIN index again.
func rebuildPGSearch(ctx context.Context, tx *sql.Tx, chunker func(string) []string, schema ...string) error {
	if err := execAll(ctx, tx, "rebuild search index",
		append([]string{`DROP INDEX report_search_vec`, `TRUNCATE report_search`}, schema...)...); err != nil {
		return err
	}
	err := forEachSearchDoc(ctx, tx, func(batch []intake.Report, docs []string) error {
		var ids []int64
		var nums []int32
		var texts []string
		for i, r := range batch {
			for k, c := range withScope(chunker(docs[i]), r.UnitPath) {
				ids, nums, texts = append(ids, r.ID), append(nums, int32(k)), append(texts, c)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_search (report_id, chunk, vec)
			SELECT i, k, to_tsvector('simple', t) FROM unnest($1::bigint[], $2::int[], $3::text[]) u(i, k, t)`, ids, nums, texts); err != nil {
			return fmt.Errorf("store: rebuild search index: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// GIN builds its posting lists in maintenance_work_mem (64 MB by
	// default) and merges them far less often with more.
	return execAll(ctx, tx, "rebuild search index", `SET LOCAL maintenance_work_mem = '256MB'`,
		`CREATE INDEX report_search_vec ON report_search USING GIN (vec)`, `ANALYZE report_search`)
}
