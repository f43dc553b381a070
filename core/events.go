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
