package sqlite

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse/store"
)

// The floor benchmarks run the statements of two load scenarios straight
// through this package's connections, with nothing of Rowhouse around
// them: no HTTP, no JSON, no schema, 16 goroutines. They are the most any
// server built on this storage can answer on the machine, and so tell how
// much of a scenario's cost is the database's own.

// floorDB opens a fresh database with the statements' tables.
func floorDB(b *testing.B, ddl ...string) *db {
	b.Helper()
	d, err := openDB(b.Context(), filepath.Join(b.TempDir(), "floor.db"), false, true)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	for _, s := range ddl {
		if _, err := d.Exec(b.Context(), s); err != nil {
			b.Fatal(err)
		}
	}
	return d
}

// scanAll reads every row of a query into Go values, as a server must.
func scanAll(b *testing.B, d *db, q string, args ...any) int {
	rows, err := d.Query(b.Context(), q, args...)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return n
}

// fill runs statements in one write transaction.
func fill(b *testing.B, d *db, f func(tx store.Tx)) {
	tx, err := d.BeginWrite(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	f(tx)
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

// BenchmarkFloorTree is the GraphQL 100 x 10 x 1 tree's three statements
// (api/graphql BenchmarkTreeGraphQL) with only the columns it shows.
func BenchmarkFloorTree(b *testing.B) {
	db := floorDB(b,
		`CREATE TABLE Companies (id INTEGER PRIMARY KEY, _rh_alt TEXT, name TEXT)`,
		`CREATE TABLE Cities (id INTEGER PRIMARY KEY, _rh_alt TEXT, name TEXT)`,
		`CREATE TABLE People (id INTEGER PRIMARY KEY, _rh_alt TEXT, name TEXT, Company INTEGER, city INTEGER)`,
		`CREATE INDEX people_company ON People (Company)`)
	ctx := b.Context()
	fill(b, db, func(tx store.Tx) {
		for i := 1; i <= 100; i++ {
			tx.Exec(ctx, `INSERT INTO Companies (id, name) VALUES (?, ?)`, i, fmt.Sprintf("C%03d", i))
			for j := range 10 {
				n := (i-1)*10 + j + 1
				tx.Exec(ctx, `INSERT INTO Cities (id, name) VALUES (?, ?)`, n, fmt.Sprint("City", n))
				tx.Exec(ctx, `INSERT INTO People (id, name, Company, city) VALUES (?, ?, ?, ?)`, n, fmt.Sprint("P", n), i, n)
			}
		}
	})
	parents, children := make([]any, 100), make([]any, 1000)
	for i := range parents {
		parents[i] = int64(i + 1)
	}
	for i := range children {
		children[i] = int64(i + 1)
	}
	qPeople := `SELECT id, _rh_alt, Company, name, city FROM People WHERE Company IN (` + placeholders(100) + `) ORDER BY id`
	qCities := `SELECT id, _rh_alt, name FROM Cities WHERE id IN (` + placeholders(1000) + `) ORDER BY id`
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := scanAll(b, db, `SELECT id, _rh_alt, name FROM Companies ORDER BY id LIMIT 101`) +
				scanAll(b, db, qPeople, parents...) + scanAll(b, db, qCities, children...)
			if n != 2100 {
				b.Fatalf("%d rows", n)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "trees/s")
}

// BenchmarkFloorPage is the load tool's page scenario (a filtered page of
// 100 sorted descending, rowhouse bench --scenario page) on a table of
// 100,000 rows shaped like its Bench table, with the index the core's
// advisor builds for it.
func BenchmarkFloorPage(b *testing.B) {
	db := floorDB(b,
		`CREATE TABLE Bench (id INTEGER PRIMARY KEY, _rh_alt TEXT, c_text TEXT, c_int INTEGER, c_num REAL, c_bool INTEGER,
		 c_date REAL, c_choice TEXT, c_email TEXT, c_int2 INTEGER, c_num2 REAL, c_note TEXT)`,
		`CREATE INDEX bench_page ON Bench (c_choice, c_int DESC)`)
	rng := rand.New(rand.NewPCG(1, 2))
	fill(b, db, func(tx store.Tx) {
		for i := range 100_000 {
			tx.Exec(b.Context(), `INSERT INTO Bench (c_text, c_int, c_num, c_bool, c_date, c_choice, c_email, c_int2, c_num2, c_note) VALUES (?,?,?,?,?,?,?,?,?,?)`,
				fmt.Sprint("row ", i, " alpha bravo"), rng.IntN(1_000_000), rng.Float64()*1000, i%2, 1.7e9+float64(i), string(rune('a'+rng.IntN(20))),
				fmt.Sprint("user", i, "@example.com"), rng.IntN(1000), rng.Float64(), "a note")
		}
	})
	q := `SELECT id, _rh_alt, c_text, c_int, c_num, c_bool, c_date, c_choice, c_email, c_int2, c_num2, c_note FROM Bench AS t
	 WHERE t.c_choice = ? ORDER BY t.c_int DESC NULLS LAST, t.id ASC LIMIT 101`
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if n := scanAll(b, db, q, "b"); n != 101 {
				b.Fatalf("%d rows", n)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}
