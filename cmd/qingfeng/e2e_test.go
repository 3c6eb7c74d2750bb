//go:build e2e

package main

// Browser tests: a real Chromium drives `qingfeng serve --demo` through the
// staff UI. Run with
//
//	QINGFENG_CHROMIUM=/usr/bin/chromium go test -tags e2e -run E2E -count=1 ./cmd/...

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds the browser or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("QINGFENG_CHROMIUM"), "/usr/bin/chromium"} {
		if p == "" {
			continue
		}
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	t.Skip("no chromium")
	return ""
}

// browser starts one headless Chromium for the whole test and returns a
// context that has run once (so later timeouts do not stop the browser).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		// A Chinese browser: the UI picks its language from Accept-Language.
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		t.Fatalf("start chromium %s: %v", path, err)
	}
	return bctx
}

// journey opens a fresh browser context (its own cookie jar) with a time
// limit and runs fn in it.
func journey(t *testing.T, bctx context.Context, name string, limit time.Duration, fn func(t *testing.T, ctx context.Context)) {
	t.Run(name, func(t *testing.T) {
		jctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
		defer cancel()
		if err := chromedp.Do(jctx); err != nil { // opens the tab
			t.Fatalf("open tab: %v", err)
		}
		ctx, cancelT := context.WithTimeout(jctx, limit)
		defer cancelT()
		start := time.Now()
		fn(t, ctx)
		t.Logf("%s took %s", name, time.Since(start).Round(time.Millisecond))
	})
}

// do runs browser steps and fails the test with the step label.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatalf("location: %v", err)
	}
	return loc
}

func bodyText(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatalf("body text: %v", err)
	}
	return s
}

