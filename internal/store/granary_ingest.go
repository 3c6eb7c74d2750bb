package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"qingfeng/internal/monitor"
)

// This file is the batched ingest of feed events: one transaction stores
// a batch of payloads (each accepted event once, append-only, with the
// SHA-256 of its bytes; each rejected one as a dead letter), moves the
// book stock, records each device's contact and health, evaluates the
// rules for each event on its bin's window kept in memory and opens the
// alerts it finds. The caller (an MQTT subscriber) acknowledges the batch
// only after the commit.

// feedCache keeps, per bin, what the rules read: the bin's recent events
// (monitor.Window) with their row ids, its book stock and plans, and the
// keys of its alerts. A bin is loaded from the database on its first event
// after start (or when an event arrives from further back than its window
// holds), so a restart evaluates as before; a batch updates the windows as
// it goes and, when its transaction fails, the bins it touched are
// dropped and loaded again on their next event. mu serialises batches.
type feedCache struct {
	mu   sync.Mutex
	bins map[int64]*feedBin
}

// feedBin is one bin's state.
type feedBin struct {
	depotID    int64
	depot, bin string
	book       int64
	plans      []monitor.RotationPlan
	win        *monitor.Window
	rows       map[monitor.EventRef]int64
	open       map[string]bool // alert keys opened for the bin
}

// ForgetFeedWindows drops every bin's state, as a restart does: each bin
// is loaded from the database again on its next event.
func (s *Store) ForgetFeedWindows() {
	s.feed.mu.Lock()
	defer s.feed.mu.Unlock()
	clear(s.feed.bins)
}

// forgetFeedBin drops a bin's state (its plans changed).
func (s *Store) forgetFeedBin(binID int64) {
	s.feed.mu.Lock()
	defer s.feed.mu.Unlock()
	delete(s.feed.bins, binID)
}

// FeedItem is one payload of a batch: an accepted event to store, or
// (Dead set) a rejected one to keep in the dead-letter list.
type FeedItem struct {
	Event NewEvent
	Dead  *DeadLetter
}

// FeedResult is what the batch did with one item.
type FeedResult struct {
	IngestResult
	DeadLetter int64 // the dead letter's id
}

// IngestEvent stores one event: IngestBatch with one item.
func (s *Store) IngestEvent(ctx context.Context, n NewEvent, rules []monitor.Rule, lookback time.Duration) (IngestResult, error) {
	res, err := s.IngestBatch(ctx, []FeedItem{{Event: n}}, rules, lookback)
	if err != nil {
		return IngestResult{}, err
	}
	return res[0].IngestResult, nil
}

// eventRowsPerInsert bounds one multi-row INSERT of events (10 values a row).
const eventRowsPerInsert = 200

