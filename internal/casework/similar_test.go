package casework_test

import (
	"testing"
	"time"

	"qingfeng/internal/casework"
)

func TestRankSimilar(t *testing.T) {
	village := func(name string) casework.Subject {
		return casework.Subject{Name: name, Rank: "village", Category: casework.CategoryVillageCadre}
	}
	civil := func(name string) casework.Subject {
		return casework.Subject{Name: name, Rank: "general", Category: casework.CategoryCivilServant}
	}
	closed := func(id int64, category, cause, summary string, subjects ...casework.Subject) casework.Case {
		return casework.Case{ID: id, Status: casework.StatusClosed, Category: category, Cause: cause, Summary: summary,
			Subjects: subjects, ClosedAt: time.Date(2026, 1, int(id), 0, 0, 0, 0, time.UTC)}
	}
	target := casework.Case{ID: 1, Status: casework.StatusReview, Category: "subsidies", Cause: "王五截留挪用惠农补贴",
		Summary: "王五任村党支部书记期间，虚报冒领、截留挪用耕地地力保护补贴五万元。", Subjects: []casework.Subject{village("王五")}}

	best := closed(2, "subsidies", "李四截留挪用惠农补贴", "李四任村党支部书记期间，虚报冒领、截留挪用耕地地力保护补贴三万元。", village("李四"))
	sameField := closed(3, "subsidies", "赵六违规发放低保", "赵六优亲厚友，违规为亲属办理低保。", civil("赵六"))
	otherField := closed(4, "banquets", "孙七违规操办婚丧喜庆", "孙七违规操办其子婚宴，收受礼金。", village("孙七"))
	similarFacts := closed(5, "funds", "周八截留挪用惠农补贴", "周八任村党支部书记期间，截留挪用耕地地力保护补贴两万元。", civil("周八"))
	unrelated := closed(6, "banquets", "吴九公车私用", "吴九节假日驾驶公车外出旅游。", civil("吴九"))
	open := best
	open.ID, open.Status = 7, casework.StatusExecution
	self := best
	self.ID = 1

	got := casework.RankSimilar(target, []casework.Case{unrelated, otherField, sameField, similarFacts, best, open, self}, 10)
	var ids []int64
	for _, m := range got {
		ids = append(ids, m.Case.ID)
	}
	want := []int64{2, 5, 3}
	if len(ids) != len(want) {
		t.Fatalf("ranked %v, want %v", ids, want)
	}
	for i := range want {
		if ids[i] != want[i] {
			t.Fatalf("ranked %v, want %v", ids, want)
		}
	}
	codes := func(m casework.SimilarMatch) []string {
		var out []string
		for _, r := range m.Reasons {
			out = append(out, r.Code)
		}
		return out
	}
	for _, tt := range []struct {
		m    casework.SimilarMatch
		want []string
	}{
		{got[0], []string{casework.ReasonSameField, casework.ReasonSameSubjectCategory, casework.ReasonSameRank, casework.ReasonSimilarFacts}},
		{got[1], []string{casework.ReasonSimilarFacts}},
		{got[2], []string{casework.ReasonSameField}},
	} {
		if g := codes(tt.m); len(g) != len(tt.want) || (len(g) > 0 && g[len(g)-1] != tt.want[len(tt.want)-1]) {
			t.Errorf("case %d reasons %v, want %v", tt.m.Case.ID, g, tt.want)
		}
	}
	for _, m := range got {
		t.Logf("case %d score %.3f facts %.3f", m.Case.ID, m.Score, m.Facts)
	}
	if f := got[0].Reasons[3].Value; f < 0.5 || f > 1 || got[0].Score <= got[1].Score {
		t.Errorf("best: facts %v score %v; next %v", f, got[0].Score, got[1].Score)
	}
	// The names do not count: the same facts about other people score 1.
	if s := casework.FactsOf(best).Similarity(casework.FactsOf(casework.Case{Cause: "陈十截留挪用惠农补贴",
		Summary: "陈十任村党支部书记期间，虚报冒领、截留挪用耕地地力保护补贴三万元。", Subjects: []casework.Subject{village("陈十")}})); s < 0.99 {
		t.Errorf("same facts, other names: %v", s)
	}
	if got := casework.RankSimilar(target, []casework.Case{best, sameField, similarFacts}, 1); len(got) != 1 || got[0].Case.ID != 2 {
		t.Errorf("limit 1: %+v", got)
	}
	if casework.FactsOf(casework.Case{}).Similarity(casework.FactsOf(best)) != 0 {
		t.Error("empty facts are similar")
	}
}
