package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"

	"qingfeng/internal/audit"
	"qingfeng/internal/intake"
)

// bulkCacheKiB is the SQLite page cache of a bulk writer's connection
// (PRAGMA cache_size in KiB; the default is 2,000 KiB). A batch of imported
// reports touches thousands of pages of the band index; with the default
// cache SQLite spills them to the WAL in the middle of the transaction and
// reads them back for the next batch.
const bulkCacheKiB = 128 << 10

// checkpointEvery is the least time between two background checkpoints of
// a bulk writer (SQLite). Pages written again within it are copied once.
const checkpointEvery = 100 * time.Millisecond

// bulkAutoCheckpoint is the WAL size (pages) at which a bulk writer's own
// commit checkpoints after all (SQLite's default is 1,000). The background
// checkpoints copy pages while the next transaction appends more, so with
// transactions back to back the WAL is never all copied and never starts
// over; this commit-time checkpoint, under the write lock, copies the few
// pages left, after which the next transaction writes the WAL from its
// start again. It also bounds the WAL when nothing wakes the goroutine.
const bulkAutoCheckpoint = 8000

// BulkWriter holds one database connection for a run of write transactions
// (an import writes its batches through it; the public submissions'
// committer holds one for the App's life). Each method is still one
// transaction; between them other writers go ahead. On SQLite the
// connection gets a larger page cache, which stays warm because no other
// connection writes in between, and keeps statement journals in memory;
// its commits leave checkpointing the WAL to a goroutine of the writer,
// which does it beside them after a commit (at most every
// checkpointEvery), on another connection, so the copying of pages into
// the database file runs on another core instead of holding up the next
// transaction (a commit checkpoints only past bulkAutoCheckpoint pages).
// It is not safe for concurrent use; Close it.
type BulkWriter struct {
	s    *Store
	conn *sql.Conn

	// SQLite only: wake the checkpoint goroutine; stop ends it (also
	// while it waits for a pooled connection), done closes when it has.
	wake chan struct{}
	stop context.CancelFunc
	done chan struct{}
}

// BulkWriter takes a connection from the pool for a bulk run (callers:
// app.Import and the committer of public submissions). Errors: database
// failures only, no apperr code.
func (s *Store) BulkWriter(ctx context.Context) (*BulkWriter, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: bulk connection: %w", err)
	}
	w := &BulkWriter{s: s, conn: conn}
	if s.dialect != SQLite {
		return w, nil
	}
	for _, p := range []string{fmt.Sprintf(`PRAGMA cache_size = -%d`, bulkCacheKiB), `PRAGMA temp_store = MEMORY`,
		fmt.Sprintf(`PRAGMA wal_autocheckpoint = %d`, bulkAutoCheckpoint)} {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			w.discard()
			return nil, fmt.Errorf("store: bulk connection settings: %w", err)
		}
	}
	var bg context.Context
	bg, w.stop = context.WithCancel(context.Background())
	w.wake, w.done = make(chan struct{}, 1), make(chan struct{})
	go w.checkpoints(bg)
	return w, nil
}

// CreateReports is Store.CreateReports on the held connection.
// Errors: conflict, invalid (see Store.CreateReports).
func (w *BulkWriter) CreateReports(ctx context.Context, a audit.Actor, ns []NewReport) ([]intake.Report, error) {
	out, err := w.s.createReports(ctx, w.conn.BeginTx, a, ns)
	if err == nil {
		w.committed()
	}
	return out, err
}

// inTx runs fn in a transaction on the held connection (Store.inTx) and
// wakes the checkpoint goroutine after a commit.
func (w *BulkWriter) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	err := w.s.inTxOn(ctx, w.conn.BeginTx, fn)
	if err == nil {
		w.committed()
	}
	return err
}

// committed wakes the checkpoint goroutine (SQLite) after a commit.
func (w *BulkWriter) committed() {
	if w.wake == nil {
		return
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// checkpoints copies the WAL into the database file after the writer's
// commits (PASSIVE: it neither waits for nor blocks readers and writers;
// frames that a reader still needs stay for a later round), at most every
// checkpointEvery, until Close.
func (w *BulkWriter) checkpoints(ctx context.Context) {
	defer close(w.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		}
		// A failed checkpoint leaves the frames in the WAL; the next one,
		// or any other connection's automatic checkpoint, copies them.
		_, _ = w.s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
		t := time.NewTimer(checkpointEvery)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// discard closes the connection instead of giving it back to the pool.
func (w *BulkWriter) discard() {
	_ = w.conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = w.conn.Close()
}

// Close gives the connection back to the pool with SQLite's defaults
// restored (the large cache is freed, commits checkpoint again) after a
// last checkpoint; a connection whose settings cannot be restored is
// closed instead. Close it once. Errors: database failures only.
func (w *BulkWriter) Close() error {
	if w.s.dialect != SQLite {
		return w.conn.Close()
	}
	w.stop()
	<-w.done
	// A fresh context: the run's may be cancelled, and the pooled
	// connection must not keep the large cache.
	ctx := context.Background()
	_, err1 := w.conn.ExecContext(ctx, `PRAGMA cache_size = -2000`)
	_, err2 := w.conn.ExecContext(ctx, `PRAGMA temp_store = DEFAULT`)
	_, err3 := w.conn.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 1000`)
	_, _ = w.conn.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
	if err1 != nil || err2 != nil || err3 != nil {
		// Do not return a connection in an unknown state to the pool.
		w.discard()
		return nil
	}
	return w.conn.Close()
}
