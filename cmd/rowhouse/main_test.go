package main

// Process-level tests: the real binary (built once by TestMain, in
// proc_test.go) run as a subprocess, talked to over HTTP, stopped with a
// signal. They check what a user of the command sees: exit codes, what goes
// to stdout and stderr, and the README's tour.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
)

// ownerKey is the ROWHOUSE_OWNER_API_KEY of the tests.
const ownerKey = "rh_test_owner_key_0123456789abcdef"

type orgJSON struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Domain string `json:"domain"`
	Access string `json:"access"`
	Owner  *struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"owner"`
}

type docJSON struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Access    string  `json:"access"`
	IsPinned  bool    `json:"isPinned"`
	URLID     *string `json:"urlId"`
	Workspace struct {
		ID   int64   `json:"id"`
		Name string  `json:"name"`
		Org  orgJSON `json:"org"`
	} `json:"workspace"`
}

type workspaceJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Access    string    `json:"access"`
	OrgDomain string    `json:"orgDomain"`
	Docs      []docJSON `json:"docs"`
}

// TestProcessTour is the README's curl tour, against the real binary.
func TestProcessTour(t *testing.T) {
	p := startServer(t, t.TempDir(), "ROWHOUSE_OWNER_API_KEY="+ownerKey)
	owner := p.client(ownerKey)

	// The owner's personal org, and its Home workspace.
	var orgs []orgJSON
	owner.want(200, "GET", "/api/orgs", nil).JSON(t, &orgs)
	if len(orgs) != 1 || orgs[0].Name != "Personal" || !strings.HasPrefix(orgs[0].Domain, "docs-") ||
		orgs[0].Access != "owners" || orgs[0].Owner == nil || orgs[0].Owner.Name != "Owner" {
		t.Fatalf("GET /api/orgs = %s", owner.do("GET", "/api/orgs", nil).Body)
	}
	var wss []workspaceJSON
	owner.want(200, "GET", "/api/orgs/current/workspaces", nil).JSON(t, &wss)
	if len(wss) != 1 || wss[0].Name != "Home" || wss[0].OrgDomain != orgs[0].Domain || wss[0].Docs == nil {
		t.Fatalf("GET /api/orgs/current/workspaces = %+v", wss)
	}

	// A workspace, and a document in it.
	var wsID int64
	owner.want(200, "POST", "/api/orgs/current/workspaces", map[string]string{"name": "Projects"}).JSON(t, &wsID)
	var docID string
	owner.want(200, "POST", "/api/workspaces/"+itoa(wsID)+"/docs", map[string]string{"name": "Tasks"}).JSON(t, &docID)
	if !rowhouse.ValidDocID(docID) {
		t.Fatalf("new doc id %q", docID)
	}

	// Rename it, and read it back.
	var patched string
	owner.want(200, "PATCH", "/api/docs/"+docID, map[string]string{"name": "Team tasks"}).JSON(t, &patched)
	if patched != docID {
		t.Errorf("PATCH returned %q, want the doc id", patched)
	}
	var doc docJSON
	owner.want(200, "GET", "/api/docs/"+docID, nil).JSON(t, &doc)
	if doc.ID != docID || doc.Name != "Team tasks" || doc.Access != "owners" || doc.URLID != nil ||
		doc.Workspace.ID != wsID || doc.Workspace.Name != "Projects" || doc.Workspace.Org.Domain != orgs[0].Domain {
		t.Errorf("GET /api/docs/%s = %+v", docID, doc)
	}
	owner.want(200, "GET", "/api/orgs/current/workspaces", nil).JSON(t, &wss)
	if len(wss) != 2 || wss[1].Name != "Projects" || len(wss[1].Docs) != 1 || wss[1].Docs[0].Name != "Team tasks" {
		t.Errorf("workspaces after the tour: %+v", wss)
	}

	// The error cases.
	anon := p.client("")
	if r := anon.want(403, "GET", "/api/docs/"+docID, nil); r.Error(t) != "No view access" {
		t.Errorf("no key: %s", r.Body)
	}
	if r := anon.want(200, "GET", "/api/orgs", nil); strings.TrimSpace(string(r.Body)) != "[]" {
		t.Errorf("anonymous GET /api/orgs = %s, want []", r.Body)
	}
	if r := p.client("rh_not_a_real_key").want(401, "GET", "/api/orgs", nil); r.Error(t) != "Bad request: invalid API key" {
		t.Errorf("bad key: %s", r.Body)
	}
	basic := &client{t: t, base: p.URL, auth: "Basic b3duZXI6cHc="}
	if r := basic.want(401, "GET", "/api/orgs", nil); r.Error(t) != "Bad request: unsupported Authorization scheme, expected 'Bearer'" {
		t.Errorf("another scheme: %s", r.Body)
	}
	if r := owner.want(404, "GET", "/api/docs/"+rowhouse.NewDocID(), nil); r.Error(t) != "document not found" {
		t.Errorf("missing doc: %s", r.Body)
	}
	if r := owner.want(404, "GET", "/api/nope", nil); r.Error(t) != "not found: /api/nope" {
		t.Errorf("unknown route: %s", r.Body)
	}
}

// TestProcessUserCreateWhileServing: `rowhouse user create` writes to the
// data folder of a running server, prints only the key on stdout, and the
// key works at once; the new user cannot see the owner's documents.
func TestProcessUserCreateWhileServing(t *testing.T) {
	dir := t.TempDir()
	p := startServer(t, dir, "ROWHOUSE_OWNER_API_KEY="+ownerKey)
	owner := p.client(ownerKey)
	var ws []workspaceJSON
	owner.want(200, "GET", "/api/orgs/current/workspaces", nil).JSON(t, &ws)
	var docID string
	owner.want(200, "POST", "/api/workspaces/"+itoa(ws[0].ID)+"/docs", map[string]string{"name": "Private"}).JSON(t, &docID)

	r := runBinary(t, nil, "user", "create", "--email", "Bob@Example.com", "--name", "Bob", "--data", dir)
	if r.code != 0 {
		t.Fatalf("user create: exit %d; stderr:\n%s", r.code, r.stderr)
	}
	key := strings.TrimSuffix(r.stdout, "\n")
	if !regexp.MustCompile(`^rh_[1-9A-HJ-NP-Za-km-z]{40}$`).MatchString(key) {
		t.Fatalf("user create printed %q on stdout, want the key alone", r.stdout)
	}
	if !strings.Contains(r.stderr, "created user bob@example.com") {
		t.Errorf("user create stderr: %q", r.stderr)
	}

	bob := p.client(key)
	var profile struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	}
	bob.want(200, "GET", "/api/profile/user", nil).JSON(t, &profile)
	if profile.Email != "bob@example.com" || profile.Name != "Bob" {
		t.Errorf("bob's profile: %+v", profile)
	}
	var orgs []orgJSON
	bob.want(200, "GET", "/api/orgs", nil).JSON(t, &orgs)
	if len(orgs) != 1 || orgs[0].Owner == nil || orgs[0].Owner.Name != "Bob" {
		t.Errorf("bob's orgs: %+v", orgs)
	}
	// A document of another user.
	if r := bob.want(403, "GET", "/api/docs/"+docID, nil); r.Error(t) != "No view access" {
		t.Errorf("bob reading the owner's doc: %s", r.Body)
	}

	// Again for the same email: the same user, a second key; both work.
	r2 := runBinary(t, nil, "user", "create", "--email", "bob@example.com", "--data", dir)
	key2 := strings.TrimSpace(r2.stdout)
	if r2.code != 0 || key2 == key || !strings.Contains(r2.stderr, "exists") {
		t.Fatalf("user create again: exit %d, stdout %q, stderr %q", r2.code, r2.stdout, r2.stderr)
	}
	p.client(key2).want(200, "GET", "/api/orgs", nil)
	bob.want(200, "GET", "/api/orgs", nil)

	// Mistakes in the command line are usage errors.
	if r := runBinary(t, nil, "user", "create", "--data", dir); r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "--email is required") {
		t.Errorf("user create without --email: %+v", r)
	}
	if r := runBinary(t, nil, "user", "create", "--email", "not an email", "--data", dir); r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "invalid email") {
		t.Errorf("user create with a bad email: %+v", r)
	}
}

// keyLine and curlLine are what a first start prints about the owner's
// generated key.
var (
	keyLine  = regexp.MustCompile(`(?m)^  (rh_[1-9A-HJ-NP-Za-km-z]{40})$`)
	curlLine = regexp.MustCompile(`(?m)^  curl -H 'Authorization: Bearer (rh_\S+)' (http://\S+)/api/orgs$`)
)

