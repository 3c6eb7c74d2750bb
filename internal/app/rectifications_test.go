package app_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/oversight"
	"qingfeng/internal/store"
)

func rectInput(f *fixture) oversight.RectificationInput {
	return oversight.RectificationInput{Title: "低保评审结果未公示", Problem: "杨家溪村2025年低保评审结果未张榜公示。",
		Required: "补充公示，建立评审台账。", ResponsibleUnitID: f.units["T1"].ID, Deadline: "2026-04-15", PersonConcerned: "王某"}
}

// jpegWithEXIF is a small JPEG carrying an APP1 Exif segment with a marker.
func jpegWithEXIF(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{200, 10, 10, 255})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	exif := append([]byte("Exif\x00\x00"), []byte("GPS-SECRET-27.1N-110.4E")...)
	seg := append([]byte{0xff, 0xe1, byte((len(exif) + 2) >> 8), byte(len(exif) + 2)}, exif...)
	return append(append(append([]byte{}, raw[:2]...), seg...), raw[2:]...)
}

// TestRectificationJourney: reported → verifying → failed verification
// reopens with a new deadline → reported again → verification passed with
// a satisfied visit → closed substantively; each step audited.
func TestRectificationJourney(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		office, town := f.principals["officeo1"], f.principals["townt1"]
		r, err := f.app.CreateRectification(ctx, office, rectInput(f))
		must(t, err)
		if r.Status != oversight.RectOpen || r.SupervisingUnitID != f.units["O1"].ID || r.ResponsibleUnitID != f.units["T1"].ID ||
			r.Deadline != "2026-04-15" || r.Version != 1 {
			t.Fatalf("created %+v", r)
		}
		// The township cannot create (no task.manage).
		_, err = f.app.CreateRectification(ctx, town, rectInput(f))
		wantCode(t, err, apperr.Forbidden, "", nil)

		step := func(p auth.Principal, in oversight.RectAction, files []app.Upload, want oversight.RectStatus) oversight.Rectification {
			t.Helper()
			out, err := f.app.RectAct(ctx, p, r.ID, in, files)
			if err != nil {
				t.Fatalf("%s: %v", in.Op, err)
			}
			if out.Status != want {
				t.Fatalf("%s: status %s, want %s", in.Op, out.Status, want)
			}
			return out
		}
		r = step(town, oversight.RectAction{Op: oversight.RectOpReport, Text: "已补充公示。"},
			[]app.Upload{{Name: "公示照片.jpg", Data: jpegWithEXIF(t)}}, oversight.RectReported)
		if r.ReportedAt.IsZero() {
			t.Error("reported_at not set")
		}
		// The issuing officer is told in the inbox.
		ns, _, err := f.app.Inbox(ctx, office, store.NotificationFilter{})
		must(t, err)
		if len(ns) != 1 || ns[0].Kind != "assignment" || ns[0].ObjectID != r.ID {
			t.Errorf("inbox after the report: %+v", ns)
		}
		// The township (the responsible unit) cannot verify its own item.
		_, err = f.app.RectAct(ctx, town, r.ID, oversight.RectAction{Op: oversight.RectOpVerify}, nil)
		wantCode(t, err, apperr.Forbidden, "", nil)
		r = step(office, oversight.RectAction{Op: oversight.RectOpVerify}, nil, oversight.RectVerifying)
		// An unsatisfied visit cannot close it.
		_, err = f.app.RectAct(ctx, office, r.ID, oversight.RectAction{Op: oversight.RectOpPass, Text: "核查", VisitDate: "2026-03-16",
			Visitor: "第一纪检监察室 李某", Satisfaction: oversight.Unsatisfied}, nil)
		wantCode(t, err, apperr.Conflict, "rect.visit_unsatisfied", nil)
		// Failed verification: reopened with a new deadline.
		r = step(office, oversight.RectAction{Op: oversight.RectOpReopen, Text: "公示内容不完整。", Deadline: "2026-05-15"}, nil, oversight.RectOpen)
		if r.Reopened != 1 || r.Deadline != "2026-05-15" || r.Closure != "" {
			t.Fatalf("reopened %+v", r)
		}
		f.clock.Advance(24 * time.Hour)
		r = step(town, oversight.RectAction{Op: oversight.RectOpReport, Text: "已重新完整公示并建立台账。"}, nil, oversight.RectReported)
		r = step(office, oversight.RectAction{Op: oversight.RectOpVerify}, nil, oversight.RectVerifying)
		r = step(office, oversight.RectAction{Op: oversight.RectOpPass, Text: "实地核查已整改到位。", VisitDate: "2026-03-17",
			Visitor: "第一纪检监察室 李某", Satisfaction: oversight.Satisfied}, nil, oversight.RectClosed)
		if r.Closure != oversight.ClosureSubstantive || r.ClosedAt.IsZero() {
			t.Fatalf("closed %+v", r)
		}
		// Closed: no further action.
		_, err = f.app.RectAct(ctx, town, r.ID, oversight.RectAction{Op: oversight.RectOpReport, Text: "x"}, nil)
		wantCode(t, err, apperr.Conflict, "rect.transition_invalid", nil)

		d, err := f.app.RectificationDetail(ctx, office, r.ID)
		must(t, err)
		var actions []string
		for _, e := range d.Events {
			actions = append(actions, e.Action)
		}
		want := []string{"create", "report", "start_verification", "reopen", "report", "start_verification", "close_substantive"}
		if len(actions) != len(want) {
			t.Fatalf("events %v, want %v", actions, want)
		}
		for i := range want {
			if actions[i] != want[i] {
				t.Fatalf("events %v, want %v", actions, want)
			}
		}
		last := d.Events[len(d.Events)-1]
		if last.Satisfaction != oversight.Satisfied || last.Visitor == "" || last.VisitDate != "2026-03-17" {
			t.Errorf("visit not recorded: %+v", last)
		}
		if len(d.Clocks) != 1 || d.Clocks[0].DoneAt.IsZero() {
			t.Errorf("deadline clock not stopped: %+v", d.Clocks)
		}
		if len(d.Ops) != 0 {
			t.Errorf("ops after closure: %v", d.Ops)
		}
		// The evidence photo was re-encoded: no EXIF left.
		if len(d.Files) != 1 {
			t.Fatalf("files %+v", d.Files)
		}
		_, data, err := f.app.RectFile(ctx, town, d.Files[0].ID)
		must(t, err)
		if bytes.Contains(data, []byte("Exif")) || bytes.Contains(data, []byte("GPS-SECRET")) || d.Files[0].MIME != "image/jpeg" {
			t.Errorf("evidence image not cleaned (%d bytes, %s)", len(data), d.Files[0].MIME)
		}
		// The statistics count what the record logs: one opened, one
		// closed substantively, one reopening; the bulletin says so.
		sum, err := f.app.StatsSummary(ctx, f.principals["leadera"], app.StatsRequest{Unit: fmt.Sprint(f.units["A"].ID),
			From: "2026-03-01", To: "2026-03-31"})
		must(t, err)
		if sum.RectificationsOpened != 1 || sum.RectificationsClosed != 1 || sum.RectificationsClosedSubstantive != 1 ||
			sum.RectificationsReopened != 1 || sum.RectificationClosureRate == nil || *sum.RectificationClosureRate != 100 {
			t.Errorf("summary rectifications %d/%d/%d/%d rate %v", sum.RectificationsOpened, sum.RectificationsClosed,
				sum.RectificationsClosedSubstantive, sum.RectificationsReopened, sum.RectificationClosureRate)
		}
		recs, nrec, err := f.app.StatsRecords(ctx, f.principals["leadera"], app.StatsRequest{Unit: fmt.Sprint(f.units["A"].ID),
			From: "2026-03-01", To: "2026-03-31"}, "rectifications_closed_substantive", "", "", 0, store.Page{})
		must(t, err)
		if nrec != 1 || recs[0].ID != r.ID || recs[0].Subtitle != fmt.Sprintf("/rectifications/%d", r.ID) {
			t.Errorf("drill-down %d %+v", nrec, recs)
		}
		bul, err := f.app.StatsBulletin(ctx, f.principals["leadera"], app.StatsRequest{Unit: fmt.Sprint(f.units["A"].ID),
			From: "2026-03-01", To: "2026-03-31"})
		must(t, err)
		if !strings.Contains(bul, "督促整改问题1个，已销号1个（实质性销号1个）。") {
			t.Errorf("bulletin: %s", bul)
		}
		// Every write audited in order.
		hist, err := f.app.History(ctx, sys, "rectification", r.ID)
		must(t, err)
		wantAudit := []string{"rectification.create", "rectification.report", "rectification.start_verification", "rectification.reopen",
			"rectification.report", "rectification.start_verification", "rectification.close_substantive"}
		if len(hist) != len(wantAudit) {
			t.Fatalf("audit %d records, want %d", len(hist), len(wantAudit))
		}
		for i, h := range hist {
			if h.Action != wantAudit[i] {
				t.Errorf("audit[%d] = %s, want %s", i, h.Action, wantAudit[i])
			}
		}
	})
}

