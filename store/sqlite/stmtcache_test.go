package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// cacheDB opens a database with one table t(id, v) holding three rows.
func cacheDB(t *testing.T) *db {
	t.Helper()
	ctx := t.Context()
	d, err := openDB(ctx, filepath.Join(t.TempDir(), "c.db"), false, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	oneReader(d)
	if _, err := d.Exec(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO t (v) VALUES ('a'), ('b'), ('c')`); err != nil {
		t.Fatal(err)
	}
	return d
}

// oneReader cuts d's reader pool to one connection, so that every read
// runs on the same one.
func oneReader(d *db) {
	d.reader.close()
	d.reader = newPool(1, opener(d.path, true, false, false))
}

// cached is the number of statements a pool's connection keeps (the pool
// has one connection).
func cached(t *testing.T, p *pool) int {
	t.Helper()
	c, err := p.get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer p.put(c)
	if len(c.byKey) != c.order.Len() {
		t.Fatalf("cache index holds %d statements, its order %d", len(c.byKey), c.order.Len())
	}
	return len(c.byKey)
}

func TestCacheable(t *testing.T) {
	for q, want := range map[string]bool{
		"SELECT 1":                    true,
		"  select * from t":           true,
		"INSERT INTO t VALUES (1)":    true,
		"update t set v = 1":          true,
		"DELETE FROM t":               true,
		"WITH x AS (SELECT 1) SELECT": true,
		"CREATE TABLE x (a)":          false,
		"ALTER TABLE t ADD c":         false,
		"VACUUM INTO ?":               false,
		"PRAGMA user_version":         false,
		"BEGIN":                       false,
		"":                            false,
	} {
		if got := cacheable(q); got != want {
			t.Errorf("cacheable(%q) = %v, want %v", q, got, want)
		}
	}
}

// A statement run twice outside a transaction is prepared once.
func TestStmtCacheReuses(t *testing.T) {
	d := cacheDB(t)
	ctx := t.Context()
	before := cached(t, d.reader)
	for range 3 {
		var v string
		if err := d.QueryRow(ctx, `SELECT v FROM t WHERE id = ?`, 2).Scan(&v); err != nil || v != "b" {
			t.Fatalf("got %q, %v", v, err)
		}
	}
	if got := cached(t, d.reader); got != before+1 {
		t.Fatalf("cache holds %d statements after three runs of one, want %d", got, before+1)
	}
}

// A transaction's statements are cached on its connection: the next
// transaction uses them.
func TestStmtCacheInTransaction(t *testing.T) {
	d := cacheDB(t)
	ctx := t.Context()
	const q = `SELECT count(*) FROM t WHERE v <> ?`
	before := cached(t, d.writer)
	for i := range 2 {
		tx, err := d.BeginWrite(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := tx.QueryRow(ctx, q, "a").Scan(&n); err != nil || n != 2 {
			t.Fatalf("run %d: got %d, %v", i, n, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE t SET v = v WHERE id = ?`, 1); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if got := cached(t, d.writer); got != before+2 {
		t.Fatalf("writer cache holds %d statements, want %d", got, before+2)
	}
}

// More read transactions than the pool has connections, each missing the
// cache, must not deadlock: a miss never waits for a second connection.
// (The pool has one connection here; the transactions queue for it.)
func TestStmtCacheNoDeadlock(t *testing.T) {
	d := cacheDB(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tx, err := d.BeginRead(ctx)
			if err != nil {
				errs <- err
				return
			}
			defer tx.Rollback()
			var n int
			// Distinct statements, so that every goroutine misses.
			if err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) + %d FROM t`, g)).Scan(&n); err != nil {
				errs <- err
				return
			}
			if n != 3+g {
				errs <- fmt.Errorf("goroutine %d read %d", g, n)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A cached statement sees schema changes made after it was prepared.
func TestStmtCacheSchemaChange(t *testing.T) {
	d := cacheDB(t)
	ctx := t.Context()
	cols := func() int {
		rows, err := d.Query(ctx, `SELECT * FROM t WHERE id = ?`, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		names, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		return len(names)
	}
	if n := cols(); n != 2 {
		t.Fatalf("%d columns before the change, want 2", n)
	}
	if _, err := d.Exec(ctx, `ALTER TABLE t ADD COLUMN w TEXT`); err != nil {
		t.Fatal(err)
	}
	if n := cols(); n != 3 {
		t.Fatalf("%d columns after ADD COLUMN, want 3", n)
	}
}

// The cache keeps at most stmtCacheSize statements, and statements still
// work after being evicted and closed.
func TestStmtCacheBound(t *testing.T) {
	d := cacheDB(t)
	ctx := t.Context()
	for i := range stmtCacheSize + 10 {
		var n int
		if err := d.QueryRow(ctx, fmt.Sprintf(`SELECT %d`, i)).Scan(&n); err != nil || n != i {
			t.Fatalf("SELECT %d: %d, %v", i, n, err)
		}
	}
	if got := cached(t, d.reader); got != stmtCacheSize {
		t.Fatalf("cache holds %d statements, want %d", got, stmtCacheSize)
	}
	var n int
	if err := d.QueryRow(ctx, `SELECT 0`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("evicted statement: %d, %v", n, err)
	}
}
