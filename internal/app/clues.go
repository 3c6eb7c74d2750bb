package app

import (
	"context"
	"fmt"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/clue"
	"qingfeng/internal/intake"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// This file holds the clue services (问题线索): registration from any
// source, reading with visibility (scope, participation, recusal), the
// workflow actions (clue_actions.go), the ledger and its reconciliation
// (clue_ledger.go) and the consultation meetings (meetings.go).

// The clocks of the clue workflow (codes in calendar/limits*.json).
const (
	limitClueDisposal      = "clue.disposal"       // disposal opinion within 1 month of receipt ([R2019] Art. 21)
	limitInquiryReply      = "inquiry.reply"       // written reply within 15 working days
	limitInquiryReport     = "inquiry.report"      // report within 1 month of the talk or reply
	limitVerification      = "verification.finish" // legacy default: 2 months (+1)
	limitMassDisposal      = "clue.mass.disposal"  // local targets for 群众身边 clues
	limitMassInquiryReport = "clue.mass.inquiry_report"
	limitMassVerification  = "clue.mass.verification"
	limitShelveReview      = "clue.shelve_review" // periodic review of shelved clues
	limitDecisionDue       = "clue.decision_due"  // due date set by a consultation meeting
)

// clueLimits are the limit codes the clue services start; tests check that
// each exists.
var clueLimits = []string{limitClueDisposal, limitInquiryReply, limitInquiryReport, limitVerification, limitMassDisposal,
	limitMassInquiryReport, limitMassVerification, limitShelveReview, limitDecisionDue, limitJointTerm}

// ClueLimits returns the limit codes the clue workflow uses.
func ClueLimits() []string { return append([]string(nil), clueLimits...) }

// ClueSources returns the clue sources (clue/sources.json), in display
// order. Errors: internal when the embedded table is broken.
func (a *App) ClueSources() ([]clue.Source, error) {
	s, err := clue.Sources()
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "error.internal")
	}
	return s, nil
}

func (a *App) categoryCodes() []string {
	out := make([]string, 0, len(a.Intake.Categories))
	for _, c := range a.Intake.Categories {
		out = append(out, c.Code)
	}
	return out
}

func levelCodes() []string {
	var out []string
	for _, l := range intake.Levels() {
		out = append(out, string(l))
	}
	return out
}

// clueLedger resolves the ledger a clue is registered in: the given unit
// (a commission or township commission the caller's clue.register scope
// covers) or the caller's own commission (the nearest township commission
// or commission at or above the caller's unit). Errors: invalid (field
// ledger_unit_id), forbidden (the caller belongs to no commission).
func (a *App) clueLedger(ctx context.Context, p auth.Principal, id int64) (org.Unit, error) {
	if id == 0 {
		u := a.receivingUnit(ctx, &p)
		if u == nil {
			return org.Unit{}, apperr.New(apperr.Forbidden, "error.forbidden")
		}
		return *u, nil
	}
	u, err := a.Store.GetUnit(ctx, id)
	if err != nil || !u.Active || (u.Kind != org.KindCommission && u.Kind != org.KindTownship) ||
		!p.ScopeFor(auth.PermClueRegister).Covers(u.Path) {
		return org.Unit{}, apperr.InvalidField("ledger_unit_id", "clue.ledger_invalid")
	}
	return u, nil
}

// clueDesk is where a new clue waits for assignment: a commission's case
// management office (案管, [R2019] Art. 20), or the ledger unit itself (a
// township commission, or a commission without one).
func (a *App) clueDesk(ctx context.Context, ledger org.Unit) org.Unit {
	if ledger.Kind == org.KindCommission {
		if u, err := a.Store.ChildOfKind(ctx, ledger.ID, org.KindCaseManagement); err == nil && u.Active {
			return u
		}
	}
	return ledger
}

func shortName(u org.Unit) string {
	if u.ShortName != "" {
		return u.ShortName
	}
	for _, r := range u.Name {
		return string(r)
	}
	return ""
}

