package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

// TestHostOrgDomain covers how a host name maps onto an org under a base
// domain.
func TestHostOrgDomain(t *testing.T) {
	t.Parallel()
	cases := []struct{ host, base, want string }{
		{"acme.example.com", "example.com", "acme"},
		{"ACME.Example.COM:8484", "example.com", "acme"},
		{"acme.example.com.", "example.com.", "acme"},
		{"docs.example.com", "example.com", "docs"},
		{"example.com", "example.com", ""},
		{"example.com:80", "example.com", ""},
		{"www.example.com", "example.com", ""},
		{"a.b.example.com", "example.com", ""},
		{"acme.example.org", "example.com", ""},
		{"badexample.com", "example.com", ""},
		{"127.0.0.1:8484", "example.com", ""},
		{"[::1]:8484", "example.com", ""},
		{"acme.example.com", "", ""},
	}
	for _, c := range cases {
		if got := api.HostOrgDomain(c.host, c.base); got != c.want {
			t.Errorf("HostOrgDomain(%q, %q) = %q, want %q", c.host, c.base, got, c.want)
		}
	}
}

// TestTeamSitesByHost covers --base-domain: a request to <org>.example.com
// means that org as /o/<org>/ does (current, org-scoped routes, documents
// of other orgs not found), docs.example.com the caller's personal org,
// the bare domain no org; the /o/ prefix still wins; links in the OpenAPI
// document use the request's host; X-Forwarded-Host counts only behind a
// trusted proxy.
func TestTeamSitesByHost(t *testing.T) {
	t.Parallel()
	sw := newShapeWorld(t, testserver.WithBaseDomain("example.com"))
	if res := sw.s.Do(t, "POST", "/api/orgs", sw.key, map[string]any{"name": "Other", "domain": "other"}); res.Status != 200 {
		t.Fatalf("create org: %d %s", res.Status, res.Body)
	}
	host := func(h string) map[string]string { return map[string]string{"Host": h} }
	team := `{"id":3,"name":"Team","domain":"team","host":null,"owner":null,"access":"owners","createdAt":"{t}","updatedAt":"{t}"}`
	personal := `{"id":1,"name":"Personal","domain":"docs-1","host":null,"owner":{"id":1,"name":"owner","picture":null},"access":"owners","createdAt":"{t}","updatedAt":"{t}"}`
	docNotFound := `{"error":"document not found"}`
	cases := []testserver.Scenario{
		{Name: "a team site", Method: "GET", URL: "/api/orgs/current", Headers: host("team.example.com"), Key: sw.key, Status: 200, JSON: team},
		{Name: "host names are case-blind and may carry a port", Method: "GET", URL: "/api/orgs/current", Headers: host("TEAM.Example.com:8484"), Key: sw.key, Status: 200, JSON: team},
		{Name: "docs is the personal site", Method: "GET", URL: "/api/orgs/current", Headers: host("docs.example.com"), Key: sw.key, Status: 200, JSON: personal},
		{Name: "the bare domain is as before", Method: "GET", URL: "/api/orgs/current", Headers: host("example.com"), Key: sw.key, Status: 200, JSON: personal},
		{Name: "a host outside the base domain is as before", Method: "GET", URL: "/api/orgs/current", Headers: host("127.0.0.1:8484"), Key: sw.key, Status: 200, JSON: personal},
		{Name: "no org has that domain", Method: "GET", URL: "/api/orgs/current", Headers: host("nosuch.example.com"), Key: sw.key, Status: 404, JSON: `{"error":"organization not found"}`},
		{Name: "the anonymous user has no personal site", Method: "GET", URL: "/api/orgs/current", Headers: host("docs.example.com"), Status: 404, JSON: `{"error":"organization not found"}`},
		{Name: "workspaces of the team site", Method: "GET", URL: "/api/orgs/current/workspaces", Headers: host("team.example.com"), Key: sw.key, Status: 200,
			Contains: []string{`"name":"Projects"`, `"orgDomain":"team"`}, NotContains: []string{`"orgDomain":"docs-1"`}},
		{Name: "a workspace made on a team site is in it", Method: "POST", URL: "/api/orgs/current/workspaces", Headers: host("team.example.com"), Key: sw.key,
			Body: map[string]any{"name": "By host"}, Status: 200, JSON: `"<int>"`,
			Check: func(t *testing.T, res *testserver.Response) {
				ws := sw.s.Do(t, "GET", "/api/workspaces/"+strings.TrimSpace(string(res.Body)), sw.key, nil)
				if org := obj(t, obj(t, ws.JSON)["org"]); org["domain"] != "team" {
					t.Errorf("workspace made on team.example.com is in %v", org["domain"])
				}
			}},
		{Name: "a document of the site", Method: "GET", URL: "/api/docs/{doc}", Headers: host("team.example.com"), Key: sw.key, Status: 200, Contains: []string{`"id":"{doc}"`}},
		{Name: "a document of the site's tables", Method: "GET", URL: "/api/docs/{doc}/tables", Headers: host("team.example.com"), Key: sw.key, Status: 200, Contains: []string{`"tables":`}},
		{Name: "a document through another site", Method: "GET", URL: "/api/docs/{doc}", Headers: host("other.example.com"), Key: sw.key, Status: 404, JSON: docNotFound},
		{Name: "a document through the personal site", Method: "GET", URL: "/api/docs/{doc}/tables", Headers: host("docs.example.com"), Key: sw.key, Status: 404, JSON: docNotFound},
		{Name: "a write through another site", Method: "PATCH", URL: "/api/docs/{doc}", Headers: host("other.example.com"), Key: sw.key, Body: map[string]any{"name": "Hijacked"}, Status: 404, JSON: docNotFound},
		{Name: "a workspace through another site", Method: "GET", URL: "/api/workspaces/{ws}", Headers: host("other.example.com"), Key: sw.key, Status: 404, JSON: `{"error":"workspace not found"}`},
		{Name: "the /o/ prefix wins over the host", Method: "GET", URL: "/o/team/api/docs/{doc}", Headers: host("other.example.com"), Key: sw.key, Status: 200, Contains: []string{`"id":"{doc}"`}},
		{Name: "X-Forwarded-Host is not trusted by default", Method: "GET", URL: "/api/orgs/current", Key: sw.key,
			Headers: map[string]string{"Host": "127.0.0.1", "X-Forwarded-Host": "team.example.com"}, Status: 200, JSON: personal},
		{Name: "the OpenAPI servers name the site's host, without a prefix", Method: "GET", URL: "/api/docs/{doc}/openapi.json", Headers: host("team.example.com"), Key: sw.key, Status: 200,
			Contains: []string{`"url":"http://team.example.com"`}, NotContains: []string{"/o/team"}},
		{Name: "the OpenAPI servers keep a prefix", Method: "GET", URL: "/o/team/api/docs/{doc}/openapi.json", Headers: host("example.com"), Key: sw.key, Status: 200,
			Contains: []string{`"url":"http://example.com/o/team"`}},
		{Name: "the document is untouched", Method: "GET", URL: "/api/docs/{doc}", Key: sw.key, Status: 200, Contains: []string{`"name":"Plan"`}, NotContains: []string{"Hijacked"}},
	}
	sw.run(t, cases)
}

