package demo

import (
	"context"
	"fmt"

	"qingfeng/internal/auth"
	"qingfeng/internal/calendar"
	"qingfeng/internal/oversight"
	"qingfeng/internal/store"
)

// sampleTasks adds 永定区's sample supervision task, the seed's
// 户政服务进驻乡镇便民服务中心, over five townships as the commission's
// leader: started two weeks ago with a weekly rhythm, two milestones and
// two indicators. 天门山镇 (yd_tms) reports progress twice; the other
// townships have no reporting account in the demo, so the board shows them
// behind and the urging worker of a running server urges them. The leader
// records a finding at one township and opens a subsidies campaign
// (惠民惠农补贴专项整治) that links the ledger's subsidy clues.
func (b *builder) sampleTasks(ctx context.Context) error {
	leader, err := b.principal(ctx, "yd_leader")
	if err != nil {
		return err
	}
	tms, err := b.principal(ctx, "yd_tms")
	if err != nil {
		return err
	}
	var targets []int64
	for _, code := range []string{"430802103", "430802001", "430802002", "430802003", "430802004"} {
		u, err := b.a.Store.GetUnitByDivision(ctx, code)
		if err != nil {
			return fmt.Errorf("demo: township %s: %w", code, err)
		}
		targets = append(targets, u.ID)
	}
	today := calendar.DateOf(b.a.Now(), b.a.Loc)
	start := today.AddDays(-14)
	for start.Weekday() != 1 {
		start = start.AddDays(-1)
	}
	end := start.AddDays(11 * 7)
	t, err := b.a.CreateTask(ctx, leader, oversight.TaskInput{Title: "户政服务进驻乡镇便民服务中心", Kind: oversight.KindSupervision,
		Description: "推动户籍、身份证等户政业务进驻乡镇（街道）便民服务中心，就近办理；监督窗口设置、人员到岗和办理情况。",
		TargetIDs:   targets, Rhythm: oversight.RhythmWeekly, Weekday: 5, Start: start.String(), End: end.String(),
		Milestones: []oversight.MilestoneInput{{Title: "制定进驻工作方案", Due: start.AddDays(4).String()},
			{Title: "户政窗口进驻到位并对外办理", Due: start.AddDays(6 * 7).String()}},
		Indicators: []oversight.IndicatorInput{{Name: "办理户政业务", Unit: "件", Target: 300}, {Name: "群众满意度回访", Unit: "人次"}}})
	if err != nil {
		return fmt.Errorf("demo: task: %w", err)
	}
	if t, err = b.a.SetTaskStatus(ctx, leader, t.ID, t.Version, oversight.StatusActive); err != nil {
		return err
	}
	for i, r := range []struct {
		date   calendar.Date
		done   bool
		v1, v2 float64
		note   string
	}{
		{start.AddDays(4), true, 18, 5, "方案已印发，窗口改造启动。"},
		{today, false, 46, 12, "窗口试运行，两名民警每周二、四驻点。"},
	} {
		in := oversight.ReportInput{Date: r.date.String(), Note: r.note,
			Values: map[int64]float64{t.Indicators[0].ID: r.v1, t.Indicators[1].ID: r.v2}}
		if r.done {
			in.MilestonesDone = []int64{t.Milestones[0].ID}
		}
		if _, err := b.a.ReportProgress(ctx, tms, t.ID, in); err != nil {
			return fmt.Errorf("demo: task report %d: %w", i, err)
		}
	}
	if _, err := b.a.AddFinding(ctx, leader, t.ID, oversight.FindingInput{UnitID: targets[1], Title: "便民服务中心户政窗口工作日无人值守",
		Description: "暗访发现工作日上午户政窗口无人值守，群众反映多次往返县城办理。", Category: "conduct"}); err != nil {
		return fmt.Errorf("demo: finding: %w", err)
	}
	c, err := b.a.CreateCampaign(ctx, leader, oversight.CampaignInput{Name: "惠民惠农补贴专项整治", Category: "subsidies",
		Start: fmt.Sprintf("%d-01-01", today.Y), End: fmt.Sprintf("%d-12-31", today.Y),
		Description: "聚焦惠民惠农补贴资金发放中的优亲厚友、截留挪用、虚报冒领等问题。"})
	if err != nil {
		return fmt.Errorf("demo: campaign: %w", err)
	}
	clues, _, err := b.a.Store.ListClues(ctx, leader.ScopeFor(auth.PermClueRead), store.ClueFilter{Category: "subsidies"})
	if err != nil {
		return err
	}
	for _, cl := range clues {
		if err := b.a.LinkCampaign(ctx, leader, c.ID, "clue", cl.ID); err != nil {
			return err
		}
	}
	return nil
}
