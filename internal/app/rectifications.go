package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/intake"
	"qingfeng/internal/org"
	"qingfeng/internal/oversight"
	"qingfeng/internal/store"
)

// This file holds the rectification services (整改): creation from a form,
// the API or another workflow (a supervision task's finding, a clue, a
// case, a report), reading within scope, the workflow actions of
// oversight.RectWorkflow with evidence files, and the deadline clock.

// limitRectDeadline is the deadline clock of a rectification (a local
// target in calendar/limits_rectification.json; its due date is the
// deadline given).
const limitRectDeadline = "rectification.deadline"

// RectLimits returns the limit codes the rectification services use.
func RectLimits() []string { return []string{limitRectDeadline} }

// rectReadScope is where the caller may read rectifications: the task.read
// scope, plus the caller's own unit for a responsible unit reporting with
// task.report only (a village). An item is in reach when its responsible
// or supervising unit lies in it.
func rectReadScope(p auth.Principal) auth.Scope {
	sc := p.ScopeFor(auth.PermTaskRead)
	if p.Can(auth.PermTaskReport) && p.UnitPath != "" {
		if sc.Denied {
			sc = auth.Scope{Viewer: p.UnitPath, ParticipantID: p.UserID}
		}
		sc.Prefixes = append(sc.Prefixes, p.UnitPath)
	}
	return sc
}

func rectVisible(p auth.Principal, r oversight.Rectification) bool {
	sc := rectReadScope(p)
	return sc.Covers(r.ResponsiblePath) || sc.Covers(r.SupervisingPath)
}

// deadlineClock is the rectification's deadline clock: due at the end of
// the deadline day (Asia/Shanghai), reminded as the limit says before it;
// its reminders and overdue alarm go to owner (the supervising officer who
// issued or reopened the item).
func (a *App) deadlineClock(unitPath, deadline string, owner int64) (store.Clock, error) {
	k, err := a.StartClock(ClockSpec{ObjectType: "rectification", UnitPath: unitPath, Owner: owner}, limitRectDeadline, a.Now())
	if err != nil {
		return k, err
	}
	d, err := time.ParseInLocation(time.DateOnly, deadline, a.Loc)
	if err != nil {
		return k, apperr.InvalidField("deadline", "rect.date_invalid")
	}
	due := d.AddDate(0, 0, 1).Add(-time.Millisecond).UTC()
	k.RemindAt = due.Add(k.RemindAt.Sub(k.DueAt))
	if k.RemindAt.Before(k.StartedAt) {
		k.RemindAt = k.StartedAt
	}
	k.DueAt = due
	return k, nil
}

// CreateRectification opens a rectification (task.manage): the problem,
// the responsible unit (an active unit under the caller's commission), the
// supervising unit (in.SupervisingUnitID in the caller's task.manage scope,
// or the caller's unit), the measures required and a deadline after today,
// with its deadline clock. Other services call it to turn a finding into a
// rectification with one action (in.SourceType task/clue/case/report and
// in.SourceID; clues, cases and reports must be visible to the caller, a
// task is checked by its own service). Errors: forbidden, invalid (field
// errors), not_found (a source clue, case or report).
func (a *App) CreateRectification(ctx context.Context, p auth.Principal, in oversight.RectificationInput) (oversight.Rectification, error) {
	if err := need(p, auth.PermTaskManage); err != nil {
		return oversight.Rectification{}, err
	}
	if err := in.Validate(a.Today()); err != nil {
		return oversight.Rectification{}, err
	}
	var err error
	switch in.SourceType {
	case "report":
		_, err = a.GetReport(ctx, p, in.SourceID)
	case "clue":
		_, err = a.GetClue(ctx, p, in.SourceID)
	case "case":
		_, err = a.GetCase(ctx, p, in.SourceID)
	}
	if err != nil {
		return oversight.Rectification{}, err
	}
	supID := in.SupervisingUnitID
	if supID == 0 {
		supID = p.UnitID
	}
	sup, err := a.Store.GetUnit(ctx, supID)
	if err != nil || !sup.Active || !p.ScopeFor(auth.PermTaskManage).Covers(sup.Path) {
		return oversight.Rectification{}, apperr.InvalidField("supervising_unit_id", "rect.unit_invalid")
	}
	resp, err := a.Store.GetUnit(ctx, in.ResponsibleUnitID)
	home := a.receivingUnit(ctx, &p)
	if err != nil || !resp.Active || resp.ID == sup.ID || home == nil || !oversight.Under(resp.Path, home.Path) {
		return oversight.Rectification{}, apperr.InvalidField("responsible_unit_id", "rect.unit_invalid")
	}
	k, err := a.deadlineClock(resp.Path, in.Deadline, p.UserID)
	if err != nil {
		return oversight.Rectification{}, err
	}
	r := oversight.Rectification{Title: in.Title, Problem: in.Problem, Required: in.Required, ResponsibleUnitID: resp.ID,
		ResponsiblePath: resp.Path, SupervisingUnitID: sup.ID, SupervisingPath: sup.Path, Deadline: in.Deadline,
		SourceType: in.SourceType, SourceID: in.SourceID, PersonConcerned: in.PersonConcerned, Status: oversight.RectOpen,
		CreatedBy: p.UserID}
	return a.Store.CreateRectification(ctx, actor(p), store.NewRectification{Rect: r, Clock: k,
		Event: oversight.RectEvent{Action: "create", UnitID: p.UnitID, UserID: p.UserID, Deadline: in.Deadline}})
}

