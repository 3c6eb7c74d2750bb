package app

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/audit"
	"qingfeng/internal/intake"
	"qingfeng/internal/store"
)

// Group commit of public submissions. SubmitPublic prepares a report on
// the request's goroutine (validation, upload cleaning, routing, sealing,
// clocks, the look-up of stored near-duplicates: read-only work that runs
// side by side on every core) and hands it to the App's committer, which
// writes everything queued in one transaction (store.CreateReports: each
// report with its own number, bands, links, clocks, event, search entry
// and audit record, in queue order) and gives every waiting request its
// own result. The committer goroutine runs only while there is something
// to write; App.Close lets it finish the queue and refuses later
// submissions.

// Tunables of the committer.
const (
	// commitCap bounds the reports of one transaction.
	commitCap = 64
	// commitWait is how long the committer waits for more submissions
	// while some are still being prepared (never when none is).
	commitWait = 1500 * time.Microsecond
	// commitRecent bounds the texts of recently written reports kept for
	// the near-duplicate check of submissions prepared meanwhile.
	commitRecent = 512
	// committerConnWait is how long the committer waits for a pooled
	// connection to hold (SQLite) before writing through the pool.
	committerConnWait = 100 * time.Millisecond
)

// committer is the group-commit queue of an App (the zero value is ready).
type committer struct {
	mu      sync.Mutex
	queue   []*pendingReport
	running bool
	closed  bool
	idle    chan struct{} // closed when the running goroutine exits
	// kick wakes a committer waiting for more submissions.
	kick chan struct{}
	// preparing counts public submissions between their start and their
	// hand-off (or failure): the committer waits for them a little.
	preparing atomic.Int64
	// gen counts the write transactions done; a submission notes it
	// before its look-up of stored near-duplicates. recent holds the texts
	// written in transactions after floor (generation), so that a
	// submission whose look-up ran while they were being written still
	// finds them.
	gen    uint64
	floor  uint64
	recent []recentText
	// w is the committer's own connection on SQLite (store.BulkWriter: a
	// page cache that stays warm between batches, checkpoints beside the
	// writes), taken by the first batch and given back by Close. Only the
	// committer goroutine uses it; runs of that goroutine are ordered by
	// mu (running).
	w *store.BulkWriter
	// slots bounds the submissions being prepared at once to the number
	// of cores (App.New): preparation is CPU work, and more of it side by
	// side only takes turns with the committer, whose transaction is the
	// bound of the throughput.
	slots chan struct{}
}

// recentText is a report written by the committer, for the near-duplicate
// check of submissions whose look-up may have missed it.
type recentText struct {
	id  int64
	gen uint64
	d   dupText
}

// pendingReport is one submission waiting for the committer.
type pendingReport struct {
	n      store.NewReport
	d      dupText
	stored []dupCand // stored near-duplicates found before hand-off
	gen    uint64    // committer generation before that look-up
	state  atomic.Int32
	done   chan struct{}
	out    intake.Report
	err    error
}

// pendingReport states.
const (
	pendingQueued int32 = iota
	pendingTaken
	pendingCancelled
)

// generation returns the number of write transactions the committer has
// completed (read before a submission's look-up of stored reports).
func (c *committer) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// wake nudges a committer that waits for more submissions.
func (c *committer) wake() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// submitPublic prepares a public submission and writes it through the
// committer. Errors: invalid, rate_limited (the App is closing), the
// context's error when it ends before the report was taken for writing.
func (a *App) submitPublic(ctx context.Context, sub intake.Submission, files []Upload, receiptHash string) (intake.Report, error) {
	c := &a.commits
	c.preparing.Add(1)
	handed := false
	defer func() {
		if !handed {
			c.preparing.Add(-1)
			c.wake()
		}
	}()
	n, d, stored, gen, err := a.preparePublic(ctx, sub, files, receiptHash)
	if err != nil {
		return intake.Report{}, err
	}
	p := &pendingReport{n: n, d: d, stored: stored, gen: gen, done: make(chan struct{})}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return intake.Report{}, apperr.New(apperr.RateLimited, "intake.closing")
	}
	if c.kick == nil {
		c.kick = make(chan struct{}, 1)
	}
	c.queue = append(c.queue, p)
	handed = true
	c.preparing.Add(-1)
	if !c.running {
		c.running, c.idle = true, make(chan struct{})
		go a.runCommits()
	}
	c.mu.Unlock()
	c.wake()
	select {
	case <-p.done:
	case <-ctx.Done():
		if p.state.CompareAndSwap(pendingQueued, pendingCancelled) {
			return intake.Report{}, ctx.Err()
		}
		<-p.done // already being written: its outcome is the answer
	}
	return p.out, p.err
}

