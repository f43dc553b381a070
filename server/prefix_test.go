package server_test

import (
	"testing"

	"github.com/rowhouse/rowhouse/internal/testserver"
)

// TestOrgPrefix covers /o/{orgDomain}/api/...: "current" is that org,
// /o/docs/ is the caller's personal org, and a workspace or document
// reached under another org's prefix is not found, whatever the caller's
// access, and is left alone.
func TestOrgPrefix(t *testing.T) {
	t.Parallel()
	sw := newShapeWorld(t)
	if res := sw.s.Do(t, "POST", "/api/orgs", sw.key, map[string]any{"name": "Other", "domain": "other"}); res.Status != 200 {
		t.Fatalf("create org: %d %s", res.Status, res.Body)
	}
	_, strangerKey := sw.s.UserWithKey("stranger@example.com")
	team := `{"id":3,"name":"Team","domain":"team","host":null,"owner":null,"access":"owners","createdAt":"{t}","updatedAt":"{t}"}`
	personal := `{"id":1,"name":"Personal","domain":"docs-1","host":null,"owner":{"id":1,"name":"owner","picture":null},"access":"owners","createdAt":"{t}","updatedAt":"{t}"}`
	docNotFound := `{"error":"document not found"}`
	wsNotFound := `{"error":"workspace not found"}`
	cases := []testserver.Scenario{
		{Method: "GET", URL: "/o/team/api/orgs/current", Key: sw.key, Status: 200, JSON: team},
		{Method: "GET", URL: "/o/docs/api/orgs/current", Key: sw.key, Status: 200, JSON: personal},
		{Method: "GET", URL: "/o/team/api/orgs", Key: sw.key, Status: 200, Contains: []string{`"domain":"team"`, `"domain":"other"`}},
		{Method: "GET", URL: "/o/team/api/orgs/current/workspaces", Key: sw.key, Status: 200, Contains: []string{`"orgDomain":"team"`}, NotContains: []string{`"orgDomain":"docs-1"`}},
		{Method: "GET", URL: "/o/docs/api/orgs/current/workspaces", Key: sw.key, Status: 200, Contains: []string{`"orgDomain":"docs-1"`}, NotContains: []string{`"orgDomain":"team"`}},
		{Method: "POST", URL: "/o/team/api/orgs/current/workspaces", Key: sw.key, Body: map[string]any{"name": "Via prefix"}, Status: 200, JSON: `"<int>"`,
			Check: func(t *testing.T, res *testserver.Response) {
				ws := sw.s.Do(t, "GET", "/api/workspaces/"+string(res.Body[:len(res.Body)-1]), sw.key, nil)
				if org := obj(t, obj(t, ws.JSON)["org"]); org["domain"] != "team" {
					t.Errorf("workspace made under /o/team/ is in %v", org["domain"])
				}
			}},
		{Name: "no org with that domain", Method: "GET", URL: "/o/nosuch/api/orgs/current", Key: sw.key, Status: 404, JSON: `{"error":"organization not found"}`},
		{Name: "the anonymous user has no personal org", Method: "GET", URL: "/o/docs/api/orgs/current", Status: 404, JSON: `{"error":"organization not found"}`},
		{Name: "an unknown route under a prefix", Method: "GET", URL: "/o/team/api/nope", Key: sw.key, Status: 404, JSON: `{"error":"not found: /api/nope"}`},

		{Method: "GET", URL: "/o/team/api/docs/{doc}", Key: sw.key, Status: 200, Contains: []string{`"id":"{doc}"`}},
		{Method: "GET", URL: "/o/team/api/workspaces/{ws}", Key: sw.key, Status: 200, Contains: []string{`"name":"Projects"`}},
		{Method: "GET", URL: "/o/other/api/docs/{doc}", Key: sw.key, Status: 404, JSON: docNotFound},
		{Method: "GET", URL: "/o/docs/api/docs/{doc}", Key: sw.key, Status: 404, JSON: docNotFound},
		{Method: "GET", URL: "/o/other/api/docs/{doc}", Key: sw.viewerKey, Status: 404, JSON: docNotFound},
		{Method: "GET", URL: "/o/other/api/docs/{doc}", Key: strangerKey, Status: 404, JSON: docNotFound},
		{Method: "GET", URL: "/o/other/api/docs/{doc}", Status: 404, JSON: docNotFound},
		{Method: "GET", URL: "/o/other/api/docs/{doc}/access", Key: sw.key, Status: 404, JSON: docNotFound},
		{Method: "PATCH", URL: "/o/other/api/docs/{doc}", Key: sw.key, Body: map[string]any{"name": "Hijacked"}, Status: 404, JSON: docNotFound},
		{Method: "PATCH", URL: "/o/other/api/docs/{doc}", Key: sw.viewerKey, Body: map[string]any{"name": "Hijacked"}, Status: 404, JSON: docNotFound},
		{Method: "PATCH", URL: "/o/other/api/docs/{doc}/move", Key: sw.key, Body: map[string]any{"workspace": 3}, Status: 404, JSON: docNotFound},
		{Method: "POST", URL: "/o/other/api/docs/{doc}/copy", Key: sw.key, Body: map[string]any{"workspaceId": 3, "documentName": "Copy"}, Status: 404, JSON: docNotFound},
		{Method: "PATCH", URL: "/o/other/api/docs/{doc}/access", Key: sw.key, Body: map[string]any{"delta": map[string]any{"users": map[string]any{"x@example.com": "owners"}}}, Status: 404, JSON: docNotFound},
		{Method: "DELETE", URL: "/o/other/api/docs/{doc}", Key: sw.key, Status: 404, JSON: docNotFound},
		{Method: "GET", URL: "/o/other/api/workspaces/{ws}", Key: sw.key, Status: 404, JSON: wsNotFound},
		{Method: "GET", URL: "/o/docs/api/workspaces/{ws}", Key: sw.key, Status: 404, JSON: wsNotFound},
		{Method: "GET", URL: "/o/other/api/workspaces/{ws}", Key: sw.viewerKey, Status: 404, JSON: wsNotFound},
		{Method: "GET", URL: "/o/other/api/workspaces/{ws}", Key: strangerKey, Status: 404, JSON: wsNotFound},
		{Method: "GET", URL: "/o/other/api/workspaces/{ws}", Status: 404, JSON: wsNotFound},
		{Method: "GET", URL: "/o/other/api/workspaces/{ws}/access", Key: sw.key, Status: 404, JSON: wsNotFound},
		{Method: "PATCH", URL: "/o/other/api/workspaces/{ws}", Key: sw.key, Body: map[string]any{"name": "Hijacked"}, Status: 404, JSON: wsNotFound},
		{Method: "PATCH", URL: "/o/other/api/workspaces/{ws}/access", Key: sw.key, Body: map[string]any{"delta": map[string]any{"maxInheritedRole": nil}}, Status: 404, JSON: wsNotFound},
		{Method: "POST", URL: "/o/other/api/workspaces/{ws}/docs", Key: sw.key, Body: map[string]any{"name": "Smuggled"}, Status: 404, JSON: wsNotFound},
		{Method: "DELETE", URL: "/o/other/api/workspaces/{ws}", Key: sw.key, Status: 404, JSON: wsNotFound},

		// Nothing above changed the workspace or the document.
		{Name: "the document is untouched", Method: "GET", URL: "/api/docs/{doc}", Key: sw.key, Status: 200,
			JSON: `{"id":"{doc}","name":"Plan","access":"owners","isPinned":false,"urlId":null,"createdAt":"{t}","updatedAt":"{t}",` +
				`"workspace":{"id":4,"name":"Projects","access":"owners","org":` + team + `,"createdAt":"{t}","updatedAt":"{t}"}}`},
		{Name: "the workspace is untouched", Method: "GET", URL: "/api/workspaces/{ws}/access", Key: sw.key, Status: 200,
			Contains: []string{`"maxInheritedRole":"owners"`}, NotContains: []string{"x@example.com"}},
		{Name: "the workspace holds only the document", Method: "GET", URL: "/api/workspaces/{ws}", Key: sw.key, Status: 200,
			Contains: []string{`"name":"Projects"`}, NotContains: []string{"Smuggled", "Hijacked"}},
	}
	sw.run(t, cases)
}
