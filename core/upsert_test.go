package core_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/store/postgres/pgtest"
)

// upsertColumns is the table of the upsert semantics tests: a plain key k,
// typed cells, and a unique column u.
var upsertColumns = []core.ColumnSpec{
	{ID: "k"}, {ID: "v", Type: "Int"}, {ID: "n", Type: "Numeric"}, {ID: "b", Type: "Bool"}, {ID: "u", IsUnique: true},
	{ID: "e", IsUnique: true},
}

// upsertSeed is the table's rows before each case: ids 1-5.
var upsertSeed = []core.Row{
	{Fields: map[string]any{"k": "a", "v": num("1"), "u": "ua"}},
	{Fields: map[string]any{"k": "a", "v": num("2"), "n": num("1.5")}},
	{Fields: map[string]any{"k": "b", "v": num("3"), "b": true, "u": "ub", "e": "eb"}},
	{Fields: map[string]any{"k": "c", "n": nil}},
	{Fields: map[string]any{"k": "d", "v": "not a number"}},
}

// up is an upsert record from two JSON objects.
func up(require, fields string) core.Upsert {
	u := core.Upsert{Require: jsonObject(require)}
	if fields != "" {
		u.Fields = jsonObject(fields)
	}
	return u
}

func jsonObject(s string) map[string]any {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		panic(fmt.Sprintf("%s: %v", s, err))
	}
	return m
}

// eventTrail flattens events into "kind:id,id" steps, in order, with the
// rows' k and v cells, so that a test pins what changed without pinning
// how changes are grouped into events.
func eventTrail(evs []core.Event) string {
	var parts []string
	for _, e := range evs {
		for i, id := range e.RowIDs {
			f := e.Rows[i].Fields
			parts = append(parts, fmt.Sprintf("%s:%d(%v,%v)", e.Kind, id, f["k"], f["v"]))
		}
	}
	return strings.Join(parts, " ")
}

// eventSteps flattens events into "kind:id" steps, in order.
func eventSteps(evs []core.Event) string {
	var parts []string
	for _, e := range evs {
		for _, id := range e.RowIDs {
			parts = append(parts, fmt.Sprintf("%s:%d", e.Kind, id))
		}
	}
	return strings.Join(parts, " ")
}

// changedRows shows the rows of T that differ from before (a rowsJSON),
// one JSON object per row.
func changedRows(t *testing.T, d *core.Doc, before string) string {
	t.Helper()
	var was []json.RawMessage
	if err := json.Unmarshal([]byte(before), &was); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range was {
		seen[string(r)] = true
	}
	var now []json.RawMessage
	if err := json.Unmarshal([]byte(rowsJSON(t, d, "T")), &now); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range now {
		if !seen[string(r)] {
			out = append(out, string(r))
		}
	}
	return strings.Join(out, " ")
}

