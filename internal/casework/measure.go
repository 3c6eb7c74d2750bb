package casework

import (
	"slices"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/calendar"
)

// MeasureKind is an investigation measure (调查措施). The values are part
// of the API.
type MeasureKind string

// The measures. The first four are the measures on the person with
// statutory limits ([SL2024] Arts. 21–25, 46–48); the others are logged
// in the measures ledger ([R2019] Art. 40) without a clock of this package.
const (
	MeasureCompulsoryAppearance MeasureKind = "compulsory_appearance" // 强制到案
	MeasureAwaitInvestigation   MeasureKind = "await_investigation"   // 责令候查
	MeasureCustody              MeasureKind = "custody"               // 管护
	MeasureDetention            MeasureKind = "detention"             // 留置
	MeasureTalk                 MeasureKind = "talk"                  // 谈话
	MeasureInterrogation        MeasureKind = "interrogation"         // 讯问
	MeasureWitness              MeasureKind = "witness"               // 询问
	MeasureQueryFreeze          MeasureKind = "query_freeze"          // 查询、冻结
	MeasureSearch               MeasureKind = "search"                // 搜查
	MeasureSeize                MeasureKind = "seize"                 // 调取、查封、扣押
	MeasureInspection           MeasureKind = "inspection"            // 勘验检查
	MeasureAppraisal            MeasureKind = "appraisal"             // 鉴定
	MeasureTechnical            MeasureKind = "technical"             // 技术调查
	MeasureWanted               MeasureKind = "wanted"                // 通缉
	MeasureExitRestriction      MeasureKind = "exit_restriction"      // 限制出境
)

// ApprovalLevel is who approved a step of a measure.
type ApprovalLevel string

// The approval levels a measure rule may require.
const (
	ApprovalPrincipal  ApprovalLevel = "principal"  // 监察机关主要负责人批准
	ApprovalCollective ApprovalLevel = "collective" // 监察机关领导人员集体研究决定
	ApprovalUpper      ApprovalLevel = "upper"      // 上一级监察机关批准
	ApprovalNational   ApprovalLevel = "national"   // 国家监察委员会批准或者决定
)

// CommissionLevel is the level of the commission that takes a measure.
type CommissionLevel string

// The commission levels.
const (
	LevelCounty   CommissionLevel = "county"   // 县级
	LevelCity     CommissionLevel = "city"     // 设区的市级
	LevelProvince CommissionLevel = "province" // 省级
	LevelNational CommissionLevel = "national" // 国家监察委员会
)

// belowProvince reports whether the level is 设区的市级以下.
func (l CommissionLevel) belowProvince() bool { return l == LevelCounty || l == LevelCity }

// ExtensionKind is a way a measure's time is lengthened.
type ExtensionKind string

// The extension kinds.
const (
	ExtendOrdinary    ExtensionKind = "extend"      // 延长（依限额表的延长规则）
	ExtendFurther     ExtensionKind = "further"     // 留置再延长二个月（可能判处十年有期徒刑以上）
	ExtendRecalculate ExtensionKind = "recalculate" // 重新计算留置时间（另有重大职务犯罪）
	ExtendFollowOn    ExtensionKind = "follow_on"   // 强制到案后需采取管护或者留置：至二十四小时
)

// MeasureRule is the rule of one measure kind: the limit (a code of the
// calendar's limits tables) that times it, the side clocks that start with
// it, the approvals it needs, and the extensions it allows. Every amount
// lives in the limits tables; the rule only names the codes.
type MeasureRule struct {
	Kind       MeasureKind
	Limit      string          // "" for a measure without a clock here
	SideLimits []string        // further clocks started with the measure (notification, transfer to the facility)
	Approvals  []ApprovalLevel // needed to take it (ApprovalUpper only below the provincial level)
	Extensions []ExtensionRule
	Source     string
}

// ExtensionRule is one way a measure may be lengthened: Limit names the
// limit that gives the span ("" for the measure limit's own extension
// rule), Approval the approval it needs, Once whether it may be used once
// per measure, After the extension kind that must have been used first.
type ExtensionRule struct {
	Kind     ExtensionKind
	Limit    string
	Approval ApprovalLevel
	Once     bool
	After    ExtensionKind
	Guard    string
	Source   string
}

