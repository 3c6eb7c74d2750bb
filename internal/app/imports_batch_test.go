package app_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"qingfeng/internal/app"
	"qingfeng/internal/auth"
	"qingfeng/internal/importer"
	"qingfeng/internal/intake"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// batchBases are unrelated complaints; the batch fixture repeats them in
// other words, so near-duplicates fall inside one batch, across batches and
// onto reports stored before the import.
var batchBases = []string{
	"反映天门山镇某村村干部优亲厚友，将不符合条件的亲属纳入低保，真正困难的群众却评不上，群众意见很大。",
	"某村危房改造补助资金未足额发放到户，村会计截留部分资金用于请客吃喝，还让农户签字领取虚假金额。",
	"某街道办事处工作人员上班时间在办公室打牌赌博，群众前去办事多次找不到人，电话也无人接听。",
	"村主任违规占用基本农田修建私人住房三栋，面积约三百平方米，国土所多次巡查却视而不见。",
	"某小学食堂承包人与校长是亲戚关系，学生营养餐缩水严重，每天的肉菜分量远低于公示的标准。",
	"镇政府组织的河道清淤工程验收弄虚作假，实际清淤长度不到合同的一半，工程款却已经全额支付。",
	"某村集体山林被村支书私自低价转包给外地老板，承包合同未经村民代表大会讨论，租金去向不明。",
	"社区卫生服务中心医生收受药品回扣，长期给老年病人开具大量不必要的保健药品，费用计入医保。",
	"某乡镇干部在扶贫项目招标中暗箱操作，把工程交给自己妻弟的公司，工程质量差，修好的路已开裂。",
	"景区周边停车场长期乱收费，每次收费五十元却不开发票，有人反映收费人员与城管队员分成。",
}

// batchFixture is the file both imports read: 43 work orders. It has
//   - a first block of the ten complaints, then the same ten again in
//     other words (candidates across batches of 7 and onto earlier rows);
//   - 14 orders with the same text (ties at similarity 1: the ten-link cap
//     and the newest-first order decide);
//   - a repeat of an order number further down (already present), and
//     the first three orders come from an earlier file;
//   - one order without content (the reader rejects it) and one whose title
//     is too long (intake refuses it), each between accepted rows;
//   - real-name callers (sealed, with the notice clock) and replies.
func batchFixture() []hotlineRow {
	var rows []hotlineRow
	at := func(i int) string { return fmt.Sprintf("2026-03-%02d %02d:%02d:00", 1+i/24, i%24, (i*7)%60) }
	n := 0
	add := func(title, content string) {
		r := hotlineRow{id: fmt.Sprintf("GD-B%03d", n), title: title, content: content, at: at(n)}
		if n%5 == 0 {
			r.caller, r.phone = "王五", "13900139000"
		}
		if n%4 == 1 {
			r.reply = fmt.Sprintf("已转有关部门核查（第%d号）。", n)
		}
		rows = append(rows, r)
		n++
	}
	for i, b := range batchBases {
		add(fmt.Sprintf("反映问题%d", i), b)
	}
	for i, b := range batchBases {
		add(fmt.Sprintf("再次反映问题%d", i), "再次反映："+b+"至今没有人处理！")
	}
	add("", "") // no content: the reader rejects it
	add(strings.Repeat("长", intake.MaxTitle+1), batchBases[0])
	for range 14 {
		add("同一件事", "村里的垃圾清运费每户每年收两百元，比邻村高出一倍，收费标准从未公示，也不给收据。")
	}
	rows = append(rows, rows[3]) // the same order number again
	for i, b := range batchBases[:6] {
		add(fmt.Sprintf("第三次反映问题%d", i), "第三次反映："+b)
	}
	return rows
}

// importSnapshot is what must not depend on how the rows were written.
type importSnapshot struct {
	Reports []snapReport
	Audit   []string // action and object's number, in chain order
	Chain   int64    // records verified
}

