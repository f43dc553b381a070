package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/home"
	ts "github.com/rowhouse/rowhouse/internal/testserver"
)

const password = "pa55word-for-tests"

// world is a server with two users who have passwords: ann owns a
// document, bob has none of his own on it until a test shares it.
type world struct {
	s        *ts.Server
	ann, bob rowhouse.User
	annKey   string
	docID    string
	wsID     int64
}

func newWorld(t *testing.T) *world {
	t.Helper()
	s := ts.New(t)
	w := &world{s: s}
	w.ann, w.annKey = s.UserWithKey("ann@example.com")
	w.bob = s.User("bob@example.com")
	s.SetPassword(w.ann, password)
	s.SetPassword(w.bob, password)
	ctx := context.Background()
	wss, err := s.Home.ListWorkspaces(ctx, rowhouse.Actor{User: w.ann}, home.PersonalDomain(w.ann.ID))
	if err != nil || len(wss) == 0 {
		t.Fatalf("ann's workspaces: %v %v", wss, err)
	}
	w.wsID = wss[0].ID
	w.docID, err = s.Home.CreateDoc(ctx, rowhouse.Actor{User: w.ann}, w.wsID, "Sales")
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// share gives bob a role on ann's document.
func (w *world) share(t *testing.T, role rowhouse.Role) {
	t.Helper()
	err := w.s.Home.UpdateDocAccess(context.Background(), rowhouse.Actor{User: w.ann}, w.docID,
		home.AccessDelta{Users: map[string]rowhouse.Role{"bob@example.com": role}})
	if err != nil {
		t.Fatal(err)
	}
}

// form posts a form as the browser b, with b's CSRF token unless the
// values already hold one (or csrf is false).
func form(b ts.Browser, path string, v url.Values, csrf bool) ts.Request {
	if v == nil {
		v = url.Values{}
	}
	if csrf && !v.Has(auth.CSRFField) {
		v.Set(auth.CSRFField, b.CSRF)
	}
	return ts.Request{Method: "POST", Path: path, Body: v.Encode(),
		Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Cookie": b.Cookie}}
}

func get(b ts.Browser, path string) ts.Request {
	return ts.Request{Method: "GET", Path: path, Headers: map[string]string{"Cookie": b.Cookie}}
}

// loginToken is the sign-in form's CSRF token that loginForm sends, in
// the form and in its cookie.
const loginToken = "0123456789abcdefghijkmnopqrstuvw"

func loginForm(email, pw, next string) ts.Request {
	return loginFormToken(email, pw, next, loginToken, loginToken)
}

func loginFormToken(email, pw, next, field, cookie string) ts.Request {
	v := url.Values{"email": {email}, "password": {pw}}
	if next != "" {
		v.Set("next", next)
	}
	if field != "" {
		v.Set(auth.CSRFField, field)
	}
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	if cookie != "" {
		h["Cookie"] = "rowhouse_login=" + cookie
	}
	return ts.Request{Method: "POST", Path: "/login", Body: v.Encode(), Headers: h}
}

// page is one expected answer to a page request.
type page struct {
	name        string
	req         ts.Request
	status      int
	location    string // for redirects
	contains    []string
	notContains []string
}

func (p page) run(t *testing.T, s *ts.Server) *ts.Response {
	t.Helper()
	res := s.Send(t, p.req)
	what := p.req.Method + " " + p.req.Path
	if res.Status != p.status {
		t.Errorf("%s: status %d, want %d; body %.600s", what, res.Status, p.status, res.Body)
	}
	if p.location != "" && res.Header.Get("Location") != p.location {
		t.Errorf("%s: Location %q, want %q", what, res.Header.Get("Location"), p.location)
	}
	for _, c := range p.contains {
		if !strings.Contains(string(res.Body), c) {
			t.Errorf("%s: page lacks %q: %.2000s", what, c, res.Body)
		}
	}
	for _, c := range p.notContains {
		if strings.Contains(string(res.Body), c) {
			t.Errorf("%s: page has %q", what, c)
		}
	}
	return res
}

func runPages(t *testing.T, s *ts.Server, pages []page) {
	t.Helper()
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) { p.run(t, s) })
	}
}

func sessionCookie(t *testing.T, res *ts.Response) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == auth.SessionCookie {
			return c
		}
	}
	return nil
}

