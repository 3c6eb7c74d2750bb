package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
	"qingfeng/internal/clue"
)

// This file persists the clue ledger (问题线索台账): the clue rows, their
// hand-off events, verification teams, measures, documents and joint units.
// Consultation meetings are in meetings.go; the reconciliation report and
// the ledger export in clue_ledger.go.

const clueCols = `c.id, c.number, c.ledger_unit_id, lu.name, c.ledger_path, c.unit_id, u.name, c.unit_path, c.source, c.source_type,
	c.source_id, c.source_ref, c.split_no, c.title, c.content, c.subject_name, c.subject_unit, c.subject_post, c.subject_level,
	COALESCE(c.subject_unit_id, 0), COALESCE(su.name, ''), c.subject_path, c.category, c.mass_interest, c.upper_level, c.status,
	c.mode, c.inquiry_form, c.outcome, c.outcome_note, c.closure, COALESCE(c.owner_user_id, 0), COALESCE(op.name, ''),
	COALESCE(c.leader_user_id, 0), COALESCE(lp.name, ''), c.pending, c.escalated, c.escalated_at, c.escalation_to,
	c.escalation_reason, COALESCE(c.escalated_from, 0), c.joint, c.joint_at, c.shelve_until, c.decision_due, c.meeting_id,
	c.case_id, c.case_number, c.forwarded_to, c.received_at, c.assigned_at, c.disposal_due_at, c.disposed_at, c.closed_at,
	c.version, c.created_at, c.updated_at`

// clueJoins are the joins of clueCols after "clues c".
const clueJoins = ` JOIN units u ON u.id = c.unit_id JOIN units lu ON lu.id = c.ledger_unit_id
	LEFT JOIN units su ON su.id = c.subject_unit_id
	LEFT JOIN users ou ON ou.id = c.owner_user_id LEFT JOIN people op ON op.id = ou.person_id
	LEFT JOIN users lus ON lus.id = c.leader_user_id LEFT JOIN people lp ON lp.id = lus.person_id `

const clueFrom = ` FROM clues c` + clueJoins

func scanClue(sc interface{ Scan(...any) error }) (clue.Clue, error) {
	var c clue.Clue
	var status, mode, pending string
	var esc, joint, rec, asg, due, disp, closed, cr, up int64
	err := sc.Scan(&c.ID, &c.Number, &c.LedgerUnitID, &c.LedgerUnitName, &c.LedgerPath, &c.UnitID, &c.UnitName, &c.UnitPath,
		&c.Source, &c.SourceType, &c.SourceID, &c.SourceRef, &c.SplitNo, &c.Title, &c.Content, &c.Subject.Name, &c.Subject.Unit,
		&c.Subject.Post, &c.Subject.Level, &c.Subject.UnitID, &c.Subject.UnitName, &c.Subject.UnitPath, &c.Category,
		&c.MassInterest, &c.UpperLevel, &status, &mode, &c.InquiryForm, &c.Outcome, &c.OutcomeNote, &c.Closure,
		&c.OwnerUserID, &c.OwnerName, &c.LeaderUserID, &c.LeaderName, &pending, &c.Escalated, &esc, &c.EscalationTo,
		&c.EscalationWhy, &c.EscalatedFrom, &c.Joint, &joint, &c.ShelveUntil, &c.DecisionDue, &c.MeetingID, &c.CaseID,
		&c.CaseNumber, &c.ForwardedTo, &rec, &asg, &due, &disp, &closed, &c.Version, &cr, &up)
	if err != nil {
		return c, err
	}
	c.Status, c.Mode = clue.Status(status), clue.Mode(mode)
	c.EscalatedAt, c.JointAt, c.ReceivedAt, c.AssignedAt = fromMS(esc), fromMS(joint), fromMS(rec), fromMS(asg)
	c.DisposalDueAt, c.DisposedAt, c.ClosedAt, c.CreatedAt, c.UpdatedAt = fromMS(due), fromMS(disp), fromMS(closed), fromMS(cr), fromMS(up)
	if pending != "" {
		var pr clue.Proposal
		if err := json.Unmarshal([]byte(pending), &pr); err != nil {
			return c, fmt.Errorf("store: clue %d pending: %w", c.ID, err)
		}
		c.Pending = &pr
	}
	return c, nil
}

