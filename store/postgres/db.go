package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
)

// db is one schema of the database (the home schema or a document's): every
// statement runs on a pooled connection whose search_path is that schema,
// so that the engine-neutral SQL of package store and the core, which never
// qualifies names, reaches this schema's tables.
type db struct {
	e      *Engine
	pool   *pgxpool.Pool
	schema string
	gen    *atomic.Uint64 // generation of the schema's prepared statements; nil: none are (see stmts.go)
}

var _ store.DB = (*db)(nil)

// searchPathKey is the key in a connection's CustomData holding the schema
// its search_path is set to.
const searchPathKey = "rowhouse.search_path"

// acquire takes a connection from the pool with its search_path set to
// d.schema. Setting it costs a round trip only when the connection last
// served another schema.
func (d *db) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	c, err := d.pool.Acquire(ctx)
	if err != nil {
		return nil, mapErr(err)
	}
	data := c.Conn().PgConn().CustomData()
	if data[searchPathKey] != d.schema {
		if _, err := c.Exec(ctx, "SET search_path TO "+quoteIdent(d.schema)); err != nil {
			c.Release()
			return nil, mapErr(err)
		}
		data[searchPathKey] = d.schema
	}
	return c, nil
}

func (d *db) Dialect() store.Dialect { return dialect{} }

func (d *db) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	c, err := d.acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer c.Release()
	q, a := store.RebindDollar(query), bindArgs(args)
	tag, err := d.exec(ctx, c.Conn(), q, a)
	if err != nil && d.staleRetry(c.Conn(), q, err) {
		tag, err = d.exec(ctx, c.Conn(), q, a)
	}
	if err != nil {
		return 0, mapErr(err)
	}
	return tag.RowsAffected(), nil
}

func (d *db) Query(ctx context.Context, query string, args ...any) (store.Rows, error) {
	c, err := d.acquire(ctx)
	if err != nil {
		return nil, err
	}
	q, a := store.RebindDollar(query), bindArgs(args)
	for retried := false; ; retried = true {
		var rs *rows
		r, err := d.query(ctx, c.Conn(), q, a)
		if err == nil {
			rs, err = startRows(r, nil)
		}
		if err == nil {
			rs.release = c.Release
			return rs, nil
		}
		if !retried && d.staleRetry(c.Conn(), q, err) {
			continue
		}
		c.Release()
		return nil, mapErr(err)
	}
}

// startRows reads the first row of r, so that an error of the statement
// comes back from Query, as with database/sql, rather than from the rows.
// On error it closes r and calls release.
func startRows(r pgx.Rows, release func()) (*rows, error) {
	first := r.Next()
	if !first {
		if err := r.Err(); err != nil {
			r.Close()
			if release != nil {
				release()
			}
			return nil, mapErr(err)
		}
	}
	return &rows{r: r, release: release, peeked: true, first: first}, nil
}

func (d *db) QueryRow(ctx context.Context, query string, args ...any) store.Row {
	r, err := d.Query(ctx, query, args...)
	return store.FirstRow(r, err)
}

// BeginWrite starts a transaction holding the schema's write lock (a
// session advisory lock taken before BEGIN and released after the
// transaction ends), so that write transactions on one document run one
// after another, in every process sharing the database, as they do on
// SQLite.
//
// Sequences are not transactional in PostgreSQL, but SQLite's AUTOINCREMENT
// is: a rolled-back insert gives its ids back. So BeginWrite notes where
// the schema's sequences stand, and Rollback puts back those that moved,
// while the lock still keeps other writers out. (This relies on every
// insert into a document running in a write transaction, as the core's
// do; an insert by DB.Exec outside one could see its id given again.)
func (d *db) BeginWrite(ctx context.Context) (store.Tx, error) {
	// Writers of this process queue here first, so that at most one
	// connection per document waits on the database's lock and the others
	// stay free for readers.
	gate := d.e.gate(d.schema)
	select {
	case gate <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("begin write %s: %w", d.schema, ctx.Err())
	}
	c, err := d.acquire(ctx)
	if err != nil {
		<-gate
		return nil, fmt.Errorf("begin write %s: %w", d.schema, err)
	}
	t := &tx{d: d, c: c, lockKey: d.schema, gate: gate}
	var locked bool
	t.seqs, locked, err = d.beginLocked(ctx, c.Conn())
	if err != nil {
		ctx, cancel := context.WithTimeout(context.Background(), endTimeout)
		defer cancel()
		c.Exec(ctx, "ROLLBACK")
		if locked {
			t.unlock()
		} else {
			c.Release()
			t.freeGate()
		}
		return nil, fmt.Errorf("begin write %s: %w", d.schema, mapErr(err))
	}
	return t, nil
}

