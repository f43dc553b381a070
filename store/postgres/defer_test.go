package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
)

// A write transaction's deferred statements (store.Deferrer) are held
// back until its next statement or its commit, run in the order deferred,
// and one that fails fails the transaction: nothing of it is committed,
// the ids it took are given back and the write lock is released.
func TestDefer(t *testing.T) {
	pgtest.Skip(t)
	ctx := t.Context()
	e := pgtest.Open(t)
	_, d := newOpenDoc(t, e)
	if _, err := d.Exec(ctx, `CREATE TABLE c (`+d.Dialect().IDColumn()+`, n BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	begin := func() (store.Tx, store.Deferrer) {
		t.Helper()
		bctx, cancel := context.WithTimeout(ctx, 10*time.Second) // a lock left held fails here, not by hanging
		defer cancel()
		tx, err := d.BeginWrite(bctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tx.Rollback() })
		df, ok := tx.(store.Deferrer)
		if !ok {
			t.Fatalf("%T is not a store.Deferrer", tx)
		}
		return tx, df
	}
	ns := func() []int64 {
		t.Helper()
		rows, err := d.Query(ctx, `SELECT n FROM c ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []int64
		for rows.Next() {
			var n int64
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			out = append(out, n)
		}
		return out
	}
	const lockKey = 727201
	locked := func() bool { // seen from another connection
		t.Helper()
		var n int64
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = ? AND objsubid = 1`, lockKey).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	}

	t.Run("held back until the next statement, in order", func(t *testing.T) {
		tx, df := begin()
		df.Defer(`SELECT pg_advisory_xact_lock(?)`, lockKey)
		df.Defer(`INSERT INTO c (n) VALUES (?)`, 1)
		df.Defer(`UPDATE c SET n = n * 10`)
		if locked() {
			t.Fatal("a deferred statement ran at once")
		}
		var n int64
		if err := tx.QueryRow(ctx, `SELECT n FROM c`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 10 {
			t.Errorf("the transaction read %d, want 10 (insert, then update)", n)
		}
		if !locked() {
			t.Error("the deferred statements had not run before the next one")
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("sent with the commit", func(t *testing.T) {
		tx, df := begin()
		df.Defer(`INSERT INTO c (n) VALUES (?)`, 2)
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if got := ns(); len(got) != 2 || got[1] != 2 {
			t.Fatalf("rows %v, want [10 2]", got)
		}
	})

	t.Run("a failing one fails the commit", func(t *testing.T) {
		tx, df := begin()
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO c (n) VALUES (3) RETURNING id`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		df.Defer(`INSERT INTO c (n) VALUES (NULL)`)
		if err := tx.Commit(); err == nil {
			t.Fatal("commit: no error for a NOT NULL violation")
		}
		if got := ns(); len(got) != 2 {
			t.Fatalf("rows %v after a failed commit, want [10 2]", got)
		}
		tx2, _ := begin() // the lock is free
		var again int64
		if err := tx2.QueryRow(ctx, `INSERT INTO c (n) VALUES (4) RETURNING id`).Scan(&again); err != nil {
			t.Fatal(err)
		}
		if again != id {
			t.Errorf("the next insert took id %d, want %d given back", again, id)
		}
		if err := tx2.Commit(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a failing one fails the next statement", func(t *testing.T) {
		tx, df := begin()
		df.Defer(`INSERT INTO c (n) VALUES (NULL)`)
		if _, err := tx.Exec(ctx, `INSERT INTO c (n) VALUES (5)`); err == nil {
			t.Fatal("exec: no error for the deferred statement's NOT NULL violation")
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		tx2, _ := begin()
		if err := tx2.Commit(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("dropped by rollback", func(t *testing.T) {
		tx, df := begin()
		df.Defer(`INSERT INTO c (n) VALUES (?)`, 6)
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if got := ns(); len(got) != 3 || got[2] != 4 {
			t.Fatalf("rows %v, want [10 2 4]", got)
		}
	})
}
