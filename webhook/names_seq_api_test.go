package webhook_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse/webhook"
)

// These tests run on the engine the environment picks (SQLite, or
// PostgreSQL with ROWHOUSE_TEST_POSTGRES set). They are about names an
// owner sets while the webhook lags behind the outbox: the names are
// valid when they are set, and the renames and removals before are not
// replayed onto them.

func (w *world) patchHook(t *testing.T, hookID string, fields map[string]any) {
	t.Helper()
	w.do(t, "PATCH", "/api/docs/"+w.doc+"/webhooks/"+hookID, fields)
}

func deliveredNames(rc *receiver) string {
	var out []string
	for _, g := range rc.requests() {
		for _, r := range g.Records {
			out = append(out, fmt.Sprintf("%s:%v", g.Event, r["name"]))
		}
	}
	return strings.Join(out, " ")
}

// TestNamesSetAfterRenameAreNotRenamed: the webhook's table is renamed
// away while it is off, and a new table takes the old name; re-enabled on
// the new table, it stays on it and delivers its records, not those the
// old table had under that name.
func TestNamesSetAfterRenameAreNotRenamed(t *testing.T) {
	w := newWorld(t)
	rc := newReceiver(t, nil)
	hookID, _ := w.addWebhook(t, map[string]any{"url": rc.URL, "eventTypes": []string{"add"}})
	d := w.s.Dispatcher(webhook.Options{})
	w.patchHook(t, hookID, map[string]any{"enabled": false})
	w.addItems(t, "old", 2)
	w.apply(t, []any{"RenameTable", "Items", "Old"}, []any{"AddTable", "Items", []any{map[string]any{"id": "name"}}})
	w.patchHook(t, hookID, map[string]any{"enabled": true, "tableId": "Items"})
	if f, _ := w.usage(t, hookID); f["tableId"] != "Items" {
		t.Fatalf("tableId right after the PATCH: %v", f["tableId"])
	}
	w.addRecords(t, "Items", map[string]any{"name": "new"})
	w.addRecords(t, "Old", map[string]any{"name": "old"})
	step(t, d)
	if got := deliveredNames(rc); got != "add:new" {
		t.Fatalf("delivered %q", got)
	}
	if f, u := w.usage(t, hookID); f["tableId"] != "Items" || f["enabled"] != true || u["disabledReason"] != nil && u["disabledReason"] != "" {
		t.Fatalf("after the dispatcher passed the rename: fields %v usage %v", f, u)
	}
}

// TestWatchedColumnSetAfterRenameIsNotRenamed: a watched column is
// renamed and a new column takes its old name; the owner then watches the
// new one, which the rename does not move.
func TestWatchedColumnSetAfterRenameIsNotRenamed(t *testing.T) {
	w := newWorld(t)
	rc := newReceiver(t, nil)
	hookID, _ := w.addWebhook(t, map[string]any{"url": rc.URL, "eventTypes": []string{"update"}, "watchedColIds": []string{"qty"}})
	d := w.s.Dispatcher(webhook.Options{})
	w.addItems(t, "a", 1)
	w.patchRecord(t, "Items", 1, map[string]any{"qty": 3}) // the column now called amount: not watched any more
	w.apply(t, []any{"RenameColumn", "Items", "qty", "amount"}, []any{"AddColumn", "Items", "qty", map[string]any{"type": "Int"}})
	w.patchHook(t, hookID, map[string]any{"watchedColIds": []string{"qty"}})
	if f, _ := w.usage(t, hookID); fmt.Sprint(f["watchedColIds"]) != "[qty]" {
		t.Fatalf("watchedColIds right after the PATCH: %v", f["watchedColIds"])
	}
	w.patchRecord(t, "Items", 1, map[string]any{"amount": 8}) // no longer watched
	w.patchRecord(t, "Items", 1, map[string]any{"qty": 7})    // watched: update 1
	step(t, d)
	if got := strings.Join(delivered(rc), " "); got != "update:1" {
		t.Fatalf("delivered %q", got)
	}
	if f, _ := w.usage(t, hookID); fmt.Sprint(f["watchedColIds"]) != "[qty]" {
		t.Fatalf("after the dispatcher passed the rename: %v", f["watchedColIds"])
	}
}

// TestNamesSetWhileLaggingReadOldEvents: names its owner sets while the
// webhook lags behind a rename still match the events committed before
// the rename, under the old name.
func TestNamesSetWhileLaggingReadOldEvents(t *testing.T) {
	w := newWorld(t)
	rc := newReceiver(t, nil)
	hookID, _ := w.addWebhook(t, map[string]any{"url": rc.URL, "eventTypes": []string{"add"}, "isReadyColumn": "ready"})
	d := w.s.Dispatcher(webhook.Options{})
	w.patchHook(t, hookID, map[string]any{"enabled": false})
	w.addRecords(t, "Items", map[string]any{"name": "a", "ready": true, "qty": 1})
	w.apply(t, []any{"RenameTable", "Items", "Goods"}, []any{"RenameColumn", "Goods", "ready", "ok"})
	w.addRecords(t, "Goods", map[string]any{"name": "b", "ok": true})
	w.patchHook(t, hookID, map[string]any{"enabled": true, "tableId": "Goods", "isReadyColumn": "ok", "watchedColIds": []string{"qty"}})
	w.addRecords(t, "Goods", map[string]any{"name": "c", "ok": true})
	step(t, d)
	if got := deliveredNames(rc); got != "add:a add:b add:c" {
		t.Fatalf("delivered %q", got)
	}
	if f, _ := w.usage(t, hookID); f["tableId"] != "Goods" || f["isReadyColumn"] != "ok" || fmt.Sprint(f["watchedColIds"]) != "[qty]" {
		t.Fatalf("after the dispatcher passed the renames: %v", f)
	}
}

