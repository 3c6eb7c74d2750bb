//go:build e2e

package main

// Browser tests: a real Chromium drives `qingfeng serve --demo` through the
// staff UI. Run with
//
//	QINGFENG_CHROMIUM=/usr/bin/chromium go test -tags e2e -run E2E -count=1 ./cmd/...

import (
	"context"
	"os"
	"slices"
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
	// A page that is still being replaced can drop the node under the
	// query ("No node with given id found"); read again until the deadline.
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		if err == nil {
			return s
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			t.Fatalf("body text: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// submitAndWait marks the current document, runs the submitting steps and
// waits for a new document in which expr holds. Without the mark a wait
// for an element that the old page also has returns at once, before the
// browser has left it.
func submitAndWait(t *testing.T, ctx context.Context, what, expr string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	eval[bool](t, ctx, `window.__qfOld = true`)
	do(t, ctx, what, steps...)
	waitJS(t, ctx, what, `!window.__qfOld && (`+expr+`)`)
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

// waitJS waits until a JavaScript expression is true on the page. Like
// waitPath it retries across navigations until the deadline.
func waitJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	full := `document.readyState === "complete" && !!(` + expr + `)`
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](full, chromedp.WithPollingInterval(50*time.Millisecond),
			chromedp.WithPollingTimeout(2*time.Second)))
		if err == nil {
			return
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			t.Fatalf("waiting for %s (at %s): %v", what, location(t, ctx), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// byText selects the first element matching css whose trimmed text
// contains text.
func byText(css, text string) chromedp.JSPath {
	return chromedp.JSPath(`[...document.querySelectorAll(` + strconv.Quote(css) + `)].find(e => e.textContent.trim().includes(` + strconv.Quote(text) + `))`)
}

// choose picks the option labelled label in a select, waiting for it to be
// there (the place selects load their options with htmx), and fires the
// change event as a user's choice would. It returns the option's value.
func choose(t *testing.T, ctx context.Context, sel, label string) string {
	t.Helper()
	expr := `(o => o ? o.value : "")([...document.querySelectorAll(` + strconv.Quote(sel+" option") + `)].find(o => o.textContent.trim() === ` + strconv.Quote(label) + `))`
	return chooseBy(t, ctx, sel, label, expr)
}

// chooseFirst picks the first option with a value in a select and returns
// its label.
func chooseFirst(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	expr := `(o => o ? o.value : "")([...document.querySelectorAll(` + strconv.Quote(sel+" option") + `)].find(o => o.value !== ""))`
	chooseBy(t, ctx, sel, "the first choice", expr)
	return eval[string](t, ctx, `document.querySelector(`+strconv.Quote(sel)+`).selectedOptions[0].textContent.trim()`)
}

func chooseBy(t *testing.T, ctx context.Context, sel, what, valueExpr string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Poll[string](valueExpr, chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		opts := eval[[]string](t, ctx, `[...document.querySelectorAll(`+strconv.Quote(sel+" option")+`)].map(o => o.textContent.trim())`)
		t.Fatalf("%s: no option %s; options %q: %v", sel, what, opts, err)
	}
	do(t, ctx, "choose "+what+" in "+sel, chromedp.SetValue(chromedp.CSS(sel), v))
	return v
}

// noSideScroll checks that the page fits the width of the viewport.
func noSideScroll(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	if sw, w := eval[int](t, ctx, `document.documentElement.scrollWidth`), eval[int](t, ctx, `window.innerWidth`); sw > w {
		t.Errorf("%s is %dpx wide in a %dpx viewport (scrolls sideways)", what, sw, w)
	}
}

// TestE2EPortalJourney follows a report from a citizen's phone to the
// township commission and back: submit anonymously, keep the receipt code,
// track the report, a staff reply, and the reply seen with the code.
func TestE2EPortalJourney(t *testing.T) {
	bctx := browser(t)
	data := t.TempDir()
	srv := startServeWith(t, data, "--pow-bits", "8")
	base, pw := srv.base, srv.password
	mobile := chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile)
	const (
		title = "村主任截留集体土地补偿款"
		reply = "已收到，正在核查。"
	)
	content := "2024年5月，某村村委会主任张某某将集体土地征收补偿款约12万元转入其亲属个人账户，至今未向村民公开。"
	var code string // the receipt code, grouped as shown
	start := time.Now()

	journey(t, bctx, "submit", 20*time.Second, func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open /report", mobile, chromedp.Navigate(base+"/report"),
			chromedp.WaitVisible(chromedp.CSS(".portal-hero")))
		if w := eval[int](t, ctx, `window.innerWidth`); w != 360 {
			t.Errorf("viewport width %d, want 360", w)
		}
		do(t, ctx, "go to the form",
			chromedp.Click(chromedp.CSS(`.portal-actions a[href^="/report/new"]`)),
			chromedp.WaitVisible(chromedp.CSS("form.report-form[data-pow]")),
		)
		waitPath(t, ctx, "/report/new")
		noSideScroll(t, ctx, "the report form")
		do(t, ctx, "choose the kind 检举控告",
			chromedp.Click(byText("label.choice", "检举控告")),
		)
		if k := eval[string](t, ctx, `document.querySelector('input[name=kind]:checked').value`); k != "accusation" {
			t.Errorf("kind %q checked, want accusation", k)
		}
		do(t, ctx, "subject",
			chromedp.SendKeys(chromedp.CSS("#subject_name"), "张某某"),
			chromedp.SendKeys(chromedp.CSS("#subject_unit"), "某村村民委员会"),
			chromedp.SendKeys(chromedp.CSS("#subject_post"), "村委会主任"),
		)
		choose(t, ctx, "#subject_level", "村（社区）干部")
		county := choose(t, ctx, "#county", "永定区")
		township := choose(t, ctx, "#township", "天门山镇")
		village := chooseFirst(t, ctx, "#village")
		vcode := eval[string](t, ctx, `document.querySelector('#village').value`)
		if !strings.HasPrefix(township, county) || !strings.HasPrefix(vcode, township) || len(vcode) != 12 {
			t.Errorf("places: county %s, township %s, village %s %s", county, township, village, vcode)
		}
		t.Logf("place: 永定区 %s → 天门山镇 %s → %s %s", county, township, village, vcode)
		choose(t, ctx, "#category", "农村集体“三资”管理")
		do(t, ctx, "title and content",
			chromedp.SendKeys(chromedp.CSS("#title"), title),
			chromedp.SendKeys(chromedp.CSS("#content"), content),
		)
		if got := eval[string](t, ctx, `document.querySelector('#content').value`); got != content {
			t.Errorf("content typed as %q", got)
		}
		if !eval[bool](t, ctx, `document.querySelector('#identity-anon').checked`) {
			t.Error("anonymous is not the chosen identity")
		}
		do(t, ctx, "wait for the proof-of-work",
			chromedp.WaitEnabled(chromedp.CSS("button[data-pow-submit]")),
		)
		if st := eval[string](t, ctx, `document.querySelector('#pow-status').textContent.trim()`); !strings.Contains(st, "安全验证已完成") {
			t.Errorf("pow status %q after the button was enabled", st)
		}
		if n := eval[string](t, ctx, `document.querySelector('input[name=nonce]').value`); n == "" {
			t.Error("submit enabled with an empty nonce")
		}
		do(t, ctx, "submit",
			chromedp.Click(chromedp.CSS("button[data-pow-submit]")),
			chromedp.WaitVisible(chromedp.CSS(".receipt-code")),
		)
		groups := eval[[]string](t, ctx, `[...document.querySelectorAll('.receipt-code .grp')].map(s => s.textContent.trim())`)
		code = strings.Join(groups, "-")
		plain := strings.Join(groups, "")
		if len(groups) != 5 || len(plain) != 20 {
			t.Fatalf("receipt code groups %q, want 5 groups of 20 symbols in all", groups)
		}
		t.Logf("receipt code %s", code)
		noSideScroll(t, ctx, "the receipt page")
		if lang := eval[string](t, ctx, `document.documentElement.lang`); lang != "zh-CN" {
			t.Errorf("receipt page lang %q, want zh-CN", lang)
		}
		if h := eval[string](t, ctx, `document.querySelector('.receipt-title').textContent.trim()`); h != "信访举报已提交" {
			t.Errorf("receipt heading %q", h)
		}
		warn := eval[string](t, ctx, `document.querySelector('.receipt-warn').textContent.trim()`)
		if !strings.Contains(warn, "保存查询码") || !strings.Contains(warn, "只显示这一次") {
			t.Errorf("receipt warning %q does not say to save the code", warn)
		}
		if st := eval[string](t, ctx, `[...document.querySelectorAll('.receipt-facts tr')].find(r => r.querySelector('th').textContent.trim() === '状态').querySelector('td').textContent.trim()`); st != "已登记" {
			t.Errorf("receipt 状态 %q, want 已登记", st)
		}
		loc := location(t, ctx)
		if strings.Contains(loc, plain) || strings.Contains(loc, code) || strings.Contains(loc, groups[0]+groups[1]) {
			t.Errorf("receipt URL %s contains the code", loc)
		}
		if loc != base+"/report" {
			t.Errorf("receipt page at %s, want %s/report", loc, base)
		}

		do(t, ctx, "track",
			chromedp.Click(chromedp.CSS(`.receipt a[href="/report/track"]`)),
			chromedp.WaitVisible(chromedp.CSS("#code")),
			chromedp.SendKeys(chromedp.CSS("#code"), code),
		)
		if got := eval[string](t, ctx, `document.querySelector('#code').value`); got != code {
			t.Fatalf("code typed as %q, want %q", got, code)
		}
		do(t, ctx, "track submit",
			chromedp.Click(chromedp.CSS(`form[action="/report/track"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(".status-line .badge")),
		)
		if st := eval[string](t, ctx, `document.querySelector('.status-line .badge').textContent.trim()`); st != "已登记" {
			t.Errorf("status %q, want 已登记", st)
		}
		if got := eval[string](t, ctx, `[...document.querySelectorAll('table.facts tr')].find(r => r.querySelector('th').textContent.trim() === '标题').querySelector('td').textContent.trim()`); got != title {
			t.Errorf("status page title %q, want %q", got, title)
		}
		if loc := location(t, ctx); strings.Contains(loc, plain) || strings.Contains(loc, groups[0]) {
			t.Errorf("status URL %s contains the code", loc)
		}
	})
	if code == "" {
		t.Fatal("no receipt code")
	}

	journey(t, bctx, "staff reply", 20*time.Second, func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open /reports", chromedp.Navigate(base+"/reports"))
		waitPath(t, ctx, "/login")
		signIn(t, ctx, "yd_tms", pw)
		waitPath(t, ctx, "/reports")
		do(t, ctx, "open the report",
			chromedp.Click(byText("table.list td a", title)),
			chromedp.WaitVisible(chromedp.CSS("form.reply-form")),
		)
		waitPath(t, ctx, "/reports/")
		if unit := eval[string](t, ctx, `[...document.querySelectorAll('table.facts tr')].find(r => r.querySelector('th').textContent.trim() === '承办单位').querySelector('td').textContent.trim()`); unit != "天门山镇纪委" {
			t.Errorf("report unit %q, want 天门山镇纪委", unit)
		}
		if !eval[bool](t, ctx, `document.querySelector('form.reply-form input[name=public]').checked`) {
			t.Error("the reply form's 答复举报人 box is not checked by default")
		}
		do(t, ctx, "reply",
			chromedp.SendKeys(chromedp.CSS("#reply-body"), reply),
			chromedp.Click(chromedp.CSS(`form.reply-form button[type="submit"]`)),
		)
		waitJS(t, ctx, "the public reply", `[...document.querySelectorAll('.timeline li.author-staff')].some(li => li.querySelector('.msg-body').textContent.trim() === `+strconv.Quote(reply)+` && li.querySelector('.badge.ok'))`)
		if fl := eval[string](t, ctx, `(document.querySelector('.flash') || {textContent: ''}).textContent.trim()`); fl != "已答复举报人。" {
			t.Errorf("flash after the reply %q", fl)
		}
		do(t, ctx, "accept",
			chromedp.Click(chromedp.CSS(`form.action-form:has(input[name="op"][value="accept"]) button[type="submit"]`)),
		)
		waitJS(t, ctx, "status 已受理", `(b => b && b.textContent.trim() === "已受理")(document.querySelector('h1.page-title .badge'))`)
	})

	journey(t, bctx, "track the reply", 20*time.Second, func(t *testing.T, ctx context.Context) {
		do(t, ctx, "open /report/track", mobile, chromedp.Navigate(base+"/report/track"),
			chromedp.WaitVisible(chromedp.CSS("#code")),
			chromedp.SendKeys(chromedp.CSS("#code"), code),
			chromedp.Click(chromedp.CSS(`form[action="/report/track"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(".status-line .badge")),
		)
		noSideScroll(t, ctx, "the status page")
		if st := eval[string](t, ctx, `document.querySelector('.status-line .badge').textContent.trim()`); st != "已受理" {
			t.Errorf("status %q, want 已受理", st)
		}
		msgs := eval[[]string](t, ctx, `[...document.querySelectorAll('.timeline li.author-staff')].map(li => li.querySelector('.who').textContent.trim() + "|" + li.querySelector('.msg-body').textContent.trim())`)
		if !slices.Contains(msgs, "工作人员答复|"+reply) {
			t.Errorf("status page staff messages %q, want 工作人员答复|%s", msgs, reply)
		}
		if txt := bodyText(t, ctx); strings.Contains(txt, "yd_tms") || strings.Contains(txt, "天门山镇纪委") {
			t.Errorf("the public status page names the staff member or unit:\n%s", txt)
		}

		do(t, ctx, "wrong code",
			chromedp.Navigate(base+"/report/track"),
			chromedp.WaitVisible(chromedp.CSS("#code")),
			chromedp.SendKeys(chromedp.CSS("#code"), "2345-6789-ABCD-EFGH-JKLM"),
			chromedp.Click(chromedp.CSS(`form[action="/report/track"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(".flash.error")),
		)
		msg := eval[string](t, ctx, `document.querySelector('.flash.error').textContent.trim()`)
		if !hasHan(msg) || !strings.Contains(msg, "查询码不正确") {
			t.Errorf("wrong code error %q, want the Chinese 查询码不正确 message", msg)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('.status-line').length`); n != 0 {
			t.Error("a wrong code shows a status page")
		}
	})
	t.Logf("portal journey took %s", time.Since(start).Round(time.Millisecond))
	if d := time.Since(start); d > 40*time.Second {
		t.Errorf("portal journey took %s, want under 40s", d.Round(time.Second))
	}

	if err := srv.stop(); err != nil {
		t.Errorf("serve after cancel: %v", err)
	}
}
