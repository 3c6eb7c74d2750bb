package app

import (
	"context"
	"io"

	"qingfeng/internal/auth"
	"qingfeng/internal/store"
)

// Test hooks for unexported parts of the services. Compiled only with the
// package's tests.

// ExportClueLedgerMaxForTest is ExportClueLedger with a row cap of max.
func (a *App) ExportClueLedgerMaxForTest(ctx context.Context, p auth.Principal, f store.ClueFilter, w io.Writer, max int) (int, error) {
	return a.exportClueLedger(ctx, p, f, w, max)
}
