package monitor

import (
	"reflect"
	"slices"
	"strings"
	"time"
)

// Window is a bin's recent events kept in memory so that an arriving
// event is evaluated without re-reading the bin: the events the rules
// look at (readings by device, movements, measured stock, camera
// detections, each sorted by time, device and id), all of those from
// Since on. Status and sampling events feed no rule and are not kept.
//
// Alerts gives, for one event just added, the alerts Evaluate would give
// over the bin's events from the event's time minus the lookback that the
// event can bring about; the other alerts of that evaluation are the ones
// earlier events already brought about (see Alerts). A Window is not safe
// for concurrent use.
type Window struct {
	Since      time.Time // every kept kind of event at or after Since is here
	readings   map[string][]Event
	movements  []Event
	measured   []Event
	detections []Event
	latest     time.Time
	fails      map[string][]Event      // failed collections by device
	temps      map[string]*tempCheckpt // tempJumps' state by device
}

// tempCheckpt is a device's temperature-jump state after each of its
// readings from first on: valid for a new reading while the window of that
// reading starts at the same reading and no other reading came meanwhile.
type tempCheckpt struct {
	rule  Rule
	first EventRef
	after []tempAfter
}

// tempAfter is tempState for one device after one reading.
type tempAfter struct {
	base       Event
	seen, away bool
}

// NewWindow returns an empty window holding events from since on.
func NewWindow(since time.Time) *Window {
	return &Window{Since: since, readings: map[string][]Event{}, fails: map[string][]Event{}, temps: map[string]*tempCheckpt{}}
}

// eventLess is Evaluate's order: time, device, id.
func eventCmp(a, b Event) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	if c := strings.Compare(a.Device, b.Device); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// insert puts e into a sorted slice (appending in the usual case of
// events arriving in time order).
func insert(s []Event, e Event) []Event {
	if n := len(s); n == 0 || eventCmp(s[n-1], e) <= 0 {
		return append(s, e)
	}
	i, _ := slices.BinarySearchFunc(s, e, eventCmp)
	return slices.Insert(s, i, e)
}

// Kept reports whether a window keeps events of this kind.
func Kept(e Event) bool {
	switch e.Kind {
	case KindReading:
		return e.Reading != nil
	case KindMovement:
		return e.Movement != nil
	case KindMeasured:
		return e.Measured != nil
	case KindDetection:
		return e.Detection != nil
	}
	return false
}

// Add keeps an event (one of a kind no rule reads is ignored).
func (w *Window) Add(e Event) {
	if !Kept(e) {
		return
	}
	if e.At.After(w.latest) {
		w.latest = e.At
	}
	switch e.Kind {
	case KindReading:
		w.readings[e.Device] = insert(w.readings[e.Device], e)
		if e.Reading.Failed {
			w.fails[e.Device] = insert(w.fails[e.Device], e)
		}
	case KindMovement:
		w.movements = insert(w.movements, e)
	case KindMeasured:
		w.measured = insert(w.measured, e)
	case KindDetection:
		w.detections = insert(w.detections, e)
	}
}

// Latest is the time of the latest event kept.
func (w *Window) Latest() time.Time { return w.latest }

// Len is the number of events kept.
func (w *Window) Len() int {
	n := len(w.movements) + len(w.measured) + len(w.detections)
	for _, r := range w.readings {
		n += len(r)
	}
	return n
}

// Prune drops the events before since (when since is after Since) and
// returns them, so that the caller can forget what it keeps about them.
func (w *Window) Prune(since time.Time) []Event {
	if !since.After(w.Since) {
		return nil
	}
	w.Since = since
	var gone []Event
	cut := func(s []Event) []Event {
		i := 0
		for i < len(s) && s[i].At.Before(since) {
			i++
		}
		gone = append(gone, s[:i]...)
		return slices.Clone(s[i:])
	}
	for dev, r := range w.readings {
		if r = cut(r); len(r) == 0 {
			delete(w.readings, dev)
		} else {
			w.readings[dev] = r
		}
	}
	for dev, f := range w.fails {
		i := 0
		for i < len(f) && f[i].At.Before(since) {
			i++
		}
		if i == len(f) {
			delete(w.fails, dev)
		} else {
			w.fails[dev] = slices.Clone(f[i:])
		}
	}
	clear(w.temps)
	w.movements, w.measured, w.detections = cut(w.movements), cut(w.measured), cut(w.detections)
	return gone
}

