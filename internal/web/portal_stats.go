package web

import (
	"net/http"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/stats"
)

// portalStatsMonths is how many months the public page's month selector
// offers, the last complete month first.
const portalStatsMonths = 36

// portalStatsPage is what the public statistics page shows: the table
// (every cell already suppressed by the app), the chosen month and the
// months to choose from.
type portalStatsPage struct {
	Table    stats.PublicTable
	Month    string
	Months   []string
	County   string               // the county shown alone ("" for all)
	Counties []stats.PublicCounty // every county, for the county selector
}

// portalStats is the public transparency page (no sign-in): per county,
// the twelve months ending with the chosen month (?month=YYYY-MM; none:
// the last complete month), with reports received and answered, cases
// filed and people handled (one county with ?county=<division code>);
// counts above zero and below the operator's k
// are shown as "<k", never their value. Like every portal page it reads
// nothing about the visitor and stores nothing. A malformed or unpublished
// month shows the page with the error (422).
func (s *Server) portalStats(w http.ResponseWriter, r *http.Request) error {
	now := s.app.Now().In(s.app.Loc)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, s.app.Loc)
	var months []string
	for i := 1; i <= portalStatsMonths; i++ {
		months = append(months, first.AddDate(0, -i, 0).Format("2006-01"))
	}
	month := r.URL.Query().Get("month")
	status := http.StatusOK
	t, err := s.app.PublicStats(r.Context(), month)
	var msg string
	if err != nil {
		if !apperr.Is(err, apperr.Invalid) {
			return err
		}
		e := apperr.As(err)
		msg, status = s.bareView(r).T("statsexport.month_invalid"), apperr.HTTPStatus(e.Code)
		if t, err = s.app.PublicStats(r.Context(), ""); err != nil {
			return err
		}
	}
	if len(t.Months) > 0 {
		month = t.Months[len(t.Months)-1]
	}
	page := &portalStatsPage{Table: t, Month: month, Months: months, Counties: t.Counties}
	// One county alone (?county=<division code>), for a province's long list.
	if code := r.URL.Query().Get("county"); code != "" {
		for _, c := range t.Counties {
			if c.Code == code {
				page.County, page.Table.Counties = code, []stats.PublicCounty{c}
			}
		}
	}
	v := s.portalView(r, "statsexport.public_title", page)
	v.Error = msg
	return s.render(w, status, "portal_stats.html", v)
}

// PublicCell shows a published figure: its value, or "<k" when it is
// suppressed.
func (v *view) PublicCell(c stats.Cell, k int) string {
	if c.Suppressed {
		return "<" + itoa(int64(k))
	}
	return itoa(c.Value)
}
