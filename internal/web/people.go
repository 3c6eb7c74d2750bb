package web

import (
	"context"
	"net/http"
	"strings"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// unitChoices lists, in tree order, up to 500 active units that the viewer
// holds perm for, plus the unit keep when it is missing from that list (a
// person's current unit, a filter in the URL).
func (s *Server) unitChoices(r *http.Request, perm auth.Permission, keep int64) ([]unitRow, error) {
	p := principal(r)
	units, _, err := s.app.ListUnits(r.Context(), p, store.UnitFilter{Page: store.Page{Limit: 500}})
	if err != nil {
		return nil, err
	}
	sc := p.ScopeFor(perm)
	base := strings.Count(p.UnitPath, "/") - 1
	var out []unitRow
	found := keep == 0
	for _, u := range units {
		if sc.Covers(u.Path) {
			out = append(out, unitRow{Unit: u, Indent: max(0, u.Depth()-base)})
			found = found || u.ID == keep
		}
	}
	if !found {
		if u, err := s.app.GetUnit(r.Context(), p, keep); err == nil {
			out = append(out, unitRow{Unit: u})
		}
	}
	return out, nil
}

func (s *Server) personList(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	q := r.URL.Query()
	unitID := formInt(q.Get("unit"))
	f := store.PersonFilter{UnitID: unitID, Query: q.Get("q"), IncludeInactive: q.Get("inactive") == "1",
		Page: store.Page{Limit: 50, Offset: int(formInt(q.Get("offset")))}}
	if unitID != 0 && q.Get("sub") == "1" {
		u, err := s.app.GetUnit(r.Context(), p, unitID)
		if err != nil {
			return err
		}
		f.UnitID, f.Under = 0, u.Path
	}
	people, total, err := s.app.ListPeople(r.Context(), p, f)
	if err != nil {
		return err
	}
	units, err := s.unitChoices(r, auth.PermOrgRead, unitID)
	if err != nil {
		return err
	}
	v := s.newView(r, "people.title", "people", map[string]any{"People": people, "Total": total,
		"Limit": f.Page.Limit, "Offset": f.Page.Offset, "Units": units})
	v.Form = q
	return s.render(w, http.StatusOK, "people.html", v)
}

func (s *Server) personShow(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pe, err := s.app.GetPerson(ctx, p, id)
	if err != nil {
		return err
	}
	data := map[string]any{"Person": pe}
	if p.Can(auth.PermUserRead) {
		u, _, err := s.app.Store.GetUserByPerson(ctx, id)
		switch {
		case err == nil:
			if _, err := s.app.GetUser(ctx, p, u.ID); err == nil {
				data["User"] = u
			}
		case !apperr.Is(err, apperr.NotFound):
			return err
		default:
			data["NoUser"] = true
		}
	}
	if p.Can(auth.PermAuditRead) {
		if data["Audit"], err = s.app.History(ctx, p, "person", id); err != nil {
			return err
		}
	}
	return s.render(w, http.StatusOK, "person.html", s.newView(r, "person.title", "people", data))
}

// personFromForm reads the editable person fields.
func personFromForm(r *http.Request) org.Person {
	f := r.PostForm
	return org.Person{UnitID: formInt(f.Get("unit_id")), Name: f.Get("name"), Post: f.Get("post"),
		Rank: f.Get("rank"), Phone: f.Get("phone"), Version: formInt(f.Get("version")), Active: true}
}

func (s *Server) personFormView(r *http.Request, title string, pe org.Person) (*view, error) {
	units, err := s.unitChoices(r, auth.PermOrgManage, pe.UnitID)
	if err != nil {
		return nil, err
	}
	return s.newView(r, title, "people", map[string]any{"Person": pe, "Units": units}), nil
}

func (s *Server) personNew(w http.ResponseWriter, r *http.Request) error {
	if !principal(r).Can(auth.PermOrgManage) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	unitID := formInt(r.URL.Query().Get("unit"))
	v, err := s.personFormView(r, "person.new_title", org.Person{UnitID: unitID})
	if err != nil {
		return err
	}
	if unitID != 0 {
		v.Form.Set("unit_id", itoa(unitID))
	}
	return s.render(w, http.StatusOK, "person_form.html", v)
}

func (s *Server) personCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	in := personFromForm(r)
	pe, err := s.app.SavePerson(r.Context(), principal(r), in)
	if err != nil {
		v, verr := s.personFormView(r, "person.new_title", org.Person{UnitID: in.UnitID})
		if verr != nil {
			return verr
		}
		return s.formError(w, r, err, "person_form.html", v)
	}
	return s.redirect(w, r, "/people/"+itoa(pe.ID), "flash.saved")
}

func (s *Server) personEdit(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermOrgManage) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pe, err := s.app.GetPerson(r.Context(), p, id)
	if err != nil {
		return err
	}
	v, err := s.personFormView(r, "person.edit_title", pe)
	if err != nil {
		return err
	}
	v.Form.Set("unit_id", itoa(pe.UnitID))
	v.Form.Set("name", pe.Name)
	v.Form.Set("post", pe.Post)
	v.Form.Set("rank", pe.Rank)
	v.Form.Set("phone", pe.Phone)
	return s.render(w, http.StatusOK, "person_form.html", v)
}

func (s *Server) personUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p := principal(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cur, err := s.app.GetPerson(r.Context(), p, id)
	if err != nil {
		return err
	}
	in := personFromForm(r)
	in.ID, in.Active = id, cur.Active
	if _, err := s.app.SavePerson(r.Context(), p, in); err != nil {
		v, verr := s.personFormView(r, "person.edit_title", cur)
		if verr != nil {
			return verr
		}
		return s.formError(w, r, err, "person_form.html", v)
	}
	return s.redirect(w, r, "/people/"+itoa(id), "flash.saved")
}

// personSetActive deactivates or reactivates a person (never deletes).
func (s *Server) personSetActive(w http.ResponseWriter, r *http.Request) error {
	return s.setActive(w, r, "/people/", func(ctx context.Context, p auth.Principal, id int64, active bool, version int64) error {
		pe, err := s.app.GetPerson(ctx, p, id)
		if err != nil {
			return err
		}
		pe.Active, pe.Version = active, version
		_, err = s.app.SavePerson(ctx, p, pe)
		return err
	})
}
