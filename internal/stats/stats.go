package stats

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"qingfeng/internal/apperr"
)

// Period is an inclusive range of business dates (Asia/Shanghai).
type Period struct {
	From string `json:"from"` // YYYY-MM-DD
	To   string `json:"to"`   // YYYY-MM-DD, inclusive
}

// MaxPeriodDays bounds a period: ten years and a day or two.
const MaxPeriodDays = 3660

// ParsePeriod checks a period's dates. Missing from: the first of January
// of to's year ("今年以来"); missing to: today. Errors: invalid on field
// "from" or "to" ("stats.date_invalid"), "to" ("stats.period_reversed")
// when to is before from, or ("stats.period_too_long") beyond
// MaxPeriodDays.
func ParsePeriod(from, to, today string) (Period, error) {
	var v apperr.Validation
	if to == "" {
		to = today
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		v.Add("to", "stats.date_invalid")
	}
	if from == "" && err == nil {
		from = t.Format("2006") + "-01-01"
	}
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		v.Add("from", "stats.date_invalid")
	}
	if v.Err() != nil {
		return Period{}, v.Err()
	}
	switch {
	case t.Before(f):
		return Period{}, apperr.InvalidField("to", "stats.period_reversed")
	case t.Sub(f) > MaxPeriodDays*24*time.Hour:
		return Period{}, apperr.InvalidField("to", "stats.period_too_long")
	}
	return Period{From: from, To: to}, nil
}

// Bounds returns the period as instants [start, end) in loc.
func (p Period) Bounds(loc *time.Location) (time.Time, time.Time) {
	f, _ := time.ParseInLocation(time.DateOnly, p.From, loc)
	t, _ := time.ParseInLocation(time.DateOnly, p.To, loc)
	return f, t.AddDate(0, 0, 1)
}

// Interval is the bucket width of a series.
type Interval string

// The intervals of a series.
const (
	IntervalMonth   Interval = "month"
	IntervalQuarter Interval = "quarter"
	IntervalYear    Interval = "year"
)

// ParseInterval checks an interval ("" is month). Errors: invalid on field
// "interval" ("stats.interval_invalid").
func ParseInterval(s string) (Interval, error) {
	switch Interval(s) {
	case "":
		return IntervalMonth, nil
	case IntervalMonth, IntervalQuarter, IntervalYear:
		return Interval(s), nil
	}
	return "", apperr.InvalidField("interval", "stats.interval_invalid")
}

// Buckets returns the boundaries of the period cut by interval: the
// period's start, then the start of every later month (quarter, year)
// inside it. The labels name each bucket ("2026-03", "2026-Q1", "2026").
func (p Period) Buckets(iv Interval, loc *time.Location) ([]time.Time, []string) {
	start, end := p.Bounds(loc)
	var bounds []time.Time
	var labels []string
	label := func(t time.Time) string {
		switch iv {
		case IntervalYear:
			return t.Format("2006")
		case IntervalQuarter:
			return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
		}
		return t.Format("2006-01")
	}
	for t := start; t.Before(end); {
		bounds = append(bounds, t)
		labels = append(labels, label(t))
		y, m := t.Year(), t.Month()
		switch iv {
		case IntervalYear:
			t = time.Date(y+1, 1, 1, 0, 0, 0, 0, loc)
		case IntervalQuarter:
			q := (int(m)-1)/3*3 + 1
			t = time.Date(y, time.Month(q+3), 1, 0, 0, 0, 0, loc)
		default:
			t = time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
		}
	}
	return bounds, labels
}

// Forms counts people per four form (四种形态), by the heaviest measure.
type Forms struct {
	First  int64 `json:"1"`
	Second int64 `json:"2"`
	Third  int64 `json:"3"`
	Fourth int64 `json:"4"`
}

// Total is the number of people in any form.
func (f Forms) Total() int64 { return f.First + f.Second + f.Third + f.Fourth }

