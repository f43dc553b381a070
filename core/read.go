package core

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/internal/chunk"
	"github.com/rowhouse/rowhouse/query"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/store"
)

// Select is a read of one table's records.
type Select struct {
	Table  string
	Filter query.Expr
	Sort   []query.SortKey
	// Limit is the page size; 0 reads every row, streamed.
	Limit int
	// After and Before page from a cursor (only with a Limit), which must
	// have been made by a read of the same Filter and Sort.
	After, Before *query.Cursor
	// Last takes the Limit rows at the end of the order (without Before:
	// the last rows), answered in order: GraphQL's last without before.
	Last bool
	// Offset skips that many rows of the sorted, filtered rows before the
	// page (only with a Limit, and not with Before or Last): a page after
	// the cursor or the start, Offset rows on. It costs the rows skipped:
	// it is for jumping to a position, cursors for paging on.
	Offset int
	// Count asks for the number of rows matching the filter.
	Count bool
	// CountOnly asks for that number alone: the rows are not read (one
	// COUNT statement), and Rows has no rows and no Page.
	CountOnly bool
	// Aggregates asks for statistics of columns over the rows the filter
	// matches, computed in the statement that counts them (see Aggregate);
	// Rows.Aggregates holds them, in order, and TotalCount the count.
	Aggregates []Aggregate
	// Columns names the columns to read, in the order wanted; nil reads
	// every column. Reverse columns cost a subquery per row, so a reader
	// that does not show them should leave them out.
	Columns []string
	// Timestamps asks for each row's creation and change times (Rows'
	// CreatedAt and UpdatedAt are 0 without it): two columns fewer to read
	// per row for the many reads that do not show them.
	Timestamps bool
	// Surface names the API that asked ("rest", "graphql"), for metrics.
	Surface string
}

// PageInfo describes a page read with a limit.
type PageInfo struct {
	HasNextPage     bool    `json:"hasNextPage"`
	HasPreviousPage bool    `json:"hasPreviousPage"`
	StartCursor     *string `json:"startCursor"`
	EndCursor       *string `json:"endCursor"`
}

// Rows is the result of a read. Iterate with Next; read the current row
// with ID, Values and Cursor; always Close. A read without a limit streams
// from the database; a page is read whole first (it is bounded by MaxPage).
type Rows struct {
	// Table and Columns describe the values: the columns the Select named,
	// else every column of the table in order, stored and reverse.
	Table   *schema.Table
	Columns []*schema.Column
	// Page is set for reads with a limit.
	Page *PageInfo
	// TotalCount is set when Select.Count (or Aggregates) was asked.
	TotalCount *int64
	// Aggregates are the values of Select.Aggregates, in order.
	Aggregates []any

	tx    store.Tx
	rows  store.Rows
	nkeys int
	// fp is the read's fingerprint, which its cursors carry, computed
	// from filter and sort when a cursor is first needed (most reads make
	// none).
	fp     string
	filter query.Expr
	sort   []query.SortKey
	// idKeys are the sort keys that are the id (not read: the cursor
	// copies the row's id).
	idKeys []int
	// stamps is set when the timestamps are read.
	stamps bool
	// want is the page's size, for sizing keySlab.
	want int
	// dest, sc, cells, keySlab, row and rowKeys are scan's buffers: the
	// Scan destinations, the fixed columns, a page's cells (from chunks of
	// the Docs' pool, given back by Close) and sort keys, a streamed row's.
	dest []any
	sc   struct {
		id, created, updated int64
		alt                  any
	}
	cells            chunk.Set[Cell]
	row              []Cell
	keySlab, rowKeys []any
	buf              []scanned
	// primed is set while cur holds a streamed read's first row, read
	// ahead (prime); drained once a streamed read has no more rows.
	primed, drained bool
	pos             int
	cur             scanned
	err             error
	closed          bool
}

// scanned is one row as read: id, timestamps, cells (the alt values in
// place) and sort-key values.
type scanned struct {
	id               int64
	created, updated int64
	vals             []Cell
	keys             []any
}

