package casework

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"qingfeng/internal/apperr"
	"qingfeng/internal/textclean"
)

// This file holds teaching cases (以案代训): a closed case copied, with the
// subjects' names removed, for training the staff of its commission. The
// copy is made once, when the case is marked, and never changes the case.

// TeachingCase is the anonymised copy of a closed case used for training.
// It names no subject: the subjects appear under pseudonyms (张某, 欧阳某,
// 张某甲 when two share a surname), their units as text are dropped, and
// identity card, bank card and mobile numbers in the texts are masked.
// CaseID is the source case; services show it only to readers who may see
// that case.
type TeachingCase struct {
	ID       int64
	CaseID   int64
	UnitID   int64 // the commission whose staff may read it
	UnitPath string
	UnitName string
	Title    string
	Note     string // the lesson (警示要点), anonymised like the facts
	Category string // key field
	Cause    string
	Summary  string
	ClosedAt time.Time
	Subjects []TeachingSubject
	MarkedBy int64
	MarkedAt time.Time
	// Withdrawn copies are kept: WithdrawnAt is zero while the copy is in use.
	WithdrawnBy    int64
	WithdrawnAt    time.Time
	WithdrawReason string
	Version        int64
}

// TeachingSubject is a subject of a teaching case: pseudonym, post, rank,
// category, party membership and the outcome with its four form.
type TeachingSubject struct {
	Alias       string   `json:"alias"`
	Post        string   `json:"post,omitempty"`
	Rank        string   `json:"rank"`
	Category    string   `json:"category"`
	PartyMember bool     `json:"party_member"`
	Outcome     *Outcome `json:"outcome,omitempty"`
	Form        Form     `json:"form"`
}

// MaxTitle bounds a teaching case's title (characters).
const MaxTitle = 100

// Teach makes the teaching copy of a closed case with a title and a lesson
// (note); the commission fields, marker and times are the caller's.
// Errors: conflict "casesimilar.not_closed" for a case that is not closed;
// invalid on title ("casesimilar.title_required", "case.text_too_long")
// and note ("case.text_too_long").
func Teach(c Case, title, note string) (TeachingCase, error) {
	if c.Status != StatusClosed {
		return TeachingCase{}, apperr.New(apperr.Conflict, "casesimilar.not_closed")
	}
	var v apperr.Validation
	title, note = textclean.Line(title), textclean.Text(note)
	switch {
	case title == "":
		v.Add("title", "casesimilar.title_required")
	case utf8.RuneCountInString(title) > MaxTitle:
		v.Add("title", "case.text_too_long")
	}
	if utf8.RuneCountInString(note) > MaxReason {
		v.Add("note", "case.text_too_long")
	}
	if err := v.Err(); err != nil {
		return TeachingCase{}, err
	}
	names := make([]string, len(c.Subjects))
	for i, s := range c.Subjects {
		names[i] = s.Name
	}
	an := NewAnonymiser(names)
	var units []string
	for _, s := range c.Subjects {
		if utf8.RuneCountInString(s.Unit) >= 4 {
			units = append(units, s.Unit)
		}
	}
	clean := func(s string) string { return an.Text(replaceAll(s, units, "某单位")) }
	t := TeachingCase{CaseID: c.ID, Title: clean(title), Note: clean(note), Category: c.Category, Cause: clean(c.Cause),
		Summary: clean(c.Summary), ClosedAt: c.ClosedAt}
	for _, s := range c.Subjects {
		ts := TeachingSubject{Alias: an.Name(s.Name), Post: clean(s.Post), Rank: s.Rank, Category: s.Category,
			PartyMember: s.PartyMember, Form: s.Form}
		if s.Outcome != nil {
			o := *s.Outcome
			o.SubjectID = 0
			o.Note = clean(o.Note)
			o.Org, o.First = slices.Clone(o.Org), slices.Clone(o.First)
			ts.Outcome = &o
		}
		t.Subjects = append(t.Subjects, ts)
	}
	return t, nil
}

// CompoundSurnames lists the two-character surnames (复姓) that Pseudonym
// keeps whole.
func CompoundSurnames() []string {
	return []string{"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
		"轩辕", "令狐", "钟离", "闻人", "端木", "澹台", "申屠", "太史", "赫连", "独孤", "南宫", "西门", "呼延", "万俟", "单于",
		"濮阳", "淳于", "拓跋", "百里", "东郭", "左丘", "第五", "公冶", "梁丘", "羊舌", "微生", "司空", "仲孙", "鲜于", "闾丘",
		"东门", "谷梁", "公羊", "宗政", "漆雕", "乐正", "壤驷", "公良", "巫马", "司寇", "亓官"}
}

