package graphql_test

import (
	"bytes"
	"fmt"
	"github.com/rowhouse/rowhouse/core"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// concurrency is the number of concurrent clients the throughput
// benchmarks simulate (issue 5: >= 1,000 req/s at concurrency 16).
const concurrency = 16

func parallelism() int { return (concurrency + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0) }

// benchEnv is a full in-process server (auth, middleware) with the
// 100 x 10 x 1 tree.
func benchEnv(b *testing.B) *env {
	e := newEnv(b)
	tree(b, e.docs, e.doc, 100, 10)
	return e
}

// BenchmarkTreeGraphQL: the 100 parents x 10 children x 1 grandchild
// query through the whole server, 16 concurrent clients. req/s =
// 1e9 / ns/op.
func BenchmarkTreeGraphQL(b *testing.B) {
	e := benchEnv(b)
	body := `{"query": ` + strconv.Quote(treeQuery) + `}`
	b.SetParallelism(parallelism())
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			// The answer is checked, not decoded: decoding 100 KB of JSON
			// would cost the client more than the server.
			req := httptest.NewRequest("POST", e.gqlPath, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+e.ownerKey)
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			if rec.Code != 200 || rec.Body.Len() < 50_000 || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
				b.Fatalf("%d %.300s", rec.Code, rec.Body)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkTreeREST is the baseline: the same data through the REST API,
// one request for the parents, then per parent one for its children and
// one for their grandchildren (201 requests per op). 16 concurrent
// clients; an op is the whole tree.
func BenchmarkTreeREST(b *testing.B) {
	e := benchEnv(b)
	base := "/api/docs/" + e.doc + "/tables/"
	get := func(path string) map[string]any {
		res := e.s.Do(b, "GET", path, e.ownerKey, nil)
		if res.Status != 200 {
			b.Fatalf("%s: %d %s", path, res.Status, res.Body)
		}
		return res.JSON.(map[string]any)
	}
	b.SetParallelism(parallelism())
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			parents := get(base + "Companies/records?limit=100")["records"].([]any)
			for _, p := range parents {
				id := p.(map[string]any)["id"]
				kids := get(base + "People/records?limit=10&filter=" + url.QueryEscape(fmt.Sprintf(`{"Company":[%v]}`, id)))["records"].([]any)
				var cities []string
				for _, k := range kids {
					cities = append(cities, fmt.Sprint(k.(map[string]any)["fields"].(map[string]any)["city"]))
				}
				get(base + "Cities/records?filter=" + url.QueryEscape(fmt.Sprintf(`{"id":[%s]}`, join(cities))))
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "trees/s")
}

func join(s []string) string { return strings.Join(s, ",") }

// BenchmarkTreeGraphQLIndexed is BenchmarkTreeGraphQL on the GraphQL API
// alone (no auth middleware) once the core's index advisor has indexed
// People.Company (the key of the nested reads, and of the Companies.staff
// reverse column that the core computes for every company it reads).
func BenchmarkTreeGraphQLIndexed(b *testing.B) {
	e := newCoreEnv(b, engines(b)["sqlite"](b), core.Options{IndexAdvice: core.IndexAdvice{Scans: 4, Reads: 4, MinRows: 500}})
	tree(b, e.docs, e.doc, 100, 10)
	for range 20 {
		e.post(b, treeQuery)
	}
	e.docs.Wait() // the advisor builds indexes in the background
	body := `{"query": ` + strconv.Quote(treeQuery) + `}`
	b.SetParallelism(parallelism())
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, httptest.NewRequest("POST", e.gqlPath, strings.NewReader(body)))
			if rec.Code != 200 || rec.Body.Len() < 50_000 {
				b.Fatalf("%d %.300s", rec.Code, rec.Body)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
