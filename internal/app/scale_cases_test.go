package app_test

// TestScaleCases measures the case ledger and the measures screen at
// province scale (issue 5: "At province scale (100,000 cases, 150,000
// subjects over five years), the case list with filters and the
// overdue-measures screen for one county: p95 <= 200 ms on PostgreSQL,
// <= 500 ms on SQLite"). See docs/benchmarks.md, "Scale: the cases of a
// province (issue 5)".
//
//	QINGFENG_SCALE_CASES=100000 go test -p 1 -run 'TestScaleCases/sqlite' -v -timeout 0 ./internal/app
//	QINGFENG_SCALE_CASES=100000 QINGFENG_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	    go test -p 1 -run 'TestScaleCases/postgres' -v -timeout 0 ./internal/app
//
// The province is generated once (demo.LoadProvince, seed 1, five years up
// to the fixed clock, scaleCaseClues clues and the cases) and kept: SQLite
// in QINGFENG_SCALE_DATA (default $TMPDIR/qingfeng-scale-cases-<cases>),
// PostgreSQL in the database qf_scale_cases_<cases>. A store whose audit
// log holds the demo.province record is reused; delete the folder or drop
// the database to generate again. Unlike TestScaleLedger the targets are
// assertions.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/auth"
	"qingfeng/internal/casework"
	"qingfeng/internal/demo"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

const (
	scaleCasesEnv  = "QINGFENG_SCALE_CASES"
	scaleCaseClues = 100000 // clues of the generated province (the clue ledger has its own benchmark)
)

func TestScaleCases(t *testing.T) {
	v := os.Getenv(scaleCasesEnv)
	if v == "" {
		t.Skip(scaleCasesEnv + " is not set; set it to the number of cases (e.g. 100000) to run the province-scale case measurement")
	}
	n, err := strconv.Atoi(strings.ReplaceAll(v, "_", ""))
	if err != nil || n < 1000 {
		t.Fatalf("%s=%q: want a number of cases >= 1000", scaleCasesEnv, v)
	}
	t.Run("sqlite", func(t *testing.T) {
		dir := os.Getenv(scaleDataEnv)
		if dir == "" {
			dir = filepath.Join(os.TempDir(), "qingfeng-scale-cases-"+strconv.Itoa(n))
		}
		runScaleCases(t, "", dir, n, 500*time.Millisecond)
	})
	t.Run("postgres", func(t *testing.T) {
		admin := os.Getenv(testdb.EnvPostgres)
		if admin == "" {
			t.Skip(testdb.EnvPostgres + " is not set")
		}
		runScaleCases(t, scalePostgres(t, admin, "qf_scale_cases_"+strconv.Itoa(n)), t.TempDir(), n, 200*time.Millisecond)
	})
}

