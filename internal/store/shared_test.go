package store_test

import (
	"slices"
	"testing"
	"time"

	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

func TestClocksRemindAndOverdue(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		clock.Set(t0)
		f := buildUsers(t, s)
		c := store.Clock{ObjectType: "clue", ObjectID: 7, Code: "clue.disposal", Label: "永纪线〔2026〕1号", Link: "/clues/7",
			UnitPath: f.t1.Path, OwnerUserID: f.uT1.ID, StartedAt: t0, RemindAt: t0.Add(48 * time.Hour), DueAt: t0.Add(72 * time.Hour)}
		must(t, s.PutClockForTest(ctx, c))
		other := c
		other.ObjectID, other.UnitPath, other.OwnerUserID, other.Link = 8, f.tb1.Path, f.uTB1.ID, "/clues/8"
		must(t, s.PutClockForTest(ctx, other))

		got, err := s.Clocks(ctx, "clue", 7)
		must(t, err)
		if len(got) != 1 || got[0].Code != "clue.disposal" || got[0].Label != c.Label || got[0].Link != c.Link ||
			got[0].OwnerUserID != f.uT1.ID || !got[0].DueAt.Equal(c.DueAt) || !got[0].DoneAt.IsZero() {
			t.Fatalf("Clocks = %+v", got)
		}

		claim := func(want ...int64) []store.Clock {
			t.Helper()
			cs, err := s.ClaimClockAlerts(ctx, 10, time.Minute)
			must(t, err)
			var ids []int64
			for _, k := range cs {
				ids = append(ids, k.ObjectID)
			}
			slices.Sort(ids)
			if !slices.Equal(ids, want) {
				t.Fatalf("claimed objects %v, want %v", ids, want)
			}
			return cs
		}
		claim() // nothing is due yet
		clock.Set(t0.Add(49 * time.Hour))
		cs := claim(7, 8)
		claim() // claimed for a minute: not handed out twice
		for _, k := range cs {
			must(t, s.MarkClockAlerted(ctx, k, false, []store.Notification{{UserID: k.OwnerUserID, Kind: "reminder", Title: "提醒",
				ObjectType: "clue", ObjectID: k.ObjectID, Link: k.Link, DedupKey: "r"}}))
		}
		clock.Advance(2 * time.Minute)
		claim() // reminded, not yet overdue

		clock.Set(t0.Add(73 * time.Hour))
		must(t, s.StopClocksForTest(ctx, "clue", 8, clock.Now()))
		cs = claim(7) // 8 is done
		must(t, s.MarkClockAlerted(ctx, cs[0], true, []store.Notification{{UserID: f.uT1.ID, Kind: "overdue", Title: "超期", DedupKey: "o"}}))
		clock.Advance(time.Hour)
		claim()

		ns, total, err := s.ListNotifications(ctx, f.uT1.ID, store.NotificationFilter{})
		must(t, err)
		if total != 2 || len(ns) != 2 || ns[0].Kind != "overdue" || ns[1].Kind != "reminder" || ns[1].Link != "/clues/7" {
			t.Fatalf("notifications of the owner = %+v (total %d)", ns, total)
		}

		// Overdue lists follow the scope of the record's unit.
		a := auth.Scope{Prefixes: []string{f.a.Path}}
		over, n, err := s.OverdueClocks(ctx, a, "clue", clock.Now(), store.Page{})
		must(t, err)
		if n != 1 || len(over) != 1 || over[0].ObjectID != 7 {
			t.Fatalf("OverdueClocks(county A) = %+v, %d; want clue 7", over, n)
		}
		over, n, err = s.OverdueClocks(ctx, auth.Scope{Prefixes: []string{f.b.Path}}, "", clock.Now(), store.Page{})
		must(t, err)
		if n != 0 || len(over) != 0 {
			t.Fatalf("OverdueClocks(county B) = %+v, %d; want none (clue 8 is done)", over, n)
		}

		// Restarting a clock (e.g. a recalculation) runs it again with its alerts unsent.
		c.StartedAt, c.RemindAt, c.DueAt, c.Extensions = clock.Now(), clock.Now().Add(time.Hour), clock.Now().Add(2*time.Hour), 1
		must(t, s.PutClockForTest(ctx, c))
		must(t, s.MoveClocksForTest(ctx, "clue", 7, f.t2.Path, f.uO1.ID))
		got, err = s.Clocks(ctx, "clue", 7)
		must(t, err)
		if len(got) != 1 || got[0].Extensions != 1 || !got[0].RemindedAt.IsZero() || !got[0].OverdueAt.IsZero() ||
			got[0].UnitPath != f.t2.Path || got[0].OwnerUserID != f.uO1.ID {
			t.Fatalf("restarted and moved clock = %+v", got)
		}
		byID, err := s.ClocksOf(ctx, "clue", []int64{7, 8, 9})
		must(t, err)
		if len(byID) != 2 || len(byID[7]) != 1 || len(byID[8]) != 1 || byID[8][0].DoneAt.IsZero() {
			t.Fatalf("ClocksOf = %+v", byID)
		}
	})
}

