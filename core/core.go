// Package core is the document core: it opens documents, keeps their data
// model (tables and typed columns kept as metadata inside each document and
// mapped to real SQL tables), applies actions and answers queries. Every
// write is a list of actions applied in one transaction that also appends
// the resulting change events to the document's outbox; nothing is notified
// any other way. Every surface (REST, GraphQL, web) goes through this
// package; none of them writes SQL. The core never checks who may do what:
// callers check access (package home) before they open a document.
package core

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/rowhouse/rowhouse/internal/chunk"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/store"
)

// Limits bound what one request may ask of the core.
type Limits struct {
	// MaxBatch is the most records one write may add, change or remove.
	MaxBatch int
	// MaxPage is the largest page a read may ask for with a limit.
	MaxPage int
}

// Default limits.
const (
	DefaultMaxBatch = 10_000
	DefaultMaxPage  = 10_000
)

// Docs opens documents and caches each document's schema, keyed by the
// schema version stored in the document so that a change made by another
// process is seen on the next request.
type Docs struct {
	engine store.Engine
	now    func() time.Time
	limits Limits
	// Statements, if set, is told how many SQL statements each operation
	// ran (for the rowhouse_doc_sql_statements_total metric).
	statements func(surface string, n int)
	// onCommit, if set, is told about every committed change.
	onCommit func(docID string)
	advisor  *advisor

	// exclusive is the engine when it says this process alone writes its
	// documents (store.Exclusive): then what the core remembers of a
	// document's schema can be trusted without reading its version, as
	// long as the document's schema generation (a sequence lock over the
	// schema changes committed in this process, odd while one commits)
	// has not moved. The engine keeps the counters, so that every Docs
	// over it sees every change.
	exclusive store.Exclusive

	mu      sync.Mutex
	schemas map[string]cachedSchema // by doc id; bounded by evicting all when too many

	// cells holds the chunks of cells pages are read into, reused from
	// one read to the next.
	cells chunk.Pool[Cell]
}

// cachedSchema is a document's schema as last read, and whether (and at
// which gen) it is known to be the current one.
type cachedSchema struct {
	s     *schema.Schema
	gen   uint64
	known bool
}

// noGen is the gen of a read that cannot tell (see schemaIn).
const noGen = math.MaxUint64

// Options configure Docs.
type Options struct {
	Now        func() time.Time
	Limits     Limits
	Statements func(surface string, n int)
	// OnCommit, if set, is called after every write that committed a
	// change (and so appended events to the document's outbox). It must
	// not block: it is how the webhook dispatcher and the change feed are
	// woken without polling.
	OnCommit func(docID string)
	// IndexAdvice configures automatic indexing (see IndexAdvice).
	IndexAdvice IndexAdvice
	// Log receives the core's background events (nil: discarded).
	Log *slog.Logger
}

// maxCachedSchemas bounds the schema cache.
const maxCachedSchemas = 4096

// NewDocs returns the document core over an engine.
func NewDocs(engine store.Engine, opts Options) *Docs {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Limits.MaxBatch <= 0 {
		opts.Limits.MaxBatch = DefaultMaxBatch
	}
	if opts.Limits.MaxPage <= 0 {
		opts.Limits.MaxPage = DefaultMaxPage
	}
	x, _ := engine.(store.Exclusive)
	return &Docs{engine: engine, now: opts.Now, limits: opts.Limits, statements: opts.Statements, onCommit: opts.OnCommit,
		advisor: newAdvisor(opts.IndexAdvice, opts.Log), exclusive: x, schemas: map[string]cachedSchema{},
		cells: chunk.Pool[Cell]{Size: cellsPerChunk}}
}

// gen returns a document's schema generation (exclusive engines), or nil.
func (d *Docs) gen(docID string) *store.SchemaGen {
	if d.exclusive == nil {
		return nil
	}
	return d.exclusive.SchemaGen(docID)
}

// genNow reads a document's gen before a transaction begins, for
// schemaIn; noGen when the engine is not exclusive.
func (doc *Doc) genNow() uint64 {
	if g := doc.docs.gen(doc.id); g != nil {
		return g.Load()
	}
	return noGen
}

// knownSchema returns the document's schema when this process knows it is
// current without reading the database, and the gen to check again once
// the read has its snapshot (see Query).
func (doc *Doc) knownSchema() (*schema.Schema, uint64, bool) {
	g := doc.docs.gen(doc.id)
	if g == nil {
		return nil, 0, false
	}
	now := g.Load()
	doc.docs.mu.Lock()
	c := doc.docs.schemas[doc.id]
	doc.docs.mu.Unlock()
	if !c.known || c.gen != now || now%2 == 1 {
		return nil, 0, false
	}
	return c.s, now, true
}

// Wait waits for the core's background work (automatic index builds) to
// finish. Call it before closing the engine.
func (d *Docs) Wait() { d.advisor.wait() }

