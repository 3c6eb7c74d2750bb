package app

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/casework"
	"qingfeng/internal/store"
	"qingfeng/internal/textclean"
)

// This file holds the last part of the case workflow (issue 5): merging a
// case into another (并案), documents recorded by hand with their print
// page, the joint quality review across the area group (案件质量联审) with
// its findings tracked to closure, the procuratorate's returns for
// supplementary investigation, and appeals (申诉) handled by a separate
// team. Every step is one store.CaseChange, like the rest of CaseAct.

// The clocks of this part (codes in calendar/limits.json).
const (
	limitProsecutionSuppl = "supplementary_investigation" // 1 month from the procuratorate's return
	limitAppealClose      = "appeal.close"                // 3 months from the appeal's acceptance
)

// reviewStep fills the change for the actions of this part. ok is false
// for another action.
func (a *App) reviewStep(ctx context.Context, p auth.Principal, c store.CaseRow, team []casework.TeamMember, in CaseAction,
	ch *store.CaseChange, reason func() error) (bool, error) {
	doc := func(kind string, subjectID int64) {
		ch.Documents = append(ch.Documents, casework.Document{SubjectID: subjectID, Kind: kind, Body: in.Text, DocDate: a.Today(),
			UserID: p.UserID})
	}
	switch in.Op {
	case casework.OpMerge:
		return true, a.mergeCase(ctx, p, c, team, in, ch, reason)
	case casework.OpRecordDocument:
		return true, a.recordDocument(ctx, p, c, in, ch)
	case casework.OpJointReview:
		return true, a.jointReview(ctx, p, c, team, in, ch, reason)
	case casework.OpResolveFinding:
		return true, a.resolveFinding(ctx, p, c, in, ch, reason)
	case casework.OpProsecutionReturn:
		if err := reason(); err != nil {
			return true, err
		}
		if !slices.ContainsFunc(c.Subjects, func(s casework.Subject) bool { return !s.TransferredAt.IsZero() }) {
			return true, apperr.New(apperr.Conflict, "case.not_transferred")
		}
		// How often the procuratorate may return a case is the limit's
		// max_starts ([SL2024] Art. 54: twice).
		if most := a.Intake.Limits[limitProsecutionSuppl].MaxStarts; most > 0 && c.SupplementaryN >= most {
			return true, apperr.New(apperr.Conflict, "case.prosecution_returns_exhausted")
		}
		k, err := a.StartClock(a.caseSpec(c, leaderOf(team, p.UserID)), limitProsecutionSuppl, a.Now())
		if err != nil {
			return true, err
		}
		ch.Clocks = append(ch.Clocks, k)
		ch.Set["supplementary_n"] = c.SupplementaryN + 1
		doc("supplementary_request", 0)
		return true, nil
	case casework.OpProsecutionResend:
		if err := reason(); err != nil {
			return true, err
		}
		ch.Done = []string{limitProsecutionSuppl}
		doc("supplementary_report", 0)
		return true, nil
	case casework.OpAcceptAppeal:
		return true, a.acceptAppeal(p, c, in, ch, reason)
	case casework.OpFormAppealTeam:
		return true, a.formAppealTeam(ctx, c, team, in, ch)
	case casework.OpDecideAppeal:
		return true, a.decideAppeal(ctx, p, c, team, in, ch)
	}
	return false, nil
}

