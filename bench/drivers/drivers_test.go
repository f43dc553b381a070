// Package drivers measures the cgo-free SQLite drivers on the statements
// Rowhouse's hot reads run (issue 16, item 1): the page of a filtered,
// sorted table, one record by id, and the three statements of a GraphQL
// tree of 100 parents with 10 children each and their references. Each
// driver runs the same statements on the same database file, reading
// every cell of every row, from parallel goroutines:
//
//   - modernc/sql: modernc.org/sqlite through database/sql, as
//     store/sqlite does today (connections opened SQLITE_OPEN_FULLMUTEX,
//     cells scanned into []any);
//   - modernc/lib: modernc.org/sqlite's transpiled C API (modernc.org/sqlite/lib)
//     directly, one SQLITE_OPEN_NOMUTEX connection and one set of prepared
//     statements per goroutine, cells read in place;
//   - ncruces/direct: github.com/ncruces/go-sqlite3's own API, likewise;
//   - ncruces/sql: github.com/ncruces/go-sqlite3/driver through database/sql.
//
// It is a module of its own, so that the drivers it compares are not
// dependencies of Rowhouse. Run it with
//
//	cd bench/drivers && go test -run '^$' -bench . -benchtime 2s -count 3
package drivers

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	ncruces "github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/driver"
	"modernc.org/libc"
	_ "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The data: Bench as bench's bulk-add makes it (100,000 rows, page's index
// on c_choice then c_int descending), and Companies (100), People (10 per
// company, each in one of 10 Cities) for the tree.
const (
	benchRows = 100_000
	companies = 100
	perParent = 10
	cities    = 10
)

