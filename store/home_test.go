package store_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/store/sqlite"
)

// The home store's generation is what caches of keys and access check: a
// committed Write moves it and tells OnWrite's listener; a failed Write, a
// WriteUncached and a read leave it; Invalidate (another process's write)
// moves it.
func TestHomeGeneration(t *testing.T) {
	e, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	h := e.Home()
	var told atomic.Int64
	h.OnWrite(func() { told.Add(1) })
	noop := func(store.HomeQueries) error { return nil }

	steps := []struct {
		name       string
		do         func() error
		moves      bool
		tellsOther bool
	}{
		{"a committed write", func() error { return h.Write(ctx, noop) }, true, true},
		{"a failed write", func() error {
			if err := h.Write(ctx, func(store.HomeQueries) error { return errors.New("no") }); err == nil {
				return errors.New("the write did not fail")
			}
			return nil
		}, false, false},
		{"bookkeeping", func() error { return h.WriteUncached(ctx, noop) }, false, false},
		{"a read", func() error { _, err := h.Read().CountUsers(ctx); return err }, false, false},
		{"another process's write", func() error { h.Invalidate(); return nil }, true, false},
	}
	for _, st := range steps {
		gen, before := h.Generation(), told.Load()
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if moved := h.Generation() != gen; moved != st.moves {
			t.Errorf("%s: generation moved = %v, want %v", st.name, moved, st.moves)
		}
		if tellsOther := told.Load() != before; tellsOther != st.tellsOther {
			t.Errorf("%s: OnWrite called = %v, want %v", st.name, tellsOther, st.tellsOther)
		}
	}
}
