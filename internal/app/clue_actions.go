package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/calendar"
	"qingfeng/internal/clue"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// This file holds the clue workflow actions: one entry point, ClueAct,
// that looks the action up in the transition table (clue.Workflow), checks
// the permission and the caller's standing on the clue, validates the form
// of the action and applies it as one store.ClueChange (state, columns,
// event, clocks, documents, team, access, notifications, audit).

// ClueAction is an action on a clue with its form. Which fields an action
// reads is said next to each; the rest are ignored.
type ClueAction struct {
	Op      clue.Op
	Version int64 // the version the caller saw (0: the current one)

	UnitID  int64 // propose_assignment, approve_escalation: the handling unit
	OwnerID int64 // propose_assignment, approve_escalation: the owner (a user id)

	Mode        clue.Mode // propose_disposal
	Form        string    // propose_disposal (inquiry): talk or letter
	Team        []int64   // propose_disposal (verification): user ids, leader first, two or more
	Closure     string    // propose_disposal (close): the direct-closure reason
	ShelveUntil string    // propose_disposal (shelve), submit_verification_report (shelve), review_shelved: YYYY-MM-DD
	Level       string    // request_escalation: area_group or county

	Outcome string // submit_inquiry_report: an inquiry outcome; submit_verification_report: a recommendation

	Date          string // record_talk, send_letter, receive_reply, add_measure, record_letter: YYYY-MM-DD
	Text          string // the plan, record, letter, reply, report or reason
	Addressee     string // send_letter, record_letter
	Countersigned bool   // receive_reply: the reply is countersigned by the principal of the person's committee
	MeasureKind   string // add_measure: one of clue.MeasureKinds
	DocKind       string // record_letter: feedback_letter or clarification

	Members []int64 // add_joint_members: users of other units of the area group
	Until   string  // add_joint_members: last day of their participation (YYYY-MM-DD; "" = the joint-term limit)
}

// The clue actions that are not state changes of the table but recorded
// the same way.
const (
	// OpDeclareConflict is a declared conflict of interest (回避): the
	// caller loses access to the clue.
	OpDeclareConflict clue.Op = "declare_conflict"
)

// limitJointTerm is how long a joint member's participation lasts by
// default (a local working rule, in limits_clue.json).
const limitJointTerm = "clue.joint_term"

// ClueAct applies an action to a clue the caller may see. Errors:
// not_found (no such clue in reach), invalid "clue.action_invalid" (an
// unknown action) or field errors of the form, conflict
// "clue.transition_invalid" (not allowed from the clue's state), conflict
// "error.conflict.version" (the clue changed since in.Version), forbidden
// "clue.action_forbidden" (the caller lacks the permission or the
// standing: not the owner, not a team member, the proposer approving),
// conflict "clue.signatures_missing", "clue.not_upper_level".
func (a *App) ClueAct(ctx context.Context, p auth.Principal, id int64, in ClueAction) (clue.Clue, error) {
	c, err := a.GetClue(ctx, p, id)
	if err != nil {
		return c, err
	}
	if in.Op == OpDeclareConflict {
		return a.declareConflict(ctx, p, c, in)
	}
	if !slices.Contains(clueOps(), in.Op) {
		return c, apperr.InvalidField("action", "clue.action_invalid")
	}
	if in.Op == clue.OpMeetingDecision || in.Op == clue.OpFileCase {
		// Decided in a consultation meeting / filed by the case workflow.
		return c, apperr.New(apperr.Conflict, "clue.action_elsewhere")
	}
	rows := clue.Next(c.Status, in.Op)
	if len(rows) == 0 {
		return c, apperr.New(apperr.Conflict, "clue.transition_invalid")
	}
	if err := a.mayAct(ctx, p, c, rows[0]); err != nil {
		return c, err
	}
	in.Text = strings.TrimSpace(in.Text)
	ch := store.ClueChange{ID: c.ID, Version: in.Version, From: c.Status, Action: "clue." + string(in.Op),
		Event: clue.Event{Action: string(in.Op), UserID: p.UserID}, Set: map[string]any{}}
	if in.Op == clue.OpForwardUp {
		return a.forwardUp(ctx, p, c, in, ch)
	}
	to, err := a.clueStep(ctx, p, c, in, rows, &ch)
	if err != nil {
		return c, err
	}
	ch.Status = to
	return a.Store.UpdateClue(ctx, actor(p), ch)
}

// clueOps lists every action of the table once.
func clueOps() []clue.Op {
	var out []clue.Op
	for _, t := range clue.Workflow() {
		if !slices.Contains(out, t.Op) {
			out = append(out, t.Op)
		}
	}
	return out
}

