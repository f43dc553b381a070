package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/store"
)

// Record is a record in the REST shape, with JSON cell values.
type Record struct {
	ID     int64          `json:"id"`
	Fields map[string]any `json:"fields"`
}

// Event kinds.
const (
	EventAdd    = "add"
	EventUpdate = "update"
	EventRemove = "remove"
	EventSchema = "schema"
)

// Event is one change committed to a document, read from its outbox.
type Event struct {
	Seq       int64     `json:"seq"`
	ActionNum int64     `json:"actionNum"`
	At        time.Time `json:"at"`
	ActorID   int64     `json:"actorId"`
	Table     string    `json:"table"`
	Kind      string    `json:"action"`
	RowIDs    []int64   `json:"rowIds"`
	// Columns: for updates, the columns that were written; for schema
	// events, the action's name and its subject.
	Columns []string `json:"columns,omitempty"`
	// Rows are the records after the change (as they were, for removals).
	Rows []Record `json:"rows"`
	// Before are the records before an update.
	Before []Record `json:"before,omitempty"`

	// rowsJSON and beforeJSON, when set, are Rows and Before as the
	// outbox keeps them (JSON arrays), written by the writer in place of
	// the records.
	rowsJSON, beforeJSON []byte
}

// Applied is the outcome of Apply.
type Applied struct {
	ActionNum      int64
	RetValues      []any // one per action
	IsModification bool
	// Response is the rendered answer stored with an idempotency key; on a
	// replay it is the stored answer and Replayed is true.
	Response []byte
	Replayed bool
}

// Idempotency makes a write happen once per (user, key): the rendered
// answer is stored in the same transaction as the write, and a repeat with
// the same key gets it back. The same key with another fingerprint (a
// different request) is an error.
type Idempotency struct {
	UserID      int64
	Key         string
	Fingerprint string
	// Render produces the answer to store, from the outcome of the actions.
	Render func(Applied) ([]byte, error)
}

// ErrIdempotencyKeyReused is the cause (errors.Is) of the error Apply
// returns for an idempotency key already used with another fingerprint.
var ErrIdempotencyKeyReused = errors.New("idempotency key reused for a different request")

// idempotencyTTL is how long a key is remembered.
const idempotencyTTL = 24 * time.Hour

// ApplyOptions tune one Apply.
type ApplyOptions struct {
	Idempotency *Idempotency
	// Surface names the API that asked ("rest", "graphql"), for metrics.
	Surface string
	// Before, if set, runs in the write transaction before the actions,
	// and Then after them (before the idempotency answer is rendered,
	// with res.RetValues and res.ActionNum set): they read with rd exactly
	// what the transaction sees, so an answer read there is what was
	// written. An error from either rolls everything back. Neither runs
	// when an idempotency key is replayed.
	Before func(ctx context.Context, rd Reader) error
	Then   func(ctx context.Context, rd Reader, res Applied) error
}

// Reader reads records in one transaction and its schema: a Snapshot, or
// the write transaction of an Apply as ApplyOptions' hooks see it.
type Reader interface {
	// Schema is the document's data model as the transaction sees it.
	Schema() *schema.Schema
	// Query reads records as Doc.Query does, inside the transaction.
	// Close the result before the transaction ends.
	Query(ctx context.Context, sel Select) (*Rows, error)
}

// writeReader is the Reader of a write transaction: its schema is the
// writer's, which follows the schema changes the actions made.
type writeReader struct{ w *writer }

func (r writeReader) Schema() *schema.Schema { return r.w.s }

func (r writeReader) Query(ctx context.Context, sel Select) (*Rows, error) {
	return r.w.doc.queryIn(ctx, r.w.q, r.w.s, sel)
}

// writer is the state of one Apply: its transaction and what it did so far.
type writer struct {
	doc    *Doc
	q      *countingQuerier
	d      store.Dialect
	s      *schema.Schema
	now    time.Time
	nowMS  int64
	actor  rowhouse.Actor
	limits Limits
	events []Event
	// modified is set by any action that changed something.
	modified bool
	// newSchema is set by any action that changed the data model.
	newSchema bool
	// indexesDropped is set once the advised indexes are out of the way
	// of a schema change.
	indexesDropped bool
}

