package graphql

import (
	"context"
	"testing"

	"github.com/rowhouse/rowhouse/schema"
	"github.com/vektah/gqlparser/v2/ast"
)

// benchSchema is the data model of the 100 x 10 x 1 benchmark, built in
// memory.
func benchSchema(b *testing.B) *schema.Schema {
	typ := func(s string) schema.Type {
		t, err := schema.ParseType(s)
		if err != nil {
			b.Fatal(err)
		}
		return t
	}
	return schema.New(3, []*schema.Table{
		{ID: "Cities", NameSingular: "city", NamePlural: "cities", Columns: []*schema.Column{{ID: "name", Type: typ("Text")}}},
		{ID: "Companies", NameSingular: "company", NamePlural: "companies", Columns: []*schema.Column{
			{ID: "name", Type: typ("Text")},
			{ID: "staff", Type: typ("RefList:People"), Reverse: true, ReverseCol: "Company"},
		}},
		{ID: "People", NameSingular: "person", NamePlural: "people", Columns: []*schema.Column{
			{ID: "name", Type: typ("Text")},
			{ID: "Company", Type: typ("Ref:Companies"), ReverseCol: "staff"},
			{ID: "city", Type: typ("Ref:Cities")},
		}},
	})
}

// BenchmarkPlanTree measures the planner alone, without a database: parse
// and validate the 3-level query against the cached schema, check the
// limits and build the plan.
func BenchmarkPlanTree(b *testing.B) {
	s := benchSchema(b)
	a := New(Deps{})
	ds, err := a.schemaFor("bench", s)
	if err != nil {
		b.Fatal(err)
	}
	req := request{Query: `{ companies(first: 100, filter: {name: {startsWith: "C"}}, orderBy: [{name: AscNullsLast}]) { totalCount edges { node { name staff(first: 10) { edges { node { name city { name } } } } } } } }`}
	b.ReportAllocs()
	for b.Loop() {
		p, err := parse(ds.gql, ds.lax, req)
		if err != nil {
			b.Fatal(err)
		}
		ex := a.newExecutor(context.Background(), ds.gql, p.vars, p.doc.Fragments)
		lw := &limitWalk{ex: ex, limits: a.limits, maxPage: 10_000, maxBatch: 10_000}
		if err := lw.check(p.op); err != nil {
			b.Fatal(err)
		}
		pl := &planner{ex: ex, s: s, maxPage: 10_000}
		f := ex.collect([]ast.SelectionSet{p.op.SelectionSet}, "Query")[0]
		cp, err := pl.planConn(f, s.Table("Companies"), false)
		if err != nil || len(cp.nodes) != 1 || cp.nodes[0].fields[1].conn == nil {
			b.Fatalf("plan: %v", err)
		}
	}
}
