package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"qingfeng/internal/api"
	"qingfeng/internal/auth"
	"qingfeng/internal/i18n"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
	"qingfeng/internal/web"
)

// The benchmark tree: a province and a city commission, benchCounties county
// commissions, each with benchOffices offices and benchTownships townships
// of benchVillages villages: 2 + 10 × (1 + 3 + 25 + 25×39) = 10,042 units.
// The signed-in user is the admin of the first county, whose scope holds
// 1,004 units.
const (
	benchCounties  = 10
	benchOffices   = 3
	benchTownships = 25
	benchVillages  = 39
	benchPerCounty = 1 + benchOffices + benchTownships + benchTownships*benchVillages
	benchUnits     = 2 + benchCounties*benchPerCounty
	benchLimit     = 50
	benchPassword  = "Bench-Pass-2026"
)

// BenchmarkScopedUnitList measures one page (50) of the unit list of a
// county admin on a 10,042-unit tree, three ways on each engine:
//
//   - bare: store.ListUnits with the principal's scope, the exact SQL the
//     API runs, without HTTP or authentication;
//   - http: GET /api/v1/units?limit=50 through the root handler with a
//     session cookie (session lookup, principal, JSON), no network;
//   - http-token: the same with an API bearer token.
//
// See docs/benchmarks.md for how to run it and read the ratios.
func BenchmarkScopedUnitList(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		clock := testdb.NewClock(time.Now())
		benchScopedUnitList(b, testdb.SQLite(b, clock.Now), clock)
	})
	b.Run("postgres", func(b *testing.B) {
		clock := testdb.NewClock(time.Now())
		benchScopedUnitList(b, testdb.Postgres(b, clock.Now), clock)
	})
}

func benchScopedUnitList(b *testing.B, st *store.Store, clock *testdb.Clock) {
	ctx := context.Background()
	start := time.Now()
	countyID := buildBenchTree(b, st)
	if st.Dialect() == store.Postgres {
		// Fresh statistics, as autovacuum would have them on a live server.
		if _, err := st.DB().ExecContext(ctx, `ANALYZE`); err != nil {
			b.Fatalf("analyze: %v", err)
		}
	}
	a := testdb.NewApp(b, st, clock.Now)
	sys := auth.System()
	pe, err := a.SavePerson(ctx, sys, org.Person{UnitID: countyID, Name: "基准管理员", Post: "信息化管理员", Active: true})
	if err != nil {
		b.Fatalf("person: %v", err)
	}
	u, err := a.CreateUser(ctx, sys, pe.ID, "bench_admin", benchPassword, []auth.Role{auth.RoleAdmin})
	if err != nil {
		b.Fatalf("user: %v", err)
	}
	in, err := a.Login(ctx, "bench_admin", benchPassword, "bench")
	if err != nil || in.Session.Stage != auth.StageFull {
		b.Fatalf("login: %v (stage %q)", err, in.Session.Stage)
	}
	cookie := &http.Cookie{Name: "qf_session", Value: in.Token}
	token, _, err := a.CreateToken(ctx, sys, u.ID, "bench")
	if err != nil {
		b.Fatalf("token: %v", err)
	}
	p, err := st.Principal(ctx, u.ID, a.Today())
	if err != nil {
		b.Fatalf("principal: %v", err)
	}
	scope := p.ScopeFor(auth.PermOrgRead)
	cat, err := i18n.Load()
	if err != nil {
		b.Fatal(err)
	}
	srv, err := web.New(a, cat, web.Options{API: api.New(a, cat, nil, api.Options{}), Version: "bench"})
	if err != nil {
		b.Fatalf("web.New: %v", err)
	}
	h := srv.Handler()
	b.Logf("%s fixture: %d units, scope %v (%d units), built in %s", st.Dialect(), benchUnits, scope.Prefixes,
		benchPerCounty, time.Since(start).Round(time.Millisecond))

	filter := store.UnitFilter{Page: store.Page{Limit: benchLimit}}
	request := func(b *testing.B, auth func(*http.Request)) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/units?limit=50", nil)
		auth(req)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET /api/v1/units: status %d: %s", rec.Code, rec.Body)
		}
		return rec
	}
	withCookie := func(r *http.Request) { r.AddCookie(cookie) }
	withToken := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }

	// The three paths must answer the same page before anything is timed.
	units, total, err := st.ListUnits(ctx, scope, filter)
	if err != nil || len(units) != benchLimit || total != benchPerCounty {
		b.Fatalf("bare: %d units, total %d, err %v; want %d of %d", len(units), total, err, benchLimit, benchPerCounty)
	}
	for name, auth := range map[string]func(*http.Request){"cookie": withCookie, "token": withToken} {
		var body struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
			Total int `json:"total"`
		}
		if err := json.NewDecoder(request(b, auth).Body).Decode(&body); err != nil {
			b.Fatalf("%s: decode: %v", name, err)
		}
		if body.Total != total || len(body.Items) != len(units) || body.Items[0].ID != units[0].ID ||
			body.Items[len(units)-1].ID != units[len(units)-1].ID {
			b.Fatalf("%s: API page (total %d, %d items) differs from the bare page (total %d, %d items)",
				name, body.Total, len(body.Items), total, len(units))
		}
	}

	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			us, n, err := st.ListUnits(ctx, scope, filter)
			if err != nil || len(us) != benchLimit || n != benchPerCounty {
				b.Fatalf("ListUnits: %d units, total %d, err %v", len(us), n, err)
			}
		}
	})
	b.Run("http", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			request(b, withCookie)
		}
	})
	b.Run("http-token", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			request(b, withToken)
		}
	})
}

