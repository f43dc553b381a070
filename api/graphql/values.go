package graphql

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/query"
	"github.com/rowhouse/rowhouse/schema"
)

// timeString formats Unix seconds as RFC 3339 in UTC, to the millisecond
// (the precision the core keeps; the float seconds carry rounding noise
// below it).
func timeString(sec float64) string {
	return time.UnixMilli(int64(math.Round(sec * 1000))).UTC().Format(time.RFC3339Nano)
}

// outValue converts a cell value in Grist's normal JSON format into the
// column's GraphQL value; ok is false when the cell holds a value that does
// not fit the column's type (kept as given by the core).
func outValue(c *schema.Column, v any) (any, bool) {
	if v == nil {
		return nil, true
	}
	switch c.Type.Kind {
	case schema.KindText, schema.KindChoice:
		if _, ok := v.(string); ok {
			return v, true // as is: boxing the string again would allocate
		}
		return "", false
	case schema.KindNumeric:
		f, ok := toFloat(v)
		return f, ok
	case schema.KindInt, schema.KindRef:
		switch x := v.(type) {
		case int64:
			return v, true
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x), true
			}
		}
		return nil, false
	case schema.KindBool:
		b, ok := v.(bool)
		return b, ok
	case schema.KindDate:
		f, ok := toFloat(v)
		if !ok {
			return nil, false
		}
		return time.Unix(int64(math.Floor(f)), 0).UTC().Format(time.DateOnly), true
	case schema.KindDateTime:
		f, ok := toFloat(v)
		if !ok {
			return nil, false
		}
		return timeString(f), true
	case schema.KindChoiceList, schema.KindRefList, schema.KindAttachments:
		l, ok := v.([]any)
		if !ok || len(l) == 0 || l[0] != "L" {
			return nil, false
		}
		out := make([]any, 0, len(l)-1)
		for _, x := range l[1:] {
			if c.Type.Kind == schema.KindChoiceList {
				if _, ok := x.(string); !ok {
					return nil, false
				}
			} else if _, ok := outValue(&schema.Column{Type: schema.Type{Kind: schema.KindInt}}, x); !ok {
				return nil, false
			}
			out = append(out, x)
		}
		return out, true
	case schema.KindAny:
		return v, true
	}
	return nil, false
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// number turns a GraphQL number (int64, float64, json.Number from JSON
// variables) into a json.Number, the core's form of numbers.
func number(v any) (json.Number, bool) {
	switch x := v.(type) {
	case json.Number:
		return x, true
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), true
	case int:
		return json.Number(strconv.Itoa(x)), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", false
		}
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64)), true
	case string: // a number given as a string in variables
		if _, err := strconv.ParseFloat(x, 64); err == nil {
			return json.Number(x), true
		}
	}
	return "", false
}

// parseDate reads a GraphQL Date (YYYY-MM-DD) into Unix seconds.
func parseDate(v any) (json.Number, error) {
	s, ok := v.(string)
	if !ok {
		return "", rowhouse.Invalidf("a Date must be a string YYYY-MM-DD, not %s", describe(v))
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return "", rowhouse.Invalidf("invalid Date %q: expected YYYY-MM-DD", s)
	}
	return json.Number(strconv.FormatInt(t.Unix(), 10)), nil
}

// parseDateTime reads a GraphQL DateTime (RFC 3339) into Unix seconds.
func parseDateTime(v any) (json.Number, error) {
	s, ok := v.(string)
	if !ok {
		return "", rowhouse.Invalidf("a DateTime must be an RFC 3339 string, not %s", describe(v))
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return "", rowhouse.Invalidf("invalid DateTime %q: expected RFC 3339, e.g. 2024-05-01T12:00:00Z", s)
	}
	sec := float64(t.UnixNano()) / 1e9
	if t.Nanosecond() == 0 {
		return json.Number(strconv.FormatInt(t.Unix(), 10)), nil
	}
	return json.Number(strconv.FormatFloat(sec, 'f', -1, 64)), nil
}

func describe(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%T", v)
	}
	return string(b)
}

