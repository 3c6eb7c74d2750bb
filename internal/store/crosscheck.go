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

// This file persists the subsidy cross-checks (大数据比对): imported lists
// and their rows (ID numbers only as a keyed hash and a sealed copy), runs
// with the suspects they found, judgements keyed by the run-independent
// suspect key, the one action a confirmed suspect was assigned with, and
// the money recovered. A list and its rows commit in one transaction with
// multi-row INSERTs and one audit record; so do a run and its suspects.

// CrossCheckPayments is the kind of a payment list; the other kinds are
// the reference kinds of monitor.RefKind.
const CrossCheckPayments = "payments"

// CrossCheckList is an imported payment or reference list.
type CrossCheckList struct {
	ID        int64
	UnitID    int64
	UnitPath  string
	Kind      string // CrossCheckPayments or a monitor.RefKind
	FileName  string
	SHA256    string
	Format    string
	Rows      int
	Good      int
	Rejected  int
	HashKey   string // the vault key ID the ID hashes were made under
	CreatedBy int64
	CreatedAt time.Time
}

// CrossCheckRow is one stored row of a list: a payment (item, amount,
// day, township) or a reference (day, note).
type CrossCheckRow struct {
	Line      int
	Name      string
	IDHash    string // hex HMAC of the normalised ID number; "" when blank
	IDValid   bool
	IDSealed  string // the ID number as written, sealed; "" when blank
	Item      string
	AmountFen int64
	Day       string // YYYY-MM-DD, "" unknown
	Township  string
	Village   string
	Note      string
}

// crossCheckRowsPerStmt keeps a multi-row INSERT of rows (12 values
// each) under SQLite's 32,766 parameters.
const crossCheckRowsPerStmt = 1000

// FindCrossCheckList returns the list of a unit with this kind and file
// hash (ok false when none).
func (s *Store) FindCrossCheckList(ctx context.Context, unitID int64, kind, sha string) (CrossCheckList, bool, error) {
	l, err := scanCrossCheckList(s.db.QueryRowContext(ctx, `SELECT `+crossCheckListCols+` FROM crosscheck_lists
		WHERE unit_id = $1 AND kind = $2 AND sha256 = $3`, unitID, kind, sha))
	if errors.Is(err, sql.ErrNoRows) {
		return l, false, nil
	}
	if err != nil {
		return l, false, fmt.Errorf("store: find crosscheck list: %w", err)
	}
	return l, true, nil
}

const crossCheckListCols = `id, unit_id, unit_path, kind, file_name, sha256, format, rows_read, good, rejected, hash_key,
	COALESCE(created_by, 0), created_at`

func scanCrossCheckList(sc interface{ Scan(...any) error }) (CrossCheckList, error) {
	var l CrossCheckList
	var cr int64
	err := sc.Scan(&l.ID, &l.UnitID, &l.UnitPath, &l.Kind, &l.FileName, &l.SHA256, &l.Format, &l.Rows, &l.Good, &l.Rejected,
		&l.HashKey, &l.CreatedBy, &cr)
	l.CreatedAt = fromMS(cr)
	return l, err
}

