// Package oversight is supervision (监督): supervision tasks and campaigns,
// rectification (整改) of the problems they find, and the village work
// logs. It is pure: the store persists its types and the services in
// internal/app apply its rules.
package oversight

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/textclean"
	"qingfeng/internal/workflow"
)

// RectStatus is a rectification's state. The values are part of the API.
type RectStatus string

// The rectification states.
const (
	RectOpen       RectStatus = "open"              // 整改中
	RectReported   RectStatus = "reported"          // 已报送整改情况
	RectVerifying  RectStatus = "verifying"         // 核查验收中（含回访）
	RectStaged     RectStatus = "closed_staged"     // 阶段性销号（持续跟踪）
	RectProcedural RectStatus = "closed_procedural" // 程序性销号
	RectClosed     RectStatus = "closed"            // 实质性销号
)

// RectStatuses lists the states in display order.
func RectStatuses() []RectStatus {
	return []RectStatus{RectOpen, RectReported, RectVerifying, RectStaged, RectProcedural, RectClosed}
}

// Final reports whether the state ends the workflow (a staged closure does
// not: the item stays followed and may be reported again).
func (s RectStatus) Final() bool { return s == RectProcedural || s == RectClosed }

// RectOp is an action on a rectification. The values are part of the API ("op").
type RectOp string

// The rectification actions.
const (
	RectOpReport     RectOp = "report"             // 责任单位报送整改措施及佐证材料（可多次）
	RectOpVerify     RectOp = "start_verification" // 监督单位启动核查验收
	RectOpProcedural RectOp = "close_procedural"   // 程序性销号
	RectOpStaged     RectOp = "close_staged"       // 阶段性销号
	RectOpPass       RectOp = "close_substantive"  // 验收通过且回访满意：实质性销号
	RectOpReopen     RectOp = "reopen"             // 验收未通过：重新整改（新期限）
)

// Side is who may take an action: the responsible unit (its own items) or
// the supervising unit (never a user inside the responsible unit).
type Side string

// The sides.
const (
	SideResponsible Side = "responsible"
	SideSupervising Side = "supervising"
)

// The parts of an action's form a row requires (guards as data).
const (
	NeedMeasures  = "measures"  // the measures taken (text)
	NeedText      = "text"      // a reason or a note
	NeedVisit     = "visit"     // a follow-up visit (回访): date, visitor, satisfaction
	NeedDeadline  = "deadline"  // a new deadline after today
	NeedSatisfied = "satisfied" // the visit's satisfaction is not unsatisfied
)

// RectTransition is one row of the rectification workflow.
type RectTransition struct {
	From  RectStatus
	Op    RectOp
	To    RectStatus
	Perm  auth.Permission
	Side  Side
	Needs []string
	Guard string
}

// RectWorkflow returns the rectification workflow as data.
func RectWorkflow() []RectTransition {
	return []RectTransition{
		{RectOpen, RectOpReport, RectReported, auth.PermTaskReport, SideResponsible, []string{NeedMeasures}, "the responsible unit; measures, evidence files"},
		{RectReported, RectOpReport, RectReported, auth.PermTaskReport, SideResponsible, []string{NeedMeasures}, "the responsible unit; a further report"},
		{RectStaged, RectOpReport, RectReported, auth.PermTaskReport, SideResponsible, []string{NeedMeasures}, "the responsible unit; follow-up towards substantive closure"},
		{RectReported, RectOpVerify, RectVerifying, auth.PermTaskManage, SideSupervising, nil, "the supervising unit, not the responsible unit"},
		{RectReported, RectOpProcedural, RectProcedural, auth.PermTaskManage, SideSupervising, []string{NeedText}, "the supervising unit; reason"},
		{RectReported, RectOpStaged, RectStaged, auth.PermTaskManage, SideSupervising, []string{NeedText}, "the supervising unit; what remains to follow"},
		{RectVerifying, RectOpPass, RectClosed, auth.PermTaskManage, SideSupervising, []string{NeedText, NeedVisit, NeedSatisfied}, "verification passed; follow-up visit satisfied or basically satisfied"},
		{RectVerifying, RectOpReopen, RectOpen, auth.PermTaskManage, SideSupervising, []string{NeedText, NeedDeadline}, "verification failed; reason and a new deadline"},
	}
}

// RectNext returns the row for an action from a state (ok false: not allowed).
func RectNext(from RectStatus, op RectOp) (RectTransition, bool) {
	for _, t := range RectWorkflow() {
		if t.From == from && t.Op == op {
			return t, true
		}
	}
	return RectTransition{}, false
}

