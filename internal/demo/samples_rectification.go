package demo

import (
	"context"
	"fmt"
	"time"

	"qingfeng/internal/auth"
	"qingfeng/internal/oversight"
)

// sampleRectifications opens 永定区's sample rectifications (synthetic
// facts) as the first office for 天门山镇 and moves them along as the demo
// users: one just issued, one reported with measures awaiting the office's
// verification, and one closed substantively after a satisfied follow-up
// visit.
func (b *builder) sampleRectifications(ctx context.Context) error {
	who := map[string]auth.Principal{}
	for _, u := range []string{"yd_office1", "yd_tms"} {
		p, err := b.principal(ctx, u)
		if err != nil {
			return err
		}
		who[u] = p
	}
	tms, err := b.unitNamed("天门山镇纪委", "/")
	if err != nil {
		return err
	}
	today, err := time.Parse(time.DateOnly, b.a.Today())
	if err != nil {
		return err
	}
	day := func(n int) string { return today.AddDate(0, 0, n).Format(time.DateOnly) }
	samples := []struct {
		in    oversight.RectificationInput
		steps []oversight.RectAction
		by    []string
	}{
		{in: oversight.RectificationInput{Title: "村级财务公开不及时", Problem: "天门山镇部分村2025年第四季度村级财务未按时公开。",
			Required: "限期公开并建立村务公开台账，报送公开照片。", Deadline: day(30)}},
		{in: oversight.RectificationInput{Title: "低保评审程序不规范", Problem: "某村2025年低保评审未召开村民代表会议评议。",
			Required: "重新履行评议程序，结果张榜公示。", Deadline: day(20), PersonConcerned: "群众代表李某"},
			steps: []oversight.RectAction{{Op: oversight.RectOpReport, Text: "已召开村民代表会议重新评议，评审结果已张榜公示7天。"}},
			by:    []string{"yd_tms"}},
		{in: oversight.RectificationInput{Title: "惠农补贴发放台账缺失", Problem: "某村耕地地力保护补贴发放无签收台账。",
			Required: "补建签收台账，逐户核对发放情况。", Deadline: day(15), PersonConcerned: "村民王某"},
			steps: []oversight.RectAction{{Op: oversight.RectOpReport, Text: "已补建签收台账，逐户核对无误。"},
				{Op: oversight.RectOpVerify},
				{Op: oversight.RectOpPass, Text: "实地核查台账完整，回访群众满意。", VisitDate: b.a.Today(), Visitor: "第一纪检监察室 赵艳",
					Satisfaction: oversight.Satisfied}},
			by: []string{"yd_tms", "yd_office1", "yd_office1"}},
	}
	for i, s := range samples {
		s.in.ResponsibleUnitID = tms.ID
		r, err := b.a.CreateRectification(ctx, who["yd_office1"], s.in)
		if err != nil {
			return fmt.Errorf("demo: rectification %d: %w", i+1, err)
		}
		for j, st := range s.steps {
			if r, err = b.a.RectAct(ctx, who[s.by[j]], r.ID, st, nil); err != nil {
				return fmt.Errorf("demo: rectification %d %s: %w", i+1, st.Op, err)
			}
		}
	}
	return nil
}
