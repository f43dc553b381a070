package store

import (
	"fmt"
	"time"
)

// CellKind is the form a Cell's value has.
type CellKind uint8

// The forms of a Cell's value.
const (
	CellNull  CellKind = iota // NULL
	CellInt                   // Int holds the value
	CellFloat                 // Float holds the value
	CellText                  // Text holds the value
	CellBlob                  // Text holds the blob's bytes
	CellOther                 // Other holds the value: a bool or a time.Time
)

// Cell is a Scan destination that takes a column's value as the engine
// holds it without boxing it in an interface: reading a page into *any
// cost an allocation per number and two per string. Every engine's Rows
// and Row accept a *Cell in Scan; Value is what a *any would have taken.
type Cell struct {
	Kind  CellKind
	Int   int64
	Float float64
	// Text is a text's value, or a blob's bytes.
	Text string
	// Other is a value of another type (bool or time.Time, which
	// PostgreSQL's BOOLEAN and TIMESTAMP columns give).
	Other any
}

// Value is the cell as Scan into a *any gives it: nil, int64, float64,
// string, []byte, or Other.
func (c *Cell) Value() any {
	switch c.Kind {
	case CellInt:
		return c.Int
	case CellFloat:
		return c.Float
	case CellText:
		return c.Text
	case CellBlob:
		return []byte(c.Text)
	case CellOther:
		return c.Other
	}
	return nil
}

// Set makes c hold v, a value as Scan into a *any gives it, for an engine
// that reads values boxed.
func (c *Cell) Set(v any) error {
	*c = Cell{}
	switch x := v.(type) {
	case nil:
	case int64:
		c.Kind, c.Int = CellInt, x
	case float64:
		c.Kind, c.Float = CellFloat, x
	case string:
		c.Kind, c.Text = CellText, x
	case []byte:
		c.Kind, c.Text = CellBlob, string(x)
	case bool, time.Time:
		c.Kind, c.Other = CellOther, x
	default:
		return fmt.Errorf("converting %T to a cell is unsupported", v)
	}
	return nil
}
