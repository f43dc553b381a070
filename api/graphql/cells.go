package graphql

import (
	"bytes"
	"math"
	"strconv"

	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/store"
)

// The cells of records are kept as the core read them (core.Cell, no
// interface per value) and written from there: the common ones, a text in
// a Text column or an integer in an Int or Ref column, without decoding.

// cellText is a Text or Choice cell's text, or "" when it holds none.
func cellText(col *schema.Column, c *core.Cell) string {
	if !c.Alt() && c.Kind == store.CellText {
		return c.Text
	}
	s, _ := c.Value(col.Type, false).(string)
	return s
}

// writeCell writes a column's cell as its GraphQL scalar shows it. ok is
// false when the cell holds a value that does not fit the column's type
// (what outValue makes of it is written); raw is then that value, for the
// error.
func writeCell(b *bytes.Buffer, col *schema.Column, c *core.Cell) (raw any, ok bool) {
	if !c.Alt() {
		switch k := col.Type.Kind; c.Kind {
		case store.CellNull:
			b.WriteString("null")
			return nil, true
		case store.CellText:
			if k == schema.KindText || k == schema.KindChoice {
				writeString(b, c.Text)
				return nil, true
			}
		case store.CellInt:
			switch k {
			case schema.KindInt, schema.KindRef:
				b.Write(strconv.AppendInt(b.AvailableBuffer(), c.Int, 10))
				return nil, true
			case schema.KindBool:
				b.Write(strconv.AppendBool(b.AvailableBuffer(), c.Int != 0))
				return nil, true
			}
		case store.CellFloat:
			if k == schema.KindNumeric && !math.IsNaN(c.Float) && !math.IsInf(c.Float, 0) {
				b.Write(strconv.AppendFloat(b.AvailableBuffer(), c.Float, 'g', -1, 64))
				return nil, true
			}
		}
	}
	return writeDecoded(b, col, c)
}

// writeDecoded is writeCell through the cell's decoded value: for every
// cell that writeCell does not write itself, and the reference its tests
// hold it to.
func writeDecoded(b *bytes.Buffer, col *schema.Column, c *core.Cell) (raw any, ok bool) {
	raw = c.Value(col.Type, false)
	v, ok := outValue(col, raw)
	writeJSON(b, v)
	return raw, ok
}