// mayAct checks the permission of the row and the caller's standing on the
// clue: assignment and approval need the permission's scope over the
// clue's unit; handling needs it too, or being the owner, a team member or
// a joint member; the team's own steps need a team member.
func (a *App) mayAct(ctx context.Context, p auth.Principal, c clue.Clue, t clue.Transition) error {
	deny := apperr.New(apperr.Forbidden, "clue.action_forbidden")
	if !p.Can(t.Perm) {
		return deny
	}
	covers := p.ScopeFor(t.Perm).Covers(c.UnitPath)
	switch t.Op {
	case clue.OpAddMeasure, clue.OpSubmitReport, clue.OpSignReport:
		team, err := a.Store.ClueTeam(ctx, c.ID)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(team, func(m clue.TeamMember) bool { return m.UserID == p.UserID }) {
			return deny
		}
		return nil
	}
	if t.Perm != auth.PermClueHandle {
		if !covers {
			return deny
		}
		return nil
	}
	if covers || c.OwnerUserID == p.UserID {
		return nil
	}
	part, _, err := a.Store.AccessOf(ctx, "clue", c.ID, p.UserID, a.Now())
	if err != nil {
		return err
	}
	if !part {
		return deny
	}
	return nil
}

// notProposer refuses approval by the one who proposed (separation of
// duties: a proposal and its approval are two people's acts).
func notProposer(p auth.Principal, c clue.Clue) error {
	if c.Pending != nil && c.Pending.ProposedBy == p.UserID {
		return apperr.New(apperr.Forbidden, "clue.approver_is_proposer")
	}
	return nil
}

// needPending returns the clue's proposal of the given kind.
func needPending(c clue.Clue, op clue.Op) (*clue.Proposal, error) {
	if c.Pending == nil || c.Pending.Op != op {
		return nil, apperr.New(apperr.Conflict, "clue.transition_invalid")
	}
	return c.Pending, nil
}

// pick chooses the table row for a mode and an outcome.
func pick(rows []clue.Transition, mode clue.Mode, outcome string) (clue.Status, error) {
	r, ok := clue.Select(rows, mode, outcome)
	if !ok {
		return "", apperr.New(apperr.Conflict, "clue.transition_invalid")
	}
	return r.To, nil
}

