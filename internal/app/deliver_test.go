package app_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/audit"
	"qingfeng/internal/notify"
	"qingfeng/internal/store"
)

// fakeSender records messages and fails while fail > 0.
type fakeSender struct {
	mu   sync.Mutex
	fail int
	sent []notify.Message
}

func (f *fakeSender) Channel() string { return "email" }

func (f *fakeSender) Send(_ context.Context, m notify.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail > 0 {
		f.fail--
		return errors.New("451 try again later")
	}
	f.sent = append(f.sent, m)
	return nil
}

func TestDeliverNotifications(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		snd := &fakeSender{fail: 1}
		f.app.Senders, f.app.BaseURL = []notify.Sender{snd}, "https://qf.example.gov.cn/"
		lead, town := f.principals["leadera"], f.principals["townt1"]
		wantCode(t, f.app.SetEmail(ctx, lead, "not an address"), apperr.Invalid, "", map[string]string{"email": "account.email_invalid"})
		wantCode(t, f.app.SetEmail(ctx, lead, "Leader <a@b.cn>"), apperr.Invalid, "", map[string]string{"email": "account.email_invalid"})
		must(t, f.app.SetEmail(ctx, lead, "leader@jw.example.gov.cn"))
		u, _, err := f.app.Store.GetUser(ctx, lead.UserID)
		must(t, err)
		if u.Email != "leader@jw.example.gov.cn" {
			t.Fatalf("email %q", u.Email)
		}
		// An old notification (before e-mail was switched on) is not sent.
		must(t, f.app.Notify(ctx, audit.Actor{Name: "system"}, []store.Notification{{UserID: lead.UserID, Kind: "urge", Title: "旧通知"}}))
		f.clock.Advance(25 * time.Hour)
		// The leader has an address; the township user has none.
		must(t, f.app.Notify(ctx, audit.Actor{Name: "system"}, []store.Notification{
			{UserID: lead.UserID, Kind: "urge", Title: "催办：户政服务进驻", Body: "天门山镇已两日未报送进度。", Link: "/tasks/1"},
			{UserID: town.UserID, Kind: "urge", Title: "催办：户政服务进驻"}}))

		// The gateway fails once: nothing sent, retried after the backoff.
		if n, err := f.app.DeliverNotifications(ctx); err != nil || n != 0 || len(snd.sent) != 0 {
			t.Fatalf("first run: %d %v %v", n, err, snd.sent)
		}
		if n, _ := f.app.DeliverNotifications(ctx); n != 0 {
			t.Fatalf("retried before the backoff: %d", n)
		}
		f.clock.Advance(61 * time.Second)
		if n, err := f.app.DeliverNotifications(ctx); err != nil || n != 1 {
			t.Fatalf("after the backoff: %d %v", n, err)
		}
		// Never twice.
		f.clock.Advance(time.Hour)
		if n, _ := f.app.DeliverNotifications(ctx); n != 0 || len(snd.sent) != 1 {
			t.Fatalf("sent again: %d %v", n, snd.sent)
		}
		m := snd.sent[0]
		if m.To != "leader@jw.example.gov.cn" || m.Subject != "【清风】催办：户政服务进驻" ||
			!strings.Contains(m.Body, "天门山镇已两日未报送进度。") || !strings.Contains(m.Body, "https://qf.example.gov.cn/tasks/1") {
			t.Errorf("message %+v", m)
		}

		// A gateway that keeps failing gives up after five attempts.
		snd.fail = 100
		must(t, f.app.Notify(ctx, audit.Actor{Name: "system"}, []store.Notification{{UserID: lead.UserID, Kind: "urge", Title: "第二条"}}))
		for range 8 {
			if _, err := f.app.DeliverNotifications(ctx); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(3 * time.Hour)
		}
		ns, _, err := f.app.Store.ListNotifications(ctx, lead.UserID, store.NotificationFilter{})
		must(t, err)
		ds, err := f.app.Store.Deliveries(ctx, ns[0].ID)
		must(t, err)
		if ns[0].Title != "第二条" || len(ds) != 1 || ds[0].Attempts != 5 || ds[0].FailedAt.IsZero() || !ds[0].SentAt.IsZero() ||
			!strings.Contains(ds[0].LastError, "451") {
			t.Errorf("gave up: %+v", ds)
		}
		if 100-snd.fail != 5 {
			t.Errorf("%d attempts, want 5", 100-snd.fail)
		}
	})
}
