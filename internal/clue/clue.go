// Package clue is the problem-clue ledger (问题线索台账) and area
// collaboration (片区协作): clues from any source with a per-unit yearly
// number, their subject and flags, the four disposal modes with their forms
// ([R2019] Arts. 21-35), escalation (提级办理), joint handling (联办), and
// the consultation meetings (问题线索处置协商会) of an area group. The
// workflow is a transition table (workflow.go); the sources are data
// (sources.json). The package is pure: the store persists its types and the
// services in internal/app apply its rules.
package clue

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"qingfeng/internal/apperr"
	"qingfeng/internal/textclean"
)

// Source is where clues come from (a row of sources.json). ObjectType names
// the kind of record a clue from this source refers to ("report",
// "task_finding", "alert", "crosscheck_suspect", "case", "clue"); "" when
// the source is outside the installation (another organ's transfer letter,
// referred to by SourceRef).
type Source struct {
	Code       string `json:"code"`
	NameZH     string `json:"name_zh"`
	NameEN     string `json:"name_en"`
	ObjectType string `json:"object_type"`
	Note       string `json:"note"`
}

// The source codes other workflows use when they register a clue.
const (
	SourceReport          = "report"
	SourceSupervision     = "supervision"
	SourceInvestigation   = "investigation"
	SourceInspection      = "inspection"
	SourceAudit           = "audit"
	SourceJudicial        = "judicial"
	SourceOrgan           = "organ"
	SourceUpperAssignment = "upper_assignment"
	SourceLowerSubmission = "lower_submission"
	SourceAlert           = "alert"
	SourceCrossCheck      = "crosscheck"
	SourceOther           = "other"
)

//go:embed sources.json
var dataFS embed.FS

// Sources returns the clue sources in display order. An error means the
// embedded table is broken (caught by the package tests).
func Sources() ([]Source, error) {
	b, err := dataFS.ReadFile("sources.json")
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var out []Source
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("clue: sources.json: %w", err)
	}
	seen := map[string]bool{}
	for i, s := range out {
		if s.Code == "" || s.NameZH == "" || s.NameEN == "" || seen[s.Code] {
			return nil, fmt.Errorf("clue: sources.json: row %d: empty or repeated code or name", i)
		}
		seen[s.Code] = true
	}
	return out, nil
}

// Subject is the person a clue is about (被反映人). UnitID, when set, is the
// unit of the organisation tree the subject belongs to (e.g. a village):
// its path (UnitPath, set by the services) hides the clue from the people
// of that unit (automatic recusal, DESIGN.md §5).
type Subject struct {
	Name     string `json:"name"`
	Unit     string `json:"unit"`  // the subject's own unit as text (e.g. 某村村委会)
	Post     string `json:"post"`  // 职务
	Level    string `json:"level"` // cadre-management level: village, township, county, city, other (intake levels)
	UnitID   int64  `json:"unit_id,omitempty"`
	UnitName string `json:"unit_name,omitempty"` // read only
	UnitPath string `json:"-"`
}

