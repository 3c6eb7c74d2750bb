package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"qingfeng/internal/auth"
	"qingfeng/internal/stats"
)

// This file counts the records behind Qingfeng's statistics (issue 6). The
// rules (which date counts, what a sanctioned person is, ...) are written
// once in package stats and docs/statistics.md; each StatObject below is
// their SQL: a row set, the date it is counted by, the unit path it
// belongs to, and the values summed. The service combines the rows into
// summaries, series and breakdowns; nothing is pre-aggregated.

// StatObject names a counted row set.
type StatObject string

// The counted row sets.
const (
	// StatReports: reports (信访举报) by their receipt (received_at).
	StatReports StatObject = "reports"
	// StatReportsAnswered: reports closed (办结, answered) by closed_at.
	StatReportsAnswered StatObject = "reports_answered"
	// StatClues: clues by their receipt (received_at).
	StatClues StatObject = "clues"
	// StatCluesDisposed: clues given a disposal mode, by disposed_at;
	// value "days_ms" sums disposed_at - received_at.
	StatCluesDisposed StatObject = "clues_disposed"
	// StatCasesFiled: cases filed (立案), by filed_at; a case merged into
	// another (并案) is not counted again.
	StatCasesFiled StatObject = "cases_filed"
	// StatCasesClosed: cases closed (结案), by closed_at, including closed
	// cases now under appeal; value "days_ms" sums closed_at - filed_at.
	StatCasesClosed StatObject = "cases_closed"
	// StatSubjects: subjects with a decided outcome, by its decision date
	// (outcome_at); the values sum the figures stored with the outcome.
	StatSubjects StatObject = "subjects"
	// StatDetentions: people detained (留置), once each, at the start of
	// their first detention measure; a subject of an imported ledger
	// marked detained counts at the case's filing date.
	StatDetentions StatObject = "detentions"
	// StatOverdue: running clocks past their due time now (no period).
	StatOverdue StatObject = "overdue"
	// StatGuidance: guidance records of pairings (结对帮带), by their day,
	// in the paired township commission.
	StatGuidance StatObject = "guidance"
	// StatTrainings: training sessions, by their day, in the organising
	// unit.
	StatTrainings StatObject = "trainings"
	// StatAttendance: people who attended a training (人次), by the
	// training's day, in the person's unit.
	StatAttendance StatObject = "training_attendance"
	// StatVillageSessions: village integrity supervision sessions
	// (党风廉政监督), by the activity date.
	StatVillageSessions StatObject = "village_sessions"
	// StatVillageVisits: village visits (走访), by the activity date; value
	// "people" sums the people visited (人次).
	StatVillageVisits StatObject = "village_visits"
	// StatVillageDemands: people's demands collected (群众诉求), by the
	// activity date.
	StatVillageDemands StatObject = "village_demands"
	// StatVillageDemandsResolved: demands resolved, by the date of the
	// (last) resolution, while resolved or confirmed; a demand reopened is
	// counted again only when resolved again, and one turned into a report
	// is not counted.
	StatVillageDemandsResolved StatObject = "village_demands_resolved"
	// StatRectifications: rectifications (整改) by their creation
	// (created_at), in the responsible unit.
	StatRectifications StatObject = "rectifications"
	// StatRectClosed: rectifications closed (销号), by closed_at, with
	// the closure kind's values substantive, staged, procedural (the last
	// closure of the item; a reopening clears it).
	StatRectClosed StatObject = "rectifications_closed"
	// StatRectReopened: reopenings after failed verification, by their
	// date (one per reopening).
	StatRectReopened StatObject = "rectifications_reopened"
	// StatTaskUrges: urges (催办) sent about a supervision task's target
	// unit, by sent_at, in the target unit (so a township's figures count
	// the urges it received); key level: unit, area, leader.
	StatTaskUrges StatObject = "task_urges"
	// StatTaskReports: progress reports of target units, by their
	// recording time (created_at), in the reporting unit.
	StatTaskReports StatObject = "task_reports"
	// StatCrossCheckRecovered: money recovered on confirmed cross-check
	// suspects (大数据比对追回资金), by the day it was recovered, in the
	// unit that ran the cross-check; values n and amount_fen.
	StatCrossCheckRecovered StatObject = "crosscheck_recovered"
)

