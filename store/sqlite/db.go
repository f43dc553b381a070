package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"

	"modernc.org/sqlite"

	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/store"
)

// Result codes of SQLite's extended constraint errors.
const (
	codeConstraintPrimaryKey = 1555
	codeConstraintUnique     = 2067
)

// dialect is SQLite's SQL dialect.
type dialect struct{}

func (dialect) Name() string { return "sqlite" }

func (dialect) QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func (dialect) IsUniqueViolation(err error) bool {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code() == codeConstraintUnique || e.Code() == codeConstraintPrimaryKey
	}
	return false
}

// Dialect returns SQLite's dialect.
func Dialect() store.Dialect { return dialect{} }

// db is one SQLite database file: a single writer connection (every write
// transaction is BEGIN IMMEDIATE on it, so writers queue in Go instead of
// failing with SQLITE_BUSY) and a pool of query-only reader connections that
// WAL lets run alongside the writer.
type db struct {
	path   string
	writer *sql.DB
	reader *sql.DB
	// Prepared statements of each pool, by SQL text.
	writerStmts, readerStmts *stmtCache
}

// dsn builds the connection string; the pragmas run on every new connection,
// busy_timeout first so the others can wait for a lock. Unless create is
// set, a missing file is an error: a connection opened later by a pool must
// never bring back, empty, a database that was deleted.
func dsn(path string, readOnly, syncFull, create bool) string {
	sync := "NORMAL"
	if syncFull {
		sync = "FULL"
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+sync+")")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "temp_store(MEMORY)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	if !create {
		q.Set("mode", "rw")
	}
	return "file:" + uriPath(path) + "?" + q.Encode()
}

// uriPath escapes the characters that would end or change the path part of
// an SQLite URI filename ('%' escapes, '?' starts the parameters, '#' the
// fragment), so that a data folder may have any name.
func uriPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
}

// openDB opens the database in path, creating the file only if create is
// set.
func openDB(ctx context.Context, path string, syncFull, create bool) (*db, error) {
	w, err := sql.Open("sqlite", dsn(path, false, syncFull, create))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// Open the writer first: it creates the file and switches it to WAL,
	// which readers need before they can open it query-only.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn(path, true, syncFull, false))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	return &db{path: path, writer: w, reader: r, writerStmts: newStmtCache(w), readerStmts: newStmtCache(r)}, nil
}

func (d *db) Close() error {
	d.readerStmts.close()
	d.writerStmts.close()
	return errors.Join(d.reader.Close(), d.writer.Close())
}

func (d *db) Dialect() store.Dialect { return dialect{} }

// Exec runs on the writer, as its own transaction.
func (d *db) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	s, err := d.writerStmts.get(ctx, query, false)
	if err != nil {
		return 0, err
	}
	if s == nil {
		return execOn(ctx, d.writer, query, args)
	}
	return affected(s.ExecContext(ctx, args...))
}

func (d *db) Query(ctx context.Context, query string, args ...any) (store.Rows, error) {
	s, err := d.readerStmts.get(ctx, query, false)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return rowsOf(d.reader.QueryContext(ctx, query, args...))
	}
	return rowsOf(s.QueryContext(ctx, args...))
}

// rowsOf avoids returning a typed nil *sql.Rows as a non-nil store.Rows.
func rowsOf(r *sql.Rows, err error) (store.Rows, error) {
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (d *db) QueryRow(ctx context.Context, query string, args ...any) store.Row {
	s, err := d.readerStmts.get(ctx, query, false)
	if err != nil {
		return row{err: err}
	}
	if s == nil {
		return row{r: d.reader.QueryRowContext(ctx, query, args...)}
	}
	return row{r: s.QueryRowContext(ctx, args...)}
}

func (d *db) BeginWrite(ctx context.Context) (store.Tx, error) {
	t, err := d.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin write %s: %w", d.path, err)
	}
	return &tx{t: t, stmts: d.writerStmts}, nil
}

