package app_test

import (
	"strings"
	"testing"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/intake"
	"qingfeng/internal/org"
	"qingfeng/internal/oversight"
	"qingfeng/internal/store"
)

// villageMember adds a village member to a fixture unit and signs in.
func (f *fixture) villageMember(t *testing.T, username, unitKey string) auth.Principal {
	t.Helper()
	p, err := f.app.SavePerson(ctx, sys, org.Person{UnitID: f.units[unitKey].ID, Name: "委员" + username, Post: "村级纪检委员", Active: true})
	must(t, err)
	_, err = f.app.CreateUser(ctx, sys, p.ID, username, password, []auth.Role{auth.RoleVillage})
	must(t, err)
	return f.signIn(t, username)
}

func count(t *testing.T, f *fixture, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.store.DB().QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const cid1 = "6f1c1d2e-0b7a-4c53-9d1e-2a7b8c9d0e1f"

func visitInput(id string) oversight.Input {
	return oversight.Input{ClientID: id, Kind: oversight.KindVisit, Date: "2026-03-15", Summary: "走访脱贫户，了解产业补贴发放情况",
		People: 6, Names: "张大爷等", Place: "南庄坪社区三组"}
}

func TestLogVillageIdempotent(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		v1 := f.principals["villagev1"]
		e, created, err := f.app.LogVillage(ctx, v1, visitInput(cid1))
		must(t, err)
		if !created || e.ID == 0 || e.UnitID != f.units["V1"].ID || e.People != 6 || e.Kind != oversight.KindVisit {
			t.Fatalf("created %v entry %+v", created, e)
		}
		entries := count(t, f, `SELECT COUNT(*) FROM village_entries`)
		audits := count(t, f, `SELECT COUNT(*) FROM audit_log`)
		// The same form again (extra spaces do not matter): the same entry, nothing written.
		again := visitInput(cid1)
		again.Summary = "  " + again.Summary + " "
		e2, created, err := f.app.LogVillage(ctx, v1, again)
		must(t, err)
		if created || e2.ID != e.ID {
			t.Fatalf("replay: created %v id %d, want false %d", created, e2.ID, e.ID)
		}
		if n := count(t, f, `SELECT COUNT(*) FROM village_entries`); n != entries {
			t.Errorf("entries after replay %d, want %d", n, entries)
		}
		if n := count(t, f, `SELECT COUNT(*) FROM audit_log`); n != audits {
			t.Errorf("audit records after replay %d, want %d", n, audits)
		}
		// The same client id with other content: conflict.
		other := visitInput(cid1)
		other.People = 7
		_, _, err = f.app.LogVillage(ctx, v1, other)
		wantCode(t, err, apperr.Conflict, "village.client_id_reused", nil)
		// The audit record of the creation.
		h, err := f.store.History(ctx, "village_entry", e.ID)
		must(t, err)
		if len(h) != 1 || h[0].Action != "village.create" || h[0].ActorUserID != v1.UserID {
			t.Fatalf("history %+v", h)
		}
	})
}

