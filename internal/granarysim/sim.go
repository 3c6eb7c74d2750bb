// Package granarysim generates realistic smart-granary feed traffic
// (payload v1, docs/granary-feed.md) for demos, tests and benchmarks:
// grain-condition readings with temperature points, humidity and gas,
// device status, camera detections, stock movements with plates and
// tickets in working hours within the rotation plans, sampling and
// measured stock that matches the book; and, on request, one injected
// anomaly of each alert rule plus malformed payloads. It is pure: the
// caller gives the clock and publishes the messages (qingfeng simulate
// granary does so over MQTT).
package granarysim

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"qingfeng/internal/monitor"
)

// BinsPerDepot is how many bins each simulated depot has.
const BinsPerDepot = 4

// BookKG is each simulated bin's registered opening book stock (5,000 t).
const BookKG = 5_000_000

// zone is the depots' local time (China, UTC+8): working hours are local.
var zone = time.FixedZone("CST", 8*3600)

// Depot is a simulated depot as it must be registered.
type Depot struct {
	Code string
	Name string
	Bins []Bin
	// Devices of the depot as a whole (bin ""): the scale, the yard
	// camera, the gateway, and the sensor that falls silent.
	Devices []Device
}

// Bin is a simulated bin with its devices.
type Bin struct {
	Code    string
	Devices []Device
}

// Device is a simulated device.
type Device struct {
	Code string
	Kind monitor.DeviceKind
}

// Device codes within a depot (bin devices carry the bin code).
const (
	Scale      = "S01"  // the weighbridge (movements name the bin)
	YardCamera = "CY01" // the camera over the yard (detections without a bin)
	Gateway    = "GW1"
	Silent     = "TS01" // a sensor that reports once, long ago, then nothing
	Flaky      = "TF01" // bin 1's spare sensor whose collections fail
)

// DepotCode is the code of the i-th simulated depot (from 1).
func DepotCode(i int) string { return fmt.Sprintf("SIM-D%02d", i) }

// BinCode is the code of the j-th bin (from 1).
func BinCode(j int) string { return fmt.Sprintf("P%02d", j) }

// Registry lists the depots, bins and devices the traffic of n depots uses.
func Registry(n int) []Depot {
	var out []Depot
	for i := 1; i <= n; i++ {
		d := Depot{Code: DepotCode(i), Name: fmt.Sprintf("模拟粮库 %02d", i), Devices: []Device{
			{Scale, monitor.DeviceScale}, {YardCamera, monitor.DeviceCamera}, {Gateway, monitor.DeviceGateway}, {Silent, monitor.DeviceSensor}}}
		for j := 1; j <= BinsPerDepot; j++ {
			b := Bin{Code: BinCode(j), Devices: []Device{{"T-" + BinCode(j), monitor.DeviceSensor}, {"C-" + BinCode(j), monitor.DeviceCamera},
				{"L-" + BinCode(j), monitor.DeviceSensor}}}
			if j == 1 {
				b.Devices = append(b.Devices, Device{Flaky, monitor.DeviceSensor})
			}
			d.Bins = append(d.Bins, b)
		}
		out = append(out, d)
	}
	return out
}

// Topic is the MQTT topic of a depot's events.
func Topic(depot string) string { return "qingfeng/v1/depots/" + depot + "/events" }

// Message is one payload to publish. Note is set on injected anomalies and
// malformed payloads: what was injected and what the server should do.
type Message struct {
	Topic   string
	Payload []byte
	Depot   string
	Note    string
}

// Config says what to generate.
type Config struct {
	Depots    int
	Seed      uint64 // also the prefix of event ids: the same seed replays the same ids
	Anomalies bool
	// AnomalyAfter is how many ordinary messages come before the injected
	// ones (default 50).
	AnomalyAfter int
}

// Generator produces the traffic message by message.
type Generator struct {
	cfg      Config
	rnd      *rand.Rand
	n        int
	deps     []Depot
	sensors  map[string]float64 // depot/device -> its grain temperature baseline
	drift    map[string]int64   // depot/bin -> book stock moved by this run
	pending  []Message
	ticket   int
	ordinary int  // ordinary messages given
	injected bool // the anomalies were queued
}

// New returns a generator.
func New(cfg Config) *Generator {
	if cfg.Depots < 1 {
		cfg.Depots = 1
	}
	if cfg.AnomalyAfter <= 0 {
		cfg.AnomalyAfter = 50
	}
	return &Generator{cfg: cfg, rnd: rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15)), deps: Registry(cfg.Depots),
		sensors: map[string]float64{}, drift: map[string]int64{}}
}

// event is a payload under construction.
type event map[string]any

func (g *Generator) id(dev string) string {
	g.n++
	return fmt.Sprintf("%x-%s-%d", g.cfg.Seed, dev, g.n)
}

