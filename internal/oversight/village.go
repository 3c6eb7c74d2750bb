package oversight

// This file is the village work log (村级监督工作日志) of village
// committees and village discipline members (domain.md §6): integrity
// supervision sessions (党风廉政监督) over the topics of village_topics.json,
// visits (走访) to party members and villagers, and people's demands (群众诉求)
// tracked to a resolution the person confirms. Entries come from phones,
// possibly after a lost connection: each carries a client id generated on
// the device, and its content fingerprint tells a replay from a clash.

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/textclean"
	"qingfeng/internal/workflow"
)

// EntryKind is the kind of a village log entry. The values are part of the API.
type EntryKind string

// The entry kinds.
const (
	KindSession EntryKind = "session" // 党风廉政监督
	KindVisit   EntryKind = "visit"   // 走访党员群众
	KindDemand  EntryKind = "demand"  // 群众诉求
)

// EntryKinds lists the kinds in display order.
func EntryKinds() []EntryKind { return []EntryKind{KindSession, KindVisit, KindDemand} }

// DemandKind says what a demand is about. The values are part of the API.
type DemandKind string

// The demand kinds.
const (
	DemandDifficulty DemandKind = "difficulty" // 生产生活难题
	DemandPetition   DemandKind = "petition"   // 信访诉求
)

// DemandKinds lists the demand kinds in display order.
func DemandKinds() []DemandKind { return []DemandKind{DemandDifficulty, DemandPetition} }

// DemandStatus is a demand's state. The values are part of the API.
type DemandStatus string

// The demand states.
const (
	DemandOpen       DemandStatus = "open"        // 已收集，待办理
	DemandInProgress DemandStatus = "in_progress" // 已交办（转相关部门），办理中
	DemandResolved   DemandStatus = "resolved"    // 已解决，待群众确认
	DemandConfirmed  DemandStatus = "confirmed"   // 群众确认满意
	DemandReported   DemandStatus = "reported"    // 已转为信访举报
)

// DemandStatuses lists the states in display order.
func DemandStatuses() []DemandStatus {
	return []DemandStatus{DemandOpen, DemandInProgress, DemandResolved, DemandConfirmed, DemandReported}
}

// DemandOp is an action on a demand. The values are part of the API.
type DemandOp string

// The demand actions.
const (
	OpForward DemandOp = "forward" // 交办：转相关部门办理（部门必填）
	OpResolve DemandOp = "resolve" // 办结：说明如何解决
	OpConfirm DemandOp = "confirm" // 群众确认满意
	OpReopen  DemandOp = "reopen"  // 群众不满意：退回继续办理（原因必填）
	OpReport  DemandOp = "report"  // 转为信访举报（反映违纪违法问题）
)

// DemandTransition is one row of the demand workflow.
type DemandTransition struct {
	From  DemandStatus
	Op    DemandOp
	To    DemandStatus
	Perm  auth.Permission
	Guard string
}

// DemandWorkflow returns the demand lifecycle as data.
func DemandWorkflow() []DemandTransition {
	return []DemandTransition{
		{From: DemandOpen, Op: OpForward, To: DemandInProgress, Perm: auth.PermVillageLog, Guard: "own village; responsible department given"},
		{From: DemandInProgress, Op: OpForward, To: DemandInProgress, Perm: auth.PermVillageLog, Guard: "own village; another department"},
		{From: DemandOpen, Op: OpResolve, To: DemandResolved, Perm: auth.PermVillageLog, Guard: "own village; how it was resolved"},
		{From: DemandInProgress, Op: OpResolve, To: DemandResolved, Perm: auth.PermVillageLog, Guard: "own village; how it was resolved"},
		{From: DemandResolved, Op: OpConfirm, To: DemandConfirmed, Perm: auth.PermVillageLog, Guard: "own village; the person confirmed satisfied"},
		{From: DemandResolved, Op: OpReopen, To: DemandInProgress, Perm: auth.PermVillageLog, Guard: "own village; the person is not satisfied, reason given"},
		{From: DemandOpen, Op: OpReport, To: DemandReported, Perm: auth.PermVillageLog, Guard: "alleges misconduct; a village-visit report is registered, same action"},
		{From: DemandInProgress, Op: OpReport, To: DemandReported, Perm: auth.PermVillageLog, Guard: "alleges misconduct; a village-visit report is registered, same action"},
		{From: DemandResolved, Op: OpReport, To: DemandReported, Perm: auth.PermVillageLog, Guard: "alleges misconduct; a village-visit report is registered, same action"},
	}
}

