// Package granaryfeed carries smart-granary feed events from an MQTT
// broker into the ingest service: QoS 1, a persistent session (a stable
// client id, CleanSession false), automatic reconnection, and a message
// acknowledged only after its event is committed (or dead-lettered), so a
// crash loses nothing: the broker delivers it again and the ingest
// service recognises the replay by its device and event id.
package granaryfeed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// Topic is the subscription of payload v1: one topic per depot code,
// qingfeng/v1/depots/<depot code>/events (docs/granary-feed.md).
const Topic = "qingfeng/v1/depots/+/events"

// Ingest stores one payload; an error means it was not committed and the
// message must not be acknowledged.
type Ingest func(ctx context.Context, raw []byte) error

// Subscriber is the MQTT side of the feed.
type Subscriber struct {
	Broker   string // e.g. tcp://127.0.0.1:1883
	ClientID string // stable across restarts: the broker keeps the session under it
	Username string
	Password string
	Ingest   Ingest
	Log      *slog.Logger
}

// Run connects, subscribes and ingests until ctx ends. It returns an error
// only when the first connection or subscription fails.
func (s *Subscriber) Run(ctx context.Context) error {
	if s.Broker == "" || s.ClientID == "" || s.Ingest == nil || s.Log == nil {
		return errors.New("granaryfeed: broker, client id, ingest and log are required")
	}
	handle := func(_ mqtt.Client, m mqtt.Message) {
		if err := s.Ingest(ctx, m.Payload()); err != nil {
			// Not acknowledged: the broker delivers it again after a reconnect.
			s.Log.Warn("granary feed: ingest failed; message left unacknowledged", "topic", m.Topic(), "err", err)
			return
		}
		m.Ack()
	}
	opts := mqtt.NewClientOptions().AddBroker(s.Broker).SetClientID(s.ClientID).SetCleanSession(false).
		SetAutoReconnect(true).SetConnectRetry(true).SetConnectRetryInterval(2 * time.Second).SetMaxReconnectInterval(30 * time.Second).
		SetAutoAckDisabled(true).SetOrderMatters(true).SetKeepAlive(30 * time.Second).SetDefaultPublishHandler(handle)
	if s.Username != "" {
		opts.SetUsername(s.Username).SetPassword(s.Password)
	}
	subscribed := make(chan error, 1)
	opts.SetOnConnectHandler(func(c mqtt.Client) {
		t := c.Subscribe(Topic, 1, handle)
		t.Wait()
		if err := t.Error(); err != nil {
			s.Log.Error("granary feed: subscribe", "topic", Topic, "err", err)
		}
		select {
		case subscribed <- t.Error():
		default:
		}
	})
	opts.SetConnectionLostHandler(func(_ mqtt.Client, err error) {
		s.Log.Warn("granary feed: connection lost; reconnecting", "err", err)
	})
	c := mqtt.NewClient(opts)
	c.Connect() // with connect retry the token completes only once connected
	select {
	case err := <-subscribed:
		if err != nil {
			c.Disconnect(250)
			return fmt.Errorf("granaryfeed: subscribe %s: %w", Topic, err)
		}
	case <-ctx.Done():
		c.Disconnect(250)
		return nil
	}
	s.Log.Info("granary feed: subscribed", "broker", s.Broker, "topic", Topic, "client", s.ClientID)
	<-ctx.Done()
	c.Disconnect(250)
	return nil
}
