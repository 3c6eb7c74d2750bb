package web

import (
	"net/http"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

func (s *Server) areaList(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	q := r.URL.Query()
	f := store.AreaFilter{Day: q.Get("day"), CountyUnitID: formInt(q.Get("county")), IncludeInactive: q.Get("inactive") == "1",
		Page: store.Page{Limit: 100, Offset: int(formInt(q.Get("offset")))}}
	groups, total, err := s.app.ListAreaGroups(r.Context(), p, f)
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			return s.redirectError(w, r, "/area-groups", apperr.As(err))
		}
		return err
	}
	counties, _, err := s.app.ListUnits(r.Context(), p, store.UnitFilter{Kinds: []org.Kind{org.KindCommission}, Page: store.Page{Limit: 500}})
	if err != nil {
		return err
	}
	var cs []org.Unit
	for _, c := range counties {
		if len(c.DivisionCode) == 6 {
			cs = append(cs, c)
		}
	}
	day := f.Day
	if day == "" {
		day = s.app.Today()
	}
	v := s.newView(r, "areas.title", "areas", map[string]any{"Groups": groups, "Total": total, "Limit": f.Page.Limit,
		"Offset": f.Page.Offset, "Counties": cs, "Day": day})
	v.Form = q
	return s.render(w, http.StatusOK, "areas.html", v)
}

func (s *Server) areaShow(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	day := r.URL.Query().Get("day")
	g, err := s.app.GetAreaGroup(ctx, p, id, day)
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			return s.redirectError(w, r, "/area-groups/"+itoa(id), apperr.As(err))
		}
		return err
	}
	hist, err := s.app.MembershipHistory(ctx, p, id)
	if err != nil {
		return err
	}
	county, err := s.app.Store.GetUnit(ctx, g.CountyUnitID)
	if err != nil {
		return err
	}
	data := map[string]any{"Group": g, "History": hist, "County": county, "Day": day, "Today": s.app.Today()}
	if p.Can(auth.PermOrgManage) && p.ScopeFor(auth.PermOrgManage).Covers(county.Path) {
		cands, err := s.joinCandidates(r, county)
		if err != nil {
			return err
		}
		data["Candidates"] = cands
		data["CanManage"] = true
	}
	if p.Can(auth.PermAuditRead) {
		if data["Audit"], err = s.app.History(ctx, p, "area_group", id); err != nil {
			return err
		}
	}
	return s.render(w, http.StatusOK, "area.html", s.newView(r, "area.title", "areas", data))
}

// joinCandidates lists the county's offices, dispatched groups and
// townships that are in no area group today.
func (s *Server) joinCandidates(r *http.Request, county org.Unit) ([]org.Unit, error) {
	p := principal(r)
	units, _, err := s.app.ListUnits(r.Context(), p, store.UnitFilter{Under: county.Path,
		Kinds: []org.Kind{org.KindOffice, org.KindDispatched, org.KindTownship}, Page: store.Page{Limit: 500}})
	if err != nil {
		return nil, err
	}
	groups, _, err := s.app.ListAreaGroups(r.Context(), p, store.AreaFilter{CountyUnitID: county.ID, Page: store.Page{Limit: 500}})
	if err != nil {
		return nil, err
	}
	taken := map[int64]bool{}
	for _, g := range groups {
		for _, m := range g.Members {
			taken[m.UnitID] = true
		}
	}
	var out []org.Unit
	for _, u := range units {
		if !taken[u.ID] {
			out = append(out, u)
		}
	}
	return out, nil
}

// leaders lists the active people of a county commission itself.
func (s *Server) leaders(r *http.Request, countyID int64) ([]org.Person, error) {
	people, _, err := s.app.ListPeople(r.Context(), principal(r), store.PersonFilter{UnitID: countyID, Page: store.Page{Limit: 500}})
	return people, err
}

