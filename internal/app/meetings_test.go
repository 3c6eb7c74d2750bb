package app_test

import (
	"slices"
	"testing"

	"qingfeng/internal/apperr"
	"qingfeng/internal/clue"
	"qingfeng/internal/store"
)

func TestConsultationMeeting(t *testing.T) {
	eachClue(t, func(t *testing.T, f *clueFixture) {
		// Pending clues of the first area group's units (T1, T2) and one
		// waiting at the county's case management office (no member).
		x, err := f.app.RegisterClue(ctx, f.p("townt1"), input("反映村干部虚报冒领危房改造补助"))
		must(t, err)
		y, err := f.app.RegisterClue(ctx, f.p("townt1"), input("反映内容空泛，无具体事实"))
		must(t, err)
		z, err := f.app.RegisterClue(ctx, f.p("townt2"), input("反映大庸桥村账目不公开"))
		must(t, err)
		w, err := f.app.RegisterClue(ctx, f.p("casea"), input("崇文街道问题"))
		must(t, err)

		// A township cadre cannot schedule; the liaison office can.
		if _, err := f.app.CreateMeeting(ctx, f.p("townt1"), f.ag1.ID, clue.MeetingInput{HeldOn: "2026-03-20"}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("township schedules: %v", err)
		}
		if _, err := f.app.CreateMeeting(ctx, f.p("officeo1"), f.ag1.ID, clue.MeetingInput{HeldOn: "2026-3-20"}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("bad date: %v", err)
		}
		m, err := f.app.CreateMeeting(ctx, f.p("officeo1"), f.ag1.ID, clue.MeetingInput{HeldOn: "2026-03-20", Place: "区纪委监委三楼会议室",
			Attendees: []clue.Attendee{{PersonID: f.people["leadera"].ID, Present: true}, {PersonID: f.people["officeo1"].ID, Present: true},
				{PersonID: f.people["townt1"].ID, Present: false, Note: "请假"}}})
		must(t, err)
		if m.Number != "永纪协〔2026〕1号" || m.Status != clue.MeetingOpen || m.ChairPersonID != f.people["leadera"].ID || len(m.Attendees) != 3 {
			t.Fatalf("meeting %+v", m)
		}
		var agenda []int64
		for _, it := range m.Items {
			agenda = append(agenda, it.ClueID)
		}
		if !slices.Equal(agenda, []int64{x.ID, y.ID, z.ID}) {
			t.Fatalf("agenda %v, want x y z (not w outside the group)", agenda)
		}

		// Decide x: an inquiry by talk led by T1, with T2's cadre as joint
		// member until the due date.
		dx := clue.Decision{ClueID: x.ID, Mode: clue.ModeInquiry, Form: clue.FormTalk, LeadUnitID: f.units["T1"].ID,
			OwnerUserID: f.users["townt1"].ID, JointUsers: []int64{f.users["townt2"].ID}, DueOn: "2026-04-30", Note: "问题具体，先行谈话。"}
		bad := dx
		bad.LeadUnitID = f.units["T3"].ID
		if _, err := f.app.DecideMeetingItem(ctx, f.p("officeo1"), m.ID, bad); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("lead unit outside the group: %v", err)
		}
		cx, err := f.app.DecideMeetingItem(ctx, f.p("officeo1"), m.ID, dx)
		must(t, err)
		if cx.Status != clue.StatusInquiry || cx.Mode != clue.ModeInquiry || cx.InquiryForm != clue.FormTalk || cx.UnitID != f.units["T1"].ID ||
			cx.OwnerUserID != f.users["townt1"].ID || cx.MeetingID != m.ID || cx.DecisionDue != "2026-04-30" || !cx.Joint ||
			cx.LeaderUserID != f.users["leadera"].ID || cx.DisposedAt.IsZero() {
			t.Fatalf("decided clue %+v", cx)
		}
		if due := clockDue(t, f, x.ID, "clue.decision_due"); !due.Equal(endOfDay(2026, 4, 30)) {
			t.Errorf("decision due %v", due)
		}
		if _, err := f.app.GetClue(ctx, f.p("townt2"), x.ID); err != nil {
			t.Fatalf("joint member: %v", err)
		}
		if _, err := f.app.GetClue(ctx, f.p("townt2"), y.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("joint member sees the lead unit's other clue: %v", err)
		}
		if _, err := f.app.DecideMeetingItem(ctx, f.p("officeo1"), m.ID, dx); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("second decision: %v", err)
		}
		// w is not on the agenda.
		if _, err := f.app.DecideMeetingItem(ctx, f.p("officeo1"), m.ID, clue.Decision{ClueID: w.ID, Mode: clue.ModeClose,
			Closure: clue.CloseOther, LeadUnitID: f.units["T1"].ID, OwnerUserID: f.users["townt1"].ID, Note: "x"}); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("clue off the agenda: %v", err)
		}
		// y is closed directly.
		cy, err := f.app.DecideMeetingItem(ctx, f.p("officeo1"), m.ID, clue.Decision{ClueID: y.ID, Mode: clue.ModeClose,
			Closure: clue.CloseNoSubstance, LeadUnitID: f.units["T1"].ID, OwnerUserID: f.users["townt1"].ID, Note: "无实质内容，予以了结。"})
		must(t, err)
		if cy.Status != clue.StatusClosed || cy.Closure != clue.ClosureDirect {
			t.Fatalf("closed by the meeting: %+v", cy)
		}

		// A second meeting does not take z while it waits on the first.
		m2, err := f.app.CreateMeeting(ctx, f.p("leadera"), f.ag1.ID, clue.MeetingInput{HeldOn: "2026-03-27"})
		must(t, err)
		if m2.Number != "永纪协〔2026〕2号" || len(m2.Items) != 0 {
			t.Fatalf("second meeting %s agenda %+v", m2.Number, m2.Items)
		}

		got, err := f.app.CloseMeeting(ctx, f.p("officeo1"), m.ID, 0, "会议研究了3件问题线索，决定谈话函询1件、予以了结1件，1件下次研究。")
		must(t, err)
		if got.Status != clue.MeetingClosed || got.ClosedAt.IsZero() {
			t.Fatalf("closed meeting %+v", got)
		}
		decided := 0
		for _, it := range got.Items {
			if it.Decided {
				decided++
				if it.LeadUnitName == "" || it.OwnerName == "" || it.DueOn == "" {
					t.Errorf("decided item without names: %+v", it)
				}
			}
		}
		if decided != 2 {
			t.Errorf("decided items %d, want 2", decided)
		}
		if _, err := f.app.DecideMeetingItem(ctx, f.p("officeo1"), m.ID, clue.Decision{ClueID: z.ID, Mode: clue.ModeClose,
			Closure: clue.CloseOther, LeadUnitID: f.units["T2"].ID, OwnerUserID: f.users["townt2"].ID, Note: "x"}); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("decision after closing: %v", err)
		}
		// Once the first meeting is closed, z can go on the next agenda.
		m3, err := f.app.CreateMeeting(ctx, f.p("leadera"), f.ag1.ID, clue.MeetingInput{HeldOn: "2026-04-03"})
		must(t, err)
		if len(m3.Items) != 1 || m3.Items[0].ClueID != z.ID {
			t.Fatalf("third agenda %+v", m3.Items)
		}
		// Another county's cadre sees no meeting.
		if _, err := f.app.GetMeeting(ctx, f.p("townb1"), m.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("other county: %v", err)
		}
		list, n, err := f.app.ListMeetings(ctx, f.p("leadera"), f.ag1.ID, storePage())
		must(t, err)
		if n != 3 || len(list) != 3 || list[0].ID != m3.ID {
			t.Fatalf("meetings %d %+v", n, list)
		}
	})
}

func storePage() store.Page { return store.Page{Limit: 50} }