// MeasureRules returns the rules of every measure kind in display order.
func MeasureRules() []MeasureRule {
	return []MeasureRule{
		{Kind: MeasureCompulsoryAppearance, Limit: "compulsory_appearance", Approvals: []ApprovalLevel{ApprovalPrincipal},
			Extensions: []ExtensionRule{{Kind: ExtendFollowOn, Guard: "管护 or 留置 follows; never chained", Source: "[SL2024] Art. 46"}},
			Source:     "[SL2024] Arts. 21, 46"},
		{Kind: MeasureAwaitInvestigation, Limit: "await_investigation", Approvals: []ApprovalLevel{ApprovalPrincipal},
			Source: "[SL2024] Arts. 23, 46"},
		{Kind: MeasureCustody, Limit: "custody.decide", SideLimits: []string{"custody.transfer", LimitMeasureNotify},
			Approvals:  []ApprovalLevel{ApprovalPrincipal},
			Extensions: []ExtensionRule{{Kind: ExtendOrdinary, Approval: ApprovalPrincipal, Guard: "special circumstances; 1 to 3 days", Source: "[SL2024] Art. 46"}},
			Source:     "[SL2024] Arts. 25, 46, 50"},
		{Kind: MeasureDetention, Limit: "detention", SideLimits: []string{LimitMeasureNotify},
			Approvals: []ApprovalLevel{ApprovalCollective, ApprovalUpper},
			Extensions: []ExtensionRule{
				{Kind: ExtendOrdinary, Approval: ApprovalUpper, Guard: "special circumstances; once, up to 3 months", Source: "[SL2024] Art. 48 ¶1"},
				{Kind: ExtendFurther, Limit: "detention.further", Approval: ApprovalNational, Once: true, After: ExtendOrdinary,
					Guard: "a sentence of 10 years or more possible; the extended period ended without conclusion", Source: "[SL2024] Art. 48 ¶2"},
				{Kind: ExtendRecalculate, Approval: ApprovalNational, Once: true,
					Guard: "provincial level or above; another major duty crime found; counted anew from its discovery", Source: "[SL2024] Art. 48 ¶3"},
			},
			Source: "[SL2024] Arts. 24, 47, 48, 50"},
		{Kind: MeasureTalk, Source: "[SL2024] Art. 19"},
		{Kind: MeasureInterrogation, Source: "[SL2024] Art. 20"},
		{Kind: MeasureWitness, Source: "[SL2024] Art. 22"},
		{Kind: MeasureQueryFreeze, Source: "[SL2024] Art. 26"},
		{Kind: MeasureSearch, Source: "[SL2024] Art. 27"},
		{Kind: MeasureSeize, Source: "[SL2024] Art. 28"},
		{Kind: MeasureInspection, Source: "[SL2024] Art. 29"},
		{Kind: MeasureAppraisal, Source: "[SL2024] Art. 30"},
		{Kind: MeasureTechnical, Limit: "technical_investigation", Extensions: []ExtensionRule{{Kind: ExtendOrdinary, Approval: ApprovalPrincipal,
			Guard: "complex case; 3 months at a time", Source: "[SL2024] Art. 31"}}, Source: "[SL2024] Art. 31"},
		{Kind: MeasureWanted, Source: "[SL2024] Art. 32"},
		{Kind: MeasureExitRestriction, Source: "[SL2024] Art. 33"},
	}
}

// Rule returns the rule of a measure kind.
func Rule(kind MeasureKind) (MeasureRule, bool) {
	for _, r := range MeasureRules() {
		if r.Kind == kind {
			return r, true
		}
	}
	return MeasureRule{}, false
}

// Approval is one approval of a measure or of its extension.
type Approval struct {
	Level ApprovalLevel
	By    string // who approved (name or organ)
	Ref   string // the approval document
	At    time.Time
}

