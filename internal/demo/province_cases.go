package demo

import (
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/casework"
	"qingfeng/internal/store"
)

// This file generates the case ledger of the province-scale demo
// (ProvinceOptions.Cases): cases spread evenly over the period and over
// the townships, led by the township commission or by one of the county's
// offices and dispatched groups, each case in the stage its age gives it
// (most closed; the recent ones in filing, investigation, review, decision
// or execution), 1-3 subjects (1.5 on average), the hand-off events of the
// stages passed, the review clock of the cases in review, and measures:
// about 45 % of the cases under investigation have a running measure with
// its statutory clock (some past due), a few closed cases an ended one.
// Every subject of a decided case has an outcome that passes
// casework.Outcome.Validate, with its four form derived by FormOf: about
// 30 % first-form measures only, 30 % light sanctions or organisational
// adjustment, 30 % heavy sanctions, 10 % transferred to the procuratorate,
// and funds on about a third.

// caseStage is one stage of the generated workflow: the state, the
// action that enters it and how long the case stays in it (days).
type caseStage struct {
	status     casework.Status
	action     string
	minD, maxD int
}

var caseStages = []caseStage{
	{casework.StatusFilingReview, "file", 2, 8},
	{casework.StatusInvestigation, "approve_filing", 50, 200},
	{casework.StatusReportReview, "submit_report", 4, 14},
	{casework.StatusReviewPending, "approve_report", 2, 8},
	{casework.StatusReview, "accept_review", 15, 30},
	{casework.StatusReviewReport, "submit_review_report", 3, 10},
	{casework.StatusDecision, "approve_review_report", 4, 14},
	{casework.StatusExecution, "decide", 20, 80},
	{casework.StatusClosed, "close", 0, 0},
}

// caseMeasureKinds are the running measures generated, with weights.
var caseMeasureKinds = []weighted{{string(casework.MeasureAwaitInvestigation), 45}, {string(casework.MeasureDetention), 22},
	{string(casework.MeasureTechnical), 15}, {string(casework.MeasureCustody), 4}, {string(casework.MeasureTalk), 14}}

// measureSpan is the statutory span of a measure kind in days, roughly
// (where its start is drawn from).
var measureSpan = map[casework.MeasureKind]int{casework.MeasureAwaitInvestigation: 365, casework.MeasureDetention: 91,
	casework.MeasureTechnical: 91, casework.MeasureCustody: 7, casework.MeasureTalk: 20}

var caseReasons = []string{"问题线索经初步核实，需要追究党纪政务责任", "上级纪委监委交办", "巡察移交问题线索经初核属实", "审计移送问题经初核属实"}

// cases yields the generated cases in order of the filing request.
func (b *provinceBuilder) cases(o ProvinceOptions, progress func(string)) iter.Seq2[store.BulkCase, error] {
	return func(yield func(store.BulkCase, error) bool) {
		type tref struct {
			c *pCounty
			t int
		}
		var all []tref
		for _, c := range b.counties {
			for i := range c.townships {
				all = append(all, tref{c, i})
			}
		}
		if len(all) == 0 || o.Cases == 0 {
			return
		}
		now := b.a.Now()
		rng := rand.New(rand.NewPCG(o.Seed, 0x2545f4914f6cdd1d))
		orng := rand.New(rand.NewPCG(o.Seed, 0x14057b7ef767814f)) // outcomes: their own stream
		step := now.Sub(b.from) / time.Duration(o.Cases)
		for i := range o.Cases {
			created := b.from.Add(step*time.Duration(i) + time.Duration(rng.Int64N(int64(max(step, 1))))).UTC().Truncate(time.Second)
			tr := all[rng.IntN(len(all))]
			bc, err := b.oneCase(rng, orng, now, created, tr.c, tr.t)
			if !yield(bc, err) || err != nil {
				return
			}
			if (i+1)%20000 == 0 {
				progress(fmt.Sprintf("cases: %d of %d generated", i+1, o.Cases))
			}
		}
	}
}

