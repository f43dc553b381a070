package core_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/query"
)

// keyRow is a row of the sort fixture; nil is an empty cell.
type keyRow struct {
	id int64
	a  *string
	b  *int64
}

// sortFixture makes table K with 60 rows whose keys repeat and are often
// empty: a in null, "", "x", "y"; b in null, 1, 2.
func sortFixture(t *testing.T, d *core.Doc) []keyRow {
	t.Helper()
	apply(t, d, core.AddTable{ID: "K", Columns: []core.ColumnSpec{{ID: "a"}, {ID: "b", Type: "Int"}}})
	as := []any{nil, "", "x", "y"}
	bs := []any{nil, num("1"), num("2"), num("1")}
	var rows []core.Row
	var out []keyRow
	for i := range 60 {
		a, b := as[(i*3)%4], bs[(i/2)%4]
		rows = append(rows, core.Row{Fields: map[string]any{"a": a, "b": b}})
		r := keyRow{id: int64(i + 1)}
		if s, ok := a.(string); ok {
			r.a = &s
		}
		if n, ok := b.(interface{ Int64() (int64, error) }); ok {
			v, _ := n.Int64()
			r.b = &v
		}
		out = append(out, r)
	}
	apply(t, d, core.AddRecords{Table: "K", Rows: rows})
	return out
}

func cmpOpt[T int64 | string](x, y *T, desc, nullsFirst bool) int {
	switch {
	case x == nil && y == nil:
		return 0
	case x == nil:
		if nullsFirst {
			return -1
		}
		return 1
	case y == nil:
		if nullsFirst {
			return 1
		}
		return -1
	}
	c := 0
	if *x < *y {
		c = -1
	} else if *x > *y {
		c = 1
	}
	if desc {
		c = -c
	}
	return c
}

// order sorts rows as keys (query.SortKey on a or b) say, then by id.
func order(rows []keyRow, keys []query.SortKey) []int64 {
	s := slices.Clone(rows)
	slices.SortStableFunc(s, func(x, y keyRow) int {
		for _, k := range keys {
			nullsFirst := k.Nulls == query.NullsFirst || (k.Nulls == query.NullsDefault && !k.Desc)
			var c int
			if k.Path[0] == "a" {
				c = cmpOpt(x.a, y.a, k.Desc, nullsFirst)
			} else {
				c = cmpOpt(x.b, y.b, k.Desc, nullsFirst)
			}
			if c != 0 {
				return c
			}
		}
		return int(x.id - y.id)
	})
	ids := make([]int64, len(s))
	for i, r := range s {
		ids[i] = r.id
	}
	return ids
}

func pageIDs(t *testing.T, d *core.Doc, sel core.Select) ([]int64, core.PageInfo) {
	t.Helper()
	rows, err := d.Query(context.Background(), sel)
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		ids = append(ids, rows.ID())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if rows.Page == nil {
		t.Fatal("no page info")
	}
	return ids, *rows.Page
}

func cursorOf(t *testing.T, s *string) *query.Cursor {
	t.Helper()
	c, err := query.DecodeCursor(*s)
	if err != nil {
		t.Fatal(err)
	}
	return &c
}

