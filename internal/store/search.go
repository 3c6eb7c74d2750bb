package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"qingfeng/internal/auth"
	"qingfeng/internal/intake"
	"qingfeng/internal/search"
)

// indexReport (re)writes a report's search entry in tx: FTS5 on SQLite,
// tsvector chunks on PostgreSQL. doc is the searchable text, unitPath the
// report's unit (its scope tokens, see search.ScopeTokens).
func (s *Store) indexReport(ctx context.Context, tx *sql.Tx, id int64, doc, unitPath string) error {
	q := `DELETE FROM report_fts WHERE rowid = $1`
	if s.dialect == Postgres {
		q = `DELETE FROM report_search WHERE report_id = $1`
	}
	if _, err := s.exec(ctx, tx, q, id); err != nil {
		return fmt.Errorf("store: unindex report: %w", err)
	}
	return s.addSearchEntry(ctx, tx, id, doc, unitPath)
}

// addSearchEntry writes the search entry of a report that has none (a new
// one). Without the delete of indexReport, SQLite's FTS5 keeps consecutive
// entries in memory and writes them as one index segment.
func (s *Store) addSearchEntry(ctx context.Context, tx *sql.Tx, id int64, doc, unitPath string) error {
	if s.dialect == Postgres {
		for i, chunk := range pgSearchChunks(doc, unitPath) {
			if _, err := s.exec(ctx, tx, `INSERT INTO report_search (report_id, chunk, vec) VALUES ($1, $2, to_tsvector('simple', $3))`,
				id, i, chunk); err != nil {
				return fmt.Errorf("store: index report: %w", err)
			}
		}
		return nil
	}
	if _, err := s.exec(ctx, tx, `INSERT INTO report_fts (rowid, tokens, scope) VALUES ($1, $2, $3)`,
		id, search.Tokens(doc), search.ScopeTokens(unitPath)); err != nil {
		return fmt.Errorf("store: index report: %w", err)
	}
	return nil
}

// pgSearchChunks is the text of a report's report_search rows: the chunks
// of doc, each followed by the scope tokens of its unit.
func pgSearchChunks(doc, unitPath string) []string {
	return withScope(search.Chunks(doc), unitPath)
}

// withScope appends the scope tokens of the unit at unitPath to each chunk.
func withScope(chunks []string, unitPath string) []string {
	if sc := search.ScopeTokens(unitPath); sc != "" {
		for i := range chunks {
			chunks[i] += " " + sc
		}
	}
	return chunks
}

// SearchDoc is the text a report is found by: title, content, subject and
// the public replies.
func SearchDoc(r intake.Report, replies []string) string {
	parts := []string{r.Number, r.Title, r.Content, r.Subject.Name, r.Subject.Unit, r.Subject.Post}
	return strings.Join(append(parts, replies...), "\n")
}

// reindexInTx rebuilds one report's search entry inside tx (after a public
// staff reply changes what it is found by).
func (s *Store) reindexInTx(ctx context.Context, tx *sql.Tx, id int64) error {
	r, err := getReport(ctx, tx, "r.id = $1", id)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT body FROM report_messages WHERE report_id = $1 AND author = 'staff' AND public = TRUE ORDER BY id`, id)
	if err != nil {
		return fmt.Errorf("store: replies: %w", err)
	}
	var replies []string
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			rows.Close()
			return err
		}
		replies = append(replies, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return s.indexReport(ctx, tx, id, SearchDoc(r, replies), r.UnitPath)
}

// rankCap is the most matches ranked by relevance: bm25 / ts_rank score
// every match before LIMIT, so a short query matching more reports is
// ordered newest first instead. On PostgreSQL ts_rank reads each match's
// tsvector from TOAST (about 20–50 µs each at a million reports): with
// 2,000 the searches with 500 to 2,000 matches alone took a p95 of about
// 100 ms there (docs/benchmarks.md). Both engines use the same cap, so a
// query lists the same reports in the same order on either.
const rankCap = 500

// pgFirstMatch selects, of the report_search rows s matching $1, each
// report's first matching chunk: all rows of chunk 0, and a later chunk's
// only when no earlier one matches. Almost every report has one chunk, so
// counting and paging need no DISTINCT (a sort or hash of every match) and
// the sub-query runs only for the rare later chunks.
const pgFirstMatch = `s.vec @@ to_tsquery('simple', $1) AND (s.chunk = 0 OR NOT EXISTS (SELECT 1 FROM report_search e
	WHERE e.report_id = s.report_id AND e.chunk < s.chunk AND e.vec @@ to_tsquery('simple', $1)))`

// pgNewestAll is the newest-first page of the matches $1 read from all of
// them: the bitmap of the GIN index and a top-N sort of their ids. The
// fence (MATERIALIZED) keeps PostgreSQL from walking report_search's
// primary key backwards instead, testing each row's tsvector, which it
// estimates to be cheaper for any LIMIT: each test reads the row's
// tsvector from TOAST, so that walk only pays where matches are dense
// (pgDensePage).
const pgNewestAll = `WITH m AS MATERIALIZED (SELECT s.report_id FROM report_search s WHERE ` + pgFirstMatch + `)
	SELECT report_id FROM m ORDER BY report_id DESC LIMIT $2 OFFSET $3`

// pgDenseScan is the most report_search rows that a newest-first page may
// expect to test one by one, walking the primary key backwards, before
// reading all matches is cheaper (about 20–40 µs a row for its tsvector
// against about 2 µs a match in the bitmap).
const pgDenseScan = 500

// pgDensePage reports whether the page's matches are dense enough among
// report_search's rows (its planner statistics) for the backward walk:
// the rows it expects to test, (offset + limit) · rows / total, are at
// most pgDenseScan (s.denseScan). Without statistics it answers false.
func (s *Store) pgDensePage(ctx context.Context, total int, pg Page) (bool, error) {
	var rows float64
	if err := s.db.QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'report_search'::regclass`).Scan(&rows); err != nil {
		return false, fmt.Errorf("store: search statistics: %w", err)
	}
	return rows > 0 && float64(pg.Offset+pg.Limit)*rows/float64(total) <= s.denseScan, nil
}

