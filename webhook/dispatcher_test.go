package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
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
	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/webhook"
)

// world is a test server with a document holding a table Items (name
// Text, qty Int, ready Bool), owned by the holder of key. Webhooks may
// reach local receivers.
type world struct {
	s   *testserver.Server
	key string
	doc string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	s := testserver.New(t)
	s.AllowPrivateWebhooks()
	u, key := s.UserWithKey("owner@example.com")
	ctx := context.Background()
	owner := rowhouse.Actor{User: u}
	ws, err := s.Home.ListWorkspaces(ctx, owner, home.PersonalDomain(u.ID))
	if err != nil || len(ws) == 0 {
		t.Fatalf("workspaces: %v %v", ws, err)
	}
	doc, err := s.Home.CreateDoc(ctx, owner, ws[0].ID, "Shop")
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.Docs.Open(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Apply(ctx, owner, []core.Action{core.AddTable{ID: "Items", Columns: []core.ColumnSpec{
		{ID: "name"}, {ID: "qty", Type: "Int"}, {ID: "ready", Type: "Bool"}}}}, core.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	return &world{s: s, key: key, doc: doc}
}

// do makes a request that must succeed and returns its JSON answer.
func (w *world) do(t *testing.T, method, path string, body any) any {
	t.Helper()
	res := w.s.Do(t, method, path, w.key, body)
	if res.Status != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, res.Status, res.Body)
	}
	return res.JSON
}

// addWebhook registers a webhook on Items and returns its id and secret.
func (w *world) addWebhook(t *testing.T, fields map[string]any) (string, string) {
	t.Helper()
	if fields["tableId"] == nil {
		fields["tableId"] = "Items"
	}
	if fields["eventTypes"] == nil {
		fields["eventTypes"] = []string{"add", "update", "remove"}
	}
	out := w.do(t, "POST", "/api/docs/"+w.doc+"/webhooks", map[string]any{"webhooks": []any{map[string]any{"fields": fields}}})
	hook := out.(map[string]any)["webhooks"].([]any)[0].(map[string]any)
	return hook["id"].(string), hook["secret"].(string)
}

// addItems adds n records named prefix1..prefixN in one request.
func (w *world) addItems(t *testing.T, prefix string, n int) {
	t.Helper()
	recs := make([]any, n)
	for i := range recs {
		recs[i] = map[string]any{"fields": map[string]any{"name": fmt.Sprintf("%s%d", prefix, i+1), "qty": i + 1}}
	}
	w.do(t, "POST", "/api/docs/"+w.doc+"/tables/Items/records", map[string]any{"records": recs})
}

func (w *world) deliveries(t *testing.T, hookID string) []any {
	t.Helper()
	out := w.do(t, "GET", "/api/docs/"+w.doc+"/webhooks/"+hookID+"/deliveries", nil)
	return out.(map[string]any)["deliveries"].([]any)
}

func (w *world) usage(t *testing.T, hookID string) (map[string]any, map[string]any) {
	t.Helper()
	out := w.do(t, "GET", "/api/docs/"+w.doc+"/webhooks", nil)
	for _, h := range out.(map[string]any)["webhooks"].([]any) {
		h := h.(map[string]any)
		if h["id"] == hookID {
			return h["fields"].(map[string]any), h["usage"].(map[string]any)
		}
	}
	t.Fatalf("webhook %s not listed", hookID)
	return nil, nil
}

// received is one request a receiver got.
type received struct {
	Event, Delivery, Signature, Auth string
	Body                             []byte
	Records                          []map[string]any
}

// receiver is a local webhook receiver whose answers the test controls.
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	got     []received
	respond func(n int, w http.ResponseWriter) // n counts requests from 1
}

func newReceiver(t *testing.T, respond func(n int, w http.ResponseWriter)) *receiver {
	rc := &receiver{respond: respond}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		g := received{Event: r.Header.Get(webhook.HeaderEvent), Delivery: r.Header.Get(webhook.HeaderDelivery),
			Signature: r.Header.Get(webhook.HeaderSignature), Auth: r.Header.Get("Authorization"), Body: body}
		_ = json.Unmarshal(body, &g.Records)
		rc.mu.Lock()
		rc.got = append(rc.got, g)
		n := len(rc.got)
		rc.mu.Unlock()
		if rc.respond != nil {
			rc.respond(n, w)
		}
	}))
	t.Cleanup(rc.Close)
	return rc
}

