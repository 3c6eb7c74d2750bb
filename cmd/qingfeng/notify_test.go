package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeMailFlags: bad e-mail settings are usage errors before anything
// is opened.
func TestServeMailFlags(t *testing.T) {
	data := t.TempDir()
	pw := filepath.Join(t.TempDir(), "smtp.pw")
	if err := os.WriteFile(pw, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--smtp-from", "qf@example.gov.cn"}, "need --smtp-addr"},
		{[]string{"--smtp-addr", "mail.example.gov.cn"}, "host:port"},
		{[]string{"--smtp-addr", "mail:587", "--smtp-from", "nobody"}, "smtp sender"},
		{[]string{"--smtp-addr", "mail:587", "--smtp-from", "qf@example.gov.cn", "--smtp-user", "qf"}, "needs --smtp-password-file"},
		{[]string{"--smtp-addr", "mail:587", "--smtp-from", "qf@example.gov.cn", "--smtp-user", "qf", "--smtp-password-file", pw,
			"--smtp-tls", "none"}, "without TLS"},
		{[]string{"--smtp-addr", "mail:587", "--smtp-from", "qf@example.gov.cn", "--smtp-tls", "ssl"}, "want starttls, tls or none"},
		{[]string{"--base-url", "qingfeng.example.gov.cn"}, "--base-url must be"},
		{[]string{"--smtp-addr", "mail:587", "--smtp-from", "qf@example.gov.cn", "--smtp-password-file", "/nonexistent"}, "--smtp-password-file"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		args := append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, c.args...)
		err := run(ctx, args, mapEnv(nil), strings.NewReader(""), &syncBuffer{}, &syncBuffer{})
		cancel()
		var u usageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("serve %q: %v, want a usage error with %q", c.args, err, c.want)
		}
	}
	m := mailFlags{addr: "mail:587", from: "清风 <qf@example.gov.cn>", user: "qf", passwordFile: pw, tls: "starttls"}
	ss, err := m.senders()
	if err != nil || len(ss) != 1 || ss[0].Channel() != "email" {
		t.Fatalf("senders %v %v", ss, err)
	}
}
