package casework

import (
	"slices"
	"strings"

	"qingfeng/internal/auth"
	"qingfeng/internal/workflow"
)

// Status is a case's state in its workflow. The values are part of the API.
type Status string

// The case states.
const (
	StatusFilingReview     Status = "filing_review"     // 立案请示待审批
	StatusInvestigation    Status = "investigation"     // 审查调查中（方案、措施、取证）
	StatusReportReview     Status = "report_review"     // 审查调查报告待审批（集体研究、组长签名）
	StatusReviewPending    Status = "review_pending"    // 已移送审理，待案件审理室受理
	StatusReview           Status = "review"            // 审理中
	StatusSupplementary    Status = "supplementary"     // 退回补充调查（审理阶段）
	StatusReviewReport     Status = "review_report"     // 审理报告待审批
	StatusDecision         Status = "decision"          // 待纪委常委会（监委委务会）审议决定
	StatusExecution        Status = "execution"         // 已作出决定，执行中（宣布、执行、报告）
	StatusProsecutionSuppl Status = "prosecution_suppl" // 检察机关退回补充调查
	StatusClosed           Status = "closed"            // 已结案
	StatusAppeal           Status = "appeal"            // 申诉复查中
	StatusWithdrawn        Status = "withdrawn"         // 已撤销案件
	StatusRefused          Status = "refused"           // 不予立案
	StatusMerged           Status = "merged"            // 已并案
)

// Statuses lists the states in display order.
func Statuses() []Status {
	return []Status{StatusFilingReview, StatusInvestigation, StatusReportReview, StatusReviewPending, StatusReview,
		StatusSupplementary, StatusReviewReport, StatusDecision, StatusExecution, StatusProsecutionSuppl,
		StatusClosed, StatusAppeal, StatusWithdrawn, StatusRefused, StatusMerged}
}

// FinalStatuses are the end states. A closed case may still be appealed.
func FinalStatuses() []Status {
	return []Status{StatusClosed, StatusWithdrawn, StatusRefused, StatusMerged}
}

// InvestigatingStatuses are the states in which the investigation team
// works on the case: measures may be taken, extended and ended then.
func InvestigatingStatuses() []Status {
	return []Status{StatusInvestigation, StatusReportReview, StatusReviewPending, StatusReview, StatusSupplementary,
		StatusReviewReport, StatusDecision, StatusProsecutionSuppl}
}

// Op is an action on a case. The values are part of the API ("action").
type Op string

// The case actions.
const (
	OpApproveFiling     Op = "approve_filing"       // 批准立案（同级党委主要负责人审批）
	OpRefuseFiling      Op = "refuse_filing"        // 不予立案
	OpMerge             Op = "merge"                // 并案
	OpFormTeam          Op = "form_team"            // 组建审查调查组（含片区联合办案人员，限时参与）
	OpApprovePlan       Op = "approve_plan"         // 专题会议研究确定审查调查方案
	OpTakeMeasure       Op = "take_measure"         // 采取措施（强制到案、责令候查、管护、留置等）
	OpExtendMeasure     Op = "extend_measure"       // 延长措施期限、重新计算留置时间
	OpEndMeasure        Op = "end_measure"          // 解除或者变更措施
	OpRecordDocument    Op = "record_document"      // 登记文书、证据（关键环节同步录音录像）
	OpSubmitReport      Op = "submit_report"        // 提交审查调查报告
	OpApproveReport     Op = "approve_report"       // 批准移送审理
	OpReturnReport      Op = "return_report"        // 退回审查调查报告
	OpAcceptReview      Op = "accept_review"        // 案件审理室受理
	OpRejectTransfer    Op = "reject_transfer"      // 移送材料不齐，不予受理
	OpExtendReview      Op = "extend_review"        // 延长审理期限（重大复杂案件）
	OpJointReview       Op = "joint_review"         // 案件质量联审：登记评查意见
	OpResolveFinding    Op = "resolve_finding"      // 评查问题整改销号
	OpReturnSuppl       Op = "return_supplementary" // 退回补充调查
	OpFinishSuppl       Op = "finish_supplementary" // 补充调查完毕，重新移送审理
	OpSubmitReview      Op = "submit_review_report" // 提交审理报告（拟处理意见）
	OpApproveReview     Op = "approve_review_report"
	OpReturnReview      Op = "return_review_report"
	OpDecide            Op = "decide"               // 常委会审议作出处理决定
	OpReturnDecision    Op = "return_decision"      // 常委会要求重新审理
	OpAnnounce          Op = "announce"             // 宣布处分决定、送达政务处分决定书
	OpRecordExecution   Op = "record_execution"     // 登记执行情况（职务、工资待遇变更，财物处置）
	OpReportExecution   Op = "report_execution"     // 报告执行情况
	OpTransfer          Op = "transfer_prosecution" // 移送检察机关审查起诉
	OpProsecutionReturn Op = "prosecution_return"   // 检察机关退回补充调查
	OpProsecutionResend Op = "prosecution_resend"   // 补充调查完毕，重新移送
	OpClose             Op = "close"                // 结案
	OpWithdraw          Op = "withdraw"             // 撤销案件
	OpAcceptAppeal      Op = "accept_appeal"        // 受理申诉
	OpFormAppealTeam    Op = "form_appeal_team"     // 另行组成复查组
	OpDecideAppeal      Op = "decide_appeal"        // 作出复查决定
)

