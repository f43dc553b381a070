// Package postgres is Rowhouse's PostgreSQL storage engine, through pgx and
// one pgxpool shared by every schema: the home tables live in the schema
// "rowhouse" and each document in its own schema "doc_<docId>", with the
// same tables, outbox and DDL as on SQLite. Several Rowhouse processes may
// share one database: writes to a document are serialized by an advisory
// lock held for the write transaction, so they behave as SQLite's single
// writer does.
//
// No foreign key or query crosses document schemas, so each document
// schema can live on its own Citus worker (schema-based sharding).
//
// Statements run in pgx's QueryExecModeExec (one round trip, no prepared
// statement cache of pgx's, which keys statements by their text alone and
// documents share texts), but a document's data statements are prepared
// once per connection by a cache of the engine's own, keyed by schema and
// moved on when the tables change (stmts.go).
//
// It must never put a caller's value into SQL text (values are bound
// parameters and identifiers quoted; only what the engine makes itself, a
// timeout in milliseconds or a password verifier, goes into the text of
// statements that take no parameters), never run a document's statement with another
// schema on the search_path, and never run a caller's SQL (the SQL
// endpoint) with the engine's own privileges.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	neturl "net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
)

//go:embed migrations/*.sql docmigrations/*.sql
var migrations embed.FS

// codeDuplicateSchema is the SQLSTATE of CREATE SCHEMA for a schema that
// exists.
const codeDuplicateSchema = "42P06"

// DefaultMaxConns is the default size of the documents' connection pool.
const DefaultMaxConns = 10

// DefaultConnectTimeout bounds how long connecting to the server may take
// when the URL does not say (connect_timeout).
const DefaultConnectTimeout = 5 * time.Second

// Options tunes the engine.
type Options struct {
	// Schema is the schema of the home tables; default "rowhouse".
	Schema string
	// DocPrefix prefixes a document's id to name its schema (and its
	// reader role); default "doc_". Tests use their own prefixes so that
	// they can share one database.
	DocPrefix string
	// MaxConns is the size of the documents' connection pool (the home
	// schema's has half as many); default the URL's pool_max_conns, else
	// DefaultMaxConns.
	MaxConns int32
	// StatementCache is how many prepared statements each connection of
	// the documents' pool keeps (see stmts.go): 0 is the URL's
	// rowhouse_statement_cache, else DefaultStatementCache; negative
	// prepares none, which a connection pooler that does not keep
	// prepared statements across transactions needs.
	StatementCache int
}

// Engine is the PostgreSQL engine. It is safe for concurrent use.
type Engine struct {
	pool     *pgxpool.Pool // documents' connections
	homePool *pgxpool.Pool // the home schema's connections
	opts     Options
	home     *db
	hs       *store.Home

	secret []byte // derives the reader roles' passwords (see confined.go)

	stmtCapacity int // prepared statements per connection; 0: none

	mu       sync.Mutex
	migrated map[string]bool           // documents found and migrated by this process
	gates    map[string]chan struct{}  // per schema: this process's writers, one at a time
	gens     map[string]*atomic.Uint64 // per schema: the generation of its prepared statements (kept after a drop, so never reused)
}

// gate returns the channel that admits this process's writers of schema
// one at a time (see BeginWrite).
func (e *Engine) gate(schema string) chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	g, ok := e.gates[schema]
	if !ok {
		g = make(chan struct{}, 1)
		e.gates[schema] = g
	}
	return g
}

var _ store.Engine = (*Engine)(nil)

