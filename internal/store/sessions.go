package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
)

// CreateSession stores a new session for a token hash and, for a full
// sign-in, records the login (clears failures, sets last_login_at).
func (s *Store) CreateSession(ctx context.Context, userID int64, tokenHash, stage string, p auth.SessionPolicy) (auth.Session, error) {
	now := s.now()
	sess := auth.Session{UserID: userID, Stage: stage, CreatedAt: now.Truncate(time.Millisecond), LastSeenAt: now.Truncate(time.Millisecond),
		ExpiresAt: now.Add(p.Absolute).Truncate(time.Millisecond)}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO sessions (token_hash, user_id, stage, created_at, last_seen_at, expires_at)
			VALUES ($1, $2, $3, $4, $4, $5) RETURNING id`, tokenHash, userID, stage, ms(now), ms(sess.ExpiresAt)).Scan(&sess.ID)
		if err != nil {
			return fmt.Errorf("store: insert session: %w", err)
		}
		return s.recordLogin(ctx, tx, userID, stage)
	})
	return sess, err
}

func (s *Store) recordLogin(ctx context.Context, tx *sql.Tx, userID int64, stage string) error {
	if stage != auth.StageFull {
		return nil
	}
	now := ms(s.now())
	if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = 0, last_login_at = $1 WHERE id = $2`, now, userID); err != nil {
		return fmt.Errorf("store: record login: %w", err)
	}
	return s.appendAudit(ctx, tx, audit.Actor{UserID: userID, Name: "-"}, change{action: "user.login", objectType: "user", objectID: userID})
}

// PromoteSession moves a session to the full stage after its second factor,
// rotating its token hash (session fixation). Errors: not_found.
func (s *Store) PromoteSession(ctx context.Context, sessionID int64, newTokenHash string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var userID int64
		err := tx.QueryRowContext(ctx, `UPDATE sessions SET stage = $1, token_hash = $2, last_seen_at = $3 WHERE id = $4 RETURNING user_id`,
			auth.StageFull, newTokenHash, ms(s.now()), sessionID).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("session")
		}
		if err != nil {
			return fmt.Errorf("store: promote session: %w", err)
		}
		return s.recordLogin(ctx, tx, userID, auth.StageFull)
	})
}

// GetSession returns a session by token hash. Errors: not_found.
func (s *Store) GetSession(ctx context.Context, tokenHash string) (auth.Session, error) {
	var sess auth.Session
	var c, l, e int64
	err := s.db.QueryRowContext(ctx, `SELECT id, user_id, stage, created_at, last_seen_at, expires_at FROM sessions WHERE token_hash = $1`,
		tokenHash).Scan(&sess.ID, &sess.UserID, &sess.Stage, &c, &l, &e)
	if errors.Is(err, sql.ErrNoRows) {
		return sess, notFound("session")
	}
	if err != nil {
		return sess, fmt.Errorf("store: get session: %w", err)
	}
	sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = fromMS(c), fromMS(l), fromMS(e)
	return sess, nil
}

// TouchSession refreshes a session's last-seen time.
func (s *Store) TouchSession(ctx context.Context, sessionID int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE id = $2`, ms(s.now()), sessionID)
	return err
}

// DeleteSession removes one expired or orphaned session (housekeeping, not
// audited). Sign-out uses EndSession.
func (s *Store) DeleteSession(ctx context.Context, sessionID int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, sessionID)
	return err
}

// EndSession signs a session out and audits it as "user.logout".
func (s *Store) EndSession(ctx context.Context, sess auth.Session) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, sess.ID)
		if err != nil {
			return fmt.Errorf("store: end session: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.appendAudit(ctx, tx, audit.Actor{UserID: sess.UserID, Name: "-"}, change{action: "user.logout",
			objectType: "user", objectID: sess.UserID})
	})
}

// PurgeSessions deletes sessions idle or past absolute expiry; run it
// periodically. It returns how many were removed.
func (s *Store) PurgeSessions(ctx context.Context, p auth.SessionPolicy) (int64, error) {
	now := s.now()
	res, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2`,
		ms(now), ms(now.Add(-p.Idle)))
	if err != nil {
		return 0, fmt.Errorf("store: purge sessions: %w", err)
	}
	return res.RowsAffected()
}

