package app

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/org"
	"qingfeng/internal/stats"
	"qingfeng/internal/store"
)

// This file serves statistics (issue 6): summaries, series, breakdowns,
// area groups side by side, the before/after comparison, the records
// behind a figure and the bulletin, for a unit's subtree or an area group
// and a period. The counting rules are package stats'; the SQL is the
// store's (store.Stat). Every request needs stats.read and a scope the
// caller's stats scope covers.

// StatsRequest names what to count: a unit (its id or division code; ""
// is the caller's commission) or an area group, a period of business dates
// (from, to inclusive; "" from is 1 January of to's year, "" to is today)
// and, for the dashboard, a date to compare handling times around.
type StatsRequest struct {
	Unit      string
	AreaGroup int64
	From, To  string
	Compare   string
}

// statsTarget is a resolved request.
type statsTarget struct {
	scope    stats.Scope
	unit     org.Unit // the unit, or the area group's county
	group    bool
	narrow   bool // a county commission or below, or an area group (store.StatQuery.Narrow)
	segments []store.StatSegment
	period   stats.Period
	from, to time.Time
}

// statsTarget resolves and checks a request. Errors: forbidden without
// stats.read; invalid (from, to, unit, compare); not_found
// "error.not_found.unit" / "error.not_found.area_group" outside the
// caller's stats scope.
func (a *App) statsTarget(ctx context.Context, p auth.Principal, r StatsRequest) (statsTarget, error) {
	var t statsTarget
	if err := need(p, auth.PermStatsRead); err != nil {
		return t, err
	}
	per, err := stats.ParsePeriod(r.From, r.To, a.Today())
	if err != nil {
		return t, err
	}
	t.period = per
	t.from, t.to = per.Bounds(a.Loc)
	sc := p.ScopeFor(auth.PermStatsRead)
	if r.AreaGroup != 0 {
		g, err := a.Store.GetAreaGroup(ctx, r.AreaGroup, a.Today())
		if err != nil {
			return t, err
		}
		county, err := a.Store.GetUnit(ctx, g.CountyUnitID)
		if err != nil {
			return t, err
		}
		hist, err := a.Store.MembershipHistory(ctx, g.ID)
		if err != nil {
			return t, err
		}
		covered := sc.Covers(county.Path)
		for _, m := range hist {
			u, err := a.Store.GetUnit(ctx, m.UnitID)
			if err != nil {
				return t, err
			}
			seg := store.StatSegment{Prefix: u.Path}
			seg.From, _ = time.ParseInLocation(time.DateOnly, m.From, a.Loc)
			if m.To != "" {
				seg.To, _ = time.ParseInLocation(time.DateOnly, m.To, a.Loc)
			}
			t.segments = append(t.segments, seg)
			if m.Covers(a.Today()) && sc.Covers(u.Path) {
				covered = true // a member unit's staff see their group's figures
			}
		}
		if !covered {
			return t, apperr.New(apperr.NotFound, "error.not_found.area_group")
		}
		t.unit, t.group, t.narrow = county, true, true
		t.scope = stats.Scope{Kind: "area_group", ID: g.ID, Name: g.Name}
		return t, nil
	}
	u, err := a.statsUnit(ctx, &p, r.Unit)
	if err != nil {
		return t, err
	}
	if !sc.Covers(u.Path) {
		return t, apperr.New(apperr.NotFound, "error.not_found.unit")
	}
	t.unit = u
	t.narrow = u.Kind != org.KindCommission || (len(u.DivisionCode) == 6 && !strings.HasSuffix(u.DivisionCode, "00"))
	t.segments = []store.StatSegment{{Prefix: u.Path}}
	t.scope = stats.Scope{Kind: "unit", ID: u.ID, Code: u.DivisionCode, Name: u.Name}
	return t, nil
}

