package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/audit"
	"qingfeng/internal/clue"
)

// This file persists the consultation meetings (问题线索处置协商会) of area
// groups: the meeting, its attendance, its agenda of clues and the
// decisions, each applied to its clue in the same transaction.

const meetingCols = `m.id, m.number, m.area_group_id, g.name, m.county_unit_id, m.county_path, m.held_on, m.place,
	COALESCE(m.chair_person_id, 0), COALESCE(cp.name, ''), COALESCE(m.recorder_user_id, 0), COALESCE(rp.name, ''), m.status,
	m.summary, m.closed_at, m.version, m.created_at, m.updated_at`

const meetingFrom = ` FROM meetings m JOIN area_groups g ON g.id = m.area_group_id LEFT JOIN people cp ON cp.id = m.chair_person_id
	LEFT JOIN users ru ON ru.id = m.recorder_user_id LEFT JOIN people rp ON rp.id = ru.person_id `

func scanMeeting(sc interface{ Scan(...any) error }) (clue.Meeting, error) {
	var m clue.Meeting
	var status string
	var closed, created, updated int64
	err := sc.Scan(&m.ID, &m.Number, &m.AreaGroupID, &m.AreaGroupName, &m.CountyUnitID, &m.CountyPath, &m.HeldOn, &m.Place,
		&m.ChairPersonID, &m.ChairName, &m.RecorderUserID, &m.RecorderName, &status, &m.Summary, &closed, &m.Version, &created, &updated)
	m.Status, m.ClosedAt, m.CreatedAt, m.UpdatedAt = clue.MeetingStatus(status), fromMS(closed), fromMS(created), fromMS(updated)
	return m, err
}

// NewMeeting is everything CreateMeeting writes: the meeting, its
// attendance, its agenda (clue ids in order) and the short name of the
// county commission for the number.
type NewMeeting struct {
	Meeting   clue.Meeting
	Agenda    []int64
	ShortName string
}

// CreateMeeting schedules a meeting with its attendance and agenda and
// gives it the next meeting number of its county commission and year, in
// one transaction with the audit record.
func (s *Store) CreateMeeting(ctx context.Context, a audit.Actor, n NewMeeting) (clue.Meeting, error) {
	m := n.Meeting
	now := s.now()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := s.queryRow(ctx, tx, `INSERT INTO meetings (number, area_group_id, county_unit_id, county_path, held_on, place,
			chair_person_id, recorder_user_id, status, version, created_at, updated_at)
			VALUES ('', $1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) RETURNING id`,
			m.AreaGroupID, m.CountyUnitID, m.CountyPath, m.HeldOn, m.Place, nullID(m.ChairPersonID), nullID(m.RecorderUserID),
			string(clue.MeetingOpen), ms(now)).Scan(&m.ID)
		if err != nil {
			return fmt.Errorf("store: insert meeting: %w", err)
		}
		if err := s.putAttendance(ctx, tx, m.ID, m.Attendees); err != nil {
			return err
		}
		for i, id := range n.Agenda {
			if _, err := s.exec(ctx, tx, `INSERT INTO meeting_items (meeting_id, clue_id, seq, unit_id)
				SELECT $1, c.id, $2, c.unit_id FROM clues c WHERE c.id = $3`, m.ID, i+1, id); err != nil {
				return fmt.Errorf("store: agenda item: %w", err)
			}
		}
		year, err := time.Parse(time.DateOnly, m.HeldOn)
		if err != nil {
			return apperr.InvalidField("held_on", "clue.date_invalid")
		}
		seq, err := s.nextNumber(ctx, tx, m.CountyUnitID, "meeting", year.Year())
		if err != nil {
			return err
		}
		m.Number = fmt.Sprintf(clue.MeetingNumberFmt, n.ShortName, year.Year(), seq)
		if _, err := s.exec(ctx, tx, `UPDATE meetings SET number = $1 WHERE id = $2`, m.Number, m.ID); err != nil {
			return fmt.Errorf("store: meeting number: %w", err)
		}
		return s.appendAudit(ctx, tx, a, change{action: "meeting.create", objectType: "meeting", objectID: m.ID,
			after: map[string]any{"number": m.Number, "area_group_id": m.AreaGroupID, "held_on": m.HeldOn, "agenda": n.Agenda,
				"attendees": len(m.Attendees)}})
	})
	if err != nil {
		return m, err
	}
	return s.GetMeeting(ctx, m.ID)
}

func (s *Store) putAttendance(ctx context.Context, tx *sql.Tx, meetingID int64, as []clue.Attendee) error {
	if _, err := s.exec(ctx, tx, `DELETE FROM meeting_attendees WHERE meeting_id = $1`, meetingID); err != nil {
		return fmt.Errorf("store: clear attendance: %w", err)
	}
	for _, x := range as {
		if _, err := s.exec(ctx, tx, `INSERT INTO meeting_attendees (meeting_id, person_id, present, note) VALUES ($1, $2, $3, $4)`,
			meetingID, x.PersonID, x.Present, x.Note); err != nil {
			return fmt.Errorf("store: attendee: %w", err)
		}
	}
	return nil
}

