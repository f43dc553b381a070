package graphql_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

func TestErrors(t *testing.T) {
	e := newEnv(t)
	e.fixture(t)
	// people > friends x6 > city > name: 9 levels.
	deep := "{ people { edges { node { " + strings.Repeat("friends { edges { node { ", 6) + "city { name }" + strings.Repeat(" } } }", 6) + " } } } }"
	var wide strings.Builder
	wide.WriteString("{")
	for i := range 65 {
		fmt.Fprintf(&wide, " p%d: person(id: %d) { name }", i, i+1)
	}
	wide.WriteString(" }")
	many := make([]any, 10_001)
	for i := range many {
		many[i] = map[string]any{}
	}
	e.run(t, e.gqlPath, []gqlCase{
		{name: "syntax error", query: `{ people { edges `, status: 400,
			json: `{"errors":[{"message":"Expected Name, found <EOF>","locations":[{"line":1,"column":18}],"extensions":{"code":"GRAPHQL_PARSE_FAILED"}}]}`},
		{name: "unknown field", query: `{ people { nope } }`, status: 400,
			json: `{"errors":[{"message":"Cannot query field \"nope\" on type \"PersonConnection\".","locations":[{"line":1,"column":12}],"extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]}`},
		{name: "filter on an unknown column", query: `{ people(filter: {nope: {eq: 1}}) { totalCount } }`, status: 400,
			has: []string{`Field \"nope\" is not defined by type \"PersonFilter\"`, `"GRAPHQL_VALIDATION_FAILED"`}},
		{name: "operator that does not fit the type", query: `{ people(filter: {age: {like: "x"}}) { totalCount } }`, status: 400,
			has: []string{`"GRAPHQL_VALIDATION_FAILED"`, `\"like\"`}},
		{name: "wrong variable type", query: `query($n: Int) { people(first: $n) { totalCount } }`, vars: map[string]any{"n": "ten"}, status: 400,
			json: `{"errors":[{"message":"cannot use string as Int","path":["variable","n"],"extensions":{"code":"BAD_USER_INPUT"}}]}`},
		{name: "missing variable", query: `query($n: Int!) { people(first: $n) { totalCount } }`, status: 400,
			has: []string{`"BAD_USER_INPUT"`, `must be defined`}},
		{name: "too deep", query: deep, status: 400,
			json: `{"errors":[{"message":"the query is deeper than 8 levels at \"name\" (depth limit)","extensions":{"code":"LIMIT_EXCEEDED"}}]}`},
		{name: "page above the maximum", query: `{ people(first: 10001) { totalCount } }`, status: 400,
			json: `{"errors":[{"message":"first 10001 at \"people\" is above the maximum page size 10000 (page size limit)","extensions":{"code":"LIMIT_EXCEEDED"}}]}`},
		{name: "nested page above the maximum", query: `{ people { edges { node { friends(last: 20000) { totalCount } } } } }`, status: 400,
			has: []string{`last 20000 at \"friends\" is above the maximum page size 10000 (page size limit)`}},
		{name: "too many reads", query: wide.String(), status: 400,
			json: `{"errors":[{"message":"the query reads records 65 times, above the limit 64 (complexity limit): ask for fewer fields","extensions":{"code":"LIMIT_EXCEEDED"}}]}`},
		{name: "too complex", query: `{ people(first: 10000) { edges { node { friends(first: 10000) { edges { node { name } } } } } } }`, status: 400,
			has: []string{`(complexity limit)`, `"LIMIT_EXCEEDED"`}},
		{name: "batch above the maximum", query: `mutation($d: [PersonCreateInput!]!) { createPeople(data: $d) { id } }`, vars: map[string]any{"d": many}, status: 413,
			json: `{"errors":[{"message":"createPeople has 10001 records, above the maximum batch size 10000 (batch size limit)","extensions":{"code":"LIMIT_EXCEEDED"}}]}`},
		{name: "orderBy naming two fields", query: `{ people(orderBy: [{name: AscNullsFirst, age: AscNullsFirst}]) { totalCount } }`,
			json: `{"errors":[{"message":"orderBy[0] must name exactly one field, not 2","path":["people"],"extensions":{"code":"BAD_USER_INPUT"}}],"data":null}`},
		{name: "bad cursor", query: `{ people(first: 1, after: "nope") { totalCount } }`,
			has: []string{`"path":["people"]`, `"BAD_USER_INPUT"`, `"data":null`}},
		{name: "first and last", query: `{ people(first: 1, last: 1) { totalCount } }`,
			json: `{"errors":[{"message":"use either first or last, not both","path":["people"],"extensions":{"code":"BAD_USER_INPUT"}}],"data":null}`},
		{name: "error in a nullable field keeps the others", query: `{ person(filter: {seen: {eq: "yesterday"}}) { name } company(id: 1) { name } }`,
			json: `{"errors":[{"message":"invalid DateTime \"yesterday\": expected RFC 3339, e.g. 2024-05-01T12:00:00Z","path":["person"],"extensions":{"code":"BAD_USER_INPUT"}}],"data":{"person":null,"company":{"name":"Acme"}}}`},
		{name: "several operations without a name", query: `query A { _schemaVersion } query B { _schemaVersion }`, status: 400,
			json: `{"errors":[{"message":"the query has several operations: name one with operationName","extensions":{"code":"BAD_REQUEST"}}]}`},
	})
	for _, c := range []testserver.Scenario{
		{Name: "body not JSON", Body: "{", Status: 400, Contains: []string{`"BAD_REQUEST"`}},
		{Name: "no query", Body: map[string]any{"variables": map[string]any{}}, Status: 400,
			JSON: `{"errors":[{"message":"the request has no query","extensions":{"code":"BAD_REQUEST"}}]}`},
		{Name: "operationName", Body: map[string]any{"query": `query A { a: _schemaVersion } query B { b: _schemaVersion }`, "operationName": "B"}, Status: 200,
			JSON: `{"data":{"b":"` + testserver.Int + `"}}`},
		{Name: "unknown operationName", Body: map[string]any{"query": `query A { _schemaVersion }`, "operationName": "C"}, Status: 400,
			JSON: `{"errors":[{"message":"unknown operation C","extensions":{"code":"BAD_REQUEST"}}]}`},
		{Name: "application/graphql body", Body: `{ person(id: 4) { name } }`, Headers: map[string]string{"Content-Type": "application/graphql"}, Status: 200,
			JSON: `{"data":{"person":{"name":"Dee"}}}`},
	} {
		c.Method, c.URL, c.Key = "POST", e.gqlPath, e.ownerKey
		c.Run(t, e.s)
	}
}

