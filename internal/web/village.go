package web

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/intake"
	"qingfeng/internal/org"
	"qingfeng/internal/oversight"
	"qingfeng/internal/store"
)

// This file is the village work log (村级监督) in the staff UI: a
// phone-first page for village members (static/village.js queues a form
// filled without network and sends it to POST /api/v1/village-logs when
// the phone reconnects; without JavaScript the form posts to /village),
// and the log of the villages in scope for township and county staff.

func (s *Server) villageRoutes(mux *http.ServeMux) {
	mux.Handle("GET /village", s.authed(s.villageHome))
	mux.Handle("GET /village/new", s.authed(s.villageNew))
	mux.Handle("POST /village", s.authed(s.villageCreate))
	mux.Handle("GET /village/logs", s.authed(s.villageLogs))
	mux.Handle("GET /village/{id}", s.authed(s.villageShow))
	mux.Handle("POST /village/{id}/act", s.authed(s.villageAct))
	mux.Handle("POST /village/{id}/report", s.authed(s.villageReport))
}

// villageLabelKeys maps the village log's codes to message keys (literals,
// so that the catalogue test finds them).
var villageLabelKeys = map[string]map[string]string{
	"kind": {
		string(oversight.KindSession): "village.kind.session", string(oversight.KindVisit): "village.kind.visit",
		string(oversight.KindDemand): "village.kind.demand",
	},
	"demand_kind": {
		string(oversight.DemandDifficulty): "village.demand_kind.difficulty", string(oversight.DemandPetition): "village.demand_kind.petition",
	},
	"status": {
		string(oversight.DemandOpen): "village.status.open", string(oversight.DemandInProgress): "village.status.in_progress",
		string(oversight.DemandResolved): "village.status.resolved", string(oversight.DemandConfirmed): "village.status.confirmed",
		string(oversight.DemandReported): "village.status.reported",
	},
	"op": {
		"create": "village.op.create", string(oversight.OpForward): "village.op.forward", string(oversight.OpResolve): "village.op.resolve",
		string(oversight.OpConfirm): "village.op.confirm", string(oversight.OpReopen): "village.op.reopen",
		string(oversight.OpReport): "village.op.report",
	},
}

// villageNewKeys are the titles of the entry forms.
var villageNewKeys = map[oversight.EntryKind]string{
	oversight.KindSession: "village.new_session", oversight.KindVisit: "village.new_visit", oversight.KindDemand: "village.new_demand",
}

// VL returns the label of a village log code in a group of villageLabelKeys.
func (v *view) VL(group string, code any) string {
	c := toString(code)
	if k, ok := villageLabelKeys[group][c]; ok {
		return v.T(k)
	}
	return c
}

// TopicName returns the display name of a session topic code.
func (v *view) TopicName(code string) string {
	ts, _ := oversight.Topics()
	for _, t := range ts {
		if t.Code == code {
			if v.Lang == "en" {
				return t.NameEN
			}
			return t.NameZH
		}
	}
	return code
}

// isVillageMember reports whether the caller keeps a village log: holds
// village.log and belongs to a village.
func (s *Server) isVillageMember(r *http.Request, p auth.Principal) bool {
	if !p.Can(auth.PermVillageLog) {
		return false
	}
	u, err := s.app.Store.GetUnit(r.Context(), p.UnitID)
	return err == nil && u.Kind == org.KindVillage
}