// RegisterClue registers a clue from any source (clue.register) in the
// caller's commission's ledger (or in.LedgerUnitID): it gets the next
// ledger number of its unit and year (e.g. 永纪线〔2026〕15号), waits at the
// commission's case management office for assignment, and starts the
// disposal clock (1 month, [R2019] Art. 21; plus the local target for
// 群众身边 clues). A source record (in.SourceType, in.SourceID: report 12,
// task_finding 3, alert 44, crosscheck_suspect 9, ...) becomes at most one
// clue unless in.Split is set. Reports and clues given as sources must be
// visible to the caller; for other record types the calling workflow checks
// its own record. Errors: forbidden, invalid (field errors), not_found (the
// source report or clue), conflict "clue.source_has_clue".
func (a *App) RegisterClue(ctx context.Context, p auth.Principal, in clue.Input) (clue.Clue, error) {
	return a.registerClue(ctx, p, in)
}

// registerClue is RegisterClue; with adds writes that commit with the
// clue (an alert turned into it).
func (a *App) registerClue(ctx context.Context, p auth.Principal, in clue.Input, with ...func(*store.NewClue)) (clue.Clue, error) {
	if err := need(p, auth.PermClueRegister); err != nil {
		return clue.Clue{}, err
	}
	srcs, err := a.ClueSources()
	if err != nil {
		return clue.Clue{}, err
	}
	if err := in.Validate(srcs, a.categoryCodes(), levelCodes()); err != nil {
		return clue.Clue{}, err
	}
	switch in.SourceType {
	case "report":
		if _, err := a.GetReport(ctx, p, in.SourceID); err != nil {
			return clue.Clue{}, err
		}
	case "clue":
		if _, err := a.GetClue(ctx, p, in.SourceID); err != nil {
			return clue.Clue{}, err
		}
	}
	ledger, err := a.clueLedger(ctx, p, in.LedgerUnitID)
	if err != nil {
		return clue.Clue{}, err
	}
	subject := in.Subject
	if subject.UnitID != 0 {
		su, err := a.Store.GetUnit(ctx, subject.UnitID)
		if err != nil || !su.Active {
			return clue.Clue{}, apperr.InvalidField("subject_unit_id", "clue.subject_unit_invalid")
		}
		subject.UnitPath = su.Path
	}
	desk := a.clueDesk(ctx, ledger)
	now := a.Now()
	received := in.ReceivedAt
	if received.IsZero() || received.After(now) {
		received = now
	}
	title := in.Title
	if title == "" {
		title = clue.FirstRunes(in.Content, 30)
	}
	c := clue.Clue{LedgerUnitID: ledger.ID, LedgerPath: ledger.Path, UnitID: desk.ID, UnitPath: desk.Path, Source: in.Source,
		SourceType: in.SourceType, SourceID: in.SourceID, SourceRef: in.SourceRef, Title: title, Content: in.Content,
		Subject: subject, Category: in.Category, MassInterest: in.MassInterest, UpperLevel: in.UpperLevel || a.upperLevel(ledger, subject.Level),
		Status: clue.StatusRegistered, ReceivedAt: received}
	spec := ClockSpec{ObjectType: "clue", UnitPath: desk.Path}
	disposal, err := a.StartClock(spec, limitClueDisposal, received)
	if err != nil {
		return clue.Clue{}, err
	}
	c.DisposalDueAt = disposal.DueAt
	clocks := []store.Clock{disposal}
	if c.MassInterest {
		k, err := a.StartClock(spec, limitMassDisposal, received)
		if err != nil {
			return clue.Clue{}, err
		}
		clocks = append(clocks, k)
	}
	n := store.NewClue{Clue: c, Split: in.Split, ShortName: shortName(ledger), Clocks: clocks,
		CreatedBy: p.UserID, Event: clue.Event{Action: "register", UserID: p.UserID, Note: in.Source},
		Note: map[string]any{"source_type": in.SourceType, "source_id": in.SourceID, "split": in.Split}}
	for _, f := range with {
		f(&n)
	}
	return a.Store.CreateClue(ctx, actor(p), n)
}

// upperLevel reports whether a subject of this cadre level belongs to a
// level above the ledger's commission (a city cadre in a county ledger, a
// county cadre in a township ledger): such clues are flagged and forwarded
// upward ([R2019] Art. 22; cadres managed by the upper level).
func (a *App) upperLevel(ledger org.Unit, level string) bool {
	switch {
	case ledger.Kind == org.KindTownship:
		return level == string(intake.LevelCounty) || level == string(intake.LevelCity)
	case len(ledger.DivisionCode) == 6:
		return level == string(intake.LevelCity)
	}
	return false
}