func TestLogin(t *testing.T) {
	w := newWorld(t)
	runPages(t, w.s, []page{
		{name: "form", req: ts.Request{Method: "GET", Path: "/login"}, status: 200,
			contains: []string{`<form method="post" action="/login"`, `name="email"`, `name="password"`}},
		{name: "expired note", req: ts.Request{Method: "GET", Path: "/login?expired=1"}, status: 200,
			contains: []string{"Your session has ended. Please sign in again."}},
		{name: "good", req: loginForm("ann@example.com", password, ""), status: 303, location: "/"},
		{name: "good, email in capitals", req: loginForm(" Ann@Example.COM", password, ""), status: 303, location: "/"},
		{name: "good, back to where the user was", req: loginForm("ann@example.com", password, "/account?x=1"), status: 303, location: "/account?x=1"},
		{name: "no open redirect", req: loginForm("ann@example.com", password, "//evil.example/x"), status: 303, location: "/"},
		{name: "no open redirect, absolute", req: loginForm("ann@example.com", password, "https://evil.example/"), status: 303, location: "/"},
		{name: "bad password", req: loginForm("ann@example.com", "wrong-password", ""), status: 401,
			contains: []string{"Incorrect email or password.", `value="ann@example.com"`}},
		{name: "unknown email", req: loginForm("nobody@example.com", password, ""), status: 401,
			contains: []string{"Incorrect email or password."}},
		{name: "empty", req: loginForm("", "", ""), status: 400, contains: []string{"Enter your email and password."}},
		{name: "no form token", req: loginFormToken("ann@example.com", password, "", "", loginToken), status: 403,
			contains: []string{"The sign-in form expired or did not come from this site. Please try again."}},
		{name: "no token cookie", req: loginFormToken("ann@example.com", password, "", loginToken, ""), status: 403},
		{name: "tokens differ", req: loginFormToken("ann@example.com", password, "", loginToken, "another-token-of-32-characters-x"), status: 403},
	})
	for _, req := range []ts.Request{loginFormToken("ann@example.com", password, "", "", loginToken), loginFormToken("ann@example.com", password, "", loginToken, "")} {
		if c := sessionCookie(t, w.s.Send(t, req)); c != nil {
			t.Errorf("a sign-in without its token set a session cookie")
		}
	}
	// The form page hands out the token, in a cookie and in the form.
	res0 := w.s.Send(t, ts.Request{Method: "GET", Path: "/login"})
	var lc *http.Cookie
	for _, c := range (&http.Response{Header: res0.Header}).Cookies() {
		if c.Name == "rowhouse_login" {
			lc = c
		}
	}
	if lc == nil || len(lc.Value) != 32 || !lc.HttpOnly || lc.Path != "/login" || lc.SameSite != http.SameSiteLaxMode ||
		!strings.Contains(string(res0.Body), `name="csrf" value="`+lc.Value+`"`) {
		t.Errorf("sign-in token cookie %+v; form %s", lc, res0.Body)
	}
	page{req: loginFormToken("ann@example.com", password, "", lc.Value, lc.Value), status: 303, location: "/"}.run(t, w.s)

	res := w.s.Send(t, loginForm("ann@example.com", password, ""))
	c := sessionCookie(t, res)
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure || len(c.Value) < 40 {
		t.Fatalf("session cookie %+v", c)
	}
	bad := w.s.Send(t, loginForm("ann@example.com", "wrong-password", ""))
	if sessionCookie(t, bad) != nil {
		t.Errorf("a failed sign-in set a cookie")
	}
	// A signed-in browser sees the home page.
	b := ts.Browser{Cookie: c.Name + "=" + c.Value}
	page{req: get(b, "/"), status: 200, contains: []string{"ann@example.com", "Sales"}}.run(t, w.s)
	// Signed in, the sign-in page sends on.
	page{req: get(b, "/login?next=/account"), status: 303, location: "/account"}.run(t, w.s)
}

func TestLoginSameAnswerForUnknownEmail(t *testing.T) {
	w := newWorld(t)
	a := w.s.Send(t, loginForm("ann@example.com", "wrong-password", ""))
	b := w.s.Send(t, loginForm("nobody@example.com", "wrong-password", ""))
	norm := func(body []byte) string {
		return strings.Replace(strings.Replace(string(body), "ann@example.com", "E", 1), "nobody@example.com", "E", 1)
	}
	if a.Status != b.Status || norm(a.Body) != norm(b.Body) {
		t.Errorf("answers differ:\n%d %s\n%d %s", a.Status, a.Body, b.Status, b.Body)
	}
}