// preparePublic is the CPU part of a public submission (prepareReport,
// its near-duplicate text and the look-up of stored near-duplicates) in
// one of the committer's preparation slots. gen is the committer
// generation before the look-up.
func (a *App) preparePublic(ctx context.Context, sub intake.Submission, files []Upload, receiptHash string) (store.NewReport, dupText, []dupCand, uint64, error) {
	c := &a.commits
	if c.slots != nil {
		select {
		case c.slots <- struct{}{}:
			defer func() { <-c.slots }()
		case <-ctx.Done():
			return store.NewReport{}, dupText{}, nil, 0, ctx.Err()
		}
	}
	n, err := a.prepareReport(ctx, nil, nil, sub, files, receiptHash)
	if err != nil {
		return store.NewReport{}, dupText{}, nil, 0, err
	}
	d := a.dupText(n.Report)
	n.Bands, n.Fingerprint = d.bands, d.fp.Bytes()
	gen := c.generation()
	stored, err := a.storedDuplicates(ctx, d, 0)
	if err != nil {
		return store.NewReport{}, dupText{}, nil, 0, err
	}
	return n, d, stored, gen, nil
}

// runCommits is the committer goroutine: it writes batches until the queue
// is empty, then exits.
func (a *App) runCommits() {
	c := &a.commits
	if c.w == nil && a.Store.Dialect() == store.SQLite {
		// Held until Close. When it cannot be had at once (every pooled
		// connection is busy) or set up, this run's batches go through the
		// pool, and the next run tries again.
		ctx, cancel := context.WithTimeout(context.Background(), committerConnWait)
		if w, err := a.Store.BulkWriter(ctx); err == nil {
			c.w = w
		}
		cancel()
	}
	for {
		batch := a.takeBatch()
		if batch == nil {
			return
		}
		if err := a.commitBatch(c.w, batch); err != nil && c.w != nil &&
			!apperr.Is(err, apperr.Conflict) && !apperr.Is(err, apperr.Invalid) {
			// Not the batch's fault: the held connection may be broken.
			// Give it up; the next run takes another.
			_ = c.w.Close()
			c.w = nil
		}
		if c.w != nil {
			// After the batch's requests were answered: a step of the band
			// log's merge when one is due (store/band_log.go). One that
			// fails changes nothing; the next batch's step tries again.
			_ = c.w.MergeBands(context.Background())
		}
	}
}

// takeBatch waits briefly for submissions still being prepared (when
// there are any and the batch is not full), then takes up to commitCap
// queued ones. With nothing queued it marks the committer stopped and
// returns nil.
func (a *App) takeBatch() []*pendingReport {
	c := &a.commits
	var timer *time.Timer
	for {
		c.mu.Lock()
		if len(c.queue) == 0 {
			c.running = false
			c.recent, c.floor = nil, c.gen // nothing in flight can need them
			close(c.idle)
			c.mu.Unlock()
			return nil
		}
		if len(c.queue) >= commitCap || c.closed || c.preparing.Load() == 0 {
			break
		}
		c.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(commitWait)
			defer timer.Stop()
		}
		select {
		case <-c.kick:
			continue
		case <-timer.C:
		}
		c.mu.Lock()
		break
	}
	defer c.mu.Unlock()
	var batch []*pendingReport
	i := 0
	for ; i < len(c.queue) && len(batch) < commitCap; i++ {
		if p := c.queue[i]; p.state.CompareAndSwap(pendingQueued, pendingTaken) {
			batch = append(batch, p)
		}
	}
	c.queue = append(c.queue[:0:0], c.queue[i:]...)
	if batch == nil {
		return []*pendingReport{} // only cancelled ones: look again
	}
	return batch
}