// mergeCase merges the case into another case of the same commission's
// ledger under investigation (并案): its subjects, measures (with their
// clocks) and documents move to the target, its team ends and loses
// access, its own clocks stop, and a filing request's clue is filed into
// the target. The caller must see the target and approve over its lead
// unit. Errors: invalid on "target_id" ("case.merge_self",
// "case.merge_target_invalid"), "text"; forbidden "case.action_forbidden".
func (a *App) mergeCase(ctx context.Context, p auth.Principal, c store.CaseRow, team []casework.TeamMember, in CaseAction,
	ch *store.CaseChange, reason func() error) error {
	if err := reason(); err != nil {
		return err
	}
	bad := apperr.InvalidField("target_id", "case.merge_target_invalid")
	if in.TargetID == 0 {
		return bad
	}
	if in.TargetID == c.ID {
		return apperr.InvalidField("target_id", "case.merge_self")
	}
	into, err := a.GetCase(ctx, p, in.TargetID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return bad
	} else if err != nil {
		return err
	}
	if err := casework.CheckMerge(c.ID, c.LedgerUnitID, into.ID, into.LedgerUnitID, into.Status); err != nil {
		return err
	}
	if !p.ScopeFor(auth.PermCaseApprove).Covers(into.LeadUnitPath) {
		return apperr.New(apperr.Forbidden, "case.action_forbidden")
	}
	ch.MergeInto, ch.DoneAll = into.ID, true
	ch.Set["merged_into"], ch.Set["closed_at"], ch.Set["clue_hold"] = into.ID, a.Now(), int64(0)
	ch.TeamKind = casework.TeamInvestigation
	for _, m := range team {
		if m.EndedAt.IsZero() {
			ch.EndTeam = append(ch.EndTeam, m.UserID)
			ch.Revokes = append(ch.Revokes, store.Revoke{UserID: m.UserID, Kind: store.AccessParticipant})
		}
	}
	intoTeam, err := a.Store.CaseTeam(ctx, into.ID)
	if err != nil {
		return err
	}
	link := "/cases/" + strconv.FormatInt(into.ID, 10)
	ch.Notify = append(ch.Notify, store.Notification{UserID: leaderOf(intoTeam, 0), Kind: "assignment", ObjectType: "case",
		ObjectID: into.ID, Link: link, Title: "案件已并入：" + c.Number + " → " + into.Number, Body: in.Text})
	ch.Event.Note = into.Number + " " + in.Text
	ch.Note = map[string]any{"merged_into": into.ID, "merged_into_number": into.Number}
	return nil
}