// StatValue is one summed value of a row set: Expr, or, when Cond is set,
// the number of rows meeting Cond (and the drill-down lists those rows).
type StatValue struct {
	Name string
	Expr string
	Cond string
	// Rows is the condition of the rows a drill-down of an Expr value
	// lists (e.g. funds above zero); "" lists every row.
	Rows string
}

// rows is the drill-down condition of the value ("" for every row).
func (v StatValue) rows() string {
	if v.Cond != "" {
		return v.Cond
	}
	return v.Rows
}

type statDef struct {
	from, date, path, where string
	// narrowFrom and narrowWhere, when set, replace from and where for a
	// narrow scope (StatQuery.Narrow): they reach the rows from the unit's
	// records (SQLite keeps the order of a CROSS JOIN and cannot use an
	// index on an expression such as status || ''); PostgreSQL plans both
	// forms alike.
	narrowFrom, narrowWhere string
	values                  []StatValue
	keys                    map[string]string
	// record: the drill-down's columns (type, id, number, title, subtitle)
	// and the record's subject path for recusal ("" for none).
	record      [5]string
	subjectPath string
	readPerm    auth.Permission
	noPeriod    bool
}

// expr is the value's SQL aggregate.
func (v StatValue) expr() string {
	if v.Cond != "" {
		return "SUM(CASE WHEN " + v.Cond + " THEN 1 ELSE 0 END)"
	}
	return v.Expr
}

// rectLink is a rectification's page, the subtitle of its drill-down rows
// (the dashboard links records of other types by their subtitle).
const rectLink = "'/rectifications/' || CAST(r.id AS TEXT)"

