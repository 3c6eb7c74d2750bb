package app_test

import (
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/intake"
	"qingfeng/internal/store"
)

// distinctSub is an anonymous portal submission whose text shares nothing
// much with any other seed's (random characters), with a search token.
func distinctSub(seed uint64) intake.Submission {
	const chars = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研"
	r := mrand.New(mrand.NewPCG(seed, seed*7+1))
	var b strings.Builder
	rs := []rune(chars)
	for range 80 {
		b.WriteRune(rs[r.IntN(len(rs))])
	}
	sub := publicSub(codeDaping, intake.LevelVillage)
	sub.Title = fmt.Sprintf("反映问题 qfk%04d", seed)
	sub.Content = b.String() + fmt.Sprintf("。编号 qfk%04d", seed)
	return sub
}

// seqOf is the sequence part of a registration number (…〔2026〕12号).
func seqOf(t *testing.T, number string) int {
	t.Helper()
	_, after, ok := strings.Cut(number, "〕")
	n, err := strconv.Atoi(strings.TrimSuffix(after, "号"))
	if !ok || err != nil {
		t.Fatalf("number %q has no sequence", number)
	}
	return n
}

// TestGroupCommitConcurrent sends N public submissions at once: each gets
// its own receipt and number, numbers follow the order of commit (report
// ids), each receipt and search finds its report at once, and the audit
// chain verifies.
func TestGroupCommitConcurrent(t *testing.T) {
	const n = 24
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		rcs := make([]app.PublicReceipt, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { rcs[i], errs[i] = z.app.SubmitPublic(ctx, distinctSub(uint64(i+1)), nil) })
		}
		wg.Wait()
		type row struct {
			id  int64
			seq int
		}
		var rows []row
		numbers := map[string]bool{}
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("submission %d: %v", i, errs[i])
			}
			r := z.receiptReport(t, rcs[i].Code)
			if r.Number != rcs[i].Number || numbers[r.Number] {
				t.Fatalf("submission %d: receipt gives %q, answer %q (seen before: %v)", i, r.Number, rcs[i].Number, numbers[r.Number])
			}
			numbers[r.Number] = true
			if r.Title != distinctSub(uint64(i+1)).Title || r.Channel != intake.ChannelWeb {
				t.Errorf("submission %d: stored %q by %s", i, r.Title, r.Channel)
			}
			rows = append(rows, row{r.ID, seqOf(t, r.Number)})
			found, _, _, err := z.app.Search(ctx, z.p["yd_leader"], fmt.Sprintf("qfk%04d", i+1), store.Page{Limit: 10})
			must(t, err)
			if len(found) != 1 || found[0].ID != r.ID {
				t.Errorf("search for submission %d found %d reports", i, len(found))
			}
		}
		slices.SortFunc(rows, func(a, b row) int { return int(a.id - b.id) })
		for i := 1; i < len(rows); i++ {
			if rows[i].seq != rows[i-1].seq+1 {
				t.Errorf("report %d has number %d after %d", rows[i].id, rows[i].seq, rows[i-1].seq)
			}
		}
		if _, err := z.store.VerifyAudit(ctx); err != nil {
			t.Errorf("audit chain: %v", err)
		}
	})
}

// TestGroupCommitBadRowFailsAlone writes a batch in which one report
// cannot be stored (its receipt hash is taken): that one fails with a
// conflict, the others are written one by one with consecutive numbers,
// the link between two of them survives, and the chain verifies.
func TestGroupCommitBadRowFailsAlone(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		first, err := z.app.SubmitPublic(ctx, distinctSub(1), nil)
		must(t, err)
		taken := z.app.Intake.Receipts.Hash(first.Code)
		twin := distinctSub(2)
		twin.Title = "再次" + twin.Title
		subs := []intake.Submission{distinctSub(2), distinctSub(3), twin}
		hashes := []string{z.app.Intake.Receipts.Hash("good-2"), taken, z.app.Intake.Receipts.Hash("good-4")}
		for _, bad := range []int{1, -1} { // with the bad row, then a clean batch
			for i := range hashes {
				hashes[i] += "x" // fresh hashes for the second round
			}
			if bad >= 0 {
				hashes[bad] = taken
			}
			p0, err := z.app.PrepareSubmissionForTest(ctx, subs[0], hashes[0])
			must(t, err)
			p1, err := z.app.PrepareSubmissionForTest(ctx, subs[1], hashes[1])
			must(t, err)
			p2, err := z.app.PrepareSubmissionForTest(ctx, subs[2], hashes[2])
			must(t, err)
			out, errs := z.app.CommitForTest(p0, p1, p2)
			for i := range out {
				if i == bad {
					wantCode(t, errs[i], apperr.Conflict, "", nil)
					continue
				}
				if errs[i] != nil {
					t.Fatalf("round %d: row %d: %v", bad, i, errs[i])
				}
				if r, err := z.store.GetReportByReceipt(ctx, hashes[i]); err != nil || r.ID != out[i].ID {
					t.Errorf("round %d: row %d: receipt finds %d (%v), want %d", bad, i, r.ID, err, out[i].ID)
				}
			}
			if bad >= 0 {
				if s0, s2 := seqOf(t, out[0].Number), seqOf(t, out[2].Number); s2 != s0+1 {
					t.Errorf("numbers %d and %d are not consecutive around the failed row", s0, s2)
				}
			} else if s0, s1, s2 := seqOf(t, out[0].Number), seqOf(t, out[1].Number), seqOf(t, out[2].Number); s1 != s0+1 || s2 != s1+1 {
				t.Errorf("batch numbers %d, %d, %d", s0, s1, s2)
			}
			// The twin (row 2) is linked to row 0 of its batch, written
			// together or one by one.
			links, err := z.store.ReportLinks(ctx, out[2].ID)
			must(t, err)
			var others []int64
			for _, l := range links {
				others = append(others, l.OtherID)
			}
			if !slices.Contains(others, out[0].ID) {
				t.Errorf("round %d: links of the twin = %v, want %d among them", bad, others, out[0].ID)
			}
		}
		if _, err := z.store.VerifyAudit(ctx); err != nil {
			t.Errorf("audit chain: %v", err)
		}
	})
}

