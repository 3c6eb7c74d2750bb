package search

import (
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// fts5Schema is the table the tests index Tokens in.
const fts5Schema = `CREATE VIRTUAL TABLE docs USING fts5(tokens, tokenize='unicode61 remove_diacritics 0')`

// openSQLite opens a fresh database file in the test's temporary folder.
func openSQLite(tb testing.TB) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", tb.TempDir()+"/s.db?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	tb.Cleanup(func() { db.Close() })
	return db
}

// mustExec runs statements, failing the test on error.
func mustExec(tb testing.TB, db *sql.DB, stmts ...string) {
	tb.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			tb.Fatalf("%s: %v", s, err)
		}
	}
}

// insertAll inserts rows (rowid i+1) into table in one transaction, each row
// being the values cols(i).
func insertAll(tb testing.TB, db *sql.DB, table string, n int, cols func(i int) []any) {
	tb.Helper()
	tx, err := db.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	var stmt *sql.Stmt
	for i := range n {
		vals := cols(i)
		if stmt == nil {
			ph := strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")
			if stmt, err = tx.Prepare(fmt.Sprintf("INSERT INTO %s (rowid, %s) VALUES (?, %s)", table, columnsOf(len(vals)), ph)); err != nil {
				tb.Fatal(err)
			}
		}
		if _, err := stmt.Exec(append([]any{i + 1}, vals...)...); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// columnsOf names the indexed columns of the test tables.
func columnsOf(n int) string {
	if n == 2 {
		return "tokens, uni"
	}
	return "tokens"
}

// matchRowids returns the sorted rowids that match expr.
func matchRowids(tb testing.TB, db *sql.DB, table, expr string) []int {
	tb.Helper()
	rows, err := db.Query(fmt.Sprintf("SELECT rowid FROM %[1]s WHERE %[1]s MATCH ? ORDER BY rank", table), expr)
	if err != nil {
		tb.Fatalf("MATCH %s: %v", expr, err)
	}
	defer rows.Close()
	var ids []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("MATCH %s: %v", expr, err)
	}
	sort.Ints(ids)
	return ids
}

// TestSQLiteTokenizer records how FTS5 unicode61 splits raw bigrams (the
// reason for the ASCII codes) and checks that it keeps the codes intact.
func TestSQLiteTokenizer(t *testing.T) {
	db := openSQLite(t)
	mustExec(t, db, fts5Schema, `CREATE VIRTUAL TABLE vocab USING fts5vocab(docs, 'instance')`)
	tests := []struct {
		name, text string
		want       []string
	}{
		{"CJK bigrams are letters: one token each", "粮库 库负 负责", []string{"粮库", "库负", "负责"}},
		{"CJK with digits or ASCII stays one token", "4年 年4 a粮 粮A", []string{"4年", "年4", "a粮", "粮a"}},
		{"supplementary ideographs are letters", "𠀀𠀁", []string{"𠀀𠀁"}},
		{"punctuation is a separator and vanishes", "，粮 库。 “负” a-b", []string{"粮", "库", "负", "a", "b"}},
		{"symbols (So) vanish, numbers (No) stay", "℃0 ①②", []string{"0", "①②"}},
		{"case folds beyond ASCII, width does not", "Σσ ＡＢ", []string{"σσ", "ａｂ"}},
		{"digit-led ASCII stays whole", "1e5a", []string{"1e5a"}},
		{"the codes are kept as they are", Tokens("粮库，A1 😀"), strings.Fields(Tokens("粮库，A1 😀"))},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := db.Exec(`INSERT INTO docs (rowid, tokens) VALUES (?, ?)`, i+1, tt.text); err != nil {
				t.Fatal(err)
			}
			rows, err := db.Query(`SELECT term FROM vocab WHERE doc = ? ORDER BY offset`, i+1)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got []string
			for rows.Next() {
				var term string
				if err := rows.Scan(&term); err != nil {
					t.Fatal(err)
				}
				got = append(got, term)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("unicode61 tokens of %q = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

// TestSQLiteMatchEqualsSubstring indexes the real texts and checks, for
// every sampled query, that FTS5 MATCH returns exactly the documents whose
// normalised text contains the query.
func TestSQLiteMatchEqualsSubstring(t *testing.T) {
	docs, extra := testDocs(t)
	db := openSQLite(t)
	mustExec(t, db, fts5Schema)
	start := time.Now()
	insertAll(t, db, "docs", len(docs), func(i int) []any { return []any{Tokens(docs[i])} })
	t.Logf("indexed %d docs in %v", len(docs), time.Since(start).Round(time.Millisecond))

	normDocs := make([]string, len(docs))
	for i, d := range docs {
		normDocs[i] = Normalize(d)
	}
	queries := append(sampleQueries(rand.New(rand.NewPCG(2026, 1)), docs), extra...)
	var tested, empty, none, mismatches int
	var times []time.Duration
	for _, qs := range queries {
		q, err := Parse(qs)
		if errors.Is(err, ErrEmpty) {
			empty++
			continue
		}
		if err != nil {
			t.Fatalf("Parse(%q): %v", qs, err)
		}
		tested++
		want := bruteForce(normDocs, q)
		for i := range want {
			want[i]++ // rowids
		}
		t0 := time.Now()
		got := matchRowids(t, db, "docs", q.FTS5())
		times = append(times, time.Since(t0))
		if len(want) == 0 {
			none++
		}
		if !slices.Equal(got, want) {
			mismatches++
			t.Errorf("query %q (%s): MATCH found %d docs, substring scan %d", qs, q.FTS5(), len(got), len(want))
		}
	}
	p50, p95 := percentiles(times)
	t.Logf("%d queries tested (%d found nowhere, %d empty after normalisation skipped), %d mismatches; MATCH+rank p50 %v p95 %v",
		tested, none, empty, mismatches, p50, p95)
	if tested < 500 || none < 20 {
		t.Errorf("query sample too small: %d tested, %d found nowhere", tested, none)
	}
}

// TestSQLiteRank checks that bm25 ranks a document with many occurrences of
// the query before one with a single occurrence, for every query shape.
func TestSQLiteRank(t *testing.T) {
	db := openSQLite(t)
	mustExec(t, db, fts5Schema)
	docs := []string{
		"县粮库负责人在会上说明了情况，群众对此表示理解和支持，后续继续跟进处理。", // once
		"群众反映某县粮库的问题：粮库收购压价，粮库仓储不规范，粮库账目不清。",   // four times
		"这封留言与仓储无关，反映的是道路修建和排水设施的老问题，希望尽快解决。",  // never
	}
	insertAll(t, db, "docs", len(docs), func(i int) []any { return []any{Tokens(docs[i])} })
	tests := []struct {
		query string
		want  []int // rowids, best first
	}{
		{"粮库", []int{2, 1}},
		{"粮", []int{2, 1}},
		{"粮库的问题", []int{2}},
		{"问题", []int{2, 3}},
	}
	for _, tt := range tests {
		q, err := Parse(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query(`SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs)`, q.FTS5())
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for rows.Next() {
			var id int
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			got = append(got, id)
		}
		rows.Close()
		if tt.query == "问题" {
			slices.Sort(got) // "问题" occurs once in each: order is bm25's length tie-break
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("query %q ranked %v, want %v", tt.query, got, tt.want)
		}
	}
}

// dbBytes returns the bytes of the tables whose names start with prefix,
// by table name, from dbstat.
func dbBytes(tb testing.TB, db *sql.DB, prefix string) map[string]int64 {
	tb.Helper()
	rows, err := db.Query(`SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE ? || '%' GROUP BY name`, prefix)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			tb.Fatal(err)
		}
		m[strings.TrimPrefix(name, prefix)] = n
	}
	return m
}

// TestSQLiteIndexSize measures the FTS5 index per document for the design
// (bigram codes, one-rune queries as prefix queries) against a prefix index
// and a unigram column, and the time of one-rune queries on each.
func TestSQLiteIndexSize(t *testing.T) {
	if testing.Short() {
		t.Skip("measurement; skipped in -short mode")
	}
	docs, _ := testDocs(t)
	var textBytes int
	for _, d := range docs {
		textBytes += len(d)
	}
	db := openSQLite(t)
	variants := []struct {
		name, schema string
		uni          bool                 // has the unigram column
		oneRune      func(q Query) string // MATCH for a one-rune query
	}{
		{"bigrams (stored tokens)", "fts5(tokens, tokenize='unicode61 remove_diacritics 0')", false, Query.FTS5},
		{"bigrams contentless", "fts5(tokens, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')", false, Query.FTS5},
		{"bigrams contentless prefix=3", "fts5(tokens, content='', contentless_delete=1, prefix='3', tokenize='unicode61 remove_diacritics 0')", false, Query.FTS5},
		{"bigrams + unigram column contentless", "fts5(tokens, uni, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')", true,
			func(q Query) string { return `{uni} : "` + q.terms()[0] + `"` }},
	}
	oneRune := []string{"粮", "的", "县", "a", "1", "，", "镇", "投"}
	sizes := make([]int64, len(variants))
	for vi, v := range variants {
		table := fmt.Sprintf("v%d", vi)
		mustExec(t, db, fmt.Sprintf("CREATE VIRTUAL TABLE %s USING %s", table, v.schema))
		insertAll(t, db, table, len(docs), func(i int) []any {
			if v.uni {
				return []any{Tokens(docs[i]), unigrams(docs[i])}
			}
			return []any{Tokens(docs[i])}
		})
		mustExec(t, db, fmt.Sprintf("INSERT INTO %[1]s(%[1]s) VALUES('optimize')", table))
		parts := dbBytes(t, db, table+"_")
		var total int64
		for _, n := range parts {
			total += n
		}
		sizes[vi] = total
		var elapsed time.Duration
		for _, qs := range oneRune {
			q, _ := Parse(qs)
			t0 := time.Now()
			got := matchRowids(t, db, table, v.oneRune(q))
			elapsed += time.Since(t0)
			if want := len(bruteForceDocs(docs, q)); len(got) != want {
				t.Errorf("%s: one-rune query %q found %d, want %d", v.name, qs, len(got), want)
			}
		}
		t.Logf("%-38s %6.0f B/doc (index %6.0f, stored tokens %6.0f) one-rune query %v",
			v.name, float64(total)/float64(len(docs)), float64(parts["data"]+parts["idx"])/float64(len(docs)),
			float64(parts["content"])/float64(len(docs)), (elapsed / time.Duration(len(oneRune))).Round(time.Microsecond))
	}
	t.Logf("raw text %.0f B/doc (UTF-8), %d docs", float64(textBytes)/float64(len(docs)), len(docs))
	if !(sizes[1] < sizes[0] && sizes[1] < sizes[2] && sizes[1] < sizes[3]) {
		t.Errorf("contentless bigrams (%d B) should be the smallest of %v", sizes[1], sizes)
	}
}

// unigrams is the one-rune-per-token alternative to prefix queries,
// measured by TestSQLiteIndexSize.
func unigrams(doc string) string {
	var b []byte
	for i, r := range normalizeRunes(doc, nil) {
		if i > 0 {
			b = append(b, ' ')
		}
		b = appendCode(b, r)
	}
	return string(b)
}

// bruteForceDocs normalises docs and scans them for q.
func bruteForceDocs(docs []string, q Query) []int {
	norm := make([]string, len(docs))
	for i, d := range docs {
		norm[i] = Normalize(d)
	}
	return bruteForce(norm, q)
}

// FuzzFTS5Escape checks that no query text makes the MATCH expression an
// FTS5 syntax error, and that the match still equals the substring scan.
func FuzzFTS5Escape(f *testing.F) {
	for _, s := range injectionQueries() {
		f.Add(s)
	}
	f.Add("粮库")
	f.Add("Ａ２区（")
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one connection: one in-memory database
	f.Cleanup(func() { db.Close() })
	mustExec(f, db, fts5Schema)
	docs := []string{`粮库 "负责人" NEAR(a b) -x *y`, `a:b & c | !d (e) 'f' \g`, `tokens:粮 {tokens}: ^h`, "Ａ２区（景蓉）"}
	insertAll(f, db, "docs", len(docs), func(i int) []any { return []any{Tokens(docs[i])} })
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			return
		}
		var got []int
		rows, err := db.Query(`SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY rowid`, q.FTS5())
		if err != nil {
			t.Fatalf("MATCH %s for %q: %v", q.FTS5(), s, err)
		}
		for rows.Next() {
			var id int
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			got = append(got, id-1)
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("MATCH %s for %q: %v", q.FTS5(), s, err)
		}
		rows.Close()
		if want := bruteForceDocs(docs, q); !slices.Equal(got, want) {
			t.Errorf("query %q: MATCH %v, substring %v", s, got, want)
		}
	})
}

// BenchmarkSQLiteMatch times FTS5 MATCH over 100,000 documents built from
// the real texts (each message text with the start of a reply, sentences
// rotated per copy) for 100 queries each of 1, 2 and 4 runes cut from the
// documents. Every benchmark iteration runs all 100 queries and times each;
// the metrics are the p50, p95 and mean latency of one query and the mean
// number of matching documents. "rank" orders by bm25 (LIMIT 20), "recent"
// by rowid descending (LIMIT 20), and "prefix3" uses a table with
// prefix='3' for one-rune queries. Index sizes are logged (-v).
func BenchmarkSQLiteMatch(b *testing.B) {
	const n = 100_000
	c := loadCorpus(b)
	docs := benchDocs(c, n)
	db := openSQLite(b)
	const opts = `content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0'`
	mustExec(b, db, `CREATE VIRTUAL TABLE docs USING fts5(tokens, `+opts+`)`,
		`CREATE VIRTUAL TABLE docsp USING fts5(tokens, prefix='3', `+opts+`)`)
	var textBytes int
	for _, d := range docs {
		textBytes += len(d)
	}
	for _, table := range []string{"docs", "docsp"} {
		t0 := time.Now()
		insertAll(b, db, table, n, func(i int) []any { return []any{Tokens(docs[i])} })
		mustExec(b, db, fmt.Sprintf(`INSERT INTO %[1]s(%[1]s) VALUES('optimize')`, table))
		var size int64
		for _, v := range dbBytes(b, db, table+"_") {
			size += v
		}
		b.Logf("%s: %d docs (%.0f B/doc of text) indexed in %v; index %.1f MB, %.0f B/doc",
			table, n, float64(textBytes)/n, time.Since(t0).Round(time.Second), float64(size)/1e6, float64(size)/n)
	}

	r := rand.New(rand.NewPCG(7, 7))
	type variant struct{ table, order string }
	for _, bench := range []struct {
		runes    int
		variants []variant
	}{
		{1, []variant{{"docs", "rank"}, {"docsp", "rank"}, {"docs", "rowid DESC"}, {"docsp", "rowid DESC"}}},
		{2, []variant{{"docs", "rank"}, {"docs", "rowid DESC"}}},
		{4, []variant{{"docs", "rank"}, {"docs", "rowid DESC"}}},
	} {
		var queries []Query
		for len(queries) < 100 {
			d := []rune(Normalize(docs[r.IntN(n)]))
			at := r.IntN(max(1, len(d)-bench.runes))
			if q, err := Parse(string(d[at : at+bench.runes])); err == nil && q.Runes == bench.runes {
				queries = append(queries, q)
			}
		}
		var hits int
		for _, q := range queries {
			var h int
			if err := db.QueryRow(`SELECT count(*) FROM docsp WHERE docsp MATCH ?`, q.FTS5()).Scan(&h); err != nil {
				b.Fatal(err)
			}
			hits += h
		}
		for _, v := range bench.variants {
			benchQueries(b, db, fmt.Sprintf("%drunes/%s", bench.runes, variantName(v.table, v.order)), v.table, v.order, queries, hits)
		}
	}
}

// variantName names a benchmark variant by its ordering and table.
func variantName(table, order string) string {
	name := "rank"
	if order != "rank" {
		name = "recent"
	}
	if table == "docsp" {
		name += "-prefix3"
	}
	return name
}

// benchQueries runs the sub-benchmark name: every iteration runs all
// queries on table in the given order (LIMIT 20) and times each.
func benchQueries(b *testing.B, db *sql.DB, name, table, order string, queries []Query, hits int) {
	b.Run(name, func(b *testing.B) {
		stmt, err := db.Prepare(fmt.Sprintf(`SELECT rowid FROM %[1]s WHERE %[1]s MATCH ? ORDER BY %[2]s LIMIT 20`, table, order))
		if err != nil {
			b.Fatal(err)
		}
		defer stmt.Close()
		var times []time.Duration
		for b.Loop() {
			for _, q := range queries {
				t0 := time.Now()
				rows, err := stmt.Query(q.FTS5())
				if err != nil {
					b.Fatal(err)
				}
				for rows.Next() {
				}
				if err := rows.Err(); err != nil {
					b.Fatal(err)
				}
				rows.Close()
				times = append(times, time.Since(t0))
			}
		}
		var total time.Duration
		for _, d := range times {
			total += d
		}
		p50, p95 := percentiles(times)
		b.ReportMetric(float64(p50.Microseconds()), "p50-µs")
		b.ReportMetric(float64(p95.Microseconds()), "p95-µs")
		b.ReportMetric(float64(total.Microseconds())/float64(len(times)), "mean-µs")
		b.ReportMetric(float64(hits)/float64(len(queries)), "hits")
	})
}

// benchDocs builds n documents from the corpus: message i mod m followed by
// a reply, with the sentences rotated by the copy number so copies differ.
func benchDocs(c corpus, n int) []string {
	docs := make([]string, n)
	for i := range docs {
		m := c.Messages[i%len(c.Messages)]
		rep := c.Replies[(i*7)%len(c.Replies)]
		sent := strings.SplitAfter(m, "。")
		k := (i / len(c.Messages)) % len(sent)
		docs[i] = strings.Join(append(sent[k:], sent[:k]...), "") + " " + firstRunes(rep, 150)
	}
	return docs
}

// firstRunes returns at most n runes of s.
func firstRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// BenchmarkTokens tokenises a 500-rune real text.
func BenchmarkTokens(b *testing.B) {
	c := loadCorpus(b)
	text := firstRunes(strings.Join(c.Messages[:5], " "), 500)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Tokens(text)
	}
}

// percentiles returns the median and 95th percentile of ds, rounded.
func percentiles(ds []time.Duration) (p50, p95 time.Duration) {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0, 0
	}
	return s[len(s)/2].Round(time.Microsecond), s[len(s)*95/100].Round(time.Microsecond)
}
