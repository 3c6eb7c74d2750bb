package importer

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestReadTable(t *testing.T) {
	xlsx := writeXLSX(t, func(f *excelize.File, sheet string) {
		rows := [][]any{{"姓名", "身份证号", "金额", "日期"}, {"张三", "11010519491231002X", 120.5, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
			{}, {"李四", "", "80", "2026-03-02"}}
		for i, r := range rows {
			for j, v := range r {
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				if err := f.SetCellValue(sheet, cell, v); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
	csv := []byte("\xef\xbb\xbf姓名,身份证号,金额,日期\n张三,11010519491231002X,120.5,2026-03-01\n\n李四,,80,2026-03-02\n")
	tests := []struct {
		name, file string
		data       []byte
		opt        TableOptions
		wantFormat string
		wantLines  []int
		wantCode   string
	}{
		{"xlsx", "p.xlsx", xlsx, TableOptions{}, "xlsx", []int{1, 2, 4}, ""},
		{"csv", "p.csv", csv, TableOptions{}, "csv", []int{1, 2, 4}, ""},
		{"too many rows", "p.csv", csv, TableOptions{MaxRows: 2}, "", nil, CodeTooManyRows},
		{"too large", "p.csv", csv, TableOptions{MaxBytes: 10}, "", nil, CodeTooLarge},
		{"empty", "p.csv", nil, TableOptions{}, "", nil, CodeEmptyFile},
		{"legacy xls", "p.xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...), TableOptions{}, "", nil, CodeXLSUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lines []int
			var first [][]string
			format, err := ReadTable(context.Background(), tt.file, bytes.NewReader(tt.data), int64(len(tt.data)), tt.opt,
				func(line int, cells []string, date1904 bool) error {
					lines = append(lines, line)
					first = append(first, append([]string(nil), cells...))
					if date1904 {
						t.Errorf("date1904 on a default workbook")
					}
					return nil
				})
			if tt.wantCode != "" {
				if CodeOf(err) != tt.wantCode {
					t.Fatalf("err = %v, want code %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if format != tt.wantFormat || len(lines) != len(tt.wantLines) {
				t.Fatalf("format %q lines %v, want %q %v", format, lines, tt.wantFormat, tt.wantLines)
			}
			for i := range lines {
				if lines[i] != tt.wantLines[i] {
					t.Fatalf("lines %v, want %v", lines, tt.wantLines)
				}
			}
			if strings.Join(first[0], "|") != "姓名|身份证号|金额|日期" || first[1][0] != "张三" || first[1][1] != "11010519491231002X" || first[2][0] != "李四" {
				t.Fatalf("records %q", first)
			}
		})
	}
}
