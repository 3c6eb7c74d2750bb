// Package granaryfeed carries smart-granary feed events from an MQTT
// broker into the ingest service: QoS 1, persistent sessions (stable
// client ids, CleanSession false), automatic reconnection, and messages
// acknowledged only after the batch they came in is committed (stored or
// dead-lettered), so a crash loses nothing: the broker delivers them again
// and the ingest service recognises a replay by its device and event id.
//
// Throughput: the broker lets each client have a limited number of QoS 1
// messages unacknowledged (Mosquitto's max_inflight_messages, 20 by
// default), and a message is acknowledged only after its commit, so one
// connection carries at most 20 messages per commit. The subscriber
// therefore opens several connections sharing one MQTT shared
// subscription ($share/<client id>/...): the broker spreads the messages
// over them, and one batching goroutine collects what all of them deliver
// into one transaction. The group is named after the client id: the
// broker spreads a group's messages over every session in it, connected
// or not, so two servers (or a server and a test) must never share one.
package granaryfeed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// Topic is the subscription of payload v1: one topic per depot code,
// qingfeng/v1/depots/<depot code>/events (docs/granary-feed.md).
const Topic = "qingfeng/v1/depots/+/events"

// Defaults of the subscriber's tuning.
const (
	DefaultConnections = 16
	DefaultMaxBatch    = 1000
	DefaultMaxWait     = 5 * time.Millisecond
)

// IngestBatch stores a batch of payloads in one transaction; an error
// means none of it was committed and no message of it may be
// acknowledged.
type IngestBatch func(ctx context.Context, raws [][]byte) error

// Subscriber is the MQTT side of the feed.
type Subscriber struct {
	Broker   string // e.g. tcp://127.0.0.1:1883
	ClientID string // stable across restarts: the broker keeps the sessions under it
	Username string
	Password string
	Ingest   IngestBatch
	Log      *slog.Logger
	// Connections is how many connections share the subscription (client
	// ids ClientID-1 … ClientID-n; default DefaultConnections). Keep it
	// stable across restarts: messages queued for a session are delivered
	// only when a client with its id connects again. 1 subscribes to Topic
	// directly under ClientID.
	Connections int
	MaxBatch    int           // messages per transaction (default DefaultMaxBatch)
	MaxWait     time.Duration // how long a batch waits to fill (default DefaultMaxWait)
	// Subscribed, when set, is called once every connection has
	// subscribed (tests wait for it before publishing).
	Subscribed func()
}

// filter is the subscription filter with n connections: with more than
// one, the shared subscription of the group named after the client id
// (the characters a group name may not have replaced).
func (s *Subscriber) filter(n int) string {
	if n == 1 {
		return Topic
	}
	group := strings.Map(func(r rune) rune {
		if r == '/' || r == '+' || r == '#' {
			return '_'
		}
		return r
	}, s.ClientID)
	return "$share/" + group + "/" + Topic
}

// clientID is connection i's client id (from 1) of n.
func (s *Subscriber) clientID(i, n int) string {
	if n == 1 {
		return s.ClientID
	}
	return s.ClientID + "-" + strconv.Itoa(i)
}

