package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
	"qingfeng/internal/oversight"
)

// This file persists the village work log (村级监督): entries of village
// members (sessions, visits, demands) and the events of a demand's
// lifecycle. The person and phone of a demand never reach the audit log
// (oversight.Entry.Audit).

const villageCols = `e.id, e.client_id, e.unit_id, u.name, e.unit_path, e.author_user_id, COALESCE(ap.name, au.username), e.kind,
	e.activity_date, e.summary, e.topics, e.people, e.names, e.place, e.demand_kind, e.person, e.phone, e.department, e.due_date,
	e.status, e.resolution, e.resolved_at, e.confirmed_at, COALESCE(e.report_id, 0), COALESCE(r.number, ''), e.fingerprint,
	e.version, e.created_at, e.updated_at`

const villageJoins = ` JOIN units u ON u.id = e.unit_id JOIN users au ON au.id = e.author_user_id
	LEFT JOIN people ap ON ap.id = au.person_id LEFT JOIN reports r ON r.id = e.report_id `

func scanVillage(sc interface{ Scan(...any) error }) (oversight.Entry, error) {
	var e oversight.Entry
	var kind, dk, status, topics string
	var res, conf, cr, up int64
	err := sc.Scan(&e.ID, &e.ClientID, &e.UnitID, &e.UnitName, &e.UnitPath, &e.AuthorUserID, &e.AuthorName, &kind,
		&e.Date, &e.Summary, &topics, &e.People, &e.Names, &e.Place, &dk, &e.Person, &e.Phone, &e.Department, &e.Due,
		&status, &e.Resolution, &res, &conf, &e.ReportID, &e.ReportNumber, &e.Fingerprint, &e.Version, &cr, &up)
	if err != nil {
		return e, err
	}
	e.Kind, e.DemandKind, e.Status = oversight.EntryKind(kind), oversight.DemandKind(dk), oversight.DemandStatus(status)
	e.Topics = []string{}
	if topics != "" {
		e.Topics = strings.Split(topics, ",")
	}
	e.ResolvedAt, e.ConfirmedAt, e.CreatedAt, e.UpdatedAt = fromMS(res), fromMS(conf), fromMS(cr), fromMS(up)
	return e, nil
}

