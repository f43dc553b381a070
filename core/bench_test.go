package core_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse/core"
	"github.com/rowhouse/rowhouse/query"
)

// benchColumns is the 10-column table of the load scenarios.
var benchColumns = []core.ColumnSpec{
	{ID: "name"}, {ID: "qty", Type: "Int"}, {ID: "price", Type: "Numeric"}, {ID: "active", Type: "Bool"},
	{ID: "day", Type: "Date"}, {ID: "kind", Type: "Choice"}, {ID: "email"}, {ID: "rank", Type: "Int"},
	{ID: "score", Type: "Numeric"}, {ID: "note"},
}

func benchRow(i int) map[string]any {
	return map[string]any{
		"name": fmt.Sprintf("name %d", i), "qty": json.Number(fmt.Sprint(i % 1000)), "price": json.Number(fmt.Sprint(float64(i) / 7)),
		"active": i%2 == 0, "day": json.Number(fmt.Sprint(1700000000 - 1700000000%86400 + (i%365)*86400)), "kind": []string{"a", "b", "c"}[i%3],
		"email": fmt.Sprintf("user%d@example.com", i), "rank": json.Number(fmt.Sprint(i)), "score": json.Number("3.5"), "note": "some note text",
	}
}

// BenchmarkAddRecords measures the core's bulk add: batches of 1000 rows
// of 10 columns, each batch one Apply (one transaction, with its event).
func BenchmarkAddRecords(b *testing.B) {
	d := openDoc(b)
	apply(b, d, core.AddTable{ID: "Bench", Columns: benchColumns})
	rows := make([]core.Row, 1000)
	for i := range rows {
		rows[i] = core.Row{Fields: benchRow(i)}
	}
	b.ResetTimer()
	for b.Loop() {
		apply(b, d, core.AddRecords{Table: "Bench", Rows: rows})
	}
	b.ReportMetric(float64(b.N*len(rows))/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkRawInsert is the floor: the same rows inserted with the bare
// driver, multi-row INSERTs of 100 rows per transaction, no events.
func BenchmarkRawInsert(b *testing.B) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(b.TempDir(), "raw.db")+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, qty INTEGER, price REAL, active INTEGER, day INTEGER, kind TEXT, email TEXT, rank INTEGER, score REAL, note TEXT)`); err != nil {
		b.Fatal(err)
	}
	stmt := `INSERT INTO t (name, qty, price, active, day, kind, email, rank, score, note) VALUES ` + strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?,?,?),", 100), ",")
	args := make([]any, 0, 1000)
	for i := 0; i < 100; i++ {
		args = append(args, fmt.Sprintf("name %d", i), i%1000, float64(i)/7, i%2 == 0, 1700000000+i, "b", fmt.Sprintf("user%d@example.com", i), i, 3.5, "some note text")
	}
	b.ResetTimer()
	for b.Loop() {
		tx, err := db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(stmt, args...); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkQueryPage reads a filtered, sorted page of 100 from 100k rows
// into Go values (Values), as the surfaces that build values do.
func BenchmarkQueryPage(b *testing.B) { benchmarkQueryPage(b, false) }

// BenchmarkQueryPageJSON reads the same page as JSON (AppendJSON), as the
// REST records endpoint writes it.
func BenchmarkQueryPageJSON(b *testing.B) { benchmarkQueryPage(b, true) }

func benchmarkQueryPage(b *testing.B, asJSON bool) {
	d := openDoc(b)
	apply(b, d, core.AddTable{ID: "Bench", Columns: benchColumns})
	rows := make([]core.Row, 1000)
	for k := 0; k < 100; k++ {
		for i := range rows {
			rows[i] = core.Row{Fields: benchRow(k*1000 + i)}
		}
		apply(b, d, core.AddRecords{Table: "Bench", Rows: rows})
	}
	f, err := query.ParseFilter(`kind[eq]:"b"`)
	if err != nil {
		b.Fatal(err)
	}
	sel := core.Select{Table: "Bench", Filter: f, Sort: []query.SortKey{{Path: []string{"rank"}, Desc: true}}, Limit: 100}
	var vals []any
	var out []byte
	b.ResetTimer()
	for b.Loop() {
		r, err := d.Query(context.Background(), sel)
		if err != nil {
			b.Fatal(err)
		}
		out = out[:0]
		for r.Next() {
			if !asJSON {
				vals = r.Values(vals, false)
				continue
			}
			for i := range r.Columns {
				if out, err = r.AppendJSON(out, i, false); err != nil {
					b.Fatal(err)
				}
			}
		}
		r.Close()
	}
}

// BenchmarkUpsertByUniqueKey measures re-importing by a key column (as
// rowhouse import --key-column does): batches of 500 upserts matched by a
// unique column on a 20,000-row table. Each match must be an index lookup,
// not a scan of the table.
func BenchmarkUpsertByUniqueKey(b *testing.B) { benchmarkUpsertByKey(b, true) }

// BenchmarkUpsertByKey is BenchmarkUpsertByUniqueKey with a key column
// not marked unique (as Grist's API leaves every column): the batch's
// matching must cost about the same.
func BenchmarkUpsertByKey(b *testing.B) { benchmarkUpsertByKey(b, false) }

func benchmarkUpsertByKey(b *testing.B, unique bool) {
	_, docs, d := newDoc(b, core.Options{})
	cols := append([]core.ColumnSpec{{ID: "key", IsUnique: unique}}, benchColumns...)
	apply(b, d, core.AddTable{ID: "Bench", Columns: cols})
	const n = 20_000
	for start := 0; start < n; start += 1000 {
		rows := make([]core.Row, 1000)
		for i := range rows {
			f := benchRow(start + i)
			f["key"] = fmt.Sprintf("K%06d", start+i)
			rows[i] = core.Row{Fields: f}
		}
		apply(b, d, core.AddRecords{Table: "Bench", Rows: rows})
	}
	ups := make([]core.Upsert, 500)
	defer docs.Wait() // the key's index, when one is built
	b.ResetTimer()
	k := 0
	for b.Loop() {
		for i := range ups {
			ups[i] = core.Upsert{Require: map[string]any{"key": fmt.Sprintf("K%06d", k%n)}, Fields: map[string]any{"note": "changed"}}
			k += 37
		}
		apply(b, d, core.AddOrUpdateRecords{Table: "Bench", Records: ups})
	}
	b.ReportMetric(float64(b.N*len(ups))/b.Elapsed().Seconds(), "records/s")
}