// GetRectification returns a rectification the caller may read (its
// responsible or supervising unit in the caller's task.read scope, or the
// caller's own unit responsible for it). Errors: not_found (also outside
// reach, so existence is not revealed).
func (a *App) GetRectification(ctx context.Context, p auth.Principal, id int64) (oversight.Rectification, error) {
	r, err := a.Store.GetRectification(ctx, id)
	if err != nil {
		return r, err
	}
	if !rectVisible(p, r) {
		return oversight.Rectification{}, apperr.New(apperr.NotFound, "error.not_found.rectification")
	}
	return r, nil
}

// RectQuery are the list filters as the edges read them.
type RectQuery struct {
	Status            []string
	ResponsibleUnitID int64
	Overdue           bool
	SourceType        string
	SourceID          int64
	Page              store.Page
}

// ListRectifications lists the rectifications in the caller's reach,
// deadline first, with the total. Errors: forbidden, invalid (field status).
func (a *App) ListRectifications(ctx context.Context, p auth.Principal, q RectQuery) ([]oversight.Rectification, int, error) {
	if !p.Can(auth.PermTaskRead) && !p.Can(auth.PermTaskReport) {
		return nil, 0, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	f := store.RectFilter{ResponsibleUnitID: q.ResponsibleUnitID, Overdue: q.Overdue, Today: a.Today(), SourceType: q.SourceType,
		SourceID: q.SourceID, Page: q.Page}
	for _, s := range q.Status {
		if s == "" {
			continue
		}
		if !slices.Contains(oversight.RectStatuses(), oversight.RectStatus(s)) {
			return nil, 0, apperr.InvalidField("status", "rect.status_invalid")
		}
		f.Status = append(f.Status, oversight.RectStatus(s))
	}
	return a.Store.ListRectifications(ctx, rectReadScope(p), f)
}

// RectDetail is a rectification with its record, evidence, clock and the
// actions the caller may take now.
type RectDetail struct {
	oversight.Rectification
	Events []oversight.RectEvent
	Files  []oversight.Evidence
	Clocks []RecordClock
	Ops    []oversight.RectOp
	// CanEvidence: the caller may add evidence files now.
	CanEvidence bool
	Overdue     bool
}

// RectificationDetail returns a rectification the caller may read with its
// record. Errors: not_found.
func (a *App) RectificationDetail(ctx context.Context, p auth.Principal, id int64) (RectDetail, error) {
	r, err := a.GetRectification(ctx, p, id)
	if err != nil {
		return RectDetail{}, err
	}
	d := RectDetail{Rectification: r, Overdue: r.Overdue(a.Today())}
	if d.Events, err = a.Store.RectEvents(ctx, id); err != nil {
		return d, err
	}
	if d.Files, err = a.Store.RectFiles(ctx, id); err != nil {
		return d, err
	}
	cs, err := a.Store.Clocks(ctx, "rectification", id)
	if err != nil {
		return d, err
	}
	d.Clocks = a.ClockStates(cs)
	for _, t := range oversight.RectWorkflow() {
		if t.From == r.Status && rectMayAct(p, r, t) == nil {
			d.Ops = append(d.Ops, t.Op)
		}
	}
	d.CanEvidence = !r.Status.Final() && (rectMaySide(p, r, oversight.SideResponsible, auth.PermTaskReport) ||
		rectMaySide(p, r, oversight.SideSupervising, auth.PermTaskManage))
	return d, nil
}

// rectMaySide reports whether the caller stands on a side of the item with
// the permission: the responsible side is a user of the responsible unit's
// subtree; the supervising side has the supervising unit in its task.manage
// scope and is not inside the responsible unit (no verifying one's own item).
func rectMaySide(p auth.Principal, r oversight.Rectification, side oversight.Side, perm auth.Permission) bool {
	if !p.Can(perm) {
		return false
	}
	if side == oversight.SideResponsible {
		return oversight.Under(p.UnitPath, r.ResponsiblePath)
	}
	return p.ScopeFor(perm).Covers(r.SupervisingPath) && !oversight.Under(p.UnitPath, r.ResponsiblePath)
}

func rectMayAct(p auth.Principal, r oversight.Rectification, t oversight.RectTransition) error {
	if !p.Can(t.Perm) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	if !rectMaySide(p, r, t.Side, t.Perm) {
		return apperr.New(apperr.Forbidden, "rect.action_forbidden")
	}
	return nil
}

// RectAct applies a workflow action to a rectification the caller may
// read: report (the responsible unit, measures and evidence files),
// start_verification, close_procedural, close_staged, close_substantive
// (verification passed with a follow-up visit whose satisfaction is not
// unsatisfied) and reopen (verification failed, a reason and a new
// deadline; the clock restarts) by the supervising unit. Errors: not_found,
// invalid "rect.op_invalid" (field op) or form field errors, conflict
// "rect.transition_invalid" (not from this state), "rect.visit_unsatisfied",
// "error.version_conflict", forbidden ("rect.action_forbidden": the wrong
// side, e.g. the responsible unit verifying its own item).
func (a *App) RectAct(ctx context.Context, p auth.Principal, id int64, in oversight.RectAction, files []Upload) (oversight.Rectification, error) {
	r, err := a.GetRectification(ctx, p, id)
	if err != nil {
		return r, err
	}
	if !slices.Contains(oversight.RectOps(), in.Op) {
		return r, apperr.InvalidField("op", "rect.op_invalid")
	}
	row, ok := oversight.RectNext(r.Status, in.Op)
	if !ok {
		return r, apperr.New(apperr.Conflict, "rect.transition_invalid")
	}
	if err := rectMayAct(p, r, row); err != nil {
		return r, err
	}
	if err := in.Check(row, a.Today()); err != nil {
		return r, err
	}
	ch := store.RectChange{ID: r.ID, Version: in.Version, From: r.Status, To: row.To, Action: "rectification." + string(in.Op),
		Event: oversight.RectEvent{Action: string(in.Op), UnitID: p.UnitID, UserID: p.UserID, Text: in.Text}}
	if len(files) > 0 {
		if in.Op != oversight.RectOpReport {
			return r, apperr.InvalidField("files", "rect.files_not_here")
		}
		if ch.Files, err = cleanUploads(files); err != nil {
			return r, err
		}
	}
	switch in.Op {
	case oversight.RectOpReport:
		ch.Reported = true
		// The issuing officer learns of the report in the inbox.
		ch.Notify = []store.Notification{{UserID: r.CreatedBy, Kind: "assignment", ObjectType: "rectification", ObjectID: r.ID,
			Link: fmt.Sprintf("/rectifications/%d", r.ID), Title: "整改情况已报送：" + r.Title,
			Body: fmt.Sprintf("%s已报送整改情况，请核查验收。", r.ResponsibleUnitName)}}
		if r.Status == oversight.RectStaged {
			// Back from a staged closure: the deadline clock runs again.
			k, err := a.deadlineClock(r.ResponsiblePath, r.Deadline, r.CreatedBy)
			if err != nil {
				return r, err
			}
			ch.Clock = &k
		}
	case oversight.RectOpPass:
		ch.Event.VisitDate, ch.Event.Visitor, ch.Event.Satisfaction = in.VisitDate, in.Visitor, in.Satisfaction
	case oversight.RectOpReopen:
		k, err := a.deadlineClock(r.ResponsiblePath, in.Deadline, p.UserID)
		if err != nil {
			return r, err
		}
		ch.Reopen, ch.Deadline, ch.Clock, ch.Event.Deadline = true, in.Deadline, &k, in.Deadline
	}
	if c := oversight.ClosureOf(row.To); c != "" {
		ch.Closure, ch.Stop = c, true
	}
	return a.Store.UpdateRectification(ctx, actor(p), ch)
}

func cleanUploads(files []Upload) ([]store.NewFile, error) {
	names, datas := splitUploads(files)
	clean, err := intake.CleanFiles(names, datas)
	if err != nil {
		return nil, err
	}
	out := make([]store.NewFile, 0, len(clean))
	for _, f := range clean {
		out = append(out, store.NewFile{Name: f.Name, MIME: f.MIME, Data: f.Data, SHA256: f.SHA256})
	}
	return out, nil
}

// AddRectEvidence stores evidence files (documents, photos; images are
// re-encoded without EXIF) on a rectification that is not closed, by its
// responsible unit (task.report) or its supervising unit (task.manage).
// Errors: not_found, forbidden "rect.action_forbidden", conflict
// "rect.transition_invalid" (closed), invalid (field files).
func (a *App) AddRectEvidence(ctx context.Context, p auth.Principal, id int64, files []Upload) (oversight.Rectification, error) {
	r, err := a.GetRectification(ctx, p, id)
	if err != nil {
		return r, err
	}
	if !rectMaySide(p, r, oversight.SideResponsible, auth.PermTaskReport) && !rectMaySide(p, r, oversight.SideSupervising, auth.PermTaskManage) {
		return r, apperr.New(apperr.Forbidden, "rect.action_forbidden")
	}
	if r.Status.Final() {
		return r, apperr.New(apperr.Conflict, "rect.transition_invalid")
	}
	nf, err := cleanUploads(files)
	if err != nil {
		return r, err
	}
	if len(nf) == 0 {
		return r, apperr.InvalidField("files", "rect.files_required")
	}
	return a.Store.AddRectEvidence(ctx, actor(p), id, oversight.RectEvent{UnitID: p.UnitID, UserID: p.UserID}, nf)
}

// RectFile returns an evidence file of a rectification the caller may
// read. Errors: not_found.
func (a *App) RectFile(ctx context.Context, p auth.Principal, fileID int64) (oversight.Evidence, []byte, error) {
	f, data, err := a.Store.RectFileData(ctx, fileID)
	if err != nil {
		return f, nil, err
	}
	if _, err := a.GetRectification(ctx, p, f.RectID); err != nil {
		return f, nil, apperr.New(apperr.NotFound, "error.not_found.evidence")
	}
	return f, data, nil
}

// RectUnitChoices returns the units a rectification may be given to by the
// caller (task.manage): the townships, villages, offices and dispatched
// groups under the caller's commission, in tree order.
func (a *App) RectUnitChoices(ctx context.Context, p auth.Principal) ([]org.Unit, error) {
	if !p.Can(auth.PermTaskManage) {
		return nil, nil
	}
	home := a.receivingUnit(ctx, &p)
	if home == nil {
		return nil, nil
	}
	us, _, err := a.Store.ListUnits(ctx, auth.Scope{Prefixes: []string{home.Path}}, store.UnitFilter{Under: home.Path,
		Kinds: []org.Kind{org.KindTownship, org.KindVillage, org.KindOffice, org.KindDispatched}, Page: store.Page{Limit: 500}})
	return us, err
}
