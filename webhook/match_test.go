package webhook

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/core"
)

func rec(id int64, fields map[string]any) core.Record { return core.Record{ID: id, Fields: fields} }

func TestPlanRules(t *testing.T) {
	at := time.Unix(100, 0)
	events := []core.Event{
		{Seq: 1, At: at, Table: "Items", Kind: core.EventAdd, Rows: []core.Record{
			rec(1, map[string]any{"name": "a", "qty": 1, "ready": true}),
			rec(2, map[string]any{"name": "b", "qty": 2, "ready": false})}},
		{Seq: 2, At: at, Table: "Other", Kind: core.EventAdd, Rows: []core.Record{rec(1, map[string]any{"x": 1})}},
		{Seq: 3, At: at, Table: "Items", Kind: core.EventSchema},
		{Seq: 4, At: at, Table: "Items", Kind: core.EventUpdate,
			Before: []core.Record{
				rec(1, map[string]any{"name": "a", "qty": 1, "ready": true}),
				rec(2, map[string]any{"name": "b", "qty": 2, "ready": false})},
			Rows: []core.Record{
				rec(1, map[string]any{"name": "a", "qty": 5, "ready": true}),
				rec(2, map[string]any{"name": "b2", "qty": 2, "ready": true})}},
		{Seq: 5, At: at.Add(time.Second), Table: "Items", Kind: core.EventRemove, Rows: []core.Record{
			rec(1, map[string]any{"name": "a", "qty": 5, "ready": true}),
			rec(3, map[string]any{"name": "c", "qty": 0, "ready": false})}},
	}
	type batch struct {
		Event string
		IDs   []int64
		First int64
		Last  int64
	}
	for _, tc := range []struct {
		name string
		rule Rule
		want []batch
	}{
		{"all events, no ready column", Rule{TableID: "Items", EventTypes: []string{"add", "update", "remove"}},
			[]batch{{"add", []int64{1, 2}, 1, 1}, {"update", []int64{1, 2}, 4, 4}, {"remove", []int64{1, 3}, 5, 5}}},
		{"adds only", Rule{TableID: "Items", EventTypes: []string{"add"}},
			[]batch{{"add", []int64{1, 2}, 1, 1}}},
		{"other table", Rule{TableID: "Other", EventTypes: []string{"add", "update"}},
			[]batch{{"add", []int64{1}, 2, 2}}},
		{"watched column changed in one record", Rule{TableID: "Items", EventTypes: []string{"update"}, WatchedColIDs: []string{"qty"}},
			[]batch{{"update", []int64{1}, 4, 4}}},
		{"watched column never changed", Rule{TableID: "Items", EventTypes: []string{"update"}, WatchedColIDs: []string{"ready_never"}},
			nil},
		{"ready column: unready skipped, becoming ready is an add", Rule{TableID: "Items", EventTypes: []string{"add", "update", "remove"}, IsReadyColumn: "ready"},
			[]batch{{"add", []int64{1}, 1, 1}, {"update", []int64{1}, 4, 4}, {"add", []int64{2}, 4, 4}, {"remove", []int64{1}, 5, 5}}},
		{"ready column, updates only", Rule{TableID: "Items", EventTypes: []string{"update"}, IsReadyColumn: "ready"},
			[]batch{{"update", []int64{1}, 4, 4}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []batch
			for _, b := range Plan(tc.rule, events, 100).Batches {
				var ids []int64
				for _, r := range b.Records {
					ids = append(ids, r["id"].(int64))
				}
				got = append(got, batch{b.Event, ids, b.FirstSeq, b.LastSeq})
			}
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(tc.want)
			if string(g) != string(w) {
				t.Errorf("got  %s\nwant %s", g, w)
			}
		})
	}
}

func TestPlanBatchesAcrossCommitsUpToSize(t *testing.T) {
	var events []core.Event
	id := int64(0)
	for seq := int64(1); seq <= 5; seq++ { // 5 commits of 45 records
		e := core.Event{Seq: seq, At: time.Unix(seq, 0), Table: "T", Kind: core.EventAdd}
		for range 45 {
			id++
			e.Rows = append(e.Rows, rec(id, map[string]any{"n": id}))
		}
		events = append(events, e)
	}
	events = append(events, core.Event{Seq: 6, At: time.Unix(6, 0), Table: "T", Kind: core.EventRemove, Rows: []core.Record{rec(1, nil)}})
	bs := Plan(Rule{TableID: "T", EventTypes: []string{"add", "remove"}}, events, 100).Batches
	sizes := []int{}
	next := int64(1)
	for _, b := range bs {
		sizes = append(sizes, len(b.Records))
		if b.Event == "add" {
			for _, r := range b.Records {
				if r["id"].(int64) != next {
					t.Fatalf("record %v out of order, want id %d", r["id"], next)
				}
				next++
			}
		}
	}
	if g, _ := json.Marshal(sizes); string(g) != "[100,100,25,1]" {
		t.Errorf("batch sizes %s, want [100,100,25,1]", g)
	}
	if bs[0].FirstSeq != 1 || bs[0].LastSeq != 3 || bs[2].FirstSeq != 5 || !bs[2].CommittedAt.Equal(time.Unix(5, 0)) {
		t.Errorf("seq ranges: %+v", bs)
	}
	if bs[3].Records[0]["id"] != int64(1) || bs[3].Event != "remove" {
		t.Errorf("remove batch %+v", bs[3])
	}
}

func TestPlanFollowsTableRenames(t *testing.T) {
	events := []core.Event{
		{Seq: 1, Table: "Items", Kind: core.EventAdd, Rows: []core.Record{rec(1, nil)}},
		{Seq: 2, Table: "Goods", Kind: core.EventSchema, Columns: []string{"RenameTable", "Items", "Goods"}},
		{Seq: 3, Table: "Goods", Kind: core.EventAdd, Rows: []core.Record{rec(2, nil)}},
		{Seq: 4, Table: "Items", Kind: core.EventSchema, Columns: []string{"AddTable", "Items"}}, // a new table takes the old name
		{Seq: 5, Table: "Items", Kind: core.EventAdd, Rows: []core.Record{rec(1, nil)}},
	}
	p := Plan(Rule{TableID: "Items", EventTypes: []string{"add"}}, events, 100)
	bs := p.Batches
	if len(bs) != 1 || len(bs[0].Records) != 2 || bs[0].Records[1]["id"] != int64(2) || bs[0].LastSeq != 3 {
		t.Fatalf("batches %+v", bs)
	}
	if p.Rule.TableID != "Goods" || p.Through != 5 || p.Gone != "" {
		t.Errorf("planned rule %+v through %d gone %q", p.Rule, p.Through, p.Gone)
	}
	if got := Plan(Rule{TableID: "Other"}, events, 100).Rule; got.TableID != "Other" {
		t.Errorf("another table's rule followed it: %q", got.TableID)
	}
}
