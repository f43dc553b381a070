package twenty_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

// metaWorld is a test server with a document (Companies: name, employees
// Int; People: name, company Ref:Companies with the reverse side people)
// owned by owner, shared with an editor and a viewer.
type metaWorld struct {
	s                      *testserver.Server
	owner, editor, viewer  string
	stranger               string
	doc, base              string
	companies, people, ids map[string]string // object ids; field ids by "Table.col"
}

func newMetaWorld(t *testing.T) *metaWorld {
	t.Helper()
	s := testserver.New(t)
	w := &metaWorld{s: s, ids: map[string]string{}}
	u, owner := s.UserWithKey("owner@example.com")
	w.owner = owner
	_, w.editor = s.UserWithKey("editor@example.com")
	_, w.viewer = s.UserWithKey("viewer@example.com")
	_, w.stranger = s.UserWithKey("stranger@example.com")
	ctx := context.Background()
	ws, err := s.Home.ListWorkspaces(ctx, rowhouse.Actor{User: u}, home.PersonalDomain(u.ID))
	if err != nil || len(ws) == 0 {
		t.Fatalf("workspaces: %v %v", ws, err)
	}
	if w.doc, err = s.Home.CreateDoc(ctx, rowhouse.Actor{User: u}, ws[0].ID, "CRM"); err != nil {
		t.Fatal(err)
	}
	w.must(t, "PATCH", "/api/docs/"+w.doc+"/access", map[string]any{"delta": map[string]any{"users": map[string]any{
		"editor@example.com": "editors", "viewer@example.com": "viewers"}}})
	w.must(t, "POST", "/api/docs/"+w.doc+"/tables", map[string]any{"tables": []any{
		map[string]any{"id": "Companies", "columns": []any{map[string]any{"id": "name"}, map[string]any{"id": "employees", "fields": map[string]any{"type": "Int"}}}},
		map[string]any{"id": "People", "columns": []any{map[string]any{"id": "name"}}},
	}})
	res := s.Do(t, "POST", "/api/docs/"+w.doc+"/graphql/metadata", owner, map[string]any{"query": `mutation {
		createColumn(tableId: "People", data: {id: "company", type: "Ref:Companies", label: "Company", reverseCol: "people"}) { id } }`})
	if res.Status != 200 || strings.Contains(string(res.Body), "errors") {
		t.Fatalf("reference: %s", res.Body)
	}
	w.base = "/api/docs/" + w.doc + "/rest/metadata"
	w.reload(t)
	return w
}

// reload reads the object and field ids.
func (w *metaWorld) reload(t *testing.T) {
	t.Helper()
	res := w.must(t, "GET", w.base+"/objects", nil)
	for _, o := range res.JSON.(map[string]any)["data"].(map[string]any)["objects"].([]any) {
		o := o.(map[string]any)
		table := strings.ToUpper(o["namePlural"].(string)[:1]) + o["namePlural"].(string)[1:]
		w.ids[table] = o["id"].(string)
		for _, f := range o["fields"].([]any) {
			f := f.(map[string]any)
			w.ids[table+"."+f["name"].(string)] = f["id"].(string)
		}
	}
}

func (w *metaWorld) must(t *testing.T, method, path string, body any) *testserver.Response {
	t.Helper()
	res := w.s.Do(t, method, path, w.owner, body)
	if res.Status/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, res.Status, res.Body)
	}
	return res
}

// twentyError is Twenty's error answer.
// metaError is Twenty's error answer for status with one message.
func metaError(status int, message string) string {
	names := map[int]string{400: "BadRequestException", 403: "ForbiddenException", 404: "NotFoundException", 401: "UnauthorizedException"}
	return fmt.Sprintf(`{"statusCode":%d,"error":%q,"messages":[%q]}`, status, names[status], message)
}

const (
	str = testserver.Str
	at  = testserver.EpochJSON
)

