package graphql_test

import (
	"strings"
	"sync"
	"testing"
)

// TestChunksReusedAcrossRequests: records are read into chunks that go
// back to a pool once an answer is written. Concurrent requests of
// different trees must each get exactly their own answer: a chunk reused
// before its answer was written would show another request's records.
func TestChunksReusedAcrossRequests(t *testing.T) {
	e := newEnv(t)
	tree(t, e.docs, e.doc, 100, 10)
	queries := []string{
		treeQuery,
		`{ people(first: 300, orderBy: [{name: DescNullsLast}]) { edges { node { name Company { name } city { name } } } } }`,
		`{ cities(first: 200) { edges { cursor node { id name } } } }`,
	}
	want := make([]string, len(queries))
	for i, q := range queries {
		res := e.gql(t, e.ownerKey, q, nil)
		if res.Status != 200 || strings.Contains(string(res.Body), `"errors"`) || len(res.Body) < 5000 {
			t.Fatalf("query %d: %d %.300s", i, res.Status, res.Body)
		}
		want[i] = string(res.Body)
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 20 {
				i := (w + n) % len(queries)
				if got := string(e.gql(t, e.ownerKey, queries[i], nil).Body); got != want[i] {
					t.Errorf("query %d answered differently under load: %.200s", i, got)
					return
				}
			}
		}()
	}
	wg.Wait()
}
