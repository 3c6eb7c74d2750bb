// Package search turns report text into index tokens and user queries into
// match expressions for SQLite FTS5 and PostgreSQL full-text search, so that
// both engines find exactly the reports whose normalised text contains the
// normalised query as a substring (see Normalize), ranked, with highlights.
//
// # Token design
//
// Chinese has no spaces and most words are two characters, so the FTS5 index is
// built from overlapping character bigrams of the normalised text: the text
// r0 r1 … rn-1 is indexed as the n tokens (r0,r1) (r1,r2) … (rn-2,rn-1)
// (rn-1,END) at consecutive positions, where END is an end-of-text marker.
// A query of k ≥ 2 runes q0 … qk-1 becomes the phrase (q0,q1) … (qk-2,qk-1):
// the phrase occurs at position p exactly when the text's runes p … p+k-1 equal
// the query, so a phrase match is a substring match, with no false positives
// or negatives, across CJK/ASCII/digit/punctuation boundaries alike. A
// one-rune query q0 becomes the prefix query "(q0,*)": every rune of the text
// starts exactly one token (the last one pairs with END), so no unigram
// tokens are needed.
//
// Each token is written as a fixed ASCII code (letters and digits only, always
// starting with a letter): three characters per rune for ASCII, Latin, Greek,
// Cyrillic, general punctuation and symbols, and the CJK blocks U+3000–U+9FFF
// (so a Chinese bigram costs 6 bytes, as it would in UTF-8), and five for any
// other rune. Encoding is necessary because the engines' own tokenizers do
// not keep arbitrary bigrams intact: FTS5 unicode61 treats punctuation and
// symbols (，。（ ℃ …) as separators; PostgreSQL's parser drops them too,
// splits digit-led ASCII ("1e5a" becomes the float "1e5" and the word "a"),
// and folds case and classifies ①, ℃ or Σ differently depending on the
// database's LC_CTYPE. Raw CJK bigrams ("粮库", "4年", "a粮") do survive both
// as single tokens, but a scheme that only works for some characters cannot
// guarantee "every report containing the query text is found". A lower-case
// ASCII letter followed by lower-case letters and digits is one token,
// unchanged, in both engines (PostgreSQL classifies ASCII the same under
// every locale), so the same index text and the same query behave
// identically on both. The code is prefix-free (its first letter gives its length), so a
// prefix query on one rune's code matches exactly the tokens starting with
// that rune.
//
// # Schema
//
// SQLite: an FTS5 table over the output of Tokens, for example
//
//	CREATE VIRTUAL TABLE report_fts USING fts5(tokens, scope, content='', contentless_delete=1,
//	    tokenize='ascii');
//	INSERT INTO report_fts (rowid, tokens, scope) VALUES ($1, $2, $3);  -- Tokens(doc), ScopeTokens(path)
//	SELECT rowid FROM report_fts WHERE report_fts MATCH $1 ORDER BY bm25(report_fts, 1, 0);
//	    -- $1 = q.FTS5In(terms), terms from ScopeTerms(prefixes)
//
// PostgreSQL indexes other tokens, one per rune standing for it and the
// next three runes (see Chunks), so that a query of up to four characters is
// one lexeme or lexeme prefix that GIN answers without re-checking rows
// (TSQuery); one row per element of Chunks, indexed with GIN:
//
//	CREATE TABLE report_search (report_id bigint, chunk int, vec tsvector, PRIMARY KEY (report_id, chunk));
//	CREATE INDEX ON report_search USING gin (vec);
//	INSERT … VALUES ($1, $2, to_tsvector('simple', $3));  -- $3 = a Chunks element + " " + ScopeTokens(path)
//	SELECT report_id, max(ts_rank(vec, query)) FROM report_search,
//	    to_tsquery('simple', $1) query WHERE vec @@ query GROUP BY report_id; -- $1 = q.TSQueryIn(terms)
//
// (The store's table also keeps each vec out of its row, see
// internal/store, migration 48.)
//
// A tsvector keeps at most 255 positions per lexeme and no position above
// 16383, so phrase search over one long tsvector silently misses matches;
// Chunks splits long texts into overlapping pieces within those limits.
//
// To index several fields of a report (subject, content, replies) in one
// row, join their Tokens with a space (or, for PostgreSQL, concatenate their
// Chunks lists): every field ends with its END token(s) and no token spans
// two fields, so a query never matches across a field boundary, and a
// report matches exactly when one of its fields contains the query.
package search

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxQueryRunes is the longest query, in runes after normalisation, that
// Parse accepts. Chunks relies on it for the overlap between pieces.
const MaxQueryRunes = 64

