package graphql

import (
	"github.com/rowhouse/rowhouse/schema"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// model is what the generated GraphQL schema makes of one version of a
// document's data model, beyond each table's names (schema.GraphQLNames):
// the names a Twenty client may use for its types. It is computed once per
// schema version (see docSchema) and is deterministic, like the SDL.
type model struct {
	s *schema.Schema
	// types are the names of every type the schema defines.
	types map[string]bool
	// aliases map Twenty's names of types to the schema's (see leniency).
	aliases map[string]string
	// stringEnums are the enums a String may stand for (see leniency).
	stringEnums map[string]bool
	// enums are the Choice columns shown as enums, by table and column id
	// (see enumKey).
	enums map[string]*choiceEnum
}

// choiceEnum is the GraphQL enum of a Choice column whose choices are all
// valid enum values: Twenty shows a SELECT field so, as <Type><Column>Enum.
// Cells outside the choices cannot be shown as the enum (see out.obj).
type choiceEnum struct {
	name, filter string
	values       []string
}

func enumKey(t *schema.Table, c *schema.Column) string { return t.ID + "." + c.ID }

// enumOf returns the enum of column c of table t, or nil when it shows as
// a String.
func (m *model) enumOf(t *schema.Table, c *schema.Column) *choiceEnum {
	if m == nil {
		return nil
	}
	return m.enums[enumKey(t, c)]
}

// enumValues returns a Choice column's choices when every one can be an
// enum value: a GraphQL name other than true, false and null, all
// distinct. Without choices the column stays a String.
func enumValues(c *schema.Column) ([]string, bool) {
	if c.Type.Kind != schema.KindChoice || c.Reverse {
		return nil, false
	}
	choices, ok := c.Choices()
	if !ok || len(choices) == 0 {
		return nil, false
	}
	seen := map[string]bool{}
	for _, v := range choices {
		if !schema.ValidGraphQLName(v) || v == "true" || v == "false" || v == "null" || seen[v] {
			return nil, false
		}
		seen[v] = true
	}
	return choices, true
}

// twentyAliases are the type names of Twenty's generated schema that are
// one of the fixed types here: its order direction and null check enums,
// its id filter, and its id scalar (a UUID there, a row id here).
var twentyAliases = map[string]string{
	"OrderByDirection": "SortOrder",
	"FilterIs":         "NullCheck",
	"UUIDFilter":       "IntFilter",
	"UUID":             "Int",
}

// newModel derives the model of a data model.
func newModel(s *schema.Schema) *model {
	m := &model{s: s, types: map[string]bool{}, aliases: map[string]string{}, stringEnums: map[string]bool{}, enums: map[string]*choiceEnum{}}
	// The fixed types, and the specification's (ID is one of them).
	fixed, _ := parser.ParseSchema(&ast.Source{Input: fixedSDL}) // a constant the tests load
	for _, d := range fixed.Definitions {
		m.types[d.Name] = true
	}
	for _, n := range []string{"Int", "Float", "String", "Boolean", "ID", "Query", "Mutation"} {
		m.types[n] = true
	}
	for _, t := range s.Tables {
		for _, n := range tableNames(t).Types() {
			m.types[n] = true
		}
	}
	// A Choice column's enum and its filter take names no other type has
	// (a table may be called CompanyStageEnum); else the column stays a
	// String.
	for _, t := range s.Tables {
		for _, c := range t.Columns {
			values, ok := enumValues(c)
			if !ok {
				continue
			}
			e := &choiceEnum{name: tableNames(t).Type + upperFirst(c.ID) + "Enum", values: values}
			e.filter = e.name + "Filter"
			if m.types[e.name] || m.types[e.filter] {
				continue
			}
			m.types[e.name], m.types[e.filter] = true, true
			m.stringEnums[e.name] = true
			m.enums[enumKey(t, c)] = e
		}
	}
	alias := func(from, to string) {
		if !m.types[from] { // a type of the schema keeps its own name
			m.aliases[from] = to
		}
	}
	for from, to := range twentyAliases {
		alias(from, to)
	}
	// The generated schema has no ID position: a variable declared ID
	// holds a row id, as in Twenty's operations.
	m.aliases["ID"] = "Int"
	for _, t := range s.Tables {
		n := tableNames(t)
		alias(n.Filter+"Input", n.Filter)
		alias(n.OrderBy+"Input", n.OrderBy)
	}
	return m
}

// upperFirst capitalizes an ASCII first letter: stage -> Stage.
func upperFirst(s string) string {
	if s != "" && 'a' <= s[0] && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
