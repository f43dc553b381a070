package graphql_test

import (
	"testing"
)

// TestListCoercion: a single value where the schema expects a list is a
// list of one (the GraphQL specification's input coercion), inline or
// through a variable, at the top of an argument or deep inside it. Each
// of these was once silently wrong: the order ignored, nothing matched,
// every row matched, nothing written.
func TestListCoercion(t *testing.T) {
	e := newEnv(t)
	e.fixture(t)
	e.run(t, e.gqlPath, []gqlCase{
		{name: "orderBy inline",
			query: `{ people(orderBy: {age: DescNullsLast}) { edges { node { name } } } }`,
			json:  `{"data":{"people":{"edges":[{"node":{"name":"Dee"}},{"node":{"name":"Bob"}},{"node":{"name":"Ann"}},{"node":{"name":"Cy"}}]}}}`},
		{name: "orderBy variable",
			query: `query($o: [PersonOrderBy!]) { people(orderBy: $o) { edges { node { name } } } }`,
			vars:  map[string]any{"o": map[string]any{"age": "DescNullsLast"}},
			json:  `{"data":{"people":{"edges":[{"node":{"name":"Dee"}},{"node":{"name":"Bob"}},{"node":{"name":"Ann"}},{"node":{"name":"Cy"}}]}}}`},
		{name: "orderBy of a nested connection",
			query: `{ company(id: 1) { staff(orderBy: {name: DescNullsFirst}) { edges { node { name } } } } }`,
			json:  `{"data":{"company":{"staff":{"edges":[{"node":{"name":"Bob"}},{"node":{"name":"Ann"}}]}}}}`},
		{name: "enum value in a variable takes the enum's spelling",
			query: `query($o: [PersonOrderBy!]) { people(orderBy: $o, first: 1) { edges { node { name } } } }`,
			vars:  map[string]any{"o": []any{map[string]any{"age": "descnullslast"}}},
			json:  `{"data":{"people":{"edges":[{"node":{"name":"Dee"}}]}}}`},
		{name: "in inline",
			query: `{ people(filter: {name: {in: "Bob"}}) { edges { node { name } } } }`,
			json:  `{"data":{"people":{"edges":[{"node":{"name":"Bob"}}]}}}`},
		{name: "in inside a filter variable",
			query: `query($f: PersonFilter) { people(filter: $f) { edges { node { name } } } }`,
			vars:  map[string]any{"f": map[string]any{"name": map[string]any{"in": "Bob"}}},
			json:  `{"data":{"people":{"edges":[{"node":{"name":"Bob"}}]}}}`},
		{name: "in as a list variable given one value",
			query: `query($n: [String]) { people(filter: {name: {in: $n}}) { edges { node { name } } } }`,
			vars:  map[string]any{"n": "Cy"},
			json:  `{"data":{"people":{"edges":[{"node":{"name":"Cy"}}]}}}`},
		{name: "in of ids given one id",
			query: `query($ids: [Int]) { people(filter: {id: {in: $ids}}) { edges { node { name } } } }`,
			vars:  map[string]any{"ids": 4},
			json:  `{"data":{"people":{"edges":[{"node":{"name":"Dee"}}]}}}`},
		{name: "containsAny inline",
			query: `{ companies(filter: {tags: {containsAny: "a"}}) { edges { node { name } } } }`,
			json:  `{"data":{"companies":{"edges":[{"node":{"name":"Acme"}}]}}}`},
		{name: "and inline",
			query: `{ people(filter: {and: {age: {gt: 35}}}) { edges { node { name } } } }`,
			json:  `{"data":{"people":{"edges":[{"node":{"name":"Bob"}},{"node":{"name":"Dee"}}]}}}`},
		{name: "or inside a filter variable",
			query: `query($f: PersonFilter!) { people(filter: $f) { edges { node { name } } } }`,
			vars:  map[string]any{"f": map[string]any{"or": map[string]any{"age": map[string]any{"lt": 30}}}},
			json:  `{"data":{"people":{"edges":[{"node":{"name":"Cy"}}]}}}`},
		{name: "and in a mutation's filter",
			query: `mutation { updatePeople(filter: {and: {name: {eq: "Dee"}}}, data: {age: 51}) { name age } }`,
			json:  `{"data":{"updatePeople":[{"name":"Dee","age":51}]}}`},
		{name: "createXs inline",
			query: `mutation { createCompanies(data: {name: "Solo"}) { id name } }`,
			json:  `{"data":{"createCompanies":[{"id":4,"name":"Solo"}]}}`},
		{name: "createXs variable",
			query: `mutation($d: [CompanyCreateInput!]!) { createCompanies(data: $d) { id name } }`,
			vars:  map[string]any{"d": map[string]any{"name": "Duo"}},
			json:  `{"data":{"createCompanies":[{"id":5,"name":"Duo"}]}}`},
		{name: "a list column given one item",
			query: `mutation { updateCompany(id: 5, data: {tags: "x"}) { tags } }`,
			json:  `{"data":{"updateCompany":{"tags":["x"]}}}`},
		{name: "an integer given as a string variable",
			query: `query($id: Int) { person(id: $id) { name } }`,
			vars:  map[string]any{"id": "3"},
			json:  `{"data":{"person":{"name":"Cy"}}}`},
	})
	if got := e.count(t, "companies"); got != "5" {
		t.Errorf("companies after the creates: %s, want 5", got)
	}
}
