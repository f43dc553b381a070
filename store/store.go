// Package store defines what Rowhouse needs from a database engine, and the
// parts of storage that are the same on every engine: the home database's
// queries (home.go) and the migration runner (migrate.go).
//
// An engine (store/sqlite, store/postgres) implements Engine and DB. SQL in
// this module is written once, with '?' placeholders and identifiers quoted
// by the engine's Dialect; an engine rebinds placeholders if it needs to.
// Values are always bound parameters. Package store must never import the
// API packages or the document core.
package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/rowhouse/rowhouse/schema"
)

// ErrNoRows is returned by Row.Scan when a query matched nothing, whatever
// the engine.
var ErrNoRows = errors.New("store: no rows")

// Querier runs SQL. Queries use '?' placeholders on every engine.
type Querier interface {
	// Exec runs a statement and returns the number of rows it affected.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	// Query runs a query; the caller must Close the rows.
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// QueryRow runs a query expected to return at most one row.
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Rows is a result set being read.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Columns() ([]string, error)
	Err() error
	Close() error
}

// Row is the first row of a result; Scan returns ErrNoRows if there is none.
type Row interface {
	Scan(dest ...any) error
}

// FirstRow is the Row of a query's rows, or of the error that prevented
// the query, for an engine's QueryRow. Scan reads the first row and then
// the rest: an error of the statement that comes after its first row (a
// constraint violated by a later row of INSERT ... RETURNING) is Scan's.
func FirstRow(rows Rows, err error) Row { return firstRow{rows, err} }

type firstRow struct {
	r   Rows
	err error
}

func (r firstRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.r.Close()
	if !r.r.Next() {
		if err := r.r.Err(); err != nil {
			return err
		}
		return ErrNoRows
	}
	if err := r.r.Scan(dest...); err != nil {
		return err
	}
	return r.r.Close()
}

// Tx is a transaction. Rollback after Commit is a no-op, so callers can
// always defer Rollback.
type Tx interface {
	Querier
	Commit() error
	Rollback() error
}

// DB is one database: the home database, or one document's. Its Querier
// methods read outside any write transaction (on SQLite, from a reader pool
// that a writer never blocks).
type DB interface {
	Querier
	// Dialect describes the SQL this database speaks.
	Dialect() Dialect
	// BeginWrite starts the database's single write transaction, waiting
	// for the previous one to finish (SQLite: BEGIN IMMEDIATE on the one
	// writer connection).
	BeginWrite(ctx context.Context) (Tx, error)
	// BeginRead starts a read-only transaction that sees one consistent
	// snapshot.
	BeginRead(ctx context.Context) (Tx, error)
}

// Doc is an open document database. Close releases it; the engine may keep
// the underlying connections open for the next user.
type Doc interface {
	DB
	// ID is the document's id.
	ID() string
	Close() error
}

// PlanForgetter is implemented by a Doc that keeps its statements
// prepared from one use to the next (PostgreSQL). The core calls
// ForgetPlans when it finds the document's schema at a version it did not
// know: another process may have changed the tables, and a plan prepared
// before might no longer fit its statement.
type PlanForgetter interface {
	ForgetPlans()
}

// Deferrer is implemented by a Tx that can hold back a statement whose
// outcome the caller does not read, and send it later with other work
// (PostgreSQL: with the transaction's COMMIT, in the same round trip). A
// deferred statement runs before any later statement of the transaction,
// in the order deferred. Its error comes back from the call that sent it,
// the next Exec, Query or Commit, and the transaction is then not
// committed. Rollback drops the statements not yet sent.
type Deferrer interface {
	Defer(query string, args ...any)
}

