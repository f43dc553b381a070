package graphql_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

// fixture fills the sample document:
//
//	Cities:    1 Paris, 2 Lyon
//	Companies: 1 Acme (FR, WON), 2 Beta (US, NEW), 3 Gamma (FR, empty
//	           founded/tags/stage)
//	People:    1 Ann (Acme, Paris, friends Bob+Cy), 2 Bob (Acme, Lyon),
//	           3 Cy (Beta, Paris), 4 Dee (no company)
func (e *env) fixture(t testing.TB) {
	t.Helper()
	e.sample(t)
	row := func(f map[string]any) core.Row { return core.Row{Fields: f} }
	e.apply(t,
		core.AddRecords{Table: "Cities", Rows: []core.Row{row(map[string]any{"name": "Paris", "population": 2000000}), row(map[string]any{"name": "Lyon", "population": 500000})}},
		core.AddRecords{Table: "Companies", Rows: []core.Row{
			row(map[string]any{"name": "Acme", "country": "FR", "founded": "2020-01-02", "tags": []any{"L", "a", "b"}, "revenue": 1.5, "extra": map[string]any{"k": "v"}, "stage": "WON"}),
			row(map[string]any{"name": "Beta", "country": "US", "founded": "2019-05-06", "tags": []any{"L", "b"}, "stage": "NEW"}),
			row(map[string]any{"name": "Gamma", "country": "FR"}),
		}},
		core.AddRecords{Table: "People", Rows: []core.Row{
			row(map[string]any{"name": "Ann", "email": "ann@x", "code": "A1", "age": 30, "active": true, "Company": 1, "city": 1, "seen": "2024-05-01T12:00:00Z"}),
			row(map[string]any{"name": "Bob", "email": "bob@x", "code": "B2", "age": 40, "active": false, "Company": 1, "city": 2}),
			row(map[string]any{"name": "Cy", "email": "cy@x", "code": "C3", "age": 25, "Company": 2, "city": 1}),
			row(map[string]any{"name": "Dee", "email": "dee@x", "code": "D4", "age": 50}),
		}},
		core.UpdateRecords{Table: "People", Rows: []core.Row{{ID: 1, Fields: map[string]any{"friends": []any{"L", 2, 3}}}}},
	)
}

// gqlCase is one GraphQL request and the answer it must get.
type gqlCase struct {
	name   string
	key    string // "" is the owner
	query  string
	vars   map[string]any
	status int    // 0 is 200
	json   string // exact answer (testserver.MatchJSON)
	has    []string
}

func (e *env) run(t *testing.T, path string, cases []gqlCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key := c.key
			if key == "" {
				key = e.ownerKey
			}
			body := map[string]any{"query": c.query}
			if c.vars != nil {
				body["variables"] = c.vars
			}
			status := c.status
			if status == 0 {
				status = 200
			}
			res := e.send(t, "POST", path, key, body)
			testserver.Scenario{Method: "POST", URL: path, Status: status, JSON: c.json, Contains: c.has}.Expect(t, res)
		})
	}
}

func TestQueries(t *testing.T) {
	e := newEnv(t)
	e.fixture(t)
	e.run(t, e.gqlPath, queryCases(e))
}

