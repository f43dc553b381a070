package graphql

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/query"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/vektah/gqlparser/v2/ast"
)

// serveCore answers the core API of one document.
func (a *API) serveCore(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var doc *core.Doc
	var snap *core.Snapshot
	defer func() {
		if snap != nil {
			snap.Close()
		}
		if doc != nil {
			doc.Close()
		}
	}()
	p, ok := a.prepare(w, r, func() (*ast.Schema, error) {
		var err error
		if doc, err = a.docs.Open(ctx, r.PathValue("doc")); err != nil {
			return nil, err
		}
		if snap, err = doc.Snapshot(ctx, "graphql"); err != nil {
			return nil, err
		}
		return a.Schema(snap.Schema(), doc.ID())
	})
	if !ok {
		return
	}
	s := snap.Schema()
	gql, err := a.Schema(s, doc.ID())
	if err != nil {
		a.writeFailure(w, r, err)
		return
	}
	ex := &executor{api: a, ctx: ctx, gql: gql, vars: p.vars, frags: p.doc.Fragments}
	lim := a.docs.Limits()
	lw := &limitWalk{ex: ex, limits: a.limits, maxPage: lim.MaxPage, maxBatch: lim.MaxBatch}
	if err := lw.check(p.op); err != nil {
		a.writeFailure(w, r, err)
		return
	}
	pl := &planner{ex: ex, s: s, maxPage: lim.MaxPage}
	var data *object
	if p.op.Operation == ast.Mutation {
		snap.Close()
		snap = nil
		data = a.mutate(ex, pl, doc, p.op)
	} else {
		data = a.queryRoot(ex, pl, snap, p.op)
	}
	res := response{hasData: true, errors: ex.errs}
	if data != nil {
		res.data = data
	}
	writeResponse(w, http.StatusOK, res)
}

// tablesByField maps root field names to tables.
func tablesByField(s *schema.Schema) map[string]*schema.Table {
	m := map[string]*schema.Table{}
	for _, t := range s.Tables {
		n := tableNames(t)
		for _, f := range []string{n.Singular, n.Plural, n.CreateOne, n.CreateMany, n.UpdateOne, n.UpdateMany, n.DeleteOne, n.DeleteMany} {
			m[f] = t
		}
	}
	return m
}

// queryRoot executes a query operation. It returns nil when a non-null
// root field failed (the spec's null propagation to data).
func (a *API) queryRoot(ex *executor, pl *planner, rd reader, op *ast.OperationDefinition) *object {
	fields := ex.collect([]ast.SelectionSet{op.SelectionSet}, "Query")
	byField := tablesByField(pl.s)
	obj := newObject(len(fields))
	for _, f := range fields {
		path := ast.Path{ast.PathName(f.key)}
		if v, ok := ex.introspect(f, "Query", path); ok {
			obj.add(f.key, v)
			continue
		}
		if f.field.Name == "_schemaVersion" {
			obj.add(f.key, pl.s.Version)
			continue
		}
		t := byField[f.field.Name]
		if t == nil {
			ex.addError(path, rowhouse.Invalidf("unknown field %q", f.field.Name))
			return nil
		}
		n := tableNames(t)
		var v any
		var err error
		if f.field.Name == n.Plural {
			v, err = a.connection(ex, pl, rd, f, t, path)
		} else {
			v, err = a.single(ex, pl, rd, f, t, path)
		}
		if err != nil {
			ex.addError(path, err)
			if f.field.Definition.Type.NonNull {
				return nil
			}
			obj.add(f.key, nil)
			continue
		}
		obj.add(f.key, v)
	}
	return obj
}

func (a *API) connection(ex *executor, pl *planner, rd reader, f *cfield, t *schema.Table, path ast.Path) (any, error) {
	cp, err := pl.planConn(f, t, false)
	if err != nil {
		return nil, err
	}
	pg, err := pl.fetchTop(ex.ctx, rd, cp, nil)
	if err != nil {
		return nil, err
	}
	return ex.renderConn(cp, pg, path), nil
}

// single answers `s(id, filter)`: the first record (by id) that matches.
func (a *API) single(ex *executor, pl *planner, rd reader, f *cfield, t *schema.Table, path ast.Path) (any, error) {
	args := ex.args(f.field)
	var filter query.Expr
	if m, ok := args["filter"].(map[string]any); ok {
		var err error
		if filter, err = filterExpr(pl.s, t, m, nil); err != nil {
			return nil, err
		}
	}
	if id, ok := args["id"]; ok && id != nil {
		n, _ := number(id)
		filter = and(query.Cond{Path: []string{"id"}, Op: query.OpEq, Value: n}, filter)
	}
	op, err := pl.planObj(f.sets, t)
	if err != nil {
		return nil, err
	}
	recs, _, err := readAll(ex.ctx, rd, core.Select{Table: t.ID, Columns: storedColumns(t), Timestamps: wantsTimes(op), Filter: filter, Limit: 1, Surface: "graphql"}, 0, false)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, nil
	}
	if err := pl.fetchChildren(ex.ctx, rd, []*objPlan{op}, recs); err != nil {
		return nil, err
	}
	return ex.renderObj(op, recs[0], path), nil
}

