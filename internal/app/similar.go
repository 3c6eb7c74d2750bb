package app

import (
	"context"
	"slices"
	"strings"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/casework"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
	"qingfeng/internal/textclean"
)

// This file holds similar cases (类案) and teaching cases (以案代训): for
// any case the caller may see, the closed cases in the caller's scope with
// the same key field, subject type and facts, with their outcomes so that
// sanctions stay consistent; and the anonymised copies of closed cases that
// case.approve marks for the training of a commission's staff.

// Similar-case limits: the candidates read (the same key field first, then
// the most recently closed) and the matches returned.
const (
	SimilarCandidates = 500
	SimilarLimit      = 10
)

// SimilarCases returns the closed cases most similar to a case the caller
// may see (GetCase), best first, at most SimilarLimit: only closed cases in
// the caller's case.read scope (as ListCases: scope, participation,
// recusal), none inside the caller's own unit by any subject, never the
// case itself. Each match carries the candidate's subjects with their
// outcomes and forms, and the reasons (casework.Reason*). Errors:
// not_found (also for a case out of scope).
func (a *App) SimilarCases(ctx context.Context, p auth.Principal, id int64) (store.CaseRow, []casework.SimilarMatch, error) {
	c, err := a.GetCase(ctx, p, id)
	if err != nil {
		return c, nil, err
	}
	sc := p.ScopeFor(auth.PermCaseRead)
	rows, err := a.Store.SimilarCandidates(ctx, sc, id, c.Category, SimilarCandidates)
	if err != nil {
		return c, nil, err
	}
	cands := make([]casework.Case, 0, len(rows))
	for _, r := range rows {
		recused := false
		for _, s := range r.Subjects {
			recused = recused || sc.Recused(s.UnitPath)
		}
		if !recused {
			cands = append(cands, r.Case)
		}
	}
	return c, casework.RankSimilar(c.Case, cands, SimilarLimit), nil
}

// commissionOf returns the nearest commission (纪委监委) at or above a
// unit: teaching cases belong to it.
func (a *App) commissionOf(ctx context.Context, unitID int64) (org.Unit, error) {
	u, err := a.Store.GetUnit(ctx, unitID)
	if err != nil {
		return u, err
	}
	if u.Kind == org.KindCommission {
		return u, nil
	}
	anc, err := a.Store.Ancestors(ctx, u)
	if err != nil {
		return u, err
	}
	for i := len(anc) - 1; i >= 0; i-- {
		if anc[i].Kind == org.KindCommission {
			return anc[i], nil
		}
	}
	return u, nil
}