// TestRectificationClosures: procedural and staged closures by the
// supervising unit; a staged item may be reported again.
func TestRectificationClosures(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		office, town := f.principals["officeo1"], f.principals["townt1"]
		r, err := f.app.CreateRectification(ctx, office, rectInput(f))
		must(t, err)
		_, err = f.app.RectAct(ctx, office, r.ID, oversight.RectAction{Op: oversight.RectOpStaged, Text: "x"}, nil)
		wantCode(t, err, apperr.Conflict, "rect.transition_invalid", nil)
		_, err = f.app.RectAct(ctx, town, r.ID, oversight.RectAction{Op: "dance"}, nil)
		wantCode(t, err, apperr.Invalid, "", map[string]string{"op": "rect.op_invalid"})
		_, err = f.app.RectAct(ctx, town, r.ID, oversight.RectAction{Op: oversight.RectOpReport}, nil)
		wantCode(t, err, apperr.Invalid, "", map[string]string{"text": "rect.required"})
		r, err = f.app.RectAct(ctx, town, r.ID, oversight.RectAction{Op: oversight.RectOpReport, Text: "阶段措施"}, nil)
		must(t, err)
		r, err = f.app.RectAct(ctx, office, r.ID, oversight.RectAction{Op: oversight.RectOpStaged, Text: "长期整改，持续跟踪"}, nil)
		must(t, err)
		if r.Status != oversight.RectStaged || r.Closure != oversight.ClosureStaged {
			t.Fatalf("staged %+v", r)
		}
		r, err = f.app.RectAct(ctx, town, r.ID, oversight.RectAction{Op: oversight.RectOpReport, Text: "全部完成"}, nil)
		must(t, err)
		r, err = f.app.RectAct(ctx, office, r.ID, oversight.RectAction{Op: oversight.RectOpProcedural, Text: "程序完备"}, nil)
		must(t, err)
		if r.Status != oversight.RectProcedural || r.Closure != oversight.ClosureProcedural {
			t.Fatalf("procedural %+v", r)
		}
		// Evidence: not on a closed item; none given; wrong file type; a
		// PDF kept as sent; outsiders see nothing.
		pdf := []app.Upload{{Name: "台账.pdf", Data: []byte("%PDF-1.4 minimal")}}
		_, err = f.app.AddRectEvidence(ctx, town, r.ID, pdf)
		wantCode(t, err, apperr.Conflict, "rect.transition_invalid", nil)
		r2, err := f.app.CreateRectification(ctx, office, rectInput(f))
		must(t, err)
		_, err = f.app.AddRectEvidence(ctx, town, r2.ID, nil)
		wantCode(t, err, apperr.Invalid, "", map[string]string{"files": "rect.files_required"})
		_, err = f.app.AddRectEvidence(ctx, town, r2.ID, []app.Upload{{Name: "x.exe", Data: []byte("MZ\x90")}})
		wantCode(t, err, apperr.Invalid, "", map[string]string{"files": "intake.file_type"})
		_, err = f.app.AddRectEvidence(ctx, f.principals["townb1"], r2.ID, pdf)
		wantCode(t, err, apperr.NotFound, "", nil)
		_, err = f.app.AddRectEvidence(ctx, town, r2.ID, pdf)
		must(t, err)
		d2, err := f.app.RectificationDetail(ctx, town, r2.ID)
		must(t, err)
		if len(d2.Files) != 1 || d2.Files[0].MIME != "application/pdf" || !d2.CanEvidence ||
			len(d2.Events) != 2 || d2.Events[1].Action != "evidence" {
			t.Errorf("evidence %+v / %+v", d2.Files, d2.Events)
		}
		if len(d2.Ops) != 1 || d2.Ops[0] != oversight.RectOpReport {
			t.Errorf("township ops %v, want [report]", d2.Ops)
		}
		// Stale versions conflict.
		_, err = f.app.RectAct(ctx, town, r2.ID, oversight.RectAction{Op: oversight.RectOpReport, Text: "x", Version: 7}, nil)
		wantCode(t, err, apperr.Conflict, "error.version_conflict", nil)
	})
}

