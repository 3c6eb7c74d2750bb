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
	"qingfeng/internal/casework"
	"qingfeng/internal/clue"
	"qingfeng/internal/stats"
)

// This file persists the case ledger (案件台账): the case rows, their
// subjects, teams, measures, hand-off events and documents. A case filed
// from a clue holds that clue (clue_hold) from the filing request on; the
// approval of the filing marks the clue filed in the same transaction
// (fileClue), a refusal sends it back (the clue's filing_refused step).

const caseCols = `c.id, c.number, c.year, c.seq, c.ledger_unit_id, c.unit_id, u.name, c.unit_path, c.category, c.cause, c.summary,
	c.clue_id, c.clue_number, c.direct_reason, c.supervision, c.joint, c.area_group_id, c.status, c.merged_into,
	COALESCE(c.proposed_by, 0), c.supplementary_n, c.filed_at, c.review_at, c.decided_at, c.closed_at, c.version, c.created_at,
	c.updated_at, c.subject_path, c.submitted_by`

const caseJoins = ` JOIN units u ON u.id = c.unit_id `

// CaseRow is a case as the ledger stores it: the domain case plus the
// columns the services need besides (the path used for automatic recusal
// in lists, who submitted the investigation report).
type CaseRow struct {
	casework.Case
	SubjectPath string // the first subject's unit path ("" when outside the tree)
	SubmittedBy int64  // who submitted the investigation report awaiting approval
}

func scanCase(sc interface{ Scan(...any) error }) (CaseRow, error) {
	var c CaseRow
	var status string
	var filed, review, decided, closed, cr, up int64
	err := sc.Scan(&c.ID, &c.Number, &c.Year, &c.Seq, &c.LedgerUnitID, &c.LeadUnitID, &c.LeadUnitName, &c.LeadUnitPath, &c.Category,
		&c.Cause, &c.Summary, &c.ClueID, &c.ClueNumber, &c.DirectReason, &c.Supervision, &c.Joint, &c.AreaGroupID, &status,
		&c.MergedInto, &c.ProposedBy, &c.SupplementaryN, &filed, &review, &decided, &closed, &c.Version, &cr, &up, &c.SubjectPath,
		&c.SubmittedBy)
	if err != nil {
		return c, err
	}
	c.Status = casework.Status(status)
	c.FiledAt, c.ReviewAt, c.DecidedAt, c.ClosedAt = fromMS(filed), fromMS(review), fromMS(decided), fromMS(closed)
	c.CreatedAt, c.UpdatedAt = fromMS(cr), fromMS(up)
	return c, nil
}