// oneCase makes one case requested at created in county c, township ti.
func (b *provinceBuilder) oneCase(rng, orng *rand.Rand, now, created time.Time, c *pCounty, ti int) (store.BulkCase, error) {
	t := c.townships[ti]
	lead, ledger, short := t.unit, t.unit, string([]rune(t.unit.Name)[:1])
	if rng.IntN(100) < 40 {
		lead, ledger, short = c.handlers[rng.IntN(len(c.handlers))], c.unit, c.short
	}
	cat := pick(rng, categoryWeights)
	issue := issues[cat][rng.IntN(len(issues[cat]))]
	cs := casework.Case{LedgerUnitID: ledger.ID, LeadUnitID: lead.ID, LeadUnitPath: lead.Path, Category: cat, ProposedBy: c.caseMgr,
		DirectReason: caseReasons[rng.IntN(len(caseReasons))], Supervision: rng.IntN(100) < 3}
	if g := c.groupOf[lead.ID]; g != 0 && rng.IntN(100) < 6 {
		cs.Joint, cs.AreaGroupID = true, g
	}
	ns := 1
	if r := rng.IntN(10); r >= 9 {
		ns = 3
	} else if r >= 6 {
		ns = 2
	}
	for j := range ns {
		sj := casework.Subject{Name: randName(rng), PartyMember: rng.IntN(100) < 80}
		switch r := rng.IntN(100); {
		case r < 55:
			village := t.villages[rng.IntN(len(t.villages))]
			sj.Unit, sj.Post, sj.Rank, sj.Category = village+"村（居）民委员会", pPosts[rng.IntN(len(pPosts))], "village", "village_cadre"
		case r < 90:
			sj.Unit, sj.Post, sj.Rank, sj.Category = strings.TrimSuffix(strings.TrimSuffix(t.unit.Name, "纪工委"), "纪委"),
				pTownPost[rng.IntN(len(pTownPost))], "general", "civil_servant"
			if rng.IntN(3) == 0 {
				// A cadre of the township itself: its commission is recused from the case.
				sj.UnitID, sj.UnitPath = t.unit.ID, t.unit.Path
			}
		default:
			sj.Unit, sj.Post, sj.Rank, sj.Category = strings.TrimSuffix(c.unit.Name, "纪委监委")+"农业农村局", "副局长", "township", "civil_servant"
		}
		if j == 0 {
			cs.Cause = sj.Unit + sj.Post + sj.Name + issue + "案"
		}
		cs.Subjects = append(cs.Subjects, sj)
	}
	cs.Summary = "经查，" + cs.Cause + "。"
	bc := store.BulkCase{CreatedAt: created, ShortName: short, LedgerPath: ledger.Path}
	ev := func(action string, from, to casework.Status, at time.Time, user int64) {
		bc.Events = append(bc.Events, store.CaseEvent{Action: action, FromStatus: from, ToStatus: to, UnitID: lead.ID, UserID: user, At: at})
	}
	// Walk the stages up to now; a few are refused or withdrawn.
	at, status := created, casework.Status("")
	for i, st := range caseStages {
		ev(st.action, status, st.status, at, c.caseMgr)
		status = st.status
		switch st.status {
		case casework.StatusInvestigation:
			cs.FiledAt = at
		case casework.StatusReview:
			cs.ReviewAt = at
		case casework.StatusExecution:
			cs.DecidedAt = at
		case casework.StatusClosed:
			cs.ClosedAt = at
		}
		if st.status == casework.StatusClosed {
			break
		}
		next := at.Add(time.Duration(st.minD+rng.IntN(st.maxD-st.minD+1))*day + time.Duration(rng.IntN(8))*time.Hour)
		if i == 0 && rng.IntN(1000) < 15 && now.After(next) {
			ev("refuse_filing", status, casework.StatusRefused, next, c.leader)
			status, cs.ClosedAt = casework.StatusRefused, next
			break
		}
		if i == 1 && rng.IntN(1000) < 10 && now.After(next) {
			ev("withdraw", status, casework.StatusWithdrawn, next, c.leader)
			status, cs.ClosedAt = casework.StatusWithdrawn, next
			break
		}
		if now.Before(next) {
			break
		}
		at = next
	}
	cs.Status = status
	if !cs.DecidedAt.IsZero() {
		for j := range cs.Subjects {
			sj := &cs.Subjects[j]
			// The draw that once picked a random form, kept so that a
			// seed gives the same cases, measures and clocks as before
			// outcomes existed (the figures of issue 5 stay comparable).
			_ = rng.IntN(100)
			o, err := decidedOutcome(orng, *sj, cat, cs.DecidedAt, b.caseData)
			if err != nil {
				return bc, err
			}
			sj.Outcome, sj.Form = &o, casework.FormOf(o).Form
			if o.Transferred {
				// Handed to the procuratorate within days of the decision.
				t := cs.DecidedAt.Add(time.Duration(1+orng.IntN(15)) * day)
				if !cs.ClosedAt.IsZero() && t.After(cs.ClosedAt) {
					t = cs.ClosedAt
				}
				if t.Before(now) {
					sj.TransferredAt = t
				}
			}
		}
	}
	switch status {
	case casework.StatusReview:
		k, err := b.a.StartClock(app.ClockSpec{ObjectType: "case", UnitPath: lead.Path}, "review.finish", cs.ReviewAt)
		if err != nil {
			return bc, err
		}
		bc.Clocks = append(bc.Clocks, k)
	case casework.StatusInvestigation:
		if rng.IntN(100) < 45 {
			m, k, err := b.measure(rng, now, cs, lead.Path)
			if err != nil {
				return bc, err
			}
			bc.Measures = append(bc.Measures, store.BulkMeasure{Measure: m, Clock: k})
		}
	case casework.StatusClosed:
		if rng.IntN(100) < 4 {
			kind := []casework.MeasureKind{casework.MeasureDetention, casework.MeasureAwaitInvestigation}[rng.IntN(2)]
			start := cs.FiledAt.Add(time.Duration(rng.IntN(20)) * day)
			bc.Measures = append(bc.Measures, store.BulkMeasure{Measure: casework.Measure{Kind: kind, Level: casework.LevelCounty,
				StartedAt: start, EndedAt: start.Add(time.Duration(20+rng.IntN(60)) * day), EndReason: "调查终结，解除措施"}})
		}
	}
	bc.Case = cs
	return bc, nil
}

