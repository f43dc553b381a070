package chunk

import "testing"

// TestAlloc: slices are zero, of the length asked, do not overlap, and
// fill a chunk before the next is taken; a slice longer than a chunk is
// allocated alone.
func TestAlloc(t *testing.T) {
	p := &Pool[int]{Size: 10}
	s := Set[int]{Pool: p}
	var got [][]int
	for _, n := range []int{3, 3, 4, 2, 11, 9} {
		b := s.Alloc(n)
		if len(b) != n || cap(b) != n {
			t.Fatalf("Alloc(%d): len %d cap %d", n, len(b), cap(b))
		}
		for i := range b {
			if b[i] != 0 {
				t.Fatalf("Alloc(%d): element %d is %d", n, i, b[i])
			}
			b[i] = len(got) + 1
		}
		got = append(got, b)
	}
	for k, b := range got {
		for i, v := range b {
			if v != k+1 {
				t.Fatalf("slice %d element %d: %d, want %d (slices overlap)", k, i, v, k+1)
			}
		}
	}
	if s.Chunks() != 3 { // 3+3+4 | 2 | 9; the 11 alone
		t.Errorf("%d chunks taken, want 3", s.Chunks())
	}
	s.Release()
	if s.Chunks() != 0 {
		t.Errorf("%d chunks held after Release", s.Chunks())
	}
}

// TestReleaseClears: a chunk comes back from the pool empty and all zero,
// however much of it was used. (sync.Pool may drop what is put, under the
// race detector on purpose: the use is tried again until a chunk comes
// back.)
func TestReleaseClears(t *testing.T) {
	for _, used := range []int{1, 7, 16, 17} {
		for try := 0; ; try++ {
			p := &Pool[*int]{Size: 16}
			s := Set[*int]{Pool: p}
			x := 1
			for range used {
				s.Alloc(1)[0] = &x
			}
			s.Release()
			c, _ := p.p.Get().(*[]*int)
			if c == nil {
				if try < 100 {
					continue
				}
				t.Fatalf("%d used: nothing came back to the pool", used)
			}
			if len(*c) != 0 {
				t.Errorf("%d used: a chunk came back with length %d", used, len(*c))
			}
			for i, v := range (*c)[:cap(*c)] {
				if v != nil {
					t.Fatalf("%d used: element %d of a pooled chunk is still set", used, i)
				}
			}
			break
		}
	}
}
