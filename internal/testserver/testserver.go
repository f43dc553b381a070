// Package testserver runs Rowhouse's real HTTP handler (server.New) in
// process, over a real SQLite engine in a test's temporary folder (or, when
// the environment variable ROWHOUSE_TEST_POSTGRES names a PostgreSQL test
// database, over fresh schemas there: see NewEngine), for handler tests in
// any package. It offers a fixed, movable clock, helpers
// to make users and API keys without going through HTTP, a request helper
// and a table-driven scenario type in the style of PocketBase's tests/api.go:
// each case names a method, URL, key and body and says what must come back.
//
// It is for tests only and must never be imported by production code.
package testserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/metrics"
	"github.com/rowhouse/rowhouse/server"
	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
	"github.com/rowhouse/rowhouse/store/sqlite"
	"github.com/rowhouse/rowhouse/webhook"
)

// Epoch is the time the clock of every test server starts at. Timestamps in
// answers are therefore predictable: "2024-03-04T05:06:07.089Z".
var Epoch = time.Date(2024, 3, 4, 5, 6, 7, 89_000_000, time.UTC)

// EpochJSON is Epoch as the API formats times.
const EpochJSON = "2024-03-04T05:06:07.089Z"

// Clock is a settable clock, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Server is one in-process Rowhouse server with its services, for tests.
// Its setup helpers fail T, the test that started it; requests take the
// calling test, so parallel subtests can share a server.
type Server struct {
	T       testing.TB
	Handler http.Handler
	// Engine is the engine in use, SQLite or PostgreSQL (see NewEngine).
	Engine store.Engine
	// SQLite is the engine when it is SQLite's, nil when the tests run on
	// PostgreSQL (see SQLiteOnly).
	SQLite *sqlite.Engine
	Home   *home.Service
	Keys   *auth.Keys
	Docs   *core.Docs
	Clock  *Clock
	Config server.Config
	// Bus carries the core's commit signals to the change feed and to
	// dispatchers made by Dispatcher.
	Bus *webhook.LocalBus
	// Guard checks webhook URLs; it refuses private addresses (so local
	// receivers) until AllowPrivateWebhooks is called.
	Guard *webhook.Guard
	// Sessions are the web pages' sessions (see SetPassword and SignIn).
	Sessions *auth.Sessions
}

// FeedHeartbeat is the change feed's heartbeat interval in test servers.
const FeedHeartbeat = 200 * time.Millisecond

// AllowPrivateWebhooks lets webhooks reach private and loopback addresses
// (as --webhook-allow-private does), so tests can use local receivers.
// Call it before the first request.
func (s *Server) AllowPrivateWebhooks() { s.Guard.AllowPrivate = true }

// Dispatcher returns a webhook dispatcher over the server's services, its
// clock and its guard; o sets the rest. It is not started: call Step, or
// Start and Shutdown (Shutdown runs at cleanup too).
func (s *Server) Dispatcher(o webhook.Options) *webhook.Dispatcher {
	o.Home, o.Docs, o.Bus, o.Guard, o.Now = s.Engine.Home(), s.Docs, s.Bus, s.Guard, s.Clock.Now
	d := webhook.New(o)
	s.T.Cleanup(func() { _ = d.Shutdown(context.Background()) })
	return d
}

// Option changes the configuration of a test server.
type Option func(*server.Config)

// WithMaxBody sets the largest accepted request body.
func WithMaxBody(n int64) Option { return func(c *server.Config) { c.MaxBody = n } }

// WithRateLimit sets the rate limit (requests per window).
func WithRateLimit(n int, window time.Duration) Option {
	return func(c *server.Config) { c.RateLimit, c.RateWindow = n, window }
}

// WithBaseDomain names team sites by host under domain (acme.domain).
func WithBaseDomain(domain string) Option { return func(c *server.Config) { c.BaseDomain = domain } }

// WithTrustProxy trusts the X-Forwarded-* headers.
func WithTrustProxy() Option { return func(c *server.Config) { c.TrustProxy = true } }