// The statements, with their arguments drawn per call.
const (
	pageSQL   = `SELECT id, c_text, c_int, c_num, c_bool, c_date, c_choice, c_email, c_int2, c_num2, c_note FROM Bench WHERE c_choice = ? ORDER BY c_int DESC, id LIMIT 101`
	getOneSQL = `SELECT id, c_text, c_int, c_num, c_bool, c_date, c_choice, c_email, c_int2, c_num2, c_note FROM Bench WHERE id = ?`
	parentSQL = `SELECT id, name, country FROM Companies ORDER BY id LIMIT 101`
	citySQL   = `SELECT id, name FROM Cities WHERE id IN (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

// childSQL reads the children of 100 parents at once, as the GraphQL
// planner does.
var childSQL = `SELECT id, name, email, company, city FROM People WHERE company IN (` + strings.TrimSuffix(strings.Repeat("?, ", companies), ", ") + `) ORDER BY company, id`

var (
	dbOnce sync.Once
	dbPath string
	dbErr  error
)

// database makes the database file once per run.
func database(b *testing.B) string {
	dbOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rowhouse-drivers-")
		if err != nil {
			dbErr = err
			return
		}
		dbPath = filepath.Join(dir, "bench.db")
		dbErr = fill(dbPath)
	})
	if dbErr != nil {
		b.Fatal(dbErr)
	}
	return dbPath
}

func fill(path string) error {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(`PRAGMA journal_mode=WAL`); err != nil {
		return err
	}
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, s := range []string{
		`CREATE TABLE Bench (id INTEGER PRIMARY KEY, c_text TEXT, c_int INTEGER, c_num REAL, c_bool INTEGER, c_date INTEGER, c_choice TEXT, c_email TEXT, c_int2 INTEGER, c_num2 REAL, c_note TEXT)`,
		`CREATE INDEX bench_page ON Bench (c_choice, c_int DESC)`,
		`CREATE TABLE Companies (id INTEGER PRIMARY KEY, name TEXT, country TEXT)`,
		`CREATE TABLE Cities (id INTEGER PRIMARY KEY, name TEXT)`,
		`CREATE TABLE People (id INTEGER PRIMARY KEY, name TEXT, email TEXT, company INTEGER, city INTEGER)`,
		`CREATE INDEX people_company ON People (company)`,
	} {
		if _, err := tx.Exec(s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	ins, err := tx.Prepare(`INSERT INTO Bench VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	for i := 1; i <= benchRows; i++ {
		if _, err := ins.Exec(i, fmt.Sprintf("word %d", i), rng.IntN(10000), rng.Float64()*1000, rng.IntN(2), 1700000000+rng.IntN(1e8),
			string(rune('a'+rng.IntN(20))), fmt.Sprintf("user%d@example.com", rng.IntN(1e5)), rng.IntN(100), rng.Float64()*100, "alpha bravo charlie delta echo"); err != nil {
			return err
		}
	}
	for i := 1; i <= cities; i++ {
		if _, err := tx.Exec(`INSERT INTO Cities VALUES (?, ?)`, i, fmt.Sprintf("City %d", i)); err != nil {
			return err
		}
	}
	for i := 1; i <= companies; i++ {
		if _, err := tx.Exec(`INSERT INTO Companies VALUES (?, ?, ?)`, i, fmt.Sprintf("Company %d", i), "FR"); err != nil {
			return err
		}
		for j := range perParent {
			id := (i-1)*perParent + j + 1
			if _, err := tx.Exec(`INSERT INTO People VALUES (?, ?, ?, ?, ?)`, id, fmt.Sprintf("Person %d", id), fmt.Sprintf("p%d@example.com", id), i, 1+id%cities); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// conn is one driver's connection for one goroutine: it runs a statement
// with its arguments and reads every cell of every row, returning how
// many rows it read.
type conn interface {
	run(sql string, args ...any) (int, error)
	close()
}

// opener opens a connection of a driver to the database.
type opener func(path string) (conn, error)

var drivers = []struct {
	name string
	open opener
}{
	{"modernc/sql", openSQL("sqlite", "?_pragma=query_only(1)&_pragma=busy_timeout(5000)")},
	{"modernc/lib", openLib},
	{"ncruces/direct", openNcruces},
	{"ncruces/sql", openSQL("sqlite3", "?_pragma=query_only(1)&_pragma=busy_timeout(5000)")},
}

// The database/sql drivers share one pool for every goroutine, as
// store/sqlite's reader pool does.
var (
	pools   = map[string]*sql.DB{}
	poolsMu sync.Mutex
)

func openSQL(driver, params string) opener {
	return func(path string) (conn, error) {
		poolsMu.Lock()
		defer poolsMu.Unlock()
		db := pools[driver]
		if db == nil {
			var err error
			if db, err = sql.Open(driver, "file:"+path+params); err != nil {
				return nil, err
			}
			db.SetMaxOpenConns(8)
			db.SetMaxIdleConns(8)
			pools[driver] = db
		}
		return sqlConn{db}, nil
	}
}

type sqlConn struct{ db *sql.DB }

func (c sqlConn) run(q string, args ...any) (int, error) {
	rows, err := c.db.Query(q, args...)
	if err != nil {
		return 0, err
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
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

func (sqlConn) close() {}

// libConn is modernc's C API used directly.
type libConn struct {
	tls   *libc.TLS
	db    uintptr
	stmts map[string]uintptr
	sink  int
}

func openLib(path string) (conn, error) {
	tls := libc.NewTLS()
	name, err := libc.CString(path)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(tls, name)
	pdb := tls.Alloc(8)
	defer tls.Free(8)
	if rc := sqlite3.Xsqlite3_open_v2(tls, name, pdb, sqlite3.SQLITE_OPEN_READONLY|sqlite3.SQLITE_OPEN_NOMUTEX, 0); rc != sqlite3.SQLITE_OK {
		return nil, fmt.Errorf("open: %d", rc)
	}
	db := *(*uintptr)(unsafe.Pointer(pdb))
	sqlite3.Xsqlite3_busy_timeout(tls, db, 5000)
	return &libConn{tls: tls, db: db, stmts: map[string]uintptr{}}, nil
}

func (c *libConn) prepare(q string) (uintptr, error) {
	if s, ok := c.stmts[q]; ok {
		return s, nil
	}
	z, err := libc.CString(q)
	if err != nil {
		return 0, err
	}
	defer libc.Xfree(c.tls, z)
	ps := c.tls.Alloc(8)
	defer c.tls.Free(8)
	if rc := sqlite3.Xsqlite3_prepare_v2(c.tls, c.db, z, -1, ps, 0); rc != sqlite3.SQLITE_OK {
		return 0, fmt.Errorf("prepare: %d", rc)
	}
	s := *(*uintptr)(unsafe.Pointer(ps))
	c.stmts[q] = s
	return s, nil
}

func (c *libConn) run(q string, args ...any) (int, error) {
	s, err := c.prepare(q)
	if err != nil {
		return 0, err
	}
	defer sqlite3.Xsqlite3_reset(c.tls, s)
	for i, a := range args {
		switch a := a.(type) {
		case int64:
			sqlite3.Xsqlite3_bind_int64(c.tls, s, int32(i+1), a)
		case string:
			z, err := libc.CString(a)
			if err != nil {
				return 0, err
			}
			sqlite3.Xsqlite3_bind_text(c.tls, s, int32(i+1), z, int32(len(a)), ^uintptr(0)) // SQLITE_TRANSIENT
			libc.Xfree(c.tls, z)
		}
	}
	n := 0
	cols := sqlite3.Xsqlite3_column_count(c.tls, s)
	for {
		switch rc := sqlite3.Xsqlite3_step(c.tls, s); rc {
		case sqlite3.SQLITE_ROW:
		case sqlite3.SQLITE_DONE:
			return n, nil
		default:
			return n, fmt.Errorf("step: %d", rc)
		}
		for i := range cols {
			switch sqlite3.Xsqlite3_column_type(c.tls, s, i) {
			case sqlite3.SQLITE_INTEGER:
				c.sink += int(sqlite3.Xsqlite3_column_int64(c.tls, s, i))
			case sqlite3.SQLITE_FLOAT:
				c.sink += int(sqlite3.Xsqlite3_column_double(c.tls, s, i))
			case sqlite3.SQLITE_TEXT:
				p := sqlite3.Xsqlite3_column_text(c.tls, s, i)
				l := sqlite3.Xsqlite3_column_bytes(c.tls, s, i)
				c.sink += len(unsafe.Slice((*byte)(unsafe.Pointer(p)), l))
			}
		}
		n++
	}
}

func (c *libConn) close() {
	for _, s := range c.stmts {
		sqlite3.Xsqlite3_finalize(c.tls, s)
	}
	sqlite3.Xsqlite3_close_v2(c.tls, c.db)
	c.tls.Close()
}

// ncrucesConn is go-sqlite3's own API.
type ncrucesConn struct {
	c     *ncruces.Conn
	stmts map[string]*ncruces.Stmt
	sink  int
}

func openNcruces(path string) (conn, error) {
	c, err := ncruces.OpenFlags(path, ncruces.OPEN_READWRITE|ncruces.OPEN_NOMUTEX)
	if err != nil {
		return nil, err
	}
	if err := c.BusyTimeout(5 * time.Second); err != nil {
		return nil, err
	}
	return &ncrucesConn{c: c, stmts: map[string]*ncruces.Stmt{}}, nil
}

func (c *ncrucesConn) run(q string, args ...any) (int, error) {
	s, ok := c.stmts[q]
	if !ok {
		var err error
		if s, _, err = c.c.Prepare(q); err != nil {
			return 0, err
		}
		c.stmts[q] = s
	}
	defer s.Reset()
	for i, a := range args {
		switch a := a.(type) {
		case int64:
			s.BindInt64(i+1, a)
		case string:
			s.BindText(i+1, a)
		}
	}
	n := 0
	cols := s.ColumnCount()
	for s.Step() {
		for i := range cols {
			switch s.ColumnType(i) {
			case ncruces.INTEGER:
				c.sink += int(s.ColumnInt64(i))
			case ncruces.FLOAT:
				c.sink += int(s.ColumnFloat(i))
			case ncruces.TEXT:
				c.sink += len(s.ColumnRawText(i))
			}
		}
		n++
	}
	return n, s.Err()
}

func (c *ncrucesConn) close() {
	for _, s := range c.stmts {
		s.Close()
	}
	c.c.Close()
}

// workload is one of the measured reads: it runs its statements on c.
type workload func(c conn, rng *rand.Rand) error

var workloads = []struct {
	name string
	run  workload
	rows int // rows one run reads, checked
}{
	{"page", func(c conn, rng *rand.Rand) error {
		_, err := c.run(pageSQL, string(rune('a'+rng.IntN(20))))
		return err
	}, 0},
	{"get-one", func(c conn, rng *rand.Rand) error {
		n, err := c.run(getOneSQL, int64(1+rng.IntN(benchRows)))
		if err == nil && n != 1 {
			err = fmt.Errorf("get-one read %d rows", n)
		}
		return err
	}, 1},
	{"tree-100x10x1", func(c conn, rng *rand.Rand) error {
		if n, err := c.run(parentSQL); err != nil || n != companies {
			return fmt.Errorf("parents: %d rows, %v", n, err)
		}
		ids := make([]any, companies)
		for i := range ids {
			ids[i] = int64(i + 1)
		}
		if n, err := c.run(childSQL, ids...); err != nil || n != companies*perParent {
			return fmt.Errorf("children: %d rows, %v", n, err)
		}
		cs := make([]any, cities)
		for i := range cs {
			cs[i] = int64(i + 1)
		}
		if n, err := c.run(citySQL, cs...); err != nil || n != cities {
			return fmt.Errorf("cities: %d rows, %v", n, err)
		}
		return nil
	}, 0},
}

// copyFor gives each driver a copy of the database of its own: drivers
// lock a WAL database's files in different ways (POSIX and OFD locks), so
// two of them must not share one in a process.
func copyFor(b *testing.B, path, driver string) string {
	dst := filepath.Join(filepath.Dir(path), strings.ReplaceAll(driver, "/", "-")+".db")
	if _, err := os.Stat(dst); err == nil {
		return dst
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		b.Fatal(err)
	}
	return dst
}

// BenchmarkDrivers runs every workload through every driver from 16
// goroutines (GOMAXPROCS x parallelism), each with a connection of its
// own where the driver allows it.
func BenchmarkDrivers(b *testing.B) {
	master := database(b)
	for _, w := range workloads {
		for _, d := range drivers {
			path := copyFor(b, master, d.name)
			b.Run(w.name+"/"+d.name, func(b *testing.B) {
				var seed atomic.Uint64
				var conns []conn
				var mu sync.Mutex
				b.SetParallelism(16 / max(1, testingProcs()))
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					c, err := d.open(path)
					if err != nil {
						b.Error(err)
						return
					}
					mu.Lock()
					conns = append(conns, c)
					mu.Unlock()
					rng := rand.New(rand.NewPCG(seed.Add(1), 7))
					for pb.Next() {
						if err := w.run(c, rng); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.StopTimer()
				for _, c := range conns {
					c.close()
				}
			})
		}
	}
}

// testingProcs is GOMAXPROCS, which RunParallel multiplies by the
// parallelism.
func testingProcs() int { return runtime.GOMAXPROCS(0) }
