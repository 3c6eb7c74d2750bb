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
	"qingfeng/internal/calendar"
	"qingfeng/internal/oversight"
)

// This file persists supervision tasks (issue 7): tasks with their target
// units, milestones and indicators; progress reports; the urges (催办) the
// urging worker sends, claiming target rows as DESIGN §4 says; findings;
// oversight letters (督办函); and campaigns (专项整治) with their linked
// clues and cases.

func dateOf(s string) calendar.Date {
	d, _ := calendar.ParseDate(s)
	return d
}

const taskCols = `t.id, t.title, t.description, t.kind, COALESCE(t.campaign_id, 0), t.unit_id, u.name, t.unit_path, t.rhythm, t.weekday,
	t.start_date, t.end_date, t.status, COALESCE(t.created_by, 0), t.version, t.created_at, t.updated_at`

func scanTask(sc interface{ Scan(...any) error }) (oversight.Task, error) {
	var t oversight.Task
	var start, end string
	var created, updated int64
	var wd int
	err := sc.Scan(&t.ID, &t.Title, &t.Description, &t.Kind, &t.CampaignID, &t.UnitID, &t.UnitName, &t.UnitPath, &t.Rhythm, &wd,
		&start, &end, &t.Status, &t.CreatedBy, &t.Version, &created, &updated)
	t.Weekday, t.Start, t.End, t.CreatedAt, t.UpdatedAt = time.Weekday(wd), dateOf(start), dateOf(end), fromMS(created), fromMS(updated)
	return t, err
}

// CreateTask stores a new task (draft) with its targets, milestones and
// indicators, audited. The targets' UnitID must exist.
func (s *Store) CreateTask(ctx context.Context, a audit.Actor, t oversight.Task) (oversight.Task, error) {
	var out oversight.Task
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := ms(s.now())
		err := tx.QueryRowContext(ctx, `INSERT INTO tasks (title, description, kind, campaign_id, unit_id, unit_path, rhythm, weekday,
			start_date, end_date, status, created_by, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $13) RETURNING id`,
			t.Title, t.Description, string(t.Kind), nullID(t.CampaignID), t.UnitID, t.UnitPath, string(t.Rhythm), int(t.Weekday),
			t.Start.String(), t.End.String(), string(t.Status), nullID(a.UserID), now).Scan(&t.ID)
		if err != nil {
			return fmt.Errorf("store: insert task: %w", err)
		}
		for _, g := range t.Targets {
			if _, err := tx.ExecContext(ctx, `INSERT INTO task_targets (task_id, unit_id) VALUES ($1, $2)`, t.ID, g.UnitID); err != nil {
				return fmt.Errorf("store: insert task target: %w", err)
			}
		}
		for i, m := range t.Milestones {
			if _, err := tx.ExecContext(ctx, `INSERT INTO task_milestones (task_id, position, title, due_date) VALUES ($1, $2, $3, $4)`,
				t.ID, i, m.Title, m.Due.String()); err != nil {
				return fmt.Errorf("store: insert milestone: %w", err)
			}
		}
		for i, ind := range t.Indicators {
			if _, err := tx.ExecContext(ctx, `INSERT INTO task_indicators (task_id, position, name, measure, target) VALUES ($1, $2, $3, $4, $5)`,
				t.ID, i, ind.Name, ind.Unit, ind.Target); err != nil {
				return fmt.Errorf("store: insert indicator: %w", err)
			}
		}
		if t.CampaignID != 0 {
			if err := linkCampaign(ctx, tx, t.CampaignID, "task", t.ID, now); err != nil {
				return err
			}
		}
		out, err = getTask(ctx, tx, t.ID)
		if err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, change{action: "task.create", objectType: "task", objectID: t.ID, after: out})
	})
	return out, err
}

// GetTask returns a task with its targets, milestones and indicators.
// Errors: not_found.
func (s *Store) GetTask(ctx context.Context, id int64) (oversight.Task, error) {
	return getTask(ctx, s.db, id)
}

