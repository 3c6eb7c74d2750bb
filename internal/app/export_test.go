package app

import (
	"context"
	"io"

	"qingfeng/internal/auth"
	"qingfeng/internal/intake"
	"qingfeng/internal/store"
)

// Test hooks for unexported parts of the services. Compiled only with the
// package's tests.

// ExportClueLedgerMaxForTest is ExportClueLedger with a row cap of max.
func (a *App) ExportClueLedgerMaxForTest(ctx context.Context, p auth.Principal, f store.ClueFilter, w io.Writer, max int) (int, error) {
	return a.exportClueLedger(ctx, p, f, w, max)
}

// PrepareSubmissionForTest does what SubmitPublic does before the hand-off
// to the committer (with the receipt hash given) and returns the queued
// form of the submission, for CommitForTest.
func (a *App) PrepareSubmissionForTest(ctx context.Context, sub intake.Submission, receiptHash string) (*pendingReport, error) {
	sub.Channel = intake.ChannelWeb
	n, d, stored, gen, err := a.preparePublic(ctx, sub, nil, receiptHash)
	if err != nil {
		return nil, err
	}
	return &pendingReport{n: n, d: d, stored: stored, gen: gen, done: make(chan struct{})}, nil
}

// CommitForTest writes prepared submissions as one committer batch and
// returns each one's report or error.
func (a *App) CommitForTest(ps ...*pendingReport) ([]intake.Report, []error) {
	for _, p := range ps {
		p.state.Store(pendingTaken)
	}
	_ = a.commitBatch(nil, ps)
	out, errs := make([]intake.Report, len(ps)), make([]error, len(ps))
	for i, p := range ps {
		<-p.done
		out[i], errs[i] = p.out, p.err
	}
	return out, errs
}
