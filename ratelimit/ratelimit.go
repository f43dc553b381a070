// Package ratelimit limits requests per caller and reports the budget with
// the IETF RateLimit header fields (RateLimit-Limit, RateLimit-Remaining,
// RateLimit-Reset) and Retry-After on 429.
//
// # Algorithm
//
// Each key gets a fixed window of Config.Window that starts at its first
// request (not aligned to the wall clock, so keys do not all reset at the
// same instant) and holds at most Config.Limit requests. A fixed window is
// chosen over a sliding-window estimate because it makes every header
// exact: Remaining is the true count left and Reset the true time until it
// refills. The known cost is that a caller can spend up to 2×Limit across a
// window boundary; refused requests do not consume budget.
//
// # Memory
//
// Tracked keys are bounded by Config.MaxKeys. Keys live in shards, each a
// map plus an intrusive list ordered by window start, so the oldest window
// is always at the front: inserting a key first drops windows that have
// expired, then, if the shard is still full, evicts the oldest live window
// (that caller gets a fresh budget, a deliberate leniency rather than
// unbounded growth). All work per request is O(1) under one shard lock.
//
// The package never trusts client-supplied addresses unless told to
// (Config.TrustProxy), and never keeps package-level state.
package ratelimit

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults applied by New to zero fields of an enabled Config.
const (
	DefaultWindow  = time.Minute
	DefaultMaxKeys = 100_000
)

// Config sets a Limiter's budget.
type Config struct {
	// Limit is the number of requests allowed per key per window;
	// 0 (or less) disables limiting.
	Limit int
	// Window is the length of a key's window; 0 means DefaultWindow.
	Window time.Duration
	// MaxKeys bounds the number of keys tracked at once; when full, the
	// oldest window is evicted. 0 means DefaultMaxKeys.
	MaxKeys int
	// TrustProxy makes Middleware take an anonymous caller's address from
	// the right-most X-Forwarded-For entry (the one the nearest proxy
	// appended) instead of the connection's address. Set it only behind a
	// single reverse proxy that sets the header, or any caller can pick
	// its own key.
	TrustProxy bool
}

// Decision is the outcome of one Allow call.
type Decision struct {
	// Allowed reports whether the request fits in the window.
	Allowed bool
	// Limit is the window's budget; Remaining is what is left of it after
	// this request (0 when refused).
	Limit, Remaining int
	// Reset is the time until the key's window ends and its budget refills.
	Reset time.Duration
}

// shardThreshold is the MaxKeys at and above which the map is sharded;
// below it a single shard keeps the bound exact and the eviction order
// global.
const (
	numShards      = 16
	shardThreshold = numShards * 64
)

// Limiter counts requests per key. It is safe for concurrent use. The zero
// value is not usable; call New. A nil *Limiter allows everything.
type Limiter struct {
	limit    int
	window   time.Duration
	perShard int // keys per shard
	trust    bool
	now      func() time.Time
	seed     maphash.Seed
	shards   []shard
}

// shard holds some keys' windows. Invariant: list runs from the oldest
// window start (head.next) to the newest (head.prev), given a clock that
// does not go backwards; len(m) == list length <= perShard.
type shard struct {
	mu   sync.Mutex
	m    map[string]*entry
	head entry // sentinel of a circular doubly linked list
	_    [64]byte
}

type entry struct {
	key        string
	start      time.Time // window start
	count      int       // requests allowed in this window, <= limit
	prev, next *entry
}

// New returns a Limiter for cfg. now is the clock (nil means time.Now);
// tests inject a fake one.
func New(cfg Config, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	l := &Limiter{limit: max(cfg.Limit, 0), window: cfg.Window, trust: cfg.TrustProxy, now: now, seed: maphash.MakeSeed()}
	if l.limit == 0 {
		return l
	}
	if l.window <= 0 {
		l.window = DefaultWindow
	}
	maxKeys := cfg.MaxKeys
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	n := 1
	if maxKeys >= shardThreshold {
		n = numShards
	}
	l.perShard = maxKeys / n
	l.shards = make([]shard, n)
	for i := range l.shards {
		s := &l.shards[i]
		s.m = make(map[string]*entry)
		s.head.next, s.head.prev = &s.head, &s.head
	}
	return l
}

// Enabled reports whether the limiter limits anything.
func (l *Limiter) Enabled() bool { return l != nil && l.limit > 0 }

