package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCrossCheckCommand imports a payment list and a death register as
// CSV files and runs the rules from the command line.
func TestCrossCheckCommand(t *testing.T) {
	data := t.TempDir()
	mustRun(t, "", "demo", "--data", data)
	dir := t.TempDir()
	write := func(name, body string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pays := write("发放名单.csv", "姓名,身份证号,补贴项目,金额,发放日期,乡镇,村\n"+
		"覃春兰,430802197500000014,农村低保,330,2026-02-10,城关镇,第一村\n"+
		"覃春兰,430802197500000022,农村低保,330,2026-02-10,城关镇,第一村\n"+
		"向秋菊,,高龄津贴,100,2026-02-10,城关镇,第二村\n")
	deaths := write("死亡名单.csv", "姓名,身份证号,村,死亡日期\n覃春兰,430802197500000014,第一村,2026-01-03\n向秋菊,,第二村,2025-12-01\n")
	out := mustRun(t, "", "crosscheck", "import", pays, "--kind", "payments", "--unit", "430802", "--data", data, "--json").stdout
	var sum struct {
		ListID    int64 `json:"list_id"`
		Imported  int   `json:"imported"`
		Duplicate bool  `json:"duplicate"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Imported != 3 || sum.ListID == 0 {
		t.Fatalf("import: %v %s", err, out)
	}
	out = mustRun(t, "", "crosscheck", "import", pays, "--kind", "payments", "--unit", "430802", "--data", data).stdout
	if !strings.Contains(out, "imported before") {
		t.Errorf("second import: %s", out)
	}
	mustRun(t, "", "crosscheck", "import", deaths, "--kind", "death", "--unit", "430802", "--data", data)
	out = mustRun(t, "", "crosscheck", "run", "--unit", "430802", "--data", data).stdout
	if !strings.Contains(out, "deceased: 2") || !strings.Contains(out, "覃春兰（第一村）农村低保 330.00元 2026-02-10  strong: id_number+date") ||
		!strings.Contains(out, "向秋菊（第二村）高龄津贴 100.00元 2026-02-10  weak: name+village+date") {
		t.Errorf("run:\n%s", out)
	}
}
