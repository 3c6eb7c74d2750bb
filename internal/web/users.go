package web

import (
	"context"
	"net/http"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

func (s *Server) userList(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermUserRead) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	q := r.URL.Query()
	f := store.UserFilter{Query: q.Get("q"), Role: auth.Role(q.Get("role")), IncludeInactive: q.Get("inactive") == "1",
		Page: store.Page{Limit: 50, Offset: int(formInt(q.Get("offset")))}}
	users, total, err := s.app.ListUsers(r.Context(), p, f)
	if err != nil {
		return err
	}
	roles, err := s.app.Roles(r.Context(), p)
	if err != nil {
		return err
	}
	v := s.newView(r, "users.title", "users", map[string]any{"Users": users, "Total": total, "Limit": f.Page.Limit,
		"Offset": f.Page.Offset, "Roles": roles, "RoleNames": s.roleNames(r, roles)})
	v.Form = q
	return s.render(w, http.StatusOK, "users.html", v)
}

// Limits of the person chooser on the new-user form: how many people
// without an account it offers and how many people it looks at.
const (
	candidateMax  = 100
	candidateScan = 600
)

// accountCandidates lists active people in the viewer's user.manage scope
// without a user account, matching the search q, and reports whether the
// list was cut short. The person keep is included when it qualifies.
func (s *Server) accountCandidates(r *http.Request, q string, keep int64) ([]org.Person, bool, error) {
	p := principal(r)
	ctx := r.Context()
	var out []org.Person
	scanned := 0
	seen := map[int64]bool{}
	consider := func(pe org.Person) error {
		if seen[pe.ID] || !pe.Active {
			return nil
		}
		seen[pe.ID] = true
		_, _, err := s.app.Store.GetUserByPerson(ctx, pe.ID)
		if apperr.Is(err, apperr.NotFound) {
			out = append(out, pe)
			return nil
		}
		return err
	}
	if keep != 0 {
		if pe, path, err := s.app.Store.GetPerson(ctx, keep); err == nil && p.ScopeFor(auth.PermUserManage).Covers(path) {
			if err := consider(pe); err != nil {
				return nil, false, err
			}
		}
	}
	for _, pre := range p.ScopeFor(auth.PermUserManage).Prefixes {
		for off := 0; ; off += 200 {
			people, total, err := s.app.ListPeople(ctx, p, store.PersonFilter{Under: pre, Query: q, Page: store.Page{Limit: 200, Offset: off}})
			if err != nil {
				return nil, false, err
			}
			for _, pe := range people {
				if len(out) >= candidateMax || scanned >= candidateScan {
					return out, true, nil
				}
				scanned++
				if err := consider(pe); err != nil {
					return nil, false, err
				}
			}
			if off+200 >= total {
				break
			}
		}
	}
	return out, false, nil
}

func (s *Server) userFormView(r *http.Request, personID int64) (*view, error) {
	p := principal(r)
	cands, more, err := s.accountCandidates(r, r.URL.Query().Get("q"), personID)
	if err != nil {
		return nil, err
	}
	roles, err := s.app.Roles(r.Context(), p)
	if err != nil {
		return nil, err
	}
	return s.newView(r, "user.new_title", "users", map[string]any{"Candidates": cands, "More": more,
		"Roles": roles, "RoleNames": s.roleNames(r, roles), "Checked": formRoles(r)}), nil
}

func (s *Server) userNew(w http.ResponseWriter, r *http.Request) error {
	if !principal(r).Can(auth.PermUserManage) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	personID := formInt(r.URL.Query().Get("person"))
	v, err := s.userFormView(r, personID)
	if err != nil {
		return err
	}
	v.Form.Set("q", r.URL.Query().Get("q"))
	if personID != 0 {
		v.Form.Set("person_id", itoa(personID))
	}
	return s.render(w, http.StatusOK, "user_form.html", v)
}

