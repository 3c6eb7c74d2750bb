package importer

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"qingfeng/internal/casework"
)

func ledgerData(t testing.TB) casework.Data {
	t.Helper()
	d, err := casework.LoadData()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

const ledgerHeader = "案件编号,立案日期,承办单位,被审查调查人,职务,人员类别,党纪处分,政务处分,组织处理,第一种形态,是否留置,移送司法,追缴资金(元),退还群众资金(元),结案日期,案由\n"

func readLedgerCSV(t *testing.T, body string) Ledger {
	t.Helper()
	data := []byte(ledgerHeader + body)
	l, err := ReadCaseLedger(context.Background(), "l.csv", bytes.NewReader(data), int64(len(data)), LedgerOptions{}, ledgerData(t))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestParseFen(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"", 0, true}, {"0", 0, true}, {"1,234.50", 123450, true}, {"4,778,700.00", 477870000, true}, {"12.3", 1230, true},
		{"80元", 8000, true}, {"￥80", 8000, true}, {"１２.５", 1250, true}, {" 7 ", 700, true}, {".5", 50, true},
		{"1234.5500000000002", 123455, true}, {"0.29999999999999999", 30, true}, {"0.1", 10, true},
		{"1.234", 0, false}, {"-5", 0, false}, {"abc", 0, false}, {".", 0, false}, {"1e5", 0, false}, {"1.2.3", 0, false},
		{"10000000000000000", 0, false}, {"1000000000000.01", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseFen(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseFen(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseLabels(t *testing.T) {
	tests := []struct {
		in     string
		labels []label
		want   string
		ok     bool
	}{
		{"停职检查、免职", orgLabels(), "suspension,removal", true},
		{"调整职务，降职", orgLabels(), "adjustment,demotion", true},
		{"在民主生活会（组织生活会）上作出检查、接受批评帮助", firstLabels(), "life_meeting", true},
		{"诫勉、责令纠正（停止）违纪行为", firstLabels(), "admonish,stop", true},
		{"通报批评", firstLabels(), "circulated", true},
		{"批评教育 、 提醒谈话", firstLabels(), "criticism,reminder_talk", true},
		{"罚款", orgLabels(), "", false},
		{"免职罚款", orgLabels(), "", false},
	}
	for _, tt := range tests {
		got, ok := parseLabels(tt.in, tt.labels)
		if strings.Join(got, ",") != tt.want && tt.ok || ok != tt.ok {
			t.Errorf("parseLabels(%q) = %v, %v; want %s, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseCategory(t *testing.T) {
	d := ledgerData(t)
	tests := []struct {
		in     string
		cat    string
		member bool
		ok     bool
	}{
		{"中共党员", "party_member", true, true}, {"党员", "party_member", true, true}, {"公职人员", "civil_servant", false, true},
		{"村干部、中共党员", "village_cadre", true, true}, {"村（社区）干部", "village_cadre", false, true},
		{"中共党员，公职人员", "civil_servant", true, true}, {"国有企业管理人员", "soe_manager", false, true},
		{"基层群众性自治组织中从事管理的人员（村、社区干部）", "village_cadre", false, true},
		{"村干部、公职人员", "", false, false}, {"农民", "", false, false},
	}
	for _, tt := range tests {
		cat, member, ok := parseCategory(tt.in, d)
		if cat != tt.cat || member != tt.member || ok != tt.ok {
			t.Errorf("parseCategory(%q) = %q %v %v; want %q %v %v", tt.in, cat, member, ok, tt.cat, tt.member, tt.ok)
		}
	}
}

func TestReadCaseLedger(t *testing.T) {
	l := readLedgerCSV(t, ""+
		"永纪案〔2024〕1号,2024-03-05,,张某,村支书,\"村干部、中共党员\",严重警告,,,,否,否,\"1,234.50\",234.50,2024年6月30日,违规发放补贴\n"+
		"永纪案〔2024〕1号,2024/3/5,,李某,村会计,村干部,,记大过,,,是,否,100,,2024-06-30,违规发放补贴\n"+
		"永纪案〔2024〕2号,2024-04-01,,王某,科员,公职人员,,,,诫勉,,,,,2024-05-01,违规吃喝\n"+
		"永纪案〔2024〕3号,2024-04-01,,赵某,村主任,村干部,,降级,,,否,否,,,2024-05-01,侵占集体资金\n"+
		"永纪案〔2024〕4号,2024-04-01,,钱某,局长,\"公职人员、中共党员\",开除党籍,开除,,,是,是,\"4,778,700.00\",,2024-09-01,受贿\n"+
		"永纪案〔2024〕4号,2024-04-02,,孙某,科长,公职人员,,撤职,,,否,否,,,2024-09-01,受贿\n"+
		"永纪案〔2024〕5号,2024-04-01,,周某,科员,公职人员,留党察看,,,,否,否,,,,玩忽职守\n")
	if l.Format != "csv" || l.Rows != 7 {
		t.Fatalf("format %q rows %d", l.Format, l.Rows)
	}
	type errKey struct {
		line int
		col  LedgerColumn
		code string
	}
	var got []errKey
	for _, e := range l.Errors {
		got = append(got, errKey{e.Line, e.Column, e.Code})
	}
	want := []errKey{
		{5, ColGov, "case.sanction_not_allowed"},
		{7, ColFiledAt, "caseimport.case_field_conflict"},
		{8, ColClosedAt, "caseimport.closed_required"},
		{8, ColParty, "caseimport.probation_years"},
	}
	if len(got) != len(want) {
		t.Fatalf("errors %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("error %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if bc := l.BadCases(); !bc["永纪案〔2024〕3号"] || !bc["永纪案〔2024〕4号"] || bc["永纪案〔2024〕1号"] {
		t.Errorf("bad cases %v", bc)
	}
	if len(l.Valid) != 4 {
		t.Fatalf("valid rows %d, want 4", len(l.Valid))
	}
	zhang := l.Valid[0]
	if zhang.Subject.Category != "village_cadre" || !zhang.Subject.PartyMember || zhang.Subject.Rank != "village" ||
		zhang.Outcome.Party != casework.PartySeriousWarning || zhang.Outcome.RecoveredFen != 123450 || zhang.Outcome.ReturnedFen != 23450 ||
		zhang.Form != casework.FormSecond || zhang.Detained {
		t.Errorf("row 2: %+v", zhang)
	}
	if want := time.Date(2024, 6, 30, 0, 0, 0, 0, shanghai()); !zhang.ClosedAt.Equal(want) || !zhang.Outcome.DecidedAt.Equal(want) {
		t.Errorf("closed %v", zhang.ClosedAt)
	}
	if li := l.Valid[1]; li.Outcome.Gov != casework.GovMajorDemerit || !li.Detained || li.Outcome.RecoveredFen != 10000 {
		t.Errorf("row 3: %+v", li)
	}
	if wang := l.Valid[2]; wang.Form != casework.FormFirst || len(wang.Outcome.First) != 1 || wang.Outcome.First[0] != casework.FirstAdmonish {
		t.Errorf("row 4: %+v", wang)
	}
	if qian := l.Valid[3]; qian.Form != casework.FormFourth || !qian.Outcome.Transferred || qian.Outcome.RecoveredFen != 477870000 {
		t.Errorf("row 6: %+v", qian)
	}
}

func TestReadCaseLedgerHeaders(t *testing.T) {
	d := ledgerData(t)
	// Columns in another order, with spaces and full-width parentheses.
	f := excelize.NewFile()
	defer f.Close()
	rows := [][]any{
		{"案由", " 案件编号 ", "被审查调查人", "立案日期", "结案日期", "追缴资金（元）", "退还群众资金（元）", "承办单位", "职务", "人员类别",
			"党纪处分", "政务处分", "组织处理", "第一种形态", "是否留置", "移送司法"},
		{"违规吃喝", "X-1", "吴某", time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), "2024-04-01", 1234.5, 0, "", "科员", "中共党员",
			"警告", "", "", "", "N", "0"},
	}
	for i, r := range rows {
		if err := f.SetSheetRow("Sheet1", "A"+string(rune('1'+i)), &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	l, err := ReadCaseLedger(context.Background(), "l.xlsx", bytes.NewReader(buf.Bytes()), int64(buf.Len()), LedgerOptions{}, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Errors) != 0 || len(l.Valid) != 1 {
		t.Fatalf("errors %+v valid %d", l.Errors, len(l.Valid))
	}
	r := l.Valid[0]
	if r.CaseNumber != "X-1" || r.Outcome.RecoveredFen != 123450 || r.FiledAt.Format("2006-01-02") != "2024-03-05" ||
		r.Subject.Category != "party_member" || r.Outcome.Party != casework.PartyWarning {
		t.Errorf("row %+v", r)
	}

	// Missing columns are named.
	data := []byte("案件编号,立案日期,被审查调查人\nA,2024-01-01,张某\n")
	_, err = ReadCaseLedger(context.Background(), "l.csv", bytes.NewReader(data), int64(len(data)), LedgerOptions{}, d)
	if CodeOf(err) != CodeMissingColumns || !strings.Contains(err.Error(), "承办单位") || !strings.Contains(err.Error(), "追缴资金(元)") {
		t.Errorf("err = %v", err)
	}
	// Too many rows.
	data = []byte(ledgerHeader + strings.Repeat("A,2024-01-01,,张某,,中共党员,警告,,,,,,,,2024-02-01,x\n", 3))
	_, err = ReadCaseLedger(context.Background(), "l.csv", bytes.NewReader(data), int64(len(data)), LedgerOptions{MaxRows: 2}, d)
	if CodeOf(err) != CodeTooManyRows {
		t.Errorf("err = %v, want too many rows", err)
	}
}

func FuzzCaseLedger(f *testing.F) {
	d := ledgerData(f)
	f.Add([]byte(ledgerHeader + "A1,2024-03-05,,张某,村支书,\"村干部、中共党员\",留党察看一年,记过,免职、停职检查,诫勉,是,否,\"1,234.50\",1.5,2024-06-30,x\n"))
	f.Add([]byte(ledgerHeader + "A1,45000,永定区,李,,党员,开除党籍,,,,√,1,99999999999999.99,.,2024/3/5,y\nA1,45001,,王,,,,,,,,,,,,\n"))
	f.Add([]byte("案件编号\n1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ReadCaseLedger(context.Background(), "f.csv", bytes.NewReader(data), int64(len(data)), LedgerOptions{MaxRows: 200}, d)
		if err != nil {
			if CodeOf(err) == "" {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		if len(l.Valid) > l.Rows {
			t.Fatalf("%d valid rows of %d", len(l.Valid), l.Rows)
		}
		bad := l.BadCases()
		for _, r := range l.Valid {
			if r.Outcome.ReturnedFen > r.Outcome.FundsFen() || r.Outcome.Empty() || r.ClosedAt.Before(r.FiledAt) {
				t.Fatalf("invalid row accepted: %+v", r)
			}
			if r.Form != casework.FormOf(r.Outcome).Form {
				t.Fatalf("form %d", r.Form)
			}
			_ = bad[r.CaseNumber]
		}
	})
}
