package graphql

import (
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Introspection (__schema, __type) answered from the gqlparser schema, as
// the GraphQL specification describes it, so that GraphiQL and graphql-js
// (buildClientSchema) can use it.

type introSchema struct{ s *ast.Schema }

func (introSchema) typeName() string { return "__Schema" }

func (is introSchema) get(_ *executor, name string, _ map[string]any) (any, error) {
	switch name {
	case "description":
		return nilIfEmpty(is.s.Description), nil
	case "types":
		names := make([]string, 0, len(is.s.Types))
		for n := range is.s.Types {
			names = append(names, n)
		}
		sort.Strings(names)
		out := make([]any, len(names))
		for i, n := range names {
			out[i] = introNamed(is.s, is.s.Types[n])
		}
		return out, nil
	case "queryType":
		return introNamed(is.s, is.s.Query), nil
	case "mutationType":
		if is.s.Mutation == nil {
			return nil, nil
		}
		return introNamed(is.s, is.s.Mutation), nil
	case "subscriptionType":
		if is.s.Subscription == nil {
			return nil, nil
		}
		return introNamed(is.s, is.s.Subscription), nil
	case "directives":
		names := make([]string, 0, len(is.s.Directives))
		for n := range is.s.Directives {
			names = append(names, n)
		}
		sort.Strings(names)
		out := make([]any, len(names))
		for i, n := range names {
			out[i] = introDirective{s: is.s, d: is.s.Directives[n]}
		}
		return out, nil
	}
	return nil, nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// introType is a __Type: a named definition, or a list or non-null
// wrapper around another type.
type introType struct {
	s    *ast.Schema
	def  *ast.Definition // named type
	kind string          // LIST or NON_NULL for wrappers
	of   *ast.Type
}

func introNamed(s *ast.Schema, def *ast.Definition) introType { return introType{s: s, def: def} }

// introTypeRef describes a type reference, wrappers included.
func introTypeRef(s *ast.Schema, t *ast.Type) any {
	if t == nil {
		return nil
	}
	if t.NonNull {
		inner := *t
		inner.NonNull = false
		return introType{s: s, kind: "NON_NULL", of: &inner}
	}
	if t.Elem != nil {
		return introType{s: s, kind: "LIST", of: t.Elem}
	}
	def := s.Types[t.NamedType]
	if def == nil {
		return nil
	}
	return introNamed(s, def)
}

func (introType) typeName() string { return "__Type" }

func includeDeprecated(args map[string]any) bool {
	b, _ := args["includeDeprecated"].(bool)
	return b
}

func (it introType) get(_ *executor, name string, args map[string]any) (any, error) {
	if it.def == nil { // a wrapper
		switch name {
		case "kind":
			return it.kind, nil
		case "ofType":
			return introTypeRef(it.s, it.of), nil
		}
		return nil, nil
	}
	d := it.def
	switch name {
	case "kind":
		return string(d.Kind), nil
	case "name":
		return d.Name, nil
	case "description":
		return nilIfEmpty(d.Description), nil
	case "specifiedByURL":
		if dir := d.Directives.ForName("specifiedBy"); dir != nil {
			if a := dir.Arguments.ForName("url"); a != nil {
				return a.Value.Raw, nil
			}
		}
		return nil, nil
	case "fields":
		if d.Kind != ast.Object && d.Kind != ast.Interface {
			return nil, nil
		}
		out := []any{}
		for _, f := range d.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			if deprecated(f.Directives) && !includeDeprecated(args) {
				continue
			}
			out = append(out, introField{s: it.s, f: f})
		}
		return out, nil
	case "interfaces":
		if d.Kind != ast.Object && d.Kind != ast.Interface {
			return nil, nil
		}
		out := []any{}
		for _, n := range d.Interfaces {
			out = append(out, introNamed(it.s, it.s.Types[n]))
		}
		return out, nil
	case "possibleTypes":
		if d.Kind != ast.Interface && d.Kind != ast.Union {
			return nil, nil
		}
		out := []any{}
		for _, p := range it.s.GetPossibleTypes(d) {
			out = append(out, introNamed(it.s, p))
		}
		return out, nil
	case "enumValues":
		if d.Kind != ast.Enum {
			return nil, nil
		}
		out := []any{}
		for _, v := range d.EnumValues {
			if deprecated(v.Directives) && !includeDeprecated(args) {
				continue
			}
			out = append(out, introEnumValue{v: v})
		}
		return out, nil
	case "inputFields":
		if d.Kind != ast.InputObject {
			return nil, nil
		}
		out := []any{}
		for _, f := range d.Fields {
			out = append(out, introInput{s: it.s, name: f.Name, desc: f.Description, typ: f.Type, def: f.DefaultValue, dirs: f.Directives})
		}
		return out, nil
	case "ofType":
		return nil, nil
	case "isOneOf":
		if d.Kind != ast.InputObject {
			return nil, nil
		}
		return d.Directives.ForName("oneOf") != nil, nil
	}
	return nil, nil
}

func deprecated(ds ast.DirectiveList) bool { return ds.ForName("deprecated") != nil }

func deprecationReason(ds ast.DirectiveList) any {
	d := ds.ForName("deprecated")
	if d == nil {
		return nil
	}
	if a := d.Arguments.ForName("reason"); a != nil && a.Value != nil {
		return a.Value.Raw
	}
	return "No longer supported"
}

type introField struct {
	s *ast.Schema
	f *ast.FieldDefinition
}

func (introField) typeName() string { return "__Field" }

func (fi introField) get(_ *executor, name string, args map[string]any) (any, error) {
	switch name {
	case "name":
		return fi.f.Name, nil
	case "description":
		return nilIfEmpty(fi.f.Description), nil
	case "args":
		return introArgs(fi.s, fi.f.Arguments, args), nil
	case "type":
		return introTypeRef(fi.s, fi.f.Type), nil
	case "isDeprecated":
		return deprecated(fi.f.Directives), nil
	case "deprecationReason":
		return deprecationReason(fi.f.Directives), nil
	}
	return nil, nil
}

func introArgs(s *ast.Schema, list ast.ArgumentDefinitionList, args map[string]any) []any {
	out := []any{}
	for _, a := range list {
		if deprecated(a.Directives) && !includeDeprecated(args) {
			continue
		}
		out = append(out, introInput{s: s, name: a.Name, desc: a.Description, typ: a.Type, def: a.DefaultValue, dirs: a.Directives})
	}
	return out
}

type introInput struct {
	s    *ast.Schema
	name string
	desc string
	typ  *ast.Type
	def  *ast.Value
	dirs ast.DirectiveList
}

func (introInput) typeName() string { return "__InputValue" }

func (ii introInput) get(_ *executor, name string, _ map[string]any) (any, error) {
	switch name {
	case "name":
		return ii.name, nil
	case "description":
		return nilIfEmpty(ii.desc), nil
	case "type":
		return introTypeRef(ii.s, ii.typ), nil
	case "defaultValue":
		if ii.def == nil {
			return nil, nil
		}
		return ii.def.String(), nil
	case "isDeprecated":
		return deprecated(ii.dirs), nil
	case "deprecationReason":
		return deprecationReason(ii.dirs), nil
	}
	return nil, nil
}

type introEnumValue struct{ v *ast.EnumValueDefinition }

func (introEnumValue) typeName() string { return "__EnumValue" }

func (ie introEnumValue) get(_ *executor, name string, _ map[string]any) (any, error) {
	switch name {
	case "name":
		return ie.v.Name, nil
	case "description":
		return nilIfEmpty(ie.v.Description), nil
	case "isDeprecated":
		return deprecated(ie.v.Directives), nil
	case "deprecationReason":
		return deprecationReason(ie.v.Directives), nil
	}
	return nil, nil
}

type introDirective struct {
	s *ast.Schema
	d *ast.DirectiveDefinition
}

func (introDirective) typeName() string { return "__Directive" }

func (id introDirective) get(_ *executor, name string, args map[string]any) (any, error) {
	switch name {
	case "name":
		return id.d.Name, nil
	case "description":
		return nilIfEmpty(id.d.Description), nil
	case "isRepeatable":
		return id.d.IsRepeatable, nil
	case "locations":
		out := make([]any, len(id.d.Locations))
		for i, l := range id.d.Locations {
			out[i] = string(l)
		}
		return out, nil
	case "args":
		return introArgs(id.s, id.d.Arguments, args), nil
	}
	return nil, nil
}

// introspect answers the root fields __schema and __type, and
// __typename; ok is false for any other field.
func (ex *executor) introspect(f *cfield, rootType string, path ast.Path) (any, bool) {
	switch f.field.Name {
	case "__typename":
		return rootType, true
	case "__schema":
		return ex.render(f.sets, introSchema{s: ex.gql}, path), true
	case "__type":
		args, err := ex.args(f.field)
		if err != nil {
			ex.addError(path, err)
			return nil, true
		}
		name, _ := args["name"].(string)
		def := ex.gql.Types[name]
		if def == nil {
			return nil, true
		}
		return ex.render(f.sets, introNamed(ex.gql, def), path), true
	}
	return nil, false
}
