package core

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/store"
)

// An upsert matches its records in the order given, each seeing what the
// ones before it wrote. Asking the database once per record costs a round
// trip each, and a scan of the table each when the column has no index.
// The matcher asks once per batch instead: every record's condition (a
// probe) is looked up in one statement per shape of condition, against
// the table as it was before the batch, and what the batch itself writes
// is kept in memory (the overlay) and laid over those answers, record by
// record. The few conditions the overlay cannot decide (a record matching
// on several columns, some of them changed by an earlier record of the
// batch on a row the lookup did not find) are asked of the database, after
// the batch's writes so far: exactly what matching one record after another
// would see.

// probeCol is one column of a probe's condition.
type probeCol struct {
	id   string         // a column id, or "id"
	col  *schema.Column // nil for "id"
	null bool           // the cell must be empty (IS NULL)
	uniq bool           // a unique column's non-empty value: its index's condition applies
}

// probe is one distinct condition of a batch: every column equal to its
// value (or empty), and the ids of the rows that met it before the batch,
// lowest first.
type probe struct {
	shape *probeShape
	vals  []any // the values of shape's columns that are not null, in order
	pre   []int64
}

// hasID reports whether p compares the row id.
func (p *probe) hasID() bool {
	for _, c := range p.shape.cols {
		if c.id == "id" {
			return true
		}
	}
	return false
}

// probeShape is the columns of a set of probes, and which of them must be
// empty; its probes are looked up together.
type probeShape struct {
	key    string
	cols   []probeCol
	probes []*probe
}

// orow is a row the batch wrote: one it added (all its cells known) or
// one it changed (the cells it set known).
type orow struct {
	id    int64 // 0 for a row added but not inserted yet
	added bool
	vals  map[string]any // encoded cells of the columns probes compare
	mark  int            // resolve's visit mark
}

// matcher answers a batch's probes.
type matcher struct {
	w      *writer
	t      *schema.Table
	parse  bool
	shapes map[string]*probeShape
	probes map[string]*probe // by shape and values
	cols   map[string]bool   // the columns any probe compares
	// The overlay: rows the batch wrote, by id, and by column and value
	// written (entries may be stale: a row's value may have moved on
	// since; resolve checks).
	byID  map[int64]*orow
	byVal map[string]map[string][]*orow
	mark  int
}

func newMatcher(w *writer, t *schema.Table, parse bool) *matcher {
	return &matcher{w: w, t: t, parse: parse, shapes: map[string]*probeShape{}, probes: map[string]*probe{},
		cols: map[string]bool{}, byID: map[int64]*orow{}, byVal: map[string]map[string][]*orow{}}
}