// Error is an error returned by Parse. Its values are constants, so callers
// compare with errors.Is or ==.
type Error string

// Error returns the message.
func (e Error) Error() string { return string(e) }

// Parse errors.
const (
	// ErrEmpty: the query has no runes left after normalisation.
	ErrEmpty Error = "search: empty query"
	// ErrTooLong: the query has more than MaxQueryRunes runes after normalisation.
	ErrTooLong Error = "search: query too long"
)

// Normalize returns the normalised form of s that both documents and queries
// are compared in. Rune by rune:
//
//   - invalid UTF-8 bytes become U+FFFD;
//   - full-width forms become their half-width equivalents: U+FF01–U+FF5E
//     become ASCII ("Ａ２区（" → "a2区("), U+FFE0–U+FFE6 become ¢ £ ¬ ¯ ¦ ¥ ₩,
//     and the ideographic space U+3000 is a space;
//   - letters are lower-cased (unicode.ToLower, one rune to one rune);
//   - format characters (Unicode category Cf: zero-width spaces and joiners,
//     soft hyphens, byte-order marks) are removed;
//   - each run of white space and control characters becomes one space, and
//     leading and trailing space is removed.
//
// Everything else, including punctuation, is kept and must match exactly:
// a query for "4.23" does not find "4，23". Chinese full-width punctuation
// that has an ASCII twin (，（）：；！？) is folded to it, so typing either
// finds both; 。、“” and 《》 have no full-width form and stay as they are.
// Simplified and traditional characters are not unified. Normalize is
// idempotent, and every substring of Normalize(s) is its own normal form.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range normalizeRunes(s, nil) {
		b.WriteRune(r)
	}
	return b.String()
}

// normalizeRunes normalises s as Normalize does and returns the runes. When
// src is not nil, it receives for each output rune the index of the first
// and one past the last rune of s it stands for (runes as []rune(s) counts
// them), so that a match can be mapped back to the original text.
func normalizeRunes(s string, src *[][2]int) []rune {
	out := make([]rune, 0, utf8.RuneCountInString(s))
	pendingSpace := false // a white-space run has been seen after the last output rune
	spaceFrom, spaceTo := 0, 0
	i := 0 // index of the current rune in []rune(s)
	for _, r := range s {
		r = foldWidth(r)
		switch {
		case unicode.IsSpace(r) || unicode.IsControl(r):
			if !pendingSpace {
				pendingSpace = true
				spaceFrom = i
			}
			spaceTo = i + 1
		case unicode.Is(unicode.Cf, r):
			// removed; does not end a white-space run
		default:
			if pendingSpace {
				pendingSpace = false
				if len(out) > 0 {
					out = append(out, ' ')
					if src != nil {
						*src = append(*src, [2]int{spaceFrom, spaceTo})
					}
				}
			}
			out = append(out, unicode.ToLower(r))
			if src != nil {
				*src = append(*src, [2]int{i, i + 1})
			}
		}
		i++
	}
	return out
}

// foldWidth maps full-width forms to their half-width equivalents.
func foldWidth(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		return r - 0xFEE0
	case r == 0x3000:
		return ' '
	}
	switch r {
	case 0xFFE0:
		return '¢'
	case 0xFFE1:
		return '£'
	case 0xFFE2:
		return '¬'
	case 0xFFE3:
		return '¯'
	case 0xFFE4:
		return '¦'
	case 0xFFE5:
		return '¥'
	case 0xFFE6:
		return '₩'
	}
	return r
}

// The rune code. Runes in three blocks get three characters: a letter a–y
// and two base-36 digits for an index below 25·36·36 = 32400. All other runes,
// and the end-of-text marker, get 'z' and four base-36 digits of the code
// point (36⁴ > 0x110000).
const (
	base36    = "0123456789abcdefghijklmnopqrstuvwxyz"
	endOfText = utf8.MaxRune + 1 // the END marker's code point: no rune has it
	zone0End  = 0x0800           // [0, 0x800): ASCII, Latin, Greek, Cyrillic, Hebrew, Arabic
	zone1     = 0x2000           // [0x2000, 0x2690): general punctuation, ℃, ①, arrows, box drawing
	zone1End  = 0x2690
	zone2     = 0x3000 // [0x3000, 0xA000): CJK punctuation, kana, CJK Ext. A, CJK Unified Ideographs
	zone2End  = 0xA000
)