// The statements of BeginWrite after BEGIN. They read only the catalogs,
// so a connection prepares each once, under a name of its own, for every
// document.
const (
	lockQuery = `SELECT pg_advisory_lock(hashtextextended($1, 0))`
	lockStmt  = "rh_write_lock"
	seqStmt   = "rh_write_seqs"
)

// beginLocked begins a transaction on c, takes the schema's write lock (a
// session lock: it outlives a rollback, until the sequences are put back)
// and reads where the schema's sequences stand, in one round trip. locked
// reports whether the lock was taken, also when err is not nil.
func (d *db) beginLocked(ctx context.Context, c *pgx.Conn) (seqs map[string]seqState, locked bool, err error) {
	arg := [][]byte{[]byte(d.schema)}
	var sc *stmtCache
	if d.e.stmtCapacity > 0 {
		sc = cacheOf(c, d.e.stmtCapacity)
	}
	prepare := sc != nil && !sc.writeReady
	p := c.PgConn().StartPipeline(ctx)
	p.SendQueryParams("BEGIN", nil, nil, nil, nil)
	if sc == nil { // preparing is off
		p.SendQueryParams(lockQuery, arg, nil, nil, nil)
		p.SendQueryParams(seqQuery, arg, nil, nil, nil)
	} else {
		if prepare {
			p.SendPrepare(lockStmt, lockQuery, nil)
			p.SendPrepare(seqStmt, seqQuery, nil)
		}
		p.SendQueryPrepared(lockStmt, arg, nil, nil)
		p.SendQueryPrepared(seqStmt, arg, nil, nil)
	}
	err = p.Sync()
	if err == nil {
		err = pipelineExec(p)
	}
	if err == nil && prepare {
		for range 2 {
			if _, err = p.GetResults(); err != nil {
				break
			}
		}
		sc.writeReady = err == nil
	}
	if err == nil {
		if err = pipelineExec(p); err == nil {
			locked = true
			seqs, err = pipelineSequences(p)
		}
	}
	if cerr := p.Close(); err == nil {
		err = cerr
	}
	return seqs, locked, err
}

// pipelineExec reads the result of p's next statement, which returns no
// rows that matter.
func pipelineExec(p *pgconn.Pipeline) error {
	res, err := p.GetResults()
	if err != nil {
		return err
	}
	rr, ok := res.(*pgconn.ResultReader)
	if !ok {
		return fmt.Errorf("pipeline: %T, want a statement's result", res)
	}
	_, err = rr.Close()
	return err
}

// pipelineSequences reads seqQuery's rows from p's next result.
func pipelineSequences(p *pgconn.Pipeline) (map[string]seqState, error) {
	res, err := p.GetResults()
	if err != nil {
		return nil, err
	}
	rr, ok := res.(*pgconn.ResultReader)
	if !ok {
		return nil, fmt.Errorf("pipeline: %T, want the sequences", res)
	}
	return readSequences(rr)
}

// seqState is where a sequence stands: pg_sequences.last_value, NULL
// (Valid false) before its first nextval.
type seqState = sql.NullInt64

// seqQuery reads where the sequences of a schema ($1) stand.
const seqQuery = `SELECT sequencename::text, last_value FROM pg_sequences WHERE schemaname = $1`

// sequences returns where the sequences of schema stand.
func sequences(ctx context.Context, c *pgx.Conn, schema string) (map[string]seqState, error) {
	out, err := readSequences(c.PgConn().ExecParams(ctx, seqQuery, [][]byte{[]byte(schema)}, nil, nil, nil))
	return out, mapErr(err)
}

// readSequences reads seqQuery's rows (as text), and closes rr.
func readSequences(rr *pgconn.ResultReader) (map[string]seqState, error) {
	out := map[string]seqState{}
	for rr.NextRow() {
		v := rr.Values()
		var st seqState
		if v[1] != nil {
			n, err := strconv.ParseInt(string(v[1]), 10, 64)
			if err != nil {
				rr.Close()
				return nil, fmt.Errorf("sequence %s at %q: %w", v[0], v[1], err)
			}
			st = seqState{Int64: n, Valid: true}
		}
		out[string(v[0])] = st
	}
	if _, err := rr.Close(); err != nil {
		return nil, err
	}
	return out, nil
}

// BeginRead starts a read-only transaction on one snapshot (REPEATABLE
// READ).
func (d *db) BeginRead(ctx context.Context) (store.Tx, error) {
	t, err := d.begin(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("begin read %s: %w", d.schema, err)
	}
	return t, nil
}

