package monitor

import (
	"slices"
	"strings"
	"unicode/utf8"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/textclean"
	"qingfeng/internal/workflow"
)

// AlertStatus is an alert's state. The values are part of the API.
type AlertStatus string

// The alert states.
const (
	AlertOpen         AlertStatus = "open"         // 待处置
	AlertAcknowledged AlertStatus = "acknowledged" // 已确认（核实中）
	AlertDismissed    AlertStatus = "dismissed"    // 已排除（附理由）
	AlertClue         AlertStatus = "clue"         // 已转为问题线索
)

// AlertStatuses lists the states in display order.
func AlertStatuses() []AlertStatus {
	return []AlertStatus{AlertOpen, AlertAcknowledged, AlertDismissed, AlertClue}
}

// Final reports whether the state ends the workflow.
func (s AlertStatus) Final() bool { return s == AlertDismissed || s == AlertClue }

// AlertOp is an action on an alert. The values are part of the API ("op").
type AlertOp string

// The alert actions.
const (
	AlertOpAck     AlertOp = "ack"     // 确认，开始核实
	AlertOpDismiss AlertOp = "dismiss" // 排除（须写明理由）
	AlertOpToClue  AlertOp = "to_clue" // 转为问题线索（附证据事件）
)

// AlertTransition is one row of the alert workflow.
type AlertTransition struct {
	From       AlertStatus
	Op         AlertOp
	To         AlertStatus
	Perm       auth.Permission
	NeedReason bool
	Guard      string
}

// AlertWorkflow returns the alert workflow as data.
func AlertWorkflow() []AlertTransition {
	return []AlertTransition{
		{AlertOpen, AlertOpAck, AlertAcknowledged, auth.PermMonitorHandle, false, "in scope"},
		{AlertOpen, AlertOpDismiss, AlertDismissed, auth.PermMonitorHandle, true, "in scope; reason"},
		{AlertAcknowledged, AlertOpDismiss, AlertDismissed, auth.PermMonitorHandle, true, "in scope; reason"},
		{AlertOpen, AlertOpToClue, AlertClue, auth.PermMonitorHandle, false, "in scope; registers one clue with the evidence events"},
		{AlertAcknowledged, AlertOpToClue, AlertClue, auth.PermMonitorHandle, false, "in scope; registers one clue with the evidence events"},
	}
}

// AlertNext returns the row for an action from a state (ok false: not allowed).
func AlertNext(from AlertStatus, op AlertOp) (AlertTransition, bool) {
	for _, t := range AlertWorkflow() {
		if t.From == from && t.Op == op {
			return t, true
		}
	}
	return AlertTransition{}, false
}

// AlertOps returns every action of the table once, in table order.
func AlertOps() []AlertOp {
	var out []AlertOp
	for _, t := range AlertWorkflow() {
		if !slices.Contains(out, t.Op) {
			out = append(out, t.Op)
		}
	}
	return out
}

// AlertTable returns the alert workflow as a workflow.Table.
func AlertTable() workflow.Table {
	t := workflow.Table{Name: "granary_alert", Title: "Granary alert (智慧粮库预警)", Start: string(AlertOpen),
		Final: []string{string(AlertDismissed), string(AlertClue)}}
	for _, r := range AlertWorkflow() {
		t.Rows = append(t.Rows, workflow.Transition{From: string(r.From), Op: string(r.Op), To: string(r.To), Perm: r.Perm, Guard: r.Guard})
	}
	return t
}

// MaxReason is the longest dismissal reason (characters).
const MaxReason = 2000

// CheckReason cleans an action's reason and checks it against the row.
// Errors: invalid with field "reason".
func CheckReason(row AlertTransition, reason string) (string, error) {
	reason = strings.TrimSpace(textclean.Text(reason))
	var v apperr.Validation
	switch {
	case row.NeedReason && reason == "":
		v.Add("reason", "granary.required")
	case utf8.RuneCountInString(reason) > MaxReason:
		v.Add("reason", "granary.too_long")
	}
	return reason, v.Err()
}
