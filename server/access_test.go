package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse/internal/testserver"
)

// accessSummary renders an access listing as "email:access/parentAccess" items.
func accessSummary(t *testing.T, res *testserver.Response) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, u := range arr(t, obj(t, res.JSON)["users"]) {
		m := obj(t, u)
		a, _ := m["access"].(string)
		p, _ := m["parentAccess"].(string)
		out[m["email"].(string)] = a + "/" + p
	}
	return out
}

func expectSummary(t *testing.T, got, want map[string]string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("access\n got %v\nwant %v", got, want)
	}
}

func TestAccessEndpoints(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	k := w.keys
	do := func(t *testing.T, method, path, key string, body any) *testserver.Response {
		t.Helper()
		return w.s.Do(t, method, path, key, body)
	}
	delta := func(d map[string]any) map[string]any { return map[string]any{"delta": d} }

	t.Run("parentAccess follows maxInheritedRole on a workspace", func(t *testing.T) {
		tm := w.newTeam(t)
		wsAccess := fmt.Sprintf("/api/workspaces/%d/access", tm.ws)
		expectSummary(t, accessSummary(t, do(t, "GET", wsAccess, k[cOwner], nil)), map[string]string{
			email(cOwner): "/owners", email(cEditor): "/editors", email(cViewer): "/viewers"})
		if res := do(t, "PATCH", wsAccess, k[cOwner], delta(map[string]any{"maxInheritedRole": "viewers"})); res.Status != 200 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		res := do(t, "GET", wsAccess, k[cOwner], nil)
		if obj(t, res.JSON)["maxInheritedRole"] != "viewers" {
			t.Errorf("got %s", res.Body)
		}
		expectSummary(t, accessSummary(t, res), map[string]string{
			email(cOwner): "/viewers", email(cEditor): "/viewers", email(cViewer): "/viewers"})
		// The editor is now a viewer of the workspace and its document.
		testserver.Scenario{Method: "PATCH", URL: fmt.Sprintf("/api/workspaces/%d", tm.ws), Key: k[cEditor], Body: map[string]any{"name": "x"},
			Status: 403, JSON: `{"error":"access denied"}`}.Test(t, w.s)
		testserver.Scenario{Method: "PATCH", URL: "/api/docs/" + tm.doc, Key: k[cEditor], Body: map[string]any{"name": "x"},
			Status: 403, JSON: `{"error":"No write access"}`}.Test(t, w.s)
		testserver.Scenario{Method: "GET", URL: "/api/docs/" + tm.doc, Key: k[cEditor], Status: 200, Contains: []string{`"access":"viewers"`}}.Test(t, w.s)
		// The cap does not touch the org or the spare workspace.
		testserver.Scenario{Method: "PATCH", URL: fmt.Sprintf("/api/workspaces/%d", tm.spare), Key: k[cEditor], Body: map[string]any{"name": "Still editable"},
			Status: 200, JSON: fmt.Sprint(tm.spare)}.Test(t, w.s)
	})

	t.Run("creators own what they create", func(t *testing.T) {
		tm := w.newTeam(t)
		// An editor of the org creates a workspace and a document in it:
		// they own both directly, so they can delete them.
		res := testserver.Scenario{Method: "POST", URL: fmt.Sprintf("/api/orgs/%d/workspaces", tm.orgID), Key: k[cEditor], Body: map[string]any{"name": "Mine"}, Status: 200}.Test(t, w.s)
		ws := strings.TrimSpace(string(res.Body))
		res = testserver.Scenario{Method: "POST", URL: "/api/workspaces/" + ws + "/docs", Key: k[cEditor], Body: map[string]any{"name": "My doc"}, Status: 200}.Test(t, w.s)
		var doc string
		if err := json.Unmarshal(res.Body, &doc); err != nil {
			t.Fatal(err)
		}
		if got := accessSummary(t, do(t, "GET", "/api/docs/"+doc+"/access", k[cEditor], nil))[email(cEditor)]; got != "owners/owners" {
			t.Errorf("editor's access to their doc: %q", got)
		}
		testserver.Scenario{Method: "DELETE", URL: "/api/docs/" + doc, Key: k[cEditor], Status: 200}.Test(t, w.s)
		testserver.Scenario{Method: "DELETE", URL: "/api/workspaces/" + ws, Key: k[cEditor], Status: 200}.Test(t, w.s)
		// Another editor still cannot delete the team's own workspace.
		testserver.Scenario{Method: "DELETE", URL: fmt.Sprintf("/api/workspaces/%d", tm.ws), Key: k[cEditor], Status: 403, JSON: `{"error":"access denied"}`}.Test(t, w.s)
	})

	t.Run("null maxInheritedRole blocks inheritance", func(t *testing.T) {
		tm := w.newTeam(t)
		// A direct grant survives the block. (The org's owner inherits
		// their role like everyone else, so the stranger is made an owner of
		// the document to manage it afterwards.)
		if res := do(t, "PATCH", "/api/docs/"+tm.doc+"/access", k[cOwner], delta(map[string]any{"users": map[string]any{email(cStranger): "owners"}})); res.Status != 200 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		if res := do(t, "PATCH", "/api/docs/"+tm.doc+"/access", k[cOwner], `{"delta":{"maxInheritedRole":null}}`); res.Status != 200 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		res := do(t, "GET", "/api/docs/"+tm.doc+"/access", k[cStranger], nil)
		if res.Status != 200 || obj(t, res.JSON)["maxInheritedRole"] != nil {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		// The doc's creator keeps their direct ownership (as in Grist).
		expectSummary(t, accessSummary(t, res), map[string]string{email(cOwner): "owners/", email(cStranger): "owners/"})
		for _, c := range []string{cEditor, cViewer, cMember, cAnonymous} {
			testserver.Scenario{Name: c, Method: "GET", URL: "/api/docs/" + tm.doc, Key: k[c], Status: 403, JSON: `{"error":"No view access"}`}.Test(t, w.s)
		}
		testserver.Scenario{Method: "GET", URL: "/api/docs/" + tm.doc, Key: k[cStranger], Status: 200, Contains: []string{`"access":"owners"`}}.Test(t, w.s)
		// The workspace still lists for the org's viewers, without the doc.
		res = testserver.Scenario{Method: "GET", URL: fmt.Sprintf("/api/workspaces/%d", tm.ws), Key: k[cViewer], Status: 200}.Test(t, w.s)
		if docs := arr(t, obj(t, res.JSON)["docs"]); len(docs) != 0 {
			t.Errorf("viewer sees blocked docs: %s", res.Body)
		}
		// The stranger is a guest of the org and its workspace.
		testserver.Scenario{Method: "GET", URL: "/api/orgs/" + tm.domain, Key: k[cStranger], Status: 200, Contains: []string{`"access":"guests"`}}.Test(t, w.s)
		res = testserver.Scenario{Method: "GET", URL: fmt.Sprintf("/api/workspaces/%d", tm.ws), Key: k[cStranger], Status: 200, Contains: []string{`"access":"guests"`}}.Test(t, w.s)
		if docs := arr(t, obj(t, res.JSON)["docs"]); len(docs) != 1 {
			t.Errorf("guest's workspace: %s", res.Body)
		}
		testserver.Scenario{Method: "GET", URL: fmt.Sprintf("/api/workspaces/%d", tm.spare), Key: k[cStranger], Status: 403, JSON: `{"error":"access denied"}`}.Test(t, w.s)
		res = testserver.Scenario{Method: "GET", URL: "/api/orgs/" + tm.domain + "/access", Key: k[cOwner], Status: 200}.Test(t, w.s)
		expectSummary(t, accessSummary(t, res), map[string]string{
			email(cOwner): "owners/", email(cEditor): "editors/", email(cViewer): "viewers/", email(cMember): "members/", email(cStranger): "guests/"})
		// Restoring inheritance restores access.
		if res := do(t, "PATCH", "/api/docs/"+tm.doc+"/access", k[cStranger], delta(map[string]any{"maxInheritedRole": "owners"})); res.Status != 200 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		testserver.Scenario{Method: "GET", URL: "/api/docs/" + tm.doc, Key: k[cViewer], Status: 200, Contains: []string{`"access":"viewers"`}}.Test(t, w.s)
	})

	t.Run("inviting an unknown email creates the user", func(t *testing.T) {
		tm := w.newTeam(t)
		newcomer := "Newcomer@Example.com"
		if res := do(t, "PATCH", "/api/docs/"+tm.doc+"/access", k[cOwner], delta(map[string]any{"users": map[string]any{newcomer: "viewers"}})); res.Status != 200 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		u, created, err := w.s.Home.EnsureUser(context.Background(), "newcomer@example.com", "")
		if err != nil || created {
			t.Fatalf("invited user: created=%v err=%v", created, err)
		}
		res := do(t, "GET", "/api/docs/"+tm.doc+"/access", k[cOwner], nil)
		if got := accessSummary(t, res)["newcomer@example.com"]; got != "viewers/" {
			t.Errorf("newcomer: %q in %s", got, res.Body)
		}
		orgs, err := w.s.Home.ListOrgs(context.Background(), w.actorOf(u))
		if err != nil || len(orgs) != 2 || orgs[0].Domain != fmt.Sprintf("docs-%d", u.ID) || orgs[1].Domain != tm.domain || orgs[1].Access != "guests" {
			t.Errorf("newcomer's orgs: %+v %v", orgs, err)
		}
		// Removing with null.
		if res := do(t, "PATCH", "/api/docs/"+tm.doc+"/access", k[cOwner], delta(map[string]any{"users": map[string]any{newcomer: nil}})); res.Status != 200 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		if _, ok := accessSummary(t, do(t, "GET", "/api/docs/"+tm.doc+"/access", k[cOwner], nil))["newcomer@example.com"]; ok {
			t.Errorf("newcomer still listed")
		}
	})

	t.Run("org roles change", func(t *testing.T) {
		tm := w.newTeam(t)
		orgAccess := "/api/orgs/" + tm.domain + "/access"
		if res := do(t, "PATCH", orgAccess, k[cOwner], delta(map[string]any{"users": map[string]any{email(cViewer): "editors", email(cMember): nil}})); res.Status != 200 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		expectSummary(t, accessSummary(t, do(t, "GET", orgAccess, k[cOwner], nil)), map[string]string{
			email(cOwner): "owners/", email(cEditor): "editors/", email(cViewer): "editors/"})
		testserver.Scenario{Method: "GET", URL: "/api/orgs/" + tm.domain, Key: k[cMember], Status: 403, JSON: `{"error":"access denied"}`}.Test(t, w.s)
		testserver.Scenario{Method: "PATCH", URL: "/api/docs/" + tm.doc, Key: k[cViewer], Body: map[string]any{"name": "Promoted"}, Status: 200}.Test(t, w.s)
		// Nobody changes their own access, not even an owner.
		testserver.Scenario{Method: "PATCH", URL: orgAccess, Key: k[cEditor], Body: delta(map[string]any{"users": map[string]any{email(cEditor): "owners"}}),
			Status: 403, JSON: `{"error":"access denied"}`}.Test(t, w.s)
		testserver.Scenario{Method: "PATCH", URL: orgAccess, Key: k[cOwner], Body: delta(map[string]any{"users": map[string]any{email(cOwner): nil}}),
			Status: 400, JSON: `{"error":"Bad request: cannot change your own access"}`}.Test(t, w.s)
		expectSummary(t, accessSummary(t, do(t, "GET", orgAccess, k[cOwner], nil)), map[string]string{
			email(cOwner): "owners/", email(cEditor): "editors/", email(cViewer): "editors/"})
	})
}