// Summary is the figures of one scope and period. Every count is of
// records inside the scope; see docs/statistics.md for each rule.
type Summary struct {
	Scope  Scope  `json:"scope"`
	Period Period `json:"period"`

	ReportsReceived   int64            `json:"reports_received"`
	ReportsAnswered   int64            `json:"reports_answered"`
	ReportsByChannel  map[string]int64 `json:"reports_by_channel"`
	ReportsByKind     map[string]int64 `json:"reports_by_kind"`
	ReportsByCategory map[string]int64 `json:"reports_by_category"`

	CluesReceived int64            `json:"clues_received"`
	CluesBySource map[string]int64 `json:"clues_by_source"`
	CluesDisposed int64            `json:"clues_disposed"`
	CluesByMode   map[string]int64 `json:"clues_by_mode"`

	CasesFiled  int64 `json:"cases_filed"`
	CasesClosed int64 `json:"cases_closed"`

	PersonsDecided              int64 `json:"persons_decided"`
	PersonsSanctioned           int64 `json:"persons_sanctioned"`
	PersonsPartySanctioned      int64 `json:"persons_party_sanctioned"`
	PersonsGovernmentSanctioned int64 `json:"persons_government_sanctioned"`
	PersonsOrgActions           int64 `json:"persons_org_actions"`
	PersonsDetained             int64 `json:"persons_detained"`
	PersonsTransferred          int64 `json:"persons_transferred"`
	FourForms                   Forms `json:"four_forms"`

	FundsRecoveredFen int64 `json:"funds_recovered_fen"`
	FundsReturnedFen  int64 `json:"funds_returned_fen"`
	// CrossCheckRecoveredFen: money recovered on confirmed cross-check
	// suspects (大数据比对追回资金), by the day recovered; not part of
	// FundsRecoveredFen or FundsReturnedFen (docs/statistics.md).
	CrossCheckRecoveredFen int64 `json:"crosscheck_recovered_fen"`

	// Averages in calendar days, one decimal; nil when nothing was disposed
	// (closed) in the period.
	AvgClueDisposalDays *float64 `json:"avg_clue_disposal_days"`
	AvgCaseDays         *float64 `json:"avg_case_days"`

	// Overdue counts running clocks past due now (not the period), by
	// object type (report, clue, case, measure, subject, ...).
	Overdue       int64            `json:"overdue"`
	OverdueByType map[string]int64 `json:"overdue_by_type"`

	// Pairing and training (结对帮带, 大讲堂/以案代训/岗位练兵).
	GuidanceRecords   int64            `json:"guidance_records"`
	TrainingsHeld     int64            `json:"trainings_held"`
	TrainingsByKind   map[string]int64 `json:"trainings_by_kind"`
	TrainingAttendees int64            `json:"training_attendees"`
	// Village work (村级监督) by the activity date; demands resolved by the
	// resolution date.
	VillageSessions      int64 `json:"village_sessions"`
	VillageVisits        int64 `json:"village_visits"`
	VillagePeopleVisited int64 `json:"village_people_visited"`
	DemandsCollected     int64 `json:"demands_collected"`
	DemandsResolved      int64 `json:"demands_resolved"`
	// Rectifications (整改): opened and closed in the period, closures by
	// kind, reopenings after failed verification; the closure rate is
	// closed / opened in percent, one decimal (nil when none was opened).
	RectificationsOpened            int64    `json:"rectifications_opened"`
	RectificationsClosed            int64    `json:"rectifications_closed"`
	RectificationsClosedSubstantive int64    `json:"rectifications_closed_substantive"`
	RectificationsClosedStaged      int64    `json:"rectifications_closed_staged"`
	RectificationsClosedProcedural  int64    `json:"rectifications_closed_procedural"`
	RectificationsReopened          int64    `json:"rectifications_reopened"`
	RectificationClosureRate        *float64 `json:"rectification_closure_rate"`
	// Supervision tasks: urges (催办) sent and progress reports recorded
	// in the period; the board figures are now (not the period): the
	// active tasks supervised in the scope and their target units by state.
	UrgesSent        int64 `json:"urges_sent"`
	TaskReports      int64 `json:"task_reports"`
	TasksActive      int64 `json:"tasks_active"`
	TaskUnitsOnTrack int64 `json:"task_units_on_track"`
	TaskUnitsBehind  int64 `json:"task_units_behind"`
	TaskUnitsOverdue int64 `json:"task_units_overdue"`
}

