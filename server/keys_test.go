package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	s := testserver.New(t)
	_, key := s.UserWithKey("owner@example.com") // key 1, "main"
	invalidKey := `{"error":"Bad request: invalid API key"}`
	me := `{"id":1,"email":"owner@example.com","name":"owner","ref":"<str>"}`

	// Creating shows the key once.
	res := testserver.Scenario{Method: "POST", URL: "/api/profile/apikeys", Key: key, Body: map[string]any{"name": "ci"}, Status: 200,
		JSON: `{"id":2,"name":"ci","key":"<str>","prefix":"<str>","scopes":{},"expiresAt":null,"lastUsedAt":null,"createdAt":"` + testserver.EpochJSON + `"}`,
	}.Test(t, s)
	created := obj(t, res.JSON)
	secret, prefix := created["key"].(string), created["prefix"].(string)
	if !strings.HasPrefix(secret, auth.KeyPrefix) || !strings.HasPrefix(secret, prefix) || len(prefix) >= len(secret)/2 {
		t.Fatalf("key %q, prefix %q", secret, prefix)
	}
	testserver.Scenario{Name: "the new key works", Method: "GET", URL: "/api/profile/user", Key: secret, Status: 200, JSON: me}.Run(t, s)

	s.Clock.Advance(time.Second)
	exp := "2024-03-04T05:07:08.089Z" // one minute after the clock
	res = testserver.Scenario{Name: "an expiring, scoped key", Method: "POST", URL: "/api/profile/apikeys", Key: key,
		Body: map[string]any{"name": "short", "expiresAt": "2024-03-04T06:07:08.089+01:00", "scopes": map[string]any{"readOnly": true}}, Status: 200,
		JSON: `{"id":3,"name":"short","key":"<str>","prefix":"<str>","scopes":{"readOnly":true},"expiresAt":"` + exp + `","lastUsedAt":null,"createdAt":"2024-03-04T05:06:08.089Z"}`,
	}.Test(t, s)
	short := obj(t, res.JSON)["key"].(string)

	cases := []testserver.Scenario{
		{Name: "listing never shows a key", Method: "GET", URL: "/api/profile/apikeys", Key: key, Status: 200,
			JSON: `[` +
				`{"id":1,"name":"main","prefix":"<str>","scopes":{},"expiresAt":null,"lastUsedAt":"{t}","createdAt":"{t}"},` +
				`{"id":2,"name":"ci","prefix":"` + prefix + `","scopes":{},"expiresAt":null,"lastUsedAt":"{t}","createdAt":"{t}"},` +
				`{"id":3,"name":"short","prefix":"<str>","scopes":{"readOnly":true},"expiresAt":"` + exp + `","lastUsedAt":null,"createdAt":"2024-03-04T05:06:08.089Z"}]`,
			NotContains: []string{secret, short, `"key"`}},
		{Name: "the expiring key works", Method: "GET", URL: "/api/profile/user", Key: short, Status: 200, JSON: me},
		{Name: "a read-only key reads", Method: "GET", URL: "/api/orgs/current", Key: short, Status: 200, Contains: []string{`"domain":"docs-1"`}},
		{Name: "a read-only key does not write", Method: "POST", URL: "/api/orgs", Key: short, Body: map[string]any{"name": "x", "domain": "x"}, Status: 403, JSON: `{"error":"API key is read-only"}`},
		{Name: "revoking", Method: "DELETE", URL: "/api/profile/apikeys/2", Key: key, Status: 200, JSON: `null`},
		{Name: "a revoked key is invalid", Method: "GET", URL: "/api/profile/user", Key: secret, Status: 401, JSON: invalidKey},
		{Name: "revoking twice", Method: "DELETE", URL: "/api/profile/apikeys/2", Key: key, Status: 404, JSON: `{"error":"API key not found"}`},
		{Name: "a key can revoke itself", Method: "DELETE", URL: "/api/profile/apikeys/1", Key: key, Status: 200, JSON: `null`},
		{Name: "and is then invalid", Method: "GET", URL: "/api/orgs", Key: key, Status: 401, JSON: invalidKey},
	}
	for _, sc := range cases {
		sc.JSON = strings.ReplaceAll(sc.JSON, "{t}", testserver.EpochJSON)
		sc.Run(t, s)
	}
	s.Clock.Advance(time.Minute)
	testserver.Scenario{Name: "an expired key is invalid", Method: "GET", URL: "/api/profile/user", Key: short, Status: 401, JSON: invalidKey}.Run(t, s)
}

