package graphql

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/vektah/gqlparser/v2/ast"
)

// Argument values are read in one place, args, and coerced there as the
// GraphQL specification's CoerceArgumentValues asks, against the types the
// schema declares, so that no reader of an argument has to guess its
// shape:
//
//   - a single value where a list is expected is a list of one, at every
//     depth (orderBy: {name: DescNullsLast}, in: "NEW", and: {...},
//     data: {...}), inline or through a variable; lists are always []any,
//     never the typed slices gqlparser's variable coercion may leave;
//   - null where the type is non-null is a field error (the validator
//     lets a nullable variable stand in a non-null position, as Twenty's
//     clients write them: see positionRule);
//   - an enum value is the enum's own spelling of it, and a Choice enum's
//     value one of the column's choices (a String variable may give it);
//   - an Int is an int64.
//
// Input objects and lists are coerced in place: each value belongs to the
// request, and coercing it twice gives the same value.

// args returns a field's argument values, variables substituted and
// coerced; the result is computed once per field of the request.
func (ex *executor) args(f *ast.Field) (map[string]any, error) {
	if r, ok := ex.argCache[f]; ok {
		return r.vals, r.err
	}
	vals := f.ArgumentMap(ex.vars)
	var err error
	if f.Definition != nil {
		for _, a := range f.Definition.Arguments {
			v, given := vals[a.Name]
			if !given && !a.Type.NonNull {
				continue
			}
			if vals[a.Name], err = ex.coerce(a.Type, v, a.Name); err != nil {
				vals = nil
				break
			}
		}
	}
	if ex.argCache == nil {
		ex.argCache = map[*ast.Field]argValues{}
	}
	ex.argCache[f] = argValues{vals, err}
	return vals, err
}

// argValues is one field's coerced arguments, or why they are invalid.
type argValues struct {
	vals map[string]any
	err  error
}

// coerce coerces v to type t; where names the value in messages
// ("filter.and[0]").
func (ex *executor) coerce(t *ast.Type, v any, where string) (any, error) {
	if v == nil {
		if t.NonNull {
			return nil, rowhouse.Invalidf("%s must not be null", where)
		}
		return nil, nil
	}
	if t.Elem != nil {
		list := asList(v)
		for i, x := range list {
			var err error
			if list[i], err = ex.coerce(t.Elem, x, where+"["+strconv.Itoa(i)+"]"); err != nil {
				return nil, err
			}
		}
		return list, nil
	}
	def := ex.gql.Types[t.NamedType]
	if def == nil {
		return v, nil
	}
	switch def.Kind {
	case ast.InputObject:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, rowhouse.Invalidf("%s must be an input object %s, not %s", where, def.Name, describe(v))
		}
		for k, x := range m {
			fd := def.Fields.ForName(k)
			if fd == nil {
				continue // the validator refused unknown fields
			}
			var err error
			if m[k], err = ex.coerce(fd.Type, x, where+"."+k); err != nil {
				return nil, err
			}
		}
		return m, nil
	case ast.Enum:
		return ex.enumValue(def, v, where)
	case ast.Scalar:
		if def.Name == "Int" {
			return intValue(v, where)
		}
	}
	return v, nil
}

// asList returns v as a list: itself when it is one (typed slices
// copied into []any), else a list of one.
func asList(v any) []any {
	switch l := v.(type) {
	case []any:
		return l
	case string, map[string]any:
		return []any{v}
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		return []any{v}
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out
}

// enumValue returns the enum value v names, in the enum's spelling: an
// exact match, else the one value equal to it ignoring case (gqlparser's
// variable coercion accepts either).
func (ex *executor) enumValue(def *ast.Definition, v any, where string) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, rowhouse.Invalidf("%s must be a value of %s, not %s", where, def.Name, describe(v))
	}
	found := ""
	for _, ev := range def.EnumValues {
		if ev.Name == s {
			return s, nil
		}
		if strings.EqualFold(ev.Name, s) {
			if found != "" {
				found = "" // two values differ only by case: neither is meant
				break
			}
			found = ev.Name
		}
	}
	if found != "" {
		return found, nil
	}
	return nil, rowhouse.Invalidf("%s: %s is not a value of %s (%s)", where, describe(v), def.Name, enumNames(def))
}

// enumNames lists an enum's values for messages.
func enumNames(def *ast.Definition) string {
	names := make([]string, len(def.EnumValues))
	for i, ev := range def.EnumValues {
		names[i] = ev.Name
	}
	return strings.Join(names, ", ")
}

// intValue reads an Int: an integer, or an integer given as a number of
// another Go type or as a string (gqlparser accepts "12" for an Int
// variable, and an ID or UUID variable, which stands for a row id here,
// is often a string).
func intValue(v any, where string) (any, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), nil
		}
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, nil
		}
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
			return n, nil
		}
	}
	return nil, rowhouse.Invalidf("%s must be an integer, not %s", where, describe(v))
}