func (d *db) begin(ctx context.Context, opts pgx.TxOptions) (*tx, error) {
	c, err := d.acquire(ctx)
	if err != nil {
		return nil, err
	}
	t, err := c.BeginTx(ctx, opts)
	if err != nil {
		c.Release()
		return nil, mapErr(err)
	}
	return &tx{d: d, t: t, c: c}, nil
}

// tx is a transaction on one pooled connection, returned to the pool when
// the transaction ends. A write transaction (lockKey set) also releases
// the schema's write lock then.
type tx struct {
	d       *db
	t       pgx.Tx // a read's, or one of the home's; nil for a document write (begun on c)
	c       *pgxpool.Conn
	ddl     bool // ran ALTER or DROP: the schema's statements are prepared anew after it ends
	done    bool
	lockKey string              // the schema whose write lock this holds
	seqs    map[string]seqState // write: sequences at the start
	gate    chan struct{}       // write: the process's gate of the schema, held
	pending []deferred          // statements deferred, not yet sent (Defer)
}

// deferred is a statement held back by Defer, rebound and with its
// arguments bound.
type deferred struct {
	query string
	args  []any
}

// freeGate lets the process's next writer of the schema in.
func (t *tx) freeGate() {
	if t.gate != nil {
		<-t.gate
		t.gate = nil
	}
}

// A transaction's statements run on its connection, which its pgx.Tx, if
// any, began the transaction on.

// Defer holds back a statement whose outcome the caller does not read
// (store.Deferrer). The statements held back go before the transaction's
// next statement, in one round trip, or with its COMMIT.
func (t *tx) Defer(query string, args ...any) {
	q := store.RebindDollar(query)
	if changesTables(q) {
		t.ddl = true
	}
	t.pending = append(t.pending, deferred{q, bindArgs(args)})
}

// queue adds the pending statements to b, and forgets them.
func (t *tx) queue(b *pgx.Batch) {
	for _, p := range t.pending {
		b.Queue(p.query, p.args...)
	}
	t.pending = nil
}

// flush sends the pending statements, in one round trip.
func (t *tx) flush(ctx context.Context) error {
	if len(t.pending) == 0 {
		return nil
	}
	n := len(t.pending)
	b := &pgx.Batch{}
	t.queue(b)
	br := t.c.SendBatch(ctx, b)
	err := execQueued(br, n)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return mapErr(err)
}

