// Package chunk hands out small slices from fixed-size chunks that are
// pooled across uses: for a reader that makes a slice per row (a page's
// cells, a tree's records) and is done with all of them at once. A chunk
// goes back to its pool cleared, so that the pool keeps nothing alive.
package chunk

import "sync"

// Pool holds chunks of Size elements of T. The zero Pool is not usable:
// set Size.
type Pool[T any] struct {
	Size int
	p    sync.Pool
}

// Set is the chunks one use took from a Pool. Its slices are valid until
// Release; the zero Set with Pool set is ready.
type Set[T any] struct {
	Pool *Pool[T]
	// taken are the chunks taken, each *c holding the part handed out
	// (len), the last one growing.
	taken []*[]T
}

// Alloc returns a slice of n zero elements (cap n): from the last chunk
// while it has room, else from a new chunk of the pool; a slice longer
// than a chunk is allocated alone.
func (s *Set[T]) Alloc(n int) []T {
	if n > s.Pool.Size {
		return make([]T, n)
	}
	var c *[]T
	if k := len(s.taken); k > 0 && cap(*s.taken[k-1])-len(*s.taken[k-1]) >= n {
		c = s.taken[k-1]
	} else {
		c, _ = s.Pool.p.Get().(*[]T)
		if c == nil {
			b := make([]T, 0, s.Pool.Size)
			c = &b
		}
		s.taken = append(s.taken, c)
	}
	start := len(*c)
	*c = (*c)[:start+n]
	return (*c)[start : start+n : start+n]
}

// Chunks is how many chunks of the pool s holds.
func (s *Set[T]) Chunks() int { return len(s.taken) }

// Release clears what was handed out and gives the chunks back to the
// pool: nothing allocated from s may be used after.
func (s *Set[T]) Release() {
	for _, c := range s.taken {
		clear(*c)
		*c = (*c)[:0]
		s.Pool.p.Put(c)
	}
	s.taken = nil
}
