package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/rowhouse/rowhouse/internal/testserver"
	"github.com/rowhouse/rowhouse/webhook"
)

const (
	s200 = http.StatusOK
	s400 = http.StatusBadRequest
	s401 = http.StatusUnauthorized
	s403 = http.StatusForbidden
	s404 = http.StatusNotFound
	s413 = http.StatusRequestEntityTooLarge
	s422 = http.StatusUnprocessableEntity
	s429 = http.StatusTooManyRequests
)

func rq(method, path, key string, body any) testserver.Request {
	return testserver.Request{Method: method, Path: path, Key: key, Body: body}
}

func idOf(t *testing.T, res *testserver.Response) string {
	t.Helper()
	switch v := res.JSON.(type) {
	case json.Number:
		return v.String()
	case string:
		return v
	}
	t.Fatalf("not an id: %s", res.Body)
	return ""
}

// Every operation of /api/openapi.json, sent for real: each answer, success
// and error, matches the description, and every operation had both.
func TestFixedResponsesMatchDescription(t *testing.T) {
	f := newFixture(t)
	c := newChecker(t, f, f.load(t, "/api/openapi.json", ""))
	o, v, st := f.owner, f.viewer, f.strange

	// Orgs
	c.call(t, rq("GET", "/api/orgs", o, nil), s200)
	c.call(t, rq("GET", "/api/orgs", "", nil), s200)
	beta := idOf(t, c.call(t, rq("POST", "/api/orgs", o, map[string]any{"name": "Beta", "domain": "beta"}), s200))
	c.call(t, rq("POST", "/api/orgs", o, map[string]any{"name": "Beta again", "domain": "beta"}), s400)
	c.call(t, rq("POST", "/api/orgs", o, map[string]any{"name": "No domain"}), s400)
	c.call(t, rq("GET", "/api/orgs/"+beta, o, nil), s200)
	c.call(t, rq("GET", "/api/orgs/beta", o, nil), s200)
	c.call(t, rq("GET", "/api/orgs/current", o, nil), s200)
	c.call(t, rq("GET", "/api/orgs/current/usage", o, nil), s200)
	c.call(t, rq("GET", "/api/orgs/"+beta+"/usage", st, nil), s403)
	c.call(t, rq("GET", "/api/orgs/999999", o, nil), s404)
	c.call(t, rq("GET", "/api/orgs/"+beta, st, nil), s403)
	c.call(t, rq("PATCH", "/api/orgs/"+beta, o, map[string]any{"name": "Beta 2"}), s200)
	c.call(t, rq("PATCH", "/api/orgs/"+beta, o, map[string]any{"bogus": 1}), s400)
	c.call(t, rq("GET", "/api/orgs/"+beta+"/access", o, nil), s200)
	c.call(t, rq("PATCH", "/api/orgs/"+beta+"/access", o, map[string]any{"delta": map[string]any{"users": map[string]any{"viewer@example.com": "viewers"}}}), s200)
	c.call(t, rq("PATCH", "/api/orgs/"+beta+"/access", o, map[string]any{}), s400)
	c.call(t, rq("GET", "/api/orgs/"+beta+"/access", st, nil), s403)

	// Workspaces
	ws := idOf(t, c.call(t, rq("POST", "/api/orgs/"+beta+"/workspaces", o, map[string]any{"name": "W"}), s200))
	c.call(t, rq("POST", "/api/orgs/"+beta+"/workspaces", o, map[string]any{}), s400)
	c.call(t, rq("GET", "/api/orgs/"+beta+"/workspaces", o, nil), s200)
	c.call(t, rq("GET", "/api/orgs/999999/workspaces", o, nil), s404)
	c.call(t, rq("GET", "/api/workspaces/"+ws, o, nil), s200)
	c.call(t, rq("GET", "/api/workspaces/999999", o, nil), s404)
	c.call(t, rq("GET", "/api/workspaces/"+ws, st, nil), s403)
	c.call(t, rq("PATCH", "/api/workspaces/"+ws, o, map[string]any{"name": "W2"}), s200)
	c.call(t, rq("PATCH", "/api/workspaces/"+ws, o, map[string]any{}), s400)
	doc := idOf(t, c.call(t, rq("POST", "/api/workspaces/"+ws+"/docs", o, map[string]any{"name": "D"}), s200))
	c.call(t, rq("POST", "/api/workspaces/"+ws+"/docs", o, map[string]any{"name": "CRM", "template": "crm"}), s200)
	c.call(t, rq("POST", "/api/workspaces/"+ws+"/docs", o, map[string]any{"name": "CRM", "template": "nope"}), s400)
	c.call(t, rq("POST", "/api/workspaces/"+ws+"/docs", v, map[string]any{"name": "D"}), s403)
	c.call(t, rq("GET", "/api/workspaces/"+ws+"/access", o, nil), s200)
	c.call(t, rq("GET", "/api/workspaces/"+ws+"/access", st, nil), s403)
	c.call(t, rq("PATCH", "/api/workspaces/"+ws+"/access", o, map[string]any{"delta": map[string]any{"maxInheritedRole": "viewers"}}), s200)
	c.call(t, rq("PATCH", "/api/workspaces/"+ws+"/access", o, map[string]any{"delta": map[string]any{"maxInheritedRole": "nobody"}}), s400)

	// Documents
	c.call(t, rq("GET", "/api/docs/"+doc, o, nil), s200)
	c.call(t, rq("GET", "/api/docs/"+doc, st, nil), s403)
	c.call(t, rq("GET", "/api/docs/AAAAAAAAAAAAAAAAAAAAAA", o, nil), s404)
	c.call(t, rq("PATCH", "/api/docs/"+doc, o, map[string]any{"name": "D2", "isPinned": true}), s200)
	c.call(t, rq("PATCH", "/api/docs/"+doc, o, map[string]any{"urlId": 5}), s400)
	cp := idOf(t, c.call(t, rq("POST", "/api/docs/"+doc+"/copy", o, map[string]any{"workspaceId": json.Number(ws), "documentName": "Copy"}), s200))
	c.call(t, rq("POST", "/api/docs/"+doc+"/copy", o, map[string]any{"documentName": "Copy"}), s400)
	c.call(t, rq("PATCH", "/api/docs/"+cp+"/move", o, map[string]any{"workspace": f.wsID}), s200)
	c.call(t, rq("PATCH", "/api/docs/"+cp+"/move", o, map[string]any{}), s400)
	c.call(t, rq("GET", "/api/docs/"+doc+"/access", o, nil), s200)
	c.call(t, rq("GET", "/api/docs/"+doc+"/access", st, nil), s403)
	c.call(t, rq("PATCH", "/api/docs/"+doc+"/access", o, map[string]any{"delta": map[string]any{"users": map[string]any{"editor@example.com": "editors"}}}), s200)
	c.call(t, rq("PATCH", "/api/docs/"+doc+"/access", o, map[string]any{"delta": map[string]any{"users": map[string]any{"editor@example.com": "kings"}}}), s400)
	c.call(t, rq("GET", "/api/docs/"+doc+"/openapi.json", o, nil), s200)
	c.call(t, rq("GET", "/api/docs/"+doc+"/openapi.json", st, nil), s403)

	// Profile and keys
	c.call(t, rq("GET", "/api/profile/user", o, nil), s200)
	c.call(t, rq("GET", "/api/profile/apikeys", o, nil), s200)
	c.call(t, rq("GET", "/api/profile/apikeys", "", nil), s401)
	c.call(t, rq("POST", "/api/profile/user/name", o, map[string]any{"name": "Owner"}), s200)
	c.call(t, rq("PATCH", "/api/profile/user/name", o, map[string]any{"name": "Owner"}), s200)
	c.call(t, rq("POST", "/api/profile/user/name", o, map[string]any{"name": ""}), s400)
	c.call(t, rq("POST", "/api/docs/"+doc+"/force-reload", o, nil), s200)
	c.call(t, rq("POST", "/api/docs/"+doc+"/force-reload", st, nil), s403)
	key := c.call(t, rq("POST", "/api/profile/apikeys", o, map[string]any{"name": "CI", "expiresAt": "2030-01-31T00:00:00Z",
		"scopes": map[string]any{"docs": []any{f.docID}, "readOnly": true}}), s200)
	keyID := idOf(t, &testserver.Response{JSON: key.JSON.(map[string]any)["id"]})
	c.call(t, rq("POST", "/api/profile/apikeys", o, map[string]any{"name": ""}), s400)
	c.call(t, rq("GET", "/api/profile/apikeys", o, nil), s200) // now with a scoped, expiring key
	c.call(t, rq("DELETE", "/api/profile/apikeys/"+keyID, o, nil), s200)
	c.call(t, rq("DELETE", "/api/profile/apikeys/"+keyID, o, nil), s404)
	c.call(t, rq("GET", "/api/profile/apikey", o, nil), s200) // null: no default key yet
	c.call(t, rq("POST", "/api/profile/apikey", o, map[string]any{}), s200)
	c.call(t, rq("POST", "/api/profile/apikey", o, map[string]any{}), s400)
	c.call(t, rq("GET", "/api/profile/apikey", o, nil), s200)
	c.call(t, rq("DELETE", "/api/profile/apikey", o, nil), s200)
	c.call(t, rq("DELETE", "/api/profile/apikey", "", nil), s401) // the anonymous user has no keys

	// The descriptions and the health checks
	c.call(t, rq("GET", "/api/openapi.json", "", nil), s200)
	c.call(t, rq("GET", "/healthz", "", nil), s200)
	c.call(t, rq("GET", "/readyz", "", nil), s200)
	c.call(t, rq("GET", "/metrics", "", nil), s200)

	// Deletions last
	c.call(t, rq("DELETE", "/api/docs/"+doc, st, nil), s403)
	c.call(t, rq("DELETE", "/api/docs/"+doc, o, nil), s200)
	c.call(t, rq("DELETE", "/api/workspaces/"+ws, st, nil), s403)
	c.call(t, rq("DELETE", "/api/workspaces/"+ws, o, nil), s200)
	c.call(t, rq("DELETE", "/api/orgs/"+beta+"/wrong", o, nil), s400)
	c.call(t, rq("DELETE", "/api/orgs/"+beta+"/beta", o, nil), s200)

	c.badKeyEverywhere(t, map[string]string{"org": "current", "ws": "1", "doc": f.docID, "name": "x", "id": "1"})
	c.covered(t)
}