func (g *Generator) msg(depot, bin, dev string, kind monitor.EventKind, at time.Time, part any) Message {
	e := event{"v": 1, "id": g.id(dev), "device": dev, "depot": depot, "kind": string(kind), "at": at.In(zone).Format(time.RFC3339Nano),
		string(kind): part}
	if bin != "" {
		e["bin"] = bin
	}
	b, err := json.Marshal(e)
	if err != nil {
		panic(err) // maps of strings and numbers always marshal
	}
	return Message{Topic: Topic(depot), Payload: b, Depot: depot}
}

// round1 rounds to one decimal, as sensors report.
func round1(v float64) float64 { return math.Round(v*10) / 10 }

// Next returns the next message at the time now (the event time). With
// anomalies on, the injected messages follow the first AnomalyAfter
// ordinary ones, each with its Note.
func (g *Generator) Next(now time.Time) Message {
	if g.cfg.Anomalies && !g.injected && g.ordinary >= g.cfg.AnomalyAfter {
		g.pending, g.injected = g.anomalies(now), true
	}
	if len(g.pending) > 0 {
		m := g.pending[0]
		g.pending = g.pending[1:]
		return m
	}
	g.ordinary++
	d := g.deps[g.rnd.IntN(len(g.deps))]
	b := d.Bins[g.rnd.IntN(len(d.Bins))]
	local := now.In(zone)
	working := local.Hour() >= 8 && local.Hour() < 18
	switch k := g.rnd.IntN(100); {
	case k < 45:
		return g.reading(d.Code, b.Code, "T-"+b.Code, now, 0)
	case k < 55:
		return g.msg(d.Code, b.Code, "C-"+b.Code, monitor.KindStatus, now, map[string]any{"health": "ok"})
	case k < 65:
		obj := "motion"
		if working {
			obj = []string{"person", "vehicle", "motion"}[g.rnd.IntN(3)]
		}
		dev, bin := "C-"+b.Code, b.Code
		if g.rnd.IntN(4) == 0 {
			dev, bin = YardCamera, ""
		}
		return g.msg(d.Code, bin, dev, monitor.KindDetection, now, map[string]any{"object": obj,
			"snapshot": fmt.Sprintf("snap/%s/%d.jpg", dev, g.n), "confidence": round1(0.6 + 0.4*g.rnd.Float64())})
	case k < 78 && working:
		return g.movement(d.Code, b.Code, now, true)
	case k < 82:
		return g.msg(d.Code, b.Code, "T-"+b.Code, monitor.KindSampling, now, map[string]any{"sample_id": fmt.Sprintf("SP-%d", g.n),
			"sampler": "质检员", "depth_m": round1(0.5 + 5*g.rnd.Float64())})
	case k < 90:
		// Measured stock: the book (with what this run moved) within 0.3 %.
		book := float64(BookKG + g.drift[d.Code+"/"+b.Code])
		return g.msg(d.Code, b.Code, "L-"+b.Code, monitor.KindMeasured, now, map[string]any{"weight": math.Round(book * (1 + 0.006*(g.rnd.Float64()-0.5))),
			"unit": "kg", "method": "laser"})
	default:
		return g.msg(d.Code, "", Gateway, monitor.KindStatus, now, map[string]any{"health": "ok"})
	}
}

// reading is a grain-condition reading of a sensor: 20 temperature
// points around its baseline (plus jump), humidity and gases.
func (g *Generator) reading(depot, bin, dev string, now time.Time, jump float64) Message {
	key := depot + "/" + dev
	base, ok := g.sensors[key]
	if !ok {
		base = 12 + 6*g.rnd.Float64()
		g.sensors[key] = base
	}
	temps := make([]float64, 20)
	for i := range temps {
		temps[i] = round1(base + jump + 2*g.rnd.Float64())
	}
	return g.msg(depot, bin, dev, monitor.KindReading, now, map[string]any{"temp_unit": "C", "temps": temps,
		"humidity_pct": round1(11 + 3*g.rnd.Float64()), "ph3_ppm": round1(0.1 * g.rnd.Float64()), "co2_ppm": math.Round(400 + 200*g.rnd.Float64()),
		"o2_pct": round1(20 + g.rnd.Float64()), "slot": now.In(zone).Format("15:04")})
}

