package demo

import (
	"context"
	"fmt"
	"time"

	"qingfeng/internal/org"
	"qingfeng/internal/oversight"
)

// samplePairing pairs 永定区's first office with 天门山镇纪委 from the
// start of the year with two guidance records, and records a drill (岗位练兵)
// held last week with the township's staff, as the commission's leader.
func (b *builder) samplePairing(ctx context.Context) error {
	leader, err := b.principal(ctx, "yd_leader")
	if err != nil {
		return err
	}
	office, err := b.principal(ctx, "yd_office1")
	if err != nil {
		return err
	}
	tms, err := b.principal(ctx, "yd_tms")
	if err != nil {
		return err
	}
	town, err := b.a.Store.GetUnit(ctx, tms.UnitID)
	if err != nil {
		return err
	}
	if town.Kind != org.KindTownship {
		return fmt.Errorf("demo: yd_tms is not at a township commission")
	}
	today := b.a.Today()
	start := today[:4] + "-01-01"
	pr, err := b.a.CreatePairing(ctx, leader, oversight.Pairing{Kind: oversight.PairOffice, MentorUnitID: office.UnitID,
		TownshipID: town.ID, From: start, Note: "室地结对：第一纪检监察室联系天门山镇纪委，指导问题线索处置和案件办理。"})
	if err != nil {
		return fmt.Errorf("demo: pairing: %w", err)
	}
	day := func(back int) string {
		d := b.a.Now().In(b.a.Loc).AddDate(0, 0, -back).Format(time.DateOnly)
		if d < start {
			return start
		}
		return d
	}
	for _, g := range []oversight.Guidance{
		{Day: day(20), Kind: oversight.GuideCase, Topic: "指导制定初核方案", Content: "对群众反映村干部截留补贴问题，指导明确核查重点和调取资料清单。"},
		{Day: day(6), Kind: oversight.GuideReview, Topic: "案卷评查", Content: "评查2件已结案卷，指出谈话笔录签字和证据目录问题。"},
	} {
		if _, err := b.a.AddGuidance(ctx, office, pr.ID, g); err != nil {
			return fmt.Errorf("demo: guidance: %w", err)
		}
	}
	tr, err := b.a.CreateTraining(ctx, leader, oversight.Training{Kind: oversight.TrainDrill, Title: "岗位练兵：谈话笔录制作", Day: day(7),
		Place: "永定区纪委监委三楼会议室"}, []int64{tms.PersonID, office.PersonID})
	if err != nil {
		return fmt.Errorf("demo: training: %w", err)
	}
	return b.a.RecordAttendance(ctx, leader, tr.ID, []oversight.Attendance{{PersonID: tms.PersonID, Attended: true, Score: 88},
		{PersonID: office.PersonID, Attended: true, Score: 93}})
}
