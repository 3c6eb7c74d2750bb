package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/oversight"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// post submits a form as a demo user and returns the status and the
// redirect target.
func (f *statsFixture) post(user, path string, form url.Values) (int, string, string) {
	f.t.Helper()
	f.get(user, "/account") // signs in once
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "qf_session", Value: f.tokens[user]})
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec.Code, rec.Header().Get("Location"), rec.Body.String()
}

func TestPairingPages(t *testing.T) {
	clock := testdb.NewClock(time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC))
	testdb.Each(t, clock.Now, func(t *testing.T, st *store.Store) {
		f := newStatsFixture(t, st, clock)
		ctx := context.Background()
		offices, _, err := f.a.ListUnits(ctx, f.principal("yd_leader"), store.UnitFilter{ParentID: f.county.ID, Page: store.Page{Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		var o1 int64
		for _, u := range offices {
			if u.Kind == "office" {
				o1 = u.ID
				break
			}
		}

		// The leader sees the form and pairs an office with 天门山镇纪委.
		code, body := f.get("yd_leader", "/pairings")
		if code != http.StatusOK || !strings.Contains(body, `action="/pairings"`) || !strings.Contains(body, "室组结对") {
			t.Fatalf("pairings page %d", code)
		}
		code, loc, _ := f.post("yd_leader", "/pairings", url.Values{"kind": {"office"}, "mentor_unit": {strconv.FormatInt(o1, 10)},
			"township": {strconv.FormatInt(f.tms.ID, 10)}, "from": {"2026-01-01"}})
		if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/pairings/") {
			t.Fatalf("create: %d %q", code, loc)
		}
		// A bad form gets the Chinese reason, nothing is created.
		code, _, body = f.post("yd_leader", "/pairings", url.Values{"kind": {"office"}, "township": {strconv.FormatInt(f.tms.ID, 10)}, "from": {"2026-01-01"}})
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, "室组结对须选择纪检监察室或派驻纪检监察组") {
			t.Errorf("bad form: %d", code)
		}
		rows, n, err := f.a.ListPairings(ctx, f.principal("yd_leader"), store.PairingFilter{})
		if err != nil || n != 1 || rows[0].TownshipID != f.tms.ID {
			t.Fatalf("pairings %d %+v %v", n, rows, err)
		}
		// The township sees it but cannot record guidance; the office can.
		code, body = f.get("yd_tms", loc)
		if code != http.StatusOK || strings.Contains(body, "/guidance") || !strings.Contains(body, f.tms.Name) {
			t.Errorf("township view %d", code)
		}
		code, gloc, _ := f.post("yd_leader", loc+"/guidance", url.Values{"day": {"2026-03-02"}, "kind": {"case"}, "topic": {"初核方案指导"}})
		if code != http.StatusSeeOther || gloc != loc {
			t.Fatalf("guidance %d %q", code, gloc)
		}
		code, body = f.get("yd_tms", loc)
		if code != http.StatusOK || !strings.Contains(body, "初核方案指导") || !strings.Contains(body, "办案指导") {
			t.Errorf("guidance not shown")
		}

		// A drill with two invited people; attendance with a score.
		leader, tms := f.principal("yd_leader"), f.principal("yd_tms")
		tr, err := f.a.CreateTraining(ctx, leader, oversight.Training{Kind: oversight.TrainDrill, Title: "岗位练兵：谈话技巧", Day: "2026-03-10"},
			[]int64{tms.PersonID, leader.PersonID})
		if err != nil {
			t.Fatal(err)
		}
		code, _, _ = f.post("yd_leader", "/trainings/"+strconv.FormatInt(tr.ID, 10)+"/attendance", url.Values{"person": {strconv.FormatInt(tms.PersonID, 10), strconv.FormatInt(leader.PersonID, 10)},
			"attended_" + strconv.FormatInt(tms.PersonID, 10): {"1"}, "score_" + strconv.FormatInt(tms.PersonID, 10): {"95"}})
		if code != http.StatusSeeOther {
			t.Fatalf("attendance %d", code)
		}
		code, body = f.get("yd_tms", "/trainings/"+strconv.FormatInt(tr.ID, 10))
		if code != http.StatusOK || !strings.Contains(body, "1 / 2") || !strings.Contains(body, ">95<") {
			t.Errorf("training page %d", code)
		}
		code, body = f.get("yd_tms", "/trainings")
		if code != http.StatusOK || !strings.Contains(body, "岗位练兵：谈话技巧") || strings.Contains(body, `action="/trainings"`) {
			t.Errorf("trainings list %d", code)
		}
		if code, _ := f.get("yd_village", "/pairings"); code != http.StatusForbidden {
			t.Errorf("village member: %d", code)
		}
	})
}
