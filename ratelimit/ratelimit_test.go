package ratelimit

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a fake clock that tests move by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newClock() *clock { return &clock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)} }

func TestAllowExactlyLimitThenReset(t *testing.T) {
	c := newClock()
	l := New(Config{Limit: 3, Window: time.Minute}, c.now)
	want := []Decision{
		{Allowed: true, Limit: 3, Remaining: 2, Reset: time.Minute},
		{Allowed: true, Limit: 3, Remaining: 1, Reset: 50 * time.Second},
		{Allowed: true, Limit: 3, Remaining: 0, Reset: 40 * time.Second},
		{Allowed: false, Limit: 3, Remaining: 0, Reset: 30 * time.Second},
		{Allowed: false, Limit: 3, Remaining: 0, Reset: 20 * time.Second},
		{Allowed: false, Limit: 3, Remaining: 0, Reset: 10 * time.Second},
		// 60 s after the first request: a new window.
		{Allowed: true, Limit: 3, Remaining: 2, Reset: time.Minute},
	}
	for i, w := range want {
		if got := l.Allow("k"); got != w {
			t.Errorf("request %d at +%ds: %+v, want %+v", i+1, 10*i, got, w)
		}
		c.advance(10 * time.Second)
	}
}

func TestKeysIndependent(t *testing.T) {
	c := newClock()
	l := New(Config{Limit: 2, Window: time.Second}, c.now)
	for _, step := range []struct {
		key     string
		allowed bool
	}{
		{"a", true}, {"a", true}, {"a", false},
		{"b", true}, {"b", true}, {"b", false},
		{"a", false},
	} {
		if got := l.Allow(step.key).Allowed; got != step.allowed {
			t.Fatalf("Allow(%q) = %v, want %v", step.key, got, step.allowed)
		}
	}
}

func TestEvictionBoundsMemory(t *testing.T) {
	tests := []struct {
		name    string
		maxKeys int
		keys    int
		step    time.Duration // clock advance between new keys
		wantMax int
	}{
		{"unsharded, all live: oldest evicted", 10, 1000, 0, 10},
		{"sharded, all live", 4096, 20000, 0, 4096},
		{"expired windows dropped", 100, 1000, time.Second, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			l := New(Config{Limit: 5, Window: 10 * time.Second, MaxKeys: tt.maxKeys}, c.now)
			for i := range tt.keys {
				l.Allow("key" + strconv.Itoa(i))
				c.advance(tt.step)
				if n := l.Len(); n > tt.wantMax {
					t.Fatalf("after %d keys tracking %d, want at most %d", i+1, n, tt.wantMax)
				}
			}
		})
	}
}

func TestEvictsOldestLiveWindow(t *testing.T) {
	c := newClock()
	l := New(Config{Limit: 1, Window: time.Minute, MaxKeys: 2}, c.now)
	l.Allow("old")
	c.advance(time.Second)
	l.Allow("mid")
	c.advance(time.Second)
	l.Allow("old") // refused, but must not make "old" the newest window
	c.advance(time.Second)
	l.Allow("new") // evicts "old"
	if !l.Allow("old").Allowed {
		t.Error(`"old" should have been evicted and get a fresh budget`)
	}
	if l.Allow("new").Allowed {
		t.Error(`"new" should still be tracked and refused`)
	}
}

func TestDisabled(t *testing.T) {
	for _, l := range []*Limiter{nil, New(Config{}, nil), New(Config{Limit: 0, Window: time.Second, MaxKeys: 1}, nil)} {
		for range 100 {
			if d := l.Allow("k"); d != (Decision{Allowed: true}) {
				t.Fatalf("disabled Allow = %+v", d)
			}
		}
		h := l.Middleware(func(*http.Request) string { return "k" })(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		}))
		for range 100 {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			if rec.Code != http.StatusNoContent {
				t.Fatalf("status %d", rec.Code)
			}
			for k := range rec.Header() {
				t.Fatalf("disabled limiter set header %s", k)
			}
		}
	}
}

