package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"

	"qingfeng/internal/app"
	"qingfeng/internal/auth"
	"qingfeng/internal/intake"
	"qingfeng/internal/org"
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
	in, err := c.openImport(ctx, e, file, *unitRef)
	if err != nil {
		return err
	}
	defer in.close()
	defer importGC(e)()
	a, sys, f, u := in.app, auth.System(), in.file, in.unit
	sum, err := a.Import(ctx, sys, f, in.size, app.ImportOptions{Name: filepath.Base(file), UnitID: u.ID,
		Channel: intake.Channel(*channel), Kind: intake.Kind(*kind), Source: *source, Mapping: *mapping, Batch: *batch})
	if err != nil {
		return describe(err)
	}
	if *asJSON {
		return printJSON(e, sum)
	}
	fmt.Fprintf(e.stdout, "%s into %s: %d rows, %d imported, %d already present, %d flagged as near-duplicates, %d rejected\n",
		sum.Format, u.Name, sum.Rows, sum.Imported, sum.Existing, sum.Duplicates, sum.Rejected)
	for _, re := range sum.Errors {
		fmt.Fprintf(e.stdout, "  row %d: %s %s\n", re.Line, re.Reason, re.Field)
	}
	return nil
}

// importInput is what both import commands open before they import: the
// file and its size, the service over the data folder or database, and the
// receiving unit (--unit, resolved as the system).
type importInput struct {
	file    *os.File
	size    int64
	app     *app.App
	unit    org.Unit
	closeDB func()
}

func (in importInput) close() {
	in.closeDB()
	in.file.Close()
}

// openImport opens the file, the database and the unit of an import
// command. Errors: the file's, the database's, "--unit X: no such unit".
func (c *common) openImport(ctx context.Context, e env, file, unitRef string) (importInput, error) {
	f, err := os.Open(file)
	if err != nil {
		return importInput{}, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return importInput{}, err
	}
	a, closeDB, err := c.open(ctx, e)
	if err != nil {
		f.Close()
		return importInput{}, err
	}
	u, err := a.ResolveUnit(ctx, auth.System(), unitRef)
	if err != nil {
		closeDB()
		f.Close()
		return importInput{}, fmt.Errorf("--unit %s: no such unit", unitRef)
	}
	return importInput{file: f, size: st.Size(), app: a, unit: u, closeDB: closeDB}, nil
}

// printJSON prints an import summary as indented JSON (Chinese as is).
func printJSON(e env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// The garbage collector settings of an import command (importGC).
const (
	importGCPercent = 400
	importMemLimit  = 256 << 20
)

// importGC lets the Go heap of an import command grow to five times its
// live size between collections (GOGC=400 instead of 100), within a soft
// limit of importMemLimit, unless the operator set GOGC or GOMEMLIMIT. The
// process does nothing else, and with the default the collector's cycles
// and the goroutines' preemption for them cost about 15 % of a 20,000-row
// import (docs/benchmarks.md, Import throughput). It returns the function
// that restores the settings before (tests run commands in one process).
func importGC(e env) func() {
	if e.getenv("GOGC") != "" || e.getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	limit := debug.SetMemoryLimit(importMemLimit)
	percent := debug.SetGCPercent(importGCPercent)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}
