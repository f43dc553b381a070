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

// upsert applies AddOrUpdateRecords: record by record, as Grist does, each
// seeing what the ones before it wrote.
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
	u := &upsertRun{w: w, t: t, a: a, parse: parse, label: label, res: &res, m: newMatcher(w, t, parse)}
	if err := u.run(ctx); err != nil {
		return res, err
	}
	return res, nil
}

// upsertRun is one AddOrUpdateRecords being applied. Records are matched
// in order, each as if the ones before it had been written (see matcher),
// but their writes wait in ops, in order, until a match needs the
// database or the batch ends: consecutive adds are then one INSERT and
// consecutive updates one UpdateRecords, with one event each.
type upsertRun struct {
	w     *writer
	t     *schema.Table
	a     AddOrUpdateRecords
	parse bool
	label func(int) string
	res   *UpsertResult
	m     *matcher
	plans []upsertPlan
	ops   []upsertOp
	// unresolved counts the added rows in ops, which have no id yet.
	unresolved int
}

// upsertPlan is how one record is matched.
type upsertPlan struct {
	kind   planKind
	probe  *probe   // planRequire
	unique []*probe // planUnique: one per unique value, in the table's column order
	values []uniqueValue
}

type planKind int

const (
	planNothing planKind = iota // matches nothing: a value that does not fit, or no unique value
	planRequire                 // by its require (probe)
	planUnique                  // by its unique values (MatchUnique)
	planSQL                     // asked of the database: an empty require matches every record
)

// upsertOp is writes waiting: rows to add (explicit says whether they
// carry their own ids), or rows to update.
type upsertOp struct {
	add, explicit bool
	rows          []Row
	at            []int   // adds: the record each row answers
	orows         []*orow // adds: the rows in the matcher's overlay
}

func (u *upsertRun) run(ctx context.Context) error {
	a := u.a
	u.plans = make([]upsertPlan, len(a.Records))
	for i, rec := range a.Records {
		_, byID := rec.Require["id"]
		p := &u.plans[i]
		switch {
		case a.MatchUnique && !byID:
			p.values = uniqueValues(u.t, rec, u.parse)
			p.kind = planUnique
			if len(p.values) == 0 {
				p.kind = planNothing
			}
			for _, uv := range p.values {
				p.unique = append(p.unique, u.m.uniqueProbe(uv))
			}
		case len(rec.Require) == 0:
			p.kind = planSQL
		default:
			var ok bool
			if p.probe, ok = u.m.requireProbe(rec.Require); ok {
				p.kind = planRequire
			}
		}
		if a.oneByOne && p.kind != planNothing {
			p.kind = planSQL
		}
	}
	if err := u.m.lookup(ctx); err != nil {
		return err
	}
	for i, rec := range a.Records {
		ids, err := u.match(ctx, i)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			if a.NoAdd {
				u.res.RecordIDs = append(u.res.RecordIDs, []int64{})
				continue
			}
			row := newRow(rec)
			if id, ok := rec.Require["id"]; ok {
				if row.ID, ok = asRowID(id); !ok {
					return u.fail(ctx, rowhouse.Invalidf("%s: require.id must be a row id", u.label(i)))
				}
			}
			u.add(i, row)
			continue
		}
		if len(ids) > 1 {
			if a.UniqueMatch || a.MatchUnique {
				return u.fail(ctx, rowhouse.Invalidf("%s matches %d records (ids %s); it must match at most one", u.label(i), len(ids), joinIDs(ids, 10)))
			}
			switch a.OnMany {
			case OnManyFirst:
				ids = ids[:1]
			case OnManyNone:
				ids = []int64{} // shown as [], like a noadd miss, never null
			}
		}
		u.res.RecordIDs = append(u.res.RecordIDs, ids)
		if a.NoUpdate || len(ids) == 0 {
			continue
		}
		if len(rec.Fields) > 0 {
			if err := u.update(ctx, ids, rec.Fields); err != nil {
				return err
			}
		}
		u.res.Updated = append(u.res.Updated, ids)
	}
	return u.flush(ctx)
}

// fail returns err once the writes waiting are written: an error they
// raise comes first, as it would have, record by record.
func (u *upsertRun) fail(ctx context.Context, err error) error {
	if ferr := u.flush(ctx); ferr != nil {
		return ferr
	}
	return err
}