// appendCode appends the code of r (a rune or endOfText) to dst.
func appendCode(dst []byte, r rune) []byte {
	v := -1
	switch {
	case r >= 0 && r < zone0End:
		v = int(r)
	case r >= zone1 && r < zone1End:
		v = zone0End + int(r-zone1)
	case r >= zone2 && r < zone2End:
		v = zone0End + (zone1End - zone1) + int(r-zone2)
	}
	if v >= 0 {
		return append(dst, 'a'+byte(v/(36*36)), base36[v/36%36], base36[v%36])
	}
	u := int(r)
	return append(dst, 'z', base36[u/(36*36*36)%36], base36[u/(36*36)%36], base36[u/36%36], base36[u%36])
}

// appendTokens appends the tokens of the normalised runes rs, space
// separated, ending with the (last rune, END) token.
func appendTokens(dst []byte, rs []rune) []byte {
	for i, r := range rs {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = appendCode(dst, r)
		if i+1 < len(rs) {
			dst = appendCode(dst, rs[i+1])
		} else {
			dst = appendCode(dst, endOfText)
		}
	}
	return dst
}

// Tokens returns the index text of doc: one space-separated token per rune
// of Normalize(doc), the bigram of that rune and the next one (or the END
// marker after the last rune), each written as an ASCII code that the FTS5
// unicode61 and ascii tokenizers and PostgreSQL's to_tsvector('simple', …)
// keep as one token, unchanged. A text of n runes gives n tokens of 6–10
// bytes (6 for a Chinese bigram). Empty text gives "".
//
// Store it in an FTS5 table as it is. PostgreSQL's index uses other
// tokens (four runes each) split within the tsvector limits: Chunks.
func Tokens(doc string) string {
	rs := normalizeRunes(doc, nil)
	return string(appendTokens(make([]byte, 0, len(rs)*7), rs))
}

// GramRunes is the most runes one PostgreSQL index token stands for (see
// Chunks).
const GramRunes = 4

// appendGrams appends the PostgreSQL index tokens of the normalised runes
// rs, space separated: for each rune, the codes of it and the next
// GramRunes−1 runes, or, near the end, of the runes up to the end followed
// by END. Every token is one lexeme; the token of rune i is at tsvector
// position i+1. (Matching does not need END, since every query is a whole
// token or a token prefix; it keeps a short token from looking like the
// start of a longer one in the index.)
func appendGrams(dst []byte, rs []rune) []byte {
	for i := range rs {
		if i > 0 {
			dst = append(dst, ' ')
		}
		end := min(i+GramRunes, len(rs))
		for _, r := range rs[i:end] {
			dst = appendCode(dst, r)
		}
		if end-i < GramRunes {
			dst = appendCode(dst, endOfText)
		}
	}
	return dst
}

// Limits of a PostgreSQL tsvector that Chunks stays within.
const (
	// ChunkMaxTokens is the most tokens in one chunk; tsvector positions
	// above 16383 collapse into one.
	ChunkMaxTokens = 16000
	// ChunkMaxRepeats is how often one token may occur in a chunk; a
	// tsvector keeps only the first 255 positions of a lexeme.
	ChunkMaxRepeats = 255
	// chunkOverlap runes are shared by consecutive chunks, so that every
	// substring of up to MaxQueryRunes runes lies wholly within one chunk.
	chunkOverlap = MaxQueryRunes - 1
)

// Chunks returns the PostgreSQL index text of doc, split where a tsvector's
// limits require it.
//
// # Tokens
//
// Where FTS5 indexes bigrams and matches a longer query as a phrase
// (Tokens), PostgreSQL indexes one token per rune of Normalize(doc): the
// codes of that rune and the next three (fewer, followed by END, for the last
// three runes). A query of up to four runes is then a single lexeme or
// lexeme prefix (TSQuery): its GIN matches are exact and need no re-check
// against the stored tsvector, which a phrase would need for every
// candidate row (seconds for a common three-character word in a million
// reports). Longer queries are phrases of these four-rune tokens.
//
// # Chunks
//
// The pieces have at most ChunkMaxTokens tokens, no token occurs more than
// ChunkMaxRepeats times in one, and each is indexed as if it were the whole
// text (its last three tokens end with END). Consecutive pieces overlap by
// MaxQueryRunes−1 runes, so every occurrence of a query accepted by Parse
// lies wholly within at least one piece, and a report matches exactly when
// one of its pieces does. Almost every report gives a single piece; an
// empty text gives none.
func Chunks(doc string) []string {
	return chunks(doc, GramRunes, appendGrams)
}