func TestLogVillageAccess(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		v1 := f.principals["villagev1"]
		vb1 := f.villageMember(t, "villagevb1", "VB1")
		v2 := f.villageMember(t, "villagev2", "V2")
		e, _, err := f.app.LogVillage(ctx, v1, visitInput(cid1))
		must(t, err)
		// Township staff cannot log (no village.log; not a village).
		_, _, err = f.app.LogVillage(ctx, f.principals["townt1"], visitInput("aaaaaaaa-0001"))
		wantCode(t, err, apperr.Forbidden, "", nil)
		// The same client id from another author is another entry.
		e2, created, err := f.app.LogVillage(ctx, v2, visitInput(cid1))
		must(t, err)
		if !created || e2.ID == e.ID || e2.UnitID != f.units["V2"].ID {
			t.Fatalf("other author's entry %+v", e2)
		}
		for _, tc := range []struct {
			who  string
			p    auth.Principal
			want []int64
		}{
			{"villagev1", v1, []int64{e.ID}},
			{"villagev2", v2, []int64{e2.ID}},
			{"villagevb1 (other county)", vb1, nil},
			{"townt1", f.principals["townt1"], []int64{e2.ID, e.ID}},
			{"townb1 (other county)", f.principals["townb1"], nil},
			{"officeo1 (area group with T1)", f.principals["officeo1"], []int64{e2.ID, e.ID}},
		} {
			got, n, err := f.app.ListVillage(ctx, tc.p, store.VillageFilter{})
			must(t, err)
			var ids []int64
			for _, g := range got {
				ids = append(ids, g.ID)
			}
			if n != len(tc.want) || len(ids) != len(tc.want) || (len(ids) > 0 && (ids[0] != tc.want[0] || ids[len(ids)-1] != tc.want[len(tc.want)-1])) {
				t.Errorf("%s sees %v (%d), want %v", tc.who, ids, n, tc.want)
			}
		}
		_, err = f.app.GetVillage(ctx, vb1, e.ID)
		wantCode(t, err, apperr.NotFound, "", nil)
		_, err = f.app.GetVillage(ctx, f.principals["townb1"], e.ID)
		wantCode(t, err, apperr.NotFound, "", nil)
		if _, err := f.app.GetVillage(ctx, f.principals["townt1"], e.ID); err != nil {
			t.Fatal(err)
		}
		// Filters: kind and dates.
		got, _, err := f.app.ListVillage(ctx, f.principals["townt1"], store.VillageFilter{Kind: oversight.KindDemand})
		must(t, err)
		if len(got) != 0 {
			t.Errorf("demand filter: %d entries", len(got))
		}
		got, _, err = f.app.ListVillage(ctx, f.principals["townt1"], store.VillageFilter{From: "2026-03-16"})
		must(t, err)
		if len(got) != 0 {
			t.Errorf("date filter: %d entries", len(got))
		}
		got, _, err = f.app.ListVillage(ctx, f.principals["townt1"], store.VillageFilter{UnitPath: f.units["V2"].Path})
		must(t, err)
		if len(got) != 1 || got[0].ID != e2.ID {
			t.Errorf("village filter: %+v", got)
		}
	})
}

func demandInput(id, phone string) oversight.Input {
	return oversight.Input{ClientID: id, Kind: oversight.KindDemand, Date: "2026-03-16", Summary: "反映三组水渠堵塞，春耕灌溉困难",
		DemandKind: oversight.DemandDifficulty, Person: "张三", Phone: phone}
}

