package app

import (
	"context"
	"errors"
	"slices"
	"strings"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/credential"
	"qingfeng/internal/store"
)

// ListUsers lists users in the caller's user.read scope.
func (a *App) ListUsers(ctx context.Context, p auth.Principal, f store.UserFilter) ([]auth.User, int, error) {
	return a.Store.ListUsers(ctx, p.ScopeFor(auth.PermUserRead), f)
}

// GetUser returns a user in scope. Errors: not_found.
func (a *App) GetUser(ctx context.Context, p auth.Principal, id int64) (auth.User, error) {
	u, path, err := a.Store.GetUser(ctx, id)
	if err != nil {
		return u, err
	}
	if u.ID == p.UserID {
		return u, nil
	}
	return u, inScope(p, auth.PermUserRead, path, "user")
}

// policyErr turns a password policy failure into a field error.
func policyErr(field string, err error) error {
	var pe *credential.PolicyError
	if errors.As(err, &pe) {
		return apperr.InvalidField(field, "auth.password."+pe.Reason)
	}
	return err
}

// validRoles checks role codes against the role table.
func (a *App) validRoles(ctx context.Context, roles []auth.Role) error {
	if len(roles) == 0 {
		return apperr.InvalidField("roles", "auth.roles_required")
	}
	table, err := a.Store.RoleTable(ctx)
	if err != nil {
		return err
	}
	for _, r := range roles {
		if !slices.ContainsFunc(table, func(ri auth.RoleInfo) bool { return ri.Code == r }) {
			return apperr.InvalidField("roles", "auth.role_unknown")
		}
	}
	return nil
}

// CreateUser gives a person in the caller's scope a sign-in account.
// Errors: forbidden, invalid, conflict.
func (a *App) CreateUser(ctx context.Context, p auth.Principal, personID int64, username, password string, roles []auth.Role) (auth.User, error) {
	if err := need(p, auth.PermUserManage); err != nil {
		return auth.User{}, err
	}
	username = strings.TrimSpace(username)
	var v apperr.Validation
	if err := a.checkNewUser(ctx, &v, username, password, roles); err != nil {
		return auth.User{}, err
	}
	pe, path, err := a.Store.GetPerson(ctx, personID)
	if err != nil || !p.ScopeFor(auth.PermUserManage).Covers(path) {
		v.Add("person_id", "auth.person_out_of_scope")
	} else if !pe.Active {
		v.Add("person_id", "auth.person_inactive")
	}
	if err := v.Err(); err != nil {
		return auth.User{}, err
	}
	hash, err := a.Hasher.Hash(ctx, password)
	if err != nil {
		return auth.User{}, err
	}
	u, err := a.Store.CreateUser(ctx, actor(p), store.NewUser{PersonID: personID, Username: username, PasswordHash: hash, Roles: roles})
	if apperr.Is(err, apperr.Conflict) {
		if _, _, e := a.Store.GetUserByUsername(ctx, username); e == nil {
			return u, apperr.InvalidField("username", "auth.username_taken")
		}
		return u, apperr.InvalidField("person_id", "auth.person_has_user")
	}
	return u, err
}

// ValidateNewUser checks a new account's username (format and that it is
// free), password policy and roles without writing anything, so a caller
// that must first create the person (the CLI) fails before any write.
// Errors: invalid.
func (a *App) ValidateNewUser(ctx context.Context, username, password string, roles []auth.Role) error {
	var v apperr.Validation
	if err := a.checkNewUser(ctx, &v, strings.TrimSpace(username), password, roles); err != nil {
		return err
	}
	if _, _, err := a.Store.GetUserByUsername(ctx, strings.TrimSpace(username)); err == nil {
		v.Add("username", "auth.username_taken")
	}
	return v.Err()
}

// checkNewUser adds field errors for username, password and roles to v; it
// returns only non-validation failures (the role table unreadable).
func (a *App) checkNewUser(ctx context.Context, v *apperr.Validation, username, password string, roles []auth.Role) error {
	if err := auth.ValidateUsername(username); err != nil {
		v.Add("username", "auth.username_invalid")
	}
	if err := credential.ValidatePassword(password, username); err != nil {
		var pe *credential.PolicyError
		if errors.As(err, &pe) {
			v.Add("password", "auth.password."+pe.Reason)
		}
	}
	if err := a.validRoles(ctx, roles); err != nil {
		if !apperr.Is(err, apperr.Invalid) {
			return err
		}
		v.Add("roles", apperr.As(err).Fields["roles"])
	}
	return nil
}

