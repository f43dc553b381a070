package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

// shapeWorld is a server whose clock never moves, so that every timestamp
// is testserver.EpochJSON, with an owner who made a team org over HTTP.
type shapeWorld struct {
	s           *testserver.Server
	owner       rowhouse.User
	key         string
	viewerKey   string
	orgID, wsID int64
	doc         string
}

func newShapeWorld(t *testing.T, opts ...testserver.Option) *shapeWorld {
	t.Helper()
	s := testserver.New(t, opts...)
	sw := &shapeWorld{s: s}
	sw.owner, sw.key = s.UserWithKey("owner@example.com") // user 1, personal org 1, workspace 1
	_, sw.viewerKey = s.UserWithKey("viewer@example.com") // user 2, personal org 2, workspace 2
	res := s.Do(t, "POST", "/api/orgs", sw.key, map[string]any{"name": "Team", "domain": "team"})
	if res.Status != 200 {
		t.Fatalf("create org: %d %s", res.Status, res.Body)
	}
	sw.orgID = jsonInt(t, res.JSON)
	res = s.Do(t, "POST", "/api/orgs/team/workspaces", sw.key, map[string]any{"name": "Projects"})
	if res.Status != 200 {
		t.Fatalf("create workspace: %d %s", res.Status, res.Body)
	}
	sw.wsID = jsonInt(t, res.JSON)
	res = s.Do(t, "POST", fmt.Sprintf("/api/workspaces/%d/docs", sw.wsID), sw.key, map[string]any{"name": "Plan"})
	if res.Status != 200 {
		t.Fatalf("create doc: %d %s", res.Status, res.Body)
	}
	sw.doc, _ = res.JSON.(string)
	res = s.Do(t, "PATCH", "/api/orgs/team/access", sw.key, map[string]any{"delta": map[string]any{"users": map[string]any{"viewer@example.com": "viewers"}}})
	if res.Status != 200 {
		t.Fatalf("share org: %d %s", res.Status, res.Body)
	}
	return sw
}

// run runs scenarios with {doc}, {ws}, {org} and {t} expanded in their
// URL, JSON and Contains.
func (sw *shapeWorld) run(t *testing.T, cases []testserver.Scenario) {
	t.Helper()
	for _, sc := range cases {
		sc.URL = sw.expand(sc.URL)
		sc.JSON = sw.expand(sc.JSON)
		for i := range sc.Contains {
			sc.Contains[i] = sw.expand(sc.Contains[i])
		}
		sc.Run(t, sw.s)
	}
}

// expand replaces {doc}, {ws}, {org} and {t} (the timestamp) in s.
func (sw *shapeWorld) expand(s string) string {
	return strings.NewReplacer("{doc}", sw.doc, "{ws}", fmt.Sprint(sw.wsID), "{org}", fmt.Sprint(sw.orgID), "{t}", testserver.EpochJSON).Replace(s)
}

