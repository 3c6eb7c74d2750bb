package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
)

const userCols = `us.id, us.person_id, p.name, p.unit_id, un.name, us.username, us.email, us.active, us.totp_enabled,
	us.last_login_at, us.version, us.created_at, us.updated_at`

const userFrom = ` FROM users us JOIN people p ON p.id = us.person_id JOIN units un ON un.id = p.unit_id `

func scanUser(sc interface{ Scan(...any) error }, extra ...any) (auth.User, error) {
	var u auth.User
	var last, c, up int64
	err := sc.Scan(append([]any{&u.ID, &u.PersonID, &u.Name, &u.UnitID, &u.UnitName, &u.Username, &u.Email, &u.Active,
		&u.TOTPEnabled, &last, &u.Version, &c, &up}, extra...)...)
	u.LastLoginAt, u.CreatedAt, u.UpdatedAt = fromMS(last), fromMS(c), fromMS(up)
	return u, err
}

func getUser(ctx context.Context, q queryer, where string, arg any) (auth.User, string, error) {
	var path string
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+`, un.path`+userFrom+`WHERE `+where, arg), &path)
	if errors.Is(err, sql.ErrNoRows) {
		return u, "", notFound("user")
	}
	if err != nil {
		return u, "", fmt.Errorf("store: get user: %w", err)
	}
	u.Roles, err = userRoles(ctx, q, u.ID)
	return u, path, err
}

func userRoles(ctx context.Context, q queryer, userID int64) ([]auth.Role, error) {
	rows, err := q.QueryContext(ctx, `SELECT ur.role_code FROM user_roles ur JOIN roles r ON r.code = ur.role_code
		WHERE ur.user_id = $1 ORDER BY r.sort_order`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: user roles: %w", err)
	}
	defer rows.Close()
	var out []auth.Role
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		out = append(out, auth.Role(r))
	}
	return out, rows.Err()
}

// GetUser returns a user and the path of the user's unit. Errors: not_found.
func (s *Store) GetUser(ctx context.Context, id int64) (auth.User, string, error) {
	return getUser(ctx, s.db, "us.id = $1", id)
}

// GetUserByUsername returns a user by username. Errors: not_found.
func (s *Store) GetUserByUsername(ctx context.Context, username string) (auth.User, string, error) {
	return getUser(ctx, s.db, "us.username = $1", username)
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	Query           string
	Role            auth.Role
	Permission      auth.Permission // only users holding it through one of their roles
	IncludeInactive bool
	Page            Page
}

// ListUsers returns users whose unit lies in the scope.
func (s *Store) ListUsers(ctx context.Context, sc auth.Scope, f UserFilter) ([]auth.User, int, error) {
	var a args
	where := []string{scopeSQL(sc, "un.path", &a)}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := a.add(likePattern(q))
		where = append(where, fmt.Sprintf(`(us.username LIKE %s ESCAPE '\' OR p.name LIKE %s ESCAPE '\')`, p, p))
	}
	if f.Role != "" {
		where = append(where, "EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = us.id AND ur.role_code = "+a.add(string(f.Role))+")")
	}
	if f.Permission != "" {
		where = append(where, "EXISTS (SELECT 1 FROM user_roles ur JOIN role_permissions rp ON rp.role_code = ur.role_code WHERE ur.user_id = us.id AND rp.permission = "+
			a.add(string(f.Permission))+")")
	}
	if !f.IncludeInactive {
		where = append(where, "us.active = TRUE")
	}
	var out []auth.User
	total, err := s.listQuery(ctx, userCols, userFrom+`WHERE `+strings.Join(where, " AND "), "un.path, us.username", a, f.Page,
		func(rows *sql.Rows) error {
			u, err := scanUser(rows)
			out = append(out, u)
			return err
		})
	if err != nil {
		return nil, 0, err
	}
	if len(out) == 0 {
		return out, total, nil
	}
	var ra args
	ph := make([]string, len(out))
	at := map[int64]int{}
	for i, u := range out {
		ph[i] = ra.add(u.ID)
		at[u.ID] = i
	}
	rows, err := s.db.QueryContext(ctx, `SELECT ur.user_id, ur.role_code FROM user_roles ur JOIN roles r ON r.code = ur.role_code
		WHERE ur.user_id IN (`+strings.Join(ph, ", ")+`) ORDER BY ur.user_id, r.sort_order`, ra.v...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list user roles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var role string
		if err := rows.Scan(&id, &role); err != nil {
			return nil, 0, err
		}
		out[at[id]].Roles = append(out[at[id]].Roles, auth.Role(role))
	}
	return out, total, rows.Err()
}

