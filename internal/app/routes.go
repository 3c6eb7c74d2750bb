package app

import (
	"context"
	"sync"
	"time"

	"qingfeng/internal/org"
)

// placeRoute is what routing reads from the organisation for a place code:
// the active commissions of its county and township, the county's intake
// desk and parent, and the office the township's area group assigns.
type placeRoute struct {
	county, township, desk, area, upper *org.Unit
}

// unit returns the route's unit with the given id, if it is one of them.
func (r placeRoute) unit(id int64) (org.Unit, bool) {
	for _, u := range []*org.Unit{r.desk, r.county, r.township, r.area, r.upper} {
		if u != nil && u.ID == id {
			return *u, true
		}
	}
	return org.Unit{}, false
}

// routeCacheTTL bounds how long a cached route is used. Writes through this
// process invalidate at once (store.OrgGeneration); the TTL covers writes
// by another process on the same database and the day changing.
const routeCacheTTL = 10 * time.Second

// routeCacheMax bounds the cached place codes (the public chooses them).
const routeCacheMax = 4096

// routeCache keeps placeRoutes by place code: routing a public submission
// read the organisation with five to ten queries, a tenth of the
// submission's CPU time.
type routeCache struct {
	mu sync.Mutex
	m  map[string]cachedRoute
}

type cachedRoute struct {
	route placeRoute
	gen   uint64
	day   string
	at    time.Time
}

// placeRoute returns the route of a place code, from the cache when no
// organisation write happened since it was read, on the same day and
// within routeCacheTTL. The units are copies: callers may keep them.
func (a *App) placeRoute(ctx context.Context, code string) placeRoute {
	gen, day, now := a.Store.OrgGeneration(), a.Today(), a.Now()
	c := &a.routes
	c.mu.Lock()
	e, ok := c.m[code]
	c.mu.Unlock()
	if ok && e.gen == gen && e.day == day && !now.Before(e.at) && now.Sub(e.at) < routeCacheTTL {
		return e.route.copy()
	}
	var r placeRoute
	r.county, r.township = a.placeCommissions(ctx, code)
	r.desk, r.area, r.upper = a.intakeDesk(ctx, r.county), a.areaOffice(ctx, r.township), a.parentOf(ctx, r.county)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= routeCacheMax {
		c.m = make(map[string]cachedRoute)
	}
	c.m[code] = cachedRoute{route: r, gen: gen, day: day, at: now}
	c.mu.Unlock()
	return r.copy()
}

// copy returns the route with its own copies of the units.
func (r placeRoute) copy() placeRoute {
	cp := func(u *org.Unit) *org.Unit {
		if u == nil {
			return nil
		}
		v := *u
		return &v
	}
	return placeRoute{county: cp(r.county), township: cp(r.township), desk: cp(r.desk), area: cp(r.area), upper: cp(r.upper)}
}
