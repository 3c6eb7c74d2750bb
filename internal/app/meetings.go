package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/clue"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// This file holds the consultation meetings (问题线索处置协商会) of area
// groups: scheduling with an agenda built from the pending clues of the
// group's member units, attendance, one decision per clue that flows into
// the clue in the same transaction, and closing the minutes.

// maxAgenda is the most clues one meeting takes on its agenda.
const maxAgenda = 200

// meetingGroup loads an area group on day and checks that the caller may
// manage its meetings (meeting.manage, and the group's county in scope, or
// leading the group, or working in one of its member units). Errors:
// not_found (also for groups outside), forbidden.
func (a *App) meetingGroup(ctx context.Context, p auth.Principal, groupID int64, day string, perm auth.Permission) (org.AreaGroup, org.Unit, error) {
	g, err := a.Store.GetAreaGroup(ctx, groupID, day)
	if err != nil {
		return g, org.Unit{}, err
	}
	county, err := a.Store.GetUnit(ctx, g.CountyUnitID)
	if err != nil {
		return g, county, err
	}
	if !p.Can(perm) {
		return g, county, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	if p.ScopeFor(perm).Covers(county.Path) || p.PersonID == g.LeaderPersonID || a.inGroup(ctx, p, g) {
		return g, county, nil
	}
	return g, county, apperr.New(apperr.NotFound, "error.not_found.area_group")
}

// CreateMeeting schedules a consultation meeting of an area group
// (meeting.manage): its agenda is every pending clue (registered,
// assigned, awaiting disposal approval, shelved) of the group's member
// units on the meeting day that the caller may see and that is not on
// another open meeting's agenda, oldest first; the chair is the group's
// leader unless named; the caller records it. Errors: not_found,
// forbidden, invalid (held_on, place, attendees).
func (a *App) CreateMeeting(ctx context.Context, p auth.Principal, groupID int64, in clue.MeetingInput) (clue.Meeting, error) {
	if err := in.Validate(); err != nil {
		return clue.Meeting{}, err
	}
	g, county, err := a.meetingGroup(ctx, p, groupID, in.HeldOn, auth.PermMeetingManage)
	if err != nil {
		return clue.Meeting{}, err
	}
	if !g.Active {
		return clue.Meeting{}, apperr.InvalidField("area_group_id", "meeting.group_inactive")
	}
	if in.ChairPersonID == 0 {
		in.ChairPersonID = g.LeaderPersonID
	}
	if err := a.checkAttendees(ctx, county, append([]clue.Attendee{{PersonID: in.ChairPersonID}}, in.Attendees...)); err != nil {
		return clue.Meeting{}, err
	}
	if len(in.Attendees) == 0 {
		in.Attendees = []clue.Attendee{{PersonID: in.ChairPersonID, Present: true}}
		if p.PersonID != 0 && p.PersonID != in.ChairPersonID {
			in.Attendees = append(in.Attendees, clue.Attendee{PersonID: p.PersonID, Present: true})
		}
	}
	agenda, err := a.meetingAgenda(ctx, p, g)
	if err != nil {
		return clue.Meeting{}, err
	}
	m := clue.Meeting{AreaGroupID: g.ID, CountyUnitID: county.ID, CountyPath: county.Path, HeldOn: in.HeldOn, Place: in.Place,
		ChairPersonID: in.ChairPersonID, RecorderUserID: p.UserID, Attendees: in.Attendees}
	return a.Store.CreateMeeting(ctx, actor(p), store.NewMeeting{Meeting: m, Agenda: agenda, ShortName: shortName(county)})
}

// meetingAgenda lists the pending clues of a group's member units in the
// caller's clue.read scope, oldest first, without those on an open agenda.
func (a *App) meetingAgenda(ctx context.Context, p auth.Principal, g org.AreaGroup) ([]int64, error) {
	f := store.ClueFilter{AreaSet: true, Status: clue.PendingStatuses()}
	for _, m := range g.Members {
		u, err := a.Store.GetUnit(ctx, m.UnitID)
		if err != nil {
			return nil, err
		}
		f.Area = append(f.Area, store.AreaTerm{Path: u.Path})
	}
	var ids []int64
	err := a.Store.EachClue(ctx, p.ScopeFor(auth.PermClueRead), f, maxAgenda, func(c clue.Clue) error {
		ids = append(ids, c.ID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	busy, err := a.Store.OpenAgendaOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	ids = slices.DeleteFunc(ids, func(id int64) bool { _, ok := busy[id]; return ok })
	slices.Reverse(ids) // EachClue is newest first; the agenda runs oldest first
	return ids, nil
}

// checkAttendees checks that every attendee is an active person of the
// county. Errors: invalid (field attendees).
func (a *App) checkAttendees(ctx context.Context, county org.Unit, as []clue.Attendee) error {
	for _, x := range as {
		per, path, err := a.Store.GetPerson(ctx, x.PersonID)
		if err != nil || !per.Active || !strings.HasPrefix(path, county.Path) {
			return apperr.InvalidField("attendees", "meeting.attendee_invalid")
		}
	}
	return nil
}

// GetMeeting returns a meeting the caller may see (meeting.manage or
// clue.read over the group, as for managing). Agenda items of clues the
// caller may not see (recusal) keep only their number. Errors: not_found.
func (a *App) GetMeeting(ctx context.Context, p auth.Principal, id int64) (clue.Meeting, error) {
	m, err := a.Store.GetMeeting(ctx, id)
	if err != nil {
		return m, err
	}
	perm := auth.PermMeetingManage
	if !p.Can(perm) {
		perm = auth.PermClueRead
	}
	if _, _, err := a.meetingGroup(ctx, p, m.AreaGroupID, m.HeldOn, perm); err != nil {
		return clue.Meeting{}, apperr.New(apperr.NotFound, "error.not_found.meeting")
	}
	for i, it := range m.Items {
		if _, err := a.GetClue(ctx, p, it.ClueID); err != nil {
			m.Items[i] = clue.MeetingItem{ID: it.ID, MeetingID: it.MeetingID, Seq: it.Seq, ClueID: it.ClueID, ClueNumber: it.ClueNumber,
				ClueTitle: recusedTitle, Decided: it.Decided}
		}
	}
	return m, nil
}

// recusedTitle stands for the title of an agenda item the caller may not
// see.
const recusedTitle = "（回避）"

// recused reports whether GetMeeting hid an item from the caller (a hidden
// item has no subject; every clue has one).
func recused(it clue.MeetingItem) bool { return it.ClueTitle == recusedTitle && it.SubjectName == "" }

// ListMeetings lists the meetings of an area group the caller may see,
// newest first. Errors: not_found, forbidden.
func (a *App) ListMeetings(ctx context.Context, p auth.Principal, groupID int64, pg store.Page) ([]clue.Meeting, int, error) {
	perm := auth.PermMeetingManage
	if !p.Can(perm) {
		perm = auth.PermClueRead
	}
	if _, _, err := a.meetingGroup(ctx, p, groupID, a.Today(), perm); err != nil {
		return nil, 0, err
	}
	return a.Store.ListMeetings(ctx, store.MeetingFilter{AreaGroupIDs: []int64{groupID}, Page: pg})
}

// SetMeetingAttendance records who attended (open meetings;
// meeting.manage). Errors: not_found, forbidden, invalid, conflict.
func (a *App) SetMeetingAttendance(ctx context.Context, p auth.Principal, id, version int64, as []clue.Attendee) (clue.Meeting, error) {
	m, county, err := a.managedMeeting(ctx, p, id)
	if err != nil {
		return m, err
	}
	in := clue.MeetingInput{HeldOn: m.HeldOn, Attendees: as}
	if err := in.Validate(); err != nil {
		return m, err
	}
	if err := a.checkAttendees(ctx, county, in.Attendees); err != nil {
		return m, err
	}
	if err := a.Store.SetAttendance(ctx, actor(p), id, version, in.Attendees); err != nil {
		return m, err
	}
	return a.Store.GetMeeting(ctx, id)
}

// CloseMeeting closes a meeting with its summary (meeting.manage): the
// minutes are final. Errors: not_found, forbidden, invalid (summary),
// conflict.
func (a *App) CloseMeeting(ctx context.Context, p auth.Principal, id, version int64, summary string) (clue.Meeting, error) {
	m, _, err := a.managedMeeting(ctx, p, id)
	if err != nil {
		return m, err
	}
	summary, err = clue.CleanText("summary", summary, true, clue.MaxText)
	if err != nil {
		return m, err
	}
	if err := a.Store.CloseMeeting(ctx, actor(p), id, version, summary); err != nil {
		return m, err
	}
	return a.Store.GetMeeting(ctx, id)
}

func (a *App) managedMeeting(ctx context.Context, p auth.Principal, id int64) (clue.Meeting, org.Unit, error) {
	m, err := a.Store.GetMeeting(ctx, id)
	if err != nil {
		return m, org.Unit{}, err
	}
	_, county, err := a.meetingGroup(ctx, p, m.AreaGroupID, m.HeldOn, auth.PermMeetingManage)
	if apperr.CodeOf(err) == apperr.NotFound {
		err = apperr.New(apperr.NotFound, "error.not_found.meeting")
	}
	return m, county, err
}

// DecideMeetingItem records the meeting's decision on a clue of its agenda
// and applies it to the clue in the same transaction (the table's
// meeting_decision transition): the lead unit and owner take it over, the
// disposal mode starts with its clocks and team, joint members of other
// member units take part until the due date, and the due date runs as a
// clock. Errors: not_found, forbidden, invalid (field codes), conflict
// "meeting.closed", "meeting.already_decided", "clue.transition_invalid".
func (a *App) DecideMeetingItem(ctx context.Context, p auth.Principal, meetingID int64, d clue.Decision) (clue.Clue, error) {
	m, _, err := a.managedMeeting(ctx, p, meetingID)
	if err != nil {
		return clue.Clue{}, err
	}
	if m.Status != clue.MeetingOpen {
		return clue.Clue{}, apperr.New(apperr.Conflict, "meeting.closed")
	}
	if err := d.Validate(); err != nil {
		return clue.Clue{}, err
	}
	if !slices.ContainsFunc(m.Items, func(it clue.MeetingItem) bool { return it.ClueID == d.ClueID }) {
		return clue.Clue{}, apperr.New(apperr.NotFound, "error.not_found.clue")
	}
	c, err := a.GetClue(ctx, p, d.ClueID)
	if err != nil {
		return c, err
	}
	row, ok := clue.Select(clue.Next(c.Status, clue.OpMeetingDecision), d.Mode, "")
	if !ok {
		return c, apperr.New(apperr.Conflict, "clue.transition_invalid")
	}
	g, _, err := a.meetingGroup(ctx, p, m.AreaGroupID, a.Today(), auth.PermMeetingManage)
	if err != nil {
		return c, err
	}
	lead, err := a.Store.GetUnit(ctx, d.LeadUnitID)
	if err != nil || !slices.ContainsFunc(g.Members, func(x org.Membership) bool { return x.UnitID == lead.ID }) {
		return c, apperr.InvalidField("lead_unit_id", "meeting.lead_unit_invalid")
	}
	unit, owner, err := a.handlerFor(ctx, c, lead.ID, d.OwnerUserID, lead.Path)
	if err != nil {
		return c, err
	}
	due, err := a.decisionDue(d.DueOn)
	if err != nil {
		return c, err
	}
	now := a.Now()
	pr := clue.Proposal{Mode: d.Mode, Form: d.Form, Closure: d.Closure}
	if d.Mode == clue.ModeVerification {
		if pr.Team, err = a.checkTeam(ctx, c, d.Team); err != nil {
			return c, err
		}
	}
	if d.Mode == clue.ModeShelve {
		if d.ShelveUntil == "" {
			d.ShelveUntil = due.In(a.Loc).Format(time.DateOnly)
		}
		if pr.ShelveTo, err = a.futureDate("shelve_until", d.ShelveUntil); err != nil {
			return c, err
		}
	}
	moved := c
	moved.UnitID, moved.UnitPath, moved.OwnerUserID = unit.ID, unit.Path, owner.UserID
	ch := store.ClueChange{ID: c.ID, From: c.Status, Status: row.To, Action: "clue.meeting_decision",
		Event: clue.Event{Action: string(clue.OpMeetingDecision), UserID: p.UserID, Note: m.Number + " " + string(d.Mode)},
		Set: map[string]any{"unit_id": unit.ID, "unit_path": unit.Path, "owner_user_id": owner.UserID, "meeting_id": m.ID,
			"decision_due": due.In(a.Loc).Format(time.DateOnly), "pending": (*clue.Proposal)(nil), "shelve_until": ""},
		MoveClocks: true, MovePath: unit.Path, MoveOwner: owner.UserID,
		Documents: []clue.Document{{Kind: clue.DocMeetingDecision, Title: m.Number, Body: d.Note, DocDate: m.HeldOn, UserID: p.UserID}},
		Notify:    []store.Notification{{UserID: owner.UserID, Title: "协商会决定由您承办：" + clueLabel(c), Body: m.Number}},
		Note:      map[string]any{"meeting_id": m.ID, "meeting": m.Number}}
	if c.AssignedAt.IsZero() {
		ch.Set["assigned_at"] = now
	}
	if chair, _, err := a.Store.GetUserByPerson(ctx, m.ChairPersonID); err == nil {
		ch.Set["leader_user_id"] = chair.ID
	}
	if c.Status == clue.StatusShelved {
		ch.Done = append(ch.Done, limitShelveReview)
	}
	if err := a.startMode(ctx, moved, pr, now, &ch); err != nil {
		return c, err
	}
	if d.Mode != clue.ModeClose {
		k, err := a.StartClock(ClockSpec{ObjectType: "clue", ObjectID: c.ID, UnitPath: unit.Path, Owner: owner.UserID}, limitDecisionDue, now)
		if err != nil {
			return c, err
		}
		k.RemindAt = due.Add(k.RemindAt.Sub(k.DueAt))
		k.DueAt = due
		ch.Clocks = append(ch.Clocks, k)
	}
	var jointUnits []int64
	if len(d.JointUsers) > 0 {
		members, units, err := a.jointMembersOf(ctx, c, unit, []org.AreaGroup{g}, d.JointUsers)
		if err != nil {
			return c, err
		}
		grantJoint(c, members, units, due.Add(time.Millisecond), now, &ch)
		jointUnits = units
	}
	item := clue.MeetingItem{ClueID: c.ID, Mode: d.Mode, Form: pr.Form, LeadUnitID: unit.ID, JointUnits: jointUnits, JointUsers: d.JointUsers,
		OwnerUserID: owner.UserID, DueOn: due.In(a.Loc).Format(time.DateOnly), Note: d.Note}
	return a.Store.RecordDecision(ctx, actor(p), m.ID, item, ch)
}

// decisionDue is the end of the due day a meeting set, or the
// clue.decision_due limit from now. Errors: invalid (due_on).
func (a *App) decisionDue(day string) (time.Time, error) {
	if day == "" {
		k, err := a.StartClock(ClockSpec{}, limitDecisionDue, a.Now())
		return k.DueAt, err
	}
	d, err := a.futureDate("due_on", day)
	if err != nil {
		return time.Time{}, err
	}
	t, _ := time.ParseInLocation(time.DateOnly, d, a.Loc)
	return t.AddDate(0, 0, 1).Add(-time.Millisecond).UTC(), nil
}
