package monitor

import (
	"strings"
	"unicode"
)

// Strength says how a payment was tied to a reference row.
type Strength string

// Match strengths. An ID number equal on both sides (valid checksum) is
// strong; a normalised name in the same village is weak. An absence or a
// double payment has no reference row.
const (
	Strong Strength = "strong"
	Weak   Strength = "weak"
)

// Matched field names, as shown to reviewers.
const (
	FieldIDNumber = "id_number"
	FieldName     = "name"
	FieldVillage  = "village"
	FieldDate     = "date"
	FieldItem     = "item"
)

// Suspect is one payment caught by one rule.
type Suspect struct {
	Key         string // run-independent: person, rule, item, period
	CheckRule   string
	Strength    Strength // empty for an absence
	Matched     []string // fields that matched
	Payment     Payment
	Reference   *Reference // the reference row; nil for an absence or a double payment
	Other       *Payment   // double payment: the earlier payment of the same kind and period
	Explanation string
}

// NormalizeID returns an ID number without spaces, with full-width digits
// made half-width and a lower-case x upper-case, and whether it is a valid
// 18-digit resident ID number (GB 11643 check digit).
func NormalizeID(s string) (string, bool) {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && c != 'X' {
			clean = false
			break
		}
	}
	if !clean {
		var b strings.Builder
		for _, r := range s {
			switch {
			case r >= 0xFF01 && r <= 0xFF5E:
				r -= 0xFEE0
			case r == 0x3000 || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r):
				continue
			}
			if r == 'x' {
				r = 'X'
			}
			b.WriteRune(r)
		}
		s = b.String()
	}
	return s, validID(s)
}

func validID(s string) bool {
	if len(s) != 18 {
		return false
	}
	check, ok := idCheckDigit(s[:17])
	return ok && s[17] == check
}

// idCheckDigit returns the check digit of the first 17 digits of an ID.
func idCheckDigit(s string) (byte, bool) {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	if len(s) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		sum += int(s[i]-'0') * weights[i]
	}
	return "10X98765432"[sum%11], true
}

// NormalizeName folds a name or a village for comparison: spaces and
// invisible characters dropped, full-width letters and digits made
// half-width, Latin letters upper-case, the dots of minority names unified.
func NormalizeName(s string) string {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || (c >= 'a' && c <= 'z') || c == '.' || c == 0x7f {
			plain = false
			break
		}
	}
	if plain && !strings.ContainsAny(s, "\u3000\u00a0\u200b\ufeff•・．･") && !hasFullWidth(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E && r != 0xFF0E:
			r -= 0xFEE0
		case r == 0x3000 || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || unicode.IsControl(r):
			continue
		case r == '•' || r == '・' || r == '．' || r == '.' || r == '･':
			r = '·'
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

func hasFullWidth(s string) bool {
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E {
			return true
		}
	}
	return false
}

// Period is the payment period of a suspect key: the month of the payment.
func Period(p Payment) string {
	if p.Date.IsZero() {
		return ""
	}
	return p.Date.Format("2006-01")
}

// personKey identifies the payee across runs: the ID number when valid,
// otherwise the normalised name and village.
func personKey(p Payment) string {
	if id, ok := p.idOf(); ok {
		return "id:" + id
	}
	return "nv:" + NormalizeName(p.Name) + "|" + NormalizeName(p.Village)
}

// SuspectKey is the run-independent key of a suspect: the same person,
// rule, subsidy item and period give the same key in every run, so a
// reviewer's judgement survives a re-run.
func SuspectKey(p Payment, rule string) string {
	return personKey(p) + "|" + rule + "|" + strings.TrimSpace(p.Item) + "|" + Period(p)
}

// Matcher is an in-memory hash join of payments against the reference
// lists: references are indexed by ID number and by name plus village,
// payments are streamed through Match one at a time.
type Matcher struct {
	rules   []CheckRule
	byKind  map[RefKind][]int // rule indexes per reference kind
	double  int               // index of the double-payment rule, -1 if none
	refs    []Reference
	refID   []string // normalised ID number per reference ("" when blank)
	byID    map[string][]int32
	byNV    map[string][]int32
	hasKind map[RefKind]bool
	prior   map[string]priorPayment
}

type priorPayment struct {
	line      int
	list      string
	item      string
	amountFen int64
}

// NewMatcher indexes the reference rows. The rows are kept, not copied.
func NewMatcher(rules []CheckRule, refs []Reference) *Matcher {
	m := &Matcher{
		rules:   rules,
		byKind:  map[RefKind][]int{},
		double:  -1,
		refs:    refs,
		refID:   make([]string, len(refs)),
		byID:    make(map[string][]int32, len(refs)),
		byNV:    make(map[string][]int32, len(refs)),
		hasKind: map[RefKind]bool{},
		prior:   map[string]priorPayment{},
	}
	for i, r := range rules {
		if r.Kind == "" {
			m.double = i
			continue
		}
		m.byKind[r.Kind] = append(m.byKind[r.Kind], i)
	}
	for i := range refs {
		r := &refs[i]
		m.hasKind[r.Kind] = true
		id, ok := r.idOf()
		m.refID[i] = id
		if ok {
			m.byID[id] = append(m.byID[id], int32(i))
		}
		if n := NormalizeName(r.Name); n != "" {
			nv := n + "|" + NormalizeName(r.Village)
			m.byNV[nv] = append(m.byNV[nv], int32(i))
		}
	}
	return m
}

