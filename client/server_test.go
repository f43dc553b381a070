package client_test

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

// binary is the rowhouse server built once by TestMain for these tests.
var binary string

// ownerKey is the owner's API key of every test server
// (ROWHOUSE_OWNER_API_KEY).
const ownerKey = "rh_ClientTestOwnerKey1234567890abcdefghijkm"

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rowhouse-client-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "make temp dir:", err)
		os.Exit(1)
	}
	binary, err = buildServer(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildServer builds ./cmd/rowhouse into dir (with -race when the tests
// run with it, so the server is checked too).
func buildServer(dir string) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("build rowhouse: the go command is not on PATH: %w", err)
	}
	out := filepath.Join(dir, "rowhouse")
	args := []string{"build", "-o", out}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command(goTool, append(args, "github.com/rowhouse/rowhouse/cmd/rowhouse")...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build rowhouse: %w", err)
	}
	return out, nil
}

// server is a running `rowhouse serve` on 127.0.0.1 with a temporary data
// folder and the owner key ownerKey.
type server struct {
	URL    string
	mu     sync.Mutex
	log    strings.Builder
	cmd    *exec.Cmd
	exited chan struct{}
}

var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startServer starts a server with extra environment entries; it stops
// when the test ends, showing its log if the test failed.
func startServer(t *testing.T, extraEnv ...string) *server {
	t.Helper()
	s := &server{exited: make(chan struct{})}
	args := ([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--log-format", "text"})
	s.cmd = exec.Command(binary, args...)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ROWHOUSE_") {
			env = append(env, kv)
		}
	}
	s.cmd.Env = append(append(env, "ROWHOUSE_OWNER_API_KEY="+ownerKey), extraEnv...)
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
func (s *server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}
