package store

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
)

// The near-duplicate band index on SQLite has two levels, as a
// log-structured index does.
//
// report_bands holds (hash, report_id, band) rows in one b-tree ordered by
// hash. A new report's 48 rows land on 48 leaf pages far apart, and every
// dirty page is a 4 KiB frame in the WAL at commit: about 200 KiB per
// report at a few hundred thousand reports, the largest part of what a
// submission and an import row cost to write (docs/benchmarks.md, "The band
// index, measured again").
//
// So a new report's hashes go into report_band_log instead: one row per
// report, keyed by its id, appended at the end of its b-tree. Each Store
// keeps the log in memory (bandLog: a hash table per level), read from the
// table by id, and a look-up probes report_bands and the memory. When the
// log holds bandLogMerge reports, they are frozen and merged into
// report_bands in order of hash (sorted on a goroutine of their own), a
// chunk of rows per transaction between the writer's own transactions
// (MergeBands), and then deleted
// from the log. Rows in hash order fill the leaf pages they touch, so the
// WAL carries a page for many rows instead of a page per row.
//
// Why a look-up never misses a report:
//   - A report's rows are in the log from its own transaction until the
//     transaction that deletes them, which comes after every one of its
//     rows was inserted into report_bands (INSERT OR IGNORE: a merge cut
//     short by a crash or an error is done again).
//   - A look-up first reads the log rows it has not seen (SQLite gives
//     report ids in commit order: the writers are serialised and reports
//     are never deleted), then takes the levels in memory, then queries
//     report_bands. Levels are only ever dropped after the deleting
//     transaction committed, so a report missing from the levels it took
//     was merged before its query began and that query finds it.
//   - A report half merged is counted from memory in full; the counts of
//     the two sources are combined with max, not added.
//   - Another process on the same file (the import command beside the
//     server) merges and deletes rows this one still holds in memory: they
//     are then found in both places, which max allows; this process lets
//     go of them at its own next merge.
//
// PostgreSQL writes report_bands directly: its writers run side by side,
// its ids are not in commit order, and its WAL is not the bound there.

const (
	// bandLogMerge is how many reports the log holds before they are
	// merged into report_bands.
	bandLogMerge = 8192
	// bandMergeChunk is the least band rows one merge step inserts (one
	// transaction of about 10 ms at 100,000 reports: the submissions
	// queued behind it wait that long). A step inserts twice the rows
	// written to the log since the step before when that is more, so that
	// the merge keeps up with a writer of large batches (an import).
	bandMergeChunk = 2048
	// bandMergeMaxChunk bounds a step at this many times bandMergeChunk.
	bandMergeMaxChunk = 64
)

// bandTable is one level of the band log in memory: the band hashes of
// some reports, found by hash through a chain per hash. It only grows; a
// frozen table is not written again and may be read without the lock.
type bandTable struct {
	ids   []int64         // report ids, ascending
	hash  []int64         // per entry (a report's band i)
	band  []uint8         // per entry: i
	rep   []int32         // per entry: its report's index in ids
	next  []int32         // per entry: the previous entry of the same hash, or -1
	heads map[int64]int32 // hash -> its last entry
}

func newBandTable() *bandTable { return &bandTable{heads: map[int64]int32{}} }

// reports is the number of reports in t.
func (t *bandTable) reports() int { return len(t.ids) }

// add appends a report (ids must come in ascending order) with its band
// hashes (band i = hashes[i]).
func (t *bandTable) add(id int64, hashes []int64) {
	r := int32(len(t.ids))
	t.ids = append(t.ids, id)
	for i, h := range hashes {
		e := int32(len(t.hash))
		t.hash = append(t.hash, h)
		t.band = append(t.band, uint8(i))
		t.rep = append(t.rep, r)
		prev, ok := t.heads[h]
		if !ok {
			prev = -1
		}
		t.next = append(t.next, prev)
		t.heads[h] = e
	}
}

// count sets into[id] to the number of bands (band i = bands[i]) that each
// report of t other than exclude shares, when that is more than into holds.
func (t *bandTable) count(bands []int64, exclude int64, into map[int64]int) {
	var own map[int64]int
	for i, h := range bands {
		e, ok := t.heads[h]
		if !ok {
			continue
		}
		for ; e >= 0; e = t.next[e] {
			if int(t.band[e]) != i {
				continue
			}
			if id := t.ids[t.rep[e]]; id != exclude {
				if own == nil {
					own = map[int64]int{}
				}
				own[id]++
			}
		}
	}
	for id, n := range own {
		if n > into[id] {
			into[id] = n
		}
	}
}

// bandRow is one row of report_bands.
type bandRow struct {
	hash, id int64
	band     uint8
}