// measure makes a running measure on the first subject of an
// investigated case, started between the filing and now (its start drawn
// over 1.15 times its span, so about one in eight is past due).
func (b *provinceBuilder) measure(rng *rand.Rand, now time.Time, cs casework.Case, unitPath string) (casework.Measure, *store.Clock, error) {
	kind := casework.MeasureKind(pick(rng, caseMeasureKinds))
	span := time.Duration(measureSpan[kind]) * day
	start := now.Add(-time.Duration(rng.Int64N(int64(span) * 115 / 100))).Truncate(time.Minute)
	if start.Before(cs.FiledAt) {
		start = cs.FiledAt.Add(time.Duration(rng.IntN(48)) * time.Hour)
		if start.After(now) {
			start = now.Add(-time.Hour)
		}
	}
	m := casework.Measure{SubjectID: 0, Kind: kind, Level: casework.LevelCounty, StartedAt: start}
	r, _ := casework.Rule(kind)
	if r.Limit == "" {
		return m, nil, nil
	}
	k, err := b.a.StartClock(app.ClockSpec{ObjectType: "measure", UnitPath: unitPath}, r.Limit, start)
	if err != nil {
		return m, nil, err
	}
	return m, &k, nil
}

// First-form measures with weights (of 100).
var firstWeights = []weighted{{string(casework.FirstReminderTalk), 22}, {string(casework.FirstCriticism), 26},
	{string(casework.FirstAdmonish), 18}, {string(casework.FirstSelfReview), 12}, {string(casework.FirstCirculated), 8},
	{string(casework.FirstWarningTalk), 6}, {string(casework.FirstRectify), 4}, {string(casework.FirstSurrender), 2},
	{string(casework.FirstLifeMeeting), 2}}