func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	personID := formInt(f.Get("person_id"))
	u, err := s.app.CreateUser(r.Context(), principal(r), personID, f.Get("username"), f.Get("password"), formRoles(r))
	if err != nil {
		v, verr := s.userFormView(r, personID)
		if verr != nil {
			return verr
		}
		f.Del("password")
		return s.formError(w, r, err, "user_form.html", v)
	}
	return s.redirect(w, r, "/users/"+itoa(u.ID), "flash.user_created")
}

// userView prepares the user page: details, roles, tokens, history and,
// with user.manage over the user's unit, the management forms. checked
// are the role boxes to tick (the user's roles unless re-rendering a form).
func (s *Server) userView(r *http.Request, id int64, checked []auth.Role) (*view, error) {
	p := principal(r)
	ctx := r.Context()
	u, err := s.app.GetUser(ctx, p, id)
	if err != nil {
		return nil, err
	}
	roles, err := s.app.Roles(ctx, p)
	if err != nil {
		return nil, err
	}
	tokens, err := s.app.Store.ListTokens(ctx, id)
	if err != nil {
		return nil, err
	}
	_, path, err := s.app.Store.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	if checked == nil {
		checked = u.Roles
	}
	data := map[string]any{"User": u, "Roles": roles, "RoleNames": s.roleNames(r, roles), "Checked": checked,
		"Tokens": tokens, "CanManage": p.Can(auth.PermUserManage) && p.ScopeFor(auth.PermUserManage).Covers(path),
		"Self": u.ID == p.UserID}
	if p.Can(auth.PermAuditRead) {
		if data["Audit"], err = s.app.History(ctx, p, "user", id); err != nil {
			return nil, err
		}
	}
	return s.newView(r, "user.title", "users", data), nil
}

func (s *Server) userShow(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermUserRead) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.userView(r, id, nil)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "user.html", v)
}

// userUpdate saves a user's roles.
func (s *Server) userUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p := principal(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.app.GetUser(r.Context(), p, id)
	if err != nil {
		return err
	}
	u.Roles, u.Version = formRoles(r), formInt(r.PostForm.Get("version"))
	if _, err := s.app.UpdateUser(r.Context(), p, u); err != nil {
		v, verr := s.userView(r, id, append([]auth.Role{}, u.Roles...))
		if verr != nil {
			return verr
		}
		return s.formError(w, r, err, "user.html", v)
	}
	return s.redirect(w, r, "/users/"+itoa(id), "flash.saved")
}

// userSetActive deactivates or reactivates a user account (never deletes).
func (s *Server) userSetActive(w http.ResponseWriter, r *http.Request) error {
	return s.setActive(w, r, "/users/", func(ctx context.Context, p auth.Principal, id int64, active bool, version int64) error {
		u, err := s.app.GetUser(ctx, p, id)
		if err != nil {
			return err
		}
		u.Active, u.Version = active, version
		_, err = s.app.UpdateUser(ctx, p, u)
		return err
	})
}

func (s *Server) userResetPassword(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.ResetPassword(r.Context(), principal(r), id, r.PostForm.Get("password")); err != nil {
		v, verr := s.userView(r, id, nil)
		if verr != nil {
			return verr
		}
		r.PostForm.Del("password")
		return s.formError(w, r, err, "user.html", v)
	}
	return s.redirect(w, r, "/users/"+itoa(id), "flash.password_reset")
}

func (s *Server) userResetTOTP(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.ResetTOTP(r.Context(), principal(r), id); err != nil {
		return err
	}
	return s.redirect(w, r, "/users/"+itoa(id), "flash.totp_reset")
}

func (s *Server) userRevokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	tid, err := pathID(r, "tid")
	if err != nil {
		return err
	}
	if err := s.app.RevokeToken(r.Context(), principal(r), tid); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return s.redirectError(w, r, "/users/"+itoa(id), apperr.As(err))
		}
		return err
	}
	return s.redirect(w, r, "/users/"+itoa(id), "flash.token_revoked")
}
