package web

import (
	"net/http"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/i18n"
)

// adminRoutes registers people, users, roles and account pages.
func (s *Server) adminRoutes(mux *http.ServeMux) {
	// People.
	mux.Handle("GET /people", s.authed(s.personList))
	mux.Handle("GET /people/new", s.authed(s.personNew))
	mux.Handle("POST /people", s.authed(s.personCreate))
	mux.Handle("GET /people/{id}", s.authed(s.personShow))
	mux.Handle("GET /people/{id}/edit", s.authed(s.personEdit))
	mux.Handle("POST /people/{id}", s.authed(s.personUpdate))
	mux.Handle("POST /people/{id}/active", s.authed(s.personSetActive))

	// Users.
	mux.Handle("GET /users", s.authed(s.userList))
	mux.Handle("GET /users/new", s.authed(s.userNew))
	mux.Handle("POST /users", s.authed(s.userCreate))
	mux.Handle("GET /users/{id}", s.authed(s.userShow))
	mux.Handle("POST /users/{id}", s.authed(s.userUpdate))
	mux.Handle("POST /users/{id}/active", s.authed(s.userSetActive))
	mux.Handle("POST /users/{id}/password", s.authed(s.userResetPassword))
	mux.Handle("POST /users/{id}/totp-reset", s.authed(s.userResetTOTP))
	mux.Handle("POST /users/{id}/tokens/{tid}/revoke", s.authed(s.userRevokeToken))

	// Roles.
	mux.Handle("GET /roles", s.authed(s.roleList))
	mux.Handle("POST /roles/{code}", s.authed(s.roleUpdate))

	// Own account.
	mux.Handle("GET /account", s.authed(s.accountShow))
	mux.Handle("POST /account/password", s.authed(s.accountPassword))
	mux.Handle("POST /account/email", s.authed(s.accountEmail))
	mux.Handle("POST /account/totp", s.authed(s.accountTOTP))
	mux.Handle("POST /account/totp/confirm", s.authed(s.accountTOTPConfirm))
	mux.Handle("POST /account/tokens", s.authed(s.accountTokenCreate))
	mux.Handle("POST /account/tokens/{id}/revoke", s.authed(s.accountTokenRevoke))
}

// isRefusal reports whether err is a refusal to show on the page it came
// from (invalid or conflict) rather than an error page.
func isRefusal(err error) bool {
	return apperr.Is(err, apperr.Conflict) || apperr.Is(err, apperr.Invalid)
}

// roleNames maps role codes to display names: the catalogue's role.<code>,
// else the role table's own name (roles added by an operator).
func (s *Server) roleNames(r *http.Request, roles []auth.RoleInfo) map[string]string {
	l := lang(r)
	out := make(map[string]string, len(roles))
	for _, ri := range roles {
		switch {
		case s.cat.Has(l, "role."+string(ri.Code)):
			out[string(ri.Code)] = s.cat.T(l, "role."+string(ri.Code))
		case l == i18n.EN && ri.NameEN != "":
			out[string(ri.Code)] = ri.NameEN
		default:
			out[string(ri.Code)] = ri.NameZH
		}
	}
	return out
}

// formRoles reads the checked role codes of a form.
func formRoles(r *http.Request) []auth.Role {
	var out []auth.Role
	for _, v := range r.PostForm["roles"] {
		out = append(out, auth.Role(v))
	}
	return out
}
