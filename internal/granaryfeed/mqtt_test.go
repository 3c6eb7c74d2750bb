package granaryfeed_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"qingfeng/internal/app"
	"qingfeng/internal/auth"
	"qingfeng/internal/granaryfeed"
	"qingfeng/internal/monitor"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

const broker = "127.0.0.1:1883"

// TestMQTTRoundTrip publishes an event twice at QoS 1 (as a redelivery
// would) and a malformed payload to the local Mosquitto: the event ends
// stored once and the malformed one in the dead-letter list. Skipped when
// no broker listens.
func TestMQTTRoundTrip(t *testing.T) {
	if c, err := net.DialTimeout("tcp", broker, time.Second); err != nil {
		t.Skipf("no MQTT broker at %s: %v", broker, err)
	} else {
		c.Close()
	}
	now := time.Now().UTC().Truncate(time.Second)
	clock := testdb.NewClock(now)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		a := testdb.NewApp(t, s, clock.Now)
		sys := auth.System()
		u, err := a.CreateUnit(ctx, sys, org.Unit{Kind: org.KindCommission, Name: "永定区纪委监委", DivisionCode: "430802", IsDivision: true})
		if err != nil {
			t.Fatal(err)
		}
		code := fmt.Sprintf("T%d", time.Now().UnixNano())
		d, err := a.CreateDepot(ctx, sys, monitor.Depot{Code: code, Name: "测试粮库", UnitID: u.ID})
		if err != nil {
			t.Fatal(err)
		}
		dev, err := a.CreateDevice(ctx, sys, monitor.Device{DepotID: d.ID, Code: "GW1", Kind: monitor.DeviceGateway})
		if err != nil {
			t.Fatal(err)
		}
		clientID := "qingfeng-test-" + code
		sub := &granaryfeed.Subscriber{Broker: "tcp://" + broker, ClientID: clientID, Log: slog.New(slog.DiscardHandler),
			Ingest: func(ctx context.Context, raws [][]byte) error {
				_, err := a.IngestBatch(ctx, raws, app.SourceMQTT)
				return err
			}}
		done := make(chan error, 1)
		go func() { done <- sub.Run(ctx) }()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
			dropSessions(clientID, granaryfeed.DefaultConnections)
		}()

		pub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("tcp://" + broker).SetClientID(clientID + "-pub"))
		if tok := pub.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatalf("publisher: %v", tok.Error())
		}
		defer pub.Disconnect(100)
		topic := "qingfeng/v1/depots/" + code + "/events"
		event := fmt.Sprintf(`{"v":1,"id":"s1","device":"GW1","depot":%q,"kind":"status","at":%q,"status":{"health":"ok"}}`,
			code, now.Add(-time.Minute).Format(time.RFC3339))
		// Wait for the subscription: publish until the first copy is stored.
		// (Generous limits: CI runs this beside other packages' tests.)
		deadline := time.Now().Add(30 * time.Second)
		for {
			if tok := pub.Publish(topic, 1, false, event); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
				t.Fatalf("publish: %v", tok.Error())
			}
			if n, _ := s.CountGranaryEvents(ctx, dev.ID); n > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("event not stored within 30 s")
			}
			time.Sleep(200 * time.Millisecond)
		}
		for _, p := range []string{event, `{"v":1,"kind":"teleport"}`} {
			if tok := pub.Publish(topic, 1, false, p); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
				t.Fatalf("publish: %v", tok.Error())
			}
		}
		deadline = time.Now().Add(30 * time.Second)
		for {
			letters, err := s.ListDeadLetters(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(letters) == 1 {
				if letters[0].Reason != monitor.ReasonKind || letters[0].Source != app.SourceMQTT {
					t.Errorf("dead letter %+v", letters[0])
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("dead letter not kept within 30 s")
			}
			time.Sleep(100 * time.Millisecond)
		}
		// The connections share the subscription, so the duplicate may
		// come after the malformed payload: give it time, then count.
		time.Sleep(500 * time.Millisecond)
		if n, err := s.CountGranaryEvents(ctx, dev.ID); err != nil || n != 1 {
			t.Errorf("stored %d (%v), want 1", n, err)
		}
		got, err := s.GetDevice(ctx, dev.ID)
		if err != nil || got.Health != monitor.HealthOK {
			t.Errorf("device %+v %v", got, err)
		}
	})
}

// dropSessions removes the persistent sessions of a subscriber's n
// connections from the broker.
func dropSessions(clientID string, n int) { dropSessionsAt("tcp://"+broker, clientID, n) }

// dropSessionsAt is dropSessions on a broker URL.
func dropSessionsAt(brokerURL, clientID string, n int) {
	for i := 1; i <= n; i++ {
		id := clientID
		if n > 1 {
			id = fmt.Sprintf("%s-%d", clientID, i)
		}
		c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(brokerURL).SetClientID(id).SetCleanSession(true))
		if tok := c.Connect(); tok.WaitTimeout(5*time.Second) && tok.Error() == nil {
			c.Disconnect(100)
		}
	}
}
