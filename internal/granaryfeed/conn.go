package granaryfeed

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// readBuffer is the size of a connection's read buffer: a few hundred
// feed messages.
const readBuffer = 64 << 10

// bufferedConn reads a broker connection through a buffer. The MQTT client
// reads each packet's first byte, its length bytes and its body with
// separate reads; unbuffered, that is three or four system calls per
// message, which at thousands of messages a second costs more CPU than
// storing them.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// Dial opens a broker connection for tcp:// (or mqtt://) and ssl:// (or
// tls://, mqtts://, tcps://, with the options' TLS configuration) URLs,
// read through a buffer. Use it with mqtt.ClientOptions.SetCustomOpenConnectionFn.
func Dial(uri *url.URL, o mqtt.ClientOptions) (net.Conn, error) {
	d := &net.Dialer{Timeout: o.ConnectTimeout}
	var c net.Conn
	var err error
	switch uri.Scheme {
	case "tcp", "mqtt":
		c, err = d.Dial("tcp", uri.Host)
	case "ssl", "tls", "mqtts", "tcps":
		c, err = tls.DialWithDialer(d, "tcp", uri.Host, o.TLSConfig)
	default:
		return nil, fmt.Errorf("granaryfeed: broker scheme %q is not supported (tcp:// or ssl://)", uri.Scheme)
	}
	if err != nil {
		return nil, err
	}
	return &bufferedConn{Conn: c, r: bufio.NewReaderSize(c, readBuffer)}, nil
}