// Query reads records. The caller must Close the result.
func (doc *Doc) Query(ctx context.Context, sel Select) (*Rows, error) {
	if res, ok, err := doc.queryKnown(ctx, sel); ok {
		return res, err
	}
	if res, ok, err := doc.queryVersioned(ctx, sel); ok {
		return res, err
	}
	g0 := doc.genNow()
	tx, err := doc.db.BeginRead(ctx)
	if err != nil {
		return nil, fmt.Errorf("doc %s: %w", doc.id, err)
	}
	q := &countingQuerier{q: tx}
	s, err := doc.schemaIn(ctx, q, g0)
	var res *Rows
	if err == nil {
		res, err = doc.queryIn(ctx, q, s, sel)
	}
	doc.docs.count(sel.Surface, q.n)
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	res.tx = tx
	return res, nil
}

// queryKnown is Query as one statement outside any transaction, which
// costs a third of Query's round trips for the many reads of one
// statement (no count): possible when the process knows the document's
// current schema (knownSchema), and so needs not read its version in the
// read's snapshot. Should a schema change commit around the read (the gen
// moves between knownSchema and the moment the statement has its
// snapshot, its first step), the read is dropped and ok is false: Query
// then reads the version in a transaction as usual.
func (doc *Doc) queryKnown(ctx context.Context, sel Select) (res *Rows, ok bool, err error) {
	if sel.Count {
		return nil, false, nil
	}
	s, g, known := doc.knownSchema()
	if !known {
		return nil, false, nil
	}
	q := &countingQuerier{q: doc.db}
	res, err = doc.read(ctx, q, s, sel, true)
	if err == nil && res.rows != nil {
		res.prime()
	}
	if doc.genNow() != g {
		if res != nil {
			res.Close()
		}
		return nil, false, nil
	}
	doc.docs.count(sel.Surface, q.n)
	return res, true, err
}

// sortTerm is one ORDER BY term.
type sortTerm struct {
	expr  string
	desc  bool
	nulls query.Nulls // resolved: NullsFirst or NullsLast
}

// query is Query inside q's transaction.
func (doc *Doc) query(ctx context.Context, q store.Querier, sel Select) (*Rows, error) {
	s, err := doc.schemaIn(ctx, q, noGen)
	if err != nil {
		return nil, err
	}
	return doc.queryIn(ctx, q, s, sel)
}

// queryIn is query over a schema already read in q's transaction.
func (doc *Doc) queryIn(ctx context.Context, q store.Querier, s *schema.Schema, sel Select) (*Rows, error) {
	return doc.read(ctx, q, s, sel, false)
}