func TestLoginSlowedDown(t *testing.T) {
	w := newWorld(t)
	for i := range auth.DefaultLoginFreeFailures {
		page{name: fmt.Sprint(i), req: loginForm("ann@example.com", "guess", ""), status: 401}.run(t, w.s)
	}
	// Even the right password waits now; the page says how long.
	res := page{req: loginForm("ann@example.com", password, ""), status: 429,
		contains: []string{"Too many failed sign-in attempts. Try again in 2 seconds."}}.run(t, w.s)
	if res.Header.Get("Retry-After") != "2" || sessionCookie(t, res) != nil {
		t.Errorf("Retry-After %q, cookie %v", res.Header.Get("Retry-After"), sessionCookie(t, res))
	}
	// Another email from the same client address is not held back: an
	// address has more free failures (people share addresses).
	page{req: loginForm("bob@example.com", password, ""), status: 303}.run(t, w.s)
	w.s.Clock.Advance(auth.DefaultLoginDelay)
	page{req: loginForm("ann@example.com", password, ""), status: 303, location: "/"}.run(t, w.s)
}

func TestSessions(t *testing.T) {
	w := newWorld(t)
	anon := ts.Browser{}
	runPages(t, w.s, []page{
		{name: "signed out home", req: get(anon, "/"), status: 303, location: "/login?next=%2F"},
		{name: "signed out account", req: get(anon, "/account"), status: 303, location: "/login?next=%2Faccount"},
		{name: "signed out doc", req: get(anon, "/doc/"+w.docID+"/api"), status: 303, location: "/login?next=%2Fdoc%2F" + w.docID + "%2Fapi"},
		{name: "signed out form", req: form(anon, "/account/keys", url.Values{"name": {"k"}}, false), status: 303, location: "/login?expired=1"},
		{name: "unknown cookie", req: get(ts.Browser{Cookie: auth.SessionCookie + "=made-up"}, "/"), status: 303, location: "/login?expired=1&next=%2F"},
	})

	t.Run("expired", func(t *testing.T) {
		b := w.s.SignIn(t, "ann@example.com", password)
		page{req: get(b, "/account"), status: 200}.run(t, w.s)
		w.s.Clock.Advance(auth.DefaultSessionIdleTimeout)
		res := page{req: get(b, "/account"), status: 303, location: "/login?expired=1&next=%2Faccount"}.run(t, w.s)
		if c := sessionCookie(t, res); c == nil || c.MaxAge >= 0 {
			t.Errorf("the ended session's cookie was not cleared: %+v", c)
		}
		// A form sent with an ended session changes nothing.
		page{req: form(b, "/workspaces/"+fmt.Sprint(w.wsID)+"/docs", url.Values{"name": {"Late"}}, true),
			status: 303, location: "/login?expired=1"}.run(t, w.s)
		if names := w.docNames(t); strings.Contains(names, "Late") {
			t.Errorf("a form with an ended session created a document: %s", names)
		}
		// The API treats the ended session as anonymous.
		res = w.s.Send(t, get(b, "/api/docs/"+w.docID))
		if res.Status != 403 {
			t.Errorf("API with an ended session: %d %s", res.Status, res.Body)
		}
	})

	t.Run("sign out", func(t *testing.T) {
		b := w.s.SignIn(t, "ann@example.com", password)
		other := w.s.SignIn(t, "ann@example.com", password)
		// Without the CSRF token another site cannot sign the user out.
		page{req: form(b, "/logout", nil, false), status: 403}.run(t, w.s)
		page{req: get(b, "/"), status: 200}.run(t, w.s)
		res := page{req: form(b, "/logout", nil, true), status: 303, location: "/login?signedout=1"}.run(t, w.s)
		if c := sessionCookie(t, res); c == nil || c.MaxAge >= 0 {
			t.Errorf("sign-out did not clear the cookie: %+v", c)
		}
		page{req: get(b, "/"), status: 303, location: "/login?expired=1&next=%2F"}.run(t, w.s)
		page{req: get(ts.Browser{}, "/login?signedout=1"), status: 200, contains: []string{"You are signed out."}}.run(t, w.s)
		page{req: get(other, "/"), status: 200}.run(t, w.s) // only that session ended
	})
}

// docNames lists ann's documents' names.
func (w *world) docNames(t *testing.T) string {
	t.Helper()
	wss, err := w.s.Home.ListWorkspaces(context.Background(), rowhouse.Actor{User: w.ann}, home.PersonalDomain(w.ann.ID))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ws := range wss {
		for _, d := range ws.Docs {
			names = append(names, d.Name)
		}
	}
	return strings.Join(names, ",")
}