func getVillageEntry(ctx context.Context, q queryer, where string, args ...any) (oversight.Entry, error) {
	e, err := scanVillage(q.QueryRowContext(ctx, `SELECT `+villageCols+` FROM village_entries e`+villageJoins+`WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return e, notFound("village_entry")
	}
	if err != nil {
		return e, fmt.Errorf("store: get village entry: %w", err)
	}
	return e, nil
}

// GetVillageEntry returns a village log entry by id (the caller checks
// visibility). Errors: not_found.
func (s *Store) GetVillageEntry(ctx context.Context, id int64) (oversight.Entry, error) {
	return getVillageEntry(ctx, s.db, `e.id = $1`, id)
}

// CreateVillageEntry stores a new entry of the author (a.UserID) and its
// audit record in one transaction. When the author already has an entry
// with the same client id, nothing is written: the stored entry is
// returned with created false if its fingerprint is the same, else the
// error is conflict "village.client_id_reused". A concurrent double submit
// ends the same way (ON CONFLICT DO NOTHING).
func (s *Store) CreateVillageEntry(ctx context.Context, a audit.Actor, e oversight.Entry) (oversight.Entry, bool, error) {
	var out oversight.Entry
	created := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := ms(s.now())
		day, err := time.ParseInLocation(time.DateOnly, e.Date, shanghai())
		if err != nil {
			return fmt.Errorf("store: village entry date: %w", err)
		}
		var id int64
		err = s.queryRow(ctx, tx, `INSERT INTO village_entries (client_id, author_user_id, unit_id, unit_path, kind, activity_date,
			activity_at, summary, topics, people, names, place, demand_kind, person, phone, department, due_date, status, fingerprint,
			version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 1, $20, $20)
			ON CONFLICT (author_user_id, client_id) DO NOTHING RETURNING id`,
			e.ClientID, a.UserID, e.UnitID, e.UnitPath, string(e.Kind), e.Date, ms(day), e.Summary, strings.Join(e.Topics, ","),
			e.People, e.Names, e.Place, string(e.DemandKind), e.Person, e.Phone, e.Department, e.Due, string(e.Status), e.Fingerprint,
			now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			old, err := getVillageEntry(ctx, tx, `e.author_user_id = $1 AND e.client_id = $2`, a.UserID, e.ClientID)
			if err != nil {
				return err
			}
			if old.Fingerprint != e.Fingerprint {
				return apperr.New(apperr.Conflict, "village.client_id_reused")
			}
			out = old
			return nil
		}
		if err != nil {
			return fmt.Errorf("store: insert village entry: %w", err)
		}
		if e.Kind == oversight.KindDemand {
			if _, err := s.exec(ctx, tx, `INSERT INTO village_demand_events (entry_id, action, from_status, to_status, user_id, note, at)
				VALUES ($1, 'create', '', $2, $3, '', $4)`, id, string(e.Status), nullID(a.UserID), now); err != nil {
				return fmt.Errorf("store: village demand event: %w", err)
			}
		}
		if out, err = getVillageEntry(ctx, tx, `e.id = $1`, id); err != nil {
			return err
		}
		created = true
		return s.appendAudit(ctx, tx, a, change{action: "village.create", objectType: "village_entry", objectID: id,
			after: out.Audit()})
	})
	return out, created, err
}

// VillageChange is a demand action: the entry before (its version is
// checked) and after, the action and its note.
type VillageChange struct {
	Before, After oversight.Entry
	Op            oversight.DemandOp
	Note          string
	// AuditNote is added to the audit record (e.g. the report registered).
	AuditNote map[string]any
}

// ApplyVillageChange writes a demand action: the row (optimistic lock on
// the version), the lifecycle event and the audit record in one
// transaction. Errors: conflict "error.version_conflict".
func (s *Store) ApplyVillageChange(ctx context.Context, a audit.Actor, c VillageChange) (oversight.Entry, error) {
	var out oversight.Entry
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.applyVillageChange(ctx, tx, a, c)
		return err
	})
	return out, err
}

// applyVillageChange is ApplyVillageChange in tx (also used when a demand
// becomes a report: the report and the demand's change commit together).
func (s *Store) applyVillageChange(ctx context.Context, tx *sql.Tx, a audit.Actor, c VillageChange) (oversight.Entry, error) {
	now := ms(s.now())
	e := c.After
	res, err := s.exec(ctx, tx, `UPDATE village_entries SET status = $1, department = $2, resolution = $3, resolved_at = $4,
		confirmed_at = $5, report_id = $6, version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9`,
		string(e.Status), e.Department, e.Resolution, ms(e.ResolvedAt), ms(e.ConfirmedAt), nullID(e.ReportID), now,
		c.Before.ID, c.Before.Version)
	if err != nil {
		return oversight.Entry{}, fmt.Errorf("store: update village entry: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return oversight.Entry{}, conflictVersion()
	}
	if _, err := s.exec(ctx, tx, `INSERT INTO village_demand_events (entry_id, action, from_status, to_status, user_id, note, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.Before.ID, string(c.Op), string(c.Before.Status), string(e.Status),
		nullID(a.UserID), c.Note, now); err != nil {
		return oversight.Entry{}, fmt.Errorf("store: village demand event: %w", err)
	}
	out, err := getVillageEntry(ctx, tx, `e.id = $1`, c.Before.ID)
	if err != nil {
		return out, err
	}
	return out, s.appendAudit(ctx, tx, a, change{action: "village." + string(c.Op), objectType: "village_entry",
		objectID: c.Before.ID, before: c.Before.Audit(), after: out.Audit(), note: c.AuditNote})
}

// VillageEvent is one step of a demand's lifecycle.
type VillageEvent struct {
	Action     string `json:"action"`
	FromStatus string `json:"from_status"`
	ToStatus   string `json:"to_status"`
	UserName   string `json:"user_name"`
	Note       string `json:"note"`
	At         int64  `json:"-"`
}

// VillageEvents returns the lifecycle events of a demand, oldest first.
func (s *Store) VillageEvents(ctx context.Context, entryID int64) ([]VillageEvent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT ev.action, ev.from_status, ev.to_status, COALESCE(p.name, us.username, ''), ev.note, ev.at
		FROM village_demand_events ev LEFT JOIN users us ON us.id = ev.user_id LEFT JOIN people p ON p.id = us.person_id
		WHERE ev.entry_id = $1 ORDER BY ev.id`, entryID)
	if err != nil {
		return nil, fmt.Errorf("store: village events: %w", err)
	}
	defer rows.Close()
	var out []VillageEvent
	for rows.Next() {
		var ev VillageEvent
		if err := rows.Scan(&ev.Action, &ev.FromStatus, &ev.ToStatus, &ev.UserName, &ev.Note, &ev.At); err != nil {
			return nil, fmt.Errorf("store: scan village event: %w", err)
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// VillageFilter selects village log entries.
type VillageFilter struct {
	UnitPath     string // the subtree of this unit ("": the whole scope)
	AuthorUserID int64  // one author's entries (0: any)
	Kind         oversight.EntryKind
	Status       []oversight.DemandStatus
	From, To     string // activity date in [From, To], YYYY-MM-DD ("" open)
	Page         Page
}

func (f VillageFilter) where(sc auth.Scope, a *args) string {
	w := []string{scopeSQL(sc, "e.unit_path", a)}
	if f.UnitPath != "" {
		w = append(w, "e.unit_path >= "+a.add(f.UnitPath)+" AND e.unit_path < "+a.add(auth.PrefixUpperBound(f.UnitPath)))
	}
	if f.AuthorUserID != 0 {
		w = append(w, "e.author_user_id = "+a.add(f.AuthorUserID))
	}
	if f.Kind != "" {
		w = append(w, "e.kind = "+a.add(string(f.Kind)))
	}
	if len(f.Status) > 0 {
		ph := make([]string, len(f.Status))
		for i, st := range f.Status {
			ph[i] = a.add(string(st))
		}
		w = append(w, "e.status IN ("+strings.Join(ph, ", ")+")")
	}
	if f.From != "" {
		w = append(w, "e.activity_date >= "+a.add(f.From))
	}
	if f.To != "" {
		w = append(w, "e.activity_date <= "+a.add(f.To))
	}
	return strings.Join(w, " AND ")
}

// ListVillageEntries returns the entries in scope that match the filter,
// newest activity first, and the total count.
func (s *Store) ListVillageEntries(ctx context.Context, sc auth.Scope, f VillageFilter) ([]oversight.Entry, int, error) {
	pg := f.Page.normal()
	var a args
	where := f.where(sc, &a)
	n := len(a.v)
	rows, err := s.db.QueryContext(ctx, `SELECT `+villageCols+` FROM village_entries e`+villageJoins+`WHERE `+where+
		` ORDER BY e.activity_date DESC, e.id DESC LIMIT `+a.add(pg.Limit)+` OFFSET `+a.add(pg.Offset), a.v...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list village entries: %w", err)
	}
	out := []oversight.Entry{}
	for rows.Next() {
		e, err := scanVillage(rows)
		if err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("store: scan village entry: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Close(); err != nil {
		return nil, 0, err
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if pg.Offset == 0 && len(out) < pg.Limit {
		return out, len(out), nil
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM village_entries e WHERE `+where, a.v[:n]...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count village entries: %w", err)
	}
	return out, total, nil
}