// clueStep fills the change for one action and returns the next state.
func (a *App) clueStep(ctx context.Context, p auth.Principal, c clue.Clue, in ClueAction, rows []clue.Transition, ch *store.ClueChange) (clue.Status, error) {
	now := a.Now()
	propose := func(pr clue.Proposal) {
		pr.Op, pr.ProposedBy, pr.ProposedAt = in.Op, p.UserID, now
		ch.Set["pending"] = &pr
	}
	reason := func() error {
		if in.Text == "" {
			return apperr.InvalidField("text", "clue.reason_required")
		}
		ch.Event.Note = in.Text
		return nil
	}
	doc := func(kind, addressee, date string) {
		ch.Documents = append(ch.Documents, clue.Document{Kind: kind, Body: in.Text, Addressee: addressee, DocDate: date, UserID: p.UserID})
	}
	toProposer := func(key string) {
		if c.Pending != nil && c.Pending.ProposedBy != 0 {
			ch.Notify = append(ch.Notify, store.Notification{UserID: c.Pending.ProposedBy, Title: key + "：" + clueLabel(c), Body: in.Text})
		}
	}
	switch in.Op {
	case clue.OpProposeAssignment:
		unit, owner, err := a.handlerFor(ctx, c, in.UnitID, in.OwnerID, c.LedgerPath)
		if err != nil {
			return "", err
		}
		propose(clue.Proposal{UnitID: unit.ID, OwnerID: owner.UserID, Plan: in.Text})
		ch.Event.Note = unit.Name + " / " + owner.Name
		return rows[0].To, nil

	case clue.OpApproveAssignment, clue.OpApproveEscalation:
		pr, err := needPending(c, map[clue.Op]clue.Op{clue.OpApproveAssignment: clue.OpProposeAssignment,
			clue.OpApproveEscalation: clue.OpRequestEscalation}[in.Op])
		if err != nil {
			return "", err
		}
		if err := notProposer(p, c); err != nil {
			return "", err
		}
		unitID, ownerID, within := pr.UnitID, pr.OwnerID, c.LedgerPath
		if in.Op == clue.OpApproveEscalation {
			unitID, ownerID = in.UnitID, in.OwnerID
			target, err := a.escalationTarget(ctx, c, pr.Level, unitID)
			if err != nil {
				return "", err
			}
			within = target.Path
			ch.Set["escalated"], ch.Set["escalated_at"], ch.Set["escalation_to"] = true, now, pr.Level
			ch.Set["escalation_reason"], ch.Set["escalated_from"] = pr.Reason, c.UnitID
		}
		unit, owner, err := a.handlerFor(ctx, c, unitID, ownerID, within)
		if err != nil {
			return "", err
		}
		ch.Set["unit_id"], ch.Set["unit_path"], ch.Set["owner_user_id"], ch.Set["leader_user_id"] = unit.ID, unit.Path, owner.UserID, p.UserID
		ch.Set["pending"] = (*clue.Proposal)(nil)
		if c.AssignedAt.IsZero() || in.Op == clue.OpApproveEscalation {
			ch.Set["assigned_at"] = now
		}
		ch.MoveClocks, ch.MovePath, ch.MoveOwner = true, unit.Path, owner.UserID
		ch.Event.Note = unit.Name + " / " + owner.Name
		ch.Notify = append(ch.Notify, store.Notification{UserID: owner.UserID, Title: "线索已分办给您：" + clueLabel(c),
			Body: unit.Name})
		return rows[0].To, nil

	case clue.OpRejectAssignment, clue.OpRejectDisposal, clue.OpRejectEscalation, clue.OpReturnInquiry, clue.OpReturnReport:
		if err := reason(); err != nil {
			return "", err
		}
		if err := notProposer(p, c); err != nil && in.Op != clue.OpReturnReport && in.Op != clue.OpReturnInquiry {
			return "", err
		}
		toProposer("退回")
		ch.Set["pending"] = (*clue.Proposal)(nil)
		if in.Op == clue.OpReturnReport {
			ch.ClearSignatures = true
		}
		return rows[0].To, nil

	case clue.OpProposeDisposal:
		return a.proposeDisposal(ctx, p, c, in, rows, ch, propose)

	case clue.OpApproveDisposal:
		pr, err := needPending(c, clue.OpProposeDisposal)
		if err != nil {
			return "", err
		}
		if err := notProposer(p, c); err != nil {
			return "", err
		}
		to, err := pick(rows, pr.Mode, "")
		if err != nil {
			return "", err
		}
		ch.Set["pending"] = (*clue.Proposal)(nil)
		if err := a.startMode(ctx, c, *pr, now, ch); err != nil {
			return "", err
		}
		ch.Event.Note = string(pr.Mode)
		if c.OwnerUserID != 0 {
			ch.Notify = append(ch.Notify, store.Notification{UserID: c.OwnerUserID, Title: "处置意见已批准：" + clueLabel(c)})
		}
		return to, nil

	case clue.OpRequestEscalation:
		if in.Level != clue.EscalateAreaGroup && in.Level != clue.EscalateCounty {
			return "", apperr.InvalidField("level", "clue.escalation_level_invalid")
		}
		if err := reason(); err != nil {
			return "", err
		}
		propose(clue.Proposal{Level: in.Level, Reason: in.Text})
		doc(clue.DocEscalationRequest, "", a.Today())
		return rows[0].To, nil

	case clue.OpRecordTalk, clue.OpSendLetter, clue.OpReceiveReply:
		return a.inquiryStep(c, in, rows, ch, doc)

	case clue.OpSubmitInquiry:
		if !slices.Contains(clue.InquiryOutcomes(), in.Outcome) {
			return "", apperr.InvalidField("outcome", "clue.outcome_invalid")
		}
		if in.Text == "" {
			return "", apperr.InvalidField("text", "clue.text_required")
		}
		propose(clue.Proposal{Outcome: in.Outcome, Plan: in.Text})
		doc(clue.DocInquiryReport, "", a.Today())
		ch.Event.Note = in.Outcome
		return rows[0].To, nil

	case clue.OpApproveInquiry:
		pr, err := needPending(c, clue.OpSubmitInquiry)
		if err != nil {
			return "", err
		}
		if err := notProposer(p, c); err != nil {
			return "", err
		}
		to, err := pick(rows, "", pr.Outcome)
		if err != nil {
			return "", err
		}
		ch.Set["pending"], ch.Set["outcome"], ch.Set["outcome_note"] = (*clue.Proposal)(nil), pr.Outcome, pr.Plan
		ch.Done = []string{limitInquiryReport, limitMassInquiryReport}
		if to == clue.StatusClosed {
			ch.Set["closure"], ch.Set["closed_at"], ch.DoneAll = clue.ClosureAfterCheck, now, true
		}
		ch.Event.Note = pr.Outcome
		return to, nil

	case clue.OpAddMeasure:
		if !slices.Contains(clue.MeasureKinds(), in.MeasureKind) {
			return "", apperr.InvalidField("measure_kind", "clue.measure_invalid")
		}
		day, err := a.pastDate("date", in.Date)
		if err != nil {
			return "", err
		}
		text, err := clue.CleanText("text", in.Text, true, clue.MaxText)
		if err != nil {
			return "", err
		}
		ch.Measures = []clue.Measure{{Kind: in.MeasureKind, TakenOn: day, Description: text, UserID: p.UserID}}
		ch.Event.Note = in.MeasureKind
		return rows[0].To, nil

	case clue.OpExtendVerification:
		if err := reason(); err != nil {
			return "", err
		}
		clocks, err := a.Store.Clocks(ctx, "clue", c.ID)
		if err != nil {
			return "", err
		}
		for _, k := range clocks {
			if k.Code == limitVerification && k.DoneAt.IsZero() {
				k, err = a.ExtendClock(k, calendar.Span{})
				if err != nil {
					return "", err
				}
				ch.Clocks = append(ch.Clocks, k)
			}
		}
		if len(ch.Clocks) == 0 {
			return "", apperr.New(apperr.Conflict, "clue.transition_invalid")
		}
		return rows[0].To, nil

	case clue.OpSubmitReport:
		if !slices.Contains(clue.Recommendations(), in.Outcome) {
			return "", apperr.InvalidField("outcome", "clue.outcome_invalid")
		}
		text, err := clue.CleanText("text", in.Text, true, clue.MaxText)
		if err != nil {
			return "", err
		}
		pr := clue.Proposal{Outcome: in.Outcome, Plan: text}
		if in.Outcome == clue.RecommendShelve {
			if pr.ShelveTo, err = a.futureDate("shelve_until", in.ShelveUntil); err != nil {
				return "", err
			}
		}
		propose(pr)
		doc(clue.DocVerificationRpt, "", a.Today())
		// The submitter signs with the submission; the others sign next.
		ch.ClearSignatures, ch.Sign = true, p.UserID
		ch.Event.Note = in.Outcome
		return rows[0].To, nil

	case clue.OpSignReport:
		ch.Sign = p.UserID
		return rows[0].To, nil

	case clue.OpApproveReport:
		pr, err := needPending(c, clue.OpSubmitReport)
		if err != nil {
			return "", err
		}
		team, err := a.Store.ClueTeam(ctx, c.ID)
		if err != nil {
			return "", err
		}
		for _, m := range team {
			if m.SignedAt.IsZero() {
				return "", apperr.New(apperr.Conflict, "clue.signatures_missing")
			}
		}
		to, err := pick(rows, "", pr.Outcome)
		if err != nil {
			return "", err
		}
		ch.Set["pending"], ch.Set["outcome"], ch.Set["outcome_note"] = (*clue.Proposal)(nil), pr.Outcome, pr.Plan
		ch.Done = []string{limitVerification, limitMassVerification}
		switch to {
		case clue.StatusClosed:
			ch.Set["closure"], ch.Set["closed_at"], ch.DoneAll = clue.ClosureAfterCheck, now, true
		case clue.StatusShelved:
			k, err := a.shelveClock(c, pr.ShelveTo)
			if err != nil {
				return "", err
			}
			ch.Set["shelve_until"], ch.Clocks = pr.ShelveTo, []store.Clock{k}
		}
		ch.Event.Note = pr.Outcome
		return to, nil

	case clue.OpReviewShelved:
		day, err := a.futureDate("shelve_until", in.ShelveUntil)
		if err != nil {
			return "", err
		}
		k, err := a.shelveClock(c, day)
		if err != nil {
			return "", err
		}
		ch.Set["shelve_until"], ch.Clocks, ch.Event.Note = day, []store.Clock{k}, day+" "+in.Text
		return rows[0].To, nil

	case clue.OpReactivate:
		if err := reason(); err != nil {
			return "", err
		}
		ch.Set["shelve_until"], ch.Done = "", []string{limitShelveReview}
		return rows[0].To, nil

	case clue.OpFilingRefused:
		if err := reason(); err != nil {
			return "", err
		}
		// A clue held by a filing request is refused through the case
		// (refuse_filing), which releases it in the same transaction.
		if held, err := a.Store.CaseHoldingClue(ctx, c.ID); err != nil {
			return "", err
		} else if held != 0 {
			return "", apperr.New(apperr.Conflict, "clue.action_elsewhere")
		}
		return rows[0].To, nil

	case clue.OpRecordLetter:
		if c.Closure != clue.ClosureAfterCheck {
			return "", apperr.New(apperr.Conflict, "clue.letter_after_check_only")
		}
		if !slices.Contains(clue.LetterKinds(), in.DocKind) {
			return "", apperr.InvalidField("doc_kind", "clue.doc_kind_invalid")
		}
		day, err := a.pastDate("date", in.Date)
		if err != nil {
			return "", err
		}
		if in.Addressee == "" {
			return "", apperr.InvalidField("addressee", "clue.text_required")
		}
		if _, err := clue.CleanText("text", in.Text, true, clue.MaxText); err != nil {
			return "", err
		}
		doc(in.DocKind, in.Addressee, day)
		ch.Event.Note = in.DocKind + " " + in.Addressee
		return rows[0].To, nil

	case clue.OpAddJointMembers:
		return a.addJointMembers(ctx, p, c, in, rows, ch)
	}
	return "", apperr.New(apperr.Conflict, "clue.transition_invalid")
}

