package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/rowhouse/rowhouse"
)

// Guard decides which webhook URLs the server may call. By default it
// refuses every address that reaches the server's own machine or network
// (loopback, private, carrier-grade NAT, link-local, unique-local,
// multicast, unspecified and cloud metadata addresses). It checks when a
// webhook is saved (CheckURL) and again on the address actually connected
// to (Transport's dialer), so a name that resolves differently later (DNS
// rebinding) gains nothing.
type Guard struct {
	// AllowPrivate turns the address checks off (--webhook-allow-private).
	AllowPrivate bool
	// AllowedHosts are host names (or IP literals) allowed whatever they
	// resolve to; "*.example.com" allows the subdomains of example.com.
	AllowedHosts []string
	// LookupIP resolves a host name when a URL is saved; nil uses the
	// system resolver.
	LookupIP func(ctx context.Context, host string) ([]netip.Addr, error)
}

// ParseAllowedHosts splits a comma list (ROWHOUSE_WEBHOOK_ALLOWED_HOSTS).
func ParseAllowedHosts(s string) []string {
	var out []string
	for _, h := range strings.Split(s, ",") {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			out = append(out, h)
		}
	}
	return out
}

// forbiddenURL is the answer for a URL the guard refuses: Grist's
// message, then why.
func forbiddenURL(why string) error {
	return rowhouse.Forbiddenf("Provided url is forbidden: %s", why)
}

// allowHint says how an operator lets webhooks reach such addresses.
const allowHint = "start the server with --webhook-allow-private (ROWHOUSE_WEBHOOK_ALLOW_PRIVATE=1), or list the host in --webhook-allowed-hosts (ROWHOUSE_WEBHOOK_ALLOWED_HOSTS), to allow it"

// forbiddenRange is a range a webhook may not reach by default, and what
// it is.
type forbiddenRange struct {
	prefix netip.Prefix
	what   string
}

// forbiddenPrefixes are the ranges a webhook may not reach by default.
var forbiddenPrefixes = func() []forbiddenRange {
	var out []forbiddenRange
	for _, r := range []struct{ prefix, what string }{
		{"0.0.0.0/8", "an unspecified (\"this network\") address"},
		{"10.0.0.0/8", "a private address"},
		{"100.64.0.0/10", "a carrier-grade NAT address"},
		{"127.0.0.0/8", "a loopback address"},
		{"169.254.169.254/32", "the cloud metadata address"},
		{"169.254.0.0/16", "a link-local address"},
		{"172.16.0.0/12", "a private address"},
		{"192.0.0.0/24", "an IETF protocol assignment address"},
		{"192.168.0.0/16", "a private address"},
		{"198.18.0.0/15", "a benchmarking address"},
		{"224.0.0.0/4", "a multicast address"},
		{"240.0.0.0/4", "a reserved or broadcast address"},
		{"::/128", "the unspecified address"},
		{"::1/128", "a loopback address"},
		{"fd00:ec2::254/128", "the cloud metadata address"},
		{"fc00::/7", "a unique-local (private) address"},
		{"fe80::/10", "a link-local address"},
		{"ff00::/8", "a multicast address"},
		{"100::/64", "a discard address"},
	} {
		out = append(out, forbiddenRange{netip.MustParsePrefix(r.prefix), r.what})
	}
	return out
}()

// Prefixes that embed an IPv4 address: NAT64 and 6to4.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// ForbiddenAddr reports whether ip is an address a webhook may not reach
// unless private addresses are allowed. IPv4 addresses inside IPv6 (mapped,
// NAT64, 6to4) are judged by the IPv4 address.
func ForbiddenAddr(ip netip.Addr) bool { return forbiddenWhat(ip) != "" }

