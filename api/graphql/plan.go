package graphql

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/internal/jsonenc"
	"github.com/rowhouse/rowhouse/query"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/vektah/gqlparser/v2/ast"
)

// The planner turns a selection on the document's tables into a tree of
// reads. Each connection or Ref field of the tree is read with ONE
// core.Select for all the parent records at once (the parents' keys in an
// `in` condition); nested pages are cut per parent in memory. A query thus
// costs one statement per relation field, whatever the number of rows,
// plus a COUNT for a top-level totalCount (nested totalCounts come free
// from the same read).

// reader runs Selects; a core.Snapshot, so that every level of an answer
// sees the same data.
type reader interface {
	Query(ctx context.Context, sel core.Select) (*core.Rows, error)
}

// storedColumns is what the planner reads of a table: its stored columns,
// in order. A reverse column is answered by reading the other table (one
// statement per level), never by the core's subquery per row.
func storedColumns(t *schema.Table) []string {
	cols := t.StoredColumns()
	ids := make([]string, len(cols))
	for i, c := range cols {
		ids[i] = c.ID
	}
	return ids
}

// storedIndex maps each stored column of t to its place in a record's
// values (see storedColumns).
func storedIndex(t *schema.Table) map[string]int {
	cols := t.StoredColumns()
	idx := make(map[string]int, len(cols))
	for i, c := range cols {
		idx[c.ID] = i
	}
	return idx
}

// layout picks the columns of one read whose records the selections plans
// all render (the several `node` selections of a connection, say): the
// columns they show and the Ref and RefList columns their relations hang
// from, plus extra; and points each plan's colIdx at them. Reading only
// these is most of a wide table's cost saved.
func layout(plans []*objPlan, extra ...string) []string {
	cols := []string{} // never nil: nil would read every column
	idx := map[string]int{}
	add := func(id string) {
		if _, ok := idx[id]; !ok {
			idx[id] = len(cols)
			cols = append(cols, id)
		}
	}
	for _, id := range extra {
		add(id)
	}
	for _, op := range plans {
		for _, fp := range op.fields {
			if fp.col != nil && !fp.col.Reverse {
				add(fp.col.ID)
			}
		}
	}
	for _, op := range plans {
		op.colIdx = idx
	}
	return cols
}

// wantsTimes reports whether any of plans shows createdAt or updatedAt,
// which a read then asks for (core.Select.Timestamps).
func wantsTimes(plans ...*objPlan) bool {
	for _, op := range plans {
		for _, fp := range op.fields {
			if fp.col == nil && (fp.field.Name == "createdAt" || fp.field.Name == "updatedAt") {
				return true
			}
		}
	}
	return false
}

// record is one row as read.
type record struct {
	id               int64
	created, updated float64
	vals             []core.Cell
	cursor           string
}

// page is one connection's answer for one parent (or the top level).
type page struct {
	rows  []*record
	info  core.PageInfo
	total int64
	aggs  []any // the values of connPlan.aggs, in order
}

// objPlan is the selection on one table's object type.
type objPlan struct {
	table  *schema.Table
	typ    string
	colIdx map[string]int
	fields []*fieldPlan
}

// fieldPlan is one response key of an object selection.
type fieldPlan struct {
	key string
	// member is the key as written in the answer: `"key":`.
	member []byte
	field  *ast.Field
	col    *schema.Column // nil for id, timestamps, __typename
	kind   fieldKind
	enum   *choiceEnum // a Choice column shown as an enum
	ref    *objPlan    // kindRef: the related object's selection
	conn   *connPlan   // kindConn: the nested connection
	// refRows are the related records read for kindRef, in id order.
	refRows []*record
}

// connPlan is a connection: what to read and the shape of its answer.
type connPlan struct {
	table         *schema.Table
	typ           names
	filter        query.Expr
	sort          []query.SortKey
	first, last   int // -1 when not given
	offset        int // records skipped before the page (after the cursor)
	defaultPage   int // DefaultPageSize, or the core's maximum page if smaller
	after, before string
	count         bool
	aggs          []core.Aggregate // the statistics selected (top level only)
	needCursor    bool             // edges.cursor or pageInfo is selected
	fields        []*connField
	nodes         []*objPlan
	// link is how a nested connection hangs from its parents: the
	// parent's RefList column, or the child's Ref column of a reverse
	// column.
	parentCol *schema.Column
	byParent  map[int64]*page
}

