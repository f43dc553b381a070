package core

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Events returns up to limit events committed after sequence number
// afterSeq, oldest first.
func (doc *Doc) Events(ctx context.Context, afterSeq int64, limit int) ([]Event, error) {
	rows, err := doc.db.Query(ctx, `SELECT seq, at, actor_id, action_num, table_id, kind, row_ids, columns, rows, before FROM _rh_outbox WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("doc %s: read events: %w", doc.id, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		var ids, cols, recs, before string
		if err := rows.Scan(&e.Seq, &at, &e.ActorID, &e.ActionNum, &e.Table, &e.Kind, &ids, &cols, &recs, &before); err != nil {
			return nil, fmt.Errorf("doc %s: read events: %w", doc.id, err)
		}
		e.At = time.UnixMilli(at).UTC()
		for _, f := range []struct {
			src string
			dst any
		}{{ids, &e.RowIDs}, {cols, &e.Columns}, {recs, &e.Rows}, {before, &e.Before}} {
			if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
				return nil, fmt.Errorf("doc %s: event %d: %w", doc.id, e.Seq, err)
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// LastSeq returns the sequence number of the newest event (0 if none).
func (doc *Doc) LastSeq(ctx context.Context) (int64, error) {
	var n int64
	err := doc.db.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM _rh_outbox`).Scan(&n)
	return n, err
}

// SchemaEvents returns the schema events committed after sequence number
// afterSeq and up to upToSeq (every one after afterSeq when upToSeq <= 0),
// oldest first, without rows: what a reader needs to follow renames and
// removals without reading the record changes in between.
//
// A schema event names its action and subjects in Columns, with Table the
// table's id after the change:
//
//	["AddTable", table]      ["RenameTable", old, new]
//	["UpdateTable", table]   ["RemoveTable", table]
//	["AddColumn", col]       ["RemoveColumn", col]
//	["ModifyColumn", col]    ["ModifyColumn", old, new] (the column was renamed)
func (doc *Doc) SchemaEvents(ctx context.Context, afterSeq, upToSeq int64) ([]Event, error) {
	q := `SELECT seq, at, actor_id, action_num, table_id, columns FROM _rh_outbox WHERE seq > ? AND kind = ?`
	args := []any{afterSeq, EventSchema}
	if upToSeq > 0 {
		q += ` AND seq <= ?`
		args = append(args, upToSeq)
	}
	rows, err := doc.db.Query(ctx, q+` ORDER BY seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("doc %s: read schema events: %w", doc.id, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e := Event{Kind: EventSchema}
		var at int64
		var cols string
		if err := rows.Scan(&e.Seq, &at, &e.ActorID, &e.ActionNum, &e.Table, &cols); err != nil {
			return nil, fmt.Errorf("doc %s: read schema events: %w", doc.id, err)
		}
		e.At = time.UnixMilli(at).UTC()
		if err := json.Unmarshal([]byte(cols), &e.Columns); err != nil {
			return nil, fmt.Errorf("doc %s: event %d: %w", doc.id, e.Seq, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("doc %s: read schema events: %w", doc.id, err)
	}
	return out, nil
}
