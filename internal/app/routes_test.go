package app_test

import (
	"testing"

	"qingfeng/internal/audit"
	"qingfeng/internal/intake"
)

// TestRouteCacheFollowsOrgChanges routes county-cadre reports of a
// 天门山镇 village while the township leaves its area group: the cached
// route is used until the organisation changes, and not after, even at the
// same instant.
func TestRouteCacheFollowsOrgChanges(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		tms := z.unitByCode(t, codeTMS)
		office := z.areaOfficeOf(t, tms)
		desk := z.desk(t, codeYongding)
		routed := func() int64 {
			t.Helper()
			rc, err := z.app.SubmitPublic(ctx, publicSub(codeDaping, intake.LevelCounty), nil)
			must(t, err)
			return z.receiptReport(t, rc.Code).UnitID
		}
		for i := range 3 {
			if got := routed(); got != office.ID {
				t.Fatalf("submission %d: unit %d, want the area office %d", i+1, got, office.ID)
			}
		}
		ms, err := z.store.UnitMemberships(ctx, tms.ID)
		must(t, err)
		ended := 0
		for _, m := range ms {
			if m.Covers(z.app.Today()) {
				must(t, z.store.EndMembership(ctx, audit.Actor{Name: "test"}, m, z.app.Today()))
				ended++
			}
		}
		if ended == 0 {
			t.Fatal("天门山镇 is in no area group today")
		}
		if got := routed(); got != desk.ID {
			t.Errorf("after the township left its area group: unit %d, want the county's desk %d", got, desk.ID)
		}
	})
}
