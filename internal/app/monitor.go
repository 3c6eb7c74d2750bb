package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/clue"
	"qingfeng/internal/monitor"
	"qingfeng/internal/store"
)

// This file holds the smart-granary services (智慧粮库): the registry of
// depots, bins, devices and rotation plans (monitor.manage, within scope),
// the ingest of feed events from MQTT or HTTPS (each payload either stored
// once with its hash or kept in the dead-letter list with its reason), and
// reading alerts and dead letters.

// ingestWindow is how far back from an event the rules look at its bin.
const ingestWindow = 8 * 24 * time.Hour

// The sources a payload arrives by.
const (
	SourceMQTT  = "mqtt"
	SourceHTTPS = "https"
)

// ReasonUnregistered is the dead-letter reason of a well-formed event
// whose depot, device or bin is not registered (or the bin is not the
// depot's).
const ReasonUnregistered = "unregistered"

// CreateDepot registers a depot under a unit in the caller's monitor.manage
// scope. Errors: forbidden, invalid, not_found (the unit), conflict (code).
func (a *App) CreateDepot(ctx context.Context, p auth.Principal, d monitor.Depot) (monitor.Depot, error) {
	if err := need(p, auth.PermMonitorManage); err != nil {
		return d, err
	}
	if err := d.Validate(); err != nil {
		return d, err
	}
	u, err := a.Store.GetUnit(ctx, d.UnitID)
	if err != nil {
		return d, err
	}
	if err := inScope(p, auth.PermMonitorManage, u.Path, "unit"); err != nil {
		return d, err
	}
	d.UnitPath = u.Path
	return a.Store.CreateDepot(ctx, actor(p), d)
}

// depotInScope returns a depot the caller may manage. Errors: not_found.
func (a *App) depotInScope(ctx context.Context, p auth.Principal, id int64) (monitor.Depot, error) {
	d, err := a.Store.GetDepot(ctx, id)
	if err != nil {
		return d, err
	}
	return d, inScope(p, auth.PermMonitorManage, d.UnitPath, "page")
}

// CreateBin registers a bin of a depot with its opening book stock.
// Errors: forbidden, invalid, not_found (the depot), conflict (code).
func (a *App) CreateBin(ctx context.Context, p auth.Principal, b monitor.Bin) (monitor.Bin, error) {
	if err := need(p, auth.PermMonitorManage); err != nil {
		return b, err
	}
	if err := b.Validate(); err != nil {
		return b, err
	}
	if _, err := a.depotInScope(ctx, p, b.DepotID); err != nil {
		return b, err
	}
	return a.Store.CreateBin(ctx, actor(p), b)
}

// CreateDevice registers a device of a depot (in one of its bins, or
// BinID 0). Errors: forbidden, invalid, not_found, conflict (code).
func (a *App) CreateDevice(ctx context.Context, p auth.Principal, d monitor.Device) (monitor.Device, error) {
	if err := need(p, auth.PermMonitorManage); err != nil {
		return d, err
	}
	if err := d.Validate(); err != nil {
		return d, err
	}
	if _, err := a.depotInScope(ctx, p, d.DepotID); err != nil {
		return d, err
	}
	if d.BinID != 0 {
		b, err := a.Store.GetBin(ctx, d.BinID)
		if err != nil || b.DepotID != d.DepotID {
			return d, invalidBin(err)
		}
	}
	return a.Store.CreateDevice(ctx, actor(p), d)
}

// CreateRotationPlan records a rotation plan of a bin. Errors: forbidden,
// invalid, not_found.
func (a *App) CreateRotationPlan(ctx context.Context, p auth.Principal, rp monitor.RotationPlan) (monitor.RotationPlan, error) {
	if err := need(p, auth.PermMonitorManage); err != nil {
		return rp, err
	}
	if err := rp.Validate(); err != nil {
		return rp, err
	}
	b, err := a.Store.GetBin(ctx, rp.BinID)
	if err != nil {
		return rp, err
	}
	if _, err := a.depotInScope(ctx, p, b.DepotID); err != nil {
		return rp, err
	}
	return a.Store.CreateRotationPlan(ctx, actor(p), rp)
}

// invalidBin is the error of a device placed in a bin that is not its
// depot's (or does not exist); other store errors pass through.
func invalidBin(err error) error {
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return err
	}
	return apperr.InvalidField("bin_id", "granary.invalid")
}

