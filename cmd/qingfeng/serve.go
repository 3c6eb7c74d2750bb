package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"qingfeng/internal/api"
	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/challenge"
	"qingfeng/internal/clientaddr"
	"qingfeng/internal/credential"
	"qingfeng/internal/demo"
	"qingfeng/internal/granaryfeed"
	"qingfeng/internal/i18n"
	"qingfeng/internal/stats"
	"qingfeng/internal/store"
	"qingfeng/internal/web"
)

func cmdServe(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("serve", e)
	var c common
	c.register(fs, e)
	addr := fs.String("addr", envOr(e, "QINGFENG_ADDR", "127.0.0.1:8080"), "listen address")
	withDemo := fs.Bool("demo", false, "load demo data when the database is empty and print the demo logins")
	secure := fs.Bool("secure-cookies", e.getenv("QINGFENG_SECURE_COOKIES") == "1", "mark cookies Secure (set when served over HTTPS)")
	origins := fs.String("trusted-origins", e.getenv("QINGFENG_TRUSTED_ORIGINS"), "comma-separated extra origins for state-changing requests (reverse proxies)")
	proxyList := fs.String("trusted-proxies", e.getenv("QINGFENG_TRUSTED_PROXIES"),
		"comma-separated addresses or CIDR prefixes of reverse proxies whose X-Forwarded-For is believed for rate limits")
	verbose := fs.Bool("verbose", false, "log every request")
	mqttBroker := fs.String("mqtt-broker", e.getenv("QINGFENG_MQTT_BROKER"), "MQTT broker of the smart-granary feed, e.g. tcp://127.0.0.1:1883 (empty: off)")
	mqttClient := fs.String("mqtt-client-id", envOr(e, "QINGFENG_MQTT_CLIENT_ID", "qingfeng"), "MQTT client id: keep it stable, the broker keeps the persistent session under it")
	mqttConns := fs.Int("mqtt-connections", envIntOr(e, "QINGFENG_MQTT_CONNECTIONS", granaryfeed.DefaultConnections),
		"MQTT connections sharing the feed subscription (client ids ID-1…ID-n; keep it stable across restarts; 1: one plain subscription)")
	powBits := fs.Int("pow-bits", envIntOr(e, "QINGFENG_POW_BITS", 18), "proof-of-work difficulty of the public report form (leading zero bits)")
	publicK := fs.Int("public-k", envIntOr(e, "QINGFENG_PUBLIC_K", stats.DefaultK), "published statistics show counts below this as \"<k\" (at least 1)")
	defSess := auth.DefaultSessionPolicy()
	idle := fs.Duration("session-idle", envDuration(e, "QINGFENG_SESSION_IDLE", defSess.Idle), "sign out after this long without a request")
	maxAge := fs.Duration("session-max", envDuration(e, "QINGFENG_SESSION_MAX", defSess.Absolute), "sign out this long after sign-in")
	var mail mailFlags
	mail.register(fs, e)
	var pf pushFlags
	pf.register(fs, e)
	if err := parse(fs, args); err != nil {
		return err
	}
	senders, err := mail.senders()
	if err != nil {
		return err
	}
	pushCfg, err := pf.config()
	if err != nil {
		return err
	}
	proxies, err := clientaddr.Parse(*proxyList)
	if err != nil {
		return usageError{"--trusted-proxies: " + err.Error()}
	}
	if *powBits < 1 || *powBits > 30 {
		return usageError{"--pow-bits must be between 1 and 30"}
	}
	if *mqttConns < 1 || *mqttConns > 64 {
		return usageError{"--mqtt-connections must be between 1 and 64"}
	}
	if *publicK < 1 {
		return usageError{"--public-k must be at least 1"}
	}
	if *idle < time.Minute || *maxAge < *idle {
		return usageError{"--session-idle must be at least 1m and --session-max at least --session-idle"}
	}
	start := time.Now()
	a, closeDB, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeDB()
	a.Sessions.Idle, a.Sessions.Absolute = *idle, *maxAge
	a.PublicK = *publicK
	a.Senders, a.BaseURL = senders, mail.baseURL
	if pushCfg != nil {
		if err := a.ConfigurePush(ctx, *pushCfg); err != nil {
			return usageError{"--push-*: " + err.Error()}
		}
	}
	if *withDemo {
		if err := ensureDemo(ctx, e, a, c.data); err != nil {
			return err
		}
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := logger(e.stderr, level)
	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	var trusted []string
	for _, o := range strings.Split(*origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			trusted = append(trusted, o)
		}
	}
	powKey := make([]byte, 32) // per process: challenges are short-lived
	if _, err := rand.Read(powKey); err != nil {
		return err
	}
	pow := challenge.New(powKey, *powBits, 10*time.Minute, time.Now, rand.Reader)
	srv, err := web.New(a, cat, web.Options{Log: log, SecureCookies: *secure, TrustedOrigins: trusted,
		API: api.New(a, cat, log, api.Options{Challenge: pow, Proxies: proxies}), Version: version, Challenge: pow,
		Proxies: proxies})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *addr, err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	go sweepSessions(ctx, a, log)
	pushDone := make(chan struct{})
	if pushCfg != nil {
		log.Info("granary push on", "url", logURL(pushCfg.URL), "auto_level", string(pushCfg.AutoLevel), "timeout", pushCfg.Timeout.String())
		go func() {
			defer close(pushDone)
			a.RunPushes(ctx, log)
		}()
	} else {
		close(pushDone)
	}
	if *mqttBroker != "" {
		sub := &granaryfeed.Subscriber{Broker: *mqttBroker, ClientID: *mqttClient, Log: log, Connections: *mqttConns,
			Ingest: func(ctx context.Context, raws [][]byte) error {
				_, err := a.IngestBatch(ctx, raws, app.SourceMQTT)
				return err
			}}
		go func() {
			if err := sub.Run(ctx); err != nil {
				log.Error("granary feed stopped", "err", err)
			}
		}()
	}
	fmt.Fprintf(e.stdout, "清风 Qingfeng %s serving on http://%s (%s, started in %s)\n", version, ln.Addr(), a.Store.Dialect(),
		time.Since(start).Round(time.Millisecond))
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	<-pushDone // not closing the database under the worker; an attempt cut short stays leased and is retried after its lease
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// sweepSessions is the background worker: every minute it posts due clock
// reminders on reports and sends record clocks' reminders and overdue alarms
// to their owners' inboxes and urges target units of supervision tasks that
// fall behind (催办, escalating; all claimed from the database, so several
// instances may run) and
// every few minutes deletes expired sessions and opens alerts for granary
// devices silent too long, until ctx ends.
func sweepSessions(ctx context.Context, a *app.App, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := a.SendReminders(ctx); err != nil && ctx.Err() == nil {
				log.Warn("reminders", "err", err)
			} else if n > 0 {
				log.Info("reminders sent", "n", n)
			}
			if n, err := a.SendClockAlerts(ctx); err != nil && ctx.Err() == nil {
				log.Warn("clock alerts", "err", err)
			} else if n > 0 {
				log.Info("clock alerts sent", "n", n)
			}
			if n, err := a.DeliverNotifications(ctx); err != nil && ctx.Err() == nil {
				log.Warn("notification delivery", "err", err)
			} else if n > 0 {
				log.Info("notifications delivered", "n", n)
			}
			if n, err := a.RunUrging(ctx); err != nil && ctx.Err() == nil {
				log.Warn("task urging", "err", err)
			} else if n > 0 {
				log.Info("task urges sent", "n", n)
			}
			if i%5 != 0 {
				continue
			}
			if _, err := a.Store.PurgeSessions(ctx, a.Sessions); err != nil && ctx.Err() == nil {
				log.Warn("session sweep", "err", err)
			}
			if n, err := a.SweepSilentDevices(ctx); err != nil && ctx.Err() == nil {
				log.Warn("granary silent devices", "err", err)
			} else if n > 0 {
				log.Info("granary silence alerts opened", "n", n)
			}
		}
	}
}

