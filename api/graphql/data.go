package graphql

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

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
	var ds *docSchema
	defer func() {
		if snap != nil {
			snap.Close()
		}
		if doc != nil {
			doc.Close()
		}
	}()
	p, ok := a.prepare(w, r, func() (*ast.Schema, *leniency, error) {
		var err error
		if doc, err = a.docs.Open(ctx, r.PathValue("doc")); err != nil {
			return nil, nil, err
		}
		if snap, err = doc.Snapshot(ctx, "graphql"); err != nil {
			return nil, nil, err
		}
		if ds, err = a.schemaFor(doc.ID(), snap.Schema()); err != nil {
			return nil, nil, err
		}
		return ds.gql, ds.lax, nil
	})
	if !ok {
		return
	}
	s := snap.Schema()
	ex := a.newExecutor(ctx, ds.gql, p.vars, p.doc.Fragments)
	defer ex.release()
	lim := a.docs.Limits()
	lw := &limitWalk{ex: ex, limits: a.limits, maxPage: lim.MaxPage, maxBatch: lim.MaxBatch}
	if err := lw.check(p.op); err != nil {
		a.writeFailure(w, r, err)
		return
	}
	pl := &planner{ex: ex, s: s, byField: ds.byField, m: ds.model, maxPage: lim.MaxPage}
	var data *object
	if p.op.Operation == ast.Mutation {
		snap.Close()
		snap = nil
		key, err := idempotencyKey(r, p)
		if err == nil && key != nil && mutationFields(ex, p.op) > 1 {
			// Each field is its own transaction: one key cannot make
			// several happen exactly once, nor tell them apart safely.
			err = rowhouse.Invalidf("Idempotency-Key needs a mutation of one field (each field is its own transaction): send one request per field")
		}
		if err != nil {
			a.writeFailure(w, r, err)
			return
		}
		var replayed bool
		if data, replayed, err = a.mutate(ex, pl, doc, p.op, key); err != nil {
			a.writeFailure(w, r, err)
			return
		}
		if replayed {
			w.Header().Set("Idempotent-Replayed", "true")
		}
	} else {
		data = a.queryRoot(ex, pl, snap, p.op)
	}
	res := response{hasData: true, errors: ex.errs}
	if data != nil {
		res.data = data
	}
	writeResponseWith(w, http.StatusOK, res, ex.buffer())
}

// tablesByField maps root field names to tables. Twenty's names
// (destroyX, destroyXs) come after every table's own: in a document made
// before they existed, one that another table's field already has is left
// out (SDL leaves it out too).
func tablesByField(s *schema.Schema) map[string]*schema.Table {
	m := map[string]*schema.Table{}
	for _, t := range s.Tables {
		n := tableNames(t)
		for _, f := range []string{n.Singular, n.Plural, n.CreateOne, n.CreateMany, n.UpdateOne, n.UpdateMany, n.DeleteOne, n.DeleteMany} {
			m[f] = t
		}
	}
	for _, t := range s.Tables {
		n := tableNames(t)
		for _, f := range []string{n.DestroyOne, n.DestroyMany} {
			if m[f] == nil {
				m[f] = t
			}
		}
	}
	return m
}