// newClientID returns a random UUID (version 4) for a form rendered by the
// server; the browser replaces it when it queues an entry offline.
func (s *Server) newClientID() (string, error) {
	var b [16]byte
	if _, err := s.app.Rand.Read(b[:]); err != nil {
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

func (s *Server) villageHome(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !s.isVillageMember(r, p) {
		if p.Can(auth.PermTaskRead) {
			http.Redirect(w, r, "/village/logs", http.StatusSeeOther)
			return nil
		}
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	mine, _, err := s.app.ListVillage(r.Context(), p, store.VillageFilter{AuthorUserID: p.UserID, Page: store.Page{Limit: 20}})
	if err != nil {
		return err
	}
	open, _, err := s.app.ListVillage(r.Context(), p, store.VillageFilter{Kind: oversight.KindDemand,
		Status: []oversight.DemandStatus{oversight.DemandOpen, oversight.DemandInProgress, oversight.DemandResolved}, Page: store.Page{Limit: 100}})
	if err != nil {
		return err
	}
	v := s.newView(r, "village.title", "village", map[string]any{"Mine": mine, "Open": open, "Kinds": oversight.EntryKinds()})
	return s.render(w, http.StatusOK, "village.html", v)
}

func (s *Server) villageFormView(r *http.Request, kind oversight.EntryKind) (*view, error) {
	topics, err := s.app.VillageTopics()
	if err != nil {
		return nil, err
	}
	return s.newView(r, villageNewKeys[kind], "village", map[string]any{"Kind": string(kind), "Topics": topics,
		"DemandKinds": oversight.DemandKinds(), "Today": s.app.Today()}), nil
}

func (s *Server) villageNew(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !s.isVillageMember(r, p) {
		return apperr.New(apperr.Forbidden, "village.not_village_member")
	}
	kind := oversight.EntryKind(r.URL.Query().Get("kind"))
	if !slices.Contains(oversight.EntryKinds(), kind) {
		kind = oversight.KindVisit
	}
	v, err := s.villageFormView(r, kind)
	if err != nil {
		return err
	}
	id, err := s.newClientID()
	if err != nil {
		return err
	}
	v.Form.Set("client_id", id)
	v.Form.Set("date", s.app.Today())
	return s.render(w, http.StatusOK, "village_form.html", v)
}

// villageInput reads the form of a log entry.
func villageInput(r *http.Request) oversight.Input {
	f := r.PostForm
	return oversight.Input{ClientID: f.Get("client_id"), Kind: oversight.EntryKind(f.Get("kind")), Date: f.Get("date"),
		Summary: f.Get("summary"), Topics: f["topics"], People: int(formInt(f.Get("people"))), Names: f.Get("names"),
		Place: f.Get("place"), DemandKind: oversight.DemandKind(f.Get("demand_kind")), Person: f.Get("person"),
		Phone: f.Get("phone"), Department: f.Get("department"), Due: f.Get("due")}
}

// villageCreate is the form fallback without JavaScript: the same service
// and the same client id rule as the API.
func (s *Server) villageCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	in := villageInput(r)
	_, created, err := s.app.LogVillage(r.Context(), principal(r), in)
	if err != nil {
		v, verr := s.villageFormView(r, in.Kind)
		if verr != nil {
			return verr
		}
		return s.formError(w, r, err, "village_form.html", v)
	}
	if !created {
		return s.redirect(w, r, "/village", "flash.village_already")
	}
	return s.redirect(w, r, "/village", "flash.village_saved")
}

func (s *Server) villageLogs(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermTaskRead) && !p.Can(auth.PermVillageLog) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	q := r.URL.Query()
	f := store.VillageFilter{Kind: oversight.EntryKind(q.Get("kind")), From: q.Get("from"), To: q.Get("to"),
		Page: store.Page{Limit: 50, Offset: int(formInt(q.Get("offset")))}}
	if !slices.Contains(oversight.EntryKinds(), f.Kind) {
		f.Kind = ""
	}
	if st := oversight.DemandStatus(q.Get("status")); slices.Contains(oversight.DemandStatuses(), st) {
		f.Status = []oversight.DemandStatus{st}
	}
	for _, d := range []*string{&f.From, &f.To} {
		if len(*d) != 10 {
			*d = ""
		}
	}
	sc := p.ScopeFor(auth.PermTaskRead)
	if sc.Denied {
		sc = p.ScopeFor(auth.PermVillageLog)
	}
	villages, _, err := s.app.Store.ListUnits(r.Context(), sc, store.UnitFilter{Kinds: []org.Kind{org.KindTownship, org.KindVillage},
		Page: store.Page{Limit: 500}})
	if err != nil {
		return err
	}
	if id := formInt(q.Get("village")); id != 0 {
		for _, u := range villages {
			if u.ID == id {
				f.UnitPath = u.Path
			}
		}
	}
	rows, total, err := s.app.ListVillage(r.Context(), p, f)
	if err != nil {
		return err
	}
	people := 0
	for _, e := range rows {
		if e.Kind == oversight.KindVisit {
			people += e.People
		}
	}
	v := s.newView(r, "village.logs_title", "village", map[string]any{"Rows": rows, "Total": total, "Limit": 50,
		"Offset": f.Page.Offset, "Villages": villages, "Kinds": oversight.EntryKinds(), "Statuses": oversight.DemandStatuses(),
		"People": people})
	v.Form = q
	return s.render(w, http.StatusOK, "village_logs.html", v)
}

func (s *Server) villageShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := principal(r)
	e, err := s.app.GetVillage(r.Context(), p, id)
	if err != nil {
		return err
	}
	evs, err := s.app.VillageEvents(r.Context(), p, id)
	if err != nil {
		return err
	}
	var ops []string
	if e.Kind == oversight.KindDemand && p.Can(auth.PermVillageLog) && p.ScopeFor(auth.PermVillageLog).Covers(e.UnitPath) {
		for _, op := range oversight.DemandOps(e.Status) {
			ops = append(ops, string(op))
		}
	}
	v := s.newView(r, "village.entry_title", "village", map[string]any{"E": e, "Events": evs, "Ops": ops,
		"Topics": strings.Join(e.Topics, ",")})
	return s.render(w, http.StatusOK, "village_entry.html", v)
}

func (s *Server) villageAct(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	act := oversight.Act{Op: oversight.DemandOp(f.Get("op")), Department: f.Get("department"), Note: f.Get("note"),
		Version: formInt(f.Get("version"))}
	back := "/village/" + itoa(id)
	if _, err := s.app.ActVillage(r.Context(), principal(r), id, act); err != nil {
		return s.refusal(w, r, back, err)
	}
	return s.redirect(w, r, back, "flash.village_done")
}

func (s *Server) villageReport(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	in := app.VillageReportInput{Kind: intake.Kind(f.Get("kind")), Version: formInt(f.Get("version")),
		Subject: intake.Subject{Name: f.Get("subject_name"), Post: f.Get("subject_post"), Unit: f.Get("subject_unit")}}
	back := "/village/" + itoa(id)
	if _, _, err := s.app.ReportVillageDemand(r.Context(), principal(r), id, in); err != nil {
		return s.refusal(w, r, back, err)
	}
	return s.redirect(w, r, back, "flash.village_reported")
}