// sorted returns t's entries as rows in the order of report_bands' key.
func (t *bandTable) sorted() []bandRow {
	rows := make([]bandRow, len(t.hash))
	for e := range t.hash {
		rows[e] = bandRow{hash: t.hash[e], id: t.ids[t.rep[e]], band: t.band[e]}
	}
	slices.SortFunc(rows, func(x, y bandRow) int {
		if c := cmp.Compare(x.hash, y.hash); c != 0 {
			return c
		}
		if c := cmp.Compare(x.id, y.id); c != 0 {
			return c
		}
		return cmp.Compare(x.band, y.band)
	})
	return rows
}

// bandLog is a Store's copy of report_band_log in memory (SQLite only).
type bandLog struct {
	mu     sync.RWMutex
	seen   int64      // the highest report id read from the table
	active *bandTable // reports read since the last merge began
	frozen *bandTable // the reports being merged, nil when none are

	// mergeAt and chunk are bandLogMerge and bandMergeChunk (tests lower
	// them).
	mergeAt, chunk int
	// written counts the band rows written to the log since the last
	// merge step.
	written atomic.Int64

	// merging serialises merge steps; cycle is the merge under way,
	// guarded by merging.
	merging sync.Mutex
	cycle   *bandMerge
}

// bandMerge is a merge of the frozen level into report_bands.
type bandMerge struct {
	upto   int64          // the frozen level's highest report id
	sorted chan []bandRow // its rows in key order, once sorted
	rows   []bandRow      // what came from sorted; nil before
	pos    int            // rows before pos are inserted
}

func newBandLog() *bandLog {
	return &bandLog{active: newBandTable(), mergeAt: bandLogMerge, chunk: bandMergeChunk}
}

