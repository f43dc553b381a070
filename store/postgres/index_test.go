package postgres_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/query"
	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
)

// The core sorts empty values first ascending and last descending. The
// index the core builds for a sorted read must let PostgreSQL read both of
// those orders off it (possibly finishing ties with an incremental sort)
// instead of sorting the whole table.
func TestAutomaticIndexServesCoreOrders(t *testing.T) {
	pgtest.Skip(t)
	ctx := t.Context()
	e := pgtest.Open(t)
	id := rowhouse.NewDocID()
	if err := e.CreateDoc(ctx, id); err != nil {
		t.Fatal(err)
	}
	docs := core.NewDocs(e, core.Options{IndexAdvice: core.IndexAdvice{Scans: 1, Reads: 1, MinRows: -1}})
	doc, err := docs.Open(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer doc.Close()
	actor := rowhouse.Actor{User: rowhouse.User{ID: 1}}
	if _, err := doc.Apply(ctx, actor, []core.Action{core.AddTable{ID: "T", Columns: []core.ColumnSpec{{ID: "c", Type: "Int"}}}}, core.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	for start := 0; start < 20_000; start += 10_000 {
		rows := make([]core.Row, 10_000)
		for i := range rows {
			var v any = json.Number(fmt.Sprint((start + i) % 1000))
			if i%50 == 0 {
				v = nil
			}
			rows[i] = core.Row{Fields: map[string]any{"c": v}}
		}
		if _, err := doc.Apply(ctx, actor, []core.Action{core.AddRecords{Table: "T", Rows: rows}}, core.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := doc.Query(ctx, core.Select{Table: "T", Sort: []query.SortKey{{Path: []string{"c"}, Desc: true}}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	rs.Close()
	docs.Wait()

	d, err := e.OpenDoc(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	lines := func(q string) []string {
		t.Helper()
		rows, err := d.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			out = append(out, strings.TrimSpace(line))
		}
		return out
	}
	defs := lines(`SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE '\_rh\_x\_%'`)
	// Built for sort=-c, in that direction: DESC NULLS LAST, whose
	// backward scan is ASC NULLS FIRST.
	if len(defs) != 1 || !strings.Contains(defs[0], "c DESC NULLS LAST") {
		t.Fatalf("automatic indexes %q, want one on c DESC NULLS LAST", defs)
	}
	if _, err := d.Exec(ctx, `ANALYZE "T"`); err != nil {
		t.Fatal(err)
	}
	// The orders the core writes for sort=c and sort=-c.
	for _, order := range []string{`t."c" ASC NULLS FIRST, t."id" ASC`, `t."c" DESC NULLS LAST, t."id" ASC`} {
		plan := lines(`EXPLAIN SELECT t."id" FROM "T" AS t ORDER BY ` + order + ` LIMIT 100`)
		text := strings.Join(plan, "\n")
		fullSort := false
		for _, l := range plan {
			if strings.HasPrefix(strings.TrimPrefix(l, "->  "), "Sort  (") { // a Sort node, not Incremental Sort or a Sort Key line
				fullSort = true
			}
		}
		if !strings.Contains(text, "_rh_x_") || fullSort {
			t.Errorf("ORDER BY %s is not read off the automatic index:\n%s", order, text)
		}
	}
}