// The appeal outcomes: what an appeal decision does to the original
// decision ([PSL] Arts. 57–59; [R2019] Art. 59).
const (
	AppealUpheld  = "upheld"  // 维持
	AppealChanged = "changed" // 变更：变更后的决定重新执行
	AppealRevoked = "revoked" // 撤销
)

// AppealOutcomes lists the appeal outcomes in display order.
func AppealOutcomes() []string { return []string{AppealUpheld, AppealChanged, AppealRevoked} }

// Transition is one row of the case workflow: in state From, action Op
// leads to To for holders of Perm. Outcomes, when set, select the row
// among several for the same (From, Op). Guard says in words what the
// service checks besides.
type Transition struct {
	From     Status
	Op       Op
	To       Status
	Perm     auth.Permission
	Outcomes []string
	Guard    string
}

// Workflow returns the case workflow as data.
func Workflow() []Transition {
	rows := []Transition{
		{From: StatusFilingReview, Op: OpApproveFiling, To: StatusInvestigation, Perm: auth.PermCaseApprove, Guard: "not the proposer; approved by the same-level party committee principal ([R2019] Arts. 37–38); clue in case_pending, filed in the same transaction"},
		{From: StatusFilingReview, Op: OpRefuseFiling, To: StatusRefused, Perm: auth.PermCaseApprove, Guard: "reason given; the clue goes back for another disposal"},
		{From: StatusFilingReview, Op: OpMerge, To: StatusMerged, Perm: auth.PermCaseApprove, Guard: "the other case is open and in scope; subjects and documents move to it"},
		{From: StatusInvestigation, Op: OpMerge, To: StatusMerged, Perm: auth.PermCaseApprove, Guard: "the other case is open and in scope; subjects, team, measures and documents move to it"},
		{From: StatusInvestigation, Op: OpFormTeam, To: StatusInvestigation, Perm: auth.PermCaseFile, Guard: "two or more investigators with one leader ([R2019] Art. 42); members of other units of the area group until a day"},
		{From: StatusInvestigation, Op: OpApprovePlan, To: StatusInvestigation, Perm: auth.PermCaseApprove, Guard: "plan approved at a meeting chaired by the principal ([R2019] Art. 39; [SL2024] Art. 42)"},
		{From: StatusInvestigation, Op: OpSubmitReport, To: StatusReportReview, Perm: auth.PermCaseHandle, Guard: "team leader; facts statement shown to every subject; report collectively discussed ([R2019] Arts. 51–52)"},
		{From: StatusReportReview, Op: OpApproveReport, To: StatusReviewPending, Perm: auth.PermCaseApprove, Guard: "not the proposer; transferred to the review office"},
		{From: StatusReportReview, Op: OpReturnReport, To: StatusInvestigation, Perm: auth.PermCaseApprove, Guard: "reason given"},
		{From: StatusReviewPending, Op: OpAcceptReview, To: StatusReview, Perm: auth.PermCaseReview, Guard: "review team of two or more, none of whom investigated the case ([R2019] Art. 54); review.finish clock starts"},
		{From: StatusReviewPending, Op: OpRejectTransfer, To: StatusInvestigation, Perm: auth.PermCaseReview, Guard: "materials incomplete; reason given"},
		{From: StatusReview, Op: OpExtendReview, To: StatusReview, Perm: auth.PermCaseApprove, Guard: "major or complex case; span approved ([R2019] Art. 55)"},
		{From: StatusReview, Op: OpJointReview, To: StatusReview, Perm: auth.PermCaseReview, Guard: "reviewers of other units of the area group, none of whom investigated the case; checklist findings"},
		{From: StatusReview, Op: OpResolveFinding, To: StatusReview, Perm: auth.PermCaseHandle, Guard: "an open finding of the joint review; how it was put right"},
		{From: StatusReview, Op: OpReturnSuppl, To: StatusSupplementary, Perm: auth.PermCaseReview, Guard: "items to investigate; approved by the review office head; review clock paused"},
		{From: StatusSupplementary, Op: OpFinishSuppl, To: StatusReview, Perm: auth.PermCaseHandle, Guard: "supplementary report and evidence"},
		{From: StatusReview, Op: OpSubmitReview, To: StatusReviewReport, Perm: auth.PermCaseReview, Guard: "every subject has a proposed outcome that validates; open joint-review findings resolved; prosecution opinion for a crime"},
		{From: StatusReviewReport, Op: OpApproveReview, To: StatusDecision, Perm: auth.PermCaseApprove, Guard: "not the proposer; collective deliberation ([SL2024] Art. 51)"},
		{From: StatusReviewReport, Op: OpReturnReview, To: StatusReview, Perm: auth.PermCaseApprove, Guard: "reason given"},
		{From: StatusDecision, Op: OpDecide, To: StatusExecution, Perm: auth.PermCaseApprove, Guard: "standing committee deliberated; the organisation department consulted where the committee approves ([R2019] Art. 56); outcomes fixed; execution clocks start"},
		{From: StatusDecision, Op: OpReturnDecision, To: StatusReview, Perm: auth.PermCaseApprove, Guard: "reason given"},
		{From: StatusExecution, Op: OpAnnounce, To: StatusExecution, Perm: auth.PermCaseHandle, Guard: "a subject's decision announced or served (sanction.announce, gov_sanction.serve)"},
		{From: StatusExecution, Op: OpRecordExecution, To: StatusExecution, Perm: auth.PermCaseHandle, Guard: "a subject's sanction, post, pay or funds executed (gov_sanction.execute, gov_sanction.pay_change, funds.execute)"},
		{From: StatusExecution, Op: OpReportExecution, To: StatusExecution, Perm: auth.PermCaseHandle, Guard: "execution reported (sanction.execution_report)"},
		{From: StatusExecution, Op: OpTransfer, To: StatusExecution, Perm: auth.PermCaseApprove, Guard: "a subject's outcome transfers; prosecution opinion; through case management ([R2019] Art. 57)"},
		{From: StatusExecution, Op: OpProsecutionReturn, To: StatusProsecutionSuppl, Perm: auth.PermCaseHandle, Guard: "the case was transferred; at most twice ([SL2024] Art. 54); supplementary_investigation clock starts"},
		{From: StatusProsecutionSuppl, Op: OpProsecutionResend, To: StatusExecution, Perm: auth.PermCaseApprove, Guard: "supplementary investigation report"},
		{From: StatusExecution, Op: OpClose, To: StatusClosed, Perm: auth.PermCaseApprove, Guard: "every subject's decision announced, executed and reported; no measure running"},
		{From: StatusClosed, Op: OpAcceptAppeal, To: StatusAppeal, Perm: auth.PermCaseReview, Guard: "appeal by a subject of the case; appeal.close clock starts (3 months, [R2019] Art. 59)"},
		{From: StatusAppeal, Op: OpFormAppealTeam, To: StatusAppeal, Perm: auth.PermCaseApprove, Guard: "a separate team: no member investigated or reviewed the case"},
		{From: StatusAppeal, Op: OpRecordDocument, To: StatusAppeal, Perm: auth.PermCaseRead, Guard: "an active member of the appeal team (reviewers or investigators of the commission who took no part in the case)"},
		{From: StatusAppeal, Op: OpDecideAppeal, To: StatusClosed, Perm: auth.PermCaseApprove, Outcomes: []string{AppealUpheld, AppealRevoked}, Guard: "appeal team report; revoked: outcomes withdrawn and the person's name cleared"},
		{From: StatusAppeal, Op: OpDecideAppeal, To: StatusExecution, Perm: auth.PermCaseApprove, Outcomes: []string{AppealChanged}, Guard: "appeal team report; changed outcomes validate and are executed again"},
	}
	for _, from := range []Status{StatusInvestigation, StatusReview, StatusSupplementary} {
		rows = append(rows, Transition{From: from, Op: OpWithdraw, To: StatusWithdrawn, Perm: auth.PermCaseApprove,
			Guard: "no evidence of a violation ([SL2024] Art. 52; [PSL] Art. 44); collective decision; no measure running; county withdrawals reported upward (case.withdrawal_report)"})
	}
	for _, from := range InvestigatingStatuses() {
		rows = append(rows,
			Transition{From: from, Op: OpTakeMeasure, To: from, Perm: auth.PermCaseHandle, Guard: "a subject of the case; measure approved as its rule requires; clocks start"},
			Transition{From: from, Op: OpExtendMeasure, To: from, Perm: auth.PermCaseApprove, Guard: "extension rule of the measure, with the approval it names"},
			Transition{From: from, Op: OpEndMeasure, To: from, Perm: auth.PermCaseHandle, Guard: "a running measure; family and unit told ([SL2024] Art. 50)"})
	}
	for _, from := range []Status{StatusInvestigation, StatusReview, StatusSupplementary, StatusExecution, StatusProsecutionSuppl} {
		rows = append(rows, Transition{From: from, Op: OpRecordDocument, To: from, Perm: auth.PermCaseHandle, Guard: "team member; a document kind of the stage"})
	}
	return rows
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

// Select picks the row for an outcome among rows of one (From, Op): a row
// with Outcomes matches one of them, a row without matches anything. ok is
// false when none does.
func Select(rows []Transition, outcome string) (Transition, bool) {
	for _, r := range rows {
		if len(r.Outcomes) == 0 || slices.Contains(r.Outcomes, outcome) {
			return r, true
		}
	}
	return Transition{}, false
}

// Ops returns the actions allowed from a state, in table order, once each.
func Ops(from Status) []Op {
	var out []Op
	for _, t := range Workflow() {
		if t.From == from && !slices.Contains(out, t.Op) {
			out = append(out, t.Op)
		}
	}
	return out
}

// Table returns the case workflow as a workflow.Table (docs, checks).
func Table() workflow.Table {
	t := workflow.Table{Name: "case", Title: "Case (案件)", Start: string(StatusFilingReview)}
	for _, f := range FinalStatuses() {
		t.Final = append(t.Final, string(f))
	}
	for _, r := range Workflow() {
		guard := r.Guard
		if len(r.Outcomes) > 0 {
			guard = "outcome " + strings.Join(r.Outcomes, "/") + "; " + guard
		}
		t.Rows = append(t.Rows, workflow.Transition{From: string(r.From), Op: string(r.Op), To: string(r.To), Perm: r.Perm, Guard: guard})
	}
	return t
}