type snapReport struct {
	External, Number, Title, Content string
	Status                           intake.Status
	UnitID, ReceivedUnitID           int64
	Anonymous                        bool
	ReceivedAt, CreatedAt            int64
	Clocks                           []string
	Messages                         []string
	Events                           []string
	Links                            []string // other number, score, status
}

func snapshotImport(t *testing.T, z *zjj) importSnapshot {
	t.Helper()
	rs, _, err := z.store.ListReports(ctx, sys.ScopeFor(auth.PermReportRead), store.ReportFilter{Page: store.Page{Limit: 500}})
	must(t, err)
	numbers := map[int64]string{}
	for _, r := range rs {
		numbers[r.ID] = r.Number
	}
	var snap importSnapshot
	for _, r := range rs {
		s := snapReport{External: r.ExternalSource + "/" + r.ExternalID, Number: r.Number, Title: r.Title, Content: r.Content,
			Status: r.Status, UnitID: r.UnitID, ReceivedUnitID: r.ReceivedUnitID, Anonymous: r.Anonymous,
			ReceivedAt: r.ReceivedAt.UnixMilli(), CreatedAt: r.CreatedAt.UnixMilli()}
		if r.Anonymous != (r.Sealed == "") {
			t.Errorf("%s: anonymous %v with sealed %q", r.Number, r.Anonymous, r.Sealed)
		}
		cs, err := z.store.ReportClocks(ctx, r.ID)
		must(t, err)
		for _, c := range cs {
			s.Clocks = append(s.Clocks, fmt.Sprintf("%s %d %d", c.Code, c.StartedAt.UnixMilli(), c.DueAt.UnixMilli()))
		}
		ms, err := z.store.ReportMessages(ctx, r.ID, false)
		must(t, err)
		for _, m := range ms {
			s.Messages = append(s.Messages, m.Author+": "+m.Body)
		}
		s.Events = z.eventActions(t, r.ID)
		ls, err := z.store.ReportLinks(ctx, r.ID)
		must(t, err)
		for _, l := range ls {
			other := l.OtherID
			if other == r.ID {
				other = l.ReportID
			}
			dir := "→"
			if l.ReportID != r.ID {
				dir = "←"
			}
			s.Links = append(s.Links, fmt.Sprintf("%s%s %.6f %s", dir, numbers[other], l.Score, l.Status))
		}
		sort.Strings(s.Links)
		snap.Reports = append(snap.Reports, s)
	}
	sort.Slice(snap.Reports, func(i, j int) bool { return snap.Reports[i].Number < snap.Reports[j].Number })
	rows, err := z.store.DB().QueryContext(ctx, `SELECT action, object_type, object_id FROM audit_log ORDER BY seq`)
	must(t, err)
	defer rows.Close()
	for rows.Next() {
		var action, typ string
		var id int64
		must(t, rows.Scan(&action, &typ, &id))
		if typ == "report" {
			snap.Audit = append(snap.Audit, action+" "+numbers[id])
		} else {
			snap.Audit = append(snap.Audit, action+" "+typ)
		}
	}
	must(t, rows.Err())
	snap.Chain, err = z.store.VerifyAudit(ctx)
	must(t, err)
	return snap
}

