package api

import (
	"context"
	"net"
	"net/http"
	"strings"
)

// Hosts maps request host names onto orgs, as Grist's team sites do: with
// BaseDomain example.com, a request to acme.example.com means the org
// whose domain is acme (as /o/acme/ does), docs.example.com the caller's
// personal org, and example.com itself no org in particular. Other host
// names (an address, localhost) name no org either.
type Hosts struct {
	// BaseDomain is the domain team sites are named under; "" turns host
	// names off (only the /o/ prefix names an org).
	BaseDomain string
	// TrustProxy takes the host from X-Forwarded-Host and the scheme from
	// X-Forwarded-Proto, as set by the reverse proxy in front.
	TrustProxy bool
}

// Middleware records the org the request's host name means (see
// OrgDomainFrom) and, behind a trusted proxy, the host and scheme the
// client used, so that links in answers (Origin) point where the client
// can follow them.
func (h Hosts) Middleware(next http.Handler) http.Handler {
	base := normalHost(h.BaseDomain)
	if base == "" && !h.TrustProxy {
		return next // neither host names nor proxy headers: nothing to read
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, host := r.Context(), r.Host
		if h.TrustProxy {
			if fh := firstValue(r.Header.Get("X-Forwarded-Host")); fh != "" {
				host = fh
			}
			if p := strings.ToLower(firstValue(r.Header.Get("X-Forwarded-Proto"))); p == "https" || p == "http" {
				ctx = context.WithValue(ctx, schemeKey{}, p)
			}
		}
		if base != "" {
			if d := HostOrgDomain(host, base); d != "" {
				ctx = WithHostOrgDomain(ctx, d)
			}
		}
		r2 := r.WithContext(ctx)
		r2.Host = host
		next.ServeHTTP(w, r2)
	})
}

// HostOrgDomain returns the org domain that host (with or without a port)
// names under baseDomain: the single label before it ("acme" of
// acme.example.com), "docs" for the personal site, "" for the base domain
// itself, for www, and for hosts outside it.
func HostOrgDomain(host, baseDomain string) string {
	host, base := normalHost(host), normalHost(baseDomain)
	if base == "" || host == base || !UnderDomain(host, base) {
		return ""
	}
	label := strings.TrimSuffix(host, "."+base)
	if label == "" || label == "www" || strings.Contains(label, ".") {
		return ""
	}
	return label
}

// UnderDomain reports whether host (with or without a port) is domain or
// a name under it, in any case.
func UnderDomain(host, domain string) bool {
	host, domain = normalHost(host), normalHost(domain)
	return domain != "" && (host == domain || strings.HasSuffix(host, "."+domain))
}

// normalHost lowercases a host name and drops its port and trailing dot.
func normalHost(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
}

// firstValue is the first of a header's comma-separated values (the one
// the proxy nearest the client set), trimmed.
func firstValue(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return strings.TrimSpace(first)
}

type schemeKey struct{}

// Origin is the scheme and host the client used to reach the server
// ("https://acme.example.com"): TLS, or behind a trusted proxy what it
// said (see Hosts).
func Origin(r *http.Request) string {
	scheme, _ := r.Context().Value(schemeKey{}).(string)
	if scheme == "" {
		scheme = "http"
		if r.TLS != nil {
			scheme = "https"
		}
	}
	return scheme + "://" + r.Host
}
