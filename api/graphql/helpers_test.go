package graphql_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/api/graphql"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/internal/testserver"
	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
	"github.com/rowhouse/rowhouse/store/sqlite"
)

// env is a test server with one document owned by owner, shared with an
// editor and a viewer.
type env struct {
	// s is the whole in-process server (SQLite); nil for an engine env,
	// which serves the GraphQL API alone as the owner (see newEngineEnv).
	s                 *testserver.Server
	h                 http.Handler
	docs              *core.Docs
	stmts             *stmtCounter
	owner             rowhouse.User
	ownerKey          string
	editorKey         string
	viewerKey         string
	strangerKey       string
	doc               string
	gqlPath, metaPath string
}

func newEnv(t testing.TB, opts ...testserver.Option) *env {
	t.Helper()
	s := testserver.New(t, opts...)
	e := &env{s: s, h: s.Handler, docs: s.Docs}
	e.owner, e.ownerKey = s.UserWithKey("owner@example.com")
	_, e.editorKey = s.UserWithKey("editor@example.com")
	_, e.viewerKey = s.UserWithKey("viewer@example.com")
	_, e.strangerKey = s.UserWithKey("stranger@example.com")
	ctx := context.Background()
	actor := rowhouse.Actor{User: e.owner}
	ws, err := s.Home.ListWorkspaces(ctx, actor, home.PersonalDomain(e.owner.ID))
	if err != nil || len(ws) == 0 {
		t.Fatalf("workspaces: %v %v", ws, err)
	}
	if e.doc, err = s.Home.CreateDoc(ctx, actor, ws[0].ID, "Data"); err != nil {
		t.Fatal(err)
	}
	res := s.Do(t, "PATCH", "/api/docs/"+e.doc+"/access", e.ownerKey,
		map[string]any{"delta": map[string]any{"users": map[string]any{"editor@example.com": "editors", "viewer@example.com": "viewers"}}})
	if res.Status != 200 {
		t.Fatalf("share: %d %s", res.Status, res.Body)
	}
	e.gqlPath = "/api/docs/" + e.doc + "/graphql"
	e.metaPath = e.gqlPath + "/metadata"
	return e
}

// apply applies actions to the document directly through the core.
func (e *env) apply(t testing.TB, actions ...core.Action) core.Applied {
	t.Helper()
	d, err := e.docs.Open(context.Background(), e.doc)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	res, err := d.Apply(context.Background(), rowhouse.Actor{User: e.owner}, actions, core.ApplyOptions{})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return res
}

// sample builds the sample document: Companies, People (with a two-way
// reference to Companies: Companies.staff) and Cities.
func (e *env) sample(t testing.TB) {
	t.Helper()
	e.apply(t,
		core.AddTable{ID: "Cities", Columns: []core.ColumnSpec{{ID: "name"}, {ID: "population", Type: "Int"}}},
		core.AddTable{ID: "Companies", Columns: []core.ColumnSpec{
			{ID: "name", IsUnique: true, Description: "The company's legal name."},
			{ID: "country", Type: "Choice"},
			{ID: "founded", Type: "Date"},
			{ID: "tags", Type: "ChoiceList"},
			{ID: "extra", Type: "Any"},
			{ID: "revenue", Type: "Numeric"},
			{ID: "stage", Type: "Choice", WidgetOptions: `{"choices":["NEW","WON","LOST"]}`},
		}},
		core.AddTable{ID: "People", Columns: []core.ColumnSpec{
			{ID: "name"},
			{ID: "email", IsUnique: true},
			{ID: "code", IsUnique: true},
			{ID: "age", Type: "Int"},
			{ID: "active", Type: "Bool"},
			{ID: "seen", Type: "DateTime:UTC"},
			{ID: "Company", Type: "Ref:Companies", ReverseCol: "staff"},
			{ID: "city", Type: "Ref:Cities"},
			{ID: "friends", Type: "RefList:People"},
		}},
	)
}

// gql sends a GraphQL request and returns the response.
func (e *env) gql(t testing.TB, key, query string, vars map[string]any) *testserver.Response {
	t.Helper()
	body := map[string]any{"query": query}
	if vars != nil {
		body["variables"] = vars
	}
	return e.send(t, "POST", e.gqlPath, key, body)
}

// send makes one request through the env's handler (body JSON-encoded
// unless it is a string).
func (e *env) send(t testing.TB, method, path, key string, body any) *testserver.Response {
	t.Helper()
	var rd io.Reader
	if str, ok := body.(string); ok {
		rd = strings.NewReader(str)
	} else if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	res := &testserver.Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		v, err := testserver.DecodeJSON(res.Body)
		if err != nil {
			t.Fatalf("%s %s: answer is not JSON (%v): %q", method, path, err, res.Body)
		}
		res.JSON = v
	}
	return res
}

// stmtCounter sums the core's statement counts by surface.
type stmtCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *stmtCounter) add(surface string, n int) {
	c.mu.Lock()
	c.n[surface] += n
	c.mu.Unlock()
}

func (c *stmtCounter) reset() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.n
	c.n = map[string]int{}
	return old
}

// engines lists the storage engines the engine tests run on: SQLite, and
// PostgreSQL when ROWHOUSE_TEST_POSTGRES names a test database.
func engines(t testing.TB) map[string]func(testing.TB) store.Engine {
	out := map[string]func(testing.TB) store.Engine{"sqlite": func(t testing.TB) store.Engine {
		e, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	}}
	if pgtest.Enabled() {
		out["postgres"] = func(t testing.TB) store.Engine { return pgtest.Open(t) }
	} else {
		t.Log(pgtest.SkipMessage)
	}
	return out
}

// newEngineEnv serves the GraphQL API alone over engine, every request as
// the document's owner, with the core's statement counter.
func newEngineEnv(t testing.TB, engine store.Engine) *env {
	return newCoreEnv(t, engine, core.Options{})
}

// newLimitedEnv is newEngineEnv with the core's limits.
func newLimitedEnv(t testing.TB, engine store.Engine, limits core.Limits) *env {
	return newCoreEnv(t, engine, core.Options{Limits: limits})
}

// newCoreEnv is newEngineEnv with core options (Now and Statements are
// set here).
func newCoreEnv(t testing.TB, engine store.Engine, opts core.Options) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{stmts: &stmtCounter{n: map[string]int{}}}
	now := func() time.Time { return testserver.Epoch }
	hs := home.New(engine, now, slog.New(slog.DiscardHandler))
	opts.Now, opts.Statements = now, e.stmts.add
	e.docs = core.NewDocs(engine, opts)
	owner, _, err := hs.EnsureUser(ctx, "owner@example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	e.owner = owner
	actor := rowhouse.Actor{User: owner}
	ws, err := hs.ListWorkspaces(ctx, actor, home.PersonalDomain(owner.ID))
	if err != nil || len(ws) == 0 {
		t.Fatalf("workspaces: %v %v", ws, err)
	}
	if e.doc, err = hs.CreateDoc(ctx, actor, ws[0].ID, "Data"); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	graphql.New(graphql.Deps{Home: hs, Docs: e.docs}).Routes(mux)
	e.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r.WithContext(api.WithActor(r.Context(), actor)))
	})
	e.gqlPath = "/api/docs/" + e.doc + "/graphql"
	e.metaPath = e.gqlPath + "/metadata"
	return e
}

// js renders a value as compact JSON, for comparisons.
func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
