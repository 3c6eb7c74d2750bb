package dedup

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Normalize maps a report text to the canonical form that similarity is
// computed on. It is NFKC-like but small and fixed (no tables from outside
// the standard library), so the same text normalises the same way on every
// build. The rules, in order, each justified by the message data (counts
// over the 1,169 distinct real messages in testdata/pairs.csv, printed by
// TestRuleCoverage; what each rule is worth on the labelled pairs is printed
// by TestTuneReport):
//
//  1. Width and case: full-width ASCII (U+FF01–U+FF5E, e.g. "２０１８",
//     "（", "："; 9 messages have full-width letters or digits, and the
//     hotline's input methods produce more) becomes half-width, the
//     ideographic space becomes a space, ASCII letters are lower-cased (828
//     messages have upper case, mostly place codes such as "A7县", which
//     citizens also type as "a7县"), circled and parenthesised numbers ①–⑳
//     and Roman numerals Ⅰ–Ⅻ become Arabic digits.
//  2. Boilerplate: leading greetings ("尊敬的胡书记：", "您好！", "领导您好，",
//     "各位领导："), channel headers and re-submission markers ("来电人反映：",
//     "市民来电反映", "12345热线转办", "再次反映", "第二次投诉"), and trailing
//     closings ("谢谢！", "此致敬礼", "盼复", and request formulas that name no
//     matter such as "请相关部门尽快核实处理" or "恳请领导高度重视") are
//     removed: they say nothing about the matter, yet make unrelated short
//     reports look alike and a re-submission look different. 341 of the
//     messages lose a leading clause this way and 223 a trailing one. A
//     greeting or closing is recognised only as a whole clause (between
//     punctuation marks); markers also as the start of the first clause.
//     At least one clause is always kept.
//  3. Punctuation, symbols, whitespace and control/format characters
//     (including zero-width spaces) are dropped; letters and numbers
//     (including 〇) are kept.
//  4. Chinese numerals are written as Arabic digits: a run of 〇零一二三四五六七八九
//     without units is read digit by digit ("二〇一八" → "2018", "三栋" →
//     "3栋"); a run with the units 十百千 is read as a number below 10,000
//     ("十五" → "15", "二十" → "20", "八百" → "800", "一百零五" → "105");
//     两 counts as 2 only before 十百千万 ("两百" → "200"). 百 and 千 without
//     a digit before them stay ("老百姓"), and a run that is not a
//     well-formed number is read digit by digit with 十 as "10". Words such
//     as "一直" also become "1直"; that is harmless because both sides of a
//     comparison are normalised alike, and it is what makes "三栋" meet "3栋"
//     and "八百多米" meet "800多米" (both occur in the data).
//
// The result has no spaces or punctuation, so it is meant for comparison,
// not display (Highlight maps matches back to the original text).
func Normalize(s string) string {
	return string(normalizeRunes(s))
}

// span is a half-open range of rune offsets in an original text.
type span struct{ start, end int32 }

// tok is one rune on its way through normalisation with the original rune
// range it came from.
type tok struct {
	r   rune
	src span
}

// normalizeMapped implements Normalize and also returns, for every rune of
// the result, the range of original rune offsets (as in []rune(s)) it came
// from.
func normalizeMapped(s string) ([]rune, []span) {
	return normalizeRules(s, true, true)
}

// normalizeRunes is Normalize without the conversion to a string.
func normalizeRunes(s string) []rune {
	out := normalizeToks(s, true, true)
	runes := make([]rune, len(out))
	for i, t := range out {
		runes[i] = t.r
	}
	return runes
}

// normalizeToks applies the rules, 2 (boilerplate) and 4 (numerals) as
// switched.
func normalizeToks(s string, boilerplate, numerals bool) []tok {
	folded := foldWidth(s)
	var kept []tok
	if boilerplate {
		kept = stripBoilerplate(folded)
	} else {
		kept = slices.DeleteFunc(folded, func(t tok) bool { return !isContent(t.r) })
	}
	if numerals {
		return convertNumerals(kept)
	}
	return kept
}

