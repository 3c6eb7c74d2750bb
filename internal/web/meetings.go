package web

import (
	"net/http"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/clue"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// meetingGroupRow is an area group on the meetings page with its recent
// meetings.
type meetingGroupRow struct {
	Group    org.AreaGroup
	Meetings []clue.Meeting
	Total    int
	Manage   bool
}

func (s *Server) meetingHome(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermClueRead) && !p.Can(auth.PermMeetingManage) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	groups, _, err := s.app.ListAreaGroups(r.Context(), p, store.AreaFilter{Page: store.Page{Limit: 200}})
	if err != nil {
		return err
	}
	var rows []meetingGroupRow
	for _, g := range groups {
		ms, n, err := s.app.ListMeetings(r.Context(), p, g.ID, store.Page{Limit: 5})
		if err != nil {
			if apperr.Is(err, apperr.NotFound) || apperr.Is(err, apperr.Forbidden) {
				continue // a group the caller sees in the organisation but not in the clue work
			}
			return err
		}
		rows = append(rows, meetingGroupRow{Group: g, Meetings: ms, Total: n, Manage: p.Can(auth.PermMeetingManage)})
	}
	return s.render(w, http.StatusOK, "meetings.html", s.newView(r, "meetings.title", "meetings",
		map[string]any{"Rows": rows, "Today": s.app.Today()}))
}

func (s *Server) meetingCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	m, err := s.app.CreateMeeting(r.Context(), principal(r), id, clue.MeetingInput{HeldOn: f.Get("held_on"), Place: f.Get("place")})
	if err != nil {
		return s.refusal(w, r, "/meetings", err)
	}
	return s.redirect(w, r, "/meetings/"+itoa(m.ID), "flash.meeting_created")
}

func (s *Server) meetingShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := principal(r)
	m, err := s.app.GetMeeting(r.Context(), p, id)
	if err != nil {
		return err
	}
	g, err := s.app.Store.GetAreaGroup(r.Context(), m.AreaGroupID, s.app.Today())
	if err != nil {
		return err
	}
	// The decision and attendance forms (managers of an open meeting
	// only) offer the county's handlers and people.
	manage := p.Can(auth.PermMeetingManage) && m.Status == clue.MeetingOpen
	var handlers []auth.User
	var people []org.Person
	if manage {
		county, err := s.app.Store.GetUnit(r.Context(), m.CountyUnitID)
		if err != nil {
			return err
		}
		sc := auth.Scope{Prefixes: []string{county.Path}}
		if handlers, _, err = s.app.Store.ListUsers(r.Context(), sc, store.UserFilter{Permission: auth.PermClueHandle,
			Page: store.Page{Limit: 500}}); err != nil {
			return err
		}
		if people, _, err = s.app.Store.ListPeople(r.Context(), sc, store.PersonFilter{Page: store.Page{Limit: 500}}); err != nil {
			return err
		}
	}
	present := map[int64]clue.Attendee{}
	for _, a := range m.Attendees {
		present[a.PersonID] = a
	}
	v := s.newView(r, "meeting.title", "meetings", map[string]any{"M": m, "Group": g, "Handlers": handlers, "People": people,
		"Present": present, "Modes": clue.Modes(), "CloseReasons": clue.CloseReasons(), "Today": s.app.Today(),
		"Manage": manage})
	return s.render(w, http.StatusOK, "meeting.html", v)
}

func (s *Server) meetingDecide(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	d := clue.Decision{ClueID: formInt(f.Get("clue_id")), Mode: clue.Mode(f.Get("mode")), Form: f.Get("form"), Team: formIDs(f["team"]),
		ShelveUntil: f.Get("shelve_until"), Closure: f.Get("closure"), LeadUnitID: formInt(f.Get("lead_unit_id")),
		OwnerUserID: formInt(f.Get("owner_id")), JointUsers: formIDs(f["joint_users"]), DueOn: f.Get("due_on"), Note: f.Get("note")}
	if _, err := s.app.DecideMeetingItem(r.Context(), principal(r), id, d); err != nil {
		return s.refusal(w, r, "/meetings/"+itoa(id), err)
	}
	return s.redirect(w, r, "/meetings/"+itoa(id)+"#item-"+itoa(d.ClueID), "flash.meeting_decided")
}

func (s *Server) meetingAttend(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	var as []clue.Attendee
	for _, pid := range formIDs(f["person"]) {
		as = append(as, clue.Attendee{PersonID: pid, Present: f.Get("present_"+itoa(pid)) == "1", Note: f.Get("note_" + itoa(pid))})
	}
	if _, err := s.app.SetMeetingAttendance(r.Context(), principal(r), id, formInt(f.Get("version")), as); err != nil {
		return s.refusal(w, r, "/meetings/"+itoa(id), err)
	}
	return s.redirect(w, r, "/meetings/"+itoa(id), "flash.saved")
}

func (s *Server) meetingClose(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.app.CloseMeeting(r.Context(), principal(r), id, formInt(r.PostForm.Get("version")), r.PostForm.Get("summary")); err != nil {
		return s.refusal(w, r, "/meetings/"+itoa(id), err)
	}
	return s.redirect(w, r, "/meetings/"+itoa(id), "flash.meeting_closed")
}
