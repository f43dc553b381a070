package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/client"
)

// flaky is a server that fails the first fails requests with status (and
// Retry-After, if set), then answers ok; it records each request.
type flaky struct {
	mu         sync.Mutex
	fails      int
	status     int
	retryAfter string
	ok         string
	reqs       []*http.Request
	bodies     []string
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, r)
	f.bodies = append(f.bodies, string(b))
	n := len(f.reqs)
	f.mu.Unlock()
	if n <= f.fails {
		if f.status == 0 { // a dropped connection
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
			return
		}
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		fmt.Fprintf(w, `{"error":"try later %d"}`, n)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, f.ok)
}

func (f *flaky) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

func fastRetries(n int) []client.Option {
	return []client.Option{client.WithRetries(n), client.WithBackoff(time.Millisecond, 5*time.Millisecond)}
}

func TestRetries(t *testing.T) {
	orgsOK := `[{"id":1,"name":"x","domain":"d","owner":null,"access":"owners","createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z"}]`
	cases := []struct {
		name      string
		srv       *flaky
		retries   int
		call      func(c *client.Client) error
		wantCalls int
		wantErr   string // "" for success
	}{
		{"GET retried after 503", &flaky{fails: 2, status: 503, ok: orgsOK}, 3,
			func(c *client.Client) error { _, err := c.Orgs(t.Context()); return err }, 3, ""},
		{"GET retried after a dropped connection", &flaky{fails: 1, ok: orgsOK}, 3,
			func(c *client.Client) error { _, err := c.Orgs(t.Context()); return err }, 2, ""},
		{"GET gives up after the retries", &flaky{fails: 10, status: 503, ok: orgsOK}, 2,
			func(c *client.Client) error { _, err := c.Orgs(t.Context()); return err }, 3, "503 try later 3"},
		{"no retry on 400", &flaky{fails: 1, status: 400, ok: orgsOK}, 3,
			func(c *client.Client) error { _, err := c.Orgs(t.Context()); return err }, 1, "400 try later 1"},
		{"no retry on 500", &flaky{fails: 1, status: 500, ok: orgsOK}, 3,
			func(c *client.Client) error { _, err := c.Orgs(t.Context()); return err }, 1, "500 try later 1"},
		{"retries disabled", &flaky{fails: 1, status: 503, ok: orgsOK}, 0,
			func(c *client.Client) error { _, err := c.Orgs(t.Context()); return err }, 1, "503"},
		{"POST without an Idempotency-Key is not retried", &flaky{fails: 1, status: 503, ok: `5`}, 3,
			func(c *client.Client) error { _, err := c.CreateWorkspace(t.Context(), "current", "w"); return err }, 1, "503"},
		{"POST without a key is not retried after a dropped connection", &flaky{fails: 1, ok: `5`}, 3,
			func(c *client.Client) error { _, err := c.CreateWorkspace(t.Context(), "current", "w"); return err }, 1, "EOF"},
		{"record writes carry a key and are retried", &flaky{fails: 2, status: 429, ok: `{"records":[{"id":1}]}`}, 3,
			func(c *client.Client) error {
				_, err := c.Doc("d").AddRecords(t.Context(), "T", []map[string]any{{"a": 1}})
				return err
			}, 3, ""},
		{"PATCH with a key is retried after a dropped connection", &flaky{fails: 1, ok: `null`}, 3,
			func(c *client.Client) error {
				return c.Doc("d").UpdateRecords(t.Context(), "T", []client.Record{{ID: 1, Fields: map[string]any{"a": 1}}})
			}, 2, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.srv)
			defer srv.Close()
			c := client.New(srv.URL, "k", fastRetries(tc.retries)...)
			err := tc.call(c)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("error %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
			if n := tc.srv.count(); n != tc.wantCalls {
				t.Fatalf("%d requests, want %d", n, tc.wantCalls)
			}
			// Every attempt is the same request: same body, same key.
			for i, r := range tc.srv.reqs {
				if r.Header.Get("Authorization") != "Bearer k" || r.Header.Get("User-Agent") != client.DefaultUserAgent {
					t.Fatalf("attempt %d headers %v", i, r.Header)
				}
				if r.Header.Get("Idempotency-Key") != tc.srv.reqs[0].Header.Get("Idempotency-Key") || tc.srv.bodies[i] != tc.srv.bodies[0] {
					t.Fatalf("attempt %d differs: key %q body %q, first key %q body %q", i, r.Header.Get("Idempotency-Key"), tc.srv.bodies[i],
						tc.srv.reqs[0].Header.Get("Idempotency-Key"), tc.srv.bodies[0])
				}
			}
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	f := &flaky{fails: 1, status: 429, retryAfter: "1", ok: `[]`}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := client.New(srv.URL, "k", fastRetries(3)...) // the backoff alone would wait milliseconds
	start := time.Now()
	if _, err := c.Orgs(t.Context()); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < time.Second {
		t.Fatalf("retried after %v, want the server's Retry-After of 1s", el)
	}
	if f.count() != 2 {
		t.Fatalf("%d requests, want 2", f.count())
	}
}

func TestRetryWaitStopsWithContext(t *testing.T) {
	f := &flaky{fails: 5, status: 503, retryAfter: "60", ok: `[]`}
	srv := httptest.NewServer(f)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := client.New(srv.URL, "k").Orgs(ctx)
	if client.StatusOf(err) != 503 || time.Since(start) > 5*time.Second {
		t.Fatalf("error %v after %v, want the 503 soon after the context ends", err, time.Since(start))
	}
}

func TestErrorShapes(t *testing.T) {
	cases := []struct {
		body, ctype string
		status      int
		want        client.Error
	}{
		{`{"error":"Invalid payload","details":{"userError":"bad"}}`, "application/json", 400,
			client.Error{Status: 400, Message: "Invalid payload", Details: map[string]any{"userError": "bad"}}},
		{`<html>oops</html>`, "text/html", 502, client.Error{Status: 502, Message: "Bad Gateway"}},
		{`upstream down`, "text/plain", 404, client.Error{Status: 404, Message: "Not Found: upstream down"}},
	}
	for _, tc := range cases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", tc.ctype)
			w.WriteHeader(tc.status)
			io.WriteString(w, tc.body)
		}))
		_, err := client.New(srv.URL, "", client.WithRetries(0)).Doc("abc").Tables(t.Context())
		srv.Close()
		var e *client.Error
		if !errors.As(err, &e) {
			t.Fatalf("%s: error %v", tc.body, err)
		}
		if e.Status != tc.want.Status || e.Message != tc.want.Message || fmt.Sprint(e.Details) != fmt.Sprint(tc.want.Details) ||
			e.Method != "GET" || e.Path != "/api/docs/abc/tables" {
			t.Fatalf("%s: got %+v, want %+v", tc.body, *e, tc.want)
		}
	}
}
