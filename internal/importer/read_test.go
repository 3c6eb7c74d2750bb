package importer

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"reflect"
)

func TestReadRejectsLegacyXLS(t *testing.T) {
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...)
	tests := []struct {
		name string
		data []byte
		code string
	}{
		{"信访件.xls", ole, CodeXLSUnsupported},
		{"renamed.xlsx", ole, CodeXLSUnsupported}, // also an encrypted workbook
		{"noext", ole, CodeXLSUnsupported},
		{"export.xls", []byte("<html><table><tr><td>标题</td></tr></table></html>"), CodeXLSUnsupported},
		{"export.xls", []byte("\xEF\xBB\xBF<?xml version=\"1.0\"?><Workbook/>"), CodeXLSUnsupported},
		{"fake.xlsx", []byte("标题,内容\na,b\n"), CodeUnsupported},
		{"doc.pdf", []byte("%PDF-1.4 ..."), CodeUnsupported},
		{"page.html", []byte("<html></html>"), CodeUnsupported},
		{"empty.csv", nil, CodeEmptyFile},
		{"blank.csv", []byte("\n\n  \n"), CodeEmptyFile},
		{"zip.xlsx", []byte("PK\x03\x04 not really a zip"), CodeBadXLSX},
	}
	for _, tt := range tests {
		res := readBytes(t, tt.name, tt.data, Options{})
		if got := CodeOf(res.err); got != tt.code {
			t.Errorf("%s: code %q (%v), want %q", tt.name, got, res.err, tt.code)
		}
		if len(res.rows) != 0 {
			t.Errorf("%s: %d rows", tt.name, len(res.rows))
		}
	}
	res := readBytes(t, "a.xls", ole, Options{})
	var e *Error
	if !errors.As(res.err, &e) || !strings.Contains(e.Message, "请另存为 .xlsx 格式后再导入") {
		t.Errorf("message %v", res.err)
	}
	// Tab-separated text named .xls (a common "Excel export") is read.
	res = readBytes(t, "export.xls", []byte("标题\t内容\n停水\t三天没水\n"), Options{})
	if res.err != nil || len(res.rows) != 1 || res.rows[0].Content != "三天没水" {
		t.Errorf("tsv named .xls: %+v", res)
	}
}

// hotlineCSV is a 12345 work-order export with other headers than the
// message board: the variant DetectMapping must also know.
const hotlineCSV = "工单编号,来电时间,来电人,联系电话,诉求类型,所属区域,诉求内容,办理结果,办结时间,承办单位\r\n" +
	"GD2024001,2024年3月1日 9时5分,张三,13800000000,城乡建设,永定区,\"小区门口道路破损，\r\n雨天积水严重。\",已转住建局处理,2024-03-05,住建局\r\n" +
	"GD2024002,2024/3/2 14:30,李四,,环境保护,武陵源区,夜间施工噪音扰民,,,\r\n" +
	",,,,,,,,,\r\n" +
	"GD2024003,2024年3月3日,王五,0744-1234567,,慈利县,,,,\r\n" +
	"GD2024004,三月四日,赵六,,,,路灯不亮,,,\r\n" +
	",,,,,,,,,备注\r\n"

func TestReadGBKCSV(t *testing.T) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(hotlineCSV))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(gbk, []byte(hotlineCSV)) {
		t.Fatal("GBK bytes equal UTF-8")
	}
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(hotlineCSV))
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range []struct {
		name, want string
		data       []byte
	}{
		{"gbk", "gb18030", gbk},
		{"utf-8", "utf-8", []byte(hotlineCSV)},
		{"utf-8 bom", "utf-8", append([]byte("\xEF\xBB\xBF"), hotlineCSV...)},
		{"utf-16", "utf-16", utf16},
	} {
		res := readBytes(t, "12345工单.csv", enc.data, Options{Channel: "12345"})
		if res.err != nil {
			t.Fatalf("%s: %v", enc.name, res.err)
		}
		if res.sum.Encoding != enc.want || res.sum.Rows != 5 || res.sum.Parsed != 2 || res.sum.Rejected != 3 {
			t.Errorf("%s: summary %+v", enc.name, res.sum)
		}
		want := []Row{
			{Line: 2, ExternalID: "GD2024001", ReceivedAt: at(2024, 3, 1, 9, 5, 0), Reporter: "张三", Phone: "13800000000",
				Category: "城乡建设", Place: "永定区", Content: "小区门口道路破损，\n雨天积水严重。", Reply: "已转住建局处理",
				RepliedAt: at(2024, 3, 5, 0, 0, 0), Source: "12345", Extra: map[string]string{"承办单位": "住建局"}},
			{Line: 3, ExternalID: "GD2024002", ReceivedAt: at(2024, 3, 2, 14, 30, 0), Reporter: "李四",
				Category: "环境保护", Place: "武陵源区", Content: "夜间施工噪音扰民", Source: "12345"},
		}
		checkRows(t, enc.name, res.rows, want)
		// Rows as a spreadsheet shows them: the first record's quoted line
		// break does not start a new row.
		checkErrs(t, enc.name, res.errs, []RowError{
			{Line: 5, Reason: ReasonNoContent},
			{Line: 6, Reason: ReasonBadDate, Field: FieldReceivedAt, Value: "三月四日"},
			{Line: 7, Reason: ReasonEmpty},
		})
	}
}