// normalizeRules is normalizeMapped with rules 2 (boilerplate) and 4
// (numerals) switchable, so that tests can measure what each rule is worth.
func normalizeRules(s string, boilerplate, numerals bool) ([]rune, []span) {
	out := normalizeToks(s, boilerplate, numerals)
	runes := make([]rune, len(out))
	spans := make([]span, len(out))
	for i, t := range out {
		runes[i] = t.r
		spans[i] = t.src
	}
	return runes, spans
}

// foldWidth applies rule 1 and returns the folded runes with their sources.
func foldWidth(s string) []tok {
	toks := make([]tok, 0, len(s)/2)
	i := int32(0)
	for _, r := range s {
		src := span{i, i + 1}
		i++
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		case r >= 0x2460 && r <= 0x2473: // ①..⑳
			toks = appendNumber(toks, int(r-0x2460)+1, src)
			continue
		case r >= 0x2474 && r <= 0x2487: // ⑴..⒇
			toks = appendNumber(toks, int(r-0x2474)+1, src)
			continue
		case r >= 0x2488 && r <= 0x249B: // ⒈..⒛
			toks = appendNumber(toks, int(r-0x2488)+1, src)
			continue
		case r >= 0x2160 && r <= 0x216B: // Ⅰ..Ⅻ
			toks = appendNumber(toks, int(r-0x2160)+1, src)
			continue
		case r >= 0x2170 && r <= 0x217B: // ⅰ..ⅻ
			toks = appendNumber(toks, int(r-0x2170)+1, src)
			continue
		}
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		toks = append(toks, tok{r, src})
	}
	return toks
}

// appendNumber appends the decimal digits of n, all mapped to src.
func appendNumber(toks []tok, n int, src span) []tok {
	for _, d := range strconv.Itoa(n) {
		toks = append(toks, tok{d, src})
	}
	return toks
}