func TestMiddlewareHeaders(t *testing.T) {
	c := newClock()
	l := New(Config{Limit: 2, Window: time.Minute}, c.now)
	var served atomic.Int32
	h := l.Middleware(func(r *http.Request) string { return r.Header.Get("X-Test-Key") })(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		w.Write([]byte("ok"))
	}))
	const body429 = `{"error":"Too many requests: limit of 2 requests per minute exceeded"}`
	tests := []struct {
		name       string
		key, addr  string
		advance    time.Duration // before the request
		code       int
		remaining  string
		reset      string
		retryAfter string
		body       string
	}{
		{"first", "k1", "10.0.0.1:1000", 0, 200, "1", "60", "", "ok"},
		{"second, reset rounds up", "k1", "10.0.0.1:1000", 500 * time.Millisecond, 200, "0", "60", "", "ok"},
		{"refused", "k1", "10.0.0.1:1000", 20 * time.Second, 429, "0", "40", "40", body429},
		{"same address, anonymous: own budget", "", "10.0.0.1:1000", 0, 200, "1", "60", "", "ok"},
		{"anonymous other port same IP", "", "10.0.0.1:2000", 0, 200, "0", "60", "", "ok"},
		{"anonymous refused", "", "10.0.0.1:3000", 0, 429, "0", "60", "60", body429},
		{"other anonymous IP", "", "10.0.0.2:1000", 0, 200, "1", "60", "", "ok"},
		{"IPv6 /64 shares budget 1", "", "[2001:db8::1]:1", 0, 200, "1", "60", "", "ok"},
		{"IPv6 /64 shares budget 2", "", "[2001:db8::2]:1", 0, 200, "0", "60", "", "ok"},
		{"key refused near end, reset at least 1", "k1", "10.0.0.1:1000", 39*time.Second + 400*time.Millisecond, 429, "0", "1", "1", body429},
		{"key window over", "k1", "10.0.0.1:1000", 600 * time.Millisecond, 200, "1", "60", "", "ok"},
	}
	for _, tt := range tests {
		c.advance(tt.advance)
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/api/orgs", nil)
		req.RemoteAddr = tt.addr
		if tt.key != "" {
			req.Header.Set("X-Test-Key", tt.key)
		}
		before := served.Load()
		h.ServeHTTP(rec, req)
		got := rec.Result()
		check := func(what, got, want string) {
			if got != want {
				t.Errorf("%s: %s = %q, want %q", tt.name, what, got, want)
			}
		}
		check("status", strconv.Itoa(got.StatusCode), strconv.Itoa(tt.code))
		check("RateLimit-Limit", got.Header.Get("RateLimit-Limit"), "2")
		check("RateLimit-Remaining", got.Header.Get("RateLimit-Remaining"), tt.remaining)
		check("RateLimit-Reset", got.Header.Get("RateLimit-Reset"), tt.reset)
		check("Retry-After", got.Header.Get("Retry-After"), tt.retryAfter)
		check("body", rec.Body.String(), tt.body)
		if tt.code == 429 {
			check("Content-Type", got.Header.Get("Content-Type"), "application/json")
			if served.Load() != before {
				t.Errorf("%s: refused request reached the handler", tt.name)
			}
		}
	}
}

func TestClientIP(t *testing.T) {
	tests := []struct {
		name   string
		remote string
		xff    []string
		trust  bool
		want   string
	}{
		{"ipv4", "192.0.2.7:4242", nil, false, "192.0.2.7"},
		{"xff ignored by default", "192.0.2.7:4242", []string{"203.0.113.9"}, false, "192.0.2.7"},
		{"xff trusted: right-most", "192.0.2.7:4242", []string{"1.1.1.1, 203.0.113.9"}, true, "203.0.113.9"},
		{"xff trusted: last header line", "192.0.2.7:4242", []string{"1.1.1.1", "203.0.113.9 "}, true, "203.0.113.9"},
		{"xff trusted but absent", "192.0.2.7:4242", nil, true, "192.0.2.7"},
		{"ipv6 to /64", "[2001:db8:1:2:3:4:5:6]:80", nil, false, "2001:db8:1:2::/64"},
		{"v4-mapped v6", "[::ffff:192.0.2.7]:80", nil, false, "192.0.2.7"},
		{"no port", "192.0.2.7", nil, false, "192.0.2.7"},
		{"not an address", "pipe", nil, false, "pipe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ClientIP(r, tt.trust); got != tt.want {
				t.Errorf("ClientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMessage(t *testing.T) {
	tests := []struct {
		limit  int
		window time.Duration
		want   string
	}{
		{100, time.Minute, "Too many requests: limit of 100 requests per minute exceeded"},
		{1, time.Second, "Too many requests: limit of 1 request per second exceeded"},
		{1000, 15 * time.Minute, "Too many requests: limit of 1000 requests per 15 minutes exceeded"},
		{5000, time.Hour, "Too many requests: limit of 5000 requests per hour exceeded"},
		{5, 90 * time.Second, "Too many requests: limit of 5 requests per 90 seconds exceeded"},
		{5, 1500 * time.Millisecond, "Too many requests: limit of 5 requests per 1.5s exceeded"},
		{5, 48 * time.Hour, "Too many requests: limit of 5 requests per 2 days exceeded"},
	}
	for _, tt := range tests {
		if got := New(Config{Limit: tt.limit, Window: tt.window}, nil).message(); got != tt.want {
			t.Errorf("message(%d, %v) = %q, want %q", tt.limit, tt.window, got, tt.want)
		}
	}
}

func TestConcurrentExactCount(t *testing.T) {
	l := New(Config{Limit: 1000, Window: time.Hour}, nil)
	var allowed atomic.Int64
	done := make(chan struct{})
	for range 8 {
		go func() {
			for range 500 {
				if l.Allow("shared").Allowed {
					allowed.Add(1)
				}
			}
			done <- struct{}{}
		}()
	}
	for range 8 {
		<-done
	}
	if got := allowed.Load(); got != 1000 {
		t.Errorf("allowed %d of 4000 concurrent requests, want exactly 1000", got)
	}
}

func BenchmarkAllow(b *testing.B) {
	l := New(Config{Limit: 1 << 30, Window: time.Minute, MaxKeys: 100_000}, nil)
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			l.Allow(keys[i%len(keys)])
			i++
		}
	})
}
