// Package stats defines what Qingfeng's statistics count (domain.md §3 and
// docs/statistics.md) and turns the counts into figures people read: the
// summary of a scope and period, series, breakdowns, the bulletin
// paragraph and the public transparency table with small cells
// suppressed. It is pure: the store counts rows by the rules written here
// and this package never touches a database.
package stats

import "qingfeng/internal/casework"

// Figures is what one subject's (被审查调查人's) outcome counts as. The
// store keeps these next to the outcome (case_subjects.sanctioned,
// party_sanctioned, gov_sanctioned, org_action, transferred, funds_fen,
// returned_fen), written with every outcome, so that each statistic is a
// plain sum over rows on both engines.
type Figures struct {
	// Sanctioned: the person received a party sanction (党纪处分) or a
	// government sanction (政务处分); counted once even with both
	// ("给予党纪政务处分N人").
	Sanctioned bool
	// PartySanctioned: a party sanction (警告 … 开除党籍).
	PartySanctioned bool
	// GovSanctioned: a government sanction (警告 … 开除).
	GovSanctioned bool
	// OrgAction: at least one organisational action (组织处理: 停职检查,
	// 调整职务, 责令辞职, 免职, 降职); a person counts once however many.
	OrgAction bool
	// Transferred: transferred to the procuratorate with a prosecution
	// opinion (移送检察机关).
	Transferred bool
	// FundsFen: the funds recovered (追缴资金 in the bulletins): what was
	// confiscated, recovered and ordered returned (没收、追缴、责令退赔,
	// [SL2024] Art. 53), in fen.
	FundsFen int64
	// ReturnedFen: the part of FundsFen returned to the public (退还群众).
	ReturnedFen int64
}

// FiguresOf derives the figures of an outcome. A withdrawn outcome
// (撤销案件, or an appeal that revoked the decision) counts as nothing.
func FiguresOf(o casework.Outcome) Figures {
	if o.Withdrawn {
		return Figures{}
	}
	f := Figures{
		PartySanctioned: o.Party != "",
		GovSanctioned:   o.Gov != "",
		OrgAction:       len(o.Org) > 0,
		Transferred:     o.Transferred,
		FundsFen:        o.FundsFen(),
		ReturnedFen:     o.ReturnedFen,
	}
	f.Sanctioned = f.PartySanctioned || f.GovSanctioned
	return f
}