func getTask(ctx context.Context, q queryer, id int64) (oversight.Task, error) {
	t, err := scanTask(q.QueryRowContext(ctx, `SELECT `+taskCols+` FROM tasks t JOIN units u ON u.id = t.unit_id WHERE t.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, notFound("task")
	}
	if err != nil {
		return t, fmt.Errorf("store: task: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT tt.id, tt.unit_id, u.name, u.path FROM task_targets tt JOIN units u ON u.id = tt.unit_id
		WHERE tt.task_id = $1 ORDER BY u.sort_order, u.path`, id)
	if err != nil {
		return t, fmt.Errorf("store: task targets: %w", err)
	}
	for rows.Next() {
		var g oversight.Target
		if err := rows.Scan(&g.ID, &g.UnitID, &g.UnitName, &g.UnitPath); err != nil {
			rows.Close()
			return t, err
		}
		t.Targets = append(t.Targets, g)
	}
	if err := closeRows(rows); err != nil {
		return t, err
	}
	rows, err = q.QueryContext(ctx, `SELECT id, title, due_date FROM task_milestones WHERE task_id = $1 ORDER BY position, id`, id)
	if err != nil {
		return t, fmt.Errorf("store: milestones: %w", err)
	}
	for rows.Next() {
		var m oversight.Milestone
		var due string
		if err := rows.Scan(&m.ID, &m.Title, &due); err != nil {
			rows.Close()
			return t, err
		}
		m.Due = dateOf(due)
		t.Milestones = append(t.Milestones, m)
	}
	if err := closeRows(rows); err != nil {
		return t, err
	}
	rows, err = q.QueryContext(ctx, `SELECT id, name, measure, target FROM task_indicators WHERE task_id = $1 ORDER BY position, id`, id)
	if err != nil {
		return t, fmt.Errorf("store: indicators: %w", err)
	}
	for rows.Next() {
		var ind oversight.Indicator
		if err := rows.Scan(&ind.ID, &ind.Name, &ind.Unit, &ind.Target); err != nil {
			rows.Close()
			return t, err
		}
		t.Indicators = append(t.Indicators, ind)
	}
	return t, closeRows(rows)
}

func closeRows(rows *sql.Rows) error {
	if err := rows.Close(); err != nil {
		return err
	}
	return rows.Err()
}

// TaskFilter narrows ListTasks.
type TaskFilter struct {
	Status     oversight.Status // "": any
	CampaignID int64
	Page       Page
}

// ListTasks lists the tasks whose supervising unit or one of whose target
// units lies in sc, newest first, with the total.
func (s *Store) ListTasks(ctx context.Context, sc auth.Scope, f TaskFilter) ([]oversight.Task, int, error) {
	a := args{}
	where := `FROM tasks t JOIN units u ON u.id = t.unit_id WHERE (` + scopeSQL(sc, "t.unit_path", &a) +
		` OR EXISTS (SELECT 1 FROM task_targets tt JOIN units tu ON tu.id = tt.unit_id WHERE tt.task_id = t.id AND ` +
		scopeSQL(sc, "tu.path", &a) + `))`
	if f.Status != "" {
		where += ` AND t.status = ` + a.add(string(f.Status))
	}
	if f.CampaignID != 0 {
		where += ` AND t.campaign_id = ` + a.add(f.CampaignID)
	}
	var out []oversight.Task
	total, err := s.listQuery(ctx, taskCols, where, "t.id DESC", a, f.Page, func(rows *sql.Rows) error {
		t, err := scanTask(rows)
		out = append(out, t)
		return err
	})
	return out, total, err
}

// SetTaskStatus moves a task from one status to another under optimistic
// locking; activating it makes its targets due for the urging worker,
// finishing it stops them. Errors: conflict (error.version_conflict).
func (s *Store) SetTaskStatus(ctx context.Context, a audit.Actor, id, version int64, from, to oversight.Status) (oversight.Task, error) {
	var out oversight.Task
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tasks SET status = $1, version = version + 1, updated_at = $2
			WHERE id = $3 AND version = $4 AND status = $5`, string(to), ms(s.now()), id, version, string(from))
		if err != nil {
			return fmt.Errorf("store: task status: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return conflictVersion()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE task_targets SET active = $1, next_check_at = 0 WHERE task_id = $2`,
			to == oversight.StatusActive, id); err != nil {
			return fmt.Errorf("store: task targets: %w", err)
		}
		out, err = getTask(ctx, tx, id)
		if err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, change{action: "task." + string(to), objectType: "task", objectID: id,
			note: map[string]any{"from": from, "to": to}})
	})
	return out, err
}

