package web

import (
	"encoding/base64"
	"html/template"
	"net/http"

	"qingfeng/internal/apperr"
	"qingfeng/internal/i18n"
)

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "login.title", "", nil)
	v.Form.Set("next", safeNext(r.URL.Query().Get("next")))
	return s.render(w, http.StatusOK, "login.html", v)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	in, err := s.app.Login(r.Context(), r.PostForm.Get("username"), r.PostForm.Get("password"), s.opt.Proxies.Source(r))
	if err != nil {
		e := apperr.As(err)
		if e.Code != apperr.Unauthenticated && e.Code != apperr.RateLimited {
			return err
		}
		v := s.newView(r, "login.title", "", nil)
		v.Form = r.PostForm
		v.Form.Del("password")
		v.Error = v.T(e.Key)
		return s.render(w, apperr.HTTPStatus(e.Code), "login.html", v)
	}
	s.setCookie(w, r, in.Token)
	switch in.Session.Stage {
	case "totp":
		return s.redirect(w, r, "/login/totp", "")
	case "enroll":
		return s.redirect(w, r, "/login/enroll", "")
	}
	return s.redirect(w, r, safeNext(r.PostForm.Get("next")), "")
}

func (s *Server) totpPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, http.StatusOK, "login_totp.html", s.newView(r, "login.totp_title", "", nil))
}

func (s *Server) totp(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	tok, err := s.app.VerifySecondFactor(r.Context(), session(r), r.PostForm.Get("code"), s.opt.Proxies.Source(r))
	if err != nil {
		return s.formError(w, r, err, "login_totp.html", s.newView(r, "login.totp_title", "", nil))
	}
	s.setCookie(w, r, tok)
	return s.redirect(w, r, "/", "")
}

// enrollPage shows a fresh TOTP secret and its QR code (generated offline).
func (s *Server) enrollPage(w http.ResponseWriter, r *http.Request) error {
	en, err := s.app.BeginEnrolment(r.Context(), session(r))
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "login_enroll.html", s.newView(r, "login.enroll_title", "", map[string]any{
		"Secret": en.Secret, "QR": template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(en.QRPNG))}))
}

func (s *Server) enroll(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	tok, err := s.app.ConfirmEnrolment(r.Context(), session(r), r.PostForm.Get("code"))
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			// Same secret stays pending: show the page again with the error.
			return s.redirect(w, r, "/login/enroll", "flash.totp_wrong")
		}
		return err
	}
	s.setCookie(w, r, tok)
	return s.redirect(w, r, "/", "flash.totp_enabled")
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if sess, _, err := s.app.Resolve(r.Context(), c.Value); err == nil || sess.ID != 0 {
			if err := s.app.Logout(r.Context(), sess); err != nil {
				return err
			}
		}
	}
	s.clearCookie(w, r)
	return s.redirect(w, r, "/login", "flash.signed_out")
}

func (s *Server) setLang(w http.ResponseWriter, r *http.Request) error {
	l := i18n.Normalize(r.PathValue("lang"))
	http.SetCookie(w, &http.Cookie{Name: "qf_lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
	return nil
}
