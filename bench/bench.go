// Package bench is a load generator for any server that speaks Rowhouse's
// Grist-compatible REST API: standard scenarios (bulk-add, page, get-one,
// patch, mixed) that print throughput, latency percentiles and errors.
//
// It talks HTTP only and must never call a server in-process or import the
// server's packages: the point is to measure any implementation (Rowhouse,
// Grist, a fake) from the outside, with numbers comparable across servers
// and versions. For the same reason the data is generated from a seed.
//
// Every loop is bounded by Config.Duration and by the context, and no more
// than Config.Concurrency requests are in flight at once (mixed adds its
// one writer to its readers). The client keeps its own costs low, with one
// tuned transport, request bodies built into reused buffers and answers
// drained into io.Discard, so that the server is the bottleneck.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for the zero values of Config.
const (
	DefaultConcurrency = 16
	DefaultDuration    = 10 * time.Second
	DefaultRecords     = 100_000
	DefaultTable       = "Bench"
)

// Sizes fixed by the scenarios' definitions, so that results compare.
const (
	addBatch   = 1000 // records per POST in bulk-add and mixed's writer
	patchBatch = 100  // records per PATCH
	pageLimit  = 100  // limit of page's reads
	// pageFilter selects about 5% of the rows (see benchColumns), which
	// page's reads sort by pageSort.
	pageFilter = `{"c_choice":["b"]}`
	pageSort   = "-c_int"
	// errorBodies is how many failed answers per scenario are shown in full.
	errorBodies  = 5
	errorBodyMax = 1 << 10
	// maxFailures failed batches in a row stop bulk-add: the table will
	// not get its records.
	maxFailures = 10
)

// Scenarios returns the scenario names, in the order Run runs them when
// given none.
func Scenarios() []string { return []string{"bulk-add", "page", "get-one", "patch", "mixed"} }

// Known returns every scenario Run takes by name: Scenarios, and those
// run only when named (cold-page, whose shape a server has been asked
// once it has run).
func Known() []string { return append(Scenarios(), "cold-page") }

// Config says what to measure and how hard.
type Config struct {
	URL         string        // the server's base URL, e.g. http://127.0.0.1:8484
	Key         string        // API key, sent as a Bearer token
	Doc         string        // an existing document; empty: bulk-add creates a workspace and a document
	Table       string        // an existing table shaped like Bench; empty: bulk-add creates one, others use Bench
	Concurrency int           // readers at once in page, get-one and mixed (default 16)
	Duration    time.Duration // bound on every scenario's loop (default 10s)
	Records     int           // records bulk-add adds (default 100,000)
	Seed        uint64        // seeds the generated data and the random ids
	PID         int           // the server's process, whose memory is read after each scenario; 0: none
	Log         io.Writer     // progress and the first error bodies of each scenario; nil: discarded
	Client      *http.Client  // nil: a client whose transport keeps Concurrency+1 connections
}

// Runner runs scenarios against one server. Scenarios after bulk-add use
// the document and table it made, and the id range it was given. A Runner
// runs one scenario at a time.
type Runner struct {
	cfg    Config
	client *http.Client
	base   string   // cfg.URL without a trailing slash
	auth   []string // the Authorization header's value, shared read-only by every request
	log    io.Writer

	doc, table   string
	madeWS       int64      // the workspace bulk-add made (0: none), which Cleanup removes
	madeTable    bool       // bulk-add made the table in a document it was given
	minID, maxID int64      // ids known to be in the table; maxID 0: unknown
	gen          *generator // carries on from bulk-add to mixed's writer
	pageP99      time.Duration
	// limited is set once a request was refused by the rate limit, which
	// is said once: the figures then measure the limiter.
	limited atomic.Bool
}

