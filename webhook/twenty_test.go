package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/internal/testserver"
	"github.com/rowhouse/rowhouse/webhook"
)

// twentyGot is one request a Twenty-style receiver got.
type twentyGot struct {
	Body                        []byte
	Signature, Timestamp, Nonce string
	Delivery                    string
	Payload                     map[string]any
}

// twentyReceiver records requests and answers status(n) (n from 1).
type twentyReceiver struct {
	*httptest.Server
	mu  sync.Mutex
	got []twentyGot
}

func newTwentyReceiver(t *testing.T, status func(n int) int) *twentyReceiver {
	rc := &twentyReceiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		g := twentyGot{Body: body, Signature: r.Header.Get("X-Twenty-Webhook-Signature"), Timestamp: r.Header.Get("X-Twenty-Webhook-Timestamp"),
			Nonce: r.Header.Get("X-Twenty-Webhook-Nonce"), Delivery: r.Header.Get(webhook.HeaderDelivery)}
		_ = json.Unmarshal(body, &g.Payload)
		rc.mu.Lock()
		rc.got = append(rc.got, g)
		n := len(rc.got)
		rc.mu.Unlock()
		if status != nil {
			w.WriteHeader(status(n))
		}
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *twentyReceiver) requests() []twentyGot {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]twentyGot(nil), rc.got...)
}

// checkTwentySignature checks a request as a Twenty receiver does: the
// hex HMAC-SHA256 of "<timestamp>:<body>" with the secret, a timestamp
// in milliseconds, a nonce.
func checkTwentySignature(t *testing.T, g twentyGot, secret string, now time.Time) {
	t.Helper()
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(g.Timestamp + ":"))
	m.Write(g.Body)
	if want := hex.EncodeToString(m.Sum(nil)); g.Signature != want {
		t.Errorf("signature %q, want %q", g.Signature, want)
	}
	if ms, err := strconv.ParseInt(g.Timestamp, 10, 64); err != nil || ms != now.UnixMilli() {
		t.Errorf("timestamp %q, want %d", g.Timestamp, now.UnixMilli())
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(g.Nonce) {
		t.Errorf("nonce %q", g.Nonce)
	}
}

// tableUUID is the object id of a table of the world's document.
func (w *world) tableUUID(t *testing.T, table string) string {
	t.Helper()
	d, err := w.s.Docs.Open(context.Background(), w.doc)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tb, err := d.Table(context.Background(), table)
	if err != nil {
		t.Fatal(err)
	}
	return tb.UUID
}