// Open connects to the database at url (postgres://user:pass@host/db),
// creates the home schema if needed and migrates it. An unreachable server
// is an EUNAVAILABLE error after at most the connect timeout.
func Open(ctx context.Context, url string, opts Options) (*Engine, error) {
	url, err := takeURLOptions(url, &opts)
	if err != nil {
		return nil, err
	}
	if opts.Schema == "" {
		opts.Schema = "rowhouse"
	}
	if opts.DocPrefix == "" {
		opts.DocPrefix = "doc_"
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, rowhouse.Invalidf("postgres: bad database URL: %v", redact(err))
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	switch {
	case opts.MaxConns > 0:
		cfg.MaxConns = opts.MaxConns
	case !strings.Contains(url, "pool_max_conns"):
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.MaxConns < 2 {
		cfg.MaxConns = 2 // migrations hold a lock on one connection and work on another
	}
	// Two pools: one whose connections stay on the home schema, one for
	// documents, so that a request reading both never switches a
	// connection's search_path back and forth.
	homeCfg := cfg.Copy()
	homeCfg.MaxConns = max(2, cfg.MaxConns/2)
	if homeCfg.ConnConfig.RuntimeParams == nil {
		homeCfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	homeCfg.ConnConfig.RuntimeParams["search_path"] = quoteIdent(opts.Schema)
	homeCfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		c.PgConn().CustomData()[searchPathKey] = opts.Schema
		return nil
	}
	homePool, err := pgxpool.NewWithConfig(ctx, homeCfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", mapErr(err))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		homePool.Close()
		return nil, fmt.Errorf("postgres: %w", mapErr(err))
	}
	e := &Engine{pool: pool, homePool: homePool, opts: opts, migrated: map[string]bool{}, gates: map[string]chan struct{}{}, gens: map[string]*atomic.Uint64{}}
	switch {
	case opts.StatementCache > 0:
		e.stmtCapacity = opts.StatementCache
	case opts.StatementCache == 0:
		e.stmtCapacity = DefaultStatementCache
	}
	e.home = &db{e: e, pool: homePool, schema: opts.Schema}
	e.hs = store.NewHome(e.home)
	pctx, cancel := context.WithTimeout(ctx, cfg.ConnConfig.ConnectTimeout+time.Second)
	defer cancel()
	if err := homePool.Ping(pctx); err != nil {
		e.Close()
		return nil, &rowhouse.Error{Kind: rowhouse.EUNAVAILABLE,
			Message: fmt.Sprintf("postgres: cannot reach %s:%d: %v", cfg.ConnConfig.Host, cfg.ConnConfig.Port, redact(err)), Err: err}
	}
	if err := e.migrate(ctx, e.home, "migrations"); err != nil {
		e.Close()
		return nil, fmt.Errorf("postgres: migrate home: %w", err)
	}
	if err := e.loadSecret(ctx); err != nil {
		e.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return e, nil
}

// URL query parameters that set Options (and are not sent to the server):
// several Rowhouse installations, or tests, can share one database.
const (
	paramSchema         = "rowhouse_schema"          // Options.Schema
	paramDocPrefix      = "rowhouse_doc_prefix"      // Options.DocPrefix
	paramStatementCache = "rowhouse_statement_cache" // Options.StatementCache: a count, 0 for none
)

// takeURLOptions moves the rowhouse_* query parameters of a URL into opts
// (where opts does not set them already) and returns the URL without them.
func takeURLOptions(raw string, opts *Options) (string, error) {
	if !strings.Contains(raw, "rowhouse_") {
		return raw, nil
	}
	u, err := neturl.Parse(raw)
	if err != nil {
		return "", rowhouse.Invalidf("postgres: bad database URL")
	}
	q := u.Query()
	for param, dst := range map[string]*string{paramSchema: &opts.Schema, paramDocPrefix: &opts.DocPrefix} {
		if v := q.Get(param); v != "" && *dst == "" {
			if !validName(v) {
				return "", rowhouse.Invalidf("postgres: %s must be letters, digits and '_', at most 30", param)
			}
			*dst = v
		}
		q.Del(param)
	}
	if v := q.Get(paramStatementCache); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return "", rowhouse.Invalidf("postgres: %s must be a count of statements, 0 for none", paramStatementCache)
		}
		if opts.StatementCache == 0 {
			opts.StatementCache = n
			if n == 0 {
				opts.StatementCache = -1
			}
		}
	}
	q.Del(paramStatementCache)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// validName accepts the schema names and prefixes that options may set.
func validName(s string) bool {
	if s == "" || len(s) > 30 {
		return false
	}
	for _, c := range s {
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// redact keeps a password that pgx may quote out of an error message.
func redact(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "password="); i >= 0 {
		j := strings.IndexAny(msg[i:], " )")
		if j < 0 {
			j = len(msg) - i
		}
		msg = msg[:i] + "password=xxxxx" + msg[i+j:]
	}
	return msg
}

// migrate creates d's schema if needed and applies the migrations in dir,
// holding a session advisory lock on the schema meanwhile so that processes
// starting together do not migrate it twice.
func (e *Engine) migrate(ctx context.Context, d *db, dir string) error {
	c, err := d.pool.Acquire(ctx)
	if err != nil {
		return mapErr(err)
	}
	defer c.Release()
	lock := store.RebindDollar(`SELECT pg_advisory_lock(hashtextextended(?, 1))`)
	if _, err := c.Exec(ctx, lock, d.schema); err != nil {
		return mapErr(err)
	}
	defer c.Exec(context.Background(), store.RebindDollar(`SELECT pg_advisory_unlock(hashtextextended(?, 1))`), d.schema)
	if _, err := c.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+quoteIdent(d.schema)); err != nil {
		return mapErr(err)
	}
	return store.Migrate(ctx, d, migrations, dir)
}

// Name returns "postgres".
func (e *Engine) Name() string { return "postgres" }

// Home returns the home store.
func (e *Engine) Home() *store.Home { return e.hs }

// HomeDB returns the database of the home schema (for tools such as
// rowhouse migrate, which copy tables as they are).
func (e *Engine) HomeDB() store.DB { return e.home }

// Pool returns the documents' connection pool (for tools and tests).
func (e *Engine) Pool() *pgxpool.Pool { return e.pool }

// HomeSchema returns the schema of the home tables.
func (e *Engine) HomeSchema() string { return e.opts.Schema }

// DocSchema returns the schema of a document.
func (e *Engine) DocSchema(docID string) string { return e.opts.DocPrefix + docID }

// readerRole is the role the SQL endpoint of a document runs as.
func (e *Engine) readerRole(docID string) string { return e.opts.DocPrefix + docID + "_reader" }

func (e *Engine) checkID(docID string) error {
	if !rowhouse.ValidDocID(docID) {
		return rowhouse.NotFoundf("document not found")
	}
	return nil
}

// schemaExists reports whether the schema named exists.
func (e *Engine) schemaExists(ctx context.Context, name string) (bool, error) {
	var n int64
	err := e.home.QueryRow(ctx, `SELECT COUNT(*) FROM pg_namespace WHERE nspname = ?`, name).Scan(&n)
	return n > 0, err
}

// CreateDoc creates the schema of a new document, its system tables and
// its reader role.
func (e *Engine) CreateDoc(ctx context.Context, docID string) error {
	if err := e.checkID(docID); err != nil {
		return err
	}
	name := e.DocSchema(docID)
	if _, err := e.home.Exec(ctx, `CREATE SCHEMA `+quoteIdent(name)); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == codeDuplicateSchema {
			return rowhouse.Errorf(rowhouse.ECONFLICT, "document %s already exists", docID)
		}
		return fmt.Errorf("postgres: create doc %s: %w", docID, err)
	}
	d := &db{e: e, pool: e.pool, schema: name}
	if err := e.setUpDoc(ctx, docID, d); err != nil {
		_ = e.DeleteDoc(context.WithoutCancel(ctx), docID)
		return fmt.Errorf("postgres: create doc %s: %w", docID, err)
	}
	return nil
}

// setUpDoc migrates a document's schema and (re)creates its reader role
// (see confined.go): LOGIN, USAGE on the schema and SELECT on its user
// tables, present and future, but not on its system tables ("_rh_"
// prefix).
func (e *Engine) setUpDoc(ctx context.Context, docID string, d *db) error {
	if err := e.migrate(ctx, d, "docmigrations"); err != nil {
		return err
	}
	role := quoteIdent(e.readerRole(docID))
	schemaName := quoteIdent(d.schema)
	tx, err := d.BeginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int64
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM pg_roles WHERE rolname = ?`, e.readerRole(docID)).Scan(&n); err != nil {
		return err
	}
	stmts, err := e.readerRoleDDL(e.readerRole(docID), n > 0)
	if err != nil {
		return err
	}
	stmts = append(stmts,
		`GRANT USAGE ON SCHEMA `+schemaName+` TO `+role,
		`ALTER DEFAULT PRIVILEGES IN SCHEMA `+schemaName+` GRANT SELECT ON TABLES TO `+role,
		`GRANT SELECT ON ALL TABLES IN SCHEMA `+schemaName+` TO `+role,
	)
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			return fmt.Errorf("reader role: %w", err)
		}
	}
	sys, err := store.QueryStrings(ctx, tx, `SELECT tablename FROM pg_tables WHERE schemaname = ? AND tablename LIKE '\_rh\_%'`, d.schema)
	if err != nil {
		return err
	}
	for _, t := range sys {
		if _, err := tx.Exec(ctx, `REVOKE ALL ON `+quoteIdent(t)+` FROM `+role); err != nil {
			return fmt.Errorf("reader role: %w", err)
		}
	}
	return tx.Commit()
}

// OpenDoc returns a handle on a document's schema; ENOTFOUND if it has
// none. The first open in a process applies the document's pending
// migrations.
func (e *Engine) OpenDoc(ctx context.Context, docID string) (store.Doc, error) {
	if err := e.checkID(docID); err != nil {
		return nil, err
	}
	name := e.DocSchema(docID)
	d := &db{e: e, pool: e.pool, schema: name, gen: e.stmtGen(name)}
	e.mu.Lock()
	known := e.migrated[docID]
	e.mu.Unlock()
	if !known {
		exists, err := e.schemaExists(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("postgres: open doc %s: %w", docID, err)
		}
		if !exists {
			return nil, rowhouse.NotFoundf("document not found")
		}
		if err := e.setUpDoc(ctx, docID, d); err != nil {
			return nil, fmt.Errorf("postgres: migrate doc %s: %w", docID, err)
		}
		e.mu.Lock()
		e.migrated[docID] = true
		e.mu.Unlock()
	}
	return &docHandle{db: d, e: e, id: docID, role: e.readerRole(docID)}, nil
}

// DeleteDoc drops a document's schema with everything in it, and its
// reader role.
func (e *Engine) DeleteDoc(ctx context.Context, docID string) error {
	if err := e.checkID(docID); err != nil {
		return err
	}
	defer e.stmtGen(e.DocSchema(docID)).Add(1) // a document made again under this id has other tables
	e.mu.Lock()
	delete(e.migrated, docID)
	delete(e.gates, e.DocSchema(docID))
	e.mu.Unlock()
	tx, err := e.home.begin(ctx, pgx.TxOptions{})
	if err != nil {
		return fmt.Errorf("postgres: delete doc %s: %w", docID, err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(ctx, `DROP SCHEMA IF EXISTS `+quoteIdent(e.DocSchema(docID))+` CASCADE`); err != nil {
		return fmt.Errorf("postgres: delete doc %s: %w", docID, err)
	}
	var n int64
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM pg_roles WHERE rolname = ?`, e.readerRole(docID)).Scan(&n); err != nil {
		return fmt.Errorf("postgres: delete doc %s: %w", docID, err)
	}
	if n > 0 {
		role := quoteIdent(e.readerRole(docID))
		// The schema's drop took the role's privileges and default
		// privileges with it.
		if _, err := tx.Exec(ctx, `DROP ROLE `+role); err != nil {
			return fmt.Errorf("postgres: delete doc %s: %w", docID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("postgres: delete doc %s: %w", docID, err)
	}
	return nil
}

// CopyDoc creates document dst as a copy of src, read from one snapshot
// (REPEATABLE READ): each table is created LIKE its source (columns,
// defaults, identity, constraints), filled with INSERT ... SELECT, given
// the source's indexes under their own names and its identity sequences'
// positions.
func (e *Engine) CopyDoc(ctx context.Context, src, dst string) error {
	if err := e.checkID(src); err != nil {
		return err
	}
	if err := e.checkID(dst); err != nil {
		return err
	}
	srcSchema, dstSchema := e.DocSchema(src), e.DocSchema(dst)
	if ok, err := e.schemaExists(ctx, srcSchema); err != nil {
		return fmt.Errorf("postgres: copy doc %s: %w", src, err)
	} else if !ok {
		return rowhouse.NotFoundf("document not found")
	}
	if ok, err := e.schemaExists(ctx, dstSchema); err != nil {
		return fmt.Errorf("postgres: copy doc %s: %w", src, err)
	} else if ok {
		return rowhouse.Errorf(rowhouse.ECONFLICT, "document %s already exists", dst)
	}
	if err := e.copySchema(ctx, srcSchema, dstSchema); err != nil {
		return fmt.Errorf("postgres: copy doc %s: %w", src, err)
	}
	if err := e.setUpDoc(ctx, dst, &db{e: e, pool: e.pool, schema: dstSchema}); err != nil {
		_ = e.DeleteDoc(context.WithoutCancel(ctx), dst)
		return fmt.Errorf("postgres: copy doc %s: %w", src, err)
	}
	return nil
}

// copySchema copies every table of schema src into the new schema dst in
// one transaction.
func (e *Engine) copySchema(ctx context.Context, src, dst string) error {
	d := &db{e: e, pool: e.pool, schema: src}
	t, err := d.begin(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return err
	}
	defer t.Rollback()
	qs, qd := quoteIdent(src), quoteIdent(dst)
	if _, err := t.Exec(ctx, `CREATE SCHEMA `+qd); err != nil {
		return err
	}
	tables, err := store.QueryStrings(ctx, t, `SELECT tablename FROM pg_tables WHERE schemaname = ? ORDER BY tablename`, src)
	if err != nil {
		return err
	}
	type index struct{ table, def string }
	var indexes []index
	for _, name := range tables {
		// With src first on the search_path, pg_get_indexdef names the
		// table without its schema, so the definition can run in dst.
		rows, err := t.Query(ctx, `SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
			WHERE c.relnamespace = CAST(? AS regnamespace) AND c.relname = ? AND NOT i.indisprimary ORDER BY i.indexrelid`, qs, name)
		if err != nil {
			return err
		}
		for rows.Next() {
			var def string
			if err := rows.Scan(&def); err != nil {
				rows.Close()
				return err
			}
			indexes = append(indexes, index{name, def})
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	for _, name := range tables {
		qt := quoteIdent(name)
		stmts := []string{
			`CREATE TABLE ` + qd + `.` + qt + ` (LIKE ` + qs + `.` + qt + ` INCLUDING ALL EXCLUDING INDEXES)`,
		}
		var pk []string
		pkRows, err := store.QueryStrings(ctx, t, `SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
			JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
			WHERE c.relnamespace = CAST(? AS regnamespace) AND c.relname = ? AND i.indisprimary
			ORDER BY array_position(i.indkey, a.attnum)`, qs, name)
		if err != nil {
			return err
		}
		for _, col := range pkRows {
			pk = append(pk, quoteIdent(col))
		}
		if len(pk) > 0 {
			stmts = append(stmts, `ALTER TABLE `+qd+`.`+qt+` ADD PRIMARY KEY (`+strings.Join(pk, ", ")+`)`)
		}
		stmts = append(stmts, `INSERT INTO `+qd+`.`+qt+` OVERRIDING SYSTEM VALUE SELECT * FROM `+qs+`.`+qt)
		for _, s := range stmts {
			if _, err := t.Exec(ctx, s); err != nil {
				return fmt.Errorf("copy table %s: %w", name, err)
			}
		}
		// Identity columns: the copy's sequence starts where the source's is.
		idCols, err := store.QueryStrings(ctx, t, `SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
			WHERE c.relnamespace = CAST(? AS regnamespace) AND c.relname = ? AND a.attidentity <> '' AND NOT a.attisdropped`, qs, name)
		if err != nil {
			return err
		}
		for _, col := range idCols {
			_, err := t.Exec(ctx, `SELECT setval(pg_get_serial_sequence(?, ?), v) FROM (SELECT pg_sequence_last_value(pg_get_serial_sequence(?, ?)::regclass) AS v) AS s WHERE v IS NOT NULL`,
				qd+`.`+qt, col, qs+`.`+qt, col)
			if err != nil {
				return fmt.Errorf("copy table %s: sequence: %w", name, err)
			}
		}
	}
	if _, err := t.Exec(ctx, `SET LOCAL search_path TO `+qd); err != nil {
		return err
	}
	for _, ix := range indexes {
		if _, err := t.Exec(ctx, ix.def); err != nil {
			return fmt.Errorf("copy index of %s: %w", ix.table, err)
		}
	}
	return t.Commit()
}

// Ping checks that the database answers.
func (e *Engine) Ping(ctx context.Context) error {
	if err := e.homePool.Ping(ctx); err != nil {
		return mapErr(err)
	}
	return nil
}

// Close closes the pools.
func (e *Engine) Close() error {
	e.pool.Close()
	e.homePool.Close()
	return nil
}

// docHandle is an open document: its schema. Closing it releases nothing,
// since connections belong to the engine's pool.
type docHandle struct {
	*db
	e    *Engine
	id   string
	role string // the reader role of the SQL endpoint
}

func (h *docHandle) ID() string   { return h.id }
func (h *docHandle) Close() error { return nil }