func TestNotifications(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		clock.Set(t0)
		f := buildUsers(t, s)
		act := audit.Actor{UserID: f.uO1.ID, Name: "王五"}
		must(t, s.Notify(ctx, act, []store.Notification{
			{UserID: f.uT1.ID, Kind: "assignment", Title: "交办一", DedupKey: "a:1"},
			{UserID: f.uT1.ID, Kind: "assignment", Title: "交办一（重复）", DedupKey: "a:1"},
			{UserID: f.uT1.ID, Kind: "urging", Title: "催办"},
			{UserID: f.uTB1.ID, Kind: "urging", Title: "别人的"},
			{UserID: 0, Kind: "urging", Title: "没有收件人"},
		}))
		n, err := s.UnreadNotifications(ctx, f.uT1.ID)
		must(t, err)
		if n != 2 {
			t.Fatalf("unread = %d, want 2 (the duplicate key is skipped)", n)
		}
		ns, _, err := s.ListNotifications(ctx, f.uT1.ID, store.NotificationFilter{})
		must(t, err)
		if len(ns) != 2 || ns[0].Title != "催办" || ns[1].Title != "交办一" {
			t.Fatalf("list = %+v", ns)
		}
		// Another user's ids are never marked.
		theirs, _, err := s.ListNotifications(ctx, f.uTB1.ID, store.NotificationFilter{})
		must(t, err)
		changed, err := s.MarkNotificationsRead(ctx, act, f.uT1.ID, []int64{theirs[0].ID, ns[1].ID})
		must(t, err)
		if changed != 1 {
			t.Fatalf("marked %d, want 1", changed)
		}
		if n, _ := s.UnreadNotifications(ctx, f.uTB1.ID); n != 1 {
			t.Fatalf("other user's unread = %d, want 1", n)
		}
		unread, total, err := s.ListNotifications(ctx, f.uT1.ID, store.NotificationFilter{UnreadOnly: true})
		must(t, err)
		if total != 1 || unread[0].Title != "催办" {
			t.Fatalf("unread list = %+v (%d)", unread, total)
		}
		if changed, _ := s.MarkNotificationsRead(ctx, act, f.uT1.ID, nil); changed != 1 {
			t.Fatalf("mark all: %d, want 1", changed)
		}
		if changed, _ := s.MarkNotificationsRead(ctx, act, f.uT1.ID, nil); changed != 0 {
			t.Fatalf("mark all again: %d, want 0", changed)
		}
		h, err := s.History(ctx, "user", f.uT1.ID)
		must(t, err)
		if got := actions(h); !slices.Contains(got, "notification.read") {
			t.Fatalf("history of the user %v lacks notification.read", got)
		}
	})
}