func getClue(ctx context.Context, q queryer, id int64) (clue.Clue, error) {
	c, err := scanClue(q.QueryRowContext(ctx, `SELECT `+clueCols+clueFrom+`WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound("clue")
	}
	if err != nil {
		return c, fmt.Errorf("store: get clue: %w", err)
	}
	return c, nil
}

// GetClue returns a clue by id (the caller checks visibility). Errors:
// not_found.
func (s *Store) GetClue(ctx context.Context, id int64) (clue.Clue, error) {
	return getClue(ctx, s.db, id)
}

// CluesBySource returns the clues registered from one source record (e.g.
// report 12), oldest first.
func (s *Store) CluesBySource(ctx context.Context, sourceType string, sourceID int64) ([]clue.Clue, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+clueCols+clueFrom+`WHERE c.source_type = $1 AND c.source_id = $2 AND c.source_id <> 0
		ORDER BY c.split_no`, sourceType, sourceID)
	if err != nil {
		return nil, fmt.Errorf("store: clues by source: %w", err)
	}
	defer rows.Close()
	var out []clue.Clue
	for rows.Next() {
		c, err := scanClue(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// NewClue is everything CreateClue writes in one transaction.
type NewClue struct {
	Clue      clue.Clue
	Split     bool   // a further clue from a source record that has one already
	ShortName string // the ledger unit's short name for the number
	Clocks    []Clock
	Event     clue.Event
	CreatedBy int64
	// Note is added to the audit record (e.g. the source it came from).
	Note map[string]any
	// Origin, when set, is a clue forwarded up: it is marked forwarded to
	// the new clue in the same transaction (ForwardChange).
	Origin *ClueChange
	// Alert, when set, is a granary alert turned into this clue: it moves
	// to its clue state, linked to the new clue, in the same transaction.
	Alert *AlertMove
}

// CreateClue registers a clue: row, clocks, first event, ledger number (per
// ledger unit and year, allocated last) and the audit record, in one
// transaction. Errors: conflict "clue.source_has_clue" when the source
// record already has a clue and Split is false.
func (s *Store) CreateClue(ctx context.Context, a audit.Actor, n NewClue) (clue.Clue, error) {
	var out clue.Clue
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := s.createClue(ctx, tx, a, n)
		if err != nil {
			return err
		}
		if n.Origin != nil {
			o := *n.Origin
			o.Set["forwarded_to"] = c.ID
			if _, err := s.applyClueChange(ctx, tx, a, o); err != nil {
				return err
			}
		}
		if n.Alert != nil {
			if err := s.moveGranaryAlert(ctx, tx, a, *n.Alert, c.ID); err != nil {
				return err
			}
		}
		out, err = getClue(ctx, tx, c.ID)
		return err
	})
	return out, err
}

func (s *Store) createClue(ctx context.Context, tx *sql.Tx, a audit.Actor, n NewClue) (clue.Clue, error) {
	c := n.Clue
	now := s.now()
	if n.Split && c.SourceID != 0 {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(split_no), -1) + 1 FROM clues WHERE source_type = $1 AND source_id = $2
			AND source_id <> 0`, c.SourceType, c.SourceID).Scan(&c.SplitNo); err != nil {
			return c, fmt.Errorf("store: clue split: %w", err)
		}
	}
	err := s.queryRow(ctx, tx, `INSERT INTO clues (number, ledger_unit_id, ledger_path, unit_id, unit_path, source, source_type,
		source_id, source_ref, split_no, title, content, subject_name, subject_unit, subject_post, subject_level, subject_unit_id,
		subject_path, category, mass_interest, upper_level, status, received_at, disposal_due_at, created_by, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, 1, $26, $26)
		RETURNING id`,
		"", c.LedgerUnitID, c.LedgerPath, c.UnitID, c.UnitPath, c.Source, c.SourceType, c.SourceID, c.SourceRef, c.SplitNo,
		c.Title, c.Content, c.Subject.Name, c.Subject.Unit, c.Subject.Post, c.Subject.Level, nullID(c.Subject.UnitID),
		c.Subject.UnitPath, c.Category, c.MassInterest, c.UpperLevel, string(c.Status), ms(c.ReceivedAt), ms(c.DisposalDueAt),
		nullID(n.CreatedBy), ms(now)).Scan(&c.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return c, apperr.Wrap(err, apperr.Conflict, "clue.source_has_clue")
		}
		return c, fmt.Errorf("store: insert clue: %w", err)
	}
	for _, k := range n.Clocks {
		k.ObjectType, k.ObjectID = "clue", c.ID
		if k.Link == "" {
			k.Link = fmt.Sprintf("/clues/%d", c.ID)
		}
		if err := s.putClock(ctx, tx, k); err != nil {
			return c, err
		}
	}
	ev := n.Event
	ev.ToStatus = c.Status
	if ev.UnitID == 0 {
		ev.UnitID = c.UnitID
	}
	if err := s.insertClueEvent(ctx, tx, c.ID, ev, now); err != nil {
		return c, err
	}
	// The ledger number comes last: the counter row stays locked to commit.
	year := c.ReceivedAt.In(shanghai()).Year()
	seq, err := s.nextNumber(ctx, tx, c.LedgerUnitID, "clue", year)
	if err != nil {
		return c, err
	}
	c.Number = fmt.Sprintf(clue.NumberFmt, n.ShortName, year, seq)
	if _, err := s.exec(ctx, tx, `UPDATE clues SET number = $1 WHERE id = $2`, c.Number, c.ID); err != nil {
		return c, fmt.Errorf("store: set clue number: %w", err)
	}
	// The label of the clocks is the number, known only now.
	if _, err := s.exec(ctx, tx, `UPDATE clocks SET label = $1 WHERE object_type = 'clue' AND object_id = $2`, c.Number, c.ID); err != nil {
		return c, fmt.Errorf("store: label clue clocks: %w", err)
	}
	note := map[string]any{"source": c.Source}
	for k, v := range n.Note {
		note[k] = v
	}
	return c, s.appendAudit(ctx, tx, a, change{action: "clue.create", objectType: "clue", objectID: c.ID, after: auditClue(c), note: note})
}

