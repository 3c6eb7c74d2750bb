package main

import (
	"flag"
	"net/url"
	"os"
	"strings"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/monitor"
)

// pushFlags are serve's settings of the alert push to the provincial
// platform (推送省平台): with --push-url set, alerts are posted there,
// signed with the secret in --push-secret-file.
type pushFlags struct {
	url, secretFile, autoLevel string
	timeout                    time.Duration
}

func (p *pushFlags) register(fs *flag.FlagSet, e env) {
	fs.StringVar(&p.url, "push-url", e.getenv("QINGFENG_PUSH_URL"), "the provincial platform's webhook for granary alerts, https://… (none: no push)")
	fs.StringVar(&p.secretFile, "push-secret-file", e.getenv("QINGFENG_PUSH_SECRET_FILE"), "file holding the shared HMAC secret of the push (at least 16 bytes)")
	fs.StringVar(&p.autoLevel, "push-auto-level", e.getenv("QINGFENG_PUSH_AUTO_LEVEL"), "push every new alert at this level or above: notice, warning, serious (none: manual push only)")
	fs.DurationVar(&p.timeout, "push-timeout", envDuration(e, "QINGFENG_PUSH_TIMEOUT", 10*time.Second), "timeout of one push attempt")
}

// config checks the settings and returns the push configuration (nil
// when --push-url is empty).
func (p *pushFlags) config() (*app.PushConfig, error) {
	if p.url == "" {
		if p.secretFile != "" || p.autoLevel != "" {
			return nil, usageError{"--push-secret-file and --push-auto-level need --push-url"}
		}
		return nil, nil
	}
	if p.secretFile == "" {
		return nil, usageError{"--push-url needs --push-secret-file"}
	}
	b, err := os.ReadFile(p.secretFile)
	if err != nil {
		return nil, usageError{"--push-secret-file: " + err.Error()}
	}
	return &app.PushConfig{URL: p.url, Secret: []byte(strings.TrimSpace(string(b))), AutoLevel: monitor.Level(p.autoLevel), Timeout: p.timeout}, nil
}

// logURL is a push URL fit for the log: no user info, query or fragment
// (either may carry a token).
func logURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "?"
	}
	return u.Scheme + "://" + u.Host + u.Path
}
