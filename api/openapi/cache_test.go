package openapi_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/api/openapi"
	"github.com/rowhouse/rowhouse/internal/testserver"
)

// A document's description is generated once per schema version: asking
// again reuses it; a schema change (column added, renamed, retyped, its
// choices changed; table added) is seen on the next request. What is not
// in the schema (the server URL, the document's name) does not rebuild it.
func TestCachePerSchemaVersion(t *testing.T) {
	f := newFixture(t)
	a := openapi.New(openapi.Deps{Home: f.s.Home, Docs: f.s.Docs, Log: slog.New(slog.DiscardHandler)})
	mux := http.NewServeMux()
	a.Routes(mux)
	owner := f.s.User("owner@example.com")
	get := func(t *testing.T, host string) ([]byte, *openapi3.T) {
		t.Helper()
		req := httptest.NewRequest("GET", "http://"+host+f.docPath("/openapi.json"), nil)
		req = req.WithContext(api.WithActor(context.Background(), rowhouse.Actor{User: owner}))
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET openapi.json: %d %s", rec.Code, rec.Body)
		}
		return rec.Body.Bytes(), loadSpec(t, rec.Body.Bytes())
	}
	fieldsOf := func(spec *openapi3.T, component string) openapi3.Schemas {
		s := spec.Components.Schemas[component]
		if s == nil {
			t.Fatalf("no component %s", component)
		}
		return s.Value.Properties
	}

	first, spec := get(t, "example.com")
	if a.Builds() != 1 {
		t.Fatalf("builds %d after the first request, want 1", a.Builds())
	}
	again, _ := get(t, "example.com")
	if a.Builds() != 1 || !bytes.Equal(first, again) {
		t.Fatalf("a second request rebuilt the description (builds %d) or changed it", a.Builds())
	}
	_, other := get(t, "rowhouse.test:8484")
	if a.Builds() != 1 || other.Servers[0].URL != "http://rowhouse.test:8484" {
		t.Fatalf("another host: builds %d, servers %v", a.Builds(), other.Servers)
	}
	f.must(t, "PATCH", f.docPath(""), map[string]any{"name": "CRM 2"})
	if _, renamed := get(t, "example.com"); a.Builds() != 1 || renamed.Info.Title != "Rowhouse document CRM 2" {
		t.Fatalf("a renamed document: builds %d, title %q", a.Builds(), renamed.Info.Title)
	}
	if _, ok := fieldsOf(spec, "ScratchFields")["fresh"]; ok {
		t.Fatal("the column exists before it is added")
	}

	for i, tc := range []struct {
		name   string
		method string
		path   string
		body   any
		check  func(t *testing.T, spec *openapi3.T)
	}{
		{"column added", "POST", "/tables/Scratch/columns", map[string]any{"columns": []any{map[string]any{"id": "fresh", "fields": map[string]any{"type": "Int"}}}},
			func(t *testing.T, spec *openapi3.T) {
				if s := fieldsOf(spec, "ScratchFields")["fresh"]; s == nil || !s.Value.Type.Includes("integer") {
					t.Errorf("ScratchFields.fresh: %v", s)
				}
				if fieldsOf(spec, "ScratchRecordFields")["fresh"] == nil {
					t.Errorf("ScratchRecordFields lacks fresh")
				}
			}},
		{"column renamed", "PATCH", "/tables/Scratch/columns", map[string]any{"columns": []any{map[string]any{"id": "fresh", "fields": map[string]any{"colId": "renamed"}}}},
			func(t *testing.T, spec *openapi3.T) {
				fields := fieldsOf(spec, "ScratchFields")
				if fields["fresh"] != nil || fields["renamed"] == nil {
					t.Errorf("ScratchFields after a rename: %v", fields)
				}
			}},
		{"column retyped", "PATCH", "/tables/Scratch/columns", map[string]any{"columns": []any{map[string]any{"id": "renamed", "fields": map[string]any{"type": "Bool"}}}},
			func(t *testing.T, spec *openapi3.T) {
				if s := fieldsOf(spec, "ScratchFields")["renamed"]; s == nil || !s.Value.Type.Includes("boolean") {
					t.Errorf("ScratchFields.renamed after a type change: %v", s)
				}
			}},
		{"choices changed", "PATCH", "/tables/Companies/columns", map[string]any{"columns": []any{map[string]any{"id": "country", "fields": map[string]any{"widgetOptions": map[string]any{"choices": []any{"FR", "US", "DE"}}}}}},
			func(t *testing.T, spec *openapi3.T) {
				if s := fieldsOf(spec, "CompaniesFields")["country"]; s == nil || len(s.Value.Enum) != 5 || s.Value.Enum[2] != "DE" {
					t.Errorf("CompaniesFields.country enum after new choices: %v", s.Value.Enum)
				}
			}},
		{"table added", "POST", "/tables", map[string]any{"tables": []any{map[string]any{"id": "Later"}}},
			func(t *testing.T, spec *openapi3.T) {
				if spec.Components.Schemas["LaterRecordList"] == nil || spec.Paths.Find(f.docPath("/tables/Later/records")) == nil {
					t.Errorf("the new table is not described")
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.must(t, tc.method, f.docPath(tc.path), tc.body)
			_, spec := get(t, "example.com")
			if a.Builds() != i+2 {
				t.Errorf("builds %d after the change, want %d", a.Builds(), i+2)
			}
			tc.check(t, spec)
			get(t, "example.com")
			if a.Builds() != i+2 {
				t.Errorf("builds %d after a repeated request, want %d", a.Builds(), i+2)
			}
			// The server's own instance sees the change too.
			tc.check(t, f.load(t, f.docPath("/openapi.json"), f.viewer))
		})
	}
}