func TestCSRF(t *testing.T) {
	w := newWorld(t)
	b := w.s.SignIn(t, "ann@example.com", password)
	other := w.s.SignIn(t, "bob@example.com", password)
	ws := fmt.Sprint(w.wsID)
	const refused = "This form has expired or did not come from this site, so nothing was changed."
	for _, tc := range []struct {
		name string
		csrf url.Values
	}{
		{"missing", nil},
		{"empty", url.Values{auth.CSRFField: {""}}},
		{"wrong", url.Values{auth.CSRFField: {"not-the-token"}}},
		{"another session's", url.Values{auth.CSRFField: {other.CSRF}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			with := func(v url.Values) url.Values {
				for k, vs := range tc.csrf {
					v[k] = vs
				}
				return v
			}
			runPages(t, w.s, []page{
				{name: "create doc", req: form(b, "/workspaces/"+ws+"/docs", with(url.Values{"name": {"Evil"}}), false), status: 403, contains: []string{refused}},
				{name: "delete doc", req: form(b, "/doc/"+w.docID+"/delete", with(url.Values{}), false), status: 403, contains: []string{refused}},
				{name: "create key", req: form(b, "/account/keys", with(url.Values{"name": {"evil"}}), false), status: 403, contains: []string{refused}},
			})
			if names := w.docNames(t); names != "Sales" {
				t.Errorf("documents changed: %s", names)
			}
			keys, _ := w.s.Keys.List(context.Background(), rowhouse.Actor{User: w.ann})
			if len(keys) != 1 {
				t.Errorf("keys changed: %d keys", len(keys))
			}
		})
	}
	page{req: form(b, "/workspaces/"+ws+"/docs", url.Values{"name": {"Good"}}, true), status: 303}.run(t, w.s)
	if names := w.docNames(t); names != "Good,Sales" {
		t.Errorf("with the token: %s", names)
	}
}

func TestCookieAuthenticatedAPI(t *testing.T) {
	w := newWorld(t)
	b := w.s.SignIn(t, "ann@example.com", password)
	cookie := map[string]string{"Cookie": b.Cookie}
	withCSRF := func(token string) map[string]string {
		return map[string]string{"Cookie": b.Cookie, auth.CSRFHeader: token}
	}
	ws := fmt.Sprint(w.wsID)
	const refused = "CSRF token missing or invalid: send the session's token in X-CSRF-Token"
	for _, sc := range []ts.Scenario{
		{Name: "read with the cookie", Method: "GET", URL: "/api/profile/user", Headers: cookie, Status: 200,
			Contains: []string{`"email":"ann@example.com"`}},
		{Name: "read a doc", Method: "GET", URL: "/api/docs/" + w.docID, Headers: cookie, Status: 200, Contains: []string{`"name":"Sales"`}},
		{Name: "read under /o/", Method: "GET", URL: "/o/docs/api/docs/" + w.docID, Headers: cookie, Status: 200},
		{Name: "write without token", Method: "POST", URL: "/api/workspaces/" + ws + "/docs", Body: map[string]string{"name": "X"},
			Headers: cookie, Status: 403, Error: refused},
		{Name: "write with a wrong token", Method: "POST", URL: "/api/workspaces/" + ws + "/docs", Body: map[string]string{"name": "X"},
			Headers: withCSRF("wrong"), Status: 403, Error: refused},
		{Name: "write under /o/ without token", Method: "PATCH", URL: "/o/docs/api/docs/" + w.docID, Body: map[string]string{"name": "X"},
			Headers: cookie, Status: 403, Error: refused},
		{Name: "delete without token", Method: "DELETE", URL: "/api/docs/" + w.docID, Headers: cookie, Status: 403, Error: refused},
		{Name: "write with the token", Method: "POST", URL: "/api/workspaces/" + ws + "/docs", Body: map[string]string{"name": "Made by cookie"},
			Headers: withCSRF(b.CSRF), Status: 200, JSON: `"<docid>"`},
		{Name: "a key wins over the cookie", Method: "GET", URL: "/api/profile/user",
			Headers: map[string]string{"Cookie": b.Cookie, "Authorization": "Bearer rh_bad"}, Status: 401, Error: "Bad request: invalid API key"},
		{Name: "a key needs no CSRF token", Method: "POST", URL: "/api/workspaces/" + ws + "/docs", Key: w.annKey,
			Headers: cookie, Body: map[string]string{"name": "Made by key"}, Status: 200},
	} {
		sc.Run(t, w.s)
	}
	if names := w.docNames(t); names != "Made by cookie,Made by key,Sales" {
		t.Errorf("documents: %s", names)
	}
}

