package demo

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"strings"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/dedup"
	"qingfeng/internal/intake"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// This file generates the reports (信访举报) of the province-scale demo
// (ProvinceOptions.Reports): spread evenly over the period and over the
// townships, received by the county commission (its petition office holds
// them) or by the township commission, through the intake channels, mostly
// accusations, with the key field, subject and text of a real message
// (ProvinceOptions.Messages) and its reply as the handling result. By age
// they are registered, accepted, handled by the township commission or one
// of the county's offices, and closed (most); some were declined or
// forwarded outside. Real-name reports carry a sealed synthetic identity,
// the acceptance notice and the result feedback (the ciphertexts differ
// between runs; everything else follows the seed). Bands and search
// entries are written as registration writes them.

// reportChannels are the channels with weights (of 100).
var reportChannels = []weighted{{string(intake.ChannelWeb), 30}, {string(intake.ChannelLetter), 17}, {string(intake.ChannelVisit), 11},
	{string(intake.ChannelPhone), 10}, {string(intake.ChannelHotline), 12}, {string(intake.ChannelOpinion), 4},
	{string(intake.ChannelVillage), 11}, {string(intake.ChannelTransfer), 5}}

// reportKinds are the kinds with weights (of 100).
var reportKinds = []weighted{{string(intake.KindAccusation), 82}, {string(intake.KindAppeal), 10}, {string(intake.KindSuggestion), 8}}

const (
	reportDeclined = "反映事项不属于纪检监察机关受理范围，已告知向有关部门反映"
	reportOutside  = "属于其他机关职责范围，已转有关机关办理"
	reportResult   = "经调查核实，反映问题部分属实，已督促相关单位整改，并对相关责任人进行批评教育。"
)

// reports yields the generated reports in order of receipt.
func (b *provinceBuilder) reports(o ProvinceOptions, texts *clueTexts, progress func(string)) iter.Seq2[store.BulkReport, error] {
	return func(yield func(store.BulkReport, error) bool) {
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
		if len(all) == 0 || o.Reports == 0 {
			return
		}
		now := b.a.Now()
		rng := rand.New(rand.NewPCG(o.Seed, 0x4f1bbcdcbfa53e0b))
		step := now.Sub(b.from) / time.Duration(o.Reports)
		dups := map[int]reportDup{} // by message: the texts repeat
		for i := range o.Reports {
			received := b.from.Add(step*time.Duration(i) + time.Duration(rng.Int64N(int64(max(step, 1))))).UTC().Truncate(time.Second)
			tr := all[rng.IntN(len(all))]
			br, err := b.report(rng, now, received, tr.c, tr.t, texts, dups)
			if !yield(br, err) || err != nil {
				return
			}
			if (i+1)%50000 == 0 {
				progress(fmt.Sprintf("reports: %d of %d generated", i+1, o.Reports))
			}
		}
	}
}

