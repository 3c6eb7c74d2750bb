package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"qingfeng/internal/apperr"
	"qingfeng/internal/audit"
	"qingfeng/internal/clue"
	"qingfeng/internal/i18n"
	"qingfeng/internal/store"
)

var shanghai = time.FixedZone("CST", 8*3600)

// genClue is a generated ledger row as the test made it: the expected
// values of the columns the reconciliation counts.
type genClue struct {
	id                               int64
	unitID                           int64
	received, due, disposed, esc, jt time.Time
	mode                             clue.Mode
	status                           clue.Status
}

// moveClue sets a clue's later life directly in the store (the workflow
// service is not needed to reconcile the ledger).
func (f *clueFixture) moveClue(t *testing.T, id int64, status clue.Status, set map[string]any) clue.Clue {
	t.Helper()
	c, err := f.store.UpdateClue(ctx, audit.Actor{UserID: f.users["leadera"].ID, Name: "test"},
		store.ClueChange{ID: id, Status: status, Set: set, Event: clue.Event{Action: "test_move"}})
	if err != nil {
		t.Fatalf("move clue %d: %v", id, err)
	}
	return c
}

// generateLedger registers n clues in county A (and a few in county B)
// received between December 2025 and now (t0), and moves them along:
// handling unit, disposal with its mode or forwarding up, escalation and
// joint handling, with some times exactly on month boundaries. It returns
// the county A clues.
func generateLedger(t *testing.T, f *clueFixture, n int) []genClue {
	t.Helper()
	rng := rand.New(rand.NewPCG(2026, 4))
	start := time.Date(2025, 12, 1, 0, 0, 0, 0, shanghai)
	span := int(t0.Sub(start) / time.Minute)
	boundaries := []time.Time{start, time.Date(2026, 1, 1, 0, 0, 0, 0, shanghai), time.Date(2026, 2, 1, 0, 0, 0, 0, shanghai),
		time.Date(2026, 3, 1, 0, 0, 0, 0, shanghai)}
	units := []string{"A", "CM", "O1", "O2", "G1", "T1", "T2", "T3", "V2"}
	// after is a time after from (up to days later) and before now, or zero.
	after := func(from time.Time, days int) time.Time {
		at := from.Add(time.Duration(1+rng.IntN(days*24*60)) * time.Minute)
		if rng.IntN(10) == 0 {
			at = boundaries[rng.IntN(len(boundaries))]
		}
		if !at.After(from) || !at.Before(t0) {
			return time.Time{}
		}
		return at
	}
	var out []genClue
	for i := range n + n/10 {
		inB := i >= n
		received := start.Add(time.Duration(rng.IntN(span)) * time.Minute)
		if i%20 == 0 {
			received = boundaries[rng.IntN(len(boundaries))]
		}
		in := input(fmt.Sprintf("生成线索%d", i))
		in.ReceivedAt = received
		in.MassInterest = rng.IntN(4) == 0
		user := "casea"
		switch {
		case inB:
			user = "townb1"
		case i%7 == 0:
			user = "townt1"
		}
		c, err := f.app.RegisterClue(ctx, f.p(user), in)
		if err != nil {
			t.Fatalf("register %d: %v", i, err)
		}
		unit := f.units["TB1"]
		if !inB {
			unit = f.units[units[rng.IntN(len(units))]]
		}
		g := genClue{id: c.ID, unitID: unit.ID, received: c.ReceivedAt, due: c.DisposalDueAt, status: clue.StatusAssigned}
		set := map[string]any{"unit_id": unit.ID, "unit_path": unit.Path}
		switch r := rng.IntN(20); {
		case r < 5: // not disposed yet
			g.status = []clue.Status{clue.StatusRegistered, clue.StatusAssigned, clue.StatusDisposalReview}[rng.IntN(3)]
		case r < 6: // forwarded to the upper level
			if g.disposed = after(received, 20); !g.disposed.IsZero() {
				g.status = clue.StatusForwarded
				set["disposed_at"], set["closed_at"] = g.disposed, g.disposed
			}
		default:
			if g.disposed = after(received, 60); !g.disposed.IsZero() {
				g.mode = clue.Modes()[rng.IntN(4)]
				g.status = map[clue.Mode]clue.Status{clue.ModeInquiry: clue.StatusInquiry, clue.ModeVerification: clue.StatusVerification,
					clue.ModeShelve: clue.StatusShelved, clue.ModeClose: clue.StatusClosed}[g.mode]
				set["disposed_at"], set["mode"] = g.disposed, string(g.mode)
				if g.mode == clue.ModeClose {
					set["closed_at"] = g.disposed
				}
			}
		}
		if rng.IntN(6) == 0 {
			if g.esc = after(received, 40); !g.esc.IsZero() {
				set["escalated"], set["escalated_at"], set["escalation_to"] = true, g.esc, clue.EscalateCounty
			}
		}
		if rng.IntN(6) == 0 {
			if g.jt = after(received, 40); !g.jt.IsZero() {
				set["joint"], set["joint_at"] = true, g.jt
			}
		}
		f.moveClue(t, c.ID, g.status, set)
		if !inB {
			out = append(out, g)
		}
	}
	return out
}

