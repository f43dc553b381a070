package sqlite

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/ncruces/go-sqlite3"

	"github.com/rowhouse/rowhouse/store"
)

// stmtCacheSize bounds the prepared statements kept per connection.
// Rowhouse's statements are generated from a few shapes per table (read by
// filter, insert a batch, update, ...), so a few hundred cover a busy
// document; past that the least recently used is closed.
const stmtCacheSize = 256

// conn is one SQLite connection, opened SQLITE_OPEN_NOMUTEX: a pool hands
// it to one goroutine at a time, so SQLite need not lock it. It keeps its
// own prepared statements by SQL text, so that a statement is parsed and
// planned once per connection rather than on every call: for small reads,
// SQLite's parser costs as much as running the statement.
//
// Statements stay valid across schema changes: SQLite re-prepares a
// statement whose schema changed the next time it runs.
type conn struct {
	c     *sqlite3.Conn
	byKey map[string]*list.Element // of *cachedStmt
	order list.List                // most recently used first
	// open are the result sets being read on the connection, closed
	// when it goes back to its pool.
	open []*rows
	// broken: the connection could not be brought back to its idle
	// state, so its pool closes it instead of reusing it.
	broken bool
}

type cachedStmt struct {
	query string
	stmt  *sqlite3.Stmt
	busy  bool // its rows are being read
}

func newConn(c *sqlite3.Conn) *conn { return &conn{c: c, byKey: map[string]*list.Element{}} }

// cacheable reports whether query is worth keeping prepared: data
// statements are, DDL and maintenance (which run once) are not.
func cacheable(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n")
	if len(q) < 6 {
		return false
	}
	switch strings.ToUpper(q[:6]) {
	case "SELECT", "INSERT", "UPDATE", "DELETE":
		return true
	}
	return strings.EqualFold(q[:4], "WITH")
}

// prepare returns query's statement with args bound, and the cache entry
// it came from (nil when it was prepared for this call only, and must be
// closed after). A statement whose rows are still being read is not
// shared: the call gets a statement of its own.
func (c *conn) prepare(query string, args []any, useCache bool) (*sqlite3.Stmt, *cachedStmt, error) {
	var ent *cachedStmt
	if useCache && cacheable(query) {
		if e, ok := c.byKey[query]; ok {
			if cs := e.Value.(*cachedStmt); !cs.busy {
				c.order.MoveToFront(e)
				ent = cs
			}
		} else {
			s, err := prepareOne(c.c, query, sqlite3.PREPARE_PERSISTENT)
			if err != nil {
				return nil, nil, err
			}
			ent = &cachedStmt{query: query, stmt: s}
			c.byKey[query] = c.order.PushFront(ent)
			c.evict()
		}
	}
	var s *sqlite3.Stmt
	if ent != nil {
		s = ent.stmt
	} else {
		var err error
		if s, err = prepareOne(c.c, query, 0); err != nil {
			return nil, nil, err
		}
	}
	if err := bind(s, args); err != nil {
		if ent == nil {
			s.Close()
		} else {
			s.ClearBindings()
		}
		return nil, nil, err
	}
	if ent != nil {
		ent.busy = true
	}
	return s, ent, nil
}

// prepareOne prepares the single statement of query.
func prepareOne(c *sqlite3.Conn, query string, flags sqlite3.PrepareFlag) (*sqlite3.Stmt, error) {
	s, tail, err := c.PrepareFlags(query, flags)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, fmt.Errorf("%w, not none", errStatements)
	}
	if strings.Trim(tail, "; \t\r\n") != "" {
		s.Close()
		return nil, fmt.Errorf("%w, not several", errStatements)
	}
	return s, nil
}

// errStatements is the error of a query that is not one statement.
var errStatements = errors.New("sqlite: one statement expected")

// evict closes the least recently used idle statements past the cache's
// size.
func (c *conn) evict() {
	for e := c.order.Back(); e != nil && c.order.Len() > stmtCacheSize; {
		prev := e.Prev()
		if cs := e.Value.(*cachedStmt); !cs.busy {
			c.order.Remove(e)
			delete(c.byKey, cs.query)
			cs.stmt.Close()
		}
		e = prev
	}
}

// done gives back a statement prepare returned.
func (c *conn) done(s *sqlite3.Stmt, ent *cachedStmt) {
	if ent == nil {
		s.Close()
		return
	}
	s.Reset()
	s.ClearBindings()
	ent.busy = false
}

// exec runs a statement to its end and returns the rows it changed. A
// statement without arguments may be a script of several.
func (c *conn) exec(ctx context.Context, query string, args []any) (int64, error) {
	c.c.SetInterrupt(ctx)
	if len(args) == 0 && !cacheable(query) {
		if err := c.c.Exec(query); err != nil {
			return 0, ctxErr(ctx, err)
		}
		return c.c.Changes(), nil
	}
	s, ent, err := c.prepare(query, args, true)
	if err != nil {
		return 0, ctxErr(ctx, err)
	}
	err = s.Exec()
	c.done(s, ent)
	if err != nil {
		return 0, ctxErr(ctx, err)
	}
	return c.c.Changes(), nil
}

// query starts reading a statement's rows, from the connection's
// prepared statements if useCache is set; they give the connection back
// to release, if not nil, when closed.
func (c *conn) query(ctx context.Context, query string, args []any, useCache bool, release func()) (*rows, error) {
	c.c.SetInterrupt(ctx)
	s, ent, err := c.prepare(query, args, useCache)
	if err != nil {
		return nil, ctxErr(ctx, err)
	}
	r := &rows{ctx: ctx, conn: c, stmt: s, ent: ent, release: release}
	c.open = append(c.open, r)
	// The first step runs now, as database/sql's drivers do: an error of
	// the statement is Query's, and the columns are those of the schema
	// the statement runs on (SQLite re-prepares a statement whose schema
	// changed at its first step).
	if r.stepped = s.Step(); !r.stepped {
		if err := s.Err(); err != nil {
			r.release = nil // the caller gives the connection back
			r.finish()
			return nil, ctxErr(ctx, err)
		}
		r.Columns() // kept for the caller, as the statement goes back now
		r.finish()
	}
	return r, nil
}