// ---- mutations

// mutate executes a mutation operation: its fields in order, each one
// core.Apply (one transaction, all or nothing).
func (a *API) mutate(ex *executor, pl *planner, doc *core.Doc, op *ast.OperationDefinition) *object {
	fields := ex.collect([]ast.SelectionSet{op.SelectionSet}, "Mutation")
	byField := tablesByField(pl.s)
	obj := newObject(len(fields))
	for _, f := range fields {
		path := ast.Path{ast.PathName(f.key)}
		if f.field.Name == "__typename" {
			obj.add(f.key, "Mutation")
			continue
		}
		t := byField[f.field.Name]
		if t == nil {
			ex.addError(path, rowhouse.Invalidf("unknown field %q", f.field.Name))
			return nil
		}
		v, err := a.mutateField(ex, pl, doc, f, t, path)
		if err != nil {
			ex.addError(path, err)
			if f.field.Definition.Type.NonNull {
				return nil
			}
			obj.add(f.key, nil)
			continue
		}
		obj.add(f.key, v)
	}
	return obj
}

func (a *API) mutateField(ex *executor, pl *planner, doc *core.Doc, f *cfield, t *schema.Table, path ast.Path) (any, error) {
	ctx := ex.ctx
	n := tableNames(t)
	args := ex.args(f.field)
	op, err := pl.planObj(f.sets, t)
	if err != nil {
		return nil, err
	}
	actor := api.ActorFrom(ctx)
	apply := func(actions ...core.Action) (core.Applied, error) {
		return doc.Apply(ctx, actor, actions, core.ApplyOptions{Surface: "graphql"})
	}
	filterOf := func() (query.Expr, error) {
		m, _ := args["filter"].(map[string]any)
		e, err := filterExpr(pl.s, t, m, nil)
		if e == nil && err == nil {
			e = query.And{}
		}
		return e, err
	}
	switch f.field.Name {
	case n.CreateOne, n.CreateMany:
		var items []any
		if f.field.Name == n.CreateOne {
			items = []any{args["data"]}
		} else {
			items, _ = args["data"].([]any)
		}
		upsert, _ := args["upsert"].(bool)
		ids, err := a.create(ex, pl, doc, t, items, upsert, apply)
		if err != nil {
			return nil, err
		}
		recs, err := a.readBack(ex, pl, doc, op, ids)
		if err != nil {
			return nil, err
		}
		if f.field.Name == n.CreateOne {
			return ex.renderObj(op, recs[0], path), nil
		}
		return renderList(ex, op, recs, path), nil
	case n.UpdateOne:
		id, _ := number(args["id"])
		rid, err := id.Int64()
		if err != nil {
			return nil, rowhouse.Invalidf("invalid id %v", args["id"])
		}
		data, _ := args["data"].(map[string]any)
		fl, err := fields(t, data)
		if err != nil {
			return nil, err
		}
		if _, err := apply(core.UpdateRecords{Table: t.ID, Rows: []core.Row{{ID: rid, Fields: fl}}}); err != nil {
			return nil, err
		}
		recs, err := a.readBack(ex, pl, doc, op, []int64{rid})
		if err != nil {
			return nil, err
		}
		return ex.renderObj(op, recs[0], path), nil
	case n.UpdateMany:
		filter, err := filterOf()
		if err != nil {
			return nil, err
		}
		data, _ := args["data"].(map[string]any)
		fl, err := fields(t, data)
		if err != nil {
			return nil, err
		}
		ids, err := a.matching(ex, doc, t, filter)
		if err != nil {
			return nil, err
		}
		if len(ids) > 0 {
			rows := make([]core.Row, len(ids))
			for i, id := range ids {
				rows[i] = core.Row{ID: id, Fields: fl}
			}
			if _, err := apply(core.UpdateRecords{Table: t.ID, Rows: rows}); err != nil {
				return nil, err
			}
		}
		recs, err := a.readBack(ex, pl, doc, op, ids)
		if err != nil {
			return nil, err
		}
		return renderList(ex, op, recs, path), nil
	case n.DeleteOne, n.DeleteMany:
		var filter query.Expr
		if f.field.Name == n.DeleteOne {
			id, _ := number(args["id"])
			filter = query.Cond{Path: []string{"id"}, Op: query.OpEq, Value: id}
		} else if filter, err = filterOf(); err != nil {
			return nil, err
		}
		ids, err := a.matching(ex, doc, t, filter)
		if err != nil {
			return nil, err
		}
		if f.field.Name == n.DeleteOne && len(ids) == 0 {
			return nil, rowhouse.NotFoundf("%s %v not found", n.Singular, args["id"])
		}
		// The answer shows the records as they were.
		recs, err := a.readBack(ex, pl, doc, op, ids)
		if err != nil {
			return nil, err
		}
		out := renderList(ex, op, recs, path)
		if len(ids) > 0 {
			if _, err := apply(core.RemoveRecords{Table: t.ID, IDs: ids}); err != nil {
				return nil, err
			}
		}
		if f.field.Name == n.DeleteOne {
			return out[0], nil
		}
		return out, nil
	}
	return nil, rowhouse.Invalidf("unknown mutation %q", f.field.Name)
}