// downReceiver is a receiver that answers status until heal is called,
// then 200.
func downReceiver(t *testing.T, status int) (rc *receiver, heal func()) {
	var mu sync.Mutex
	healthy := false
	rc = newReceiver(t, func(n int, rw http.ResponseWriter) {
		mu.Lock()
		defer mu.Unlock()
		if !healthy {
			rw.WriteHeader(status)
		}
	})
	return rc, func() {
		mu.Lock()
		healthy = true
		mu.Unlock()
	}
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func step(t *testing.T, d *webhook.Dispatcher) {
	t.Helper()
	if err := d.Step(context.Background()); err != nil {
		t.Fatalf("step: %v", err)
	}
}

func ids(recs []map[string]any) []int {
	out := make([]int, len(recs))
	for i, r := range recs {
		out[i] = int(r["id"].(float64))
	}
	return out
}

func noJitter(d time.Duration) time.Duration { return d }

func TestDeliveriesAreSignedShapedAndOrdered(t *testing.T) {
	w := newWorld(t)
	rc := newReceiver(t, nil)
	hookID, secret := w.addWebhook(t, map[string]any{"url": rc.URL + "/hook", "authorization": "Bearer receiver-token"})
	d := w.s.Dispatcher(webhook.Options{})

	w.addItems(t, "item", 3)
	w.do(t, "PATCH", "/api/docs/"+w.doc+"/tables/Items/records", map[string]any{"records": []any{
		map[string]any{"id": 2, "fields": map[string]any{"qty": 20}}}})
	w.do(t, "POST", "/api/docs/"+w.doc+"/tables/Items/records/delete", []int{3})
	step(t, d)

	got := rc.requests()
	if len(got) != 3 {
		t.Fatalf("got %d requests, want 3", len(got))
	}
	wantEvents := []string{"add", "update", "remove"}
	wantIDs := [][]int{{1, 2, 3}, {2}, {3}}
	seen := map[string]bool{}
	for i, g := range got {
		if g.Event != wantEvents[i] || fmt.Sprint(ids(g.Records)) != fmt.Sprint(wantIDs[i]) {
			t.Errorf("request %d: %s %v, want %s %v", i, g.Event, ids(g.Records), wantEvents[i], wantIDs[i])
		}
		if err := client.VerifySignature(secret, g.Signature, g.Body, w.s.Clock.Now(), 5*time.Minute); err != nil {
			t.Errorf("request %d: signature %q: %v", i, g.Signature, err)
		}
		if g.Auth != "Bearer receiver-token" {
			t.Errorf("request %d: Authorization %q", i, g.Auth)
		}
		if len(g.Delivery) != 36 || seen[g.Delivery] {
			t.Errorf("request %d: delivery id %q not a fresh uuid", i, g.Delivery)
		}
		seen[g.Delivery] = true
	}
	// Records are flat, with every column.
	r0 := got[0].Records[0]
	if r0["name"] != "item1" || r0["qty"] != float64(1) || r0["ready"] != false || len(r0) != 4 {
		t.Errorf("first record %v", r0)
	}
	if got[1].Records[0]["qty"] != float64(20) || got[2].Records[0]["name"] != "item3" {
		t.Errorf("update %v / remove %v", got[1].Records, got[2].Records)
	}
	// Every attempt is logged; usage shows success.
	ds := w.deliveries(t, hookID)
	if len(ds) != 3 {
		t.Fatalf("%d deliveries logged", len(ds))
	}
	for _, x := range ds {
		x := x.(map[string]any)
		if x["status"] != "delivered" || len(x["attemptLog"].([]any)) != 1 || !seen[x["id"].(string)] {
			t.Errorf("delivery %v", x)
		}
	}
	_, u := w.usage(t, hookID)
	if u["status"] != "idle" || u["numWaiting"] != json.Number("0") || u["lastHttpStatus"] != json.Number("200") || u["lastSuccessTime"] == nil {
		t.Errorf("usage %v", u)
	}
	// Nothing is sent twice.
	step(t, d)
	if n := len(rc.requests()); n != 3 {
		t.Errorf("after another step: %d requests", n)
	}
}

func TestBatchesOf100KeepCommitOrder(t *testing.T) {
	w := newWorld(t)
	rc := newReceiver(t, nil)
	w.addWebhook(t, map[string]any{"url": rc.URL, "eventTypes": []string{"add"}})
	d := w.s.Dispatcher(webhook.Options{})
	w.addItems(t, "a", 250)
	w.addItems(t, "b", 10)
	step(t, d)
	var sizes []int
	next := 1
	for _, g := range rc.requests() {
		sizes = append(sizes, len(g.Records))
		for _, id := range ids(g.Records) {
			if id != next {
				t.Fatalf("record %d arrived where %d was due", id, next)
			}
			next++
		}
	}
	if fmt.Sprint(sizes) != "[100 100 60]" {
		t.Errorf("batch sizes %v, want [100 100 60]", sizes)
	}
}

func TestWatchedColumnsAndReadyColumnThroughTheAPI(t *testing.T) {
	w := newWorld(t)
	rc := newReceiver(t, nil)
	w.addWebhook(t, map[string]any{"url": rc.URL, "eventTypes": []string{"add", "update"}, "isReadyColumn": "ready", "watchedColIds": []string{"qty"}})
	d := w.s.Dispatcher(webhook.Options{})
	w.addItems(t, "x", 2) // not ready: nothing
	step(t, d)
	if n := len(rc.requests()); n != 0 {
		t.Fatalf("unready records sent: %d requests", n)
	}
	patch := func(id int, f map[string]any) {
		w.do(t, "PATCH", "/api/docs/"+w.doc+"/tables/Items/records", map[string]any{"records": []any{map[string]any{"id": id, "fields": f}}})
	}
	patch(1, map[string]any{"ready": true})   // becomes ready: add
	patch(1, map[string]any{"name": "other"}) // unwatched column: nothing
	patch(1, map[string]any{"qty": 7})        // watched column: update
	step(t, d)
	got := rc.requests()
	if len(got) != 2 || got[0].Event != "add" || got[1].Event != "update" || got[1].Records[0]["qty"] != float64(7) {
		t.Fatalf("requests %+v", got)
	}
}

func TestRetryBackoffKeepsDeliveryID(t *testing.T) {
	w := newWorld(t)
	failUntil := 6
	rc := newReceiver(t, func(n int, rw http.ResponseWriter) {
		if n < failUntil {
			http.Error(rw, "receiver down", http.StatusInternalServerError)
		}
	})
	hookID, _ := w.addWebhook(t, map[string]any{"url": rc.URL})
	d := w.s.Dispatcher(webhook.Options{Jitter: noJitter})
	w.addItems(t, "r", 1)
	step(t, d)
	w.addItems(t, "s", 1) // queued behind the failing one
	// The schedule: after failure n the next attempt is 2^(n-1) s later.
	for n := 1; n < failUntil; n++ {
		if got := len(rc.requests()); got != n {
			t.Fatalf("after failure %d: %d requests", n, got)
		}
		wait := time.Duration(1<<(n-1)) * time.Second
		w.s.Clock.Advance(wait - time.Millisecond)
		step(t, d)
		if got := len(rc.requests()); got != n {
			t.Fatalf("attempt %d came before its %v backoff", n+1, wait)
		}
		_, u := w.usage(t, hookID)
		if u["status"] != "retrying" || u["lastHttpStatus"] != json.Number("500") || u["lastErrorMessage"] != "HTTP 500: receiver down" || u["numWaiting"] != json.Number("2") {
			t.Fatalf("usage while failing: %v", u)
		}
		w.s.Clock.Advance(time.Millisecond)
		step(t, d)
	}
	got := rc.requests()
	if len(got) != failUntil+1 {
		t.Fatalf("%d requests, want %d", len(got), failUntil+1)
	}
	for i := 1; i < failUntil; i++ {
		if got[i].Delivery != got[0].Delivery || fmt.Sprint(ids(got[i].Records)) != "[1]" {
			t.Errorf("retry %d: delivery %s records %v, want %s [1]", i, got[i].Delivery, ids(got[i].Records), got[0].Delivery)
		}
	}
	if last := got[failUntil]; last.Delivery == got[0].Delivery || fmt.Sprint(ids(last.Records)) != "[2]" {
		t.Errorf("the second delivery %+v", last)
	}
	ds := w.deliveries(t, hookID) // newest first
	first := ds[1].(map[string]any)
	log := first["attemptLog"].([]any)
	if first["status"] != "delivered" || len(log) != failUntil || first["attempts"] != json.Number(fmt.Sprint(failUntil)) {
		t.Fatalf("delivery log %v", first)
	}
	if a := log[0].(map[string]any); a["httpStatus"] != json.Number("500") || a["error"] != "HTTP 500: receiver down" {
		t.Errorf("first attempt %v", a)
	}
}

func TestGivesUpAfterMaxAttemptsThenRedelivers(t *testing.T) {
	w := newWorld(t)
	rc, heal := downReceiver(t, http.StatusServiceUnavailable)
	hookID, _ := w.addWebhook(t, map[string]any{"url": rc.URL})
	d := w.s.Dispatcher(webhook.Options{Jitter: noJitter, MaxAttempts: 3})
	w.addItems(t, "a", 1)
	for range 3 {
		step(t, d)
		w.s.Clock.Advance(time.Hour)
	}
	ds := w.deliveries(t, hookID)
	failed := ds[0].(map[string]any)
	if failed["status"] != "failed" || !strings.Contains(failed["lastError"].(string), "gave up after 3 attempts") {
		t.Fatalf("delivery after 3 failures: %v", failed)
	}
	// The next event is not held up by the failed one.
	heal()
	w.addItems(t, "b", 1)
	step(t, d)
	got := rc.requests()
	if len(got) != 4 || fmt.Sprint(ids(got[3].Records)) != "[2]" {
		t.Fatalf("requests after recovery: %d", len(got))
	}
	// Redelivery sends the failed batch again, with its id.
	w.do(t, "POST", fmt.Sprintf("/api/docs/%s/webhooks/%s/deliveries/%s/redeliver", w.doc, hookID, failed["id"]), nil)
	step(t, d)
	got = rc.requests()
	if len(got) != 5 || got[4].Delivery != failed["id"] || fmt.Sprint(ids(got[4].Records)) != "[1]" {
		t.Fatalf("redelivery: %+v", got[len(got)-1])
	}
	ds = w.deliveries(t, hookID)
	if s := ds[1].(map[string]any); s["status"] != "delivered" || s["attempts"] != json.Number("4") {
		t.Errorf("redelivered delivery %v", s)
	}
}

func TestDisabledAfter24HoursOfFailureWithoutLosingEvents(t *testing.T) {
	w := newWorld(t)
	rc, heal := downReceiver(t, http.StatusBadGateway)
	hookID, _ := w.addWebhook(t, map[string]any{"url": rc.URL})
	d := w.s.Dispatcher(webhook.Options{Jitter: noJitter, MaxAttempts: 1000})
	w.addItems(t, "a", 1)
	step(t, d)
	for elapsed := time.Duration(0); elapsed < 25*time.Hour; elapsed += 10 * time.Minute {
		w.s.Clock.Advance(10 * time.Minute)
		step(t, d)
	}
	f, u := w.usage(t, hookID)
	if f["enabled"] != false || u["status"] != "disabled" || !strings.HasPrefix(fmt.Sprint(u["disabledReason"]), "disabled after failing since 2024-03-04T05:06:07Z: HTTP 502") {
		t.Fatalf("after 24 h of failures: fields %v usage %v", f, u)
	}
	n := len(rc.requests())
	// 1 s, 2 s ... 512 s, then every 10 min for the rest of 24 h.
	if n < 140 || n > 160 {
		t.Errorf("%d attempts in 24 h", n)
	}
	w.addItems(t, "b", 1)
	w.s.Clock.Advance(time.Hour)
	step(t, d)
	if len(rc.requests()) != n {
		t.Fatal("a disabled webhook was called")
	}
	// Nothing was dropped: re-enabled, it delivers both batches in order.
	heal()
	w.do(t, "PATCH", "/api/docs/"+w.doc+"/webhooks/"+hookID, map[string]any{"enabled": true})
	step(t, d)
	got := rc.requests()[n:]
	if len(got) != 2 || fmt.Sprint(ids(got[0].Records)) != "[1]" || fmt.Sprint(ids(got[1].Records)) != "[2]" {
		t.Fatalf("after re-enabling: %+v", got)
	}
	if _, u := w.usage(t, hookID); u["status"] != "idle" || u["disabledReason"] != nil {
		t.Errorf("usage after recovery %v", u)
	}
}

// TestBadReceiversDoNotBlockOthers runs the background dispatcher with a
// hanging receiver, one answering 500, one answering a huge body and one
// redirecting to a private address: a healthy webhook still gets its
// deliveries at once, and each bad one's failure is recorded.
func TestBadReceiversDoNotBlockOthers(t *testing.T) {
	w := newWorld(t)
	release := make(chan struct{})
	hanging := newReceiver(t, func(int, http.ResponseWriter) { <-release })
	defer close(release)
	failing := newReceiver(t, func(_ int, rw http.ResponseWriter) { rw.WriteHeader(500) })
	huge := newReceiver(t, func(_ int, rw http.ResponseWriter) {
		chunk := []byte(strings.Repeat("x", 1<<16))
		for range 512 { // 32 MiB
			if _, err := rw.Write(chunk); err != nil {
				return
			}
		}
	})
	private := newReceiver(t, nil)
	redirect := newReceiver(t, func(_ int, rw http.ResponseWriter) {
		rw.Header().Set("Location", private.URL+"/internal")
		rw.WriteHeader(http.StatusFound)
	})
	good := newReceiver(t, nil)
	hooks := map[string]string{}
	for name, rc := range map[string]*receiver{"hanging": hanging, "failing": failing, "huge": huge, "redirect": redirect, "good": good} {
		hooks[name], _ = w.addWebhook(t, map[string]any{"url": rc.URL, "name": name})
	}
	client := w.s.Guard.Client(webhook.Timeouts{Response: 300 * time.Millisecond, Total: time.Second})
	d := w.s.Dispatcher(webhook.Options{Client: client, PollInterval: 50 * time.Millisecond})
	d.Start()
	for i := range 3 {
		w.addItems(t, fmt.Sprint("batch", i), 1)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(good.requests()) < 1 || len(hanging.requests()) < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("good got %d requests, hanging %d", len(good.requests()), len(hanging.requests()))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The healthy receiver gets all three commits (one batch, or more if
	// the dispatcher woke between commits), in order.
	for time.Now().Before(deadline) {
		var all []int
		for _, g := range good.requests() {
			all = append(all, ids(g.Records)...)
		}
		if fmt.Sprint(all) == "[1 2 3]" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Wait for the bad ones' first attempts to be recorded.
	wantErr := map[string]string{"hanging": "timeout", "failing": "HTTP 500", "redirect": "HTTP 302: redirect to"}
	for time.Now().Before(deadline) {
		done := 0
		for name, prefix := range wantErr {
			if ds := w.deliveries(t, hooks[name]); len(ds) > 0 {
				if e, _ := ds[len(ds)-1].(map[string]any)["lastError"].(string); strings.HasPrefix(e, prefix) {
					done++
				}
			}
		}
		if done == len(wantErr) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	var all []int
	for _, g := range good.requests() {
		all = append(all, ids(g.Records)...)
	}
	if fmt.Sprint(all) != "[1 2 3]" {
		t.Errorf("healthy receiver got %v", all)
	}
	for name, prefix := range wantErr {
		ds := w.deliveries(t, hooks[name])
		if len(ds) == 0 {
			t.Errorf("%s: no delivery", name)
			continue
		}
		oldest := ds[len(ds)-1].(map[string]any)
		if e, _ := oldest["lastError"].(string); oldest["status"] != "pending" || !strings.HasPrefix(e, prefix) {
			t.Errorf("%s: %v %q, want pending with %q", name, oldest["status"], e, prefix)
		}
	}
	if n := len(private.requests()); n != 0 {
		t.Errorf("the redirect was followed %d times", n)
	}
	// A huge answer counts as success: only its start is read.
	if ds := w.deliveries(t, hooks["huge"]); len(ds) == 0 || ds[len(ds)-1].(map[string]any)["status"] != "delivered" {
		t.Errorf("huge receiver deliveries %v", ds)
	}
	if err := d.Shutdown(context.Background()); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// TestConnectTimeRefusal: a webhook saved while private addresses were
// allowed is refused at connect time by a strict dispatcher, and the
// refusal is recorded, not dropped.
func TestConnectTimeRefusal(t *testing.T) {
	w := newWorld(t)
	rc := newReceiver(t, nil)
	hookID, _ := w.addWebhook(t, map[string]any{"url": strings.Replace(rc.URL, "127.0.0.1", "localhost", 1)})
	d := webhook.New(webhook.Options{Home: w.s.Engine.Home(), Docs: w.s.Docs, Now: w.s.Clock.Now, Guard: &webhook.Guard{}})
	w.addItems(t, "a", 1)
	step(t, d)
	if n := len(rc.requests()); n != 0 {
		t.Fatalf("receiver reached %d times", n)
	}
	ds := w.deliveries(t, hookID)
	x := ds[0].(map[string]any)
	if x["status"] != "pending" || !strings.HasPrefix(x["lastError"].(string), "refused: address 127.0.0.1 is forbidden") {
		t.Errorf("delivery %v", x)
	}
}

// TestResumeAfterRestart: a dispatcher that stops after a failed attempt
// leaves the delivery queued; another one (another process, with another
// owner id) sends it again with the same id and continues in order.
func TestResumeAfterRestart(t *testing.T) {
	w := newWorld(t)
	rc := newReceiver(t, func(n int, rw http.ResponseWriter) {
		if n == 1 {
			rw.WriteHeader(500)
		}
	})
	w.addWebhook(t, map[string]any{"url": rc.URL})
	d1 := w.s.Dispatcher(webhook.Options{Jitter: noJitter})
	w.addItems(t, "a", 1)
	step(t, d1)
	if err := d1.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.addItems(t, "b", 1) // committed while no dispatcher runs
	w.s.Clock.Advance(time.Second)
	d2 := w.s.Dispatcher(webhook.Options{})
	step(t, d2)
	got := rc.requests()
	if len(got) != 3 || got[1].Delivery != got[0].Delivery || fmt.Sprint(ids(got[1].Records)) != "[1]" || fmt.Sprint(ids(got[2].Records)) != "[2]" {
		t.Fatalf("after restart: %+v", got)
	}
}

// TestShutdownDrainsInFlight: Shutdown waits for a delivery being sent
// and records its outcome.
func TestShutdownDrainsInFlight(t *testing.T) {
	w := newWorld(t)
	started := make(chan struct{}, 1)
	rc := newReceiver(t, func(int, http.ResponseWriter) {
		started <- struct{}{}
		time.Sleep(300 * time.Millisecond)
	})
	hookID, _ := w.addWebhook(t, map[string]any{"url": rc.URL})
	d := w.s.Dispatcher(webhook.Options{})
	d.Start()
	w.addItems(t, "a", 1)
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("no delivery started")
	}
	t0 := time.Now()
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if time.Since(t0) < 200*time.Millisecond {
		t.Error("shutdown did not wait for the delivery in flight")
	}
	if x := w.deliveries(t, hookID)[0].(map[string]any); x["status"] != "delivered" {
		t.Errorf("delivery after shutdown: %v", x)
	}
}

// TestClaimsAreExclusive: while one owner holds a webhook's lease, another
// cannot serve it.
func TestClaimsAreExclusive(t *testing.T) {
	w := newWorld(t)
	rc := newReceiver(t, nil)
	hookID, _ := w.addWebhook(t, map[string]any{"url": rc.URL})
	home := w.s.Engine.Home()
	now := w.s.Clock.Now()
	claim := func(owner string, at time.Time) bool {
		var ok bool
		if err := home.Write(context.Background(), func(q store.HomeQueries) error {
			var err error
			ok, err = q.ClaimWebhook(context.Background(), hookID, owner, at.Add(30*time.Second), at)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !claim("A", now) || claim("B", now) || !claim("A", now) {
		t.Fatal("lease not exclusive")
	}
	d := w.s.Dispatcher(webhook.Options{Owner: "B"})
	w.addItems(t, "a", 1)
	step(t, d)
	if n := len(rc.requests()); n != 0 {
		t.Fatalf("B delivered while A held the lease (%d requests)", n)
	}
	if !claim("B", now.Add(31*time.Second)) {
		t.Fatal("an expired lease could not be taken over")
	}
	w.s.Clock.Advance(31 * time.Second)
	step(t, d)
	if n := len(rc.requests()); n != 1 {
		t.Fatalf("after taking over: %d requests", n)
	}
}

// TestCommitSignalWakesDispatcher: the core signals every committed write
// (and nothing else) on the bus, and a running dispatcher delivers on that
// signal alone (its fallback poll is an hour).
func TestCommitSignalWakesDispatcher(t *testing.T) {
	w := newWorld(t)
	var mu sync.Mutex
	var signals []string
	cancel := w.s.Bus.Subscribe(func(doc string) {
		mu.Lock()
		signals = append(signals, doc)
		mu.Unlock()
	})
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(signals)
	}
	w.addItems(t, "a", 1)
	mu.Lock()
	first := append([]string(nil), signals...)
	mu.Unlock()
	if len(first) != 1 || first[0] != w.doc {
		t.Fatalf("signals after a write: %v", first)
	}
	res := w.s.Do(t, "POST", "/api/docs/"+w.doc+"/tables/Nope/records", w.key, map[string]any{"records": []any{map[string]any{"fields": map[string]any{}}}})
	if res.Status != 404 || count() != 1 {
		t.Fatalf("a failed write (%d) signalled: %d signals", res.Status, count())
	}
	w.do(t, "GET", "/api/docs/"+w.doc+"/tables/Items/records", nil)
	if count() != 1 {
		t.Fatalf("a read signalled: %d signals", count())
	}
	cancel()

	rc := newReceiver(t, nil)
	w.addWebhook(t, map[string]any{"url": rc.URL})
	d := w.s.Dispatcher(webhook.Options{PollInterval: time.Hour})
	d.Start()
	time.Sleep(50 * time.Millisecond) // let the start-up scan finish
	w.addItems(t, "b", 1)
	deadline := time.Now().Add(5 * time.Second)
	for len(rc.requests()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the dispatcher did not wake on the commit signal")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := rc.requests(); fmt.Sprint(ids(got[0].Records)) != "[2]" {
		t.Errorf("delivered %v", ids(got[0].Records))
	}
}

// TestWebhookFollowsTableRename: renaming the table keeps its webhook.
func TestWebhookFollowsTableRename(t *testing.T) {
	w := newWorld(t)
	rc := newReceiver(t, nil)
	hookID, _ := w.addWebhook(t, map[string]any{"url": rc.URL})
	d := w.s.Dispatcher(webhook.Options{})
	w.addItems(t, "a", 1)
	w.do(t, "PATCH", "/api/docs/"+w.doc+"/tables", map[string]any{"tables": []any{map[string]any{"id": "Items", "fields": map[string]any{"tableId": "Goods"}}}})
	w.do(t, "POST", "/api/docs/"+w.doc+"/tables/Goods/records", map[string]any{"records": []any{map[string]any{"fields": map[string]any{"name": "b"}}}})
	step(t, d)
	var all []int
	for _, g := range rc.requests() {
		all = append(all, ids(g.Records)...)
	}
	if fmt.Sprint(all) != "[1 2]" {
		t.Fatalf("delivered %v", all)
	}
	if f, _ := w.usage(t, hookID); f["tableId"] != "Goods" {
		t.Errorf("tableId after the rename: %v", f["tableId"])
	}
	w.do(t, "POST", "/api/docs/"+w.doc+"/tables/Goods/records", map[string]any{"records": []any{map[string]any{"fields": map[string]any{"name": "c"}}}})
	step(t, d)
	if got := rc.requests(); fmt.Sprint(ids(got[len(got)-1].Records)) != "[3]" {
		t.Errorf("after the rename was recorded: %v", ids(got[len(got)-1].Records))
	}
}