var statDefs = map[StatObject]statDef{
	StatReports: {from: "reports r", date: "r.received_at", path: "r.unit_path",
		values: []StatValue{{Name: "n", Expr: "COUNT(*)"}},
		keys: map[string]string{"channel": "r.channel", "kind": "r.kind", "category": "r.category", "status": "r.status",
			"unit": "r.unit_path"},
		record:   [5]string{"'report'", "r.id", "r.number", "r.title", "r.channel"},
		readPerm: auth.PermReportRead},
	StatReportsAnswered: {from: "reports r", date: "r.closed_at", path: "r.unit_path", where: "r.closed_at > 0",
		values:   []StatValue{{Name: "n", Expr: "COUNT(*)"}},
		keys:     map[string]string{"channel": "r.channel", "kind": "r.kind", "category": "r.category", "unit": "r.unit_path"},
		record:   [5]string{"'report'", "r.id", "r.number", "r.title", "r.channel"},
		readPerm: auth.PermReportRead},
	StatClues: {from: "clues c", date: "c.received_at", path: "c.unit_path",
		values:      []StatValue{{Name: "n", Expr: "COUNT(*)"}},
		keys:        map[string]string{"source": "c.source", "category": "c.category", "unit": "c.unit_path"},
		record:      [5]string{"'clue'", "c.id", "c.number", "c.title", "c.subject_name"},
		subjectPath: "c.subject_path", readPerm: auth.PermClueRead},
	StatCluesDisposed: {from: "clues c", date: "c.disposed_at", path: "c.unit_path", where: "c.disposed_at > 0 AND c.mode <> ''",
		values:      []StatValue{{Name: "n", Expr: "COUNT(*)"}, {Name: "days_ms", Expr: "SUM(c.disposed_at - c.received_at)"}},
		keys:        map[string]string{"mode": "c.mode", "source": "c.source", "category": "c.category", "unit": "c.unit_path"},
		record:      [5]string{"'clue'", "c.id", "c.number", "c.title", "c.mode"},
		subjectPath: "c.subject_path", readPerm: auth.PermClueRead},
	StatCasesFiled: {from: "cases c", date: "c.filed_at", path: "c.unit_path", where: "c.filed_at > 0 AND c.status <> 'merged'",
		values:      []StatValue{{Name: "n", Expr: "COUNT(*)"}},
		keys:        map[string]string{"category": "c.category", "status": "c.status", "unit": "c.unit_path"},
		record:      [5]string{"'case'", "c.id", "c.number", "c.cause", "c.category"},
		subjectPath: "c.subject_path", readPerm: auth.PermCaseRead},
	StatCasesClosed: {from: "cases c", date: "c.closed_at", path: "c.unit_path",
		where:       "c.closed_at > 0 AND c.filed_at > 0 AND c.status IN ('closed', 'appeal')",
		narrowWhere: "c.closed_at > 0 AND c.filed_at > 0 AND c.status || '' IN ('closed', 'appeal')",
		values:      []StatValue{{Name: "n", Expr: "COUNT(*)"}, {Name: "days_ms", Expr: "SUM(c.closed_at - c.filed_at)"}},
		keys:        map[string]string{"category": "c.category", "unit": "c.unit_path"},
		record:      [5]string{"'case'", "c.id", "c.number", "c.cause", "c.category"},
		subjectPath: "c.subject_path", readPerm: auth.PermCaseRead},
	StatSubjects: {from: "case_subjects sj JOIN cases c ON c.id = sj.case_id", date: "sj.outcome_at", path: "c.unit_path",
		where:      "sj.outcome_at > 0",
		narrowFrom: "cases c CROSS JOIN case_subjects sj", narrowWhere: "sj.case_id = c.id AND sj.outcome_at > 0",
		values: []StatValue{{Name: "n", Expr: "COUNT(*)"}, {Name: "sanctioned", Cond: "sj.sanctioned"},
			{Name: "party_sanctioned", Cond: "sj.party_sanctioned"}, {Name: "gov_sanctioned", Cond: "sj.gov_sanctioned"},
			{Name: "org_action", Cond: "sj.org_action"}, {Name: "transferred", Cond: "sj.transferred"},
			{Name: "form1", Cond: "sj.form = 1"}, {Name: "form2", Cond: "sj.form = 2"}, {Name: "form3", Cond: "sj.form = 3"}, {Name: "form4", Cond: "sj.form = 4"},
			{Name: "funds_fen", Expr: "SUM(sj.funds_fen)", Rows: "sj.funds_fen > 0"},
			{Name: "returned_fen", Expr: "SUM(sj.returned_fen)", Rows: "sj.returned_fen > 0"}},
		keys:        map[string]string{"form": "sj.form", "category": "c.category", "unit": "c.unit_path"},
		record:      [5]string{"'case'", "c.id", "c.number", "sj.name", "c.cause"},
		subjectPath: "c.subject_path", readPerm: auth.PermCaseRead},
	StatDetentions: {
		from: `(SELECT x.sid, MIN(x.d) AS d, MIN(x.cid) AS cid FROM (
			SELECT m.subject_id AS sid, m.started_at AS d, m.case_id AS cid FROM case_measures m WHERE m.kind = 'detention'
			UNION ALL
			SELECT sj.id, c0.filed_at, c0.id FROM case_subjects sj JOIN cases c0 ON c0.id = sj.case_id WHERE sj.detained
		) x GROUP BY x.sid) dt JOIN cases c ON c.id = dt.cid JOIN case_subjects sj ON sj.id = dt.sid`,
		date: "dt.d", path: "c.unit_path",
		values:      []StatValue{{Name: "n", Expr: "COUNT(*)"}},
		keys:        map[string]string{"category": "c.category", "unit": "c.unit_path"},
		record:      [5]string{"'case'", "c.id", "c.number", "sj.name", "c.cause"},
		subjectPath: "c.subject_path", readPerm: auth.PermCaseRead},
	StatOverdue: {
		from: `(SELECT 'report' AS t, r.unit_path AS p, r.id AS oid, rc.due_at AS d, r.number AS num, '' AS lnk
			FROM report_clocks rc JOIN reports r ON r.id = rc.report_id
			WHERE rc.done_at = 0 AND rc.due_at < $now
			UNION ALL
			SELECT k.object_type, k.unit_path, k.object_id, k.due_at, k.label, k.link FROM clocks k
			WHERE k.done_at = 0 AND k.paused_since = 0 AND k.due_at < $now) o`,
		date: "o.d", path: "o.p", noPeriod: true,
		values: []StatValue{{Name: "n", Expr: "COUNT(*)"}},
		keys:   map[string]string{"object": "o.t", "unit": "o.p"},
		// The number is the clock's label (a report's number); the subtitle
		// the clock's link, so that a measure's or a subject's clock leads
		// to its case.
		record:   [5]string{"o.t", "o.oid", "o.num", "''", "o.lnk"},
		readPerm: auth.PermStatsRead},
	StatGuidance: {from: "pairing_guidance g JOIN pairings pr ON pr.id = g.pairing_id", date: "g.at", path: "g.township_path",
		values:   []StatValue{{Name: "n", Expr: "COUNT(*)"}},
		keys:     map[string]string{"kind": "g.kind", "pairing_kind": "pr.kind", "unit": "g.township_path"},
		record:   [5]string{"'pairing'", "pr.id", "g.day", "g.topic", "g.kind"},
		readPerm: auth.PermTaskRead},
	StatTrainings: {from: "trainings t", date: "t.at", path: "t.organiser_path",
		values:   []StatValue{{Name: "n", Expr: "COUNT(*)"}},
		keys:     map[string]string{"kind": "t.kind", "unit": "t.organiser_path"},
		record:   [5]string{"'training'", "t.id", "t.day", "t.title", "t.kind"},
		readPerm: auth.PermTaskRead},
	StatAttendance: {from: "training_attendance ta JOIN trainings t ON t.id = ta.training_id", date: "ta.at", path: "ta.unit_path",
		where:    "ta.attended",
		values:   []StatValue{{Name: "n", Expr: "COUNT(*)"}},
		keys:     map[string]string{"kind": "t.kind", "unit": "ta.unit_path"},
		record:   [5]string{"'training'", "t.id", "t.day", "t.title", "t.kind"},
		readPerm: auth.PermTaskRead},
	StatVillageSessions: {from: "village_entries ve", date: "ve.activity_at", path: "ve.unit_path", where: "ve.kind = 'session'",
		values:   []StatValue{{Name: "n", Expr: "COUNT(*)"}},
		keys:     map[string]string{"unit": "ve.unit_path"},
		record:   [5]string{"'village_entry'", "ve.id", "ve.activity_date", "ve.summary", "ve.kind"},
		readPerm: auth.PermTaskRead},
	StatVillageVisits: {from: "village_entries ve", date: "ve.activity_at", path: "ve.unit_path", where: "ve.kind = 'visit'",
		values:   []StatValue{{Name: "n", Expr: "COUNT(*)"}, {Name: "people", Expr: "SUM(ve.people)"}},
		keys:     map[string]string{"unit": "ve.unit_path"},
		record:   [5]string{"'village_entry'", "ve.id", "ve.activity_date", "ve.summary", "ve.kind"},
		readPerm: auth.PermTaskRead},
	StatVillageDemands: {from: "village_entries ve", date: "ve.activity_at", path: "ve.unit_path", where: "ve.kind = 'demand'",
		values:   []StatValue{{Name: "n", Expr: "COUNT(*)"}},
		keys:     map[string]string{"demand_kind": "ve.demand_kind", "status": "ve.status", "unit": "ve.unit_path"},
		record:   [5]string{"'village_entry'", "ve.id", "ve.activity_date", "ve.summary", "ve.status"},
		readPerm: auth.PermTaskRead},
	StatVillageDemandsResolved: {from: "village_entries ve", date: "ve.resolved_at", path: "ve.unit_path",
		where:    "ve.kind = 'demand' AND ve.resolved_at > 0 AND ve.status IN ('resolved', 'confirmed')",
		values:   []StatValue{{Name: "n", Expr: "COUNT(*)"}},
		keys:     map[string]string{"demand_kind": "ve.demand_kind", "unit": "ve.unit_path"},
		record:   [5]string{"'village_entry'", "ve.id", "ve.activity_date", "ve.summary", "ve.status"},
		readPerm: auth.PermTaskRead},
	StatRectifications: {from: "rectifications r", date: "r.created_at", path: "r.responsible_path",
		values:   []StatValue{{Name: "n", Expr: "COUNT(*)"}},
		keys:     map[string]string{"source": "r.source_type", "unit": "r.responsible_path"},
		record:   [5]string{"'rectification'", "r.id", "''", "r.title", rectLink},
		readPerm: auth.PermTaskRead},
	StatRectClosed: {from: "rectifications r", date: "r.closed_at", path: "r.responsible_path",
		where: "r.closed_at > 0 AND r.closure <> ''",
		values: []StatValue{{Name: "n", Expr: "COUNT(*)"}, {Name: "substantive", Cond: "r.closure = 'substantive'"},
			{Name: "staged", Cond: "r.closure = 'staged'"}, {Name: "procedural", Cond: "r.closure = 'procedural'"}},
		keys:     map[string]string{"closure": "r.closure", "source": "r.source_type", "unit": "r.responsible_path"},
		record:   [5]string{"'rectification'", "r.id", "''", "r.title", rectLink},
		readPerm: auth.PermTaskRead},
	StatRectReopened: {from: "rectification_events e JOIN rectifications r ON r.id = e.rectification_id", date: "e.at",
		path: "r.responsible_path", where: "e.action = 'reopen'",
		values:   []StatValue{{Name: "n", Expr: "COUNT(*)"}},
		keys:     map[string]string{"source": "r.source_type", "unit": "r.responsible_path"},
		record:   [5]string{"'rectification'", "r.id", "''", "r.title", rectLink},
		readPerm: auth.PermTaskRead},
	StatTaskUrges: {from: "task_urges g JOIN units u ON u.id = g.unit_id JOIN tasks t ON t.id = g.task_id", date: "g.sent_at", path: "u.path",
		values:   []StatValue{{Name: "n", Expr: "COUNT(*)"}},
		keys:     map[string]string{"level": "g.level", "unit": "u.path"},
		record:   [5]string{"'task'", "t.id", "g.urge_date", "t.title", "u.name"},
		readPerm: auth.PermTaskRead},
	StatTaskReports: {from: "task_reports r JOIN units u ON u.id = r.unit_id JOIN tasks t ON t.id = r.task_id", date: "r.created_at", path: "u.path",
		values:   []StatValue{{Name: "n", Expr: "COUNT(*)"}},
		keys:     map[string]string{"unit": "u.path"},
		record:   [5]string{"'task'", "t.id", "r.report_date", "t.title", "u.name"},
		readPerm: auth.PermTaskRead},
	StatCrossCheckRecovered: {from: "crosscheck_recoveries x", date: "x.recovered_at", path: "x.unit_path",
		values:   []StatValue{{Name: "n", Expr: "COUNT(*)"}, {Name: "amount_fen", Expr: "SUM(x.amount_fen)"}},
		keys:     map[string]string{"unit": "x.unit_path"},
		record:   [5]string{"'crosscheck_recovery'", "x.id", "x.day", "x.note", "'/crosschecks'"},
		readPerm: auth.PermMonitorRead},
}