// TestProcessFirstStartPrintsKey: a fresh data folder without
// ROWHOUSE_OWNER_API_KEY gets an owner whose key is printed once, with a
// curl line that works as printed.
func TestProcessFirstStartPrintsKey(t *testing.T) {
	dir := t.TempDir()
	p := startServer(t, dir)
	out := p.Stderr()
	m := keyLine.FindStringSubmatch(out)
	c := curlLine.FindStringSubmatch(out)
	if m == nil || c == nil {
		t.Fatalf("first start did not print a key and a curl line; stderr:\n%s", out)
	}
	if c[1] != m[1] || c[2] != p.URL {
		t.Errorf("curl line names key %s at %s; want %s at %s", c[1], c[2], m[1], p.URL)
	}
	var orgs []orgJSON
	p.client(m[1]).want(200, "GET", "/api/orgs", nil).JSON(t, &orgs)
	if len(orgs) != 1 || orgs[0].Owner == nil || orgs[0].Owner.Name != "Owner" {
		t.Errorf("orgs with the printed key: %+v", orgs)
	}
	if code := p.Signal(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d", code)
	}

	// The second start prints no key, and the first one still works.
	p2 := startServer(t, dir)
	if keyLine.MatchString(p2.Stderr()) || strings.Contains(p2.Stderr(), "curl") {
		t.Errorf("second start printed a key:\n%s", p2.Stderr())
	}
	p2.client(m[1]).want(200, "GET", "/api/orgs", nil)
}

