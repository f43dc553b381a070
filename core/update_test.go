package core_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/core"
)

// TestUpdateRecordsInOrder: an update of many records, some more than
// once and across the windows it is written in, leaves each record as the
// last change says, and announces every change with the record before and
// after it, in order; a value that does not fit is kept as given.
func TestUpdateRecordsInOrder(t *testing.T) {
	d := openDoc(t)
	const n = 700
	seed := make([]core.Row, n)
	for i := range seed {
		seed[i] = core.Row{Fields: map[string]any{"k": fmt.Sprintf("k%d", i+1), "v": num(fmt.Sprint(i + 1))}}
	}
	apply(t, d, core.AddTable{ID: "T", Columns: []core.ColumnSpec{{ID: "k"}, {ID: "v", Type: "Int"}, {ID: "u", IsUnique: true}}},
		core.AddRecords{Table: "T", Rows: seed})
	var rows []core.Row
	for id := 1; id <= n; id++ {
		rows = append(rows, core.Row{ID: int64(id), Fields: map[string]any{"v": num(fmt.Sprint(id * 10))}})
	}
	rows = append(rows,
		core.Row{ID: 5, Fields: map[string]any{"k": "five"}},           // a second change, another column, another window
		core.Row{ID: 300, Fields: map[string]any{"v": "not a number"}}, // does not fit
		core.Row{ID: 5, Fields: map[string]any{"v": num("55")}},        // a third
		core.Row{ID: 300, Fields: map[string]any{"v": num("3")}},       // fits again
	)
	seq := lastSeq(t, d)
	apply(t, d, core.UpdateRecords{Table: "T", Rows: rows})
	recs, _ := readAll(t, d, core.Select{Table: "T"})
	if len(recs) != n {
		t.Fatalf("%d records", len(recs))
	}
	for _, r := range recs {
		id := r["id"].(int64)
		wantK, wantV := fmt.Sprintf("k%d", id), any(id*10)
		switch id {
		case 5:
			wantK, wantV = "five", int64(55)
		case 300:
			wantV = int64(3)
		}
		if r["k"] != wantK || r["v"] != wantV {
			t.Fatalf("record %d: %v, want k %v v %v", id, r, wantK, wantV)
		}
	}
	ev := eventsSince(t, d, seq)
	if len(ev) != 1 || len(ev[0].RowIDs) != len(rows) || strings.Join(ev[0].Columns, ",") != "k,v" {
		t.Fatalf("events %d, %d ids, columns %v", len(ev), len(ev[0].RowIDs), ev[0].Columns)
	}
	var trail []string
	for i := n; i < len(rows); i++ {
		b, a := ev[0].Before[i].Fields, ev[0].Rows[i].Fields
		trail = append(trail, fmt.Sprintf("%d:%v,%v->%v,%v", ev[0].RowIDs[i], b["k"], b["v"], a["k"], a["v"]))
	}
	if got := strings.Join(trail, " "); got != "5:k5,50->five,50 300:k300,3000->k300,not a number 5:five,50->five,55 300:k300,not a number->k300,3" {
		t.Fatalf("changes %s", got)
	}

	// A missing id, in a later window than the first changes: refused,
	// nothing written.
	before := rowsJSON(t, d, "T")
	rows = append(rows[:n:n], core.Row{ID: 9999, Fields: map[string]any{"v": num("1")}})
	if msg := rowhouse.ErrorMessage(applyErr(t, d, core.UpdateRecords{Table: "T", Rows: rows})); msg != "Invalid row id 9999" {
		t.Fatalf("missing id: %q", msg)
	}
	if got := rowsJSON(t, d, "T"); got != before {
		t.Fatal("a refused update wrote")
	}
	// A unique value moving from one record to another: written in order,
	// so taking it before it is freed is refused, and a missing id anywhere
	// is reported first.
	apply(t, d, core.UpdateRecords{Table: "T", Rows: []core.Row{{ID: 1, Fields: map[string]any{"u": "x"}}, {ID: 2, Fields: map[string]any{"u": "y"}}}})
	before = rowsJSON(t, d, "T")
	for _, c := range []struct {
		rows []core.Row
		want string
	}{
		{[]core.Row{{ID: 1, Fields: map[string]any{"u": "y"}}, {ID: 2, Fields: map[string]any{"u": "z"}}}, `Duplicate value in unique column "u"`},
		{[]core.Row{{ID: 1, Fields: map[string]any{"u": "y"}}, {ID: 9999, Fields: map[string]any{"u": "z"}}}, "Invalid row id 9999"},
	} {
		if msg := rowhouse.ErrorMessage(applyErr(t, d, core.UpdateRecords{Table: "T", Rows: c.rows})); msg != c.want {
			t.Fatalf("%v: %q, want %q", c.rows, msg, c.want)
		}
		if got := rowsJSON(t, d, "T"); got != before {
			t.Fatal("a refused update wrote")
		}
	}
	apply(t, d, core.UpdateRecords{Table: "T", Rows: []core.Row{{ID: 2, Fields: map[string]any{"u": "z"}}, {ID: 1, Fields: map[string]any{"u": "y"}}}})
}