// AddTaskReport stores a progress report with its values and milestones,
// ends the unit's urging chain (its open urges are answered) and makes the
// unit due for a fresh check, audited.
func (s *Store) AddTaskReport(ctx context.Context, a audit.Actor, r oversight.Report) (oversight.Report, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		err := tx.QueryRowContext(ctx, `INSERT INTO task_reports (task_id, unit_id, report_date, note, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, r.TaskID, r.UnitID, r.Date.String(), r.Note, nullID(a.UserID), ms(now)).Scan(&r.ID)
		if err != nil {
			return fmt.Errorf("store: insert report: %w", err)
		}
		for id, v := range r.Values {
			if _, err := tx.ExecContext(ctx, `INSERT INTO task_report_values (report_id, indicator_id, value) VALUES ($1, $2, $3)`, r.ID, id, v); err != nil {
				return fmt.Errorf("store: report value: %w", err)
			}
		}
		for _, id := range r.MilestonesDone {
			if _, err := tx.ExecContext(ctx, `INSERT INTO task_report_milestones (report_id, milestone_id) VALUES ($1, $2)`, r.ID, id); err != nil {
				return fmt.Errorf("store: report milestone: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE task_urges SET answered_at = $1 WHERE task_id = $2 AND unit_id = $3 AND answered_at = 0`,
			ms(now), r.TaskID, r.UnitID); err != nil {
			return fmt.Errorf("store: answer urges: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE task_targets SET next_check_at = 0 WHERE task_id = $1 AND unit_id = $2`, r.TaskID, r.UnitID); err != nil {
			return fmt.Errorf("store: target check: %w", err)
		}
		r.CreatedBy, r.CreatedAt = a.UserID, fromMS(ms(now))
		return s.appendAudit(ctx, tx, a, change{action: "task.report", objectType: "task", objectID: r.TaskID, after: r,
			note: map[string]any{"unit_id": r.UnitID}})
	})
	return r, err
}