// queryCases are the query tests, run on every engine.
func queryCases(e *env) []gqlCase {
	return []gqlCase{
		{name: "filter and orderBy", key: e.viewerKey,
			query: `{ people(filter: {age: {gte: 30}}, orderBy: [{age: DescNullsLast}]) { totalCount edges { node { name age } } } }`,
			json:  `{"data":{"people":{"totalCount":3,"edges":[{"node":{"name":"Dee","age":50}},{"node":{"name":"Bob","age":40}},{"node":{"name":"Ann","age":30}}]}}}`},
		{name: "and or not",
			query: `{ people(filter: {or: [{name: {startsWith: "A"}}, {and: [{age: {lt: 30}}, {not: {name: {eq: "Zed"}}}]}]}) { edges { node { name } } } }`,
			json:  `{"data":{"people":{"edges":[{"node":{"name":"Ann"}},{"node":{"name":"Cy"}}]}}}`},
		{name: "in and ilike",
			query: `{ a: people(filter: {id: {in: [2, 4]}}) { edges { node { name } } } b: people(filter: {email: {ilike: "%Y@X"}}) { edges { node { name } } } }`,
			json:  `{"data":{"a":{"edges":[{"node":{"name":"Bob"}},{"node":{"name":"Dee"}}]},"b":{"edges":[{"node":{"name":"Cy"}}]}}}`},
		{name: "relation filter through a Ref",
			query: `{ people(filter: {Company: {name: {eq: "Acme"}}}) { edges { node { name } } } }`,
			json:  `{"data":{"people":{"edges":[{"node":{"name":"Ann"}},{"node":{"name":"Bob"}}]}}}`},
		{name: "relation filter on the reference id",
			query: `{ a: people(filter: {Company: {id: {eq: 2}}}) { edges { node { name } } } b: people(filter: {Company: {id: {is: NULL}}}) { edges { node { name } } } c: people(filter: {Company: {country: {eq: "FR"}, id: {is: NOT_NULL}}}) { totalCount } }`,
			json:  `{"data":{"a":{"edges":[{"node":{"name":"Cy"}}]},"b":{"edges":[{"node":{"name":"Dee"}}]},"c":{"totalCount":2}}}`},
		{name: "list filters",
			query: `{ a: companies(filter: {tags: {containsAny: ["a"]}}) { edges { node { name } } } b: companies(filter: {tags: {is: NULL}}) { edges { node { name } } } c: companies(filter: {staff: {containsAny: [3]}}) { edges { node { name } } } }`,
			json:  `{"data":{"a":{"edges":[{"node":{"name":"Acme"}}]},"b":{"edges":[{"node":{"name":"Gamma"}}]},"c":{"edges":[{"node":{"name":"Beta"}}]}}}`},
		{name: "date filter",
			query: `{ companies(filter: {founded: {gt: "2019-12-31"}}) { edges { node { name } } } }`,
			json:  `{"data":{"companies":{"edges":[{"node":{"name":"Acme"}}]}}}`},
		{name: "scalars",
			query: `{ company(id: 1) { id name founded tags extra revenue createdAt } person(id: 1) { active seen age } }`,
			json:  `{"data":{"company":{"id":1,"name":"Acme","founded":"2020-01-02","tags":["a","b"],"extra":{"k":"v"},"revenue":1.5,"createdAt":"2024-03-04T05:06:07.089Z"},"person":{"active":true,"seen":"2024-05-01T12:00:00Z","age":30}}}`},
		// Timestamps are read only where a selection shows them: at the
		// top, in a nested connection and through a Ref.
		{name: "timestamps at every level",
			query: `{ companies(first: 1) { edges { node { createdAt staff(first: 1) { edges { node { name updatedAt Company { name createdAt } } } } } } } }`,
			json:  `{"data":{"companies":{"edges":[{"node":{"createdAt":"2024-03-04T05:06:07.089Z","staff":{"edges":[{"node":{"name":"Ann","updatedAt":"2024-03-04T05:06:07.089Z","Company":{"name":"Acme","createdAt":"2024-03-04T05:06:07.089Z"}}}]}}}]}}}`},
		{name: "single by filter, and a miss",
			query: `{ person(filter: {email: {eq: "cy@x"}}) { name Company { name } } none: company(id: 99) { name } }`,
			json:  `{"data":{"person":{"name":"Cy","Company":{"name":"Beta"}},"none":null}}`},
		{name: "nested reverse connection and Ref",
			query: `{ companies(orderBy: [{name: AscNullsFirst}]) { edges { node { name staff(orderBy: [{name: DescNullsFirst}]) { totalCount edges { node { name city { name } } } } } } } }`,
			json:  `{"data":{"companies":{"edges":[{"node":{"name":"Acme","staff":{"totalCount":2,"edges":[{"node":{"name":"Bob","city":{"name":"Lyon"}}},{"node":{"name":"Ann","city":{"name":"Paris"}}}]}}},{"node":{"name":"Beta","staff":{"totalCount":1,"edges":[{"node":{"name":"Cy","city":{"name":"Paris"}}}]}}},{"node":{"name":"Gamma","staff":{"totalCount":0,"edges":[]}}}]}}}`},
		{name: "nested connection arguments",
			query: `{ company(id: 1) { staff(first: 1, filter: {age: {gt: 0}}) { totalCount pageInfo { hasNextPage hasPreviousPage } edges { node { name } } } last: staff(last: 1) { pageInfo { hasNextPage hasPreviousPage } edges { node { name } } } } }`,
			json:  `{"data":{"company":{"staff":{"totalCount":2,"pageInfo":{"hasNextPage":true,"hasPreviousPage":false},"edges":[{"node":{"name":"Ann"}}]},"last":{"pageInfo":{"hasNextPage":false,"hasPreviousPage":true},"edges":[{"node":{"name":"Bob"}}]}}}}`},
		{name: "RefList connection",
			query: `{ person(id: 1) { friends(orderBy: [{name: DescNullsLast}]) { totalCount edges { node { name } } } } }`,
			json:  `{"data":{"person":{"friends":{"totalCount":2,"edges":[{"node":{"name":"Cy"}},{"node":{"name":"Bob"}}]}}}}`},
		{name: "fragments aliases directives typename variables",
			query: `query Q($skip: Boolean!, $n: Int) { __typename list: people(first: $n) { __typename edges { __typename node { ...F ... on Person { age @skip(if: $skip) } } } } } fragment F on Person { __typename who: name }`,
			vars:  map[string]any{"skip": true, "n": 1},
			json:  `{"data":{"__typename":"Query","list":{"__typename":"PersonConnection","edges":[{"__typename":"PersonEdge","node":{"__typename":"Person","who":"Ann"}}]}}}`},
		{name: "last without a cursor",
			query: `{ people(last: 2) { pageInfo { hasNextPage hasPreviousPage } edges { node { name } } } }`,
			json:  `{"data":{"people":{"pageInfo":{"hasNextPage":false,"hasPreviousPage":true},"edges":[{"node":{"name":"Cy"}},{"node":{"name":"Dee"}}]}}}`},
		{name: "a Ref column's id field, filter and order",
			query: `{ a: people(filter: {cityId: {eq: 2}}) { edges { node { name cityId CompanyId } } } b: people(filter: {CompanyId: {is: NULL}}) { edges { node { name CompanyId } } } c: people(orderBy: [{cityId: DescNullsLast}, {name: AscNullsFirst}]) { edges { node { name } } } }`,
			json:  `{"data":{"a":{"edges":[{"node":{"name":"Bob","cityId":2,"CompanyId":1}}]},"b":{"edges":[{"node":{"name":"Dee","CompanyId":null}}]},"c":{"edges":[{"node":{"name":"Bob"}},{"node":{"name":"Ann"}},{"node":{"name":"Cy"}},{"node":{"name":"Dee"}}]}}}`},
		{name: "a Ref id field in a relation filter and a nested connection",
			query: `{ companies(filter: {staff: {containsAny: [1]}}) { edges { node { name staff(filter: {cityId: {in: [1]}}) { edges { node { name cityId } } } } } } }`,
			json:  `{"data":{"companies":{"edges":[{"node":{"name":"Acme","staff":{"edges":[{"node":{"name":"Ann","cityId":1}}]}}}]}}}`},
		{name: "deletedAt is always empty",
			query: `{ people(filter: {deletedAt: {is: NULL}}, first: 1) { totalCount edges { node { name deletedAt } } } none: people(filter: {deletedAt: {is: NOT_NULL}}) { totalCount } gt: people(filter: {or: [{deletedAt: {gt: "2020-01-01T00:00:00Z"}}, {deletedAt: {in: [null]}, age: {gt: 45}}]}) { totalCount } }`,
			json:  `{"data":{"people":{"totalCount":4,"edges":[{"node":{"name":"Ann","deletedAt":null}}]},"none":{"totalCount":0},"gt":{"totalCount":1}}}`},
		{name: "deletedAt values are checked",
			query: `{ people(filter: {deletedAt: {lt: "yesterday"}}) { totalCount } }`,
			json:  `{"errors":[{"message":"invalid DateTime \"yesterday\": expected RFC 3339, e.g. 2024-05-01T12:00:00Z","path":["people"],"extensions":{"code":"BAD_USER_INPUT"}}],"data":null}`},
		{name: "offset",
			query: `{ a: people(first: 2, offset: 1, orderBy: {age: AscNullsFirst}) { pageInfo { hasNextPage hasPreviousPage } edges { node { name } } } b: people(offset: 3) { edges { node { name } } } }`,
			json:  `{"data":{"a":{"pageInfo":{"hasNextPage":true,"hasPreviousPage":true},"edges":[{"node":{"name":"Ann"}},{"node":{"name":"Bob"}}]},"b":{"edges":[{"node":{"name":"Dee"}}]}}}`},
		{name: "offset of a nested connection",
			query: `{ company(id: 1) { staff(offset: 1) { totalCount pageInfo { hasNextPage hasPreviousPage } edges { node { name } } } past: staff(offset: 5) { edges { node { name } } } } }`,
			json:  `{"data":{"company":{"staff":{"totalCount":2,"pageInfo":{"hasNextPage":false,"hasPreviousPage":true},"edges":[{"node":{"name":"Bob"}}]},"past":{"edges":[]}}}}`},
		{name: "offset pages forwards only",
			query: `{ people(last: 2, offset: 1) { totalCount } }`,
			json:  `{"errors":[{"message":"offset pages forwards: use it with first and after, not last or before","path":["people"],"extensions":{"code":"BAD_USER_INPUT"}}],"data":null}`},
		{name: "first zero counts",
			query: `{ people(first: 0) { totalCount edges { cursor } } }`,
			json:  `{"data":{"people":{"totalCount":4,"edges":[]}}}`},

		// Twenty's connection aggregates, over the records the filter
		// matches, in the statement that counts them.
		{name: "aggregates of numbers", key: e.viewerKey,
			query: `{ people(filter: {age: {gte: 30}}, first: 1) { totalCount sumAge avgAge minAge maxAge countEmptyEmail older: countNotEmptyAge edges { node { name } } } }`,
			json:  `{"data":{"people":{"totalCount":3,"sumAge":120,"avgAge":40,"minAge":30,"maxAge":50,"countEmptyEmail":0,"older":3,"edges":[{"node":{"name":"Ann"}}]}}}`},
		{name: "aggregates of dates, choices and empty cells",
			query: `{ companies { countEmptyFounded countNotEmptyFounded minFounded maxFounded countUniqueValuesCountry percentageNotEmptyCountry countEmptyStage sumRevenue } }`,
			json:  `{"data":{"companies":{"countEmptyFounded":1,"countNotEmptyFounded":2,"minFounded":"2019-05-06","maxFounded":"2020-01-02","countUniqueValuesCountry":2,"percentageNotEmptyCountry":100,"countEmptyStage":1,"sumRevenue":1.5}}}`},
		{name: "aggregates without rows",
			query: `{ people(first: 0, filter: {age: {gt: 99}}) { totalCount sumAge minAge countEmptyName percentageEmptyName } }`,
			json:  `{"data":{"people":{"totalCount":0,"sumAge":null,"minAge":null,"countEmptyName":0,"percentageEmptyName":0}}}`},
		{name: "aggregates on a nested connection are refused",
			query: `{ companies { edges { node { name staff { sumAge } } } } }`,
			has:   []string{"sumAge is answered on top-level connections only, not on a nested one"}},
		{name: "no sum of text", status: 400,
			query: `{ people { sumName } }`,
			has:   []string{`Cannot query field \"sumName\" on type \"PersonConnection\"`}},
	}
}