// BigramChunks is the PostgreSQL index text of doc before migration 48:
// Tokens split like Chunks. Only that migration's down step writes it.
func BigramChunks(doc string) []string {
	return chunks(doc, 2, appendTokens)
}

// chunks splits the normalised runes of doc into pieces within the tsvector
// limits for tokens of n runes each, written by appendTok.
func chunks(doc string, n int, appendTok func([]byte, []rune) []byte) []string {
	rs := normalizeRunes(doc, nil)
	if len(rs) == 0 {
		return nil
	}
	var out []string
	counts := make(map[[GramRunes]rune]int)
	start := 0
	for {
		// Extend the piece [start, end) while its tokens stay within the
		// limits: adding rune end completes the token of rune end−n+1 (the
		// last n−1 tokens end with END and occur once).
		clear(counts)
		end := start + 1
		for end < len(rs) && end-start < ChunkMaxTokens {
			if i := end - n + 1; i >= start {
				var k [GramRunes]rune
				copy(k[:], rs[i:end+1])
				if counts[k] == ChunkMaxRepeats {
					break
				}
				counts[k]++
			}
			end++
		}
		out = append(out, string(appendTok(make([]byte, 0, (end-start)*(3*n+1)), rs[start:end])))
		if end == len(rs) {
			return out
		}
		// The limits allow at least 256 runes per piece, so the next piece
		// starts after this one did.
		start = end - chunkOverlap
	}
}

// Query is a parsed search: the normalised text and how each engine
// matches it. Build it with Parse; the zero Query matches nothing.
type Query struct {
	// Text is the normalised query (see Normalize).
	Text string
	// Runes is the number of runes in Text, 1 to MaxQueryRunes.
	Runes int
	// codes are the codes of Text's runes: FTS5's bigram tokens are pairs
	// of them (terms), PostgreSQL's tokens runs of up to four (see Chunks).
	codes []string
}

// terms are FTS5's tokens for q: the bigram tokens of Text for two or
// more runes, or the code of its single rune, used as a token prefix.
func (q Query) terms() []string {
	if len(q.codes) == 1 {
		return q.codes
	}
	var out []string
	for i := 0; i+1 < len(q.codes); i++ {
		out = append(out, q.codes[i]+q.codes[i+1])
	}
	return out
}

// Parse normalises q and prepares its match expressions. It returns
// ErrEmpty when nothing is left after normalisation and ErrTooLong when more
// than MaxQueryRunes runes are.
func Parse(q string) (Query, error) {
	rs := normalizeRunes(q, nil)
	switch {
	case len(rs) == 0:
		return Query{}, ErrEmpty
	case len(rs) > MaxQueryRunes:
		return Query{}, ErrTooLong
	}
	codes := make([]string, len(rs))
	for i, r := range rs {
		codes[i] = string(appendCode(nil, r))
	}
	return Query{Text: string(rs), Runes: len(rs), codes: codes}, nil
}

// FTS5 returns the FTS5 MATCH expression for q: a quoted phrase of bigram
// tokens, or for a one-rune query a quoted token prefix ("abc"*). The tokens
// are ASCII letters and digits computed from the query, never the user's
// text, so no FTS5 syntax (quotes, NEAR, *, -, ^, parentheses, column
// filters, AND/OR/NOT) can reach the expression. To restrict it to one
// column of a multi-column table, prepend a column filter: "{tokens} : " +
// q.FTS5(). For the zero Query it returns a phrase that matches nothing.
func (q Query) FTS5() string {
	if len(q.codes) == 0 {
		return `"` + string(appendCode(nil, endOfText)) + `"`
	}
	if q.Runes == 1 {
		return `"` + q.codes[0] + `"*`
	}
	return `"` + strings.Join(q.terms(), " ") + `"`
}

// TSQuery returns the argument for PostgreSQL to_tsquery('simple', $1)
// against the tokens of Chunks: for up to three runes the prefix of the
// tokens that start with them ('abc':*); for four runes that token
// ('abcd'); for more, the phrase of the four-rune tokens at offsets 0, 4,
// 8, … and at the last offset, with their distances ('abcd' <4> 'efgh' <1>
// 'fghi' for nine runes). As with FTS5, only computed ASCII letters and
// digits appear, so none of & | ! : * ( ) ' or backslashes from the user's
// text can. For the zero Query it returns a lexeme that matches nothing.
func (q Query) TSQuery() string {
	if len(q.codes) == 0 {
		return `'` + string(appendCode(nil, endOfText)) + `'`
	}
	if len(q.codes) < GramRunes {
		return `'` + strings.Join(q.codes, "") + `':*`
	}
	var b strings.Builder
	last := len(q.codes) - GramRunes
	for off, prev := 0, -1; ; off += GramRunes {
		off = min(off, last)
		if prev >= 0 {
			b.WriteString(" <" + strconv.Itoa(off-prev) + "> ")
		}
		b.WriteString(`'` + strings.Join(q.codes[off:off+GramRunes], "") + `'`)
		if off == last {
			return b.String()
		}
		prev = off
	}
}

