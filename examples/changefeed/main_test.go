package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/client"
	"github.com/rowhouse/rowhouse/internal/procserver"
)

var binary string

func TestMain(m *testing.M) { procserver.Main(m, &binary) }

// syncBuffer is a bytes.Buffer safe to read while Follow writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// follow runs the command until out holds a line containing want.
func follow(t *testing.T, args []string, want string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, out) }()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no %q in the feed within 20s; got %q", want, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil && err != context.Canceled {
		t.Fatal(err)
	}
	return out.String()
}

func TestFollowResumesFromState(t *testing.T) {
	url := procserver.Start(t, binary).URL
	ctx := t.Context()
	c := client.New(url, procserver.OwnerKey)
	ws, err := c.CreateWorkspace(ctx, "current", "Feed")
	if err != nil {
		t.Fatal(err)
	}
	docID, err := c.CreateDoc(ctx, ws, "Feed")
	if err != nil {
		t.Fatal(err)
	}
	d := c.Doc(docID)
	if _, err := d.CreateTables(ctx, client.NewTable{ID: "T", Columns: []client.NewColumn{{ID: "a"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.AddRecords(ctx, "T", []map[string]any{{"a": "first"}}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ROWHOUSE_API_KEY", procserver.OwnerKey)
	state := filepath.Join(t.TempDir(), "feed.seq")
	args := []string{"-url", url, "-doc", docID, "-state", state}

	out := follow(t, args, `"first"`)
	saved, err := loadSeq(state)
	if err != nil || saved == 0 {
		t.Fatalf("state after the first run: %d %v", saved, err)
	}
	var last client.Change
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || last.Seq != saved {
		t.Fatalf("last line %q (%v), saved seq %d", lines[len(lines)-1], err, saved)
	}

	// Stopped, then a change, then started again: only the new change.
	if _, err := d.AddRecords(ctx, "T", []map[string]any{{"a": "second"}}); err != nil {
		t.Fatal(err)
	}
	out = follow(t, args, `"second"`)
	if strings.Contains(out, `"first"`) {
		t.Fatalf("the resumed feed repeated a change:\n%s", out)
	}
	if n, _ := loadSeq(state); n <= saved {
		t.Fatalf("state %d after the second run, want above %d", n, saved)
	}
}