// connField is one response key of a connection selection.
type connField struct {
	key    string
	member []byte // `"key":`
	name   string // edges, pageInfo, totalCount, __typename, or a statistic's
	sets   []ast.SelectionSet
	edges  []*edgeField
	agg    int // a statistic's index in connPlan.aggs; -1 for the others
}

// edgeField is one response key of an edge selection.
type edgeField struct {
	key    string
	member []byte // `"key":`
	name   string // node, cursor, __typename
	node   *objPlan
}

// planner builds plans against a document's data model.
type planner struct {
	ex *executor
	s  *schema.Schema
	// byField maps root field names to tables (of s; see docSchema).
	byField map[string]*schema.Table
	// m is the model of the GraphQL schema the request was validated
	// against (nil: no enums).
	m       *model
	maxPage int
}

// planObj plans a selection on table t's object type.
func (p *planner) planObj(sets []ast.SelectionSet, t *schema.Table) (*objPlan, error) {
	n := tableNames(t)
	op := &objPlan{table: t, typ: n.Type, colIdx: storedIndex(t)}
	for _, f := range p.ex.collect(sets, n.Type) {
		fp := &fieldPlan{key: f.key, member: memberKey(f.key), field: f.field, col: t.Column(f.field.Name)}
		if fp.col == nil {
			if c := refIDColumn(t, f.field.Name); c != nil {
				fp.col, fp.kind = c, kindRefID
			}
		} else {
			fp.kind = columnKind(p.s, fp.col)
			fp.enum = p.m.enumOf(t, fp.col)
			switch fp.kind {
			case kindRef:
				target := p.s.Table(fp.col.Type.Table)
				sub, err := p.planObj(f.sets, target)
				if err != nil {
					return nil, err
				}
				fp.ref = sub
			case kindConn:
				target := p.s.Table(fp.col.Type.Table)
				cp, err := p.planConn(f, target, true)
				if err != nil {
					return nil, err
				}
				cp.parentCol = fp.col
				fp.conn = cp
			}
		}
		op.fields = append(op.fields, fp)
	}
	return op, nil
}