// StatValues returns the names of the values an object sums, in order.
func StatValues(o StatObject) []string {
	var out []string
	for _, v := range statDefs[o].values {
		out = append(out, v.Name)
	}
	return out
}

// StatKeys reports whether key is a breakdown key of the object.
func StatKeys(o StatObject, key string) bool {
	_, ok := statDefs[o].keys[key]
	return ok
}

// StatSegment is one part of a statistics scope: the records of the unit
// subtree Prefix whose date lies in [From, To) (zero: unbounded). A
// unit's scope is one unbounded segment; an area group's is one segment per
// membership, bounded by its validity.
type StatSegment struct {
	Prefix   string
	From, To time.Time
}

// StatQuery asks for the values of one object over a scope and period.
type StatQuery struct {
	Object   StatObject
	Segments []StatSegment
	// From, To bound the period [From, To); ignored for StatOverdue.
	From, To time.Time
	// Buckets, when set, are ascending boundaries inside the period: row
	// Bucket i counts [Buckets[i], Buckets[i+1]) (the last bucket ends at
	// To). Without them every row has Bucket 0.
	Buckets []time.Time
	// By is a breakdown key of the object, or several joined by commas
	// (the row's Key then joins their values with "|"); "" for none.
	By string
	// Value, for a drill-down, names the value whose rows are listed
	// (e.g. "sanctioned"); "" lists every row of the object.
	Value string
	// Now is the instant StatOverdue compares due times with.
	Now time.Time
	// Narrow tells that the scope is small (a county commission or below,
	// or an area group): row sets with a narrow form start from the scope's
	// records instead of the period's (docs/benchmarks.md, statistics).
	Narrow bool
}