// A twenty webhook gets one POST per matching record, in Twenty's exact
// payload, signed as Twenty signs, for every table its operations name;
// retries keep the body and the delivery id and sign again.
func TestTwentyDeliveries(t *testing.T) {
	w := newWorld(t)
	w.do(t, "POST", "/api/docs/"+w.doc+"/tables", map[string]any{"tables": []any{map[string]any{"id": "People",
		"columns": []any{map[string]any{"id": "name"}, map[string]any{"id": "item", "fields": map[string]any{"type": "Ref:Items"}}}}}})
	rc := newTwentyReceiver(t, func(n int) int {
		if n == 1 {
			return http.StatusServiceUnavailable // the first attempt fails
		}
		return http.StatusOK
	})
	out := w.do(t, "POST", "/api/docs/"+w.doc+"/webhooks", map[string]any{"webhooks": []any{map[string]any{"fields": map[string]any{
		"url": rc.URL + "/twenty", "format": "twenty", "operations": []string{"item.created", "*.updated", "person.*"}}}}})
	created := out.(map[string]any)["webhooks"].([]any)[0].(map[string]any)
	hookID, secret := created["id"].(string), created["secret"].(string)
	d := w.s.Dispatcher(webhook.Options{Jitter: noJitter})

	w.addItems(t, "item", 1)                                                                                     // item.created
	w.do(t, "PATCH", "/api/docs/"+w.doc+"/tables/Items/records", map[string]any{"records": []any{map[string]any{ // item.updated
		"id": 1, "fields": map[string]any{"qty": 5, "name": "item1"}}}})
	w.do(t, "POST", "/api/docs/"+w.doc+"/tables/People/records", map[string]any{"records": []any{ // person.created
		map[string]any{"fields": map[string]any{"name": "Ann", "item": 1}}}})
	w.do(t, "PATCH", "/api/docs/"+w.doc+"/tables/People/records", map[string]any{"records": []any{ // no change: not sent
		map[string]any{"id": 1, "fields": map[string]any{"name": "Ann"}}}})
	w.do(t, "POST", "/api/docs/"+w.doc+"/tables/Items/records/delete", []int{1}) // item.deleted: not asked for
	step(t, d)                                                                   // the first attempt fails: nothing else is sent
	if got := rc.requests(); len(got) != 1 {
		t.Fatalf("%d requests after a failure, want 1", len(got))
	}
	w.s.Clock.Advance(2 * time.Second)
	step(t, d)
	got := rc.requests()
	if len(got) != 4 {
		t.Fatalf("%d requests, want 4 (a retry and three more)", len(got))
	}
	at := testserver.EpochJSON // when the changes were made
	items, people := w.tableUUID(t, "Items"), w.tableUUID(t, "People")
	head := func(event, object, singular string) string {
		return `{"targetUrl":"` + rc.URL + `/twenty","eventName":"` + event + `","objectMetadata":{"id":"` + object + `","nameSingular":"` + singular +
			`"},"workspaceId":"` + w.doc + `","webhookId":"` + hookID + `","eventDate":"` + at + `",`
	}
	want := []string{
		head("item.created", items, "item") + `"record":{"id":1,"name":"item1","qty":1,"ready":false,"createdAt":"` + at + `","updatedAt":"` + at + `"}}`,
		"", // the retry: the same body
		head("item.updated", items, "item") + `"record":{"id":1,"name":"item1","qty":5,"ready":false,"updatedAt":"` + at + `"},"updatedFields":["qty"]}`,
		head("person.created", people, "person") + `"record":{"id":1,"name":"Ann","itemId":1,"createdAt":"` + at + `","updatedAt":"` + at + `"}}`,
	}
	want[1] = want[0]
	for i, g := range got {
		if string(g.Body) != want[i] {
			t.Errorf("request %d:\n got %s\nwant %s", i, g.Body, want[i])
		}
		now := w.s.Clock.Now()
		if i == 0 {
			now = now.Add(-2 * time.Second)
		}
		checkTwentySignature(t, g, secret, now)
	}
	if got[0].Delivery != got[1].Delivery || got[0].Signature == got[1].Signature || got[0].Nonce == got[1].Nonce {
		t.Errorf("a retry keeps its delivery id and is signed anew: %+v %+v", got[0], got[1])
	}
	// The delivery log has every attempt, under Twenty's event names.
	ds := w.deliveries(t, hookID)
	var events []string
	for _, x := range ds {
		events = append(events, x.(map[string]any)["event"].(string))
	}
	if len(ds) != 3 || events[0] != "person.created" || events[2] != "item.created" ||
		len(ds[2].(map[string]any)["attemptLog"].([]any)) != 2 {
		t.Errorf("deliveries %v", ds)
	}
	// The webhook is listed with its format and operations.
	f, _ := w.usage(t, hookID)
	if f["format"] != "twenty" || len(f["operations"].([]any)) != 3 || len(f["eventTypes"].([]any)) != 0 || f["tableId"] != "" {
		t.Errorf("listed fields %v", f)
	}
}

