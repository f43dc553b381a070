package core

import (
	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/schema"
)

// graphQLTypeSuffixes are appended by the GraphQL API to a table's type
// name (its capitalized nameSingular) to name the table's other types.
var graphQLTypeSuffixes = []string{"Connection", "Edge", "Filter", "OrderBy", "CreateInput", "UpdateInput"}

// graphQLFixedTypes are the types every generated GraphQL schema defines
// besides those reservedGraphQL lists.
var graphQLFixedTypes = map[string]bool{"NullCheck": true, "SortOrder": true, "IntFilter": true,
	"FloatFilter": true, "StringFilter": true, "BooleanFilter": true, "DateFilter": true,
	"DateTimeFilter": true, "JSONFilter": true, "StringListFilter": true, "IntListFilter": true}

// graphQLTypeClash refuses a table type name typ when a type derived from
// it would be another table's type or derived type, or a fixed type of
// the GraphQL schema ("CompanyFilter" as a table's type clashes with the
// filter of a table whose type is "Company").
func graphQLTypeClash(tables []*schema.Table, ignore, tableID, typ string) error {
	derived := func(t string) []string {
		out := []string{t}
		for _, s := range graphQLTypeSuffixes {
			out = append(out, t+s)
		}
		return out
	}
	for _, n := range derived(typ) {
		if graphQLFixedTypes[n] || reservedGraphQL[n] && n != typ {
			return rowhouse.Invalidf("GraphQL type %q of table %s would need the type %q, which the GraphQL schema reserves; set nameSingular", typ, tableID, n)
		}
	}
	for _, t := range tables {
		if t.ID == ignore || t.ID == tableID {
			continue
		}
		other := derived(capitalize(t.NameSingular))
		for _, a := range derived(typ) {
			for _, b := range other {
				if a == b {
					return rowhouse.Invalidf("GraphQL type %q of table %s clashes with table %s: both need the type %q; set nameSingular", typ, tableID, t.ID, a)
				}
			}
		}
	}
	return nil
}
