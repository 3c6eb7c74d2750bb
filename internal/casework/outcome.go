package casework

import (
	"slices"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/textclean"
)

// PartySanction is a party sanction (党纪处分, [DR2023] Arts. 8–13).
type PartySanction string

// The party sanctions, lightest first.
const (
	PartyWarning        PartySanction = "warning"         // 警告
	PartySeriousWarning PartySanction = "serious_warning" // 严重警告
	PartyRemoval        PartySanction = "removal"         // 撤销党内职务
	PartyProbation      PartySanction = "probation"       // 留党察看（一年或二年）
	PartyExpulsion      PartySanction = "expulsion"       // 开除党籍
)

// PartySanctions lists the party sanctions, lightest first.
func PartySanctions() []PartySanction {
	return []PartySanction{PartyWarning, PartySeriousWarning, PartyRemoval, PartyProbation, PartyExpulsion}
}

// GovSanction is a government sanction (政务处分, [PSL] Art. 7).
type GovSanction string

// The government sanctions, lightest first.
const (
	GovWarning      GovSanction = "warning"       // 警告
	GovDemerit      GovSanction = "demerit"       // 记过
	GovMajorDemerit GovSanction = "major_demerit" // 记大过
	GovDemotion     GovSanction = "demotion"      // 降级
	GovDismissal    GovSanction = "dismissal"     // 撤职
	GovExpulsion    GovSanction = "expulsion"     // 开除
)

// GovSanctions lists the government sanctions, lightest first.
func GovSanctions() []GovSanction {
	return []GovSanction{GovWarning, GovDemerit, GovMajorDemerit, GovDemotion, GovDismissal, GovExpulsion}
}

// OrgAction is an organisational action (组织处理, [OH2021] Art. 3).
type OrgAction string

// The organisational actions.
const (
	OrgSuspension  OrgAction = "suspension"  // 停职检查
	OrgAdjustment  OrgAction = "adjustment"  // 调整职务
	OrgResignation OrgAction = "resignation" // 责令辞职
	OrgRemoval     OrgAction = "removal"     // 免职
	OrgDemotion    OrgAction = "demotion"    // 降职
)

// OrgActions lists the organisational actions in the order of [OH2021].
func OrgActions() []OrgAction {
	return []OrgAction{OrgSuspension, OrgAdjustment, OrgResignation, OrgRemoval, OrgDemotion}
}

// FirstForm is one of the twelve first-form measures (第一种形态) of the
// statistics system quoted in domain.md §3.4.
type FirstForm string

// The first-form measures.
const (
	FirstReminderTalk FirstForm = "reminder_talk"   // 提醒谈话
	FirstWarningTalk  FirstForm = "warning_talk"    // 警示谈话
	FirstCriticism    FirstForm = "criticism"       // 批评教育
	FirstStop         FirstForm = "stop"            // 责令纠正（停止）违纪行为
	FirstSurrender    FirstForm = "surrender_gains" // 责成退出违纪所得
	FirstRectify      FirstForm = "rectify"         // 限期整改
	FirstSelfReview   FirstForm = "self_review"     // 责令作出口头或书面检查
	FirstLifeMeeting  FirstForm = "life_meeting"    // 在民主生活会（组织生活会）上作出检查、接受批评帮助
	FirstApology      FirstForm = "apology"         // 责令公开道歉（检讨）
	FirstCirculated   FirstForm = "circulated"      // 通报（批评）
	FirstAdmonish     FirstForm = "admonish"        // 诫勉
	FirstOther        FirstForm = "other"           // 其他
)

// FirstForms lists the twelve first-form measures in the order of the
// statistics system.
func FirstForms() []FirstForm {
	return []FirstForm{FirstReminderTalk, FirstWarningTalk, FirstCriticism, FirstStop, FirstSurrender, FirstRectify,
		FirstSelfReview, FirstLifeMeeting, FirstApology, FirstCirculated, FirstAdmonish, FirstOther}
}

// Outcome is what was decided for one subject. Funds are in fen.
type Outcome struct {
	SubjectID      int64
	Party          PartySanction // "" for none
	ProbationYears int           // 1 or 2 with PartyProbation, else 0
	Gov            GovSanction   // "" for none
	Org            []OrgAction
	First          []FirstForm
	Transferred    bool  // transferred to the procuratorate (移送检察机关) with a prosecution opinion
	Convicted      bool  // sanctioned after a conviction referred back by the court (stats (b) of the 4th form)
	Withdrawn      bool  // the case against this person was withdrawn (撤销案件): nothing else may be set
	ConfiscatedFen int64 // 没收
	RecoveredFen   int64 // 追缴
	OrderedFen     int64 // 责令退赔
	ReturnedFen    int64 // 退还群众（的资金）, part of the above returned to the public
	Note           string
	DecidedAt      time.Time
}

