package core

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rowhouse/rowhouse/schema"
)

// appendRecordsJSON writes what json.Marshal writes, whatever the cells.
func TestAppendRecordsJSON(t *testing.T) {
	cells := []any{nil, "", "plain", `"quoted" \ <b>&amp;</b>`, "\u2028\x01\xff", true, false, int64(-42), int64(1 << 62),
		0.0, -0.0, 1.5, 1e-7, 1e21, 123456789.125, json.Number("12.50"), []any{"L", int64(1)}, []any{}, map[string]any{"a": 1},
		[]string{"x"}, int(7)}
	rng := rand.New(rand.NewPCG(1, 2))
	key := func() string { return string(rune('a'+rng.IntN(26))) + "<&"[:rng.IntN(3)] }
	for round := range 400 {
		recs := make([]Record, rng.IntN(6))
		var shared []string // odd rounds: records mostly share their keys, as an event's do
		for range rng.IntN(6) {
			shared = append(shared, key())
		}
		for i := range recs {
			recs[i].ID = rng.Int64N(1000)
			if rng.IntN(10) == 0 {
				continue // nil fields
			}
			recs[i].Fields = map[string]any{}
			if round%2 == 1 && rng.IntN(4) > 0 {
				for _, k := range shared {
					recs[i].Fields[k] = cells[rng.IntN(len(cells))]
				}
				if len(shared) > 0 && rng.IntN(3) == 0 { // as many keys, one of them another
					delete(recs[i].Fields, shared[rng.IntN(len(shared))])
					recs[i].Fields[key()] = nil
				}
				continue
			}
			for range rng.IntN(6) {
				recs[i].Fields[key()] = cells[rng.IntN(len(cells))]
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

// BenchmarkAppendRecordsJSON measures an update event's records: 100 of
// ten columns, as a PATCH of 100 writes before and after.
func BenchmarkAppendRecordsJSON(b *testing.B) {
	recs := make([]Record, 100)
	for i := range recs {
		recs[i] = Record{ID: int64(i + 1), Fields: map[string]any{"c_text": "row alpha", "c_int": int64(i), "c_num": 1.25, "c_bool": true,
			"c_date": int64(1700000000), "c_choice": "b", "c_email": "u@example.com", "c_int2": int64(7), "c_note": "a note", "c_num2": 3.5}}
	}
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		var err error
		if buf, err = appendRecordsJSON(buf[:0], recs); err != nil {
			b.Fatal(err)
		}
	}
}

// appendRawJSON writes a stored row as appendRecordsJSON writes its
// record, whatever the columns' types, their ids' order and the alt values.
func TestAppendRawJSON(t *testing.T) {
	var cols []*schema.Column
	for i, ts := range []string{"Text", "Int", "Numeric", "Bool", "Date", "DateTime:UTC", "Choice", "ChoiceList", "Ref:T", "RefList:T", "Attachments", "Any"} {
		typ, err := schema.ParseType(ts)
		if err != nil {
			t.Fatal(err)
		}
		cols = append(cols, &schema.Column{ID: string(rune('z'-i)) + "<&"[:i%3], Type: typ}) // ids not in the columns' order
	}
	vals := []any{nil, "", "text", `"q" \ <b>`, int64(0), int64(-7), int64(1 << 60), 0.5, -1e21, 3.0, true, false,
		`["L",1,2]`, `["L","a"]`, `{"a":1}`, "12", []byte("bytes")}
	rng := rand.New(rand.NewPCG(3, 4))
	order := byID(cols)
	for round := range 500 {
		r := rawRow{id: rng.Int64N(1 << 40), vals: make([]any, len(cols))}
		for i := range r.vals {
			r.vals[i] = vals[rng.IntN(len(vals))]
		}
		if rng.IntN(2) == 0 {
			r.alt = map[string]any{}
			for range rng.IntN(3) {
				r.alt[cols[rng.IntN(len(cols))].ID] = vals[rng.IntN(len(vals))]
			}
			r.alt["not a column"] = "ignored"
		}
		want, err := appendRecordsJSON(nil, []Record{r.record(cols)})
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendRawJSON([]byte{'['}, r, cols, order)
		if err != nil {
			t.Fatal(err)
		}
		if got = append(got, ']'); string(got) != string(want) {
			t.Fatalf("round %d: %s\nwant %s", round, got, want)
		}
	}
}
