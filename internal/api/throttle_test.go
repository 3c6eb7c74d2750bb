package api

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"qingfeng/internal/clientaddr"
	"qingfeng/internal/i18n"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// TestReceiptThrottleBehindProxy: receipt look-ups are limited per client
// (20 in 10 minutes). Behind a trusted proxy each forwarded client has its
// own budget; without one, X-Forwarded-For is not believed and every
// request through the proxy shares the proxy's budget.
func TestReceiptThrottleBehindProxy(t *testing.T) {
	clock := testdb.NewClock(time.Date(2026, 3, 16, 2, 0, 0, 0, time.UTC))
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	trusted, err := clientaddr.Parse("10.0.0.2")
	if err != nil {
		t.Fatal(err)
	}
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		for _, tc := range []struct {
			name    string
			proxies clientaddr.Proxies
			// the status of the first request from a second client after
			// the first client used up its budget
			second int
		}{
			{"trusted proxy", trusted, http.StatusNotFound},
			{"no trusted proxy", clientaddr.Proxies{}, http.StatusTooManyRequests},
		} {
			t.Run(tc.name, func(t *testing.T) {
				x := New(testdb.NewApp(t, s, clock.Now), cat, nil, Options{Proxies: tc.proxies, Now: clock.Now})
				get := func(client string) int {
					req := httptest.NewRequest("GET", "/api/v1/public/reports/ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ", nil)
					req.RemoteAddr = "10.0.0.2:41000"
					req.Header.Set("X-Forwarded-For", client)
					rec := httptest.NewRecorder()
					x.ServeHTTP(rec, req)
					return rec.Code
				}
				for i := range 20 {
					if code := get("198.51.100.1"); code != http.StatusNotFound {
						t.Fatalf("look-up %d: %d, want 404", i+1, code)
					}
				}
				if code := get("198.51.100.1"); code != http.StatusTooManyRequests {
					t.Errorf("21st look-up of one client: %d, want 429", code)
				}
				if code := get("198.51.100.2"); code != tc.second {
					t.Errorf("another client's first look-up: %d, want %d", code, tc.second)
				}
				// A client behind a trusted proxy cannot escape its budget
				// by writing addresses of its own left of the proxy's entry.
				if tc.proxies.Len() > 0 {
					if code := get("203.0.113.9, 198.51.100.1"); code != http.StatusTooManyRequests {
						t.Errorf("spoofed entry: %d, want 429", code)
					}
				}
			})
		}
	})
}
