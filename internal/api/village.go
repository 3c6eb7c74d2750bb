package api

import (
	"net/http"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/oversight"
	"qingfeng/internal/store"
)

// villageRoutes are the village work log (村级监督) routes.
func (x *API) villageRoutes() []route {
	return []route{
		{"GET", "/village-topics", false, x.villageTopics},
		{"GET", "/village-logs", false, x.listVillageLogs},
		{"POST", "/village-logs", false, x.createVillageLog},
		{"GET", "/village-logs/{id}", false, x.getVillageLog},
		{"POST", "/village-logs/{id}/transitions", false, x.villageTransition},
		{"POST", "/village-logs/{id}/report", false, x.villageReport},
	}
}

func (x *API) villageTopics(w http.ResponseWriter, r *http.Request) error {
	ts, err := x.app.VillageTopics()
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ts)
}

// villageQuery reads the list filters: village (a unit id: its subtree),
// kind, status (demands), from/to (activity dates), mine (own entries).
// Errors: invalid, not_found (the unit).
func (x *API) villageQuery(r *http.Request) (store.VillageFilter, error) {
	q := r.URL.Query()
	var f store.VillageFilter
	if k := q.Get("kind"); k != "" {
		f.Kind = oversight.EntryKind(k)
		ok := false
		for _, kk := range oversight.EntryKinds() {
			ok = ok || kk == f.Kind
		}
		if !ok {
			return f, apperr.InvalidField("kind", "village.kind_invalid")
		}
	}
	for _, s := range q["status"] {
		st := oversight.DemandStatus(s)
		ok := false
		for _, ss := range oversight.DemandStatuses() {
			ok = ok || ss == st
		}
		if !ok {
			return f, apperr.InvalidField("status", "village.status_invalid")
		}
		f.Status = append(f.Status, st)
	}
	for _, d := range []struct {
		name string
		dst  *string
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q.Get(d.name); v != "" {
			if !validDate(v) {
				return f, apperr.InvalidField(d.name, "village.date_invalid")
			}
			*d.dst = v
		}
	}
	id, err := idParam(q.Get("village"), "village")
	if err != nil {
		return f, err
	}
	if id != 0 {
		u, err := x.app.Store.GetUnit(r.Context(), id)
		if err != nil {
			return f, err
		}
		f.UnitPath = u.Path
	}
	if q.Get("mine") == "1" || q.Get("mine") == "true" {
		f.AuthorUserID = principal(r).UserID
	}
	return f, nil
}

func validDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i, c := range s {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func (x *API) listVillageLogs(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	f, err := x.villageQuery(r)
	if err != nil {
		return err
	}
	f.Page = store.Page{Limit: limit, Offset: offset}
	rows, total, err := x.app.ListVillage(r.Context(), principal(r), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[oversight.Entry]{Items: rows, Total: total, Limit: limit, Offset: offset})
}

// createVillageLog records an entry: 201 when new, 200 with the stored
// entry when the same client id was sent before with the same content.
func (x *API) createVillageLog(w http.ResponseWriter, r *http.Request) error {
	var in oversight.Input
	if err := decode(w, r, &in); err != nil {
		return err
	}
	e, created, err := x.app.LogVillage(r.Context(), principal(r), in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return writeJSON(w, status, e)
}

// VillageLog is an entry with its lifecycle (demands).
type VillageLog struct {
	oversight.Entry
	Events []store.VillageEvent `json:"events"`
	Ops    []oversight.DemandOp `json:"ops"`
}

func (x *API) villageLog(r *http.Request, e oversight.Entry) (VillageLog, error) {
	evs, err := x.app.VillageEvents(r.Context(), principal(r), e.ID)
	if err != nil {
		return VillageLog{}, err
	}
	out := VillageLog{Entry: e, Events: evs, Ops: []oversight.DemandOp{}}
	if out.Events == nil {
		out.Events = []store.VillageEvent{}
	}
	if e.Kind == oversight.KindDemand {
		out.Ops = append(out.Ops, oversight.DemandOps(e.Status)...)
	}
	return out, nil
}

func (x *API) getVillageLog(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "village_entry")
	if err != nil {
		return err
	}
	e, err := x.app.GetVillage(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	out, err := x.villageLog(r, e)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (x *API) villageTransition(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "village_entry")
	if err != nil {
		return err
	}
	var in oversight.Act
	if err := decode(w, r, &in); err != nil {
		return err
	}
	e, err := x.app.ActVillage(r.Context(), principal(r), id, in)
	if err != nil {
		return err
	}
	out, err := x.villageLog(r, e)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// VillageReportOut is the answer of POST /village-logs/{id}/report.
type VillageReportOut struct {
	Entry        VillageLog `json:"entry"`
	ReportID     int64      `json:"report_id"`
	ReportNumber string     `json:"report_number"`
}

func (x *API) villageReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "village_entry")
	if err != nil {
		return err
	}
	var in app.VillageReportInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	e, rep, err := x.app.ReportVillageDemand(r.Context(), principal(r), id, in)
	if err != nil {
		return err
	}
	out, err := x.villageLog(r, e)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, VillageReportOut{Entry: out, ReportID: rep.ID, ReportNumber: rep.Number})
}
