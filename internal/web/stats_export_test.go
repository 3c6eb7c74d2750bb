package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"qingfeng/internal/api"
	"qingfeng/internal/app"
	"qingfeng/internal/auth"
	"qingfeng/internal/i18n"
	"qingfeng/internal/org"
	"qingfeng/internal/stats"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
	"qingfeng/internal/web"
)

// exportT0 is 10:00 on 16 March 2026 in Asia/Shanghai.
var exportT0 = time.Date(2026, 3, 16, 2, 0, 0, 0, time.UTC)

const exportPassword = "Qingfeng#2026pass"

// exportEnv is a small organisation with imported case ledgers, served by
// the root handler:
//
//	city 张家界市 (4308)
//	├── A 永定区 (430802) ── T1 南庄坪街道 (430802001); area group 第一片区 = {T1}
//	└── B 武陵源区 (430811) ── TB1 (430811001)
//
// A's ledger: three cases filed in January 2026 and one led by T1 in
// February; B's: two cases filed in February. Users: cm_a and cm_b (case
// managers of A and B), town_t1 (township staff of T1).
type exportEnv struct {
	app   *app.App
	cat   *i18n.Catalog
	h     http.Handler
	units map[string]org.Unit
	token map[string]string
	p     map[string]auth.Principal
}

