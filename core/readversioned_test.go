package core_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/query"
)

// TestVersionedReads: on an engine other processes may write (PostgreSQL,
// an SQLite folder without its lock), two cores stand for two processes.
// A read of one statement checks the schema version in that statement; the
// reader must never answer from the schema it remembers once the other has
// changed it: not when its old statement fails, nor when it succeeds with
// rows, nor when it succeeds with no row.
func TestVersionedReads(t *testing.T) {
	e := testEngine(t)
	got := map[string]int{}
	opts := core.Options{Statements: func(surface string, n int) { got[surface] += n }}
	_, _, reader := newDocOn(t, e, opts)
	writer, err := core.NewDocs(e, core.Options{}).Open(context.Background(), reader.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	none, err := query.ParseFilter(`a[eq]:"nothing"`)
	if err != nil {
		t.Fatal(err)
	}
	read := func(sel core.Select) (string, int, int) {
		t.Helper()
		clear(got)
		cols, n := readColumns(t, reader, sel)
		return fmt.Sprint(cols), n, got["rest"]
	}
	// Each kind of read on a table of its own, through the same changes.
	for k, sel := range []core.Select{{}, {Filter: none}, {Limit: 1}} {
		sel.Table = fmt.Sprintf("T%d", k)
		apply(t, writer, core.AddTable{ID: sel.Table, Columns: []core.ColumnSpec{{ID: "a"}, {ID: "b", Type: "Int"}}},
			core.AddRecords{Table: sel.Table, Rows: []core.Row{{Fields: map[string]any{"a": "x", "b": num("1")}}, {Fields: map[string]any{"a": "y"}}}})
		read(sel) // the reader learns the schema
		stmts := 1
		if sel.Filter != nil {
			stmts = 2 // no row: the version is read after
		}
		if cols, _, n := read(sel); cols != "[a b]" || n != stmts {
			t.Fatalf("%+v: columns %s, %d statements, want %d", sel, cols, n, stmts)
		}
		for i, change := range []struct {
			action core.Action
			cols   string
		}{
			{core.AddColumn{Table: sel.Table, Column: core.ColumnSpec{ID: "c"}}, "[a b c]"}, // the old statement still runs
			{core.RenameColumn{Table: sel.Table, Column: "b", NewID: "d"}, "[a d c]"},       // it fails
			{core.ModifyColumn{Table: sel.Table, Column: "d", Update: core.ColumnUpdate{Type: ptr("Text")}}, "[a d c]"},
			{core.RemoveColumn{Table: sel.Table, Column: "c"}, "[a d]"},
		} {
			apply(t, writer, change.action)
			cols, n, _ := read(sel)
			if cols != change.cols || (sel.Filter == nil && n == 0) || (sel.Filter != nil && n != 0) {
				t.Fatalf("%+v after change %d: columns %s (%d rows), want %s", sel, i, cols, n, change.cols)
			}
		}
	}
}