func getCase(ctx context.Context, q queryer, id int64) (CaseRow, error) {
	c, err := scanCase(q.QueryRowContext(ctx, `SELECT `+caseCols+` FROM cases c`+caseJoins+`WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound("case")
	}
	if err != nil {
		return c, fmt.Errorf("store: get case: %w", err)
	}
	c.Subjects, err = caseSubjects(ctx, q, id)
	return c, err
}

// GetCase returns a case with its subjects (the caller checks
// visibility). Errors: not_found.
func (s *Store) GetCase(ctx context.Context, id int64) (CaseRow, error) {
	return getCase(ctx, s.db, id)
}

const subjectCols = `id, case_id, name, unit_text, post, rank, category, party_member, COALESCE(unit_id, 0), unit_path, outcome, form,
	announced_at, executed_at, reported_at, transferred_at`

func caseSubjects(ctx context.Context, q queryer, caseID int64) ([]casework.Subject, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+subjectCols+` FROM case_subjects WHERE case_id = $1 ORDER BY seq, id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("store: case subjects: %w", err)
	}
	defer rows.Close()
	var out []casework.Subject
	for rows.Next() {
		s, err := scanSubject(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func scanSubject(sc interface{ Scan(...any) error }) (casework.Subject, error) {
	var s casework.Subject
	var outcome string
	var announced, executed, reported, transferred int64
	if err := sc.Scan(&s.ID, &s.CaseID, &s.Name, &s.Unit, &s.Post, &s.Rank, &s.Category, &s.PartyMember, &s.UnitID,
		&s.UnitPath, &outcome, &s.Form, &announced, &executed, &reported, &transferred); err != nil {
		return s, err
	}
	s.AnnouncedAt, s.ExecutedAt, s.ReportedAt, s.TransferredAt = fromMS(announced), fromMS(executed), fromMS(reported),
		fromMS(transferred)
	if outcome != "" {
		var o casework.Outcome
		if err := json.Unmarshal([]byte(outcome), &o); err != nil {
			return s, fmt.Errorf("store: subject %d outcome: %w", s.ID, err)
		}
		s.Outcome = &o
	}
	return s, nil
}

// CaseHoldingClue returns the id of the case that holds a clue (a filing
// request or a filed case), 0 when none does.
func (s *Store) CaseHoldingClue(ctx context.Context, clueID int64) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM cases WHERE clue_hold = $1`, clueID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: case holding clue: %w", err)
	}
	return id, nil
}

// CaseEvent is one hand-off of a case: who did what, from which state to
// which, with a note.
type CaseEvent struct {
	ID         int64
	CaseID     int64
	Action     string
	FromStatus casework.Status
	ToStatus   casework.Status
	UnitID     int64
	UnitName   string
	UserID     int64
	UserName   string
	Note       string
	At         time.Time
}

// NewCase is everything CreateCase writes in one transaction.
type NewCase struct {
	Case       casework.Case
	ShortName  string // the ledger unit's short name for the number
	LedgerPath string
	Event      CaseEvent
	Documents  []casework.Document
	Notify     []Notification
}

// CreateCase records a filing request (立案请示): the case row (holding its
// source clue), subjects, the first event, documents, notifications, the
// case number (per ledger unit and year, allocated last) and the audit
// record, in one transaction. The source clue must await filing. Errors:
// not_found (the clue), conflict "case.clue_not_pending" (the clue is not
// awaiting filing), conflict "case.clue_has_case" (another case holds it).
func (s *Store) CreateCase(ctx context.Context, a audit.Actor, n NewCase) (CaseRow, error) {
	var out CaseRow
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c := n.Case
		now := s.now()
		if c.ClueID != 0 {
			cl, err := getClue(ctx, tx, c.ClueID)
			if err != nil {
				return err
			}
			if cl.Status != clue.StatusCasePending {
				return apperr.New(apperr.Conflict, "case.clue_not_pending")
			}
			c.ClueNumber = cl.Number
		}
		subjectPath := ""
		for _, sj := range c.Subjects {
			if sj.UnitPath != "" {
				subjectPath = sj.UnitPath
				break
			}
		}
		c.Year = now.In(shanghai()).Year()
		err := s.queryRow(ctx, tx, `INSERT INTO cases (number, year, ledger_unit_id, ledger_path, unit_id, unit_path, subject_path,
			category, cause, summary, clue_id, clue_number, clue_hold, direct_reason, supervision, joint, area_group_id, status,
			proposed_by, version, created_at, updated_at)
			VALUES ('', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $12, $13, $14, $15, $16, $17, 1, $18, $18) RETURNING id`,
			c.Year, c.LedgerUnitID, n.LedgerPath, c.LeadUnitID, c.LeadUnitPath, subjectPath, c.Category, c.Cause, c.Summary,
			c.ClueID, c.ClueNumber, c.DirectReason, c.Supervision, c.Joint, c.AreaGroupID, string(c.Status), nullID(c.ProposedBy),
			ms(now)).Scan(&c.ID)
		if err != nil {
			if isUniqueViolation(err) {
				return apperr.Wrap(err, apperr.Conflict, "case.clue_has_case")
			}
			return fmt.Errorf("store: insert case: %w", err)
		}
		for i, sj := range c.Subjects {
			if _, err := s.exec(ctx, tx, `INSERT INTO case_subjects (case_id, seq, name, unit_text, post, rank, category, party_member,
				unit_id, unit_path, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, c.ID, i+1, sj.Name, sj.Unit,
				sj.Post, sj.Rank, sj.Category, sj.PartyMember, nullID(sj.UnitID), sj.UnitPath, ms(now)); err != nil {
				return fmt.Errorf("store: case subject: %w", err)
			}
		}
		ev := n.Event
		ev.ToStatus = c.Status
		if ev.UnitID == 0 {
			ev.UnitID = c.LeadUnitID
		}
		if err := s.insertCaseEvent(ctx, tx, c.ID, ev, now); err != nil {
			return err
		}
		if err := s.insertCaseDocuments(ctx, tx, c.ID, n.Documents, now); err != nil {
			return err
		}
		for _, nt := range n.Notify {
			nt.ObjectType, nt.ObjectID, nt.Link = "case", c.ID, fmt.Sprintf("/cases/%d", c.ID)
			if err := s.notify(ctx, tx, nt); err != nil {
				return err
			}
		}
		// The case number comes last: the counter row stays locked to commit.
		seq, err := s.nextNumber(ctx, tx, c.LedgerUnitID, "case", c.Year)
		if err != nil {
			return err
		}
		c.Seq = int(seq)
		c.Number = casework.Number(n.ShortName, c.Year, c.Seq)
		if _, err := s.exec(ctx, tx, `UPDATE cases SET number = $1, seq = $2 WHERE id = $3`, c.Number, c.Seq, c.ID); err != nil {
			return fmt.Errorf("store: set case number: %w", err)
		}
		out, err = getCase(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, change{action: "case.create", objectType: "case", objectID: c.ID, after: auditCase(out),
			note: map[string]any{"clue_id": c.ClueID, "subjects": len(c.Subjects)}})
	})
	return out, err
}

