package core

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rowhouse/rowhouse/query"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/store"
)

// Grist's API has no way to declare an index, and its clients never ask for
// one, yet a filtered, sorted page of a large table is a full scan and a
// sort without one. The core therefore indexes what it is asked for: each
// read notes its shape (the columns its filter compares for equality, then
// its sort columns), and once a shape has been read often enough on a table
// big enough to matter, an index on those columns is built in the
// background. Advised indexes are recorded in _rh_indexes and all dropped
// before any change to a document's schema (SQLite cannot drop or convert
// an indexed column); the reads that keep coming bring them back.

// IndexAdvice configures automatic indexing. The zero value uses the
// defaults below; Disabled turns it off.
type IndexAdvice struct {
	Disabled bool
	// Scans is what building an index costs, in scans of its table: once
	// the reads of one shape (on one table and schema version) have
	// scanned that many times the table's rows, the index is built.
	Scans int
	// Reads is how many lookups by one join key (a Ref column, which a
	// read of the other table looks up once per row, or an upsert's
	// matching columns) make its index worth building, at any table size.
	Reads int
	// MinRows is the fewest rows a table must have to be indexed.
	MinRows int
	// MaxPerTable bounds the advised indexes of a table, which every
	// write to it must maintain.
	MaxPerTable int
}

// Defaults of IndexAdvice.
const (
	DefaultIndexScans       = 2
	DefaultIndexReads       = 32
	DefaultIndexMinRows     = 2_000
	DefaultIndexMaxPerTable = 4
	// maxIndexColumns bounds the columns of an advised index.
	maxIndexColumns = 4
	// maxAdvisorShapes bounds the shapes the advisor counts at once; past
	// it, counting starts over.
	maxAdvisorShapes = 4096
	// tableSizeTTL is how long a table's row count is taken as known.
	tableSizeTTL = 30 * time.Second
	// maxIndexWait bounds how long a read waits for the index of its
	// shape being built before it scans anyway.
	maxIndexWait = 30 * time.Second
)

// advisor counts read shapes and starts index builds.
type advisor struct {
	cfg IndexAdvice
	log *slog.Logger

	mu       sync.Mutex
	counts   map[string]int           // lookups of join keys, by shape key
	scanned  map[string]int64         // rows scanned by reads, by shape key
	sizes    map[string]tableSize     // by table key (docID, version, table)
	settled  map[string]bool          // built, being built, or not worth it
	building map[string]chan struct{} // closed when the shape's build ends
	wg       sync.WaitGroup           // builds in progress
}

// tableSize is a table's row count as last read.
type tableSize struct {
	rows int64
	at   time.Time
}

