package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "qingfeng/internal/store" // registers the "sqlite" and "pgx" drivers
)

// envPostgres names the admin DSN of a PostgreSQL server; when set, the serve
// and API tests also run against a fresh database on it.
const envPostgres = "QINGFENG_TEST_POSTGRES"

// syncBuffer is an io.Writer that a running command and the test may use at
// the same time.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// mapEnv is a hermetic getenv: the test's own variables only, never the
// process environment (QINGFENG_DATA and friends must not leak in).
func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// result is what one run call produced.
type result struct {
	stdout, stderr string
	err            error
}

// runCLI runs the command line to completion with stdin.
func runCLI(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := run(ctx, args, mapEnv(nil), strings.NewReader(stdin), &out, &errb)
	return result{out.String(), errb.String(), err}
}

// mustRun runs the command line and fails the test on an error.
func mustRun(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	r := runCLI(t, stdin, args...)
	if r.err != nil {
		t.Fatalf("qingfeng %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.err, r.stdout, r.stderr)
	}
	return r
}

func TestRunUsageErrors(t *testing.T) {
	data := t.TempDir()
	tests := []struct {
		name    string
		args    []string
		wantMsg string // substring of the error
		usage   bool   // the usage text is printed on stderr
	}{
		{"no command", nil, "no command given", true},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`, true},
		{"serve bad flag", []string{"serve", "--bogus"}, "flag provided but not defined: -bogus", false},
		{"serve positional", []string{"serve", "--data", data, "extra"}, `serve: unexpected argument "extra"`, false},
		{"migrate bad flag", []string{"migrate", "--nope=1"}, "flag provided but not defined: -nope", false},
		{"serve help", []string{"serve", "-h"}, "help requested", false},
		{"user without add", []string{"user"}, "usage: qingfeng user add", false},
		{"user delete", []string{"user", "delete"}, "usage: qingfeng user add", false},
		{"user add missing flags", []string{"user", "add", "--data", data, "--username", "x1"}, "--username, --role and --unit are required", false},
		{"token without verb", []string{"token"}, "usage: qingfeng token create", false},
		{"token create no username", []string{"token", "create", "--data", data}, "--username is required", false},
		{"token revoke no id", []string{"token", "revoke", "--data", data}, "--id is required", false},
		{"audit without verify", []string{"audit"}, "usage: qingfeng audit verify", false},
		{"keys without rotate", []string{"keys", "list"}, "usage: qingfeng keys rotate", false},
		{"demo unknown scale", []string{"demo", "--data", data, "--scale", "country"}, `demo: --scale "country": only "province" is known`, false},
		{"bad db dsn", []string{"token", "create", "--data", data, "--username", "u", "--db", "mysql://localhost/x"}, "is neither a postgres:// URL nor a SQLite file", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", tc.args...)
			if r.err == nil {
				t.Fatalf("qingfeng %q: no error; stdout %q", tc.args, r.stdout)
			}
			var u usageError
			if !errors.As(r.err, &u) {
				t.Errorf("error %v (%T) is not a usageError", r.err, r.err)
			}
			if got := exitCode(r.err); got != 2 {
				t.Errorf("exit code %d, want 2", got)
			}
			if !strings.Contains(r.err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not contain %q", r.err, tc.wantMsg)
			}
			if tc.usage && !strings.Contains(r.stderr, "Usage:") {
				t.Errorf("stderr lacks the usage text: %q", r.stderr)
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{usageError{"x"}, 2},
		{errors.Join(errors.New("ctx"), usageError{"wrapped"}), 2},
		{errors.New("boom"), 1},
	}
	for _, tc := range tests {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestRunVersionAndHelp(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"version"}, "qingfeng " + version + "\n"},
		{[]string{"--version"}, "qingfeng " + version + "\n"},
		{[]string{"-v"}, "qingfeng " + version + "\n"},
	}
	for _, tc := range tests {
		r := mustRun(t, "", tc.args...)
		if r.stdout != tc.want {
			t.Errorf("qingfeng %v: stdout %q, want %q", tc.args, r.stdout, tc.want)
		}
	}
	r := mustRun(t, "", "help")
	if !strings.HasPrefix(r.stdout, "qingfeng — 清风") || !strings.Contains(r.stdout, "qingfeng serve") {
		t.Errorf("help: stdout %q", r.stdout)
	}
}

var schemaRE = regexp.MustCompile(`^sqlite: applied (\d+) migration\(s\) \[[0-9 ]*\]; schema version (\d+) of (\d+)\n$`)

func TestRunMigrate(t *testing.T) {
	data := t.TempDir()
	var latest int
	for i, wantApplied := range []int{-1, 0} { // -1: all of them
		r := mustRun(t, "", "migrate", "--data", data)
		m := schemaRE.FindStringSubmatch(r.stdout)
		if m == nil {
			t.Fatalf("migrate #%d: stdout %q does not match %s", i+1, r.stdout, schemaRE)
		}
		applied, _ := strconv.Atoi(m[1])
		cur, _ := strconv.Atoi(m[2])
		latest, _ = strconv.Atoi(m[3])
		if latest < 1 || cur != latest {
			t.Errorf("migrate #%d: schema version %d of %d, want current = latest >= 1", i+1, cur, latest)
		}
		if wantApplied < 0 {
			// Every migration file (teams number theirs in their own
			// ranges, so the count is not the latest version) and the three
			// written in Go (45 and 48, internal/store/migrate_search.go; 47,
			// internal/store/fingerprints.go).
			es, err := os.ReadDir("../../internal/store/migrations/sqlite")
			if err != nil {
				t.Fatal(err)
			}
			wantApplied = len(es) + 3
		}
		if applied != wantApplied {
			t.Errorf("migrate #%d: applied %d migrations, want %d", i+1, applied, wantApplied)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "qingfeng.db")); err != nil {
		t.Errorf("no database file in the data folder: %v", err)
	}
}

// ---------------------------------------------------------------------------
// serve

// server is a `qingfeng serve` running in a goroutine.
type server struct {
	base     string // http://127.0.0.1:PORT
	password string // the demo password printed by --demo
	stdout   *syncBuffer
	stderr   *syncBuffer
	cancel   context.CancelFunc
	done     chan error
	once     sync.Once
	err      error
}

var (
	servingRE  = regexp.MustCompile(`serving on http://(\S+) \(`)
	demoPassRE = regexp.MustCompile(`(?m)^demo password: (\S+)$`)
)

// startServe runs `qingfeng serve --demo --addr 127.0.0.1:0 --data DATA
// [--db DSN]` and waits for its "serving on" line. The server is stopped
// when the test ends, if the test has not stopped it.
func startServe(t *testing.T, data, db string) *server {
	t.Helper()
	var extra []string
	if db != "" {
		extra = append(extra, "--db", db)
	}
	return startServeWith(t, data, extra...)
}

// startServeWith is startServe with extra serve flags (--db, --pow-bits …).
func startServeWith(t *testing.T, data string, extra ...string) *server {
	t.Helper()
	args := append([]string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data", data}, extra...)
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- run(ctx, args, mapEnv(nil), strings.NewReader(""), s.stdout, s.stderr) }()
	t.Cleanup(func() { s.stop() })
	deadline := time.Now().Add(90 * time.Second)
	for {
		if m := servingRE.FindStringSubmatch(s.stdout.String()); m != nil {
			s.base = "http://" + m[1]
			break
		}
		select {
		case err := <-s.done:
			s.err, s.done = err, nil
			t.Fatalf("serve ended before serving: %v\nstdout:\n%s\nstderr:\n%s", err, s.stdout, s.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve: no \"serving on\" line after 90s\nstdout:\n%s\nstderr:\n%s", s.stdout, s.stderr)
		}
	}
	m := demoPassRE.FindStringSubmatch(s.stdout.String())
	if m == nil {
		t.Fatalf("serve --demo printed no \"demo password:\" line:\n%s", s.stdout)
	}
	s.password = m[1]
	return s
}

// stop cancels the server's context and returns what serve returned.
func (s *server) stop() error {
	s.once.Do(func() {
		s.cancel()
		if s.done == nil {
			return
		}
		select {
		case s.err = <-s.done:
		case <-time.After(30 * time.Second):
			s.err = errors.New("serve did not return within 30s of cancel")
		}
	})
	return s.err
}

// call sends a GET with an optional bearer token and returns the status and
// body.
func call(t *testing.T, rawURL, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := &http.Client{Timeout: 15 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", rawURL, err)
	}
	return resp.StatusCode, b
}

// getJSON GETs an API path and decodes a 200 answer into v.
func getJSON(t *testing.T, base, path, token string, v any) {
	t.Helper()
	code, body := call(t, base+path, token)
	if code != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200; body %s", path, code, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: decode: %v; body %s", path, err, body)
	}
}