// MeasureExtension is one lengthening of a measure's time, as approved.
type MeasureExtension struct {
	Kind      ExtensionKind
	By        calendar.Span // ExtendOrdinary: the span (zero: the rule's full amount); others: ignored
	At        time.Time     // ExtendRecalculate: when the other crime was discovered; else when approved
	Approvals []Approval
	Reason    string
}

// Measure is one measure taken on a subject of a case.
type Measure struct {
	ID         int64
	CaseID     int64
	SubjectID  int64
	Kind       MeasureKind
	Level      CommissionLevel // the commission that takes it
	StartedAt  time.Time       // taken (留置: announced, [SLIR2021] Art. 101)
	EndedAt    time.Time       // released, converted or ended; zero while it runs
	EndReason  string
	FollowedBy MeasureKind // compulsory appearance: the custody or detention that follows
	Approvals  []Approval
	Extensions []MeasureExtension
	NotifiedAt time.Time // unit and family notified ([SL2024] Art. 50)
	AudioVideo bool
	Note       string
}

func hasApproval(as []Approval, level ApprovalLevel) bool {
	return slices.ContainsFunc(as, func(a Approval) bool { return a.Level == level })
}

// CheckTake checks a measure as it is taken: a known kind, a level, a
// start, and the approvals its rule requires (上一级 only below the
// provincial level, [SL2024] Art. 47). Errors: invalid on "kind"
// ("case.measure_kind_invalid"), "level" ("case.measure_level_invalid"),
// "started_at" ("case.date_required"), "approvals"
// ("case.measure_approval_required"), "followed_by"
// ("case.measure_follow_on_invalid").
func CheckTake(m Measure) error {
	var v apperr.Validation
	r, ok := Rule(m.Kind)
	if !ok {
		v.Add("kind", "case.measure_kind_invalid")
		return v.Err()
	}
	if !slices.Contains([]CommissionLevel{LevelCounty, LevelCity, LevelProvince, LevelNational}, m.Level) {
		v.Add("level", "case.measure_level_invalid")
	}
	if m.StartedAt.IsZero() {
		v.Add("started_at", "case.date_required")
	}
	for _, a := range r.Approvals {
		if a == ApprovalUpper && !m.Level.belowProvince() {
			continue
		}
		if !hasApproval(m.Approvals, a) {
			v.Add("approvals", "case.measure_approval_required")
		}
	}
	if m.FollowedBy != "" && (m.Kind != MeasureCompulsoryAppearance || (m.FollowedBy != MeasureCustody && m.FollowedBy != MeasureDetention)) {
		v.Add("followed_by", "case.measure_follow_on_invalid")
	}
	return v.Err()
}

