package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/store/postgres"
	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
)

type confinedQuerier interface {
	QueryConfined(ctx context.Context, query string, args ...any) (store.Rows, error)
}

// newOpenDoc creates a document and opens it, closed when t ends.
func newOpenDoc(t *testing.T, e *postgres.Engine) (string, store.Doc) {
	t.Helper()
	id := rowhouse.NewDocID()
	if err := e.CreateDoc(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	d, err := e.OpenDoc(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return id, d
}

// newTableDoc creates a document holding table name with one row (v).
func newTableDoc(t *testing.T, e *postgres.Engine, name, v string) (string, store.Doc) {
	t.Helper()
	ctx := t.Context()
	id, d := newOpenDoc(t, e)
	q := d.Dialect().QuoteIdent(name)
	if _, err := d.Exec(ctx, `CREATE TABLE `+q+` (`+d.Dialect().IDColumn()+`, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO `+q+` (v) VALUES (?)`, v); err != nil {
		t.Fatal(err)
	}
	return id, d
}

// confinedAll runs a confined query and returns its rows as text.
func confinedAll(ctx context.Context, d store.Doc, query string, args ...any) ([][]any, error) {
	rows, err := d.(confinedQuerier).QueryConfined(ctx, query, args...)
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
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, rows.Close()
}

// The SQL endpoint's statements read their own document's tables and
// nothing else, even when they try to change role, and stop at the
// deadline.
func TestQueryConfined(t *testing.T) {
	e := pgtest.Open(t)
	ctx := t.Context()
	_, mine := newTableDoc(t, e, "Pets", "Rex")
	otherID, _ := newTableDoc(t, e, "Secret", "the other document's secret")
	other := `"` + e.DocSchema(otherID) + `"."Secret"`
	users := `"` + e.HomeSchema() + `".users`

	got, err := confinedAll(ctx, mine, `select * from (SELECT v FROM "Pets" WHERE id = ?) AS _rh_sql`, 1)
	if err != nil || len(got) != 1 || got[0][0] != "Rex" {
		t.Fatalf("own table: %v, %v", got, err)
	}
	got, err = confinedAll(ctx, mine, `select * from (SELECT current_setting('transaction_read_only'), session_user, current_setting('search_path')) AS _rh_sql`)
	if err != nil || len(got) != 1 || got[0][0] != "on" || got[0][1] != e.DocSchema(mine.ID())+"_reader" || got[0][2] != `"`+e.DocSchema(mine.ID())+`"` {
		t.Fatalf("read-only, session user, search path: %v, %v", got, err)
	}
	denied := []struct{ name, sql, msg string }{
		{"another document's table", `SELECT v FROM ` + other, "permission denied for schema"},
		{"the home schema", `SELECT email FROM ` + users, "permission denied for schema"},
		{"a system table", `SELECT value FROM _rh_meta`, "permission denied for table _rh_meta"},
		{"a sequence", `SELECT nextval('"Pets_id_seq"')`, "permission denied for sequence"},
		{"back to the engine's role", `SELECT set_config('role', 'none', true), (SELECT count(*) FROM ` + users + `)`, "permission denied for schema"},
		{"into the engine's user", `SELECT set_config('role', current_setting('is_superuser'), true)`, ""},
		{"query_to_xml after role reset", `SELECT set_config('role', 'none', true) AS r, query_to_xml('SELECT v FROM ` + strings.ReplaceAll(other, `'`, `''`) + `', true, false, '') AS x`, "permission denied"},
		{"session authorization", `SELECT set_config('session_authorization', 'rowhouse', true)`, "permission denied"},
		{"server files", `SELECT pg_read_file('/etc/passwd')`, "permission denied"},
	}
	for _, c := range denied {
		t.Run(c.name, func(t *testing.T) {
			rows, err := confinedAll(ctx, mine, `select * from (`+c.sql+`) AS _rh_sql`)
			if err == nil {
				t.Fatalf("succeeded: %v", rows)
			}
			if rowhouse.ErrorKind(err) != rowhouse.EINVALID {
				t.Fatalf("error %v of kind %s, want EINVALID", err, rowhouse.ErrorKind(err))
			}
			if !strings.Contains(rowhouse.ErrorMessage(err), c.msg) {
				t.Fatalf("message %q, want it to contain %q", rowhouse.ErrorMessage(err), c.msg)
			}
			if strings.Contains(rowhouse.ErrorMessage(err), "the other document's secret") {
				t.Fatalf("message leaks the other document: %q", rowhouse.ErrorMessage(err))
			}
		})
	}

	t.Run("timeout", func(t *testing.T) {
		tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := confinedAll(tctx, mine, `select * from (SELECT pg_sleep(5)) AS _rh_sql`)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error %v, want the context's deadline", err)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Fatalf("stopped after %v", took)
		}
	})

	t.Run("a new table is readable", func(t *testing.T) {
		if _, err := mine.Exec(ctx, `CREATE TABLE "Later" (v TEXT)`); err != nil {
			t.Fatal(err)
		}
		if _, err := confinedAll(ctx, mine, `select * from (SELECT v FROM "Later") AS _rh_sql`); err != nil {
			t.Fatal(err)
		}
	})
}