// apiError is the API's error body.
type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// wantAPIError asserts a status and a JSON error code.
func wantAPIError(t *testing.T, base, path, token string, status int, code string) {
	t.Helper()
	got, body := call(t, base+path, token)
	if got != status {
		t.Fatalf("GET %s: status %d, want %d; body %s", path, got, status, body)
	}
	var e apiError
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("GET %s: error body is not JSON: %v; %s", path, err, body)
	}
	if e.Error.Code != code || e.Error.Message == "" {
		t.Errorf("GET %s: error %+v, want code %q and a message", path, e.Error, code)
	}
}

type apiUnit struct {
	ID           int64   `json:"id"`
	ParentID     *int64  `json:"parent_id"`
	Kind         string  `json:"kind"`
	Name         string  `json:"name"`
	DivisionCode *string `json:"division_code"`
	Path         string  `json:"path"`
}

type unitList struct {
	Items []apiUnit `json:"items"`
	Total int       `json:"total"`
}

type areaList struct {
	Items []struct {
		ID           int64   `json:"id"`
		Name         string  `json:"name"`
		CountyUnitID int64   `json:"county_unit_id"`
		Members      []int64 `json:"members"`
	} `json:"items"`
	Total int `json:"total"`
}

// findUnit returns the one unit named name among the results of the query q
// and kind.
func findUnit(t *testing.T, base, token, q, kind, name string) apiUnit {
	t.Helper()
	var l unitList
	getJSON(t, base, "/api/v1/units?"+url.Values{"q": {q}, "kind": {kind}}.Encode(), token, &l)
	for _, u := range l.Items {
		if u.Name == name {
			return u
		}
	}
	t.Fatalf("no unit %q among q=%s kind=%s: %+v", name, q, kind, l.Items)
	return apiUnit{}
}

