package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// upload posts a list through the page's multipart form as a demo user.
func (f *statsFixture) upload(user, op, kind, name, body string) *httptest.ResponseRecorder {
	f.t.Helper()
	f.get(user, "/account")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("op", op)
	_ = mw.WriteField("kind", kind)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write([]byte(body))
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/crosschecks/lists", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", "http://example.com")
	req.AddCookie(&http.Cookie{Name: "qf_session", Value: f.tokens[user]})
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

// TestCrossCheckPage: a leader previews the header of a payment list,
// imports it and a death register through the page, runs the rules, sees
// the suspect with its matched fields and why it matters, confirms it,
// assigns it to the township as a clue and records the money recovered;
// a township user of another place sees no runs of the county.
func TestCrossCheckPage(t *testing.T) {
	now := time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)
	clock := testdb.NewClock(now)
	testdb.Each(t, clock.Now, func(t *testing.T, st *store.Store) {
		f := newStatsFixture(t, st, clock)
		town := strings.TrimSuffix(strings.TrimSuffix(f.tms.Name, "纪委"), "纪工委")
		pays := "姓名,身份证号,补贴项目,金额,发放日期,乡镇,村\n" +
			fmt.Sprintf("覃春兰,430802197500000014,农村低保,330,2026-05-10,%s,第一村\n", town) +
			fmt.Sprintf("覃春兰,430802197500000022,农村低保,330,2026-05-10,%s,第一村\n", town)
		deaths := "姓名,身份证号,村,死亡日期\n覃春兰,430802197500000014,第一村,2026-04-03\n"

		rec := f.upload("yd_leader", "preview", "payments", "发放名单.csv", pays)
		if body := rec.Body.String(); rec.Code != http.StatusOK || !strings.Contains(body, "必需的列均已识别") || !strings.Contains(body, "→ 身份证号") {
			t.Fatalf("preview %d:\n%s", rec.Code, body)
		}
		for _, l := range [][3]string{{"payments", "发放名单.csv", pays}, {"death", "死亡名单.csv", deaths}} {
			rec := f.upload("yd_leader", "import", l[0], l[1], l[2])
			if body := rec.Body.String(); rec.Code != http.StatusOK || !strings.Contains(body, "导入完成") {
				t.Fatalf("import %s %d:\n%s", l[0], rec.Code, body)
			}
		}
		code, loc, flash := f.post("yd_leader", "/crosschecks/runs", url.Values{})
		if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/crosschecks?run=") || flash != "flash.crosscheck_run" {
			t.Fatalf("run: %d %s %s", code, loc, flash)
		}
		code, body := f.get("yd_leader", loc)
		if code != http.StatusOK || !strings.Contains(body, "死亡后仍领取补贴") || !strings.Contains(body, "强匹配：身份证号一致") ||
			!strings.Contains(body, `class="match match-strong">身份证号`) || !strings.Contains(body, "登记日期之后仍有发放") ||
			strings.Count(body, `class="card suspect"`) != 1 {
			t.Fatalf("suspects %d:\n%s", code, body)
		}
		runs, err := f.a.CrossCheckRuns(context.Background(), f.principal("yd_leader"), 1)
		if err != nil || len(runs) != 1 {
			t.Fatal(runs, err)
		}
		rows, _, err := f.a.CrossCheckSuspects(context.Background(), f.principal("yd_leader"), store.SuspectQuery{RunID: runs[0].ID})
		if err != nil || len(rows) != 1 {
			t.Fatal(rows, err)
		}
		base := fmt.Sprintf("/crosschecks/suspects/%d/", rows[0].ID)
		run := fmt.Sprint(runs[0].ID)
		steps := []struct {
			path  string
			form  url.Values
			flash string
		}{
			{"judge", url.Values{"verdict": {"confirmed"}, "version": {"0"}, "run": {run}}, "flash.crosscheck_judged"},
			{"assign", url.Values{"action": {"clue"}, "run": {run}}, "flash.crosscheck_assigned"},
			{"recover", url.Values{"amount": {"330"}, "day": {"2026-06-14"}, "run": {run}}, "flash.crosscheck_recovered"},
		}
		for _, s := range steps {
			code, loc, flash := f.post("yd_leader", base+s.path, s.form)
			if code != http.StatusSeeOther || flash != s.flash || !strings.Contains(loc, "run="+run) {
				t.Fatalf("%s: %d %s %s", s.path, code, loc, flash)
			}
		}
		_, body = f.get("yd_leader", "/crosschecks?run="+run)
		if !strings.Contains(body, "查看问题线索") || !strings.Contains(body, "已追回资金：330.00元") || !strings.Contains(body, "已确认") {
			t.Fatalf("after assignment:\n%s", body)
		}
		if code, _, _ := f.post("yd_leader", base+"assign", url.Values{"action": {"clue"}}); code != http.StatusConflict {
			t.Errorf("second assignment: %d", code)
		}
		if code, _ := f.get("yd_village", "/crosschecks"); code != http.StatusForbidden {
			t.Errorf("village user: %d", code)
		}
	})
}