func newAdvisor(cfg IndexAdvice, log *slog.Logger) *advisor {
	if cfg.Scans <= 0 {
		cfg.Scans = DefaultIndexScans
	}
	if cfg.Reads <= 0 {
		cfg.Reads = DefaultIndexReads
	}
	if cfg.MinRows < 0 {
		cfg.MinRows = 0
	} else if cfg.MinRows == 0 {
		cfg.MinRows = DefaultIndexMinRows
	}
	if cfg.MaxPerTable <= 0 {
		cfg.MaxPerTable = DefaultIndexMaxPerTable
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &advisor{cfg: cfg, log: log, counts: map[string]int{}, scanned: map[string]int64{},
		sizes: map[string]tableSize{}, settled: map[string]bool{}, building: map[string]chan struct{}{}}
}

// indexShape is the columns an index for sel should have, in order: the
// stored columns its filter compares for equality at the top level (sorted,
// so that equivalent filters share an index), then its sort columns, each
// in its direction ("-n" for n descending): SQLite adds the row id to an
// index, ascending, so an index in the sort's own directions gives the
// core's order (ties by id ascending, as Grist orders them) outright,
// without sorting the ties. It is nil when no index would help.
func indexShape(t *schema.Table, sel Select) []string {
	var eq []string
	add := func(list []string, col string, desc bool) []string {
		c := t.Column(col)
		if col == "id" || c == nil || !c.Stored() || !indexable(c.Type.Kind) {
			return list
		}
		for _, have := range list {
			if strings.TrimPrefix(have, "-") == col {
				return list
			}
		}
		if desc {
			col = "-" + col
		}
		return append(list, col)
	}
	var conds []query.Expr
	switch f := sel.Filter.(type) {
	case query.Cond:
		conds = []query.Expr{f}
	case query.And:
		conds = f.Exprs
	}
	for _, e := range conds {
		if c, ok := e.(query.Cond); ok && len(c.Path) == 1 && (c.Op == query.OpEq || c.Op == query.OpIn) {
			eq = add(eq, c.Path[0], false)
		}
	}
	slices.Sort(eq)
	cols := eq
	for _, k := range sel.Sort {
		if len(k.Path) != 1 {
			break // a sort through a reference cannot use this table's index
		}
		n := len(cols)
		cols = add(cols, k.Path[0], k.Desc)
		if len(cols) == n {
			break // the index order stops helping after an unusable key
		}
	}
	if len(cols) > maxIndexColumns {
		cols = cols[:maxIndexColumns]
	}
	return cols
}

// indexable reports whether an index on a column of kind k can serve the
// core's comparisons (lists are compared as JSON, not by their text).
func indexable(k schema.Kind) bool {
	switch k {
	case schema.KindChoiceList, schema.KindRefList, schema.KindAttachments, schema.KindAny:
		return false
	}
	return true
}

// advisedIndexName names the index on table's cols: a digest, so that the
// name fits every engine's identifier limit whatever the ids' lengths.
func advisedIndexName(tableID string, cols []string) string {
	h := sha256.Sum256([]byte(tableID + "\x00" + strings.Join(cols, "\x00")))
	return store.AdvisedIndexPrefix + hex.EncodeToString(h[:8])
}

// note counts a read of table t in a document at schema s, returning
// cols, and starts the index builds its shapes have earned: the filter and
// sort's (indexShape), by cost, and, for each reverse column read, the
// forward Ref column it looks up once per row, by count. It returns a
// channel closed when the index of the read's shape, being built, is
// there (nil if none is being built): a read that can wait should, rather
// than scan the table beside the build.
//
// Join keys are indexed whatever the table's size, as databases index
// foreign keys: a lookup by a Ref column runs once per row of another
// read, so a scan of even a small table adds up.
func (a *advisor) note(ctx context.Context, d *Docs, db store.DB, docID string, s *schema.Schema, t *schema.Table, sel Select, cols []*schema.Column) <-chan struct{} {
	if a.cfg.Disabled {
		return nil
	}
	var wait <-chan struct{}
	if shape := indexShape(t, sel); len(shape) > 0 {
		if t.Column(strings.TrimPrefix(shape[0], "-")).Type.Kind == schema.KindRef {
			a.noteShape(d, docID, s.Version, t.ID, shape, true)
		} else {
			wait = a.noteScan(ctx, d, db, docID, s.Version, t.ID, shape)
		}
	}
	for _, c := range cols {
		if !c.Reverse {
			continue
		}
		if fwd := s.Table(c.Type.Table); fwd != nil && fwd.Column(c.ReverseCol) != nil {
			a.noteShape(d, docID, s.Version, fwd.ID, []string{c.ReverseCol}, true)
		}
	}
	return wait
}

// shapeKey and tableKey name a shape and a table of a document at a
// schema version in the advisor's maps.
func shapeKey(docID string, version int64, tableID string, cols []string) string {
	return tableKey(docID, version, tableID) + "\x00" + strings.Join(cols, "\x00")
}

func tableKey(docID string, version int64, tableID string) string {
	return docID + "\x00" + strconv.FormatInt(version, 10) + "\x00" + tableID
}

// noteScan counts one read of table by a shape an index on cols would
// serve: without it the read scans the table. Once the rows so scanned
// reach Scans times the table's rows (a table of at least MinRows), the
// index is built. The table's size is read through q, the document's
// database, when it is not known (once per tableSizeTTL): so that the
// first reads of a new shape, arriving together, already count its cost,
// and all but the first Scans of them wait for the index instead of
// scanning.
func (a *advisor) noteScan(ctx context.Context, d *Docs, q store.DB, docID string, version int64, tableID string, cols []string) <-chan struct{} {
	key, tk := shapeKey(docID, version, tableID, cols), tableKey(docID, version, tableID)
	a.mu.Lock()
	if ch, ok := a.building[key]; ok {
		a.mu.Unlock()
		return ch
	}
	if a.settled[key] {
		a.mu.Unlock()
		return nil
	}
	size, known := a.sizes[tk]
	a.mu.Unlock()
	if !known || time.Since(size.at) > tableSizeTTL {
		rows, err := tableRows(ctx, q, tableID)
		if err != nil {
			a.log.Warn("automatic index: table size not read", "doc", docID, "table", tableID, "err", err)
			return nil
		}
		size = tableSize{rows: rows, at: time.Now()}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if ch, ok := a.building[key]; ok { // started meanwhile
		return ch
	}
	if a.settled[key] {
		return nil
	}
	if len(a.scanned) >= maxAdvisorShapes || len(a.sizes) >= maxAdvisorShapes {
		clear(a.scanned)
		clear(a.sizes)
	}
	a.sizes[tk] = size
	if size.rows < int64(a.cfg.MinRows) {
		return nil
	}
	a.scanned[key] += max(size.rows, 1)
	if a.scanned[key] < int64(a.cfg.Scans)*max(size.rows, 1) {
		return nil
	}
	delete(a.scanned, key)
	return a.startLocked(d, docID, version, tableID, cols, key, 0)
}

// tableRows reads a table's row count, as its largest row id, which its
// primary key answers at once (rows removed make it an overestimate,
// which only brings an index sooner).
func tableRows(ctx context.Context, q store.DB, tableID string) (int64, error) {
	var n *int64
	if err := q.QueryRow(ctx, `SELECT MAX("id") FROM `+q.Dialect().QuoteIdent(tableID)).Scan(&n); err != nil {
		return 0, err
	}
	if n == nil {
		return 0, nil
	}
	return *n, nil
}

// noteLookups counts n lookups of table by equality on cols (an upsert
// batch matching its records), which are indexed at any table size, as
// join keys are: each record would otherwise cost a scan.
func (a *advisor) noteLookups(d *Docs, docID string, version int64, tableID string, cols []string, n int) {
	if !a.cfg.Disabled {
		a.noteShapeN(d, docID, version, tableID, cols, true, n)
	}
}

// noteShape counts one read needing an index on table's cols, and starts
// its build once the shape has been read often enough. anySize skips the
// table size check.
func (a *advisor) noteShape(d *Docs, docID string, version int64, tableID string, cols []string, anySize bool) {
	a.noteShapeN(d, docID, version, tableID, cols, anySize, 1)
}

// noteShapeN is noteShape for n reads at once.
func (a *advisor) noteShapeN(d *Docs, docID string, version int64, tableID string, cols []string, anySize bool, n int) {
	key := shapeKey(docID, version, tableID, cols)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.settled[key] {
		return
	}
	if len(a.counts) >= maxAdvisorShapes {
		clear(a.counts)
	}
	a.counts[key] += n
	if a.counts[key] < a.cfg.Reads {
		return
	}
	delete(a.counts, key)
	minRows := a.cfg.MinRows
	if anySize {
		minRows = 0
	}
	a.startLocked(d, docID, version, tableID, cols, key, minRows)
}

// startLocked settles a shape and builds its index in the background;
// the channel it returns is closed when the build ends. a.mu is held.
func (a *advisor) startLocked(d *Docs, docID string, version int64, tableID string, cols []string, key string, minRows int) <-chan struct{} {
	if len(a.settled) >= maxAdvisorShapes {
		clear(a.settled) // a settled shape asked again finds its index recorded
	}
	a.settled[key] = true
	done := make(chan struct{})
	a.building[key] = done
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		err := a.build(context.Background(), d, docID, version, tableID, cols, minRows)
		a.mu.Lock()
		delete(a.building, key)
		a.mu.Unlock()
		close(done)
		if err != nil {
			a.log.Warn("automatic index not built", "doc", docID, "table", tableID, "columns", cols, "err", err)
		}
	}()
	return done
}

// waitForIndex waits for the index being built for a read's shape (see
// note), at most maxIndexWait and while ctx lasts.
func waitForIndex(ctx context.Context, ch <-chan struct{}) {
	if ch == nil {
		return
	}
	t := time.NewTimer(maxIndexWait)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	case <-ctx.Done():
	}
}

