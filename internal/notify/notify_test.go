package notify

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSMTP is a minimal SMTP server for tests: EHLO, STARTTLS, AUTH PLAIN,
// MAIL, RCPT, DATA, QUIT. It records each message and can refuse
// recipients.
type fakeSMTP struct {
	ln       net.Listener
	tls      *tls.Config
	user     string
	pass     string
	refuse   string // RCPT address answered 550
	mu       sync.Mutex
	messages []fakeMessage
}

type fakeMessage struct {
	from, to, auth string
	tls            bool
	data           string
}

func startFake(t *testing.T, f *fakeSMTP) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.ln = ln
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return ln.Addr().String()
}

func (f *fakeSMTP) serve(c net.Conn) {
	defer c.Close()
	r, w := bufio.NewReader(c), c
	say := func(s string) { io.WriteString(w, s+"\r\n") }
	say("220 fake ESMTP")
	var m fakeMessage
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		cmd := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch {
		case cmd == "EHLO":
			ext := "250-fake\r\n250-AUTH PLAIN\r\n"
			if f.tls != nil && !m.tls {
				ext += "250-STARTTLS\r\n"
			}
			io.WriteString(w, ext+"250 8BITMIME\r\n")
		case cmd == "STARTTLS":
			say("220 go ahead")
			tc := tls.Server(c, f.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, r, w = tc, bufio.NewReader(tc), tc
			m.tls = true
		case cmd == "AUTH":
			parts := strings.Fields(line)
			raw, _ := base64.StdEncoding.DecodeString(parts[len(parts)-1])
			if string(raw) != "\x00"+f.user+"\x00"+f.pass {
				say("535 bad credentials")
				continue
			}
			m.auth = f.user
			say("235 ok")
		case cmd == "MAIL":
			m.from = line
			say("250 ok")
		case cmd == "RCPT":
			if f.refuse != "" && strings.Contains(line, f.refuse) {
				say("550 no such user")
				continue
			}
			m.to = line
			say("250 ok")
		case cmd == "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			m.data = b.String()
			f.mu.Lock()
			f.messages = append(f.messages, m)
			f.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

// selfSigned returns a server TLS config and a client pool trusting it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

func TestSMTPSend(t *testing.T) {
	srvTLS, pool := selfSigned(t)
	f := &fakeSMTP{tls: srvTLS, user: "qf", pass: "secret", refuse: "nobody@"}
	addr := startFake(t, f)
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	s := &SMTP{Addr: addr, From: "清风 <qingfeng@jw.example.gov.cn>", Username: "qf", Password: "secret",
		TLSConfig: &tls.Config{RootCAs: pool}, Now: func() time.Time { return at }}
	if err := s.CheckConfig(); err != nil {
		t.Fatal(err)
	}
	msg := Message{To: "张三 <zhangsan@example.gov.cn>", Subject: "催办：户政服务进驻\n乡镇便民服务中心", Body: "请于今日报送进度。\n谢谢。"}
	if err := s.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	if len(f.messages) != 1 {
		t.Fatalf("%d messages", len(f.messages))
	}
	got := f.messages[0]
	if !got.tls || got.auth != "qf" || !strings.Contains(got.from, "<qingfeng@jw.example.gov.cn>") || !strings.Contains(got.to, "<zhangsan@example.gov.cn>") {
		t.Fatalf("envelope %+v", got)
	}
	parsed, err := mail.ReadMessage(strings.NewReader(got.data))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	if err != nil || subject != "催办：户政服务进驻 乡镇便民服务中心" {
		t.Errorf("subject %q %v", subject, err)
	}
	body, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, strings.NewReader(strings.ReplaceAll(readAll(parsed.Body), "\r\n", ""))))
	if string(body) != "请于今日报送进度。\r\n谢谢。" || parsed.Header.Get("Date") != "Sun, 06 Dec 2026 10:00:00 +0000" {
		t.Errorf("body %q date %q", body, parsed.Header.Get("Date"))
	}

	// A refused recipient and a wrong password come back as errors.
	if err := s.Send(context.Background(), Message{To: "nobody@example.gov.cn", Subject: "x"}); err == nil || !strings.Contains(err.Error(), "rcpt") {
		t.Errorf("refused recipient: %v", err)
	}
	bad := *s
	bad.Password = "wrong"
	if err := bad.Send(context.Background(), msg); err == nil || !strings.Contains(err.Error(), "auth") {
		t.Errorf("wrong password: %v", err)
	}
	// A server without STARTTLS is refused unless TLS is none.
	plain := &fakeSMTP{}
	paddr := startFake(t, plain)
	if err := (&SMTP{Addr: paddr, From: "qf@example.gov.cn"}).Send(context.Background(), msg); err == nil ||
		!strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("no starttls: %v", err)
	}
	if err := (&SMTP{Addr: paddr, From: "qf@example.gov.cn", TLS: TLSNone}).Send(context.Background(), msg); err != nil || len(plain.messages) != 1 {
		t.Errorf("plain relay: %v, %d", err, len(plain.messages))
	}
}

func readAll(r io.Reader) string {
	b, _ := io.ReadAll(r)
	return string(b)
}

func TestSMTPCheckConfig(t *testing.T) {
	for _, tt := range []struct {
		s   SMTP
		bad string
	}{
		{SMTP{Addr: "mail.example.gov.cn:587", From: "qf@example.gov.cn"}, ""},
		{SMTP{Addr: "mail.example.gov.cn", From: "qf@example.gov.cn"}, "host:port"},
		{SMTP{Addr: "mail:25", From: "not an address"}, "sender"},
		{SMTP{Addr: "mail:25", From: "qf@example.gov.cn", TLS: "ssl"}, "tls"},
		{SMTP{Addr: "mail:25", From: "qf@example.gov.cn", TLS: TLSNone, Username: "u"}, "without TLS"},
	} {
		err := tt.s.CheckConfig()
		if (tt.bad == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.bad)) {
			t.Errorf("%+v: %v", tt.s, err)
		}
	}
}
