package app_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/clue"
	"qingfeng/internal/monitor"
)

// granary registers depot D1 under township T1 with bin B1 (book stock
// 1,000 t), a scale S01, a stock meter L01 and an outbound rotation plan
// for the second half of March.
func granary(t *testing.T, f *fixture) (monitor.Depot, monitor.Bin, monitor.Device) {
	t.Helper()
	admin := f.principals["admina"]
	d, err := f.app.CreateDepot(ctx, admin, monitor.Depot{Code: "D1", Name: "城北粮库", UnitID: f.units["T1"].ID})
	must(t, err)
	b, err := f.app.CreateBin(ctx, admin, monitor.Bin{DepotID: d.ID, Code: "B1", CapacityKG: 5_000_000, GrainKind: "paddy", BookKG: 1_000_000})
	must(t, err)
	s, err := f.app.CreateDevice(ctx, admin, monitor.Device{DepotID: d.ID, BinID: b.ID, Code: "S01", Kind: monitor.DeviceScale})
	must(t, err)
	_, err = f.app.CreateDevice(ctx, admin, monitor.Device{DepotID: d.ID, BinID: b.ID, Code: "L01", Kind: monitor.DeviceSensor})
	must(t, err)
	_, err = f.app.CreateRotationPlan(ctx, admin, monitor.RotationPlan{BinID: b.ID, Direction: monitor.DirOut, From: "2026-03-16", To: "2026-03-31"})
	must(t, err)
	return d, b, s
}

func moveRaw(id string, at time.Time, dir string, tonnes float64, ticket string) []byte {
	return fmt.Appendf(nil, `{"v":1,"id":%q,"device":"S01","depot":"D1","bin":"B1","kind":"movement","at":%q,
		"movement":{"direction":%q,"weight":%v,"unit":"t","plate":"湘A12345","ticket":%q}}`, id, at.Format(time.RFC3339), dir, tonnes, ticket)
}

func measuredRaw(id string, at time.Time, tonnes float64) []byte {
	return fmt.Appendf(nil, `{"v":1,"id":%q,"device":"L01","depot":"D1","bin":"B1","kind":"measured","at":%q,
		"measured":{"weight":%v,"unit":"t","method":"laser"}}`, id, at.Format(time.RFC3339), tonnes)
}

func TestGranaryRegistry(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		d, _, _ := granary(t, f)
		if d.UnitPath != f.units["T1"].Path {
			t.Errorf("depot path %q", d.UnitPath)
		}
		// Another county's administrator does not reach T1; a leader may not register.
		_, err := f.app.CreateDepot(ctx, f.principals["adminb"], monitor.Depot{Code: "D2", Name: "x", UnitID: f.units["T1"].ID})
		wantCode(t, err, apperr.NotFound, "", nil)
		_, err = f.app.CreateDepot(ctx, f.principals["leadera"], monitor.Depot{Code: "D2", Name: "x", UnitID: f.units["T1"].ID})
		wantCode(t, err, apperr.Forbidden, "", nil)
		_, err = f.app.CreateBin(ctx, f.principals["adminb"], monitor.Bin{DepotID: d.ID, Code: "B9", CapacityKG: 1, GrainKind: "wheat"})
		wantCode(t, err, apperr.NotFound, "", nil)
		_, err = f.app.CreateBin(ctx, f.principals["admina"], monitor.Bin{DepotID: d.ID, Code: "B1", CapacityKG: 1, GrainKind: "wheat"})
		wantCode(t, err, apperr.Conflict, "", nil)
		_, err = f.app.CreateDevice(ctx, f.principals["admina"], monitor.Device{DepotID: d.ID, BinID: 999, Code: "X1", Kind: monitor.DeviceCamera})
		wantCode(t, err, apperr.Invalid, "", nil)
	})
}