// TestUpsertSemantics pins what AddOrUpdateRecords does, record by record:
// the answer, the table after it, and the changes it announces. Matching
// a batch must give exactly what matching one record after another gives.
func TestUpsertSemantics(t *testing.T) {
	cases := []struct {
		name   string
		a      core.AddOrUpdateRecords
		answer string // or the error's message
		rows   string // the rows it changed or added, as changedRows shows them
		trail  string
	}{
		{name: "onmany first by default",
			a:      core.AddOrUpdateRecords{Records: []core.Upsert{up(`{"k":"a"}`, `{"v":10}`)}},
			answer: `{"recordIds":[[1]],"addRecordIds":[],"updateRecordIds":[[1]]}`,
			rows:   `{"b":false,"e":"","id":1,"k":"a","n":0,"u":"ua","v":10}`,
			trail:  `update:1(a,10)`},
		{name: "onmany none",
			a:      core.AddOrUpdateRecords{OnMany: core.OnManyNone, Records: []core.Upsert{up(`{"k":"a"}`, `{"v":10}`), up(`{"k":"b"}`, `{"v":11}`)}},
			answer: `{"recordIds":[[],[3]],"addRecordIds":[],"updateRecordIds":[[3]]}`,
			rows:   `{"b":true,"e":"eb","id":3,"k":"b","n":0,"u":"ub","v":11}`,
			trail:  `update:3(b,11)`},
		{name: "onmany all",
			a:      core.AddOrUpdateRecords{OnMany: core.OnManyAll, Records: []core.Upsert{up(`{"k":"a"}`, `{"v":10}`), up(`{"k":"z"}`, `{"v":11}`)}},
			answer: `{"recordIds":[[1,2],[6]],"addRecordIds":[6],"updateRecordIds":[[1,2]]}`,
			rows:   `{"b":false,"e":"","id":1,"k":"a","n":0,"u":"ua","v":10} {"b":false,"e":"","id":2,"k":"a","n":1.5,"u":"","v":10} {"b":false,"e":"","id":6,"k":"z","n":0,"u":"","v":11}`,
			trail:  `update:1(a,10) update:2(a,10) add:6(z,11)`},
		{name: "a record matches what an earlier one added",
			a:      core.AddOrUpdateRecords{Records: []core.Upsert{up(`{"k":"z"}`, `{"v":1}`), up(`{"k":"z"}`, `{"v":2}`), up(`{"k":"y"}`, ``), up(`{"k":"z","v":2}`, `{"n":3}`)}},
			answer: `{"recordIds":[[6],[6],[7],[6]],"addRecordIds":[6,7],"updateRecordIds":[[6],[6]]}`,
			rows:   `{"b":false,"e":"","id":6,"k":"z","n":3,"u":"","v":2} {"b":false,"e":"","id":7,"k":"y","n":0,"u":"","v":0}`,
			trail:  `add:6(z,1) update:6(z,2) add:7(y,0) update:6(z,2)`},
		{name: "a record matches what an earlier one changed",
			a: core.AddOrUpdateRecords{Records: []core.Upsert{
				up(`{"k":"a"}`, `{"k":"z"}`), // 1 leaves a for z
				up(`{"k":"z"}`, `{"v":20}`),  // finds 1
				up(`{"k":"a"}`, `{"v":21}`),  // finds 2, the last a
				up(`{"k":"a"}`, `{"k":"y"}`), // 2 leaves a
				up(`{"k":"a"}`, `{"v":22}`),  // no a left: added
			}},
			answer: `{"recordIds":[[1],[1],[2],[2],[6]],"addRecordIds":[6],"updateRecordIds":[[1],[1],[2],[2]]}`,
			rows:   `{"b":false,"e":"","id":1,"k":"z","n":0,"u":"ua","v":20} {"b":false,"e":"","id":2,"k":"y","n":1.5,"u":"","v":21} {"b":false,"e":"","id":6,"k":"a","n":0,"u":"","v":22}`,
			trail:  `update:1(z,1) update:1(z,20) update:2(a,21) update:2(y,21) add:6(a,22)`},
		{name: "onmany all sees rows joining and leaving the match",
			a: core.AddOrUpdateRecords{OnMany: core.OnManyAll, Records: []core.Upsert{
				up(`{"k":"b"}`, `{"k":"a"}`), // 3 joins a
				up(`{"k":"a","v":2}`, `{"k":"x"}`),
				up(`{"k":"a"}`, `{"n":7}`), // 1 and 3
			}},
			answer: `{"recordIds":[[3],[2],[1,3]],"addRecordIds":[],"updateRecordIds":[[3],[2],[1,3]]}`,
			rows:   `{"b":false,"e":"","id":1,"k":"a","n":7,"u":"ua","v":1} {"b":false,"e":"","id":2,"k":"x","n":1.5,"u":"","v":2} {"b":true,"e":"eb","id":3,"k":"a","n":7,"u":"ub","v":3}`,
			trail:  `update:3(a,3) update:2(x,2) update:1(a,1) update:3(a,3)`},
		{name: "several columns, one of them changed by an earlier record",
			a: core.AddOrUpdateRecords{Records: []core.Upsert{
				up(`{"k":"c"}`, `{"v":5}`),
				up(`{"k":"c","v":5}`, `{"n":1}`),           // 4, changed in v only
				up(`{"v":5,"n":1}`, `{"b":true}`),          // 4, changed in both
				up(`{"k":"b","v":5}`, `{"n":2}`),           // none: added
				up(`{"k":"a","v":1,"b":false}`, `{"v":9}`), // 1, untouched
			}},
			answer: `{"recordIds":[[4],[4],[4],[6],[1]],"addRecordIds":[6],"updateRecordIds":[[4],[4],[4],[1]]}`,
			rows:   `{"b":false,"e":"","id":1,"k":"a","n":0,"u":"ua","v":9} {"b":true,"e":"","id":4,"k":"c","n":1,"u":"","v":5} {"b":false,"e":"","id":6,"k":"b","n":2,"u":"","v":5}`,
			trail:  `update:4(c,5) update:4(c,5) update:4(c,5) add:6(b,5) update:1(a,9)`},
		{name: "by id: an id the batch adds, then finds",
			a:      core.AddOrUpdateRecords{Records: []core.Upsert{up(`{"id":100}`, `{"k":"h"}`), up(`{"id":100}`, `{"v":4}`), up(`{"id":2,"k":"a"}`, `{"v":5}`), up(`{"id":101,"k":"a"}`, `{"v":6}`)}},
			answer: `{"recordIds":[[100],[100],[2],[101]],"addRecordIds":[100,101],"updateRecordIds":[[100],[2]]}`,
			rows:   `{"b":false,"e":"","id":2,"k":"a","n":1.5,"u":"","v":5} {"b":false,"e":"","id":100,"k":"h","n":0,"u":"","v":4} {"b":false,"e":"","id":101,"k":"a","n":0,"u":"","v":6}`,
			trail:  `add:100(h,0) update:100(h,4) update:2(a,5) add:101(a,6)`},
		{name: "by id: an id that exists but does not match is added, and refused",
			a:      core.AddOrUpdateRecords{Records: []core.Upsert{up(`{"id":3,"k":"a"}`, `{"v":7}`)}},
			answer: `Duplicate row id in table "T"`},
		{name: "by id: not an id",
			a:      core.AddOrUpdateRecords{Records: []core.Upsert{up(`{"k":"n1"}`, ``), up(`{"k":"n2"}`, ``), up(`{"id":7}`, `{"v":8}`), up(`{"id":"x"}`, `{"v":8}`)}},
			answer: `record 3: require.id must be a row id`},
		{name: "by id: added ids",
			a:      core.AddOrUpdateRecords{Records: []core.Upsert{up(`{"k":"n1"}`, ``), up(`{"k":"n2"}`, ``), up(`{"id":7}`, `{"v":8}`), up(`{"id":6}`, `{"v":9}`)}},
			answer: `{"recordIds":[[6],[7],[7],[6]],"addRecordIds":[6,7],"updateRecordIds":[[7],[6]]}`,
			rows:   `{"b":false,"e":"","id":6,"k":"n1","n":0,"u":"","v":9} {"b":false,"e":"","id":7,"k":"n2","n":0,"u":"","v":8}`,
			trail:  `add:6(n1,0) add:7(n2,0) update:7(n2,8) update:6(n1,9)`},
		{name: "noadd",
			a:      core.AddOrUpdateRecords{NoAdd: true, Records: []core.Upsert{up(`{"k":"z"}`, `{"v":1}`), up(`{"k":"b"}`, `{"v":2}`)}},
			answer: `{"recordIds":[[],[3]],"addRecordIds":[],"updateRecordIds":[[3]]}`,
			rows:   `{"b":true,"e":"eb","id":3,"k":"b","n":0,"u":"ub","v":2}`,
			trail:  `update:3(b,2)`},
		{name: "noupdate",
			a:      core.AddOrUpdateRecords{NoUpdate: true, Records: []core.Upsert{up(`{"k":"z"}`, `{"v":1}`), up(`{"k":"b"}`, `{"v":2}`), up(`{"k":"z"}`, `{"v":3}`)}},
			answer: `{"recordIds":[[6],[3],[6]],"addRecordIds":[6],"updateRecordIds":[]}`,
			rows:   `{"b":false,"e":"","id":6,"k":"z","n":0,"u":"","v":1}`,
			trail:  `add:6(z,1)`},
		{name: "no fields: matched, listed as updated, nothing written",
			a:      core.AddOrUpdateRecords{Records: []core.Upsert{up(`{"k":"b"}`, ``)}},
			answer: `{"recordIds":[[3]],"addRecordIds":[],"updateRecordIds":[[3]]}`,
			rows:   ``,
			trail:  ``},
		{name: "empty require is refused",
			a:      core.AddOrUpdateRecords{Records: []core.Upsert{up(`{"k":"b"}`, ``), up(`{}`, `{"v":1}`)}},
			answer: `record 1: require is empty (set allow_empty_require to match every record)`},
		{name: "empty require matches every record",
			a:      core.AddOrUpdateRecords{AllowEmptyRequire: true, OnMany: core.OnManyAll, Records: []core.Upsert{up(`{"k":"z"}`, ``), up(`{}`, `{"n":4}`)}},
			answer: `{"recordIds":[[6],[1,2,3,4,5,6]],"addRecordIds":[6],"updateRecordIds":[[1,2,3,4,5,6]]}`,
			rows:   `{"b":false,"e":"","id":1,"k":"a","n":4,"u":"ua","v":1} {"b":false,"e":"","id":2,"k":"a","n":4,"u":"","v":2} {"b":true,"e":"eb","id":3,"k":"b","n":4,"u":"ub","v":3} {"b":false,"e":"","id":4,"k":"c","n":4,"u":"","v":0} {"b":false,"e":"","id":5,"k":"d","n":4,"u":"","v":"not a number"} {"b":false,"e":"","id":6,"k":"z","n":4,"u":"","v":0}`,
			trail:  `add:6(z,0) update:1(a,1) update:2(a,2) update:3(b,3) update:4(c,0) update:5(d,not a number) update:6(z,0)`},
		{name: "empty require, first",
			a:      core.AddOrUpdateRecords{AllowEmptyRequire: true, Records: []core.Upsert{up(`{}`, `{"n":4}`), up(`{"k":"a"}`, `{"v":3}`)}},
			answer: `{"recordIds":[[1],[1]],"addRecordIds":[],"updateRecordIds":[[1],[1]]}`,
			rows:   `{"b":false,"e":"","id":1,"k":"a","n":4,"u":"ua","v":3}`,
			trail:  `update:1(a,1) update:1(a,3)`},
		{name: "values that do not fit match nothing, even each other",
			a:      core.AddOrUpdateRecords{Records: []core.Upsert{up(`{"v":"not a number"}`, ``), up(`{"v":"not a number"}`, `{"k":"q"}`)}},
			answer: `{"recordIds":[[6],[7]],"addRecordIds":[6,7],"updateRecordIds":[]}`,
			rows:   `{"b":false,"e":"","id":6,"k":"","n":0,"u":"","v":"not a number"} {"b":false,"e":"","id":7,"k":"q","n":0,"u":"","v":"not a number"}`,
			trail:  `add:6(,not a number) add:7(q,not a number)`},
		{name: "null matches empty cells, and cells whose value did not fit",
			a:      core.AddOrUpdateRecords{OnMany: core.OnManyAll, Records: []core.Upsert{up(`{"n":null}`, `{"k":"e"}`), up(`{"v":null}`, `{"n":8}`), up(`{"v":""}`, `{"n":9}`)}},
			answer: `{"recordIds":[[4],[5],[5]],"addRecordIds":[],"updateRecordIds":[[4],[5],[5]]}`,
			rows:   `{"b":false,"e":"","id":4,"k":"e","n":null,"u":"","v":0} {"b":false,"e":"","id":5,"k":"d","n":9,"u":"","v":"not a number"}`,
			trail:  `update:4(e,0) update:5(d,not a number) update:5(d,not a number)`},
		{name: "parsed values, numbers and booleans",
			a: core.AddOrUpdateRecords{Records: []core.Upsert{
				up(`{"v":"3"}`, `{"k":"p"}`), up(`{"n":"1.50"}`, `{"k":"q"}`), up(`{"n":1.5}`, `{"v":30}`),
				up(`{"b":true,"k":"p"}`, `{"v":31}`), up(`{"b":"false","k":"q"}`, `{"v":32}`), up(`{"v":3.0}`, `{"v":33}`),
			}},
			answer: `{"recordIds":[[3],[2],[2],[3],[2],[6]],"addRecordIds":[6],"updateRecordIds":[[3],[2],[2],[3],[2]]}`,
			rows:   `{"b":false,"e":"","id":2,"k":"q","n":1.5,"u":"","v":32} {"b":true,"e":"eb","id":3,"k":"p","n":0,"u":"ub","v":31} {"b":false,"e":"","id":6,"k":"","n":0,"u":"","v":33}`,
			trail:  `update:3(p,3) update:2(q,2) update:2(q,30) update:3(p,31) update:2(q,32) add:6(,33)`},
		{name: "noparse",
			a:      core.AddOrUpdateRecords{NoParse: true, Records: []core.Upsert{up(`{"v":"3"}`, `{"k":"p"}`), up(`{"v":3}`, `{"k":"q"}`)}},
			answer: `{"recordIds":[[3],[3]],"addRecordIds":[],"updateRecordIds":[[3],[3]]}`,
			rows:   `{"b":true,"e":"eb","id":3,"k":"q","n":0,"u":"ub","v":3}`,
			trail:  `update:3(p,3) update:3(q,3)`},
		{name: "a unique column, empty or not",
			a:      core.AddOrUpdateRecords{OnMany: core.OnManyAll, Records: []core.Upsert{up(`{"u":"ub"}`, `{"v":40}`), up(`{"u":""}`, `{"v":41}`), up(`{"u":"uz"}`, `{"v":42}`), up(`{"u":"uz"}`, `{"u":"uy"}`), up(`{"u":"uy"}`, `{"v":43}`)}},
			answer: `{"recordIds":[[3],[2,4,5],[6],[6],[6]],"addRecordIds":[6],"updateRecordIds":[[3],[2,4,5],[6],[6]]}`,
			rows:   `{"b":false,"e":"","id":2,"k":"a","n":1.5,"u":"","v":41} {"b":true,"e":"eb","id":3,"k":"b","n":0,"u":"ub","v":40} {"b":false,"e":"","id":4,"k":"c","n":null,"u":"","v":41} {"b":false,"e":"","id":5,"k":"d","n":0,"u":"","v":41} {"b":false,"e":"","id":6,"k":"","n":0,"u":"uy","v":43}`,
			trail:  `update:3(b,40) update:2(a,41) update:4(c,41) update:5(d,41) add:6(,42) update:6(,42) update:6(,43)`},
		{name: "a duplicate unique value is refused, whatever record brings it",
			a:      core.AddOrUpdateRecords{Records: []core.Upsert{up(`{"k":"z"}`, `{"u":"un"}`), up(`{"k":"y"}`, `{"u":"un"}`)}},
			answer: `Duplicate value in unique column "u"`},
		{name: "a unique value freed by an earlier record may be taken",
			a:      core.AddOrUpdateRecords{Records: []core.Upsert{up(`{"k":"b"}`, `{"u":"ub2"}`), up(`{"k":"y"}`, `{"u":"ub"}`)}},
			answer: `{"recordIds":[[3],[6]],"addRecordIds":[6],"updateRecordIds":[[3]]}`,
			rows:   `{"b":true,"e":"eb","id":3,"k":"b","n":0,"u":"ub2","v":3} {"b":false,"e":"","id":6,"k":"y","n":0,"u":"ub","v":0}`,
			trail:  `update:3(b,3) add:6(y,0)`},
		{name: "the first failing record decides the error",
			a:      core.AddOrUpdateRecords{UniqueMatch: true, Records: []core.Upsert{up(`{"k":"z"}`, `{"u":"ua"}`), up(`{"k":"a"}`, ``)}},
			answer: `Duplicate value in unique column "u"`},
		{name: "unique match",
			a:      core.AddOrUpdateRecords{UniqueMatch: true, Records: []core.Upsert{up(`{"k":"b"}`, `{"v":50}`), up(`{"k":"z"}`, ``), up(`{"k":"z"}`, `{"v":51}`), up(`{"k":"a"}`, `{"v":52}`)}},
			answer: `record 3 matches 2 records (ids 1, 2); it must match at most one`},
		{name: "match unique: by unique values, in fields or require",
			a: core.AddOrUpdateRecords{MatchUnique: true, RecordLabel: "data", Records: []core.Upsert{
				up(`{}`, `{"u":"ua","v":60}`), up(`{"u":"ub"}`, `{"v":61}`), up(`{}`, `{"k":"x"}`), up(`{}`, `{"k":"y","u":""}`),
				up(`{}`, `{"u":"un","v":62}`), up(`{}`, `{"u":"un","v":63}`), up(`{"id":2}`, `{"v":64}`), up(`{}`, `{"k":"w"}`),
			}},
			answer: `{"recordIds":[[1],[3],[6],[7],[8],[8],[2],[9]],"addRecordIds":[6,7,8,9],"updateRecordIds":[[1],[3],[8],[2]]}`,
			rows:   `{"b":false,"e":"","id":1,"k":"a","n":0,"u":"ua","v":60} {"b":false,"e":"","id":2,"k":"a","n":1.5,"u":"","v":64} {"b":true,"e":"eb","id":3,"k":"b","n":0,"u":"ub","v":61} {"b":false,"e":"","id":6,"k":"x","n":0,"u":"","v":0} {"b":false,"e":"","id":7,"k":"y","n":0,"u":"","v":0} {"b":false,"e":"","id":8,"k":"","n":0,"u":"un","v":63} {"b":false,"e":"","id":9,"k":"w","n":0,"u":"","v":0}`,
			trail:  `update:1(a,60) update:3(b,61) add:6(x,0) add:7(y,0) add:8(,62) update:8(,63) update:2(a,64) add:9(w,0)`},
		{name: "match unique: two records by two columns",
			a:      core.AddOrUpdateRecords{MatchUnique: true, RecordLabel: "data", Records: []core.Upsert{up(`{}`, `{"k":"x","u":"ub"}`), up(`{"id":1}`, `{"u":"uc"}`), up(`{"u":"uc"}`, `{"v":65}`)}},
			answer: `{"recordIds":[[3],[1],[1]],"addRecordIds":[],"updateRecordIds":[[3],[1],[1]]}`,
			rows:   `{"b":false,"e":"","id":1,"k":"a","n":0,"u":"uc","v":65} {"b":true,"e":"eb","id":3,"k":"x","n":0,"u":"ub","v":3}`,
			trail:  `update:3(x,3) update:1(a,1) update:1(a,65)`},
		{name: "match unique: several matches are an error naming them",
			a:      core.AddOrUpdateRecords{MatchUnique: true, RecordLabel: "data", Records: []core.Upsert{up(`{}`, `{"k":"x","u":"uq"}`), up(`{"u":"ua"}`, `{"u":"uq"}`), up(`{"u":"zz"}`, `{"u":"ua","e":"eb"}`)}},
			answer: `data[2] matches 2 records of T: 1 (by u), 3 (by e); an upsert must match at most one`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := openDoc(t)
			apply(t, d, core.AddTable{ID: "T", Columns: upsertColumns}, core.AddRecords{Table: "T", Rows: upsertSeed})
			before := rowsJSON(t, d, "T")
			seq := lastSeq(t, d)
			c.a.Table = "T"
			res, err := d.Apply(t.Context(), actor, []core.Action{c.a}, core.ApplyOptions{})
			if err != nil {
				if msg := rowhouse.ErrorMessage(err); msg != c.answer {
					t.Fatalf("error %q, want %s", msg, c.answer)
				}
				if got := rowsJSON(t, d, "T"); got != before {
					t.Fatalf("a failed upsert wrote: %s", got)
				}
				return
			}
			got, _ := json.Marshal(res.RetValues[0])
			if string(got) != c.answer {
				t.Errorf("answer %s\nwant   %s", got, c.answer)
			}
			if trail := eventTrail(eventsSince(t, d, seq)); trail != c.trail {
				t.Errorf("changes %s\nwant    %s", trail, c.trail)
			}
			if got := changedRows(t, d, before); got != c.rows {
				t.Errorf("rows %s\nwant %s", got, c.rows)
			}
		})
	}
}

