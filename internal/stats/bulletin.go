package stats

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PeriodPhrase names a period the way bulletins do, relative to today:
// "今年以来" (1 January to today), "2025年" (a whole year), "2026年第一季度",
// "2026年3月" (a whole month), "2026年3月1日以来" (to today), otherwise
// "2026年3月1日至6月30日" (the year repeated only when it changes).
func PeriodPhrase(p Period, today string) string {
	f, err1 := time.Parse(time.DateOnly, p.From)
	t, err2 := time.Parse(time.DateOnly, p.To)
	if err1 != nil || err2 != nil {
		return p.From + "至" + p.To
	}
	jan1 := f.Month() == time.January && f.Day() == 1
	switch {
	case jan1 && p.To == today && f.Year() == t.Year():
		return "今年以来"
	case jan1 && t.Month() == time.December && t.Day() == 31 && f.Year() == t.Year():
		return fmt.Sprintf("%d年", f.Year())
	case f.Day() == 1 && f.Year() == t.Year() && (int(f.Month())-1)%3 == 0 && t.Month() == f.Month()+2 && t.AddDate(0, 0, 1).Day() == 1:
		return fmt.Sprintf("%d年第%s季度", f.Year(), []string{"一", "二", "三", "四"}[(int(f.Month())-1)/3])
	case f.Day() == 1 && f.Year() == t.Year() && f.Month() == t.Month() && t.AddDate(0, 0, 1).Day() == 1:
		return fmt.Sprintf("%d年%d月", f.Year(), int(f.Month()))
	case p.To == today:
		return fmt.Sprintf("%d年%d月%d日以来", f.Year(), int(f.Month()), f.Day())
	case f.Year() == t.Year():
		return fmt.Sprintf("%d年%d月%d日至%d月%d日", f.Year(), int(f.Month()), f.Day(), int(t.Month()), t.Day())
	}
	return fmt.Sprintf("%d年%d月%d日至%d年%d月%d日", f.Year(), int(f.Month()), f.Day(), t.Year(), int(t.Month()), t.Day())
}

// Bulletin writes the paragraph of a summary in the style of the seed
// article's figures, ready to paste into a report, e.g.
//
//	今年以来，永定区纪委监委共查办案件72件，给予党纪政务处分20人，组织处理13人，采取留置措施4人，追缴资金477.87万元。
//
// followed, where there is something to say, by sentences on reports and
// clues, the four forms and the handling times. Figures that are zero are
// left out of a list, except the number of cases, which is always named.
func Bulletin(s Summary, today string) string {
	var b strings.Builder
	b.WriteString(PeriodPhrase(s.Period, today))
	b.WriteString("，")
	b.WriteString(s.Scope.Name)
	clauses := []string{"共查办案件" + n(s.CasesFiled) + "件"}
	if s.PersonsSanctioned > 0 {
		clauses = append(clauses, "给予党纪政务处分"+n(s.PersonsSanctioned)+"人")
	}
	if s.PersonsOrgActions > 0 {
		clauses = append(clauses, "组织处理"+n(s.PersonsOrgActions)+"人")
	}
	if s.PersonsDetained > 0 {
		clauses = append(clauses, "采取留置措施"+n(s.PersonsDetained)+"人")
	}
	if s.PersonsTransferred > 0 {
		clauses = append(clauses, "移送检察机关"+n(s.PersonsTransferred)+"人")
	}
	if s.FundsRecoveredFen > 0 {
		clauses = append(clauses, "追缴资金"+WanYuan(s.FundsRecoveredFen)+"万元")
	}
	if s.FundsReturnedFen > 0 {
		clauses = append(clauses, "退还群众资金"+WanYuan(s.FundsReturnedFen)+"万元")
	}
	b.WriteString(strings.Join(clauses, "，"))
	b.WriteString("。")
	var xc []string
	if c := s.CluesBySource["crosscheck"]; c > 0 {
		xc = append(xc, "发现问题线索"+n(c)+"条")
	}
	if s.CrossCheckRecoveredFen > 0 {
		xc = append(xc, "追回资金"+WanYuan(s.CrossCheckRecoveredFen)+"万元")
	}
	if len(xc) > 0 {
		b.WriteString("通过大数据比对" + strings.Join(xc, "，") + "。")
	}

	var intake []string
	if s.ReportsReceived > 0 {
		intake = append(intake, "受理信访举报"+n(s.ReportsReceived)+"件")
		if s.ReportsAnswered > 0 {
			intake[len(intake)-1] += "、办结" + n(s.ReportsAnswered) + "件"
		}
	}
	if s.CluesDisposed > 0 {
		modes := []struct{ code, name string }{{"inquiry", "谈话函询"}, {"verification", "初步核实"}, {"shelve", "暂存待查"}, {"close", "予以了结"}}
		var parts []string
		for _, m := range modes {
			if v := s.CluesByMode[m.code]; v > 0 {
				parts = append(parts, m.name+n(v)+"件")
			}
		}
		intake = append(intake, "处置问题线索"+n(s.CluesDisposed)+"件（"+strings.Join(parts, "、")+"）")
	}
	if len(intake) > 0 {
		b.WriteString(strings.Join(intake, "，") + "。")
	}
	if total := s.FourForms.Total(); total > 0 {
		b.WriteString("运用监督执纪“四种形态”批评教育帮助和处理" + n(total) + "人次")
		for i, v := range []int64{s.FourForms.First, s.FourForms.Second, s.FourForms.Third, s.FourForms.Fourth} {
			if v > 0 {
				b.WriteString(fmt.Sprintf("，第%s种形态%s人次、占%s%%", []string{"一", "二", "三", "四"}[i], n(v), Percent(v, total)))
			}
		}
		b.WriteString("。")
	}
	var train []string
	if s.GuidanceRecords > 0 {
		train = append(train, "结对帮带指导"+n(s.GuidanceRecords)+"次")
	}
	if s.TrainingsHeld > 0 {
		t := "举办培训" + n(s.TrainingsHeld) + "场"
		if s.TrainingAttendees > 0 {
			t += "、参训" + n(s.TrainingAttendees) + "人次"
		}
		train = append(train, t)
	}
	if len(train) > 0 {
		b.WriteString(strings.Join(train, "，") + "。")
	}
	if s.RectificationsOpened > 0 || s.RectificationsClosed > 0 {
		b.WriteString("督促整改问题" + n(s.RectificationsOpened) + "个，已销号" + n(s.RectificationsClosed) + "个")
		if s.RectificationsClosed > 0 {
			b.WriteString("（实质性销号" + n(s.RectificationsClosedSubstantive) + "个）")
		}
		b.WriteString("。")
	}
	if s.TasksActive > 0 {
		b.WriteString("开展监督检查" + n(s.TasksActive) + "项")
		if late := s.TaskUnitsBehind + s.TaskUnitsOverdue; late > 0 || s.UrgesSent > 0 {
			b.WriteString("，督促" + n(late) + "个单位加快进度")
			if s.UrgesSent > 0 {
				b.WriteString("（催办" + n(s.UrgesSent) + "次）")
			}
		}
		b.WriteString("。")
	}
	var times []string
	if s.AvgClueDisposalDays != nil {
		times = append(times, "问题线索从受理到处置平均用时"+strconv.FormatFloat(*s.AvgClueDisposalDays, 'f', 1, 64)+"天")
	}
	if s.AvgCaseDays != nil {
		times = append(times, "案件从立案到结案平均用时"+strconv.FormatFloat(*s.AvgCaseDays, 'f', 1, 64)+"天")
	}
	if len(times) > 0 {
		b.WriteString(strings.Join(times, "，") + "。")
	}
	b.WriteString(villageSentence(s))
	return b.String()
}