// GetClue returns a clue the caller may see (clue.read): in the caller's
// scope or taking part in it, not recused and not inside the subject's unit.
// The case issue reads the clue it files from with it (subject, key field,
// flags, verification outcome). Errors: not_found (also for clues outside,
// so their existence is not revealed).
func (a *App) GetClue(ctx context.Context, p auth.Principal, id int64) (clue.Clue, error) {
	c, err := a.Store.GetClue(ctx, id)
	if err != nil {
		return c, err
	}
	if err := a.Visible(ctx, p, auth.PermClueRead, "clue", id, c.UnitPath, c.Subject.UnitPath, "clue"); err != nil {
		return clue.Clue{}, err
	}
	return c, nil
}

// CluesFromSource returns the clues registered from a source record that
// the caller may see (e.g. the clue of a report, for the report page).
func (a *App) CluesFromSource(ctx context.Context, p auth.Principal, sourceType string, sourceID int64) ([]clue.Clue, error) {
	if !p.Can(auth.PermClueRead) {
		return nil, nil
	}
	all, err := a.Store.CluesBySource(ctx, sourceType, sourceID)
	if err != nil {
		return nil, err
	}
	var out []clue.Clue
	for _, c := range all {
		if a.Visible(ctx, p, auth.PermClueRead, "clue", c.ID, c.UnitPath, c.Subject.UnitPath, "clue") == nil {
			out = append(out, c)
		}
	}
	return out, nil
}

// RegisterClueFromReport turns a report the caller may see into a clue in
// one step (the report page's button): content, subject, key field and
// place come from the report, the link to it is kept. A report becomes at
// most one clue unless split is set. Errors: forbidden, not_found, invalid,
// conflict "clue.source_has_clue".
func (a *App) RegisterClueFromReport(ctx context.Context, p auth.Principal, reportID int64, mass, split bool) (clue.Clue, error) {
	r, err := a.GetReport(ctx, p, reportID)
	if err != nil {
		return clue.Clue{}, err
	}
	in := clue.Input{Source: clue.SourceReport, SourceType: "report", SourceID: r.ID, SourceRef: r.Number, Split: split,
		Title: r.Title, Content: r.Content, Category: r.Category, MassInterest: mass,
		Subject:    clue.Subject{Name: r.Subject.Name, Unit: r.Subject.Unit, Post: r.Subject.Post, Level: string(r.Subject.Level)},
		ReceivedAt: a.Now()}
	if in.Subject.Name == "" {
		in.Subject.Name = "（未写明）"
	}
	if in.Subject.Level == "" {
		in.Subject.Level = string(intake.LevelOther)
	}
	if in.Category == "" {
		in.Category = "other"
	}
	// The subject's unit in the tree: the village of the place when the
	// subject is a village cadre there (automatic recusal of its members).
	if r.DivisionCode != "" && r.Subject.Level == intake.LevelVillage {
		if _, _, village := a.placeUnits(ctx, r.DivisionCode); village != nil {
			in.Subject.UnitID = village.ID
		}
	}
	return a.RegisterClue(ctx, p, in)
}

// monthBounds returns [start, end) of a month "YYYY-MM" in the business
// time zone. Errors: invalid (field month).
func (a *App) monthBounds(month string) (time.Time, time.Time, error) {
	t, err := time.ParseInLocation("2006-01", month, a.Loc)
	if err != nil || len(month) != 7 {
		return time.Time{}, time.Time{}, apperr.InvalidField("month", "clue.month_invalid")
	}
	return t, t.AddDate(0, 1, 0), nil
}

// clueLabel names a clue in notifications.
func clueLabel(c clue.Clue) string { return fmt.Sprintf("%s（%s）", c.Number, c.Subject.Name) }

// ListClues lists the ledger rows the caller may see (clue.read scope with
// participation and recusal), newest first, with the total. The case issue
// lists the clues awaiting filing with Status {case_pending}.
func (a *App) ListClues(ctx context.Context, p auth.Principal, f store.ClueFilter) ([]clue.Clue, int, error) {
	if !p.Can(auth.PermClueRead) {
		return nil, 0, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	f.Now = a.Now()
	return a.Store.ListClues(ctx, p.ScopeFor(auth.PermClueRead), f)
}
