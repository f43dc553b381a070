package auth_test

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
	"github.com/rowhouse/rowhouse/store/sqlite"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	s     *auth.Sessions
	home  *home.Service
	clock *clock
	user  rowhouse.User
}

const goodPassword = "s3cret-passw0rd"

func newFixture(t *testing.T, cfg auth.SessionConfig) *fixture {
	t.Helper()
	ctx := context.Background()
	// The same tests on PostgreSQL when ROWHOUSE_TEST_POSTGRES is set:
	// the sessions' SQL is written once for both engines.
	var engine store.Engine
	if pgtest.Enabled() {
		engine = pgtest.Open(t)
	} else {
		e, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		engine = e
	}
	c := &clock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	hs := home.New(engine, c.Now, slog.New(slog.DiscardHandler))
	u, _, err := hs.EnsureUser(ctx, "ann@example.com", "Ann")
	if err != nil {
		t.Fatal(err)
	}
	s := auth.NewSessions(engine.Home(), c.Now, cfg)
	if err := s.SetPassword(ctx, u.ID, goodPassword); err != nil {
		t.Fatal(err)
	}
	return &fixture{s: s, home: hs, clock: c, user: u}
}

func TestSignInAndLookup(t *testing.T) {
	f := newFixture(t, auth.SessionConfig{})
	ctx := context.Background()
	sess, token, err := f.s.SignIn(ctx, "  ANN@example.com ", goodPassword, "10.0.0.1")
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	if sess.User.ID != f.user.ID || sess.User.Email != "ann@example.com" {
		t.Errorf("session user %+v, want %+v", sess.User, f.user)
	}
	if len(token) < 40 || len(sess.CSRF) < 32 || token == sess.CSRF {
		t.Errorf("token %q / csrf %q: too short or equal", token, sess.CSRF)
	}
	got, err := f.s.Lookup(ctx, token)
	if err != nil {
		t.Fatalf("lookup: %v", err)
	}
	if got.User.ID != f.user.ID || got.CSRF != sess.CSRF {
		t.Errorf("lookup = %+v, want user %d csrf %q", got, f.user.ID, sess.CSRF)
	}
	if !got.CheckCSRF(sess.CSRF) || got.CheckCSRF("") || got.CheckCSRF(sess.CSRF+"x") || got.CheckCSRF(token) {
		t.Errorf("CheckCSRF accepts the wrong tokens or refuses the right one")
	}
	for _, bad := range []string{"", "nope", token + "x", strings.Repeat("a", 200)} {
		if _, err := f.s.Lookup(ctx, bad); rowhouse.ErrorKind(err) != rowhouse.EUNAUTHORIZED {
			t.Errorf("Lookup(%q) = %v, want EUNAUTHORIZED", bad, err)
		}
	}
	// A second sign-in is a second, independent session.
	_, token2, err := f.s.SignIn(ctx, "ann@example.com", goodPassword, "10.0.0.1")
	if err != nil || token2 == token {
		t.Fatalf("second sign in: %v (token reused: %v)", err, token2 == token)
	}
	if err := f.s.SignOut(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Lookup(ctx, token); rowhouse.ErrorKind(err) != rowhouse.EUNAUTHORIZED {
		t.Errorf("after sign-out: %v, want EUNAUTHORIZED", err)
	}
	if _, err := f.s.Lookup(ctx, token2); err != nil {
		t.Errorf("the other session ended with the first: %v", err)
	}
}

func TestSignInFailuresLookTheSame(t *testing.T) {
	f := newFixture(t, auth.SessionConfig{})
	ctx := context.Background()
	if _, _, err := f.home.EnsureUser(ctx, "nopass@example.com", ""); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, email, password string }{
		{"wrong password", "ann@example.com", "wrong-password"},
		{"unknown email", "bob@example.com", goodPassword},
		{"user without password", "nopass@example.com", ""},
		{"dummy hash's password on unknown email", "zed@example.com", "not the password of anyone"},
		{"huge password", "ann@example.com", strings.Repeat(goodPassword, 1000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, token, err := f.s.SignIn(ctx, tc.email, tc.password, "10.0.0."+tc.name[:1])
			if err != auth.ErrBadCredentials || token != "" {
				t.Errorf("SignIn = %q, %v; want ErrBadCredentials", token, err)
			}
			if rowhouse.ErrorMessage(err) != "Incorrect email or password." {
				t.Errorf("message %q", rowhouse.ErrorMessage(err))
			}
		})
	}
}

