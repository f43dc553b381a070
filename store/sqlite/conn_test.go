package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse/store"
)

// role is a named string type, as rowhouse.Role is.
type role string

// level is a named integer type.
type level int16

// Arguments bind and cells scan as database/sql converts them.
func TestBindAndScan(t *testing.T) {
	d := cacheDB(t)
	ctx := t.Context()
	str := "s"
	var nilStr *string
	for _, c := range []struct {
		name string
		arg  any
		dest func() any // a fresh destination
		want any        // what the destination holds after Scan
		err  bool
	}{
		{"int64 into any", int64(1 << 40), func() any { return new(any) }, any(int64(1 << 40)), false},
		{"int into int", 7, func() any { return new(int) }, 7, false},
		{"float into any", 1.5, func() any { return new(any) }, any(1.5), false},
		{"string into any", "x", func() any { return new(any) }, any("x"), false},
		{"bytes into any", []byte{0, 1}, func() any { return new(any) }, any([]byte{0, 1}), false},
		{"nil into any", nil, func() any { return new(any) }, any(nil), false},
		{"nil bytes bind NULL", []byte(nil), func() any { return new(any) }, any(nil), false},
		{"bool true into bool", true, func() any { return new(bool) }, true, false},
		{"int into string", 42, func() any { return new(string) }, "42", false},
		{"float into string", 2.5, func() any { return new(string) }, "2.5", false},
		{"text into int64", "12", func() any { return new(int64) }, int64(12), false},
		{"bad text into int64", "1x", func() any { return new(int64) }, int64(0), true},
		{"whole float into int64", 3.0, func() any { return new(int64) }, int64(3), false},
		{"fraction into int64", 3.5, func() any { return new(int64) }, int64(0), true},
		{"int into float64", 4, func() any { return new(float64) }, 4.0, false},
		{"text into bytes", "ab", func() any { return new([]byte) }, []byte("ab"), false},
		{"NULL into bytes", nil, func() any { return new([]byte) }, []byte(nil), false},
		{"NULL into string", nil, func() any { return new(string) }, "", true},
		{"NULL into int64", nil, func() any { return new(int64) }, int64(0), true},
		{"2 into bool", 2, func() any { return new(bool) }, false, true},
		{"pointer argument", &str, func() any { return new(string) }, "s", false},
		{"nil pointer argument", nilStr, func() any { return new(any) }, any(nil), false},
		{"named string both ways", role("owner"), func() any { return new(role) }, role("owner"), false},
		{"named int both ways", level(-3), func() any { return new(level) }, level(-3), false},
		{"overflowing named int", 1 << 20, func() any { return new(level) }, level(0), true},
		{"NULL into **int64", nil, func() any { p := new(*int64); *p = new(int64); return p }, (*int64)(nil), false},
		{"int into **int64", 5, func() any { return new(*int64) }, ptr(int64(5)), false},
		{"Valuer and Scanner", sql.NullString{String: "v", Valid: true}, func() any { return new(sql.NullString) }, sql.NullString{String: "v", Valid: true}, false},
		{"NULL into Scanner", nil, func() any { return new(sql.NullInt64) }, sql.NullInt64{}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dest := c.dest()
			err := d.QueryRow(ctx, `SELECT ?`, c.arg).Scan(dest)
			if (err != nil) != c.err {
				t.Fatalf("err %v, want error %v", err, c.err)
			}
			if got := reflect.ValueOf(dest).Elem().Interface(); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("scanned %#v, want %#v", got, c.want)
			}
		})
	}
	if err := d.QueryRow(ctx, `SELECT ?`, struct{}{}).Scan(new(any)); err == nil {
		t.Error("a struct argument was bound")
	}
	if err := d.QueryRow(ctx, `SELECT ?, ?`, 1).Scan(new(any), new(any)); err == nil {
		t.Error("one argument for two parameters was accepted")
	}
	if err := d.QueryRow(ctx, `SELECT 1`).Scan(new(any), new(any)); err == nil {
		t.Error("one column scanned into two destinations")
	}
	if err := d.QueryRow(ctx, `SELECT 1 WHERE 0`).Scan(new(any)); !errors.Is(err, store.ErrNoRows) {
		t.Errorf("no row: %v, want ErrNoRows", err)
	}
}

func ptr[T any](v T) *T { return &v }

