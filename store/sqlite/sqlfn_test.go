package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3"

	"github.com/rowhouse/rowhouse"
)

// confinedDoc opens an engine with two documents; the first has a table
// People with one row and its reader pool cut to one connection, so that
// every query below runs on the connection the confined ones used.
func confinedDoc(t *testing.T) (*Engine, *docHandle, string) {
	t.Helper()
	ctx := context.Background()
	e, err := Open(ctx, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	id, other := rowhouse.NewDocID(), rowhouse.NewDocID()
	for _, d := range []string{id, other} {
		if err := e.CreateDoc(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	d, err := e.OpenDoc(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	h := d.(*docHandle)
	if _, err := h.Exec(ctx, `CREATE TABLE "People" (id INTEGER PRIMARY KEY, name TEXT, _rh_created INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Exec(ctx, `INSERT INTO "People" (name, _rh_created) VALUES ('Ann', 5)`); err != nil {
		t.Fatal(err)
	}
	oneReader(h.db)
	return e, h, other
}

func queryAll(ctx context.Context, h *docHandle, q string, args ...any) ([][]any, error) {
	rows, err := h.QueryConfined(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}

func TestQueryConfined(t *testing.T) {
	e, h, other := confinedDoc(t)
	ctx := context.Background()
	home := filepath.Join(e.Dir(), "home.db")
	otherPath := e.DocPath(other)
	for _, p := range []string{home, otherPath} {
		if _, err := os.Stat(p); err != nil {
			t.Fatal(err)
		}
	}
	allowed := []struct {
		q    string
		args []any
		rows int
	}{
		{`SELECT * FROM "People"`, nil, 1},
		{`SELECT name, _rh_created FROM People WHERE name = ?`, []any{"Ann"}, 1},
		{`SELECT name FROM pragma_table_info('People')`, nil, 3},
		{`SELECT name FROM sqlite_master WHERE type = 'table'`, nil, -1},
		{`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5) SELECT x FROM c`, nil, 5},
		{`SELECT value FROM json_each('[1,2,3]')`, nil, 3},
		{`SELECT upper(name), sqlite_version() FROM People`, nil, 1},
	}
	for _, c := range allowed {
		rows, err := queryAll(ctx, h, c.q, c.args...)
		if err != nil {
			t.Errorf("%s: %v", c.q, err)
			continue
		}
		if c.rows >= 0 && len(rows) != c.rows {
			t.Errorf("%s: %d rows, want %d", c.q, len(rows), c.rows)
		}
	}
	denied := []string{
		`ATTACH DATABASE '` + home + `' AS h`,
		`ATTACH DATABASE '` + otherPath + `' AS o`,
		`ATTACH DATABASE ':memory:' AS m`,
		`DETACH DATABASE main`,
		`SELECT * FROM _rh_meta`,
		`SELECT * FROM _RH_META`,
		`SELECT key FROM main._rh_tables`,
		`SELECT * FROM People JOIN _rh_outbox`,
		`SELECT (SELECT count(*) FROM _rh_attachments)`,
		`SELECT * FROM sqlite_dbpage`,
		`SELECT * FROM dbstat`,
		`SELECT * FROM pragma_database_list`,
		`SELECT * FROM pragma_compile_options`,
		`SELECT * FROM temp.sqlite_master`,
		`SELECT load_extension('/tmp/x')`,
		`PRAGMA query_only = 0`,
		`PRAGMA database_list`,
		`INSERT INTO People (name) VALUES ('x')`,
		`DELETE FROM People`,
		`UPDATE People SET name = 'x'`,
		`CREATE TABLE x (a)`,
		`CREATE TEMP TABLE x (a)`,
		`DROP TABLE People`,
		`BEGIN`,
		`VACUUM INTO '/tmp/stolen.db'`,
	}
	for _, q := range denied {
		_, err := queryAll(ctx, h, q)
		if err == nil {
			t.Errorf("%s: allowed", q)
			continue
		}
		if rowhouse.ErrorKind(err) != rowhouse.EINVALID {
			t.Errorf("%s: error %v (kind %s), want EINVALID", q, err, rowhouse.ErrorKind(err))
		}
		if strings.Contains(rowhouse.ErrorMessage(err), "(") && strings.HasSuffix(rowhouse.ErrorMessage(err), ")") {
			t.Errorf("%s: message keeps the result code: %q", q, rowhouse.ErrorMessage(err))
		}
	}
	if _, err := os.Stat("/tmp/stolen.db"); err == nil {
		t.Errorf("VACUUM INTO wrote a file")
	}
	// Nothing was attached and nothing changed.
	rows, err := h.Query(ctx, `SELECT name FROM pragma_database_list ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	if strings.Join(names, ",") != "main" {
		t.Errorf("databases after the denied statements: %v", names)
	}
	// The authorizer is gone from the pooled connection: the core's own
	// reads of system tables work on it.
	var v string
	if err := h.QueryRow(ctx, `SELECT value FROM _rh_meta WHERE key = 'schema_version'`).Scan(&v); err != nil {
		t.Fatalf("system read after confined queries: %v", err)
	}
	tx, err := h.BeginRead(ctx)
	if err != nil {
		t.Fatalf("read transaction after confined queries: %v", err)
	}
	tx.Rollback()
	// The message names what was refused.
	_, err = queryAll(ctx, h, `SELECT * FROM _rh_meta`)
	if msg := rowhouse.ErrorMessage(err); msg != "access to _rh_meta.key is prohibited" {
		t.Errorf("message %q", msg)
	}
	_, err = queryAll(ctx, h, `ATTACH DATABASE '`+home+`' AS h`)
	if msg := rowhouse.ErrorMessage(err); msg != "not authorized" {
		t.Errorf("message %q", msg)
	}
}

// The SQLite built into the driver has none of the functions and tables
// that reach outside the database (load_extension, readfile,
// sqlite_dbpage, dbstat...), so the statements above fail before the
// authorizer is asked. The authorizer denies them all the same, should a
// later build bring them.
func TestConfineDeniesWhatIsNotBuiltIn(t *testing.T) {
	for f := range deniedFunctions {
		if got := confine(sqlite3.AUTH_FUNCTION, "", f, "", ""); got != sqlite3.AUTH_DENY {
			t.Errorf("function %s: %v, want denied", f, got)
		}
	}
	if got := confine(sqlite3.AUTH_FUNCTION, "", "upper", "", ""); got != sqlite3.AUTH_OK {
		t.Errorf("function upper: %v, want allowed", got)
	}
	for _, table := range []string{"sqlite_dbpage", "dbstat", "sqlite_dbdata", "pragma_database_list", "_rh_meta"} {
		if got := confine(sqlite3.AUTH_READ, table, "x", "main", ""); got != sqlite3.AUTH_DENY {
			t.Errorf("read %s: %v, want denied", table, got)
		}
	}
}

func TestQueryConfinedLength(t *testing.T) {
	_, h, _ := confinedDoc(t)
	ctx := context.Background()
	if _, err := h.Exec(ctx, `CREATE TABLE "Big" (data BLOB)`); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Exec(ctx, `INSERT INTO "Big" (data) VALUES (zeroblob(20000000))`); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`SELECT zeroblob(1000000000)`, `SELECT data FROM Big`, `SELECT length(data) FROM (SELECT data || data AS data FROM Big)`} {
		_, err := queryAll(ctx, h, q)
		if msg := rowhouse.ErrorMessage(err); msg != "string or blob too big" {
			t.Errorf("%s: %v", q, err)
		}
	}
	// The cap is lifted again on the pooled connection.
	var data []byte
	if err := h.QueryRow(ctx, `SELECT data FROM Big`).Scan(&data); err != nil || len(data) != 20000000 {
		t.Fatalf("read after confined queries: %d bytes, %v", len(data), err)
	}
}

func TestQueryConfinedInterrupt(t *testing.T) {
	_, h, _ := confinedDoc(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := queryAll(ctx, h, `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c`)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the deadline", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("interrupt took %v", d)
	}
	// The connection is usable afterwards.
	if _, err := queryAll(context.Background(), h, `SELECT 1`); err != nil {
		t.Fatal(err)
	}
}
