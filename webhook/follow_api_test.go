package webhook_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/webhook"
)

// These tests run on the engine the environment picks (SQLite, or
// PostgreSQL with ROWHOUSE_TEST_POSTGRES set).

func (w *world) apply(t *testing.T, actions ...any) {
	t.Helper()
	w.do(t, "POST", "/api/docs/"+w.doc+"/apply", actions)
}

func (w *world) addRecords(t *testing.T, table string, fields ...map[string]any) {
	t.Helper()
	recs := make([]any, len(fields))
	for i, f := range fields {
		recs[i] = map[string]any{"fields": f}
	}
	w.do(t, "POST", "/api/docs/"+w.doc+"/tables/"+table+"/records", map[string]any{"records": recs})
}

func (w *world) patchRecord(t *testing.T, table string, id int, fields map[string]any) {
	t.Helper()
	w.do(t, "PATCH", "/api/docs/"+w.doc+"/tables/"+table+"/records", map[string]any{"records": []any{map[string]any{"id": id, "fields": fields}}})
}

func delivered(rc *receiver) []string {
	var out []string
	for _, g := range rc.requests() {
		for _, r := range g.Records {
			out = append(out, fmt.Sprintf("%s:%v", g.Event, r["id"]))
		}
	}
	return out
}

// TestWebhookFollowsTableRenameThroughApply: a RenameTable action renames
// the webhook's table at once in GET, before the dispatcher has passed
// it; records before and after the rename are delivered.
func TestWebhookFollowsTableRenameThroughApply(t *testing.T) {
	w := newWorld(t)
	rc := newReceiver(t, nil)
	hookID, _ := w.addWebhook(t, map[string]any{"url": rc.URL, "eventTypes": []string{"add"}})
	d := w.s.Dispatcher(webhook.Options{})
	w.addItems(t, "a", 1)
	w.apply(t, []any{"RenameTable", "Items", "Goods"})
	if f, _ := w.usage(t, hookID); f["tableId"] != "Goods" {
		t.Errorf("tableId right after the rename: %v", f["tableId"])
	}
	w.addRecords(t, "Goods", map[string]any{"name": "b"})
	step(t, d)
	w.apply(t, []any{"RenameTable", "Goods", "Wares"})
	w.addRecords(t, "Wares", map[string]any{"name": "c"})
	step(t, d)
	if got := strings.Join(delivered(rc), " "); got != "add:1 add:2 add:3" {
		t.Fatalf("delivered %s", got)
	}
	if f, u := w.usage(t, hookID); f["tableId"] != "Wares" || u["status"] != "idle" {
		t.Errorf("after the renames: fields %v usage %v", f, u)
	}
}

