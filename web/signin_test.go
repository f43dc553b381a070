package web_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/auth"
	ts "github.com/rowhouse/rowhouse/internal/testserver"
)

// linkSession follows a sign-in link's answer: its session cookie, looked
// up, as a browser holding it.
func linkSession(t *testing.T, s *ts.Server, res *ts.Response) ts.Browser {
	t.Helper()
	c := sessionCookie(t, res)
	if c == nil || c.Value == "" {
		t.Fatalf("no session cookie: %v", res.Header)
	}
	sess, err := s.Sessions.Lookup(context.Background(), c.Value)
	if err != nil {
		t.Fatalf("the link's session: %v", err)
	}
	if !sess.FromLink {
		t.Errorf("a link's session is not marked FromLink")
	}
	return ts.Browser{Cookie: c.Name + "=" + c.Value, CSRF: sess.CSRF}
}

// TestSignInLink: a one-time link signs its user in once, within its
// lifetime; the home page then asks for a password, which can be set
// without a current one; every other use of the link, an expired link and
// a made-up one are refused with the sign-in page and no session. Runs on
// either engine (internal/testserver).
func TestSignInLink(t *testing.T) {
	w := newWorld(t)
	s := w.s
	ctx := context.Background()
	owner := s.User("owner@example.com") // no password, as on a first start
	link := func(ttl time.Duration) string {
		t.Helper()
		token, exp, err := s.Sessions.CreateSignInLink(ctx, owner.ID, ttl)
		if err != nil {
			t.Fatal(err)
		}
		if want := s.Clock.Now().Add(ttl); !exp.Equal(want) {
			t.Errorf("link expires %v, want %v", exp, want)
		}
		if !regexp.MustCompile(`^[1-9A-HJ-NP-Za-km-z]{40}$`).MatchString(token) {
			t.Errorf("token %q", token)
		}
		return auth.SignInPath + token
	}

	path := link(time.Hour)
	res := page{name: "follow", req: ts.Request{Method: "GET", Path: path}, status: 303, location: "/"}.run(t, s)
	b := linkSession(t, s, res)
	if rp := res.Header.Get("Referrer-Policy"); rp != "no-referrer" {
		t.Errorf("Referrer-Policy %q", rp)
	}
	page{name: "home asks for a password", req: get(b, "/"), status: 200,
		contains:    []string{`id="welcome"`, "Welcome! Choose a password", `action="/account/password"`, "owner@example.com"},
		notContains: []string{`name="current"`}}.run(t, s)

	// Used once: never again, even by the same browser.
	for _, p := range []page{
		{name: "reused", req: ts.Request{Method: "GET", Path: path}, status: 401, contains: []string{"This sign-in link is not valid"}},
		{name: "wrong token", req: ts.Request{Method: "GET", Path: auth.SignInPath + "1111111111111111111111111111111111111111"}, status: 401,
			contains: []string{"This sign-in link is not valid", `name="password"`}},
		{name: "empty-ish token", req: ts.Request{Method: "GET", Path: auth.SignInPath + strings.Repeat("x", 200)}, status: 401},
	} {
		t.Run(p.name, func(t *testing.T) {
			res := p.run(t, s)
			if c := sessionCookie(t, res); c != nil && c.Value != "" {
				t.Errorf("a refused link set a session cookie")
			}
		})
	}

	// Expired: refused, and gone (it does not work if the clock went back).
	expired := link(10 * time.Minute)
	s.Clock.Advance(10 * time.Minute)
	page{name: "expired", req: ts.Request{Method: "GET", Path: expired}, status: 401, contains: []string{"This sign-in link has expired"}}.run(t, s)
	page{name: "expired, again", req: ts.Request{Method: "GET", Path: expired}, status: 401, contains: []string{"not valid"}}.run(t, s)
	s.Clock.Advance(-10 * time.Minute)

	// The password form: mismatched, too short, then set; the link's
	// session ends and a new one (not from a link) replaces it.
	runPages(t, s, []page{
		{name: "mismatch", req: form(b, "/account/password", url.Values{"password": {"a long password"}, "confirm": {"another one"}}, true),
			status: 400, contains: []string{"The two passwords are not the same."}},
		{name: "too short", req: form(b, "/account/password", url.Values{"password": {"short"}, "confirm": {"short"}}, true),
			status: 400, contains: []string{"at least 8 characters"}},
		{name: "no CSRF", req: form(b, "/account/password", url.Values{"password": {"a long password"}, "confirm": {"a long password"}}, false),
			status: 403},
	})
	res = page{name: "set", req: form(b, "/account/password", url.Values{"password": {"a long password"}, "confirm": {"a long password"}}, true),
		status: 303, location: "/?done=password-set"}.run(t, s)
	nc := sessionCookie(t, res)
	if nc == nil || nc.Value == "" {
		t.Fatal("no new session after setting the password")
	}
	if _, err := s.Sessions.Lookup(ctx, strings.TrimPrefix(b.Cookie, auth.SessionCookie+"=")); err == nil {
		t.Errorf("the link's session survived the password change")
	}
	nb := ts.Browser{Cookie: nc.Name + "=" + nc.Value}
	page{name: "home after", req: get(nb, "/?done=password-set"), status: 200, contains: []string{"Password saved."}, notContains: []string{`id="welcome"`}}.run(t, s)
	s.SignIn(t, "owner@example.com", "a long password")

	// A second link for a user with a password (a forgotten one): the
	// home page asks for a new one, and the link's session may replace it
	// without the current password; a password session may not.
	b2 := linkSession(t, s, page{name: "reset link", req: ts.Request{Method: "GET", Path: link(time.Hour)}, status: 303}.run(t, s))
	page{name: "home asks for a new password", req: get(b2, "/"), status: 200, contains: []string{"Choose a new password"}, notContains: []string{`name="current"`}}.run(t, s)
	page{name: "reset", req: form(b2, "/account/password", url.Values{"password": {"the new password"}, "confirm": {"the new password"}}, true),
		status: 303}.run(t, s)
	pb := s.SignIn(t, "owner@example.com", "the new password")
	runPages(t, s, []page{
		{name: "account asks for the current one", req: get(pb, "/account"), status: 200, contains: []string{`name="current"`, "Change password"}},
		{name: "home does not ask", req: get(pb, "/"), status: 200, notContains: []string{`id="welcome"`}},
		{name: "wrong current", req: form(pb, "/account/password", url.Values{"next": {"/account"}, "current": {"not it"}, "password": {"a third password"}, "confirm": {"a third password"}}, true),
			status: 400, contains: []string{"The current password is not right.", `id="password"`}},
		{name: "right current", req: form(pb, "/account/password", url.Values{"next": {"/account"}, "current": {"the new password"}, "password": {"a third password"}, "confirm": {"a third password"}}, true),
			status: 303, location: "/account?done=password-set"},
	})
	s.SignIn(t, "owner@example.com", "a third password")
}

// TestSignInLinkUnknownUser: a link cannot be made for a user who does
// not exist.
func TestSignInLinkUnknownUser(t *testing.T) {
	s := ts.New(t)
	if _, _, err := s.Sessions.CreateSignInLink(context.Background(), 987654, time.Hour); err == nil {
		t.Fatal("made a link for no user")
	}
}
