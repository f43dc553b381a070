package core_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/store/postgres"
	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
)

// docInTwoProcesses makes a document on PostgreSQL and opens it in two
// engines on the same database, which stand for two processes.
func docInTwoProcesses(t *testing.T) (a, b *core.Doc) {
	t.Helper()
	ctx := context.Background()
	opts := pgtest.Options(t)
	open := func() *postgres.Engine {
		e, err := postgres.Open(ctx, pgtest.URL(), opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	}
	_, _, a = newDocOn(t, open(), core.Options{})
	b, err := core.NewDocs(open(), core.Options{}).Open(ctx, a.ID())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return a, b
}

// TestTypeChangeByOtherProcess: on PostgreSQL a document's statements stay
// prepared on the connections of a process. When another process (another
// engine on the same database) changes a column's type, the first reads
// and writes the column with its new type, whether its next use is a read
// of one statement, a read with a count or a write: none of them runs a
// plan prepared for the old type.
func TestTypeChangeByOtherProcess(t *testing.T) {
	if !pgtest.Enabled() {
		t.Skip("prepared statements are PostgreSQL's; set " + pgtest.EnvURL)
	}
	a, b := docInTwoProcesses(t)
	apply(t, a, core.AddTable{ID: "T", Columns: []core.ColumnSpec{{ID: "n", Type: "Int"}}},
		core.AddRecords{Table: "T", Rows: []core.Row{{Fields: map[string]any{"n": num("5")}}}})

	value := func(sel core.Select) string {
		t.Helper()
		sel.Table = "T"
		recs, _ := readAll(t, a, sel)
		if len(recs) != 1 {
			t.Fatalf("%d records", len(recs))
		}
		return fmt.Sprintf("%T %v", recs[0]["n"], recs[0]["n"])
	}
	set := func(v any) {
		t.Helper()
		apply(t, a, core.UpdateRecords{Table: "T", Rows: []core.Row{{ID: 1, Fields: map[string]any{"n": v}}}})
	}
	retype := func(typ string) {
		t.Helper()
		apply(t, b, core.ModifyColumn{Table: "T", Column: "n", Update: core.ColumnUpdate{Type: ptr(typ)}})
	}
	one, counted := core.Select{}, core.Select{Count: true}

	// a prepares its reads and its write on the Int column.
	for _, n := range []string{"5", "6"} {
		if got, want := value(one)+", "+value(counted), "int64 "+n+", int64 "+n; got != want {
			t.Fatalf("before: %s, want %s", got, want)
		}
		set(num("6"))
	}

	retype("Text")
	set("seven") // a write first
	if got := value(one) + ", " + value(counted); got != "string seven, string seven" {
		t.Fatalf("after the change to Text: %s", got)
	}

	retype("Numeric")
	if got := value(one); got != "string seven" { // kept as text beside the number column (Grist's alt text)
		t.Fatalf("after the change to Numeric: %s", got)
	}
	set(num("8.5"))
	if got := value(one) + ", " + value(counted); got != "float64 8.5, float64 8.5" {
		t.Fatalf("after the change to Numeric: %s", got)
	}

	retype("Text")
	if got := value(counted); got != "string 8.5" { // a read with a count first
		t.Fatalf("after the change back to Text: %s", got)
	}
}
