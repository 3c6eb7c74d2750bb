package app

import (
	"context"
	"slices"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/org"
	"qingfeng/internal/oversight"
	"qingfeng/internal/store"
)

// This file serves pairing (结对帮带) and training (大讲堂, 以案代训,
// 岗位练兵). Pairings and trainings are steered with task.manage inside the
// caller's scope; a mentor records guidance under their own pairings.

// dayStart is the start of a business day in Asia/Shanghai.
func (a *App) dayStart(day string) time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, day, a.Loc)
	return t
}

// CreatePairing pairs a leader or expert (MentorPersonID) or an office or
// dispatched group (MentorUnitID) with a township commission. Errors:
// forbidden without task.manage; invalid (fields of
// oversight.ValidatePairing; township "pairing.not_township"; mentor
// "pairing.mentor_not_office"); not_found for units or people outside the
// caller's scope.
func (a *App) CreatePairing(ctx context.Context, p auth.Principal, in oversight.Pairing) (oversight.Pairing, error) {
	if err := need(p, auth.PermTaskManage); err != nil {
		return in, err
	}
	if err := oversight.ValidatePairing(&in); err != nil {
		return in, err
	}
	town, err := a.Store.GetUnit(ctx, in.TownshipID)
	if err != nil {
		return in, err
	}
	if err := inScope(p, auth.PermTaskManage, town.Path, "unit"); err != nil {
		return in, err
	}
	if town.Kind != org.KindTownship {
		return in, apperr.InvalidField("township", "pairing.not_township")
	}
	if in.MentorUnitID != 0 {
		u, err := a.Store.GetUnit(ctx, in.MentorUnitID)
		if err != nil {
			return in, err
		}
		if err := inScope(p, auth.PermTaskManage, u.Path, "unit"); err != nil {
			return in, err
		}
		if u.Kind != org.KindOffice && u.Kind != org.KindDispatched {
			return in, apperr.InvalidField("mentor", "pairing.mentor_not_office")
		}
	} else {
		_, path, err := a.Store.GetPerson(ctx, in.MentorPersonID)
		if err != nil {
			return in, err
		}
		if err := inScope(p, auth.PermTaskManage, path, "person"); err != nil {
			return in, err
		}
	}
	in.TownshipPath = town.Path
	return a.Store.CreatePairing(ctx, actor(p), in)
}

// EndPairing ends a pairing on to (exclusive). Errors: forbidden, not_found
// (outside scope), invalid (field to "pairing.to_invalid"), conflict.
func (a *App) EndPairing(ctx context.Context, p auth.Principal, id, version int64, to string) (oversight.Pairing, error) {
	pr, err := a.pairingFor(ctx, p, id, true)
	if err != nil {
		return pr, err
	}
	end := pr
	end.To = to
	if err := oversight.ValidatePairing(&end); err != nil {
		return pr, err
	}
	return a.Store.EndPairing(ctx, actor(p), id, version, to)
}

// mentors reports whether p is the pairing's mentor (the person, or staff
// of the mentoring unit).
func mentors(p auth.Principal, pr oversight.Pairing) bool {
	return (pr.MentorPersonID != 0 && pr.MentorPersonID == p.PersonID) || (pr.MentorUnitID != 0 && pr.MentorUnitID == p.UnitID)
}

// pairingFor reads a pairing the caller may see (task.read over the
// township, or the mentor), or steer (manage: task.manage over the
// township). Errors: forbidden, not_found "error.not_found.pairing".
func (a *App) pairingFor(ctx context.Context, p auth.Principal, id int64, manage bool) (oversight.Pairing, error) {
	pr, err := a.Store.GetPairing(ctx, id)
	if err != nil {
		return pr, err
	}
	perm := auth.PermTaskRead
	if manage {
		perm = auth.PermTaskManage
	}
	if p.ScopeFor(perm).Covers(pr.TownshipPath) || (!manage && mentors(p, pr)) {
		return pr, nil
	}
	return pr, apperr.New(apperr.NotFound, "error.not_found.pairing")
}

// GetPairing returns a pairing with its guidance records. Errors: as
// pairingFor.
func (a *App) GetPairing(ctx context.Context, p auth.Principal, id int64) (oversight.Pairing, []oversight.Guidance, error) {
	pr, err := a.pairingFor(ctx, p, id, false)
	if err != nil {
		return pr, nil, err
	}
	gs, err := a.Store.ListGuidance(ctx, id)
	return pr, gs, err
}

// ListPairings lists the pairings of township commissions in the caller's
// task.read scope and the caller's own as mentor.
func (a *App) ListPairings(ctx context.Context, p auth.Principal, f store.PairingFilter) ([]oversight.Pairing, int, error) {
	f.MentorPersonID, f.MentorUnitID = p.PersonID, p.UnitID
	if !p.Can(auth.PermTaskRead) {
		return a.Store.ListPairings(ctx, auth.Scope{Denied: true}, f)
	}
	return a.Store.ListPairings(ctx, p.ScopeFor(auth.PermTaskRead), f)
}

