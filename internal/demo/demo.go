// Package demo builds the demo organisation of Zhangjiajie (张家界) — the
// Hunan provincial and Zhangjiajie city commissions and the four county-level
// commissions of 永定区, 慈利县, 桑植县 and 武陵源区 with their offices,
// dispatched groups, township commissions, sample village committees, area
// groups (片区), people and one sign-in account per role — on an empty
// database.
//
// The layout is data: zhangjiajie.json, embedded and parsed on every call.
// Township-level units are taken from the real division data
// (internal/divisions); the people, users and villages are synthetic (see
// README.md). Every write goes through the app services as the system
// principal, so it is validated and audited like any other change.
package demo

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/credential"
	"qingfeng/internal/divisions"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

//go:embed zhangjiajie.json
var layoutJSON string

// Login is a printed demo account.
type Login struct {
	Username string
	Password string
	Role     string // role code, e.g. "admin"
	UnitName string // the unit of the account's person, after its parent's name unless it is a commission ("永定区纪委监委 / 信访室")
	Note     string // what the account is for (from the layout)
}

// Result summarises what Load built.
type Result struct {
	Logins     []Login // in the layout's order; zjj_admin first
	Units      int
	AreaGroups int
	People     int
	Users      int
}

// Load builds the demo data on an empty database through the app services,
// acting as auth.System(). password is the one password of every demo
// account; the caller generates and prints it.
//
// Before writing anything Load checks the embedded layout against the
// division data and the password against the password policy for every demo
// username. Errors: conflict "demo.not_empty" when any unit exists already;
// invalid (field "password") when the password fails the policy; otherwise
// the first service error, wrapped with the object being created. Load is not
// one transaction: after a failure part of the demo may exist, and a second
// call reports demo.not_empty.
func Load(ctx context.Context, a *app.App, password string) (Result, error) {
	lay, err := parseLayout(layoutJSON)
	if err != nil {
		return Result{}, err
	}
	divs, err := divisions.LoadHunan()
	if err != nil {
		return Result{}, fmt.Errorf("demo: %w", err)
	}
	if err := lay.check(divs); err != nil {
		return Result{}, err
	}
	for _, u := range lay.Users {
		if err := credential.ValidatePassword(password, u.Username); err != nil {
			var pe *credential.PolicyError
			if errors.As(err, &pe) {
				return Result{}, apperr.InvalidField("password", "auth.password."+pe.Reason)
			}
			return Result{}, fmt.Errorf("demo: password: %w", err)
		}
	}
	sys := auth.System()
	_, n, err := a.ListUnits(ctx, sys, store.UnitFilter{IncludeInactive: true, Page: store.Page{Limit: 1}})
	if err != nil {
		return Result{}, fmt.Errorf("demo: count units: %w", err)
	}
	if n > 0 {
		return Result{}, apperr.New(apperr.Conflict, "demo.not_empty")
	}
	b := &builder{a: a, p: sys, divs: divs, people: map[string]org.Person{}, units: map[int64]org.Unit{},
		userIDs: map[string]int64{}}
	if err := b.build(ctx, lay); err != nil {
		return b.res, err
	}
	if err := b.users(ctx, lay.Users, password); err != nil {
		return b.res, err
	}
	for _, step := range b.samples() {
		if err := step(ctx); err != nil {
			return b.res, err
		}
	}
	return b.res, nil
}

// layout is the parsed zhangjiajie.json.
type layout struct {
	Note           string     `json:"note"`
	MembershipFrom string     `json:"membership_from"` // YYYY-MM-DD, first day of every area-group membership
	Province       commission `json:"province"`
	City           commission `json:"city"`
	Counties       []county   `json:"counties"`
	Users          []userSpec `json:"users"`
}

// commission is a province, city or county commission with its own people.
type commission struct {
	Name     string       `json:"name"`
	Short    string       `json:"short"`
	Division string       `json:"division"`
	People   []personSpec `json:"people"`
}