// statsUnit resolves a unit reference: "" is the caller's commission (or
// township commission, or own unit); a division code names the commission
// of that division; otherwise a unit id. Errors: invalid (field unit),
// not_found "error.not_found.unit".
func (a *App) statsUnit(ctx context.Context, p *auth.Principal, ref string) (org.Unit, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		if u := a.receivingUnit(ctx, p); u != nil {
			return *u, nil
		}
		return a.Store.GetUnit(ctx, p.UnitID)
	}
	if org.ValidDivisionCode(ref) {
		if u, err := a.Store.GetUnitByDivision(ctx, ref); err == nil {
			return u, nil
		} else if apperr.CodeOf(err) != apperr.NotFound {
			return u, err
		}
	}
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil || id <= 0 {
		return org.Unit{}, apperr.InvalidField("unit", "stats.unit_invalid")
	}
	return a.Store.GetUnit(ctx, id)
}

// stat runs one object over the target.
func (a *App) stat(ctx context.Context, t statsTarget, obj string, buckets []time.Time, by string) ([]store.StatRow, error) {
	return a.Store.Stat(ctx, store.StatQuery{Object: store.StatObject(obj), Segments: t.segments, From: t.from, To: t.to,
		Buckets: buckets, By: by, Now: a.Now(), Narrow: t.narrow})
}

// valueIndex is the position of a value among an object's values.
func valueIndex(obj, value string) int {
	return slices.Index(store.StatValues(store.StatObject(obj)), value)
}

// summaryKeys are the breakdown keys a summary (and the dashboard) reads
// per object.
var summaryKeys = map[string]string{"reports": "channel,kind,category", "clues": "source", "clues_disposed": "mode",
	"overdue": "object", "trainings": "kind", "task_urges": "level"}

// summaryObjects are the row sets of a summary.
var summaryObjects = []string{"reports", "reports_answered", "clues", "clues_disposed", "cases_filed", "cases_closed",
	"subjects", "detentions", "overdue", "guidance", "trainings", "training_attendance",
	"village_sessions", "village_visits", "village_demands", "village_demands_resolved",
	"rectifications", "rectifications_closed", "rectifications_reopened",
	"task_urges", "task_reports", "crosscheck_recovered"}

// collect runs every summary object over the target, bucketed when
// buckets are given.
func (a *App) collect(ctx context.Context, t statsTarget, buckets []time.Time) (map[string][]store.StatRow, error) {
	out := map[string][]store.StatRow{}
	for _, obj := range summaryObjects {
		rows, err := a.stat(ctx, t, obj, buckets, summaryKeys[obj])
		if err != nil {
			return nil, err
		}
		out[obj] = rows
	}
	return out, nil
}

// sum adds a value over rows (all buckets and keys).
func sum(rows []store.StatRow, obj, value string) int64 {
	i := valueIndex(obj, value)
	var n int64
	for _, r := range rows {
		n += r.Values[i]
	}
	return n
}

// byKey adds a value per part of the rows' keys (part i of "a|b|c").
func byKey(rows []store.StatRow, obj, value string, part int) map[string]int64 {
	i := valueIndex(obj, value)
	m := map[string]int64{}
	for _, r := range rows {
		k := strings.Split(r.Key, "|")
		if part < len(k) {
			m[k[part]] += r.Values[i]
		}
	}
	return m
}