// decidedOutcome draws the outcome of one subject decided at decided:
// first-form only, light, heavy or transferred (30/30/30/10 %), sanctions
// the subject may get (party ones only for party members, government ones
// within the category's list), funds on about a third. It validates the
// outcome as the service does; an error is a generator bug.
func decidedOutcome(rng *rand.Rand, sj casework.Subject, cat string, decided time.Time, d casework.Data) (casework.Outcome, error) {
	o := casework.Outcome{DecidedAt: decided}
	allowed := casework.AllowedGovSanctions(sj.Category, d)
	gov := func(from ...casework.GovSanction) casework.GovSanction {
		var ok []casework.GovSanction
		for _, g := range from {
			if slices.Contains(allowed, g) {
				ok = append(ok, g)
			}
		}
		if len(ok) == 0 {
			return ""
		}
		return ok[rng.IntN(len(ok))]
	}
	cadre := sj.Category != casework.CategoryVillageCadre // holds a post an organisation can adjust
	funds := 25
	switch r := rng.IntN(100); {
	case r < 30: // first form only
		o.First = append(o.First, casework.FirstForm(pick(rng, firstWeights)))
		if f := casework.FirstForm(pick(rng, firstWeights)); rng.IntN(4) == 0 && f != o.First[0] {
			o.First = append(o.First, f)
		}
		funds = 12
	case r < 60: // light sanctions, organisational adjustment
		if sj.PartyMember && rng.IntN(100) < 75 {
			o.Party = []casework.PartySanction{casework.PartyWarning, casework.PartyWarning, casework.PartySeriousWarning}[rng.IntN(3)]
		}
		if o.Party == "" || rng.IntN(100) < 35 {
			o.Gov = gov(casework.GovWarning, casework.GovDemerit, casework.GovDemerit, casework.GovMajorDemerit, casework.GovDemotion)
		}
		if cadre && rng.IntN(100) < 15 {
			o.Org = append(o.Org, []casework.OrgAction{casework.OrgSuspension, casework.OrgAdjustment, casework.OrgResignation,
				casework.OrgRemoval}[rng.IntN(4)])
		}
	case r < 90: // heavy sanctions
		if sj.PartyMember {
			o.Party = []casework.PartySanction{casework.PartyRemoval, casework.PartyProbation, casework.PartyProbation,
				casework.PartyExpulsion}[rng.IntN(4)]
			if o.Party == casework.PartyProbation {
				o.ProbationYears = 1 + rng.IntN(2)
			}
		}
		if !sj.PartyMember || rng.IntN(100) < 55 {
			o.Gov = gov(casework.GovDismissal, casework.GovExpulsion)
			if o.Gov == "" {
				// A village cadre: the law's heaviest government sanction.
				o.Gov = gov(casework.GovMajorDemerit)
			}
		}
		if cadre && rng.IntN(100) < 12 {
			o.Org = append(o.Org, casework.OrgDemotion)
		}
		funds = 40
	default: // transferred to the procuratorate
		o.Transferred = true
		if sj.PartyMember && rng.IntN(100) < 90 {
			o.Party = casework.PartyExpulsion
		}
		if rng.IntN(100) < 80 {
			o.Gov = gov(casework.GovExpulsion)
		}
		funds = 75
	}
	if rng.IntN(100) < funds {
		// 3,000 to 500,000 yuan, log-uniform, in fen.
		amount := int64(300000 * math.Pow(500000.0/3000.0, rng.Float64()))
		switch rng.IntN(4) {
		case 0:
			o.ConfiscatedFen = amount
		case 1:
			o.OrderedFen = amount
		case 2:
			o.RecoveredFen, o.OrderedFen = amount*2/3, amount-amount*2/3
		default:
			o.RecoveredFen = amount
		}
		if (cat == "subsidies" || cat == "collective_assets") && rng.IntN(100) < 60 {
			o.ReturnedFen = amount * int64(30+rng.IntN(71)) / 100
		}
	}
	if err := o.Validate(sj, d); err != nil {
		return o, fmt.Errorf("demo: outcome of %s: %w", sj.Name, err)
	}
	return o, nil
}