// RectOps returns every action of the table once, in table order.
func RectOps() []RectOp {
	var out []RectOp
	for _, t := range RectWorkflow() {
		if !slices.Contains(out, t.Op) {
			out = append(out, t.Op)
		}
	}
	return out
}

// RectTable returns the rectification workflow as a workflow.Table.
func RectTable() workflow.Table {
	t := workflow.Table{Name: "rectification", Title: "Rectification (整改)", Start: string(RectOpen),
		Final: []string{string(RectProcedural), string(RectClosed)}}
	for _, r := range RectWorkflow() {
		guard := string(r.Side) + " side; " + r.Guard
		t.Rows = append(t.Rows, workflow.Transition{From: string(r.From), Op: string(r.Op), To: string(r.To), Perm: r.Perm, Guard: guard})
	}
	return t
}

// The closure kinds (销号).
const (
	ClosureProcedural  = "procedural"  // 程序性销号
	ClosureStaged      = "staged"      // 阶段性销号
	ClosureSubstantive = "substantive" // 实质性销号
)

// ClosureOf returns the closure kind a state records ("" for none).
func ClosureOf(s RectStatus) string {
	switch s {
	case RectProcedural:
		return ClosureProcedural
	case RectStaged:
		return ClosureStaged
	case RectClosed:
		return ClosureSubstantive
	}
	return ""
}

// The satisfaction of the person concerned at a follow-up visit (回访).
const (
	Satisfied   = "satisfied"   // 满意
	Basically   = "basically"   // 基本满意
	Unsatisfied = "unsatisfied" // 不满意
)

// Satisfactions lists the satisfaction values in display order.
func Satisfactions() []string { return []string{Satisfied, Basically, Unsatisfied} }

// RectSourceTypes lists the record types a rectification may come from.
func RectSourceTypes() []string {
	return []string{"task", "task_finding", "clue", "case", "report", "crosscheck"}
}

// Text sizes (characters).
const (
	MaxRectTitle = 100
	MaxRectText  = 10000
	MaxRectName  = 50
)

