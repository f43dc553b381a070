package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/store/postgres"
	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
)

// openWith opens an engine on the test database with opts, closed at the
// end of the test.
func openWith(t *testing.T, opts postgres.Options) *postgres.Engine {
	t.Helper()
	e, err := postgres.Open(t.Context(), pgtest.URL(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// newStmtDoc makes a document with a table t (id, x BIGINT, s TEXT) of
// one row (1, 5, 'five'), and opens it.
func newStmtDoc(t *testing.T, e *postgres.Engine) (string, store.Doc) {
	t.Helper()
	ctx := t.Context()
	id, d := newOpenDoc(t, e)
	if _, err := d.Exec(ctx, `CREATE TABLE t (`+d.Dialect().IDColumn()+`, x BIGINT, s TEXT)`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO t (x, s) VALUES (5, 'five')`); err != nil {
		t.Fatal(err)
	}
	return id, d
}

// prepared returns how many times the statement of text was run prepared
// on the connection of q (a transaction), -1 if it is not prepared there.
func prepared(t *testing.T, q store.Querier, text string) int64 {
	t.Helper()
	var n int64 = -1
	rows, err := q.Query(t.Context(), `SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement = ?`, text)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		if n >= 0 {
			t.Fatalf("%q is prepared twice on one connection", text)
		}
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// A document's statement is prepared once per connection, the second time
// it runs there, and run by name after that, with its parameters as they are sent unprepared: an empty
// text stays empty (also as the first parameter a connection encodes) and
// nil is NULL.
func TestStatementsPreparedOnce(t *testing.T) {
	pgtest.Skip(t)
	e := openWith(t, pgtest.Options(t))
	_, d := newStmtDoc(t, e)
	ctx := t.Context()
	tx, err := d.BeginWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, v := range []any{"", nil, "7", int64(7), 7.5, true} {
		if _, err := tx.Exec(ctx, `UPDATE t SET s = ? WHERE id = 1`, v); err != nil {
			t.Fatalf("update to %#v: %v", v, err)
		}
		var got any
		if err := tx.QueryRow(ctx, `SELECT s FROM t WHERE id = 1`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		var want any
		switch v {
		case nil:
		case true:
			want = "1" // booleans are bound as 1 and 0
		default:
			want = fmt.Sprint(v)
		}
		if got != want {
			t.Fatalf("update to %#v reads back %#v, want %#v", v, got, want)
		}
	}
	const sel = `SELECT x, s FROM t WHERE id = $1`
	for range 5 {
		var x int64
		var s string
		if err := tx.QueryRow(ctx, `SELECT x, s FROM t WHERE id = ?`, 1).Scan(&x, &s); err != nil || x != 5 || s != "1" {
			t.Fatalf("read %d %q, %v", x, s, err)
		}
	}
	// The first run of each is unprepared.
	if n := prepared(t, tx, sel); n != 4 {
		t.Fatalf("the read ran %d times prepared, want 4", n)
	}
	if n := prepared(t, tx, `UPDATE t SET s = $1 WHERE id = 1`); n != 5 {
		t.Fatalf("the update ran %d times prepared, want 5", n)
	}
}

// A table change made by this process, or seen by the core (ForgetPlans),
// leaves no plan of the old tables in use: a column that changed type
// reads with its new type on every connection and in the transaction
// that changed it. Another process's change is also survived outside a
// transaction before the core has seen it.
func TestStatementsFollowTableChanges(t *testing.T) {
	pgtest.Skip(t)
	opts := pgtest.Options(t)
	opts.MaxConns = 2
	e := openWith(t, opts)
	id, d := newStmtDoc(t, e)
	ctx := t.Context()

	// onEachConn runs read in two read transactions open at once, so on
	// both connections of the pool.
	onEachConn := func(d store.Doc, read func(tx store.Tx) error) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		var started sync.WaitGroup
		started.Add(2)
		for i := range 2 {
			wg.Go(func() {
				tx, err := d.BeginRead(ctx)
				started.Done()
				if err != nil {
					errs[i] = err
					return
				}
				defer tx.Rollback()
				started.Wait()
				errs[i] = read(tx)
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	readX := func(want any) func(q store.Querier) error {
		return func(q store.Querier) error {
			var got any
			if err := q.QueryRow(ctx, `SELECT x FROM t WHERE id = ?`, 1).Scan(&got); err != nil {
				return err
			}
			if got != want {
				return fmt.Errorf("x is %#v, want %#v", got, want)
			}
			return nil
		}
	}
	// retype turns x into a column of type typ, as the core's
	// ModifyColumn does: a new column, the values copied, the old one
	// dropped and the new one renamed.
	retype := func(q store.Querier, typ string) {
		t.Helper()
		for _, s := range []string{
			`ALTER TABLE t ADD COLUMN x2 ` + typ,
			`UPDATE t SET x2 = CAST(x AS ` + typ + `)`,
			`ALTER TABLE t DROP COLUMN x`,
			`ALTER TABLE t RENAME COLUMN x2 TO x`,
		} {
			if _, err := q.Exec(ctx, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}

	onEachConn(d, func(tx store.Tx) error { return readX(int64(5))(tx) })
	if err := readX(int64(5))(d); err != nil {
		t.Fatal(err)
	}

	// This process changes the type: the same transaction and then every
	// connection read the new type.
	tx, err := d.BeginWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := readX(int64(5))(tx); err != nil {
		t.Fatal(err)
	}
	retype(tx, "TEXT")
	if err := readX("5")(tx); err != nil {
		t.Fatalf("in the transaction that changed the type: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	onEachConn(d, func(tx store.Tx) error { return readX("5")(tx) })

	// Another process changes the type. Once the core has seen the
	// change (ForgetPlans), transactions on every connection prepare
	// anew.
	other := openWith(t, opts)
	od, err := other.OpenDoc(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer od.Close()
	otherRetype := func(typ string) {
		t.Helper()
		otx, err := od.BeginWrite(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer otx.Rollback()
		retype(otx, typ)
		if err := otx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	otherRetype("DOUBLE PRECISION")
	d.(store.PlanForgetter).ForgetPlans()
	onEachConn(d, func(tx store.Tx) error { return readX(5.0)(tx) })

	// Before the core has seen a change, a read outside a transaction
	// whose plan the server refuses runs again, prepared anew.
	otherRetype("TEXT")
	for range 2 { // on both connections, whichever comes first
		if err := readX("5")(d); err != nil {
			t.Fatalf("outside a transaction after another process's change: %v", err)
		}
	}
}

// A connection keeps at most Options.StatementCache statements, and
// 256 KB of statement text, letting go of the least recently used; a
// statement of more than 64 KB is not prepared; rowhouse_statement_cache=0
// prepares none.
func TestStatementCacheBounds(t *testing.T) {
	pgtest.Skip(t)
	ctx := t.Context()
	// count runs reads statements, each twice, padded to pad bytes, and
	// returns how many of them are prepared.
	count := func(t *testing.T, d store.Doc, reads, pad int) int64 {
		t.Helper()
		tx, err := d.BeginWrite(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		for i := range reads {
			q := fmt.Sprintf(`SELECT x + %d FROM t WHERE id = ? /*%s*/`, i, strings.Repeat(" ", pad))
			for range 2 {
				var x int64
				if err := tx.QueryRow(ctx, q, 1).Scan(&x); err != nil || x != int64(5+i) {
					t.Fatalf("read %d: %d, %v", i, x, err)
				}
			}
		}
		var n int64
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT x + %'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	t.Run("capacity", func(t *testing.T) {
		opts := pgtest.Options(t)
		opts.StatementCache = 3
		_, d := newStmtDoc(t, openWith(t, opts))
		// Statements let go of are closed on the server 16 at a time.
		if n := count(t, d, 40, 0); n < 3 || n >= 3+16 {
			t.Fatalf("%d of the reads are prepared, want 3 and fewer than 16 let go of", n)
		}
	})
	t.Run("text", func(t *testing.T) {
		_, d := newStmtDoc(t, openWith(t, pgtest.Options(t)))
		if n := count(t, d, 60, 20<<10); n < 12 || n >= 12+16 { // 256 KB of text
			t.Fatalf("%d of the reads of 20 KB are prepared, want 12 and fewer than 16 let go of", n)
		}
	})
	t.Run("huge", func(t *testing.T) {
		_, d := newStmtDoc(t, openWith(t, pgtest.Options(t)))
		if n := count(t, d, 2, 70<<10); n != 0 {
			t.Fatalf("%d of the reads of 70 KB are prepared, want none", n)
		}
	})
	t.Run("off", func(t *testing.T) {
		opts := pgtest.Options(t)
		sep := "?"
		if strings.Contains(pgtest.URL(), "?") {
			sep = "&"
		}
		e, err := postgres.Open(ctx, pgtest.URL()+sep+"rowhouse_statement_cache=0", opts)
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		_, d := newStmtDoc(t, e)
		if n := count(t, d, 3, 0); n != 0 {
			t.Fatalf("%d of the reads are prepared, want none", n)
		}
	})
}

// BeginWrite's statements after BEGIN (the write lock, the sequences) are
// prepared on a connection with its first write and run by name from
// then on, in the same round trip as BEGIN; with preparing off they run
// unprepared. A writer that gives up waiting for the lock leaves it to the
// next.
func TestWriteBeginPrepared(t *testing.T) {
	pgtest.Skip(t)
	const lock = `SELECT pg_advisory_lock(hashtextextended($1, 0))`
	const seqs = `SELECT sequencename::text, last_value FROM pg_sequences WHERE schemaname = $1`
	for _, tc := range []struct {
		name  string
		cache int
		want  int64 // prepared runs of each in the second and third writes
	}{{"prepared", 0, 2}, {"preparing off", -1, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			opts := pgtest.Options(t)
			opts.MaxConns = 1 // every write on one connection
			opts.StatementCache = tc.cache
			e := openWith(t, opts)
			_, d := newStmtDoc(t, e)
			ctx := t.Context()
			var l0, s0 int64 // in the first write (the migrations wrote before)
			for i := range 3 {
				tx, err := d.BeginWrite(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := tx.Exec(ctx, `INSERT INTO t (x, s) VALUES (?, 'more')`, i); err != nil {
					tx.Rollback()
					t.Fatal(err)
				}
				l, s := prepared(t, tx, lock), prepared(t, tx, seqs)
				switch i {
				case 0:
					l0, s0 = l, s
					if tc.want > 0 && (l < 1 || s < 1) {
						t.Fatalf("the first write ran the lock %d times prepared, the sequences %d", l, s)
					}
				case 2:
					if err := tx.Rollback(); err != nil { // the sequences read at BEGIN are put back
						t.Fatal(err)
					}
					if l-l0 != tc.want || s-s0 != tc.want {
						t.Fatalf("the next two writes ran the lock %d times prepared, the sequences %d, want %d", l-l0, s-s0, tc.want)
					}
					continue
				}
				if err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
			}
			var next int64
			if err := d.QueryRow(ctx, `INSERT INTO t (x, s) VALUES (9, 'last') RETURNING id`).Scan(&next); err != nil {
				t.Fatal(err)
			}
			if next != 4 { // 1 at the start, 2 and 3 committed, 4 given back by the rollback
				t.Errorf("the next id is %d, want 4", next)
			}
		})
	}

	t.Run("a writer gives up waiting", func(t *testing.T) {
		opts := pgtest.Options(t)
		e := openWith(t, opts)
		id, d := newStmtDoc(t, e)
		ctx := t.Context()
		// Another process's writer (this process's writers queue in the
		// process before they reach the database).
		other := openWith(t, opts)
		od, err := other.OpenDoc(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		defer od.Close()
		holder, err := d.BeginWrite(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer holder.Rollback()
		wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		if tx, err := od.BeginWrite(wctx); err == nil {
			tx.Rollback()
			t.Fatal("BeginWrite took the lock another writer holds")
		}
		if err := holder.Commit(); err != nil {
			t.Fatal(err)
		}
		wctx2, cancel2 := context.WithTimeout(ctx, 10*time.Second)
		defer cancel2()
		tx, err := od.BeginWrite(wctx2)
		if err != nil {
			t.Fatalf("after the holder committed: %v", err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	})
}