// New checks cfg, fills in its defaults and makes a Runner.
func New(cfg Config) (*Runner, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("bench: --url must be an http or https URL, not %q", cfg.URL)
	}
	if cfg.Key == "" {
		return nil, errors.New("bench: an API key is required")
	}
	if cfg.Concurrency < 0 || cfg.Duration < 0 || cfg.Records < 0 {
		return nil, errors.New("bench: concurrency, duration and records must not be negative")
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Duration == 0 {
		cfg.Duration = DefaultDuration
	}
	if cfg.Records == 0 {
		cfg.Records = DefaultRecords
	}
	r := &Runner{
		cfg:    cfg,
		client: cfg.Client,
		base:   strings.TrimRight(cfg.URL, "/"),
		auth:   []string{"Bearer " + cfg.Key},
		log:    cfg.Log,
		doc:    cfg.Doc,
		table:  cfg.Table,
	}
	if r.log == nil {
		r.log = io.Discard
	}
	if r.client == nil {
		r.client = newClient(cfg.Concurrency + 1)
	}
	return r, nil
}

// newClient returns a client for conns connections to one host, kept alive
// between requests. It neither follows redirects (a 3xx is an error here)
// nor asks for compression (decompressing would cost the client, not the
// server), and ignores proxy settings.
func newClient(conns int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     90 * time.Second,
			TLSHandshakeTimeout: 10 * time.Second,
			DisableCompression:  true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Doc and Table name what the scenarios used, so a later run can reuse
// them with --doc and --table.
func (r *Runner) Doc() string   { return r.doc }
func (r *Runner) Table() string { return r.table }

// Made reports whether the runner made a workspace or a table that
// Cleanup would remove.
func (r *Runner) Made() bool { return r.madeWS != 0 || r.madeTable }

// Cleanup removes what bulk-add made: the workspace (with its document),
// or the table when the document was given. It says what it removed, ""
// if nothing.
func (r *Runner) Cleanup(ctx context.Context) (string, error) {
	var out any
	switch {
	case r.madeWS != 0:
		if err := r.setup(ctx, "DELETE", "/api/workspaces/"+strconv.FormatInt(r.madeWS, 10), nil, &out); err != nil {
			return "", err
		}
		what := fmt.Sprintf("workspace %d and document %s", r.madeWS, r.doc)
		r.madeWS, r.doc, r.table = 0, "", ""
		return what, nil
	case r.madeTable:
		if err := r.setup(ctx, "DELETE", "/api/docs/"+url.PathEscape(r.doc)+"/tables/"+url.PathEscape(r.table), nil, &out); err != nil {
			return "", err
		}
		what := fmt.Sprintf("table %s of document %s", r.table, r.doc)
		r.madeTable, r.table = false, ""
		return what, nil
	}
	return "", nil
}

// Run runs the named scenarios (all of them when names is empty) in the
// order given. It returns the results so far with the error that stopped
// it: a failed setup step, or the context's end.
func (r *Runner) Run(ctx context.Context, names []string) ([]Result, error) {
	if len(names) == 0 {
		names = Scenarios()
	}
	for _, n := range names {
		if !slices.Contains(Known(), n) {
			return nil, fmt.Errorf("bench: unknown scenario %q (known: %s)", n, strings.Join(Known(), ", "))
		}
	}
	var results []Result
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		var res []Result
		var err error
		switch n {
		case "bulk-add":
			res, err = r.bulkAdd(ctx)
		case "page":
			res, err = r.page(ctx)
		case "cold-page":
			res, err = r.coldPage(ctx)
		case "get-one":
			res, err = r.getOne(ctx)
		case "patch":
			res, err = r.patch(ctx)
		case "mixed":
			res, err = r.mixed(ctx)
		}
		if err != nil {
			return results, fmt.Errorf("%s: %w", n, err)
		}
		if r.cfg.PID != 0 {
			m, merr := ReadMem(r.cfg.PID)
			if merr != nil {
				fmt.Fprintf(r.log, "bench: %s: %v\n", n, merr)
			} else {
				for i := range res {
					res[i].Mem = &m
				}
			}
		}
		results = append(results, res...)
		if err := ctx.Err(); err != nil {
			return results, err
		}
	}
	return results, nil
}

// outcome is what became of one request.
type outcome int

const (
	dropped   outcome = iota // cut short because the scenario ended: not counted
	succeeded                // answered 2xx
	failed                   // answered otherwise, or failed in transit
)