// Empty reports whether the outcome records no measure at all.
func (o Outcome) Empty() bool {
	return o.Party == "" && o.Gov == "" && len(o.Org) == 0 && len(o.First) == 0 && !o.Transferred && !o.Convicted
}

// FundsFen returns the funds confiscated, recovered and ordered returned.
func (o Outcome) FundsFen() int64 { return o.ConfiscatedFen + o.RecoveredFen + o.OrderedFen }

// MaxFen bounds any one amount: a typo guard of 100 billion yuan.
const MaxFen = 100_000_000_000_00

// Validate checks an outcome for a subject. Errors: invalid with field
// codes; "case.sanction_not_allowed" on gov when the subject's category
// does not allow that government sanction ([PSL] Arts. 22–23),
// "case.party_sanction_not_member" on party for a subject who is not a
// party member.
func (o *Outcome) Validate(s Subject, d Data) error {
	var v apperr.Validation
	if o.Party != "" {
		switch {
		case !slices.Contains(PartySanctions(), o.Party):
			v.Add("party", "case.party_sanction_invalid")
		case !s.PartyMember:
			v.Add("party", "case.party_sanction_not_member")
		}
	}
	switch {
	case o.Party == PartyProbation && o.ProbationYears != 1 && o.ProbationYears != 2:
		v.Add("probation_years", "case.probation_years_invalid")
	case o.Party != PartyProbation && o.ProbationYears != 0:
		v.Add("probation_years", "case.probation_years_invalid")
	}
	if o.Gov != "" {
		if err := CheckGovSanction(s, o.Gov, d); err != nil {
			v.Add("gov", apperr.As(err).Fields["gov"])
		}
	}
	for _, a := range o.Org {
		if !slices.Contains(OrgActions(), a) {
			v.Add("org", "case.org_action_invalid")
		}
	}
	if hasDup(o.Org) {
		v.Add("org", "case.duplicate")
	}
	for _, f := range o.First {
		if !slices.Contains(FirstForms(), f) {
			v.Add("first", "case.first_form_invalid")
		}
	}
	if hasDup(o.First) {
		v.Add("first", "case.duplicate")
	}
	if o.Withdrawn && !o.Empty() {
		v.Add("withdrawn", "case.withdrawn_with_outcome")
	}
	amountsOK := true
	for field, fen := range map[string]int64{"confiscated_fen": o.ConfiscatedFen, "recovered_fen": o.RecoveredFen,
		"ordered_fen": o.OrderedFen, "returned_fen": o.ReturnedFen} {
		if fen < 0 || fen > MaxFen {
			v.Add(field, "case.amount_invalid")
			amountsOK = false
		}
	}
	if amountsOK && o.ReturnedFen > o.FundsFen() {
		v.Add("returned_fen", "case.returned_exceeds_funds")
	}
	o.Note = textclean.Text(o.Note)
	return v.Err()
}

// CheckGovSanction checks that a government sanction may be given to the
// subject: the sanction is known and allowed for the subject's category
// (village cadres and other persons performing public duties: only
// 警告、记过、记大过, [PSL] Arts. 22–23; persons who are not supervised:
// none). Errors: invalid on field "gov" with "case.gov_sanction_invalid"
// or "case.sanction_not_allowed".
func CheckGovSanction(s Subject, g GovSanction, d Data) error {
	if !slices.Contains(GovSanctions(), g) {
		return apperr.InvalidField("gov", "case.gov_sanction_invalid")
	}
	if !slices.Contains(AllowedGovSanctions(s.Category, d), g) {
		return apperr.InvalidField("gov", "case.sanction_not_allowed")
	}
	return nil
}

// AllowedGovSanctions returns the government sanctions the law allows for
// a subject category, lightest first (none for an unknown category).
func AllowedGovSanctions(category string, d Data) []GovSanction {
	c, ok := d.Category(category)
	if !ok {
		return nil
	}
	var out []GovSanction
	for _, g := range GovSanctions() {
		if slices.Contains(c.GovSanctions, string(g)) {
			out = append(out, g)
		}
	}
	return out
}

func hasDup[T comparable](xs []T) bool {
	seen := map[T]bool{}
	for _, x := range xs {
		if seen[x] {
			return true
		}
		seen[x] = true
	}
	return false
}
