package graphql_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rowhouse/rowhouse/internal/testserver"
)

// postWith sends a GraphQL request with extra headers, safely from any
// goroutine (no t.Fatal).
func (e *env) postWith(query string, vars map[string]any, header map[string]string) *testserver.Response {
	body := map[string]any{"query": query}
	if vars != nil {
		body["variables"] = vars
	}
	data, _ := json.Marshal(body)
	req := httptest.NewRequest("POST", e.gqlPath, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return &testserver.Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// hammer runs f(worker, i) n times in each of workers goroutines and
// reports every failed answer.
func hammer(t *testing.T, workers, n int, f func(w, i int) (*testserver.Response, string)) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan string, workers*n)
	for w := range workers {
		wg.Go(func() {
			for i := range n {
				res, what := f(w, i)
				if res.Status != 200 || bytes.Contains(res.Body, []byte(`"errors"`)) {
					errs <- fmt.Sprintf("%s: %d %s", what, res.Status, res.Body)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// churn sends the queries in turn, over and over, until the returned stop
// is called.
func churn(e *env, queries ...string) (stop func()) {
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		for {
			for _, q := range queries {
				select {
				case <-done:
					return
				default:
				}
				e.postWith(q, nil, nil)
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// TestMutationsAtomic: an upsert matches, and updateXs / deleteXs select,
// in the write transaction, and the answer is read there too. Matching
// in a separate snapshot before the write made concurrent upserts of one
// unique value fail on the unique index, and an updateXs whose record was
// deleted between its selection and its write (or its read-back) fail
// with "Invalid row id" (or "gone").
func TestMutationsAtomic(t *testing.T) {
	for name, open := range engines(t) {
		t.Run(name, func(t *testing.T) {
			e := newEngineEnv(t, open(t))
			e.fixture(t)
			t.Run("upserts while the matched record is replaced", func(t *testing.T) {
				// The record holding race@x is deleted and added again (a
				// new id) while upserts of race@x run: each must update
				// the one there is or add it, never fail.
				stop := churn(e, `mutation { deletePeople(filter: {email: {eq: "race@x"}}) { id } }`, `mutation { createPerson(data: {email: "race@x", name: "churn"}) { id } }`)
				hammer(t, 3, 15, func(w, i int) (*testserver.Response, string) {
					q := fmt.Sprintf(`mutation { createPeople(upsert: true, data: [{email: "race@x", code: "R%d", age: %d}]) { id email age } }`, w*100+i, w*100+i+1)
					return e.postWith(q, nil, nil), q
				})
				stop()
				res := e.post(t, `{ people(filter: {email: {eq: "race@x"}}) { totalCount } }`)
				if !bytes.Contains(res, []byte(`"totalCount":1`)) && !bytes.Contains(res, []byte(`"totalCount":0`)) {
					t.Fatalf("race@x records: %s", res)
				}
			})
			t.Run("updateMany while its records come and go", func(t *testing.T) {
				stop := churn(e, `mutation { createPerson(data: {name: "tmp"}) { id } }`, `mutation { deletePeople(filter: {name: {eq: "tmp"}}) { id } }`)
				hammer(t, 2, 20, func(w, i int) (*testserver.Response, string) {
					q := fmt.Sprintf(`mutation { updatePeople(filter: {name: {eq: "tmp"}}, data: {age: %d}) { name age } }`, w*100+i+1)
					res := e.postWith(q, nil, nil)
					// Every record answered is one this update changed.
					if strings.Contains(string(res.Body), `"age":0`) {
						res.Body = append(res.Body, []byte(` "errors": an answer shows a record the update did not change`)...)
					}
					return res, q
				})
				stop()
			})
		})
	}
}

// TestMutationIdempotency: a mutation with an Idempotency-Key is performed
// once per (user, key); a repeat gets the stored answer with
// Idempotent-Replayed: true; the same key with another request is 422;
// a key over 255 characters is 400; queries ignore the header.
func TestMutationIdempotency(t *testing.T) {
	for name, open := range engines(t) {
		t.Run(name, func(t *testing.T) {
			e := newEngineEnv(t, open(t))
			e.fixture(t)
			key := func(k string) map[string]string { return map[string]string{"Idempotency-Key": k} }
			count := func() string {
				return string(e.post(t, `{ cities { totalCount } }`))
			}
			const create = `mutation($n: String) { createCity(data: {name: $n}) { id name } }`
			first := e.postWith(create, map[string]any{"n": "Nice"}, key("k1"))
			testserver.Scenario{Status: 200, JSON: `{"data":{"createCity":{"id":3,"name":"Nice"}}}`}.Expect(t, first)
			if h := first.Header.Get("Idempotent-Replayed"); h != "" {
				t.Fatalf("first answer has Idempotent-Replayed: %q", h)
			}
			before := count()
			again := e.postWith(create, map[string]any{"n": "Nice"}, key("k1"))
			if again.Status != 200 || string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("replay: %d %q %s", again.Status, again.Header.Get("Idempotent-Replayed"), again.Body)
			}
			if after := count(); after != before {
				t.Fatalf("the replay wrote: %s, then %s", before, after)
			}

			other := e.postWith(create, map[string]any{"n": "Metz"}, key("k1"))
			testserver.Scenario{Status: 422,
				JSON: `{"errors":[{"message":"Idempotency-Key \"k1\" was already used for a different request","extensions":{"code":"BAD_USER_INPUT"}}]}`}.Expect(t, other)

			long := e.postWith(create, map[string]any{"n": "Metz"}, key(strings.Repeat("x", 256)))
			testserver.Scenario{Status: 400,
				JSON: `{"errors":[{"message":"Idempotency-Key is longer than 255 characters","extensions":{"code":"BAD_USER_INPUT"}}]}`}.Expect(t, long)
			if after := count(); after != before {
				t.Fatalf("refused requests wrote: %s, then %s", before, after)
			}

			q := e.postWith(`{ city(id: 1) { name } }`, nil, key(strings.Repeat("x", 300)))
			testserver.Scenario{Status: 200, JSON: `{"data":{"city":{"name":"Paris"}}}`}.Expect(t, q)
			if h := q.Header.Get("Idempotent-Replayed"); h != "" {
				t.Fatalf("a query has Idempotent-Replayed: %q", h)
			}

			// A key on several fields is refused: each field is its own
			// transaction, so one key cannot make them happen once.
			const two = `mutation { a: createCity(data: {name: "Brest"}) { id } b: updateCity(id: 1, data: {population: 1}) { id } }`
			before = count()
			res := e.postWith(two, nil, key("k2"))
			testserver.Scenario{Status: 400,
				JSON: `{"errors":[{"message":"Idempotency-Key needs a mutation of one field (each field is its own transaction): send one request per field","extensions":{"code":"BAD_USER_INPUT"}}]}`}.Expect(t, res)
			if after := count(); after != before {
				t.Fatalf("a refused two-field mutation wrote: %s, then %s", before, after)
			}
			// Without a key, the same mutation runs.
			res = e.postWith(two, nil, nil)
			testserver.Scenario{Status: 200, JSON: `{"data":{"a":{"id":4},"b":{"id":1}}}`}.Expect(t, res)
			// A key is the request's only: another key spelled like a
			// field's never replays it.
			res = e.postWith(create, map[string]any{"n": "Caen"}, key("k1#1"))
			testserver.Scenario{Status: 200, JSON: `{"data":{"createCity":{"id":5,"name":"Caen"}}}`}.Expect(t, res)
		})
	}
}
