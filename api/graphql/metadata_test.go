package graphql_test

import (
	"strings"
	"testing"
)

func TestMetadata(t *testing.T) {
	e := newEnv(t)
	e.fixture(t)
	metadataTest(t, e)
}

// metadataTest runs the metadata tests on a fixture env, any engine.
func metadataTest(t *testing.T, e *env) {
	e.run(t, e.metaPath, []gqlCase{
		{name: "tables", key: e.viewerKey,
			query: `{ tables { id nameSingular namePlural } }`,
			json:  `{"data":{"tables":[{"id":"Cities","nameSingular":"city","namePlural":"cities"},{"id":"Companies","nameSingular":"company","namePlural":"companies"},{"id":"People","nameSingular":"person","namePlural":"people"}]}}`},
		{name: "table with columns",
			query: `{ table(id: "Companies") { columns { id type label description isUnique reverseCol } } none: table(id: "Nope") { id } }`,
			json: `{"data":{"table":{"columns":[` +
				`{"id":"name","type":"Text","label":"name","description":"The company's legal name.","isUnique":true,"reverseCol":null},` +
				`{"id":"country","type":"Choice","label":"country","description":"","isUnique":false,"reverseCol":null},` +
				`{"id":"founded","type":"Date","label":"founded","description":"","isUnique":false,"reverseCol":null},` +
				`{"id":"tags","type":"ChoiceList","label":"tags","description":"","isUnique":false,"reverseCol":null},` +
				`{"id":"extra","type":"Any","label":"extra","description":"","isUnique":false,"reverseCol":null},` +
				`{"id":"revenue","type":"Numeric","label":"revenue","description":"","isUnique":false,"reverseCol":null},` +
				`{"id":"stage","type":"Choice","label":"stage","description":"","isUnique":false,"reverseCol":null},` +
				`{"id":"staff","type":"RefList:People","label":"staff","description":"","isUnique":false,"reverseCol":"Company"}]},"none":null}}`},
		{name: "create a table", key: e.editorKey,
			query: `mutation { createTable(data: {id: "Projects", columns: [{id: "title", isUnique: true}, {id: "owner", type: "Ref:People", reverseCol: "projects"}, {label: "Due date", type: "Date"}]}) { id nameSingular namePlural columns { id type } } }`,
			json:  `{"data":{"createTable":{"id":"Projects","nameSingular":"project","namePlural":"projects","columns":[{"id":"title","type":"Text"},{"id":"owner","type":"Ref:People"},{"id":"Due_date","type":"Date"}]}}}`},
		{name: "a GraphQL name clash is refused",
			query: `mutation { createTable(data: {id: "Filters", nameSingular: "projectFilter", namePlural: "projectFilters"}) { id } }`,
			json:  `{"errors":[{"message":"GraphQL type \"ProjectFilter\" of table Filters clashes with table Projects: both need the type \"ProjectFilter\"; set nameSingular","path":["createTable"],"extensions":{"code":"BAD_USER_INPUT"}}],"data":null}`},
		{name: "singular and plural must differ",
			query: `mutation { createTable(data: {id: "Sheep", nameSingular: "sheep", namePlural: "sheep"}) { id } }`,
			has:   []string{`"BAD_USER_INPUT"`, `nameSingular and namePlural of table Sheep must differ`}},
		{name: "update a table",
			query: `mutation { updateTable(id: "Projects", data: {id: "Tasks", nameSingular: "job", namePlural: "jobs"}) { id nameSingular namePlural } }`,
			json:  `{"data":{"updateTable":{"id":"Tasks","nameSingular":"job","namePlural":"jobs"}}}`},
		{name: "create a column",
			query: `mutation { createColumn(tableId: "Tasks", data: {id: "done", type: "Bool", label: "Done?"}) { id type label } }`,
			json:  `{"data":{"createColumn":{"id":"done","type":"Bool","label":"Done?"}}}`},
		{name: "update a column",
			query: `mutation { updateColumn(tableId: "Tasks", id: "title", data: {id: "name", description: "What to do"}) { id description isUnique } }`,
			json:  `{"data":{"updateColumn":{"id":"name","description":"What to do","isUnique":true}}}`},
		{name: "delete a column answers it as it was",
			query: `mutation { deleteColumn(tableId: "Tasks", id: "done") { id type } }`,
			json:  `{"data":{"deleteColumn":{"id":"done","type":"Bool"}}}`},
		{name: "unknown column",
			query: `mutation { deleteColumn(tableId: "Tasks", id: "nope") { id } }`,
			json:  `{"errors":[{"message":"Column not found \"nope\"","path":["deleteColumn"],"extensions":{"code":"NOT_FOUND"}}],"data":null}`},
		{name: "unknown table",
			query: `mutation { updateTable(id: "Nope", data: {nameSingular: "x"}) { id } }`,
			json:  `{"errors":[{"message":"Table not found \"Nope\"","path":["updateTable"],"extensions":{"code":"NOT_FOUND"}}],"data":null}`},
		{name: "bad column type",
			query: `mutation { createColumn(tableId: "Tasks", data: {type: "Blob"}) { id } }`,
			has:   []string{`unknown column type \"Blob\"`, `"BAD_USER_INPUT"`}},
	})
	// The core schema follows on the next request.
	e.run(t, e.gqlPath, []gqlCase{
		{name: "renamed table and column in the core API",
			query: `mutation { createJob(data: {name: "Write", owner: 1}) { name owner { name projects { edges { node { name } } } } } }`,
			json:  `{"data":{"createJob":{"name":"Write","owner":{"name":"Ann","projects":{"edges":[{"node":{"name":"Write"}}]}}}}}`},
		{name: "the old column name is gone",
			query: `{ jobs { edges { node { title } } } }`, status: 400,
			has: []string{`Cannot query field \"title\" on type \"Job\"`}},
	})
	res := e.send(t, "POST", e.metaPath, e.ownerKey, map[string]any{"query": `mutation { deleteTable(id: "Tasks") { id columns { id } } }`})
	if res.Status != 200 || !strings.Contains(string(res.Body), `{"data":{"deleteTable":{"id":"Tasks","columns":[{"id":"name"},{"id":"owner"},{"id":"Due_date"}]}}}`) {
		t.Fatalf("deleteTable: %d %s", res.Status, res.Body)
	}
	res = e.gql(t, e.ownerKey, `{ jobs { totalCount } }`, nil)
	if res.Status != 400 || !strings.Contains(string(res.Body), `Cannot query field \"jobs\" on type \"Query\"`) {
		t.Fatalf("after deleteTable: %d %s", res.Status, res.Body)
	}
}

