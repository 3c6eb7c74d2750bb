package web

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
)

// accountView prepares the signed-in user's own page; extra entries (a
// pending TOTP enrolment, a new token's secret) are added to its data.
func (s *Server) accountView(r *http.Request, extra map[string]any) (*view, error) {
	p := principal(r)
	ctx := r.Context()
	u, err := s.app.GetUser(ctx, p, p.UserID)
	if err != nil {
		return nil, err
	}
	tokens, err := s.app.Store.ListTokens(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	roles, err := s.app.Store.RoleTable(ctx)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"User": u, "Tokens": tokens, "RoleNames": s.roleNames(r, roles)}
	for k, v := range extra {
		data[k] = v
	}
	return s.newView(r, "account.title", "account", data), nil
}

// enrolmentData turns a pending TOTP enrolment into page data: the QR code
// as a data: URL, generated offline. It is typed template.URL because
// html/template replaces data: URLs given as strings with "#ZgotmplZ"; the
// content is our own PNG, never user input.
func enrolmentData(en app.Enrolment) map[string]any {
	qr := template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(en.QRPNG))
	return map[string]any{"Enrol": true, "Secret": en.Secret, "QR": qr}
}

func (s *Server) accountShow(w http.ResponseWriter, r *http.Request) error {
	v, err := s.accountView(r, nil)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "account.html", v)
}

func (s *Server) accountPassword(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	var err error
	if f.Get("password") != f.Get("password2") {
		err = apperr.InvalidField("password2", "auth.password.mismatch")
	} else {
		err = s.app.ChangeOwnPassword(r.Context(), principal(r), f.Get("current"), f.Get("password"))
	}
	if err != nil {
		v, verr := s.accountView(r, nil)
		if verr != nil {
			return verr
		}
		return s.formError(w, r, err, "account.html", v)
	}
	return s.redirect(w, r, "/account", "flash.password_changed")
}

// accountEmail sets the own e-mail address for notifications.
func (s *Server) accountEmail(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if err := s.app.SetEmail(r.Context(), principal(r), r.PostForm.Get("email")); err != nil {
		v, verr := s.accountView(r, nil)
		if verr != nil {
			return verr
		}
		return s.formError(w, r, err, "account.html", v)
	}
	return s.redirect(w, r, "/account", "flash.email_saved")
}

// accountTOTP starts (or shows again) a TOTP enrolment for the own account.
func (s *Server) accountTOTP(w http.ResponseWriter, r *http.Request) error {
	en, err := s.app.BeginEnrolment(r.Context(), session(r))
	if err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return s.redirectError(w, r, "/account", apperr.As(err))
		}
		return err
	}
	v, err := s.accountView(r, enrolmentData(en))
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "account.html", v)
}

func (s *Server) accountTOTPConfirm(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	_, err := s.app.ConfirmEnrolment(r.Context(), session(r), strings.TrimSpace(r.PostForm.Get("code")))
	switch {
	case err == nil:
		return s.redirect(w, r, "/account", "flash.totp_enabled")
	case apperr.Is(err, apperr.Invalid):
		// The pending secret stays: show it again with the error.
		en, berr := s.app.BeginEnrolment(r.Context(), session(r))
		if berr != nil {
			return berr
		}
		v, verr := s.accountView(r, enrolmentData(en))
		if verr != nil {
			return verr
		}
		return s.formError(w, r, err, "account.html", v)
	case apperr.Is(err, apperr.Conflict):
		return s.redirectError(w, r, "/account", apperr.As(err))
	}
	return err
}

// accountTokenCreate issues an API token and shows its secret on this
// response only: never in a redirect, cookie or log.
func (s *Server) accountTokenCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p := principal(r)
	secret, t, err := s.app.CreateToken(r.Context(), p, p.UserID, strings.TrimSpace(r.PostForm.Get("name")))
	if err != nil {
		v, verr := s.accountView(r, nil)
		if verr != nil {
			return verr
		}
		return s.formError(w, r, err, "account.html", v)
	}
	v, err := s.accountView(r, map[string]any{"NewToken": secret, "NewTokenName": t.Name})
	if err != nil {
		return err
	}
	v.Flash = "flash.token_created"
	return s.render(w, http.StatusOK, "account.html", v)
}

func (s *Server) accountTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.RevokeToken(r.Context(), principal(r), id); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return s.redirectError(w, r, "/account", apperr.As(err))
		}
		return err
	}
	return s.redirect(w, r, "/account", "flash.token_revoked")
}