// ImportCrossCheckList stores a list and its rows in one transaction:
// fill is called with the new list's id and an add function for each good
// row (in line order) and sets l's counts; one audit record covers the
// list. Errors: conflict when the unit already has this file as this kind.
func (s *Store) ImportCrossCheckList(ctx context.Context, a audit.Actor, l *CrossCheckList,
	fill func(listID int64, add func(CrossCheckRow) error) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		l.CreatedAt = s.now()
		err := tx.QueryRowContext(ctx, `INSERT INTO crosscheck_lists (unit_id, unit_path, kind, file_name, sha256, format, hash_key,
			created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, l.UnitID, l.UnitPath, l.Kind, l.FileName,
			l.SHA256, l.Format, l.HashKey, nullID(l.CreatedBy), ms(l.CreatedAt)).Scan(&l.ID)
		if err != nil {
			return s.mapErr(fmt.Errorf("store: insert crosscheck list: %w", err))
		}
		m := s.multiInsert(ctx, tx)
		add := func(r CrossCheckRow) error {
			m.sep(`INSERT INTO crosscheck_rows (list_id, line, name, id_hash, id_valid, id_sealed, item, amount_fen, day, township,
				village, note) VALUES `)
			m.q.WriteString("(" + strings.Join([]string{m.ph(l.ID), m.ph(r.Line), m.ph(r.Name), m.ph(r.IDHash), m.ph(r.IDValid),
				m.ph(r.IDSealed), m.ph(r.Item), m.ph(r.AmountFen), m.ph(r.Day), m.ph(r.Township), m.ph(r.Village), m.ph(r.Note)}, ", ") + ")")
			if m.rows >= crossCheckRowsPerStmt {
				return m.run("crosscheck rows")
			}
			return nil
		}
		if err := fill(l.ID, add); err != nil {
			return err
		}
		if err := m.run("crosscheck rows"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE crosscheck_lists SET format = $1, rows_read = $2, good = $3, rejected = $4 WHERE id = $5`,
			l.Format, l.Rows, l.Good, l.Rejected, l.ID); err != nil {
			return fmt.Errorf("store: crosscheck list counts: %w", err)
		}
		return s.appendAudit(ctx, tx, a, change{action: "crosscheck_list.import", objectType: "crosscheck_list", objectID: l.ID,
			after: struct {
				ID, UnitID             int64
				Kind, FileName, SHA256 string
				Rows, Good, Rejected   int
			}{l.ID, l.UnitID, l.Kind, l.FileName, l.SHA256, l.Rows, l.Good, l.Rejected}})
	})
}

