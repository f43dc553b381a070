package sqlite

import (
	"container/list"
	"context"
	"database/sql"
	"strings"
	"sync"
	"time"
)

// stmtCacheSize bounds the prepared statements kept per connection pool.
// Rowhouse's statements are generated from a few shapes per table (read by
// filter, insert a batch, update, ...), so a few hundred cover a busy
// document; past that the least recently used is closed.
const stmtCacheSize = 256

// stmtCache keeps prepared statements of one *sql.DB by their SQL text, so
// that a statement is parsed and planned once per connection rather than
// on every call: for small reads, SQLite's parser costs as much as running
// the statement. database/sql prepares a cached statement lazily on each
// connection of the pool that runs it, and a transaction reuses the
// statement its connection already has (sql.Tx.StmtContext).
//
// Statements stay valid across schema changes: SQLite re-prepares a
// statement whose schema changed the next time it runs.
type stmtCache struct {
	db *sql.DB

	mu      sync.Mutex
	byKey   map[string]*list.Element // of *cachedStmt
	order   list.List                // most recently used first
	pending map[string]bool          // being prepared in the background
	closed  bool
	wg      sync.WaitGroup // background prepares
}

type cachedStmt struct {
	query string
	stmt  *sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, byKey: make(map[string]*list.Element), pending: make(map[string]bool)}
}

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

// get returns the prepared statement for query, or nil when the query is
// not cacheable or not prepared yet: the caller then runs it unprepared.
//
// A miss prepares the statement on the pool, which needs a free
// connection. Outside a transaction that is the connection the caller is
// about to use, so the statement is prepared at once. Inside one (inTx),
// the caller holds a connection already and waiting for another could
// deadlock (the writer pool has a single connection), so the statement is
// prepared in the background and this call runs unprepared.
func (c *stmtCache) get(ctx context.Context, query string, inTx bool) (*sql.Stmt, error) {
	if !cacheable(query) {
		return nil, nil
	}
	c.mu.Lock()
	if e, ok := c.byKey[query]; ok {
		c.order.MoveToFront(e)
		s := e.Value.(*cachedStmt).stmt
		c.mu.Unlock()
		return s, nil
	}
	if inTx {
		if !c.pending[query] {
			c.pending[query] = true
			c.wg.Add(1)
			go c.warm(query)
		}
		c.mu.Unlock()
		return nil, nil
	}
	c.mu.Unlock()

	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return c.add(query, s), nil
}

// warmTimeout bounds a background prepare's wait for a free connection.
const warmTimeout = 10 * time.Second

// warm prepares query for a later call. A failure is not reported: the
// statement runs unprepared, where its error (if any) is reported.
func (c *stmtCache) warm(query string) {
	defer c.wg.Done()
	ctx, cancel := context.WithTimeout(context.Background(), warmTimeout)
	defer cancel()
	s, err := c.db.PrepareContext(ctx, query)
	c.mu.Lock()
	delete(c.pending, query)
	c.mu.Unlock()
	if err == nil {
		c.add(query, s)
	}
}

// add keeps s as query's statement (or closes it if another caller kept
// one first) and returns the statement kept, closing the least recently
// used past the cache's size.
func (c *stmtCache) add(query string, s *sql.Stmt) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		s.Close()
		return nil
	}
	if e, ok := c.byKey[query]; ok {
		s.Close()
		c.order.MoveToFront(e)
		return e.Value.(*cachedStmt).stmt
	}
	c.byKey[query] = c.order.PushFront(&cachedStmt{query: query, stmt: s})
	for c.order.Len() > stmtCacheSize {
		e := c.order.Back()
		old := c.order.Remove(e).(*cachedStmt)
		delete(c.byKey, old.query)
		// Close waits for the statement's open rows and transactions
		// (database/sql keeps it alive until they are done).
		old.stmt.Close()
	}
	return s
}

// close waits for background prepares and closes every cached statement;
// the cache keeps nothing afterwards.
func (c *stmtCache) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := c.order.Front(); e != nil; e = e.Next() {
		e.Value.(*cachedStmt).stmt.Close()
	}
	c.order.Init()
	clear(c.byKey)
}

// len is the number of statements kept.
func (c *stmtCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