func TestProcessVersion(t *testing.T) {
	r := runBinary(t, nil, "version")
	if r.code != 0 || r.stdout != "rowhouse "+version+"\n" || r.stderr != "" {
		t.Errorf("rowhouse version: %+v", r)
	}
}

func TestProcessUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"frobnicate"},
		{},
		{"serve", "--no-such-flag"},
		{"serve", "--max-body", "0"},
		{"serve", "--log-format", "xml"},
		{"user"},
		{"user", "delete"},
	} {
		r := runBinary(t, nil, args...)
		if r.code != 2 {
			t.Errorf("rowhouse %s: exit code %d, want 2; stderr:\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("rowhouse %s: stdout %q, want nothing", strings.Join(args, " "), r.stdout)
		}
		if !strings.Contains(r.stderr, "rowhouse:") {
			t.Errorf("rowhouse %s: stderr does not say what is wrong:\n%s", strings.Join(args, " "), r.stderr)
		}
	}
	r := runBinary(t, nil, "frobnicate")
	if !strings.Contains(r.stderr, `unknown command "frobnicate"`) || !strings.Contains(r.stderr, "usage: rowhouse") {
		t.Errorf("unknown command stderr:\n%s", r.stderr)
	}
	// A bad environment value is a usage error too.
	if r := runBinary(t, []string{"ROWHOUSE_MAX_BODY=lots"}, "serve", "--data", t.TempDir()); r.code != 2 || !strings.Contains(r.stderr, "ROWHOUSE_MAX_BODY") {
		t.Errorf("bad ROWHOUSE_MAX_BODY: %+v", r)
	}
}

