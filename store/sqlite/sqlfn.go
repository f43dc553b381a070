package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
)

// QueryConfined runs a caller's SELECT (the SQL endpoint) on a reader
// connection, which is query_only, under an SQLite authorizer that confines
// it to this document. The authorizer is checked by SQLite itself while the
// statement is compiled, so it holds whatever the text of the statement:
//
//   - reading is allowed from tables of the main database only, except the
//     document's system tables ("_rh_" prefix) and the virtual tables that
//     expose raw pages or files (sqlite_dbpage, dbstat, and every pragma
//     table except those that describe tables and indexes);
//   - ATTACH, DETACH, every write, DDL, transaction control and pragmas
//     other than those table descriptions are denied, as are the functions
//     that reach outside the database (load_extension and friends).
//
// The statement's strings and blobs are also capped at
// maxConfinedLength, so that zeroblob(1e9) cannot exhaust memory.
//
// The authorizer and the cap are set on the one physical connection for
// the life of the returned rows and undone when they are closed; a
// connection that cannot be restored is thrown away rather than returned
// to the pool. Errors in the statement come back as EINVALID with SQLite's
// message; an interrupted statement (ctx done) comes back as ctx's error.
func (d *db) QueryConfined(ctx context.Context, query string, args ...any) (store.Rows, error) {
	conn, err := d.reader.Conn(ctx)
	if err != nil {
		return nil, confinedErr(ctx, err)
	}
	prevLength, err := sqlite.Limit(conn, sqlite3.SQLITE_LIMIT_LENGTH, maxConfinedLength)
	if err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
		return nil, fmt.Errorf("limit length: %w", err)
	}
	if err := setAuthorizer(conn, confine); err != nil {
		release(conn, prevLength)
		return nil, fmt.Errorf("install authorizer: %w", err)
	}
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		release(conn, prevLength)
		return nil, confinedErr(ctx, err)
	}
	return &confinedRows{ctx: ctx, rows: rows, conn: conn, prevLength: prevLength}, nil
}

// maxConfinedLength caps the strings and blobs of a caller's statement.
const maxConfinedLength = 16 << 20

// setAuthorizer installs fn (nil removes it) on conn's physical connection.
func setAuthorizer(conn *sql.Conn, fn sqlite.AuthorizerFn) error {
	return conn.Raw(func(dc any) error {
		r, ok := dc.(sqlite.AuthorizerRegisterer)
		if !ok {
			return fmt.Errorf("driver connection %T has no authorizer", dc)
		}
		return r.RegisterAuthorizer(fn)
	})
}

// release removes the authorizer, restores the length limit and returns
// conn to the pool, or closes the physical connection if it cannot be
// restored.
func release(conn *sql.Conn, prevLength int) {
	_, limitErr := sqlite.Limit(conn, sqlite3.SQLITE_LIMIT_LENGTH, prevLength)
	// On failure Raw marks the connection bad; there is nothing else to do
	// about it.
	_ = conn.Raw(func(dc any) error {
		if r, ok := dc.(sqlite.AuthorizerRegisterer); ok && r.RegisterAuthorizer(nil) == nil && limitErr == nil {
			return nil
		}
		return driver.ErrBadConn // database/sql discards the connection
	})
	conn.Close()
}

type confinedRows struct {
	ctx        context.Context
	rows       *sql.Rows
	conn       *sql.Conn
	prevLength int
	done       bool
}

func (r *confinedRows) Next() bool             { return r.rows.Next() }
func (r *confinedRows) Scan(dest ...any) error { return confinedErr(r.ctx, r.rows.Scan(dest...)) }
func (r *confinedRows) Columns() ([]string, error) {
	return r.rows.Columns()
}
func (r *confinedRows) Err() error { return confinedErr(r.ctx, r.rows.Err()) }

func (r *confinedRows) Close() error {
	if r.done {
		return nil
	}
	r.done = true
	err := r.rows.Close()
	release(r.conn, r.prevLength)
	return err
}

// readable are the eponymous virtual tables a statement may read besides
// the document's tables: JSON helpers and the pragma tables that describe
// tables and indexes. Everything else named like SQLite's own
// (sqlite_dbpage, dbstat, pragma_database_list...) is denied.
var readable = map[string]bool{
	"sqlite_master": true, "sqlite_schema": true,
	"json_each": true, "json_tree": true, "jsonb_each": true, "jsonb_tree": true,
	"pragma_table_info": true, "pragma_table_xinfo": true, "pragma_table_list": true,
	"pragma_index_list": true, "pragma_index_info": true, "pragma_index_xinfo": true,
	"pragma_foreign_key_list": true,
}

// pragmas are the pragmas allowed, as the table-valued functions above.
var pragmas = map[string]bool{
	"table_info": true, "table_xinfo": true, "table_list": true,
	"index_list": true, "index_info": true, "index_xinfo": true,
	"foreign_key_list": true,
}

// deniedFunctions reach outside the database or its values.
var deniedFunctions = map[string]bool{
	"load_extension": true, "readfile": true, "writefile": true, "edit": true,
	"fts3_tokenizer": true, "sqlite_dbdata": true, "sqlite_dbptr": true,
}

// confine is the authorizer of QueryConfined.
func confine(action sqlite.AuthorizerActionCode, arg1, arg2, dbName, _ string) sqlite.AuthorizerReturnCode {
	switch action {
	case sqlite.AuthSelect, sqlite.AuthRecursive:
		return sqlite.AuthorizerOK
	case sqlite.AuthRead:
		return readAllowed(arg1, dbName)
	case sqlite.AuthPragma:
		if pragmas[strings.ToLower(arg1)] {
			return sqlite.AuthorizerOK
		}
	case sqlite.AuthFunction:
		if !deniedFunctions[strings.ToLower(arg2)] {
			return sqlite.AuthorizerOK
		}
	}
	return sqlite.AuthorizerDeny
}

// readAllowed decides a read of a column of table in database dbName ("" for
// a common table expression or subquery, as in count(*) over one).
func readAllowed(table, dbName string) sqlite.AuthorizerReturnCode {
	if dbName != "main" && dbName != "" {
		return sqlite.AuthorizerDeny
	}
	t := strings.ToLower(table)
	switch {
	case strings.HasPrefix(t, "_rh_"):
		return sqlite.AuthorizerDeny
	case readable[t]:
		return sqlite.AuthorizerOK
	case strings.HasPrefix(t, "sqlite_"), strings.HasPrefix(t, "pragma_"), t == "dbstat":
		return sqlite.AuthorizerDeny
	}
	return sqlite.AuthorizerOK
}

// codeSuffix is the " (N)" that modernc appends to SQLite's messages.
var codeSuffix = regexp.MustCompile(` \(\d+\)$`)

// confinedErr makes an error of the caller's statement public: SQLite's
// message without its code, as EINVALID; an interrupt is ctx's error.
func confinedErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		msg := codeSuffix.ReplaceAllString(se.Error(), "")
		// "SQL logic error: no such table: X" reads better without the
		// generic text of the result code that modernc puts first.
		for _, p := range []string{"SQL logic error: ", "authorization denied: "} {
			msg = strings.TrimPrefix(msg, p)
		}
		return &rowhouse.Error{Kind: rowhouse.EINVALID, Message: msg, Err: err}
	}
	return err
}