// IngestResult is what ingesting one payload did: stored (with the alerts
// it opened), acknowledged as a replay, or kept as a dead letter.
type IngestResult struct {
	store.IngestResult
	DeadLetter int64  // the dead letter's id when rejected
	Reason     string // the reject reason when rejected
}

// IngestEvent takes one payload from a source (SourceMQTT, SourceHTTPS):
// IngestBatch with one payload.
func (a *App) IngestEvent(ctx context.Context, raw []byte, source string) (IngestResult, error) {
	res, err := a.IngestBatch(ctx, [][]byte{raw}, source)
	if err != nil {
		return IngestResult{}, err
	}
	return res[0], nil
}

// IngestBatch takes payloads from a source (SourceMQTT, SourceHTTPS) and
// commits them in one transaction, in order: each is parsed strictly; a
// rejected or unregistered one goes to the dead-letter list with its
// reason (never dropped). An accepted one is stored once with the SHA-256
// of its bytes, moves the book stock, and opens the alerts the rules find
// in its bin's recent events (evaluated event by event, as if they came
// one at a time). The error is only for failures to store: the caller (an
// MQTT subscriber) must not acknowledge any of the batch then.
func (a *App) IngestBatch(ctx context.Context, raws [][]byte, source string) ([]IngestResult, error) {
	now := a.Now()
	rules, err := monitor.DefaultRules()
	if err != nil {
		return nil, err
	}
	items := make([]store.FeedItem, len(raws))
	hook := a.autoPush()
	for i, raw := range raws {
		dead := func(reason, detail string) {
			items[i].Dead = &store.DeadLetter{ReceivedAt: now, Source: source, Reason: reason, Detail: detail, Payload: raw}
		}
		e, err := monitor.ParseEvent(raw, now)
		if err != nil {
			dead(monitor.ReasonOf(err), err.Error())
			continue
		}
		t, ok, err := a.Store.FindFeedTarget(ctx, e.Depot, e.Device, e.Bin)
		if err != nil {
			return nil, err
		}
		if !ok {
			dead(ReasonUnregistered, "depot "+e.Depot+", device "+e.Device+", bin "+e.Bin)
			continue
		}
		items[i].Event = store.NewEvent{Target: t, Event: e, Raw: raw, Source: source, ReceivedAt: now, OnAlert: hook}
	}
	res, err := a.Store.IngestBatch(ctx, items, rules, ingestWindow)
	if err != nil {
		return nil, err
	}
	out := make([]IngestResult, len(res))
	opened := false
	for i, r := range res {
		opened = opened || len(r.Alerts) > 0
		out[i] = IngestResult{IngestResult: r.IngestResult, DeadLetter: r.DeadLetter}
		if d := items[i].Dead; d != nil {
			out[i].Reason = d.Reason
		}
	}
	if opened {
		a.nudgePush() // an auto-push may have been queued with them
	}
	return out, nil
}

func (a *App) deadLetter(ctx context.Context, raw []byte, source, reason, detail string) (IngestResult, error) {
	d, err := a.Store.AddDeadLetter(ctx, store.DeadLetter{ReceivedAt: a.Now(), Source: source, Reason: reason, Detail: detail, Payload: raw})
	return IngestResult{DeadLetter: d.ID, Reason: reason}, err
}

// GranaryAlerts lists the alerts in the caller's monitor.read scope
// (status "" for all), newest first, with their evidence events and
// pushes.
func (a *App) GranaryAlerts(ctx context.Context, p auth.Principal, status monitor.AlertStatus, limit int) ([]store.GranaryAlert, error) {
	if err := need(p, auth.PermMonitorRead); err != nil {
		return nil, err
	}
	als, err := a.Store.ListGranaryAlerts(ctx, p.ScopeFor(auth.PermMonitorRead), string(status), max(1, min(limit, 500)))
	if err != nil {
		return nil, err
	}
	return a.withPushes(ctx, als)
}

// DeadLetters lists the latest rejected payloads with their reasons
// (monitor.manage: they belong to no unit until read).
func (a *App) DeadLetters(ctx context.Context, p auth.Principal, limit int) ([]store.DeadLetter, error) {
	if err := need(p, auth.PermMonitorManage); err != nil {
		return nil, err
	}
	return a.Store.ListDeadLetters(ctx, max(1, min(limit, 500)))
}

