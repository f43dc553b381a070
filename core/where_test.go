package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/query"
)

// whereDoc is a document with T(k, v Int) holding a/1, b/2, a/3, c/4.
func whereDoc(t *testing.T, limits core.Limits) *core.Doc {
	t.Helper()
	d := openDocWith(t, core.Options{Limits: limits})
	row := func(k string, v int) core.Row { return core.Row{Fields: map[string]any{"k": k, "v": v}} }
	apply(t, d, core.AddTable{ID: "T", Columns: []core.ColumnSpec{{ID: "k"}, {ID: "v", Type: "Int"}}},
		core.AddRecords{Table: "T", Rows: []core.Row{row("a", 1), row("b", 2)}},
		core.AddRecords{Table: "T", Rows: []core.Row{row("a", 3), row("c", 4)}})
	return d
}

func eqK(k string) query.Expr { return query.Cond{Path: []string{"k"}, Op: query.OpEq, Value: k} }

// TestUpdateRecordsWhere: the filter selects in the write transaction; the
// events are UpdateRecords' own; no match changes nothing; more than the
// batch limit (or Max) is refused whole.
func TestUpdateRecordsWhere(t *testing.T) {
	d := whereDoc(t, core.Limits{MaxBatch: 3})
	seq := lastSeq(t, d)
	res := apply(t, d, core.UpdateRecordsWhere{Table: "T", Filter: eqK("a"), Fields: map[string]any{"v": num("9")}})
	if ids := res.RetValues[0].([]int64); !reflect.DeepEqual(ids, []int64{1, 3}) {
		t.Fatalf("ids %v", ids)
	}
	ev := eventsSince(t, d, seq)
	if len(ev) != 1 || ev[0].Kind != core.EventUpdate || !reflect.DeepEqual(ev[0].RowIDs, []int64{1, 3}) ||
		!reflect.DeepEqual(ev[0].Columns, []string{"v"}) || len(ev[0].Before) != 2 || js(ev[0].Before[1].Fields) != `{"k":"a","v":3}` || js(ev[0].Rows[1].Fields) != `{"k":"a","v":9}` {
		t.Fatalf("events %+v", ev)
	}
	if got := rowsJSON(t, d, "T"); got != `[{"id":1,"k":"a","v":9},{"id":2,"k":"b","v":2},{"id":3,"k":"a","v":9},{"id":4,"k":"c","v":4}]` {
		t.Fatalf("rows %s", got)
	}

	seq = lastSeq(t, d)
	res = apply(t, d, core.UpdateRecordsWhere{Table: "T", Filter: eqK("zz"), Fields: map[string]any{"v": num("1")}})
	if ids := res.RetValues[0].([]int64); ids == nil || len(ids) != 0 || res.IsModification {
		t.Fatalf("no match: %v %v", ids, res.IsModification)
	}
	if ev := eventsSince(t, d, seq); len(ev) != 0 {
		t.Fatalf("no match made events %+v", ev)
	}

	for _, c := range []struct {
		a    core.UpdateRecordsWhere
		kind rowhouse.Kind
		msg  string
	}{
		{core.UpdateRecordsWhere{Table: "T", Fields: map[string]any{"v": num("0")}}, rowhouse.ETOOLARGE,
			"the filter matches more than 3 records, the maximum batch size (batch size limit)"},
		{core.UpdateRecordsWhere{Table: "T", Filter: eqK("a"), Max: 1, Fields: map[string]any{"v": num("0")}}, rowhouse.ETOOLARGE,
			"the filter matches more than 1 records, the maximum batch size (batch size limit)"},
		{core.UpdateRecordsWhere{Table: "T", Filter: eqK("a"), Fields: map[string]any{"nope": 1}}, rowhouse.EINVALID, `Invalid column "nope"`},
		{core.UpdateRecordsWhere{Table: "T", Filter: query.Cond{Path: []string{"nope"}, Op: query.OpEq, Value: "x"}}, rowhouse.EINVALID, `Invalid column "nope" in table T`},
		{core.UpdateRecordsWhere{Table: "Nope"}, rowhouse.ENOTFOUND, ""},
	} {
		err := applyErr(t, d, c.a)
		if rowhouse.ErrorKind(err) != c.kind || (c.msg != "" && rowhouse.ErrorMessage(err) != c.msg) {
			t.Errorf("%+v: %v", c.a, err)
		}
	}
	if got := rowsJSON(t, d, "T"); got != `[{"id":1,"k":"a","v":9},{"id":2,"k":"b","v":2},{"id":3,"k":"a","v":9},{"id":4,"k":"c","v":4}]` {
		t.Fatalf("refused updates changed rows: %s", got)
	}
}

