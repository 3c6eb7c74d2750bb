package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	"qingfeng/internal/audit"
)

// change is what a write records: the object and its state before and after.
type change struct {
	action     string
	objectType string
	objectID   int64
	before     any // nil when created
	after      any // nil when removed
	note       map[string]any
}

// appendAudit adds one chained record in tx. The audit_head row is updated
// first, which serialises concurrent writers on it (a row lock on PostgreSQL,
// the write lock on SQLite), so the chain has no forks.
func (s *Store) appendAudit(ctx context.Context, tx *sql.Tx, a audit.Actor, c change) error {
	var prevSeq int64
	var prevHash string
	err := tx.QueryRowContext(ctx,
		`UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq - 1, hash`).Scan(&prevSeq, &prevHash)
	if err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	r := audit.Chain(prevSeq, prevHash, s.auditRecord(a, c))
	_, err = s.exec(ctx, tx, `INSERT INTO audit_log
		(seq, at, actor_user_id, actor_name, unit_id, action, object_type, object_id,
		 before_digest, after_digest, detail, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		r.Seq, ms(r.At), r.ActorUserID, r.ActorName, r.UnitID, r.Action, r.ObjectType, r.ObjectID,
		r.BeforeDigest, r.AfterDigest, r.Detail, r.PrevHash, r.Hash)
	if err != nil {
		return fmt.Errorf("store: audit insert: %w", err)
	}
	if _, err := s.exec(ctx, tx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, r.Hash); err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	return nil
}

// auditRecord is the record of a change by an actor, before chaining.
func (s *Store) auditRecord(a audit.Actor, c change) audit.Record {
	return audit.Record{
		At:           s.now(),
		ActorUserID:  a.UserID,
		ActorName:    a.Name,
		UnitID:       a.UnitID,
		Action:       c.action,
		ObjectType:   c.objectType,
		ObjectID:     c.objectID,
		BeforeDigest: audit.Digest(c.before),
		AfterDigest:  audit.Digest(c.after),
		Detail:       detail(c),
	}
}

// appendAudits adds chained records for changes in tx, in order, as
// appendAudit would one by one: the head row is advanced once for all of
// them and the records are inserted together.
func (s *Store) appendAudits(ctx context.Context, tx *sql.Tx, a audit.Actor, cs []change) error {
	if len(cs) == 0 {
		return nil
	}
	var seq int64
	var hash string
	err := tx.QueryRowContext(ctx,
		`UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq - $1, hash`, int64(len(cs))).Scan(&seq, &hash)
	if err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	m := s.multiInsert(ctx, tx)
	for _, c := range cs {
		r := audit.Chain(seq, hash, s.auditRecord(a, c))
		seq, hash = r.Seq, r.Hash
		m.sep(`INSERT INTO audit_log (seq, at, actor_user_id, actor_name, unit_id, action, object_type, object_id,
			before_digest, after_digest, detail, prev_hash, hash) VALUES `)
		m.q.WriteByte('(')
		for i, v := range []any{r.Seq, ms(r.At), r.ActorUserID, r.ActorName, r.UnitID, r.Action, r.ObjectType, r.ObjectID,
			r.BeforeDigest, r.AfterDigest, r.Detail, r.PrevHash, r.Hash} {
			if i > 0 {
				m.q.WriteString(", ")
			}
			m.q.WriteString(m.ph(v))
		}
		m.q.WriteByte(')')
		if m.rows == 200 {
			if err := m.run("audit records"); err != nil {
				return err
			}
		}
	}
	if err := m.run("audit records"); err != nil {
		return err
	}
	if _, err := s.exec(ctx, tx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, hash); err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	return nil
}

// detail summarises a change as JSON: the fields whose values differ (with
// the new values) plus any note. Types passed here never hold secrets.
func detail(c change) string {
	out := map[string]any{}
	b, a := flat(c.before), flat(c.after)
	for k, av := range a {
		if bv, ok := b[k]; !ok || !reflect.DeepEqual(bv, av) {
			out[k] = av
		}
	}
	for _, k := range []string{"Version", "UpdatedAt", "CreatedAt"} {
		delete(out, k)
	}
	if c.before != nil && c.after != nil && len(out) > 0 {
		keys := make([]string, 0, len(out))
		for k := range out {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out["_changed"] = keys
	}
	for k, v := range c.note {
		out[k] = v
	}
	if len(out) == 0 {
		return "{}"
	}
	j, _ := json.Marshal(out)
	return string(j)
}

func flat(v any) map[string]any {
	m := map[string]any{}
	if v == nil {
		return m
	}
	j, err := json.Marshal(v)
	if err != nil {
		return m
	}
	_ = json.Unmarshal(j, &m)
	return m
}

// History returns the audit records about one object, oldest first.
func (s *Store) History(ctx context.Context, objectType string, objectID int64) ([]audit.Record, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, at, actor_user_id, actor_name, unit_id, action,
		object_type, object_id, before_digest, after_digest, detail, prev_hash, hash
		FROM audit_log WHERE object_type = $1 AND object_id = $2 ORDER BY seq`, objectType, objectID)
	if err != nil {
		return nil, fmt.Errorf("store: history: %w", err)
	}
	defer rows.Close()
	var out []audit.Record
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func scanAudit(sc interface{ Scan(...any) error }) (audit.Record, error) {
	var r audit.Record
	var at int64
	err := sc.Scan(&r.Seq, &at, &r.ActorUserID, &r.ActorName, &r.UnitID, &r.Action,
		&r.ObjectType, &r.ObjectID, &r.BeforeDigest, &r.AfterDigest, &r.Detail, &r.PrevHash, &r.Hash)
	if err != nil {
		return r, fmt.Errorf("store: scan audit: %w", err)
	}
	r.At = fromMS(at)
	return r, nil
}

// VerifyAudit streams the whole chain through an audit.Verifier and checks
// the head row. It returns the number of records checked and an
// *audit.Problem naming the first bad record, or nil.
func (s *Store) VerifyAudit(ctx context.Context) (int64, error) {
	v := audit.NewVerifier()
	const batch = 5000
	var after int64
	for {
		rows, err := s.db.QueryContext(ctx, `SELECT seq, at, actor_user_id, actor_name, unit_id, action,
			object_type, object_id, before_digest, after_digest, detail, prev_hash, hash
			FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, after, batch)
		if err != nil {
			return v.Count(), fmt.Errorf("store: verify: %w", err)
		}
		n := 0
		for rows.Next() {
			r, err := scanAudit(rows)
			if err != nil {
				rows.Close()
				return v.Count(), err
			}
			n++
			after = r.Seq
			if err := v.Add(r); err != nil {
				rows.Close()
				return v.Count(), err
			}
		}
		if err := rows.Close(); err != nil {
			return v.Count(), err
		}
		if n < batch {
			break
		}
	}
	var headSeq int64
	var headHash string
	if err := s.db.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return v.Count(), fmt.Errorf("store: audit head: %w", err)
	}
	return v.Count(), v.Finish(headSeq, headHash)
}
