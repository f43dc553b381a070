package graphql_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse/internal/testserver"
)

// twentyObjectsQuery is the query Twenty's front end loads the data model
// with (its ObjectMetadataItems), as Twenty clients send it.
const twentyObjectsQuery = `query ObjectMetadataItems($objectFilter: ObjectFilter, $fieldFilter: FieldFilter) {
  objects(paging: {first: 1000}, filter: $objectFilter) {
    edges {
      node {
        id dataSourceId nameSingular namePlural labelSingular labelPlural description icon isCustom isRemote isActive isSystem
        createdAt updatedAt labelIdentifierFieldMetadataId imageIdentifierFieldMetadataId
        fields(paging: {first: 1000}, filter: $fieldFilter) {
          edges {
            node {
              id type name label description icon isCustom isActive isSystem isNullable createdAt updatedAt defaultValue options
              relation {
                type
                sourceObjectMetadata { id nameSingular namePlural }
                targetObjectMetadata { id nameSingular namePlural }
                sourceFieldMetadata { id name }
                targetFieldMetadata { id name }
              }
            }
          }
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        }
      }
    }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`

// twentyData sends a metadata request that must succeed without errors
// and returns its data.
func (e *env) twentyData(t *testing.T, key, query string, vars map[string]any) map[string]any {
	t.Helper()
	body := map[string]any{"query": query}
	if vars != nil {
		body["variables"] = vars
	}
	res := e.send(t, "POST", e.metaPath, key, body)
	m, _ := res.JSON.(map[string]any)
	if res.Status != 200 || m["errors"] != nil || m["data"] == nil {
		t.Fatalf("%s: %d %s", query, res.Status, res.Body)
	}
	return m["data"].(map[string]any)
}

func nodes(conn any) []map[string]any {
	var out []map[string]any
	for _, e := range conn.(map[string]any)["edges"].([]any) {
		out = append(out, e.(map[string]any)["node"].(map[string]any))
	}
	return out
}

