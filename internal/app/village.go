package app

import (
	"context"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/intake"
	"qingfeng/internal/org"
	"qingfeng/internal/oversight"
	"qingfeng/internal/store"
)

// This file is the village work log (村级监督): village members log
// sessions, visits and demands for their own village; township and county
// staff with task.read read the logs of the villages in their scope.

// VillageTopics returns the session topics. Errors: internal when the
// embedded table is broken.
func (a *App) VillageTopics() ([]oversight.Topic, error) { return oversight.Topics() }

// villageOf returns the caller's own unit when it is a village. Errors:
// forbidden "village.not_village_member".
func (a *App) villageOf(ctx context.Context, p auth.Principal) (org.Unit, error) {
	if err := need(p, auth.PermVillageLog); err != nil {
		return org.Unit{}, err
	}
	u, err := a.Store.GetUnit(ctx, p.UnitID)
	if err != nil || u.Kind != org.KindVillage || !u.Active {
		return org.Unit{}, apperr.New(apperr.Forbidden, "village.not_village_member")
	}
	return u, nil
}

// LogVillage records an entry of the caller's village (village.log, the
// caller's unit a village). A replay (the same client id from the same
// author) writes nothing and returns the stored entry with created false.
// Errors: forbidden, invalid (field codes of oversight.Input.Validate),
// conflict "village.client_id_reused" when the client id was used for
// different content.
func (a *App) LogVillage(ctx context.Context, p auth.Principal, in oversight.Input) (oversight.Entry, bool, error) {
	u, err := a.villageOf(ctx, p)
	if err != nil {
		return oversight.Entry{}, false, err
	}
	topics, err := oversight.Topics()
	if err != nil {
		return oversight.Entry{}, false, err
	}
	if err := in.Validate(a.Today(), topics); err != nil {
		return oversight.Entry{}, false, err
	}
	e := oversight.NewEntry(in)
	e.UnitID, e.UnitPath = u.ID, u.Path
	return a.Store.CreateVillageEntry(ctx, actor(p), e)
}

// villageScope is what the caller may read of the village log: the task.read
// scope (township and county staff), else the village.log scope (the
// member's own village).
func villageScope(p auth.Principal) auth.Scope {
	if sc := p.ScopeFor(auth.PermTaskRead); !sc.Denied {
		if v := p.ScopeFor(auth.PermVillageLog); !v.Denied {
			sc.Prefixes = append(sc.Prefixes, v.Prefixes...)
		}
		return sc
	}
	return p.ScopeFor(auth.PermVillageLog)
}