// TaskReports returns a task's progress reports (of one unit when unitID
// is not 0), newest first.
func (s *Store) TaskReports(ctx context.Context, taskID, unitID int64) ([]oversight.Report, error) {
	a := args{}
	where := `r.task_id = ` + a.add(taskID)
	if unitID != 0 {
		where += ` AND r.unit_id = ` + a.add(unitID)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT r.id, r.task_id, r.unit_id, u.name, r.report_date, r.note, COALESCE(r.created_by, 0),
		COALESCE(p.name, ''), r.created_at FROM task_reports r JOIN units u ON u.id = r.unit_id
		LEFT JOIN users us ON us.id = r.created_by LEFT JOIN people p ON p.id = us.person_id
		WHERE `+where+` ORDER BY r.report_date DESC, r.id DESC`, a.v...)
	if err != nil {
		return nil, fmt.Errorf("store: task reports: %w", err)
	}
	var out []oversight.Report
	byID := map[int64]int{}
	for rows.Next() {
		var r oversight.Report
		var date string
		var created int64
		if err := rows.Scan(&r.ID, &r.TaskID, &r.UnitID, &r.UnitName, &date, &r.Note, &r.CreatedBy, &r.CreatedByName, &created); err != nil {
			rows.Close()
			return nil, err
		}
		r.Date, r.CreatedAt, r.Values = dateOf(date), fromMS(created), map[int64]float64{}
		byID[r.ID] = len(out)
		out = append(out, r)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT v.report_id, v.indicator_id, v.value FROM task_report_values v
		JOIN task_reports r ON r.id = v.report_id WHERE `+where, a.v...)
	if err != nil {
		return nil, fmt.Errorf("store: report values: %w", err)
	}
	for rows.Next() {
		var rid, iid int64
		var v float64
		if err := rows.Scan(&rid, &iid, &v); err != nil {
			rows.Close()
			return nil, err
		}
		if i, ok := byID[rid]; ok {
			out[i].Values[iid] = v
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT m.report_id, m.milestone_id FROM task_report_milestones m
		JOIN task_reports r ON r.id = m.report_id WHERE `+where+` ORDER BY m.milestone_id`, a.v...)
	if err != nil {
		return nil, fmt.Errorf("store: report milestones: %w", err)
	}
	for rows.Next() {
		var rid, mid int64
		if err := rows.Scan(&rid, &mid); err != nil {
			rows.Close()
			return nil, err
		}
		if i, ok := byID[rid]; ok {
			out[i].MilestonesDone = append(out[i].MilestonesDone, mid)
		}
	}
	return out, closeRows(rows)
}

// LastTaskReportID is the id of a unit's latest report on a task (0: none):
// the current urging chain.
func (s *Store) LastTaskReportID(ctx context.Context, taskID, unitID int64) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM task_reports WHERE task_id = $1 AND unit_id = $2`, taskID, unitID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: last report: %w", err)
	}
	return id, nil
}

// TaskUrges returns the urges sent on a task (of one unit when unitID is
// not 0), oldest first.
func (s *Store) TaskUrges(ctx context.Context, taskID, unitID int64) ([]oversight.Urge, error) {
	a := args{}
	where := `g.task_id = ` + a.add(taskID)
	if unitID != 0 {
		where += ` AND g.unit_id = ` + a.add(unitID)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT g.id, g.task_id, g.unit_id, u.name, g.level, g.chain, g.urge_date, g.sent_at, g.recipients,
		g.answered_at FROM task_urges g JOIN units u ON u.id = g.unit_id WHERE `+where+` ORDER BY g.sent_at, g.id`, a.v...)
	if err != nil {
		return nil, fmt.Errorf("store: urges: %w", err)
	}
	var out []oversight.Urge
	for rows.Next() {
		var g oversight.Urge
		var date, recips string
		var sent, answered int64
		if err := rows.Scan(&g.ID, &g.TaskID, &g.UnitID, &g.UnitName, &g.Level, &g.Chain, &date, &sent, &recips, &answered); err != nil {
			rows.Close()
			return nil, err
		}
		g.Date, g.SentAt, g.AnsweredAt = dateOf(date), fromMS(sent), fromMS(answered)
		for _, f := range strings.Fields(recips) {
			if id, err := strconv.ParseInt(f, 10, 64); err == nil {
				g.Recipients = append(g.Recipients, id)
			}
		}
		out = append(out, g)
	}
	return out, closeRows(rows)
}

// UrgeTarget is a target row the urging worker claimed.
type UrgeTarget struct {
	ID     int64
	TaskID int64
	UnitID int64
}

// ClaimUrgeTargets claims up to limit target units of active tasks due for
// a check (next_check_at passed) and not claimed by another instance, for
// claimFor (portable UPDATE ... RETURNING, DESIGN §4).
func (s *Store) ClaimUrgeTargets(ctx context.Context, limit int, claimFor time.Duration) ([]UrgeTarget, error) {
	now := s.now()
	rows, err := s.db.QueryContext(ctx, `UPDATE task_targets SET claimed_until = $1
		WHERE id IN (SELECT id FROM task_targets WHERE active = TRUE AND next_check_at <= $2 AND claimed_until < $2 ORDER BY next_check_at, id LIMIT $3)
		AND claimed_until < $2
		RETURNING id, task_id, unit_id`, ms(now.Add(claimFor)), ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: claim urge targets: %w", err)
	}
	var out []UrgeTarget
	for rows.Next() {
		var g UrgeTarget
		if err := rows.Scan(&g.ID, &g.TaskID, &g.UnitID); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, g)
	}
	return out, closeRows(rows)
}

// ReleaseUrgeTarget ends a claim: the target is checked again at next.
func (s *Store) ReleaseUrgeTarget(ctx context.Context, targetID int64, next time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE task_targets SET claimed_until = 0, next_check_at = $1 WHERE id = $2`, ms(next), targetID); err != nil {
		return fmt.Errorf("store: release urge target: %w", err)
	}
	return nil
}

// RecordUrge stores an urge with its notifications in one audited
// transaction. An urge of the same task, unit, chain and level already
// stored makes it a no-op (false): each level is sent once per chain.
func (s *Store) RecordUrge(ctx context.Context, g oversight.Urge, st oversight.State, ns []Notification) (bool, error) {
	sent := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		recips := make([]string, len(g.Recipients))
		for i, id := range g.Recipients {
			recips[i] = strconv.FormatInt(id, 10)
		}
		rows, err := tx.QueryContext(ctx, `INSERT INTO task_urges (task_id, unit_id, level, chain, state, urge_date, sent_at, recipients)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (task_id, unit_id, chain, level) DO NOTHING RETURNING id`,
			g.TaskID, g.UnitID, string(g.Level), g.Chain, string(st), g.Date.String(), ms(s.now()), strings.Join(recips, " "))
		if err != nil {
			return fmt.Errorf("store: insert urge: %w", err)
		}
		sent = rows.Next()
		if sent {
			err = rows.Scan(&g.ID)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err != nil || !sent {
			return err
		}
		for _, n := range ns {
			if err := s.notify(ctx, tx, n); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, audit.Actor{Name: "system"}, change{action: "task.urge", objectType: "task", objectID: g.TaskID,
			note: map[string]any{"unit_id": g.UnitID, "level": g.Level, "state": st, "notified": len(ns)}})
	})
	return sent, err
}