func endSessions(ctx context.Context, tx *sql.Tx, userID, keep int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id <> $2`, userID, keep)
	if err != nil {
		return fmt.Errorf("store: end sessions: %w", err)
	}
	return nil
}

// Principal builds the principal of an active user: unit and path, roles,
// permissions, and the paths of the units in the user's current area groups
// (as of day, YYYY-MM-DD). Errors: not_found (missing or inactive user).
func (s *Store) Principal(ctx context.Context, userID int64, day string) (auth.Principal, error) {
	var p auth.Principal
	var active bool
	err := s.db.QueryRowContext(ctx, `SELECT us.id, us.person_id, us.username, pe.name, un.id, un.name, un.path,
		us.active AND pe.active AND un.active
		FROM users us JOIN people pe ON pe.id = us.person_id JOIN units un ON un.id = pe.unit_id WHERE us.id = $1`, userID).
		Scan(&p.UserID, &p.PersonID, &p.Username, &p.Name, &p.UnitID, &p.UnitName, &p.UnitPath, &active)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !active) {
		return p, notFound("user")
	}
	if err != nil {
		return p, fmt.Errorf("store: principal: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT ur.role_code, COALESCE(rp.permission, '') FROM user_roles ur
		LEFT JOIN role_permissions rp ON rp.role_code = ur.role_code WHERE ur.user_id = $1 ORDER BY ur.role_code`, userID)
	if err != nil {
		return p, fmt.Errorf("store: principal roles: %w", err)
	}
	p.Perms = map[auth.Permission]bool{}
	for rows.Next() {
		var role, perm string
		if err := rows.Scan(&role, &perm); err != nil {
			rows.Close()
			return p, err
		}
		if n := len(p.Roles); n == 0 || p.Roles[n-1] != auth.Role(role) {
			p.Roles = append(p.Roles, auth.Role(role))
		}
		if perm != "" {
			p.Perms[auth.Permission(perm)] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return p, err
	}
	if p.Can(auth.PermScopeCommission) {
		if p.CommissionPath, err = s.commissionPath(ctx, p.UnitPath); err != nil {
			return p, err
		}
	}
	if !p.Can(auth.PermScopeArea) {
		return p, nil
	}
	rows, err = s.db.QueryContext(ctx, `SELECT u.path FROM area_group_members m
		JOIN units u ON u.id = m.unit_id JOIN area_groups g ON g.id = m.area_group_id
		WHERE g.active = TRUE AND m.valid_from <= $1 AND (m.valid_to IS NULL OR m.valid_to > $1)
		AND m.area_group_id IN (
			SELECT area_group_id FROM area_group_members WHERE unit_id = $2 AND valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1)
			UNION SELECT id FROM area_groups WHERE leader_person_id = $3)`, day, p.UnitID, p.PersonID)
	if err != nil {
		return p, fmt.Errorf("store: principal areas: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var path string
		if err := rows.Scan(&path); err != nil {
			return p, err
		}
		p.AreaPaths = append(p.AreaPaths, path)
	}
	return p, rows.Err()
}

// CreateToken stores an API token hash for a user. Errors: not_found.
func (s *Store) CreateToken(ctx context.Context, a audit.Actor, userID int64, name, tokenHash string) (auth.Token, error) {
	t := auth.Token{UserID: userID, Name: name, CreatedAt: s.now().Truncate(time.Millisecond)}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			userID, name, tokenHash, ms(t.CreatedAt)).Scan(&t.ID)
		if err != nil {
			return s.mapErr(fmt.Errorf("store: insert token: %w", err))
		}
		return s.appendAudit(ctx, tx, a, change{action: "token.create", objectType: "user", objectID: userID,
			note: map[string]any{"token_id": t.ID, "name": name}})
	})
	return t, err
}