// auditClue is what the audit log digests for a clue: the ledger facts,
// never the content text (its digest proves change).
func auditClue(c clue.Clue) any {
	return struct {
		ID, UnitID, LedgerUnitID, OwnerUserID, LeaderUserID int64
		Number, Status, Mode, Outcome, Closure              string
		Source, SourceType                                  string
		SourceID                                            int64
		SubjectName, SubjectLevel, Category                 string
		MassInterest, UpperLevel, Escalated, Joint          bool
		ShelveUntil, DecisionDue                            string
		CaseID                                              int64
		Pending                                             *clue.Proposal
		ContentDigest                                       string
	}{c.ID, c.UnitID, c.LedgerUnitID, c.OwnerUserID, c.LeaderUserID, c.Number, string(c.Status), string(c.Mode), c.Outcome,
		c.Closure, c.Source, c.SourceType, c.SourceID, c.Subject.Name, c.Subject.Level, c.Category, c.MassInterest, c.UpperLevel,
		c.Escalated, c.Joint, c.ShelveUntil, c.DecisionDue, c.CaseID, c.Pending, audit.Digest(c.Content)}
}

func (s *Store) insertClueEvent(ctx context.Context, tx *sql.Tx, clueID int64, e clue.Event, now time.Time) error {
	_, err := s.exec(ctx, tx, `INSERT INTO clue_events (clue_id, action, from_status, to_status, unit_id, user_id, note, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, clueID, e.Action, string(e.FromStatus), string(e.ToStatus), e.UnitID,
		nullID(e.UserID), e.Note, ms(now))
	if err != nil {
		return fmt.Errorf("store: clue event: %w", err)
	}
	return nil
}

// ClueChange is a workflow step on a clue, applied at Version from From:
// the new state and columns, the event, clocks to (re)start and stop,
// team, measures, documents, joint units, access grants and revocations,
// and notifications, with one audit record (Action).
type ClueChange struct {
	ID      int64
	Version int64
	From    clue.Status
	Status  clue.Status
	Action  string         // audit action, e.g. "clue.approve_disposal"
	Set     map[string]any // column -> value, only from clueSettable
	Event   clue.Event
	Clocks  []Clock  // clocks to (re)start on this clue
	Done    []string // clock codes met now
	DoneAll bool     // stop every running clock (an end state)
	// MoveClocks moves the running clocks to the clue's new unit path and
	// owner (MoveOwner, -1: keep) after an assignment or escalation.
	MoveClocks bool
	MovePath   string
	MoveOwner  int64
	// Team, when not nil, replaces the verification team.
	Team            []clue.TeamMember
	Sign            int64 // a team member signing the report
	ClearSignatures bool
	Measures        []clue.Measure
	Documents       []clue.Document
	JointUnits      []int64
	Grants          []Access
	Revokes         []Revoke
	Notify          []Notification
	Note            map[string]any
}

// Revoke ends a user's access of a kind to the clue.
type Revoke struct {
	UserID int64
	Kind   string
}

var clueSettable = map[string]bool{"unit_id": true, "unit_path": true, "mode": true, "inquiry_form": true, "outcome": true,
	"outcome_note": true, "closure": true, "owner_user_id": true, "leader_user_id": true, "pending": true, "escalated": true,
	"escalated_at": true, "escalation_to": true, "escalation_reason": true, "escalated_from": true, "joint": true,
	"joint_at": true, "shelve_until": true, "decision_due": true, "meeting_id": true, "case_id": true, "case_number": true,
	"forwarded_to": true, "assigned_at": true, "disposed_at": true, "closed_at": true, "upper_level": true}

// UpdateClue applies a workflow step in one transaction with its event,
// clocks, team, records, access changes, notifications and audit record.
// Errors: not_found, conflict (stale version or state).
func (s *Store) UpdateClue(ctx context.Context, a audit.Actor, c ClueChange) (clue.Clue, error) {
	var out clue.Clue
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.applyClueChange(ctx, tx, a, c)
		return err
	})
	return out, err
}

// applyClueChange is UpdateClue inside a caller's transaction (the case
// team's filing step and the consultation meetings use it too).
func (s *Store) applyClueChange(ctx context.Context, tx *sql.Tx, a audit.Actor, c ClueChange) (clue.Clue, error) {
	before, err := getClue(ctx, tx, c.ID)
	if err != nil {
		return before, err
	}
	if c.From != "" && before.Status != c.From {
		return before, apperr.New(apperr.Conflict, "clue.transition_invalid")
	}
	if c.Version == 0 {
		c.Version = before.Version
	}
	now := s.now()
	var ar args
	status := c.Status
	if status == "" {
		status = before.Status
	}
	sets := []string{"status = " + ar.add(string(status)), "version = version + 1", "updated_at = " + ar.add(ms(now))}
	for col, v := range c.Set {
		if !clueSettable[col] {
			return before, fmt.Errorf("store: clue column %q is not settable", col)
		}
		switch x := v.(type) {
		case time.Time:
			v = ms(x)
		case *clue.Proposal:
			if x == nil {
				v = ""
			} else {
				j, err := json.Marshal(x)
				if err != nil {
					return before, err
				}
				v = string(j)
			}
		}
		if col == "owner_user_id" || col == "leader_user_id" || col == "escalated_from" {
			if id, ok := v.(int64); ok {
				v = nullID(id)
			}
		}
		sets = append(sets, col+" = "+ar.add(v))
	}
	res, err := tx.ExecContext(ctx, `UPDATE clues SET `+strings.Join(sets, ", ")+` WHERE id = `+ar.add(c.ID)+
		` AND version = `+ar.add(c.Version), ar.v...)
	if err != nil {
		return before, fmt.Errorf("store: update clue: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return before, conflictVersion()
	}
	after, err := getClue(ctx, tx, c.ID)
	if err != nil {
		return after, err
	}
	if c.DoneAll {
		if err := s.stopClocks(ctx, tx, "clue", c.ID, now); err != nil {
			return after, err
		}
	} else if len(c.Done) > 0 {
		if err := s.stopClocks(ctx, tx, "clue", c.ID, now, c.Done...); err != nil {
			return after, err
		}
	}
	if c.MoveClocks {
		if err := s.moveClocks(ctx, tx, "clue", c.ID, c.MovePath, c.MoveOwner); err != nil {
			return after, err
		}
	}
	for _, k := range c.Clocks {
		k.ObjectType, k.ObjectID = "clue", c.ID
		if k.Label == "" {
			k.Label = after.Number
		}
		if k.Link == "" {
			k.Link = fmt.Sprintf("/clues/%d", c.ID)
		}
		if err := s.putClock(ctx, tx, k); err != nil {
			return after, err
		}
	}
	if c.Team != nil {
		if _, err := s.exec(ctx, tx, `DELETE FROM clue_team WHERE clue_id = $1`, c.ID); err != nil {
			return after, fmt.Errorf("store: clear team: %w", err)
		}
		for _, m := range c.Team {
			if _, err := s.exec(ctx, tx, `INSERT INTO clue_team (clue_id, user_id, leader, added_at) VALUES ($1, $2, $3, $4)`,
				c.ID, m.UserID, m.Leader, ms(now)); err != nil {
				return after, fmt.Errorf("store: team member: %w", err)
			}
		}
	}
	if c.ClearSignatures {
		if _, err := s.exec(ctx, tx, `UPDATE clue_team SET signed_at = 0 WHERE clue_id = $1`, c.ID); err != nil {
			return after, fmt.Errorf("store: clear signatures: %w", err)
		}
	}
	if c.Sign != 0 {
		res, err := s.exec(ctx, tx, `UPDATE clue_team SET signed_at = $1 WHERE clue_id = $2 AND user_id = $3 AND signed_at = 0`,
			ms(now), c.ID, c.Sign)
		if err != nil {
			return after, fmt.Errorf("store: sign: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return after, apperr.New(apperr.Conflict, "clue.already_signed")
		}
	}
	for _, m := range c.Measures {
		if _, err := s.exec(ctx, tx, `INSERT INTO clue_measures (clue_id, kind, taken_on, description, user_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, c.ID, m.Kind, m.TakenOn, m.Description, nullID(m.UserID), ms(now)); err != nil {
			return after, fmt.Errorf("store: measure: %w", err)
		}
	}
	for _, d := range c.Documents {
		if _, err := s.exec(ctx, tx, `INSERT INTO clue_documents (clue_id, kind, title, body, addressee, doc_date, user_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.ID, d.Kind, d.Title, d.Body, d.Addressee, d.DocDate, nullID(d.UserID), ms(now)); err != nil {
			return after, fmt.Errorf("store: document: %w", err)
		}
	}
	for _, u := range c.JointUnits {
		if _, err := s.exec(ctx, tx, `INSERT INTO clue_joint_units (clue_id, unit_id, added_by, added_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (clue_id, unit_id) DO NOTHING`, c.ID, u, nullID(a.UserID), ms(now)); err != nil {
			return after, fmt.Errorf("store: joint unit: %w", err)
		}
	}
	for _, r := range c.Revokes {
		if err := s.revokeAccess(ctx, tx, "clue", c.ID, r.UserID, r.Kind, now); err != nil {
			return after, err
		}
	}
	for _, g := range c.Grants {
		g.ObjectType, g.ObjectID = "clue", c.ID
		if g.ValidFrom.IsZero() {
			g.ValidFrom = now
		}
		if g.GrantedBy == 0 {
			g.GrantedBy = a.UserID
		}
		if _, err := s.grantAccess(ctx, tx, g); err != nil {
			return after, err
		}
	}
	for _, n := range c.Notify {
		if n.ObjectType == "" {
			n.ObjectType, n.ObjectID, n.Link = "clue", c.ID, fmt.Sprintf("/clues/%d", c.ID)
		}
		if err := s.notify(ctx, tx, n); err != nil {
			return after, err
		}
	}
	ev := c.Event
	ev.FromStatus, ev.ToStatus = before.Status, after.Status
	if ev.UnitID == 0 {
		ev.UnitID = after.UnitID
	}
	if err := s.insertClueEvent(ctx, tx, c.ID, ev, now); err != nil {
		return after, err
	}
	action := c.Action
	if action == "" {
		action = "clue." + ev.Action
	}
	return after, s.appendAudit(ctx, tx, a, change{action: action, objectType: "clue", objectID: c.ID,
		before: auditClue(before), after: auditClue(after), note: c.Note})
}

// fileClue marks a clue that awaits filing (case_pending) as filed by the
// case caseID (number caseNumber) inside the case team's own transaction:
// state, event, clocks stopped, audit record on the clue. Call it from the
// store transaction that creates the case. Errors: not_found, conflict
// "clue.transition_invalid" when the clue is not awaiting filing.
func (s *Store) fileClue(ctx context.Context, tx *sql.Tx, a audit.Actor, clueID, caseID int64, caseNumber string) (clue.Clue, error) {
	return s.applyClueChange(ctx, tx, a, ClueChange{ID: clueID, From: clue.StatusCasePending, Status: clue.StatusFiled,
		Action: "clue.file_case", Set: map[string]any{"case_id": caseID, "case_number": caseNumber, "closed_at": s.now()},
		DoneAll: true, Event: clue.Event{Action: string(clue.OpFileCase), UserID: a.UserID, Note: caseNumber},
		Note: map[string]any{"case_id": caseID, "case_number": caseNumber}})
}

// ClueEvents returns a clue's hand-off record, oldest first.
func (s *Store) ClueEvents(ctx context.Context, clueID int64) ([]clue.Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT e.id, e.clue_id, e.action, e.from_status, e.to_status, e.unit_id, u.name,
		COALESCE(e.user_id, 0), COALESCE(p.name, ''), e.note, e.at FROM clue_events e JOIN units u ON u.id = e.unit_id
		LEFT JOIN users us ON us.id = e.user_id LEFT JOIN people p ON p.id = us.person_id WHERE e.clue_id = $1 ORDER BY e.id`, clueID)
	if err != nil {
		return nil, fmt.Errorf("store: clue events: %w", err)
	}
	defer rows.Close()
	var out []clue.Event
	for rows.Next() {
		var e clue.Event
		var from, to string
		var at int64
		if err := rows.Scan(&e.ID, &e.ClueID, &e.Action, &from, &to, &e.UnitID, &e.UnitName, &e.UserID, &e.UserName, &e.Note, &at); err != nil {
			return nil, err
		}
		e.FromStatus, e.ToStatus, e.At = clue.Status(from), clue.Status(to), fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// ClueTeam returns a clue's verification team, leader first.
func (s *Store) ClueTeam(ctx context.Context, clueID int64) ([]clue.TeamMember, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT t.clue_id, t.user_id, p.name, u.name, t.leader, t.signed_at FROM clue_team t
		JOIN users us ON us.id = t.user_id JOIN people p ON p.id = us.person_id JOIN units u ON u.id = p.unit_id
		WHERE t.clue_id = $1 ORDER BY t.leader DESC, t.added_at, t.user_id`, clueID)
	if err != nil {
		return nil, fmt.Errorf("store: clue team: %w", err)
	}
	defer rows.Close()
	var out []clue.TeamMember
	for rows.Next() {
		var m clue.TeamMember
		var signed int64
		if err := rows.Scan(&m.ClueID, &m.UserID, &m.Name, &m.UnitName, &m.Leader, &signed); err != nil {
			return nil, err
		}
		m.SignedAt = fromMS(signed)
		out = append(out, m)
	}
	return out, rows.Err()
}

// ClueMeasures returns a verification's measures log, oldest first.
func (s *Store) ClueMeasures(ctx context.Context, clueID int64) ([]clue.Measure, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.id, m.clue_id, m.kind, m.taken_on, m.description, COALESCE(m.user_id, 0),
		COALESCE(p.name, ''), m.created_at FROM clue_measures m LEFT JOIN users us ON us.id = m.user_id
		LEFT JOIN people p ON p.id = us.person_id WHERE m.clue_id = $1 ORDER BY m.taken_on, m.id`, clueID)
	if err != nil {
		return nil, fmt.Errorf("store: clue measures: %w", err)
	}
	defer rows.Close()
	var out []clue.Measure
	for rows.Next() {
		var m clue.Measure
		var at int64
		if err := rows.Scan(&m.ID, &m.ClueID, &m.Kind, &m.TakenOn, &m.Description, &m.UserID, &m.UserName, &at); err != nil {
			return nil, err
		}
		m.CreatedAt = fromMS(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// ClueDocuments returns the documents recorded on a clue, oldest first.
func (s *Store) ClueDocuments(ctx context.Context, clueID int64) ([]clue.Document, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT d.id, d.clue_id, d.kind, d.title, d.body, d.addressee, d.doc_date,
		COALESCE(d.user_id, 0), COALESCE(p.name, ''), d.created_at FROM clue_documents d LEFT JOIN users us ON us.id = d.user_id
		LEFT JOIN people p ON p.id = us.person_id WHERE d.clue_id = $1 ORDER BY d.id`, clueID)
	if err != nil {
		return nil, fmt.Errorf("store: clue documents: %w", err)
	}
	defer rows.Close()
	var out []clue.Document
	for rows.Next() {
		var d clue.Document
		var at int64
		if err := rows.Scan(&d.ID, &d.ClueID, &d.Kind, &d.Title, &d.Body, &d.Addressee, &d.DocDate, &d.UserID, &d.UserName, &at); err != nil {
			return nil, err
		}
		d.CreatedAt = fromMS(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// JointUnit is a unit taking part in a clue's joint handling.
type JointUnit struct {
	UnitID  int64
	Name    string
	AddedAt time.Time
}

// ClueJointUnits returns the joint units of a clue.
func (s *Store) ClueJointUnits(ctx context.Context, clueID int64) ([]JointUnit, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT j.unit_id, u.name, j.added_at FROM clue_joint_units j JOIN units u ON u.id = j.unit_id
		WHERE j.clue_id = $1 ORDER BY j.added_at, u.sort_order, u.id`, clueID)
	if err != nil {
		return nil, fmt.Errorf("store: joint units: %w", err)
	}
	defer rows.Close()
	var out []JointUnit
	for rows.Next() {
		var j JointUnit
		var at int64
		if err := rows.Scan(&j.UnitID, &j.Name, &at); err != nil {
			return nil, err
		}
		j.AddedAt = fromMS(at)
		out = append(out, j)
	}
	return out, rows.Err()
}

// RecordClueAccess records a declared conflict of interest (recusal) or a
// participation on one clue outside a workflow step, with an event and the
// audit record. Errors: not_found.
func (s *Store) RecordClueAccess(ctx context.Context, a audit.Actor, clueID int64, x Access, ev clue.Event) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := getClue(ctx, tx, clueID)
		if err != nil {
			return err
		}
		x.ObjectType, x.ObjectID = "clue", clueID
		if x.ValidFrom.IsZero() {
			x.ValidFrom = s.now()
		}
		if _, err := s.grantAccess(ctx, tx, x); err != nil {
			return err
		}
		ev.FromStatus, ev.ToStatus, ev.UnitID = c.Status, c.Status, c.UnitID
		if err := s.insertClueEvent(ctx, tx, clueID, ev, s.now()); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, change{action: "clue." + ev.Action, objectType: "clue", objectID: clueID,
			note: map[string]any{"user_id": x.UserID, "kind": x.Kind, "role": x.Role, "reason": x.Reason}})
	})
}

// AreaTerm is one membership of an area group as a ledger predicate: clues
// whose unit lies under Path and that were received in [From, To) (To zero:
// open). An area-group filter is the OR of its members' terms, so past
// compositions count for past clues.
type AreaTerm struct {
	Path     string
	From, To time.Time
}

// ClueFilter narrows the ledger. Every time bound is [From, To).
type ClueFilter struct {
	UnitPath     string     // the subtree of this unit ("": the whole scope)
	UnitID       int64      // the handling unit itself, not its subtree (0: any); a reconciliation row
	Area         []AreaTerm // an area group's memberships (nil: no area filter)
	AreaSet      bool       // an area filter was asked for (no terms: nothing matches)
	Source       string
	Category     string
	Mode         clue.Mode
	Status       []clue.Status
	OwnerUserID  int64
	MassInterest bool // only 群众身边 clues
	Overdue      bool // with a running clue clock past due at Now
	Now          time.Time
	From, To     time.Time // received
	DisposedFrom time.Time // disposal approved (or forwarded) in [DisposedFrom, DisposedTo)
	DisposedTo   time.Time
	PendingAt    time.Time // received before and not disposed before this instant
	OverdueAt    time.Time // pending at this instant with the disposal due before it
	EscalatedIn  [2]time.Time
	JointIn      [2]time.Time
	Query        string // substring of number, title or subject name
	Page         Page
}

// where renders the filter with the scope (and the viewer's standing acc,
// from accessIDs) as SQL on clues c.
func (f ClueFilter) where(sc auth.Scope, acc recordAccess, a *args) string {
	w := []string{recordScopeSQL(sc, acc, "c.id", "c.unit_path", "c.subject_path", a)}
	if f.UnitPath != "" {
		w = append(w, "c.unit_path >= "+a.add(f.UnitPath)+" AND c.unit_path < "+a.add(auth.PrefixUpperBound(f.UnitPath)))
	}
	if f.UnitID != 0 {
		w = append(w, "c.unit_id = "+a.add(f.UnitID))
	}
	if f.AreaSet {
		var terms []string
		for _, t := range f.Area {
			term := "(c.unit_path >= " + a.add(t.Path) + " AND c.unit_path < " + a.add(auth.PrefixUpperBound(t.Path)) +
				" AND c.received_at >= " + a.add(ms(t.From))
			if !t.To.IsZero() {
				term += " AND c.received_at < " + a.add(ms(t.To))
			}
			terms = append(terms, term+")")
		}
		if len(terms) == 0 {
			terms = []string{"1 = 0"}
		}
		w = append(w, "("+strings.Join(terms, " OR ")+")")
	}
	if f.Source != "" {
		w = append(w, "c.source = "+a.add(f.Source))
	}
	if f.Category != "" {
		w = append(w, "c.category = "+a.add(f.Category))
	}
	if f.Mode != "" {
		w = append(w, "c.mode = "+a.add(string(f.Mode)))
	}
	if len(f.Status) > 0 {
		ph := make([]string, len(f.Status))
		for i, st := range f.Status {
			ph[i] = a.add(string(st))
		}
		w = append(w, "c.status IN ("+strings.Join(ph, ", ")+")")
	}
	if f.OwnerUserID != 0 {
		w = append(w, "c.owner_user_id = "+a.add(f.OwnerUserID))
	}
	if f.MassInterest {
		w = append(w, "c.mass_interest = TRUE")
	}
	if f.Overdue {
		w = append(w, "EXISTS (SELECT 1 FROM clocks k WHERE k.object_type = 'clue' AND k.object_id = c.id AND k.done_at = 0 AND k.due_at < "+
			a.add(ms(f.Now))+")")
	}
	if !f.From.IsZero() {
		w = append(w, "c.received_at >= "+a.add(ms(f.From)))
	}
	if !f.To.IsZero() {
		w = append(w, "c.received_at < "+a.add(ms(f.To)))
	}
	if !f.DisposedFrom.IsZero() {
		w = append(w, "c.disposed_at >= "+a.add(ms(f.DisposedFrom)))
	}
	if !f.DisposedTo.IsZero() {
		w = append(w, "c.disposed_at > 0 AND c.disposed_at < "+a.add(ms(f.DisposedTo)))
	}
	if !f.PendingAt.IsZero() {
		t := a.add(ms(f.PendingAt))
		w = append(w, "c.received_at < "+t+" AND (c.disposed_at = 0 OR c.disposed_at >= "+t+")")
	}
	if !f.OverdueAt.IsZero() {
		t := a.add(ms(f.OverdueAt))
		w = append(w, "c.received_at < "+t+" AND (c.disposed_at = 0 OR c.disposed_at >= "+t+") AND c.disposal_due_at < "+t)
	}
	if !f.EscalatedIn[0].IsZero() {
		w = append(w, "c.escalated_at >= "+a.add(ms(f.EscalatedIn[0]))+" AND c.escalated_at < "+a.add(ms(f.EscalatedIn[1])))
	}
	if !f.JointIn[0].IsZero() {
		w = append(w, "c.joint_at >= "+a.add(ms(f.JointIn[0]))+" AND c.joint_at < "+a.add(ms(f.JointIn[1])))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := a.add(likePattern(q))
		w = append(w, fmt.Sprintf(`(c.number LIKE %s ESCAPE '\' OR c.title LIKE %s ESCAPE '\' OR c.subject_name LIKE %s ESCAPE '\')`, p, p, p))
	}
	return strings.Join(w, " AND ")
}

// ListClues lists the ledger rows in scope (the viewer's scope with
// participation and recusal), newest first, and the total. The page and
// the total are two statements; the total counts clues alone (no joins).
func (s *Store) ListClues(ctx context.Context, sc auth.Scope, f ClueFilter) ([]clue.Clue, int, error) {
	pg := f.Page.normal()
	var a args
	acc, err := s.accessIDs(ctx, sc, "clue", s.now())
	if err != nil {
		return nil, 0, err
	}
	where := f.where(sc, acc, &a)
	n := len(a.v)
	// The page's ids first (a derived table the joins start from), then
	// the wide rows: sorting the whole scope with the content text, or an
	// IN (subquery) that PostgreSQL turned into a hash join over every
	// clue, made the unfiltered page of a county take about a second.
	q := `SELECT ` + clueCols + ` FROM (SELECT c.id FROM clues c WHERE ` + where + ` ORDER BY c.received_at DESC, c.id DESC LIMIT ` +
		a.add(pg.Limit) + ` OFFSET ` + a.add(pg.Offset) + `) pg JOIN clues c ON c.id = pg.id` + clueJoins +
		`ORDER BY c.received_at DESC, c.id DESC`
	rows, err := s.db.QueryContext(ctx, q, a.v...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list clues: %w", err)
	}
	var out []clue.Clue
	for rows.Next() {
		c, err := scanClue(rows)
		if err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("store: scan clue: %w", err)
		}
		out = append(out, c)
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
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM clues c WHERE `+where, a.v[:n]...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count clues: %w", err)
	}
	return out, total, nil
}

// CountClues counts the ledger rows in scope that match the filter.
func (s *Store) CountClues(ctx context.Context, sc auth.Scope, f ClueFilter) (int, error) {
	var a args
	acc, err := s.accessIDs(ctx, sc, "clue", s.now())
	if err != nil {
		return 0, err
	}
	where := f.where(sc, acc, &a)
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM clues c WHERE `+where, a.v...).Scan(&total); err != nil {
		return 0, fmt.Errorf("store: count clues: %w", err)
	}
	return total, nil
}

// EachClue streams every ledger row in scope that matches the filter,
// newest first, to fn (the xlsx export), at most limit rows. It stops at
// fn's first error.
func (s *Store) EachClue(ctx context.Context, sc auth.Scope, f ClueFilter, limit int, fn func(clue.Clue) error) error {
	var a args
	acc, err := s.accessIDs(ctx, sc, "clue", s.now())
	if err != nil {
		return err
	}
	where := f.where(sc, acc, &a)
	rows, err := s.db.QueryContext(ctx, `SELECT `+clueCols+clueFrom+`WHERE `+where+` ORDER BY c.received_at DESC, c.id DESC LIMIT `+
		a.add(limit), a.v...)
	if err != nil {
		return fmt.Errorf("store: export clues: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanClue(rows)
		if err != nil {
			return fmt.Errorf("store: scan clue: %w", err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}
