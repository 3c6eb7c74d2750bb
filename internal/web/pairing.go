package web

import (
	"net/http"
	"strconv"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/org"
	"qingfeng/internal/oversight"
	"qingfeng/internal/store"
)

// pairingRoutes registers pairing (结对帮带) and training pages.
func (s *Server) pairingRoutes(mux *http.ServeMux) {
	mux.Handle("GET /pairings", s.authed(s.pairingList))
	mux.Handle("POST /pairings", s.authed(s.pairingCreate))
	mux.Handle("GET /pairings/{id}", s.authed(s.pairingShow))
	mux.Handle("POST /pairings/{id}/guidance", s.authed(s.pairingGuidance))
	mux.Handle("POST /pairings/{id}/end", s.authed(s.pairingEnd))
	mux.Handle("GET /trainings", s.authed(s.trainingList))
	mux.Handle("POST /trainings", s.authed(s.trainingCreate))
	mux.Handle("GET /trainings/{id}", s.authed(s.trainingShow))
	mux.Handle("POST /trainings/{id}/attendance", s.authed(s.trainingAttendance))
}

// pageOf reads the offset of a list page of 50.
func pageOf(r *http.Request) store.Page {
	return store.Page{Limit: 50, Offset: int(formInt(r.URL.Query().Get("offset")))}
}

// orgChoices are the units and people in the caller's task.manage scope
// that the pairing and training forms offer.
func (s *Server) orgChoices(r *http.Request, kinds ...org.Kind) ([]org.Unit, []org.Person, error) {
	p := principal(r)
	units, _, err := s.app.Store.ListUnits(r.Context(), p.ScopeFor(auth.PermTaskManage), store.UnitFilter{Kinds: kinds,
		Page: store.Page{Limit: 500}})
	if err != nil {
		return nil, nil, err
	}
	people, _, err := s.app.Store.ListPeople(r.Context(), p.ScopeFor(auth.PermTaskManage), store.PersonFilter{Page: store.Page{Limit: 500}})
	return units, people, err
}

func (s *Server) pairingList(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermTaskRead) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	f := store.PairingFilter{Page: pageOf(r)}
	if r.URL.Query().Get("active") == "1" {
		f.ActiveOn = s.app.Today()
	}
	rows, total, err := s.app.ListPairings(r.Context(), p, f)
	if err != nil {
		return err
	}
	data := map[string]any{"Rows": rows, "Total": total, "Limit": 50, "Offset": f.Page.Offset, "Active": f.ActiveOn != "", "Today": s.app.Today(),
		"Manage": p.Can(auth.PermTaskManage), "Kinds": oversight.PairingKinds()}
	if p.Can(auth.PermTaskManage) {
		units, people, err := s.orgChoices(r, org.KindOffice, org.KindDispatched, org.KindTownship)
		if err != nil {
			return err
		}
		var offices, towns []org.Unit
		for _, u := range units {
			if u.Kind == org.KindTownship {
				towns = append(towns, u)
			} else {
				offices = append(offices, u)
			}
		}
		data["Offices"], data["Townships"], data["People"] = offices, towns, people
	}
	return s.render(w, http.StatusOK, "pairings.html", s.newView(r, "pairing.title", "pairings", data))
}

func (s *Server) pairingCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	in := oversight.Pairing{Kind: oversight.PairingKind(f.Get("kind")), TownshipID: formInt(f.Get("township")), From: f.Get("from"),
		Note: f.Get("note")}
	if in.Kind == oversight.PairOffice {
		in.MentorUnitID = formInt(f.Get("mentor_unit"))
	} else {
		in.MentorPersonID = formInt(f.Get("mentor_person"))
	}
	pr, err := s.app.CreatePairing(r.Context(), principal(r), in)
	if err != nil {
		return s.refusal(w, r, "/pairings", err)
	}
	return s.redirect(w, r, "/pairings/"+itoa(pr.ID), "flash.pairing_created")
}