// TestImportBatchedMatchesRowByRow imports the same files into two fresh
// databases, once one row per transaction (Batch 1, the reference) and
// once in batches of 7, and requires the same summaries, reports, numbers,
// clocks, messages, near-duplicate links and audit records.
func TestImportBatchedMatchesRowByRow(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, ref *zjj) {
		second := testdb.SQLite
		if ref.store.Dialect() == store.Postgres {
			second = testdb.Postgres
		}
		clock := testdb.NewClock(t0)
		bat := newZJJ(t, second(t, clock.Now), clock)

		file := hotlineCSV(t, batchFixture())
		county := ref.unitByCode(t, codeYongding)
		var sums [2][]app.ImportSummary
		for k, z := range []*zjj{ref, bat} {
			batch := 1
			if k == 1 {
				batch = 7
			}
			if county.ID != z.unitByCode(t, codeYongding).ID {
				t.Fatal("the two demo databases differ")
			}
			// Stored before the import: a letter saying what the first
			// complaint says, and the first three orders from an earlier file.
			_, _, err := z.app.RegisterReport(ctx, z.p["yd_intake"], intake.Submission{Kind: intake.KindAccusation,
				Channel: intake.ChannelLetter, Title: "来信反映低保问题", Content: batchBases[0], Anonymous: true}, nil, false)
			must(t, err)
			first := hotlineCSV(t, batchFixture()[:3])
			opt := app.ImportOptions{Name: "earlier.csv", UnitID: county.ID, Batch: batch}
			s, err := importBytes(z, z.p["yd_intake"], first, opt)
			must(t, err)
			sums[k] = append(sums[k], s)
			opt.Name = "12345工单.csv"
			for range 2 { // the second run adds nothing
				s, err := importBytes(z, z.p["yd_intake"], file, opt)
				must(t, err)
				sums[k] = append(sums[k], s)
			}
		}
		for i := range sums[0] {
			a, _ := json.Marshal(sums[0][i])
			b, _ := json.Marshal(sums[1][i])
			if string(a) != string(b) {
				t.Errorf("import %d summary:\nrow by row %s\nbatched    %s", i+1, a, b)
			}
		}
		// The values themselves (both paths could be wrong alike).
		if got, want := countsOf(sums[1][1]), (counts{rows: 43, imported: 37, existing: 4, duplicates: 29, rejected: 2}); got != want {
			t.Errorf("batched import = %+v, want %+v", got, want)
		}
		if got, want := countsOf(sums[1][2]), (counts{rows: 43, existing: 41, rejected: 2}); got != want {
			t.Errorf("second batched import = %+v, want %+v", got, want)
		}
		wantErrs := []importer.RowError{
			{Line: 22, Reason: importer.ReasonNoContent},
			{Line: 23, Reason: "invalid", Field: "title", Value: "intake.title_too_long"},
		}
		if !reflect.DeepEqual(sums[1][1].Errors, wantErrs) {
			t.Errorf("errors = %+v, want %+v", sums[1][1].Errors, wantErrs)
		}

		// Staff entry, row-by-row and batched imports keep fingerprints.
		checkFingerprints(t, ref.store)
		checkFingerprints(t, bat.store)
		a, b := snapshotImport(t, ref), snapshotImport(t, bat)
		if len(a.Reports) != 41 || a.Chain == 0 {
			t.Fatalf("row by row: %d reports, %d audit records", len(a.Reports), a.Chain)
		}
		if a.Chain != b.Chain || !reflect.DeepEqual(a.Audit, b.Audit) {
			t.Errorf("audit: row by row %d records, batched %d (or actions differ)", a.Chain, b.Chain)
		}
		for i := range min(len(a.Reports), len(b.Reports)) {
			if !reflect.DeepEqual(a.Reports[i], b.Reports[i]) {
				t.Errorf("report %d:\nrow by row %+v\nbatched    %+v", i, a.Reports[i], b.Reports[i])
			}
		}
		if len(a.Reports) != len(b.Reports) {
			t.Errorf("row by row %d reports, batched %d", len(a.Reports), len(b.Reports))
		}
		// The 14 equal orders: the last links to the ten newest before it.
		var same []snapReport
		for _, r := range b.Reports {
			if r.Title == "同一件事" {
				same = append(same, r)
			}
		}
		if len(same) != 14 {
			t.Fatalf("%d equal orders", len(same))
		}
		var out []string
		for _, l := range same[13].Links {
			if strings.HasPrefix(l, "→") {
				out = append(out, l)
			}
		}
		var want []string
		for _, r := range same[3:13] {
			want = append(want, "→"+r.Number+" 1.000000 candidate")
		}
		sort.Strings(want)
		if !reflect.DeepEqual(out, want) {
			t.Errorf("links of the last equal order = %q, want %q", out, want)
		}
	})
}