// waitPath waits until the page's path (and query) starts with prefix. A
// poll does not survive a navigation, so it is retried until the deadline.
func waitPath(t *testing.T, ctx context.Context, prefix string) {
	t.Helper()
	expr := `document.readyState === "complete" && (location.pathname + location.search).startsWith(` + strconv.Quote(prefix) + `)`
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond),
			chromedp.WithPollingTimeout(2*time.Second)))
		if err == nil {
			return
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			t.Fatalf("waiting for %s (at %s): %v", prefix, location(t, ctx), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// signIn fills the sign-in form on the current page and waits for the
// signed-in layout.
func signIn(t *testing.T, ctx context.Context, username, password string) {
	t.Helper()
	do(t, ctx, "sign in as "+username,
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
	)
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func TestE2EStaffUI(t *testing.T) {
	bctx := browser(t)
	data := t.TempDir()
	srv := startServe(t, data, "")
	base, pw := srv.base, srv.password
	admTok := createToken(t, data, "", "yd_admin")
	yd := findUnit(t, base, admTok, "永定区", "commission", "永定区纪委监委")
	ydID := strconv.FormatInt(yd.ID, 10)

	journey(t, bctx, "county admin", 20*time.Second, func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open /", chromedp.Navigate(base+"/"))
		if loc := location(t, ctx); !strings.HasPrefix(loc, base+"/login") {
			t.Fatalf("anonymous / went to %s, want /login", loc)
		}
		signIn(t, ctx, "yd_admin", pw)
		if loc := location(t, ctx); loc != base+"/" {
			t.Errorf("after sign-in at %s, want the home page %s/ (next=/)", loc, base)
		}
		do(t, ctx, "home", chromedp.WaitVisible(chromedp.CSS(".stats")))
		home := bodyText(t, ctx)
		if !strings.Contains(home, "片区") {
			t.Errorf("home page has no 片区 text:\n%s", home)
		}
		if groups := eval[string](t, ctx, `document.querySelector('.stats a[href="/area-groups"] .stat-value').textContent.trim()`); groups != "7" {
			t.Errorf("home: area-group count %q, want 7", groups)
		}
		if towns := eval[string](t, ctx, `document.querySelector('.stats a[href="/units?kind=township"] .stat-value').textContent.trim()`); towns != "24" {
			t.Errorf("home: township count %q, want 24", towns)
		}

		// Area groups, filtered to 永定区 with the county filter.
		do(t, ctx, "open /area-groups",
			chromedp.Navigate(base+"/area-groups"),
			chromedp.WaitVisible(chromedp.CSS(`select[name="county"]`)),
			chromedp.SetValue(chromedp.CSS(`select[name="county"]`), ydID),
			chromedp.Click(chromedp.CSS(`form[action="/area-groups"] button[type="submit"]`)),
		)
		waitPath(t, ctx, "/area-groups?county="+ydID)
		if n := eval[int](t, ctx, `document.querySelectorAll('.area-group').length`); n != 7 {
			t.Errorf("/area-groups?county=%s lists %d .area-group cards, want 7", ydID, n)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('.area-group .checks li').length`); n < 7 {
			t.Errorf("the 7 area groups list %d member units in all", n)
		}
		name := eval[string](t, ctx, `document.querySelector('.area-group h2 a').textContent.trim()`)

		// One area group and its members table.
		do(t, ctx, "open "+name,
			chromedp.Click(chromedp.CSS(".area-group h2 a")),
			chromedp.WaitVisible(chromedp.CSS("#members")),
		)
		waitPath(t, ctx, "/area-groups/")
		rows := eval[int](t, ctx, `document.querySelectorAll('#members tbody tr:not(:has(td.empty))').length`)
		if rows == 0 {
			t.Errorf("area group %s: members table has no rows", name)
		}
		if title := eval[string](t, ctx, `document.querySelector('h1.page-title').textContent`); !strings.Contains(title, name) {
			t.Errorf("area group page title %q, want %q", title, name)
		}

		// Sign out: back to sign-in, and / needs signing in again.
		do(t, ctx, "sign out",
			chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
			chromedp.WaitVisible(chromedp.CSS("#username")),
		)
		waitPath(t, ctx, "/login")
		do(t, ctx, "open / after sign-out", chromedp.Navigate(base+"/"))
		if loc := location(t, ctx); !strings.HasPrefix(loc, base+"/login") {
			t.Errorf("after sign-out / went to %s, want /login", loc)
		}
	})

	journey(t, bctx, "township scope", 20*time.Second, func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open /units", chromedp.Navigate(base+"/units"))
		waitPath(t, ctx, "/login")
		signIn(t, ctx, "yd_tms", pw)
		waitPath(t, ctx, "/units") // the sign-in form keeps ?next=/units
		do(t, ctx, "units table", chromedp.WaitVisible(chromedp.CSS("table.list")))
		names := eval[[]string](t, ctx, `[...document.querySelectorAll('table.list tbody td:first-child a')].map(a => a.textContent.trim())`)
		has := map[string]bool{}
		for _, n := range names {
			has[n] = true
		}
		if !has["天门山镇纪委"] {
			t.Errorf("yd_tms /units lacks 天门山镇纪委: %q", names)
		}
		for _, n := range []string{"教字垭镇纪委", "永定区纪委监委"} {
			if has[n] {
				t.Errorf("yd_tms /units shows %s: %q", n, names)
			}
		}
		if txt := bodyText(t, ctx); strings.Contains(txt, "教字垭镇纪委") {
			t.Error("yd_tms /units page mentions 教字垭镇纪委")
		}
	})

	journey(t, bctx, "validation error", 20*time.Second, func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open sign-in", chromedp.Navigate(base+"/login"))
		signIn(t, ctx, "yd_admin", pw)
		do(t, ctx, "open the new-unit form",
			chromedp.Navigate(base+"/units/new?parent="+ydID),
			chromedp.WaitVisible(chromedp.CSS(`form.form select#kind`)),
			chromedp.SetValue(chromedp.CSS("select#kind"), "township"),
			chromedp.SendKeys(chromedp.CSS("#division_code"), "12345"),
		)
		// The browser's own checks (required) would stop an empty name;
		// switch them off to reach the server's validation.
		eval[bool](t, ctx, `document.querySelector('form.form').noValidate = true`)
		do(t, ctx, "submit",
			chromedp.Click(chromedp.CSS(`form.form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(".field-error")),
		)
		errs := eval[map[string]string](t, ctx, `Object.fromEntries([...document.querySelectorAll('.field-error')].map(e => [e.closest('.field').querySelector('input,select').id, e.innerText.trim()]))`)
		for _, f := range []string{"name", "division_code"} {
			msg, ok := errs[f]
			if !ok {
				t.Errorf("no .field-error for %s; errors: %q", f, errs)
				continue
			}
			if !hasHan(msg) {
				t.Errorf(".field-error for %s is %q, want Chinese text", f, msg)
			}
		}
		if kind := eval[string](t, ctx, `document.querySelector('select#kind').value`); kind != "township" {
			t.Errorf("after the error the kind is %q, want township kept", kind)
		}
		if code := eval[string](t, ctx, `document.querySelector('#division_code').value`); code != "12345" {
			t.Errorf("after the error the division code is %q, want 12345 kept", code)
		}
	})

	if err := srv.stop(); err != nil {
		t.Errorf("serve after cancel: %v", err)
	}
}
