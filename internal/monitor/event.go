package monitor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

// SchemaVersion is the feed payload version this package parses ("v" in
// the payload); docs/granary-feed.md documents it.
const SchemaVersion = 1

// EventKind is what an event reports. The values are part of the feed.
type EventKind string

// The event kinds.
const (
	KindMovement  EventKind = "movement"  // 出入库（称重、车牌、单据号）
	KindSampling  EventKind = "sampling"  // 扦样
	KindReading   EventKind = "reading"   // 粮情检测（温度点、湿度、气体）
	KindDetection EventKind = "detection" // 视频识别（人、车、移动、抓拍）
	KindMeasured  EventKind = "measured"  // 实测库存
	KindStatus    EventKind = "status"    // 设备状态
)

// EventKinds lists the event kinds.
func EventKinds() []EventKind {
	return []EventKind{KindMovement, KindSampling, KindReading, KindDetection, KindMeasured, KindStatus}
}

// Reject reasons: the dead-letter list records one of these for every
// payload it keeps. The values are part of the API.
const (
	ReasonTooLarge     = "too_large"     // over MaxPayload bytes
	ReasonJSON         = "json"          // not a single JSON object
	ReasonVersion      = "version"       // "v" missing or not a supported version
	ReasonKind         = "kind"          // unknown event kind
	ReasonMissing      = "missing"       // a required field is missing or empty
	ReasonUnknownField = "unknown_field" // a field the schema does not have
	ReasonBadValue     = "bad_value"     // a malformed code, id, date or enum value
	ReasonUnit         = "unit"          // a unit the schema does not accept
	ReasonRange        = "range"         // a number outside its physical range
	ReasonFuture       = "future"        // event time too far after the arrival time
	ReasonSignature    = "signature"     // HTTPS: a missing or bad gateway signature
)

// Reasons lists every reject reason.
func Reasons() []string {
	return []string{ReasonTooLarge, ReasonJSON, ReasonVersion, ReasonKind, ReasonMissing,
		ReasonUnknownField, ReasonBadValue, ReasonUnit, ReasonRange, ReasonFuture, ReasonSignature}
}

// Limits of a payload.
const (
	MaxPayload   = 64 << 10        // bytes
	MaxSkew      = 5 * time.Minute // how far an event's time may run ahead of arrival
	MaxTempPts   = 2000            // temperature points in one reading
	MaxWeightKG  = 200_000.0       // one weighing (a loaded lorry is far below)
	MaxEventText = 200             // characters of a free-text field
)

// RejectError is why a payload was rejected: Reason is one of the Reason
// constants; Detail says which field, in English, for the operator.
type RejectError struct {
	Reason string
	Detail string
}

func (e *RejectError) Error() string { return "monitor: rejected (" + e.Reason + "): " + e.Detail }

// ReasonOf returns an error's reject reason ("" when it is not a rejection).
func ReasonOf(err error) string {
	var r *RejectError
	if errors.As(err, &r) {
		return r.Reason
	}
	return ""
}

