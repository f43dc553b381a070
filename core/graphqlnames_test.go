package core_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse/core"
)

// TestGraphQLTypeClash: a table whose GraphQL type would collide with a
// type generated for another table, or with a fixed type of the GraphQL
// schema, is refused when its names are given, and gets suffixed names
// when they are derived.
func TestGraphQLTypeClash(t *testing.T) {
	_, _, d := newDoc(t, core.Options{})
	apply(t, d, core.AddTable{ID: "Companies"})
	for _, c := range []struct {
		a    core.AddTable
		want string
	}{
		{core.AddTable{ID: "X", NameSingular: "companyFilter", NamePlural: "companyFilters"}, `clashes with table Companies: both need the type "CompanyFilter"`},
		{core.AddTable{ID: "Y", NameSingular: "stringList", NamePlural: "stringLists"}, `would need the type "StringListFilter"`},
		{core.AddTable{ID: "Z", NameSingular: "sortOrder", NamePlural: "sortOrders"}, `"SortOrder"`},
	} {
		err := applyErr(t, d, c.a)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one containing %s", c.a, err, c.want)
		}
	}
	apply(t, d, core.AddTable{ID: "CompanyEdges"})
	tb, err := d.Table(context.Background(), "CompanyEdges")
	if err != nil {
		t.Fatal(err)
	}
	if tb.NameSingular != "companyEdge2" {
		t.Errorf("derived names %s/%s, want companyEdge2", tb.NameSingular, tb.NamePlural)
	}
}

// A table's root fields must not be another's either: nameSingular
// "Companies" would make createCompanies, the plural mutation of a table
// named company/companies, and break the whole document's GraphQL schema.
func TestGraphQLFieldClash(t *testing.T) {
	_, _, d := newDoc(t, core.Options{})
	apply(t, d, core.AddTable{ID: "Companies"})
	err := applyErr(t, d, core.AddTable{ID: "Other", NameSingular: "Companies", NamePlural: "companiesList"})
	if err == nil || !strings.Contains(err.Error(), `GraphQL field "createCompanies" of table Other clashes with table Companies`) {
		t.Fatalf("error %v, want the createCompanies clash", err)
	}
}
