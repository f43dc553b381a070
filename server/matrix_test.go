package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

// surface groups endpoints whose access rules are alike.
type surface int

const (
	sOps       surface = iota // /healthz, /readyz, /metrics: no access rules
	sUnknown                  // a route that does not exist
	sProfile                  // GET /api/profile/user: anyone, anonymous too
	sListOrgs                 // GET /api/orgs: anonymous gets []
	sCreateOrg                // POST /api/orgs: any signed-in user
	sOrg                      // an org of the team: 403 "access denied"
	sWorkspace                // a workspace of the team: 403 "access denied"
	sDoc                      // the team's document: 403 "No view access" ...
	sKeyRead                  // listing one's API keys
	sKeyManage                // creating and revoking API keys
)

// Messages the matrix expects, exactly.
const (
	msgInvalidKey    = "Bad request: invalid API key"
	msgNeedSignIn    = "Bad request: an API key or a session is required"
	msgAccessDenied  = "access denied"
	msgNoView        = "No view access"
	msgNoWrite       = "No write access"
	msgNoOwner       = "No owner access"
	msgDocsOnly      = "API key is limited to documents"
	msgReadOnly      = "API key is read-only"
	msgNotThisDoc    = "API key is not allowed to access this document"
	msgLimitedKeyMgr = "a limited API key cannot manage API keys"
)

// cell is one run of one endpoint by one caller, on a fresh team.
type cell struct {
	w      *world
	tm     team
	caller string
	user   rowhouse.User // the caller's user; zero for the anonymous caller
	keyID  int64         // a throwaway key of the caller's user (the owner's for the anonymous caller)
}

type matrixEndpoint struct {
	method string
	path   func(c *cell) string
	body   func(c *cell) any
	// headers, if set, are sent with the request (after the default
	// Content-Type: application/json, which they may replace).
	headers map[string]string
	kind    surface
	min     rowhouse.Role // for sOrg, sWorkspace, sDoc
	write   bool          // a write: read-only keys are refused, and success must change something
	// override, if set, replaces the derived expectation for some callers.
	override func(caller string) (status int, msg string, ok bool)
	// check checks a successful answer (status 200).
	check func(t *testing.T, c *cell, res *testserver.Response)
}

func (e matrixEndpoint) name() string {
	c := &cell{tm: team{orgID: 1, domain: "{org}", ws: 2, spare: 3, doc: "{doc}"}, keyID: 4}
	return e.method + " " + e.path(c)
}

// expect derives the status and error message of a cell from the
// endpoint's rules and the caller; msg is "" for success.
func (e matrixEndpoint) expect(caller string) (int, string) {
	if e.override != nil {
		if st, msg, ok := e.override(caller); ok {
			return st, msg
		}
	}
	if caller == cRevoked || caller == cExpired {
		return 401, msgInvalidKey
	}
	role := callerRole(caller)
	switch e.kind {
	case sOps, sProfile:
		return 200, ""
	case sUnknown:
		return 404, "not found: /api/nope"
	case sListOrgs:
		if caller == cOutOfScope {
			return 403, msgDocsOnly
		}
		return 200, ""
	case sCreateOrg:
		switch caller {
		case cAnonymous:
			return 403, msgAccessDenied
		case cOutOfScope:
			return 403, msgDocsOnly
		case cReadOnly:
			return 403, msgReadOnly
		}
		return 200, ""
	case sKeyRead:
		if caller == cAnonymous {
			return 401, msgNeedSignIn
		}
		return 200, ""
	case sKeyManage:
		switch caller {
		case cAnonymous:
			return 401, msgNeedSignIn
		case cOutOfScope, cReadOnly:
			return 403, msgLimitedKeyMgr
		}
		return 200, ""
	case sOrg, sWorkspace:
		if caller == cOutOfScope {
			return 403, msgDocsOnly
		}
		if caller == cReadOnly && e.write {
			return 403, msgReadOnly
		}
		if !role.AtLeast(e.min) {
			return 403, msgAccessDenied
		}
		return 200, ""
	case sDoc:
		if !role.AtLeast(rowhouse.RoleViewers) {
			return 403, msgNoView
		}
		if caller == cOutOfScope {
			return 403, msgNotThisDoc
		}
		if caller == cReadOnly && e.write {
			return 403, msgReadOnly
		}
		switch {
		case role.AtLeast(e.min):
			return 200, ""
		case e.min == rowhouse.RoleOwners:
			return 403, msgNoOwner
		case e.min == rowhouse.RoleEditors:
			return 403, msgNoWrite
		}
		return 403, msgNoView
	}
	panic("unknown surface")
}

func jsonInt(t *testing.T, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("got %#v, want an integer", v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatalf("got %v, want an integer", n)
	}
	return i
}

func obj(t *testing.T, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("got %#v, want an object", v)
	}
	return m
}

func arr(t *testing.T, v any) []any {
	t.Helper()
	a, ok := v.([]any)
	if !ok {
		t.Fatalf("got %#v, want an array", v)
	}
	return a
}