func (s *Server) pairingShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := principal(r)
	pr, gs, err := s.app.GetPairing(r.Context(), p, id)
	if err != nil {
		return err
	}
	manage := p.ScopeFor(auth.PermTaskManage).Covers(pr.TownshipPath)
	mentor := (pr.MentorPersonID != 0 && pr.MentorPersonID == p.PersonID) || (pr.MentorUnitID != 0 && pr.MentorUnitID == p.UnitID)
	return s.render(w, http.StatusOK, "pairing.html", s.newView(r, "pairing.title", "pairings", map[string]any{
		"Pairing": pr, "Guidance": gs, "Manage": manage, "Record": (manage || mentor) && pr.Active(s.app.Today()),
		"Today": s.app.Today(), "GuidanceKinds": oversight.GuidanceKinds()}))
}

func (s *Server) pairingGuidance(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	back := "/pairings/" + itoa(id)
	if _, err := s.app.AddGuidance(r.Context(), principal(r), id, oversight.Guidance{Day: f.Get("day"),
		Kind: oversight.GuidanceKind(f.Get("kind")), Topic: f.Get("topic"), Content: f.Get("content")}); err != nil {
		return s.refusal(w, r, back, err)
	}
	return s.redirect(w, r, back, "flash.guidance_recorded")
}

func (s *Server) pairingEnd(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	back := "/pairings/" + itoa(id)
	if _, err := s.app.EndPairing(r.Context(), principal(r), id, formInt(r.PostForm.Get("version")), r.PostForm.Get("to")); err != nil {
		return s.refusal(w, r, back, err)
	}
	return s.redirect(w, r, back, "flash.pairing_ended")
}

func (s *Server) trainingList(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermTaskRead) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	pg := pageOf(r)
	rows, total, err := s.app.ListTrainings(r.Context(), p, pg)
	if err != nil {
		return err
	}
	data := map[string]any{"Rows": rows, "Total": total, "Limit": 50, "Offset": pg.Offset, "Today": s.app.Today(), "Manage": p.Can(auth.PermTaskManage),
		"Kinds": oversight.TrainingKinds()}
	if p.Can(auth.PermTaskManage) {
		units, people, err := s.orgChoices(r, org.KindCommission, org.KindOffice, org.KindDispatched, org.KindTownship)
		if err != nil {
			return err
		}
		cases, _, err := s.app.ListTeachingCases(r.Context(), p, "", false, store.Page{Limit: 200})
		if err != nil && !apperr.Is(err, apperr.Forbidden) {
			return err
		}
		data["Organisers"], data["People"], data["TeachingCases"] = units, people, cases
	}
	return s.render(w, http.StatusOK, "trainings.html", s.newView(r, "training.title", "trainings", data))
}

func (s *Server) trainingCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	var invited []int64
	for _, v := range f["invited"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			invited = append(invited, id)
		}
	}
	t, err := s.app.CreateTraining(r.Context(), principal(r), oversight.Training{Kind: oversight.TrainingKind(f.Get("kind")),
		Title: f.Get("title"), Day: f.Get("day"), Place: f.Get("place"), OrganiserID: formInt(f.Get("organiser")),
		TeachingCaseID: formInt(f.Get("teaching_case")), Note: f.Get("note")}, invited)
	if err != nil {
		return s.refusal(w, r, "/trainings", err)
	}
	return s.redirect(w, r, "/trainings/"+itoa(t.ID), "flash.training_created")
}

func (s *Server) trainingShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := principal(r)
	t, as, err := s.app.GetTraining(r.Context(), p, id)
	if err != nil {
		return err
	}
	manage := p.ScopeFor(auth.PermTaskManage).Covers(t.OrganiserPath) && t.Day <= s.app.Today()
	return s.render(w, http.StatusOK, "training.html", s.newView(r, "training.title", "trainings", map[string]any{
		"Training": t, "Attendance": as, "Manage": manage}))
}

func (s *Server) trainingAttendance(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	back := "/trainings/" + itoa(id)
	f := r.PostForm
	var as []oversight.Attendance
	for _, v := range f["person"] {
		pid, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		a := oversight.Attendance{PersonID: pid, Attended: f.Get("attended_"+v) == "1"}
		if sc := f.Get("score_" + v); sc != "" && a.Attended {
			n, err := strconv.Atoi(sc)
			if err != nil {
				return s.refusal(w, r, back, apperr.InvalidField("attendance", "training.score_invalid"))
			}
			a.Score = n
		}
		as = append(as, a)
	}
	if err := s.app.RecordAttendance(r.Context(), principal(r), id, as); err != nil {
		return s.refusal(w, r, back, err)
	}
	return s.redirect(w, r, back, "flash.attendance_recorded")
}