// inValue converts a GraphQL input value for column c into the core's
// JSON cell value (Grist's normal format).
func inValue(c *schema.Column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.Type.Kind {
	case schema.KindText, schema.KindChoice:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case schema.KindNumeric, schema.KindInt, schema.KindRef:
		if n, ok := number(v); ok {
			return n, nil
		}
	case schema.KindBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case schema.KindDate:
		return parseDate(v)
	case schema.KindDateTime:
		return parseDateTime(v)
	case schema.KindChoiceList, schema.KindRefList, schema.KindAttachments:
		l, ok := v.([]any)
		if !ok {
			break
		}
		out := make([]any, 0, len(l)+1)
		out = append(out, "L")
		for _, x := range l {
			if c.Type.Kind == schema.KindChoiceList {
				s, ok := x.(string)
				if !ok {
					return nil, rowhouse.Invalidf("column %q: list items must be strings", c.ID)
				}
				out = append(out, s)
				continue
			}
			n, ok := number(x)
			if !ok {
				return nil, rowhouse.Invalidf("column %q: list items must be row ids", c.ID)
			}
			out = append(out, n)
		}
		return out, nil
	case schema.KindAny:
		return jsonValue(v), nil
	}
	return nil, rowhouse.Invalidf("column %q (%s): invalid value %s", c.ID, c.Type, describe(v))
}

// jsonValue normalises a JSON scalar input (numbers to json.Number).
func jsonValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	case int64, int, float64:
		n, _ := number(x)
		return n
	}
	return v
}

// fields converts a create or update input into the core's record fields.
// A Ref column's id field (companyId) sets the column; giving both is an
// error.
func fields(t *schema.Table, data map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(data))
	for k, v := range data {
		if k == "id" || k == "_none" {
			continue
		}
		c := t.Column(k)
		if c == nil {
			if c = refIDColumn(t, k); c != nil {
				if _, both := data[c.ID]; both {
					return nil, rowhouse.Invalidf("give %s or %s, not both", c.ID, k)
				}
			}
		}
		if c == nil || c.Reverse {
			return nil, rowhouse.Invalidf("Invalid column %q", k)
		}
		cv, err := inValue(c, v)
		if err != nil {
			return nil, err
		}
		out[c.ID] = cv
	}
	return out, nil
}

// filterExpr compiles a GraphQL filter input on table t into the shared
// filter AST. A Ref column's filter is the target table's filter: its id
// conditions compare the reference itself (so {is: NULL} finds empty
// references) and its other conditions go through the reference (a dotted
// path, which the core compiles to a subquery).
func filterExpr(s *schema.Schema, t *schema.Table, f map[string]any, prefix []string) (query.Expr, error) {
	if f == nil {
		return nil, nil
	}
	var and []query.Expr
	for _, k := range sortedKeys(f) {
		v := f[k]
		if v == nil {
			continue
		}
		switch k {
		case "and", "or":
			list, _ := v.([]any)
			var exprs []query.Expr
			for _, item := range list {
				m, _ := item.(map[string]any)
				e, err := filterExpr(s, t, m, prefix)
				if err != nil {
					return nil, err
				}
				if e == nil {
					e = query.And{}
				}
				exprs = append(exprs, e)
			}
			if k == "and" {
				and = append(and, query.And{Exprs: exprs})
			} else {
				and = append(and, query.Or{Exprs: exprs})
			}
			continue
		case "not":
			m, _ := v.(map[string]any)
			e, err := filterExpr(s, t, m, prefix)
			if err != nil {
				return nil, err
			}
			if e == nil {
				e = query.And{}
			}
			and = append(and, query.Not{Expr: e})
			continue
		}
		m, _ := v.(map[string]any)
		col := t.Column(k)
		if col != nil && columnKind(s, col) == kindRef {
			target := s.Table(col.Type.Table)
			path := append(append([]string(nil), prefix...), k)
			// id conditions compare the reference itself.
			if idf, ok := m["id"].(map[string]any); ok {
				conds, err := conditions(&schema.Column{ID: k, Type: schema.Type{Kind: schema.KindRef, Table: target.ID}}, path, idf)
				if err != nil {
					return nil, err
				}
				and = append(and, conds...)
			}
			rest := make(map[string]any, len(m))
			for rk, rv := range m {
				if rk != "id" {
					rest[rk] = rv
				}
			}
			e, err := filterExpr(s, target, rest, path)
			if err != nil {
				return nil, err
			}
			if e != nil {
				and = append(and, e)
			}
			continue
		}
		var fc *schema.Column
		path := append(append([]string(nil), prefix...), k)
		switch {
		case col != nil:
			fc = col
		case refIDColumn(t, k) != nil: // companyId: the reference itself
			fc = refIDColumn(t, k)
			path[len(path)-1] = fc.ID
		case k == "id":
			fc = &schema.Column{ID: "id", Type: schema.Type{Kind: schema.KindInt}}
		case k == "createdAt" || k == "updatedAt":
			fc = &schema.Column{ID: k, Type: schema.Type{Kind: schema.KindDateTime}}
		case k == "deletedAt":
			conds, err := emptyConditions(m)
			if err != nil {
				return nil, err
			}
			and = append(and, conds...)
			continue
		default:
			return nil, rowhouse.Invalidf("Invalid column %q in table %s", k, t.ID)
		}
		conds, err := conditions(fc, path, m)
		if err != nil {
			return nil, err
		}
		and = append(and, conds...)
	}
	if len(and) == 0 {
		return nil, nil
	}
	if len(and) == 1 {
		return and[0], nil
	}
	return query.And{Exprs: and}, nil
}

