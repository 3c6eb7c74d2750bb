// Package notify delivers in-app notifications through outside gateways:
// e-mail through an SMTP server (SMTP), and any other gateway (an SMS
// service, a government messaging platform) that implements Sender. The
// in-app inbox stays the record; a gateway only carries a copy. Nothing
// here touches the database: the app claims undelivered notifications
// from the store and hands them to the senders.
package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"
)

// Message is one notification for one recipient.
type Message struct {
	To      string // the recipient's address for the sender's channel
	Subject string
	Body    string
}

// Sender carries messages over one channel. Channel names the contact
// detail the sender needs ("email"; an SMS gateway would say "phone").
type Sender interface {
	Channel() string
	Send(ctx context.Context, m Message) error
}

// TLS modes of an SMTP server.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS (required)
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
	TLSNone     = "none"     // no encryption: only for a relay on the same host or a test
)

// SMTP sends e-mail through an SMTP server. Username empty: no
// authentication.
type SMTP struct {
	Addr     string // host:port
	From     string // the sender address, e.g. "清风 <qingfeng@jw.example.gov.cn>"
	Username string
	Password string
	TLS      string // TLSStartTLS (default), TLSImplicit or TLSNone
	// Timeout bounds one delivery (default 30 s).
	Timeout time.Duration
	// Now dates the messages (time.Now when nil).
	Now func() time.Time
	// ServerName overrides the TLS server name (default: Addr's host).
	ServerName string
	// TLSConfig, when set, is used for the connection (e.g. RootCAs of an
	// internal CA); ServerName is filled in when empty.
	TLSConfig *tls.Config
}

// CheckConfig validates an SMTP configuration. Errors name the setting.
func (s *SMTP) CheckConfig() error {
	if _, _, err := net.SplitHostPort(s.Addr); err != nil {
		return fmt.Errorf("smtp address %q: want host:port", s.Addr)
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		return fmt.Errorf("smtp sender %q: %v", s.From, err)
	}
	switch s.TLS {
	case "", TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return fmt.Errorf("smtp tls %q: want starttls, tls or none", s.TLS)
	}
	if s.Username != "" && s.TLS == TLSNone {
		return errors.New("smtp: refusing to send a password without TLS")
	}
	return nil
}

// Channel is "email".
func (s *SMTP) Channel() string { return "email" }

// Send delivers one message. Errors are returned as they come (the caller
// retries later).
func (s *SMTP) Send(ctx context.Context, m Message) error {
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("smtp: recipient %q: %w", m.To, err)
	}
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return fmt.Errorf("smtp: sender: %w", err)
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	host, _, _ := net.SplitHostPort(s.Addr)
	name := s.ServerName
	if name == "" {
		name = host
	}
	cfg := &tls.Config{ServerName: name, MinVersion: tls.VersionTLS12}
	if s.TLSConfig != nil {
		cfg = s.TLSConfig.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = name
		}
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("smtp: dial: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if s.TLS == TLSImplicit {
		conn = tls.Client(conn, cfg)
	}
	c, err := smtp.NewClient(conn, name)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp: greeting: %w", err)
	}
	defer c.Close()
	if s.TLS == "" || s.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("smtp: the server does not offer STARTTLS")
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("smtp: starttls: %w", err)
		}
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, name)); err != nil {
			return fmt.Errorf("smtp: auth: %w", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("smtp: mail from: %w", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return fmt.Errorf("smtp: rcpt to: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp: data: %w", err)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	if _, err := w.Write(Compose(from, to, m, now())); err != nil {
		return fmt.Errorf("smtp: write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp: end of data: %w", err)
	}
	return c.Quit()
}

// Compose renders a message as RFC 5322 text: UTF-8 headers encoded
// (RFC 2047), the body base64 in 76-character lines.
func Compose(from, to *mail.Address, m Message, at time.Time) []byte {
	var b bytes.Buffer
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	domain := "qingfeng.local"
	if i := strings.LastIndexByte(from.Address, '@'); i >= 0 {
		domain = from.Address[i+1:]
	}
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.BEncoding.Encode("utf-8", oneLine(m.Subject)))
	header("Date", at.Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id)+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", `text/plain; charset="utf-8"`)
	header("Content-Transfer-Encoding", "base64")
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(m.Body, "\n", "\r\n")))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}

// oneLine drops line breaks, which must not reach a header.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ").Replace(s)), " ")
}