// county is a county-level commission and everything under it.
type county struct {
	commission
	Units          []unitSpec     `json:"units"`           // offices, dispatched groups, case management, petition, review
	ExtraTownships []unitSpec     `json:"extra_townships"` // township-level commissions that are not divisions
	Townships      []townshipSpec `json:"townships"`       // people and villages of division townships, by code
	AreaGroups     []areaSpec     `json:"area_groups"`
}

type personSpec struct {
	Key   string `json:"key"` // optional; referenced by area-group leaders and users
	Name  string `json:"name"`
	Post  string `json:"post"`
	Rank  string `json:"rank"`
	Phone string `json:"phone"`
}

type unitSpec struct {
	Kind   org.Kind     `json:"kind"` // empty for extra townships
	Name   string       `json:"name"`
	Note   string       `json:"note"`
	People []personSpec `json:"people"`
}

type townshipSpec struct {
	Code         string        `json:"code"`
	DivisionName string        `json:"division_name"` // must equal the division data's name
	People       []personSpec  `json:"people"`
	Villages     []villageSpec `json:"villages"`
}

type villageSpec struct {
	Code   string       `json:"code"`
	Name   string       `json:"name"`
	Note   string       `json:"note"`
	People []personSpec `json:"people"`
}

type areaSpec struct {
	Name    string   `json:"name"`
	Leader  string   `json:"leader"` // person key of a county commission leader
	Note    string   `json:"note"`
	Members []string `json:"members"` // unit names, or 9-digit division codes of townships
}

type userSpec struct {
	Username string `json:"username"`
	Role     string `json:"role"`
	Person   string `json:"person"` // person key
	Note     string `json:"note"`
}

// parseLayout decodes the layout strictly (unknown fields are errors).
func parseLayout(s string) (layout, error) {
	var lay layout
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&lay); err != nil {
		return lay, fmt.Errorf("demo: layout: %w", err)
	}
	if dec.More() {
		return lay, errors.New("demo: layout: trailing data")
	}
	return lay, nil
}

// townshipName names the commission of a township-level division: streets
// (街道) have a 纪工委, towns and townships a 纪委.
func townshipName(division string) string {
	if strings.HasSuffix(division, "街道") {
		return division + "纪工委"
	}
	return division + "纪委"
}

