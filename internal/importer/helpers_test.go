package importer

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// messagesDir holds the real message-board export (see its SOURCE.md).
const messagesDir = "/work/shared/data/messages"

// realFile opens a file of the real data set, skipping the test when the
// data set is not on this machine.
func realFile(tb testing.TB, name string) (*os.File, int64) {
	tb.Helper()
	f, err := os.Open(filepath.Join(messagesDir, name))
	if os.IsNotExist(err) {
		tb.Skipf("real data set not available: %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	return f, st.Size()
}

// result collects what Read delivered.
type result struct {
	rows []Row
	errs []RowError
	sum  Summary
	err  error
}

// readBytes runs Read over data with the given name and options.
func readBytes(tb testing.TB, name string, data []byte, opt Options) result {
	tb.Helper()
	var res result
	res.sum, res.err = Read(context.Background(), name, bytes.NewReader(data), int64(len(data)), opt,
		func(r Row) error { res.rows = append(res.rows, r); return nil },
		func(e RowError) { res.errs = append(res.errs, e) })
	return res
}

// cst is Asia/Shanghai (or UTC+8 without tzdata).
func cst() *time.Location { return shanghai() }

// at builds a time in Asia/Shanghai.
func at(y int, mo time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, mo, d, h, mi, s, 0, cst())
}
