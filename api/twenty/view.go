package twenty

import (
	"slices"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/internal/jsonenc"
	"github.com/rowhouse/rowhouse/schema"
)

// A table's records on this surface, as Twenty shows an object's:
//
//	id, createdAt, updatedAt   the row id (UUID form) and timestamps
//	<column>                   each stored column's value
//	<ref>Id                    for a Ref column: the id of the record it
//	                           names (schema.RefIDField), null when empty
//	<ref>                      with depth >= 1: that record, embedded
//	<refList>                  a RefList column: its ids, or with
//	                           depth >= 1 its records
//	<reverse>                  the reverse side of a two-way reference:
//	                           with depth >= 1 the records that refer to
//	                           this one (absent at depth 0, as Twenty's
//	                           one-to-many relations are)
//
// A view is what one answer shows of one table at one depth: the fields,
// the columns to read for them, and the relations to embed, each with the
// view of its records at the depth below.
type view struct {
	t *schema.Table
	// cols are the stored columns to read, in order (core.Select.Columns).
	cols   []*schema.Column
	colIdx map[string]int
	// stamps is set when createdAt or updatedAt is shown.
	stamps bool
	fields []field
	rels   []*relation
}

// fieldKind says how a field's value is made.
type fieldKind int

const (
	fieldID      fieldKind = iota // the row id
	fieldCreated                  // createdAt
	fieldUpdated                  // updatedAt
	fieldCell                     // a column's value
	fieldRefID                    // the id a Ref column holds
	fieldRel                      // an embedded relation
)

// field is one member of a record's answer.
type field struct {
	name string
	key  []byte // "name": in JSON
	kind fieldKind
	col  *schema.Column
	idx  int       // the column's place in view.cols (cells, ref ids)
	rel  *relation // fieldRel
}

// relKind is the kind of a relation field.
type relKind int

const (
	relRef     relKind = iota // a Ref column: one record or null
	relList                   // a RefList column: the records it lists
	relReverse                // a reverse column: the records referring here
)

// relation is a relation field embedded in a view, and, once fetched, the
// related records.
type relation struct {
	kind   relKind
	col    *schema.Column // the parent's column
	idx    int            // its place in the parent's cols (relRef, relList)
	fwd    *schema.Column // relReverse: the child's Ref column
	target *view
	// Fetched: the records by id (relRef, relList) or by parent id
	// (relReverse), in id order.
	byID     map[int64]*record
	byParent map[int64][]*record
}

// record is one row as read for a view: its id, timestamps and the values
// of the view's columns (Grist's normal format).
type record struct {
	id               int64
	created, updated float64
	vals             []any
}

// relationTarget returns the table a relation column points at.
func relationTarget(s *schema.Schema, c *schema.Column) (*schema.Table, error) {
	t := s.Table(c.Type.Table)
	if t == nil {
		return nil, rowhouse.Invalidf("field %s refers to table %s, which no longer exists", c.ID, c.Type.Table)
	}
	return t, nil
}

// candidate is a field a view may show, in the order answers show them.
type candidate struct {
	name string
	kind fieldKind
	col  *schema.Column
	rel  relKind
	// minDepth is the depth from which it is shown (1 for relations).
	minDepth int
}

// candidates lists every field of t's records, in order.
func candidates(t *schema.Table) []candidate {
	out := []candidate{{name: "id", kind: fieldID}}
	for _, ts := range []struct {
		name string
		kind fieldKind
	}{{"createdAt", fieldCreated}, {"updatedAt", fieldUpdated}} {
		if t.Column(ts.name) == nil {
			out = append(out, candidate{name: ts.name, kind: ts.kind})
		}
	}
	for _, c := range t.Columns {
		switch {
		case c.Reverse:
			out = append(out, candidate{name: c.ID, kind: fieldRel, col: c, rel: relReverse, minDepth: 1})
		case c.Type.Kind == schema.KindRef:
			if name, ok := schema.RefIDField(t, c); ok {
				out = append(out, candidate{name: name, kind: fieldRefID, col: c})
				out = append(out, candidate{name: c.ID, kind: fieldRel, col: c, rel: relRef, minDepth: 1})
			} else {
				// No id field of its own: the column shows the id at depth
				// 0 and the record from depth 1.
				out = append(out, candidate{name: c.ID, kind: fieldRefID, col: c})
			}
		default: // a RefList column too: its ids, its records from depth 1 (newView)
			out = append(out, candidate{name: c.ID, kind: fieldCell, col: c})
		}
	}
	return out
}

