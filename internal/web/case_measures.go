package web

import (
	"net/http"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/store"
)

// caseMeasures is the measures screen (措施期限预警): the running
// measures of the cases in the caller's scope, overdue first, with the
// state and the days left of each measure's statutory clock; a measure
// past due is an alarm row.
func (s *Server) caseMeasures(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermCaseRead) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	q := r.URL.Query()
	v := s.newView(r, "casemeasures.title", "cases", nil)
	f, err := s.app.MeasureFilter(r.Context(), p, app.MeasureQuery{Unit: q.Get("unit"), AreaGroup: q.Get("area_group"), State: q.Get("state")})
	if err != nil && !apperr.Is(err, apperr.Invalid) && !apperr.Is(err, apperr.NotFound) {
		return err
	}
	var rows []app.MeasureRow
	var total int
	if err != nil {
		e := apperr.As(err)
		v.Error = v.T(e.Key, e.Args...)
		for f, k := range e.Fields {
			v.Error += " " + v.T("field."+f) + ": " + v.T(k)
		}
	} else {
		f.Page = store.Page{Limit: 50, Offset: int(formInt(q.Get("offset")))}
		if rows, total, err = s.app.ListMeasures(r.Context(), p, f); err != nil {
			return err
		}
	}
	groups, _, err := s.app.ListAreaGroups(r.Context(), p, store.AreaFilter{Page: store.Page{Limit: 200}})
	if err != nil {
		return err
	}
	units, _, err := s.app.Store.ListUnits(r.Context(), p.ScopeFor(auth.PermCaseRead), store.UnitFilter{Kinds: handlingKinds(),
		Page: store.Page{Limit: 500}})
	if err != nil {
		return err
	}
	v.Data = map[string]any{"Rows": rows, "Total": total, "Limit": 50, "Offset": f.Page.Offset, "Groups": groups, "Units": units,
		"States": []string{store.MeasureStateOverdue, store.MeasureStateDueSoon, store.MeasureStateRunning}}
	v.Form = q
	return s.render(w, http.StatusOK, "case_measures.html", v)
}