// checkRows compares rows field by field, times with Equal.
func checkRows(t *testing.T, name string, got, want []Row) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d: %+v", name, len(got), len(want), got)
		return
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.ReceivedAt.Equal(w.ReceivedAt) || !g.RepliedAt.Equal(w.RepliedAt) {
			t.Errorf("%s: row %d times %v %v, want %v %v", name, i, g.ReceivedAt, g.RepliedAt, w.ReceivedAt, w.RepliedAt)
		}
		g.ReceivedAt, g.RepliedAt, w.ReceivedAt, w.RepliedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: row %d\n got %+v\nwant %+v", name, i, g, w)
		}
	}
}

func checkErrs(t *testing.T, name string, got, want []RowError) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: row errors\n got %+v\nwant %+v", name, got, want)
	}
}

func TestReadJSONL(t *testing.T) {
	data := strings.Join([]string{
		`{"source":"微博","url":"https://weibo.com/1/abc","title":"某村低保评定不公","text":"网友反映：某村低保名单\r\n有村干部亲属。","time":"2024-05-01 08:30:00"}`,
		`{"source":"论坛","title":"坏行", "text": "缺少右括号"`,
		``,
		`{"source":"抖音","url":"https://www.douyin.com/video/7","text":"  工程款拖欠\u200b问题  ","time":1714523400,"likes":12}`,
		`["not","an","object"]`,
		`{"text":"链接不安全","url":"javascript:alert(1)"}`,
		`{"text":"时间错误","time":"昨天"}`,
		`{"text":"多余数据"} {"x":1}`,
		`null`,
		`{"title":"","text":""}`,
		`{"content":"规范字段名","received_at":"2024年5月2日","text":"别名被规范字段覆盖","id":7}`,
	}, "\n")
	res := readBytes(t, "舆情.jsonl", []byte(data), Options{Channel: "网络舆情"})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if res.sum.Format != "jsonl" || res.sum.Rows != 10 || res.sum.Parsed != 3 || res.sum.Rejected != 7 {
		t.Errorf("summary %+v", res.sum)
	}
	checkRows(t, "jsonl", res.rows, []Row{
		{Line: 1, Source: "微博", URL: "https://weibo.com/1/abc", Title: "某村低保评定不公",
			Content: "网友反映：某村低保名单\n有村干部亲属。", ReceivedAt: at(2024, 5, 1, 8, 30, 0)},
		{Line: 4, Source: "抖音", URL: "https://www.douyin.com/video/7", Content: "工程款拖欠问题",
			ReceivedAt: time.Unix(1714523400, 0), Extra: map[string]string{"likes": "12"}},
		{Line: 11, ExternalID: "7", Content: "规范字段名", ReceivedAt: at(2024, 5, 2, 0, 0, 0), Source: "网络舆情"},
	})
	checkErrs(t, "jsonl", res.errs, []RowError{
		{Line: 2, Reason: ReasonBadJSON, Value: `{"source":"论坛","title":"坏行", "text": "缺少右括号"`},
		{Line: 5, Reason: ReasonBadJSON, Value: `["not","an","object"]`},
		{Line: 6, Reason: ReasonBadURL, Field: FieldURL, Value: "javascript:alert(1)"},
		{Line: 7, Reason: ReasonBadDate, Field: FieldReceivedAt, Value: "昨天"},
		{Line: 8, Reason: ReasonBadJSON, Value: `{"text":"多余数据"} {"x":1}`},
		{Line: 9, Reason: ReasonBadJSON, Value: "null"},
		{Line: 10, Reason: ReasonNoContent},
	})
	// Content sniffing: a .txt (or nameless) file of JSON objects.
	if res := readBytes(t, "upload", []byte(`{"text":"a"}`), Options{}); res.err != nil || res.sum.Format != "jsonl" || len(res.rows) != 1 {
		t.Errorf("sniffed jsonl: %+v", res)
	}
	// A line over the byte limit is rejected; the next one is read.
	// (limit: 12 bytes per rune of MaxCellRunes + 64 KiB); a line within
	// it with a cell over MaxCellRunes is rejected naming the field.
	long := `{"text":"` + strings.Repeat("长", 30000) + `"}` + "\n" + `{"text":"短"}` + "\n" +
		`{"text":"` + strings.Repeat("长", 11) + `"}`
	res = readBytes(t, "x.jsonl", []byte(long), Options{MaxCellRunes: 10})
	checkErrs(t, "long", res.errs, []RowError{{Line: 1, Reason: ReasonTooLong},
		{Line: 3, Reason: ReasonTooLong, Field: FieldContent, Value: strings.Repeat("长", 11)}})
	if len(res.rows) != 1 || res.rows[0].Line != 2 || res.sum.Rows != 3 {
		t.Errorf("long: %+v", res.rows)
	}
}