// read is queryIn; outsideTx says q is no transaction (each statement
// its own snapshot), so that the read may wait for an index being built
// for it.
func (doc *Doc) read(ctx context.Context, q store.Querier, s *schema.Schema, sel Select, outsideTx bool) (*Rows, error) {
	t, err := table(s, sel.Table)
	if err != nil {
		return nil, err
	}
	maxPage := doc.docs.limits.MaxPage
	if sel.Limit < 0 {
		return nil, rowhouse.Invalidf("limit must not be negative")
	}
	if sel.Limit > maxPage {
		return nil, rowhouse.Invalidf("limit %d is above the maximum page size %d", sel.Limit, maxPage)
	}
	if (sel.After != nil || sel.Before != nil) && sel.Limit == 0 {
		return nil, rowhouse.Invalidf("a cursor needs a limit")
	}
	if sel.After != nil && sel.Before != nil {
		return nil, rowhouse.Invalidf("use either starting_after or ending_before, not both")
	}
	switch {
	case sel.Offset < 0:
		return nil, rowhouse.Invalidf("offset must not be negative")
	case sel.Offset > 0 && sel.Limit == 0:
		return nil, rowhouse.Invalidf("offset needs a limit")
	case sel.Offset > 0 && sel.Before != nil:
		return nil, rowhouse.Invalidf("an offset pages forwards: use it with starting_after, not ending_before")
	case sel.Offset > 0 && sel.Last:
		return nil, rowhouse.Invalidf("offset cannot be combined with reading the last rows")
	}
	if sel.Last && (sel.Limit == 0 || sel.After != nil) {
		return nil, rowhouse.Invalidf("reading the last rows needs a limit, and no cursor to start after")
	}
	var fp string
	if sel.After != nil || sel.Before != nil || sel.Limit > 0 { // pages make cursors
		fp = query.Fingerprint(sel.Filter, sel.Sort)
	}
	for _, c := range []*query.Cursor{sel.After, sel.Before} {
		if c != nil && c.Query != "" && c.Query != fp {
			return nil, rowhouse.Invalidf("invalid cursor: it was made for a read with another sort or filter; read the first page again with this sort and filter")
		}
	}
	// Every surface's filter and sort meet the same bounds here, however
	// they were built (REST's parsers check them too, GraphQL builds its
	// own): past them SQLite and PostgreSQL fail with internal errors. Lists
	// of ids may be as long as a batch or a page: surfaces read back what
	// they wrote, and children by their parents' ids.
	bounds := readBounds(doc.docs.limits)
	if err := bounds.CheckExpr(sel.Filter); err != nil {
		return nil, err
	}
	if err := bounds.CheckSort(sel.Sort); err != nil {
		return nil, err
	}
	d := doc.db.Dialect()
	c := &compiler{d: d, s: s}
	where, err := c.expr(sel.Filter, t, "t")
	if err != nil {
		return nil, err
	}
	// The filter alone, for COUNT: the cursor narrows the page, not the total.
	filterWhere, filterArgs := where, c.args
	if sel.Count || sel.CountOnly || len(sel.Aggregates) > 0 {
		filterArgs = slices.Clone(c.args) // the cursor's arguments follow
	}

	// ORDER BY: the sort keys, then id, which makes every order total.
	var terms []sortTerm
	for _, k := range sel.Sort {
		x, err := c.sortExpr(t, k.Path)
		if err != nil {
			return nil, err
		}
		nulls := k.Nulls
		if nulls == query.NullsDefault { // empty values are the smallest
			nulls = query.NullsFirst
			if k.Desc {
				nulls = query.NullsLast
			}
		}
		terms = append(terms, sortTerm{expr: x, desc: k.Desc, nulls: nulls})
	}
	backward := sel.Before != nil || sel.Last
	order := make([]sortTerm, len(terms))
	copy(order, terms)
	if backward { // read the page backwards from the cursor, then flip it
		for i := range order {
			order[i].desc = !order[i].desc
			if order[i].nulls == query.NullsFirst {
				order[i].nulls = query.NullsLast
			} else {
				order[i].nulls = query.NullsFirst
			}
		}
	}
	idDesc := backward
	cursor := sel.After
	if backward {
		cursor = sel.Before
	}
	if cursor != nil {
		if len(cursor.Values) != len(terms) {
			return nil, rowhouse.Invalidf("invalid cursor: it was made for another sort")
		}
		pred := c.after(order, cursor, idDesc)
		where = "(" + where + ") AND (" + pred + ")"
	}

	// The select list binds no parameters (columns and sort keys are
	// identifiers only), so c.args are exactly the WHERE's, in order.
	cols, err := selectColumns(t, sel.Columns)
	if err != nil {
		return nil, err
	}
	var sel1 strings.Builder
	sel1.WriteString(`SELECT t."id", t.` + d.QuoteIdent(colAlt))
	if sel.Timestamps {
		sel1.WriteString(`, t.` + d.QuoteIdent(colCreated) + `, t.` + d.QuoteIdent(colUpdated))
	}
	for _, col := range cols {
		sel1.WriteString(", " + c.columnSQL(t, "t", col, col.ID))
	}
	// A sort key that is the id is not read twice: scan copies it.
	var idKeys []int
	for i, term := range terms {
		if term.expr == idExpr {
			idKeys = append(idKeys, i)
			continue
		}
		sel1.WriteString(", " + term.expr + " AS " + d.QuoteIdent("_rh_k"+strconv.Itoa(i)))
	}
	sel1.WriteString(" FROM " + d.QuoteIdent(t.ID) + " AS t WHERE " + where + " ORDER BY ")
	for _, term := range order {
		dir := " ASC"
		if term.desc {
			dir = " DESC"
		}
		nulls := " NULLS FIRST"
		if term.nulls == query.NullsLast {
			nulls = " NULLS LAST"
		}
		if term.expr == idExpr {
			// Never empty: without a NULLS clause PostgreSQL can read the
			// order off the primary key.
			nulls = ""
		}
		sel1.WriteString(term.expr + dir + nulls + ", ")
	}
	if idDesc {
		sel1.WriteString(idExpr + ` DESC`)
	} else {
		sel1.WriteString(idExpr + ` ASC`)
	}
	if sel.Limit > 0 {
		sel1.WriteString(" LIMIT " + strconv.Itoa(sel.Limit+1))
		if sel.Offset > 0 {
			sel1.WriteString(" OFFSET " + strconv.Itoa(sel.Offset))
		}
	}
	res := &Rows{cells: chunk.Set[Cell]{Pool: &doc.docs.cells}, Table: t, Columns: cols, nkeys: len(terms), idKeys: idKeys, stamps: sel.Timestamps, want: sel.Limit, fp: fp, filter: sel.Filter, sort: sel.Sort}
	if wait := doc.docs.advisor.note(ctx, doc.docs, doc.db, doc.id, s, t, sel, cols); wait != nil && outsideTx {
		// The index of this shape is being built: wait for it, rather
		// than scan the table beside the build (a read in a transaction
		// cannot: its snapshot would not see the index, and a write's
		// would hold the lock the build needs).
		waitForIndex(ctx, wait)
	}
	if sel.Count || sel.CountOnly || len(sel.Aggregates) > 0 {
		aggSQL, err := c.aggregateSQL(t, sel.Aggregates)
		if err != nil {
			return nil, err
		}
		var n int64
		raw := make([]any, len(sel.Aggregates))
		dst := make([]any, 1+len(raw))
		dst[0] = &n
		for i := range raw {
			dst[1+i] = &raw[i]
		}
		if err := q.QueryRow(ctx, `SELECT COUNT(*)`+aggSQL+` FROM `+d.QuoteIdent(t.ID)+` AS t WHERE `+filterWhere, filterArgs...).Scan(dst...); err != nil {
			return nil, fmt.Errorf("count %s: %w", t.ID, err)
		}
		res.TotalCount = &n
		if len(raw) > 0 {
			if res.Aggregates, err = aggregateValues(t, sel.Aggregates, n, raw); err != nil {
				return nil, fmt.Errorf("aggregate %s: %w", t.ID, err)
			}
		}
		if sel.CountOnly {
			return res, nil
		}
	}
	rows, err := q.Query(ctx, sel1.String(), c.args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", t.ID, err)
	}
	if sel.Limit == 0 {
		res.rows = rows
		return res, nil
	}
	// A page: read limit+1 rows to know whether there is more.
	defer rows.Close()
	for rows.Next() {
		r, err := res.scan(rows, true)
		if err != nil {
			return nil, err
		}
		res.buf = append(res.buf, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", t.ID, err)
	}
	more := len(res.buf) > sel.Limit
	if more {
		res.buf = res.buf[:sel.Limit]
	}
	if backward {
		slices.Reverse(res.buf)
	}
	p := &PageInfo{}
	if backward {
		p.HasPreviousPage, p.HasNextPage = more, sel.Before != nil
	} else {
		p.HasNextPage, p.HasPreviousPage = more, sel.After != nil || sel.Offset > 0
	}
	if n := len(res.buf); n > 0 {
		start, end := res.buf[0].cursor(fp, idKeys).Encode(), res.buf[n-1].cursor(fp, idKeys).Encode()
		p.StartCursor, p.EndCursor = &start, &end
	}
	res.Page = p
	return res, nil
}

// readBounds are the bounds of every filter and sort the core compiles:
// the query package's, with lists of ids as long as a batch or a page.
func readBounds(l Limits) query.Limits {
	b := query.DefaultLimits
	b.MaxValues = max(b.MaxValues, l.MaxBatch, l.MaxPage)
	return b
}

// idExpr is the row id of the read table (aliased t) in SQL.
const idExpr = `t."id"`

// selectColumns is the columns a read returns: those named, in order, or
// all of the table's.
func selectColumns(t *schema.Table, ids []string) ([]*schema.Column, error) {
	if ids == nil {
		return t.Columns, nil
	}
	cols := make([]*schema.Column, 0, len(ids))
	for _, id := range ids {
		c := t.Column(id)
		if c == nil {
			return nil, invalidColumn(t, id)
		}
		cols = append(cols, c)
	}
	return cols, nil
}

// sortExpr is the SQL of a sort key: a column, or a column of a referenced
// record through Ref columns (a scalar subquery per hop).
func (c *compiler) sortExpr(t *schema.Table, path []string) (string, error) {
	return c.sortExprAt(t, "t", path)
}

func (c *compiler) sortExprAt(t *schema.Table, alias string, path []string) (string, error) {
	col, sqlName, err := resolve(t, path[0])
	if err != nil {
		return "", err
	}
	if col.Reverse {
		return "", rowhouse.Invalidf("cannot sort by the reverse column %q", col.ID)
	}
	x := c.columnSQL(t, alias, col, sqlName)
	if len(path) == 1 {
		return x, nil
	}
	if col.Type.Kind != schema.KindRef {
		return "", rowhouse.Invalidf("%s.%s is not a Ref column: cannot sort by %s", t.ID, col.ID, strings.Join(path, "."))
	}
	target := c.s.Table(col.Type.Table)
	if target == nil {
		return "", rowhouse.Invalidf("%s.%s refers to a table that no longer exists", t.ID, col.ID)
	}
	a := c.alias()
	inner, err := c.sortExprAt(target, a, path[1:])
	if err != nil {
		return "", err
	}
	return "(SELECT " + inner + " FROM " + c.d.QuoteIdent(target.ID) + " AS " + a + " WHERE " + a + `."id" = ` + x + ")", nil
}

// after is the keyset condition "the row comes after the cursor in this
// order": for keys k1..kn then id, OR over i of (k1..k(i-1) equal, ki
// after), with NULLs placed as the order places them.
func (c *compiler) after(order []sortTerm, cur *query.Cursor, idDesc bool) string {
	// Each condition binds its value where it is written: the equalities
	// of the first keys appear in several terms, and every "?" in the text
	// needs its own argument, in text order.
	eq := func(i int) string {
		x := order[i].expr
		if v := cursorValue(cur.Values[i]); v != nil {
			return x + " = " + c.bind(v)
		}
		return x + " IS NULL"
	}
	gt := func(i int) string {
		term, v := order[i], cursorValue(cur.Values[i])
		x := term.expr
		switch {
		case v == nil && term.nulls == query.NullsFirst:
			return x + " IS NOT NULL"
		case v == nil: // nulls last: nothing non-null comes after
			return "1=0"
		}
		op := ">"
		if term.desc {
			op = "<"
		}
		g := x + " " + op + " " + c.bind(v)
		if term.nulls == query.NullsLast {
			g = "(" + g + " OR " + x + " IS NULL)"
		}
		return g
	}
	var ors []string
	for i := range order {
		var and []string
		for j := range i {
			and = append(and, eq(j))
		}
		ors = append(ors, "("+strings.Join(append(and, gt(i)), " AND ")+")")
	}
	op := ">"
	if idDesc {
		op = "<"
	}
	var and []string
	for j := range order {
		and = append(and, eq(j))
	}
	ors = append(ors, "("+strings.Join(append(and, `t."id" `+op+" "+c.bind(cur.ID)), " AND ")+")")
	return strings.Join(ors, " OR ")
}

// cursorValue turns a cursor's JSON value back into a value to bind.
func cursorValue(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case float64:
		if v == float64(int64(v)) {
			return int64(v)
		}
	}
	return v
}