// fieldJSON is a Twenty field answer with the given members over the
// defaults of a custom Text field of object.
func fieldJSON(id, object string, members map[string]string) string {
	m := map[string]string{"id": jq(id), "type": `"TEXT"`, "name": `""`, "label": `""`, "description": "null", "icon": "null",
		"isCustom": "true", "isActive": "true", "isSystem": "false", "isUIReadOnly": "false", "isNullable": "false", "isUnique": "false",
		"isLabelSyncedWithName": "false", "defaultValue": `"''"`, "options": "null", "settings": "null", "relation": "null",
		"objectMetadataId": jq(object), "createdAt": jq(at), "updatedAt": jq(at)}
	for k, v := range members {
		m[k] = v
	}
	order := []string{"id", "type", "name", "label", "description", "icon", "isCustom", "isActive", "isSystem", "isUIReadOnly", "isNullable",
		"isUnique", "isLabelSyncedWithName", "defaultValue", "options", "settings", "relation", "objectMetadataId", "createdAt", "updatedAt"}
	parts := make([]string, len(order))
	for i, k := range order {
		parts[i] = jq(k) + ":" + m[k]
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// jq is s as a JSON string.
func jq(s string) string { return fmt.Sprintf("%q", s) }

// systemFields are the id, createdAt and updatedAt fields of an object.
func systemFields(object string) (id, created, updated string) {
	sys := map[string]string{"isCustom": "false", "isUIReadOnly": "true", "defaultValue": "null"}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range sys {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	id = fieldJSON(str, object, with(map[string]string{"type": `"NUMBER"`, "name": `"id"`, "label": `"Id"`, "icon": `"Icon123"`,
		"isSystem": "true", "isUnique": "true", "settings": `{"dataType":"int"}`}))
	created = fieldJSON(str, object, with(map[string]string{"type": `"DATE_TIME"`, "name": `"createdAt"`, "label": `"Creation date"`, "icon": `"IconCalendar"`}))
	updated = fieldJSON(str, object, with(map[string]string{"type": `"DATE_TIME"`, "name": `"updatedAt"`, "label": `"Last update"`, "icon": `"IconCalendarClock"`}))
	return
}

// objectJSON is a Twenty object answer.
func objectJSON(id, singular, plural, labelSingular, labelPlural, labelField string, fields ...string) string {
	return `{"id":"` + id + `","dataSourceId":"` + str + `","nameSingular":"` + singular + `","namePlural":"` + plural +
		`","labelSingular":"` + labelSingular + `","labelPlural":"` + labelPlural + `","description":null,"icon":null,"shortcut":null,` +
		`"isCustom":true,"isRemote":false,"isActive":true,"isSystem":false,"isSearchable":true,"isLabelSyncedWithName":false,` +
		`"labelIdentifierFieldMetadataId":"` + labelField + `","imageIdentifierFieldMetadataId":null,"createdAt":"` + at + `","updatedAt":"` + at +
		`","fields":[` + strings.Join(fields, ",") + `]}`
}

// The objects and fields, in Twenty's exact shapes, with relations both
// ways; ids are the tables' and columns' uuids.
func TestMetadataListsInTwentyShape(t *testing.T) {
	w := newMetaWorld(t)
	co, pe := w.ids["Companies"], w.ids["People"]
	cID, cCreated, cUpdated := systemFields(co)
	pID, pCreated, pUpdated := systemFields(pe)
	companies := objectJSON(co, "company", "companies", "Company", "Companies", w.ids["Companies.name"],
		cID,
		fieldJSON(w.ids["Companies.name"], co, map[string]string{"name": `"name"`, "label": `"name"`}),
		fieldJSON(w.ids["Companies.employees"], co, map[string]string{"type": `"NUMBER"`, "name": `"employees"`, "label": `"employees"`,
			"defaultValue": "0", "settings": `{"dataType":"int"}`}),
		fieldJSON(w.ids["Companies.people"], co, map[string]string{"type": `"RELATION"`, "name": `"people"`, "label": `"people"`,
			"isNullable": "true", "defaultValue": "null", "settings": `{"relationType":"ONE_TO_MANY"}`,
			"relation": `{"type":"ONE_TO_MANY","sourceObjectMetadata":{"id":"` + co + `","nameSingular":"company","namePlural":"companies"},` +
				`"targetObjectMetadata":{"id":"` + pe + `","nameSingular":"person","namePlural":"people"},` +
				`"sourceFieldMetadata":{"id":"` + w.ids["Companies.people"] + `","name":"people"},` +
				`"targetFieldMetadata":{"id":"` + w.ids["People.company"] + `","name":"company"}}`}),
		cCreated, cUpdated)
	people := objectJSON(pe, "person", "people", "Person", "People", w.ids["People.name"],
		pID,
		fieldJSON(w.ids["People.name"], pe, map[string]string{"name": `"name"`, "label": `"name"`}),
		fieldJSON(w.ids["People.company"], pe, map[string]string{"type": `"RELATION"`, "name": `"company"`, "label": `"Company"`,
			"defaultValue": "null", "settings": `{"joinColumnName":"companyId","relationType":"MANY_TO_ONE"}`,
			"relation": `{"type":"MANY_TO_ONE","sourceObjectMetadata":{"id":"` + pe + `","nameSingular":"person","namePlural":"people"},` +
				`"targetObjectMetadata":{"id":"` + co + `","nameSingular":"company","namePlural":"companies"},` +
				`"sourceFieldMetadata":{"id":"` + w.ids["People.company"] + `","name":"company"},` +
				`"targetFieldMetadata":{"id":"` + w.ids["Companies.people"] + `","name":"people"}}`}),
		pCreated, pUpdated)
	page := func(start, end string, next, prev bool) string {
		return fmt.Sprintf(`"pageInfo":{"hasNextPage":%v,"hasPreviousPage":%v,"startCursor":"%s","endCursor":"%s"},"totalCount":2`, next, prev, start, end)
	}
	for _, sc := range []testserver.Scenario{
		{Name: "all", Method: "GET", URL: w.base + "/objects", Key: w.viewer, Status: 200,
			JSON: `{"data":{"objects":[` + companies + `,` + people + `]},` + page(co, pe, false, false) + `}`},
		{Name: "first page", Method: "GET", URL: w.base + "/objects?limit=1", Key: w.viewer, Status: 200,
			JSON: `{"data":{"objects":[` + companies + `]},` + page(co, co, true, false) + `}`},
		{Name: "next page", Method: "GET", URL: w.base + "/objects?limit=1&starting_after=" + co, Key: w.viewer, Status: 200,
			JSON: `{"data":{"objects":[` + people + `]},` + page(pe, pe, false, true) + `}`},
		{Name: "page before", Method: "GET", URL: w.base + "/objects?ending_before=" + pe, Key: w.viewer, Status: 200,
			JSON: `{"data":{"objects":[` + companies + `]},` + page(co, co, true, false) + `}`},
		{Name: "one by id", Method: "GET", URL: w.base + "/objects/" + pe, Key: w.viewer, Status: 200, JSON: `{"data":{"object":` + people + `}}`},
		{Name: "one by table id", Method: "GET", URL: w.base + "/objects/People", Key: w.viewer, Status: 200, JSON: `{"data":{"object":` + people + `}}`},
		{Name: "a field", Method: "GET", URL: w.base + "/fields/" + w.ids["Companies.employees"], Key: w.viewer, Status: 200,
			JSON: `{"data":{"field":` + fieldJSON(w.ids["Companies.employees"], co, map[string]string{"type": `"NUMBER"`, "name": `"employees"`,
				"label": `"employees"`, "defaultValue": "0", "settings": `{"dataType":"int"}`}) + `}}`},
		{Name: "fields", Method: "GET", URL: w.base + "/fields?limit=2", Key: w.viewer, Status: 200,
			Check: func(t *testing.T, res *testserver.Response) {
				m := res.JSON.(map[string]any)
				fs := m["data"].(map[string]any)["fields"].([]any)
				if len(fs) != 2 || m["totalCount"].(fmt.Stringer).String() != "11" || fs[1].(map[string]any)["name"] != "name" {
					t.Errorf("fields page %s", res.Body)
				}
			}},
		// Refusals, in Twenty's error shape.
		{Name: "unknown object", Method: "GET", URL: w.base + "/objects/0d4389ef-ea9c-4ae8-ada1-1cddc440fb56", Key: w.viewer, Status: 404,
			JSON: metaError(404, `Object "0d4389ef-ea9c-4ae8-ada1-1cddc440fb56" not found`)},
		{Name: "unknown field", Method: "GET", URL: w.base + "/fields/nope", Key: w.viewer, Status: 404, JSON: metaError(404, `Field "nope" not found`)},
		{Name: "unknown parameter", Method: "GET", URL: w.base + "/objects?depth=1", Key: w.viewer, Status: 400,
			JSON: metaError(400, `unknown query parameter "depth": this endpoint takes limit, starting_after, ending_before`)},
		{Name: "parameter on one", Method: "GET", URL: w.base + "/objects/" + pe + "?limit=1", Key: w.viewer, Status: 400,
			JSON: metaError(400, `unknown query parameter "limit": this endpoint takes none`)},
		{Name: "bad limit", Method: "GET", URL: w.base + "/fields?limit=0", Key: w.viewer, Status: 400, JSON: metaError(400, "limit must be an integer from 1 to 1000")},
		{Name: "bad cursor", Method: "GET", URL: w.base + "/objects?starting_after=x", Key: w.viewer, Status: 400,
			JSON: metaError(400, `cursor "x" names no item of this list`)},
		{Name: "stranger", Method: "GET", URL: w.base + "/objects", Key: w.stranger, Status: 403, JSON: metaError(403, "No view access")},
		{Name: "bad key", Method: "GET", URL: w.base + "/objects", Key: "rh_nope", Status: 401},
	} {
		sc.Run(t, w.s)
	}
}

// Objects and fields are created, changed and removed as Twenty's
// requests ask, through the core: Grist's API sees the same tables.
func TestMetadataWrites(t *testing.T) {
	w := newMetaWorld(t)
	var pet, petName, petKind string
	steps := []testserver.Scenario{
		{Name: "create object", Method: "POST", URL: w.base + "/objects", Key: w.editor, Status: 201,
			Body: map[string]any{"nameSingular": "pet", "namePlural": "pets", "labelSingular": "Pet", "labelPlural": "Pets", "description": "Animals", "icon": "IconCat"},
			Check: func(t *testing.T, res *testserver.Response) {
				o := res.JSON.(map[string]any)["data"].(map[string]any)["createOneObject"].(map[string]any)
				pet = o["id"].(string)
				fields := o["fields"].([]any)
				petName = fields[1].(map[string]any)["id"].(string)
				if o["labelPlural"] != "Pets" || o["description"] != "Animals" || o["icon"] != "IconCat" || len(fields) != 4 ||
					fields[1].(map[string]any)["name"] != "name" || o["labelIdentifierFieldMetadataId"] != petName {
					t.Errorf("created %s", res.Body)
				}
			}},
		{Name: "the table", Method: "GET", URL: "/api/docs/" + w.doc + "/tables/Pets/columns", Key: w.viewer, Status: 200, Contains: []string{`"id":"name"`}},
	}
	for _, sc := range steps {
		sc.Run(t, w.s)
	}
	for _, sc := range []testserver.Scenario{
		{Name: "select field", Method: "POST", URL: w.base + "/fields", Key: w.editor, Status: 201,
			Body: map[string]any{"objectMetadataId": pet, "type": "SELECT", "name": "kind", "label": "Kind",
				"options": []any{map[string]any{"label": "Dog", "value": "DOG", "color": "blue", "position": 0}, map[string]any{"label": "Cat", "value": "CAT", "color": "red", "position": 1}}},
			Check: func(t *testing.T, res *testserver.Response) {
				f := res.JSON.(map[string]any)["data"].(map[string]any)["createOneField"].(map[string]any)
				petKind = f["id"].(string)
				opts := f["options"].([]any)
				if f["type"] != "SELECT" || len(opts) != 2 || opts[1].(map[string]any)["value"] != "CAT" || opts[1].(map[string]any)["label"] != "Cat" ||
					opts[1].(map[string]any)["color"] != "red" || opts[1].(map[string]any)["position"].(fmt.Stringer).String() != "1" {
					t.Errorf("select field %s", res.Body)
				}
			}},
		{Name: "relation many to one", Method: "POST", URL: w.base + "/fields", Key: w.editor, Status: 201,
			Body: map[string]any{"objectMetadataId": pet, "type": "RELATION", "name": "owner", "label": "Owner",
				"relationCreationPayload": map[string]any{"targetObjectMetadataId": w.ids["People"], "targetFieldLabel": "Pets", "targetFieldIcon": "IconCat", "type": "MANY_TO_ONE"}},
			Check: func(t *testing.T, res *testserver.Response) {
				rel := res.JSON.(map[string]any)["data"].(map[string]any)["createOneField"].(map[string]any)["relation"].(map[string]any)
				if rel["type"] != "MANY_TO_ONE" || rel["targetObjectMetadata"].(map[string]any)["nameSingular"] != "person" ||
					rel["targetFieldMetadata"].(map[string]any)["name"] != "pets" {
					t.Errorf("relation %s", res.Body)
				}
			}},
		{Name: "relation one to many", Method: "POST", URL: w.base + "/fields", Key: w.editor, Status: 201,
			Body: map[string]any{"objectMetadataId": w.ids["Companies"], "type": "RELATION", "name": "mascots", "label": "Mascots",
				"relationCreationPayload": map[string]any{"targetObjectMetadataId": pet, "targetFieldLabel": "Mascot of", "type": "ONE_TO_MANY"}},
			Check: func(t *testing.T, res *testserver.Response) {
				f := res.JSON.(map[string]any)["data"].(map[string]any)["createOneField"].(map[string]any)
				rel := f["relation"].(map[string]any)
				if f["name"] != "mascots" || rel["type"] != "ONE_TO_MANY" || rel["targetFieldMetadata"].(map[string]any)["name"] != "mascotOf" {
					t.Errorf("relation %s", res.Body)
				}
			}},
	} {
		sc.Run(t, w.s)
	}
	for _, sc := range []testserver.Scenario{
		{Name: "the reference", Method: "GET", URL: "/api/docs/" + w.doc + "/tables/Pets/columns", Key: w.viewer, Status: 200,
			Contains: []string{`"id":"owner"`, `"type":"Ref:People"`, `"id":"mascotOf"`, `"type":"Ref:Companies"`, `"reverseCol":"mascots"`}},
		{Name: "rename object labels", Method: "PATCH", URL: w.base + "/objects/" + pet, Key: w.editor, Status: 200,
			Body:     map[string]any{"labelPlural": "Animals", "description": "Pets and more"},
			Contains: []string{`"updateOneObject":{"id":"` + pet + `"`, `"labelPlural":"Animals"`, `"description":"Pets and more"`}},
		{Name: "rename a field", Method: "PATCH", URL: w.base + "/fields/" + petName, Key: w.editor, Status: 200,
			Body:     map[string]any{"name": "nickname", "label": "Nickname"},
			Contains: []string{`"updateOneField":{"id":"` + petName + `","type":"TEXT","name":"nickname","label":"Nickname"`}},
		{Name: "new options", Method: "PUT", URL: w.base + "/fields/" + petKind, Key: w.editor, Status: 200,
			Body:     map[string]any{"options": []any{map[string]any{"label": "Bird", "value": "BIRD"}}},
			Contains: []string{`"options":[{"id":"`, `"label":"Bird","value":"BIRD","color":"green","position":0}]`}},
		{Name: "the field keeps its id", Method: "GET", URL: w.base + "/fields/" + petName, Key: w.viewer, Status: 200, Contains: []string{`"name":"nickname"`}},
		// Refusals.
		{Name: "viewer", Method: "POST", URL: w.base + "/objects", Key: w.viewer, Status: 403, Body: map[string]any{"nameSingular": "x", "namePlural": "xs"},
			JSON: metaError(403, "No write access")},
		{Name: "no plural", Method: "POST", URL: w.base + "/objects", Key: w.editor, Status: 400, Body: map[string]any{"nameSingular": "x"},
			JSON: metaError(400, "namePlural is missing")},
		{Name: "taken names", Method: "POST", URL: w.base + "/objects", Key: w.editor, Status: 400, Body: map[string]any{"nameSingular": "pet", "namePlural": "pets"},
			JSON: metaError(400, `GraphQL name "pet" of table Pets2 is already used by table Pets; set nameSingular and namePlural`)},
		{Name: "unknown member", Method: "POST", URL: w.base + "/objects", Key: w.editor, Status: 400, Body: map[string]any{"nameSingular": "x", "namePlural": "xs", "colour": "red"},
			JSON: metaError(400, `unknown property "colour"`)},
		{Name: "composite type", Method: "POST", URL: w.base + "/fields", Key: w.editor, Status: 400,
			Body: map[string]any{"objectMetadataId": pet, "type": "EMAILS", "name": "emails"},
			JSON: metaError(400, `field type "EMAILS" cannot be mapped onto a Rowhouse column type; the types that can are TEXT, NUMBER, NUMERIC, BOOLEAN, DATE, DATE_TIME, SELECT, MULTI_SELECT, RELATION, RAW_JSON, FILES`)},
		{Name: "no object", Method: "POST", URL: w.base + "/fields", Key: w.editor, Status: 400, Body: map[string]any{"type": "TEXT", "name": "x"},
			JSON: metaError(400, "objectMetadataId is missing")},
		{Name: "system field", Method: "PATCH", URL: w.base + "/fields/" + w.ids["People.id"], Key: w.editor, Status: 400, Body: map[string]any{"label": "X"},
			JSON: metaError(400, "field "+w.ids["People.id"]+" (id) is a system field of every object and cannot change")},
		{Name: "query on a write", Method: "POST", URL: w.base + "/fields?upsert=true", Key: w.editor, Status: 400, Body: map[string]any{},
			JSON: metaError(400, `unknown query parameter "upsert": this endpoint takes none`)},
		// Removals answer the id.
		{Name: "delete field", Method: "DELETE", URL: w.base + "/fields/" + petKind, Key: w.editor, Status: 200,
			JSON: `{"data":{"deleteOneField":{"id":"` + petKind + `"}}}`},
		{Name: "deleted field", Method: "GET", URL: w.base + "/fields/" + petKind, Key: w.viewer, Status: 404},
		{Name: "delete object", Method: "DELETE", URL: w.base + "/objects/" + pet, Key: w.editor, Status: 200,
			JSON: `{"data":{"deleteOneObject":{"id":"` + pet + `"}}}`},
		{Name: "deleted object", Method: "GET", URL: "/api/docs/" + w.doc + "/tables/Pets/columns", Key: w.viewer, Status: 404},
	} {
		sc.Run(t, w.s)
	}
}

// Object and field ids survive renames made through Grist's API, and a
// type change.
func TestMetadataIDsSurviveRenames(t *testing.T) {
	w := newMetaWorld(t)
	before := map[string]string{"Companies": w.ids["Companies"], "Companies.employees": w.ids["Companies.employees"]}
	w.must(t, "PATCH", "/api/docs/"+w.doc+"/tables/Companies/columns", map[string]any{"columns": []any{
		map[string]any{"id": "employees", "fields": map[string]any{"colId": "staff", "type": "Numeric"}}}})
	w.must(t, "PATCH", "/api/docs/"+w.doc+"/tables", map[string]any{"tables": []any{map[string]any{"id": "Companies", "fields": map[string]any{"tableId": "Firms"}}}})
	res := w.must(t, "GET", w.base+"/objects/"+before["Companies"], nil)
	if !strings.Contains(string(res.Body), `"nameSingular":"firm"`) {
		t.Errorf("renamed object %s", res.Body)
	}
	res = w.must(t, "GET", w.base+"/fields/"+before["Companies.employees"], nil)
	if !strings.Contains(string(res.Body), `"name":"staff"`) || !strings.Contains(string(res.Body), `"settings":{"dataType":"float"}`) {
		t.Errorf("renamed field %s", res.Body)
	}
}

// Twenty's webhook endpoints: Twenty's shapes at both paths, owners only,
// the secret shown once.
func TestTwentyWebhookEndpoints(t *testing.T) {
	w := newMetaWorld(t)
	w.s.AllowPrivateWebhooks()
	rest := "/api/docs/" + w.doc + "/rest/webhooks"
	var id string
	hookJSON := func(url, ops, desc string, secret string) string {
		s := `{"id":"` + str + `","targetUrl":"` + url + `","operations":` + ops + `,"description":` + desc
		if secret != "" {
			s += `,"secret":"` + secret + `"`
		}
		return s + `,"createdAt":"` + at + `","updatedAt":"` + at + `","deletedAt":null}`
	}
	for _, sc := range []testserver.Scenario{
		{Name: "create", Method: "POST", URL: rest, Key: w.owner, Status: 201,
			Body: map[string]any{"targetUrl": "http://127.0.0.1:9/hook", "operations": []string{"person.created", "*.updated"}, "description": "CRM sync", "secret": "a-secret-of-my-own"},
			JSON: hookJSON("http://127.0.0.1:9/hook", `["person.created","*.updated"]`, `"CRM sync"`, "a-secret-of-my-own"),
			Check: func(t *testing.T, res *testserver.Response) {
				id = res.JSON.(map[string]any)["id"].(string)
			}},
		{Name: "list", Method: "GET", URL: rest, Key: w.owner, Status: 200,
			JSON: `[` + hookJSON("http://127.0.0.1:9/hook", `["person.created","*.updated"]`, `"CRM sync"`, "") + `]`},
		{Name: "list, metadata path", Method: "GET", URL: w.base + "/webhooks", Key: w.owner, Status: 200,
			JSON: `{"data":[` + hookJSON("http://127.0.0.1:9/hook", `["person.created","*.updated"]`, `"CRM sync"`, "") +
				`],"pageInfo":{"hasNextPage":false,"hasPreviousPage":false,"startCursor":"` + str + `","endCursor":"` + str + `"},"totalCount":1}`},
		{Name: "Grist's listing", Method: "GET", URL: "/api/docs/" + w.doc + "/webhooks", Key: w.owner, Status: 200,
			Contains: []string{`"format":"twenty","operations":["person.created","*.updated"]`}},
		{Name: "editor", Method: "GET", URL: rest, Key: w.editor, Status: 403, JSON: metaError(403, "No owner access")},
		{Name: "bad operation", Method: "POST", URL: rest, Key: w.owner, Status: 400,
			Body: map[string]any{"targetUrl": "http://127.0.0.1:9/hook", "operations": []string{"person.born"}},
			JSON: metaError(400, `operation "person.born": "born" is not one of created, updated, deleted, *`)},
		{Name: "no url", Method: "POST", URL: rest, Key: w.owner, Status: 400, Body: map[string]any{"operations": []string{"*.*"}},
			JSON: metaError(400, "targetUrl is missing")},
		{Name: "short secret", Method: "POST", URL: rest, Key: w.owner, Status: 400, Body: map[string]any{"targetUrl": "http://127.0.0.1:9/", "secret": "short"},
			JSON: metaError(400, "secret must be at least 16 characters")},
	} {
		sc.Run(t, w.s)
	}
	for _, sc := range []testserver.Scenario{
		{Name: "get", Method: "GET", URL: rest + "/" + id, Key: w.owner, Status: 200,
			JSON: hookJSON("http://127.0.0.1:9/hook", `["person.created","*.updated"]`, `"CRM sync"`, "")},
		{Name: "update", Method: "PATCH", URL: w.base + "/webhooks/" + id, Key: w.owner, Status: 200,
			Body: map[string]any{"operations": []string{"*.*"}, "description": "all"},
			JSON: hookJSON("http://127.0.0.1:9/hook", `["*.*"]`, `"all"`, "")},
		{Name: "delete", Method: "DELETE", URL: rest + "/" + id, Key: w.owner, Status: 200, JSON: `true`},
		{Name: "gone", Method: "GET", URL: rest + "/" + id, Key: w.owner, Status: 404, JSON: metaError(404, "Webhook not found")},
	} {
		sc.Run(t, w.s)
	}
	// A Rowhouse-format webhook is not one of Twenty's.
	res := w.must(t, "POST", "/api/docs/"+w.doc+"/webhooks", map[string]any{"webhooks": []any{map[string]any{"fields": map[string]any{
		"url": "http://127.0.0.1:9/x", "eventTypes": []string{"add"}, "tableId": "People"}}}})
	gristID := res.JSON.(map[string]any)["webhooks"].([]any)[0].(map[string]any)["id"].(string)
	testserver.Scenario{Method: "GET", URL: rest + "/" + gristID, Key: w.owner, Status: 404,
		JSON: metaError(404, "Webhook "+gristID+" is not a twenty webhook: see /api/docs/"+w.doc+"/webhooks")}.Run(t, w.s)
	testserver.Scenario{Method: "GET", URL: rest, Key: w.owner, Status: 200, JSON: `[]`}.Run(t, w.s)
}
