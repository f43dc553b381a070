package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	rhclient "github.com/rowhouse/rowhouse/client"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
	"github.com/rowhouse/rowhouse/webhook"
)

// hookReceiver records the deliveries a webhook receiver gets, failing
// them while failing is set.
type hookReceiver struct {
	*httptest.Server
	failing atomic.Bool
	secret  atomic.Value // string

	mu       sync.Mutex
	attempts map[string][]string // delivery id -> the bodies of its attempts
	ok       map[string]bool     // delivery ids answered 2xx
	records  map[int]int         // record id -> successful deliveries of it
	badSigs  int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	rc := &hookReceiver{attempts: map[string][]string{}, ok: map[string]bool{}, records: map[int]int{}}
	rc.secret.Store("")
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get(webhook.HeaderDelivery)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.attempts[id] = append(rc.attempts[id], string(body))
		if err := rhclient.VerifySignature(rc.secret.Load().(string), r.Header.Get(webhook.HeaderSignature), body, time.Now(), 5*time.Minute); err != nil {
			rc.badSigs++
		}
		if rc.failing.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		var recs []struct {
			ID int `json:"id"`
		}
		_ = json.Unmarshal(body, &recs)
		for _, x := range recs {
			rc.records[x.ID]++
		}
		rc.ok[id] = true
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *hookReceiver) counts() (attempted, delivered, records int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.attempts), len(rc.ok), len(rc.records)
}