// auditCase is what the audit log digests for a case: the ledger facts,
// never the summary text (its digest proves change).
func auditCase(c CaseRow) any {
	subjects := make([]string, len(c.Subjects))
	for i, s := range c.Subjects {
		subjects[i] = s.Name + "/" + s.Category
		if s.Outcome != nil {
			subjects[i] += fmt.Sprintf("/form%d", s.Form)
		}
	}
	return struct {
		ID, LedgerUnitID, LeadUnitID, ClueID, AreaGroupID, ProposedBy int64
		Number, Status, Category, Cause                               string
		Supervision, Joint                                            bool
		Subjects                                                      []string
		SummaryDigest                                                 string
	}{c.ID, c.LedgerUnitID, c.LeadUnitID, c.ClueID, c.AreaGroupID, c.ProposedBy, c.Number, string(c.Status), c.Category, c.Cause,
		c.Supervision, c.Joint, subjects, audit.Digest(c.Summary)}
}

func (s *Store) insertCaseEvent(ctx context.Context, tx *sql.Tx, caseID int64, e CaseEvent, now time.Time) error {
	_, err := s.exec(ctx, tx, `INSERT INTO case_events (case_id, action, from_status, to_status, unit_id, user_id, note, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, caseID, e.Action, string(e.FromStatus), string(e.ToStatus), e.UnitID,
		nullID(e.UserID), e.Note, ms(now))
	if err != nil {
		return fmt.Errorf("store: case event: %w", err)
	}
	return nil
}

func (s *Store) insertCaseDocuments(ctx context.Context, tx *sql.Tx, caseID int64, docs []casework.Document, now time.Time) error {
	for _, d := range docs {
		if _, err := s.exec(ctx, tx, `INSERT INTO case_documents (case_id, subject_id, kind, title, body, doc_date, audio_video,
			user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, caseID, d.SubjectID, d.Kind, d.Title, d.Body, d.DocDate,
			d.AudioVideo, nullID(d.UserID), ms(now)); err != nil {
			return fmt.Errorf("store: case document: %w", err)
		}
	}
	return nil
}

// MeasureWrite is a measure taken (ID 0) or changed (extended, ended) in
// a CaseChange, with the clocks it runs: they are stored on object type
// "measure" and the measure's id (known after the insert for a new one).
type MeasureWrite struct {
	Measure  casework.Measure
	Clocks   []Clock
	StopAll  bool // stop every running clock of the measure (it ended)
	CaseLink string
}