// build makes the index on table's cols in doc, unless the schema changed
// since the reads that asked for it, the table has fewer than minRows rows,
// or it has its share of advised indexes already.
func (a *advisor) build(ctx context.Context, d *Docs, docID string, version int64, tableID string, cols []string, minRows int) error {
	doc, err := d.Open(ctx, docID)
	if err != nil {
		return err
	}
	defer doc.Close()
	tx, err := doc.db.BeginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	v, err := schemaVersion(ctx, tx)
	if err != nil {
		return err
	}
	if v != version {
		return nil // the schema moved on; new reads will ask again
	}
	dl := doc.db.Dialect()
	if minRows > 0 {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM `+dl.QuoteIdent(tableID)+` LIMIT 1 OFFSET `+strconv.Itoa(minRows-1)).Scan(&one)
		if err == store.ErrNoRows {
			return nil // small: a scan is cheap
		}
		if err != nil {
			return fmt.Errorf("count rows: %w", err)
		}
	}
	name := advisedIndexName(tableID, cols)
	var have, mine int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN name = ? THEN 1 ELSE 0 END), 0) FROM _rh_indexes WHERE table_id = ?`, name, tableID).Scan(&have, &mine); err != nil {
		return fmt.Errorf("list indexes: %w", err)
	}
	if mine > 0 || have >= a.cfg.MaxPerTable {
		return nil
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		name, desc := strings.CutPrefix(c, "-")
		quoted[i] = dl.QuoteIdent(name)
		switch ic, ok := dl.(indexColumner); {
		case ok:
			quoted[i] = ic.IndexColumn(quoted[i], desc)
		case desc:
			quoted[i] += " DESC"
		}
	}
	if _, err := tx.Exec(ctx, `CREATE INDEX `+dl.QuoteIdent(name)+` ON `+dl.QuoteIdent(tableID)+` (`+strings.Join(quoted, ", ")+`)`); err != nil {
		return fmt.Errorf("create index: %w", err)
	}
	colsJSON, err := json.Marshal(cols)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO _rh_indexes (name, table_id, columns) VALUES (?, ?, ?)`, name, tableID, string(colsJSON)); err != nil {
		return fmt.Errorf("record index: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	a.log.Info("automatic index built", "doc", docID, "table", tableID, "columns", cols, "index", name)
	return nil
}

// indexColumner is a dialect whose index columns need more than their
// name and direction to be read in the core's orders (PostgreSQL: where
// the NULLs go).
type indexColumner interface {
	IndexColumn(quoted string, desc bool) string
}

// wait waits for the index builds in progress.
func (a *advisor) wait() { a.wg.Wait() }

// changesSchema reports whether an action may change or drop a stored
// column or table, which advised indexes must not be in the way of.
func changesSchema(a Action) bool {
	switch a.(type) {
	case RenameTable, RemoveTable, ModifyColumn, RenameColumn, RemoveColumn:
		return true
	}
	return false
}

// dropAdvisedIndexes drops every advised index of the document, once per
// transaction.
func (w *writer) dropAdvisedIndexes(ctx context.Context) error {
	if w.indexesDropped {
		return nil
	}
	w.indexesDropped = true
	rows, err := w.q.Query(ctx, `SELECT name FROM _rh_indexes`)
	if err != nil {
		return fmt.Errorf("list indexes: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		names = append(names, n)
	}
	err = rows.Err()
	rows.Close()
	if err != nil || len(names) == 0 {
		return err
	}
	for _, n := range names {
		if _, err := w.q.Exec(ctx, `DROP INDEX IF EXISTS `+w.d.QuoteIdent(n)); err != nil {
			return fmt.Errorf("drop index %s: %w", n, err)
		}
	}
	_, err = w.q.Exec(ctx, `DELETE FROM _rh_indexes`)
	return err
}

// AdvisedIndexes lists the automatic indexes of a document as table id ->
// the column lists indexed, for tests and diagnostics.
func (doc *Doc) AdvisedIndexes(ctx context.Context) (map[string][][]string, error) {
	rows, err := doc.db.Query(ctx, `SELECT table_id, columns FROM _rh_indexes ORDER BY table_id, name`)
	if err != nil {
		return nil, fmt.Errorf("list indexes: %w", err)
	}
	defer rows.Close()
	out := map[string][][]string{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, err
		}
		var cols []string
		if err := json.Unmarshal([]byte(c), &cols); err != nil {
			return nil, fmt.Errorf("index columns of %s: %w", t, err)
		}
		out[t] = append(out[t], cols)
	}
	return out, rows.Err()
}
