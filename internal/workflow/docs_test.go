package workflow_test

import (
	"os"
	"testing"

	"qingfeng/internal/casework"
	"qingfeng/internal/clue"
	"qingfeng/internal/intake"
	"qingfeng/internal/monitor"
	"qingfeng/internal/oversight"
	"qingfeng/internal/push"
	"qingfeng/internal/workflow"
)

// tables are every workflow's transition table, in the order of the docs.
// A new workflow adds its table here.
func tables() []workflow.Table {
	return []workflow.Table{
		intake.Table(),
		clue.Table(),
		casework.Table(),
		oversight.DemandTable(),
		oversight.RectTable(),
		oversight.TaskTable(),
		monitor.AlertTable(),
		push.Table(),
	}
}

// TestDiagramsCurrent keeps docs/workflows.md generated from the tables:
// run with QINGFENG_UPDATE_DOCS=1 to rewrite it.
func TestDiagramsCurrent(t *testing.T) {
	const path = "../../docs/workflows.md"
	want := workflow.Doc(tables()...)
	if os.Getenv("QINGFENG_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Errorf("docs/workflows.md is not the diagram of the current tables; run QINGFENG_UPDATE_DOCS=1 go test ./internal/workflow (err %v)", err)
	}
}

// TestTablesWellFormed checks every table: each row's states and each end
// state are reachable from the start, every row names a permission, and no
// row appears twice.
func TestTablesWellFormed(t *testing.T) {
	for _, tb := range tables() {
		reach := map[string]bool{tb.Start: true}
		for changed := true; changed; {
			changed = false
			for _, r := range tb.Rows {
				if reach[r.From] && !reach[r.To] {
					reach[r.To], changed = true, true
				}
			}
		}
		seen := map[[3]string]bool{}
		for _, r := range tb.Rows {
			if !reach[r.From] {
				t.Errorf("%s: state %q is not reachable from %q", tb.Name, r.From, tb.Start)
			}
			if r.Perm == "" {
				t.Errorf("%s: %s --%s--> %s names no permission", tb.Name, r.From, r.Op, r.To)
			}
			k := [3]string{r.From, r.Op, r.To}
			if seen[k] {
				t.Errorf("%s: %s --%s--> %s twice", tb.Name, r.From, r.Op, r.To)
			}
			seen[k] = true
		}
		for _, f := range tb.Final {
			if !reach[f] {
				t.Errorf("%s: end state %q is not reachable", tb.Name, f)
			}
		}
	}
}
