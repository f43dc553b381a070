package core

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/query"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/store"
)

// compiler turns filter and sort ASTs into SQL over a document's schema.
// Identifiers come only from the schema (validated ids, quoted by the
// dialect); every value is a bound parameter.
type compiler struct {
	d       store.Dialect
	s       *schema.Schema
	args    []any
	aliases int
}

func (c *compiler) bind(v any) string {
	c.args = append(c.args, v)
	return "?"
}

func (c *compiler) alias() string {
	c.aliases++
	return fmt.Sprintf("t%d", c.aliases)
}

// pseudo-columns every table answers to besides its own columns.
var (
	idColumn      = &schema.Column{ID: "id", Type: schema.Type{Kind: schema.KindInt}}
	createdColumn = &schema.Column{ID: "createdAt", Type: schema.Type{Kind: schema.KindDateTime, TZ: "UTC"}}
	updatedColumn = &schema.Column{ID: "updatedAt", Type: schema.Type{Kind: schema.KindDateTime, TZ: "UTC"}}
)

// resolve finds a filterable/sortable column of t by id: a user column, or
// id, createdAt, updatedAt (when no user column has that name).
func resolve(t *schema.Table, id string) (*schema.Column, string, error) {
	if c := t.Column(id); c != nil {
		return c, id, nil
	}
	switch id {
	case "id":
		return idColumn, "id", nil
	case "createdAt":
		return createdColumn, colCreated, nil
	case "updatedAt":
		return updatedColumn, colUpdated, nil
	}
	return nil, "", rowhouse.Invalidf("Invalid column %q in table %s%s", id, t.ID, didYouMean(t, id))
}

// columnSQL is the SQL expression of a column of the row aliased alias.
// Timestamps are stored in milliseconds and answered in seconds.
func (c *compiler) columnSQL(t *schema.Table, alias string, col *schema.Column, sqlName string) string {
	switch sqlName {
	case colCreated, colUpdated:
		return "(" + alias + "." + c.d.QuoteIdent(sqlName) + " / 1000.0)"
	}
	if col.Reverse {
		src := c.s.Table(col.Type.Table)
		a := c.alias()
		return c.d.JSONGroupArray(a+`."id"`, "FROM "+c.d.QuoteIdent(src.ID)+" AS "+a+" WHERE "+a+"."+c.d.QuoteIdent(col.ReverseCol)+" = "+alias+`."id"`, a+`."id"`)
	}
	return alias + "." + c.d.QuoteIdent(sqlName)
}

// expr compiles e against table t aliased alias.
func (c *compiler) expr(e query.Expr, t *schema.Table, alias string) (string, error) {
	switch e := e.(type) {
	case nil:
		return "1=1", nil
	case query.And:
		return c.group(e.Exprs, " AND ", "1=1", t, alias)
	case query.Or:
		return c.group(e.Exprs, " OR ", "1=0", t, alias)
	case query.Not:
		inner, err := c.expr(e.Expr, t, alias)
		if err != nil {
			return "", err
		}
		// A comparison with an empty (NULL) cell is NULL, and NOT NULL
		// is NULL too: IS NOT TRUE makes not(age[eq]:30) keep the rows
		// whose age is empty, as age[neq]:30 does.
		return "(" + inner + ") IS NOT TRUE", nil
	case query.Cond:
		return c.cond(e, t, alias)
	}
	return "", fmt.Errorf("unknown filter node %T", e)
}

func (c *compiler) group(es []query.Expr, sep, empty string, t *schema.Table, alias string) (string, error) {
	if len(es) == 0 {
		return empty, nil
	}
	parts := make([]string, len(es))
	for i, e := range es {
		p, err := c.expr(e, t, alias)
		if err != nil {
			return "", err
		}
		parts[i] = "(" + p + ")"
	}
	return strings.Join(parts, sep), nil
}

// cond compiles one comparison; a dotted path goes through Ref columns as
// "ref IN (SELECT id FROM Target WHERE <rest of the path>)".
func (c *compiler) cond(k query.Cond, t *schema.Table, alias string) (string, error) {
	col, sqlName, err := resolve(t, k.Path[0])
	if err != nil {
		return "", err
	}
	if len(k.Path) > 1 {
		if col.Type.Kind != schema.KindRef {
			return "", rowhouse.Invalidf("%s.%s is not a Ref column: cannot filter by %s", t.ID, col.ID, strings.Join(k.Path, "."))
		}
		target := c.s.Table(col.Type.Table)
		if target == nil {
			return "", rowhouse.Invalidf("%s.%s refers to a table that no longer exists", t.ID, col.ID)
		}
		a := c.alias()
		inner, err := c.cond(query.Cond{Path: k.Path[1:], Op: k.Op, Value: k.Value}, target, a)
		if err != nil {
			return "", err
		}
		return alias + "." + c.d.QuoteIdent(sqlName) + ` IN (SELECT ` + a + `."id" FROM ` + c.d.QuoteIdent(target.ID) + ` AS ` + a + ` WHERE ` + inner + `)`, nil
	}
	x := c.columnSQL(t, alias, col, sqlName)
	return c.compare(x, col, k)
}