func (d *db) BeginRead(ctx context.Context) (store.Tx, error) {
	t, err := d.reader.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin read %s: %w", d.path, err)
	}
	return &tx{t: t, stmts: d.readerStmts}, nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func execOn(ctx context.Context, e execer, query string, args []any) (int64, error) {
	return affected(e.ExecContext(ctx, query, args...))
}

// affected is the number of rows an Exec changed.
func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// tx is a transaction on one connection; its statements come from the
// pool's cache, already prepared on that connection after first use.
type tx struct {
	t     *sql.Tx
	stmts *stmtCache
}

// stmt returns the cached statement for query bound to the transaction, or
// nil when query is not cached.
func (t *tx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	s, err := t.stmts.get(ctx, query, true)
	if s == nil || err != nil {
		return nil, err
	}
	return t.t.StmtContext(ctx, s), nil
}

func (t *tx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return 0, err
	}
	if s == nil {
		return execOn(ctx, t.t, query, args)
	}
	return affected(s.ExecContext(ctx, args...))
}

func (t *tx) Query(ctx context.Context, query string, args ...any) (store.Rows, error) {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return rowsOf(t.t.QueryContext(ctx, query, args...))
	}
	return rowsOf(s.QueryContext(ctx, args...))
}

func (t *tx) QueryRow(ctx context.Context, query string, args ...any) store.Row {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return row{err: err}
	}
	if s == nil {
		return row{r: t.t.QueryRowContext(ctx, query, args...)}
	}
	return row{r: s.QueryRowContext(ctx, args...)}
}

func (t *tx) Commit() error { return t.t.Commit() }

func (t *tx) Rollback() error {
	if err := t.t.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return err
	}
	return nil
}

// row is one row of a QueryRow, or the error that prevented the query.
type row struct {
	r   *sql.Row
	err error
}

func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	err := r.r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNoRows
	}
	return err
}

func (dialect) ColumnType(s schema.Storage) string {
	switch s {
	case schema.StoreReal:
		return "REAL"
	case schema.StoreInt, schema.StoreBool:
		return "INTEGER"
	}
	return "TEXT" // text and JSON
}

func (dialect) IDColumn() string { return `"id" INTEGER PRIMARY KEY AUTOINCREMENT` }

// Like: SQLite's LIKE ignores ASCII case, so case-sensitive matching uses
// GLOB with the pattern translated.
func (dialect) Like(expr string, caseInsensitive bool) string {
	if caseInsensitive {
		return expr + ` LIKE ? ESCAPE '\'`
	}
	return expr + ` GLOB ?`
}

func (dialect) LikePattern(pattern string, caseInsensitive bool) string {
	if caseInsensitive {
		return pattern
	}
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch c {
		case '\\':
			if i+1 < len(pattern) {
				i++
				globLiteral(&b, pattern[i])
				continue
			}
			globLiteral(&b, c)
		case '%':
			b.WriteByte('*')
		case '_':
			b.WriteByte('?')
		default:
			globLiteral(&b, c)
		}
	}
	return b.String()
}

// globLiteral writes c so that GLOB matches it literally.
func globLiteral(b *strings.Builder, c byte) {
	switch c {
	case '*', '?', '[', ']':
		b.WriteByte('[')
		b.WriteByte(c)
		b.WriteByte(']')
	default:
		b.WriteByte(c)
	}
}

func (dialect) JSONArrayContainsAny(expr string) string {
	return `EXISTS (SELECT 1 FROM json_each(` + expr + `) AS a JOIN json_each(?) AS b ON a.value = b.value)`
}

func (dialect) JSONGroupArray(expr, fromWhere, orderBy string) string {
	return `(SELECT json_group_array(v) FROM (SELECT ` + expr + ` AS v ` + fromWhere + ` ORDER BY ` + orderBy + `))`
}