// tally is one worker's counts; a scenario merges its workers' tallies.
type tally struct {
	ops, reqs, errs int64
	lat             []time.Duration // of succeeded requests
}

func (t *tally) add(o outcome, lat time.Duration, ops int64) {
	switch o {
	case succeeded:
		t.reqs++
		t.ops += ops
		t.lat = append(t.lat, lat)
	case failed:
		t.reqs++
		t.errs++
	}
}

// result merges tallies into a Result.
func result(name, unit string, elapsed time.Duration, ts ...*tally) Result {
	res := Result{Scenario: name, Unit: unit, Elapsed: elapsed}
	var n int
	for _, t := range ts {
		n += len(t.lat)
	}
	lat := make([]time.Duration, 0, n)
	for _, t := range ts {
		res.Ops += t.ops
		res.Requests += t.reqs
		res.Errors += t.errs
		lat = append(lat, t.lat...)
	}
	slices.Sort(lat)
	res.P50, res.P99 = percentile(lat, 500), percentile(lat, 990)
	return res
}

// scenario is one running scenario: its name for messages and its count
// of error bodies shown.
type scenario struct {
	r      *Runner
	name   string
	shown  atomic.Int32
	docURL string // base + /api/docs/{doc}/tables/{table}/records
}

func (r *Runner) scenario(name string) *scenario {
	return &scenario{r: r, name: name,
		docURL: r.base + "/api/docs/" + url.PathEscape(r.doc) + "/tables/" + url.PathEscape(r.table) + "/records"}
}

// call sends one request and reads the whole answer, into sink when it is
// not nil (after resetting it), else into io.Discard. lat runs from
// sending the request to the answer's last byte. A request cut short by
// ctx's end is dropped, not failed: ctx ends when the scenario does.
func (s *scenario) call(ctx context.Context, method, u string, body []byte, sink *bytes.Buffer) (o outcome, lat time.Duration) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		s.failure("%s %s: %v", method, u, err)
		return failed, 0
	}
	req.Header = http.Header{"Authorization": s.r.auth}
	if body != nil {
		req.Header["Content-Type"] = jsonType
	}
	start := time.Now()
	resp, err := s.r.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return dropped, 0
		}
		s.failure("%s %s: %v", method, u, err)
		return failed, 0
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		if resp.StatusCode == http.StatusTooManyRequests && !s.r.limited.Swap(true) {
			fmt.Fprintf(s.r.log, "bench: the server's rate limit refuses requests (429): what follows measures the limiter; start the server with ROWHOUSE_RATE_LIMIT=0 (or --rate-limit 0) to measure the server\n")
		}
		if s.shown.Add(1) <= errorBodies {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyMax))
			fmt.Fprintf(s.r.log, "bench: %s: %s %s: %s: %s\n", s.name, method, u, resp.Status, bytes.TrimSpace(b))
		}
		io.Copy(io.Discard, resp.Body)
		return failed, 0
	}
	if sink != nil {
		sink.Reset()
		_, err = sink.ReadFrom(resp.Body)
	} else {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	lat = time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return dropped, 0
		}
		s.failure("%s %s: reading the answer: %v", method, u, err)
		return failed, 0
	}
	return succeeded, lat
}

var jsonType = []string{"application/json"}

// failure shows a failed request, if fewer than errorBodies have been.
func (s *scenario) failure(format string, args ...any) {
	if s.shown.Add(1) <= errorBodies {
		fmt.Fprintf(s.r.log, "bench: %s: %s\n", s.name, fmt.Sprintf(format, args...))
	}
}

// setup sends one request that a scenario cannot go on without, and
// decodes its 2xx answer into out.
func (r *Runner) setup(ctx context.Context, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", r.auth[0])
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: unexpected answer %.200q: %w", method, path, b, err)
	}
	return nil
}

