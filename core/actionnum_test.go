package core_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
)

// Every write that changes something takes the next action number, once,
// whichever process writes (on PostgreSQL, two engines on one database),
// and its events carry it; a write that fails takes none and leaves no
// event. (The counter is read with the schema version and written with
// the commit.)
func TestActionNumbersCountWrites(t *testing.T) {
	ctx := context.Background()
	var a, b *core.Doc
	if pgtest.Enabled() {
		a, b = docInTwoProcesses(t)
	} else {
		a = openDoc(t)
		b = a
	}
	first := apply(t, a, core.AddTable{ID: "T", Columns: []core.ColumnSpec{{ID: "n", Type: "Int"}}}).ActionNum
	if first < 1 {
		t.Fatalf("first action number %d", first)
	}
	seq := lastSeq(t, a)

	const writers, each = 4, 10
	var mu sync.Mutex
	var got []int64
	var wg sync.WaitGroup
	for w := range writers {
		d := a
		if w%2 == 1 {
			d = b
		}
		wg.Go(func() {
			for range each {
				res, err := d.Apply(ctx, actor, []core.Action{core.AddRecords{Table: "T", Rows: []core.Row{{Fields: map[string]any{"n": num("1")}}}}}, core.ApplyOptions{})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				got = append(got, res.ActionNum)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(got)
	want := make([]int64, writers*each)
	for i := range want {
		want[i] = first + 1 + int64(i)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("action numbers %v, want %v", got, want)
	}
	var inEvents []int64
	for _, e := range eventsSince(t, a, seq) {
		inEvents = append(inEvents, e.ActionNum)
	}
	if !slices.Equal(inEvents, want) { // in the outbox's order, one event per write
		t.Fatalf("events' action numbers %v, want %v", inEvents, want)
	}

	seq = lastSeq(t, a)
	applyErr(t, b, core.AddRecords{Table: "T", Rows: []core.Row{{Fields: map[string]any{"n": num("2")}}}},
		core.UpdateRecords{Table: "T", Rows: []core.Row{{ID: 9999, Fields: map[string]any{"n": num("3")}}}})
	if ev := eventsSince(t, a, seq); len(ev) != 0 {
		t.Fatalf("a failed write left events %+v", ev)
	}
	last := want[len(want)-1]
	if n := apply(t, a, core.AddRecords{Table: "T", Rows: []core.Row{{Fields: map[string]any{"n": num("4")}}}}).ActionNum; n != last+1 {
		t.Fatalf("after a failed write: action number %d, want %d", n, last+1)
	}
}
