package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
	"qingfeng/internal/monitor"
)

// This file persists the smart-granary registry (depots, bins, devices,
// rotation plans; each write audited), the append-only event log with the
// SHA-256 of each payload as it arrived, the dead-letter list and the
// alerts with their evidence. An event, its book-stock change and the
// alerts it opens commit in one transaction.

// CreateDepot registers a depot (the caller checked the unit and filled UnitPath).
func (s *Store) CreateDepot(ctx context.Context, a audit.Actor, d monitor.Depot) (monitor.Depot, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		d.CreatedAt = s.now()
		err := s.queryRow(ctx, tx, `INSERT INTO granary_depots (code, name, unit_id, unit_path, address, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, d.Code, d.Name, d.UnitID, d.UnitPath, d.Address, ms(d.CreatedAt)).Scan(&d.ID)
		if err != nil {
			return s.mapErr(fmt.Errorf("store: insert depot: %w", err))
		}
		return s.appendAudit(ctx, tx, a, change{action: "granary_depot.create", objectType: "granary_depot", objectID: d.ID,
			after: struct {
				ID, UnitID           int64
				Code, Name, UnitPath string
			}{d.ID, d.UnitID, d.Code, d.Name, d.UnitPath}})
	})
	return d, err
}

// CreateBin registers a bin of a depot with its opening book stock.
func (s *Store) CreateBin(ctx context.Context, a audit.Actor, b monitor.Bin) (monitor.Bin, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := s.queryRow(ctx, tx, `INSERT INTO granary_bins (depot_id, code, name, capacity_kg, grain_kind, book_kg, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, b.DepotID, b.Code, b.Name, b.CapacityKG, b.GrainKind, b.BookKG, ms(s.now())).Scan(&b.ID)
		if err != nil {
			return s.mapErr(fmt.Errorf("store: insert bin: %w", err))
		}
		return s.appendAudit(ctx, tx, a, change{action: "granary_bin.create", objectType: "granary_bin", objectID: b.ID, after: b})
	})
	return b, err
}

// CreateDevice registers a device of a depot.
func (s *Store) CreateDevice(ctx context.Context, a audit.Actor, d monitor.Device) (monitor.Device, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		d.CreatedAt = s.now()
		err := s.queryRow(ctx, tx, `INSERT INTO granary_devices (depot_id, bin_id, code, kind, name, health, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, d.DepotID, nullID(d.BinID), d.Code, string(d.Kind), d.Name,
			string(d.Health), ms(d.CreatedAt)).Scan(&d.ID)
		if err != nil {
			return s.mapErr(fmt.Errorf("store: insert device: %w", err))
		}
		return s.appendAudit(ctx, tx, a, change{action: "granary_device.create", objectType: "granary_device", objectID: d.ID, after: d})
	})
	return d, err
}

// CreateRotationPlan records a rotation plan of a bin.
func (s *Store) CreateRotationPlan(ctx context.Context, a audit.Actor, p monitor.RotationPlan) (monitor.RotationPlan, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := s.queryRow(ctx, tx, `INSERT INTO granary_rotation_plans (bin_id, direction, from_day, to_day, quantity_kg, note, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, p.BinID, string(p.Direction), p.From, p.To, p.QuantityKG, p.Note,
			ms(s.now())).Scan(&p.ID)
		if err != nil {
			return fmt.Errorf("store: insert rotation plan: %w", err)
		}
		return s.appendAudit(ctx, tx, a, change{action: "granary_plan.create", objectType: "granary_plan", objectID: p.ID, after: p})
	})
	if err == nil {
		s.forgetFeedBin(p.BinID) // the rules read the bin's plans
	}
	return p, err
}

// GetDepot returns a depot by id. Errors: not_found.
func (s *Store) GetDepot(ctx context.Context, id int64) (monitor.Depot, error) {
	var d monitor.Depot
	var cr int64
	err := s.db.QueryRowContext(ctx, `SELECT id, code, name, unit_id, unit_path, address, created_at FROM granary_depots WHERE id = $1`, id).
		Scan(&d.ID, &d.Code, &d.Name, &d.UnitID, &d.UnitPath, &d.Address, &cr)
	if errors.Is(err, sql.ErrNoRows) {
		return d, notFound("page")
	}
	d.CreatedAt = fromMS(cr)
	return d, err
}

