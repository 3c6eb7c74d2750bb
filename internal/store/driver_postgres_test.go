package store_test

import (
	"os"
	"strings"
	"testing"

	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// TestPostgresJIT checks that the store's PostgreSQL sessions run with
// jit = off unless the DSN sets jit itself.
func TestPostgresJIT(t *testing.T) {
	dsn := os.Getenv(testdb.EnvPostgres)
	if dsn == "" {
		t.Skip("postgres: " + testdb.EnvPostgres + " is not set; skipping the PostgreSQL run")
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	for _, tt := range []struct{ dsn, want string }{{dsn, "off"}, {dsn + sep + "jit=on", "on"}} {
		s, err := store.Open(ctx, store.Config{DSN: tt.dsn, Now: testdb.NewClock(t0).Now})
		must(t, err)
		var got string
		err = s.DB().QueryRowContext(ctx, `SHOW jit`).Scan(&got)
		s.Close()
		must(t, err)
		if got != tt.want {
			t.Errorf("jit = %s with DSN %s, want %s", got, tt.dsn, tt.want)
		}
	}
}