func renderList(ex *executor, op *objPlan, recs []*record, path ast.Path) []any {
	out := make([]any, len(recs))
	for i, r := range recs {
		out[i] = ex.renderObj(op, r, append(append(ast.Path(nil), path...), ast.PathIndex(i)))
	}
	return out
}

// matching returns the ids of the records a mutation's filter selects,
// refusing more than the batch limit.
func (a *API) matching(ex *executor, doc *core.Doc, t *schema.Table, filter query.Expr) ([]int64, error) {
	snap, err := doc.Snapshot(ex.ctx, "graphql")
	if err != nil {
		return nil, err
	}
	defer snap.Close()
	max := a.docs.Limits().MaxBatch
	rows, err := snap.Query(ex.ctx, core.Select{Table: t.ID, Columns: []string{}, Filter: filter, Surface: "graphql"})
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		if len(ids) >= max {
			return nil, rowhouse.Errorf(rowhouse.ETOOLARGE, "the filter matches more than %d records, the maximum batch size (batch size limit)", max)
		}
		ids = append(ids, rows.ID())
	}
	return ids, rows.Err()
}

// readBack reads records by id, with what op selects of their relations,
// in the order of ids.
func (a *API) readBack(ex *executor, pl *planner, doc *core.Doc, op *objPlan, ids []int64) ([]*record, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	snap, err := doc.Snapshot(ex.ctx, "graphql")
	if err != nil {
		return nil, err
	}
	defer snap.Close()
	// A write may have changed the schema seen by the plan (another
	// client's schema change): read with the snapshot's.
	pl2 := &planner{ex: ex, s: snap.Schema(), maxPage: pl.maxPage}
	got, _, err := readAll(ex.ctx, snap, core.Select{Table: op.table.ID, Columns: storedColumns(op.table), Timestamps: wantsTimes(op), Surface: "graphql",
		Filter: query.Cond{Path: []string{"id"}, Op: query.OpIn, Value: idList(ids)}}, 0, false)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*record, len(got))
	for _, r := range got {
		byID[r.id] = r
	}
	out := make([]*record, 0, len(ids))
	for _, id := range ids {
		r := byID[id]
		if r == nil {
			return nil, rowhouse.NotFoundf("record %d of table %s is gone", id, op.table.ID)
		}
		out = append(out, r)
	}
	if err := pl2.fetchChildren(ex.ctx, snap, []*objPlan{op}, got); err != nil {
		return nil, err
	}
	return out, nil
}

// create adds records, or with upsert updates the record each one matches:
// by id, else by the table's isUnique columns (any of them); a record
// matching two records is an error naming them. Returns the ids in order.
func (a *API) create(ex *executor, pl *planner, doc *core.Doc, t *schema.Table, items []any, upsert bool, apply func(...core.Action) (core.Applied, error)) ([]int64, error) {
	type item struct {
		fields  map[string]any
		require map[string]any // nil: a plain add
	}
	list := make([]item, len(items))
	var unique []*schema.Column
	for _, c := range t.Columns {
		if c.IsUnique && !c.Reverse {
			unique = append(unique, c)
		}
	}
	for i, raw := range items {
		data, _ := raw.(map[string]any)
		fl, err := fields(t, data)
		if err != nil {
			return nil, fmt.Errorf("data[%d]: %w", i, err)
		}
		list[i].fields = fl
		if !upsert {
			if data["id"] != nil {
				return nil, rowhouse.Invalidf("data[%d]: id is for upsert: true (the document picks new records' ids)", i)
			}
			continue
		}
		if id, ok := data["id"]; ok && id != nil {
			n, _ := number(id)
			list[i].require = map[string]any{"id": n}
		}
	}
	if upsert && len(unique) > 0 {
		if err := a.matchUnique(ex, doc, t, unique, func(i int) map[string]any {
			if list[i].require != nil {
				return nil
			}
			return list[i].fields
		}, len(list), func(i int, req map[string]any) { list[i].require = req }); err != nil {
			return nil, err
		}
	}
	// Consecutive records of one kind make one action; all of them one
	// Apply.
	var actions []core.Action
	var kinds []int // per action: how many records
	for i := 0; i < len(list); {
		j := i
		if list[i].require == nil {
			var rows []core.Row
			for ; j < len(list) && list[j].require == nil; j++ {
				rows = append(rows, core.Row{Fields: list[j].fields})
			}
			actions = append(actions, core.AddRecords{Table: t.ID, Rows: rows})
		} else {
			var ups []core.Upsert
			for ; j < len(list) && list[j].require != nil; j++ {
				f := map[string]any{}
				for k, v := range list[j].fields {
					if _, inReq := list[j].require[k]; !inReq {
						f[k] = v
					}
				}
				ups = append(ups, core.Upsert{Require: list[j].require, Fields: f})
			}
			actions = append(actions, core.AddOrUpdateRecords{Table: t.ID, Records: ups, UniqueMatch: true})
		}
		kinds = append(kinds, j-i)
		i = j
	}
	if len(actions) == 0 {
		return nil, nil
	}
	res, err := apply(actions...)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for k, rv := range res.RetValues {
		switch v := rv.(type) {
		case []int64:
			ids = append(ids, v...)
		case core.UpsertResult:
			for _, r := range v.RecordIDs {
				if len(r) != 1 {
					return nil, rowhouse.Errorf(rowhouse.EINTERNAL, "upsert matched %d records", len(r))
				}
				ids = append(ids, r[0])
			}
		default:
			return nil, rowhouse.Errorf(rowhouse.EINTERNAL, "action %d returned %T", k, rv)
		}
	}
	return ids, nil
}

