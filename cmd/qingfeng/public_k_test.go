package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServePublicKRefused: the suppression threshold of published
// statistics must be at least 1, by flag or environment; the check comes
// before anything is opened.
func TestServePublicKRefused(t *testing.T) {
	data := t.TempDir()
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"flag 0", []string{"--public-k", "0"}, nil},
		{"flag -2", []string{"--public-k=-2"}, nil},
		{"env 0", nil, map[string]string{"QINGFENG_PUBLIC_K": "0"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errb syncBuffer
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			args := append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, c.args...)
			err := run(ctx, args, mapEnv(c.env), strings.NewReader(""), &out, &errb)
			var u usageError
			if !errors.As(err, &u) || !strings.Contains(err.Error(), "--public-k must be at least 1") {
				t.Fatalf("serve %q: %v (%T), want the --public-k usage error", c.args, err, err)
			}
			if exitCode(err) != 2 {
				t.Errorf("exit code %d, want 2", exitCode(err))
			}
		})
	}
}

// TestServePublicK: the flag sets the threshold the public table uses.
func TestServePublicK(t *testing.T) {
	srv := startServeWith(t, t.TempDir(), "--public-k", "7")
	status, body := call(t, srv.base+"/api/v1/public/stats", "")
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/public/stats: %d %s", status, body)
	}
	var table struct {
		K int `json:"k"`
	}
	if err := json.Unmarshal(body, &table); err != nil || table.K != 7 {
		t.Errorf("k = %d (%v), want 7", table.K, err)
	}
}

// TestServeTrustedProxiesRefused: an entry of --trusted-proxies that is
// neither an address nor a CIDR prefix is a usage error naming it.
func TestServeTrustedProxiesRefused(t *testing.T) {
	var out, errb syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := run(ctx, []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--trusted-proxies", "10.0.0.2, proxy.local"},
		mapEnv(nil), strings.NewReader(""), &out, &errb)
	var u usageError
	if !errors.As(err, &u) || !strings.Contains(err.Error(), `"proxy.local"`) || exitCode(err) != 2 {
		t.Fatalf("serve --trusted-proxies with a host name: %v (%T, exit %d), want a usage error naming it", err, err, exitCode(err))
	}
}
