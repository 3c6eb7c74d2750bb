package app_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/importer"
	"qingfeng/internal/intake"
	"qingfeng/internal/store"
)

// hotlineHeader is the header row of a 12345 work-order export.
var hotlineHeader = []string{"工单编号", "诉求标题", "诉求内容", "来电时间", "来电人", "联系电话", "办理结果"}

// hotlineRow is one work order.
type hotlineRow struct{ id, title, content, at, caller, phone, reply string }

func (r hotlineRow) cells() []string {
	return []string{r.id, r.title, r.content, r.at, r.caller, r.phone, r.reply}
}

// csvRows: the second record spans two physical lines; the record without
// content (the third) is still row 4 of the sheet.
var csvRows = []hotlineRow{
	{"GD20260301001", "天门山镇某村低保评定不公", "反映天门山镇某村村干部优亲厚友，将不符合条件的亲属纳入低保，真正困难的群众却评不上。",
		"2026-03-10 09:15:00", "王五", "13900139000", "经核查，已取消2户不符合条件的低保资格，并对相关村干部进行了批评教育。"},
	{"GD20260301002", "", "反映某街道办事处工作人员上班时间打牌。\n群众办事多次找不到人。",
		"2026-03-11 14:20:00", "", "", "已转街道纪工委调查处理。"},
	{"GD20260301003", "", "", "2026-03-12 08:00:00", "赵六", "13700137000", ""},
	{"GD20260301004", "农村危房改造资金被截留", "某村危房改造补助资金未足额发放到户，村干部截留部分资金用于吃喝。",
		"2026/3/13 10:30", "钱七", "0744-8888888", ""},
}

// csvRejectLine is the row of the record without content as a spreadsheet
// shows it (the line break in the record before it stays in its row).
const csvRejectLine = 4

// hotlineCSV renders rows as a UTF-8 CSV with a byte-order mark.
func hotlineCSV(t *testing.T, rows []hotlineRow) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	w := csv.NewWriter(&b)
	must(t, w.Write(hotlineHeader))
	for _, r := range rows {
		must(t, w.Write(r.cells()))
	}
	w.Flush()
	must(t, w.Error())
	return b.Bytes()
}

// xlsxRows: one work order repeats a CSV one (same number), one repeats a
// complaint in other words (a near-duplicate), one has no content (sheet
// row 4), one has a real date cell.
var xlsxRows = []hotlineRow{
	{"GD20260302001", "村主任违规占用耕地建房", "反映某村村主任违规占用基本农田修建私人住房，面积约三百平方米。",
		"2026-03-12 16:05", "孙八", "13600136000", "经查属实，已责令拆除并立案审查。"},
	{"GD20260301001", "天门山镇某村低保评定不公", csvRows[0].content, csvRows[0].at, "王五", "13900139000", csvRows[0].reply},
	{"GD20260302003", "", "", "2026-03-13", "", "", ""},
	{"GD20260302004", "再次反映低保评定不公", "再次反映：天门山镇某村村干部优亲厚友，将不符合条件的亲属纳入低保，真正困难的群众却评不上！",
		"", "", "", ""},
}

// xlsxRejectLine is the sheet row of the row without content.
const xlsxRejectLine = 4

// xlsxTime is the date cell of the last xlsx row (wall clock, read in
// Asia/Shanghai).
var xlsxTime = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

// hotlineXLSX writes rows with excelize's StreamWriter; the last row's
// time is a real date cell.
func hotlineXLSX(t *testing.T, rows []hotlineRow) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	must(t, err)
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 22})
	must(t, err)
	head := make([]any, len(hotlineHeader))
	for i, h := range hotlineHeader {
		head[i] = h
	}
	must(t, sw.SetRow("A1", head))
	for i, r := range rows {
		cells := make([]any, 0, 7)
		for _, c := range r.cells() {
			cells = append(cells, c)
		}
		if i == len(rows)-1 {
			cells[3] = excelize.Cell{StyleID: dateStyle, Value: xlsxTime}
		}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		must(t, err)
		must(t, sw.SetRow(cell, cells))
	}
	must(t, sw.Flush())
	b, err := f.WriteToBuffer()
	must(t, err)
	return b.Bytes()
}

