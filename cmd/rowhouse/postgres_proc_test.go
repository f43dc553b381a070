package main

import (
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
)

// An unreachable database at start is a clear error and exit code 1 within
// seconds, whether the port refuses connections or a server accepts them
// and never answers (the connect timeout); the password never shows.
func TestServeUnreachableDatabase(t *testing.T) {
	t.Parallel()
	refused := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}()
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c) // accepted, never answered
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	}()
	for _, tc := range []struct {
		name     string
		addr     string
		min, max time.Duration
	}{
		{"refused", refused, 0, 5 * time.Second},
		{"never answers", silent.Addr().String(), 4 * time.Second, 12 * time.Second}, // postgres.DefaultConnectTimeout
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			res := runBinary(t, nil, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(),
				"--db", "postgres://rowhouse:s3cretpw@"+tc.addr+"/rowhouse?sslmode=disable")
			took := time.Since(start)
			if res.code != 1 {
				t.Errorf("exit code %d, want 1; stderr:\n%s", res.code, res.stderr)
			}
			if !strings.Contains(res.stderr, "rowhouse: postgres: cannot reach "+tc.addr) {
				t.Errorf("stderr does not say the database cannot be reached:\n%s", res.stderr)
			}
			if strings.Contains(res.stderr, "s3cretpw") {
				t.Errorf("stderr shows the password:\n%s", res.stderr)
			}
			if took < tc.min || took > tc.max {
				t.Errorf("exited after %v, want between %v and %v", took, tc.min, tc.max)
			}
		})
	}
}

// A database lost while the server runs: requests get 503 with a JSON
// error, /readyz says not ready, and both recover once it is back.
func TestServeDatabaseLostAndBack(t *testing.T) {
	pgtest.Skip(t)
	t.Parallel()
	prefix := pgtest.Prefix(t)
	target, err := url.Parse(pgtest.URL())
	if err != nil {
		t.Fatal(err)
	}
	px := newProxy(t, target.Host)
	dbURL := *target
	dbURL.Host = px.addr
	q := dbURL.Query()
	q.Set("rowhouse_schema", prefix+"_home")
	q.Set("rowhouse_doc_prefix", prefix+"_doc_")
	dbURL.RawQuery = q.Encode()

	p := startServer(t, t.TempDir(), "ROWHOUSE_DB="+dbURL.String(), "ROWHOUSE_OWNER_API_KEY="+ownerKey)
	c := p.client(ownerKey)
	c.want(200, "GET", "/api/orgs", nil)
	c.want(200, "GET", "/readyz", nil)

	px.setDown(true)
	start := time.Now()
	res := c.do("GET", "/api/orgs", nil)
	if res.Status != 503 || res.Error(t) == "" {
		t.Fatalf("GET /api/orgs with the database down: status %d, body %s; want 503 with an error", res.Status, res.Body)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the 503 took %v", took)
	}
	c.want(503, "GET", "/readyz", nil)

	px.setDown(false)
	deadline := time.Now().Add(15 * time.Second)
	for {
		res := c.do("GET", "/api/orgs", nil)
		if res.Status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not recovered 15s after the database came back: %d %s", res.Status, res.Body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	c.want(200, "GET", "/readyz", nil)
	if !strings.Contains(p.Stderr(), "database unavailable") {
		t.Errorf("the server's log does not mention the lost database:\n%s", p.Stderr())
	}
}

// proxy forwards TCP connections to a target; while down it cuts every
// connection and closes new ones at once, as a database that went away.
type proxy struct {
	addr   string
	target string
	ln     net.Listener

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]bool
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{addr: ln.Addr().String(), target: target, ln: ln, conns: map[net.Conn]bool{}}
	t.Cleanup(func() {
		ln.Close()
		p.setDown(true)
	})
	go p.serve()
	return p
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		go p.forward(c)
	}
}

func (p *proxy) forward(c net.Conn) {
	u, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		c.Close()
		u.Close()
		return
	}
	p.conns[c], p.conns[u] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { io.Copy(u, c); done <- struct{}{} }()
	go func() { io.Copy(c, u); done <- struct{}{} }()
	<-done
	c.Close()
	u.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, u)
	p.mu.Unlock()
}