func TestReadExplicitMapping(t *testing.T) {
	data := "日期,问题描述,标题,备注\n2024-01-02,反映内容一,标题一,x\n2024-01-03,反映内容二,,\n"
	want := []Row{
		{Line: 2, Title: "标题一", Content: "反映内容一", ReceivedAt: at(2024, 1, 2, 0, 0, 0), Extra: map[string]string{"备注": "x"}},
		{Line: 3, Content: "反映内容二", ReceivedAt: at(2024, 1, 3, 0, 0, 0)},
	}
	for _, opt := range []Options{
		{MappingSpec: "content=问题描述,title=标题,received_at=A"},
		{MappingSpec: "content = 2 ； title=C\nreceived_at=日期"},
		{Mapping: Mapping{FieldContent: 1, FieldTitle: 2, FieldReceivedAt: 0}},
		{}, // detection: 日期, 问题描述 and 标题 are known headers
	} {
		res := readBytes(t, "a.csv", []byte(data), opt)
		if res.err != nil {
			t.Fatalf("%+v: %v", opt, res.err)
		}
		checkRows(t, "mapping", res.rows, want)
		if !reflect.DeepEqual(res.sum.Unused, []string{"备注"}) || res.sum.Mapping[FieldReceivedAt] != "日期" {
			t.Errorf("%+v: summary %+v", opt, res.sum)
		}
	}
	for _, opt := range []Options{
		{MappingSpec: "content=不存在的列"},
		{MappingSpec: "body=B"},
		{Mapping: Mapping{"body": 1}},
		{Mapping: Mapping{FieldContent: -1}},
	} {
		if res := readBytes(t, "a.csv", []byte(data), opt); CodeOf(res.err) != CodeBadMapping {
			t.Errorf("%+v: %v, want %s", opt, res.err, CodeBadMapping)
		}
	}
	if res := readBytes(t, "a.csv", []byte(data), Options{Mapping: Mapping{FieldReceivedAt: 0}}); CodeOf(res.err) != CodeNoContent {
		t.Errorf("no content: %v", res.err)
	}
}