// Reserve sizes the double-payment index for about n payments, so that
// a run over a large list does not grow it step by step.
func (m *Matcher) Reserve(n int) {
	if len(m.prior) == 0 && n > 0 {
		m.prior = make(map[string]priorPayment, n)
	}
}

// Match runs every rule on one payment and calls emit for each suspect.
// A rule gives at most one suspect per payment, a strong match before a
// weak one. Payments must be passed in list order for the double-payment
// rule, which flags the second and later payments.
func (m *Matcher) Match(p Payment, emit func(Suspect)) {
	id, idOK := p.idOf()
	var strong []int32
	if idOK {
		strong = m.byID[id]
	}
	var weak []int32
	if n := NormalizeName(p.Name); n != "" {
		weak = m.byNV[n+"|"+NormalizeName(p.Village)]
	}
	var done []int // rule indexes already emitted for p
	var found map[RefKind]bool
	try := func(ri int32, s Strength) {
		ref := &m.refs[ri]
		if s == Weak {
			if id != "" && m.refID[ri] != "" && id != m.refID[ri] {
				return // distinct people sharing a name
			}
			if idOK && m.refID[ri] == id {
				return // already taken as a strong match
			}
		}
		if found == nil {
			found = map[RefKind]bool{}
		}
		found[ref.Kind] = true
		for _, k := range m.byKind[ref.Kind] {
			rule := m.rules[k]
			if rule.Absent || !rule.AppliesTo(p.Item) || containsInt(done, k) {
				continue
			}
			dated, ok := dateHolds(rule.Date, p, ref)
			if !ok {
				continue
			}
			done = append(done, k)
			matched := []string{FieldIDNumber}
			if s == Weak {
				matched = []string{FieldName, FieldVillage}
			}
			if dated {
				matched = append(matched, FieldDate)
			}
			emit(Suspect{Key: SuspectKey(p, rule.Code), CheckRule: rule.Code, Strength: s, Matched: matched,
				Payment: p, Reference: ref, Explanation: rule.Explanation})
		}
	}
	for _, ri := range strong {
		try(ri, Strong)
	}
	for _, ri := range weak {
		try(ri, Weak)
	}
	for k, rule := range m.rules {
		if rule.Absent && m.hasKind[rule.Kind] && !found[rule.Kind] && rule.AppliesTo(p.Item) {
			emit(Suspect{Key: SuspectKey(p, rule.Code), CheckRule: rule.Code, Matched: []string{FieldItem},
				Payment: p, Explanation: m.rules[k].Explanation})
		}
	}
	m.matchDouble(p, emit)
}

func (m *Matcher) matchDouble(p Payment, emit func(Suspect)) {
	if m.double < 0 || p.Date.IsZero() {
		return
	}
	rule := m.rules[m.double]
	class := strings.TrimSpace(p.Item)
	for _, g := range rule.Groups {
		if strings.Contains(class, g) {
			class = g
			break
		}
	}
	key := personKey(p) + "\x00" + class + "\x00" + Period(p)
	first, ok := m.prior[key]
	if !ok {
		m.prior[key] = priorPayment{line: p.Line, list: p.List, item: p.Item, amountFen: p.AmountFen}
		return
	}
	other := Payment{Line: first.line, List: first.list, Item: first.item, AmountFen: first.amountFen,
		Name: p.Name, IDNumber: p.IDNumber, IDKey: p.IDKey, IDValid: p.IDValid, Township: p.Township, Village: p.Village}
	strength, matched := Strong, []string{FieldIDNumber, FieldItem, FieldDate}
	if _, ok := p.idOf(); !ok {
		strength, matched = Weak, []string{FieldName, FieldVillage, FieldItem, FieldDate}
	}
	emit(Suspect{Key: SuspectKey(p, rule.Code), CheckRule: rule.Code, Strength: strength, Matched: matched,
		Payment: p, Other: &other, Explanation: rule.Explanation})
}

// dateHolds checks a rule's date condition. dated reports whether both
// dates were known and compared; an unknown date does not clear a match.
func dateHolds(cond string, p Payment, ref *Reference) (dated, ok bool) {
	if cond == "" || p.Date.IsZero() || ref.Date.IsZero() {
		return false, true
	}
	pd := dayOf(p)
	rd := ref.Date.Year()*10000 + int(ref.Date.Month())*100 + ref.Date.Day()
	switch cond {
	case DateAfter:
		return true, pd > rd
	default: // DateOnOrAfter
		return true, pd >= rd
	}
}

func dayOf(p Payment) int {
	return p.Date.Year()*10000 + int(p.Date.Month())*100 + p.Date.Day()
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
