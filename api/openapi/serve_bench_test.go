package openapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rowhouse/rowhouse/internal/testserver"
)

// BenchmarkServe/openapi.json serves the description of a document of 50 tables
// of 20 columns through the whole server: after the first request, the
// cached body with the server URL and title put in.
func BenchmarkServe(b *testing.B) {
	// /tables, a plain metadata read of the same document, is the yardstick.
	for _, p := range []string{"/openapi.json", "/tables"} {
		b.Run(p, benchmarkServe)
	}
}

func benchmarkServe(b *testing.B) {
	s := testserver.New(b)
	_, key := s.UserWithKey("owner@example.com")
	ws := s.Do(b, "GET", "/api/orgs/current/workspaces", key, nil).JSON.([]any)[0].(map[string]any)["id"]
	doc := s.Do(b, "POST", fmt.Sprintf("/api/workspaces/%v/docs", ws), key, map[string]any{"name": "Big"}).JSON.(string)
	types := []string{"Text", "Choice", "Numeric", "Int", "Bool", "Date", "DateTime:UTC", "ChoiceList", "Ref:T0", "RefList:T0", "Attachments", "Any"}
	var tables []any
	for i := range 50 {
		var cols []any
		for j := range 20 {
			cols = append(cols, map[string]any{"id": fmt.Sprintf("c%d", j), "fields": map[string]any{"type": types[j%len(types)]}})
		}
		tables = append(tables, map[string]any{"id": fmt.Sprintf("T%d", i), "columns": cols})
	}
	if res := s.Do(b, "POST", "/api/docs/"+doc+"/tables", key, map[string]any{"tables": tables}); res.Status != http.StatusOK {
		b.Fatalf("tables: %d %s", res.Status, res.Body)
	}
	path := "/api/docs/" + doc + b.Name()[len("BenchmarkServe/"):]
	s.Do(b, "GET", path, key, nil) // the first request builds the description
	var size int
	for b.Loop() {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		rec := httptest.NewRecorder()
		s.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size), "bytes/doc")
}