// Apply applies actions in one transaction, with their change events, and
// returns one result per action. On any error nothing is applied.
func (doc *Doc) Apply(ctx context.Context, actor rowhouse.Actor, actions []Action, opts ApplyOptions) (Applied, error) {
	g0 := doc.genNow()
	tx, err := doc.db.BeginWrite(ctx)
	if err != nil {
		return Applied{}, fmt.Errorf("doc %s: %w", doc.id, err)
	}
	defer tx.Rollback()
	q := &countingQuerier{q: tx}
	defer func() { doc.docs.count(opts.Surface, q.n) }()

	if opts.Idempotency != nil {
		if res, ok, err := lookupIdempotency(ctx, q, doc.docs.now(), opts.Idempotency); err != nil || ok {
			return res, err
		}
	}
	cs, err := writeCounters(ctx, q)
	if err != nil {
		return Applied{}, fmt.Errorf("doc %s: %w", doc.id, err)
	}
	s, err := doc.schemaAt(ctx, q, g0, cs.schema)
	if err != nil {
		return Applied{}, err
	}
	now := doc.docs.now()
	w := &writer{doc: doc, q: q, d: doc.db.Dialect(), s: s, now: now, nowMS: now.UnixMilli(), actor: actor, limits: doc.docs.limits}
	res := Applied{RetValues: make([]any, 0, len(actions))}
	if opts.Before != nil {
		if err := opts.Before(ctx, writeReader{w}); err != nil {
			return Applied{}, err
		}
	}
	for i, a := range actions {
		ret, err := w.apply(ctx, a)
		if err != nil {
			if len(actions) > 1 {
				return Applied{}, annotate(err, fmt.Sprintf("action %d (%s)", i, a.Name()))
			}
			return Applied{}, err
		}
		res.RetValues = append(res.RetValues, ret)
	}
	res.IsModification = w.modified
	if w.modified {
		if res.ActionNum, err = nextActionNum(ctx, q, cs); err != nil {
			return Applied{}, fmt.Errorf("doc %s: %w", doc.id, err)
		}
		if err := w.writeEvents(ctx, res.ActionNum); err != nil {
			return Applied{}, fmt.Errorf("doc %s: write events: %w", doc.id, err)
		}
	}
	if opts.Then != nil {
		if err := opts.Then(ctx, writeReader{w}, res); err != nil {
			return Applied{}, err
		}
	}
	if opts.Idempotency != nil {
		if res.Response, err = opts.Idempotency.Render(res); err != nil {
			return Applied{}, err
		}
		if err := storeIdempotency(ctx, q, now, opts.Idempotency, res.Response); err != nil {
			return Applied{}, fmt.Errorf("doc %s: store idempotency key: %w", doc.id, err)
		}
	}
	commit := tx.Commit
	if w.newSchema {
		commit = func() error { return doc.commitSchema(tx) }
	}
	if err := commit(); err != nil {
		return Applied{}, fmt.Errorf("doc %s: commit: %w", doc.id, err)
	}
	if w.newSchema {
		doc.remember(w.s)
	}
	if w.modified && doc.docs.onCommit != nil {
		doc.docs.onCommit(doc.id)
	}
	return res, nil
}

// annotate prefixes a user error's message with where it happened.
func annotate(err error, where string) error {
	var e *rowhouse.Error
	if errors.As(err, &e) && e.Kind != rowhouse.EINTERNAL {
		c := *e
		c.Message = where + ": " + e.Message
		return &c
	}
	return err
}

func (w *writer) apply(ctx context.Context, a Action) (any, error) {
	if changesSchema(a) {
		if err := w.dropAdvisedIndexes(ctx); err != nil {
			return nil, err
		}
	}
	switch a := a.(type) {
	case AddRecords:
		return w.addRecords(ctx, a.Table, a.Rows, !a.NoParse)
	case UpdateRecords:
		return nil, w.updateRecords(ctx, a.Table, a.Rows, !a.NoParse)
	case RemoveRecords:
		return nil, w.removeRecords(ctx, a.Table, a.IDs)
	case UpdateRecordsWhere:
		return w.updateWhere(ctx, a)
	case RemoveRecordsWhere:
		return w.removeWhere(ctx, a)
	case ReplaceTableData:
		return w.replaceTableData(ctx, a)
	case AddOrUpdateRecords:
		return w.upsert(ctx, a)
	case AddTable:
		return w.addTable(ctx, a)
	case RenameTable:
		return nil, w.renameTable(ctx, a)
	case UpdateTable:
		return nil, w.updateTable(ctx, a)
	case RemoveTable:
		return nil, w.removeTable(ctx, a)
	case AddColumn:
		return w.addColumn(ctx, a)
	case ModifyColumn:
		return nil, w.modifyColumn(ctx, a)
	case RenameColumn:
		newID := a.NewID
		return nil, w.modifyColumn(ctx, ModifyColumn{Table: a.Table, Column: a.Column, Update: ColumnUpdate{ID: &newID}})
	case RemoveColumn:
		return nil, w.removeColumn(ctx, a)
	}
	return nil, rowhouse.Invalidf("unsupported action %s", a.Name())
}

