package graphql_test

import (
	"testing"

	"github.com/rowhouse/rowhouse/core"
)

// TestChoiceEnums: a Choice column whose choices are all GraphQL names is
// an enum (Twenty's SELECT), read, filtered and written as one; string
// literals and String variables that name a choice keep working, as they
// did while the column was a String.
func TestChoiceEnums(t *testing.T) {
	e := newEnv(t)
	e.fixture(t)
	e.run(t, e.gqlPath, choiceCases())

	// A value outside the choices (Grist keeps them) cannot be shown as
	// the enum: null, with an error naming it.
	e.apply(t, core.UpdateRecords{Table: "Companies", Rows: []core.Row{{ID: 2, Fields: map[string]any{"stage": "Maybe"}}}})
	// Choices that are not all enum names, and an enum name another type
	// has, leave the column a String.
	e.apply(t,
		core.AddColumn{Table: "Companies", Column: core.ColumnSpec{ID: "phase", Type: "Choice", WidgetOptions: `{"choices":["in progress","done"]}`}},
		core.AddColumn{Table: "People", Column: core.ColumnSpec{ID: "level", Type: "Choice", WidgetOptions: `{"choices":["A","B"]}`}},
		core.AddTable{ID: "PersonLevelEnum", Columns: []core.ColumnSpec{{ID: "x"}}},
	)
	e.run(t, e.gqlPath, []gqlCase{
		{name: "a value outside the choices",
			query: `{ company(id: 2) { name stage } }`,
			json:  `{"errors":[{"message":"Companies.stage of record 2 holds \"Maybe\", which is not one of its choices (NEW, WON, LOST): read it through the REST API, or add it to the choices","path":["company","stage"],"extensions":{"code":"BAD_USER_INPUT"}}],"data":{"company":{"name":"Beta","stage":null}}}`},
		{name: "choices that cannot be enum values, and a taken name",
			query: `{ c: __type(name: "Company") { fields(includeDeprecated: true) { name type { name } } } p: __type(name: "Person") { fields { name type { name } } } }`,
			has:   []string{`{"name":"phase","type":{"name":"String"}}`, `{"name":"stage","type":{"name":"CompanyStageEnum"}}`, `{"name":"level","type":{"name":"String"}}`}},
	})
}

func choiceCases() []gqlCase {
	return []gqlCase{
		{name: "read",
			query: `{ companies { edges { node { name stage } } } t: __type(name: "CompanyStageEnum") { kind enumValues { name } } }`,
			json:  `{"data":{"companies":{"edges":[{"node":{"name":"Acme","stage":"WON"}},{"node":{"name":"Beta","stage":"NEW"}},{"node":{"name":"Gamma","stage":null}}]},"t":{"kind":"ENUM","enumValues":[{"name":"NEW"},{"name":"WON"},{"name":"LOST"}]}}}`},
		{name: "filters with enum values and string literals",
			query: `{ a: companies(filter: {stage: {eq: WON}}) { edges { node { name } } } b: companies(filter: {stage: {in: ["NEW", WON]}}) { totalCount } c: companies(filter: {stage: {is: NULL}}) { edges { node { name } } } d: companies(filter: {stage: {neq: "WON"}}) { totalCount } }`,
			json:  `{"data":{"a":{"edges":[{"node":{"name":"Acme"}}]},"b":{"totalCount":2},"c":{"edges":[{"node":{"name":"Gamma"}}]},"d":{"totalCount":2}}}`},
		{name: "a String variable and an enum variable",
			query: `query($s: String, $e: CompanyStageEnum, $l: [String]) { a: companies(filter: {stage: {eq: $s}}) { edges { node { name } } } b: companies(filter: {stage: {eq: $e}}) { edges { node { name } } } c: companies(filter: {stage: {in: $l}}) { totalCount } }`,
			vars:  map[string]any{"s": "NEW", "e": "won", "l": []any{"NEW", "WON"}},
			json:  `{"data":{"a":{"edges":[{"node":{"name":"Beta"}}]},"b":{"edges":[{"node":{"name":"Acme"}}]},"c":{"totalCount":2}}}`},
		{name: "a String variable that is not a choice",
			query: `query($s: String) { companies(filter: {stage: {eq: $s}}) { totalCount } }`,
			vars:  map[string]any{"s": "Maybe"},
			json:  `{"errors":[{"message":"filter.stage.eq: \"Maybe\" is not a value of CompanyStageEnum (NEW, WON, LOST)","path":["companies"],"extensions":{"code":"BAD_USER_INPUT"}}],"data":null}`},
		{name: "a string literal that is not a choice",
			query: `{ companies(filter: {stage: {eq: "Maybe"}}) { totalCount } }`, status: 400,
			has: []string{`"GRAPHQL_VALIDATION_FAILED"`, `CompanyStageEnum`}},
		{name: "write with an enum value and a string literal",
			query: `mutation { a: createCompany(data: {name: "Omega", stage: "LOST"}) { stage } b: updateCompany(id: 3, data: {stage: WON}) { stage } c: updateCompany(id: 1, data: {stage: null}) { stage } }`,
			json:  `{"data":{"a":{"stage":"LOST"},"b":{"stage":"WON"},"c":{"stage":null}}}`},
		{name: "write through a String variable",
			query: `mutation($s: String) { updateCompany(id: 1, data: {stage: $s}) { stage } }`,
			vars:  map[string]any{"s": "NEW"},
			json:  `{"data":{"updateCompany":{"stage":"NEW"}}}`},
	}
}