// New starts a server over a fresh data folder in t.TempDir(). Rate
// limiting is off unless an option turns it on.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := server.Config{MaxBody: server.DefaultMaxBody, RateLimit: 0, RateWindow: server.DefaultRateWindow}
	for _, o := range opts {
		o(&cfg)
	}
	engine := NewEngine(t)
	clock := &Clock{t: Epoch}
	log := slog.New(slog.DiscardHandler)
	hs := home.New(engine, clock.Now, log)
	keys := auth.NewKeys(engine.Home(), hs, clock.Now)
	sessions := auth.NewSessions(engine.Home(), clock.Now, auth.SessionConfig{TrustProxy: cfg.TrustProxy, BaseDomain: cfg.BaseDomain})
	bus, guard := webhook.NewLocalBus(), &webhook.Guard{}
	docs := core.NewDocs(engine, core.Options{Now: clock.Now, OnCommit: bus.Publish})
	t.Cleanup(docs.Wait) // before the engine closes
	h := server.New(cfg, server.Deps{Engine: engine, Home: hs, Keys: keys, Docs: docs, Metrics: metrics.New(), Log: log, Now: clock.Now, Sessions: sessions,
		Bus: bus, WebhookGuard: guard, FeedHeartbeat: FeedHeartbeat})
	sl, _ := engine.(*sqlite.Engine)
	return &Server{T: t, Handler: h, Engine: engine, SQLite: sl, Home: hs, Keys: keys, Docs: docs, Clock: clock, Config: cfg, Bus: bus, Guard: guard, Sessions: sessions}
}

// NewEngine returns a fresh storage engine, closed when t ends: when
// ROWHOUSE_TEST_POSTGRES is set (the second run of .ci/run), PostgreSQL
// with schemas of its own on that database, dropped at the end; otherwise
// SQLite in t.TempDir(). The whole handler suite thus runs on either
// engine, chosen by the environment.
func NewEngine(t testing.TB) store.Engine {
	t.Helper()
	if pgtest.Enabled() {
		return pgtest.Open(t)
	}
	// Exclusive, as the server opens its folder: the core's reads then
	// go without a transaction when they can, as in production.
	engine, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{Exclusive: true})
	if err != nil {
		t.Fatalf("open engine: %v", err)
	}
	t.Cleanup(func() { engine.Close() })
	return engine
}

// SQLiteOnly skips t when the server does not run on SQLite, for tests of
// SQLite's own behaviour (its SQL dialect at the SQL endpoint, its files).
func (s *Server) SQLiteOnly(t testing.TB) {
	t.Helper()
	if s.SQLite == nil {
		t.Skipf("SQLite only; this run uses %s", s.Engine.Name())
	}
}

// User returns the user with this email, creating them (with their
// personal org) if needed.
func (s *Server) User(email string) rowhouse.User {
	s.T.Helper()
	u, _, err := s.Home.EnsureUser(context.Background(), email, "")
	if err != nil {
		s.T.Fatalf("ensure user %s: %v", email, err)
	}
	return u
}

// Key makes an API key for u and returns its secret.
func (s *Server) Key(u rowhouse.User, nk auth.NewKey) string {
	s.T.Helper()
	if nk.Name == "" {
		nk.Name = fmt.Sprintf("test key %d", time.Now().UnixNano())
	}
	_, secret, err := s.Keys.Create(context.Background(), rowhouse.Actor{User: u}, nk)
	if err != nil {
		s.T.Fatalf("create key for %s: %v", u.Email, err)
	}
	return secret
}

// UserWithKey creates a user and a key of theirs.
func (s *Server) UserWithKey(email string) (rowhouse.User, string) {
	s.T.Helper()
	u := s.User(email)
	return u, s.Key(u, auth.NewKey{Name: "main"})
}

// Response is a recorded answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// JSON is the decoded body (numbers as json.Number), nil when the body
	// is not JSON.
	JSON any
}

// Error is the "error" member of a JSON error answer, "" if none.
func (r *Response) Error() string {
	m, _ := r.JSON.(map[string]any)
	s, _ := m["error"].(string)
	return s
}

// UserError is details.userError of a JSON error answer, "" if none.
func (r *Response) UserError() string {
	m, _ := r.JSON.(map[string]any)
	d, _ := m["details"].(map[string]any)
	s, _ := d["userError"].(string)
	return s
}

