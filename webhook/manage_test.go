package webhook_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/webhook"
)

// countingBus records the documents it was signalled about.
type countingBus struct {
	mu   sync.Mutex
	docs []string
}

func (b *countingBus) Publish(docID string) {
	b.mu.Lock()
	b.docs = append(b.docs, docID)
	b.mu.Unlock()
}

func (b *countingBus) Subscribe(func(string)) func() { return func() {} }

func (b *countingBus) signals() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.docs)
}

// serviceWorld is a Service over a test server's document (see newWorld),
// with its own bus, a guard that refuses private addresses, and a fixed
// clock; editor may edit the document.
type serviceWorld struct {
	*world
	svc    *webhook.Service
	bus    *countingBus
	owner  rowhouse.Actor
	editor rowhouse.Actor
	now    time.Time
}

func newServiceWorld(t *testing.T) *serviceWorld {
	t.Helper()
	w := newWorld(t)
	ctx := context.Background()
	sw := &serviceWorld{world: w, bus: &countingBus{}, now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	sw.owner = rowhouse.Actor{User: w.s.User("owner@example.com")}
	sw.editor = rowhouse.Actor{User: w.s.User("editor@example.com")}
	if err := w.s.Home.UpdateDocAccess(ctx, sw.owner, w.doc, home.AccessDelta{Users: map[string]rowhouse.Role{
		"editor@example.com": rowhouse.RoleEditors}}); err != nil {
		t.Fatal(err)
	}
	sw.svc = webhook.NewService(webhook.ServiceDeps{Home: w.s.Home, Docs: w.s.Docs, Store: w.s.Engine.Home(),
		Guard: &webhook.Guard{}, Bus: sw.bus, Now: func() time.Time { return sw.now }})
	return sw
}

func ptr[T any](v T) *T { return &v }

func validFields() webhook.Fields {
	return webhook.Fields{URL: ptr("https://93.184.216.34/hook"), EventTypes: &[]string{"add"}, TableID: ptr("Items")}
}

func TestServiceAuthorize(t *testing.T) {
	w := newServiceWorld(t)
	ctx := context.Background()
	acc, v, err := w.svc.Authorize(ctx, w.owner, w.doc)
	if err != nil || acc.DocID() != w.doc || v.ID != w.doc {
		t.Fatalf("owner: %v %q %q", err, acc.DocID(), v.ID)
	}
	for _, c := range []struct {
		name  string
		actor rowhouse.Actor
		kind  rowhouse.Kind
		msg   string
	}{
		{"editor", w.editor, rowhouse.EFORBIDDEN, "No owner access"},
		{"anonymous", rowhouse.Actor{}, rowhouse.EFORBIDDEN, "No view access"},
	} {
		acc, v, err := w.svc.Authorize(ctx, c.actor, w.doc)
		if rowhouse.ErrorKind(err) != c.kind || rowhouse.ErrorMessage(err) != c.msg || acc.DocID() != "" {
			t.Errorf("%s: %v, access to %q", c.name, err, acc.DocID())
		}
		if v.ID != w.doc {
			t.Errorf("%s: the view of an existing document is not returned: %q", c.name, v.ID)
		}
	}
	if _, _, err := w.svc.Authorize(ctx, w.owner, "nope"); rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
		t.Errorf("unknown document: %v", err)
	}

	// Without Authorize, nothing is reachable.
	var zero webhook.Access
	checks := map[string]error{}
	_, checks["Create"] = w.svc.Create(ctx, zero, []webhook.Fields{validFields()})
	_, checks["List"] = w.svc.List(ctx, zero)
	_, checks["Get"] = w.svc.Get(ctx, zero, "x")
	checks["Update"] = w.svc.Update(ctx, zero, "x", validFields())
	checks["Delete"] = w.svc.Delete(ctx, zero, "x")
	checks["ClearQueue"] = w.svc.ClearQueue(ctx, zero)
	_, checks["Deliveries"] = w.svc.Deliveries(ctx, zero, "x", 10)
	checks["Redeliver"] = w.svc.Redeliver(ctx, zero, "x", "y")
	for name, err := range checks {
		if rowhouse.ErrorKind(err) != rowhouse.EINTERNAL {
			t.Errorf("%s with a zero Access: %v", name, err)
		}
	}
	if len(w.bus.signals()) != 0 {
		t.Errorf("signals %v", w.bus.signals())
	}
}