// demoLoginsFile keeps the demo password in the data folder (mode 0600) so
// that every `serve --demo` can print the logins again.
const demoLoginsFile = "demo-logins.txt"

// ensureDemo loads the demo data on an empty database and prints the logins.
func ensureDemo(ctx context.Context, e env, a *app.App, dataDir string) error {
	path := filepath.Join(dataDir, demoLoginsFile)
	_, total, err := a.Store.ListUnits(ctx, systemScope(), store.UnitFilter{Page: store.Page{Limit: 1}, IncludeInactive: true})
	if err != nil {
		return err
	}
	if total == 0 {
		pw, err := demoPassword()
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "loading demo data (four Zhangjiajie counties)…")
		res, err := demo.Load(ctx, a, pw)
		if err != nil {
			return err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "demo password: %s\n", pw)
		for _, l := range res.Logins {
			fmt.Fprintf(&b, "  %-13s %-14s %s\n", l.Username, l.Role, l.UnitName)
		}
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			return err
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(e.stdout, "database not empty and no demo logins on file; not loading demo data")
		return nil
	}
	fmt.Fprint(e.stdout, "demo logins (every account uses the demo password):\n", string(b))
	return nil
}

// demoPassword makes a random password that satisfies the policy.
func demoPassword() (string, error) {
	tok, err := credential.RandomToken(rand.Reader, 9)
	if err != nil {
		return "", err
	}
	return "Qf-" + strings.NewReplacer("-", "x", "_", "y").Replace(tok) + "-7a", nil
}

