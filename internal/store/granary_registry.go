package store

import (
	"context"
	"fmt"

	"qingfeng/internal/auth"
	"qingfeng/internal/monitor"
)

// This file reads the smart-granary registry for its pages and the API:
// depots, devices and rotation plans of the depots in a scope (the bins
// are ListGranaryBins).

// registryLimit bounds each registry list; a county has a handful of
// depots with a few hundred devices.
const registryLimit = 2000

// GranaryDepot is a depot with the name of its unit.
type GranaryDepot struct {
	monitor.Depot
	UnitName string
}

// ListGranaryDepots returns the depots in scope, by code.
func (s *Store) ListGranaryDepots(ctx context.Context, sc auth.Scope) ([]GranaryDepot, error) {
	var a args
	rows, err := s.db.QueryContext(ctx, `SELECT d.id, d.code, d.name, d.unit_id, d.unit_path, d.address, d.created_at, u.name
		FROM granary_depots d JOIN units u ON u.id = d.unit_id
		WHERE `+scopeSQL(sc, "d.unit_path", &a)+fmt.Sprintf(` ORDER BY d.code LIMIT %d`, registryLimit), a.v...)
	if err != nil {
		return nil, fmt.Errorf("store: depots: %w", err)
	}
	defer rows.Close()
	var out []GranaryDepot
	for rows.Next() {
		var d GranaryDepot
		var cr int64
		if err := rows.Scan(&d.ID, &d.Code, &d.Name, &d.UnitID, &d.UnitPath, &d.Address, &cr, &d.UnitName); err != nil {
			return nil, fmt.Errorf("store: depots: %w", err)
		}
		d.CreatedAt = fromMS(cr)
		out = append(out, d)
	}
	return out, rows.Err()
}

// GranaryDevice is a device with the codes of its depot and bin and
// whether a gateway secret has been issued to it.
type GranaryDevice struct {
	monitor.Device
	DepotCode string
	BinCode   string
	HasSecret bool
}

// ListGranaryDevices returns the devices of the depots in scope, by depot
// and device code.
func (s *Store) ListGranaryDevices(ctx context.Context, sc auth.Scope) ([]GranaryDevice, error) {
	var a args
	rows, err := s.db.QueryContext(ctx, `SELECT v.id, v.depot_id, COALESCE(v.bin_id, 0), v.code, v.kind, v.name, v.health, v.last_seen,
		v.created_at, d.code, COALESCE(b.code, ''), CASE WHEN v.secret <> '' THEN 1 ELSE 0 END
		FROM granary_devices v JOIN granary_depots d ON d.id = v.depot_id LEFT JOIN granary_bins b ON b.id = v.bin_id
		WHERE `+scopeSQL(sc, "d.unit_path", &a)+fmt.Sprintf(` ORDER BY d.code, v.code LIMIT %d`, registryLimit), a.v...)
	if err != nil {
		return nil, fmt.Errorf("store: devices: %w", err)
	}
	defer rows.Close()
	var out []GranaryDevice
	for rows.Next() {
		var g GranaryDevice
		var kind, health string
		var seen, cr, secret int64
		if err := rows.Scan(&g.ID, &g.DepotID, &g.BinID, &g.Code, &kind, &g.Name, &health, &seen, &cr, &g.DepotCode, &g.BinCode, &secret); err != nil {
			return nil, fmt.Errorf("store: devices: %w", err)
		}
		g.Kind, g.Health, g.LastSeen, g.CreatedAt, g.HasSecret = monitor.DeviceKind(kind), monitor.Health(health), fromMS(seen), fromMS(cr), secret == 1
		out = append(out, g)
	}
	return out, rows.Err()
}

// GranaryPlan is a rotation plan with the codes of its depot and bin.
type GranaryPlan struct {
	monitor.RotationPlan
	DepotCode string
	BinCode   string
}

// ListRotationPlans returns the rotation plans of the bins in scope, the
// latest periods first.
func (s *Store) ListRotationPlans(ctx context.Context, sc auth.Scope) ([]GranaryPlan, error) {
	var a args
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, p.bin_id, p.direction, p.from_day, p.to_day, p.quantity_kg, p.note, d.code, b.code
		FROM granary_rotation_plans p JOIN granary_bins b ON b.id = p.bin_id JOIN granary_depots d ON d.id = b.depot_id
		WHERE `+scopeSQL(sc, "d.unit_path", &a)+fmt.Sprintf(` ORDER BY p.to_day DESC, p.id DESC LIMIT %d`, registryLimit), a.v...)
	if err != nil {
		return nil, fmt.Errorf("store: rotation plans: %w", err)
	}
	defer rows.Close()
	var out []GranaryPlan
	for rows.Next() {
		var g GranaryPlan
		var dir string
		if err := rows.Scan(&g.ID, &g.BinID, &dir, &g.From, &g.To, &g.QuantityKG, &g.Note, &g.DepotCode, &g.BinCode); err != nil {
			return nil, fmt.Errorf("store: rotation plans: %w", err)
		}
		g.Direction = monitor.Direction(dir)
		out = append(out, g)
	}
	return out, rows.Err()
}
