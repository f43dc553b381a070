package graphql_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// count returns people's totalCount.
func (e *env) count(t *testing.T, table string) string {
	t.Helper()
	res := e.gql(t, e.ownerKey, `{ `+table+` { totalCount } }`, nil)
	return js(res.JSON.(map[string]any)["data"].(map[string]any)[table].(map[string]any)["totalCount"])
}

func TestMutations(t *testing.T) {
	e := newEnv(t)
	e.fixture(t)
	e.run(t, e.gqlPath, mutationCases(e))
	if got := e.count(t, "people"); got != "4" {
		t.Errorf("people after mutations: %s", got)
	}
}

// mutationCases are the mutation tests, run in order on every engine.
func mutationCases(e *env) []gqlCase {
	return []gqlCase{
		{name: "create one", key: e.editorKey,
			query: `mutation { createPerson(data: {name: "Eve", age: 22, seen: "2024-06-01T10:00:00.5Z", Company: 3, friends: [1, 2]}) { id name age seen Company { name } friends { totalCount } } }`,
			json:  `{"data":{"createPerson":{"id":5,"name":"Eve","age":22,"seen":"2024-06-01T10:00:00.5Z","Company":{"name":"Gamma"},"friends":{"totalCount":2}}}}`},
		{name: "create many",
			query: `mutation { createCities(data: [{name: "Nice"}, {name: "Lille", population: 230000}]) { id name population } }`,
			json:  `{"data":{"createCities":[{"id":3,"name":"Nice","population":0},{"id":4,"name":"Lille","population":230000}]}}`},
		{name: "upsert by id and by unique column",
			query: `mutation { createPeople(upsert: true, data: [{id: 2, age: 41}, {email: "cy@x", age: 26}, {email: "new@x", name: "New"}]) { id name age } }`,
			json:  `{"data":{"createPeople":[{"id":2,"name":"Bob","age":41},{"id":3,"name":"Cy","age":26},{"id":6,"name":"New","age":0}]}}`},
		{name: "upsert matching two records is an error",
			query: `mutation { createPeople(upsert: true, data: [{name: "first", email: "z@x"}, {email: "ann@x", code: "B2", name: "Clash"}]) { id } }`,
			json:  `{"errors":[{"message":"data[1] matches 2 records of People: 1 (by email), 2 (by code); an upsert must match at most one","path":["createPeople"],"extensions":{"code":"BAD_USER_INPUT"}}],"data":null}`},
		{name: "update one",
			query: `mutation { updatePerson(id: 4, data: {age: 51, active: true, Company: 2}) { name age active Company { name } } }`,
			json:  `{"data":{"updatePerson":{"name":"Dee","age":51,"active":true,"Company":{"name":"Beta"}}}}`},
		{name: "update many",
			query: `mutation { updateCompanies(filter: {country: {eq: "FR"}}, data: {country: "France"}) { name country } }`,
			json:  `{"data":{"updateCompanies":[{"name":"Acme","country":"France"},{"name":"Gamma","country":"France"}]}}`},
		{name: "update an unknown id",
			query: `mutation { updatePerson(id: 99, data: {age: 1}) { id } }`,
			json:  `{"errors":[{"message":"Invalid row id 99","path":["updatePerson"],"extensions":{"code":"BAD_USER_INPUT"}}],"data":{"updatePerson":null}}`},
		{name: "delete one answers the record as it was",
			query: `mutation { deleteCity(id: 3) { id name } }`,
			json:  `{"data":{"deleteCity":{"id":3,"name":"Nice"}}}`},
		{name: "delete an unknown id",
			query: `mutation { deleteCity(id: 3) { id } }`,
			json:  `{"errors":[{"message":"city 3 not found","path":["deleteCity"],"extensions":{"code":"NOT_FOUND"}}],"data":{"deleteCity":null}}`},
		{name: "a Ref column set by its id field",
			query: `mutation { a: createPerson(data: {name: "Fay", cityId: 2}) { name cityId city { name } } b: updatePerson(id: 4, data: {cityId: 1}) { cityId city { name } } }`,
			json:  `{"data":{"a":{"name":"Fay","cityId":2,"city":{"name":"Lyon"}},"b":{"cityId":1,"city":{"name":"Paris"}}}}`},
		{name: "a Ref column and its id field together",
			query: `mutation { updatePerson(id: 4, data: {city: 1, cityId: 2}) { id } }`,
			json:  `{"errors":[{"message":"give city or cityId, not both","path":["updatePerson"],"extensions":{"code":"BAD_USER_INPUT"}}],"data":{"updatePerson":null}}`},
		{name: "delete many",
			query: `mutation { deletePeople(filter: {name: {in: ["New", "Eve", "Fay"]}}) { name } }`,
			json:  `{"data":{"deletePeople":[{"name":"Eve"},{"name":"New"},{"name":"Fay"}]}}`},
		{name: "destroy is Twenty's delete",
			query: `mutation { a: destroyCity(id: 4) { name } b: destroyCities(filter: {name: {in: ["Nope"]}}) { name } }`,
			json:  `{"data":{"a":{"name":"Lille"},"b":[]}}`},
		{name: "destroy an unknown id",
			query: `mutation { destroyCity(id: 4) { name } }`,
			json:  `{"errors":[{"message":"city 4 not found","path":["destroyCity"],"extensions":{"code":"NOT_FOUND"}}],"data":{"destroyCity":null}}`},
		{name: "several mutation fields run in order",
			query: `mutation { a: createCity(data: {name: "Metz"}) { id } b: updateCity(id: 5, data: {population: 1}) { population } }`,
			json:  `{"data":{"a":{"id":5},"b":{"population":1}}}`},
		{name: "scalar and list inputs",
			query: `mutation { createCompany(data: {name: "Delta", extra: {a: [1, 2.5, "x"], b: null}, tags: ["x", "y"], founded: "2021-02-03", revenue: 2.5}) { name extra tags founded revenue } }`,
			json:  `{"data":{"createCompany":{"name":"Delta","extra":{"a":[1,2.5,"x"],"b":null},"tags":["x","y"],"founded":"2021-02-03","revenue":2.5}}}`},
		{name: "clearing values with null",
			query: `mutation { updateCompany(id: 4, data: {tags: null, founded: null, extra: null}) { tags founded extra } }`,
			json:  `{"data":{"updateCompany":{"tags":null,"founded":null,"extra":null}}}`},
	}
}

