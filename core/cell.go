package core

import (
	"strconv"

	"github.com/rowhouse/rowhouse/internal/jsonenc"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/store"
)

// Cell is one cell of a row read: the value as the engine stored it,
// unboxed (store.Cell), or, for a cell whose value does not fit its
// column's type, the value kept beside the row (Grist's "alt text"),
// already in JSON form, in Other as an altValue. A page of cells costs no
// allocation per number, where []any cost one per number and two per
// string: AppendJSON writes the common cells straight from it.
type Cell store.Cell

// altValue is an alt value in a Cell's Other.
type altValue struct{ v any }

// altCell is the cell of an alt value.
func altCell(v any) Cell { return Cell{Kind: store.CellOther, Other: altValue{v}} }

// Alt reports whether the cell holds the value kept beside the row (as
// Value gives it) rather than a stored one.
func (c *Cell) Alt() bool {
	_, ok := c.Other.(altValue)
	return ok && c.Kind == store.CellOther
}

// RefID is the record id the cell holds as a Ref column decodes it, or 0
// for none, without boxing the common cell (an integer).
func (c *Cell) RefID() int64 {
	if c.Kind == store.CellInt {
		return c.Int
	}
	id, _ := c.Value(refType, false).(int64)
	return id
}

// refType is the type whose decoding reads a Ref cell's id.
var refType = schema.Type{Kind: schema.KindRef}

// Value is the cell as a JSON value of its column's type t: in Grist's
// normal format, or its typed format (cellFormat=typed).
func (c *Cell) Value(t schema.Type, typed bool) any {
	if c.Alt() {
		return c.Other.(altValue).v
	}
	if typed {
		return t.DecodeTyped((*store.Cell)(c).Value())
	}
	return t.Decode((*store.Cell)(c).Value())
}

// AppendJSON appends Value(t, typed) to b as json.Marshal writes it. The
// cells that are stored as their type reads them (a text in a Text
// column, an integer in an Int column, ...) are written without going
// through an interface; the others are decoded first.
func (c *Cell) AppendJSON(b []byte, t schema.Type, typed bool) ([]byte, error) {
	switch k := t.Kind; c.Kind {
	case store.CellNull:
		return append(b, "null"...), nil
	case store.CellText:
		if k == schema.KindText || k == schema.KindChoice {
			return jsonenc.AppendString(b, c.Text), nil
		}
	case store.CellInt:
		switch {
		case k == schema.KindInt, (k == schema.KindRef || k == schema.KindDate) && !typed:
			return strconv.AppendInt(b, c.Int, 10), nil
		case k == schema.KindBool:
			return strconv.AppendBool(b, c.Int != 0), nil
		}
	case store.CellFloat:
		if k == schema.KindNumeric {
			if out, ok := jsonenc.AppendFloat(b, c.Float); ok {
				return out, nil
			}
		}
	}
	return jsonenc.AppendValue(b, c.Value(t, typed))
}