// TestBodyLimit: a streamed body (no Content-Length) past the server's
// limit is 413 with a GraphQL error. (A declared length past the limit is
// refused by the server's middleware before any surface sees it.)
func TestBodyLimit(t *testing.T) {
	e := newEnv(t, testserver.WithMaxBody(1000))
	e.sample(t)
	body := `{"query": "{ _schemaVersion }", "variables": {"pad": "` + strings.Repeat("x", 2000) + `"}}`
	req := httptest.NewRequest("POST", e.gqlPath, io.MultiReader(strings.NewReader(body)))
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer "+e.ownerKey)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.s.Handler.ServeHTTP(rec, req)
	if rec.Code != 413 || !strings.Contains(rec.Body.String(), `"extensions":{"code":"LIMIT_EXCEEDED"}`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

func TestAccess(t *testing.T) {
	e := newEnv(t)
	e.fixture(t)
	query := map[string]any{"query": `{ person(id: 1) { name } }`}
	mutation := map[string]any{"query": `mutation { updatePerson(id: 1, data: {age: 31}) { age } }`}
	meta := map[string]any{"query": `mutation { createTable(data: {id: "T"}) { id } }`}
	for _, c := range []testserver.Scenario{
		{Name: "viewer reads", Key: e.viewerKey, Body: query, Status: 200, JSON: `{"data":{"person":{"name":"Ann"}}}`},
		{Name: "viewer may not mutate", Key: e.viewerKey, Body: mutation, Status: 403,
			JSON: `{"errors":[{"message":"No write access","extensions":{"code":"FORBIDDEN"}}]}`},
		{Name: "editor mutates", Key: e.editorKey, Body: mutation, Status: 200, JSON: `{"data":{"updatePerson":{"age":31}}}`},
		{Name: "stranger", Key: e.strangerKey, Body: query, Status: 403,
			JSON: `{"errors":[{"message":"No view access","extensions":{"code":"FORBIDDEN"}}]}`},
		{Name: "anonymous", Body: query, Status: 403,
			JSON: `{"errors":[{"message":"No view access","extensions":{"code":"FORBIDDEN"}}]}`},
		{Name: "bad key", Key: "rh_nope", Body: query, Status: 401, Contains: []string{"invalid API key"}},
		{Name: "unknown doc", URL: "/api/docs/AAAAAAAAAAAAAAAAAAAAAA/graphql", Key: e.ownerKey, Body: query, Status: 404,
			JSON: `{"errors":[{"message":"document not found","extensions":{"code":"NOT_FOUND"}}]}`},
		{Name: "wrong org prefix", URL: "/o/elsewhere" + e.gqlPath, Key: e.ownerKey, Body: query, Status: 404,
			JSON: `{"errors":[{"message":"document not found","extensions":{"code":"NOT_FOUND"}}]}`},
		{Name: "personal org prefix", URL: "/o/docs" + e.gqlPath, Key: e.ownerKey, Body: query, Status: 200,
			JSON: `{"data":{"person":{"name":"Ann"}}}`},
		{Name: "viewer reads metadata", URL: e.metaPath, Key: e.viewerKey, Body: map[string]any{"query": `{ table(id: "Cities") { id } }`}, Status: 200,
			JSON: `{"data":{"table":{"id":"Cities"}}}`},
		{Name: "viewer may not change metadata", URL: e.metaPath, Key: e.viewerKey, Body: meta, Status: 403,
			JSON: `{"errors":[{"message":"No write access","extensions":{"code":"FORBIDDEN"}}]}`},
		{Name: "stranger metadata", URL: e.metaPath, Key: e.strangerKey, Body: meta, Status: 403,
			JSON: `{"errors":[{"message":"No view access","extensions":{"code":"FORBIDDEN"}}]}`},
	} {
		c.Method = "POST"
		if c.URL == "" {
			c.URL = e.gqlPath
		}
		c.Run(t, e.s)
	}
}

// TestCoreLimits: page and batch limits are the core's (--max-page,
// --max-batch), and a nested connection reads at most 10 pages of rows.
func TestCoreLimits(t *testing.T) {
	e := newLimitedEnv(t, engines(t)["sqlite"](t), core.Limits{MaxPage: 5, MaxBatch: 3})
	e.sample(t)
	rows := make([]core.Row, 51)
	for i := range rows {
		rows[i] = core.Row{Fields: map[string]any{"Company": 1}}
	}
	e.apply(t, core.AddRecords{Table: "Companies", Rows: []core.Row{{Fields: map[string]any{"name": "Big"}}}})
	for i := 0; i < len(rows); i += 3 {
		e.apply(t, core.AddRecords{Table: "People", Rows: rows[i:min(i+3, len(rows))]})
	}
	e.run(t, e.gqlPath, []gqlCase{
		{name: "page", query: `{ people(first: 6) { totalCount } }`, status: 400,
			json: `{"errors":[{"message":"first 6 at \"people\" is above the maximum page size 5 (page size limit)","extensions":{"code":"LIMIT_EXCEEDED"}}]}`},
		{name: "page at the maximum", query: `{ people(first: 5) { totalCount edges { node { id } } } }`,
			json: `{"data":{"people":{"totalCount":51,"edges":[{"node":{"id":1}},{"node":{"id":2}},{"node":{"id":3}},{"node":{"id":4}},{"node":{"id":5}}]}}}`},
		{name: "batch", query: `mutation { createCities(data: [{name: "a"}, {name: "b"}, {name: "c"}, {name: "d"}]) { id } }`, status: 413,
			json: `{"errors":[{"message":"createCities has 4 records, above the maximum batch size 3 (batch size limit)","extensions":{"code":"LIMIT_EXCEEDED"}}]}`},
		{name: "update by filter past the batch", query: `mutation { updatePeople(filter: {id: {gte: 1}}, data: {age: 1}) { id } }`,
			json: `{"errors":[{"message":"the filter matches more than 3 records, the maximum batch size (batch size limit)","path":["updatePeople"],"extensions":{"code":"LIMIT_EXCEEDED"}}],"data":null}`},
		{name: "nested read", query: `{ companies { edges { node { staff(first: 1) { totalCount } } } } }`,
			json: `{"errors":[{"message":"a nested connection of table People reads more than 50 records (nested read limit): filter it","path":["companies"],"extensions":{"code":"LIMIT_EXCEEDED"}}],"data":null}`},
		{name: "id without upsert", query: `mutation { createCity(data: {id: 7, name: "x"}) { id } }`,
			json: `{"errors":[{"message":"data[0]: id is for upsert: true (the document picks new records' ids)","path":["createCity"],"extensions":{"code":"BAD_USER_INPUT"}}],"data":{"createCity":null}}`},
	})
}