// Allow counts one request for key and reports whether it fits in the
// key's current window. A disabled limiter allows everything and returns
// Decision{Allowed: true}.
func (l *Limiter) Allow(key string) Decision {
	if !l.Enabled() {
		return Decision{Allowed: true}
	}
	now := l.now()
	s := &l.shards[0]
	if len(l.shards) > 1 {
		s = &l.shards[maphash.String(l.seed, key)%uint64(len(l.shards))]
	}
	s.mu.Lock()
	e := s.m[key]
	switch {
	case e == nil:
		e = s.insert(key, now, l)
	case !now.Before(e.start.Add(l.window)):
		// The window is over: start a new one, which is now the newest.
		e.start, e.count = now, 0
		s.unlink(e)
		s.pushBack(e)
	}
	allowed := e.count < l.limit
	if allowed {
		e.count++
	}
	remaining := l.limit - e.count
	reset := e.start.Add(l.window).Sub(now)
	s.mu.Unlock()
	// A clock that went backwards must not promise more than one window.
	reset = min(max(reset, 0), l.window)
	return Decision{Allowed: allowed, Limit: l.limit, Remaining: remaining, Reset: reset}
}

// insert adds a fresh window for key, first dropping expired windows from
// the front and then, if the shard is full, the oldest live one.
func (s *shard) insert(key string, now time.Time, l *Limiter) *entry {
	for f := s.head.next; f != &s.head && !now.Before(f.start.Add(l.window)); f = s.head.next {
		s.remove(f)
	}
	if len(s.m) >= l.perShard && s.head.next != &s.head {
		s.remove(s.head.next)
	}
	e := &entry{key: key, start: now}
	s.m[key] = e
	s.pushBack(e)
	return e
}

func (s *shard) remove(e *entry) {
	s.unlink(e)
	delete(s.m, e.key)
}

func (s *shard) unlink(e *entry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

func (s *shard) pushBack(e *entry) {
	e.prev, e.next = s.head.prev, &s.head
	s.head.prev.next = e
	s.head.prev = e
}

// Len returns the number of keys tracked, for tests and diagnostics.
func (l *Limiter) Len() int {
	if !l.Enabled() {
		return 0
	}
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

// Middleware applies the limiter to every request. The key is keyFunc(r)
// (for example the API key id that auth put in the context) when that is
// non-empty; anonymous requests are limited by client address (see
// ClientIP). Keys and addresses are namespaced apart, so neither can spend
// the other's budget.
//
// Every answer carries RateLimit-Limit, RateLimit-Remaining and
// RateLimit-Reset (whole seconds until the window refills, at least 1). A
// refused request gets 429 with Retry-After (the same seconds) and
// {"error":"Too many requests: limit of N requests per W exceeded"}.
// A disabled limiter returns next unchanged and adds no headers.
func (l *Limiter) Middleware(keyFunc func(*http.Request) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if !l.Enabled() {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var key string
			if keyFunc != nil {
				key = keyFunc(r)
			}
			if key != "" {
				key = "key:" + key
			} else {
				key = "ip:" + ClientIP(r, l.trust)
			}
			d := l.Allow(key)
			reset := strconv.FormatInt(ceilSeconds(d.Reset), 10)
			h := w.Header()
			h.Set("RateLimit-Limit", strconv.Itoa(d.Limit))
			h.Set("RateLimit-Remaining", strconv.Itoa(d.Remaining))
			h.Set("RateLimit-Reset", reset)
			if d.Allowed {
				next.ServeHTTP(w, r)
				return
			}
			body, _ := json.Marshal(struct {
				Error string `json:"error"`
			}{l.message()})
			h.Set("Retry-After", reset)
			h.Set("Content-Type", "application/json")
			h.Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write(body)
		})
	}
}

// message is the public text of a 429.
func (l *Limiter) message() string {
	noun := "requests"
	if l.limit == 1 {
		noun = "request"
	}
	return fmt.Sprintf("Too many requests: limit of %d %s per %s exceeded", l.limit, noun, windowText(l.window))
}

// windowText names a window for people: "second", "minute", "hour", "day",
// "15 minutes", or Go's duration text ("1.5s") when no unit divides it.
func windowText(d time.Duration) string {
	units := []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}}
	for _, u := range units {
		if d%u.d == 0 {
			n := d / u.d
			if n == 1 {
				return u.name
			}
			return strconv.FormatInt(int64(n), 10) + " " + u.name + "s"
		}
	}
	return d.String()
}

// ceilSeconds rounds d up to whole seconds, at least 1: a client told 0
// would retry at once.
func ceilSeconds(d time.Duration) int64 {
	s := int64((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

// ClientIP returns the address an anonymous request is limited by: the host
// of r.RemoteAddr, or with trustProxy the right-most X-Forwarded-For entry
// when there is one. IPv6 addresses are reduced to their /64 prefix, since
// one client usually holds a whole /64 and could otherwise rotate through
// it to escape the limit.
func ClientIP(r *http.Request, trustProxy bool) string {
	host := ""
	if trustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			host = strings.TrimSpace(last)
		}
	}
	if host == "" {
		host = r.RemoteAddr
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}