// expectRecon is the reconciliation computed in Go from the generated
// clues for [from, to), per handling unit.
func expectRecon(gen []genClue, skip map[int64]bool, from, to time.Time) map[int64]store.ReconRow {
	in := func(t time.Time) bool { return !t.IsZero() && !t.Before(from) && t.Before(to) }
	out := map[int64]store.ReconRow{}
	for _, g := range gen {
		if skip[g.id] {
			continue
		}
		r, ok := out[g.unitID]
		if !ok {
			r = store.ReconRow{UnitID: g.unitID, ByMode: map[clue.Mode]int{}}
			for _, m := range clue.Modes() {
				r.ByMode[m] = 0
			}
		}
		touched := false
		count := func(cond bool, n *int) {
			if cond {
				*n++
				touched = true
			}
		}
		pending := g.received.Before(to) && (g.disposed.IsZero() || !g.disposed.Before(to))
		count(in(g.received), &r.Received)
		count(in(g.disposed), &r.Disposed)
		count(in(g.disposed) && g.status == clue.StatusForwarded, &r.Forwarded)
		count(pending, &r.Pending)
		count(pending && g.due.Before(to), &r.Overdue)
		count(in(g.esc), &r.Escalated)
		count(in(g.jt), &r.Joint)
		if in(g.disposed) && g.mode != "" {
			r.ByMode[g.mode]++
		}
		if touched {
			out[g.unitID] = r
		}
	}
	return out
}