// buildBenchTree inserts the benchmark tree in one transaction with plain
// INSERTs (no audit records; a fixture only) and returns the id of the first
// county commission.
func buildBenchTree(b *testing.B, st *store.Store) int64 {
	b.Helper()
	ctx := context.Background()
	tx, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		b.Fatalf("begin: %v", err)
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO units
		(parent_id, kind, name, short_name, division_code, is_division, path, sort_order, active, version, created_at, updated_at)
		VALUES ($1, $2, $3, '', $4, $5, '', $6, TRUE, 1, $7, $7) RETURNING id`)
	if err != nil {
		b.Fatalf("prepare insert: %v", err)
	}
	defer ins.Close()
	setPath, err := tx.PrepareContext(ctx, `UPDATE units SET path = $1 WHERE id = $2`)
	if err != nil {
		b.Fatalf("prepare path: %v", err)
	}
	defer setPath.Close()
	now := time.Now().UnixMilli()
	n := 0
	add := func(parentID int64, parentPath string, kind org.Kind, name, code string, sort int) (int64, string) {
		var parent, division any
		if parentID != 0 {
			parent = parentID
		}
		if code != "" {
			division = code
		}
		var id int64
		if err := ins.QueryRowContext(ctx, parent, string(kind), name, division, code != "", sort, now).Scan(&id); err != nil {
			b.Fatalf("insert unit %s: %v", name, err)
		}
		path := fmt.Sprintf("%s%d/", parentPath, id)
		if _, err := setPath.ExecContext(ctx, path, id); err != nil {
			b.Fatalf("set path of %s: %v", name, err)
		}
		n++
		return id, path
	}
	prov, provPath := add(0, "/", org.KindCommission, "基准省纪委监委", "43", 1)
	city, cityPath := add(prov, provPath, org.KindCommission, "基准市纪委监委", "4308", 1)
	var first int64
	for c := 1; c <= benchCounties; c++ {
		code := fmt.Sprintf("4308%02d", c)
		county, countyPath := add(city, cityPath, org.KindCommission, fmt.Sprintf("基准第%d县纪委监委", c), code, c)
		if first == 0 {
			first = county
		}
		for o := 1; o <= benchOffices; o++ {
			add(county, countyPath, org.KindOffice, fmt.Sprintf("第%d纪检监察室", o), "", o)
		}
		for tw := 1; tw <= benchTownships; tw++ {
			tcode := fmt.Sprintf("%s%03d", code, 100+tw)
			town, townPath := add(county, countyPath, org.KindTownship, fmt.Sprintf("基准%d县第%d镇纪委", c, tw), tcode, benchOffices+tw)
			for v := 1; v <= benchVillages; v++ {
				add(town, townPath, org.KindVillage, fmt.Sprintf("第%d村村务监督委员会", v), fmt.Sprintf("%s%03d", tcode, 200+v), v)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatalf("commit: %v", err)
	}
	if n != benchUnits {
		b.Fatalf("built %d units, want %d", n, benchUnits)
	}
	return first
}
