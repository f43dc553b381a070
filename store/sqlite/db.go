package sqlite

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"

	"github.com/ncruces/go-sqlite3"

	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/store"
)

// dialect is SQLite's SQL dialect.
type dialect struct{}

func (dialect) Name() string { return "sqlite" }

func (dialect) QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func (dialect) IsUniqueViolation(err error) bool {
	return isConstraint(err, sqlite3.CONSTRAINT_UNIQUE) || isConstraint(err, sqlite3.CONSTRAINT_PRIMARYKEY)
}

// Dialect returns SQLite's dialect.
func Dialect() store.Dialect { return dialect{} }

// db is one SQLite database file: a single writer connection (every write
// transaction is BEGIN IMMEDIATE on it, so writers queue in Go instead of
// failing with SQLITE_BUSY) and a pool of query-only reader connections that
// WAL lets run alongside the writer.
type db struct {
	path           string
	writer, reader *pool
}

// dsn builds the connection string; the pragmas run on every new
// connection, busy_timeout first so the others can wait for a lock.
func dsn(path string, readOnly, syncFull bool) string {
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
	}
	return "file:" + uriPath(path) + "?" + q.Encode()
}

// uriPath escapes the characters that would end or change the path part of
// an SQLite URI filename ('%' escapes, '?' starts the parameters, '#' the
// fragment), so that a data folder may have any name.
func uriPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
}

// opener opens connections to path. Unless create is set, a missing file
// is an error: a connection opened later by a pool must never bring back,
// empty, a database that was deleted.
func opener(path string, readOnly, syncFull, create bool) func() (*sqlite3.Conn, error) {
	flags := sqlite3.OPEN_READWRITE | sqlite3.OPEN_URI | sqlite3.OPEN_NOMUTEX
	if create {
		flags |= sqlite3.OPEN_CREATE
	}
	name := dsn(path, readOnly, syncFull)
	return func() (*sqlite3.Conn, error) {
		c, err := sqlite3.OpenFlags(name, flags)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		return c, nil
	}
}

// openDB opens the database in path, creating the file only if create is
// set.
func openDB(ctx context.Context, path string, syncFull, create bool) (*db, error) {
	d := &db{
		path:   path,
		writer: newPool(1, opener(path, false, syncFull, create)),
		reader: newPool(max(4, 2*runtime.GOMAXPROCS(0)), opener(path, true, syncFull, false)),
	}
	// Open the writer first: it creates the file and switches it to WAL,
	// which readers need before they can open it query-only.
	w, err := d.writer.get(ctx)
	if err != nil {
		return nil, err
	}
	d.writer.put(w)
	return d, nil
}

func (d *db) Close() error {
	return errors.Join(d.reader.close(), d.writer.close())
}

func (d *db) Dialect() store.Dialect { return dialect{} }

// Exec runs on the writer, as its own transaction.
func (d *db) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	c, err := d.writer.get(ctx)
	if err != nil {
		return 0, err
	}
	defer d.writer.put(c)
	return c.exec(ctx, query, args)
}

// Query reads on a reader connection, which the rows hold until closed.
func (d *db) Query(ctx context.Context, query string, args ...any) (store.Rows, error) {
	r, err := d.query(ctx, query, args)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (d *db) query(ctx context.Context, query string, args []any) (*rows, error) {
	c, err := d.reader.get(ctx)
	if err != nil {
		return nil, err
	}
	r, err := c.query(ctx, query, args, true, func() { d.reader.put(c) })
	if err != nil {
		d.reader.put(c)
		return nil, err
	}
	return r, nil
}

func (d *db) QueryRow(ctx context.Context, query string, args ...any) store.Row {
	r, err := d.query(ctx, query, args)
	return store.FirstRow(r, err)
}

func (d *db) BeginWrite(ctx context.Context) (store.Tx, error) {
	t, err := d.begin(ctx, d.writer, `BEGIN IMMEDIATE`)
	if err != nil {
		return nil, fmt.Errorf("begin write %s: %w", d.path, err)
	}
	return t, nil
}

func (d *db) BeginRead(ctx context.Context) (store.Tx, error) {
	t, err := d.begin(ctx, d.reader, `BEGIN`)
	if err != nil {
		return nil, fmt.Errorf("begin read %s: %w", d.path, err)
	}
	return t, nil
}

func (d *db) begin(ctx context.Context, p *pool, stmt string) (*tx, error) {
	c, err := p.get(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := c.exec(ctx, stmt, nil); err != nil {
		p.put(c)
		return nil, err
	}
	return &tx{ctx: ctx, conn: c, pool: p}, nil
}

// errTxDone is the error of a transaction used after Commit or Rollback.
var errTxDone = errors.New("sqlite: transaction has already been committed or rolled back")

// tx is a transaction on one connection, which it holds until Commit or
// Rollback. As with database/sql, a transaction whose context ended
// cannot commit.
type tx struct {
	ctx  context.Context
	conn *conn
	pool *pool
	done bool
}

func (t *tx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if t.done {
		return 0, errTxDone
	}
	return t.conn.exec(ctx, query, args)
}

func (t *tx) Query(ctx context.Context, query string, args ...any) (store.Rows, error) {
	if t.done {
		return nil, errTxDone
	}
	r, err := t.conn.query(ctx, query, args, true, nil)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (t *tx) QueryRow(ctx context.Context, query string, args ...any) store.Row {
	if t.done {
		return store.FirstRow(nil, errTxDone)
	}
	r, err := t.conn.query(ctx, query, args, true, nil)
	return store.FirstRow(r, err)
}

func (t *tx) Commit() error {
	if t.done {
		return errTxDone
	}
	t.done = true
	defer t.pool.put(t.conn) // rolls back what did not commit
	if err := t.ctx.Err(); err != nil {
		return err
	}
	t.conn.finishRows()
	if _, err := t.conn.exec(context.Background(), `COMMIT`, nil); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (t *tx) Rollback() error {
	if t.done {
		return nil
	}
	t.done = true
	defer t.pool.put(t.conn)
	t.conn.finishRows()
	if t.conn.c.GetAutocommit() { // SQLite already rolled back (after some errors)
		return nil
	}
	if _, err := t.conn.exec(context.Background(), `ROLLBACK`, nil); err != nil {
		t.conn.broken = true
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
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
