package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"qingfeng/internal/app"
	"qingfeng/internal/auth"
	"qingfeng/internal/demo"
	"qingfeng/internal/i18n"
	"qingfeng/internal/intake"
	"qingfeng/internal/org"
	"qingfeng/internal/stats"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
	"qingfeng/internal/web"
)

const statsPassword = "Qingfeng-Demo-2026"

// statsFixture is the demo organisation (its five sample clues, two of them
// disposed: an inquiry at 天门山镇纪委 and a verification at the first
// office) plus three reports registered by the petition office, on one
// engine, with the staff UI's root handler.
type statsFixture struct {
	t      *testing.T
	h      http.Handler
	a      *app.App
	county org.Unit
	tms    org.Unit // 天门山镇纪委
	tokens map[string]string
}

func newStatsFixture(t *testing.T, st *store.Store, clock *testdb.Clock) *statsFixture {
	t.Helper()
	ctx := context.Background()
	a := testdb.NewApp(t, st, clock.Now)
	if _, err := demo.Load(ctx, a, statsPassword); err != nil {
		t.Fatalf("demo.Load: %v", err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(a, cat, web.Options{Version: "test"})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	f := &statsFixture{t: t, h: srv.Handler(), a: a, tokens: map[string]string{}}
	if f.county, err = st.GetUnitByDivision(ctx, "430802"); err != nil {
		t.Fatal(err)
	}
	if f.tms, err = st.GetUnitByDivision(ctx, "430802103"); err != nil {
		t.Fatal(err)
	}
	pet := f.principal("yd_petition")
	for _, sub := range []intake.Submission{
		{Kind: intake.KindAccusation, Channel: intake.ChannelLetter, Title: "反映村干部截留补贴", Content: "某村干部截留耕地地力保护补贴，请核查。",
			Category: "subsidies", DivisionCode: "430802103", Anonymous: true},
		{Kind: intake.KindAccusation, Channel: intake.ChannelVisit, Title: "反映村集体山林低价发包", Content: "村集体山林未经表决低价发包给亲属。",
			Category: "collective_assets", DivisionCode: "430802103", Anonymous: true},
		{Kind: intake.KindSuggestion, Channel: intake.ChannelLetter, Title: "建议公开低保名单", Content: "建议按月公开低保名单，接受群众监督。",
			Category: "subsidies", DivisionCode: "430802", Anonymous: true},
	} {
		if _, _, err := a.RegisterReport(ctx, pet, sub, nil, false); err != nil {
			t.Fatalf("report %q: %v", sub.Title, err)
		}
	}
	return f
}

func (f *statsFixture) principal(user string) auth.Principal {
	f.t.Helper()
	u, _, err := f.a.Store.GetUserByUsername(context.Background(), user)
	if err != nil {
		f.t.Fatalf("user %s: %v", user, err)
	}
	p, err := f.a.Store.Principal(context.Background(), u.ID, f.a.Today())
	if err != nil {
		f.t.Fatalf("principal %s: %v", user, err)
	}
	return p
}

// get fetches a page as a demo user (signed in once), in Chinese unless
// lang is given.
func (f *statsFixture) get(user, path string, lang ...string) (int, string) {
	f.t.Helper()
	tok, ok := f.tokens[user]
	if !ok {
		in, err := f.a.Login(context.Background(), user, statsPassword, "test")
		if err != nil || in.Session.Stage != auth.StageFull {
			f.t.Fatalf("login %s: %v (stage %q)", user, err, in.Session.Stage)
		}
		tok = in.Token
		f.tokens[user] = tok
	}
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.AddCookie(&http.Cookie{Name: "qf_session", Value: tok})
	if len(lang) > 0 {
		req.AddCookie(&http.Cookie{Name: "qf_lang", Value: lang[0]})
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

var (
	cardRE    = regexp.MustCompile(`data-metric="(\w+)"><a class="stat-value" href="([^"]+)">([^<]+)</a>`)
	subRE     = regexp.MustCompile(`<a href="([^"]+)" data-metric="(\w+)">([^<]+)</a>`)
	heatRowRE = regexp.MustCompile(`<tr(?: class="own")?><td>([^<]+)</td>(.*?)</tr>`)
	heatCell  = regexp.MustCompile(`<td class="num heat-(\d)"><a href="([^"]+)">([^<]+)</a></td>`)
	dataRE    = regexp.MustCompile(`(?s)<script type="application/json" id="stats-data">(.*?)</script>`)
	recordRE  = regexp.MustCompile(`<td class="mono"><a href="(/[a-z]+s/\d+)">`)
)

// figures reads the summary cards (and their sub-figures): metric ->
// value and link.
func figures(t *testing.T, body string) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	for _, m := range cardRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = [2]string{m[3], html.UnescapeString(m[2])}
	}
	for _, m := range subRE.FindAllStringSubmatch(body, -1) {
		out[m[2]] = [2]string{m[3], html.UnescapeString(m[1])}
	}
	if len(out) == 0 {
		t.Fatalf("no summary figures on the page:\n%s", body)
	}
	return out
}

// records reads the record links of a records page.
func records(body string) []string {
	var out []string
	for _, m := range recordRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func TestStatsDashboardPages(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	clock := testdb.NewClock(time.Date(2026, 6, 15, 10, 0, 0, 0, loc))
	testdb.Each(t, clock.Now, func(t *testing.T, st *store.Store) {
		f := newStatsFixture(t, st, clock)

		// The leader's dashboard: 永定区 this year.
		code, body := f.get("yd_leader", "/stats")
		if code != http.StatusOK {
			t.Fatalf("GET /stats: %d\n%s", code, body)
		}
		fig := figures(t, body)
		want := map[string]string{"reports_received": "3", "reports_answered": "0", "clues_received": "5", "clues_disposed": "2",
			"cases_filed": "0", "cases_closed": "0", "persons_sanctioned": "0", "persons_party_sanctioned": "0",
			"persons_government_sanctioned": "0", "persons_detained": "0", "funds_recovered_fen": "0.00", "funds_returned_fen": "0.00",
			"avg_case_days": "—"}
		for m, v := range want {
			if fig[m][0] != v {
				t.Errorf("figure %s = %q, want %q", m, fig[m][0], v)
			}
		}
		if avg, err := strconv.ParseFloat(fig["avg_clue_disposal_days"][0], 64); err != nil || avg < 0 {
			t.Errorf("average clue disposal days %q", fig["avg_clue_disposal_days"][0])
		}
		for _, s := range []string{"统计分析", f.county.Name + " · 今年以来", "今年以来，" + f.county.Name + "共查办案件0件", "导出Excel", "月度报表",
			`href="/stats/monthly?month=2026-06&amp;unit=` + strconv.FormatInt(f.county.ID, 10) + `"`,
			`href="/stats/export.xlsx?"`, "天门山镇纪委",
			// The period counted fills the form; the presets are relative to today.
			`name="from" value="2026-01-01"`, `name="to" value="2026-06-15"`,
			`<a class="btn btn-small btn-primary" href="/stats?from=2026-01-01&amp;to=2026-06-15">今年以来</a>`,
			`href="/stats?from=2026-06-01&amp;to=2026-06-15">本月</a>`, `href="/stats?from=2026-05-01&amp;to=2026-05-31">上月</a>`,
			`href="/stats?from=2026-04-01&amp;to=2026-06-15">本季度</a>`, `href="/stats?from=2025-01-01&amp;to=2025-12-31">去年</a>`} {
			if !strings.Contains(body, s) {
				t.Errorf("dashboard lacks %q", s)
			}
		}

		// The charts' data: every category and series is named in words
		// (months aside), every value has its records link.
		m := dataRE.FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no chart data block")
		}
		var data struct {
			Charts []struct {
				ID     string   `json:"id"`
				Kind   string   `json:"kind"`
				X      []string `json:"x"`
				Series []struct {
					Name   string    `json:"name"`
					Values []float64 `json:"values"`
					Hrefs  []string  `json:"hrefs"`
				} `json:"series"`
			} `json:"charts"`
		}
		if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
			t.Fatalf("chart data: %v\n%s", err, m[1])
		}
		months := regexp.MustCompile(`^2026-0[1-6]$`)
		byID := map[string][]float64{}
		names := map[string][]string{}
		for _, c := range data.Charts {
			for _, x := range c.X {
				if !months.MatchString(x) && !hasHan(x) {
					t.Errorf("chart %s: category %q is not in words", c.ID, x)
				}
			}
			for _, s := range c.Series {
				if !hasHan(s.Name) {
					t.Errorf("chart %s: series %q is not in words", c.ID, s.Name)
				}
				if len(s.Hrefs) != len(s.Values) {
					t.Errorf("chart %s: %d values, %d links", c.ID, len(s.Values), len(s.Hrefs))
				}
				var sum float64
				for _, v := range s.Values {
					sum += v
				}
				byID[c.ID] = append(byID[c.ID], sum)
				names[c.ID] = append(names[c.ID], s.Name)
			}
		}
		if got := strings.Join(names["reports-channel"], ","); got != "来信,来访" {
			t.Errorf("channel series %q", got)
		}
		if got := byID["reports-channel"]; len(got) != 2 || got[0] != 2 || got[1] != 1 {
			t.Errorf("reports by channel %v", got)
		}
		if got := byID["clue-source"]; len(got) != 1 || got[0] != 5 {
			t.Errorf("clues by source %v", got)
		}
		for _, raw := range []string{">letter<", ">inspection<", ">inquiry<", ">subsidies<", ">accusation<", `"letter"`, `"inquiry"`,
			`"subsidies"`, `"upper_assignment"`, "statsweb."} {
			if strings.Contains(strings.ReplaceAll(body, "key=", ""), raw) {
				t.Errorf("dashboard shows the raw code %s", raw)
			}
		}

		// Drill-down from a card lists exactly the records of the figure.
		for metric, n := range map[string]int{"clues_received": 5, "clues_disposed": 2, "reports_received": 3, "cases_filed": 0} {
			code, page := f.get("yd_leader", fig[metric][1])
			if code != http.StatusOK {
				t.Fatalf("%s records: %d\n%s", metric, code, page)
			}
			if got := records(page); len(got) != n {
				t.Errorf("%s records: %d rows, want %d: %v", metric, len(got), n, got)
			}
		}
		// A chart element: the disposals by mode, inquiry only.
		code, page := f.get("yd_leader", "/stats/records?metric=clues_disposed&unit="+strconv.FormatInt(f.county.ID, 10)+
			"&from=2026-01-01&to=2026-06-15&by=mode&key=inquiry")
		if got := records(page); code != http.StatusOK || len(got) != 1 || !strings.Contains(page, "谈话函询") {
			t.Errorf("inquiry records: %d %v", code, got)
		}
		// The county's own records (the heat table's own row) are those of
		// the county itself: the demo's clues all lie in its offices and
		// townships.
		code, page = f.get("yd_leader", "/stats/records?metric=clues_received&unit="+strconv.FormatInt(f.county.ID, 10)+
			"&child="+strconv.FormatInt(f.county.ID, 10))
		if got := records(page); code != http.StatusOK || len(got) != 0 {
			t.Errorf("the county's own clues: %d %v", code, got)
		}
		if strings.Contains(body, f.county.Name+"（本级）") {
			t.Errorf("an own row without own records")
		}
		// Every heat cell of the counted columns leads to as many records.
		rows := heatRowRE.FindAllStringSubmatch(body, -1)
		if len(rows) < 10 {
			t.Fatalf("heat table has %d rows", len(rows))
		}
		var clueCells int
		for _, row := range rows {
			cells := heatCell.FindAllStringSubmatch(row[2], -1)
			if len(cells) != len(stats.RowMetrics()) {
				t.Fatalf("heat row %s: %d cells", row[1], len(cells))
			}
			for _, col := range []int{0, 1} { // reports_received, clues_received
				c := cells[col]
				n, _ := strconv.Atoi(c[3])
				if n == 0 {
					if c[1] != "0" {
						t.Errorf("row %s col %d: zero with shade %s", row[1], col, c[1])
					}
					continue
				}
				if col == 1 {
					clueCells += n
				}
				_, page := f.get("yd_leader", html.UnescapeString(c[2]))
				if got := records(page); len(got) != n {
					t.Errorf("heat %s col %d: %d records, figure %d", row[1], col, len(got), n)
				}
			}
		}
		if clueCells != 5 {
			t.Errorf("the heat table's clues add up to %d, want 5", clueCells)
		}

		// A month of a chart: June's letters.
		var june string
		for _, c := range data.Charts {
			if c.ID == "reports-channel" {
				june = c.Series[0].Hrefs[5]
			}
		}
		if !strings.Contains(june, "from=2026-06-01") || !strings.Contains(june, "to=2026-06-15") || !strings.Contains(june, "key=letter") {
			t.Errorf("June's letters link to %q", june)
		}
		if _, page := f.get("yd_leader", june); len(records(page)) != 2 || !strings.Contains(page, "来信") {
			t.Errorf("June's letters: %v", records(page))
		}

		// The county's seven area groups side by side; each bar lists the
		// records of its group.
		var groups []string
		var groupClues []float64
		var groupHrefs []string
		for _, c := range data.Charts {
			if c.ID == "groups" {
				groups = c.X
				for _, s := range c.Series {
					if s.Name == "受理问题线索" {
						groupClues, groupHrefs = s.Values, s.Hrefs
					}
				}
			}
		}
		if len(groups) != 7 || len(groupClues) != 7 {
			t.Fatalf("area groups chart: %v %v", groups, groupClues)
		}
		for i, h := range groupHrefs {
			if !strings.Contains(h, "area_group=") || strings.Contains(h, "unit=") {
				t.Errorf("group %s links to %q", groups[i], h)
			}
			if _, page := f.get("yd_leader", h); len(records(page)) != int(groupClues[i]) {
				t.Errorf("group %s: %d clue records, figure %v", groups[i], len(records(page)), groupClues[i])
			}
		}
		// An area group's own dashboard has no heat table and no groups chart.
		g := groupHrefs[0][strings.Index(groupHrefs[0], "area_group=")+len("area_group="):]
		g = g[:strings.IndexByte(g+"&", '&')]
		code, page = f.get("yd_leader", "/stats?area_group="+g)
		if code != http.StatusOK || !strings.Contains(page, groups[0]+" · 今年以来") || strings.Contains(page, `table class="list heat"`) ||
			strings.Contains(page, `id="chart-groups"`) || strings.Contains(page, "/stats/monthly") {
			t.Errorf("area group dashboard: %d", code)
		}

		// The comparison: handling times before and from a date.
		_, page = f.get("yd_leader", "/stats?compare=2026-06-12")
		if !strings.Contains(page, `id="chart-compare"`) || !strings.Contains(page, "2026-06-12 之前") ||
			!strings.Contains(page, `to=2026-06-11`) {
			t.Errorf("no comparison chart")
		}

		// Three months on, the open clocks are overdue; each record links to
		// its page under its number.
		clock.Advance(90 * 24 * time.Hour)
		clear(f.tokens) // the sessions have expired
		_, page = f.get("yd_leader", "/stats")
		overdue := figures(t, page)["overdue"]
		n, _ := strconv.Atoi(overdue[0])
		if n == 0 {
			t.Errorf("nothing overdue after three months")
		}
		_, page = f.get("yd_leader", overdue[1])
		if got := records(page); len(got) != n {
			t.Errorf("overdue records %v, figure %d", got, n)
		}
		if strings.Contains(page, `<a href="/clues/`) && !strings.Contains(page, "永纪线") {
			t.Errorf("an overdue clue is listed without its number")
		}
		clock.Advance(-90 * 24 * time.Hour)
		clear(f.tokens)

		// In English the labels are English.
		_, en := f.get("yd_leader", "/stats", "en")
		for _, s := range []string{"Clues received", "Export to Excel", "Letter"} {
			if !strings.Contains(en, s) {
				t.Errorf("English dashboard lacks %q", s)
			}
		}
	})
}

func TestStatsPagesErrorsAndScope(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	clock := testdb.NewClock(time.Date(2026, 6, 15, 10, 0, 0, 0, loc))
	testdb.Each(t, clock.Now, func(t *testing.T, st *store.Store) {
		f := newStatsFixture(t, st, clock)
		county := strconv.FormatInt(f.county.ID, 10)

		// Invalid requests are shown on the page, in Chinese, next to the field.
		tests := []struct {
			path, want string
		}{
			{"/stats?from=2026-13-01", "起始日期：日期格式应为 YYYY-MM-DD"},
			{"/stats?from=2026-06-10&to=2026-06-01", "截止日期：截止日期不能早于起始日期"},
			{"/stats?from=2016-01-01&to=2026-06-01", "统计期间最长十年"},
			{"/stats?compare=2025-03-01", "对比日期须为统计期间内的日期"},
			{"/stats?area_group=abc", "片区编号无效"},
			{"/stats?unit=x1", "单位应为单位编号或行政区划代码"},
			{"/stats/records?metric=nope&unit=" + county, "没有这个统计指标"},
			{"/stats/records?metric=reports_received&by=mode&unit=" + county, "该指标不能按此方式分组"},
			{"/stats/records?metric=reports_received&to=2026-02-30", "日期格式应为 YYYY-MM-DD"},
		}
		for _, tt := range tests {
			code, body := f.get("yd_leader", tt.path)
			if code != http.StatusOK || !strings.Contains(body, tt.want) || !strings.Contains(body, `class="flash error"`) {
				t.Errorf("GET %s: %d; want the message %q on the page", tt.path, code, tt.want)
			}
		}
		if _, body := f.get("yd_leader", "/stats?from=2026-13-01"); !strings.Contains(body, `<div class="field has-error"><label for="stats-from">`) {
			t.Errorf("the from field is not marked")
		}

		// Without stats.read: forbidden, as the other pages.
		for _, path := range []string{"/stats", "/stats/records?metric=clues_received"} {
			if code, _ := f.get("yd_village", path); code != http.StatusForbidden {
				t.Errorf("village member GET %s: %d, want 403", path, code)
			}
		}
		if _, body := f.get("yd_village", "/"); strings.Contains(body, `href="/stats"`) {
			t.Errorf("the village member sees the statistics entry")
		}
		if _, body := f.get("yd_leader", "/"); !strings.Contains(body, `<a href="/stats">统计分析</a>`) {
			t.Errorf("the leader lacks the statistics entry")
		}

		// The scope choices: the caller's commission and its children stay
		// while a township is shown; a city user chooses among the counties.
		tmsID := strconv.FormatInt(f.tms.ID, 10)
		_, body := f.get("yd_leader", "/stats?unit="+tmsID)
		for _, s := range []string{`<option value="` + tmsID + `" selected>天门山镇纪委</option>`, ">教字垭镇纪委</option>",
			">第一纪检监察室</option>", `<option value="` + county + `">` + f.county.Name + `</option>`, ">第一片区</option>"} {
			if !strings.Contains(body, s) {
				t.Errorf("the township's dashboard lacks the choice %s", s)
			}
		}
		if strings.Contains(body, "零溪镇") || strings.Contains(body, "慈利县纪委监委") {
			t.Errorf("the county leader may choose another county's units")
		}
		_, body = f.get("zjj_admin", "/stats")
		for _, s := range []string{">永定区纪委监委</option>", ">慈利县纪委监委</option>", ">桑植县纪委监委</option>", ">武陵源区纪委监委</option>"} {
			if !strings.Contains(body, s) {
				t.Errorf("the city's dashboard lacks the choice %s", s)
			}
		}

		// A township member sees the township only; the county is not found.
		code, body := f.get("yd_tms", "/stats")
		if code != http.StatusOK {
			t.Fatalf("township dashboard: %d", code)
		}
		if fig := figures(t, body); fig["clues_received"][0] != "1" || fig["clues_disposed"][0] != "1" || fig["reports_received"][0] != "0" {
			t.Errorf("township figures %v", fig)
		}
		for _, path := range []string{"/stats?unit=" + county, "/stats/records?metric=clues_received&unit=" + county,
			"/stats/records?metric=clues_received&unit=" + strconv.FormatInt(f.tms.ID, 10) + "&child=" + county} {
			if code, _ := f.get("yd_tms", path); code != http.StatusNotFound {
				t.Errorf("township GET %s: %d, want 404", path, code)
			}
		}
		_, page := f.get("yd_tms", "/stats/records?metric=clues_received&unit="+strconv.FormatInt(f.tms.ID, 10))
		if got := records(page); len(got) != 1 {
			t.Errorf("township clue records %v", got)
		}

		// The analyst counts clues but may not read them: the figure shows,
		// its records do not.
		_, body = f.get("yd_analyst", "/stats")
		if fig := figures(t, body); fig["clues_received"][0] != "5" {
			t.Errorf("analyst figures %v", fig)
		}
		_, page = f.get("yd_analyst", "/stats/records?metric=clues_received&unit="+county)
		if got := records(page); len(got) != 0 || !strings.Contains(page, "暂无") && !strings.Contains(page, `class="empty"`) {
			t.Errorf("analyst sees clue records %v", got)
		}
	})
}
