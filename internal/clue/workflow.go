package clue

import (
	"slices"

	"qingfeng/internal/auth"
	"qingfeng/internal/workflow"
)

// Status is a clue's state in its workflow. The values are part of the API.
type Status string

// The clue states.
const (
	StatusRegistered         Status = "registered"          // 已登记，待分办
	StatusAssignmentReview   Status = "assignment_review"   // 分办意见待审批
	StatusAssigned           Status = "assigned"            // 已分办，承办中（待提出处置意见）
	StatusDisposalReview     Status = "disposal_review"     // 处置意见待审批
	StatusEscalationReview   Status = "escalation_review"   // 提级办理待审批
	StatusInquiry            Status = "inquiry"             // 谈话函询：待谈话或发函
	StatusInquiryReply       Status = "inquiry_reply"       // 函询：待书面回复
	StatusInquiryReport      Status = "inquiry_report"      // 谈话函询：待报送情况报告
	StatusInquiryReview      Status = "inquiry_review"      // 谈话函询报告待审批
	StatusVerification       Status = "verification"        // 初步核实中
	StatusVerificationReview Status = "verification_review" // 初核报告待签名、审批
	StatusShelved            Status = "shelved"             // 暂存待查
	StatusCasePending        Status = "case_pending"        // 拟立案审查调查：待案件承办部门立案
	StatusFiled              Status = "filed"               // 已立案
	StatusClosed             Status = "closed"              // 已了结
	StatusForwarded          Status = "forwarded"           // 已报送上级
)

// Statuses lists the states in display order.
func Statuses() []Status {
	return []Status{StatusRegistered, StatusAssignmentReview, StatusAssigned, StatusDisposalReview, StatusEscalationReview,
		StatusInquiry, StatusInquiryReply, StatusInquiryReport, StatusInquiryReview, StatusVerification,
		StatusVerificationReview, StatusShelved, StatusCasePending, StatusFiled, StatusClosed, StatusForwarded}
}

// PendingStatuses are the states of a clue whose disposal is still to be
// decided: what a consultation meeting's agenda takes from the member units.
func PendingStatuses() []Status {
	return []Status{StatusRegistered, StatusAssigned, StatusDisposalReview, StatusShelved}
}

// HandlingStatuses are the states in which a clue is being handled by its
// unit: joint members may be added to it then.
func HandlingStatuses() []Status {
	return []Status{StatusAssigned, StatusInquiry, StatusInquiryReply, StatusInquiryReport, StatusVerification}
}

// Op is an action on a clue. The values are part of the API ("action").
type Op string

// The clue actions.
const (
	OpProposeAssignment  Op = "propose_assignment" // 案管提出分办意见（承办单位、专人）
	OpApproveAssignment  Op = "approve_assignment" // 领导审批分办
	OpRejectAssignment   Op = "reject_assignment"  // 退回分办意见
	OpForwardUp          Op = "forward_up"         // 报送上级纪委（[R2019] 第22条）
	OpProposeDisposal    Op = "propose_disposal"   // 承办人提出处置意见
	OpApproveDisposal    Op = "approve_disposal"   // 领导审批处置意见
	OpRejectDisposal     Op = "reject_disposal"    // 退回处置意见
	OpRequestEscalation  Op = "request_escalation" // 申请提级办理
	OpApproveEscalation  Op = "approve_escalation" // 批准提级办理
	OpRejectEscalation   Op = "reject_escalation"  // 不予提级
	OpRecordTalk         Op = "record_talk"        // 谈话：记录谈话
	OpSendLetter         Op = "send_letter"        // 函询：发出函询通知
	OpReceiveReply       Op = "receive_reply"      // 函询：收到书面回复
	OpSubmitInquiry      Op = "submit_inquiry_report"
	OpApproveInquiry     Op = "approve_inquiry_report"
	OpReturnInquiry      Op = "return_inquiry_report"
	OpAddMeasure         Op = "add_measure"         // 初核措施登记
	OpExtendVerification Op = "extend_verification" // 初核延期
	OpSubmitReport       Op = "submit_verification_report"
	OpSignReport         Op = "sign_report" // 核查组成员签名
	OpApproveReport      Op = "approve_verification_report"
	OpReturnReport       Op = "return_verification_report"
	OpReviewShelved      Op = "review_shelved"    // 暂存线索定期清理：继续暂存
	OpReactivate         Op = "reactivate"        // 暂存线索启用处置
	OpFileCase           Op = "file_case"         // 立案（案件承办部门，issue 5）
	OpFilingRefused      Op = "filing_refused"    // 不予立案，退回重新处置
	OpRecordLetter       Op = "record_letter"     // 登记反馈函、澄清正名函
	OpMeetingDecision    Op = "meeting_decision"  // 协商会决定
	OpAddJointMembers    Op = "add_joint_members" // 联办：加入片区内其他单位人员（限时参与）
)

