package web_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/clue"
	"qingfeng/internal/monitor"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// TestMonitorRegistryForms: the administrator registers a depot, a bin, a
// gateway and a rotation plan through the registry page's forms (a bad
// code is refused next to the field of the form it was typed in, nothing
// stored); the leader reads the registry without its forms; a gateway
// secret is shown once and signs the gateway's posts.
func TestMonitorRegistryForms(t *testing.T) {
	now := time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)
	clock := testdb.NewClock(now)
	testdb.Each(t, clock.Now, func(t *testing.T, st *store.Store) {
		f := newStatsFixture(t, st, clock)
		ctx := context.Background()
		f.get("yd_admin", "/monitor") // signs in

		rec := f.send("yd_admin", "/monitor/registry/depot", url.Values{"code": {"D 1"}, "name": {"天门山粮库"}, "unit_id": {itoa(f.tms.ID)}})
		body := rec.Body.String()
		if rec.Code != http.StatusUnprocessableEntity && rec.Code != http.StatusBadRequest {
			t.Fatalf("bad code: %d", rec.Code)
		}
		if !strings.Contains(body, "编码只能由字母") || !strings.Contains(body, `value="天门山粮库"`) || !strings.Contains(body, `<details class="card" open><summary>登记粮库`) {
			t.Errorf("the refused depot form is not shown again with its error:\n%s", body)
		}
		if strings.Count(body, "编码只能由字母") != 1 {
			t.Errorf("the error shows in %d forms", strings.Count(body, "编码只能由字母"))
		}
		steps := []struct {
			what string
			form url.Values
		}{
			{"depot", url.Values{"code": {"D1"}, "name": {"天门山粮库"}, "unit_id": {itoa(f.tms.ID)}, "place": {"天门山镇"}}},
		}
		for _, s := range steps {
			if code, loc, flash := f.post("yd_admin", "/monitor/registry/"+s.what, s.form); code != http.StatusSeeOther || loc != "/monitor/registry#depots" || flash != "flash.granaryreg_depot" {
				t.Fatalf("%s: %d %q %q", s.what, code, loc, flash)
			}
		}
		// The demo's sample depot (YD-ZX) is there too: only D1 is looked at.
		reg, err := f.a.Registry(ctx, f.principal("yd_admin"))
		i := slices.IndexFunc(reg.Depots, func(d store.GranaryDepot) bool { return d.Code == "D1" })
		if err != nil || i < 0 || reg.Depots[i].UnitName != f.tms.Name || reg.Depots[i].Address != "天门山镇" {
			t.Fatalf("registry %+v %v", reg.Depots, err)
		}
		depot := itoa(reg.Depots[i].ID)
		if code, loc, _ := f.post("yd_admin", "/monitor/registry/bin", url.Values{"depot_id": {depot}, "code": {"P03"}, "grain_kind": {"wheat"},
			"capacity_kg": {"5,000,000"}, "book_kg": {"1000000"}}); code != http.StatusSeeOther || loc != "/monitor/registry#bins" {
			t.Fatalf("bin: %d %q", code, loc)
		}
		reg, _ = f.a.Registry(ctx, f.principal("yd_admin"))
		reg = onlyDepot(reg, "D1")
		if len(reg.Bins) != 1 || reg.Bins[0].Bin.CapacityKG != 5_000_000 || reg.Bins[0].Bin.BookKG != 1_000_000 {
			t.Fatalf("bins %+v", reg.Bins)
		}
		bin := itoa(reg.Bins[0].Bin.ID)
		for _, d := range []url.Values{
			{"depot_id": {depot}, "code": {"GW1"}, "kind": {"gateway"}, "name": {"库区网关"}},
			{"depot_id": {depot}, "bin_id": {bin}, "code": {"T01"}, "kind": {"sensor"}},
		} {
			if code, loc, _ := f.post("yd_admin", "/monitor/registry/device", d); code != http.StatusSeeOther || loc != "/monitor/registry#devices" {
				t.Fatalf("device %v: %d %q", d, code, loc)
			}
		}
		rec = f.send("yd_admin", "/monitor/registry/plan", url.Values{"bin_id": {bin}, "direction": {"out"}, "from": {"2026-06-20"}, "to": {"2026-06-01"}})
		if rec.Code == http.StatusSeeOther || !strings.Contains(rec.Body.String(), "结束日期不能早于开始日期") {
			t.Fatalf("plan with reversed dates: %d", rec.Code)
		}
		if code, _, _ := f.post("yd_admin", "/monitor/registry/plan", url.Values{"bin_id": {bin}, "direction": {"out"}, "from": {"2026-06-01"},
			"to": {"2026-06-20"}, "quantity_kg": {"200000"}, "note": {"夏粮轮出"}}); code != http.StatusSeeOther {
			t.Fatalf("plan: %d", code)
		}
		reg, _ = f.a.Registry(ctx, f.principal("yd_admin"))
		reg = onlyDepot(reg, "D1")
		if len(reg.Devices) != 2 || len(reg.Plans) != 1 || reg.Plans[0].Direction != monitor.DirOut || reg.Plans[0].BinCode != "P03" {
			t.Fatalf("devices %+v plans %+v", reg.Devices, reg.Plans)
		}

		code, page := f.get("yd_leader", "/monitor/registry")
		if code != http.StatusOK || !strings.Contains(page, "天门山粮库") || !strings.Contains(page, "夏粮轮出") || !strings.Contains(page, "库区网关") ||
			strings.Contains(page, `action="/monitor/registry/depot"`) || strings.Contains(page, "签发密钥") {
			t.Errorf("leader's registry %d:\n%s", code, page)
		}
		if code, page := f.get("yd_village", "/monitor/registry"); code != http.StatusForbidden || strings.Contains(page, "天门山粮库") {
			t.Errorf("a village user reads the registry: %d", code)
		}

		var gw int64
		for _, d := range reg.Devices {
			if d.Code == "GW1" {
				gw = d.ID
			}
		}
		rec = f.send("yd_admin", fmt.Sprintf("/monitor/devices/%d/secret", gw), url.Values{})
		m := regexp.MustCompile(`id="gateway-secret" class="wrap">([0-9a-f]{64})<`).FindStringSubmatch(rec.Body.String())
		if rec.Code != http.StatusOK || m == nil || !strings.Contains(rec.Body.String(), "D1/GW1") || rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("secret page %d:\n%s", rec.Code, rec.Body.String())
		}
		raw := []byte(`{"v":1,"id":"t1","device":"T01","depot":"D1","bin":"P03","kind":"reading","at":"2026-06-15T01:00:00Z","reading":{"temp_unit":"C","temps":[18.5,19],"humidity_pct":60}}`)
		mac := hmac.New(sha256.New, mustHex(t, m[1]))
		mac.Write(raw)
		if res, err := f.a.IngestSigned(ctx, "D1/GW1", hex.EncodeToString(mac.Sum(nil)), raw); err != nil || res.EventRowID == 0 {
			t.Fatalf("signed post with the shown secret: %+v %v", res, err)
		}
		if _, page := f.get("yd_admin", "/monitor/registry"); !strings.Contains(page, "重新签发") {
			t.Errorf("the gateway does not show its issued secret")
		}
	})
}

