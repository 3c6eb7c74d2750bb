package search

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
)

// envPostgres names the variable with the PostgreSQL admin DSN (as in
// internal/testdb, which this package does not import).
const envPostgres = "QINGFENG_TEST_POSTGRES"

// openPostgres creates a throw-away database qf_search_<hex> through the
// admin DSN, drops it WITH (FORCE) when the test ends, and skips the test
// when the DSN is not set.
func openPostgres(t *testing.T) *sql.DB {
	t.Helper()
	adminDSN := os.Getenv(envPostgres)
	if adminDSN == "" {
		t.Skip("postgres: " + envPostgres + " is not set; skipping the PostgreSQL full-text search tests")
	}
	admin, err := sql.Open("pgx", adminDSN)
	if err != nil {
		t.Fatalf("postgres: open admin connection: %v", err)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "qf_search_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		admin.Close()
		t.Fatalf("postgres: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("postgres: drop database %s: %v", name, err)
		}
		admin.Close()
	})
	u, err := url.Parse(adminDSN)
	if err != nil {
		t.Fatalf("postgres: parse %s: %v", envPostgres, err)
	}
	u.Path, u.RawPath = "/"+name, ""
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatalf("postgres: connect: %v", err)
	}
	return db
}

// lexemes returns the lexemes of to_tsvector('simple', text) in position
// order.
func lexemes(t *testing.T, db *sql.DB, text string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT lexeme, p FROM unnest(to_tsvector('simple', $1)) u, unnest(u.positions) p ORDER BY p`, text)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var lex string
		var pos int
		if err := rows.Scan(&lex, &pos); err != nil {
			t.Fatal(err)
		}
		out = append(out, lex)
	}
	return out
}

// TestPostgresTokenizer records how to_tsvector('simple', …) treats raw
// bigrams and checks that it keeps the codes as single lexemes in order.
func TestPostgresTokenizer(t *testing.T) {
	db := openPostgres(t)
	var ctype string
	if err := db.QueryRow(`SELECT datctype FROM pg_database WHERE datname = current_database()`).Scan(&ctype); err != nil {
		t.Fatal(err)
	}
	t.Logf("database LC_CTYPE %s", ctype)
	tests := []struct {
		name, text string
		want       []string
	}{
		{"CJK bigrams: one lexeme each", "粮库 库负 负责", []string{"粮库", "库负", "负责"}},
		{"CJK with digits or ASCII stays one lexeme", "4年 年4 a粮 粮A", []string{"4年", "年4", "a粮", "粮a"}},
		{"punctuation vanishes", "，粮 库。 a-b", []string{"粮", "库", "a-b", "a", "b"}},
		{"digit-led ASCII splits", "1e5a", []string{"1e5", "a"}},
		{"the codes are kept as they are, one position each", Tokens("粮库，A1 😀 1e5a"), strings.Fields(Tokens("粮库，A1 😀 1e5a"))},
		{"so are the four-rune tokens", grams("粮库，A1 😀 1e5a"), strings.Fields(grams("粮库，A1 😀 1e5a"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lexemes(t, db, tt.text); !slices.Equal(got, tt.want) {
				t.Errorf("to_tsvector('simple', %q) lexemes %q, want %q", tt.text, got, tt.want)
			}
		})
	}
	// Locale-dependent (so not asserted): under LC_CTYPE=C.UTF-8 the parser
	// drops ℃ and ① and lower-cases Σ; under LC_CTYPE=C it keeps ℃0 and ①②
	// as words and leaves Σ upper-case.
	t.Logf("℃0 ①② Σσ -> %q", lexemes(t, db, "℃0 ①② Σσ"))
}

// TestPostgresMatchEqualsSubstring indexes the real texts, chunked, with a
// GIN index, and checks for every sampled query that the tsquery returns
// exactly the documents whose normalised text contains the query. It also
// shows that without chunking the tsvector limits lose matches.
func TestPostgresMatchEqualsSubstring(t *testing.T) {
	db := openPostgres(t)
	docs, extra := testDocs(t)
	for _, s := range []string{
		`CREATE TABLE docs (id int NOT NULL, chunk int NOT NULL, tokens tsvector NOT NULL, PRIMARY KEY (id, chunk))`,
		`CREATE INDEX docs_tokens ON docs USING gin (tokens)`,
		`CREATE TABLE whole (id int PRIMARY KEY, tokens tsvector NOT NULL)`, // the chunked docs unchunked, for comparison
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	var ids, nums []int32
	var texts []string
	var chunks int
	var chunked []int // docs with more than one chunk
	flush := func() {
		if _, err := db.Exec(`INSERT INTO docs SELECT i, k, to_tsvector('simple', t) FROM unnest($1::int[], $2::int[], $3::text[]) u(i, k, t)`, ids, nums, texts); err != nil {
			t.Fatal(err)
		}
		ids, nums, texts = ids[:0], nums[:0], texts[:0]
	}
	for i, d := range docs {
		cs := Chunks(d)
		chunks += len(cs)
		if len(cs) > 1 {
			chunked = append(chunked, i)
			if _, err := db.Exec(`INSERT INTO whole VALUES ($1, to_tsvector('simple', $2))`, i, grams(d)); err != nil {
				t.Fatal(err)
			}
		}
		for k, c := range cs {
			ids, nums, texts = append(ids, int32(i)), append(nums, int32(k)), append(texts, c)
		}
		if len(ids) >= 500 {
			flush()
		}
	}
	flush()
	if _, err := db.Exec(`VACUUM ANALYZE docs`); err != nil { // flush the GIN pending list before measuring
		t.Fatal(err)
	}
	t.Logf("indexed %d docs as %d chunks (%d docs chunked) in %v", len(docs), chunks, len(chunked), time.Since(start).Round(time.Millisecond))
	var col, idx, total, text float64
	if err := db.QueryRow(`SELECT avg(pg_column_size(tokens)), pg_relation_size('docs_tokens'), pg_total_relation_size('docs') FROM docs`).Scan(&col, &idx, &total); err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		text += float64(len(d))
	}
	n := float64(len(docs))
	t.Logf("tsvector %.0f B/doc, GIN index %.0f B/doc, table+index %.0f B/doc; raw text %.0f B/doc",
		col*float64(chunks)/n, idx/n, total/n, text/n)

	normDocs := make([]string, len(docs))
	for i, d := range docs {
		normDocs[i] = Normalize(d)
	}
	find := func(query, arg string) []int {
		rows, err := db.Query(query, arg)
		if err != nil {
			t.Fatalf("%s with %s: %v", query, arg, err)
		}
		defer rows.Close()
		var out []int
		for rows.Next() {
			var id int
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out = append(out, id)
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s with %s: %v", query, arg, err)
		}
		sort.Ints(out)
		return out
	}
	const search = `SELECT id FROM docs, to_tsquery('simple', $1) q WHERE tokens @@ q GROUP BY id ORDER BY max(ts_rank(tokens, q)) DESC`
	queries := append(sampleQueries(mrand.New(mrand.NewPCG(2026, 1)), docs), extra...)
	var tested, none, mismatches, wholeMisses int
	var times []time.Duration
	for _, qs := range queries {
		q, err := Parse(qs)
		if errors.Is(err, ErrEmpty) {
			continue
		}
		if err != nil {
			t.Fatalf("Parse(%q): %v", qs, err)
		}
		tested++
		want := bruteForce(normDocs, q)
		t0 := time.Now()
		got := find(search, q.TSQuery())
		times = append(times, time.Since(t0))
		if len(want) == 0 {
			none++
		}
		if !slices.Equal(got, want) {
			mismatches++
			t.Errorf("query %q (%s): tsquery found %d docs, substring scan %d", qs, q.TSQuery(), len(got), len(want))
		}
		wantChunked := slices.DeleteFunc(slices.Clone(want), func(i int) bool { return !slices.Contains(chunked, i) })
		if w := find(`SELECT id FROM whole WHERE tokens @@ to_tsquery('simple', $1)`, q.TSQuery()); !slices.Equal(w, wantChunked) {
			wholeMisses++
		}
	}
	p50, p95 := percentiles(times)
	t.Logf("%d queries tested (%d found nowhere), %d mismatches; query+rank p50 %v p95 %v; unchunked tsvectors get %d queries wrong",
		tested, none, mismatches, p50, p95, wholeMisses)
	var plan string
	q, _ := Parse("粮库")
	if err := db.QueryRow(`EXPLAIN SELECT id FROM docs WHERE tokens @@ to_tsquery('simple', $1)`, q.TSQuery()).Scan(&plan); err != nil {
		t.Fatal(err)
	}
	t.Logf("plan: %s", plan)
	if tested < 500 || none < 20 {
		t.Errorf("query sample too small: %d tested, %d found nowhere", tested, none)
	}
	if wholeMisses == 0 {
		t.Errorf("expected unchunked tsvectors to miss the matches beyond the position limits")
	}
}

// TestPostgresRank checks that ts_rank orders a document with many
// occurrences of the query before one with a single occurrence.
func TestPostgresRank(t *testing.T) {
	db := openPostgres(t)
	if _, err := db.Exec(`CREATE TABLE docs (id int PRIMARY KEY, tokens tsvector)`); err != nil {
		t.Fatal(err)
	}
	docs := []string{
		"县粮库负责人在会上说明了情况，群众对此表示理解和支持，后续继续跟进处理。",
		"群众反映某县粮库的问题：粮库收购压价，粮库仓储不规范，粮库账目不清。",
		"这封留言与仓储无关，反映的是道路修建和排水设施的老问题，希望尽快解决。",
	}
	for i, d := range docs {
		if _, err := db.Exec(`INSERT INTO docs VALUES ($1, to_tsvector('simple', $2))`, i+1, grams(d)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		query string
		want  []int
	}{
		{"粮库", []int{2, 1}},
		{"粮", []int{2, 1}},
		{"粮库的问题", []int{2}},
	}
	ctx := context.Background()
	for _, tt := range tests {
		q, err := Parse(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.QueryContext(ctx, `SELECT id FROM docs, to_tsquery('simple', $1) q WHERE tokens @@ q ORDER BY ts_rank(tokens, q) DESC, id`, q.TSQuery())
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
		if !slices.Equal(got, tt.want) {
			t.Errorf("query %q ranked %v, want %v", tt.query, got, tt.want)
		}
	}
}