// proposeDisposal checks the form of each mode and records the proposal
// with its plan.
func (a *App) proposeDisposal(ctx context.Context, p auth.Principal, c clue.Clue, in ClueAction, rows []clue.Transition,
	ch *store.ClueChange, propose func(clue.Proposal)) (clue.Status, error) {
	if !in.Mode.Valid() {
		return "", apperr.InvalidField("mode", "clue.mode_invalid")
	}
	text, err := clue.CleanText("text", in.Text, true, clue.MaxText)
	if err != nil {
		return "", err
	}
	pr := clue.Proposal{Mode: in.Mode, Plan: text}
	kind := clue.DocDisposalPlan
	switch in.Mode {
	case clue.ModeInquiry:
		if in.Form != clue.FormTalk && in.Form != clue.FormLetter {
			return "", apperr.InvalidField("form", "clue.form_invalid")
		}
		pr.Form = in.Form
	case clue.ModeVerification:
		team, err := a.checkTeam(ctx, c, in.Team)
		if err != nil {
			return "", err
		}
		pr.Team = team
		kind = clue.DocVerificationPlan
	case clue.ModeShelve:
		if in.ShelveUntil == "" {
			k, err := a.StartClock(ClockSpec{}, limitShelveReview, a.Now())
			if err != nil {
				return "", err
			}
			in.ShelveUntil = k.DueAt.In(a.Loc).Format(time.DateOnly)
		}
		if pr.ShelveTo, err = a.futureDate("shelve_until", in.ShelveUntil); err != nil {
			return "", err
		}
	case clue.ModeClose:
		if !slices.Contains(clue.CloseReasons(), in.Closure) {
			return "", apperr.InvalidField("closure", "clue.closure_invalid")
		}
		pr.Closure = in.Closure
	}
	propose(pr)
	ch.Documents = append(ch.Documents, clue.Document{Kind: kind, Body: text, DocDate: a.Today(), UserID: p.UserID})
	ch.Event.Note = string(in.Mode)
	return rows[0].To, nil
}