// TestCursorPages pages forwards and backwards with cursors.
func TestCursorPages(t *testing.T) {
	e := newEnv(t)
	e.fixture(t)
	page := func(args string) (names []string, info map[string]any) {
		t.Helper()
		res := e.gql(t, e.ownerKey, `{ people(`+args+`, orderBy: [{age: AscNullsFirst}]) { pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { name } } } }`, nil)
		if res.Status != 200 || strings.Contains(string(res.Body), `"errors"`) {
			t.Fatalf("%s: %d %s", args, res.Status, res.Body)
		}
		conn := res.JSON.(map[string]any)["data"].(map[string]any)["people"].(map[string]any)
		for _, ed := range conn["edges"].([]any) {
			names = append(names, ed.(map[string]any)["node"].(map[string]any)["name"].(string))
		}
		return names, conn["pageInfo"].(map[string]any)
	}
	p1, i1 := page("first: 2")
	if js(p1) != `["Cy","Ann"]` || i1["hasNextPage"] != true || i1["hasPreviousPage"] != false {
		t.Fatalf("page 1: %v %v", p1, i1)
	}
	p2, i2 := page(`first: 2, after: "` + i1["endCursor"].(string) + `"`)
	if js(p2) != `["Bob","Dee"]` || i2["hasNextPage"] != false || i2["hasPreviousPage"] != true {
		t.Fatalf("page 2: %v %v", p2, i2)
	}
	p0, i0 := page(`last: 1, before: "` + i2["startCursor"].(string) + `"`)
	if js(p0) != `["Ann"]` || i0["hasNextPage"] != true || i0["hasPreviousPage"] != true {
		t.Fatalf("page before: %v %v", p0, i0)
	}
	// Backwards from the end: last without before, then before its cursor.
	l1, li1 := page("last: 2")
	if js(l1) != `["Bob","Dee"]` || li1["hasNextPage"] != false || li1["hasPreviousPage"] != true {
		t.Fatalf("last page: %v %v", l1, li1)
	}
	l0, li0 := page(`last: 2, before: "` + li1["startCursor"].(string) + `"`)
	if js(l0) != `["Cy","Ann"]` || li0["hasNextPage"] != true || li0["hasPreviousPage"] != false {
		t.Fatalf("page before the last: %v %v", l0, li0)
	}
	// A cursor is for the read that made it: another order or filter is
	// refused, not answered with some other page.
	for _, q := range []string{
		`{ people(first: 2, after: "` + i1["endCursor"].(string) + `", orderBy: [{age: DescNullsLast}]) { edges { node { name } } } }`,
		`{ people(first: 2, after: "` + i1["endCursor"].(string) + `", orderBy: [{age: AscNullsFirst}], filter: {age: {gt: 1}}) { edges { node { name } } } }`,
	} {
		res := e.gql(t, e.ownerKey, q, nil)
		if !strings.Contains(string(res.Body), "invalid cursor: it was made for a read with another sort or filter") {
			t.Errorf("%s: %d %s", q, res.Status, res.Body)
		}
	}
}

