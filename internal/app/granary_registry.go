package app

import (
	"context"

	"qingfeng/internal/auth"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// GranaryRegistry is the registry of the depots in a caller's scope: what
// the registry page and GET /granary/registry show.
type GranaryRegistry struct {
	Depots  []store.GranaryDepot
	Bins    []store.GranaryBin
	Devices []store.GranaryDevice
	Plans   []store.GranaryPlan
	// Units are where the caller may register a depot (commissions and
	// township commissions in the monitor.manage scope); empty without it.
	Units []org.Unit
}

// registryPerm is the permission whose scope a caller reads the registry
// in: monitor.read, or monitor.manage for those who register equipment
// without reading records.
func registryPerm(p auth.Principal) (auth.Permission, error) {
	perm := auth.PermMonitorRead
	if !p.Can(perm) {
		perm = auth.PermMonitorManage
	}
	return perm, need(p, perm)
}

// Registry returns the depots, bins, devices (with health and last
// contact) and rotation plans of the depots in the caller's scope.
// Errors: forbidden.
func (a *App) Registry(ctx context.Context, p auth.Principal) (GranaryRegistry, error) {
	var g GranaryRegistry
	perm, err := registryPerm(p)
	if err != nil {
		return g, err
	}
	sc := p.ScopeFor(perm)
	if g.Depots, err = a.Store.ListGranaryDepots(ctx, sc); err != nil {
		return g, err
	}
	if g.Bins, err = a.Store.ListGranaryBins(ctx, sc); err != nil {
		return g, err
	}
	if g.Devices, err = a.Store.ListGranaryDevices(ctx, sc); err != nil {
		return g, err
	}
	if g.Plans, err = a.Store.ListRotationPlans(ctx, sc); err != nil {
		return g, err
	}
	if p.Can(auth.PermMonitorManage) {
		g.Units, _, err = a.Store.ListUnits(ctx, p.ScopeFor(auth.PermMonitorManage), store.UnitFilter{
			Kinds: []org.Kind{org.KindCommission, org.KindTownship}, Page: store.Page{Limit: 500}})
	}
	return g, err
}

// GranaryAlert returns one alert in the caller's monitor.read scope with
// its evidence events. Errors: forbidden, not_found.
func (a *App) GranaryAlert(ctx context.Context, p auth.Principal, id int64) (store.GranaryAlert, error) {
	if err := need(p, auth.PermMonitorRead); err != nil {
		return store.GranaryAlert{}, err
	}
	al, err := a.Store.GetGranaryAlert(ctx, id)
	if err != nil {
		return al, err
	}
	return al, inScope(p, auth.PermMonitorRead, al.UnitPath, "page")
}
