package casework

// Form is one of the four forms (四种形态) a handled person is counted in;
// FormNone when nothing was decided (or the case was withdrawn).
type Form int

// The four forms.
const (
	FormNone   Form = 0
	FormFirst  Form = 1 // 第一种形态: criticism and education, first-form measures only
	FormSecond Form = 2 // 第二种形态: light sanctions, organisational adjustment
	FormThird  Form = 3 // 第三种形态: heavy sanctions, major post adjustment
	FormFourth Form = 4 // 第四种形态: criminal liability
)

// Measure kinds of the form table: which part of an outcome a row is about.
const (
	KindParty    = "party"
	KindGov      = "gov"
	KindOrg      = "org"
	KindFirst    = "first"
	KindCriminal = "criminal"
)

// FormRule is one row of the four-forms table: an outcome measure (kind
// and code) and the form it counts in.
type FormRule struct {
	Kind string
	Code string
	Form Form
	Note string
}

// FormRules returns the four-forms table of domain.md §3.4 ([DR2023] Art.
// 5; [DCW2021] Art. 31; 中纪办发〔2016〕2号 as quoted by CCDI articles).
// 降级 counts as a light sanction (2nd form), 撤职 as a heavy one (3rd);
// the 4th form needs a transfer to prosecution or a conviction.
func FormRules() []FormRule {
	rows := []FormRule{
		{KindParty, string(PartyWarning), FormSecond, "党纪轻处分"},
		{KindParty, string(PartySeriousWarning), FormSecond, "党纪轻处分"},
		{KindParty, string(PartyRemoval), FormThird, "党纪重处分"},
		{KindParty, string(PartyProbation), FormThird, "党纪重处分"},
		{KindParty, string(PartyExpulsion), FormThird, "党纪重处分（未涉嫌犯罪）"},
		{KindGov, string(GovWarning), FormSecond, "政务轻处分"},
		{KindGov, string(GovDemerit), FormSecond, "政务轻处分"},
		{KindGov, string(GovMajorDemerit), FormSecond, "政务轻处分"},
		{KindGov, string(GovDemotion), FormSecond, "降级计入轻处分"},
		{KindGov, string(GovDismissal), FormThird, "撤职计入重处分"},
		{KindGov, string(GovExpulsion), FormThird, "开除公职（未涉嫌犯罪）"},
		{KindOrg, string(OrgSuspension), FormSecond, "组织调整"},
		{KindOrg, string(OrgAdjustment), FormSecond, "组织调整"},
		{KindOrg, string(OrgResignation), FormSecond, "组织调整"},
		{KindOrg, string(OrgRemoval), FormSecond, "组织调整"},
		{KindOrg, string(OrgDemotion), FormThird, "重大职务调整"},
		{KindCriminal, "transferred", FormFourth, "移送司法机关依法处理"},
		{KindCriminal, "convicted", FormFourth, "被判刑后给予处分"},
	}
	for _, f := range FirstForms() {
		rows = append(rows, FormRule{KindFirst, string(f), FormFirst, "第一种形态"})
	}
	return rows
}

// Heaviest is the measure of an outcome that decides its form.
type Heaviest struct {
	Kind string
	Code string
	Form Form
}

// FormOf derives the form a person is counted in from the heaviest measure
// of the outcome (FormRules): the 4th only with a transfer to prosecution
// or a conviction, the 1st only when nothing but first-form measures was
// decided, FormNone (and a zero Heaviest) when nothing was decided or the
// case was withdrawn. Among measures of the same form the first in the
// order criminal, party, government, organisational, first-form is named.
func FormOf(o Outcome) Heaviest {
	if o.Withdrawn {
		return Heaviest{}
	}
	var measures [][2]string
	if o.Transferred {
		measures = append(measures, [2]string{KindCriminal, "transferred"})
	}
	if o.Convicted {
		measures = append(measures, [2]string{KindCriminal, "convicted"})
	}
	if o.Party != "" {
		measures = append(measures, [2]string{KindParty, string(o.Party)})
	}
	if o.Gov != "" {
		measures = append(measures, [2]string{KindGov, string(o.Gov)})
	}
	for _, a := range o.Org {
		measures = append(measures, [2]string{KindOrg, string(a)})
	}
	for _, f := range o.First {
		measures = append(measures, [2]string{KindFirst, string(f)})
	}
	rules := FormRules()
	var h Heaviest
	for _, m := range measures {
		for _, r := range rules {
			if r.Kind == m[0] && r.Code == m[1] && r.Form > h.Form {
				h = Heaviest{Kind: r.Kind, Code: r.Code, Form: r.Form}
			}
		}
	}
	return h
}

// FormCounts counts the subjects' outcomes per form: index 0 holds the
// subjects without an outcome or with none of the forms.
func FormCounts(subjects []Subject) [5]int {
	var out [5]int
	for _, s := range subjects {
		if s.Outcome == nil {
			out[FormNone]++
			continue
		}
		out[FormOf(*s.Outcome).Form]++
	}
	return out
}