// villageSentence is the village work in the seed's words: "村（社区）纪检
// 委员累计开展党风廉政监督870次，走访党员群众3346人次，收集解决群众生产生活
// 难题和信访诉求772个". The last figure counts the demands resolved (收集
// 并解决) in the period, not those merely collected (docs/statistics.md).
// Zero figures are left out; "" when there is nothing to say.
func villageSentence(s Summary) string {
	var parts []string
	if s.VillageSessions > 0 {
		parts = append(parts, "开展党风廉政监督"+n(s.VillageSessions)+"次")
	}
	if s.VillagePeopleVisited > 0 {
		parts = append(parts, "走访党员群众"+n(s.VillagePeopleVisited)+"人次")
	}
	if s.DemandsResolved > 0 {
		parts = append(parts, "收集解决群众生产生活难题和信访诉求"+n(s.DemandsResolved)+"个")
	}
	if len(parts) == 0 {
		return ""
	}
	return "村（社区）纪检委员累计" + strings.Join(parts, "，") + "。"
}

// Percent renders part/whole as a percentage with one decimal ("36.4").
func Percent(part, whole int64) string {
	if whole == 0 {
		return "0.0"
	}
	return strconv.FormatFloat(float64(part)*100/float64(whole), 'f', 1, 64)
}

func n(v int64) string { return strconv.FormatInt(v, 10) }

// Cell is one published figure: its value, or suppressed when the count is
// above zero and below the threshold, so that no reporter or subject can be
// singled out. A suppressed cell carries no value at all.
type Cell struct {
	Value      int64 `json:"value"`
	Suppressed bool  `json:"suppressed"`
}

// Suppress publishes v with threshold k: values 1..k-1 are suppressed.
// Zero is published (it singles nobody out).
func Suppress(v int64, k int) Cell {
	if v > 0 && v < int64(k) {
		return Cell{Suppressed: true}
	}
	return Cell{Value: v}
}

// DefaultK is the default suppression threshold of published statistics.
const DefaultK = 3

// PublicTable is the transparency table of the public portal: monthly
// figures per county, every cell published through Suppress. It carries no
// totals, so that no suppressed cell can be recovered by subtraction.
type PublicTable struct {
	K        int            `json:"k"`
	Months   []string       `json:"months"` // YYYY-MM, oldest first
	Counties []PublicCounty `json:"counties"`
}

// PublicCounty is one county's row group.
type PublicCounty struct {
	Code   string        `json:"code"`
	Name   string        `json:"name"`
	Months []PublicMonth `json:"months"`
}

// PublicMonth is one county's published figures of one month: reports
// received and answered (办结), cases filed, and people handled (in any of
// the four forms).
type PublicMonth struct {
	Month           string `json:"month"`
	ReportsReceived Cell   `json:"reports_received"`
	ReportsAnswered Cell   `json:"reports_answered"`
	CasesFiled      Cell   `json:"cases_filed"`
	PersonsHandled  Cell   `json:"persons_handled"`
}