// TestProcessGracefulShutdown: SIGTERM (and SIGINT) drain and exit 0, with
// a final "stopped" line.
func TestProcessGracefulShutdown(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			p := startServer(t, t.TempDir(), "ROWHOUSE_OWNER_API_KEY="+ownerKey)
			p.client(ownerKey).want(200, "GET", "/api/orgs", nil)
			if code := p.Signal(sig); code != 0 {
				t.Fatalf("exit code %d after %v; stderr:\n%s", code, sig, p.Stderr())
			}
			lines := strings.Split(strings.TrimSpace(p.Stderr()), "\n")
			if last := lines[len(lines)-1]; !strings.Contains(last, "msg=stopped") {
				t.Errorf("last log line %q, want the stopped line", last)
			}
			if !strings.Contains(p.Stderr(), "shutting down") {
				t.Errorf("no shutting down line:\n%s", p.Stderr())
			}
		})
	}
}

// TestProcessShutdownDrains: a request in flight when SIGTERM arrives is
// answered in full before the process exits.
func TestProcessShutdownDrains(t *testing.T) {
	p := startServer(t, t.TempDir(), "ROWHOUSE_OWNER_API_KEY="+ownerKey)
	c := p.client(ownerKey)
	var wss []struct{ ID int64 }
	c.want(200, "GET", "/api/orgs/current/workspaces", nil).JSON(t, &wss)
	var doc string
	c.want(200, "POST", fmt.Sprintf("/api/workspaces/%d/docs", wss[0].ID), map[string]any{"name": "Slow"}).JSON(t, &doc)

	// A statement that keeps the server busy for a while (at most the 1 s
	// SQL cap: a timeout answer is complete too).
	body := `{"sql":"with recursive c(x) as (select 1 union all select x + 1 from c where x < 3000000) select count(*) as n from c"}`
	type result struct {
		status int
		body   []byte
		err    error
	}
	done := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("POST", p.URL+"/api/docs/"+doc+"/sql", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+ownerKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		done <- result{status: resp.StatusCode, body: b, err: err}
	}()
	time.Sleep(150 * time.Millisecond) // let the request reach the handler
	if code := p.Signal(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, p.Stderr())
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("in-flight request cut by shutdown: %v", r.err)
	}
	if (r.status != 200 && r.status != 400) || !json.Valid(r.body) {
		t.Fatalf("in-flight request: %d %s", r.status, r.body)
	}
}

func TestProcessOps(t *testing.T) {
	p := startServer(t, t.TempDir(), "ROWHOUSE_OWNER_API_KEY="+ownerKey)
	c := p.client("")
	var status map[string]string
	c.want(200, "GET", "/healthz", nil).JSON(t, &status)
	if status["status"] != "ok" {
		t.Errorf("/healthz: %v", status)
	}
	c.want(200, "GET", "/readyz", nil).JSON(t, &status)
	if status["status"] != "ready" {
		t.Errorf("/readyz: %v", status)
	}
	p.client(ownerKey).want(200, "GET", "/api/orgs", nil)
	m := c.want(200, "GET", "/metrics", nil)
	for _, want := range []string{"rowhouse_http_requests_total", `route="GET /api/orgs"`, "go_goroutines"} {
		if !strings.Contains(string(m.Body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestProcessUnwritableData: a data folder that cannot be made or written
// is a clear error and exit code 1, before anything listens.
func TestProcessUnwritableData(t *testing.T) {
	base := t.TempDir()
	file := filepath.Join(base, "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{"under a file": filepath.Join(file, "data")}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(base, "read-only")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		cases["read-only folder"] = ro
	}
	for name, dir := range cases {
		t.Run(name, func(t *testing.T) {
			r := runBinary(t, []string{"ROWHOUSE_OWNER_API_KEY=" + ownerKey}, "serve", "--addr", "127.0.0.1:0", "--data", dir)
			if r.code != 1 {
				t.Fatalf("exit code %d, want 1; stderr:\n%s", r.code, r.stderr)
			}
			if strings.Contains(r.stderr, "listening") {
				t.Errorf("it listened before failing:\n%s", r.stderr)
			}
			last := lastLine(r.stderr)
			if !strings.HasPrefix(last, "rowhouse: ") || !strings.Contains(last, dir[:len(base)]) {
				t.Errorf("the error does not say what failed, and where: %q", last)
			}
		})
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
