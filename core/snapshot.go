package core

import (
	"context"
	"fmt"

	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/store"
)

// Snapshot is one read transaction in which several Selects see the same
// data and the same schema: the schema version is read once, when the
// snapshot begins (like Doc.Schema, that lookup is not counted as a
// statement), and each Select then runs exactly its own statements. The
// GraphQL planner reads one relation level per Select inside a Snapshot,
// so that a nested answer is consistent and costs one statement per level.
type Snapshot struct {
	doc     *Doc
	tx      store.Tx
	q       *countingQuerier
	s       *schema.Schema
	surface string
}

// Snapshot begins a read transaction for surface ("graphql", "rest"),
// which names the API in the statement counter. Close it when done.
func (doc *Doc) Snapshot(ctx context.Context, surface string) (*Snapshot, error) {
	g0 := doc.genNow()
	tx, err := doc.db.BeginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("doc %s: %w", doc.id, err)
	}
	s, err := doc.schemaIn(ctx, tx, g0)
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	return &Snapshot{doc: doc, tx: tx, q: &countingQuerier{q: tx}, s: s, surface: surface}, nil
}

// Schema is the document's data model as of the snapshot.
func (sn *Snapshot) Schema() *schema.Schema { return sn.s }

// Query reads records as Doc.Query does, inside the snapshot. Close the
// result before the snapshot.
func (sn *Snapshot) Query(ctx context.Context, sel Select) (*Rows, error) {
	return sn.doc.queryIn(ctx, sn.q, sn.s, sel)
}

// Close ends the snapshot and reports the statements it ran.
func (sn *Snapshot) Close() error {
	sn.doc.docs.count(sn.surface, sn.q.n)
	sn.q.n = 0
	return sn.tx.Rollback()
}