// Request describes one request. Body is sent as is when it is a string
// or []byte, and JSON-encoded otherwise (nil: no body).
type Request struct {
	Method  string
	Path    string
	Key     string // sent as "Authorization: Bearer <Key>" unless empty
	Body    any
	Headers map[string]string
}

// Do makes one request through the whole handler, failing t if the body
// cannot be encoded or a JSON answer cannot be decoded.
func (s *Server) Do(t testing.TB, method, path, key string, body any) *Response {
	t.Helper()
	return s.Send(t, Request{Method: method, Path: path, Key: key, Body: body})
}

// Send makes one request through the whole handler.
func (s *Server) Send(t testing.TB, rq Request) *Response {
	t.Helper()
	var rd io.Reader
	switch b := rq.Body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(data)
	}
	req := httptest.NewRequest(rq.Method, rq.Path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if rq.Key != "" {
		req.Header.Set("Authorization", "Bearer "+rq.Key)
	}
	for k, v := range rq.Headers {
		if http.CanonicalHeaderKey(k) == "Host" {
			req.Host = v // as a client sends it: the request line's host
			continue
		}
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.Handler.ServeHTTP(rec, req)
	res := &Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		v, err := DecodeJSON(res.Body)
		if err != nil {
			t.Fatalf("%s %s: answer is not JSON (%v): %q", rq.Method, rq.Path, err, res.Body)
		}
		res.JSON = v
	}
	return res
}

// DecodeJSON decodes one JSON value, keeping numbers as json.Number so
// that integers and floats can be told apart.
func DecodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("data after the JSON value")
	}
	return v, nil
}

// Scenario is one table-driven API case: a request and what must come
// back. Every non-zero expectation is checked.
type Scenario struct {
	Name    string
	Method  string
	URL     string
	Key     string
	Body    any
	Headers map[string]string

	// Status is the expected status code (required).
	Status int
	// JSON, if set, is the exact expected JSON answer (see MatchJSON for
	// the placeholders it may hold).
	JSON string
	// Error and UserError, if set, are the expected "error" and
	// "details.userError" members of the answer.
	Error     string
	UserError string
	// Contains and NotContains are substrings of the raw body.
	Contains    []string
	NotContains []string
	// Check runs after the other expectations.
	Check func(t *testing.T, res *Response)
}

// Run runs the scenario as a subtest of t.
func (sc Scenario) Run(t *testing.T, s *Server) {
	t.Helper()
	name := sc.Name
	if name == "" {
		name = sc.Method + " " + sc.URL
	}
	t.Run(name, func(t *testing.T) { sc.Test(t, s) })
}

// Test checks the scenario in the current test.
func (sc Scenario) Test(t *testing.T, s *Server) *Response {
	t.Helper()
	res := s.Send(t, Request{Method: sc.Method, Path: sc.URL, Key: sc.Key, Body: sc.Body, Headers: sc.Headers})
	sc.Expect(t, res)
	return res
}

// Expect checks res against the scenario's expectations.
func (sc Scenario) Expect(t *testing.T, res *Response) {
	t.Helper()
	what := sc.Method + " " + sc.URL
	if res.Status != sc.Status {
		t.Errorf("%s: status %d, want %d; body %s", what, res.Status, sc.Status, res.Body)
	}
	if sc.JSON != "" {
		if err := MatchJSON(sc.JSON, res.Body); err != nil {
			t.Errorf("%s: %v\n got: %s\nwant: %s", what, err, bytes.TrimSpace(res.Body), sc.JSON)
		}
	}
	if sc.Error != "" && res.Error() != sc.Error {
		t.Errorf("%s: error %q, want %q; body %s", what, res.Error(), sc.Error, res.Body)
	}
	if sc.UserError != "" && res.UserError() != sc.UserError {
		t.Errorf("%s: userError %q, want %q; body %s", what, res.UserError(), sc.UserError, res.Body)
	}
	for _, c := range sc.Contains {
		if !bytes.Contains(res.Body, []byte(c)) {
			t.Errorf("%s: body lacks %q: %s", what, c, res.Body)
		}
	}
	for _, c := range sc.NotContains {
		if bytes.Contains(res.Body, []byte(c)) {
			t.Errorf("%s: body has %q: %s", what, c, res.Body)
		}
	}
	if sc.Check != nil {
		sc.Check(t, res)
	}
}

