// Package textclean cleans the texts staff type into the clue and case
// forms: one-line fields have their whitespace collapsed, multi-line texts
// keep their line breaks with each line trimmed, and control, zero-width
// and bidirectional-override characters are dropped from both.
package textclean

import "strings"

// Line collapses whitespace and drops invisible characters (one line).
func Line(s string) string { return strings.Join(strings.Fields(stripInvisible(s)), " ") }

// Text keeps line breaks but trims each line and drops invisible
// characters.
func Text(s string) string {
	s = strings.ReplaceAll(stripInvisible(s), "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

func stripInvisible(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r == 0x7f || (r >= 0x200b && r <= 0x200f) || r == 0xfeff || (r >= 0x202a && r <= 0x202e):
			return -1
		}
		return r
	}, s)
}