// check validates the layout against the division data before anything is
// written: codes and names, unique person keys, leaders at their county
// commission, users' persons, and area-group members that resolve to units
// of the county, each in at most one group.
func (l layout) check(divs *divisions.Set) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("demo: layout: "+format, args...)
	}
	if !org.ValidDate(l.MembershipFrom) {
		return fail("membership_from %q is not a date", l.MembershipFrom)
	}
	keys := map[string]bool{}
	addKeys := func(ps []personSpec) error {
		for _, p := range ps {
			if p.Key == "" {
				continue
			}
			if keys[p.Key] {
				return fail("person key %q used twice", p.Key)
			}
			keys[p.Key] = true
		}
		return nil
	}
	checkCommission := func(c commission, level divisions.Level) error {
		d, ok := divs.Get(c.Division)
		if !ok || d.Level != level {
			return fail("%s: division %q is not a %s", c.Name, c.Division, level)
		}
		if !strings.HasPrefix(c.Name, d.Name) {
			return fail("%s: name does not start with the division name %s", c.Name, d.Name)
		}
		return addKeys(c.People)
	}
	if err := checkCommission(l.Province, divisions.Province); err != nil {
		return err
	}
	if err := checkCommission(l.City, divisions.City); err != nil {
		return err
	}
	for _, c := range l.Counties {
		if err := checkCommission(c.commission, divisions.County); err != nil {
			return err
		}
		d, _ := divs.Get(c.Division)
		if d.ParentCode != l.City.Division {
			return fail("%s: not in city %s", c.Name, l.City.Division)
		}
		leaders := map[string]bool{}
		for _, p := range c.People {
			leaders[p.Key] = p.Key != ""
		}
		names := map[string]bool{}
		for _, u := range c.Units {
			if !u.Kind.Valid() || u.Kind == org.KindCommission || u.Kind == org.KindTownship || u.Kind == org.KindVillage {
				return fail("%s/%s: kind %q not allowed here", c.Name, u.Name, u.Kind)
			}
			names[u.Name] = true
			if err := addKeys(u.People); err != nil {
				return err
			}
		}
		for _, u := range c.ExtraTownships {
			if u.Kind != "" && u.Kind != org.KindTownship {
				return fail("%s/%s: extra townships are townships", c.Name, u.Name)
			}
			names[u.Name] = true
			if err := addKeys(u.People); err != nil {
				return err
			}
		}
		codes := map[string]bool{}
		for _, t := range divs.Children(c.Division) {
			codes[t.Code] = true
			names[townshipName(t.Name)] = true
		}
		seen := map[string]bool{}
		for _, t := range c.Townships {
			td, ok := divs.Get(t.Code)
			if !ok || td.ParentCode != c.Division {
				return fail("%s: township %q is not a division of the county", c.Name, t.Code)
			}
			if t.DivisionName != "" && t.DivisionName != td.Name {
				return fail("%s: township %s is %s, not %s", c.Name, t.Code, td.Name, t.DivisionName)
			}
			if seen[t.Code] {
				return fail("%s: township %s listed twice", c.Name, t.Code)
			}
			seen[t.Code] = true
			if err := addKeys(t.People); err != nil {
				return err
			}
			for _, v := range t.Villages {
				if len(v.Code) != 12 || !strings.HasPrefix(v.Code, t.Code) {
					return fail("%s: village %q is not a 12-digit code under %s", c.Name, v.Code, t.Code)
				}
				if err := addKeys(v.People); err != nil {
					return err
				}
			}
		}
		member := map[string]string{}
		for _, g := range c.AreaGroups {
			if !leaders[g.Leader] {
				return fail("%s/%s: leader %q is not a keyed person of the county commission", c.Name, g.Name, g.Leader)
			}
			for _, m := range g.Members {
				if !codes[m] && !names[m] {
					return fail("%s/%s: member %q is neither a unit name nor a township code of the county", c.Name, g.Name, m)
				}
				if prev, ok := member[m]; ok {
					return fail("%s: member %q in both %s and %s", c.Name, m, prev, g.Name)
				}
				member[m] = g.Name
			}
		}
	}
	users := map[string]bool{}
	for _, u := range l.Users {
		if !keys[u.Person] {
			return fail("user %s: no person with key %q", u.Username, u.Person)
		}
		if users[u.Username] {
			return fail("user %s listed twice", u.Username)
		}
		users[u.Username] = true
	}
	return nil
}

// builder creates the objects and remembers what it made.
type builder struct {
	a       *app.App
	p       auth.Principal
	divs    *divisions.Set
	people  map[string]org.Person // by layout key
	units   map[int64]org.Unit    // created units by id
	userIDs map[string]int64      // user ids by username
	res     Result
}

func (b *builder) unit(ctx context.Context, u org.Unit) (org.Unit, error) {
	out, err := b.a.CreateUnit(ctx, b.p, u)
	if err != nil {
		return out, fmt.Errorf("demo: create unit %s: %w", u.Name, err)
	}
	b.res.Units++
	b.units[out.ID] = out
	return out, nil
}

func (b *builder) persons(ctx context.Context, unit org.Unit, ps []personSpec) error {
	for _, s := range ps {
		pe, err := b.a.SavePerson(ctx, b.p, org.Person{UnitID: unit.ID, Name: s.Name, Post: s.Post, Rank: s.Rank, Phone: s.Phone, Active: true})
		if err != nil {
			return fmt.Errorf("demo: create person %s at %s: %w", s.Name, unit.Name, err)
		}
		b.res.People++
		if s.Key != "" {
			b.people[s.Key] = pe
		}
	}
	return nil
}

// commission creates a commission unit and its people.
func (b *builder) commission(ctx context.Context, parentID int64, c commission, sort int) (org.Unit, error) {
	u, err := b.unit(ctx, org.Unit{ParentID: parentID, Kind: org.KindCommission, Name: c.Name, ShortName: c.Short,
		DivisionCode: c.Division, IsDivision: true, SortOrder: sort})
	if err != nil {
		return u, err
	}
	return u, b.persons(ctx, u, c.People)
}

