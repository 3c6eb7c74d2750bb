package search

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Codes used in expected values: 粮 U+7CAE → s0u, 库 U+5E93 → m2r, 负 U+8D1F
// → v9r, a → a2p, 1 → a1d, "," → a18, END → znvnk, 😀 U+1F600 → z2r5s.

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain chinese", "粮库负责人", "粮库负责人"},
		{"full width to half width", "Ａ２区（景蓉）！", "a2区(景蓉)!"},
		{"chinese comma folds, full stop stays", "粮库，温度。", "粮库,温度。"},
		{"ideographic space and case", "ＨＥＬＬＯ　World", "hello world"},
		{"white space collapsed and trimmed", "  a \t\n b  \r\n", "a b"},
		{"control characters are white space", "a\x00b\x7fc", "a b c"},
		{"zero width removed", "粮\u200b库\ufeff", "粮库"},
		{"format character inside a space run", "a \u200b b", "a b"},
		{"only format and space", "\u200b \u00ad ", ""},
		{"full-width yen", "￥１００", "¥100"},
		{"greek lower-cased", "ΣΑΣ", "σασ"},
		{"invalid utf-8", "a\xffb", "a\uFFFDb"},
		{"supplementary ideographs kept", "𠀀𠀁", "𠀀𠀁"},
		{"punctuation kept", "a-b.c@d", "a-b.c@d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Normalize(tt.in)
			if got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := Normalize(got); again != got {
				t.Errorf("Normalize not idempotent: %q -> %q", got, again)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"white space only", " \t ", ""},
		{"one rune", "粮", "s0uznvnk"},
		{"bigram", "粮库", "s0um2r m2rznvnk"},
		{"three runes", "粮库负", "s0um2r m2rv9r v9rznvnk"},
		{"ascii is lower-cased first", "A1", "a2pa1d a1dznvnk"},
		{"punctuation is a rune like any other", "库,a", "m2ra18 a18a2p a2pznvnk"},
		{"full-width comma folds", "库，a", "m2ra18 a18a2p a2pznvnk"},
		{"five-character code outside the common blocks", "😀", "z2r5sznvnk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Tokens(tt.in); got != tt.want {
				t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestAppendCode(t *testing.T) {
	tests := []struct {
		r    rune
		want string
	}{
		{0, "a00"},
		{'a', "a2p"},
		{0x07FF, "bkv"},     // 2047 = 1·1296 + 20·36 + 31
		{0x0800, "z01kw"},   // first rune after zone 0: long form
		{0x2000, "bkw"},     // 2048
		{0x268F, "cvj"},     // 2048+1679 = 3727
		{0x3000, "cvk"},     // 3728
		{0x9FFF, "yzz"},     // 32399, the last short code
		{0xA000, "z0vls"},   // long form
		{0x10FFFF, "znvnj"}, // the last rune
		{endOfText, "znvnk"},
	}
	for _, tt := range tests {
		if got := string(appendCode(nil, tt.r)); got != tt.want {
			t.Errorf("appendCode(%U) = %q, want %q", tt.r, got, tt.want)
		}
	}
}

// TestCodesDistinct checks that the rune code is injective and prefix-free
// over every rune, and that each code is a letter followed by lower-case
// ASCII letters and digits.
func TestCodesDistinct(t *testing.T) {
	seen := make(map[string]rune, 0x110001)
	valid := regexp.MustCompile(`^(?:[a-y][0-9a-z]{2}|z[0-9a-z]{4})$`)
	for r := rune(0); r <= endOfText; r++ {
		c := string(appendCode(nil, r))
		if !valid.MatchString(c) {
			t.Fatalf("code of %U = %q is not of the expected form", r, c)
		}
		if o, dup := seen[c]; dup {
			t.Fatalf("runes %U and %U share the code %q", o, r, c)
		}
		seen[c] = r
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantText  string
		wantRunes int
		wantErr   error
	}{
		{"empty", "", "", 0, ErrEmpty},
		{"white space only", " \u3000\t", "", 0, ErrEmpty},
		{"format characters only", "\u200b\ufeff", "", 0, ErrEmpty},
		{"one rune", " 粮 ", "粮", 1, nil},
		{"normalised", "Ａ２区  粮库", "a2区 粮库", 6, nil},
		{"64 runes", strings.Repeat("粮", 64), strings.Repeat("粮", 64), 64, nil},
		{"65 runes", strings.Repeat("粮", 65), "", 0, ErrTooLong},
		{"65 runes before trimming", " " + strings.Repeat("粮", 64) + " ", strings.Repeat("粮", 64), 64, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Parse(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Parse(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if q.Text != tt.wantText || q.Runes != tt.wantRunes {
				t.Errorf("Parse(%q) = {%q, %d}, want {%q, %d}", tt.in, q.Text, q.Runes, tt.wantText, tt.wantRunes)
			}
		})
	}
}

func TestQueryExpressions(t *testing.T) {
	tests := []struct {
		in, fts5, tsquery string
	}{
		{"粮", `"s0u"*`, `'s0u':*`},
		{"粮库", `"s0um2r"`, `'s0um2r':*`},
		{"粮库负", `"s0um2r m2rv9r"`, `'s0um2rv9r':*`},
		{"库，A", `"m2ra18 a18a2p"`, `'m2ra18a2p':*`},
		{"😀", `"z2r5s"*`, `'z2r5s':*`},
		{"粮库负责", `"s0um2r m2rv9r v9rv9v"`, `'s0um2rv9rv9v'`},
		{"粮库负责人", `"s0um2r m2rv9r v9rv9v v9viy2"`, `'s0um2rv9rv9v' <1> 'm2rv9rv9viy2'`},
		{"粮库负责人反映问", `"s0um2r m2rv9r v9rv9v v9viy2 iy2jy5 jy5nkg nkgx0e"`, `'s0um2rv9rv9v' <4> 'iy2jy5nkgx0e'`},
		{"粮库负责人反映问题", `"s0um2r m2rv9r v9rv9v v9viy2 iy2jy5 jy5nkg nkgx0e x0exjc"`, `'s0um2rv9rv9v' <4> 'iy2jy5nkgx0e' <1> 'jy5nkgx0exjc'`},
	}
	for _, tt := range tests {
		q, err := Parse(tt.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		if got := q.FTS5(); got != tt.fts5 {
			t.Errorf("Parse(%q).FTS5() = %s, want %s", tt.in, got, tt.fts5)
		}
		if got := q.TSQuery(); got != tt.tsquery {
			t.Errorf("Parse(%q).TSQuery() = %s, want %s", tt.in, got, tt.tsquery)
		}
	}
	var zero Query
	if got, want := zero.FTS5(), `"znvnk"`; got != want {
		t.Errorf("zero Query FTS5() = %s, want %s", got, want)
	}
	if got, want := zero.TSQuery(), `'znvnk'`; got != want {
		t.Errorf("zero Query TSQuery() = %s, want %s", got, want)
	}
}

// TestQueryExpressionsEscaped checks that no user-supplied syntax reaches
// the match expressions: they consist of quoted ASCII codes only. The
// engines run the same inputs in the SQLite and PostgreSQL tests.
func TestQueryExpressionsEscaped(t *testing.T) {
	fts5 := regexp.MustCompile(`^"[0-9a-z]+( [0-9a-z]+)*"(\*)?$`)
	tsq := regexp.MustCompile(`^'[0-9a-z]+'( <[1-4]> '[0-9a-z]+')*(:\*)?$`)
	for _, in := range injectionQueries() {
		q, err := Parse(in)
		if errors.Is(err, ErrEmpty) {
			continue
		}
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		if got := q.FTS5(); !fts5.MatchString(got) {
			t.Errorf("Parse(%q).FTS5() = %s: not a quoted code phrase", in, got)
		}
		if got := q.TSQuery(); !tsq.MatchString(got) {
			t.Errorf("Parse(%q).TSQuery() = %s: not quoted codes joined by <N>", in, got)
		}
	}
}

// phraseIn reports whether q's phrase (or, for one rune, its prefix) occurs
// in the bigram index text (Tokens): the pure model of an FTS5 match.
func phraseIn(index string, q Query) bool {
	toks, terms := strings.Fields(index), q.terms()
	if q.Runes == 1 {
		return slices.ContainsFunc(toks, func(s string) bool { return strings.HasPrefix(s, terms[0]) })
	}
	for i := 0; i+len(terms) <= len(toks); i++ {
		if slices.Equal(toks[i:i+len(terms)], terms) {
			return true
		}
	}
	return false
}

// tsqueryIn reports whether q.TSQuery() matches the PostgreSQL index text
// index (an element of Chunks): the pure model of to_tsquery('simple', …)
// @@ to_tsvector('simple', index), read from the expression itself: a
// lexeme prefix ('abc':*), or lexemes at the given distances ('a' <4> 'b').
func tsqueryIn(index string, q Query) bool {
	toks := strings.Fields(index)
	expr := q.TSQuery()
	if p, ok := strings.CutSuffix(expr, ":*"); ok {
		p = strings.Trim(p, "'")
		return slices.ContainsFunc(toks, func(s string) bool { return strings.HasPrefix(s, p) })
	}
	parts := strings.Split(expr, " ")
	lex := []string{strings.Trim(parts[0], "'")}
	offs := []int{0}
	for i := 1; i+1 < len(parts); i += 2 {
		d, err := strconv.Atoi(strings.Trim(parts[i], "<>"))
		if err != nil {
			panic(expr)
		}
		lex = append(lex, strings.Trim(parts[i+1], "'"))
		offs = append(offs, offs[len(offs)-1]+d)
	}
	for p := range toks {
		ok := true
		for j, l := range lex {
			if p+offs[j] >= len(toks) || toks[p+offs[j]] != l {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// grams is the PostgreSQL index text of doc unchunked.
func grams(doc string) string {
	return string(appendGrams(nil, normalizeRunes(doc, nil)))
}

func TestPhraseEqualsSubstring(t *testing.T) {
	docs := []string{"粮库负责人", "A2区粮库", "粮", "库粮", "4.23元/吨", "a b", "ab", "哈哈哈", "", "粮 库", "哈哈哈哈哈哈", "粮库负责人粮库负责"}
	queries := []string{"粮", "库", "粮库", "库粮", "a2", "2区粮", "区粮库", ".", "4.2", "元/", "a b", "ab", "b", "哈哈", "哈哈哈", "哈哈哈哈", "粮 库", "人",
		"粮库负责", "粮库负责人", "库负责人", "2区粮库", "a2区粮库", "4.23元/吨", "哈哈哈哈哈", "元/吨"}
	for _, d := range docs {
		idx, nd := Tokens(d), Normalize(d)
		for _, qs := range queries {
			q, err := Parse(qs)
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Contains(nd, q.Text)
			if got := phraseIn(idx, q); got != want {
				t.Errorf("doc %q query %q: phrase match %v, substring %v", d, qs, got, want)
			}
			if got := tsqueryIn(grams(d), q); got != want {
				t.Errorf("doc %q query %q: tsquery %s match %v, substring %v", d, qs, q.TSQuery(), got, want)
			}
		}
	}
}

// TestTSQueryNearMiss checks that every rune of a longer query counts: a
// substring of a text of 5 to 64 runes with any one rune changed is not
// found (unless it occurs elsewhere), as a pure model of the PostgreSQL
// match over the text's index.
func TestTSQueryNearMiss(t *testing.T) {
	doc := variedText(400)
	rs := []rune(Normalize(doc))
	idx := grams(doc)
	for k := 5; k <= MaxQueryRunes; k++ {
		for _, from := range []int{0, 37, len(rs) - k} {
			sub := slices.Clone(rs[from : from+k])
			q, err := Parse(string(sub))
			if err != nil {
				t.Fatal(err)
			}
			if !tsqueryIn(idx, q) {
				t.Fatalf("substring of %d runes at %d: %s not found", k, from, q.TSQuery())
			}
			for j := range sub {
				miss := slices.Clone(sub)
				miss[j] = '﹏'
				q, err := Parse(string(miss))
				if err != nil {
					t.Fatal(err)
				}
				if got, want := tsqueryIn(idx, q), strings.Contains(string(rs), q.Text); got != want {
					t.Errorf("%d runes at %d, rune %d changed: %s matches %v, substring %v", k, from, j, q.TSQuery(), got, want)
				}
			}
		}
	}
}

func TestChunks(t *testing.T) {
	long := strings.Repeat("粮库负责人反映温度计量问题，", 1500) // 21,000 runes
	tests := []struct {
		name       string
		doc        string
		wantChunks int
		queries    []string // each must be found in some chunk
	}{
		{"empty", "", 0, nil},
		{"short text is one chunk, unsplit", "粮库负责人", 1, []string{"粮", "负责人"}},
		{"16000 runes is one chunk", variedText(16000), 1, []string{string([]rune(variedText(16000))[15990:])}},
		{"16001 runes are two chunks", variedText(16001), 2, []string{string([]rune(variedText(16001))[15990:])}},
		// 21,000 runes; the tokens repeat 1500 times each, so the 255-repeat
		// limit cuts chunks of 255·14+3 runes.
		{"repeats limit", long, 6, []string{"问题，粮库", "题，粮库负责人反映温度计量问题，粮库负责人反映温度计量问题，粮库负责人反映温度计量问题，粮库负责人反映温度计"}},
		{"one bigram repeated", strings.Repeat("ab", 300) + "c", 2, []string{"abc", "bababc", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chunks := Chunks(tt.doc)
			if len(chunks) != tt.wantChunks {
				t.Fatalf("Chunks gave %d chunks, want %d", len(chunks), tt.wantChunks)
			}
			if len(chunks) == 1 && chunks[0] != grams(tt.doc) {
				t.Errorf("single chunk differs from the unchunked index text")
			}
			for i, c := range chunks {
				toks := strings.Fields(c)
				if len(toks) > ChunkMaxTokens {
					t.Errorf("chunk %d has %d tokens, limit %d", i, len(toks), ChunkMaxTokens)
				}
				counts := map[string]int{}
				for _, tok := range toks {
					counts[tok]++
					if counts[tok] > ChunkMaxRepeats {
						t.Fatalf("chunk %d repeats %s more than %d times", i, tok, ChunkMaxRepeats)
					}
				}
			}
			for _, qs := range tt.queries {
				q, err := Parse(qs)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.ContainsFunc(chunks, func(c string) bool { return tsqueryIn(c, q) }) {
					t.Errorf("query %q not found in any chunk", qs)
				}
			}
		})
	}
}

// TestChunksOverlap checks every query position at every chunk boundary of
// a long text: each substring of up to MaxQueryRunes runes is inside a chunk.
func TestChunksOverlap(t *testing.T) {
	doc := variedText(40000)
	rs := []rune(doc)
	chunks := Chunks(doc)
	if len(chunks) != 3 {
		t.Fatalf("got %d chunks, want 3 (40000 runes, 16000 tokens each, 63 overlap)", len(chunks))
	}
	for _, boundary := range []int{16000, 32000 - 63} {
		for from := boundary - MaxQueryRunes; from < boundary+2; from++ {
			for _, n := range []int{1, 2, 5, MaxQueryRunes} {
				q, err := Parse(string(rs[from:min(len(rs), from+n)]))
				if err != nil {
					t.Fatal(err)
				}
				if !slices.ContainsFunc(chunks, func(c string) bool { return tsqueryIn(c, q) }) {
					t.Fatalf("substring at %d of %d runes is in no chunk", from, n)
				}
			}
		}
	}
}

func TestHighlight(t *testing.T) {
	text := "2019年4月以来，位于A市A2区桂花坪街道的A2区公安分局宿舍区出现了一番乱象"
	tests := []struct {
		name     string
		text     string
		query    string
		maxRunes int
		want     string
		marks    []Span
	}{
		{"whole text, all matches", "粮库负责人和粮库", "粮库", 0, "粮库负责人和粮库", []Span{{0, 2}, {6, 8}}},
		{"no match gives the start", text, "不存在", 10, "2019年4月以来，…", nil},
		{"no match, short text", "短文本", "不存在", 10, "短文本", nil},
		{"window around the first match", text, "公安分局", 12, "…2区公安分局宿舍区出现了…", []Span{{3, 7}}},
		{"match at the start", text, "2019", 8, "2019年4月以…", []Span{{0, 4}}},
		{"match at the end", text, "乱象", 6, "…现了一番乱象", []Span{{5, 7}}},
		{"several matches in the window", text, "a2区", 20, "…，位于A市A2区桂花坪街道的A2区公安分…", []Span{{6, 9}, {15, 18}}},
		{"case and width differ", "粮库Ａ２区仓库", "a2区", 0, "粮库Ａ２区仓库", []Span{{2, 5}}},
		{"match across collapsed white space", "粮库 \n\t 负责人", "库 负", 0, "粮库 \n\t 负责人", []Span{{1, 7}}},
		{"zero-width character inside a match", "粮\u200b库", "粮库", 0, "粮\u200b库", []Span{{0, 3}}},
		{"match longer than the window", text, "公安分局宿舍区", 4, "…公安分局…", []Span{{1, 5}}},
		{"overlapping occurrences counted once", "哈哈哈哈哈", "哈哈", 0, "哈哈哈哈哈", []Span{{0, 2}, {2, 4}}},
		{"one-rune query", "粮库和粮", "粮", 0, "粮库和粮", []Span{{0, 1}, {3, 4}}},
		{"partial match at the window edge is clipped", "丁甲丙丁甲", "丁甲", 4, "丁甲丙丁…", []Span{{0, 2}, {3, 4}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Parse(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, marks := Highlight(tt.text, q, tt.maxRunes)
			if got != tt.want || !slices.Equal(marks, tt.marks) {
				t.Errorf("Highlight = %q %v, want %q %v", got, marks, tt.want, tt.marks)
			}
			// The marked runes normalise to the query whenever whole.
			// (Marks touching an ellipsis may be clipped.)
			rs := []rune(got)
			lo, hi := 0, len(rs)
			if strings.HasPrefix(got, Ellipsis) {
				lo = 1
			}
			if strings.HasSuffix(got, Ellipsis) {
				hi--
			}
			for _, m := range marks {
				if m.Start < lo || m.End > hi {
					t.Fatalf("mark %v outside the text part [%d, %d)", m, lo, hi)
				}
				if (lo == 1 && m.Start == lo) || (hi < len(rs) && m.End == hi) {
					continue
				}
				if n := Normalize(string(rs[m.Start:m.End])); n != q.Text {
					t.Errorf("mark %v covers %q, normalised %q, want %q", m, string(rs[m.Start:m.End]), n, q.Text)
				}
			}
		})
	}
}

// variedText returns n ideographs in which no bigram occurs more than a few
// times (the sequence repeats every 5000 runes).
func variedText(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteRune(rune(0x4E00 + (i*7919)%5000))
	}
	return b.String()
}

// TestFieldsJoined checks that joined Tokens of several fields match a
// query exactly when one field contains it, never across fields.
func TestFieldsJoined(t *testing.T) {
	fields := []string{"县粮库", "负责人 反映", "A2区"}
	var parts []string
	for _, f := range fields {
		parts = append(parts, Tokens(f))
	}
	index := strings.Join(parts, " ")
	tests := []struct {
		query string
		want  bool
	}{
		{"粮库", true},
		{"库负", false},   // spans fields 1 and 2
		{"县粮库负", false}, // likewise
		{"映a", false},
		{"人 反", true},
		{"a2区", true},
		{"库", true},
		{"区", true},
	}
	for _, tt := range tests {
		q, err := Parse(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		if got := phraseIn(index, q); got != tt.want {
			t.Errorf("query %q in joined fields = %v, want %v", tt.query, got, tt.want)
		}
	}
}

func TestScopeTokens(t *testing.T) {
	for _, c := range []struct{ path, want string }{
		{"/1/5/23/", "zzzzzu1 zzzzzu5 zzzzzu23"},
		{"/7/", "zzzzzu7"},
		{"/", ""},
		{"", ""},
		{"/1/5", ""},
		{"1/5/", ""},
		{"/1//5/", ""},
		{"/1/x/", ""},
		{"/0/", ""},
		{"/-3/", ""},
		{"/+3/", ""},
	} {
		if got := ScopeTokens(c.path); got != c.want {
			t.Errorf("ScopeTokens(%q) = %q, want %q", c.path, got, c.want)
		}
	}
	for _, c := range []struct {
		prefixes []string
		want     []string
		all      bool
		err      error
	}{
		{[]string{"/1/5/"}, []string{"zzzzzu5"}, false, nil},
		{[]string{"/1/5/", "/1/9/12/", "/1/5/"}, []string{"zzzzzu5", "zzzzzu12"}, false, nil},
		{[]string{"/1/5/", "/"}, nil, true, nil},
		{[]string{"/1/5/", "/1/x/"}, nil, false, ErrScope},
		{[]string{"1/5"}, nil, false, ErrScope},
	} {
		got, all, err := ScopeTerms(c.prefixes)
		if !slices.Equal(got, c.want) || all != c.all || err != c.err {
			t.Errorf("ScopeTerms(%q) = %q, %v, %v; want %q, %v, %v", c.prefixes, got, all, err, c.want, c.all, c.err)
		}
	}
	q, err := Parse("粮库")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := q.FTS5In([]string{"zzzzzu5", "zzzzzu12"}), `{tokens} : `+q.FTS5()+` AND {scope} : ("zzzzzu5" OR "zzzzzu12")`; got != want {
		t.Errorf("FTS5In = %s, want %s", got, want)
	}
	if got, want := q.FTS5In(nil), `{tokens} : `+q.FTS5(); got != want {
		t.Errorf("FTS5In(nil) = %s, want %s", got, want)
	}
	if got, want := q.TSQueryIn([]string{"zzzzzu5"}), `(`+q.TSQuery()+`) & ('zzzzzu5')`; got != want {
		t.Errorf("TSQueryIn = %s, want %s", got, want)
	}
	// No text token equals a scope token and no one-rune prefix query
	// reaches one: every rune's code differs from the scope mark.
	for _, r := range []rune{'z', 'u', '0', '中', 0x10FFFF, '\U0001F600', 'Ω'} {
		if code := string(appendCode(nil, r)); strings.HasPrefix(ScopePrefix, code) || strings.HasPrefix(code, scopeMark) {
			t.Errorf("the code %q of %q overlaps the scope mark %q", code, r, scopeMark)
		}
	}
	if code := string(appendCode(nil, endOfText)); strings.HasPrefix(ScopePrefix, code) {
		t.Errorf("END's code %q is a prefix of the scope mark", code)
	}
}
