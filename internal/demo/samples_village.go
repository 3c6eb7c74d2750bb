package demo

import (
	"context"
	"fmt"
	"time"

	"qingfeng/internal/oversight"
)

// sampleVillage logs a few weeks of 大坪村's village work as its village
// discipline member (yd_village, synthetic): integrity supervision
// sessions, visits, and demands at every stage (one confirmed by the
// person, one forwarded to a department, one open that a visitor may turn
// into a report).
func (b *builder) sampleVillage(ctx context.Context) error {
	p, err := b.principal(ctx, "yd_village")
	if err != nil {
		return err
	}
	today, err := time.Parse(time.DateOnly, b.a.Today())
	if err != nil {
		return err
	}
	day := func(n int) string { return today.AddDate(0, 0, -n).Format(time.DateOnly) }
	entries := []struct {
		in    oversight.Input
		steps []oversight.Act
	}{
		{in: oversight.Input{Kind: oversight.KindSession, Date: day(20), People: 9, Place: "村部会议室",
			Summary: "列席村“两委”会议，监督2026年第一季度村级财务收支公开和一事一议项目决策程序。", Topics: []string{"finance", "decisions"}}},
		{in: oversight.Input{Kind: oversight.KindSession, Date: day(9), People: 6, Place: "村部",
			Summary: "参加低保对象民主评议，核对评议名单与公示名单一致。", Topics: []string{"relief", "disclosure"}}},
		{in: oversight.Input{Kind: oversight.KindVisit, Date: day(15), People: 7, Names: "独居老人、脱贫户", Place: "大坪村三组",
			Summary: "走访脱贫户和独居老人，了解产业奖补和高龄津贴发放情况。"}},
		{in: oversight.Input{Kind: oversight.KindVisit, Date: day(4), People: 12, Place: "大坪村一组、二组",
			Summary: "走访党员群众，宣传惠民惠农补贴政策和举报渠道。"}},
		{in: oversight.Input{Kind: oversight.KindDemand, Date: day(14), DemandKind: oversight.DemandDifficulty, Person: "村民甲",
			Summary: "三组灌溉水渠堵塞，春耕用水困难。"},
			steps: []oversight.Act{{Op: oversight.OpForward, Department: "镇农业综合服务中心"},
				{Op: oversight.OpResolve, Note: "镇农业综合服务中心组织清淤，已恢复通水。"}, {Op: oversight.OpConfirm, Note: "回访本人，表示满意。"}}},
		{in: oversight.Input{Kind: oversight.KindDemand, Date: day(6), DemandKind: oversight.DemandPetition, Person: "村民乙",
			Summary: "反映本人2025年耕地地力保护补贴未到账。", Due: day(0)},
			steps: []oversight.Act{{Op: oversight.OpForward, Department: "镇财政所"}}},
		{in: oversight.Input{Kind: oversight.KindDemand, Date: day(1), DemandKind: oversight.DemandPetition, Person: "村民丙",
			Summary: "群众反映村某干部在危房改造补助评定中优亲厚友。"}},
	}
	for i, s := range entries {
		s.in.ClientID = fmt.Sprintf("demo-village-%02d", i+1)
		e, _, err := b.a.LogVillage(ctx, p, s.in)
		if err != nil {
			return fmt.Errorf("demo: village entry %d: %w", i+1, err)
		}
		for _, act := range s.steps {
			if e, err = b.a.ActVillage(ctx, p, e.ID, act); err != nil {
				return fmt.Errorf("demo: village entry %d %s: %w", i+1, act.Op, err)
			}
		}
	}
	return nil
}