// idle closes the result sets still open and ends any transaction left
// open, so that the connection can be handed to another caller; a
// connection that cannot be is marked broken.
func (c *conn) idle() {
	c.finishRows()
	c.c.SetInterrupt(context.Background())
	if !c.c.GetAutocommit() {
		if err := c.c.Exec(`ROLLBACK`); err != nil {
			c.broken = true
		}
	}
}

// finishRows closes the result sets still being read.
func (c *conn) finishRows() {
	for len(c.open) > 0 {
		c.open[len(c.open)-1].finish()
	}
}

func (c *conn) close() error {
	for e := c.order.Front(); e != nil; e = e.Next() {
		e.Value.(*cachedStmt).stmt.Close()
	}
	c.order.Init()
	clear(c.byKey)
	return c.c.Close()
}

// pool hands out up to n connections to one database, opening them when
// first needed. The writer's pool has one connection, so writers queue
// in Go, in order, honouring their contexts.
type pool struct {
	open   func() (*sqlite3.Conn, error)
	slots  chan *conn // n entries; nil is a connection not opened yet
	closed atomic.Bool
}

func newPool(n int, open func() (*sqlite3.Conn, error)) *pool {
	p := &pool{open: open, slots: make(chan *conn, n)}
	for range n {
		p.slots <- nil
	}
	return p
}

// errClosed is returned by a pool whose database was closed.
var errClosed = errors.New("sqlite: database is closed")

// get waits for a connection.
func (p *pool) get(ctx context.Context) (*conn, error) {
	var c *conn
	select {
	case c = <-p.slots:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if p.closed.Load() {
		p.slots <- c
		return nil, errClosed
	}
	if c == nil {
		sc, err := p.open()
		if err != nil {
			p.slots <- nil
			return nil, err
		}
		c = newConn(sc)
	}
	return c, nil
}

// put gives a connection back; after close, or when it is broken, it is
// closed instead.
func (p *pool) put(c *conn) {
	c.idle()
	if c.broken || p.closed.Load() {
		c.close()
		c = nil
	}
	p.slots <- c
}

// close closes the idle connections; those in use are closed when given
// back.
func (p *pool) close() error {
	if p.closed.Swap(true) {
		return nil
	}
	var errs []error
	taken := 0
	for range cap(p.slots) {
		select {
		case c := <-p.slots:
			taken++
			if c != nil {
				errs = append(errs, c.close())
			}
		default:
		}
	}
	for range taken {
		p.slots <- nil
	}
	return errors.Join(errs...)
}

// rows is a result set being read: the statement is stepped in place and
// each cell is read from SQLite's memory by Scan, with no row of values in
// between.
type rows struct {
	ctx     context.Context
	conn    *conn
	stmt    *sqlite3.Stmt
	ent     *cachedStmt
	release func() // gives the connection back, for rows outside a transaction
	err     error
	stepped bool // the first row has been stepped to and not yet read
	done    bool
	names   []string
	// texts is where the texts of cells scanned into a *store.Cell are
	// copied (see textArena).
	texts textArena
}

var _ store.Rows = (*rows)(nil)

func (r *rows) Next() bool {
	if r.stepped {
		r.stepped = false
		return true
	}
	if r.done {
		return false
	}
	if r.stmt.Step() {
		return true
	}
	r.err = ctxErr(r.ctx, r.stmt.Err())
	r.finish()
	return false
}

func (r *rows) Scan(dest ...any) error {
	if r.done {
		return errors.New("sqlite: Scan after the rows were closed")
	}
	if len(dest) != r.stmt.ColumnCount() {
		return fmt.Errorf("sqlite: Scan of %d values into %d destinations", r.stmt.ColumnCount(), len(dest))
	}
	for i, d := range dest {
		if c, ok := d.(*store.Cell); ok {
			scanCell(r.stmt, i, c, &r.texts)
			continue
		}
		if err := scanColumn(r.stmt, i, d); err != nil {
			return fmt.Errorf("sqlite: column %d (%s): %w", i, r.stmt.ColumnName(i), err)
		}
	}
	return nil
}

func (r *rows) Columns() ([]string, error) {
	if r.names == nil && !r.done {
		r.names = make([]string, r.stmt.ColumnCount())
		for i := range r.names {
			r.names[i] = r.stmt.ColumnName(i)
		}
	}
	return r.names, nil
}

func (r *rows) Err() error { return r.err }

func (r *rows) Close() error {
	r.finish()
	return nil
}

// finish gives the statement back, and the connection if the rows own it.
func (r *rows) finish() {
	if r.done {
		return
	}
	r.done = true
	r.conn.done(r.stmt, r.ent)
	r.stmt = nil
	if i := indexOf(r.conn.open, r); i >= 0 {
		r.conn.open = append(r.conn.open[:i], r.conn.open[i+1:]...)
	}
	if r.release != nil {
		r.release()
	}
}

func indexOf(rs []*rows, r *rows) int {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i] == r {
			return i
		}
	}
	return -1
}

// ctxErr reports a statement interrupted because its context ended as
// that context's error too (errors.Is(err, context.Canceled)).
func ctxErr(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil && errors.Is(err, sqlite3.INTERRUPT) {
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return err
}
