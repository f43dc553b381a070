package gencache

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestCache(t *testing.T) {
	var gen atomic.Uint64
	now := time.Unix(1000, 0)
	c := New[string, int](gen.Load, func() time.Time { return now }, time.Second, 3)

	if _, ok := c.Get("a"); ok {
		t.Fatal("hit in an empty cache")
	}
	c.Put("a", c.Generation(), 1)
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Fatalf("Get after Put = %v, %v", v, ok)
	}

	// A write (new generation) makes every entry stale.
	gen.Add(1)
	if _, ok := c.Get("a"); ok {
		t.Fatal("hit after the generation moved")
	}

	// A value read before a write that committed during the read is never
	// served: it was put with the generation taken before reading.
	g := c.Generation()
	gen.Add(1)
	c.Put("b", g, 2)
	if _, ok := c.Get("b"); ok {
		t.Fatal("hit on a value read across a write")
	}

	// Entries expire after the TTL.
	c.Put("c", c.Generation(), 3)
	now = now.Add(999 * time.Millisecond)
	if _, ok := c.Get("c"); !ok {
		t.Fatal("miss before the TTL")
	}
	now = now.Add(time.Millisecond)
	if _, ok := c.Get("c"); ok {
		t.Fatal("hit at the TTL")
	}

	// The cache never holds more than max entries.
	for i, k := range []string{"d", "e", "f", "g"} {
		c.Put(k, c.Generation(), i)
	}
	c.mu.Lock()
	n := len(c.entries)
	c.mu.Unlock()
	if n > 3 {
		t.Fatalf("%d entries, max 3", n)
	}
	if v, ok := c.Get("g"); !ok || v != 3 {
		t.Fatalf("the newest entry was lost: %v, %v", v, ok)
	}
}
