package sqlite

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Engine { return openEngine(t, t.TempDir(), Options{}) })
}

// TestConformanceTinyCache runs the suite again with a cache of one open
// document and synchronous=FULL, so that eviction happens all the time.
func TestConformanceTinyCache(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	storetest.Run(t, func(t *testing.T) store.Engine {
		return openEngine(t, t.TempDir(), Options{MaxOpenDocs: 1, SyncFull: true})
	})
}

// openEngine opens an engine over dir; the caller closes it.
func openEngine(t *testing.T, dir string, opts Options) *Engine {
	t.Helper()
	e, err := Open(t.Context(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// withEngine opens an engine closed when t ends.
func withEngine(t *testing.T, opts Options) *Engine {
	t.Helper()
	e := openEngine(t, t.TempDir(), opts)
	t.Cleanup(func() { e.Close() })
	return e
}

func (e *Engine) openCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.docs) != e.lru.Len() {
		panic(fmt.Sprintf("cache map has %d entries, LRU list %d", len(e.docs), e.lru.Len()))
	}
	return len(e.docs)
}

func (e *Engine) isOpen(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.docs[id]
	return ok
}

func createDocs(t *testing.T, e *Engine, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		id := rowhouse.NewDocID()
		if err := e.CreateDoc(t.Context(), id); err != nil {
			t.Fatal(err)
		}
		d, err := e.OpenDoc(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(t.Context(), `CREATE TABLE t (v INTEGER)`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(t.Context(), `INSERT INTO t (v) VALUES (?)`, i); err != nil {
			t.Fatal(err)
		}
		d.Close()
		ids = append(ids, id)
	}
	return ids
}

func readV(t *testing.T, d store.Doc) int {
	t.Helper()
	var v int
	if err := d.QueryRow(t.Context(), `SELECT v FROM t`).Scan(&v); err != nil {
		t.Fatalf("doc %s: %v", d.ID(), err)
	}
	return v
}

func TestLRUBound(t *testing.T) {
	const bound = 2
	e := withEngine(t, Options{MaxOpenDocs: bound})
	ctx := t.Context()
	ids := createDocs(t, e, 6)
	if n := e.openCount(); n > bound {
		t.Fatalf("%d documents open after creating them, bound %d", n, bound)
	}

	// Holding more handles than the bound: every one works, none is closed.
	var held []store.Doc
	for _, id := range ids {
		d, err := e.OpenDoc(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, d)
	}
	if n := e.openCount(); n != len(ids) {
		t.Errorf("%d documents open while %d handles are held", n, len(ids))
	}
	for i, d := range held {
		if v := readV(t, d); v != i {
			t.Errorf("doc %d reads %d", i, v)
		}
	}
	for _, d := range held {
		d.Close()
	}
	if n := e.openCount(); n > bound {
		t.Errorf("%d documents open after every handle closed, bound %d", n, bound)
	}

	// A handle in use survives any amount of churn around it.
	keep, err := e.OpenDoc(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	defer keep.Close()
	for round := range 3 {
		for i, id := range ids[1:] {
			d, err := e.OpenDoc(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if v := readV(t, d); v != i+1 {
				t.Errorf("round %d: doc %d reads %d", round, i+1, v)
			}
			d.Close()
			if n := e.openCount(); n > bound {
				t.Errorf("%d documents open, bound %d", n, bound)
			}
		}
		if !e.isOpen(ids[0]) {
			t.Fatal("a document in use was evicted")
		}
		if v := readV(t, keep); v != 0 {
			t.Errorf("held doc reads %d", v)
		}
		tx, err := keep.BeginWrite(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE t SET v = v`); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLRUConcurrent opens many documents from many goroutines through a
// tiny cache: eviction must never close a database someone is using.
func TestLRUConcurrent(t *testing.T) {
	e := withEngine(t, Options{MaxOpenDocs: 2})
	ctx := t.Context()
	ids := createDocs(t, e, 5)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range 12 {
				i := (w*7 + r) % len(ids)
				d, err := e.OpenDoc(ctx, ids[i])
				if err != nil {
					errs <- err
					return
				}
				var v int
				err = d.QueryRow(ctx, `SELECT v FROM t`).Scan(&v)
				if err == nil && v != i {
					err = fmt.Errorf("doc %d read %d", i, v)
				}
				d.Close()
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := e.openCount(); n > 2 {
		t.Errorf("%d documents open at rest, bound 2", n)
	}
}

// pragmas reads the settings that openDB promises from one connection.
func readPragmas(ctx context.Context, q store.Querier) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range []string{"journal_mode", "busy_timeout", "synchronous", "foreign_keys", "temp_store", "query_only"} {
		var v string
		if err := q.QueryRow(ctx, `PRAGMA `+p).Scan(&v); err != nil {
			return nil, fmt.Errorf("PRAGMA %s: %w", p, err)
		}
		out[p] = v
	}
	return out, nil
}

func TestPragmas(t *testing.T) {
	for _, c := range []struct {
		name     string
		syncFull bool
		sync     string
	}{{"normal", false, "1"}, {"full", true, "2"}} {
		t.Run(c.name, func(t *testing.T) {
			e := withEngine(t, Options{SyncFull: c.syncFull})
			ctx := t.Context()
			id := createDocs(t, e, 1)[0]
			d, err := e.OpenDoc(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			for _, db := range []struct {
				name string
				db   *db
			}{{"home", e.home}, {"doc", d.(*docHandle).db}} {
				wtx, err := db.db.BeginWrite(ctx)
				if err != nil {
					t.Fatal(err)
				}
				writer, err := readPragmas(ctx, wtx)
				wtx.Rollback()
				if err != nil {
					t.Fatal(err)
				}
				reader, err := readPragmas(ctx, db.db)
				if err != nil {
					t.Fatal(err)
				}
				for _, conn := range []struct {
					name      string
					got       map[string]string
					queryOnly string
				}{{"writer", writer, "0"}, {"reader", reader, "1"}} {
					want := map[string]string{"journal_mode": "wal", "busy_timeout": "10000", "synchronous": c.sync,
						"foreign_keys": "1", "temp_store": "2", "query_only": conn.queryOnly}
					for k, v := range want {
						if conn.got[k] != v {
							t.Errorf("%s %s: PRAGMA %s = %q, want %q", db.name, conn.name, k, conn.got[k], v)
						}
					}
				}
			}
		})
	}
}

// TestReaderNotBlockedByWriter: with WAL, reads go on while a write
// transaction is open, on the home database and on documents.
func TestReaderNotBlockedByWriter(t *testing.T) {
	e := withEngine(t, Options{})
	ctx := t.Context()
	id := createDocs(t, e, 1)[0]
	d, err := e.OpenDoc(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	for _, db := range []struct {
		name  string
		db    store.DB
		write string
		read  string
	}{
		{"doc", d, `UPDATE t SET v = 99`, `SELECT v FROM t`},
		{"home", e.home, `INSERT INTO users (email, name, created_at) VALUES ('x@y', 'x', 0)`, `SELECT COUNT(*) FROM users`},
	} {
		wtx, err := db.db.BeginWrite(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := wtx.Exec(ctx, db.write); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			var v int
			if err := db.db.QueryRow(rctx, db.read).Scan(&v); err != nil {
				done <- err
				return
			}
			if v != 0 {
				done <- fmt.Errorf("read %d, an uncommitted value", v)
				return
			}
			rtx, err := db.db.BeginRead(rctx)
			if err != nil {
				done <- err
				return
			}
			defer rtx.Rollback()
			done <- rtx.QueryRow(rctx, db.read).Scan(&v)
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s: read during a write transaction: %v", db.name, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: a read is blocked by an open write transaction", db.name)
		}
		wtx.Rollback()
	}
}

// TestTwoEnginesOneFolder is `rowhouse user create` writing while the
// server runs: two processes on one data folder both get to write.
func TestTwoEnginesOneFolder(t *testing.T) {
	dir := t.TempDir()
	a := openEngine(t, dir, Options{})
	defer a.Close()
	b := openEngine(t, dir, Options{}) // migrations already applied: a no-op
	defer b.Close()
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i, e := range []*Engine{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				err := e.Home().Write(ctx, func(q store.HomeQueries) error {
					_, err := q.CreateUser(ctx, fmt.Sprintf("u%d-%d@example.com", i, j), "", time.Now())
					return err
				})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("write from one of two engines: %v", err)
	}
	for _, e := range []*Engine{a, b} {
		if n, err := e.Home().Read().CountUsers(ctx); err != nil || n != 40 {
			t.Errorf("CountUsers = %d, %v; want 40", n, err)
		}
	}
}

// TestReopen: data and migrations survive closing the engine.
func TestReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	e := openEngine(t, dir, Options{})
	id := createDocs(t, e, 1)[0]
	if err := e.Home().Write(ctx, func(q store.HomeQueries) error {
		_, err := q.CreateUser(ctx, "ann@example.com", "Ann", time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e = openEngine(t, dir, Options{})
	defer e.Close()
	if _, err := e.Home().Read().UserByEmail(ctx, "ann@example.com"); err != nil {
		t.Error(err)
	}
	d, err := e.OpenDoc(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if v := readV(t, d); v != 0 {
		t.Errorf("doc reads %d after reopening", v)
	}
}

// TestOpenDocCreatesNoFile: looking up a document that does not exist
// leaves nothing behind.
func TestOpenDocCreatesNoFile(t *testing.T) {
	e := withEngine(t, Options{})
	id := rowhouse.NewDocID()
	if _, err := e.OpenDoc(t.Context(), id); rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
		t.Fatalf("OpenDoc of a missing doc: %v", err)
	}
	if _, err := os.Stat(e.DocPath(id)); !os.IsNotExist(err) {
		t.Errorf("OpenDoc of a missing doc left a file: %v", err)
	}
}

func TestOpenUnwritableFolder(t *testing.T) {
	file := t.TempDir() + "/file"
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(t.Context(), file+"/data", Options{}); err == nil {
		t.Fatal("Open under a regular file succeeded")
	}
}

// A data folder may be named with the characters that mean something in an
// SQLite URI.
func TestDataFolderNames(t *testing.T) {
	for _, name := range []string{"a?b", "c#d", "e%20f", "g%", "h&i=j"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir() + "/" + name
			ctx := t.Context()
			e := openEngine(t, dir, Options{})
			id := rowhouse.NewDocID()
			if err := e.CreateDoc(ctx, id); err != nil {
				t.Fatal(err)
			}
			e.Close()
			e = openEngine(t, dir, Options{})
			defer e.Close()
			d, err := e.OpenDoc(ctx, id)
			if err != nil {
				t.Fatalf("reopen doc in %q: %v", dir, err)
			}
			d.Close()
			if _, err := os.Stat(dir + "/home.db"); err != nil {
				t.Fatalf("home.db is not in the folder named: %v", err)
			}
		})
	}
}
