package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

// fixture is a server with one team org, workspace and document whose
// tables use every column type, and users of each role.
type fixture struct {
	s                              *testserver.Server
	owner, editor, viewer, strange string // API keys
	domain                         string
	orgID, wsID                    int64
	docID                          string
}

// fixtureTables are the document's tables: Companies and People use every
// column type (a Ref with its reverse column included); Scratch is changed
// and removed by the tests that change the schema.
const fixtureTables = `{"tables": [
 {"id": "Companies", "columns": [
  {"id": "name", "fields": {"type": "Text", "label": "Name"}},
  {"id": "country", "fields": {"type": "Choice", "label": "Country", "widgetOptions": {"choices": ["FR", "US"]}}},
  {"id": "size", "fields": {"type": "Int"}},
  {"id": "revenue", "fields": {"type": "Numeric"}},
  {"id": "listed", "fields": {"type": "Bool"}},
  {"id": "founded", "fields": {"type": "Date"}},
  {"id": "checked", "fields": {"type": "DateTime:Europe/Paris"}},
  {"id": "tags", "fields": {"type": "ChoiceList", "widgetOptions": {"choices": ["b2b", "b2c"]}}},
  {"id": "logo", "fields": {"type": "Attachments"}},
  {"id": "extra", "fields": {"type": "Any"}}
 ]},
 {"id": "People", "columns": [
  {"id": "name", "fields": {"type": "Text"}},
  {"id": "email", "fields": {"type": "Text", "isUnique": true}},
  {"id": "company", "fields": {"type": "Ref:Companies", "reverseCol": "staff"}},
  {"id": "friends", "fields": {"type": "RefList:People"}}
 ]},
 {"id": "Scratch", "columns": [
  {"id": "a", "fields": {"type": "Text"}},
  {"id": "b", "fields": {"type": "Int"}}
 ]}
]}`

func newFixture(t *testing.T, opts ...testserver.Option) *fixture {
	t.Helper()
	s := testserver.New(t, opts...)
	f := &fixture{s: s, domain: "acme"}
	_, f.owner = s.UserWithKey("owner@example.com")
	_, f.editor = s.UserWithKey("editor@example.com")
	_, f.viewer = s.UserWithKey("viewer@example.com")
	_, f.strange = s.UserWithKey("stranger@example.com")
	f.orgID = f.mustInt(t, "POST", "/api/orgs", map[string]any{"name": "Acme", "domain": f.domain})
	f.wsID = f.mustInt(t, "POST", fmt.Sprintf("/api/orgs/%d/workspaces", f.orgID), map[string]any{"name": "Projects"})
	res := f.must(t, "POST", fmt.Sprintf("/api/workspaces/%d/docs", f.wsID), map[string]any{"name": "CRM"})
	f.docID = res.JSON.(string)
	f.must(t, "PATCH", fmt.Sprintf("/api/orgs/%d/access", f.orgID), map[string]any{"delta": map[string]any{"users": map[string]any{
		"editor@example.com": "editors", "viewer@example.com": "viewers"}}})
	f.must(t, "POST", f.docPath("/tables"), fixtureTables)
	att := f.upload(t, f.owner, "logo.png", "image/png", []byte("\x89PNG fake"))
	if att.Status != http.StatusOK {
		t.Fatalf("upload: %d %s", att.Status, att.Body)
	}
	f.must(t, "POST", f.docPath("/tables/Companies/records"), map[string]any{"records": []any{
		map[string]any{"fields": map[string]any{"name": "Acme", "country": "FR", "size": 12, "revenue": 1.5e6, "listed": true,
			"founded": "2001-02-03", "checked": 1700000000.25, "tags": []any{"L", "b2b"}, "logo": []any{"L", 1}, "extra": map[string]any{"k": []any{1, "x"}}}},
		map[string]any{"fields": map[string]any{"name": "Globex", "country": "US"}},
		map[string]any{},
	}})
	f.must(t, "POST", f.docPath("/tables/People/records"), map[string]any{"records": []any{
		map[string]any{"fields": map[string]any{"name": "Ann", "email": "ann@example.com", "company": 1}},
		map[string]any{"fields": map[string]any{"name": "Bob", "email": "bob@example.com", "company": 1, "friends": []any{"L", 1}}},
	}})
	f.must(t, "POST", f.docPath("/tables/Scratch/records"), map[string]any{"records": []any{
		map[string]any{"fields": map[string]any{"a": "x", "b": 1}}, map[string]any{"fields": map[string]any{"a": "y", "b": 2}}}})
	return f
}

func (f *fixture) docPath(p string) string { return "/api/docs/" + f.docID + p }

// must sends a request as the owner and fails the test unless it succeeds.
func (f *fixture) must(t *testing.T, method, path string, body any) *testserver.Response {
	t.Helper()
	res := f.s.Do(t, method, path, f.owner, body)
	if res.Status != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, res.Status, res.Body)
	}
	return res
}

func (f *fixture) mustInt(t *testing.T, method, path string, body any) int64 {
	t.Helper()
	n, err := f.must(t, method, path, body).JSON.(json.Number).Int64()
	if err != nil {
		t.Fatalf("%s %s: not an id: %v", method, path, err)
	}
	return n
}

// uploadRequest is a multipart upload of one file in the field "upload".
func uploadRequest(key, path, name, contentType string, data []byte) testserver.Request {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="upload"; filename=%q`, name))
	h.Set("Content-Type", contentType)
	part, _ := mw.CreatePart(h)
	part.Write(data)
	mw.Close()
	return testserver.Request{Method: "POST", Path: path, Key: key, Body: buf.Bytes(),
		Headers: map[string]string{"Content-Type": mw.FormDataContentType()}}
}

func (f *fixture) upload(t *testing.T, key, name, contentType string, data []byte) *testserver.Response {
	t.Helper()
	return f.s.Send(t, uploadRequest(key, f.docPath("/attachments"), name, contentType, data))
}

// load fetches a description through the server and loads it with
// kin-openapi, as a client would, and validates it.
func (f *fixture) load(t *testing.T, path, key string) *openapi3.T {
	t.Helper()
	res := f.s.Do(t, "GET", path, key, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.Status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("GET %s: Content-Type %q", path, ct)
	}
	return loadSpec(t, res.Body)
}

// loadSpec loads and validates an OpenAPI document.
func loadSpec(t *testing.T, data []byte) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	spec, err := loader.LoadFromData(data)
	if err != nil {
		t.Fatalf("load the description: %v", err)
	}
	if err := spec.Validate(context.Background()); err != nil {
		t.Fatalf("the description does not validate: %v", err)
	}
	return spec
}

func itoa(n int64) string { return fmt.Sprint(n) }