// TestMonitorAlertToClue: the leader opens an alert's clue form, is
// refused without a subject (the form comes back with the error), then
// registers the clue and lands on it; the alert is closed as a clue.
func TestMonitorAlertToClue(t *testing.T) {
	now := time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)
	clock := testdb.NewClock(now)
	testdb.Each(t, clock.Now, func(t *testing.T, st *store.Store) {
		f := newStatsFixture(t, st, clock)
		ctx := context.Background()
		_, id := f.nightAlert(now)
		path := fmt.Sprintf("/monitor/alerts/%d/clue", id)
		if _, page := f.get("yd_leader", "/monitor"); !strings.Contains(page, `href="`+path+`"`) {
			t.Fatalf("no clue link on the alert")
		}
		code, page := f.get("yd_leader", path)
		if code != http.StatusOK || !strings.Contains(page, "疑似擅自动用") || !strings.Contains(page, "1 条证据事件") {
			t.Fatalf("clue form %d:\n%s", code, page)
		}
		rec := f.send("yd_leader", path, url.Values{"version": {"1"}, "subject_level": {"township"}, "category": {"subsidies"}})
		if rec.Code == http.StatusSeeOther || !strings.Contains(rec.Body.String(), "has-error") {
			t.Fatalf("without a subject: %d", rec.Code)
		}
		if al, _ := f.a.GranaryAlert(ctx, f.principal("yd_leader"), id); al.Status != monitor.AlertOpen {
			t.Fatalf("a refused form moved the alert: %s", al.Status)
		}
		code, loc, flash := f.post("yd_leader", path, url.Values{"version": {"1"}, "subject_name": {"王五"}, "subject_unit": {"天门山粮库"},
			"subject_post": {"保管员"}, "subject_level": {"township"}, "category": {"subsidies"}})
		if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/clues/") || flash != "flash.clue_registered" {
			t.Fatalf("to clue: %d %q %q", code, loc, flash)
		}
		clueID, _ := strconv.ParseInt(strings.TrimPrefix(loc, "/clues/"), 10, 64)
		c, err := st.GetClue(ctx, clueID)
		if err != nil || c.Source != clue.SourceAlert || c.SourceID != id || c.Subject.Name != "王五" || !strings.Contains(c.Content, "m1") {
			t.Fatalf("clue %+v %v", c, err)
		}
		if al, _ := f.a.GranaryAlert(ctx, f.principal("yd_leader"), id); al.Status != monitor.AlertClue || al.ClueID != clueID {
			t.Fatalf("alert after: %+v", al)
		}
	})
}

// onlyDepot keeps the bins, devices and plans of one depot of a registry.
func onlyDepot(g app.GranaryRegistry, code string) app.GranaryRegistry {
	g.Bins = slices.DeleteFunc(g.Bins, func(b store.GranaryBin) bool { return b.DepotCode != code })
	g.Devices = slices.DeleteFunc(g.Devices, func(d store.GranaryDevice) bool { return d.DepotCode != code })
	g.Plans = slices.DeleteFunc(g.Plans, func(p store.GranaryPlan) bool { return p.DepotCode != code })
	return g
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