// summarize turns the collected rows into a summary.
func summarize(t statsTarget, rows map[string][]store.StatRow) stats.Summary {
	s := stats.Summary{Scope: t.scope, Period: t.period}
	s.ReportsReceived = sum(rows["reports"], "reports", "n")
	s.ReportsByChannel = byKey(rows["reports"], "reports", "n", 0)
	s.ReportsByKind = byKey(rows["reports"], "reports", "n", 1)
	s.ReportsByCategory = byKey(rows["reports"], "reports", "n", 2)
	s.ReportsAnswered = sum(rows["reports_answered"], "reports_answered", "n")
	s.CluesReceived = sum(rows["clues"], "clues", "n")
	s.CluesBySource = byKey(rows["clues"], "clues", "n", 0)
	s.CluesDisposed = sum(rows["clues_disposed"], "clues_disposed", "n")
	s.CluesByMode = map[string]int64{"inquiry": 0, "verification": 0, "shelve": 0, "close": 0}
	for k, v := range byKey(rows["clues_disposed"], "clues_disposed", "n", 0) {
		s.CluesByMode[k] += v
	}
	s.AvgClueDisposalDays = stats.AvgDays(sum(rows["clues_disposed"], "clues_disposed", "days_ms"), s.CluesDisposed)
	s.CasesFiled = sum(rows["cases_filed"], "cases_filed", "n")
	s.CasesClosed = sum(rows["cases_closed"], "cases_closed", "n")
	s.AvgCaseDays = stats.AvgDays(sum(rows["cases_closed"], "cases_closed", "days_ms"), s.CasesClosed)
	sj := rows["subjects"]
	s.PersonsDecided = sum(sj, "subjects", "n")
	s.PersonsSanctioned = sum(sj, "subjects", "sanctioned")
	s.PersonsPartySanctioned = sum(sj, "subjects", "party_sanctioned")
	s.PersonsGovernmentSanctioned = sum(sj, "subjects", "gov_sanctioned")
	s.PersonsOrgActions = sum(sj, "subjects", "org_action")
	s.PersonsTransferred = sum(sj, "subjects", "transferred")
	s.FourForms = stats.Forms{First: sum(sj, "subjects", "form1"), Second: sum(sj, "subjects", "form2"),
		Third: sum(sj, "subjects", "form3"), Fourth: sum(sj, "subjects", "form4")}
	s.FundsRecoveredFen = sum(sj, "subjects", "funds_fen")
	s.FundsReturnedFen = sum(sj, "subjects", "returned_fen")
	s.PersonsDetained = sum(rows["detentions"], "detentions", "n")
	s.Overdue = sum(rows["overdue"], "overdue", "n")
	s.OverdueByType = byKey(rows["overdue"], "overdue", "n", 0)
	s.GuidanceRecords = sum(rows["guidance"], "guidance", "n")
	s.TrainingsHeld = sum(rows["trainings"], "trainings", "n")
	s.TrainingsByKind = byKey(rows["trainings"], "trainings", "n", 0)
	s.TrainingAttendees = sum(rows["training_attendance"], "training_attendance", "n")
	s.VillageSessions = sum(rows["village_sessions"], "village_sessions", "n")
	s.VillageVisits = sum(rows["village_visits"], "village_visits", "n")
	s.VillagePeopleVisited = sum(rows["village_visits"], "village_visits", "people")
	s.DemandsCollected = sum(rows["village_demands"], "village_demands", "n")
	s.DemandsResolved = sum(rows["village_demands_resolved"], "village_demands_resolved", "n")
	rc := rows["rectifications_closed"]
	s.RectificationsOpened = sum(rows["rectifications"], "rectifications", "n")
	s.RectificationsClosed = sum(rc, "rectifications_closed", "n")
	s.RectificationsClosedSubstantive = sum(rc, "rectifications_closed", "substantive")
	s.RectificationsClosedStaged = sum(rc, "rectifications_closed", "staged")
	s.RectificationsClosedProcedural = sum(rc, "rectifications_closed", "procedural")
	s.RectificationsReopened = sum(rows["rectifications_reopened"], "rectifications_reopened", "n")
	s.RectificationClosureRate = stats.ClosureRate(s.RectificationsClosed, s.RectificationsOpened)
	s.UrgesSent = sum(rows["task_urges"], "task_urges", "n")
	s.TaskReports = sum(rows["task_reports"], "task_reports", "n")
	s.CrossCheckRecoveredFen = sum(rows["crosscheck_recovered"], "crosscheck_recovered", "amount_fen")
	return s
}

