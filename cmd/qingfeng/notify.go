package main

import (
	"flag"
	"net/url"
	"os"
	"strings"

	"qingfeng/internal/notify"
)

// mailFlags are serve's e-mail settings: notifications are copied to
// users' e-mail addresses through this SMTP server when --smtp-addr is set.
type mailFlags struct {
	addr, from, user, passwordFile, tls, baseURL string
}

func (m *mailFlags) register(fs *flag.FlagSet, e env) {
	fs.StringVar(&m.addr, "smtp-addr", e.getenv("QINGFENG_SMTP_ADDR"), "SMTP server host:port for e-mail notifications (none: inbox only)")
	fs.StringVar(&m.from, "smtp-from", e.getenv("QINGFENG_SMTP_FROM"), "sender address of e-mail notifications")
	fs.StringVar(&m.user, "smtp-user", e.getenv("QINGFENG_SMTP_USER"), "SMTP user name (none: no authentication)")
	fs.StringVar(&m.passwordFile, "smtp-password-file", e.getenv("QINGFENG_SMTP_PASSWORD_FILE"), "file holding the SMTP password")
	fs.StringVar(&m.tls, "smtp-tls", envOr(e, "QINGFENG_SMTP_TLS", notify.TLSStartTLS), "starttls, tls (port 465) or none (local relay only)")
	fs.StringVar(&m.baseURL, "base-url", e.getenv("QINGFENG_BASE_URL"), "the staff UI's address as users reach it, for links in e-mails")
}

// senders checks the settings and returns the configured gateways.
func (m *mailFlags) senders() ([]notify.Sender, error) {
	if m.baseURL != "" {
		u, err := url.Parse(m.baseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, usageError{"--base-url must be an http(s) URL such as https://qingfeng.example.gov.cn"}
		}
	}
	if m.addr == "" {
		if m.from != "" || m.user != "" || m.passwordFile != "" {
			return nil, usageError{"--smtp-from, --smtp-user and --smtp-password-file need --smtp-addr"}
		}
		return nil, nil
	}
	s := &notify.SMTP{Addr: m.addr, From: m.from, Username: m.user, TLS: m.tls}
	if m.passwordFile != "" {
		b, err := os.ReadFile(m.passwordFile)
		if err != nil {
			return nil, usageError{"--smtp-password-file: " + err.Error()}
		}
		s.Password = strings.TrimSpace(string(b))
	}
	if s.Username != "" && s.Password == "" {
		return nil, usageError{"--smtp-user needs --smtp-password-file"}
	}
	if err := s.CheckConfig(); err != nil {
		return nil, usageError{err.Error()}
	}
	return []notify.Sender{s}, nil
}