// TestTeamSitesBehindProxy covers --trust-proxy with --base-domain: the
// host and scheme the client used come from X-Forwarded-Host and
// X-Forwarded-Proto.
func TestTeamSitesBehindProxy(t *testing.T) {
	t.Parallel()
	sw := newShapeWorld(t, testserver.WithBaseDomain("example.com"), testserver.WithTrustProxy())
	fwd := map[string]string{"Host": "127.0.0.1:8484", "X-Forwarded-Host": "team.example.com", "X-Forwarded-Proto": "https"}
	cases := []testserver.Scenario{
		{Name: "the forwarded host names the site", Method: "GET", URL: "/api/orgs/current", Headers: fwd, Key: sw.key, Status: 200, Contains: []string{`"domain":"team"`}},
		{Name: "links use the forwarded host and scheme", Method: "GET", URL: "/api/docs/{doc}/openapi.json", Headers: fwd, Key: sw.key, Status: 200,
			Contains: []string{`"url":"https://team.example.com"`}},
		{Name: "the first of several forwarded hosts counts", Method: "GET", URL: "/api/orgs/current", Key: sw.key, Status: 200, Contains: []string{`"domain":"docs-1"`},
			Headers: map[string]string{"Host": "team.example.com", "X-Forwarded-Host": "docs.example.com, team.example.com"}},
	}
	sw.run(t, cases)
}

// TestTeamSitesSessionCookie covers browser sessions across sites: signed
// in on one site, the cookie is for the base domain, and the session
// works on the others, CSRF token included.
func TestTeamSitesSessionCookie(t *testing.T) {
	t.Parallel()
	s := testserver.New(t, testserver.WithBaseDomain("example.com"))
	u, key := s.UserWithKey("owner@example.com")
	if res := s.Do(t, "POST", "/api/orgs", key, map[string]any{"name": "Team", "domain": "team"}); res.Status != 200 {
		t.Fatalf("create org: %d %s", res.Status, res.Body)
	}
	s.SetPassword(u, "correct horse battery")
	const token = "hostsTestSignInTokenAbcdefghijkl"
	res := s.Send(t, testserver.Request{Method: "POST", Path: "/login", Body: "email=owner%40example.com&password=correct+horse+battery&csrf=" + token,
		Headers: map[string]string{"Host": "team.example.com", "Content-Type": "application/x-www-form-urlencoded", "Cookie": "rowhouse_login=" + token}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("sign in on team.example.com: %d %s", res.Status, res.Body)
	}
	var session *http.Cookie
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == "rowhouse_session" {
			session = c
		}
	}
	if session == nil || session.Domain != "example.com" {
		t.Fatalf("session cookie %+v, want one for Domain=example.com", session)
	}
	b := s.SignIn(t, "owner@example.com", "correct horse battery")
	for _, h := range []string{"docs.example.com", "team.example.com", "example.com"} {
		cookie := map[string]string{"Host": h, "Cookie": "rowhouse_session=" + session.Value}
		if res := s.Send(t, testserver.Request{Method: "GET", Path: "/api/orgs/current", Headers: cookie}); res.Status != 200 {
			t.Errorf("GET /api/orgs/current on %s with the session: %d %s", h, res.Status, res.Body)
		}
	}
	// A cookie-authenticated write on another site than the sign-in's
	// needs the session's CSRF token, as on the first.
	write := func(csrf string) *testserver.Response {
		hd := map[string]string{"Host": "team.example.com", "Cookie": b.Cookie}
		if csrf != "" {
			hd["X-CSRF-Token"] = csrf
		}
		return s.Send(t, testserver.Request{Method: "POST", Path: "/api/orgs/current/workspaces", Body: map[string]any{"name": "From the browser"}, Headers: hd})
	}
	if res := write(""); res.Status != http.StatusForbidden {
		t.Errorf("write without the CSRF token: %d %s, want 403", res.Status, res.Body)
	}
	if res := write(b.CSRF); res.Status != 200 {
		t.Errorf("write with the CSRF token: %d %s", res.Status, res.Body)
	}
}