// writeXLSX builds a workbook in memory with excelize.
func writeXLSX(t testing.TB, build func(f *excelize.File, sheet string)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	build(f, "Sheet1")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadXLSXGenerated(t *testing.T) {
	set := func(f *excelize.File, sheet, cell string, v any) {
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	data := writeXLSX(t, func(f *excelize.File, sheet string) {
		// A title line and a blank row above the header; a blank row,
		// an empty-but-formatted row and a 序号 column in the data.
		set(f, sheet, "A1", "")
		set(f, sheet, "A3", "序号")
		set(f, sheet, "B3", " 工单编号 ")
		set(f, sheet, "C3", "来电时间")
		set(f, sheet, "D3", "诉求内容")
		set(f, sheet, "E3", "联系电话")
		set(f, sheet, "F3", "办结时间")
		set(f, sheet, "G3", "链接")
		set(f, sheet, "A4", 1)
		set(f, sheet, "B4", 20240001)
		set(f, sheet, "C4", time.Date(2024, 3, 1, 9, 5, 30, 0, time.UTC)) // a date cell: serial number
		set(f, sheet, "D4", "\t第一行\r\n\u3000\u3000第二行  有空格\n\n\n\n第三段 ")
		set(f, sheet, "E4", 13800000000)
		set(f, sheet, "F4", "2024年3月5日")
		set(f, sheet, "G4", "https://12345.example.cn/gd/1")
		set(f, sheet, "A6", 2)
		set(f, sheet, "B6", "GD-2")
		set(f, sheet, "C6", 45352.5) // a number in a date column
		set(f, sheet, "D6", strings.Repeat("长", 41))
		set(f, sheet, "A7", 3)
		set(f, sheet, "D7", "   ")
		set(f, sheet, "A8", 4)
		set(f, sheet, "D8", "第四件")
		set(f, sheet, "C8", "2024-13-01")
		set(f, sheet, "D9", "第五件")
		set(f, sheet, "C9", true)
		if err := f.SetRowHeight(sheet, 10, 30); err != nil { // row with format only
			t.Fatal(err)
		}
	})
	res := readBytes(t, "hotline.xlsx", data, Options{MaxCellRunes: 40})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if res.sum.HeaderLine != 3 || res.sum.Rows != 5 || res.sum.Parsed != 1 || res.sum.Rejected != 4 || res.sum.Mapping[FieldExternalID] != "工单编号" ||
		!reflect.DeepEqual(res.sum.Unused, []string{"序号"}) {
		t.Errorf("summary %+v", res.sum)
	}
	checkRows(t, "xlsx", res.rows, []Row{
		{Line: 4, ExternalID: "20240001", ReceivedAt: at(2024, 3, 1, 9, 5, 30), Content: "第一行\n第二行 有空格\n\n第三段",
			Phone: "13800000000", RepliedAt: at(2024, 3, 5, 0, 0, 0), URL: "https://12345.example.cn/gd/1",
			Extra: map[string]string{"序号": "1"}},
	})
	checkErrs(t, "xlsx", res.errs, []RowError{
		{Line: 6, Reason: ReasonTooLong, Field: FieldContent, Value: strings.Repeat("长", 41)},
		{Line: 7, Reason: ReasonEmpty},
		{Line: 8, Reason: ReasonBadDate, Field: FieldReceivedAt, Value: "2024-13-01"},
		{Line: 9, Reason: ReasonBadDate, Field: FieldReceivedAt, Value: "1"},
	})

	// The 1904 date system shifts serials by 1462 days.
	data = writeXLSX(t, func(f *excelize.File, sheet string) {
		date1904 := true
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}); err != nil {
			t.Fatal(err)
		}
		set(f, sheet, "A1", "标题")
		set(f, sheet, "B1", "时间")
		set(f, sheet, "A2", "一九〇四")
		set(f, sheet, "B2", 45352.5-1462)
	})
	res = readBytes(t, "mac.xlsx", data, Options{})
	checkRows(t, "1904", res.rows, []Row{{Line: 2, Title: "一九〇四", ReceivedAt: at(2024, 3, 1, 12, 0, 0)}})
}

