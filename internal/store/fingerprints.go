package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"strings"

	"github.com/pressly/goose/v3"

	"qingfeng/internal/dedup"
)

// Every report's near-duplicate fingerprint (dedup.Fingerprint: its
// shingle set, 4 bytes a shingle) is kept in report_fingerprints, written
// in the report's own transaction, so that a look-up scores its candidates
// from the fingerprints instead of reading their texts and normalising and
// shingling each one again. A report without a row (one written by code
// that does not compute fingerprints) is scored from its text: callers of
// ReportFingerprints fall back to ReportTexts for the ids it does not
// return.

// fingerprintMigration is migration 47, in Go for both engines: the table,
// filled with the fingerprints of the reports already stored (their title
// and content, as registration computes them). Down drops it. On
// PostgreSQL the table's foreign key holds a lock on reports that blocks
// their writes until the migration commits (operator.md, Upgrades).
func fingerprintMigration(d Dialect) *goose.Migration {
	create := `CREATE TABLE report_fingerprints (
		report_id INTEGER PRIMARY KEY REFERENCES reports(id),
		shingles  BLOB    NOT NULL)`
	if d == Postgres {
		create = `CREATE TABLE report_fingerprints (
			report_id bigint PRIMARY KEY REFERENCES reports(id),
			shingles  bytea  NOT NULL)`
	}
	return goose.NewGoMigration(47,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, create); err != nil {
				return fmt.Errorf("store: migrate fingerprints: %w", err)
			}
			return backfillFingerprints(ctx, tx, d)
		}},
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `DROP TABLE report_fingerprints`); err != nil {
				return fmt.Errorf("store: migrate fingerprints: %w", err)
			}
			return nil
		}})
}

// backfillFingerprints writes the fingerprint of every stored report, in
// pages of ids so that no result set stays open while rows are written.
func backfillFingerprints(ctx context.Context, tx *sql.Tx, d Dialect) error {
	const page = 1000
	for after := int64(0); ; {
		rows, err := tx.QueryContext(ctx, `SELECT id, title, content FROM reports WHERE id > $1 ORDER BY id LIMIT $2`, after, page)
		if err != nil {
			return fmt.Errorf("store: migrate fingerprints: reports: %w", err)
		}
		var ids []int64
		var fps [][]byte
		for rows.Next() {
			var id int64
			var title, content string
			if err := rows.Scan(&id, &title, &content); err != nil {
				rows.Close()
				return fmt.Errorf("store: migrate fingerprints: reports: %w", err)
			}
			// The text registration fingerprints (app.dupText).
			ids, fps = append(ids, id), append(fps, dedup.TextFingerprint(title+"\n"+content).Bytes())
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: migrate fingerprints: reports: %w", err)
		}
		if err := insertFingerprints(ctx, tx, d, ids, fps); err != nil {
			return err
		}
		if len(ids) < page {
			return nil
		}
		after = ids[len(ids)-1]
	}
}

// fingerprintStmtRows is the most rows per INSERT of fingerprints.
const fingerprintStmtRows = 500

// insertFingerprints writes the fingerprints fps[i] (dedup stored form) of
// the new reports ids[i] in multi-row INSERTs. A nil fingerprint is not
// written (the report is then scored from its text); an empty one is (a
// text with no shingles).
func insertFingerprints(ctx context.Context, tx *sql.Tx, d Dialect, ids []int64, fps [][]byte) error {
	m := &multiInsertStmt{ctx: ctx, tx: tx, sqlite: d == SQLite}
	for i, fp := range fps {
		if fp == nil {
			continue
		}
		m.sep(`INSERT INTO report_fingerprints (report_id, shingles) VALUES `)
		m.q.WriteString("(" + m.ph(ids[i]) + ", " + m.ph(fp) + ")")
		if m.rows == fingerprintStmtRows {
			if err := m.run("report fingerprints"); err != nil {
				return err
			}
		}
	}
	return m.run("report fingerprints")
}

// ReportFingerprints returns the stored fingerprints (dedup stored form)
// of the reports ids that have one; ids without a row are left out. On
// PostgreSQL the ids are read in up to pgLookupParts statements side by
// side, as ReportTexts does.
func (s *Store) ReportFingerprints(ctx context.Context, ids []int64) (map[int64][]byte, error) {
	out, err := lookupByID(ctx, s, ids, func(ctx context.Context, ids []int64) (map[int64][]byte, error) {
		var a args
		ph := make([]string, len(ids))
		for i, id := range ids {
			ph[i] = a.add(id)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT report_id, shingles FROM report_fingerprints WHERE report_id IN (`+
			strings.Join(ph, ", ")+`)`, a.v...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := make(map[int64][]byte, len(ids))
		for rows.Next() {
			var id int64
			var fp []byte
			if err := rows.Scan(&id, &fp); err != nil {
				return nil, err
			}
			if fp == nil {
				fp = []byte{} // an empty blob is a known, empty fingerprint
			}
			out[id] = fp
		}
		return out, rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: report fingerprints: %w", err)
	}
	return out, nil
}

// lookupByID reads rows by id with fetch: on PostgreSQL in up to
// pgLookupParts statements side by side when there are enough ids (see
// lookupParts), else in one; the parts' maps are merged.
func lookupByID[T any](ctx context.Context, s *Store, ids []int64, fetch func(ctx context.Context, ids []int64) (map[int64]T, error)) (map[int64]T, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	parts := [][2]int{{0, len(ids)}}
	if len(ids) >= 8 { // fewer are not worth a connection each
		parts = s.lookupParts(len(ids))
	}
	found, err := inParts(ctx, parts, func(ctx context.Context, part [2]int) (map[int64]T, error) {
		return fetch(ctx, ids[part[0]:part[1]])
	})
	if err != nil {
		return nil, err
	}
	out := found[0]
	for _, m := range found[1:] {
		maps.Copy(out, m)
	}
	return out, nil
}