// TestUpsertBatchMatchesOneByOne applies random upserts twice, matched as
// a batch and matched one record after another (the way upserts always
// were), to twin documents, and requires the same answer or error, the
// same rows and the same changes, record by record.
func TestUpsertBatchMatchesOneByOne(t *testing.T) {
	rounds := 300
	if testing.Short() || pgtest.Enabled() {
		rounds = 100
	}
	batch, single := openDoc(t), openDoc(t)
	rng := rand.New(rand.NewPCG(18, 2024))
	pick := func(vals ...any) any { return vals[rng.IntN(len(vals))] }
	cell := func(col string) any {
		switch col {
		case "k":
			return pick("a", "b", "c", "", nil, num("1"))
		case "v":
			return pick(num("0"), num("1"), num("2"), "2", "x", nil, "")
		case "n":
			return pick(num("0"), num("1.5"), num("1"), "1.50", nil)
		case "b":
			return pick(true, false, "true", nil)
		case "u":
			return pick("", "u1", "u2", "u3", "u4", nil)
		case "e":
			return pick("", "e1", "e2", nil)
		}
		return pick(num("1"), num("2"), num("3"), num("9"), num("30"), num("31"), "x")
	}
	cols := []string{"k", "v", "n", "b", "u", "e"}
	object := func(keys []string, most int) map[string]any {
		m := map[string]any{}
		for range rng.IntN(most + 1) {
			k := keys[rng.IntN(len(keys))]
			m[k] = cell(k)
		}
		return m
	}
	const table = "T"
	for _, d := range []*core.Doc{batch, single} {
		apply(t, d, core.AddTable{ID: table, Columns: upsertColumns})
	}
	for round := range rounds {
		var seed []core.Row
		used := map[any]bool{}
		for range rng.IntN(30) {
			f := object(cols, 4)
			for _, k := range []string{"u", "e"} { // unique: keep the seed valid
				if v := f[k]; v != nil && v != "" {
					if used[k+v.(string)] {
						delete(f, k)
					}
					used[k+fmt.Sprint(v)] = true
				}
			}
			seed = append(seed, core.Row{Fields: f})
		}
		a := core.AddOrUpdateRecords{Table: table, OnMany: []core.OnMany{core.OnManyFirst, core.OnManyNone, core.OnManyAll}[rng.IntN(3)],
			NoAdd: rng.IntN(6) == 0, NoUpdate: rng.IntN(8) == 0, NoParse: rng.IntN(8) == 0, UniqueMatch: rng.IntN(8) == 0,
			MatchUnique: rng.IntN(5) == 0, AllowEmptyRequire: rng.IntN(10) == 0}
		for range 1 + rng.IntN(25) {
			u := core.Upsert{Require: object(append(cols, "id"), 3), Fields: object(cols, 3)}
			if len(u.Require) == 0 && !a.AllowEmptyRequire && !a.MatchUnique {
				u.Require["k"] = cell("k")
			}
			a.Records = append(a.Records, u)
		}
		outcome := func(d *core.Doc, a core.AddOrUpdateRecords) string {
			apply(t, d, core.ReplaceTableData{Table: table, Rows: seed}) // ids go on from the last round's, alike in both
			seq := lastSeq(t, d)
			res, err := d.Apply(t.Context(), actor, []core.Action{a}, core.ApplyOptions{})
			out := ""
			if err != nil {
				out = "error: " + rowhouse.ErrorMessage(err)
			} else {
				b, _ := json.Marshal(res.RetValues[0])
				out = string(b)
			}
			var steps []string
			for _, e := range eventsSince(t, d, seq) {
				for i, id := range e.RowIDs {
					after, _ := json.Marshal(e.Rows[i])
					var before []byte
					if i < len(e.Before) {
						before, _ = json.Marshal(e.Before[i])
					}
					steps = append(steps, fmt.Sprintf("%s:%d %s %s", e.Kind, id, after, before))
				}
			}
			return out + "\n" + rowsJSON(t, d, table) + "\n" + strings.Join(steps, "\n")
		}
		got, want := outcome(batch, a), outcome(single, core.OneByOne(a))
		if got != want {
			b, _ := json.Marshal(a)
			s, _ := json.Marshal(seed)
			t.Fatalf("round %d: batch and one by one differ\nseed %s\nupsert %s\nbatch:\n%s\none by one:\n%s", round, s, b, got, want)
		}
	}
}

