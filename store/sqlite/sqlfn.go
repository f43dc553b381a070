package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ncruces/go-sqlite3"

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
	c, err := d.reader.get(ctx)
	if err != nil {
		return nil, confinedErr(ctx, err)
	}
	prevLength := c.c.Limit(sqlite3.LIMIT_LENGTH, maxConfinedLength)
	release := func() {
		c.c.Limit(sqlite3.LIMIT_LENGTH, prevLength)
		if err := c.c.SetAuthorizer(nil); err != nil {
			c.broken = true
		}
		d.reader.put(c)
	}
	if err := c.c.SetAuthorizer(confine); err != nil {
		release()
		return nil, fmt.Errorf("install authorizer: %w", err)
	}
	// Never from the statement cache: SQLite checks the authorizer while
	// it prepares a statement, and a cached one was prepared without it.
	r, err := c.query(ctx, query, args, false, release)
	if err != nil {
		release()
		return nil, confinedErr(ctx, err)
	}
	return &confinedRows{ctx: ctx, rows: r}, nil
}

// maxConfinedLength caps the strings and blobs of a caller's statement.
const maxConfinedLength = 16 << 20

// confinedRows are the rows of QueryConfined, whose errors are made
// public as they come.
type confinedRows struct {
	ctx  context.Context
	rows *rows
}

func (r *confinedRows) Next() bool             { return r.rows.Next() }
func (r *confinedRows) Scan(dest ...any) error { return confinedErr(r.ctx, r.rows.Scan(dest...)) }
func (r *confinedRows) Columns() ([]string, error) {
	return r.rows.Columns()
}
func (r *confinedRows) Err() error   { return confinedErr(r.ctx, r.rows.Err()) }
func (r *confinedRows) Close() error { return r.rows.Close() }

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
func confine(action sqlite3.AuthorizerActionCode, arg1, arg2, dbName, _ string) sqlite3.AuthorizerReturnCode {
	switch action {
	case sqlite3.AUTH_SELECT, sqlite3.AUTH_RECURSIVE:
		return sqlite3.AUTH_OK
	case sqlite3.AUTH_READ:
		return readAllowed(arg1, dbName)
	case sqlite3.AUTH_PRAGMA:
		if pragmas[strings.ToLower(arg1)] {
			return sqlite3.AUTH_OK
		}
	case sqlite3.AUTH_FUNCTION:
		if !deniedFunctions[strings.ToLower(arg2)] {
			return sqlite3.AUTH_OK
		}
	}
	return sqlite3.AUTH_DENY
}

// readAllowed decides a read of a column of table in database dbName ("" for
// a common table expression or subquery, as in count(*) over one).
func readAllowed(table, dbName string) sqlite3.AuthorizerReturnCode {
	if dbName != "main" && dbName != "" {
		return sqlite3.AUTH_DENY
	}
	t := strings.ToLower(table)
	switch {
	case strings.HasPrefix(t, "_rh_"):
		return sqlite3.AUTH_DENY
	case readable[t]:
		return sqlite3.AUTH_OK
	case strings.HasPrefix(t, "sqlite_"), strings.HasPrefix(t, "pragma_"), t == "dbstat":
		return sqlite3.AUTH_DENY
	}
	return sqlite3.AUTH_OK
}

// confinedErr makes an error of the caller's statement public: SQLite's
// message without its code, as EINVALID; an interrupt is ctx's error.
func confinedErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	var se *sqlite3.Error
	var code sqlite3.ErrorCode
	if errors.As(err, &se) || errors.As(err, &code) {
		// "no such table: X" reads better without the generic text of
		// the result code that the driver puts first.
		msg := err.Error()
		if se != nil {
			msg = se.Error()
		}
		msg = strings.TrimPrefix(msg, "sqlite3: ")
		for _, p := range []string{"SQL logic error: ", "authorization denied: "} {
			msg = strings.TrimPrefix(msg, p)
		}
		return &rowhouse.Error{Kind: rowhouse.EINVALID, Message: msg, Err: err}
	}
	if errors.Is(err, errStatements) {
		return &rowhouse.Error{Kind: rowhouse.EINVALID, Message: "one statement expected", Err: err}
	}
	return err
}