// Engine is a storage engine: the home database plus one database per
// document.
type Engine interface {
	// Name is the engine's name, e.g. "sqlite" or "postgres".
	Name() string
	// Home is the home database (users, orgs, workspaces, docs, access, keys).
	Home() *Home
	// CreateDoc creates the empty database of a new document.
	CreateDoc(ctx context.Context, docID string) error
	// OpenDoc opens an existing document's database; ENOTFOUND if it has none.
	OpenDoc(ctx context.Context, docID string) (Doc, error)
	// DeleteDoc removes a document's database and everything in it.
	DeleteDoc(ctx context.Context, docID string) error
	// CopyDoc creates document dst as a consistent copy of document src.
	CopyDoc(ctx context.Context, src, dst string) error
	// Ping checks that storage is reachable (for /readyz).
	Ping(ctx context.Context) error
	// Close releases every resource of the engine.
	Close() error
}

// Indexes the core builds for the reads it sees (core/indexes.go) are named
// with AdvisedIndexPrefix and recorded in the document table
// AdvisedIndexTable. A copy to another engine leaves both out: they are
// built in one engine's own terms (directions, NULLs placement), and the
// target's core builds its own for the reads it sees.
const (
	AdvisedIndexPrefix = "_rh_x_"
	AdvisedIndexTable  = "_rh_indexes"
)

// Exclusive is implemented by engines that can tell whether this process
// alone writes their documents (an SQLite data folder this process has
// locked). The core then trusts what it remembers of a document's schema
// between the schema changes it makes itself, and reads without reading
// the schema's version first.
type Exclusive interface {
	// SchemaGen returns a document's schema generation, shared by every
	// user of the engine in this process; nil when the engine is not
	// exclusive.
	SchemaGen(docID string) *SchemaGen
}

// SchemaGen is a sequence lock over the schema changes committed to one
// document: odd while one commits, moved by two each time. Begin and End
// bracket a commit; brackets never overlap, so a reader that saw the same
// even value before and after a read knows no schema change committed in
// between.
type SchemaGen struct {
	mu sync.Mutex // held from Begin to End
	n  atomic.Uint64
}

// Load returns the current value.
func (g *SchemaGen) Load() uint64 { return g.n.Load() }

// Begin opens the bracket around a schema change's commit, waiting for
// another one to close first.
func (g *SchemaGen) Begin() {
	g.mu.Lock()
	g.n.Add(1)
}

// End closes the bracket, once the commit returned (whatever its outcome).
func (g *SchemaGen) End() {
	g.n.Add(1)
	g.mu.Unlock()
}

// Dialect holds the differences between engines' SQL. Nothing outside a
// Dialect may depend on which engine is in use.
type Dialect interface {
	// Name is "sqlite" or "postgres".
	Name() string
	// QuoteIdent quotes an identifier that has already been validated.
	QuoteIdent(name string) string
	// IsUniqueViolation reports whether err is a unique-constraint failure.
	IsUniqueViolation(err error) bool
	// ColumnType is the SQL type that stores cells of this storage class.
	ColumnType(s schema.Storage) string
	// IDColumn is the definition of a user table's "id" column: an integer
	// primary key whose values are never reused.
	IDColumn() string
	// Like returns a condition matching expr against one bound pattern
	// (written with '%' and '_' wildcards and '\' as escape, as made by
	// LikePattern), case-sensitively or not.
	Like(expr string, caseInsensitive bool) string
	// LikePattern converts a LIKE pattern ('%', '_', '\' escape) into the
	// argument that Like's condition expects.
	LikePattern(pattern string, caseInsensitive bool) string
	// JSONArrayContainsAny returns a condition true when the JSON array in
	// expr holds any of the values in the JSON array bound to its one
	// placeholder.
	JSONArrayContainsAny(expr string) string
	// JSONGroupArray is a scalar subquery aggregating expr over the rows
	// of fromWhere ("FROM ... WHERE ...") into JSON array text, ordered by
	// orderBy (for the reverse side of a two-way reference).
	JSONGroupArray(expr, fromWhere, orderBy string) string
}

// MaxParams bounds the bound parameters of one statement on every engine
// (SQLite allows 32,766, PostgreSQL 65,535).
const MaxParams = 30_000

// RowsPerInsert is how many rows of width values each one multi-row INSERT
// may carry within MaxParams (at least one).
func RowsPerInsert(width int) int { return max(1, MaxParams/max(1, width)) }