// startMode writes what an approved (or meeting-decided) disposal mode
// starts: the mode's columns, its clocks, the verification team with its
// participation, and the end of the disposal clocks.
func (a *App) startMode(ctx context.Context, c clue.Clue, pr clue.Proposal, now time.Time, ch *store.ClueChange) error {
	ch.Set["mode"], ch.Set["disposed_at"] = string(pr.Mode), now
	ch.Done = append(ch.Done, limitClueDisposal, limitMassDisposal)
	spec := ClockSpec{ObjectType: "clue", ObjectID: c.ID, UnitPath: c.UnitPath, Owner: c.OwnerUserID}
	if v, ok := ch.Set["unit_path"].(string); ok {
		spec.UnitPath = v
	}
	if v, ok := ch.Set["owner_user_id"].(int64); ok {
		spec.Owner = v
	}
	switch pr.Mode {
	case clue.ModeInquiry:
		ch.Set["inquiry_form"] = pr.Form
	case clue.ModeVerification:
		codes := []string{limitVerification}
		if c.MassInterest {
			codes = append(codes, limitMassVerification)
		}
		for _, code := range codes {
			k, err := a.StartClock(spec, code, now)
			if err != nil {
				return err
			}
			ch.Clocks = append(ch.Clocks, k)
		}
		ch.Team = nil
		for i, uid := range pr.Team {
			ch.Team = append(ch.Team, clue.TeamMember{UserID: uid, Leader: i == 0})
			ch.Grants = append(ch.Grants, store.Access{UserID: uid, Kind: store.AccessParticipant, Role: "team_member"})
			ch.Notify = append(ch.Notify, store.Notification{UserID: uid, Title: "您已列入初核组：" + clueLabel(c)})
		}
	case clue.ModeShelve:
		k, err := a.shelveClock(c, pr.ShelveTo)
		if err != nil {
			return err
		}
		ch.Set["shelve_until"], ch.Clocks = pr.ShelveTo, append(ch.Clocks, k)
	case clue.ModeClose:
		ch.Set["closure"], ch.Set["closed_at"], ch.Set["outcome"], ch.DoneAll = clue.ClosureDirect, now, pr.Closure, true
	}
	return nil
}

// inquiryStep records a talk, a letter sent or a reply received.
func (a *App) inquiryStep(c clue.Clue, in ClueAction, rows []clue.Transition, ch *store.ClueChange,
	doc func(kind, addressee, date string)) (clue.Status, error) {
	want := map[clue.Op]string{clue.OpRecordTalk: clue.FormTalk, clue.OpSendLetter: clue.FormLetter}[in.Op]
	if want != "" && c.InquiryForm != want {
		return "", apperr.New(apperr.Conflict, "clue.form_mismatch")
	}
	day, err := a.pastDate("date", in.Date)
	if err != nil {
		return "", err
	}
	if _, err := clue.CleanText("text", in.Text, true, clue.MaxText); err != nil {
		return "", err
	}
	at, _ := time.ParseInLocation(time.DateOnly, day, a.Loc)
	spec := ClockSpec{ObjectType: "clue", ObjectID: c.ID, UnitPath: c.UnitPath, Owner: c.OwnerUserID}
	start := func(codes ...string) error {
		for _, code := range codes {
			k, err := a.StartClock(spec, code, at)
			if err != nil {
				return err
			}
			ch.Clocks = append(ch.Clocks, k)
		}
		return nil
	}
	reportCodes := []string{limitInquiryReport}
	if c.MassInterest {
		reportCodes = append(reportCodes, limitMassInquiryReport)
	}
	switch in.Op {
	case clue.OpRecordTalk:
		doc(clue.DocTalkRecord, "", day)
		err = start(reportCodes...)
	case clue.OpSendLetter:
		if strings.TrimSpace(in.Addressee) == "" {
			return "", apperr.InvalidField("addressee", "clue.text_required")
		}
		doc(clue.DocInquiryLetter, in.Addressee, day)
		err = start(limitInquiryReply)
	case clue.OpReceiveReply:
		if !in.Countersigned {
			return "", apperr.InvalidField("countersigned", "clue.countersign_required")
		}
		doc(clue.DocInquiryReply, "", day)
		ch.Done = []string{limitInquiryReply}
		err = start(reportCodes...)
	}
	ch.Event.Note = day
	return rows[0].To, err
}

