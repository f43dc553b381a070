package grist_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

// sseEvent is one event read from a change feed.
type sseEvent struct {
	ID      int64
	Event   string
	Data    string
	Comment bool
}

// feed is an open change feed.
type feed struct {
	resp   *http.Response
	events chan sseEvent
	cancel context.CancelFunc
}

// openFeed starts GET path on a real HTTP server and reads its events in
// the background.
func openFeed(t *testing.T, srv *httptest.Server, path, key string, hdr map[string]string) *feed {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		cancel()
		t.Fatalf("GET %s: %v", path, err)
	}
	f := &feed{resp: resp, events: make(chan sseEvent, 10000), cancel: cancel}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	if resp.StatusCode != 200 {
		return f
	}
	go func() {
		defer close(f.events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Data != "" || ev.Comment || ev.Event != "" {
					f.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"):
				ev.Comment = true
			case strings.HasPrefix(line, "id: "):
				ev.ID, _ = strconv.ParseInt(line[4:], 10, 64)
			case strings.HasPrefix(line, "event: "):
				ev.Event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.Data = line[6:]
			}
		}
	}()
	return f
}

// next returns the next data event, skipping comments; it fails after the
// timeout.
func (f *feed) next(t *testing.T, timeout time.Duration) sseEvent {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev, ok := <-f.events:
			if !ok {
				t.Fatal("the feed ended")
			}
			if ev.Comment && ev.Data == "" {
				continue
			}
			return ev
		case <-deadline:
			t.Fatal("no event in time")
		}
	}
}

type change struct {
	Seq    int64         `json:"seq"`
	Table  string        `json:"table"`
	Action string        `json:"action"`
	Rows   []core.Record `json:"rows"`
}

func decodeChange(t *testing.T, ev sseEvent) change {
	t.Helper()
	var c change
	if err := json.Unmarshal([]byte(ev.Data), &c); err != nil {
		t.Fatalf("event data %q: %v", ev.Data, err)
	}
	var keys map[string]any
	_ = json.Unmarshal([]byte(ev.Data), &keys)
	if len(keys) != 4 || c.Seq != ev.ID {
		t.Fatalf("event %d data %s: want exactly seq (= id), table, action, rows", ev.ID, ev.Data)
	}
	return c
}

func (w *hookWorld) addItem(t *testing.T, name string) {
	t.Helper()
	testserver.Scenario{Method: "POST", URL: "/api/docs/" + w.doc + "/tables/Items/records", Key: w.owner,
		Body: map[string]any{"records": []any{map[string]any{"fields": map[string]any{"name": name}}}}, Status: 200}.Test(t, w.s)
}

func TestChangeFeedLiveAndResume(t *testing.T) {
	w := newHookWorld(t)
	srv := httptest.NewServer(w.s.Handler)
	t.Cleanup(srv.Close)
	path := "/api/docs/" + w.doc + "/changes"

	// From the start: the table's creation (seq 1), then live changes.
	f := openFeed(t, srv, path+"?since=0", w.viewer, nil)
	if ct := f.resp.Header.Get("Content-Type"); f.resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("status %d, content type %q", f.resp.StatusCode, ct)
	}
	c := decodeChange(t, f.next(t, 5*time.Second))
	if c.Seq != 1 || c.Action != "schema" || c.Table != "Items" || len(c.Rows) != 0 {
		t.Fatalf("first event %+v", c)
	}
	w.addItem(t, "apple")
	c = decodeChange(t, f.next(t, 5*time.Second))
	if c.Seq != 2 || c.Action != "add" || len(c.Rows) != 1 || c.Rows[0].ID != 1 || c.Rows[0].Fields["name"] != "apple" {
		t.Fatalf("add event %+v", c)
	}
	testserver.Scenario{Method: "PATCH", URL: "/api/docs/" + w.doc + "/tables/Items/records", Key: w.owner,
		Body: map[string]any{"records": []any{map[string]any{"id": 1, "fields": map[string]any{"qty": 3}}}}, Status: 200}.Test(t, w.s)
	testserver.Scenario{Method: "POST", URL: "/api/docs/" + w.doc + "/tables/Items/records/delete", Key: w.owner, Body: []int{1}, Status: 200}.Test(t, w.s)
	c = decodeChange(t, f.next(t, 5*time.Second))
	if c.Action != "update" || c.Rows[0].Fields["qty"] != float64(3) || c.Rows[0].Fields["name"] != "apple" {
		t.Fatalf("update event %+v", c)
	}
	c = decodeChange(t, f.next(t, 5*time.Second))
	if c.Seq != 4 || c.Action != "remove" || c.Rows[0].ID != 1 || c.Rows[0].Fields["qty"] != float64(3) {
		t.Fatalf("remove event (the record as it was) %+v", c)
	}
	f.cancel()

	// Disconnected: changes go on. Resuming with Last-Event-ID (which wins
	// over ?since=) or ?since= gives what was missed, without gaps.
	w.addItem(t, "banana")
	w.addItem(t, "cherry")
	for _, tc := range []struct {
		name string
		url  string
		hdr  map[string]string
	}{
		{"Last-Event-ID", path + "?since=0", map[string]string{"Last-Event-ID": "4"}},
		{"since", path + "?since=4", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := openFeed(t, srv, tc.url, w.owner, tc.hdr)
			c5 := decodeChange(t, f.next(t, 5*time.Second))
			c6 := decodeChange(t, f.next(t, 5*time.Second))
			if c5.Seq != 5 || c5.Rows[0].Fields["name"] != "banana" || c6.Seq != 6 || c6.Rows[0].Fields["name"] != "cherry" {
				t.Fatalf("resumed with %+v, %+v", c5, c6)
			}
		})
	}

	// Without since, only new events.
	f = openFeed(t, srv, path, w.owner, nil)
	time.Sleep(50 * time.Millisecond)
	w.addItem(t, "date")
	if c := decodeChange(t, f.next(t, 5*time.Second)); c.Seq != 7 || c.Rows[0].Fields["name"] != "date" {
		t.Fatalf("new-only feed got %+v", c)
	}
}