// IngestBatch stores a batch in one transaction, in the items' order:
// dead letters kept; each event stored once (a replay of the same device
// and event id, in the database or earlier in the batch, stores nothing
// and is reported Duplicate); movements moving their bin's book stock;
// each device's last contact and health updated (an older event never
// overwrites a newer health); and each event evaluated with the rules on
// its bin's events from its time minus lookback (monitor.Window.Alerts,
// the same alerts as evaluating them one by one), the alerts not open yet
// opened with their evidence and audited. Nothing is kept when it fails.
func (s *Store) IngestBatch(ctx context.Context, items []FeedItem, rules []monitor.Rule, lookback time.Duration) ([]FeedResult, error) {
	s.feed.mu.Lock()
	defer s.feed.mu.Unlock()
	if s.feed.bins == nil {
		s.feed.bins = map[int64]*feedBin{}
	}
	var out []FeedResult
	touched := map[int64]*feedBin{}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		out = make([]FeedResult, len(items))
		// The bins' windows load before this batch's rows exist.
		need := map[int64]time.Time{}
		targets := map[int64]FeedTarget{}
		for _, it := range items {
			if t := it.Event.Target; it.Dead == nil && t.BinID != 0 {
				since := it.Event.Event.At.Add(-lookback)
				if cur, ok := need[t.BinID]; !ok || since.Before(cur) {
					need[t.BinID], targets[t.BinID] = since, t
				}
			}
		}
		for id, since := range need {
			b, err := s.feedBinFor(ctx, tx, targets[id], since)
			if err != nil {
				return err
			}
			touched[id] = b
		}
		for i, it := range items {
			if it.Dead != nil {
				d, err := s.addDeadLetter(ctx, tx, *it.Dead)
				if err != nil {
					return err
				}
				out[i].DeadLetter = d.ID
			}
		}
		rowIDs, err := s.insertEvents(ctx, tx, items)
		if err != nil {
			return err
		}
		book := map[int64]int64{}
		devs := map[int64]*contact{}
		var devOrder []int64
		for i, it := range items {
			if it.Dead != nil {
				continue
			}
			id := rowIDs[i]
			if id == 0 {
				out[i].Duplicate = true
				continue
			}
			out[i].EventRowID = id
			e, t := it.Event.Event, it.Event.Target
			if e.Kind == monitor.KindMovement && t.BinID != 0 {
				book[t.BinID] += e.Movement.KG()
				touched[t.BinID].book += e.Movement.KG()
			}
			c, ok := devs[t.DeviceID]
			if !ok {
				c = &contact{}
				devs[t.DeviceID] = c
				devOrder = append(devOrder, t.DeviceID)
			}
			c.add(e)
			if t.BinID == 0 {
				// A depot-wide event (a camera over the yard) belongs to
				// every bin's window; no rule evaluates it alone.
				if monitor.Kept(e) {
					for bid, b := range s.feed.bins {
						if b.depotID == t.DepotID && !e.At.Before(b.win.Since) {
							b.win.Add(e)
							b.rows[monitor.EventRef{Device: e.Device, ID: e.ID}] = id
							touched[bid] = b
						}
					}
				}
				continue
			}
			b := touched[t.BinID]
			b.win.Add(e)
			b.rows[monitor.EventRef{Device: e.Device, ID: e.ID}] = id
			in := monitor.Input{Now: it.Event.ReceivedAt, Depot: b.depot, Bin: b.bin, BookKG: b.book, Plans: b.plans}
			for _, al := range b.win.Alerts(rules, e, in, lookback) {
				if b.open[al.Key] {
					continue
				}
				aid, err := s.openAlert(ctx, tx, t, al, b.rows, it.Event.OnAlert)
				if err != nil {
					return err
				}
				b.open[al.Key] = true
				if aid != 0 {
					out[i].Alerts = append(out[i].Alerts, aid)
				}
			}
		}
		for bid, kg := range book {
			if _, err := s.exec(ctx, tx, `UPDATE granary_bins SET book_kg = book_kg + $1 WHERE id = $2`, kg, bid); err != nil {
				return fmt.Errorf("store: book stock: %w", err)
			}
		}
		for _, did := range devOrder {
			c := devs[did]
			if _, err := s.exec(ctx, tx, `UPDATE granary_devices SET
				health = CASE WHEN $2 <> '' AND $3 >= last_seen THEN $2 ELSE health END,
				last_seen = CASE WHEN $4 > last_seen THEN $4 ELSE last_seen END WHERE id = $1`,
				did, c.health, ms(c.healthAt), ms(c.latest)); err != nil {
				return fmt.Errorf("store: device contact: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		for id := range touched {
			delete(s.feed.bins, id)
		}
		return nil, err
	}
	for _, b := range touched {
		b.prune(lookback)
	}
	return out, nil
}

// contact folds a batch's events of one device into the one update that
// has the effect of applying them in order: last contact the latest time;
// health that of the last status event no earlier event of the batch
// postdates (the update still checks it against the stored last contact).
type contact struct {
	latest   time.Time
	health   string
	healthAt time.Time
	any      bool
}

func (c *contact) add(e monitor.Event) {
	if e.Kind == monitor.KindStatus && e.Status != nil && (!c.any || !e.At.Before(c.latest)) {
		c.health, c.healthAt = string(e.Status.Health), e.At
	}
	if !c.any || e.At.After(c.latest) {
		c.latest = e.At
	}
	c.any = true
}

// insertEvents inserts the batch's events with multi-row INSERTs and
// returns each item's row id (0: a dead letter, or a replay stored
// before or earlier in the batch).
func (s *Store) insertEvents(ctx context.Context, tx *sql.Tx, items []FeedItem) ([]int64, error) {
	type key struct {
		device int64
		id     string
	}
	ids := make([]int64, len(items))
	first := map[key]int{}
	m := s.multiInsert(ctx, tx)
	flush := func() error {
		if m.rows == 0 {
			return nil
		}
		rows, err := tx.QueryContext(ctx, m.q.String()+` ON CONFLICT (device_id, event_id) DO NOTHING RETURNING id, device_id, event_id`, m.vals...)
		if err != nil {
			return fmt.Errorf("store: insert events: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k key
			var id int64
			if err := rows.Scan(&id, &k.device, &k.id); err != nil {
				return fmt.Errorf("store: insert events: %w", err)
			}
			ids[first[k]] = id
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: insert events: %w", err)
		}
		m.q.Reset()
		m.vals, m.rows = m.vals[:0], 0
		return nil
	}
	for i, it := range items {
		if it.Dead != nil {
			continue
		}
		n := it.Event
		k := key{n.Target.DeviceID, n.Event.ID}
		if _, dup := first[k]; dup {
			continue
		}
		first[k] = i
		sum := sha256.Sum256(n.Raw)
		m.sep(`INSERT INTO granary_events (device_id, event_id, depot_id, bin_id, kind, at, received_at, source, payload, sha256) VALUES `)
		m.q.WriteString("(" + m.ph(n.Target.DeviceID) + ", " + m.ph(n.Event.ID) + ", " + m.ph(n.Target.DepotID) + ", " +
			m.ph(nullID(n.Target.BinID)) + ", " + m.ph(string(n.Event.Kind)) + ", " + m.ph(ms(n.Event.At)) + ", " + m.ph(ms(n.ReceivedAt)) + ", " +
			m.ph(n.Source) + ", " + m.ph(n.Raw) + ", " + m.ph(hex.EncodeToString(sum[:])) + ")")
		if m.rows == eventRowsPerInsert {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	return ids, flush()
}

// feedBinFor returns a bin's state holding its events from since on,
// loading it (again, from further back) when needed.
func (s *Store) feedBinFor(ctx context.Context, tx *sql.Tx, t FeedTarget, since time.Time) (*feedBin, error) {
	if b, ok := s.feed.bins[t.BinID]; ok {
		if !b.win.Since.After(since) {
			return b, nil
		}
		since = since.Add(-24 * time.Hour) // a day further back: late events tend to come in groups
	}
	b := &feedBin{depotID: t.DepotID, win: monitor.NewWindow(since), rows: map[monitor.EventRef]int64{}, open: map[string]bool{}}
	err := s.queryRow(ctx, tx, `SELECT d.code, b.code, b.book_kg FROM granary_bins b JOIN granary_depots d ON d.id = b.depot_id
		WHERE b.id = $1`, t.BinID).Scan(&b.depot, &b.bin, &b.book)
	if err != nil {
		return nil, fmt.Errorf("store: bin window: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, payload, received_at FROM granary_events
		WHERE depot_id = $1 AND (bin_id = $2 OR bin_id IS NULL) AND at >= $3 AND kind IN ('reading', 'movement', 'measured', 'detection')
		ORDER BY at, id`, t.DepotID, t.BinID, ms(since))
	if err != nil {
		return nil, fmt.Errorf("store: bin window: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, recv int64
		var raw []byte
		if err := rows.Scan(&id, &raw, &recv); err != nil {
			return nil, fmt.Errorf("store: bin window: %w", err)
		}
		ev, err := monitor.ParseEvent(raw, fromMS(recv))
		if err != nil {
			return nil, fmt.Errorf("store: stored event %d no longer parses: %w", id, err)
		}
		b.win.Add(ev)
		b.rows[monitor.EventRef{Device: ev.Device, ID: ev.ID}] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: bin window: %w", err)
	}
	rows.Close()
	prow, err := tx.QueryContext(ctx, `SELECT id, bin_id, direction, from_day, to_day, quantity_kg, note FROM granary_rotation_plans
		WHERE bin_id = $1 ORDER BY id`, t.BinID)
	if err != nil {
		return nil, fmt.Errorf("store: plans: %w", err)
	}
	defer prow.Close()
	for prow.Next() {
		var p monitor.RotationPlan
		var dir string
		if err := prow.Scan(&p.ID, &p.BinID, &dir, &p.From, &p.To, &p.QuantityKG, &p.Note); err != nil {
			return nil, fmt.Errorf("store: plans: %w", err)
		}
		p.Direction = monitor.Direction(dir)
		b.plans = append(b.plans, p)
	}
	if err := prow.Err(); err != nil {
		return nil, fmt.Errorf("store: plans: %w", err)
	}
	prow.Close()
	krows, err := tx.QueryContext(ctx, `SELECT dedupe_key FROM granary_alerts WHERE bin_id = $1`, t.BinID)
	if err != nil {
		return nil, fmt.Errorf("store: alert keys: %w", err)
	}
	defer krows.Close()
	for krows.Next() {
		var k string
		if err := krows.Scan(&k); err != nil {
			return nil, fmt.Errorf("store: alert keys: %w", err)
		}
		b.open[k] = true
	}
	if err := krows.Err(); err != nil {
		return nil, fmt.Errorf("store: alert keys: %w", err)
	}
	s.feed.bins[t.BinID] = b
	return b, nil
}

// prune forgets the events the rules will no longer read: those more
// than lookback plus a day before the latest (a day's slack, so that
// events arriving a little late do not reload the bin). It runs once the
// slack has grown to two days.
func (b *feedBin) prune(lookback time.Duration) {
	keep := b.win.Latest().Add(-lookback - 24*time.Hour)
	if b.win.Latest().IsZero() || !b.win.Since.Before(keep.Add(-24*time.Hour)) {
		return
	}
	for _, e := range b.win.Prune(keep) {
		delete(b.rows, monitor.EventRef{Device: e.Device, ID: e.ID})
	}
}