// value encodes a filter value for comparison with col's stored values;
// ok is false when it cannot equal any stored value.
func value(col *schema.Column, v any) (any, bool) {
	if col == idColumn {
		if id, ok := v.(int64); ok && id > 0 {
			return v, true // as is: boxing it again would allocate
		}
		id, ok := asRowID(v)
		return id, ok
	}
	// Timestamps are DateTime pseudo-columns compared in seconds, like
	// their expression (see columnSQL): the column type encodes them.
	sqlValue, _, ok := col.Type.Encode(v, true)
	return sqlValue, ok
}

// emptyCond is "the cell is empty": NULL, or the type's empty value.
func (c *compiler) emptyCond(x string, col *schema.Column) string {
	switch {
	case col.Type.Kind == schema.KindText || col.Type.Kind == schema.KindChoice:
		return "(" + x + " IS NULL OR " + x + " = '')"
	case col.Type.Kind == schema.KindRef:
		return "(" + x + " IS NULL OR " + x + " = 0)"
	case col.Type.Storage() == schema.StoreJSON && col.Type.Kind != schema.KindAny:
		return "(" + x + " IS NULL OR " + x + " = '[]')"
	}
	return x + " IS NULL"
}

func (c *compiler) compare(x string, col *schema.Column, k query.Cond) (string, error) {
	isList := col.Type.IsList()
	switch k.Op {
	case query.OpIs:
		s, _ := k.Value.(string)
		if s == query.IsNotNull {
			return "NOT " + c.emptyCond(x, col), nil
		}
		return c.emptyCond(x, col), nil
	case query.OpEq, query.OpNeq:
		if isList {
			return "", rowhouse.Invalidf("use containsAny to filter the list column %q", col.ID)
		}
		neq := k.Op == query.OpNeq
		var v any
		ok := true
		if k.Value != nil {
			v, ok = value(col, k.Value)
		}
		switch {
		case !ok && neq:
			return "1=1", nil
		case !ok:
			return "1=0", nil
		case v == nil && neq:
			return x + " IS NOT NULL", nil
		case v == nil:
			return x + " IS NULL", nil
		case neq:
			return "(" + x + " IS NULL OR " + x + " <> " + c.bind(v) + ")", nil
		}
		return x + " = " + c.bind(v), nil
	case query.OpIn:
		if isList {
			return "", rowhouse.Invalidf("use containsAny to filter the list column %q", col.ID)
		}
		vals, _ := k.Value.([]any)
		c.args = slices.Grow(c.args, len(vals))
		nph := 0
		hasNull := false
		for _, v := range vals {
			if v == nil {
				hasNull = true
				continue
			}
			sv, ok := value(col, v)
			if !ok {
				continue
			}
			if sv == nil {
				hasNull = true
				continue
			}
			c.bind(sv)
			nph++
		}
		var parts []string
		if nph > 0 {
			parts = append(parts, x+" IN (?"+strings.Repeat(", ?", nph-1)+")")
		}
		if hasNull {
			parts = append(parts, x+" IS NULL")
		}
		if len(parts) == 0 {
			return "1=0", nil
		}
		return strings.Join(parts, " OR "), nil
	case query.OpGt, query.OpGte, query.OpLt, query.OpLte:
		if isList {
			return "", rowhouse.Invalidf("%s cannot compare the list column %q", k.Op, col.ID)
		}
		v, ok := value(col, k.Value)
		if !ok || v == nil {
			return "1=0", nil
		}
		op := map[query.Op]string{query.OpGt: ">", query.OpGte: ">=", query.OpLt: "<", query.OpLte: "<="}[k.Op]
		return x + " " + op + " " + c.bind(v), nil
	case query.OpLike, query.OpILike, query.OpStartsWith, query.OpEndsWith:
		if col.Type.Storage() != schema.StoreText {
			return "", rowhouse.Invalidf("%s needs a text column; %q is %s", k.Op, col.ID, col.Type)
		}
		s, ok := k.Value.(string)
		if !ok {
			return "", rowhouse.Invalidf("%s needs a string value", k.Op)
		}
		ci := k.Op == query.OpILike
		pattern := s
		switch k.Op {
		case query.OpStartsWith:
			pattern = escapeLike(s) + "%"
		case query.OpEndsWith:
			pattern = "%" + escapeLike(s)
		}
		c.bind(c.d.LikePattern(pattern, ci))
		return c.d.Like(x, ci), nil
	case query.OpContainsAny:
		if !isList {
			return "", rowhouse.Invalidf("containsAny needs a list column; %q is %s", col.ID, col.Type)
		}
		vals, _ := k.Value.([]any)
		var items []any
		for _, v := range vals {
			item := v
			if col.Type.Kind != schema.KindChoiceList {
				id, ok := asRowID(v)
				if !ok {
					continue
				}
				item = id
			} else if s, ok := v.(string); ok {
				item = s
			} else {
				continue
			}
			items = append(items, item)
		}
		if len(items) == 0 {
			return "1=0", nil
		}
		b, err := json.Marshal(items)
		if err != nil {
			return "", err
		}
		c.bind(string(b))
		return c.d.JSONArrayContainsAny(x), nil
	}
	return "", rowhouse.Invalidf("unsupported filter operator %q", k.Op)
}

// escapeLike makes s match itself in a LIKE pattern ('\' escapes).
func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
