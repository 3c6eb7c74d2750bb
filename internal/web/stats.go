package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/org"
	"qingfeng/internal/stats"
	"qingfeng/internal/store"
)

// This file is the staff statistics dashboard (issue 6): the figures of a
// unit's subtree or an area group over a period, as cards, charts (drawn
// by static/stats.js from a JSON data block), a heat table of the child
// units and the bulletin paragraph; every figure links to the records
// behind it (GET /stats/records). The counting is app.StatsDashboard's.

// statsRoutes registers the statistics pages.
func (s *Server) statsRoutes(mux *http.ServeMux) {
	mux.Handle("GET /stats", s.authed(s.statsPage))
	mux.Handle("GET /stats/records", s.authed(s.statsRecordsPage))
}

// statsObjectKeys are the label keys of the record types a figure lists
// (an overdue clock's object type included).
var statsObjectKeys = map[string]string{
	"report": "statsweb.object.report", "clue": "statsweb.object.clue", "case": "statsweb.object.case",
	"measure": "statsweb.object.measure", "case_subject": "statsweb.object.case_subject",
	"pairing": "statsweb.object.pairing", "training": "statsweb.object.training",
	"rectification": "statsweb.object.rectification", "village_entry": "statsweb.object.village_entry",
}

// statsUnitKeys are the label keys of the metrics' units (stats.Metric.Unit;
// fen are shown as 万元).
var statsUnitKeys = map[string]string{"件": "statsweb.unit.items", "人": "statsweb.unit.persons", "分": "statsweb.unit.wan",
	"天": "statsweb.unit.days", "次": "village.unit.times", "人次": "village.unit.person_times", "个": "village.unit.demands",
	"场": "pairing.unit.sessions"}

// MetricName is the label of a metric (stats.metric.<name>, one key per
// stats.Metrics entry; a test checks both languages).
func (v *view) MetricName(name string) string { return v.T("stats.metric." + name) }

// StatsKey is the label of a breakdown key's value (a channel, kind,
// key field, clue source, disposal mode, form or object type).
func (v *view) StatsKey(by, code string) string {
	if code == "" {
		return v.T("statsweb.none")
	}
	switch by {
	case "channel":
		return v.L("channel", code)
	case "kind":
		return v.L("kind", code)
	case "category":
		return v.CategoryName(code)
	case "source":
		return v.SourceName(code)
	case "mode":
		return v.L("clue_mode", code)
	case "form":
		return v.L("case_form", code)
	case "object":
		if k, ok := statsObjectKeys[code]; ok {
			return v.T(k)
		}
	}
	return code
}

// statsQuery reads the scope, period and comparison date of a statistics
// page (as the API does). Errors: invalid (field area_group).
func statsQuery(q url.Values) (app.StatsRequest, error) {
	sr := app.StatsRequest{Unit: strings.TrimSpace(q.Get("unit")), From: strings.TrimSpace(q.Get("from")),
		To: strings.TrimSpace(q.Get("to")), Compare: strings.TrimSpace(q.Get("compare"))}
	if g := strings.TrimSpace(q.Get("area_group")); g != "" {
		id, err := strconv.ParseInt(g, 10, 64)
		if err != nil || id <= 0 {
			return sr, apperr.InvalidField("area_group", "stats.area_group_invalid")
		}
		sr.AreaGroup = id
	}
	return sr, nil
}

