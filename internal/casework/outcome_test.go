package casework

import (
	"slices"
	"testing"
	"time"

	"qingfeng/internal/apperr"
)

func TestFormOf(t *testing.T) {
	tests := []struct {
		name string
		o    Outcome
		want Heaviest
	}{
		{"nothing", Outcome{}, Heaviest{}},
		{"funds only", Outcome{RecoveredFen: 500000}, Heaviest{}},
		{"withdrawn", Outcome{Withdrawn: true}, Heaviest{}},
		{"withdrawn wins over a stray measure", Outcome{Withdrawn: true, Party: PartyWarning}, Heaviest{}},
		{"first form only", Outcome{First: []FirstForm{FirstAdmonish}}, Heaviest{KindFirst, "admonish", FormFirst}},
		{"several first-form measures", Outcome{First: []FirstForm{FirstCriticism, FirstSurrender}}, Heaviest{KindFirst, "criticism", FormFirst}},
		{"party warning", Outcome{Party: PartyWarning}, Heaviest{KindParty, "warning", FormSecond}},
		{"party serious warning", Outcome{Party: PartySeriousWarning}, Heaviest{KindParty, "serious_warning", FormSecond}},
		{"removal from party posts", Outcome{Party: PartyRemoval}, Heaviest{KindParty, "removal", FormThird}},
		{"probation", Outcome{Party: PartyProbation, ProbationYears: 2}, Heaviest{KindParty, "probation", FormThird}},
		{"party expulsion without crime", Outcome{Party: PartyExpulsion}, Heaviest{KindParty, "expulsion", FormThird}},
		{"gov warning", Outcome{Gov: GovWarning}, Heaviest{KindGov, "warning", FormSecond}},
		{"gov demerit", Outcome{Gov: GovDemerit}, Heaviest{KindGov, "demerit", FormSecond}},
		{"gov major demerit", Outcome{Gov: GovMajorDemerit}, Heaviest{KindGov, "major_demerit", FormSecond}},
		{"降级 counts as light", Outcome{Gov: GovDemotion}, Heaviest{KindGov, "demotion", FormSecond}},
		{"撤职 counts as heavy", Outcome{Gov: GovDismissal}, Heaviest{KindGov, "dismissal", FormThird}},
		{"gov expulsion without crime", Outcome{Gov: GovExpulsion}, Heaviest{KindGov, "expulsion", FormThird}},
		{"suspension", Outcome{Org: []OrgAction{OrgSuspension}}, Heaviest{KindOrg, "suspension", FormSecond}},
		{"post adjustment", Outcome{Org: []OrgAction{OrgAdjustment}}, Heaviest{KindOrg, "adjustment", FormSecond}},
		{"ordered resignation", Outcome{Org: []OrgAction{OrgResignation}}, Heaviest{KindOrg, "resignation", FormSecond}},
		{"removal from post", Outcome{Org: []OrgAction{OrgRemoval}}, Heaviest{KindOrg, "removal", FormSecond}},
		{"降职 is heavy", Outcome{Org: []OrgAction{OrgDemotion}}, Heaviest{KindOrg, "demotion", FormThird}},
		{"heaviest of party and first", Outcome{Party: PartyWarning, First: []FirstForm{FirstAdmonish}}, Heaviest{KindParty, "warning", FormSecond}},
		{"heavy gov over light party", Outcome{Party: PartySeriousWarning, Gov: GovDismissal}, Heaviest{KindGov, "dismissal", FormThird}},
		{"heavy org over light sanctions", Outcome{Party: PartyWarning, Gov: GovDemotion, Org: []OrgAction{OrgRemoval, OrgDemotion}}, Heaviest{KindOrg, "demotion", FormThird}},
		{"same form: party named first", Outcome{Party: PartyWarning, Gov: GovDemerit}, Heaviest{KindParty, "warning", FormSecond}},
		{"double expulsion without crime stays third", Outcome{Party: PartyExpulsion, Gov: GovExpulsion}, Heaviest{KindParty, "expulsion", FormThird}},
		{"transfer with expulsion", Outcome{Party: PartyExpulsion, Gov: GovExpulsion, Transferred: true}, Heaviest{KindCriminal, "transferred", FormFourth}},
		{"transfer alone", Outcome{Transferred: true}, Heaviest{KindCriminal, "transferred", FormFourth}},
		{"expulsion after conviction", Outcome{Party: PartyExpulsion, Convicted: true}, Heaviest{KindCriminal, "convicted", FormFourth}},
		{"transfer and conviction", Outcome{Transferred: true, Convicted: true}, Heaviest{KindCriminal, "transferred", FormFourth}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormOf(tt.o); got != tt.want {
				t.Errorf("FormOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestFormRulesCover checks that every outcome measure has exactly one row
// in the four-forms table and that only criminal rows give the 4th form
// and only first-form measures the 1st.
func TestFormRulesCover(t *testing.T) {
	var want [][2]string
	for _, p := range PartySanctions() {
		want = append(want, [2]string{KindParty, string(p)})
	}
	for _, g := range GovSanctions() {
		want = append(want, [2]string{KindGov, string(g)})
	}
	for _, o := range OrgActions() {
		want = append(want, [2]string{KindOrg, string(o)})
	}
	for _, f := range FirstForms() {
		want = append(want, [2]string{KindFirst, string(f)})
	}
	want = append(want, [2]string{KindCriminal, "transferred"}, [2]string{KindCriminal, "convicted"})
	rules := FormRules()
	if len(rules) != len(want) {
		t.Errorf("%d rules, want %d", len(rules), len(want))
	}
	for _, w := range want {
		n := 0
		for _, r := range rules {
			if r.Kind == w[0] && r.Code == w[1] {
				n++
				if (r.Form == FormFourth) != (r.Kind == KindCriminal) || (r.Form == FormFirst) != (r.Kind == KindFirst) {
					t.Errorf("%v: form %d", w, r.Form)
				}
			}
		}
		if n != 1 {
			t.Errorf("%v: %d rows, want 1", w, n)
		}
	}
	if len(FirstForms()) != 12 {
		t.Errorf("%d first-form measures, want the 12 of the statistics system", len(FirstForms()))
	}
}

func TestFormCounts(t *testing.T) {
	subjects := []Subject{
		{Name: "甲"},
		{Name: "乙", Outcome: &Outcome{First: []FirstForm{FirstAdmonish}}},
		{Name: "丙", Outcome: &Outcome{Gov: GovDemotion}},
		{Name: "丁", Outcome: &Outcome{Party: PartyWarning}},
		{Name: "戊", Outcome: &Outcome{Gov: GovDismissal}},
		{Name: "己", Outcome: &Outcome{Party: PartyExpulsion, Transferred: true}},
		{Name: "庚", Outcome: &Outcome{Withdrawn: true}},
	}
	if got, want := FormCounts(subjects), [5]int{2, 1, 2, 1, 1}; got != want {
		t.Errorf("FormCounts = %v, want %v", got, want)
	}
}

func TestCheckGovSanction(t *testing.T) {
	d := data(t)
	for _, c := range d.Categories {
		for _, g := range GovSanctions() {
			err := CheckGovSanction(Subject{Category: c.Code}, g, d)
			allowed := slices.Contains(c.GovSanctions, string(g))
			switch {
			case allowed && err != nil:
				t.Errorf("%s %s: %v, want allowed", c.Code, g, err)
			case !allowed && apperr.As(err).Fields["gov"] != "case.sanction_not_allowed":
				t.Errorf("%s %s: %v, want case.sanction_not_allowed", c.Code, g, err)
			}
		}
	}
	// The rule the acceptance check names: a village cadre is refused 降级.
	err := CheckGovSanction(Subject{Category: CategoryVillageCadre}, GovDemotion, d)
	if !apperr.Is(err, apperr.Invalid) || apperr.As(err).Fields["gov"] != "case.sanction_not_allowed" {
		t.Errorf("village cadre 降级: %v", err)
	}
	if err := CheckGovSanction(Subject{Category: CategoryVillageCadre}, GovMajorDemerit, d); err != nil {
		t.Errorf("village cadre 记大过: %v", err)
	}
	if err := CheckGovSanction(Subject{Category: CategoryCivilServant}, "reprimand", d); apperr.As(err).Fields["gov"] != "case.gov_sanction_invalid" {
		t.Errorf("unknown sanction: %v", err)
	}
}

func TestOutcomeValidate(t *testing.T) {
	d := data(t)
	cadre := Subject{Name: "王某", Category: CategoryVillageCadre, PartyMember: true}
	official := Subject{Name: "李某", Category: CategoryCivilServant}
	tests := []struct {
		name    string
		subject Subject
		o       Outcome
		fields  map[string]string
	}{
		{"cadre warning and demerit", cadre, Outcome{Party: PartySeriousWarning, Gov: GovDemerit, RecoveredFen: 1234500, ReturnedFen: 1000000}, nil},
		{"cadre 降级 refused", cadre, Outcome{Gov: GovDemotion}, map[string]string{"gov": "case.sanction_not_allowed"}},
		{"cadre 撤职 refused", cadre, Outcome{Gov: GovDismissal}, map[string]string{"gov": "case.sanction_not_allowed"}},
		{"official 撤职", official, Outcome{Gov: GovDismissal, Org: []OrgAction{OrgRemoval}}, nil},
		{"non-member party sanction", official, Outcome{Party: PartyWarning}, map[string]string{"party": "case.party_sanction_not_member"}},
		{"unknown party sanction", cadre, Outcome{Party: "scolding"}, map[string]string{"party": "case.party_sanction_invalid"}},
		{"probation 1 year", cadre, Outcome{Party: PartyProbation, ProbationYears: 1}, nil},
		{"probation 3 years", cadre, Outcome{Party: PartyProbation, ProbationYears: 3}, map[string]string{"probation_years": "case.probation_years_invalid"}},
		{"probation without years", cadre, Outcome{Party: PartyProbation}, map[string]string{"probation_years": "case.probation_years_invalid"}},
		{"years without probation", cadre, Outcome{Party: PartyWarning, ProbationYears: 1}, map[string]string{"probation_years": "case.probation_years_invalid"}},
		{"unknown org action", official, Outcome{Org: []OrgAction{"exile"}}, map[string]string{"org": "case.org_action_invalid"}},
		{"repeated org action", official, Outcome{Org: []OrgAction{OrgRemoval, OrgRemoval}}, map[string]string{"org": "case.duplicate"}},
		{"unknown first form", official, Outcome{First: []FirstForm{"hug"}}, map[string]string{"first": "case.first_form_invalid"}},
		{"repeated first form", official, Outcome{First: []FirstForm{FirstAdmonish, FirstAdmonish}}, map[string]string{"first": "case.duplicate"}},
		{"withdrawn alone", official, Outcome{Withdrawn: true}, nil},
		{"withdrawn with sanction", official, Outcome{Withdrawn: true, Gov: GovWarning}, map[string]string{"withdrawn": "case.withdrawn_with_outcome"}},
		{"negative funds", official, Outcome{ConfiscatedFen: -1}, map[string]string{"confiscated_fen": "case.amount_invalid"}},
		{"huge funds", official, Outcome{OrderedFen: MaxFen + 1}, map[string]string{"ordered_fen": "case.amount_invalid"}},
		{"returned more than collected", official, Outcome{RecoveredFen: 100, ReturnedFen: 101}, map[string]string{"returned_fen": "case.returned_exceeds_funds"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate(tt.subject, d)
			var got map[string]string
			if err != nil {
				got = apperr.As(err).Fields
			}
			if len(got) != len(tt.fields) {
				t.Fatalf("fields %v, want %v", got, tt.fields)
			}
			for f, k := range tt.fields {
				if got[f] != k {
					t.Errorf("field %s: %q, want %q", f, got[f], k)
				}
			}
		})
	}
	o := Outcome{ConfiscatedFen: 100, RecoveredFen: 250, OrderedFen: 50}
	if o.FundsFen() != 400 {
		t.Errorf("FundsFen = %d", o.FundsFen())
	}
}

func TestCheckReviewer(t *testing.T) {
	day := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	team := []TeamMember{
		{UserID: 1, Role: RoleInvestigationLeader, From: day},
		{UserID: 2, Role: RoleInvestigator, From: day, EndedAt: day.AddDate(0, 1, 0)}, // ended: still refused
		{UserID: 3, Role: RoleInvestigator, From: day, Until: day.AddDate(0, 0, 10)},  // joint member, time-boxed
		{UserID: 4, Role: RoleReviewLeader, From: day},
		{UserID: 5, Role: RoleJointReviewer, From: day},
	}
	tests := []struct {
		user  int64
		role  Role
		key   string
		field string
	}{
		{1, RoleReviewer, "case.reviewer_investigated", "user_id"},
		{2, RoleReviewLeader, "case.reviewer_investigated", "user_id"},
		{3, RoleJointReviewer, "case.reviewer_investigated", "user_id"},
		{6, RoleReviewer, "", ""},
		{4, RoleReviewer, "", ""},
		{4, RoleInvestigator, "case.investigator_reviewed", "user_id"},
		{5, RoleInvestigator, "case.investigator_reviewed", "user_id"},
		{1, RoleInvestigator, "", ""},
		{1, RoleAppealMember, "case.appeal_member_involved", "user_id"},
		{4, RoleAppealLeader, "case.appeal_member_involved", "user_id"},
		{5, RoleAppealMember, "case.appeal_member_involved", "user_id"},
		{7, RoleAppealLeader, "", ""},
		{7, "cook", "case.role_invalid", "role"},
	}
	for _, tt := range tests {
		err := CheckMember(tt.user, tt.role, team)
		if tt.key == "" {
			if err != nil {
				t.Errorf("user %d as %s: %v, want allowed", tt.user, tt.role, err)
			}
			continue
		}
		if !apperr.Is(err, apperr.Invalid) || apperr.As(err).Fields[tt.field] != tt.key {
			t.Errorf("user %d as %s: %v, want %s on %s", tt.user, tt.role, err, tt.key, tt.field)
		}
	}
	if err := CheckReviewer(1, team); apperr.As(err).Fields["user_id"] != "case.reviewer_investigated" {
		t.Errorf("CheckReviewer(1): %v", err)
	}
	if err := CheckReviewer(9, team); err != nil {
		t.Errorf("CheckReviewer(9): %v", err)
	}
	if !Investigated(2, team) || Investigated(4, team) {
		t.Error("Investigated wrong")
	}
}

func TestCheckTeam(t *testing.T) {
	day := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	now := day.AddDate(0, 0, 20)
	lead := TeamMember{UserID: 1, Role: RoleInvestigationLeader, From: day}
	tests := []struct {
		name string
		kind TeamKind
		team []TeamMember
		key  string
	}{
		{"two investigators", TeamInvestigation, []TeamMember{lead, {UserID: 2, Role: RoleInvestigator, From: day}}, ""},
		{"alone", TeamInvestigation, []TeamMember{lead}, "case.team_too_small"},
		{"joint member expired", TeamInvestigation, []TeamMember{lead, {UserID: 2, Role: RoleInvestigator, From: day, Until: day.AddDate(0, 0, 10)}}, "case.team_too_small"},
		{"member ended", TeamInvestigation, []TeamMember{lead, {UserID: 2, Role: RoleInvestigator, From: day, EndedAt: day.AddDate(0, 0, 1)}}, "case.team_too_small"},
		{"not yet started", TeamInvestigation, []TeamMember{lead, {UserID: 2, Role: RoleInvestigator, From: now.AddDate(0, 0, 1)}}, "case.team_too_small"},
		{"no leader", TeamInvestigation, []TeamMember{{UserID: 2, Role: RoleInvestigator, From: day}, {UserID: 3, Role: RoleInvestigator, From: day}}, "case.team_leader"},
		{"two leaders", TeamInvestigation, []TeamMember{lead, {UserID: 2, Role: RoleInvestigationLeader, From: day}}, "case.team_leader"},
		{"same person twice", TeamInvestigation, []TeamMember{lead, {UserID: 1, Role: RoleInvestigator, From: day}}, "case.duplicate"},
		{"reviewers", TeamReview, []TeamMember{lead, {UserID: 4, Role: RoleReviewLeader, From: day}, {UserID: 5, Role: RoleReviewer, From: day}}, ""},
		{"joint reviewer does not count", TeamReview, []TeamMember{{UserID: 4, Role: RoleReviewLeader, From: day}, {UserID: 5, Role: RoleJointReviewer, From: day}}, "case.team_too_small"},
		{"appeal team", TeamAppeal, []TeamMember{{UserID: 7, Role: RoleAppealLeader, From: day}, {UserID: 8, Role: RoleAppealMember, From: day}}, ""},
		{"unknown team", "kitchen", []TeamMember{lead}, "case.team_kind_invalid"},
	}
	for _, tt := range tests {
		err := CheckTeam(tt.kind, tt.team, now)
		got := ""
		if err != nil {
			for _, k := range apperr.As(err).Fields {
				got = k
			}
		}
		if got != tt.key {
			t.Errorf("%s: %q (%v), want %q", tt.name, got, err, tt.key)
		}
	}
}
