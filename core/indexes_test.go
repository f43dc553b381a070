package core_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/query"
)

// indexedDoc makes a document whose core indexes a shape after reads
// reads, with a table T of rows records: kind (Choice), n (Int), name
// (Text), tags (ChoiceList) and boss (Ref:T).
func indexedDoc(t *testing.T, advice core.IndexAdvice, rows int) (*core.Docs, *core.Doc) {
	t.Helper()
	_, docs, d := newDoc(t, core.Options{IndexAdvice: advice})
	t.Cleanup(docs.Wait)
	apply(t, d, core.AddTable{ID: "T", Columns: []core.ColumnSpec{
		{ID: "kind", Type: "Choice"}, {ID: "n", Type: "Int"}, {ID: "name"},
		{ID: "tags", Type: "ChoiceList"}, {ID: "boss", Type: "Ref:T"},
	}})
	recs := make([]core.Row, rows)
	for i := range recs {
		recs[i] = core.Row{Fields: map[string]any{"kind": string(rune('a' + i%3)), "n": num(fmt.Sprint(i % 7)), "name": fmt.Sprint("r", i)}}
	}
	if rows > 0 {
		apply(t, d, core.AddRecords{Table: "T", Rows: recs})
	}
	return docs, d
}

// readN runs sel n times, returning the ids the last read returned.
func readN(t *testing.T, d *core.Doc, sel core.Select, n int) []any {
	t.Helper()
	var ids []any
	for range n {
		recs, _ := readAll(t, d, sel)
		ids = ids[:0]
		for _, r := range recs {
			ids = append(ids, r["id"])
		}
	}
	return ids
}

