package webhook

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rowhouse/rowhouse"
)

func TestForbiddenAddr(t *testing.T) {
	for addr, forbidden := range map[string]bool{
		"127.0.0.1":        true, // loopback
		"127.8.9.10":       true,
		"::1":              true,
		"10.1.2.3":         true, // RFC 1918
		"172.16.0.1":       true,
		"172.31.255.255":   true,
		"192.168.1.1":      true,
		"100.64.0.1":       true, // CGNAT
		"169.254.169.254":  true, // cloud metadata
		"169.254.1.1":      true, // link-local
		"fe80::1":          true,
		"fc00::1":          true, // unique-local
		"fd00:ec2::254":    true, // AWS metadata over IPv6
		"224.0.0.1":        true, // multicast
		"ff02::1":          true,
		"0.0.0.0":          true, // unspecified
		"::":               true,
		"255.255.255.255":  true,
		"::ffff:127.0.0.1": true, // IPv4-mapped loopback
		"::ffff:10.0.0.1":  true,
		"64:ff9b::a00:1":   true, // NAT64 of 10.0.0.1
		"2002:7f00:1::":    true, // 6to4 of 127.0.0.1
		"8.8.8.8":          false,
		"93.184.216.34":    false,
		"172.32.0.1":       false, // just outside 172.16/12
		"100.128.0.1":      false, // just outside 100.64/10
		"2606:4700::1111":  false,
		"::ffff:8.8.8.8":   false,
		"64:ff9b::808:808": false, // NAT64 of 8.8.8.8
	} {
		if got := ForbiddenAddr(netip.MustParseAddr(addr)); got != forbidden {
			t.Errorf("ForbiddenAddr(%s) = %v, want %v", addr, got, forbidden)
		}
	}
}

func fakeLookup(answers map[string][]string) func(context.Context, string) ([]netip.Addr, error) {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		a, ok := answers[host]
		if !ok {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		var out []netip.Addr
		for _, s := range a {
			out = append(out, netip.MustParseAddr(s))
		}
		return out, nil
	}
}

func TestCheckURL(t *testing.T) {
	lookup := fakeLookup(map[string][]string{
		"public.example":    {"93.184.216.34"},
		"internal.example":  {"10.0.0.5"},
		"mixed.example":     {"93.184.216.34", "127.0.0.1"},
		"metadata.example":  {"169.254.169.254"},
		"corp.example.evil": {"10.0.0.9"},
	})
	strict := &Guard{LookupIP: lookup}
	open := &Guard{LookupIP: lookup, AllowPrivate: true}
	listed := &Guard{LookupIP: lookup, AllowedHosts: ParseAllowedHosts(" Internal.Example ,*.corp.example,")}
	for _, tc := range []struct {
		g   *Guard
		url string
		ok  bool
	}{
		{strict, "https://public.example/hook", true},
		{strict, "http://93.184.216.34:8080/x", true},
		{strict, "https://unresolvable.example/x", true}, // judged again at connect time
		{strict, "http://127.0.0.1:9000/", false},
		{strict, "http://[::1]/", false},
		{strict, "http://169.254.169.254/latest/meta-data", false},
		{strict, "http://[fd00:ec2::254]/", false},
		{strict, "http://internal.example/", false},
		{strict, "http://mixed.example/", false},
		{strict, "http://metadata.example/", false},
		{strict, "ftp://public.example/", false},
		{strict, "file:///etc/passwd", false},
		{strict, "javascript:alert(1)", false},
		{strict, "public.example/hook", false},
		{strict, "http:///nohost", false},
		{strict, "http://%zz", false},
		{open, "http://127.0.0.1:9000/", true},
		{open, "http://internal.example/", true},
		{open, "gopher://127.0.0.1/", false},
		{listed, "http://internal.example/", true},
		{listed, "http://a.corp.example/", true},
		{listed, "http://corp.example.evil/", false},
		{listed, "http://127.0.0.1/", false},
	} {
		err := tc.g.CheckURL(context.Background(), tc.url)
		if tc.ok && err != nil {
			t.Errorf("CheckURL(%q) = %v, want ok", tc.url, err)
		}
		if !tc.ok && (rowhouse.ErrorKind(err) != rowhouse.EFORBIDDEN || !strings.HasPrefix(rowhouse.ErrorMessage(err), "Provided url is forbidden: ")) {
			t.Errorf("CheckURL(%q) = %v, want 403 Provided url is forbidden: ...", tc.url, err)
		}
	}
}

// TestCheckURLSaysWhy: a refusal names the kind of address and how an
// operator allows it.
func TestCheckURLSaysWhy(t *testing.T) {
	g := &Guard{LookupIP: func(context.Context, string) ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("fd12::1")}, nil
	}}
	const hint = "; start the server with --webhook-allow-private (ROWHOUSE_WEBHOOK_ALLOW_PRIVATE=1), or list the host in --webhook-allowed-hosts (ROWHOUSE_WEBHOOK_ALLOWED_HOSTS), to allow it"
	for raw, want := range map[string]string{
		"http://127.0.0.1:9/":           "127.0.0.1 is a loopback address" + hint,
		"http://[::1]/":                 "::1 is a loopback address" + hint,
		"http://10.1.2.3/":              "10.1.2.3 is a private address" + hint,
		"http://169.254.169.254/latest": "169.254.169.254 is the cloud metadata address" + hint,
		"http://169.254.1.1/":           "169.254.1.1 is a link-local address" + hint,
		"http://[::ffff:192.168.0.1]/":  "::ffff:192.168.0.1 is a private address" + hint,
		"http://both.example/":          "both.example resolves to fd12::1, a unique-local (private) address" + hint,
		"ftp://93.184.216.34/":          "a webhook URL must be an absolute http or https URL with a host",
	} {
		err := g.CheckURL(context.Background(), raw)
		if got := rowhouse.ErrorMessage(err); got != "Provided url is forbidden: "+want {
			t.Errorf("CheckURL(%q): %q\nwant %q", raw, got, "Provided url is forbidden: "+want)
		}
	}
}

// TestConnectTimeGuard shows the check on the resolved address: a name
// that looked public when saved but resolves to the loopback when
// connecting (DNS rebinding) is refused, as are IP literals, unless the
// host is allowed on purpose.
func TestConnectTimeGuard(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	byName := "http://localhost:" + port + "/hook"

	rebinding := &Guard{LookupIP: fakeLookup(map[string][]string{"localhost": {"93.184.216.34"}})}
	if err := rebinding.CheckURL(context.Background(), byName); err != nil {
		t.Fatalf("save-time check with a public answer: %v", err)
	}
	for _, u := range []string{byName, srv.URL} {
		_, err := rebinding.Client(Timeouts{}).Post(u, "application/json", nil)
		if err == nil || !IsForbiddenDial(err) {
			t.Errorf("POST %s: err %v, want a refused dial", u, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the receiver was reached %d times", n)
	}
	for _, g := range []*Guard{{AllowedHosts: []string{"localhost"}}, {AllowPrivate: true}} {
		resp, err := g.Client(Timeouts{}).Post(byName, "application/json", nil)
		if err != nil {
			t.Fatalf("allowed guard %+v: %v", g, err)
		}
		resp.Body.Close()
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("hits = %d, want 2", n)
	}
	var fe errForbiddenAddr
	_, err := (&Guard{}).Client(Timeouts{}).Get(srv.URL)
	if !errors.As(err, &fe) || fe.addr != "127.0.0.1" {
		t.Errorf("error %v does not name the refused address", err)
	}
}