// TestChangeFeedCatchUpBeyondCache: a subscriber resuming from further back
// than the shared cache holds reads the outbox, then joins the live cache,
// with every sequence number exactly once.
func TestChangeFeedCatchUpBeyondCache(t *testing.T) {
	w := newHookWorld(t)
	srv := httptest.NewServer(w.s.Handler)
	t.Cleanup(srv.Close)
	path := "/api/docs/" + w.doc + "/changes"
	live := openFeed(t, srv, path, w.owner, nil)
	ctx := context.Background()
	d, err := w.s.Docs.Open(ctx, w.doc)
	if err != nil {
		t.Fatal(err)
	}
	const n = 1300
	for i := range n {
		if _, err := d.Apply(ctx, w.ownerActor, []core.Action{core.AddRecords{Table: "Items", Rows: []core.Row{{Fields: map[string]any{"qty": i}}}}}, core.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	d.Close()
	for i := range n { // the live one sees them all
		if ev := live.next(t, 10*time.Second); ev.ID != int64(i+2) {
			t.Fatalf("live subscriber: event %d, want %d", ev.ID, i+2)
		}
	}
	late := openFeed(t, srv, path+"?since=0", w.viewer, nil)
	for want := int64(1); want <= n+1; want++ {
		if ev := late.next(t, 10*time.Second); ev.ID != want {
			t.Fatalf("late subscriber: event %d, want %d", ev.ID, want)
		}
	}
	w.addItem(t, "after")
	if ev := late.next(t, 5*time.Second); ev.ID != n+2 {
		t.Fatalf("late subscriber, live again: event %d", ev.ID)
	}
}

func TestChangeFeedAccessAndBadInput(t *testing.T) {
	w := newHookWorld(t)
	srv := httptest.NewServer(w.s.Handler)
	t.Cleanup(srv.Close)
	path := "/api/docs/" + w.doc + "/changes"
	for _, tc := range []struct {
		name, url, key string
		hdr            map[string]string
		status         int
		err            string
	}{
		{"stranger", path, w.stranger, nil, 403, "No view access"},
		{"anonymous", path, "", nil, 403, "No view access"},
		{"unknown doc", "/api/docs/AAAAAAAAAAAAAAAAAAAAAA/changes", w.owner, nil, 404, "document not found"},
		{"bad since", path + "?since=abc", w.owner, nil, 400, "since must be a non-negative integer sequence number"},
		{"negative since", path + "?since=-1", w.owner, nil, 400, "since must be a non-negative integer sequence number"},
		{"bad Last-Event-ID", path, w.owner, map[string]string{"Last-Event-ID": "x"}, 400, "Last-Event-ID must be a non-negative integer sequence number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := openFeed(t, srv, tc.url, tc.key, tc.hdr)
			var body struct{ Error string }
			_ = json.NewDecoder(f.resp.Body).Decode(&body)
			if f.resp.StatusCode != tc.status || body.Error != tc.err {
				t.Errorf("%d %q, want %d %q", f.resp.StatusCode, body.Error, tc.status, tc.err)
			}
		})
	}
}

// TestChangeFeedHeartbeatAndRevokedAccess: idle streams get heartbeat
// comments; a viewer whose access is withdrawn is cut off at the next one.
func TestChangeFeedHeartbeatAndRevokedAccess(t *testing.T) {
	w := newHookWorld(t)
	srv := httptest.NewServer(w.s.Handler)
	t.Cleanup(srv.Close)
	f := openFeed(t, srv, "/api/docs/"+w.doc+"/changes", w.viewer, nil)
	beats := 0
	deadline := time.After(5 * time.Second)
	for beats < 2 {
		select {
		case ev := <-f.events:
			if ev.Comment && ev.Data == "" {
				beats++
			}
		case <-deadline:
			t.Fatalf("%d heartbeats in 5 s, interval %v", beats, testserver.FeedHeartbeat)
		}
	}
	if err := w.s.Home.UpdateDocAccess(context.Background(), w.ownerActor, w.doc, home.AccessDelta{Users: map[string]rowhouse.Role{
		"viewer@example.com": rowhouse.RoleNone}}); err != nil {
		t.Fatal(err)
	}
	ev := f.next(t, 5*time.Second)
	if ev.Event != "error" || !strings.Contains(ev.Data, "No view access") {
		t.Fatalf("after revocation: %+v", ev)
	}
	select {
	case _, ok := <-f.events:
		if ok {
			t.Fatal("the stream went on")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stream was not closed")
	}
}