// AlertAction is an action on an alert with its form: the reason of a
// dismissal; for to_clue the clue's subject and key field (the content is
// the alert's explanation with its evidence events).
type AlertAction struct {
	Op       monitor.AlertOp
	Version  int64
	Reason   string
	Subject  clue.Subject
	Category string
}

// AlertAct applies an action of monitor.AlertWorkflow to an alert in the
// caller's monitor.handle scope. to_clue registers one clue (source
// "alert", linked to the alert, the evidence listed in its content) with
// the caller's clue.register. Errors: forbidden, not_found, invalid,
// conflict (version, or an action the state does not allow:
// "granary.action_not_allowed").
func (a *App) AlertAct(ctx context.Context, p auth.Principal, id int64, in AlertAction) (store.GranaryAlert, error) {
	if err := need(p, auth.PermMonitorHandle); err != nil {
		return store.GranaryAlert{}, err
	}
	al, err := a.Store.GetGranaryAlert(ctx, id)
	if err != nil {
		return al, err
	}
	if err := inScope(p, auth.PermMonitorHandle, al.UnitPath, "page"); err != nil {
		return al, err
	}
	row, ok := monitor.AlertNext(al.Status, in.Op)
	if !ok {
		return al, apperr.New(apperr.Conflict, "granary.action_not_allowed")
	}
	if in.Version != al.Version {
		return al, apperr.New(apperr.Conflict, "error.version_conflict")
	}
	reason, err := monitor.CheckReason(row, in.Reason)
	if err != nil {
		return al, err
	}
	if row.To == monitor.AlertClue {
		// The clue and the alert's move commit together.
		move := store.AlertMove{ID: al.ID, Version: al.Version, Row: row, Reason: reason}
		if _, err := a.registerClue(ctx, p, clue.Input{Source: clue.SourceAlert, SourceType: "alert", SourceID: al.ID,
			Title: "智慧粮库预警：" + ruleTitle(al.Rule), Content: alertContent(al), Subject: in.Subject, Category: in.Category},
			func(n *store.NewClue) { n.Alert = &move }); err != nil {
			return al, err
		}
		out, err := a.Store.GetGranaryAlert(ctx, al.ID)
		return a.withPush(ctx, out, err)
	}
	out, err := a.Store.MoveGranaryAlert(ctx, actor(p), al.ID, al.Version, row, reason, 0)
	return a.withPush(ctx, out, err)
}

// ruleTitle returns a rule's Chinese title from the shipped rules.
func ruleTitle(code string) string {
	rules, err := monitor.DefaultRules()
	if err == nil {
		for _, r := range rules {
			if r.Code == code {
				return r.Title
			}
		}
	}
	return code
}

// alertContent is a clue's content made from an alert: the explanation
// and each evidence event with its time and the hash it arrived with.
func alertContent(al store.GranaryAlert) string {
	var b strings.Builder
	fmt.Fprintf(&b, "预警 %d（%s）：%s\n证据事件：\n", al.ID, ruleTitle(al.Rule), al.Explanation)
	for _, e := range al.Evidence {
		fmt.Fprintf(&b, "- 设备 %s 事件 %s（%s，%s，SHA-256 %s）\n", e.Device, e.EventID, e.Kind, e.At.UTC().Format(time.RFC3339), e.SHA256)
	}
	return b.String()
}

// gatewayAAD binds a sealed gateway secret to its device.
func gatewayAAD(deviceID int64) []byte { return fmt.Appendf(nil, "granary_device:%d", deviceID) }

// IssueGatewaySecret makes a new HMAC secret for a gateway (or any device
// posting over HTTPS) of a depot in the caller's monitor.manage scope and
// returns it hex-encoded, once: it is stored sealed with the vault key and
// the previous one stops working. Errors: forbidden, not_found.
func (a *App) IssueGatewaySecret(ctx context.Context, p auth.Principal, deviceID int64) (string, error) {
	if err := need(p, auth.PermMonitorManage); err != nil {
		return "", err
	}
	d, err := a.Store.GetDevice(ctx, deviceID)
	if err != nil {
		return "", err
	}
	if _, err := a.depotInScope(ctx, p, d.DepotID); err != nil {
		return "", err
	}
	secret := make([]byte, 32)
	if _, err := io.ReadFull(a.Rand, secret); err != nil {
		return "", fmt.Errorf("app: gateway secret: %w", err)
	}
	sealed, err := a.Keys.Seal(secret, gatewayAAD(d.ID))
	if err != nil {
		return "", err
	}
	if err := a.Store.SetGatewaySecret(ctx, actor(p), d.ID, sealed); err != nil {
		return "", err
	}
	return hex.EncodeToString(secret), nil
}

