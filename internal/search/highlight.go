package search

// Span is a highlighted match in a snippet: runes [Start, End) of the
// snippet, counted as []rune(snippet) counts them.
type Span struct{ Start, End int }

// Ellipsis marks text left out at either end of a snippet.
const Ellipsis = "…"

// SnippetRunes is the length of the content snippet a search hit shows
// (the search page and GET /api/v1/search alike).
const SnippetRunes = 80

// Highlight returns a window of text around the first occurrence of q and
// the spans of every occurrence within it. Matching is done on the
// normalised text (see Normalize), so a query "a2区" highlights "Ａ２区" and
// may span collapsed white space; the snippet itself is the original text.
//
// The window holds at most maxRunes runes of text (maxRunes ≤ 0: the whole
// text); about a third of the room left beside the first match goes before
// it. When text is cut off, Ellipsis is added at that end; the spans account
// for it. A match longer than the window is cut to it. When q does not
// occur (or q is the zero Query), the snippet is the start of text and
// marks is nil.
func Highlight(text string, q Query, maxRunes int) (snippet string, marks []Span) {
	orig := []rune(text)
	var src [][2]int
	norm := normalizeRunes(text, &src)
	matches := findAll(norm, []rune(q.Text), src)

	start, end := 0, len(orig)
	if maxRunes > 0 && len(orig) > maxRunes {
		end = maxRunes
		if len(matches) > 0 {
			m := matches[0]
			if m.End-m.Start >= maxRunes {
				start = m.Start
			} else {
				start = max(0, m.Start-(maxRunes-(m.End-m.Start))/3)
			}
			end = min(len(orig), start+maxRunes)
			start = end - maxRunes
		}
	}

	snippet = string(orig[start:end])
	shift := -start
	if start > 0 {
		snippet = Ellipsis + snippet
		shift += len([]rune(Ellipsis))
	}
	if end < len(orig) {
		snippet += Ellipsis
	}
	for _, m := range matches {
		s, e := max(m.Start, start), min(m.End, end)
		if s < e {
			marks = append(marks, Span{s + shift, e + shift})
		}
	}
	return snippet, marks
}

// findAll returns the non-overlapping occurrences of q in norm, left to
// right, as rune spans of the original text (src maps norm to it).
func findAll(norm, q []rune, src [][2]int) []Span {
	if len(q) == 0 {
		return nil
	}
	var out []Span
	for i := 0; i+len(q) <= len(norm); {
		if equalRunes(norm[i:i+len(q)], q) {
			out = append(out, Span{src[i][0], src[i+len(q)-1][1]})
			i += len(q)
			continue
		}
		i++
	}
	return out
}

func equalRunes(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
