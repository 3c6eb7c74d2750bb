package store_test

import (
	"testing"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/clue"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// TestFileClue checks the case issue's filing helper: only a clue awaiting
// filing is filed, with the case's id and number, its clocks stopped, an
// event and an audit record.
func TestFileClue(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		tr := buildTree(t, s)
		c, err := s.CreateClue(ctx, sysActor, store.NewClue{ShortName: "永",
			Clue: clue.Clue{LedgerUnitID: tr.a.ID, LedgerPath: tr.a.Path, UnitID: tr.t1.ID, UnitPath: tr.t1.Path, Source: clue.SourceAudit,
				Title: "t", Content: "c", Subject: clue.Subject{Name: "王某", Level: "village"}, Category: "other",
				Status: clue.StatusRegistered, ReceivedAt: t0},
			Clocks: []store.Clock{{Code: "clue.disposal", UnitPath: tr.t1.Path, StartedAt: t0, DueAt: t0.Add(720 * time.Hour), RemindAt: t0}},
			Event:  clue.Event{Action: "register"}})
		must(t, err)
		if c.Number != "永纪线〔2026〕1号" {
			t.Fatalf("number %q", c.Number)
		}
		_, err = s.FileClueForTest(ctx, sysActor, c.ID, 7, "永纪案〔2026〕1号")
		wantErr(t, err, apperr.Conflict, "clue.transition_invalid")
		_, err = s.UpdateClue(ctx, sysActor, store.ClueChange{ID: c.ID, From: clue.StatusRegistered, Status: clue.StatusCasePending,
			Set: map[string]any{"mode": string(clue.ModeVerification), "outcome": clue.RecommendFileCase}, Event: clue.Event{Action: "test"}})
		must(t, err)
		f, err := s.FileClueForTest(ctx, sysActor, c.ID, 7, "永纪案〔2026〕1号")
		must(t, err)
		if f.Status != clue.StatusFiled || f.CaseID != 7 || f.CaseNumber != "永纪案〔2026〕1号" || f.ClosedAt.IsZero() {
			t.Errorf("filed clue %+v", f)
		}
		clocks, err := s.Clocks(ctx, "clue", c.ID)
		must(t, err)
		if len(clocks) != 1 || clocks[0].DoneAt.IsZero() {
			t.Errorf("clocks after filing %+v", clocks)
		}
		evs, err := s.ClueEvents(ctx, c.ID)
		must(t, err)
		if last := evs[len(evs)-1]; last.Action != "file_case" || last.FromStatus != clue.StatusCasePending || last.ToStatus != clue.StatusFiled {
			t.Errorf("last event %+v", last)
		}
		h, err := s.History(ctx, "clue", c.ID)
		must(t, err)
		if h[len(h)-1].Action != "clue.file_case" {
			t.Errorf("last audit action %s", h[len(h)-1].Action)
		}
		_, err = s.FileClueForTest(ctx, sysActor, c.ID, 8, "永纪案〔2026〕2号")
		wantErr(t, err, apperr.Conflict, "clue.transition_invalid")
	})
}