// TestWebhookFollowsColumnRenames: renaming the watched and the ready
// column (REST columns PATCH, /apply RenameColumn) keeps the webhook
// matching, and GET shows the new ids.
func TestWebhookFollowsColumnRenames(t *testing.T) {
	w := newWorld(t)
	rc := newReceiver(t, nil)
	hookID, _ := w.addWebhook(t, map[string]any{"url": rc.URL, "eventTypes": []string{"add", "update"},
		"isReadyColumn": "ready", "watchedColIds": []string{"qty"}})
	d := w.s.Dispatcher(webhook.Options{})
	w.addItems(t, "x", 2)
	w.patchRecord(t, "Items", 1, map[string]any{"ready": true}) // becomes ready: add 1
	w.patchRecord(t, "Items", 1, map[string]any{"qty": 5})      // watched: update 1
	w.do(t, "PATCH", "/api/docs/"+w.doc+"/tables/Items/columns", map[string]any{"columns": []any{
		map[string]any{"id": "qty", "fields": map[string]any{"colId": "count"}}}})
	w.apply(t, []any{"RenameColumn", "Items", "ready", "ok"})
	f, _ := w.usage(t, hookID)
	if f["isReadyColumn"] != "ok" || fmt.Sprint(f["watchedColIds"]) != "[count]" {
		t.Errorf("right after the renames: isReadyColumn %v watchedColIds %v", f["isReadyColumn"], f["watchedColIds"])
	}
	w.patchRecord(t, "Items", 2, map[string]any{"ok": true})    // becomes ready: add 2
	w.patchRecord(t, "Items", 2, map[string]any{"count": 9})    // watched: update 2
	w.patchRecord(t, "Items", 2, map[string]any{"name": "zzz"}) // unwatched: nothing
	step(t, d)
	if got := strings.Join(delivered(rc), " "); got != "add:1 update:1 add:2 update:2" {
		t.Fatalf("delivered %s", got)
	}
	f, u := w.usage(t, hookID)
	if f["isReadyColumn"] != "ok" || fmt.Sprint(f["watchedColIds"]) != "[count]" || u["status"] != "idle" {
		t.Errorf("after the dispatcher passed the renames: fields %v usage %v", f, u)
	}
	// The stored webhook holds the new ids: a PATCH that leaves them
	// validates, and matching goes on.
	w.do(t, "PATCH", "/api/docs/"+w.doc+"/webhooks/"+hookID, map[string]any{"memo": "still here"})
	w.patchRecord(t, "Items", 2, map[string]any{"count": 10})
	step(t, d)
	if got := delivered(rc); len(got) != 5 || got[4] != "update:2" {
		t.Fatalf("after a PATCH: delivered %v", got)
	}
}

// TestDisabledWebhookFollowsRenames: a webhook disabled by its owner does
// not move through the outbox, yet GET shows the new names, re-enabling it
// validates against them, and it then delivers what was committed while
// it was off, under the old names and the new.
func TestDisabledWebhookFollowsRenames(t *testing.T) {
	w := newWorld(t)
	rc := newReceiver(t, nil)
	hookID, _ := w.addWebhook(t, map[string]any{"url": rc.URL, "eventTypes": []string{"add"}, "isReadyColumn": "ready"})
	d := w.s.Dispatcher(webhook.Options{})
	w.do(t, "PATCH", "/api/docs/"+w.doc+"/webhooks/"+hookID, map[string]any{"enabled": false})
	w.addRecords(t, "Items", map[string]any{"name": "a", "ready": true})
	w.apply(t, []any{"RenameTable", "Items", "Goods"}, []any{"RenameColumn", "Goods", "ready", "ok"})
	w.addRecords(t, "Goods", map[string]any{"name": "b", "ok": true})
	step(t, d)
	if n := len(rc.requests()); n != 0 {
		t.Fatalf("a disabled webhook was called %d times", n)
	}
	if f, _ := w.usage(t, hookID); f["tableId"] != "Goods" || f["isReadyColumn"] != "ok" {
		t.Errorf("disabled, after the renames: %v", f)
	}
	w.do(t, "PATCH", "/api/docs/"+w.doc+"/webhooks/"+hookID, map[string]any{"enabled": true})
	step(t, d)
	if got := strings.Join(delivered(rc), " "); got != "add:1 add:2" {
		t.Fatalf("after re-enabling: delivered %s", got)
	}
	if f, _ := w.usage(t, hookID); f["tableId"] != "Goods" || f["isReadyColumn"] != "ok" {
		t.Errorf("re-enabled: %v", f)
	}
}