func reject(reason, format string, args ...any) error {
	return &RejectError{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// Movement is a stock movement: a weighing at the depot's scale.
type Movement struct {
	Direction Direction `json:"direction"`
	Weight    float64   `json:"weight"`
	Unit      string    `json:"unit"` // kg or t
	Plate     string    `json:"plate,omitempty"`
	Ticket    string    `json:"ticket,omitempty"` // 出入库单据号; "" when none
}

// KG returns the movement's net weight in kilograms, negative for out.
func (m Movement) KG() int64 {
	kg := int64(math.Round(m.Weight * unitKG[m.Unit]))
	if m.Direction == DirOut {
		return -kg
	}
	return kg
}

// Sampling is a sample drawn from a bin (扦样).
type Sampling struct {
	SampleID string  `json:"sample_id"`
	Sampler  string  `json:"sampler,omitempty"`
	DepthM   float64 `json:"depth_m,omitempty"`
}

// Reading is a grain-condition reading (粮情检测). A failed collection
// carries Failed and the Slot (HH:MM of the scheduled collection) and no values.
type Reading struct {
	Failed   bool      `json:"failed,omitempty"`
	Slot     string    `json:"slot,omitempty"`
	TempUnit string    `json:"temp_unit,omitempty"` // C
	Temps    []float64 `json:"temps,omitempty"`     // temperature points
	Humidity *float64  `json:"humidity_pct,omitempty"`
	PH3      *float64  `json:"ph3_ppm,omitempty"` // phosphine
	CO2      *float64  `json:"co2_ppm,omitempty"`
	O2       *float64  `json:"o2_pct,omitempty"`
}

// MinTemp returns the lowest temperature point (ok false without points).
func (r Reading) MinTemp() (float64, bool) {
	if len(r.Temps) == 0 {
		return 0, false
	}
	return slices.Min(r.Temps), true
}

// Detection is a camera detection.
type Detection struct {
	Object     string  `json:"object"` // person, vehicle, motion
	Snapshot   string  `json:"snapshot,omitempty"`
	Confidence float64 `json:"confidence,omitempty"`
}

// Measured is a measured stock (实测库存: laser scan, image, cable estimate).
type Measured struct {
	Weight float64 `json:"weight"`
	Unit   string  `json:"unit"`
	Method string  `json:"method,omitempty"`
}

// KG returns the measured stock in kilograms.
func (m Measured) KG() int64 { return int64(math.Round(m.Weight * unitKG[m.Unit])) }

// Status is a device status report.
type Status struct {
	Health Health `json:"health"`
	Note   string `json:"note,omitempty"`
}

// Event is one parsed feed event. Exactly one of the kind's parts is set.
type Event struct {
	Version   int        `json:"v"`
	ID        string     `json:"id"`     // unique per device
	Device    string     `json:"device"` // device code
	Depot     string     `json:"depot"`  // depot code
	Bin       string     `json:"bin,omitempty"`
	Kind      EventKind  `json:"kind"`
	At        time.Time  `json:"at"`
	Movement  *Movement  `json:"movement,omitempty"`
	Sampling  *Sampling  `json:"sampling,omitempty"`
	Reading   *Reading   `json:"reading,omitempty"`
	Detection *Detection `json:"detection,omitempty"`
	Measured  *Measured  `json:"measured,omitempty"`
	Status    *Status    `json:"status,omitempty"`
}

// unitKG converts the accepted weight units to kilograms.
var unitKG = map[string]float64{"kg": 1, "t": 1000}

var (
	idRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)
	slotRE  = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	plateRE = regexp.MustCompile(`^[\p{Han}A-Z0-9·-]{2,12}$`)
)

// ParseEvent parses and checks one v1 payload strictly; now is the arrival
// time (an event stamped more than MaxSkew after it is rejected). Errors
// are *RejectError with the reason the dead-letter list keeps.
func ParseEvent(raw []byte, now time.Time) (Event, error) {
	if len(raw) > MaxPayload {
		return Event{}, reject(ReasonTooLarge, "%d bytes", len(raw))
	}
	var head struct {
		V    *int      `json:"v"`
		Kind EventKind `json:"kind"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typeErr) && typeErr.Field == "v":
			return Event{}, reject(ReasonVersion, "%v", err)
		case errors.As(err, &typeErr) && typeErr.Field != "":
			return Event{}, reject(ReasonBadValue, "%v", err)
		}
		return Event{}, reject(ReasonJSON, "%v", err)
	}
	if head.V == nil || *head.V != SchemaVersion {
		return Event{}, reject(ReasonVersion, "version must be %d", SchemaVersion)
	}
	if !slices.Contains(EventKinds(), head.Kind) {
		return Event{}, reject(ReasonKind, "kind %q", head.Kind)
	}
	var e Event
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		var typeErr *json.UnmarshalTypeError
		var timeErr *time.ParseError
		switch {
		case strings.Contains(err.Error(), "unknown field"):
			return Event{}, reject(ReasonUnknownField, "%v", err)
		case errors.As(err, &typeErr), errors.As(err, &timeErr):
			return Event{}, reject(ReasonBadValue, "%v", err)
		}
		return Event{}, reject(ReasonJSON, "%v", err)
	}
	if dec.More() {
		return Event{}, reject(ReasonJSON, "trailing data")
	}
	if err := e.check(now); err != nil {
		return Event{}, err
	}
	return e, nil
}

func (e *Event) check(now time.Time) error {
	for _, f := range []struct{ name, val string }{{"id", e.ID}, {"device", e.Device}, {"depot", e.Depot}} {
		if f.val == "" {
			return reject(ReasonMissing, "%s", f.name)
		}
	}
	if !idRE.MatchString(e.ID) {
		return reject(ReasonBadValue, "id")
	}
	if !ValidCode(e.Device) || !ValidCode(e.Depot) || (e.Bin != "" && !ValidCode(e.Bin)) {
		return reject(ReasonBadValue, "device, depot or bin code")
	}
	if e.At.IsZero() {
		return reject(ReasonMissing, "at")
	}
	if e.At.After(now.Add(MaxSkew)) {
		return reject(ReasonFuture, "at %s is after arrival %s", e.At.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	parts := 0
	for _, set := range []bool{e.Movement != nil, e.Sampling != nil, e.Reading != nil, e.Detection != nil, e.Measured != nil, e.Status != nil} {
		if set {
			parts++
		}
	}
	if parts > 1 {
		return reject(ReasonUnknownField, "more than one kind part")
	}
	needBin := func() error {
		if e.Bin == "" {
			return reject(ReasonMissing, "bin")
		}
		return nil
	}
	switch e.Kind {
	case KindMovement:
		if e.Movement == nil {
			return reject(ReasonMissing, "movement")
		}
		if err := needBin(); err != nil {
			return err
		}
		return e.Movement.check()
	case KindSampling:
		if e.Sampling == nil || e.Sampling.SampleID == "" {
			return reject(ReasonMissing, "sampling.sample_id")
		}
		if err := needBin(); err != nil {
			return err
		}
		if !idRE.MatchString(e.Sampling.SampleID) || tooLong(e.Sampling.Sampler) {
			return reject(ReasonBadValue, "sampling")
		}
		if e.Sampling.DepthM < 0 || e.Sampling.DepthM > 60 {
			return reject(ReasonRange, "sampling.depth_m")
		}
	case KindReading:
		if e.Reading == nil {
			return reject(ReasonMissing, "reading")
		}
		if err := needBin(); err != nil {
			return err
		}
		return e.Reading.check()
	case KindDetection:
		d := e.Detection
		if d == nil || d.Object == "" {
			return reject(ReasonMissing, "detection.object")
		}
		if !slices.Contains([]string{"person", "vehicle", "motion"}, d.Object) || tooLong(d.Snapshot) {
			return reject(ReasonBadValue, "detection")
		}
		if d.Confidence < 0 || d.Confidence > 1 {
			return reject(ReasonRange, "detection.confidence")
		}
	case KindMeasured:
		m := e.Measured
		if m == nil || m.Unit == "" {
			return reject(ReasonMissing, "measured")
		}
		if err := needBin(); err != nil {
			return err
		}
		if _, ok := unitKG[m.Unit]; !ok {
			return reject(ReasonUnit, "measured.unit %q", m.Unit)
		}
		if m.Weight < 0 || m.Weight*unitKG[m.Unit] > float64(MaxCapacityKG) || math.IsNaN(m.Weight) {
			return reject(ReasonRange, "measured.weight")
		}
		if tooLong(m.Method) {
			return reject(ReasonBadValue, "measured.method")
		}
	case KindStatus:
		if e.Status == nil || e.Status.Health == "" {
			return reject(ReasonMissing, "status.health")
		}
		if e.Status.Health == HealthUnknown || !slices.Contains(Healths(), e.Status.Health) || tooLong(e.Status.Note) {
			return reject(ReasonBadValue, "status")
		}
	}
	return nil
}

func (m *Movement) check() error {
	if m.Direction == "" || m.Unit == "" {
		return reject(ReasonMissing, "movement.direction or unit")
	}
	if m.Direction != DirIn && m.Direction != DirOut {
		return reject(ReasonBadValue, "movement.direction %q", m.Direction)
	}
	f, ok := unitKG[m.Unit]
	if !ok {
		return reject(ReasonUnit, "movement.unit %q", m.Unit)
	}
	if !(m.Weight > 0) || m.Weight*f > MaxWeightKG {
		return reject(ReasonRange, "movement.weight")
	}
	if m.Plate != "" && !plateRE.MatchString(m.Plate) {
		return reject(ReasonBadValue, "movement.plate")
	}
	if m.Ticket != "" && !idRE.MatchString(m.Ticket) {
		return reject(ReasonBadValue, "movement.ticket")
	}
	return nil
}

func (r *Reading) check() error {
	if r.Failed {
		if !slotRE.MatchString(r.Slot) {
			return reject(ReasonMissing, "reading.slot of a failed collection")
		}
		if len(r.Temps) > 0 || r.Humidity != nil || r.PH3 != nil || r.CO2 != nil || r.O2 != nil {
			return reject(ReasonBadValue, "a failed collection carries no values")
		}
		return nil
	}
	if r.Slot != "" && !slotRE.MatchString(r.Slot) {
		return reject(ReasonBadValue, "reading.slot")
	}
	if len(r.Temps) == 0 && r.Humidity == nil && r.PH3 == nil && r.CO2 == nil && r.O2 == nil {
		return reject(ReasonMissing, "reading values")
	}
	if len(r.Temps) > 0 && r.TempUnit != "C" {
		if r.TempUnit == "" {
			return reject(ReasonMissing, "reading.temp_unit")
		}
		return reject(ReasonUnit, "reading.temp_unit %q (only C)", r.TempUnit)
	}
	if len(r.Temps) > MaxTempPts {
		return reject(ReasonRange, "reading.temps: %d points", len(r.Temps))
	}
	for _, t := range r.Temps {
		if !(t >= -50 && t <= 90) {
			return reject(ReasonRange, "reading.temps %v", t)
		}
	}
	for _, p := range []struct {
		name   string
		v      *float64
		lo, hi float64
	}{{"humidity_pct", r.Humidity, 0, 100}, {"ph3_ppm", r.PH3, 0, 10000}, {"co2_ppm", r.CO2, 0, 1_000_000}, {"o2_pct", r.O2, 0, 100}} {
		if p.v != nil && !(*p.v >= p.lo && *p.v <= p.hi) {
			return reject(ReasonRange, "reading.%s", p.name)
		}
	}
	return nil
}

func tooLong(s string) bool { return len([]rune(s)) > MaxEventText }