func TestRecordScopeParticipationRecusal(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		clock.Set(t0)
		f := buildUsers(t, s)
		if _, err := s.DB().ExecContext(ctx, `CREATE TABLE t_records (id INTEGER PRIMARY KEY, unit_path TEXT NOT NULL, subject_path TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		// 1: at township t1; 2: at county B's township; 3: at t1 about village v1; 4: at county A about t1 itself.
		for _, r := range []struct {
			id            int64
			path, subject string
		}{{1, f.t1.Path, ""}, {2, f.tb1.Path, ""}, {3, f.t1.Path, f.v1.Path}, {4, f.a.Path, f.t1.Path}} {
			if _, err := s.DB().ExecContext(ctx, `INSERT INTO t_records (id, unit_path, subject_path) VALUES ($1, $2, $3)`, r.id, r.path, r.subject); err != nil {
				t.Fatal(err)
			}
		}
		// The county B township user joins record 2 for one day; the t1 user declares a conflict on record 1.
		_, err := s.GrantAccessForTest(ctx, store.Access{ObjectType: "rec", ObjectID: 2, UserID: f.uT1.ID, Kind: store.AccessParticipant,
			Role: "joint_member", ValidFrom: t0, ValidTo: t0.Add(24 * time.Hour), GrantedBy: f.uTB1.ID})
		must(t, err)
		_, err = s.GrantAccessForTest(ctx, store.Access{ObjectType: "rec", ObjectID: 1, UserID: f.uT1.ID, Kind: store.AccessRecused,
			Reason: "亲属关系", ValidFrom: t0})
		must(t, err)
		_, err = s.GrantAccessForTest(ctx, store.Access{ObjectType: "other", ObjectID: 3, UserID: f.uT1.ID, Kind: store.AccessRecused, ValidFrom: t0})
		must(t, err)

		t1 := auth.Scope{Prefixes: []string{f.t1.Path}, ParticipantID: f.uT1.ID, Viewer: f.t1.Path}
		county := auth.Scope{Prefixes: []string{f.a.Path}, ParticipantID: f.uO1.ID, Viewer: f.o1.Path}
		village := auth.Scope{Prefixes: []string{f.v1.Path}, ParticipantID: 999, Viewer: f.v1.Path}
		tests := []struct {
			name string
			sc   auth.Scope
			at   time.Time
			want []int64
		}{
			{"township: joins 2, recused from 1, own record 3", t1, t0.Add(time.Hour), []int64{2, 3}},
			{"township after the participation ended", t1, t0.Add(25 * time.Hour), []int64{3}},
			{"county office sees its subtree, not the other county", county, t0, []int64{1, 3, 4}},
			{"county record about the township is hidden from the township (automatic recusal)", t1, t0.Add(48 * time.Hour), []int64{3}},
			{"village member: its own village's record is hidden", village, t0, nil},
			{"denied", auth.Scope{Denied: true, ParticipantID: f.uT1.ID}, t0, nil},
			{"whole tree, no participant", auth.Scope{Prefixes: []string{"/"}}, t0, []int64{1, 2, 3, 4}},
		}
		for _, tt := range tests {
			got, err := s.RecordScopeIDsForTest(ctx, tt.sc, "rec", "t_records", tt.at)
			must(t, err)
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s: ids %v, want %v", tt.name, got, tt.want)
			}
		}
		// Revoking the recusal gives record 1 back.
		must(t, s.RevokeAccessForTest(ctx, "rec", 1, f.uT1.ID, store.AccessRecused, t0.Add(time.Hour)))
		got, err := s.RecordScopeIDsForTest(ctx, t1, "rec", "t_records", t0.Add(2*time.Hour))
		must(t, err)
		if !slices.Equal(got, []int64{1, 2, 3}) {
			t.Errorf("after revoking the recusal: %v, want [1 2 3]", got)
		}
		part, rec, err := s.AccessOf(ctx, "rec", 2, f.uT1.ID, t0.Add(2*time.Hour))
		must(t, err)
		if !part || rec {
			t.Errorf("AccessOf(2) = %v, %v; want participant", part, rec)
		}
		xs, err := s.RecordAccess(ctx, "rec", 2)
		must(t, err)
		if len(xs) != 1 || xs[0].UserName != "李四" || xs[0].Role != "joint_member" || !xs[0].Active(t0.Add(time.Hour)) || xs[0].Active(t0.Add(25*time.Hour)) {
			t.Errorf("RecordAccess = %+v", xs)
		}
	})
}

func TestDocNumbers(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		f := buildUsers(t, s)
		var got []int64
		for _, k := range []struct {
			unit int64
			kind string
			year int
		}{{f.a.ID, "clue", 2026}, {f.a.ID, "clue", 2026}, {f.a.ID, "case", 2026}, {f.a.ID, "clue", 2027}, {f.b.ID, "clue", 2026}, {f.a.ID, "clue", 2026}} {
			n, err := s.NextNumberForTest(ctx, k.unit, k.kind, k.year)
			must(t, err)
			got = append(got, n)
		}
		if want := []int64{1, 2, 1, 1, 1, 3}; !slices.Equal(got, want) {
			t.Fatalf("numbers %v, want %v", got, want)
		}
	})
}
