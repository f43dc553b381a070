package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
)

// docs tests the engine's document databases: create, open, copy, delete.
func (s *suite) docs(t *testing.T) {
	t.Run("CreateOpen", s.docsCreateOpen)
	t.Run("OpenMissing", s.docsOpenMissing)
	t.Run("DataOutlivesHandles", s.docsDataOutlivesHandles)
	t.Run("Isolated", s.docsIsolated)
	t.Run("Copy", s.docsCopy)
	t.Run("Delete", s.docsDelete)
	t.Run("DeleteWhileOpen", s.docsDeleteWhileOpen)
	t.Run("ConcurrentOpen", s.docsConcurrentOpen)
}

func (s *suite) docsCreateOpen(t *testing.T) {
	e := s.engine(t)
	ctx := t.Context()
	id := newDoc(t, e)
	d := openDoc(t, e, id)
	if d.ID() != id {
		t.Errorf("ID() = %q, want %q", d.ID(), id)
	}
	if d.Dialect() == nil || d.Dialect().Name() != e.Name() {
		t.Errorf("the document's dialect is %v, want the engine's (%q)", d.Dialect(), e.Name())
	}
	var one int
	if err := d.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 on a new document: %d, %v", one, err)
	}
	err := e.CreateDoc(ctx, id)
	wantKind(t, err, rowhouse.ECONFLICT, "CreateDoc of an existing document")
	for _, bad := range []string{"", "short", "../../../../etc/passwd", "0OIl0OIl0OIl0OIl0OIl0O", "abcdefghijkmnopqrstuvw/"} {
		if err := e.CreateDoc(ctx, bad); err == nil {
			t.Errorf("CreateDoc(%q) succeeded", bad)
		}
	}
	if err := d.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func (s *suite) docsOpenMissing(t *testing.T) {
	e := s.engine(t)
	ctx := t.Context()
	for _, id := range []string{
		rowhouse.NewDocID(), // well formed, never created
		"", "short", "../../../../etc/passwd", "0OIl0OIl0OIl0OIl0OIl0O", "abcdefghijkmnopqrstuvw/",
		"abcdefghijkmnopqrstuvwxyz", "abc'; DROP TABLE users; --",
	} {
		d, err := e.OpenDoc(ctx, id)
		if err == nil {
			d.Close()
		}
		wantKind(t, err, rowhouse.ENOTFOUND, "OpenDoc("+id+")")
	}
}