// scan reads the current database row. A buffered page's rows keep their
// cells (taken from slabs, a few allocations per page rather than per
// row); a streamed read reuses one row's cells, which Values copies out.
func (r *Rows) scan(rows store.Rows, buffered bool) (scanned, error) {
	nv, nk := len(r.Columns), r.nkeys
	var cells []Cell
	var keys []any
	if buffered {
		cells = r.cells.Alloc(nv)
		per := min(64, r.want+1) // rows per key slab
		if cap(r.keySlab)-len(r.keySlab) < nk {
			r.keySlab = make([]any, 0, nk*per)
		}
		keys = r.keySlab[len(r.keySlab) : len(r.keySlab)+nk : len(r.keySlab)+nk]
		r.keySlab = r.keySlab[:len(r.keySlab)+nk]
	} else {
		if cap(r.row) < nv {
			r.row = make([]Cell, nv)
		}
		if cap(r.rowKeys) < nk {
			r.rowKeys = make([]any, nk)
		}
		cells, keys = r.row[:nv], r.rowKeys[:nk]
		clear(keys)
	}
	// The select list: id, alt, [created, updated], the columns, the sort
	// keys that are not the id.
	fixed := 2
	if r.stamps {
		fixed = 4
	}
	if r.dest == nil {
		r.dest = make([]any, fixed, fixed+nv+nk-len(r.idKeys))
		r.dest[0], r.dest[1] = &r.sc.id, &r.sc.alt
		if r.stamps {
			r.dest[2], r.dest[3] = &r.sc.created, &r.sc.updated
		}
	}
	r.dest = r.dest[:fixed]
	for i := range cells {
		r.dest = append(r.dest, (*store.Cell)(&cells[i]))
	}
	for i := range keys {
		if !slices.Contains(r.idKeys, i) {
			r.dest = append(r.dest, &keys[i])
		}
	}
	r.sc.alt = nil
	if err := rows.Scan(r.dest...); err != nil {
		return scanned{}, fmt.Errorf("read %s: %w", r.Table.ID, err)
	}
	s := scanned{id: r.sc.id, created: r.sc.created, updated: r.sc.updated, vals: cells, keys: keys}
	for i, k := range s.keys {
		if b, ok := k.([]byte); ok {
			s.keys[i] = string(b)
		}
	}
	if r.sc.alt == nil { // the common case: every cell as stored
		return s, nil
	}
	alt, err := parseAlt(r.sc.alt)
	for i, c := range r.Columns {
		if v, ok := alt[c.ID]; ok {
			cells[i] = altCell(v)
		}
	}
	return s, err
}

