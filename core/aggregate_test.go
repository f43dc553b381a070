package core_test

import (
	"context"
	"testing"

	"github.com/rowhouse/rowhouse/core"
)

// TestAggregates covers the statistics a read computes with its count, on
// every engine: over the rows the filter matches, with empty cells as the
// filter's empty, and a clear error where a statistic does not apply.
func TestAggregates(t *testing.T) {
	ctx := context.Background()
	_, _, doc := newDoc(t, core.Options{})
	apply(t, doc, core.AddTable{ID: "Deals", Columns: []core.ColumnSpec{
		{ID: "name"}, {ID: "amount", Type: "Numeric"}, {ID: "seats", Type: "Int"}, {ID: "closed", Type: "Date"}, {ID: "stage", Type: "Choice"},
	}})
	apply(t, doc, core.AddRecords{Table: "Deals", Rows: []core.Row{
		{Fields: map[string]any{"name": "A", "amount": 10.5, "seats": 3, "closed": "2024-01-02", "stage": "won"}},
		{Fields: map[string]any{"name": "B", "amount": 4.5, "seats": 1, "stage": "won"}},
		{Fields: map[string]any{"name": "", "seats": 6, "closed": "2024-03-04", "stage": "lost"}},
		{Fields: map[string]any{"name": "D", "amount": 100, "stage": "open"}},
	}})
	all := []core.Aggregate{
		{Op: core.AggSum, Column: "amount"}, {Op: core.AggAvg, Column: "seats"}, {Op: core.AggMin, Column: "amount"}, {Op: core.AggMax, Column: "seats"},
		{Op: core.AggMin, Column: "closed"}, {Op: core.AggMax, Column: "closed"},
		{Op: core.AggCountEmpty, Column: "name"}, {Op: core.AggCountNotEmpty, Column: "amount"}, {Op: core.AggCountUniqueValues, Column: "stage"},
		{Op: core.AggPercentageEmpty, Column: "closed"}, {Op: core.AggPercentageNotEmpty, Column: "name"},
	}
	rows, err := doc.Query(ctx, core.Select{Table: "Deals", Aggregates: all, CountOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	// Numbers not given are 0, as in Grist (not empty); dates not given
	// are empty.
	want := []any{115.0, 2.5, 0.0, int64(6), int64(1704153600), int64(1709510400), int64(1), int64(4), int64(3), 50.0, 75.0}
	if *rows.TotalCount != 4 || len(rows.Aggregates) != len(want) {
		t.Fatalf("count %d, aggregates %v", *rows.TotalCount, rows.Aggregates)
	}
	for i, w := range want {
		if got := rows.Aggregates[i]; !sameNumber(got, w) {
			t.Errorf("%s(%s) = %v (%T), want %v (%T)", all[i].Op, all[i].Column, got, got, w, w)
		}
	}
	// Over a filter that matches nothing: counts 0, sums and extremes null.
	rows, err = doc.Query(ctx, core.Select{Table: "Deals", Filter: mustFilter(t, `{"stage": ["none"]}`), Aggregates: all[:4], Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	for i, v := range rows.Aggregates {
		if v != nil {
			t.Errorf("%s over no rows = %v, want null", all[i].Op, v)
		}
	}
	for _, bad := range []core.Aggregate{{Op: core.AggSum, Column: "name"}, {Op: core.AggAvg, Column: "closed"}, {Op: core.AggMin, Column: "nope"}, {Op: "median", Column: "seats"}} {
		if _, err := doc.Query(ctx, core.Select{Table: "Deals", Aggregates: []core.Aggregate{bad}, CountOnly: true}); err == nil {
			t.Errorf("%s(%s): no error", bad.Op, bad.Column)
		}
	}
}

// sameNumber compares numbers of the same type, floats within 1e-9.
func sameNumber(got, want any) bool {
	switch w := want.(type) {
	case float64:
		g, ok := got.(float64)
		return ok && g-w < 1e-9 && w-g < 1e-9
	}
	return got == want
}
