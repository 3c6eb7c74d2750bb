package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"qingfeng/internal/app"
	"qingfeng/internal/auth"
	"qingfeng/internal/monitor"
	"qingfeng/internal/store"
)

// cmdCrossCheck: qingfeng crosscheck import|run (subsidy cross-checks, 大数据比对).
func cmdCrossCheck(ctx context.Context, e env, args []string) error {
	const use = "usage: qingfeng crosscheck import FILE --kind payments|" + "death|public_employee|relative|vehicle|property|business|disability" +
		" --unit UNIT [--json]\n       qingfeng crosscheck run --unit UNIT [--json]"
	if len(args) == 0 {
		return usageError{use}
	}
	switch args[0] {
	case "import":
		return cmdCrossCheckImport(ctx, e, args[1:], use)
	case "run":
		return cmdCrossCheckRun(ctx, e, args[1:], use)
	}
	return usageError{use}
}

func cmdCrossCheckImport(ctx context.Context, e env, args []string, use string) error {
	var file string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		file, args = args[0], args[1:]
	}
	fs := newFlagSet("crosscheck import", e)
	var c common
	c.register(fs, e)
	unitRef := fs.String("unit", "", "unit the list belongs to: id or commission division code (e.g. 430802)")
	kind := fs.String("kind", "", "payments, or a reference list: "+strings.Join(app.CrossCheckKinds()[1:], ", "))
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if file == "" || *unitRef == "" || !slices.Contains(app.CrossCheckKinds(), *kind) {
		return usageError{use}
	}
	in, err := c.openImport(ctx, e, file, *unitRef)
	if err != nil {
		return err
	}
	defer in.close()
	sum, err := in.app.ImportCrossCheckList(ctx, auth.System(), app.CrossCheckImport{UnitID: in.unit.ID, Kind: *kind,
		Name: filepath.Base(file), R: in.file, Size: in.size})
	if err != nil {
		return describe(err)
	}
	if *asJSON {
		return printJSON(e, sum)
	}
	if sum.Duplicate {
		fmt.Fprintf(e.stdout, "%s was imported before as list %d (%s, %d rows); nothing written\n", file, sum.ListID, sum.Kind, sum.Imported)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s into %s as list %d (%s): %d rows, %d imported, %d rejected\n", sum.Format, in.unit.Name, sum.ListID,
		sum.Kind, sum.Rows, sum.Imported, sum.Rejected)
	for _, re := range sum.Errors {
		fmt.Fprintf(e.stdout, "  row %d: bad %s\n", re.Row, strings.Join(re.Fields, ", "))
	}
	return nil
}

// crossCheckRunOut is the JSON of a run: its counts and suspects per rule.
type crossCheckRunOut struct {
	Run        int64                         `json:"run"`
	Lists      []int64                       `json:"lists"`
	Payments   int                           `json:"payments"`
	References int                           `json:"references"`
	Suspects   int                           `json:"suspects"`
	Millis     int64                         `json:"duration_ms"`
	ByRule     map[string][]crossCheckRunRow `json:"by_rule"`
}

type crossCheckRunRow struct {
	Name      string   `json:"name"`
	Village   string   `json:"village"`
	Item      string   `json:"item"`
	AmountFen int64    `json:"amount_fen"`
	Day       string   `json:"day"`
	Strength  string   `json:"strength"`
	Matched   []string `json:"matched"`
	Verdict   string   `json:"verdict,omitempty"`
}

func cmdCrossCheckRun(ctx context.Context, e env, args []string, use string) error {
	fs := newFlagSet("crosscheck run", e)
	var c common
	c.register(fs, e)
	unitRef := fs.String("unit", "", "unit whose lists are compared: id or commission division code")
	asJSON := fs.Bool("json", false, "print the run as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *unitRef == "" {
		return usageError{use}
	}
	a, closeFn, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeFn()
	sys := auth.System()
	u, err := a.ResolveUnit(ctx, sys, *unitRef)
	if err != nil {
		return fmt.Errorf("--unit %s: no such unit", *unitRef)
	}
	res, err := a.RunCrossCheck(ctx, sys, u.ID, nil)
	if err != nil {
		return describe(err)
	}
	out := crossCheckRunOut{Run: res.Run.ID, Lists: res.Run.ListIDs, Payments: res.Run.Payments, References: res.Run.References,
		Suspects: res.Run.Suspects, Millis: res.Run.Duration.Milliseconds(), ByRule: map[string][]crossCheckRunRow{}}
	for page := 0; ; page++ {
		rows, _, err := a.CrossCheckSuspects(ctx, sys, store.SuspectQuery{RunID: res.Run.ID, Page: store.Page{Limit: 500, Offset: page * 500}})
		if err != nil {
			return describe(err)
		}
		for _, s := range rows {
			out.ByRule[s.Rule] = append(out.ByRule[s.Rule], crossCheckRunRow{Name: s.Name, Village: s.Village, Item: s.Item,
				AmountFen: s.AmountFen, Day: s.Day, Strength: s.Strength, Matched: s.Matched, Verdict: s.Judgement.Verdict})
		}
		if len(rows) < 500 {
			break
		}
	}
	if *asJSON {
		return printJSON(e, out)
	}
	fmt.Fprintf(e.stdout, "run %d for %s: %d payments against %d reference rows in %v, %d suspects\n", out.Run, u.Name, out.Payments,
		out.References, res.Run.Duration.Round(1e6), out.Suspects)
	rules, err := monitor.CrossCheckRules()
	if err != nil {
		return err
	}
	for _, r := range rules {
		rows := out.ByRule[r.Code]
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(e.stdout, "%s: %d\n", r.Code, len(rows))
		for _, s := range rows {
			fmt.Fprintf(e.stdout, "  %s（%s）%s %s元 %s  %s: %s %s\n", s.Name, s.Village, s.Item, fmt.Sprintf("%d.%02d", s.AmountFen/100, s.AmountFen%100),
				s.Day, s.Strength, strings.Join(s.Matched, "+"), s.Verdict)
		}
	}
	return nil
}
