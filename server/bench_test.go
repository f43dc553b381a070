package server_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rowhouse/rowhouse/internal/testserver"
)

// benchRows is the size of the table the read benchmarks query.
const benchRows = 20_000

// benchDoc makes a server with one document holding a table of benchRows
// records shaped like the load tool's (a Choice column to filter on, an
// Int to sort by), and returns the server, an owner key and the records
// URL.
func benchDoc(b *testing.B) (*testserver.Server, string, string) {
	b.Helper()
	s := testserver.New(b)
	_, key := s.UserWithKey("bench@example.com")
	ws := s.Do(b, "POST", "/api/orgs/current/workspaces", key, map[string]any{"name": "Bench"})
	if ws.Status != 200 {
		b.Fatalf("create workspace: %d %s", ws.Status, ws.Body)
	}
	doc := s.Do(b, "POST", "/api/workspaces/"+strings.TrimSpace(string(ws.Body))+"/docs", key, map[string]any{"name": "Bench"})
	if doc.Status != 200 {
		b.Fatalf("create doc: %d %s", doc.Status, doc.Body)
	}
	docID := strings.Trim(strings.TrimSpace(string(doc.Body)), `"`)
	tables := `{"tables":[{"id":"Bench","columns":[{"id":"c_text","fields":{"type":"Text"}},{"id":"c_int","fields":{"type":"Int"}},{"id":"c_choice","fields":{"type":"Choice"}}]}]}`
	if r := s.Do(b, "POST", "/api/docs/"+docID+"/tables", key, tables); r.Status != 200 {
		b.Fatalf("create table: %d %s", r.Status, r.Body)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	recs := "/api/docs/" + docID + "/tables/Bench/records"
	for n := 0; n < benchRows; n += 1000 {
		var sb strings.Builder
		sb.WriteString(`{"records":[`)
		for i := range 1000 {
			if i > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `{"fields":{"c_text":"row %d","c_int":%d,"c_choice":"%c"}}`, n+i, rng.IntN(1_000_000), 'a'+rng.IntN(20))
		}
		sb.WriteString(`]}`)
		if r := s.Do(b, "POST", recs, key, sb.String()); r.Status != 200 {
			b.Fatalf("add records: %d %s", r.Status, r.Body)
		}
	}
	return s, key, recs
}

// benchGet runs GET requests made by next through the whole handler, in
// parallel, failing on any answer but 200.
func benchGet(b *testing.B, s *testserver.Server, key string, next func(rng *rand.Rand) string) {
	var failed atomic.Int64
	var seed atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(seed.Add(1), 7))
		for pb.Next() {
			req := httptest.NewRequest("GET", next(rng), nil)
			req.Header.Set("Authorization", "Bearer "+key)
			rec := httptest.NewRecorder()
			s.Handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				failed.Add(1)
			}
		}
	})
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d requests failed", n)
	}
}

// BenchmarkGetOne measures the server's cost of reading one record by id,
// as the load tool's get-one scenario does, without the network.
func BenchmarkGetOne(b *testing.B) {
	s, key, recs := benchDoc(b)
	benchGet(b, s, key, func(rng *rand.Rand) string {
		return recs + "?filter=" + url.QueryEscape(fmt.Sprintf(`{"id":[%d]}`, 1+rng.IntN(benchRows)))
	})
}

// BenchmarkPage measures the server's cost of the load tool's page
// scenario: a filtered, sorted page of 100, without the network.
func BenchmarkPage(b *testing.B) {
	s, key, recs := benchDoc(b)
	u := recs + "?filter=" + url.QueryEscape(`{"c_choice":["b"]}`) + "&sort=-c_int&limit=100"
	benchGet(b, s, key, func(*rand.Rand) string { return u })
}

// BenchmarkAddRecords measures the server's cost of the load tool's
// bulk-add: batches of 1000 records of ten typed columns, one at a time.
func BenchmarkAddRecords(b *testing.B) {
	s, key, recs := benchDoc(b)
	rng := rand.New(rand.NewPCG(3, 4))
	var sb strings.Builder
	sb.WriteString(`{"records":[`)
	for i := range 1000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"fields":{"c_text":"row %d alpha bravo","c_int":%d,"c_choice":"%c"}}`, i, rng.IntN(1_000_000), 'a'+rng.IntN(20))
	}
	sb.WriteString(`]}`)
	body := sb.String()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		req := httptest.NewRequest("POST", recs, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		rec := httptest.NewRecorder()
		s.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("add: %d %s", rec.Code, rec.Body)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkPatch measures the server's cost of the load tool's patch: a
// PATCH of two columns of 100 random records, one at a time (writes to one
// document run one after another), without the network.
func BenchmarkPatch(b *testing.B) {
	s, key, recs := benchDoc(b)
	rng := rand.New(rand.NewPCG(5, 6))
	ids := make([]int, benchRows)
	for i := range ids {
		ids[i] = i + 1
	}
	var sb strings.Builder
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		sb.Reset()
		sb.WriteString(`{"records":[`)
		for i := range 100 { // 100 distinct ids: the front of a partial shuffle
			j := i + rng.IntN(len(ids)-i)
			ids[i], ids[j] = ids[j], ids[i]
			if i > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `{"id":%d,"fields":{"c_int":%d,"c_text":"note %d"}}`, ids[i], rng.IntN(1_000_000), rng.IntN(1_000_000))
		}
		sb.WriteString(`]}`)
		req := httptest.NewRequest("PATCH", recs, strings.NewReader(sb.String()))
		req.Header.Set("Authorization", "Bearer "+key)
		rec := httptest.NewRecorder()
		s.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("patch: %d %s", rec.Code, rec.Body)
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "records/s")
}