func isNull(t *testing.T, res *testserver.Response) {
	t.Helper()
	if strings.TrimSpace(string(res.Body)) != "null" {
		t.Errorf("body %s, want null", res.Body)
	}
}

// ownerSees reads something back as the team's owner, over HTTP.
func ownerSees(t *testing.T, c *cell, method, path string) *testserver.Response {
	t.Helper()
	return c.w.s.Do(t, method, path, c.w.keys[cOwner], nil)
}

// ownerSeesJSON reads a path of the team's document back as the owner and
// matches the answer against want (see testserver.MatchJSON).
func ownerSeesJSON(t *testing.T, c *cell, suffix, want string) {
	t.Helper()
	got := ownerSees(t, c, "GET", "/api/docs/"+c.tm.doc+suffix)
	if got.Status != 200 {
		t.Errorf("GET %s as the owner: status %d; body %s", suffix, got.Status, got.Body)
		return
	}
	if err := testserver.MatchJSON(want, got.Body); err != nil {
		t.Errorf("GET %s as the owner: %v\n got: %s\nwant: %s", suffix, err, strings.TrimSpace(string(got.Body)), want)
	}
}

// answers matches a successful answer against want.
func answers(want string) func(t *testing.T, c *cell, res *testserver.Response) {
	return func(t *testing.T, c *cell, res *testserver.Response) {
		t.Helper()
		if err := testserver.MatchJSON(want, res.Body); err != nil {
			t.Errorf("%v\n got: %s\nwant: %s", err, strings.TrimSpace(string(res.Body)), want)
		}
	}
}

// columnJSON is how GET .../columns shows a data column at a position.
func columnJSON(id, typ, label string, pos int) string {
	return fmt.Sprintf(`{"id":%q,"fields":{"colRef":%d,"parentPos":%d,"type":%q,"label":%q,"description":"",`+
		`"widgetOptions":"","isFormula":false,"formula":"","isUnique":false,"reverseCol":"",`+
		`"untieColIdFromLabel":false,"visibleCol":0,"displayCol":0,"recalcWhen":0,"recalcDeps":null,"rules":null}}`,
		id, pos, pos, typ, label)
}

// uploadBoundary separates the parts of the matrix's attachment upload.
const uploadBoundary = "matrix-upload-boundary"