// TestRemoveRecordsWhere: the events carry the records as they were.
func TestRemoveRecordsWhere(t *testing.T) {
	d := whereDoc(t, core.Limits{MaxBatch: 3})
	err := applyErr(t, d, core.RemoveRecordsWhere{Table: "T", Filter: query.Not{Expr: eqK("zz")}})
	if rowhouse.ErrorKind(err) != rowhouse.ETOOLARGE || rowhouse.ErrorMessage(err) != "the filter matches more than 3 records, the maximum batch size (batch size limit)" {
		t.Fatalf("batch limit: %v", err)
	}
	seq := lastSeq(t, d)
	res := apply(t, d, core.RemoveRecordsWhere{Table: "T", Filter: eqK("a")})
	if ids := res.RetValues[0].([]int64); !reflect.DeepEqual(ids, []int64{1, 3}) {
		t.Fatalf("ids %v", ids)
	}
	ev := eventsSince(t, d, seq)
	if len(ev) != 1 || ev[0].Kind != core.EventRemove || !reflect.DeepEqual(ev[0].RowIDs, []int64{1, 3}) || js(ev[0].Rows) != `[{"id":1,"fields":{"k":"a","v":1}},{"id":3,"fields":{"k":"a","v":3}}]` {
		t.Fatalf("events %+v", ev)
	}
	res = apply(t, d, core.RemoveRecordsWhere{Table: "T", Filter: eqK("a")})
	if ids := res.RetValues[0].([]int64); len(ids) != 0 || res.IsModification {
		t.Fatalf("no match: %v", ids)
	}
	if got := rowsJSON(t, d, "T"); got != `[{"id":2,"k":"b","v":2},{"id":4,"k":"c","v":4}]` {
		t.Fatalf("rows %s", got)
	}
}

// TestWhereSelectsInTheTransaction: the filter sees what earlier actions
// of the same Apply did, so a record removed just before is not updated
// (no "Invalid row id") and one added just before is.
func TestWhereSelectsInTheTransaction(t *testing.T) {
	d := whereDoc(t, core.Limits{})
	res := apply(t, d,
		core.RemoveRecords{Table: "T", IDs: []int64{1}},
		core.AddRecords{Table: "T", Rows: []core.Row{{Fields: map[string]any{"k": "a"}}}},
		core.UpdateRecordsWhere{Table: "T", Filter: eqK("a"), Fields: map[string]any{"k": "A"}},
		core.RemoveRecordsWhere{Table: "T", Filter: eqK("b")},
	)
	if got := js(res.RetValues[2:]); got != `[[3,5],[2]]` {
		t.Fatalf("ids %s", got)
	}
	if got := rowsJSON(t, d, "T"); got != `[{"id":3,"k":"A","v":3},{"id":4,"k":"c","v":4},{"id":5,"k":"A","v":0}]` {
		t.Fatalf("rows %s", got)
	}
}

// uniqueDoc is a document with People(name, email unique, code unique,
// age Int): 1 ann@x/A1, 2 bob@x/B2.
func uniqueDoc(t *testing.T) *core.Doc {
	t.Helper()
	d := openDoc(t)
	apply(t, d, core.AddTable{ID: "People", Columns: []core.ColumnSpec{{ID: "name"}, {ID: "email", IsUnique: true}, {ID: "code", IsUnique: true}, {ID: "age", Type: "Int"}}},
		core.AddRecords{Table: "People", Rows: []core.Row{
			{Fields: map[string]any{"name": "Ann", "email": "ann@x", "code": "A1"}},
			{Fields: map[string]any{"name": "Bob", "email": "bob@x", "code": "B2"}},
		}})
	return d
}