// handlerFor checks a handling unit and owner: the unit is active, inside
// within (the ledger's commission, or the escalation target) and the
// owner is an active user of that unit's subtree who may handle clues and
// is not inside the subject's unit. Errors: invalid (fields unit_id,
// owner_id).
func (a *App) handlerFor(ctx context.Context, c clue.Clue, unitID, ownerID int64, within string) (org.Unit, auth.Principal, error) {
	u, err := a.Store.GetUnit(ctx, unitID)
	if err != nil || !u.Active || !strings.HasPrefix(u.Path, within) || u.Kind == org.KindVillage {
		return org.Unit{}, auth.Principal{}, apperr.InvalidField("unit_id", "clue.unit_invalid")
	}
	owner, err := a.Store.Principal(ctx, ownerID, a.Today())
	if err != nil || !strings.HasPrefix(owner.UnitPath, u.Path) || !owner.Can(auth.PermClueHandle) {
		return u, owner, apperr.InvalidField("owner_id", "clue.owner_invalid")
	}
	if c.Subject.UnitPath != "" && strings.HasPrefix(owner.UnitPath, c.Subject.UnitPath) {
		return u, owner, apperr.InvalidField("owner_id", "clue.owner_recused")
	}
	return u, owner, nil
}

// checkTeam checks a verification team: two or more distinct active users
// who may handle clues, from the ledger's commission, none inside the
// subject's unit or recused from the clue. Errors: invalid (field team).
func (a *App) checkTeam(ctx context.Context, c clue.Clue, ids []int64) ([]int64, error) {
	var team []int64
	for _, id := range ids {
		if !slices.Contains(team, id) {
			team = append(team, id)
		}
	}
	if len(team) < 2 {
		return nil, apperr.InvalidField("team", "clue.team_too_small")
	}
	for _, id := range team {
		m, err := a.Store.Principal(ctx, id, a.Today())
		if err != nil || !m.Can(auth.PermClueHandle) || !strings.HasPrefix(m.UnitPath, c.LedgerPath) {
			return nil, apperr.InvalidField("team", "clue.team_member_invalid")
		}
		if c.Subject.UnitPath != "" && strings.HasPrefix(m.UnitPath, c.Subject.UnitPath) {
			return nil, apperr.InvalidField("team", "clue.owner_recused")
		}
		if _, recused, err := a.Store.AccessOf(ctx, "clue", c.ID, id, a.Now()); err != nil {
			return nil, err
		} else if recused {
			return nil, apperr.InvalidField("team", "clue.owner_recused")
		}
	}
	return team, nil
}

// escalationTarget checks the unit a clue is escalated to: for the area
// group, a member unit (today) of an area group the clue's unit belongs
// to, other than that unit; for the county, a unit of the county
// commission above the clue's unit that is not a township. Errors:
// invalid (field unit_id).
func (a *App) escalationTarget(ctx context.Context, c clue.Clue, level string, unitID int64) (org.Unit, error) {
	bad := apperr.InvalidField("unit_id", "clue.escalation_target_invalid")
	target, err := a.Store.GetUnit(ctx, unitID)
	if err != nil || !target.Active || target.ID == c.UnitID || strings.HasPrefix(target.Path, c.UnitPath) {
		return org.Unit{}, bad
	}
	switch level {
	case clue.EscalateAreaGroup:
		groups, err := a.areaGroupsOf(ctx, c.UnitID)
		if err != nil {
			return org.Unit{}, err
		}
		for _, g := range groups {
			for _, m := range g.Members {
				if m.UnitID == target.ID {
					return target, nil
				}
			}
		}
	case clue.EscalateCounty:
		cu, err := a.Store.GetUnit(ctx, c.UnitID)
		if err != nil {
			return org.Unit{}, err
		}
		county, err := a.Store.CountyOf(ctx, cu)
		if err == nil && strings.HasPrefix(target.Path, county.Path) && target.Kind != org.KindTownship &&
			target.Kind != org.KindVillage && !strings.HasPrefix(target.Path, c.UnitPath) {
			if ok, err := a.underTownship(ctx, target); err == nil && !ok {
				return target, nil
			}
		}
	}
	return org.Unit{}, bad
}

// underTownship reports whether a unit lies inside a township commission.
func (a *App) underTownship(ctx context.Context, u org.Unit) (bool, error) {
	anc, err := a.Store.Ancestors(ctx, u)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(anc, func(x org.Unit) bool { return x.Kind == org.KindTownship }), nil
}

