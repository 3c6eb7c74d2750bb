package main

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
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
	if !strings.Contains(srv.stderr.String(), "qingfeng/v1/depots/+/events") {
		t.Errorf("log does not name the topic:\n%s", srv.stderr)
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	// Drop the test's persistent session from the broker.
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("tcp://" + broker).SetClientID(client).SetCleanSession(true))
	if tok := c.Connect(); tok.WaitTimeout(5*time.Second) && tok.Error() == nil {
		c.Disconnect(100)
	}
}