// TestUpsertMatchUnique: by id, else by any unique column; empty unique
// values match nothing; several matches are an error naming them.
func TestUpsertMatchUnique(t *testing.T) {
	d := uniqueDoc(t)
	up := func(fields map[string]any, id ...int) core.Upsert {
		u := core.Upsert{Fields: fields}
		if len(id) > 0 {
			u.Require = map[string]any{"id": num(js(id[0]))}
		}
		return u
	}
	seq := lastSeq(t, d)
	res := apply(t, d, core.AddOrUpdateRecords{Table: "People", MatchUnique: true, RecordLabel: "data", Records: []core.Upsert{
		up(map[string]any{"age": num("41")}, 2),                              // by id
		up(map[string]any{"code": "A1", "age": num("31")}),                   // by code
		up(map[string]any{"email": "new@x", "name": "New"}),                  // added
		up(map[string]any{"email": "", "code": nil, "name": "Blank"}),        // empty values: added
		up(map[string]any{"email": "new@x", "age": num("7")}),                // the record added above
		up(map[string]any{"name": "Forty"}, 40),                              // an id matching nothing: added with it
		up(map[string]any{"email": "bob@x", "code": "B2", "age": num("42")}), // both columns, one record
	}})
	if got := js(res.RetValues[0]); got != `{"recordIds":[[2],[1],[3],[4],[3],[40],[2]],"addRecordIds":[3,4,40],"updateRecordIds":[[2],[1],[3],[2]]}` {
		t.Fatalf("result %s", got)
	}
	if got := rowsJSON(t, d, "People"); got != `[{"age":31,"code":"A1","email":"ann@x","id":1,"name":"Ann"},{"age":42,"code":"B2","email":"bob@x","id":2,"name":"Bob"},{"age":7,"code":"","email":"new@x","id":3,"name":"New"},{"age":0,"code":null,"email":"","id":4,"name":"Blank"},{"age":0,"code":"","email":"","id":40,"name":"Forty"}]` {
		t.Fatalf("rows %s", got)
	}
	// The changes, record by record (consecutive ones of a kind may share
	// an event).
	if got := eventSteps(eventsSince(t, d, seq)); got != "update:2 update:1 add:3 add:4 update:3 add:40 update:2" {
		t.Fatalf("changes %s", got)
	}
	seq = lastSeq(t, d)

	err := applyErr(t, d, core.AddOrUpdateRecords{Table: "People", MatchUnique: true, RecordLabel: "data", Records: []core.Upsert{
		up(map[string]any{"email": "z@x"}),
		up(map[string]any{"email": "ann@x", "code": "B2", "name": "Clash"}),
	}})
	if msg := rowhouse.ErrorMessage(err); msg != "data[1] matches 2 records of People: 1 (by email), 2 (by code); an upsert must match at most one" {
		t.Fatalf("clash: %q", msg)
	}
	err = applyErr(t, d, core.AddOrUpdateRecords{Table: "People", MatchUnique: true, Records: []core.Upsert{up(map[string]any{"email": "bob@x", "code": "A1"})}})
	if msg := rowhouse.ErrorMessage(err); msg != "record 0 matches 2 records of People: 2 (by email), 1 (by code); an upsert must match at most one" {
		t.Fatalf("clash without a label: %q", msg)
	}
	if ev := eventsSince(t, d, seq); len(ev) != 0 {
		t.Fatalf("a refused upsert made events: %+v", ev)
	}
}

// TestUpsertMatchUniqueInTheTransaction: the match sees a record added by
// an earlier action of the same Apply (a match made outside the write
// transaction would miss it and fail on the unique index).
func TestUpsertMatchUniqueInTheTransaction(t *testing.T) {
	d := uniqueDoc(t)
	res := apply(t, d,
		core.AddRecords{Table: "People", Rows: []core.Row{{Fields: map[string]any{"email": "x@x", "name": "X"}}}},
		core.AddOrUpdateRecords{Table: "People", MatchUnique: true, Records: []core.Upsert{{Fields: map[string]any{"email": "x@x", "age": num("5")}}}},
	)
	if got := js(res.RetValues[1]); got != `{"recordIds":[[3]],"addRecordIds":[],"updateRecordIds":[[3]]}` {
		t.Fatalf("result %s", got)
	}
}