// ListVillage lists the log entries in the caller's scope (task.read or
// village.log). Errors: forbidden.
func (a *App) ListVillage(ctx context.Context, p auth.Principal, f store.VillageFilter) ([]oversight.Entry, int, error) {
	if !p.Can(auth.PermTaskRead) && !p.Can(auth.PermVillageLog) {
		return nil, 0, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return a.Store.ListVillageEntries(ctx, villageScope(p), f)
}

// GetVillage returns an entry in the caller's scope. Errors: forbidden,
// not_found.
func (a *App) GetVillage(ctx context.Context, p auth.Principal, id int64) (oversight.Entry, error) {
	if !p.Can(auth.PermTaskRead) && !p.Can(auth.PermVillageLog) {
		return oversight.Entry{}, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	e, err := a.Store.GetVillageEntry(ctx, id)
	if err != nil {
		return e, err
	}
	if !villageScope(p).Covers(e.UnitPath) {
		return oversight.Entry{}, apperr.New(apperr.NotFound, "error.not_found.village_entry")
	}
	return e, nil
}

// VillageEvents returns the lifecycle of a demand in the caller's scope.
// Errors: forbidden, not_found.
func (a *App) VillageEvents(ctx context.Context, p auth.Principal, id int64) ([]store.VillageEvent, error) {
	if _, err := a.GetVillage(ctx, p, id); err != nil {
		return nil, err
	}
	return a.Store.VillageEvents(ctx, id)
}

// ownDemand loads a demand the caller may act on: an entry of the caller's
// own village (village.log). Errors: forbidden, not_found, conflict
// "error.version_conflict" when version is set and stale.
func (a *App) ownDemand(ctx context.Context, p auth.Principal, id, version int64) (oversight.Entry, error) {
	if err := need(p, auth.PermVillageLog); err != nil {
		return oversight.Entry{}, err
	}
	e, err := a.Store.GetVillageEntry(ctx, id)
	if err != nil {
		return e, err
	}
	if !p.ScopeFor(auth.PermVillageLog).Covers(e.UnitPath) {
		return oversight.Entry{}, apperr.New(apperr.NotFound, "error.not_found.village_entry")
	}
	if version != 0 && version != e.Version {
		return oversight.Entry{}, apperr.New(apperr.Conflict, "error.version_conflict")
	}
	return e, nil
}

// ActVillage applies a demand action (forward, resolve, confirm, reopen)
// of the demand lifecycle (oversight.DemandWorkflow) on a demand of the
// caller's village. The report action goes through ReportVillageDemand.
// Errors: forbidden, not_found, invalid (op, department, note), conflict
// ("village.transition_invalid", "error.version_conflict").
func (a *App) ActVillage(ctx context.Context, p auth.Principal, id int64, act oversight.Act) (oversight.Entry, error) {
	if act.Op == oversight.OpReport {
		return oversight.Entry{}, apperr.InvalidField("op", "village.op_invalid")
	}
	e, err := a.ownDemand(ctx, p, id, act.Version)
	if err != nil {
		return e, err
	}
	after, err := e.Apply(act, a.Now())
	if err != nil {
		return e, err
	}
	note := act.Note
	if act.Op == oversight.OpForward {
		note = after.Department
	}
	return a.Store.ApplyVillageChange(ctx, actor(p), store.VillageChange{Before: e, After: after, Op: act.Op, Note: note})
}

// VillageReportInput completes a demand turned into a report: the report
// kind (default accusation) and the subject it is about.
type VillageReportInput struct {
	Kind    intake.Kind    `json:"kind"`
	Subject intake.Subject `json:"subject"`
	Version int64          `json:"version"`
}

// ReportVillageDemand turns a demand that alleges misconduct into a report
// of the intake flow (转为信访举报) in one action: the report is registered
// with channel village-visit by the caller (report.register), about the
// demand's content, from the person of the demand (real-name when a
// phone was given, else anonymous); the demand then moves to reported
// with a link to the report, in the same transaction. Errors: forbidden,
// not_found, invalid (the
// submission's field codes), conflict ("village.transition_invalid",
// "error.version_conflict").
func (a *App) ReportVillageDemand(ctx context.Context, p auth.Principal, id int64, in VillageReportInput) (oversight.Entry, intake.Report, error) {
	e, err := a.ownDemand(ctx, p, id, in.Version)
	if err != nil {
		return e, intake.Report{}, err
	}
	after, err := e.Apply(oversight.Act{Op: oversight.OpReport}, a.Now())
	if err != nil {
		return e, intake.Report{}, err
	}
	if in.Kind == "" {
		in.Kind = intake.KindAccusation
	}
	if in.Subject.Level == "" {
		in.Subject.Level = intake.LevelVillage
	}
	sub := intake.Submission{Kind: in.Kind, Channel: intake.ChannelVillage, Title: firstRunes("【村级走访】"+e.Summary, intake.MaxTitle),
		Content: e.Summary, Subject: in.Subject, Anonymous: true}
	if u, err := a.Store.GetUnit(ctx, e.UnitID); err == nil && len(u.DivisionCode) == 12 {
		sub.DivisionCode = u.DivisionCode
	}
	if e.Person != "" && intake.ValidMobileOrPhone(e.Phone) {
		sub.Anonymous, sub.Reporter = false, intake.Reporter{Name: e.Person, Phone: e.Phone}
	}
	if err := need(p, auth.PermReportRegister); err != nil {
		return e, intake.Report{}, err
	}
	// The report and the demand's change commit in one transaction.
	var out oversight.Entry
	r, err := a.register(ctx, actor(p), &p, nil, sub, nil, "", func(n *store.NewReport) {
		n.Demand = &store.VillageChange{Before: e, After: after, Op: oversight.OpReport}
		n.DemandOut = &out
	})
	if err != nil {
		return e, intake.Report{}, err
	}
	return out, r, nil
}