// cellsPerChunk is the size of the chunks of cells pages are read into:
// a page of 100 rows of 10 columns is one chunk.
const cellsPerChunk = 1024

// cursor is the row's cursor in a read by fingerprint fp whose sort keys
// idKeys are the id.
func (s scanned) cursor(fp string, idKeys []int) query.Cursor {
	vals := s.keys
	if len(idKeys) > 0 {
		vals = slices.Clone(vals)
		for _, i := range idKeys {
			vals[i] = s.id
		}
	}
	return query.Cursor{Values: vals, ID: s.id, Query: fp}
}

// prime reads the first row of a streamed read, which gives the read its
// snapshot (SQLite takes it at the first step); Next returns it first.
func (r *Rows) prime() {
	if r.rows.Next() {
		r.cur, r.err = r.scan(r.rows, false)
		r.primed = r.err == nil
		return
	}
	r.err = r.rows.Err()
	r.drained = true
}

// Next advances to the next row.
func (r *Rows) Next() bool {
	if r.primed {
		r.primed = false
		return true
	}
	if r.err != nil || r.closed || r.drained {
		return false
	}
	if r.rows == nil {
		if r.pos >= len(r.buf) {
			return false
		}
		r.cur = r.buf[r.pos]
		r.pos++
		return true
	}
	if !r.rows.Next() {
		r.err = r.rows.Err()
		return false
	}
	r.cur, r.err = r.scan(r.rows, false)
	return r.err == nil
}

