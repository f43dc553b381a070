package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
)

// TestWebhookFollowQueries runs the queries that make webhooks follow
// renames and removals on both engines.
func TestWebhookFollowQueries(t *testing.T) { onEngines(t, testWebhookFollowQueries) }

func testWebhookFollowQueries(t *testing.T, e store.Engine) {
	ctx, now := context.Background(), hookTime
	hook := store.Webhook{ID: "hook-1", DocID: hookDoc, TableID: "T", URL: "https://example.com/", EventTypes: []string{"add"},
		WatchedColIDs: []string{"a", "b"}, IsReadyColumn: "r", Enabled: true, Secret: "s", AckedSeq: 5, CreatedAt: now, UpdatedAt: now}
	write, must, read := withHook(t, e, hook)

	// Names follow only from what the webhook holds.
	to := store.WebhookNames{TableID: "U", WatchedColIDs: []string{"a2", "b"}, IsReadyColumn: "r2"}
	var ok bool
	must(write(func(q store.HomeQueries) (err error) {
		ok, err = q.FollowWebhookNames(ctx, "hook-1", 0, hook.Names(), to)
		return
	}))
	if got := read(); !ok || got.TableID != "U" || got.IsReadyColumn != "r2" || len(got.WatchedColIDs) != 2 || got.WatchedColIDs[0] != "a2" || !got.UpdatedAt.Equal(now) {
		t.Fatalf("followed: %v %+v", ok, got)
	}
	elsewhere := hook.Names()
	elsewhere.TableID = "V"
	must(write(func(q store.HomeQueries) (err error) {
		ok, err = q.FollowWebhookNames(ctx, "hook-1", 0, hook.Names(), elsewhere)
		return
	}))
	if got := read(); ok || got.TableID != "U" {
		t.Fatalf("followed from stale names: %v %+v", ok, got)
	}
	// Field by field: the owner changed the watched columns meanwhile; a
	// table rename still follows, and the owner's columns stay.
	now2 := read().Names()
	owner := now2
	owner.WatchedColIDs = []string{"mine"}
	must(write(func(q store.HomeQueries) error {
		w := read()
		w.WatchedColIDs = owner.WatchedColIDs
		return q.UpdateWebhook(ctx, w, now)
	}))
	renamed := now2
	renamed.TableID = "W"
	must(write(func(q store.HomeQueries) (err error) {
		ok, err = q.FollowWebhookNames(ctx, "hook-1", 0, now2, renamed)
		return
	}))
	if got := read(); !ok || got.TableID != "W" || len(got.WatchedColIDs) != 1 || got.WatchedColIDs[0] != "mine" {
		t.Fatalf("a table rename beside an owner's change: %v %+v", ok, got)
	}

	// An update on condition that acked_seq did not move.
	cur := read()
	cur.Memo = "m"
	must(write(func(q store.HomeQueries) error { return q.UpdateWebhookAt(ctx, cur, 0, now) }))
	stale := cur
	stale.AckedSeq = 4
	err := write(func(q store.HomeQueries) error { return q.UpdateWebhookAt(ctx, stale, 0, now) })
	if rowhouse.ErrorKind(err) != rowhouse.ECONFLICT {
		t.Fatalf("update from a stale acked_seq: %v", err)
	}
	gone := stale
	gone.ID = "nope"
	if err := write(func(q store.HomeQueries) error { return q.UpdateWebhookAt(ctx, gone, 0, now) }); rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
		t.Fatalf("update of a missing webhook: %v", err)
	}

	// Retiring with a delivery pending keeps it enabled, with the reason;
	// once nothing is pending it is disabled.
	ds := []store.Delivery{{ID: "d1", Event: "add", FirstSeq: 6, LastSeq: 6, NumRecords: 1, Body: []byte(`[1]`), NextAttemptAt: now, CommittedAt: now, CreatedAt: now}}
	must(write(func(q store.HomeQueries) error {
		if _, err := q.EnqueueDeliveries(ctx, "hook-1", 5, 0, 7, ds); err != nil {
			return err
		}
		return q.RetireWebhook(ctx, "hook-1", 0, "gone", now)
	}))
	if got := read(); !got.Enabled || got.DisabledReason != "gone" || !got.Retiring() {
		t.Fatalf("retiring with a delivery pending: %+v", got)
	}
	must(write(func(q store.HomeQueries) error {
		if err := q.RecordAttempt(ctx, "hook-1", store.AttemptOutcome{Attempt: store.Attempt{DeliveryID: "d1", Attempt: 1, StartedAt: now},
			Now: now, Status: store.DeliveryDelivered, NextAttemptAt: now}); err != nil {
			return err
		}
		// The owner fixed it meanwhile (re-enabling clears the reason):
		// finishing the retirement leaves it alone.
		w, err := q.WebhookByID(ctx, "hook-1")
		if err != nil {
			return err
		}
		w.Enabled = true
		if err := q.UpdateWebhook(ctx, w, now); err != nil {
			return err
		}
		return q.FinishRetiring(ctx, "hook-1", "gone", now)
	}))
	if got := read(); !got.Enabled || got.DisabledReason != "" {
		t.Fatalf("a fixed webhook was retired: %+v", got)
	}
	must(write(func(q store.HomeQueries) error {
		if err := q.RetireWebhook(ctx, "hook-1", 0, "gone", now); err != nil {
			return err
		}
		return q.FinishRetiring(ctx, "hook-1", "gone", now)
	}))
	if got := read(); got.Enabled || got.DisabledReason != "gone" || got.Retiring() || !got.Retired {
		t.Fatalf("retired: %+v", got)
	}
}

