package clue

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"qingfeng/internal/apperr"
	"qingfeng/internal/textclean"
)

// MeetingStatus is the state of a consultation meeting (问题线索处置协商会).
type MeetingStatus string

// The meeting states: open while the decisions are recorded, closed when
// the minutes are final.
const (
	MeetingOpen   MeetingStatus = "open"
	MeetingClosed MeetingStatus = "closed"
)

// Meeting is an area group's consultation meeting: the pending clues of
// the group's member units on the agenda, the attendance, and a decision
// per clue that flows into the clue.
type Meeting struct {
	ID             int64
	Number         string // e.g. 永纪协〔2026〕3号 (per county commission and year)
	AreaGroupID    int64
	AreaGroupName  string
	CountyUnitID   int64
	CountyPath     string
	HeldOn         string // YYYY-MM-DD
	Place          string
	ChairPersonID  int64
	ChairName      string
	RecorderUserID int64
	RecorderName   string
	Status         MeetingStatus
	Summary        string
	ClosedAt       time.Time
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Attendees      []Attendee
	Items          []MeetingItem
}

// Attendee is one person's attendance at a meeting.
type Attendee struct {
	PersonID int64
	Name     string
	Post     string
	UnitName string
	Present  bool
	Note     string // e.g. 请假 (leave), 列席
}

// MeetingItem is one clue on a meeting's agenda and, once decided, the
// meeting's decision on it.
type MeetingItem struct {
	ID           int64
	MeetingID    int64
	Seq          int
	ClueID       int64
	ClueNumber   string
	ClueTitle    string
	SubjectName  string
	UnitName     string // the unit holding the clue when the agenda was built
	ClueStatus   Status // the clue's state now
	Decided      bool
	Mode         Mode
	Form         string // inquiry: talk or letter
	LeadUnitID   int64
	LeadUnitName string
	JointUnits   []int64
	JointUsers   []int64
	OwnerUserID  int64
	OwnerName    string
	DueOn        string // YYYY-MM-DD
	Note         string
	DecidedBy    int64
	DecidedAt    time.Time
}

// Decision is what a meeting decides for one clue on its agenda: the
// disposal mode with the mode's form, the lead unit and owner, the joint
// members from other units of the group, and the due date.
type Decision struct {
	ClueID      int64
	Mode        Mode
	Form        string  // inquiry: talk or letter
	Team        []int64 // verification: two or more users, leader first
	ShelveUntil string  // shelve: review date
	Closure     string  // close: the direct-closure reason
	LeadUnitID  int64
	OwnerUserID int64
	JointUsers  []int64 // users of other member units (time-boxed participation until the due date)
	DueOn       string  // YYYY-MM-DD ("" = the clue.decision_due limit)
	Note        string  // the meeting's reasoning, recorded on the clue
}

// Validate checks the decision's own fields (the services check units,
// users and dates against the organisation). Errors: invalid with field
// codes.
func (d *Decision) Validate() error {
	var v apperr.Validation
	d.Note = textclean.Text(d.Note)
	if d.ClueID <= 0 {
		v.Add("clue_id", "meeting.clue_required")
	}
	if !d.Mode.Valid() {
		v.Add("mode", "clue.mode_invalid")
	}
	switch d.Mode {
	case ModeInquiry:
		if d.Form != FormTalk && d.Form != FormLetter {
			v.Add("form", "clue.form_invalid")
		}
	case ModeClose:
		if !slices.Contains(CloseReasons(), d.Closure) {
			v.Add("closure", "clue.closure_invalid")
		}
	}
	if d.LeadUnitID <= 0 {
		v.Add("lead_unit_id", "clue.unit_invalid")
	}
	if d.OwnerUserID <= 0 {
		v.Add("owner_id", "clue.owner_invalid")
	}
	if d.Note == "" {
		v.Add("note", "meeting.note_required")
	} else if utf8.RuneCountInString(d.Note) > MaxText {
		v.Add("note", "clue.text_too_long")
	}
	return v.Err()
}

// MeetingInput schedules a meeting: the day, place, chair and attendance.
type MeetingInput struct {
	HeldOn        string
	Place         string
	ChairPersonID int64 // 0: the area group's leader
	Attendees     []Attendee
}

// Validate cleans and checks a new meeting's fields. Errors: invalid.
func (in *MeetingInput) Validate() error {
	var v apperr.Validation
	in.Place = textclean.Line(in.Place)
	if _, err := time.Parse(time.DateOnly, in.HeldOn); err != nil {
		v.Add("held_on", "clue.date_invalid")
	}
	if utf8.RuneCountInString(in.Place) > 100 {
		v.Add("place", "clue.text_too_long")
	}
	seen := map[int64]bool{}
	for i := range in.Attendees {
		a := &in.Attendees[i]
		a.Note = textclean.Line(a.Note)
		if a.PersonID <= 0 || seen[a.PersonID] || utf8.RuneCountInString(a.Note) > 100 {
			v.Add("attendees", "meeting.attendee_invalid")
			break
		}
		seen[a.PersonID] = true
	}
	return v.Err()
}

// JoinIDs renders ids as a comma-separated list (the joint columns of
// meeting items).
func JoinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// SplitIDs parses JoinIDs' output; malformed parts are skipped.
func SplitIDs(s string) []int64 {
	var out []int64
	for _, p := range strings.Split(s, ",") {
		if n, err := strconv.ParseInt(p, 10, 64); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}
