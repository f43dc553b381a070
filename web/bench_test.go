package web_test

import (
	"fmt"
	"testing"

	ts "github.com/rowhouse/rowhouse/internal/testserver"
)

// BenchmarkPages measures rendering the pages for a signed-in user, through
// the whole handler (session lookup included): the record browser shows a
// page of 50 records of a 1,000-record table.
func BenchmarkPages(b *testing.B) {
	s := ts.New(b)
	ann, key := s.UserWithKey("ann@example.com")
	s.SetPassword(ann, password)
	br := s.SignIn(b, "ann@example.com", password)
	res := s.Send(b, ts.Request{Method: "POST", Path: "/api/orgs/current/workspaces", Key: key, Body: map[string]string{"name": "W"}})
	ws := string(res.Body[:len(res.Body)-1])
	res = s.Send(b, ts.Request{Method: "POST", Path: "/api/workspaces/" + ws + "/docs", Key: key, Body: map[string]string{"name": "D"}})
	doc := res.JSON.(string)
	s.Send(b, ts.Request{Method: "POST", Path: "/api/docs/" + doc + "/tables", Key: key, Body: map[string]any{"tables": []any{
		map[string]any{"id": "T", "columns": []any{map[string]any{"id": "a"}, map[string]any{"id": "n", "fields": map[string]any{"type": "Int"}}}}}}})
	var recs []any
	for i := range 1000 {
		recs = append(recs, map[string]any{"fields": map[string]any{"a": fmt.Sprint("row ", i), "n": i}})
	}
	s.Send(b, ts.Request{Method: "POST", Path: "/api/docs/" + doc + "/tables/T/records", Key: key, Body: map[string]any{"records": recs}})
	for _, pg := range []struct{ name, path string }{{"home", "/"}, {"account", "/account"}, {"doc", "/doc/" + doc}, {"docapi", "/doc/" + doc + "/api"}} {
		p := pg.path
		b.Run(pg.name, func(b *testing.B) {
			for b.Loop() {
				if res := s.Send(b, get(br, p)); res.Status != 200 {
					b.Fatalf("%s: %d", p, res.Status)
				}
			}
		})
	}
	b.Run("API with cookie", func(b *testing.B) {
		for b.Loop() {
			if res := s.Send(b, get(br, "/api/docs/"+doc)); res.Status != 200 {
				b.Fatal(res.Status)
			}
		}
	})
	b.Run("API with key", func(b *testing.B) {
		for b.Loop() {
			if res := s.Send(b, ts.Request{Method: "GET", Path: "/api/docs/" + doc, Key: key}); res.Status != 200 {
				b.Fatal(res.Status)
			}
		}
	})
}
