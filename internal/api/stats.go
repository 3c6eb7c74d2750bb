package api

import (
	"net/http"
	"strconv"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/store"
)

// statsRoutes are the statistics routes (issue 6): counts inside the
// caller's stats scope, and the public transparency table.
func (x *API) statsRoutes() []route {
	return []route{
		{"GET", "/stats/summary", false, x.statsSummary},
		{"GET", "/stats/bulletin", false, x.statsBulletin},
		{"GET", "/stats/timeseries", false, x.statsSeries},
		{"GET", "/stats/dashboard", false, x.statsDashboard},
		{"GET", "/stats/records", false, x.statsRecords},
		{"GET", "/public/stats", true, x.publicStats},
	}
}

// statsRequest reads unit (id or division code), area_group, from, to and
// compare.
func statsRequest(r *http.Request) (app.StatsRequest, error) {
	q := r.URL.Query()
	sr := app.StatsRequest{Unit: q.Get("unit"), From: q.Get("from"), To: q.Get("to"), Compare: q.Get("compare")}
	if g := q.Get("area_group"); g != "" {
		id, err := strconv.ParseInt(g, 10, 64)
		if err != nil || id <= 0 {
			return sr, apperr.InvalidField("area_group", "stats.area_group_invalid")
		}
		sr.AreaGroup = id
	}
	return sr, nil
}

func (x *API) statsSummary(w http.ResponseWriter, r *http.Request) error {
	sr, err := statsRequest(r)
	if err != nil {
		return err
	}
	s, err := x.app.StatsSummary(r.Context(), principal(r), sr)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s)
}

func (x *API) statsBulletin(w http.ResponseWriter, r *http.Request) error {
	sr, err := statsRequest(r)
	if err != nil {
		return err
	}
	text, err := x.app.StatsBulletin(r.Context(), principal(r), sr)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"text": text})
}

func (x *API) statsSeries(w http.ResponseWriter, r *http.Request) error {
	sr, err := statsRequest(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	metric := q.Get("metric")
	if metric == "" {
		return apperr.InvalidField("metric", "stats.metric_invalid")
	}
	s, err := x.app.StatsSeries(r.Context(), principal(r), sr, metric, q.Get("interval"), q.Get("by"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s)
}

func (x *API) statsDashboard(w http.ResponseWriter, r *http.Request) error {
	sr, err := statsRequest(r)
	if err != nil {
		return err
	}
	d, err := x.app.StatsDashboard(r.Context(), principal(r), sr)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func (x *API) statsRecords(w http.ResponseWriter, r *http.Request) error {
	sr, err := statsRequest(r)
	if err != nil {
		return err
	}
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var child int64
	if c := q.Get("child"); c != "" {
		if child, err = strconv.ParseInt(c, 10, 64); err != nil || child <= 0 {
			return apperr.InvalidField("child", "stats.unit_invalid")
		}
	}
	items, total, err := x.app.StatsRecords(r.Context(), principal(r), sr, q.Get("metric"), q.Get("by"), q.Get("key"), child,
		store.Page{Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	if items == nil {
		items = []store.StatRecord{}
	}
	return writeJSON(w, http.StatusOK, list[store.StatRecord]{Items: items, Total: total, Limit: limit, Offset: offset})
}

func (x *API) publicStats(w http.ResponseWriter, r *http.Request) error {
	t, err := x.app.PublicStats(r.Context(), r.URL.Query().Get("month"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}