func TestPageAccess(t *testing.T) {
	w := newWorld(t)
	ann := w.s.SignIn(t, "ann@example.com", password)
	bob := w.s.SignIn(t, "bob@example.com", password)
	d := "/doc/" + w.docID
	docPages := []string{d, d + "/api", d + "/api/rest", d + "/api/graphql"}

	t.Run("no access", func(t *testing.T) {
		for _, p := range docPages {
			page{req: get(bob, p), status: 403, contains: []string{"No view access"}, notContains: []string{"Sales"}}.run(t, w.s)
		}
		page{req: get(bob, "/"), status: 200, notContains: []string{"Sales"}}.run(t, w.s)
	})
	t.Run("missing", func(t *testing.T) {
		for _, p := range []string{"/doc/NoSuchDoc1234567890abc", "/doc/NoSuchDoc1234567890abc/api", "/doc/NoSuchDoc1234567890abc/api/rest"} {
			page{req: get(ann, p), status: 404, contains: []string{"document not found"}}.run(t, w.s)
		}
	})
	t.Run("owner", func(t *testing.T) {
		runPages(t, w.s, []page{
			{name: "doc", req: get(ann, d), status: 200, contains: []string{"Sales", "This document has no tables yet."}},
			{name: "api", req: get(ann, d+"/api"), status: 200,
				contains:    []string{"/api/docs/" + w.docID + "/openapi.json", d + "/api/rest", d + "/api/graphql", `id="webhooks"`, `id="twenty"`, "/rest/{plural}"},
				notContains: []string{"Only the document's owners manage its webhooks."}},
			{name: "rest", req: get(ann, d+"/api/rest"), status: 200,
				contains: []string{`data-spec-url="/api/docs/` + w.docID + `/openapi.json"`, `data-csrf="` + ann.CSRF + `"`, "/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/rest.js"}},
			{name: "graphql", req: get(ann, d+"/api/graphql"), status: 200,
				contains: []string{`data-endpoint="/api/docs/` + w.docID + `/graphql"`, `data-csrf="` + ann.CSRF + `"`, "/static/vendor/graphiql/graphiql.min.js", "/static/vendor/react/react.production.min.js"}},
			{name: "home offers delete", req: get(ann, "/"), status: 200, contains: []string{d + "/delete", d + "/rename"}},
		})
	})
	t.Run("viewer", func(t *testing.T) {
		w.share(t, rowhouse.RoleViewers)
		runPages(t, w.s, []page{
			{name: "doc", req: get(bob, d), status: 200, contains: []string{"Sales", "viewers"}},
			{name: "api", req: get(bob, d+"/api"), status: 200, contains: []string{"Only the document's owners manage its webhooks."}},
			{name: "rest", req: get(bob, d+"/api/rest"), status: 200},
			{name: "home lists it without rename or delete", req: get(bob, "/"), status: 200, contains: []string{"Sales"},
				notContains: []string{d + "/delete", d + "/rename"}},
			// Forms are checked by the services, whatever the page showed.
			{name: "rename refused", req: form(bob, d+"/rename", url.Values{"name": {"Hacked"}}, true), status: 403, contains: []string{"No write access"}},
			{name: "delete refused", req: form(bob, d+"/delete", nil, true), status: 403, contains: []string{"No owner access"}},
		})
		if names := w.docNames(t); names != "Sales" {
			t.Errorf("a viewer changed documents: %s", names)
		}
	})
	t.Run("editor", func(t *testing.T) {
		w.share(t, rowhouse.RoleEditors)
		page{req: form(bob, d+"/delete", nil, true), status: 403, contains: []string{"No owner access"}}.run(t, w.s)
		page{req: form(bob, d+"/rename", url.Values{"name": {"Renamed by Bob"}}, true), status: 303, location: "/?done=doc-renamed"}.run(t, w.s)
		if names := w.docNames(t); names != "Renamed by Bob" {
			t.Errorf("documents: %s", names)
		}
	})
}

