package importer

import (
	"bytes"
	"context"
	"slices"
	"testing"
)

func TestPreviewList(t *testing.T) {
	tests := []struct {
		name     string
		csv      string
		payments bool
		fields   []string
		missing  []string
		rows     int
	}{
		{"payment list with variants", "序号,领取人姓名,公民身份号码,补贴类别,发放金额（元）,发放时间,所属乡镇,行政村\n1,甲,x,低保,1,2026-01-01,镇,村\n2,乙,,低保,2,2026-01-01,镇,村\n",
			true, []string{"", "name", "id_number", "item", "amount", "date", "township", "village"}, nil, 2},
		{"payment list lacking columns", "姓名,金额\n甲,1\n", true, []string{"name", "amount"},
			[]string{"id_number", "item", "date", "township", "village"}, 1},
		{"reference list", "姓名,身份证号,村,死亡日期,关系\n甲,1,村,2026-01-01,父子\n", false,
			[]string{"name", "id_number", "village", "date", "note"}, nil, 1},
		{"more rows than the preview", "姓名,身份证号,村\n" + "甲,1,村\n甲,1,村\n甲,1,村\n甲,1,村\n甲,1,村\n甲,1,村\n甲,1,村\n", false,
			[]string{"name", "id_number", "village"}, nil, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pv, err := PreviewList(context.Background(), "l.csv", bytes.NewReader([]byte(tt.csv)), int64(len(tt.csv)), tt.payments, 5, CrossCheckOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(pv.Fields, tt.fields) || !slices.Equal(pv.Missing, tt.missing) || len(pv.Rows) != tt.rows || pv.Format != "csv" {
				t.Errorf("got fields %q missing %q rows %d format %q", pv.Fields, pv.Missing, len(pv.Rows), pv.Format)
			}
		})
	}
	if _, err := PreviewList(context.Background(), "e.csv", bytes.NewReader(nil), 0, true, 5, CrossCheckOptions{}); CodeOf(err) != CodeEmptyFile {
		t.Errorf("empty file: %v", err)
	}
}

func FuzzPreviewList(f *testing.F) {
	f.Add([]byte("姓名,身份证号,补贴项目,金额,发放日期,乡镇,村\n甲,430802197500000014,低保,330,2026-01-10,镇,村\n"), true)
	f.Add([]byte("姓名,身份证号,村\n\"a\nb\",1\n"), false)
	f.Add([]byte("\xEF\xBB\xBF*姓名（全名）\t身份证\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, payments bool) {
		pv, err := PreviewList(context.Background(), "f.csv", bytes.NewReader(data), int64(len(data)), payments, 5, CrossCheckOptions{MaxRows: 50})
		if err != nil {
			if CodeOf(err) == "" {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		if len(pv.Fields) != len(pv.Header) || len(pv.Rows) > 5 {
			t.Fatalf("fields %d for %d header cells, %d rows", len(pv.Fields), len(pv.Header), len(pv.Rows))
		}
	})
}