// createToken runs `qingfeng token create` and returns the secret.
func createToken(t *testing.T, data, db, username string) string {
	t.Helper()
	args := []string{"token", "create", "--data", data, "--username", username, "--name", "test " + username}
	if db != "" {
		args = append(args, "--db", db)
	}
	r := mustRun(t, "", args...)
	tok := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(tok, "qf_") || strings.ContainsAny(tok, " \n") {
		t.Fatalf("token create: stdout %q is not one qf_ token", r.stdout)
	}
	if !strings.Contains(r.stderr, "created; it is shown only once") {
		t.Errorf("token create: stderr %q", r.stderr)
	}
	return tok
}

// postgresDSN creates a fresh database qf_cmd_<hex> through the admin DSN in
// QINGFENG_TEST_POSTGRES and drops it (WITH (FORCE)) when the test ends.
func postgresDSN(t *testing.T) string {
	t.Helper()
	adminDSN := os.Getenv(envPostgres)
	if adminDSN == "" {
		t.Skip(envPostgres + " is not set; skipping the PostgreSQL run")
	}
	admin, err := sql.Open("pgx", adminDSN)
	if err != nil {
		t.Fatalf("postgres admin: %v", err)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "qf_cmd_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		admin.Close()
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
		admin.Close()
	})
	u, err := url.Parse(adminDSN)
	if err != nil {
		t.Fatalf("parse %s: %v", envPostgres, err)
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String()
}

// TestServe runs the server with the demo data, checks the operations
// endpoints and the scoped API with tokens made by `token create`, adds users,
// verifies and then breaks the audit chain, on SQLite and (when configured)
// PostgreSQL.
func TestServe(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testServe(t, "") })
	t.Run("postgres", func(t *testing.T) { testServe(t, postgresDSN(t)) })
}