// addTaskFigures adds the board figures of the active tasks supervised in
// the target's scope (for an area group: by its current member units),
// when the period reaches today.
// The states come from the pure board rule on the working-day calendar,
// so they are computed here rather than by a store statistic.
func (a *App) addTaskFigures(ctx context.Context, t statsTarget, s *stats.Summary) error {
	if !t.to.IsZero() && !t.to.After(a.Now()) {
		return nil // a past period: the board now says nothing about it
	}
	sc := auth.Scope{Prefixes: []string{t.unit.Path}}
	if t.group {
		sc.Prefixes = nil
		now := a.Now()
		for _, seg := range t.segments {
			if (seg.From.IsZero() || !seg.From.After(now)) && (seg.To.IsZero() || seg.To.After(now)) {
				sc.Prefixes = append(sc.Prefixes, seg.Prefix)
			}
		}
		if len(sc.Prefixes) == 0 {
			return nil
		}
	}
	f, err := a.taskFigures(ctx, sc)
	if err != nil {
		return err
	}
	s.TasksActive, s.TaskUnitsOnTrack = int64(f.Active), int64(f.OnTrack)
	s.TaskUnitsBehind, s.TaskUnitsOverdue = int64(f.Behind), int64(f.Overdue)
	return nil
}

// StatsSummary counts the figures of a unit's subtree or an area group
// over a period (GET /api/v1/stats/summary). Errors: as statsTarget.
func (a *App) StatsSummary(ctx context.Context, p auth.Principal, r StatsRequest) (stats.Summary, error) {
	t, err := a.statsTarget(ctx, p, r)
	if err != nil {
		return stats.Summary{}, err
	}
	rows, err := a.collect(ctx, t, nil)
	if err != nil {
		return stats.Summary{}, err
	}
	s := summarize(t, rows)
	return s, a.addTaskFigures(ctx, t, &s)
}

// StatsBulletin writes the bulletin paragraph of a summary
// (GET /api/v1/stats/bulletin). Errors: as StatsSummary.
func (a *App) StatsBulletin(ctx context.Context, p auth.Principal, r StatsRequest) (string, error) {
	s, err := a.StatsSummary(ctx, p, r)
	if err != nil {
		return "", err
	}
	return stats.Bulletin(s, a.Today()), nil
}

// seriesOf builds a metric's series from bucketed rows (keys split on
// "|", part is the key's position; -1: no breakdown).
func seriesOf(m stats.Metric, rows []store.StatRow, labels []string, part int) ([]float64, []stats.KeySeries) {
	vi, ni := valueIndex(m.Object, m.Value), valueIndex(m.Object, "n")
	nb := len(labels)
	total, count := make([]int64, nb), make([]int64, nb)
	perKey := map[string][2][]int64{}
	for _, r := range rows {
		if r.Bucket < 0 || r.Bucket >= nb {
			continue
		}
		total[r.Bucket] += r.Values[vi]
		count[r.Bucket] += r.Values[ni]
		if part >= 0 {
			k := strings.Split(r.Key, "|")
			if part >= len(k) {
				continue
			}
			e, ok := perKey[k[part]]
			if !ok {
				e = [2][]int64{make([]int64, nb), make([]int64, nb)}
				perKey[k[part]] = e
			}
			e[0][r.Bucket] += r.Values[vi]
			e[1][r.Bucket] += r.Values[ni]
		}
	}
	val := func(v, n int64) float64 {
		if !m.Avg {
			return float64(v)
		}
		if d := stats.AvgDays(v, n); d != nil {
			return *d
		}
		return 0
	}
	values := make([]float64, nb)
	for i := range nb {
		values[i] = val(total[i], count[i])
	}
	var keys []stats.KeySeries
	for k, e := range perKey {
		ks := stats.KeySeries{Key: k, Values: make([]float64, nb)}
		for i := range nb {
			ks.Values[i] = val(e[0][i], e[1][i])
		}
		keys = append(keys, ks)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Key < keys[j].Key })
	return values, keys
}