// workers runs n copies of fn until d has passed, ctx ends, or every fn
// has returned false, and returns how long that took. Each fn gets its
// worker number and a context that ends with the run.
func workers(ctx context.Context, n int, d time.Duration, fn func(ctx context.Context, w int) bool) time.Duration {
	start := time.Now()
	ctx, cancel := context.WithDeadline(ctx, start.Add(d))
	defer cancel()
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			for ctx.Err() == nil && fn(ctx, w) {
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// needTable checks that a scenario has a document and table to work on.
func (r *Runner) needTable() error {
	if r.doc == "" {
		return errors.New("no document: run bulk-add first, or give --doc (and --table)")
	}
	if r.table == "" {
		r.table = DefaultTable
	}
	return nil
}

// needIDs makes sure the range of row ids is known, asking the server for
// the table's first and last ids when bulk-add has not run.
func (r *Runner) needIDs(ctx context.Context) error {
	if err := r.needTable(); err != nil {
		return err
	}
	if r.maxID > 0 {
		return nil
	}
	path := "/api/docs/" + url.PathEscape(r.doc) + "/tables/" + url.PathEscape(r.table) + "/records?limit=1&sort="
	var first, last struct{ Records []struct{ ID int64 } }
	if err := r.setup(ctx, "GET", path+"id", nil, &first); err != nil {
		return err
	}
	if err := r.setup(ctx, "GET", path+"-id", nil, &last); err != nil {
		return err
	}
	if len(first.Records) == 0 || len(last.Records) == 0 {
		return fmt.Errorf("table %s has no records: run bulk-add first", r.table)
	}
	r.minID, r.maxID = first.Records[0].ID, last.Records[0].ID
	return nil
}

// bulkAdd makes the document and table unless given, then adds
// cfg.Records records in batches of addBatch, one batch at a time.
func (r *Runner) bulkAdd(ctx context.Context) ([]Result, error) {
	if r.doc == "" {
		var ws int64
		name := "bench " + time.Now().UTC().Format("2006-01-02T15:04:05Z")
		if err := r.setup(ctx, "POST", "/api/orgs/current/workspaces", jsonObject("name", name), &ws); err != nil {
			return nil, err
		}
		if err := r.setup(ctx, "POST", "/api/workspaces/"+strconv.FormatInt(ws, 10)+"/docs", jsonObject("name", "bench"), &r.doc); err != nil {
			return nil, err
		}
		r.madeWS = ws
		fmt.Fprintf(r.log, "bench: bulk-add: made workspace %d (%q) and document %s\n", ws, name, r.doc)
	}
	if r.table == "" {
		var out struct{ Tables []struct{ ID string } }
		if err := r.setup(ctx, "POST", "/api/docs/"+url.PathEscape(r.doc)+"/tables", tableSpec(DefaultTable), &out); err != nil {
			return nil, err
		}
		if len(out.Tables) != 1 || out.Tables[0].ID == "" {
			return nil, fmt.Errorf("POST /api/docs/%s/tables: no table id in the answer", r.doc)
		}
		r.table = out.Tables[0].ID
		r.madeTable = r.madeWS == 0
		fmt.Fprintf(r.log, "bench: bulk-add: made table %s in document %s\n", r.table, r.doc)
	}
	s := r.scenario("bulk-add")
	r.gen = newGenerator(r.cfg.Seed, 0)
	var w writer
	var t tally
	left, failures := r.cfg.Records, 0
	elapsed := workers(ctx, 1, r.cfg.Duration, func(ctx context.Context, _ int) bool {
		n := min(left, addBatch)
		switch r.addBatch(ctx, s, &w, &t, n) {
		case succeeded:
			left -= n
			failures = 0
		case failed:
			failures++
		}
		return left > 0 && failures < maxFailures
	})
	res := result("bulk-add", "records/s", elapsed, &t)
	switch {
	case failures >= maxFailures:
		res.Note = fmt.Sprintf("gave up after %d failed batches in a row, with %d of %d records added", failures, res.Ops, r.cfg.Records)
	case left > 0:
		res.Note = fmt.Sprintf("stopped by --duration or an interrupt, with %d of %d records added", res.Ops, r.cfg.Records)
	}
	return []Result{res}, nil
}

// writer holds a sequential writer's buffers, reused from one request to
// the next.
type writer struct {
	body   []byte
	answer bytes.Buffer
	added  struct{ Records []struct{ ID int64 } }
	ids    []int64
}

// sent forgets the body after a request that did not succeed: the
// transport may still be reading it.
func (w *writer) sent(o outcome) {
	if o != succeeded {
		w.body = nil
	}
}

// addBatch adds n generated records and notes their ids.
func (r *Runner) addBatch(ctx context.Context, s *scenario, w *writer, t *tally, n int) outcome {
	w.body = r.gen.appendAddBody(w.body[:0], n)
	o, lat := s.call(ctx, "POST", s.docURL, w.body, &w.answer)
	w.sent(o)
	if o != succeeded {
		t.add(o, 0, 0)
		return o
	}
	t.add(o, lat, int64(n))
	if err := json.Unmarshal(w.answer.Bytes(), &w.added); err != nil {
		s.failure("POST %s: unexpected answer %.200q: %v", s.docURL, w.answer.Bytes(), err)
		return o
	}
	for _, rec := range w.added.Records {
		if r.maxID == 0 || rec.ID < r.minID {
			r.minID = rec.ID
		}
		r.maxID = max(r.maxID, rec.ID)
	}
	return o
}

// jsonObject returns {"k":"v"}.
func jsonObject(k, v string) []byte {
	b := append(strconv.AppendQuote([]byte{'{'}, k), ':')
	return append(strconv.AppendQuote(b, v), '}')
}

// page reads the first page of a filtered, sorted query at cfg.Concurrency.
func (r *Runner) page(ctx context.Context) ([]Result, error) {
	if err := r.needTable(); err != nil {
		return nil, err
	}
	res := r.readers(ctx, r.scenario("page"))
	r.pageP99 = res.P99
	return []Result{res}, nil
}

// coldSorts are cold-page's sorts: --seed picks one, so that each seed is
// a shape of its own (page's filter with another sort).
var coldSorts = [...]string{"-c_int2", "c_int2", "-c_num", "c_num", "-c_date", "c_date", "-c_num2", "c_num2", "c_text", "-c_text"}

// coldRequests is how many reads cold-page makes.
const coldRequests = 2000

// coldPage makes coldRequests reads of a filtered, sorted page of a shape
// no other scenario asks for (page's filter, a sort --seed picks among
// coldSorts) at cfg.Concurrency, within cfg.Duration: its first reads
// find no index for the shape, so its p99 says how many reads a new
// shape costs before the server serves it from an index. Run it once per
// seed and server: the second time the shape is warm.
func (r *Runner) coldPage(ctx context.Context) ([]Result, error) {
	if err := r.needTable(); err != nil {
		return nil, err
	}
	s := r.scenario("cold-page")
	sort := coldSorts[r.cfg.Seed%uint64(len(coldSorts))]
	u := s.docURL + "?filter=" + url.QueryEscape(pageFilter) + "&sort=" + url.QueryEscape(sort) + "&limit=" + strconv.Itoa(pageLimit)
	fmt.Fprintf(r.log, "cold-page: filter %s, sort %s, %d reads\n", pageFilter, sort, coldRequests)
	var sent atomic.Int64
	ts := make([]tally, r.cfg.Concurrency)
	elapsed := workers(ctx, r.cfg.Concurrency, r.cfg.Duration, func(ctx context.Context, w int) bool {
		if sent.Add(1) > coldRequests {
			return false
		}
		o, lat := s.call(ctx, "GET", u, nil, nil)
		ts[w].add(o, lat, 1)
		return true
	})
	return []Result{result(s.name, "req/s", elapsed, tallies(ts)...)}, nil
}

// readers runs page's reads at cfg.Concurrency for cfg.Duration.
func (r *Runner) readers(ctx context.Context, s *scenario) Result {
	u := s.docURL + "?filter=" + url.QueryEscape(pageFilter) + "&sort=" + pageSort + "&limit=" + strconv.Itoa(pageLimit)
	ts := make([]tally, r.cfg.Concurrency)
	elapsed := workers(ctx, r.cfg.Concurrency, r.cfg.Duration, func(ctx context.Context, w int) bool {
		o, lat := s.call(ctx, "GET", u, nil, nil)
		ts[w].add(o, lat, 1)
		return true
	})
	return result(s.name, "req/s", elapsed, tallies(ts)...)
}

func tallies(ts []tally) []*tally {
	p := make([]*tally, len(ts))
	for i := range ts {
		p[i] = &ts[i]
	}
	return p
}

// getOne reads single records by id, {"id":[N]} for random N, at
// cfg.Concurrency.
func (r *Runner) getOne(ctx context.Context) ([]Result, error) {
	if err := r.needIDs(ctx); err != nil {
		return nil, err
	}
	s := r.scenario("get-one")
	prefix := s.docURL + "?filter=" + url.QueryEscape(`{"id":[`)
	suffix := url.QueryEscape(`]}`)
	ts := make([]tally, r.cfg.Concurrency)
	rngs := make([]*rand.Rand, r.cfg.Concurrency)
	bufs := make([][]byte, r.cfg.Concurrency)
	for w := range rngs {
		rngs[w] = rand.New(rand.NewPCG(r.cfg.Seed, 100+uint64(w)))
	}
	span := r.maxID - r.minID + 1
	elapsed := workers(ctx, r.cfg.Concurrency, r.cfg.Duration, func(ctx context.Context, w int) bool {
		b := append(bufs[w][:0], prefix...)
		b = strconv.AppendInt(b, r.minID+rngs[w].Int64N(span), 10)
		b = append(b, suffix...)
		bufs[w] = b
		o, lat := s.call(ctx, "GET", string(b), nil, nil)
		ts[w].add(o, lat, 1)
		return true
	})
	return []Result{result(s.name, "req/s", elapsed, tallies(ts)...)}, nil
}

// patch changes two columns of patchBatch random records per request, one
// request at a time.
func (r *Runner) patch(ctx context.Context) ([]Result, error) {
	if err := r.needIDs(ctx); err != nil {
		return nil, err
	}
	s := r.scenario("patch")
	gen := newGenerator(r.cfg.Seed, 1)
	var w writer
	var t tally
	elapsed := workers(ctx, 1, r.cfg.Duration, func(ctx context.Context, _ int) bool {
		w.ids = pickIDs(gen.rng, w.ids, patchBatch, r.minID, r.maxID)
		w.body = gen.appendPatchBody(w.body[:0], w.ids)
		o, lat := s.call(ctx, "PATCH", s.docURL, w.body, nil)
		w.sent(o)
		t.add(o, lat, int64(len(w.ids)))
		return true
	})
	return []Result{result(s.name, "records/s", elapsed, &t)}, nil
}

// mixed runs page's readers at cfg.Concurrency while one writer adds
// batches of addBatch records. Readers and writer run on separate
// connections, so a reader waits for the writer only if the server makes
// it: mixed/read's p99 against page's shows whether it does.
func (r *Runner) mixed(ctx context.Context) ([]Result, error) {
	if err := r.needTable(); err != nil {
		return nil, err
	}
	if r.gen == nil {
		r.gen = newGenerator(r.cfg.Seed, 2)
	}
	before := r.maxID
	var read, write Result
	var wg sync.WaitGroup
	wg.Go(func() { read = r.readers(ctx, r.scenario("mixed/read")) })
	wg.Go(func() {
		s := r.scenario("mixed/write")
		var w writer
		var t tally
		elapsed := workers(ctx, 1, r.cfg.Duration, func(ctx context.Context, _ int) bool {
			r.addBatch(ctx, s, &w, &t, addBatch)
			return true
		})
		write = result(s.name, "records/s", elapsed, &t)
	})
	wg.Wait()
	if r.pageP99 > 0 && read.P99 > 0 {
		read.Note = fmt.Sprintf("readers' p99 %s with the writer, %s without (page): x%.2f",
			formatDuration(read.P99), formatDuration(r.pageP99), float64(read.P99)/float64(r.pageP99))
		if before > 0 && r.maxID > before {
			// Reads scan the rows the writer adds: part of the slowdown is
			// the bigger table, not waiting for the writer.
			read.Note += fmt.Sprintf(", while the table grew from about %d to %d rows",
				before-r.minID+1, r.maxID-r.minID+1)
		}
	}
	return []Result{read, write}, nil
}
