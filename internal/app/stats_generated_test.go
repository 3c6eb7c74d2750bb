package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/auth"
	"qingfeng/internal/casework"
	"qingfeng/internal/demo"
	"qingfeng/internal/stats"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// TestStatsAddUp generates two counties over five years (demo.LoadProvince)
// and checks, for the province, a county and an area group, over a year
// and over the whole five years: every breakdown (child units, months, keys)
// adds up to its total, and the totals equal a recount of the records in Go
// (outcomes decoded from their JSON and judged by the rules of
// docs/statistics.md, not by the stored figure columns).
func TestStatsAddUp(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		a := testdb.NewApp(t, s, clock.Now)
		if _, err := demo.LoadProvince(ctx, a, demo.ProvinceOptions{Clues: 1500, Cases: 1500, Years: 5, Seed: 3, Counties: 2,
			Password: password}); err != nil {
			t.Fatal(err)
		}
		sys := auth.System()
		province, err := s.GetUnitByDivision(ctx, "43")
		must(t, err)
		county, err := s.GetUnitByDivision(ctx, "430102")
		must(t, err)
		groups, _, err := s.ListAreaGroups(ctx, sys.ScopeFor(auth.PermOrgRead), store.AreaFilter{CountyUnitID: county.ID, Day: "2026-03-16"})
		must(t, err)
		if len(groups) == 0 {
			t.Fatal("no area groups")
		}
		recount := newRecount(t, s)
		for _, per := range []stats.Period{{From: "2025-01-01", To: "2025-12-31"}, {From: "2021-03-17", To: "2026-03-16"}} {
			for _, req := range []app.StatsRequest{{Unit: fmt.Sprint(province.ID)}, {Unit: "430102"}, {AreaGroup: groups[0].ID}} {
				req.From, req.To = per.From, per.To
				name := fmt.Sprintf("%s %s–%s", req.Unit, per.From, per.To)
				if req.AreaGroup != 0 {
					name = fmt.Sprintf("group %d %s–%s", req.AreaGroup, per.From, per.To)
				}
				d, err := a.StatsDashboard(ctx, sys, req)
				must(t, err)
				sum := d.Summary
				totals := map[string]int64{"reports_received": sum.ReportsReceived, "clues_received": sum.CluesReceived,
					"cases_filed": sum.CasesFiled, "cases_closed": sum.CasesClosed, "persons_sanctioned": sum.PersonsSanctioned,
					"persons_org_actions": sum.PersonsOrgActions, "persons_detained": sum.PersonsDetained,
					"funds_recovered_fen": sum.FundsRecoveredFen, "overdue": sum.Overdue, "clues_disposed": sum.CluesDisposed,
					"funds_returned_fen": sum.FundsReturnedFen, "persons_form1": sum.FourForms.First,
					"persons_form2": sum.FourForms.Second, "persons_form3": sum.FourForms.Third, "persons_form4": sum.FourForms.Fourth,
					"rectifications_opened": sum.RectificationsOpened, "village_sessions": sum.VillageSessions,
					"guidance_records": sum.GuidanceRecords, "training_attendees": sum.TrainingAttendees}
				if sum.CasesFiled == 0 || sum.CluesReceived == 0 {
					t.Fatalf("%s: nothing counted: %+v", name, sum)
				}

				// Child units add up to the whole.
				if req.AreaGroup == 0 {
					for _, m := range stats.RowMetrics() {
						var n int64
						for _, r := range d.Units {
							n += r.Figures[m]
						}
						if n != totals[m] {
							t.Errorf("%s: units' %s = %d, total %d", name, m, n, totals[m])
						}
					}
				}
				// Months add up to the whole.
				for _, sr := range d.Series {
					m, _ := stats.MetricByName(sr.Metric)
					if m.Avg {
						continue
					}
					if want, ok := totals[sr.Metric]; ok {
						var n float64
						for _, v := range sr.Values {
							n += v
						}
						if int64(n) != want {
							t.Errorf("%s: months of %s = %v, total %d", name, sr.Metric, n, want)
						}
					}
					for _, k := range sr.Keys { // and keys add up to the months
						for i, v := range k.Values {
							if v > sr.Values[i] {
								t.Errorf("%s: %s key %s month %d = %v > %v", name, sr.Metric, k.Key, i, v, sr.Values[i])
							}
						}
					}
				}
				// Keys add up to the whole.
				for what, parts := range map[string]map[string]int64{"channel": sum.ReportsByChannel, "kind": sum.ReportsByKind,
					"category": sum.ReportsByCategory} {
					if n := total(parts); n != sum.ReportsReceived {
						t.Errorf("%s: reports by %s = %d, total %d", name, what, n, sum.ReportsReceived)
					}
				}
				if n := total(sum.CluesByMode); n != sum.CluesDisposed {
					t.Errorf("%s: clues by mode = %d, disposed %d", name, n, sum.CluesDisposed)
				}
				if n := total(sum.CluesBySource); n != sum.CluesReceived {
					t.Errorf("%s: clues by source = %d, received %d", name, n, sum.CluesReceived)
				}
				if sum.PersonsSanctioned > sum.PersonsPartySanctioned+sum.PersonsGovernmentSanctioned ||
					sum.PersonsSanctioned < max(sum.PersonsPartySanctioned, sum.PersonsGovernmentSanctioned) {
					t.Errorf("%s: sanctioned %d with party %d and government %d", name, sum.PersonsSanctioned,
						sum.PersonsPartySanctioned, sum.PersonsGovernmentSanctioned)
				}

				// The records, recounted.
				var segs []segment
				if req.AreaGroup != 0 {
					hist, err := s.MembershipHistory(ctx, req.AreaGroup)
					must(t, err)
					for _, m := range hist {
						u, err := s.GetUnit(ctx, m.UnitID)
						must(t, err)
						segs = append(segs, segment{u.Path, m.From, m.To})
					}
				} else {
					u, err := a.StatsSummary(ctx, sys, app.StatsRequest{Unit: req.Unit, From: per.From, To: per.To})
					must(t, err)
					unit, err := s.GetUnit(ctx, u.Scope.ID)
					must(t, err)
					segs = []segment{{prefix: unit.Path}}
				}
				want := recount.count(segs, per)
				got := stats.Summary{ReportsReceived: sum.ReportsReceived, CluesReceived: sum.CluesReceived,
					CluesDisposed: sum.CluesDisposed, CasesFiled: sum.CasesFiled, CasesClosed: sum.CasesClosed,
					PersonsDecided: sum.PersonsDecided, PersonsSanctioned: sum.PersonsSanctioned,
					PersonsPartySanctioned: sum.PersonsPartySanctioned, PersonsGovernmentSanctioned: sum.PersonsGovernmentSanctioned,
					PersonsOrgActions: sum.PersonsOrgActions, PersonsTransferred: sum.PersonsTransferred,
					PersonsDetained: sum.PersonsDetained, FourForms: sum.FourForms, FundsRecoveredFen: sum.FundsRecoveredFen,
					FundsReturnedFen: sum.FundsReturnedFen}
				if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
					t.Errorf("%s: counted\n%+v\nrecounted\n%+v", name, got, want)
				}
			}
		}
	})
}

