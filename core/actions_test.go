package core_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
)

// openDocWith makes a fresh document with the given options.
func openDocWith(t *testing.T, opts core.Options) *core.Doc {
	_, _, d := newDoc(t, opts)
	return d
}

func applyErr(t *testing.T, d *core.Doc, actions ...core.Action) error {
	t.Helper()
	_, err := d.Apply(context.Background(), actor, actions, core.ApplyOptions{})
	if err == nil {
		t.Fatalf("apply %v: no error", actions)
	}
	return err
}

// rowsJSON reads a table as JSON, for comparisons.
func rowsJSON(t *testing.T, d *core.Doc, table string) string {
	t.Helper()
	recs, _ := readAll(t, d, core.Select{Table: table})
	b, err := json.Marshal(recs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func eventsSince(t *testing.T, d *core.Doc, seq int64) []core.Event {
	t.Helper()
	ev, err := d.Events(context.Background(), seq, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func lastSeq(t *testing.T, d *core.Doc) int64 {
	t.Helper()
	n, err := d.LastSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestUpsertOnMany(t *testing.T) {
	d := openDoc(t)
	apply(t, d, core.AddTable{ID: "T", Columns: []core.ColumnSpec{{ID: "k"}, {ID: "v", Type: "Int"}}},
		core.AddRecords{Table: "T", Rows: []core.Row{{Fields: map[string]any{"k": "a"}}, {Fields: map[string]any{"k": "a"}}, {Fields: map[string]any{"k": "b"}}}})
	for _, c := range []struct {
		a    core.AddOrUpdateRecords
		want string
	}{
		{core.AddOrUpdateRecords{Records: []core.Upsert{{Require: map[string]any{"k": "a"}, Fields: map[string]any{"v": num("1")}}}},
			`{"recordIds":[[1]],"addRecordIds":[],"updateRecordIds":[[1]]}`},
		{core.AddOrUpdateRecords{OnMany: core.OnManyNone, Records: []core.Upsert{{Require: map[string]any{"k": "a"}, Fields: map[string]any{"v": num("2")}}}},
			`{"recordIds":[[]],"addRecordIds":[],"updateRecordIds":[]}`},
		{core.AddOrUpdateRecords{OnMany: core.OnManyAll, Records: []core.Upsert{{Require: map[string]any{"k": "a"}, Fields: map[string]any{"v": num("3")}}}},
			`{"recordIds":[[1,2]],"addRecordIds":[],"updateRecordIds":[[1,2]]}`},
		{core.AddOrUpdateRecords{NoAdd: true, Records: []core.Upsert{{Require: map[string]any{"k": "z"}}}},
			`{"recordIds":[[]],"addRecordIds":[],"updateRecordIds":[]}`},
		{core.AddOrUpdateRecords{Records: []core.Upsert{{Require: map[string]any{"k": "b"}}}},
			`{"recordIds":[[3]],"addRecordIds":[],"updateRecordIds":[[3]]}`},
		{core.AddOrUpdateRecords{Records: []core.Upsert{{Require: map[string]any{"v": "not a number"}}}},
			`{"recordIds":[[4]],"addRecordIds":[4],"updateRecordIds":[]}`},
	} {
		c.a.Table = "T"
		res := apply(t, d, c.a)
		b, _ := json.Marshal(res.RetValues[0])
		if string(b) != c.want {
			t.Errorf("%+v: %s, want %s", c.a, b, c.want)
		}
	}
	if got := rowsJSON(t, d, "T"); got != `[{"id":1,"k":"a","v":3},{"id":2,"k":"a","v":3},{"id":3,"k":"b","v":0},{"id":4,"k":"","v":"not a number"}]` {
		t.Fatalf("rows %s", got)
	}
	err := applyErr(t, d, core.AddOrUpdateRecords{Table: "T", UniqueMatch: true, Records: []core.Upsert{{Require: map[string]any{"k": "a"}}}})
	if msg := rowhouse.ErrorMessage(err); msg != "record 0 matches 2 records (ids 1, 2); it must match at most one" {
		t.Fatalf("unique match: %q", msg)
	}
	err = applyErr(t, d, core.AddOrUpdateRecords{Table: "T", OnMany: "most", Records: []core.Upsert{{Require: map[string]any{"k": "a"}}}})
	if msg := rowhouse.ErrorMessage(err); msg != `onmany "most" should be one of first, none, all` {
		t.Fatalf("onmany: %q", msg)
	}
}

// ReplaceTableData removes every row whatever their number, but adds at
// most MaxBatch.
func TestReplaceTableDataBatch(t *testing.T) {
	d := openDocWith(t, core.Options{Limits: core.Limits{MaxBatch: 3}})
	apply(t, d, core.AddTable{ID: "T", Columns: []core.ColumnSpec{{ID: "a"}}})
	for range 2 {
		apply(t, d, core.AddRecords{Table: "T", Rows: []core.Row{{}, {}, {}}})
	}
	seq := lastSeq(t, d)
	res := apply(t, d, core.ReplaceTableData{Table: "T", Rows: []core.Row{{Fields: map[string]any{"a": "x"}}}})
	if ids := res.RetValues[0].([]int64); !reflect.DeepEqual(ids, []int64{7}) {
		t.Fatalf("ids %v", ids)
	}
	ev := eventsSince(t, d, seq)
	if len(ev) != 2 || ev[0].Kind != core.EventRemove || len(ev[0].RowIDs) != 6 || ev[1].Kind != core.EventAdd || ev[0].ActionNum != ev[1].ActionNum {
		t.Fatalf("events %+v", ev)
	}
	err := applyErr(t, d, core.ReplaceTableData{Table: "T", Rows: []core.Row{{}, {}, {}, {}}})
	if rowhouse.ErrorKind(err) != rowhouse.ETOOLARGE || rowhouse.ErrorMessage(err) != "too many records in one request: 4 (the limit is 3)" {
		t.Fatalf("err %v", err)
	}
	if got := rowsJSON(t, d, "T"); got != `[{"a":"x","id":7}]` {
		t.Fatalf("rows %s", got)
	}
}

// Removing a table turns references to it into plain values and drops the
// reverse columns that pointed at it.
func TestRemoveTableLinks(t *testing.T) {
	d := openDoc(t)
	apply(t, d,
		core.AddTable{ID: "Co", Columns: []core.ColumnSpec{{ID: "name"}}},
		core.AddTable{ID: "P", Columns: []core.ColumnSpec{{ID: "co", Type: "Ref:Co", ReverseCol: "people"}, {ID: "cos", Type: "RefList:Co"}}},
		core.AddRecords{Table: "Co", Rows: []core.Row{{Fields: map[string]any{"name": "A"}}}},
		core.AddRecords{Table: "P", Rows: []core.Row{{Fields: map[string]any{"co": num("1"), "cos": []any{"L", num("1")}}}}},
	)
	s, _ := d.Schema(context.Background())
	if c := s.Table("Co").Column("people"); c == nil || !c.Reverse || c.ReverseCol != "co" {
		t.Fatalf("reverse column %+v", c)
	}
	if got := rowsJSON(t, d, "Co"); got != `[{"id":1,"name":"A","people":["L",1]}]` {
		t.Fatalf("Co %s", got)
	}
	// Renaming the Ref column keeps the two sides linked.
	apply(t, d, core.RenameColumn{Table: "P", Column: "co", NewID: "company"})
	s, _ = d.Schema(context.Background())
	if c := s.Table("Co").Column("people"); c == nil || c.ReverseCol != "company" || s.Table("P").Column("company").ReverseCol != "people" {
		t.Fatalf("after rename: %+v", s.Table("Co").Column("people"))
	}
	if got := rowsJSON(t, d, "Co"); got != `[{"id":1,"name":"A","people":["L",1]}]` {
		t.Fatalf("Co after rename %s", got)
	}
	apply(t, d, core.RemoveTable{Table: "Co"})
	s, _ = d.Schema(context.Background())
	p := s.Table("P")
	if p.Column("company").Type.String() != "Int" || p.Column("company").ReverseCol != "" || p.Column("cos").Type.String() != "Any" {
		t.Fatalf("types after removal: %s %s", p.Column("company").Type, p.Column("cos").Type)
	}
	// The ids stay; the former RefList now shows its stored list as an
	// Any value.
	if got := rowsJSON(t, d, "P"); got != `[{"company":1,"cos":[1],"id":1}]` {
		t.Fatalf("P %s", got)
	}
}

// A type change whose converted values clash in a unique column fails
// and changes nothing.
func TestConvertUniqueClash(t *testing.T) {
	d := openDoc(t)
	apply(t, d, core.AddTable{ID: "T", Columns: []core.ColumnSpec{{ID: "k", IsUnique: true}}},
		core.AddRecords{Table: "T", Rows: []core.Row{{Fields: map[string]any{"k": "1"}}, {Fields: map[string]any{"k": "1.0"}}}})
	seq := lastSeq(t, d)
	typ := "Numeric"
	err := applyErr(t, d, core.ModifyColumn{Table: "T", Column: "k", Update: core.ColumnUpdate{Type: &typ}})
	if msg := rowhouse.ErrorMessage(err); msg != `Column "k" cannot change type: converted values are not unique` {
		t.Fatalf("err %q", msg)
	}
	s, _ := d.Schema(context.Background())
	if c := s.Table("T").Column("k"); c.Type.String() != "Text" || !c.IsUnique {
		t.Fatalf("column %+v", c)
	}
	if got := rowsJSON(t, d, "T"); got != `[{"id":1,"k":"1"},{"id":2,"k":"1.0"}]` {
		t.Fatalf("rows %s", got)
	}
	if ev := eventsSince(t, d, seq); len(ev) != 0 {
		t.Fatalf("events %+v", ev)
	}
	// Unique still holds after a failed change.
	if err := applyErr(t, d, core.AddRecords{Table: "T", Rows: []core.Row{{Fields: map[string]any{"k": "1"}}}}); rowhouse.ErrorMessage(err) != `Duplicate value in unique column "k"` {
		t.Fatalf("unique lost: %v", err)
	}
	// A rename keeps the unique index.
	apply(t, d, core.RenameColumn{Table: "T", Column: "k", NewID: "key"}, core.RenameTable{Table: "T", NewID: "U"})
	if err := applyErr(t, d, core.AddRecords{Table: "U", Rows: []core.Row{{Fields: map[string]any{"key": "1"}}}}); rowhouse.ErrorMessage(err) != `Duplicate value in unique column "key"` {
		t.Fatalf("unique lost after renames: %v", err)
	}
}

// Changes that change nothing are not modifications: no action number,
// no event.
func TestNoOpActions(t *testing.T) {
	d := openDoc(t)
	apply(t, d, core.AddTable{ID: "T", Columns: []core.ColumnSpec{{ID: "a", Label: "A"}}})
	seq := lastSeq(t, d)
	label, same := "A", "a"
	for _, a := range []core.Action{
		core.UpdateTable{Table: "T"},
		core.RenameTable{Table: "T", NewID: "T"},
		core.ModifyColumn{Table: "T", Column: "a", Update: core.ColumnUpdate{ID: &same}},
		core.AddRecords{Table: "T"},
		core.RemoveRecords{Table: "T"},
		core.UpdateRecords{Table: "T"},
	} {
		res := apply(t, d, a)
		if res.IsModification || res.ActionNum != 0 {
			t.Errorf("%s: %+v", a.Name(), res)
		}
	}
	if ev := eventsSince(t, d, seq); len(ev) != 0 {
		t.Fatalf("events %+v", ev)
	}
	// A label set to its value is still a (harmless) schema change.
	res := apply(t, d, core.ModifyColumn{Table: "T", Column: "a", Update: core.ColumnUpdate{Label: &label}})
	if !res.IsModification {
		t.Fatalf("%+v", res)
	}
}

// Errors of one action in several name it; a single action's error is
// shown as it is.
func TestApplyErrorsNameTheAction(t *testing.T) {
	d := openDoc(t)
	err := applyErr(t, d, core.RemoveRecords{Table: "Nope"})
	if rowhouse.ErrorMessage(err) != `Table not found "Nope"` || rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
		t.Fatalf("single: %v", err)
	}
	err = applyErr(t, d, core.AddTable{ID: "T"}, core.AddRecords{Table: "T"}, core.RemoveColumn{Table: "T", Column: "x"})
	if rowhouse.ErrorMessage(err) != `action 2 (RemoveColumn): Column not found "x"` || rowhouse.ErrorKind(err) != rowhouse.ENOTFOUND {
		t.Fatalf("several: %v", err)
	}
	s, _ := d.Schema(context.Background())
	if s.Table("T") != nil {
		t.Fatal("table T was created by a failed apply")
	}
}

// An idempotency key is remembered for 24 hours, per user.
func TestIdempotencyExpiry(t *testing.T) {
	now := time.Unix(1700000000, 0)
	d := openDocWith(t, core.Options{Now: func() time.Time { return now }})
	apply(t, d, core.AddTable{ID: "T", Columns: []core.ColumnSpec{{ID: "a"}}})
	calls := 0
	idem := func(user int64, fp string) core.ApplyOptions {
		return core.ApplyOptions{Idempotency: &core.Idempotency{UserID: user, Key: "k", Fingerprint: fp,
			Render: func(res core.Applied) ([]byte, error) {
				calls++
				return json.Marshal(res.RetValues[0])
			}}}
	}
	add := []core.Action{core.AddRecords{Table: "T", Rows: []core.Row{{}}}}
	ctx := context.Background()
	res, err := d.Apply(ctx, actor, add, idem(1, "f"))
	if err != nil || string(res.Response) != "[1]" || res.Replayed {
		t.Fatalf("first: %+v %v", res, err)
	}
	now = now.Add(23 * time.Hour)
	res, err = d.Apply(ctx, actor, add, idem(1, "f"))
	if err != nil || string(res.Response) != "[1]" || !res.Replayed {
		t.Fatalf("replay: %+v %v", res, err)
	}
	if _, err := d.Apply(ctx, actor, add, idem(1, "other")); rowhouse.ErrorKind(err) != rowhouse.EUNPROCESSABLE ||
		rowhouse.ErrorMessage(err) != `Idempotency-Key "k" was already used for a different request` {
		t.Fatalf("other fingerprint: %v", err)
	}
	res, err = d.Apply(ctx, actor, add, idem(2, "other"))
	if err != nil || string(res.Response) != "[2]" || res.Replayed {
		t.Fatalf("other user: %+v %v", res, err)
	}
	now = now.Add(2 * time.Hour) // 25 hours after the first
	res, err = d.Apply(ctx, actor, add, idem(1, "f"))
	if err != nil || string(res.Response) != "[3]" || res.Replayed {
		t.Fatalf("after expiry: %+v %v", res, err)
	}
	if calls != 3 {
		t.Fatalf("rendered %d times, want 3", calls)
	}
	if got := rowsJSON(t, d, "T"); got != `[{"a":"","id":1},{"a":"","id":2},{"a":"","id":3}]` {
		t.Fatalf("rows %s", got)
	}
}

// A table may refer to itself, and the GraphQL names of tables never
// clash even when derived names would.
func TestAddTableNames(t *testing.T) {
	d := openDoc(t)
	res := apply(t, d,
		core.AddTable{ID: "Tree", Columns: []core.ColumnSpec{{ID: "parent", Type: "Ref:Tree"}, {Label: "2nd name"}, {ID: "class"}, {ID: "id"}}},
		core.AddTable{ID: "tree"},
		core.AddTable{ID: ""},
	)
	if r := res.RetValues[0].(core.AddTableResult); r.TableID != "Tree" || !reflect.DeepEqual(r.Columns, []string{"parent", "c2nd_name", "cclass", "id2"}) {
		t.Fatalf("Tree: %+v", r)
	}
	if r := res.RetValues[1].(core.AddTableResult); r.TableID != "Tree2" || r.Columns == nil {
		t.Fatalf("tree: %+v", r)
	}
	if r := res.RetValues[2].(core.AddTableResult); r.TableID != "Table1" {
		t.Fatalf("empty: %+v", r)
	}
	s, _ := d.Schema(context.Background())
	seen := map[string]string{}
	for _, tb := range s.Tables {
		for _, n := range []string{tb.NameSingular, tb.NamePlural} {
			if other, ok := seen[n]; ok {
				t.Fatalf("GraphQL name %q of %s and %s", n, tb.ID, other)
			}
			seen[n] = tb.ID
		}
	}
	apply(t, d, core.AddRecords{Table: "Tree", Rows: []core.Row{{}, {Fields: map[string]any{"parent": num("1")}}}})
	if got := rowsJSON(t, d, "Tree"); got != `[{"c2nd_name":"","cclass":"","id":1,"id2":"","parent":0},{"c2nd_name":"","cclass":"","id":2,"id2":"","parent":1}]` {
		t.Fatalf("rows %s", got)
	}
}