// TestWebhookNamesSeq: names its owner sets carry the sequence number they
// are valid at; the dispatcher's conditional writes (enqueue, follow,
// retire) planned from older names change nothing, and setting names or
// enabling clears a retirement.
func TestWebhookNamesSeq(t *testing.T) { onEngines(t, testWebhookNamesSeq) }

func testWebhookNamesSeq(t *testing.T, e store.Engine) {
	ctx, now := context.Background(), hookTime
	hook := store.Webhook{ID: "hook-1", DocID: hookDoc, TableID: "T", URL: "https://example.com/", EventTypes: []string{"add"},
		Enabled: true, Secret: "s", AckedSeq: 5, NamesSeq: 5, CreatedAt: now, UpdatedAt: now}
	write, must, read := withHook(t, e, hook)
	if got := read(); got.NamesSeq != 5 || got.Retired {
		t.Fatalf("created: %+v", got)
	}
	// The owner sets names valid at 9.
	owner := read()
	owner.TableID, owner.NamesSeq = "T", 9
	must(write(func(q store.HomeQueries) error { return q.UpdateWebhookAt(ctx, owner, 5, now) }))
	if got := read(); got.NamesSeq != 9 || got.AckedSeq != 5 {
		t.Fatalf("names set: %+v", got)
	}
	// The dispatcher planned from the names valid at 5: nothing happens.
	ds := []store.Delivery{{ID: "d1", Event: "add", FirstSeq: 6, LastSeq: 6, NumRecords: 1, Body: []byte(`[1]`), NextAttemptAt: now, CommittedAt: now, CreatedAt: now}}
	var moved, ok bool
	must(write(func(q store.HomeQueries) (err error) {
		if moved, err = q.EnqueueDeliveries(ctx, "hook-1", 5, 5, 8, ds); err != nil {
			return err
		}
		if ok, err = q.FollowWebhookNames(ctx, "hook-1", 5, store.WebhookNames{TableID: "T"}, store.WebhookNames{TableID: "Old"}); err != nil {
			return err
		}
		return q.RetireWebhook(ctx, "hook-1", 5, "gone", now)
	}))
	if got := read(); moved || ok || got.AckedSeq != 5 || got.TableID != "T" || got.DisabledReason != "" || got.Retired {
		t.Fatalf("planned from stale names: moved %v followed %v %+v", moved, ok, got)
	}
	if q, err := e.Home().Read().WebhookQueues(ctx, hookDoc); err != nil || len(q) != 0 {
		t.Fatalf("queued from stale names: %v %v", q, err)
	}
	// Planned from the owner's names, it goes through, and next_pos is
	// assigned in order.
	must(write(func(q store.HomeQueries) (err error) {
		moved, err = q.EnqueueDeliveries(ctx, "hook-1", 5, 9, 8, ds)
		return
	}))
	if d, err := e.Home().Read().Delivery(ctx, "hook-1", "d1"); !moved || err != nil || d.Pos != 1 || read().AckedSeq != 8 {
		t.Fatalf("enqueue: %v %+v %v", moved, d, err)
	}
	// Retired, then the owner sets names: no longer retired.
	must(write(func(q store.HomeQueries) error { return q.RetireWebhook(ctx, "hook-1", 9, "gone", now) }))
	if got := read(); !got.Retired || !got.Retiring() {
		t.Fatalf("retiring: %+v", got)
	}
	w := read()
	w.Enabled, w.NamesSeq = false, 12
	must(write(func(q store.HomeQueries) error { return q.UpdateWebhookAt(ctx, w, 9, now) }))
	if got := read(); got.Retired || got.NamesSeq != 12 {
		t.Fatalf("names set on a retired webhook: %+v", got)
	}
}

// hookDoc and hookTime are the document and the time of withHook's
// fixtures.
const hookDoc = "AAAAAAAAAAAAAAAAAAAAAA"

var hookTime = time.UnixMilli(1_700_000_000_000).UTC()

// withHook makes document hookDoc in e's home store with webhook hook, and
// returns a home write, a check that fails the test on an error, and a
// read of the webhook as stored.
func withHook(t *testing.T, e store.Engine, hook store.Webhook) (write func(func(store.HomeQueries) error) error, must func(error), read func() store.Webhook) {
	ctx := context.Background()
	h := e.Home()
	write = func(fn func(q store.HomeQueries) error) error { return h.Write(ctx, fn) }
	must = func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(write(func(q store.HomeQueries) error { return createDoc(ctx, q, hookDoc, hookTime) }))
	must(write(func(q store.HomeQueries) error { return q.CreateWebhook(ctx, hook) }))
	read = func() store.Webhook {
		t.Helper()
		w, err := h.Read().WebhookByID(ctx, hook.ID)
		must(err)
		return w
	}
	return write, must, read
}