// UsersWithPermission returns the active users of a unit (its own staff,
// not its subtree) holding perm through a role, by id.
func (s *Store) UsersWithPermission(ctx context.Context, unitID int64, perm auth.Permission) ([]int64, error) {
	return s.userIDs(ctx, `SELECT DISTINCT us.id FROM users us JOIN people p ON p.id = us.person_id
		JOIN user_roles ur ON ur.user_id = us.id JOIN role_permissions rp ON rp.role_code = ur.role_code
		WHERE p.unit_id = $1 AND rp.permission = $2 AND us.active = TRUE ORDER BY us.id`, unitID, string(perm))
}

// UsersWithRole returns the active users of a unit holding a role, by id.
func (s *Store) UsersWithRole(ctx context.Context, unitID int64, role auth.Role) ([]int64, error) {
	return s.userIDs(ctx, `SELECT DISTINCT us.id FROM users us JOIN people p ON p.id = us.person_id
		JOIN user_roles ur ON ur.user_id = us.id WHERE p.unit_id = $1 AND ur.role_code = $2 AND us.active = TRUE ORDER BY us.id`,
		unitID, string(role))
}

func (s *Store) userIDs(ctx context.Context, q string, params ...any) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, q, params...)
	if err != nil {
		return nil, fmt.Errorf("store: users: %w", err)
	}
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, id)
	}
	return out, closeRows(rows)
}

// TaskLetter returns the oversight letter (督办函) number of a task's
// target unit, allocating it at the first call: the next number of kind
// "oversight_letter" of issuerUnitID in year, formatted by format (which
// gets the sequence number), audited. Later calls return the same number.
func (s *Store) TaskLetter(ctx context.Context, a audit.Actor, taskID, unitID, issuerUnitID int64, year int, format func(int64) string) (string, time.Time, error) {
	var number string
	var issued int64
	err := s.db.QueryRowContext(ctx, `SELECT number, issued_at FROM task_letters WHERE task_id = $1 AND unit_id = $2`, taskID, unitID).Scan(&number, &issued)
	if err == nil {
		return number, fromMS(issued), nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, fmt.Errorf("store: letter: %w", err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		// Another instance may have issued it meanwhile.
		err := tx.QueryRowContext(ctx, `SELECT number, issued_at FROM task_letters WHERE task_id = $1 AND unit_id = $2`, taskID, unitID).Scan(&number, &issued)
		if err == nil {
			return nil
		}
		seq, err := s.nextNumber(ctx, tx, issuerUnitID, "oversight_letter", year)
		if err != nil {
			return err
		}
		number, issued = format(seq), ms(s.now())
		if _, err := tx.ExecContext(ctx, `INSERT INTO task_letters (task_id, unit_id, number, issued_by, issued_at) VALUES ($1, $2, $3, $4, $5)`,
			taskID, unitID, number, nullID(a.UserID), issued); err != nil {
			return fmt.Errorf("store: insert letter: %w", err)
		}
		return s.appendAudit(ctx, tx, a, change{action: "task.letter", objectType: "task", objectID: taskID,
			note: map[string]any{"unit_id": unitID, "number": number}})
	})
	return number, fromMS(issued), s.mapErr(err)
}