// importBytes runs app.Import over data.
func importBytes(z *zjj, p auth.Principal, data []byte, opt app.ImportOptions) (app.ImportSummary, error) {
	return z.app.Import(ctx, p, bytes.NewReader(data), int64(len(data)), opt)
}

// counts is what the import tests compare of a summary.
type counts struct{ rows, imported, existing, duplicates, rejected int }

func countsOf(s app.ImportSummary) counts {
	return counts{s.Rows, s.Imported, s.Existing, s.Duplicates, s.Rejected}
}

// reportsByExternal lists the stored reports by external number.
func (z *zjj) reportsByExternal(t *testing.T) map[string]intake.Report {
	t.Helper()
	rs, _, err := z.store.ListReports(ctx, sys.ScopeFor(auth.PermReportRead), store.ReportFilter{Page: store.Page{Limit: 500}})
	must(t, err)
	out := map[string]intake.Report{}
	for _, r := range rs {
		out[r.ExternalSource+"/"+r.ExternalID] = r
	}
	return out
}

func TestImportHotline(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	must(t, err)
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		county := z.unitByCode(t, codeYongding)
		pet := z.p["yd_intake"]
		csvData := hotlineCSV(t, csvRows)
		if !bytes.HasPrefix(csvData, []byte{0xEF, 0xBB, 0xBF}) {
			t.Fatal("no BOM")
		}
		opt := app.ImportOptions{Name: "12345工单.csv", UnitID: county.ID}

		sum, err := importBytes(z, pet, csvData, opt)
		must(t, err)
		if got, want := countsOf(sum), (counts{rows: 4, imported: 3, rejected: 1}); got != want || sum.Format != "csv" {
			t.Errorf("first import = %s %+v, want csv %+v", sum.Format, got, want)
		}
		if len(sum.Errors) != 1 || sum.Errors[0].Line != csvRejectLine || sum.Errors[0].Reason != importer.ReasonNoContent {
			t.Errorf("errors = %+v, want line %d %s", sum.Errors, csvRejectLine, importer.ReasonNoContent)
		}
		wantMapping := map[importer.Field]string{importer.FieldExternalID: "工单编号", importer.FieldTitle: "诉求标题",
			importer.FieldContent: "诉求内容", importer.FieldReceivedAt: "来电时间", importer.FieldReporter: "来电人",
			importer.FieldPhone: "联系电话", importer.FieldReply: "办理结果"}
		for f, h := range wantMapping {
			if sum.Mapping[f] != h {
				t.Errorf("mapping[%s] = %q, want %q (%v)", f, sum.Mapping[f], h, sum.Mapping)
			}
		}

		got := z.reportsByExternal(t)
		src := string(intake.ChannelHotline) + "/"
		tests := []struct {
			id        string
			title     string
			received  time.Time
			anonymous bool
		}{
			{"GD20260301001", "天门山镇某村低保评定不公", time.Date(2026, 3, 10, 9, 15, 0, 0, sh), false},
			{"GD20260301002", "反映某街道办事处工作人员上班时间打牌。 群众办事多次找不到人…", time.Date(2026, 3, 11, 14, 20, 0, 0, sh), true},
			{"GD20260301004", "农村危房改造资金被截留", time.Date(2026, 3, 13, 10, 30, 0, 0, sh), false},
		}
		if len(got) != len(tests) {
			t.Errorf("stored %d reports, want %d", len(got), len(tests))
		}
		for _, tc := range tests {
			r, ok := got[src+tc.id]
			if !ok {
				t.Errorf("no report for %s", tc.id)
				continue
			}
			if r.Channel != intake.ChannelHotline || r.Kind != intake.KindAccusation || r.UnitID != z.desk(t, codeYongding).ID || r.ReceivedUnitID != county.ID ||
				r.Status != intake.StatusReceived || r.OperatorUserID != pet.UserID || r.Title != tc.title || !r.ReceivedAt.Equal(tc.received) ||
				r.Anonymous != tc.anonymous || (r.Sealed == "") != tc.anonymous || !strings.HasPrefix(r.Number, "永信〔2026〕") {
				t.Errorf("%s = %+v", tc.id, r)
			}
			if strings.Contains(r.Sealed, "13900139000") || strings.Contains(r.Sealed, "王五") {
				t.Errorf("%s: identity in clear", tc.id)
			}
			if !tc.anonymous && !slices.Equal(z.clockCodes(t, r.ID), []string{"report.realname_notice"}) {
				t.Errorf("%s: clocks %v", tc.id, z.clockCodes(t, r.ID))
			}
		}
		// The department's reply is kept as a public message and is searchable.
		r1 := got[src+"GD20260301001"]
		ms, err := z.store.ReportMessages(ctx, r1.ID, true)
		must(t, err)
		if len(ms) != 1 || ms[0].Author != "staff" || ms[0].Body != "【原办理答复】"+csvRows[0].reply {
			t.Errorf("messages = %+v", ms)
		}
		for _, q := range []string{"取消2户不符合条件的低保资格", "原办理答复】经核查", "批评教育"} {
			found, _, _, err := z.app.Search(ctx, z.p["yd_leader"], q, store.Page{})
			must(t, err)
			if len(found) != 1 || found[0].ID != r1.ID {
				t.Errorf("Search(%q) = %d reports, want %s", q, len(found), r1.Number)
			}
		}

		// Again: nothing new.
		before := auditCount(t, z)
		sum, err = importBytes(z, pet, csvData, opt)
		must(t, err)
		if got, want := countsOf(sum), (counts{rows: 4, existing: 3, rejected: 1}); got != want {
			t.Errorf("second import = %+v, want %+v", got, want)
		}
		if n := len(z.reportsByExternal(t)); n != 3 {
			t.Errorf("%d reports after the second import", n)
		}
		if after := auditCount(t, z); after != before {
			t.Errorf("the second import wrote %d audit records", after-before)
		}

		// The xlsx export: one work order is already in, one repeats a
		// complaint in other words.
		xlsxData := hotlineXLSX(t, xlsxRows)
		xopt := app.ImportOptions{Name: "12345工单.xlsx", UnitID: county.ID}
		sum, err = importBytes(z, pet, xlsxData, xopt)
		must(t, err)
		if got, want := countsOf(sum), (counts{rows: 4, imported: 2, existing: 1, duplicates: 1, rejected: 1}); got != want || sum.Format != "xlsx" {
			t.Errorf("xlsx import = %s %+v, want xlsx %+v", sum.Format, got, want)
		}
		if len(sum.Errors) != 1 || sum.Errors[0].Line != xlsxRejectLine || sum.Errors[0].Reason != importer.ReasonNoContent {
			t.Errorf("xlsx errors = %+v, want line %d", sum.Errors, xlsxRejectLine)
		}
		got = z.reportsByExternal(t)
		dup := got[src+"GD20260302004"]
		if want := time.Date(2026, 3, 14, 9, 30, 0, 0, sh); !dup.ReceivedAt.Equal(want) {
			t.Errorf("date cell read as %v, want %v", dup.ReceivedAt.In(sh), want)
		}
		links, err := z.store.ReportLinks(ctx, dup.ID)
		must(t, err)
		if len(links) != 1 || links[0].OtherID != r1.ID {
			t.Errorf("near-duplicate links of the repeated complaint = %+v, want %s", links, r1.Number)
		}
		sum, err = importBytes(z, pet, xlsxData, xopt)
		must(t, err)
		if got, want := countsOf(sum), (counts{rows: 4, existing: 3, rejected: 1}); got != want {
			t.Errorf("second xlsx import = %+v, want %+v", got, want)
		}
		if n := len(z.reportsByExternal(t)); n != 5 {
			t.Errorf("%d reports after the imports, want 5", n)
		}
	})
}