// bandLevels returns the levels in memory to probe, after reading the log
// rows committed since the last read (on conn, or through the pool when
// conn is nil).
func (s *Store) bandLevels(ctx context.Context, conn *sql.Conn) ([]*bandTable, error) {
	l := s.bands
	l.mu.RLock()
	seen := l.seen
	l.mu.RUnlock()
	const q = `SELECT report_id, hashes FROM report_band_log WHERE report_id > $1 ORDER BY report_id`
	var rows *sql.Rows
	if conn != nil {
		var err error
		if rows, err = conn.QueryContext(ctx, q, seen); err != nil {
			return nil, err
		}
	} else {
		st, err := s.prepared(ctx, q)
		if err != nil {
			return nil, err
		}
		if rows, err = st.QueryContext(ctx, seen); err != nil {
			return nil, err
		}
	}
	defer rows.Close()
	type logRow struct {
		id     int64
		hashes []int64
	}
	var got []logRow
	for rows.Next() {
		var r logRow
		var text string
		if err := rows.Scan(&r.id, &text); err != nil {
			return nil, err
		}
		var err error
		if r.hashes, err = parseBandHashes(text); err != nil {
			return nil, fmt.Errorf("band log of report %d: %w", r.id, err)
		}
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(got) == 0 { // the usual case: nothing to add, readers side by side
		l.mu.RLock()
		defer l.mu.RUnlock()
	} else {
		l.mu.Lock()
		defer l.mu.Unlock()
	}
	for _, r := range got {
		if r.id > l.seen { // another look-up may have added it already
			l.active.add(r.id, r.hashes)
			l.seen = r.id
		}
	}
	if l.frozen != nil {
		return []*bandTable{l.frozen, l.active}, nil
	}
	return []*bandTable{l.active}, nil
}

// countBandLevels adds the counts of the levels (and of the active level
// now, which may have replaced one of them) into count (see
// bandTable.count).
func (s *Store) countBandLevels(levels []*bandTable, bands []int64, exclude int64, count map[int64]int) {
	l := s.bands
	l.mu.RLock()
	defer l.mu.RUnlock()
	if !slices.Contains(levels, l.active) {
		levels = append(levels, l.active)
	}
	for _, t := range levels {
		t.count(bands, exclude, count)
	}
}

// MergeBands does one step of merging the band log into report_bands on
// SQLite (nothing on PostgreSQL): when no merge is under way and the log
// holds bandLogMerge reports, it freezes them and sorts their rows on a
// goroutine; once they are sorted, each step inserts the next chunk in one
// transaction (bandMergeChunk rows, or twice the rows written to the log
// since the step before when that is more, up to bandMergeMaxChunk times
// bandMergeChunk), and the last deletes the
// frozen reports from the log. Writers call it after their transactions
// (the committer after answering its batch). A step that fails changes
// nothing and is tried again by the next. Errors: database failures only.
func (s *Store) MergeBands(ctx context.Context) error {
	if s.bands == nil {
		return nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: band merge: %w", err)
	}
	defer conn.Close()
	return s.mergeBands(ctx, conn)
}

// MergeBands is Store.MergeBands on the held connection.
func (w *BulkWriter) MergeBands(ctx context.Context) error {
	if w.s.bands == nil {
		return nil
	}
	err := w.s.mergeBands(ctx, w.conn)
	w.committed()
	return err
}

// mergeBands does a merge step on conn. The step's rows skip the foreign
// key check of report_bands.report_id (a look-up in reports per row, a
// third of the insert's cost): they come from report_band_log, whose
// report_id was checked when the row was written, and reports are never
// deleted. conn is given back with the check on, or marked broken (so
// that the pool, or the bulk writer's next transaction, drops it) when it
// cannot be turned on again.
func (s *Store) mergeBands(ctx context.Context, conn *sql.Conn) error {
	l := s.bands
	if !l.merging.TryLock() {
		return nil // a step is under way
	}
	defer l.merging.Unlock()
	// The rows written since the step before (which took its own, even
	// when there was nothing to merge yet).
	written := l.written.Swap(0)
	if l.cycle == nil {
		if _, err := s.bandLevels(ctx, conn); err != nil { // the writer's own rows too
			return fmt.Errorf("store: band merge: %w", err)
		}
		l.mu.Lock()
		if l.frozen != nil || l.active.reports() < l.mergeAt {
			l.mu.Unlock()
			return nil
		}
		f := l.active
		l.frozen, l.active = f, newBandTable()
		l.mu.Unlock()
		// Sorting a level takes tens of milliseconds: not on the writer's
		// goroutine, whose queue would wait for it.
		c := &bandMerge{upto: f.ids[len(f.ids)-1], sorted: make(chan []bandRow, 1)}
		go func() { c.sorted <- f.sorted() }()
		l.cycle = c
	}
	c := l.cycle
	if c.rows == nil {
		select {
		case c.rows = <-c.sorted:
		default:
			return nil // still sorting: the next step begins
		}
	}
	chunk := min(max(l.chunk, 2*int(written)), bandMergeMaxChunk*l.chunk)
	end := min(c.pos+chunk, len(c.rows))
	last := end == len(c.rows)
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return fmt.Errorf("store: band merge: %w", err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.Background(), `PRAGMA foreign_keys = ON`); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	err := s.inTxOn(ctx, conn.BeginTx, func(tx *sql.Tx) error {
		if end > c.pos {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO report_bands (band, hash, report_id) `+
				`SELECT value->>2, value->>0, value->>1 FROM json_each($1)`, bandRowsJSON(c.rows[c.pos:end])); err != nil {
				return err
			}
		}
		if last {
			if _, err := tx.ExecContext(ctx, `DELETE FROM report_band_log WHERE report_id <= $1`, c.upto); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: band merge: %w", err)
	}
	c.pos = end
	if last {
		l.mu.Lock()
		l.frozen = nil
		l.mu.Unlock()
		l.cycle = nil
	}
	return nil
}

// bandRowsJSON is rows as a JSON array of [hash, report_id, band] arrays.
func bandRowsJSON(rows []bandRow) string {
	return jsonArray(len(rows), 36, func(b []byte, i int) []byte {
		b = append(b, '[')
		b = strconv.AppendInt(b, rows[i].hash, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, rows[i].id, 10)
		b = append(b, ',')
		b = strconv.AppendUint(b, uint64(rows[i].band), 10)
		return append(b, ']')
	})
}

// bandHashesJSON is a report's band hashes as the JSON array stored in
// report_band_log.hashes (hashes[i] is band i's).
func bandHashesJSON(hashes []int64) string {
	return jsonArray(len(hashes), 21, func(b []byte, i int) []byte { return strconv.AppendInt(b, hashes[i], 10) })
}

// jsonArray is a JSON array of n elements, each appended by elem (about
// size bytes each).
func jsonArray(n, size int, elem func(b []byte, i int) []byte) string {
	b := make([]byte, 0, 2+n*size)
	b = append(b, '[')
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = elem(b, i)
	}
	return string(append(b, ']'))
}

// parseBandHashes reads what bandHashesJSON wrote (a JSON array of
// integers; spaces allowed). Errors: anything else, or more than 256
// hashes (a band index is a byte).
func parseBandHashes(s string) ([]int64, error) {
	i := 0
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++
		}
	}
	skip()
	if i >= len(s) || s[i] != '[' {
		return nil, fmt.Errorf("band hashes: not an array")
	}
	i++
	out := make([]int64, 0, 48)
	skip()
	if i < len(s) && s[i] == ']' {
		i++
	} else {
		for {
			skip()
			j := i
			if j < len(s) && s[j] == '-' {
				j++
			}
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			v, err := strconv.ParseInt(s[i:j], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("band hashes: %w", err)
			}
			out = append(out, v)
			i = j
			skip()
			if i < len(s) && s[i] == ',' {
				i++
				continue
			}
			if i < len(s) && s[i] == ']' {
				i++
				break
			}
			return nil, fmt.Errorf("band hashes: expected , or ] at %d", i)
		}
	}
	skip()
	if i != len(s) {
		return nil, fmt.Errorf("band hashes: text after the array")
	}
	if len(out) > 256 {
		return nil, fmt.Errorf("band hashes: %d bands", len(out))
	}
	return out, nil
}