// Clue is one entry of the clue ledger.
type Clue struct {
	ID             int64
	Number         string // ledger number, e.g. 永纪线〔2026〕15号
	LedgerUnitID   int64  // the commission (or township commission) whose ledger holds it
	LedgerUnitName string
	LedgerPath     string
	UnitID         int64 // the unit holding or handling it now (承办单位)
	UnitName       string
	UnitPath       string
	Source         string // source code (sources.json)
	SourceType     string // object type of the source record ("" for none)
	SourceID       int64  // id of the source record (0 for none)
	SourceRef      string // outside reference: the transferring organ's letter number, a note
	SplitNo        int    // 0 for the first clue of a source record; 1, 2, ... for deliberate splits
	Title          string
	Content        string
	Subject        Subject
	Category       string // key field (intake/categories.json)
	MassInterest   bool   // 群众身边不正之风和腐败问题: faster local targets apply
	UpperLevel     bool   // the subject belongs to the upper level ([R2019] Art. 22)
	Status         Status
	Mode           Mode   // the approved disposal mode ("" before approval)
	InquiryForm    string // talk or letter (inquiry mode)
	Outcome        string // outcome of an inquiry or recommendation of a verification
	OutcomeNote    string
	Closure        string // direct or after_check, once closed
	OwnerUserID    int64  // 专人负责
	OwnerName      string
	LeaderUserID   int64 // the leader who approved the assignment (reminded with the owner)
	LeaderName     string
	Pending        *Proposal // a proposal awaiting approval, or nil
	Escalated      bool
	EscalatedAt    time.Time
	EscalationTo   string // area_group or county
	EscalationWhy  string
	EscalatedFrom  int64 // the unit that held it before
	Joint          bool  // handled jointly (联办) at some point
	JointAt        time.Time
	ShelveUntil    string // review date of a shelved clue (YYYY-MM-DD)
	DecisionDue    string // due date set by a consultation meeting (YYYY-MM-DD)
	MeetingID      int64  // the last consultation meeting that decided it
	CaseID         int64  // the case filed from it (case issue)
	CaseNumber     string
	ForwardedTo    int64 // the clue registered at the upper level when forwarded up
	ReceivedAt     time.Time
	AssignedAt     time.Time
	DisposalDueAt  time.Time // the statutory disposal opinion due time (clue.disposal)
	DisposedAt     time.Time // disposal opinion approved (the mode is set)
	ClosedAt       time.Time // reached an end state (closed, filed, forwarded)
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Final reports whether the clue has reached an end state.
func (c Clue) Final() bool {
	return c.Status == StatusClosed || c.Status == StatusFiled || c.Status == StatusForwarded
}

// Proposal is a step awaiting a leader's approval: an assignment, a
// disposal opinion, an escalation, or a report with its outcome. It is kept
// on the clue (column pending) until approved or rejected.
type Proposal struct {
	Op         Op        `json:"op"`
	Mode       Mode      `json:"mode,omitempty"`
	UnitID     int64     `json:"unit_id,omitempty"`
	OwnerID    int64     `json:"owner_id,omitempty"`
	Form       string    `json:"form,omitempty"`         // inquiry: talk or letter
	Plan       string    `json:"plan,omitempty"`         // the disposal opinion / plan / report text
	Team       []int64   `json:"team,omitempty"`         // verification team (user ids, two or more)
	Outcome    string    `json:"outcome,omitempty"`      // inquiry outcome / verification recommendation
	Closure    string    `json:"closure,omitempty"`      // close mode: direct closure reason category
	ShelveTo   string    `json:"shelve_until,omitempty"` // shelve mode: review date
	Level      string    `json:"level,omitempty"`        // escalation: area_group or county
	Reason     string    `json:"reason,omitempty"`
	ProposedBy int64     `json:"proposed_by"`
	ProposedAt time.Time `json:"proposed_at"`
}

// Event is one recorded hand-off or action on a clue (every hand-off signed
// and logged, [R2019] Art. 23).
type Event struct {
	ID         int64
	ClueID     int64
	Action     string
	FromStatus Status
	ToStatus   Status
	UnitID     int64
	UnitName   string
	UserID     int64
	UserName   string
	Note       string
	At         time.Time
}

// TeamMember is a member of a verification team (核查组) with the time the
// member signed the current report (zero: not signed).
type TeamMember struct {
	ClueID   int64
	UserID   int64
	Name     string
	UnitName string
	Leader   bool
	SignedAt time.Time
}

// Measure is one entry of a verification's measures log.
type Measure struct {
	ID          int64
	ClueID      int64
	Kind        string // one of MeasureKinds
	TakenOn     string // YYYY-MM-DD
	Description string
	UserID      int64
	UserName    string
	CreatedAt   time.Time
}

// Document is a text recorded on a clue: the verification plan and report,
// the inquiry letter, reply and talk record, the inquiry report, the
// feedback and clarification letters after closure.
type Document struct {
	ID        int64
	ClueID    int64
	Kind      string // one of the Doc* kinds
	Title     string
	Body      string
	Addressee string // letters: to whom
	DocDate   string // YYYY-MM-DD: sent, held, received
	UserID    int64
	UserName  string
	CreatedAt time.Time
}

// The document kinds.
const (
	DocDisposalPlan      = "disposal_plan"       // 处置意见（方案）
	DocVerificationPlan  = "verification_plan"   // 初核方案
	DocVerificationRpt   = "verification_report" // 初核情况报告
	DocTalkRecord        = "talk_record"         // 谈话记录
	DocInquiryLetter     = "inquiry_letter"      // 函询通知
	DocInquiryReply      = "inquiry_reply"       // 书面说明（回复）
	DocInquiryReport     = "inquiry_report"      // 谈话函询情况报告
	DocFeedbackLetter    = "feedback_letter"     // 反馈函（向被反映人）
	DocClarification     = "clarification"       // 澄清正名（向所在单位）
	DocEscalationRequest = "escalation_request"  // 提级办理申请
	DocMeetingDecision   = "meeting_decision"    // 协商会决定
)

// DocKinds lists the document kinds in display order.
func DocKinds() []string {
	return []string{DocDisposalPlan, DocVerificationPlan, DocVerificationRpt, DocTalkRecord, DocInquiryLetter,
		DocInquiryReply, DocInquiryReport, DocFeedbackLetter, DocClarification, DocEscalationRequest, DocMeetingDecision}
}

// LetterKinds are the letters recorded after a closure after checking: the
// feedback to the person and the clarification to the unit.
func LetterKinds() []string { return []string{DocFeedbackLetter, DocClarification} }

// Mode is a disposal mode ([R2019] Art. 21).
type Mode string

// The four disposal modes.
const (
	ModeInquiry      Mode = "inquiry"      // 谈话函询
	ModeVerification Mode = "verification" // 初步核实
	ModeShelve       Mode = "shelve"       // 暂存待查
	ModeClose        Mode = "close"        // 予以了结
)

// Modes lists the modes in display order.
func Modes() []Mode { return []Mode{ModeInquiry, ModeVerification, ModeShelve, ModeClose} }

// Valid reports whether m is one of the four modes.
func (m Mode) Valid() bool { return slices.Contains(Modes(), m) }

// The inquiry forms.
const (
	FormTalk   = "talk"   // 谈话
	FormLetter = "letter" // 函询
)

// The inquiry outcomes ([R2019] Arts. 29-30): what the inquiry report
// proposes and the leader approves.
const (
	OutcomeAcceptClose     = "accept_close"     // 反映不实或没有证据证明存在问题，予以采信了结
	OutcomeRemind          = "remind"           // 谈话提醒
	OutcomeCriticize       = "criticize"        // 批评教育
	OutcomeOrderReview     = "order_review"     // 责令检查
	OutcomeAdmonish        = "admonish"         // 诫勉谈话
	OutcomeFalseAccusation = "false_accusation" // 查实诬告陷害，依规依纪依法处理
	OutcomeRepeat          = "repeat"           // 再次谈话函询
	OutcomeToVerification  = "to_verification"  // 转初步核实
)

// InquiryOutcomes lists the inquiry outcomes in display order.
func InquiryOutcomes() []string {
	return []string{OutcomeAcceptClose, OutcomeRemind, OutcomeCriticize, OutcomeOrderReview, OutcomeAdmonish,
		OutcomeFalseAccusation, OutcomeRepeat, OutcomeToVerification}
}

// The recommendations a verification report may make ([R2019] Art. 35).
const (
	RecommendFileCase = "file_case" // 拟立案审查调查
	RecommendClose    = "close"     // 予以了结
	RecommendRemind   = "remind"    // 谈话提醒
	RecommendShelve   = "shelve"    // 暂存待查
	RecommendTransfer = "transfer"  // 移送有关党组织处理
)

// Recommendations lists the verification recommendations in display order.
func Recommendations() []string {
	return []string{RecommendFileCase, RecommendClose, RecommendRemind, RecommendShelve, RecommendTransfer}
}

// The reasons for a direct closure at the clue stage (CCDI-art 2020-04-02).
const (
	CloseNoSubstance = "no_substance" // 反映问题没有实质内容
	CloseUnknown     = "unidentified" // 被反映人无法确认或已去世
	CloseConcluded   = "concluded"    // 重复反映且已有结论
	CloseOther       = "other"        // 其他
)

// CloseReasons lists the direct-closure reasons in display order.
func CloseReasons() []string {
	return []string{CloseNoSubstance, CloseUnknown, CloseConcluded, CloseOther}
}

// The closure kinds.
const (
	ClosureDirect     = "direct"      // 直接了结（线索处置阶段）
	ClosureAfterCheck = "after_check" // 谈话函询或初核后了结
)

// MeasureKinds are the measures a verification may take before a case is
// filed ([R2019] Art. 34; [SLIR2021] Art. 55: 讯问、留置、冻结、搜查 only
// after filing, so they are not offered).
func MeasureKinds() []string {
	return []string{"talk", "inquiry", "query", "obtain", "inspect", "appraisal", "explanation", "personal_matters",
		"copy_records", "asset_check"}
}

// The escalation levels (提级办理 to the area group or the county).
const (
	EscalateAreaGroup = "area_group"
	EscalateCounty    = "county"
)

// Input is a new clue as a user or another workflow registers it.
type Input struct {
	Source       string // source code (sources.json)
	SourceType   string // object type of the source record; "" or the source's ObjectType
	SourceID     int64  // id of the source record (0: none)
	SourceRef    string // outside reference (letter number of the transferring organ, …)
	Split        bool   // register a further clue from a source record that already has one
	Title        string
	Content      string
	Subject      Subject
	Category     string
	MassInterest bool
	UpperLevel   bool
	ReceivedAt   time.Time // zero: now; never in the future
	LedgerUnitID int64     // the ledger to register in; 0: the registering user's commission
}

// Text sizes (characters).
const (
	MaxTitle   = 100
	MaxContent = 10000
	MaxName    = 50
	MaxRef     = 200
	MaxText    = 10000
)

// Validate cleans and checks a new clue against the known sources, key
// fields (category codes) and subject levels. Errors: invalid with field
// codes.
func (in *Input) Validate(sources []Source, categories, levels []string) error {
	var v apperr.Validation
	in.Title, in.SourceRef = textclean.Line(in.Title), textclean.Line(in.SourceRef)
	in.Content = textclean.Text(in.Content)
	in.Subject.Name, in.Subject.Unit, in.Subject.Post = textclean.Line(in.Subject.Name), textclean.Line(in.Subject.Unit), textclean.Line(in.Subject.Post)
	var src *Source
	for i := range sources {
		if sources[i].Code == in.Source {
			src = &sources[i]
		}
	}
	switch {
	case src == nil:
		v.Add("source", "clue.source_invalid")
	case in.SourceType != "" && in.SourceType != src.ObjectType:
		v.Add("source_type", "clue.source_type_invalid")
	case in.SourceType != "" && in.SourceID <= 0:
		v.Add("source_id", "clue.source_id_required")
	case in.SourceType == "" && in.SourceID != 0:
		v.Add("source_type", "clue.source_type_invalid")
	}
	if utf8.RuneCountInString(in.SourceRef) > MaxRef {
		v.Add("source_ref", "clue.text_too_long")
	}
	if in.Content == "" {
		v.Add("content", "clue.content_required")
	} else if utf8.RuneCountInString(in.Content) > MaxContent {
		v.Add("content", "clue.text_too_long")
	}
	if utf8.RuneCountInString(in.Title) > MaxTitle {
		v.Add("title", "clue.text_too_long")
	}
	if in.Subject.Name == "" {
		v.Add("subject_name", "clue.subject_required")
	} else if utf8.RuneCountInString(in.Subject.Name) > MaxName {
		v.Add("subject_name", "clue.text_too_long")
	}
	if utf8.RuneCountInString(in.Subject.Unit) > 100 || utf8.RuneCountInString(in.Subject.Post) > 100 {
		v.Add("subject_post", "clue.text_too_long")
	}
	if !slices.Contains(levels, in.Subject.Level) {
		v.Add("subject_level", "clue.level_invalid")
	}
	if !slices.Contains(categories, in.Category) {
		v.Add("category", "clue.category_invalid")
	}
	if in.Subject.UnitID < 0 {
		v.Add("subject_unit_id", "clue.subject_unit_invalid")
	}
	return v.Err()
}

// CleanText is the text cleaning of the forms (plans, reports, notes): line
// breaks kept, invisible characters dropped, at most max characters.
// Errors: invalid for the field when empty and required, or too long.
func CleanText(field, s string, required bool, max int) (string, error) {
	s = textclean.Text(s)
	if s == "" && required {
		return s, apperr.InvalidField(field, "clue.text_required")
	}
	if utf8.RuneCountInString(s) > max {
		return s, apperr.InvalidField(field, "clue.text_too_long")
	}
	return s, nil
}

// NumberFmt renders ledger numbers: the ledger unit's short name, the year
// and the sequence, e.g. 永纪线〔2026〕15号.
const NumberFmt = "%s纪线〔%d〕%d号"

// MeetingNumberFmt renders consultation meeting numbers, e.g. 永纪协〔2026〕3号.
const MeetingNumberFmt = "%s纪协〔%d〕%d号"

// FirstRunes returns the first n characters of s (with an ellipsis when
// cut), on one line: titles made from content.
func FirstRunes(s string, n int) string {
	r := []rune(strings.TrimSpace(strings.ReplaceAll(s, "\n", " ")))
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return string(r)
}