// NextDemand returns the state after op from a state; ok is false when the
// table has no such row.
func NextDemand(from DemandStatus, op DemandOp) (DemandStatus, bool) {
	for _, t := range DemandWorkflow() {
		if t.From == from && t.Op == op {
			return t.To, true
		}
	}
	return "", false
}

// DemandOps returns the actions allowed from a state, in table order, once each.
func DemandOps(from DemandStatus) []DemandOp {
	var out []DemandOp
	for _, t := range DemandWorkflow() {
		if t.From == from && !slices.Contains(out, t.Op) {
			out = append(out, t.Op)
		}
	}
	return out
}

// DemandTable returns the demand workflow as a workflow.Table (docs, checks).
func DemandTable() workflow.Table {
	t := workflow.Table{Name: "village_demand", Title: "Village demand (群众诉求)", Start: string(DemandOpen),
		Final: []string{string(DemandConfirmed), string(DemandReported)}}
	for _, r := range DemandWorkflow() {
		t.Rows = append(t.Rows, workflow.Transition{From: string(r.From), Op: string(r.Op), To: string(r.To), Perm: r.Perm, Guard: r.Guard})
	}
	return t
}

// Topic is a subject of an integrity supervision session (a row of
// village_topics.json).
type Topic struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
}

//go:embed village_topics.json
var villageFS embed.FS

// Topics returns the session topics in display order. An error means the
// embedded table is broken (caught by the package tests).
func Topics() ([]Topic, error) {
	b, err := villageFS.ReadFile("village_topics.json")
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var out []Topic
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("oversight: village_topics.json: %w", err)
	}
	seen := map[string]bool{}
	for i, t := range out {
		if t.Code == "" || t.NameZH == "" || t.NameEN == "" || seen[t.Code] {
			return nil, fmt.Errorf("oversight: village_topics.json: row %d: empty or repeated code or name", i)
		}
		seen[t.Code] = true
	}
	return out, nil
}

// Limits of a village log entry.
const (
	MaxSummary    = 2000 // characters of the summary or demand content
	MaxShort      = 100  // characters of a place, names, department, person's name
	MaxPeople     = 10000
	MinClientID   = 8
	MaxClientID   = 64
	MaxDaysBefore = 366 // how far back an activity may be dated
)

// Input is a new log entry as the device sends it (the JSON body of POST
// /api/v1/village-logs). Fields that do not belong to the kind must be empty.
type Input struct {
	ClientID   string     `json:"client_id"`
	Kind       EntryKind  `json:"kind"`
	Date       string     `json:"date"`    // YYYY-MM-DD, the day of the activity
	Summary    string     `json:"summary"` // what was done or found; the demand's content
	Topics     []string   `json:"topics,omitempty"`
	People     int        `json:"people,omitempty"` // visit: people visited; session: participants
	Names      string     `json:"names,omitempty"`  // visit: whom (optional)
	Place      string     `json:"place,omitempty"`
	DemandKind DemandKind `json:"demand_kind,omitempty"`
	Person     string     `json:"person,omitempty"` // demand: from whom (personal data)
	Phone      string     `json:"phone,omitempty"`  // demand: contact (personal data)
	Department string     `json:"department,omitempty"`
	Due        string     `json:"due,omitempty"` // demand: answer due (optional)
}

// ValidClientID reports whether s is a usable device-generated id: 8 to 64
// letters, digits, '-' or '_' (a UUID fits).
func ValidClientID(s string) bool {
	if len(s) < MinClientID || len(s) > MaxClientID {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
		if !ok {
			return false
		}
	}
	return true
}

// validPhone accepts a mobile or fixed-line number: digits with an optional
// '-' or '+', 7 to 20 characters.
func validPhone(s string) bool {
	if len(s) < 7 || len(s) > 20 {
		return false
	}
	for i, r := range s {
		if !(r >= '0' && r <= '9' || r == '-' || (r == '+' && i == 0)) {
			return false
		}
	}
	return true
}