// SetAttendance replaces a meeting's attendance (open meetings only).
// Errors: not_found, conflict "meeting.closed" or a stale version.
func (s *Store) SetAttendance(ctx context.Context, a audit.Actor, meetingID, version int64, as []clue.Attendee) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.bumpOpenMeeting(ctx, tx, meetingID, version, nil); err != nil {
			return err
		}
		if err := s.putAttendance(ctx, tx, meetingID, as); err != nil {
			return err
		}
		present := 0
		for _, x := range as {
			if x.Present {
				present++
			}
		}
		return s.appendAudit(ctx, tx, a, change{action: "meeting.attendance", objectType: "meeting", objectID: meetingID,
			after: map[string]any{"attendees": len(as), "present": present}})
	})
}

// bumpOpenMeeting moves an open meeting to its next version (and sets the
// summary and closes it when summary is not nil). Errors: not_found,
// conflict.
func (s *Store) bumpOpenMeeting(ctx context.Context, tx *sql.Tx, id, version int64, summary *string) error {
	var status string
	var cur int64
	err := tx.QueryRowContext(ctx, `SELECT status, version FROM meetings WHERE id = $1`, id).Scan(&status, &cur)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("meeting")
	}
	if err != nil {
		return fmt.Errorf("store: meeting state: %w", err)
	}
	if status != string(clue.MeetingOpen) {
		return apperr.New(apperr.Conflict, "meeting.closed")
	}
	if version == 0 {
		version = cur
	}
	now := ms(s.now())
	var res sql.Result
	if summary != nil {
		res, err = s.exec(ctx, tx, `UPDATE meetings SET status = $1, summary = $2, closed_at = $3, updated_at = $3, version = version + 1
			WHERE id = $4 AND version = $5`, string(clue.MeetingClosed), *summary, now, id, version)
	} else {
		res, err = s.exec(ctx, tx, `UPDATE meetings SET updated_at = $1, version = version + 1 WHERE id = $2 AND version = $3`, now, id, version)
	}
	if err != nil {
		return fmt.Errorf("store: update meeting: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return conflictVersion()
	}
	return nil
}

// CloseMeeting closes a meeting with its summary: the minutes are final
// and no more decisions are recorded. Errors: not_found, conflict.
func (s *Store) CloseMeeting(ctx context.Context, a audit.Actor, id, version int64, summary string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.bumpOpenMeeting(ctx, tx, id, version, &summary); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, change{action: "meeting.close", objectType: "meeting", objectID: id,
			after: map[string]any{"summary_digest": audit.Digest(summary)}})
	})
}

// RecordDecision records a meeting's decision on an agenda item and applies
// it to the clue (ch) in one transaction. Errors: not_found (the clue is
// not on the agenda), conflict "meeting.closed", "meeting.already_decided",
// or the clue's own conflicts.
func (s *Store) RecordDecision(ctx context.Context, a audit.Actor, meetingID int64, d clue.MeetingItem, ch ClueChange) (clue.Clue, error) {
	var out clue.Clue
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.bumpOpenMeeting(ctx, tx, meetingID, 0, nil); err != nil {
			return err
		}
		var decided bool
		err := tx.QueryRowContext(ctx, `SELECT decided FROM meeting_items WHERE meeting_id = $1 AND clue_id = $2`, meetingID, d.ClueID).
			Scan(&decided)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("meeting_item")
		}
		if err != nil {
			return fmt.Errorf("store: meeting item: %w", err)
		}
		if decided {
			return apperr.New(apperr.Conflict, "meeting.already_decided")
		}
		if _, err := s.exec(ctx, tx, `UPDATE meeting_items SET decided = TRUE, mode = $1, lead_unit_id = $2, joint_units = $3,
			joint_users = $4, owner_user_id = $5, due_on = $6, note = $7, decided_by = $8, decided_at = $9, form = $10
			WHERE meeting_id = $11 AND clue_id = $12`, string(d.Mode), nullID(d.LeadUnitID), clue.JoinIDs(d.JointUnits),
			clue.JoinIDs(d.JointUsers), nullID(d.OwnerUserID), d.DueOn, d.Note, nullID(a.UserID), ms(s.now()), d.Form, meetingID,
			d.ClueID); err != nil {
			return fmt.Errorf("store: decide item: %w", err)
		}
		out, err = s.applyClueChange(ctx, tx, a, ch)
		return err
	})
	return out, err
}

