package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/rowhouse/rowhouse"
	ts "github.com/rowhouse/rowhouse/internal/testserver"
	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/webhook"
)

// webhooksOf lists the document's stored webhooks.
func (w *world) webhooksOf(t *testing.T) []store.Webhook {
	t.Helper()
	hs, err := w.s.Engine.Home().Read().WebhooksOfDoc(context.Background(), w.docID)
	if err != nil {
		t.Fatal(err)
	}
	return hs
}

// addTable gives ann's document a table People(name).
func (w *world) addTable(t *testing.T) {
	t.Helper()
	ts.Scenario{Method: "POST", URL: "/api/docs/" + w.docID + "/tables", Key: w.annKey, Status: 200, Body: map[string]any{"tables": []any{
		map[string]any{"id": "People", "columns": []any{map[string]any{"id": "name"}}},
	}}}.Test(t, w.s)
}

func TestWebhookForms(t *testing.T) {
	w := newWorld(t)
	w.addTable(t)
	// A local receiver counts deliveries.
	var mu sync.Mutex
	var got []string
	recv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
	}))
	defer recv.Close()

	ann := w.s.SignIn(t, "ann@example.com", password)
	api := "/doc/" + w.docID + "/api"
	hook := func(u string, events ...string) url.Values {
		return url.Values{"url": {u}, "name": {"to the CRM"}, "tableId": {"People"}, "eventTypes": events, "enabled": {"1"}}
	}

	// Refused forms: the API's message on the page, the form filled again,
	// nothing stored. Private addresses are refused until allowed.
	runPages(t, w.s, []page{
		{name: "private address", req: form(ann, api+"/webhooks", hook(recv.URL+"/hook", "add"), true), status: 403,
			contains: []string{"Provided url is forbidden", `value="` + recv.URL + `/hook"`}},
		{name: "no events", req: form(ann, api+"/webhooks", hook("https://hooks.example.com/x"), true), status: 400,
			contains: []string{"eventTypes must be a non-empty array"}},
		{name: "no url", req: form(ann, api+"/webhooks", hook("", "add"), true), status: 400, contains: []string{"url is missing"}},
		{name: "unknown table", req: form(ann, api+"/webhooks", url.Values{"url": {"https://hooks.example.com/x"}, "tableId": {"Nope"}, "eventTypes": {"add"}}, true),
			status: 404, contains: []string{"Table not found &#34;Nope&#34;"}},
		{name: "no CSRF", req: form(ann, api+"/webhooks", hook("https://hooks.example.com/x", "add"), false), status: 403},
		{name: "empty list", req: get(ann, api), status: 200, contains: []string{"No webhooks yet.", `id="create-webhook"`}},
	})
	if hs := w.webhooksOf(t); len(hs) != 0 {
		t.Fatalf("refused forms stored webhooks: %+v", hs)
	}

	// Viewers and editors cannot manage webhooks, whatever they send.
	w.share(t, rowhouse.RoleEditors)
	bob := w.s.SignIn(t, "bob@example.com", password)
	page{req: form(bob, api+"/webhooks", hook("https://hooks.example.com/x", "add"), true), status: 403, contains: []string{"No owner access"}}.run(t, w.s)
	page{req: get(bob, api), status: 200, contains: []string{"Only the document's owners manage its webhooks."},
		notContains: []string{`id="create-webhook"`}}.run(t, w.s)

	// Create: listed, with its secret shown once.
	w.s.AllowPrivateWebhooks()
	res := page{req: form(ann, api+"/webhooks", hook(recv.URL+"/hook", "add", "update"), true), status: 200,
		contains: []string{"Webhook created. Copy its signing secret now", `id="new-webhook-secret"`, "to the CRM", recv.URL + "/hook", "add, update", "idle"}}.run(t, w.s)
	hs := w.webhooksOf(t)
	if len(hs) != 1 {
		t.Fatalf("webhooks: %+v", hs)
	}
	secret := regexp.MustCompile(`id="new-webhook-secret" class="secret" readonly value="([^"]+)"`).FindStringSubmatch(string(res.Body))
	if secret == nil || secret[1] != hs[0].Secret {
		t.Errorf("secret on the page %v, stored %q", secret, hs[0].Secret)
	}
	page{req: get(ann, api), status: 200, contains: []string{"to the CRM", "No deliveries yet."}, notContains: []string{hs[0].Secret}}.run(t, w.s)

	// A change is delivered; the page shows the delivery.
	ts.Scenario{Method: "POST", URL: "/api/docs/" + w.docID + "/tables/People/records", Key: w.annKey, Status: 200,
		Body: map[string]any{"records": []any{map[string]any{"fields": map[string]any{"name": "Ada"}}}}}.Test(t, w.s)
	if err := w.s.Dispatcher(webhook.Options{}).Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(got) != 1 || !strings.Contains(got[0], "Ada") {
		t.Errorf("receiver got %q", got)
	}
	mu.Unlock()
	page{req: get(ann, api), status: 200, contains: []string{"delivered", "HTTP 200", ">add<"}, notContains: []string{"No deliveries yet."}}.run(t, w.s)

	// Edit: disable it and watch removals too; a bad edit changes nothing.
	edit := api + "/webhooks/" + hs[0].ID
	page{req: form(ann, edit, url.Values{"url": {recv.URL + "/hook"}, "tableId": {"People"}}, true), status: 400,
		contains: []string{"eventTypes must be a non-empty array"}}.run(t, w.s)
	if h := w.webhooksOf(t)[0]; !h.Enabled || len(h.EventTypes) != 2 {
		t.Errorf("a refused edit changed the webhook: %+v", h)
	}
	page{req: form(ann, edit, url.Values{"url": {recv.URL + "/other"}, "name": {"renamed"}, "tableId": {"People"}, "eventTypes": {"remove"}}, true),
		status: 303, location: api + "?done=webhook-saved#webhooks"}.run(t, w.s)
	h := w.webhooksOf(t)[0]
	if h.Enabled || h.URL != recv.URL+"/other" || h.Name != "renamed" || strings.Join(h.EventTypes, ",") != "remove" {
		t.Errorf("after edit: %+v", h)
	}
	page{req: get(ann, api+"?done=webhook-saved"), status: 200, contains: []string{"Webhook saved.", "renamed", "disabled"}}.run(t, w.s)
	page{req: form(bob, edit+"/delete", nil, true), status: 403, contains: []string{"No owner access"}}.run(t, w.s)
	page{req: form(ann, edit+"/delete", nil, false), status: 403}.run(t, w.s)
	page{req: form(ann, api+"/webhooks/no-such-hook/delete", nil, true), status: 404}.run(t, w.s)
	if len(w.webhooksOf(t)) != 1 {
		t.Fatal("a refused removal removed the webhook")
	}
	page{req: form(ann, edit+"/delete", nil, true), status: 303, location: api + "?done=webhook-removed#webhooks"}.run(t, w.s)
	if hs := w.webhooksOf(t); len(hs) != 0 {
		t.Errorf("after removal: %+v", hs)
	}
}