// commitBatch writes a batch in one transaction (on w when the committer
// holds a connection) and, when that fails, each report on its own so
// that every submission gets its own outcome. It returns the batch
// transaction's error (nil when it was written).
func (a *App) commitBatch(w *store.BulkWriter, batch []*pendingReport) error {
	if len(batch) == 0 {
		return nil
	}
	c := &a.commits
	// The writes are not the requests': one leaving must not undo the
	// others' reports.
	ctx := context.Background()
	c.mu.Lock()
	recent, floor := c.recent, c.floor
	c.mu.Unlock()
	texts := make([]dupText, len(batch))
	ns := make([]store.NewReport, len(batch))
	for i, p := range batch {
		texts[i] = p.d
		stored := p.stored
		if p.gen < floor {
			// Written texts since its look-up were dropped: look again.
			var err error
			if stored, err = a.storedDuplicates(ctx, p.d, 0); err != nil {
				p.err = err
			}
		} else {
			stored = withRecent(p.d, stored, recent, p.gen)
		}
		ns[i] = p.n
		ns[i].Links = pickDuplicates(p.d, stored, texts[:i])
	}
	for _, p := range batch {
		if p.err != nil {
			// A failed look-up: write the rest one by one.
			a.commitEach(ctx, batch, ns)
			return nil
		}
	}
	act := audit.Actor{Name: "public"}
	var out []intake.Report
	var err error
	if w != nil {
		out, err = w.CreateReports(ctx, act, ns)
	} else {
		out, err = a.Store.CreateReports(ctx, act, ns)
	}
	if err != nil {
		a.commitEach(ctx, batch, ns)
		return err
	}
	for i, p := range batch {
		p.out = out[i]
	}
	a.finish(batch)
	return nil
}

// commitEach writes a batch's reports one transaction each (after the
// batch failed): links to an earlier report of the batch point at its row
// when it was written and are dropped when it was not.
func (a *App) commitEach(ctx context.Context, batch []*pendingReport, ns []store.NewReport) {
	act := audit.Actor{Name: "public"}
	for i, p := range batch {
		if p.err != nil {
			continue
		}
		n := ns[i]
		links := make([]store.NewLink, 0, len(n.Links))
		for _, l := range n.Links {
			if l.OtherID == 0 {
				if batch[l.Earlier].err != nil {
					continue
				}
				l = store.NewLink{OtherID: batch[l.Earlier].out.ID, Score: l.Score}
			}
			links = append(links, l)
		}
		n.Links = links
		p.out, p.err = a.Store.CreateReport(ctx, act, n)
	}
	a.finish(batch)
}

// finish records the written texts for later near-duplicate checks, ends
// the transaction's generation and wakes the waiting requests.
func (a *App) finish(batch []*pendingReport) {
	c := &a.commits
	c.mu.Lock()
	c.gen++
	for _, p := range batch {
		if p.err == nil {
			c.recent = append(c.recent, recentText{id: p.out.ID, gen: c.gen, d: p.d})
		}
	}
	if over := len(c.recent) - commitRecent; over > 0 {
		c.floor = c.recent[over-1].gen
		// Keep whole generations: drop every text at or below floor.
		k := over
		for k < len(c.recent) && c.recent[k].gen <= c.floor {
			k++
		}
		c.recent = append(c.recent[:0:0], c.recent[k:]...)
	}
	c.mu.Unlock()
	for _, p := range batch {
		close(p.done)
	}
}

// withRecent adds to the stored candidates of d the reports written after
// its look-up began (generation after gen) that share a band with it,
// unless the look-up found them already.
func withRecent(d dupText, stored []dupCand, recent []recentText, gen uint64) []dupCand {
	var seen map[int64]bool
	for _, r := range recent {
		if r.gen <= gen {
			continue
		}
		n := 0
		for i, h := range d.bands {
			if i < len(r.d.bands) && r.d.bands[i] == h {
				n++
			}
		}
		if n == 0 {
			continue
		}
		if seen == nil {
			seen = make(map[int64]bool, len(stored))
			for _, s := range stored {
				seen[s.id] = true
			}
		}
		if seen[r.id] {
			continue
		}
		stored = append(stored, dupCand{id: r.id, idx: -1, shared: n, score: d.fp.Similarity(r.d.fp)})
	}
	return stored
}

// Close stops the committer after it has written what is queued and gives
// back its connection; later public submissions are refused
// (rate_limited). It returns when the committer has stopped. Errors:
// database failures of giving back the connection only.
func (a *App) Close() error {
	c := &a.commits
	c.mu.Lock()
	c.closed = true
	running, idle := c.running, c.idle
	c.mu.Unlock()
	if running {
		c.wake()
		<-idle
	}
	c.mu.Lock()
	w := c.w
	c.w = nil
	c.mu.Unlock()
	if w != nil {
		return w.Close()
	}
	return nil
}