func TestShapes(t *testing.T) {
	t.Parallel()
	sw := newShapeWorld(t)
	if !rowhouse.ValidDocID(sw.doc) || len(sw.doc) != 22 {
		t.Fatalf("doc id %q is not 22 base58 characters", sw.doc)
	}
	if sw.orgID != 3 || sw.wsID != 4 {
		t.Fatalf("ids: org %d, workspace %d; the expectations below assume 3 and 4", sw.orgID, sw.wsID)
	}
	personal := `{"id":1,"name":"Personal","domain":"docs-1","host":null,"owner":{"id":1,"name":"owner","picture":null},"access":"owners","createdAt":"{t}","updatedAt":"{t}"}`
	team := `{"id":3,"name":"Team","domain":"team","host":null,"owner":null,"access":"owners","createdAt":"{t}","updatedAt":"{t}"}`
	teamAsViewer := `{"id":3,"name":"Team","domain":"team","host":null,"owner":null,"access":"viewers","createdAt":"{t}","updatedAt":"{t}"}`
	doc := `{"id":"{doc}","name":"Plan","access":"owners","isPinned":false,"urlId":null,"createdAt":"{t}","updatedAt":"{t}"}`
	cases := []testserver.Scenario{
		{Name: "orgs: personal first, then teams", Method: "GET", URL: "/api/orgs", Key: sw.key, Status: 200, JSON: `[` + personal + `,` + team + `]`},
		{Name: "orgs of a viewer", Method: "GET", URL: "/api/orgs", Key: sw.viewerKey, Status: 200,
			JSON: `[{"id":2,"name":"Personal","domain":"docs-2","host":null,"owner":{"id":2,"name":"viewer","picture":null},"access":"owners","createdAt":"{t}","updatedAt":"{t}"},` + teamAsViewer + `]`},
		{Name: "orgs of the anonymous user", Method: "GET", URL: "/api/orgs", Status: 200, JSON: `[]`},
		{Name: "org by id", Method: "GET", URL: "/api/orgs/3", Key: sw.key, Status: 200, JSON: team},
		{Name: "org by domain", Method: "GET", URL: "/api/orgs/team", Key: sw.key, Status: 200, JSON: team},
		{Name: "current org is the personal org", Method: "GET", URL: "/api/orgs/current", Key: sw.key, Status: 200, JSON: personal},
		{Name: "org of a viewer", Method: "GET", URL: "/api/orgs/team", Key: sw.viewerKey, Status: 200, JSON: teamAsViewer},
		{Name: "workspaces with docs and orgDomain", Method: "GET", URL: "/api/orgs/team/workspaces", Key: sw.key, Status: 200,
			JSON: `[{"id":3,"name":"Home","access":"owners","docs":[],"orgDomain":"team","createdAt":"{t}","updatedAt":"{t}"},` +
				`{"id":4,"name":"Projects","access":"owners","docs":[` + doc + `],"orgDomain":"team","createdAt":"{t}","updatedAt":"{t}"}]`},
		{Name: "workspace with docs and org", Method: "GET", URL: "/api/workspaces/{ws}", Key: sw.key, Status: 200,
			JSON: `{"id":4,"name":"Projects","access":"owners","docs":[` + doc + `],"org":` + team + `,"createdAt":"{t}","updatedAt":"{t}"}`},
		{Name: "doc with workspace and org", Method: "GET", URL: "/api/docs/{doc}", Key: sw.key, Status: 200,
			JSON: `{"id":"{doc}","name":"Plan","access":"owners","isPinned":false,"urlId":null,"createdAt":"{t}","updatedAt":"{t}",` +
				`"workspace":{"id":4,"name":"Projects","access":"owners","org":` + team + `,"createdAt":"{t}","updatedAt":"{t}"}}`},
		{Name: "doc as a viewer", Method: "GET", URL: "/api/docs/{doc}", Key: sw.viewerKey, Status: 200,
			JSON: `{"id":"{doc}","name":"Plan","access":"viewers","isPinned":false,"urlId":null,"createdAt":"{t}","updatedAt":"{t}",` +
				`"workspace":{"id":4,"name":"Projects","access":"viewers","org":` + teamAsViewer + `,"createdAt":"{t}","updatedAt":"{t}"}}`},
		{Name: "profile", Method: "GET", URL: "/api/profile/user", Key: sw.key, Status: 200,
			JSON: `{"id":1,"email":"owner@example.com","name":"owner","ref":"<str>"}`},
		{Name: "anonymous profile", Method: "GET", URL: "/api/profile/user", Status: 200,
			JSON: `{"id":0,"email":"anon@getgrist.com","name":"Anonymous","ref":"<str>"}`},
		{Name: "org access", Method: "GET", URL: "/api/orgs/team/access", Key: sw.key, Status: 200,
			JSON: `{"users":[` +
				`{"id":1,"name":"owner","email":"owner@example.com","ref":"<str>","picture":null,"access":"owners","isMember":true},` +
				`{"id":2,"name":"viewer","email":"viewer@example.com","ref":"<str>","picture":null,"access":"viewers","isMember":true}]}`},
		{Name: "workspace access", Method: "GET", URL: "/api/workspaces/{ws}/access", Key: sw.key, Status: 200,
			JSON: `{"maxInheritedRole":"owners","users":[` +
				`{"id":1,"name":"owner","email":"owner@example.com","ref":"<str>","picture":null,"access":"owners","parentAccess":"owners"},` +
				`{"id":2,"name":"viewer","email":"viewer@example.com","ref":"<str>","picture":null,"access":null,"parentAccess":"viewers"}]}`},
		{Name: "doc access", Method: "GET", URL: "/api/docs/{doc}/access", Key: sw.key, Status: 200,
			JSON: `{"maxInheritedRole":"owners","users":[` +
				`{"id":1,"name":"owner","email":"owner@example.com","ref":"<str>","picture":null,"access":"owners","parentAccess":"owners"},` +
				`{"id":2,"name":"viewer","email":"viewer@example.com","ref":"<str>","picture":null,"access":null,"parentAccess":"viewers"}]}`},
		{Name: "a JSON content type on a GET with no body is fine", Method: "GET", URL: "/api/orgs/team", Key: sw.key,
			Headers: map[string]string{"Content-Type": "application/json"}, Status: 200, JSON: team},
		{Name: "creating a workspace answers its id as an int", Method: "POST", URL: "/api/orgs/team/workspaces", Key: sw.key,
			Body: map[string]any{"name": "More"}, Status: 200, JSON: `5`},
		{Name: "creating a doc answers its id as a string", Method: "POST", URL: "/api/workspaces/5/docs", Key: sw.key,
			Body: map[string]any{"name": "Another"}, Status: 200, JSON: `"<docid>"`},
		{Name: "a doc without a name is an untitled document", Method: "POST", URL: "/api/workspaces/5/docs", Key: sw.key,
			Status: 200, JSON: `"<docid>"`, Check: func(t *testing.T, res *testserver.Response) {
				got := sw.s.Do(t, "GET", "/api/docs/"+res.JSON.(string), sw.key, nil)
				if obj(t, got.JSON)["name"] != "Untitled document" {
					t.Errorf("got %s", got.Body)
				}
			}},
		{Name: "creating an org answers its id as an int", Method: "POST", URL: "/api/orgs", Key: sw.key,
			Body: map[string]any{"name": "Other", "domain": "other"}, Status: 200, JSON: `4`},
		{Name: "renaming a workspace answers its id", Method: "PATCH", URL: "/api/workspaces/5", Key: sw.key,
			Body: map[string]any{"name": "Renamed"}, Status: 200, JSON: `5`},
		{Name: "updating an org answers null", Method: "PATCH", URL: "/api/orgs/other", Key: sw.key,
			Body: map[string]any{"name": "Other Org", "domain": "other2"}, Status: 200, JSON: `null`},
		{Name: "the org has its new name and domain", Method: "GET", URL: "/api/orgs/other2", Key: sw.key, Status: 200,
			JSON: `{"id":4,"name":"Other Org","domain":"other2","host":null,"owner":null,"access":"owners","createdAt":"{t}","updatedAt":"{t}"}`},
		{Name: "pinning and naming a doc with a urlId answers its id", Method: "PATCH", URL: "/api/docs/{doc}", Key: sw.key,
			Body: map[string]any{"name": "Plan B", "isPinned": true, "urlId": "plan-b"}, Status: 200, JSON: `"{doc}"`},
		{Name: "a doc is found by its urlId", Method: "GET", URL: "/api/docs/plan-b", Key: sw.key, Status: 200,
			Check: func(t *testing.T, res *testserver.Response) {
				d := obj(t, res.JSON)
				if d["id"] != sw.doc || d["name"] != "Plan B" || d["isPinned"] != true || d["urlId"] != "plan-b" {
					t.Errorf("got %s", res.Body)
				}
			}},
		{Name: "a null urlId removes it", Method: "PATCH", URL: "/api/docs/{doc}", Key: sw.key,
			Body: `{"urlId":null}`, Status: 200, JSON: `"{doc}"`},
		{Name: "the urlId is gone", Method: "GET", URL: "/api/docs/plan-b", Key: sw.key, Status: 404, JSON: `{"error":"document not found"}`},
		{Name: "deleting an org answers its id", Method: "DELETE", URL: "/api/orgs/other2/force-delete", Key: sw.key, Status: 200, JSON: `4`},
		{Name: "a personal org cannot be deleted", Method: "DELETE", URL: "/api/orgs/docs-1/docs-1", Key: sw.key, Status: 400,
			JSON: `{"error":"Cannot delete a personal organization"}`},
	}
	for _, sc := range cases {
		sc.URL = sw.expand(sc.URL)
		sc.JSON = sw.expand(sc.JSON)
		sc.Run(t, sw.s)
	}
}