func TestReadLimitsAndStops(t *testing.T) {
	var b strings.Builder
	b.WriteString("标题,内容\n")
	for i := range 50 {
		b.WriteString("t,c" + strings.Repeat("x", i) + "\n")
	}
	data := []byte(b.String())

	res := readBytes(t, "a.csv", data, Options{MaxRows: 10})
	if CodeOf(res.err) != CodeTooManyRows || len(res.rows) != 10 || res.sum.Rows != 10 {
		t.Errorf("MaxRows: %v, %d rows, %+v", res.err, len(res.rows), res.sum)
	}
	res = readBytes(t, "a.csv", data, Options{MaxBytes: 100})
	if CodeOf(res.err) != CodeTooLarge {
		t.Errorf("MaxBytes: %v", res.err)
	}
	res = readBytes(t, "a.csv", data, Options{MaxCellRunes: 10})
	if res.err != nil || res.sum.Parsed != 10 || res.sum.Rejected != 40 || res.errs[0].Line != 12 {
		t.Errorf("MaxCellRunes: %v %+v %+v", res.err, res.sum, res.errs[:1])
	}

	stop := errors.New("stop")
	n := 0
	sum, err := Read(context.Background(), "a.csv", bytes.NewReader(data), int64(len(data)), Options{},
		func(Row) error {
			if n++; n == 3 {
				return stop
			}
			return nil
		}, nil)
	if err != stop || n != 3 || sum.Parsed != 2 {
		t.Errorf("fn error: %v, n=%d, %+v", err, n, sum)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Read(ctx, "a.csv", bytes.NewReader(data), int64(len(data)), Options{}, func(Row) error { return nil }, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestReadTSVAndDuplicateHeaders(t *testing.T) {
	data := "标题\t内容\t备注\t备注\t\n甲\t乙\t一\t二\t三\n"
	res := readBytes(t, "a.txt", []byte(data), Options{Loc: time.UTC})
	if res.err != nil {
		t.Fatal(res.err)
	}
	checkRows(t, "tsv", res.rows, []Row{{Line: 2, Title: "甲", Content: "乙",
		Extra: map[string]string{"备注": "一", "备注(D)": "二", "E": "三"}}})
}

func TestReadHeaderSearch(t *testing.T) {
	junk := strings.Repeat("说明文字,其他\n", 10)
	tests := []struct {
		name       string
		data       string
		opt        Options
		headerLine int
		contents   []string
		code       string
	}{
		{"title line above the header",
			"永定区12345热线工单明细表（2024年3月）,,\n,,\n工单编号,诉求内容,来电时间\nA1,路灯不亮,2024-03-01\n",
			Options{}, 3, []string{"路灯不亮"}, ""},
		{"a title that contains a known header word",
			"主题教育整改台账\n序号,问题描述,整改时限\n1,台账不全,2024年底\n",
			Options{}, 2, []string{"台账不全"}, ""},
		{"one column", "内容\n甲\n乙\n", Options{}, 1, []string{"甲", "乙"}, ""},
		{"explicit mapping: the first row is the header",
			"工单明细\n工单编号,诉求内容\nA1,路灯不亮\n",
			Options{Mapping: Mapping{FieldContent: 0}}, 1, []string{"工单编号", "A1"}, ""},
		{"mapping spec with header names: searched",
			"工单明细,\n编号,描述\nA1,路灯不亮\n",
			Options{MappingSpec: "content=描述"}, 2, []string{"路灯不亮"}, ""},
		{"gives up after 10 rows", junk + "标题,内容\na,b\n", Options{}, 0, nil, CodeNoContent},
		{"header within 10 rows", junk[:len(junk)-len("说明文字,其他\n")] + "标题,内容\na,b\n", Options{}, 10, []string{"b"}, ""},
	}
	for _, tt := range tests {
		res := readBytes(t, "a.csv", []byte(tt.data), tt.opt)
		if CodeOf(res.err) != tt.code || res.sum.HeaderLine != tt.headerLine {
			t.Errorf("%s: err %v, header line %d; want %q, %d", tt.name, res.err, res.sum.HeaderLine, tt.code, tt.headerLine)
		}
		var got []string
		for _, r := range res.rows {
			got = append(got, r.Content)
		}
		if !reflect.DeepEqual(got, tt.contents) {
			t.Errorf("%s: contents %q, want %q", tt.name, got, tt.contents)
		}
	}
}

// TestCSVRowNumbers: a CSV row's number is the one Excel or WPS shows for
// it: quoted line breaks stay inside their row, blank lines are rows.
func TestCSVRowNumbers(t *testing.T) {
	for _, tc := range []struct {
		name, csv string
		rows      []int
		errs      []int
	}{
		{"plain", "标题,内容\n一,甲\n二,乙\n", []int{2, 3}, nil},
		{"quoted breaks", "标题,内容\n一,\"甲\n甲\n甲\"\n二,乙\n三,\"丙\r\n丙\"\n四,丁\n", []int{2, 3, 4, 5}, nil},
		{"blank line", "标题,内容\n\n一,甲\n二,\"乙\n乙\"\n\n三,丙\n", []int{3, 4, 6}, nil},
		{"rejected rows keep their numbers", "标题,内容,留言时间\n一,\"甲\n甲\",2024-01-02\n二,乙,三月四日\n三,丙,2024-01-03\n", []int{2, 4}, []int{3}},
	} {
		res := readBytes(t, "x.csv", []byte(tc.csv), Options{})
		if res.err != nil {
			t.Fatalf("%s: %v", tc.name, res.err)
		}
		var rows, errs []int
		for _, r := range res.rows {
			rows = append(rows, r.Line)
		}
		for _, e := range res.errs {
			errs = append(errs, e.Line)
		}
		if !reflect.DeepEqual(rows, tc.rows) || !reflect.DeepEqual(errs, tc.errs) {
			t.Errorf("%s: rows %v, errors %v; want %v, %v", tc.name, rows, errs, tc.rows, tc.errs)
		}
	}
}
