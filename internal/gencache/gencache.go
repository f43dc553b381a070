// Package gencache is a small cache for answers read from the home
// database (who a key belongs to, what a user may do with a document) on
// every request. An entry is good while the home database's write
// generation is the one it was read at, so a change made through this
// process is seen at once; it also expires after a TTL, which bounds how
// long a change made by another process (sharing a PostgreSQL database,
// or a CLI beside the server) can go unseen.
package gencache

import (
	"sync"
	"time"
)

// Cache maps keys to values read at a generation. It is safe for
// concurrent use. The zero value is not usable; call New.
type Cache[K comparable, V any] struct {
	gen func() uint64
	now func() time.Time
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[K]entry[V]
}

type entry[V any] struct {
	v    V
	gen  uint64
	read time.Time
}

// New returns a cache of at most max entries whose entries are good while
// gen returns the generation they were read at, for at most ttl.
func New[K comparable, V any](gen func() uint64, now func() time.Time, ttl time.Duration, max int) *Cache[K, V] {
	return &Cache[K, V]{gen: gen, now: now, ttl: ttl, max: max, entries: make(map[K]entry[V])}
}

// Generation returns the generation to pass to Put for a value about to
// be read: take it before reading, so that a write committed during the
// read makes the entry stale rather than wrong.
func (c *Cache[K, V]) Generation() uint64 { return c.gen() }

// Get returns the value kept for k, if it is still good.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	e, ok := c.entries[k]
	c.mu.Unlock()
	if !ok || e.gen != c.gen() || c.now().Sub(e.read) >= c.ttl {
		var zero V
		return zero, false
	}
	return e.v, true
}

// Put keeps v for k, read at generation gen (from Generation). When the
// cache is full it starts over: entries are cheap to read again.
func (c *Cache[K, V]) Put(k K, gen uint64, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[k] = entry[V]{v: v, gen: gen, read: c.now()}
}
