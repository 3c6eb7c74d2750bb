package web

import (
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/audit"
	"qingfeng/internal/i18n"
	"qingfeng/internal/stats"
	"qingfeng/internal/store"
)

// statsExportRoutes registers the statistics' downloads and print pages
// (issue 6): the dashboard's workbook, the records behind a figure as a
// workbook, and the monthly report. The dashboard itself is stats.go's.
func (s *Server) statsExportRoutes(mux *http.ServeMux) {
	mux.Handle("GET /stats/export.xlsx", s.authed(s.statsExportWorkbook))
	mux.Handle("GET /stats/records.xlsx", s.authed(s.statsExportRecords))
	mux.Handle("GET /stats/monthly", s.authed(s.statsMonthly))
}

// statsRecordsMax is the most records one drill-down export writes: a
// larger selection is refused (invalid "statsexport.too_large"), never cut.
const statsRecordsMax = 100000

// exportStatsRequest reads unit (id or division code), area_group, from,
// to and compare as the dashboard does. Errors: invalid (area_group).
func exportStatsRequest(q url.Values) (app.StatsRequest, error) {
	sr := app.StatsRequest{Unit: q.Get("unit"), From: q.Get("from"), To: q.Get("to"), Compare: q.Get("compare")}
	if g := q.Get("area_group"); g != "" {
		id, err := strconv.ParseInt(g, 10, 64)
		if err != nil || id <= 0 {
			return sr, apperr.InvalidField("area_group", "stats.area_group_invalid")
		}
		sr.AreaGroup = id
	}
	return sr, nil
}

// zhView is a view in Chinese for texts written into files.
func (s *Server) zhView() *view { return &view{s: s, Lang: i18n.ZH} }

// xlsxSheet writes one sheet of a workbook with excelize's StreamWriter,
// row after row, as the clue ledger's export does.
type xlsxSheet struct {
	sw  *excelize.StreamWriter
	row int
}

// newXLSXSheet adds (or, for the first, renames) a sheet and sets its
// column widths.
func newXLSXSheet(x *excelize.File, first bool, name string, widths ...float64) (*xlsxSheet, error) {
	if first {
		if err := x.SetSheetName("Sheet1", name); err != nil {
			return nil, fmt.Errorf("web: sheet %s: %w", name, err)
		}
	} else if _, err := x.NewSheet(name); err != nil {
		return nil, fmt.Errorf("web: sheet %s: %w", name, err)
	}
	sw, err := x.NewStreamWriter(name)
	if err != nil {
		return nil, fmt.Errorf("web: sheet %s: %w", name, err)
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, fmt.Errorf("web: sheet %s width: %w", name, err)
		}
	}
	return &xlsxSheet{sw: sw}, nil
}

// add writes the next row.
func (sh *xlsxSheet) add(cells ...any) error {
	sh.row++
	cell, err := excelize.CoordinatesToCellName(1, sh.row)
	if err != nil {
		return err
	}
	return sh.sw.SetRow(cell, cells)
}

// xlsxStyles are the number formats of the statistics workbooks.
type xlsxStyles struct {
	wan, yuan, days, date, wrap, head int
}

