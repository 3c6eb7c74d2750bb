package oversight

import (
	"slices"
	"strings"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/textclean"
)

// This file holds pairing (结对帮带) and training (大讲堂, 以案代训, 岗位练兵):
// the county pairs leaders, experts or offices with township commissions
// for guidance, records the guidance given, and runs training sessions
// whose attendance is kept per person.

// PairingKind is who guides a township commission.
type PairingKind string

// The pairing kinds.
const (
	PairLeader PairingKind = "leader" // a commission leader (委领导联系)
	PairExpert PairingKind = "expert" // an experienced cadre (业务骨干/专家)
	PairOffice PairingKind = "office" // an office or dispatched group (室组结对)
)

// PairingKinds lists the pairing kinds.
func PairingKinds() []PairingKind { return []PairingKind{PairLeader, PairExpert, PairOffice} }

// Pairing pairs a mentor (a person, or for PairOffice a unit) with a
// township commission from From (inclusive) to To (exclusive; "" open).
type Pairing struct {
	ID             int64
	Kind           PairingKind
	MentorPersonID int64 // leader, expert
	MentorName     string
	MentorUnitID   int64 // office
	TownshipID     int64
	TownshipName   string
	TownshipPath   string
	From, To       string // YYYY-MM-DD
	Note           string
	Guidance       int // guidance records, filled by the store
	Version        int64
	CreatedAt      time.Time
}

// Active reports whether the pairing runs on day (YYYY-MM-DD).
func (p Pairing) Active(day string) bool { return p.From <= day && (p.To == "" || day < p.To) }

// ValidatePairing checks a pairing's fields. Errors: invalid with field
// codes (kind, mentor, township, from, to, note).
func ValidatePairing(p *Pairing) error {
	var v apperr.Validation
	if !slices.Contains(PairingKinds(), p.Kind) {
		v.Add("kind", "pairing.kind_invalid")
	}
	switch {
	case p.Kind == PairOffice && (p.MentorUnitID <= 0 || p.MentorPersonID != 0):
		v.Add("mentor", "pairing.mentor_unit_required")
	case p.Kind != PairOffice && (p.MentorPersonID <= 0 || p.MentorUnitID != 0):
		v.Add("mentor", "pairing.mentor_person_required")
	}
	if p.TownshipID <= 0 {
		v.Add("township", "pairing.township_required")
	}
	if !validDay(p.From) {
		v.Add("from", "pairing.date_invalid")
	}
	if p.To != "" && (!validDay(p.To) || p.To <= p.From) {
		v.Add("to", "pairing.to_invalid")
	}
	p.Note = textclean.Text(p.Note)
	if len([]rune(p.Note)) > 2000 {
		v.Add("note", "pairing.text_too_long")
	}
	return v.Err()
}

// GuidanceKind is what a guidance record was.
type GuidanceKind string

// The guidance kinds.
const (
	GuideVisit   GuidanceKind = "visit"   // 上门指导
	GuideCase    GuidanceKind = "case"    // 案件会商/办案指导
	GuideReview  GuidanceKind = "review"  // 案卷评查
	GuideLecture GuidanceKind = "lecture" // 授课辅导
	GuideOther   GuidanceKind = "other"
)

// GuidanceKinds lists the guidance kinds.
func GuidanceKinds() []GuidanceKind {
	return []GuidanceKind{GuideVisit, GuideCase, GuideReview, GuideLecture, GuideOther}
}

// Guidance is one record of guidance given under a pairing.
type Guidance struct {
	ID        int64
	PairingID int64
	Day       string // YYYY-MM-DD
	Kind      GuidanceKind
	Topic     string
	Content   string
	UserID    int64
	UserName  string
	CreatedAt time.Time
}

