// Package procserver starts the real rowhouse binary for the examples'
// tests: built once per test binary (Build, from TestMain), started on
// 127.0.0.1 with a temporary data folder and a known owner key (Start).
package procserver

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// OwnerKey is the owner's API key of every server Start starts.
const OwnerKey = "rh_ExamplesOwnerKey1234567890abcdefghijkmn"

// Build builds ./cmd/rowhouse into a temporary folder and returns the
// binary's path and a function removing it.
func Build() (string, func(), error) {
	dir, err := os.MkdirTemp("", "rowhouse-examples-bin-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	out := filepath.Join(dir, "rowhouse")
	cmd := exec.Command("go", "build", "-o", out, "github.com/rowhouse/rowhouse/cmd/rowhouse")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("build rowhouse: %w", err)
	}
	return out, cleanup, nil
}

var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

// Start runs `binary serve` until the test ends and returns its base URL.
func Start(t *testing.T, binary string) string {
	t.Helper()
	cmd := exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--log-format", "text")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ROWHOUSE_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "ROWHOUSE_OWNER_API_KEY="+OwnerKey)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var log strings.Builder
	addr := make(chan string, 1)
	exited := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			log.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		_ = cmd.Wait()
		close(exited)
	}()
	logText := func() string { mu.Lock(); defer mu.Unlock(); return log.String() }
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logText())
		}
	})
	select {
	case a := <-addr:
		return "http://" + a
	case <-exited:
		t.Fatalf("rowhouse serve exited before listening:\n%s", logText())
	case <-time.After(60 * time.Second):
		t.Fatalf("rowhouse serve did not listen within 60s:\n%s", logText())
	}
	return ""
}
