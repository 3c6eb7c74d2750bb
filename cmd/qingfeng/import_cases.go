package main

import (
	"context"
	"fmt"
	"path/filepath"

	"qingfeng/internal/app"
	"qingfeng/internal/auth"
)

// cmdImportCases: qingfeng import cases FILE --unit UNIT [--valid-only] [--dry-run] [--json]
// imports a historical case ledger (案件台账). It prints the summary and
// fails (exit code 1) when an all-or-nothing import was refused.
func cmdImportCases(ctx context.Context, e env, args []string) error {
	const use = "usage: qingfeng import cases FILE --unit UNIT [--valid-only] [--dry-run] [--json]"
	var file string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		file, args = args[0], args[1:]
	}
	fs := newFlagSet("import cases", e)
	var c common
	c.register(fs, e)
	unitRef := fs.String("unit", "", "importing unit: id or division code (e.g. 430802); 承办单位 cells are looked up below it")
	validOnly := fs.Bool("valid-only", false, "write the cases whose rows are all valid and skip the rest (default: all or nothing)")
	dryRun := fs.Bool("dry-run", false, "check the file only; nothing is written")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if file == "" || *unitRef == "" {
		return usageError{use}
	}
	in, err := c.openImport(ctx, e, file, *unitRef)
	if err != nil {
		return err
	}
	defer in.close()
	a, sys, f, u := in.app, auth.System(), in.file, in.unit
	sum, err := a.ImportCases(ctx, sys, f, in.size, app.CaseImportOptions{Name: filepath.Base(file), UnitID: u.ID,
		ValidOnly: *validOnly, DryRun: *dryRun})
	if err != nil {
		return describe(err)
	}
	if *asJSON {
		if err := printJSON(e, sum); err != nil {
			return err
		}
	} else {
		t := sum.Totals
		fmt.Fprintf(e.stdout, "%s into %s: %d rows, %d cases; %d cases and %d people written, %d cases skipped, %d rows rejected\n",
			sum.Format, u.Name, sum.Rows, sum.Cases, sum.CasesCreated, sum.SubjectsCreated, sum.Skipped, sum.Rejected)
		fmt.Fprintf(e.stdout, "totals: %d cases, %d people, %d sanctioned, %d organisational actions, %d detained, %d transferred, "+
			"recovered %s yuan, returned %s yuan, forms %d/%d/%d/%d\n", t.Cases, t.Subjects, t.Sanctioned, t.OrgActions, t.Detained,
			t.Transferred, t.RecoveredYuan, t.ReturnedYuan, t.Forms.First, t.Forms.Second, t.Forms.Third, t.Forms.Fourth)
		for _, d := range sum.Duplicates {
			fmt.Fprintf(e.stdout, "  already in the ledger: %s\n", d)
		}
		for _, re := range sum.Errors {
			fmt.Fprintf(e.stdout, "  row %d: %s %s (%s)\n", re.Row, re.Column, re.Message, re.Code)
		}
	}
	if sum.Failed() {
		return fmt.Errorf("import cases: %d rows rejected; nothing was written (fix them, or use --valid-only)", sum.Rejected)
	}
	return nil
}