// Rectification is one problem tracked to verified closure.
type Rectification struct {
	ID                  int64
	Title               string
	Problem             string // the problem found
	Required            string // the measures required (整改要求)
	ResponsibleUnitID   int64
	ResponsibleUnitName string
	ResponsiblePath     string
	SupervisingUnitID   int64
	SupervisingUnitName string
	SupervisingPath     string
	Deadline            string // YYYY-MM-DD (business date)
	SourceType          string // task, clue, case, report; "" for none
	SourceID            int64
	PersonConcerned     string // the person to visit (回访), optional
	Status              RectStatus
	Closure             string // procedural, staged, substantive; "" while none
	Reopened            int    // how many times verification failed
	ReportedAt          time.Time
	ClosedAt            time.Time
	CreatedBy           int64
	Version             int64
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// Overdue reports whether the deadline (a business date) has passed on today.
func (r Rectification) Overdue(today string) bool {
	return !r.Status.Final() && r.Status != RectStaged && r.Deadline != "" && r.Deadline < today
}

// RectEvent is one recorded step: a report of measures, a closure, a
// verification with its follow-up visit, a reopening.
type RectEvent struct {
	ID           int64
	RectID       int64
	Action       string
	FromStatus   RectStatus
	ToStatus     RectStatus
	UnitID       int64
	UnitName     string
	UserID       int64
	UserName     string
	Text         string // measures, reason or note
	VisitDate    string // YYYY-MM-DD
	Visitor      string
	Satisfaction string
	Deadline     string // the new deadline of a reopening
	At           time.Time
}

// Evidence is a file reported as evidence (documents, photos).
type Evidence struct {
	ID        int64
	RectID    int64
	EventID   int64
	Name      string
	MIME      string
	Size      int64
	SHA256    string
	UserID    int64
	CreatedAt time.Time
}

// RectificationInput is a new rectification, from a form, the API or
// another workflow (a task's finding, a clue, a case, a report).
type RectificationInput struct {
	Title             string
	Problem           string
	Required          string
	ResponsibleUnitID int64
	SupervisingUnitID int64 // 0: the creator's unit
	Deadline          string
	SourceType        string
	SourceID          int64
	PersonConcerned   string
}

// Validate cleans and checks a new rectification; today is the business
// date (the deadline must come after it). Errors: invalid with field codes.
func (in *RectificationInput) Validate(today string) error {
	var v apperr.Validation
	in.Title, in.PersonConcerned = textclean.Line(in.Title), textclean.Line(in.PersonConcerned)
	in.Problem, in.Required = textclean.Text(in.Problem), textclean.Text(in.Required)
	in.Deadline, in.SourceType = strings.TrimSpace(in.Deadline), strings.TrimSpace(in.SourceType)
	if in.Title == "" {
		v.Add("title", "rect.required")
	} else if utf8.RuneCountInString(in.Title) > MaxRectTitle {
		v.Add("title", "rect.too_long")
	}
	checkText(&v, "problem", in.Problem, true)
	checkText(&v, "required", in.Required, true)
	if in.ResponsibleUnitID <= 0 {
		v.Add("responsible_unit_id", "rect.unit_invalid")
	}
	if in.SupervisingUnitID < 0 {
		v.Add("supervising_unit_id", "rect.unit_invalid")
	}
	if err := FutureDate(in.Deadline, today); err != "" {
		v.Add("deadline", err)
	}
	switch {
	case in.SourceType == "" && in.SourceID != 0:
		v.Add("source_type", "rect.source_invalid")
	case in.SourceType != "" && !slices.Contains(RectSourceTypes(), in.SourceType):
		v.Add("source_type", "rect.source_invalid")
	case in.SourceType != "" && in.SourceID <= 0:
		v.Add("source_id", "rect.source_invalid")
	}
	if utf8.RuneCountInString(in.PersonConcerned) > MaxRectName {
		v.Add("person_concerned", "rect.too_long")
	}
	return v.Err()
}

func checkText(v *apperr.Validation, field, s string, required bool) {
	if s == "" && required {
		v.Add(field, "rect.required")
	} else if utf8.RuneCountInString(s) > MaxRectText {
		v.Add(field, "rect.too_long")
	}
}

// FutureDate checks a YYYY-MM-DD date after today; it returns the message
// key of the problem, "" when the date is good.
func FutureDate(day, today string) string {
	if _, err := time.Parse(time.DateOnly, day); err != nil || len(day) != 10 {
		return "rect.date_invalid"
	}
	if day <= today {
		return "rect.date_not_future"
	}
	return ""
}

// RectAction is an action with its form; which fields an action reads
// depends on its row's Needs.
type RectAction struct {
	Op           RectOp
	Version      int64
	Text         string // measures (report), reason or note
	VisitDate    string // YYYY-MM-DD, not after today
	Visitor      string
	Satisfaction string
	Deadline     string // reopen: the new deadline
}

// Check cleans and checks an action's form against its row; today is the
// business date. Errors: invalid with field codes, conflict
// "rect.visit_unsatisfied" when a closure's visit is unsatisfied.
func (in *RectAction) Check(row RectTransition, today string) error {
	var v apperr.Validation
	in.Text = textclean.Text(in.Text)
	in.Visitor, in.VisitDate = textclean.Line(in.Visitor), strings.TrimSpace(in.VisitDate)
	in.Deadline = strings.TrimSpace(in.Deadline)
	for _, n := range row.Needs {
		switch n {
		case NeedMeasures:
			checkText(&v, "text", in.Text, true)
		case NeedText:
			checkText(&v, "text", in.Text, true)
		case NeedVisit:
			if _, err := time.Parse(time.DateOnly, in.VisitDate); err != nil || len(in.VisitDate) != 10 {
				v.Add("visit_date", "rect.date_invalid")
			} else if in.VisitDate > today {
				v.Add("visit_date", "rect.date_future")
			}
			if in.Visitor == "" {
				v.Add("visitor", "rect.required")
			} else if utf8.RuneCountInString(in.Visitor) > MaxRectName {
				v.Add("visitor", "rect.too_long")
			}
			if !slices.Contains(Satisfactions(), in.Satisfaction) {
				v.Add("satisfaction", "rect.satisfaction_invalid")
			}
		case NeedDeadline:
			if err := FutureDate(in.Deadline, today); err != "" {
				v.Add("deadline", err)
			}
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if slices.Contains(row.Needs, NeedSatisfied) && in.Satisfaction == Unsatisfied {
		return apperr.New(apperr.Conflict, "rect.visit_unsatisfied")
	}
	return nil
}

// Under reports whether a unit path lies inside another unit's subtree.
func Under(path, unitPath string) bool { return unitPath != "" && strings.HasPrefix(path, unitPath) }