// newView builds the view of t's records at depth; fields, when not nil,
// names the fields to show (id is always shown), and is only for the top
// level: embedded records show all their fields.
func newView(s *schema.Schema, t *schema.Table, depth int, fields []string) (*view, error) {
	cands := candidates(t)
	var want map[string]bool
	if fields != nil {
		want = map[string]bool{"id": true}
		var unknown []string
		for _, f := range fields {
			i := slices.IndexFunc(cands, func(c candidate) bool { return c.name == f })
			if i < 0 {
				unknown = append(unknown, f)
				continue
			}
			if cands[i].minDepth > depth {
				return nil, rowhouse.Invalidf("'fields' parameter invalid. %s is a relation: ask with depth=1 or depth=2 to embed its records", f)
			}
			want[f] = true
		}
		if len(unknown) > 0 {
			return nil, rowhouse.Invalidf("'fields' parameter invalid. Unknown or unreadable fields on '%s': %s", t.NameSingular, strings.Join(unknown, ", "))
		}
	}
	v := &view{t: t, colIdx: map[string]int{}}
	read := func(c *schema.Column) int {
		if i, ok := v.colIdx[c.ID]; ok {
			return i
		}
		v.colIdx[c.ID] = len(v.cols)
		v.cols = append(v.cols, c)
		return len(v.cols) - 1
	}
	for _, c := range cands {
		if want != nil && !want[c.name] {
			continue
		}
		if c.minDepth > depth {
			continue
		}
		f := field{name: c.name, key: jsonenc.AppendString(nil, c.name), kind: c.kind, col: c.col}
		f.key = append(f.key, ':')
		switch c.kind {
		case fieldCreated, fieldUpdated:
			v.stamps = true
		case fieldCell:
			f.idx = read(c.col)
		case fieldRefID:
			f.idx = read(c.col)
			if depth > 0 && refWithoutIDField(t, c) {
				// The column is its own relation field from depth 1.
				rel, err := newRelation(s, v, c.col, relRef, depth, read)
				if err != nil {
					return nil, err
				}
				f.kind, f.rel = fieldRel, rel
			}
		case fieldRel:
			rel, err := newRelation(s, v, c.col, c.rel, depth, read)
			if err != nil {
				return nil, err
			}
			f.rel = rel
		}
		v.fields = append(v.fields, f)
	}
	// A RefList column shows its records from depth 1, in place of its ids.
	if depth > 0 {
		for i, f := range v.fields {
			if f.kind == fieldCell && f.col.Type.Kind == schema.KindRefList {
				rel, err := newRelation(s, v, f.col, relList, depth, read)
				if err != nil {
					return nil, err
				}
				v.fields[i].kind, v.fields[i].rel = fieldRel, rel
			}
		}
	}
	return v, nil
}

// refWithoutIDField reports whether a candidate is a Ref column that has
// no id field of its own (its name is taken), which then shows the id
// itself.
func refWithoutIDField(t *schema.Table, c candidate) bool {
	if c.kind != fieldRefID {
		return false
	}
	name, ok := schema.RefIDField(t, c.col)
	return !ok || name != c.name
}

// newRelation adds a relation of the view v (at depth >= 1) and the view of
// its records, one level down.
func newRelation(s *schema.Schema, v *view, c *schema.Column, kind relKind, depth int, read func(*schema.Column) int) (*relation, error) {
	target, err := relationTarget(s, c)
	if err != nil {
		return nil, err
	}
	rel := &relation{kind: kind, col: c}
	if kind == relReverse {
		rel.fwd = target.Column(c.ReverseCol)
		if rel.fwd == nil || rel.fwd.Type.Kind != schema.KindRef {
			return nil, rowhouse.Errorf(rowhouse.EINTERNAL, "reverse column %s.%s has no forward Ref column", v.t.ID, c.ID)
		}
	} else {
		rel.idx = read(c)
	}
	if rel.target, err = newView(s, target, depth-1, nil); err != nil {
		return nil, err
	}
	if kind == relReverse {
		// The children are grouped by their Ref column: read it.
		if _, ok := rel.target.colIdx[rel.fwd.ID]; !ok {
			rel.target.colIdx[rel.fwd.ID] = len(rel.target.cols)
			rel.target.cols = append(rel.target.cols, rel.fwd)
		}
	}
	v.rels = append(v.rels, rel)
	return rel, nil
}

// columnIDs are the ids of the view's columns, for core.Select.Columns.
func (v *view) columnIDs() []string {
	ids := make([]string, len(v.cols))
	for i, c := range v.cols {
		ids[i] = c.ID
	}
	return ids
}

// appendRecord appends a record's answer.
func (v *view) appendRecord(b []byte, r *record) []byte {
	b = append(b, '{')
	for i, f := range v.fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, f.key...)
		switch f.kind {
		case fieldID:
			b = appendID(b, r.id)
		case fieldCreated:
			b = append(b, '"')
			b = append(b, isoTime(r.created)...)
			b = append(b, '"')
		case fieldUpdated:
			b = append(b, '"')
			b = append(b, isoTime(r.updated)...)
			b = append(b, '"')
		case fieldCell:
			b = appendCell(b, f.col, r.vals[f.idx])
		case fieldRefID:
			b = appendRefID(b, r.vals[f.idx])
		case fieldRel:
			b = f.rel.appendFor(b, r)
		}
	}
	return append(b, '}')
}

// appendFor appends the related records of parent r.
func (rel *relation) appendFor(b []byte, r *record) []byte {
	switch rel.kind {
	case relRef:
		id, _ := rowIDOf(r.vals[rel.idx])
		if child := rel.byID[id]; child != nil {
			return rel.target.appendRecord(b, child)
		}
		return append(b, "null"...)
	case relList:
		b = append(b, '[')
		n := 0
		for _, id := range listIDs(r.vals[rel.idx]) {
			child := rel.byID[id]
			if child == nil {
				continue // a dangling id: the record is gone
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = rel.target.appendRecord(b, child)
		}
		return append(b, ']')
	}
	b = append(b, '[')
	for i, child := range rel.byParent[r.id] {
		if i > 0 {
			b = append(b, ',')
		}
		b = rel.target.appendRecord(b, child)
	}
	return append(b, ']')
}

// listIDs are the row ids of a RefList cell (["L", ids...]).
func listIDs(v any) []int64 {
	l, ok := v.([]any)
	if !ok || len(l) == 0 || l[0] != "L" {
		return nil
	}
	ids := make([]int64, 0, len(l)-1)
	for _, x := range l[1:] {
		if id, ok := rowIDOf(x); ok {
			ids = append(ids, id)
		}
	}
	return ids
}
