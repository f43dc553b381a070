//go:build whbench

package main

// Measurement, not run by the normal suite:
//
//	go test -tags whbench -run TestChangeFeedSubscribers -v -timeout 10m ./cmd/rowhouse/

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// rss returns a process's resident set size in KiB.
func rss(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestChangeFeedSubscribers opens 5,000 idle /changes streams on the real
// server and reports the server's memory per subscriber and how long a
// commit takes to reach all of them.
func TestChangeFeedSubscribers(t *testing.T) {
	const subs = 5000
	p := startServer(t, t.TempDir(), "ROWHOUSE_OWNER_API_KEY="+ownerKey)
	owner := p.client(ownerKey)
	var wss []struct{ ID int64 }
	owner.want(200, "GET", "/api/orgs/current/workspaces", nil).JSON(t, &wss)
	var doc string
	owner.want(200, "POST", fmt.Sprintf("/api/workspaces/%d/docs", wss[0].ID), map[string]any{"name": "Feed"}).JSON(t, &doc)
	owner.want(200, "POST", "/api/docs/"+doc+"/tables", map[string]any{"tables": []any{map[string]any{"id": "Items",
		"columns": []any{map[string]any{"id": "name", "fields": map[string]any{"label": "name"}}}}}})
	// Warm up the server's pools before the baseline.
	owner.want(200, "GET", "/api/docs/"+doc+"/tables/Items/records", nil)
	time.Sleep(time.Second)
	pid := p.cmd.Process.Pid
	base := rss(t, pid)

	addr := strings.TrimPrefix(p.URL, "http://")
	type got struct {
		sub int
		id  int64
		at  time.Time
	}
	events := make(chan got, subs*8)
	ready := make(chan struct{}, subs)
	var conns []net.Conn
	var mu sync.Mutex
	for i := range subs {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("subscriber %d: %v", i, err)
		}
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
		fmt.Fprintf(c, "GET /api/docs/%s/changes HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n\r\n", doc, addr, ownerKey)
		go func(i int, c net.Conn) {
			br := bufio.NewReaderSize(c, 1024)
			signalled := false
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					return
				}
				if strings.HasPrefix(line, "retry:") && !signalled {
					signalled = true
					ready <- struct{}{}
				}
				if strings.HasPrefix(line, "id: ") {
					id, _ := strconv.ParseInt(strings.TrimSpace(line[4:]), 10, 64)
					events <- got{i, id, time.Now()}
				}
			}
		}(i, c)
	}
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	timeout := time.After(2 * time.Minute)
	for range subs {
		select {
		case <-ready:
		case <-timeout:
			t.Fatal("subscribers did not all connect")
		}
	}
	time.Sleep(2 * time.Second)
	after := rss(t, pid)
	t.Logf("server RSS: %d KiB before, %d KiB with %d idle subscribers: %.1f KiB per subscriber",
		base, after, subs, float64(after-base)/subs)

	for round := range 5 {
		t0 := time.Now()
		owner.want(200, "POST", "/api/docs/"+doc+"/tables/Items/records", map[string]any{"records": []any{
			map[string]any{"fields": map[string]any{"name": fmt.Sprint("r", round)}}}})
		answered := time.Since(t0)
		lags := make([]time.Duration, 0, subs)
		for len(lags) < subs {
			select {
			case g := <-events:
				lags = append(lags, g.at.Sub(t0))
			case <-time.After(30 * time.Second):
				t.Fatalf("round %d: only %d of %d subscribers got the event", round, len(lags), subs)
			}
		}
		sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
		t.Logf("round %d: write answered in %v; event reached all %d subscribers: p50 %v, p99 %v, last %v (from the write's start)",
			round, answered.Round(time.Microsecond), subs, lags[subs/2].Round(time.Microsecond), lags[subs*99/100].Round(time.Microsecond), lags[subs-1].Round(time.Microsecond))
		time.Sleep(500 * time.Millisecond)
	}
}