// execQueued reads the results of the first n statements of br, as
// queue put them there, and returns the first error.
func execQueued(br pgx.BatchResults, n int) error {
	for range n {
		if _, err := br.Exec(); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if err := t.flush(ctx); err != nil {
		return 0, err
	}
	q := store.RebindDollar(query)
	if changesTables(q) {
		t.ddl = true
	}
	tag, err := t.d.exec(ctx, t.c.Conn(), q, bindArgs(args))
	if err != nil {
		t.d.staleRetry(t.c.Conn(), q, err) // in a transaction: no retry, but the next one prepares anew
		return 0, mapErr(err)
	}
	return tag.RowsAffected(), nil
}

func (t *tx) Query(ctx context.Context, query string, args ...any) (store.Rows, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	q := store.RebindDollar(query)
	r, err := t.d.query(ctx, t.c.Conn(), q, bindArgs(args))
	var rs *rows
	if err == nil {
		rs, err = startRows(r, nil)
	}
	if err != nil {
		t.d.staleRetry(t.c.Conn(), q, err)
		return nil, mapErr(err)
	}
	return rs, nil
}

// ended moves the schema's generation of prepared statements if the
// transaction changed tables: statements prepared while it ran, by it or
// by others, were planned on tables that are no longer so.
func (t *tx) ended() {
	if t.ddl {
		t.d.ForgetPlans()
	}
}

func (t *tx) QueryRow(ctx context.Context, query string, args ...any) store.Row {
	r, err := t.Query(ctx, query, args...)
	return store.FirstRow(r, err)
}

// endTimeout bounds COMMIT, ROLLBACK and the write lock's release, which
// run whatever the caller's context (the work is done, or being undone).
const endTimeout = 30 * time.Second

func (t *tx) Commit() error {
	if t.done {
		return pgx.ErrTxClosed
	}
	t.done = true
	defer t.ended()
	ctx, cancel := context.WithTimeout(context.Background(), endTimeout)
	defer cancel()
	if t.t != nil {
		if err := t.flush(ctx); err != nil {
			t.rollback(ctx)
			return err
		}
		err := mapErr(t.t.Commit(ctx))
		t.end()
		return err
	}
	// A write: the deferred statements, COMMIT and the lock's release in
	// one round trip. (After a failed statement the pipeline skips the
	// rest; the transaction is then rolled back. After a failed COMMIT the
	// release is done alone.)
	n := len(t.pending)
	b := &pgx.Batch{}
	t.queue(b)
	b.Queue("COMMIT")
	b.Queue(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, t.lockKey)
	br := t.c.SendBatch(ctx, b)
	if err := execQueued(br, n); err != nil {
		br.Close()
		t.rollback(ctx)
		return mapErr(err)
	}
	tag, err := br.Exec()
	if err == nil && tag.String() != "COMMIT" {
		err = errors.New("commit: the transaction had failed and was rolled back") // PostgreSQL answers ROLLBACK
	}
	var unlocked bool
	uerr := br.QueryRow().Scan(&unlocked)
	if cerr := br.Close(); uerr == nil {
		uerr = cerr
	}
	switch {
	case uerr == nil && unlocked:
		t.c.Release()
		t.freeGate()
	case t.c.Conn().PgConn().TxStatus() == 'I':
		t.unlock()
	default:
		t.c.Conn().Close(ctx) // in an unknown state: closing releases the lock
		t.c.Release()
		t.freeGate()
	}
	return mapErr(err)
}

func (t *tx) Rollback() error {
	if t.done {
		return nil
	}
	t.done = true
	defer t.ended()
	ctx, cancel := context.WithTimeout(context.Background(), endTimeout)
	defer cancel()
	return t.rollback(ctx)
}

// rollback rolls the transaction back, puts back the sequences of a
// write and releases its lock and connection.
func (t *tx) rollback(ctx context.Context) error {
	t.pending = nil
	var err error
	if t.t != nil {
		err = t.t.Rollback(ctx)
	} else {
		_, err = t.c.Exec(ctx, "ROLLBACK")
	}
	if err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		t.c.Conn().Close(ctx) // a connection in an unknown state must not be reused
		t.c.Release()
		t.freeGate()
		return mapErr(err)
	}
	if t.lockKey != "" {
		if err := t.restoreSequences(ctx); err != nil {
			t.c.Conn().Close(ctx)
			t.c.Release()
			t.freeGate()
			return fmt.Errorf("rollback: restore sequences: %w", err)
		}
	}
	t.end()
	return nil
}

// restoreSequences puts back the sequences that moved since BeginWrite.
func (t *tx) restoreSequences(ctx context.Context) error {
	now, err := sequences(ctx, t.c.Conn(), t.lockKey)
	if err != nil {
		return err
	}
	for name, v := range now {
		was, ok := t.seqs[name]
		if !ok || was == v {
			continue
		}
		seq := quoteIdent(t.lockKey) + "." + quoteIdent(name)
		if was.Valid {
			_, err = t.c.Exec(ctx, `SELECT setval($1::regclass, $2, true)`, seq, was.Int64)
		} else { // never used: the next value is the start again
			_, err = t.c.Exec(ctx, `SELECT setval($1::regclass, s.start_value, false) FROM pg_sequences s WHERE s.schemaname = $2 AND s.sequencename = $3`, seq, t.lockKey, name)
		}
		if err != nil {
			return mapErr(err)
		}
	}
	return nil
}

// end releases the write lock, if held, and the connection. A connection
// whose lock cannot be released is closed, which releases it.
func (t *tx) end() {
	if t.lockKey != "" {
		t.unlock()
		return
	}
	t.c.Release()
}

// unlock releases the write lock and the connection.
func (t *tx) unlock() {
	ctx, cancel := context.WithTimeout(context.Background(), endTimeout)
	defer cancel()
	var ok bool
	if err := t.c.QueryRow(ctx, `SELECT pg_advisory_unlock(hashtextextended($1, 0))`, t.lockKey).Scan(&ok); err != nil || !ok {
		t.c.Conn().Close(ctx)
	}
	t.c.Release()
	t.freeGate()
}