func newExportEnv(t *testing.T, st *store.Store) *exportEnv {
	t.Helper()
	ctx := context.Background()
	clock := testdb.NewClock(exportT0)
	a := testdb.NewApp(t, st, clock.Now)
	sys := auth.System()
	e := &exportEnv{app: a, units: map[string]org.Unit{}, token: map[string]string{}, p: map[string]auth.Principal{}}
	unit := func(key, parent string, kind org.Kind, name, code string) {
		t.Helper()
		u := org.Unit{Kind: kind, Name: name, DivisionCode: code, IsDivision: true}
		if parent != "" {
			u.ParentID = e.units[parent].ID
		}
		out, err := a.CreateUnit(ctx, sys, u)
		if err != nil {
			t.Fatalf("unit %s: %v", key, err)
		}
		e.units[key] = out
	}
	unit("city", "", org.KindCommission, "张家界市纪委监委", "4308")
	unit("A", "city", org.KindCommission, "永定区纪委监委", "430802")
	unit("T1", "A", org.KindTownship, "南庄坪街道纪工委", "430802001")
	unit("B", "city", org.KindCommission, "武陵源区纪委监委", "430811")
	unit("TB1", "B", org.KindTownship, "索溪峪街道纪工委", "430811001")
	for i, u := range []struct {
		name, unit string
		role       auth.Role
	}{{"cm_a", "A", auth.RoleCaseManager}, {"town_t1", "T1", auth.RoleTownship}, {"cm_b", "B", auth.RoleCaseManager}} {
		pe, err := a.SavePerson(ctx, sys, org.Person{UnitID: e.units[u.unit].ID, Name: "干部" + strconv.Itoa(i), Post: "干部", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.CreateUser(ctx, sys, pe.ID, u.name, exportPassword, []auth.Role{u.role}); err != nil {
			t.Fatal(err)
		}
		in, err := a.Login(ctx, u.name, exportPassword, "src-"+u.name)
		if err != nil || in.Session.Stage != auth.StageFull {
			t.Fatalf("login %s: %v (%q)", u.name, err, in.Session.Stage)
		}
		e.token[u.name] = in.Token
		if _, e.p[u.name], err = a.Resolve(ctx, in.Token); err != nil {
			t.Fatal(err)
		}
	}
	leader, err := a.SavePerson(ctx, sys, org.Person{UnitID: e.units["A"].ID, Name: "片区组长", Post: "副书记", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	g, err := a.CreateAreaGroup(ctx, sys, org.AreaGroup{CountyUnitID: e.units["A"].ID, Name: "第一片区", LeaderPersonID: leader.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddAreaMember(ctx, sys, g.ID, e.units["T1"].ID, "2026-01-01"); err != nil {
		t.Fatal(err)
	}

	head := []any{"案件编号", "立案日期", "承办单位", "被审查调查人", "职务", "人员类别", "党纪处分", "政务处分", "组织处理", "第一种形态",
		"是否留置", "移送司法", "追缴资金（元）", "退还群众资金（元）", "结案日期", "案由"}
	ledgerA := [][]any{head,
		{"永纪案〔2026〕1号", "2026-01-05", "", "对象甲", "科员", "公职人员、中共党员", "警告", "", "", "", "是", "否", "12,345.67", "", "2026-03-01", "违规发放补贴"},
		{"永纪案〔2026〕2号", "2026-01-12", "", "对象乙", "科员", "公职人员", "", "记过", "", "", "否", "否", "", "", "2026-03-01", "违规吃喝"},
		{"永纪案〔2026〕3号", "2026-01-20", "", "对象丙", "科员", "公职人员", "", "", "", "诫勉", "否", "否", "", "", "2026-03-01", "违规吃喝"},
		{"永纪案〔2026〕4号", "2026-02-10", e.units["T1"].Name, "对象丁", "村主任", "公职人员", "", "", "", "诫勉", "否", "否", "", "", "2026-03-02", "优亲厚友"},
	}
	ledgerB := [][]any{head,
		{"武纪案〔2026〕1号", "2026-02-03", "", "对象戊", "科员", "公职人员", "", "", "", "诫勉", "否", "否", "", "", "2026-03-01", "违规吃喝"},
		{"武纪案〔2026〕2号", "2026-02-17", "", "对象己", "科员", "公职人员", "", "", "", "诫勉", "否", "否", "", "", "2026-03-01", "违规吃喝"},
	}
	for _, l := range []struct {
		user, unit string
		rows       [][]any
	}{{"cm_a", "A", ledgerA}, {"cm_b", "B", ledgerB}} {
		data := exportLedgerXLSX(t, l.rows)
		sum, err := a.ImportCases(ctx, e.p[l.user], bytes.NewReader(data), int64(len(data)),
			app.CaseImportOptions{Name: "ledger.xlsx", UnitID: e.units[l.unit].ID})
		if err != nil || !sum.Written || sum.CasesCreated != len(l.rows)-1 {
			t.Fatalf("import %s: %v %+v", l.unit, err, sum)
		}
	}

	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(a, cat, web.Options{API: api.New(a, cat, nil, api.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	e.cat, e.h = cat, srv.Handler()
	return e
}

// exportLedgerXLSX writes rows to a workbook's first sheet.
func exportLedgerXLSX(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		if err := f.SetSheetRow("Sheet1", "A"+strconv.Itoa(i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// get requests path as user ("" is anonymous).
func (e *exportEnv) get(t *testing.T, user, path string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if user != "" {
		req.AddCookie(&http.Cookie{Name: "qf_session", Value: e.token[user]})
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// openWorkbook opens a response body as a workbook.
func openWorkbook(t *testing.T, rec *httptest.ResponseRecorder) *excelize.File {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %.300s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
		t.Fatalf("content type %q", ct)
	}
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// zh translates a key.
func (e *exportEnv) zh(key string, args ...any) string { return e.cat.T(i18n.ZH, key, args...) }

func TestStatsExportWorkbook(t *testing.T) {
	testdb.Each(t, time.Now, func(t *testing.T, st *store.Store) {
		e := newExportEnv(t, st)
		req := app.StatsRequest{Unit: "430802", From: "2026-01-01", To: "2026-03-15"}
		d, err := e.app.StatsDashboard(context.Background(), e.p["cm_a"], req)
		if err != nil {
			t.Fatal(err)
		}
		if d.Summary.CasesFiled != 4 || d.Summary.PersonsSanctioned != 2 || d.Summary.FundsRecoveredFen != 1234567 {
			t.Fatalf("fixture summary: filed %d sanctioned %d funds %d", d.Summary.CasesFiled, d.Summary.PersonsSanctioned,
				d.Summary.FundsRecoveredFen)
		}
		rec := e.get(t, "cm_a", "/stats/export.xlsx?unit=430802&from=2026-01-01&to=2026-03-15")
		cd := rec.Header().Get("Content-Disposition")
		wantName := "attachment; filename*=utf-8''" + url.PathEscape("统计数据-永定区纪委监委-2026-01-01至2026-03-15.xlsx")
		if cd != wantName {
			t.Errorf("Content-Disposition %q, want %q", cd, wantName)
		}
		f := openWorkbook(t, rec)
		wantSheets := []string{"汇总", "月度趋势", "下级单位", "片区", "通报"}
		if got := f.GetSheetList(); fmt.Sprint(got) != fmt.Sprint(wantSheets) {
			t.Errorf("sheets %q, want %q", got, wantSheets)
		}

		rows, err := f.GetRows("汇总")
		if err != nil {
			t.Fatal(err)
		}
		summary := map[string]string{}
		for _, r := range rows {
			if len(r) >= 2 {
				summary[r[0]] = r[1]
			}
		}
		s := d.Summary
		m := func(name string) string { return e.zh("stats.metric." + name) }
		for _, c := range []struct {
			label, want string
		}{
			{e.zh("statsexport.scope"), "永定区纪委监委"},
			{m("cases_filed"), strconv.FormatInt(s.CasesFiled, 10)},
			{m("cases_closed"), strconv.FormatInt(s.CasesClosed, 10)},
			{m("persons_decided"), strconv.FormatInt(s.PersonsDecided, 10)},
			{m("persons_sanctioned"), strconv.FormatInt(s.PersonsSanctioned, 10)},
			{m("persons_party_sanctioned"), strconv.FormatInt(s.PersonsPartySanctioned, 10)},
			{m("persons_government_sanctioned"), strconv.FormatInt(s.PersonsGovernmentSanctioned, 10)},
			{m("persons_detained"), strconv.FormatInt(s.PersonsDetained, 10)},
			{m("persons_form1"), strconv.FormatInt(s.FourForms.First, 10)},
			{m("persons_form2"), strconv.FormatInt(s.FourForms.Second, 10)},
			{m("funds_recovered_fen") + e.zh("statsexport.unit_wan"), stats.WanYuan(s.FundsRecoveredFen)},
			{m("funds_recovered_fen") + e.zh("statsexport.unit_yuan"), stats.Yuan(s.FundsRecoveredFen)},
			{m("avg_case_days"), strconv.FormatFloat(*s.AvgCaseDays, 'f', 1, 64)},
			{m("clues_disposed") + "·" + e.zh("clue.mode.inquiry"), "0"},
		} {
			if got, ok := summary[c.label]; !ok || got != c.want {
				t.Errorf("汇总 %s = %q (present %v), want %q", c.label, got, ok, c.want)
			}
		}
		if summary[m("cases_filed")] != "4" || summary[m("funds_recovered_fen")+e.zh("statsexport.unit_wan")] != "1.23" {
			t.Errorf("汇总: cases %q funds %q", summary[m("cases_filed")], summary[m("funds_recovered_fen")+e.zh("statsexport.unit_wan")])
		}

		series, err := f.GetRows("月度趋势")
		if err != nil {
			t.Fatal(err)
		}
		if len(series) != 4 || series[1][0] != "2026-01" || series[3][0] != "2026-03" {
			t.Fatalf("月度趋势 rows %q", series)
		}
		col := -1
		for i, h := range series[0] {
			if h == m("cases_filed") {
				col = i
			}
		}
		if col < 0 || series[1][col] != "3" || series[2][col] != "1" || series[3][col] != "0" {
			t.Errorf("月度趋势 立案 column %d in %q", col, series)
		}

		units, err := f.GetRows("下级单位")
		if err != nil {
			t.Fatal(err)
		}
		var t1 []string
		for _, r := range units {
			if r[0] == "南庄坪街道纪工委" {
				t1 = r
			}
		}
		if len(t1) < 4 || t1[1] != e.zh("kind.township") || t1[4] != "1" { // name, kind, reports, clues, cases filed
			t.Errorf("下级单位 T1 row %q (all %q)", t1, units)
		}
		groups, _ := f.GetRows("片区")
		if len(groups) != 2 || groups[1][0] != "第一片区" || groups[1][4] != "1" {
			t.Errorf("片区 rows %q", groups)
		}
		if b, _ := f.GetCellValue("通报", "A1"); b != d.Bulletin || !strings.Contains(b, "共查办案件4件") {
			t.Errorf("通报 %q, want %q", b, d.Bulletin)
		}
	})
}

func TestStatsExportRecords(t *testing.T) {
	testdb.Each(t, time.Now, func(t *testing.T, st *store.Store) {
		e := newExportEnv(t, st)
		for _, c := range []struct {
			query string
			want  int
		}{
			{"metric=cases_filed", 4},
			{"metric=persons_sanctioned", 2},
			{"metric=funds_recovered_fen", 1},
			{"metric=cases_filed&child=" + strconv.FormatInt(e.units["T1"].ID, 10), 1},
			{"metric=persons_decided&by=form&key=1", 2},
		} {
			t.Run(c.query, func(t *testing.T) {
				q, _ := url.ParseQuery(c.query)
				child, _ := strconv.ParseInt(q.Get("child"), 10, 64)
				req := app.StatsRequest{Unit: "430802", From: "2026-01-01", To: "2026-03-15"}
				var want []store.StatRecord
				for off := 0; ; off += 2 { // small pages: the export must see them all
					page, total, err := e.app.StatsRecords(context.Background(), e.p["cm_a"], req, q.Get("metric"), q.Get("by"), q.Get("key"),
						child, store.Page{Limit: 2, Offset: off})
					if err != nil {
						t.Fatal(err)
					}
					want = append(want, page...)
					if len(want) >= total {
						break
					}
				}
				if len(want) != c.want {
					t.Fatalf("drill-down has %d records, want %d", len(want), c.want)
				}
				f := openWorkbook(t, e.get(t, "cm_a", "/stats/records.xlsx?unit=430802&from=2026-01-01&to=2026-03-15&"+c.query))
				rows, err := f.GetRows(e.zh("statsexport.sheet_records"))
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) != len(want)+1 {
					t.Fatalf("%d rows, want a header and %d: %q", len(rows), len(want), rows)
				}
				for i, r := range want {
					got := rows[i+1]
					if got[1] != r.Number || got[2] != r.Title || got[5] != r.At.In(e.app.Loc).Format(time.DateOnly) {
						t.Errorf("row %d %q, want %s %s %s", i+1, got, r.Number, r.Title, r.At.In(e.app.Loc).Format(time.DateOnly))
					}
				}
			})
		}
		// Each records export is audited with its row count.
		hist, err := st.History(context.Background(), "stats", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 5 || hist[0].Action != "stats.export" || hist[0].ActorUserID != e.p["cm_a"].UserID {
			t.Errorf("audit %+v", hist)
		}
	})
}

func TestStatsExportRefusals(t *testing.T) {
	testdb.Each(t, time.Now, func(t *testing.T, st *store.Store) {
		e := newExportEnv(t, st)
		for _, c := range []struct {
			user, path string
			status     int
			text       string
		}{
			{"town_t1", "/stats/export.xlsx?unit=430802", http.StatusNotFound, e.zh("error.not_found.unit")},
			{"cm_b", "/stats/export.xlsx?unit=430802", http.StatusNotFound, e.zh("error.not_found.unit")},
			{"cm_b", "/stats/records.xlsx?unit=430802&metric=cases_filed", http.StatusNotFound, e.zh("error.not_found.unit")},
			{"town_t1", "/stats/monthly?unit=430802&month=2026-01", http.StatusNotFound, e.zh("error.not_found.unit")},
			{"cm_a", "/stats/export.xlsx?unit=430802&from=2026-13-01", http.StatusUnprocessableEntity, e.zh("stats.date_invalid")},
			{"cm_a", "/stats/export.xlsx?unit=430802&area_group=x", http.StatusUnprocessableEntity, e.zh("stats.area_group_invalid")},
			{"cm_a", "/stats/records.xlsx?unit=430802&metric=bogus", http.StatusUnprocessableEntity, e.zh("stats.metric_invalid")},
			{"cm_a", "/stats/records.xlsx?unit=430802", http.StatusUnprocessableEntity, e.zh("stats.metric_invalid")},
			{"cm_a", "/stats/records.xlsx?unit=430802&metric=cases_filed&by=mode", http.StatusUnprocessableEntity, e.zh("stats.key_invalid")},
			{"cm_a", "/stats/monthly?month=2026-04", http.StatusUnprocessableEntity, e.zh("statsexport.month_invalid")},
			{"cm_a", "/stats/monthly?month=March", http.StatusUnprocessableEntity, e.zh("statsexport.month_invalid")},
			{"", "/stats/export.xlsx?unit=430802", http.StatusSeeOther, ""},
		} {
			t.Run(c.user+c.path, func(t *testing.T) {
				rec := e.get(t, c.user, c.path)
				if rec.Code != c.status {
					t.Fatalf("status %d, want %d: %.300s", rec.Code, c.status, rec.Body)
				}
				if cd := rec.Header().Get("Content-Disposition"); cd != "" {
					t.Errorf("a refusal came with a file: %q", cd)
				}
				if ct := rec.Header().Get("Content-Type"); strings.Contains(ct, "spreadsheetml") {
					t.Errorf("a refusal has content type %q", ct)
				}
				if c.text != "" && !strings.Contains(rec.Body.String(), template.HTMLEscapeString(c.text)) {
					t.Errorf("page lacks %q: %.500s", c.text, rec.Body)
				}
			})
		}
	})
}

func TestStatsMonthlyReport(t *testing.T) {
	testdb.Each(t, time.Now, func(t *testing.T, st *store.Store) {
		e := newExportEnv(t, st)
		ctx := context.Background()
		for _, c := range []struct {
			query, from, to, heading string
			month, ytd               string // the 立案 row
		}{
			{"unit=430802&month=2026-01", "2026-01-01", "2026-01-31", "永定区纪委监委 2026年1月 监督执纪工作月报", "3", "3"},
			{"unit=430802&month=2026-02", "2026-02-01", "2026-02-28", "永定区纪委监委 2026年2月 监督执纪工作月报", "1", "4"},
			{"unit=430802", "2026-02-01", "2026-02-28", "永定区纪委监委 2026年2月 监督执纪工作月报", "1", "4"},               // the last complete month
			{"", "2026-02-01", "2026-02-28", "永定区纪委监委 2026年2月 监督执纪工作月报", "1", "4"},                          // the caller's commission
			{"unit=430802&month=2026-03", "2026-03-01", "2026-03-16", "永定区纪委监委 2026年3月 监督执纪工作月报", "0", "4"}, // running: to today
		} {
			t.Run(c.query, func(t *testing.T) {
				rec := e.get(t, "cm_a", "/stats/monthly?"+c.query)
				if rec.Code != http.StatusOK {
					t.Fatalf("status %d: %.500s", rec.Code, rec.Body)
				}
				body := rec.Body.String()
				bulletin, err := e.app.StatsBulletin(ctx, e.p["cm_a"], app.StatsRequest{Unit: "430802", From: c.from, To: c.to})
				if err != nil {
					t.Fatal(err)
				}
				for _, want := range []string{template.HTMLEscapeString(bulletin), c.heading, "data-print",
					"<td>" + e.zh("stats.metric.cases_filed") + `</td><td class="num">` + c.month + `</td><td class="num">` + c.ytd + "</td>"} {
					if !strings.Contains(body, want) {
						t.Errorf("page lacks %q", want)
					}
				}
				css := regexp.MustCompile(`href="(/static/[0-9a-f]+/stats_monthly\.css)"`).FindStringSubmatch(body)
				if css == nil {
					t.Fatal("the page does not link stats_monthly.css")
				}
				sheet := e.get(t, "", css[1])
				if sheet.Code != http.StatusOK || !strings.Contains(sheet.Body.String(), "@page { size: A4;") ||
					!strings.Contains(sheet.Body.String(), "page-break-inside: avoid") {
					t.Errorf("stylesheet %s: %d %.300s", css[1], sheet.Code, sheet.Body)
				}
			})
		}
		// The four forms with their shares: the outcomes were decided at the
		// cases' closing in March, 2 people in the first form and 2 (the
		// sanctioned) in the second; none in January.
		for _, c := range []struct{ month, want string }{
			{"2026-03", `</td><td class="num">2</td><td class="num">50.0%</td><td class="num">2</td><td class="num">50.0%</td>`},
			{"2026-01", `</td><td class="num">0</td><td class="num">0.0%</td><td class="num">0</td><td class="num">0.0%</td>`},
		} {
			body := e.get(t, "cm_a", "/stats/monthly?unit=430802&month="+c.month).Body.String()
			if want := "<td>" + e.zh("stats.metric.persons_form2") + c.want; !strings.Contains(body, want) {
				t.Errorf("%s: four forms table lacks %q", c.month, want)
			}
		}
	})
}

func TestPortalStats(t *testing.T) {
	testdb.Each(t, time.Now, func(t *testing.T, st *store.Store) {
		e := newExportEnv(t, st)
		// cell returns the text of a county-month's cases-filed cell.
		cell := func(body, county, month string) string {
			re := regexp.MustCompile(`(?s)data-county="` + county + `".*?<tr data-month="` + month + `">.*?<td data-col="cases_filed">([^<]*)</td>`)
			m := re.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no cell %s %s", county, month)
			}
			return m[1]
		}
		rec := e.get(t, "", "/report/stats?month=2026-02")
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %.500s", rec.Code, rec.Body)
		}
		if sc := rec.Header().Values("Set-Cookie"); len(sc) > 0 {
			t.Errorf("the public page sets cookies %q", sc)
		}
		body := rec.Body.String()
		for _, c := range []struct{ county, month, want string }{
			{"430811", "2026-02", "&lt;3"}, // B filed 2 cases in February: suppressed
			{"430802", "2026-02", "&lt;3"}, // A filed 1
			{"430802", "2026-01", "3"},     // A filed 3 in January: shown
			{"430811", "2026-01", "0"},     // zero singles nobody out
		} {
			if got := cell(body, c.county, c.month); got != c.want {
				t.Errorf("%s %s cases filed %q, want %q", c.county, c.month, got, c.want)
			}
		}
		if strings.Contains(body, ">2</td>") || strings.Contains(body, ">1</td>") {
			t.Errorf("a suppressed value is on the page")
		}
		if !strings.Contains(body, template.HTMLEscapeString(e.zh("statsexport.public_note", 3, 3))) ||
			!strings.Contains(body, "少于3的数字不予显示") {
			t.Errorf("no suppression footnote")
		}
		if !strings.Contains(body, `<option value="2026-02" selected>`) {
			t.Errorf("month selector does not show 2026-02")
		}

		// One county alone.
		body = e.get(t, "", "/report/stats?month=2026-02&county=430811").Body.String()
		if strings.Contains(body, `data-county="430802"`) || !strings.Contains(body, `data-county="430811"`) ||
			!strings.Contains(body, `<option value="430811" selected>`) {
			t.Errorf("?county=430811 does not show B alone")
		}

		// The operator's k.
		e.app.PublicK = 5
		body = e.get(t, "", "/report/stats?month=2026-02").Body.String()
		if got := cell(body, "430802", "2026-01"); got != "&lt;5" {
			t.Errorf("with k=5, A's January %q, want &lt;5", got)
		}
		e.app.PublicK = 0

		// A month not yet published.
		rec = e.get(t, "", "/report/stats?month=2026-03")
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), e.zh("statsexport.month_invalid")) {
			t.Errorf("unpublished month: %d %.300s", rec.Code, rec.Body)
		}
		home := e.get(t, "", "/report").Body.String()
		if !strings.Contains(home, `href="/report/stats"`) {
			t.Errorf("the portal home does not link the statistics")
		}
	})
}

// TestMetricNames: every metric and its unit have a label in both
// languages.
func TestMetricNames(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range stats.Metrics() {
		for _, lang := range []string{i18n.ZH, i18n.EN} {
			if !cat.Has(lang, "stats.metric."+m.Name) {
				t.Errorf("%s: no label for metric %s", lang, m.Name)
			}
			if k, ok := web.StatsUnitKey(m.Unit); !ok || !cat.Has(lang, k) {
				t.Errorf("%s: no label for the unit %q of metric %s", lang, m.Unit, m.Name)
			}
		}
	}
}