// Normalize cleans the text fields in place (spaces, invisible characters,
// topic order) so that a replay of the same form has the same fingerprint.
func (in *Input) Normalize() {
	in.ClientID = strings.TrimSpace(in.ClientID)
	in.Date, in.Due = strings.TrimSpace(in.Date), strings.TrimSpace(in.Due)
	in.Summary = textclean.Text(in.Summary)
	in.Names, in.Place = textclean.Line(in.Names), textclean.Line(in.Place)
	in.Person, in.Phone, in.Department = textclean.Line(in.Person), strings.ReplaceAll(textclean.Line(in.Phone), " ", ""), textclean.Line(in.Department)
	if len(in.Topics) > 0 {
		ts := slices.Clone(in.Topics)
		for i := range ts {
			ts[i] = strings.TrimSpace(ts[i])
		}
		slices.Sort(ts)
		in.Topics = slices.Compact(ts)
	}
}

// Validate normalises and checks an entry against today's business date
// (YYYY-MM-DD) and the known topics. Errors: invalid with field codes
// (client_id, kind, date, summary, topics, people, names, place,
// demand_kind, person, phone, department, due).
func (in *Input) Validate(today string, topics []Topic) error {
	in.Normalize()
	var v apperr.Validation
	if !ValidClientID(in.ClientID) {
		v.Add("client_id", "village.client_id_invalid")
	}
	if !slices.Contains(EntryKinds(), in.Kind) {
		v.Add("kind", "village.kind_invalid")
	}
	d, err := time.Parse(time.DateOnly, in.Date)
	t, terr := time.Parse(time.DateOnly, today)
	switch {
	case err != nil || terr != nil:
		v.Add("date", "village.date_invalid")
	case d.After(t):
		v.Add("date", "village.date_future")
	case t.Sub(d) > MaxDaysBefore*24*time.Hour:
		v.Add("date", "village.date_too_old")
	}
	switch n := utf8.RuneCountInString(in.Summary); {
	case n == 0:
		v.Add("summary", "village.summary_required")
	case n > MaxSummary:
		v.Add("summary", "village.summary_too_long")
	}
	short := func(field, val string) {
		if utf8.RuneCountInString(val) > MaxShort {
			v.Add(field, "village.text_too_long")
		}
	}
	short("names", in.Names)
	short("place", in.Place)
	short("person", in.Person)
	short("department", in.Department)
	if in.People < 0 || in.People > MaxPeople {
		v.Add("people", "village.people_invalid")
	}
	switch in.Kind {
	case KindSession:
		if len(in.Topics) == 0 {
			v.Add("topics", "village.topics_required")
		}
		for _, c := range in.Topics {
			if !slices.ContainsFunc(topics, func(t Topic) bool { return t.Code == c }) {
				v.Add("topics", "village.topic_invalid")
			}
		}
	case KindVisit:
		if in.People < 1 {
			v.Add("people", "village.people_invalid")
		}
	case KindDemand:
		if !slices.Contains(DemandKinds(), in.DemandKind) {
			v.Add("demand_kind", "village.demand_kind_invalid")
		}
		if in.Person == "" {
			v.Add("person", "village.person_required")
		}
		if in.Phone != "" && !validPhone(in.Phone) {
			v.Add("phone", "village.phone_invalid")
		}
		if in.Due != "" {
			if due, err := time.Parse(time.DateOnly, in.Due); err != nil || (!d.IsZero() && due.Before(d)) {
				v.Add("due", "village.due_invalid")
			}
		}
	}
	if in.Kind != KindSession && len(in.Topics) > 0 {
		v.Add("topics", "village.field_not_for_kind")
	}
	if in.Kind != KindDemand && (in.DemandKind != "" || in.Person != "" || in.Phone != "" || in.Department != "" || in.Due != "") {
		v.Add("demand_kind", "village.field_not_for_kind")
	}
	return v.Err()
}