// TestClearQueueFollowsRenames: clearing the queue skips the webhook past
// a rename it had not passed; it keeps the new names.
func TestClearQueueFollowsRenames(t *testing.T) {
	w := newWorld(t)
	rc := newReceiver(t, nil)
	hookID, _ := w.addWebhook(t, map[string]any{"url": rc.URL, "eventTypes": []string{"add"}, "watchedColIds": []string{"qty"}})
	d := w.s.Dispatcher(webhook.Options{})
	w.addItems(t, "a", 1)
	w.apply(t, []any{"RenameTable", "Items", "Goods"}, []any{"RenameColumn", "Goods", "qty", "count"})
	w.do(t, "DELETE", "/api/docs/"+w.doc+"/webhooks/queue", nil)
	w.addRecords(t, "Goods", map[string]any{"name": "b"})
	step(t, d)
	if got := strings.Join(delivered(rc), " "); got != "add:2" {
		t.Fatalf("delivered %s", got)
	}
	if f, _ := w.usage(t, hookID); f["tableId"] != "Goods" || fmt.Sprint(f["watchedColIds"]) != "[count]" {
		t.Errorf("after clearing: %v", f)
	}
}

// TestWebhookDisabledWhenTableRemoved: removing the webhook's table
// delivers what came before, then disables the webhook with the reason
// shown in GET; it stays off when a table of the same name comes back.
func TestWebhookDisabledWhenTableRemoved(t *testing.T) {
	for _, how := range []string{"DELETE", "apply"} {
		t.Run(how, func(t *testing.T) {
			w := newWorld(t)
			rc := newReceiver(t, nil)
			hookID, _ := w.addWebhook(t, map[string]any{"url": rc.URL, "eventTypes": []string{"add"}})
			d := w.s.Dispatcher(webhook.Options{})
			w.addItems(t, "a", 1)
			if how == "DELETE" {
				w.do(t, "DELETE", "/api/docs/"+w.doc+"/tables/Items", nil)
			} else {
				w.apply(t, []any{"RemoveTable", "Items"})
			}
			const reason = `disabled after its table "Items" was removed at 2024-03-04T05:06:07Z`
			// Shown at once, before the dispatcher passes the removal.
			if _, u := w.usage(t, hookID); u["disabledReason"] != reason {
				t.Errorf("right after the removal: usage %v", u)
			}
			step(t, d)
			if got := strings.Join(delivered(rc), " "); got != "add:1" {
				t.Fatalf("delivered %s", got)
			}
			f, u := w.usage(t, hookID)
			if f["enabled"] != false || u["status"] != "disabled" || u["disabledReason"] != reason || f["tableId"] != "Items" {
				t.Fatalf("after the removal: fields %v usage %v", f, u)
			}
			// A new table of the same name is another table.
			w.apply(t, []any{"AddTable", "Items", []any{map[string]any{"id": "name"}}})
			w.addRecords(t, "Items", map[string]any{"name": "b"})
			step(t, d)
			if n := len(rc.requests()); n != 1 {
				t.Fatalf("called %d times after the removal", n)
			}
			if f, u := w.usage(t, hookID); f["enabled"] != false || u["disabledReason"] != reason {
				t.Fatalf("after a new Items: fields %v usage %v", f, u)
			}
		})
	}
}

// TestWebhookDisabledWhenColumnRemoved: removing the ready column or a
// watched column disables the webhook, saying which.
func TestWebhookDisabledWhenColumnRemoved(t *testing.T) {
	for _, col := range []string{"ready", "qty"} {
		t.Run(col, func(t *testing.T) {
			w := newWorld(t)
			rc := newReceiver(t, nil)
			hookID, _ := w.addWebhook(t, map[string]any{"url": rc.URL, "isReadyColumn": "ready", "watchedColIds": []string{"qty"}})
			d := w.s.Dispatcher(webhook.Options{})
			w.do(t, "DELETE", "/api/docs/"+w.doc+"/tables/Items/columns/"+col, nil)
			step(t, d)
			kind := map[string]string{"ready": "ready", "qty": "watched"}[col]
			want := fmt.Sprintf(`disabled after its %s column %q of table "Items" was removed at 2024-03-04T05:06:07Z`, kind, col)
			if f, u := w.usage(t, hookID); f["enabled"] != false || u["status"] != "disabled" || u["disabledReason"] != want {
				t.Fatalf("fields %v usage %v", f, u)
			}
			// Re-enabling it as it is fails loudly.
			res := w.s.Do(t, "PATCH", "/api/docs/"+w.doc+"/webhooks/"+hookID, w.key, map[string]any{"enabled": true})
			if res.Status != http.StatusNotFound || !strings.Contains(string(res.Body), `Column not found \"`+col+`\"`) {
				t.Fatalf("re-enabling: %d %s", res.Status, res.Body)
			}
		})
	}
}