func advised(t *testing.T, d *core.Doc) map[string][][]string {
	t.Helper()
	got, err := d.AdvisedIndexes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func mustFilter(t *testing.T, s string) query.Expr {
	t.Helper()
	if s == "" {
		return nil
	}
	f, err := query.ParseFilter(s)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mustSort(t *testing.T, s string) []query.SortKey {
	t.Helper()
	if s == "" {
		return nil
	}
	k, err := query.ParseSort(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Each read shape gets the index that serves it: equality columns (sorted)
// then sort columns; shapes no index on this table can serve get none.
func TestAdvisedIndexShapes(t *testing.T) {
	for _, tc := range []struct {
		filter, sort string
		want         [][]string // nil: no index
	}{
		{`{"kind":["b"]}`, "-n", [][]string{{"kind", "-n"}}}, // in the sort's direction
		{`{"n":[1],"kind":["a","b"]}`, "", [][]string{{"kind", "n"}}},
		{`kind[eq]:"a"`, "name,-n", [][]string{{"kind", "name", "-n"}}},
		{"", "n", [][]string{{"n"}}},
		{"", "-n,-name", [][]string{{"-n", "-name"}}},
		{`n[gt]:2`, "", nil},                                  // ranges alone: no equality prefix, no sort
		{`{"id":[3]}`, "", nil},                               // the primary key is an index already
		{`or(kind[eq]:"a",n[eq]:1)`, "", nil},                 // no column serves both branches
		{`tags[containsAny]:["x"]`, "", nil},                  // lists compare as JSON
		{`kind[eq]:"a"`, "boss.name,n", [][]string{{"kind"}}}, // a sort through a reference stops the index
		{`boss.kind[eq]:"a"`, "", nil},                        // a filter through a reference too
		{`{"boss":[1,2]}`, "", [][]string{{"boss"}}},          // references, as GraphQL's child reads ask
	} {
		t.Run(tc.filter+" "+tc.sort, func(t *testing.T) {
			docs, d := indexedDoc(t, core.IndexAdvice{Scans: 2, Reads: 2, MinRows: -1}, 10)
			sel := core.Select{Table: "T", Filter: mustFilter(t, tc.filter), Sort: mustSort(t, tc.sort)}
			before := readN(t, d, sel, 2)
			docs.Wait()
			got := advised(t, d)
			if !reflect.DeepEqual(got["T"], tc.want) {
				t.Fatalf("indexes %v, want %v", got["T"], tc.want)
			}
			if after := readN(t, d, sel, 1); !reflect.DeepEqual(after, before) {
				t.Fatalf("with the index the read returns %v, without it %v", after, before)
			}
		})
	}
}

// Indexes wait for enough reads, big enough tables, and stay few per
// table; turned off, none is made.
func TestAdvisedIndexThresholds(t *testing.T) {
	sel := func(f string) core.Select {
		return core.Select{Table: "T", Filter: mustFilter(t, f)}
	}
	t.Run("scans", func(t *testing.T) {
		docs, d := indexedDoc(t, core.IndexAdvice{Scans: 5, Reads: 100, MinRows: -1}, 10)
		readN(t, d, sel(`{"kind":["a"]}`), 4)
		docs.Wait()
		if got := advised(t, d); len(got) != 0 {
			t.Fatalf("indexed after 4 scans of 5: %v", got)
		}
		readN(t, d, sel(`{"kind":["a"]}`), 1)
		docs.Wait()
		if got := advised(t, d); len(got["T"]) != 1 {
			t.Fatalf("not indexed after 5 scans: %v", got)
		}
	})
	t.Run("by cost, not count", func(t *testing.T) {
		// A big table: indexed after Scans reads, however many lookups
		// Reads would want of a join key.
		docs, d := indexedDoc(t, core.IndexAdvice{Scans: 2, Reads: 1000, MinRows: 100}, 3000)
		readN(t, d, sel(`{"n":[3]}`), 1)
		docs.Wait()
		if got := advised(t, d); len(got) != 0 {
			t.Fatalf("indexed after one scan of 2: %v", got)
		}
		readN(t, d, sel(`{"n":[3]}`), 1)
		docs.Wait()
		if got := advised(t, d); !reflect.DeepEqual(got["T"], [][]string{{"n"}}) {
			t.Fatalf("after 2 scans of a 3000-row table: %v", got)
		}
	})
	t.Run("a read waits for its index being built", func(t *testing.T) {
		docs, d := indexedDoc(t, core.IndexAdvice{Scans: 2, MinRows: 100}, 10000)
		s := core.Select{Table: "T", Filter: mustFilter(t, `{"kind":["b"]}`), Sort: mustSort(t, "-n"), Limit: 10}
		readN(t, d, s, 1)
		docs.Wait() // the table's size is known
		// The read that earns the index starts its build and waits for
		// it: when it answers, the index is there.
		readN(t, d, s, 1)
		if got := advised(t, d); !reflect.DeepEqual(got["T"], [][]string{{"kind", "-n"}}) {
			t.Fatalf("after the read that earned it, indexes %v", got)
		}
	})
	t.Run("rows", func(t *testing.T) {
		docs, d := indexedDoc(t, core.IndexAdvice{Scans: 1, Reads: 1, MinRows: 11}, 10)
		readN(t, d, sel(`{"kind":["a"]}`), 3)
		docs.Wait()
		if got := advised(t, d); len(got) != 0 {
			t.Fatalf("a 10-row table was indexed with MinRows 11: %v", got)
		}
	})
	t.Run("per table", func(t *testing.T) {
		docs, d := indexedDoc(t, core.IndexAdvice{Scans: 1, Reads: 1, MinRows: -1, MaxPerTable: 2}, 10)
		for _, f := range []string{`{"kind":["a"]}`, `{"n":[1]}`, `{"name":["x"]}`} {
			readN(t, d, sel(f), 1)
			docs.Wait()
		}
		if got := advised(t, d); len(got["T"]) != 2 {
			t.Fatalf("indexes %v, want 2 (MaxPerTable)", got)
		}
	})
	t.Run("disabled", func(t *testing.T) {
		docs, d := indexedDoc(t, core.IndexAdvice{Disabled: true, Scans: 1, Reads: 1, MinRows: -1}, 10)
		readN(t, d, sel(`{"kind":["a"]}`), 3)
		docs.Wait()
		if got := advised(t, d); len(got) != 0 {
			t.Fatalf("indexed while disabled: %v", got)
		}
	})
}

// A schema change drops advised indexes first (SQLite refuses to drop or
// convert an indexed column), and the reads that come after bring them back
// under the new schema.
func TestAdvisedIndexSchemaChanges(t *testing.T) {
	for _, tc := range []struct {
		name   string
		action core.Action
	}{
		{"remove column", core.RemoveColumn{Table: "T", Column: "n"}},
		{"rename column", core.RenameColumn{Table: "T", Column: "n", NewID: "m"}},
		{"convert column", core.ModifyColumn{Table: "T", Column: "n", Update: core.ColumnUpdate{Type: ptr("Text")}}},
		{"rename table", core.RenameTable{Table: "T", NewID: "U"}},
		{"remove table", core.RemoveTable{Table: "T"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs, d := indexedDoc(t, core.IndexAdvice{Scans: 1, Reads: 1, MinRows: -1}, 10)
			readN(t, d, core.Select{Table: "T", Filter: mustFilter(t, `{"kind":["a"]}`), Sort: mustSort(t, "n")}, 1)
			docs.Wait()
			if got := advised(t, d); len(got["T"]) != 1 {
				t.Fatalf("no index to drop: %v", got)
			}
			apply(t, d, tc.action)
			if got := advised(t, d); len(got) != 0 {
				t.Fatalf("indexes left after %s: %v", tc.name, got)
			}
		})
	}
	docs, d := indexedDoc(t, core.IndexAdvice{Scans: 1, Reads: 1, MinRows: -1}, 10)
	sel := core.Select{Table: "T", Filter: mustFilter(t, `{"kind":["a"]}`)}
	readN(t, d, sel, 1)
	docs.Wait()
	apply(t, d, core.RenameColumn{Table: "T", Column: "kind", NewID: "sort"})
	readN(t, d, core.Select{Table: "T", Filter: mustFilter(t, `{"sort":["a"]}`)}, 1)
	docs.Wait()
	if got := advised(t, d); !reflect.DeepEqual(got["T"], [][]string{{"sort"}}) {
		t.Fatalf("after the rename the new shape is not indexed: %v", got)
	}
}

func ptr[T any](v T) *T { return &v }

// Join keys are indexed whatever the table's size: the forward column a
// reverse column looks up once per row, and a Ref column filtered by the
// ids of another read's rows (GraphQL's child reads).
func TestAdvisedIndexJoinKeys(t *testing.T) {
	newPeople := func(t *testing.T) (*core.Docs, *core.Doc) {
		t.Helper()
		_, docs, d := newDoc(t, core.Options{IndexAdvice: core.IndexAdvice{Scans: 1, Reads: 1, MinRows: 1000}})
		t.Cleanup(docs.Wait)
		apply(t, d,
			core.AddTable{ID: "Companies", Columns: []core.ColumnSpec{{ID: "name"}}},
			core.AddTable{ID: "People", Columns: []core.ColumnSpec{{ID: "name"}, {ID: "Company", Type: "Ref:Companies", ReverseCol: "staff"}}},
			core.AddRecords{Table: "Companies", Rows: []core.Row{{Fields: map[string]any{"name": "Acme"}}}},
			core.AddRecords{Table: "People", Rows: []core.Row{{Fields: map[string]any{"name": "Ann", "Company": num("1")}}}},
		)
		return docs, d
	}
	t.Run("reverse column read", func(t *testing.T) {
		docs, d := newPeople(t)
		readN(t, d, core.Select{Table: "Companies"}, 1)
		docs.Wait()
		if got := advised(t, d); !reflect.DeepEqual(got, map[string][][]string{"People": {{"Company"}}}) {
			t.Fatalf("indexes %v, want People.Company", got)
		}
	})
	t.Run("reverse column not read", func(t *testing.T) {
		docs, d := newPeople(t)
		readN(t, d, core.Select{Table: "Companies", Columns: []string{"name"}}, 1)
		docs.Wait()
		if got := advised(t, d); len(got) != 0 {
			t.Fatalf("indexed for a reverse column nobody read: %v", got)
		}
	})
	t.Run("filter by a Ref column", func(t *testing.T) {
		docs, d := newPeople(t)
		readN(t, d, core.Select{Table: "People", Filter: mustFilter(t, `{"Company":[1]}`)}, 1)
		docs.Wait()
		if got := advised(t, d); !reflect.DeepEqual(got, map[string][][]string{"People": {{"Company"}}}) {
			t.Fatalf("indexes %v, want People.Company", got)
		}
	})
	t.Run("filter by another column of a small table", func(t *testing.T) {
		docs, d := newPeople(t)
		readN(t, d, core.Select{Table: "People", Filter: mustFilter(t, `{"name":["Ann"]}`)}, 1)
		docs.Wait()
		if got := advised(t, d); len(got) != 0 {
			t.Fatalf("a 1-row table was indexed with MinRows 1000: %v", got)
		}
	})
}

// A read may name the columns it wants, in its order; others, reverse
// columns included, are not read.
func TestSelectColumns(t *testing.T) {
	d := openDoc(t)
	apply(t, d,
		core.AddTable{ID: "Companies", Columns: []core.ColumnSpec{{ID: "name"}, {ID: "size", Type: "Int"}}},
		core.AddTable{ID: "People", Columns: []core.ColumnSpec{{ID: "Company", Type: "Ref:Companies", ReverseCol: "staff"}}},
		core.AddRecords{Table: "Companies", Rows: []core.Row{{Fields: map[string]any{"name": "Acme", "size": num("3")}}}},
		core.AddRecords{Table: "People", Rows: []core.Row{{Fields: map[string]any{"Company": num("1")}}}},
	)
	for _, tc := range []struct {
		cols []string
		want string
	}{
		{nil, `[{"id":1,"name":"Acme","size":3,"staff":["L",1]}]`},
		{[]string{"size", "name"}, `[{"id":1,"name":"Acme","size":3}]`},
		{[]string{"staff"}, `[{"id":1,"staff":["L",1]}]`},
		{[]string{}, `[{"id":1}]`},
	} {
		recs, rows := readAll(t, d, core.Select{Table: "Companies", Columns: tc.cols})
		got, _ := json.Marshal(recs)
		if string(got) != tc.want {
			t.Errorf("Columns %v: %s, want %s", tc.cols, got, tc.want)
		}
		if tc.cols != nil && len(rows.Columns) != len(tc.cols) {
			t.Errorf("Columns %v: rows describe %d columns", tc.cols, len(rows.Columns))
		}
	}
	_, err := d.Query(context.Background(), core.Select{Table: "Companies", Columns: []string{"nope"}})
	if err == nil || err.Error() != `Invalid column "nope"` {
		t.Fatalf("unknown column: %v", err)
	}
}

// A filter or sort built by a surface without the REST parsers (GraphQL
// builds its own) meets the same bounds in the core: an invalid request,
// never the database's internal error.
func TestQueryBounds(t *testing.T) {
	d := openDoc(t)
	apply(t, d, core.AddTable{ID: "T", Columns: []core.ColumnSpec{{ID: "n", Type: "Int"}}})
	var deep query.Expr = query.Cond{Path: []string{"n"}, Op: query.OpEq, Value: num("1")}
	for range 3000 {
		deep = query.Not{Expr: deep}
	}
	wide := make([]any, 40_000)
	for i := range wide {
		wide[i] = num(fmt.Sprint(i))
	}
	keys := make([]query.SortKey, 100)
	for i := range keys {
		keys[i] = query.SortKey{Path: []string{"n"}}
	}
	for name, sel := range map[string]core.Select{
		"deep filter": {Table: "T", Filter: deep},
		"wide in":     {Table: "T", Filter: query.Cond{Path: []string{"n"}, Op: query.OpIn, Value: wide}},
		"many keys":   {Table: "T", Sort: keys},
	} {
		_, err := d.Query(context.Background(), sel)
		if rowhouse.ErrorKind(err) != rowhouse.EINVALID {
			t.Errorf("%s: error %v (kind %s), want an invalid-request error", name, err, rowhouse.ErrorKind(err))
		}
	}
}