// CreateFinding stores a finding on a task's target unit, audited.
func (s *Store) CreateFinding(ctx context.Context, a audit.Actor, f oversight.Finding) (oversight.Finding, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		err := tx.QueryRowContext(ctx, `INSERT INTO task_findings (task_id, unit_id, title, description, category, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, f.TaskID, f.UnitID, f.Title, f.Description, f.Category, nullID(a.UserID), ms(now)).Scan(&f.ID)
		if err != nil {
			return fmt.Errorf("store: insert finding: %w", err)
		}
		f.CreatedBy, f.CreatedAt = a.UserID, fromMS(ms(now))
		return s.appendAudit(ctx, tx, a, change{action: "task.finding", objectType: "task", objectID: f.TaskID, after: f})
	})
	return f, err
}

const findingCols = `f.id, f.task_id, f.unit_id, u.name, f.title, f.description, f.category, COALESCE(c.id, 0), COALESCE(c.number, ''),
	COALESCE(rc.id, 0), COALESCE(f.created_by, 0), f.created_at`

const findingFrom = `FROM task_findings f JOIN units u ON u.id = f.unit_id
	LEFT JOIN clues c ON c.source_type = 'task_finding' AND c.source_id = f.id AND c.split_no = 0
	LEFT JOIN rectifications rc ON rc.source_type = 'task_finding' AND rc.source_id = f.id`

func scanFinding(sc interface{ Scan(...any) error }) (oversight.Finding, error) {
	var f oversight.Finding
	var created int64
	err := sc.Scan(&f.ID, &f.TaskID, &f.UnitID, &f.UnitName, &f.Title, &f.Description, &f.Category, &f.ClueID, &f.ClueNumber, &f.RectificationID, &f.CreatedBy, &created)
	f.CreatedAt = fromMS(created)
	return f, err
}

// GetFinding returns a finding with the clue registered from it. Errors:
// not_found.
func (s *Store) GetFinding(ctx context.Context, id int64) (oversight.Finding, error) {
	f, err := scanFinding(s.db.QueryRowContext(ctx, `SELECT `+findingCols+` `+findingFrom+` WHERE f.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return f, notFound("finding")
	}
	return f, err
}

// TaskFindings returns a task's findings, oldest first.
func (s *Store) TaskFindings(ctx context.Context, taskID int64) ([]oversight.Finding, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+findingCols+` `+findingFrom+` WHERE f.task_id = $1 ORDER BY f.id`, taskID)
	if err != nil {
		return nil, fmt.Errorf("store: findings: %w", err)
	}
	var out []oversight.Finding
	for rows.Next() {
		f, err := scanFinding(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, f)
	}
	return out, closeRows(rows)
}

// CreateCampaign stores a campaign, audited.
func (s *Store) CreateCampaign(ctx context.Context, a audit.Actor, c oversight.Campaign) (oversight.Campaign, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		err := tx.QueryRowContext(ctx, `INSERT INTO campaigns (unit_id, unit_path, name, category, start_date, end_date, description, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, c.UnitID, c.UnitPath, c.Name, c.Category, c.Start.String(), c.End.String(),
			c.Description, nullID(a.UserID), ms(now)).Scan(&c.ID)
		if err != nil {
			return fmt.Errorf("store: insert campaign: %w", err)
		}
		c.CreatedAt = fromMS(ms(now))
		return s.appendAudit(ctx, tx, a, change{action: "campaign.create", objectType: "campaign", objectID: c.ID, after: c})
	})
	return c, err
}

const campaignCols = `id, unit_id, unit_path, name, category, start_date, end_date, description, created_at`

func scanCampaign(sc interface{ Scan(...any) error }) (oversight.Campaign, error) {
	var c oversight.Campaign
	var start, end string
	var created int64
	err := sc.Scan(&c.ID, &c.UnitID, &c.UnitPath, &c.Name, &c.Category, &start, &end, &c.Description, &created)
	c.Start, c.End, c.CreatedAt = dateOf(start), dateOf(end), fromMS(created)
	return c, err
}

// GetCampaign returns a campaign. Errors: not_found.
func (s *Store) GetCampaign(ctx context.Context, id int64) (oversight.Campaign, error) {
	c, err := scanCampaign(s.db.QueryRowContext(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound("campaign")
	}
	return c, err
}

// ListCampaigns lists the campaigns of units in sc, newest first.
func (s *Store) ListCampaigns(ctx context.Context, sc auth.Scope, pg Page) ([]oversight.Campaign, int, error) {
	a := args{}
	var out []oversight.Campaign
	total, err := s.listQuery(ctx, campaignCols, `FROM campaigns WHERE `+scopeSQL(sc, "unit_path", &a), "id DESC", a, pg, func(rows *sql.Rows) error {
		c, err := scanCampaign(rows)
		out = append(out, c)
		return err
	})
	return out, total, err
}

func linkCampaign(ctx context.Context, tx *sql.Tx, campaignID int64, objectType string, objectID, now int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_items (campaign_id, object_type, object_id, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (campaign_id, object_type, object_id) DO NOTHING`, campaignID, objectType, objectID, now); err != nil {
		return fmt.Errorf("store: link campaign: %w", err)
	}
	return nil
}