func TestClueReconciliation(t *testing.T) {
	eachClue(t, func(t *testing.T, f *clueFixture) {
		gen := generateLedger(t, f, 240)
		if len(gen) != 240 {
			t.Fatalf("generated %d clues", len(gen))
		}
		// casea declares a conflict of interest on one clue; a T1 clue is
		// about a T1 cadre (hidden from T1 itself).
		recused := gen[3].id
		must(t, f.store.RecordClueAccess(ctx, audit.Actor{UserID: f.users["casea"].ID}, recused,
			store.Access{UserID: f.users["casea"].ID, Kind: store.AccessRecused, Reason: "亲属关系"}, clue.Event{Action: "recuse"}))
		in := input("反映南庄坪街道干部")
		in.Subject.UnitID, in.Subject.Level, in.ReceivedAt = f.units["T1"].ID, "township", time.Date(2026, 2, 10, 9, 0, 0, 0, shanghai)
		aboutT1, err := f.app.RegisterClue(ctx, f.p("townt1"), in)
		must(t, err)

		months := []string{"2025-12", "2026-01", "2026-02", "2026-03"}
		// The numbers against an independent count of the generated data
		// (the commission's case management, minus its recusal).
		for _, month := range months {
			r, err := f.app.ClueReconciliation(ctx, f.p("casea"), 0, month)
			must(t, err)
			from, _ := time.ParseInLocation("2006-01", month, shanghai)
			to := from.AddDate(0, 1, 0)
			if month == "2026-03" {
				to = t0 // the running month: pending and overdue as of now
			}
			if r.Unit.ID != f.units["A"].ID || r.Month != month || !r.From.Equal(from) || !r.To.Equal(to) {
				t.Fatalf("%s: unit %d, period %v – %v", month, r.Unit.ID, r.From, r.To)
			}
			all := append(slices.Clone(gen), genClue{id: aboutT1.ID, unitID: aboutT1.UnitID, received: aboutT1.ReceivedAt,
				due: aboutT1.DisposalDueAt, status: aboutT1.Status})
			want := expectRecon(all, map[int64]bool{recused: true}, from, to)
			if len(r.Rows) != len(want) {
				t.Errorf("%s: %d rows, want %d", month, len(r.Rows), len(want))
			}
			for _, row := range r.Rows {
				w, ok := want[row.UnitID]
				if !ok {
					t.Errorf("%s: unexpected row %s", month, row.UnitName)
					continue
				}
				for _, col := range store.ReconColumns() {
					if row.Count(col) != w.Count(col) {
						t.Errorf("%s %s %s: %d, want %d", month, row.UnitName, col, row.Count(col), w.Count(col))
					}
				}
				if sum := row.ByMode[clue.ModeInquiry] + row.ByMode[clue.ModeVerification] + row.ByMode[clue.ModeShelve] +
					row.ByMode[clue.ModeClose] + row.Forwarded; sum != row.Disposed {
					t.Errorf("%s %s: disposed %d, modes and forwarded %d", month, row.UnitName, row.Disposed, sum)
				}
			}
			if r.Total.Received == 0 || r.Total.Pending == 0 || r.Total.Disposed == 0 {
				t.Errorf("%s: thin data %+v", month, r.Total)
			}
		}

		// The acceptance test: for every row and column, the number equals
		// the ledger rows of the cell's filter, for several viewers.
		cases := []struct {
			user string
			unit string // "" for the caller's commission
		}{
			{"casea", ""}, {"leadera", ""}, {"officeo1", ""}, {"townt1", ""}, {"casea", "T1"},
		}
		nonzero := map[store.ReconColumn]int{}
		for _, tc := range cases {
			var unitID int64
			if tc.unit != "" {
				unitID = f.units[tc.unit].ID
			}
			for _, month := range months {
				r, err := f.app.ClueReconciliation(ctx, f.p(tc.user), unitID, month)
				must(t, err)
				for _, row := range append(slices.Clone(r.Rows), r.Total) {
					for _, col := range store.ReconColumns() {
						list, total, err := f.app.ListClues(ctx, f.p(tc.user), withPage(r.Filter(row, col)))
						must(t, err)
						if n := row.Count(col); n != total || n != len(list) {
							t.Errorf("%s %s %s unit %q %s: %d, ledger %d (%d rows)", tc.user, tc.unit, month, row.UnitName, col, n,
								total, len(list))
						}
						if row.UnitID != 0 && row.Count(col) > 0 {
							nonzero[col]++
						}
					}
				}
				seen := map[int64]bool{}
				for _, c := range append(slices.Clone(r.Rows), r.Total) {
					if c.UnitID != 0 && (c.UnitPath < r.Unit.Path || c.UnitPath[:len(r.Unit.Path)] != r.Unit.Path) {
						t.Errorf("%s %s: row %s outside %s", tc.user, month, c.UnitName, r.Unit.Name)
					}
					if seen[c.UnitID] {
						t.Errorf("%s %s: unit %s twice", tc.user, month, c.UnitName)
					}
					seen[c.UnitID] = true
				}
			}
		}
		for _, col := range store.ReconColumns() {
			if nonzero[col] == 0 {
				t.Errorf("column %s is zero everywhere: the data does not exercise it", col)
			}
		}

		// Visibility: county B's clues count nowhere in A; townt1 does not
		// count the clue about its own unit, casea does.
		b, err := f.app.ClueReconciliation(ctx, f.p("townb1"), 0, "2026-02")
		must(t, err)
		a, err := f.app.ClueReconciliation(ctx, f.p("leadera"), 0, "2026-02")
		must(t, err)
		for _, row := range a.Rows {
			if row.UnitID == f.units["TB1"].ID {
				t.Error("county B's unit is in county A's reconciliation")
			}
		}
		if len(b.Rows) != 1 || b.Rows[0].UnitID != f.units["TB1"].ID {
			t.Errorf("county B rows %+v", b.Rows)
		}
		t1, err := f.app.ClueReconciliation(ctx, f.p("townt1"), 0, "2026-02")
		must(t, err)
		viaCase, err := f.app.ClueReconciliation(ctx, f.p("casea"), f.units["T1"].ID, "2026-02")
		must(t, err)
		if viaCase.Total.Received != t1.Total.Received+1 {
			t.Errorf("T1 received in February: case management %d, T1 itself %d; want one more (the clue about T1)",
				viaCase.Total.Received, t1.Total.Received)
		}

		// Errors.
		errs := []struct {
			user  string
			unit  int64
			month string
			code  apperr.Code
			field map[string]string
		}{
			{"casea", 0, "2026-13", apperr.Invalid, map[string]string{"month": "clue.month_invalid"}},
			{"casea", 0, "2026-3", apperr.Invalid, map[string]string{"month": "clue.month_invalid"}},
			{"casea", 0, "2026-04", apperr.Invalid, map[string]string{"month": "ledger.month_future"}},
			{"analysta", 0, "2026-03", apperr.Forbidden, nil},
			{"admina", 0, "2026-03", apperr.Forbidden, nil},
			{"casea", f.units["B"].ID, "2026-03", apperr.NotFound, nil},
			{"townt1", f.units["T2"].ID, "2026-03", apperr.NotFound, nil},
			{"casea", 999999, "2026-03", apperr.NotFound, nil},
		}
		for _, e := range errs {
			_, err := f.app.ClueReconciliation(ctx, f.p(e.user), e.unit, e.month)
			wantCode(t, err, e.code, "", e.field)
		}
		// An unknown column's filter matches nothing.
		r, err := f.app.ClueReconciliation(ctx, f.p("casea"), 0, "2026-02")
		must(t, err)
		if _, n, err := f.app.ListClues(ctx, f.p("casea"), r.Filter(r.Total, "bogus")); err != nil || n != 0 {
			t.Errorf("unknown column: %d rows, %v", n, err)
		}
	})
}

