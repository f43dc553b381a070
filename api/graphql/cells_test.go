package graphql

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/store"
)

// TestWriteCell: for every column type, the cells writeCell writes itself
// come out exactly as through their decoded value.
func TestWriteCell(t *testing.T) {
	cells := []store.Cell{
		{},
		{Kind: store.CellInt, Int: 0},
		{Kind: store.CellInt, Int: 1},
		{Kind: store.CellInt, Int: -1 << 40},
		{Kind: store.CellInt, Int: 1_700_000_000},
		{Kind: store.CellFloat, Float: 2.5},
		{Kind: store.CellFloat, Float: 1e21},
		{Kind: store.CellFloat, Float: 1e-7},
		{Kind: store.CellFloat, Float: math.NaN()},
		{Kind: store.CellFloat, Float: math.Inf(1)},
		{Kind: store.CellText, Text: "plain"},
		{Kind: store.CellText, Text: `<"quoted"> & bad \xff`},
		{Kind: store.CellText, Text: "12"},
		{Kind: store.CellText, Text: `["L","a",2]`},
		{Kind: store.CellBlob, Text: "\x00"},
	}
	for _, ts := range []string{"Text", "Numeric", "Int", "Bool", "Date", "DateTime:UTC", "Choice", "ChoiceList", "Ref:People", "RefList:People", "Attachments", "Any"} {
		typ, err := schema.ParseType(ts)
		if err != nil {
			t.Fatal(err)
		}
		col := &schema.Column{ID: "c", Type: typ}
		for _, sc := range cells {
			c := core.Cell(sc)
			var got, want bytes.Buffer
			gotRaw, gotOK := writeCell(&got, col, &c)
			wantRaw, wantOK := writeDecoded(&want, col, &c)
			if got.String() != want.String() || gotOK != wantOK || (!gotOK && fmt.Sprintf("%#v", gotRaw) != fmt.Sprintf("%#v", wantRaw)) {
				t.Errorf("%s %+v: writeCell %s %v %#v; decoded %s %v %#v", ts, sc, &got, gotOK, gotRaw, &want, wantOK, wantRaw)
			}
			if typ.Kind == schema.KindRef {
				want, _ := c.Value(typ, false).(int64)
				if id := c.RefID(); id != want {
					t.Errorf("RefID of %+v = %d, want %d", sc, id, want)
				}
			}
			if typ.Kind == schema.KindText {
				want, _ := c.Value(typ, false).(string)
				if s := cellText(col, &c); s != want {
					t.Errorf("cellText(%+v) = %q, want %q", sc, s, want)
				}
			}
		}
	}
}
