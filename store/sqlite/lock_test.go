//go:build unix

package sqlite

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
)

// An exclusive engine locks its data folder: a second exclusive open is
// refused at once, naming the holder, while tools that only read (a
// non-exclusive open) may still open it; closing releases the lock.
func TestExclusiveFolder(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, err := Open(ctx, dir, Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	if !a.Exclusive() {
		t.Error("an engine opened with Exclusive does not say so")
	}
	_, err = Open(ctx, dir, Options{Exclusive: true})
	if !errors.Is(err, ErrFolderInUse) || !strings.Contains(err.Error(), "process "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second exclusive open: %v", err)
	}
	shared, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatalf("a shared open beside an exclusive one: %v", err)
	}
	if shared.Exclusive() {
		t.Error("an engine opened without Exclusive says it is")
	}
	shared.Close()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, dir, Options{Exclusive: true})
	if err != nil {
		t.Fatalf("exclusive open after the first closed: %v", err)
	}
	b.Close()
}
