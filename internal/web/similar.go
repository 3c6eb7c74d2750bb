package web

import (
	"net/http"
	"strings"

	"qingfeng/internal/auth"
	"qingfeng/internal/casework"
	"qingfeng/internal/store"
)

// similarRoutes registers the pages of similar cases (类案参考, linked from
// the case page) and teaching cases (以案代训). The teaching case's own page
// is /teaching-cases/{id}: /cases/teaching/{id} would overlap
// /cases/{id}/similar in the route table.
func (s *Server) similarRoutes(mux *http.ServeMux) {
	mux.Handle("GET /cases/{id}/similar", s.authed(s.caseSimilar))
	mux.Handle("POST /cases/{id}/teaching", s.authed(s.caseMarkTeaching))
	mux.Handle("GET /cases/teaching", s.authed(s.teachingList))
	mux.Handle("GET /teaching-cases/{id}", s.authed(s.teachingShow))
	mux.Handle("POST /teaching-cases/{id}/withdraw", s.authed(s.teachingWithdraw))
}

// similarReasonKeys maps the reasons of similar cases to their message keys.
var similarReasonKeys = map[string]string{
	casework.ReasonSameField:           "casesimilar.reason.same_field",
	casework.ReasonSameSubjectCategory: "casesimilar.reason.same_subject_category",
	casework.ReasonSameRank:            "casesimilar.reason.same_rank",
	casework.ReasonSimilarFacts:        "casesimilar.reason.similar_facts",
}

// SimilarReason shows a reason of a similar case in words.
func (v *view) SimilarReason(r casework.Reason) string {
	k, ok := similarReasonKeys[r.Code]
	if !ok {
		return r.Code
	}
	if r.Code == casework.ReasonSimilarFacts {
		return v.T(k, r.Value)
	}
	return v.T(k)
}

// OutcomeWords shows an outcome in words: the sanctions, organisational
// actions and first-form measures, a transfer to prosecution, and the four
// form; — without one.
func (v *view) OutcomeWords(o *casework.Outcome) string {
	if o == nil {
		return "—"
	}
	var parts []string
	if o.Party != "" {
		parts = append(parts, v.L("case_party", string(o.Party)))
	}
	if o.Gov != "" {
		parts = append(parts, v.L("case_gov", string(o.Gov)))
	}
	for _, a := range o.Org {
		parts = append(parts, v.L("case_org", string(a)))
	}
	for _, f := range o.First {
		parts = append(parts, v.L("case_first", string(f)))
	}
	if o.Transferred {
		parts = append(parts, v.T("caseweb.transferred"))
	}
	return strings.Join(append(parts, "（"+v.SubjectForm(*o)+"）"), " ")
}

func (s *Server) caseSimilar(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := principal(r)
	c, matches, err := s.app.SimilarCases(r.Context(), p, id)
	if err != nil {
		return err
	}
	teaching, err := s.app.TeachingCaseOf(r.Context(), p, id)
	if err != nil {
		return err
	}
	v := s.newView(r, "casesimilar.title", "cases", map[string]any{"C": c, "Matches": matches, "Teaching": teaching,
		"CanMark": teaching == 0 && c.Status == casework.StatusClosed && p.Can(auth.PermCaseApprove)})
	return s.render(w, http.StatusOK, "case_similar.html", v)
}

func (s *Server) caseMarkTeaching(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	back := "/cases/" + itoa(id) + "/similar"
	t, err := s.app.MarkTeaching(r.Context(), principal(r), id, r.PostForm.Get("title"), r.PostForm.Get("note"))
	if err != nil {
		return s.refusal(w, r, back, err)
	}
	return s.redirect(w, r, "/teaching-cases/"+itoa(t.ID), "casesimilar.flash_marked")
}

func (s *Server) teachingList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pg := store.Page{Limit: 20, Offset: int(formInt(q.Get("offset")))}
	rows, total, err := s.app.ListTeachingCases(r.Context(), principal(r), q.Get("category"), q.Get("withdrawn") == "1", pg)
	if err != nil {
		return err
	}
	v := s.newView(r, "casesimilar.teaching_title", "cases", map[string]any{"Rows": rows, "Total": total, "Limit": pg.Limit,
		"Offset": pg.Offset, "Withdrawn": q.Get("withdrawn") == "1"})
	return s.render(w, http.StatusOK, "teaching_cases.html", v)
}

func (s *Server) teachingShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.app.GetTeachingCase(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	v := s.newView(r, "casesimilar.teaching_title", "cases", map[string]any{"T": t})
	return s.render(w, http.StatusOK, "teaching_case.html", v)
}

func (s *Server) teachingWithdraw(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	back := "/teaching-cases/" + itoa(id)
	if _, err := s.app.WithdrawTeaching(r.Context(), principal(r), id, formInt(r.PostForm.Get("version")), r.PostForm.Get("reason")); err != nil {
		return s.refusal(w, r, back, err)
	}
	return s.redirect(w, r, back, "casesimilar.flash_withdrawn")
}