// conditions compiles one column's operator input ({eq: 1, lt: 5}).
func conditions(c *schema.Column, path []string, ops map[string]any) ([]query.Expr, error) {
	var out []query.Expr
	for _, name := range sortedKeys(ops) {
		v := ops[name]
		op := query.Op(name)
		if !op.Valid() {
			return nil, rowhouse.Invalidf("unknown filter operator %q", name)
		}
		if v == nil && op != query.OpEq && op != query.OpNeq {
			continue // an operator given null is left out
		}
		var val any
		var err error
		switch op {
		case query.OpIs:
			val = v
		case query.OpIn, query.OpContainsAny:
			list, _ := v.([]any)
			vals := make([]any, len(list))
			for i, x := range list {
				if vals[i], err = filterValue(c, x, op == query.OpContainsAny); err != nil {
					return nil, err
				}
			}
			val = vals
		default:
			if val, err = filterValue(c, v, false); err != nil {
				return nil, err
			}
		}
		out = append(out, query.Cond{Path: path, Op: op, Value: val})
	}
	return out, nil
}

// emptyConditions compiles conditions on deletedAt, which is empty for
// every record (a deleted record is removed): each is true or false for
// all, as the same condition on an empty DateTime cell would be.
func emptyConditions(ops map[string]any) ([]query.Expr, error) {
	dt := &schema.Column{ID: "deletedAt", Type: schema.Type{Kind: schema.KindDateTime}}
	var out []query.Expr
	for _, name := range sortedKeys(ops) {
		v := ops[name]
		op := query.Op(name)
		if v == nil && op != query.OpEq && op != query.OpNeq {
			continue
		}
		holds := false
		switch op {
		case query.OpIs:
			holds = v == query.IsNull
		case query.OpEq:
			holds = v == nil
		case query.OpNeq:
			holds = v != nil
		case query.OpIn:
			holds = slices.Contains(v.([]any), nil)
		}
		if v != nil && op != query.OpIs && op != query.OpIn {
			if _, err := filterValue(dt, v, false); err != nil {
				return nil, err
			}
		}
		if holds {
			out = append(out, query.And{})
		} else {
			out = append(out, query.Or{})
		}
	}
	return out, nil
}

// filterValue converts a filter operand into the AST's scalar form.
func filterValue(c *schema.Column, v any, item bool) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch {
	case c.Type.Kind == schema.KindDate && !item:
		return parseDate(v)
	case c.Type.Kind == schema.KindDateTime && !item:
		return parseDateTime(v)
	case c.Type.Kind == schema.KindAny:
		switch v.(type) {
		case map[string]any, []any:
			return nil, rowhouse.Invalidf("a JSON filter value must be a scalar")
		}
	}
	if n, ok := number(v); ok {
		if _, isStr := v.(string); !isStr {
			return n, nil
		}
	}
	return v, nil
}

// sortKeys compiles orderBy on table t: each item names exactly one
// field (a Ref column's id field sorts by the column).
func sortKeys(t *schema.Table, items []any) ([]query.SortKey, error) {
	var keys []query.SortKey
	for i, item := range items {
		m, _ := item.(map[string]any)
		var set []string
		for k, v := range m {
			if v != nil {
				set = append(set, k)
			}
		}
		if len(set) != 1 {
			return nil, rowhouse.Invalidf("orderBy[%d] must name exactly one field, not %d", i, len(set))
		}
		k := query.SortKey{Path: []string{set[0]}}
		if t.Column(set[0]) == nil {
			if c := refIDColumn(t, set[0]); c != nil {
				k.Path[0] = c.ID
			}
		}
		switch m[set[0]] {
		case "AscNullsFirst":
			k.Nulls = query.NullsFirst
		case "AscNullsLast":
			k.Nulls = query.NullsLast
		case "DescNullsFirst":
			k.Desc, k.Nulls = true, query.NullsFirst
		case "DescNullsLast":
			k.Desc, k.Nulls = true, query.NullsLast
		default:
			return nil, rowhouse.Invalidf("orderBy[%d]: unknown order %v", i, m[set[0]])
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