// TestGet: queries also work with GET; mutations need POST.
func TestGet(t *testing.T) {
	e := newEnv(t)
	e.fixture(t)
	q := url.Values{"query": {`query($id: Int) { person(id: $id) { name } }`}, "variables": {`{"id": 2}`}}
	testserver.Scenario{Method: "GET", URL: e.gqlPath + "?" + q.Encode(), Key: e.viewerKey, Status: 200,
		JSON: `{"data":{"person":{"name":"Bob"}}}`}.Test(t, e.s)
	m := url.Values{"query": {`mutation { deletePerson(id: 1) { id } }`}}
	res := testserver.Scenario{Method: "GET", URL: e.gqlPath + "?" + m.Encode(), Key: e.ownerKey, Status: 405,
		JSON: `{"errors":[{"message":"mutations need POST","extensions":{"code":"BAD_REQUEST"}}]}`}.Test(t, e.s)
	if res.Header.Get("Allow") != "POST" {
		t.Errorf("Allow %q", res.Header.Get("Allow"))
	}
	testserver.Scenario{Method: "GET", URL: e.gqlPath + "?query=" + url.QueryEscape(`{ person(id: 1) { name } }`), Key: e.viewerKey, Status: 200,
		JSON: `{"data":{"person":{"name":"Ann"}}}`}.Test(t, e.s)
	testserver.Scenario{Method: "GET", URL: e.gqlPath + "?query=" + url.QueryEscape(`{ person(id: 1) { name } }`) + "&variables=%7B", Key: e.viewerKey, Status: 400,
		JSON: `{"errors":[{"message":"variables must be a JSON object","extensions":{"code":"BAD_REQUEST"}}]}`}.Test(t, e.s)
}