// TestRectificationScope: the responsible unit sees only its items, a
// village reporter only its own unit's, another township or county nothing.
func TestRectificationScope(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		office := f.principals["officeo1"]
		r, err := f.app.CreateRectification(ctx, office, rectInput(f))
		must(t, err)
		in := rectInput(f)
		in.ResponsibleUnitID = f.units["V1"].ID
		rv, err := f.app.CreateRectification(ctx, office, in)
		must(t, err)
		u, err := f.app.CreateUser(ctx, sys, f.people["staffT2"].ID, "townt2", password, []auth.Role{auth.RoleTownship})
		must(t, err)
		_ = u
		t2 := f.signIn(t, "townt2")
		tests := []struct {
			user string
			p    auth.Principal
			want []int64
		}{
			{"officeo1", office, []int64{r.ID, rv.ID}},
			{"townt1", f.principals["townt1"], []int64{r.ID, rv.ID}},
			{"villagev1", f.principals["villagev1"], []int64{rv.ID}},
			{"townt2", t2, nil},
			{"townb1", f.principals["townb1"], nil},
			{"leadera", f.principals["leadera"], []int64{r.ID, rv.ID}},
		}
		for _, tt := range tests {
			rows, total, err := f.app.ListRectifications(ctx, tt.p, app.RectQuery{})
			must(t, err)
			if total != len(tt.want) || len(rows) != len(tt.want) {
				t.Errorf("%s lists %d (total %d), want %d", tt.user, len(rows), total, len(tt.want))
				continue
			}
			for i := range rows {
				if rows[i].ID != tt.want[i] {
					t.Errorf("%s lists %d at %d, want %d", tt.user, rows[i].ID, i, tt.want[i])
				}
			}
		}
		for _, p := range []auth.Principal{t2, f.principals["townb1"]} {
			_, err := f.app.GetRectification(ctx, p, r.ID)
			wantCode(t, err, apperr.NotFound, "error.not_found.rectification", nil)
			_, err = f.app.RectAct(ctx, p, r.ID, oversight.RectAction{Op: oversight.RectOpReport, Text: "x"}, nil)
			wantCode(t, err, apperr.NotFound, "", nil)
		}
		// The village reports its own item; it cannot report the township's.
		_, err = f.app.RectAct(ctx, f.principals["villagev1"], rv.ID, oversight.RectAction{Op: oversight.RectOpReport, Text: "已整改"}, nil)
		must(t, err)
		// Creation field errors.
		bad := rectInput(f)
		bad.ResponsibleUnitID = f.units["TB1"].ID
		_, err = f.app.CreateRectification(ctx, office, bad)
		wantCode(t, err, apperr.Invalid, "", map[string]string{"responsible_unit_id": "rect.unit_invalid"})
		bad = rectInput(f)
		bad.SupervisingUnitID = f.units["O2"].ID
		_, err = f.app.CreateRectification(ctx, office, bad)
		wantCode(t, err, apperr.Invalid, "", map[string]string{"supervising_unit_id": "rect.unit_invalid"})
		// Filters: overdue and status.
		_, n, err := f.app.ListRectifications(ctx, office, app.RectQuery{Status: []string{"reported"}})
		must(t, err)
		if n != 1 {
			t.Errorf("reported: %d, want 1", n)
		}
		_, err = func() (int, error) {
			_, n, err := f.app.ListRectifications(ctx, office, app.RectQuery{Status: []string{"nope"}})
			return n, err
		}()
		wantCode(t, err, apperr.Invalid, "", map[string]string{"status": "rect.status_invalid"})
	})
}