// Keyset pages walk every row exactly once, in order, forwards and
// backwards, for every direction and placement of empty values on two
// keys (each key's cursor value is bound as often as the condition names
// it).
func TestCursorPagesEveryNullPlacement(t *testing.T) {
	d := openDoc(t)
	rows := sortFixture(t, d)
	var specs []string
	for _, a := range []string{"a", "-a", "a:emptyFirst", "-a:emptyFirst", "a:emptyLast", "-a:emptyLast"} {
		for _, b := range []string{"b", "-b", "b:emptyLast", "-b:emptyFirst"} {
			specs = append(specs, a+","+b)
		}
	}
	specs = append(specs, "b", "-a", "b,a,-id")
	for _, spec := range specs {
		t.Run(spec, func(t *testing.T) {
			keys, err := query.ParseSort(spec)
			if err != nil {
				t.Fatal(err)
			}
			var onAB []query.SortKey
			for _, k := range keys {
				if k.Path[0] != "id" {
					onAB = append(onAB, k)
				}
			}
			want := order(rows, onAB)
			if strings.HasSuffix(spec, "-id") {
				want = nil // id is the last key here and descending: check against the unpaged read
			}
			all, _ := readAll(t, d, core.Select{Table: "K", Sort: keys})
			var unpaged []int64
			for _, r := range all {
				unpaged = append(unpaged, r["id"].(int64))
			}
			if want != nil && !reflect.DeepEqual(unpaged, want) {
				t.Fatalf("unpaged\n got  %v\n want %v", unpaged, want)
			}
			want = unpaged
			for _, limit := range []int{1, 4, 7, 60} {
				var fwd []int64
				var after *query.Cursor
				var last core.PageInfo
				for i := 0; ; i++ {
					ids, p := pageIDs(t, d, core.Select{Table: "K", Sort: keys, Limit: limit, After: after})
					fwd = append(fwd, ids...)
					if p.HasPreviousPage != (i > 0) {
						t.Fatalf("limit %d page %d: hasPreviousPage %v", limit, i, p.HasPreviousPage)
					}
					last = p
					if !p.HasNextPage {
						break
					}
					after = cursorOf(t, p.EndCursor)
				}
				if !reflect.DeepEqual(fwd, want) {
					t.Fatalf("limit %d forward\n got  %v\n want %v", limit, fwd, want)
				}
				bwd := []int64{want[len(want)-1]}
				before := cursorOf(t, last.EndCursor)
				for {
					ids, p := pageIDs(t, d, core.Select{Table: "K", Sort: keys, Limit: limit, Before: before})
					bwd = append(slices.Clone(ids), bwd...)
					if !p.HasNextPage {
						t.Fatalf("limit %d: a backward page without a next page", limit)
					}
					if !p.HasPreviousPage {
						break
					}
					before = cursorOf(t, p.StartCursor)
				}
				if !reflect.DeepEqual(bwd, want) {
					t.Fatalf("limit %d backward\n got  %v\n want %v", limit, bwd, want)
				}
			}
		})
	}
}

// A page at an offset is the rows at those positions of the sorted,
// filtered read, whatever the sort and the filter; its cursors page on
// from there (both ways), and its hasPreviousPage says whether rows come
// before it.
func TestOffsetPages(t *testing.T) {
	d := openDoc(t)
	sortFixture(t, d)
	for _, spec := range []string{"", "a,b", "-b,a", "-id"} {
		for _, filter := range []string{"", "b[is]:NOT_NULL"} {
			keys, err := query.ParseSort(spec)
			if err != nil {
				t.Fatal(err)
			}
			f, err := query.ParseFilter(filter)
			if err != nil {
				t.Fatal(err)
			}
			all, _ := readAll(t, d, core.Select{Table: "K", Sort: keys, Filter: f})
			var want []int64
			for _, r := range all {
				want = append(want, r["id"].(int64))
			}
			for _, c := range []struct{ offset, limit int }{{0, 7}, {1, 7}, {13, 7}, {len(want) - 3, 7}, {len(want), 5}, {len(want) + 10, 5}} {
				sel := core.Select{Table: "K", Sort: keys, Filter: f, Limit: c.limit, Offset: c.offset, Count: true}
				ids, p := pageIDs(t, d, sel)
				lo, hi := min(c.offset, len(want)), min(c.offset+c.limit, len(want))
				if !slices.Equal(ids, want[lo:hi]) {
					t.Fatalf("sort %q filter %q offset %d limit %d: %v, want %v", spec, filter, c.offset, c.limit, ids, want[lo:hi])
				}
				if p.HasPreviousPage != (c.offset > 0) || p.HasNextPage != (hi < len(want)) {
					t.Errorf("sort %q offset %d: pageInfo %+v", spec, c.offset, p)
				}
				if len(ids) == 0 {
					continue
				}
				// Paging on by cursor from the jump lands next to it.
				if p.HasNextPage {
					next, _ := pageIDs(t, d, core.Select{Table: "K", Sort: keys, Filter: f, Limit: 3, After: cursorOf(t, p.EndCursor)})
					if !slices.Equal(next, want[hi:min(hi+3, len(want))]) {
						t.Errorf("sort %q offset %d: next page %v", spec, c.offset, next)
					}
				}
				if p.HasPreviousPage {
					prev, _ := pageIDs(t, d, core.Select{Table: "K", Sort: keys, Filter: f, Limit: 3, Before: cursorOf(t, p.StartCursor)})
					if !slices.Equal(prev, want[max(lo-3, 0):lo]) {
						t.Errorf("sort %q offset %d: previous page %v", spec, c.offset, prev)
					}
				}
			}
		}
	}
}

