package store_test

import (
	"slices"
	"testing"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

func memberUnitIDs(ms []org.Membership) []int64 {
	var out []int64
	for _, m := range ms {
		out = append(out, m.UnitID)
	}
	slices.Sort(out)
	return out
}

func ids(vs ...int64) []int64 {
	vs = slices.Clone(vs)
	slices.Sort(vs)
	return vs
}

func TestAreaGroupMembership(t *testing.T) {
	testdb.Each(t, testdb.NewClock(t0).Now, func(t *testing.T, s *store.Store) {
		tr := buildTree(t, s)
		leader := mkPerson(t, s, tr.a, "王书记", "副书记")
		ag1, err := s.CreateAreaGroup(ctx, sysActor, org.AreaGroup{CountyUnitID: tr.a.ID, Name: "第一片区", LeaderPersonID: leader.ID, Note: "城区"})
		must(t, err)
		if ag1.ID == 0 || ag1.Version != 1 || !ag1.Active || !ag1.CreatedAt.Equal(t0) {
			t.Errorf("CreateAreaGroup = %+v", ag1)
		}
		ag2, err := s.CreateAreaGroup(ctx, sysActor, org.AreaGroup{CountyUnitID: tr.a.ID, Name: "第二片区", LeaderPersonID: leader.ID})
		must(t, err)
		_, err = s.CreateAreaGroup(ctx, sysActor, org.AreaGroup{CountyUnitID: tr.a.ID, Name: "第一片区", LeaderPersonID: leader.ID})
		wantErr(t, err, apperr.Conflict, "error.duplicate")
		// The same name in another county is fine.
		agB, err := s.CreateAreaGroup(ctx, sysActor, org.AreaGroup{CountyUnitID: tr.b.ID, Name: "第一片区", LeaderPersonID: leader.ID})
		must(t, err)

		add := func(g org.AreaGroup, u org.Unit, from string) org.Membership {
			t.Helper()
			m, err := s.AddMember(ctx, sysActor, g.ID, u.ID, from)
			if err != nil {
				t.Fatalf("AddMember(%s, %s, %s): %v", g.Name, u.Name, from, err)
			}
			if m.ID == 0 || m.AreaGroupID != g.ID || m.UnitID != u.ID || m.From != from || m.To != "" {
				t.Errorf("AddMember = %+v", m)
			}
			return m
		}
		add(ag1, tr.t1, "2025-01-01")
		add(ag1, tr.o1, "2025-01-01")
		mT2 := add(ag1, tr.t2, "2025-01-01")

		// A second open membership of the same unit is blocked by the unique index.
		_, err = s.AddMember(ctx, sysActor, ag2.ID, tr.t2.ID, "2025-06-01")
		wantErr(t, err, apperr.Conflict, "error.duplicate")

		// T2 moves from AG1 to AG2 on 2026-01-01.
		must(t, s.EndMembership(ctx, sysActor, mT2, "2026-01-01"))
		err = s.EndMembership(ctx, sysActor, mT2, "2026-02-01")
		wantErr(t, err, apperr.Conflict, "error.version_conflict")
		add(ag2, tr.t2, "2026-01-01")

		tests := []struct {
			g    org.AreaGroup
			day  string
			want []int64
		}{
			{ag1, "2024-12-31", nil},
			{ag1, "2025-01-01", ids(tr.t1.ID, tr.o1.ID, tr.t2.ID)},
			{ag1, "2025-12-31", ids(tr.t1.ID, tr.o1.ID, tr.t2.ID)},
			{ag1, "2026-01-01", ids(tr.t1.ID, tr.o1.ID)},
			{ag1, "2026-03-16", ids(tr.t1.ID, tr.o1.ID)},
			{ag2, "2025-12-31", nil},
			{ag2, "2026-01-01", ids(tr.t2.ID)},
			{ag2, "2030-01-01", ids(tr.t2.ID)},
		}
		for _, tt := range tests {
			g, err := s.GetAreaGroup(ctx, tt.g.ID, tt.day)
			must(t, err)
			if got := memberUnitIDs(g.Members); !slices.Equal(got, tt.want) {
				t.Errorf("GetAreaGroup(%s, %s) members = %v, want %v", tt.g.Name, tt.day, got, tt.want)
			}
			if g.Name != tt.g.Name || g.LeaderName != "王书记" || g.CountyUnitID != tr.a.ID {
				t.Errorf("GetAreaGroup(%s) = %+v", tt.g.Name, g)
			}
		}
		_, err = s.GetAreaGroup(ctx, 99999, "2026-03-16")
		wantErr(t, err, apperr.NotFound, "error.not_found.area_group")

		hist, err := s.MembershipHistory(ctx, ag1.ID)
		must(t, err)
		if len(hist) != 3 {
			t.Fatalf("MembershipHistory(ag1) = %d entries, want 3", len(hist))
		}
		for _, m := range hist {
			wantTo := ""
			if m.UnitID == tr.t2.ID {
				wantTo = "2026-01-01"
			}
			if m.To != wantTo || m.From != "2025-01-01" || m.AreaName != "第一片区" || m.UnitName == "" {
				t.Errorf("history entry %+v, want To %q", m, wantTo)
			}
		}
		unitHist, err := s.UnitMemberships(ctx, tr.t2.ID)
		must(t, err)
		var spans []string
		for _, m := range unitHist {
			spans = append(spans, m.AreaName+":"+m.From+".."+m.To)
		}
		if want := []string{"第一片区:2025-01-01..2026-01-01", "第二片区:2026-01-01.."}; !slices.Equal(spans, want) {
			t.Errorf("UnitMemberships(t2) = %v, want %v", spans, want)
		}
		got, err := s.GetMembership(ctx, mT2.ID)
		must(t, err)
		if got.To != "2026-01-01" || got.UnitKind != org.KindTownship {
			t.Errorf("GetMembership = %+v", got)
		}
		_, err = s.GetMembership(ctx, 99999)
		wantErr(t, err, apperr.NotFound, "error.not_found.membership")

		// ListAreaGroups: by county scope or by a member in scope on the day.
		listTests := []struct {
			name string
			sc   auth.Scope
			f    store.AreaFilter
			want []int64
		}{
			{"county A", auth.Scope{Prefixes: []string{tr.a.Path}}, store.AreaFilter{Day: "2026-03-16"}, ids(ag1.ID, ag2.ID)},
			{"T1 member of AG1", auth.Scope{Prefixes: []string{tr.t1.Path}}, store.AreaFilter{Day: "2026-03-16"}, ids(ag1.ID)},
			{"village of T1 is not a member", auth.Scope{Prefixes: []string{tr.v1.Path}}, store.AreaFilter{Day: "2026-03-16"}, nil},
			{"T2 now in AG2", auth.Scope{Prefixes: []string{tr.t2.Path}}, store.AreaFilter{Day: "2026-03-16"}, ids(ag2.ID)},
			{"T2 in 2025 in AG1", auth.Scope{Prefixes: []string{tr.t2.Path}}, store.AreaFilter{Day: "2025-06-01"}, ids(ag1.ID)},
			{"county B scope", auth.Scope{Prefixes: []string{tr.b.Path}}, store.AreaFilter{Day: "2026-03-16"}, ids(agB.ID)},
			{"county A, filtered to county B", auth.Scope{Prefixes: []string{tr.a.Path}}, store.AreaFilter{Day: "2026-03-16", CountyUnitID: tr.b.ID}, nil},
			{"everything", auth.System().ScopeFor(auth.PermOrgRead), store.AreaFilter{Day: "2026-03-16"}, ids(ag1.ID, ag2.ID, agB.ID)},
			{"denied", auth.Scope{Denied: true}, store.AreaFilter{Day: "2026-03-16"}, nil},
		}
		for _, tt := range listTests {
			gs, total, err := s.ListAreaGroups(ctx, tt.sc, tt.f)
			must(t, err)
			var gotIDs []int64
			for _, g := range gs {
				gotIDs = append(gotIDs, g.ID)
			}
			slices.Sort(gotIDs)
			if !slices.Equal(gotIDs, tt.want) || total != len(tt.want) {
				t.Errorf("ListAreaGroups(%s) = %v (total %d), want %v", tt.name, gotIDs, total, tt.want)
			}
		}
		// Members are attached per group on the filter's day.
		gs, _, err := s.ListAreaGroups(ctx, auth.Scope{Prefixes: []string{tr.a.Path}}, store.AreaFilter{Day: "2025-06-01"})
		must(t, err)
		for _, g := range gs {
			want := map[int64][]int64{ag1.ID: ids(tr.t1.ID, tr.o1.ID, tr.t2.ID), ag2.ID: nil}[g.ID]
			if got := memberUnitIDs(g.Members); !slices.Equal(got, want) {
				t.Errorf("ListAreaGroups day 2025-06-01: %s members %v, want %v", g.Name, got, want)
			}
		}
	})
}

func TestUpdateAreaGroup(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		tr := buildTree(t, s)
		p1 := mkPerson(t, s, tr.a, "王书记", "副书记")
		p2 := mkPerson(t, s, tr.a, "赵常委", "常委")
		g, err := s.CreateAreaGroup(ctx, sysActor, org.AreaGroup{CountyUnitID: tr.a.ID, Name: "第一片区", LeaderPersonID: p1.ID})
		must(t, err)
		edit := g
		edit.Name, edit.LeaderPersonID, edit.Note = "第一协作区", p2.ID, "改名"
		must(t, s.UpdateAreaGroup(ctx, sysActor, edit))
		got, err := s.GetAreaGroup(ctx, g.ID, "2026-03-16")
		must(t, err)
		if got.Name != "第一协作区" || got.LeaderPersonID != p2.ID || got.LeaderName != "赵常委" || got.Note != "改名" || got.Version != 2 {
			t.Errorf("after update: %+v", got)
		}
		err = s.UpdateAreaGroup(ctx, sysActor, edit) // still version 1
		wantErr(t, err, apperr.Conflict, "error.version_conflict")
		err = s.UpdateAreaGroup(ctx, sysActor, org.AreaGroup{ID: 99999, Name: "x", LeaderPersonID: p1.ID, Version: 1})
		wantErr(t, err, apperr.NotFound, "error.not_found.area_group")

		for _, tt := range []struct {
			p    org.Person
			want int
		}{{p1, 0}, {p2, 1}} {
			n, err := s.CountLedAreaGroups(ctx, tt.p.ID)
			must(t, err)
			if n != tt.want {
				t.Errorf("CountLedAreaGroups(%s) = %d, want %d", tt.p.Name, n, tt.want)
			}
		}
		got.Active = false
		must(t, s.UpdateAreaGroup(ctx, sysActor, got))
		if n, err := s.CountLedAreaGroups(ctx, p2.ID); err != nil || n != 0 {
			t.Errorf("CountLedAreaGroups after deactivation = %d, %v; want 0", n, err)
		}
		gs, total, err := s.ListAreaGroups(ctx, auth.Scope{Prefixes: []string{tr.a.Path}}, store.AreaFilter{Day: "2026-03-16"})
		must(t, err)
		if len(gs) != 0 || total != 0 {
			t.Errorf("inactive group listed: %d groups, total %d", len(gs), total)
		}
		gs, total, err = s.ListAreaGroups(ctx, auth.Scope{Prefixes: []string{tr.a.Path}}, store.AreaFilter{Day: "2026-03-16", IncludeInactive: true})
		must(t, err)
		if len(gs) != 1 || total != 1 || gs[0].Active {
			t.Errorf("IncludeInactive: %+v total %d", gs, total)
		}
		hist, err := s.History(ctx, "area_group", g.ID)
		must(t, err)
		if acts := actions(hist); !slices.Equal(acts, []string{"area_group.create", "area_group.update", "area_group.deactivate"}) {
			t.Errorf("History(area_group) = %v", acts)
		}
	})
}
