package core_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	_ "github.com/ncruces/go-sqlite3/driver"

	"github.com/rowhouse/rowhouse/core"
)

// On SQLite, the index built for a descending sort gives the core's order
// (ties by id ascending) outright: the plan has no sorting step, where an
// ascending index would leave the ties to a temporary B-tree.
func TestAdvisedIndexGivesOrder(t *testing.T) {
	e, docs, d := newDocOn(t, sqliteEngine(t), core.Options{IndexAdvice: core.IndexAdvice{Scans: 2, Reads: 2, MinRows: -1}})
	apply(t, d, core.AddTable{ID: "T", Columns: []core.ColumnSpec{{ID: "kind", Type: "Choice"}, {ID: "n", Type: "Int"}}})
	sel := core.Select{Table: "T", Filter: mustFilter(t, `{"kind":["b"]}`), Sort: mustSort(t, "-n"), Limit: 10}
	readN(t, d, sel, 2)
	docs.Wait()
	db, err := sql.Open("sqlite3", "file:"+e.DocPath(d.ID())+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(context.Background(), `EXPLAIN QUERY PLAN SELECT t."id" FROM "T" AS t WHERE t."kind" = 'b' ORDER BY t."n" DESC NULLS LAST, t."id" ASC LIMIT 11`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	got := strings.Join(plan, "; ")
	if !strings.Contains(got, "INDEX _rh_x_") || strings.Contains(got, "TEMP B-TREE") {
		t.Errorf("plan %q: want the advised index and no sort", got)
	}
}
