package server_test

import (
	"testing"

	"github.com/rowhouse/rowhouse/internal/testserver"
)

// TestWrongMethod: a known path asked with a method it does not answer
// is 405 with Allow listing those it does, in the JSON error shape; an
// unknown path stays a 404.
func TestWrongMethod(t *testing.T) {
	s := testserver.New(t)
	_, key := s.UserWithKey("owner@example.com")
	const doc = "AAAAAAAAAAAAAAAAAAAAAA"
	for _, tc := range []struct {
		method, path, allow string
	}{
		{"DELETE", "/api/docs/" + doc + "/tables/T/records", "GET, HEAD, POST, PUT, PATCH"},
		{"GET", "/api/docs/" + doc + "/tables/T/records/delete", "POST"},
		{"POST", "/api/orgs/1", "GET, HEAD, PATCH"},
		{"PUT", "/healthz", "GET, HEAD"},
		{"DELETE", "/o/docs-1/api/orgs", "GET, HEAD, POST"},
	} {
		testserver.Scenario{Name: tc.method + " " + tc.path, Method: tc.method, URL: tc.path, Key: key, Status: 405,
			Error: "method " + tc.method + " is not allowed on " + tc.path[len(prefixOf(tc.path)):] + " (allowed: " + tc.allow + ")",
			Check: func(t *testing.T, res *testserver.Response) {
				if got := res.Header.Get("Allow"); got != tc.allow {
					t.Errorf("Allow %q, want %q", got, tc.allow)
				}
			}}.Run(t, s)
	}
	testserver.Scenario{Name: "unknown path", Method: "DELETE", URL: "/api/nope", Key: key, Status: 404, Error: "not found: /api/nope"}.Run(t, s)
}

// prefixOf is the /o/{domain} prefix of a path, "" if none: the error
// names the path as the API routes see it.
func prefixOf(path string) string {
	if len(path) > 3 && path[:3] == "/o/" {
		for i := 3; i < len(path); i++ {
			if path[i] == '/' {
				return path[:i]
			}
		}
	}
	return ""
}