// TestNamesSetAfterRemovalAreNotRetired: the webhook's table is removed
// while it is off and a new one takes its name; re-enabled on it, the
// webhook is not retired by the removal it was set after.
func TestNamesSetAfterRemovalAreNotRetired(t *testing.T) {
	w := newWorld(t)
	rc := newReceiver(t, nil)
	hookID, _ := w.addWebhook(t, map[string]any{"url": rc.URL, "eventTypes": []string{"add"}})
	d := w.s.Dispatcher(webhook.Options{})
	w.patchHook(t, hookID, map[string]any{"enabled": false})
	w.apply(t, []any{"RemoveTable", "Items"}, []any{"AddTable", "Items", []any{map[string]any{"id": "name"}}})
	w.patchHook(t, hookID, map[string]any{"enabled": true, "tableId": "Items"})
	if _, u := w.usage(t, hookID); u["disabledReason"] != nil && u["disabledReason"] != "" {
		t.Fatalf("right after the PATCH: usage %v", u)
	}
	w.addRecords(t, "Items", map[string]any{"name": "new"})
	step(t, d)
	if got := strings.Join(delivered(rc), " "); got != "add:1" {
		t.Fatalf("delivered %q", got)
	}
	if f, u := w.usage(t, hookID); f["enabled"] != true || u["disabledReason"] != nil && u["disabledReason"] != "" {
		t.Fatalf("after the dispatcher passed the removal: fields %v usage %v", f, u)
	}
}

// TestRemovalPassedUnaffectedIsNoRetirement: a removal the webhook passed
// unaffected is not taken for its retirement once its owner watches a new
// column of the removed one's name: GET shows no reason, and clearing the
// queue leaves it enabled.
func TestRemovalPassedUnaffectedIsNoRetirement(t *testing.T) {
	w := newWorld(t)
	rc := newReceiver(t, nil)
	hookID, _ := w.addWebhook(t, map[string]any{"url": rc.URL, "eventTypes": []string{"update"}, "watchedColIds": []string{"qty"}})
	d := w.s.Dispatcher(webhook.Options{})
	w.addItems(t, "a", 1)
	w.apply(t, []any{"RemoveColumn", "Items", "name"})
	step(t, d) // passes the removal: it does not concern the webhook
	w.patchHook(t, hookID, map[string]any{"enabled": false})
	w.apply(t, []any{"AddColumn", "Items", "name", map[string]any{"type": "Text"}})
	w.patchHook(t, hookID, map[string]any{"enabled": true, "watchedColIds": []string{"name"}})
	if f, u := w.usage(t, hookID); f["enabled"] != true || u["disabledReason"] != nil && u["disabledReason"] != "" {
		t.Fatalf("after the PATCH: fields %v usage %v", f, u)
	}
	w.do(t, "DELETE", "/api/docs/"+w.doc+"/webhooks/queue", nil)
	if f, u := w.usage(t, hookID); f["enabled"] != true || u["disabledReason"] != nil && u["disabledReason"] != "" {
		t.Fatalf("after clearing the queue: fields %v usage %v", f, u)
	}
	w.patchRecord(t, "Items", 1, map[string]any{"name": "b"})
	step(t, d)
	if got := strings.Join(delivered(rc), " "); got != "update:1" {
		t.Fatalf("delivered %q", got)
	}
}

// TestReverseColumnRemoval: a webhook watching the reverse side of a
// two-way reference is told when that side goes with its forward column
// or with the forward column's table.
func TestReverseColumnRemoval(t *testing.T) {
	for _, how := range []string{"forward column", "forward table"} {
		t.Run(how, func(t *testing.T) {
			w := newWorld(t)
			rc := newReceiver(t, nil)
			w.apply(t, []any{"AddTable", "Shops", []any{map[string]any{"id": "title"}}})
			w.do(t, "POST", "/api/docs/"+w.doc+"/tables/Shops/columns", map[string]any{"columns": []any{
				map[string]any{"id": "item", "fields": map[string]any{"type": "Ref:Items", "reverseCol": "shops"}}}})
			hookID, _ := w.addWebhook(t, map[string]any{"url": rc.URL, "eventTypes": []string{"update"}, "watchedColIds": []string{"shops"}})
			d := w.s.Dispatcher(webhook.Options{})
			if how == "forward column" {
				w.do(t, "DELETE", "/api/docs/"+w.doc+"/tables/Shops/columns/item", nil)
			} else {
				w.apply(t, []any{"RemoveTable", "Shops"})
			}
			const want = `disabled after its watched column "shops" of table "Items" was removed at `
			if _, u := w.usage(t, hookID); !strings.HasPrefix(fmt.Sprint(u["disabledReason"]), want) {
				t.Fatalf("right after the removal: usage %v", u)
			}
			step(t, d)
			if f, u := w.usage(t, hookID); f["enabled"] != false || !strings.HasPrefix(fmt.Sprint(u["disabledReason"]), want) {
				t.Fatalf("after the dispatcher passed it: fields %v usage %v", f, u)
			}
		})
	}
}
