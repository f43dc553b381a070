package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
	"github.com/rowhouse/rowhouse/store/sqlite"
)

// TestWebhookQueries runs the webhook queries on both engines. It is
// written over store.Engine so that it can join the engine conformance
// suite (store/storetest).
func TestWebhookQueries(t *testing.T) { onEngines(t, testWebhookQueries) }

// createDoc makes a user, an org, a workspace and the document docID in
// it, for webhooks to hang from.
func createDoc(ctx context.Context, q store.HomeQueries, docID string, now time.Time) error {
	u, err := q.CreateUser(ctx, "o@example.com", "O", now)
	if err != nil {
		return err
	}
	o, err := q.CreateOrg(ctx, "O", "o", u.ID, now)
	if err != nil {
		return err
	}
	ws, err := q.CreateWorkspace(ctx, o.ID, "W", now)
	if err != nil {
		return err
	}
	return q.CreateDoc(ctx, rowhouse.Doc{ID: docID, WorkspaceID: ws.ID, Name: "D", MaxInheritedRole: rowhouse.RoleOwners, CreatedAt: now, UpdatedAt: now})
}

// onEngines runs test on SQLite, and on PostgreSQL when
// ROWHOUSE_TEST_POSTGRES names a test database.
func onEngines(t *testing.T, test func(*testing.T, store.Engine)) {
	t.Run("sqlite", func(t *testing.T) {
		e, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		test(t, e)
	})
	t.Run("postgres", func(t *testing.T) {
		pgtest.Skip(t)
		test(t, pgtest.Open(t))
	})
}

