package store_test

import (
	"fmt"
	"reflect"
	"testing"

	"qingfeng/internal/apperr"
	"qingfeng/internal/intake"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// newImported is an imported report of unit u with external number ext.
func newImported(u org.Unit, ext, content string, links ...store.NewLink) store.NewReport {
	return store.NewReport{Report: intake.Report{ReceivedUnitID: u.ID, UnitID: u.ID, UnitPath: u.Path, Kind: intake.KindAccusation,
		Channel: intake.ChannelHotline, Title: "标题" + ext, Content: content, Anonymous: true, ExternalSource: "hotline-12345",
		ExternalID: ext, ReceivedAt: t0, Status: intake.StatusReceived},
		NumberFmt: "%s信〔%d〕%d号", ShortName: "永", Bands: []int64{int64(len(ext)), 7},
		Links: links, Event: intake.Event{Action: "register", Note: "hotline-12345"},
		Messages: []intake.Message{{Author: "staff", Public: true, Body: "【原办理答复】已办结" + ext}}}
}

// TestCreateReports writes a batch in one transaction: numbers in order,
// links to stored reports and to earlier reports of the batch, one audit
// record each; a conflicting or malformed batch writes nothing.
func TestCreateReports(t *testing.T) {
	testdb.Each(t, testdb.NewClock(t0).Now, func(t *testing.T, s *store.Store) {
		u := mkUnit(t, s, nil, org.KindCommission, "永定区纪委监委", "430802")
		stored, err := s.CreateReport(ctx, sysActor, newImported(u, "A0", "先前的来信"))
		must(t, err)
		audits, err := s.VerifyAudit(ctx)
		must(t, err)

		out, err := s.CreateReports(ctx, sysActor, []store.NewReport{
			newImported(u, "A1", "第一件", store.NewLink{OtherID: stored.ID, Score: 0.9}),
			newImported(u, "A2", "第二件", store.NewLink{Earlier: 0, Score: 0.75}, store.NewLink{OtherID: stored.ID, Score: 0.5}),
			newImported(u, "A3", "第三件"),
		})
		must(t, err)
		var numbers []string
		for _, r := range out {
			numbers = append(numbers, r.Number)
		}
		if want := []string{"永信〔2026〕2号", "永信〔2026〕3号", "永信〔2026〕4号"}; !reflect.DeepEqual(numbers, want) {
			t.Errorf("numbers = %q, want %q", numbers, want)
		}
		if out[0].Candidates != 1 || out[1].Candidates != 2 || out[2].Candidates != 0 {
			t.Errorf("candidates = %d %d %d, want 1 2 0", out[0].Candidates, out[1].Candidates, out[2].Candidates)
		}
		links, err := s.ReportLinks(ctx, out[1].ID)
		must(t, err)
		var got []string
		for _, l := range links {
			got = append(got, fmt.Sprintf("%d→%d %.2f %s", l.ReportID, l.OtherID, l.Score, l.Status))
		}
		want := []string{fmt.Sprintf("%d→%d 0.75 candidate", out[1].ID, out[0].ID), fmt.Sprintf("%d→%d 0.50 candidate", out[1].ID, stored.ID)}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("links of the second = %q, want %q", got, want)
		}
		if n, err := s.VerifyAudit(ctx); err != nil || n != audits+3 {
			t.Errorf("audit: %d records (%v), want %d", n, err, audits+3)
		}
		ex, err := s.ExistingReports(ctx, "hotline-12345", []string{"A0", "A2", "A9"})
		must(t, err)
		if want := map[string]int64{"A0": stored.ID, "A2": out[1].ID}; !reflect.DeepEqual(ex, want) {
			t.Errorf("ExistingReports = %v, want %v", ex, want)
		}

		// A stored external number in the batch: nothing is written.
		_, err = s.CreateReports(ctx, sysActor, []store.NewReport{newImported(u, "B1", "新的一件"), newImported(u, "A3", "重复的编号")})
		wantErr(t, err, apperr.Conflict, "")
		// A link to a report not earlier in the batch: nothing is written.
		_, err = s.CreateReports(ctx, sysActor, []store.NewReport{newImported(u, "B1", "新的一件", store.NewLink{Earlier: 0, Score: 1})})
		wantErr(t, err, apperr.Invalid, "")
		if ex, err := s.ExistingReports(ctx, "hotline-12345", []string{"B1"}); err != nil || len(ex) != 0 {
			t.Errorf("after the failed batches: %v %v", ex, err)
		}
		if n, err := s.VerifyAudit(ctx); err != nil || n != audits+3 {
			t.Errorf("audit after the failed batches: %d records (%v), want %d", n, err, audits+3)
		}
		r, err := s.CreateReport(ctx, sysActor, newImported(u, "B1", "新的一件"))
		must(t, err)
		if r.Number != "永信〔2026〕5号" {
			t.Errorf("number after the failed batches = %s, want 永信〔2026〕5号", r.Number)
		}
	})
}