// TestFailedMutationChangesNothing: one bad record fails its whole field.
func TestFailedMutationChangesNothing(t *testing.T) {
	e := newEnv(t)
	e.fixture(t)
	for _, c := range []struct{ name, query, has string }{
		{"bad date", `mutation { createCompanies(data: [{name: "X1"}, {name: "X2", founded: "2024-13-45"}]) { id } }`, `invalid Date \"2024-13-45\"`},
		// Refused by the core's transaction after the first record went in.
		{"duplicate unique value", `mutation { createCompanies(data: [{name: "X1"}, {name: "Acme"}]) { id } }`, `{"message":"Duplicate value in unique column \"name\"","path":["createCompanies"],"extensions":{"code":"BAD_USER_INPUT"}}`},
		{"duplicate within the batch", `mutation { createCompanies(data: [{name: "X9"}, {name: "X9"}]) { id } }`, `{"message":"Duplicate value in unique column \"name\"","path":["createCompanies"],"extensions":{"code":"BAD_USER_INPUT"}}`},
		{"upsert clash", `mutation { createPeople(upsert: true, data: [{name: "X1", email: "x1@x"}, {email: "ann@x", code: "C3"}]) { id } }`, `an upsert must match at most one`},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := e.gql(t, e.ownerKey, c.query, nil)
			if res.Status != 200 || !strings.Contains(string(res.Body), c.has) || !strings.Contains(string(res.Body), `"data":null`) {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
	}
	if got := e.count(t, "companies"); got != "3" {
		t.Errorf("companies after failed mutations: %s, want 3", got)
	}
	if got := e.count(t, "people"); got != "4" {
		t.Errorf("people after failed mutations: %s, want 4", got)
	}
}

// TestBulkUpsert creates 1,000 records in one createXs call, then upserts
// the same 1,000 (matched by their unique column) and 1 more.
func TestBulkUpsert(t *testing.T) {
	e := newEnv(t)
	e.fixture(t)
	mk := func(n, age int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"email": fmt.Sprintf("bulk%d@x", i), "name": fmt.Sprintf("B%d", i), "age": age}
		}
		return out
	}
	q := `mutation($d: [PersonCreateInput!]!) { createPeople(data: $d, upsert: true) { id age } }`
	res := e.gql(t, e.ownerKey, q, map[string]any{"d": mk(1000, 1)})
	if res.Status != 200 || strings.Contains(string(res.Body), `"errors"`) {
		t.Fatalf("%d %.500s", res.Status, res.Body)
	}
	if got := e.count(t, "people"); got != "1004" {
		t.Fatalf("people %s", got)
	}
	res = e.gql(t, e.ownerKey, q, map[string]any{"d": mk(1001, 2)})
	list := res.JSON.(map[string]any)["data"].(map[string]any)["createPeople"].([]any)
	if len(list) != 1001 || js(list[0]) != `{"age":2,"id":5}` || js(list[1000]) != `{"age":2,"id":1005}` {
		t.Fatalf("upsert answer: %d records, first %s, last %s", len(list), js(list[0]), js(list[len(list)-1]))
	}
	if got := e.count(t, "people"); got != "1005" {
		t.Fatalf("people %s", got)
	}
}

// TestMutationEvents: a mutation goes through the core's actions, so its
// change events are in the document's outbox.
func TestMutationEvents(t *testing.T) {
	e := newEnv(t)
	e.fixture(t)
	d, err := e.docs.Open(context.Background(), e.doc)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	last, err := d.LastSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	res := e.gql(t, e.ownerKey, `mutation { createCity(data: {name: "Nice"}) { id } }`, nil)
	if res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	evs, err := d.Events(context.Background(), last, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Table != "Cities" || len(evs[0].Rows) != 1 || evs[0].Rows[0].ID != 3 {
		t.Fatalf("events %+v", evs)
	}
}