// CaseChange is a workflow step on a case, applied at Version from From:
// the new state and columns, the event, clocks of the case to start and
// stop, the team (members added, members ended), measures, documents,
// access grants and revocations, notifications, and the source clue's own
// step (filed, or sent back), with one audit record (Action).
type CaseChange struct {
	ID      int64
	Version int64
	From    casework.Status
	Status  casework.Status
	Action  string         // audit action, e.g. "case.approve_filing"
	Set     map[string]any // column -> value, only from caseSettable
	Event   CaseEvent
	Clocks  []Clock  // clocks to (re)start on this case
	Done    []string // clock codes met now
	DoneAll bool     // stop every running clock of the case (an end state)
	// Team adds members; EndTeam ends the active memberships of these
	// users in the team of kind EndKind (the records are kept).
	Team      []casework.TeamMember
	TeamKind  casework.TeamKind
	EndTeam   []int64
	Measures  []MeasureWrite
	Documents []casework.Document
	Grants    []Access
	Revokes   []Revoke
	Notify    []Notification
	// FileClue marks the source clue filed by this case (approval of the
	// filing); ClueStep applies the clue's own step (a refused filing).
	FileClue bool
	ClueStep *ClueChange
	// Subjects writes subjects' outcomes and execution steps;
	// SubjectClocks starts clocks of subjects (object type "case_subject",
	// ObjectID the subject's id) and SubjectDone stops them by code.
	Subjects      []SubjectWrite
	SubjectClocks []Clock
	SubjectDone   []SubjectStop
	Note          map[string]any
	// The joint quality review, merging, appeals and measure notices
	// (store/case_review.go): findings recorded, a finding resolved, the
	// case merged into another, an appeal received or decided, a measure's
	// family and unit notified.
	Findings  []casework.Finding
	Resolve   *casework.Finding
	MergeInto int64
	Appeal    *casework.Appeal
	Notified  int64 // a measure id: notified_at set, its measure.notify clock met
}

// SubjectWrite changes one subject of the case in a CaseChange: its
// outcome with the derived form (Outcome nil: kept) and the execution
// steps done now (zero: kept).
type SubjectWrite struct {
	ID          int64
	Outcome     *casework.Outcome
	Form        casework.Form
	Announced   time.Time
	Executed    time.Time
	Reported    time.Time
	Transferred time.Time
	// Reexecute clears the execution steps (a decision changed on appeal
	// is announced, executed and reported again).
	Reexecute bool
}

// SubjectStop stops the running clocks with the codes of one subject.
type SubjectStop struct {
	SubjectID int64
	Codes     []string
}

// ObjectSubject is the object type of the clocks of a case's subjects
// (the execution of each subject's decision).
const ObjectSubject = "case_subject"

var caseSettable = map[string]bool{"joint": true, "area_group_id": true, "clue_hold": true, "submitted_by": true,
	"supplementary_n": true, "merged_into": true, "filed_at": true, "review_at": true, "decided_at": true, "closed_at": true}

// UpdateCase applies a workflow step in one transaction with its event,
// clocks, team, measures, documents, access changes, notifications, the
// source clue's step and the audit record. Errors: not_found, conflict
// (stale version or state: "error.conflict.version",
// "case.transition_invalid"), and the clue's errors for its step.
func (s *Store) UpdateCase(ctx context.Context, a audit.Actor, c CaseChange) (CaseRow, error) {
	var out CaseRow
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.applyCaseChange(ctx, tx, a, c)
		return err
	})
	return out, err
}