// NewUser is the input of CreateUser.
type NewUser struct {
	PersonID     int64
	Username     string
	PasswordHash string
	Roles        []auth.Role
}

// CreateUser inserts a user for a person. Errors: conflict (username taken
// or the person already has a user).
func (s *Store) CreateUser(ctx context.Context, a audit.Actor, n NewUser) (auth.User, error) {
	var u auth.User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := ms(s.now())
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO users (person_id, username, password_hash, active, password_changed_at,
			version, created_at, updated_at) VALUES ($1, $2, $3, TRUE, $4, 1, $4, $4) RETURNING id`,
			n.PersonID, n.Username, n.PasswordHash, now).Scan(&id)
		if err != nil {
			return s.mapErr(fmt.Errorf("store: insert user: %w", err))
		}
		if err := setRoles(ctx, tx, id, n.Roles); err != nil {
			return err
		}
		u, _, err = getUser(ctx, tx, "us.id = $1", id)
		if err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, change{action: "user.create", objectType: "user", objectID: id, after: u})
	})
	return u, err
}

func setRoles(ctx context.Context, tx *sql.Tx, userID int64, roles []auth.Role) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_roles WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("store: clear roles: %w", err)
	}
	for _, r := range roles {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_roles (user_id, role_code) VALUES ($1, $2)`, userID, string(r)); err != nil {
			return fmt.Errorf("store: add role %s: %w", r, err)
		}
	}
	return nil
}

// UpdateUser saves roles and the active flag at u.Version. Deactivating a
// user ends its sessions and revokes its tokens. Errors: not_found, conflict.
func (s *Store) UpdateUser(ctx context.Context, a audit.Actor, u auth.User) (auth.User, error) {
	var out auth.User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		before, _, err := getUser(ctx, tx, "us.id = $1", u.ID)
		if err != nil {
			return err
		}
		now := ms(s.now())
		res, err := tx.ExecContext(ctx, `UPDATE users SET active = $1, version = version + 1, updated_at = $2
			WHERE id = $3 AND version = $4`, u.Active, now, u.ID, u.Version)
		if err != nil {
			return fmt.Errorf("store: update user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflictVersion()
		}
		if err := setRoles(ctx, tx, u.ID, u.Roles); err != nil {
			return err
		}
		if !u.Active || !slices.Equal(before.Roles, u.Roles) {
			if err := endSessions(ctx, tx, u.ID, 0); err != nil {
				return err
			}
		}
		if !u.Active {
			if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at = 0`, now, u.ID); err != nil {
				return fmt.Errorf("store: revoke tokens: %w", err)
			}
		}
		out, _, err = getUser(ctx, tx, "us.id = $1", u.ID)
		if err != nil {
			return err
		}
		action := "user.update"
		if before.Active != out.Active {
			action = map[bool]string{true: "user.activate", false: "user.deactivate"}[out.Active]
		}
		return s.appendAudit(ctx, tx, a, change{action: action, objectType: "user", objectID: u.ID, before: before, after: out})
	})
	return out, err
}

// SetPassword stores a new password hash, clears the lockout and ends the
// user's other sessions (keepSession stays; a negative keepSession ends none,
// for a transparent rehash at sign-in). Errors: not_found.
func (s *Store) SetPassword(ctx context.Context, a audit.Actor, userID int64, hash string, keepSession int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		now := ms(s.now())
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, password_changed_at = $2, failed_logins = 0,
			locked_until = 0, version = version + 1, updated_at = $2 WHERE id = $3`, hash, now, userID)
		if err != nil {
			return fmt.Errorf("store: set password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("user")
		}
		action := "user.password_rehash"
		if keepSession >= 0 {
			action = "user.password"
			if err := endSessions(ctx, tx, userID, keepSession); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, a, change{action: action, objectType: "user", objectID: userID})
	})
}