// report makes one report received at received about township ti of
// county c.
func (b *provinceBuilder) report(rng *rand.Rand, now, received time.Time, c *pCounty, ti int, texts *clueTexts,
	dups map[int]reportDup) (store.BulkReport, error) {
	t := c.townships[ti]
	channel := intake.Channel(pick(rng, reportChannels))
	receiving, desk, short, operator := c.unit, c.petition, c.short, c.caseMgr
	if channel == intake.ChannelVillage || rng.IntN(100) < 12 {
		receiving, desk, short, operator = t.unit, t.unit, string([]rune(t.unit.Name)[:1]), 0
		if ti == 0 {
			operator = c.township
		}
	}
	if channel == intake.ChannelWeb {
		operator = 0
	}
	cat := pick(rng, categoryWeights)
	village := t.villages[rng.IntN(len(t.villages))]
	subj := intake.Subject{Name: randName(rng)}
	switch r := rng.IntN(100); {
	case r < 58:
		subj.Level, subj.Unit, subj.Post = intake.LevelVillage, village+"村（居）民委员会", pPosts[rng.IntN(len(pPosts))]
	case r < 88:
		subj.Level, subj.Unit, subj.Post = intake.LevelTownship, strings.TrimSuffix(strings.TrimSuffix(t.unit.Name, "纪工委"), "纪委"),
			pTownPost[rng.IntN(len(pTownPost))]
	case r < 96:
		subj.Level, subj.Unit, subj.Post = intake.LevelCounty, strings.TrimSuffix(c.unit.Name, "纪委监委")+"农业农村局", "副局长"
	default:
		subj.Level, subj.Unit, subj.Post = intake.LevelOther, village+"建筑工程队", "负责人"
	}
	issue := issues[cat][rng.IntN(len(issues[cat]))]
	title := "反映" + subj.Unit + subj.Post + subj.Name + issue + "问题"
	content := fmt.Sprintf("反映%s%s%s%s。该问题自%d年以来一直存在，涉及金额约%d元，群众意见较大，请求调查处理。",
		subj.Unit, subj.Post, subj.Name, issue, received.In(b.a.Loc).Year()-rng.IntN(3), 1000*(1+rng.IntN(300)))
	result, k := reportResult, -1
	if len(texts.titles) > 0 {
		k = rng.IntN(len(texts.titles))
		title, content = texts.titles[k], texts.contents[k]
		if texts.replies[k] != "" {
			result = texts.replies[k]
		}
	}
	r := intake.Report{ReceivedUnitID: receiving.ID, UnitID: desk.ID, UnitPath: desk.Path, Kind: intake.Kind(pick(rng, reportKinds)),
		Channel: channel, Status: intake.StatusReceived, Title: firstRunes(title, intake.MaxTitle), Content: content, Category: cat,
		DivisionCode: t.unit.DivisionCode, Subject: subj, Anonymous: channel == intake.ChannelOpinion || rng.IntN(100) < 45,
		Collective: rng.IntN(100) < 3, OperatorUserID: operator, ReceivedAt: received}
	if !r.Anonymous {
		phone := fmt.Sprintf("1%d%09d", 3+rng.IntN(7), rng.IntN(1000000000))
		sealed, err := b.a.SealReporter(intake.Reporter{Name: randName(rng), Phone: phone})
		if err != nil {
			return store.BulkReport{}, fmt.Errorf("demo: seal reporter: %w", err)
		}
		r.Sealed = sealed
	}
	br := store.BulkReport{NumberFmt: app.ReportNumberFmt, ShortName: short}
	d, ok := dups[k]
	if !ok {
		d = reportDupOf(r)
		if k >= 0 {
			dups[k] = d
		}
	}
	br.Bands, br.Fingerprint = d.bands, d.fp
	ev := func(action string, from, to intake.Status, unit org.Unit, at time.Time, note string) {
		br.Events = append(br.Events, intake.Event{Action: action, FromStatus: from, ToStatus: to, UnitID: unit.ID, UserID: operator,
			Note: note, At: at})
	}
	ev("register", "", intake.StatusReceived, desk, received, string(channel))
	// Milestones: accepted (or declined, or forwarded outside) after 1-7
	// days, handed to the handling unit 0-3 days later, closed after 10-90
	// days of handling.
	decided := received.Add(time.Duration(1+rng.IntN(7))*day + time.Duration(rng.IntN(8))*time.Hour)
	handled := decided.Add(time.Duration(rng.IntN(4)) * day)
	closed := handled.Add(time.Duration(10+rng.IntN(81)) * day)
	handler := t.unit
	if receiving.ID == c.unit.ID && rng.IntN(100) < 40 {
		handler = c.handlers[rng.IntN(len(c.handlers))]
	}
	if now.Before(decided) {
		br.Report = r
		return br, nil
	}
	switch x := rng.IntN(100); {
	case x < 5:
		r.Status, r.DeclineReason = intake.StatusDeclined, reportDeclined
		ev("decline", intake.StatusReceived, intake.StatusDeclined, desk, decided, reportDeclined)
		br.Report = r
		return br, nil
	case x < 9:
		r.Status, r.RouteReason = intake.StatusForwarded, reportOutside
		ev("forward", intake.StatusReceived, intake.StatusForwarded, desk, decided, reportOutside)
		br.Report = r
		return br, nil
	}
	r.Status, r.AcceptedAt = intake.StatusAccepted, decided
	ev("accept", intake.StatusReceived, intake.StatusAccepted, desk, decided, "")
	if !r.Anonymous {
		r.NoticeAt = decided.Add(time.Duration(rng.IntN(48)) * time.Hour)
		if r.NoticeAt.After(now) {
			r.NoticeAt = time.Time{}
		}
	}
	if now.Before(handled) {
		br.Report = r
		return br, nil
	}
	r.Status, r.UnitID, r.UnitPath = intake.StatusHandling, handler.ID, handler.Path
	ev("assign", intake.StatusAccepted, intake.StatusHandling, handler, handled, handler.Name)
	if now.Before(closed) {
		br.Report = r
		return br, nil
	}
	r.Status, r.ClosedAt, r.Result = intake.StatusClosed, closed, firstRunes(result, 500)
	ev("close", intake.StatusHandling, intake.StatusClosed, handler, closed, "")
	if fb := closed.Add(time.Duration(1+rng.IntN(10)) * day); !r.Anonymous && fb.Before(now) {
		r.FeedbackAt = fb
	}
	br.Report = r
	return br, nil
}

// reportDup is what registration keeps of a report for the
// near-duplicate check (app.dupText): the MinHash bands and the
// fingerprint (stored form) of the normalised title and content.
type reportDup struct {
	bands []int64
	fp    []byte
}

func reportDupOf(r intake.Report) reportDup {
	sh := dedup.Shingles(dedup.Normalize(r.Title+"\n"+r.Content), dedup.ShingleSize)
	return reportDup{bands: dedup.BandHashes(dedup.Sign(sh)), fp: dedup.FingerprintOf(sh).Bytes()}
}