// Limits returns the limits in force.
func (d *Docs) Limits() Limits { return d.limits }

// Doc is one open document. It is cheap to open; Close it when done.
type Doc struct {
	docs *Docs
	db   store.Doc
	id   string
}

// Open opens a document. The caller must have checked access.
func (d *Docs) Open(ctx context.Context, docID string) (*Doc, error) {
	db, err := d.engine.OpenDoc(ctx, docID)
	if err != nil {
		return nil, err
	}
	return &Doc{docs: d, db: db, id: docID}, nil
}

// ID returns the document's id.
func (doc *Doc) ID() string { return doc.id }

// Close releases the document.
func (doc *Doc) Close() error { return doc.db.Close() }

// Schema returns the document's current data model.
func (doc *Doc) Schema(ctx context.Context) (*schema.Schema, error) {
	if s, _, ok := doc.knownSchema(); ok {
		return s, nil
	}
	// The version and the metadata in one snapshot: read apart, a change
	// committing in between would pair one version with another's tables.
	g0 := doc.genNow()
	tx, err := doc.db.BeginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("doc %s: %w", doc.id, err)
	}
	defer tx.Rollback()
	return doc.schemaIn(ctx, tx, g0)
}

// schemaIn returns the schema as q sees it: from the cache when the stored
// version matches, else loaded from the metadata tables.
//
// g0 is the document's gen read before q's transaction began (noGen if
// unknown), the version read being its first statement. If the gen has
// not moved since, no schema change committed around the snapshot, so the
// schema read is current until the gen moves: knownSchema may then answer
// without a read (and without a transaction).
func (doc *Doc) schemaIn(ctx context.Context, q store.Querier, g0 uint64) (*schema.Schema, error) {
	version, err := schemaVersion(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("doc %s: %w", doc.id, err)
	}
	return doc.schemaAt(ctx, q, g0, version)
}

// schemaAt is schemaIn once the version is read, by q's first statement.
func (doc *Doc) schemaAt(ctx context.Context, q store.Querier, g0 uint64, version int64) (*schema.Schema, error) {
	doc.docs.mu.Lock()
	s := doc.docs.schemas[doc.id].s
	doc.docs.mu.Unlock()
	if s == nil || s.Version != version {
		if f, ok := doc.db.(store.PlanForgetter); ok {
			f.ForgetPlans() // the tables may have changed under plans prepared before
		}
		var err error
		if s, err = loadSchema(ctx, q, version); err != nil {
			return nil, fmt.Errorf("doc %s: load schema: %w", doc.id, err)
		}
	}
	known := false
	if g := doc.docs.gen(doc.id); g != nil && g0 != noGen && g0%2 == 0 && g.Load() == g0 {
		known = true
	}
	doc.docs.mu.Lock()
	if len(doc.docs.schemas) >= maxCachedSchemas {
		clear(doc.docs.schemas)
	}
	if cur := doc.docs.schemas[doc.id]; cur.s == nil || cur.s.Version < s.Version || (cur.s.Version == s.Version && known) {
		doc.docs.schemas[doc.id] = cachedSchema{s: s, gen: g0, known: known}
	}
	doc.docs.mu.Unlock()
	return s, nil
}

// remember caches a schema this process just committed, for the reads
// that check the version in their statement (queryVersioned), which would
// otherwise find the version before the change cached and go the long way
// once. An exclusive engine's reads learn it their own way (schemaIn).
func (doc *Doc) remember(s *schema.Schema) {
	if doc.docs.gen(doc.id) != nil {
		return
	}
	doc.docs.mu.Lock()
	if len(doc.docs.schemas) >= maxCachedSchemas {
		clear(doc.docs.schemas)
	}
	if cur := doc.docs.schemas[doc.id]; cur.s == nil || cur.s.Version < s.Version {
		doc.docs.schemas[doc.id] = cachedSchema{s: s, gen: noGen}
	}
	doc.docs.mu.Unlock()
}

// commitSchema commits a transaction that changed the schema inside the
// document's generation bracket (see store.SchemaGen), for readers of
// knownSchema. The bracket closes as soon as the commit returns: another
// schema change may commit right after, and must open its own.
func (doc *Doc) commitSchema(tx store.Tx) error {
	if g := doc.docs.gen(doc.id); g != nil {
		g.Begin()
		defer g.End()
	}
	return tx.Commit()
}

// Forget drops a document's cached schema (after it was deleted, or
// when a client asks for the document to be reloaded).
func (d *Docs) Forget(docID string) {
	d.mu.Lock()
	delete(d.schemas, docID)
	d.mu.Unlock()
}

// Table returns one table of the document's current data model, or
// Grist's 404 `Table not found "X"`.
func (doc *Doc) Table(ctx context.Context, id string) (*schema.Table, error) {
	s, err := doc.Schema(ctx)
	if err != nil {
		return nil, err
	}
	return table(s, id)
}