// A page sorted through a Ref path pages too: the cursor carries the
// referenced value.
func TestCursorThroughRef(t *testing.T) {
	d := openDoc(t)
	apply(t, d,
		core.AddTable{ID: "Co", Columns: []core.ColumnSpec{{ID: "country"}}},
		core.AddTable{ID: "P", Columns: []core.ColumnSpec{{ID: "co", Type: "Ref:Co"}}},
		core.AddRecords{Table: "Co", Rows: []core.Row{{Fields: map[string]any{"country": "US"}}, {Fields: map[string]any{"country": "FR"}}}},
	)
	var rows []core.Row
	for i := range 20 {
		rows = append(rows, core.Row{Fields: map[string]any{"co": num(fmt.Sprint(i % 3))}})
	}
	apply(t, d, core.AddRecords{Table: "P", Rows: rows})
	keys, _ := query.ParseSort("-co.country")
	all, _ := readAll(t, d, core.Select{Table: "P", Sort: keys})
	var want []int64
	for _, r := range all {
		want = append(want, r["id"].(int64))
	}
	var got []int64
	var after *query.Cursor
	for {
		ids, p := pageIDs(t, d, core.Select{Table: "P", Sort: keys, Limit: 3, After: after})
		got = append(got, ids...)
		if !p.HasNextPage {
			break
		}
		after = cursorOf(t, p.EndCursor)
	}
	if !reflect.DeepEqual(got, want) || len(got) != 20 {
		t.Fatalf("pages %v, want %v", got, want)
	}
	// US first, then FR, then the empty references, each by id.
	if got[0] != 2 || got[6] != 20 || got[7] != 3 || got[len(got)-1] != 19 {
		t.Fatalf("order %v", got)
	}
}

// not() keeps the rows where the inner condition is unknown because a
// cell is empty, so that not(x[eq]:v) is x[neq]:v.
func TestFilterNotWithEmptyCells(t *testing.T) {
	d := openDoc(t)
	rows := sortFixture(t, d)
	for _, c := range []struct{ a, b string }{
		{`not(b[eq]:1)`, `b[neq]:1`},
		{`not(a[eq]:x)`, `a[neq]:x`},
		{`not(b[in]:[1,2])`, `b[is]:NULL`},
		{`not(not(b[eq]:1))`, `b[eq]:1`},
		{`not(b[gt]:1)`, `or(b[lte]:1,b[is]:NULL)`},
		{`not(and(a[eq]:x,b[eq]:1))`, `or(a[neq]:x,b[neq]:1)`},
		{`not(or(a[eq]:x,b[eq]:1))`, `and(a[neq]:x,b[neq]:1)`},
		{`not(a[like]:x%)`, `or(a[is]:NULL,a[eq]:y,a[eq]:"")`},
	} {
		ids := func(s string) []int64 {
			f, err := query.ParseFilter(s)
			if err != nil {
				t.Fatal(err)
			}
			recs, _ := readAll(t, d, core.Select{Table: "K", Filter: f})
			var out []int64
			for _, r := range recs {
				out = append(out, r["id"].(int64))
			}
			return out
		}
		got, want := ids(c.a), ids(c.b)
		if !reflect.DeepEqual(got, want) || len(got) == 0 || len(got) == len(rows) {
			t.Errorf("%s: %v; %s: %v", c.a, got, c.b, want)
		}
	}
}