// requireProbe is the probe of a record's require: nil (and ok false)
// when a value does not fit its column, which matches nothing. require
// must not be empty.
func (m *matcher) requireProbe(require map[string]any) (p *probe, ok bool) {
	keys := make([]string, 0, len(require))
	for k := range require {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	cols := make([]probeCol, 0, len(keys))
	vals := make([]any, 0, len(keys))
	for _, k := range keys {
		v := require[k]
		if k == "id" {
			id, ok := asRowID(v)
			if !ok {
				return nil, false
			}
			cols = append(cols, probeCol{id: "id"})
			vals = append(vals, id)
			continue
		}
		c := m.t.Column(k)
		sqlValue, _, ok := c.Type.Encode(v, m.parse)
		switch {
		case !ok:
			return nil, false
		case sqlValue == nil:
			cols = append(cols, probeCol{id: k, col: c, null: true})
		default:
			cols = append(cols, probeCol{id: k, col: c, uniq: c.IsUnique && !reflect.DeepEqual(sqlValue, defaultSQL(c.Type))})
			vals = append(vals, sqlValue)
		}
	}
	return m.probe(cols, vals), true
}

// uniqueProbe is the probe of one unique value of a record (MatchUnique).
func (m *matcher) uniqueProbe(uv uniqueValue) *probe {
	return m.probe([]probeCol{{id: uv.col.ID, col: uv.col, uniq: true}}, []any{uv.sql})
}

// probe returns the batch's probe of cols and vals, adding it if new.
func (m *matcher) probe(cols []probeCol, vals []any) *probe {
	var sk strings.Builder
	for _, c := range cols {
		sk.WriteString(strconv.Quote(c.id))
		switch {
		case c.null:
			sk.WriteString(" null,")
		case c.uniq:
			sk.WriteString(" uniq,")
		default:
			sk.WriteString(" eq,")
		}
		m.cols[c.id] = true
	}
	shape := m.shapes[sk.String()]
	if shape == nil {
		shape = &probeShape{key: sk.String(), cols: cols}
		m.shapes[shape.key] = shape
	}
	pk := shape.key
	for _, v := range vals {
		pk += "\x00" + valKey(v)
	}
	if p := m.probes[pk]; p != nil {
		return p
	}
	p := &probe{shape: shape, vals: vals}
	m.probes[pk] = p
	shape.probes = append(shape.probes, p)
	return p
}

// maxProbesPerStatement bounds the probes one lookup statement carries.
const maxProbesPerStatement = 1024

// lookup finds the rows each probe matches before the batch: one
// statement per shape (per maxProbesPerStatement probes), a join of the
// probes' values with the table, which the database answers with one
// index seek per probe when the columns are indexed (and with one scan
// of the table otherwise, not one per record). It also tells the index
// advisor which columns the batch looked up by.
func (m *matcher) lookup(ctx context.Context) error {
	d := m.w.d
	tq := d.QuoteIdent(m.t.ID)
	for _, shape := range m.shapes {
		var on []string
		var eq []probeCol
		for _, c := range shape.cols {
			col := `t.` + d.QuoteIdent(c.id)
			switch {
			case c.null:
				on = append(on, col+" IS NULL")
			default:
				on = append(on, col+" = v."+d.QuoteIdent("_rh_k"+strconv.Itoa(len(eq))))
				eq = append(eq, c)
				if c.uniq {
					on = append(on, uniqueIndexWhereAt(d, "t", c.col))
				}
			}
		}
		if len(eq) == 0 { // only empty cells: one probe, one plain query
			ids, err := m.w.queryIDs(ctx, `SELECT t."id" FROM `+tq+` AS t WHERE `+strings.Join(on, " AND ")+` ORDER BY t."id"`)
			if err != nil {
				return fmt.Errorf("match in %s: %w", m.t.ID, err)
			}
			for _, p := range shape.probes {
				p.pre = ids
			}
			continue
		}
		m.noteLookups(eq, len(shape.probes))
		typed, _ := d.(paramTyper)
		param := func(s schema.Storage) string {
			if typed != nil {
				return typed.TypedParam(s)
			}
			return "?"
		}
		rowPH := "(" + param(schema.StoreInt)
		names := `_rh_i`
		for i, c := range eq {
			s := schema.StoreInt // the id
			if c.col != nil {
				s = c.col.Type.Storage()
			}
			rowPH += ", " + param(s)
			names += ", " + d.QuoteIdent("_rh_k"+strconv.Itoa(i))
		}
		rowPH += ")"
		tail := ` SELECT v._rh_i, t."id" FROM v JOIN ` + tq + ` AS t ON ` + strings.Join(on, " AND ") + ` ORDER BY v._rh_i, t."id"`
		per := min(maxProbesPerStatement, store.RowsPerInsert(1+len(eq)))
		for start := 0; start < len(shape.probes); start += per {
			part := shape.probes[start:min(start+per, len(shape.probes))]
			// Statements of a few sizes only (padded with rows that
			// match nothing), so that prepared statements are reused.
			n := min(paddedCount(len(part)), per)
			var b strings.Builder
			b.WriteString(`WITH v (` + names + `) AS (VALUES `)
			args := make([]any, 0, n*(1+len(eq)))
			for k := range n {
				if k > 0 {
					b.WriteString(", ")
				}
				b.WriteString(rowPH)
				if k >= len(part) {
					args = append(args, 0)
					for range eq {
						args = append(args, nil)
					}
					continue
				}
				args = append(args, k+1)
				args = append(args, part[k].vals...)
			}
			b.WriteString(`)` + tail)
			rows, err := m.w.q.Query(ctx, b.String(), args...)
			if err != nil {
				return fmt.Errorf("match in %s: %w", m.t.ID, err)
			}
			for rows.Next() {
				var i, id int64
				if err := rows.Scan(&i, &id); err != nil {
					rows.Close()
					return fmt.Errorf("match in %s: %w", m.t.ID, err)
				}
				p := part[i-1]
				p.pre = append(p.pre, id)
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return fmt.Errorf("match in %s: %w", m.t.ID, err)
			}
		}
	}
	return nil
}

// paddedCount rounds n up to a power of two, 8 at least.
func paddedCount(n int) int {
	c := 8
	for c < n {
		c *= 2
	}
	return c
}

// noteLookups tells the index advisor that n records were looked up by
// the columns eq, unless an index serves them already (the id's, a unique
// column's: its own index leaves out the empty values, which few look up).
func (m *matcher) noteLookups(eq []probeCol, n int) {
	var cols []string
	for _, c := range eq {
		if c.col == nil || c.col.IsUnique {
			return
		}
		if indexable(c.col.Type.Kind) {
			cols = append(cols, c.id)
		}
	}
	if len(cols) > maxIndexColumns {
		cols = cols[:maxIndexColumns]
	}
	if len(cols) > 0 {
		docs := m.w.doc.docs
		docs.advisor.noteLookups(docs, m.w.doc.id, m.w.s.Version, m.t.ID, cols, n)
	}
}

// paramTyper is a dialect whose parameters need their type spelled where
// nothing around them gives it (in VALUES, PostgreSQL reads a parameter of
// unknown type as text).
type paramTyper interface {
	TypedParam(s schema.Storage) string
}

// uniqueIndexWhereAt is uniqueIndexWhere with the column qualified by a
// table alias.
func uniqueIndexWhereAt(d interface{ QuoteIdent(string) string }, alias string, c *schema.Column) string {
	col := alias + "." + d.QuoteIdent(c.ID)
	where := col + " IS NOT NULL"
	if lit := defaultLiteral(c.Type); lit != "NULL" && lit != "FALSE" {
		where += " AND " + col + " <> " + lit
	}
	return where
}

// resolve returns the rows that meet p now, lowest id first: those that
// met it before the batch, less those the batch changed away from it, and
// those the batch added or changed into it. It returns ok false when the
// overlay cannot tell (a row the batch changed in some of p's columns but
// not all, which did not meet p before): the caller asks the database.
// pending is set when a row that meets p has no id yet (the caller
// inserts the batch's pending rows, and asks again).
func (m *matcher) resolve(p *probe) (ids []int64, ok, pending bool) {
	m.mark++
	for _, id := range p.pre {
		r := m.byID[id]
		if r == nil {
			ids = append(ids, id)
			continue
		}
		r.mark = m.mark
		switch meets, known := m.meets(r, p, true); {
		case !known:
			return nil, false, false
		case meets:
			ids = append(ids, id)
		}
	}
	vi := 0
	for _, c := range p.shape.cols {
		var want any
		if !c.null {
			want = p.vals[vi]
			vi++
		}
		var cands []*orow
		if c.id == "id" {
			if r := m.byID[want.(int64)]; r != nil {
				cands = []*orow{r}
			}
		} else {
			cands = m.byVal[c.id][valKey(want)]
		}
		for _, r := range cands {
			if r.mark == m.mark {
				continue
			}
			r.mark = m.mark
			meets, known := m.meets(r, p, false)
			switch {
			case !known:
				return nil, false, false
			case !meets:
			case r.id == 0:
				pending = true
			default:
				ids = append(ids, r.id)
			}
		}
	}
	if pending {
		return nil, true, true
	}
	slices.Sort(ids)
	return ids, true, false
}

// meets tells whether a row the batch wrote meets p now; pre says it met
// p before the batch. known is false when that cannot be told from what
// the batch wrote.
func (m *matcher) meets(r *orow, p *probe, pre bool) (meets, known bool) {
	vi := 0
	for _, c := range p.shape.cols {
		var want any
		if !c.null {
			want = p.vals[vi]
			vi++
		}
		if c.id == "id" {
			if r.id == 0 {
				return false, false // an added row's id is not known before its insert
			}
			if r.id != want.(int64) {
				return false, true
			}
			continue
		}
		have, ok := r.vals[c.id]
		if !ok { // a changed row's cell the batch did not set: as it was
			if !pre {
				return false, false
			}
			continue
		}
		if valKey(have) != valKey(want) {
			return false, true
		}
	}
	return true, true
}

// added notes a row the batch adds, with its cells as stored: those given,
// the columns' empty values for the rest.
func (m *matcher) added(row Row) *orow {
	r := &orow{id: row.ID, added: true, vals: make(map[string]any, len(m.cols))}
	for id := range m.cols {
		c := m.t.Column(id)
		if c == nil {
			continue // "id"
		}
		v, ok := row.Fields[id]
		if !ok {
			r.vals[id] = defaultSQL(c.Type)
			continue
		}
		r.vals[id] = encodeCell(c, v, m.parse).sql
	}
	if r.id != 0 {
		m.byID[r.id] = r
	}
	m.index(r)
	return r
}

// inserted gives an added row its id.
func (m *matcher) inserted(r *orow, id int64) {
	r.id = id
	m.byID[id] = r
}

// updated notes fields written to the row id.
func (m *matcher) updated(id int64, fields map[string]any) {
	r := m.byID[id]
	changed := false
	for k, v := range fields {
		if !m.cols[k] {
			continue // a cell no probe compares: the row meets what it met
		}
		if r == nil {
			r = &orow{id: id, vals: map[string]any{}}
			m.byID[id] = r
		}
		r.vals[k] = encodeCell(m.t.Column(k), v, m.parse).sql
		changed = true
	}
	if changed {
		m.index(r)
	}
}

// index files r under its current values.
func (m *matcher) index(r *orow) {
	for k, v := range r.vals {
		byVal := m.byVal[k]
		if byVal == nil {
			byVal = map[string][]*orow{}
			m.byVal[k] = byVal
		}
		vk := valKey(v)
		if rs := byVal[vk]; len(rs) == 0 || rs[len(rs)-1] != r {
			byVal[vk] = append(rs, r)
		}
	}
}

// valKey is an encoded cell value as a map key: values that SQL's = finds
// equal (1 and 1.0, true and 1) have the same key, NULL its own.
func valKey(v any) string {
	switch x := v.(type) {
	case nil:
		return "n"
	case string:
		return "s" + x
	case []byte:
		return "s" + string(x)
	case bool:
		if x {
			return "i1"
		}
		return "i0"
	case int64:
		return "i" + strconv.FormatInt(x, 10)
	case int:
		return "i" + strconv.Itoa(x)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			return "i" + strconv.FormatInt(int64(x), 10)
		}
		return "f" + strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprintf("?%T:%v", v, v)
}
