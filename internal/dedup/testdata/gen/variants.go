package main

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// A variant rewrites a report the way a citizen (or a hotline operator)
// does when the same matter is reported again. Each returns the new text
// and false when it does not apply to the text.
type variant struct {
	kind string
	f    func(r *rand.Rand, s string) (string, bool)
}

// variants returns the re-submission variations, in a fixed order.
func variants() []variant {
	return []variant{
		{"syn_reorder", reorder},
		{"syn_resubmit", resubmit},
		{"syn_drop_sentence", dropSentence},
		{"syn_add_sentence", addSentence},
		{"syn_punct_space", punctSpace},
		{"syn_homophone", homophones},
		{"syn_numerals", numerals},
		{"syn_truncate_half", truncateHalf},
		{"syn_hotline", hotline},
		{"syn_fullwidth", fullwidth},
		{"syn_combo", combo},
	}
}

// sentences splits s after 。！？；!?; keeping the delimiters. With fewer
// than three sentences and clauses set, it splits on commas instead.
func sentences(s string, clauses bool) []string {
	split := func(delims string) []string {
		var out []string
		start := 0
		rs := []rune(s)
		for i, r := range rs {
			if strings.ContainsRune(delims, r) {
				// keep runs of delimiters together ("！！", "？！")
				if i+1 < len(rs) && strings.ContainsRune(delims, rs[i+1]) {
					continue
				}
				out = append(out, string(rs[start:i+1]))
				start = i + 1
			}
		}
		if start < len(rs) {
			out = append(out, string(rs[start:]))
		}
		return slices.DeleteFunc(out, func(x string) bool { return strings.TrimSpace(x) == "" })
	}
	out := split("。！？；!?;")
	if len(out) < 3 && clauses {
		out = split("。！？；!?;，,")
	}
	return out
}

// reorder shuffles the sentences (at least three).
func reorder(r *rand.Rand, s string) (string, bool) {
	ss := sentences(s, false)
	if len(ss) < 3 {
		return "", false
	}
	orig := slices.Clone(ss)
	for range 10 {
		r.Shuffle(len(ss), func(i, j int) { ss[i], ss[j] = ss[j], ss[i] })
		if !slices.Equal(ss, orig) {
			break
		}
	}
	return strings.Join(ss, ""), true
}

// resubmit adds what citizens write when they report again.
func resubmit(r *rand.Rand, s string) (string, bool) {
	pre := []string{"再次反映：", "我之前已经反映过这个问题，", "多次反映未解决！", "第二次反映：", "这个问题已经反映过多次了，至今没有处理。", "再次反映，", ""}
	post := []string{"至今没有处理，请尽快解决！", "多次反映未解决，希望领导重视。", "已经过去一个多月了，问题还是没有解决。", "上次反映后没有任何回复。", ""}
	p, q := pre[r.IntN(len(pre))], post[r.IntN(len(post))]
	if p == "" && q == "" {
		p = pre[0]
	}
	return p + s + q, true
}

// dropSentence removes one sentence (of at least three).
func dropSentence(r *rand.Rand, s string) (string, bool) {
	ss := sentences(s, false)
	if len(ss) < 3 {
		return "", false
	}
	i := r.IntN(len(ss))
	return strings.Join(slices.Delete(ss, i, i+1), ""), true
}

// addSentence inserts a sentence a citizen adds the second time.
func addSentence(r *rand.Rand, s string) (string, bool) {
	extra := []string{"现在情况越来越严重了。", "周边很多居民都有意见。", "希望有关部门高度重视。", "这个问题已经影响到我们的正常生活。",
		"我们已经向社区反映过，但没有结果。", "昨天晚上又发生了同样的情况。", "请领导派人到现场看一看。"}
	ss := sentences(s, true)
	i := r.IntN(len(ss) + 1)
	ss = slices.Insert(ss, i, extra[r.IntN(len(extra))])
	return strings.Join(ss, ""), true
}

// punctSpace changes punctuation and spacing: full stops become
// exclamation marks or spaces, commas turn half-width or into spaces, some
// punctuation is dropped, random spaces appear.
func punctSpace(r *rand.Rand, s string) (string, bool) {
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '，':
			switch r.IntN(4) {
			case 0:
				b.WriteString(", ")
			case 1:
				b.WriteString(" ")
			case 2:
			default:
				b.WriteRune(c)
			}
		case '。':
			switch r.IntN(3) {
			case 0:
				b.WriteString("！")
			case 1:
				b.WriteString(". ")
			default:
				b.WriteString("  ")
			}
		case '：', '；', '、', '“', '”', '（', '）':
			if r.IntN(2) == 0 {
				b.WriteString(" ")
			} else {
				b.WriteRune(c)
			}
		default:
			b.WriteRune(c)
			if r.IntN(25) == 0 {
				b.WriteString(" ")
			}
		}
	}
	return b.String(), true
}