// ClosureRate is closed/opened in percent with one decimal, nil when
// nothing was opened.
func ClosureRate(closed, opened int64) *float64 {
	if opened == 0 {
		return nil
	}
	v := float64(int64(float64(closed)*1000/float64(opened)+0.5)) / 10
	return &v
}

// Scope names what a summary counts: a unit's subtree or an area group's
// member units (each with its membership's validity).
type Scope struct {
	Kind string `json:"kind"` // "unit" or "area_group"
	ID   int64  `json:"id"`
	Code string `json:"code,omitempty"`
	Name string `json:"name"`
}

// AvgDays is the mean of a sum of milliseconds over n records in days,
// rounded to one decimal; nil for n = 0.
func AvgDays(sumMS, n int64) *float64 {
	if n <= 0 {
		return nil
	}
	v := math.Round(float64(sumMS)/float64(n)/float64(24*time.Hour/time.Millisecond)*10) / 10
	return &v
}

// WanYuan renders fen as 万元 with two decimals: 477870000 → "477.87".
// Rounded half away from zero at the hundredth of 万元 (100 yuan).
func WanYuan(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	// 1 万元 = 1,000,000 fen; two decimals = units of 10,000 fen.
	units := (fen + 5000) / 10000
	s := strconv.FormatInt(units/100, 10) + "." + fmt.Sprintf("%02d", units%100)
	if neg {
		s = "-" + s
	}
	return s
}

// Yuan renders fen as yuan with two decimals and thousands separators
// ("4,778,700.00").
func Yuan(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	whole := strconv.FormatInt(fen/100, 10)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	s := b.String() + "." + fmt.Sprintf("%02d", fen%100)
	if neg {
		s = "-" + s
	}
	return s
}

// Series is one metric over time: a value per bucket, and per key when
// broken down.
type Series struct {
	Metric   string           `json:"metric"`
	Interval Interval         `json:"interval"`
	By       string           `json:"by,omitempty"`
	Labels   []string         `json:"labels"`
	Values   []float64        `json:"values"`
	Keys     []KeySeries      `json:"keys,omitempty"`
	Period   Period           `json:"period"`
	Scope    Scope            `json:"scope"`
	Totals   map[string]int64 `json:"-"`
}

// KeySeries is the values of one key of a broken-down series.
type KeySeries struct {
	Key    string    `json:"key"`
	Values []float64 `json:"values"`
}

// Row is one line of a breakdown (a child unit, the unit's own records, or
// an area group) with its figures by metric name.
type Row struct {
	ID      int64            `json:"id"`
	Name    string           `json:"name"`
	Kind    string           `json:"kind"`
	Own     bool             `json:"own,omitempty"` // the unit's own records, not a child's
	Figures map[string]int64 `json:"figures"`
}

// RowMetrics are the columns of breakdown tables, in order.
func RowMetrics() []string {
	return []string{"reports_received", "clues_received", "cases_filed", "cases_closed", "persons_sanctioned",
		"persons_org_actions", "persons_detained", "funds_recovered_fen", "overdue", "rectifications_opened",
		"village_sessions", "guidance_records", "training_attendees"}
}

// Comparison sets the handling times before a date against those from it
// on (e.g. when area collaboration started).
type Comparison struct {
	At     string       `json:"at"`
	Before TimesFigures `json:"before"`
	After  TimesFigures `json:"after"`
}

// TimesFigures is the average handling times of a part of a period.
type TimesFigures struct {
	Period              Period   `json:"period"`
	CluesDisposed       int64    `json:"clues_disposed"`
	AvgClueDisposalDays *float64 `json:"avg_clue_disposal_days"`
	CasesClosed         int64    `json:"cases_closed"`
	AvgCaseDays         *float64 `json:"avg_case_days"`
}

// Dashboard is everything a dashboard shows for one scope and period.
type Dashboard struct {
	Summary    Summary     `json:"summary"`
	Series     []Series    `json:"series"` // monthly, the metrics of DashboardSeries
	Units      []Row       `json:"units"`  // the unit's children (and its own records)
	AreaGroups []Row       `json:"area_groups,omitempty"`
	Compare    *Comparison `json:"compare,omitempty"`
	Bulletin   string      `json:"bulletin"`
}
