package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"qingfeng/internal/apperr"
	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
	"qingfeng/internal/org"
)

const unitCols = `u.id, COALESCE(u.parent_id, 0), u.kind, u.name, u.short_name, COALESCE(u.division_code, ''),
	u.is_division, u.path, u.sort_order, u.active, u.version, u.created_at, u.updated_at`

func scanUnit(sc interface{ Scan(...any) error }, extra ...any) (org.Unit, error) {
	var u org.Unit
	var kind string
	var created, updated int64
	dst := append([]any{&u.ID, &u.ParentID, &kind, &u.Name, &u.ShortName, &u.DivisionCode,
		&u.IsDivision, &u.Path, &u.SortOrder, &u.Active, &u.Version, &created, &updated}, extra...)
	if err := sc.Scan(dst...); err != nil {
		return u, err
	}
	u.Kind = org.Kind(kind)
	u.CreatedAt, u.UpdatedAt = fromMS(created), fromMS(updated)
	return u, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// GetUnit returns a unit by id. Errors: not_found.
func (s *Store) GetUnit(ctx context.Context, id int64) (org.Unit, error) {
	u, err := scanUnit(s.readRow(ctx, `SELECT `+unitCols+` FROM units u WHERE u.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, notFound("unit")
	}
	if err != nil {
		return u, fmt.Errorf("store: get unit %d: %w", id, err)
	}
	return u, nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func getUnit(ctx context.Context, q queryer, id int64) (org.Unit, error) {
	u, err := scanUnit(q.QueryRowContext(ctx, `SELECT `+unitCols+` FROM units u WHERE u.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, notFound("unit")
	}
	if err != nil {
		return u, fmt.Errorf("store: get unit %d: %w", id, err)
	}
	return u, nil
}

// GetUnitByDivision returns the unit carrying a division code. Errors: not_found.
func (s *Store) GetUnitByDivision(ctx context.Context, code string) (org.Unit, error) {
	u, err := scanUnit(s.readRow(ctx, `SELECT `+unitCols+` FROM units u WHERE u.division_code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return u, notFound("unit")
	}
	if err != nil {
		return u, fmt.Errorf("store: unit by division %s: %w", code, err)
	}
	return u, nil
}

// CreateUnit inserts a unit under its parent (validated by the caller) and
// sets its materialised path. Errors: conflict (division code taken).
func (s *Store) CreateUnit(ctx context.Context, a audit.Actor, u org.Unit) (org.Unit, error) {
	err := s.orgTx(ctx, func(tx *sql.Tx) error {
		parentPath := "/"
		if u.ParentID != 0 {
			p, err := getUnit(ctx, tx, u.ParentID)
			if err != nil {
				return err
			}
			parentPath = p.Path
		}
		now := ms(s.now())
		err := tx.QueryRowContext(ctx, `INSERT INTO units
			(parent_id, kind, name, short_name, division_code, is_division, path, sort_order, active, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, '', $7, $8, 1, $9, $9) RETURNING id`,
			nullID(u.ParentID), string(u.Kind), u.Name, u.ShortName, nullable(u.DivisionCode), u.IsDivision,
			u.SortOrder, u.Active, now).Scan(&u.ID)
		if err != nil {
			return s.mapErr(fmt.Errorf("store: insert unit: %w", err))
		}
		u.Path = parentPath + strconv.FormatInt(u.ID, 10) + "/"
		if _, err := tx.ExecContext(ctx, `UPDATE units SET path = $1 WHERE id = $2`, u.Path, u.ID); err != nil {
			return fmt.Errorf("store: set unit path: %w", err)
		}
		u.Version = 1
		u.CreatedAt, u.UpdatedAt = fromMS(now), fromMS(now)
		return s.appendAudit(ctx, tx, a, change{action: "unit.create", objectType: "unit", objectID: u.ID, after: u})
	})
	return u, err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// UpdateUnit saves name, short name, division code/flag, sort order and
// active flag of a unit at the given version. Moving a unit is not supported
// (records refer to its path). Errors: not_found, conflict.
func (s *Store) UpdateUnit(ctx context.Context, a audit.Actor, u org.Unit) (org.Unit, error) {
	var out org.Unit
	err := s.orgTx(ctx, func(tx *sql.Tx) error {
		before, err := getUnit(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		now := ms(s.now())
		res, err := tx.ExecContext(ctx, `UPDATE units SET name = $1, short_name = $2, division_code = $3,
			is_division = $4, sort_order = $5, active = $6, version = version + 1, updated_at = $7
			WHERE id = $8 AND version = $9`,
			u.Name, u.ShortName, nullable(u.DivisionCode), u.IsDivision, u.SortOrder, u.Active, now, u.ID, u.Version)
		if err != nil {
			return s.mapErr(fmt.Errorf("store: update unit: %w", err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflictVersion()
		}
		out, err = getUnit(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		action := "unit.update"
		if before.Active != out.Active {
			action = map[bool]string{true: "unit.activate", false: "unit.deactivate"}[out.Active]
		}
		return s.appendAudit(ctx, tx, a, change{action: action, objectType: "unit", objectID: u.ID, before: before, after: out})
	})
	return out, err
}

// CountActiveDependants counts a unit's active direct children, its active
// people and its open area-group memberships, which block deactivation.
func (s *Store) CountActiveDependants(ctx context.Context, unitID int64) (children, people, memberships int, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM units WHERE parent_id = $1 AND active = TRUE),
		(SELECT COUNT(*) FROM people WHERE unit_id = $1 AND active = TRUE),
		(SELECT COUNT(*) FROM area_group_members WHERE unit_id = $1 AND valid_to IS NULL)`, unitID).
		Scan(&children, &people, &memberships)
	if err != nil {
		err = fmt.Errorf("store: unit dependants: %w", err)
	}
	return
}

// UnitFilter narrows ListUnits.
type UnitFilter struct {
	ParentID        int64  // direct children of this unit
	Under           string // path prefix: the subtree of a unit
	Kinds           []org.Kind
	Query           string // substring of name or division code
	IncludeInactive bool
	Page            Page
}

// ListUnits returns units inside the scope, ordered by path (tree order by
// id), with the total before paging.
func (s *Store) ListUnits(ctx context.Context, sc auth.Scope, f UnitFilter) ([]org.Unit, int, error) {
	var a args
	where := []string{scopeSQL(sc, "u.path", &a)}
	if f.ParentID != 0 {
		where = append(where, "u.parent_id = "+a.add(f.ParentID))
	}
	if f.Under != "" {
		where = append(where, fmt.Sprintf("u.path >= %s AND u.path < %s", a.add(f.Under), a.add(auth.PrefixUpperBound(f.Under))))
	}
	if len(f.Kinds) > 0 {
		var ph []string
		for _, k := range f.Kinds {
			ph = append(ph, a.add(string(k)))
		}
		where = append(where, "u.kind IN ("+strings.Join(ph, ", ")+")")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := a.add(likePattern(q))
		where = append(where, fmt.Sprintf(`(u.name LIKE %s ESCAPE '\' OR u.division_code LIKE %s ESCAPE '\')`, p, p))
	}
	if !f.IncludeInactive {
		where = append(where, "u.active = TRUE")
	}
	var out []org.Unit
	total, err := s.listQuery(ctx, unitCols, `FROM units u WHERE `+strings.Join(where, " AND "), "u.path", a, f.Page,
		func(rows *sql.Rows) error {
			u, err := scanUnit(rows)
			out = append(out, u)
			return err
		})
	return out, total, err
}

// Ancestors returns the units on the path from the root to u (excluding u),
// root first, in one query.
func (s *Store) Ancestors(ctx context.Context, u org.Unit) ([]org.Unit, error) {
	ids := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(ids) <= 1 {
		return nil, nil
	}
	var a args
	var ph []string
	for _, idStr := range ids[:len(ids)-1] {
		id, err := strconv.ParseInt(idStr, 10, 64)
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Internal, "error.internal")
		}
		ph = append(ph, a.add(id))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+unitCols+` FROM units u WHERE u.id IN (`+strings.Join(ph, ", ")+`)`, a.v...)
	if err != nil {
		return nil, fmt.Errorf("store: ancestors: %w", err)
	}
	defer rows.Close()
	var out []org.Unit
	for rows.Next() {
		p, err := scanUnit(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan unit: %w", err)
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i].Path) < len(out[j].Path) })
	return out, rows.Err()
}