// from returns the tail of a sorted slice at or after t.
func from(s []Event, t time.Time) []Event {
	i, _ := slices.BinarySearchFunc(s, t, func(e Event, t time.Time) int { return e.At.Compare(t) })
	return s[i:]
}

// Alerts evaluates the rules for e, an event already added, over the
// window's events from e.At minus lookback (the caller keeps Since at or
// before that). in gives the bin's codes, its book stock after e, its
// plans and the time of evaluation; in.Events is not read.
//
// What e can bring about, the rule by rule reasoning being that an
// alert's key names its anomaly and an alert once opened stays:
//   - a reading: the collection-failure and temperature-jump alerts of its
//     device over the device's readings from e.At minus lookback, as
//     Evaluate computes them, each escalated with the camera detections
//     around it; bounded: the runs of failures next to it, the failures of
//     its slot, and the temperature state carried over from the device's
//     previous reading when nothing came in between;
//   - a movement: its own unauthorised-movement alert, and the stock
//     mismatches of the measurements at or after it (their book stock at
//     the time of measurement now includes it);
//   - a measurement: its own stock mismatch;
//   - a detection: nothing new (it only escalates alerts not yet opened
//     by the readings that follow it);
//   - status and sampling: nothing.
//
// The result is ordered by key, as Evaluate's.
func (w *Window) Alerts(rules []Rule, e Event, in Input, lookback time.Duration) []Alert {
	since := e.At.Add(-lookback)
	var out []Alert
	var camera *Rule
	for i := range rules {
		r := rules[i]
		if !r.Enabled {
			continue
		}
		switch {
		case r.Code == RuleCameraPresence:
			camera = &rules[i]
		case e.Kind == KindReading && e.Reading != nil && r.Code == RuleCollectionFailure:
			out = append(out, w.failures(r, in, e, since)...)
		case e.Kind == KindReading && e.Reading != nil && r.Code == RuleTempJump:
			out = append(out, w.tempJump(r, in, e, since)...)
		case e.Kind == KindMovement && e.Movement != nil && r.Code == RuleUnauthorised:
			out = append(out, unauthorised(r, in, []Event{e})...)
		case e.Kind == KindMovement && e.Movement != nil && r.Code == RuleStockMismatch:
			out = append(out, mismatches(r, in, w.measuredFrom(e.At))...)
		case e.Kind == KindMeasured && e.Measured != nil && r.Code == RuleStockMismatch:
			out = append(out, mismatches(r, in, w.measuredOne(e))...)
		}
	}
	if camera != nil && e.Kind == KindReading {
		dets := from(w.detections, since)
		for i := range out {
			if out[i].Rule == RuleCollectionFailure || out[i].Rule == RuleTempJump {
				w.escalate(*camera, &out[i], since, dets)
			}
		}
	}
	slices.SortFunc(out, func(a, b Alert) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// measuredFrom is the measurements at or after t with every movement
// after the first of them: what mismatches needs for their book stock.
func (w *Window) measuredFrom(t time.Time) []Event {
	ms := from(w.measured, t)
	if len(ms) == 0 {
		return nil
	}
	evs := append(slices.Clone(ms), from(w.movements, ms[0].At)...)
	slices.SortFunc(evs, eventCmp)
	return evs
}

// measuredOne is e with the movements after it.
func (w *Window) measuredOne(e Event) []Event {
	return append([]Event{e}, from(w.movements, e.At)...)
}

// escalate is Evaluate's escalation with the evidence readings and the
// detections from since on.
func (w *Window) escalate(camera Rule, a *Alert, since time.Time, dets []Event) {
	var evs []Event
	for _, x := range from(w.readings[a.Device], since) {
		if slices.Contains(a.Evidence, ref(x)) {
			evs = append(evs, x)
		}
	}
	evs = append(evs, dets...)
	escalate(camera, a, evs)
}

// failures is collectionFailures for the reading e: the runs of failed
// collections next to it (e's own, or the two it splits) and, for a
// failure, the streaks of its slot; the device's other runs are what
// earlier readings brought about.
func (w *Window) failures(r Rule, in Input, e Event, since time.Time) []Alert {
	rs := from(w.readings[e.Device], since)
	i, found := slices.BinarySearchFunc(rs, e, eventCmp)
	if !found {
		return nil
	}
	n := int(r.Params["consecutive"])
	var out []Alert
	seen := -1
	for _, j := range []int{i - 1, i, i + 1} {
		if j < 0 || j >= len(rs) || !rs[j].Reading.Failed || j <= seen {
			continue
		}
		lo, hi := j, j
		for lo > 0 && rs[lo-1].Reading.Failed {
			lo--
		}
		for hi+1 < len(rs) && rs[hi+1].Reading.Failed {
			hi++
		}
		seen = hi
		if hi-lo+1 >= n {
			out = append(out, runAlert(r, in, e.Device, rs[lo:hi+1]))
		}
	}
	if e.Reading.Failed {
		var slot []Event
		for _, f := range from(w.fails[e.Device], since) {
			if f.Reading.Slot == e.Reading.Slot {
				slot = append(slot, f)
			}
		}
		out = append(out, sameSlot(r, in, e.Device, e.Reading.Slot, slot, int(r.Params["days"]))...)
	}
	return out
}

// tempJump is tempJumps for the reading e: the steps from e on, starting
// from the device's state after the reading before e when the checkpoint
// holds it (the usual case: e comes last or nearly so), else from the
// window's first reading. The steps before e give what they gave before.
func (w *Window) tempJump(r Rule, in Input, e Event, since time.Time) []Alert {
	rs := from(w.readings[e.Device], since)
	k, found := slices.BinarySearchFunc(rs, e, eventCmp)
	if !found {
		return nil
	}
	c := w.temps[e.Device]
	if c == nil || k == 0 || len(rs) != len(c.after)+1 || c.first != ref(rs[0]) || !reflect.DeepEqual(c.rule, r) {
		c, k = &tempCheckpt{rule: r, first: ref(rs[0])}, 0
		w.temps[e.Device] = c
	}
	st := newTempState()
	if k > 0 {
		prev := c.after[k-1]
		if prev.seen {
			st.base[e.Device] = prev.base
		}
		st.away[e.Device] = prev.away
	}
	old := c.after // the states after rs[k+1:] were old[k:]
	var out []Alert
	after := make([]tempAfter, 0, 8)
	for j := k; j < len(rs); j++ {
		if a, ok := st.step(r, in, rs[j]); ok {
			out = append(out, a)
		}
		base, seen := st.base[e.Device]
		now := tempAfter{base: base, seen: seen, away: st.away[e.Device]}
		after = append(after, now)
		if j > k && j-1 < len(old) && now.same(old[j-1]) {
			// From here on the steps are the ones taken before: what they
			// gave is open already.
			// In place: old[:k], the new steps, old[j:] moved up by one.
			c.after = append(old, tempAfter{})
			copy(c.after[j+1:], old[j:])
			copy(c.after[k:j+1], after)
			return out
		}
	}
	c.after = append(old[:k], after...)
	return out
}

// same reports whether two states are the same (the same base reading).
func (a tempAfter) same(b tempAfter) bool {
	return a.seen == b.seen && a.away == b.away && (!a.seen || ref(a.base) == ref(b.base))
}
