package webhook

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/core"
)

func schemaEvent(seq int64, table string, cols ...string) core.Event {
	return core.Event{Seq: seq, At: time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC), Table: table, Kind: core.EventSchema, Columns: cols}
}

// TestPlanFollowsColumnRenames: events before a column rename carry the
// old column id, events after it the new one; the rule reads each under
// its own names, and ends up holding the new ones.
func TestPlanFollowsColumnRenames(t *testing.T) {
	upd := func(seq int64, col string, before, after any, ready string) core.Event {
		return core.Event{Seq: seq, Table: "Items", Kind: core.EventUpdate, Columns: []string{col},
			Before: []core.Record{rec(1, map[string]any{col: before, ready: true})},
			Rows:   []core.Record{rec(1, map[string]any{col: after, ready: true})}}
	}
	watched := []string{"qty", "name"}
	rule := Rule{TableID: "Items", EventTypes: []string{"update"}, WatchedColIDs: watched, IsReadyColumn: "ready"}
	events := []core.Event{
		upd(1, "qty", 1, 2, "ready"),
		schemaEvent(2, "Items", "ModifyColumn", "qty", "count"),
		schemaEvent(3, "Items", "ModifyColumn", "ready", "ok"),
		schemaEvent(4, "Items", "ModifyColumn", "name"),               // a type change: nothing to follow
		schemaEvent(5, "Other", "ModifyColumn", "count", "elsewhere"), // another table's column
		upd(6, "count", 2, 3, "ok"),
		upd(7, "qty", 2, 3, "ok"), // a new column took the old name: not watched
	}
	p := Plan(rule, events, 100)
	// Both updates of a watched column are sent (in one batch), the one
	// of the unwatched new "qty" is not.
	if len(p.Batches) != 1 || len(p.Batches[0].Records) != 2 || p.Batches[0].FirstSeq != 1 || p.Batches[0].LastSeq != 6 {
		t.Fatalf("batches %+v", p.Batches)
	}
	if p.Rule.IsReadyColumn != "ok" || strings.Join(p.Rule.WatchedColIDs, ",") != "count,name" || p.Rule.TableID != "Items" || p.Gone != "" || p.Through != 7 {
		t.Errorf("planned %+v", p)
	}
	if strings.Join(watched, ",") != "qty,name" {
		t.Errorf("the caller's watched columns were changed: %v", watched)
	}
}

// TestPlanStopsAtRemovals: removing the webhook's table, ready column or a
// watched column leaves it gone at that event, with its reason; events
// after it are not consumed. Other removals do not.
func TestPlanStopsAtRemovals(t *testing.T) {
	add := func(seq int64, table string) core.Event {
		return core.Event{Seq: seq, Table: table, Kind: core.EventAdd, Rows: []core.Record{rec(seq, map[string]any{"ready": true})}}
	}
	rule := Rule{TableID: "Items", EventTypes: []string{"add"}, WatchedColIDs: []string{"qty"}, IsReadyColumn: "ready"}
	for _, tc := range []struct {
		name    string
		removal core.Event
		gone    string
	}{
		{"table", schemaEvent(2, "Items", "RemoveTable", "Items"), `disabled after its table "Items" was removed at 2024-03-04T05:06:07Z`},
		{"ready column", schemaEvent(2, "Items", "RemoveColumn", "ready"), `disabled after its ready column "ready" of table "Items" was removed at 2024-03-04T05:06:07Z`},
		{"watched column", schemaEvent(2, "Items", "RemoveColumn", "qty"), `disabled after its watched column "qty" of table "Items" was removed at 2024-03-04T05:06:07Z`},
		{"another column", schemaEvent(2, "Items", "RemoveColumn", "name"), ""},
		{"another table's column", schemaEvent(2, "Other", "RemoveColumn", "ready"), ""},
		{"another table", schemaEvent(2, "Other", "RemoveTable", "Other"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Plan(rule, []core.Event{add(1, "Items"), tc.removal, add(3, "Items")}, 100)
			if p.Gone != tc.gone {
				t.Fatalf("gone %q, want %q", p.Gone, tc.gone)
			}
			wantThrough, wantBatches := int64(3), 2
			if tc.gone != "" {
				wantThrough, wantBatches = 2, 1
			}
			n := 0
			for _, b := range p.Batches {
				n += len(b.Records)
			}
			if p.Through != wantThrough || n != wantBatches {
				t.Errorf("through %d with %d records, want %d with %d", p.Through, n, wantThrough, wantBatches)
			}
		})
	}
}

// TestPlanUndoesToNamesSeq: a rule whose names were set at NamesSeq reads
// the record events before it under the names of their time (renames
// undone; a table or column added later matches nothing before), and
// follows only the schema events after it.
func TestPlanUndoesToNamesSeq(t *testing.T) {
	add := func(seq int64, table string, fields map[string]any) core.Event {
		return core.Event{Seq: seq, Table: table, Kind: core.EventAdd, Rows: []core.Record{rec(seq, fields)}}
	}
	earlier := []core.Event{
		schemaEvent(2, "Goods", "RenameTable", "Items", "Goods"),
		schemaEvent(3, "Goods", "ModifyColumn", "ready", "ok"),
		schemaEvent(5, "Goods", "AddColumn", "ready"),
		schemaEvent(7, "Items", "AddTable", "Items"),
	}
	rule := Rule{TableID: "Goods", EventTypes: []string{"add"}, IsReadyColumn: "ok", NamesSeq: 8}
	events := []core.Event{
		add(1, "Items", map[string]any{"ready": true}), // Goods was Items, ok was ready: sent
		earlier[0], earlier[1],
		add(4, "Goods", map[string]any{"ok": true}), // sent
		earlier[2],
		add(6, "Goods", map[string]any{"ok": true}), // sent
		earlier[3], // another Items: not the rule's
		add(8, "Items", map[string]any{"ready": true}), // not the rule's table
		schemaEvent(9, "Goods", "ModifyColumn", "ok", "done"),
		add(10, "Goods", map[string]any{"done": true}), // followed after NamesSeq: sent
	}
	p := plan(rule, earlier, events, 100)
	var got []int64
	for _, b := range p.Batches {
		for _, r := range b.Records {
			got = append(got, r["id"].(int64))
		}
	}
	if fmt.Sprint(got) != "[1 4 6 10]" || p.Rule.TableID != "Goods" || p.Rule.IsReadyColumn != "done" || p.Gone != "" {
		t.Fatalf("sent %v, rule %+v, gone %q", got, p.Rule, p.Gone)
	}
	// A column added after the events did not exist then: nothing is
	// ready by it, nor watched.
	r := Rule{TableID: "T", WatchedColIDs: []string{"a", "b"}, IsReadyColumn: "a", NamesSeq: 5}.at(1, []core.Event{schemaEvent(3, "T", "AddColumn", "a")})
	if r.IsReadyColumn != absentCol || fmt.Sprint(r.WatchedColIDs) != "[#absent b]" {
		t.Fatalf("before an added column: %+v", r)
	}
}
