package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/casework"
	"qingfeng/internal/clue"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// This file holds the case services (案件): filing from a clue awaiting
// filing or directly, reading with visibility (scope, team participation,
// recusal), the case page and the case ledger's filters. The workflow
// actions are in case_actions.go.

// The clocks of the case workflow (codes in calendar/limits*.json).
const (
	limitReviewFinish      = "review.finish"           // review within 1 month ([R2019] Art. 55)
	limitSupervisionDecide = "supervision_case.decide" // a supervision case's decision within 12 months
	limitWithdrawalReport  = "case.withdrawal_report"  // a withdrawal reported upward
)

// caseData returns the embedded case tables (subject categories, ranks,
// document kinds). Errors: internal when they are broken.
func caseData() (casework.Data, error) {
	d, err := casework.LoadData()
	if err != nil {
		return d, apperr.Wrap(err, apperr.Internal, "error.internal")
	}
	return d, nil
}

// FileCase records a filing request (立案请示, case.file) for a lead unit
// in the caller's scope: from a clue the caller may see that awaits filing
// (clue status case_pending), or directly with a reason. The case is
// numbered in its ledger (the nearest commission or township commission at
// or above the lead unit; e.g. 永纪案〔2026〕12号) and waits for a leader's
// approval (approve_filing), which marks the clue filed in the same
// transaction. A joint case names an area group the lead unit belongs to.
// Errors: forbidden, invalid (field errors, subjects[i].field for
// subjects), not_found (the clue), conflict "case.clue_not_pending" (the
// clue does not await filing) or "case.clue_has_case" (another case holds
// it).
func (a *App) FileCase(ctx context.Context, p auth.Principal, in casework.Input) (store.CaseRow, error) {
	if err := need(p, auth.PermCaseFile); err != nil {
		return store.CaseRow{}, err
	}
	d, err := caseData()
	if err != nil {
		return store.CaseRow{}, err
	}
	var cl clue.Clue
	if in.ClueID > 0 {
		if cl, err = a.GetClue(ctx, p, in.ClueID); err != nil {
			return store.CaseRow{}, err
		}
		if in.Category == "" {
			in.Category = cl.Category
		}
	}
	if err := in.Validate(a.categoryCodes(), d); err != nil {
		return store.CaseRow{}, err
	}
	if in.ClueID > 0 && cl.Status != clue.StatusCasePending {
		return store.CaseRow{}, apperr.New(apperr.Conflict, "case.clue_not_pending")
	}
	lead, err := a.Store.GetUnit(ctx, in.LeadUnitID)
	if err != nil || !lead.Active || lead.Kind == org.KindVillage || !p.ScopeFor(auth.PermCaseFile).Covers(lead.Path) {
		return store.CaseRow{}, apperr.InvalidField("lead_unit_id", "case.lead_unit_invalid")
	}
	ledger := a.receivingUnit(ctx, &auth.Principal{UnitID: lead.ID})
	if ledger == nil {
		return store.CaseRow{}, apperr.InvalidField("lead_unit_id", "case.lead_unit_invalid")
	}
	if in.Joint {
		groups, err := a.areaGroupsOf(ctx, lead.ID)
		if err != nil {
			return store.CaseRow{}, err
		}
		if !slices.ContainsFunc(groups, func(g org.AreaGroup) bool { return g.ID == in.AreaGroupID }) {
			return store.CaseRow{}, apperr.InvalidField("area_group_id", "case.area_group_invalid")
		}
	}
	c := casework.Case{LedgerUnitID: ledger.ID, LeadUnitID: lead.ID, LeadUnitPath: lead.Path, Category: in.Category, Cause: in.Cause,
		Summary: in.Summary, ClueID: in.ClueID, DirectReason: in.DirectReason, Supervision: in.Supervision, Joint: in.Joint,
		AreaGroupID: in.AreaGroupID, Status: casework.StatusFilingReview, ProposedBy: p.UserID}
	for i, s := range in.Subjects {
		sj := casework.Subject{Name: s.Name, Unit: s.Unit, Post: s.Post, Rank: s.Rank, Category: s.Category, PartyMember: s.PartyMember,
			UnitID: s.UnitID}
		if s.UnitID != 0 {
			su, err := a.Store.GetUnit(ctx, s.UnitID)
			if err != nil || !su.Active {
				var v apperr.Validation
				v.Add(fmt.Sprintf("subjects[%d].unit_id", i), "case.subject_unit_invalid")
				return store.CaseRow{}, v.Err()
			}
			sj.UnitPath = su.Path
		}
		c.Subjects = append(c.Subjects, sj)
	}
	note := in.DirectReason
	if cl.ID != 0 {
		note = cl.Number
	}
	return a.Store.CreateCase(ctx, actor(p), store.NewCase{Case: c, ShortName: shortName(*ledger), LedgerPath: ledger.Path,
		Event:     store.CaseEvent{Action: "file", UserID: p.UserID, Note: note},
		Documents: []casework.Document{{Kind: "filing_request", Title: in.Cause, Body: in.Summary, DocDate: a.Today(), UserID: p.UserID}}})
}

