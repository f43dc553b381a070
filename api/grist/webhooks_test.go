package grist_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/internal/testserver"
	"github.com/rowhouse/rowhouse/webhook"
)

// hookWorld is a server with a document owned by owner and shared with
// editor and viewer (stranger has no access). The document has a table
// Items (name Text, qty Int, ready Bool); other is a second document of
// the owner's with the same table.
type hookWorld struct {
	s                               *testserver.Server
	owner, editor, viewer, stranger string
	ownerActor                      rowhouse.Actor
	doc, other                      string
}

func newHookWorld(t *testing.T) *hookWorld {
	t.Helper()
	s := testserver.New(t)
	w := &hookWorld{s: s}
	var ou rowhouse.User
	ou, w.owner = s.UserWithKey("owner@example.com")
	_, w.editor = s.UserWithKey("editor@example.com")
	_, w.viewer = s.UserWithKey("viewer@example.com")
	_, w.stranger = s.UserWithKey("stranger@example.com")
	w.ownerActor = rowhouse.Actor{User: ou}
	ctx := context.Background()
	ws, err := s.Home.ListWorkspaces(ctx, w.ownerActor, home.PersonalDomain(ou.ID))
	if err != nil || len(ws) == 0 {
		t.Fatalf("workspaces: %v %v", ws, err)
	}
	for _, p := range []*string{&w.doc, &w.other} {
		if *p, err = s.Home.CreateDoc(ctx, w.ownerActor, ws[0].ID, "Shop"); err != nil {
			t.Fatal(err)
		}
		d, err := s.Docs.Open(ctx, *p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.Apply(ctx, w.ownerActor, []core.Action{core.AddTable{ID: "Items", Columns: []core.ColumnSpec{
			{ID: "name"}, {ID: "qty", Type: "Int"}, {ID: "ready", Type: "Bool"}}}}, core.ApplyOptions{})
		d.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Home.UpdateDocAccess(ctx, w.ownerActor, w.doc, home.AccessDelta{Users: map[string]rowhouse.Role{
		"editor@example.com": rowhouse.RoleEditors, "viewer@example.com": rowhouse.RoleViewers}}); err != nil {
		t.Fatal(err)
	}
	return w
}

// create registers one webhook and returns its id and secret.
func (w *hookWorld) create(t *testing.T, doc string, fields map[string]any) (string, string) {
	t.Helper()
	res := w.s.Do(t, "POST", "/api/docs/"+doc+"/webhooks", w.owner, map[string]any{"webhooks": []any{map[string]any{"fields": fields}}})
	if res.Status != 200 {
		t.Fatalf("create webhook: %d %s", res.Status, res.Body)
	}
	h := res.JSON.(map[string]any)["webhooks"].([]any)[0].(map[string]any)
	return h["id"].(string), h["secret"].(string)
}

const publicURL = "https://93.184.216.34/hook"

func TestWebhookValidation(t *testing.T) {
	w := newHookWorld(t)
	url := "/api/docs/" + w.doc + "/webhooks"
	one := func(fields map[string]any) map[string]any {
		return map[string]any{"webhooks": []any{map[string]any{"fields": fields}}}
	}
	valid := func(change map[string]any) map[string]any {
		f := map[string]any{"url": publicURL, "eventTypes": []string{"add"}, "tableId": "Items"}
		for k, v := range change {
			if v == nil {
				delete(f, k)
			} else {
				f[k] = v
			}
		}
		return one(f)
	}
	for _, sc := range []testserver.Scenario{
		{Name: "url missing", Body: valid(map[string]any{"url": nil}), Status: 400, JSON: `{"error":"url is missing"}`},
		{Name: "eventTypes missing", Body: valid(map[string]any{"eventTypes": nil}), Status: 400, JSON: `{"error":"eventTypes must be a non-empty array"}`},
		{Name: "eventTypes empty", Body: valid(map[string]any{"eventTypes": []string{}}), Status: 400, Error: "eventTypes must be a non-empty array"},
		{Name: "eventTypes unknown", Body: valid(map[string]any{"eventTypes": []string{"add", "delete"}}), Status: 400,
			Error: `eventTypes must contain only "add", "update" or "remove", not "delete"`},
		{Name: "eventTypes not an array", Body: valid(map[string]any{"eventTypes": "add"}), Status: 400, Error: "Invalid payload"},
		{Name: "tableId missing", Body: valid(map[string]any{"tableId": nil}), Status: 400, JSON: `{"error":"tableId is missing"}`},
		{Name: "unknown table", Body: valid(map[string]any{"tableId": "Nope"}), Status: 404, JSON: `{"error":"Table not found \"Nope\""}`},
		{Name: "unknown watched column", Body: valid(map[string]any{"watchedColIds": []string{"qty", "zzz"}}), Status: 404, Error: `Column not found "zzz"`},
		{Name: "unknown ready column", Body: valid(map[string]any{"isReadyColumn": "zzz"}), Status: 404, Error: `Column not found "zzz"`},
		{Name: "ready column not Bool", Body: valid(map[string]any{"isReadyColumn": "qty"}), Status: 400, Error: `isReadyColumn "qty" must be a Bool column`},
		{Name: "loopback url", Body: valid(map[string]any{"url": "http://127.0.0.1:8080/x"}), Status: 403, JSON: `{"error":"Provided url is forbidden: 127.0.0.1 is a loopback address; start the server with --webhook-allow-private (ROWHOUSE_WEBHOOK_ALLOW_PRIVATE=1), or list the host in --webhook-allowed-hosts (ROWHOUSE_WEBHOOK_ALLOWED_HOSTS), to allow it"}`},
		{Name: "localhost url", Body: valid(map[string]any{"url": "http://localhost:8080/x"}), Status: 403, Contains: []string{"Provided url is forbidden: localhost resolves to ", "a loopback address; start the server with --webhook-allow-private"}},
		{Name: "private url", Body: valid(map[string]any{"url": "http://10.0.0.1/x"}), Status: 403, Error: "Provided url is forbidden: 10.0.0.1 is a private address; start the server with --webhook-allow-private (ROWHOUSE_WEBHOOK_ALLOW_PRIVATE=1), or list the host in --webhook-allowed-hosts (ROWHOUSE_WEBHOOK_ALLOWED_HOSTS), to allow it"},
		{Name: "metadata url", Body: valid(map[string]any{"url": "http://169.254.169.254/latest"}), Status: 403, Error: "Provided url is forbidden: 169.254.169.254 is the cloud metadata address; start the server with --webhook-allow-private (ROWHOUSE_WEBHOOK_ALLOW_PRIVATE=1), or list the host in --webhook-allowed-hosts (ROWHOUSE_WEBHOOK_ALLOWED_HOSTS), to allow it"},
		{Name: "not http", Body: valid(map[string]any{"url": "ftp://93.184.216.34/x"}), Status: 403, Error: "Provided url is forbidden: a webhook URL must be an absolute http or https URL with a host"},
		{Name: "unknown field", Body: valid(map[string]any{"colour": "red"}), Status: 400, Error: "Invalid payload"},
		{Name: "no webhooks", Body: map[string]any{"webhooks": []any{}}, Status: 400, Error: "webhooks must be a non-empty array"},
		{Name: "not JSON", Body: "{", Status: 400, Error: "request body must be JSON"},
	} {
		sc.Method, sc.URL, sc.Key = "POST", url, w.owner
		sc.Run(t, w.s)
	}
	// Nothing half-made: a batch with one bad webhook creates none.
	res := w.s.Do(t, "POST", url, w.owner, map[string]any{"webhooks": []any{
		map[string]any{"fields": map[string]any{"url": publicURL, "eventTypes": []string{"add"}, "tableId": "Items"}},
		map[string]any{"fields": map[string]any{"url": publicURL, "eventTypes": []string{"add"}}},
	}})
	if res.Status != 400 {
		t.Fatalf("mixed batch: %d", res.Status)
	}
	testserver.Scenario{Method: "GET", URL: url, Key: w.owner, Status: 200, JSON: `{"webhooks":[]}`}.Test(t, w.s)
}

func TestWebhookAccess(t *testing.T) {
	w := newHookWorld(t)
	id, _ := w.create(t, w.doc, map[string]any{"url": publicURL, "eventTypes": []string{"add"}, "tableId": "Items"})
	base := "/api/docs/" + w.doc + "/webhooks"
	body := map[string]any{"webhooks": []any{map[string]any{"fields": map[string]any{"url": publicURL, "eventTypes": []string{"add"}, "tableId": "Items"}}}}
	for _, who := range []struct {
		name, key string
		status    int
		err       string
	}{
		{"editor", w.editor, 403, "No owner access"},
		{"viewer", w.viewer, 403, "No owner access"},
		{"stranger", w.stranger, 403, "No view access"},
		{"anonymous", "", 403, "No view access"},
	} {
		for _, rq := range []struct {
			method, url string
			body        any
		}{
			{"GET", base, nil},
			{"POST", base, body},
			{"PATCH", base + "/" + id, map[string]any{"name": "x"}},
			{"DELETE", base + "/" + id, nil},
			{"DELETE", base + "/queue", nil},
			{"GET", base + "/" + id + "/deliveries", nil},
			{"POST", base + "/" + id + "/deliveries/x/redeliver", nil},
		} {
			testserver.Scenario{Name: who.name + " " + rq.method + " " + rq.url, Method: rq.method, URL: rq.url, Key: who.key, Body: rq.body,
				Status: who.status, Error: who.err}.Run(t, w.s)
		}
	}
	// The webhook is untouched.
	testserver.Scenario{Method: "GET", URL: base, Key: w.owner, Status: 200, Contains: []string{id}}.Test(t, w.s)
}

func TestWebhookLifecycle(t *testing.T) {
	w := newHookWorld(t)
	base := "/api/docs/" + w.doc + "/webhooks"
	res := testserver.Scenario{Method: "POST", URL: base, Key: w.owner, Body: map[string]any{"webhooks": []any{
		map[string]any{"fields": map[string]any{"url": publicURL, "eventTypes": []string{"update", "add", "add"}, "tableId": "Items",
			"name": "sync", "memo": "to the CRM", "watchedColIds": []string{"qty"}, "isReadyColumn": "ready", "authorization": "Bearer t"}},
		map[string]any{"fields": map[string]any{"url": publicURL + "2", "eventTypes": []string{"remove"}, "tableId": "Items", "enabled": false}},
	}}, Status: 200, JSON: `{"webhooks":[{"id":"<str>","secret":"<str>"},{"id":"<str>","secret":"<str>"}]}`}.Test(t, w.s)
	created := res.JSON.(map[string]any)["webhooks"].([]any)
	id1 := created[0].(map[string]any)["id"].(string)
	id2 := created[1].(map[string]any)["id"].(string)
	secret := created[0].(map[string]any)["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") || secret == created[1].(map[string]any)["secret"] {
		t.Fatalf("secrets %v", created)
	}
	usageIdle := `{"numWaiting":0,"status":"idle","updatedTime":1709528767089,"lastSuccessTime":null,"lastFailureTime":null,"lastErrorMessage":null,"lastHttpStatus":null,"disabledReason":null}`
	usageDisabled := strings.Replace(usageIdle, `"idle"`, `"disabled"`, 1)
	list := `{"webhooks":[` +
		`{"id":"` + id1 + `","fields":{"name":"sync","memo":"to the CRM","url":"` + publicURL + `","eventTypes":["add","update"],"isReadyColumn":"ready","tableId":"Items","watchedColIds":["qty"],"enabled":true,"authorization":"Bearer t","format":"rowhouse"},"usage":` + usageIdle + `},` +
		`{"id":"` + id2 + `","fields":{"name":"","memo":"","url":"` + publicURL + `2","eventTypes":["remove"],"isReadyColumn":null,"tableId":"Items","watchedColIds":[],"enabled":false,"authorization":"","format":"rowhouse"},"usage":` + usageDisabled + `}]}`
	if len(id1) != 36 || len(id2) != 36 {
		t.Fatalf("ids %s %s", id1, id2)
	}
	testserver.Scenario{Method: "GET", URL: base, Key: w.owner, Status: 200, JSON: list, NotContains: []string{secret}}.Test(t, w.s)

	// PATCH changes only what it names, with the same validation.
	for _, sc := range []testserver.Scenario{
		{Method: "PATCH", URL: base + "/" + id1, Body: map[string]any{"name": "renamed", "eventTypes": []string{"remove"}, "isReadyColumn": ""}, Status: 200, JSON: `{"success":true}`},
		{Method: "PATCH", URL: base + "/" + id1, Body: map[string]any{"eventTypes": []string{}}, Status: 400, Error: "eventTypes must be a non-empty array"},
		{Method: "PATCH", URL: base + "/" + id1, Body: map[string]any{"url": "http://192.168.1.1/"}, Status: 403, Error: "Provided url is forbidden: 192.168.1.1 is a private address; start the server with --webhook-allow-private (ROWHOUSE_WEBHOOK_ALLOW_PRIVATE=1), or list the host in --webhook-allowed-hosts (ROWHOUSE_WEBHOOK_ALLOWED_HOSTS), to allow it"},
		{Method: "PATCH", URL: base + "/" + id1, Body: map[string]any{"tableId": "Nope"}, Status: 404, Error: `Table not found "Nope"`},
		{Method: "PATCH", URL: base + "/" + id1, Body: map[string]any{"secret": "mine"}, Status: 400, Error: "Invalid payload"},
		{Method: "PATCH", URL: base + "/00000000-0000-0000-0000-000000000000", Body: map[string]any{"name": "x"}, Status: 404, JSON: `{"error":"Webhook not found"}`},
		// Another document's webhook is not reachable through this one.
		{Method: "PATCH", URL: "/api/docs/" + w.other + "/webhooks/" + id1, Body: map[string]any{"name": "x"}, Status: 404, Error: "Webhook not found"},
		{Method: "DELETE", URL: "/api/docs/" + w.other + "/webhooks/" + id1, Status: 404, Error: "Webhook not found"},
		{Method: "GET", URL: base + "/" + id1 + "/deliveries?limit=0", Status: 400, Error: "limit must be an integer from 1 to 1000"},
		{Method: "GET", URL: base + "/" + id1 + "/deliveries", Status: 200, JSON: `{"deliveries":[]}`},
		{Method: "GET", URL: "/api/docs/" + w.other + "/webhooks/" + id1 + "/deliveries", Status: 404, Error: "Webhook not found"},
		{Method: "POST", URL: base + "/" + id1 + "/deliveries/nope/redeliver", Status: 404, JSON: `{"error":"Delivery not found"}`},
	} {
		sc.Key = w.owner
		sc.Run(t, w.s)
	}
	res = testserver.Scenario{Method: "GET", URL: base, Key: w.owner, Status: 200}.Test(t, w.s)
	f := res.JSON.(map[string]any)["webhooks"].([]any)[0].(map[string]any)["fields"].(map[string]any)
	if f["name"] != "renamed" || f["memo"] != "to the CRM" || f["isReadyColumn"] != nil || strings.Join(asStrings(f["eventTypes"]), ",") != "remove" {
		t.Errorf("after PATCH: %v", f)
	}

	testserver.Scenario{Method: "DELETE", URL: base + "/" + id2, Key: w.owner, Status: 200, JSON: `{"success":true}`}.Test(t, w.s)
	testserver.Scenario{Method: "DELETE", URL: base + "/" + id2, Key: w.owner, Status: 404, Error: "Webhook not found"}.Test(t, w.s)
	res = testserver.Scenario{Method: "GET", URL: base, Key: w.owner, Status: 200}.Test(t, w.s)
	if n := len(res.JSON.(map[string]any)["webhooks"].([]any)); n != 1 {
		t.Errorf("%d webhooks after delete", n)
	}
	// Deleting the document deletes its webhooks.
	testserver.Scenario{Method: "DELETE", URL: "/api/docs/" + w.doc, Key: w.owner, Status: 200}.Test(t, w.s)
	if _, err := w.s.Engine.Home().Read().WebhookByID(context.Background(), id1); rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
		t.Errorf("webhook of a deleted document: %v", err)
	}
}

func asStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestClearQueue: DELETE .../webhooks/queue drops pending deliveries (the
// log shows them as cleared) and events not yet queued; later events are
// delivered as usual.
func TestClearQueue(t *testing.T) {
	w := newHookWorld(t)
	w.s.AllowPrivateWebhooks()
	var fail atomic.Bool
	var got atomic.Int32
	fail.Store(true)
	rc := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		got.Add(1)
		if fail.Load() {
			rw.WriteHeader(500)
		}
	}))
	defer rc.Close()
	id, _ := w.create(t, w.doc, map[string]any{"url": rc.URL, "eventTypes": []string{"add"}, "tableId": "Items"})
	d := w.s.Dispatcher(webhook.Options{})
	add := func(name string) {
		testserver.Scenario{Method: "POST", URL: "/api/docs/" + w.doc + "/tables/Items/records", Key: w.owner,
			Body: map[string]any{"records": []any{map[string]any{"fields": map[string]any{"name": name}}}}, Status: 200}.Test(t, w.s)
	}
	add("a")
	if err := d.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	add("b") // committed, not yet queued
	base := "/api/docs/" + w.doc + "/webhooks"
	res := testserver.Scenario{Method: "GET", URL: base, Key: w.owner, Status: 200}.Test(t, w.s)
	u := res.JSON.(map[string]any)["webhooks"].([]any)[0].(map[string]any)["usage"].(map[string]any)
	if u["numWaiting"] != json.Number("1") || u["status"] != "retrying" || u["lastErrorMessage"] != "HTTP 500" {
		t.Fatalf("usage before clearing %v", u)
	}
	testserver.Scenario{Method: "DELETE", URL: base + "/queue", Key: w.owner, Status: 200, JSON: `{"success":true}`}.Test(t, w.s)
	res = testserver.Scenario{Method: "GET", URL: base, Key: w.owner, Status: 200}.Test(t, w.s)
	u = res.JSON.(map[string]any)["webhooks"].([]any)[0].(map[string]any)["usage"].(map[string]any)
	if u["numWaiting"] != json.Number("0") || u["status"] != "idle" {
		t.Fatalf("usage after clearing %v", u)
	}
	res = testserver.Scenario{Method: "GET", URL: base + "/" + id + "/deliveries", Key: w.owner, Status: 200}.Test(t, w.s)
	ds := res.JSON.(map[string]any)["deliveries"].([]any)
	if len(ds) != 1 || ds[0].(map[string]any)["status"] != "cleared" {
		t.Fatalf("deliveries after clearing %v", ds)
	}
	fail.Store(false)
	add("c")
	before := got.Load()
	if err := d.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := got.Load() - before; n != 1 {
		t.Fatalf("after clearing: %d requests, want 1", n)
	}
	res = testserver.Scenario{Method: "GET", URL: base + "/" + id + "/deliveries", Key: w.owner, Status: 200}.Test(t, w.s)
	ds = res.JSON.(map[string]any)["deliveries"].([]any)
	if len(ds) != 2 || ds[0].(map[string]any)["status"] != "delivered" || ds[0].(map[string]any)["firstSeq"] == ds[1].(map[string]any)["firstSeq"] {
		t.Fatalf("deliveries %v", ds)
	}
}
