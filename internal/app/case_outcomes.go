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
)

// This file holds the second part of the case workflow (issue 5,
// milestone 2): the review report and the review clock's extension, the
// outcome of every subject with its four form (casework.FormOf), the
// decision, and the execution of each subject's decision (announcement or
// service, execution, the execution report, transfer to the
// procuratorate) up to closing. Every step is one store.CaseChange.

// The clocks of a subject's decision (codes in calendar/limits.json). The
// decision starts them; announcement starts the government sanction's
// execution limit (gov_sanction.execute), counted from service.
const (
	limitSanctionAnnounce = "sanction.announce"         // party sanction announced within 1 month of the decision
	limitSanctionReport   = "sanction.execution_report" // execution reported within 6 months of the decision
	limitGovServe         = "gov_sanction.serve"        // 政务处分 decision served within 1 month
	limitGovExecute       = "gov_sanction.execute"      // 政务处分 executed within 1 month (one extension to 6 months in all)
	limitGovPayChange     = "gov_sanction.pay_change"   // 降级 and heavier: post, rank and pay changed within 1 month
	limitFundsExecute     = "funds.execute"             // confiscation, recovery, restitution executed within 1 month
)

// RecordOutcome records what is proposed or decided for one subject of a
// case (POST /cases/{id}/subjects/{subject_id}/outcomes): in review by an
// active member of the review team (case.review; the proposal the review
// report carries), in decision by a holder of case.approve over the lead
// unit (the standing committee's decision). The outcome is validated with
// casework (government sanctions limited by the subject's category), its
// four form derived with casework.FormOf and stored with it; an outcome
// without any measure records that the subject is explicitly not
// sanctioned. Errors: not_found (case, "error.not_found.case_subject"),
// conflict "case.outcome_closed" (not in review or decision),
// "error.conflict.version", forbidden "case.action_forbidden", invalid with
// field codes ("gov: case.sanction_not_allowed", "party:
// case.party_sanction_not_member", ...).
func (a *App) RecordOutcome(ctx context.Context, p auth.Principal, caseID, subjectID int64, version int64,
	o casework.Outcome) (store.CaseRow, error) {
	c, err := a.GetCase(ctx, p, caseID)
	if err != nil {
		return c, err
	}
	i := slices.IndexFunc(c.Subjects, func(s casework.Subject) bool { return s.ID == subjectID })
	if i < 0 {
		return c, apperr.New(apperr.NotFound, "error.not_found.case_subject")
	}
	deny := apperr.New(apperr.Forbidden, "case.action_forbidden")
	switch c.Status {
	case casework.StatusReview:
		team, err := a.Store.CaseTeam(ctx, caseID)
		if err != nil {
			return c, err
		}
		if !p.Can(auth.PermCaseReview) || !onReviewTeam(team, p.UserID, a.Now()) {
			return c, deny
		}
	case casework.StatusDecision:
		if !p.Can(auth.PermCaseApprove) || !p.ScopeFor(auth.PermCaseApprove).Covers(c.LeadUnitPath) {
			return c, deny
		}
	default:
		return c, apperr.New(apperr.Conflict, "case.outcome_closed")
	}
	d, err := caseData()
	if err != nil {
		return c, err
	}
	s := c.Subjects[i]
	o.SubjectID, o.DecidedAt = s.ID, a.Now()
	if err := o.Validate(s, d); err != nil {
		return c, err
	}
	h := casework.FormOf(o)
	return a.Store.UpdateCase(ctx, actor(p), store.CaseChange{ID: c.ID, Version: version, From: c.Status, Status: c.Status,
		Action: "case.outcome", Event: store.CaseEvent{Action: "outcome", UserID: p.UserID, Note: s.Name},
		Subjects: []store.SubjectWrite{{ID: s.ID, Outcome: &o, Form: h.Form}},
		Note: map[string]any{"subject_id": s.ID, "form": int(h.Form), "heaviest": h.Kind + ":" + h.Code, "party": o.Party,
			"gov": o.Gov, "org": o.Org, "first": o.First, "transferred": o.Transferred, "withdrawn": o.Withdrawn,
			"funds_fen": o.FundsFen(), "returned_fen": o.ReturnedFen}})
}