// matchUnique finds, for each record without an id, the existing records
// that share a value of one of the unique columns; one match makes the
// record update it, several are an error naming them, none adds it
// (requiring its unique values, so that the write itself still refuses a
// duplicate). One read for all records.
func (a *API) matchUnique(ex *executor, doc *core.Doc, t *schema.Table, unique []*schema.Column,
	fieldsOf func(int) map[string]any, n int, set func(int, map[string]any)) error {
	values := map[string][]any{}
	for i := range n {
		fl := fieldsOf(i)
		for _, c := range unique {
			if v, ok := fl[c.ID]; ok && !emptyValue(v) {
				values[c.ID] = append(values[c.ID], v)
			}
		}
	}
	if len(values) == 0 {
		return nil
	}
	var or []query.Expr
	for _, c := range unique {
		if vs := values[c.ID]; len(vs) > 0 {
			or = append(or, query.Cond{Path: []string{c.ID}, Op: query.OpIn, Value: vs})
		}
	}
	snap, err := doc.Snapshot(ex.ctx, "graphql")
	if err != nil {
		return err
	}
	defer snap.Close()
	rows, err := snap.Query(ex.ctx, core.Select{Table: t.ID, Filter: query.Or{Exprs: or}, Surface: "graphql"})
	if err != nil {
		return err
	}
	defer rows.Close()
	idx := map[string]int{}
	for i, c := range rows.Columns {
		idx[c.ID] = i
	}
	// existing[col][value key] = ids
	existing := map[string]map[string][]int64{}
	var vals []any
	for rows.Next() {
		vals = rows.Values(vals, false)
		for _, c := range unique {
			k := valueKey(vals[idx[c.ID]])
			if existing[c.ID] == nil {
				existing[c.ID] = map[string][]int64{}
			}
			existing[c.ID][k] = append(existing[c.ID][k], rows.ID())
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range n {
		fl := fieldsOf(i)
		if fl == nil {
			continue
		}
		var matched []int64
		var by []string
		req := map[string]any{}
		for _, c := range unique {
			v, ok := fl[c.ID]
			if !ok || emptyValue(v) {
				continue
			}
			req[c.ID] = v
			for _, id := range existing[c.ID][valueKey(v)] {
				if !containsID(matched, id) {
					matched = append(matched, id)
					by = append(by, c.ID)
				}
			}
		}
		switch {
		case len(matched) > 1:
			ids := make([]string, len(matched))
			for j, id := range matched {
				ids[j] = strconv.FormatInt(id, 10) + " (by " + by[j] + ")"
			}
			return rowhouse.Invalidf("data[%d] matches %d records of %s: %s; an upsert must match at most one", i, len(matched), t.ID, strings.Join(ids, ", "))
		case len(matched) == 1:
			set(i, map[string]any{"id": idList(matched)[0]})
		case len(req) > 0:
			set(i, req)
		}
	}
	return nil
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func emptyValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	}
	return false
}

// valueKey is a comparable form of a cell value: numbers by value.
func valueKey(v any) string {
	if f, ok := toFloat(v); ok {
		return "n:" + strconv.FormatFloat(f, 'g', -1, 64)
	}
	if s, ok := v.(string); ok {
		return "s:" + s
	}
	return "j:" + describe(v)
}
