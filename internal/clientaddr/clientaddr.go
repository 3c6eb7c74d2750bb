// Package clientaddr finds the address a request came from, for the
// in-memory rate limits of sign-in and the public portal (the address is a
// throttling key only: never stored or logged).
//
// Directly exposed, that is the peer of the connection. Behind a reverse
// proxy every request has the proxy's address, so all citizens would
// share one budget of receipt look-ups and submissions. An operator names
// the proxies (Parse); a request whose peer is one of them is keyed by the
// address the proxies recorded in X-Forwarded-For: the right-most entry
// that is not itself a trusted proxy. Entries left of it were written by
// the client and are not believed, so a client cannot pick its own key by
// sending the header; without trusted proxies the header is ignored.
package clientaddr

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the trusted reverse proxies. The zero value trusts none.
type Proxies struct {
	nets []netip.Prefix
}

// Parse reads a comma-separated list of addresses and CIDR prefixes
// ("10.0.0.2, 192.168.0.0/24, ::1"); blank entries are skipped, an empty
// list trusts no proxy. Errors name the entry that is neither.
func Parse(list string) (Proxies, error) {
	var p Proxies
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			pre, err := netip.ParsePrefix(f)
			if err != nil {
				return Proxies{}, fmt.Errorf("trusted proxy %q: not an address or CIDR prefix", f)
			}
			p.nets = append(p.nets, pre.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return Proxies{}, fmt.Errorf("trusted proxy %q: not an address or CIDR prefix", f)
		}
		a = a.Unmap()
		p.nets = append(p.nets, netip.PrefixFrom(a, a.BitLen()))
	}
	return p, nil
}

// Len is the number of trusted addresses and prefixes.
func (p Proxies) Len() int { return len(p.nets) }

// trusted reports whether a is one of the proxies.
func (p Proxies) trusted(a netip.Addr) bool {
	for _, n := range p.nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// Source is the throttling key of r: the peer's address without its port
// or, when the peer is a trusted proxy, the right-most X-Forwarded-For
// entry that is not a trusted proxy (the left-most entry when all are). An
// entry that is not an address ends the walk at the hop that wrote it, so
// malformed headers share that proxy's key instead of choosing their own.
func (p Proxies) Source(r *http.Request) string {
	peer, ok := parseHost(r.RemoteAddr)
	if !ok {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			return r.RemoteAddr
		}
		return host
	}
	if len(p.nets) == 0 || !p.trusted(peer) {
		return peer.String()
	}
	hops := r.Header.Values("X-Forwarded-For")
	cur := peer
	for i := len(hops) - 1; i >= 0; i-- {
		entries := strings.Split(hops[i], ",")
		for j := len(entries) - 1; j >= 0; j-- {
			e := strings.TrimSpace(entries[j])
			if e == "" {
				continue
			}
			a, ok := parseHost(e)
			if !ok {
				return cur.String()
			}
			cur = a
			if !p.trusted(a) {
				return a.String()
			}
		}
	}
	return cur.String()
}

// parseHost reads "addr", "addr:port" or "[addr]:port", without a zone.
func parseHost(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}
