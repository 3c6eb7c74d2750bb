package stats

import (
	"slices"

	"qingfeng/internal/apperr"
)

// Metric is a named figure: the row set (object) it counts, which of the
// row set's values it reads, and how it is shown. The row sets are defined
// in the store (store.StatObject, one SQL each) by these rules:
//
//   - reports: a report counts at its receipt (received_at), in the unit
//     handling it; answered reports at their closure (办结).
//   - clues: a clue counts at its receipt; a disposal (谈话函询, 初步核实,
//     暂存待查, 予以了结) at its disposal date, once, with the mode chosen.
//   - cases: a case counts when filed (立案, filed_at), once (a case merged
//     into another is not counted again); a closure at its closing date.
//     Cases count in their lead unit.
//   - persons: a case's subject counts at the decision date of the
//     outcome (the funds too); sanctioned = a party or government sanction,
//     once even with both; the four forms per person by the heaviest
//     measure (casework.FormOf); withdrawn or revoked outcomes count as
//     nothing.
//   - detentions: a person counts once, at the start of the first
//     detention (留置) measure; an imported ledger's detained subject at
//     the case's filing date.
//   - averages: calendar days from receipt to disposal of the clues
//     disposed in the period, and from filing to closure of the cases closed
//     in the period.
//   - pairing and training: a guidance record counts on its day in the
//     paired township commission; a training on its day in the organising
//     unit; an attendance (人次) on the training's day in the attendee's
//     unit, only when the person attended.
//   - village work (村级监督): a session, a visit and a demand count at
//     the date of the activity in the village that logged it; the people
//     visited (人次) sum the visits' counts; a demand counts as resolved at
//     its (last) resolution date while resolved or confirmed by the person.
//   - rectifications (整改): an item counts when created, in its
//     responsible unit; a closure (销号) at its closing date with its kind
//     (substantive, staged, procedural; the item's last closure, cleared
//     when verification fails); a reopening at its date. The closure rate
//     is closed / opened in the period, in percent.
//   - supervision tasks: an urge (催办) counts when sent, in the target
//     unit it is about (key level: unit, area group leader, commission
//     leaders); a progress report when recorded, in the reporting unit.
//     The board states (on track, behind, overdue) are computed now by the
//     pure board rule (oversight.Assess) in the service, not in SQL.
//   - area groups: a record counts for a group when its unit was a member
//     on the record's date (the membership valid then).
type Metric struct {
	Name   string // API name, e.g. "persons_sanctioned"
	Object string // store.StatObject
	Value  string // the object's value, e.g. "sanctioned"
	Unit   string // 件, 人, 分 (fen) or 天
	// Avg: the figure is Value (a sum of milliseconds) divided by the
	// object's count, in days.
	Avg bool
	// Keys are the breakdown keys a series of the metric may use.
	Keys []string
}