// isContent reports whether a folded rune is kept (rule 3).
func isContent(r rune) bool {
	switch {
	case r >= 0x4E00 && r <= 0x9FFF: // CJK unified ideographs, most of the text
		return true
	case r < 0x80:
		return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// isClauseBreak reports whether a folded rune ends a clause for the
// boilerplate rules: punctuation and symbols, but not spaces (the data has
// "尊敬的 胡书记：" with a space inside the greeting).
func isClauseBreak(r rune) bool {
	if r >= 0x4E00 && r <= 0x9FFF {
		return false
	}
	return unicode.IsPunct(r) || unicode.IsSymbol(r) || r == '\n' || r == '\r'
}

// clauses cuts folded text into clauses: runs of content runes between
// clause breaks. content holds the indexes (into toks) of all content runes
// in order; clause i is content[bounds[i]:bounds[i+1]].
func clauses(toks []tok) (content []int, bounds []int) {
	content = make([]int, 0, len(toks))
	bounds = []int{0}
	for i, t := range toks {
		switch {
		case isContent(t.r):
			content = append(content, i)
		case isClauseBreak(t.r):
			if len(content) > bounds[len(bounds)-1] {
				bounds = append(bounds, len(content))
			}
		}
	}
	if len(content) > bounds[len(bounds)-1] {
		bounds = append(bounds, len(content))
	}
	return content, bounds
}

// stripBoilerplate applies rules 2 and 3 to each line of the folded text
// (a title line before the content, the lines of a letter) and returns the
// content runes without leading greetings and markers and trailing closings.
func stripBoilerplate(toks []tok) []tok {
	all := toks
	var out []tok
	for len(toks) > 0 {
		i := slices.IndexFunc(toks, func(t tok) bool { return t.r == '\n' || t.r == '\r' })
		if i < 0 {
			i = len(toks) - 1
		}
		out = append(out, stripLine(toks[:i+1])...)
		toks = toks[i+1:]
	}
	if len(out) == 0 { // nothing but boilerplate: keep it all
		for _, t := range all {
			if isContent(t.r) {
				out = append(out, t)
			}
		}
	}
	return out
}

// stripLine applies rules 2 and 3 to one line; a line of boilerplate only
// ("尊敬的领导：您好！", "此致") comes back empty.
func stripLine(toks []tok) []tok {
	content, bounds := clauses(toks)
	n := len(bounds) - 1 // number of clauses
	text := func(ci int) string {
		rs := make([]rune, 0, bounds[ci+1]-bounds[ci])
		for _, i := range content[bounds[ci]:bounds[ci+1]] {
			rs = append(rs, toks[i].r)
		}
		return string(rs)
	}
	first, skip := 0, 0 // first clause kept, runes skipped in it
	for first < n && first < 4 {
		c := text(first)
		if isGreeting(c) || isChannelClause(c) {
			first++
			continue
		}
		m := markerPrefixLen(c)
		if m == 0 {
			break
		}
		if m == bounds[first+1]-bounds[first] {
			first++
			continue
		}
		skip = m
		break
	}
	last := n // one past the last clause kept
	for last > first && n-last < 4 {
		if !isClosing(text(last - 1)) {
			break
		}
		last--
	}
	if first >= last {
		return nil
	}
	kept := content[bounds[first]+skip : bounds[last]]
	out := make([]tok, len(kept))
	for k, i := range kept {
		out[k] = toks[i]
	}
	return out
}

// greetingWords returns the greetings that open a letter.
func greetingWords() [5]string {
	return [...]string{"您们好", "你们好", "大家好", "您好", "你好"}
}

// addresseeTitles returns the titles an addressee ends with ("杨书记",
// "各位领导", "刘县长").
func addresseeTitles() [15]string {
	return [...]string{"领导们", "领导", "书记", "市长", "县长", "区长", "镇长", "乡长",
		"局长", "厅长", "省长", "主任", "部长", "同志", "父母官"}
}

// isGreeting reports whether a whole leading clause (spaces and punctuation
// removed) is a salutation such as "尊敬的杨书记", "您好", "领导您好",
// "各位领导好" or "您好胡书记".
func isGreeting(c string) bool {
	for _, p := range []string{"尊敬的", "敬爱的", "亲爱的"} {
		if rest, ok := strings.CutPrefix(c, p); ok {
			// "尊敬的…：" is a salutation by construction.
			return len([]rune(rest)) <= 20
		}
	}
	greeted := false
	for _, g := range greetingWords() {
		if rest, ok := strings.CutPrefix(c, g); ok {
			c, greeted = rest, true
			break
		}
	}
	if !greeted {
		gs := greetingWords()
		for _, g := range append(gs[:], "们好", "好") {
			if rest, ok := strings.CutSuffix(c, g); ok {
				c, greeted = rest, true
				break
			}
		}
	}
	if c == "" {
		return greeted
	}
	if len([]rune(c)) > 12 {
		return false
	}
	for _, t := range addresseeTitles() {
		if strings.HasSuffix(c, t) {
			return true
		}
	}
	return false
}

// markerPrefixes returns the channel and re-submission markers that may
// open a report.
func markerPrefixes() []string {
	return []string{
		"市民来电反映", "市民来电咨询", "市民来电投诉", "市民来电举报", "多次反映未解决",
		"来电人反映", "来电人咨询", "来电人投诉", "来电人举报", "来电人表示", "市民来电称",
		"来电反映", "来电咨询", "来电投诉", "来电举报", "来电人称", "市民反映", "群众反映",
		"网友反映", "再次反映", "再次投诉", "再次举报", "再次咨询", "再次请求", "再次呼吁",
		"再次建议", "多次反映", "重复反映", "原帖链接", "第二次反映", "第二次投诉", "第二次请求",
		"第三次反映", "第三次投诉", "第三次请求",
		"来电称",
	}
}

// markerPrefixLen returns the length in runes of the longest marker c
// starts with, or 0.
func markerPrefixLen(c string) int {
	n := 0
	for _, p := range markerPrefixes() {
		if strings.HasPrefix(c, p) {
			n = max(n, len([]rune(p)))
		}
	}
	return n
}

// closingClauses returns the closing formulas that end a letter.
func closingClauses() []string {
	return []string{
		"此致敬礼", "此致", "敬礼", "致礼", "不胜感激", "不甚感激", "感激不尽", "不胜感谢",
		"盼复", "盼回复", "望回复", "期待回复", "期待您的回复", "坐等回复", "急盼回复",
		"拜托了", "拜托", "辛苦了", "打扰了", "打扰您了", "为盼", "为感", "为谢", "万事如意", "叩谢",
	}
}

// isClosing reports whether a whole trailing clause is a closing formula:
// thanks ("谢谢", "非常感谢"), a letter ending ("此致敬礼", "盼复"), an
// operator's request line ("请相关部门尽快核实处理", "恳请领导高度重视") or the
// label before it ("来电人诉求").
func isClosing(c string) bool {
	if slices.Contains(closingClauses(), c) {
		return true
	}
	n := len([]rune(c))
	for _, p := range []string{"谢谢", "感谢", "多谢"} {
		if strings.HasPrefix(c, p) && n <= 8 {
			return true
		}
	}
	for _, p := range []string{"非常", "万分", "十分", "衷心", "深表", "先"} {
		if rest, ok := strings.CutPrefix(c, p); ok && (rest == "感谢" || rest == "谢谢" || rest == "感谢了" || rest == "谢谢了") {
			return true
		}
	}
	return isRequestFormula(c) || (n <= 8 && hasAny(c, "来电", "市民") && hasSuffixAny(c, "诉求", "要求"))
}

// isRequestFormula reports whether a clause is a generic request for action
// that names no matter: it starts with 请/望/希望/恳请…, addresses
// "相关部门", "领导" or "政府", and ends with an action such as 处理, 解决,
// 核实, 回复 or 重视 ("请相关部门尽快核实处理", "希望有关部门尽快解决",
// "恳请领导高度重视"), possibly after a subject ("市民希望有关部门尽快处理");
// or it is a bare "尽快解决"/"及时处理", or "给…一个说法/交代/答复". In the message data such a clause is among the last three
// of about one text in twenty-five.
func isRequestFormula(c string) bool {
	for _, who := range []string{"来电人", "诉求人", "市民", "群众", "居民", "业主", "我们", "本人", "特此"} {
		if rest, ok := strings.CutPrefix(c, who); ok && rest != "" {
			c = rest // "市民希望有关部门尽快处理"
			break
		}
	}
	n := len([]rune(c))
	actions := []string{"处理", "解决", "核实", "回复", "答复", "查处", "重视", "调查", "落实"}
	switch {
	case n <= 6 && hasPrefixAny(c, "尽快", "及时", "早日", "请尽快", "望尽快"):
		return hasSuffixAny(c, actions...) // "尽快解决", "及时处理"
	case n <= 12 && strings.HasPrefix(c, "给"):
		return hasSuffixAny(c, "答复", "交代", "说法") // "给市民一个满意的答复"
	case n <= 20:
		return hasPrefixAny(c, "请", "望", "希望", "恳请", "敬请", "烦请", "盼") &&
			hasAny(c, "相关部门", "有关部门", "职能部门", "承办单位", "领导", "政府") &&
			hasSuffixAny(c, actions...)
	}
	return false
}

// isChannelClause reports whether a whole leading clause is a channel header
// written by an operator or a platform ("市民来电反映", "12345热线转办",
// "来电人称"): a short clause naming the source and ending with a reporting
// verb.
func isChannelClause(c string) bool {
	return len([]rune(c)) <= 12 && hasAny(c, "来电", "市民", "热线", "群众", "网友", "工单") &&
		hasSuffixAny(c, "反映", "来电", "称", "表示", "咨询", "投诉", "举报", "转办", "求助")
}

// hasAny reports whether s contains any of subs.
func hasAny(s string, subs ...string) bool {
	return slices.ContainsFunc(subs, func(x string) bool { return strings.Contains(s, x) })
}

// hasPrefixAny reports whether s starts with any of ps.
func hasPrefixAny(s string, ps ...string) bool {
	return slices.ContainsFunc(ps, func(x string) bool { return strings.HasPrefix(s, x) })
}

// hasSuffixAny reports whether s ends with any of ss.
func hasSuffixAny(s string, ss ...string) bool {
	return slices.ContainsFunc(ss, func(x string) bool { return strings.HasSuffix(s, x) })
}

// digitValue returns the value of a Chinese digit, or -1.
func digitValue(r rune) int {
	switch r {
	case '〇', '零':
		return 0
	case '一':
		return 1
	case '二', '两':
		return 2
	case '三':
		return 3
	case '四':
		return 4
	case '五':
		return 5
	case '六':
		return 6
	case '七':
		return 7
	case '八':
		return 8
	case '九':
		return 9
	}
	return -1
}

// unitValue returns the value of a Chinese numeral unit, or 0.
func unitValue(r rune) int {
	switch r {
	case '十':
		return 10
	case '百':
		return 100
	case '千':
		return 1000
	}
	return 0
}

// isNumeral reports whether toks[i] belongs to a Chinese numeral run.
func isNumeral(toks []tok, i int) bool {
	r := toks[i].r
	if r == '两' {
		return i+1 < len(toks) && (unitValue(toks[i+1].r) > 0 || toks[i+1].r == '万')
	}
	return digitValue(r) >= 0 || unitValue(r) > 0
}

// convertNumerals applies rule 4.
func convertNumerals(toks []tok) []tok {
	out := make([]tok, 0, len(toks))
	for i := 0; i < len(toks); {
		if !isNumeral(toks, i) {
			out = append(out, toks[i])
			i++
			continue
		}
		j := i + 1
		for j < len(toks) && isNumeral(toks, j) {
			j++
		}
		out = appendNumeralRun(out, toks[i:j])
		i = j
	}
	return out
}

// appendNumeralRun converts one run of Chinese numeral runes.
func appendNumeralRun(out []tok, run []tok) []tok {
	if v, ok := parseChineseNumber(run); ok {
		whole := span{run[0].src.start, run[len(run)-1].src.end}
		for _, d := range strconv.Itoa(v) {
			out = append(out, tok{d, whole})
		}
		return out
	}
	for _, t := range run { // digit by digit
		switch {
		case digitValue(t.r) >= 0:
			out = append(out, tok{rune('0' + digitValue(t.r)), t.src})
		case t.r == '十':
			out = append(out, tok{'1', t.src}, tok{'0', t.src})
		default: // 百 or 千 without a digit before it
			out = append(out, t)
		}
	}
	return out
}

// parseChineseNumber reads a run that contains at least one unit as a
// number below 10,000: units strictly decreasing, each unit but a leading
// 十 preceded by a digit, 零 only after a unit.
func parseChineseNumber(run []tok) (int, bool) {
	total, cur, lastUnit, units := 0, -1, 10000, 0
	for k, t := range run {
		if d := digitValue(t.r); d >= 0 {
			if d == 0 {
				if cur != -1 || k == 0 || k == len(run)-1 {
					return 0, false
				}
				continue
			}
			if cur != -1 {
				return 0, false
			}
			cur = d
			continue
		}
		u := unitValue(t.r)
		if u >= lastUnit {
			return 0, false
		}
		if cur == -1 {
			if u != 10 || k != 0 {
				return 0, false
			}
			cur = 1
		}
		total += cur * u
		cur, lastUnit = -1, u
		units++
	}
	if units == 0 {
		return 0, false
	}
	if cur != -1 {
		total += cur
	}
	return total, true
}