// Events keep the object name of their time: a change made before its
// table's rename is delivered under the old name, one after under the
// new; a removed table's changes keep its name too.
func TestTwentyNamesOfTheirTime(t *testing.T) {
	w := newWorld(t)
	rc := newTwentyReceiver(t, nil)
	w.do(t, "POST", "/api/docs/"+w.doc+"/webhooks", map[string]any{"webhooks": []any{map[string]any{"fields": map[string]any{
		"url": rc.URL, "format": "twenty"}}}})
	d := w.s.Dispatcher(webhook.Options{})
	w.addItems(t, "before", 1)
	w.do(t, "PATCH", "/api/docs/"+w.doc+"/tables", map[string]any{"tables": []any{map[string]any{"id": "Items", "fields": map[string]any{"tableId": "Goods"}}}})
	w.do(t, "POST", "/api/docs/"+w.doc+"/tables/Goods/records", map[string]any{"records": []any{map[string]any{"fields": map[string]any{"name": "after"}}}})
	step(t, d)
	got := rc.requests()
	if len(got) != 2 {
		t.Fatalf("%d requests, want 2", len(got))
	}
	for i, want := range []string{"item.created", "good.created"} {
		if got[i].Payload["eventName"] != want {
			t.Errorf("request %d: %v, want %s", i, got[i].Payload["eventName"], want)
		}
	}
	om0, om1 := got[0].Payload["objectMetadata"].(map[string]any), got[1].Payload["objectMetadata"].(map[string]any)
	if om0["id"] != om1["id"] || om0["id"] != w.tableUUID(t, "Goods") {
		t.Errorf("the object id survives the rename: %v %v", om0, om1)
	}
}

// Operations and formats are checked when saved, with messages naming
// what is wrong.
func TestTwentyWebhookValidation(t *testing.T) {
	w := newWorld(t)
	base := "/api/docs/" + w.doc + "/webhooks"
	hook := func(f map[string]any) map[string]any {
		f["url"] = "http://127.0.0.1:9/x"
		return map[string]any{"webhooks": []any{map[string]any{"fields": f}}}
	}
	for _, c := range []struct {
		fields map[string]any
		status int
		err    string
	}{
		{map[string]any{"format": "twenty", "operations": []string{"nobody.created"}}, 404, `operation "nobody.created": no object is named "nobody"`},
		{map[string]any{"format": "twenty", "operations": []string{"item.exploded"}}, 400, `operation "item.exploded": "exploded" is not one of created, updated, deleted, *`},
		{map[string]any{"format": "twenty", "operations": []string{"item"}}, 400, `operation "item" is not <object>.<operation>, such as person.created or *.*`},
		{map[string]any{"format": "twenty", "operations": []string{}}, 400, "operations must be a non-empty array"},
		{map[string]any{"format": "twenty", "tableId": "Items"}, 400, "tableId is not for twenty webhooks: their operations name the objects (person.created, *.*)"},
		{map[string]any{"format": "twenty", "eventTypes": []string{"add"}}, 400, "eventTypes are for rowhouse webhooks; twenty webhooks take operations (person.created, *.*)"},
		{map[string]any{"format": "xml"}, 400, `format must be "rowhouse" or "twenty", not "xml"`},
		{map[string]any{"tableId": "Items", "eventTypes": []string{"add"}, "operations": []string{"*.*"}}, 400,
			`operations are for twenty webhooks (format "twenty"); rowhouse webhooks take eventTypes and tableId`},
	} {
		res := w.s.Do(t, "POST", base, w.key, hook(c.fields))
		if res.Status != c.status || res.Error() != c.err {
			t.Errorf("%v: %d %s, want %d %q", c.fields, res.Status, res.Body, c.status, c.err)
		}
	}
	// Defaults to every operation; the format cannot change.
	out := w.do(t, "POST", base, hook(map[string]any{"format": "twenty"}))
	id := out.(map[string]any)["webhooks"].([]any)[0].(map[string]any)["id"].(string)
	f, _ := w.usage(t, id)
	if ops := f["operations"].([]any); len(ops) != 1 || ops[0] != "*.*" {
		t.Errorf("default operations %v", ops)
	}
	res := w.s.Do(t, "PATCH", base+"/"+id, w.key, map[string]any{"format": "rowhouse"})
	if res.Status != 400 || res.Error() != "format cannot change: make a new webhook" {
		t.Errorf("format change: %d %s", res.Status, res.Body)
	}
	w.do(t, "PATCH", base+"/"+id, map[string]any{"operations": []string{"item.deleted", "item.deleted"}})
	if f, _ := w.usage(t, id); len(f["operations"].([]any)) != 1 {
		t.Errorf("operations not deduplicated: %v", f["operations"])
	}
}