// A statement whose rows are being read is not handed to a second reader
// of the same SQL on the connection: each gets its own rows.
func TestSameStatementTwiceOnOneConnection(t *testing.T) {
	d := cacheDB(t)
	ctx := t.Context()
	tx, err := d.BeginRead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q = `SELECT v FROM t WHERE id >= ? ORDER BY id`
	outer, err := tx.Query(ctx, q, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for outer.Next() {
		var v string
		if err := outer.Scan(&v); err != nil {
			t.Fatal(err)
		}
		var inner string
		if err := tx.QueryRow(ctx, q, 3).Scan(&inner); err != nil {
			t.Fatal(err)
		}
		got = append(got, v+inner)
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	outer.Close()
	if want := []string{"ac", "bc", "cc"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("read %v, want %v", got, want)
	}
}

// Commit closes the rows still open; the connection goes back clean, and
// what the transaction wrote is committed.
func TestCommitWithOpenRows(t *testing.T) {
	d := cacheDB(t)
	ctx := t.Context()
	tx, err := d.BeginWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(ctx, `SELECT v FROM t ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatal("no first row")
	}
	if _, err := tx.Exec(ctx, `INSERT INTO t (v) VALUES ('d')`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Error("rows still read after Commit")
	}
	rows.Close()
	if err := tx.Commit(); err == nil {
		t.Error("second Commit succeeded")
	}
	if err := tx.Rollback(); err != nil {
		t.Errorf("Rollback after Commit: %v", err)
	}
	var n int
	if err := d.QueryRow(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil || n != 4 {
		t.Fatalf("%d rows after commit, %v; want 4", n, err)
	}
}

// As with database/sql, a transaction whose context ended does not
// commit, and the writer is free for the next one.
func TestCommitAfterContextEnded(t *testing.T) {
	d := cacheDB(t)
	ctx, cancel := context.WithCancel(t.Context())
	tx, err := d.BeginWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM t`); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := tx.Commit(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Commit: %v, want context.Canceled", err)
	}
	var n int
	if err := d.QueryRow(t.Context(), `SELECT count(*) FROM t`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("%d rows, %v; want the 3 of before", n, err)
	}
	if _, err := d.Exec(t.Context(), `UPDATE t SET v = v`); err != nil {
		t.Fatalf("the writer after a cancelled transaction: %v", err)
	}
}

// A transaction left open on a connection (BEGIN run as a plain
// statement) is rolled back before the connection is reused.
func TestConnectionGoesBackIdle(t *testing.T) {
	d := cacheDB(t)
	ctx := t.Context()
	if _, err := d.Exec(ctx, `BEGIN`); err != nil {
		t.Fatal(err)
	}
	tx, err := d.BeginWrite(ctx)
	if err != nil {
		t.Fatalf("BEGIN IMMEDIATE after a stray BEGIN: %v", err)
	}
	tx.Rollback()
}

// A closed database refuses new work with an error, not a hang; rows
// open when it closed still close.
func TestClosedDatabase(t *testing.T) {
	ctx := t.Context()
	d, err := openDB(ctx, filepath.Join(t.TempDir(), "c.db"), false, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `CREATE TABLE t (v)`); err != nil {
		t.Fatal(err)
	}
	rows, err := d.Query(ctx, `SELECT 1 UNION ALL SELECT 2`)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if _, err := d.Exec(ctx, `INSERT INTO t VALUES (1)`); !errors.Is(err, errClosed) {
		t.Errorf("Exec after Close: %v", err)
	}
	if err := d.QueryRow(ctx, `SELECT 1`).Scan(new(int)); !errors.Is(err, errClosed) {
		t.Errorf("QueryRow after Close: %v", err)
	}
}

// Waiting for the one writer honours the caller's context.
func TestWriterWaitHonoursContext(t *testing.T) {
	d := cacheDB(t)
	tx, err := d.BeginWrite(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := d.BeginWrite(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("second BeginWrite: %v, want context.Canceled", err)
	}
}

// TestCellTextsKept: texts scanned into store.Cells share chunks of
// memory; every one must keep its own value after later rows were read,
// whatever its length (empty, short, past a chunk's end, longer than the
// arena takes).
func TestCellTextsKept(t *testing.T) {
	d := cacheDB(t)
	ctx := t.Context()
	if _, err := d.Exec(ctx, `CREATE TABLE texts (id INTEGER PRIMARY KEY, s TEXT)`); err != nil {
		t.Fatal(err)
	}
	text := func(i int) string { return strings.Repeat(string(rune('a'+i%26)), i%600) + strconv.Itoa(i) }
	tx, err := d.BeginWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		if _, err := tx.Exec(ctx, `INSERT INTO texts (id, s) VALUES (?, ?)`, i, text(i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO texts (id, s) VALUES (3000, '')`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	rows, err := d.Query(ctx, `SELECT s FROM texts ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var kept []store.Cell
	for rows.Next() {
		var c store.Cell
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, c)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if len(kept) != 3001 {
		t.Fatalf("%d rows", len(kept))
	}
	for i, c := range kept[:3000] {
		if c.Kind != store.CellText || c.Text != text(i) {
			t.Fatalf("row %d: %v %.40q, want %.40q", i, c.Kind, c.Text, text(i))
		}
	}
	if c := kept[3000]; c.Kind != store.CellText || c.Text != "" {
		t.Errorf("empty text: %+v", c)
	}
}