// LinkCampaignItem links a clue, case or task to a campaign (a task also
// gets the campaign as its own), audited; linking twice is a no-op.
func (s *Store) LinkCampaignItem(ctx context.Context, a audit.Actor, campaignID int64, objectType string, objectID int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := linkCampaign(ctx, tx, campaignID, objectType, objectID, ms(s.now())); err != nil {
			return err
		}
		if objectType == "task" {
			if _, err := tx.ExecContext(ctx, `UPDATE tasks SET campaign_id = $1, version = version + 1 WHERE id = $2`, campaignID, objectID); err != nil {
				return fmt.Errorf("store: task campaign: %w", err)
			}
		}
		return s.appendAudit(ctx, tx, a, change{action: "campaign.link", objectType: "campaign", objectID: campaignID,
			note: map[string]any{"object_type": objectType, "object_id": objectID}})
	})
}

// CampaignItem is a record linked to a campaign, with its number and title.
type CampaignItem struct {
	ObjectType string
	ObjectID   int64
	Number     string
	Title      string
	Status     string
}

// CampaignItems returns the clues, cases and tasks linked to a campaign.
func (s *Store) CampaignItems(ctx context.Context, campaignID int64) ([]CampaignItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT ci.object_type, ci.object_id,
		COALESCE(cl.number, cs.number, ''), COALESCE(cl.title, cs.cause, t.title, ''), COALESCE(cl.status, cs.status, t.status, '')
		FROM campaign_items ci
		LEFT JOIN clues cl ON ci.object_type = 'clue' AND cl.id = ci.object_id
		LEFT JOIN cases cs ON ci.object_type = 'case' AND cs.id = ci.object_id
		LEFT JOIN tasks t ON ci.object_type = 'task' AND t.id = ci.object_id
		WHERE ci.campaign_id = $1 ORDER BY ci.object_type, ci.object_id`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("store: campaign items: %w", err)
	}
	var out []CampaignItem
	for rows.Next() {
		var it CampaignItem
		if err := rows.Scan(&it.ObjectType, &it.ObjectID, &it.Number, &it.Title, &it.Status); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, it)
	}
	return out, closeRows(rows)
}

// CampaignFieldCounts counts the clues received and cases filed in sc
// whose key field is category between from and to (Unix ms, [from, to)):
// the campaign's field figures, linked or not.
func (s *Store) CampaignFieldCounts(ctx context.Context, sc auth.Scope, category string, from, to time.Time) (clues, cases int, err error) {
	a := args{}
	q := `SELECT COUNT(*) FROM clues WHERE category = ` + a.add(category) + ` AND received_at >= ` + a.add(ms(from)) +
		` AND received_at < ` + a.add(ms(to)) + ` AND ` + scopeSQL(sc, "unit_path", &a)
	if err := s.db.QueryRowContext(ctx, q, a.v...).Scan(&clues); err != nil {
		return 0, 0, fmt.Errorf("store: campaign clues: %w", err)
	}
	a = args{}
	q = `SELECT COUNT(*) FROM cases WHERE category = ` + a.add(category) + ` AND filed_at >= ` + a.add(ms(from)) +
		` AND filed_at < ` + a.add(ms(to)) + ` AND filed_at <> 0 AND ` + scopeSQL(sc, "unit_path", &a)
	if err := s.db.QueryRowContext(ctx, q, a.v...).Scan(&cases); err != nil {
		return 0, 0, fmt.Errorf("store: campaign cases: %w", err)
	}
	return clues, cases, nil
}

// ActiveTaskIDs returns the ids of the active tasks in sc (supervising unit in
// scope) for the board figures of the statistics: the service assesses
// each target with the pure board rule.
func (s *Store) ActiveTaskIDs(ctx context.Context, sc auth.Scope) ([]int64, error) {
	a := args{}
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM tasks WHERE status = 'active' AND `+scopeSQL(sc, "unit_path", &a)+` ORDER BY id`, a.v...)
	if err != nil {
		return nil, fmt.Errorf("store: active tasks: %w", err)
	}
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, id)
	}
	return out, closeRows(rows)
}
