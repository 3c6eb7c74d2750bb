package web

import "net/http"

// routes is the staff UI's route table, read top to bottom. Every
// state-changing route is a POST behind CrossOriginProtection (Handler).
func (s *Server) routes(mux *http.ServeMux) {
	// Operations.
	mux.Handle("GET /healthz", s.wrap(s.health))
	mux.Handle("GET /readyz", s.wrap(s.ready))
	mux.Handle("GET /metrics", s.metrics())
	mux.Handle("GET /static/", s.assets)
	if s.opt.API != nil {
		mux.Handle("/api/v1/", s.opt.API)
	}

	// Sign-in.
	mux.Handle("GET /login", s.wrap(s.loginPage))
	mux.Handle("POST /login", s.wrap(s.login))
	mux.Handle("GET /login/totp", s.pending("totp", s.totpPage))
	mux.Handle("POST /login/totp", s.pending("totp", s.totp))
	mux.Handle("GET /login/enroll", s.pending("enroll", s.enrollPage))
	mux.Handle("POST /login/enroll", s.pending("enroll", s.enroll))
	mux.Handle("POST /logout", s.wrap(s.logout))
	mux.Handle("GET /lang/{lang}", s.wrap(s.setLang))

	// Home.
	mux.Handle("GET /{$}", s.authed(s.home))

	// Units.
	mux.Handle("GET /units", s.authed(s.unitList))
	mux.Handle("GET /units/new", s.authed(s.unitNew))
	mux.Handle("POST /units", s.authed(s.unitCreate))
	mux.Handle("GET /units/{id}", s.authed(s.unitShow))
	mux.Handle("GET /units/{id}/edit", s.authed(s.unitEdit))
	mux.Handle("POST /units/{id}", s.authed(s.unitUpdate))
	mux.Handle("POST /units/{id}/active", s.authed(s.unitSetActive))

	// Area groups.
	mux.Handle("GET /area-groups", s.authed(s.areaList))
	mux.Handle("GET /area-groups/new", s.authed(s.areaNew))
	mux.Handle("POST /area-groups", s.authed(s.areaCreate))
	mux.Handle("GET /area-groups/{id}", s.authed(s.areaShow))
	mux.Handle("GET /area-groups/{id}/edit", s.authed(s.areaEdit))
	mux.Handle("POST /area-groups/{id}", s.authed(s.areaUpdate))
	mux.Handle("POST /area-groups/{id}/members", s.authed(s.areaAddMember))
	mux.Handle("POST /area-groups/{id}/members/{mid}/end", s.authed(s.areaEndMember))

	s.inboxRoutes(mux)
	s.reportRoutes(mux)
	s.clueRoutes(mux)
	s.caseRoutes(mux)
	s.similarRoutes(mux)
	s.statsRoutes(mux)
	s.portalRoutes(mux)
	s.adminRoutes(mux)
	s.pairingRoutes(mux)
	s.statsExportRoutes(mux)
	s.villageRoutes(mux)
	s.rectificationRoutes(mux)
	s.monitorRoutes(mux)
	s.pushRoutes(mux)
	s.crossCheckRoutes(mux)
	s.taskRoutes(mux)
}
