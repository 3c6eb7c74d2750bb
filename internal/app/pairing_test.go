package app_test

import (
	"strings"
	"testing"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/oversight"
	"qingfeng/internal/store"
)

func TestPairingAndTraining(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		lead, office, town := f.principals["leadera"], f.principals["officeo1"], f.principals["townt1"]
		t1 := f.units["T1"]

		// The leader pairs the office O1 and the expert 孙委员 with townships.
		_, err := f.app.CreatePairing(ctx, town, oversight.Pairing{Kind: oversight.PairOffice, MentorUnitID: f.units["O1"].ID,
			TownshipID: t1.ID, From: "2026-01-01"})
		wantCode(t, err, apperr.Forbidden, "", nil)
		_, err = f.app.CreatePairing(ctx, lead, oversight.Pairing{Kind: oversight.PairOffice, MentorUnitID: f.units["T2"].ID,
			TownshipID: t1.ID, From: "2026-01-01"})
		wantCode(t, err, apperr.Invalid, "", map[string]string{"mentor": "pairing.mentor_not_office"})
		_, err = f.app.CreatePairing(ctx, lead, oversight.Pairing{Kind: oversight.PairOffice, MentorUnitID: f.units["O1"].ID,
			TownshipID: f.units["O2"].ID, From: "2026-01-01"})
		wantCode(t, err, apperr.Invalid, "", map[string]string{"township": "pairing.not_township"})
		_, err = f.app.CreatePairing(ctx, lead, oversight.Pairing{Kind: oversight.PairOffice, MentorUnitID: f.units["O1"].ID,
			TownshipID: f.units["TB1"].ID, From: "2026-01-01"})
		wantCode(t, err, apperr.NotFound, "", nil)
		po, err := f.app.CreatePairing(ctx, lead, oversight.Pairing{Kind: oversight.PairOffice, MentorUnitID: f.units["O1"].ID,
			TownshipID: t1.ID, From: "2026-01-01", Note: "室地结对"})
		must(t, err)
		pe, err := f.app.CreatePairing(ctx, lead, oversight.Pairing{Kind: oversight.PairExpert, MentorPersonID: f.people["staffT2"].ID,
			TownshipID: f.units["T3"].ID, From: "2026-02-01"})
		must(t, err)
		if po.MentorName != f.units["O1"].Name || po.TownshipName != t1.Name || pe.MentorName != "孙委员" {
			t.Fatalf("pairings %+v %+v", po, pe)
		}

		// Guidance: the office's staff record it; the township may not; a day
		// before the pairing is refused.
		_, err = f.app.AddGuidance(ctx, town, po.ID, oversight.Guidance{Day: "2026-03-02", Kind: oversight.GuideCase, Topic: "初核指导"})
		wantCode(t, err, apperr.Forbidden, "pairing.not_mentor", nil)
		_, err = f.app.AddGuidance(ctx, office, po.ID, oversight.Guidance{Day: "2025-12-30", Kind: oversight.GuideCase, Topic: "初核指导"})
		wantCode(t, err, apperr.Invalid, "", map[string]string{"day": "pairing.outside_period"})
		for _, day := range []string{"2026-02-10", "2026-03-02"} {
			_, err = f.app.AddGuidance(ctx, office, po.ID, oversight.Guidance{Day: day, Kind: oversight.GuideCase, Topic: "初核指导"})
			must(t, err)
		}
		// The township sees its pairing and the guidance; another township
		// does not.
		got, gs, err := f.app.GetPairing(ctx, town, po.ID)
		must(t, err)
		if got.Guidance != 2 || len(gs) != 2 || gs[0].Day != "2026-03-02" || gs[0].UserName == "" {
			t.Fatalf("pairing %+v guidance %+v", got, gs)
		}
		_, _, err = f.app.GetPairing(ctx, f.principals["townb1"], po.ID)
		wantCode(t, err, apperr.NotFound, "error.not_found.pairing", nil)
		list, n, err := f.app.ListPairings(ctx, office, store.PairingFilter{})
		must(t, err)
		if n != 1 || list[0].ID != po.ID {
			t.Errorf("the office's pairings: %d %+v", n, list)
		}
		ended, err := f.app.EndPairing(ctx, lead, po.ID, po.Version, "2026-03-10")
		must(t, err)
		if ended.To != "2026-03-10" || ended.Active("2026-03-10") {
			t.Errorf("ended %+v", ended)
		}

		// A drill (岗位练兵) for two township staff; attendance with scores.
		_, err = f.app.CreateTraining(ctx, lead, oversight.Training{Kind: oversight.TrainDrill, Title: "岗位练兵", Day: "2026-03-05"}, nil)
		wantCode(t, err, apperr.Invalid, "", map[string]string{"invited": "training.invited_required"})
		_, err = f.app.CreateTraining(ctx, lead, oversight.Training{Kind: oversight.TrainDrill, Title: "岗位练兵", Day: "2026-03-05"},
			[]int64{f.people["staffB"].ID})
		wantCode(t, err, apperr.NotFound, "", nil)
		tr, err := f.app.CreateTraining(ctx, lead, oversight.Training{Kind: oversight.TrainDrill, Title: "岗位练兵：谈话笔录", Day: "2026-03-05",
			Place: "区纪委监委三楼"}, []int64{f.people["townt1"].ID, f.people["staffT2"].ID, f.people["staffT2"].ID})
		must(t, err)
		if tr.Invited != 2 || tr.Attended != 0 || tr.OrganiserID != f.units["A"].ID {
			t.Fatalf("training %+v", tr)
		}
		err = f.app.RecordAttendance(ctx, lead, tr.ID, []oversight.Attendance{{PersonID: f.people["staffB"].ID, Attended: true}})
		wantCode(t, err, apperr.Invalid, "", map[string]string{"attendance": "training.not_invited"})
		must(t, f.app.RecordAttendance(ctx, lead, tr.ID, []oversight.Attendance{{PersonID: f.people["townt1"].ID, Attended: true, Score: 88},
			{PersonID: f.people["staffT2"].ID}}))
		_, as, err := f.app.GetTraining(ctx, town, tr.ID)
		must(t, err)
		if len(as) != 2 || !as[0].Attended || as[0].Score != 88 || as[1].Attended {
			t.Errorf("attendance %+v", as)
		}
		_, _, err = f.app.GetTraining(ctx, f.principals["townb1"], tr.ID)
		wantCode(t, err, apperr.NotFound, "error.not_found.training", nil)

		// Statistics: guidance in T1, the training in the county, one
		// attendee (T1's) — per township in the breakdown.
		d, err := f.app.StatsDashboard(ctx, lead, app.StatsRequest{})
		must(t, err)
		s := d.Summary
		if s.GuidanceRecords != 2 || s.TrainingsHeld != 1 || s.TrainingsByKind["drill"] != 1 || s.TrainingAttendees != 1 {
			t.Errorf("summary guidance %d trainings %d %v attendees %d", s.GuidanceRecords, s.TrainingsHeld, s.TrainingsByKind, s.TrainingAttendees)
		}
		if want := "结对帮带指导2次，举办培训1场、参训1人次。"; !strings.Contains(d.Bulletin, want) {
			t.Errorf("bulletin %s lacks %s", d.Bulletin, want)
		}
		ts, err := f.app.StatsSummary(ctx, town, app.StatsRequest{})
		must(t, err)
		if ts.GuidanceRecords != 2 || ts.TrainingAttendees != 1 || ts.TrainingsHeld != 0 {
			t.Errorf("township: %d %d %d", ts.GuidanceRecords, ts.TrainingAttendees, ts.TrainingsHeld)
		}
	})
}
