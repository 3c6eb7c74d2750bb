package web

import (
	"net/http"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
)

// roleView prepares the role matrix; edited, when set, replaces its role's
// row so a refused form shows what was submitted.
func (s *Server) roleView(r *http.Request, edited *auth.RoleInfo) (*view, error) {
	p := principal(r)
	roles, err := s.app.Roles(r.Context(), p)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"Roles": roles, "Perms": auth.AllPermissions(), "RoleNames": s.roleNames(r, roles),
		"CanManage": p.Can(auth.PermRoleManage)}
	if edited != nil {
		for i := range roles {
			if roles[i].Code == edited.Code {
				roles[i] = *edited
			}
		}
		data["Edited"] = string(edited.Code)
	}
	return s.newView(r, "roles.title", "roles", data), nil
}

func (s *Server) roleList(w http.ResponseWriter, r *http.Request) error {
	v, err := s.roleView(r, nil)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "roles.html", v)
}

// roleUpdate saves a role's permissions and TOTP requirement.
func (s *Server) roleUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p := principal(r)
	if !p.Can(auth.PermRoleManage) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	roles, err := s.app.Roles(r.Context(), p)
	if err != nil {
		return err
	}
	code := auth.Role(r.PathValue("code"))
	in := auth.RoleInfo{Code: code, RequireTOTP: r.PostForm.Get("require_totp") == "1",
		Version: formInt(r.PostForm.Get("version"))}
	found := false
	for _, ri := range roles {
		if ri.Code == code {
			in.NameZH, in.NameEN, found = ri.NameZH, ri.NameEN, true
		}
	}
	if !found {
		return apperr.New(apperr.NotFound, "error.not_found.page")
	}
	for _, perm := range r.PostForm["perms"] {
		in.Perms = append(in.Perms, auth.Permission(perm))
	}
	if err := s.app.UpdateRole(r.Context(), p, in); err != nil {
		v, verr := s.roleView(r, &in)
		if verr != nil {
			return verr
		}
		return s.formError(w, r, err, "roles.html", v)
	}
	return s.redirect(w, r, "/roles#role-"+string(code), "flash.saved")
}
