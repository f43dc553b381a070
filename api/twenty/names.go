package twenty

import (
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/query"
	"github.com/rowhouse/rowhouse/schema"
)

// Twenty addresses an object's records by its plural name (/rest/companies)
// and names its relation ids <relation>Id: this file maps those names onto
// the document's tables and columns, and ids onto row ids, so that the
// core sees only table ids, column ids and integers.

// tableByPlural finds the table whose namePlural is name, or says, as
// Twenty does, that there is none (naming the plural when name is a
// singular).
func tableByPlural(s *schema.Schema, name string) (*schema.Table, error) {
	for _, t := range s.Tables {
		if t.NamePlural == name && name != "" {
			return t, nil
		}
	}
	hint := "eg: companies"
	if len(s.Tables) > 0 && s.Tables[0].NamePlural != "" {
		hint = "eg: " + s.Tables[0].NamePlural
	}
	for _, t := range s.Tables {
		if t.NameSingular == name && name != "" {
			hint = "Did you mean '" + t.NamePlural + "'?"
		}
	}
	return nil, rowhouse.Invalidf("object '%s' not found. %s", clip(name), hint)
}

// refByIDField returns the Ref column of t whose id field is name
// (schema.RefIDField), or nil.
func refByIDField(t *schema.Table, name string) *schema.Column {
	if !strings.HasSuffix(name, "Id") || t.Column(name) != nil {
		return nil
	}
	c := t.Column(strings.TrimSuffix(name, "Id"))
	if c == nil {
		return nil
	}
	if f, ok := schema.RefIDField(t, c); ok && f == name {
		return c
	}
	return nil
}

// filterExpr translates a filter parsed by the query package (Twenty's
// grammar) for table t: <ref>Id fields become their Ref column, and the
// values compared with ids (id, Ref and RefList columns, at any step of a
// path through relations) become row ids.
func filterExpr(s *schema.Schema, t *schema.Table, e query.Expr) (query.Expr, error) {
	switch e := e.(type) {
	case nil:
		return nil, nil
	case query.And:
		out, err := filterExprs(s, t, e.Exprs)
		return query.And{Exprs: out}, err
	case query.Or:
		out, err := filterExprs(s, t, e.Exprs)
		return query.Or{Exprs: out}, err
	case query.Not:
		inner, err := filterExpr(s, t, e.Expr)
		return query.Not{Expr: inner}, err
	case query.Cond:
		return filterCond(s, t, e)
	}
	return e, nil
}

func filterExprs(s *schema.Schema, t *schema.Table, es []query.Expr) ([]query.Expr, error) {
	out := make([]query.Expr, len(es))
	for i, x := range es {
		var err error
		if out[i], err = filterExpr(s, t, x); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func filterCond(s *schema.Schema, t *schema.Table, k query.Cond) (query.Expr, error) {
	head := k.Path[0]
	var col *schema.Column
	if c := refByIDField(t, head); c != nil && len(k.Path) == 1 {
		col, head = c, c.ID
	} else {
		col = t.Column(head)
	}
	out := query.Cond{Path: append([]string{head}, k.Path[1:]...), Op: k.Op, Value: k.Value}
	if len(k.Path) > 1 {
		if col == nil || col.Type.Kind != schema.KindRef {
			return out, nil // the core says why the path is wrong
		}
		target, err := relationTarget(s, col)
		if err != nil {
			return nil, err
		}
		inner, err := filterCond(s, target, query.Cond{Path: k.Path[1:], Op: k.Op, Value: k.Value})
		if err != nil {
			return nil, err
		}
		c := inner.(query.Cond)
		out.Path, out.Value = append([]string{head}, c.Path...), c.Value
		return out, nil
	}
	isID := head == "id" && col == nil
	if !isID && (col == nil || (col.Type.Kind != schema.KindRef && col.Type.Kind != schema.KindRefList)) {
		return out, nil
	}
	if k.Op == query.OpIs {
		return out, nil
	}
	what := "filter on " + strings.Join(k.Path, ".")
	conv := func(v any) (any, error) {
		if v == nil {
			return nil, nil
		}
		id, err := idValue(what, v)
		return id, err
	}
	switch v := k.Value.(type) {
	case []any:
		list := make([]any, len(v))
		for i, x := range v {
			var err error
			if list[i], err = conv(x); err != nil {
				return nil, err
			}
		}
		out.Value = list
	default:
		if k.Op == query.OpLike || k.Op == query.OpILike || k.Op == query.OpStartsWith || k.Op == query.OpEndsWith {
			return nil, rowhouse.Invalidf("%s: %s does not compare ids", what, k.Op)
		}
		var err error
		if out.Value, err = conv(v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// sortKeys translates order_by's terms for table t: <ref>Id fields sort by
// their Ref column (the id it holds).
func sortKeys(t *schema.Table, terms []orderTerm) []query.SortKey {
	keys := make([]query.SortKey, len(terms))
	for i, term := range terms {
		path := term.path
		if len(path) == 1 {
			if c := refByIDField(t, path[0]); c != nil {
				path = []string{c.ID}
			}
		}
		keys[i] = query.SortKey{Path: path, Desc: term.key.Desc, Nulls: term.key.Nulls}
	}
	return keys
}

// recordFields translates a record as a client writes it (a JSON object)
// into the core's fields for table t. An id is returned apart when
// newRecord (a create's chosen id, or an upsert's match); an update may
// repeat its record's id (self, 0 for none) but not change it. createdAt
// and updatedAt are read-only.
func recordFields(t *schema.Table, in map[string]any, self int64, newRecord bool) (map[string]any, int64, error) {
	out := make(map[string]any, len(in))
	var id int64
	for k, v := range in {
		switch {
		case k == "id":
			if v == nil && newRecord {
				continue
			}
			given, err := idValue("id", v)
			if err != nil {
				return nil, 0, err
			}
			if !newRecord && given != self {
				return nil, 0, rowhouse.Invalidf("id cannot be changed")
			}
			id = given
			continue
		case (k == "createdAt" || k == "updatedAt") && t.Column(k) == nil:
			return nil, 0, rowhouse.Invalidf("%s is read-only", k)
		}
		c := refByIDField(t, k)
		if c == nil {
			c = t.Column(k)
		}
		if c == nil {
			return nil, 0, rowhouse.Invalidf("Object %s doesn't have any \"%s\" field.", t.NameSingular, clip(k))
		}
		if c.Reverse {
			return nil, 0, rowhouse.Invalidf("%s is the reverse side of a relation: set %s on %s instead", c.ID, c.ReverseCol, c.Type.Table)
		}
		if _, dup := out[c.ID]; dup {
			return nil, 0, rowhouse.Invalidf("%s is given twice (as %s and as %s)", c.ID, c.ID, c.ID+"Id")
		}
		val, err := inValue(c, v)
		if err != nil {
			return nil, 0, err
		}
		out[c.ID] = val
	}
	return out, id, nil
}
