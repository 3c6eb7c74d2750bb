package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/auth"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// send posts a form as a demo user (signed in by get) and returns the
// response.
func (f *statsFixture) send(user, path string, form url.Values) *httptest.ResponseRecorder {
	f.t.Helper()
	f.get(user, "/account") // signs in
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "qf_session", Value: f.tokens[user]})
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

// post sends a form as a demo user (signed in by get) and returns the
// status, the redirect target and the flash message key.
func (f *statsFixture) post(user, path string, form url.Values) (int, string, string) {
	f.t.Helper()
	rec := f.send(user, path, form)
	flash := ""
	for _, c := range rec.Result().Cookies() {
		if c.Name == "qf_flash" {
			flash = c.Value
		}
	}
	return rec.Code, rec.Header().Get("Location"), flash
}

var inlineRE = regexp.MustCompile(`<script>|<script [^>]*>[^<]|\sstyle="`)

// TestVillagePages renders the village pages of the demo: the member's
// page and forms, the form fallback without JavaScript (a second post of
// the same form adds nothing), the township's log, another county's
// township seeing nothing, and the dashboard's village figures.
func TestVillagePages(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	clock := testdb.NewClock(time.Date(2026, 6, 15, 10, 0, 0, 0, loc))
	testdb.Each(t, clock.Now, func(t *testing.T, st *store.Store) {
		f := newStatsFixture(t, st, clock)
		code, body := f.get("yd_village", "/village")
		if code != http.StatusOK {
			t.Fatalf("GET /village: %d\n%s", code, body)
		}
		for _, s := range []string{`href="/village/new?kind=session"`, `href="/village/new?kind=visit"`, `href="/village/new?kind=demand"`,
			"危房改造补助", "镇财政所", `id="village-queue"`, "/village.js"} {
			if !strings.Contains(body, s) {
				t.Errorf("/village lacks %q", s)
			}
		}
		for _, kind := range []string{"session", "visit", "demand"} {
			code, body := f.get("yd_village", "/village/new?kind="+kind)
			if code != http.StatusOK || !strings.Contains(body, `name="kind" value="`+kind+`"`) || inlineRE.MatchString(body) {
				t.Errorf("form %s: %d (inline script or style: %v)", kind, code, inlineRE.FindString(body))
			}
		}
		if code, _ := f.get("yd_tms", "/village"); code != http.StatusSeeOther {
			t.Errorf("township at /village: %d, want a redirect to /village/logs", code)
		}
		if code, _ := f.get("yd_tms", "/village/new?kind=visit"); code != http.StatusForbidden {
			t.Errorf("township opens the member's form: %d", code)
		}

		form := url.Values{"client_id": {"web-form-0001"}, "kind": {"visit"}, "date": {"2026-06-14"}, "people": {"3"},
			"summary": {"走访留守儿童家庭"}}
		for i, want := range []string{"flash.village_saved", "flash.village_already"} {
			code, loc, flash := f.post("yd_village", "/village", form)
			if code != http.StatusSeeOther || loc != "/village" || flash != want {
				t.Fatalf("post %d: %d %s %s, want a redirect with %s", i, code, loc, flash, want)
			}
		}
		p := f.principal("yd_village")
		rows, _, err := f.a.ListVillage(t.Context(), p, store.VillageFilter{AuthorUserID: p.UserID, Page: store.Page{Limit: 500}})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range rows {
			if e.ClientID == "web-form-0001" {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d entries of the form, want 1", n)
		}
		form.Set("people", "0")
		form.Set("client_id", "web-form-0002")
		if code, _, _ := f.post("yd_village", "/village", form); code != http.StatusUnprocessableEntity {
			t.Errorf("invalid form: %d", code)
		}

		code, body = f.get("yd_tms", "/village/logs")
		if code != http.StatusOK || !strings.Contains(body, "走访留守儿童家庭") || !strings.Contains(body, "大坪村村务监督委员会") {
			t.Errorf("township log: %d", code)
		}
		code, body = f.get("cl_township", "/village/logs")
		if code != http.StatusOK || strings.Contains(body, "大坪村") {
			t.Errorf("another county's township sees 大坪村: %d", code)
		}
		if !f.principal("yd_tms").Can(auth.PermTaskRead) {
			t.Fatal("township without task.read")
		}

		// The dashboard: the demo's 2 sessions, visits of 7 + 12 + 3
		// people, 3 demands of which 1 resolved (and confirmed).
		_, body = f.get("yd_leader", "/stats")
		fig := figures(t, body)
		for m, v := range map[string]string{"village_sessions": "2", "village_visits": "3", "village_people_visited": "22",
			"demands_collected": "3", "demands_resolved": "1"} {
			if fig[m][0] != v {
				t.Errorf("figure %s = %q, want %q", m, fig[m][0], v)
			}
		}
		if !strings.Contains(body, "村（社区）纪检委员累计开展党风廉政监督2次，走访党员群众22人次，收集解决群众生产生活难题和信访诉求1个。") {
			t.Errorf("the dashboard's bulletin lacks the village sentence")
		}
	})
}
