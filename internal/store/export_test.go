package store

import (
	"context"
	"database/sql"
	"time"

	"qingfeng/internal/auth"
)

// Test hooks for the unexported helpers that domain store files call inside
// their own transactions. Compiled only with the package's tests.

// PutClockForTest starts a clock in its own transaction.
func (s *Store) PutClockForTest(ctx context.Context, c Clock) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.putClock(ctx, tx, c) })
}

// StopClocksForTest stops an object's clocks in its own transaction.
func (s *Store) StopClocksForTest(ctx context.Context, objectType string, objectID int64, at time.Time, codes ...string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.stopClocks(ctx, tx, objectType, objectID, at, codes...) })
}

// MoveClocksForTest moves an object's running clocks.
func (s *Store) MoveClocksForTest(ctx context.Context, objectType string, objectID int64, path string, owner int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.moveClocks(ctx, tx, objectType, objectID, path, owner) })
}

// GrantAccessForTest records a participation or recusal.
func (s *Store) GrantAccessForTest(ctx context.Context, x Access) (id int64, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		id, err = s.grantAccess(ctx, tx, x)
		return err
	})
	return id, err
}

// RevokeAccessForTest ends a user's access of a kind to a record.
func (s *Store) RevokeAccessForTest(ctx context.Context, objectType string, objectID, userID int64, kind string, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.revokeAccess(ctx, tx, objectType, objectID, userID, kind, at) })
}

// NextNumberForTest allocates a document number in its own transaction.
func (s *Store) NextNumberForTest(ctx context.Context, unitID int64, kind string, year int) (n int64, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		n, err = s.nextNumber(ctx, tx, unitID, kind, year)
		return err
	})
	return n, err
}

// RecordScopeIDsForTest returns the ids of table's rows (columns id,
// unit_path, subject_path) that recordScopeSQL lets sc see at now.
func (s *Store) RecordScopeIDsForTest(ctx context.Context, sc auth.Scope, objectType, table string, now time.Time) ([]int64, error) {
	a := args{}
	acc, err := s.accessIDs(ctx, sc, objectType, now)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT r.id FROM `+table+` r WHERE `+
		recordScopeSQL(sc, acc, "r.id", "r.unit_path", "r.subject_path", &a)+` ORDER BY r.id`, a.v...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// SetSearchRankCapForTest sets how many search matches are ranked by
// relevance before the newest-first order takes over.
func (s *Store) SetSearchRankCapForTest(n int) { s.rankCap = n }

// MigrateDownToForTest rolls the schema back to version v.
func (s *Store) MigrateDownToForTest(ctx context.Context, v int64) error {
	p, err := s.migrator()
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, v)
	return err
}

// SetBandMergeForTest sets how many reports the band log holds before a
// merge begins and how many band rows a merge step inserts at least, and
// forgets the rows written so far (SQLite).
func (s *Store) SetBandMergeForTest(reports, chunkRows int) {
	s.bands.merging.Lock()
	defer s.bands.merging.Unlock()
	s.bands.mergeAt, s.bands.chunk = reports, chunkRows
	s.bands.written.Store(0) // no larger step for the rows written before
}

// BandMergeStateForTest reports whether a merge of the band log is under
// way and how many reports the levels in memory hold (SQLite).
func (s *Store) BandMergeStateForTest() (merging bool, inMemory int) {
	s.bands.merging.Lock()
	merging = s.bands.cycle != nil
	s.bands.merging.Unlock()
	s.bands.mu.RLock()
	defer s.bands.mu.RUnlock()
	inMemory = s.bands.active.reports()
	if s.bands.frozen != nil {
		inMemory += s.bands.frozen.reports()
	}
	return merging, inMemory
}

// ForeignKeysForTest reads PRAGMA foreign_keys on the held connection.
func (w *BulkWriter) ForeignKeysForTest(ctx context.Context) (int, error) {
	var n int
	err := w.conn.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&n)
	return n, err
}

// PGFirstMatch is the match predicate of SearchReports' count and
// newest-first statements on PostgreSQL (alias s, query $1).
const PGFirstMatch = pgFirstMatch

// SetSearchDenseScanForTest sets how many rows a newest-first search page
// on PostgreSQL may expect to test walking backwards (pgDenseScan): 0
// always reads all matches, a large value always walks when the table has
// statistics.
func (s *Store) SetSearchDenseScanForTest(n float64) { s.denseScan = n }
