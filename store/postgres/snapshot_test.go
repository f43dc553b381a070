package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/query"
	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
	"github.com/rowhouse/rowhouse/store/sqlite"
)

// A document snapshotted from PostgreSQL opens on the SQLite engine as the
// same document: same rows and cells (booleans, references, lists,
// values kept aside), same unique column, same next id.
func TestSnapshotDocOpensOnSQLite(t *testing.T) {
	ctx := t.Context()
	pg := pgtest.Open(t)
	id := rowhouse.NewDocID()
	if err := pg.CreateDoc(ctx, id); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Unix(1700000000, 0) }
	actor := rowhouse.Actor{User: rowhouse.User{ID: 1, Email: "a@b.c"}}
	src := openCoreDoc(t, pg, id, now)
	_, err := src.Apply(ctx, actor, []core.Action{
		core.AddTable{ID: "Teams", Columns: []core.ColumnSpec{{ID: "name", IsUnique: true}}},
		core.AddTable{ID: "People", Columns: []core.ColumnSpec{{ID: "name"}, {ID: "ok", Type: "Bool"}, {ID: "age", Type: "Int"},
			{ID: "team", Type: "Ref:Teams", ReverseCol: "members"}, {ID: "tags", Type: "ChoiceList"}}},
		core.AddRecords{Table: "Teams", Rows: []core.Row{{Fields: map[string]any{"name": "Red"}}, {Fields: map[string]any{"name": "Blue"}}}},
		core.AddRecords{Table: "People", Rows: []core.Row{
			{Fields: map[string]any{"name": "Ann", "ok": true, "age": json.Number("30"), "team": json.Number("1"), "tags": []any{"L", "x"}}},
			{ID: 9, Fields: map[string]any{"name": "Bob", "ok": false, "age": "old", "team": json.Number("2")}},
		}},
		core.AddRecords{Table: "People", Rows: []core.Row{{Fields: map[string]any{"name": "Cy"}}}},
		core.RemoveRecords{Table: "People", IDs: []int64{11}}, // its id stays taken
	}, core.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// An index the core built for reads on PostgreSQL stays behind: the
	// copy's core builds its own, in SQLite's terms, for the reads it sees.
	sel := core.Select{Table: "People", Filter: query.Cond{Path: []string{"name"}, Op: query.OpEq, Value: "Ann"},
		Sort: []query.SortKey{{Path: []string{"age"}, Desc: true}}}
	advise(t, pg, id, sel)

	dir := t.TempDir()
	se, err := sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { se.Close() })
	if err := pg.SnapshotDoc(ctx, id, filepath.Join(dir, "docs", id+".db")); err != nil {
		t.Fatal(err)
	}
	cp := openCoreDoc(t, se, id, now)
	if got, _ := cp.AdvisedIndexes(ctx); len(got) != 0 {
		t.Errorf("advised indexes copied: %v", got)
	}
	if got := advise(t, se, id, sel); fmt.Sprint(got) != "map[People:[[name -age]]]" {
		t.Errorf("advised on the copy: %v", got)
	}
	for _, table := range []string{"Teams", "People"} {
		if got, want := tableJSON(t, cp, table), tableJSON(t, src, table); got != want {
			t.Errorf("%s on the SQLite copy:\n got  %s\n want %s", table, got, want)
		}
	}
	res, err := cp.Apply(ctx, actor, []core.Action{core.AddRecords{Table: "People", Rows: []core.Row{{}}}}, core.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ids := res.RetValues[0].([]int64); len(ids) != 1 || ids[0] != 12 {
		t.Errorf("next id on the copy %v, want [12] (Bob took 9, Ann 10, Cy 11)", ids)
	}
	_, err = cp.Apply(ctx, actor, []core.Action{core.AddRecords{Table: "Teams", Rows: []core.Row{{Fields: map[string]any{"name": "Red"}}}}}, core.ApplyOptions{})
	if rowhouse.ErrorKind(err) != rowhouse.EINVALID {
		t.Errorf("a duplicate in the unique column on the copy: %v", err)
	}
}

// advise reads sel on document id of e until the core indexes its shape,
// and returns the document's advised indexes.
func advise(t *testing.T, e store.Engine, id string, sel core.Select) map[string][][]string {
	t.Helper()
	ctx := context.Background()
	docs := core.NewDocs(e, core.Options{IndexAdvice: core.IndexAdvice{Scans: 2, Reads: 2, MinRows: -1}})
	d, err := docs.Open(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for range 2 {
		rows, err := d.Query(ctx, sel)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	docs.Wait()
	got, err := d.AdvisedIndexes(ctx)
	if err != nil || len(got) == 0 {
		t.Fatalf("advised indexes %v, %v", got, err)
	}
	return got
}

func openCoreDoc(t *testing.T, e store.Engine, id string, now func() time.Time) *core.Doc {
	t.Helper()
	d, err := core.NewDocs(e, core.Options{Now: now}).Open(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// tableJSON reads every record of a table with its reverse columns.
func tableJSON(t *testing.T, d *core.Doc, table string) string {
	t.Helper()
	rows, err := d.Query(context.Background(), core.Select{Table: table})
	if err != nil {
		t.Fatal(err)
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
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
