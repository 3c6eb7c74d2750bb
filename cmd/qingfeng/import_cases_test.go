package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// caseLedgerCSV is a small case ledger: two cases, three people.
const caseLedgerCSV = "案件编号,立案日期,承办单位,被审查调查人,职务,人员类别,党纪处分,政务处分,组织处理,第一种形态,是否留置,移送司法,追缴资金（元）,退还群众资金（元）,结案日期,案由\n" +
	"历史-2023-001,2023-02-01,,张某,村支书,\"村干部、中共党员\",警告,,,,否,否,\"12,000.50\",2000,2023-05-01,优亲厚友\n" +
	"历史-2023-001,2023-02-01,,李某,村主任,村干部,,记过,,,是,否,0.5,,2023-05-01,优亲厚友\n" +
	"历史-2023-002,2023-03-01,430802,王某,科员,公职人员,,,,提醒谈话,,,,,2023-04-01,违规吃喝\n"

// caseImportJSON is the --json summary of `qingfeng import cases`.
type caseImportJSON struct {
	Format          string   `json:"format"`
	Rows            int      `json:"rows"`
	Cases           int      `json:"cases"`
	CasesCreated    int      `json:"cases_created"`
	SubjectsCreated int      `json:"subjects_created"`
	Skipped         int      `json:"skipped"`
	Duplicates      []string `json:"duplicates"`
	Rejected        int      `json:"rejected"`
	Errors          []struct {
		Row     int    `json:"row"`
		Column  string `json:"column"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
	Totals struct {
		Sanctioned    int    `json:"sanctioned"`
		Detained      int    `json:"detained"`
		RecoveredFen  int64  `json:"recovered_fen"`
		RecoveredYuan string `json:"recovered_yuan"`
		Forms         struct {
			First, Second int
		} `json:"forms"`
	} `json:"totals"`
	Written bool `json:"written"`
}

func TestImportCasesCommand(t *testing.T) {
	data := t.TempDir()
	mustRun(t, "", "demo", "--data", data)
	file := filepath.Join(t.TempDir(), "案件台账.csv")
	if err := os.WriteFile(file, []byte(caseLedgerCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	decode := func(out string) caseImportJSON {
		t.Helper()
		var sum caseImportJSON
		if err := json.Unmarshal([]byte(out), &sum); err != nil {
			t.Fatalf("stdout is not the JSON summary: %v\n%s", err, out)
		}
		return sum
	}

	r := mustRun(t, "", "import", "cases", file, "--unit", "430802", "--json", "--data", data)
	sum := decode(r.stdout)
	if sum.Format != "csv" || sum.Rows != 3 || sum.Cases != 2 || sum.CasesCreated != 2 || sum.SubjectsCreated != 3 || !sum.Written ||
		sum.Totals.Sanctioned != 2 || sum.Totals.Detained != 1 || sum.Totals.RecoveredFen != 1200100 || sum.Totals.RecoveredYuan != "12001.00" ||
		sum.Totals.Forms.First != 1 || sum.Totals.Forms.Second != 2 {
		t.Fatalf("first import: %+v", sum)
	}

	// Again, all or nothing: refused (exit code 1), nothing written.
	r = runCLI(t, "", "import", "cases", file, "--unit", "430802", "--json", "--data", data)
	if r.err == nil || exitCode(r.err) != 1 {
		t.Fatalf("second import: err %v", r.err)
	}
	sum = decode(r.stdout)
	if sum.Written || len(sum.Duplicates) != 2 || len(sum.Errors) != 3 || sum.Errors[0].Code != "caseimport.duplicate_case" ||
		!strings.Contains(sum.Errors[0].Message, "已在本单位案件台账中") {
		t.Fatalf("second import: %+v", sum)
	}
	// With --valid-only the duplicates are skipped and the run succeeds.
	r = mustRun(t, "", "import", "cases", file, "--unit", "430802", "--valid-only", "--data", data)
	if !strings.Contains(r.stdout, "0 cases and 0 people written, 2 cases skipped") || !strings.Contains(r.stdout, "already in the ledger: 历史-2023-001") {
		t.Fatalf("text summary:\n%s", r.stdout)
	}

	// A bad row: the row number, the column and the reason.
	bad := filepath.Join(t.TempDir(), "bad.csv")
	body := strings.Replace(caseLedgerCSV, "历史-2023-002", "历史-2023-003", 1) + "历史-2023-004,2023-03-01,,赵某,村会计,村干部,,降级,,,,,,,2023-04-01,挪用\n"
	if err := os.WriteFile(bad, []byte(strings.Replace(body, "历史-2023-001", "历史-2023-005", 2)), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, "", "import", "cases", bad, "--unit", "430802", "--data", data)
	if r.err == nil || !strings.Contains(r.stdout, "row 5: 政务处分") {
		t.Fatalf("bad file: %v\n%s", r.err, r.stdout)
	}
	r = mustRun(t, "", "import", "cases", bad, "--unit", "430802", "--dry-run", "--valid-only", "--json", "--data", data)
	if sum = decode(r.stdout); sum.Written || sum.Skipped != 1 || sum.Rejected != 1 || sum.Errors[0].Row != 5 {
		t.Fatalf("dry run: %+v", sum)
	}

	// Usage errors.
	for _, args := range [][]string{{"import", "cases", file, "--data", data}, {"import", "cases", "--unit", "430802", "--data", data}} {
		if r := runCLI(t, "", args...); exitCode(r.err) != 2 || !strings.Contains(r.err.Error(), "usage: qingfeng import cases") {
			t.Errorf("%v: %v", args, r.err)
		}
	}
}
