package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/home"
	"github.com/rowhouse/rowhouse/ratelimit"
	"github.com/rowhouse/rowhouse/store"
)

// SessionCookie is the name of the cookie that carries a browser session's
// token. The token is random (about 234 bits); only its SHA-256 is stored.
const SessionCookie = "rowhouse_session"

// CSRFHeader is the header that cookie-authenticated API writes must carry,
// holding the session's CSRF token (forms carry it in the field CSRFField).
const (
	CSRFHeader = "X-CSRF-Token"
	CSRFField  = "csrf"
)

// sessionTokenLen and csrfLen are the random base58 characters of a session
// token and of a CSRF token.
const (
	sessionTokenLen = 40
	csrfLen         = 32
)

// Session defaults: see SessionConfig.
const (
	DefaultSessionMaxAge      = 7 * 24 * time.Hour
	DefaultSessionIdleTimeout = 12 * time.Hour
	DefaultLoginFreeFailures  = 5
	DefaultAddrFreeFailures   = 20
	DefaultLoginDelay         = 2 * time.Second
	DefaultLoginMaxDelay      = 5 * time.Minute
	DefaultLoginForget        = 15 * time.Minute
	defaultThrottleEntries    = 100_000
	sessionTouchEvery         = time.Minute
)

// SessionConfig sets the lifetime of sessions and how failed sign-ins are
// slowed down. Zero fields take the defaults.
type SessionConfig struct {
	// MaxAge is a session's absolute lifetime; IdleTimeout ends it sooner
	// when it is not used for that long.
	MaxAge      time.Duration
	IdleTimeout time.Duration
	// FreeFailures is how many failed sign-ins an email may have, and
	// AddrFreeFailures how many a client address may have (more: many
	// people may share one address), before each further attempt must
	// wait; the wait starts at Delay and doubles with each further
	// failure up to MaxDelay. Failures are forgotten after Forget without
	// one.
	FreeFailures     int
	AddrFreeFailures int
	Delay            time.Duration
	MaxDelay         time.Duration
	Forget           time.Duration
	// TrustProxy takes the client address from X-Forwarded-For and the
	// scheme from X-Forwarded-Proto (for the cookie's Secure attribute).
	TrustProxy bool
	// BaseDomain, when team sites are named by host (acme.example.com),
	// is the domain the session cookie is set for, so that one sign-in
	// holds on every site under it.
	BaseDomain string
}

func (c *SessionConfig) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.MaxAge, DefaultSessionMaxAge)
	def(&c.IdleTimeout, DefaultSessionIdleTimeout)
	def(&c.Delay, DefaultLoginDelay)
	def(&c.MaxDelay, DefaultLoginMaxDelay)
	def(&c.Forget, DefaultLoginForget)
	if c.FreeFailures <= 0 {
		c.FreeFailures = DefaultLoginFreeFailures
	}
	if c.AddrFreeFailures <= 0 {
		c.AddrFreeFailures = DefaultAddrFreeFailures
	}
}

// Session is a signed-in browser session: who it is, and the CSRF token
// that its forms and API writes must echo.
type Session struct {
	User      rowhouse.User
	CSRF      string
	ExpiresAt time.Time
	// FromLink is set when a one-time sign-in link started the session:
	// it may set the password without the current one.
	FromLink  bool
	tokenHash string
}

// CheckCSRF reports whether token is this session's CSRF token, in
// constant time.
func (s Session) CheckCSRF(token string) bool {
	return s.CSRF != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRF)) == 1
}

// Errors of sign-in. The same message answers an unknown email and a wrong
// password, so that the form does not tell which emails have accounts.
var (
	ErrBadCredentials = &rowhouse.Error{Kind: rowhouse.EUNAUTHORIZED, Message: "Incorrect email or password."}
	errNoSession      = &rowhouse.Error{Kind: rowhouse.EUNAUTHORIZED, Message: "Your session has expired. Please sign in again."}
)

// Sessions signs users in with their password and keeps their browser
// sessions in the home database.
type Sessions struct {
	home *store.Home
	now  func() time.Time
	cfg  SessionConfig
	// dummy is a real hash that unknown emails are checked against, so
	// that they take as long to refuse as a wrong password.
	dummy string

	mu       sync.Mutex
	failures map[string]*failure // "e:<email>" and "a:<address>"
	touched  map[string]time.Time
}

// failure counts recent failed sign-ins for one email or address.
type failure struct {
	count int
	last  time.Time
}

