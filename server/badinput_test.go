package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse/internal/testserver"
)

// invalid is the JSON of a payload validation failure.
func invalid(userError string) string {
	return fmt.Sprintf(`{"error":"Invalid payload","details":{"userError":%q}}`, userError)
}

// notJSON is the answer to a body that is not JSON.
func notJSON(userError string) string {
	return fmt.Sprintf(`{"error":"request body must be JSON","details":{"userError":%q}}`, userError)
}

func plainError(msg string) string { return fmt.Sprintf(`{"error":%q}`, msg) }

// TestBadInput sends malformed, mistyped, incomplete and impossible
// requests, as the owner of everything, and checks the exact error and
// that nothing changed.
func TestBadInput(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tm := w.newTeam(t)
	other := w.newTeam(t) // for domain clashes
	key := w.keys[cOwner]
	r := strings.NewReplacer("{org}", tm.domain, "{ws}", fmt.Sprint(tm.ws), "{doc}", tm.doc, "{other}", other.domain)
	unknownDoc := "AAAAAAAAAAAAAAAAAAAAAA" // the shape of a document id, but no document
	cases := []testserver.Scenario{
		// Decoding, on every kind of body.
		{Method: "POST", URL: "/api/orgs", Body: `{"name":`, Status: 400, JSON: notJSON("malformed JSON: unexpected end of input")},
		{Method: "POST", URL: "/api/orgs", Body: `{"name" "x"}`, Status: 400, JSON: notJSON("malformed JSON at byte 9: invalid character '\"' after object key")},
		{Name: "form-encoded body", Method: "POST", URL: "/api/orgs", Body: `name=Acme&domain=acme`, Status: 400, Error: "request body must be JSON"},
		{Method: "POST", URL: "/api/orgs", Body: `{"name":"x","domain":"new-x"} {}`, Status: 400, JSON: invalid("unexpected data after the JSON value")},
		{Method: "POST", URL: "/api/orgs", Body: `[]`, Status: 400, JSON: invalid("expected an object, got array")},
		{Method: "POST", URL: "/api/orgs", Body: `"team"`, Status: 400, JSON: invalid("expected an object, got string")},
		{Method: "POST", URL: "/api/orgs", Body: `{"name":"x","domain":"new-x","extra":1}`, Status: 400, JSON: invalid(`unknown property "extra"`)},
		{Method: "POST", URL: "/api/orgs", Body: `{"name":1,"domain":"new-x"}`, Status: 400, JSON: invalid("name: expected a string, got number")},
		{Method: "POST", URL: "/api/orgs", Body: `{"name":"x","domain":["new-x"]}`, Status: 400, JSON: invalid("domain: expected a string, got array")},
		{Method: "POST", URL: "/api/orgs", Body: `{"domain":"new-x"}`, Status: 400, JSON: invalid("name is missing")},
		{Method: "POST", URL: "/api/orgs", Body: `{"name":"x"}`, Status: 400, JSON: invalid("domain is missing")},
		{Method: "POST", URL: "/api/orgs", Status: 400, JSON: invalid("name is missing")},
		{Method: "POST", URL: "/api/orgs", Body: `{"name":"","domain":"new-x"}`, Status: 400, JSON: invalid("org name must not be empty")},
		{Method: "POST", URL: "/api/orgs", Body: `{"name":"   ","domain":"new-x"}`, Status: 400, JSON: invalid("org name must not be empty")},
		{Method: "POST", URL: "/api/orgs", Body: fmt.Sprintf(`{"name":%q,"domain":"new-x"}`, strings.Repeat("n", 256)), Status: 400, JSON: invalid("org name is longer than 255 characters")},

		// Domains.
		{Method: "POST", URL: "/api/orgs", Body: `{"name":"x","domain":"Bad Domain"}`, Status: 400, JSON: plainError("Domain must have only lowercase letters, numbers and dashes, and at most 50 characters")},
		{Method: "POST", URL: "/api/orgs", Body: `{"name":"x","domain":""}`, Status: 400, JSON: plainError("Domain must have only lowercase letters, numbers and dashes, and at most 50 characters")},
		{Method: "POST", URL: "/api/orgs", Body: `{"name":"x","domain":"-x"}`, Status: 400, JSON: plainError("Domain must have only lowercase letters, numbers and dashes, and at most 50 characters")},
		{Method: "POST", URL: "/api/orgs", Body: fmt.Sprintf(`{"name":"x","domain":%q}`, strings.Repeat("d", 51)), Status: 400, JSON: plainError("Domain must have only lowercase letters, numbers and dashes, and at most 50 characters")},
		{Method: "POST", URL: "/api/orgs", Body: `{"name":"x","domain":"docs"}`, Status: 400, JSON: plainError(`Domain "docs" is reserved`)},
		{Method: "POST", URL: "/api/orgs", Body: `{"name":"x","domain":"docs-99"}`, Status: 400, JSON: plainError(`Domain "docs-99" is reserved`)},
		{Method: "POST", URL: "/api/orgs", Body: `{"name":"x","domain":"api"}`, Status: 400, JSON: plainError(`Domain "api" is reserved`)},
		{Method: "POST", URL: "/api/orgs", Body: r.Replace(`{"name":"x","domain":"{org}"}`), Status: 400, JSON: plainError("Domain already in use")},
		{Method: "PATCH", URL: "/api/orgs/{org}", Body: `{"domain":"{other}"}`, Status: 400, JSON: plainError("Domain already in use")},
		{Method: "PATCH", URL: "/api/orgs/{org}", Body: `{"domain":"Nope!"}`, Status: 400, JSON: plainError("Domain must have only lowercase letters, numbers and dashes, and at most 50 characters")},
		{Method: "PATCH", URL: "/api/orgs/{org}", Body: `{"name":""}`, Status: 400, JSON: invalid("org name must not be empty")},
		{Method: "PATCH", URL: "/api/orgs/{org}", Body: `{"title":"x"}`, Status: 400, JSON: invalid(`unknown property "title"`)},
		{Method: "PATCH", URL: "/api/orgs/{org}", Body: `{"name":null,"domain":7}`, Status: 400, JSON: invalid("domain: expected a string, got number")},
		{Method: "PATCH", URL: "/api/orgs/docs-1", Body: `{"domain":"mine"}`, Status: 400, JSON: plainError("Cannot change the domain of a personal organization")},

		// Unknown ids.
		{Method: "GET", URL: "/api/orgs/999", Status: 404, JSON: plainError("organization not found")},
		{Method: "GET", URL: "/api/orgs/nosuch", Status: 404, JSON: plainError("organization not found")},
		{Method: "PATCH", URL: "/api/orgs/nosuch", Body: `{"name":"x"}`, Status: 404, JSON: plainError("organization not found")},
		{Method: "DELETE", URL: "/api/orgs/nosuch/nosuch", Status: 404, JSON: plainError("organization not found")},
		{Method: "GET", URL: "/api/orgs/nosuch/access", Status: 404, JSON: plainError("organization not found")},
		{Method: "GET", URL: "/api/orgs/nosuch/workspaces", Status: 404, JSON: plainError("organization not found")},
		{Method: "POST", URL: "/api/orgs/nosuch/workspaces", Body: `{"name":"x"}`, Status: 404, JSON: plainError("organization not found")},
		{Method: "GET", URL: "/api/workspaces/999999", Status: 404, JSON: plainError("workspace not found")},
		{Method: "GET", URL: "/api/workspaces/0", Status: 404, JSON: plainError("workspace not found")},
		{Method: "GET", URL: "/api/workspaces/-3", Status: 404, JSON: plainError("workspace not found")},
		{Method: "GET", URL: "/api/workspaces/abc", Status: 404, JSON: plainError("workspace not found")},
		{Method: "PATCH", URL: "/api/workspaces/999999", Body: `{"name":"x"}`, Status: 404, JSON: plainError("workspace not found")},
		{Method: "DELETE", URL: "/api/workspaces/999999", Status: 404, JSON: plainError("workspace not found")},
		{Method: "POST", URL: "/api/workspaces/999999/docs", Body: `{"name":"x"}`, Status: 404, JSON: plainError("workspace not found")},
		{Method: "GET", URL: "/api/workspaces/999999/access", Status: 404, JSON: plainError("workspace not found")},
		{Method: "GET", URL: "/api/docs/" + unknownDoc, Status: 404, JSON: plainError("document not found")},
		{Method: "GET", URL: "/api/docs/not-a-doc", Status: 404, JSON: plainError("document not found")},
		{Method: "PATCH", URL: "/api/docs/" + unknownDoc, Body: `{"name":"x"}`, Status: 404, JSON: plainError("document not found")},
		{Method: "DELETE", URL: "/api/docs/" + unknownDoc, Status: 404, JSON: plainError("document not found")},
		{Method: "GET", URL: "/api/docs/" + unknownDoc + "/access", Status: 404, JSON: plainError("document not found")},
		{Method: "PATCH", URL: "/api/docs/" + unknownDoc + "/move", Body: `{"workspace":{ws}}`, Status: 404, JSON: plainError("document not found")},
		{Method: "POST", URL: "/api/docs/" + unknownDoc + "/copy", Body: `{"workspaceId":{ws},"documentName":"x"}`, Status: 404, JSON: plainError("document not found")},
		{Method: "DELETE", URL: "/api/orgs/{org}/wrong-name", Status: 400, JSON: plainError(`Invalid name: "wrong-name" must be the domain or the name of the organization, or force-delete`)},

		// Workspaces and documents.
		{Method: "POST", URL: "/api/orgs/{org}/workspaces", Body: `{}`, Status: 400, JSON: invalid("name is missing")},
		{Method: "POST", URL: "/api/orgs/{org}/workspaces", Body: `{"name":""}`, Status: 400, JSON: invalid("workspace name must not be empty")},
		{Method: "POST", URL: "/api/orgs/{org}/workspaces", Body: `{"name":5}`, Status: 400, JSON: invalid("name: expected a string, got number")},
		{Method: "PATCH", URL: "/api/workspaces/{ws}", Body: `{}`, Status: 400, JSON: invalid("name is missing")},
		{Method: "PATCH", URL: "/api/workspaces/{ws}", Body: `{"name":"x","docs":[]}`, Status: 400, JSON: invalid(`unknown property "docs"`)},
		{Method: "POST", URL: "/api/workspaces/{ws}/docs", Body: `{"name":false}`, Status: 400, JSON: invalid("name: expected a string, got bool")},
		{Method: "POST", URL: "/api/workspaces/{ws}/docs", Body: `{"name":" "}`, Status: 400, JSON: invalid("document name must not be empty")},
		{Method: "PATCH", URL: "/api/docs/{doc}", Body: `{"isPinned":"yes"}`, Status: 400, JSON: invalid("isPinned: expected a boolean, got string")},
		{Method: "PATCH", URL: "/api/docs/{doc}", Body: `{"name":""}`, Status: 400, JSON: invalid("document name must not be empty")},
		{Method: "PATCH", URL: "/api/docs/{doc}", Body: `{"urlId":5}`, Status: 400, JSON: invalid("urlId: expected a string or null")},
		{Method: "PATCH", URL: "/api/docs/{doc}", Body: `{"urlId":"has space"}`, Status: 400, JSON: invalid("urlId must have 1 to 64 letters, digits, '-' or '_' and must not look like a document id")},
		{Method: "PATCH", URL: "/api/docs/{doc}", Body: `{"urlId":"` + unknownDoc + `"}`, Status: 400, JSON: invalid("urlId must have 1 to 64 letters, digits, '-' or '_' and must not look like a document id")},
		{Method: "PATCH", URL: "/api/docs/{doc}", Body: `{"workspace":1}`, Status: 400, JSON: invalid(`unknown property "workspace"`)},
		{Method: "PATCH", URL: "/api/docs/{doc}/move", Body: `{}`, Status: 400, JSON: invalid("workspace is missing")},
		{Method: "PATCH", URL: "/api/docs/{doc}/move", Body: `{"workspace":"{ws}"}`, Status: 400, JSON: invalid("workspace: expected an integer, got string")},
		{Method: "PATCH", URL: "/api/docs/{doc}/move", Body: `{"workspace":1.5}`, Status: 400, JSON: invalid("workspace: expected an integer, got number 1.5")},
		{Method: "PATCH", URL: "/api/docs/{doc}/move", Body: `{"workspace":999999}`, Status: 404, JSON: plainError("workspace not found")},
		{Method: "POST", URL: "/api/docs/{doc}/copy", Body: `{}`, Status: 400, JSON: invalid("workspaceId is missing")},
		{Method: "POST", URL: "/api/docs/{doc}/copy", Body: `{"workspaceId":{ws}}`, Status: 400, JSON: invalid("documentName is missing")},
		{Method: "POST", URL: "/api/docs/{doc}/copy", Body: `{"workspaceId":{ws},"documentName":""}`, Status: 400, JSON: invalid("document name must not be empty")},
		{Method: "POST", URL: "/api/docs/{doc}/copy", Body: `{"workspaceId":{ws},"documentName":"x","asTemplate":true}`, Status: 400, JSON: invalid("asTemplate is not supported")},
		{Method: "POST", URL: "/api/docs/{doc}/copy", Body: `{"workspaceId":999999,"documentName":"x"}`, Status: 404, JSON: plainError("workspace not found")},

		// Access deltas.
		{Method: "PATCH", URL: "/api/orgs/{org}/access", Body: `{}`, Status: 400, JSON: invalid("delta is missing")},
		{Method: "PATCH", URL: "/api/orgs/{org}/access", Body: `{"users":{}}`, Status: 400, JSON: invalid(`unknown property "users"`)},
		{Method: "PATCH", URL: "/api/orgs/{org}/access", Body: `{"delta":{"users":{"x@example.com":"kings"}}}`, Status: 400, JSON: invalid(`invalid role "kings" for x@example.com`)},
		{Method: "PATCH", URL: "/api/orgs/{org}/access", Body: `{"delta":{"users":{"x@example.com":"guests"}}}`, Status: 400, JSON: invalid(`invalid role "guests" for x@example.com`)},
		{Method: "PATCH", URL: "/api/orgs/{org}/access", Body: `{"delta":{"users":{"x@example.com":5}}}`, Status: 400, JSON: invalid("delta.users: expected a string, got number")},
		{Method: "PATCH", URL: "/api/orgs/{org}/access", Body: `{"delta":{"users":{"not-an-email":"viewers"}}}`, Status: 400, JSON: invalid(`invalid email address "not-an-email"`)},
		{Method: "PATCH", URL: "/api/orgs/{org}/access", Body: `{"delta":{"users":{"x@example.com":"viewers","y@example.com":"kings"}}}`, Status: 400, JSON: invalid(`invalid role "kings" for y@example.com`)},
		{Method: "PATCH", URL: "/api/orgs/{org}/access", Body: `{"delta":{"maxInheritedRole":"viewers"}}`, Status: 400, JSON: invalid("maxInheritedRole is not allowed on organizations")},
		{Method: "PATCH", URL: "/api/orgs/{org}/access", Body: `{"delta":{"users":{"owner@example.com":"viewers"}}}`, Status: 400, JSON: plainError("Bad request: cannot change your own access")},
		{Method: "PATCH", URL: "/api/orgs/{org}/access", Body: `{"delta":{"users":{"OWNER@example.com ":null}}}`, Status: 400, JSON: plainError("Bad request: cannot change your own access")},
		{Method: "PATCH", URL: "/api/workspaces/{ws}/access", Body: `{"delta":{"users":{"x@example.com":"members"}}}`, Status: 400, JSON: invalid(`invalid role "members" for x@example.com`)},
		{Method: "PATCH", URL: "/api/workspaces/{ws}/access", Body: `{"delta":{"maxInheritedRole":"kings"}}`, Status: 400, JSON: invalid(`invalid maxInheritedRole "kings"`)},
		{Method: "PATCH", URL: "/api/workspaces/{ws}/access", Body: `{"delta":{"maxInheritedRole":"members"}}`, Status: 400, JSON: invalid(`invalid maxInheritedRole "members"`)},
		{Method: "PATCH", URL: "/api/workspaces/{ws}/access", Body: `{"delta":{"maxInheritedRole":3}}`, Status: 400, JSON: invalid("maxInheritedRole: expected a role or null")},
		{Method: "PATCH", URL: "/api/workspaces/{ws}/access", Body: `{"delta":{"users":{"owner@example.com":"editors"}}}`, Status: 400, JSON: plainError("Bad request: cannot change your own access")},
		{Method: "PATCH", URL: "/api/docs/{doc}/access", Body: `{"delta":{"users":{"x@example.com":"members"}}}`, Status: 400, JSON: invalid(`invalid role "members" for x@example.com`)},
		{Method: "PATCH", URL: "/api/docs/{doc}/access", Body: `{"delta":{"maxInheritedRole":"admins"}}`, Status: 400, JSON: invalid(`invalid maxInheritedRole "admins"`)},
		{Method: "PATCH", URL: "/api/docs/{doc}/access", Body: `{"delta":{"users":{"owner@example.com":null}}}`, Status: 400, JSON: plainError("Bad request: cannot change your own access")},
		{Method: "PATCH", URL: "/api/docs/{doc}/access", Body: `{"delta":[]}`, Status: 400, JSON: invalid("delta: expected an object, got array")},

		// API keys.
		{Method: "POST", URL: "/api/profile/apikeys", Body: `{}`, Status: 400, JSON: invalid("name is missing")},
		{Method: "POST", URL: "/api/profile/apikeys", Body: `{"name":"  "}`, Status: 400, JSON: invalid("name must be 1 to 100 characters")},
		{Method: "POST", URL: "/api/profile/apikeys", Body: fmt.Sprintf(`{"name":%q}`, strings.Repeat("k", 101)), Status: 400, JSON: invalid("name must be 1 to 100 characters")},
		{Method: "POST", URL: "/api/profile/apikeys", Body: `{"name":"main"}`, Status: 400, JSON: plainError(`an API key named "main" already exists`)},
		{Method: "POST", URL: "/api/profile/apikeys", Body: `{"name":"k","expiresAt":"tomorrow"}`, Status: 400, JSON: invalid("expiresAt must be an RFC 3339 date and time, e.g. 2030-01-31T00:00:00Z")},
		{Method: "POST", URL: "/api/profile/apikeys", Body: `{"name":"k","expiresAt":"2020-01-01T00:00:00Z"}`, Status: 400, JSON: invalid("expiresAt must be in the future")},
		{Method: "POST", URL: "/api/profile/apikeys", Body: `{"name":"k","scopes":{"docs":["` + unknownDoc + `"]}}`, Status: 400, JSON: invalid("scopes.docs: " + unknownDoc + ": document not found")},
		{Method: "POST", URL: "/api/profile/apikeys", Body: `{"name":"k","scopes":{"docs":"{doc}"}}`, Status: 400, JSON: invalid("scopes.docs: expected an array, got string")},
		{Method: "POST", URL: "/api/profile/apikeys", Body: `{"name":"k","scopes":{"write":false}}`, Status: 400, JSON: invalid(`unknown property "write"`)},
		{Method: "DELETE", URL: "/api/profile/apikeys/abc", Status: 404, JSON: plainError("API key not found")},
		{Method: "DELETE", URL: "/api/profile/apikeys/999999", Status: 404, JSON: plainError("API key not found")},
		{Method: "POST", URL: "/api/profile/apikey", Body: `{"force":"yes"}`, Status: 400, JSON: invalid("force: expected a boolean, got string")},
	}
	// Someone else's key is not found either.
	strangerKeys, err := w.s.Keys.List(t.Context(), w.actor(cStranger))
	if err != nil || len(strangerKeys) == 0 {
		t.Fatal(strangerKeys, err)
	}
	cases = append(cases, testserver.Scenario{Method: "DELETE", URL: fmt.Sprintf("/api/profile/apikeys/%d", strangerKeys[0].ID), Status: 404, JSON: plainError("API key not found")})

	for _, sc := range cases {
		sc.URL = r.Replace(sc.URL)
		if b, ok := sc.Body.(string); ok {
			sc.Body = r.Replace(b)
		}
		sc.Key = key
		name := sc.Method + " " + sc.URL
		if b, ok := sc.Body.(string); ok {
			name += " " + b
		}
		if len(name) > 120 {
			name = name[:120]
		}
		t.Run(name, func(t *testing.T) {
			before := w.snapshot(t, tm)
			otherBefore := w.snapshot(t, other)
			sc.Test(t, w.s)
			if after := w.snapshot(t, tm); after != before {
				t.Errorf("the request changed something:\nbefore %s\nafter  %s", before, after)
			}
			if after := w.snapshot(t, other); after != otherBefore {
				t.Errorf("the request changed another org:\nbefore %s\nafter  %s", otherBefore, after)
			}
		})
	}
}