// Metrics lists every metric in display order.
func Metrics() []Metric {
	reportKeys := []string{"channel", "kind", "category"}
	personKeys := []string{"form", "category"}
	return []Metric{
		{Name: "reports_received", Object: "reports", Value: "n", Unit: "件", Keys: reportKeys},
		{Name: "reports_answered", Object: "reports_answered", Value: "n", Unit: "件", Keys: reportKeys},
		{Name: "clues_received", Object: "clues", Value: "n", Unit: "件", Keys: []string{"source", "category"}},
		{Name: "clues_disposed", Object: "clues_disposed", Value: "n", Unit: "件", Keys: []string{"mode", "source", "category"}},
		{Name: "cases_filed", Object: "cases_filed", Value: "n", Unit: "件", Keys: []string{"category"}},
		{Name: "cases_closed", Object: "cases_closed", Value: "n", Unit: "件", Keys: []string{"category"}},
		{Name: "persons_decided", Object: "subjects", Value: "n", Unit: "人", Keys: personKeys},
		{Name: "persons_sanctioned", Object: "subjects", Value: "sanctioned", Unit: "人", Keys: personKeys},
		{Name: "persons_party_sanctioned", Object: "subjects", Value: "party_sanctioned", Unit: "人", Keys: personKeys},
		{Name: "persons_government_sanctioned", Object: "subjects", Value: "gov_sanctioned", Unit: "人", Keys: personKeys},
		{Name: "persons_org_actions", Object: "subjects", Value: "org_action", Unit: "人", Keys: personKeys},
		{Name: "persons_transferred", Object: "subjects", Value: "transferred", Unit: "人", Keys: personKeys},
		{Name: "persons_form1", Object: "subjects", Value: "form1", Unit: "人", Keys: personKeys},
		{Name: "persons_form2", Object: "subjects", Value: "form2", Unit: "人", Keys: personKeys},
		{Name: "persons_form3", Object: "subjects", Value: "form3", Unit: "人", Keys: personKeys},
		{Name: "persons_form4", Object: "subjects", Value: "form4", Unit: "人", Keys: personKeys},
		{Name: "persons_detained", Object: "detentions", Value: "n", Unit: "人", Keys: []string{"category"}},
		{Name: "funds_recovered_fen", Object: "subjects", Value: "funds_fen", Unit: "分", Keys: personKeys},
		{Name: "funds_returned_fen", Object: "subjects", Value: "returned_fen", Unit: "分", Keys: personKeys},
		{Name: "avg_clue_disposal_days", Object: "clues_disposed", Value: "days_ms", Unit: "天", Avg: true, Keys: []string{"mode", "source", "category"}},
		{Name: "avg_case_days", Object: "cases_closed", Value: "days_ms", Unit: "天", Avg: true, Keys: []string{"category"}},
		{Name: "overdue", Object: "overdue", Value: "n", Unit: "件", Keys: []string{"object"}},
		{Name: "guidance_records", Object: "guidance", Value: "n", Unit: "次", Keys: []string{"kind", "pairing_kind"}},
		{Name: "trainings_held", Object: "trainings", Value: "n", Unit: "场", Keys: []string{"kind"}},
		{Name: "training_attendees", Object: "training_attendance", Value: "n", Unit: "人次", Keys: []string{"kind"}},
		{Name: "village_sessions", Object: "village_sessions", Value: "n", Unit: "次"},
		{Name: "village_visits", Object: "village_visits", Value: "n", Unit: "次"},
		{Name: "village_people_visited", Object: "village_visits", Value: "people", Unit: "人次"},
		{Name: "demands_collected", Object: "village_demands", Value: "n", Unit: "个", Keys: []string{"demand_kind", "status"}},
		{Name: "demands_resolved", Object: "village_demands_resolved", Value: "n", Unit: "个", Keys: []string{"demand_kind"}},
		{Name: "rectifications_opened", Object: "rectifications", Value: "n", Unit: "件", Keys: []string{"source"}},
		{Name: "rectifications_closed", Object: "rectifications_closed", Value: "n", Unit: "件", Keys: []string{"closure", "source"}},
		{Name: "rectifications_closed_substantive", Object: "rectifications_closed", Value: "substantive", Unit: "件", Keys: []string{"source"}},
		{Name: "rectifications_closed_staged", Object: "rectifications_closed", Value: "staged", Unit: "件", Keys: []string{"source"}},
		{Name: "rectifications_closed_procedural", Object: "rectifications_closed", Value: "procedural", Unit: "件", Keys: []string{"source"}},
		{Name: "rectifications_reopened", Object: "rectifications_reopened", Value: "n", Unit: "件", Keys: []string{"source"}},
		{Name: "task_urges", Object: "task_urges", Value: "n", Unit: "次", Keys: []string{"level"}},
		{Name: "task_reports", Object: "task_reports", Value: "n", Unit: "件"},
	}
}

// MetricByName finds a metric. Errors: invalid on field "metric"
// ("stats.metric_invalid").
func MetricByName(name string) (Metric, error) {
	ms := Metrics()
	i := slices.IndexFunc(ms, func(m Metric) bool { return m.Name == name })
	if i < 0 {
		return Metric{}, apperr.InvalidField("metric", "stats.metric_invalid")
	}
	return ms[i], nil
}

// CheckKey checks a series' breakdown key for the metric ("" is none).
// Errors: invalid on field "breakdown" ("stats.key_invalid").
func (m Metric) CheckKey(by string) error {
	if by == "" || slices.Contains(m.Keys, by) {
		return nil
	}
	return apperr.InvalidField("breakdown", "stats.key_invalid")
}