// The limits every request meets before any handler, on every operation
// that documents them: a body over the server's limit is 413, and a caller
// past its rate limit gets 429 with Retry-After, everywhere.
func TestLimitsMatchDescriptions(t *testing.T) {
	const limit = 100
	f := newFixture(t, testserver.WithMaxBody(64<<10), testserver.WithRateLimit(limit, time.Hour))
	big := `{"name": "` + strings.Repeat("x", 65<<10) + `"}`
	samples := map[string]string{"org": "current", "ws": "1", "doc": f.docID, "name": "x", "id": "1",
		"colId": "a", "attachmentId": "1", "webhookId": "w", "deliveryId": "d", "objectId": "o", "fieldId": "f"}
	for _, path := range []string{"/api/openapi.json", f.docPath("/openapi.json")} {
		c := newChecker(t, f, f.load(t, path, f.owner))
		n := len(c.everywhere(t, samples, func(op *openapi3.Operation) bool { return op.Responses.Status(s413) != nil },
			testserver.Request{Key: f.owner, Body: big}, s413))
		t.Logf("%s: 413 validated on the %d operations that document it", path, n)
	}
	for range limit {
		f.s.Do(t, "GET", "/healthz", f.viewer, nil)
	}
	for _, path := range []string{"/api/openapi.json", f.docPath("/openapi.json")} {
		c := newChecker(t, f, f.load(t, path, f.owner))
		all := c.everywhere(t, samples, nil, testserver.Request{Key: f.viewer}, s429)
		t.Logf("%s: 429 validated on all %d operations", path, len(all))
		for _, res := range all {
			if _, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil {
				t.Errorf("Retry-After %q", res.Header.Get("Retry-After"))
			}
		}
	}
}

