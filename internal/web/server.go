// Package web is the staff UI: one route table (routes.go), handlers that
// return errors, html/template pages embedded in the binary, static files at
// content-hashed URLs, and the middleware shared with the JSON API (sessions,
// cross-origin protection, metrics, logging). The root handler also mounts
// the API (internal/api), health checks and /metrics.
package web

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"qingfeng/internal/clientaddr"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/challenge"
	"qingfeng/internal/i18n"
)

// Options configure the server.
type Options struct {
	Log *slog.Logger
	// SecureCookies marks cookies Secure; set when served over TLS (directly
	// or behind a TLS-terminating proxy).
	SecureCookies bool
	// TrustedOrigins are extra origins allowed to send state-changing
	// requests (a reverse proxy that rewrites Host).
	TrustedOrigins []string
	// API is the JSON API handler mounted at /api/v1/.
	API http.Handler
	// Version is shown in the footer.
	Version string
	// Challenge issues and verifies the public portal's proof-of-work.
	Challenge *challenge.Issuer
	// Proxies are the trusted reverse proxies: behind them sign-in and
	// receipt look-ups are throttled by the forwarded client address
	// (clientaddr), used in memory only.
	Proxies clientaddr.Proxies
}

// Server is the staff UI and the root HTTP handler.
type Server struct {
	imports pendingImports // previewed import files awaiting confirmation
	app     *app.App
	cat     *i18n.Catalog
	pages   *pages
	assets  *assets
	log     *slog.Logger
	opt     Options
	reg     *prometheus.Registry
	reqs    *prometheus.CounterVec
	latency *prometheus.HistogramVec
}

// New builds the server. It parses every template up front, so a broken
// template fails at start, not on a request.
func New(a *app.App, cat *i18n.Catalog, o Options) (*Server, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Challenge == nil {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		o.Challenge = challenge.New(key, 18, 10*time.Minute, time.Now, rand.Reader)
	}
	as, err := loadAssets()
	if err != nil {
		return nil, err
	}
	s := &Server{app: a, cat: cat, assets: as, log: o.Log, opt: o, reg: prometheus.NewRegistry()}
	s.pages, err = parsePages(s.funcs())
	if err != nil {
		return nil, err
	}
	s.reqs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "qingfeng_http_requests_total",
		Help: "HTTP requests by route pattern and status class."}, []string{"route", "code"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "qingfeng_http_request_seconds",
		Help: "HTTP request latency by route pattern.", Buckets: prometheus.DefBuckets}, []string{"route"})
	s.reg.MustRegister(s.reqs, s.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return s, nil
}

// Handler returns the root handler: routes, then cross-origin protection on
// every state-changing request, metrics, logging and panic recovery.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routes(mux)
	cop := http.NewCrossOriginProtection()
	for _, o := range s.opt.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			s.log.Warn("ignoring trusted origin", "origin", o, "err", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, apperr.New(apperr.Forbidden, "error.cross_origin"))
	}))
	return s.observe(cop.Handler(mux))
}

// statusWriter records the status for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// observe records metrics by route pattern (never by client) and logs
// requests without client addresses or user agents.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("panic", "path", r.URL.Path, "panic", v)
				if sw.code == 0 {
					s.fail(sw, r, apperr.New(apperr.Internal, "error.internal"))
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			code := sw.code
			if code == 0 {
				code = http.StatusOK
			}
			s.reqs.WithLabelValues(route, strconv.Itoa(code/100)+"xx").Inc()
			s.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
			if code >= 500 {
				s.log.Error("request", "method", r.Method, "route", route, "code", code, "dur", time.Since(start))
			} else {
				s.log.Debug("request", "method", r.Method, "route", route, "code", code, "dur", time.Since(start))
			}
		}()
		sw.Header().Set("X-Content-Type-Options", "nosniff")
		sw.Header().Set("Referrer-Policy", "same-origin")
		sw.Header().Set("X-Frame-Options", "DENY")
		next.ServeHTTP(sw, r)
	})
}

// handlerFunc is a handler that returns an error; wrap turns it into an
// http.Handler that renders the error page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) wrap(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// ctxKey is the context key type of this package.
type ctxKey int

const (
	keyPrincipal ctxKey = iota
	keySession
)

func principal(r *http.Request) auth.Principal {
	p, _ := r.Context().Value(keyPrincipal).(auth.Principal)
	return p
}

func session(r *http.Request) auth.Session {
	s, _ := r.Context().Value(keySession).(auth.Session)
	return s
}

const sessionCookie = "qf_session"

// authed requires a full session; anonymous users are sent to sign-in and
// half-signed-in users to their second-factor step.
func (s *Server) authed(h handlerFunc) http.Handler {
	return s.wrap(func(w http.ResponseWriter, r *http.Request) error {
		c, _ := r.Cookie(sessionCookie)
		token := ""
		if c != nil {
			token = c.Value
		}
		sess, p, err := s.app.Resolve(r.Context(), token)
		if err != nil {
			if apperr.Is(err, apperr.Unauthenticated) {
				s.clearCookie(w, r)
				if r.Method == http.MethodGet {
					http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return nil
				}
			}
			return err
		}
		switch sess.Stage {
		case auth.StageTOTP:
			http.Redirect(w, r, "/login/totp", http.StatusSeeOther)
			return nil
		case auth.StageEnroll:
			http.Redirect(w, r, "/login/enroll", http.StatusSeeOther)
			return nil
		}
		ctx := context.WithValue(r.Context(), keyPrincipal, p)
		ctx = context.WithValue(ctx, keySession, sess)
		return h(w, r.WithContext(ctx))
	})
}

// pending resolves a half-signed-in session (totp or enroll stage).
func (s *Server) pending(stage string, h handlerFunc) http.Handler {
	return s.wrap(func(w http.ResponseWriter, r *http.Request) error {
		c, err := r.Cookie(sessionCookie)
		if err != nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return nil
		}
		sess, _, err := s.app.Resolve(r.Context(), c.Value)
		if err != nil && sess.ID == 0 {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return nil
		}
		if sess.Stage != stage {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return nil
		}
		return h(w, r.WithContext(context.WithValue(r.Context(), keySession, sess)))
	})
}

// secure reports whether cookies must be Secure: the request came over TLS
// or the operator says a TLS proxy is in front (--secure-cookies).
func (s *Server) secure(r *http.Request) bool { return s.opt.SecureCookies || r.TLS != nil }

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.secure(r), SameSite: http.SameSiteLaxMode, MaxAge: int(s.app.SessionTTL() / time.Second)})
}

func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: s.secure(r), SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// lang returns the request's UI language: Chinese unless the user chose
// English with the language switch (cookie). Accept-Language is ignored on
// purpose: the UI is Chinese by default whatever the browser's locale.
func lang(r *http.Request) string {
	if c, err := r.Cookie("qf_lang"); err == nil {
		return i18n.Normalize(c.Value)
	}
	return i18n.ZH
}

// health answers liveness; ready checks the database.
func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err := w.Write([]byte("ok\n"))
	return err
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.app.Store.Ping(ctx); err != nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, err = w.Write([]byte("database unavailable\n"))
		return err
	}
	return s.health(w, r)
}

func (s *Server) metrics() http.Handler {
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})
}