// uploadBody is a multipart/form-data body with one file, notes.txt, in
// the field "upload".
func uploadBody(*cell) any {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if err := mw.SetBoundary(uploadBoundary); err != nil {
		panic(err)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="upload"; filename="notes.txt"`)
	h.Set("Content-Type", "text/plain")
	part, err := mw.CreatePart(h)
	if err != nil {
		panic(err)
	}
	part.Write([]byte("some notes"))
	if err := mw.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// hasHeader checks a header of a successful answer.
func hasHeader(t *testing.T, res *testserver.Response, name, want string) {
	t.Helper()
	if got := res.Header.Get(name); got != want {
		t.Errorf("%s: %q, want %q", name, got, want)
	}
}

// The records of the People table of a fresh team, and its columns.
const (
	alice        = `{"id":1,"fields":{"name":"Alice","age":30}}`
	bob          = `{"id":2,"fields":{"name":"Bob","age":25}}`
	peopleRecs   = `{"records":[` + alice + `,` + bob + `]}`
	peopleTables = `/tables`
	peopleCols   = `/tables/People/columns`
	peopleRecsAt = `/tables/People/records`
)

var invitee = "invitee@example.com"

func matrixEndpoints() []matrixEndpoint {
	str := func(s string) func(*cell) string { return func(*cell) string { return s } }
	orgPath := func(suffix string) func(*cell) string {
		return func(c *cell) string { return "/api/orgs/" + c.tm.domain + suffix }
	}
	wsPath := func(suffix string) func(*cell) string {
		return func(c *cell) string { return fmt.Sprintf("/api/workspaces/%d%s", c.tm.ws, suffix) }
	}
	docPath := func(suffix string) func(*cell) string {
		return func(c *cell) string { return "/api/docs/" + c.tm.doc + suffix }
	}
	fixed := func(v any) func(*cell) any { return func(*cell) any { return v } }
	inviteDelta := fixed(map[string]any{"delta": map[string]any{"users": map[string]any{invitee: "viewers"}}})

	return []matrixEndpoint{
		{method: "GET", path: str("/healthz"), kind: sOps, check: func(t *testing.T, c *cell, res *testserver.Response) {
			if err := testserver.MatchJSON(`{"status":"ok"}`, res.Body); err != nil {
				t.Error(err)
			}
		}},
		{method: "GET", path: str("/readyz"), kind: sOps, check: func(t *testing.T, c *cell, res *testserver.Response) {
			if err := testserver.MatchJSON(`{"status":"ready"}`, res.Body); err != nil {
				t.Error(err)
			}
		}},
		{method: "GET", path: str("/metrics"), kind: sOps, check: func(t *testing.T, c *cell, res *testserver.Response) {
			if !strings.Contains(string(res.Body), "rowhouse_http_requests_in_flight") {
				t.Errorf("metrics lack rowhouse_http_requests_in_flight")
			}
		}},
		{method: "GET", path: str("/api/nope"), kind: sUnknown},

		// Orgs
		{method: "GET", path: str("/api/orgs"), kind: sListOrgs, check: func(t *testing.T, c *cell, res *testserver.Response) {
			list := arr(t, res.JSON)
			if c.caller == cAnonymous {
				if strings.TrimSpace(string(res.Body)) != "[]" {
					t.Errorf("anonymous sees %s, want []", res.Body)
				}
				return
			}
			found := ""
			for _, o := range list {
				if jsonInt(t, obj(t, o)["id"]) == c.tm.orgID {
					found, _ = obj(t, o)["access"].(string)
				}
			}
			if want := string(callerRole(c.caller)); found != want {
				t.Errorf("team org listed with access %q, want %q", found, want)
			}
		}},
		{method: "POST", path: str("/api/orgs"), kind: sCreateOrg, write: true,
			body: func(c *cell) any {
				return map[string]any{"name": "New", "domain": "new-" + strings.ReplaceAll(c.caller, " ", "-")}
			},
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				id := jsonInt(t, res.JSON)
				got := c.w.s.Do(t, "GET", fmt.Sprintf("/api/orgs/%d", id), c.w.keys[callerUser(c.caller)], nil)
				if got.Status != 200 || obj(t, got.JSON)["access"] != "owners" {
					t.Errorf("new org as its creator sees it: %d %s", got.Status, got.Body)
				}
			}},
		{method: "GET", path: orgPath(""), kind: sOrg, min: rowhouse.RoleMembers, check: func(t *testing.T, c *cell, res *testserver.Response) {
			o := obj(t, res.JSON)
			if jsonInt(t, o["id"]) != c.tm.orgID || o["access"] != string(callerRole(c.caller)) {
				t.Errorf("got %s", res.Body)
			}
		}},
		{method: "PATCH", path: orgPath(""), kind: sOrg, min: rowhouse.RoleOwners, write: true,
			body: fixed(map[string]any{"name": "Renamed"}),
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				isNull(t, res)
				if got := ownerSees(t, c, "GET", "/api/orgs/"+c.tm.domain); obj(t, got.JSON)["name"] != "Renamed" {
					t.Errorf("not renamed: %s", got.Body)
				}
			}},
		{method: "GET", path: orgPath("/access"), kind: sOrg, min: rowhouse.RoleMembers, check: func(t *testing.T, c *cell, res *testserver.Response) {
			if users := arr(t, obj(t, res.JSON)["users"]); len(users) != 4 {
				t.Errorf("got %d users, want 4: %s", len(users), res.Body)
			}
		}},
		{method: "PATCH", path: orgPath("/access"), kind: sOrg, min: rowhouse.RoleOwners, write: true, body: inviteDelta,
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				isNull(t, res)
				if got := ownerSees(t, c, "GET", "/api/orgs/"+c.tm.domain+"/access"); !strings.Contains(string(got.Body), invitee) {
					t.Errorf("invitee missing: %s", got.Body)
				}
			}},
		{method: "GET", path: orgPath("/workspaces"), kind: sOrg, min: rowhouse.RoleMembers, check: func(t *testing.T, c *cell, res *testserver.Response) {
			want := 2
			if c.caller == cMember {
				want = 0 // members see the org, not what is in it
			}
			if n := len(arr(t, res.JSON)); n != want {
				t.Errorf("got %d workspaces, want %d: %s", n, want, res.Body)
			}
		}},
		{method: "POST", path: orgPath("/workspaces"), kind: sOrg, min: rowhouse.RoleEditors, write: true,
			body: fixed(map[string]any{"name": "New WS"}),
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				id := jsonInt(t, res.JSON)
				if got := ownerSees(t, c, "GET", fmt.Sprintf("/api/workspaces/%d", id)); got.Status != 200 {
					t.Errorf("new workspace: %d %s", got.Status, got.Body)
				}
			}},

		// Workspaces
		{method: "GET", path: wsPath(""), kind: sWorkspace, min: rowhouse.RoleViewers, check: func(t *testing.T, c *cell, res *testserver.Response) {
			ws := obj(t, res.JSON)
			if jsonInt(t, ws["id"]) != c.tm.ws || len(arr(t, ws["docs"])) != 1 || jsonInt(t, obj(t, ws["org"])["id"]) != c.tm.orgID {
				t.Errorf("got %s", res.Body)
			}
		}},
		{method: "PATCH", path: wsPath(""), kind: sWorkspace, min: rowhouse.RoleEditors, write: true,
			body: fixed(map[string]any{"name": "Renamed WS"}),
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				if jsonInt(t, res.JSON) != c.tm.ws {
					t.Errorf("got %s, want the workspace id", res.Body)
				}
			}},
		{method: "POST", path: wsPath("/docs"), kind: sWorkspace, min: rowhouse.RoleEditors, write: true,
			body: fixed(map[string]any{"name": "New doc"}),
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				id, _ := res.JSON.(string)
				if !rowhouse.ValidDocID(id) {
					t.Fatalf("got %s, want a document id", res.Body)
				}
				if got := ownerSees(t, c, "GET", "/api/docs/"+id); got.Status != 200 {
					t.Errorf("new doc: %d %s", got.Status, got.Body)
				}
			}},
		{method: "GET", path: wsPath("/access"), kind: sWorkspace, min: rowhouse.RoleViewers, check: func(t *testing.T, c *cell, res *testserver.Response) {
			if o := obj(t, res.JSON); o["maxInheritedRole"] != "owners" || len(arr(t, o["users"])) != 3 {
				t.Errorf("got %s", res.Body)
			}
		}},
		{method: "PATCH", path: wsPath("/access"), kind: sWorkspace, min: rowhouse.RoleOwners, write: true, body: inviteDelta,
			check: func(t *testing.T, c *cell, res *testserver.Response) { isNull(t, res) }},

		// Documents
		{method: "GET", path: docPath(""), kind: sDoc, min: rowhouse.RoleViewers, check: func(t *testing.T, c *cell, res *testserver.Response) {
			d := obj(t, res.JSON)
			if d["id"] != c.tm.doc || d["access"] != string(callerRole(c.caller)) {
				t.Errorf("got %s", res.Body)
			}
		}},
		{method: "PATCH", path: docPath(""), kind: sDoc, min: rowhouse.RoleEditors, write: true,
			body: fixed(map[string]any{"name": "Renamed doc"}),
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				if res.JSON != c.tm.doc {
					t.Errorf("got %s, want the document id", res.Body)
				}
			}},
		{method: "PATCH", path: docPath("/move"), kind: sDoc, min: rowhouse.RoleOwners, write: true,
			body: func(c *cell) any { return map[string]any{"workspace": c.tm.spare} },
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				isNull(t, res)
				got := ownerSees(t, c, "GET", "/api/docs/"+c.tm.doc)
				if jsonInt(t, obj(t, obj(t, got.JSON)["workspace"])["id"]) != c.tm.spare {
					t.Errorf("not moved: %s", got.Body)
				}
			}},
		{method: "POST", path: docPath("/copy"), kind: sDoc, min: rowhouse.RoleViewers, write: true,
			body: func(c *cell) any { return map[string]any{"workspaceId": c.tm.ws, "documentName": "Copy"} },
			// Copying needs view access to the document and the right to add
			// documents to the destination workspace.
			override: func(caller string) (int, string, bool) {
				if caller == cViewer {
					return 403, msgAccessDenied, true
				}
				return 0, "", false
			},
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				id, _ := res.JSON.(string)
				if !rowhouse.ValidDocID(id) || id == c.tm.doc {
					t.Fatalf("got %s, want a new document id", res.Body)
				}
				if got := ownerSees(t, c, "GET", "/api/docs/"+id); got.Status != 200 || obj(t, got.JSON)["name"] != "Copy" {
					t.Errorf("copy: %d %s", got.Status, got.Body)
				}
			}},
		{method: "GET", path: docPath("/access"), kind: sDoc, min: rowhouse.RoleViewers, check: func(t *testing.T, c *cell, res *testserver.Response) {
			if o := obj(t, res.JSON); o["maxInheritedRole"] != "owners" || len(arr(t, o["users"])) != 3 {
				t.Errorf("got %s", res.Body)
			}
		}},
		{method: "PATCH", path: docPath("/access"), kind: sDoc, min: rowhouse.RoleOwners, write: true, body: inviteDelta,
			check: func(t *testing.T, c *cell, res *testserver.Response) { isNull(t, res) }},

		// Document data: tables, columns, records, legacy /data, /apply.
		// The team's document holds People (see newTeam).
		{method: "GET", path: docPath("/tables"), kind: sDoc, min: rowhouse.RoleViewers,
			check: answers(`{"tables":[{"id":"People","fields":{"tableRef":1,"onDemand":false,"nameSingular":"<str>","namePlural":"<str>"}}]}`)},
		{method: "POST", path: docPath("/tables"), kind: sDoc, min: rowhouse.RoleEditors, write: true,
			body: fixed(map[string]any{"tables": []any{map[string]any{"id": "Pets", "columns": []any{
				map[string]any{"id": "species", "fields": map[string]any{"type": "Text"}}}}}}),
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				answers(`{"tables":[{"id":"Pets"}]}`)(t, c, res)
				ownerSeesJSON(t, c, "/tables/Pets/columns", `{"columns":[`+columnJSON("species", "Text", "species", 1)+`]}`)
			}},
		{method: "PATCH", path: docPath("/tables"), kind: sDoc, min: rowhouse.RoleEditors, write: true,
			body: fixed(map[string]any{"tables": []any{map[string]any{"id": "People", "fields": map[string]any{"nameSingular": "Human", "namePlural": "Humans"}}}}),
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				isNull(t, res)
				ownerSeesJSON(t, c, peopleTables, `{"tables":[{"id":"People","fields":{"tableRef":1,"onDemand":false,"nameSingular":"Human","namePlural":"Humans"}}]}`)
			}},
		{method: "GET", path: docPath(peopleCols), kind: sDoc, min: rowhouse.RoleViewers,
			check: answers(`{"columns":[` + columnJSON("name", "Text", "name", 1) + `,` + columnJSON("age", "Int", "age", 2) + `]}`)},
		{method: "POST", path: docPath(peopleCols), kind: sDoc, min: rowhouse.RoleEditors, write: true,
			body: fixed(map[string]any{"columns": []any{map[string]any{"id": "email", "fields": map[string]any{"type": "Text", "label": "Email"}}}}),
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				answers(`{"columns":[{"id":"email"}]}`)(t, c, res)
				ownerSeesJSON(t, c, peopleCols, `{"columns":[`+columnJSON("name", "Text", "name", 1)+`,`+
					columnJSON("age", "Int", "age", 2)+`,`+columnJSON("email", "Text", "Email", 3)+`]}`)
			}},
		{method: "PATCH", path: docPath(peopleCols), kind: sDoc, min: rowhouse.RoleEditors, write: true,
			body: fixed(map[string]any{"columns": []any{map[string]any{"id": "age", "fields": map[string]any{"label": "Age in years"}}}}),
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				isNull(t, res)
				ownerSeesJSON(t, c, peopleCols, `{"columns":[`+columnJSON("name", "Text", "name", 1)+`,`+columnJSON("age", "Int", "Age in years", 2)+`]}`)
			}},
		{method: "PUT", path: docPath(peopleCols), kind: sDoc, min: rowhouse.RoleEditors, write: true,
			body: fixed(map[string]any{"columns": []any{
				map[string]any{"id": "age", "fields": map[string]any{"label": "Years"}},
				map[string]any{"id": "email", "fields": map[string]any{"type": "Text"}},
			}}),
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				isNull(t, res)
				ownerSeesJSON(t, c, peopleCols, `{"columns":[`+columnJSON("name", "Text", "name", 1)+`,`+
					columnJSON("age", "Int", "Years", 2)+`,`+columnJSON("email", "Text", "email", 3)+`]}`)
			}},
		{method: "GET", path: docPath(peopleRecsAt), kind: sDoc, min: rowhouse.RoleViewers, check: answers(peopleRecs)},
		{method: "POST", path: docPath(peopleRecsAt + "/list"), kind: sDoc, min: rowhouse.RoleViewers,
			body:  fixed(map[string]any{"filter": map[string]any{"name": []any{"Bob"}}}),
			check: answers(`{"records":[` + bob + `]}`)},
		{method: "POST", path: docPath(peopleRecsAt), kind: sDoc, min: rowhouse.RoleEditors, write: true,
			body: fixed(map[string]any{"records": []any{map[string]any{"fields": map[string]any{"name": "Carol", "age": 41}}}}),
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				answers(`{"records":[{"id":3}]}`)(t, c, res)
				ownerSeesJSON(t, c, peopleRecsAt, `{"records":[`+alice+`,`+bob+`,{"id":3,"fields":{"name":"Carol","age":41}}]}`)
			}},
		{method: "PATCH", path: docPath(peopleRecsAt), kind: sDoc, min: rowhouse.RoleEditors, write: true,
			body: fixed(map[string]any{"records": []any{map[string]any{"id": 1, "fields": map[string]any{"age": 31}}}}),
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				isNull(t, res)
				ownerSeesJSON(t, c, peopleRecsAt, `{"records":[{"id":1,"fields":{"name":"Alice","age":31}},`+bob+`]}`)
			}},
		{method: "PUT", path: docPath(peopleRecsAt), kind: sDoc, min: rowhouse.RoleEditors, write: true,
			body: fixed(map[string]any{"records": []any{
				map[string]any{"require": map[string]any{"name": "Bob"}, "fields": map[string]any{"age": 26}},
				map[string]any{"require": map[string]any{"name": "Dan"}, "fields": map[string]any{"age": 50}},
			}}),
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				ownerSeesJSON(t, c, peopleRecsAt, `{"records":[`+alice+`,{"id":2,"fields":{"name":"Bob","age":26}},{"id":3,"fields":{"name":"Dan","age":50}}]}`)
			}},
		{method: "GET", path: docPath("/tables/People/data"), kind: sDoc, min: rowhouse.RoleViewers,
			check: answers(`{"id":[1,2],"manualSort":[1,2],"name":["Alice","Bob"],"age":[30,25]}`)},
		{method: "POST", path: docPath("/tables/People/data"), kind: sDoc, min: rowhouse.RoleEditors, write: true,
			body: fixed(map[string]any{"name": []any{"Dan", "Eve"}, "age": []any{50, 22}}),
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				answers(`[3,4]`)(t, c, res)
				ownerSeesJSON(t, c, peopleRecsAt, `{"records":[`+alice+`,`+bob+`,{"id":3,"fields":{"name":"Dan","age":50}},{"id":4,"fields":{"name":"Eve","age":22}}]}`)
			}},
		{method: "PATCH", path: docPath("/tables/People/data"), kind: sDoc, min: rowhouse.RoleEditors, write: true,
			body: fixed(map[string]any{"id": []any{2}, "age": []any{27}}),
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				isNull(t, res)
				ownerSeesJSON(t, c, peopleRecsAt, `{"records":[`+alice+`,{"id":2,"fields":{"name":"Bob","age":27}}]}`)
			}},
		{method: "POST", path: docPath("/apply"), kind: sDoc, min: rowhouse.RoleEditors, write: true,
			body: fixed([]any{
				[]any{"AddRecord", "People", nil, map[string]any{"name": "Eve", "age": 22}},
				[]any{"UpdateRecord", "People", 1, map[string]any{"age": 32}},
			}),
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				answers(`{"actionNum":"<int>","retValues":[3,null],"isModification":true}`)(t, c, res)
				ownerSeesJSON(t, c, peopleRecsAt, `{"records":[{"id":1,"fields":{"name":"Alice","age":32}},`+bob+`,{"id":3,"fields":{"name":"Eve","age":22}}]}`)
			}},

		// SQL, attachments and downloads: reads for viewers, except the
		// upload. The team's document holds attachment 1, hello.txt.
		{method: "GET", path: docPath("/sql?q=SELECT+name,age+FROM+%22People%22+ORDER+BY+id"), kind: sDoc, min: rowhouse.RoleViewers,
			check: answers(`{"statement":"<str>","records":[{"fields":{"name":"Alice","age":30}},{"fields":{"name":"Bob","age":25}}]}`)},
		{method: "POST", path: docPath("/sql"), kind: sDoc, min: rowhouse.RoleViewers,
			body:  fixed(map[string]any{"sql": `SELECT name FROM "People" WHERE age > ?`, "args": []any{26}}),
			check: answers(`{"statement":"<str>","records":[{"fields":{"name":"Alice"}}]}`)},
		{method: "POST", path: docPath("/attachments"), kind: sDoc, min: rowhouse.RoleEditors, write: true,
			body: uploadBody, headers: map[string]string{"Content-Type": "multipart/form-data; boundary=" + uploadBoundary},
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				answers(`[2]`)(t, c, res)
				ownerSeesJSON(t, c, "/attachments/2", `{"fileName":"notes.txt","fileSize":10,"timeUploaded":"<str>"}`)
				if got := ownerSees(t, c, "GET", "/api/docs/"+c.tm.doc+"/attachments/2/download"); string(got.Body) != "some notes" {
					t.Errorf("uploaded file: %d %q", got.Status, got.Body)
				}
			}},
		{method: "GET", path: docPath("/attachments"), kind: sDoc, min: rowhouse.RoleViewers,
			check: answers(`{"records":[{"id":1,"fields":{"fileName":"hello.txt","fileSize":12,"timeUploaded":"<str>"}}]}`)},
		{method: "GET", path: docPath("/attachments/1"), kind: sDoc, min: rowhouse.RoleViewers,
			check: answers(`{"fileName":"hello.txt","fileSize":12,"timeUploaded":"<str>"}`)},
		{method: "GET", path: docPath("/attachments/1/download"), kind: sDoc, min: rowhouse.RoleViewers,
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				if string(res.Body) != helloData {
					t.Errorf("got %q, want %q", res.Body, helloData)
				}
				hasHeader(t, res, "Content-Type", "text/plain")
				if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "hello.txt") {
					t.Errorf("Content-Disposition %q", cd)
				}
			}},
		{method: "GET", path: docPath("/download"), kind: sDoc, min: rowhouse.RoleViewers,
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				hasHeader(t, res, "Content-Type", "application/x-sqlite3")
				if !bytes.HasPrefix(res.Body, []byte("SQLite format 3\x00")) || !bytes.Contains(res.Body, []byte(helloData)) {
					t.Errorf("not the document's SQLite file with its attachment: %d bytes, %q...", len(res.Body), res.Body[:min(len(res.Body), 32)])
				}
			}},
		{method: "GET", path: docPath("/download/csv?tableId=People"), kind: sDoc, min: rowhouse.RoleViewers,
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				hasHeader(t, res, "Content-Type", "text/csv; charset=utf-8")
				if want := "name,age\nAlice,30\nBob,25\n"; strings.ReplaceAll(string(res.Body), "\r\n", "\n") != want {
					t.Errorf("got %q, want %q", res.Body, want)
				}
			}},
		{method: "GET", path: docPath("/download/xlsx"), kind: sDoc, min: rowhouse.RoleViewers,
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				hasHeader(t, res, "Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
				if !bytes.HasPrefix(res.Body, []byte("PK\x03\x04")) {
					t.Errorf("not a zip (xlsx) file: %q...", res.Body[:min(len(res.Body), 16)])
				}
			}},

		// Profile and API keys
		{method: "GET", path: str("/api/profile/user"), kind: sProfile, check: func(t *testing.T, c *cell, res *testserver.Response) {
			u := obj(t, res.JSON)
			if jsonInt(t, u["id"]) != c.user.ID {
				t.Errorf("got %s, want user %d", res.Body, c.user.ID)
			}
		}},
		{method: "GET", path: str("/api/profile/apikey"), kind: sKeyRead, check: func(t *testing.T, c *cell, res *testserver.Response) {
			if k := obj(t, res.JSON); k["name"] != "default" || k["key"] != nil {
				t.Errorf("got %s", res.Body)
			}
		}},
		{method: "POST", path: str("/api/profile/apikey"), kind: sKeyManage, write: true, body: fixed(map[string]any{"force": true}),
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				if !strings.HasPrefix(string(res.Body), auth.KeyPrefix) {
					t.Errorf("got %q, want a key", res.Body)
				}
			}},
		{method: "DELETE", path: str("/api/profile/apikey"), kind: sKeyManage, write: true,
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				if string(res.Body) != "OK" {
					t.Errorf("got %q, want OK", res.Body)
				}
			}},
		{method: "GET", path: str("/api/profile/apikeys"), kind: sKeyRead, check: func(t *testing.T, c *cell, res *testserver.Response) {
			if len(arr(t, res.JSON)) == 0 || strings.Contains(string(res.Body), `"key"`) {
				t.Errorf("got %s", res.Body)
			}
		}},
		{method: "POST", path: str("/api/profile/apikeys"), kind: sKeyManage, write: true, body: fixed(map[string]any{"name": "made in a cell"}),
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				if k, _ := obj(t, res.JSON)["key"].(string); !strings.HasPrefix(k, auth.KeyPrefix) {
					t.Errorf("got %s", res.Body)
				}
			}},
		{method: "DELETE", path: func(c *cell) string { return fmt.Sprintf("/api/profile/apikeys/%d", c.keyID) }, kind: sKeyManage, write: true,
			check: func(t *testing.T, c *cell, res *testserver.Response) { isNull(t, res) }},

		// Deletions last in the listing (each cell has its own team anyway).
		{method: "POST", path: docPath(peopleRecsAt + "/delete"), kind: sDoc, min: rowhouse.RoleEditors, write: true,
			body: fixed([]any{2}),
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				isNull(t, res)
				ownerSeesJSON(t, c, peopleRecsAt, `{"records":[`+alice+`]}`)
			}},
		{method: "POST", path: docPath("/tables/People/data/delete"), kind: sDoc, min: rowhouse.RoleEditors, write: true,
			body: fixed([]any{1}),
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				isNull(t, res)
				ownerSeesJSON(t, c, peopleRecsAt, `{"records":[`+bob+`]}`)
			}},
		{method: "DELETE", path: docPath(peopleCols + "/age"), kind: sDoc, min: rowhouse.RoleEditors, write: true,
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				isNull(t, res)
				ownerSeesJSON(t, c, peopleCols, `{"columns":[`+columnJSON("name", "Text", "name", 1)+`]}`)
				ownerSeesJSON(t, c, peopleRecsAt, `{"records":[{"id":1,"fields":{"name":"Alice"}},{"id":2,"fields":{"name":"Bob"}}]}`)
			}},
		{method: "DELETE", path: docPath("/tables/People"), kind: sDoc, min: rowhouse.RoleEditors, write: true,
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				isNull(t, res)
				ownerSeesJSON(t, c, peopleTables, `{"tables":[]}`)
			}},
		{method: "DELETE", path: wsPath(""), kind: sWorkspace, min: rowhouse.RoleOwners, write: true,
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				if jsonInt(t, res.JSON) != c.tm.ws {
					t.Errorf("got %s", res.Body)
				}
				if got := ownerSees(t, c, "GET", "/api/docs/"+c.tm.doc); got.Status != 404 || got.Error() != "document not found" {
					t.Errorf("doc of a deleted workspace: %d %s", got.Status, got.Body)
				}
			}},
		{method: "DELETE", path: docPath(""), kind: sDoc, min: rowhouse.RoleOwners, write: true,
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				if res.JSON != c.tm.doc {
					t.Errorf("got %s", res.Body)
				}
				if got := ownerSees(t, c, "GET", "/api/docs/"+c.tm.doc); got.Status != 404 || got.Error() != "document not found" {
					t.Errorf("deleted doc: %d %s", got.Status, got.Body)
				}
			}},
		{method: "DELETE", path: func(c *cell) string { return "/api/orgs/" + c.tm.domain + "/" + c.tm.domain }, kind: sOrg, min: rowhouse.RoleOwners, write: true,
			check: func(t *testing.T, c *cell, res *testserver.Response) {
				if jsonInt(t, res.JSON) != c.tm.orgID {
					t.Errorf("got %s", res.Body)
				}
				if got := ownerSees(t, c, "GET", "/api/orgs/"+c.tm.domain); got.Status != 404 || got.Error() != "organization not found" {
					t.Errorf("deleted org: %d %s", got.Status, got.Body)
				}
			}},
	}
}

// TestAccessMatrix runs every endpoint as every kind of caller, each cell
// on a fresh team, and checks the status, the exact message, and that a
// refused request changed nothing (and a permitted write changed
// something).
func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	eps := matrixEndpoints()
	for _, ep := range eps {
		t.Run(ep.name(), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			for _, caller := range callers {
				t.Run(caller, func(t *testing.T) { runCell(t, w, ep, caller) })
			}
		})
	}
}

func runCell(t *testing.T, w *world, ep matrixEndpoint, caller string) {
	ctx := context.Background()
	c := &cell{w: w, tm: w.newTeam(t), caller: caller}
	person := callerUser(caller)
	if person != "" {
		c.user = w.users[person]
	}
	keyOwner := person
	if keyOwner == "" {
		keyOwner = cOwner
	}
	// A throwaway key to revoke, and a default key for Grist's
	// single-key endpoints to find.
	k, _, err := w.s.Keys.Create(ctx, w.actor(keyOwner), auth.NewKey{Name: fmt.Sprintf("throwaway %d", w.teams.Load())})
	if err != nil {
		t.Fatal(err)
	}
	c.keyID = k.ID
	if _, err := w.s.Keys.ReplaceDefault(ctx, w.actor(keyOwner), true); err != nil {
		t.Fatal(err)
	}

	var body any
	if ep.body != nil {
		body = ep.body(c)
	}
	before := w.snapshot(t, c.tm)
	res := w.s.Send(t, testserver.Request{Method: ep.method, Path: ep.path(c), Key: w.keys[caller], Body: body, Headers: ep.headers})
	after := w.snapshot(t, c.tm)

	status, msg := ep.expect(caller)
	if res.Status != status {
		t.Fatalf("%s %s as %s: status %d, want %d (%q); body %s", ep.method, ep.path(c), caller, res.Status, status, msg, res.Body)
	}
	if status != http.StatusOK {
		want, _ := json.Marshal(map[string]string{"error": msg})
		if err := testserver.MatchJSON(string(want), res.Body); err != nil {
			t.Errorf("%s %s as %s: %v; body %s", ep.method, ep.path(c), caller, err, res.Body)
		}
		if before != after {
			t.Errorf("%s %s as %s was refused but changed something:\nbefore %s\nafter  %s", ep.method, ep.path(c), caller, before, after)
		}
		return
	}
	if ep.write && before == after {
		t.Errorf("%s %s as %s succeeded but changed nothing", ep.method, ep.path(c), caller)
	}
	if !ep.write && before != after {
		t.Errorf("%s %s as %s is a read but changed something:\nbefore %s\nafter  %s", ep.method, ep.path(c), caller, before, after)
	}
	if ep.check != nil {
		ep.check(t, c, res)
	}
}

// expectMissing derives the answer to an endpoint whose org, workspace or
// document does not exist. Key limits that need no lookup come first.
func (e matrixEndpoint) expectMissing(caller string) (int, string) {
	if caller == cRevoked || caller == cExpired {
		return 401, msgInvalidKey
	}
	switch e.kind {
	case sOrg:
		if caller == cOutOfScope {
			return 403, msgDocsOnly
		}
		if caller == cReadOnly && e.write {
			return 403, msgReadOnly
		}
		return 404, "organization not found"
	case sWorkspace:
		if caller == cOutOfScope {
			return 403, msgDocsOnly
		}
		return 404, "workspace not found"
	case sDoc:
		return 404, "document not found"
	}
	panic("not a resource endpoint")
}

// TestAccessMatrixMissing runs every org, workspace and document endpoint
// on ids that do not exist, as every caller: nobody learns more than "not
// found", and nothing changes.
func TestAccessMatrixMissing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	existing := w.newTeam(t)
	before := w.snapshot(t, existing)
	missing := team{orgID: 999999, domain: "nosuch", ws: 999999, spare: existing.spare, doc: "AAAAAAAAAAAAAAAAAAAAAA"}
	for _, ep := range matrixEndpoints() {
		if ep.kind != sOrg && ep.kind != sWorkspace && ep.kind != sDoc {
			continue
		}
		for _, caller := range callers {
			c := &cell{w: w, tm: missing, caller: caller}
			var body any
			if ep.body != nil {
				body = ep.body(c)
			}
			t.Run(ep.name()+"/"+caller, func(t *testing.T) {
				res := w.s.Send(t, testserver.Request{Method: ep.method, Path: ep.path(c), Key: w.keys[caller], Body: body, Headers: ep.headers})
				status, msg := ep.expectMissing(caller)
				want, _ := json.Marshal(map[string]string{"error": msg})
				if res.Status != status {
					t.Errorf("status %d, want %d; body %s", res.Status, status, res.Body)
				}
				if err := testserver.MatchJSON(string(want), res.Body); err != nil {
					t.Errorf("%v; body %s", err, res.Body)
				}
			})
		}
	}
	if after := w.snapshot(t, existing); after != before {
		t.Errorf("requests on missing things changed something:\nbefore %s\nafter  %s", before, after)
	}
}
