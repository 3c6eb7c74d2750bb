package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"qingfeng/internal/granaryfeed"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"qingfeng/internal/granarysim"
	"qingfeng/internal/store"
)

// TestGranaryIngestSurvivesKill9: a numbered QoS 1 stream published to
// the real Mosquitto while `qingfeng serve --mqtt-broker` ingests it; the
// server is killed with SIGKILL mid-stream (some but not all of the
// stream stored) and started again; when the stream has finished, the
// events stored are exactly the ones the broker acknowledged to the
// publisher, each once.
//
// Pacing: while the server is down the broker queues the messages for its
// persistent sessions, at most max_queued_messages (1000, Mosquitto's
// default, which CI keeps) per session beyond the 20 in flight, and drops
// the rest. The publisher sends 2,000 events/s and the server is down for
// about two seconds (the restart included), so about 4,000 messages wait,
// spread over granaryfeed.DefaultConnections sessions (16): some 250 each,
// far below the limit. Gated on QINGFENG_TEST_MQTT.
func TestGranaryIngestSurvivesKill9(t *testing.T) {
	broker := os.Getenv("QINGFENG_TEST_MQTT")
	if broker == "" {
		t.Skip("QINGFENG_TEST_MQTT is not set (e.g. tcp://127.0.0.1:1883)")
	}
	ctx := context.Background()
	dir := t.TempDir()
	bin := filepath.Join(dir, "qingfeng")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	if out, err := exec.Command(bin, "demo", "--data", data).CombinedOutput(); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	var out bytes.Buffer
	e := env{getenv: mapEnv(nil), stdin: strings.NewReader(""), stdout: &out, stderr: &out, now: time.Now}
	if err := registerSimulated(ctx, e, common{data: data}, 2, ""); err != nil {
		t.Fatalf("register: %v\n%s", err, &out)
	}
	clientID := fmt.Sprintf("qingfeng-kill-test-%d", time.Now().UnixNano())
	defer dropSessions(broker, clientID)
	start := func() (*exec.Cmd, *syncBuffer) {
		var stderr syncBuffer
		cmd := exec.Command(bin, "serve", "--data", data, "--addr", "127.0.0.1:0", "--mqtt-broker", broker, "--mqtt-client-id", clientID)
		cmd.Stdout, cmd.Stderr = &syncBuffer{}, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(stderr.String(), "granary feed: subscribed") {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("serve did not subscribe within 30 s:\n%s", stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		return cmd, &stderr
	}
	srv, _ := start()

	st, err := store.Open(ctx, store.Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	count := func() (rows, distinct int) {
		t.Helper()
		// Only the simulated depots' events: the demo's sample depot has its own.
		err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT CAST(e.device_id AS TEXT) || '|' || e.event_id)
			FROM granary_events e JOIN granary_depots d ON d.id = e.depot_id WHERE d.code LIKE 'SIM-%'`).Scan(&rows, &distinct)
		if err != nil {
			t.Fatal(err)
		}
		return rows, distinct
	}

	// The publisher: 12,000 events at 2,000/s, each PUBACK counted.
	const total, rate = 12_000, 2000
	pub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker).SetClientID(clientID + "-pub").SetCustomOpenConnectionFn(granaryfeed.Dial))
	if tok := pub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publisher: %v", tok.Error())
	}
	defer pub.Disconnect(100)
	var mu sync.Mutex
	acked := map[string]bool{} // "device|event id" of every acknowledged publish
	var failed int
	done := make(chan struct{})
	go func() {
		defer close(done)
		g := granarysim.New(granarysim.Config{Depots: 2, Seed: uint64(time.Now().UnixNano())})
		var wg sync.WaitGroup
		begin := time.Now()
		for i := range total {
			if d := time.Duration(i)*time.Second/rate - time.Since(begin); d > 0 {
				time.Sleep(d)
			}
			m := g.Next(time.Now())
			var ev struct{ Device, ID string }
			if err := json.Unmarshal(m.Payload, &ev); err != nil {
				panic(err)
			}
			tok := pub.Publish(m.Topic, 1, false, m.Payload)
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok := tok.WaitTimeout(30*time.Second) && tok.Error() == nil
				mu.Lock()
				defer mu.Unlock()
				if ok {
					acked[ev.Device+"|"+ev.ID] = true
				} else {
					failed++
				}
			}()
		}
		wg.Wait()
	}()

	// Kill -9 mid-stream: after about 1.5 s of the 6 s stream.
	time.Sleep(1500 * time.Millisecond)
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.Wait()
	before, _ := count()
	mu.Lock()
	sent := len(acked)
	mu.Unlock()
	if before == 0 || before >= total {
		t.Fatalf("killed with %d of %d stored: not mid-stream", before, total)
	}
	t.Logf("SIGKILL with %d events stored, %d acknowledged to the publisher", before, sent)
	time.Sleep(500 * time.Millisecond)
	srv, stderr := start()
	defer func() {
		srv.Process.Signal(os.Interrupt)
		srv.Wait()
	}()
	<-done
	mu.Lock()
	want := len(acked)
	mu.Unlock()
	if failed > 0 || want != total {
		t.Fatalf("the broker acknowledged %d of %d publishes (%d failed)", want, total, failed)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		rows, distinct := count()
		if rows == want {
			if distinct != rows {
				t.Fatalf("%d rows but %d distinct events: duplicates", rows, distinct)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events stored (%d distinct), %d acknowledged to the publisher\nserver log:\n%s", rows, distinct, want, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	rows, err := st.DB().QueryContext(ctx, `SELECT v.code, e.event_id FROM granary_events e JOIN granary_devices v ON v.id = e.device_id
		JOIN granary_depots d ON d.id = e.depot_id WHERE d.code LIKE 'SIM-%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	missing := len(acked)
	for rows.Next() {
		var dev, id string
		if err := rows.Scan(&dev, &id); err != nil {
			t.Fatal(err)
		}
		if acked[dev+"|"+id] {
			missing--
		} else {
			t.Errorf("stored %s|%s, never published", dev, id)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if missing != 0 {
		t.Fatalf("%d acknowledged events lost", missing)
	}
	var dead int
	if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM granary_dead_letters WHERE source = 'mqtt'`).Scan(&dead); err != nil || dead != 0 {
		t.Errorf("%d dead letters (%v)", dead, err)
	}
}