// SetTOTP stores a sealed TOTP secret and whether it is enabled; an empty
// secret with enabled=false removes the second factor. Errors: not_found.
func (s *Store) SetTOTP(ctx context.Context, a audit.Actor, userID int64, sealedSecret string, enabled bool) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = $1, totp_enabled = $2, version = version + 1,
			updated_at = $3 WHERE id = $4`, sealedSecret, enabled, ms(s.now()), userID)
		if err != nil {
			return fmt.Errorf("store: set totp: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("user")
		}
		action := map[bool]string{true: "user.totp_enable", false: "user.totp_disable"}[enabled]
		if sealedSecret != "" && !enabled {
			action = "user.totp_begin"
		}
		return s.appendAudit(ctx, tx, a, change{action: action, objectType: "user", objectID: userID})
	})
}

// Credentials are what sign-in needs about a user. Only the auth service
// sees them.
type Credentials struct {
	UserID       int64
	Username     string
	Name         string
	UnitID       int64
	PasswordHash string
	Active       bool
	TOTPSecret   string // sealed
	TOTPEnabled  bool
	TOTPLastStep int64 // the last accepted TOTP time step (replay guard)
	RequireTOTP  bool  // some role of the user requires a second factor
	FailedLogins int
	LockedUntil  time.Time
}

// GetCredentials returns sign-in data by username. Errors: not_found.
func (s *Store) GetCredentials(ctx context.Context, username string) (Credentials, error) {
	var c Credentials
	var locked int64
	err := s.db.QueryRowContext(ctx, `SELECT us.id, us.username, p.name, p.unit_id, us.password_hash, us.active AND p.active,
		us.totp_secret, us.totp_enabled, us.totp_last_step, us.failed_logins, us.locked_until,
		EXISTS (SELECT 1 FROM user_roles ur JOIN roles r ON r.code = ur.role_code WHERE ur.user_id = us.id AND r.require_totp = TRUE)
		FROM users us JOIN people p ON p.id = us.person_id WHERE us.username = $1`, username).
		Scan(&c.UserID, &c.Username, &c.Name, &c.UnitID, &c.PasswordHash, &c.Active, &c.TOTPSecret, &c.TOTPEnabled,
			&c.TOTPLastStep, &c.FailedLogins, &locked, &c.RequireTOTP)
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound("user")
	}
	if err != nil {
		return c, fmt.Errorf("store: credentials: %w", err)
	}
	c.LockedUntil = fromMS(locked)
	return c, nil
}

// GetCredentialsByID is GetCredentials by user id.
func (s *Store) GetCredentialsByID(ctx context.Context, userID int64) (Credentials, error) {
	var name string
	if err := s.db.QueryRowContext(ctx, `SELECT username FROM users WHERE id = $1`, userID).Scan(&name); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Credentials{}, notFound("user")
		}
		return Credentials{}, fmt.Errorf("store: credentials: %w", err)
	}
	return s.GetCredentials(ctx, name)
}

// RecordLoginFailure counts a failed sign-in and sets the lockout the policy
// gives; it is audited as "user.login_failed".
func (s *Store) RecordLoginFailure(ctx context.Context, userID int64, p auth.LoginPolicy) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var failures int
		if err := tx.QueryRowContext(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins`,
			userID).Scan(&failures); err != nil {
			return fmt.Errorf("store: login failure: %w", err)
		}
		note := map[string]any{"failures": failures}
		if d := p.LockFor(failures); d > 0 {
			until := s.now().Add(d)
			if _, err := tx.ExecContext(ctx, `UPDATE users SET locked_until = $1 WHERE id = $2`, ms(until), userID); err != nil {
				return fmt.Errorf("store: lock user: %w", err)
			}
			note["locked_until"] = until.Format(time.RFC3339)
		}
		return s.appendAudit(ctx, tx, audit.Actor{UserID: userID, Name: "-"}, change{action: "user.login_failed",
			objectType: "user", objectID: userID, note: note})
	})
}

