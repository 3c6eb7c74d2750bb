package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/auth"
	"qingfeng/internal/clue"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// samples are the steps that add the demo's sample records once the
// organisation and the accounts exist, in order (later workflows build on
// earlier ones' records). Each workflow appends its step; each step goes
// through the app services, acting as the demo users where a workflow needs
// a person (so the records show who did what).
func (b *builder) samples() []func(context.Context) error {
	return []func(context.Context) error{
		b.sampleClues,
		b.samplePairing,
		b.sampleVillage,
		b.sampleRectifications,
		b.sampleTasks,
		b.sampleGranary,
	}
}

// principal resolves a demo account to its principal, for steps that act
// as a user rather than as the system.
func (b *builder) principal(ctx context.Context, username string) (auth.Principal, error) {
	id, ok := b.userIDs[username]
	if !ok {
		return auth.Principal{}, fmt.Errorf("demo: no account %s", username)
	}
	p, err := b.a.Store.Principal(ctx, id, b.a.Today())
	if err != nil {
		return p, fmt.Errorf("demo: principal %s: %w", username, err)
	}
	return p, nil
}

// unitNamed finds a created unit by name under a path (names are unique
// within a county).
func (b *builder) unitNamed(name, under string) (org.Unit, error) {
	for _, u := range b.units {
		if u.Name == name && strings.HasPrefix(u.Path, under) {
			return u, nil
		}
	}
	return org.Unit{}, fmt.Errorf("demo: no unit %s", name)
}

// sampleClue is a demo clue (synthetic facts) and how far it goes.
type sampleClue struct {
	in    clue.Input
	unit  string // the handling unit it is assigned to ("": stays registered)
	owner string // the owner's username
	steps []app.ClueAction
	by    []string // who takes each step
}

// sampleClues registers 永定区's sample clues as its case management office
// and moves them along as the demo users: one awaiting assignment, one
// flagged for the upper level, an inquiry by letter at a township, a
// verification with its team and a measure, and one held by the first
// office that waits for the first area group's consultation meeting,
// which is scheduled (open) for a visitor to decide.
func (b *builder) sampleClues(ctx context.Context) error {
	who := map[string]auth.Principal{}
	for _, u := range []string{"yd_case", "yd_leader", "yd_tms", "yd_office1", "yd_group1"} {
		p, err := b.principal(ctx, u)
		if err != nil {
			return err
		}
		who[u] = p
	}
	subject := func(name, unit, post, level string) clue.Subject {
		return clue.Subject{Name: name, Unit: unit, Post: post, Level: level}
	}
	team := []int64{who["yd_office1"].UserID, who["yd_group1"].UserID}
	samples := []sampleClue{
		{in: clue.Input{Source: clue.SourceInspection, SourceRef: "永巡移〔2026〕2号", Category: "collective_assets", MassInterest: true,
			Content: "区委第二巡察组移交：某村党支部书记在村集体山林承包中未经村民代表大会表决，低价发包给其亲属。",
			Subject: subject("刘某", "某村党支部", "党支部书记", "village")},
			unit: "天门山镇纪委", owner: "yd_tms",
			steps: []app.ClueAction{{Op: clue.OpProposeDisposal, Mode: clue.ModeInquiry, Form: clue.FormLetter,
				Text: "问题较具体但需本人说明情况，拟函询。"}, {Op: clue.OpApproveDisposal},
				{Op: clue.OpSendLetter, Addressee: "刘某", Text: "请就山林承包发包程序作出书面说明。"}},
			by: []string{"yd_tms", "yd_leader", "yd_tms"}},
		{in: clue.Input{Source: clue.SourceAudit, SourceRef: "永审移〔2026〕5号", Category: "subsidies",
			Content: "区审计局移送：某街道2025年度耕地地力保护补贴发放名单中有12人与财政供养人员名单重合。",
			Subject: subject("陈某", "某街道办事处", "农业综合服务中心主任", "township")},
			unit: "第一纪检监察室", owner: "yd_office1",
			steps: []app.ClueAction{{Op: clue.OpProposeDisposal, Mode: clue.ModeVerification, Team: team,
				Text: "调取补贴发放台账和财政供养人员名单，询问经办人员。"}, {Op: clue.OpApproveDisposal},
				{Op: clue.OpAddMeasure, MeasureKind: "copy_records", Text: "调取2025年度补贴发放台账。"}},
			by: []string{"yd_office1", "yd_leader", "yd_office1"}},
		{in: clue.Input{Source: clue.SourceUpperAssignment, SourceRef: "张纪交〔2026〕8号", Category: "conduct",
			Content: "市纪委监委交办：反映某街道干部工作日午间饮酒。", Subject: subject("周某", "某街道办事处", "副主任", "township")},
			unit: "第一纪检监察室", owner: "yd_office1"},
		{in: clue.Input{Source: clue.SourceJudicial, SourceRef: "永公移〔2026〕1号", Category: "farmland",
			Content: "区公安分局移送：某村委会主任涉嫌在耕地上违规建房出租。", Subject: subject("张某", "某村村民委员会", "村委会主任", "village")}},
		{in: clue.Input{Source: clue.SourceOther, Category: "conduct",
			Content: "群众反映某市直单位负责人在本区违规接受宴请。", Subject: subject("赵某", "某市直单位", "主要负责人", "city")}},
	}
	now := b.a.Now()
	for i, s := range samples {
		s.in.ReceivedAt = now.Add(-time.Duration(len(samples)-i) * 24 * time.Hour)
		c, err := b.a.RegisterClue(ctx, who["yd_case"], s.in)
		if err != nil {
			return fmt.Errorf("demo: clue %d: %w", i+1, err)
		}
		if s.unit == "" {
			continue
		}
		u, err := b.unitNamed(s.unit, who["yd_leader"].UnitPath)
		if err != nil {
			return err
		}
		steps := append([]app.ClueAction{{Op: clue.OpProposeAssignment, UnitID: u.ID, OwnerID: who[s.owner].UserID, Text: "按管辖分办。"},
			{Op: clue.OpApproveAssignment}}, s.steps...)
		by := append([]string{"yd_case", "yd_leader"}, s.by...)
		for j, st := range steps {
			if _, err := b.a.ClueAct(ctx, who[by[j]], c.ID, st); err != nil {
				return fmt.Errorf("demo: clue %s %s: %w", c.Number, st.Op, err)
			}
		}
	}
	groups, _, err := b.a.ListAreaGroups(ctx, who["yd_leader"], store.AreaFilter{Page: store.Page{Limit: 200}})
	if err != nil {
		return err
	}
	for _, g := range groups {
		if g.Name == "第一片区" && g.LeaderPersonID == who["yd_leader"].PersonID {
			_, err := b.a.CreateMeeting(ctx, who["yd_office1"], g.ID, clue.MeetingInput{HeldOn: b.a.Today(), Place: "区纪委监委三楼会议室"})
			if err != nil {
				return fmt.Errorf("demo: meeting: %w", err)
			}
		}
	}
	return nil
}
