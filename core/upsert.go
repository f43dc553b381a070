package core

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
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
	label := func(i int) string {
		if a.RecordLabel == "" {
			return fmt.Sprintf("record %d", i)
		}
		return fmt.Sprintf("%s[%d]", a.RecordLabel, i)
	}
	for i, u := range a.Records {
		if len(u.Require) == 0 && !a.AllowEmptyRequire && !a.MatchUnique {
			return res, rowhouse.Invalidf("%s: require is empty (set allow_empty_require to match every record)", label(i))
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
	// With MatchUnique, consecutive records that can match nothing (no id,
	// no unique value) are added together, in one statement, just before
	// the next record that must look for its match.
	var pending []Row
	var pendingAt []int
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		added, err := w.addRecords(ctx, t.ID, pending, parse)
		if err != nil {
			return err
		}
		for k, i := range pendingAt {
			res.RecordIDs[i] = added[k : k+1 : k+1]
		}
		res.Added = append(res.Added, added...)
		pending, pendingAt = pending[:0], pendingAt[:0]
		return nil
	}
	for i, u := range a.Records {
		var ids []int64
		_, byID := u.Require["id"]
		switch {
		case a.MatchUnique && !byID && !a.NoAdd && len(uniqueValues(t, u, parse)) == 0:
			pending = append(pending, newRow(u))
			pendingAt = append(pendingAt, len(res.RecordIDs))
			res.RecordIDs = append(res.RecordIDs, nil)
			continue
		case a.MatchUnique && !byID:
			if err = flush(); err == nil {
				ids, err = w.matchUnique(ctx, t, u, parse, label(i))
			}
		default:
			if err = flush(); err == nil {
				ids, err = w.match(ctx, t, u.Require, parse)
			}
		}
		if err != nil {
			return res, err
		}
		if len(ids) == 0 {
			if a.NoAdd {
				res.RecordIDs = append(res.RecordIDs, []int64{})
				continue
			}
			row := newRow(u)
			if id, ok := u.Require["id"]; ok {
				if row.ID, ok = asRowID(id); !ok {
					return res, rowhouse.Invalidf("%s: require.id must be a row id", label(i))
				}
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
			if a.UniqueMatch || a.MatchUnique {
				return res, rowhouse.Invalidf("%s matches %d records (ids %s); it must match at most one", label(i), len(ids), joinIDs(ids, 10))
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
	if err := flush(); err != nil {
		return res, err
	}
	return res, nil
}

// newRow is the record an upsert adds: Require's cells (but its id) and
// Fields'.
func newRow(u Upsert) Row {
	row := Row{Fields: make(map[string]any, len(u.Require)+len(u.Fields))}
	for k, v := range u.Require {
		if k != "id" {
			row.Fields[k] = v
		}
	}
	for k, v := range u.Fields {
		row.Fields[k] = v
	}
	return row
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

// uniqueValue is a record's non-empty value of a unique column, encoded.
type uniqueValue struct {
	col *schema.Column
	sql any
}

// uniqueValues are u's values (in Fields, else in Require) of t's isUnique
// columns, in the table's order, but for the empty ones (those the unique
// index leaves out) and those that do not fit their column's type: they
// match nothing.
func uniqueValues(t *schema.Table, u Upsert, parse bool) []uniqueValue {
	var out []uniqueValue
	for _, c := range t.Columns {
		if !c.IsUnique || !c.Stored() {
			continue
		}
		v, ok := u.Fields[c.ID]
		if !ok {
			if v, ok = u.Require[c.ID]; !ok {
				continue
			}
		}
		sqlValue, _, fits := c.Type.Encode(v, parse)
		if !fits || sqlValue == nil || reflect.DeepEqual(sqlValue, defaultSQL(c.Type)) {
			continue
		}
		out = append(out, uniqueValue{col: c, sql: sqlValue})
	}
	return out
}

// matchUnique returns the records that share one of u's unique values
// (see uniqueValues), lowest first per column in the table's order;
// several are an error naming each with the column that matched it.
func (w *writer) matchUnique(ctx context.Context, t *schema.Table, u Upsert, parse bool, label string) ([]int64, error) {
	var ids []int64
	var by []string
	for _, uv := range uniqueValues(t, u, parse) {
		got, err := w.queryIDs(ctx, `SELECT "id" FROM `+w.d.QuoteIdent(t.ID)+` WHERE `+w.d.QuoteIdent(uv.col.ID)+` = ? AND `+uniqueIndexWhere(w.d, uv.col)+` ORDER BY "id"`, uv.sql)
		if err != nil {
			return nil, fmt.Errorf("match %s.%s: %w", t.ID, uv.col.ID, err)
		}
		for _, id := range got {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
				by = append(by, uv.col.ID)
			}
		}
	}
	if len(ids) > 1 {
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = strconv.FormatInt(id, 10) + " (by " + by[i] + ")"
		}
		return nil, rowhouse.Invalidf("%s matches %d records of %s: %s; an upsert must match at most one", label, len(ids), t.ID, strings.Join(parts, ", "))
	}
	return ids, nil
}
