package monitor

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// randomStream is n events of one bin over three days: readings of two
// sensors (some failed, some jumping), movements in and out with and
// without tickets at any hour, measurements near and far from the book,
// detections of people, vehicles and motion.
func randomStream(seed uint64, n int) []Event {
	rnd := rand.New(rand.NewPCG(seed, 7))
	var evs []Event
	for i := range n {
		at := t0.Add(time.Duration(rnd.IntN(3*24*60)) * time.Minute)
		id := fmt.Sprintf("e%d", i)
		switch k := rnd.IntN(10); {
		case k < 4:
			dev := []string{"T01", "T02"}[rnd.IntN(2)]
			var e Event
			if rnd.IntN(4) == 0 {
				e = failed(id, at, []string{"06:00", "18:00"}[rnd.IntN(2)])
			} else {
				base := 14.0
				if rnd.IntN(6) == 0 {
					base = 30
				}
				e = reading(id, at, base+rnd.Float64(), base+3)
			}
			e.Device = dev
			evs = append(evs, e)
		case k < 6:
			ticket := ""
			if rnd.IntN(2) == 0 {
				ticket = "CK-" + id
			}
			dir := []Direction{DirIn, DirOut}[rnd.IntN(2)]
			evs = append(evs, move(id, at, dir, float64(1000+rnd.IntN(30_000)), ticket))
		case k < 7:
			evs = append(evs, measured(id, at, float64(950_000+rnd.IntN(100_000))))
		default:
			evs = append(evs, seen(id, at, []string{"person", "vehicle", "motion"}[rnd.IntN(3)]))
		}
	}
	return evs
}

// TestWindowMatchesEvaluate: for event streams in random arrival order,
// evaluating each arriving event on the window opens exactly the alerts
// (same keys, levels, evidence and explanations, at the same arrival)
// that evaluating the bin's whole window with Evaluate does.
func TestWindowMatchesEvaluate(t *testing.T) {
	rs := rules(t)
	const lookback = 8 * 24 * time.Hour
	plans := []RotationPlan{{BinID: 1, Direction: DirOut, From: "2026-12-01", To: "2026-12-02"}}
	for seed := range uint64(12) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			stream := randomStream(seed, 400)
			book := int64(1_000_000)
			var seenEvs []Event
			w := NewWindow(t0.Add(-lookback))
			want, got := map[string]Alert{}, map[string]Alert{}
			total := 0
			for i, e := range stream {
				if e.Kind == KindMovement {
					book += e.Movement.KG()
				}
				seenEvs = append(seenEvs, e)
				in := Input{Now: e.At, Depot: "D1", Bin: "B1", BookKG: book, Plans: plans}
				full := in
				for _, x := range seenEvs {
					if !x.At.Before(e.At.Add(-lookback)) {
						full.Events = append(full.Events, x)
					}
				}
				var newWant, newGot []string
				for _, a := range Evaluate(rs, full) {
					if _, ok := want[a.Key]; !ok {
						want[a.Key] = a
						newWant = append(newWant, a.Key)
					}
				}
				w.Add(e)
				for _, a := range w.Alerts(rs, e, in, lookback) {
					if _, ok := got[a.Key]; !ok {
						got[a.Key] = a
						newGot = append(newGot, a.Key)
					}
				}
				if !reflect.DeepEqual(newWant, newGot) {
					t.Fatalf("event %d (%s %s): Evaluate opened %v, the window %v", i, e.ID, e.Kind, newWant, newGot)
				}
				for _, k := range newWant {
					if !reflect.DeepEqual(want[k], got[k]) {
						t.Fatalf("event %d: alert %s differs:\n%+v\n%+v", i, k, want[k], got[k])
					}
				}
				total += len(newWant)
			}
			if total == 0 {
				t.Fatal("the stream opened no alert: it tests nothing")
			}
		})
	}
}

// TestWindowPrune drops what is older than the new start and nothing else.
func TestWindowPrune(t *testing.T) {
	w := NewWindow(t0)
	for _, e := range randomStream(3, 200) {
		w.Add(e)
	}
	n := w.Len()
	cut := t0.Add(36 * time.Hour)
	gone := w.Prune(cut)
	if len(gone)+w.Len() != n || len(gone) == 0 || w.Since != cut {
		t.Fatalf("pruned %d of %d, %d left, since %v", len(gone), n, w.Len(), w.Since)
	}
	for _, e := range gone {
		if !e.At.Before(cut) {
			t.Fatalf("pruned %s at %v", e.ID, e.At)
		}
	}
	if again := w.Prune(t0); again != nil || w.Since != cut {
		t.Fatal("an earlier start pruned again")
	}
}