func TestVillageDemandLifecycle(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		v1 := f.principals["villagev1"]
		d, _, err := f.app.LogVillage(ctx, v1, demandInput("demand-0001", "13800138000"))
		must(t, err)
		if d.Status != oversight.DemandOpen {
			t.Fatalf("status %q", d.Status)
		}
		steps := []oversight.Act{
			{Op: oversight.OpForward, Department: "街道农业综合服务中心"},
			{Op: oversight.OpResolve, Note: "已组织清淤"},
			{Op: oversight.OpReopen, Note: "下游仍不通"},
			{Op: oversight.OpResolve, Note: "全线清淤，已通水"},
			{Op: oversight.OpConfirm, Note: "张三确认满意"},
		}
		want := []oversight.DemandStatus{oversight.DemandInProgress, oversight.DemandResolved, oversight.DemandInProgress,
			oversight.DemandResolved, oversight.DemandConfirmed}
		for i, act := range steps {
			act.Version = d.Version
			d, err = f.app.ActVillage(ctx, v1, d.ID, act)
			must(t, err)
			if d.Status != want[i] {
				t.Fatalf("step %d: %q, want %q", i, d.Status, want[i])
			}
		}
		if d.ResolvedAt.IsZero() || d.ConfirmedAt.IsZero() || d.Resolution != "全线清淤，已通水" || d.Department != "街道农业综合服务中心" {
			t.Errorf("demand %+v", d)
		}
		_, err = f.app.ActVillage(ctx, v1, d.ID, oversight.Act{Op: oversight.OpReopen, Note: "x"})
		wantCode(t, err, apperr.Conflict, "village.transition_invalid", nil)
		_, err = f.app.ActVillage(ctx, v1, d.ID, oversight.Act{Op: oversight.OpConfirm, Version: 1})
		wantCode(t, err, apperr.Conflict, "error.version_conflict", nil)
		// Township staff read but do not act.
		_, err = f.app.ActVillage(ctx, f.principals["townt1"], d.ID, oversight.Act{Op: oversight.OpConfirm})
		wantCode(t, err, apperr.Forbidden, "", nil)
		evs, err := f.app.VillageEvents(ctx, f.principals["townt1"], d.ID)
		must(t, err)
		if len(evs) != 6 || evs[0].Action != "create" || evs[3].Action != "reopen" || evs[3].Note != "下游仍不通" {
			t.Fatalf("events %+v", evs)
		}
		// Audit: one record per write, without the person's name or phone.
		h, err := f.store.History(ctx, "village_entry", d.ID)
		must(t, err)
		if len(h) != 6 {
			t.Fatalf("%d audit records, want 6", len(h))
		}
		for _, r := range h {
			if strings.Contains(r.Detail, "张三") || strings.Contains(r.Detail, "13800138000") {
				t.Errorf("personal data in audit detail %s", r.Detail)
			}
		}
	})
}

func TestVillageDemandToReport(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		v1 := f.principals["villagev1"]
		d, _, err := f.app.LogVillage(ctx, v1, demandInput("demand-0002", "13800138000"))
		must(t, err)
		reports := count(t, f, `SELECT COUNT(*) FROM reports`)
		out, rep, err := f.app.ReportVillageDemand(ctx, v1, d.ID, villageReport("李某", "村委会主任"))
		must(t, err)
		if out.Status != oversight.DemandReported || out.ReportID != rep.ID || out.ReportNumber != rep.Number || rep.Number == "" {
			t.Fatalf("demand %+v report %+v", out, rep)
		}
		if rep.Channel != intake.ChannelVillage || rep.Anonymous || rep.Subject.Name != "李某" || rep.OperatorUserID != v1.UserID {
			t.Fatalf("report %+v", rep)
		}
		if n := count(t, f, `SELECT COUNT(*) FROM reports`); n != reports+1 {
			t.Fatalf("reports %d, want %d", n, reports+1)
		}
		if n := count(t, f, `SELECT COUNT(*) FROM reports WHERE channel = 'village-visit'`); n != 1 {
			t.Fatalf("village-visit reports %d, want 1", n)
		}
		// Once reported, no second report.
		_, _, err = f.app.ReportVillageDemand(ctx, v1, d.ID, villageReport("李某", ""))
		wantCode(t, err, apperr.Conflict, "village.transition_invalid", nil)
		if n := count(t, f, `SELECT COUNT(*) FROM reports`); n != reports+1 {
			t.Fatalf("reports after a second try %d", n)
		}
		h, err := f.store.History(ctx, "village_entry", d.ID)
		must(t, err)
		if len(h) != 2 || h[1].Action != "village.report" || !strings.Contains(h[1].Detail, rep.Number) {
			t.Fatalf("history %+v", h)
		}
		rh, err := f.store.History(ctx, "report", rep.ID)
		must(t, err)
		if len(rh) == 0 {
			t.Fatal("no audit record of the report")
		}
		// Without a phone the report is anonymous.
		d2, _, err := f.app.LogVillage(ctx, v1, demandInput("demand-0003", ""))
		must(t, err)
		_, rep2, err := f.app.ReportVillageDemand(ctx, v1, d2.ID, villageReport("", ""))
		must(t, err)
		if !rep2.Anonymous || rep2.Channel != intake.ChannelVillage {
			t.Fatalf("report without phone %+v", rep2)
		}
		checkFingerprints(t, f.store)
	})
}

