package bench

import (
	"math/rand/v2"
	"strconv"
)

// The Bench table: ten typed columns, in the order records carry them.
// c_choice takes one of twenty values, so the page scenario's filter
// (c_choice = "b") selects about 5% of the rows: 5,000 of the default
// 100,000, enough that the sort has real work to do.
var benchColumns = [...]struct{ id, typ string }{
	{"c_text", "Text"},
	{"c_int", "Int"},
	{"c_num", "Numeric"},
	{"c_bool", "Bool"},
	{"c_date", "Date"},
	{"c_choice", "Choice"},
	{"c_email", "Text"},
	{"c_int2", "Int"},
	{"c_num2", "Numeric"},
	{"c_note", "Text"},
}

const choices = "abcdefghijklmnopqrst"

// words are plain ASCII, so generated text needs no JSON escaping.
var words = [...]string{
	"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
	"india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
	"quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray",
	"yankee", "zulu", "row", "house", "table", "column",
}

// tableSpec is the body of POST /api/docs/{doc}/tables that creates the
// Bench table. widgetOptions is JSON text inside JSON, as Grist expects.
func tableSpec(id string) []byte {
	b := []byte(`{"tables":[{"id":`)
	b = strconv.AppendQuote(b, id)
	b = append(b, `,"columns":[`...)
	for i, c := range benchColumns {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":"`...)
		b = append(b, c.id...)
		b = append(b, `","fields":{"type":"`...)
		b = append(b, c.typ...)
		b = append(b, '"')
		if c.typ == "Choice" {
			opts := []byte(`{"choices":[`)
			for j := range len(choices) {
				if j > 0 {
					opts = append(opts, ',')
				}
				opts = append(opts, '"', choices[j], '"')
			}
			opts = append(opts, "]}"...)
			b = append(b, `,"widgetOptions":`...)
			b = strconv.AppendQuote(b, string(opts))
		}
		b = append(b, "}}"...)
	}
	return append(b, "]}]}"...)
}

// generator makes the records bulk-add and mixed write. Seeded, it makes
// the same records in the same order on every run, so runs against
// different servers or versions load the same data.
type generator struct {
	rng *rand.Rand
	n   int64 // records made so far
}

func newGenerator(seed, stream uint64) *generator {
	return &generator{rng: rand.New(rand.NewPCG(seed, stream))}
}

// appendAddBody appends the body of POST .../records with n new records.
func (g *generator) appendAddBody(b []byte, n int) []byte {
	b = append(b, `{"records":[`...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = g.appendFields(b)
	}
	return append(b, "]}"...)
}

// appendFields appends one record, {"fields":{...}}.
func (g *generator) appendFields(b []byte) []byte {
	r := g.rng
	g.n++
	b = append(b, `{"fields":{"c_text":"`...)
	b = append(b, words[r.IntN(len(words))]...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, g.n, 10)
	b = append(b, `","c_int":`...)
	b = strconv.AppendInt(b, int64(r.IntN(1_000_000)), 10)
	b = append(b, `,"c_num":`...)
	b = strconv.AppendFloat(b, float64(r.IntN(100_000))/100, 'f', -1, 64)
	b = append(b, `,"c_bool":`...)
	b = strconv.AppendBool(b, r.IntN(2) == 1)
	b = append(b, `,"c_date":`...)
	b = strconv.AppendInt(b, 946684800+int64(r.IntN(11_000))*86400, 10) // UTC midnights from 2000-01-01
	b = append(b, `,"c_choice":"`...)
	b = append(b, choices[r.IntN(len(choices))])
	b = append(b, `","c_email":"user`...)
	b = strconv.AppendInt(b, int64(r.IntN(100_000)), 10)
	b = append(b, `@example.com","c_int2":`...)
	b = strconv.AppendInt(b, int64(r.IntN(100)), 10)
	b = append(b, `,"c_num2":`...)
	b = strconv.AppendFloat(b, float64(r.IntN(2_000_000)-1_000_000)/1000, 'f', -1, 64)
	b = append(b, `,"c_note":"`...)
	b = g.appendNote(b)
	return append(b, `"}}`...)
}

// appendNote appends three to eight words.
func (g *generator) appendNote(b []byte) []byte {
	n := 3 + g.rng.IntN(6)
	for i := range n {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, words[g.rng.IntN(len(words))]...)
	}
	return b
}

// appendPatchBody appends the body of PATCH .../records that changes two
// columns (c_num2 and c_note) of the records ids.
func (g *generator) appendPatchBody(b []byte, ids []int64) []byte {
	b = append(b, `{"records":[`...)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, id, 10)
		b = append(b, `,"fields":{"c_num2":`...)
		b = strconv.AppendFloat(b, float64(g.rng.IntN(2_000_000)-1_000_000)/1000, 'f', -1, 64)
		b = append(b, `,"c_note":"`...)
		b = g.appendNote(b)
		b = append(b, `"}}`...)
	}
	return append(b, "]}"...)
}

// pickIDs returns n distinct random ids in [lo, hi] in ids' storage, or
// every id of the range when it holds n or fewer.
func pickIDs(rng *rand.Rand, ids []int64, n int, lo, hi int64) []int64 {
	span := hi - lo + 1
	ids = ids[:0]
	if span <= int64(n) {
		for id := lo; id <= hi; id++ {
			ids = append(ids, id)
		}
		return ids
	}
next:
	for len(ids) < n {
		id := lo + rng.Int64N(span)
		for _, have := range ids {
			if have == id {
				continue next
			}
		}
		ids = append(ids, id)
	}
	return ids
}