// queryRoot executes a query operation. It returns nil when a non-null
// root field failed (the spec's null propagation to data).
func (a *API) queryRoot(ex *executor, pl *planner, rd reader, op *ast.OperationDefinition) *object {
	fields := ex.collect([]ast.SelectionSet{op.SelectionSet}, "Query")
	byField := pl.byField
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
	args, err := ex.args(f.field)
	if err != nil {
		return nil, err
	}
	var filter query.Expr
	if m, ok := args["filter"].(map[string]any); ok {
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
	recs, _, err := readAll(ex.ctx, ex, rd, core.Select{Table: t.ID, Columns: storedColumns(t), Timestamps: wantsTimes(op), Filter: filter, Limit: 1, Surface: "graphql"}, 0, false)
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

// Each mutation field is one core.Apply: its matching (upsert by unique
// columns, the filter of updateXs and deleteXs), its write and the reading
// of its answer all happen in that one write transaction, so the answer is
// exactly what was written and a concurrent writer cannot slip in between.

// maxIdempotencyKey is the longest Idempotency-Key accepted, as for REST.
const maxIdempotencyKey = 255

// mutationKey is a mutation's Idempotency-Key. Each mutation field is its
// own transaction, so each is performed once: the field at index i of the
// operation's root fields is stored under the key itself for i = 0 and
// under key#i after, with the fingerprint of the whole request. A repeat
// replays the fields that were done and performs those that were not (a
// field that failed stored nothing).
type mutationKey struct {
	userID      int64
	key         string
	fingerprint string
}

// idempotencyKey reads a mutation's Idempotency-Key header; nil without
// one. The fingerprint covers the document, the query text, the operation
// and the (coerced) variables, so a repeat with another request body is
// refused.
func idempotencyKey(r *http.Request, p *prepared) (*mutationKey, error) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return nil, nil
	}
	if len(key) > maxIdempotencyKey {
		return nil, rowhouse.Invalidf("Idempotency-Key is longer than %d characters", maxIdempotencyKey)
	}
	vars, err := json.Marshal(p.vars)
	if err != nil {
		return nil, fmt.Errorf("idempotency fingerprint: %w", err)
	}
	src := ""
	if p.op.Position != nil && p.op.Position.Src != nil {
		src = p.op.Position.Src.Input
	}
	h := sha256.New()
	for _, part := range []string{r.URL.Path, src, p.op.Name, string(vars)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return &mutationKey{userID: api.ActorFrom(r.Context()).User.ID, key: key, fingerprint: hex.EncodeToString(h.Sum(nil))}, nil
}

// mutationFields counts a mutation's root fields, __typename aside.
func mutationFields(ex *executor, op *ast.OperationDefinition) int {
	n := 0
	for _, f := range ex.collect([]ast.SelectionSet{op.SelectionSet}, "Mutation") {
		if f.field.Name != "__typename" {
			n++
		}
	}
	return n
}

// idem is the core's idempotency for the mutation's one field.
func (k *mutationKey) idem() *core.Idempotency {
	if k == nil {
		return nil
	}
	return &core.Idempotency{UserID: k.userID, Key: k.key, Fingerprint: k.fingerprint}
}

// mutate executes a mutation operation: its fields in order, each one
// core.Apply (one transaction, all or nothing). replayed is set when every
// field's answer was replayed for an Idempotency-Key; err is a failure of
// the whole request (an Idempotency-Key reused for another request).
func (a *API) mutate(ex *executor, pl *planner, doc *core.Doc, op *ast.OperationDefinition, key *mutationKey) (data *object, replayed bool, err error) {
	fields := ex.collect([]ast.SelectionSet{op.SelectionSet}, "Mutation")
	byField := pl.byField
	obj := newObject(len(fields))
	applied, allReplayed := 0, true
	for _, f := range fields {
		path := ast.Path{ast.PathName(f.key)}
		if f.field.Name == "__typename" {
			obj.add(f.key, "Mutation")
			continue
		}
		t := byField[f.field.Name]
		if t == nil {
			ex.addError(path, rowhouse.Invalidf("unknown field %q", f.field.Name))
			return nil, false, nil
		}
		v, rep, err := a.mutateField(ex, pl, doc, f, t, path, key.idem())
		if err != nil {
			if applied == 0 && errors.Is(err, core.ErrIdempotencyKeyReused) {
				return nil, false, err
			}
			allReplayed = false
			ex.addError(path, err)
			if f.field.Definition.Type.NonNull {
				return nil, false, nil
			}
			obj.add(f.key, nil)
			continue
		}
		applied++
		allReplayed = allReplayed && rep
		obj.add(f.key, v)
	}
	return obj, key != nil && applied > 0 && allReplayed, nil
}

// mutation is one mutation field made ready for core.Apply.
type mutation struct {
	actions []core.Action
	// before, if set, selects in the transaction, before the actions, the
	// records the answer shows (those a delete removes) and may refuse.
	before func(ctx context.Context, rd core.Reader) ([]int64, error)
	// ids are the records the answer shows, from the actions' results.
	ids func(res core.Applied) ([]int64, error)
	// one answers an object rather than a list.
	one bool
}

func (a *API) mutateField(ex *executor, pl *planner, doc *core.Doc, f *cfield, t *schema.Table, path ast.Path, idem *core.Idempotency) (any, bool, error) {
	n := tableNames(t)
	args, err := ex.args(f.field)
	if err != nil {
		return nil, false, err
	}
	op, err := pl.planObj(f.sets, t)
	if err != nil {
		return nil, false, err
	}
	filterOf := func() (query.Expr, error) {
		m, _ := args["filter"].(map[string]any)
		e, err := filterExpr(pl.s, t, m, nil)
		if e == nil && err == nil {
			e = query.And{}
		}
		return e, err
	}
	retIDs := func(res core.Applied) ([]int64, error) {
		if ids, ok := res.RetValues[0].([]int64); ok {
			return ids, nil
		}
		return nil, rowhouse.Errorf(rowhouse.EINTERNAL, "%s returned %T", f.field.Name, res.RetValues[0])
	}
	var m mutation
	switch f.field.Name {
	case n.CreateOne, n.CreateMany:
		var items []any
		if f.field.Name == n.CreateOne {
			items = []any{args["data"]}
		} else {
			items, _ = args["data"].([]any)
		}
		if len(items) == 0 {
			return []any{}, false, nil
		}
		upsert, _ := args["upsert"].(bool)
		action, err := createAction(t, items, upsert)
		if err != nil {
			return nil, false, err
		}
		m = mutation{actions: []core.Action{action}, ids: createdIDs, one: f.field.Name == n.CreateOne}
	case n.UpdateOne:
		id, _ := number(args["id"])
		rid, err := id.Int64()
		if err != nil {
			return nil, false, rowhouse.Invalidf("invalid id %v", args["id"])
		}
		data, _ := args["data"].(map[string]any)
		fl, err := fields(t, data)
		if err != nil {
			return nil, false, err
		}
		m = mutation{actions: []core.Action{core.UpdateRecords{Table: t.ID, Rows: []core.Row{{ID: rid, Fields: fl}}}},
			ids: func(core.Applied) ([]int64, error) { return []int64{rid}, nil }, one: true}
	case n.UpdateMany:
		filter, err := filterOf()
		if err != nil {
			return nil, false, err
		}
		data, _ := args["data"].(map[string]any)
		fl, err := fields(t, data)
		if err != nil {
			return nil, false, err
		}
		m = mutation{actions: []core.Action{core.UpdateRecordsWhere{Table: t.ID, Filter: filter, Fields: fl}}, ids: retIDs}
	case n.DeleteOne, n.DeleteMany, n.DestroyOne, n.DestroyMany:
		// Rowhouse never soft-deletes: Twenty's destroy is delete.
		one := f.field.Name == n.DeleteOne || f.field.Name == n.DestroyOne
		var filter query.Expr
		if one {
			id, _ := number(args["id"])
			filter = query.Cond{Path: []string{"id"}, Op: query.OpEq, Value: id}
		} else if filter, err = filterOf(); err != nil {
			return nil, false, err
		}
		// The answer shows the records as they were: read before the
		// removal, in its transaction, where the filter selects the same
		// records as the action's (writers run one at a time).
		m = mutation{actions: []core.Action{core.RemoveRecordsWhere{Table: t.ID, Filter: filter}}, ids: retIDs, one: one,
			before: func(ctx context.Context, rd core.Reader) ([]int64, error) {
				ids, err := a.selectIDs(ctx, rd, t, filter)
				if err == nil && one && len(ids) == 0 {
					err = rowhouse.NotFoundf("%s %v not found", n.Singular, args["id"])
				}
				return ids, err
			}}
	default:
		return nil, false, rowhouse.Invalidf("unknown mutation %q", f.field.Name)
	}
	return a.run(ex, pl, doc, op, path, m, idem)
}

// run applies a mutation field and reads its answer in the same
// transaction (before the actions for a delete, after them otherwise).
// replayed is set when the answer is the one stored for idem's key.
func (a *API) run(ex *executor, pl *planner, doc *core.Doc, op *objPlan, path ast.Path, m mutation, idem *core.Idempotency) (out any, replayed bool, err error) {
	answer := func(ctx context.Context, rd core.Reader, ids []int64) error {
		recs, err := readBack(ctx, ex, pl, rd, op, ids)
		if err != nil {
			return err
		}
		switch {
		case !m.one:
			out = renderList(ex, op, recs, path)
		case len(recs) > 0:
			out = ex.renderObj(op, recs[0], path)
		}
		return nil
	}
	opts := core.ApplyOptions{Surface: "graphql", Idempotency: idem}
	var selected []int64
	if m.before != nil {
		opts.Before = func(ctx context.Context, rd core.Reader) error {
			ids, err := m.before(ctx, rd)
			if err != nil {
				return err
			}
			selected = ids
			return answer(ctx, rd, ids)
		}
	}
	opts.Then = func(ctx context.Context, rd core.Reader, res core.Applied) error {
		ids, err := m.ids(res)
		if err != nil {
			return err
		}
		if m.before == nil {
			return answer(ctx, rd, ids)
		}
		if !slices.Equal(ids, selected) {
			return rowhouse.Errorf(rowhouse.EINTERNAL, "the action changed records %v, not the %v read before it", ids, selected)
		}
		return nil
	}
	if idem != nil {
		idem.Render = func(core.Applied) ([]byte, error) {
			var b bytes.Buffer
			writeJSON(&b, out)
			return b.Bytes(), nil
		}
	}
	res, err := doc.Apply(ex.ctx, api.ActorFrom(ex.ctx), m.actions, opts)
	if err != nil {
		return nil, false, err
	}
	if res.Replayed {
		return rawJSON(res.Response), true, nil
	}
	return out, false, nil
}

func renderList(ex *executor, op *objPlan, recs []*record, path ast.Path) []any {
	out := make([]any, len(recs))
	for i, r := range recs {
		out[i] = ex.renderObj(op, r, append(append(ast.Path(nil), path...), ast.PathIndex(i)))
	}
	return out
}

// selectIDs returns the ids of the records filter selects, refusing more
// than the batch limit (with the core's message for the same limit).
func (a *API) selectIDs(ctx context.Context, rd core.Reader, t *schema.Table, filter query.Expr) ([]int64, error) {
	most := a.docs.Limits().MaxBatch
	rows, err := rd.Query(ctx, core.Select{Table: t.ID, Columns: []string{}, Filter: filter, Surface: "graphql"})
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		if len(ids) >= most {
			return nil, rowhouse.Errorf(rowhouse.ETOOLARGE, "the filter matches more than %d records, the maximum batch size (batch size limit)", most)
		}
		ids = append(ids, rows.ID())
	}
	return ids, rows.Err()
}