// withPage asks for every row of a small ledger in one page.
func withPage(f store.ClueFilter) store.ClueFilter {
	f.Page = store.Page{Limit: 500}
	return f
}

func TestLedgerLabels(t *testing.T) {
	cat, err := i18n.Load()
	must(t, err)
	var keys []string
	for _, c := range store.ReconColumns() {
		keys = append(keys, "ledger.recon."+string(c))
	}
	for _, s := range clue.Statuses() {
		keys = append(keys, "clue.status."+string(s))
	}
	for _, m := range clue.Modes() {
		keys = append(keys, "clue.mode."+string(m))
	}
	for _, k := range keys {
		for _, lang := range []string{i18n.ZH, i18n.EN} {
			if !cat.Has(lang, k) {
				t.Errorf("%s: no %q", lang, k)
			}
		}
	}
}

func TestExportClueLedger(t *testing.T) {
	eachClue(t, func(t *testing.T, f *clueFixture) {
		c1, err := f.app.RegisterClue(ctx, f.p("casea"), input("反映杨家溪村党支部书记王某截留低保金。"))
		must(t, err)
		in := input("群众身边：村干部优亲厚友")
		in.MassInterest, in.Subject.Name, in.Subject.Level = true, "李某", "township"
		c2, err := f.app.RegisterClue(ctx, f.p("casea"), in)
		must(t, err)
		town, err := f.app.RegisterClue(ctx, f.p("townt1"), input("乡镇自办线索"))
		must(t, err)
		other, err := f.app.RegisterClue(ctx, f.p("townb1"), input("他县线索"))
		must(t, err)
		f.clock.Advance(49 * time.Hour) // 2026-03-18 11:00
		o1 := f.units["O1"]
		f.moveClue(t, c1.ID, clue.StatusVerification, map[string]any{"unit_id": o1.ID, "unit_path": o1.Path,
			"owner_user_id": f.users["officeo1"].ID, "mode": string(clue.ModeVerification), "disposed_at": f.clock.Now(),
			"escalated": true, "escalated_at": f.clock.Now()})

		var buf bytes.Buffer
		n, err := f.app.ExportClueLedger(ctx, f.p("casea"), store.ClueFilter{}, &buf)
		must(t, err)
		if n != 3 {
			t.Fatalf("exported %d rows, want 3", n)
		}
		rows := readXLSX(t, buf.Bytes(), "线索台账")
		wantHeader := []string{"线索编号", "登记台账", "受理时间", "线索来源", "来源文号", "标题", "被反映人", "被反映人单位", "被反映人职务",
			"被反映人层级", "重点领域", "群众身边", "承办单位", "承办人", "状态", "处置方式", "处置意见期限", "处置日期", "提级办理", "联办", "办结日期"}
		if !slices.Equal(rows[0], wantHeader) {
			t.Fatalf("header %q", rows[0])
		}
		// Newest first (same receipt time: higher id first).
		want := [][]string{
			{town.Number, "南庄坪街道纪工委", "2026-03-16 10:00", "审计机关移送", "永审移〔2026〕3号", "乡镇自办线索", "王某", "杨家溪村村委会",
				"村党支部书记", "村（社区）干部", "惠民惠农补贴资金", "否", "南庄坪街道纪工委", "", "已登记，待分办", "", "2026-04-16", "", "否", "否"},
			{c2.Number, "永定区纪委监委", "2026-03-16 10:00", "审计机关移送", "永审移〔2026〕3号", "群众身边：村干部优亲厚友", "李某", "杨家溪村村委会",
				"村党支部书记", "乡镇（街道）干部", "惠民惠农补贴资金", "是", "案件监督管理室", "", "已登记，待分办", "", "2026-04-16", "", "否", "否"},
			{c1.Number, "永定区纪委监委", "2026-03-16 10:00", "审计机关移送", "永审移〔2026〕3号", "反映杨家溪村党支部书记王某截留低保金。", "王某",
				"杨家溪村村委会", "村党支部书记", "村（社区）干部", "惠民惠农补贴资金", "否", "第一纪检监察室", f.people["officeo1"].Name, "初步核实中", "初步核实",
				"2026-04-16", "2026-03-18", "是", "否"},
		}
		if len(rows) != 1+len(want) {
			t.Fatalf("%d rows, want %d", len(rows)-1, len(want))
		}
		for i, w := range want {
			if !slices.Equal(rows[i+1], w) {
				t.Errorf("row %d:\n got %q\nwant %q", i+1, rows[i+1], w)
			}
		}
		for _, r := range rows {
			if r[0] == other.Number {
				t.Errorf("county B's clue %s is in county A's export", other.Number)
			}
		}

		// The export is audited with the row count and the filter.
		hist, err := f.store.History(ctx, "clue", 0)
		must(t, err)
		if len(hist) != 1 || hist[0].Action != "clue.export" || hist[0].ActorUserID != f.users["casea"].ID {
			t.Fatalf("audit %+v", hist)
		}
		var detail map[string]any
		must(t, json.Unmarshal([]byte(hist[0].Detail), &detail))
		if detail["rows"] != float64(3) {
			t.Errorf("audit detail %s", hist[0].Detail)
		}

		// A filtered export by a township: its own ledger only, the filter
		// in the audit record.
		buf.Reset()
		n, err = f.app.ExportClueLedger(ctx, f.p("townt1"), store.ClueFilter{Status: []clue.Status{clue.StatusRegistered}}, &buf)
		must(t, err)
		rows = readXLSX(t, buf.Bytes(), "线索台账")
		if n != 1 || len(rows) != 2 || rows[1][0] != town.Number {
			t.Errorf("township export: %d rows %q", n, rows)
		}
		hist, err = f.store.History(ctx, "clue", 0)
		must(t, err)
		if len(hist) != 2 || hist[1].Detail != `{"rows":1,"status":["registered"]}` {
			t.Errorf("audit %+v", hist)
		}

		// Over the cap: refused, nothing written, nothing audited.
		buf.Reset()
		_, err = f.app.ExportClueLedgerMaxForTest(ctx, f.p("casea"), store.ClueFilter{}, &buf, 2)
		wantCode(t, err, apperr.Invalid, "ledger.export_too_large", nil)
		if buf.Len() != 0 {
			t.Errorf("%d bytes written for a refused export", buf.Len())
		}
		_, err = f.app.ExportClueLedger(ctx, f.p("analysta"), store.ClueFilter{}, &buf)
		wantCode(t, err, apperr.Forbidden, "", nil)
		if hist, _ = f.store.History(ctx, "clue", 0); len(hist) != 2 {
			t.Errorf("%d export records, want 2", len(hist))
		}
	})
}

// readXLSX opens an xlsx and returns the rows of a sheet as text.
func readXLSX(t *testing.T, b []byte, sheet string) [][]string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("open export: %v", err)
	}
	defer x.Close()
	rows, err := x.GetRows(sheet)
	if err != nil {
		t.Fatalf("rows of %s: %v", sheet, err)
	}
	return rows
}
