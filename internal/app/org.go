package app

import (
	"context"
	"strings"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// ListUnits lists units in the caller's org.read scope.
func (a *App) ListUnits(ctx context.Context, p auth.Principal, f store.UnitFilter) ([]org.Unit, int, error) {
	return a.Store.ListUnits(ctx, p.ScopeFor(auth.PermOrgRead), f)
}

// GetUnit returns a unit in the caller's scope. Errors: not_found.
func (a *App) GetUnit(ctx context.Context, p auth.Principal, id int64) (org.Unit, error) {
	u, err := a.Store.GetUnit(ctx, id)
	if err != nil {
		return u, err
	}
	return u, inScope(p, auth.PermOrgRead, u.Path, "unit")
}

// ResolveUnit finds a unit by numeric id or division code (the CLI's UNIT).
// Errors: not_found.
func (a *App) ResolveUnit(ctx context.Context, p auth.Principal, ref string) (org.Unit, error) {
	ref = strings.TrimSpace(ref)
	if org.ValidDivisionCode(ref) {
		if u, err := a.Store.GetUnitByDivision(ctx, ref); err == nil {
			return u, inScope(p, auth.PermOrgRead, u.Path, "unit")
		}
	}
	var id int64
	for _, c := range ref {
		if c < '0' || c > '9' || id > 1e15 {
			return org.Unit{}, apperr.New(apperr.NotFound, "error.not_found.unit")
		}
		id = id*10 + int64(c-'0')
	}
	if id == 0 {
		return org.Unit{}, apperr.New(apperr.NotFound, "error.not_found.unit")
	}
	return a.GetUnit(ctx, p, id)
}

// CreateUnit adds a unit under a parent the caller manages.
// Errors: forbidden, not_found (parent), invalid, conflict.
func (a *App) CreateUnit(ctx context.Context, p auth.Principal, u org.Unit) (org.Unit, error) {
	if err := need(p, auth.PermOrgManage); err != nil {
		return u, err
	}
	u.Name, u.ShortName, u.DivisionCode = strings.TrimSpace(u.Name), strings.TrimSpace(u.ShortName), strings.TrimSpace(u.DivisionCode)
	u.Active = true
	var parent *org.Unit
	if u.ParentID != 0 {
		// A missing parent and one outside the caller's scope answer alike.
		pu, err := a.Store.GetUnit(ctx, u.ParentID)
		if err != nil || inScope(p, auth.PermOrgManage, pu.Path, "unit") != nil {
			return u, apperr.InvalidField("parent_id", "org.unit.parent_not_found")
		}
		parent = &pu
	} else if p.UnitPath != "/" {
		return u, apperr.InvalidField("parent_id", "org.unit.parent_required")
	}
	if err := org.ValidateUnit(u, parent); err != nil {
		return u, err
	}
	u, err := a.Store.CreateUnit(ctx, actor(p), u)
	if apperr.Is(err, apperr.Conflict) {
		return u, apperr.InvalidField("division_code", "org.unit.division_taken")
	}
	return u, err
}

// UpdateUnit saves a unit's editable fields; deactivation is refused while
// the unit has active children, people or open area-group memberships.
// Errors: forbidden, not_found, invalid, conflict.
func (a *App) UpdateUnit(ctx context.Context, p auth.Principal, u org.Unit) (org.Unit, error) {
	if err := need(p, auth.PermOrgManage); err != nil {
		return u, err
	}
	cur, err := a.Store.GetUnit(ctx, u.ID)
	if err != nil {
		return u, err
	}
	if err := inScope(p, auth.PermOrgManage, cur.Path, "unit"); err != nil {
		return u, err
	}
	next := cur
	next.Name, next.ShortName, next.DivisionCode = strings.TrimSpace(u.Name), strings.TrimSpace(u.ShortName), strings.TrimSpace(u.DivisionCode)
	next.IsDivision, next.SortOrder, next.Active, next.Version = u.IsDivision, u.SortOrder, u.Active, u.Version
	var parent *org.Unit
	if cur.ParentID != 0 {
		pu, err := a.Store.GetUnit(ctx, cur.ParentID)
		if err != nil {
			return u, err
		}
		parent = &pu
	}
	if err := org.ValidateUnit(next, parent); err != nil {
		return next, err
	}
	if cur.Active && !next.Active {
		if cur.ID == p.UnitID {
			return next, apperr.New(apperr.Conflict, "org.unit.deactivate_own")
		}
		c, pe, m, err := a.Store.CountActiveDependants(ctx, cur.ID)
		if err != nil {
			return next, err
		}
		if c+pe+m > 0 {
			return next, apperr.New(apperr.Conflict, "org.unit.has_dependants", c, pe, m)
		}
	}
	out, err := a.Store.UpdateUnit(ctx, actor(p), next)
	if apperr.Is(err, apperr.Conflict) && apperr.As(err).Key == "error.duplicate" {
		return next, apperr.InvalidField("division_code", "org.unit.division_taken")
	}
	return out, err
}

// UnitPath returns the ancestors of a unit (for breadcrumbs), limited to
// those in the caller's scope.
func (a *App) UnitPath(ctx context.Context, p auth.Principal, u org.Unit) ([]org.Unit, error) {
	anc, err := a.Store.Ancestors(ctx, u)
	if err != nil {
		return nil, err
	}
	sc := p.ScopeFor(auth.PermOrgRead)
	out := anc[:0]
	for _, x := range anc {
		if sc.Covers(x.Path) {
			out = append(out, x)
		}
	}
	return out, nil
}

// ListAreaGroups lists the area groups visible to the caller with their
// members on day ("" = today).
func (a *App) ListAreaGroups(ctx context.Context, p auth.Principal, f store.AreaFilter) ([]org.AreaGroup, int, error) {
	if f.Day == "" {
		f.Day = a.Today()
	} else if !org.ValidDate(f.Day) {
		return nil, 0, apperr.InvalidField("day", "org.area.date_invalid")
	}
	return a.Store.ListAreaGroups(ctx, p.ScopeFor(auth.PermOrgRead), f)
}

// GetAreaGroup returns a group with members on day ("" = today) when its
// county or one of its members is in scope. Errors: not_found, invalid.
func (a *App) GetAreaGroup(ctx context.Context, p auth.Principal, id int64, day string) (org.AreaGroup, error) {
	if day == "" {
		day = a.Today()
	} else if !org.ValidDate(day) {
		return org.AreaGroup{}, apperr.InvalidField("day", "org.area.date_invalid")
	}
	g, err := a.Store.GetAreaGroup(ctx, id, day)
	if err != nil {
		return g, err
	}
	county, err := a.Store.GetUnit(ctx, g.CountyUnitID)
	if err != nil {
		return g, err
	}
	sc := p.ScopeFor(auth.PermOrgRead)
	if sc.Covers(county.Path) {
		return g, nil
	}
	hist, err := a.Store.MembershipHistory(ctx, id)
	if err != nil {
		return g, err
	}
	for _, m := range hist {
		if m.Covers(day) {
			u, err := a.Store.GetUnit(ctx, m.UnitID)
			if err == nil && sc.Covers(u.Path) {
				return g, nil
			}
		}
	}
	return org.AreaGroup{}, apperr.New(apperr.NotFound, "error.not_found.area_group")
}

// MembershipHistory returns all memberships, past and present, of a group
// the caller can see.
func (a *App) MembershipHistory(ctx context.Context, p auth.Principal, id int64) ([]org.Membership, error) {
	if _, err := a.GetAreaGroup(ctx, p, id, ""); err != nil {
		return nil, err
	}
	return a.Store.MembershipHistory(ctx, id)
}

// managedCounty loads the county of an area group and checks that the
// caller manages it.
func (a *App) managedCounty(ctx context.Context, p auth.Principal, countyID int64) (org.Unit, error) {
	if err := need(p, auth.PermOrgManage); err != nil {
		return org.Unit{}, err
	}
	c, err := a.Store.GetUnit(ctx, countyID)
	if err != nil {
		return c, apperr.InvalidField("county_unit_id", "org.area.county_invalid")
	}
	if err := inScope(p, auth.PermOrgManage, c.Path, "unit"); err != nil {
		return c, apperr.InvalidField("county_unit_id", "org.area.county_invalid")
	}
	return c, nil
}

// managedGroup loads an area group the caller manages; a group outside the
// caller's scope answers like a missing one (notFoundKey).
func (a *App) managedGroup(ctx context.Context, p auth.Principal, groupID int64, notFoundKey string) (org.AreaGroup, org.Unit, error) {
	if err := need(p, auth.PermOrgManage); err != nil {
		return org.AreaGroup{}, org.Unit{}, err
	}
	g, err := a.Store.GetAreaGroup(ctx, groupID, a.Today())
	if err != nil {
		return g, org.Unit{}, apperr.New(apperr.NotFound, notFoundKey)
	}
	c, err := a.Store.GetUnit(ctx, g.CountyUnitID)
	if err != nil || !p.ScopeFor(auth.PermOrgManage).Covers(c.Path) {
		return g, c, apperr.New(apperr.NotFound, notFoundKey)
	}
	return g, c, nil
}

// checkLeader requires an active person of the county commission itself
// (a commission leader, 委领导).
func (a *App) checkLeader(ctx context.Context, county org.Unit, personID int64) error {
	if personID == 0 {
		return apperr.InvalidField("leader_person_id", "org.area.leader_required")
	}
	pe, _, err := a.Store.GetPerson(ctx, personID)
	if err != nil || pe.UnitID != county.ID || !pe.Active {
		return apperr.InvalidField("leader_person_id", "org.area.leader_invalid")
	}
	return nil
}

// CreateAreaGroup adds an area group to a county the caller manages.
// Errors: forbidden, invalid, conflict (name taken).
func (a *App) CreateAreaGroup(ctx context.Context, p auth.Principal, g org.AreaGroup) (org.AreaGroup, error) {
	g.Name, g.Note = strings.TrimSpace(g.Name), strings.TrimSpace(g.Note)
	county, err := a.managedCounty(ctx, p, g.CountyUnitID)
	if err != nil {
		return g, err
	}
	if err := org.ValidateAreaGroup(g, &county); err != nil {
		return g, err
	}
	if err := a.checkLeader(ctx, county, g.LeaderPersonID); err != nil {
		return g, err
	}
	out, err := a.Store.CreateAreaGroup(ctx, actor(p), g)
	if apperr.Is(err, apperr.Conflict) {
		return g, apperr.InvalidField("name", "org.area.name_taken")
	}
	return out, err
}

// UpdateAreaGroup saves name, leader, note and active flag. A group with
// current members cannot be deactivated. Errors: forbidden, not_found,
// invalid, conflict.
func (a *App) UpdateAreaGroup(ctx context.Context, p auth.Principal, g org.AreaGroup) error {
	cur, county, err := a.managedGroup(ctx, p, g.ID, "error.not_found.area_group")
	if err != nil {
		return err
	}
	g.CountyUnitID = cur.CountyUnitID
	g.Name, g.Note = strings.TrimSpace(g.Name), strings.TrimSpace(g.Note)
	if err := org.ValidateAreaGroup(g, &county); err != nil {
		return err
	}
	if err := a.checkLeader(ctx, county, g.LeaderPersonID); err != nil {
		return err
	}
	if cur.Active && !g.Active {
		hist, err := a.Store.MembershipHistory(ctx, g.ID)
		if err != nil {
			return err
		}
		for _, m := range hist {
			if m.Open() {
				return apperr.New(apperr.Conflict, "org.area.has_members")
			}
		}
	}
	err = a.Store.UpdateAreaGroup(ctx, actor(p), g)
	if apperr.Is(err, apperr.Conflict) && apperr.As(err).Key == "error.duplicate" {
		return apperr.InvalidField("name", "org.area.name_taken")
	}
	return err
}

// AddAreaMember makes a unit of the group's county a member from day from.
// Errors: forbidden, not_found, invalid, conflict (member of another group).
func (a *App) AddAreaMember(ctx context.Context, p auth.Principal, groupID, unitID int64, from string) (org.Membership, error) {
	g, county, err := a.managedGroup(ctx, p, groupID, "error.not_found.area_group")
	if err != nil {
		return org.Membership{}, err
	}
	u, err := a.Store.GetUnit(ctx, unitID)
	if err != nil {
		return org.Membership{}, apperr.InvalidField("unit_id", "org.area.member_kind")
	}
	existing, err := a.Store.UnitMemberships(ctx, unitID)
	if err != nil {
		return org.Membership{}, err
	}
	if err := org.ValidateJoin(g, u, county.Path, from, existing); err != nil {
		return org.Membership{}, err
	}
	m, err := a.Store.AddMember(ctx, actor(p), groupID, unitID, from)
	if apperr.Is(err, apperr.Conflict) {
		return m, apperr.New(apperr.Conflict, "org.area.member_concurrent")
	}
	return m, err
}

// EndAreaMember ends a membership on day to (the unit leaves the group).
// Errors: forbidden, not_found, invalid, conflict.
func (a *App) EndAreaMember(ctx context.Context, p auth.Principal, membershipID int64, to string) error {
	m, err := a.Store.GetMembership(ctx, membershipID)
	if err != nil {
		return err
	}
	if _, _, err := a.managedGroup(ctx, p, m.AreaGroupID, "error.not_found.membership"); err != nil {
		return err
	}
	if err := org.ValidateLeave(m, to); err != nil {
		return err
	}
	return a.Store.EndMembership(ctx, actor(p), m, to)
}

// ListPeople lists people in the caller's scope.
func (a *App) ListPeople(ctx context.Context, p auth.Principal, f store.PersonFilter) ([]org.Person, int, error) {
	return a.Store.ListPeople(ctx, p.ScopeFor(auth.PermOrgRead), f)
}

// GetPerson returns a person in scope. Errors: not_found.
func (a *App) GetPerson(ctx context.Context, p auth.Principal, id int64) (org.Person, error) {
	pe, path, err := a.Store.GetPerson(ctx, id)
	if err != nil {
		return pe, err
	}
	return pe, inScope(p, auth.PermOrgRead, path, "person")
}

// SavePerson creates (ID 0) or updates a person in a unit the caller
// manages. A person with an active user account cannot be deactivated.
// Errors: forbidden, not_found, invalid, conflict.
func (a *App) SavePerson(ctx context.Context, p auth.Principal, pe org.Person) (org.Person, error) {
	if err := need(p, auth.PermOrgManage); err != nil {
		return pe, err
	}
	pe.Name, pe.Post, pe.Rank, pe.Phone = strings.TrimSpace(pe.Name), strings.TrimSpace(pe.Post), strings.TrimSpace(pe.Rank), strings.TrimSpace(pe.Phone)
	if pe.UnitID != 0 {
		u, err := a.Store.GetUnit(ctx, pe.UnitID)
		if err != nil || !p.ScopeFor(auth.PermOrgManage).Covers(u.Path) {
			return pe, apperr.InvalidField("unit_id", "org.person.unit_out_of_scope")
		}
		if !u.Active {
			return pe, apperr.InvalidField("unit_id", "org.person.unit_inactive")
		}
	}
	if err := org.ValidatePerson(pe); err != nil {
		return pe, err
	}
	if pe.ID == 0 {
		return a.Store.CreatePerson(ctx, actor(p), pe)
	}
	cur, path, err := a.Store.GetPerson(ctx, pe.ID)
	if err != nil {
		return pe, err
	}
	if err := inScope(p, auth.PermOrgManage, path, "person"); err != nil {
		return pe, err
	}
	if cur.Active && !pe.Active {
		if u, _, err := a.Store.GetUserByPerson(ctx, pe.ID); err == nil && u.Active {
			return pe, apperr.New(apperr.Conflict, "org.person.has_active_user")
		}
	}
	if (cur.Active && !pe.Active) || cur.UnitID != pe.UnitID {
		// An area group's leader must stay an active person of its county
		// commission: hand the group to another leader first.
		n, err := a.Store.CountLedAreaGroups(ctx, pe.ID)
		if err != nil {
			return pe, err
		}
		if n > 0 {
			return pe, apperr.New(apperr.Conflict, "org.person.leads_area_group")
		}
	}
	return a.Store.UpdatePerson(ctx, actor(p), pe)
}
