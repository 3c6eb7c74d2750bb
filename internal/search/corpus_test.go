package search

import (
	"encoding/csv"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// corpusPath is the real message data set (see its SOURCE.md).
const corpusPath = "/work/shared/data/messages/messages-with-replies.csv"

// corpus is the set of real texts: subject and content of each message as
// one text, and the reply as another.
type corpus struct {
	Messages []string // 留言主题 + " " + 留言详情
	Replies  []string // 答复意见
}

// loadCorpus reads the CSV, skipping the test when it is absent.
func loadCorpus(tb testing.TB) corpus {
	tb.Helper()
	f, err := os.Open(corpusPath)
	if err != nil {
		tb.Skipf("corpus %s not available: %v", corpusPath, err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatalf("read corpus: %v", err)
	}
	col := func(name string) int {
		i := slices.Index(rows[0], name)
		if i < 0 {
			tb.Fatalf("corpus: no column %q in %v", name, rows[0])
		}
		return i
	}
	subject, detail, reply := col("留言主题"), col("留言详情"), col("答复意见")
	var c corpus
	for _, r := range rows[1:] {
		c.Messages = append(c.Messages, r[subject]+" "+r[detail])
		if r[reply] != "" {
			c.Replies = append(c.Replies, r[reply])
		}
	}
	return c
}

// testDocs returns about 5,600 real texts plus synthetic ones that probe the
// PostgreSQL tsvector limits and normalisation, and the queries aimed at the
// synthetic ones.
func testDocs(tb testing.TB) (docs []string, extraQueries []string) {
	c := loadCorpus(tb)
	docs = append(docs, c.Messages...)
	docs = append(docs, c.Replies...)
	// Longer than 16383 tokens, with a unique phrase at the end.
	docs = append(docs, strings.Join(c.Replies[:80], " ")+" 尾部独有短语QF-终")
	// One bigram repeated far beyond 255 times, then a distinct ending.
	docs = append(docs, strings.Repeat("哈哈", 400)+"嘿", strings.Repeat("ab", 300)+"c")
	// Width, case, white space and format characters.
	docs = append(docs,
		"ＱＩＮＧＦＥＮＧ　平台　　测试（全角）￥１００",
		"Hello\tWORLD\n\n第二行 zero\u200bwidth",
		"符号 ℃ ① → 《条例》、“引号” 1e5a a-b a.b a@b.cn ~!@#$%^&*()_+",
		"𠀀𠀁𠀂 扩展B区汉字 emoji 😀👍",
	)
	extraQueries = []string{
		"尾部独有短语", "独有短语qf-终", "qf-终", "哈嘿", "哈哈嘿", "哈哈哈嘿", "abc", "babc", "ababababc",
		"qingfeng 平台", "平台 测试", "(全角)", "￥100", "¥100", "ｈｅｌｌｏ ｗｏｒｌｄ", "world 第二",
		"zerowidth", "zero width", "℃", "① →", "《条例》", "“引号”", "1e5a", "a-b", "a.b", "@b.cn",
		"~!@#$%^&*()_+", "𠀁𠀂", "😀", "😀👍", "扩展b区",
	}
	return docs, extraQueries
}

// injectionQueries returns user inputs that would be FTS5 or tsquery
// syntax if they reached the engines as text.
func injectionQueries() []string {
	return []string{
		`"`, `""`, `"粮库`, `粮库"`, `'`, `''`, `粮库'`, `NEAR(粮库 温度)`, `NEAR`, `near/2`, `粮*`, `*`,
		`-粮库`, `-`, `(粮库)`, `(`, `)`, `tokens:粮库`, `{tokens}:粮`, `tokens : a`, `^粮库`, `粮库 AND 温度`,
		`OR`, `NOT 粮库`, `a+b`, `a & b`, `a | b`, `!a`, `a:*`, `a:b`, `\`, `\\粮库`, `'a' <-> 'b'`, `a<->b`,
		`a <2> b`, `:`, `&`, `|`, `!`, `(a | b) & !c`, `x' | 'y`, `x'); DROP TABLE docs; --`, "\x00", "a\x00b",
		`""粮库""`, `"a" OR "b"`, `rank:1`, `rowid:1`, `*:*`, `'\''`, `e'\\'`,
	}
}

// sampleQueries returns about 500 queries drawn from the normalised docs:
// substrings of 1–6 runes, longer ones, ASCII/digit runs and CJK/ASCII
// boundaries, width/case variants, strings that occur nowhere, and the
// injection inputs.
func sampleQueries(r *rand.Rand, docs []string) []string {
	norm := make([][]rune, len(docs))
	for i, d := range docs {
		norm[i] = []rune(Normalize(d))
	}
	pick := func() []rune {
		for {
			if d := norm[r.IntN(len(norm))]; len(d) > 0 {
				return d
			}
		}
	}
	cut := func(d []rune, at, n int) string {
		at = max(0, min(at, len(d)-1))
		return string(d[at:min(len(d), at+n)])
	}
	var qs []string
	for range 330 { // random substrings of 1–6 runes
		d := pick()
		qs = append(qs, cut(d, r.IntN(len(d)), 1+r.IntN(6)))
	}
	for range 20 { // longer substrings, up to the limit
		d := pick()
		qs = append(qs, cut(d, r.IntN(len(d)), 7+r.IntN(MaxQueryRunes-6)))
	}
	isASCII := func(c rune) bool { return c < 0x80 && (unicode.IsLetter(c) || unicode.IsDigit(c)) }
	for len(qs) < 420 { // ASCII and digit runs, and CJK/ASCII boundaries
		d := pick()
		at := r.IntN(len(d))
		for i := range d {
			j := (at + i) % len(d)
			if j > 0 && isASCII(d[j]) != isASCII(d[j-1]) {
				at = j
				break
			}
		}
		if r.IntN(2) == 0 {
			qs = append(qs, cut(d, at, 1+r.IntN(6))) // starts at the boundary
		} else {
			qs = append(qs, cut(d, at-1-r.IntN(3), 2+r.IntN(5))) // straddles it
		}
	}
	for i := range 30 { // width and case variants of earlier queries
		qs = append(qs, wide(qs[i*7]))
	}
	for range 20 { // rare ideographs, most combinations occur nowhere
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteRune(rune(0x9F00 + r.IntN(0xA5)))
		}
		qs = append(qs, b.String())
	}
	qs = append(qs, "qingfeng2099", "zzqqxx", "粮库温度传感器", "温度计量", "12345678987654321", "A99区")
	return append(qs, injectionQueries()...)
}

// wide writes ASCII in full width and upper case, and spaces as U+3000.
func wide(s string) string {
	return strings.Map(func(c rune) rune {
		switch {
		case c == ' ':
			return 0x3000
		case c > ' ' && c < 0x7F:
			return unicode.ToUpper(c) + 0xFEE0
		}
		return c
	}, s)
}

// bruteForce returns the indexes of the docs whose normalised text contains
// the normalised query.
func bruteForce(normDocs []string, q Query) []int {
	var hits []int
	for i, d := range normDocs {
		if strings.Contains(d, q.Text) {
			hits = append(hits, i)
		}
	}
	return hits
}