// IngestSigned takes a payload posted over HTTPS by a gateway named
// "<depot code>/<device code>" with signature the hex HMAC-SHA256 of raw
// under the gateway's secret. A missing or bad signature (or an unknown
// gateway, or one without a secret) is kept in the dead-letter list with
// reason "signature" and answers unauthenticated: the payload is never
// stored as an event. A gateway may post only its own depot's events.
func (a *App) IngestSigned(ctx context.Context, gatewayID, signature string, raw []byte) (IngestResult, error) {
	if ok, err := a.verifyGateway(ctx, gatewayID, signature, raw); err != nil || !ok {
		if err != nil {
			return IngestResult{}, err
		}
		if _, err := a.deadLetter(ctx, raw, SourceHTTPS, monitor.ReasonSignature, "gateway "+gatewayID); err != nil {
			return IngestResult{}, err
		}
		return IngestResult{}, apperr.New(apperr.Unauthenticated, "granary.signature_invalid")
	}
	depot, _, _ := strings.Cut(gatewayID, "/")
	if e, err := monitor.ParseEvent(raw, a.Now()); err == nil && e.Depot != depot {
		return a.deadLetter(ctx, raw, SourceHTTPS, ReasonUnregistered, "gateway "+gatewayID+" posted for depot "+e.Depot)
	}
	return a.IngestEvent(ctx, raw, SourceHTTPS)
}

func (a *App) verifyGateway(ctx context.Context, gatewayID, signature string, raw []byte) (bool, error) {
	depot, device, ok := strings.Cut(gatewayID, "/")
	sig, err := hex.DecodeString(signature)
	if !ok || err != nil || len(sig) != sha256.Size {
		return false, nil
	}
	g, found, err := a.Store.FindGateway(ctx, depot, device)
	if err != nil || !found || g.Sealed == "" {
		return false, err
	}
	secret, err := a.Keys.Open(g.Sealed, gatewayAAD(g.DeviceID))
	if err != nil {
		return false, fmt.Errorf("app: open gateway secret: %w", err)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(raw)
	return hmac.Equal(mac.Sum(nil), sig), nil
}

// GranaryBins lists the bins of the depots in the caller's monitor.read
// scope (or monitor.manage scope, for those who register equipment
// without reading records) with their book stock.
func (a *App) GranaryBins(ctx context.Context, p auth.Principal) ([]store.GranaryBin, error) {
	perm := auth.PermMonitorRead
	if !p.Can(perm) {
		perm = auth.PermMonitorManage
	}
	if err := need(p, perm); err != nil {
		return nil, err
	}
	return a.Store.ListGranaryBins(ctx, p.ScopeFor(perm))
}

// SweepSilentDevices opens a device_silent alert for each device that has
// sent nothing for the rule's silent_hours (once per silence: a device
// heard from again and silent again opens a new one). It returns how many
// alerts it opened; the serve loop calls it every few minutes.
func (a *App) SweepSilentDevices(ctx context.Context) (int, error) {
	rules, err := monitor.DefaultRules()
	if err != nil {
		return 0, err
	}
	var silent []monitor.Rule
	for _, r := range rules {
		if r.Code == monitor.RuleDeviceSilent && r.Enabled {
			silent = append(silent, r)
		}
	}
	if len(silent) == 0 {
		return 0, nil
	}
	now := a.Now()
	before := now.Add(-time.Duration(silent[0].Params["silent_hours"] * float64(time.Hour)))
	ids, err := a.Store.OpenSilenceAlerts(ctx, before, now, func(in monitor.Input) []monitor.Alert { return monitor.Evaluate(silent, in) }, a.autoPush())
	if len(ids) > 0 {
		a.nudgePush()
	}
	return len(ids), err
}