// areaGroupsOf returns the active area groups a unit belongs to today,
// with their current members.
func (a *App) areaGroupsOf(ctx context.Context, unitID int64) ([]org.AreaGroup, error) {
	ms, err := a.Store.UnitMemberships(ctx, unitID)
	if err != nil {
		return nil, err
	}
	today := a.Today()
	var out []org.AreaGroup
	for _, m := range ms {
		if m.From > today || (m.To != "" && m.To <= today) {
			continue
		}
		g, err := a.Store.GetAreaGroup(ctx, m.AreaGroupID, today)
		if err != nil || !g.Active {
			continue
		}
		out = append(out, g)
	}
	return out, nil
}

// addJointMembers makes a clue jointly handled (联办): named users of other
// member units of the clue's area group take part in it until a day
// (time-boxed participation); they see this clue and nothing else of the
// lead unit. Errors: invalid (fields members, until).
func (a *App) addJointMembers(ctx context.Context, p auth.Principal, c clue.Clue, in ClueAction, rows []clue.Transition,
	ch *store.ClueChange) (clue.Status, error) {
	until, err := a.jointUntil(in.Until)
	if err != nil {
		return "", err
	}
	groups, err := a.areaGroupsOf(ctx, c.UnitID)
	if err != nil {
		return "", err
	}
	lead, err := a.Store.GetUnit(ctx, c.UnitID)
	if err != nil {
		return "", err
	}
	members, units, err := a.jointMembersOf(ctx, c, lead, groups, in.Members)
	if err != nil {
		return "", err
	}
	grantJoint(c, members, units, until, a.Now(), ch)
	ch.Event.Note = strings.Join(names(members), "、")
	return rows[0].To, nil
}

// jointUntil returns the end of a joint participation: the end of the
// given day, or the joint-term limit from now. Errors: invalid (until).
func (a *App) jointUntil(day string) (time.Time, error) {
	if day == "" {
		k, err := a.StartClock(ClockSpec{}, limitJointTerm, a.Now())
		if err != nil {
			return time.Time{}, err
		}
		return k.DueAt, nil
	}
	return a.untilEnd(day)
}

// jointMembersOf checks joint members: one or more active users who may
// handle clues, from member units (today) of the given area groups other
// than the lead unit, not inside the subject's unit and not recused. It
// returns them and their units. Errors: invalid (field members).
func (a *App) jointMembersOf(ctx context.Context, c clue.Clue, lead org.Unit, groups []org.AreaGroup, ids []int64) ([]auth.Principal, []int64, error) {
	bad := apperr.InvalidField("members", "clue.joint_member_invalid")
	if len(ids) == 0 {
		return nil, nil, bad
	}
	var out []auth.Principal
	var units []int64
	for _, id := range ids {
		m, err := a.Store.Principal(ctx, id, a.Today())
		if err != nil || !m.Can(auth.PermClueHandle) || strings.HasPrefix(m.UnitPath, lead.Path) ||
			(c.Subject.UnitPath != "" && strings.HasPrefix(m.UnitPath, c.Subject.UnitPath)) {
			return nil, nil, bad
		}
		if _, recused, err := a.Store.AccessOf(ctx, "clue", c.ID, id, a.Now()); err != nil || recused {
			return nil, nil, bad
		}
		unit := int64(0)
		for _, g := range groups {
			for _, gm := range g.Members {
				if gm.UnitID == lead.ID {
					continue
				}
				if u, err := a.Store.GetUnit(ctx, gm.UnitID); err == nil && strings.HasPrefix(m.UnitPath, u.Path) {
					unit = u.ID
				}
			}
		}
		if unit == 0 {
			return nil, nil, bad
		}
		out = append(out, m)
		if !slices.Contains(units, unit) {
			units = append(units, unit)
		}
	}
	return out, units, nil
}

// grantJoint adds joint members with their units and time-boxed
// participation to a change.
func grantJoint(c clue.Clue, members []auth.Principal, units []int64, until, now time.Time, ch *store.ClueChange) {
	if !c.Joint {
		ch.Set["joint"], ch.Set["joint_at"] = true, now
	}
	ch.JointUnits = append(ch.JointUnits, units...)
	for _, m := range members {
		ch.Grants = append(ch.Grants, store.Access{UserID: m.UserID, Kind: store.AccessParticipant, Role: "joint_member", ValidTo: until})
		ch.Notify = append(ch.Notify, store.Notification{UserID: m.UserID, Title: "您已参与联办线索：" + clueLabel(c)})
	}
}

func names(ps []auth.Principal) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