// TestRectificationDeadlineClock: the deadline clock is due at the end of
// the deadline day, reminds before it, and makes the item overdue after it.
func TestRectificationDeadlineClock(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		office := f.principals["officeo1"]
		in := rectInput(f)
		in.Deadline = "2026-03-20"
		r, err := f.app.CreateRectification(ctx, office, in)
		must(t, err)
		d, err := f.app.RectificationDetail(ctx, office, r.ID)
		must(t, err)
		if len(d.Clocks) != 1 || d.Clocks[0].Code != "rectification.deadline" || !d.Clocks[0].DueAt.Equal(endOfDay(2026, 3, 20)) {
			t.Fatalf("clock %+v", d.Clocks)
		}
		if d.Overdue {
			t.Error("overdue before its deadline")
		}
		// The reminder is due now (within 5 working days): one alert.
		n, err := f.app.SendClockAlerts(ctx)
		must(t, err)
		if n != 1 {
			t.Errorf("reminders = %d, want 1", n)
		}
		// The reminder reaches the issuing officer's inbox.
		ns, _, err := f.app.Inbox(ctx, office, store.NotificationFilter{})
		must(t, err)
		if len(ns) != 1 || ns[0].Kind != "reminder" || ns[0].Link != fmt.Sprintf("/rectifications/%d", r.ID) {
			t.Errorf("inbox %+v", ns)
		}
		f.clock.Set(time.Date(2026, 3, 21, 2, 0, 0, 0, time.UTC))
		rows, total, err := f.app.ListRectifications(ctx, office, app.RectQuery{Overdue: true})
		must(t, err)
		if total != 1 || rows[0].ID != r.ID {
			t.Errorf("overdue list %d", total)
		}
		over, n2, err := f.store.OverdueClocks(ctx, auth.Scope{Prefixes: []string{"/"}}, "rectification", f.clock.Now(), store.Page{})
		must(t, err)
		if n2 != 1 || over[0].ObjectID != r.ID {
			t.Errorf("overdue clocks %d", n2)
		}
		if n, err := f.app.SendClockAlerts(ctx); err != nil || n != 1 {
			t.Errorf("overdue alarms = %d, %v; want 1", n, err)
		}
	})
}
