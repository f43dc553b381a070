package main

// In-process tests of run: the whole program without a subprocess, so the
// race detector and coverage see the server's code too.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// env turns pairs "K=V" into a getenv function.
func env(pairs ...string) func(string) string {
	m := map[string]string{}
	for _, kv := range pairs {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
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

func TestRunVersionAndHelp(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}} {
		var stdout, stderr bytes.Buffer
		if err := run(t.Context(), args, env(), nil, &stdout, &stderr); err != nil {
			t.Fatal(err)
		}
		if stdout.String() != "rowhouse "+version+"\n" {
			t.Errorf("%v: stdout %q", args, stdout.String())
		}
	}
	var stdout bytes.Buffer
	if err := run(t.Context(), []string{"help"}, env(), nil, &stdout, &bytes.Buffer{}); err != nil || !strings.Contains(stdout.String(), "usage: rowhouse") {
		t.Errorf("help: %v, %q", err, stdout.String())
	}
}

func TestRunUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  []string
	}{
		{args: nil},
		{args: []string{"nope"}},
		{args: []string{"user"}},
		{args: []string{"user", "create"}},
		{args: []string{"user", "signin-link"}},
		{args: []string{"user", "signin-link", "--email", "a@example.com", "--ttl", "0s"}},
		{args: []string{"serve", "-bogus"}},
		{args: []string{"serve", "--max-body", "-1"}},
		{args: []string{"serve", "--max-batch", "0"}},
		{args: []string{"serve", "--max-page", "0"}},
		{args: []string{"serve", "--log-format", "yaml"}},
		{args: []string{"serve"}, env: []string{"ROWHOUSE_RATE_LIMIT=many"}},
		{args: []string{"serve"}, env: []string{"ROWHOUSE_MAX_PAGE=1.5"}},
	} {
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), c.args, env(c.env...), nil, &stdout, &stderr)
		if err == nil || exitCode(err) != 2 {
			t.Errorf("run %v (env %v) = %v (exit %d), want a usage error", c.args, c.env, err, exitCode(err))
		}
		if stdout.Len() != 0 {
			t.Errorf("run %v wrote to stdout: %q", c.args, stdout.String())
		}
	}
	if got := exitCode(errors.New("boom")); got != 1 {
		t.Errorf("exitCode of another error = %d, want 1", got)
	}
}

// TestRunServe runs the server in-process, talks to it, and stops it by
// cancelling the context, as a signal does.
func TestRunServe(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--log-format", "json"},
			env("ROWHOUSE_OWNER_API_KEY="+ownerKey, "ROWHOUSE_OWNER_EMAIL=boss@example.com"), nil, &bytes.Buffer{}, &stderr)
	}()
	addrRE := regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)
	var addr string
	deadline := time.Now().Add(startupTimeout)
	for addr == "" {
		if m := addrRE.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("run returned %v before listening; stderr:\n%s", err, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no listening line; stderr:\n%s", stderr.String())
		}
	}
	c := &client{t: t, base: "http://" + addr, auth: "Bearer " + ownerKey}
	var profile struct {
		Email string `json:"email"`
	}
	c.want(200, "GET", "/api/profile/user", nil).JSON(t, &profile)
	if profile.Email != "boss@example.com" {
		t.Errorf("owner email %q, want ROWHOUSE_OWNER_EMAIL", profile.Email)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v after cancel", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
		t.Errorf("no stopped line:\n%s", stderr.String())
	}
	// JSON logs give durations in milliseconds, in fields named so.
	var sawRequest bool
	for line := range strings.SplitSeq(stderr.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		if _, ok := m["duration"]; ok {
			t.Errorf("a duration in nanoseconds: %s", line)
		}
		if m["msg"] == "request" && m["path"] == "/api/profile/user" {
			ms, ok := m["duration_ms"].(float64)
			sawRequest = ok && ms > 0 && ms < 60_000
		}
		if m["msg"] == "listening" {
			if _, ok := m["startup_ms"].(float64); !ok {
				t.Errorf("listening line without startup_ms: %s", line)
			}
		}
	}
	if !sawRequest {
		t.Errorf("no request line with duration_ms:\n%s", stderr.String())
	}
	// The port is free again.
	if ln, err := net.Listen("tcp", addr); err != nil {
		t.Errorf("the port is still held after shutdown: %v", err)
	} else {
		ln.Close()
	}
}

func TestRunServeAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stderr bytes.Buffer
	err = run(t.Context(), []string{"serve", "--addr", ln.Addr().String(), "--data", t.TempDir()}, env(), nil, &bytes.Buffer{}, &stderr)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "listen") {
		t.Errorf("serve on a taken port: %v", err)
	}
}

func TestRunUserCreate(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"user", "create", "--email", "ann@example.com"}, env("ROWHOUSE_DATA="+dir), nil, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^rh_\S{40}\n$`).MatchString(stdout.String()) {
		t.Errorf("stdout %q, want the key alone", stdout.String())
	}
	if _, err := os.Stat(dir + "/home.db"); err != nil {
		t.Errorf("ROWHOUSE_DATA was not used: %v", err)
	}
	err := run(t.Context(), []string{"user", "create", "--email", "x"}, env("ROWHOUSE_DATA="+dir), nil, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || exitCode(err) != 2 {
		t.Errorf("an invalid email: %v (exit %d), want a usage error", err, exitCode(err))
	}
}

func TestBaseURL(t *testing.T) {
	for _, c := range []struct{ addr, want string }{
		{"127.0.0.1:8484", "http://127.0.0.1:8484"},
		{"0.0.0.0:8484", "http://127.0.0.1:8484"},
		{"[::]:8484", "http://127.0.0.1:8484"},
		{"[::1]:9000", "http://[::1]:9000"},
		{"10.1.2.3:80", "http://10.1.2.3:80"},
	} {
		a, err := net.ResolveTCPAddr("tcp", c.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := baseURL(a); got != c.want {
			t.Errorf("baseURL(%s) = %s, want %s", c.addr, got, c.want)
		}
	}
}

func TestRunFlagHelp(t *testing.T) {
	for _, args := range [][]string{{"serve", "-h"}, {"user", "create", "--help"}} {
		var stdout, stderr bytes.Buffer
		if err := run(t.Context(), args, env(), nil, &stdout, &stderr); err != nil {
			t.Errorf("run %v = %v, want nil", args, err)
		}
		if !strings.Contains(stderr.String(), "-data") {
			t.Errorf("run %v printed no flags: %q", args, stderr.String())
		}
	}
}

// One server per data folder: a second on the same folder stops at once,
// saying why, instead of writing behind the first one's back.
func TestRunServeFolderInUse(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	first := make(chan error, 1)
	var stderr1 syncBuffer
	go func() {
		first <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, env(), nil, &bytes.Buffer{}, &stderr1)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr1.String(), "listening") {
		if time.Now().After(deadline) {
			t.Fatalf("the first server did not start: %s", stderr1.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	var stderr bytes.Buffer
	err := run(t.Context(), []string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, env(), nil, &bytes.Buffer{}, &stderr)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "in use by another rowhouse server") {
		t.Errorf("second server on the same folder: %v", err)
	}
	cancel()
	if err := <-first; err != nil {
		t.Errorf("first server: %v", err)
	}
}
