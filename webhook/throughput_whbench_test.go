//go:build whbench

package webhook_test

// Measurements, not run by the normal suite:
//
//	go test -tags whbench -run TestWebhookThroughput -v -timeout 30m ./webhook/

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/webhook"
)

// TestWebhookThroughput adds 100,000 records through the REST API in
// commits of 100 and measures, at a local receiver, deliveries per second
// and the lag from each commit's answer to the record's arrival. Then it
// measures draining a backlog: 100,000 records committed while no
// dispatcher runs.
func TestWebhookThroughput(t *testing.T) {
	const total, perCommit = 100_000, 100
	for _, mode := range []string{"live", "backlog"} {
		t.Run(mode, func(t *testing.T) {
			w := newWorld(t)
			var mu sync.Mutex
			arrived := make(map[int]time.Time, total)
			deliveries := 0
			var first, last time.Time
			rc := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				var recs []struct {
					ID int `json:"id"`
				}
				if err := json.Unmarshal(body, &recs); err != nil {
					rw.WriteHeader(400)
					return
				}
				now := time.Now()
				mu.Lock()
				for _, x := range recs {
					if _, ok := arrived[x.ID]; !ok {
						arrived[x.ID] = now
					}
				}
				deliveries++
				if first.IsZero() {
					first = now
				}
				last = now
				mu.Unlock()
			}))
			defer rc.Close()
			w.addWebhook(t, map[string]any{"url": rc.URL, "eventTypes": []string{"add"}})
			d := w.s.Dispatcher(webhook.Options{PollInterval: time.Second})
			if mode == "live" {
				d.Start()
			}
			committed := make([]time.Time, total/perCommit)
			t0 := time.Now()
			for c := range total / perCommit {
				w.addItems(t, "r", perCommit)
				committed[c] = time.Now()
			}
			commitDur := time.Since(t0)
			startDrain := time.Now()
			if mode == "backlog" {
				d.Start()
			}
			deadline := time.Now().Add(20 * time.Minute)
			for {
				mu.Lock()
				n := len(arrived)
				mu.Unlock()
				if n == total {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("only %d of %d records arrived", n, total)
				}
				time.Sleep(5 * time.Millisecond)
			}
			mu.Lock()
			defer mu.Unlock()
			span := last.Sub(first)
			if mode == "backlog" {
				span = last.Sub(startDrain)
			}
			t.Logf("%s: %d records committed in %v (%.0f records/s)", mode, total, commitDur.Round(time.Millisecond), float64(total)/commitDur.Seconds())
			t.Logf("%s: %d deliveries in %v: %.0f deliveries/s, %.0f records/s", mode, deliveries, span.Round(time.Millisecond),
				float64(deliveries)/span.Seconds(), float64(total)/span.Seconds())
			if mode == "live" {
				lags := make([]time.Duration, 0, total)
				for id, at := range arrived {
					lags = append(lags, at.Sub(committed[(id-1)/perCommit]))
				}
				sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
				p := func(q float64) time.Duration { return lags[int(q*float64(len(lags)-1))].Round(10 * time.Microsecond) }
				t.Logf("live: commit-to-delivery lag p50 %v, p99 %v, max %v", p(0.50), p(0.99), p(1))
			}
		})
	}
}
