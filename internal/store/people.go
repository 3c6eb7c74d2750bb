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

const personCols = `p.id, p.unit_id, u.name, p.name, p.post, p.rank, p.phone, p.active, p.version, p.created_at, p.updated_at`

func scanPerson(sc interface{ Scan(...any) error }, extra ...any) (org.Person, error) {
	var p org.Person
	var c, u int64
	err := sc.Scan(append([]any{&p.ID, &p.UnitID, &p.UnitName, &p.Name, &p.Post, &p.Rank, &p.Phone,
		&p.Active, &p.Version, &c, &u}, extra...)...)
	p.CreatedAt, p.UpdatedAt = fromMS(c), fromMS(u)
	return p, err
}

func getPerson(ctx context.Context, q queryer, id int64) (org.Person, error) {
	p, err := scanPerson(q.QueryRowContext(ctx, `SELECT `+personCols+` FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, notFound("person")
	}
	if err != nil {
		return p, fmt.Errorf("store: get person: %w", err)
	}
	return p, nil
}

// GetPerson returns a person with the unit's path for scope checks.
// Errors: not_found.
func (s *Store) GetPerson(ctx context.Context, id int64) (org.Person, string, error) {
	p, err := getPerson(ctx, s.db, id)
	if err != nil {
		return p, "", err
	}
	var path string
	err = s.db.QueryRowContext(ctx, `SELECT path FROM units WHERE id = $1`, p.UnitID).Scan(&path)
	return p, path, err
}

// PersonFilter narrows ListPeople.
type PersonFilter struct {
	UnitID          int64
	Under           string // subtree path
	Query           string
	IncludeInactive bool
	Page            Page
}

// ListPeople returns people whose unit lies in the scope.
func (s *Store) ListPeople(ctx context.Context, sc auth.Scope, f PersonFilter) ([]org.Person, int, error) {
	var a args
	where := []string{scopeSQL(sc, "u.path", &a)}
	if f.UnitID != 0 {
		where = append(where, "p.unit_id = "+a.add(f.UnitID))
	}
	if f.Under != "" {
		where = append(where, fmt.Sprintf("u.path >= %s AND u.path < %s", a.add(f.Under), a.add(auth.PrefixUpperBound(f.Under))))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := a.add(likePattern(q))
		where = append(where, fmt.Sprintf(`(p.name LIKE %s ESCAPE '\' OR p.post LIKE %s ESCAPE '\')`, p, p))
	}
	if !f.IncludeInactive {
		where = append(where, "p.active = TRUE")
	}
	var out []org.Person
	total, err := s.listQuery(ctx, personCols, `FROM people p JOIN units u ON u.id = p.unit_id WHERE `+strings.Join(where, " AND "),
		"u.path, p.id", a, f.Page, func(rows *sql.Rows) error {
			p, err := scanPerson(rows)
			out = append(out, p)
			return err
		})
	return out, total, err
}

// CreatePerson inserts a person (validated by the caller).
func (s *Store) CreatePerson(ctx context.Context, a audit.Actor, p org.Person) (org.Person, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := ms(s.now())
		err := tx.QueryRowContext(ctx, `INSERT INTO people (unit_id, name, post, rank, phone, active, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, TRUE, 1, $6, $6) RETURNING id`,
			p.UnitID, p.Name, p.Post, p.Rank, p.Phone, now).Scan(&p.ID)
		if err != nil {
			return s.mapErr(fmt.Errorf("store: insert person: %w", err))
		}
		p, err = getPerson(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, change{action: "person.create", objectType: "person", objectID: p.ID, after: p})
	})
	return p, err
}

// UpdatePerson saves a person's unit, name, post, rank, phone and active
// flag at p.Version. Errors: not_found, conflict.
func (s *Store) UpdatePerson(ctx context.Context, a audit.Actor, p org.Person) (org.Person, error) {
	var out org.Person
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := getPerson(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE people SET unit_id = $1, name = $2, post = $3, rank = $4, phone = $5,
			active = $6, version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9`,
			p.UnitID, p.Name, p.Post, p.Rank, p.Phone, p.Active, ms(s.now()), p.ID, p.Version)
		if err != nil {
			return s.mapErr(fmt.Errorf("store: update person: %w", err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflictVersion()
		}
		out, err = getPerson(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		action := "person.update"
		if before.Active != out.Active {
			action = map[bool]string{true: "person.activate", false: "person.deactivate"}[out.Active]
		}
		return s.appendAudit(ctx, tx, a, change{action: action, objectType: "person", objectID: p.ID, before: before, after: out})
	})
	return out, err
}
