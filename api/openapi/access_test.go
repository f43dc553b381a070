package openapi_test

import (
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

// Who may read a document's description: its viewers, editors and owners;
// everyone else gets exactly what the document's other routes answer
// (GET .../tables is the reference), and a document reached under another
// org's /o/{orgDomain} prefix is absent. The fixed description is public,
// as the rest of /api serves anonymous callers; a bad key is 401 on both.
func TestAccess(t *testing.T) {
	f := newFixture(t)
	owner := f.s.User("owner@example.com")
	otherDoc := idOf(t, f.must(t, "POST", "/api/workspaces/"+itoa(f.wsID)+"/docs", map[string]any{"name": "Other"}))
	scoped := f.s.Key(owner, auth.NewKey{Name: "scoped", Scopes: rowhouse.KeyScopes{Docs: []string{otherDoc}}})
	readOnly := f.s.Key(owner, auth.NewKey{Name: "read-only", Scopes: rowhouse.KeyScopes{ReadOnly: true}})
	revoked := f.s.Key(owner, auth.NewKey{Name: "revoked"})
	keys := f.s.Do(t, "GET", "/api/profile/apikeys", revoked, nil)
	for _, k := range keys.JSON.([]any) {
		if m := k.(map[string]any); m["name"] == "revoked" {
			f.must(t, "DELETE", "/api/profile/apikeys/"+idOf(t, &testserver.Response{JSON: m["id"]}), nil)
		}
	}

	doc := f.docPath("/openapi.json")
	for _, tc := range []struct {
		name, key, path, ref string
		status               int
		err                  string
	}{
		{"owner", f.owner, doc, f.docPath("/tables"), 200, ""},
		{"editor", f.editor, doc, f.docPath("/tables"), 200, ""},
		{"viewer", f.viewer, doc, f.docPath("/tables"), 200, ""},
		{"read-only key", readOnly, doc, f.docPath("/tables"), 200, ""},
		{"stranger", f.strange, doc, f.docPath("/tables"), 403, "No view access"},
		{"anonymous", "", doc, f.docPath("/tables"), 403, "No view access"},
		{"key scoped to another document", scoped, doc, f.docPath("/tables"), 403, "API key is not allowed to access this document"},
		{"revoked key", revoked, doc, f.docPath("/tables"), 401, "Bad request: invalid API key"},
		{"unknown document", f.owner, "/api/docs/AAAAAAAAAAAAAAAAAAAAAA/openapi.json", "/api/docs/AAAAAAAAAAAAAAAAAAAAAA/tables", 404, "document not found"},
		{"right org prefix", f.viewer, "/o/acme" + doc, "/o/acme" + f.docPath("/tables"), 200, ""},
		{"wrong org prefix", f.owner, "/o/docs" + doc, "/o/docs" + f.docPath("/tables"), 404, "document not found"},
		{"wrong org prefix, stranger", f.strange, "/o/other" + doc, "/o/other" + f.docPath("/tables"), 404, "document not found"},
		{"fixed, anonymous", "", "/api/openapi.json", "/api/orgs", 200, ""},
		{"fixed, scoped key", scoped, "/api/openapi.json", "", 200, ""},
		{"fixed, revoked key", revoked, "/api/openapi.json", "/api/orgs", 401, "Bad request: invalid API key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testserver.Scenario{Method: "GET", URL: tc.path, Key: tc.key, Status: tc.status, Error: tc.err}.Test(t, f.s)
			if tc.ref != "" {
				testserver.Scenario{Method: "GET", URL: tc.ref, Key: tc.key, Status: tc.status, Error: tc.err}.Test(t, f.s)
			}
		})
	}

	// Other methods are refused as on the rest of /api: 405 with Allow.
	for _, path := range []string{"/api/openapi.json", doc} {
		testserver.Scenario{Method: "POST", URL: path, Key: f.owner, Body: map[string]any{}, Status: 405,
			Error: "method POST is not allowed on " + path + " (allowed: GET, HEAD)"}.Test(t, f.s)
	}

	// Under a prefix, the servers carry it, so that paths stay /api/...
	for _, path := range []string{"/o/acme" + doc, "/o/acme/api/openapi.json"} {
		res := f.s.Do(t, "GET", path, f.viewer, nil)
		spec := loadSpec(t, res.Body)
		if got := spec.Servers[0].URL; got != "http://example.com/o/acme" {
			t.Errorf("%s: server %q", path, got)
		}
	}
}