// ValidateGuidance checks a guidance record against its pairing. Errors:
// invalid (day, kind, topic, content); "pairing.outside_period" on day when
// the pairing did not run that day.
func ValidateGuidance(g *Guidance, p Pairing, today string) error {
	var v apperr.Validation
	switch {
	case !validDay(g.Day) || g.Day > today:
		v.Add("day", "pairing.date_invalid")
	case !p.Active(g.Day):
		v.Add("day", "pairing.outside_period")
	}
	if !slices.Contains(GuidanceKinds(), g.Kind) {
		v.Add("kind", "pairing.guidance_kind_invalid")
	}
	g.Topic, g.Content = textclean.Line(g.Topic), textclean.Text(g.Content)
	if g.Topic == "" || len([]rune(g.Topic)) > 200 {
		v.Add("topic", "pairing.topic_required")
	}
	if len([]rune(g.Content)) > 5000 {
		v.Add("content", "pairing.text_too_long")
	}
	return v.Err()
}

// TrainingKind is a kind of training session.
type TrainingKind string

// The training kinds.
const (
	TrainLecture   TrainingKind = "lecture"    // 纪检监察大讲堂
	TrainCaseBased TrainingKind = "case_based" // 以案代训 (with a teaching case)
	TrainDrill     TrainingKind = "drill"      // 岗位练兵 (with scores)
)

// TrainingKinds lists the training kinds.
func TrainingKinds() []TrainingKind { return []TrainingKind{TrainLecture, TrainCaseBased, TrainDrill} }

// Training is a training session organised by a unit.
type Training struct {
	ID             int64
	Kind           TrainingKind
	Title          string
	Day            string // YYYY-MM-DD
	Place          string
	OrganiserID    int64
	OrganiserName  string
	OrganiserPath  string
	TeachingCaseID int64 // with TrainCaseBased
	Note           string
	Invited        int // filled by the store
	Attended       int
	CreatedAt      time.Time
}

// ValidateTraining checks a training's fields. Errors: invalid (kind,
// title, day, place, teaching_case, note).
func ValidateTraining(t *Training) error {
	var v apperr.Validation
	if !slices.Contains(TrainingKinds(), t.Kind) {
		v.Add("kind", "training.kind_invalid")
	}
	t.Title, t.Place, t.Note = textclean.Line(t.Title), textclean.Line(t.Place), textclean.Text(t.Note)
	if t.Title == "" || len([]rune(t.Title)) > 200 {
		v.Add("title", "training.title_required")
	}
	if !validDay(t.Day) {
		v.Add("day", "pairing.date_invalid")
	}
	if len([]rune(t.Place)) > 200 || len([]rune(t.Note)) > 2000 {
		v.Add("note", "pairing.text_too_long")
	}
	switch {
	case t.Kind == TrainCaseBased && t.TeachingCaseID <= 0:
		v.Add("teaching_case", "training.teaching_case_required")
	case t.Kind != TrainCaseBased && t.TeachingCaseID != 0:
		v.Add("teaching_case", "training.teaching_case_only_case_based")
	}
	return v.Err()
}

// Attendance is one invited person's attendance of a training.
type Attendance struct {
	PersonID int64
	Name     string
	UnitID   int64
	UnitName string
	UnitPath string
	Attended bool
	Score    int // 0–100 for a drill (岗位练兵), else 0
}

// ValidateAttendance checks the attendance list of a training. Errors:
// invalid (attendance) "training.attendance_duplicate",
// "training.score_invalid".
func ValidateAttendance(t Training, as []Attendance) error {
	seen := map[int64]bool{}
	for _, a := range as {
		if seen[a.PersonID] || a.PersonID <= 0 {
			return apperr.InvalidField("attendance", "training.attendance_duplicate")
		}
		seen[a.PersonID] = true
		if a.Score < 0 || a.Score > 100 || (a.Score != 0 && (t.Kind != TrainDrill || !a.Attended)) {
			return apperr.InvalidField("attendance", "training.score_invalid")
		}
	}
	return nil
}

func validDay(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil && len(s) == 10 && !strings.HasPrefix(s, "0")
}