// TestUpsertIndexesItsKey: the column a batch of upserts is matched by is
// indexed, whatever the table's size, as join keys are; a unique column
// (which has its own index) and the id are not.
func TestUpsertIndexesItsKey(t *testing.T) {
	_, docs, d := newDoc(t, core.Options{})
	apply(t, d, core.AddTable{ID: "T", Columns: upsertColumns}, core.AddRecords{Table: "T", Rows: upsertSeed})
	var byK, byU []core.Upsert
	for i := range core.DefaultIndexReads {
		byK = append(byK, up(fmt.Sprintf(`{"k":"key%d"}`, i), `{"v":1}`))
		byU = append(byU, up(fmt.Sprintf(`{"u":"u%d"}`, i), `{"v":1}`), up(fmt.Sprintf(`{"id":%d}`, i+1), `{"v":2}`))
	}
	apply(t, d, core.AddOrUpdateRecords{Table: "T", Records: byU}, core.AddOrUpdateRecords{Table: "T", Records: byK[:len(byK)-1]})
	docs.Wait()
	if got, err := d.AdvisedIndexes(t.Context()); err != nil || len(got) != 0 {
		t.Fatalf("indexes before enough lookups: %v, %v", got, err)
	}
	apply(t, d, core.AddOrUpdateRecords{Table: "T", Records: byK})
	docs.Wait()
	if got, err := d.AdvisedIndexes(t.Context()); err != nil || fmt.Sprint(got) != "map[T:[[k]]]" {
		t.Fatalf("indexes: %v, %v", got, err)
	}
}