func TestSignInSlowedDown(t *testing.T) {
	cfg := auth.SessionConfig{FreeFailures: 3, AddrFreeFailures: 5, Delay: 10 * time.Second, MaxDelay: 40 * time.Second, Forget: 10 * time.Minute}
	ctx := context.Background()

	t.Run("per email", func(t *testing.T) {
		f := newFixture(t, cfg)
		// Each failure comes from another address: only the email counts.
		for i := range 3 {
			if _, _, err := f.s.SignIn(ctx, "ann@example.com", "wrong", "10.0.1."+string(rune('0'+i))); err != auth.ErrBadCredentials {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		// The next attempt waits 10 s, even with the right password.
		_, _, err := f.s.SignIn(ctx, "ann@example.com", goodPassword, "10.0.1.9")
		if rowhouse.ErrorKind(err) != rowhouse.ERATELIMIT || rowhouse.ErrorMessage(err) != "Too many failed sign-in attempts. Try again in 10 seconds." {
			t.Fatalf("after 3 failures: %v", err)
		}
		if e, ok := err.(*rowhouse.Error); !ok || e.Details["retryAfter"] != 10 {
			t.Errorf("retryAfter detail: %#v", err)
		}
		// Unknown emails are slowed down the same way (no hint that they
		// do not exist).
		for range 3 {
			f.s.SignIn(ctx, "ghost@example.com", "x", "10.0.2.1")
		}
		if _, _, err := f.s.SignIn(ctx, "ghost@example.com", "x", "10.0.2.2"); rowhouse.ErrorKind(err) != rowhouse.ERATELIMIT {
			t.Errorf("unknown email after 3 failures: %v, want ERATELIMIT", err)
		}
		f.clock.Advance(10 * time.Second)
		// One more failure doubles the wait.
		if _, _, err := f.s.SignIn(ctx, "ann@example.com", "wrong", "10.0.1.9"); err != auth.ErrBadCredentials {
			t.Fatalf("after the wait: %v", err)
		}
		f.clock.Advance(19 * time.Second)
		if _, _, err := f.s.SignIn(ctx, "ann@example.com", goodPassword, "10.0.1.9"); rowhouse.ErrorMessage(err) != "Too many failed sign-in attempts. Try again in 1 seconds." {
			t.Fatalf("19 s into a 20 s wait: %v", err)
		}
		f.clock.Advance(time.Second)
		if _, _, err := f.s.SignIn(ctx, "ann@example.com", goodPassword, "10.0.1.9"); err != nil {
			t.Fatalf("after the doubled wait, the right password: %v", err)
		}
		// Success forgets the failures: the next mistake is free again.
		if _, _, err := f.s.SignIn(ctx, "ann@example.com", "wrong", "10.0.1.9"); err != auth.ErrBadCredentials {
			t.Errorf("after success: %v", err)
		}
	})

	t.Run("per address", func(t *testing.T) {
		f := newFixture(t, cfg)
		// Five failures on five emails: each email is under its limit,
		// the address reaches its own (more lenient) one.
		for i, email := range []string{"a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com"} {
			if _, _, err := f.s.SignIn(ctx, email, "guess", "192.0.2.7"); err != auth.ErrBadCredentials {
				t.Fatalf("failure %d: %v", i+1, err)
			}
			if i == 3 { // 4 failures: still free for the address
				if _, _, err := f.s.SignIn(ctx, "ann@example.com", goodPassword, "192.0.2.7"); err != nil {
					t.Fatalf("address with 4 failures of 5 free: %v", err)
				}
			}
		}
		if _, _, err := f.s.SignIn(ctx, "ann@example.com", goodPassword, "192.0.2.7"); rowhouse.ErrorKind(err) != rowhouse.ERATELIMIT {
			t.Errorf("address with 5 failures: %v, want ERATELIMIT", err)
		}
		if _, _, err := f.s.SignIn(ctx, "ann@example.com", goodPassword, "192.0.2.8"); err != nil {
			t.Errorf("another address: %v", err)
		}
	})

	t.Run("forgotten", func(t *testing.T) {
		f := newFixture(t, cfg)
		for range 5 {
			f.s.SignIn(ctx, "ann@example.com", "wrong", "192.0.2.9")
		}
		f.clock.Advance(10 * time.Minute)
		if _, _, err := f.s.SignIn(ctx, "ann@example.com", goodPassword, "192.0.2.9"); err != nil {
			t.Errorf("after Forget: %v", err)
		}
	})

	t.Run("capped", func(t *testing.T) {
		f := newFixture(t, cfg)
		for range 3 {
			f.s.SignIn(ctx, "ann@example.com", "wrong", "192.0.2.10")
		}
		for range 6 { // waits 10, 20, 40, 40, ... s
			f.clock.Advance(40 * time.Second)
			if _, _, err := f.s.SignIn(ctx, "ann@example.com", "wrong", "192.0.2.10"); err != auth.ErrBadCredentials {
				t.Fatalf("after a capped wait: %v", err)
			}
		}
		_, _, err := f.s.SignIn(ctx, "ann@example.com", "wrong", "192.0.2.10")
		if rowhouse.ErrorMessage(err) != "Too many failed sign-in attempts. Try again in 40 seconds." {
			t.Errorf("wait not capped at MaxDelay: %v", err)
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, auth.SessionConfig{MaxAge: 10 * time.Hour, IdleTimeout: 2 * time.Hour})
	_, token, err := f.s.SignIn(ctx, "ann@example.com", goodPassword, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	// Used every 90 minutes, the session outlives the idle timeout...
	for range 6 {
		f.clock.Advance(90 * time.Minute)
		if _, err := f.s.Lookup(ctx, token); err != nil {
			t.Fatalf("at %s: %v", f.clock.Now(), err)
		}
	}
	// ...but not its maximum age.
	f.clock.Advance(90 * time.Minute) // 10.5 h after sign-in
	if _, err := f.s.Lookup(ctx, token); rowhouse.ErrorMessage(err) != "Your session has expired. Please sign in again." {
		t.Errorf("past MaxAge: %v", err)
	}

	_, idle, err := f.s.SignIn(ctx, "ann@example.com", goodPassword, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Hour)
	if _, err := f.s.Lookup(ctx, idle); rowhouse.ErrorKind(err) != rowhouse.EUNAUTHORIZED {
		t.Errorf("idle for IdleTimeout: %v, want EUNAUTHORIZED", err)
	}
}

func TestSetPasswordEndsSessions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, auth.SessionConfig{})
	_, token, err := f.s.SignIn(ctx, "ann@example.com", goodPassword, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetPassword(ctx, f.user.ID, "short"); rowhouse.ErrorKind(err) != rowhouse.EINVALID {
		t.Fatalf("short password: %v", err)
	}
	if _, err := f.s.Lookup(ctx, token); err != nil {
		t.Fatalf("a refused password change ended the session: %v", err)
	}
	if err := f.s.SetPassword(ctx, f.user.ID, "another-password"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Lookup(ctx, token); rowhouse.ErrorKind(err) != rowhouse.EUNAUTHORIZED {
		t.Errorf("session survived a password change: %v", err)
	}
	if _, _, err := f.s.SignIn(ctx, "ann@example.com", goodPassword, "10.0.0.1"); err != auth.ErrBadCredentials {
		t.Errorf("old password: %v", err)
	}
	if _, _, err := f.s.SignIn(ctx, "ann@example.com", "another-password", "10.0.0.1"); err != nil {
		t.Errorf("new password: %v", err)
	}
}

func TestSessionCookie(t *testing.T) {
	exp := time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
	plain := httptest.NewRequest("GET", "http://example.com/", nil)
	tlsReq := httptest.NewRequest("GET", "https://example.com/", nil)
	tlsReq.TLS = &tls.ConnectionState{}
	proxied := httptest.NewRequest("GET", "http://example.com/", nil)
	proxied.Header.Set("X-Forwarded-Proto", "https")
	for _, tc := range []struct {
		name       string
		trustProxy bool
		r          *http.Request
		secure     bool
	}{
		{"plain http", false, plain, false},
		{"tls", false, tlsReq, true},
		{"forwarded https, proxy not trusted", false, proxied, false},
		{"forwarded https, proxy trusted", true, proxied, true},
		{"plain http, proxy trusted", true, plain, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := auth.NewSessions(nil, time.Now, auth.SessionConfig{TrustProxy: tc.trustProxy})
			c := s.Cookie(tc.r, "tok", exp)
			if c.Name != auth.SessionCookie || c.Value != "tok" || c.Path != "/" || !c.HttpOnly ||
				c.SameSite != http.SameSiteLaxMode || c.Secure != tc.secure || !c.Expires.Equal(exp) {
				t.Errorf("cookie %+v", c)
			}
			gone := s.Cookie(tc.r, "", time.Time{})
			if gone.MaxAge >= 0 || gone.Value != "" {
				t.Errorf("removal cookie %+v", gone)
			}
		})
	}
}