// Err returns the error that ended iteration, if any.
func (r *Rows) Err() error { return r.err }

// ID is the current row's id.
func (r *Rows) ID() int64 { return r.cur.id }

// CreatedAt and UpdatedAt are the current row's timestamps in Unix
// seconds.
func (r *Rows) CreatedAt() float64 { return float64(r.cur.created) / 1000 }

// UpdatedAt is the current row's last change time in Unix seconds.
func (r *Rows) UpdatedAt() float64 { return float64(r.cur.updated) / 1000 }

// Values returns the current row's cell values in Columns order, as JSON
// values in Grist's normal format, or typed format (cellFormat=typed).
func (r *Rows) Values(dst []any, typed bool) []any {
	dst = dst[:0]
	for i, c := range r.Columns {
		dst = append(dst, r.cur.vals[i].Value(c.Type, typed))
	}
	return dst
}

// AppendJSON appends the current row's cell of column i (in Columns
// order) to b as JSON: the JSON of Values' i-th value, written without it
// for the common cells.
func (r *Rows) AppendJSON(b []byte, i int, typed bool) ([]byte, error) {
	return r.cur.vals[i].AppendJSON(b, r.Columns[i].Type, typed)
}

// AppendCells appends the current row's cells, in Columns order, to dst:
// for a reader that keeps rows to write them later (Cell.AppendJSON,
// Cell.Value).
func (r *Rows) AppendCells(dst []Cell) []Cell {
	return append(dst, r.cur.vals...)
}

// Cursor returns the current row's cursor.
func (r *Rows) Cursor() string {
	if r.fp == "" {
		r.fp = query.Fingerprint(r.filter, r.sort)
	}
	return r.cur.cursor(r.fp, r.idKeys).Encode()
}

// Close ends the read.
func (r *Rows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.rows != nil {
		r.rows.Close()
	}
	// The page's cells go back to the pool: a caller that keeps cells
	// copies them (AppendCells), and their texts are strings of their own.
	r.buf, r.cur = nil, scanned{}
	r.cells.Release()
	if r.tx != nil {
		return r.tx.Rollback()
	}
	return nil
}