func (s *suite) docsDataOutlivesHandles(t *testing.T) {
	e := s.engine(t)
	ctx := t.Context()
	id := newDoc(t, e)
	d, err := e.OpenDoc(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	makeCounter(t, d)
	setCounter(t, d, 7)
	d.Close()
	d2 := openDoc(t, e, id)
	wantCounter(t, d2, d2, 7, "after reopening")
}

func (s *suite) docsIsolated(t *testing.T) {
	e := s.engine(t)
	a := openDoc(t, e, newDoc(t, e))
	b := openDoc(t, e, newDoc(t, e))
	makeCounter(t, a)
	makeCounter(t, b)
	setCounter(t, a, 1)
	setCounter(t, b, 2)
	wantCounter(t, a, a, 1, "doc a")
	wantCounter(t, b, b, 2, "doc b")
	// A document's SQL sees its own tables only: a third document has no
	// counter table.
	c := openDoc(t, e, newDoc(t, e))
	if _, err := readCounter(t.Context(), c, c); err == nil {
		t.Error("a new document sees another document's table")
	}
}

func (s *suite) docsCopy(t *testing.T) {
	e := s.engine(t)
	ctx := t.Context()
	src := newDoc(t, e)
	sd := openDoc(t, e, src)
	makeCounter(t, sd)
	setCounter(t, sd, 5)

	dst := rowhouse.NewDocID()
	if err := e.CopyDoc(ctx, src, dst); err != nil {
		t.Fatalf("CopyDoc: %v", err)
	}
	dd := openDoc(t, e, dst)
	wantCounter(t, dd, dd, 5, "the copy")

	// The copy is independent of its source, both ways.
	setCounter(t, sd, 6)
	wantCounter(t, dd, dd, 5, "the copy after the source changed")
	setCounter(t, dd, 9)
	wantCounter(t, sd, sd, 6, "the source after the copy changed")

	// Copying to an existing document, or from a missing one, fails.
	err := e.CopyDoc(ctx, src, dst)
	wantKind(t, err, rowhouse.ECONFLICT, "CopyDoc onto an existing document")
	wantCounter(t, dd, dd, 9, "the existing document after a refused copy")
	missing := rowhouse.NewDocID()
	err = e.CopyDoc(ctx, missing, rowhouse.NewDocID())
	wantKind(t, err, rowhouse.ENOTFOUND, "CopyDoc of a missing document")
	if err := e.CopyDoc(ctx, src, "not a doc id"); err == nil {
		t.Error("CopyDoc to an invalid id succeeded")
	}

	// A copy can be deleted without touching its source.
	dd.Close()
	if err := e.DeleteDoc(ctx, dst); err != nil {
		t.Fatal(err)
	}
	wantCounter(t, sd, sd, 6, "the source after its copy was deleted")
}

func (s *suite) docsDelete(t *testing.T) {
	e := s.engine(t)
	ctx := t.Context()
	id := newDoc(t, e)
	d := openDoc(t, e, id)
	makeCounter(t, d)
	d.Close()
	if err := e.DeleteDoc(ctx, id); err != nil {
		t.Fatalf("DeleteDoc: %v", err)
	}
	_, err := e.OpenDoc(ctx, id)
	wantKind(t, err, rowhouse.ENOTFOUND, "OpenDoc of a deleted document")
	err = e.CopyDoc(ctx, id, rowhouse.NewDocID())
	wantKind(t, err, rowhouse.ENOTFOUND, "CopyDoc of a deleted document")
	// Deleting what is not there (again, or never created) is not a failure
	// of storage: at most ENOTFOUND.
	for _, missing := range []string{id, rowhouse.NewDocID()} {
		if err := e.DeleteDoc(ctx, missing); err != nil && rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
			t.Errorf("DeleteDoc of a missing document: %v", err)
		}
	}
	// The id can be used again, for an empty document.
	if err := e.CreateDoc(ctx, id); err != nil {
		t.Fatalf("CreateDoc after DeleteDoc: %v", err)
	}
	d2 := openDoc(t, e, id)
	if _, err := readCounter(ctx, d2, d2); err == nil {
		t.Error("a document created again with a deleted one's id has its old table")
	}
}

func (s *suite) docsDeleteWhileOpen(t *testing.T) {
	e := s.engine(t)
	ctx := t.Context()
	id := newDoc(t, e)
	d, err := e.OpenDoc(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	makeCounter(t, d)
	if err := e.DeleteDoc(ctx, id); err != nil {
		t.Fatalf("DeleteDoc while a handle is open: %v", err)
	}
	// The open handle may fail from now on, but must not hang or crash.
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, _ = readCounter(rctx, d, d)
	if tx, err := d.BeginWrite(rctx); err == nil {
		_, _ = tx.Exec(rctx, `UPDATE `+d.Dialect().QuoteIdent(counterTable)+` SET n = 3`)
		_ = tx.Commit()
		_ = tx.Rollback()
	}
	if rctx.Err() != nil {
		t.Fatal("a handle on a deleted document hung")
	}
	if err := d.Close(); err != nil {
		t.Errorf("Close of a handle on a deleted document: %v", err)
	}
	// The document stays deleted: nothing the old handle did brought it back.
	_, err = e.OpenDoc(ctx, id)
	wantKind(t, err, rowhouse.ENOTFOUND, "OpenDoc of a document deleted while open")
	// And the engine goes on working.
	other := openDoc(t, e, newDoc(t, e))
	makeCounter(t, other)
}

func (s *suite) docsConcurrentOpen(t *testing.T) {
	e := s.engine(t)
	ctx := t.Context()
	ids := []string{newDoc(t, e), newDoc(t, e), newDoc(t, e)}
	for i, id := range ids {
		d := openDoc(t, e, id)
		makeCounter(t, d)
		setCounter(t, d, int64(i))
		d.Close()
	}
	const workers, rounds = 12, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				i := (w + r) % len(ids)
				d, err := e.OpenDoc(ctx, ids[i])
				if err != nil {
					errs <- err
					continue
				}
				n, err := readCounter(ctx, d, d)
				if err == nil && n != int64(i) {
					err = errors.New("read another document's data")
				}
				if err != nil {
					errs <- err
				}
				if err := d.Close(); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent OpenDoc: %v", err)
	}
}