// Transition is one row of the clue workflow: in state From, action Op
// leads to To for holders of Perm. Mode and Outcomes, when set, select the
// row among several for the same (From, Op): the disposal mode approved or
// decided, or the outcome of a report. Guard says in words what the
// service checks besides.
type Transition struct {
	From     Status
	Op       Op
	To       Status
	Perm     auth.Permission
	Mode     Mode
	Outcomes []string
	Guard    string
}

// closeOutcomes are the outcomes after which an inquiry closes the clue.
var closeOutcomes = []string{OutcomeAcceptClose, OutcomeRemind, OutcomeCriticize, OutcomeOrderReview, OutcomeAdmonish, OutcomeFalseAccusation}

// Workflow returns the clue workflow as data.
func Workflow() []Transition {
	rows := []Transition{
		{From: StatusRegistered, Op: OpProposeAssignment, To: StatusAssignmentReview, Perm: auth.PermClueAssign, Guard: "handling unit and owner in scope"},
		{From: StatusAssignmentReview, Op: OpApproveAssignment, To: StatusAssigned, Perm: auth.PermClueApprove, Guard: "not the proposer"},
		{From: StatusAssignmentReview, Op: OpRejectAssignment, To: StatusRegistered, Perm: auth.PermClueApprove, Guard: "reason given"},
		{From: StatusRegistered, Op: OpForwardUp, To: StatusForwarded, Perm: auth.PermClueAssign, Guard: "subject belongs to the upper level"},
		{From: StatusAssigned, Op: OpForwardUp, To: StatusForwarded, Perm: auth.PermClueAssign, Guard: "subject belongs to the upper level"},
		{From: StatusAssigned, Op: OpProposeDisposal, To: StatusDisposalReview, Perm: auth.PermClueHandle, Guard: "mode with its plan; verification: team of two or more"},
		{From: StatusDisposalReview, Op: OpApproveDisposal, To: StatusInquiry, Perm: auth.PermClueApprove, Mode: ModeInquiry, Guard: "not the proposer"},
		{From: StatusDisposalReview, Op: OpApproveDisposal, To: StatusVerification, Perm: auth.PermClueApprove, Mode: ModeVerification, Guard: "not the proposer"},
		{From: StatusDisposalReview, Op: OpApproveDisposal, To: StatusShelved, Perm: auth.PermClueApprove, Mode: ModeShelve, Guard: "not the proposer"},
		{From: StatusDisposalReview, Op: OpApproveDisposal, To: StatusClosed, Perm: auth.PermClueApprove, Mode: ModeClose, Guard: "not the proposer"},
		{From: StatusDisposalReview, Op: OpRejectDisposal, To: StatusAssigned, Perm: auth.PermClueApprove, Guard: "reason given"},
		{From: StatusAssigned, Op: OpRequestEscalation, To: StatusEscalationReview, Perm: auth.PermClueHandle, Guard: "reason and target level given"},
		{From: StatusEscalationReview, Op: OpApproveEscalation, To: StatusAssigned, Perm: auth.PermClueApprove, Guard: "unit and owner at the target level"},
		{From: StatusEscalationReview, Op: OpRejectEscalation, To: StatusAssigned, Perm: auth.PermClueApprove, Guard: "reason given"},
		{From: StatusInquiry, Op: OpRecordTalk, To: StatusInquiryReport, Perm: auth.PermClueHandle, Guard: "form talk; date and record"},
		{From: StatusInquiry, Op: OpSendLetter, To: StatusInquiryReply, Perm: auth.PermClueHandle, Guard: "form letter; date sent"},
		{From: StatusInquiryReply, Op: OpReceiveReply, To: StatusInquiryReport, Perm: auth.PermClueHandle, Guard: "reply countersigned by the principal"},
		{From: StatusInquiryReport, Op: OpSubmitInquiry, To: StatusInquiryReview, Perm: auth.PermClueHandle, Guard: "outcome and report"},
		{From: StatusInquiryReview, Op: OpApproveInquiry, To: StatusClosed, Perm: auth.PermClueApprove, Outcomes: closeOutcomes, Guard: "not the proposer"},
		{From: StatusInquiryReview, Op: OpApproveInquiry, To: StatusInquiry, Perm: auth.PermClueApprove, Outcomes: []string{OutcomeRepeat}, Guard: "not the proposer"},
		{From: StatusInquiryReview, Op: OpApproveInquiry, To: StatusAssigned, Perm: auth.PermClueApprove, Outcomes: []string{OutcomeToVerification}, Guard: "not the proposer; the owner proposes the verification"},
		{From: StatusInquiryReview, Op: OpReturnInquiry, To: StatusInquiryReport, Perm: auth.PermClueApprove, Guard: "reason given"},
		{From: StatusVerification, Op: OpAddMeasure, To: StatusVerification, Perm: auth.PermClueHandle, Guard: "team member; measure allowed before filing"},
		{From: StatusVerification, Op: OpExtendVerification, To: StatusVerification, Perm: auth.PermClueApprove, Guard: "extension rule of the limit"},
		{From: StatusVerification, Op: OpSubmitReport, To: StatusVerificationReview, Perm: auth.PermClueHandle, Guard: "team member; facts and recommendation"},
		{From: StatusVerificationReview, Op: OpSignReport, To: StatusVerificationReview, Perm: auth.PermClueHandle, Guard: "team member, once"},
		{From: StatusVerificationReview, Op: OpApproveReport, To: StatusCasePending, Perm: auth.PermClueApprove, Outcomes: []string{RecommendFileCase}, Guard: "every team member signed"},
		{From: StatusVerificationReview, Op: OpApproveReport, To: StatusClosed, Perm: auth.PermClueApprove, Outcomes: []string{RecommendClose, RecommendRemind, RecommendTransfer}, Guard: "every team member signed"},
		{From: StatusVerificationReview, Op: OpApproveReport, To: StatusShelved, Perm: auth.PermClueApprove, Outcomes: []string{RecommendShelve}, Guard: "every team member signed; review date"},
		{From: StatusVerificationReview, Op: OpReturnReport, To: StatusVerification, Perm: auth.PermClueApprove, Guard: "reason given; signatures cleared"},
		{From: StatusShelved, Op: OpReviewShelved, To: StatusShelved, Perm: auth.PermClueHandle, Guard: "new review date"},
		{From: StatusShelved, Op: OpReactivate, To: StatusAssigned, Perm: auth.PermClueHandle, Guard: "reason given"},
		{From: StatusCasePending, Op: OpFileCase, To: StatusFiled, Perm: auth.PermCaseFile, Guard: "the case issue's filing step, same transaction"},
		{From: StatusCasePending, Op: OpFilingRefused, To: StatusAssigned, Perm: auth.PermCaseApprove, Guard: "filing not approved; another disposal"},
		{From: StatusClosed, Op: OpRecordLetter, To: StatusClosed, Perm: auth.PermClueHandle, Guard: "feedback or clarification letter"},
	}
	for _, from := range HandlingStatuses() {
		rows = append(rows, Transition{From: from, Op: OpAddJointMembers, To: from, Perm: auth.PermClueApprove,
			Guard: "members from other units of the clue's area group; participation until a day"})
	}
	targets := map[Mode]Status{ModeInquiry: StatusInquiry, ModeVerification: StatusVerification, ModeShelve: StatusShelved, ModeClose: StatusClosed}
	for _, from := range PendingStatuses() {
		for _, m := range Modes() {
			rows = append(rows, Transition{From: from, Op: OpMeetingDecision, To: targets[m], Perm: auth.PermMeetingManage, Mode: m,
				Guard: "decided by the area group's consultation meeting"})
		}
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

// Select picks the row for a mode and an outcome among rows of one (From,
// Op): a row with a Mode matches that mode, a row with Outcomes matches one
// of them, a row with neither matches anything. ok is false when none does.
func Select(rows []Transition, mode Mode, outcome string) (Transition, bool) {
	for _, r := range rows {
		if (r.Mode == "" || r.Mode == mode) && (len(r.Outcomes) == 0 || slices.Contains(r.Outcomes, outcome)) {
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

// Table returns the clue workflow as a workflow.Table (docs, checks).
func Table() workflow.Table {
	t := workflow.Table{Name: "clue", Title: "Clue (问题线索)", Start: string(StatusRegistered),
		Final: []string{string(StatusFiled), string(StatusClosed), string(StatusForwarded)}}
	for _, r := range Workflow() {
		guard := r.Guard
		if r.Mode != "" {
			guard = "mode " + string(r.Mode) + "; " + guard
		}
		if len(r.Outcomes) > 0 {
			guard = "outcome " + joinCodes(r.Outcomes) + "; " + guard
		}
		t.Rows = append(t.Rows, workflow.Transition{From: string(r.From), Op: string(r.Op), To: string(r.To), Perm: r.Perm, Guard: guard})
	}
	return t
}

func joinCodes(cs []string) string {
	out := ""
	for i, c := range cs {
		if i > 0 {
			out += "/"
		}
		out += c
	}
	return out
}
