// Package api is the JSON API under /api/v1: one route table (routes in
// New), handlers that return errors, and one adapter that renders
// {"error": {"code", "message"}} with a stable code. Clients authenticate
// with "Authorization: Bearer <token>" (API tokens) or a staff session cookie.
package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"qingfeng/internal/clientaddr"
	"slices"
	"strconv"
	"strings"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/challenge"
	"qingfeng/internal/i18n"
)

//go:embed openapi.yaml
var openapiYAML []byte

// API serves /api/v1.
type API struct {
	app     *app.App
	cat     *i18n.Catalog
	log     *slog.Logger
	mux     *http.ServeMux
	opt     Options
	submits *app.Limiter // public submissions without a solved challenge, per source
}

// Options tune the API.
type Options struct {
	// Challenge verifies proof-of-work on public submissions (nil: none).
	Challenge *challenge.Issuer
	// PublicPerHour is how many public submissions one source may send per
	// hour without a solved challenge (default 10).
	PublicPerHour int
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Proxies are the trusted reverse proxies: behind them the rate
	// limits key on the forwarded client address (clientaddr).
	Proxies clientaddr.Proxies
}

// New builds the API handler and its route table.
func New(a *app.App, cat *i18n.Catalog, log *slog.Logger, opt Options) *API {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opt.PublicPerHour <= 0 {
		opt.PublicPerHour = 10
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	x := &API{app: a, cat: cat, log: log, mux: http.NewServeMux(), opt: opt,
		submits: app.NewLimiter(opt.PublicPerHour, time.Hour, opt.Now)}
	for _, rt := range x.routes() {
		h := x.authed(rt.handler)
		if rt.public {
			h = x.wrap(rt.handler)
		}
		x.mux.Handle(rt.method+" /api/v1"+rt.path, h)
	}
	x.mux.Handle("/api/v1/", x.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return apperr.New(apperr.NotFound, "error.not_found.page")
	}))
	return x
}

// route is one row of the route table.
type route struct {
	method, path string
	public       bool
	handler      handlerFunc
}

// routes is the API's route table, read top to bottom: the core routes here,
// then each workflow's own table. Paths are relative to /api/v1 and match
// openapi.yaml (a test checks both ways).
func (x *API) routes() []route {
	return slices.Concat(x.coreRoutes(), x.notificationRoutes(), x.clueRoutes(), x.caseRoutes(), x.similarRoutes(), x.statsRoutes(), x.villageRoutes(), x.rectificationRoutes(), x.taskRoutes(), x.granaryRoutes(), x.pushRoutes(), x.crossCheckRoutes())
}

// coreRoutes are the organisation, intake and search routes.
func (x *API) coreRoutes() []route {
	return []route{
		{"GET", "/openapi.yaml", true, x.openapi},
		{"GET", "/me", false, x.me},
		{"GET", "/units", false, x.listUnits},
		{"GET", "/units/{id}", false, x.getUnit},
		{"GET", "/area-groups", false, x.listAreaGroups},
		{"GET", "/area-groups/{id}", false, x.getAreaGroup},
		{"GET", "/people", false, x.listPeople},
		{"GET", "/people/{id}", false, x.getPerson},
		{"GET", "/public/challenge", true, x.publicChallenge},
		{"POST", "/public/reports", true, x.publicSubmit},
		{"GET", "/public/reports/{code}", true, x.publicGet},
		{"POST", "/public/reports/{code}/messages", true, x.publicMessage},
		{"GET", "/reports", false, x.listReports},
		{"POST", "/reports", false, x.createReport},
		{"GET", "/reports/{id}", false, x.getReport},
		{"GET", "/reports/{id}/similar", false, x.similarReports},
		{"GET", "/search", false, x.searchReports},
		{"POST", "/imports", false, x.importReports},
	}
}

// ServeHTTP dispatches to the route table.
func (x *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { x.mux.ServeHTTP(w, r) }

type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// wrap renders a handler's error as JSON.
func (x *API) wrap(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			x.fail(w, r, err)
		}
	})
}

type ctxKey struct{}

func principal(r *http.Request) auth.Principal {
	p, _ := r.Context().Value(ctxKey{}).(auth.Principal)
	return p
}

// authed resolves a bearer token or a full session cookie.
func (x *API) authed(h handlerFunc) http.Handler {
	return x.wrap(func(w http.ResponseWriter, r *http.Request) error {
		var p auth.Principal
		var err error
		if h := r.Header.Get("Authorization"); h != "" {
			tok, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				return apperr.New(apperr.Unauthenticated, "auth.token_invalid")
			}
			p, err = x.app.ResolveToken(r.Context(), strings.TrimSpace(tok))
		} else if c, cerr := r.Cookie("qf_session"); cerr == nil {
			var sess auth.Session
			sess, p, err = x.app.Resolve(r.Context(), c.Value)
			if err == nil && sess.Stage != auth.StageFull {
				err = apperr.New(apperr.Unauthenticated, "auth.signin_required")
			}
		} else {
			err = apperr.New(apperr.Unauthenticated, "auth.signin_required")
		}
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="qingfeng"`)
			return err
		}
		return h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, p)))
	})
}

// errorBody is the JSON error shape.
type errorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields,omitempty"`      // field -> message in the request's language
		Codes   map[string]string `json:"field_codes,omitempty"` // field -> stable message key, e.g. "intake.phone_invalid"
	} `json:"error"`
}

func (x *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := 0
	var br badRequest
	if errors.As(err, &br) {
		err, status = br.error, http.StatusBadRequest
	}
	e := apperr.As(err)
	lang := i18n.Normalize(r.Header.Get("Accept-Language"))
	if e.Code == apperr.Internal {
		x.log.Error("api internal error", "route", r.Pattern, "err", err)
	}
	var b errorBody
	b.Error.Code = string(e.Code)
	b.Error.Message = x.cat.T(lang, e.Key, e.Args...)
	if len(e.Fields) > 0 {
		b.Error.Fields, b.Error.Codes = map[string]string{}, map[string]string{}
		for f, k := range e.Fields {
			b.Error.Fields[f] = x.cat.T(lang, k)
			b.Error.Codes[f] = k
		}
	}
	if status == 0 {
		status = apperr.HTTPStatus(e.Code)
	}
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// page reads limit/offset query parameters. Errors: invalid.
func page(r *http.Request) (limit, offset int, err error) {
	q := r.URL.Query()
	limit, offset = 50, 0
	if s := q.Get("limit"); s != "" {
		n, e := strconv.Atoi(s)
		if e != nil || n < 1 || n > 500 {
			return 0, 0, apperr.InvalidField("limit", "api.limit_invalid")
		}
		limit = n
	}
	if s := q.Get("offset"); s != "" {
		n, e := strconv.Atoi(s)
		if e != nil || n < 0 {
			return 0, 0, apperr.InvalidField("offset", "api.offset_invalid")
		}
		offset = n
	}
	return limit, offset, nil
}

// idParam parses a positive integer query or path value. Errors: invalid.
func idParam(s, field string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, apperr.InvalidField(field, "api.id_invalid")
	}
	return n, nil
}

// list is the shape of every list response.
type list[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

func (x *API) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	_, err := w.Write(openapiYAML)
	return err
}