// GetCase returns a case the caller may see (case.read): its lead unit in
// the caller's scope or the caller on one of its teams (time-boxed), not
// recused and not inside any subject's unit. Errors: not_found (also for
// cases outside, so their existence is not revealed).
func (a *App) GetCase(ctx context.Context, p auth.Principal, id int64) (store.CaseRow, error) {
	c, err := a.Store.GetCase(ctx, id)
	if err != nil {
		return c, err
	}
	if err := a.Visible(ctx, p, auth.PermCaseRead, "case", id, c.LeadUnitPath, c.SubjectPath, "case"); err != nil {
		return store.CaseRow{}, err
	}
	sc := p.ScopeFor(auth.PermCaseRead)
	for _, s := range c.Subjects {
		if sc.Recused(s.UnitPath) {
			return store.CaseRow{}, apperr.New(apperr.NotFound, "error.not_found.case")
		}
	}
	return c, nil
}

// CaseDetail is a case's page: the case with its subjects, hand-off
// record, team records, measures, clocks of the case, of its measures and
// of its subjects' decisions, documents, participations, and the actions the caller may take now.
type CaseDetail struct {
	Case          store.CaseRow
	Events        []store.CaseEvent
	Team          []casework.TeamMember
	Measures      []casework.Measure
	Clocks        []RecordClock
	MeasureClocks []RecordClock
	SubjectClocks []RecordClock // the clocks of the subjects' decisions (object type store.ObjectSubject)
	Documents     []casework.Document
	Access        []store.Access
	Actions       []casework.Op
	Review        CaseReviewDetail // the checklist, joint review findings, appeals
}

// CaseDetail returns a case's page for a caller who may see it. Errors:
// not_found.
func (a *App) CaseDetail(ctx context.Context, p auth.Principal, id int64) (CaseDetail, error) {
	c, err := a.GetCase(ctx, p, id)
	if err != nil {
		return CaseDetail{}, err
	}
	d := CaseDetail{Case: c}
	if d.Events, err = a.Store.CaseEvents(ctx, id); err != nil {
		return d, err
	}
	if d.Team, err = a.Store.CaseTeam(ctx, id); err != nil {
		return d, err
	}
	if d.Measures, err = a.Store.CaseMeasures(ctx, id); err != nil {
		return d, err
	}
	clocks, err := a.Store.Clocks(ctx, "case", id)
	if err != nil {
		return d, err
	}
	d.Clocks = a.ClockStates(clocks)
	mclocks, err := a.Store.CaseMeasureClocks(ctx, id)
	if err != nil {
		return d, err
	}
	d.MeasureClocks = a.ClockStates(mclocks)
	sclocks, err := a.Store.CaseSubjectClocks(ctx, id)
	if err != nil {
		return d, err
	}
	d.SubjectClocks = a.ClockStates(sclocks)
	if d.Documents, err = a.Store.CaseDocuments(ctx, id); err != nil {
		return d, err
	}
	if d.Access, err = a.Store.RecordAccess(ctx, "case", id); err != nil {
		return d, err
	}
	if d.Review.Checklist, err = casework.Checklist(); err != nil {
		return d, err
	}
	if d.Review.Findings, err = a.Store.CaseFindings(ctx, id); err != nil {
		return d, err
	}
	if d.Review.Appeals, err = a.Store.CaseAppeals(ctx, id); err != nil {
		return d, err
	}
	for _, op := range casework.Ops(c.Status) {
		if !slices.Contains(caseOps(), op) {
			continue
		}
		if rows := casework.Next(c.Status, op); len(rows) > 0 && a.mayActCase(p, c, rows[0], d.Team) == nil {
			d.Actions = append(d.Actions, op)
		}
	}
	return d, nil
}

// CaseQuery is the case ledger's filter as text: lead unit and area group
// ids, states, key field (category), the period of the filing request
// (from/to as YYYY-MM-DD), and overdue (a running clock of the case or of
// a measure past due).
type CaseQuery struct {
	Unit, AreaGroup, Category, From, To string
	Status                              []string
	Overdue                             bool
}

// CaseFilter checks a CaseQuery and builds the store filter: a unit must
// lie in the caller's case.read scope; an area group covers its member
// units over the periods they were members. Errors: invalid with field
// codes, not_found (a unit or area group out of reach).
func (a *App) CaseFilter(ctx context.Context, p auth.Principal, q CaseQuery) (store.CaseFilter, error) {
	var f store.CaseFilter
	var v apperr.Validation
	var err error
	if f.UnitPath, f.Area, f.AreaSet, err = a.placeFilter(ctx, p, auth.PermCaseRead, q.Unit, q.AreaGroup, &v); err != nil {
		return f, err
	}
	for _, s := range q.Status {
		for _, part := range strings.Split(s, ",") {
			if part == "" {
				continue
			}
			if !slices.Contains(casework.Statuses(), casework.Status(part)) {
				v.Add("status", "case.status_invalid")
				break
			}
			f.Status = append(f.Status, casework.Status(part))
		}
	}
	if q.Category != "" {
		if !slices.Contains(a.categoryCodes(), q.Category) {
			v.Add("category", "case.category_invalid")
		}
		f.Category = q.Category
	}
	f.From, f.To = a.periodFilter(&v, q.From, q.To, "case.date_invalid")
	f.Overdue = q.Overdue
	return f, v.Err()
}

// ListCases lists the cases the caller may see (case.read scope with team
// participation and recusal), newest first, with the total. Errors:
// forbidden.
func (a *App) ListCases(ctx context.Context, p auth.Principal, f store.CaseFilter) ([]store.CaseRow, int, error) {
	if !p.Can(auth.PermCaseRead) {
		return nil, 0, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	f.Now = a.Now()
	return a.Store.ListCases(ctx, p.ScopeFor(auth.PermCaseRead), f)
}
