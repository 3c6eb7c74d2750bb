package api

import (
	"net/http"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// Unit is the JSON form of a unit.
type Unit struct {
	ID           int64     `json:"id"`
	ParentID     *int64    `json:"parent_id"`
	Kind         string    `json:"kind"`
	Name         string    `json:"name"`
	ShortName    string    `json:"short_name"`
	DivisionCode *string   `json:"division_code"`
	IsDivision   bool      `json:"is_division"`
	Path         string    `json:"path"`
	Active       bool      `json:"active"`
	Version      int64     `json:"version"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func unitJSON(u org.Unit) Unit {
	out := Unit{ID: u.ID, Kind: string(u.Kind), Name: u.Name, ShortName: u.ShortName, IsDivision: u.IsDivision,
		Path: u.Path, Active: u.Active, Version: u.Version, UpdatedAt: u.UpdatedAt}
	if u.ParentID != 0 {
		out.ParentID = &u.ParentID
	}
	if u.DivisionCode != "" {
		out.DivisionCode = &u.DivisionCode
	}
	return out
}

// Leader is an area group's leader.
type Leader struct {
	PersonID int64  `json:"person_id"`
	Name     string `json:"name"`
}

// Member is a dated area-group membership.
type Member struct {
	UnitID int64  `json:"unit_id"`
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	From   string `json:"from"`
	To     string `json:"to,omitempty"`
}

// AreaGroup is the JSON form of an area group; Members lists unit ids on
// the requested day, MemberUnits the same with names and dates.
type AreaGroup struct {
	ID           int64    `json:"id"`
	Name         string   `json:"name"`
	CountyUnitID int64    `json:"county_unit_id"`
	Leader       Leader   `json:"leader"`
	Members      []int64  `json:"members"`
	MemberUnits  []Member `json:"member_units"`
	Note         string   `json:"note"`
	Active       bool     `json:"active"`
	Version      int64    `json:"version"`
	Day          string   `json:"day"`
}

func areaJSON(g org.AreaGroup, day string) AreaGroup {
	out := AreaGroup{ID: g.ID, Name: g.Name, CountyUnitID: g.CountyUnitID, Leader: Leader{g.LeaderPersonID, g.LeaderName},
		Members: []int64{}, MemberUnits: []Member{}, Note: g.Note, Active: g.Active, Version: g.Version, Day: day}
	for _, m := range g.Members {
		out.Members = append(out.Members, m.UnitID)
		out.MemberUnits = append(out.MemberUnits, Member{m.UnitID, m.UnitName, string(m.UnitKind), m.From, m.To})
	}
	return out
}

// Person is the JSON form of a person.
type Person struct {
	ID     int64  `json:"id"`
	UnitID int64  `json:"unit_id"`
	Name   string `json:"name"`
	Post   string `json:"post"`
	Rank   string `json:"rank"`
	Active bool   `json:"active"`
}

func (x *API) me(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	perms := []auth.Permission{}
	for _, perm := range auth.AllPermissions() {
		if p.Can(perm) {
			perms = append(perms, perm)
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"user_id": p.UserID, "username": p.Username, "name": p.Name,
		"unit_id": p.UnitID, "unit_name": p.UnitName, "roles": p.Roles, "permissions": perms})
}

func (x *API) listUnits(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	parent, err := idParam(q.Get("parent_id"), "parent_id")
	if err != nil {
		return err
	}
	f := store.UnitFilter{ParentID: parent, Query: q.Get("q"), IncludeInactive: q.Get("include_inactive") == "true",
		Page: store.Page{Limit: limit, Offset: offset}}
	for _, k := range q["kind"] {
		if !org.Kind(k).Valid() {
			return apperr.InvalidField("kind", "org.unit.kind_invalid")
		}
		f.Kinds = append(f.Kinds, org.Kind(k))
	}
	if under := q.Get("under"); under != "" {
		id, err := idParam(under, "under")
		if err != nil {
			return err
		}
		u, err := x.app.GetUnit(r.Context(), principal(r), id)
		if err != nil {
			return err
		}
		f.Under = u.Path
	}
	units, total, err := x.app.ListUnits(r.Context(), principal(r), f)
	if err != nil {
		return err
	}
	out := list[Unit]{Items: make([]Unit, 0, len(units)), Total: total, Limit: limit, Offset: offset}
	for _, u := range units {
		out.Items = append(out.Items, unitJSON(u))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (x *API) getUnit(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r.PathValue("id"), "id")
	if err != nil || id == 0 {
		return apperr.New(apperr.NotFound, "error.not_found.unit")
	}
	u, err := x.app.GetUnit(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, unitJSON(u))
}

func (x *API) listAreaGroups(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	county, err := idParam(q.Get("county_unit_id"), "county_unit_id")
	if err != nil {
		return err
	}
	day := q.Get("day")
	if day == "" {
		day = x.app.Today()
	}
	groups, total, err := x.app.ListAreaGroups(r.Context(), principal(r), store.AreaFilter{CountyUnitID: county, Day: day,
		IncludeInactive: q.Get("include_inactive") == "true", Page: store.Page{Limit: limit, Offset: offset}})
	if err != nil {
		return err
	}
	out := list[AreaGroup]{Items: make([]AreaGroup, 0, len(groups)), Total: total, Limit: limit, Offset: offset}
	for _, g := range groups {
		out.Items = append(out.Items, areaJSON(g, day))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (x *API) getAreaGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r.PathValue("id"), "id")
	if err != nil || id == 0 {
		return apperr.New(apperr.NotFound, "error.not_found.area_group")
	}
	day := r.URL.Query().Get("day")
	if day == "" {
		day = x.app.Today()
	}
	g, err := x.app.GetAreaGroup(r.Context(), principal(r), id, day)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, areaJSON(g, day))
}

func personJSON(p org.Person) Person {
	return Person{ID: p.ID, UnitID: p.UnitID, Name: p.Name, Post: p.Post, Rank: p.Rank, Active: p.Active}
}

func (x *API) listPeople(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	unit, err := idParam(q.Get("unit_id"), "unit_id")
	if err != nil {
		return err
	}
	people, total, err := x.app.ListPeople(r.Context(), principal(r), store.PersonFilter{UnitID: unit, Query: q.Get("q"),
		IncludeInactive: q.Get("include_inactive") == "true", Page: store.Page{Limit: limit, Offset: offset}})
	if err != nil {
		return err
	}
	out := list[Person]{Items: make([]Person, 0, len(people)), Total: total, Limit: limit, Offset: offset}
	for _, p := range people {
		out.Items = append(out.Items, personJSON(p))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (x *API) getPerson(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r.PathValue("id"), "id")
	if err != nil || id == 0 {
		return apperr.New(apperr.NotFound, "error.not_found.person")
	}
	p, err := x.app.GetPerson(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, personJSON(p))
}
