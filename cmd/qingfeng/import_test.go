package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// writeHotlineXLSX writes a small 12345 work-order export with excelize's
// StreamWriter: four orders, the third without content (sheet row 4).
func writeHotlineXLSX(t *testing.T, path string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"工单编号", "诉求标题", "诉求内容", "来电时间", "来电人", "联系电话", "办理结果"},
		{"CLI-001", "天门山镇某村低保评定不公", "反映某村村干部优亲厚友，将不符合条件的亲属纳入低保。", "2026-03-10 09:15:00", "王五", "13900139000", "已核查处理。"},
		{"CLI-002", "", "反映某街道工作人员上班时间打牌，群众办事找不到人。", "2026-03-11 14:20", "", "", ""},
		{"CLI-003", "", "", "2026-03-12", "赵六", "", ""},
		{"CLI-004", "危房改造资金被截留", "某村危房改造补助资金未足额发放到户。", "2026/3/13 10:30", "钱七", "0744-8888888", ""},
	}
	for i, r := range rows {
		if err := sw.SetRow("A"+strconv.Itoa(i+1), r); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// importJSON is the --json summary of `qingfeng import reports`.
type importJSON struct {
	Format     string `json:"format"`
	Rows       int    `json:"rows"`
	Imported   int    `json:"imported"`
	Existing   int    `json:"existing"`
	Duplicates int    `json:"duplicates"`
	Rejected   int    `json:"rejected"`
	Errors     []struct {
		Line   int
		Reason string
	} `json:"errors"`
	Mapping map[string]string `json:"mapping"`
}

func TestImportReportsCommand(t *testing.T) {
	data := t.TempDir()
	mustRun(t, "", "demo", "--data", data)
	file := filepath.Join(t.TempDir(), "12345工单.xlsx")
	writeHotlineXLSX(t, file)

	type counts struct{ rows, imported, existing, duplicates, rejected int }
	for i, want := range []counts{
		{rows: 4, imported: 3, rejected: 1},
		{rows: 4, existing: 3, rejected: 1}, // the second run adds nothing
	} {
		r := mustRun(t, "", "import", "reports", file, "--unit", "430802", "--json", "--data", data)
		var sum importJSON
		if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
			t.Fatalf("run %d: stdout is not the JSON summary: %v\n%s", i+1, err, r.stdout)
		}
		got := counts{sum.Rows, sum.Imported, sum.Existing, sum.Duplicates, sum.Rejected}
		if got != want || sum.Format != "xlsx" {
			t.Errorf("run %d: %s %+v, want xlsx %+v\n%s", i+1, sum.Format, got, want, r.stdout)
		}
		if sum.Existing+sum.Imported+sum.Rejected != sum.Rows {
			t.Errorf("run %d: imported+existing+rejected != rows: %+v", i+1, sum)
		}
		if len(sum.Errors) != 1 || sum.Errors[0].Line != 4 || sum.Errors[0].Reason != "no_content" {
			t.Errorf("run %d: errors %+v, want row 4 no_content", i+1, sum.Errors)
		}
		if sum.Mapping["content"] != "诉求内容" || sum.Mapping["external_id"] != "工单编号" {
			t.Errorf("run %d: mapping %v", i+1, sum.Mapping)
		}
		// The JSON names are part of the command-line contract.
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"format", "rows", "imported", "existing", "duplicates", "rejected", "errors", "mapping"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("run %d: the summary lacks %q: %s", i+1, k, r.stdout)
			}
		}
	}

	// Without --json: one line of counts and the rejected rows.
	r := mustRun(t, "", "import", "reports", file, "--unit", "430802", "--data", data)
	if !strings.Contains(r.stdout, "xlsx into 永定区纪委监委: 4 rows, 0 imported, 3 already present") ||
		!strings.Contains(r.stdout, "row 4: no_content") {
		t.Errorf("text summary:\n%s", r.stdout)
	}

	// Refusals.
	xls := filepath.Join(t.TempDir(), "old.xls")
	if err := os.WriteFile(xls, append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		want  string
		usage bool
	}{
		// The code and a sentence from the message catalogue, not the bare key.
		{"legacy xls", []string{"import", "reports", xls, "--unit", "430802", "--data", data}, "invalid: ", false},
		{"unknown unit", []string{"import", "reports", file, "--unit", "999999", "--data", data}, "--unit 999999: no such unit", false},
		{"no unit", []string{"import", "reports", file, "--data", data}, "usage: qingfeng import reports", true},
		{"no file", []string{"import", "reports", "--unit", "430802", "--data", data}, "usage: qingfeng import reports", true},
		{"missing file", []string{"import", "reports", filepath.Join(data, "nope.xlsx"), "--unit", "430802", "--data", data}, "nope.xlsx", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", tc.args...)
			if r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", r.err, tc.want)
			}
			if got := exitCode(r.err); (got == 2) != tc.usage {
				t.Errorf("exit code %d (usage error %v)", got, tc.usage)
			}
			if strings.Contains(r.err.Error(), "invalid: import.") {
				t.Errorf("error %q shows a message key: the i18n catalogue lacks it", r.err)
			}
		})
	}
}