func testServe(t *testing.T, db string) {
	data := t.TempDir()
	withDB := func(args ...string) []string {
		args = append(args, "--data", data)
		if db != "" {
			args = append(args, "--db", db)
		}
		return args
	}
	srv := startServe(t, data, db)
	base := srv.base
	out := srv.stdout.String()
	for _, want := range []string{"loading demo data", "yd_admin", "yd_tms", "zjj_admin"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --demo stdout lacks %q:\n%s", want, out)
		}
	}
	if fi, err := os.Stat(filepath.Join(data, demoLoginsFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("demo logins file: %v, mode %v; want mode 0600", err, fi)
	}

	t.Run("operations", func(t *testing.T) {
		tests := []struct {
			path     string
			contains string
			exact    string
		}{
			{path: "/healthz", exact: "ok\n"},
			{path: "/readyz", exact: "ok\n"},
			// The counter has samples once a request finished: the two above.
			{path: "/metrics", contains: `qingfeng_http_requests_total{code="2xx",route="GET /healthz"} 1`},
			{path: "/api/v1/openapi.yaml", contains: "openapi:"},
		}
		for _, tc := range tests {
			code, body := call(t, base+tc.path, "")
			if code != http.StatusOK {
				t.Errorf("GET %s: status %d, want 200", tc.path, code)
			}
			if tc.exact != "" && string(body) != tc.exact {
				t.Errorf("GET %s: body %q, want %q", tc.path, body, tc.exact)
			}
			if tc.contains != "" && !strings.Contains(string(body), tc.contains) {
				t.Errorf("GET %s: body lacks %q", tc.path, tc.contains)
			}
		}
	})

	t.Run("unauthenticated", func(t *testing.T) {
		for _, p := range []string{"/api/v1/units", "/api/v1/area-groups", "/api/v1/me"} {
			wantAPIError(t, base, p, "", http.StatusUnauthorized, "unauthenticated")
		}
		wantAPIError(t, base, "/api/v1/units", "qf_not-a-token", http.StatusUnauthorized, "unauthenticated")
	})

	// Tokens are made by a second process-like run on the same database
	// while the server holds its own connections.
	admTok := createToken(t, data, db, "yd_admin")
	tmsTok := createToken(t, data, db, "yd_tms")

	yd := findUnit(t, base, admTok, "永定区", "commission", "永定区纪委监委")
	if yd.DivisionCode == nil || *yd.DivisionCode != "430802" {
		t.Errorf("永定区纪委监委 division code %v, want 430802", yd.DivisionCode)
	}

	t.Run("county admin", func(t *testing.T) {
		var me struct {
			Username string `json:"username"`
			UnitID   int64  `json:"unit_id"`
		}
		getJSON(t, base, "/api/v1/me", admTok, &me)
		if me.Username != "yd_admin" || me.UnitID != yd.ID {
			t.Errorf("me = %+v, want yd_admin at unit %d", me, yd.ID)
		}
		var groups areaList
		getJSON(t, base, "/api/v1/area-groups?limit=500", admTok, &groups)
		n := 0
		for _, g := range groups.Items {
			if g.CountyUnitID == yd.ID {
				n++
				if len(g.Members) == 0 {
					t.Errorf("area group %s has no members today", g.Name)
				}
			}
		}
		if n != 7 || groups.Total != 7 {
			t.Errorf("area groups of 永定区: %d (total %d), want 7", n, groups.Total)
		}
		for _, tc := range []struct {
			kind string
			want int
		}{{"office", 4}, {"dispatched_group", 9}, {"township", 24}} {
			var l unitList
			getJSON(t, base, "/api/v1/units?"+url.Values{"under": {strconv.FormatInt(yd.ID, 10)}, "kind": {tc.kind}}.Encode(), admTok, &l)
			if l.Total != tc.want {
				t.Errorf("units under 永定区 of kind %s: total %d, want %d", tc.kind, l.Total, tc.want)
			}
			for _, u := range l.Items {
				if u.Kind != tc.kind || !strings.HasPrefix(u.Path, yd.Path) {
					t.Errorf("kind=%s under 永定区 listed %+v", tc.kind, u)
				}
			}
		}
		// A county admin sees nothing of the other counties.
		wantAPIError(t, base, "/api/v1/units?under=1", admTok, http.StatusNotFound, "not_found")
		var cl unitList
		getJSON(t, base, "/api/v1/units?"+url.Values{"q": {"慈利县"}}.Encode(), admTok, &cl)
		if cl.Total != 0 {
			t.Errorf("yd_admin sees %d units named 慈利县", cl.Total)
		}
		wantAPIError(t, base, "/api/v1/units?limit=501", admTok, http.StatusUnprocessableEntity, "invalid")
		wantAPIError(t, base, "/api/v1/units?kind=planet", admTok, http.StatusUnprocessableEntity, "invalid")
	})

	t.Run("township scope", func(t *testing.T) {
		tms := findUnit(t, base, tmsTok, "天门山镇", "township", "天门山镇纪委")
		jzy := findUnit(t, base, admTok, "教字垭镇", "township", "教字垭镇纪委")
		var l unitList
		getJSON(t, base, "/api/v1/units?limit=500", tmsTok, &l)
		if l.Total != len(l.Items) || l.Total < 2 {
			t.Errorf("yd_tms sees total %d with %d items; want its township and villages", l.Total, len(l.Items))
		}
		names := map[string]bool{}
		for _, u := range l.Items {
			names[u.Name] = true
			if !strings.HasPrefix(u.Path, tms.Path) {
				t.Errorf("yd_tms sees %s (%s) outside %s", u.Name, u.Path, tms.Path)
			}
		}
		if !names["天门山镇纪委"] {
			t.Error("yd_tms does not see 天门山镇纪委")
		}
		for _, n := range []string{"永定区纪委监委", "教字垭镇纪委"} {
			if names[n] {
				t.Errorf("yd_tms sees %s", n)
			}
		}
		wantAPIError(t, base, "/api/v1/units/"+strconv.FormatInt(jzy.ID, 10), tmsTok, http.StatusNotFound, "not_found")
		wantAPIError(t, base, "/api/v1/units/"+strconv.FormatInt(yd.ID, 10), tmsTok, http.StatusNotFound, "not_found")
		var own apiUnit
		getJSON(t, base, "/api/v1/units/"+strconv.FormatInt(tms.ID, 10), tmsTok, &own)
		if own.Name != "天门山镇纪委" {
			t.Errorf("GET own unit: %+v", own)
		}
		var groups areaList
		getJSON(t, base, "/api/v1/area-groups?limit=500", tmsTok, &groups)
		// A township sees the one area group it belongs to.
		if groups.Total != 1 || len(groups.Items) != 1 || !slices.Contains(groups.Items[0].Members, tms.ID) {
			t.Errorf("yd_tms sees area groups %+v, want only the one with 天门山镇纪委 (%d)", groups.Items, tms.ID)
		}
	})

	t.Run("user add", func(t *testing.T) {
		r := mustRun(t, "StrongPass-2026\n", withDB("user", "add", "--username", "x1_tms", "--role", "township",
			"--unit", "430802103", "--name", "测试用户", "--password-stdin")...)
		if !strings.Contains(r.stdout, "created user x1_tms (id ") || !strings.Contains(r.stdout, "in 天门山镇纪委 with roles [township]") || strings.Contains(r.stdout, "password:") {
			t.Errorf("user add: stdout %q", r.stdout)
		}
		var x1 struct {
			Username string `json:"username"`
			UnitName string `json:"unit_name"`
		}
		getJSON(t, base, "/api/v1/me", createToken(t, data, db, "x1_tms"), &x1)
		if x1.Username != "x1_tms" || x1.UnitName != "天门山镇纪委" {
			t.Errorf("x1 is %+v, want a user of 天门山镇纪委", x1)
		}

		tests := []struct {
			name, stdin, username, wantMsg string
		}{
			{"weak password", "short\n", "x2_tms", "password"},
			{"too simple", "alllowercaseletters\n", "x3_tms", "password"},
			{"contains username", "x5_tms-Strong-2026\n", "x5_tms", "password"},
			{"taken username", "StrongPass-2026\n", "x1_tms", "username"},
			{"username too short", "StrongPass-2026\n", "x1", "username"},
		}
		for _, tc := range tests {
			r := runCLI(t, tc.stdin, withDB("user", "add", "--username", tc.username, "--role", "township",
				"--unit", "430802103", "--password-stdin")...)
			if r.err == nil {
				t.Errorf("%s: user add succeeded: %q", tc.name, r.stdout)
				continue
			}
			if exitCode(r.err) != 1 || !strings.Contains(r.err.Error(), tc.wantMsg) {
				t.Errorf("%s: error %q (exit %d), want exit 1 naming %q", tc.name, r.err, exitCode(r.err), tc.wantMsg)
			}
		}
		// A refused user add writes nothing: no person is left behind.
		var people struct {
			Items []struct {
				Name string `json:"name"`
			} `json:"items"`
		}
		tmsUnit := findUnit(t, base, tmsTok, "天门山镇", "township", "天门山镇纪委")
		getJSON(t, base, "/api/v1/people?unit_id="+strconv.FormatInt(tmsUnit.ID, 10)+"&limit=500", tmsTok, &people)
		for _, p := range people.Items {
			if strings.HasPrefix(p.Name, "x2_") || strings.HasPrefix(p.Name, "x3_") || strings.HasPrefix(p.Name, "x5_") {
				t.Errorf("a refused user add left person %q behind", p.Name)
			}
		}
		r2 := runCLI(t, "StrongPass-2026\n", withDB("user", "add", "--username", "x4_tms", "--role", "township",
			"--unit", "999999999", "--password-stdin")...)
		if r2.err == nil || !strings.Contains(r2.err.Error(), "no such unit") {
			t.Errorf("user add in a missing unit: %v", r2.err)
		}
	})

	t.Run("metrics by route", func(t *testing.T) {
		code, body := call(t, base+"/metrics", "")
		if code != http.StatusOK {
			t.Fatalf("GET /metrics: status %d", code)
		}
		for _, want := range []string{
			`qingfeng_http_requests_total{code="2xx",route="GET /api/v1/units"}`,
			`qingfeng_http_requests_total{code="4xx",route="GET /api/v1/units/{id}"}`,
			`qingfeng_http_request_seconds_count{route="GET /api/v1/area-groups"}`,
		} {
			if !strings.Contains(string(body), want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		if strings.Contains(string(body), "127.0.0.1") {
			t.Error("/metrics mentions a client address")
		}
	})

	t.Run("audit verify", func(t *testing.T) {
		r := mustRun(t, "", withDB("audit", "verify")...)
		m := regexp.MustCompile(`^audit chain intact: (\d+) record\(s\) verified\n$`).FindStringSubmatch(r.stdout)
		if m == nil {
			t.Fatalf("audit verify: stdout %q", r.stdout)
		}
		if n, _ := strconv.Atoi(m[1]); n < 155 {
			t.Errorf("audit verify checked %d records; the demo alone writes more than 155", n)
		}
	})

	if err := srv.stop(); err != nil {
		t.Fatalf("serve after cancel: %v, want nil (graceful shutdown)", err)
	}
	if !strings.Contains(srv.stderr.String(), "shutting down") {
		t.Errorf("serve stderr lacks the shutdown log: %s", srv.stderr)
	}
	if code, _ := callNoFail(base + "/healthz"); code != 0 {
		t.Errorf("server still answers after shutdown (status %d)", code)
	}

	// A restart on the same data prints the same demo logins and loads nothing.
	srv2 := startServe(t, data, db)
	if srv2.password != srv.password {
		t.Errorf("restart printed password %q, want %q", srv2.password, srv.password)
	}
	if strings.Contains(srv2.stdout.String(), "loading demo data") {
		t.Error("restart loaded the demo data again")
	}
	var again unitList
	getJSON(t, srv2.base, "/api/v1/units?"+url.Values{"under": {strconv.FormatInt(yd.ID, 10)}, "kind": {"township"}}.Encode(), admTok, &again)
	if again.Total != 24 {
		t.Errorf("after restart: %d townships under 永定区, want 24", again.Total)
	}
	if err := srv2.stop(); err != nil {
		t.Fatalf("second serve after cancel: %v", err)
	}

	t.Run("audit tamper", func(t *testing.T) {
		driver, dsn := "sqlite", filepath.Join(data, "qingfeng.db")
		if db != "" {
			driver, dsn = "pgx", db
		}
		conn, err := sql.Open(driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		res, err := conn.Exec(`UPDATE audit_log SET detail = 'tampered' WHERE seq = 3`)
		if err != nil {
			t.Fatalf("tamper: %v", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("tamper changed %d rows, want 1", n)
		}
		r := runCLI(t, "", withDB("audit", "verify")...)
		if r.err == nil {
			t.Fatalf("audit verify after tampering succeeded: %q", r.stdout)
		}
		if !strings.Contains(r.err.Error(), "record 3") || !strings.Contains(r.err.Error(), "after 2 good record(s)") {
			t.Errorf("audit verify error %q, want it to name record 3 after 2 good records", r.err)
		}
		if exitCode(r.err) != 1 {
			t.Errorf("exit code %d, want 1", exitCode(r.err))
		}
	})
}

// callNoFail GETs a URL and returns 0 when nothing answers.
func callNoFail(rawURL string) (int, error) {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(rawURL)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