// transactions tests the DB contract (store.DB) on a document database.
func (s *suite) transactions(t *testing.T) {
	t.Run("WriteCommitRollback", s.txWriteCommitRollback)
	t.Run("ReadersSeeCommittedOnly", s.txReadersSeeCommitted)
	t.Run("ReadSnapshot", s.txReadSnapshot)
	t.Run("ReadRefusesWrites", s.txReadRefusesWrites)
	t.Run("WritersSerialize", s.txWritersSerialize)
	t.Run("ErrNoRows", s.txErrNoRows)
	t.Run("Rows", s.txRows)
	t.Run("ScanCells", s.txScanCells)
}

func (s *suite) counterDoc(t *testing.T) store.Doc {
	e := s.engine(t)
	d := openDoc(t, e, newDoc(t, e))
	makeCounter(t, d)
	return d
}

func (s *suite) txWriteCommitRollback(t *testing.T) {
	d := s.counterDoc(t)
	ctx := t.Context()
	q := d.Dialect().QuoteIdent(counterTable)

	tx := must(d.BeginWrite(ctx))(t)
	if n := must(tx.Exec(ctx, `UPDATE `+q+` SET n = ? WHERE id = 1`, 10))(t); n != 1 {
		t.Errorf("Exec reported %d rows affected, want 1", n)
	}
	wantCounter(t, d, tx, 10, "the write transaction, its own write")
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	wantCounter(t, d, d, 0, "after Rollback")

	tx = must(d.BeginWrite(ctx))(t)
	must(tx.Exec(ctx, `UPDATE `+q+` SET n = ? WHERE id = 1`, 11))(t)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// Rollback after Commit is a no-op, so callers can always defer it.
	if err := tx.Rollback(); err != nil {
		t.Errorf("Rollback after Commit: %v", err)
	}
	wantCounter(t, d, d, 11, "after Commit")

	// DB.Exec is its own committed transaction.
	if n := must(d.Exec(ctx, `UPDATE `+q+` SET n = n + 1 WHERE id = ?`, 1))(t); n != 1 {
		t.Errorf("DB.Exec reported %d rows affected, want 1", n)
	}
	wantCounter(t, d, d, 12, "after DB.Exec")
	if n := must(d.Exec(ctx, `UPDATE `+q+` SET n = 0 WHERE id = ?`, 999))(t); n != 0 {
		t.Errorf("an UPDATE matching nothing reported %d rows", n)
	}

	rtx := must(d.BeginRead(ctx))(t)
	if err := rtx.Commit(); err != nil {
		t.Errorf("Commit of a read transaction: %v", err)
	}
	if err := rtx.Rollback(); err != nil {
		t.Errorf("Rollback after Commit of a read transaction: %v", err)
	}
}

func (s *suite) txReadersSeeCommitted(t *testing.T) {
	d := s.counterDoc(t)
	ctx := t.Context()
	tx := must(d.BeginWrite(ctx))(t)
	defer tx.Rollback()
	must(tx.Exec(ctx, `UPDATE `+d.Dialect().QuoteIdent(counterTable)+` SET n = 42 WHERE id = 1`))(t)

	// Readers neither wait for the open write transaction nor see it.
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	n, err := readCounter(rctx, d, d)
	if err != nil || n != 0 {
		t.Fatalf("a read during an open write transaction: %d, %v; want 0 at once", n, err)
	}
	rtx, err := d.BeginRead(rctx)
	if err != nil {
		t.Fatalf("BeginRead during an open write transaction: %v", err)
	}
	n, err = readCounter(rctx, d, rtx)
	rtx.Rollback()
	if err != nil || n != 0 {
		t.Fatalf("a read transaction during an open write transaction: %d, %v; want 0", n, err)
	}

	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	wantCounter(t, d, d, 42, "a read after the commit")
}

