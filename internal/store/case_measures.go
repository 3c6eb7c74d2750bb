package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"qingfeng/internal/auth"
	"qingfeng/internal/casework"
)

// This file lists the running measures of the cases in scope for the
// measures screen (措施期限预警): each with its case, subject and the
// measure's statutory clock, most urgent first.

// RunningMeasure is a running measure (ended_at = 0) on the measures
// screen: the measure, its case and subject, and its statutory clock (the
// clock of the rule's limit; Clock.ID 0 when the kind has none).
type RunningMeasure struct {
	casework.Measure
	CaseNumber   string
	CaseStatus   casework.Status
	LeadUnitID   int64
	LeadUnitName string
	SubjectName  string
	Clock        Clock
}

// The clock states of MeasureFilter.State (the calendar.State values of a
// running clock).
const (
	MeasureStateRunning = "running"  // before the reminder window, or no clock
	MeasureStateDueSoon = "due_soon" // the reminder window has begun, not yet past due
	MeasureStateOverdue = "overdue"  // past due
)

// MeasureFilter narrows the measures screen. Case carries the place
// filters of the case ledger (UnitPath, Area, AreaSet); its other fields
// are ignored. Codes are the limit codes of the measures' statutory
// clocks (casework.MeasureRules; side clocks are not shown). State is ""
// (every running measure) or one of the MeasureState values at Now.
type MeasureFilter struct {
	Case  CaseFilter
	Codes []string
	State string
	Now   time.Time
	Page  Page
}

// ListRunningMeasures lists the running measures of the cases in scope
// (the case ledger's scope with participation and recusal, CaseFilter.where),
// overdue and soonest due first, measures without a clock last, and the
// total. Errors: database failures only.
func (s *Store) ListRunningMeasures(ctx context.Context, sc auth.Scope, f MeasureFilter) ([]RunningMeasure, int, error) {
	pg := f.Page.normal()
	acc, err := s.accessIDs(ctx, sc, "case", s.now())
	if err != nil {
		return nil, 0, err
	}
	var a args
	cf := CaseFilter{UnitPath: f.Case.UnitPath, Area: f.Case.Area, AreaSet: f.Case.AreaSet}
	where := cf.where(sc, acc, &a)
	codes := "''"
	if len(f.Codes) > 0 {
		ph := make([]string, len(f.Codes))
		for i, c := range f.Codes {
			ph[i] = a.add(c)
		}
		codes = strings.Join(ph, ", ")
	}
	from := ` FROM case_measures m JOIN cases c ON c.id = m.case_id JOIN units u ON u.id = c.unit_id
		JOIN case_subjects sj ON sj.id = m.subject_id
		LEFT JOIN clocks k ON k.object_type = 'measure' AND k.object_id = m.id AND k.done_at = 0 AND k.code IN (` + codes + `)
		WHERE m.ended_at = 0 AND ` + where
	now := ms(f.Now)
	switch f.State {
	case MeasureStateOverdue:
		from += ` AND k.due_at < ` + a.add(now)
	case MeasureStateDueSoon:
		from += ` AND k.remind_at <= ` + a.add(now) + ` AND k.due_at >= ` + a.add(now)
	case MeasureStateRunning:
		from += ` AND (k.id IS NULL OR k.remind_at > ` + a.add(now) + `)`
	}
	n := len(a.v)
	q := `SELECT m.id, m.case_id, m.subject_id, m.kind, m.level, m.started_at, m.note, c.number, c.status, c.unit_id,
		u.name, sj.name, COALESCE(k.id, 0), COALESCE(k.code, ''), COALESCE(k.label, ''), COALESCE(k.link, ''), COALESCE(k.unit_path, ''),
		COALESCE(k.owner_user_id, 0), COALESCE(k.started_at, 0), COALESCE(k.due_at, 0), COALESCE(k.remind_at, 0),
		COALESCE(k.provisional, FALSE), COALESCE(k.extensions, 0)` + from + `
		ORDER BY CASE WHEN k.id IS NULL THEN 1 ELSE 0 END, k.due_at, m.id LIMIT ` + a.add(pg.Limit) + ` OFFSET ` + a.add(pg.Offset)
	rows, err := s.db.QueryContext(ctx, q, a.v...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: running measures: %w", err)
	}
	var out []RunningMeasure
	for rows.Next() {
		var r RunningMeasure
		var kind, level, status string
		var start, kStart, kDue, kRemind int64
		if err := rows.Scan(&r.ID, &r.CaseID, &r.SubjectID, &kind, &level, &start, &r.Note, &r.CaseNumber, &status, &r.LeadUnitID,
			&r.LeadUnitName, &r.SubjectName, &r.Clock.ID, &r.Clock.Code, &r.Clock.Label, &r.Clock.Link, &r.Clock.UnitPath,
			&r.Clock.OwnerUserID, &kStart, &kDue, &kRemind, &r.Clock.Provisional, &r.Clock.Extensions); err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("store: scan running measure: %w", err)
		}
		r.Kind, r.Level, r.CaseStatus = casework.MeasureKind(kind), casework.CommissionLevel(level), casework.Status(status)
		r.StartedAt = fromMS(start)
		r.Clock.StartedAt, r.Clock.DueAt, r.Clock.RemindAt = fromMS(kStart), fromMS(kDue), fromMS(kRemind)
		if r.Clock.ID != 0 {
			r.Clock.ObjectType, r.Clock.ObjectID = "measure", r.ID
		}
		out = append(out, r)
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
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*)`+from, a.v[:n]...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count running measures: %w", err)
	}
	return out, total, nil
}