// Twenty's metadata queries and mutations, in Twenty's shapes, beside
// the tables and columns API.
func TestTwentyMetadataGraphQL(t *testing.T) {
	e := newEnv(t)
	e.sample(t)

	// The data model, as Twenty's front end loads it, with a field filter.
	data := e.twentyData(t, e.viewerKey, twentyObjectsQuery, map[string]any{"fieldFilter": map[string]any{"isSystem": map[string]any{"is": false}}})
	objs := nodes(data["objects"])
	if len(objs) != 3 || objs[2]["nameSingular"] != "person" || objs[2]["labelPlural"] != "People" {
		t.Fatalf("objects %v", objs)
	}
	byName := map[string]map[string]any{}
	for _, f := range nodes(objs[2]["fields"]) {
		byName[f["name"].(string)] = f
	}
	if _, ok := byName["id"]; ok {
		t.Errorf("the system field id passed the filter isSystem is false")
	}
	company := byName["Company"]
	rel := company["relation"].(map[string]any)
	if company["type"] != "RELATION" || rel["type"] != "MANY_TO_ONE" || rel["targetObjectMetadata"].(map[string]any)["nameSingular"] != "company" ||
		rel["targetFieldMetadata"].(map[string]any)["name"] != "staff" {
		t.Errorf("Company field %v", company)
	}
	for name, typ := range map[string]string{"name": "TEXT", "age": "NUMBER", "active": "BOOLEAN", "seen": "DATE_TIME", "friends": "RELATION", "city": "RELATION"} {
		if byName[name]["type"] != typ {
			t.Errorf("%s: type %v, want %s", name, byName[name]["type"], typ)
		}
	}
	if byName["age"]["defaultValue"] != json.Number("0") || byName["name"]["defaultValue"] != "''" {
		t.Errorf("defaults %v %v", byName["age"]["defaultValue"], byName["name"]["defaultValue"])
	}
	people := objs[2]["id"].(string)

	// createOneObject, createOneField (SELECT, RELATION), updateOne...,
	// deleteOne..., with Twenty's input shapes.
	created := e.twentyData(t, e.editorKey, `mutation CreateOneObject($input: CreateOneObjectInput!) {
		createOneObject(input: $input) { id nameSingular namePlural labelSingular labelPlural icon fieldsList { name type } } }`,
		map[string]any{"input": map[string]any{"object": map[string]any{"nameSingular": "pet", "namePlural": "pets", "labelSingular": "Pet", "labelPlural": "Pets", "icon": "IconCat"}}})
	pet := created["createOneObject"].(map[string]any)
	if pet["namePlural"] != "pets" || pet["icon"] != "IconCat" || len(pet["fieldsList"].([]any)) != 4 {
		t.Errorf("created object %v", pet)
	}
	petID := pet["id"].(string)
	kind := e.twentyData(t, e.editorKey, `mutation CreateOneField($input: CreateOneFieldMetadataInput!) {
		createOneField(input: $input) { id type name label options object { nameSingular } } }`,
		map[string]any{"input": map[string]any{"field": map[string]any{"objectMetadataId": petID, "type": "SELECT", "name": "kind", "label": "Kind",
			"options": []any{map[string]any{"label": "Dog", "value": "DOG", "color": "blue", "position": 0}}}}})["createOneField"].(map[string]any)
	opts, _ := kind["options"].([]any)
	if kind["type"] != "SELECT" || len(opts) != 1 || opts[0].(map[string]any)["label"] != "Dog" || kind["object"].(map[string]any)["nameSingular"] != "pet" {
		t.Errorf("select field %v", kind)
	}
	owner := e.twentyData(t, e.editorKey, `mutation { createOneField(input: {field: {objectMetadataId: "`+petID+`", type: RELATION, name: "owner", label: "Owner",
		relationCreationPayload: {targetObjectMetadataId: "`+people+`", targetFieldLabel: "Pets", targetFieldIcon: "IconCat", type: "MANY_TO_ONE"}}}) {
		id relation { type targetObjectMetadata { nameSingular } targetFieldMetadata { name label } } } }`, nil)["createOneField"].(map[string]any)
	if r := owner["relation"].(map[string]any); r["type"] != "MANY_TO_ONE" || r["targetFieldMetadata"].(map[string]any)["name"] != "pets" ||
		r["targetFieldMetadata"].(map[string]any)["label"] != "Pets" {
		t.Errorf("relation field %v", owner)
	}
	renamed := e.twentyData(t, e.editorKey, `mutation { updateOneField(input: {id: "`+kind["id"].(string)+`", update: {name: "species", label: "Species"}}) { id name label } }`, nil)
	if f := renamed["updateOneField"].(map[string]any); f["id"] != kind["id"] || f["name"] != "species" {
		t.Errorf("renamed field %v", f)
	}
	relabelled := e.twentyData(t, e.editorKey, `mutation { updateOneObject(input: {id: "`+petID+`", update: {labelPlural: "Animals", description: "Our animals"}}) { id labelPlural description } }`, nil)
	if o := relabelled["updateOneObject"].(map[string]any); o["labelPlural"] != "Animals" || o["description"] != "Our animals" {
		t.Errorf("updated object %v", o)
	}
	// The Rowhouse side sees the same table.
	cols := e.twentyData(t, e.viewerKey, `{ table(id: "Pets") { columns { id type reverseCol } } }`, nil)
	if s, _ := json.Marshal(cols); !strings.Contains(string(s), `{"id":"species","reverseCol":null,"type":"Choice"}`) ||
		!strings.Contains(string(s), `{"id":"owner","reverseCol":"pets","type":"Ref:People"}`) {
		t.Errorf("columns %s", s)
	}
	one := e.twentyData(t, e.viewerKey, `{ object(id: "`+petID+`") { nameSingular fields(paging: {first: 2}) { pageInfo { hasNextPage } edges { node { name } } } } field(id: "`+owner["id"].(string)+`") { name } }`, nil)
	if f := one["object"].(map[string]any)["fields"].(map[string]any); len(f["edges"].([]any)) != 2 || f["pageInfo"].(map[string]any)["hasNextPage"] != true ||
		one["field"].(map[string]any)["name"] != "owner" {
		t.Errorf("object and field %v", one)
	}
	all := e.twentyData(t, e.viewerKey, `{ fields(filter: {id: {in: ["`+owner["id"].(string)+`", "`+kind["id"].(string)+`"]}}) { totalCount edges { node { name } } } }`, nil)
	if all["fields"].(map[string]any)["totalCount"] != json.Number("2") {
		t.Errorf("filtered fields %v", all)
	}

	e.run(t, e.metaPath, []gqlCase{
		{name: "a type that cannot be mapped", key: e.editorKey,
			query: `mutation { createOneField(input: {field: {objectMetadataId: "` + petID + `", type: FULL_NAME, name: "fullName"}}) { id } }`,
			json: `{"errors":[{"message":"field type \"FULL_NAME\" cannot be mapped onto a Rowhouse column type; the types that can are TEXT, NUMBER, NUMERIC, BOOLEAN, DATE, DATE_TIME, SELECT, MULTI_SELECT, RELATION, RAW_JSON, FILES",` +
				`"path":["createOneField"],"extensions":{"code":"BAD_USER_INPUT"}}],"data":null}`},
		{name: "an unknown object", key: e.viewerKey,
			query: `{ object(id: "0d4389ef-ea9c-4ae8-ada1-1cddc440fb56") { id } }`,
			json:  `{"errors":[{"message":"Object \"0d4389ef-ea9c-4ae8-ada1-1cddc440fb56\" not found","path":["object"],"extensions":{"code":"NOT_FOUND"}}],"data":null}`},
		{name: "viewers cannot write", key: e.viewerKey,
			query: `mutation { deleteOneObject(input: {id: "` + petID + `"}) { id } }`, status: 403, has: []string{"No write access"}},
		{name: "a bad cursor", key: e.viewerKey,
			query: `{ objects(paging: {after: "nope"}) { totalCount } }`,
			has:   []string{`cursor \"nope\" names no item of this list`, `"BAD_USER_INPUT"`}},
		{name: "delete a field answers it as it was", key: e.editorKey,
			query: `mutation { deleteOneField(input: {id: "` + kind["id"].(string) + `"}) { id name } }`,
			json:  `{"data":{"deleteOneField":{"id":"` + kind["id"].(string) + `","name":"species"}}}`},
		{name: "delete an object answers it as it was", key: e.editorKey,
			query: `mutation { deleteOneObject(input: {id: "` + petID + `"}) { id labelPlural } }`,
			json:  `{"data":{"deleteOneObject":{"id":"` + petID + `","labelPlural":"Animals"}}}`},
		{name: "today's fields still answer", key: e.viewerKey,
			query: `{ tables { id } }`, json: `{"data":{"tables":[{"id":"Cities"},{"id":"Companies"},{"id":"People"}]}}`},
		{name: "a twenty webhook through createWebhook",
			query: `mutation { createWebhook(input: {url: "https://93.184.216.34/hook", format: "twenty", operations: ["person.created"]}) { webhook { format operations eventTypes tableId } } }`,
			json:  `{"data":{"createWebhook":{"webhook":{"format":"twenty","operations":["person.created"],"eventTypes":[],"tableId":""}}}}`},
		{name: "a twenty webhook needs known objects",
			query: `mutation { createWebhook(input: {url: "https://93.184.216.34/hook", format: "twenty", operations: ["pet.created"]}) { id } }`,
			json:  `{"errors":[{"message":"operation \"pet.created\": no object is named \"pet\"","path":["createWebhook"],"extensions":{"code":"NOT_FOUND"}}],"data":null}`},
		{name: "objects page", key: e.viewerKey,
			query: `{ objects(paging: {first: 1}) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { nameSingular } } } }`,
			json: `{"data":{"objects":{"totalCount":3,"pageInfo":{"hasNextPage":true,"hasPreviousPage":false,"startCursor":"` + testserver.Str +
				`","endCursor":"` + testserver.Str + `"},"edges":[{"cursor":"` + testserver.Str + `","node":{"nameSingular":"city"}}]}}}`},
	})
}