func TestQueryErrors(t *testing.T) {
	d := openDoc(t)
	sortFixture(t, d)
	cur := &query.Cursor{Values: []any{"x"}, ID: 3}
	for _, c := range []struct {
		sel  core.Select
		kind rowhouse.Kind
		msg  string
	}{
		{core.Select{Table: "Nope"}, rowhouse.ENOTFOUND, `Table not found "Nope"`},
		{core.Select{Table: "K", Limit: -1}, rowhouse.EINVALID, "limit must not be negative"},
		{core.Select{Table: "K", Limit: core.DefaultMaxPage + 1}, rowhouse.EINVALID, "limit 10001 is above the maximum page size 10000"},
		{core.Select{Table: "K", After: cur}, rowhouse.EINVALID, "a cursor needs a limit"},
		{core.Select{Table: "K", Limit: 2, After: cur, Before: cur}, rowhouse.EINVALID, "use either starting_after or ending_before, not both"},
		{core.Select{Table: "K", Limit: 2, After: cur}, rowhouse.EINVALID, "invalid cursor: it was made for another sort"},
		{core.Select{Table: "K", Sort: []query.SortKey{{Path: []string{"a", "x"}}}}, rowhouse.EINVALID, "K.a is not a Ref column: cannot sort by a.x"},
		{core.Select{Table: "K", Limit: 2, Offset: -1}, rowhouse.EINVALID, "offset must not be negative"},
		{core.Select{Table: "K", Offset: 3}, rowhouse.EINVALID, "offset needs a limit"},
		{core.Select{Table: "K", Limit: 2, Offset: 3, Before: cur}, rowhouse.EINVALID, "an offset pages forwards: use it with starting_after, not ending_before"},
	} {
		rows, err := d.Query(context.Background(), c.sel)
		if err == nil {
			rows.Close()
		}
		if rowhouse.ErrorKind(err) != c.kind || rowhouse.ErrorMessage(err) != c.msg {
			t.Errorf("%+v: %v (%s), want %s %q", c.sel, err, rowhouse.ErrorKind(err), c.kind, c.msg)
		}
	}
}

// CountOnly reads the number of rows the filter selects in one COUNT
// statement (with the schema check), and no rows.
func TestCountOnly(t *testing.T) {
	got := map[string]int{}
	_, _, d := newDoc(t, core.Options{Statements: func(surface string, n int) { got[surface] += n }})
	sortFixture(t, d)
	f, err := query.ParseFilter(`a[eq]:x`)
	if err != nil {
		t.Fatal(err)
	}
	clear(got)
	rows, err := d.Query(context.Background(), core.Select{Table: "K", Filter: f, CountOnly: true, Surface: "twenty"})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if rows.TotalCount == nil || *rows.TotalCount != 15 {
		t.Errorf("TotalCount %v, want 15", rows.TotalCount)
	}
	if rows.Next() || rows.Page != nil {
		t.Errorf("a count-only read has rows or a page")
	}
	if got["twenty"] != 2 {
		t.Errorf("statements %v, want twenty: 2 (schema version, COUNT)", got)
	}
}

// TestPageCellsOutliveClose: a page's cells are read into chunks that
// Close hands to the next read. Cells copied out with AppendCells, and
// values from Values, must keep the first page's data after its Close and
// another read.
func TestPageCellsOutliveClose(t *testing.T) {
	d := openDoc(t)
	apply(t, d, core.AddTable{ID: "T", Columns: []core.ColumnSpec{{ID: "name"}, {ID: "n", Type: "Int"}}})
	var rows []core.Row
	for i := range 300 {
		rows = append(rows, core.Row{Fields: map[string]any{"name": fmt.Sprintf("row %d", i), "n": i}})
	}
	apply(t, d, core.AddRecords{Table: "T", Rows: rows})
	read := func(desc bool) ([]core.Cell, [][]any) {
		r, err := d.Query(t.Context(), core.Select{Table: "T", Columns: []string{"name", "n"}, Sort: []query.SortKey{{Path: []string{"n"}, Desc: desc}}, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var cells []core.Cell
		var vals [][]any
		for r.Next() {
			cells = r.AppendCells(cells)
			vals = append(vals, r.Values(nil, false))
		}
		return cells, vals
	}
	cells, vals := read(false)
	read(true) // reuses the chunks of the first read
	s, err := d.Schema(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	typ := s.Table("T").Column("n").Type
	for i := range 100 {
		if got := cells[2*i].Text; got != fmt.Sprintf("row %d", i) {
			t.Fatalf("kept cell %d: %q", i, got)
		}
		if got := cells[2*i+1].Value(typ, false); got != int64(i) {
			t.Fatalf("kept cell %d: %v", i, got)
		}
		if got := vals[i]; got[0] != fmt.Sprintf("row %d", i) || got[1] != int64(i) {
			t.Fatalf("kept values %d: %v", i, got)
		}
	}
}