// forwardUp reports an upper-level clue to the commission above the
// ledger ([R2019] Art. 22): inside the installation it is registered in
// that commission's ledger (source lower_submission, linked) in the same
// transaction that ends this clue as forwarded; when there is no upper
// commission in the installation, the text names the organ it went to.
func (a *App) forwardUp(ctx context.Context, p auth.Principal, c clue.Clue, in ClueAction, ch store.ClueChange) (clue.Clue, error) {
	if !c.UpperLevel {
		return c, apperr.New(apperr.Conflict, "clue.not_upper_level")
	}
	now := a.Now()
	ch.Status = clue.StatusForwarded
	ch.Set["closed_at"], ch.Set["disposed_at"], ch.DoneAll = now, now, true
	ledger, err := a.Store.GetUnit(ctx, c.LedgerUnitID)
	if err != nil {
		return c, err
	}
	upper := a.upperCommission(ctx, ledger)
	if upper == nil {
		if in.Text == "" {
			return c, apperr.InvalidField("text", "clue.forward_to_required")
		}
		ch.Event.Note = in.Text
		return a.Store.UpdateClue(ctx, actor(p), ch)
	}
	desk := a.clueDesk(ctx, *upper)
	disposal, err := a.StartClock(ClockSpec{ObjectType: "clue", UnitPath: desk.Path}, limitClueDisposal, now)
	if err != nil {
		return c, err
	}
	up := clue.Clue{LedgerUnitID: upper.ID, LedgerPath: upper.Path, UnitID: desk.ID, UnitPath: desk.Path,
		Source: clue.SourceLowerSubmission, SourceType: "clue", SourceID: c.ID, SourceRef: c.Number, Title: c.Title, Content: c.Content,
		Subject: c.Subject, Category: c.Category, MassInterest: c.MassInterest, UpperLevel: a.upperLevel(*upper, c.Subject.Level),
		Status: clue.StatusRegistered, ReceivedAt: now, DisposalDueAt: disposal.DueAt}
	ch.Event.Note = strings.TrimSpace(upper.Name + " " + in.Text)
	if _, err := a.Store.CreateClue(ctx, actor(p), store.NewClue{Clue: up, ShortName: shortName(*upper), Clocks: []store.Clock{disposal},
		CreatedBy: p.UserID, Event: clue.Event{Action: "register", UserID: p.UserID, Note: "下级报送 " + c.Number},
		Note: map[string]any{"source_type": "clue", "source_id": c.ID}, Origin: &ch}); err != nil {
		return c, err
	}
	return a.Store.GetClue(ctx, c.ID)
}

// upperCommission is the nearest commission above a ledger unit.
func (a *App) upperCommission(ctx context.Context, u org.Unit) *org.Unit {
	anc, err := a.Store.Ancestors(ctx, u)
	if err != nil {
		return nil
	}
	for i := len(anc) - 1; i >= 0; i-- {
		if anc[i].ID != u.ID && anc[i].Kind == org.KindCommission && anc[i].Active {
			return &anc[i]
		}
	}
	return nil
}

// shelveClock is the periodic-review clock of a shelved clue, due at the
// end of the review day.
func (a *App) shelveClock(c clue.Clue, day string) (store.Clock, error) {
	k, err := a.StartClock(ClockSpec{ObjectType: "clue", ObjectID: c.ID, UnitPath: c.UnitPath, Owner: c.OwnerUserID}, limitShelveReview, a.Now())
	if err != nil {
		return k, err
	}
	d, err := time.ParseInLocation(time.DateOnly, day, a.Loc)
	if err != nil {
		return k, apperr.InvalidField("shelve_until", "clue.date_invalid")
	}
	due := d.AddDate(0, 0, 1).Add(-time.Millisecond).UTC()
	k.RemindAt = due.Add(k.RemindAt.Sub(k.DueAt))
	k.DueAt = due
	return k, nil
}

// pastDate checks a YYYY-MM-DD that is today or earlier. Errors: invalid.
func (a *App) pastDate(field, day string) (string, error) {
	day = strings.TrimSpace(day)
	if day == "" {
		return a.Today(), nil
	}
	if _, err := time.ParseInLocation(time.DateOnly, day, a.Loc); err != nil {
		return "", apperr.InvalidField(field, "clue.date_invalid")
	}
	if day > a.Today() {
		return "", apperr.InvalidField(field, "clue.date_in_future")
	}
	return day, nil
}

// futureDate checks a YYYY-MM-DD that is after today. Errors: invalid.
func (a *App) futureDate(field, day string) (string, error) {
	day = strings.TrimSpace(day)
	if _, err := time.ParseInLocation(time.DateOnly, day, a.Loc); err != nil {
		return "", apperr.InvalidField(field, "clue.date_invalid")
	}
	if day <= a.Today() {
		return "", apperr.InvalidField(field, "clue.date_not_future")
	}
	return day, nil
}

// declareConflict records the caller's conflict of interest with a clue
// (回避): from now on the clue is hidden from the caller, whatever the
// scope. A reason is required.
func (a *App) declareConflict(ctx context.Context, p auth.Principal, c clue.Clue, in ClueAction) (clue.Clue, error) {
	text, err := clue.CleanText("text", in.Text, true, 500)
	if err != nil {
		return c, err
	}
	err = a.Store.RecordClueAccess(ctx, actor(p), c.ID, store.Access{UserID: p.UserID, Kind: store.AccessRecused, Role: "declared",
		Reason: text, GrantedBy: p.UserID}, clue.Event{Action: string(OpDeclareConflict), UserID: p.UserID, Note: "本人申请回避"})
	if err != nil {
		return c, err
	}
	return a.Store.GetClue(ctx, c.ID)
}
