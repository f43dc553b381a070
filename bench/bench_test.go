package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const testKey = "test-key"

// fake is a tiny in-memory server with the few endpoints the scenarios
// use. It counts what it was asked, checks the shapes it is sent, and can
// be told to fail or to be slow.
type fake struct {
	t *testing.T

	mu     sync.Mutex
	nextID int64
	counts map[string]int // by kind: workspace, doc, table, add, patch, page, get-one, ids
	bad    []string       // malformed requests seen

	status int           // when not 0, every records GET answers this
	hold   bool          // records GETs wait for the client to give up
	delay  time.Duration // before every records answer
}

func newFake(t *testing.T) (*fake, *httptest.Server) {
	f := &fake{t: t, counts: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/orgs/current/workspaces", func(w http.ResponseWriter, r *http.Request) {
		f.count("workspace")
		fmt.Fprint(w, "7")
	})
	mux.HandleFunc("POST /api/workspaces/7/docs", func(w http.ResponseWriter, r *http.Request) {
		f.count("doc")
		fmt.Fprint(w, `"FakeDoc"`)
	})
	mux.HandleFunc("POST /api/docs/FakeDoc/tables", func(w http.ResponseWriter, r *http.Request) {
		f.count("table")
		var body struct {
			Tables []struct {
				ID      string
				Columns []struct {
					ID     string
					Fields struct{ Type, WidgetOptions string }
				}
			}
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.Tables) != 1 || len(body.Tables[0].Columns) != 10 {
			f.badf("table spec: %v %+v", err, body)
		}
		fmt.Fprint(w, `{"tables":[{"id":"Bench"}]}`)
	})
	mux.HandleFunc("/api/docs/FakeDoc/tables/Bench/records", f.records)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testKey {
			http.Error(w, `{"error":"Bad request: invalid API key"}`, http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fake) count(kind string) {
	f.mu.Lock()
	f.counts[kind]++
	f.mu.Unlock()
}

func (f *fake) get(kind string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[kind]
}

func (f *fake) badf(format string, args ...any) {
	f.mu.Lock()
	f.bad = append(f.bad, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

func (f *fake) records(w http.ResponseWriter, r *http.Request) {
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	switch r.Method {
	case "POST":
		var body struct {
			Records []struct{ Fields map[string]any }
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			f.badBody("add", err)
			http.Error(w, `{"error":"Invalid payload"}`, http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.counts["add"]++
		ids := make([]string, len(body.Records))
		for i, rec := range body.Records {
			if len(rec.Fields) != 10 {
				f.bad = append(f.bad, fmt.Sprintf("add: record with %d fields", len(rec.Fields)))
			}
			f.nextID++
			ids[i] = fmt.Sprintf(`{"id":%d}`, f.nextID)
		}
		f.mu.Unlock()
		fmt.Fprintf(w, `{"records":[%s]}`, strings.Join(ids, ","))
	case "PATCH":
		var body struct {
			Records []struct {
				ID     int64
				Fields map[string]any
			}
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			f.badBody("patch", err)
			http.Error(w, `{"error":"Invalid payload"}`, http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		f.counts["patch"]++
		seen := map[int64]bool{}
		for _, rec := range body.Records {
			if rec.ID < 1 || rec.ID > f.nextID {
				http.Error(w, fmt.Sprintf(`{"error":"Invalid row id %d"}`, rec.ID), http.StatusBadRequest)
				return
			}
			if seen[rec.ID] || len(rec.Fields) != 2 {
				f.bad = append(f.bad, fmt.Sprintf("patch: id %d twice or fields %v", rec.ID, rec.Fields))
			}
			seen[rec.ID] = true
		}
		if len(body.Records) != patchBatch {
			f.bad = append(f.bad, fmt.Sprintf("patch of %d records", len(body.Records)))
		}
		fmt.Fprint(w, "null")
	case "GET":
		if f.hold {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		}
		if f.status != 0 {
			http.Error(w, `{"error":"boom"}`, f.status)
			return
		}
		q := r.URL.Query()
		switch filter := q.Get("filter"); {
		case filter == `{"c_choice":["b"]}` && q.Get("sort") == "-c_int" && q.Get("limit") == "100":
			f.count("page")
			fmt.Fprint(w, `{"records":[{"id":1,"fields":{"c_choice":"b"}},{"id":2,"fields":{"c_choice":"b"}}]}`)
		case filter == `{"c_choice":["b"]}` && q.Get("sort") != "-c_int" && q.Get("limit") == "100":
			f.count("cold-page " + q.Get("sort"))
			fmt.Fprint(w, `{"records":[{"id":1,"fields":{"c_choice":"b"}}]}`)
		case strings.HasPrefix(filter, `{"id":[`):
			f.count("get-one")
			var fl struct{ ID []int64 }
			if err := json.Unmarshal([]byte(filter), &fl); err != nil || len(fl.ID) != 1 || fl.ID[0] < 1 || fl.ID[0] > f.last() {
				f.badf("get-one filter %s", filter)
			}
			fmt.Fprintf(w, `{"records":[{"id":%d,"fields":{}}]}`, fl.ID[0])
		case filter == "" && q.Get("limit") == "1" && (q.Get("sort") == "id" || q.Get("sort") == "-id"):
			f.count("ids")
			id := f.last()
			if q.Get("sort") == "id" {
				id = min(id, 1)
			}
			if id == 0 {
				fmt.Fprint(w, `{"records":[]}`)
				return
			}
			fmt.Fprintf(w, `{"records":[{"id":%d,"fields":{}}]}`, id)
		default:
			f.badf("unexpected GET %s", r.URL)
			http.Error(w, `{"error":"unexpected"}`, http.StatusBadRequest)
		}
	default:
		http.Error(w, "method", http.StatusMethodNotAllowed)
	}
}

// badBody notes a body that is not JSON, unless the client hung up while
// sending it, as it does with requests in flight when a scenario ends.
func (f *fake) badBody(what string, err error) {
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		f.badf("%s: %v", what, err)
	}
}

func (f *fake) last() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.nextID
}

func (f *fake) checkShapes() {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.bad) > 0 {
		f.t.Errorf("fake saw %d malformed requests, first: %s", len(f.bad), f.bad[0])
	}
}

// counter is a client that counts its requests in flight, from sending to
// closing the answer: what the Runner promises to bound. (The server may
// see more at a time, if it is slow to notice requests given up.)
type counter struct {
	next      http.RoundTripper
	now, most atomic.Int32
	client    *http.Client
}

func newCounter(conns int) *counter {
	c := &counter{next: newClient(conns).Transport}
	c.client = &http.Client{Transport: c}
	return c
}

func (c *counter) RoundTrip(req *http.Request) (*http.Response, error) {
	n := c.now.Add(1)
	for m := c.most.Load(); n > m && !c.most.CompareAndSwap(m, n); m = c.most.Load() {
	}
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		c.now.Add(-1)
		return nil, err
	}
	resp.Body = &countedBody{ReadCloser: resp.Body, c: c}
	return resp, nil
}

type countedBody struct {
	io.ReadCloser
	c    *counter
	once sync.Once
}

func (b *countedBody) Close() error {
	b.once.Do(func() { b.c.now.Add(-1) })
	return b.ReadCloser.Close()
}

// syncBuffer is a log that workers may write at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func byName(t *testing.T, results []Result, name string) Result {
	t.Helper()
	for _, r := range results {
		if r.Scenario == name {
			return r
		}
	}
	t.Fatalf("no result for %s in %+v", name, results)
	return Result{}
}

// checkTimed checks a scenario bounded by d: it ran about d, counted every
// request it got an answer to, and measured their latencies.
func checkTimed(t *testing.T, r Result, d time.Duration) {
	t.Helper()
	if r.Elapsed < d || r.Elapsed > d+time.Second {
		t.Errorf("%s: elapsed %v, want about %v", r.Scenario, r.Elapsed, d)
	}
	if r.Requests == 0 || r.Errors != 0 {
		t.Errorf("%s: %d requests, %d errors; want some and none", r.Scenario, r.Requests, r.Errors)
	}
	if r.P50 <= 0 || r.P50 > r.P99 {
		t.Errorf("%s: p50 %v, p99 %v", r.Scenario, r.P50, r.P99)
	}
}

func TestAllScenarios(t *testing.T) {
	f, srv := newFake(t)
	// The fake decodes slowly under the race detector: d leaves bulk-add
	// time to finish.
	const conc, d = 4, time.Second
	var log syncBuffer
	cl := newCounter(conc + 1)
	r, err := New(Config{URL: srv.URL + "/", Key: testKey, Concurrency: conc, Duration: d, Records: 2500, Seed: 7, PID: os.Getpid(), Log: &log, Client: cl.client})
	if err != nil {
		t.Fatal(err)
	}
	results, err := r.Run(context.Background(), nil)
	if err != nil {
		t.Fatalf("Run: %v\nlog:\n%s", err, log.String())
	}
	var names []string
	for _, res := range results {
		names = append(names, res.Scenario)
	}
	if want := []string{"bulk-add", "page", "get-one", "patch", "mixed/read", "mixed/write"}; !slices.Equal(names, want) {
		t.Fatalf("scenarios %v, want %v", names, want)
	}
	if r.Doc() != "FakeDoc" || r.Table() != "Bench" || f.get("workspace") != 1 || f.get("doc") != 1 || f.get("table") != 1 {
		t.Errorf("setup: doc %q table %q, counts %v", r.Doc(), r.Table(), f.counts)
	}

	add := byName(t, results, "bulk-add")
	if add.Ops != 2500 || add.Requests != 3 || add.Errors != 0 || add.Unit != "records/s" || add.Note != "" {
		t.Errorf("bulk-add: %+v, want 2500 records in 3 batches", add)
	}
	if add.P50 <= 0 || add.P50 > add.P99 || add.Elapsed <= 0 || add.Elapsed > d+time.Second {
		t.Errorf("bulk-add latencies: %+v", add)
	}
	if r.minID != 1 {
		t.Errorf("ids from %d, want 1", r.minID)
	}

	page, get, patch := byName(t, results, "page"), byName(t, results, "get-one"), byName(t, results, "patch")
	mread, mwrite := byName(t, results, "mixed/read"), byName(t, results, "mixed/write")
	for _, res := range []Result{page, get, patch, mread, mwrite} {
		checkTimed(t, res, d)
		if res.Mem == nil || res.Mem.RSS <= 0 || res.Mem.Peak < res.Mem.RSS {
			t.Errorf("%s: memory %+v", res.Scenario, res.Mem)
		}
	}
	// The server may have answered requests the client dropped when the
	// scenario ended, at most one per worker.
	served := func(name string, kind string, client int64, workers int) {
		t.Helper()
		if n := int64(f.get(kind)); n < client || n > client+int64(workers) {
			t.Errorf("%s: server answered %d, client counted %d with %d workers", name, n, client, workers)
		}
	}
	served("page+mixed/read", "page", page.Requests+mread.Requests, 2*conc)
	served("get-one", "get-one", get.Requests, conc)
	served("patch", "patch", patch.Requests, 1)
	served("adds", "add", add.Requests+mwrite.Requests, 1)
	if page.Ops != page.Requests || get.Ops != get.Requests || page.Unit != "req/s" {
		t.Errorf("reads: page %+v, get-one %+v", page, get)
	}
	if patch.Ops != patchBatch*patch.Requests || patch.Unit != "records/s" {
		t.Errorf("patch: %+v", patch)
	}
	if mwrite.Ops != addBatch*mwrite.Requests || f.last() != 2500+mwrite.Ops && f.last() != 2500+mwrite.Ops+addBatch {
		t.Errorf("mixed/write: %+v, server has %d rows", mwrite, f.last())
	}
	if !strings.Contains(mread.Note, "without (page)") {
		t.Errorf("mixed/read note %q", mread.Note)
	}
	if m := cl.most.Load(); m != conc+1 {
		t.Errorf("%d requests at once, want %d (mixed's readers and writer)", m, conc+1)
	}
	f.checkShapes()

	var out bytes.Buffer
	if err := WriteTable(&out, results); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"scenario", "p99", "peak rss", "bulk-add", "records/s", "mixed/write", "mixed/read: readers' p99"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

// failingPage runs the page scenario against a server that answers every
// request with status, and returns its result and what the Runner logged.
func failingPage(t *testing.T, status int) (Result, string) {
	t.Helper()
	f, srv := newFake(t)
	f.status = status
	var log syncBuffer
	r, err := New(Config{URL: srv.URL, Key: testKey, Doc: "FakeDoc", Concurrency: 3, Duration: 100 * time.Millisecond, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	results, err := r.Run(context.Background(), []string{"page"})
	if err != nil {
		t.Fatal(err)
	}
	return results[0], log.String()
}

// TestServerErrors counts a 500 as an error, not an op, and shows only the
// first few bodies.
func TestServerErrors(t *testing.T) {
	res, log := failingPage(t, http.StatusInternalServerError)
	if res.Requests == 0 || res.Errors != res.Requests || res.Ops != 0 || res.P50 != 0 || res.P99 != 0 {
		t.Errorf("page against a failing server: %+v", res)
	}
	if n := strings.Count(log, `500 Internal Server Error: {"error":"boom"}`); n != errorBodies {
		t.Errorf("%d error bodies shown, want %d:\n%s", n, errorBodies, log)
	}
}

// TestRateLimited: a server that answers 429 gets the hint to start it
// without its rate limit, once, besides its error bodies; a 500 does not.
func TestRateLimited(t *testing.T) {
	for _, tc := range []struct {
		status int
		hints  int
	}{{http.StatusTooManyRequests, 1}, {http.StatusInternalServerError, 0}} {
		res, log := failingPage(t, tc.status)
		if res.Errors == 0 {
			t.Fatalf("%d: no errors counted: %+v", tc.status, res)
		}
		if n := strings.Count(log, "ROWHOUSE_RATE_LIMIT=0"); n != tc.hints {
			t.Errorf("%d: the rate-limit hint shown %d times, want %d:\n%s", tc.status, n, tc.hints, log)
		}
	}
}

// TestBadKey: a 401 on setup stops Run with the server's message.
func TestBadKey(t *testing.T) {
	_, srv := newFake(t)
	r, err := New(Config{URL: srv.URL, Key: "wrong", Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Run(context.Background(), []string{"bulk-add"})
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "invalid API key") {
		t.Errorf("Run with a bad key: %v", err)
	}
}

// TestPatchErrors: ids the server does not know make every PATCH a 400.
func TestPatchErrors(t *testing.T) {
	f, srv := newFake(t)
	f.nextID = 50
	r, err := New(Config{URL: srv.URL, Key: testKey, Doc: "FakeDoc", Table: "Bench", Duration: 100 * time.Millisecond, Log: &syncBuffer{}})
	if err != nil {
		t.Fatal(err)
	}
	r.minID, r.maxID = 1, 1000 // as if rows 51..1000 had been deleted
	results, err := r.Run(context.Background(), []string{"patch"})
	if err != nil {
		t.Fatal(err)
	}
	if res := results[0]; res.Requests == 0 || res.Errors != res.Requests || res.Ops != 0 {
		t.Errorf("patch of unknown ids: %+v", res)
	}
}

// TestStopsOnTime: a server that never answers holds no scenario past its
// duration, requests cut short count as neither ops nor errors, and no
// more than Concurrency requests are ever in flight.
func TestStopsOnTime(t *testing.T) {
	f, srv := newFake(t)
	f.hold = true
	const conc, d = 8, 150 * time.Millisecond
	cl := newCounter(conc)
	r, err := New(Config{URL: srv.URL, Key: testKey, Doc: "FakeDoc", Concurrency: conc, Duration: d, Client: cl.client})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	results, err := r.Run(context.Background(), []string{"page", "page"})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 2*d+500*time.Millisecond {
		t.Errorf("two %v scenarios took %v", d, took)
	}
	for _, res := range results {
		if res.Requests != 0 || res.Errors != 0 || res.Ops != 0 {
			t.Errorf("requests cut short were counted: %+v", res)
		}
	}
	if m, now := cl.most.Load(), cl.now.Load(); m != conc || now != 0 {
		t.Errorf("%d requests at once, want %d; %d still open", m, conc, now)
	}
}

// TestConcurrencyBound: with a slow server every worker is busy at once,
// and never more.
func TestConcurrencyBound(t *testing.T) {
	f, srv := newFake(t)
	f.delay = 20 * time.Millisecond
	f.nextID = 500
	const conc = 5
	cl := newCounter(conc)
	r, err := New(Config{URL: srv.URL, Key: testKey, Doc: "FakeDoc", Concurrency: conc, Duration: 200 * time.Millisecond, Client: cl.client})
	if err != nil {
		t.Fatal(err)
	}
	results, err := r.Run(context.Background(), []string{"get-one"})
	if err != nil {
		t.Fatal(err)
	}
	res := results[0]
	if m := cl.most.Load(); m != conc {
		t.Errorf("%d requests at once, want %d", m, conc)
	}
	// 5 workers, 20ms each, 200ms: about 50 requests.
	if res.Requests < 20 || res.Requests > 55 || res.P50 < f.delay {
		t.Errorf("get-one against a 20ms server: %+v", res)
	}
	if f.get("ids") != 2 {
		t.Errorf("asked for the id range %d times, want 2", f.get("ids"))
	}
}

// TestCancel: cancelling the context ends Run at once with what it has.
func TestCancel(t *testing.T) {
	_, srv := newFake(t)
	r, err := New(Config{URL: srv.URL, Key: testKey, Doc: "FakeDoc", Duration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	results, err := r.Run(ctx, []string{"page", "page"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run: %v, want the context's error", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("cancelled run took %v", took)
	}
	if len(results) != 1 || results[0].Requests == 0 {
		t.Errorf("results %+v, want the first page's", results)
	}
}

func TestNeedsTable(t *testing.T) {
	r, err := New(Config{URL: "http://127.0.0.1:1", Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"page", "get-one", "patch", "mixed"} {
		if _, err := r.Run(context.Background(), []string{s}); err == nil || !strings.Contains(err.Error(), "run bulk-add first") {
			t.Errorf("%s without a table: %v", s, err)
		}
	}
	if _, err := r.Run(context.Background(), []string{"page", "nope"}); err == nil || !strings.Contains(err.Error(), `unknown scenario "nope"`) {
		t.Errorf("unknown scenario: %v", err)
	}
	for _, c := range []Config{{URL: "ftp://x", Key: "k"}, {URL: "http://x"}, {URL: "http://x", Key: "k", Concurrency: -1}} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}

func TestGenerator(t *testing.T) {
	a := newGenerator(1, 0).appendAddBody(nil, 50)
	b := newGenerator(1, 0).appendAddBody(nil, 50)
	c := newGenerator(2, 0).appendAddBody(nil, 50)
	if !bytes.Equal(a, b) || bytes.Equal(a, c) {
		t.Error("the generator is not a function of its seed")
	}
	var body struct {
		Records []struct{ Fields map[string]any }
	}
	if err := json.Unmarshal(a, &body); err != nil {
		t.Fatalf("add body: %v\n%s", err, a)
	}
	if len(body.Records) != 50 {
		t.Fatalf("%d records", len(body.Records))
	}
	for _, rec := range body.Records {
		if len(rec.Fields) != len(benchColumns) {
			t.Fatalf("record %v", rec.Fields)
		}
		for _, col := range benchColumns {
			v, ok := rec.Fields[col.id]
			var typeOK bool
			switch col.typ {
			case "Text", "Choice":
				_, typeOK = v.(string)
			case "Int", "Numeric", "Date":
				_, typeOK = v.(float64)
			case "Bool":
				_, typeOK = v.(bool)
			}
			if !ok || !typeOK {
				t.Fatalf("%s (%s) = %#v", col.id, col.typ, v)
			}
		}
	}

	var spec struct {
		Tables []struct {
			ID      string
			Columns []struct {
				ID     string
				Fields struct{ Type, WidgetOptions string }
			}
		}
	}
	if err := json.Unmarshal(tableSpec("Bench"), &spec); err != nil {
		t.Fatalf("table spec: %v\n%s", err, tableSpec("Bench"))
	}
	choice := spec.Tables[0].Columns[5]
	var opts struct{ Choices []string }
	if err := json.Unmarshal([]byte(choice.Fields.WidgetOptions), &opts); err != nil || choice.ID != "c_choice" || len(opts.Choices) != 20 {
		t.Errorf("choice column %+v: %v", choice, err)
	}

	p := newGenerator(1, 1)
	ids := pickIDs(p.rng, nil, 100, 1, 150)
	if len(ids) != 100 || len(slices.Compact(slices.Sorted(slices.Values(ids)))) != 100 {
		t.Errorf("pickIDs: %v", ids)
	}
	if ids := pickIDs(p.rng, ids, 100, 5, 7); !slices.Equal(ids, []int64{5, 6, 7}) {
		t.Errorf("pickIDs of a small range: %v", ids)
	}
	var patch struct {
		Records []struct {
			ID     int64
			Fields map[string]any
		}
	}
	if err := json.Unmarshal(p.appendPatchBody(nil, []int64{3, 9}), &patch); err != nil || len(patch.Records) != 2 || patch.Records[1].ID != 9 || len(patch.Records[1].Fields) != 2 {
		t.Errorf("patch body %+v: %v", patch, err)
	}
}

func TestPercentile(t *testing.T) {
	var hundred []time.Duration
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, time.Duration(i))
	}
	for _, tc := range []struct {
		in       []time.Duration
		pm       int
		want     time.Duration
		describe string
	}{
		{nil, 500, 0, "empty"},
		{[]time.Duration{7}, 990, 7, "one"},
		{hundred, 500, 50, "median of 100"},
		{hundred, 990, 99, "p99 of 100"},
		{hundred, 1000, 100, "max"},
		{hundred[:10], 990, 10, "p99 of 10"},
		{hundred[:3], 500, 2, "median of 3"},
	} {
		if got := percentile(tc.in, tc.pm); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.describe, got, tc.want)
		}
	}
}

func TestMem(t *testing.T) {
	status := "Name:\trowhouse\nVmPeak:\t 9999 kB\nVmHWM:\t   2048 kB\nVmRSS:\t   1024 kB\nThreads:\t8\n"
	m, err := parseStatus([]byte(status))
	if err != nil || m.RSS != 1<<20 || m.Peak != 2<<20 {
		t.Errorf("parseStatus: %+v, %v", m, err)
	}
	if _, err := parseStatus([]byte("Name:\tkthreadd\n")); err == nil {
		t.Error("no Vm lines accepted")
	}
	if runtime.GOOS == "linux" {
		if m, err := ReadMem(os.Getpid()); err != nil || m.RSS <= 0 {
			t.Errorf("ReadMem(self): %+v, %v", m, err)
		}
	}
}

func TestFormat(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                        "-",
		812 * time.Microsecond:   "812µs",
		1234 * time.Microsecond:  "1.23ms",
		12345 * time.Microsecond: "12.3ms",
		123 * time.Millisecond:   "123ms",
		1250 * time.Millisecond:  "1.25s",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestColdPage: cold-page makes exactly coldRequests reads of page's
// filter with the sort its seed picks, not page's own.
func TestColdPage(t *testing.T) {
	f, srv := newFake(t)
	r, err := New(Config{URL: srv.URL, Key: testKey, Doc: "FakeDoc", Concurrency: 7, Duration: time.Minute, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	results, err := r.Run(context.Background(), []string{"cold-page"})
	if err != nil {
		t.Fatal(err)
	}
	if res := results[0]; res.Scenario != "cold-page" || res.Requests != coldRequests || res.Errors != 0 {
		t.Errorf("cold-page: %+v, want %d requests without errors", res, coldRequests)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := f.counts["cold-page "+coldSorts[3]]; n != coldRequests {
		t.Errorf("%d reads sorted by %s, want %d (counts %v)", n, coldSorts[3], coldRequests, f.counts)
	}
	if slices.Contains(Scenarios(), "cold-page") {
		t.Error("cold-page runs by default: a second run would find its shape warm")
	}
}