// UpdateUser changes a user's roles and active flag. Users cannot
// deactivate themselves or drop their own admin role.
// Errors: forbidden, not_found, invalid, conflict.
func (a *App) UpdateUser(ctx context.Context, p auth.Principal, u auth.User) (auth.User, error) {
	if err := need(p, auth.PermUserManage); err != nil {
		return u, err
	}
	cur, path, err := a.Store.GetUser(ctx, u.ID)
	if err != nil {
		return u, err
	}
	if err := inScope(p, auth.PermUserManage, path, "user"); err != nil {
		return u, err
	}
	if err := a.validRoles(ctx, u.Roles); err != nil {
		return u, err
	}
	if u.ID == p.UserID && (!u.Active || (slices.Contains(cur.Roles, auth.RoleAdmin) && !slices.Contains(u.Roles, auth.RoleAdmin))) {
		return u, apperr.New(apperr.Conflict, "auth.cannot_demote_self")
	}
	return a.Store.UpdateUser(ctx, actor(p), u)
}

// ResetPassword sets a new password for another user (an administrator's
// reset); it ends the user's sessions. Errors: forbidden, not_found, invalid.
func (a *App) ResetPassword(ctx context.Context, p auth.Principal, userID int64, password string) error {
	if err := need(p, auth.PermUserManage); err != nil {
		return err
	}
	u, path, err := a.Store.GetUser(ctx, userID)
	if err != nil {
		return err
	}
	if err := inScope(p, auth.PermUserManage, path, "user"); err != nil {
		return err
	}
	if err := credential.ValidatePassword(password, u.Username); err != nil {
		return policyErr("password", err)
	}
	hash, err := a.Hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	return a.Store.SetPassword(ctx, actor(p), userID, hash, 0)
}

// ResetTOTP removes another user's second factor (lost phone), so the user
// enrols again at the next sign-in. Errors: forbidden, not_found.
func (a *App) ResetTOTP(ctx context.Context, p auth.Principal, userID int64) error {
	if err := need(p, auth.PermUserManage); err != nil {
		return err
	}
	_, path, err := a.Store.GetUser(ctx, userID)
	if err != nil {
		return err
	}
	if err := inScope(p, auth.PermUserManage, path, "user"); err != nil {
		return err
	}
	return a.Store.SetTOTP(ctx, actor(p), userID, "", false)
}

// ChangeOwnPassword checks the current password and sets a new one, keeping
// the current session. Errors: invalid.
func (a *App) ChangeOwnPassword(ctx context.Context, p auth.Principal, current, next string) error {
	c, err := a.Store.GetCredentialsByID(ctx, p.UserID)
	if err != nil {
		return err
	}
	ok, _, err := a.Hasher.Verify(ctx, current, c.PasswordHash)
	if err != nil || !ok {
		return apperr.InvalidField("current", "auth.password.wrong_current")
	}
	if current == next {
		return apperr.InvalidField("password", "auth.password.same")
	}
	if err := credential.ValidatePassword(next, p.Username); err != nil {
		return policyErr("password", err)
	}
	hash, err := a.Hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	return a.Store.SetPassword(ctx, actor(p), p.UserID, hash, p.SessionID)
}

// Roles returns the role table. Errors: forbidden (needs user.read).
func (a *App) Roles(ctx context.Context, p auth.Principal) ([]auth.RoleInfo, error) {
	if !p.Can(auth.PermUserRead) && !p.Can(auth.PermRoleManage) {
		return nil, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return a.Store.RoleTable(ctx)
}

// UpdateRole saves a role's TOTP requirement and permissions.
// Errors: forbidden, invalid, conflict.
func (a *App) UpdateRole(ctx context.Context, p auth.Principal, r auth.RoleInfo) error {
	if err := need(p, auth.PermRoleManage); err != nil {
		return err
	}
	// Roles apply to the whole installation: only someone whose scope holds
	// every user (e.g. the city administrator) may change them.
	if p.UnitPath != "/" {
		n, err := a.Store.CountUsersOutside(ctx, p.UnitPath)
		if err != nil {
			return err
		}
		if n > 0 {
			return apperr.New(apperr.Forbidden, "auth.roles_installation_wide")
		}
	}
	for _, perm := range r.Perms {
		if !slices.Contains(auth.AllPermissions(), perm) {
			return apperr.InvalidField("perms", "auth.permission_unknown")
		}
	}
	if r.Code == auth.RoleAdmin && !slices.Contains(r.Perms, auth.PermRoleManage) {
		return apperr.InvalidField("perms", "auth.admin_keeps_roles")
	}
	return a.Store.UpdateRole(ctx, actor(p), r)
}