// StatsSeries returns one metric over the period by interval (month,
// quarter, year), optionally broken down by one of the metric's keys
// (GET /api/v1/stats/timeseries). Errors: as statsTarget; invalid on
// metric, interval or by.
func (a *App) StatsSeries(ctx context.Context, p auth.Principal, r StatsRequest, metric, interval, by string) (stats.Series, error) {
	m, err := stats.MetricByName(metric)
	if err != nil {
		return stats.Series{}, err
	}
	iv, err := stats.ParseInterval(interval)
	if err != nil {
		return stats.Series{}, err
	}
	if err := m.CheckKey(by); err != nil {
		return stats.Series{}, err
	}
	t, err := a.statsTarget(ctx, p, r)
	if err != nil {
		return stats.Series{}, err
	}
	bounds, labels := t.period.Buckets(iv, a.Loc)
	s := stats.Series{Metric: m.Name, Interval: iv, By: by, Labels: labels, Period: t.period, Scope: t.scope}
	if m.Object == "overdue" {
		// Overdue is a count of now, not of a period: one bucket.
		bounds, s.Labels = nil, []string{a.Today()}
	}
	rows, err := a.stat(ctx, t, m.Object, bounds, by)
	if err != nil {
		return s, err
	}
	part := -1
	if by != "" {
		part = 0
	}
	s.Values, s.Keys = seriesOf(m, rows, s.Labels, part)
	return s, nil
}

// dashboardSeries are the monthly series of a dashboard: metric and key
// part of the summary rows (-1: none).
var dashboardSeries = []struct {
	metric string
	part   int
}{
	{"reports_received", 0}, {"reports_received", 1}, {"reports_received", 2}, {"clues_received", 0},
	{"clues_disposed", 0}, {"cases_filed", -1}, {"cases_closed", -1}, {"persons_sanctioned", -1},
	{"persons_org_actions", -1}, {"persons_detained", -1}, {"persons_form1", -1}, {"persons_form2", -1},
	{"persons_form3", -1}, {"persons_form4", -1}, {"funds_recovered_fen", -1}, {"funds_returned_fen", -1},
	{"avg_clue_disposal_days", -1}, {"avg_case_days", -1},
}

// StatsDashboard computes everything a dashboard shows: the summary, the
// monthly series, the breakdown by child unit (with the unit's own
// records), the county's area groups side by side, the before/after
// comparison when r.Compare is set, and the bulletin. Errors: as
// statsTarget; invalid (field compare) for a date outside the period.
func (a *App) StatsDashboard(ctx context.Context, p auth.Principal, r StatsRequest) (stats.Dashboard, error) {
	var d stats.Dashboard
	t, err := a.statsTarget(ctx, p, r)
	if err != nil {
		return d, err
	}
	var cmp time.Time
	if r.Compare != "" {
		cmp, err = time.ParseInLocation(time.DateOnly, r.Compare, a.Loc)
		if err != nil || !cmp.After(t.from) || !cmp.Before(t.to) {
			return d, apperr.InvalidField("compare", "stats.compare_invalid")
		}
	}
	bounds, labels := t.period.Buckets(stats.IntervalMonth, a.Loc)
	rows, err := a.collect(ctx, t, bounds)
	if err != nil {
		return d, err
	}
	d.Summary = summarize(t, rows)
	if err := a.addTaskFigures(ctx, t, &d.Summary); err != nil {
		return d, err
	}
	d.Bulletin = stats.Bulletin(d.Summary, a.Today())
	for _, ds := range dashboardSeries {
		m, _ := stats.MetricByName(ds.metric)
		s := stats.Series{Metric: m.Name, Interval: stats.IntervalMonth, Labels: labels, Period: t.period, Scope: t.scope}
		if ds.part >= 0 {
			s.By = strings.Split(summaryKeys[m.Object], ",")[ds.part]
		}
		s.Values, s.Keys = seriesOf(m, rows[m.Object], labels, ds.part)
		d.Series = append(d.Series, s)
	}
	if !t.group {
		byUnit, err := a.unitRows(ctx, t)
		if err != nil {
			return d, err
		}
		if d.Units, err = a.statsUnits(ctx, t, byUnit); err != nil {
			return d, err
		}
		if t.unit.Kind == org.KindCommission && t.narrow { // area groups are a county's
			if d.AreaGroups, err = a.statsAreaGroups(ctx, p, t, byUnit); err != nil {
				return d, err
			}
		}
	}
	if !cmp.IsZero() {
		c := stats.Comparison{At: r.Compare}
		for i, part := range []*stats.TimesFigures{&c.Before, &c.After} {
			pt := t
			if i == 0 {
				pt.to = cmp
				pt.period.To = cmp.AddDate(0, 0, -1).Format(time.DateOnly)
			} else {
				pt.from = cmp
				pt.period.From = r.Compare
			}
			part.Period = pt.period
			for _, obj := range []string{"clues_disposed", "cases_closed"} {
				rs, err := a.stat(ctx, pt, obj, nil, "")
				if err != nil {
					return d, err
				}
				n, days := sum(rs, obj, "n"), sum(rs, obj, "days_ms")
				if obj == "clues_disposed" {
					part.CluesDisposed, part.AvgClueDisposalDays = n, stats.AvgDays(days, n)
				} else {
					part.CasesClosed, part.AvgCaseDays = n, stats.AvgDays(days, n)
				}
			}
		}
		d.Compare = &c
	}
	return d, nil
}