// writeEvents appends the transaction's events to the outbox.
func (w *writer) writeEvents(ctx context.Context, actionNum int64) error {
	var buf []byte // one buffer for every event's records, grown once
	for _, e := range w.events {
		ids, err := json.Marshal(nonNil(e.RowIDs))
		if err != nil {
			return err
		}
		cols, err := json.Marshal(nonNilS(e.Columns))
		if err != nil {
			return err
		}
		rows, before := string(e.rowsJSON), string(e.beforeJSON)
		if e.rowsJSON == nil {
			if buf, err = appendRecordsJSON(buf[:0], e.Rows); err != nil {
				return err
			}
			rows = string(buf)
			if buf, err = appendRecordsJSON(buf[:0], e.Before); err != nil {
				return err
			}
			before = string(buf)
		}
		if err := w.q.execDeferred(ctx, `INSERT INTO _rh_outbox (at, actor_id, action_num, table_id, kind, row_ids, columns, rows, before) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			w.nowMS, w.actor.User.ID, actionNum, e.Table, e.Kind, string(ids), string(cols), rows, before); err != nil {
			return err
		}
	}
	return nil
}

func nonNil(s []int64) []int64 {
	if s == nil {
		return []int64{}
	}
	return s
}

func nonNilS(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// schemaChanged records a schema change: the version goes up and the
// working schema is reloaded, so later actions see the change.
func (w *writer) schemaChanged(ctx context.Context, tableID string, what ...string) error {
	if err := bumpSchemaVersion(ctx, w.q, w.s.Version); err != nil {
		return err
	}
	s, err := loadSchema(ctx, w.q, w.s.Version+1)
	if err != nil {
		return err
	}
	w.s = s
	w.modified = true
	w.newSchema = true
	w.events = append(w.events, Event{Table: tableID, Kind: EventSchema, Columns: what})
	return nil
}

// ---- idempotency

func lookupIdempotency(ctx context.Context, q store.Querier, now time.Time, idem *Idempotency) (Applied, bool, error) {
	var fp, resp string
	var created int64
	err := q.QueryRow(ctx, `SELECT fingerprint, response, created_at FROM _rh_idempotency WHERE user_id = ? AND key = ?`, idem.UserID, idem.Key).Scan(&fp, &resp, &created)
	if errors.Is(err, store.ErrNoRows) {
		return Applied{}, false, nil
	}
	if err != nil {
		return Applied{}, false, fmt.Errorf("idempotency lookup: %w", err)
	}
	if now.Sub(time.UnixMilli(created)) > idempotencyTTL {
		return Applied{}, false, nil // expired: storeIdempotency replaces it
	}
	if fp != idem.Fingerprint {
		return Applied{}, false, &rowhouse.Error{Kind: rowhouse.EUNPROCESSABLE, Err: ErrIdempotencyKeyReused,
			Message: fmt.Sprintf("Idempotency-Key %q was already used for a different request", idem.Key)}
	}
	return Applied{Response: []byte(resp), Replayed: true}, true, nil
}

func storeIdempotency(ctx context.Context, q store.Querier, now time.Time, idem *Idempotency, resp []byte) error {
	cutoff := now.Add(-idempotencyTTL).UnixMilli()
	if _, err := q.Exec(ctx, `DELETE FROM _rh_idempotency WHERE created_at < ? OR (user_id = ? AND key = ?)`, cutoff, idem.UserID, idem.Key); err != nil {
		return err
	}
	_, err := q.Exec(ctx, `INSERT INTO _rh_idempotency (user_id, key, fingerprint, response, created_at) VALUES (?, ?, ?, ?, ?)`,
		idem.UserID, idem.Key, idem.Fingerprint, string(resp), now.UnixMilli())
	return err
}

// ---- statement counting

// countingQuerier counts the statements an operation runs.
type countingQuerier struct {
	q store.Querier
	n int
}

func (c *countingQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	c.n++
	return c.q.Exec(ctx, query, args...)
}

func (c *countingQuerier) Query(ctx context.Context, query string, args ...any) (store.Rows, error) {
	c.n++
	return c.q.Query(ctx, query, args...)
}

// execDeferred runs a statement whose outcome nothing reads, deferred to
// the commit where the transaction can hold it back (store.Deferrer).
func (c *countingQuerier) execDeferred(ctx context.Context, query string, args ...any) error {
	c.n++
	if d, ok := c.q.(store.Deferrer); ok {
		d.Defer(query, args...)
		return nil
	}
	_, err := c.q.Exec(ctx, query, args...)
	return err
}

func (c *countingQuerier) QueryRow(ctx context.Context, query string, args ...any) store.Row {
	c.n++
	return c.q.QueryRow(ctx, query, args...)
}

func (d *Docs) count(surface string, n int) {
	if d.statements != nil && n > 0 {
		if surface == "" {
			surface = "rest"
		}
		d.statements(surface, n)
	}
}