// TokenUser resolves a token hash to its user when the token is live, and
// stamps last_used_at at most once a minute. Errors: not_found.
func (s *Store) TokenUser(ctx context.Context, tokenHash string) (tokenID, userID int64, err error) {
	var revoked, last int64
	err = s.db.QueryRowContext(ctx, `SELECT id, user_id, revoked_at, last_used_at FROM api_tokens WHERE token_hash = $1`, tokenHash).
		Scan(&tokenID, &userID, &revoked, &last)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && revoked != 0) {
		return 0, 0, notFound("token")
	}
	if err != nil {
		return 0, 0, fmt.Errorf("store: token: %w", err)
	}
	if now := s.now(); now.Sub(fromMS(last)) > time.Minute {
		if _, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, ms(now), tokenID); err != nil {
			return 0, 0, fmt.Errorf("store: token used: %w", err)
		}
	}
	return tokenID, userID, nil
}

// ListTokens returns a user's tokens (all users' when userID is 0), newest first.
func (s *Store) ListTokens(ctx context.Context, userID int64) ([]auth.Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.user_id, u.username, t.name, t.created_at, t.last_used_at, t.revoked_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE $1 = 0 OR t.user_id = $1 ORDER BY t.id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	defer rows.Close()
	var out []auth.Token
	for rows.Next() {
		var t auth.Token
		var c, l, r int64
		if err := rows.Scan(&t.ID, &t.UserID, &t.Username, &t.Name, &c, &l, &r); err != nil {
			return nil, err
		}
		t.CreatedAt, t.LastUsedAt, t.RevokedAt = fromMS(c), fromMS(l), fromMS(r)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes a token. Errors: not_found (unknown or already revoked).
func (s *Store) RevokeToken(ctx context.Context, a audit.Actor, tokenID int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var userID int64
		err := tx.QueryRowContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at = 0 RETURNING user_id`,
			ms(s.now()), tokenID).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("token")
		}
		if err != nil {
			return fmt.Errorf("store: revoke token: %w", err)
		}
		return s.appendAudit(ctx, tx, a, change{action: "token.revoke", objectType: "user", objectID: userID,
			note: map[string]any{"token_id": tokenID}})
	})
}

// GetToken returns one token's metadata. Errors: not_found.
func (s *Store) GetToken(ctx context.Context, tokenID int64) (auth.Token, error) {
	var t auth.Token
	var c, l, r int64
	err := s.db.QueryRowContext(ctx, `SELECT t.id, t.user_id, u.username, t.name, t.created_at, t.last_used_at, t.revoked_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1`, tokenID).Scan(&t.ID, &t.UserID, &t.Username, &t.Name, &c, &l, &r)
	if errors.Is(err, sql.ErrNoRows) {
		return t, notFound("token")
	}
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = fromMS(c), fromMS(l), fromMS(r)
	return t, err
}

// commissionPath returns the path of the deepest commission on a unit path
// ("/1/2/7/9/" -> the path of the nearest commission among units 1, 2, 7,
// 9), or "" when there is none.
func (s *Store) commissionPath(ctx context.Context, path string) (string, error) {
	var a args
	var ph []string
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil {
			return "", nil
		}
		ph = append(ph, a.add(id))
	}
	if len(ph) == 0 {
		return "", nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT path FROM units WHERE kind = 'commission' AND id IN (`+strings.Join(ph, ", ")+`)`, a.v...)
	if err != nil {
		return "", fmt.Errorf("store: commission path: %w", err)
	}
	defer rows.Close()
	best := ""
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return "", err
		}
		if len(p) > len(best) {
			best = p
		}
	}
	return best, rows.Err()
}