// GetBin returns a bin by id. Errors: not_found.
func (s *Store) GetBin(ctx context.Context, id int64) (monitor.Bin, error) {
	var b monitor.Bin
	err := s.db.QueryRowContext(ctx, `SELECT id, depot_id, code, name, capacity_kg, grain_kind, book_kg FROM granary_bins WHERE id = $1`, id).
		Scan(&b.ID, &b.DepotID, &b.Code, &b.Name, &b.CapacityKG, &b.GrainKind, &b.BookKG)
	if errors.Is(err, sql.ErrNoRows) {
		return b, notFound("page")
	}
	return b, err
}

// FeedTarget is what an event's codes name in the registry.
type FeedTarget struct {
	DepotID  int64
	UnitPath string
	DeviceID int64
	BinID    int64 // 0: the event names no bin
}

// FindFeedTarget resolves an event's depot, device and bin codes (ok
// false when any is not registered, or the bin is not the depot's).
func (s *Store) FindFeedTarget(ctx context.Context, depot, device, bin string) (FeedTarget, bool, error) {
	key := depot + "\x00" + device + "\x00" + bin
	if t, ok := s.feedTargets.Load(key); ok {
		return t.(FeedTarget), true, nil
	}
	t, ok, err := s.findFeedTarget(ctx, depot, device, bin)
	if ok {
		// Registered codes never change or go away: remembered for the
		// next event (an unregistered one is looked up again).
		s.feedTargets.Store(key, t)
	}
	return t, ok, err
}

func (s *Store) findFeedTarget(ctx context.Context, depot, device, bin string) (FeedTarget, bool, error) {
	var t FeedTarget
	err := s.db.QueryRowContext(ctx, `SELECT d.id, d.unit_path, v.id FROM granary_depots d JOIN granary_devices v ON v.depot_id = d.id
		WHERE d.code = $1 AND v.code = $2`, depot, device).Scan(&t.DepotID, &t.UnitPath, &t.DeviceID)
	if errors.Is(err, sql.ErrNoRows) {
		return t, false, nil
	}
	if err != nil {
		return t, false, fmt.Errorf("store: feed target: %w", err)
	}
	if bin != "" {
		err = s.db.QueryRowContext(ctx, `SELECT id FROM granary_bins WHERE depot_id = $1 AND code = $2`, t.DepotID, bin).Scan(&t.BinID)
		if errors.Is(err, sql.ErrNoRows) {
			return t, false, nil
		}
		if err != nil {
			return t, false, fmt.Errorf("store: feed target bin: %w", err)
		}
	}
	return t, true, nil
}

// DeadLetter is a rejected payload kept with its reason.
type DeadLetter struct {
	ID         int64
	ReceivedAt time.Time
	Source     string // mqtt, https
	Reason     string // a monitor reject reason
	Detail     string
	Payload    []byte
	SHA256     string
}

// AddDeadLetter keeps a rejected payload with its reason.
func (s *Store) AddDeadLetter(ctx context.Context, d DeadLetter) (DeadLetter, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		d, err = s.addDeadLetter(ctx, tx, d)
		return err
	})
	return d, err
}