// MeasureClock computes the clock of a measure with a limit: its limit
// started at StartedAt, then each extension applied in order under the
// rule of the measure. It never pauses: awaiting an approval stops no
// measure's time. The services call it when a measure is taken and again
// when an extension is approved (append it, call MeasureClock, store the
// result or refuse the error); a running measure whose clock is Overdue
// (calendar.Clock.State with EndedAt) is the alarm on the leaders' screen.
//
// Errors: invalid on "kind" ("case.measure_no_limit") for a measure
// without a limit; invalid on "extensions" with
// "case.measure_extension_invalid" (a kind the rule does not allow),
// "case.measure_extension_order" (further before the ordinary extension),
// "case.measure_approval_required", "case.measure_follow_on_required"
// (compulsory appearance without custody or detention following),
// "case.measure_recalculate_level" (below the provincial level),
// "case.measure_recalculate_time" (discovery outside the running period),
// "case.measure_ended" (extension after the measure ended); conflict
// "case.measure_extension_once" for a second use of a once-only extension;
// and the calendar's extension errors (calendar.extension.*) for an
// ordinary extension beyond the limit's rule.
func MeasureClock(cal *calendar.Calendar, limits map[string]calendar.Limit, m Measure, loc *time.Location) (calendar.Clock, error) {
	r, ok := Rule(m.Kind)
	if !ok || r.Limit == "" {
		return calendar.Clock{}, apperr.InvalidField("kind", "case.measure_no_limit")
	}
	l, ok := limits[r.Limit]
	if !ok {
		return calendar.Clock{}, apperr.Wrap(errUnknownLimit(r.Limit), apperr.Internal, "error.internal")
	}
	k := cal.Start(l, m.StartedAt, loc)
	used := map[ExtensionKind]int{}
	for _, x := range m.Extensions {
		xr, ok := extensionRule(r, x.Kind)
		switch {
		case !ok:
			return k, apperr.InvalidField("extensions", "case.measure_extension_invalid")
		case !m.EndedAt.IsZero() && x.At.After(m.EndedAt):
			return k, apperr.InvalidField("extensions", "case.measure_ended")
		case xr.Once && used[x.Kind] > 0:
			return k, apperr.New(apperr.Conflict, "case.measure_extension_once")
		case xr.After != "" && used[xr.After] == 0:
			return k, apperr.InvalidField("extensions", "case.measure_extension_order")
		case xr.Approval != "" && !hasApproval(x.Approvals, xr.Approval):
			return k, apperr.InvalidField("extensions", "case.measure_approval_required")
		}
		var err error
		switch x.Kind {
		case ExtendOrdinary:
			k, err = cal.Extend(k, x.By, loc)
		case ExtendFollowOn:
			if m.FollowedBy != MeasureCustody && m.FollowedBy != MeasureDetention {
				return k, apperr.InvalidField("extensions", "case.measure_follow_on_required")
			}
			k, err = cal.Extend(k, calendar.Span{}, loc)
		case ExtendFurther:
			fl, ok := limits[xr.Limit]
			if !ok {
				return k, apperr.Wrap(errUnknownLimit(xr.Limit), apperr.Internal, "error.internal")
			}
			k, err = extendBy(cal, k, fl, loc)
		case ExtendRecalculate:
			switch {
			case m.Level.belowProvince():
				return k, apperr.InvalidField("extensions", "case.measure_recalculate_level")
			case x.At.Before(m.StartedAt) || x.At.After(k.Due):
				return k, apperr.InvalidField("extensions", "case.measure_recalculate_time")
			}
			// Counted anew under the first paragraph: the limit from the
			// discovery, with its ordinary extension available again.
			k = cal.Start(l, x.At, loc)
			delete(used, ExtendOrdinary)
		}
		if err != nil {
			return k, err
		}
		used[x.Kind]++
	}
	return k, nil
}

// SideClocks returns the further clocks a measure starts (notification of
// the unit and family within 24 hours for 管护 and 留置, [SL2024] Art. 50;
// transfer to the facility within 24 hours for 管护, Art. 25), in the
// order of its rule. Errors: internal for a limit code missing from the
// tables (a programming error caught by the tests).
func SideClocks(cal *calendar.Calendar, limits map[string]calendar.Limit, m Measure, loc *time.Location) ([]calendar.Clock, error) {
	r, _ := Rule(m.Kind)
	var out []calendar.Clock
	for _, code := range r.SideLimits {
		l, ok := limits[code]
		if !ok {
			return nil, apperr.Wrap(errUnknownLimit(code), apperr.Internal, "error.internal")
		}
		out = append(out, cal.Start(l, m.StartedAt, loc))
	}
	return out, nil
}

// extendBy lengthens k by the span of limit fl (a further extension that
// is its own row of the limits tables), with the reminder recomputed by
// the calendar. The clock keeps its own limit; Extensions counts it.
func extendBy(cal *calendar.Calendar, k calendar.Clock, fl calendar.Limit, loc *time.Location) (calendar.Clock, error) {
	tmp := k
	tmp.Limit.Extension = &calendar.Extension{Amount: fl.Amount, Unit: fl.Unit, Approver: fl.Name}
	out, err := cal.Extend(tmp, fl.Span(), loc)
	if err != nil {
		return k, err
	}
	out.Limit = k.Limit
	return out, nil
}

func extensionRule(r MeasureRule, kind ExtensionKind) (ExtensionRule, bool) {
	for _, x := range r.Extensions {
		if x.Kind == kind {
			return x, true
		}
	}
	return ExtensionRule{}, false
}

type errUnknownLimit string

func (e errUnknownLimit) Error() string { return "casework: unknown limit " + string(e) }