// A list of input objects may be given as one object, inline or through a
// variable (GraphQL's input coercion); its columns must not be lost.
func TestCreateTableSingleColumn(t *testing.T) {
	e := newEnv(t)
	for name, tc := range map[string]struct {
		query string
		vars  map[string]any
	}{
		"inline":   {query: `mutation { createTable(data: {id: "Inline", columns: {id: "title"}}) { columns { id } } }`},
		"variable": {query: `mutation($c: [ColumnCreateInput!]) { createTable(data: {id: "Viavar", columns: $c}) { columns { id } } }`, vars: map[string]any{"c": map[string]any{"id": "title"}}},
		"list":     {query: `mutation($c: [ColumnCreateInput!]) { createTable(data: {id: "Vialist", columns: $c}) { columns { id } } }`, vars: map[string]any{"c": []any{map[string]any{"id": "title"}}}},
	} {
		t.Run(name, func(t *testing.T) {
			body := map[string]any{"query": tc.query}
			if tc.vars != nil {
				body["variables"] = tc.vars
			}
			res := e.send(t, "POST", e.metaPath, e.ownerKey, body)
			if want := `{"columns":[{"id":"title"}]}`; res.Status != 200 || !strings.Contains(string(res.Body), want) {
				t.Fatalf("%d %s, want %s", res.Status, res.Body, want)
			}
		})
	}
}
