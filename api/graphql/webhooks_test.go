package graphql_test

import (
	"context"
	"encoding/json"
	"github.com/rowhouse/rowhouse/client"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/internal/testserver"
	"github.com/rowhouse/rowhouse/webhook"
)

// hookEnv is a server with a document owned by owner and shared with
// editor and viewer (stranger has no access); the document and a second
// one of the owner's (other) have a table Items (name Text, qty Int,
// ready Bool).
type hookEnv struct {
	s                               *testserver.Server
	owner, editor, viewer, stranger string
	doc, other                      string
}

func newHookEnv(t *testing.T) *hookEnv {
	t.Helper()
	s := testserver.New(t)
	e := &hookEnv{s: s}
	ou, owner := s.UserWithKey("owner@example.com")
	e.owner = owner
	_, e.editor = s.UserWithKey("editor@example.com")
	_, e.viewer = s.UserWithKey("viewer@example.com")
	_, e.stranger = s.UserWithKey("stranger@example.com")
	actor := rowhouse.Actor{User: ou}
	ctx := context.Background()
	ws, err := s.Home.ListWorkspaces(ctx, actor, home.PersonalDomain(ou.ID))
	if err != nil || len(ws) == 0 {
		t.Fatalf("workspaces: %v %v", ws, err)
	}
	for _, p := range []*string{&e.doc, &e.other} {
		if *p, err = s.Home.CreateDoc(ctx, actor, ws[0].ID, "Shop"); err != nil {
			t.Fatal(err)
		}
		d, err := s.Docs.Open(ctx, *p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.Apply(ctx, actor, []core.Action{core.AddTable{ID: "Items", Columns: []core.ColumnSpec{
			{ID: "name"}, {ID: "qty", Type: "Int"}, {ID: "ready", Type: "Bool"}}}}, core.ApplyOptions{})
		d.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Home.UpdateDocAccess(ctx, actor, e.doc, home.AccessDelta{Users: map[string]rowhouse.Role{
		"editor@example.com": rowhouse.RoleEditors, "viewer@example.com": rowhouse.RoleViewers}}); err != nil {
		t.Fatal(err)
	}
	return e
}

func metaURL(doc string) string { return "/api/docs/" + doc + "/graphql/metadata" }

// gqlBody is a GraphQL request body.
func gqlBody(query string, vars map[string]any) map[string]any {
	b := map[string]any{"query": query}
	if vars != nil {
		b["variables"] = vars
	}
	return b
}

const (
	hookURL      = "https://93.184.216.34/hook"
	createHookQ  = `mutation($in: WebhookInput!) { createWebhook(input: $in) { id secret webhook { id url eventTypes tableId enabled isReadyColumn watchedColIds name memo usage { numWaiting status } } } }`
	listHooksQ   = `{ webhooks { id url eventTypes tableId enabled isReadyColumn watchedColIds name memo usage { numWaiting status updatedTime lastSuccessTime lastFailureTime lastErrorMessage lastHttpStatus disabledReason } } }`
	updateHookQ  = `mutation($id: String!, $in: WebhookPatch!) { updateWebhook(id: $id, input: $in) { id url eventTypes isReadyColumn name memo enabled } }`
	deleteHookQ  = `mutation($id: String!) { deleteWebhook(id: $id) }`
	updatedTime0 = "2024-03-04T05:06:07.089Z" // the test server's clock
)

// validInput is a valid WebhookInput with change applied (nil deletes).
func validInput(change map[string]any) map[string]any {
	in := map[string]any{"url": hookURL, "eventTypes": []string{"add"}, "tableId": "Items"}
	for k, v := range change {
		if v == nil {
			delete(in, k)
		} else {
			in[k] = v
		}
	}
	return in
}

// createHook creates a webhook through GraphQL and returns its id and
// secret.
func (e *hookEnv) createHook(t *testing.T, in map[string]any) (string, string) {
	t.Helper()
	res := e.s.Do(t, "POST", metaURL(e.doc), e.owner, gqlBody(createHookQ, map[string]any{"in": in}))
	if res.Status != 200 || strings.Contains(string(res.Body), `"errors"`) {
		t.Fatalf("createWebhook: %d %s", res.Status, res.Body)
	}
	c := res.JSON.(map[string]any)["data"].(map[string]any)["createWebhook"].(map[string]any)
	return c["id"].(string), c["secret"].(string)
}

// gqlError is the JSON answer of a request whose only root field failed.
func gqlError(field, code, msg string) string {
	m, _ := json.Marshal(msg)
	return `{"errors":[{"message":` + string(m) + `,"path":["` + field + `"],"extensions":{"code":"` + code + `"}}],"data":null}`
}

// TestGraphQLWebhookLifecycle: create (the secret once), list (as REST
// lists it, without secret nor authorization), update, delete.
func TestGraphQLWebhookLifecycle(t *testing.T) {
	e := newHookEnv(t)
	path := metaURL(e.doc)
	res := testserver.Scenario{Method: "POST", URL: path, Key: e.owner, Status: 200,
		Body: gqlBody(createHookQ, map[string]any{"in": validInput(map[string]any{"eventTypes": []string{"update", "add", "add"},
			"name": "sync", "memo": "to the CRM", "watchedColIds": []string{"qty"}, "isReadyColumn": "ready", "authorization": "Bearer t0ps3cret"})}),
		JSON: `{"data":{"createWebhook":{"id":"<str>","secret":"<str>","webhook":{"id":"<str>","url":"` + hookURL + `","eventTypes":["add","update"],` +
			`"tableId":"Items","enabled":true,"isReadyColumn":"ready","watchedColIds":["qty"],"name":"sync","memo":"to the CRM","usage":{"numWaiting":0,"status":"idle"}}}}}`,
	}.Test(t, e.s)
	c := res.JSON.(map[string]any)["data"].(map[string]any)["createWebhook"].(map[string]any)
	id, secret := c["id"].(string), c["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") || len(id) != 36 || c["webhook"].(map[string]any)["id"] != id {
		t.Fatalf("created %v", c)
	}
	id2, secret2 := e.createHook(t, validInput(map[string]any{"eventTypes": []string{"remove"}, "enabled": false}))
	if secret2 == secret || id2 == id {
		t.Fatalf("two webhooks share an id or a secret: %s %s", id, id2)
	}

	usage := `{"numWaiting":0,"status":"idle","updatedTime":"` + updatedTime0 + `","lastSuccessTime":null,"lastFailureTime":null,"lastErrorMessage":null,"lastHttpStatus":null,"disabledReason":null}`
	list := `{"data":{"webhooks":[` +
		`{"id":"` + id + `","url":"` + hookURL + `","eventTypes":["add","update"],"tableId":"Items","enabled":true,"isReadyColumn":"ready","watchedColIds":["qty"],"name":"sync","memo":"to the CRM","usage":` + usage + `},` +
		`{"id":"` + id2 + `","url":"` + hookURL + `","eventTypes":["remove"],"tableId":"Items","enabled":false,"isReadyColumn":null,"watchedColIds":[],"name":"","memo":"","usage":` +
		strings.Replace(usage, `"idle"`, `"disabled"`, 1) + `}]}}`
	testserver.Scenario{Method: "POST", URL: path, Key: e.owner, Body: gqlBody(listHooksQ, nil), Status: 200, JSON: list,
		NotContains: []string{secret, "t0ps3cret"}}.Test(t, e.s)
	// GET works for the query too.
	testserver.Scenario{Method: "GET", URL: path + "?query=" + strings.ReplaceAll(`{webhooks{id}}`, "{", "%7B"), Key: e.owner, Status: 200,
		Contains: []string{id, id2}}.Test(t, e.s)
	// REST lists the same webhooks, with the authorization GraphQL set.
	testserver.Scenario{Method: "GET", URL: "/api/docs/" + e.doc + "/webhooks", Key: e.owner, Status: 200,
		Contains: []string{id, id2, `"authorization":"Bearer t0ps3cret"`}, NotContains: []string{secret}}.Test(t, e.s)

	// updateWebhook changes only what it names; "" clears.
	testserver.Scenario{Method: "POST", URL: path, Key: e.owner, Status: 200,
		Body: gqlBody(updateHookQ, map[string]any{"id": id, "in": map[string]any{"name": "renamed", "eventTypes": []string{"remove"}, "isReadyColumn": "", "memo": nil}}),
		JSON: `{"data":{"updateWebhook":{"id":"` + id + `","url":"` + hookURL + `","eventTypes":["remove"],"isReadyColumn":null,"name":"renamed","memo":"to the CRM","enabled":true}}}`,
	}.Test(t, e.s)
	testserver.Scenario{Method: "POST", URL: path, Key: e.owner, Status: 200,
		Body: gqlBody(updateHookQ, map[string]any{"id": id2, "in": map[string]any{"enabled": true, "authorization": ""}}),
		JSON: `{"data":{"updateWebhook":{"id":"` + id2 + `","url":"` + hookURL + `","eventTypes":["remove"],"isReadyColumn":null,"name":"","memo":"","enabled":true}}}`,
	}.Test(t, e.s)
	res = testserver.Scenario{Method: "GET", URL: "/api/docs/" + e.doc + "/webhooks", Key: e.owner, Status: 200}.Test(t, e.s)
	rest := res.JSON.(map[string]any)["webhooks"].([]any)
	f := rest[0].(map[string]any)["fields"].(map[string]any)
	if f["name"] != "renamed" || f["isReadyColumn"] != nil || f["authorization"] != "Bearer t0ps3cret" {
		t.Errorf("REST after updateWebhook: %v", f)
	}

	// Literal arguments, and a single value where a list is expected.
	testserver.Scenario{Method: "POST", URL: path, Key: e.owner, Status: 200,
		Body: gqlBody(`mutation { updateWebhook(id: "`+id+`", input: {eventTypes: "update", watchedColIds: ["name", "qty"], url: "`+hookURL+`2"}) { url eventTypes } }`, nil),
		JSON: `{"data":{"updateWebhook":{"url":"` + hookURL + `2","eventTypes":["update"]}}}`,
	}.Test(t, e.s)
	testserver.Scenario{Method: "POST", URL: path, Key: e.owner, Status: 200,
		Body: gqlBody(`mutation($id: String!, $in: WebhookPatch!) { updateWebhook(id: $id, input: $in) { eventTypes watchedColIds } }`,
			map[string]any{"id": id, "in": map[string]any{"eventTypes": "add", "watchedColIds": "qty"}}),
		JSON: `{"data":{"updateWebhook":{"eventTypes":["add"],"watchedColIds":["qty"]}}}`,
	}.Test(t, e.s)

	// deleteWebhook; a second delete finds nothing.
	testserver.Scenario{Method: "POST", URL: path, Key: e.owner, Body: gqlBody(deleteHookQ, map[string]any{"id": id2}), Status: 200,
		JSON: `{"data":{"deleteWebhook":true}}`}.Test(t, e.s)
	testserver.Scenario{Method: "POST", URL: path, Key: e.owner, Body: gqlBody(deleteHookQ, map[string]any{"id": id2}), Status: 200,
		JSON: gqlError("deleteWebhook", "NOT_FOUND", "Webhook not found")}.Test(t, e.s)
	testserver.Scenario{Method: "POST", URL: path, Key: e.owner, Body: gqlBody(`{ webhooks { id } }`, nil), Status: 200,
		JSON: `{"data":{"webhooks":[{"id":"` + id + `"}]}}`}.Test(t, e.s)
}

// TestGraphQLWebhookValidation: createWebhook and updateWebhook refuse
// what REST refuses, with the same messages, and change nothing.
func TestGraphQLWebhookValidation(t *testing.T) {
	e := newHookEnv(t)
	path := metaURL(e.doc)
	for _, c := range []struct {
		name, code, msg string
		change          map[string]any
	}{
		{"url empty", "BAD_USER_INPUT", "url is missing", map[string]any{"url": ""}},
		{"eventTypes empty", "BAD_USER_INPUT", "eventTypes must be a non-empty array", map[string]any{"eventTypes": []string{}}},
		{"eventTypes unknown", "BAD_USER_INPUT", `eventTypes must contain only "add", "update" or "remove", not "delete"`, map[string]any{"eventTypes": []string{"add", "delete"}}},
		{"tableId empty", "BAD_USER_INPUT", "tableId is missing", map[string]any{"tableId": ""}},
		{"tableId absent", "BAD_USER_INPUT", "tableId is missing", map[string]any{"tableId": nil}},
		{"eventTypes absent", "BAD_USER_INPUT", "eventTypes must be a non-empty array", map[string]any{"eventTypes": nil}},
		{"unknown table", "NOT_FOUND", `Table not found "Nope"`, map[string]any{"tableId": "Nope"}},
		{"unknown watched column", "NOT_FOUND", `Column not found "zzz"`, map[string]any{"watchedColIds": []string{"qty", "zzz"}}},
		{"unknown ready column", "NOT_FOUND", `Column not found "zzz"`, map[string]any{"isReadyColumn": "zzz"}},
		{"ready column not Bool", "BAD_USER_INPUT", `isReadyColumn "qty" must be a Bool column`, map[string]any{"isReadyColumn": "qty"}},
		{"loopback url", "FORBIDDEN", "Provided url is forbidden: 127.0.0.1 is a loopback address; start the server with --webhook-allow-private (ROWHOUSE_WEBHOOK_ALLOW_PRIVATE=1), or list the host in --webhook-allowed-hosts (ROWHOUSE_WEBHOOK_ALLOWED_HOSTS), to allow it", map[string]any{"url": "http://127.0.0.1:8080/x"}},
		{"localhost url", "FORBIDDEN", "Provided url is forbidden: localhost resolves to 127.0.0.1, a loopback address; start the server with --webhook-allow-private (ROWHOUSE_WEBHOOK_ALLOW_PRIVATE=1), or list the host in --webhook-allowed-hosts (ROWHOUSE_WEBHOOK_ALLOWED_HOSTS), to allow it", map[string]any{"url": "http://localhost:8080/x"}},
		{"private url", "FORBIDDEN", "Provided url is forbidden: 10.0.0.1 is a private address; start the server with --webhook-allow-private (ROWHOUSE_WEBHOOK_ALLOW_PRIVATE=1), or list the host in --webhook-allowed-hosts (ROWHOUSE_WEBHOOK_ALLOWED_HOSTS), to allow it", map[string]any{"url": "http://10.0.0.1/x"}},
		{"metadata url", "FORBIDDEN", "Provided url is forbidden: 169.254.169.254 is the cloud metadata address; start the server with --webhook-allow-private (ROWHOUSE_WEBHOOK_ALLOW_PRIVATE=1), or list the host in --webhook-allowed-hosts (ROWHOUSE_WEBHOOK_ALLOWED_HOSTS), to allow it", map[string]any{"url": "http://169.254.169.254/latest"}},
		{"not http", "FORBIDDEN", "Provided url is forbidden: a webhook URL must be an absolute http or https URL with a host", map[string]any{"url": "ftp://93.184.216.34/x"}},
	} {
		testserver.Scenario{Name: "create " + c.name, Method: "POST", URL: path, Key: e.owner, Status: 200,
			Body: gqlBody(createHookQ, map[string]any{"in": validInput(c.change)}), JSON: gqlError("createWebhook", c.code, c.msg)}.Run(t, e.s)
	}
	// Inputs the schema refuses never reach the service.
	for _, c := range []struct {
		name string
		in   map[string]any
	}{
		{"url absent", validInput(map[string]any{"url": nil})},
		{"unknown field", validInput(map[string]any{"secret": "mine"})},
		{"wrong type", validInput(map[string]any{"enabled": "yes"})},
	} {
		testserver.Scenario{Name: "create " + c.name, Method: "POST", URL: path, Key: e.owner, Status: 400,
			Body: gqlBody(createHookQ, map[string]any{"in": c.in}), Contains: []string{`"code":"BAD_USER_INPUT"`}, NotContains: []string{`"data"`}}.Run(t, e.s)
	}
	testserver.Scenario{Method: "GET", URL: "/api/docs/" + e.doc + "/webhooks", Key: e.owner, Status: 200, JSON: `{"webhooks":[]}`}.Test(t, e.s)

	id, _ := e.createHook(t, validInput(nil))
	otherID := ""
	{
		res := e.s.Do(t, "POST", metaURL(e.other), e.owner, gqlBody(createHookQ, map[string]any{"in": validInput(nil)}))
		c := res.JSON.(map[string]any)["data"].(map[string]any)["createWebhook"].(map[string]any)
		otherID = c["id"].(string)
	}
	for _, c := range []struct {
		name, id, code, msg string
		patch               map[string]any
	}{
		{"eventTypes empty", id, "BAD_USER_INPUT", "eventTypes must be a non-empty array", map[string]any{"eventTypes": []string{}}},
		{"url empty", id, "BAD_USER_INPUT", "url is missing", map[string]any{"url": ""}},
		{"private url", id, "FORBIDDEN", "Provided url is forbidden: 192.168.1.1 is a private address; start the server with --webhook-allow-private (ROWHOUSE_WEBHOOK_ALLOW_PRIVATE=1), or list the host in --webhook-allowed-hosts (ROWHOUSE_WEBHOOK_ALLOWED_HOSTS), to allow it", map[string]any{"url": "http://192.168.1.1/"}},
		{"unknown table", id, "NOT_FOUND", `Table not found "Nope"`, map[string]any{"tableId": "Nope"}},
		{"unknown webhook", "00000000-0000-0000-0000-000000000000", "NOT_FOUND", "Webhook not found", map[string]any{"name": "x"}},
		{"another document's webhook", otherID, "NOT_FOUND", "Webhook not found", map[string]any{"name": "x"}},
	} {
		testserver.Scenario{Name: "update " + c.name, Method: "POST", URL: path, Key: e.owner, Status: 200,
			Body: gqlBody(updateHookQ, map[string]any{"id": c.id, "in": c.patch}), JSON: gqlError("updateWebhook", c.code, c.msg)}.Run(t, e.s)
	}
	testserver.Scenario{Name: "delete another document's webhook", Method: "POST", URL: path, Key: e.owner, Status: 200,
		Body: gqlBody(deleteHookQ, map[string]any{"id": otherID}), JSON: gqlError("deleteWebhook", "NOT_FOUND", "Webhook not found")}.Run(t, e.s)
	// Nothing changed.
	testserver.Scenario{Method: "POST", URL: path, Key: e.owner, Body: gqlBody(`{ webhooks { id url eventTypes tableId name } }`, nil), Status: 200,
		JSON: `{"data":{"webhooks":[{"id":"` + id + `","url":"` + hookURL + `","eventTypes":["add"],"tableId":"Items","name":""}]}}`}.Test(t, e.s)
	testserver.Scenario{Method: "POST", URL: metaURL(e.other), Key: e.owner, Body: gqlBody(`{ webhooks { id name } }`, nil), Status: 200,
		JSON: `{"data":{"webhooks":[{"id":"` + otherID + `","name":""}]}}`}.Test(t, e.s)
}

// TestGraphQLWebhookAccess: only owners see or change webhooks.
func TestGraphQLWebhookAccess(t *testing.T) {
	e := newHookEnv(t)
	id, _ := e.createHook(t, validInput(map[string]any{"name": "kept"}))
	path := metaURL(e.doc)
	ops := []struct {
		field string
		body  map[string]any
	}{
		{"webhooks", gqlBody(`{ webhooks { id } }`, nil)},
		{"createWebhook", gqlBody(createHookQ, map[string]any{"in": validInput(nil)})},
		{"updateWebhook", gqlBody(updateHookQ, map[string]any{"id": id, "in": map[string]any{"name": "x"}})},
		{"deleteWebhook", gqlBody(deleteHookQ, map[string]any{"id": id})},
	}
	for _, op := range ops {
		mutation := op.field != "webhooks"
		// Editors pass the request's check (edit access for mutations)
		// and are refused by the field.
		testserver.Scenario{Name: "editor " + op.field, Method: "POST", URL: path, Key: e.editor, Body: op.body, Status: 200,
			JSON: gqlError(op.field, "FORBIDDEN", "No owner access")}.Run(t, e.s)
		if mutation {
			// A viewer may not send a mutation to the document at all.
			testserver.Scenario{Name: "viewer " + op.field, Method: "POST", URL: path, Key: e.viewer, Body: op.body, Status: 403,
				JSON: `{"errors":[{"message":"No write access","extensions":{"code":"FORBIDDEN"}}]}`}.Run(t, e.s)
		} else {
			testserver.Scenario{Name: "viewer " + op.field, Method: "POST", URL: path, Key: e.viewer, Body: op.body, Status: 200,
				JSON: gqlError(op.field, "FORBIDDEN", "No owner access")}.Run(t, e.s)
		}
		for _, who := range []struct{ name, key string }{{"stranger", e.stranger}, {"anonymous", ""}} {
			testserver.Scenario{Name: who.name + " " + op.field, Method: "POST", URL: path, Key: who.key, Body: op.body, Status: 403,
				JSON: `{"errors":[{"message":"No view access","extensions":{"code":"FORBIDDEN"}}]}`}.Run(t, e.s)
		}
	}
	// The webhook is untouched and no other was made.
	testserver.Scenario{Method: "POST", URL: path, Key: e.owner, Body: gqlBody(`{ webhooks { id name } }`, nil), Status: 200,
		JSON: `{"data":{"webhooks":[{"id":"` + id + `","name":"kept"}]}}`}.Test(t, e.s)
}

// TestGraphQLWebhookDelivers: a webhook created through GraphQL is listed
// by REST and delivers the document's changes, signed with the secret
// createWebhook returned.
func TestGraphQLWebhookDelivers(t *testing.T) {
	e := newHookEnv(t)
	e.s.AllowPrivateWebhooks()
	type received struct {
		event, signature string
		body             []byte
	}
	var mu sync.Mutex
	var got []received
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, received{r.Header.Get(webhook.HeaderEvent), r.Header.Get(webhook.HeaderSignature), body})
		mu.Unlock()
	}))
	defer rc.Close()
	id, secret := e.createHook(t, validInput(map[string]any{"url": rc.URL, "eventTypes": []string{"add"}}))
	testserver.Scenario{Method: "GET", URL: "/api/docs/" + e.doc + "/webhooks", Key: e.owner, Status: 200,
		Contains: []string{`"id":"` + id + `"`, `"url":"` + rc.URL + `"`}}.Test(t, e.s)

	d := e.s.Dispatcher(webhook.Options{})
	testserver.Scenario{Method: "POST", URL: "/api/docs/" + e.doc + "/tables/Items/records", Key: e.owner,
		Body: map[string]any{"records": []any{map[string]any{"fields": map[string]any{"name": "apple", "qty": 3}}}}, Status: 200}.Test(t, e.s)
	if err := d.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("%d deliveries, want 1", len(got))
	}
	if got[0].event != "add" {
		t.Errorf("event %q", got[0].event)
	}
	if err := testserver.MatchJSON(`[{"id":1,"name":"apple","qty":3,"ready":false}]`, got[0].body); err != nil {
		t.Errorf("delivery body: %v: %s", err, got[0].body)
	}
	if err := client.VerifySignature(secret, got[0].signature, got[0].body, e.s.Clock.Now(), 5*time.Minute); err != nil {
		t.Errorf("signature with the secret from createWebhook: %v", err)
	}
	// The usage shows the success.
	testserver.Scenario{Method: "POST", URL: metaURL(e.doc), Key: e.owner, Body: gqlBody(`{ webhooks { usage { numWaiting status lastSuccessTime lastHttpStatus } } }`, nil),
		Status: 200, JSON: `{"data":{"webhooks":[{"usage":{"numWaiting":0,"status":"idle","lastSuccessTime":"` + updatedTime0 + `","lastHttpStatus":200}}]}}`}.Test(t, e.s)
}

// TestGraphQLWebhooksWithoutService: a GraphQL API built without a
// webhook service answers its webhook fields as unavailable, and the rest
// of the metadata API still works.
func TestGraphQLWebhooksWithoutService(t *testing.T) {
	e := newEngineEnv(t, testserver.NewEngine(t))
	res := e.send(t, "POST", e.metaPath, "", gqlBody(`{ tables { id } webhooks { id } }`, nil))
	if res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	want := `{"errors":[{"message":"webhooks are not available on this server","path":["webhooks"],"extensions":{"code":"SERVICE_UNAVAILABLE"}}],"data":null}`
	if err := testserver.MatchJSON(want, res.Body); err != nil {
		t.Errorf("%v: %s", err, res.Body)
	}
	res = e.send(t, "POST", e.metaPath, "", gqlBody(`{ tables { id } }`, nil))
	if err := testserver.MatchJSON(`{"data":{"tables":[]}}`, res.Body); err != nil {
		t.Errorf("%v: %s", err, res.Body)
	}
}
