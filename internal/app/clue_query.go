package app

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/clue"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// This file turns the ledger's filters as people write them (query
// parameters of the ledger page, the API and the export) into a
// store.ClueFilter, and gathers a clue's page (history, clocks, team,
// records).

// LedgerQuery is the ledger's filter as text: unit and area group ids,
// source, key field (category), mode, states, overdue, owner, the period
// of receipt (from/to as YYYY-MM-DD, or month YYYY-MM), 群众身边 only, and
// a free text (number, title or subject).
type LedgerQuery struct {
	Unit, AreaGroup, Source, Category, Mode, Owner string
	Status                                         []string
	Overdue, Mass                                  bool
	From, To, Month, Q                             string
	// Recon and ReconUnit select one cell of the monthly reconciliation
	// of Unit and Month (ReconCellFilter): the column and the row's unit
	// ("" for the totals row). The other filters are ignored then.
	Recon, ReconUnit string
}

// LedgerFilter checks a LedgerQuery and builds the store filter: a unit
// must lie in the caller's clue.read scope; an area group covers its
// member units over the periods they were members (past compositions
// count for past clues). Errors: invalid with field codes, not_found (a
// unit or area group out of reach).
func (a *App) LedgerFilter(ctx context.Context, p auth.Principal, q LedgerQuery) (store.ClueFilter, error) {
	var f store.ClueFilter
	var v apperr.Validation
	if q.Recon != "" {
		unit, err1 := strconv.ParseInt("0"+q.Unit, 10, 64)
		row, err2 := strconv.ParseInt("0"+q.ReconUnit, 10, 64)
		if err1 != nil || err2 != nil {
			return f, apperr.InvalidField("unit", "api.id_invalid")
		}
		return a.ReconCellFilter(ctx, p, unit, q.Month, row, q.Recon)
	}
	var err error
	if f.UnitPath, f.Area, f.AreaSet, err = a.placeFilter(ctx, p, auth.PermClueRead, q.Unit, q.AreaGroup, &v); err != nil {
		return f, err
	}
	if q.Source != "" {
		srcs, err := a.ClueSources()
		if err != nil {
			return f, err
		}
		if !slices.ContainsFunc(srcs, func(s clue.Source) bool { return s.Code == q.Source }) {
			v.Add("source", "clue.source_invalid")
		}
		f.Source = q.Source
	}
	if q.Category != "" {
		if !slices.Contains(a.categoryCodes(), q.Category) {
			v.Add("category", "clue.category_invalid")
		}
		f.Category = q.Category
	}
	if q.Mode != "" {
		if !clue.Mode(q.Mode).Valid() {
			v.Add("mode", "clue.mode_invalid")
		}
		f.Mode = clue.Mode(q.Mode)
	}
	for _, s := range q.Status {
		for _, part := range strings.Split(s, ",") {
			if part == "" {
				continue
			}
			if !slices.Contains(clue.Statuses(), clue.Status(part)) {
				v.Add("status", "clue.status_invalid")
				break
			}
			f.Status = append(f.Status, clue.Status(part))
		}
	}
	f.OwnerUserID = filterID(&v, "owner", q.Owner)
	f.Overdue, f.MassInterest = q.Overdue, q.Mass
	f.From, f.To = a.periodFilter(&v, q.From, q.To, "clue.date_invalid")
	if q.Month != "" {
		from, to, err := a.monthBounds(q.Month)
		if err != nil {
			return f, err
		}
		f.From, f.To = from, to
	}
	f.Query = strings.TrimSpace(q.Q)
	return f, v.Err()
}

// filterID parses an id of a list filter ("" is 0); a bad one is a field
// error in v.
func filterID(v *apperr.Validation, field, s string) int64 {
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		v.Add(field, "api.id_invalid")
	}
	return n
}

// placeFilter reads the unit and area-group filters of a list (ids as
// text) for the permission's scope: the unit's path, which must lie in the
// scope, and the area group's membership terms. Errors: not_found (a unit
// or area group out of reach); bad ids go to v.
func (a *App) placeFilter(ctx context.Context, p auth.Principal, perm auth.Permission, unit, group string,
	v *apperr.Validation) (path string, terms []store.AreaTerm, areaSet bool, err error) {
	if uid := filterID(v, "unit", unit); uid > 0 {
		u, err := a.Store.GetUnit(ctx, uid)
		if err != nil || !p.ScopeFor(perm).Covers(u.Path) {
			return "", nil, false, apperr.New(apperr.NotFound, "error.not_found.unit")
		}
		path = u.Path
	}
	if gid := filterID(v, "area_group", group); gid > 0 {
		if terms, err = a.areaTermsFor(ctx, p, gid, perm); err != nil {
			return "", nil, false, err
		}
		areaSet = true
	}
	return path, terms, areaSet, nil
}

// periodFilter reads a list's period from/to (YYYY-MM-DD, the last day
// included) as [from, to); a bad date is a field error (key) in v.
func (a *App) periodFilter(v *apperr.Validation, from, to, key string) (time.Time, time.Time) {
	day := func(field, s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation(time.DateOnly, s, a.Loc)
		if err != nil {
			v.Add(field, key)
		}
		return t
	}
	f, t := day("from", from), day("to", to)
	if !t.IsZero() {
		t = t.AddDate(0, 0, 1) // the last day counts
	}
	return f, t
}