// movement is a weighing of 20–35 t at the scale; ordinary ones carry a
// ticket and go the way that brings the bin back to its opening book, so
// that measurements keep matching.
func (g *Generator) movement(depot, bin string, at time.Time, ticketed bool) Message {
	key := depot + "/" + bin
	dir := "in"
	if g.drift[key] > 0 {
		dir = "out"
	}
	kg := int64(20_000 + g.rnd.IntN(15_000))
	if dir == "out" {
		g.drift[key] -= kg
	} else {
		g.drift[key] += kg
	}
	g.ticket++
	m := map[string]any{"direction": dir, "weight": kg, "unit": "kg", "plate": fmt.Sprintf("湘G%05d", g.rnd.IntN(100_000))}
	if ticketed {
		m["ticket"] = fmt.Sprintf("%s-%x-%d", map[string]string{"in": "RK", "out": "CK"}[dir], g.cfg.Seed, g.ticket)
	}
	return g.msg(depot, bin, Scale, monitor.KindMovement, at, m)
}

// anomalies is one of each rule's anomalies in the first depot, and
// malformed payloads.
func (g *Generator) anomalies(now time.Time) []Message {
	d := g.deps[0].Code
	note := func(m Message, s string) Message { m.Note = s; return m }
	// A person on camera in bin 1 first: the collection failures that
	// follow it (last in this list, so that it is stored before them) are
	// escalated one level.
	out := []Message{note(g.msg(d, BinCode(1), "C-"+BinCode(1), monitor.KindDetection, now.Add(-15*time.Minute),
		map[string]any{"object": "person", "snapshot": "snap/anomaly-person.jpg", "confidence": 0.93}),
		"camera_presence: a person on camera in bin "+BinCode(1)+" (the collection-failure alert below is raised one level)")}
	// Temperature jump: an ordinary reading, then one 15 °C higher.
	out = append(out, note(g.reading(d, BinCode(2), "T-"+BinCode(2), now.Add(-2*time.Minute), 0), "temp_jump: the baseline reading"),
		note(g.reading(d, BinCode(2), "T-"+BinCode(2), now, 15), "temp_jump: the lowest grain temperature 15 °C higher"))
	// Night movement without ticket, a person seen next to it.
	night := now.In(zone)
	night = time.Date(night.Year(), night.Month(), night.Day(), 2, 10, 0, 0, zone)
	if night.After(now) {
		night = night.Add(-24 * time.Hour)
	}
	out = append(out, note(g.movement(d, BinCode(3), night, false), "unauthorised_movement: a movement at 02:10 without a ticket"),
		note(g.msg(d, "", YardCamera, monitor.KindDetection, night.Add(3*time.Minute), map[string]any{"object": "person",
			"snapshot": "snap/anomaly-night.jpg", "confidence": 0.88}), "the yard camera sees a person at 02:13"))
	// Stock mismatch: 8 % less grain measured than booked.
	book := float64(BookKG + g.drift[d+"/"+BinCode(4)])
	out = append(out, note(g.msg(d, BinCode(4), "L-"+BinCode(4), monitor.KindMeasured, now, map[string]any{"weight": math.Round(book * 0.92),
		"unit": "kg", "method": "laser"}), "stock_mismatch: measured stock 8 % below the book"))
	// A device silent for more than a day: its last report 25 hours ago.
	out = append(out, note(g.msg(d, "", Silent, monitor.KindStatus, now.Add(-25*time.Hour), map[string]any{"health": "ok"}),
		"device_silent: the sensor's last report, 25 hours ago (the server's sweep, every 5 minutes, raises it)"))
	// Collection failures: three failed collections of the spare sensor.
	for i := 3; i >= 1; i-- {
		at := now.Add(-time.Duration(i) * 10 * time.Minute)
		out = append(out, note(g.msg(d, BinCode(1), Flaky, monitor.KindReading, at, map[string]any{"failed": true, "slot": at.In(zone).Format("15:04")}),
			fmt.Sprintf("collection_failure: %s/%s collection %d of 3 failed", d, Flaky, 4-i)))
	}
	// Malformed payloads: each kept in the dead-letter list with its reason.
	bad := func(payload, reason string) Message {
		return Message{Topic: Topic(d), Payload: []byte(payload), Depot: d, Note: "malformed, dead letter " + reason}
	}
	at := now.In(zone).Format(time.RFC3339)
	out = append(out,
		bad(`{"v":1,"id":"bad-unit-`+fmt.Sprint(g.n)+`","device":"S01","depot":"`+d+`","bin":"P01","kind":"movement","at":"`+at+`","movement":{"direction":"in","weight":3,"unit":"lb"}}`, monitor.ReasonUnit),
		bad(`{"v":1,"id":"bad-json"`, monitor.ReasonJSON),
		bad(`{"v":2,"id":"bad-version","device":"S01","depot":"`+d+`","kind":"status","at":"`+at+`","status":{"health":"ok"}}`, monitor.ReasonVersion),
		bad(`{"v":1,"id":"bad-dev-`+fmt.Sprint(g.n)+`","device":"NOPE","depot":"`+d+`","kind":"status","at":"`+at+`","status":{"health":"ok"}}`, "unregistered"))
	return out
}
