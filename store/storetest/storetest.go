// Package storetest is the conformance suite of storage engines: every
// store.Engine (store/sqlite, store/postgres) must pass Run, so that
// nothing above package store can tell which engine it runs on. Each engine
// calls Run from its own tests and adds tests of its own particulars
// (pragmas, pools, caches) beside it.
//
// The suite states behaviour, not implementation: it talks to engines only
// through the store interfaces, writes SQL with '?' placeholders and
// identifiers quoted by the engine's Dialect, and uses only SQL that every
// engine speaks. It must never import an engine.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
)

// Run runs the whole suite. open must return a new, empty, migrated engine
// each time it is called (for instance over a fresh t.TempDir()); Run
// closes it when the test that asked for it ends.
func Run(t *testing.T, open func(t *testing.T) store.Engine) {
	s := &suite{open: open}
	t.Run("Home", s.home)
	t.Run("Docs", s.docs)
	t.Run("Transactions", s.transactions)
	t.Run("Dialect", s.dialect)
	t.Run("Ping", func(t *testing.T) {
		e := s.engine(t)
		if e.Name() == "" {
			t.Error("Name() is empty")
		}
		if err := e.Ping(t.Context()); err != nil {
			t.Errorf("Ping: %v", err)
		}
		if err := e.Home().Ping(t.Context()); err != nil {
			t.Errorf("Home().Ping: %v", err)
		}
	})
}

type suite struct {
	open func(t *testing.T) store.Engine
}

// engine returns a fresh engine, closed when t ends.
func (s *suite) engine(t *testing.T) store.Engine {
	t.Helper()
	e := s.open(t)
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e
}

// now is the clock of the suite: a fixed instant with whole milliseconds,
// the precision the home database keeps.
var now = time.Date(2025, 3, 4, 5, 6, 7, 8_000_000, time.UTC)

// wantKind fails the test unless err carries the given kind.
func wantKind(t *testing.T, err error, kind rowhouse.Kind, what string) {
	t.Helper()
	if got := rowhouse.ErrorKind(err); got != kind {
		t.Fatalf("%s: got error %v (kind %q), want kind %q", what, err, got, kind)
	}
}

// must returns v, failing the test given to the function it returns if
// err is set: must(f())(t) reads v, err := f() and checks err in one line.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// write runs fn in one home write transaction and fails the test if it
// fails.
func write(t *testing.T, h *store.Home, fn func(ctx context.Context, q store.HomeQueries) error) {
	t.Helper()
	ctx := t.Context()
	if err := h.Write(ctx, func(q store.HomeQueries) error { return fn(ctx, q) }); err != nil {
		t.Fatal(err)
	}
}

// writeVal runs fn in one home write transaction and returns its value.
func writeVal[T any](t *testing.T, h *store.Home, fn func(ctx context.Context, q store.HomeQueries) (T, error)) T {
	t.Helper()
	var out T
	write(t, h, func(ctx context.Context, q store.HomeQueries) error {
		var err error
		out, err = fn(ctx, q)
		return err
	})
	return out
}

// writeErr runs fn in one home write transaction and returns what Write
// returned.
func writeErr(t *testing.T, h *store.Home, fn func(ctx context.Context, q store.HomeQueries) error) error {
	t.Helper()
	ctx := t.Context()
	return h.Write(ctx, func(q store.HomeQueries) error { return fn(ctx, q) })
}

// newDoc creates a document database and returns its id.
func newDoc(t *testing.T, e store.Engine) string {
	t.Helper()
	id := rowhouse.NewDocID()
	if err := e.CreateDoc(t.Context(), id); err != nil {
		t.Fatalf("CreateDoc %s: %v", id, err)
	}
	return id
}

// openDoc opens a document, closed when t ends.
func openDoc(t *testing.T, e store.Engine, id string) store.Doc {
	t.Helper()
	d, err := e.OpenDoc(t.Context(), id)
	if err != nil {
		t.Fatalf("OpenDoc %s: %v", id, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// counterTable is the table the document tests write: one row per id with
// an integer n.
const counterTable = "rh_test_counter"

// makeCounter creates the counter table in d with one row (id 1, n 0).
func makeCounter(t *testing.T, d store.Doc) {
	t.Helper()
	ctx := t.Context()
	tx := must(d.BeginWrite(ctx))(t)
	defer tx.Rollback()
	q := d.Dialect().QuoteIdent(counterTable)
	must(tx.Exec(ctx, `CREATE TABLE `+q+` (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`))(t)
	must(tx.Exec(ctx, `INSERT INTO `+q+` (id, n) VALUES (?, ?)`, 1, 0))(t)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// setCounter sets n of row 1 in its own write transaction.
func setCounter(t *testing.T, d store.Doc, n int64) {
	t.Helper()
	ctx := t.Context()
	tx := must(d.BeginWrite(ctx))(t)
	defer tx.Rollback()
	if got := must(tx.Exec(ctx, `UPDATE `+d.Dialect().QuoteIdent(counterTable)+` SET n = ? WHERE id = 1`, n))(t); got != 1 {
		t.Fatalf("update counter: %d rows affected, want 1", got)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// readCounter returns n of row 1 as q sees it.
func readCounter(ctx context.Context, d store.Doc, q store.Querier) (int64, error) {
	var n int64
	err := q.QueryRow(ctx, `SELECT n FROM `+d.Dialect().QuoteIdent(counterTable)+` WHERE id = ?`, 1).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("read counter: %w", err)
	}
	return n, nil
}

// wantCounter fails the test unless q sees n.
func wantCounter(t *testing.T, d store.Doc, q store.Querier, want int64, what string) {
	t.Helper()
	got, err := readCounter(t.Context(), d, q)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got != want {
		t.Fatalf("%s: counter is %d, want %d", what, got, want)
	}
}

var errBoom = errors.New("boom")