// rowColumn is a breakdown column read from one object's rows: the metric
// and the position of its value.
type rowColumn struct {
	metric string
	value  int
}

// rowColumns maps each object to the breakdown columns it feeds
// (stats.RowMetrics), resolved once per request: a province's breakdown
// folds tens of thousands of rows.
func rowColumns() map[string][]rowColumn {
	out := map[string][]rowColumn{}
	for _, name := range stats.RowMetrics() {
		m, _ := stats.MetricByName(name)
		out[m.Object] = append(out[m.Object], rowColumn{name, valueIndex(m.Object, m.Value)})
	}
	return out
}

// addRow adds a row's values to a breakdown row's figures.
func addRow(figs map[string]int64, cols []rowColumn, r store.StatRow) {
	for _, c := range cols {
		figs[c.metric] += r.Values[c.value]
	}
}

// breakdownObjects are the objects behind stats.RowMetrics.
func breakdownObjects() []string {
	var out []string
	for _, name := range stats.RowMetrics() {
		m, _ := stats.MetricByName(name)
		if !slices.Contains(out, m.Object) {
			out = append(out, m.Object)
		}
	}
	return out
}

// unitRows runs the breakdown objects over the target grouped by the
// records' unit paths.
func (a *App) unitRows(ctx context.Context, t statsTarget) (map[string][]store.StatRow, error) {
	out := map[string][]store.StatRow{}
	for _, obj := range breakdownObjects() {
		rs, err := a.stat(ctx, t, obj, nil, "unit")
		if err != nil {
			return nil, err
		}
		out[obj] = rs
	}
	return out, nil
}

// statsUnits breaks the target's figures down by the unit's children
// (villages, which never handle records, left out) plus a row for the
// unit's own records when it has any; the rows add up to the whole.
func (a *App) statsUnits(ctx context.Context, t statsTarget, byUnit map[string][]store.StatRow) ([]stats.Row, error) {
	children, _, err := a.Store.ListUnits(ctx, auth.Scope{Prefixes: []string{"/"}}, store.UnitFilter{ParentID: t.unit.ID,
		IncludeInactive: true, Page: store.Page{Limit: 500}})
	if err != nil {
		return nil, err
	}
	var rows []stats.Row
	var paths []string
	for _, c := range children {
		if c.Kind == org.KindVillage {
			continue
		}
		rows = append(rows, stats.Row{ID: c.ID, Name: c.Name, Kind: string(c.Kind), Figures: map[string]int64{}})
		paths = append(paths, c.Path)
	}
	own := stats.Row{ID: t.unit.ID, Name: t.unit.Name, Kind: string(t.unit.Kind), Own: true, Figures: map[string]int64{}}
	cols := rowColumns()
	for obj, rs := range byUnit {
		for _, r := range rs {
			target := &own
			if i := slices.IndexFunc(paths, func(p string) bool { return strings.HasPrefix(r.Key, p) }); i >= 0 {
				target = &rows[i]
			}
			addRow(target.Figures, cols[obj], r)
		}
	}
	for _, v := range own.Figures {
		if v != 0 {
			rows = append(rows, own)
			break
		}
	}
	return rows, nil
}