func auditCount(t *testing.T, z *zjj) int {
	t.Helper()
	var n int
	must(t, z.store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&n))
	return n
}

func reportCount(t *testing.T, z *zjj) int {
	t.Helper()
	var n int
	must(t, z.store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM reports`).Scan(&n))
	return n
}

func TestImportPublicOpinion(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		county := z.unitByCode(t, codeYongding)
		lines := strings.Join([]string{
			`{"source":"微博","url":"https://weibo.com/1234567890/AbCdEf","title":"网传某镇干部公款吃喝","text":"网友爆料某镇干部在农家乐公款吃喝，并晒出消费清单。","time":"2026-03-15 20:30:00"}`,
			`not json`,
			`{"source":"本地论坛","title":"景区门票收费乱象","text":"有网友反映景区周边停车场乱收费，疑似有公职人员参与分成。","time":"2026-03-15 21:00:00"}`,
			``,
		}, "\n")
		opt := app.ImportOptions{Name: "舆情.jsonl", UnitID: county.ID}
		sum, err := importBytes(z, z.p["yd_intake"], []byte(lines), opt)
		must(t, err)
		if got, want := countsOf(sum), (counts{rows: 3, imported: 2, rejected: 1}); got != want || sum.Format != "jsonl" {
			t.Errorf("jsonl import = %s %+v, want jsonl %+v", sum.Format, got, want)
		}
		if len(sum.Errors) != 1 || sum.Errors[0].Line != 2 || sum.Errors[0].Reason != importer.ReasonBadJSON {
			t.Errorf("errors = %+v", sum.Errors)
		}
		var titles []string
		for _, r := range z.reportsByExternal(t) {
			titles = append(titles, r.Title)
			if r.Channel != intake.ChannelOpinion || r.ExternalSource != string(intake.ChannelOpinion) || !strings.HasPrefix(r.ExternalID, "sha256:") ||
				!r.Anonymous {
				t.Errorf("opinion report = channel %s source %s ext %s anonymous %v", r.Channel, r.ExternalSource, r.ExternalID, r.Anonymous)
			}
			if r.Title == "网传某镇干部公款吃喝" && !strings.HasSuffix(r.Content, "\n来源：微博 https://weibo.com/1234567890/AbCdEf") {
				t.Errorf("content %q lacks the site and the link", r.Content)
			}
			if r.Title == "景区门票收费乱象" && !strings.HasSuffix(r.Content, "分成。\n来源：本地论坛") {
				t.Errorf("content %q lacks the site", r.Content)
			}
		}
		slices.Sort(titles)
		if want := []string{"景区门票收费乱象", "网传某镇干部公款吃喝"}; !slices.Equal(titles, want) {
			t.Errorf("titles = %q, want %q", titles, want)
		}
		// Without numbers the content hash keeps a second import idempotent.
		sum, err = importBytes(z, z.p["yd_intake"], []byte(lines), opt)
		must(t, err)
		if got, want := countsOf(sum), (counts{rows: 3, existing: 2, rejected: 1}); got != want {
			t.Errorf("second jsonl import = %+v, want %+v", got, want)
		}
	})
}

func TestImportDryRunAndRefusals(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		county := z.unitByCode(t, codeYongding)
		pet := z.p["yd_intake"]
		csvData := hotlineCSV(t, csvRows)
		reports, audits := reportCount(t, z), auditCount(t, z)

		sum, err := importBytes(z, pet, csvData, app.ImportOptions{Name: "preview.csv", UnitID: county.ID, DryRun: true, Preview: 2})
		must(t, err)
		if got, want := countsOf(sum), (counts{rows: 4, rejected: 1}); got != want {
			t.Errorf("dry run = %+v, want %+v", got, want)
		}
		if len(sum.Preview) != 2 || sum.Preview[0].ExternalID != "GD20260301001" || sum.Preview[0].Line != 2 ||
			sum.Preview[0].Reply != csvRows[0].reply || sum.Preview[1].Content != csvRows[1].content || sum.Preview[1].Line != 3 {
			t.Errorf("preview = %+v", sum.Preview)
		}
		if len(sum.Errors) != 1 || sum.Errors[0].Line != csvRejectLine {
			t.Errorf("dry-run errors = %+v", sum.Errors)
		}
		xls := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 1024)...)
		tests := []struct {
			name   string
			p      auth.Principal
			data   []byte
			opt    app.ImportOptions
			code   apperr.Code
			key    string
			fields map[string]string
		}{
			{"legacy xls", pet, xls, app.ImportOptions{Name: "12345工单.xls", UnitID: county.ID}, apperr.Invalid, "import.xls_unsupported", nil},
			{"xls magic under another name", pet, xls, app.ImportOptions{Name: "12345工单.xlsx", UnitID: county.ID}, apperr.Invalid, "import.xls_unsupported", nil},
			{"no report.register", z.p["yd_leader"], csvData, app.ImportOptions{Name: "a.csv", UnitID: county.ID}, apperr.Forbidden, "error.forbidden", nil},
			{"unit out of scope", z.p["yd_tms"], csvData, app.ImportOptions{Name: "a.csv", UnitID: county.ID}, apperr.Invalid, "",
				map[string]string{"unit_id": "intake.target_invalid"}},
			{"portal channel", pet, csvData, app.ImportOptions{Name: "a.csv", UnitID: county.ID, Channel: intake.ChannelWeb}, apperr.Invalid, "",
				map[string]string{"channel": "intake.channel_invalid"}},
			{"bad mapping", pet, csvData, app.ImportOptions{Name: "a.csv", UnitID: county.ID, Mapping: "content=不存在的列"}, apperr.Invalid,
				"import." + importer.CodeBadMapping, nil},
			{"empty file", pet, nil, app.ImportOptions{Name: "a.csv", UnitID: county.ID}, apperr.Invalid, "import." + importer.CodeEmptyFile, nil},
		}
		for _, tc := range tests {
			_, err := importBytes(z, tc.p, tc.data, tc.opt)
			t.Run(tc.name, func(t *testing.T) { wantCode(t, err, tc.code, tc.key, tc.fields) })
		}
		if r, a := reportCount(t, z), auditCount(t, z); r != reports || a != audits {
			t.Errorf("dry run and refusals wrote %d reports and %d audit records", r-reports, a-audits)
		}
	})
}

// TestImportSummaryNoErrorsIsEmptyList: a summary without refused rows
// lists them as [] in JSON (the API's and the command's contract), not null.
func TestImportSummaryNoErrorsIsEmptyList(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		county := z.unitByCode(t, codeYongding)
		rows := []hotlineRow{csvRows[0], csvRows[1], csvRows[3]}
		for _, dry := range []bool{true, false} {
			sum, err := importBytes(z, z.p["yd_intake"], hotlineCSV(t, rows), app.ImportOptions{Name: "x.csv", UnitID: county.ID, DryRun: dry})
			must(t, err)
			b, err := json.Marshal(sum)
			must(t, err)
			if sum.Rejected != 0 || !bytes.Contains(b, []byte(`"errors":[]`)) {
				t.Errorf("dry run %v: rejected %d, JSON %s", dry, sum.Rejected, b)
			}
		}
	})
}

// TestImportFutureReceipt: a row received after now (beyond a clock's small
// lead) is refused with its row number, in the preview as in the import,
// instead of being counted from now.
func TestImportFutureReceipt(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		county := z.unitByCode(t, codeYongding)
		future := t0.Add(48 * time.Hour).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04:05")
		rows := []hotlineRow{csvRows[0], {"GD20260399001", "反映路灯不亮", "某村路灯坏了一个月无人修理。", future, "", "", ""}}
		for _, dry := range []bool{true, false} {
			sum, err := importBytes(z, z.p["yd_intake"], hotlineCSV(t, rows), app.ImportOptions{Name: "x.csv", UnitID: county.ID, DryRun: dry})
			must(t, err)
			if sum.Rejected != 1 || len(sum.Errors) != 1 || sum.Errors[0].Line != 3 || sum.Errors[0].Reason != app.ReasonInvalidRow ||
				sum.Errors[0].Field != importer.FieldReceivedAt || sum.Errors[0].Value != "intake.received_future" {
				t.Errorf("dry run %v: %+v", dry, sum)
			}
		}
	})
}