// Every operation of a document's description, sent for real: each answer,
// success and error, matches the description, and every operation had
// both. The document's tables use every column type.
func TestDocumentResponsesMatchDescription(t *testing.T) {
	f := newFixture(t)
	c := newChecker(t, f, f.load(t, f.docPath("/openapi.json"), f.viewer))
	o, e, v, st := f.owner, f.editor, f.viewer, f.strange
	p := f.docPath

	// Reads, in every format.
	c.call(t, rq("GET", p("/tables"), v, nil), s200)
	c.call(t, rq("GET", p("/tables?expand=column"), v, nil), s200)
	c.call(t, rq("GET", p("/tables"), st, nil), s403)
	for _, table := range []string{"Companies", "People", "Scratch"} {
		tp := p("/tables/" + table)
		c.call(t, rq("GET", tp+"/records", v, nil), s200)
		c.call(t, rq("GET", tp+"/records?cellFormat=typed", v, nil), s200)
		c.call(t, rq("GET", tp+"/records?hidden=1&limit=1&count=1", v, nil), s200)
		c.call(t, rq("POST", tp+"/records/list", v, map[string]any{"limit": 2, "sort": []any{"-id"}, "cellFormat": "typed", "hidden": true, "count": true}), s200)
		c.call(t, rq("GET", tp+"/data", v, nil), s200)
		c.call(t, rq("GET", tp+"/data?cellFormat=typed", v, nil), s200)
		c.call(t, rq("GET", tp+"/columns", v, nil), s200)
		c.call(t, rq("GET", tp+"/records?sort=nope", v, nil), s400)
	}
	cp := p("/tables/Companies")
	c.call(t, rq("GET", cp+`/records?filter={"name":["Acme"]}&sort=-size`, v, nil), s200)
	c.call(t, testserver.Request{Method: "GET", Path: cp + "/records", Key: v, Headers: map[string]string{"X-Sort": "name", "X-Limit": "1"}}, s200)
	c.call(t, rq("GET", cp+`/records?filter={"name":"Acme"}`, v, nil), s400)
	c.call(t, rq("GET", cp+"/records", st, nil), s403)
	c.call(t, rq("POST", cp+"/records/list", v, map[string]any{"bogus": true}), s400)
	c.call(t, rq("POST", cp+"/records/list", st, map[string]any{}), s403)
	c.call(t, rq("GET", cp+"/data?limit=-1", v, nil), s400)
	c.call(t, rq("GET", cp+"/columns", st, nil), s403)

	// SQL, attachments and downloads.
	c.call(t, rq("GET", p("/sql?q=select+*+from+%22Companies%22"), v, nil), s200)
	c.call(t, rq("GET", p("/sql?q=delete+from+Companies"), v, nil), s400)
	c.call(t, rq("POST", p("/sql"), v, map[string]any{"sql": `select name, size from "Companies" where size > ?`, "args": []any{1}, "timeout": 500}), s200)
	c.call(t, rq("POST", p("/sql"), v, map[string]any{"args": []any{1}}), s400)
	c.call(t, uploadRequest(e, p("/attachments"), "notes.txt", "text/plain", []byte("hello")), s200)
	c.call(t, uploadRequest(v, p("/attachments"), "notes.txt", "text/plain", []byte("hello")), s403)
	c.call(t, rq("POST", p("/attachments"), e, map[string]any{}), s400)
	c.call(t, rq("GET", p("/attachments"), v, nil), s200)
	c.call(t, rq("GET", p("/attachments"), st, nil), s403)
	c.call(t, rq("GET", p("/attachments/1"), v, nil), s200)
	c.call(t, rq("GET", p("/attachments/999"), v, nil), s404)
	c.call(t, rq("GET", p("/attachments/1/download"), v, nil), s200)
	c.call(t, rq("GET", p("/attachments/2/download"), v, nil), s200)
	c.call(t, rq("GET", p("/attachments/999/download"), v, nil), s404)
	c.call(t, rq("GET", p("/attachments/1/download?tableId=Companies"), v, nil), s400)
	c.call(t, rq("GET", p("/attachments/archive"), v, nil), s200)
	c.call(t, rq("GET", p("/attachments/archive?format=tar"), v, nil), s200)
	c.call(t, rq("GET", p("/attachments/archive?format=rar"), v, nil), s400)
	c.call(t, rq("GET", p("/attachments/archive"), st, nil), s403)
	c.call(t, rq("POST", p("/attachments/removeUnused?expiredonly=1"), o, nil), s200)
	c.call(t, rq("POST", p("/attachments/removeUnused"), e, nil), s403)
	c.call(t, rq("GET", p("/download"), v, nil), s200)
	c.call(t, rq("GET", p("/download"), st, nil), s403)
	c.call(t, rq("GET", p("/download/csv?tableId=Companies&header=label"), v, nil), s200)
	c.call(t, rq("GET", p("/download/csv"), v, nil), s400)
	c.call(t, rq("GET", p("/download/xlsx"), v, nil), s200)
	c.call(t, rq("GET", p("/download/xlsx"), st, nil), s403)
	c.call(t, rq("GET", p("/openapi.json"), v, nil), s200)
	c.call(t, rq("GET", p("/openapi.json"), st, nil), s403)

	// Record writes.
	fields := map[string]any{"name": "Initech", "country": "US", "size": 3, "revenue": 2.5, "listed": false,
		"founded": 1704067200, "checked": "2024-01-01T10:30:00", "tags": []any{"L", "b2b", "b2c"}, "logo": []any{"L", 2}, "extra": []any{1, 2}}
	c.call(t, rq("POST", cp+"/records", e, map[string]any{"records": []any{map[string]any{"fields": fields}, map[string]any{}}}), s200)
	c.call(t, rq("POST", cp+"/records?noparse=1", e, map[string]any{"records": []any{map[string]any{"fields": map[string]any{"name": "Raw"}}}}), s200)
	c.call(t, rq("POST", cp+"/records", v, map[string]any{"records": []any{}}), s403)
	c.call(t, rq("POST", cp+"/records", e, map[string]any{"records": []any{map[string]any{"fields": map[string]any{"nope": 1}}}}), s400)
	many := make([]any, 10_001)
	for i := range many {
		many[i] = map[string]any{}
	}
	c.call(t, rq("POST", cp+"/records", e, map[string]any{"records": many}), s413)
	idem := func(body any) testserver.Request {
		r := rq("POST", cp+"/records", e, body)
		r.Headers = map[string]string{"Idempotency-Key": "k1"}
		return r
	}
	one := map[string]any{"records": []any{map[string]any{"fields": map[string]any{"name": "Once"}}}}
	c.call(t, idem(one), s200)
	if res := c.call(t, idem(one), s200); res.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("a repeated Idempotency-Key was not replayed")
	}
	c.call(t, idem(map[string]any{"records": []any{}}), s422)
	c.call(t, rq("PATCH", cp+"/records", e, map[string]any{"records": []any{map[string]any{"id": 2, "fields": map[string]any{"size": 99, "founded": []any{"d", 0}}}}}), s200)
	c.call(t, rq("PATCH", cp+"/records", e, map[string]any{"records": []any{map[string]any{"id": 999, "fields": map[string]any{"size": 1}}}}), s400)
	c.call(t, rq("PATCH", cp+"/records", v, map[string]any{"records": []any{}}), s403)
	c.call(t, rq("PUT", cp+"/records?onmany=all", e, map[string]any{"records": []any{
		map[string]any{"require": map[string]any{"name": "Acme"}, "fields": map[string]any{"size": 13}},
		map[string]any{"require": map[string]any{"name": "Hooli"}, "fields": map[string]any{"country": "US"}}}}), s200)
	c.call(t, rq("PUT", cp+"/records?onmany=bad", e, map[string]any{"records": []any{map[string]any{"require": map[string]any{"name": "Acme"}}}}), s400)
	c.call(t, rq("PUT", cp+"/records", v, map[string]any{"records": []any{}}), s403)
	c.call(t, rq("POST", cp+"/records/delete", e, []any{3}), s200)
	c.call(t, rq("POST", cp+"/records/delete", e, map[string]any{}), s400)
	c.call(t, rq("POST", cp+"/records/delete", v, []any{1}), s403)
	pp := p("/tables/People")
	c.call(t, rq("POST", pp+"/records", e, map[string]any{"records": []any{map[string]any{"fields": map[string]any{
		"name": "Cy", "email": "cy@example.com", "company": []any{"R", "Companies", 2}, "friends": []any{"r", "People", []any{1, 2}}}}}}), s200)
	c.call(t, rq("POST", pp+"/records", e, map[string]any{"records": []any{map[string]any{"fields": map[string]any{"email": "cy@example.com"}}}}), s400)
	c.call(t, rq("GET", pp+"/records?cellFormat=typed", v, nil), s200)
	c.call(t, rq("GET", cp+"/records?cellFormat=typed&hidden=1", v, nil), s200)

	// Column-oriented data and user actions.
	c.call(t, rq("POST", cp+"/data", e, map[string]any{"name": []any{"D1", "D2"}, "size": []any{1, nil}}), s200)
	c.call(t, rq("POST", cp+"/data", e, map[string]any{"name": []any{"D1"}, "size": []any{1, 2}}), s400)
	c.call(t, rq("PATCH", cp+"/data", e, map[string]any{"id": []any{1}, "listed": []any{false}}), s200)
	c.call(t, rq("PATCH", cp+"/data", e, map[string]any{"listed": []any{false}}), s400)
	c.call(t, rq("POST", cp+"/data/delete", e, []any{4}), s200)
	c.call(t, rq("POST", cp+"/data/delete", v, []any{1}), s403)
	c.call(t, rq("POST", p("/apply"), e, []any{
		[]any{"AddRecord", "Scratch", nil, map[string]any{"a": "z"}},
		[]any{"BulkAddRecord", "Scratch", []any{nil, nil}, map[string]any{"a": []any{"p", "q"}}},
		[]any{"UpdateRecord", "Scratch", 1, map[string]any{"b": 5}},
		[]any{"RemoveRecord", "Scratch", 2},
	}), s200)
	c.call(t, rq("POST", p("/apply"), e, []any{[]any{"Explode", "Scratch"}}), s400)
	c.call(t, rq("POST", p("/apply"), v, []any{}), s403)

	// Every table: the writes, then the schema changes, then removal.
	samples := map[string]map[string]any{"Companies": fields, "People": {"name": "Dee", "email": "dee@example.com"}, "Scratch": {"a": "s", "b": 7}}
	textCol := map[string]string{"Companies": "name", "People": "name", "Scratch": "a"}
	for _, table := range []string{"Companies", "People", "Scratch"} {
		tp, sample, col := p("/tables/"+table), samples[table], textCol[table]
		added := c.call(t, rq("POST", tp+"/records", e, map[string]any{"records": []any{map[string]any{"fields": sample}}}), s200)
		id := idOf(t, &testserver.Response{JSON: added.JSON.(map[string]any)["records"].([]any)[0].(map[string]any)["id"]})
		rowID := json.Number(id)
		c.call(t, rq("PATCH", tp+"/records", e, map[string]any{"records": []any{map[string]any{"id": rowID, "fields": sample}}}), s200)
		c.call(t, rq("PUT", tp+"/records", e, map[string]any{"records": []any{map[string]any{"require": map[string]any{"id": rowID}, "fields": map[string]any{col: "upserted"}}}}), s200)
		c.call(t, rq("PUT", tp+"/records", e, map[string]any{"records": []any{map[string]any{"fields": map[string]any{col: "x"}}}}), s400)
		data := c.call(t, rq("POST", tp+"/data", e, map[string]any{col: []any{"by column"}}), s200)
		dataID := data.JSON.([]any)[0].(json.Number)
		c.call(t, rq("PATCH", tp+"/data", e, map[string]any{"id": []any{dataID}, col: []any{"changed"}}), s200)
		c.call(t, rq("POST", tp+"/data/delete", e, []any{dataID}), s200)
		c.call(t, rq("POST", tp+"/records/delete", e, []any{rowID}), s200)
		c.call(t, rq("POST", tp+"/records/delete", e, []any{rowID}), s400)
		c.call(t, rq("GET", tp+"/records?hidden=1&cellFormat=typed", v, nil), s200)

		c.call(t, rq("POST", tp+"/columns", e, map[string]any{"columns": []any{map[string]any{"id": "tmp", "fields": map[string]any{"type": "Bool", "label": "Tmp"}}}}), s200)
		c.call(t, rq("POST", tp+"/columns", e, map[string]any{"columns": []any{map[string]any{"fields": map[string]any{"isFormula": true, "formula": "1"}}}}), s400)
		c.call(t, rq("PATCH", tp+"/columns", e, map[string]any{"columns": []any{map[string]any{"id": "tmp", "fields": map[string]any{"label": "Tmp!"}}}}), s200)
		c.call(t, rq("PATCH", tp+"/columns", e, map[string]any{"columns": []any{map[string]any{"id": "zz", "fields": map[string]any{"label": "?"}}}}), s404)
		c.call(t, rq("PUT", tp+"/columns?noadd=1", e, map[string]any{"columns": []any{map[string]any{"id": "tmp", "fields": map[string]any{"label": "Tmp 2"}}}}), s200)
		c.call(t, rq("PUT", tp+"/columns", e, map[string]any{"columns": []any{map[string]any{"fields": map[string]any{}}}}), s400)
		c.call(t, rq("DELETE", tp+"/columns/"+col, e, nil), s200)
		c.call(t, rq("DELETE", tp+"/columns/"+col, e, nil), s404)
	}
	c.call(t, rq("POST", p("/tables"), e, map[string]any{"tables": []any{map[string]any{"id": "Extra", "columns": []any{map[string]any{"id": "x"}}}}}), s200)
	c.call(t, rq("POST", p("/tables"), e, map[string]any{}), s400)
	c.call(t, rq("PATCH", p("/tables"), e, map[string]any{"tables": []any{map[string]any{"id": "Scratch", "fields": map[string]any{"nameSingular": "scrap"}}}}), s200)
	c.call(t, rq("PATCH", p("/tables"), e, map[string]any{"tables": []any{map[string]any{"id": "Nope", "fields": map[string]any{"nameSingular": "x"}}}}), s404)
	for _, table := range []string{"Scratch", "People", "Companies"} {
		tp := p("/tables/" + table)
		c.call(t, rq("DELETE", tp, v, nil), s403)
		c.call(t, rq("DELETE", tp, e, nil), s200)
		c.call(t, rq("DELETE", tp, o, nil), s404)
	}

	c.badKeyEverywhere(t, map[string]string{"colId": "a", "attachmentId": "1", "webhookId": "w", "deliveryId": "d", "id": "1", "objectId": "o", "fieldId": "f"})
	tags := []string{"document"}
	for _, table := range []string{"Companies", "People", "Scratch"} {
		tags = append(tags, table)
	}
	c.covered(t, tags...) // webhooks, the change feed and GraphQL: TestWebhookAndGraphQLResponsesMatchDescription
}

