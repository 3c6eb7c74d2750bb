package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
	"qingfeng/internal/org"
)

const areaCols = `g.id, g.county_unit_id, g.name, g.leader_person_id, p.name, g.note, g.active, g.version, g.created_at, g.updated_at`

func scanArea(sc interface{ Scan(...any) error }, extra ...any) (org.AreaGroup, error) {
	var g org.AreaGroup
	var c, u int64
	err := sc.Scan(append([]any{&g.ID, &g.CountyUnitID, &g.Name, &g.LeaderPersonID, &g.LeaderName, &g.Note,
		&g.Active, &g.Version, &c, &u}, extra...)...)
	g.CreatedAt, g.UpdatedAt = fromMS(c), fromMS(u)
	return g, err
}

// GetAreaGroup returns an area group with its members on day (YYYY-MM-DD).
// Errors: not_found.
func (s *Store) GetAreaGroup(ctx context.Context, id int64, day string) (org.AreaGroup, error) {
	g, err := scanArea(s.readRow(ctx, `SELECT `+areaCols+`
		FROM area_groups g JOIN people p ON p.id = g.leader_person_id WHERE g.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return g, notFound("area_group")
	}
	if err != nil {
		return g, fmt.Errorf("store: get area group: %w", err)
	}
	g.Members, err = s.membersOn(ctx, []int64{id}, day)
	return g, err
}

// membersOn returns the memberships of the groups that cover day.
func (s *Store) membersOn(ctx context.Context, groupIDs []int64, day string) ([]org.Membership, error) {
	if len(groupIDs) == 0 {
		return nil, nil
	}
	var a args
	var ph []string
	for _, id := range groupIDs {
		ph = append(ph, a.add(id))
	}
	d := a.add(day)
	return s.queryMemberships(ctx, `m.area_group_id IN (`+strings.Join(ph, ", ")+`) AND m.valid_from <= `+d+
		` AND (m.valid_to IS NULL OR m.valid_to > `+d+`)`, a)
}

func (s *Store) queryMemberships(ctx context.Context, where string, a args) ([]org.Membership, error) {
	q := `SELECT m.id, m.area_group_id, g.name, m.unit_id, u.name, u.kind,
		m.valid_from, COALESCE(m.valid_to, '')
		FROM area_group_members m JOIN area_groups g ON g.id = m.area_group_id JOIN units u ON u.id = m.unit_id
		WHERE ` + where + ` ORDER BY m.area_group_id, u.kind, u.sort_order, u.id, m.valid_from`
	var rows *sql.Rows
	var err error
	if len(a.v) <= 2 {
		// One unit, group or membership (and a day): a fixed text, prepared
		// once (registration looks up a township's area office this way).
		rows, err = s.readRows(ctx, q, a.v...)
	} else {
		rows, err = s.db.QueryContext(ctx, q, a.v...)
	}
	if err != nil {
		return nil, fmt.Errorf("store: memberships: %w", err)
	}
	defer rows.Close()
	var out []org.Membership
	for rows.Next() {
		var m org.Membership
		var kind string
		if err := rows.Scan(&m.ID, &m.AreaGroupID, &m.AreaName, &m.UnitID, &m.UnitName, &kind, &m.From, &m.To); err != nil {
			return nil, fmt.Errorf("store: scan membership: %w", err)
		}
		m.UnitKind = org.Kind(kind)
		out = append(out, m)
	}
	return out, rows.Err()
}

// MembershipHistory returns every membership of a group, current and past.
func (s *Store) MembershipHistory(ctx context.Context, groupID int64) ([]org.Membership, error) {
	var a args
	return s.queryMemberships(ctx, `m.area_group_id = `+a.add(groupID), a)
}

// UnitMemberships returns every area-group membership of a unit.
func (s *Store) UnitMemberships(ctx context.Context, unitID int64) ([]org.Membership, error) {
	var a args
	return s.queryMemberships(ctx, `m.unit_id = `+a.add(unitID), a)
}

// GetMembership returns one membership. Errors: not_found.
func (s *Store) GetMembership(ctx context.Context, id int64) (org.Membership, error) {
	var a args
	ms, err := s.queryMemberships(ctx, `m.id = `+a.add(id), a)
	if err != nil {
		return org.Membership{}, err
	}
	if len(ms) == 0 {
		return org.Membership{}, notFound("membership")
	}
	return ms[0], nil
}

// AreaFilter narrows ListAreaGroups.
type AreaFilter struct {
	CountyUnitID    int64
	IncludeInactive bool
	Day             string // members on this day (YYYY-MM-DD)
	Page            Page
}

// ListAreaGroups returns the area groups whose county commission lies inside
// the scope or that have a member unit inside the scope, with members on
// f.Day, and the total.
func (s *Store) ListAreaGroups(ctx context.Context, sc auth.Scope, f AreaFilter) ([]org.AreaGroup, int, error) {
	var a args
	day := a.add(f.Day)
	where := []string{`(` + scopeSQL(sc, "cu.path", &a) + ` OR EXISTS (SELECT 1 FROM area_group_members m
		JOIN units mu ON mu.id = m.unit_id WHERE m.area_group_id = g.id AND m.valid_from <= ` + day + `
		AND (m.valid_to IS NULL OR m.valid_to > ` + day + `) AND ` + scopeSQL(sc, "mu.path", &a) + `))`}
	if f.CountyUnitID != 0 {
		where = append(where, "g.county_unit_id = "+a.add(f.CountyUnitID))
	}
	if !f.IncludeInactive {
		where = append(where, "g.active = TRUE")
	}
	var out []org.AreaGroup
	var ids []int64
	total, err := s.listQuery(ctx, areaCols, `FROM area_groups g JOIN people p ON p.id = g.leader_person_id
		JOIN units cu ON cu.id = g.county_unit_id WHERE `+strings.Join(where, " AND "), "g.county_unit_id, g.id", a, f.Page,
		func(rows *sql.Rows) error {
			g, err := scanArea(rows)
			out = append(out, g)
			ids = append(ids, g.ID)
			return err
		})
	if err != nil {
		return nil, 0, err
	}
	ms, err := s.membersOn(ctx, ids, f.Day)
	if err != nil {
		return nil, 0, err
	}
	for i := range out {
		for _, m := range ms {
			if m.AreaGroupID == out[i].ID {
				out[i].Members = append(out[i].Members, m)
			}
		}
	}
	return out, total, nil
}

// CreateAreaGroup inserts a group (validated by the caller). Errors: conflict.
func (s *Store) CreateAreaGroup(ctx context.Context, a audit.Actor, g org.AreaGroup) (org.AreaGroup, error) {
	err := s.orgTx(ctx, func(tx *sql.Tx) error {
		now := ms(s.now())
		err := tx.QueryRowContext(ctx, `INSERT INTO area_groups
			(county_unit_id, name, leader_person_id, note, active, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, TRUE, 1, $5, $5) RETURNING id`,
			g.CountyUnitID, g.Name, g.LeaderPersonID, g.Note, now).Scan(&g.ID)
		if err != nil {
			return s.mapErr(fmt.Errorf("store: insert area group: %w", err))
		}
		g.Active, g.Version = true, 1
		g.CreatedAt, g.UpdatedAt = fromMS(now), fromMS(now)
		return s.appendAudit(ctx, tx, a, change{action: "area_group.create", objectType: "area_group", objectID: g.ID, after: areaState(g)})
	})
	return g, err
}

// areaState is what the audit log digests for a group (no derived fields).
func areaState(g org.AreaGroup) any {
	return struct {
		ID, CountyUnitID, LeaderPersonID int64
		Name, Note                       string
		Active                           bool
	}{g.ID, g.CountyUnitID, g.LeaderPersonID, g.Name, g.Note, g.Active}
}

// UpdateAreaGroup saves name, leader, note and active flag at g.Version.
// Errors: not_found, conflict.
func (s *Store) UpdateAreaGroup(ctx context.Context, a audit.Actor, g org.AreaGroup) error {
	return s.orgTx(ctx, func(tx *sql.Tx) error {
		before, err := scanArea(tx.QueryRowContext(ctx, `SELECT `+areaCols+`
			FROM area_groups g JOIN people p ON p.id = g.leader_person_id WHERE g.id = $1`, g.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("area_group")
		}
		if err != nil {
			return fmt.Errorf("store: get area group: %w", err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE area_groups SET name = $1, leader_person_id = $2, note = $3, active = $4,
			version = version + 1, updated_at = $5 WHERE id = $6 AND version = $7`,
			g.Name, g.LeaderPersonID, g.Note, g.Active, ms(s.now()), g.ID, g.Version)
		if err != nil {
			return s.mapErr(fmt.Errorf("store: update area group: %w", err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflictVersion()
		}
		action := "area_group.update"
		if before.Active != g.Active {
			action = map[bool]string{true: "area_group.activate", false: "area_group.deactivate"}[g.Active]
		}
		g.CountyUnitID = before.CountyUnitID
		return s.appendAudit(ctx, tx, a, change{action: action, objectType: "area_group", objectID: g.ID,
			before: areaState(before), after: areaState(g)})
	})
}

// AddMember records that unitID joins groupID from day from. The caller has
// validated the join against the unit's memberships; the open-membership
// unique index catches a concurrent second join. Errors: conflict.
func (s *Store) AddMember(ctx context.Context, a audit.Actor, groupID, unitID int64, from string) (org.Membership, error) {
	m := org.Membership{AreaGroupID: groupID, UnitID: unitID, From: from}
	err := s.orgTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO area_group_members (area_group_id, unit_id, valid_from, valid_to, created_at)
			VALUES ($1, $2, $3, NULL, $4) RETURNING id`, groupID, unitID, from, ms(s.now())).Scan(&m.ID)
		if err != nil {
			return s.mapErr(fmt.Errorf("store: add member: %w", err))
		}
		return s.appendAudit(ctx, tx, a, change{action: "area_group.member_add", objectType: "area_group", objectID: groupID,
			after: m, note: map[string]any{"unit_id": unitID, "from": from}})
	})
	return m, err
}

// EndMembership closes an open membership on day to (exclusive).
// Errors: not_found, conflict (already closed).
func (s *Store) EndMembership(ctx context.Context, a audit.Actor, m org.Membership, to string) error {
	return s.orgTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE area_group_members SET valid_to = $1 WHERE id = $2 AND valid_to IS NULL`, to, m.ID)
		if err != nil {
			return fmt.Errorf("store: end membership: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflictVersion()
		}
		after := m
		after.To = to
		return s.appendAudit(ctx, tx, a, change{action: "area_group.member_end", objectType: "area_group", objectID: m.AreaGroupID,
			before: m, after: after, note: map[string]any{"unit_id": m.UnitID, "to": to}})
	})
}

// CountLedAreaGroups counts the active area groups a person leads.
func (s *Store) CountLedAreaGroups(ctx context.Context, personID int64) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM area_groups WHERE leader_person_id = $1 AND active = TRUE`, personID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: led area groups: %w", err)
	}
	return n, nil
}
