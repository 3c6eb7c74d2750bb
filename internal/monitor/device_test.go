package monitor

import (
	"testing"

	"qingfeng/internal/apperr"
)

// fieldsOf returns the invalid fields of a validation error.
func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	if err == nil {
		return nil
	}
	e := apperr.As(err)
	if e == nil || e.Code != apperr.Invalid {
		t.Fatalf("error %v is not invalid", err)
	}
	return e.Fields
}

func TestRegistryValidate(t *testing.T) {
	tests := []struct {
		name  string
		check func() error
		field string // "" when valid
	}{
		{"depot", func() error { d := Depot{Code: " D-01 ", Name: "城北粮库", UnitID: 3}; return d.Validate() }, ""},
		{"depot without unit", func() error { d := Depot{Code: "D1", Name: "x"}; return d.Validate() }, "unit_id"},
		{"depot bad code", func() error { d := Depot{Code: "粮库1", Name: "x", UnitID: 1}; return d.Validate() }, "code"},
		{"depot without name", func() error { d := Depot{Code: "D1", UnitID: 1}; return d.Validate() }, "name"},
		{"bin", func() error {
			b := Bin{DepotID: 1, Code: "P1", CapacityKG: 5_000_000, GrainKind: "wheat"}
			return b.Validate()
		}, ""},
		{"bin without capacity", func() error { b := Bin{DepotID: 1, Code: "P1", GrainKind: "wheat"}; return b.Validate() }, "capacity_kg"},
		{"bin unknown grain", func() error {
			b := Bin{DepotID: 1, Code: "P1", CapacityKG: 1, GrainKind: "rice cake"}
			return b.Validate()
		}, "grain_kind"},
		{"bin without depot", func() error { b := Bin{Code: "P1", CapacityKG: 1, GrainKind: "maize"}; return b.Validate() }, "depot_id"},
		{"device", func() error { d := Device{DepotID: 1, Code: "T01", Kind: DeviceSensor}; return d.Validate() }, ""},
		{"device unknown kind", func() error { d := Device{DepotID: 1, Code: "T01", Kind: "drone"}; return d.Validate() }, "kind"},
		{"device bad health", func() error {
			d := Device{DepotID: 1, Code: "T01", Kind: DeviceCamera, Health: "sad"}
			return d.Validate()
		}, "status"},
		{"plan", func() error {
			p := RotationPlan{BinID: 1, Direction: DirOut, From: "2026-12-01", To: "2026-12-31", QuantityKG: 10}
			return p.Validate()
		}, ""},
		{"plan ends before it starts", func() error { p := RotationPlan{BinID: 1, From: "2026-12-31", To: "2026-12-01"}; return p.Validate() }, "to"},
		{"plan bad date", func() error { p := RotationPlan{BinID: 1, From: "2026-13-01", To: "2026-12-01"}; return p.Validate() }, "from"},
		{"plan bad direction", func() error {
			p := RotationPlan{BinID: 1, Direction: "up", From: "2026-12-01", To: "2026-12-01"}
			return p.Validate()
		}, "direction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fieldsOf(t, tt.check())
			if tt.field == "" && len(f) != 0 {
				t.Fatalf("fields %v, want valid", f)
			}
			if _, ok := f[tt.field]; tt.field != "" && !ok {
				t.Fatalf("fields %v, want %s", f, tt.field)
			}
		})
	}
	d := Depot{Code: " D-01 ", Name: " 城北  粮库 ", UnitID: 3}
	if err := d.Validate(); err != nil || d.Code != "D-01" || d.Name != "城北 粮库" {
		t.Errorf("cleaned %+v %v", d, err)
	}
	dev := Device{DepotID: 1, Code: "T01", Kind: DeviceSensor}
	if err := dev.Validate(); err != nil || dev.Health != HealthUnknown {
		t.Errorf("device health %q %v", dev.Health, err)
	}
}

func TestPlanCovers(t *testing.T) {
	p := RotationPlan{Direction: DirOut, From: "2026-12-01", To: "2026-12-10"}
	both := RotationPlan{From: "2026-12-01", To: "2026-12-01"}
	for _, tt := range []struct {
		p    RotationPlan
		dir  Direction
		day  string
		want bool
	}{
		{p, DirOut, "2026-12-01", true}, {p, DirOut, "2026-12-10", true}, {p, DirOut, "2026-12-11", false},
		{p, DirIn, "2026-12-05", false}, {both, DirIn, "2026-12-01", true}, {both, DirOut, "2026-11-30", false},
	} {
		if got := tt.p.Covers(tt.dir, tt.day); got != tt.want {
			t.Errorf("%+v covers %s %s = %v", tt.p, tt.dir, tt.day, got)
		}
	}
}