// addDeadLetter is AddDeadLetter in tx.
func (s *Store) addDeadLetter(ctx context.Context, tx *sql.Tx, d DeadLetter) (DeadLetter, error) {
	sum := sha256.Sum256(d.Payload)
	d.SHA256 = hex.EncodeToString(sum[:])
	if d.Payload == nil {
		d.Payload = []byte{}
	}
	err := s.queryRow(ctx, tx, `INSERT INTO granary_dead_letters (received_at, source, reason, detail, payload, sha256)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, ms(d.ReceivedAt), d.Source, d.Reason, d.Detail, d.Payload, d.SHA256).Scan(&d.ID)
	if err != nil {
		return d, fmt.Errorf("store: dead letter: %w", err)
	}
	return d, nil
}

// ListDeadLetters returns the latest dead letters, newest first.
func (s *Store) ListDeadLetters(ctx context.Context, limit int) ([]DeadLetter, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, received_at, source, reason, detail, payload, sha256 FROM granary_dead_letters
		ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: dead letters: %w", err)
	}
	defer rows.Close()
	var out []DeadLetter
	for rows.Next() {
		var d DeadLetter
		var at int64
		if err := rows.Scan(&d.ID, &at, &d.Source, &d.Reason, &d.Detail, &d.Payload, &d.SHA256); err != nil {
			return nil, fmt.Errorf("store: dead letters: %w", err)
		}
		d.ReceivedAt = fromMS(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// NewEvent is an accepted event to store.
type NewEvent struct {
	Target     FeedTarget
	Event      monitor.Event
	Raw        []byte
	Source     string
	ReceivedAt time.Time
	OnAlert    AlertHook // nil, or called for each alert opened (auto-push)
}

// Evaluator turns a bin's window into alerts (monitor.Evaluate with the rules).
type Evaluator func(monitor.Input) []monitor.Alert

// IngestResult is what storing an event did.
type IngestResult struct {
	EventRowID int64
	Duplicate  bool    // the device sent this event id before: nothing stored
	Alerts     []int64 // alerts opened by this event
}

// openAlert inserts an alert unless one with its key exists (id 0 then),
// and calls hook (when not nil) on the alert it opened.
func (s *Store) openAlert(ctx context.Context, tx *sql.Tx, t FeedTarget, al monitor.Alert, ids map[monitor.EventRef]int64, hook AlertHook) (int64, error) {
	var id int64
	now := s.now()
	err := s.queryRow(ctx, tx, `INSERT INTO granary_alerts (rule, level, depot_id, bin_id, device_id, dedupe_key, unit_path, status,
		explanation, at, opened_at) VALUES ($1, $2, $3, $4, (SELECT id FROM granary_devices WHERE depot_id = $3 AND code = $5), $6, $7, $8, $9,
		$10, $11) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`, al.Rule, string(al.Level), t.DepotID, nullID(t.BinID), al.Device, al.Key,
		t.UnitPath, string(monitor.AlertOpen), al.Explanation, ms(al.At), ms(now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: open alert: %w", err)
	}
	var evidence []int64
	for _, r := range al.Evidence {
		if eid, ok := ids[r]; ok {
			if _, err := s.exec(ctx, tx, `INSERT INTO granary_alert_evidence (alert_id, event_id) VALUES ($1, $2)`, id, eid); err != nil {
				return 0, fmt.Errorf("store: alert evidence: %w", err)
			}
			evidence = append(evidence, eid)
		}
	}
	err = s.appendAudit(ctx, tx, audit.Actor{Name: "system"}, change{action: "granary_alert.open", objectType: "granary_alert",
		objectID: id, after: struct {
			ID       int64
			Rule     string
			Level    string
			Key      string
			Evidence []int64
		}{id, al.Rule, string(al.Level), al.Key, evidence}})
	if err == nil && hook != nil {
		err = s.alertOpened(ctx, tx, id, hook)
	}
	return id, err
}

// GranaryAlert is a stored alert with its evidence events.
type GranaryAlert struct {
	ID          int64
	Rule        string
	Level       monitor.Level
	DepotID     int64
	BinID       int64
	Key         string
	UnitPath    string
	Status      monitor.AlertStatus
	Explanation string
	At          time.Time
	OpenedAt    time.Time
	Reason      string // a dismissal's reason
	ClueID      int64  // the clue it became
	Version     int64
	Evidence    []EvidenceEvent
	Push        *Push // its push to the provincial platform, when queued (filled by the app)
}

// EvidenceEvent is one stored event an alert rests on.
type EvidenceEvent struct {
	RowID   int64
	Device  string
	EventID string
	Kind    string
	At      time.Time
	SHA256  string
}

// ListGranaryAlerts returns the alerts in scope (status "" for all),
// newest first, with their evidence.
func (s *Store) ListGranaryAlerts(ctx context.Context, sc auth.Scope, status string, limit int) ([]GranaryAlert, error) {
	var a args
	where := scopeSQL(sc, "unit_path", &a)
	if status != "" {
		where += " AND status = " + a.add(status)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, rule, level, depot_id, COALESCE(bin_id, 0), dedupe_key, unit_path, status, explanation,
		at, opened_at, reason, COALESCE(clue_id, 0), version FROM granary_alerts WHERE `+where+` ORDER BY id DESC LIMIT `+a.add(limit), a.v...)
	if err != nil {
		return nil, fmt.Errorf("store: alerts: %w", err)
	}
	defer rows.Close()
	var out []GranaryAlert
	for rows.Next() {
		var g GranaryAlert
		var level, status string
		var at, opened int64
		if err := rows.Scan(&g.ID, &g.Rule, &level, &g.DepotID, &g.BinID, &g.Key, &g.UnitPath, &status, &g.Explanation, &at, &opened, &g.Reason, &g.ClueID,
			&g.Version); err != nil {
			return nil, fmt.Errorf("store: alerts: %w", err)
		}
		g.Level, g.Status, g.At, g.OpenedAt = monitor.Level(level), monitor.AlertStatus(status), fromMS(at), fromMS(opened)
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: alerts: %w", err)
	}
	rows.Close()
	for i := range out {
		if out[i].Evidence, err = s.alertEvidence(ctx, s.db, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) alertEvidence(ctx context.Context, q queryer, id int64) ([]EvidenceEvent, error) {
	rows, err := q.QueryContext(ctx, `SELECT e.id, v.code, e.event_id, e.kind, e.at, e.sha256 FROM granary_alert_evidence x
		JOIN granary_events e ON e.id = x.event_id JOIN granary_devices v ON v.id = e.device_id WHERE x.alert_id = $1 ORDER BY e.at, e.id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: evidence: %w", err)
	}
	defer rows.Close()
	var out []EvidenceEvent
	for rows.Next() {
		var v EvidenceEvent
		var at int64
		if err := rows.Scan(&v.RowID, &v.Device, &v.EventID, &v.Kind, &at, &v.SHA256); err != nil {
			return nil, fmt.Errorf("store: evidence: %w", err)
		}
		v.At = fromMS(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

// CountGranaryEvents returns how many events a device has stored.
func (s *Store) CountGranaryEvents(ctx context.Context, deviceID int64) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM granary_events WHERE device_id = $1`, deviceID).Scan(&n)
	return n, err
}

// GetGranaryAlert returns an alert with its evidence. Errors: not_found.
func (s *Store) GetGranaryAlert(ctx context.Context, id int64) (GranaryAlert, error) {
	var g GranaryAlert
	var level, status string
	var at, opened int64
	err := s.db.QueryRowContext(ctx, `SELECT id, rule, level, depot_id, COALESCE(bin_id, 0), dedupe_key, unit_path, status, explanation,
		at, opened_at, reason, COALESCE(clue_id, 0), version FROM granary_alerts WHERE id = $1`, id).Scan(&g.ID, &g.Rule, &level, &g.DepotID,
		&g.BinID, &g.Key, &g.UnitPath, &status, &g.Explanation, &at, &opened, &g.Reason, &g.ClueID, &g.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return g, notFound("page")
	}
	if err != nil {
		return g, fmt.Errorf("store: alert: %w", err)
	}
	g.Level, g.Status, g.At, g.OpenedAt = monitor.Level(level), monitor.AlertStatus(status), fromMS(at), fromMS(opened)
	g.Evidence, err = s.alertEvidence(ctx, s.db, id)
	return g, err
}

// MoveGranaryAlert applies a workflow row to an alert at the given
// version, with the reason (dismiss) or the clue it became (to_clue), and
// audits it. Errors: conflict (version or state changed).
func (s *Store) MoveGranaryAlert(ctx context.Context, a audit.Actor, id, version int64, row monitor.AlertTransition, reason string, clueID int64) (GranaryAlert, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return s.moveGranaryAlert(ctx, tx, a, AlertMove{ID: id, Version: version, Row: row, Reason: reason}, clueID)
	})
	if err != nil {
		return GranaryAlert{}, err
	}
	return s.GetGranaryAlert(ctx, id)
}