func newXLSXStyles(x *excelize.File) (xlsxStyles, error) {
	var st xlsxStyles
	for _, s := range []struct {
		dst   *int
		style excelize.Style
	}{
		{&st.wan, excelize.Style{CustomNumFmt: ptrTo("0.00")}},
		{&st.yuan, excelize.Style{CustomNumFmt: ptrTo("#,##0.00")}},
		{&st.days, excelize.Style{CustomNumFmt: ptrTo("0.0")}},
		{&st.date, excelize.Style{CustomNumFmt: ptrTo("yyyy-mm-dd")}},
		{&st.wrap, excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
		{&st.head, excelize.Style{Font: &excelize.Font{Bold: true}}},
	} {
		id, err := x.NewStyle(&s.style)
		if err != nil {
			return st, fmt.Errorf("web: xlsx style: %w", err)
		}
		*s.dst = id
	}
	return st, nil
}

func ptrTo[T any](v T) *T { return &v }

// header makes a bold header row.
func (st xlsxStyles) header(labels ...string) []any {
	out := make([]any, len(labels))
	for i, l := range labels {
		out[i] = excelize.Cell{StyleID: st.head, Value: l}
	}
	return out
}

// wanCell is an amount in fen as a number of 万元 with two decimals.
func (st xlsxStyles) wanCell(fen int64) excelize.Cell {
	v, _ := strconv.ParseFloat(stats.WanYuan(fen), 64)
	return excelize.Cell{StyleID: st.wan, Value: v}
}

// yuanCell is an amount in fen as a number of 元.
func (st xlsxStyles) yuanCell(fen int64) excelize.Cell {
	return excelize.Cell{StyleID: st.yuan, Value: float64(fen) / 100}
}

// daysCell is an average in days, or empty when there is none.
func (st xlsxStyles) daysCell(d *float64) any {
	if d == nil {
		return nil
	}
	return excelize.Cell{StyleID: st.days, Value: *d}
}

// figureCell is a row figure of a breakdown (funds in 万元).
func (st xlsxStyles) figureCell(metric string, v int64) any {
	if metric == "funds_recovered_fen" || metric == "funds_returned_fen" {
		return st.wanCell(v)
	}
	return v
}

// FigureHeader is a breakdown column's heading with its unit.
func (v *view) FigureHeader(metric string) string {
	if metric == "funds_recovered_fen" || metric == "funds_returned_fen" {
		return v.MetricName(metric) + v.T("statsexport.unit_wan")
	}
	return v.MetricName(metric)
}

// statsFileName is a download's name: what, the scope and the period.
func statsFileName(what string, sc stats.Scope, p stats.Period) string {
	return what + "-" + sc.Name + "-" + p.From + "至" + p.To + ".xlsx"
}

// statsExportWorkbook writes the dashboard of a scope and period as a
// workbook: 汇总, 月度趋势, 下级单位, 片区 (when any) and 通报. Everything
// is computed and written to a buffer before the first header is sent, so
// a refusal is the usual error page and never half a file.
func (s *Server) statsExportWorkbook(w http.ResponseWriter, r *http.Request) error {
	sr, err := exportStatsRequest(r.URL.Query())
	if err != nil {
		return err
	}
	d, err := s.app.StatsDashboard(r.Context(), principal(r), sr)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.writeDashboardXLSX(&buf, d); err != nil {
		return err
	}
	download(w, statsFileName(s.zhView().T("statsexport.file_dashboard"), d.Summary.Scope, d.Summary.Period), xlsxType)
	_, err = buf.WriteTo(w)
	return err
}

// summaryLine is one line of the 汇总 sheet: a label and a value cell.
type summaryLine struct {
	label string
	value any
	unit  string
}

// summaryLines lists every figure of a summary with its Chinese label.
func (s *Server) summaryLines(v *view, st xlsxStyles, sm stats.Summary) []summaryLine {
	var out []summaryLine
	count := func(metric string, n int64) {
		m, _ := stats.MetricByName(metric)
		out = append(out, summaryLine{v.MetricName(metric), n, m.Unit})
	}
	part := func(metric, by string, m map[string]int64, order []string) {
		mt, _ := stats.MetricByName(metric)
		keys := order
		if keys == nil {
			keys = sortedKeys(m)
		}
		for _, k := range keys {
			out = append(out, summaryLine{v.MetricName(metric) + "·" + v.StatsKey(by, k), m[k], mt.Unit})
		}
	}
	count("reports_received", sm.ReportsReceived)
	part("reports_received", "channel", sm.ReportsByChannel, nil)
	part("reports_received", "kind", sm.ReportsByKind, nil)
	part("reports_received", "category", sm.ReportsByCategory, nil)
	count("reports_answered", sm.ReportsAnswered)
	count("clues_received", sm.CluesReceived)
	part("clues_received", "source", sm.CluesBySource, nil)
	count("clues_disposed", sm.CluesDisposed)
	part("clues_disposed", "mode", sm.CluesByMode, []string{"inquiry", "verification", "shelve", "close"})
	count("cases_filed", sm.CasesFiled)
	count("cases_closed", sm.CasesClosed)
	count("persons_decided", sm.PersonsDecided)
	count("persons_sanctioned", sm.PersonsSanctioned)
	count("persons_party_sanctioned", sm.PersonsPartySanctioned)
	count("persons_government_sanctioned", sm.PersonsGovernmentSanctioned)
	count("persons_org_actions", sm.PersonsOrgActions)
	count("persons_detained", sm.PersonsDetained)
	count("persons_transferred", sm.PersonsTransferred)
	for i, n := range []int64{sm.FourForms.First, sm.FourForms.Second, sm.FourForms.Third, sm.FourForms.Fourth} {
		count("persons_form"+strconv.Itoa(i+1), n)
	}
	for _, f := range []struct {
		metric string
		fen    int64
	}{{"funds_recovered_fen", sm.FundsRecoveredFen}, {"funds_returned_fen", sm.FundsReturnedFen}} {
		out = append(out, summaryLine{v.MetricName(f.metric) + v.T("statsexport.unit_wan"), st.wanCell(f.fen), "万元"},
			summaryLine{v.MetricName(f.metric) + v.T("statsexport.unit_yuan"), st.yuanCell(f.fen), "元"})
	}
	out = append(out, summaryLine{v.MetricName("avg_clue_disposal_days"), st.daysCell(sm.AvgClueDisposalDays), "天"},
		summaryLine{v.MetricName("avg_case_days"), st.daysCell(sm.AvgCaseDays), "天"})
	count("overdue", sm.Overdue)
	part("overdue", "object", sm.OverdueByType, nil)
	return out
}

func sortedKeys(m map[string]int64) []string { return slices.Sorted(maps.Keys(m)) }

// writeDashboardXLSX writes the dashboard's workbook to buf.
func (s *Server) writeDashboardXLSX(buf *bytes.Buffer, d stats.Dashboard) error {
	v := s.zhView()
	x := excelize.NewFile()
	defer x.Close()
	st, err := newXLSXStyles(x)
	if err != nil {
		return err
	}
	sm := d.Summary

	// 汇总: the scope and period, then every figure.
	sh, err := newXLSXSheet(x, true, v.T("statsexport.sheet_summary"), 40, 16, 8)
	if err != nil {
		return err
	}
	rows := [][]any{
		{v.T("statsexport.scope"), sm.Scope.Name},
		{v.T("statsexport.period"), sm.Period.From + " 至 " + sm.Period.To},
		st.header(v.T("statsexport.figure"), v.T("statsexport.value"), v.T("statsexport.unit")),
	}
	for _, l := range s.summaryLines(v, st, sm) {
		rows = append(rows, []any{l.label, l.value, l.unit})
	}
	if c := d.Compare; c != nil {
		for _, part := range []struct {
			key string
			tf  stats.TimesFigures
		}{{"statsexport.compare_before", c.Before}, {"statsexport.compare_after", c.After}} {
			p := v.T(part.key, part.tf.Period.From, part.tf.Period.To)
			rows = append(rows, []any{p + v.MetricName("clues_disposed"), part.tf.CluesDisposed, "件"},
				[]any{p + v.MetricName("avg_clue_disposal_days"), st.daysCell(part.tf.AvgClueDisposalDays), "天"},
				[]any{p + v.MetricName("cases_closed"), part.tf.CasesClosed, "件"},
				[]any{p + v.MetricName("avg_case_days"), st.daysCell(part.tf.AvgCaseDays), "天"})
		}
	}
	for _, row := range rows {
		if err := sh.add(row...); err != nil {
			return err
		}
	}
	if err := sh.sw.Flush(); err != nil {
		return err
	}

	// 月度趋势: one row per month, one column per series (and per key of a
	// broken-down series).
	type column struct {
		head   string
		values []float64
		metric string
	}
	var cols []column
	var labels []string
	for _, se := range d.Series {
		labels = se.Labels
		if se.By == "" {
			cols = append(cols, column{v.FigureHeader(se.Metric), se.Values, se.Metric})
			continue
		}
		for _, k := range se.Keys {
			cols = append(cols, column{v.MetricName(se.Metric) + "·" + v.StatsKey(se.By, k.Key), k.Values, se.Metric})
		}
	}
	widths := []float64{10}
	head := []string{v.T("statsexport.month")}
	for _, c := range cols {
		widths = append(widths, 14)
		head = append(head, c.head)
	}
	if sh, err = newXLSXSheet(x, false, v.T("statsexport.sheet_series"), widths...); err != nil {
		return err
	}
	if err := sh.add(st.header(head...)...); err != nil {
		return err
	}
	for i, label := range labels {
		row := []any{label}
		for _, c := range cols {
			val := c.values[i]
			switch {
			case c.metric == "funds_recovered_fen" || c.metric == "funds_returned_fen":
				row = append(row, st.wanCell(int64(val)))
			case strings.HasPrefix(c.metric, "avg_"):
				row = append(row, excelize.Cell{StyleID: st.days, Value: val})
			default:
				row = append(row, int64(val))
			}
		}
		if err := sh.add(row...); err != nil {
			return err
		}
	}
	if err := sh.sw.Flush(); err != nil {
		return err
	}

	// 下级单位 and 片区: the breakdown rows.
	breakdown := func(name string, rows []stats.Row) error {
		widths := []float64{28, 14}
		head := []string{v.T("statsexport.unit_name"), v.T("statsexport.unit_kind")}
		for _, m := range stats.RowMetrics() {
			widths = append(widths, 12)
			head = append(head, v.FigureHeader(m))
		}
		sh, err := newXLSXSheet(x, false, name, widths...)
		if err != nil {
			return err
		}
		if err := sh.add(st.header(head...)...); err != nil {
			return err
		}
		for _, r := range rows {
			kind := v.T("kind." + r.Kind)
			if r.Kind == "area_group" {
				kind = v.T("statsexport.area_group")
			}
			name := r.Name
			if r.Own {
				name += v.T("statsexport.own_records")
			}
			row := []any{name, kind}
			for _, m := range stats.RowMetrics() {
				row = append(row, st.figureCell(m, r.Figures[m]))
			}
			if err := sh.add(row...); err != nil {
				return err
			}
		}
		return sh.sw.Flush()
	}
	if err := breakdown(v.T("statsexport.sheet_units"), d.Units); err != nil {
		return err
	}
	if len(d.AreaGroups) > 0 {
		if err := breakdown(v.T("statsexport.sheet_area_groups"), d.AreaGroups); err != nil {
			return err
		}
	}

	// 通报: the bulletin paragraph.
	if sh, err = newXLSXSheet(x, false, v.T("statsexport.sheet_bulletin"), 100); err != nil {
		return err
	}
	if err := sh.add(excelize.Cell{StyleID: st.wrap, Value: d.Bulletin}); err != nil {
		return err
	}
	if err := sh.sw.Flush(); err != nil {
		return err
	}
	x.SetActiveSheet(0)
	if err := x.Write(buf); err != nil {
		return fmt.Errorf("web: write workbook: %w", err)
	}
	return nil
}

// statsExportRecords writes every record behind a figure (the drill-down,
// all pages, within the caller's read scope) as a workbook. The export is
// audited (stats.export, with the row count and the request) before the
// file is sent.
func (s *Server) statsExportRecords(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	sr, err := exportStatsRequest(q)
	if err != nil {
		return err
	}
	var child int64
	if c := q.Get("child"); c != "" {
		if child, err = strconv.ParseInt(c, 10, 64); err != nil || child <= 0 {
			return apperr.InvalidField("child", "stats.unit_invalid")
		}
	}
	metric, by, key := q.Get("metric"), q.Get("by"), q.Get("key")
	m, err := stats.MetricByName(metric)
	if err != nil {
		return err
	}
	p := principal(r)
	// The scope and period (for the file name and the audit note); this
	// also checks the request before any record is read.
	sm, err := s.app.StatsSummary(r.Context(), p, sr)
	if err != nil {
		return err
	}
	v := s.zhView()
	var buf bytes.Buffer
	n := 0
	const pageSize = 500
	err = s.writeRecordsXLSX(&buf, v, m, by, func(add func(store.StatRecord) error) error {
		for offset := 0; ; offset += pageSize {
			page, total, err := s.app.StatsRecords(r.Context(), p, sr, metric, by, key, child, store.Page{Limit: pageSize, Offset: offset})
			if err != nil {
				return err
			}
			if total > statsRecordsMax {
				return apperr.New(apperr.Invalid, "statsexport.too_large", statsRecordsMax)
			}
			for _, rec := range page {
				if err := add(rec); err != nil {
					return err
				}
			}
			n += len(page)
			if len(page) < pageSize || n >= total {
				return nil
			}
		}
	})
	if err != nil {
		return err
	}
	note := map[string]any{"metric": metric, "scope": sm.Scope.Name, "from": sm.Period.From, "to": sm.Period.To}
	for k, val := range map[string]string{"by": by, "key": key} {
		if val != "" {
			note[k] = val
		}
	}
	if child != 0 {
		note["child"] = child
	}
	if err := s.app.Store.RecordExport(r.Context(), audit.Actor{UserID: p.UserID, Name: p.Name, UnitID: p.UnitID}, "stats", n, note); err != nil {
		return err
	}
	download(w, statsFileName(v.T("statsexport.file_records")+"-"+v.MetricName(metric), sm.Scope, sm.Period), xlsxType)
	_, err = buf.WriteTo(w)
	return err
}

// writeRecordsXLSX writes the records of a drill-down, as each calls add:
// type, number, title, detail, the breakdown key and the date.
func (s *Server) writeRecordsXLSX(buf *bytes.Buffer, v *view, m stats.Metric, by string, each func(add func(store.StatRecord) error) error) error {
	x := excelize.NewFile()
	defer x.Close()
	st, err := newXLSXStyles(x)
	if err != nil {
		return err
	}
	sh, err := newXLSXSheet(x, true, v.T("statsexport.sheet_records"), 10, 24, 36, 20, 16, 12)
	if err != nil {
		return err
	}
	keyHead := v.T("statsexport.key")
	if by != "" {
		keyHead = v.T("statsexport.by." + by)
	}
	if err := sh.add(st.header(v.T("statsexport.rec_type"), v.T("statsexport.rec_number"), v.T("statsexport.rec_title"),
		v.T("statsexport.rec_detail"), keyHead, v.T("statsexport.rec_date"))...); err != nil {
		return err
	}
	err = each(func(rec store.StatRecord) error {
		row := v.recordRow(m.Name, by, rec) // labelled as on the records page
		var keyCell any
		if by != "" {
			keyCell = row.Key
		}
		at := rec.At.In(s.app.Loc)
		day := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, s.app.Loc)
		return sh.add(row.Type, row.Number, row.Title, row.Detail, keyCell, excelize.Cell{StyleID: st.date, Value: day})
	})
	if err != nil {
		return err
	}
	if err := sh.sw.Flush(); err != nil {
		return err
	}
	if err := x.Write(buf); err != nil {
		return fmt.Errorf("web: write workbook: %w", err)
	}
	return nil
}
