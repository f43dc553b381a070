package core_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/query"
	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
	"github.com/rowhouse/rowhouse/store/sqlite"
)

// newDoc makes a fresh document on the test engine (see testEngine), with
// the core configured by opts (a fixed clock unless opts sets one).
func newDoc(t testing.TB, opts core.Options) (store.Engine, *core.Docs, *core.Doc) {
	t.Helper()
	return newDocOn(t, testEngine(t), opts)
}

// testEngine returns a fresh engine closed when t ends: PostgreSQL (fresh
// schemas on the test database) when ROWHOUSE_TEST_POSTGRES is set, as in
// the second run of .ci/run, else SQLite in a temporary folder.
func testEngine(t testing.TB) store.Engine {
	t.Helper()
	if pgtest.Enabled() {
		return pgtest.Open(t)
	}
	return sqliteEngine(t)
}

// sqliteEngine returns a SQLite engine in a temporary folder, closed when
// t ends.
func sqliteEngine(t testing.TB) *sqlite.Engine {
	t.Helper()
	e, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// newDocOn makes a fresh document on engine e.
func newDocOn[E store.Engine](t testing.TB, e E, opts core.Options) (E, *core.Docs, *core.Doc) {
	t.Helper()
	ctx := context.Background()
	id := rowhouse.NewDocID()
	if err := e.CreateDoc(ctx, id); err != nil {
		t.Fatal(err)
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Unix(1700000000, 0) }
	}
	docs := core.NewDocs(e, opts)
	d, err := docs.Open(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return e, docs, d
}

// openDoc makes a fresh document with the default options.
func openDoc(t testing.TB) *core.Doc {
	_, _, d := newDoc(t, core.Options{})
	return d
}

var actor = rowhouse.Actor{User: rowhouse.User{ID: 1, Email: "a@b.c"}}

func apply(t testing.TB, d *core.Doc, actions ...core.Action) core.Applied {
	t.Helper()
	res, err := d.Apply(context.Background(), actor, actions, core.ApplyOptions{})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return res
}

func num(s string) json.Number { return json.Number(s) }

func readAll(t *testing.T, d *core.Doc, sel core.Select) ([]map[string]any, *core.Rows) {
	t.Helper()
	rows, err := d.Query(context.Background(), sel)
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	defer rows.Close()
	var out []map[string]any
	var vals []any
	for rows.Next() {
		vals = rows.Values(vals, false)
		m := map[string]any{"id": rows.ID()}
		for i, c := range rows.Columns {
			m[c.ID] = vals[i]
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out, rows
}

func TestRecordsRoundTrip(t *testing.T) {
	d := openDoc(t)
	res := apply(t, d, core.AddTable{ID: "People", Columns: []core.ColumnSpec{
		{ID: "name"}, {ID: "age", Type: "Int"}, {ID: "email", IsUnique: true},
	}})
	if got := res.RetValues[0].(core.AddTableResult).TableID; got != "People" {
		t.Fatalf("table id %q", got)
	}
	res = apply(t, d, core.AddRecords{Table: "People", Rows: []core.Row{
		{Fields: map[string]any{"name": "Ann", "age": num("30"), "email": "ann@x"}},
		{Fields: map[string]any{"name": "Bob", "age": "41", "email": "bob@x"}},
		{Fields: map[string]any{"name": "Cy", "age": "old"}},
	}})
	ids := res.RetValues[0].([]int64)
	if len(ids) != 3 || ids[0] != 1 || ids[2] != 3 {
		t.Fatalf("ids %v", ids)
	}
	recs, _ := readAll(t, d, core.Select{Table: "People"})
	if recs[1]["age"] != int64(41) || recs[2]["age"] != "old" || recs[2]["email"] != "" {
		t.Fatalf("records %v", recs)
	}
	f, err := query.ParseFilter(`age[gte]:30`)
	if err != nil {
		t.Fatal(err)
	}
	recs, _ = readAll(t, d, core.Select{Table: "People", Filter: f, Sort: []query.SortKey{{Path: []string{"age"}, Desc: true}}})
	if len(recs) != 2 || recs[0]["name"] != "Bob" {
		t.Fatalf("filtered %v", recs)
	}
	// Cursor pages walk every row exactly once.
	var seen []int64
	var after *query.Cursor
	for {
		rows, err := d.Query(context.Background(), core.Select{Table: "People", Limit: 2, After: after, Sort: []query.SortKey{{Path: []string{"name"}, Desc: true}}})
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			seen = append(seen, rows.ID())
		}
		p := rows.Page
		rows.Close()
		if !p.HasNextPage {
			break
		}
		c, err := query.DecodeCursor(*p.EndCursor)
		if err != nil {
			t.Fatal(err)
		}
		after = &c
	}
	if len(seen) != 3 || seen[0] != 3 || seen[2] != 1 {
		t.Fatalf("pages %v", seen)
	}
	// A bad row in a batch applies nothing.
	_, err = d.Apply(context.Background(), actor, []core.Action{core.UpdateRecords{Table: "People", Rows: []core.Row{
		{ID: 1, Fields: map[string]any{"name": "Changed"}}, {ID: 99, Fields: map[string]any{"name": "X"}},
	}}}, core.ApplyOptions{})
	if rowhouse.ErrorMessage(err) != "Invalid row id 99" {
		t.Fatalf("err %v", err)
	}
	// A duplicate in a unique column is refused.
	_, err = d.Apply(context.Background(), actor, []core.Action{core.AddRecords{Table: "People", Rows: []core.Row{{Fields: map[string]any{"email": "ann@x"}}}}}, core.ApplyOptions{})
	if rowhouse.ErrorKind(err) != rowhouse.EINVALID {
		t.Fatalf("unique: %v", err)
	}
	recs, _ = readAll(t, d, core.Select{Table: "People"})
	if recs[0]["name"] != "Ann" || len(recs) != 3 {
		t.Fatalf("after failed update %v", recs)
	}
	apply(t, d, core.RemoveRecords{Table: "People", IDs: []int64{2}})
	ev, err := d.Events(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	kinds := []string{}
	for _, e := range ev {
		kinds = append(kinds, e.Kind)
	}
	if len(ev) != 3 || kinds[0] != "schema" || kinds[1] != "add" || kinds[2] != "remove" || ev[2].Rows[0].Fields["name"] != "Bob" {
		t.Fatalf("events %v", kinds)
	}
	// Type conversion keeps values.
	typ := "Text"
	apply(t, d, core.ModifyColumn{Table: "People", Column: "age", Update: core.ColumnUpdate{Type: &typ}})
	recs, _ = readAll(t, d, core.Select{Table: "People"})
	if recs[0]["age"] != "30" || recs[1]["age"] != "old" {
		t.Fatalf("converted %v", recs)
	}
}

// The core reports how many SQL statements each operation ran, by surface:
// a read whose schema the core has seen is one SELECT that checks the
// schema version too; with a count it is the version check, COUNT and the
// SELECT.
func TestStatementCounts(t *testing.T) {
	got := map[string]int{}
	_, _, d := newDoc(t, core.Options{Statements: func(surface string, n int) { got[surface] += n }})
	apply(t, d, core.AddTable{ID: "T", Columns: []core.ColumnSpec{{ID: "a"}}})
	apply(t, d, core.AddRecords{Table: "T", Rows: []core.Row{{Fields: map[string]any{"a": "x"}}}})
	if got["rest"] == 0 {
		t.Fatalf("writes counted no statements: %v", got)
	}
	for _, c := range []struct {
		sel  core.Select
		want map[string]int
	}{
		{core.Select{Table: "T", Surface: "graphql"}, map[string]int{"graphql": 1}},
		{core.Select{Table: "T", Count: true, Limit: 10}, map[string]int{"rest": 3}},
	} {
		clear(got)
		rows, err := d.Query(context.Background(), c.sel)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%+v: statements %v, want %v", c.sel, got, c.want)
		}
	}
}

// Rows added with chosen ids move the id sequence on every engine: later
// rows get ids past them, and removed ids are never given again.
func TestExplicitIDsAdvanceIDs(t *testing.T) {
	d := openDoc(t)
	apply(t, d, core.AddTable{ID: "T", Columns: []core.ColumnSpec{{ID: "a"}}})
	res := apply(t, d, core.AddRecords{Table: "T", Rows: []core.Row{{ID: 7}, {}, {ID: 3}}})
	if ids := res.RetValues[0].([]int64); fmt.Sprint(ids) != "[7 8 3]" {
		t.Fatalf("ids %v, want [7 8 3]", ids)
	}
	apply(t, d, core.RemoveRecords{Table: "T", IDs: []int64{7, 8}})
	res = apply(t, d, core.AddRecords{Table: "T", Rows: []core.Row{{}}})
	if ids := res.RetValues[0].([]int64); fmt.Sprint(ids) != "[9]" {
		t.Fatalf("after removing 7 and 8: ids %v, want [9]", ids)
	}
	res = apply(t, d, core.AddRecords{Table: "T", Rows: []core.Row{{ID: 5}, {}}})
	if ids := res.RetValues[0].([]int64); fmt.Sprint(ids) != "[5 10]" {
		t.Fatalf("a chosen id below the last: ids %v, want [5 10]", ids)
	}
}