// planConn plans a connection field on table t.
func (p *planner) planConn(f *cfield, t *schema.Table, nested bool) (*connPlan, error) {
	args, err := p.ex.args(f.field)
	if err != nil {
		return nil, err
	}
	cp := &connPlan{table: t, typ: tableNames(t), first: -1, last: -1, defaultPage: min(DefaultPageSize, p.maxPage)}
	if m, ok := args["filter"].(map[string]any); ok {
		if cp.filter, err = filterExpr(p.s, t, m, nil); err != nil {
			return nil, err
		}
	}
	if l, ok := args["orderBy"].([]any); ok {
		if cp.sort, err = sortKeys(t, l); err != nil {
			return nil, err
		}
	}
	if !slices.ContainsFunc(cp.sort, func(k query.SortKey) bool { return len(k.Path) == 1 && k.Path[0] == "id" }) {
		// id ends every order, so that the order is total and cursors of a
		// forward and a backward read are alike.
		cp.sort = append(cp.sort, query.SortKey{Path: []string{"id"}, Nulls: query.NullsFirst})
	}
	for _, name := range []string{"first", "last", "offset"} {
		v, ok := args[name]
		if !ok || v == nil {
			continue
		}
		n, ok := asInt(v)
		if !ok || n < 0 {
			return nil, rowhouse.Invalidf("%s must be a non-negative integer", name)
		}
		if name == "offset" {
			cp.offset = n
			continue
		}
		if n > p.maxPage {
			return nil, rowhouse.Errorf(rowhouse.ETOOLARGE, "%s %d is above the maximum page size %d (page size limit)", name, n, p.maxPage)
		}
		if name == "first" {
			cp.first = n
		} else {
			cp.last = n
		}
	}
	if cp.first >= 0 && cp.last >= 0 {
		return nil, rowhouse.Invalidf("use either first or last, not both")
	}
	cp.after, _ = args["after"].(string)
	cp.before, _ = args["before"].(string)
	if cp.after != "" && cp.before != "" {
		return nil, rowhouse.Invalidf("use either after or before, not both")
	}
	if cp.last >= 0 && cp.after != "" {
		return nil, rowhouse.Invalidf("last pages backwards: use it with before, not after")
	}
	if cp.first >= 0 && cp.before != "" {
		return nil, rowhouse.Invalidf("first pages forwards: use it with after, not before")
	}
	if cp.offset > 0 && (cp.last >= 0 || cp.before != "") {
		return nil, rowhouse.Invalidf("offset pages forwards: use it with first and after, not last or before")
	}
	if !nested {
		for _, c := range []string{cp.after, cp.before} {
			if c == "" {
				continue
			}
			cur, err := query.DecodeCursor(c)
			if err != nil {
				return nil, err
			}
			if len(cur.Values) != len(cp.sort) {
				return nil, rowhouse.Invalidf("invalid cursor: it was made for another orderBy")
			}
		}
	}
	var aggs []aggField // t's, listed when first needed
	for _, cf := range p.ex.collect(f.sets, cp.typ.Connection) {
		fld := &connField{key: cf.key, member: memberKey(cf.key), name: cf.field.Name, sets: cf.sets, agg: -1}
		switch cf.field.Name {
		case "edges", "pageInfo", "totalCount", "__typename":
		default:
			if aggs == nil {
				aggs = aggregateFields(t)
			}
			i := slices.IndexFunc(aggs, func(f aggField) bool { return f.name == cf.field.Name })
			if i < 0 {
				break
			}
			a := aggs[i].agg
			if nested {
				return nil, rowhouse.Invalidf("%s is answered on top-level connections only, not on a nested one", cf.field.Name)
			}
			fld.agg = len(cp.aggs)
			cp.aggs = append(cp.aggs, a)
		}
		switch cf.field.Name {
		case "totalCount":
			cp.count = true
		case "pageInfo":
			cp.needCursor = true
		case "edges":
			for _, ef := range p.ex.collect(cf.sets, cp.typ.Edge) {
				e := &edgeField{key: ef.key, member: memberKey(ef.key), name: ef.field.Name}
				if ef.field.Name == "cursor" {
					cp.needCursor = true
				}
				if ef.field.Name == "node" {
					if e.node, err = p.planObj(ef.sets, t); err != nil {
						return nil, err
					}
					cp.nodes = append(cp.nodes, e.node)
				}
				fld.edges = append(fld.edges, e)
			}
		}
		cp.fields = append(cp.fields, fld)
	}
	return cp, nil
}

func asInt(v any) (int, bool) {
	switch x := v.(type) {
	case int64:
		return int(x), true
	case int:
		return x, true
	case float64:
		return int(x), x == float64(int(x))
	case json.Number:
		n, err := x.Int64()
		return int(n), err == nil
	}
	return 0, false
}

// pageSize is a connection's page size: first, last or the default.
func (cp *connPlan) pageSize() int {
	switch {
	case cp.first >= 0:
		return cp.first
	case cp.last >= 0:
		return cp.last
	}
	return cp.defaultPage
}

