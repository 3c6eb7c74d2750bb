package app_test

import (
	"bytes"
	"fmt"
	"maps"
	"strings"
	"testing"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/stats"
	"qingfeng/internal/store"
)

// seedLedger is a ledger reproducing the seed's figures for county A:
// 72 cases of one person each, 20 people given a party or government
// sanction (persons 1–5 both), 13 given an organisational action (16–28,
// overlapping the sanctioned 16–20), 4 detained (1–4), 4,778,700.00 yuan
// recovered (persons 1 and 2); the rest admonished (诫勉, first form).
// Cases 1–40 are filed in January 2026, 41–72 in February; all closed on
// 1 March 2026. Two more cases led by T1 are filed on 20 December 2025
// (closed 20 February) and 10 March 2026 (closed 12 March): area group AG1,
// which T1 joined on 1 January 2026, counts only the second, and the
// period 1 January – 5 March holds exactly the seed's 72 cases.
func seedLedger() [][]any {
	rows := [][]any{{"案件编号", "立案日期", "承办单位", "被审查调查人", "职务", "人员类别", "党纪处分", "政务处分", "组织处理", "第一种形态",
		"是否留置", "移送司法", "追缴资金（元）", "退还群众资金（元）", "结案日期", "案由"}}
	for i := 1; i <= 72; i++ {
		filed := fmt.Sprintf("2026-01-%02d", 2+i%28)
		if i > 40 {
			filed = fmt.Sprintf("2026-02-%02d", 1+i%27)
		}
		cat, party, gov, orgAct, first, detained, funds, returned := "公职人员", "", "", "", "", "否", "", ""
		switch {
		case i <= 5:
			cat, party, gov = "公职人员、中共党员", "警告", "记过"
		case i <= 12:
			cat, party = "公职人员、中共党员", "严重警告"
		case i <= 20:
			gov = "记大过"
		}
		if i >= 16 && i <= 28 {
			orgAct = "调整职务"
		}
		if i > 28 {
			first = "诫勉"
		}
		if i <= 4 {
			detained = "是"
		}
		switch i {
		case 1:
			funds = "4,000,000.00"
		case 2:
			funds = "778,700.00"
		}
		rows = append(rows, []any{fmt.Sprintf("永纪案〔2026〕%d号", i), filed, "", fmt.Sprintf("对象%d", i), "科员", cat, party, gov,
			orgAct, first, detained, "否", funds, returned, "2026-03-01", "违规发放补贴"})
	}
	for i, dates := range [][2]string{{"2025-12-20", "2026-02-20"}, {"2026-03-10", "2026-03-12"}} {
		rows = append(rows, []any{fmt.Sprintf("天纪案〔2026〕%d号", i+1), dates[0], "天门山镇纪委", fmt.Sprintf("镇干部%d", i), "科员",
			"公职人员", "", "", "", "诫勉", "否", "否", "", "", dates[1], "违规吃喝"})
	}
	return rows
}