// RoleTable returns every role with its permissions, in display order.
func (s *Store) RoleTable(ctx context.Context) ([]auth.RoleInfo, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.code, r.name_zh, r.name_en, r.require_totp, r.version, COALESCE(rp.permission, '')
		FROM roles r LEFT JOIN role_permissions rp ON rp.role_code = r.code ORDER BY r.sort_order, r.code, rp.permission`)
	if err != nil {
		return nil, fmt.Errorf("store: roles: %w", err)
	}
	defer rows.Close()
	var out []auth.RoleInfo
	for rows.Next() {
		var ri auth.RoleInfo
		var code, perm string
		if err := rows.Scan(&code, &ri.NameZH, &ri.NameEN, &ri.RequireTOTP, &ri.Version, &perm); err != nil {
			return nil, err
		}
		ri.Code = auth.Role(code)
		if n := len(out); n == 0 || out[n-1].Code != ri.Code {
			out = append(out, ri)
		}
		if perm != "" {
			out[len(out)-1].Perms = append(out[len(out)-1].Perms, auth.Permission(perm))
		}
	}
	return out, rows.Err()
}

// UpdateRole saves a role's TOTP requirement and permission set at
// r.Version. Errors: not_found, conflict.
func (s *Store) UpdateRole(ctx context.Context, a audit.Actor, r auth.RoleInfo) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE roles SET require_totp = $1, version = version + 1 WHERE code = $2 AND version = $3`,
			r.RequireTOTP, string(r.Code), r.Version)
		if err != nil {
			return fmt.Errorf("store: update role: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflictVersion()
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM role_permissions WHERE role_code = $1`, string(r.Code)); err != nil {
			return fmt.Errorf("store: clear permissions: %w", err)
		}
		for _, p := range r.Perms {
			if _, err := tx.ExecContext(ctx, `INSERT INTO role_permissions (role_code, permission) VALUES ($1, $2)`, string(r.Code), string(p)); err != nil {
				return fmt.Errorf("store: add permission: %w", err)
			}
		}
		return s.appendAudit(ctx, tx, a, change{action: "role.update", objectType: "role", objectID: 0,
			after: r, note: map[string]any{"role": r.Code}})
	})
}

// GetUserByPerson returns the user of a person. Errors: not_found.
func (s *Store) GetUserByPerson(ctx context.Context, personID int64) (auth.User, string, error) {
	return getUser(ctx, s.db, "us.person_id = $1", personID)
}

// UseTOTPStep records step as the user's last accepted TOTP step when it is
// newer than the stored one, atomically. It returns false when the step was
// already used (a replayed code).
func (s *Store) UseTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1`, step, userID)
	if err != nil {
		return false, fmt.Errorf("store: totp step: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CountUsersOutside counts users whose unit lies outside the subtree at path.
func (s *Store) CountUsersOutside(ctx context.Context, path string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users us JOIN people p ON p.id = us.person_id
		JOIN units un ON un.id = p.unit_id WHERE NOT (un.path >= $1 AND un.path < $2)`, path, auth.PrefixUpperBound(path)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: users outside: %w", err)
	}
	return n, nil
}