// TestApplyHooks: Before reads the state before the actions, Then the
// state after them, in the same transaction; an error from either rolls
// everything back; a replayed idempotency key runs neither.
func TestApplyHooks(t *testing.T) {
	d := whereDoc(t, core.Limits{})
	ctx := context.Background()
	count := func(rd core.Reader) int {
		rows, err := rd.Query(ctx, core.Select{Table: "T", Filter: eqK("a")})
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			n++
		}
		return n
	}
	var before, after int
	var ret any
	opts := core.ApplyOptions{
		Before: func(ctx context.Context, rd core.Reader) error { before = count(rd); return nil },
		Then: func(ctx context.Context, rd core.Reader, res core.Applied) error {
			after, ret = count(rd), res.RetValues[0]
			return nil
		},
		Idempotency: &core.Idempotency{UserID: 1, Key: "k", Fingerprint: "f", Render: func(core.Applied) ([]byte, error) { return []byte(`"ok"`), nil }},
	}
	add := []core.Action{core.AddRecords{Table: "T", Rows: []core.Row{{Fields: map[string]any{"k": "a"}}}}}
	if _, err := d.Apply(ctx, actor, add, opts); err != nil {
		t.Fatal(err)
	}
	if before != 2 || after != 3 || js(ret) != `[5]` {
		t.Fatalf("before %d, after %d, ret %v", before, after, ret)
	}
	before, after = -1, -1
	res, err := d.Apply(ctx, actor, add, opts)
	if err != nil || !res.Replayed || before != -1 || after != -1 {
		t.Fatalf("replay: %v %+v, hooks ran: %d %d", err, res, before, after)
	}

	boom := errors.New("boom")
	for name, o := range map[string]core.ApplyOptions{
		"before": {Before: func(context.Context, core.Reader) error { return boom }},
		"then":   {Then: func(context.Context, core.Reader, core.Applied) error { return boom }},
	} {
		if _, err := d.Apply(ctx, actor, add, o); !errors.Is(err, boom) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if got := rowsJSON(t, d, "T"); got != `[{"id":1,"k":"a","v":1},{"id":2,"k":"b","v":2},{"id":3,"k":"a","v":3},{"id":4,"k":"c","v":4},{"id":5,"k":"a","v":0}]` {
		t.Fatalf("rows %s", got)
	}

	_, err = d.Apply(ctx, actor, add, core.ApplyOptions{Idempotency: &core.Idempotency{UserID: 1, Key: "k", Fingerprint: "other"}})
	if !errors.Is(err, core.ErrIdempotencyKeyReused) || rowhouse.ErrorKind(err) != rowhouse.EUNPROCESSABLE {
		t.Fatalf("reused key: %v", err)
	}
}

func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// TestUpsertMatchUniquePlainAdds: records that can match nothing (no id,
// no unique value) are added in one statement and one event, in order
// with the others.
func TestUpsertMatchUniquePlainAdds(t *testing.T) {
	d := uniqueDoc(t)
	seq := lastSeq(t, d)
	plain := func(name string) core.Upsert { return core.Upsert{Fields: map[string]any{"name": name}} }
	res := apply(t, d, core.AddOrUpdateRecords{Table: "People", MatchUnique: true, Records: []core.Upsert{
		plain("p1"), plain("p2"),
		{Fields: map[string]any{"email": "ann@x", "age": num("3")}},
		plain("p3"),
	}})
	if got := js(res.RetValues[0]); got != `{"recordIds":[[3],[4],[1],[5]],"addRecordIds":[3,4,5],"updateRecordIds":[[1]]}` {
		t.Fatalf("result %s", got)
	}
	ev := eventsSince(t, d, seq)
	if len(ev) != 3 || !reflect.DeepEqual(ev[0].RowIDs, []int64{3, 4}) || ev[1].Kind != core.EventUpdate || !reflect.DeepEqual(ev[2].RowIDs, []int64{5}) {
		t.Fatalf("events %+v", ev)
	}
}
