package postgres_test

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/store/postgres"
	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
	"github.com/rowhouse/rowhouse/store/storetest"
)

func TestConformance(t *testing.T) {
	pgtest.Skip(t)
	storetest.Run(t, func(t *testing.T) store.Engine {
		opts := pgtest.Options(t)
		e, err := postgres.Open(t.Context(), pgtest.URL(), opts)
		if err != nil {
			t.Fatal(err)
		}
		return e
	})
}

// Open fails fast and clearly: a bad rowhouse_* URL option is EINVALID,
// an unreachable server EUNAVAILABLE with the address and without the
// password. Neither needs a database.
func TestOpenErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	for _, c := range []struct {
		name, url string
		kind      rowhouse.Kind
		msg       string
	}{
		{"bad schema option", "postgres://u:pw@" + addr + "/db?rowhouse_schema=no-dashes", rowhouse.EINVALID, "rowhouse_schema must be"},
		{"bad prefix option", "postgres://u:pw@" + addr + "/db?rowhouse_doc_prefix=" + strings.Repeat("x", 31), rowhouse.EINVALID, "rowhouse_doc_prefix must be"},
		{"bad statement cache option", "postgres://u:pw@" + addr + "/db?rowhouse_statement_cache=lots", rowhouse.EINVALID, "rowhouse_statement_cache must be"},
		{"negative statement cache option", "postgres://u:pw@" + addr + "/db?rowhouse_statement_cache=-1", rowhouse.EINVALID, "rowhouse_statement_cache must be"},
		{"bad URL", "postgres://u:pw@" + addr + "/db?connect_timeout=soon", rowhouse.EINVALID, "bad database URL"},
		{"refused", "postgres://u:s3cret@" + addr + "/db", rowhouse.EUNAVAILABLE, "postgres: cannot reach " + addr},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			e, err := postgres.Open(t.Context(), c.url, postgres.Options{})
			if err == nil {
				e.Close()
				t.Fatal("Open succeeded")
			}
			if rowhouse.ErrorKind(err) != c.kind || !strings.Contains(rowhouse.ErrorMessage(err), c.msg) {
				t.Fatalf("error %q (kind %s), want kind %s containing %q", rowhouse.ErrorMessage(err), rowhouse.ErrorKind(err), c.kind, c.msg)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), ":pw@") {
				t.Fatalf("error shows the password: %v", err)
			}
			if took := time.Since(start); took > 3*time.Second {
				t.Fatalf("took %v", took)
			}
		})
	}
}

// Write transactions on one document serialize across engines sharing the
// database (as across server processes): concurrent read-modify-write
// increments through two engines lose none, and a rolled-back insert gives
// its id back.
func TestWritersSerializeAcrossEngines(t *testing.T) {
	pgtest.Skip(t)
	opts := pgtest.Options(t)
	open := func() *postgres.Engine {
		e, err := postgres.Open(t.Context(), pgtest.URL(), opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	}
	a, b := open(), open()
	ctx := t.Context()
	id := rowhouse.NewDocID()
	if err := a.CreateDoc(ctx, id); err != nil {
		t.Fatal(err)
	}
	da, err := a.OpenDoc(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	db, err := b.OpenDoc(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := da.Exec(ctx, `CREATE TABLE c (`+da.Dialect().IDColumn()+`, n BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := da.Exec(ctx, `INSERT INTO c (n) VALUES (0)`); err != nil {
		t.Fatal(err)
	}
	const perWriter = 20
	var wg sync.WaitGroup
	errs := make(chan error, 4*perWriter)
	for _, d := range []store.Doc{da, db, da, db} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perWriter {
				tx, err := d.BeginWrite(ctx)
				if err != nil {
					errs <- err
					return
				}
				var n int64
				if err := tx.QueryRow(ctx, `SELECT n FROM c WHERE id = 1`).Scan(&n); err != nil {
					tx.Rollback()
					errs <- err
					return
				}
				if _, err := tx.Exec(ctx, `UPDATE c SET n = ? WHERE id = 1`, n+1); err != nil {
					tx.Rollback()
					errs <- err
					return
				}
				if err := tx.Commit(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var n int64
	if err := db.QueryRow(ctx, `SELECT n FROM c WHERE id = 1`).Scan(&n); err != nil || n != 4*perWriter {
		t.Fatalf("counter %d (%v), want %d", n, err, 4*perWriter)
	}

	tx, err := db.BeginWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var rolled int64
	if err := tx.QueryRow(ctx, `INSERT INTO c (n) VALUES (7) RETURNING id`).Scan(&rolled); err != nil || rolled != 2 {
		t.Fatalf("insert in the rolled-back transaction: id %d, %v", rolled, err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	var next int64
	if err := da.QueryRow(ctx, `INSERT INTO c (n) VALUES (8) RETURNING id`).Scan(&next); err != nil || next != 2 {
		t.Fatalf("after the rollback the next id is %d (%v), want 2 again", next, err)
	}
}
