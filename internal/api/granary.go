package api

import (
	"io"
	"net/http"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/clue"
	"qingfeng/internal/monitor"
	"qingfeng/internal/store"
)

// granaryRoutes are the smart-granary (智慧粮库) routes: the registry,
// alerts with their handling, and the dead-letter list.
func (x *API) granaryRoutes() []route {
	return []route{
		{"POST", "/granary/depots", false, x.createDepot},
		{"POST", "/granary/bins", false, x.createBin},
		{"POST", "/granary/devices", false, x.createDevice},
		{"POST", "/granary/devices/{id}/secret", false, x.issueGatewaySecret},
		{"POST", "/granary/rotation-plans", false, x.createRotationPlan},
		{"POST", "/granary/events", true, x.postGranaryEvent},
		{"GET", "/granary/alerts", false, x.listGranaryAlerts},
		{"POST", "/granary/alerts/{id}/transitions", false, x.granaryAlertTransition},
		{"GET", "/granary/dead-letters", false, x.listDeadLetters},
		{"GET", "/granary/registry", false, x.granaryRegistry},
	}
}

// DepotIn is the body of POST /granary/depots.
type DepotIn struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	UnitID  int64  `json:"unit_id"`
	Address string `json:"address,omitempty"`
}

func (x *API) createDepot(w http.ResponseWriter, r *http.Request) error {
	var in DepotIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	d, err := x.app.CreateDepot(r.Context(), principal(r), monitor.Depot{Code: in.Code, Name: in.Name, UnitID: in.UnitID, Address: in.Address})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"id": d.ID, "code": d.Code, "name": d.Name, "unit_id": d.UnitID, "address": d.Address})
}

// BinIn is the body of POST /granary/bins.
type BinIn struct {
	DepotID    int64  `json:"depot_id"`
	Code       string `json:"code"`
	Name       string `json:"name,omitempty"`
	CapacityKG int64  `json:"capacity_kg"`
	GrainKind  string `json:"grain_kind"`
	BookKG     int64  `json:"book_kg"`
}

func (x *API) createBin(w http.ResponseWriter, r *http.Request) error {
	var in BinIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	b, err := x.app.CreateBin(r.Context(), principal(r), monitor.Bin{DepotID: in.DepotID, Code: in.Code, Name: in.Name,
		CapacityKG: in.CapacityKG, GrainKind: in.GrainKind, BookKG: in.BookKG})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"id": b.ID, "depot_id": b.DepotID, "code": b.Code, "name": b.Name,
		"capacity_kg": b.CapacityKG, "grain_kind": b.GrainKind, "book_kg": b.BookKG})
}

// DeviceIn is the body of POST /granary/devices.
type DeviceIn struct {
	DepotID int64              `json:"depot_id"`
	BinID   int64              `json:"bin_id,omitempty"`
	Code    string             `json:"code"`
	Kind    monitor.DeviceKind `json:"kind"`
	Name    string             `json:"name,omitempty"`
}

func (x *API) createDevice(w http.ResponseWriter, r *http.Request) error {
	var in DeviceIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	d, err := x.app.CreateDevice(r.Context(), principal(r), monitor.Device{DepotID: in.DepotID, BinID: in.BinID, Code: in.Code,
		Kind: in.Kind, Name: in.Name})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"id": d.ID, "depot_id": d.DepotID, "bin_id": d.BinID, "code": d.Code,
		"kind": d.Kind, "name": d.Name, "health": d.Health})
}

// RotationPlanIn is the body of POST /granary/rotation-plans.
type RotationPlanIn struct {
	BinID      int64             `json:"bin_id"`
	Direction  monitor.Direction `json:"direction,omitempty"`
	From       string            `json:"from"`
	To         string            `json:"to"`
	QuantityKG int64             `json:"quantity_kg,omitempty"`
	Note       string            `json:"note,omitempty"`
}

func (x *API) createRotationPlan(w http.ResponseWriter, r *http.Request) error {
	var in RotationPlanIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	p, err := x.app.CreateRotationPlan(r.Context(), principal(r), monitor.RotationPlan{BinID: in.BinID, Direction: in.Direction,
		From: in.From, To: in.To, QuantityKG: in.QuantityKG, Note: in.Note})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"id": p.ID, "bin_id": p.BinID, "direction": p.Direction, "from": p.From,
		"to": p.To, "quantity_kg": p.QuantityKG, "note": p.Note})
}

// GranaryAlert is an alert in the API.
type GranaryAlert struct {
	ID          int64               `json:"id"`
	Rule        string              `json:"rule"`
	Level       monitor.Level       `json:"level"`
	DepotID     int64               `json:"depot_id"`
	BinID       int64               `json:"bin_id,omitempty"`
	Status      monitor.AlertStatus `json:"status"`
	Explanation string              `json:"explanation"`
	At          time.Time           `json:"at"`
	OpenedAt    time.Time           `json:"opened_at"`
	Reason      string              `json:"reason,omitempty"`
	ClueID      int64               `json:"clue_id,omitempty"`
	Version     int64               `json:"version"`
	Evidence    []EvidenceEvent     `json:"evidence"`
	Push        *Push               `json:"push"` // its push to the provincial platform; null: not pushed
}

// EvidenceEvent is an alert's evidence event in the API.
type EvidenceEvent struct {
	Device  string    `json:"device"`
	EventID string    `json:"event_id"`
	Kind    string    `json:"kind"`
	At      time.Time `json:"at"`
	SHA256  string    `json:"sha256"`
}

