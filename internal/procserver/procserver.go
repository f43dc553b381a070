// Package procserver builds the real rowhouse binary once per test binary
// and starts it for process-level tests: on 127.0.0.1 with a temporary
// data folder and a known owner key, stopped (SIGTERM, then kill) when the
// test ends, with its log shown if the test failed. The client's, the
// examples' and the command's own tests use it.
//
// It is for tests only and must never be imported by production code.
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

// OwnerKey is the owner's API key of every server Start starts
// (ROWHOUSE_OWNER_API_KEY).
const OwnerKey = "rh_ProcServerOwnerKey1234567890abcdefghijk"

// Build builds ./cmd/rowhouse into a temporary folder, with the race
// detector when the tests run with it (so the server is checked too), and
// returns the binary's path and a function removing it.
func Build() (string, func(), error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", nil, fmt.Errorf("build rowhouse: the go command is not on PATH: %w", err)
	}
	dir, err := os.MkdirTemp("", "rowhouse-bin-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	out := filepath.Join(dir, "rowhouse")
	args := []string{"build", "-o", out}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command(goTool, append(args, "github.com/rowhouse/rowhouse/cmd/rowhouse")...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("build rowhouse: %w", err)
	}
	return out, cleanup, nil
}

// Main is the TestMain of a package whose tests run the real binary: it
// builds it (Build) into *binary, runs the tests, removes it and exits.
func Main(m *testing.M, binary *string) {
	bin, cleanup, err := Build()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*binary = bin
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// Server is a running `rowhouse serve`.
type Server struct {
	URL    string
	mu     sync.Mutex
	log    strings.Builder
	cmd    *exec.Cmd
	exited chan struct{}
}

var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

// Start runs `binary serve` with extra environment entries (the caller's
// ROWHOUSE_* variables are not passed on) until the test ends.
func Start(t *testing.T, binary string, extraEnv ...string) *Server {
	t.Helper()
	s := &Server{exited: make(chan struct{})}
	s.cmd = exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--log-format", "text")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ROWHOUSE_") {
			env = append(env, kv)
		}
	}
	s.cmd.Env = append(append(env, "ROWHOUSE_OWNER_API_KEY="+OwnerKey), extraEnv...)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			s.mu.Lock()
			s.log.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(15 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.Log())
		}
	})
	select {
	case a := <-addr:
		s.URL = "http://" + a
	case <-s.exited:
		t.Fatalf("rowhouse serve exited before listening; log:\n%s", s.Log())
	case <-time.After(60 * time.Second):
		t.Fatalf("rowhouse serve did not listen within 60s; log:\n%s", s.Log())
	}
	return s
}

// Log is what the server wrote on stderr so far.
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}