func TestHomeForms(t *testing.T) {
	w := newWorld(t)
	b := w.s.SignIn(t, "ann@example.com", password)
	ws := fmt.Sprint(w.wsID)
	org := w.personalOrgID(t)
	runPages(t, w.s, []page{
		{name: "create doc", req: form(b, "/workspaces/"+ws+"/docs", url.Values{"name": {"Inventory"}}, true), status: 303, location: "/?done=doc-created"},
		{name: "notice", req: get(b, "/?done=doc-created"), status: 200, contains: []string{"Document created.", "Inventory"}},
		{name: "no made-up notice", req: get(b, "/?done=Call+us+now"), status: 200, notContains: []string{"Call us now", `class="msg notice"`}},
		{name: "empty name", req: form(b, "/workspaces/"+ws+"/docs", url.Values{"name": {"  "}}, true), status: 400, contains: []string{"Enter a name.", "Inventory"}},
		{name: "long name", req: form(b, "/workspaces/"+ws+"/docs", url.Values{"name": {strings.Repeat("n", 201)}}, true), status: 400,
			contains: []string{"The name is too long (200 characters at most)."}},
		{name: "unknown workspace", req: form(b, "/workspaces/99999/docs", url.Values{"name": {"X"}}, true), status: 404},
		{name: "bad workspace id", req: form(b, "/workspaces/abc/docs", url.Values{"name": {"X"}}, true), status: 404, contains: []string{"workspace not found"}},
		{name: "create workspace", req: form(b, "/orgs/"+org+"/workspaces", url.Values{"name": {"Projects"}}, true), status: 303},
		{name: "rename workspace", req: form(b, "/workspaces/"+ws+"/rename", url.Values{"name": {"Main"}}, true), status: 303},
		{name: "rename doc", req: form(b, "/doc/"+w.docID+"/rename", url.Values{"name": {"Sales 2025"}}, true), status: 303},
		{name: "listed", req: get(b, "/"), status: 200, contains: []string{"Projects", "Main", "Sales 2025", "Inventory"}},
		{name: "delete doc", req: form(b, "/doc/"+w.docID+"/delete", nil, true), status: 303, location: "/?done=doc-deleted"},
		{name: "gone", req: get(b, "/doc/"+w.docID), status: 404},
	})
	if names := w.docNames(t); names != "Inventory" {
		t.Errorf("documents: %s", names)
	}
}

func (w *world) personalOrgID(t *testing.T) string {
	t.Helper()
	o, err := w.s.Home.GetOrg(context.Background(), rowhouse.Actor{User: w.ann}, home.PersonalDomain(w.ann.ID))
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(o.ID)
}

var secretRE = regexp.MustCompile(`rh_[1-9A-HJ-NP-Za-km-z]{40}`)

func TestAPIKeys(t *testing.T) {
	w := newWorld(t)
	b := w.s.SignIn(t, "ann@example.com", password)
	// Create: the secret is on the page once, with a curl line.
	res := page{req: form(b, "/account/keys", url.Values{"name": {"laptop"}}, true), status: 200,
		contains: []string{"Key created. Copy it now: it will not be shown again.", `data-copy="new-key-secret"`, "curl -H 'Authorization: Bearer rh_", "/api/orgs\""}}.run(t, w.s)
	secret := secretRE.FindString(string(res.Body))
	if secret == "" {
		t.Fatalf("no key on the page: %s", res.Body)
	}
	ts.Scenario{Method: "GET", URL: "/api/profile/user", Key: secret, Status: 200, Contains: []string{"ann@example.com"}}.Test(t, w.s)
	// Listed with its prefix and last use, never its secret again.
	page{req: get(b, "/account"), status: 200, contains: []string{"laptop", secret[:9] + "…", "all documents, read-write", "2024-03-04 05:06 UTC"},
		notContains: []string{secret}}.run(t, w.s)

	// Scoped and expiring keys.
	res = page{req: form(b, "/account/keys", url.Values{"name": {"ro"}, "doc": {w.docID}, "readonly": {"1"}, "expires": {"2030-01-01"}}, true),
		status: 200, contains: []string{"documents Sales, read-only", "2030-01-01 00:00 UTC", "/api/docs/" + w.docID + "/tables\""}}.run(t, w.s)
	ro := secretRE.FindString(string(res.Body))
	ts.Scenario{Method: "GET", URL: "/api/docs/" + w.docID, Key: ro, Status: 200}.Test(t, w.s)
	ts.Scenario{Method: "PATCH", URL: "/api/docs/" + w.docID, Key: ro, Body: map[string]string{"name": "x"}, Status: 403}.Test(t, w.s)
	ts.Scenario{Method: "GET", URL: "/api/orgs", Key: ro, Status: 403}.Test(t, w.s)

	// Bad values: a message on the page, the form filled again, no key.
	runPages(t, w.s, []page{
		{name: "no name", req: form(b, "/account/keys", url.Values{"name": {""}}, true), status: 400, contains: []string{"Enter a name for the key."}},
		{name: "taken name", req: form(b, "/account/keys", url.Values{"name": {"laptop"}}, true), status: 400,
			contains: []string{"an API key named &#34;laptop&#34; already exists"}},
		{name: "long name", req: form(b, "/account/keys", url.Values{"name": {strings.Repeat("k", 101)}}, true), status: 400,
			contains: []string{"name must be 1 to 100 characters"}},
		{name: "past expiry", req: form(b, "/account/keys", url.Values{"name": {"old"}, "expires": {"2020-01-01"}}, true), status: 400,
			contains: []string{"The expiry date must be in the future.", `value="old"`}},
		{name: "bad expiry", req: form(b, "/account/keys", url.Values{"name": {"old"}, "expires": {"soon"}}, true), status: 400,
			contains: []string{"The expiry date &#34;soon&#34; is not a date (YYYY-MM-DD)."}},
		{name: "doc not visible", req: form(b, "/account/keys", url.Values{"name": {"x"}, "doc": {"NoSuchDoc1234567890abc"}}, true), status: 400,
			contains: []string{"scopes.docs: NoSuchDoc1234567890abc: document not found"}},
	})
	keys, err := w.s.Keys.List(context.Background(), rowhouse.Actor{User: w.ann})
	if err != nil || len(keys) != 3 {
		t.Fatalf("keys: %d, %v; want main, laptop and ro", len(keys), err)
	}
	// Remove: the key stops working.
	var laptop int64
	for _, k := range keys {
		if k.Name == "laptop" {
			laptop = k.ID
		}
	}
	page{req: form(b, fmt.Sprintf("/account/keys/%d/delete", laptop), nil, true), status: 303, location: "/account?done=key-removed"}.run(t, w.s)
	ts.Scenario{Method: "GET", URL: "/api/profile/user", Key: secret, Status: 401}.Test(t, w.s)
	page{req: get(b, "/account?done=key-removed"), status: 200, contains: []string{"Key removed."}, notContains: []string{"laptop"}}.run(t, w.s)
	// Another user's key, or a missing one, is not found.
	bob := w.s.SignIn(t, "bob@example.com", password)
	page{req: form(bob, fmt.Sprintf("/account/keys/%d/delete", keys[0].ID), nil, true), status: 404, contains: []string{"API key not found"}}.run(t, w.s)
	page{req: form(b, "/account/keys/abc/delete", nil, true), status: 404}.run(t, w.s)
}