func alertJSON(a store.GranaryAlert) GranaryAlert {
	ev := []EvidenceEvent{}
	for _, e := range a.Evidence {
		ev = append(ev, EvidenceEvent{e.Device, e.EventID, e.Kind, e.At, e.SHA256})
	}
	return GranaryAlert{ID: a.ID, Rule: a.Rule, Level: a.Level, DepotID: a.DepotID, BinID: a.BinID, Status: a.Status,
		Explanation: a.Explanation, At: a.At, OpenedAt: a.OpenedAt, Reason: a.Reason, ClueID: a.ClueID, Version: a.Version, Evidence: ev, Push: pushJSON(a.Push)}
}

func (x *API) listGranaryAlerts(w http.ResponseWriter, r *http.Request) error {
	limit, _, err := page(r)
	if err != nil {
		return err
	}
	rows, err := x.app.GranaryAlerts(r.Context(), principal(r), monitor.AlertStatus(r.URL.Query().Get("status")), limit)
	if err != nil {
		return err
	}
	out := make([]GranaryAlert, 0, len(rows))
	for _, a := range rows {
		out = append(out, alertJSON(a))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

// AlertTransitionIn is the body of POST /granary/alerts/{id}/transitions.
type AlertTransitionIn struct {
	Op       monitor.AlertOp `json:"op"`
	Version  int64           `json:"version"`
	Reason   string          `json:"reason,omitempty"`
	Subject  clue.Subject    `json:"subject"`
	Category string          `json:"category,omitempty"`
}

func (x *API) granaryAlertTransition(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "page")
	if err != nil {
		return err
	}
	var in AlertTransitionIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	out, err := x.app.AlertAct(r.Context(), principal(r), id, app.AlertAction{Op: in.Op, Version: in.Version, Reason: in.Reason,
		Subject: in.Subject, Category: in.Category})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, alertJSON(out))
}

func (x *API) listDeadLetters(w http.ResponseWriter, r *http.Request) error {
	limit, _, err := page(r)
	if err != nil {
		return err
	}
	rows, err := x.app.DeadLetters(r.Context(), principal(r), limit)
	if err != nil {
		return err
	}
	type letter struct {
		ID         int64     `json:"id"`
		ReceivedAt time.Time `json:"received_at"`
		Source     string    `json:"source"`
		Reason     string    `json:"reason"`
		Detail     string    `json:"detail"`
		Payload    string    `json:"payload"`
		SHA256     string    `json:"sha256"`
	}
	out := []letter{}
	for _, d := range rows {
		out = append(out, letter{d.ID, d.ReceivedAt, d.Source, d.Reason, d.Detail, string(d.Payload), d.SHA256})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

// issueGatewaySecret answers a new gateway secret, once (monitor.manage).
func (x *API) issueGatewaySecret(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "page")
	if err != nil {
		return err
	}
	secret, err := x.app.IssueGatewaySecret(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"device_id": id, "secret": secret})
}

// postGranaryEvent takes one feed payload from a gateway: public (no
// session), authenticated by X-Gateway-Id and X-Signature instead.
func (x *API) postGranaryEvent(w http.ResponseWriter, r *http.Request) error {
	raw, err := io.ReadAll(io.LimitReader(r.Body, monitor.MaxPayload+1))
	if err != nil {
		return apperr.Wrap(err, apperr.Invalid, "api.bad_json")
	}
	res, err := x.app.IngestSigned(r.Context(), r.Header.Get("X-Gateway-Id"), r.Header.Get("X-Signature"), raw)
	if err != nil {
		return err
	}
	out := map[string]any{"result": "stored", "alerts": len(res.Alerts)}
	switch {
	case res.DeadLetter != 0:
		out = map[string]any{"result": "rejected", "reason": res.Reason, "dead_letter": res.DeadLetter}
	case res.Duplicate:
		out = map[string]any{"result": "duplicate"}
	}
	return writeJSON(w, http.StatusOK, out)
}

// granaryRegistry answers the depots, bins, devices (health, last contact,
// whether a gateway secret is issued) and rotation plans in scope.
func (x *API) granaryRegistry(w http.ResponseWriter, r *http.Request) error {
	g, err := x.app.Registry(r.Context(), principal(r))
	if err != nil {
		return err
	}
	depots, bins, devices, plans := []map[string]any{}, []map[string]any{}, []map[string]any{}, []map[string]any{}
	for _, d := range g.Depots {
		depots = append(depots, map[string]any{"id": d.ID, "code": d.Code, "name": d.Name, "unit_id": d.UnitID, "unit_name": d.UnitName,
			"address": d.Address, "created_at": d.CreatedAt})
	}
	for _, b := range g.Bins {
		bins = append(bins, map[string]any{"id": b.Bin.ID, "depot_id": b.DepotID, "depot_code": b.DepotCode, "code": b.Bin.Code,
			"name": b.Bin.Name, "capacity_kg": b.Bin.CapacityKG, "grain_kind": b.Bin.GrainKind, "book_kg": b.Bin.BookKG})
	}
	for _, d := range g.Devices {
		var seen *time.Time
		if !d.LastSeen.IsZero() {
			seen = &d.LastSeen
		}
		devices = append(devices, map[string]any{"id": d.ID, "depot_id": d.DepotID, "depot_code": d.DepotCode, "bin_id": d.BinID,
			"bin_code": d.BinCode, "code": d.Code, "kind": d.Kind, "name": d.Name, "health": d.Health, "last_seen": seen, "secret_issued": d.HasSecret})
	}
	for _, p := range g.Plans {
		plans = append(plans, map[string]any{"id": p.ID, "bin_id": p.BinID, "depot_code": p.DepotCode, "bin_code": p.BinCode,
			"direction": p.Direction, "from": p.From, "to": p.To, "quantity_kg": p.QuantityKG, "note": p.Note})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"depots": depots, "bins": bins, "devices": devices, "rotation_plans": plans})
}