// TestWebhooksSurviveKill starts the real binary, queues deliveries while
// the receiver fails, kills the server with SIGKILL, restarts it and shows
// every event delivered at least once, retried deliveries keeping their
// ids. It also shows that private receivers are refused by default, and
// that a server with an open change feed still shuts down promptly.
func TestWebhooksSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server three times")
	}
	dir := t.TempDir()
	rc := newHookReceiver(t)
	rc.failing.Store(true)

	// By default a receiver on the loopback is refused.
	p := startServer(t, dir, "ROWHOUSE_OWNER_API_KEY="+ownerKey)
	owner := p.client(ownerKey)
	var wss []struct{ ID int64 }
	owner.want(200, "GET", "/api/orgs/current/workspaces", nil).JSON(t, &wss)
	var doc string
	owner.want(200, "POST", fmt.Sprintf("/api/workspaces/%d/docs", wss[0].ID), map[string]any{"name": "Hooks"}).JSON(t, &doc)
	owner.want(200, "POST", "/api/docs/"+doc+"/tables", map[string]any{"tables": []any{map[string]any{"id": "Items",
		"columns": []any{map[string]any{"id": "name", "fields": map[string]any{"label": "name"}}}}}})
	hookBody := map[string]any{"webhooks": []any{map[string]any{"fields": map[string]any{
		"url": rc.URL + "/hook", "eventTypes": []string{"add", "update"}, "tableId": "Items"}}}}
	if r := owner.want(403, "POST", "/api/docs/"+doc+"/webhooks", hookBody); !strings.HasPrefix(r.Error(t), "Provided url is forbidden: ") || !strings.Contains(r.Error(t), "--webhook-allow-private") {
		t.Fatalf("default refusal: %s", r.Body)
	}
	if code := p.Signal(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d", code)
	}

	env := []string{"ROWHOUSE_OWNER_API_KEY=" + ownerKey, "ROWHOUSE_WEBHOOK_ALLOW_PRIVATE=1",
		"ROWHOUSE_WEBHOOK_RETRY_BASE=100ms", "ROWHOUSE_WEBHOOK_RETRY_MAX=400ms"}
	p = startServer(t, dir, env...)
	owner = p.client(ownerKey)
	var created struct {
		Webhooks []struct{ ID, Secret string }
	}
	owner.want(200, "POST", "/api/docs/"+doc+"/webhooks", hookBody).JSON(t, &created)
	rc.secret.Store(created.Webhooks[0].Secret)
	hookID := created.Webhooks[0].ID

	addRecords := func(c *client, from, n int) {
		recs := make([]any, n)
		for i := range recs {
			recs[i] = map[string]any{"fields": map[string]any{"name": fmt.Sprint("item", from+i)}}
		}
		c.want(200, "POST", "/api/docs/"+doc+"/tables/Items/records", map[string]any{"records": recs})
	}
	for i := range 5 {
		addRecords(owner, i*30, 30)
	}
	// Wait until deliveries are queued and have been retried.
	deadline := time.Now().Add(30 * time.Second)
	for {
		rc.mu.Lock()
		retried := 0
		for _, a := range rc.attempts {
			if len(a) >= 2 {
				retried++
			}
		}
		rc.mu.Unlock()
		if retried > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no delivery was retried before the kill")
		}
		time.Sleep(20 * time.Millisecond)
	}
	rc.mu.Lock()
	before := map[string]string{}
	for id, a := range rc.attempts {
		before[id] = a[0]
	}
	rc.mu.Unlock()
	p.Signal(syscall.SIGKILL)

	p = startServer(t, dir, env...)
	owner = p.client(ownerKey)
	addRecords(owner, 150, 50) // committed after the restart
	rc.failing.Store(false)
	deadline = time.Now().Add(60 * time.Second)
	for {
		if _, _, n := rc.counts(); n == 200 {
			break
		}
		if time.Now().After(deadline) {
			_, d, n := rc.counts()
			t.Fatalf("after the restart: %d records delivered in %d deliveries, want 200", n, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
	rc.mu.Lock()
	for id, body := range before {
		if !rc.ok[id] {
			t.Errorf("delivery %s, attempted before the kill, never succeeded under its id", id)
		}
		for i, b := range rc.attempts[id] {
			if b != body {
				t.Errorf("delivery %s: attempt %d carried another payload", id, i+1)
			}
		}
	}
	for id := 1; id <= 200; id++ {
		if rc.records[id] == 0 {
			t.Errorf("record %d never delivered", id)
		}
	}
	if rc.badSigs != 0 {
		t.Errorf("%d requests with a bad signature", rc.badSigs)
	}
	rc.mu.Unlock()

	// The receiver has counted a delivery's records when its request
	// arrived; the server marks it delivered once the answer is back, a
	// moment later: the log is read until it says so.
	deadline = time.Now().Add(10 * time.Second)
	for {
		var log struct {
			Deliveries []struct {
				ID, Status string
				Attempts   int
			}
		}
		owner.want(200, "GET", "/api/docs/"+doc+"/webhooks/"+hookID+"/deliveries?limit=1000", nil).JSON(t, &log)
		var statuses []string
		for _, d := range log.Deliveries {
			if d.Status != "delivered" {
				statuses = append(statuses, d.ID+"="+d.Status)
			}
		}
		sort.Strings(statuses)
		if len(statuses) == 0 && len(log.Deliveries) >= len(before) {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("deliveries not delivered: %v (of %d)", statuses, len(log.Deliveries))
			break
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A change feed held open does not hold up a graceful shutdown.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", p.URL+"/api/docs/"+doc+"/changes?since=0", nil)
	req.Header.Set("Authorization", "Bearer "+ownerKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if line, _ := br.ReadString('\n'); !strings.HasPrefix(line, "retry:") {
		t.Fatalf("feed starts with %q", line)
	}
	t0 := time.Now()
	if code := p.Signal(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if d := time.Since(t0); d > 10*time.Second {
		t.Errorf("shutdown with an open feed took %v", d)
	}
}

// TestWebhooksTwoProcessesOnePostgres runs two servers on one PostgreSQL
// database: each record reaches the webhook receiver exactly once (one
// process claims each webhook at a time), and a change committed through
// one process reaches a change feed held on the other at once, through
// LISTEN/NOTIFY rather than the feed's 2 s poll.
func TestWebhooksTwoProcessesOnePostgres(t *testing.T) {
	pgtest.Skip(t)
	prefix := pgtest.Prefix(t)
	dbURL, err := url.Parse(pgtest.URL())
	if err != nil {
		t.Fatal(err)
	}
	q := dbURL.Query()
	q.Set("rowhouse_schema", prefix+"_home")
	q.Set("rowhouse_doc_prefix", prefix+"_doc_")
	dbURL.RawQuery = q.Encode()
	env := []string{"ROWHOUSE_DB=" + dbURL.String(), "ROWHOUSE_OWNER_API_KEY=" + ownerKey, "ROWHOUSE_WEBHOOK_ALLOW_PRIVATE=1"}
	a := startServer(t, t.TempDir(), env...)
	b := startServer(t, t.TempDir(), env...)
	ca, cb := a.client(ownerKey), b.client(ownerKey)

	rc := newHookReceiver(t)
	var wss []struct{ ID int64 }
	ca.want(200, "GET", "/api/orgs/current/workspaces", nil).JSON(t, &wss)
	var doc string
	ca.want(200, "POST", fmt.Sprintf("/api/workspaces/%d/docs", wss[0].ID), map[string]any{"name": "Shared"}).JSON(t, &doc)
	ca.want(200, "POST", "/api/docs/"+doc+"/tables", map[string]any{"tables": []any{map[string]any{"id": "Items",
		"columns": []any{map[string]any{"id": "name", "fields": map[string]any{"label": "name"}}}}}})
	var created struct {
		Webhooks []struct{ ID, Secret string }
	}
	ca.want(200, "POST", "/api/docs/"+doc+"/webhooks", map[string]any{"webhooks": []any{map[string]any{"fields": map[string]any{
		"url": rc.URL, "eventTypes": []string{"add"}, "tableId": "Items"}}}}).JSON(t, &created)
	rc.secret.Store(created.Webhooks[0].Secret)

	// A change feed on b.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", b.URL+"/api/docs/"+doc+"/changes", nil)
	req.Header.Set("Authorization", "Bearer "+ownerKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	seen := make(chan int64, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
				n, _ := strconv.ParseInt(id, 10, 64)
				seen <- n
			}
		}
	}()
	time.Sleep(200 * time.Millisecond) // the feed is subscribed

	var lags []time.Duration
	for i := range 10 {
		c := ca
		if i%2 == 1 {
			c = cb
		}
		recs := make([]any, 10)
		for j := range recs {
			recs[j] = map[string]any{"fields": map[string]any{"name": fmt.Sprint("r", i*10+j)}}
		}
		t0 := time.Now()
		c.want(200, "POST", "/api/docs/"+doc+"/tables/Items/records", map[string]any{"records": recs})
		select {
		case <-seen:
			if c == ca {
				lags = append(lags, time.Since(t0))
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("write %d never reached the feed on the other process", i)
		}
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	if med := lags[len(lags)/2]; med > 700*time.Millisecond {
		t.Errorf("feed on b: median lag of writes through a is %v; NOTIFY should make it far below the 2 s poll (%v)", med, lags)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, _, n := rc.counts(); n == 100 {
			break
		}
		if time.Now().After(deadline) {
			_, d, n := rc.counts()
			t.Fatalf("%d records in %d deliveries, want 100", n, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // a duplicate would arrive by now
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for id, n := range rc.records {
		if n != 1 {
			t.Errorf("record %d delivered %d times", id, n)
		}
	}
	for id, a := range rc.attempts {
		if len(a) != 1 {
			t.Errorf("delivery %s sent %d times", id, len(a))
		}
	}
	if rc.badSigs != 0 {
		t.Errorf("%d bad signatures", rc.badSigs)
	}
}