func TestServiceCreate(t *testing.T) {
	w := newServiceWorld(t)
	ctx := context.Background()
	acc, _, err := w.svc.Authorize(ctx, w.owner, w.doc)
	if err != nil {
		t.Fatal(err)
	}
	// Changes committed before the webhook exists are not sent to it.
	w.do(t, "POST", "/api/docs/"+w.doc+"/tables/Items/records", map[string]any{"records": []any{map[string]any{"fields": map[string]any{"name": "old"}}}})
	d, err := w.s.Docs.Open(ctx, w.doc)
	if err != nil {
		t.Fatal(err)
	}
	last, err := d.LastSeq(ctx)
	d.Close()
	if err != nil || last == 0 {
		t.Fatalf("last seq %d %v", last, err)
	}

	// All or none: the second is invalid.
	bad := validFields()
	bad.URL = ptr("http://10.0.0.1/x")
	if _, err := w.svc.Create(ctx, acc, []webhook.Fields{validFields(), bad}); !strings.HasPrefix(rowhouse.ErrorMessage(err), "Provided url is forbidden: ") {
		t.Fatalf("forbidden url: %v", err)
	}
	if _, err := w.svc.Create(ctx, acc, nil); rowhouse.ErrorMessage(err) != "webhooks must be a non-empty array" {
		t.Fatalf("no webhooks: %v", err)
	}
	if hooks, err := w.svc.List(ctx, acc); err != nil || len(hooks) != 0 {
		t.Fatalf("after failures: %v %v", hooks, err)
	}
	if s := w.bus.signals(); len(s) != 0 {
		t.Fatalf("failed creations signalled %v", s)
	}

	second := validFields()
	second.Enabled, second.Name = ptr(false), ptr("second")
	created, err := w.svc.Create(ctx, acc, []webhook.Fields{validFields(), second})
	if err != nil || len(created) != 2 {
		t.Fatalf("create: %v %v", created, err)
	}
	if s := w.bus.signals(); !slices.Equal(s, []string{w.doc}) {
		t.Errorf("signals after create %v", s)
	}
	for i, c := range created {
		if len(c.Secret) < 20 || c.Webhook.Secret != "" || c.Webhook.DocID != w.doc || !c.Webhook.CreatedAt.Equal(w.now) {
			t.Errorf("created[%d] %+v", i, c)
		}
		stored, err := w.s.Engine.Home().Read().Webhook(ctx, w.doc, c.Webhook.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Secret != c.Secret || stored.AckedSeq != last {
			t.Errorf("stored webhook: secret kept %v, starts after %d, want %d", stored.Secret == c.Secret, stored.AckedSeq, last)
		}
	}
	if !created[0].Webhook.Enabled || created[1].Webhook.Enabled || created[1].Usage.Status != webhook.StatusDisabled || created[0].Usage.Status != webhook.StatusIdle {
		t.Errorf("enabled/status: %+v %+v", created[0], created[1])
	}

	hooks, err := w.svc.List(ctx, acc)
	if err != nil || len(hooks) != 2 {
		t.Fatalf("list %v %v", hooks, err)
	}
	for _, h := range hooks {
		if h.Webhook.Secret != "" {
			t.Errorf("List shows the secret of %s", h.Webhook.ID)
		}
	}

	// Update validates, saves and signals; Get shows the result.
	id := created[0].Webhook.ID
	w.now = w.now.Add(time.Hour)
	if err := w.svc.Update(ctx, acc, id, webhook.Fields{URL: ptr("http://127.0.0.1/")}); rowhouse.ErrorKind(err) != rowhouse.EFORBIDDEN {
		t.Fatalf("update to a loopback url: %v", err)
	}
	if err := w.svc.Update(ctx, acc, id, webhook.Fields{EventTypes: &[]string{"update", "add", "update"}, Memo: ptr("m")}); err != nil {
		t.Fatal(err)
	}
	h, err := w.svc.Get(ctx, acc, id)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h.Webhook.EventTypes, []string{"add", "update"}) || h.Webhook.Memo != "m" || h.Webhook.URL != *validFields().URL ||
		!h.Usage.UpdatedAt.Equal(w.now) || h.Webhook.Secret != "" {
		t.Errorf("after update: %+v", h)
	}
	if s := w.bus.signals(); len(s) != 2 {
		t.Errorf("signals after update %v", s)
	}

	// Deliveries bounds its limit; Redeliver of nothing fails unsignalled.
	for _, n := range []int{0, webhook.MaxDeliveries + 1} {
		if _, err := w.svc.Deliveries(ctx, acc, id, n); rowhouse.ErrorMessage(err) != "limit must be an integer from 1 to 1000" {
			t.Errorf("limit %d: %v", n, err)
		}
	}
	if err := w.svc.Redeliver(ctx, acc, id, "nope"); rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
		t.Errorf("redeliver nothing: %v", err)
	}
	if s := w.bus.signals(); len(s) != 2 {
		t.Errorf("signals after a failed redelivery %v", s)
	}

	// Delete removes it.
	if err := w.svc.Delete(ctx, acc, id); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Get(ctx, acc, id); rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
		t.Errorf("deleted webhook: %v", err)
	}
}