// Webhooks, the change feed and GraphQL, sent for real: each answer matches
// the document's description, and every operation had a success and an
// error. A webhook delivers to a local receiver, so that there is a
// delivery to list and to send again.
func TestWebhookAndGraphQLResponsesMatchDescription(t *testing.T) {
	f := newFixture(t)
	f.s.AllowPrivateWebhooks()
	c := newChecker(t, f, f.load(t, f.docPath("/openapi.json"), f.viewer))
	o, v, st := f.owner, f.viewer, f.strange
	p := f.docPath
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer receiver.Close()

	// Webhooks
	hook := map[string]any{"url": receiver.URL + "/hook", "eventTypes": []any{"add", "update"}, "tableId": "Companies"}
	created := c.call(t, rq("POST", p("/webhooks"), o, map[string]any{"webhooks": []any{map[string]any{"fields": hook}}}), s200)
	hookID := created.JSON.(map[string]any)["webhooks"].([]any)[0].(map[string]any)["id"].(string)
	c.call(t, rq("POST", p("/webhooks"), v, map[string]any{"webhooks": []any{map[string]any{"fields": hook}}}), s403)
	c.call(t, rq("POST", p("/webhooks"), o, map[string]any{"webhooks": []any{}}), s400)
	c.call(t, rq("POST", p("/webhooks"), o, map[string]any{"webhooks": []any{map[string]any{"fields": map[string]any{
		"url": receiver.URL, "eventTypes": []any{"add"}, "tableId": "Nope"}}}}), s404)
	f.must(t, "POST", p("/tables/Companies/records"), map[string]any{"records": []any{map[string]any{"fields": map[string]any{"name": "Hooked"}}}})
	d := f.s.Dispatcher(webhook.Options{})
	if err := d.Step(context.Background()); err != nil {
		t.Fatalf("dispatch: %v", err)
	}
	c.call(t, rq("GET", p("/webhooks"), o, nil), s200)
	c.call(t, rq("GET", p("/webhooks"), v, nil), s403)
	deliveries := c.call(t, rq("GET", p("/webhooks/"+hookID+"/deliveries"), o, nil), s200)
	list, _ := deliveries.JSON.(map[string]any)["deliveries"].([]any)
	if len(list) == 0 {
		t.Fatalf("no delivery was made: %s", deliveries.Body)
	}
	deliveryID := list[0].(map[string]any)["id"].(string)
	c.call(t, rq("GET", p("/webhooks/"+hookID+"/deliveries?limit=0"), o, nil), s400)
	c.call(t, rq("GET", p("/webhooks/nope/deliveries"), o, nil), s404)
	c.call(t, rq("POST", p("/webhooks/"+hookID+"/deliveries/"+deliveryID+"/redeliver"), o, nil), s200)
	c.call(t, rq("POST", p("/webhooks/"+hookID+"/deliveries/nope/redeliver"), o, nil), s404)
	c.call(t, rq("PATCH", p("/webhooks/"+hookID), o, map[string]any{"enabled": false, "name": "paused"}), s200)
	c.call(t, rq("PATCH", p("/webhooks/"+hookID), o, map[string]any{"eventTypes": []any{}}), s400)
	c.call(t, rq("PATCH", p("/webhooks/nope"), o, map[string]any{"enabled": true}), s404)
	c.call(t, rq("GET", p("/webhooks"), o, nil), s200) // a disabled webhook
	c.call(t, rq("DELETE", p("/webhooks/queue"), o, nil), s200)
	c.call(t, rq("DELETE", p("/webhooks/queue"), v, nil), s403)
	c.call(t, rq("DELETE", p("/webhooks/"+hookID), v, nil), s403)
	c.call(t, rq("DELETE", p("/webhooks/"+hookID), o, nil), s200)

	// The change feed: an endless stream, read for a moment.
	follow := func(t *testing.T, r testserver.Request, want int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		req := httptest.NewRequest(r.Method, r.Path, nil).WithContext(ctx)
		if r.Key != "" {
			req.Header.Set("Authorization", "Bearer "+r.Key)
		}
		rec := httptest.NewRecorder()
		f.s.Handler.ServeHTTP(rec, req)
		res := &testserver.Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
		if res.Status != want {
			t.Fatalf("%s: status %d, want %d: %s", r.Path, res.Status, want, res.Body)
		}
		if want == s200 && !bytes.Contains(res.Body, []byte("\nid: ")) {
			t.Errorf("%s: no event in %q", r.Path, res.Body)
		}
		if err := c.validate(t, r, res, want == s200); err != nil {
			t.Errorf("%s: the answer does not match the description: %v", r.Path, err)
		}
	}
	follow(t, rq("GET", p("/changes?since=0"), v, nil), s200)
	follow(t, rq("GET", p("/changes?since=x"), v, nil), s400)
	follow(t, rq("GET", p("/changes"), st, nil), s403)

	// GraphQL: answers, and its own error shape.
	for _, ep := range []struct{ path, query, bad string }{
		{p("/graphql"), "{ companies(first: 1) { totalCount edges { node { id name } } } }", "{ nope }"},
		{p("/graphql/metadata"), "{ tables { id nameSingular namePlural columns { id type } } }", "{ nope }"},
	} {
		c.call(t, rq("POST", ep.path, v, map[string]any{"query": ep.query}), s200)
		c.call(t, rq("GET", ep.path+"?query="+url.QueryEscape(ep.query), v, nil), s200)
		c.call(t, rq("POST", ep.path, v, map[string]any{"query": ep.bad}), s400)
		c.call(t, rq("GET", ep.path+"?query="+url.QueryEscape(ep.query), st, nil), s403)
	}
	c.call(t, rq("POST", p("/graphql"), f.editor, map[string]any{"query": `mutation { createCompany(data: {name: "Q"}) { id name } }`}), s200)

	c.badKeyEverywhere(t, map[string]string{"colId": "a", "attachmentId": "1", "webhookId": "w", "deliveryId": "d", "id": "1", "objectId": "o", "fieldId": "f"})
	c.covered(t, "webhooks", "changes", "graphql")
}

// When the storage cannot be reached, /readyz answers 503 in the error
// shape, as the fixed description says.
func TestReadyzUnavailableMatchesDescription(t *testing.T) {
	f := newFixture(t)
	c := newChecker(t, f, f.load(t, "/api/openapi.json", ""))
	if err := f.s.Engine.Close(); err != nil {
		t.Fatalf("close the engine: %v", err)
	}
	res := c.call(t, rq("GET", "/readyz", "", nil), http.StatusServiceUnavailable)
	if res.Error() != "storage is not reachable" {
		t.Errorf("error %q", res.Error())
	}
}