func (b *builder) build(ctx context.Context, l layout) error {
	prov, err := b.commission(ctx, 0, l.Province, 1)
	if err != nil {
		return err
	}
	city, err := b.commission(ctx, prov.ID, l.City, 1)
	if err != nil {
		return err
	}
	for i, c := range l.Counties {
		if err := b.county(ctx, city.ID, c, i+1, l.MembershipFrom); err != nil {
			return err
		}
	}
	return nil
}

// county creates a county commission, its units in layout order, every
// township-level division of the county (in code order) with the layout's
// people and villages, the non-division townships, and the area groups.
func (b *builder) county(ctx context.Context, cityID int64, c county, sort int, from string) error {
	cu, err := b.commission(ctx, cityID, c.commission, sort)
	if err != nil {
		return err
	}
	ids := map[string]int64{} // unit name or township code -> unit id
	n := 0
	for _, s := range c.Units {
		n++
		u, err := b.unit(ctx, org.Unit{ParentID: cu.ID, Kind: s.Kind, Name: s.Name, SortOrder: n})
		if err != nil {
			return err
		}
		ids[s.Name] = u.ID
		if err := b.persons(ctx, u, s.People); err != nil {
			return err
		}
	}
	extra := map[string]townshipSpec{}
	for _, t := range c.Townships {
		extra[t.Code] = t
	}
	for _, d := range b.divs.Children(c.Division) {
		n++
		u, err := b.unit(ctx, org.Unit{ParentID: cu.ID, Kind: org.KindTownship, Name: townshipName(d.Name),
			DivisionCode: d.Code, IsDivision: true, SortOrder: n})
		if err != nil {
			return err
		}
		ids[u.Name], ids[d.Code] = u.ID, u.ID
		t := extra[d.Code]
		if err := b.persons(ctx, u, t.People); err != nil {
			return err
		}
		for i, v := range t.Villages {
			vu, err := b.unit(ctx, org.Unit{ParentID: u.ID, Kind: org.KindVillage, Name: v.Name,
				DivisionCode: v.Code, IsDivision: true, SortOrder: i + 1})
			if err != nil {
				return err
			}
			if err := b.persons(ctx, vu, v.People); err != nil {
				return err
			}
		}
	}
	for _, s := range c.ExtraTownships {
		n++
		u, err := b.unit(ctx, org.Unit{ParentID: cu.ID, Kind: org.KindTownship, Name: s.Name, IsDivision: false, SortOrder: n})
		if err != nil {
			return err
		}
		ids[s.Name] = u.ID
		if err := b.persons(ctx, u, s.People); err != nil {
			return err
		}
	}
	for _, g := range c.AreaGroups {
		ag, err := b.a.CreateAreaGroup(ctx, b.p, org.AreaGroup{CountyUnitID: cu.ID, Name: g.Name,
			LeaderPersonID: b.people[g.Leader].ID, Note: g.Note})
		if err != nil {
			return fmt.Errorf("demo: create area group %s/%s: %w", c.Name, g.Name, err)
		}
		b.res.AreaGroups++
		for _, m := range g.Members {
			if _, err := b.a.AddAreaMember(ctx, b.p, ag.ID, ids[m], from); err != nil {
				return fmt.Errorf("demo: add %s to %s/%s: %w", m, c.Name, g.Name, err)
			}
		}
	}
	return nil
}

// users creates the accounts (one password hash each) and lists the logins.
func (b *builder) users(ctx context.Context, us []userSpec, password string) error {
	for _, s := range us {
		pe := b.people[s.Person]
		u, err := b.a.CreateUser(ctx, b.p, pe.ID, s.Username, password, []auth.Role{auth.Role(s.Role)})
		if err != nil {
			return fmt.Errorf("demo: create user %s: %w", s.Username, err)
		}
		b.userIDs[s.Username] = u.ID
		b.res.Users++
		unit := b.units[pe.UnitID].Name
		if u := b.units[pe.UnitID]; u.Kind != org.KindCommission {
			unit = b.units[u.ParentID].Name + " / " + unit
		}
		b.res.Logins = append(b.res.Logins, Login{Username: s.Username, Password: password, Role: s.Role,
			UnitName: unit, Note: s.Note})
	}
	return nil
}