func (s *suite) txReadSnapshot(t *testing.T) {
	d := s.counterDoc(t)
	ctx := t.Context()
	rtx := must(d.BeginRead(ctx))(t)
	defer rtx.Rollback()
	wantCounter(t, d, rtx, 0, "the read transaction, first read")
	setCounter(t, d, 1) // a write commits while the read transaction is open
	wantCounter(t, d, rtx, 0, "the read transaction after a concurrent commit (one snapshot)")
	wantCounter(t, d, d, 1, "a new read")
	if err := rtx.Rollback(); err != nil {
		t.Fatal(err)
	}
	rtx = must(d.BeginRead(ctx))(t)
	defer rtx.Rollback()
	wantCounter(t, d, rtx, 1, "a new read transaction")
}

func (s *suite) txReadRefusesWrites(t *testing.T) {
	d := s.counterDoc(t)
	ctx := t.Context()
	rtx := must(d.BeginRead(ctx))(t)
	_, err := rtx.Exec(ctx, `UPDATE `+d.Dialect().QuoteIdent(counterTable)+` SET n = 5 WHERE id = 1`)
	rtx.Rollback()
	if err == nil {
		t.Error("a write in a read transaction succeeded")
	}
	wantCounter(t, d, d, 0, "after a refused write")
}

func (s *suite) txWritersSerialize(t *testing.T) {
	d := s.counterDoc(t)
	ctx := t.Context()
	q := d.Dialect().QuoteIdent(counterTable)
	// Each increment reads, then writes what it read plus one, in Go: if two
	// write transactions ever overlapped, an update would be lost.
	const workers, each = 4, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				errs <- func() error {
					tx, err := d.BeginWrite(ctx)
					if err != nil {
						return err
					}
					defer tx.Rollback()
					n, err := readCounter(ctx, d, tx)
					if err != nil {
						return err
					}
					time.Sleep(100 * time.Microsecond) // widen the window a lost update needs
					if _, err := tx.Exec(ctx, `UPDATE `+q+` SET n = ? WHERE id = 1`, n+1); err != nil {
						return err
					}
					return tx.Commit()
				}()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("increment: %v", err)
		}
	}
	wantCounter(t, d, d, workers*each, "after concurrent increments")
}

func (s *suite) txErrNoRows(t *testing.T) {
	d := s.counterDoc(t)
	ctx := t.Context()
	query := `SELECT n FROM ` + d.Dialect().QuoteIdent(counterTable) + ` WHERE id = ?`
	var n int64
	if err := d.QueryRow(ctx, query, 999).Scan(&n); !errors.Is(err, store.ErrNoRows) {
		t.Errorf("DB.QueryRow matching nothing: %v, want store.ErrNoRows", err)
	}
	wtx := must(d.BeginWrite(ctx))(t)
	if err := wtx.QueryRow(ctx, query, 999).Scan(&n); !errors.Is(err, store.ErrNoRows) {
		t.Errorf("write Tx.QueryRow matching nothing: %v, want store.ErrNoRows", err)
	}
	wtx.Rollback()
	rtx := must(d.BeginRead(ctx))(t)
	if err := rtx.QueryRow(ctx, query, 999).Scan(&n); !errors.Is(err, store.ErrNoRows) {
		t.Errorf("read Tx.QueryRow matching nothing: %v, want store.ErrNoRows", err)
	}
	rtx.Rollback()
	// Other errors are not ErrNoRows.
	if err := d.QueryRow(ctx, `SELECT n FROM no_such_table`).Scan(&n); err == nil || errors.Is(err, store.ErrNoRows) {
		t.Errorf("a query of a missing table: %v, want an error other than ErrNoRows", err)
	}
}

