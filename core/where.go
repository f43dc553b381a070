package core

import (
	"context"
	"fmt"
	"strconv"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/query"
	"github.com/rowhouse/rowhouse/schema"
)

// updateWhere applies UpdateRecordsWhere: the ids are selected in the write
// transaction, then updated as UpdateRecords would (same checks, same
// events).
func (w *writer) updateWhere(ctx context.Context, a UpdateRecordsWhere) ([]int64, error) {
	t, err := table(w.s, a.Table)
	if err != nil {
		return nil, err
	}
	for k := range a.Fields {
		if _, err := writableColumn(t, k); err != nil {
			return nil, err
		}
	}
	ids, err := w.selectWhere(ctx, t, a.Filter, a.Max)
	if err != nil || len(ids) == 0 {
		return ids, err
	}
	rows := make([]Row, len(ids))
	for i, id := range ids {
		rows[i] = Row{ID: id, Fields: a.Fields}
	}
	if err := w.updateRecords(ctx, t.ID, rows, !a.NoParse); err != nil {
		return nil, err
	}
	return ids, nil
}

// removeWhere applies RemoveRecordsWhere: the ids are selected in the write
// transaction, then removed as RemoveRecords would.
func (w *writer) removeWhere(ctx context.Context, a RemoveRecordsWhere) ([]int64, error) {
	t, err := table(w.s, a.Table)
	if err != nil {
		return nil, err
	}
	ids, err := w.selectWhere(ctx, t, a.Filter, a.Max)
	if err != nil || len(ids) == 0 {
		return ids, err
	}
	if err := w.removeRecords(ctx, t.ID, ids); err != nil {
		return nil, err
	}
	return ids, nil
}

// selectWhere returns the ids of t's records that filter selects, lowest
// first, compiled as a read's filter is (same bounds, same SQL). More than
// most records (the batch limit when most is 0 or above it) is an error.
func (w *writer) selectWhere(ctx context.Context, t *schema.Table, filter query.Expr, most int) ([]int64, error) {
	if most <= 0 || most > w.limits.MaxBatch {
		most = w.limits.MaxBatch
	}
	if err := readBounds(w.limits).CheckExpr(filter); err != nil {
		return nil, err
	}
	c := &compiler{d: w.d, s: w.s}
	where, err := c.expr(filter, t, "t")
	if err != nil {
		return nil, err
	}
	ids, err := w.queryIDs(ctx, `SELECT `+idExpr+` FROM `+w.d.QuoteIdent(t.ID)+` AS t WHERE `+where+` ORDER BY `+idExpr+` LIMIT `+strconv.Itoa(most+1), c.args...)
	if err != nil {
		return nil, fmt.Errorf("select from %s: %w", t.ID, err)
	}
	if len(ids) > most {
		return nil, rowhouse.Errorf(rowhouse.ETOOLARGE, "the filter matches more than %d records, the maximum batch size (batch size limit)", most)
	}
	if ids == nil {
		ids = []int64{}
	}
	return ids, nil
}