func TestStatsSeedFigures(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := f.principals["admina"]
		p.Perms = maps.Clone(p.Perms)
		p.Perms[auth.PermCaseFile] = true
		rows := seedLedger()
		rows[73][2], rows[74][2] = f.units["T1"].Name, f.units["T1"].Name
		data := xlsxBytes(t, rows)
		sum, err := f.app.ImportCases(ctx, p, bytes.NewReader(data), int64(len(data)), app.CaseImportOptions{Name: "seed.xlsx",
			UnitID: f.units["A"].ID})
		must(t, err)
		if !sum.Written || sum.CasesCreated != 74 {
			t.Fatalf("import: %+v", sum)
		}

		// The county this year: the seed's sentence.
		s, err := f.app.StatsSummary(ctx, p, app.StatsRequest{Unit: "430802"})
		must(t, err)
		want := stats.Summary{CasesFiled: 73, CasesClosed: 74, PersonsDecided: 74, PersonsSanctioned: 20, PersonsPartySanctioned: 12,
			PersonsGovernmentSanctioned: 13, PersonsOrgActions: 13, PersonsDetained: 4, FundsRecoveredFen: 477870000,
			FourForms: stats.Forms{First: 46, Second: 28}}
		got := stats.Summary{CasesFiled: s.CasesFiled, CasesClosed: s.CasesClosed, PersonsDecided: s.PersonsDecided,
			PersonsSanctioned: s.PersonsSanctioned, PersonsPartySanctioned: s.PersonsPartySanctioned,
			PersonsGovernmentSanctioned: s.PersonsGovernmentSanctioned, PersonsOrgActions: s.PersonsOrgActions,
			PersonsDetained: s.PersonsDetained, FundsRecoveredFen: s.FundsRecoveredFen, FundsReturnedFen: s.FundsReturnedFen,
			FourForms: s.FourForms}
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
			t.Fatalf("summary\n got %+v\nwant %+v", got, want)
		}
		if s.Period != (stats.Period{From: "2026-01-01", To: "2026-03-16"}) || s.Scope.Kind != "unit" || s.Scope.ID != f.units["A"].ID {
			t.Errorf("period %+v scope %+v", s.Period, s.Scope)
		}
		if s.AvgCaseDays == nil || *s.AvgCaseDays <= 0 {
			t.Errorf("avg case days %v", s.AvgCaseDays)
		}

		// This year holds T1's March case too: 73 cases.
		text, err := f.app.StatsBulletin(ctx, p, app.StatsRequest{Unit: "430802"})
		must(t, err)
		if want := "今年以来，" + f.units["A"].Name + "共查办案件73件，给予党纪政务处分20人，组织处理13人，采取留置措施4人，追缴资金477.87万元。"; !strings.HasPrefix(text, want) {
			t.Errorf("bulletin\n got %s\nwant prefix %s", text, want)
		}
		// 1 January – 5 March: exactly the seed's figures and sentence.
		seed, err := f.app.StatsSummary(ctx, p, app.StatsRequest{Unit: "430802", From: "2026-01-01", To: "2026-03-05"})
		must(t, err)
		if got := [5]int64{seed.CasesFiled, seed.PersonsSanctioned, seed.PersonsOrgActions, seed.PersonsDetained, seed.FundsRecoveredFen}; got != [5]int64{72, 20, 13, 4, 477870000} {
			t.Errorf("seed period: %v", got)
		}
		text, err = f.app.StatsBulletin(ctx, p, app.StatsRequest{Unit: "430802", From: "2026-01-01", To: "2026-03-05"})
		must(t, err)
		if want := "2026年1月1日至3月5日，" + f.units["A"].Name + "共查办案件72件，给予党纪政务处分20人，组织处理13人，采取留置措施4人，追缴资金477.87万元。"; !strings.HasPrefix(text, want) {
			t.Errorf("seed bulletin\n got %s\nwant prefix %s", text, want)
		}

		// The period December–February counts T1's December case and not March.
		s2, err := f.app.StatsSummary(ctx, p, app.StatsRequest{Unit: fmt.Sprint(f.units["A"].ID), From: "2025-12-01", To: "2026-02-28"})
		must(t, err)
		if s2.CasesFiled != 73 || s2.CasesClosed != 1 || s2.PersonsDecided != 1 {
			t.Errorf("Dec–Feb: filed %d closed %d decided %d", s2.CasesFiled, s2.CasesClosed, s2.PersonsDecided)
		}

		// Area group AG1 counts T1's case of January, not December's (T1
		// joined on 1 January 2026).
		g, err := f.app.StatsSummary(ctx, p, app.StatsRequest{AreaGroup: f.ag1.ID, From: "2025-12-01", To: "2026-03-16"})
		must(t, err)
		if g.CasesFiled != 1 || g.Scope.Kind != "area_group" || g.Scope.Name != f.ag1.Name {
			t.Errorf("area group: filed %d scope %+v", g.CasesFiled, g.Scope)
		}

		// Dashboard: parts add up to the whole.
		d, err := f.app.StatsDashboard(ctx, p, app.StatsRequest{Unit: "430802", From: "2025-12-01", Compare: "2026-02-01"})
		must(t, err)
		total := map[string]int64{"cases_filed": d.Summary.CasesFiled, "cases_closed": d.Summary.CasesClosed,
			"persons_sanctioned": d.Summary.PersonsSanctioned, "persons_org_actions": d.Summary.PersonsOrgActions,
			"persons_detained": d.Summary.PersonsDetained, "funds_recovered_fen": d.Summary.FundsRecoveredFen,
			"reports_received": d.Summary.ReportsReceived, "clues_received": d.Summary.CluesReceived, "overdue": d.Summary.Overdue,
			"rectifications_opened": d.Summary.RectificationsOpened, "village_sessions": d.Summary.VillageSessions,
			"guidance_records": d.Summary.GuidanceRecords, "training_attendees": d.Summary.TrainingAttendees}
		for _, m := range stats.RowMetrics() {
			var n int64
			for _, r := range d.Units {
				n += r.Figures[m]
			}
			if n != total[m] {
				t.Errorf("units' %s add up to %d, total %d", m, n, total[m])
			}
		}
		var t1 int64
		for _, r := range d.Units {
			if r.ID == f.units["T1"].ID {
				t1 = r.Figures["cases_filed"]
			}
		}
		if t1 != 2 {
			t.Errorf("T1 filed %d, want 2", t1)
		}
		for _, sr := range d.Series {
			if sr.Metric != "cases_filed" && sr.Metric != "persons_sanctioned" {
				continue
			}
			var n float64
			for _, v := range sr.Values {
				n += v
			}
			if want := map[string]int64{"cases_filed": 74, "persons_sanctioned": 20}[sr.Metric]; int64(n) != want ||
				len(sr.Labels) != 4 || sr.Labels[0] != "2025-12" {
				t.Errorf("series %s: %v over %v", sr.Metric, sr.Values, sr.Labels)
			}
		}
		if len(d.AreaGroups) != 2 || d.AreaGroups[0].Figures["cases_filed"]+d.AreaGroups[1].Figures["cases_filed"] != 1 {
			t.Errorf("area groups %+v", d.AreaGroups)
		}
		if d.Compare == nil || d.Compare.Before.CasesClosed != 0 || d.Compare.After.CasesClosed != 74 ||
			d.Compare.Before.Period.To != "2026-01-31" {
			t.Errorf("compare %+v", d.Compare)
		}

		// A period inside the memberships: the dashboard sums the groups from
		// the county's per-unit rows, and agrees with the group's own summary.
		d2, err := f.app.StatsDashboard(ctx, p, app.StatsRequest{Unit: "430802", From: "2026-01-01"})
		must(t, err)
		for _, row := range d2.AreaGroups {
			gs, err := f.app.StatsSummary(ctx, p, app.StatsRequest{AreaGroup: row.ID, From: "2026-01-01"})
			must(t, err)
			if row.Figures["cases_filed"] != gs.CasesFiled || row.Figures["persons_sanctioned"] != gs.PersonsSanctioned ||
				row.Figures["clues_received"] != gs.CluesReceived || row.Figures["reports_received"] != gs.ReportsReceived {
				t.Errorf("group %s: dashboard %v, summary filed %d", row.Name, row.Figures, gs.CasesFiled)
			}
			if row.ID == f.ag1.ID && row.Figures["cases_filed"] != 1 {
				t.Errorf("AG1 filed %d, want 1", row.Figures["cases_filed"])
			}
		}

		// Direct SQL against the same rules.
		var direct [3]int64
		must(t, f.store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE filed_at > 0 AND unit_path LIKE $1`,
			f.units["A"].Path+"%").Scan(&direct[0]))
		must(t, f.store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM case_subjects WHERE party_sanctioned OR gov_sanctioned`).Scan(&direct[1]))
		must(t, f.store.DB().QueryRowContext(ctx, `SELECT COALESCE(SUM(funds_fen), 0) FROM case_subjects`).Scan(&direct[2]))
		if direct != [3]int64{74, 20, 477870000} {
			t.Errorf("direct SQL %v", direct)
		}

		// Drill-down: the sanctioned people, within the reader's scope: an
		// administrator without case.read counts them but lists none.
		_, n, err := f.app.StatsRecords(ctx, f.principals["admina"], app.StatsRequest{Unit: "430802"}, "persons_sanctioned", "", "", 0, store.Page{})
		must(t, err)
		if n != 0 {
			t.Errorf("drill-down without case.read: %d", n)
		}
		p.Perms[auth.PermCaseRead] = true
		recs, n, err := f.app.StatsRecords(ctx, p, app.StatsRequest{Unit: "430802"}, "persons_sanctioned", "", "", 0, store.Page{Limit: 5})
		must(t, err)
		if n != 20 || len(recs) != 5 || recs[0].Type != "case" || recs[0].Number == "" {
			t.Errorf("drill-down: %d %+v", n, recs)
		}
		recs, n, err = f.app.StatsRecords(ctx, p, app.StatsRequest{Unit: "430802", From: "2025-12-01"}, "cases_filed", "", "", f.units["T1"].ID, store.Page{})
		must(t, err)
		if n != 2 || len(recs) != 2 {
			t.Errorf("drill-down T1: %d %+v", n, recs)
		}

		// Scope: a township commission sees its own figures, not the county's.
		tp := f.principals["townt1"]
		_, err = f.app.StatsSummary(ctx, tp, app.StatsRequest{Unit: "430802"})
		wantCode(t, err, apperr.NotFound, "error.not_found.unit", nil)
		ts, err := f.app.StatsSummary(ctx, tp, app.StatsRequest{From: "2025-12-01"})
		must(t, err)
		if ts.Scope.ID != f.units["T1"].ID || ts.CasesFiled != 2 {
			t.Errorf("township's own: %+v filed %d", ts.Scope, ts.CasesFiled)
		}
		_, err = f.app.StatsSummary(ctx, f.principals["villagev1"], app.StatsRequest{})
		wantCode(t, err, apperr.Forbidden, "", nil)
		_, err = f.app.StatsSummary(ctx, p, app.StatsRequest{From: "2026-03-02", To: "2026-03-01"})
		wantCode(t, err, apperr.Invalid, "", map[string]string{"to": "stats.period_reversed"})

		// Public table: January (40 cases) is published; T1's December case
		// (1) and its people are suppressed, zero is shown.
		pub, err := f.app.PublicStats(ctx, "2026-02")
		must(t, err)
		if pub.K != 3 || len(pub.Months) != 12 || pub.Months[11] != "2026-02" {
			t.Fatalf("public months %v", pub.Months)
		}
		for _, c := range pub.Counties {
			if c.Code != "430802" {
				continue
			}
			dec, jan := c.Months[9], c.Months[10]
			if dec.Month != "2025-12" || !dec.CasesFiled.Suppressed || dec.CasesFiled.Value != 0 {
				t.Errorf("December %+v", dec)
			}
			if jan.Month != "2026-01" || jan.CasesFiled.Suppressed || jan.CasesFiled.Value != 40 || jan.ReportsReceived.Suppressed {
				t.Errorf("January %+v", jan)
			}
			return
		}
		t.Errorf("county A missing from the public table: %+v", pub.Counties)
	})
}