// TestDefaultAPIKey covers Grist's single-key endpoints, which manage the
// key named "default".
func TestDefaultAPIKey(t *testing.T) {
	t.Parallel()
	s := testserver.New(t)
	_, key := s.UserWithKey("owner@example.com")
	cases := []testserver.Scenario{
		{Name: "no default key yet", Method: "GET", URL: "/api/profile/apikey", Key: key, Status: 200, JSON: `null`},
		{Name: "create", Method: "POST", URL: "/api/profile/apikey", Key: key, Status: 200},
	}
	for _, sc := range cases {
		sc.Run(t, s)
	}
	res := s.Do(t, "POST", "/api/profile/apikey", key, map[string]any{"force": true})
	first := string(res.Body)
	if res.Status != 200 || !strings.HasPrefix(first, auth.KeyPrefix) || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("force: %d %q %q", res.Status, res.Header.Get("Content-Type"), first)
	}
	cases = []testserver.Scenario{
		{Name: "the default key works", Method: "GET", URL: "/api/profile/user", Key: first, Status: 200, Contains: []string{`"email":"owner@example.com"`}},
		{Name: "without force it is kept", Method: "POST", URL: "/api/profile/apikey", Key: key, Body: `{}`, Status: 400,
			JSON: `{"error":"An apikey is already set, use ` + "`{\\\"force\\\": true}`" + ` to override it."}`},
		{Name: "still the same key", Method: "GET", URL: "/api/profile/user", Key: first, Status: 200},
		{Name: "its metadata, never the key", Method: "GET", URL: "/api/profile/apikey", Key: key, Status: 200,
			JSON:        `{"id":3,"name":"default","prefix":"` + first[:9] + `","scopes":{},"expiresAt":null,"lastUsedAt":"<str>","createdAt":"` + testserver.EpochJSON + `"}`,
			NotContains: []string{first}},
	}
	for _, sc := range cases {
		sc.Run(t, s)
	}
	res = s.Do(t, "POST", "/api/profile/apikey", first, map[string]any{"force": true})
	second := string(res.Body)
	if res.Status != 200 || second == first {
		t.Fatalf("force again: %d %q", res.Status, second)
	}
	cases = []testserver.Scenario{
		{Name: "the replaced key is invalid", Method: "GET", URL: "/api/profile/user", Key: first, Status: 401, JSON: `{"error":"Bad request: invalid API key"}`},
		{Name: "the new one works", Method: "GET", URL: "/api/profile/user", Key: second, Status: 200},
		{Name: "delete", Method: "DELETE", URL: "/api/profile/apikey", Key: key, Status: 200,
			Check: func(t *testing.T, res *testserver.Response) {
				if string(res.Body) != "OK" {
					t.Errorf("body %q, want OK", res.Body)
				}
			}},
		{Name: "the deleted key is invalid", Method: "GET", URL: "/api/profile/user", Key: second, Status: 401, JSON: `{"error":"Bad request: invalid API key"}`},
		{Name: "no default key any more", Method: "GET", URL: "/api/profile/apikey", Key: key, Status: 200, JSON: `null`},
		{Name: "deleting none is fine", Method: "DELETE", URL: "/api/profile/apikey", Key: key, Status: 200},
		{Name: "other keys are untouched", Method: "GET", URL: "/api/profile/apikeys", Key: key, Status: 200,
			Check: func(t *testing.T, res *testserver.Response) {
				if l := arr(t, res.JSON); len(l) != 1 || obj(t, l[0])["name"] != "main" {
					t.Errorf("got %s", res.Body)
				}
			}},
	}
	for _, sc := range cases {
		sc.Run(t, s)
	}
}

// TestScopedKey checks a key limited to one document.
func TestScopedKey(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tm := w.newTeam(t)
	other := w.newTeam(t)
	res := w.s.Do(t, "POST", "/api/profile/apikeys", w.keys[cEditor], map[string]any{"name": "one doc", "scopes": map[string]any{"docs": []string{tm.doc}}})
	if res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if got := fmt.Sprint(obj(t, obj(t, res.JSON)["scopes"])["docs"]); got != "["+tm.doc+"]" {
		t.Errorf("scopes.docs %s", got)
	}
	scoped := obj(t, res.JSON)["key"].(string)
	cases := []testserver.Scenario{
		{Method: "GET", URL: "/api/docs/" + tm.doc, Key: scoped, Status: 200, Contains: []string{`"access":"editors"`}},
		{Method: "PATCH", URL: "/api/docs/" + tm.doc, Key: scoped, Body: map[string]any{"name": "Scoped rename"}, Status: 200, JSON: fmt.Sprintf("%q", tm.doc)},
		{Method: "GET", URL: "/api/docs/" + other.doc, Key: scoped, Status: 403, JSON: `{"error":"API key is not allowed to access this document"}`},
		{Method: "PATCH", URL: "/api/docs/" + other.doc, Key: scoped, Body: map[string]any{"name": "x"}, Status: 403, JSON: `{"error":"API key is not allowed to access this document"}`},
		{Method: "GET", URL: "/api/orgs", Key: scoped, Status: 403, JSON: `{"error":"API key is limited to documents"}`},
		{Method: "GET", URL: fmt.Sprintf("/api/workspaces/%d", tm.ws), Key: scoped, Status: 403, JSON: `{"error":"API key is limited to documents"}`},
		{Name: "a scoped key may not mint a wider one", Method: "POST", URL: "/api/profile/apikeys", Key: scoped, Body: map[string]any{"name": "wider"}, Status: 403,
			JSON: `{"error":"a limited API key cannot manage API keys"}`},
		{Name: "keys cannot be scoped to a doc their user cannot see", Method: "POST", URL: "/api/profile/apikeys", Key: w.keys[cStranger],
			Body: map[string]any{"name": "sneaky", "scopes": map[string]any{"docs": []string{tm.doc}}}, Status: 400, JSON: invalid("scopes.docs: " + tm.doc + ": No view access")},
	}
	for _, sc := range cases {
		sc.Run(t, w.s)
	}
}
