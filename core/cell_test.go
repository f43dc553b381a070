package core

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/rowhouse/rowhouse/internal/chunk"
	"github.com/rowhouse/rowhouse/internal/jsonenc"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/store"
)

// cellTypes are a column type of each kind.
var cellTypes = []string{"Text", "Numeric", "Int", "Bool", "Date", "DateTime:America/New_York", "Choice", "ChoiceList", "Ref:People", "RefList:People", "Attachments", "Any"}

// checkCellJSON fails t unless c's AppendJSON writes, for every column
// type and both formats, exactly the JSON of its Value: the fast paths
// must not differ from decoding. Its RefID must be what a Ref column
// decodes.
func checkCellJSON(t *testing.T, c Cell) {
	t.Helper()
	if want, _ := c.Value(refType, false).(int64); c.RefID() != want {
		t.Errorf("cell %+v: RefID() = %d, a Ref column decodes %d", c, c.RefID(), want)
	}
	for _, ts := range cellTypes {
		typ, err := schema.ParseType(ts)
		if err != nil {
			t.Fatal(err)
		}
		for _, typed := range []bool{false, true} {
			want, wantErr := jsonenc.AppendValue([]byte("x"), c.Value(typ, typed))
			got, err := c.AppendJSON([]byte("x"), typ, typed)
			if (err != nil) != (wantErr != nil) || string(got) != string(want) {
				t.Errorf("%s typed=%v, cell %+v: AppendJSON = %s, %v; JSON of Value = %s, %v", ts, typed, c, got, err, want, wantErr)
			}
		}
	}
}

func TestCellAppendJSON(t *testing.T) {
	for _, c := range []Cell{
		{},
		{Kind: store.CellInt, Int: 0},
		{Kind: store.CellInt, Int: 1},
		{Kind: store.CellInt, Int: -7},
		{Kind: store.CellInt, Int: math.MaxInt64},
		{Kind: store.CellInt, Int: 1_700_000_000},
		{Kind: store.CellFloat, Float: 2.5},
		{Kind: store.CellFloat, Float: 3},
		{Kind: store.CellFloat, Float: math.Copysign(0, -1)},
		{Kind: store.CellFloat, Float: 1e-7},
		{Kind: store.CellFloat, Float: 1e21},
		{Kind: store.CellFloat, Float: math.NaN()},
		{Kind: store.CellFloat, Float: math.Inf(-1)},
		{Kind: store.CellText, Text: ""},
		{Kind: store.CellText, Text: "plain"},
		{Kind: store.CellText, Text: `<a href="x">&amp;</a>`},
		{Kind: store.CellText, Text: "bad \xff utf-8\n"},
		{Kind: store.CellText, Text: "42"},
		{Kind: store.CellText, Text: "true"},
		{Kind: store.CellText, Text: "2024-02-29"},
		{Kind: store.CellText, Text: `["L","a","b"]`},
		{Kind: store.CellText, Text: `["L",1,2]`},
		{Kind: store.CellText, Text: `{"k":[1,"x"]}`},
		{Kind: store.CellBlob, Text: "\x00\x01"},
		{Kind: store.CellOther, Other: true},
		{Kind: store.CellOther, Other: time.Date(2024, 2, 29, 13, 4, 5, 0, time.UTC)},
		altCell("kept beside the row"),
		altCell(json.Number("12.50")),
		altCell([]any{"E", "TypeError"}),
	} {
		checkCellJSON(t, c)
	}
}

// The fast paths are what a page is mostly made of: they must not
// allocate.
func TestCellAppendJSONAllocations(t *testing.T) {
	b := make([]byte, 0, 256)
	for _, x := range []struct {
		typ string
		c   Cell
	}{
		{"Text", Cell{Kind: store.CellText, Text: "plain"}},
		{"Int", Cell{Kind: store.CellInt, Int: 1 << 40}},
		{"Ref:People", Cell{Kind: store.CellInt, Int: 1 << 40}},
		{"Numeric", Cell{Kind: store.CellFloat, Float: 1.25}},
		{"Bool", Cell{Kind: store.CellInt, Int: 1}},
		{"Date", Cell{Kind: store.CellInt, Int: 1_700_000_000}},
		{"Numeric", Cell{}},
	} {
		typ, _ := schema.ParseType(x.typ)
		if n := testing.AllocsPerRun(100, func() { x.c.AppendJSON(b[:0], typ, false) }); n != 0 {
			t.Errorf("%s %+v: %v allocations", x.typ, x.c, n)
		}
	}
}

// FuzzCellAppendJSON: whatever a cell holds, AppendJSON writes the JSON of
// its Value. The seed corpus is in testdata/fuzz/FuzzCellAppendJSON.
func FuzzCellAppendJSON(f *testing.F) {
	f.Add(uint8(store.CellText), int64(0), 0.0, "plain")
	f.Add(uint8(store.CellInt), int64(-3), 0.0, "")
	f.Add(uint8(store.CellFloat), int64(0), 1e-7, "")
	f.Fuzz(func(t *testing.T, kind uint8, i int64, fl float64, s string) {
		c := Cell{Kind: store.CellKind(kind % uint8(store.CellOther)), Int: i, Float: fl, Text: s}
		checkCellJSON(t, c)
	})
}

// TestClosedChunksAreZero: a read hands its chunks of cells back to the
// pool on Close, so that the next read reuses them; the chunk package
// checks that they come back cleared, however much of each was used.
func TestClosedChunksAreZero(t *testing.T) {
	for _, used := range []int{1, 3, cellsPerChunk - 1, cellsPerChunk + 5} {
		r := &Rows{cells: chunk.Set[Cell]{Pool: &chunk.Pool[Cell]{Size: cellsPerChunk}}}
		for range used {
			r.cells.Alloc(1)[0] = Cell{Kind: store.CellText, Text: "kept alive?"}
		}
		if want := (used + cellsPerChunk - 1) / cellsPerChunk; r.cells.Chunks() != want {
			t.Fatalf("%d cells: %d chunks taken, want %d", used, r.cells.Chunks(), want)
		}
		r.Close()
		if n := r.cells.Chunks(); n != 0 {
			t.Errorf("%d cells: the read holds %d chunks after Close", used, n)
		}
	}
}