// TestGridPage: the grid page carries no records, only what its script
// needs to read them through the REST API: the document, the table, the
// session's CSRF token, the change feed's sequence number, and what the
// user's role allows (owners the schema, editors the cells, viewers
// nothing). Its assets are embedded.
func TestGridPage(t *testing.T) {
	w := newWorld(t)
	base := "/api/docs/" + w.docID
	ts.Scenario{Method: "POST", URL: base + "/tables", Key: w.annKey, Status: 200, Body: map[string]any{"tables": []any{
		map[string]any{"id": "People", "columns": []any{map[string]any{"id": "name"}}},
		map[string]any{"id": "Empty", "columns": []any{map[string]any{"id": "x"}}},
	}}}.Test(t, w.s)
	ts.Scenario{Method: "POST", URL: base + "/tables/People/records", Key: w.annKey, Status: 200,
		Body: map[string]any{"records": []any{map[string]any{"fields": map[string]any{"name": "secret <b>"}}}}}.Test(t, w.s)
	ann := w.s.SignIn(t, "ann@example.com", password)
	d := "/doc/" + w.docID
	doc, err := w.s.Docs.Open(context.Background(), w.docID)
	if err != nil {
		t.Fatal(err)
	}
	seq, err := doc.LastSeq(context.Background())
	doc.Close()
	if err != nil || seq == 0 {
		t.Fatalf("last seq %d, %v", seq, err)
	}
	page{req: get(ann, d), status: 200, contains: []string{
		`id="grid"`, `data-doc="` + w.docID + `"`, `data-table="People"`, `data-csrf="` + ann.CSRF + `"`, `data-seq="` + fmt.Sprint(seq) + `"`,
		`data-can-edit="true"`, `data-can-schema="true"`, `id="add-column"`, `id="add-row"`, `id="add-table"`,
		`/static/vendor/slickgrid/slick.grid.js`, `/static/grid.js`, `/static/vendor/slickgrid/slick-alpine-theme.css`,
		`?table=Empty`}, notContains: []string{"secret"}}.run(t, w.s)
	page{name: "other table", req: get(ann, d+"?table=Empty"), status: 200, contains: []string{`data-table="Empty"`}}.run(t, w.s)
	page{name: "unknown table", req: get(ann, d+"?table=Nope"), status: 404, contains: []string{"Table not found &#34;Nope&#34;"}}.run(t, w.s)

	w.share(t, rowhouse.RoleEditors)
	bob := w.s.SignIn(t, "bob@example.com", password)
	page{name: "editor", req: get(bob, d), status: 200, contains: []string{`data-can-edit="true"`, `data-can-schema="false"`, `id="add-row"`},
		notContains: []string{`id="add-column"`, `id="add-table"`, `id="remove-table"`}}.run(t, w.s)
	w.share(t, rowhouse.RoleViewers)
	page{name: "viewer", req: get(bob, d), status: 200, contains: []string{`data-can-edit="false"`, `data-can-schema="false"`, "read-only"},
		notContains: []string{`id="add-row"`, `id="add-column"`, `id="delete-rows"`}}.run(t, w.s)
	for _, p := range []string{"/static/grid.js", "/static/grid-boot.js", "/static/grid.css", "/static/vendor/slickgrid/slick.grid.js", "/static/vendor/slickgrid/slick-alpine-theme.css"} {
		if r := w.s.Send(t, ts.Request{Method: "GET", Path: p}); r.Status != 200 || len(r.Body) < 500 {
			t.Errorf("%s: %d, %d bytes", p, r.Status, len(r.Body))
		}
	}
}