// # Scope tokens
//
// A user sees the reports of some unit subtrees (auth.Scope prefixes such as
// "/1/5/"). Filtering matches by joining the reports table costs one row
// look-up per match, which is seconds for a two-character word that a
// province's reports contain hundreds of thousands of times. So each search
// entry also carries its unit path as tokens, one per unit on the path
// ("/1/5/23/" → the tokens of units 1, 5 and 23), and the engine intersects
// the query with the scope's tokens inside its own index. Units never move
// (org.Unit paths are fixed when created); a report that changes unit is
// re-indexed.
//
// A scope token is scopeMark followed by "u" and the unit id. scopeMark is
// "zzzzz", which is not the code of any rune nor of END (its value, 36⁴−1,
// is above U+10FFFF+1), so no text token (a bigram, or PostgreSQL's
// four-rune token) equals a scope token and no prefix query (one rune's
// code, "abc"* or "z" and four digits, or the codes of up to three runes)
// matches one: scope tokens may share a column (PostgreSQL's tsvector)
// with the text's tokens. On SQLite they have their own FTS5 column so
// that bm25 ranks on the text alone.
const scopeMark = "zzzzz"

// ScopePrefix starts every scope token; the unit id follows.
const ScopePrefix = scopeMark + "u"

// ScopeToken returns the index token of unit id.
func ScopeToken(unitID int64) string {
	return ScopePrefix + strconv.FormatInt(unitID, 10)
}

// ScopeTokens returns the scope tokens of a record of the unit at path
// ("/1/5/23/"), space separated; "" for a path that is not a unit path.
func ScopeTokens(path string) string {
	ids, ok := pathIDs(path)
	if !ok {
		return ""
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = ScopeToken(id)
	}
	return strings.Join(parts, " ")
}

// pathIDs parses a unit path "/1/5/23/" into its unit ids; "/" has none.
func pathIDs(path string) ([]int64, bool) {
	if len(path) == 0 || path[0] != '/' || path[len(path)-1] != '/' {
		return nil, false
	}
	if path == "/" {
		return nil, true
	}
	var ids []int64
	for _, p := range strings.Split(path[1:len(path)-1], "/") {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil || id <= 0 || p[0] == '+' {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}

// ErrScope is returned by ScopeTerms for a prefix that is not a unit path.
const ErrScope Error = "search: scope prefix is not a unit path"

// ScopeTerms returns the scope tokens matching the subtrees of prefixes
// (unit paths): the token of each prefix's own unit, since every record
// below it carries that token. all is true when a prefix is "/" (every
// record is in scope, no filter is needed).
func ScopeTerms(prefixes []string) (terms []string, all bool, err error) {
	for _, p := range prefixes {
		if p == "/" {
			return nil, true, nil
		}
		ids, ok := pathIDs(p)
		if !ok || len(ids) == 0 {
			return nil, false, ErrScope
		}
		if t := ScopeToken(ids[len(ids)-1]); !slices.Contains(terms, t) {
			terms = append(terms, t)
		}
	}
	return terms, false, nil
}

// FTS5In returns the FTS5 MATCH expression for q restricted to the scope
// terms (ScopeTerms) in a table with the columns tokens and scope; with no
// terms, q in the tokens column alone (the "/" scope).
func (q Query) FTS5In(terms []string) string {
	m := "{tokens} : " + q.FTS5()
	if len(terms) == 0 {
		return m
	}
	return m + ` AND {scope} : ("` + strings.Join(terms, `" OR "`) + `")`
}

// TSQueryIn returns the to_tsquery('simple', …) argument for q restricted to
// the scope terms, whose tokens share the tsvector with the text's (see
// scopeMark); with no terms, q.TSQuery().
func (q Query) TSQueryIn(terms []string) string {
	if len(terms) == 0 {
		return q.TSQuery()
	}
	return "(" + q.TSQuery() + ") & ('" + strings.Join(terms, "' | '") + "')"
}