// onReviewTeam reports whether the user is an active member of the review
// team (leader or reviewer).
func onReviewTeam(team []casework.TeamMember, userID int64, now time.Time) bool {
	for _, m := range team {
		if m.UserID == userID && m.Active(now) && (m.Role == casework.RoleReviewLeader || m.Role == casework.RoleReviewer) {
			return true
		}
	}
	return false
}

// outcomeStep fills the change for the actions of the review report, the
// decision and the execution. ok is false for another action.
func (a *App) outcomeStep(ctx context.Context, p auth.Principal, c store.CaseRow, team []casework.TeamMember, in CaseAction,
	ch *store.CaseChange, reason func() error) (bool, error) {
	doc := func(kind string, subjectID int64) {
		ch.Documents = append(ch.Documents, casework.Document{SubjectID: subjectID, Kind: kind, Body: in.Text, DocDate: a.Today(),
			UserID: p.UserID})
	}
	switch in.Op {
	case casework.OpExtendReview:
		return true, a.extendReview(ctx, c, in, ch, reason)

	case casework.OpSubmitReview:
		if err := reason(); err != nil {
			return true, err
		}
		if err := allDecided(c); err != nil {
			return true, err
		}
		if err := a.openFindings(ctx, c); err != nil {
			return true, err
		}
		doc("review_report", 0)
		ch.Set["submitted_by"] = p.UserID
		return true, nil

	case casework.OpApproveReview:
		if c.SubmittedBy == p.UserID {
			return true, apperr.New(apperr.Forbidden, "case.approver_is_proposer")
		}
		ch.Set["submitted_by"] = int64(0)
		ch.Done = []string{limitReviewFinish}
		ch.Event.Note = in.Text
		return true, nil

	case casework.OpReturnReview, casework.OpReturnDecision:
		if err := reason(); err != nil {
			return true, err
		}
		ch.Set["submitted_by"] = int64(0)
		return true, nil

	case casework.OpDecide:
		return true, a.decide(c, team, p, in, ch)

	case casework.OpAnnounce, casework.OpRecordExecution, casework.OpReportExecution, casework.OpTransfer:
		return true, a.executeStep(c, in, ch, reason, doc)

	case casework.OpClose:
		return true, a.closeCase(ctx, c, in, ch)
	}
	return false, nil
}