// invalidOnPage shows an invalid request on the page itself: a message at
// the top naming each field, and the fields' errors next to them.
func invalidOnPage(v *view, err error) {
	e := apperr.As(err)
	v.Errors = e.Fields
	if len(e.Fields) == 0 {
		v.Error = v.T(e.Key, e.Args...)
		return
	}
	fields := make([]string, 0, len(e.Fields))
	for f := range e.Fields {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	v.Error = v.T("error.invalid")
	for _, f := range fields {
		v.Error += " " + v.T("field."+f) + "：" + v.T(e.Fields[f])
	}
}

// statsScopeQuery keeps the scope, period and comparison of a query (for
// the export link and the presets).
func statsScopeQuery(q url.Values, keys ...string) url.Values {
	out := url.Values{}
	for _, k := range keys {
		if x := strings.TrimSpace(q.Get(k)); x != "" {
			out.Set(k, x)
		}
	}
	return out
}

// statsBase is the scope and period of a dashboard's drill-down links:
// the resolved unit or area group and period.
func statsBase(sum stats.Summary) url.Values {
	q := url.Values{}
	if sum.Scope.Kind == "area_group" {
		q.Set("area_group", itoa(sum.Scope.ID))
	} else {
		q.Set("unit", itoa(sum.Scope.ID))
	}
	q.Set("from", sum.Period.From)
	q.Set("to", sum.Period.To)
	return q
}

// recordsURL is a drill-down link: base with the pairs (name, value) set,
// a pair with an empty value removed.
func recordsURL(base url.Values, kv ...string) string {
	q := url.Values{}
	for k, vs := range base {
		q[k] = slices.Clone(vs)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	return "/stats/records?" + q.Encode()
}

// monthBounds narrows a period to one of its month buckets ("2026-03").
func monthBounds(p stats.Period, label string) (string, string) {
	m, err := time.Parse("2006-01", label)
	if err != nil {
		return p.From, p.To
	}
	from, to := m.Format(time.DateOnly), m.AddDate(0, 1, -1).Format(time.DateOnly)
	return max(from, p.From), min(to, p.To)
}

// statCard is a summary figure with its drill-down link; Sub are smaller
// figures shown inside the card.
type statCard struct {
	Metric, Label, Value, Unit, Href string
	Sub                              []statCard
}

// statsChart is one chart: its container, kind (stack: stacked bars over
// months; bar; line; pie), categories and series, each value with its
// drill-down link.
type statsChart struct {
	ID     string        `json:"id"`
	Title  string        `json:"-"`
	Wide   bool          `json:"-"`
	Kind   string        `json:"kind"`
	X      []string      `json:"x"`
	Series []statsSeries `json:"series"`
	Days   bool          `json:"days,omitempty"` // values are days with a decimal
}

// statsSeries is one series of a chart.
type statsSeries struct {
	Name   string    `json:"name"`
	Values []float64 `json:"values"`
	Hrefs  []string  `json:"hrefs"`
}

// statsData is the JSON block stats.js reads.
type statsData struct {
	Charts []statsChart `json:"charts"`
	Empty  string       `json:"empty"`
}

// heatCell is a cell of the heat table: the figure, its shade (0 for
// zero, 1–5 scaled to the column's largest figure) and its records.
type heatCell struct {
	Value string
	Level int
	Href  string
}

// heatRow is a row of the heat table.
type heatRow struct {
	Name  string
	Own   bool
	Cells []heatCell
}

// statsBuilder turns a dashboard into the page's cards, charts and table.
type statsBuilder struct {
	v    *view
	d    stats.Dashboard
	base url.Values
}

// figure renders a metric's value: 万元 with two decimals for fen, one
// decimal for days ("—" when nothing was counted), else the count.
func figure(metric string, n int64, avg *float64) string {
	switch {
	case strings.HasSuffix(metric, "_fen"):
		return stats.WanYuan(n)
	case strings.HasPrefix(metric, "avg_"):
		if avg == nil {
			return "—"
		}
		return strconv.FormatFloat(*avg, 'f', 1, 64)
	}
	return itoa(n)
}

func (b *statsBuilder) card(metric string, n int64, avg *float64, sub ...statCard) statCard {
	m, _ := stats.MetricByName(metric)
	return statCard{Metric: metric, Label: b.v.MetricName(metric), Value: figure(metric, n, avg), Unit: b.v.T(statsUnitKeys[m.Unit]),
		Href: recordsURL(b.base, "metric", metric), Sub: sub}
}

func (b *statsBuilder) cards() []statCard {
	s := b.d.Summary
	return []statCard{
		b.card("reports_received", s.ReportsReceived, nil), b.card("reports_answered", s.ReportsAnswered, nil),
		b.card("clues_received", s.CluesReceived, nil), b.card("clues_disposed", s.CluesDisposed, nil),
		b.card("cases_filed", s.CasesFiled, nil), b.card("cases_closed", s.CasesClosed, nil),
		b.card("persons_sanctioned", s.PersonsSanctioned, nil, b.card("persons_party_sanctioned", s.PersonsPartySanctioned, nil),
			b.card("persons_government_sanctioned", s.PersonsGovernmentSanctioned, nil)),
		b.card("persons_org_actions", s.PersonsOrgActions, nil), b.card("persons_detained", s.PersonsDetained, nil),
		b.card("persons_transferred", s.PersonsTransferred, nil),
		b.card("funds_recovered_fen", s.FundsRecoveredFen, nil), b.card("funds_returned_fen", s.FundsReturnedFen, nil),
		b.card("overdue", s.Overdue, nil),
		b.card("avg_clue_disposal_days", 0, s.AvgClueDisposalDays), b.card("avg_case_days", 0, s.AvgCaseDays),
		b.card("village_sessions", s.VillageSessions, nil),
		b.card("village_people_visited", s.VillagePeopleVisited, nil, b.card("village_visits", s.VillageVisits, nil)),
		b.card("demands_resolved", s.DemandsResolved, nil, b.card("demands_collected", s.DemandsCollected, nil)),
		b.card("rectifications_opened", s.RectificationsOpened, nil, b.card("rectifications_closed", s.RectificationsClosed, nil),
			b.card("rectifications_closed_substantive", s.RectificationsClosedSubstantive, nil),
			b.card("rectifications_reopened", s.RectificationsReopened, nil)),
		b.boardCard(s),
		b.card("task_urges", s.UrgesSent, nil, b.card("task_reports", s.TaskReports, nil)),
		b.card("guidance_records", s.GuidanceRecords, nil),
		b.card("trainings_held", s.TrainingsHeld, nil, b.card("training_attendees", s.TrainingAttendees, nil)),
	}
}

// boardCard shows the supervision tasks' board now (not a period figure,
// so it links to the task list rather than to records): the active tasks
// and their target units on track, behind and overdue; the rectification
// closure rate rides along.
func (b *statsBuilder) boardCard(s stats.Summary) statCard {
	sub := func(key string, n int64) statCard {
		return statCard{Metric: "task_units_" + key, Label: b.v.T("statsweb.board." + key), Value: itoa(n), Href: "/tasks"}
	}
	c := statCard{Metric: "tasks_active", Label: b.v.T("statsweb.board.tasks_active"), Value: itoa(s.TasksActive),
		Unit: b.v.T("statsweb.board.tasks_unit"), Href: "/tasks",
		Sub: []statCard{sub("on_track", s.TaskUnitsOnTrack), sub("behind", s.TaskUnitsBehind), sub("overdue", s.TaskUnitsOverdue)}}
	if r := s.RectificationClosureRate; r != nil {
		c.Sub = append(c.Sub, statCard{Metric: "rectification_closure_rate", Label: b.v.T("statsweb.board.closure_rate"),
			Value: strconv.FormatFloat(*r, 'f', 1, 64) + "%", Href: recordsURL(b.base, "metric", "rectifications_closed")})
	}
	return c
}

// series finds a dashboard series by metric and breakdown key.
func (b *statsBuilder) series(metric, by string) stats.Series {
	for _, s := range b.d.Series {
		if s.Metric == metric && s.By == by {
			return s
		}
	}
	return stats.Series{Metric: metric, By: by}
}

// months are the month labels of the dashboard.
func (b *statsBuilder) months() []string {
	if len(b.d.Series) > 0 {
		return b.d.Series[0].Labels
	}
	return nil
}

// monthHrefs links each month of a metric (narrowed to a key when by is
// set) to its records.
func (b *statsBuilder) monthHrefs(metric, by, key string) []string {
	var out []string
	for _, label := range b.months() {
		from, to := monthBounds(b.d.Summary.Period, label)
		out = append(out, recordsURL(b.base, "metric", metric, "from", from, "to", to, "by", by, "key", key))
	}
	return out
}

// keyed is a stacked chart of a metric over months, one series per key.
func (b *statsBuilder) keyed(id, title, metric, by string) statsChart {
	c := statsChart{ID: id, Title: title, Kind: "stack", X: b.months(), Series: []statsSeries{}}
	for _, k := range b.series(metric, by).Keys {
		hrefs := b.monthHrefs(metric, by, k.Key)
		if k.Key == "" {
			hrefs = make([]string, len(hrefs)) // no link can name an empty key
		}
		c.Series = append(c.Series, statsSeries{Name: b.v.StatsKey(by, k.Key), Values: k.Values, Hrefs: hrefs})
	}
	return c
}

// over is a chart of several metrics over months.
func (b *statsBuilder) over(id, title, kind string, metrics ...string) statsChart {
	c := statsChart{ID: id, Title: title, Kind: kind, X: b.months()}
	for _, m := range metrics {
		s := b.series(m, "")
		c.Series = append(c.Series, statsSeries{Name: b.v.MetricName(m), Values: s.Values, Hrefs: b.monthHrefs(m, "", "")})
	}
	return c
}

// totals is a chart of a metric's totals per key, largest first.
func (b *statsBuilder) totals(id, title, kind, metric, by string, m map[string]int64) statsChart {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	c := statsChart{ID: id, Title: title, Kind: kind}
	s := statsSeries{Name: b.v.MetricName(metric)}
	for _, k := range keys {
		c.X = append(c.X, b.v.StatsKey(by, k))
		s.Values = append(s.Values, float64(m[k]))
		href := ""
		if k != "" {
			href = recordsURL(b.base, "metric", metric, "by", by, "key", k)
		}
		s.Hrefs = append(s.Hrefs, href)
	}
	c.Series = []statsSeries{s}
	return c
}

// forms is the pie of the four forms.
func (b *statsBuilder) forms() statsChart {
	f := b.d.Summary.FourForms
	c := statsChart{ID: "forms-pie", Title: b.v.T("statsweb.chart.forms_pie"), Kind: "pie"}
	s := statsSeries{Name: b.v.T("statsweb.chart.forms_pie")}
	for i, n := range []int64{f.First, f.Second, f.Third, f.Fourth} {
		metric := "persons_form" + strconv.Itoa(i+1)
		c.X = append(c.X, b.v.StatsKey("form", strconv.Itoa(i+1)))
		s.Values = append(s.Values, float64(n))
		s.Hrefs = append(s.Hrefs, recordsURL(b.base, "metric", metric))
	}
	c.Series = []statsSeries{s}
	return c
}

// compare sets the average handling times before the comparison date
// against those from it on.
func (b *statsBuilder) compare() statsChart {
	cmp := b.d.Compare
	c := statsChart{ID: "compare", Title: b.v.T("statsweb.chart.compare", cmp.At), Kind: "bar", Days: true,
		X: []string{b.v.MetricName("avg_clue_disposal_days"), b.v.MetricName("avg_case_days")}}
	days := func(d *float64) float64 {
		if d == nil {
			return 0
		}
		return *d
	}
	for i, part := range []stats.TimesFigures{cmp.Before, cmp.After} {
		name := b.v.T("statsweb.before", cmp.At)
		if i == 1 {
			name = b.v.T("statsweb.after", cmp.At)
		}
		c.Series = append(c.Series, statsSeries{Name: name, Values: []float64{days(part.AvgClueDisposalDays), days(part.AvgCaseDays)},
			Hrefs: []string{
				recordsURL(b.base, "metric", "avg_clue_disposal_days", "from", part.Period.From, "to", part.Period.To),
				recordsURL(b.base, "metric", "avg_case_days", "from", part.Period.From, "to", part.Period.To)}})
	}
	return c
}

// groupMetrics are the figures of the area groups' chart.
var groupMetrics = []string{"reports_received", "clues_received", "cases_filed", "cases_closed", "persons_sanctioned",
	"persons_org_actions", "persons_detained"}

// groups puts a county's area groups side by side.
func (b *statsBuilder) groups() statsChart {
	c := statsChart{ID: "groups", Title: b.v.T("statsweb.chart.groups"), Kind: "bar", Wide: true}
	for _, g := range b.d.AreaGroups {
		c.X = append(c.X, g.Name)
	}
	for _, m := range groupMetrics {
		s := statsSeries{Name: b.v.MetricName(m)}
		for _, g := range b.d.AreaGroups {
			s.Values = append(s.Values, float64(g.Figures[m]))
			s.Hrefs = append(s.Hrefs, recordsURL(b.base, "unit", "", "area_group", itoa(g.ID), "metric", m))
		}
		c.Series = append(c.Series, s)
	}
	return c
}

func (b *statsBuilder) charts() []statsChart {
	v, s := b.v, b.d.Summary
	out := []statsChart{
		b.keyed("reports-channel", v.T("statsweb.chart.channel"), "reports_received", "channel"),
		b.keyed("reports-kind", v.T("statsweb.chart.kind"), "reports_received", "kind"),
		b.keyed("reports-category", v.T("statsweb.chart.category"), "reports_received", "category"),
		b.totals("clue-source", v.T("statsweb.chart.clue_source"), "bar", "clues_received", "source", s.CluesBySource),
		b.totals("clue-mode", v.T("statsweb.chart.clue_mode"), "pie", "clues_disposed", "mode", s.CluesByMode),
		b.over("cases", v.T("statsweb.chart.cases"), "line", "cases_filed", "cases_closed"),
		b.over("forms", v.T("statsweb.chart.forms"), "stack", "persons_form1", "persons_form2", "persons_form3", "persons_form4"),
		b.forms(),
		b.over("days", v.T("statsweb.chart.days"), "line", "avg_clue_disposal_days", "avg_case_days"),
	}
	out[len(out)-1].Days = true
	if b.d.Compare != nil {
		out = append(out, b.compare())
	}
	if len(b.d.AreaGroups) > 0 {
		out = append(out, b.groups())
	}
	return out
}

// heat is the table of the child units, each cell shaded against its
// column's largest figure.
func (b *statsBuilder) heat() []heatRow {
	cols := stats.RowMetrics()
	top := make([]int64, len(cols))
	for _, r := range b.d.Units {
		for i, m := range cols {
			top[i] = max(top[i], r.Figures[m])
		}
	}
	var rows []heatRow
	for _, r := range b.d.Units {
		row := heatRow{Name: r.Name, Own: r.Own}
		if r.Own {
			row.Name = b.v.T("statsweb.own_row", r.Name)
		}
		for i, m := range cols {
			n := r.Figures[m]
			level := 0
			if n > 0 && top[i] > 0 {
				level = int((n*5 + top[i] - 1) / top[i])
			}
			row.Cells = append(row.Cells, heatCell{Value: figure(m, n, nil), Level: level,
				Href: recordsURL(b.base, "metric", m, "child", itoa(r.ID))})
		}
		rows = append(rows, row)
	}
	return rows
}

// statsPreset is a period shortcut.
type statsPreset struct {
	Label, Href string
	Active      bool
}

// presets are the period shortcuts relative to today, keeping the scope.
func (s *Server) presets(q url.Values) []statsPreset {
	today, _ := time.ParseInLocation(time.DateOnly, s.app.Today(), s.app.Loc)
	y, m := today.Year(), today.Month()
	day := func(y int, m time.Month, d int) string {
		return time.Date(y, m, d, 0, 0, 0, 0, s.app.Loc).Format(time.DateOnly)
	}
	t := today.Format(time.DateOnly)
	qs := time.Month((int(m)-1)/3*3 + 1)
	list := []struct{ key, from, to string }{
		{"statsweb.preset.ytd", day(y, 1, 1), t},
		{"statsweb.preset.month", day(y, m, 1), t},
		{"statsweb.preset.last_month", day(y, m-1, 1), day(y, m, 0)},
		{"statsweb.preset.quarter", day(y, qs, 1), t},
		{"statsweb.preset.last_year", day(y-1, 1, 1), day(y-1, 12, 31)},
	}
	scope := statsScopeQuery(q, "unit", "area_group")
	var out []statsPreset
	for _, p := range list {
		pq := url.Values{}
		for k, vs := range scope {
			pq[k] = vs
		}
		pq.Set("from", p.from)
		pq.Set("to", p.to)
		out = append(out, statsPreset{Label: p.key, Href: "/stats?" + pq.Encode(), Active: q.Get("from") == p.from && q.Get("to") == p.to})
	}
	return out
}

// statsChoices are the units and area groups of the scope form: every
// commission in the caller's stats scope (a province's or city's lower
// commissions), the children of the caller's commission, the unit shown
// and its children (villages left out); the area groups in the stats
// scope.
func (s *Server) statsChoices(ctx context.Context, p auth.Principal, shown int64) ([]org.Unit, []org.AreaGroup, error) {
	sc := p.ScopeFor(auth.PermStatsRead)
	units, _, err := s.app.Store.ListUnits(ctx, sc, store.UnitFilter{Kinds: []org.Kind{org.KindCommission}, Page: store.Page{Limit: 500}})
	if err != nil {
		return nil, nil, err
	}
	// The children of the caller's own commission (the deepest one above
	// the caller's unit) and of the unit shown.
	parents := []int64{shown}
	var own org.Unit
	for _, u := range units {
		if strings.HasPrefix(p.UnitPath, u.Path) && len(u.Path) > len(own.Path) {
			own = u
		}
	}
	if own.ID != 0 && own.ID != shown {
		parents = append(parents, own.ID)
	}
	for _, id := range parents {
		if id == 0 {
			continue
		}
		u, err := s.app.Store.GetUnit(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		units = append(units, u)
		children, _, err := s.app.Store.ListUnits(ctx, sc, store.UnitFilter{ParentID: id, Kinds: handlingKinds(), Page: store.Page{Limit: 500}})
		if err != nil {
			return nil, nil, err
		}
		units = append(units, children...)
	}
	sort.SliceStable(units, func(i, j int) bool { return units[i].Path < units[j].Path })
	units = slices.CompactFunc(units, func(a, b org.Unit) bool { return a.ID == b.ID })
	groups, _, err := s.app.Store.ListAreaGroups(ctx, sc, store.AreaFilter{Day: s.app.Today(), Page: store.Page{Limit: 200}})
	if err != nil {
		return nil, nil, err
	}
	return units, groups, nil
}

func (s *Server) statsPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermStatsRead) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	ctx, q := r.Context(), r.URL.Query()
	v := s.newView(r, "statsweb.title", "stats", nil)
	v.Form = q
	data := map[string]any{}
	sr, err := statsQuery(q)
	var d stats.Dashboard
	if err == nil {
		d, err = s.app.StatsDashboard(ctx, p, sr)
	}
	var shown int64
	if err != nil {
		if !apperr.Is(err, apperr.Invalid) {
			return err
		}
		invalidOnPage(v, err)
	} else {
		b := &statsBuilder{v: v, d: d, base: statsBase(d.Summary)}
		charts := b.charts()
		data["D"] = d
		data["Cards"] = b.cards()
		data["Charts"] = charts
		data["JSON"] = statsData{Charts: charts, Empty: v.T("statsweb.no_data")}
		data["Heat"] = b.heat()
		// The form shows the period counted (the defaults filled in).
		v.Form = url.Values{}
		for k, vs := range q {
			v.Form[k] = vs
		}
		v.Form.Set("from", d.Summary.Period.From)
		v.Form.Set("to", d.Summary.Period.To)
		data["Columns"] = stats.RowMetrics()
		data["Period"] = stats.PeriodPhrase(d.Summary.Period, s.app.Today())
		data["Export"] = "/stats/export.xlsx?" + statsScopeQuery(q, "unit", "area_group", "from", "to", "compare").Encode()
		if d.Summary.Scope.Kind == "unit" {
			shown = d.Summary.Scope.ID
			data["Monthly"] = "/stats/monthly?" + url.Values{"unit": {itoa(shown)}, "month": {d.Summary.Period.To[:7]}}.Encode()
		}
	}
	units, groups, err := s.statsChoices(ctx, p, shown)
	if err != nil {
		return err
	}
	data["Units"], data["Groups"] = units, groups
	data["Presets"] = s.presets(v.Form)
	v.Data = data
	return s.render(w, http.StatusOK, "stats.html", v)
}

// statsRecordRow is a record behind a figure, ready to show.
type statsRecordRow struct {
	Type, Href, Number, Title, Detail, Key string
	At                                     time.Time
}

// recordRow labels a record: its type, a link to its page (a clock's link
// for an overdue measure or subject), and its detail column in words.
func (v *view) recordRow(metric, by string, rec store.StatRecord) statsRecordRow {
	row := statsRecordRow{Type: v.StatsKey("object", rec.Type), Number: rec.Number, Title: rec.Title, At: rec.At}
	switch rec.Type {
	case "report", "clue", "case":
		row.Href = "/" + rec.Type + "s/" + itoa(rec.ID)
	default:
		if h := safeNext(rec.Subtitle); h == rec.Subtitle && h != "/" {
			row.Href = h
		}
	}
	if row.Number == "" {
		row.Number = "#" + itoa(rec.ID)
	}
	m, _ := stats.MetricByName(metric)
	switch m.Object {
	case "reports", "reports_answered":
		row.Detail = v.StatsKey("channel", rec.Subtitle)
	case "clues_disposed":
		row.Detail = v.StatsKey("mode", rec.Subtitle)
	case "cases_filed", "cases_closed":
		row.Detail = v.StatsKey("category", rec.Subtitle)
	case "overdue":
	default:
		row.Detail = rec.Subtitle
	}
	if by != "" {
		row.Key = v.StatsKey(by, rec.Key)
	}
	return row
}

// statsRecordsLimit is the page size of the records page.
const statsRecordsLimit = 50

func (s *Server) statsRecordsPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermStatsRead) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	ctx, q := r.Context(), r.URL.Query()
	v := s.newView(r, "statsweb.records_title", "stats", nil)
	v.Form = q
	metric, by, key := q.Get("metric"), q.Get("by"), q.Get("key")
	offset := max(0, int(formInt(q.Get("offset"))))
	data := map[string]any{"Metric": v.MetricName(metric), "Limit": statsRecordsLimit, "Offset": offset, "Total": 0,
		"Back": "/stats?" + statsScopeQuery(q, "unit", "area_group", "from", "to").Encode()}
	sr, err := statsQuery(q)
	sr.Compare = ""
	var child int64
	if c := strings.TrimSpace(q.Get("child")); c != "" && err == nil {
		if child, err = strconv.ParseInt(c, 10, 64); err != nil || child <= 0 {
			err = apperr.InvalidField("child", "stats.unit_invalid")
		}
	}
	var recs []store.StatRecord
	var total int
	if err == nil {
		recs, total, err = s.app.StatsRecords(ctx, p, sr, metric, by, key, child, store.Page{Limit: statsRecordsLimit, Offset: offset})
	}
	if err != nil {
		if !apperr.Is(err, apperr.Invalid) {
			return err
		}
		invalidOnPage(v, err)
	} else {
		rows := make([]statsRecordRow, 0, len(recs))
		for _, rec := range recs {
			rows = append(rows, v.recordRow(metric, by, rec))
		}
		data["Rows"], data["Total"] = rows, total
		if per, err := stats.ParsePeriod(sr.From, sr.To, s.app.Today()); err == nil {
			data["Period"] = fmt.Sprintf("%s — %s", per.From, per.To)
		}
		data["Scope"] = s.scopeName(ctx, sr, child)
		if by != "" && key != "" {
			data["Key"] = v.StatsKey(by, key)
		}
		data["Export"] = "/stats/records.xlsx?" + statsScopeQuery(q, "metric", "unit", "area_group", "from", "to", "child", "by", "key").Encode()
	}
	v.Data = data
	return s.render(w, http.StatusOK, "stats_records.html", v)
}

// scopeName names the scope of a records page once the request has been
// checked: the area group or unit, and the child unit.
func (s *Server) scopeName(ctx context.Context, sr app.StatsRequest, child int64) string {
	var name string
	switch {
	case sr.AreaGroup != 0:
		if g, err := s.app.Store.GetAreaGroup(ctx, sr.AreaGroup, s.app.Today()); err == nil {
			name = g.Name
		}
	case sr.Unit != "":
		var u org.Unit
		var err error
		if id, perr := strconv.ParseInt(sr.Unit, 10, 64); perr == nil && !org.ValidDivisionCode(sr.Unit) {
			u, err = s.app.Store.GetUnit(ctx, id)
		} else {
			u, err = s.app.Store.GetUnitByDivision(ctx, sr.Unit)
		}
		if err == nil {
			name = u.Name
		}
	}
	if child != 0 {
		if c, err := s.app.Store.GetUnit(ctx, child); err == nil && c.Name != name {
			name = strings.TrimSpace(name + " / " + c.Name)
		}
	}
	return name
}
