package granaryfeed_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"qingfeng/internal/app"
	"qingfeng/internal/auth"
	"qingfeng/internal/granaryfeed"
	"qingfeng/internal/granarysim"
	"qingfeng/internal/monitor"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// mqttBroker returns the broker of the gated MQTT tests
// (QINGFENG_TEST_MQTT, e.g. tcp://127.0.0.1:1883) or skips.
func mqttBroker(t *testing.T) string {
	b := os.Getenv("QINGFENG_TEST_MQTT")
	if b == "" {
		t.Skip("QINGFENG_TEST_MQTT is not set (e.g. tcp://127.0.0.1:1883)")
	}
	return b
}

// registerSim registers the simulator's n depots under a new commission.
func registerSim(t *testing.T, a *app.App, n int, today time.Time) {
	t.Helper()
	ctx := context.Background()
	sys := auth.System()
	u, err := a.CreateUnit(ctx, sys, org.Unit{Kind: org.KindCommission, Name: "永定区纪委监委", DivisionCode: "430802", IsDivision: true})
	if err != nil {
		t.Fatal(err)
	}
	day := today.Format(time.DateOnly)
	for _, sd := range granarysim.Registry(n) {
		d, err := a.CreateDepot(ctx, sys, monitor.Depot{Code: sd.Code, Name: sd.Name, UnitID: u.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range sd.Devices {
			if _, err := a.CreateDevice(ctx, sys, monitor.Device{DepotID: d.ID, Code: v.Code, Kind: v.Kind}); err != nil {
				t.Fatal(err)
			}
		}
		for _, sb := range sd.Bins {
			b, err := a.CreateBin(ctx, sys, monitor.Bin{DepotID: d.ID, Code: sb.Code, CapacityKG: 10_000_000, GrainKind: "paddy", BookKG: granarysim.BookKG})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range sb.Devices {
				if _, err := a.CreateDevice(ctx, sys, monitor.Device{DepotID: d.ID, BinID: b.ID, Code: v.Code, Kind: v.Kind}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := a.CreateRotationPlan(ctx, sys, monitor.RotationPlan{BinID: b.ID, From: day, To: day}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// traffic is n simulated payloads of the depots, stamped over the hour
// before now.
func traffic(depots, n int, seed uint64, now time.Time) []granarysim.Message {
	g := granarysim.New(granarysim.Config{Depots: depots, Seed: seed})
	out := make([]granarysim.Message, n)
	step := time.Hour / time.Duration(n)
	for i := range out {
		out[i] = g.Next(now.Add(-time.Hour + time.Duration(i)*step))
	}
	return out
}

// pump runs a subscriber with ingest, publishes msgs at QoS 1 over two
// connections, each the gateway of half the depots publishing its depots'
// events in order (every PUBACK awaited), and returns the events per second
// from the first publish until ingest has committed them all. The
// publishers keep at most window messages ahead of the commits: Mosquitto
// holds at most max_queued_messages (1000) per subscriber connection
// beyond the 20 in flight and drops the rest, so an unpaced publisher
// would measure the broker's queue, not the ingest.
func pump(t *testing.T, broker string, msgs []granarysim.Message, ingest granaryfeed.IngestBatch) float64 {
	t.Helper()
	const window = 4000
	ctx, cancel := context.WithCancel(context.Background())
	var done, batches atomic.Int64
	clientID := fmt.Sprintf("qingfeng-bench-%d", time.Now().UnixNano())
	ready := make(chan struct{})
	sub := &granaryfeed.Subscriber{Broker: broker, ClientID: clientID, Log: slog.New(slog.DiscardHandler),
		Subscribed: func() { close(ready) },
		Ingest: func(ctx context.Context, raws [][]byte) error {
			if err := ingest(ctx, raws); err != nil {
				return err
			}
			done.Add(int64(len(raws)))
			batches.Add(1)
			return nil
		}}
	stopped := make(chan error, 1)
	go func() { stopped <- sub.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-stopped; err != nil {
			t.Error(err)
		}
		dropSessionsAt(broker, clientID, granaryfeed.DefaultConnections)
	}()
	select {
	case <-ready:
	case <-time.After(20 * time.Second):
		t.Fatal("not subscribed within 20 s")
	}
	var published atomic.Int64
	errs := make(chan error, 2)
	start := time.Now()
	for p := range 2 {
		go func() {
			c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker).SetClientID(fmt.Sprintf("%s-pub%d", clientID, p)).SetCustomOpenConnectionFn(granaryfeed.Dial))
			if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
				errs <- fmt.Errorf("publisher: %v", tok.Error())
				return
			}
			defer c.Disconnect(100)
			toks := make(chan mqtt.Token, 2000)
			acks := make(chan error, 1)
			go func() {
				var err error
				for tok := range toks {
					if !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
						err = fmt.Errorf("publish not acknowledged: %v", tok.Error())
					}
				}
				acks <- err
			}()
			for i := range msgs {
				if depotParity(msgs[i].Depot) != p {
					continue // the other publisher's depot
				}
				for published.Load()-done.Load() >= window {
					time.Sleep(200 * time.Microsecond)
				}
				toks <- c.Publish(msgs[i].Topic, 1, false, msgs[i].Payload)
				published.Add(1)
			}
			close(toks)
			errs <- <-acks
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Minute)
	for done.Load() < int64(len(msgs)) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d committed after 5 minutes", done.Load(), len(msgs))
		}
		time.Sleep(time.Millisecond)
	}
	rate := float64(len(msgs)) / time.Since(start).Seconds()
	t.Logf("%d batches, %.0f messages a batch on average", batches.Load(), float64(len(msgs))/float64(batches.Load()))
	if got := done.Load(); got != int64(len(msgs)) {
		t.Errorf("committed %d messages, published %d", got, len(msgs))
	}
	return rate
}

// TestMQTTIngestThroughput publishes 100,000 simulated events (10 depots)
// through the real Mosquitto to the subscriber and the app on each engine
// (events stored with their hashes, book stock and devices updated, rules
// evaluated) and reports events per second end to end, against two
// baselines of the same run: the MQTT round trip alone (the subscriber
// acknowledging without storing) and the app's IngestBatch alone (no
// MQTT). The target on SQLite is 10,000 events/s. Gated on
// QINGFENG_TEST_MQTT; the figures go to docs/benchmarks.md.
func TestMQTTIngestThroughput(t *testing.T) {
	broker := mqttBroker(t)
	total, depots := 100_000, 10
	if n := envInt("QINGFENG_TEST_MQTT_EVENTS"); n > 0 {
		total = n // a quicker run while tuning
	}
	now := time.Now().UTC().Truncate(time.Second)
	raw := pump(t, broker, traffic(depots, total, uint64(now.UnixNano()), now), func(context.Context, [][]byte) error { return nil })
	t.Logf("baseline, MQTT round trip without storing: %.0f events/s", raw)
	clock := testdb.NewClock(now)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := testdb.NewApp(t, s, clock.Now)
		registerSim(t, a, depots, now.In(time.FixedZone("CST", 8*3600)))
		// The app alone: the same kind of traffic, in batches of 160 (what
		// eight connections of 20 in flight deliver at most).
		direct := traffic(depots, total/5, uint64(now.UnixNano())+1, now)
		start := time.Now()
		for i := 0; i < len(direct); i += 160 {
			var raws [][]byte
			for _, m := range direct[i:min(i+160, len(direct))] {
				raws = append(raws, m.Payload)
			}
			if _, err := a.IngestBatch(ctx, raws, app.SourceMQTT); err != nil {
				t.Fatal(err)
			}
		}
		appRate := float64(len(direct)) / time.Since(start).Seconds()

		var stored, alerts atomic.Int64
		rate := pump(t, broker, traffic(depots, total, uint64(now.UnixNano())+2, now), func(ctx context.Context, raws [][]byte) error {
			res, err := a.IngestBatch(ctx, raws, app.SourceMQTT)
			for _, r := range res {
				if r.EventRowID != 0 {
					stored.Add(1)
				}
				alerts.Add(int64(len(r.Alerts)))
			}
			return err
		})
		var n int
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM granary_events`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if stored.Load() != int64(total) || n != total+len(direct) {
			t.Errorf("stored %d through MQTT (%d rows in all), want %d (%d)", stored.Load(), n, total, total+len(direct))
		}
		t.Logf("%s: MQTT ingest end to end %.0f events/s (%.0f%% of the MQTT round trip); app IngestBatch alone %.0f events/s; %d alerts opened",
			s.Dialect(), rate, 100*rate/raw, appRate, alerts.Load())
		// The target is 10,000 events/s on SQLite on an otherwise idle
		// 2-core machine; a machine shared with other work reaches less, so
		// the figure fails the test only when asked (QINGFENG_TEST_MQTT_STRICT=1).
		if s.Dialect() == store.SQLite && rate < 10_000 {
			msg := fmt.Sprintf("SQLite: %.0f events/s end to end, below the 10,000 target", rate)
			if os.Getenv("QINGFENG_TEST_MQTT_STRICT") == "1" {
				t.Error(msg)
			} else {
				t.Log(msg)
			}
		}
	})
}

func envInt(k string) int {
	var n int
	fmt.Sscan(os.Getenv(k), &n)
	return n
}

// depotParity splits the depots between the two publishers.
func depotParity(depot string) int {
	if depot == "" {
		return 0
	}
	return int(depot[len(depot)-1]) % 2
}