// The cache is bounded in bytes: a description that does not fit evicts
// others, and one larger than the whole cache is served but not kept.
func TestCacheBound(t *testing.T) {
	f := newFixture(t)
	other := idOf(t, f.must(t, "POST", "/api/workspaces/"+itoa(f.wsID)+"/docs", map[string]any{"name": "Other"}))
	a := openapi.New(openapi.Deps{Home: f.s.Home, Docs: f.s.Docs, Log: slog.New(slog.DiscardHandler)})
	mux := http.NewServeMux()
	a.Routes(mux)
	owner := f.s.User("owner@example.com")
	size := map[string]int{}
	get := func(doc string) {
		t.Helper()
		req := httptest.NewRequest("GET", "/api/docs/"+doc+"/openapi.json", nil)
		req = req.WithContext(api.WithActor(context.Background(), rowhouse.Actor{User: owner}))
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET: %d %s", rec.Code, rec.Body)
		}
		size[doc] = rec.Body.Len()
	}
	get(f.docID)
	get(other)
	get(f.docID)
	get(other)
	if a.Builds() != 2 {
		t.Fatalf("builds %d with room for both, want 2", a.Builds())
	}
	// Room for the larger description only: each evicts the other.
	if size[f.docID]+size[other] <= max(size[f.docID], size[other])+100 {
		t.Fatalf("descriptions of %d and %d bytes: too small for this test", size[f.docID], size[other])
	}
	a2 := openapi.New(openapi.Deps{Home: f.s.Home, Docs: f.s.Docs, Log: slog.New(slog.DiscardHandler)})
	a2.SetCacheLimit(max(size[f.docID], size[other]) + 100)
	mux = http.NewServeMux()
	a2.Routes(mux)
	for _, doc := range []string{f.docID, other, f.docID, other} {
		get(doc)
	}
	if a2.Builds() != 4 {
		t.Errorf("builds %d when only one fits, want 4", a2.Builds())
	}
	get(other)
	if a2.Builds() != 4 {
		t.Errorf("builds %d: the last description was not kept", a2.Builds())
	}
	// Smaller than any description: nothing is kept, everything is served.
	a3 := openapi.New(openapi.Deps{Home: f.s.Home, Docs: f.s.Docs, Log: slog.New(slog.DiscardHandler)})
	a3.SetCacheLimit(10)
	mux = http.NewServeMux()
	a3.Routes(mux)
	get(f.docID)
	get(f.docID)
	if a3.Builds() != 2 {
		t.Errorf("builds %d with no room, want 2", a3.Builds())
	}
}

// Answers carry an ETag that changes with everything in them (the schema,
// the server URL, the document's name); a client that sends it back in
// If-None-Match gets 304 Not Modified and no body.
func TestETag(t *testing.T) {
	f := newFixture(t)
	get := func(t *testing.T, path, host, inm string) *testserver.Response {
		t.Helper()
		headers := map[string]string{"If-None-Match": inm}
		if host != "" {
			headers["Host"] = host
		}
		req := testserver.Request{Method: "GET", Path: path, Key: f.viewer, Headers: headers}
		if host != "" {
			req.Path = "http://" + host + path
		}
		return f.s.Send(t, req)
	}
	for _, path := range []string{"/api/openapi.json", f.docPath("/openapi.json")} {
		first := get(t, path, "", "")
		etag := first.Header.Get("ETag")
		if first.Status != http.StatusOK || len(etag) < 10 || etag[0] != '"' {
			t.Fatalf("%s: %d, ETag %q", path, first.Status, etag)
		}
		for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag} {
			res := get(t, path, "", inm)
			if res.Status != http.StatusNotModified || len(res.Body) != 0 || res.Header.Get("ETag") != etag {
				t.Errorf("%s If-None-Match %s: %d, %d bytes, ETag %q", path, inm, res.Status, len(res.Body), res.Header.Get("ETag"))
			}
		}
		if res := get(t, path, "", `"other"`); res.Status != http.StatusOK || !bytes.Equal(res.Body, first.Body) {
			t.Errorf("%s with another ETag: %d", path, res.Status)
		}
		if res := get(t, path, "rowhouse.test", etag); res.Status != http.StatusOK || res.Header.Get("ETag") == etag {
			t.Errorf("%s from another host: %d, the same ETag", path, res.Status)
		}
	}
	doc := f.docPath("/openapi.json")
	etag := get(t, doc, "", "").Header.Get("ETag")
	f.must(t, "POST", f.docPath("/tables/Scratch/columns"), map[string]any{"columns": []any{map[string]any{"id": "fresh"}}})
	res := get(t, doc, "", etag)
	if res.Status != http.StatusOK || res.Header.Get("ETag") == etag {
		t.Fatalf("after a schema change: %d, the same ETag", res.Status)
	}
	etag = res.Header.Get("ETag")
	f.must(t, "PATCH", f.docPath(""), map[string]any{"name": "Renamed"})
	if res := get(t, doc, "", etag); res.Status != http.StatusOK || res.Header.Get("ETag") == etag {
		t.Fatalf("after a rename: %d, the same ETag", res.Status)
	}
}
