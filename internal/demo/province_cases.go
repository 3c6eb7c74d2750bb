package demo

import (
	"fmt"
	"iter"
	"math/rand/v2"
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
		step := now.Sub(b.from) / time.Duration(o.Cases)
		for i := range o.Cases {
			created := b.from.Add(step*time.Duration(i) + time.Duration(rng.Int64N(int64(max(step, 1))))).UTC().Truncate(time.Second)
			tr := all[rng.IntN(len(all))]
			bc, err := b.oneCase(rng, now, created, tr.c, tr.t)
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
func (b *provinceBuilder) oneCase(rng *rand.Rand, now, created time.Time, c *pCounty, ti int) (store.BulkCase, error) {
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
			cs.Subjects[j].Form = casework.Form(1 + min(rng.IntN(100)/30, 3)) // 1: 30 %, 2: 30 %, 3: 30 %, 4: 10 %
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
