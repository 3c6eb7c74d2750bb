package store_test

import (
	"fmt"
	"strings"
	"testing"

	"qingfeng/internal/auth"
	"qingfeng/internal/org"
	"qingfeng/internal/search"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// TestSearchLongReports checks SearchReports on reports whose PostgreSQL
// index has more than one chunk (search.Chunks): a report matching in its
// first chunk, in a later one only, or in several is counted and listed
// once, ranked and newest first; queries of one to nine runes, within a
// chunk and across a chunk boundary. Migration 48 down (bigram index) and
// up again gives the same results, and on PostgreSQL its rows are narrow:
// the tsvectors are stored out of line.
func TestSearchLongReports(t *testing.T) {
	testdb.Each(t, testdb.NewClock(t0).Now, func(t *testing.T, s *store.Store) {
		county := mkUnit(t, s, nil, org.KindCommission, "永定区纪委监委", "430802")
		town := mkUnit(t, s, &county, org.KindTownship, "天门山镇纪委", "430802101")
		add := func(u org.Unit, ext, content string) int64 {
			t.Helper()
			r, err := s.CreateReport(ctx, sysActor, newImported(u, ext, content))
			must(t, err)
			return r.ID
		}
		// filler has no rune of the queries below; its tokens repeat every
		// 24 runes, so a chunk ends after 255 repeats (about 6,100 runes)
		// and the text after a filler lies in a later chunk.
		filler := strings.Repeat("天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏", 1000)
		short := add(town, "s", "粮库保管员夜里运粮，粮库账实不符")
		head := add(town, "h", "粮库账目不清。"+filler)
		tail := add(county, "t", filler+"粮库仓储不规范，账实不符")
		both := add(town, "b", "粮库"+filler+"粮库"+filler+"粮库")
		plain := add(county, "p", "低保评定不公，村干部优亲厚友")
		// Enough rows to measure report_search's heap per row.
		for i := range 300 {
			add(town, fmt.Sprintf("n%d", i), fmt.Sprintf("第%d号留言：道路修建和排水设施的老问题，希望尽快解决。", i)+strings.Repeat("群众反映情况属实", 30))
		}
		sc := func(paths ...string) auth.Scope { return auth.Scope{Prefixes: paths} }
		check := func(label string, scope auth.Scope, q string, want ...int64) {
			t.Helper()
			checkSearch(t, s, label, scope, q, want...)
		}
		run := func(label string) {
			t.Helper()
			check(label, sc("/"), "粮库", short, head, tail, both)
			check(label, sc(town.Path), "粮库", short, head, both)
			check(label, sc(county.Path), "账实不符", short, tail)
			check(label, sc("/"), "仓储不规范", tail)
			check(label, sc("/"), "粮", short, head, tail, both)
			check(label, sc("/"), "粮库账", short, head)
			check(label, sc("/"), "库仓储不规范，账实", tail)
			check(label, sc("/"), "藏粮库", tail, both)
			check(label, sc("/"), "藏粮库天地玄黄", both)
			check(label, sc("/"), "优亲厚友", plain)
			check(label, sc(town.Path), "优亲厚友")
			check(label, sc("/"), "库粮")
		}
		run("ranked")
		s.SetSearchRankCapForTest(1)
		run("newest first")
		if s.Dialect() == store.Postgres {
			// Both newest-first statements: all matches read, and the
			// primary key walked backwards (which needs statistics).
			_, err := s.DB().ExecContext(ctx, `ANALYZE report_search`)
			must(t, err)
			s.SetSearchDenseScanForTest(1e9)
			run("newest first, walked")
			s.SetSearchDenseScanForTest(0)
			run("newest first, all matches")
		}
		s.SetSearchRankCapForTest(500)

		narrow := func(label string, want bool) {
			t.Helper()
			if s.Dialect() != store.Postgres {
				return
			}
			var rows, size int64
			var pad bool
			must(t, s.DB().QueryRowContext(ctx, `SELECT count(*), pg_relation_size('report_search'),
				EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'report_search' AND column_name = 'toast_pad')
				FROM report_search`).Scan(&rows, &size, &pad))
			perRow := size / rows
			t.Logf("%s: %d report_search rows, %d bytes of heap each", label, rows, perRow)
			if got := pad && perRow < 200; got != want {
				t.Errorf("%s: toast_pad %v, %d heap bytes per row: narrow %v, want %v", label, pad, perRow, got, want)
			}
		}
		narrow("migrated", true)
		must(t, s.MigrateDownToForTest(ctx, 47))
		narrow("before migration 48", false)
		if s.Dialect() == store.Postgres {
			// The bigram index that the code before migration 48 queries:
			// 粮库 is one lexeme.
			var n int
			must(t, s.DB().QueryRowContext(ctx, `SELECT COUNT(DISTINCT report_id) FROM report_search WHERE vec @@ to_tsquery('simple', $1)`,
				strings.Fields(search.Tokens("粮库"))[0]).Scan(&n))
			if n != 4 {
				t.Errorf("bigram index: 粮库 in %d reports, want 4", n)
			}
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		narrow("migrated again", true)
		run("rebuilt")
	})
}
