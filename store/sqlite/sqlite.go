// Package sqlite is Rowhouse's embedded storage engine: a data folder with
// home.db (users, orgs, workspaces, docs, access, keys) and docs/<docId>.db,
// one SQLite database per document, through github.com/ncruces/go-sqlite3
// (SQLite translated to Go, so that the binary needs no cgo) used directly:
// each goroutine holds one connection opened without SQLite's mutex and
// reads cells in place, with no database/sql in between.
package sqlite

import (
	"container/list"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
)

//go:embed migrations/*.sql docmigrations/*.sql
var migrations embed.FS

// Options tunes the engine.
type Options struct {
	// SyncFull sets synchronous=FULL instead of NORMAL: with WAL, NORMAL
	// never corrupts the database and survives a process crash, but a power
	// loss may undo the last commits; FULL survives that too, more slowly.
	SyncFull bool
	// MaxOpenDocs bounds how many document databases are kept open at once
	// (least recently used are closed first). Default 256.
	MaxOpenDocs int
	// Exclusive locks the data folder for the engine's life (a lock file),
	// refusing a folder another process has so locked (ErrFolderInUse).
	// The engine then tells the core that it alone writes the documents
	// (store.Exclusive), which spares reads a round trip. Where the file
	// system cannot lock, the engine opens without it (Engine.Exclusive
	// says so). The server opens its folder so; tools that read a live
	// folder (backup) must not.
	Exclusive bool
}

// ErrFolderInUse is the cause (errors.Is) of Open's error when another
// process holds the data folder's lock.
var ErrFolderInUse = errors.New("data folder in use")

// lockName is the lock file's name in the data folder.
const lockName = "rowhouse.lock"

// Engine is the SQLite engine. It is safe for concurrent use.
type Engine struct {
	dir  string
	opts Options
	home *db
	hs   *store.Home
	lock *os.File // the data folder's lock (Options.Exclusive), or nil

	mu   sync.Mutex
	docs map[string]*docEntry
	gens map[string]*store.SchemaGen // see SchemaGen
	lru  *list.List                  // of *docEntry, most recently used at the front
}

type docEntry struct {
	id      string
	db      *db
	refs    int
	elem    *list.Element
	deleted bool // removed while in use: close when the last user releases it
}

var (
	_ store.Engine    = (*Engine)(nil)
	_ store.Exclusive = (*Engine)(nil)
)

// Open opens (creating if needed) the data folder dir and migrates its home
// database.
func Open(ctx context.Context, dir string, opts Options) (*Engine, error) {
	if opts.MaxOpenDocs <= 0 {
		opts.MaxOpenDocs = 256
	}
	if err := os.MkdirAll(filepath.Join(dir, "docs"), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: create data folder: %w", err)
	}
	var lock *os.File
	if opts.Exclusive {
		var err error
		if lock, err = lockFolder(dir); err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
	}
	home, err := openDB(ctx, filepath.Join(dir, "home.db"), opts.SyncFull, true)
	if err == nil {
		if err = store.Migrate(ctx, home, migrations, "migrations"); err != nil {
			home.Close()
			err = fmt.Errorf("migrate home: %w", err)
		}
	}
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return &Engine{dir: dir, opts: opts, home: home, hs: store.NewHome(home), lock: lock,
		docs: map[string]*docEntry{}, gens: map[string]*store.SchemaGen{}, lru: list.New()}, nil
}

// Exclusive reports whether the engine holds its data folder's lock: then
// this process alone writes the documents.
func (e *Engine) Exclusive() bool { return e.lock != nil }

// SchemaGen returns a document's schema generation when the engine is
// exclusive (see store.Exclusive), else nil. Counters are never dropped: a
// reader holding one must see every later change, and one is a few bytes
// per document.
func (e *Engine) SchemaGen(docID string) *store.SchemaGen {
	if e.lock == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.gens[docID]
	if g == nil {
		g = new(store.SchemaGen)
		e.gens[docID] = g
	}
	return g
}

// Name returns "sqlite".
func (e *Engine) Name() string { return "sqlite" }

// Dir returns the data folder.
func (e *Engine) Dir() string { return e.dir }

// Home returns the home store.
func (e *Engine) Home() *store.Home { return e.hs }

// DocPath returns the file of a document's database.
func (e *Engine) DocPath(docID string) string {
	return filepath.Join(e.dir, "docs", docID+".db")
}

func (e *Engine) checkID(docID string) error {
	if !rowhouse.ValidDocID(docID) {
		return rowhouse.NotFoundf("document not found")
	}
	return nil
}

// CreateDoc creates the database file of a new document.
func (e *Engine) CreateDoc(ctx context.Context, docID string) error {
	if err := e.checkID(docID); err != nil {
		return err
	}
	path := e.DocPath(docID)
	if _, err := os.Stat(path); err == nil {
		return rowhouse.Errorf(rowhouse.ECONFLICT, "document %s already exists", docID)
	}
	d, err := openDB(ctx, path, e.opts.SyncFull, true)
	if err != nil {
		return fmt.Errorf("sqlite: create doc %s: %w", docID, err)
	}
	if err := store.Migrate(ctx, d, migrations, "docmigrations"); err != nil {
		d.Close()
		os.Remove(path)
		return fmt.Errorf("sqlite: create doc %s: %w", docID, err)
	}
	return d.Close()
}