// TestEngines runs the query, mutation and metadata tests on every engine
// through the GraphQL API alone (access is tested on the whole server).
func TestEngines(t *testing.T) {
	for name, open := range engines(t) {
		t.Run(name, func(t *testing.T) {
			e := newEngineEnv(t, open(t))
			e.fixture(t)
			t.Run("queries", func(t *testing.T) { e.run(t, e.gqlPath, queryCases(e)) })
			t.Run("mutations", func(t *testing.T) { e.run(t, e.gqlPath, mutationCases(e)) })
			t.Run("metadata", func(t *testing.T) { metadataTest(t, e) })
		})
	}
}

// TestNestedCursor pages a nested connection with the cursors it gave.
func TestNestedCursor(t *testing.T) {
	e := newEnv(t)
	e.fixture(t)
	q := `query($after: String, $before: String) { company(id: 1) { staff(first: 1, after: $after) { edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage } } back: staff(last: 1, before: $before) { edges { node { name } } } } }`
	res := e.gql(t, e.ownerKey, q, nil)
	staff := res.JSON.(map[string]any)["data"].(map[string]any)["company"].(map[string]any)["staff"].(map[string]any)
	cur := staff["edges"].([]any)[0].(map[string]any)["cursor"].(string)
	testserver.Scenario{Method: "POST", URL: e.gqlPath, Status: 200,
		JSON: `{"data":{"company":{"staff":{"edges":[{"cursor":"<str>","node":{"name":"Bob"}}],"pageInfo":{"hasNextPage":false,"hasPreviousPage":true}},"back":{"edges":[]}}}}`,
	}.Expect(t, e.gql(t, e.ownerKey, q, map[string]any{"after": cur, "before": cur}))
}

// TestUpsertNewID: an upsert with an id that matches nothing adds a record.
func TestUpsertNewID(t *testing.T) {
	e := newEnv(t)
	e.fixture(t)
	res := e.gql(t, e.ownerKey, `mutation { createCity(upsert: true, data: {id: 40, name: "Nantes"}) { name } }`, nil)
	testserver.Scenario{Status: 200, JSON: `{"data":{"createCity":{"name":"Nantes"}}}`}.Expect(t, res)
	if got := e.count(t, "cities"); got != "3" {
		t.Errorf("cities %s", got)
	}
}
