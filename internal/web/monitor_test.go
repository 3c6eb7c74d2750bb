package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/monitor"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// TestMonitorPage: the leader sees the bins with their book stock and the
// alert with its explanation and evidence, acknowledges and dismisses it;
// the administrator sees the dead letters, the leader does not; a village
// user has no page.
func TestMonitorPage(t *testing.T) {
	now := time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)
	clock := testdb.NewClock(now)
	testdb.Each(t, clock.Now, func(t *testing.T, st *store.Store) {
		f := newStatsFixture(t, st, clock)
		ctx := context.Background()
		depotID, _ := f.nightAlert(now)
		if _, err := f.a.IngestEvent(ctx, []byte(`{"v":1,"kind":"movement"}`), app.SourceMQTT); err != nil {
			t.Fatal(err)
		}

		code, body := f.get("yd_leader", "/monitor")
		if code != http.StatusOK || !strings.Contains(body, "天门山粮库") || !strings.Contains(body, "975000") ||
			!strings.Contains(body, "疑似擅自动用") || !strings.Contains(body, "不在任何轮换计划") || !strings.Contains(body, "没有出入库单据") ||
			!strings.Contains(body, "<td>m1</td>") || strings.Contains(body, "死信") {
			t.Fatalf("leader page %d:\n%s", code, body)
		}
		alerts, err := f.a.GranaryAlerts(ctx, f.principal("yd_leader"), "", 10)
		alerts = slices.DeleteFunc(alerts, func(al store.GranaryAlert) bool { return al.DepotID != depotID }) // not the demo depot's
		if err != nil || len(alerts) != 1 {
			t.Fatalf("alerts %+v %v", alerts, err)
		}
		act := fmt.Sprintf("/monitor/alerts/%d/act", alerts[0].ID)
		if code, loc, _ := f.post("yd_leader", act, url.Values{"op": {"ack"}, "version": {"1"}}); code != http.StatusSeeOther || loc != "/monitor" {
			t.Fatalf("ack %d %q", code, loc)
		}
		if code, _, _ := f.post("yd_leader", act, url.Values{"op": {"dismiss"}, "version": {"2"}, "reason": {"夜间抢运，已补单据"}}); code != http.StatusSeeOther {
			t.Fatalf("dismiss %d", code)
		}
		got, err := f.a.GranaryAlerts(ctx, f.principal("yd_leader"), monitor.AlertDismissed, 10)
		if err != nil || len(got) != 1 || got[0].Reason != "夜间抢运，已补单据" {
			t.Fatalf("dismissed %+v %v", got, err)
		}
		if _, body := f.get("yd_leader", "/monitor"); strings.Contains(body, "<td>m1</td>") {
			t.Errorf("a dismissed alert still listed")
		}

		code, body = f.get("yd_admin", "/monitor")
		if code != http.StatusOK || !strings.Contains(body, "死信") || !strings.Contains(body, "<code>missing</code>") {
			t.Errorf("admin page %d:\n%s", code, body)
		}
	})
}

// nightAlert registers 天门山粮库 (D1) with bin P03 and weighbridge S01
// at 天门山镇 and feeds it a movement of 25 t out at 02:00 China time (now
// minus 8 hours: no plan, no ticket), which opens one alert. It returns
// the depot's and the alert's ids.
func (f *statsFixture) nightAlert(now time.Time) (depotID, alertID int64) {
	f.t.Helper()
	ctx := context.Background()
	admin := f.principal("yd_admin")
	d, err := f.a.CreateDepot(ctx, admin, monitor.Depot{Code: "D1", Name: "天门山粮库", UnitID: f.tms.ID})
	if err != nil {
		f.t.Fatal(err)
	}
	b, err := f.a.CreateBin(ctx, admin, monitor.Bin{DepotID: d.ID, Code: "P03", CapacityKG: 5_000_000, GrainKind: "wheat", BookKG: 1_000_000})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.a.CreateDevice(ctx, admin, monitor.Device{DepotID: d.ID, BinID: b.ID, Code: "S01", Kind: monitor.DeviceScale}); err != nil {
		f.t.Fatal(err)
	}
	raw := fmt.Sprintf(`{"v":1,"id":"m1","device":"S01","depot":"D1","bin":"P03","kind":"movement","at":%q,"movement":{"direction":"out","weight":25,"unit":"t"}}`,
		now.Add(-8*time.Hour).Format(time.RFC3339))
	r, err := f.a.IngestEvent(ctx, []byte(raw), app.SourceMQTT)
	if err != nil || len(r.Alerts) != 1 {
		f.t.Fatalf("ingest %+v %v", r, err)
	}
	return d.ID, r.Alerts[0]
}