// AddGuidance records guidance given under a pairing, by its mentor or a
// manager of the township's scope. Errors: as pairingFor; forbidden
// "pairing.not_mentor"; invalid (oversight.ValidateGuidance).
func (a *App) AddGuidance(ctx context.Context, p auth.Principal, pairingID int64, g oversight.Guidance) (oversight.Guidance, error) {
	pr, err := a.pairingFor(ctx, p, pairingID, false)
	if err != nil {
		return g, err
	}
	if !mentors(p, pr) && !p.ScopeFor(auth.PermTaskManage).Covers(pr.TownshipPath) {
		return g, apperr.New(apperr.Forbidden, "pairing.not_mentor")
	}
	if err := oversight.ValidateGuidance(&g, pr, a.Today()); err != nil {
		return g, err
	}
	return a.Store.AddGuidance(ctx, actor(p), pr, g, a.dayStart(g.Day))
}

// CreateTraining records a training organised by a unit in the caller's
// scope (0: the caller's own unit) with the invited people. Errors:
// forbidden without task.manage; invalid (oversight.ValidateTraining;
// invited "training.invited_required"); not_found for a unit, person or
// teaching case the caller may not see.
func (a *App) CreateTraining(ctx context.Context, p auth.Principal, t oversight.Training, invited []int64) (oversight.Training, error) {
	if err := need(p, auth.PermTaskManage); err != nil {
		return t, err
	}
	if err := oversight.ValidateTraining(&t); err != nil {
		return t, err
	}
	if t.OrganiserID == 0 {
		t.OrganiserID = p.UnitID
	}
	u, err := a.Store.GetUnit(ctx, t.OrganiserID)
	if err != nil {
		return t, err
	}
	if err := inScope(p, auth.PermTaskManage, u.Path, "unit"); err != nil {
		return t, err
	}
	t.OrganiserPath = u.Path
	if t.TeachingCaseID != 0 {
		if _, err := a.GetTeachingCase(ctx, p, t.TeachingCaseID); err != nil {
			return t, err
		}
	}
	slices.Sort(invited)
	invited = slices.Compact(invited)
	if len(invited) == 0 || len(invited) > 1000 {
		return t, apperr.InvalidField("invited", "training.invited_required")
	}
	var as []oversight.Attendance
	for _, id := range invited {
		_, path, err := a.Store.GetPerson(ctx, id)
		if err != nil {
			return t, err
		}
		if err := inScope(p, auth.PermTaskManage, path, "person"); err != nil {
			return t, err
		}
		as = append(as, oversight.Attendance{PersonID: id, UnitPath: path})
	}
	return a.Store.CreateTraining(ctx, actor(p), t, a.dayStart(t.Day), as)
}

// trainingFor reads a training the caller may see: organised inside the
// task.read scope or with an invited person of it; manage needs
// task.manage over the organiser. Errors: forbidden, not_found
// "error.not_found.training".
func (a *App) trainingFor(ctx context.Context, p auth.Principal, id int64, manage bool) (oversight.Training, []oversight.Attendance, error) {
	t, as, err := a.Store.GetTraining(ctx, id)
	if err != nil {
		return t, nil, err
	}
	if manage {
		if !p.ScopeFor(auth.PermTaskManage).Covers(t.OrganiserPath) {
			return t, nil, apperr.New(apperr.NotFound, "error.not_found.training")
		}
		return t, as, nil
	}
	sc := p.ScopeFor(auth.PermTaskRead)
	if sc.Covers(t.OrganiserPath) || slices.ContainsFunc(as, func(x oversight.Attendance) bool { return sc.Covers(x.UnitPath) }) {
		return t, as, nil
	}
	return t, nil, apperr.New(apperr.NotFound, "error.not_found.training")
}

// GetTraining returns a training and its attendance. Errors: as
// trainingFor.
func (a *App) GetTraining(ctx context.Context, p auth.Principal, id int64) (oversight.Training, []oversight.Attendance, error) {
	return a.trainingFor(ctx, p, id, false)
}

// ListTrainings lists the trainings organised in or attended from the
// caller's task.read scope.
func (a *App) ListTrainings(ctx context.Context, p auth.Principal, pg store.Page) ([]oversight.Training, int, error) {
	return a.Store.ListTrainings(ctx, p.ScopeFor(auth.PermTaskRead), pg)
}

// RecordAttendance records who of the invited attended (with drill scores).
// Errors: as trainingFor (manage); invalid (attendance:
// oversight.ValidateAttendance, "training.not_invited"; day
// "training.not_held" before the training's day).
func (a *App) RecordAttendance(ctx context.Context, p auth.Principal, id int64, as []oversight.Attendance) error {
	t, _, err := a.trainingFor(ctx, p, id, true)
	if err != nil {
		return err
	}
	if t.Day > a.Today() {
		return apperr.InvalidField("day", "training.not_held")
	}
	if err := oversight.ValidateAttendance(t, as); err != nil {
		return err
	}
	return a.Store.RecordAttendance(ctx, actor(p), id, as)
}