func runScaleCases(t *testing.T, dsn, dir string, n int, target time.Duration) {
	ctx := context.Background()
	a, st := scaleApp(t, dsn, dir)
	db := st.DB()
	var loaded int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'demo.province'`).Scan(&loaded); err != nil {
		t.Fatal(err)
	}
	if loaded == 0 {
		start := time.Now()
		res, err := demo.LoadProvince(ctx, a, demo.ProvinceOptions{Clues: scaleCaseClues, Cases: n, Years: 5, Seed: 1,
			Password: "Qf-scale-bench-2026", Messages: scaleMessages, Progress: func(m string) { t.Log("build: " + m) }})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("build: %s: %d counties, %d townships, %d units, %d clues, %d cases, %d subjects, %d measures, %d case and measure clocks: organisation %v, bulk %v, total %v",
			st.Dialect(), res.Counties, res.Townships, res.Units, res.Clues, res.Cases, res.Subjects, res.Measures, res.CaseClocks,
			res.OrgTime.Round(time.Millisecond), res.CluesTime.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	} else {
		t.Logf("build: reusing the generated province in %s", st.Dialect())
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var c int
		if err := db.QueryRowContext(ctx, q, args...).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	if stored := count(`SELECT COUNT(*) FROM cases`); stored < n {
		t.Fatalf("%d cases stored; want %d", stored, n)
	}
	t.Logf("fixture: %d cases, %d subjects, %d running measures (%d past due), %d ended measures", count(`SELECT COUNT(*) FROM cases`),
		count(`SELECT COUNT(*) FROM case_subjects`), count(`SELECT COUNT(*) FROM case_measures WHERE ended_at = 0`),
		count(`SELECT COUNT(*) FROM case_measures m JOIN clocks k ON k.object_type = 'measure' AND k.object_id = m.id
			WHERE m.ended_at = 0 AND k.done_at = 0 AND k.due_at < $1`, scaleNow.UnixMilli()),
		count(`SELECT COUNT(*) FROM case_measures WHERE ended_at <> 0`))

	// The county with the most cases; its leader (case.approve, the
	// banner) and its first township's commission as the principals.
	var countyCode, countyPath string
	if err := db.QueryRowContext(ctx, `SELECT c.division_code, c.path FROM units c JOIN cases k ON k.unit_path >= c.path
		AND k.unit_path < c.path || '~' WHERE c.kind = 'commission' AND c.division_code LIKE '______' AND c.division_code NOT LIKE '%00'
		GROUP BY c.division_code, c.path ORDER BY COUNT(*) DESC, c.division_code LIMIT 1`).Scan(&countyCode, &countyPath); err != nil {
		t.Fatal(err)
	}
	principal := func(suffix string) auth.Principal {
		var id int64
		if err := db.QueryRowContext(ctx, `SELECT id FROM users WHERE username = $1`, demo.ProvinceUsername(countyCode, suffix)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		p, err := st.Principal(ctx, id, a.Today())
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	leader, township := principal("leader"), principal("township1")
	countyCases := count(`SELECT COUNT(*) FROM cases WHERE unit_path >= $1 AND unit_path < $2`, countyPath, auth.PrefixUpperBound(countyPath))
	t.Logf("county %s (%s): %d cases; leader %s scope %v; township %s scope %v", countyCode, countyPath, countyCases, leader.Username,
		leader.ScopeFor(auth.PermCaseRead).Prefixes, township.Username, township.ScopeFor(auth.PermCaseRead).Prefixes)

	var groupID int64
	if err := db.QueryRowContext(ctx, `SELECT g.id FROM area_groups g JOIN units c ON c.id = g.county_unit_id WHERE c.path = $1
		ORDER BY g.id LIMIT 1`, countyPath).Scan(&groupID); err != nil {
		t.Fatal(err)
	}
	year := scaleNow.In(a.Loc).Year() - 1
	period := [2]string{fmt.Sprintf("%d-01-01", year), fmt.Sprintf("%d-12-31", year)}
	type request struct {
		name   string
		p      auth.Principal
		q      app.CaseQuery
		mq     *app.MeasureQuery // the measures screen instead of the ledger
		banner bool              // the leader's banner count
	}
	var reqs []request
	for _, who := range []struct {
		name string
		p    auth.Principal
	}{{"county", leader}, {"township", township}} {
		reqs = append(reqs,
			request{name: who.name + " list, no filter", p: who.p},
			request{name: who.name + " status in progress", p: who.p, q: app.CaseQuery{Status: []string{string(casework.StatusInvestigation),
				string(casework.StatusReview), string(casework.StatusExecution)}}},
			request{name: who.name + " status closed+period", p: who.p, q: app.CaseQuery{Status: []string{string(casework.StatusClosed)},
				From: period[0], To: period[1]}},
			request{name: who.name + " category+period", p: who.p, q: app.CaseQuery{Category: "subsidies", From: period[0], To: period[1]}},
			request{name: who.name + " overdue", p: who.p, q: app.CaseQuery{Overdue: true}},
			request{name: who.name + " measures, all", p: who.p, mq: &app.MeasureQuery{}},
			request{name: who.name + " measures, overdue", p: who.p, mq: &app.MeasureQuery{State: "overdue"}},
		)
	}
	reqs = append(reqs,
		request{name: "county area group", p: leader, q: app.CaseQuery{AreaGroup: strconv.FormatInt(groupID, 10)}},
		request{name: "county area group+overdue", p: leader, q: app.CaseQuery{AreaGroup: strconv.FormatInt(groupID, 10), Overdue: true}},
		request{name: "county measures due soon", p: leader, mq: &app.MeasureQuery{State: "due_soon"}},
		request{name: "county leader's banner", p: leader, banner: true},
	)

	// The baseline: the bare unit_path range of the county, LIMIT 50.
	bare := `SELECT c.* FROM cases c WHERE c.unit_path >= $1 AND c.unit_path < $2 ORDER BY c.created_at DESC, c.id DESC LIMIT 50`
	bareTimes := measure(t, func() int { return rowsOf(t, ctx, db, bare, countyPath, auth.PrefixUpperBound(countyPath)) })
	t.Logf("RESULT %s bare SQL (county unit_path range, LIMIT 50): %s", st.Dialect(), pcts(bareTimes))
	var summary []string
	var worst time.Duration
	for _, r := range reqs {
		var total int
		fn := func() int {
			switch {
			case r.banner:
				c, err := a.OverdueMeasures(ctx, r.p)
				if err != nil {
					t.Fatal(err)
				}
				total = c
				return c
			case r.mq != nil:
				f, err := a.MeasureFilter(ctx, r.p, *r.mq)
				if err != nil {
					t.Fatal(err)
				}
				f.Page = store.Page{Limit: 50}
				rows, c, err := a.ListMeasures(ctx, r.p, f)
				if err != nil {
					t.Fatal(err)
				}
				total = c
				return len(rows)
			}
			// The web page's path: the filter checked, then the list.
			f, err := a.CaseFilter(ctx, r.p, r.q)
			if err != nil {
				t.Fatal(err)
			}
			f.Page = store.Page{Limit: 50}
			rows, c, err := a.ListCases(ctx, r.p, f)
			if err != nil {
				t.Fatal(err)
			}
			total = c
			return len(rows)
		}
		ds := measure(t, fn)
		p95 := percentile(ds, 0.95)
		worst = max(worst, p95)
		t.Logf("RESULT %s %-34s total %5d: %s; ratio to bare p50 %.1f×, p95 %.1f× (target p95 <= %v)", st.Dialect(), r.name, total,
			pcts(ds), ratio(percentile(ds, 0.5), percentile(bareTimes, 0.5)), ratio(p95, percentile(bareTimes, 0.95)), target)
		summary = append(summary, fmt.Sprintf("%s p95 %.1f ms", r.name, ms(p95)))
		if p95 > target {
			t.Errorf("%s: p95 %v > %v", r.name, p95, target)
		}
	}
	explainCases(t, ctx, st, countyPath)
	t.Logf("SUMMARY %s %d cases, county %s (%d cases): bare p95 %.1f ms, worst p95 %.1f ms; %s", st.Dialect(), n, countyCode, countyCases,
		ms(percentile(bareTimes, 0.95)), ms(worst), strings.Join(summary, "; "))
}

// explainCases prints the plans of the measures screen's statement and of
// the overdue case filter for the county (the scope rendered as for a
// viewer without participations: the unit_path range).
func explainCases(t *testing.T, ctx context.Context, st *store.Store, countyPath string) {
	t.Helper()
	explain := "EXPLAIN QUERY PLAN "
	if st.Dialect() == store.Postgres {
		explain = "EXPLAIN (ANALYZE, BUFFERS) "
	}
	scope := `c.unit_path >= $1 AND c.unit_path < $2`
	for _, q := range []struct{ name, sql string }{
		{"measures screen", `SELECT m.id, k.due_at FROM case_measures m JOIN cases c ON c.id = m.case_id JOIN units u ON u.id = c.unit_id
			JOIN case_subjects sj ON sj.id = m.subject_id LEFT JOIN clocks k ON k.object_type = 'measure' AND k.object_id = m.id
			AND k.done_at = 0 AND k.code IN ('detention', 'await_investigation') WHERE m.ended_at = 0 AND ` + scope + ` AND k.due_at < $3
			ORDER BY CASE WHEN k.id IS NULL THEN 1 ELSE 0 END, k.due_at, m.id LIMIT 50`},
		{"cases overdue", `SELECT c.id FROM cases c WHERE ` + scope + ` AND (c.id IN (SELECT k.object_id FROM clocks k
			WHERE k.object_type = 'case' AND k.done_at = 0 AND k.due_at < $3) OR c.id IN (SELECT m.case_id FROM clocks k JOIN case_measures m
			ON m.id = k.object_id WHERE k.object_type = 'measure' AND k.done_at = 0 AND k.due_at < $3) OR c.id IN (SELECT sj.case_id
			FROM clocks k JOIN case_subjects sj ON sj.id = k.object_id WHERE k.object_type = 'case_subject' AND k.done_at = 0
			AND k.due_at < $3)) ORDER BY c.created_at DESC, c.id DESC LIMIT 50`},
		{"measures screen, all", `SELECT m.id, k.due_at FROM case_measures m JOIN cases c ON c.id = m.case_id JOIN units u ON u.id = c.unit_id
			JOIN case_subjects sj ON sj.id = m.subject_id LEFT JOIN clocks k ON k.object_type = 'measure' AND k.object_id = m.id
			AND k.done_at = 0 AND k.code IN ('detention', 'await_investigation') WHERE m.ended_at = 0 AND ` + scope + ` AND $3 > 0
			ORDER BY CASE WHEN k.id IS NULL THEN 1 ELSE 0 END, k.due_at, m.id LIMIT 50`},
		{"list, status in progress", `SELECT c.id FROM cases c WHERE ` + scope + ` AND c.status IN ('investigation', 'review', 'execution')
			AND $3 > 0 ORDER BY c.created_at DESC, c.id DESC LIMIT 50`},
	} {
		rows, err := st.DB().QueryContext(ctx, explain+q.sql, countyPath, auth.PrefixUpperBound(countyPath), scaleNow.UnixMilli())
		if err != nil {
			t.Logf("plan %s: %v", q.name, err)
			continue
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprint(vals[len(vals)-1]))
		}
		rows.Close()
		t.Logf("plan %s:\n%s", q.name, strings.Join(lines, "\n"))
	}
}
