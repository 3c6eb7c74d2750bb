package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStatsCommand(t *testing.T) {
	data := t.TempDir()
	mustRun(t, "", "demo", "--data", data)
	file := filepath.Join(t.TempDir(), "案件台账.csv")
	if err := os.WriteFile(file, []byte(caseLedgerCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "", "import", "cases", file, "--unit", "430802", "--data", data)

	r := mustRun(t, "", "stats", "bulletin", "--unit", "430802", "--from", "2023-01-01", "--to", "2023-12-31", "--data", data)
	want := "2023年，永定区纪委监委共查办案件2件，给予党纪政务处分2人，采取留置措施1人，追缴资金1.20万元，退还群众资金0.20万元。"
	if !strings.HasPrefix(r.stdout, want) {
		t.Errorf("bulletin\n got %s\nwant %s", r.stdout, want)
	}
	r = mustRun(t, "", "stats", "summary", "--unit", "430802", "--from", "2023-01-01", "--to", "2023-12-31", "--json", "--data", data)
	var s struct {
		CasesFiled        int            `json:"cases_filed"`
		PersonsSanctioned int            `json:"persons_sanctioned"`
		PersonsDetained   int            `json:"persons_detained"`
		FundsRecoveredFen int64          `json:"funds_recovered_fen"`
		FourForms         map[string]int `json:"four_forms"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if s.CasesFiled != 2 || s.PersonsSanctioned != 2 || s.PersonsDetained != 1 || s.FundsRecoveredFen != 1200100 ||
		s.FourForms["1"] != 1 || s.FourForms["2"] != 2 {
		t.Errorf("summary %+v", s)
	}
	r = mustRun(t, "", "stats", "summary", "--unit", "430802", "--from", "2023-01-01", "--to", "2023-12-31", "--data", data)
	if !strings.Contains(r.stdout, "cases filed / closed") || !strings.Contains(r.stdout, "2 / 2") {
		t.Errorf("text summary:\n%s", r.stdout)
	}

	for _, tt := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"stats"}, 2, "usage: qingfeng stats"},
		{[]string{"stats", "summary", "--data", data}, 2, "usage: qingfeng stats"},
		{[]string{"stats", "summary", "--unit", "430802", "--from", "2023-13-01", "--data", data}, 1, "from: Dates are written YYYY-MM-DD"},
		{[]string{"stats", "bulletin", "--unit", "999999", "--data", data}, 1, "not_found"},
	} {
		r := runCLI(t, "", tt.args...)
		if r.err == nil || exitCode(r.err) != tt.code || !strings.Contains(r.err.Error(), tt.msg) {
			t.Errorf("%v: %v", tt.args, r.err)
		}
	}
}