// TestRemovalWaitsForQueuedDeliveries: a webhook whose table is removed
// while deliveries are pending keeps sending them (it is retiring: the
// reason is shown), and is disabled once they are sent.
func TestRemovalWaitsForQueuedDeliveries(t *testing.T) {
	w := newWorld(t)
	rc, heal := downReceiver(t, http.StatusBadGateway)
	hookID, _ := w.addWebhook(t, map[string]any{"url": rc.URL, "eventTypes": []string{"add"}})
	d := w.s.Dispatcher(webhook.Options{Jitter: noJitter})
	w.addItems(t, "a", 1)
	step(t, d) // fails: the delivery stays pending
	w.apply(t, []any{"RemoveTable", "Items"})
	w.s.Clock.Advance(2 * time.Second)
	step(t, d) // fails again; the removal is passed
	f, u := w.usage(t, hookID)
	if f["enabled"] != true || u["status"] != "retrying" || !strings.HasPrefix(fmt.Sprint(u["disabledReason"]), `disabled after its table "Items" was removed`) || fmt.Sprint(u["numWaiting"]) != "1" {
		t.Fatalf("retiring: fields %v usage %v", f, u)
	}
	heal()
	w.s.Clock.Advance(time.Minute)
	step(t, d)
	got := rc.requests()
	if len(got) != 3 || fmt.Sprint(ids(got[2].Records)) != "[1]" {
		t.Fatalf("requests %d", len(got))
	}
	f, u = w.usage(t, hookID)
	if f["enabled"] != false || u["status"] != "disabled" || fmt.Sprint(u["numWaiting"]) != "0" {
		t.Fatalf("after the queue drained: fields %v usage %v", f, u)
	}
}

// TestWebhookFollowsGraphQLRenames: renames through the GraphQL metadata
// API are followed too, and its webhooks query shows the new names.
func TestWebhookFollowsGraphQLRenames(t *testing.T) {
	w := newWorld(t)
	rc := newReceiver(t, nil)
	w.addWebhook(t, map[string]any{"url": rc.URL, "eventTypes": []string{"add", "update"}, "isReadyColumn": "ready", "watchedColIds": []string{"qty"}})
	d := w.s.Dispatcher(webhook.Options{})
	gql := func(query string) map[string]any {
		t.Helper()
		out := w.do(t, "POST", "/api/docs/"+w.doc+"/graphql/metadata", map[string]any{"query": query}).(map[string]any)
		if out["errors"] != nil {
			t.Fatalf("%s: %v", query, out["errors"])
		}
		return out["data"].(map[string]any)
	}
	gql(`mutation { updateTable(id: "Items", data: {id: "Goods"}) { id } }`)
	gql(`mutation { updateColumn(tableId: "Goods", id: "ready", data: {id: "ok"}) { id } }`)
	gql(`mutation { updateColumn(tableId: "Goods", id: "qty", data: {id: "count"}) { id } }`)
	hooks := gql(`{ webhooks { tableId isReadyColumn watchedColIds } }`)["webhooks"].([]any)
	if got := fmt.Sprint(hooks); got != "[map[isReadyColumn:ok tableId:Goods watchedColIds:[count]]]" {
		t.Errorf("webhooks after the renames: %s", got)
	}
	w.addRecords(t, "Goods", map[string]any{"name": "a", "ok": true})
	w.patchRecord(t, "Goods", 1, map[string]any{"count": 3})
	step(t, d)
	if got := strings.Join(delivered(rc), " "); got != "add:1 update:1" {
		t.Fatalf("delivered %s", got)
	}
}