// OpenDoc returns a handle on a document's database, opening it if it is
// not among the recently used ones.
func (e *Engine) OpenDoc(ctx context.Context, docID string) (store.Doc, error) {
	if err := e.checkID(docID); err != nil {
		return nil, err
	}
	e.mu.Lock()
	if ent, ok := e.docs[docID]; ok {
		ent.refs++
		e.lru.MoveToFront(ent.elem)
		e.mu.Unlock()
		return &docHandle{db: ent.db, id: docID, e: e, ent: ent}, nil
	}
	e.mu.Unlock()

	path := e.DocPath(docID)
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, rowhouse.NotFoundf("document not found")
		}
		return nil, fmt.Errorf("sqlite: open doc %s: %w", docID, err)
	}
	d, err := openDB(ctx, path, e.opts.SyncFull, false)
	if err != nil {
		if _, serr := os.Stat(path); errors.Is(serr, fs.ErrNotExist) { // deleted meanwhile
			return nil, rowhouse.NotFoundf("document not found")
		}
		return nil, fmt.Errorf("sqlite: open doc %s: %w", docID, err)
	}
	// Bring documents made by older versions up to date, once per open.
	if err := store.Migrate(ctx, d, migrations, "docmigrations"); err != nil {
		d.Close()
		return nil, fmt.Errorf("sqlite: migrate doc %s: %w", docID, err)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if ent, ok := e.docs[docID]; ok { // opened by someone else meanwhile
		d.Close()
		ent.refs++
		e.lru.MoveToFront(ent.elem)
		return &docHandle{db: ent.db, id: docID, e: e, ent: ent}, nil
	}
	ent := &docEntry{id: docID, db: d, refs: 1}
	ent.elem = e.lru.PushFront(ent)
	e.docs[docID] = ent
	e.evictLocked()
	return &docHandle{db: d, id: docID, e: e, ent: ent}, nil
}

// evictLocked closes least recently used documents nobody is using until
// at most MaxOpenDocs are open.
func (e *Engine) evictLocked() {
	for el := e.lru.Back(); el != nil && len(e.docs) > e.opts.MaxOpenDocs; {
		prev := el.Prev()
		ent := el.Value.(*docEntry)
		if ent.refs == 0 {
			e.lru.Remove(el)
			delete(e.docs, ent.id)
			ent.db.Close()
		}
		el = prev
	}
}

func (e *Engine) release(ent *docEntry) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ent.refs--
	if ent.refs == 0 && ent.deleted {
		ent.db.Close()
		return
	}
	e.evictLocked()
}

// DeleteDoc removes a document's database files.
func (e *Engine) DeleteDoc(ctx context.Context, docID string) error {
	if err := e.checkID(docID); err != nil {
		return err
	}
	e.mu.Lock()
	if ent, ok := e.docs[docID]; ok {
		e.lru.Remove(ent.elem)
		delete(e.docs, docID)
		if ent.refs == 0 {
			ent.db.Close()
		} else {
			ent.deleted = true
		}
	}
	e.mu.Unlock()
	path := e.DocPath(docID)
	var errs []error
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: delete doc %s: %w", docID, err)
	}
	return nil
}

// CopyDoc writes a consistent snapshot of src as the new document dst.
func (e *Engine) CopyDoc(ctx context.Context, src, dst string) error {
	if err := e.checkID(dst); err != nil {
		return err
	}
	if _, err := os.Stat(e.DocPath(dst)); err == nil {
		return rowhouse.Errorf(rowhouse.ECONFLICT, "document %s already exists", dst)
	}
	if err := e.SnapshotDoc(ctx, src, e.DocPath(dst)); err != nil {
		return fmt.Errorf("sqlite: copy doc %s: %w", src, err)
	}
	return nil
}

// SnapshotDoc writes a consistent copy of a document's database to path
// (which must not exist), while writers go on.
func (e *Engine) SnapshotDoc(ctx context.Context, docID, path string) error {
	d, err := e.OpenDoc(ctx, docID)
	if err != nil {
		return err
	}
	defer d.Close()
	// VACUUM INTO reads one snapshot and writes a compact copy; it cannot
	// run on a query_only connection, so it runs on the writer, where it
	// holds no write lock.
	if _, err := d.(*docHandle).db.Exec(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("snapshot %s: %w", docID, err)
	}
	return nil
}

// Ping checks that the home database answers.
func (e *Engine) Ping(ctx context.Context) error { return e.hs.Ping(ctx) }

// Close closes every open database.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var errs []error
	for id, ent := range e.docs {
		errs = append(errs, ent.db.Close())
		delete(e.docs, id)
	}
	e.lru.Init()
	errs = append(errs, e.home.Close())
	if e.lock != nil {
		errs = append(errs, e.lock.Close())
		e.lock = nil
	}
	return errors.Join(errs...)
}

// docHandle is one user's reference to an open document database.
type docHandle struct {
	*db
	id   string
	e    *Engine
	ent  *docEntry
	once sync.Once
}

func (h *docHandle) ID() string { return h.id }

// Close releases the handle; the database stays open for the next user
// until the LRU evicts it.
func (h *docHandle) Close() error {
	h.once.Do(func() { h.e.release(h.ent) })
	return nil
}
