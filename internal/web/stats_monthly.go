package web

import (
	"net/http"
	"strconv"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/org"
	"qingfeng/internal/stats"
	"qingfeng/internal/store"
)

// monthlyReport is the monthly report page (监督执纪工作月报): the month's
// dashboard and the figures from 1 January to the month's end.
type monthlyReport struct {
	Heading string
	Month   string // YYYY-MM
	Unit    string // the unit as asked ("" is the caller's commission)
	Period  stats.Period
	YTD     stats.Period
	// Bulletin is the paragraph of the month.
	Bulletin string
	Lines    []monthlyLine
	Forms    []monthlyLine
	Metrics  []string // the per-unit table's columns
	Units    []monthlyUnit
	Choices  []org.Unit // the unit selector
}

// monthlyLine is one row of the summary or four-forms table: the month's
// figure and the year's, already formatted (and each one's share of the
// four forms).
type monthlyLine struct {
	Label, Month, YTD, MonthPct, YTDPct string
}

// monthlyUnit is one row of the per-unit table.
type monthlyUnit struct {
	Name  string
	Cells []monthlyLine
}

// monthlyPeriods checks a month (YYYY-MM; "" is the last complete month) and
// returns it with its period, cut at today for the running month, and the
// year to its end. Errors: invalid on field month
// ("statsexport.month_invalid") for a malformed month or one not begun.
func (s *Server) monthlyPeriods(month string) (string, stats.Period, stats.Period, error) {
	now := s.app.Now().In(s.app.Loc)
	today := s.app.Today()
	if month == "" {
		month = time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, s.app.Loc).Format("2006-01")
	}
	m, err := time.ParseInLocation("2006-01", month, s.app.Loc)
	if err != nil || m.After(now) {
		return month, stats.Period{}, stats.Period{}, apperr.InvalidField("month", "statsexport.month_invalid")
	}
	to := m.AddDate(0, 1, -1).Format(time.DateOnly)
	if to > today {
		to = today
	}
	return month, stats.Period{From: m.Format(time.DateOnly), To: to}, stats.Period{From: m.Format("2006") + "-01-01", To: to}, nil
}

// statsMonthly is the print-ready monthly report of a unit (or an area
// group): the bulletin paragraph of the month, the summary and the four
// forms with the year's figures beside the month's, and the figures per
// subordinate unit. Errors: as StatsDashboard; invalid (month).
func (s *Server) statsMonthly(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	sr, err := exportStatsRequest(q)
	if err != nil {
		return err
	}
	sr.Compare = ""
	month, per, ytd, err := s.monthlyPeriods(q.Get("month"))
	if err != nil {
		return err
	}
	p := principal(r)
	sr.From, sr.To = per.From, per.To
	d, err := s.app.StatsDashboard(r.Context(), p, sr)
	if err != nil {
		return err
	}
	yr := sr
	yr.From = ytd.From
	y, err := s.app.StatsDashboard(r.Context(), p, yr)
	if err != nil {
		return err
	}
	v := s.newView(r, "statsexport.monthly_title", "stats", nil)
	m, _ := time.Parse("2006-01", month)
	rep := monthlyReport{Month: month, Unit: q.Get("unit"), Period: per, YTD: ytd, Bulletin: d.Bulletin,
		Heading: v.T("statsexport.monthly_heading", d.Summary.Scope.Name, m.Year(), int(m.Month()))}
	rep.Lines = monthlyLines(v, d.Summary, y.Summary)
	rep.Forms = monthlyForms(v, d.Summary.FourForms, y.Summary.FourForms)
	for _, mt := range stats.RowMetrics() {
		if mt != "overdue" { // a count of now, not of the month
			rep.Metrics = append(rep.Metrics, mt)
		}
	}
	type rowKey struct {
		id  int64
		own bool
	}
	yearRows := map[rowKey]stats.Row{}
	for _, r := range y.Units {
		yearRows[rowKey{r.ID, r.Own}] = r
	}
	for _, r := range d.Units {
		name := r.Name
		if r.Own {
			name += v.T("statsexport.own_records")
		}
		u := monthlyUnit{Name: name}
		yrow := yearRows[rowKey{r.ID, r.Own}]
		for _, mt := range rep.Metrics {
			u.Cells = append(u.Cells, monthlyLine{Month: figureText(mt, r.Figures[mt]), YTD: figureText(mt, yrow.Figures[mt])})
		}
		rep.Units = append(rep.Units, u)
	}
	rep.Choices, _, err = s.app.Store.ListUnits(r.Context(), p.ScopeFor(auth.PermStatsRead), store.UnitFilter{
		Kinds: []org.Kind{org.KindCommission, org.KindTownship}, Page: store.Page{Limit: 500}})
	if err != nil {
		return err
	}
	v.Data = &rep
	v.Form = q
	return s.render(w, http.StatusOK, "stats_monthly.html", v)
}