// readAll reads every row of a Select, with each row's cursor when
// cursors is set (encoding one costs more than reading the row).
func readAll(ctx context.Context, ex *executor, rd reader, sel core.Select, max int, cursors bool) ([]*record, *core.Rows, error) {
	rows, err := rd.Query(ctx, sel)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []*record
	// Records and their cells come from the executor's chunks, reused
	// across requests.
	ncol := len(rows.Columns)
	for rows.Next() {
		if max > 0 && len(out) >= max {
			return nil, nil, rowhouse.Errorf(rowhouse.ETOOLARGE, "a nested connection of table %s reads more than %d records (nested read limit): filter it", sel.Table, max)
		}
		r := &ex.records.Alloc(1)[0]
		*r = record{id: rows.ID(), created: rows.CreatedAt(), updated: rows.UpdatedAt(),
			vals: rows.AppendCells(ex.cells.Alloc(ncol)[:0])}
		if cursors {
			r.cursor = rows.Cursor()
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	return out, rows, nil
}

// fetchTop reads a top-level connection: one page through the core's
// keyset pagination, plus a COUNT when totalCount is selected.
func (p *planner) fetchTop(ctx context.Context, rd reader, cp *connPlan, extra query.Expr) (*page, error) {
	sel := core.Select{Table: cp.table.ID, Columns: layout(cp.nodes), Timestamps: wantsTimes(cp.nodes...), Filter: and(cp.filter, extra), Sort: cp.sort, Limit: cp.pageSize(),
		Offset: cp.offset, Count: cp.count, Aggregates: cp.aggs, Surface: "graphql"}
	// last without before: the core reads the last rows, in order, with
	// cursors of this very sort (a flipped read would make cursors that
	// the next page's read, in the true order, must refuse).
	sel.Last = cp.last >= 0 && cp.before == ""
	for _, c := range []struct {
		s   string
		dst **query.Cursor
	}{{cp.after, &sel.After}, {cp.before, &sel.Before}} {
		if c.s == "" {
			continue
		}
		cur, err := query.DecodeCursor(c.s)
		if err != nil {
			return nil, err
		}
		*c.dst = &cur
	}
	pg := &page{}
	if sel.Limit == 0 {
		// An empty page asks nothing of the rows; the count may still be
		// wanted.
		if cp.count || len(cp.aggs) > 0 {
			sel.Limit = 1
		} else {
			return pg, nil
		}
	}
	recs, rows, err := readAll(ctx, p.ex, rd, sel, 0, cp.needCursor)
	if err != nil {
		return nil, err
	}
	if rows.TotalCount != nil {
		pg.total = *rows.TotalCount
	}
	pg.aggs = rows.Aggregates
	if cp.pageSize() == 0 {
		return pg, nil
	}
	pg.rows = recs
	if rows.Page != nil {
		pg.info = *rows.Page
	}
	if n := len(pg.rows); n > 0 {
		pg.info.StartCursor, pg.info.EndCursor = &pg.rows[0].cursor, &pg.rows[n-1].cursor
	}
	if err := p.fetchChildren(ctx, rd, cp.nodes, pg.rows); err != nil {
		return nil, err
	}
	return pg, nil
}

func and(a, b query.Expr) query.Expr {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return query.And{Exprs: []query.Expr{a, b}}
}

// idList turns ids into the value of an `in` condition.
func idList(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// fetchChildren reads the relations selected on objects of plans for the
// records recs: one Select per relation field, for all records at once.
func (p *planner) fetchChildren(ctx context.Context, rd reader, plans []*objPlan, recs []*record) error {
	if len(recs) == 0 {
		return nil
	}
	for _, op := range plans {
		for _, fp := range op.fields {
			var err error
			switch fp.kind {
			case kindRef:
				err = p.fetchRef(ctx, rd, op, fp, recs)
			case kindConn:
				err = p.fetchNested(ctx, rd, op, fp.conn, recs)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// fetchRef reads the records that a Ref column of recs refers to.
func (p *planner) fetchRef(ctx context.Context, rd reader, op *objPlan, fp *fieldPlan, recs []*record) error {
	idx := op.colIdx[fp.col.ID]
	ids := make([]int64, 0, len(recs))
	for _, r := range recs {
		if id := r.vals[idx].RefID(); id > 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	fp.refRows = nil
	if len(ids) == 0 {
		return nil
	}
	target := fp.ref.table
	got, _, err := readAll(ctx, p.ex, rd, core.Select{Table: target.ID, Columns: layout([]*objPlan{fp.ref}), Timestamps: wantsTimes(fp.ref), Surface: "graphql",
		Filter: query.Cond{Path: []string{"id"}, Op: query.OpIn, Value: idList(ids)}}, 0, false)
	if err != nil {
		return err
	}
	fp.refRows = got // in id order: the core orders by id
	return p.fetchChildren(ctx, rd, []*objPlan{fp.ref}, got)
}

// refRow returns the record a Ref field refers to, or nil.
func (fp *fieldPlan) refRow(id int64) *record {
	i, ok := slices.BinarySearchFunc(fp.refRows, id, func(r *record, id int64) int { return cmp.Compare(r.id, id) })
	if !ok {
		return nil
	}
	return fp.refRows[i]
}

// fetchNested reads a nested connection (a RefList column or the reverse
// side of a reference) for all parents at once, then cuts each parent's
// page in memory.
func (p *planner) fetchNested(ctx context.Context, rd reader, parent *objPlan, cp *connPlan, recs []*record) error {
	cp.byParent = map[int64]*page{}
	col := cp.parentCol
	var link query.Expr
	var lists map[int64][]int64 // RefList: each parent's ids
	parentIDs := make([]int64, len(recs))
	for i, r := range recs {
		parentIDs[i] = r.id
	}
	if col.Reverse {
		fwd := cp.table.Column(col.ReverseCol)
		if fwd == nil {
			return rowhouse.Errorf(rowhouse.EINTERNAL, "reverse column %s.%s has no forward column", parent.table.ID, col.ID)
		}
		link = query.Cond{Path: []string{fwd.ID}, Op: query.OpIn, Value: idList(parentIDs)}
	} else {
		idx := parent.colIdx[col.ID]
		lists = map[int64][]int64{}
		seen := map[int64]bool{}
		var all []int64
		for _, r := range recs {
			l, _ := r.vals[idx].Value(col.Type, false).([]any)
			for i, x := range l {
				if i == 0 {
					continue
				}
				if id, ok := x.(int64); ok && id > 0 {
					lists[r.id] = append(lists[r.id], id)
					if !seen[id] {
						seen[id] = true
						all = append(all, id)
					}
				}
			}
		}
		if len(all) == 0 {
			return nil
		}
		link = query.Cond{Path: []string{"id"}, Op: query.OpIn, Value: idList(all)}
	}
	var extra []string
	if col.Reverse { // the child's Ref column groups the children, first
		extra = []string{col.ReverseCol}
	}
	got, _, err := readAll(ctx, p.ex, rd, core.Select{Table: cp.table.ID, Columns: layout(cp.nodes, extra...), Timestamps: wantsTimes(cp.nodes...), Filter: and(cp.filter, link), Sort: cp.sort, Surface: "graphql"}, 10*p.maxPage, cp.needCursor)
	if err != nil {
		return err
	}
	groups := map[int64][]*record{}
	if col.Reverse {
		for _, r := range got {
			if id := r.vals[0].RefID(); id != 0 { // the Ref column, read first
				groups[id] = append(groups[id], r)
			}
		}
	} else {
		pos := make(map[int64]int, len(got))
		for i, r := range got {
			pos[r.id] = i
		}
		for pid, ids := range lists {
			seen := map[int64]bool{}
			var g []*record
			for _, id := range ids {
				if i, ok := pos[id]; ok && !seen[id] {
					seen[id] = true
					g = append(g, got[i])
				}
			}
			slices.SortFunc(g, func(a, b *record) int { return pos[a.id] - pos[b.id] })
			groups[pid] = g
		}
	}
	var kept []*record
	for _, pid := range parentIDs {
		if _, done := cp.byParent[pid]; done {
			continue
		}
		pg, err := cp.window(groups[pid])
		if err != nil {
			return err
		}
		cp.byParent[pid] = pg
		kept = append(kept, pg.rows...)
	}
	return p.fetchChildren(ctx, rd, cp.nodes, kept)
}

// window cuts one parent's page from its records in order: after/before
// resume next to the record the cursor names (by id).
func (cp *connPlan) window(all []*record) (*page, error) {
	pg := &page{total: int64(len(all))}
	lo, hi := 0, len(all)
	find := func(c string) (int, error) {
		cur, err := query.DecodeCursor(c)
		if err != nil {
			return 0, err
		}
		i := slices.IndexFunc(all, func(r *record) bool { return r.id == cur.ID })
		if i < 0 {
			return 0, rowhouse.Invalidf("the cursor's record %d is not in this list any more", cur.ID)
		}
		return i, nil
	}
	if cp.after != "" {
		i, err := find(cp.after)
		if err != nil {
			return nil, err
		}
		lo = i + 1
		pg.info.HasPreviousPage = true
	}
	if cp.before != "" {
		i, err := find(cp.before)
		if err != nil {
			return nil, err
		}
		hi = i
		pg.info.HasNextPage = true
	}
	if cp.offset > 0 && lo < hi {
		lo = min(lo+cp.offset, hi)
		pg.info.HasPreviousPage = true
	}
	n := cp.pageSize()
	if cp.last >= 0 {
		if hi-lo > n {
			lo = hi - n
			pg.info.HasPreviousPage = true
		}
	} else if hi-lo > n {
		hi = lo + n
		pg.info.HasNextPage = true
	}
	pg.rows = all[lo:hi]
	if len(pg.rows) > 0 {
		pg.info.StartCursor, pg.info.EndCursor = &pg.rows[0].cursor, &pg.rows[len(pg.rows)-1].cursor
	}
	return pg, nil
}

// ---- rendering

// Records are rendered straight into JSON, in selection order: a tree of
// Go values for 2,000 records cost more than reading them.

// out writes records' answers: the buffer, and where in the answer it is
// (the path above it and a stack of steps below), made into an ast.Path
// only for an error. A stack of values, not a chain of pointers: the chain
// escaped to the heap, an allocation per record.
type out struct {
	ex    *executor
	b     *bytes.Buffer
	base  ast.Path
	steps []step
}

// step is a field's key, or when empty a list index.
type step struct {
	name string
	idx  int
}

func (o *out) push(name string, idx int) { o.steps = append(o.steps, step{name, idx}) }
func (o *out) pop()                      { o.steps = o.steps[:len(o.steps)-1] }

func (o *out) path() ast.Path {
	p := append(make(ast.Path, 0, len(o.base)+len(o.steps)), o.base...)
	for _, s := range o.steps {
		if s.name != "" {
			p = append(p, ast.PathName(s.name))
		} else {
			p = append(p, ast.PathIndex(s.idx))
		}
	}
	return p
}

// renderObj answers an object selection for one record, valid until the
// executor's release.
func (ex *executor) renderObj(op *objPlan, r *record, path ast.Path) rawJSON {
	o := &out{ex: ex, b: ex.buffer(), base: path}
	o.obj(op, r)
	return o.b.Bytes()
}

// renderConn answers a connection selection for one page, valid until the
// executor's release.
func (ex *executor) renderConn(cp *connPlan, pg *page, path ast.Path) rawJSON {
	o := &out{ex: ex, b: ex.buffer(), base: path}
	o.conn(cp, pg)
	return o.b.Bytes()
}

// member starts the i-th member of an object: its key, m (memberKey).
func (o *out) member(i int, m []byte) {
	if i > 0 {
		o.b.WriteByte(',')
	}
	o.b.Write(m)
}

// memberKey is a response key as an answer writes it, `"key":`, made once
// per plan rather than once per record.
func memberKey(key string) []byte {
	return append(jsonenc.AppendString(nil, key), ':')
}

// obj writes an object selection for one record.
func (o *out) obj(op *objPlan, r *record) {
	b := o.b
	b.WriteByte('{')
	for i, fp := range op.fields {
		o.member(i, fp.member)
		switch {
		case fp.field.Name == "__typename":
			writeString(b, op.typ)
		case fp.col == nil && fp.field.Name == "id":
			b.Write(strconv.AppendInt(b.AvailableBuffer(), r.id, 10))
		case fp.col == nil && fp.field.Name == "createdAt":
			writeString(b, timeString(r.created))
		case fp.col == nil && fp.field.Name == "updatedAt":
			writeString(b, timeString(r.updated))
		case fp.kind == kindRef:
			id := r.vals[op.colIdx[fp.col.ID]].RefID()
			if ref := fp.refRow(id); ref != nil {
				o.push(fp.key, 0)
				o.obj(fp.ref, ref)
				o.pop()
			} else {
				b.WriteString("null")
			}
		case fp.kind == kindRefID:
			if id := r.vals[op.colIdx[fp.col.ID]].RefID(); id > 0 {
				b.Write(strconv.AppendInt(b.AvailableBuffer(), id, 10))
			} else {
				b.WriteString("null")
			}
		case fp.kind == kindConn:
			pg := fp.conn.byParent[r.id]
			if pg == nil {
				pg = &page{}
			}
			o.push(fp.key, 0)
			o.conn(fp.conn, pg)
			o.pop()
		case fp.enum != nil:
			o.enum(op, fp, r)
		case fp.col != nil:
			if raw, ok := writeCell(b, fp.col, &r.vals[op.colIdx[fp.col.ID]]); !ok {
				o.push(fp.key, 0)
				o.ex.addError(o.path(), rowhouse.Invalidf("%s.%s of record %d holds %s, which is not a valid %s", op.table.ID, fp.col.ID, r.id, describe(raw), fp.col.Type))
				o.pop()
			}
		default:
			b.WriteString("null")
		}
	}
	b.WriteByte('}')
}

// enum writes a Choice cell shown as an enum: null when empty, and null
// with an error for a value outside the choices, which the enum cannot
// show (Grist keeps such values; REST reads them).
func (o *out) enum(op *objPlan, fp *fieldPlan, r *record) {
	v := cellText(fp.col, &r.vals[op.colIdx[fp.col.ID]])
	switch {
	case v == "":
		o.b.WriteString("null")
	case slices.Contains(fp.enum.values, v):
		writeString(o.b, v)
	default:
		o.push(fp.key, 0)
		o.ex.addError(o.path(), rowhouse.Invalidf("%s.%s of record %d holds %s, which is not one of its choices (%s): read it through the REST API, or add it to the choices",
			op.table.ID, fp.col.ID, r.id, describe(v), strings.Join(fp.enum.values, ", ")))
		o.pop()
		o.b.WriteString("null")
	}
}

// aggregate writes one statistic of a top-level connection's page; a
// nested connection, which refuses them when planned, has none.
func (o *out) aggregate(cp *connPlan, f *connField, pg *page) {
	if f.agg >= len(pg.aggs) {
		o.b.WriteString("null")
		return
	}
	a, v := cp.aggs[f.agg], pg.aggs[f.agg]
	if a.Op == core.AggMin || a.Op == core.AggMax {
		v, _ = outValue(cp.table.Column(a.Column), v) // a date as the Date scalar shows it
	}
	writeJSON(o.b, v)
}

// conn writes a connection selection for one page.
func (o *out) conn(cp *connPlan, pg *page) {
	b := o.b
	b.WriteByte('{')
	for i, f := range cp.fields {
		o.member(i, f.member)
		o.push(f.key, 0)
		switch {
		case f.agg >= 0:
			o.aggregate(cp, f, pg)
		case f.name == "__typename":
			writeString(b, cp.typ.Connection)
		case f.name == "totalCount":
			b.Write(strconv.AppendInt(b.AvailableBuffer(), pg.total, 10))
		case f.name == "pageInfo":
			writeJSON(b, o.ex.render(f.sets, pageInfo(pg.info), o.path()))
		case f.name == "edges":
			b.WriteByte('[')
			for j, r := range pg.rows {
				if j > 0 {
					b.WriteByte(',')
				}
				o.push("", j)
				b.WriteByte('{')
				for k, e := range f.edges {
					o.member(k, e.member)
					switch e.name {
					case "__typename":
						writeString(b, cp.typ.Edge)
					case "cursor":
						writeString(b, r.cursor)
					case "node":
						o.push(e.key, 0)
						o.obj(e.node, r)
						o.pop()
					default:
						b.WriteString("null")
					}
				}
				b.WriteByte('}')
				o.pop()
			}
			b.WriteByte(']')
		default:
			b.WriteString("null")
		}
		o.pop()
	}
	b.WriteByte('}')
}

// pageInfo answers PageInfo selections.
type pageInfo core.PageInfo

func (pageInfo) typeName() string { return "PageInfo" }

func (pi pageInfo) get(_ *executor, name string, _ map[string]any) (any, error) {
	switch name {
	case "hasNextPage":
		return pi.HasNextPage, nil
	case "hasPreviousPage":
		return pi.HasPreviousPage, nil
	case "startCursor":
		if pi.StartCursor == nil {
			return nil, nil
		}
		return *pi.StartCursor, nil
	case "endCursor":
		if pi.EndCursor == nil {
			return nil, nil
		}
		return *pi.EndCursor, nil
	}
	return nil, nil
}
