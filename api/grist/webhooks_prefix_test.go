package grist_test

import (
	"testing"

	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

// TestWebhookOrgPrefix: under /o/{orgDomain}/ the webhook routes find the
// document only in its own org (/o/docs/ is the caller's personal org);
// under another org's prefix it is not found, whatever the caller's
// access, and its webhooks are left alone.
func TestWebhookOrgPrefix(t *testing.T) {
	w := newHookWorld(t)
	if res := w.s.Do(t, "POST", "/api/orgs", w.owner, map[string]any{"name": "Other", "domain": "other"}); res.Status != 200 {
		t.Fatalf("create org: %d %s", res.Status, res.Body)
	}
	id, _ := w.create(t, w.doc, map[string]any{"url": publicURL, "eventTypes": []string{"add"}, "tableId": "Items", "name": "kept"})
	own, other := "/o/docs/api/docs/"+w.doc+"/webhooks", "/o/other/api/docs/"+w.doc+"/webhooks"
	body := map[string]any{"webhooks": []any{map[string]any{"fields": map[string]any{"url": publicURL, "eventTypes": []string{"add"}, "tableId": "Items"}}}}
	for _, sc := range []testserver.Scenario{
		{Name: "own org", Method: "GET", URL: own, Key: w.owner, Status: 200, Contains: []string{id}},
		{Name: "other org list", Method: "GET", URL: other, Key: w.owner, Status: 404, JSON: `{"error":"document not found"}`},
		{Name: "other org create", Method: "POST", URL: other, Key: w.owner, Body: body, Status: 404, JSON: `{"error":"document not found"}`},
		{Name: "other org update", Method: "PATCH", URL: other + "/" + id, Key: w.owner, Body: map[string]any{"name": "x"}, Status: 404, JSON: `{"error":"document not found"}`},
		{Name: "other org delete", Method: "DELETE", URL: other + "/" + id, Key: w.owner, Status: 404, JSON: `{"error":"document not found"}`},
		{Name: "other org, editor", Method: "GET", URL: other, Key: w.editor, Status: 404, JSON: `{"error":"document not found"}`},
		{Name: "the editor's personal org", Method: "GET", URL: own, Key: w.editor, Status: 404, JSON: `{"error":"document not found"}`},
		{Name: "the document's org, editor", Method: "GET", URL: "/o/" + home.PersonalDomain(w.ownerActor.User.ID) + "/api/docs/" + w.doc + "/webhooks",
			Key: w.editor, Status: 403, JSON: `{"error":"No owner access"}`},
	} {
		sc.Run(t, w.s)
	}
	testserver.Scenario{Method: "GET", URL: "/api/docs/" + w.doc + "/webhooks", Key: w.owner, Status: 200,
		JSON: `{"webhooks":[{"id":"` + id + `","fields":"<any>","usage":"<any>"}]}`, Contains: []string{`"name":"kept"`}}.Test(t, w.s)
}