// homophoneTable returns characters citizens confuse when typing with
// pinyin input, each with its replacements.
func homophoneTable() map[rune][]rune {
	return map[rune][]rune{
		'的': {'地', '得'}, '地': {'的'}, '得': {'的'}, '在': {'再'}, '再': {'在'}, '做': {'作'}, '作': {'做'},
		'已': {'以'}, '以': {'已'}, '像': {'象'}, '账': {'帐'}, '哪': {'那'}, '那': {'哪'}, '他': {'她', '它'},
		'映': {'应'}, '分': {'份'}, '即': {'既'}, '带': {'戴'}, '坐': {'座'}, '座': {'坐'}, '园': {'圆'},
		'原': {'元'}, '须': {'需'}, '需': {'须'}, '住': {'注'}, '及': {'急'}, '题': {'提'}, '理': {'里'},
		'情': {'请'}, '到': {'道'}, '是': {'事'}, '事': {'是'}, '时': {'实'}, '意': {'义'}, '期': {'其'},
		'安': {'按'}, '定': {'订'}, '订': {'定'}, '部': {'步'}, '门': {'们'}, '们': {'门'}, '工': {'公'},
		'公': {'工'}, '费': {'废'}, '收': {'手'}, '建': {'见'}, '经': {'京'}, '现': {'线'}, '路': {'陆'},
		'区': {'曲'}, '小': {'晓'}, '业': {'页'}, '主': {'注'}, '问': {'文'}, '管': {'关'}, '关': {'管'},
	}
}

// homophones replaces about 4% of the characters (at least two) with
// homophones.
func homophones(r *rand.Rand, s string) (string, bool) {
	tbl := homophoneTable()
	rs := []rune(s)
	var idx []int
	for i, c := range rs {
		if _, ok := tbl[c]; ok {
			idx = append(idx, i)
		}
	}
	n := max(2, len(rs)/25)
	if len(idx) < 2 {
		return "", false
	}
	r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	for _, i := range idx[:min(n, len(idx))] {
		alts := tbl[rs[i]]
		rs[i] = alts[r.IntN(len(alts))]
	}
	return string(rs), true
}

// chineseDigits returns the Chinese digits 〇..九.
func chineseDigits() []rune { return []rune("〇一二三四五六七八九") }

// toChinese writes a non-negative integer the way people write it in
// Chinese: below 10,000 with 千百十 (十五, 二十, 八百, 一百零五), longer
// numbers digit by digit.
func toChinese(digits string) string {
	d := chineseDigits()
	n, err := strconv.Atoi(digits)
	if err != nil || n >= 10000 || (len(digits) > 1 && digits[0] == '0') {
		var b strings.Builder
		for _, c := range digits {
			b.WriteRune(d[c-'0'])
		}
		return b.String()
	}
	if n == 0 {
		return "零"
	}
	if n >= 10 && n < 20 {
		s := "十"
		if n%10 != 0 {
			s += string(d[n%10])
		}
		return s
	}
	var b strings.Builder
	units := []struct {
		v int
		u string
	}{{1000, "千"}, {100, "百"}, {10, "十"}, {1, ""}}
	zero := false
	for _, u := range units {
		q := n / u.v % 10
		if q == 0 {
			if b.Len() > 0 && n%u.v != 0 {
				zero = true
			}
			continue
		}
		if zero {
			b.WriteString("零")
			zero = false
		}
		b.WriteRune(d[q])
		b.WriteString(u.u)
	}
	return b.String()
}

