package importer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// cleanText normalises white space: \r\n and \r become \n; zero-width and
// other format characters (Cf) and control characters are dropped; runs of
// spaces, tabs, no-break and full-width spaces become one space; lines are
// trimmed and at most one blank line is kept; the result is trimmed. When
// multiline is false, line breaks count as spaces. Invalid UTF-8 bytes
// become U+FFFD.
func cleanText(s string, multiline bool) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space, newlines, started := false, 0, false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == '\r' {
			if i < len(s) && s[i] == '\n' {
				i++
			}
			r = '\n'
		}
		switch {
		case r == '\n' || r == '\u2028' || r == '\u2029':
			if multiline {
				newlines++
				space = false // trailing spaces of the line
			} else {
				space = true
			}
			continue
		case isSpaceRune(r):
			space = true
			continue
		case dropRune(r):
			continue
		}
		if started {
			switch {
			case newlines == 1:
				b.WriteByte('\n')
			case newlines > 1:
				b.WriteString("\n\n")
			case space:
				b.WriteByte(' ')
			}
		}
		space, newlines, started = false, 0, true
		b.WriteRune(r) // writes U+FFFD for an invalid byte
	}
	return b.String()
}

// isClean reports whether cleanText would return s unchanged: valid UTF-8
// of visible characters separated by single ASCII spaces, without leading
// or trailing space.
func isClean(s string) bool {
	prevSpace := true // a leading space is not clean
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == ' ':
				if prevSpace {
					return false
				}
				prevSpace = true
			case c < 0x20 || c == 0x7f:
				return false
			default:
				prevSpace = false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || isSpaceRune(r) || dropRune(r) || r == '\u2028' || r == '\u2029' {
			return false
		}
		prevSpace = false
		i += size
	}
	return !prevSpace || s == ""
}

// isSpaceRune reports horizontal white space (not line breaks).
func isSpaceRune(r rune) bool {
	if plainRune(r) {
		return false
	}
	switch r {
	case ' ', '\t', '\v', '\f', '\u0085', '\u00a0', '\u3000':
		return true
	case '\n', '\r', '\u2028', '\u2029':
		return false
	}
	return r > utf8.RuneSelf && unicode.Is(unicode.Zs, r)
}

// dropRune reports characters removed by cleaning: controls other than
// white space, and format characters such as U+200B zero-width space,
// U+FEFF BOM and bidi overrides.
func dropRune(r rune) bool {
	switch {
	case plainRune(r):
		return false
	case r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == '\u0085':
		return false
	case r < 0x20 || r == 0x7f:
		return true
	case r < 0x80:
		return false
	}
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r)
}

// foldWidth maps full-width ASCII forms (U+FF01..U+FF5E) to ASCII and the
// ideographic space to a space.
func foldWidth(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= 0xFF01 && r <= 0xFF5E || r == '\u3000' }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		case r == '\u3000':
			return ' '
		}
		return r
	}, s)
}

// plainRune is a fast path for CJK text: U+3001..U+FEFE holds no white
// space, control or format character.
func plainRune(r rune) bool { return r > 0x3000 && r < 0xFEFF }
