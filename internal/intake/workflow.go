package intake

import (
	"qingfeng/internal/auth"
	"qingfeng/internal/workflow"
)

// Status is a report's state in its workflow.
type Status string

// The report states.
const (
	StatusReceived  Status = "received"  // 已登记: registered, awaiting acceptance
	StatusAccepted  Status = "accepted"  // 已受理
	StatusHandling  Status = "handling"  // 办理中: assigned for handling
	StatusForwarded Status = "forwarded" // 已转办 outside this installation
	StatusDeclined  Status = "declined"  // 不予受理
	StatusClosed    Status = "closed"    // 已办结
)

// Op is an action on a report.
type Op string

// The report actions.
const (
	OpAccept  Op = "accept"
	OpForward Op = "forward"
	OpDecline Op = "decline"
	OpAssign  Op = "assign"
	OpClose   Op = "close"
	OpReopen  Op = "reopen"
)

// Transition is one row of the workflow table: in state From, action Op
// leads to To for holders of Perm. Guard names a precondition checked by
// the service (documented in the diagram).
type Transition struct {
	From  Status
	Op    Op
	To    Status
	Perm  auth.Permission
	Guard string
}

// Workflow returns the report workflow as data. Forwarding to a unit inside
// the installation moves the report to that unit as StatusReceived (a new
// registration there, with its own clock); forwarding outside ends here.
func Workflow() []Transition {
	return []Transition{
		{StatusReceived, OpAccept, StatusAccepted, auth.PermReportHandle, "in remit"},
		{StatusReceived, OpForward, StatusReceived, auth.PermReportHandle, "target inside the installation"},
		{StatusReceived, OpForward, StatusForwarded, auth.PermReportHandle, "target outside the installation"},
		{StatusReceived, OpDecline, StatusDeclined, auth.PermReportHandle, "reason given"},
		{StatusAccepted, OpAssign, StatusHandling, auth.PermReportHandle, "handling unit in scope"},
		{StatusAccepted, OpClose, StatusClosed, auth.PermReportHandle, "result given"},
		{StatusHandling, OpClose, StatusClosed, auth.PermReportHandle, "result given"},
		{StatusClosed, OpReopen, StatusHandling, auth.PermReportHandle, "new evidence"},
		{StatusDeclined, OpReopen, StatusReceived, auth.PermReportHandle, "decision revised"},
	}
}

// Next returns the transitions allowed from a state for an action.
func Next(from Status, op Op) []Transition {
	var out []Transition
	for _, t := range Workflow() {
		if t.From == from && t.Op == op {
			out = append(out, t)
		}
	}
	return out
}

// Table returns the report workflow as a workflow.Table (docs, checks).
func Table() workflow.Table {
	t := workflow.Table{Name: "report", Title: "Report (信访举报)", Start: string(StatusReceived),
		Final: []string{string(StatusClosed), string(StatusForwarded), string(StatusDeclined)}}
	for _, r := range Workflow() {
		t.Rows = append(t.Rows, workflow.Transition{From: string(r.From), Op: string(r.Op), To: string(r.To), Perm: r.Perm, Guard: r.Guard})
	}
	return t
}