// NewSessions returns the session service.
func NewSessions(h *store.Home, now func() time.Time, cfg SessionConfig) *Sessions {
	cfg.defaults()
	// HashPassword fails only on a rule violation (not here): crypto/rand
	// never returns an error since Go 1.24.
	dummy, _ := HashPassword("not the password of anyone")
	return &Sessions{home: h, now: now, cfg: cfg, dummy: dummy,
		failures: map[string]*failure{}, touched: map[string]time.Time{}}
}

// SetPassword sets a user's password, after checking the password rules,
// and ends the user's other sessions.
func (s *Sessions) SetPassword(ctx context.Context, userID int64, password string) error {
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.home.WriteUncached(ctx, func(q store.HomeQueries) error {
		if err := q.SetPasswordHash(ctx, userID, hash); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		_, err := q.DeleteSessionsOf(ctx, userID)
		return err
	})
}

// SignIn checks an email and password and starts a session, returning it
// and the token to put in the cookie. addr is the client's address (see
// ClientAddr). Every failure is ErrBadCredentials, except when the email
// or the address has failed too often recently: then it is ERATELIMIT
// saying how long to wait (in seconds, also as Details["retryAfter"]), and
// the password is not even checked.
func (s *Sessions) SignIn(ctx context.Context, email, password, addr string) (Session, string, error) {
	email = home.NormalizeEmail(email)
	now := s.now()
	if wait := s.wait(now, "e:"+email, "a:"+addr); wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		return Session{}, "", &rowhouse.Error{Kind: rowhouse.ERATELIMIT,
			Message: fmt.Sprintf("Too many failed sign-in attempts. Try again in %d seconds.", secs),
			Details: map[string]any{"retryAfter": secs}}
	}
	if len(password) > 4*MaxPasswordLen { // no stored password is this long
		password = ""
	}
	q := s.home.Read()
	u, err := q.UserByEmail(ctx, email)
	hash := s.dummy
	switch {
	case err == nil:
		if hash, err = q.PasswordHash(ctx, u.ID); err != nil {
			return Session{}, "", fmt.Errorf("sign in: %w", err)
		}
	case rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND:
		return Session{}, "", fmt.Errorf("sign in: %w", err)
	}
	ok, err := CheckPassword(hash, password)
	if err != nil {
		return Session{}, "", fmt.Errorf("sign in %s: %w", email, err)
	}
	if !ok || u.ID == 0 {
		if hash == "" { // no password set: as slow as a real check
			_, _ = CheckPassword(s.dummy, password)
		}
		s.fail(now, "e:"+email, "a:"+addr)
		return Session{}, "", ErrBadCredentials
	}
	// Success clears the email's failures, not the address's: one person
	// signing in must not reset the count of someone guessing beside them.
	s.forget("e:" + email)
	token := rowhouse.RandomBase58(sessionTokenLen)
	st := store.Session{TokenHash: hashToken(token), UserID: u.ID, CSRFSecret: rowhouse.RandomBase58(csrfLen),
		CreatedAt: now, ExpiresAt: now.Add(s.cfg.MaxAge), LastSeenAt: now}
	err = s.home.WriteUncached(ctx, func(q store.HomeQueries) error {
		// Sweep ended sessions now and then: at every sign-in is enough
		// to keep the table small without a background job.
		if _, err := q.DeleteSessionsIdleOrExpired(ctx, now, now.Add(-s.cfg.IdleTimeout)); err != nil {
			return err
		}
		return q.CreateSession(ctx, st)
	})
	if err != nil {
		return Session{}, "", err
	}
	return Session{User: u, CSRF: st.CSRFSecret, ExpiresAt: st.ExpiresAt, tokenHash: st.TokenHash}, token, nil
}

// Lookup returns the live session of a cookie's token. An unknown, ended
// or idle session is EUNAUTHORIZED.
func (s *Sessions) Lookup(ctx context.Context, token string) (Session, error) {
	if token == "" || len(token) > 100 {
		return Session{}, errNoSession
	}
	h := hashToken(token)
	st, u, err := s.home.Read().SessionAndUser(ctx, h)
	if rowhouse.ErrorKind(err) == rowhouse.ENOTFOUND {
		return Session{}, errNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("look up session: %w", err)
	}
	now := s.now()
	if !now.Before(st.ExpiresAt) || now.Sub(st.LastSeenAt) >= s.cfg.IdleTimeout {
		return Session{}, errNoSession
	}
	s.touch(ctx, h, st.LastSeenAt, now)
	return Session{User: u, CSRF: st.CSRFSecret, ExpiresAt: st.ExpiresAt, FromLink: st.FromLink, tokenHash: h}, nil
}

// SignOut ends the session of a cookie's token.
func (s *Sessions) SignOut(ctx context.Context, token string) error {
	h := hashToken(token)
	s.mu.Lock()
	delete(s.touched, h)
	s.mu.Unlock()
	return s.home.WriteUncached(ctx, func(q store.HomeQueries) error { return q.DeleteSession(ctx, h) })
}