func htmlUnescape(s string) string { return strings.ReplaceAll(s, "&amp;", "&") }

func TestStaticAndHeaders(t *testing.T) {
	w := newWorld(t)
	b := w.s.SignIn(t, "ann@example.com", password)
	for _, tc := range []struct{ path, ctype string }{
		{"/static/app.css", "text/css"},
		{"/static/app.js", "text/javascript"},
		{"/static/vendor/swagger-ui/swagger-ui-bundle.js", "text/javascript"},
		{"/static/vendor/graphiql/graphiql.min.css", "text/css"},
		{"/static/vendor/react/react.production.min.js", "text/javascript"},
		{"/static/vendor/react-dom/react-dom.production.min.js", "text/javascript"},
	} {
		res := w.s.Send(t, ts.Request{Method: "GET", Path: tc.path})
		if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), tc.ctype) || len(res.Body) < 100 {
			t.Errorf("%s: %d %q (%d bytes)", tc.path, res.Status, res.Header.Get("Content-Type"), len(res.Body))
		}
	}
	for _, p := range []string{"/static/nope.js", "/static/", "/static/vendor/"} {
		if res := w.s.Send(t, ts.Request{Method: "GET", Path: p}); res.Status != 404 {
			t.Errorf("%s: %d, want 404", p, res.Status)
		}
	}
	// Pages load nothing from elsewhere, and say so to the browser.
	assetRE := regexp.MustCompile(`(?:src|href)="([^"]+)"`)
	for _, p := range []string{"/login", "/", "/account", "/doc/" + w.docID, "/doc/" + w.docID + "/api", "/doc/" + w.docID + "/api/rest", "/doc/" + w.docID + "/api/graphql"} {
		br := b
		if p == "/login" {
			br = ts.Browser{}
		}
		res := w.s.Send(t, get(br, p))
		if res.Status != 200 {
			t.Errorf("%s: %d", p, res.Status)
			continue
		}
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "script-src 'self';") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		for _, m := range assetRE.FindAllStringSubmatch(string(res.Body), -1) {
			if !strings.HasPrefix(m[1], "/") || strings.HasPrefix(m[1], "//") {
				t.Errorf("%s: links outside the site: %s", p, m[1])
			}
		}
		if strings.Contains(string(res.Body), "<script>") {
			t.Errorf("%s: inline script", p)
		}
	}
	// Paths that are not pages keep the API's JSON 404.
	for _, p := range []string{"/nope", "/doc/" + w.docID + "/other", "/account/other"} {
		ts.Scenario{Method: "GET", URL: p, Status: 404, Error: "not found: " + p}.Test(t, w.s)
	}
}

// TestKeyExpiryShown checks the key list's expiry and last-use columns.
func TestKeyExpiryShown(t *testing.T) {
	w := newWorld(t)
	exp := ts.Epoch.Add(48 * time.Hour)
	w.s.Key(w.ann, auth.NewKey{Name: "short-lived", ExpiresAt: &exp})
	b := w.s.SignIn(t, "ann@example.com", password)
	page{req: get(b, "/account"), status: 200, contains: []string{"short-lived", "2024-03-06 05:06 UTC", "never"}}.run(t, w.s)
}
