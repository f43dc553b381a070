package core

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// appendRecordsJSON writes what json.Marshal writes, whatever the cells.
func TestAppendRecordsJSON(t *testing.T) {
	cells := []any{nil, "", "plain", `"quoted" \ <b>&amp;</b>`, "\u2028\x01\xff", true, false, int64(-42), int64(1 << 62),
		0.0, -0.0, 1.5, 1e-7, 1e21, 123456789.125, json.Number("12.50"), []any{"L", int64(1)}, []any{}, map[string]any{"a": 1},
		[]string{"x"}, int(7)}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		recs := make([]Record, rng.IntN(4))
		for i := range recs {
			recs[i].ID = rng.Int64N(1000)
			if rng.IntN(10) == 0 {
				continue // nil fields
			}
			recs[i].Fields = map[string]any{}
			for range rng.IntN(6) {
				recs[i].Fields[string(rune('a'+rng.IntN(26)))+"<&"[:rng.IntN(3)]] = cells[rng.IntN(len(cells))]
			}
		}
		want, err := json.Marshal(recs)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendRecordsJSON(nil, recs)
		if err != nil || string(got) != string(want) {
			t.Fatalf("round %d: %s, %v\nwant %s", round, got, err, want)
		}
	}
	if _, err := appendRecordsJSON(nil, []Record{{ID: 1, Fields: map[string]any{"x": math.NaN()}}}); err == nil {
		t.Fatal("NaN encoded")
	}
}