// GetCrossCheckList returns a list by id. Errors: not_found.
func (s *Store) GetCrossCheckList(ctx context.Context, id int64) (CrossCheckList, error) {
	l, err := scanCrossCheckList(s.db.QueryRowContext(ctx, `SELECT `+crossCheckListCols+` FROM crosscheck_lists WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, notFound("page")
	}
	if err != nil {
		return l, fmt.Errorf("store: get crosscheck list: %w", err)
	}
	return l, nil
}

// ListCrossCheckLists lists the lists in a scope (unitID 0: all units of
// the scope), newest first.
func (s *Store) ListCrossCheckLists(ctx context.Context, sc auth.Scope, unitID int64, limit int) ([]CrossCheckList, error) {
	var a args
	where := scopeSQL(sc, "unit_path", &a)
	if unitID != 0 {
		where += " AND unit_id = " + a.add(unitID)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+crossCheckListCols+` FROM crosscheck_lists WHERE `+where+
		` ORDER BY id DESC LIMIT `+a.add(limit), a.v...)
	if err != nil {
		return nil, fmt.Errorf("store: crosscheck lists: %w", err)
	}
	defer rows.Close()
	var out []CrossCheckList
	for rows.Next() {
		l, err := scanCrossCheckList(rows)
		if err != nil {
			return nil, fmt.Errorf("store: crosscheck lists: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// RowRead says which columns EachCrossCheckRow reads: the sealed ID
// number only when Sealed (a run needs only the hashes); item, amount and
// township for a payment list, the note for a reference list.
type RowRead struct {
	Sealed  bool
	Payment bool
}

// EachCrossCheckRow calls fn for every row of a list in line order.
func (s *Store) EachCrossCheckRow(ctx context.Context, listID int64, rr RowRead, fn func(CrossCheckRow) error) error {
	cols := "line, name, id_hash, id_valid, day, village"
	if rr.Sealed {
		cols += ", id_sealed"
	}
	if rr.Payment {
		cols += ", item, amount_fen, township"
	} else {
		cols += ", note"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+cols+` FROM crosscheck_rows WHERE list_id = $1 ORDER BY line`, listID)
	if err != nil {
		return fmt.Errorf("store: crosscheck rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r CrossCheckRow
		dst := []any{&r.Line, &r.Name, &r.IDHash, &r.IDValid, &r.Day, &r.Village}
		if rr.Sealed {
			dst = append(dst, &r.IDSealed)
		}
		if rr.Payment {
			dst = append(dst, &r.Item, &r.AmountFen, &r.Township)
		} else {
			dst = append(dst, &r.Note)
		}
		if err := rows.Scan(dst...); err != nil {
			return fmt.Errorf("store: crosscheck rows: %w", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CrossCheckRowSealed returns the sealed ID number of a row ("" when the
// row has none). Errors: not_found.
func (s *Store) CrossCheckRowSealed(ctx context.Context, listID int64, line int) (string, error) {
	var sealed string
	err := s.db.QueryRowContext(ctx, `SELECT id_sealed FROM crosscheck_rows WHERE list_id = $1 AND line = $2`, listID, line).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("page")
	}
	return sealed, err
}

// AuditCrossCheckReveal records that a user opened the sealed ID numbers
// of a suspect's rows.
func (s *Store) AuditCrossCheckReveal(ctx context.Context, a audit.Actor, suspectID int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		return s.appendAudit(ctx, tx, a, change{action: "crosscheck_suspect.reveal_id", objectType: "crosscheck_suspect", objectID: suspectID})
	})
}

// CrossCheckRun is one run of the rules over a unit's lists.
type CrossCheckRun struct {
	ID         int64
	UnitID     int64
	UnitPath   string
	ListIDs    []int64
	Payments   int
	References int
	Suspects   int
	Duration   time.Duration
	CreatedBy  int64
	CreatedAt  time.Time
}

// CrossCheckSuspect is one suspect of a run, with the judgement of its
// key (if any) when read back.
type CrossCheckSuspect struct {
	ID          int64
	RunID       int64
	UnitPath    string
	Key         string
	Rule        string
	Strength    string
	Matched     []string
	Explanation string
	PayList     int64
	PayLine     int
	RefList     int64 // 0: no reference row (an absence, a double payment)
	RefLine     int
	RefKind     string
	RefNote     string
	RefDay      string
	OtherList   int64 // double payment: the earlier payment
	OtherLine   int
	Name        string
	Item        string
	AmountFen   int64
	Day         string
	Township    string
	Village     string
	Judgement   CrossCheckJudgement // ID 0: not judged yet
}

// CrossCheckJudgement is a reviewer's judgement of a suspect key in a
// unit, with the action it was assigned with and the money recovered.
type CrossCheckJudgement struct {
	ID           int64
	UnitPath     string
	Key          string
	Verdict      string // confirmed, rejected, unsure
	Note         string
	JudgedBy     int64
	JudgedAt     time.Time
	Action       string // "", "clue", "rectification"
	ClueID       int64
	RectID       int64
	AssignedTo   int64
	AssignedAt   time.Time
	Version      int64
	RecoveredFen int64
}

// SaveCrossCheckRun stores a run and its suspects in one transaction with
// one audit record.
func (s *Store) SaveCrossCheckRun(ctx context.Context, a audit.Actor, r CrossCheckRun, suspects []CrossCheckSuspect) (CrossCheckRun, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		r.CreatedAt = s.now()
		ids := make([]string, len(r.ListIDs))
		for i, id := range r.ListIDs {
			ids[i] = strconv.FormatInt(id, 10)
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO crosscheck_runs (unit_id, unit_path, list_ids, payments, refs, suspects, duration_ms,
			created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, r.UnitID, r.UnitPath, strings.Join(ids, ","),
			r.Payments, r.References, len(suspects), r.Duration.Milliseconds(), nullID(r.CreatedBy), ms(r.CreatedAt)).Scan(&r.ID)
		if err != nil {
			return fmt.Errorf("store: insert crosscheck run: %w", err)
		}
		r.Suspects = len(suspects)
		m := s.multiInsert(ctx, tx)
		for _, x := range suspects {
			m.sep(`INSERT INTO crosscheck_suspects (run_id, unit_path, skey, rule, strength, matched, explanation, pay_list, pay_line,
				ref_list, ref_line, ref_kind, ref_note, ref_day, other_list, other_line, name, item, amount_fen, day, township, village) VALUES `)
			m.q.WriteString("(" + strings.Join([]string{m.ph(r.ID), m.ph(r.UnitPath), m.ph(x.Key), m.ph(x.Rule), m.ph(x.Strength),
				m.ph(strings.Join(x.Matched, ",")), m.ph(x.Explanation), m.ph(x.PayList), m.ph(x.PayLine), m.ph(x.RefList), m.ph(x.RefLine),
				m.ph(x.RefKind), m.ph(x.RefNote), m.ph(x.RefDay), m.ph(x.OtherList), m.ph(x.OtherLine), m.ph(x.Name), m.ph(x.Item),
				m.ph(x.AmountFen), m.ph(x.Day), m.ph(x.Township), m.ph(x.Village)}, ", ") + ")")
			if m.rows >= 500 {
				if err := m.run("crosscheck suspects"); err != nil {
					return err
				}
			}
		}
		if err := m.run("crosscheck suspects"); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, change{action: "crosscheck_run.create", objectType: "crosscheck_run", objectID: r.ID,
			after: struct {
				ID, UnitID                     int64
				Lists                          string
				Payments, References, Suspects int
			}{r.ID, r.UnitID, strings.Join(ids, ","), r.Payments, r.References, r.Suspects}})
	})
	return r, err
}

const crossCheckRunCols = `id, unit_id, unit_path, list_ids, payments, refs, suspects, duration_ms, COALESCE(created_by, 0), created_at`

func scanCrossCheckRun(sc interface{ Scan(...any) error }) (CrossCheckRun, error) {
	var r CrossCheckRun
	var lists string
	var dur, cr int64
	if err := sc.Scan(&r.ID, &r.UnitID, &r.UnitPath, &lists, &r.Payments, &r.References, &r.Suspects, &dur, &r.CreatedBy, &cr); err != nil {
		return r, err
	}
	for _, f := range strings.Split(lists, ",") {
		if id, err := strconv.ParseInt(f, 10, 64); err == nil {
			r.ListIDs = append(r.ListIDs, id)
		}
	}
	r.Duration, r.CreatedAt = time.Duration(dur)*time.Millisecond, fromMS(cr)
	return r, nil
}

// GetCrossCheckRun returns a run by id. Errors: not_found.
func (s *Store) GetCrossCheckRun(ctx context.Context, id int64) (CrossCheckRun, error) {
	r, err := scanCrossCheckRun(s.db.QueryRowContext(ctx, `SELECT `+crossCheckRunCols+` FROM crosscheck_runs WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, notFound("page")
	}
	if err != nil {
		return r, fmt.Errorf("store: get crosscheck run: %w", err)
	}
	return r, nil
}

// ListCrossCheckRuns lists the runs in a scope, newest first.
func (s *Store) ListCrossCheckRuns(ctx context.Context, sc auth.Scope, limit int) ([]CrossCheckRun, error) {
	var a args
	rows, err := s.db.QueryContext(ctx, `SELECT `+crossCheckRunCols+` FROM crosscheck_runs WHERE `+scopeSQL(sc, "unit_path", &a)+
		` ORDER BY id DESC LIMIT `+a.add(limit), a.v...)
	if err != nil {
		return nil, fmt.Errorf("store: crosscheck runs: %w", err)
	}
	defer rows.Close()
	var out []CrossCheckRun
	for rows.Next() {
		r, err := scanCrossCheckRun(rows)
		if err != nil {
			return nil, fmt.Errorf("store: crosscheck runs: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SuspectQuery filters the suspects of a run. Verdict "none" selects the
// suspects not judged yet.
type SuspectQuery struct {
	RunID    int64
	Rule     string
	Strength string
	Verdict  string
	Page     Page
}

const crossCheckSuspectCols = `s.id, s.run_id, s.unit_path, s.skey, s.rule, s.strength, s.matched, s.explanation, s.pay_list, s.pay_line,
	s.ref_list, s.ref_line, s.ref_kind, s.ref_note, s.ref_day, s.other_list, s.other_line, s.name, s.item, s.amount_fen, s.day, s.township,
	s.village, COALESCE(j.id, 0), COALESCE(j.verdict, ''), COALESCE(j.note, ''), COALESCE(j.judged_by, 0), COALESCE(j.judged_at, 0),
	COALESCE(j.action, ''), COALESCE(j.clue_id, 0), COALESCE(j.rect_id, 0), COALESCE(j.assigned_to, 0), COALESCE(j.assigned_at, 0),
	COALESCE(j.version, 0),
	COALESCE((SELECT SUM(x.amount_fen) FROM crosscheck_recoveries x WHERE x.judgement_id = j.id), 0)`

const crossCheckSuspectFrom = ` FROM crosscheck_suspects s LEFT JOIN crosscheck_judgements j ON j.unit_path = s.unit_path AND j.skey = s.skey`

func scanCrossCheckSuspect(sc interface{ Scan(...any) error }) (CrossCheckSuspect, error) {
	var x CrossCheckSuspect
	var matched string
	var judged, assigned int64
	j := &x.Judgement
	err := sc.Scan(&x.ID, &x.RunID, &x.UnitPath, &x.Key, &x.Rule, &x.Strength, &matched, &x.Explanation, &x.PayList, &x.PayLine,
		&x.RefList, &x.RefLine, &x.RefKind, &x.RefNote, &x.RefDay, &x.OtherList, &x.OtherLine, &x.Name, &x.Item, &x.AmountFen, &x.Day,
		&x.Township, &x.Village, &j.ID, &j.Verdict, &j.Note, &j.JudgedBy, &judged, &j.Action, &j.ClueID, &j.RectID, &j.AssignedTo,
		&assigned, &j.Version, &j.RecoveredFen)
	if matched != "" {
		x.Matched = strings.Split(matched, ",")
	}
	j.UnitPath, j.Key, j.JudgedAt, j.AssignedAt = x.UnitPath, x.Key, fromMS(judged), fromMS(assigned)
	return x, err
}

// ListCrossCheckSuspects returns a page of a run's suspects with their
// judgements and the total matching the filter, in payment order.
func (s *Store) ListCrossCheckSuspects(ctx context.Context, q SuspectQuery) ([]CrossCheckSuspect, int, error) {
	var a args
	where := "s.run_id = " + a.add(q.RunID)
	if q.Rule != "" {
		where += " AND s.rule = " + a.add(q.Rule)
	}
	if q.Strength != "" {
		where += " AND s.strength = " + a.add(q.Strength)
	}
	switch q.Verdict {
	case "":
	case "none":
		where += " AND j.id IS NULL"
	default:
		where += " AND j.verdict = " + a.add(q.Verdict)
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*)`+crossCheckSuspectFrom+` WHERE `+where, a.v...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count crosscheck suspects: %w", err)
	}
	pg := q.Page.normal()
	rows, err := s.db.QueryContext(ctx, `SELECT `+crossCheckSuspectCols+crossCheckSuspectFrom+` WHERE `+where+
		` ORDER BY s.pay_list, s.pay_line, s.rule LIMIT `+a.add(pg.Limit)+` OFFSET `+a.add(pg.Offset), a.v...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: crosscheck suspects: %w", err)
	}
	defer rows.Close()
	var out []CrossCheckSuspect
	for rows.Next() {
		x, err := scanCrossCheckSuspect(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("store: crosscheck suspects: %w", err)
		}
		out = append(out, x)
	}
	return out, total, rows.Err()
}

// CrossCheckRuleCounts counts a run's suspects per rule.
func (s *Store) CrossCheckRuleCounts(ctx context.Context, runID int64) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT rule, COUNT(*) FROM crosscheck_suspects WHERE run_id = $1 GROUP BY rule`, runID)
	if err != nil {
		return nil, fmt.Errorf("store: crosscheck rule counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var rule string
		var n int
		if err := rows.Scan(&rule, &n); err != nil {
			return nil, fmt.Errorf("store: crosscheck rule counts: %w", err)
		}
		out[rule] = n
	}
	return out, rows.Err()
}

// GetCrossCheckSuspect returns a suspect with its judgement. Errors: not_found.
func (s *Store) GetCrossCheckSuspect(ctx context.Context, id int64) (CrossCheckSuspect, error) {
	x, err := scanCrossCheckSuspect(s.db.QueryRowContext(ctx, `SELECT `+crossCheckSuspectCols+crossCheckSuspectFrom+` WHERE s.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return x, notFound("page")
	}
	if err != nil {
		return x, fmt.Errorf("store: get crosscheck suspect: %w", err)
	}
	return x, nil
}

// JudgeCrossCheck records (or replaces) the judgement of a suspect key in
// a unit. version is the judgement's current version (0 when there is
// none yet). Errors: conflict (version).
func (s *Store) JudgeCrossCheck(ctx context.Context, a audit.Actor, j CrossCheckJudgement, version int64) (CrossCheckJudgement, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		j.JudgedAt = s.now()
		var before any
		if version == 0 {
			err := tx.QueryRowContext(ctx, `INSERT INTO crosscheck_judgements (unit_path, skey, verdict, note, judged_by, judged_at)
				VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, version`, j.UnitPath, j.Key, j.Verdict, j.Note, nullID(j.JudgedBy),
				ms(j.JudgedAt)).Scan(&j.ID, &j.Version)
			if err != nil {
				return s.mapErr(fmt.Errorf("store: insert crosscheck judgement: %w", err))
			}
		} else {
			var old struct{ Verdict, Note string }
			if err := tx.QueryRowContext(ctx, `SELECT verdict, note FROM crosscheck_judgements WHERE unit_path = $1 AND skey = $2`,
				j.UnitPath, j.Key).Scan(&old.Verdict, &old.Note); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("store: crosscheck judgement: %w", err)
			}
			err := tx.QueryRowContext(ctx, `UPDATE crosscheck_judgements SET verdict = $1, note = $2, judged_by = $3, judged_at = $4,
				version = version + 1 WHERE unit_path = $5 AND skey = $6 AND version = $7 RETURNING id, version`, j.Verdict, j.Note,
				nullID(j.JudgedBy), ms(j.JudgedAt), j.UnitPath, j.Key, version).Scan(&j.ID, &j.Version)
			if errors.Is(err, sql.ErrNoRows) {
				return conflictVersion()
			}
			if err != nil {
				return fmt.Errorf("store: update crosscheck judgement: %w", err)
			}
			before = old
		}
		return s.appendAudit(ctx, tx, a, change{action: "crosscheck_judgement.judge", objectType: "crosscheck_judgement", objectID: j.ID,
			before: before, after: struct {
				ID           int64
				Key, Verdict string
				Note         string
			}{j.ID, j.Key, j.Verdict, j.Note}})
	})
	return j, err
}

// ClaimCrossCheckAction marks a confirmed judgement as being assigned with
// action; ok is false when it already has an action (each judgement is
// assigned at most once) or is no longer confirmed.
func (s *Store) ClaimCrossCheckAction(ctx context.Context, judgementID int64, action string) (bool, error) {
	var ok bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE crosscheck_judgements SET action = $1 WHERE id = $2 AND action = '' AND verdict = 'confirmed'`,
			action, judgementID)
		if err != nil {
			return fmt.Errorf("store: claim crosscheck action: %w", err)
		}
		n, err := res.RowsAffected()
		ok = n == 1
		return err
	})
	return ok, err
}

// ReleaseCrossCheckAction undoes a claim whose clue or rectification could
// not be created.
func (s *Store) ReleaseCrossCheckAction(ctx context.Context, judgementID int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE crosscheck_judgements SET action = '' WHERE id = $1 AND clue_id IS NULL AND rect_id IS NULL`,
			judgementID)
		return err
	})
}

// SetCrossCheckAction records the clue or rectification a claimed
// judgement was assigned with, and the unit it went to.
func (s *Store) SetCrossCheckAction(ctx context.Context, a audit.Actor, judgementID int64, clueID, rectID, unitID int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE crosscheck_judgements SET clue_id = $1, rect_id = $2, assigned_to = $3, assigned_at = $4,
			version = version + 1 WHERE id = $5`, nullID(clueID), nullID(rectID), unitID, ms(s.now()), judgementID)
		if err != nil {
			return fmt.Errorf("store: set crosscheck action: %w", err)
		}
		return s.appendAudit(ctx, tx, a, change{action: "crosscheck_judgement.assign", objectType: "crosscheck_judgement",
			objectID: judgementID, after: map[string]int64{"clue_id": clueID, "rect_id": rectID, "unit_id": unitID}})
	})
}

// CrossCheckRecovery is money recovered on a confirmed suspect.
type CrossCheckRecovery struct {
	ID          int64
	JudgementID int64
	UnitPath    string
	AmountFen   int64
	Day         string // YYYY-MM-DD
	At          time.Time
	Note        string
	CreatedBy   int64
	CreatedAt   time.Time
}

// AddCrossCheckRecovery records money recovered (audited).
func (s *Store) AddCrossCheckRecovery(ctx context.Context, a audit.Actor, r CrossCheckRecovery) (CrossCheckRecovery, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		r.CreatedAt = s.now()
		err := tx.QueryRowContext(ctx, `INSERT INTO crosscheck_recoveries (judgement_id, unit_path, amount_fen, day, recovered_at, note,
			created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, r.JudgementID, r.UnitPath, r.AmountFen, r.Day,
			ms(r.At), r.Note, nullID(r.CreatedBy), ms(r.CreatedAt)).Scan(&r.ID)
		if err != nil {
			return fmt.Errorf("store: insert crosscheck recovery: %w", err)
		}
		return s.appendAudit(ctx, tx, a, change{action: "crosscheck_recovery.create", objectType: "crosscheck_recovery", objectID: r.ID,
			after: r})
	})
	return r, err
}

// ListCrossCheckRecoveries lists the money recovered on a judgement.
func (s *Store) ListCrossCheckRecoveries(ctx context.Context, judgementID int64) ([]CrossCheckRecovery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, judgement_id, unit_path, amount_fen, day, recovered_at, note, COALESCE(created_by, 0),
		created_at FROM crosscheck_recoveries WHERE judgement_id = $1 ORDER BY id`, judgementID)
	if err != nil {
		return nil, fmt.Errorf("store: crosscheck recoveries: %w", err)
	}
	defer rows.Close()
	var out []CrossCheckRecovery
	for rows.Next() {
		var r CrossCheckRecovery
		var at, cr int64
		if err := rows.Scan(&r.ID, &r.JudgementID, &r.UnitPath, &r.AmountFen, &r.Day, &at, &r.Note, &r.CreatedBy, &cr); err != nil {
			return nil, fmt.Errorf("store: crosscheck recoveries: %w", err)
		}
		r.At, r.CreatedAt = fromMS(at), fromMS(cr)
		out = append(out, r)
	}
	return out, rows.Err()
}

// GetCrossCheckJudgement returns a judgement by id. Errors: not_found.
func (s *Store) GetCrossCheckJudgement(ctx context.Context, id int64) (CrossCheckJudgement, error) {
	var j CrossCheckJudgement
	var judged, assigned int64
	err := s.db.QueryRowContext(ctx, `SELECT id, unit_path, skey, verdict, note, COALESCE(judged_by, 0), judged_at, action,
		COALESCE(clue_id, 0), COALESCE(rect_id, 0), COALESCE(assigned_to, 0), assigned_at, version,
		COALESCE((SELECT SUM(x.amount_fen) FROM crosscheck_recoveries x WHERE x.judgement_id = j.id), 0)
		FROM crosscheck_judgements j WHERE id = $1`, id).Scan(&j.ID, &j.UnitPath, &j.Key, &j.Verdict, &j.Note, &j.JudgedBy, &judged,
		&j.Action, &j.ClueID, &j.RectID, &j.AssignedTo, &assigned, &j.Version, &j.RecoveredFen)
	if errors.Is(err, sql.ErrNoRows) {
		return j, notFound("page")
	}
	j.JudgedAt, j.AssignedAt = fromMS(judged), fromMS(assigned)
	return j, err
}

// FindTownshipUnit finds the active township commission under a path
// whose name begins with a township's name (e.g. 城关镇 → 城关镇纪委);
// ok false when none or more than one does.
func (s *Store) FindTownshipUnit(ctx context.Context, under, township string) (id int64, ok bool, err error) {
	township = strings.TrimSpace(township)
	if township == "" {
		return 0, false, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM units WHERE kind = 'township' AND active = $1 AND path >= $2 AND path < $3
		AND (name = $4 OR name LIKE $5 ESCAPE '\') LIMIT 2`, true, under, auth.PrefixUpperBound(under), township,
		strings.TrimSuffix(strings.TrimPrefix(likePattern(township), "%"), "%")+"%")
	if err != nil {
		return 0, false, fmt.Errorf("store: township unit: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, false, err
		}
		ids = append(ids, id)
	}
	if len(ids) != 1 {
		return 0, false, rows.Err()
	}
	return ids[0], true, rows.Err()
}
