package search

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzTokensSubstring checks the design's invariant without a database:
// for a document and a substring of its normalised text, the query's bigram
// phrase (or one-rune prefix) occurs in Tokens(doc) and its tsquery matches
// one of Chunks(doc); and for an arbitrary query, each matches exactly when
// the normalised document contains the normalised query.
func FuzzTokensSubstring(f *testing.F) {
	seeds := []struct {
		doc, q string
		i, j   uint16
	}{
		{"粮库负责人", "粮库", 0, 1},
		{"A2区粮库，温度4.23元/吨", "2区粮", 3, 4},
		{"Ａ２区（景蓉）　花苑", "a2区(", 1, 5},
		{"哈哈哈哈", "哈哈哈", 1, 2},
		{"ab ab\tab", "b a", 2, 3},
		{"粮\u200b库", "粮库", 0, 0},
		{"\xff\xfe粮", "\ufffd", 0, 0},
		{"😀👍 emoji", "👍 e", 1, 3},
	}
	for _, s := range seeds {
		f.Add(s.doc, s.q, s.i, s.j)
	}
	f.Fuzz(func(t *testing.T, doc, qs string, i, j uint16) {
		nd := normalizeRunes(doc, nil)
		norm := Normalize(doc)
		if norm != string(nd) || Normalize(norm) != norm {
			t.Fatalf("Normalize(%q) = %q is not stable", doc, norm)
		}
		tokens := Tokens(doc)
		if n := len(strings.Fields(tokens)); n != len(nd) {
			t.Fatalf("Tokens gave %d tokens for %d runes", n, len(nd))
		}
		chunks := Chunks(doc)
		inChunk := func(q Query) bool {
			for _, c := range chunks {
				if tsqueryIn(c, q) {
					return true
				}
			}
			return false
		}

		// A substring of the normalised document is always found.
		if len(nd) > 0 {
			a := int(i) % len(nd)
			b := a + 1 + int(j)%min(MaxQueryRunes, len(nd)-a)
			sub := string(nd[a:b])
			q, err := Parse(sub)
			switch {
			case errors.Is(err, ErrEmpty) && strings.TrimSpace(sub) == "":
			case err != nil:
				t.Fatalf("Parse(%q): %v", sub, err)
			case !strings.Contains(norm, q.Text):
				t.Fatalf("normalised substring %q is not in %q", q.Text, norm)
			case !phraseIn(tokens, q):
				t.Fatalf("substring %q of %q: phrase %s not in Tokens", sub, norm, q.FTS5())
			case !inChunk(q):
				t.Fatalf("substring %q of %q: tsquery %s matches no chunk", sub, norm, q.TSQuery())
			}
		}

		// Any query: phrase match if and only if substring.
		q, err := Parse(qs)
		if err != nil {
			if errors.Is(err, ErrTooLong) && utf8.RuneCountInString(Normalize(qs)) <= MaxQueryRunes {
				t.Fatalf("Parse(%q): %v", qs, err)
			}
			return
		}
		want := strings.Contains(norm, q.Text)
		if got := phraseIn(tokens, q); got != want {
			t.Fatalf("doc %q query %q: phrase %v, substring %v", norm, q.Text, got, want)
		}
		if got := inChunk(q); got != want {
			t.Fatalf("doc %q query %q: chunks %v, substring %v", norm, q.Text, got, want)
		}
	})
}

// FuzzHighlight checks that snippets stay within the requested size and
// that the marks lie inside the snippet, in order, without overlap.
func FuzzHighlight(f *testing.F) {
	f.Add("2019年4月以来，位于A市A2区桂花坪街道", "a2区", 10)
	f.Add("粮 \n 库", "粮 库", 2)
	f.Add("哈哈哈", "哈", 0)
	f.Fuzz(func(t *testing.T, text, qs string, maxRunes int) {
		q, err := Parse(qs)
		if err != nil {
			return
		}
		maxRunes %= 200
		snippet, marks := Highlight(text, q, maxRunes)
		n := utf8.RuneCountInString(snippet)
		if maxRunes > 0 && n > maxRunes+2 {
			t.Fatalf("snippet of %d runes for maxRunes %d", n, maxRunes)
		}
		end := 0
		for _, m := range marks {
			if m.Start < end || m.End <= m.Start || m.End > n {
				t.Fatalf("bad marks %v for snippet of %d runes", marks, n)
			}
			end = m.End
		}
		if (len(marks) > 0) != strings.Contains(Normalize(text), q.Text) {
			t.Fatalf("marks %v but contains = %v", marks, !(len(marks) > 0))
		}
	})
}