// AlertMove is an alert's transition written with another record (the
// clue an alert becomes, NewClue.Alert).
type AlertMove struct {
	ID, Version int64
	Row         monitor.AlertTransition
	Reason      string
}

// moveGranaryAlert is MoveGranaryAlert in tx.
func (s *Store) moveGranaryAlert(ctx context.Context, tx *sql.Tx, a audit.Actor, m AlertMove, clueID int64) error {
	res, err := s.exec(ctx, tx, `UPDATE granary_alerts SET status = $1, reason = $2, handled_by = $3, handled_at = $4, clue_id = $5,
		version = version + 1 WHERE id = $6 AND version = $7 AND status = $8`, string(m.Row.To), m.Reason, nullID(a.UserID), ms(s.now()),
		nullID(clueID), m.ID, m.Version, string(m.Row.From))
	if err != nil {
		return fmt.Errorf("store: move alert: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return conflictVersion()
	}
	return s.appendAudit(ctx, tx, a, change{action: "granary_alert." + string(m.Row.Op), objectType: "granary_alert", objectID: m.ID,
		before: map[string]any{"status": string(m.Row.From)},
		after:  map[string]any{"status": string(m.Row.To), "reason_digest": audit.Digest(m.Reason), "clue_id": clueID}})
}

// SetGatewaySecret stores a device's sealed HMAC secret (the audit
// records that it changed, never the secret).
func (s *Store) SetGatewaySecret(ctx context.Context, a audit.Actor, deviceID int64, sealed string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE granary_devices SET secret = $1 WHERE id = $2`, sealed, deviceID)
		if err != nil {
			return fmt.Errorf("store: gateway secret: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return notFound("page")
		}
		return s.appendAudit(ctx, tx, a, change{action: "granary_device.secret", objectType: "granary_device", objectID: deviceID,
			after: map[string]any{"secret": "sealed"}})
	})
}

// Gateway is a device as the HTTPS endpoint knows it.
type Gateway struct {
	DeviceID  int64
	DepotID   int64
	DepotCode string
	UnitPath  string
	Sealed    string // "" when no secret was issued
}

// FindGateway returns a device by its depot and device codes (ok false:
// none).
func (s *Store) FindGateway(ctx context.Context, depot, device string) (Gateway, bool, error) {
	g := Gateway{DepotCode: depot}
	err := s.db.QueryRowContext(ctx, `SELECT v.id, d.id, d.unit_path, v.secret FROM granary_devices v JOIN granary_depots d ON d.id = v.depot_id
		WHERE d.code = $1 AND v.code = $2`, depot, device).Scan(&g.DeviceID, &g.DepotID, &g.UnitPath, &g.Sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return g, false, nil
	}
	if err != nil {
		return g, false, fmt.Errorf("store: gateway: %w", err)
	}
	return g, true, nil
}

// GetDevice returns a device by id. Errors: not_found.
func (s *Store) GetDevice(ctx context.Context, id int64) (monitor.Device, error) {
	var d monitor.Device
	var kind, health string
	var seen, cr int64
	err := s.db.QueryRowContext(ctx, `SELECT id, depot_id, COALESCE(bin_id, 0), code, kind, name, health, last_seen, created_at
		FROM granary_devices WHERE id = $1`, id).Scan(&d.ID, &d.DepotID, &d.BinID, &d.Code, &kind, &d.Name, &health, &seen, &cr)
	if errors.Is(err, sql.ErrNoRows) {
		return d, notFound("page")
	}
	d.Kind, d.Health, d.LastSeen, d.CreatedAt = monitor.DeviceKind(kind), monitor.Health(health), fromMS(seen), fromMS(cr)
	return d, err
}

// GranaryBin is a bin with its depot, for the overview.
type GranaryBin struct {
	DepotID   int64
	DepotCode string
	DepotName string
	Bin       monitor.Bin
}

// ListGranaryBins returns the bins of the depots in scope, by depot and
// bin code, with their book stock.
func (s *Store) ListGranaryBins(ctx context.Context, sc auth.Scope) ([]GranaryBin, error) {
	var a args
	rows, err := s.db.QueryContext(ctx, `SELECT d.id, d.code, d.name, b.id, b.code, b.name, b.capacity_kg, b.grain_kind, b.book_kg
		FROM granary_bins b JOIN granary_depots d ON d.id = b.depot_id WHERE `+scopeSQL(sc, "d.unit_path", &a)+` ORDER BY d.code, b.code LIMIT 1000`, a.v...)
	if err != nil {
		return nil, fmt.Errorf("store: bins: %w", err)
	}
	defer rows.Close()
	var out []GranaryBin
	for rows.Next() {
		var g GranaryBin
		if err := rows.Scan(&g.DepotID, &g.DepotCode, &g.DepotName, &g.Bin.ID, &g.Bin.Code, &g.Bin.Name, &g.Bin.CapacityKG, &g.Bin.GrainKind,
			&g.Bin.BookKG); err != nil {
			return nil, fmt.Errorf("store: bins: %w", err)
		}
		g.Bin.DepotID = g.DepotID
		out = append(out, g)
	}
	return out, rows.Err()
}

// OpenSilenceAlerts evaluates every device last heard from before the
// given time (and heard from at all) with eval and opens the alerts not
// open yet, one transaction per device, calling hook (when not nil) on
// each. It returns the alerts opened.
func (s *Store) OpenSilenceAlerts(ctx context.Context, before, now time.Time, eval Evaluator, hook AlertHook) ([]int64, error) {
	type silentDev struct {
		t      FeedTarget
		seen   monitor.DeviceSeen
		lastID int64
	}
	rows, err := s.db.QueryContext(ctx, `SELECT v.id, v.code, d.id, d.code, d.unit_path, COALESCE(b.id, 0), COALESCE(b.code, ''), v.last_seen,
		COALESCE((SELECT e.id FROM granary_events e WHERE e.device_id = v.id ORDER BY e.at DESC, e.id DESC LIMIT 1), 0),
		COALESCE((SELECT e.event_id FROM granary_events e WHERE e.device_id = v.id ORDER BY e.at DESC, e.id DESC LIMIT 1), '')
		FROM granary_devices v JOIN granary_depots d ON d.id = v.depot_id LEFT JOIN granary_bins b ON b.id = v.bin_id
		WHERE v.last_seen > 0 AND v.last_seen < $1 ORDER BY v.id`, ms(before))
	if err != nil {
		return nil, fmt.Errorf("store: silent devices: %w", err)
	}
	var devs []silentDev
	for rows.Next() {
		var d silentDev
		var seen int64
		if err := rows.Scan(&d.t.DeviceID, &d.seen.Code, &d.t.DepotID, &d.seen.Depot, &d.t.UnitPath, &d.t.BinID, &d.seen.Bin, &seen,
			&d.lastID, &d.seen.LastEvent); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: silent devices: %w", err)
		}
		d.seen.LastSeen = fromMS(seen)
		devs = append(devs, d)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	var opened []int64
	for _, d := range devs {
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			ids := map[monitor.EventRef]int64{{Device: d.seen.Code, ID: d.seen.LastEvent}: d.lastID}
			for _, al := range eval(monitor.Input{Now: now, Depot: d.seen.Depot, Bin: d.seen.Bin, Devs: []monitor.DeviceSeen{d.seen}}) {
				id, err := s.openAlert(ctx, tx, d.t, al, ids, hook)
				if err != nil {
					return err
				}
				if id != 0 {
					opened = append(opened, id)
				}
			}
			return nil
		})
		if err != nil {
			return opened, err
		}
	}
	return opened, nil
}