// TestOps covers the operational endpoints and unknown routes.
func TestOps(t *testing.T) {
	t.Parallel()
	s := testserver.New(t)
	_, key := s.UserWithKey("owner@example.com")
	cases := []testserver.Scenario{
		{Method: "GET", URL: "/healthz", Status: 200, JSON: `{"status":"ok"}`},
		{Method: "GET", URL: "/readyz", Status: 200, JSON: `{"status":"ready"}`},
		{Method: "GET", URL: "/metrics", Status: 200, Contains: []string{"rowhouse_http_requests_total{", `route="GET /healthz"`, "go_goroutines"}},
		{Method: "GET", URL: "/api/nope", Status: 404, JSON: `{"error":"not found: /api/nope"}`},
		{Method: "GET", URL: "/api/nope", Key: key, Status: 404, JSON: `{"error":"not found: /api/nope"}`},
		{Method: "POST", URL: "/nope/deeper?x=1", Status: 404, JSON: `{"error":"not found: /nope/deeper"}`},
		{Name: "/ is the web pages' home: signed out, it sends to the sign-in page", Method: "GET", URL: "/", Status: 303, Contains: []string{`href="/login?next=%2F"`}},
		{Method: "GET", URL: "/api/docs/abc/tables/T/nope", Key: key, Status: 404, JSON: `{"error":"not found: /api/docs/abc/tables/T/nope"}`},
		{Name: "an unsupported scheme", Method: "GET", URL: "/api/orgs", Headers: map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}, Status: 401,
			JSON: `{"error":"Bad request: unsupported Authorization scheme, expected 'Bearer'"}`},
		{Name: "an empty bearer", Method: "GET", URL: "/api/orgs", Headers: map[string]string{"Authorization": "Bearer "}, Status: 401,
			JSON: `{"error":"Bad request: invalid API key"}`},
		{Name: "an unknown key", Method: "GET", URL: "/api/orgs", Key: "rh_nonsense", Status: 401, JSON: `{"error":"Bad request: invalid API key"}`},
		{Name: "the bearer scheme is case-insensitive", Method: "GET", URL: "/api/profile/user", Headers: map[string]string{"Authorization": "bearer " + key}, Status: 200,
			JSON: `{"id":1,"email":"owner@example.com","name":"owner","ref":"<str>"}`},
	}
	for _, sc := range cases {
		sc.Run(t, s)
	}
	// Errors are JSON, never HTML, whatever the method.
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		res := s.Do(t, m, "/api/orgs/team/nothing/here", key, nil)
		if res.Status != http.StatusNotFound || res.JSON == nil {
			t.Errorf("%s: %d %q", m, res.Status, res.Body)
		}
	}
}
