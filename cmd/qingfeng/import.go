package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"qingfeng/internal/app"
	"qingfeng/internal/auth"
	"qingfeng/internal/intake"
)

// cmdImport: qingfeng import reports FILE --unit UNIT [--channel C] [--json]
func cmdImport(ctx context.Context, e env, args []string) error {
	const use = "usage: qingfeng import reports FILE --unit UNIT [--channel hotline-12345] [--kind accusation] [--source LABEL] [--mapping SPEC] [--batch N] [--json]"
	if len(args) > 0 && args[0] == "cases" {
		return cmdImportCases(ctx, e, args[1:])
	}
	if len(args) == 0 || args[0] != "reports" {
		return usageError{use}
	}
	args = args[1:]
	var file string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		file, args = args[0], args[1:]
	}
	fs := newFlagSet("import reports", e)
	var c common
	c.register(fs, e)
	unitRef := fs.String("unit", "", "receiving unit: id or commission division code (e.g. 430802)")
	channel := fs.String("channel", "", "channel: hotline-12345 (default for .xlsx/.csv), public-opinion (default for .jsonl), letter, phone, ...")
	kind := fs.String("kind", "accusation", "report kind: accusation, appeal or suggestion")
	source := fs.String("source", "", "source label that makes external numbers unique (default: the channel)")
	mapping := fs.String("mapping", "", `explicit columns, e.g. "content=问题描述,title=标题,received_at=C"`)
	batch := fs.Int("batch", app.DefaultImportBatch, "rows written per transaction (1: one transaction per row)")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if file == "" || *unitRef == "" || *batch < 1 {
		return usageError{use}
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	a, closeDB, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeDB()
	sys := auth.System()
	u, err := a.ResolveUnit(ctx, sys, *unitRef)
	if err != nil {
		return fmt.Errorf("--unit %s: no such unit", *unitRef)
	}
	sum, err := a.Import(ctx, sys, f, st.Size(), app.ImportOptions{Name: filepath.Base(file), UnitID: u.ID,
		Channel: intake.Channel(*channel), Kind: intake.Kind(*kind), Source: *source, Mapping: *mapping, Batch: *batch})
	if err != nil {
		return describe(err)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	fmt.Fprintf(e.stdout, "%s into %s: %d rows, %d imported, %d already present, %d flagged as near-duplicates, %d rejected\n",
		sum.Format, u.Name, sum.Rows, sum.Imported, sum.Existing, sum.Duplicates, sum.Rejected)
	for _, re := range sum.Errors {
		fmt.Fprintf(e.stdout, "  row %d: %s %s\n", re.Line, re.Reason, re.Field)
	}
	return nil
}