// MarkTeaching marks a closed case the caller may see as a teaching case
// (以案代训, case.approve over the case's lead unit): casework.Teach makes
// the anonymised copy with a title and a lesson (note); it belongs to the
// nearest commission at or above the lead unit and is audited. Errors:
// forbidden, not_found, conflict "casesimilar.not_closed" or
// "casesimilar.already_teaching", invalid (title, note).
func (a *App) MarkTeaching(ctx context.Context, p auth.Principal, caseID int64, title, note string) (casework.TeachingCase, error) {
	if err := need(p, auth.PermCaseApprove); err != nil {
		return casework.TeachingCase{}, err
	}
	c, err := a.GetCase(ctx, p, caseID)
	if err != nil {
		return casework.TeachingCase{}, err
	}
	if !p.ScopeFor(auth.PermCaseApprove).Covers(c.LeadUnitPath) {
		return casework.TeachingCase{}, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	t, err := casework.Teach(c.Case, title, note)
	if err != nil {
		return t, err
	}
	comm, err := a.commissionOf(ctx, c.LeadUnitID)
	if err != nil {
		return t, err
	}
	t.UnitID, t.UnitPath, t.MarkedBy = comm.ID, comm.Path, p.UserID
	return a.Store.CreateTeachingCase(ctx, actor(p), t)
}

// teachingVisible reports whether the caller may read a teaching case:
// case.read, and the copy's commission at or above the caller's unit or
// inside the caller's case.read scope.
func teachingVisible(p auth.Principal, t casework.TeachingCase) bool {
	return p.Can(auth.PermCaseRead) && (strings.HasPrefix(p.UnitPath, t.UnitPath) || p.ScopeFor(auth.PermCaseRead).Covers(t.UnitPath))
}

// GetTeachingCase returns a teaching case the caller may read (see
// ListTeachingCases), withdrawn ones included. CaseID is kept only when
// the caller may see the source case; else it is 0. Errors: not_found.
func (a *App) GetTeachingCase(ctx context.Context, p auth.Principal, id int64) (casework.TeachingCase, error) {
	t, err := a.Store.GetTeachingCase(ctx, id)
	if err != nil {
		return t, err
	}
	if !teachingVisible(p, t) {
		return casework.TeachingCase{}, apperr.New(apperr.NotFound, "error.not_found.teaching_case")
	}
	if _, err := a.GetCase(ctx, p, t.CaseID); err != nil {
		t.CaseID = 0
	}
	return t, nil
}

// TeachingCaseOf returns the id of a case's teaching copy in use (0: none)
// for a caller who may see the case. Errors: not_found.
func (a *App) TeachingCaseOf(ctx context.Context, p auth.Principal, caseID int64) (int64, error) {
	if _, err := a.GetCase(ctx, p, caseID); err != nil {
		return 0, err
	}
	return a.Store.TeachingCaseOf(ctx, caseID)
}

// ListTeachingCases lists the teaching cases every staff user with
// case.read may read: those of the commissions at or above the caller's
// unit and of the commissions inside the caller's scope, newest first,
// with the total; withdrawn ones too when asked by case.approve. The
// source case is never named (CaseID 0). Errors: forbidden, invalid
// (category).
func (a *App) ListTeachingCases(ctx context.Context, p auth.Principal, category string, withdrawn bool, pg store.Page) ([]casework.TeachingCase, int, error) {
	if err := need(p, auth.PermCaseRead); err != nil {
		return nil, 0, err
	}
	if category != "" && !slices.Contains(a.categoryCodes(), category) {
		return nil, 0, apperr.InvalidField("category", "case.category_invalid")
	}
	f := store.TeachingFilter{Viewer: p.UnitPath, Category: category, Withdrawn: withdrawn && p.Can(auth.PermCaseApprove), Page: pg}
	rows, total, err := a.Store.ListTeachingCases(ctx, p.ScopeFor(auth.PermCaseRead), f)
	for i := range rows {
		rows[i].CaseID = 0
	}
	return rows, total, err
}

// WithdrawTeaching withdraws a teaching case from use with a reason
// (case.approve over the source case's lead unit); the copy is kept and
// the step audited; the reason is anonymised like the copy. version 0 skips the optimistic check. Errors:
// forbidden, not_found, invalid (reason "casesimilar.reason_required"),
// conflict "casesimilar.withdrawn" or version.
func (a *App) WithdrawTeaching(ctx context.Context, p auth.Principal, id, version int64, reason string) (casework.TeachingCase, error) {
	if err := need(p, auth.PermCaseApprove); err != nil {
		return casework.TeachingCase{}, err
	}
	t, err := a.GetTeachingCase(ctx, p, id)
	if err != nil {
		return t, err
	}
	src, err := a.Store.GetCase(ctx, t.CaseID)
	if t.CaseID == 0 || err != nil || !p.ScopeFor(auth.PermCaseApprove).Covers(src.LeadUnitPath) {
		return casework.TeachingCase{}, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	reason = textclean.Text(reason)
	if reason == "" {
		return casework.TeachingCase{}, apperr.InvalidField("reason", "casesimilar.reason_required")
	}
	if len([]rune(reason)) > casework.MaxReason {
		return casework.TeachingCase{}, apperr.InvalidField("reason", "case.text_too_long")
	}
	names := make([]string, len(src.Subjects))
	for i, sj := range src.Subjects {
		names[i] = sj.Name
	}
	return a.Store.WithdrawTeachingCase(ctx, actor(p), id, version, casework.NewAnonymiser(names).Text(reason))
}