// forbiddenWhat says what kind of forbidden address ip is ("a loopback
// address"), "" if it is allowed.
func forbiddenWhat(ip netip.Addr) string {
	if !ip.IsValid() {
		return "an invalid address"
	}
	ip = ip.Unmap()
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64.Contains(ip):
			return forbiddenWhat(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(ip):
			return forbiddenWhat(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	for _, r := range forbiddenPrefixes {
		if r.prefix.Contains(ip) {
			return r.what
		}
	}
	return ""
}

// hostAllowed reports whether host is named in AllowedHosts.
func (g *Guard) hostAllowed(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, h := range g.AllowedHosts {
		if h == host || (strings.HasPrefix(h, "*.") && strings.HasSuffix(host, h[1:])) {
			return true
		}
	}
	return false
}

// CheckURL checks a webhook URL when it is saved: it must be absolute
// http(s) with a host, and unless allowed on purpose, the host must not be
// or resolve to a forbidden address. A name that does not resolve now is
// accepted: the connect-time check still applies. Refusals are 403
// "Provided url is forbidden: " and why (what kind of address, and how an
// operator allows it).
func (g *Guard) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.Opaque != "" {
		return forbiddenURL("a webhook URL must be an absolute http or https URL with a host")
	}
	host := u.Hostname()
	if g.AllowPrivate || g.hostAllowed(host) {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if what := forbiddenWhat(ip); what != "" {
			return forbiddenURL(fmt.Sprintf("%s is %s; %s", host, what, allowHint))
		}
		return nil
	}
	lookup := g.LookupIP
	if lookup == nil {
		lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	lctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	ips, err := lookup(lctx, host)
	if err != nil {
		return nil // cannot tell now; refused at connect time if need be
	}
	// Name the smallest forbidden address (IPv4 before IPv6), so that the
	// message does not depend on the resolver's order.
	var bad netip.Addr
	for _, ip := range ips {
		if ip = ip.Unmap(); ForbiddenAddr(ip) && (!bad.IsValid() || ip.Less(bad)) {
			bad = ip
		}
	}
	if bad.IsValid() {
		return forbiddenURL(fmt.Sprintf("%s resolves to %s, %s; %s", host, bad, forbiddenWhat(bad), allowHint))
	}
	return nil
}

// errForbiddenAddr is what the dialer answers for a forbidden address.
type errForbiddenAddr struct{ addr string }

// Error names the refused address.
func (e errForbiddenAddr) Error() string {
	return fmt.Sprintf("address %s is forbidden (private, loopback, link-local or metadata)", e.addr)
}

// IsForbiddenDial reports whether err comes from the guard refusing to
// connect.
func IsForbiddenDial(err error) bool {
	var e errForbiddenAddr
	return errors.As(err, &e)
}

// control runs on every socket before it connects, with the resolved
// address.
func (g *Guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return errForbiddenAddr{address}
	}
	if ForbiddenAddr(ap.Addr()) {
		return errForbiddenAddr{ap.Addr().String()}
	}
	return nil
}

// Timeouts bound one delivery.
type Timeouts struct {
	Connect  time.Duration // TCP connect and TLS handshake, each
	Response time.Duration // from sending to the response headers
	Total    time.Duration // the whole exchange, body included
}

// DefaultTimeouts are used when a field is zero.
var DefaultTimeouts = Timeouts{Connect: 5 * time.Second, Response: 10 * time.Second, Total: 15 * time.Second}

// Client returns an HTTP client for deliveries: it connects only to
// addresses the guard allows (checked on the resolved address), never uses
// a proxy from the environment, never follows redirects (a 3xx is the
// answer), and bounds every phase with t.
func (g *Guard) Client(t Timeouts) *http.Client {
	if t.Connect <= 0 {
		t.Connect = DefaultTimeouts.Connect
	}
	if t.Response <= 0 {
		t.Response = DefaultTimeouts.Response
	}
	if t.Total <= 0 {
		t.Total = DefaultTimeouts.Total
	}
	plain := &net.Dialer{Timeout: t.Connect}
	guarded := &net.Dialer{Timeout: t.Connect, Control: g.control}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, _ := net.SplitHostPort(addr)
			if g.AllowPrivate || g.hostAllowed(host) {
				return plain.DialContext(ctx, network, addr)
			}
			return guarded.DialContext(ctx, network, addr)
		},
		TLSHandshakeTimeout:   t.Connect,
		ResponseHeaderTimeout: t.Response,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       t.Total,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