func total(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// segment is a unit subtree with an optional membership validity
// (YYYY-MM-DD, to exclusive).
type segment struct{ prefix, from, to string }

// recount holds every countable record, read with plain SQL.
type recount struct {
	loc      *time.Location
	reports  []rec
	clues    []rec
	disposed []rec
	filed    []rec
	closed   []rec
	subjects []subjectRec
	detained map[int64]rec // subject id -> first detention
}

type rec struct {
	path string
	at   time.Time
}

type subjectRec struct {
	rec
	o casework.Outcome
}

func newRecount(t *testing.T, s *store.Store) *recount {
	t.Helper()
	db := s.DB()
	r := &recount{loc: time.FixedZone("CST", 8*3600), detained: map[int64]rec{}}
	read := func(q string, add func(path string, at int64, extra string, id int64)) {
		t.Helper()
		rows, err := db.QueryContext(ctx, q)
		must(t, err)
		defer rows.Close()
		for rows.Next() {
			var path, extra string
			var at, id int64
			must(t, rows.Scan(&path, &at, &extra, &id))
			add(path, at, extra, id)
		}
		must(t, rows.Err())
	}
	ts := func(ms int64) time.Time { return time.UnixMilli(ms) }
	read(`SELECT unit_path, received_at, '', id FROM reports`, func(p string, at int64, _ string, _ int64) {
		r.reports = append(r.reports, rec{p, ts(at)})
	})
	read(`SELECT unit_path, received_at, mode, disposed_at FROM clues`, func(p string, at int64, mode string, disposed int64) {
		r.clues = append(r.clues, rec{p, ts(at)})
		if mode != "" && disposed > 0 {
			r.disposed = append(r.disposed, rec{p, ts(disposed)})
		}
	})
	read(`SELECT unit_path, filed_at, status, closed_at FROM cases`, func(p string, filed int64, status string, closed int64) {
		if filed > 0 && status != "merged" {
			r.filed = append(r.filed, rec{p, ts(filed)})
		}
		if filed > 0 && closed > 0 && (status == "closed" || status == "appeal") {
			r.closed = append(r.closed, rec{p, ts(closed)})
		}
	})
	read(`SELECT c.unit_path, sj.outcome_at, sj.outcome, sj.id FROM case_subjects sj JOIN cases c ON c.id = sj.case_id
		WHERE sj.outcome_at > 0`, func(p string, at int64, outcome string, _ int64) {
		var o casework.Outcome
		if err := json.Unmarshal([]byte(outcome), &o); err != nil {
			t.Fatalf("outcome %q: %v", outcome, err)
		}
		r.subjects = append(r.subjects, subjectRec{rec{p, ts(at)}, o})
	})
	first := func(p string, at int64, _ string, sid int64) {
		if d, ok := r.detained[sid]; !ok || ts(at).Before(d.at) {
			r.detained[sid] = rec{p, ts(at)}
		}
	}
	read(`SELECT c.unit_path, m.started_at, '', m.subject_id FROM case_measures m JOIN cases c ON c.id = m.case_id
		WHERE m.kind = 'detention'`, first)
	read(`SELECT c.unit_path, c.filed_at, '', sj.id FROM case_subjects sj JOIN cases c ON c.id = sj.case_id WHERE sj.detained`, first)
	return r
}

// in reports whether a record falls in one of the segments and the period.
func (r *recount) in(x rec, segs []segment, per stats.Period) bool {
	from, to := per.Bounds(r.loc)
	if x.at.Before(from) || !x.at.Before(to) {
		return false
	}
	day := x.at.In(r.loc).Format(time.DateOnly)
	for _, s := range segs {
		if strings.HasPrefix(x.path, s.prefix) && (s.from == "" || day >= s.from) && (s.to == "" || day < s.to) {
			return true
		}
	}
	return false
}

func (r *recount) count(segs []segment, per stats.Period) stats.Summary {
	var s stats.Summary
	n := func(xs []rec) (c int64) {
		for _, x := range xs {
			if r.in(x, segs, per) {
				c++
			}
		}
		return c
	}
	s.ReportsReceived, s.CluesReceived, s.CluesDisposed = n(r.reports), n(r.clues), n(r.disposed)
	s.CasesFiled, s.CasesClosed = n(r.filed), n(r.closed)
	for _, sj := range r.subjects {
		if !r.in(sj.rec, segs, per) {
			continue
		}
		o := sj.o
		s.PersonsDecided++
		if o.Withdrawn {
			continue
		}
		if o.Party != "" || o.Gov != "" {
			s.PersonsSanctioned++
		}
		if o.Party != "" {
			s.PersonsPartySanctioned++
		}
		if o.Gov != "" {
			s.PersonsGovernmentSanctioned++
		}
		if len(o.Org) > 0 {
			s.PersonsOrgActions++
		}
		if o.Transferred {
			s.PersonsTransferred++
		}
		switch casework.FormOf(o).Form {
		case casework.FormFirst:
			s.FourForms.First++
		case casework.FormSecond:
			s.FourForms.Second++
		case casework.FormThird:
			s.FourForms.Third++
		case casework.FormFourth:
			s.FourForms.Fourth++
		}
		s.FundsRecoveredFen += o.ConfiscatedFen + o.RecoveredFen + o.OrderedFen
		s.FundsReturnedFen += o.ReturnedFen
	}
	for _, d := range r.detained {
		if r.in(d, segs, per) {
			s.PersonsDetained++
		}
	}
	return s
}