// SearchReports finds reports in scope whose text contains the query, with
// the total count of matches in scope. Up to rankCap matches are ranked by
// relevance (bm25 on SQLite, ts_rank on PostgreSQL); more are listed newest
// first.
//
// The scope is applied inside the search index (search.ScopeTerms), so the
// count and the newest-first page never visit a report row that is not on
// the page; the page's rows are checked against the scope predicate once
// more, which is also the filter when the text alone is ranked.
func (s *Store) SearchReports(ctx context.Context, sc auth.Scope, q search.Query, pg Page) ([]intake.Report, int, error) {
	pg = pg.normal()
	if sc.Denied || len(sc.Prefixes) == 0 {
		return nil, 0, nil
	}
	terms, _, err := search.ScopeTerms(sc.Prefixes)
	if err != nil {
		return nil, 0, fmt.Errorf("store: search %v: %w", sc.Prefixes, err)
	}
	// $1 is the match expression in every statement below.
	var match, count, newest, ranked string
	if s.dialect == Postgres {
		match = q.TSQueryIn(terms)
		count = `SELECT COUNT(*) FROM report_search s WHERE ` + pgFirstMatch
		newest = `SELECT s.report_id FROM report_search s WHERE ` + pgFirstMatch + `
			ORDER BY s.report_id DESC LIMIT $2 OFFSET $3`
		ranked = `SELECT report_id, MAX(ts_rank(vec, to_tsquery('simple', $2))) AS rank FROM report_search
			WHERE vec @@ to_tsquery('simple', $1) GROUP BY report_id`
	} else {
		match = q.FTS5In(terms)
		count = `SELECT COUNT(*) FROM report_fts WHERE report_fts MATCH $1`
		newest = `SELECT rowid FROM report_fts WHERE report_fts MATCH $1 ORDER BY rowid DESC LIMIT $2 OFFSET $3`
		// Weight 0 for the scope column: the rank is the text's alone.
		ranked = `SELECT rowid AS report_id, bm25(report_fts, 1.0, 0.0) AS rank FROM report_fts WHERE report_fts MATCH $1`
	}
	var total int
	if err := s.db.QueryRowContext(ctx, count, match).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: search count: %w", err)
	}
	if total == 0 || pg.Offset >= total {
		return nil, total, nil
	}
	var b args
	var q2 string
	if total > s.rankCap {
		if s.dialect == Postgres {
			dense, err := s.pgDensePage(ctx, total, pg)
			if err != nil {
				return nil, 0, err
			}
			if !dense {
				newest = pgNewestAll
			}
		}
		b.add(match)
		b.add(pg.Limit)
		b.add(pg.Offset)
		scope := scopeSQL(sc, "r.unit_path", &b)
		q2 = `SELECT ` + reportCols + reportFrom + ` WHERE r.id IN (` + newest + `) AND ` + scope + ` ORDER BY r.id DESC`
	} else {
		if s.dialect == SQLite && len(terms) > 0 {
			// bm25 computes each phrase's document frequency over the whole
			// table, the scope's too (60–90 ms for a scope of a million
			// reports). When the text alone matches few reports, rank those
			// and filter them by the scope predicate instead.
			text := q.FTS5In(nil)
			var textTotal int
			if err := s.db.QueryRowContext(ctx, count, text).Scan(&textTotal); err != nil {
				return nil, 0, fmt.Errorf("store: search count: %w", err)
			}
			if textTotal <= s.rankCap {
				match = text
			}
		}
		b.add(match)
		order := "f.rank" // bm25: lower is better
		if s.dialect == Postgres {
			b.add(q.TSQuery())
			order = "f.rank DESC"
		}
		scope := scopeSQL(sc, "r.unit_path", &b)
		q2 = `SELECT ` + reportCols + reportFrom + ` JOIN (` + ranked + `) f ON f.report_id = r.id WHERE ` + scope +
			` ORDER BY ` + order + `, r.id DESC LIMIT ` + b.add(pg.Limit) + ` OFFSET ` + b.add(pg.Offset)
	}
	rows, err := s.db.QueryContext(ctx, q2, b.v...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: search: %w", err)
	}
	defer rows.Close()
	var out []intake.Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("store: scan report: %w", err)
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}