func (s *Store) applyCaseChange(ctx context.Context, tx *sql.Tx, a audit.Actor, c CaseChange) (CaseRow, error) {
	before, err := getCase(ctx, tx, c.ID)
	if err != nil {
		return before, err
	}
	if c.From != "" && before.Status != c.From {
		return before, apperr.New(apperr.Conflict, "case.transition_invalid")
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
		if !caseSettable[col] {
			return before, fmt.Errorf("store: case column %q is not settable", col)
		}
		if t, ok := v.(time.Time); ok {
			v = ms(t)
		}
		sets = append(sets, col+" = "+ar.add(v))
	}
	res, err := tx.ExecContext(ctx, `UPDATE cases SET `+strings.Join(sets, ", ")+` WHERE id = `+ar.add(c.ID)+
		` AND version = `+ar.add(c.Version), ar.v...)
	if err != nil {
		return before, fmt.Errorf("store: update case: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return before, conflictVersion()
	}
	after, err := getCase(ctx, tx, c.ID)
	if err != nil {
		return after, err
	}
	link := fmt.Sprintf("/cases/%d", c.ID)
	if c.DoneAll {
		err = s.stopClocks(ctx, tx, "case", c.ID, now)
	} else if len(c.Done) > 0 {
		err = s.stopClocks(ctx, tx, "case", c.ID, now, c.Done...)
	}
	if err != nil {
		return after, err
	}
	for _, k := range c.Clocks {
		k.ObjectType, k.ObjectID = "case", c.ID
		if k.Label == "" {
			k.Label = after.Number
		}
		if k.Link == "" {
			k.Link = link
		}
		if err := s.putClock(ctx, tx, k); err != nil {
			return after, err
		}
	}
	if err := s.writeSubjects(ctx, tx, after, c, link, now); err != nil {
		return after, err
	}
	for _, uid := range c.EndTeam {
		if _, err := s.exec(ctx, tx, `UPDATE case_team SET ended_at = $1 WHERE case_id = $2 AND user_id = $3 AND team = $4
			AND ended_at = 0`, ms(now), c.ID, uid, string(c.TeamKind)); err != nil {
			return after, fmt.Errorf("store: end team member: %w", err)
		}
	}
	for _, m := range c.Team {
		from := m.From
		if from.IsZero() {
			from = now
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO case_team (case_id, user_id, role, team, valid_from, valid_to, added_by, added_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.ID, m.UserID, string(m.Role), string(c.TeamKind), ms(from), ms(m.Until),
			nullID(a.UserID), ms(now)); err != nil {
			return after, fmt.Errorf("store: team member: %w", err)
		}
	}
	for _, w := range c.Measures {
		if err := s.writeMeasure(ctx, tx, a, after, w, link, now); err != nil {
			return after, err
		}
	}
	if err := s.insertCaseDocuments(ctx, tx, c.ID, c.Documents, now); err != nil {
		return after, err
	}
	if err := s.applyCaseReview(ctx, tx, a, after, c, now); err != nil {
		return after, err
	}
	if c.MergeInto != 0 {
		if after.Subjects, err = caseSubjects(ctx, tx, c.ID); err != nil {
			return after, err
		}
	}
	for _, r := range c.Revokes {
		if err := s.revokeAccess(ctx, tx, "case", c.ID, r.UserID, r.Kind, now); err != nil {
			return after, err
		}
	}
	for _, g := range c.Grants {
		g.ObjectType, g.ObjectID = "case", c.ID
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
			n.ObjectType, n.ObjectID, n.Link = "case", c.ID, link
		}
		if err := s.notify(ctx, tx, n); err != nil {
			return after, err
		}
	}
	if c.FileClue && after.ClueID != 0 {
		if _, err := s.fileClue(ctx, tx, a, after.ClueID, after.ID, after.Number); err != nil {
			return after, err
		}
	}
	if c.ClueStep != nil {
		if _, err := s.applyClueChange(ctx, tx, a, *c.ClueStep); err != nil {
			return after, err
		}
	}
	if len(c.Subjects) > 0 {
		if after.Subjects, err = caseSubjects(ctx, tx, c.ID); err != nil {
			return after, err
		}
	}
	ev := c.Event
	ev.FromStatus, ev.ToStatus = before.Status, after.Status
	if ev.UnitID == 0 {
		ev.UnitID = after.LeadUnitID
	}
	if err := s.insertCaseEvent(ctx, tx, c.ID, ev, now); err != nil {
		return after, err
	}
	action := c.Action
	if action == "" {
		action = "case." + ev.Action
	}
	return after, s.appendAudit(ctx, tx, a, change{action: action, objectType: "case", objectID: c.ID,
		before: auditCase(before), after: auditCase(after), note: c.Note})
}

// writeSubjects writes the subjects' outcomes, forms and execution steps
// of a change and starts and stops their clocks. Errors: not_found
// "error.not_found.case_subject" (not a subject of the case).
func (s *Store) writeSubjects(ctx context.Context, tx *sql.Tx, cs CaseRow, c CaseChange, link string, now time.Time) error {
	mine := map[int64]bool{}
	for _, sj := range cs.Subjects {
		mine[sj.ID] = true
	}
	for _, w := range c.Subjects {
		if !mine[w.ID] {
			return notFound("case_subject")
		}
		var ar args
		var sets []string
		if w.Outcome != nil {
			b, err := json.Marshal(w.Outcome)
			if err != nil {
				return err
			}
			sets = append(sets, "outcome = "+ar.add(string(b)), "form = "+ar.add(int(w.Form)), "outcome_at = "+ar.add(ms(now)))
			sets = append(sets, figureSets(&ar, stats.FiguresOf(*w.Outcome))...)
		}
		if w.Reexecute {
			sets = append(sets, "announced_at = 0", "executed_at = 0", "reported_at = 0")
		}
		for col, t := range map[string]time.Time{"announced_at": w.Announced, "executed_at": w.Executed, "reported_at": w.Reported,
			"transferred_at": w.Transferred} {
			if !t.IsZero() {
				sets = append(sets, col+" = "+ar.add(ms(t)))
			}
		}
		if len(sets) == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE case_subjects SET `+strings.Join(sets, ", ")+` WHERE id = `+ar.add(w.ID), ar.v...); err != nil {
			return fmt.Errorf("store: update case subject: %w", err)
		}
	}
	for _, st := range c.SubjectDone {
		if !mine[st.SubjectID] {
			return notFound("case_subject")
		}
		if err := s.stopClocks(ctx, tx, ObjectSubject, st.SubjectID, now, st.Codes...); err != nil {
			return err
		}
	}
	for _, k := range c.SubjectClocks {
		if !mine[k.ObjectID] {
			return notFound("case_subject")
		}
		k.ObjectType = ObjectSubject
		if k.Link == "" {
			k.Link = link
		}
		if k.UnitPath == "" {
			k.UnitPath = cs.LeadUnitPath
		}
		if err := s.putClock(ctx, tx, k); err != nil {
			return err
		}
	}
	return nil
}

// writeMeasure inserts a new measure (ID 0) or updates a measure's
// extensions and end, and writes its clocks.
func (s *Store) writeMeasure(ctx context.Context, tx *sql.Tx, a audit.Actor, c CaseRow, w MeasureWrite, link string, now time.Time) error {
	m := w.Measure
	appr, err := json.Marshal(nonNilSlice(m.Approvals))
	if err != nil {
		return err
	}
	exts, err := json.Marshal(nonNilSlice(m.Extensions))
	if err != nil {
		return err
	}
	if m.ID == 0 {
		err = s.queryRow(ctx, tx, `INSERT INTO case_measures (case_id, subject_id, kind, level, started_at, followed_by, approvals,
			extensions, notified_at, audio_video, note, user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			RETURNING id`, c.ID, m.SubjectID, string(m.Kind), string(m.Level), ms(m.StartedAt), string(m.FollowedBy), string(appr),
			string(exts), ms(m.NotifiedAt), m.AudioVideo, m.Note, nullID(a.UserID), ms(now)).Scan(&m.ID)
		if err != nil {
			return fmt.Errorf("store: insert measure: %w", err)
		}
	} else {
		res, err := s.exec(ctx, tx, `UPDATE case_measures SET extensions = $1, ended_at = $2, end_reason = $3, followed_by = $4
			WHERE id = $5 AND case_id = $6`, string(exts), ms(m.EndedAt), m.EndReason, string(m.FollowedBy), m.ID, c.ID)
		if err != nil {
			return fmt.Errorf("store: update measure: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("measure")
		}
	}
	if w.StopAll {
		if err := s.stopClocks(ctx, tx, "measure", m.ID, now); err != nil {
			return err
		}
	}
	for _, k := range w.Clocks {
		k.ObjectType, k.ObjectID = "measure", m.ID
		if k.Link == "" {
			k.Link = link
		}
		if k.UnitPath == "" {
			k.UnitPath = c.LeadUnitPath
		}
		if err := s.putClock(ctx, tx, k); err != nil {
			return err
		}
	}
	return nil
}

func nonNilSlice[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// CaseEvents returns a case's hand-off record, oldest first.
func (s *Store) CaseEvents(ctx context.Context, caseID int64) ([]CaseEvent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT e.id, e.case_id, e.action, e.from_status, e.to_status, e.unit_id, u.name,
		COALESCE(e.user_id, 0), COALESCE(p.name, ''), e.note, e.at FROM case_events e JOIN units u ON u.id = e.unit_id
		LEFT JOIN users us ON us.id = e.user_id LEFT JOIN people p ON p.id = us.person_id WHERE e.case_id = $1 ORDER BY e.id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("store: case events: %w", err)
	}
	defer rows.Close()
	var out []CaseEvent
	for rows.Next() {
		var e CaseEvent
		var from, to string
		var at int64
		if err := rows.Scan(&e.ID, &e.CaseID, &e.Action, &from, &to, &e.UnitID, &e.UnitName, &e.UserID, &e.UserName, &e.Note, &at); err != nil {
			return nil, err
		}
		e.FromStatus, e.ToStatus, e.At = casework.Status(from), casework.Status(to), fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// CaseTeam returns every team record of a case (all teams, ended ones
// included, so eligibility rules see who ever investigated), oldest first.
func (s *Store) CaseTeam(ctx context.Context, caseID int64) ([]casework.TeamMember, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT t.case_id, t.user_id, p.name, p.unit_id, u.name, t.role, t.valid_from, t.valid_to,
		t.ended_at FROM case_team t JOIN users us ON us.id = t.user_id JOIN people p ON p.id = us.person_id
		JOIN units u ON u.id = p.unit_id WHERE t.case_id = $1 ORDER BY t.id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("store: case team: %w", err)
	}
	defer rows.Close()
	var out []casework.TeamMember
	for rows.Next() {
		var m casework.TeamMember
		var role string
		var from, to, ended int64
		if err := rows.Scan(&m.CaseID, &m.UserID, &m.Name, &m.UnitID, &m.UnitName, &role, &from, &to, &ended); err != nil {
			return nil, err
		}
		m.Role, m.From, m.Until, m.EndedAt = casework.Role(role), fromMS(from), fromMS(to), fromMS(ended)
		out = append(out, m)
	}
	return out, rows.Err()
}

// CaseMeasures returns the measures taken in a case, oldest first.
func (s *Store) CaseMeasures(ctx context.Context, caseID int64) ([]casework.Measure, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, case_id, subject_id, kind, level, started_at, ended_at, end_reason, followed_by,
		approvals, extensions, notified_at, audio_video, note FROM case_measures WHERE case_id = $1 ORDER BY started_at, id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("store: case measures: %w", err)
	}
	defer rows.Close()
	var out []casework.Measure
	for rows.Next() {
		var m casework.Measure
		var kind, level, follow, appr, exts string
		var start, end, notified int64
		if err := rows.Scan(&m.ID, &m.CaseID, &m.SubjectID, &kind, &level, &start, &end, &m.EndReason, &follow, &appr, &exts,
			&notified, &m.AudioVideo, &m.Note); err != nil {
			return nil, err
		}
		m.Kind, m.Level, m.FollowedBy = casework.MeasureKind(kind), casework.CommissionLevel(level), casework.MeasureKind(follow)
		m.StartedAt, m.EndedAt, m.NotifiedAt = fromMS(start), fromMS(end), fromMS(notified)
		if err := json.Unmarshal([]byte(appr), &m.Approvals); err != nil {
			return nil, fmt.Errorf("store: measure %d approvals: %w", m.ID, err)
		}
		if err := json.Unmarshal([]byte(exts), &m.Extensions); err != nil {
			return nil, fmt.Errorf("store: measure %d extensions: %w", m.ID, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// CaseDocuments returns the documents recorded on a case, oldest first.
func (s *Store) CaseDocuments(ctx context.Context, caseID int64) ([]casework.Document, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, case_id, subject_id, kind, title, body, doc_date, audio_video,
		COALESCE(user_id, 0), created_at FROM case_documents WHERE case_id = $1 ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("store: case documents: %w", err)
	}
	defer rows.Close()
	var out []casework.Document
	for rows.Next() {
		var d casework.Document
		var at int64
		if err := rows.Scan(&d.ID, &d.CaseID, &d.SubjectID, &d.Kind, &d.Title, &d.Body, &d.DocDate, &d.AudioVideo, &d.UserID, &at); err != nil {
			return nil, err
		}
		d.CreatedAt = fromMS(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// CaseMeasureClocks returns the clocks of a case's measures (object type
// "measure"), oldest first.
func (s *Store) CaseMeasureClocks(ctx context.Context, caseID int64) ([]Clock, error) {
	return s.queryClocks(ctx, s.db, `SELECT `+clockCols+` FROM clocks WHERE object_type = 'measure'
		AND object_id IN (SELECT id FROM case_measures WHERE case_id = $1) ORDER BY started_at, id`, caseID)
}

// CaseSubjectClocks returns the clocks of a case's subjects (object type
// ObjectSubject: the execution of their decisions), oldest first.
func (s *Store) CaseSubjectClocks(ctx context.Context, caseID int64) ([]Clock, error) {
	return s.queryClocks(ctx, s.db, `SELECT `+clockCols+` FROM clocks WHERE object_type = 'case_subject'
		AND object_id IN (SELECT id FROM case_subjects WHERE case_id = $1) ORDER BY started_at, id`, caseID)
}

// CaseFilter narrows the case ledger. Every time bound is [From, To) on
// the filing request's time.
type CaseFilter struct {
	UnitPath string     // the lead unit's subtree ("": the whole scope)
	Area     []AreaTerm // an area group's memberships, on the lead unit and the request time
	AreaSet  bool       // an area filter was asked for (no terms: nothing matches)
	Status   []casework.Status
	Category string
	Overdue  bool // with a running clock of the case, of one of its measures or of one of its subjects past due at Now
	Now      time.Time
	From, To time.Time
	Page     Page
}

func (f CaseFilter) where(sc auth.Scope, acc recordAccess, a *args) string {
	w := []string{recordScopeSQL(sc, acc, "c.id", "c.unit_path", "c.subject_path", a)}
	if f.UnitPath != "" {
		w = append(w, "c.unit_path >= "+a.add(f.UnitPath)+" AND c.unit_path < "+a.add(auth.PrefixUpperBound(f.UnitPath)))
	}
	if f.AreaSet {
		var terms []string
		for _, t := range f.Area {
			term := "(c.unit_path >= " + a.add(t.Path) + " AND c.unit_path < " + a.add(auth.PrefixUpperBound(t.Path)) +
				" AND c.created_at >= " + a.add(ms(t.From))
			if !t.To.IsZero() {
				term += " AND c.created_at < " + a.add(ms(t.To))
			}
			terms = append(terms, term+")")
		}
		if len(terms) == 0 {
			terms = []string{"1 = 0"}
		}
		w = append(w, "("+strings.Join(terms, " OR ")+")")
	}
	if len(f.Status) > 0 {
		ph := make([]string, len(f.Status))
		for i, st := range f.Status {
			ph[i] = a.add(string(st))
		}
		w = append(w, "c.status IN ("+strings.Join(ph, ", ")+")")
	}
	if f.Category != "" {
		w = append(w, "c.category = "+a.add(f.Category))
	}
	if f.Overdue {
		now := a.add(ms(f.Now))
		// Uncorrelated: each set of overdue clocks is read once (through
		// clocks_due) and the cases found by id. Correlated EXISTS made
		// SQLite scan every overdue clock once per case in scope (p95 1.7 s
		// for a county of 1,557 cases; docs/benchmarks.md, issue 5).
		w = append(w, "(c.id IN (SELECT k.object_id FROM clocks k WHERE k.object_type = 'case' AND k.done_at = 0 AND k.due_at < "+now+
			") OR c.id IN (SELECT m.case_id FROM clocks k JOIN case_measures m ON m.id = k.object_id WHERE k.object_type = 'measure' "+
			"AND k.done_at = 0 AND k.due_at < "+now+") OR c.id IN (SELECT sj.case_id FROM clocks k JOIN case_subjects sj ON sj.id = k.object_id "+
			"WHERE k.object_type = 'case_subject' AND k.done_at = 0 AND k.due_at < "+now+"))")
	}
	if !f.From.IsZero() {
		w = append(w, "c.created_at >= "+a.add(ms(f.From)))
	}
	if !f.To.IsZero() {
		w = append(w, "c.created_at < "+a.add(ms(f.To)))
	}
	return strings.Join(w, " AND ")
}

// ListCases lists the cases in scope (the viewer's scope with
// participation and recusal), newest first, and the total. Subjects are
// not loaded (GetCase has them). The page's ids are sorted in a derived
// table and only the page's rows are joined, as for clues.
func (s *Store) ListCases(ctx context.Context, sc auth.Scope, f CaseFilter) ([]CaseRow, int, error) {
	pg := f.Page.normal()
	var a args
	acc, err := s.accessIDs(ctx, sc, "case", s.now())
	if err != nil {
		return nil, 0, err
	}
	where := f.where(sc, acc, &a)
	n := len(a.v)
	q := `SELECT ` + caseCols + ` FROM (SELECT c.id FROM cases c WHERE ` + where + ` ORDER BY c.created_at DESC, c.id DESC LIMIT ` +
		a.add(pg.Limit) + ` OFFSET ` + a.add(pg.Offset) + `) pg JOIN cases c ON c.id = pg.id` + caseJoins +
		`ORDER BY c.created_at DESC, c.id DESC`
	rows, err := s.db.QueryContext(ctx, q, a.v...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list cases: %w", err)
	}
	var out []CaseRow
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("store: scan case: %w", err)
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
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases c WHERE `+where, a.v[:n]...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count cases: %w", err)
	}
	return out, total, nil
}