// recordDocument records a document of the case by hand: a kind of the
// stages the state allows (casework.CheckDocument), optionally about one
// subject, dated, flagged when the step it records was on audio and
// video. A measure notice (measure_notice) naming a running measure
// records that the family and unit were told: the measure's notification
// clock (measure.notify, 24 hours) is met. In appeal only the appeal team
// records documents. Errors: invalid (doc_kind, text, doc_date, title,
// subject_id, measure_id), conflict "case.step_done" (notice already
// recorded).
func (a *App) recordDocument(ctx context.Context, p auth.Principal, c store.CaseRow, in CaseAction, ch *store.CaseChange) error {
	d, err := caseData()
	if err != nil {
		return err
	}
	doc := casework.Document{SubjectID: in.SubjectID, Kind: in.DocKind, Title: textclean.Line(in.Title), Body: in.Text,
		DocDate: strings.TrimSpace(in.DocDate), AudioVideo: in.AudioVideo, UserID: p.UserID}
	if doc.DocDate == "" {
		doc.DocDate = a.Today()
	}
	if err := casework.CheckDocument(d, c.Status, doc, a.Today()); err != nil {
		return err
	}
	if in.SubjectID != 0 && !slices.ContainsFunc(c.Subjects, func(s casework.Subject) bool { return s.ID == in.SubjectID }) {
		return apperr.InvalidField("subject_id", "case.subject_invalid")
	}
	if in.MeasureID != 0 {
		if in.DocKind != "measure_notice" {
			return apperr.InvalidField("measure_id", "case.measure_invalid")
		}
		ms, err := a.Store.CaseMeasures(ctx, c.ID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(ms, func(m casework.Measure) bool { return m.ID == in.MeasureID })
		if i < 0 {
			return apperr.InvalidField("measure_id", "case.measure_invalid")
		}
		if !ms[i].NotifiedAt.IsZero() {
			return apperr.New(apperr.Conflict, "case.step_done")
		}
		ch.Notified = in.MeasureID
		if doc.SubjectID == 0 {
			doc.SubjectID = ms[i].SubjectID
		}
	}
	ch.Documents = append(ch.Documents, doc)
	name := doc.Kind
	for _, k := range d.DocKinds {
		if k.Code == doc.Kind {
			name = k.NameZH
		}
	}
	ch.Event.Note = strings.TrimSpace(name + " " + doc.Title)
	return nil
}

// DocumentPrint is a document with what its print page shows besides: the
// case, the subject's name, who recorded it.
type DocumentPrint struct {
	Case     store.CaseRow
	Document casework.Document
	Subject  string
	Kind     casework.DocKind
}

// CaseDocument returns one document of a case the caller may see, for its
// print-ready page. Errors: not_found (the case, or
// "error.not_found.document").
func (a *App) CaseDocument(ctx context.Context, p auth.Principal, caseID, docID int64) (DocumentPrint, error) {
	c, err := a.GetCase(ctx, p, caseID)
	if err != nil {
		return DocumentPrint{}, err
	}
	docs, err := a.Store.CaseDocuments(ctx, caseID)
	if err != nil {
		return DocumentPrint{}, err
	}
	i := slices.IndexFunc(docs, func(d casework.Document) bool { return d.ID == docID })
	if i < 0 {
		return DocumentPrint{}, apperr.New(apperr.NotFound, "error.not_found.document")
	}
	out := DocumentPrint{Case: c, Document: docs[i]}
	for _, s := range c.Subjects {
		if s.ID == docs[i].SubjectID {
			out.Subject = s.Name
		}
	}
	d, err := caseData()
	if err != nil {
		return out, err
	}
	for _, k := range d.DocKinds {
		if k.Code == docs[i].Kind {
			out.Kind = k
		}
	}
	return out, nil
}

// jointReview records a joint quality review (案件质量联审) organised by the
// review team: the joint reviewers come from other member units of the
// lead unit's area groups, none investigated the case, and they see it
// until in.Until; their findings against the checklist are recorded open,
// and the investigation leader is told. The review report cannot be
// submitted while a finding is open. Errors: invalid on "members"
// ("case.team_member_invalid", "case.team_too_small"), "user_id"
// ("case.reviewer_investigated"), "until" ("case.until_required", the
// date's errors), the findings' fields, "text".
func (a *App) jointReview(ctx context.Context, p auth.Principal, c store.CaseRow, team []casework.TeamMember, in CaseAction,
	ch *store.CaseChange, reason func() error) error {
	if err := reason(); err != nil {
		return err
	}
	items, err := casework.Checklist()
	if err != nil {
		return err
	}
	for i := range in.Findings {
		in.Findings[i].Text = textclean.Text(in.Findings[i].Text)
	}
	if err := casework.CheckFindings(items, in.Findings); err != nil {
		return err
	}
	ids := uniqueIDs(in.Members)
	if len(ids) == 0 {
		return apperr.InvalidField("members", "case.team_too_small")
	}
	if in.Until == "" {
		return apperr.InvalidField("until", "case.until_required")
	}
	until, err := a.untilEnd(in.Until)
	if err != nil {
		return err
	}
	lead, err := a.Store.GetUnit(ctx, c.LeadUnitID)
	if err != nil {
		return err
	}
	groups, err := a.areaGroupsOf(ctx, lead.ID)
	if err != nil {
		return err
	}
	now := a.Now()
	bad := apperr.InvalidField("members", "case.team_member_invalid")
	units := map[int64]int64{}
	var names []string
	for _, id := range ids {
		m, err := a.Store.Principal(ctx, id, a.Today())
		if err != nil || !(m.Can(auth.PermCaseReview) || m.Can(auth.PermCaseHandle)) || strings.HasPrefix(m.UnitPath, lead.Path) ||
			a.groupOf(ctx, groups, lead.ID, m.UnitPath) == 0 {
			return bad
		}
		if err := casework.CheckMember(id, casework.RoleJointReviewer, team); err != nil {
			return err
		}
		for _, s := range c.Subjects {
			if s.UnitPath != "" && strings.HasPrefix(m.UnitPath, s.UnitPath) {
				return apperr.InvalidField("members", "case.member_recused")
			}
		}
		units[id] = m.UnitID
		names = append(names, m.Name)
		active := slices.ContainsFunc(team, func(tm casework.TeamMember) bool {
			return tm.UserID == id && tm.Role == casework.RoleJointReviewer && tm.Active(now)
		})
		if !active {
			ch.Team = append(ch.Team, casework.TeamMember{CaseID: c.ID, UserID: id, Name: m.Name, UnitID: m.UnitID,
				Role: casework.RoleJointReviewer, From: now, Until: until})
		}
		ch.Grants = append(ch.Grants, store.Access{UserID: id, Kind: store.AccessParticipant, Role: string(casework.RoleJointReviewer),
			ValidTo: until})
	}
	ch.TeamKind = casework.TeamReview
	for _, f := range in.Findings {
		rid := f.ReviewerID
		if rid == 0 {
			rid = ids[0]
		}
		if !slices.Contains(ids, rid) {
			return apperr.InvalidField("findings", "case.team_member_invalid")
		}
		ch.Findings = append(ch.Findings, casework.Finding{Item: f.Item, Text: f.Text, ReviewerID: rid, UnitID: units[rid]})
	}
	ch.Documents = append(ch.Documents, casework.Document{Kind: "quality_checklist", Title: strings.Join(names, "、"), Body: in.Text,
		DocDate: a.Today(), UserID: p.UserID})
	if len(in.Findings) > 0 {
		ch.Notify = append(ch.Notify, store.Notification{UserID: leaderOf(team, 0), Kind: "decision",
			Title: "案件质量联审发现问题 " + strconv.Itoa(len(in.Findings)) + " 项：" + c.Number, Body: in.Text})
	}
	ch.Event.Note = strings.Join(names, "、") + "：" + strconv.Itoa(len(in.Findings)) + " " + in.Text
	ch.Note = map[string]any{"joint_reviewers": ids, "findings": len(in.Findings)}
	return nil
}

// resolveFinding records how the investigation team put an open finding
// right; the joint reviewer who found it is told. Errors: invalid on
// "finding_id" ("case.finding_invalid": not an open finding of the case),
// "text".
func (a *App) resolveFinding(ctx context.Context, p auth.Principal, c store.CaseRow, in CaseAction, ch *store.CaseChange,
	reason func() error) error {
	if err := reason(); err != nil {
		return err
	}
	fs, err := a.Store.CaseFindings(ctx, c.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(fs, func(f casework.Finding) bool { return f.ID == in.FindingID && f.Open() })
	if i < 0 {
		return apperr.InvalidField("finding_id", "case.finding_invalid")
	}
	ch.Resolve = &casework.Finding{ID: fs[i].ID, Resolution: in.Text, ResolvedBy: p.UserID}
	ch.Notify = append(ch.Notify, store.Notification{UserID: fs[i].ReviewerID, Kind: "decision", Title: "评查问题已整改：" + c.Number,
		Body: in.Text})
	ch.Note = map[string]any{"finding_id": fs[i].ID, "item": fs[i].Item}
	return nil
}

// openFindings refuses the review report while a joint review finding is
// open. Errors: conflict "case.findings_open".
func (a *App) openFindings(ctx context.Context, c store.CaseRow) error {
	fs, err := a.Store.CaseFindings(ctx, c.ID)
	if err != nil {
		return err
	}
	if n := len(casework.OpenFindings(fs)); n > 0 {
		return apperr.New(apperr.Conflict, "case.findings_open", strconv.Itoa(n))
	}
	return nil
}

// acceptAppeal receives an appeal of a subject against the decision of a
// closed case; the appeal clock (appeal.close, 3 months) starts. Errors:
// invalid on "subject_id" ("case.subject_invalid": not a subject with a
// decision), "text" (the appeal's content).
func (a *App) acceptAppeal(p auth.Principal, c store.CaseRow, in CaseAction, ch *store.CaseChange, reason func() error) error {
	if err := reason(); err != nil {
		return err
	}
	i := slices.IndexFunc(c.Subjects, func(s casework.Subject) bool { return s.ID == in.SubjectID })
	if i < 0 || c.Subjects[i].Outcome == nil || c.Subjects[i].Outcome.Empty() {
		return apperr.InvalidField("subject_id", "case.subject_invalid")
	}
	k, err := a.StartClock(a.caseSpec(c, p.UserID), limitAppealClose, a.Now())
	if err != nil {
		return err
	}
	ch.Clocks = append(ch.Clocks, k)
	ch.Appeal = &casework.Appeal{SubjectID: in.SubjectID, Content: in.Text, UserID: p.UserID}
	ch.Documents = append(ch.Documents, casework.Document{SubjectID: in.SubjectID, Kind: "appeal_letter", Title: c.Subjects[i].Name,
		Body: in.Text, DocDate: a.Today(), UserID: p.UserID})
	ch.Event.Note = c.Subjects[i].Name + " " + in.Text
	return nil
}

// formAppealTeam forms the separate appeal team ([R2019] Art. 59): two or
// more people who may review or investigate in the case's commission, the
// leader first, none of whom investigated or reviewed the case. A former
// appeal team ends. Errors: invalid on "members"
// ("case.team_member_invalid", "case.team_too_small"), "user_id"
// ("case.appeal_member_involved").
func (a *App) formAppealTeam(ctx context.Context, c store.CaseRow, team []casework.TeamMember, in CaseAction, ch *store.CaseChange) error {
	ids := uniqueIDs(in.Members)
	if len(ids) < 2 {
		return apperr.InvalidField("members", "case.team_too_small")
	}
	now := a.Now()
	var members []casework.TeamMember
	var names []string
	for i, id := range ids {
		m, err := a.Store.Principal(ctx, id, a.Today())
		if err != nil || !(m.Can(auth.PermCaseReview) || m.Can(auth.PermCaseHandle)) ||
			!m.ScopeFor(auth.PermCaseRead).Covers(c.LeadUnitPath) && !strings.HasPrefix(m.UnitPath, c.LeadUnitPath) {
			return apperr.InvalidField("members", "case.team_member_invalid")
		}
		role := casework.RoleAppealMember
		if i == 0 {
			role = casework.RoleAppealLeader
		}
		if err := casework.CheckMember(id, role, team); err != nil {
			return err
		}
		members = append(members, casework.TeamMember{CaseID: c.ID, UserID: id, Name: m.Name, UnitID: m.UnitID, Role: role, From: now})
		ch.Grants = append(ch.Grants, store.Access{UserID: id, Kind: store.AccessParticipant, Role: string(role)})
		ch.Notify = append(ch.Notify, store.Notification{UserID: id, Kind: "assignment", Title: "您已加入申诉复查组：" + c.Number})
		names = append(names, m.Name)
	}
	if err := casework.CheckTeam(casework.TeamAppeal, members, now); err != nil {
		return err
	}
	ch.TeamKind, ch.Team = casework.TeamAppeal, members
	for _, m := range team {
		if m.Role.Appeals() && m.EndedAt.IsZero() {
			ch.EndTeam = append(ch.EndTeam, m.UserID)
			ch.Revokes = append(ch.Revokes, store.Revoke{UserID: m.UserID, Kind: store.AccessParticipant})
		}
	}
	ch.Event.Note = strings.Join(names, "、")
	return nil
}

// decideAppeal records the appeal decision on the open appeal, once the
// appeal team is formed: upheld (the case stays closed), revoked (the
// subject's outcome is withdrawn: counted nowhere any more) or changed
// (the new outcome validates for the subject, its four form derived, and
// it is announced, executed and reported again: the case goes back to
// execution with the decision's clocks). The appeal clock is met and the
// appeal team ends. Errors: invalid (appeal_outcome, text, outcome and the
// outcome's fields), conflict "case.appeal_team_missing".
func (a *App) decideAppeal(ctx context.Context, p auth.Principal, c store.CaseRow, team []casework.TeamMember, in CaseAction,
	ch *store.CaseChange) error {
	if err := casework.CheckAppealDecision(in.AppealOutcome, in.Text, in.Outcome); err != nil {
		return err
	}
	now := a.Now()
	if casework.CheckTeam(casework.TeamAppeal, team, now) != nil {
		return apperr.New(apperr.Conflict, "case.appeal_team_missing")
	}
	appeals, err := a.Store.CaseAppeals(ctx, c.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(appeals, func(ap casework.Appeal) bool { return ap.DecidedAt.IsZero() })
	if i < 0 {
		return apperr.New(apperr.Conflict, "case.transition_invalid")
	}
	ap := appeals[i]
	j := slices.IndexFunc(c.Subjects, func(s casework.Subject) bool { return s.ID == ap.SubjectID })
	if j < 0 {
		return apperr.New(apperr.NotFound, "error.not_found.case_subject")
	}
	s := c.Subjects[j]
	switch in.AppealOutcome {
	case casework.AppealRevoked:
		o := casework.Outcome{SubjectID: s.ID, Withdrawn: true, Note: in.Text, DecidedAt: now}
		ch.Subjects = append(ch.Subjects, store.SubjectWrite{ID: s.ID, Outcome: &o, Form: casework.FormNone})
	case casework.AppealChanged:
		d, err := caseData()
		if err != nil {
			return err
		}
		o := *in.Outcome
		o.SubjectID, o.DecidedAt = s.ID, now
		if err := o.Validate(s, d); err != nil {
			return err
		}
		h := casework.FormOf(o)
		ch.Subjects = append(ch.Subjects, store.SubjectWrite{ID: s.ID, Outcome: &o, Form: h.Form, Reexecute: true})
		if err := a.decisionSteps(c, s, o, p.UserID, p, in, ch); err != nil {
			return err
		}
		ch.Set["closed_at"] = int64(0)
	}
	ch.Appeal = &casework.Appeal{ID: ap.ID, Outcome: in.AppealOutcome, Decision: in.Text}
	ch.Done = []string{limitAppealClose}
	ch.Documents = append(ch.Documents, casework.Document{SubjectID: s.ID, Kind: "appeal_decision", Title: s.Name, Body: in.Text,
		DocDate: a.Today(), UserID: p.UserID})
	ch.TeamKind = casework.TeamAppeal
	for _, m := range team {
		if m.Role.Appeals() && m.EndedAt.IsZero() {
			ch.EndTeam = append(ch.EndTeam, m.UserID)
			ch.Revokes = append(ch.Revokes, store.Revoke{UserID: m.UserID, Kind: store.AccessParticipant})
		}
	}
	ch.Event.Note = s.Name + " " + in.Text
	ch.Note = map[string]any{"appeal_id": ap.ID, "outcome": in.AppealOutcome, "subject_id": s.ID}
	return nil
}

// CaseReviewDetail is what the case page shows of this part: the
// checklist, the joint review findings and the appeals.
type CaseReviewDetail struct {
	Checklist []casework.CheckItem
	Findings  []casework.Finding
	Appeals   []casework.Appeal
}

// uniqueIDs returns the ids in their order, each once.
func uniqueIDs(in []int64) []int64 {
	var out []int64
	for _, id := range in {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// untilEnd reads a last day of participation (YYYY-MM-DD, today or
// later) as the instant it ends: the start of the next day. Errors: the
// date's ("until").
func (a *App) untilEnd(s string) (time.Time, error) {
	day, err := a.futureDate("until", s)
	if err != nil {
		return time.Time{}, err
	}
	t, _ := time.ParseInLocation(time.DateOnly, day, a.Loc)
	return t.AddDate(0, 0, 1), nil
}
