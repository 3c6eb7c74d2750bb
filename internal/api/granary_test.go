package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/auth"
	"qingfeng/internal/i18n"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// TestGranaryAPI drives the registry, an alert and the dead-letter list
// through the handlers on both engines.
func TestGranaryAPI(t *testing.T) {
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
		call := func(p auth.Principal, h handlerFunc, method, path, id, body string, want int) map[string]any {
			t.Helper()
			req := httptest.NewRequest(method, path, strings.NewReader(body))
			req = req.WithContext(context.WithValue(req.Context(), ctxKey{}, p))
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
		d := call(sys, x.createDepot, "POST", "/api/v1/granary/depots", "", fmt.Sprintf(`{"code":"D1","name":"城北粮库","unit_id":%d}`, county.ID), 201)
		b := call(sys, x.createBin, "POST", "/api/v1/granary/bins", "", fmt.Sprintf(`{"depot_id":%v,"code":"B1","capacity_kg":5000000,"grain_kind":"paddy","book_kg":1000000}`, d["id"]), 201)
		call(sys, x.createDevice, "POST", "/api/v1/granary/devices", "", fmt.Sprintf(`{"depot_id":%v,"bin_id":%v,"code":"S01","kind":"scale"}`, d["id"], b["id"]), 201)
		call(sys, x.createRotationPlan, "POST", "/api/v1/granary/rotation-plans", "", fmt.Sprintf(`{"bin_id":%v,"direction":"out","from":"2026-03-01","to":"2026-03-31"}`, b["id"]), 201)
		call(sys, x.createBin, "POST", "/api/v1/granary/bins", "", fmt.Sprintf(`{"depot_id":%v,"code":"B2","capacity_kg":0,"grain_kind":"paddy"}`, d["id"]), 422)
		call(sys, x.createDepot, "POST", "/api/v1/granary/depots", "", `{"code":"D2","colour":"red"}`, 422)
		call(auth.Principal{}, x.createDepot, "POST", "/api/v1/granary/depots", "", `{"code":"D2","name":"x","unit_id":1}`, 403)

		// An inbound movement outside the (outbound) plan, and a payload in pounds.
		raw := `{"v":1,"id":"m5","device":"S01","depot":"D1","bin":"B1","kind":"movement","at":"2026-03-16T01:30:00Z","movement":{"direction":"in","weight":10,"unit":"t","ticket":"RK-5"}}`
		if r, err := a.IngestEvent(ctx, []byte(raw), app.SourceHTTPS); err != nil || len(r.Alerts) != 1 {
			t.Fatalf("ingest: %+v %v", r, err)
		}
		if r, err := a.IngestEvent(ctx, []byte(strings.Replace(raw, `"t"`, `"lb"`, 1)), app.SourceHTTPS); err != nil || r.Reason != "unit" {
			t.Fatalf("ingest pounds: %+v %v", r, err)
		}

		list := call(sys, x.listGranaryAlerts, "GET", "/api/v1/granary/alerts?status=open", "", "", 200)
		items := list["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("alerts %v", list)
		}
		al := items[0].(map[string]any)
		ev := al["evidence"].([]any)[0].(map[string]any)
		if al["rule"] != "unauthorised_movement" || al["level"] != "serious" || ev["event_id"] != "m5" || len(ev["sha256"].(string)) != 64 ||
			!strings.Contains(al["explanation"].(string), "不在任何轮换计划") {
			t.Errorf("alert %v", al)
		}
		id := fmt.Sprint(al["id"])
		got := call(sys, x.granaryAlertTransition, "POST", "/api/v1/granary/alerts/"+id+"/transitions", id, `{"op":"ack","version":1}`, 200)
		if got["status"] != "acknowledged" || got["version"] != 2.0 {
			t.Errorf("ack %v", got)
		}
		call(sys, x.granaryAlertTransition, "POST", "/api/v1/granary/alerts/"+id+"/transitions", id, `{"op":"ack","version":2}`, 409)
		call(sys, x.granaryAlertTransition, "POST", "/api/v1/granary/alerts/"+id+"/transitions", id, `{"op":"dismiss","version":2}`, 422)
		got = call(sys, x.granaryAlertTransition, "POST", "/api/v1/granary/alerts/"+id+"/transitions", id, `{"op":"dismiss","version":2,"reason":"补录入库单"}`, 200)
		if got["status"] != "dismissed" || got["reason"] != "补录入库单" {
			t.Errorf("dismiss %v", got)
		}
		call(auth.Principal{}, x.listGranaryAlerts, "GET", "/api/v1/granary/alerts", "", "", 403)

		dl := call(sys, x.listDeadLetters, "GET", "/api/v1/granary/dead-letters", "", "", 200)["items"].([]any)
		if len(dl) != 1 || dl[0].(map[string]any)["reason"] != "unit" || !strings.Contains(dl[0].(map[string]any)["payload"].(string), `"lb"`) {
			t.Errorf("dead letters %v", dl)
		}

		// HTTPS with a per-gateway HMAC signature.
		gw := call(sys, x.createDevice, "POST", "/api/v1/granary/devices", "", fmt.Sprintf(`{"depot_id":%v,"code":"GW1","kind":"gateway"}`, d["id"]), 201)
		gid := fmt.Sprint(gw["id"])
		secret, err := hex.DecodeString(call(sys, x.issueGatewaySecret, "POST", "/api/v1/granary/devices/"+gid+"/secret", gid, "", 201)["secret"].(string))
		if err != nil || len(secret) != 32 {
			t.Fatalf("secret %x %v", secret, err)
		}
		sign := func(body string, key []byte) string {
			m := hmac.New(sha256.New, key)
			m.Write([]byte(body))
			return hex.EncodeToString(m.Sum(nil))
		}
		post := func(gateway, sig, body string, want int) map[string]any {
			t.Helper()
			req := httptest.NewRequest("POST", "/api/v1/granary/events", strings.NewReader(body))
			if gateway != "" {
				req.Header.Set("X-Gateway-Id", gateway)
			}
			if sig != "" {
				req.Header.Set("X-Signature", sig)
			}
			rec := httptest.NewRecorder()
			x.wrap(x.postGranaryEvent).ServeHTTP(rec, req)
			if rec.Code != want {
				t.Fatalf("post %s: %d %s, want %d", body, rec.Code, rec.Body, want)
			}
			var out map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
				t.Fatal(err)
			}
			return out
		}
		msg := `{"v":1,"id":"m6","device":"S01","depot":"D1","bin":"B1","kind":"movement","at":"2026-03-16T01:40:00Z","movement":{"direction":"out","weight":5,"unit":"t","ticket":"CK-6"}}`
		if got := post("D1/GW1", sign(msg, secret), msg, 200); got["result"] != "stored" || got["alerts"] != 0.0 {
			t.Errorf("signed: %v", got)
		}
		if got := post("D1/GW1", sign(msg, secret), msg, 200); got["result"] != "duplicate" {
			t.Errorf("replay: %v", got)
		}
		other := strings.Replace(msg, `"m6"`, `"m7"`, 1)
		post("D1/GW1", sign(other, []byte("wrong key")), other, 401)
		post("D1/GW1", "", other, 401)
		post("", sign(other, secret), other, 401)
		post("D1/S01", sign(other, secret), other, 401) // a device without a secret
		if got := post("D1/GW1", sign(`{"v":9}`, secret), `{"v":9}`, 200); got["result"] != "rejected" || got["reason"] != "version" {
			t.Errorf("signed but malformed: %v", got)
		}
		bin, err := s.GetBin(ctx, int64(b["id"].(float64)))
		if err != nil || bin.BookKG != 1_000_000+10_000-5_000 {
			t.Errorf("book stock %d %v", bin.BookKG, err)
		}
		letters, err := s.ListDeadLetters(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		var reasons []string
		for _, l := range letters {
			reasons = append(reasons, l.Reason)
		}
		if strings.Join(reasons, ",") != "version,signature,signature,signature,signature,unit" {
			t.Errorf("dead letters %v", reasons)
		}

		// The registry as the API reads it: the gateway's secret is issued,
		// the scale has reported (last contact), the bin's book stock moved.
		reg := call(sys, x.granaryRegistry, "GET", "/api/v1/granary/registry", "", "", 200)
		devs := map[string]map[string]any{}
		for _, d := range reg["devices"].([]any) {
			devs[d.(map[string]any)["code"].(string)] = d.(map[string]any)
		}
		if len(reg["depots"].([]any)) != 1 || devs["GW1"]["secret_issued"] != true || devs["S01"]["secret_issued"] != false ||
			devs["S01"]["last_seen"] == nil || reg["bins"].([]any)[0].(map[string]any)["book_kg"] != float64(1_000_000+10_000-5_000) {
			t.Errorf("registry %v", reg)
		}
		call(auth.Principal{}, x.granaryRegistry, "GET", "/api/v1/granary/registry", "", "", 403)
	})
}
