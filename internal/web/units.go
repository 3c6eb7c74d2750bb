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

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	ctx := r.Context()
	counts := map[string]int{}
	for _, k := range org.Kinds() {
		_, n, err := s.app.ListUnits(ctx, p, store.UnitFilter{Kinds: []org.Kind{k}, Page: store.Page{Limit: 1}})
		if err != nil {
			return err
		}
		counts[string(k)] = n
	}
	_, groups, err := s.app.ListAreaGroups(ctx, p, store.AreaFilter{Page: store.Page{Limit: 1}})
	if err != nil {
		return err
	}
	_, people, err := s.app.ListPeople(ctx, p, store.PersonFilter{Page: store.Page{Limit: 1}})
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "home.html", s.newView(r, "home.title", "home", map[string]any{
		"Counts": counts, "Kinds": org.Kinds(), "Groups": groups, "People": people}))
}

// unitRow is a unit in a tree listing with its indentation.
type unitRow struct {
	org.Unit
	Indent int
}

func (s *Server) unitList(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	q := r.URL.Query()
	f := store.UnitFilter{Query: q.Get("q"), IncludeInactive: q.Get("inactive") == "1",
		Page: store.Page{Limit: 200, Offset: int(formInt(q.Get("offset")))}}
	if k := org.Kind(q.Get("kind")); k.Valid() {
		f.Kinds = []org.Kind{k}
	}
	units, total, err := s.app.ListUnits(r.Context(), p, f)
	if err != nil {
		return err
	}
	base := strings.Count(p.UnitPath, "/") - 1
	rows := make([]unitRow, len(units))
	for i, u := range units {
		rows[i] = unitRow{Unit: u, Indent: max(0, u.Depth()-base)}
	}
	v := s.newView(r, "units.title", "units", map[string]any{"Rows": rows, "Total": total, "Limit": f.Page.Limit,
		"Offset": f.Page.Offset, "Kinds": org.Kinds(), "Flat": f.Query != "" || len(f.Kinds) > 0})
	v.Form = q
	return s.render(w, http.StatusOK, "units.html", v)
}

func (s *Server) unitShow(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.app.GetUnit(ctx, p, id)
	if err != nil {
		return err
	}
	crumbs, err := s.app.UnitPath(ctx, p, u)
	if err != nil {
		return err
	}
	children, _, err := s.app.ListUnits(ctx, p, store.UnitFilter{ParentID: id, IncludeInactive: true, Page: store.Page{Limit: 500}})
	if err != nil {
		return err
	}
	people, _, err := s.app.ListPeople(ctx, p, store.PersonFilter{UnitID: id, IncludeInactive: true, Page: store.Page{Limit: 200}})
	if err != nil {
		return err
	}
	members, err := s.app.Store.UnitMemberships(ctx, id)
	if err != nil {
		return err
	}
	data := map[string]any{"Unit": u, "Crumbs": crumbs, "Children": children, "People": people, "Memberships": members}
	if p.Can(auth.PermAuditRead) {
		if data["Audit"], err = s.app.History(ctx, p, "unit", id); err != nil {
			return err
		}
	}
	return s.render(w, http.StatusOK, "unit.html", s.newView(r, "unit.title", "units", data))
}

// unitFromForm reads the editable unit fields.
func unitFromForm(r *http.Request) org.Unit {
	f := r.PostForm
	return org.Unit{ParentID: formInt(f.Get("parent_id")), Kind: org.Kind(f.Get("kind")), Name: f.Get("name"),
		ShortName: f.Get("short_name"), DivisionCode: f.Get("division_code"), IsDivision: f.Get("is_division") == "1",
		SortOrder: int(formInt(f.Get("sort_order"))), Version: formInt(f.Get("version")), Active: true}
}

func (s *Server) unitFormView(r *http.Request, title string, u org.Unit, parent *org.Unit) *view {
	v := s.newView(r, title, "units", map[string]any{"Unit": u, "Parent": parent, "Kinds": org.Kinds()})
	return v
}

func (s *Server) unitNew(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermOrgManage) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	parent, err := s.app.GetUnit(r.Context(), p, formInt(r.URL.Query().Get("parent")))
	if err != nil {
		return err
	}
	v := s.unitFormView(r, "unit.new_title", org.Unit{ParentID: parent.ID}, &parent)
	v.Form.Set("is_division", "1")
	v.Form.Set("kind", r.URL.Query().Get("kind"))
	return s.render(w, http.StatusOK, "unit_form.html", v)
}

func (s *Server) unitCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p := principal(r)
	in := unitFromForm(r)
	u, err := s.app.CreateUnit(r.Context(), p, in)
	if err != nil {
		parent, perr := s.app.GetUnit(r.Context(), p, in.ParentID)
		if perr != nil {
			return err
		}
		return s.formError(w, r, err, "unit_form.html", s.unitFormView(r, "unit.new_title", in, &parent))
	}
	return s.redirect(w, r, "/units/"+itoa(u.ID), "flash.saved")
}

func (s *Server) unitEdit(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermOrgManage) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.app.GetUnit(r.Context(), p, id)
	if err != nil {
		return err
	}
	v := s.unitFormView(r, "unit.edit_title", u, nil)
	v.Form.Set("name", u.Name)
	v.Form.Set("short_name", u.ShortName)
	v.Form.Set("division_code", u.DivisionCode)
	v.Form.Set("sort_order", itoa(int64(u.SortOrder)))
	v.Form.Set("kind", string(u.Kind))
	if u.IsDivision {
		v.Form.Set("is_division", "1")
	}
	return s.render(w, http.StatusOK, "unit_form.html", v)
}

func (s *Server) unitUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p := principal(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cur, err := s.app.GetUnit(r.Context(), p, id)
	if err != nil {
		return err
	}
	in := unitFromForm(r)
	in.ID, in.Active = id, cur.Active
	if _, err := s.app.UpdateUnit(r.Context(), p, in); err != nil {
		return s.formError(w, r, err, "unit_form.html", s.unitFormView(r, "unit.edit_title", cur, nil))
	}
	return s.redirect(w, r, "/units/"+itoa(id), "flash.saved")
}

// unitSetActive deactivates or reactivates a unit (never deletes it).
func (s *Server) unitSetActive(w http.ResponseWriter, r *http.Request) error {
	return s.setActive(w, r, "/units/", func(ctx context.Context, p auth.Principal, id int64, active bool, version int64) error {
		u, err := s.app.GetUnit(ctx, p, id)
		if err != nil {
			return err
		}
		u.Active, u.Version = active, version
		_, err = s.app.UpdateUnit(ctx, p, u)
		return err
	})
}