// areaTermsFor is an area group as list terms under the scope of perm:
// each membership of a unit, current and past, covers the records of that
// unit received during it. The group must be one the caller may see (its
// county in perm's scope, or the caller's own area). Errors: not_found.
func (a *App) areaTermsFor(ctx context.Context, p auth.Principal, groupID int64, perm auth.Permission) ([]store.AreaTerm, error) {
	g, err := a.Store.GetAreaGroup(ctx, groupID, a.Today())
	if err != nil {
		return nil, err
	}
	county, err := a.Store.GetUnit(ctx, g.CountyUnitID)
	if err != nil {
		return nil, err
	}
	sc := p.ScopeFor(perm)
	if sc.Denied || (!sc.Covers(county.Path) && p.PersonID != g.LeaderPersonID && !a.inGroup(ctx, p, g)) {
		return nil, apperr.New(apperr.NotFound, "error.not_found.area_group")
	}
	hist, err := a.Store.MembershipHistory(ctx, groupID)
	if err != nil {
		return nil, err
	}
	var out []store.AreaTerm
	for _, m := range hist {
		u, err := a.Store.GetUnit(ctx, m.UnitID)
		if err != nil {
			return nil, err
		}
		t := store.AreaTerm{Path: u.Path}
		t.From, _ = time.ParseInLocation(time.DateOnly, m.From, a.Loc)
		if m.To != "" {
			t.To, _ = time.ParseInLocation(time.DateOnly, m.To, a.Loc)
		}
		out = append(out, t)
	}
	return out, nil
}

// inGroup reports whether the caller works in a current member unit of g.
func (a *App) inGroup(ctx context.Context, p auth.Principal, g org.AreaGroup) bool {
	for _, m := range g.Members {
		if u, err := a.Store.GetUnit(ctx, m.UnitID); err == nil && strings.HasPrefix(p.UnitPath, u.Path) {
			return true
		}
	}
	return false
}

// ClueDetail is a clue's page: the clue with its hand-off record, clocks,
// verification team, measures, documents, joint units, participations and
// recusals, and the actions the caller may take now.
type ClueDetail struct {
	Clue      clue.Clue
	Events    []clue.Event
	Clocks    []RecordClock
	Team      []clue.TeamMember
	Measures  []clue.Measure
	Documents []clue.Document
	Joint     []store.JointUnit
	Access    []store.Access
	Actions   []clue.Op
}

// ClueDetail returns a clue's page for a caller who may see it. Errors:
// not_found.
func (a *App) ClueDetail(ctx context.Context, p auth.Principal, id int64) (ClueDetail, error) {
	c, err := a.GetClue(ctx, p, id)
	if err != nil {
		return ClueDetail{}, err
	}
	d := ClueDetail{Clue: c}
	if d.Events, err = a.Store.ClueEvents(ctx, id); err != nil {
		return d, err
	}
	clocks, err := a.Store.Clocks(ctx, "clue", id)
	if err != nil {
		return d, err
	}
	d.Clocks = a.ClockStates(clocks)
	if d.Team, err = a.Store.ClueTeam(ctx, id); err != nil {
		return d, err
	}
	if d.Measures, err = a.Store.ClueMeasures(ctx, id); err != nil {
		return d, err
	}
	if d.Documents, err = a.Store.ClueDocuments(ctx, id); err != nil {
		return d, err
	}
	if d.Joint, err = a.Store.ClueJointUnits(ctx, id); err != nil {
		return d, err
	}
	if d.Access, err = a.Store.RecordAccess(ctx, "clue", id); err != nil {
		return d, err
	}
	for _, op := range clue.Ops(c.Status) {
		if op == clue.OpMeetingDecision || op == clue.OpFileCase {
			continue
		}
		if rows := clue.Next(c.Status, op); len(rows) > 0 && a.mayAct(ctx, p, c, rows[0]) == nil {
			d.Actions = append(d.Actions, op)
		}
	}
	return d, nil
}

// ClueChoices are the units and people a clue's forms offer: the handling
// units of the clue's county (offices, dispatched groups, township
// commissions, case management) and the users there who may handle clues.
// The services check every choice again when it is submitted.
type ClueChoices struct {
	Units    []org.Unit
	Handlers []auth.User
}

// ClueChoicesFor returns the choices of a clue's forms, from the county
// commission of its ledger (the ledger itself above county level). The
// caller must be able to see the clue. Errors: not_found.
func (a *App) ClueChoicesFor(ctx context.Context, p auth.Principal, c clue.Clue) (ClueChoices, error) {
	var out ClueChoices
	ledger, err := a.Store.GetUnit(ctx, c.LedgerUnitID)
	if err != nil {
		return out, err
	}
	root := ledger
	if county, err := a.Store.CountyOf(ctx, ledger); err == nil {
		root = county
	}
	sc := auth.Scope{Prefixes: []string{root.Path}}
	out.Units, _, err = a.Store.ListUnits(ctx, sc, store.UnitFilter{Under: root.Path, Kinds: []org.Kind{org.KindOffice,
		org.KindDispatched, org.KindTownship, org.KindCaseManagement, org.KindCommission}, Page: store.Page{Limit: 500}})
	if err != nil {
		return out, err
	}
	out.Handlers, _, err = a.Store.ListUsers(ctx, sc, store.UserFilter{Permission: auth.PermClueHandle, Page: store.Page{Limit: 500}})
	return out, err
}
