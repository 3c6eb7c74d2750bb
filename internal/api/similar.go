package api

import (
	"net/http"
	"time"

	"qingfeng/internal/casework"
	"qingfeng/internal/store"
)

// similarRoutes are the routes of similar cases (类案) and teaching cases
// (以案代训).
func (x *API) similarRoutes() []route {
	return []route{
		{"GET", "/cases/{id}/similar", false, x.similarCases},
		{"POST", "/cases/{id}/teaching", false, x.markTeaching},
		{"GET", "/teaching-cases", false, x.listTeachingCases},
		{"GET", "/teaching-cases/{id}", false, x.getTeachingCase},
		{"POST", "/teaching-cases/{id}/withdraw", false, x.withdrawTeaching},
	}
}

// SimilarReason is why a case is similar: same_field, same_subject_category,
// same_rank, or similar_facts with the fact similarity as value.
type SimilarReason struct {
	Code  string  `json:"code"`
	Value float64 `json:"value,omitempty"`
}

// SimilarCase is a similar closed case: the case with its subjects and
// their outcomes and forms, the score (0–1) and the reasons.
type SimilarCase struct {
	Case    Case            `json:"case"`
	Score   float64         `json:"score"`
	Facts   float64         `json:"facts"`
	Reasons []SimilarReason `json:"reasons"`
}

func (x *API) similarCases(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "case")
	if err != nil {
		return err
	}
	_, matches, err := x.app.SimilarCases(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	items := make([]SimilarCase, 0, len(matches))
	for _, m := range matches {
		c := store.CaseRow{Case: m.Case}
		c.Summary = ""
		sc := SimilarCase{Case: caseJSON(c), Score: round2(m.Score), Facts: round2(m.Facts), Reasons: []SimilarReason{}}
		for _, rs := range m.Reasons {
			sc.Reasons = append(sc.Reasons, SimilarReason{Code: rs.Code, Value: rs.Value})
		}
		items = append(items, sc)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"case_id": id, "items": items})
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// TeachingCase is a teaching case in the API: the anonymised copy. case_id
// is present only for readers who may see the source case.
type TeachingCase struct {
	ID             int64             `json:"id"`
	CaseID         int64             `json:"case_id,omitempty"`
	UnitID         int64             `json:"unit_id"`
	Unit           string            `json:"unit"`
	Title          string            `json:"title"`
	Note           string            `json:"note,omitempty"`
	Category       string            `json:"category"`
	Cause          string            `json:"cause"`
	Summary        string            `json:"summary,omitempty"`
	ClosedYear     int               `json:"closed_year,omitempty"`
	Subjects       []TeachingSubject `json:"subjects"`
	MarkedAt       time.Time         `json:"marked_at"`
	WithdrawnAt    *time.Time        `json:"withdrawn_at,omitempty"`
	WithdrawReason string            `json:"withdraw_reason,omitempty"`
	Version        int64             `json:"version"`
}

func teachingJSON(t casework.TeachingCase) TeachingCase {
	out := TeachingCase{ID: t.ID, CaseID: t.CaseID, UnitID: t.UnitID, Unit: t.UnitName, Title: t.Title, Note: t.Note, Category: t.Category,
		Cause: t.Cause, Summary: t.Summary, Subjects: []TeachingSubject{}, MarkedAt: t.MarkedAt, WithdrawnAt: optTime(t.WithdrawnAt),
		WithdrawReason: t.WithdrawReason, Version: t.Version}
	if !t.ClosedAt.IsZero() {
		out.ClosedYear = t.ClosedAt.Year()
	}
	for _, s := range t.Subjects {
		out.Subjects = append(out.Subjects, TeachingSubject{Alias: s.Alias, Post: s.Post, Rank: s.Rank, Category: s.Category,
			PartyMember: s.PartyMember, Outcome: outcomeJSON(s.Outcome), Form: int(s.Form)})
	}
	return out
}

// TeachingSubject is a subject of a teaching case: a pseudonym (张某), no
// unit, the outcome and four form.
type TeachingSubject struct {
	Alias       string       `json:"alias"`
	Post        string       `json:"post,omitempty"`
	Rank        string       `json:"rank"`
	Category    string       `json:"category"`
	PartyMember bool         `json:"party_member"`
	Outcome     *OutcomeJSON `json:"outcome"`
	Form        int          `json:"form"`
}

// TeachingIn is the body of POST /cases/{id}/teaching.
type TeachingIn struct {
	Title string `json:"title"`
	Note  string `json:"note"`
}

func (x *API) markTeaching(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "case")
	if err != nil {
		return err
	}
	var in TeachingIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	t, err := x.app.MarkTeaching(r.Context(), principal(r), id, in.Title, in.Note)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, teachingJSON(t))
}

func (x *API) listTeachingCases(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	rows, total, err := x.app.ListTeachingCases(r.Context(), principal(r), q.Get("category"), q.Get("withdrawn") == "true",
		store.Page{Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	out := make([]TeachingCase, 0, len(rows))
	for _, t := range rows {
		out = append(out, teachingJSON(t))
	}
	return writeJSON(w, http.StatusOK, list[TeachingCase]{Items: out, Total: total, Limit: limit, Offset: offset})
}

func (x *API) getTeachingCase(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "teaching_case")
	if err != nil {
		return err
	}
	t, err := x.app.GetTeachingCase(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, teachingJSON(t))
}

// WithdrawIn is the body of POST /teaching-cases/{id}/withdraw.
type WithdrawIn struct {
	Reason  string `json:"reason"`
	Version int64  `json:"version,omitempty"`
}

func (x *API) withdrawTeaching(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "teaching_case")
	if err != nil {
		return err
	}
	var in WithdrawIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	t, err := x.app.WithdrawTeaching(r.Context(), principal(r), id, in.Version, in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, teachingJSON(t))
}
