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
	m := &model{s: s, types: map[string]bool{}, aliases: map[string]string{}, stringEnums: map[string]bool{}}
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
