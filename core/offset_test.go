package core_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/query"
)

// An offset skips rows of the order before the page, from the start or
// from a cursor; the page says there are rows before it.
func TestOffsetWithCursors(t *testing.T) {
	d := openDoc(t)
	sortFixture(t, d)
	keys, err := query.ParseSort("b,-a")
	if err != nil {
		t.Fatal(err)
	}
	var all []int64
	recs, _ := readAll(t, d, core.Select{Table: "K", Sort: keys})
	for _, r := range recs {
		all = append(all, r["id"].(int64))
	}
	for _, off := range []int{0, 1, 7, 55, 59, 60, 100} {
		ids, p := pageIDs(t, d, core.Select{Table: "K", Sort: keys, Limit: 5, Offset: off})
		want := all[min(off, len(all)):min(off+5, len(all))]
		if len(want) == 0 {
			want = nil
		}
		if !reflect.DeepEqual(ids, want) || p.HasPreviousPage != (off > 0) || p.HasNextPage != (off+5 < len(all)) {
			t.Errorf("offset %d: %v %+v, want %v", off, ids, p, want)
		}
	}
	_, p := pageIDs(t, d, core.Select{Table: "K", Sort: keys, Limit: 10})
	after := cursorOf(t, p.EndCursor)
	ids, p := pageIDs(t, d, core.Select{Table: "K", Sort: keys, Limit: 4, After: after, Offset: 3})
	if !reflect.DeepEqual(ids, all[13:17]) || !p.HasPreviousPage || !p.HasNextPage {
		t.Errorf("offset 3 after the 10th row: %v %+v, want %v", ids, p, all[13:17])
	}
	cur := &query.Cursor{Values: []any{nil, nil}, ID: 3}
	for _, c := range []struct {
		sel core.Select
		msg string
	}{
		{core.Select{Table: "K", Limit: 2, Offset: -1}, "offset must not be negative"},
		{core.Select{Table: "K", Offset: 2}, "offset needs a limit"},
		{core.Select{Table: "K", Sort: keys, Limit: 2, Offset: 2, Before: cur}, "an offset pages forwards: use it with starting_after, not ending_before"},
	} {
		rows, err := d.Query(context.Background(), c.sel)
		if err == nil {
			rows.Close()
		}
		if rowhouse.ErrorKind(err) != rowhouse.EINVALID || rowhouse.ErrorMessage(err) != c.msg {
			t.Errorf("%+v: %v, want %q", c.sel, err, c.msg)
		}
	}
}
