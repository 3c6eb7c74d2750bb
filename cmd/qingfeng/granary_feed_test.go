package main

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"qingfeng/internal/granaryfeed"
)

// TestServeSubscribesToGranaryFeed: serve --mqtt-broker subscribes to the
// feed topic on the local Mosquitto (skipped when none listens).
func TestServeSubscribesToGranaryFeed(t *testing.T) {
	const broker = "127.0.0.1:1883"
	if c, err := net.DialTimeout("tcp", broker, time.Second); err != nil {
		t.Skipf("no MQTT broker at %s: %v", broker, err)
	} else {
		c.Close()
	}
	client := fmt.Sprintf("qingfeng-serve-test-%d", time.Now().UnixNano())
	srv := startServeWith(t, t.TempDir(), "--mqtt-broker", "tcp://"+broker, "--mqtt-client-id", client)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(srv.stderr.String(), "granary feed: subscribed") {
		if time.Now().After(deadline) {
			t.Fatalf("no subscription within 20 s:\n%s", srv.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(srv.stderr.String(), granaryfeed.Topic) {
		t.Errorf("log does not name the topic:\n%s", srv.stderr)
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	dropSessions("tcp://"+broker, client)
}

// dropSessions removes the persistent sessions of serve's feed
// connections (client ids client-1 … client-n) from the broker.
func dropSessions(broker, client string) {
	for i := 1; i <= granaryfeed.DefaultConnections; i++ {
		c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker).SetClientID(fmt.Sprintf("%s-%d", client, i)).SetCleanSession(true))
		if tok := c.Connect(); tok.WaitTimeout(5*time.Second) && tok.Error() == nil {
			c.Disconnect(100)
		}
	}
}
