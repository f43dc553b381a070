package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/client"
)

func TestHandler(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := `[{"id":1,"name":"Ann"},{"id":2,"name":"Bob"}]`
	cases := []struct {
		name, method, sig, body string
		want                    int
		handled                 int
	}{
		{"signed", "POST", client.Sign("s", now, []byte(body)), body, http.StatusNoContent, 2},
		{"wrong secret", "POST", client.Sign("other", now, []byte(body)), body, http.StatusUnauthorized, 0},
		{"replayed later", "POST", client.Sign("s", now.Add(-time.Hour), []byte(body)), body, http.StatusUnauthorized, 0},
		{"unsigned", "POST", "", body, http.StatusUnauthorized, 0},
		{"tampered body", "POST", client.Sign("s", now, []byte(body)), strings.Replace(body, "Bob", "Eve", 1), http.StatusUnauthorized, 0},
		{"not JSON records", "POST", client.Sign("s", now, []byte(`{}`)), `{}`, http.StatusBadRequest, 0},
		{"GET", "GET", "", "", http.StatusMethodNotAllowed, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			handled := 0
			h := Handler("s", time.Minute, func() time.Time { return now }, func(event string, recs []map[string]any) {
				if event != "add" {
					t.Errorf("event %q", event)
				}
				handled += len(recs)
			})
			req := httptest.NewRequest(tc.method, "/hook", strings.NewReader(tc.body))
			req.Header.Set("X-Rowhouse-Signature", tc.sig)
			req.Header.Set("X-Rowhouse-Event", "add")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tc.want || handled != tc.handled {
				t.Fatalf("status %d, handled %d; want %d, %d (body %s)", w.Code, handled, tc.want, tc.handled, w.Body)
			}
		})
	}
}