// Placeholders that MatchJSON accepts in place of a value.
const (
	Any   = "<any>"   // any value, including null
	DocID = "<docid>" // a string of 22 base58 characters
	Int   = "<int>"   // an integer number
	Str   = "<str>"   // any string
)

// MatchJSON compares a JSON answer with an expected JSON text. Objects
// must have exactly the same members and arrays the same elements, in
// order; numbers compare by their text, so 1 and 1.0 differ. An expected
// string that is one of the placeholders Any, DocID, Int or Str matches any
// value of that description.
func MatchJSON(want string, got []byte) error {
	w, err := DecodeJSON([]byte(want))
	if err != nil {
		return fmt.Errorf("bad expected JSON: %v", err)
	}
	g, err := DecodeJSON(got)
	if err != nil {
		return fmt.Errorf("answer is not JSON: %v", err)
	}
	return match("$", w, g)
}

func match(path string, want, got any) error {
	if s, ok := want.(string); ok {
		switch s {
		case Any:
			return nil
		case DocID:
			if gs, ok := got.(string); ok && rowhouse.ValidDocID(gs) {
				return nil
			}
			return fmt.Errorf("%s: got %s, want a document id", path, show(got))
		case Int:
			if n, ok := got.(json.Number); ok && !strings.ContainsAny(n.String(), ".eE") {
				return nil
			}
			return fmt.Errorf("%s: got %s, want an integer", path, show(got))
		case Str:
			if _, ok := got.(string); ok {
				return nil
			}
			return fmt.Errorf("%s: got %s, want a string", path, show(got))
		}
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: got %s, want an object", path, show(got))
		}
		for _, k := range sortedKeys(w) {
			gv, ok := g[k]
			if !ok {
				return fmt.Errorf("%s: member %q is missing", path, k)
			}
			if err := match(path+"."+k, w[k], gv); err != nil {
				return err
			}
		}
		for _, k := range sortedKeys(g) {
			if _, ok := w[k]; !ok {
				return fmt.Errorf("%s: unexpected member %q", path, k)
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Errorf("%s: got %s, want an array", path, show(got))
		}
		if len(g) != len(w) {
			return fmt.Errorf("%s: got %d elements, want %d", path, len(g), len(w))
		}
		for i := range w {
			if err := match(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); err != nil {
				return err
			}
		}
		return nil
	}
	if show(want) != show(got) {
		return fmt.Errorf("%s: got %s, want %s", path, show(got), show(want))
	}
	return nil
}

func show(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// SetPassword sets u's password for the web pages.
func (s *Server) SetPassword(u rowhouse.User, password string) {
	s.T.Helper()
	if err := s.Sessions.SetPassword(context.Background(), u.ID, password); err != nil {
		s.T.Fatalf("set password of %s: %v", u.Email, err)
	}
}

// Browser is a signed-in web session: the cookie header to send and the
// session's CSRF token for forms and API writes.
type Browser struct {
	Cookie string // "rowhouse_session=..."
	CSRF   string
}

// SignIn signs in through POST /login, as a browser would, failing t
// unless it succeeds.
func (s *Server) SignIn(t testing.TB, email, password string) Browser {
	t.Helper()
	// The sign-in form's CSRF token is double-submitted: a cookie and a
	// form field with the same value.
	const token = "testserverSignInTokenAbcdefghijk"
	form := url.Values{"email": {email}, "password": {password}, auth.CSRFField: {token}}
	res := s.Send(t, Request{Method: "POST", Path: "/login", Body: form.Encode(),
		Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Cookie": "rowhouse_login=" + token}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("sign in %s: status %d: %s", email, res.Status, res.Body)
	}
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == auth.SessionCookie && c.Value != "" {
			sess, err := s.Sessions.Lookup(context.Background(), c.Value)
			if err != nil {
				t.Fatalf("sign in %s: session: %v", email, err)
			}
			return Browser{Cookie: c.Name + "=" + c.Value, CSRF: sess.CSRF}
		}
	}
	t.Fatalf("sign in %s: no session cookie in %v", email, res.Header)
	return Browser{}
}