// CountyOf returns the county-level commission (6-digit division code) on a
// unit's path, or not_found when the unit is above county level.
func (s *Store) CountyOf(ctx context.Context, u org.Unit) (org.Unit, error) {
	if u.Kind == org.KindCommission && len(u.DivisionCode) == 6 {
		return u, nil
	}
	anc, err := s.Ancestors(ctx, u)
	if err != nil {
		return org.Unit{}, err
	}
	for i := len(anc) - 1; i >= 0; i-- {
		if anc[i].Kind == org.KindCommission && len(anc[i].DivisionCode) == 6 {
			return anc[i], nil
		}
	}
	return org.Unit{}, notFound("county")
}

// ChildOfKind returns the first active direct child of a unit with the given
// kind (e.g. a commission's petition office). Errors: not_found.
func (s *Store) ChildOfKind(ctx context.Context, parentID int64, kind org.Kind) (org.Unit, error) {
	u, err := scanUnit(s.readRow(ctx, `SELECT `+unitCols+` FROM units u WHERE u.parent_id = $1 AND u.kind = $2
		AND u.active = TRUE ORDER BY u.sort_order, u.id LIMIT 1`, parentID, string(kind)))
	if errors.Is(err, sql.ErrNoRows) {
		return u, notFound("unit")
	}
	if err != nil {
		return u, fmt.Errorf("store: child of kind: %w", err)
	}
	return u, nil
}
