package app_test

import (
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/calendar"
	"qingfeng/internal/store"
)

func TestStartAndExtendClock(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		// Friday 2026-02-13, before the Spring Festival holiday (02-15 to 02-23;
		// 02-14 and 02-28 are working Saturdays): 15 working days.
		start := time.Date(2026, 2, 13, 10, 0, 0, 0, f.app.Loc)
		c, err := f.app.StartClock(clockSpec(f), "inquiry.reply", start)
		must(t, err)
		if got := c.DueAt.In(f.app.Loc).Format(time.DateOnly); got != "2026-03-12" {
			t.Errorf("inquiry.reply due %s, want 2026-03-12", got)
		}
		if c.ObjectType != "clue" || c.Label != "永纪线〔2026〕1号" || c.Code != "inquiry.reply" || !c.RemindAt.Before(c.DueAt) {
			t.Errorf("clock = %+v", c)
		}
		if _, err := f.app.StartClock(clockSpec(f), "no.such.limit", start); apperr.CodeOf(err) != apperr.Internal {
			t.Errorf("unknown limit: %v, want internal", err)
		}
		// Detention (3 months) may be extended once by up to 3 months;
		// inquiry.reply may not be extended at all.
		r, err := f.app.StartClock(clockSpec(f), "detention", start)
		must(t, err)
		x, err := f.app.ExtendClock(r, calendar.Span{})
		must(t, err)
		if x.Extensions != 1 || x.DueAt.In(f.app.Loc).Format(time.DateOnly) != "2026-08-13" {
			t.Errorf("extended = %+v (was due %v), want due 2026-08-13", x, r.DueAt)
		}
		if _, err := f.app.ExtendClock(x, calendar.Span{}); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("second extension: %v, want conflict", err)
		}
		if _, err := f.app.ExtendClock(c, calendar.Span{}); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("extending inquiry.reply: %v, want invalid", err)
		}
	})
}

func clockSpec(f *fixture) app.ClockSpec {
	return app.ClockSpec{ObjectType: "clue", ObjectID: 1, Label: "永纪线〔2026〕1号", Link: "/clues/1", UnitPath: f.units["T1"].Path,
		Owner: f.users["townt1"].ID}
}

func TestClockAlertsReachTheInbox(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		owner := f.users["townt1"]
		c, err := f.app.StartClock(app.ClockSpec{ObjectType: "clue", ObjectID: 5, Label: "永纪线〔2026〕5号", Link: "/clues/5",
			UnitPath: f.units["T1"].Path, Owner: owner.ID}, "inquiry.reply", t0)
		must(t, err)
		if _, err := f.store.DB().ExecContext(ctx, `INSERT INTO clocks (object_type, object_id, code, label, link, unit_path,
			owner_user_id, started_at, due_at, remind_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			c.ObjectType, c.ObjectID, c.Code, c.Label, c.Link, c.UnitPath, c.OwnerUserID, c.StartedAt.UnixMilli(),
			c.DueAt.UnixMilli(), c.RemindAt.UnixMilli()); err != nil {
			t.Fatal(err)
		}
		p := f.principals["townt1"]
		send := func(want int) {
			t.Helper()
			n, err := f.app.SendClockAlerts(ctx)
			must(t, err)
			if n != want {
				t.Fatalf("SendClockAlerts = %d, want %d", n, want)
			}
		}
		send(0)
		f.clock.Set(c.RemindAt.Add(time.Minute))
		send(1)
		send(0)
		f.clock.Set(c.DueAt.Add(time.Minute))
		send(1)
		send(0)
		ns, total, err := f.app.Inbox(ctx, p, store.NotificationFilter{})
		must(t, err)
		if total != 2 || ns[0].Kind != "overdue" || ns[1].Kind != "reminder" || ns[0].Link != "/clues/5" ||
			ns[1].Title != "时限提醒：永纪线〔2026〕5号 谈话函询书面说明" && ns[1].Title == "" {
			t.Fatalf("inbox = %+v", ns)
		}
		if n, _ := f.app.UnreadCount(ctx, p); n != 2 {
			t.Fatalf("unread = %d, want 2", n)
		}
		// Someone else's inbox is empty and cannot mark the owner's messages.
		other := f.principals["officeo1"]
		if _, n, _ := f.app.Inbox(ctx, other, store.NotificationFilter{}); n != 0 {
			t.Fatalf("other inbox total %d", n)
		}
		if changed, _ := f.app.MarkRead(ctx, other, []int64{ns[0].ID}); changed != 0 {
			t.Fatalf("other user marked %d", changed)
		}
		if changed, _ := f.app.MarkRead(ctx, p, nil); changed != 2 {
			t.Fatalf("owner marked %d, want 2", changed)
		}
		if _, err := f.app.MarkRead(ctx, auth.System(), nil); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("system MarkRead: %v", err)
		}
	})
}

func TestVisibleWithParticipationAndRecusal(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		insert := func(user string, kind string, from, to time.Time) {
			t.Helper()
			if _, err := f.store.DB().ExecContext(ctx, `INSERT INTO record_access (object_type, object_id, user_id, kind, valid_from,
				valid_to, created_at) VALUES ('clue', 9, $1, $2, $3, $4, $3)`, f.users[user].ID, kind, from.UnixMilli(), to.UnixMilli()); err != nil {
				t.Fatal(err)
			}
		}
		insert("townb1", store.AccessParticipant, t0, t0.Add(24*time.Hour))
		insert("officeo1", store.AccessRecused, t0, time.Time{}.Add(time.Millisecond))
		t1Path, v1Path := f.units["T1"].Path, f.units["V1"].Path
		tests := []struct {
			user        string
			subjectPath string
			at          time.Time
			ok          bool
		}{
			{"townt1", "", t0, true},                      // in its subtree
			{"townt1", t1Path, t0, false},                 // about its own unit: automatic recusal
			{"officeo1", "", t0, false},                   // declared a conflict (in scope through the area group)
			{"groupg1", "", t0, true},                     // area group member
			{"townb1", "", t0.Add(time.Hour), true},       // joint participant, other county
			{"townb1", "", t0.Add(25 * time.Hour), false}, // participation ended
			{"villagev1", v1Path, t0, false},              // no clue.read and own village
			{"adminb", "", t0, false},                     // other county
		}
		for _, tt := range tests {
			f.clock.Set(tt.at)
			p := f.principals[tt.user]
			p.Perms = map[auth.Permission]bool{auth.PermClueRead: tt.user != "villagev1", auth.PermScopeArea: p.Can(auth.PermScopeArea)}
			err := f.app.Visible(ctx, p, auth.PermClueRead, "clue", 9, t1Path, tt.subjectPath, "clue")
			if got := err == nil; got != tt.ok {
				t.Errorf("%s (subject %q, at %v): visible %v (%v), want %v", tt.user, tt.subjectPath, tt.at, got, err, tt.ok)
			}
			if err != nil && apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("%s: code %v, want not_found", tt.user, apperr.CodeOf(err))
			}
		}
	})
}
