package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/auth"
	"qingfeng/internal/i18n"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// TestCrossCheckAPI uploads a payment list and a death register, runs the
// rules, filters the suspects, judges, assigns and records money
// recovered through the handlers on both engines.
func TestCrossCheckAPI(t *testing.T) {
	t0 := time.Date(2026, 3, 16, 2, 0, 0, 0, time.UTC)
	clock := testdb.NewClock(t0)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := testdb.NewApp(t, s, clock.Now)
		x := &API{app: a, cat: cat, log: slog.New(slog.DiscardHandler)}
		sys := auth.System()
		county, err := a.CreateUnit(ctx, sys, org.Unit{Kind: org.KindCommission, Name: "永定区纪委监委", DivisionCode: "430802", IsDivision: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.CreateUnit(ctx, sys, org.Unit{Kind: org.KindTownship, Name: "城关镇纪委", ParentID: county.ID, DivisionCode: "430802001", IsDivision: true}); err != nil {
			t.Fatal(err)
		}
		send := func(h handlerFunc, method, path, id, ctype string, body []byte, want int) map[string]any {
			t.Helper()
			req := httptest.NewRequest(method, path, bytes.NewReader(body))
			if ctype != "" {
				req.Header.Set("Content-Type", ctype)
			}
			req = req.WithContext(context.WithValue(req.Context(), ctxKey{}, sys))
			if id != "" {
				req.SetPathValue("id", id)
			}
			rec := httptest.NewRecorder()
			x.wrap(h).ServeHTTP(rec, req)
			if rec.Code != want {
				t.Fatalf("%s %s: %d %s, want %d", method, path, rec.Code, rec.Body, want)
			}
			var out map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			return out
		}
		upload := func(kind, body string, preview bool, want int) map[string]any {
			t.Helper()
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			_ = mw.WriteField("kind", kind)
			_ = mw.WriteField("unit_id", fmt.Sprint(county.ID))
			if preview {
				_ = mw.WriteField("preview", "true")
			}
			fw, _ := mw.CreateFormFile("file", kind+".csv")
			_, _ = fw.Write([]byte(body))
			_ = mw.Close()
			return send(x.uploadCrossCheckList, "POST", "/api/v1/crosscheck/lists", "", mw.FormDataContentType(), buf.Bytes(), want)
		}
		pays := "姓名,身份证号,补贴项目,金额,发放日期,乡镇,村\n覃春兰,430802197500000014,农村低保,330,2026-02-10,城关镇,第一村\n" +
			"覃春兰,430802197500000022,农村低保,330,2026-02-10,城关镇,第一村\n坏行,,农村低保,,2026-02-10,城关镇,第一村\n"
		pv := upload("payments", pays, true, 200)
		if fmt.Sprint(pv["fields"]) != "[name id_number item amount date township village]" || pv["missing"] != nil {
			t.Errorf("preview %v", pv)
		}
		sum := upload("payments", pays, false, 201)
		if sum["imported"] != 2.0 || sum["rejected"] != 1.0 || fmt.Sprint(sum["errors"]) != "[map[fields:[amount] row:4]]" {
			t.Errorf("summary %v", sum)
		}
		if again := upload("payments", pays, false, 200); again["duplicate"] != true {
			t.Errorf("again %v", again)
		}
		upload("death", "姓名,身份证号,村,死亡日期\n覃春兰,430802197500000014,第一村,2026-01-03\n", false, 201)
		upload("nonsense", "姓名\n", false, 422)
		lists := send(x.listCrossCheckLists, "GET", "/api/v1/crosscheck/lists", "", "", nil, 200)
		if n := len(lists["items"].([]any)); n != 2 {
			t.Errorf("%d lists", n)
		}
		run := send(x.runCrossCheck, "POST", "/api/v1/crosscheck/runs", "", "", fmt.Appendf(nil, `{"unit_id":%d}`, county.ID), 201)
		if run["suspects"] != 1.0 || fmt.Sprint(run["by_rule"]) != "map[deceased:1]" {
			t.Fatalf("run %v", run)
		}
		rid := fmt.Sprint(run["id"])
		got := send(x.getCrossCheckRun, "GET", "/api/v1/crosscheck/runs/"+rid, rid, "", nil, 200)
		if got["payments"] != 2.0 {
			t.Errorf("run %v", got)
		}
		none := send(x.listCrossCheckSuspects, "GET", "/api/v1/crosscheck/runs/"+rid+"/suspects?strength=weak", rid, "", nil, 200)
		if none["total"] != 0.0 {
			t.Errorf("weak suspects %v", none)
		}
		page := send(x.listCrossCheckSuspects, "GET", "/api/v1/crosscheck/runs/"+rid+"/suspects?judgement=none", rid, "", nil, 200)
		items := page["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("suspects %v", page)
		}
		sp := items[0].(map[string]any)
		if fmt.Sprint(sp["matched"]) != "[id_number date]" || sp["strength"] != "strong" || sp["judgement"] != nil ||
			!strings.Contains(sp["explanation"].(string), "死亡") || strings.Contains(sp["key"].(string), "430802197500000014") {
			t.Errorf("suspect %v", sp)
		}
		sid := fmt.Sprint(sp["id"])
		base := "/api/v1/crosscheck/suspects/" + sid
		send(x.judgeCrossCheck, "POST", base+"/judgement", sid, "", []byte(`{"verdict":"rejected","version":0}`), 422)
		j := send(x.judgeCrossCheck, "POST", base+"/judgement", sid, "", []byte(`{"verdict":"confirmed","version":0}`), 200)
		if j["judgement"].(map[string]any)["verdict"] != "confirmed" {
			t.Errorf("judged %v", j)
		}
		send(x.judgeCrossCheck, "POST", base+"/judgement", sid, "", []byte(`{"verdict":"confirmed","version":0}`), 409)
		as := send(x.assignCrossCheck, "POST", base+"/assignment", sid, "", []byte(`{"action":"clue"}`), 201)
		if jj := as["judgement"].(map[string]any); jj["action"] != "clue" || jj["clue_id"] == nil {
			t.Errorf("assigned %v", as)
		}
		send(x.assignCrossCheck, "POST", base+"/assignment", sid, "", []byte(`{"action":"rectification","deadline":"2026-06-30"}`), 409)
		send(x.addCrossCheckRecovery, "POST", base+"/recoveries", sid, "", []byte(`{"amount_fen":33000,"day":"2026-03-10","note":"已退回"}`), 201)
		send(x.addCrossCheckRecovery, "POST", base+"/recoveries", sid, "", []byte(`{"amount_fen":0,"day":"2026-03-10"}`), 422)
		rec := send(x.listCrossCheckRecoveries, "GET", base+"/recoveries", sid, "", nil, 200)
		if n := len(rec["items"].([]any)); n != 1 {
			t.Errorf("%d recoveries", n)
		}
		ids := send(x.revealCrossCheckIDs, "POST", base+"/id-numbers", sid, "", nil, 200)
		if ids["payment_id_number"] != "430802197500000014" || ids["reference_id_number"] != "430802197500000014" {
			t.Errorf("revealed %v", ids)
		}
		var reveals int
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'crosscheck_suspect.reveal_id'`).Scan(&reveals); err != nil || reveals != 1 {
			t.Errorf("%d reveals audited: %v", reveals, err)
		}
		runs := send(x.listCrossCheckRuns, "GET", "/api/v1/crosscheck/runs", "", "", nil, 200)
		if n := len(runs["items"].([]any)); n != 1 {
			t.Errorf("%d runs", n)
		}
	})
}