// bindArgs adapts arguments to PostgreSQL. Queries run in pgx's
// QueryExecModeExec, or prepared in the same way (stmts.go), where
// parameters travel as text of unknown type and the server infers each
// one's type from where it stands; booleans are
// sent as 1 and 0, which both an INTEGER flag column (as on SQLite) and a
// BOOLEAN cell column accept.
func bindArgs(args []any) []any {
	var out []any
	for i, a := range args {
		if b, ok := a.(bool); ok {
			if out == nil {
				out = make([]any, len(args))
				copy(out, args)
			}
			out[i] = boolInt(b)
		}
	}
	if out == nil {
		return args
	}
	return out
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// rows reads a result; values are converted to what database/sql would
// give over SQLite (int64, float64, bool, string, []byte, time.Time, nil)
// and scanned with database/sql's conversion rules, so that the core
// scans the same way on both engines.
type rows struct {
	r       pgx.Rows
	release func() // returns the connection to the pool, if the rows own it
	closed  bool
	peeked  bool // Next was called once already, returning first
	first   bool
}

func (r *rows) Next() bool {
	if r.peeked {
		r.peeked = false
		return r.first
	}
	return r.r.Next()
}

func (r *rows) Scan(dest ...any) error {
	vals, err := r.r.Values()
	if err != nil {
		return mapErr(err)
	}
	if len(vals) != len(dest) {
		return fmt.Errorf("scan: %d destinations for %d columns", len(dest), len(vals))
	}
	for i, v := range vals {
		if err := assign(dest[i], normalize(v)); err != nil {
			return fmt.Errorf("scan column %d (%s): %w", i, r.r.FieldDescriptions()[i].Name, err)
		}
	}
	return nil
}

func (r *rows) Columns() ([]string, error) {
	fds := r.r.FieldDescriptions()
	cols := make([]string, len(fds))
	for i, fd := range fds {
		cols[i] = fd.Name
	}
	return cols, nil
}

func (r *rows) Err() error { return mapErr(r.r.Err()) }

func (r *rows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.r.Close()
	if r.release != nil {
		r.release()
	}
	return mapErr(r.r.Err())
}

// normalize turns a value decoded by pgx into one of the types
// database/sql drivers return.
func normalize(v any) any {
	switch x := v.(type) {
	case nil, int64, float64, bool, string, []byte, time.Time:
		return x
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case uint32:
		return int64(x)
	case float32:
		return float64(x)
	case pgtype.Numeric:
		if !x.Valid {
			return nil
		}
		f, err := x.Float64Value()
		if err != nil || !f.Valid {
			return nil
		}
		return f.Float64
	case map[string]any, []any:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// assign stores v in dest following database/sql's rules (sql.Null's Scan
// applies them), NULL being an error for a non-nullable destination.
func assign(dest, v any) error {
	switch d := dest.(type) {
	case *any:
		*d = v
		return nil
	case *store.Cell:
		return d.Set(v)
	case sql.Scanner:
		return d.Scan(v)
	case *string:
		return scanInto(d, v)
	case *int64:
		return scanInto(d, v)
	case *int:
		return scanInto(d, v)
	case *int32:
		return scanInto(d, v)
	case *float64:
		return scanInto(d, v)
	case *bool:
		return scanInto(d, v)
	case *[]byte:
		if v == nil {
			*d = nil
			return nil
		}
		return scanInto(d, v)
	case *time.Time:
		return scanInto(d, v)
	case **string:
		return scanPtr(d, v)
	case **int64:
		return scanPtr(d, v)
	case **float64:
		return scanPtr(d, v)
	}
	return fmt.Errorf("unsupported scan destination %T", dest)
}

func scanInto[T any](d *T, v any) error {
	if v == nil {
		return fmt.Errorf("converting NULL to %T is unsupported", *d)
	}
	var n sql.Null[T]
	if err := n.Scan(v); err != nil {
		return err
	}
	*d = n.V
	return nil
}

func scanPtr[T any](d **T, v any) error {
	if v == nil {
		*d = nil
		return nil
	}
	var n sql.Null[T]
	if err := n.Scan(v); err != nil {
		return err
	}
	*d = &n.V
	return nil
}

// msgUnavailable is the public message of a lost database.
const msgUnavailable = "database unavailable"

// mapErr marks errors that mean the database cannot be reached (refused
// or lost connection, server shutting down or starting, pool closed) as
// rowhouse.EUNAVAILABLE, which the API answers with 503; other errors are
// returned as they are.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if isUnavailable(err) {
		var re *rowhouse.Error
		if errors.As(err, &re) && re.Kind == rowhouse.EUNAVAILABLE {
			return err
		}
		return &rowhouse.Error{Kind: rowhouse.EUNAVAILABLE, Message: msgUnavailable, Err: err}
	}
	return err
}

// isUnavailable reports whether err is a connection failure rather than
// an error of the statement.
func isUnavailable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case len(pgErr.Code) == 5 && pgErr.Code[:2] == "08": // connection exception
			return true
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // shutdown, crash, cannot connect now
			return true
		case pgErr.Code == "53300": // too many connections
			return true
		}
		return false
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	var opErr *net.OpError
	switch {
	case errors.As(err, &connErr), errors.As(err, &opErr), errors.As(err, &netErr):
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return true
	}
	return pgconn.SafeToRetry(err)
}