// numerals rewrites Arabic numbers in Chinese (2018年 → 二〇一八年, 3栋 →
// 三栋, 15米 → 十五米), or, in a text without Arabic digits, single Chinese
// digits before a measure word in Arabic (三个月 → 3个月).
func numerals(r *rand.Rand, s string) (string, bool) {
	rs := []rune(s)
	var b strings.Builder
	changed := false
	for i := 0; i < len(rs); {
		if rs[i] < '0' || rs[i] > '9' {
			b.WriteRune(rs[i])
			i++
			continue
		}
		j := i
		for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
			j++
		}
		run := string(rs[i:j])
		adjacent := func(k int) bool { // decimals, times, dates, codes like "A7县"
			return k >= 0 && k < len(rs) && (strings.ContainsRune(".:：-/．%", rs[k]) || rs[k] < 0x80 && unicode.IsLetter(rs[k]))
		}
		switch {
		case adjacent(i-1) || adjacent(j) || r.IntN(10) < 2:
			b.WriteString(run)
		case j < len(rs) && rs[j] == '年' && len(run) == 4:
			for _, c := range run {
				b.WriteRune(chineseDigits()[c-'0'])
			}
			changed = true
		default:
			b.WriteString(toChinese(run))
			changed = true
		}
		i = j
	}
	if changed {
		return b.String(), true
	}
	measure := "个年月日号栋楼层户元米天次岁组"
	out := []rune(s)
	for i := 0; i+1 < len(out); i++ {
		if k := slices.Index(chineseDigits()[1:], out[i]); k >= 0 && strings.ContainsRune(measure, out[i+1]) &&
			(i == 0 || unicode.IsPunct(out[i-1]) || !strings.ContainsRune("十百千万几第一二三四五六七八九", out[i-1])) {
			out[i] = rune('1' + k)
			changed = true
		}
	}
	return string(out), changed
}

// truncateHalf keeps the first half of the text (a re-submission that was
// cut short, or a summary that stops early).
func truncateHalf(r *rand.Rand, s string) (string, bool) {
	rs := []rune(s)
	if len(rs) < 40 {
		return "", false
	}
	return string(rs[:len(rs)/2]), true
}

// hotline rewrites the text the way a hotline operator records a call:
// "来电人反映：", third person, greeting and thanks removed, long texts cut
// to their first sentences, and a closing request.
func hotline(r *rand.Rand, s string) (string, bool) {
	// Drop a salutation ("尊敬的市委市政府：", "您好！") before the first colon
	// or exclamation mark.
	rs := []rune(s)
	for range 2 {
		cut := -1
		for i, c := range rs {
			if strings.ContainsRune("：:！!，,", c) {
				cut = i
				break
			}
		}
		if cut < 0 || cut > 20 || !strings.ContainsAny(string(rs[:cut]), "尊敬您你好书记领导市长县长") {
			break
		}
		rs = []rune(strings.TrimSpace(string(rs[cut+1:])))
	}
	ss := sentences(string(rs), false)
	ss = slices.DeleteFunc(ss, func(x string) bool {
		return len([]rune(x)) <= 8 && strings.ContainsAny(x, "谢感")
	})
	if len(ss) == 0 {
		return "", false
	}
	// Long reports are summarised: keep the first sentences up to ~300 runes.
	var kept []string
	n := 0
	for _, x := range ss {
		if n > 300 {
			break
		}
		kept = append(kept, x)
		n += len([]rune(x))
	}
	body := strings.Join(kept, "")
	body = strings.NewReplacer("我们", "他们", "本人", "其", "我", "其").Replace(body)
	heads := []string{"来电人反映：", "市民来电反映，", "来电人称，", "诉求人来电称："}
	tails := []string{"来电人诉求：请相关部门尽快核实处理。", "请相关部门核实处理。", "望相关部门尽快处理。",
		"诉求人要求：尽快派人到现场查看，依法处理，并将结果反馈诉求人。"}
	return heads[r.IntN(len(heads))] + body + tails[r.IntN(len(tails))], true
}

// fullwidth writes ASCII letters and digits full-width (as some input
// methods do) and flips the case of letters.
func fullwidth(r *rand.Rand, s string) (string, bool) {
	changed := false
	out := []rune(s)
	for i, c := range out {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			if c >= 'a' {
				c -= 'a' - 'A'
			} else {
				c += 'a' - 'A'
			}
			out[i] = c + 0xFEE0
			changed = true
		case c >= '0' && c <= '9':
			out[i] = c + 0xFEE0
			changed = true
		case c == '，':
			out[i] = ','
		}
	}
	return string(out), changed
}

// combo applies two or three other variations, in the order a citizen
// would: cut the text, edit it, wrap it (hotline summary, "再次反映"), then
// retype it (punctuation, width, homophones).
func combo(r *rand.Rand, s string) (string, bool) {
	order := []string{"syn_truncate_half", "syn_reorder", "syn_drop_sentence", "syn_add_sentence", "syn_numerals",
		"syn_hotline", "syn_resubmit", "syn_homophone", "syn_punct_space", "syn_fullwidth"}
	byKind := map[string]variant{}
	for _, v := range variants() {
		byKind[v.kind] = v
	}
	n := 2 + r.IntN(2)
	picked := r.Perm(len(order))[:n]
	slices.Sort(picked)
	applied := 0
	for _, i := range picked {
		if t, ok := byKind[order[i]].f(r, s); ok {
			s = t
			applied++
		}
	}
	return s, applied >= 2
}