// GetMeeting returns a meeting with its attendance and agenda (the clues'
// current numbers, titles and states). Errors: not_found.
func (s *Store) GetMeeting(ctx context.Context, id int64) (clue.Meeting, error) {
	m, err := scanMeeting(s.db.QueryRowContext(ctx, `SELECT `+meetingCols+meetingFrom+`WHERE m.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, notFound("meeting")
	}
	if err != nil {
		return m, fmt.Errorf("store: get meeting: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT a.person_id, p.name, p.post, u.name, a.present, a.note FROM meeting_attendees a
		JOIN people p ON p.id = a.person_id JOIN units u ON u.id = p.unit_id WHERE a.meeting_id = $1 ORDER BY u.sort_order, u.id, p.id`, id)
	if err != nil {
		return m, fmt.Errorf("store: attendees: %w", err)
	}
	for rows.Next() {
		var x clue.Attendee
		if err := rows.Scan(&x.PersonID, &x.Name, &x.Post, &x.UnitName, &x.Present, &x.Note); err != nil {
			rows.Close()
			return m, err
		}
		m.Attendees = append(m.Attendees, x)
	}
	if err := rows.Close(); err != nil {
		return m, err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT i.id, i.seq, i.clue_id, c.number, c.title, c.subject_name, cu.name, c.status, i.decided,
		i.mode, i.form, COALESCE(i.lead_unit_id, 0), COALESCE(lu.name, ''), i.joint_units, i.joint_users, COALESCE(i.owner_user_id, 0),
		COALESCE(op.name, ''), i.due_on, i.note, COALESCE(i.decided_by, 0), i.decided_at
		FROM meeting_items i JOIN clues c ON c.id = i.clue_id JOIN units cu ON cu.id = COALESCE(i.unit_id, c.unit_id)
		LEFT JOIN units lu ON lu.id = i.lead_unit_id LEFT JOIN users ou ON ou.id = i.owner_user_id
		LEFT JOIN people op ON op.id = ou.person_id WHERE i.meeting_id = $1 ORDER BY i.seq`, id)
	if err != nil {
		return m, fmt.Errorf("store: agenda: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		it := clue.MeetingItem{MeetingID: id}
		var status, mode, ju, jus string
		var at int64
		if err := rows.Scan(&it.ID, &it.Seq, &it.ClueID, &it.ClueNumber, &it.ClueTitle, &it.SubjectName, &it.UnitName, &status,
			&it.Decided, &mode, &it.Form, &it.LeadUnitID, &it.LeadUnitName, &ju, &jus, &it.OwnerUserID, &it.OwnerName, &it.DueOn, &it.Note,
			&it.DecidedBy, &at); err != nil {
			return m, err
		}
		it.ClueStatus, it.Mode, it.JointUnits, it.JointUsers, it.DecidedAt = clue.Status(status), clue.Mode(mode), clue.SplitIDs(ju),
			clue.SplitIDs(jus), fromMS(at)
		m.Items = append(m.Items, it)
	}
	return m, rows.Err()
}

// MeetingFilter narrows ListMeetings.
type MeetingFilter struct {
	AreaGroupIDs []int64 // the groups whose meetings to list (empty: none)
	Page         Page
}

// ListMeetings lists the meetings of the given area groups, newest first,
// with the total. The caller decides which groups the user may see.
func (s *Store) ListMeetings(ctx context.Context, f MeetingFilter) ([]clue.Meeting, int, error) {
	if len(f.AreaGroupIDs) == 0 {
		return nil, 0, nil
	}
	pg := f.Page.normal()
	var a args
	where := `m.area_group_id IN (` + a.list(f.AreaGroupIDs) + `)`
	n := len(a.v)
	rows, err := s.db.QueryContext(ctx, `SELECT `+meetingCols+meetingFrom+`WHERE `+where+` ORDER BY m.held_on DESC, m.id DESC LIMIT `+
		a.add(pg.Limit)+` OFFSET `+a.add(pg.Offset), a.v...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list meetings: %w", err)
	}
	defer rows.Close()
	var out []clue.Meeting
	for rows.Next() {
		m, err := scanMeeting(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM meetings m WHERE `+where, a.v[:n]...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count meetings: %w", err)
	}
	return out, total, nil
}

// OpenAgendaOf returns the open meetings whose agenda holds an undecided
// clue (a clue is on one open agenda at a time).
func (s *Store) OpenAgendaOf(ctx context.Context, clueIDs []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(clueIDs) == 0 {
		return out, nil
	}
	var a args
	open := a.add(string(clue.MeetingOpen))
	rows, err := s.db.QueryContext(ctx, `SELECT i.clue_id, i.meeting_id FROM meeting_items i JOIN meetings m ON m.id = i.meeting_id
		WHERE m.status = `+open+` AND i.decided = FALSE AND i.clue_id IN (`+a.list(clueIDs)+`)`, a.v...)
	if err != nil {
		return nil, fmt.Errorf("store: open agenda: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c, m int64
		if err := rows.Scan(&c, &m); err != nil {
			return nil, err
		}
		out[c] = m
	}
	return out, rows.Err()
}
