package oversight

import (
	"testing"

	"qingfeng/internal/apperr"
)

func fieldOf(err error) map[string]string {
	if err == nil {
		return nil
	}
	return apperr.As(err).Fields
}

func TestValidatePairing(t *testing.T) {
	ok := Pairing{Kind: PairLeader, MentorPersonID: 3, TownshipID: 9, From: "2026-01-01"}
	tests := []struct {
		name  string
		edit  func(*Pairing)
		field string
		code  string
	}{
		{"leader", func(*Pairing) {}, "", ""},
		{"office", func(p *Pairing) { p.Kind, p.MentorPersonID, p.MentorUnitID = PairOffice, 0, 4 }, "", ""},
		{"office without unit", func(p *Pairing) { p.Kind = PairOffice }, "mentor", "pairing.mentor_unit_required"},
		{"expert without person", func(p *Pairing) { p.Kind, p.MentorPersonID = PairExpert, 0 }, "mentor", "pairing.mentor_person_required"},
		{"kind", func(p *Pairing) { p.Kind = "friend" }, "kind", "pairing.kind_invalid"},
		{"township", func(p *Pairing) { p.TownshipID = 0 }, "township", "pairing.township_required"},
		{"from", func(p *Pairing) { p.From = "2026-02-30" }, "from", "pairing.date_invalid"},
		{"to before from", func(p *Pairing) { p.To = "2025-12-31" }, "to", "pairing.to_invalid"},
		{"to equal from", func(p *Pairing) { p.To = p.From }, "to", "pairing.to_invalid"},
	}
	for _, tt := range tests {
		p := ok
		tt.edit(&p)
		got := fieldOf(ValidatePairing(&p))
		if tt.field == "" && got != nil || tt.field != "" && got[tt.field] != tt.code {
			t.Errorf("%s: %v, want %s=%s", tt.name, got, tt.field, tt.code)
		}
	}
	p := Pairing{From: "2026-01-01", To: "2026-07-01"}
	for day, want := range map[string]bool{"2025-12-31": false, "2026-01-01": true, "2026-06-30": true, "2026-07-01": false} {
		if p.Active(day) != want {
			t.Errorf("Active(%s) = %v", day, !want)
		}
	}
}

func TestValidateGuidance(t *testing.T) {
	p := Pairing{From: "2026-01-01", To: "2026-07-01"}
	for _, tt := range []struct {
		g     Guidance
		field string
		code  string
	}{
		{Guidance{Day: "2026-03-02", Kind: GuideCase, Topic: "  指导  初核 "}, "", ""},
		{Guidance{Day: "2025-12-31", Kind: GuideCase, Topic: "x"}, "day", "pairing.outside_period"},
		{Guidance{Day: "2026-03-17", Kind: GuideCase, Topic: "x"}, "day", "pairing.date_invalid"},
		{Guidance{Day: "2026-03-02", Kind: "chat", Topic: "x"}, "kind", "pairing.guidance_kind_invalid"},
		{Guidance{Day: "2026-03-02", Kind: GuideVisit}, "topic", "pairing.topic_required"},
	} {
		g := tt.g
		got := fieldOf(ValidateGuidance(&g, p, "2026-03-16"))
		if tt.field == "" && got != nil || tt.field != "" && got[tt.field] != tt.code {
			t.Errorf("%+v: %v, want %s=%s", tt.g, got, tt.field, tt.code)
		}
		if tt.field == "" && g.Topic != "指导 初核" {
			t.Errorf("topic not cleaned: %q", g.Topic)
		}
	}
}

func TestValidateTraining(t *testing.T) {
	for _, tt := range []struct {
		tr    Training
		field string
		code  string
	}{
		{Training{Kind: TrainLecture, Title: "大讲堂", Day: "2026-03-02"}, "", ""},
		{Training{Kind: TrainCaseBased, Title: "以案代训", Day: "2026-03-02", TeachingCaseID: 5}, "", ""},
		{Training{Kind: TrainCaseBased, Title: "以案代训", Day: "2026-03-02"}, "teaching_case", "training.teaching_case_required"},
		{Training{Kind: TrainDrill, Title: "练兵", Day: "2026-03-02", TeachingCaseID: 5}, "teaching_case", "training.teaching_case_only_case_based"},
		{Training{Kind: "party", Title: "x", Day: "2026-03-02"}, "kind", "training.kind_invalid"},
		{Training{Kind: TrainLecture, Day: "2026-03-02"}, "title", "training.title_required"},
		{Training{Kind: TrainLecture, Title: "x", Day: "03/02"}, "day", "pairing.date_invalid"},
	} {
		tr := tt.tr
		got := fieldOf(ValidateTraining(&tr))
		if tt.field == "" && got != nil || tt.field != "" && got[tt.field] != tt.code {
			t.Errorf("%+v: %v, want %s=%s", tt.tr, got, tt.field, tt.code)
		}
	}
	drill, lecture := Training{Kind: TrainDrill}, Training{Kind: TrainLecture}
	for _, tt := range []struct {
		t    Training
		as   []Attendance
		code string
	}{
		{drill, []Attendance{{PersonID: 1, Attended: true, Score: 92}, {PersonID: 2}}, ""},
		{drill, []Attendance{{PersonID: 1}, {PersonID: 1}}, "training.attendance_duplicate"},
		{drill, []Attendance{{PersonID: 1, Attended: true, Score: 101}}, "training.score_invalid"},
		{drill, []Attendance{{PersonID: 1, Score: 80}}, "training.score_invalid"},
		{lecture, []Attendance{{PersonID: 1, Attended: true, Score: 80}}, "training.score_invalid"},
	} {
		got := fieldOf(ValidateAttendance(tt.t, tt.as))
		if tt.code == "" && got != nil || tt.code != "" && got["attendance"] != tt.code {
			t.Errorf("%+v: %v, want %s", tt.as, got, tt.code)
		}
	}
}