// figureText formats a breakdown figure (funds in 万元).
func figureText(metric string, n int64) string {
	if metric == "funds_recovered_fen" || metric == "funds_returned_fen" {
		return stats.WanYuan(n)
	}
	return strconv.FormatInt(n, 10)
}

// daysText formats an average in days ("—" when there is none).
func daysText(d *float64) string {
	if d == nil {
		return "—"
	}
	return strconv.FormatFloat(*d, 'f', 1, 64)
}

// monthlyLines are the summary table's rows: the month and the year.
func monthlyLines(v *view, m, y stats.Summary) []monthlyLine {
	n := func(x int64) string { return strconv.FormatInt(x, 10) }
	line := func(metric, month, year string) monthlyLine {
		return monthlyLine{Label: v.MetricName(metric), Month: month, YTD: year}
	}
	out := []monthlyLine{
		line("reports_received", n(m.ReportsReceived), n(y.ReportsReceived)),
		line("reports_answered", n(m.ReportsAnswered), n(y.ReportsAnswered)),
		line("clues_received", n(m.CluesReceived), n(y.CluesReceived)),
		line("clues_disposed", n(m.CluesDisposed), n(y.CluesDisposed)),
	}
	for _, mode := range []string{"inquiry", "verification", "shelve", "close"} {
		out = append(out, monthlyLine{Label: "　" + v.StatsKey("mode", mode), Month: n(m.CluesByMode[mode]), YTD: n(y.CluesByMode[mode])})
	}
	out = append(out,
		line("cases_filed", n(m.CasesFiled), n(y.CasesFiled)),
		line("cases_closed", n(m.CasesClosed), n(y.CasesClosed)),
		line("persons_sanctioned", n(m.PersonsSanctioned), n(y.PersonsSanctioned)),
		line("persons_party_sanctioned", n(m.PersonsPartySanctioned), n(y.PersonsPartySanctioned)),
		line("persons_government_sanctioned", n(m.PersonsGovernmentSanctioned), n(y.PersonsGovernmentSanctioned)),
		line("persons_org_actions", n(m.PersonsOrgActions), n(y.PersonsOrgActions)),
		line("persons_detained", n(m.PersonsDetained), n(y.PersonsDetained)),
		line("persons_transferred", n(m.PersonsTransferred), n(y.PersonsTransferred)),
		monthlyLine{Label: v.MetricName("funds_recovered_fen") + v.T("statsexport.unit_wan"), Month: stats.WanYuan(m.FundsRecoveredFen),
			YTD: stats.WanYuan(y.FundsRecoveredFen)},
		monthlyLine{Label: v.MetricName("funds_returned_fen") + v.T("statsexport.unit_wan"), Month: stats.WanYuan(m.FundsReturnedFen),
			YTD: stats.WanYuan(y.FundsReturnedFen)},
		monthlyLine{Label: v.MetricName("avg_clue_disposal_days") + v.T("statsexport.unit_days"), Month: daysText(m.AvgClueDisposalDays),
			YTD: daysText(y.AvgClueDisposalDays)},
		monthlyLine{Label: v.MetricName("avg_case_days") + v.T("statsexport.unit_days"), Month: daysText(m.AvgCaseDays),
			YTD: daysText(y.AvgCaseDays)},
	)
	return out
}

// monthlyForms are the four forms' rows with each form's share, and the
// total.
func monthlyForms(v *view, m, y stats.Forms) []monthlyLine {
	mf := []int64{m.First, m.Second, m.Third, m.Fourth}
	yf := []int64{y.First, y.Second, y.Third, y.Fourth}
	var out []monthlyLine
	for i := range mf {
		out = append(out, monthlyLine{Label: v.MetricName("persons_form" + strconv.Itoa(i+1)),
			Month: strconv.FormatInt(mf[i], 10), MonthPct: stats.Percent(mf[i], m.Total()) + "%",
			YTD: strconv.FormatInt(yf[i], 10), YTDPct: stats.Percent(yf[i], y.Total()) + "%"})
	}
	return append(out, monthlyLine{Label: v.T("statsexport.forms_total"), Month: strconv.FormatInt(m.Total(), 10), MonthPct: stats.Percent(m.Total(), m.Total()) + "%",
		YTD: strconv.FormatInt(y.Total(), 10), YTDPct: stats.Percent(y.Total(), y.Total()) + "%"})
}
