package app_test

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/auth"
	"qingfeng/internal/granarysim"
	"qingfeng/internal/monitor"
)

// registerSim registers the simulator's depots under township T1, each
// bin with the simulator's opening book and a rotation plan in both
// directions around t0.
func registerSim(t *testing.T, f *fixture, n int) {
	t.Helper()
	sys := auth.System()
	for _, sd := range granarysim.Registry(n) {
		d, err := f.app.CreateDepot(ctx, sys, monitor.Depot{Code: sd.Code, Name: sd.Name, UnitID: f.units["T1"].ID})
		must(t, err)
		for _, v := range sd.Devices {
			_, err := f.app.CreateDevice(ctx, sys, monitor.Device{DepotID: d.ID, Code: v.Code, Kind: v.Kind})
			must(t, err)
		}
		for _, sb := range sd.Bins {
			b, err := f.app.CreateBin(ctx, sys, monitor.Bin{DepotID: d.ID, Code: sb.Code, CapacityKG: 10_000_000, GrainKind: "paddy", BookKG: granarysim.BookKG})
			must(t, err)
			for _, v := range sb.Devices {
				_, err := f.app.CreateDevice(ctx, sys, monitor.Device{DepotID: d.ID, BinID: b.ID, Code: v.Code, Kind: v.Kind})
				must(t, err)
			}
			_, err = f.app.CreateRotationPlan(ctx, sys, monitor.RotationPlan{BinID: b.ID, From: "2026-03-01", To: "2026-03-31"})
			must(t, err)
		}
	}
}

// TestIngestBatchMatchesOneByOne: the same stream (ordinary traffic with
// every injected anomaly, reordered, with replays) ingested one payload at
// a time into depot SIM-D01 (forgetting the bins' windows now and then, as
// a restart does) and in batches of random sizes into SIM-D02
// stores the same events, dead letters, book stocks and alerts (rules,
// levels, explanations, evidence).
func TestIngestBatchMatchesOneByOne(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		registerSim(t, f, 2)
		g := granarysim.New(granarysim.Config{Depots: 1, Seed: 5, Anomalies: true, AnomalyAfter: 200})
		var stream [][]byte
		start := t0.Add(-4 * time.Hour)
		for i := range 600 {
			stream = append(stream, g.Next(start.Add(time.Duration(i)*20*time.Second)).Payload)
		}
		rnd := rand.New(rand.NewPCG(9, 9))
		for range 150 { // reorder nearby messages
			i := rnd.IntN(len(stream) - 10)
			j := i + 1 + rnd.IntN(9)
			stream[i], stream[j] = stream[j], stream[i]
		}
		for range 30 { // QoS 1 redeliveries
			i := rnd.IntN(len(stream))
			stream = append(stream, stream[rnd.IntN(i+1)])
		}
		var one []app.IngestResult
		for i, raw := range stream {
			if i%97 == 0 {
				f.store.ForgetFeedWindows() // as a restart: the bins load from the database again
			}
			r, err := f.app.IngestEvent(ctx, raw, app.SourceMQTT)
			must(t, err)
			one = append(one, r)
		}
		var batched []app.IngestResult
		for rest := stream; len(rest) > 0; {
			n := min(len(rest), 1+rnd.IntN(120))
			var raws [][]byte
			for _, raw := range rest[:n] {
				raws = append(raws, bytes.ReplaceAll(raw, []byte(granarysim.DepotCode(1)), []byte(granarysim.DepotCode(2))))
			}
			r, err := f.app.IngestBatch(ctx, raws, app.SourceMQTT)
			must(t, err)
			batched = append(batched, r...)
			rest = rest[n:]
		}
		stored, dups, dead, opened := 0, 0, 0, 0
		for i := range one {
			a, b := one[i], batched[i]
			if a.Duplicate != b.Duplicate || (a.EventRowID == 0) != (b.EventRowID == 0) || a.Reason != b.Reason || len(a.Alerts) != len(b.Alerts) {
				t.Fatalf("payload %d %s: one by one %+v, batched %+v", i, stream[i], a, b)
			}
			switch {
			case a.Duplicate:
				dups++
			case a.Reason != "":
				dead++
			default:
				stored++
			}
			opened += len(a.Alerts)
		}
		if dups < 30 || dead != 4 || stored < 500 || opened < 4 {
			t.Fatalf("stored %d, duplicates %d, dead letters %d, alerts %d: the stream tests too little", stored, dups, dead, opened)
		}
		alerts, err := f.app.GranaryAlerts(ctx, auth.System(), "", 500)
		must(t, err)
		type shown struct {
			Rule, Level, Key, Explanation string
			Evidence                      []string
		}
		byDepot := map[int64][]shown{}
		var depots []int64
		for _, al := range alerts {
			s := shown{Rule: al.Rule, Level: string(al.Level), Explanation: al.Explanation,
				Key: strings.ReplaceAll(al.Key, granarysim.DepotCode(2), granarysim.DepotCode(1))}
			for _, e := range al.Evidence {
				s.Evidence = append(s.Evidence, e.Device+"/"+e.EventID)
			}
			if _, ok := byDepot[al.DepotID]; !ok {
				depots = append(depots, al.DepotID)
			}
			byDepot[al.DepotID] = append(byDepot[al.DepotID], s)
		}
		if len(depots) != 2 || !reflect.DeepEqual(byDepot[depots[0]], byDepot[depots[1]]) {
			t.Fatalf("alerts differ:\n%+v\n%+v", byDepot[depots[0]], byDepot[depots[1]])
		}
		rules := map[string]bool{}
		for _, s := range byDepot[depots[0]] {
			rules[s.Rule+"/"+s.Level] = true
		}
		for _, want := range []string{"collection_failure/serious", "temp_jump/warning", "unauthorised_movement/serious", "stock_mismatch/serious"} {
			if !rules[want] {
				t.Errorf("no %s alert: %v", want, rules)
			}
		}
		bins, err := f.app.GranaryBins(ctx, auth.System())
		must(t, err)
		book := map[string]int64{}
		for _, b := range bins {
			book[b.DepotCode+"/"+b.Bin.Code] = b.Bin.BookKG
		}
		for j := 1; j <= granarysim.BinsPerDepot; j++ {
			a, b := book[granarysim.DepotCode(1)+"/"+granarysim.BinCode(j)], book[granarysim.DepotCode(2)+"/"+granarysim.BinCode(j)]
			if a != b {
				t.Errorf("bin %d: book %d one by one, %d batched", j, a, b)
			}
		}
		t.Logf("stored %d, duplicates %d, dead letters %d, alerts opened %d", stored, dups, dead, opened)
	})
}
