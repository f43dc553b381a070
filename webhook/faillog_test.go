package webhook_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/webhook"
)

// lockedBuffer is a log destination safe for the dispatcher's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines returns the JSON log lines whose msg is msg.
func (l *lockedBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(l.b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// TestFailuresAreLogged: a failing webhook's attempts are logged at WARN,
// at most one line a minute per webhook with the count of those left out,
// and its disabling at ERROR; a success makes the next failure news again.
func TestFailuresAreLogged(t *testing.T) {
	w := newWorld(t)
	rc, heal := downReceiver(t, http.StatusServiceUnavailable)
	hookID, _ := w.addWebhook(t, map[string]any{"url": rc.URL + "/hook?token=s3cret"})
	var logs lockedBuffer
	d := w.s.Dispatcher(webhook.Options{Jitter: noJitter, MaxAttempts: 1000, DisableAfter: 30 * time.Minute,
		Log: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	w.addItems(t, "a", 1)
	step(t, d)    // attempt 1: logged
	for range 5 { // attempts 2-6, 1 s to 16 s later: within the minute
		w.s.Clock.Advance(20 * time.Second)
		step(t, d)
	}
	failed := logs.lines(t, "webhooks: delivery failed")
	if len(failed) != 2 {
		t.Fatalf("%d failure lines for 6 failures within 100 s, want 2 (one a minute): %v", len(failed), failed)
	}
	first, second := failed[0], failed[1]
	if first["level"] != "WARN" || first["webhook"] != hookID || first["attempt"] != float64(1) ||
		first["http_status"] != float64(503) || first["error"] != "HTTP 503" || first["suppressed"] != nil {
		t.Errorf("first failure line %v", first)
	}
	if second["suppressed"] != float64(2) || second["attempt"] != float64(4) {
		t.Errorf("second failure line %v, want attempt 4 with 2 suppressed", second)
	}
	if u, _ := first["url"].(string); strings.Contains(u, "s3cret") || !strings.HasSuffix(u, "/hook") {
		t.Errorf("logged url %q: want it without its query", u)
	}

	// Once it works again, the next failure is logged at once.
	heal()
	w.s.Clock.Advance(time.Minute)
	step(t, d)
	if len(rc.requests()) != 7 {
		t.Fatalf("%d requests, want the 7th to succeed", len(rc.requests()))
	}

	// Down again, for longer than DisableAfter: disabled, at ERROR.
	rc2, _ := downReceiver(t, http.StatusBadGateway)
	w.do(t, "PATCH", "/api/docs/"+w.doc+"/webhooks/"+hookID, map[string]any{"url": rc2.URL})
	w.addItems(t, "b", 1)
	step(t, d)
	if n := len(logs.lines(t, "webhooks: delivery failed")); n != 3 {
		t.Errorf("%d failure lines after a success and a new failure, want 3", n)
	}
	for range 40 {
		w.s.Clock.Advance(time.Minute)
		step(t, d)
	}
	disabled := logs.lines(t, "webhooks: disabling")
	if len(disabled) != 1 || disabled[0]["level"] != "ERROR" || disabled[0]["webhook"] != hookID ||
		!strings.Contains(disabled[0]["reason"].(string), "HTTP 502") {
		t.Fatalf("disabling lines %v", disabled)
	}
	// Retries back off (1 s doubling): over 30 minutes a dozen or so
	// attempts, most more than a minute apart, so most logged.
	if n := len(logs.lines(t, "webhooks: delivery failed")); n < 8 || n > 20 {
		t.Errorf("%d failure lines for 30 minutes of backed-off failures", n)
	}
}
