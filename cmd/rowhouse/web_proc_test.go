package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestProcessWebSignIn is the "tried as a new user would", against
// the real binary, with a cookie jar for a browser: a password set with
// `user create --password-stdin`, sign-in, an API key made on the account
// page and used, a cookie-authenticated API write (refused without the CSRF
// header), and sign-out. (The same in headless Chromium: web's
// TestBrowser.)
func TestProcessWebSignIn(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(binary, "user", "create", "--email", "web@example.com", "--password-stdin", "--data", dir)
	cmd.Env = baseEnv()
	cmd.Stdin = strings.NewReader("a long enough password\n")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "password set for web@example.com") {
		t.Fatalf("user create --password-stdin: %v\n%s", err, out)
	}
	p := startServer(t, dir)

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	csrfRE := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	send := func(method, path string, form url.Values, header map[string]string, wantStatus int) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		if j, ok := header["json"]; ok {
			body = strings.NewReader(j)
		}
		req, err := http.NewRequest(method, p.URL+path, body)
		if err != nil {
			t.Fatal(err)
		}
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for k, v := range header {
			if k != "json" {
				req.Header.Set(k, v)
			}
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != wantStatus {
			t.Fatalf("%s %s: status %d, want %d: %.500s", method, path, res.StatusCode, wantStatus, b)
		}
		return res, string(b)
	}
	token := func(page string) string {
		t.Helper()
		m := csrfRE.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no CSRF token in %.500s", page)
		}
		return m[1]
	}

	if res, _ := send("GET", "/", nil, nil, 303); res.Header.Get("Location") != "/login?next=%2F" {
		t.Errorf("signed out, / goes to %q", res.Header.Get("Location"))
	}
	_, login := send("GET", "/login", nil, nil, 200)
	_, bad := send("POST", "/login", url.Values{"email": {"web@example.com"}, "password": {"wrong password"}, "csrf": {token(login)}}, nil, 401)
	if !strings.Contains(bad, "Incorrect email or password.") {
		t.Errorf("wrong password page: %.500s", bad)
	}
	res, _ := send("POST", "/login", url.Values{"email": {"web@example.com"}, "password": {"a long enough password"}, "csrf": {token(login)}}, nil, 303)
	if !strings.Contains(res.Header.Get("Set-Cookie"), "rowhouse_session=") || !strings.Contains(res.Header.Get("Set-Cookie"), "HttpOnly") ||
		!strings.Contains(res.Header.Get("Set-Cookie"), "SameSite=Lax") {
		t.Errorf("session cookie: %q", res.Header.Get("Set-Cookie"))
	}

	// An API key from the account page, used as its curl line says.
	_, account := send("GET", "/account", nil, nil, 200)
	csrf := token(account)
	_, created := send("POST", "/account/keys", url.Values{"name": {"laptop"}, "csrf": {csrf}}, nil, 200)
	key := regexp.MustCompile(`id="new-key-secret" class="secret" readonly value="(rh_[1-9A-HJ-NP-Za-km-z]{40})"`).FindStringSubmatch(created)
	if key == nil {
		t.Fatalf("no key on the page: %.2000s", created)
	}
	if !strings.Contains(created, "curl -H 'Authorization: Bearer "+key[1]+"' "+p.URL+"/api/orgs") {
		t.Errorf("no curl line for %s", p.URL)
	}
	if r := p.client(key[1]).want(200, "GET", "/api/profile/user", nil); !bytes.Contains(r.Body, []byte(`"email":"web@example.com"`)) {
		t.Errorf("the page's key: %s", r.Body)
	}

	// The consoles' calls: the cookie authenticates; writes need the header.
	if _, b := send("GET", "/api/profile/user", nil, nil, 200); !strings.Contains(b, "web@example.com") {
		t.Errorf("cookie GET: %s", b)
	}
	create := `{"name": "Made in the console"}`
	if _, b := send("POST", "/api/orgs/current/workspaces", nil, map[string]string{"json": create, "Content-Type": "application/json"}, 403); !strings.Contains(b, "CSRF token missing or invalid") {
		t.Errorf("cookie POST without CSRF: %s", b)
	}
	_, id := send("POST", "/api/orgs/current/workspaces", nil, map[string]string{"json": create, "Content-Type": "application/json", "X-CSRF-Token": csrf}, 200)
	if _, home := send("GET", "/", nil, nil, 200); !strings.Contains(home, "Made in the console") || strings.TrimSpace(id) == "" {
		t.Errorf("workspace %s not on the home page", id)
	}

	send("POST", "/logout", url.Values{"csrf": {csrf}}, nil, 303)
	send("GET", "/account", nil, nil, 303)
	if _, b := send("GET", "/api/profile/user", nil, nil, 200); strings.Contains(b, "web@example.com") {
		t.Errorf("still signed in after sign-out: %s", b)
	}
}

var (
	signInLinkLine = regexp.MustCompile(`(?m)^  (http://\S+/signin/[1-9A-HJ-NP-Za-km-z]{40})$`)
	signInCmdLine  = regexp.MustCompile(`(?m)^  rowhouse (user signin-link --email \S+.*)$`)
)

// TestProcessFirstStartSignInLink: the first start prints the web address
// and a one-time sign-in link that signs the owner in to the pages, once,
// and asks for a password; the command it prints for a new link works
// while the server runs, as printed.
func TestProcessFirstStartSignInLink(t *testing.T) {
	dir := t.TempDir()
	p := startServer(t, dir)
	out := p.Stderr()
	m := signInLinkLine.FindStringSubmatch(out)
	cmdLine := signInCmdLine.FindStringSubmatch(out)
	if m == nil || cmdLine == nil || !strings.Contains(out, "Rowhouse is at "+p.URL+"\n") {
		t.Fatalf("first start did not print the address, a sign-in link and the command for another; stderr:\n%s", out)
	}
	if !strings.HasPrefix(m[1], p.URL+"/signin/") {
		t.Errorf("link %s is not on %s", m[1], p.URL)
	}
	follow := func(link string, wantStatus int) *http.Client {
		t.Helper()
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := c.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != wantStatus {
			t.Fatalf("GET %s: %d, want %d: %.400s", link, res.StatusCode, wantStatus, b)
		}
		return c
	}
	c := follow(m[1], 303)
	res, err := c.Get(p.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	home, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(home), "Welcome! Choose a password") || !strings.Contains(string(home), "owner@localhost") {
		t.Errorf("home after the link: %d %.600s", res.StatusCode, home)
	}
	follow(m[1], 401) // once only

	// The printed command, run as printed (the data folder has no spaces).
	args := strings.Fields(cmdLine[1])
	if !slices.Contains(args, "--data") || !slices.Contains(args, p.URL) {
		t.Errorf("the command does not name the data folder and the address: %s", cmdLine[1])
	}
	r := runBinary(t, nil, args...)
	if r.code != 0 || !signInLinkLine.MatchString("  "+strings.TrimSpace(r.stdout)) || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("rowhouse %s: %+v", cmdLine[1], r)
	}
	follow(strings.TrimSpace(r.stdout), 303)

	if r := runBinary(t, nil, "user", "signin-link", "--email", "nobody@example.com", "--data", dir); r.code != 1 || !strings.Contains(r.stderr, "there is no user nobody@example.com") {
		t.Errorf("a link for no user: %+v", r)
	}
	if r := runBinary(t, nil, "user", "signin-link", "--data", dir); r.code != 2 {
		t.Errorf("no --email: %+v", r)
	}
}
