package main

// Process tests of the command line itself: -h on every command, usage
// mistakes, keys made (or not) by user create, and what bench leaves
// behind. The real binary, as a user runs it.

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestProcessHelpShowsNoSecret: -h and --help of every command exit 0 and
// list its flags without printing the secrets the environment holds (the
// API key and a database URL with its password), which flag would show as
// defaults.
func TestProcessHelpShowsNoSecret(t *testing.T) {
	const apiKey = "rh_SecretKeyThatMustNeverBePrinted0000000"
	const dbPassword = "hunter2-never-printed"
	env := []string{"ROWHOUSE_API_KEY=" + apiKey, "ROWHOUSE_OWNER_API_KEY=" + ownerKey,
		"ROWHOUSE_DB=postgres://rowhouse:" + dbPassword + "@127.0.0.1:1/none", "ROWHOUSE_URL=http://127.0.0.1:1"}
	cases := []struct {
		args []string
		flag string // a flag the help must list; "" for the command list
	}{
		{[]string{"serve"}, "-max-page"},
		{[]string{"user", "create"}, "-password-stdin"},
		{[]string{"import"}, "-key-column"},
		{[]string{"export"}, "-format"},
		{[]string{"bench"}, "-keep"},
		{[]string{"migrate"}, "-force"},
		{[]string{"backup"}, "-to"},
		{nil, "user create"},
		{[]string{"user"}, "user create --email"},
	}
	for _, tc := range cases {
		for _, h := range []string{"-h", "--help"} {
			args := append(append([]string{}, tc.args...), h)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				r := runBinary(t, env, args...)
				out := r.stdout + r.stderr
				if r.code != 0 {
					t.Errorf("exit code %d, want 0; output:\n%s", r.code, out)
				}
				if !strings.Contains(out, tc.flag) {
					t.Errorf("the help does not list %q:\n%s", tc.flag, out)
				}
				for _, secret := range []string{apiKey, dbPassword} {
					if strings.Contains(out, secret) {
						t.Errorf("the help prints a secret from the environment (%q):\n%s", secret, out)
					}
				}
			})
		}
	}
}

// TestProcessUserCreateUsage: an invalid email is a mistake on the command
// line (exit code 2, as documented), found before any storage is opened.
func TestProcessUserCreateUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--email", "not-an-email"}, `invalid email address "not-an-email"`},
		{[]string{"--email", "a b@example.com"}, "invalid email address"},
		{[]string{"--email", "ann@example.com", "extra"}, `unexpected argument "extra"`},
	} {
		r := runBinary(t, nil, append([]string{"user", "create", "--data", dir}, tc.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("user create %v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, r.code, r.stdout, r.stderr, tc.want)
		}
	}
}

// runBinaryInput is runBinary with stdin.
func runBinaryInput(t *testing.T, stdin string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(baseEnv(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// TestProcessUserCreatePasswordMakesNoKey: setting a password, on a new
// user or again on an existing one, makes no API key unless --new-key
// asks for one; without a password a key is made (and printed) each time.
func TestProcessUserCreatePasswordMakesNoKey(t *testing.T) {
	dir := t.TempDir()
	p := startServer(t, dir, "ROWHOUSE_OWNER_API_KEY="+ownerKey)
	create := func(stdin string, args ...string) result {
		t.Helper()
		r := runBinaryInput(t, stdin, nil, append([]string{"user", "create", "--email", "pat@example.com", "--data", dir}, args...)...)
		if r.code != 0 {
			t.Fatalf("user create %v: exit %d; stderr %s", args, r.code, r.stderr)
		}
		return r
	}
	keys := func(key string) int {
		t.Helper()
		var ks []json.RawMessage
		p.client(key).want(200, "GET", "/api/profile/apikeys", nil).JSON(t, &ks)
		return len(ks)
	}

	if r := create("first password\n", "--password-stdin"); r.stdout != "" || !strings.Contains(r.stderr, "created user pat@example.com") {
		t.Fatalf("a new user with a password: stdout %q (want no key), stderr %q", r.stdout, r.stderr)
	}
	key := strings.TrimSpace(create("").stdout) // no password: a key
	if !strings.HasPrefix(key, "rh_") {
		t.Fatalf("user create without a password printed %q, want a key", key)
	}
	if n := keys(key); n != 1 {
		t.Fatalf("%d keys after one keyed run, want 1", n)
	}
	for range 2 {
		if r := create("another password\n", "--password-stdin"); r.stdout != "" || !strings.Contains(r.stderr, "password set for pat@example.com") {
			t.Fatalf("setting the password again: stdout %q, stderr %q", r.stdout, r.stderr)
		}
	}
	if n := keys(key); n != 1 {
		t.Fatalf("%d keys after setting the password twice, want still 1", n)
	}
	r := create("third password\n", "--password-stdin", "--new-key")
	if k := strings.TrimSpace(r.stdout); !strings.HasPrefix(k, "rh_") || k == key {
		t.Fatalf("--new-key printed %q, want a new key", r.stdout)
	}
	if n := keys(key); n != 2 {
		t.Fatalf("%d keys after --new-key, want 2", n)
	}
}

// TestProcessBenchCleansUp: bench removes the workspace (and its document
// of generated rows) that bulk-add made, unless --keep.
func TestProcessBenchCleansUp(t *testing.T) {
	p := startServer(t, t.TempDir(), "ROWHOUSE_OWNER_API_KEY="+ownerKey)
	c := p.client(ownerKey)
	workspaces := func() []workspaceJSON {
		var wss []workspaceJSON
		c.want(200, "GET", "/api/orgs/current/workspaces", nil).JSON(t, &wss)
		return wss
	}
	args := []string{"bench", "--url", p.URL, "--scenario", "bulk-add,page", "--records", "200", "--duration", "1s", "--concurrency", "2"}
	env := []string{"ROWHOUSE_API_KEY=" + ownerKey}

	r := runBinary(t, env, args...)
	if r.code != 0 || !strings.Contains(r.stderr, "bench: removed workspace") {
		t.Fatalf("bench: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	if wss := workspaces(); len(wss) != 1 || wss[0].Name != "Home" {
		t.Fatalf("bench left workspaces behind: %+v", wss)
	}

	r = runBinary(t, env, append(args, "--keep")...)
	if r.code != 0 || !strings.Contains(r.stderr, "bench: kept document") {
		t.Fatalf("bench --keep: exit %d\nstderr %s", r.code, r.stderr)
	}
	wss := workspaces()
	if len(wss) != 2 || len(wss[1].Docs) != 1 {
		t.Fatalf("bench --keep did not keep its workspace and document: %+v", wss)
	}

	// Given a document, bench makes only a table there, and removes it.
	doc := wss[1].Docs[0].ID
	r = runBinary(t, env, append(args, "--doc", doc)...)
	if r.code != 0 || !strings.Contains(r.stderr, "bench: removed table") {
		t.Fatalf("bench --doc: exit %d\nstderr %s", r.code, r.stderr)
	}
	var tables struct{ Tables []struct{ ID string } }
	c.want(200, "GET", "/api/docs/"+doc+"/tables", nil).JSON(t, &tables)
	if len(tables.Tables) != 1 {
		t.Fatalf("bench --doc left tables behind: %+v", tables)
	}
}