// StatRow is one group of counted rows.
type StatRow struct {
	Bucket int
	Key    string
	Values []int64 // in the order of StatValues(Object)
}

// statWhere renders the object's rows of the query: fixed condition,
// segments and period.
func statWhere(d statDef, q StatQuery, a *args) string {
	w := []string{}
	switch {
	case q.Narrow && d.narrowWhere != "":
		w = append(w, d.narrowWhere)
	case d.where != "":
		w = append(w, d.where)
	}
	if len(q.Segments) == 0 {
		return "1 = 0"
	}
	var segs []string
	for _, s := range q.Segments {
		var t []string
		if s.Prefix != "/" {
			t = append(t, d.path+" >= "+a.add(s.Prefix), d.path+" < "+a.add(auth.PrefixUpperBound(s.Prefix)))
		}
		if !s.From.IsZero() && !d.noPeriod {
			t = append(t, d.date+" >= "+a.add(ms(s.From)))
		}
		if !s.To.IsZero() && !d.noPeriod {
			t = append(t, d.date+" < "+a.add(ms(s.To)))
		}
		if len(t) == 0 {
			segs = []string{"1 = 1"}
			break
		}
		segs = append(segs, "("+strings.Join(t, " AND ")+")")
	}
	w = append(w, "("+strings.Join(segs, " OR ")+")")
	if !d.noPeriod {
		w = append(w, d.date+" >= "+a.add(ms(q.From)), d.date+" < "+a.add(ms(q.To)))
	}
	return strings.Join(w, " AND ")
}