// TestGranaryIngest: events stored once with their hash, replays
// acknowledged, malformed and unregistered payloads kept with their
// reason, book stock moved by movements in any arrival order, and each
// anomaly opening one alert with its evidence.
func TestGranaryIngest(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		_, b, scale := granary(t, f)
		book := func(want int64) {
			t.Helper()
			got, err := f.store.GetBin(ctx, b.ID)
			must(t, err)
			if got.BookKG != want {
				t.Fatalf("book stock %d, want %d", got.BookKG, want)
			}
		}
		ingest := func(raw []byte) app.IngestResult {
			t.Helper()
			r, err := f.app.IngestEvent(ctx, raw, app.SourceMQTT)
			must(t, err)
			return r
		}

		// A planned outbound movement at 09:00 with a ticket: stored, no alert.
		m1 := moveRaw("m1", t0.Add(-time.Hour), "out", 30, "CK-1")
		r := ingest(m1)
		if r.Duplicate || r.EventRowID == 0 || r.DeadLetter != 0 || len(r.Alerts) != 0 {
			t.Fatalf("m1: %+v", r)
		}
		book(970_000)
		// The replay (QoS 1 redelivery) is acknowledged and not stored twice.
		if r := ingest(m1); !r.Duplicate || r.EventRowID != 0 {
			t.Fatalf("replay: %+v", r)
		}
		if n, err := f.store.CountGranaryEvents(ctx, scale.ID); err != nil || n != 1 {
			t.Fatalf("stored %d (%v), want 1", n, err)
		}
		book(970_000)

		// Rejected payloads are kept with their reason.
		bad := []struct {
			raw    []byte
			reason string
		}{
			{[]byte(`{"v":1,"id":"m2","device":"S01","depot":"D1","bin":"B1","kind":"movement","at":"2026-03-16T01:00:00Z","movement":{"direction":"in","weight":3,"unit":"lb"}}`), monitor.ReasonUnit},
			{[]byte(`not json`), monitor.ReasonJSON},
			{[]byte(`{"v":1,"id":"x","device":"NOPE","depot":"D1","kind":"status","at":"2026-03-16T01:00:00Z","status":{"health":"ok"}}`), app.ReasonUnregistered},
			{moveRaw("m3", t0.Add(time.Hour), "in", 3, "RK-3"), monitor.ReasonFuture},
		}
		for _, c := range bad {
			r := ingest(c.raw)
			if r.DeadLetter == 0 || r.Reason != c.reason || r.EventRowID != 0 {
				t.Errorf("%s: %+v, want a dead letter %q", c.raw, r, c.reason)
			}
		}
		dl, err := f.app.DeadLetters(ctx, f.principals["admina"], 10)
		must(t, err)
		if len(dl) != len(bad) || dl[0].Reason != monitor.ReasonFuture || dl[3].Reason != monitor.ReasonUnit || string(dl[2].Payload) != "not json" {
			t.Fatalf("dead letters %+v", dl)
		}
		_, err = f.app.DeadLetters(ctx, f.principals["leadera"], 10)
		wantCode(t, err, apperr.Forbidden, "", nil)
		book(970_000)

		// An inbound movement no plan covers: suspected unauthorised use,
		// one alert however often it arrives.
		m5 := moveRaw("m5", t0.Add(-30*time.Minute), "in", 10, "RK-5")
		if r := ingest(m5); len(r.Alerts) != 1 {
			t.Fatalf("m5: %+v", r)
		}
		if r := ingest(m5); !r.Duplicate || len(r.Alerts) != 0 {
			t.Fatalf("m5 replay: %+v", r)
		}
		book(980_000)

		// An older movement arriving late (07:00, ticketed, planned) moves
		// the book; a measurement at 08:00 matches the book at 08:00.
		if r := ingest(moveRaw("m0", t0.Add(-3*time.Hour), "out", 20, "CK-0")); len(r.Alerts) != 0 {
			t.Fatalf("m0: %+v", r)
		}
		book(960_000)
		if r := ingest(measuredRaw("x1", t0.Add(-2*time.Hour), 980)); len(r.Alerts) != 0 {
			t.Fatalf("x1 opened %+v", r)
		}
		// A measurement of 900 t at 08:30 against a book of 980 t: 账实不符.
		x2 := measuredRaw("x2", t0.Add(-90*time.Minute), 900)
		if r := ingest(x2); len(r.Alerts) != 1 {
			t.Fatalf("x2: %+v", r)
		}
		// A later unrelated event re-evaluates the bin but opens nothing new.
		if r := ingest(measuredRaw("x3", t0.Add(-10*time.Minute), 980)); len(r.Alerts) != 0 {
			t.Fatalf("x3 opened %+v", r)
		}

		alerts, err := f.app.GranaryAlerts(ctx, f.principals["leadera"], monitor.AlertOpen, 50)
		must(t, err)
		if len(alerts) != 2 {
			t.Fatalf("alerts %+v", alerts)
		}
		sum := sha256.Sum256(x2)
		mismatch, unauth := alerts[0], alerts[1]
		if mismatch.Rule != monitor.RuleStockMismatch || mismatch.Level != monitor.LevelSerious || len(mismatch.Evidence) != 1 ||
			mismatch.Evidence[0].EventID != "x2" || mismatch.Evidence[0].SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("mismatch alert %+v", mismatch)
		}
		if unauth.Rule != monitor.RuleUnauthorised || len(unauth.Evidence) != 1 || unauth.Evidence[0].EventID != "m5" ||
			unauth.Evidence[0].Device != "S01" || unauth.Explanation == "" || unauth.UnitPath != f.units["T1"].Path {
			t.Errorf("unauthorised alert %+v", unauth)
		}
		// Another county's township sees none; a caller without monitor.read is refused.
		if other, err := f.app.GranaryAlerts(ctx, f.principals["townb1"], "", 50); err != nil || len(other) != 0 {
			t.Errorf("other county: %+v %v", other, err)
		}
		_, err = f.app.GranaryAlerts(ctx, f.principals["villagev1"], "", 50)
		wantCode(t, err, apperr.Forbidden, "", nil)
	})
}