// setDown cuts every connection and refuses new ones, or lets them through
// again.
func (p *proxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			c.Close()
		}
	}
}

// Two servers on one database serve the same documents consistently:
// what one writes (records, and a table added at run time) the other reads
// at once, and writes through both interleave without losing any.
func TestServeTwoProcessesOneDatabase(t *testing.T) {
	pgtest.Skip(t)
	t.Parallel()
	prefix := pgtest.Prefix(t)
	target, err := url.Parse(pgtest.URL())
	if err != nil {
		t.Fatal(err)
	}
	q := target.Query()
	q.Set("rowhouse_schema", prefix+"_home")
	q.Set("rowhouse_doc_prefix", prefix+"_doc_")
	target.RawQuery = q.Encode()
	env := []string{"ROWHOUSE_DB=" + target.String(), "ROWHOUSE_OWNER_API_KEY=" + ownerKey}
	pa, pb := startServer(t, t.TempDir(), env...), startServer(t, t.TempDir(), env...)
	a, b := pa.client(ownerKey), pb.client(ownerKey)

	var wsID int64
	a.want(200, "POST", "/api/orgs/current/workspaces", map[string]string{"name": "Shared"}).JSON(t, &wsID)
	var docID string
	b.want(200, "POST", "/api/workspaces/"+itoa(wsID)+"/docs", map[string]string{"name": "Both"}).JSON(t, &docID)
	doc := "/api/docs/" + docID
	a.want(200, "POST", doc+"/tables", map[string]any{"tables": []any{map[string]any{"id": "Items",
		"columns": []any{map[string]any{"id": "n", "fields": map[string]any{"type": "Int"}}}}}})
	b.want(200, "GET", doc+"/tables/Items/columns", nil)
	for i := range 10 {
		c := a
		if i%2 == 1 {
			c = b
		}
		c.want(200, "POST", doc+"/tables/Items/records", map[string]any{"records": []any{map[string]any{"fields": map[string]any{"n": i}}}})
	}
	// A column added through B is seen by A's next read.
	b.want(200, "POST", doc+"/tables/Items/columns", map[string]any{"columns": []any{map[string]any{"id": "label", "fields": map[string]any{"type": "Text"}}}})
	fromA := string(a.want(200, "GET", doc+"/tables/Items/records", nil).Body)
	fromB := string(b.want(200, "GET", doc+"/tables/Items/records", nil).Body)
	if fromA != fromB {
		t.Fatalf("the servers disagree:\n A %s\n B %s", fromA, fromB)
	}
	var recs struct {
		Records []struct {
			ID     int64          `json:"id"`
			Fields map[string]any `json:"fields"`
		} `json:"records"`
	}
	a.want(200, "GET", doc+"/tables/Items/records", nil).JSON(t, &recs)
	if len(recs.Records) != 10 || recs.Records[9].ID != 10 {
		t.Fatalf("records %+v", recs.Records)
	}
	if _, ok := recs.Records[0].Fields["label"]; !ok {
		t.Fatalf("server A does not see the column added through B: %+v", recs.Records[0])
	}

	// A key revoked through A is refused by B at once, although B has
	// just cached it: home writes are announced with NOTIFY. (Without the
	// announcement B would accept it until its cache entry expires, 10 s.)
	var key struct {
		ID  int64  `json:"id"`
		Key string `json:"key"`
	}
	a.want(200, "POST", "/api/profile/apikeys", map[string]string{"name": "shared"}).JSON(t, &key)
	pb.client(key.Key).want(200, "GET", "/api/profile/user", nil)
	a.want(200, "DELETE", "/api/profile/apikeys/"+itoa(key.ID), nil)
	deadline := time.Now().Add(5 * time.Second)
	for pb.client(key.Key).do("GET", "/api/profile/user", nil).Status != 401 {
		if time.Now().After(deadline) {
			t.Fatal("server B still accepts a key revoked through server A 5 s later: home writes are not announced across processes")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Two servers on one database: after a schema change made through one,
// the other's very next read answers from the new schema, although it
// reads in one statement, outside a transaction, with the old one cached
// (the statement checks the version it was built for): whether its old
// statement would fail, return rows or return none.
func TestServeTwoProcessesSchemaChanges(t *testing.T) {
	pgtest.Skip(t)
	t.Parallel()
	prefix := pgtest.Prefix(t)
	target, err := url.Parse(pgtest.URL())
	if err != nil {
		t.Fatal(err)
	}
	q := target.Query()
	q.Set("rowhouse_schema", prefix+"_home")
	q.Set("rowhouse_doc_prefix", prefix+"_doc_")
	target.RawQuery = q.Encode()
	env := []string{"ROWHOUSE_DB=" + target.String(), "ROWHOUSE_OWNER_API_KEY=" + ownerKey}
	pa, pb := startServer(t, t.TempDir(), env...), startServer(t, t.TempDir(), env...)
	a, b := pa.client(ownerKey), pb.client(ownerKey)
	var wsID int64
	a.want(200, "POST", "/api/orgs/current/workspaces", map[string]string{"name": "Shared"}).JSON(t, &wsID)
	var docID string
	a.want(200, "POST", "/api/workspaces/"+itoa(wsID)+"/docs", map[string]string{"name": "Both"}).JSON(t, &docID)
	doc := "/api/docs/" + docID
	a.want(200, "POST", doc+"/tables", map[string]any{"tables": []any{map[string]any{"id": "Items", "columns": []any{
		map[string]any{"id": "n", "fields": map[string]any{"type": "Int"}},
		map[string]any{"id": "label", "fields": map[string]any{"type": "Text"}},
	}}}})
	a.want(200, "POST", doc+"/tables/Items/records", map[string]any{"records": []any{
		map[string]any{"fields": map[string]any{"n": 1, "label": "one"}},
		map[string]any{"fields": map[string]any{"n": 2, "label": "two"}},
	}})
	reads := []string{
		`/records?filter={"id":[1]}`,         // rows
		`/records?filter={"label":["none"]}`, // no row
		`/records?filter={"n":["2"]}`,        // by a column that changes type
		`/records?sort=-n&limit=1`,           // a page
		`/records?filter={"label":["one"]}`,  // by a column renamed, then gone
	}
	same := func(step string) {
		t.Helper()
		for _, r := range reads {
			path := doc + "/tables/Items" + strings.ReplaceAll(strings.ReplaceAll(r, "{", "%7B"), "}", "%7D")
			ra, rb := a.do("GET", path, nil), b.do("GET", path, nil)
			if ra.Status != rb.Status || string(ra.Body) != string(rb.Body) {
				t.Fatalf("%s: GET %s: server A answers %d %s, server B %d %s", step, r, ra.Status, ra.Body, rb.Status, rb.Body)
			}
		}
	}
	same("before any change") // both servers remember the schema now
	cols := doc + "/tables/Items/columns"
	for _, c := range []struct {
		step, method, path string
		body               any
		want               string // server A's record 1 after the change
	}{
		{"a column added", "POST", cols, map[string]any{"columns": []any{map[string]any{"id": "extra", "fields": map[string]any{"type": "Text"}}}},
			`{"records":[{"id":1,"fields":{"n":1,"label":"one","extra":""}}]}`},
		{"a column renamed", "PATCH", cols, map[string]any{"columns": []any{map[string]any{"id": "label", "fields": map[string]any{"colId": "title"}}}},
			`{"records":[{"id":1,"fields":{"n":1,"title":"one","extra":""}}]}`},
		{"a column converted", "PATCH", cols, map[string]any{"columns": []any{map[string]any{"id": "n", "fields": map[string]any{"type": "Text"}}}},
			`{"records":[{"id":1,"fields":{"n":"1","title":"one","extra":""}}]}`},
		{"a column removed", "DELETE", cols + "/title", nil,
			`{"records":[{"id":1,"fields":{"n":"1","extra":""}}]}`},
	} {
		b.want(200, c.method, c.path, c.body)
		// Server A first: server B's own cache may hold the schema before
		// its change too.
		if got := strings.TrimSpace(string(a.want(200, "GET", doc+`/tables/Items/records?filter=%7B"id":[1]%7D`, nil).Body)); got != c.want {
			t.Fatalf("%s: server A answers %s, want %s", c.step, got, c.want)
		}
		same(c.step)
	}
}