func (s *Server) areaFormView(r *http.Request, title string, g org.AreaGroup) (*view, error) {
	p := principal(r)
	counties, _, err := s.app.ListUnits(r.Context(), p, store.UnitFilter{Kinds: []org.Kind{org.KindCommission}, Page: store.Page{Limit: 500}})
	if err != nil {
		return nil, err
	}
	var cs []org.Unit
	for _, c := range counties {
		if len(c.DivisionCode) == 6 && p.ScopeFor(auth.PermOrgManage).Covers(c.Path) {
			cs = append(cs, c)
		}
	}
	countyID := g.CountyUnitID
	if countyID == 0 && len(cs) > 0 {
		countyID = cs[0].ID
	}
	if c := formInt(r.URL.Query().Get("county")); c != 0 {
		countyID = c
	}
	var leaders []org.Person
	if countyID != 0 {
		if leaders, err = s.leaders(r, countyID); err != nil {
			return nil, err
		}
	}
	return s.newView(r, title, "areas", map[string]any{"Group": g, "Counties": cs, "CountyID": countyID, "Leaders": leaders}), nil
}

func (s *Server) areaNew(w http.ResponseWriter, r *http.Request) error {
	if !principal(r).Can(auth.PermOrgManage) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	v, err := s.areaFormView(r, "area.new_title", org.AreaGroup{})
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "area_form.html", v)
}

func areaFromForm(r *http.Request) org.AreaGroup {
	f := r.PostForm
	return org.AreaGroup{CountyUnitID: formInt(f.Get("county_unit_id")), Name: f.Get("name"),
		LeaderPersonID: formInt(f.Get("leader_person_id")), Note: f.Get("note"), Version: formInt(f.Get("version")), Active: true}
}

func (s *Server) areaCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	in := areaFromForm(r)
	g, err := s.app.CreateAreaGroup(r.Context(), principal(r), in)
	if err != nil {
		v, verr := s.areaFormView(r, "area.new_title", in)
		if verr != nil {
			return verr
		}
		return s.formError(w, r, err, "area_form.html", v)
	}
	return s.redirect(w, r, "/area-groups/"+itoa(g.ID), "flash.saved")
}

func (s *Server) areaEdit(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermOrgManage) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	g, err := s.app.GetAreaGroup(r.Context(), p, id, "")
	if err != nil {
		return err
	}
	v, err := s.areaFormView(r, "area.edit_title", g)
	if err != nil {
		return err
	}
	v.Form.Set("name", g.Name)
	v.Form.Set("note", g.Note)
	v.Form.Set("leader_person_id", itoa(g.LeaderPersonID))
	return s.render(w, http.StatusOK, "area_form.html", v)
}

func (s *Server) areaUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p := principal(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cur, err := s.app.GetAreaGroup(r.Context(), p, id, "")
	if err != nil {
		return err
	}
	in := areaFromForm(r)
	in.ID, in.CountyUnitID, in.Active = id, cur.CountyUnitID, cur.Active
	if a := r.PostForm.Get("active"); a != "" {
		in = cur
		in.Active = a == "1"
		in.Version = formInt(r.PostForm.Get("version"))
	}
	if err := s.app.UpdateAreaGroup(r.Context(), p, in); err != nil {
		if r.PostForm.Get("active") != "" && (apperr.Is(err, apperr.Conflict) || apperr.Is(err, apperr.Invalid)) {
			return s.redirectError(w, r, "/area-groups/"+itoa(id), apperr.As(err))
		}
		v, verr := s.areaFormView(r, "area.edit_title", cur)
		if verr != nil {
			return verr
		}
		return s.formError(w, r, err, "area_form.html", v)
	}
	return s.redirect(w, r, "/area-groups/"+itoa(id), "flash.saved")
}

func (s *Server) areaAddMember(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, err = s.app.AddAreaMember(r.Context(), principal(r), id, formInt(r.PostForm.Get("unit_id")), r.PostForm.Get("from"))
	if err != nil {
		if apperr.Is(err, apperr.Conflict) || apperr.Is(err, apperr.Invalid) {
			return s.redirectError(w, r, "/area-groups/"+itoa(id), apperr.As(err))
		}
		return err
	}
	return s.redirect(w, r, "/area-groups/"+itoa(id), "flash.member_added")
}

func (s *Server) areaEndMember(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	mid, err := pathID(r, "mid")
	if err != nil {
		return err
	}
	if err := s.app.EndAreaMember(r.Context(), principal(r), mid, r.PostForm.Get("to")); err != nil {
		if apperr.Is(err, apperr.Conflict) || apperr.Is(err, apperr.Invalid) {
			return s.redirectError(w, r, "/area-groups/"+itoa(id), apperr.As(err))
		}
		return err
	}
	return s.redirect(w, r, "/area-groups/"+itoa(id), "flash.member_ended")
}