func villageReport(name, post string) app.VillageReportInput {
	return app.VillageReportInput{Subject: intake.Subject{Name: name, Post: post}}
}

// TestVillageStats: the summary counts equal the logged entries: sessions
// and visits by the activity date, the people visited summed, demands
// collected by date and resolved by resolution date (a reopened demand
// not counted until resolved again; a reported one not at all).
func TestVillageStats(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		v1 := f.principals["villagev1"]
		v2 := f.villageMember(t, "villagev2", "V2")
		log := func(p auth.Principal, in oversight.Input) oversight.Entry {
			t.Helper()
			e, _, err := f.app.LogVillage(ctx, p, in)
			must(t, err)
			return e
		}
		log(v1, oversight.Input{ClientID: "s-00000001", Kind: oversight.KindSession, Date: "2026-03-02", Summary: "监督村级财务公开", Topics: []string{"finance"}})
		log(v2, oversight.Input{ClientID: "s-00000002", Kind: oversight.KindSession, Date: "2026-03-10", Summary: "监督低保评议", Topics: []string{"relief"}})
		log(v1, oversight.Input{ClientID: "s-00000003", Kind: oversight.KindSession, Date: "2025-12-30", Summary: "去年的监督", Topics: []string{"other"}})
		log(v1, visitInput("v-00000001"))                                                                                           // 6 people
		log(v2, oversight.Input{ClientID: "v-00000002", Kind: oversight.KindVisit, Date: "2026-03-12", Summary: "走访党员", People: 9}) // 9 people
		d1 := log(v1, demandInput("d-00000001", ""))
		d2 := log(v1, demandInput("d-00000002", ""))
		d3 := log(v2, demandInput("d-00000003", "13800138000"))
		log(v2, demandInput("d-00000004", ""))
		// Replays count nothing.
		log(v1, visitInput("v-00000001"))
		for _, act := range []oversight.Act{{Op: oversight.OpResolve, Note: "已解决"}, {Op: oversight.OpConfirm}} {
			_, err := f.app.ActVillage(ctx, v1, d1.ID, act)
			must(t, err)
		}
		for _, act := range []oversight.Act{{Op: oversight.OpResolve, Note: "已解决"}, {Op: oversight.OpReopen, Note: "不满意"}} {
			_, err := f.app.ActVillage(ctx, v1, d2.ID, act)
			must(t, err)
		}
		_, _, err := f.app.ReportVillageDemand(ctx, v2, d3.ID, villageReport("某某", ""))
		must(t, err)

		p := f.principals["admina"]
		s, err := f.app.StatsSummary(ctx, p, app.StatsRequest{Unit: "430802"})
		must(t, err)
		got := [5]int64{s.VillageSessions, s.VillageVisits, s.VillagePeopleVisited, s.DemandsCollected, s.DemandsResolved}
		if want := [5]int64{2, 2, 15, 4, 1}; got != want {
			t.Fatalf("sessions, visits, people, collected, resolved = %v, want %v", got, want)
		}
		// The township T1 holds V1 and V2.
		s1, err := f.app.StatsSummary(ctx, p, app.StatsRequest{Unit: "430802001", From: "2025-12-01"})
		must(t, err)
		if got := [5]int64{s1.VillageSessions, s1.VillageVisits, s1.VillagePeopleVisited, s1.DemandsCollected, s1.DemandsResolved}; got != [5]int64{3, 2, 15, 4, 1} {
			t.Fatalf("T1 since December: %v", got)
		}
		text, err := f.app.StatsBulletin(ctx, p, app.StatsRequest{Unit: "430802"})
		must(t, err)
		if !strings.HasSuffix(text, "村（社区）纪检委员累计开展党风廉政监督2次，走访党员群众15人次，收集解决群众生产生活难题和信访诉求1个。") {
			t.Fatalf("bulletin %s", text)
		}
	})
}