// Cookie returns the cookie that carries a session token to the browser:
// HttpOnly, SameSite=Lax, and Secure when the request came over TLS (or,
// behind a trusted proxy, over https); for the base domain when the
// request reached a host under it (SessionConfig.BaseDomain). An empty
// token makes the cookie that removes it.
func (s *Sessions) Cookie(r *http.Request, token string, expires time.Time) *http.Cookie {
	c := &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(r), Domain: s.cookieDomain(r)}
	if token == "" {
		c.MaxAge = -1
	} else {
		c.Expires = expires
	}
	return c
}

// cookieDomain is the base domain when r's host is it or a site under it,
// else "" (a cookie for the host alone).
func (s *Sessions) cookieDomain(r *http.Request) string {
	if api.UnderDomain(r.Host, s.cfg.BaseDomain) {
		return strings.ToLower(strings.TrimSuffix(s.cfg.BaseDomain, "."))
	}
	return ""
}

// Secure reports whether the request came over TLS, or through a trusted
// proxy that says https: then cookies must be Secure.
func (s *Sessions) Secure(r *http.Request) bool { return s.secure(r) }

func (s *Sessions) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.cfg.TrustProxy && strings.EqualFold(strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Proto"), ",")[0]), "https")
}

// ClientAddr is the address that failed sign-ins are counted against.
func (s *Sessions) ClientAddr(r *http.Request) string { return ratelimit.ClientIP(r, s.cfg.TrustProxy) }

// touch records a session's use at most once a minute.
func (s *Sessions) touch(ctx context.Context, h string, lastSeen, now time.Time) {
	if now.Sub(lastSeen) < sessionTouchEvery {
		return
	}
	s.mu.Lock()
	if t, ok := s.touched[h]; ok && now.Sub(t) < sessionTouchEvery {
		s.mu.Unlock()
		return
	}
	if len(s.touched) >= defaultThrottleEntries {
		clear(s.touched)
	}
	s.touched[h] = now
	s.mu.Unlock()
	// Best effort: failing to record the time must not fail the request.
	_ = s.home.WriteUncached(ctx, func(q store.HomeQueries) error { return q.TouchSession(ctx, h, now) })
}

// wait returns how long the caller must still wait before another sign-in
// attempt for any of keys.
func (s *Sessions) wait(now time.Time, keys ...string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var longest time.Duration
	for _, k := range keys {
		f, ok := s.failures[k]
		if !ok {
			continue
		}
		if now.Sub(f.last) >= s.cfg.Forget {
			delete(s.failures, k)
			continue
		}
		free := s.cfg.FreeFailures
		if strings.HasPrefix(k, "a:") {
			free = s.cfg.AddrFreeFailures
		}
		if w := f.last.Add(s.delay(f.count, free)).Sub(now); w > longest {
			longest = w
		}
	}
	return longest
}

// delay is the wait imposed after count failures when free are allowed.
func (s *Sessions) delay(count, free int) time.Duration {
	extra := count - free
	if extra < 0 {
		return 0
	}
	d := s.cfg.Delay
	for i := 0; i < extra && d < s.cfg.MaxDelay; i++ {
		d *= 2
	}
	return min(d, s.cfg.MaxDelay)
}

// fail counts a failed sign-in against keys. The table is bounded: when
// full, entries past their Forget time go first, then arbitrary ones (an
// attacker who fills it frees others, but never itself in particular).
func (s *Sessions) fail(now time.Time, keys ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) >= defaultThrottleEntries {
		for k, f := range s.failures {
			if now.Sub(f.last) >= s.cfg.Forget {
				delete(s.failures, k)
			}
		}
		for k := range s.failures {
			if len(s.failures) < defaultThrottleEntries {
				break
			}
			delete(s.failures, k)
		}
	}
	for _, k := range keys {
		f := s.failures[k]
		if f == nil {
			f = &failure{}
			s.failures[k] = f
		}
		f.count++
		f.last = now
	}
}

// forget clears the failures of keys after a successful sign-in.
func (s *Sessions) forget(keys ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.failures, k)
	}
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// sessionKey is the context key of the request's session.
type sessionKey struct{}

// WithSession returns ctx carrying the request's session.
func WithSession(ctx context.Context, s Session) context.Context {
	return context.WithValue(ctx, sessionKey{}, s)
}

// SessionFrom returns the request's session, if it was authenticated by
// one.
func SessionFrom(ctx context.Context) (Session, bool) {
	s, ok := ctx.Value(sessionKey{}).(Session)
	return s, ok
}