// match returns the records record i matches now, lowest first (for
// unique values: per column in the table's order).
func (u *upsertRun) match(ctx context.Context, i int) ([]int64, error) {
	rec, p := u.a.Records[i], &u.plans[i]
	switch p.kind {
	case planNothing:
		return nil, nil
	case planSQL:
		if err := u.flush(ctx); err != nil {
			return nil, err
		}
		if u.a.MatchUnique {
			if _, byID := rec.Require["id"]; !byID {
				ids, err := u.w.matchUnique(ctx, u.t, rec, u.parse, u.label(i))
				if err != nil {
					return nil, u.fail(ctx, err)
				}
				return ids, nil
			}
		}
		return u.w.match(ctx, u.t, rec.Require, u.parse)
	case planRequire:
		ids, ok, err := u.resolve(ctx, p.probe)
		if err != nil || ok {
			return ids, err
		}
		return u.w.match(ctx, u.t, rec.Require, u.parse) // flushed by resolve
	}
	var ids []int64
	var by []string
	for k, pr := range p.unique {
		got, ok, err := u.resolve(ctx, pr)
		if err != nil {
			return nil, err
		}
		if !ok {
			return u.w.matchUnique(ctx, u.t, rec, u.parse, u.label(i))
		}
		for _, id := range got {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
				by = append(by, p.values[k].col.ID)
			}
		}
	}
	if len(ids) > 1 {
		return nil, u.fail(ctx, matchesSeveral(u.label(i), u.t, ids, by))
	}
	return ids, nil
}

// resolve answers pr from the batch's lookup and overlay, writing what
// waits when the answer needs ids not given yet. ok is false when the
// overlay cannot tell: the writes are then done, and the caller asks the
// database.
func (u *upsertRun) resolve(ctx context.Context, pr *probe) (ids []int64, ok bool, err error) {
	if u.unresolved > 0 && pr.hasID() {
		if err := u.flush(ctx); err != nil {
			return nil, false, err
		}
	}
	for {
		ids, ok, pending := u.m.resolve(pr)
		if !ok {
			return nil, false, u.flush(ctx)
		}
		if !pending {
			return ids, true, nil
		}
		if err := u.flush(ctx); err != nil {
			return nil, false, err
		}
	}
}

// add queues a row to add for record i.
func (u *upsertRun) add(i int, row Row) {
	explicit := row.ID != 0
	u.res.RecordIDs = append(u.res.RecordIDs, nil) // set by flush
	o := u.m.added(row)
	if !explicit {
		u.unresolved++
	}
	if n := len(u.ops); n == 0 || !u.ops[n-1].add || u.ops[n-1].explicit != explicit {
		u.ops = append(u.ops, upsertOp{add: true, explicit: explicit})
	}
	op := &u.ops[len(u.ops)-1]
	op.rows = append(op.rows, row)
	op.at = append(op.at, i)
	op.orows = append(op.orows, o)
}

// update queues fields to set on the records ids.
func (u *upsertRun) update(ctx context.Context, ids []int64, fields map[string]any) error {
	rows := make([]Row, len(ids))
	for j, id := range ids {
		rows[j] = Row{ID: id, Fields: fields}
	}
	if len(ids) > u.w.limits.MaxBatch { // refused, as an update of that many records is
		if err := u.flush(ctx); err != nil {
			return err
		}
		return u.w.updateRecords(ctx, u.t.ID, rows, u.parse)
	}
	for _, id := range ids {
		u.m.updated(id, fields)
	}
	if n := len(u.ops); n == 0 || u.ops[n-1].add || len(u.ops[n-1].rows)+len(rows) > u.w.limits.MaxBatch {
		u.ops = append(u.ops, upsertOp{})
	}
	op := &u.ops[len(u.ops)-1]
	op.rows = append(op.rows, rows...)
	return nil
}

// flush writes what waits, in order.
func (u *upsertRun) flush(ctx context.Context) error {
	for _, op := range u.ops {
		if !op.add {
			if err := u.w.updateRecords(ctx, u.t.ID, op.rows, u.parse); err != nil {
				return err
			}
			continue
		}
		added, err := u.w.addRecords(ctx, u.t.ID, op.rows, u.parse)
		if err != nil {
			return err
		}
		for k, i := range op.at {
			u.res.RecordIDs[i] = added[k : k+1 : k+1]
			u.m.inserted(op.orows[k], added[k])
		}
		u.res.Added = append(u.res.Added, added...)
	}
	u.ops = u.ops[:0]
	u.unresolved = 0
	return nil
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
		return nil, matchesSeveral(label, t, ids, by)
	}
	return ids, nil
}

// matchesSeveral is the error of a record whose unique values match
// several records: each id with the column that matched it.
func matchesSeveral(label string, t *schema.Table, ids []int64, by []string) error {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10) + " (by " + by[i] + ")"
	}
	return rowhouse.Invalidf("%s matches %d records of %s: %s; an upsert must match at most one", label, len(ids), t.ID, strings.Join(parts, ", "))
}
