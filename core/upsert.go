package core

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/schema"
)

// upsert applies AddOrUpdateRecords record by record.
func (w *writer) upsert(ctx context.Context, a AddOrUpdateRecords) (UpsertResult, error) {
	res := UpsertResult{RecordIDs: [][]int64{}, Added: []int64{}, Updated: [][]int64{}}
	t, err := table(w.s, a.Table)
	if err != nil {
		return res, err
	}
	if err := w.checkBatch(len(a.Records)); err != nil {
		return res, err
	}
	switch a.OnMany {
	case "":
		a.OnMany = OnManyFirst
	case OnManyFirst, OnManyNone, OnManyAll:
	default:
		return res, rowhouse.Invalidf("onmany %q should be one of first, none, all", string(a.OnMany))
	}
	parse := !a.NoParse
	// Validate every record before touching anything.
	for i, u := range a.Records {
		if len(u.Require) == 0 && !a.AllowEmptyRequire {
			return res, rowhouse.Invalidf("record %d: require is empty (set allow_empty_require to match every record)", i)
		}
		for k := range u.Require {
			if k == "id" {
				continue
			}
			if _, err := writableColumn(t, k); err != nil {
				return res, err
			}
		}
		for k := range u.Fields {
			if _, err := writableColumn(t, k); err != nil {
				return res, err
			}
		}
	}
	for i, u := range a.Records {
		ids, err := w.match(ctx, t, u.Require, parse)
		if err != nil {
			return res, err
		}
		if len(ids) == 0 {
			if a.NoAdd {
				res.RecordIDs = append(res.RecordIDs, []int64{})
				continue
			}
			row := Row{Fields: map[string]any{}}
			for k, v := range u.Require {
				if k == "id" {
					id, ok := asRowID(v)
					if !ok {
						return res, rowhouse.Invalidf("record %d: require.id must be a row id", i)
					}
					row.ID = id
					continue
				}
				row.Fields[k] = v
			}
			for k, v := range u.Fields {
				row.Fields[k] = v
			}
			added, err := w.addRecords(ctx, t.ID, []Row{row}, parse)
			if err != nil {
				return res, err
			}
			res.Added = append(res.Added, added...)
			res.RecordIDs = append(res.RecordIDs, added)
			continue
		}
		if len(ids) > 1 {
			if a.UniqueMatch {
				return res, rowhouse.Invalidf("record %d matches %d records (ids %s); it must match at most one", i, len(ids), joinIDs(ids, 10))
			}
			switch a.OnMany {
			case OnManyFirst:
				ids = ids[:1]
			case OnManyNone:
				ids = []int64{} // shown as [], like a noadd miss, never null
			}
		}
		res.RecordIDs = append(res.RecordIDs, ids)
		if a.NoUpdate || len(ids) == 0 {
			continue
		}
		if len(u.Fields) > 0 {
			rows := make([]Row, len(ids))
			for j, id := range ids {
				rows[j] = Row{ID: id, Fields: u.Fields}
			}
			if err := w.updateRecords(ctx, t.ID, rows, parse); err != nil {
				return res, err
			}
		}
		res.Updated = append(res.Updated, ids)
	}
	return res, nil
}

// asRowID reads a JSON value as a positive row id.
func asRowID(v any) (int64, bool) {
	var id int64
	var err error
	switch v := v.(type) {
	case interface{ Int64() (int64, error) }:
		id, err = v.Int64()
	case int64:
		id = v
	case int:
		id = int64(v)
	case float64:
		id = int64(v)
		if float64(id) != v {
			return 0, false
		}
	default:
		return 0, false
	}
	return id, err == nil && id > 0
}

func joinIDs(ids []int64, most int) string {
	var parts []string
	for i, id := range ids {
		if i == most {
			parts = append(parts, "...")
			break
		}
		parts = append(parts, fmt.Sprint(id))
	}
	return strings.Join(parts, ", ")
}

// match returns the ids of the records whose cells equal require, lowest
// first. A value that does not fit its column's type matches nothing.
func (w *writer) match(ctx context.Context, t *schema.Table, require map[string]any, parse bool) ([]int64, error) {
	keys := make([]string, 0, len(require))
	for k := range require {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var conds []string
	var args []any
	for _, k := range keys {
		v := require[k]
		if k == "id" {
			id, ok := asRowID(v)
			if !ok {
				return nil, nil
			}
			conds = append(conds, `"id" = ?`)
			args = append(args, id)
			continue
		}
		c := t.Column(k)
		sqlValue, _, ok := c.Type.Encode(v, parse)
		switch {
		case !ok:
			return nil, nil
		case sqlValue == nil:
			conds = append(conds, w.d.QuoteIdent(k)+" IS NULL")
		default:
			conds = append(conds, w.d.QuoteIdent(k)+" = ?")
			args = append(args, sqlValue)
			if c.IsUnique && !reflect.DeepEqual(sqlValue, defaultSQL(c.Type)) {
				// A non-empty value: its row, if any, is in the unique
				// index, which this lets the lookup use.
				conds = append(conds, uniqueIndexWhere(w.d, c))
			}
		}
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	ids, err := w.queryIDs(ctx, `SELECT "id" FROM `+w.d.QuoteIdent(t.ID)+where+` ORDER BY "id"`, args...)
	if err != nil {
		return nil, fmt.Errorf("match in %s: %w", t.ID, err)
	}
	return ids, nil
}