// statFrom renders the object's FROM clause, with the query's now.
func statFrom(d statDef, q StatQuery, a *args) string {
	from := d.from
	if q.Narrow && d.narrowFrom != "" {
		from = d.narrowFrom
	}
	if strings.Contains(from, "$now") {
		return strings.ReplaceAll(from, "$now", a.add(ms(q.Now)))
	}
	return from
}

// statKey renders q.By as one text expression.
func statKey(d statDef, q StatQuery) (string, error) {
	if q.By == "" {
		return "''", nil
	}
	var parts []string
	for _, k := range strings.Split(q.By, ",") {
		e, ok := d.keys[k]
		if !ok {
			return "", fmt.Errorf("store: statistic %q has no key %q", q.Object, k)
		}
		parts = append(parts, "CAST("+e+" AS TEXT)")
	}
	return strings.Join(parts, " || '|' || "), nil
}

// Stat counts the rows of one object over a scope and period, grouped by
// bucket and key. Errors: internal only (an unknown object or key is a
// programming error).
func (s *Store) Stat(ctx context.Context, q StatQuery) ([]StatRow, error) {
	d, ok := statDefs[q.Object]
	if !ok {
		return nil, fmt.Errorf("store: unknown statistic %q", q.Object)
	}
	var a args
	from := statFrom(d, q, &a)
	where := statWhere(d, q, &a)
	bucket := "0"
	if len(q.Buckets) > 1 && !d.noPeriod {
		var b strings.Builder
		b.WriteString("CASE")
		for i := 1; i < len(q.Buckets); i++ {
			fmt.Fprintf(&b, " WHEN %s < %d THEN %d", d.date, ms(q.Buckets[i]), i-1)
		}
		fmt.Fprintf(&b, " ELSE %d END", len(q.Buckets)-1)
		bucket = b.String()
	}
	key, err := statKey(d, q)
	if err != nil {
		return nil, err
	}
	var vals []string
	for _, v := range d.values {
		vals = append(vals, "CAST(COALESCE("+v.expr()+", 0) AS BIGINT)")
	}
	query := "SELECT " + bucket + " AS b, " + key + " AS k, " + strings.Join(vals, ", ") + " FROM " + from + " WHERE " + where +
		" GROUP BY 1, 2"
	rows, err := s.db.QueryContext(ctx, query, a.v...)
	if err != nil {
		return nil, fmt.Errorf("store: statistic %s: %w", q.Object, err)
	}
	defer rows.Close()
	var out []StatRow
	for rows.Next() {
		r := StatRow{Values: make([]int64, len(d.values))}
		dest := []any{&r.Bucket, &r.Key}
		for i := range r.Values {
			dest = append(dest, &r.Values[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// StatRecord is one record behind a figure (the drill-down of a
// dashboard).
type StatRecord struct {
	Type     string    `json:"type"` // report, clue, case, or a clock's object type
	ID       int64     `json:"id"`
	Number   string    `json:"number"`
	Title    string    `json:"title"`
	Subtitle string    `json:"subtitle"`
	Key      string    `json:"key"`
	At       time.Time `json:"at"`
}

// StatRecords lists the records behind a figure: the rows of q (with
// q.By's key equal to key when key is set), newest first, restricted to
// the viewer's read scope for the record type (and its recusal), with the
// number of such records. Errors: internal only.
func (s *Store) StatRecords(ctx context.Context, q StatQuery, key string, viewer auth.Principal, page Page) ([]StatRecord, int, error) {
	d, ok := statDefs[q.Object]
	if !ok {
		return nil, 0, fmt.Errorf("store: unknown statistic %q", q.Object)
	}
	page = page.normal()
	var a args
	from := statFrom(d, q, &a)
	w := []string{statWhere(d, q, &a)}
	sc := viewer.ScopeFor(d.readPerm)
	w = append(w, scopeSQL(sc, d.path, &a))
	if d.subjectPath != "" && sc.Viewer != "" {
		v := a.add(sc.Viewer)
		w = append(w, "NOT ("+d.subjectPath+" <> '' AND substr("+v+", 1, length("+d.subjectPath+")) = "+d.subjectPath+")")
	}
	keyExpr, err := statKey(d, q)
	if err != nil {
		return nil, 0, err
	}
	if q.By != "" && key != "" {
		w = append(w, keyExpr+" = "+a.add(key))
	}
	if q.Value != "" {
		i := slices.IndexFunc(d.values, func(v StatValue) bool { return v.Name == q.Value })
		if i < 0 {
			return nil, 0, fmt.Errorf("store: statistic %q has no value %q", q.Object, q.Value)
		}
		if c := d.values[i].rows(); c != "" {
			w = append(w, c)
		}
	}
	where := strings.Join(w, " AND ")
	var total int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+from+" WHERE "+where, a.v...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: statistic records %s: %w", q.Object, err)
	}
	r := d.record
	query := "SELECT " + r[0] + ", " + r[1] + ", " + r[2] + ", " + r[3] + ", " + r[4] + ", " + keyExpr + ", " + d.date +
		" FROM " + from + " WHERE " + where + " ORDER BY " + d.date + " DESC, " + r[1] + " DESC LIMIT " + strconv.Itoa(page.Limit) +
		" OFFSET " + strconv.Itoa(page.Offset)
	rows, err := s.db.QueryContext(ctx, query, a.v...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: statistic records %s: %w", q.Object, err)
	}
	defer rows.Close()
	var out []StatRecord
	for rows.Next() {
		var rec StatRecord
		var at int64
		if err := rows.Scan(&rec.Type, &rec.ID, &rec.Number, &rec.Title, &rec.Subtitle, &rec.Key, &at); err != nil {
			return nil, 0, err
		}
		rec.At = fromMS(at)
		out = append(out, rec)
	}
	return out, total, rows.Err()
}

// figureSets renders the SET terms that store a subject's figures with
// its outcome (see stats.Figures).
func figureSets(a *args, f stats.Figures) []string {
	return []string{"sanctioned = " + a.add(f.Sanctioned), "party_sanctioned = " + a.add(f.PartySanctioned),
		"gov_sanctioned = " + a.add(f.GovSanctioned), "org_action = " + a.add(f.OrgAction), "transferred = " + a.add(f.Transferred),
		"funds_fen = " + a.add(f.FundsFen), "returned_fen = " + a.add(f.ReturnedFen)}
}