// TestGroupCommitLinksSimultaneous: near-identical submissions made at the
// same time are linked as duplicates, whether they are written in one
// transaction, in consecutive ones while the other's look-up ran, or one
// after the other.
func TestGroupCommitLinksSimultaneous(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		linked := func(t *testing.T, a, b int64) {
			t.Helper()
			la, err := z.store.ReportLinks(ctx, a)
			must(t, err)
			for _, l := range la {
				if l.OtherID == b {
					return
				}
			}
			t.Errorf("reports %d and %d are not linked (links of %d: %v)", a, b, a, la)
		}
		// Concurrent: real submissions, several rounds.
		for round := range 4 {
			base := distinctSub(uint64(100 + round))
			twin := base
			twin.Title = "再次" + base.Title
			var rc [2]app.PublicReceipt
			var errs [2]error
			var wg sync.WaitGroup
			for i, sub := range []intake.Submission{base, twin} {
				wg.Go(func() { rc[i], errs[i] = z.app.SubmitPublic(ctx, sub, nil) })
			}
			wg.Wait()
			must(t, errs[0])
			must(t, errs[1])
			linked(t, z.receiptReport(t, rc[0].Code).ID, z.receiptReport(t, rc[1].Code).ID)
		}
		// Deterministic: the second's look-up ran before the first was
		// written, and it is written in a later transaction.
		base := distinctSub(200)
		twin := base
		twin.Title = "再次" + base.Title
		late, err := z.app.PrepareSubmissionForTest(ctx, twin, z.app.Intake.Receipts.Hash("late"))
		must(t, err)
		early, err := z.app.PrepareSubmissionForTest(ctx, base, z.app.Intake.Receipts.Hash("early"))
		must(t, err)
		out1, errs := z.app.CommitForTest(early)
		must(t, errs[0])
		out2, errs := z.app.CommitForTest(late)
		must(t, errs[0])
		linked(t, out2[0].ID, out1[0].ID)
	})
}

// TestGroupCommitClose closes the App while submissions are arriving: each
// is either written (its receipt works) or refused with rate_limited, and
// nothing else is written; after Close every submission is refused.
func TestGroupCommitClose(t *testing.T) {
	const n = 30
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		before, _, err := z.app.ListReports(ctx, z.p["yd_leader"], store.ReportFilter{Page: store.Page{Limit: 1000}})
		must(t, err)
		rcs := make([]app.PublicReceipt, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		started := make(chan struct{}, n)
		for i := range n {
			wg.Go(func() {
				started <- struct{}{}
				rcs[i], errs[i] = z.app.SubmitPublic(ctx, distinctSub(uint64(300+i)), nil)
			})
		}
		for range n / 2 {
			<-started
		}
		must(t, z.app.Close())
		wg.Wait()
		written := 0
		for i := range n {
			if errs[i] != nil {
				wantCode(t, errs[i], apperr.RateLimited, "intake.closing", nil)
				continue
			}
			written++
			if r := z.receiptReport(t, rcs[i].Code); r.Number != rcs[i].Number {
				t.Errorf("submission %d: receipt gives %s, answer %s", i, r.Number, rcs[i].Number)
			}
		}
		after, _, err := z.app.ListReports(ctx, z.p["yd_leader"], store.ReportFilter{Page: store.Page{Limit: 1000}})
		must(t, err)
		if len(after)-len(before) != written {
			t.Errorf("%d reports stored, %d submissions answered with a receipt", len(after)-len(before), written)
		}
		_, err = z.app.SubmitPublic(ctx, distinctSub(999), nil)
		wantCode(t, err, apperr.RateLimited, "intake.closing", nil)
		if _, err := z.store.VerifyAudit(ctx); err != nil {
			t.Errorf("audit chain: %v", err)
		}
	})
}