func cmdDemo(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("demo", e)
	var c common
	c.register(fs, e)
	scale := fs.String("scale", "", `"province": every Hunan county with generated clues (default: the four Zhangjiajie counties)`)
	clues := fs.Int("clues", 500000, "with --scale province: number of clues")
	cases := fs.Int("cases", 100000, "with --scale province: number of cases (0: none)")
	reports := fs.Int("reports", 50000, "with --scale province: number of reports (信访举报; 0: none)")
	years := fs.Int("years", 5, "with --scale province: years of clues, ending today")
	seed := fs.Uint64("seed", 1, "with --scale province: random seed (the same seed gives the same data)")
	messages := fs.String("messages", envOr(e, "QINGFENG_MESSAGES", "../shared/data/messages/messages-with-replies.csv"),
		"with --scale province: CSV of real messages for clue and report texts (generated texts when missing)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *scale != "" && *scale != "province" {
		return usageError{fmt.Sprintf("demo: --scale %q: only \"province\" is known", *scale)}
	}
	a, closeDB, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeDB()
	_, total, err := a.Store.ListUnits(ctx, systemScope(), store.UnitFilter{Page: store.Page{Limit: 1}, IncludeInactive: true})
	if err != nil {
		return err
	}
	if total > 0 {
		return apperr.New(apperr.Conflict, "demo.not_empty")
	}
	if *scale == "province" {
		return provinceDemo(ctx, e, a, c.data, demo.ProvinceOptions{Clues: *clues, Cases: *cases, Reports: *reports, Years: *years, Seed: *seed, Messages: *messages})
	}
	return ensureDemo(ctx, e, a, c.data)
}

// provinceDemo generates the province-scale demo and writes its logins to
// the demo logins file (so `serve --demo` prints them).
func provinceDemo(ctx context.Context, e env, a *app.App, dataDir string, o demo.ProvinceOptions) error {
	pw, err := demoPassword()
	if err != nil {
		return err
	}
	o.Password = pw
	o.Progress = func(msg string) { fmt.Fprintln(e.stdout, msg) }
	start := time.Now()
	res, err := demo.LoadProvince(ctx, a, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "province demo: %d counties, %d townships, %d villages, %d units, %d area groups, %d users; "+
		"%d clues (%d with a running disposal clock), texts: %s\n", res.Counties, res.Townships, res.Villages, res.Units,
		res.AreaGroups, res.Users, res.Clues, res.Clocks, res.Texts)
	if res.Cases > 0 {
		fmt.Fprintf(e.stdout, "%d cases, %d subjects, %d measures, %d running clocks of cases and measures\n", res.Cases, res.Subjects,
			res.Measures, res.CaseClocks)
	}
	if res.Reports > 0 {
		fmt.Fprintf(e.stdout, "%d reports with %d hand-off events\n", res.Reports, res.ReportEvents)
	}
	fmt.Fprintf(e.stdout, "time: organisation %v, villages, clues, cases and reports %v, total %v\n", res.OrgTime.Round(time.Millisecond),
		res.CluesTime.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	var b strings.Builder
	fmt.Fprintf(&b, "demo password: %s\n", pw)
	for _, l := range res.Logins {
		fmt.Fprintf(&b, "  %-18s %-14s %s\n", l.Username, l.Role, l.UnitName)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(dataDir, demoLoginsFile)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo password: %s\n%d accounts c<county code>_{leader,case,office1,township1} (e.g. %s); all listed in %s\n",
		pw, len(res.Logins), demo.ProvinceUsername("430802", "case"), path)
	return nil
}

func cmdMigrate(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("migrate", e)
	var c common
	c.register(fs, e)
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := c.openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	cur, latest, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: applied %d migration(s) %v; schema version %d of %d\n", st.Dialect(), len(applied), applied, cur, latest)
	return nil
}

// envIntOr reads an integer from the environment, or def.
func envIntOr(e env, key string, def int) int {
	if n, err := strconv.Atoi(e.getenv(key)); err == nil {
		return n
	}
	return def
}

// envDuration reads a duration from the environment, or def.
func envDuration(e env, key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(e.getenv(key)); err == nil {
		return d
	}
	return def
}
