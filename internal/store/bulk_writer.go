package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"qingfeng/internal/audit"
	"qingfeng/internal/intake"
)

// bulkCacheKiB is the SQLite page cache of a bulk writer's connection
// (PRAGMA cache_size in KiB; the default is 2,000 KiB). A batch of imported
// reports touches thousands of pages of the band index; with the default
// cache SQLite spills them to the WAL in the middle of the transaction and
// reads them back for the next batch.
const bulkCacheKiB = 128 << 10

// BulkWriter holds one database connection for a run of write transactions
// (an import writes its batches through it). Each method is still one
// transaction; between them other writers go ahead. On SQLite the
// connection gets a larger page cache and keeps statement journals in
// memory for the run. It is not safe for concurrent use; Close it.
type BulkWriter struct {
	s    *Store
	conn *sql.Conn
}

// BulkWriter takes a connection from the pool for a bulk run (callers:
// app.Import). Errors: database failures only, no apperr code.
func (s *Store) BulkWriter(ctx context.Context) (*BulkWriter, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: bulk connection: %w", err)
	}
	if s.dialect == SQLite {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, bulkCacheKiB)); err != nil {
			conn.Close()
			return nil, fmt.Errorf("store: bulk cache: %w", err)
		}
		if _, err := conn.ExecContext(ctx, `PRAGMA temp_store = MEMORY`); err != nil {
			conn.Close()
			return nil, fmt.Errorf("store: bulk temp store: %w", err)
		}
	}
	return &BulkWriter{s: s, conn: conn}, nil
}

// CreateReports is Store.CreateReports on the held connection.
// Errors: conflict, invalid (see Store.CreateReports).
func (w *BulkWriter) CreateReports(ctx context.Context, a audit.Actor, ns []NewReport) ([]intake.Report, error) {
	return w.s.createReports(ctx, w.conn.BeginTx, a, ns)
}

// Close gives the connection back to the pool with SQLite's defaults
// restored (the large cache is freed); a connection whose settings cannot
// be restored is closed instead. Errors: database failures only.
func (w *BulkWriter) Close() error {
	if w.s.dialect == SQLite {
		// A fresh context: the run's may be cancelled, and the pooled
		// connection must not keep the large cache.
		ctx := context.Background()
		_, err1 := w.conn.ExecContext(ctx, `PRAGMA cache_size = -2000`)
		_, err2 := w.conn.ExecContext(ctx, `PRAGMA temp_store = DEFAULT`)
		if err1 != nil || err2 != nil {
			// Do not return a connection in an unknown state to the pool.
			_ = w.conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}
	return w.conn.Close()
}