func (s *suite) txRows(t *testing.T) {
	d := s.counterDoc(t)
	ctx := t.Context()
	q := d.Dialect().QuoteIdent(counterTable)
	tx := must(d.BeginWrite(ctx))(t)
	defer tx.Rollback()
	for i := 2; i <= 5; i++ {
		must(tx.Exec(ctx, `INSERT INTO `+q+` (id, n) VALUES (?, ?)`, i, i*10))(t)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, qr := range []struct {
		name string
		q    store.Querier
	}{{"DB", d}, {"read Tx", must(d.BeginRead(ctx))(t)}} {
		rows, err := qr.q.Query(ctx, `SELECT id, n FROM `+q+` WHERE id >= ? ORDER BY id DESC`, 3)
		if err != nil {
			t.Fatalf("%s: Query: %v", qr.name, err)
		}
		cols, err := rows.Columns()
		if err != nil || len(cols) != 2 || cols[0] != "id" || cols[1] != "n" {
			t.Errorf("%s: Columns() = %v, %v", qr.name, cols, err)
		}
		var got []int64
		for rows.Next() {
			var id, n int64
			if err := rows.Scan(&id, &n); err != nil {
				t.Fatalf("%s: Scan: %v", qr.name, err)
			}
			if n != id*10 {
				t.Errorf("%s: row %d has n %d", qr.name, id, n)
			}
			got = append(got, id)
		}
		if err := rows.Err(); err != nil {
			t.Errorf("%s: Err: %v", qr.name, err)
		}
		if err := rows.Close(); err != nil {
			t.Errorf("%s: Close: %v", qr.name, err)
		}
		if len(got) != 3 || got[0] != 5 || got[2] != 3 {
			t.Errorf("%s: ids %v, want [5 4 3]", qr.name, got)
		}
		if tx, ok := qr.q.(store.Tx); ok {
			tx.Rollback()
		}
	}
	if _, err := d.Query(ctx, `SELECT nope FROM `+q); err == nil {
		t.Error("Query of a missing column succeeded")
	}
}

// txScanCells: a *store.Cell takes each kind of value as a *any would,
// unboxed, on every engine.
func (s *suite) txScanCells(t *testing.T) {
	e := s.engine(t)
	d := openDoc(t, e, newDoc(t, e))
	ctx := t.Context()
	tx := must(d.BeginWrite(ctx))(t)
	defer tx.Rollback()
	q := d.Dialect().QuoteIdent("cells")
	must(tx.Exec(ctx, `CREATE TABLE `+q+` (id INTEGER PRIMARY KEY, i BIGINT, f DOUBLE PRECISION, s TEXT)`))(t)
	must(tx.Exec(ctx, `INSERT INTO `+q+` (id, i, f, s) VALUES (1, ?, ?, ?), (2, NULL, NULL, NULL)`, int64(1)<<40, 2.5, "h\u00e9"))(t)
	rows, err := tx.Query(ctx, `SELECT i, f, s FROM `+q+` ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := [][]store.Cell{
		{{Kind: store.CellInt, Int: 1 << 40}, {Kind: store.CellFloat, Float: 2.5}, {Kind: store.CellText, Text: "h\u00e9"}},
		{{}, {}, {}},
	}
	var got [][]store.Cell
	for rows.Next() {
		row := make([]store.Cell, 3)
		if err := rows.Scan(&row[0], &row[1], &row[2]); err != nil {
			t.Fatal(err)
		}
		got = append(got, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for r := range got {
		var boxed [3]any
		if err := tx.QueryRow(ctx, `SELECT i, f, s FROM `+q+` WHERE id = ?`, r+1).Scan(&boxed[0], &boxed[1], &boxed[2]); err != nil {
			t.Fatal(err)
		}
		for i, c := range got[r] {
			if c != want[r][i] {
				t.Errorf("row %d column %d: %+v, want %+v", r+1, i, c, want[r][i])
			}
			if v := c.Value(); v != boxed[i] {
				t.Errorf("row %d column %d: Value() = %#v, a *any takes %#v", r+1, i, v, boxed[i])
			}
		}
	}
	var c store.Cell
	if err := tx.QueryRow(ctx, `SELECT s FROM `+q+` WHERE id = 1`).Scan(&c); err != nil || c.Kind != store.CellText || c.Text != "h\u00e9" {
		t.Errorf("Row.Scan into a Cell: %+v, %v", c, err)
	}
}
