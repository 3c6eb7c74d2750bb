package intake

import "time"

// Report is a registered report as staff see it. The reporter's identity is
// never in this type: it stays sealed in the store (Sealed) and is opened
// only through an audited reveal.
type Report struct {
	ID             int64
	Number         string // registration number, e.g. 永信〔2026〕15号
	UnitID         int64  // the unit now responsible
	UnitName       string
	UnitPath       string
	ReceivedUnitID int64 // the commission that received it
	Kind           Kind
	Channel        Channel
	Status         Status
	Title          string
	Content        string
	Category       string
	DivisionCode   string
	Subject        Subject
	Anonymous      bool
	Sealed         string // sealed reporter identity ("" when anonymous)
	ExternalSource string
	ExternalID     string
	Collective     bool
	OverLevel      bool
	RepeatOf       int64
	RouteReason    string
	DeclineReason  string // shown to the reporter
	Result         string // handling result, shown to the reporter as feedback
	OperatorUserID int64
	ReceivedAt     time.Time
	AcceptedAt     time.Time
	NoticeAt       time.Time
	ClosedAt       time.Time
	FeedbackAt     time.Time
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// Candidates is how many near-duplicate candidates registration found
	// (set on the value CreateReport returns; not stored).
	Candidates int
}

// Message is a note on a report: from the reporter (added information),
// from staff (public replies the reporter sees, or internal notes), or from
// the system (acceptance notice, result feedback).
type Message struct {
	ID        int64
	ReportID  int64
	Author    string // "reporter", "staff", "system"
	Public    bool
	Body      string
	UserID    int64
	UserName  string
	CreatedAt time.Time
}

// Attachment is a file attached to a report or message.
type Attachment struct {
	ID        int64
	ReportID  int64
	MessageID int64
	Name      string
	MIME      string
	Size      int64
	SHA256    string
	CreatedAt time.Time
}

// Event is one recorded hand-off or state change (every hand-off signed and
// logged, [R2019] Art. 23).
type Event struct {
	ID         int64
	ReportID   int64
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

// Reveal is one audited opening of a sealed identity.
type Reveal struct {
	ID       int64
	ReportID int64
	UserID   int64
	UserName string
	Reason   string
	At       time.Time
}

// ClockRow is a statutory clock running on a report.
type ClockRow struct {
	ID          int64
	ReportID    int64
	Code        string
	StartedAt   time.Time
	DueAt       time.Time
	RemindAt    time.Time
	DoneAt      time.Time
	RemindedAt  time.Time
	Provisional bool
}

// Link is a near-duplicate candidate between two reports.
type Link struct {
	ReportID  int64
	OtherID   int64
	Score     float64
	Status    string // "candidate", "confirmed", "rejected"
	DecidedBy int64
	DecidedAt time.Time
}