// statsAreaGroups puts the active area groups of a county commission side
// by side, each counted with the memberships valid on each record's date.
// A group whose memberships span the whole period is summed from the
// county's per-unit rows; only a group whose membership changed inside
// the period is counted with its own dated queries.
func (a *App) statsAreaGroups(ctx context.Context, p auth.Principal, t statsTarget, byUnit map[string][]store.StatRow) ([]stats.Row, error) {
	groups, _, err := a.Store.ListAreaGroups(ctx, auth.Scope{Prefixes: []string{t.unit.Path}}, store.AreaFilter{CountyUnitID: t.unit.ID,
		Day: a.Today(), Page: store.Page{Limit: 100}})
	if err != nil {
		return nil, err
	}
	var rows []stats.Row
	cols := rowColumns()
	for _, g := range groups {
		if g.CountyUnitID != t.unit.ID {
			continue // a group of another county with a member in this scope
		}
		gt, err := a.statsTarget(ctx, p, StatsRequest{AreaGroup: g.ID, From: t.period.From, To: t.period.To})
		if err != nil {
			if apperr.CodeOf(err) == apperr.NotFound {
				continue
			}
			return nil, err
		}
		row := stats.Row{ID: g.ID, Name: g.Name, Kind: "area_group", Figures: map[string]int64{}}
		whole := true
		var prefixes []string
		for _, sg := range gt.segments {
			if (!sg.From.IsZero() && sg.From.After(t.from)) || (!sg.To.IsZero() && sg.To.Before(t.to)) {
				whole = false
			}
			if (sg.From.IsZero() || sg.From.Before(t.to)) && (sg.To.IsZero() || sg.To.After(t.from)) {
				prefixes = append(prefixes, sg.Prefix)
			}
		}
		if whole {
			for obj, rs := range byUnit {
				for _, r := range rs {
					if slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(r.Key, p) }) {
						addRow(row.Figures, cols[obj], r)
					}
				}
			}
			rows = append(rows, row)
			continue
		}
		for _, obj := range breakdownObjects() {
			rs, err := a.stat(ctx, gt, obj, nil, "")
			if err != nil {
				return nil, err
			}
			for _, r := range rs {
				addRow(row.Figures, cols[obj], r)
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// StatsRecords lists the records behind a figure: the metric's rows over
// the target (narrowed to a child unit, and to one key of a breakdown,
// when given; child = the target unit itself is the breakdown's own row,
// the unit's own records), within the caller's read scope for the record
// type, newest first, with their number. Errors: as statsTarget; invalid on metric,
// by; not_found "error.not_found.unit" for a child outside the target.
func (a *App) StatsRecords(ctx context.Context, p auth.Principal, r StatsRequest, metric, by, key string, child int64,
	page store.Page) ([]store.StatRecord, int, error) {
	m, err := stats.MetricByName(metric)
	if err != nil {
		return nil, 0, err
	}
	if err := m.CheckKey(by); err != nil {
		return nil, 0, err
	}
	t, err := a.statsTarget(ctx, p, r)
	if err != nil {
		return nil, 0, err
	}
	if child != 0 {
		c, err := a.Store.GetUnit(ctx, child)
		if err != nil {
			return nil, 0, err
		}
		if t.group || !strings.HasPrefix(c.Path, t.unit.Path) {
			return nil, 0, apperr.New(apperr.NotFound, "error.not_found.unit")
		}
		t.segments = []store.StatSegment{{Prefix: c.Path}}
		if c.ID == t.unit.ID && by == "" {
			// The breakdown's own row: the records of the unit itself, not
			// of its children.
			by, key = "unit", c.Path
		}
	}
	value := m.Value
	if value == "n" || m.Avg {
		value = ""
	}
	return a.Store.StatRecords(ctx, store.StatQuery{Object: store.StatObject(m.Object), Segments: t.segments, From: t.from,
		To: t.to, By: by, Value: value, Now: a.Now(), Narrow: t.narrow}, key, p, page)
}

// PublicStats is the transparency table of the public portal (no
// sign-in): for every county-level commission, the twelve months ending
// with month (YYYY-MM; "" is the last complete month) with reports
// received and answered, cases filed and people handled, each cell below
// a.PublicK (but above zero) suppressed. Errors: invalid (field month).
func (a *App) PublicStats(ctx context.Context, month string) (stats.PublicTable, error) {
	k := a.PublicK
	if k <= 0 {
		k = stats.DefaultK
	}
	now := a.Now().In(a.Loc)
	end := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, a.Loc) // the running month is not published
	if month != "" {
		m, err := time.ParseInLocation("2006-01", month, a.Loc)
		if err != nil || !m.Before(end) {
			return stats.PublicTable{}, apperr.InvalidField("month", "stats.month_invalid")
		}
		end = m.AddDate(0, 1, 0)
	}
	start := end.AddDate(0, -12, 0)
	per := stats.Period{From: start.Format(time.DateOnly), To: end.AddDate(0, 0, -1).Format(time.DateOnly)}
	bounds, labels := per.Buckets(stats.IntervalMonth, a.Loc)
	t := statsTarget{segments: []store.StatSegment{{Prefix: "/"}}, period: per, from: start, to: end}
	units, _, err := a.Store.ListUnits(ctx, auth.Scope{Prefixes: []string{"/"}}, store.UnitFilter{Kinds: []org.Kind{org.KindCommission},
		Page: store.Page{Limit: 500}})
	if err != nil {
		return stats.PublicTable{}, err
	}
	table := stats.PublicTable{K: k, Months: labels}
	var counties []org.Unit
	for _, u := range units {
		if len(u.DivisionCode) == 6 && !strings.HasSuffix(u.DivisionCode, "00") {
			counties = append(counties, u)
		}
	}
	counts := make([][4][]int64, len(counties))
	for i := range counties {
		for j := range 4 {
			counts[i][j] = make([]int64, len(labels))
		}
	}
	for j, m := range []string{"reports_received", "reports_answered", "cases_filed", "persons_form"} {
		obj, values := map[string]string{"reports_received": "reports", "reports_answered": "reports_answered",
			"cases_filed": "cases_filed", "persons_form": "subjects"}[m], []string{"n"}
		if obj == "subjects" {
			values = []string{"form1", "form2", "form3", "form4"}
		}
		rows, err := a.stat(ctx, t, obj, bounds, "unit")
		if err != nil {
			return stats.PublicTable{}, err
		}
		for _, r := range rows {
			for i, c := range counties {
				if strings.HasPrefix(r.Key, c.Path) && r.Bucket < len(labels) {
					for _, v := range values {
						counts[i][j][r.Bucket] += r.Values[valueIndex(obj, v)]
					}
					break
				}
			}
		}
	}
	for i, c := range counties {
		pc := stats.PublicCounty{Code: c.DivisionCode, Name: c.Name}
		for b, label := range labels {
			pc.Months = append(pc.Months, stats.PublicMonth{Month: label, ReportsReceived: stats.Suppress(counts[i][0][b], k),
				ReportsAnswered: stats.Suppress(counts[i][1][b], k), CasesFiled: stats.Suppress(counts[i][2][b], k),
				PersonsHandled: stats.Suppress(counts[i][3][b], k)})
		}
		table.Counties = append(table.Counties, pc)
	}
	return table, nil
}
