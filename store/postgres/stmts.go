package postgres

import (
	"container/list"
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Prepared statements of documents.
//
// A document's statements are prepared once per connection and then run
// by name: PostgreSQL parses and plans the text once instead of at every
// execution, which for a point read is about half of the server's work.
//
// Documents share statement texts (every table has an "id", every schema
// a _rh_meta), each resolved against its own schema, so a connection keys
// its statements by schema as well as text. A prepared statement keeps
// the search_path it was prepared under, so it stays on its document's
// tables whatever schema the connection serves later.
//
// A statement runs as it would unprepared (QueryExecModeExec): its
// parameters are sent as text with their types left for the server to
// infer from where they stand (at prepare), and results come back as text.
//
// A plan made before a change to the tables may no longer fit its text:
// PostgreSQL replans it by its text, but keeps its parameter types and
// refuses a new result type ("cached plan must not change result type").
// So each schema has a generation, part of the key, that moves when its
// tables change:
//   - when this process runs ALTER or DROP on the schema (at once, so
//     that the rest of the same transaction prepares anew, and again when
//     the transaction ends);
//   - when the core finds the document's schema at a version it did not
//     know, which is how a change made by another process shows
//     (ForgetPlans);
//   - when the server refuses a stale plan; a statement outside a
//     transaction then runs once more, prepared anew.
//
// Statements of an old generation are no longer found and leave the
// connection as the least recently used.

// DefaultStatementCache is how many prepared statements a connection of
// the documents' pool keeps when Options.StatementCache is 0.
const DefaultStatementCache = 256

// maxPreparedArgs caps the parameters of a statement worth preparing: a
// batch of thousands of values (a bulk insert) is parsed in far less time
// than it takes to run, and its plan would hold much memory in every
// connection that prepared it (a 100-row update of two columns, 400
// parameters, holds about 400 KB; a point read about 25 KB).
const maxPreparedArgs = 1000

// stmtCacheText bounds the text of the statements a connection keeps
// prepared, as a measure of the memory their plans hold in the server
// (tens of times their text).
const stmtCacheText = 256 << 10

// deallocateBatch is how many statements let go of are closed on the
// server in one round trip.
const deallocateBatch = 16

// stmtCacheKey is the key of a connection's CustomData holding its
// statement cache.
const stmtCacheKey = "rowhouse.stmts"

// stmtKey identifies a prepared statement on a connection.
type stmtKey struct {
	schema string
	gen    uint64
	sql    string
}

// preparedStmt is one prepared statement of a connection.
type preparedStmt struct {
	key stmtKey
	sd  *pgconn.StatementDescription
}

// stmtCache is a connection's prepared statements, least recently used
// last. A statement is prepared the second time the connection runs it:
// one run once costs no more than unprepared, and does not push out a
// statement that runs again. A connection serves one caller at a time, so
// the cache needs no lock.
type stmtCache struct {
	capacity int
	lru      list.List // of *preparedStmt
	byKey    map[stmtKey]*list.Element
	text     int                  // the length of the texts in lru
	seen     map[stmtKey]struct{} // run once, unprepared
	stale    []string             // let go of, not yet closed on the server
	named    uint64               // statements prepared so far, which names the next
	// writeReady: BeginWrite's statements are prepared (lockStmt,
	// seqStmt), outside the cache's bounds
	writeReady bool

	// buffers for encoding parameters, reused by the next statement (the
	// connection has copied them into its message by then)
	vals [][]byte
	buf  []byte
}

// cacheOf returns the statement cache of c, making it if needed.
func cacheOf(c *pgx.Conn, capacity int) *stmtCache {
	data := c.PgConn().CustomData()
	sc, _ := data[stmtCacheKey].(*stmtCache)
	if sc == nil {
		sc = &stmtCache{capacity: capacity, byKey: map[stmtKey]*list.Element{}, seen: map[stmtKey]struct{}{}}
		data[stmtCacheKey] = sc
	}
	return sc
}

// prepared returns the statement of key on c, or nil the first time c
// runs it (the caller runs it unprepared). The second time it prepares it
// (one round trip), letting go of the least recently used statements
// beyond the cache's bounds.
func (sc *stmtCache) prepared(ctx context.Context, c *pgx.Conn, key stmtKey) (*pgconn.StatementDescription, error) {
	if el, ok := sc.byKey[key]; ok {
		sc.lru.MoveToFront(el)
		return el.Value.(*preparedStmt).sd, nil
	}
	if len(key.sql) > stmtCacheText/4 {
		return nil, nil
	}
	if _, ok := sc.seen[key]; !ok {
		if len(sc.seen) >= 4*sc.capacity {
			clear(sc.seen)
		}
		sc.seen[key] = struct{}{}
		return nil, nil
	}
	delete(sc.seen, key)
	for sc.lru.Len() > 0 && (sc.lru.Len() >= sc.capacity || sc.text+len(key.sql) > stmtCacheText) {
		sc.drop(sc.lru.Back())
	}
	if len(sc.stale) >= deallocateBatch {
		if err := sc.deallocate(ctx, c); err != nil {
			return nil, err
		}
	}
	sc.named++
	sd, err := c.PgConn().Prepare(ctx, "rh_"+strconv.FormatUint(sc.named, 10), key.sql, nil)
	if err != nil {
		return nil, err
	}
	sc.byKey[key] = sc.lru.PushFront(&preparedStmt{key: key, sd: sd})
	sc.text += len(key.sql)
	return sd, nil
}

// drop lets go of a statement of the cache: it is closed on the server
// with the next batch.
func (sc *stmtCache) drop(el *list.Element) {
	ps := sc.lru.Remove(el).(*preparedStmt)
	delete(sc.byKey, ps.key)
	sc.text -= len(ps.key.sql)
	sc.stale = append(sc.stale, ps.sd.Name)
}

// deallocate closes on the server the statements let go of, in one round
// trip. (DEALLOCATE is not undone by a rollback, and is refused only in a
// failed transaction, where the statement that follows fails too.)
func (sc *stmtCache) deallocate(ctx context.Context, c *pgx.Conn) error {
	var b strings.Builder
	for _, name := range sc.stale {
		b.WriteString("DEALLOCATE " + name + ";") // names the cache made: rh_<n>
	}
	if err := c.PgConn().Exec(ctx, b.String()).Close(); err != nil {
		return err
	}
	sc.stale = sc.stale[:0]
	return nil
}

// forget lets go of the statement of key, if the cache has it.
func (sc *stmtCache) forget(key stmtKey) {
	if el, ok := sc.byKey[key]; ok {
		sc.drop(el)
	}
}

// encode encodes args as QueryExecModeExec does: as text, each in the
// form its Go type has, for the server to read as the parameter's type.
func (sc *stmtCache) encode(m *pgtype.Map, args []any) ([][]byte, error) {
	vals := sc.vals[:0]
	buf := sc.buf[:0]
	if buf == nil {
		buf = make([]byte, 0, 256) // an empty text must not come back nil, which is NULL
	}
	for _, a := range args {
		pos := len(buf)
		out, err := m.Encode(0, pgtype.TextFormatCode, a, buf)
		if err != nil {
			return nil, err
		}
		if out == nil { // NULL
			vals = append(vals, nil)
			continue
		}
		buf = out
		vals = append(vals, buf[pos:len(buf):len(buf)])
	}
	// A value already in vals keeps pointing into the old array when buf
	// grows: it stays valid, and only the last array is kept for reuse.
	sc.vals, sc.buf = vals, buf
	return vals, nil
}

// prepares reports whether d prepares query (with n arguments), rather
// than running it unprepared: a document's plain data statement, not
// DDL, a session or transaction command, or a huge batch.
func (d *db) prepares(query string, n int) bool {
	if d.gen == nil || d.e.stmtCapacity <= 0 || n > maxPreparedArgs {
		return false
	}
	switch firstWord(query) {
	case "SELECT", "INSERT", "UPDATE", "DELETE", "WITH":
		return true
	}
	return false
}

// changesTables reports whether query may change what a prepared
// statement's text means (ALTER or DROP).
func changesTables(query string) bool {
	switch firstWord(query) {
	case "ALTER", "DROP":
		return true
	}
	return false
}

// firstWord returns the first word of query in upper case.
func firstWord(query string) string {
	query = strings.TrimLeft(query, " \t\r\n(")
	end := strings.IndexAny(query, " \t\r\n(")
	if end < 0 {
		end = len(query)
	}
	if end > 6 {
		return "" // longer than any word above
	}
	return strings.ToUpper(query[:end])
}

// key returns the cache key of query on d now.
func (d *db) key(query string) stmtKey {
	return stmtKey{schema: d.schema, gen: d.gen.Load(), sql: query}
}

// ForgetPlans makes the document's statements be prepared anew: the core
// calls it when it finds the document's schema at a version it did not
// know (see store.PlanForgetter).
func (d *db) ForgetPlans() {
	if d.gen != nil {
		d.gen.Add(1)
	}
}

// statement returns the prepared statement of query on c and its args
// encoded for it, or a nil statement when query runs unprepared.
func (d *db) statement(ctx context.Context, c *pgx.Conn, query string, args []any) (*pgconn.StatementDescription, [][]byte, error) {
	if !d.prepares(query, len(args)) {
		return nil, nil, nil
	}
	sc := cacheOf(c, d.e.stmtCapacity)
	sd, err := sc.prepared(ctx, c, d.key(query))
	if err != nil || sd == nil {
		return nil, nil, err
	}
	vals, err := sc.encode(c.TypeMap(), args)
	if err != nil {
		return nil, nil, err
	}
	return sd, vals, nil
}

// query runs a rebound query with bound args on c, prepared if d prepares
// it.
func (d *db) query(ctx context.Context, c *pgx.Conn, query string, args []any) (pgx.Rows, error) {
	sd, vals, err := d.statement(ctx, c, query, args)
	switch {
	case err != nil:
		return nil, err
	case sd == nil:
		return c.Query(ctx, query, args...)
	}
	return pgx.RowsFromResultReader(c.TypeMap(), c.PgConn().ExecStatement(ctx, sd, vals, nil, nil)), nil
}

// exec runs a rebound statement with bound args on c, prepared if d
// prepares it. ALTER and DROP move the schema's generation.
func (d *db) exec(ctx context.Context, c *pgx.Conn, query string, args []any) (pgconn.CommandTag, error) {
	sd, vals, err := d.statement(ctx, c, query, args)
	switch {
	case err != nil:
		return pgconn.CommandTag{}, err
	case sd == nil:
		tag, err := c.Exec(ctx, query, args...)
		if changesTables(query) {
			d.ForgetPlans()
		}
		return tag, err
	}
	return c.PgConn().ExecStatement(ctx, sd, vals, nil, nil).Close()
}

// staleRetry handles err from running query prepared on c: if the server
// refused a stale plan, the schema's generation moves and the statement
// leaves c, and staleRetry reports whether the caller may run it again
// (it may outside a transaction: nothing ran).
func (d *db) staleRetry(c *pgx.Conn, query string, err error) bool {
	if !isStalePlan(err) || d.gen == nil {
		return false
	}
	key := d.key(query)
	d.gen.Add(1)
	cacheOf(c, d.e.stmtCapacity).forget(key)
	return c.PgConn().TxStatus() == 'I'
}

// isStalePlan reports whether err is the server refusing to run a
// prepared statement whose replanned result no longer matches.
func isStalePlan(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "0A000" && strings.Contains(pgErr.Message, "cached plan")
}

// stmtGen returns the generation of schema's prepared statements.
func (e *Engine) stmtGen(schema string) *atomic.Uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	g, ok := e.gens[schema]
	if !ok {
		g = new(atomic.Uint64)
		e.gens[schema] = g
	}
	return g
}
