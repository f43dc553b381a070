package graphql_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
)

// tree fills Companies (parents) x People (children, via a two-way
// reference Companies.staff) x Cities (one per person, via a Ref).
func tree(t testing.TB, docs *core.Docs, docID string, parents, children int) {
	t.Helper()
	d, err := docs.Open(context.Background(), docID)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var companies, people, cities []core.Row
	for i := range parents {
		companies = append(companies, core.Row{Fields: map[string]any{"name": fmt.Sprintf("C%03d", i)}})
		for j := range children {
			n := i*children + j + 1
			cities = append(cities, core.Row{Fields: map[string]any{"name": fmt.Sprintf("City%d", n)}})
			people = append(people, core.Row{Fields: map[string]any{"name": fmt.Sprintf("P%d", n), "Company": i + 1, "city": n}})
		}
	}
	_, err = d.Apply(context.Background(), rowhouse.Actor{}, []core.Action{
		core.AddTable{ID: "Cities", Columns: []core.ColumnSpec{{ID: "name"}}},
		core.AddTable{ID: "Companies", Columns: []core.ColumnSpec{{ID: "name"}}},
		core.AddTable{ID: "People", Columns: []core.ColumnSpec{{ID: "name"}, {ID: "Company", Type: "Ref:Companies", ReverseCol: "staff"}, {ID: "city", Type: "Ref:Cities"}}},
		core.AddRecords{Table: "Cities", Rows: cities},
		core.AddRecords{Table: "Companies", Rows: companies},
		core.AddRecords{Table: "People", Rows: people},
	}, core.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

// treeQuery asks for 100 parents x 10 children x their one grandchild.
const treeQuery = `{ companies(first: 100) { edges { node { name staff(first: 10) { edges { node { name city { name } } } } } } } }`

// post sends a query that must succeed.
func (e *env) post(t testing.TB, query string) []byte {
	t.Helper()
	res := e.gql(t, "", query, nil)
	if res.Status != 200 || bytes.Contains(res.Body, []byte(`"errors"`)) {
		t.Fatalf("%d %.300s", res.Status, res.Body)
	}
	return res.Body
}

// TestStatementCount: a 3-level query over 100 parents x 10 children x 1
// grandchild runs one statement per level, whatever the number of rows;
// totalCount adds a COUNT only where it is selected at the top level.
func TestStatementCount(t *testing.T) {
	for name, open := range engines(t) {
		t.Run(name, func(t *testing.T) {
			e := newEngineEnv(t, open(t))
			tree(t, e.docs, e.doc, 100, 10)
			statementCount(t, e)
		})
	}
}

func statementCount(t *testing.T, e *env) {
	for _, tc := range []struct {
		name, query string
		want        int
		check       func(t *testing.T, out []byte)
	}{
		{"3 levels", treeQuery, 3, func(t *testing.T, out []byte) {
			var res struct {
				Data struct {
					Companies struct {
						Edges []struct {
							Node struct {
								Name  string
								Staff struct {
									Edges []struct {
										Node struct {
											Name string
											City struct{ Name string }
										}
									}
								}
							}
						}
					}
				}
			}
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatal(err)
			}
			edges := res.Data.Companies.Edges
			if len(edges) != 100 {
				t.Fatalf("%d parents", len(edges))
			}
			for i, p := range edges {
				if len(p.Node.Staff.Edges) != 10 {
					t.Fatalf("parent %d has %d children", i, len(p.Node.Staff.Edges))
				}
				for j, ch := range p.Node.Staff.Edges {
					n := i*10 + j + 1
					if ch.Node.Name != fmt.Sprintf("P%d", n) || ch.Node.City.Name != fmt.Sprintf("City%d", n) {
						t.Fatalf("parent %d child %d: %+v", i, j, ch.Node)
					}
				}
			}
		}},
		{"nested totalCount is free", `{ companies(first: 100) { edges { node { staff { totalCount } } } } }`, 2, nil},
		{"top-level totalCount costs a COUNT", `{ companies(first: 100) { totalCount edges { node { name } } } }`, 2, nil},
		{"no relations", `{ companies(first: 100) { edges { node { name } } } }`, 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.stmts.reset()
			out := e.post(t, tc.query)
			got := e.stmts.reset()
			if got["graphql"] != tc.want || len(got) != 1 {
				t.Errorf("statements %v, want graphql: %d", got, tc.want)
			}
			if tc.check != nil {
				tc.check(t, out)
			}
		})
	}
}