// Run connects, subscribes and ingests until ctx ends. It returns an error
// only when the first connection or subscription fails.
func (s *Subscriber) Run(ctx context.Context) error {
	if s.Broker == "" || s.ClientID == "" || s.Ingest == nil || s.Log == nil {
		return errors.New("granaryfeed: broker, client id, ingest and log are required")
	}
	n, maxBatch, maxWait := s.Connections, s.MaxBatch, s.MaxWait
	if n <= 0 {
		n = DefaultConnections
	}
	if maxBatch <= 0 {
		maxBatch = DefaultMaxBatch
	}
	if maxWait <= 0 {
		maxWait = DefaultMaxWait
	}
	msgs := make(chan mqtt.Message, maxBatch)
	handle := func(_ mqtt.Client, m mqtt.Message) {
		select {
		case msgs <- m:
		case <-ctx.Done(): // not acknowledged: delivered again after the restart
		}
	}
	var clients []mqtt.Client
	subscribed := make(chan error, n)
	for i := 1; i <= n; i++ {
		id := s.clientID(i, n)
		// Order need not matter: events carry their own time and the rules
		// sort by it; the handler only queues the message for the batcher.
		opts := mqtt.NewClientOptions().AddBroker(s.Broker).SetClientID(id).SetCleanSession(false).
			SetAutoReconnect(true).SetConnectRetry(true).SetConnectRetryInterval(2 * time.Second).SetMaxReconnectInterval(30 * time.Second).
			SetAutoAckDisabled(true).SetOrderMatters(false).SetKeepAlive(30 * time.Second).SetDefaultPublishHandler(handle).
			SetCustomOpenConnectionFn(Dial)
		if s.Username != "" {
			opts.SetUsername(s.Username).SetPassword(s.Password)
		}
		opts.SetOnConnectHandler(func(c mqtt.Client) {
			t := c.Subscribe(s.filter(n), 1, handle)
			t.Wait()
			if err := t.Error(); err != nil {
				s.Log.Error("granary feed: subscribe", "topic", s.filter(n), "client", id, "err", err)
			}
			select {
			case subscribed <- t.Error():
			default:
			}
		})
		opts.SetConnectionLostHandler(func(_ mqtt.Client, err error) {
			s.Log.Warn("granary feed: connection lost; reconnecting", "client", id, "err", err)
		})
		c := mqtt.NewClient(opts)
		c.Connect() // with connect retry the token completes only once connected
		clients = append(clients, c)
	}
	stop := func() {
		for _, c := range clients {
			c.Disconnect(250)
		}
	}
	for range n {
		select {
		case err := <-subscribed:
			if err != nil {
				stop()
				return fmt.Errorf("granaryfeed: subscribe %s: %w", s.filter(n), err)
			}
		case <-ctx.Done():
			stop()
			return nil
		}
	}
	s.Log.Info("granary feed: subscribed", "broker", s.Broker, "topic", s.filter(n), "client", s.ClientID, "connections", n)
	if s.Subscribed != nil {
		s.Subscribed()
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.batch(ctx, msgs, maxBatch, maxWait)
	}()
	<-ctx.Done()
	wg.Wait()
	stop()
	return nil
}

// idleGap is how long the batcher waits for one more message before it
// commits what it has (MaxWait bounds the whole wait).
const idleGap = time.Millisecond

// batch collects delivered messages into batches (up to maxBatch, or
// what arrived until the stream pauses for idleGap, or maxWait after the
// batch's first message), ingests each batch and only then acknowledges
// every message of it. A failed batch is retried with back-off (the
// messages stay unacknowledged) until it commits or ctx ends.
func (s *Subscriber) batch(ctx context.Context, msgs <-chan mqtt.Message, maxBatch int, maxWait time.Duration) {
	batch := make([]mqtt.Message, 0, maxBatch)
	raws := make([][]byte, 0, maxBatch)
	idle := time.NewTimer(time.Hour)
	for {
		batch, raws = batch[:0], raws[:0]
		select {
		case m := <-msgs:
			batch = append(batch, m)
		case <-ctx.Done():
			return
		}
		deadline := time.Now().Add(maxWait)
	fill:
		for len(batch) < maxBatch {
			select {
			case m := <-msgs:
				batch = append(batch, m)
				continue
			default:
			}
			wait := min(idleGap, time.Until(deadline))
			if wait <= 0 {
				break
			}
			idle.Reset(wait)
			select {
			case m := <-msgs:
				idle.Stop() // Go 1.23 timers: no stale tick to drain
				batch = append(batch, m)
			case <-idle.C:
				break fill
			case <-ctx.Done():
				return
			}
		}
		for _, m := range batch {
			raws = append(raws, m.Payload())
		}
		backoff := 100 * time.Millisecond
		for {
			err := s.Ingest(ctx, raws)
			if err == nil {
				break
			}
			s.Log.Warn("granary feed: batch not committed; retrying, messages left unacknowledged", "messages", len(raws), "err", err)
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return
			}
			backoff = min(2*backoff, 5*time.Second)
		}
		for _, m := range batch {
			m.Ack()
		}
	}
}