func testWebhookQueries(t *testing.T, e store.Engine) {
	ctx := context.Background()
	h := e.Home()
	now := time.UnixMilli(1_700_000_000_000).UTC()
	write := func(fn func(q store.HomeQueries) error) {
		t.Helper()
		if err := h.Write(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	const docID = "AAAAAAAAAAAAAAAAAAAAAA"
	write(func(q store.HomeQueries) error { return createDoc(ctx, q, docID, now) })
	hook := store.Webhook{ID: "hook-1", DocID: docID, TableID: "T", URL: "https://example.com/", EventTypes: []string{"add"},
		Enabled: true, Secret: "s", AckedSeq: 5, CreatedAt: now, UpdatedAt: now}
	write(func(q store.HomeQueries) error { return q.CreateWebhook(ctx, hook) })
	r := h.Read()
	got, err := r.Webhook(ctx, docID, "hook-1")
	if err != nil || got.AckedSeq != 5 || got.WatchedColIDs == nil || len(got.EventTypes) != 1 || !got.Enabled || got.Secret != "s" {
		t.Fatalf("read back %+v, %v", got, err)
	}
	if _, err := r.Webhook(ctx, "BBBBBBBBBBBBBBBBBBBBBB", "hook-1"); rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
		t.Errorf("webhook through another doc: %v", err)
	}

	// Enqueueing moves acked_seq only from the expected value.
	ds := []store.Delivery{
		{ID: "d1", Event: "add", FirstSeq: 6, LastSeq: 6, NumRecords: 2, Body: []byte(`[1,2]`), NextAttemptAt: now, CommittedAt: now, CreatedAt: now},
		{ID: "d2", Event: "add", FirstSeq: 7, LastSeq: 8, NumRecords: 3, Body: []byte(`[3]`), NextAttemptAt: now, CommittedAt: now, CreatedAt: now},
	}
	var moved bool
	write(func(q store.HomeQueries) (err error) {
		moved, err = q.EnqueueDeliveries(ctx, "hook-1", 4, 0, 8, ds)
		return
	})
	if moved {
		t.Fatal("enqueued from a stale acked_seq")
	}
	write(func(q store.HomeQueries) (err error) {
		moved, err = q.EnqueueDeliveries(ctx, "hook-1", 5, 0, 8, ds)
		return
	})
	if !moved {
		t.Fatal("enqueue refused")
	}
	queues, err := r.WebhookQueues(ctx, docID)
	if err != nil || queues["hook-1"] != (store.WebhookQueue{Deliveries: 2, Records: 5}) {
		t.Fatalf("queues %v %v", queues, err)
	}
	next, ok, err := r.NextDelivery(ctx, "hook-1")
	if err != nil || !ok || next.ID != "d1" || next.Pos != 1 || string(next.Body) != "[1,2]" {
		t.Fatalf("next %+v %v %v", next, ok, err)
	}

	// An attempt that fails keeps it pending and marks the webhook failing.
	st := 500
	write(func(q store.HomeQueries) error {
		return q.RecordAttempt(ctx, "hook-1", store.AttemptOutcome{Attempt: store.Attempt{DeliveryID: "d1", Attempt: 1, StartedAt: now,
			Duration: 12 * time.Millisecond, HTTPStatus: &st, Error: "HTTP 500"}, Status: store.DeliveryPending, NextAttemptAt: now.Add(time.Second), Now: now})
	})
	got, _ = r.WebhookByID(ctx, "hook-1")
	if got.FailingSince == nil || !got.FailingSince.Equal(now) || got.LastError != "HTTP 500" || *got.LastHTTPStatus != 500 {
		t.Fatalf("after failure %+v", got)
	}
	ok200 := 200
	write(func(q store.HomeQueries) error {
		return q.RecordAttempt(ctx, "hook-1", store.AttemptOutcome{Attempt: store.Attempt{DeliveryID: "d1", Attempt: 2, StartedAt: now.Add(time.Second),
			HTTPStatus: &ok200}, Status: store.DeliveryDelivered, NextAttemptAt: now, Now: now.Add(time.Second)})
	})
	got, _ = r.WebhookByID(ctx, "hook-1")
	if got.FailingSince != nil || got.LastError != "" || got.LastSuccessAt == nil {
		t.Fatalf("after success %+v", got)
	}
	att, err := r.Attempts(ctx, []string{"d1", "d2"})
	if err != nil || len(att["d1"]) != 2 || att["d1"][0].Duration != 12*time.Millisecond || len(att["d2"]) != 0 {
		t.Fatalf("attempts %+v %v", att, err)
	}
	if next, _, _ = r.NextDelivery(ctx, "hook-1"); next.ID != "d2" {
		t.Fatalf("next after d1 delivered: %s", next.ID)
	}

	// Redelivery puts d1 back in front, with its id and a fresh round.
	write(func(q store.HomeQueries) error { return q.Redeliver(ctx, "hook-1", "d1", now.Add(time.Hour)) })
	next, _, _ = r.NextDelivery(ctx, "hook-1")
	if next.ID != "d1" || next.Status != store.DeliveryPending || next.RoundAttempts != 0 || next.Attempts != 2 {
		t.Fatalf("redelivered %+v", next)
	}
	if err := h.Write(ctx, func(q store.HomeQueries) error { return q.Redeliver(ctx, "hook-1", "nope", now) }); rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
		t.Errorf("redeliver unknown: %v", err)
	}

	// Clearing marks pending deliveries cleared and skips to lastSeq.
	var cleared int64
	write(func(q store.HomeQueries) (err error) { cleared, err = q.ClearWebhookQueue(ctx, docID, 20, now); return })
	got, _ = r.WebhookByID(ctx, "hook-1")
	if cleared != 2 || got.AckedSeq != 20 {
		t.Fatalf("cleared %d, acked %d", cleared, got.AckedSeq)
	}
	if _, ok, _ := r.NextDelivery(ctx, "hook-1"); ok {
		t.Fatal("a delivery is still pending after clearing")
	}
	// Pruning removes finished deliveries older than the cutoff.
	var pruned int64
	write(func(q store.HomeQueries) (err error) {
		pruned, err = q.PruneDeliveries(ctx, now.Add(time.Minute))
		return
	})
	if list, _ := r.Deliveries(ctx, "hook-1", 10); pruned != 2 || len(list) != 0 {
		t.Fatalf("pruned %d, left %d", pruned, len(list))
	}

	// Leases: exclusive until they expire or are released.
	claim := func(owner string, at time.Time) bool {
		var ok bool
		write(func(q store.HomeQueries) (err error) {
			ok, err = q.ClaimWebhook(ctx, "hook-1", owner, at.Add(time.Minute), at)
			return
		})
		return ok
	}
	if !claim("a", now) || claim("b", now) || !claim("b", now.Add(2*time.Minute)) || claim("a", now.Add(2*time.Minute)) {
		t.Fatal("lease rules broken")
	}
	write(func(q store.HomeQueries) error { return q.ReleaseWebhook(ctx, "hook-1", "b") })
	if !claim("a", now.Add(2*time.Minute)) {
		t.Fatal("a released lease could not be taken")
	}

	// Disabling and re-enabling.
	write(func(q store.HomeQueries) error { return q.DisableWebhook(ctx, "hook-1", "broken", now) })
	if en, _ := r.EnabledWebhooks(ctx, ""); len(en) != 0 {
		t.Fatalf("enabled after disabling: %d", len(en))
	}
	got, _ = r.WebhookByID(ctx, "hook-1")
	got.Enabled = true
	write(func(q store.HomeQueries) error { return q.UpdateWebhook(ctx, got, now) })
	if got, _ = r.WebhookByID(ctx, "hook-1"); !got.Enabled || got.DisabledReason != "" {
		t.Fatalf("re-enabled %+v", got)
	}
	if en, _ := r.EnabledWebhooks(ctx, docID); len(en) != 1 {
		t.Fatalf("enabled of doc: %d", len(en))
	}

	// Deleting the document's entry deletes its webhooks.
	write(func(q store.HomeQueries) error { return q.DeleteDoc(ctx, docID) })
	if _, err := r.WebhookByID(ctx, "hook-1"); rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
		t.Errorf("webhook after its doc was deleted: %v", err)
	}
}