// extendReview lengthens the running review clock (review.finish) by an
// explicit span as its limit's extension rule allows (a major or complex
// case, approved; [R2019] Art. 55). Errors: invalid (text, by), conflict
// "case.clock_not_running" and the calendar's extension errors.
func (a *App) extendReview(ctx context.Context, c store.CaseRow, in CaseAction, ch *store.CaseChange, reason func() error) error {
	if err := reason(); err != nil {
		return err
	}
	clocks, err := a.Store.Clocks(ctx, "case", c.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(clocks, func(k store.Clock) bool { return k.Code == limitReviewFinish && k.DoneAt.IsZero() })
	if i < 0 {
		return apperr.New(apperr.Conflict, "case.clock_not_running")
	}
	k, err := a.ExtendClock(clocks[i], in.Extension.By)
	if err != nil {
		return err
	}
	ch.Clocks = append(ch.Clocks, k)
	ch.Documents = append(ch.Documents, casework.Document{Kind: "extension_approval", Title: limitReviewFinish, Body: in.Text,
		DocDate: a.Today()})
	return nil
}

// allDecided checks that every subject has an outcome (one without any
// measure says the subject is not sanctioned). Errors: invalid on
// subjects[i] "case.outcome_missing".
func allDecided(c store.CaseRow) error {
	var v apperr.Validation
	for i, s := range c.Subjects {
		if s.Outcome == nil {
			v.Add("subjects["+strconv.Itoa(i)+"]", "case.outcome_missing")
		}
	}
	return v.Err()
}

// decide fixes the outcomes (the standing committee's decision) and starts
// the clocks of each subject's decision from now: a party sanction's
// announcement (1 month) and execution report (6 months), a government
// sanction's service (1 month) and, from 降级, the change of post and pay,
// and the execution of confiscated, recovered or ordered funds. The
// supervision case's decision clock is met. Errors: invalid on subjects[i]
// "case.outcome_missing", the clocks' errors.
func (a *App) decide(c store.CaseRow, team []casework.TeamMember, p auth.Principal, in CaseAction, ch *store.CaseChange) error {
	if err := allDecided(c); err != nil {
		return err
	}
	now := a.Now()
	owner := leaderOf(team, p.UserID)
	var forms [5]int
	for _, s := range c.Subjects {
		o := *s.Outcome
		o.DecidedAt = now
		ch.Subjects = append(ch.Subjects, store.SubjectWrite{ID: s.ID, Outcome: &o, Form: s.Form})
		forms[s.Form]++
		if err := a.decisionSteps(c, s, o, owner, p, in, ch); err != nil {
			return err
		}
	}
	ch.Set["decided_at"] = now
	ch.Done = []string{limitSupervisionDecide}
	ch.Event.Note = in.Text
	ch.Note = map[string]any{"forms": forms}
	return nil
}

// decisionSteps starts the clocks of one subject's decision from now (a
// party sanction's announcement and execution report, a government
// sanction's service and, from 降级, the change of post and pay, the
// execution of funds) and records its decision document.
func (a *App) decisionSteps(c store.CaseRow, s casework.Subject, o casework.Outcome, owner int64, p auth.Principal, in CaseAction,
	ch *store.CaseChange) error {
	now := a.Now()
	var codes []string
	if o.Party != "" {
		codes = append(codes, limitSanctionAnnounce, limitSanctionReport)
	}
	if o.Gov != "" {
		codes = append(codes, limitGovServe)
		if slices.Index(casework.GovSanctions(), o.Gov) >= slices.Index(casework.GovSanctions(), casework.GovDemotion) {
			codes = append(codes, limitGovPayChange)
		}
	}
	if o.FundsFen() > 0 {
		codes = append(codes, limitFundsExecute)
	}
	for _, code := range codes {
		k, err := a.StartClock(ClockSpec{ObjectType: store.ObjectSubject, ObjectID: s.ID, Label: c.Number + " " + s.Name,
			UnitPath: c.LeadUnitPath, Owner: owner}, code, now)
		if err != nil {
			return err
		}
		ch.SubjectClocks = append(ch.SubjectClocks, k)
	}
	kind := "sanction_decision"
	switch {
	case o.Party == "" && o.Gov != "":
		kind = "gov_sanction_decision"
	case o.Party == "" && len(o.Org) > 0:
		kind = "org_action_decision"
	}
	if !o.Empty() {
		ch.Documents = append(ch.Documents, casework.Document{SubjectID: s.ID, Kind: kind, Title: s.Name, Body: in.Text,
			DocDate: a.Today(), UserID: p.UserID})
	}
	return nil
}

// executeStep records one step of a subject's decision: announce (the
// decision announced or served: its announcement and service clocks are
// met and a government sanction's execution clock starts), record_execution
// (executed: the execution, pay and funds clocks are met; after the
// announcement), report_execution (reported: the execution report clock
// is met; after the execution), transfer_prosecution (an outcome with a
// transfer, once). Errors: invalid (subject_id "case.subject_invalid",
// text), conflict "case.nothing_to_execute" (no measure decided),
// "case.step_done" (already done), "case.step_order" (an earlier step is
// missing), "case.not_transferred" (no transfer decided).
func (a *App) executeStep(c store.CaseRow, in CaseAction, ch *store.CaseChange, reason func() error,
	doc func(string, int64)) error {
	i := slices.IndexFunc(c.Subjects, func(s casework.Subject) bool { return s.ID == in.SubjectID })
	if i < 0 {
		return apperr.InvalidField("subject_id", "case.subject_invalid")
	}
	s := c.Subjects[i]
	if s.Outcome == nil || s.Outcome.Empty() {
		return apperr.New(apperr.Conflict, "case.nothing_to_execute")
	}
	now := a.Now()
	w := store.SubjectWrite{ID: s.ID}
	stop := store.SubjectStop{SubjectID: s.ID}
	switch in.Op {
	case casework.OpAnnounce:
		if !s.AnnouncedAt.IsZero() {
			return apperr.New(apperr.Conflict, "case.step_done")
		}
		w.Announced = now
		stop.Codes = []string{limitSanctionAnnounce, limitGovServe}
		if s.Outcome.Gov != "" {
			k, err := a.StartClock(ClockSpec{ObjectType: store.ObjectSubject, ObjectID: s.ID, Label: c.Number + " " + s.Name,
				UnitPath: c.LeadUnitPath}, limitGovExecute, now)
			if err != nil {
				return err
			}
			ch.SubjectClocks = append(ch.SubjectClocks, k)
		}
		ch.Event.Note = s.Name + " " + in.Text
		doc("announcement_record", s.ID)
	case casework.OpRecordExecution:
		if err := reason(); err != nil {
			return err
		}
		switch {
		case !s.ExecutedAt.IsZero():
			return apperr.New(apperr.Conflict, "case.step_done")
		case s.AnnouncedAt.IsZero():
			return apperr.New(apperr.Conflict, "case.step_order")
		}
		w.Executed = now
		stop.Codes = []string{limitGovExecute, limitGovPayChange, limitFundsExecute}
		ch.Event.Note = s.Name + " " + in.Text
		if s.Outcome.FundsFen() > 0 {
			doc("funds_receipt", s.ID)
		}
	case casework.OpReportExecution:
		if err := reason(); err != nil {
			return err
		}
		switch {
		case !s.ReportedAt.IsZero():
			return apperr.New(apperr.Conflict, "case.step_done")
		case s.ExecutedAt.IsZero():
			return apperr.New(apperr.Conflict, "case.step_order")
		}
		w.Reported = now
		stop.Codes = []string{limitSanctionReport}
		ch.Event.Note = s.Name + " " + in.Text
		doc("execution_report", s.ID)
	case casework.OpTransfer:
		if err := reason(); err != nil {
			return err
		}
		switch {
		case !s.Outcome.Transferred:
			return apperr.New(apperr.Conflict, "case.not_transferred")
		case !s.TransferredAt.IsZero():
			return apperr.New(apperr.Conflict, "case.step_done")
		}
		w.Transferred = now
		ch.Event.Note = s.Name + " " + in.Text
		doc("prosecution_opinion", s.ID)
	}
	ch.Subjects = append(ch.Subjects, w)
	if len(stop.Codes) > 0 {
		ch.SubjectDone = append(ch.SubjectDone, stop)
	}
	return nil
}

// closeCase closes a case (结案) once every subject's decision was
// announced, executed and reported, every decided transfer made, and no
// measure runs. The case's clocks stop. Errors: conflict
// "case.execution_open" (a subject's step is missing; its name in the
// message), "case.measure_running".
func (a *App) closeCase(ctx context.Context, c store.CaseRow, in CaseAction, ch *store.CaseChange) error {
	var open []string
	for _, s := range c.Subjects {
		if s.Outcome == nil || s.Outcome.Empty() {
			continue
		}
		if s.AnnouncedAt.IsZero() || s.ExecutedAt.IsZero() || s.ReportedAt.IsZero() || (s.Outcome.Transferred && s.TransferredAt.IsZero()) {
			open = append(open, s.Name)
		}
	}
	if len(open) > 0 {
		return apperr.New(apperr.Conflict, "case.execution_open", strings.Join(open, "、"))
	}
	running, err := a.runningMeasures(ctx, c.ID)
	if err != nil {
		return err
	}
	if len(running) > 0 {
		return apperr.New(apperr.Conflict, "case.measure_running")
	}
	ch.Set["closed_at"], ch.DoneAll = a.Now(), true
	ch.Event.Note = in.Text
	return nil
}
