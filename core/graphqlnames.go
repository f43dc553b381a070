package core

import (
	"slices"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/schema"
)

// graphQLFixedTypes are the types every generated GraphQL schema defines
// besides those reservedGraphQL lists.
var graphQLFixedTypes = map[string]bool{"NullCheck": true, "SortOrder": true, "IntFilter": true,
	"FloatFilter": true, "StringFilter": true, "BooleanFilter": true, "DateFilter": true,
	"DateTimeFilter": true, "JSONFilter": true, "StringListFilter": true, "IntListFilter": true}

// graphQLClash refuses a table's GraphQL names (see schema.GraphQLNames)
// when one of its types would be a fixed or reserved type of the GraphQL
// schema, or when any of its types or root fields would also be another
// table's ("CompanyFilter" as a table's type clashes with the filter of a
// table whose type is "Company"; nameSingular "Companies" would make the
// mutation createCompanies of a table whose plural is "companies").
func graphQLClash(tables []*schema.Table, ignore, tableID, singular, plural string) error {
	mine := schema.GraphQLNamesOf(singular, plural)
	typ := mine.Type
	for _, n := range mine.Types() {
		if graphQLFixedTypes[n] || reservedGraphQL[n] && n != typ {
			return rowhouse.Invalidf("GraphQL type %q of table %s would need the type %q, which the GraphQL schema reserves; set nameSingular", typ, tableID, n)
		}
	}
	for _, t := range tables {
		if t.ID == ignore || t.ID == tableID {
			continue
		}
		other := schema.GraphQLNamesOf(t.NameSingular, t.NamePlural)
		for _, a := range mine.Types() {
			if slices.Contains(other.Types(), a) {
				return rowhouse.Invalidf("GraphQL type %q of table %s clashes with table %s: both need the type %q; set nameSingular", typ, tableID, t.ID, a)
			}
		}
		for _, a := range mine.Fields() {
			if slices.Contains(other.Fields(), a) {
				return rowhouse.Invalidf("GraphQL field %q of table %s clashes with table %s, which has a field of that name; set nameSingular and namePlural", a, tableID, t.ID)
			}
		}
	}
	return nil
}
