package twenty_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

// fixture is a server with one document of companies and people (a Ref
// with its reverse column), keys of each role, and a key scoped to the
// document.
type fixture struct {
	s                              *testserver.Server
	owner, editor, viewer, strange string
	scoped, scopedRO, twoDocs      string
	doc, other                     string
}

const fixtureTables = `{"tables": [
 {"id": "Companies", "columns": [
  {"id": "name", "fields": {"type": "Text"}},
  {"id": "domain", "fields": {"type": "Text", "isUnique": true}},
  {"id": "employees", "fields": {"type": "Int"}},
  {"id": "country", "fields": {"type": "Choice", "widgetOptions": {"choices": ["FR", "US"]}}},
  {"id": "founded", "fields": {"type": "Date"}},
  {"id": "tags", "fields": {"type": "ChoiceList", "widgetOptions": {"choices": ["b2b", "b2c"]}}}
 ]},
 {"id": "People", "columns": [
  {"id": "name", "fields": {"type": "Text"}},
  {"id": "email", "fields": {"type": "Text", "isUnique": true}},
  {"id": "company", "fields": {"type": "Ref:Companies", "reverseCol": "staff"}},
  {"id": "friends", "fields": {"type": "RefList:People"}},
  {"id": "seen", "fields": {"type": "DateTime:UTC"}}
 ]}
]}`

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s := testserver.New(t)
	f := &fixture{s: s}
	var owner rowhouse.User
	owner, f.owner = s.UserWithKey("owner@example.com")
	_, f.editor = s.UserWithKey("editor@example.com")
	_, f.viewer = s.UserWithKey("viewer@example.com")
	_, f.strange = s.UserWithKey("stranger@example.com")
	ws := f.must(t, "GET", "/api/orgs/current/workspaces", nil).JSON.([]any)[0].(map[string]any)["id"].(json.Number)
	f.doc = f.must(t, "POST", "/api/workspaces/"+ws.String()+"/docs", map[string]any{"name": "CRM"}).JSON.(string)
	f.other = f.must(t, "POST", "/api/workspaces/"+ws.String()+"/docs", map[string]any{"name": "Other"}).JSON.(string)
	f.must(t, "PATCH", "/api/docs/"+f.doc+"/access", map[string]any{"delta": map[string]any{"users": map[string]any{
		"editor@example.com": "editors", "viewer@example.com": "viewers"}}})
	f.must(t, "POST", "/api/docs/"+f.doc+"/tables", fixtureTables)
	f.must(t, "POST", "/api/docs/"+f.doc+"/tables/Companies/records", map[string]any{"records": []any{
		map[string]any{"fields": map[string]any{"name": "Acme", "domain": "acme.com", "employees": 120, "country": "FR", "founded": "2001-02-03", "tags": []any{"L", "b2b"}}},
		map[string]any{"fields": map[string]any{"name": "Globex", "domain": "globex.com", "employees": 40, "country": "US"}},
		map[string]any{"fields": map[string]any{"name": "Initech", "domain": "initech.com", "employees": 40}},
	}})
	f.must(t, "POST", "/api/docs/"+f.doc+"/tables/People/records", map[string]any{"records": []any{
		map[string]any{"fields": map[string]any{"name": "Ann", "email": "ann@acme.com", "company": 1, "seen": "2024-05-01T10:00:00Z"}},
		map[string]any{"fields": map[string]any{"name": "Bob", "email": "bob@acme.com", "company": 1, "friends": []any{"L", 1}}},
		map[string]any{"fields": map[string]any{"name": "Cy", "email": "cy@globex.com", "company": 2}},
		map[string]any{"fields": map[string]any{"name": "Dee", "email": "dee@nowhere.com"}},
	}})
	f.scoped = s.Key(owner, auth.NewKey{Name: "twenty", Scopes: rowhouse.KeyScopes{Docs: []string{f.doc}}})
	f.scopedRO = s.Key(owner, auth.NewKey{Name: "twenty ro", Scopes: rowhouse.KeyScopes{Docs: []string{f.doc}, ReadOnly: true}})
	f.twoDocs = s.Key(owner, auth.NewKey{Name: "two", Scopes: rowhouse.KeyScopes{Docs: []string{f.doc, f.other}}})
	return f
}

// rest is the path of the document's Twenty REST API.
func (f *fixture) rest(p string) string { return "/api/docs/" + f.doc + "/rest" + p }

func (f *fixture) must(t *testing.T, method, path string, body any) *testserver.Response {
	t.Helper()
	res := f.s.Do(t, method, path, f.owner, body)
	if res.Status != http.StatusOK && res.Status != http.StatusCreated {
		t.Fatalf("%s %s: %d %s", method, path, res.Status, res.Body)
	}
	return res
}

// uuid is the UUID form of row id n.
func uuid(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }
