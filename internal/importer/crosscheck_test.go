package importer

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"qingfeng/internal/monitor"
)

func TestReadPaymentsCSV(t *testing.T) {
	const id = "430822196000000011" // not a valid check digit: kept as written
	csv := "序号,领取人姓名,公民身份号码,资金项目,发放金额（元）,发放时间,乡镇（街道）,村(社区)\n" +
		"1,李四," + id + ",农村低保,\"1,234.50\",2024/3/5,城关镇,桃源村\n" +
		"2,,430822196000000011,农村低保,abc,2024-13-01,城关镇,桃源村\n" +
		"3,王五,,城市低保,80元,2024年3月,城关镇,杏花村\n"
	var got []monitor.Payment
	res, err := ReadPayments(context.Background(), "list.csv", strings.NewReader(csv), int64(len(csv)), "三月", CrossCheckOptions{Loc: time.UTC},
		func(p monitor.Payment) error {
			got = append(got, p)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "csv" || res.Rows != 3 || res.Good != 2 || res.Rejected != 1 {
		t.Fatalf("result = %+v", res)
	}
	if e := res.Errors[0]; e.Line != 3 || strings.Join(e.Fields, ",") != "name,amount,date" {
		t.Errorf("rejected = %+v", e)
	}
	if len(got) != 2 || got[0].Name != "李四" || got[0].IDNumber != id || got[0].AmountFen != 123450 ||
		!got[0].Date.Equal(time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)) || got[0].List != "三月" || got[0].Line != 2 ||
		got[1].Village != "杏花村" || got[1].AmountFen != 8000 || got[1].Date.Day() != 1 {
		t.Errorf("payments = %+v", got)
	}
}

func TestReadPaymentsMissingColumns(t *testing.T) {
	csv := "姓名,金额\n李四,80\n"
	_, err := ReadPayments(context.Background(), "list.csv", strings.NewReader(csv), int64(len(csv)), "l", CrossCheckOptions{},
		func(monitor.Payment) error { return nil })
	if CodeOf(err) != CodeMissingColumns || !strings.Contains(err.Error(), "身份证号、补贴项目、发放日期、乡镇、村") {
		t.Fatalf("err = %v", err)
	}
}

func TestReadReferencesXLSX(t *testing.T) {
	data := writeXLSX(t, func(f *excelize.File, sheet string) {
		rows := [][]any{
			{"姓名", "身份证号码", "所在村", "死亡日期", "备注"},
			{"李四", "43082219600000001X", "桃源村", time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC), "火化"},
			{"", "", "桃源村", "", ""},
			{"王五", "", "杏花村", "", ""},
		}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(sheet, cell, &r); err != nil {
				t.Fatal(err)
			}
		}
	})
	var got []monitor.Reference
	res, err := ReadReferences(context.Background(), "deaths.xlsx", bytes.NewReader(data), int64(len(data)), monitor.RefDeath,
		CrossCheckOptions{Loc: time.UTC}, func(r monitor.Reference) error {
			got = append(got, r)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "xlsx" || res.Good != 2 || res.Rejected != 1 {
		t.Fatalf("result = %+v", res)
	}
	if got[0].Kind != monitor.RefDeath || got[0].Name != "李四" || got[0].Note != "火化" ||
		got[0].Date.Format("2006-01-02") != "2024-01-10" || !got[1].Date.IsZero() {
		t.Errorf("references = %+v", got)
	}
}

func TestShift1904(t *testing.T) {
	cells := []string{"x", "43894"}
	shift1904(cells, 1)
	d, ok := monitor.ParseDate(cells[1], time.UTC)
	if !ok || d.Format("2006-01-02") != "2024-03-05" {
		t.Errorf("1904 serial 43894 = %v, %v", d, ok)
	}
	shift1904(cells, 5) // out of range: no change
	text := []string{"2024-03-05"}
	shift1904(text, 0)
	if cells[1] != "45356" || text[0] != "2024-03-05" {
		t.Errorf("cells = %q, %q", cells, text)
	}
}
