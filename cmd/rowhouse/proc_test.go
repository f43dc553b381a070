package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"github.com/rowhouse/rowhouse/internal/procserver"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the rowhouse binary built once by TestMain for the process
// tests ("" if the build failed, which fails those tests).
var binary string

func TestMain(m *testing.M) { procserver.Main(m, &binary) }

// startupTimeout bounds how long a server may take to say it listens.
const startupTimeout = 60 * time.Second

// baseEnv is the test process's environment without ROWHOUSE_ variables,
// so that a developer's settings never leak into a test.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ROWHOUSE_") {
			env = append(env, kv)
		}
	}
	return env
}

// result is how a finished command went.
type result struct {
	code           int
	stdout, stderr string
}

// runBinary runs the binary to completion with extra environment entries.
func runBinary(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(baseEnv(), env...)
	cmd.Stdin = nil
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(startupTimeout):
		cmd.Process.Kill()
		<-done
		t.Fatalf("rowhouse %s did not finish in %v; stderr:\n%s", strings.Join(args, " "), startupTimeout, stderr.String())
	}
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// proc is a running `rowhouse serve`.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	URL  string // http://127.0.0.1:port
	Data string // the data folder

	mu     sync.Mutex
	stderr strings.Builder

	exited  chan struct{} // closed when the process has exited
	waitErr error         // set before exited is closed
}

var listeningAddr = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startServer starts `rowhouse serve --addr 127.0.0.1:0 --data dir` with
// extra environment entries, and waits until it logs that it listens. It
// is stopped when the test ends.
func startServer(t *testing.T, dir string, env ...string) *proc {
	t.Helper()
	if binary == "" {
		t.Fatal("no binary")
	}
	p := &proc{t: t, Data: dir, exited: make(chan struct{})}
	p.cmd = exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--data", dir, "--log-format", "text")
	p.cmd.Env = append(baseEnv(), env...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		found := false
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.stderr.WriteString(line + "\n")
			p.mu.Unlock()
			if m := listeningAddr.FindStringSubmatch(line); m != nil && !found {
				found = true
				addr <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(p.stop)

	select {
	case a := <-addr:
		p.URL = "http://" + a
	case <-p.exited:
		t.Fatalf("rowhouse serve exited before listening (%v); stderr:\n%s", p.waitErr, p.Stderr())
	case <-time.After(startupTimeout):
		t.Fatalf("rowhouse serve did not log %q within %v; stderr:\n%s", "listening", startupTimeout, p.Stderr())
	}
	return p
}

// Stderr returns what the server has written on stderr so far.
func (p *proc) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// Signal sends sig and waits for the process to exit; it returns the exit
// code.
func (p *proc) Signal(sig syscall.Signal) int {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
		p.t.Fatalf("rowhouse serve did not exit within 30s of %v; stderr:\n%s", sig, p.Stderr())
	}
	var exitErr *exec.ExitError
	if errors.As(p.waitErr, &exitErr) {
		return exitErr.ExitCode()
	}
	if p.waitErr != nil {
		p.t.Fatal(p.waitErr)
	}
	return 0
}

// stop ends the process if it still runs, and shows its log if the test
// failed.
func (p *proc) stop() {
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(15 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	}
	if p.t.Failed() {
		p.t.Logf("rowhouse serve stderr:\n%s", p.Stderr())
	}
}

// client is an HTTP client of a server, with or without an API key.
type client struct {
	t    *testing.T
	base string
	auth string // the Authorization header; "" for none
}

func (p *proc) client(key string) *client {
	c := &client{t: p.t, base: p.URL}
	if key != "" {
		c.auth = "Bearer " + key
	}
	return c
}

// response is an answer to a request.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it is not JSON.
func (r response) JSON(t *testing.T, v any) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON; body %s", ct, r.Body)
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Error returns the "error" field of a JSON error body.
func (r response) Error(t *testing.T) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	r.JSON(t, &e)
	return e.Error
}

// do sends a request with an optional JSON body.
func (c *client) do(method, path string, body any) response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	resp, err := hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// want sends a request and fails the test unless the status is status; it
// returns the answer.
func (c *client) want(status int, method, path string, body any) response {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.Status != status {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.Status, status, r.Body)
	}
	return r
}
