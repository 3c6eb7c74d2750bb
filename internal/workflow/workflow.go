// Package workflow is the common shape of the transition tables that drive
// every workflow (report, clue, case, task, rectification, alert, ...):
// state, action, next state, permission, guard. Domain packages keep their
// own typed tables and convert them to a Table for documentation; the docs
// test renders every table as a Mermaid state diagram in docs/workflows.md.
// The package is pure.
package workflow

import (
	"fmt"
	"sort"
	"strings"

	"qingfeng/internal/auth"
)

// Transition is one row: in state From, action Op leads to To for holders
// of Perm, when Guard (a precondition the service checks, in words) holds.
type Transition struct {
	From, Op, To string
	Perm         auth.Permission
	Guard        string
}

// Table is a workflow's transition table with its entry state and end
// states, named for the docs (Title is Chinese and English).
type Table struct {
	Name  string // code, e.g. "clue"
	Title string // e.g. "Clue (问题线索)"
	Start string // the state a new record starts in
	Final []string
	Rows  []Transition
}

// Next returns the rows allowed from a state for an action.
func (t Table) Next(from, op string) []Transition {
	var out []Transition
	for _, r := range t.Rows {
		if r.From == from && r.Op == op {
			out = append(out, r)
		}
	}
	return out
}

// States returns every state named in the table, sorted.
func (t Table) States() []string {
	seen := map[string]bool{t.Start: true}
	for _, r := range t.Rows {
		seen[r.From], seen[r.To] = true, true
	}
	for _, f := range t.Final {
		seen[f] = true
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Mermaid renders the table as a Mermaid state diagram.
func (t Table) Mermaid() string {
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	fmt.Fprintf(&b, "    [*] --> %s\n", t.Start)
	rows := append([]Transition(nil), t.Rows...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].From < rows[j].From })
	for _, r := range rows {
		guard := ""
		if r.Guard != "" {
			guard = "; " + r.Guard
		}
		fmt.Fprintf(&b, "    %s --> %s: %s (%s%s)\n", r.From, r.To, r.Op, r.Perm, guard)
	}
	for _, f := range t.Final {
		fmt.Fprintf(&b, "    %s --> [*]\n", f)
	}
	return b.String()
}

// Doc renders docs/workflows.md from the tables, in the given order.
func Doc(tables ...Table) string {
	var b strings.Builder
	b.WriteString("# Workflows\n\nGenerated from the transition tables by `QINGFENG_UPDATE_DOCS=1 go test ./internal/workflow`; do not edit by hand.\n")
	for _, t := range tables {
		fmt.Fprintf(&b, "\n## %s\n\n```mermaid\n%s```\n", t.Title, t.Mermaid())
	}
	return b.String()
}
