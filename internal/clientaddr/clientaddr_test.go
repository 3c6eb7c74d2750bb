package clientaddr

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		list string
		n    int
		bad  string
	}{
		{"", 0, ""},
		{" , ", 0, ""},
		{"10.0.0.2", 1, ""},
		{"10.0.0.2, 192.168.0.0/24,::1", 3, ""},
		{"10.0.0.0/33", 0, "10.0.0.0/33"},
		{"10.0.0.2,proxy.local", 0, "proxy.local"},
	} {
		p, err := Parse(tc.list)
		if tc.bad != "" {
			if err == nil || !strings.Contains(err.Error(), tc.bad) {
				t.Errorf("Parse(%q) error %v, want one naming %q", tc.list, err, tc.bad)
			}
			continue
		}
		if err != nil || p.Len() != tc.n {
			t.Errorf("Parse(%q) = %d entries, %v; want %d", tc.list, p.Len(), err, tc.n)
		}
	}
}

func TestSource(t *testing.T) {
	proxies, err := Parse("10.0.0.2, 172.16.0.0/12, ::1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		proxies Proxies
		peer    string
		xff     []string
		want    string
	}{
		{"no proxies: the peer", Proxies{}, "203.0.113.7:5555", nil, "203.0.113.7"},
		{"no proxies: the header is ignored", Proxies{}, "203.0.113.7:5555", []string{"198.51.100.1"}, "203.0.113.7"},
		{"untrusted peer: the header is ignored", proxies, "203.0.113.7:5555", []string{"198.51.100.1"}, "203.0.113.7"},
		{"trusted peer: the forwarded client", proxies, "10.0.0.2:40000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a spoofed entry left of the real one", proxies, "10.0.0.2:40000", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1"},
		{"two proxies in a chain", proxies, "10.0.0.2:40000", []string{"198.51.100.1, 172.16.5.5"}, "198.51.100.1"},
		{"chain over two header lines", proxies, "10.0.0.2:40000", []string{"198.51.100.1", "172.16.5.5"}, "198.51.100.1"},
		{"all entries trusted: the left-most", proxies, "10.0.0.2:40000", []string{"172.16.1.1, 172.16.5.5"}, "172.16.1.1"},
		{"trusted peer without the header", proxies, "10.0.0.2:40000", nil, "10.0.0.2"},
		{"garbage ends the walk at its writer", proxies, "10.0.0.2:40000", []string{"198.51.100.1, not-an-ip"}, "10.0.0.2"},
		{"garbage behind a second proxy", proxies, "10.0.0.2:40000", []string{"evil, 172.16.5.5"}, "172.16.5.5"},
		{"entries with ports and brackets", proxies, "10.0.0.2:40000", []string{"[2001:db8::1]:443"}, "2001:db8::1"},
		{"IPv4-mapped IPv6 peer", proxies, "[::ffff:10.0.0.2]:40000", []string{"198.51.100.1:1234"}, "198.51.100.1"},
		{"IPv6 loopback proxy", proxies, "[::1]:40000", []string{"2001:db8::9"}, "2001:db8::9"},
		{"empty entries skipped", proxies, "10.0.0.2:40000", []string{"198.51.100.1, , "}, "198.51.100.1"},
		{"peer without a port", proxies, "203.0.113.7", nil, "203.0.113.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := tc.proxies.Source(r); got != tc.want {
				t.Errorf("Source = %q, want %q", got, tc.want)
			}
		})
	}
}

// FuzzSource: X-Forwarded-For is outside input. Whatever it holds, the key
// is the trusted peer itself or an address the header names, never text
// the client chose that is not an address.
func FuzzSource(f *testing.F) {
	for _, s := range []string{"198.51.100.1", "1.2.3.4, 172.16.5.5", "[::1]:80, x", ",,,", "\x00", "1.2.3.4%eth0"} {
		f.Add(s)
	}
	proxies, err := Parse("10.0.0.2, 172.16.0.0/12")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, xff string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.0.0.2:1"
		r.Header.Set("X-Forwarded-For", xff)
		got := proxies.Source(r)
		if got == "10.0.0.2" {
			return
		}
		for _, e := range strings.Split(xff, ",") {
			if a, ok := parseHost(strings.TrimSpace(e)); ok && a.String() == got {
				return
			}
		}
		t.Fatalf("Source = %q for X-Forwarded-For %q: neither the peer nor one of its entries", got, xff)
	})
}