// TestGranaryAlertHandling: acknowledge, dismiss with a reason, and turn
// into exactly one clue carrying the evidence; each state allows only its
// rows.
func TestGranaryAlertHandling(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		granary(t, f)
		for _, raw := range [][]byte{moveRaw("m5", t0.Add(-30*time.Minute), "in", 10, "RK-5"), measuredRaw("x2", t0.Add(-20*time.Minute), 900)} {
			if r, err := f.app.IngestEvent(ctx, raw, app.SourceHTTPS); err != nil || len(r.Alerts) != 1 {
				t.Fatalf("ingest: %+v %v", r, err)
			}
		}
		leader := f.principals["leadera"]
		alerts, err := f.app.GranaryAlerts(ctx, leader, "", 10)
		must(t, err)
		mismatch, unauth := alerts[0], alerts[1]

		_, err = f.app.AlertAct(ctx, f.principals["townt1"], unauth.ID, app.AlertAction{Op: monitor.AlertOpAck, Version: 1})
		wantCode(t, err, apperr.Forbidden, "", nil)
		_, err = f.app.AlertAct(ctx, f.principals["leadera"], unauth.ID, app.AlertAction{Op: monitor.AlertOpAck, Version: 7})
		wantCode(t, err, apperr.Conflict, "", nil)
		got, err := f.app.AlertAct(ctx, leader, unauth.ID, app.AlertAction{Op: monitor.AlertOpAck, Version: 1})
		must(t, err)
		if got.Status != monitor.AlertAcknowledged || got.Version != 2 {
			t.Fatalf("ack: %+v", got)
		}
		_, err = f.app.AlertAct(ctx, leader, unauth.ID, app.AlertAction{Op: monitor.AlertOpAck, Version: 2})
		wantCode(t, err, apperr.Conflict, "granary.action_not_allowed", nil)
		_, err = f.app.AlertAct(ctx, leader, unauth.ID, app.AlertAction{Op: monitor.AlertOpDismiss, Version: 2, Reason: "  "})
		wantCode(t, err, apperr.Invalid, "", nil)
		got, err = f.app.AlertAct(ctx, leader, unauth.ID, app.AlertAction{Op: monitor.AlertOpDismiss, Version: 2, Reason: "补录的入库单，已核实"})
		must(t, err)
		if got.Status != monitor.AlertDismissed || got.Reason != "补录的入库单，已核实" || got.ClueID != 0 {
			t.Fatalf("dismiss: %+v", got)
		}

		in := app.AlertAction{Op: monitor.AlertOpToClue, Version: 1, Category: "subsidies",
			Subject: clue.Subject{Name: "城北粮库主任", Unit: "城北粮库", Post: "主任", Level: "village"}}
		got, err = f.app.AlertAct(ctx, leader, mismatch.ID, in)
		must(t, err)
		if got.Status != monitor.AlertClue || got.ClueID == 0 {
			t.Fatalf("to clue: %+v", got)
		}
		c, err := f.store.GetClue(ctx, got.ClueID)
		must(t, err)
		if c.Source != clue.SourceAlert || c.SourceID != mismatch.ID || !strings.Contains(c.Content, "设备 L01 事件 x2") ||
			!strings.Contains(c.Content, mismatch.Evidence[0].SHA256) || !strings.Contains(c.Content, "账实不符") {
			t.Errorf("clue %+v", c)
		}
		// Once a clue, nothing more: no second clue.
		in.Version = got.Version
		_, err = f.app.AlertAct(ctx, leader, mismatch.ID, in)
		wantCode(t, err, apperr.Conflict, "granary.action_not_allowed", nil)
	})
}

// TestGranarySilentDevices: a device silent for more than 24 hours opens
// one alert with its last event as evidence; a device never heard from
// opens none.
func TestGranarySilentDevices(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		granary(t, f)
		if _, err := f.app.IngestEvent(ctx, []byte(`{"v":1,"id":"st1","device":"S01","depot":"D1","kind":"status","at":"2026-03-16T01:00:00Z","status":{"health":"ok"}}`), app.SourceMQTT); err != nil {
			t.Fatal(err)
		}
		sweep := func(want int) {
			t.Helper()
			n, err := f.app.SweepSilentDevices(ctx)
			if err != nil || n != want {
				t.Fatalf("sweep opened %d (%v), want %d", n, err, want)
			}
		}
		sweep(0)
		f.clock.Advance(23 * time.Hour)
		sweep(0)
		f.clock.Advance(3 * time.Hour)
		sweep(1)
		sweep(0)
		alerts, err := f.app.GranaryAlerts(ctx, f.principals["leadera"], monitor.AlertOpen, 10)
		must(t, err)
		if len(alerts) != 1 || alerts[0].Rule != monitor.RuleDeviceSilent || len(alerts[0].Evidence) != 1 || alerts[0].Evidence[0].EventID != "st1" ||
			!strings.Contains(alerts[0].Explanation, "设备 S01") {
			t.Fatalf("alerts %+v", alerts)
		}
	})
}