// readBack reads records by id with rd, with what op selects of their
// relations, in the order of ids.
func readBack(ctx context.Context, ex *executor, pl *planner, rd core.Reader, op *objPlan, ids []int64) ([]*record, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	// A write may have changed the schema seen by the plan (this
	// mutation's earlier fields, another client): read with rd's.
	pl2 := &planner{ex: ex, s: rd.Schema(), m: pl.m, maxPage: pl.maxPage}
	got, _, err := readAll(ctx, ex, rd, core.Select{Table: op.table.ID, Columns: storedColumns(op.table), Timestamps: wantsTimes(op), Surface: "graphql",
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
	if err := pl2.fetchChildren(ctx, rd, []*objPlan{op}, got); err != nil {
		return nil, err
	}
	return out, nil
}

// createAction is the action of createX / createXs: AddRecords, or with
// upsert AddOrUpdateRecords matching each record by id, else by the
// table's isUnique columns (any of them; matching two records is an error
// naming them), in the write transaction.
func createAction(t *schema.Table, items []any, upsert bool) (core.Action, error) {
	rows := make([]core.Row, len(items))
	ups := make([]core.Upsert, len(items))
	for i, raw := range items {
		data, _ := raw.(map[string]any)
		fl, err := fields(t, data)
		if err != nil {
			return nil, fmt.Errorf("data[%d]: %w", i, err)
		}
		id := data["id"]
		if !upsert {
			if id != nil {
				return nil, rowhouse.Invalidf("data[%d]: id is for upsert: true (the document picks new records' ids)", i)
			}
			rows[i] = core.Row{Fields: fl}
			continue
		}
		ups[i] = core.Upsert{Fields: fl}
		if id != nil {
			n, _ := number(id)
			ups[i].Require = map[string]any{"id": n}
		}
	}
	if !upsert {
		return core.AddRecords{Table: t.ID, Rows: rows}, nil
	}
	return core.AddOrUpdateRecords{Table: t.ID, Records: ups, MatchUnique: true, RecordLabel: "data"}, nil
}

// createdIDs are the ids a create's action returned, one per record.
func createdIDs(res core.Applied) ([]int64, error) {
	switch v := res.RetValues[0].(type) {
	case []int64:
		return v, nil
	case core.UpsertResult:
		ids := make([]int64, 0, len(v.RecordIDs))
		for _, r := range v.RecordIDs {
			if len(r) != 1 {
				return nil, rowhouse.Errorf(rowhouse.EINTERNAL, "upsert matched %d records", len(r))
			}
			ids = append(ids, r[0])
		}
		return ids, nil
	}
	return nil, rowhouse.Errorf(rowhouse.EINTERNAL, "create returned %T", res.RetValues[0])
}
