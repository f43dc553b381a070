package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/internal/testserver"
	"github.com/rowhouse/rowhouse/metrics"
	"github.com/rowhouse/rowhouse/server"
)

// logBuffer collects JSON log lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// take returns the request lines logged since the last call.
func (l *logBuffer) take(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(l.b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["msg"] == "request" {
			out = append(out, m)
		}
	}
	l.b.Reset()
	return out
}

// TestRequestLog: each request's line carries a request id (answered in
// X-Request-Id, taken from the request when it is sane), who asked by user
// and key id (never the key), and for errors the message the client saw.
func TestRequestLog(t *testing.T) {
	s := testserver.New(t)
	var logs logBuffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	s.Handler = server.New(s.Config, server.Deps{Engine: s.Engine, Home: s.Home, Keys: s.Keys, Docs: s.Docs,
		Metrics: metrics.New(), Log: log, Now: s.Clock.Now, Sessions: s.Sessions, Bus: s.Bus, WebhookGuard: s.Guard})
	owner := s.User("owner@example.com")
	key := s.Key(owner, auth.NewKey{Name: "logged"})
	keys, err := s.Keys.List(context.Background(), rowhouse.Actor{User: owner})
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys %v %v", keys, err)
	}
	keyID := float64(keys[0].ID)
	generated := regexp.MustCompile(`^[0-9a-f]{20}$`)

	cases := []struct {
		name      string
		path, key string
		headers   map[string]string
		status    int
		reqID     string // the id expected; "" for a generated one
		user, kid float64
		err       string // the logged error; "" for none
	}{
		{name: "with a key", path: "/api/orgs", key: key, status: 200, user: float64(owner.ID), kid: keyID},
		{name: "anonymous", path: "/api/orgs", status: 200},
		{name: "incoming id kept", path: "/api/orgs", key: key, headers: map[string]string{"X-Request-Id": "edge-7f3a:42"},
			status: 200, reqID: "edge-7f3a:42", user: float64(owner.ID), kid: keyID},
		{name: "insane id replaced", path: "/api/orgs", headers: map[string]string{"X-Request-Id": `x" level=ERROR msg=forged`}, status: 200},
		{name: "too long id replaced", path: "/api/orgs", headers: map[string]string{"X-Request-Id": strings.Repeat("a", 129)}, status: 200},
		{name: "not found", path: "/api/docs/AAAAAAAAAAAAAAAAAAAAAA", key: key, status: 404,
			user: float64(owner.ID), kid: keyID, err: "document not found"},
		{name: "bad key", path: "/api/orgs", key: "rh_not_a_key", status: 401, err: "Bad request: invalid API key"},
		{name: "unknown route", path: "/api/nope", key: key, status: 404, user: float64(owner.ID), kid: keyID, err: "not found: /api/nope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := s.Send(t, testserver.Request{Method: "GET", Path: tc.path, Key: tc.key, Headers: tc.headers})
			if res.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", res.Status, tc.status, res.Body)
			}
			lines := logs.take(t)
			if len(lines) != 1 {
				t.Fatalf("%d request lines, want 1: %v", len(lines), lines)
			}
			l := lines[0]
			id, _ := l["request_id"].(string)
			if tc.reqID != "" && id != tc.reqID || tc.reqID == "" && !generated.MatchString(id) {
				t.Errorf("request_id %q, want %q", id, tc.reqID)
			}
			if got := res.Header.Get("X-Request-Id"); got != id {
				t.Errorf("X-Request-Id %q, the log says %q", got, id)
			}
			if u, _ := l["user"].(float64); u != tc.user {
				t.Errorf("user %v, want %v", l["user"], tc.user)
			}
			if k, _ := l["key"].(float64); k != tc.kid {
				t.Errorf("key %v, want %v", l["key"], tc.kid)
			}
			if e, _ := l["error"].(string); e != tc.err {
				t.Errorf("error %q, want %q", e, tc.err)
			}
			if l["status"] != float64(tc.status) || l["method"] != "GET" || l["path"] != tc.path {
				t.Errorf("line %v", l)
			}
			raw, _ := json.Marshal(l)
			if strings.Contains(string(raw), key) || strings.Contains(string(raw), "rh_not_a_key") {
				t.Errorf("the log line shows a key: %s", raw)
			}
		})
	}
}
