package casework

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"qingfeng/internal/apperr"
	"qingfeng/internal/i18n"
)

func data(t *testing.T) Data {
	t.Helper()
	d, err := LoadData()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// fieldsOf returns the failing fields of a validation error, sorted.
func fieldsOf(err error) []string {
	if err == nil {
		return nil
	}
	var out []string
	for f := range apperr.As(err).Fields {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

func TestLoadData(t *testing.T) {
	d := data(t)
	want := map[string][]GovSanction{
		CategoryCivilServant:    GovSanctions(),
		CategoryAuthorisedOrg:   GovSanctions(),
		CategorySOEManager:      GovSanctions(),
		CategoryInstitution:     GovSanctions(),
		CategoryVillageCadre:    {GovWarning, GovDemerit, GovMajorDemerit},
		CategoryOtherPublicDuty: {GovWarning, GovDemerit, GovMajorDemerit},
		CategoryPartyMember:     nil,
		CategoryOther:           nil,
	}
	if len(d.Categories) != len(want) {
		t.Errorf("%d categories, want %d", len(d.Categories), len(want))
	}
	for code, gs := range want {
		if got := AllowedGovSanctions(code, d); !slices.Equal(got, gs) {
			t.Errorf("%s: allowed %v, want %v", code, got, gs)
		}
	}
	if got := AllowedGovSanctions("alien", d); got != nil {
		t.Errorf("unknown category: allowed %v", got)
	}
	if len(d.Ranks) != 7 {
		t.Errorf("%d ranks, want 7", len(d.Ranks))
	}
	kinds := map[string]string{}
	for _, k := range d.DocKinds {
		kinds[k.Code] = k.NameZH
	}
	for code, name := range map[string]string{"filing_decision": "立案决定书", "investigation_report": "审查调查报告",
		"review_report": "审理报告", "sanction_decision": "党纪处分决定书", "gov_sanction_decision": "政务处分决定书",
		"prosecution_opinion": "起诉意见书", "withdrawal_decision": "撤销案件决定书"} {
		if kinds[code] != name {
			t.Errorf("document kind %s = %q, want %q", code, kinds[code], name)
		}
	}
	if len(d.DocKinds) != 29 {
		t.Errorf("%d document kinds, want 29", len(d.DocKinds))
	}
}

func TestNumber(t *testing.T) {
	if got := Number("永", 2026, 12); got != "永纪案〔2026〕12号" {
		t.Errorf("Number = %q", got)
	}
}

func TestInputValidate(t *testing.T) {
	d := data(t)
	cats := []string{"subsidies", "collective_assets", "other"}
	ok := func() Input {
		return Input{LeadUnitID: 3, Category: "subsidies", Cause: "  截留 惠民补贴 ", ClueID: 7,
			Subjects: []SubjectInput{{Name: "王某", Post: "村支书", Rank: "village", Category: CategoryVillageCadre, PartyMember: true}}}
	}
	tests := []struct {
		name   string
		mod    func(*Input)
		fields []string
	}{
		{"ok", func(*Input) {}, nil},
		{"direct with reason", func(in *Input) { in.ClueID, in.DirectReason = 0, "审查调查中发现" }, nil},
		{"direct without reason", func(in *Input) { in.ClueID = 0 }, []string{"direct_reason"}},
		{"negative clue", func(in *Input) { in.ClueID = -1 }, []string{"clue_id"}},
		{"no lead unit", func(in *Input) { in.LeadUnitID = 0 }, []string{"lead_unit_id"}},
		{"bad key field", func(in *Input) { in.Category = "weather" }, []string{"category"}},
		{"no cause", func(in *Input) { in.Cause = " \u200b" }, []string{"cause"}},
		{"long cause", func(in *Input) { in.Cause = strings.Repeat("案", MaxCause+1) }, []string{"cause"}},
		{"joint without group", func(in *Input) { in.Joint = true }, []string{"area_group_id"}},
		{"no subjects", func(in *Input) { in.Subjects = nil }, []string{"subjects"}},
		{"subject without name", func(in *Input) { in.Subjects[0].Name = "" }, []string{"subjects[0].name"}},
		{"subject bad rank and category", func(in *Input) { in.Subjects[0].Rank, in.Subjects[0].Category = "x", "y" },
			[]string{"subjects[0].category", "subjects[0].rank"}},
		{"party-member category for a non-member", func(in *Input) {
			in.Subjects[0].Category, in.Subjects[0].PartyMember = CategoryPartyMember, false
		}, []string{"subjects[0].category"}},
		{"neither official nor member", func(in *Input) {
			in.Subjects[0].Category, in.Subjects[0].PartyMember = CategoryOther, false
		}, []string{"subjects[0].category"}},
		{"second subject bad", func(in *Input) {
			in.Subjects = append(in.Subjects, SubjectInput{Name: "李某", Rank: "general", Category: "z"})
		}, []string{"subjects[1].category"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok()
			tt.mod(&in)
			err := in.Validate(cats, d)
			if got := fieldsOf(err); !slices.Equal(got, tt.fields) {
				t.Errorf("fields %v, want %v (%v)", got, tt.fields, err)
			}
			if err != nil && !apperr.Is(err, apperr.Invalid) {
				t.Errorf("code %s, want invalid", apperr.CodeOf(err))
			}
		})
	}
	in := ok()
	if err := in.Validate(cats, d); err != nil || in.Cause != "截留 惠民补贴" {
		t.Errorf("cleaned cause %q, err %v", in.Cause, err)
	}
	s := SubjectInput{Name: " 张 三 ", Rank: "township", Category: CategoryCivilServant}
	if err := s.Validate(d); err != nil || s.Name != "张 三" {
		t.Errorf("subject: %q %v", s.Name, err)
	}
	s.Category = CategoryOther
	if err := s.Validate(d); apperr.As(err).Fields["category"] != "case.subject_not_liable" {
		t.Errorf("other person: %v", err)
	}
}

// TestMessageKeysExist checks every message key of this package against
// the i18n catalogue (keys set in maps are not seen by the i18n scan).
func TestMessageKeysExist(t *testing.T) {
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`"(case\.[a-z_]+)"`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			n++
			if !c.Has(i18n.ZH, m[1]) || !c.Has(i18n.EN, m[1]) {
				t.Errorf("%s: key %q missing from the catalogue", f, m[1])
			}
		}
	}
	if n < 40 {
		t.Errorf("found only %d keys; is the scan broken?", n)
	}
	// Labels the UI builds from the package's values.
	var labels []string
	for _, s := range Statuses() {
		labels = append(labels, "case.status."+string(s))
	}
	for _, r := range Workflow() {
		labels = append(labels, "case.op."+string(r.Op))
	}
	for _, p := range PartySanctions() {
		labels = append(labels, "case.party."+string(p))
	}
	for _, g := range GovSanctions() {
		labels = append(labels, "case.gov."+string(g))
	}
	for _, o := range OrgActions() {
		labels = append(labels, "case.org."+string(o))
	}
	for _, f := range FirstForms() {
		labels = append(labels, "case.first."+string(f))
	}
	for _, r := range Roles() {
		labels = append(labels, "case.role."+string(r))
	}
	for _, r := range MeasureRules() {
		labels = append(labels, "case.measure."+string(r.Kind))
		for _, x := range r.Extensions {
			labels = append(labels, "case.extension."+string(x.Kind), "case.approval."+string(x.Approval))
		}
	}
	for _, o := range AppealOutcomes() {
		labels = append(labels, "case.appeal_outcome."+o)
	}
	for _, f := range []string{"0", "1", "2", "3", "4"} {
		labels = append(labels, "case.form."+f)
	}
	for _, k := range labels {
		if strings.HasSuffix(k, ".") {
			continue
		}
		if !c.Has(i18n.ZH, k) {
			t.Errorf("label %q missing", k)
		}
	}
}