// TestImportSameFileConcurrently runs two imports of one file at once: a
// batch that meets rows the other import wrote in the meantime is written
// row by row, so every order is stored once and counted once as imported.
func TestImportSameFileConcurrently(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		county := z.unitByCode(t, codeYongding)
		file := hotlineCSV(t, batchFixture())
		before := reportCount(t, z)
		var sums [2]app.ImportSummary
		var errs [2]error
		done := make(chan int)
		for i := range 2 {
			go func() {
				sums[i], errs[i] = importBytes(z, z.p["yd_intake"], file, app.ImportOptions{Name: "a.csv", UnitID: county.ID, Batch: 5})
				done <- i
			}()
		}
		<-done
		<-done
		for i := range 2 {
			must(t, errs[i])
			if sums[i].Rows != 43 || sums[i].Rejected != 2 || sums[i].Imported+sums[i].Existing != 41 {
				t.Errorf("import %d = %+v", i+1, countsOf(sums[i]))
			}
		}
		// 43 orders: one without content, one refused, one repeated number.
		if n := sums[0].Imported + sums[1].Imported; n != 40 {
			t.Errorf("imported %d + %d, want 40 in all", sums[0].Imported, sums[1].Imported)
		}
		if n := reportCount(t, z) - before; n != 40 {
			t.Errorf("%d reports stored, want 40", n)
		}
		if _, err := z.store.VerifyAudit(ctx); err != nil {
			t.Errorf("audit: %v", err)
		}
	})
}

// TestImportRepeatAcrossWrittenBatch imports in batches of two, so that a
// batch is checked while the one before it is still being written: an
// order number repeated in the next batch counts as present, is stored once,
// and the next batch's rows still find the previous batch's as
// near-duplicates.
func TestImportRepeatAcrossWrittenBatch(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		county := z.unitByCode(t, codeYongding)
		base := "反映天门山镇某村村干部优亲厚友，将不符合条件的亲属纳入低保，真正困难的群众却评不上，村民意见很大。"
		rows := []hotlineRow{
			{id: "GD-R001", title: "低保评定不公", content: base, at: "2026-03-10 09:15:00"},
			{id: "GD-R002", title: "危房改造资金被截留", content: "某村危房改造补助资金未足额发放到户，村干部截留部分资金用于吃喝。", at: "2026-03-10 10:15:00"},
			{id: "GD-R002", title: "危房改造资金被截留", content: "某村危房改造补助资金未足额发放到户，村干部截留部分资金用于吃喝。", at: "2026-03-10 10:15:00"},
			{id: "GD-R003", title: "再次反映低保评定不公", content: base + "希望尽快处理。", at: "2026-03-11 09:15:00"},
			{id: "GD-R004", title: "道路硬化工程质量差", content: "某村道路硬化工程刚完工就开裂，怀疑偷工减料，村干部与施工方关系密切。", at: "2026-03-12 09:15:00"},
		}
		s, err := importBytes(z, z.p["yd_intake"], hotlineCSV(t, rows), app.ImportOptions{Name: "repeat.csv", UnitID: county.ID, Batch: 2})
		must(t, err)
		if got, want := countsOf(s), (counts{rows: 5, imported: 4, existing: 1, duplicates: 1}); got != want {
			t.Errorf("import = %+v, want %+v", got, want)
		}
		snap := snapshotImport(t, z)
		byExt := map[string]snapReport{}
		for _, r := range snap.Reports {
			if _, twice := byExt[r.External]; twice {
				t.Errorf("%s stored twice", r.External)
			}
			byExt[r.External] = r
		}
		if len(byExt) != 4 {
			t.Errorf("%d reports stored, want 4", len(byExt))
		}
		// GD-R003 (second batch) links to GD-R001 (first batch).
		first, third := byExt["hotline-12345/GD-R001"], byExt["hotline-12345/GD-R003"]
		if len(third.Links) != 1 || !strings.HasPrefix(third.Links[0], "→"+first.Number+" ") {
			t.Errorf("links of GD-R003 = %q, want one to %s", third.Links, first.Number)
		}
	})
}