// Pseudonym returns how a teaching case names a person: the surname and
// 某 (张三 → 张某, 张某某 → 张某, 欧阳明华 → 欧阳某). A compound surname
// is kept whole when the name has three or more characters. A name that
// does not start with a Chinese character becomes 某.
func Pseudonym(name string) string {
	rs := []rune(strings.TrimSpace(name))
	if len(rs) == 0 || !unicode.Is(unicode.Han, rs[0]) {
		return "某"
	}
	if len(rs) >= 3 && slices.Contains(CompoundSurnames(), string(rs[:2])) {
		return string(rs[:2]) + "某"
	}
	return string(rs[0]) + "某"
}

// Anonymiser replaces the names of a case's subjects in its texts. Build it
// with NewAnonymiser; the zero value only masks numbers.
type Anonymiser struct {
	names   []string          // longest first
	aliases map[string]string // name → pseudonym
}

// NewAnonymiser prepares the pseudonyms of the names, in order: Pseudonym,
// with 甲乙丙… appended when two different names would share one (张三,
// 张四 → 张某甲, 张某乙). Blank and repeated names are skipped.
func NewAnonymiser(names []string) Anonymiser {
	an := Anonymiser{aliases: map[string]string{}}
	var order []string
	count := map[string]int{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" || an.aliases[n] != "" {
			continue
		}
		an.aliases[n] = Pseudonym(n)
		order = append(order, n)
		count[an.aliases[n]]++
	}
	seen := map[string]int{}
	ordinals := []rune("甲乙丙丁戊己庚辛壬癸")
	for _, n := range order {
		p := an.aliases[n]
		if count[p] < 2 {
			continue
		}
		i := seen[p]
		seen[p]++
		if i < len(ordinals) {
			an.aliases[n] = p + string(ordinals[i])
		} else {
			an.aliases[n] = p + strings.Repeat("某", i-len(ordinals)+2)
		}
	}
	an.names = order
	slices.SortStableFunc(an.names, func(a, b string) int { return len(b) - len(a) })
	return an
}

// Name returns the pseudonym of a name (Pseudonym for one not given to
// NewAnonymiser).
func (an Anonymiser) Name(name string) string {
	if p, ok := an.aliases[strings.TrimSpace(name)]; ok {
		return p
	}
	return Pseudonym(name)
}

// Text replaces every name in s by its pseudonym, in one pass and longest
// name first, so that a name inside a longer subject's name (王明 in 王明远)
// is not replaced in part, then masks the numbers (MaskNumbers).
func (an Anonymiser) Text(s string) string {
	return MaskNumbers(an.substitute(s, func(name string) string { return an.aliases[name] }))
}

// substitute replaces every name in s, in one pass and longest name first,
// by alias(name).
func (an Anonymiser) substitute(s string, alias func(string) string) string {
	if len(an.names) == 0 || s == "" {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		matched := false
		for _, n := range an.names {
			if strings.HasPrefix(s[i:], n) {
				b.WriteString(alias(n))
				i += len(n)
				matched = true
				break
			}
		}
		if !matched {
			_, size := utf8.DecodeRuneInString(s[i:])
			b.WriteString(s[i : i+size])
			i += size
		}
	}
	return b.String()
}

// replaceAll replaces every occurrence of each of olds (longest first) by
// repl.
func replaceAll(s string, olds []string, repl string) string {
	olds = slices.Clone(olds)
	slices.SortStableFunc(olds, func(a, b string) int { return len(b) - len(a) })
	for _, o := range olds {
		s = strings.ReplaceAll(s, o, repl)
	}
	return s
}

// MaskNumbers masks personal numbers in a text: a mobile number (11 digits
// starting 13–19) keeps its first three and last four digits
// (138****5678); a run of 15 to 19 digits (an identity card, with a final
// X, or a bank card) keeps its first and last character. Digits are ASCII
// or full-width; other numbers (amounts, dates) are left alone.
func MaskNumbers(s string) string {
	rs := []rune(s)
	for i := 0; i < len(rs); {
		if !isDigit(rs[i]) || (i > 0 && (isDigit(rs[i-1]) || isASCIILetter(rs[i-1]))) {
			i++
			continue
		}
		j := i
		for j < len(rs) && isDigit(rs[j]) {
			j++
		}
		if j < len(rs) && j-i == 17 && (rs[j] == 'X' || rs[j] == 'x' || rs[j] == 'Ｘ') {
			j++
		}
		if j < len(rs) && (isASCIILetter(rs[j]) || isDigit(rs[j])) {
			i = j
			continue
		}
		n := j - i
		switch {
		case n == 11 && digitOf(rs[i]) == 1 && digitOf(rs[i+1]) >= 3:
			for k := i + 3; k < i+7; k++ {
				rs[k] = '*'
			}
		case n >= 15 && n <= 19:
			for k := i + 1; k < j-1; k++ {
				rs[k] = '*'
			}
		}
		i = j
	}
	return string(rs)
}

func isDigit(r rune) bool { return (r >= '0' && r <= '9') || (r >= '０' && r <= '９') }

func isASCIILetter(r rune) bool { return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') }

func digitOf(r rune) int {
	if r >= '０' && r <= '９' {
		return int(r - '０')
	}
	return int(r - '0')
}
