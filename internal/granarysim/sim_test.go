package granarysim

import (
	"strings"
	"testing"
	"time"

	"qingfeng/internal/monitor"
)

// t0 is 10:00 in China, working hours.
var t0 = time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)

// TestOrdinaryTrafficParses: every ordinary message is a valid payload of
// a registered depot, bin and device, on its depot's topic, with ids
// unique per device; every kind appears.
func TestOrdinaryTrafficParses(t *testing.T) {
	reg := map[string]bool{}
	for _, d := range Registry(3) {
		for _, v := range d.Devices {
			reg[d.Code+"//"+v.Code] = true
		}
		for _, b := range d.Bins {
			for _, v := range b.Devices {
				reg[d.Code+"/"+b.Code+"/"+v.Code] = true
			}
		}
	}
	g := New(Config{Depots: 3, Seed: 42})
	kinds := map[monitor.EventKind]int{}
	ids := map[string]bool{}
	for i := range 5000 {
		now := t0.Add(time.Duration(i) * time.Second)
		m := g.Next(now)
		e, err := monitor.ParseEvent(m.Payload, now)
		if err != nil {
			t.Fatalf("message %d %s: %v", i, m.Payload, err)
		}
		bin := e.Bin
		if !reg[e.Depot+"/"+bin+"/"+e.Device] && !(e.Kind == monitor.KindMovement && reg[e.Depot+"//"+e.Device]) {
			t.Fatalf("message %d names an unregistered device: %s", i, m.Payload)
		}
		if m.Topic != Topic(e.Depot) || m.Note != "" {
			t.Fatalf("message %d topic %q note %q", i, m.Topic, m.Note)
		}
		if ids[e.Device+"|"+e.ID] {
			t.Fatalf("message %d repeats id %s", i, e.ID)
		}
		ids[e.Device+"|"+e.ID] = true
		kinds[e.Kind]++
	}
	for _, k := range monitor.EventKinds() {
		if kinds[k] == 0 {
			t.Errorf("no %s event", k)
		}
	}
	// The same seed gives the same traffic.
	a, b := New(Config{Depots: 2, Seed: 7}), New(Config{Depots: 2, Seed: 7})
	for i := range 100 {
		if x, y := a.Next(t0), b.Next(t0); string(x.Payload) != string(y.Payload) {
			t.Fatalf("message %d differs: %s / %s", i, x.Payload, y.Payload)
		}
	}
}

// TestAnomalies: with anomalies on, the injected messages follow the
// ordinary ones, each with a note; the rule anomalies parse, the
// malformed ones are rejected with the reason their note names.
func TestAnomalies(t *testing.T) {
	g := New(Config{Depots: 1, Seed: 1, Anomalies: true, AnomalyAfter: 10})
	var notes []string
	for i := range 40 {
		m := g.Next(t0)
		if i < 10 && m.Note != "" {
			t.Fatalf("message %d injected early", i)
		}
		if m.Note == "" {
			continue
		}
		notes = append(notes, m.Note)
		_, err := monitor.ParseEvent(m.Payload, t0)
		if reason, ok := strings.CutPrefix(m.Note, "malformed, dead letter "); ok {
			if reason != "unregistered" && monitor.ReasonOf(err) != reason {
				t.Errorf("%s: rejected as %q (%v)", m.Payload, monitor.ReasonOf(err), err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s (%s): %v", m.Payload, m.Note, err)
		}
	}
	all := strings.Join(notes, "\n")
	for _, want := range []string{monitor.RuleCollectionFailure, monitor.RuleTempJump, monitor.RuleCameraPresence, monitor.RuleUnauthorised,
		monitor.RuleStockMismatch, monitor.RuleDeviceSilent, monitor.ReasonUnit, monitor.ReasonJSON, monitor.ReasonVersion} {
		if !strings.Contains(all, want) {
			t.Errorf("no %s injected:\n%s", want, all)
		}
	}
	if strings.Count(all, "\n")+1 != 14 {
		t.Errorf("%d injected messages:\n%s", strings.Count(all, "\n")+1, all)
	}
}
