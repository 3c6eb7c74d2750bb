// Package monitor is smart-granary supervision (智慧粮库监督): the registry
// of depots, bins, devices and rotation plans, the versioned event feed the
// devices and depot gateways send, the alert rules kept as data with their
// evaluator, and the alert workflow. It is pure: the store persists its
// types and the services in internal/app apply its rules.
package monitor

import (
	"regexp"
	"slices"
	"time"
	"unicode/utf8"

	"qingfeng/internal/apperr"
	"qingfeng/internal/textclean"
)

// DeviceKind is what a device is. The values are part of the API and of the feed.
type DeviceKind string

// The device kinds.
const (
	DeviceSensor  DeviceKind = "sensor"  // 粮情传感器（测温电缆、温湿度、气体）
	DeviceCamera  DeviceKind = "camera"  // 摄像机
	DeviceGateway DeviceKind = "gateway" // 库区网关（代各设备上报）
	DeviceScale   DeviceKind = "scale"   // 地磅（出入库计量）
)

// DeviceKinds lists the device kinds in display order.
func DeviceKinds() []DeviceKind {
	return []DeviceKind{DeviceSensor, DeviceCamera, DeviceGateway, DeviceScale}
}

// Health is a device's last reported state (from status events).
type Health string

// The device health states.
const (
	HealthUnknown  Health = "unknown"  // nothing reported yet
	HealthOK       Health = "ok"       // 正常
	HealthDegraded Health = "degraded" // 部分故障
	HealthFault    Health = "fault"    // 故障
	HealthOffline  Health = "offline"  // 离线
)

// Healths lists the health states in display order.
func Healths() []Health {
	return []Health{HealthUnknown, HealthOK, HealthDegraded, HealthFault, HealthOffline}
}

// GrainKinds lists the grain kinds a bin may hold (稻谷、小麦、玉米、大豆、食用油、其他).
func GrainKinds() []string { return []string{"paddy", "wheat", "maize", "soybean", "oil", "other"} }

// Direction is a stock movement's direction.
type Direction string

// The movement directions.
const (
	DirIn  Direction = "in"  // 入库
	DirOut Direction = "out" // 出库
)

// Sizes (characters) and limits.
const (
	MaxName       = 100
	MaxCode       = 40
	MaxCapacityKG = int64(1_000_000_000) // one million tonnes: far above any bin
)

// codeRE is the shape of a registry code (the feed names depots, bins and
// devices by these codes).
var codeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// ValidCode reports whether s is a well-formed registry code.
func ValidCode(s string) bool { return len(s) <= MaxCode && codeRE.MatchString(s) }

// Depot is a grain depot (粮库) belonging to a unit of the organisation tree.
type Depot struct {
	ID        int64
	Code      string
	Name      string
	UnitID    int64
	UnitPath  string
	Address   string
	CreatedAt time.Time
}

// Bin is a storage bin (仓廒) of a depot.
type Bin struct {
	ID         int64
	DepotID    int64
	Code       string
	Name       string
	CapacityKG int64
	GrainKind  string
	BookKG     int64 // book stock (账面库存) kept by stock movements
}

// Device is a sensor, camera, scale or gateway of a depot, optionally
// placed in a bin.
type Device struct {
	ID        int64
	DepotID   int64
	BinID     int64 // 0: the depot as a whole
	Code      string
	Kind      DeviceKind
	Name      string
	Health    Health
	LastSeen  time.Time
	CreatedAt time.Time
}

// RotationPlan is a planned rotation (轮换计划) of a bin: movements in the
// given direction between From and To (business dates, inclusive).
type RotationPlan struct {
	ID         int64
	BinID      int64
	Direction  Direction // in, out; "" for both
	From, To   string    // YYYY-MM-DD
	QuantityKG int64
	Note       string
}

// Covers reports whether the plan allows a movement in direction dir on
// the business date day (YYYY-MM-DD).
func (p RotationPlan) Covers(dir Direction, day string) bool {
	return (p.Direction == "" || p.Direction == dir) && p.From <= day && day <= p.To
}

// Validate cleans and checks a depot. Errors: invalid with field codes.
func (d *Depot) Validate() error {
	var v apperr.Validation
	d.Code, d.Name, d.Address = textclean.Line(d.Code), textclean.Line(d.Name), textclean.Line(d.Address)
	checkCode(&v, d.Code)
	checkName(&v, "name", d.Name, true)
	checkName(&v, "place", d.Address, false)
	if d.UnitID <= 0 {
		v.Add("unit_id", "granary.invalid")
	}
	return v.Err()
}

// Validate cleans and checks a bin. Errors: invalid with field codes.
func (b *Bin) Validate() error {
	var v apperr.Validation
	b.Code, b.Name = textclean.Line(b.Code), textclean.Line(b.Name)
	checkCode(&v, b.Code)
	checkName(&v, "name", b.Name, false)
	if b.DepotID <= 0 {
		v.Add("depot_id", "granary.invalid")
	}
	if b.CapacityKG <= 0 || b.CapacityKG > MaxCapacityKG {
		v.Add("capacity_kg", "granary.invalid")
	}
	if !slices.Contains(GrainKinds(), b.GrainKind) {
		v.Add("grain_kind", "granary.invalid")
	}
	return v.Err()
}

// Validate cleans and checks a device. Errors: invalid with field codes.
func (d *Device) Validate() error {
	var v apperr.Validation
	d.Code, d.Name = textclean.Line(d.Code), textclean.Line(d.Name)
	checkCode(&v, d.Code)
	checkName(&v, "name", d.Name, false)
	if d.DepotID <= 0 {
		v.Add("depot_id", "granary.invalid")
	}
	if d.BinID < 0 {
		v.Add("bin_id", "granary.invalid")
	}
	if !slices.Contains(DeviceKinds(), d.Kind) {
		v.Add("kind", "granary.invalid")
	}
	if d.Health == "" {
		d.Health = HealthUnknown
	}
	if !slices.Contains(Healths(), d.Health) {
		v.Add("status", "granary.invalid")
	}
	return v.Err()
}

// Validate cleans and checks a rotation plan. Errors: invalid with field codes.
func (p *RotationPlan) Validate() error {
	var v apperr.Validation
	p.Note = textclean.Line(p.Note)
	if p.BinID <= 0 {
		v.Add("bin_id", "granary.invalid")
	}
	if p.Direction != "" && p.Direction != DirIn && p.Direction != DirOut {
		v.Add("direction", "granary.invalid")
	}
	from, errFrom := time.Parse(time.DateOnly, p.From)
	to, errTo := time.Parse(time.DateOnly, p.To)
	if errFrom != nil || len(p.From) != 10 {
		v.Add("from", "granary.date_invalid")
	}
	if errTo != nil || len(p.To) != 10 {
		v.Add("to", "granary.date_invalid")
	} else if errFrom == nil && to.Before(from) {
		v.Add("to", "granary.date_order")
	}
	if p.QuantityKG < 0 || p.QuantityKG > MaxCapacityKG {
		v.Add("quantity_kg", "granary.invalid")
	}
	checkName(&v, "note", p.Note, false)
	return v.Err()
}

func checkCode(v *apperr.Validation, code string) {
	switch {
	case code == "":
		v.Add("code", "granary.required")
	case !ValidCode(code):
		v.Add("code", "granary.code_invalid")
	}
}

func checkName(v *apperr.Validation, field, s string, required bool) {
	if s == "" && required {
		v.Add(field, "granary.required")
	} else if utf8.RuneCountInString(s) > MaxName {
		v.Add(field, "granary.too_long")
	}
}
