package core

import (
	"encoding/json"
	"math"
	"sync"
	"testing"
	"time"

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
// pool cleared, however much of each it used, so that the pool keeps no
// text alive. (sync.Pool may drop what is put, under the race detector
// on purpose: the read is tried again until the chunk comes back.)
func TestClosedChunksAreZero(t *testing.T) {
	for _, used := range []int{1, 3, cellsPerChunk - 1, cellsPerChunk + 5} {
		for try := 0; ; try++ {
			var pool sync.Pool
			r := &Rows{pool: &pool}
			for n := 0; n < used; n++ {
				if cap(r.slab)-len(r.slab) < 1 {
					r.slab = r.chunk(1)
				}
				r.slab = append(r.slab, Cell{Kind: store.CellText, Text: "kept alive?"})
			}
			r.Close()
			var got []*[]Cell
			for {
				c, _ := pool.Get().(*[]Cell)
				if c == nil {
					break
				}
				got = append(got, c)
			}
			if len(got) < (used+cellsPerChunk-1)/cellsPerChunk {
				if try < 100 {
					continue
				}
				t.Fatalf("%d cells: the pool kept %d chunks", used, len(got))
			}
			for _, c := range got {
				if len(*c) != 0 {
					t.Errorf("%d cells: a chunk came back with length %d", used, len(*c))
				}
				for i, cell := range (*c)[:cap(*c)] {
					if cell != (Cell{}) {
						t.Fatalf("%d cells: cell %d of a pooled chunk holds %+v", used, i, cell)
					}
				}
			}
			break
		}
	}
}
