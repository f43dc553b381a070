package core_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/rowhouse/rowhouse/core"
)

// TestRenameEventsNameTheNewID: schema events of renames carry the old
// and the new id (readers of the outbox follow them); other column
// changes name the column alone. SchemaEvents returns them alone, in
// order, within the bounds given.
func TestRenameEventsNameTheNewID(t *testing.T) {
	d := openDoc(t)
	ctx := context.Background()
	apply(t, d, core.AddTable{ID: "Items", Columns: []core.ColumnSpec{{ID: "qty", Type: "Int"}, {ID: "ready", Type: "Bool"}}})
	first, err := d.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	text := "Text"
	count := "count"
	apply(t, d, core.AddRecords{Table: "Items", Rows: []core.Row{{Fields: map[string]any{"qty": 1}}}})
	apply(t, d, core.RenameColumn{Table: "Items", Column: "ready", NewID: "ok"})
	apply(t, d, core.ModifyColumn{Table: "Items", Column: "qty", Update: core.ColumnUpdate{ID: &count, Type: &text}})
	label := "Count"
	apply(t, d, core.ModifyColumn{Table: "Items", Column: "count", Update: core.ColumnUpdate{Label: &label}})
	apply(t, d, core.RenameTable{Table: "Items", NewID: "Goods"})
	apply(t, d, core.RemoveColumn{Table: "Goods", Column: "ok"})
	apply(t, d, core.RemoveTable{Table: "Goods"})
	events, err := d.SchemaEvents(ctx, first, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		got = append(got, fmt.Sprintf("%s%v", e.Table, e.Columns))
	}
	want := "[Items[ModifyColumn ready ok] Items[ModifyColumn qty count] Items[ModifyColumn count] Goods[RenameTable Items Goods] Goods[RemoveColumn ok] Goods[RemoveTable Goods]]"
	if fmt.Sprint(got) != want {
		t.Errorf("schema events\n got %v\nwant %s", got, want)
	}
	upTo, err := d.SchemaEvents(ctx, first, events[1].Seq)
	if err != nil || len(upTo) != 2 || upTo[1].Seq != events[1].Seq {
		t.Errorf("up to %d: %v %v", events[1].Seq, upTo, err)
	}
}
