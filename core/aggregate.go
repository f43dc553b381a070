package core

import (
	"fmt"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/schema"
)

// AggOp is a statistic of one column over the rows a read's filter
// matches (Twenty's connection aggregates).
type AggOp string

// The statistics. Sum and Avg take Int and Numeric columns; Min and Max
// those and Date and DateTime; the counts and percentages any stored
// column. A cell is empty as the filter's empty is: NULL, or the type's
// empty value (the empty string for text, 0 for a reference, an empty
// list for a list).
const (
	AggSum                AggOp = "sum"
	AggAvg                AggOp = "avg"
	AggMin                AggOp = "min"
	AggMax                AggOp = "max"
	AggCountEmpty         AggOp = "countEmpty"
	AggCountNotEmpty      AggOp = "countNotEmpty"
	AggCountUniqueValues  AggOp = "countUniqueValues"
	AggPercentageEmpty    AggOp = "percentageEmpty"
	AggPercentageNotEmpty AggOp = "percentageNotEmpty"
)

// AggOps are every statistic, in the order GraphQL lists them.
var AggOps = []AggOp{AggSum, AggAvg, AggMin, AggMax, AggCountEmpty, AggCountNotEmpty,
	AggCountUniqueValues, AggPercentageEmpty, AggPercentageNotEmpty}

// Aggregate asks for one statistic of a column.
type Aggregate struct {
	Op     AggOp
	Column string
}

// AggregateApplies reports whether op can be computed on column c.
func AggregateApplies(op AggOp, c *schema.Column) bool {
	if !c.Stored() {
		return false
	}
	numeric := c.Type.Kind == schema.KindInt || c.Type.Kind == schema.KindNumeric
	switch op {
	case AggSum, AggAvg:
		return numeric
	case AggMin, AggMax:
		return numeric || c.Type.Kind == schema.KindDate || c.Type.Kind == schema.KindDateTime
	}
	return true
}

// aggregateSQL returns the select-list terms that compute the
// aggregates of sel on table t (aliased t), after COUNT(*).
func (c *compiler) aggregateSQL(t *schema.Table, aggs []Aggregate) (string, error) {
	var b strings.Builder
	for _, a := range aggs {
		col := t.Column(a.Column)
		if col == nil {
			return "", rowhouse.Invalidf("no column %s in table %s", a.Column, t.ID)
		}
		if !AggregateApplies(a.Op, col) {
			return "", rowhouse.Invalidf("%s does not apply to %s.%s (%s)", a.Op, t.ID, col.ID, col.Type.Kind)
		}
		x := c.columnSQL(t, "t", col, col.ID)
		b.WriteString(", ")
		switch a.Op {
		case AggSum, AggMin, AggMax:
			f := map[AggOp]string{AggSum: "SUM", AggMin: "MIN", AggMax: "MAX"}[a.Op]
			if col.Type.Kind == schema.KindNumeric || a.Op == AggSum {
				b.WriteString("CAST(" + f + "(" + x + ") AS DOUBLE PRECISION)")
			} else {
				b.WriteString(f + "(" + x + ")")
			}
		case AggAvg:
			b.WriteString("CAST(AVG(" + x + ") AS DOUBLE PRECISION)")
		case AggCountEmpty, AggPercentageEmpty:
			b.WriteString("CAST(COALESCE(SUM(CASE WHEN " + c.emptyCond(x, col) + " THEN 1 ELSE 0 END), 0) AS BIGINT)")
		case AggCountNotEmpty, AggPercentageNotEmpty:
			b.WriteString("CAST(COALESCE(SUM(CASE WHEN " + c.emptyCond(x, col) + " THEN 0 ELSE 1 END), 0) AS BIGINT)")
		case AggCountUniqueValues:
			b.WriteString("CAST(COUNT(DISTINCT " + x + ") AS BIGINT)")
		default:
			return "", rowhouse.Invalidf("unknown aggregate %q", a.Op)
		}
	}
	return b.String(), nil
}

// aggregateValues turns the scanned statistics into answers: sums,
// averages and percentages as float64 (nil over no rows, for sum and
// avg), counts as int64, min and max as the column's values.
func aggregateValues(t *schema.Table, aggs []Aggregate, total int64, raw []any) ([]any, error) {
	out := make([]any, len(aggs))
	for i, a := range aggs {
		v := raw[i]
		switch a.Op {
		case AggPercentageEmpty, AggPercentageNotEmpty:
			n, ok := v.(int64)
			if !ok {
				return nil, fmt.Errorf("aggregate %s: got %T", a.Op, v)
			}
			if total == 0 {
				out[i] = float64(0)
			} else {
				out[i] = float64(n) * 100 / float64(total)
			}
		case AggMin, AggMax:
			col := t.Column(a.Column)
			if col.Type.Kind == schema.KindNumeric {
				out[i] = v // float64 or nil
			} else {
				out[i] = col.Type.Decode(v)
			}
		default:
			out[i] = v
		}
	}
	return out, nil
}