// Fingerprint is a digest of a normalised input without its client id: the
// same form sent twice has the same fingerprint.
func (in Input) Fingerprint() string {
	in.ClientID = ""
	b, _ := json.Marshal(in)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Entry is a stored village log entry.
type Entry struct {
	ID           int64        `json:"id"`
	ClientID     string       `json:"client_id"`
	UnitID       int64        `json:"unit_id"`
	UnitName     string       `json:"unit_name"`
	UnitPath     string       `json:"-"`
	AuthorUserID int64        `json:"author_user_id"`
	AuthorName   string       `json:"author_name"`
	Kind         EntryKind    `json:"kind"`
	Date         string       `json:"date"`
	Summary      string       `json:"summary"`
	Topics       []string     `json:"topics"`
	People       int          `json:"people"`
	Names        string       `json:"names,omitempty"`
	Place        string       `json:"place,omitempty"`
	DemandKind   DemandKind   `json:"demand_kind,omitempty"`
	Person       string       `json:"person,omitempty"`
	Phone        string       `json:"phone,omitempty"`
	Department   string       `json:"department,omitempty"`
	Due          string       `json:"due,omitempty"`
	Status       DemandStatus `json:"status,omitempty"` // demands only
	Resolution   string       `json:"resolution,omitempty"`
	ResolvedAt   time.Time    `json:"resolved_at,omitzero"`
	ConfirmedAt  time.Time    `json:"confirmed_at,omitzero"`
	ReportID     int64        `json:"report_id,omitempty"`
	ReportNumber string       `json:"report_number,omitempty"`
	Fingerprint  string       `json:"-"`
	Version      int64        `json:"version"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
}

// NewEntry builds the entry of a validated input. Demands start open.
func NewEntry(in Input) Entry {
	e := Entry{ClientID: in.ClientID, Kind: in.Kind, Date: in.Date, Summary: in.Summary, Topics: in.Topics, People: in.People,
		Names: in.Names, Place: in.Place, DemandKind: in.DemandKind, Person: in.Person, Phone: in.Phone,
		Department: in.Department, Due: in.Due, Fingerprint: in.Fingerprint()}
	if in.Kind == KindDemand {
		e.Status = DemandOpen
	}
	return e
}

// AuditView is what the audit record of an entry holds: no personal data of
// the person who raised a demand (only whether a name and a phone were given).
type AuditView struct {
	ClientID    string
	UnitID      int64
	Kind        EntryKind
	Date        string
	Topics      []string
	People      int
	Department  string
	Status      DemandStatus
	PersonGiven bool
	PhoneGiven  bool
	ReportID    int64
}

// Audit returns the entry's audit view.
func (e Entry) Audit() AuditView {
	return AuditView{ClientID: e.ClientID, UnitID: e.UnitID, Kind: e.Kind, Date: e.Date, Topics: e.Topics, People: e.People,
		Department: e.Department, Status: e.Status, PersonGiven: e.Person != "", PhoneGiven: e.Phone != "", ReportID: e.ReportID}
}

// Act is a demand action's input.
type Act struct {
	Op         DemandOp `json:"op"`
	Department string   `json:"department,omitempty"` // forward
	Note       string   `json:"note,omitempty"`       // resolve: how; reopen: why not satisfied; confirm: optional
	Version    int64    `json:"version"`
}

// Apply checks an action on a demand and returns the entry after it (the
// report link is set by the services). now is the action's time. Errors:
// invalid (op, department, note), conflict "village.transition_invalid".
func (e Entry) Apply(a Act, now time.Time) (Entry, error) {
	if e.Kind != KindDemand {
		return e, apperr.New(apperr.Conflict, "village.transition_invalid")
	}
	if !slices.Contains([]DemandOp{OpForward, OpResolve, OpConfirm, OpReopen, OpReport}, a.Op) {
		return e, apperr.InvalidField("op", "village.op_invalid")
	}
	to, ok := NextDemand(e.Status, a.Op)
	if !ok {
		return e, apperr.New(apperr.Conflict, "village.transition_invalid")
	}
	a.Department, a.Note = textclean.Line(a.Department), textclean.Text(a.Note)
	if utf8.RuneCountInString(a.Department) > MaxShort {
		return e, apperr.InvalidField("department", "village.text_too_long")
	}
	if utf8.RuneCountInString(a.Note) > MaxSummary {
		return e, apperr.InvalidField("note", "village.summary_too_long")
	}
	out := e
	out.Status = to
	switch a.Op {
	case OpForward:
		if a.Department == "" {
			return e, apperr.InvalidField("department", "village.department_required")
		}
		out.Department = a.Department
	case OpResolve:
		if a.Note == "" {
			return e, apperr.InvalidField("note", "village.resolution_required")
		}
		out.Resolution, out.ResolvedAt = a.Note, now
	case OpReopen:
		if a.Note == "" {
			return e, apperr.InvalidField("note", "village.reopen_reason_required")
		}
		out.ResolvedAt = time.Time{}
	case OpConfirm:
		out.ConfirmedAt = now
	}
	return out, nil
}
