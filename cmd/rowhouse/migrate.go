package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/store/postgres"
	"github.com/rowhouse/rowhouse/store/sqlite"
)

// homeTableOrder is the order home tables are copied in, parents before
// the tables whose foreign keys name them. Tables of the source not listed
// here are copied after, in the source's order.
var homeTableOrder = []string{"users", "orgs", "workspaces", "docs", "acl", "api_keys", "sessions", "signin_links",
	"webhooks", "webhook_deliveries", "webhook_attempts"}

// migrateBatch is how many rows one INSERT carries at most (fewer for
// wide tables: see store.RowsPerInsert).
const migrateBatch = 500

// runMigrate copies a SQLite data folder into a PostgreSQL database: every
// home table (users, orgs, workspaces, documents, access, keys, sessions,
// webhooks and their deliveries), then every document with its tables,
// indexes, metadata, outbox and attachments, then checks that each table
// has the same rows on both sides (count and checksum). The target must be
// empty unless --force, which first empties it.
func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", envOr(getenv, "ROWHOUSE_DATA", ""), "the SQLite data folder to copy (env ROWHOUSE_DATA)")
	to := fs.String("to", "", "the PostgreSQL database URL to copy into (default $ROWHOUSE_DB)")
	force := fs.Bool("force", false, "empty a target that already holds data first (its documents are dropped)")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	fromEnv(to, getenv, "ROWHOUSE_DB")
	if *from == "" || *to == "" {
		return usageError{"migrate: --from DIR and --to postgres://... are required"}
	}
	if _, err := os.Stat(filepath.Join(*from, "home.db")); err != nil {
		return usageError{fmt.Sprintf("migrate: %s is not a Rowhouse data folder (no home.db)", *from)}
	}
	dst, err := postgres.Open(ctx, *to, postgres.Options{})
	if err != nil {
		return err
	}
	defer dst.Close()
	m := &migration{dir: *from, dst: dst, log: stderr}
	if err := m.checkEmpty(ctx, *force); err != nil {
		return err
	}
	if err := m.run(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "migrated %d tables and %d documents from %s; every table verified\n", m.tables, m.docs, *from)
	return nil
}

// migration is one run of rowhouse migrate.
type migration struct {
	dir    string
	dst    *postgres.Engine
	log    io.Writer
	tables int // tables copied and verified
	docs   int
}

// openSQLite opens one SQLite database of the data folder read-only.
func openSQLite(path string) (*sql.DB, error) {
	db, err := sql.Open(sqlite.DriverName, "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// checkEmpty refuses a target holding users or documents, unless force,
// in which case it drops the target's documents and empties its home
// tables.
func (m *migration) checkEmpty(ctx context.Context, force bool) error {
	home := m.dst.HomeDB()
	var users, docs int64
	if err := home.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM docs)`).Scan(&users, &docs); err != nil {
		return fmt.Errorf("migrate: inspect target: %w", err)
	}
	if users == 0 && docs == 0 {
		return nil
	}
	if !force {
		return rowhouse.Errorf(rowhouse.ECONFLICT, "migrate: the target database is not empty (%d users, %d documents); use --force to empty it first", users, docs)
	}
	fmt.Fprintf(m.log, "--force: emptying the target (%d users, %d documents)\n", users, docs)
	ids, err := store.QueryStrings(ctx, home, `SELECT id FROM docs`)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, id := range ids {
		if err := m.dst.DeleteDoc(ctx, id); err != nil {
			return fmt.Errorf("migrate: drop target document %s: %w", id, err)
		}
	}
	tables, err := store.QueryStrings(ctx, home, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT LIKE '\_rh\_%'`)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(tables) > 0 {
		quoted := make([]string, len(tables))
		for i, t := range tables {
			quoted[i] = home.Dialect().QuoteIdent(t)
		}
		if _, err := home.Exec(ctx, `TRUNCATE `+strings.Join(quoted, ", ")+` RESTART IDENTITY CASCADE`); err != nil {
			return fmt.Errorf("migrate: empty the target: %w", err)
		}
	}
	return nil
}

func (m *migration) run(ctx context.Context) error {
	src, err := openSQLite(filepath.Join(m.dir, "home.db"))
	if err != nil {
		return err
	}
	defer src.Close()
	fmt.Fprintln(m.log, "home tables:")
	docIDs, err := m.copyHome(ctx, src)
	if err != nil {
		return err
	}
	for i, id := range docIDs {
		fmt.Fprintf(m.log, "document %s (%d/%d):\n", id, i+1, len(docIDs))
		if err := m.copyDoc(ctx, id); err != nil {
			return fmt.Errorf("migrate: document %s: %w", id, err)
		}
		m.docs++
	}
	return nil
}

// copyHome copies and verifies the home tables in one target transaction
// and returns the ids of the documents that have a database.
func (m *migration) copyHome(ctx context.Context, src *sql.DB) ([]string, error) {
	stx, err := src.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer stx.Rollback()
	names, err := sqliteTables(ctx, stx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	order := slices.Clone(homeTableOrder)
	for _, n := range names {
		// Each side keeps its own bookkeeping tables ("_rh_" prefix).
		if !slices.Contains(order, n) && !strings.HasPrefix(n, "_rh_") {
			order = append(order, n)
		}
	}
	home := m.dst.HomeDB()
	dtx, err := home.BeginWrite(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer dtx.Rollback()
	seqs, err := sqliteSequences(ctx, stx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	for _, t := range order {
		if !slices.Contains(names, t) {
			continue
		}
		if err := m.copyTable(ctx, stx, dtx, home.Dialect(), t); err != nil {
			return nil, fmt.Errorf("migrate: table %s: %w", t, err)
		}
		if err := syncSequence(ctx, dtx, home.Dialect(), t, seqs[t]); err != nil {
			return nil, fmt.Errorf("migrate: table %s: %w", t, err)
		}
	}
	if err := dtx.Commit(); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	for _, t := range order {
		if slices.Contains(names, t) {
			if err := m.verify(ctx, stx, home, t); err != nil {
				return nil, err
			}
		}
	}
	ids, err := store.QueryStrings(ctx, sqlTx{stx}, `SELECT id FROM docs ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var out []string
	for _, id := range ids {
		if _, err := os.Stat(filepath.Join(m.dir, "docs", id+".db")); err == nil {
			out = append(out, id)
		} else {
			fmt.Fprintf(m.log, "  document %s has no database file: skipped\n", id)
		}
	}
	return out, nil
}

// copyDoc creates a document in the target and copies its tables: the
// system tables into those the target made, the user tables with their
// columns typed from the document's metadata and their indexes.
func (m *migration) copyDoc(ctx context.Context, id string) error {
	src, err := openSQLite(filepath.Join(m.dir, "docs", id+".db"))
	if err != nil {
		return err
	}
	defer src.Close()
	stx, err := src.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer stx.Rollback()
	if err := m.dst.CreateDoc(ctx, id); err != nil {
		return err
	}
	doc, err := m.dst.OpenDoc(ctx, id)
	if err != nil {
		return err
	}
	defer doc.Close()
	d := doc.Dialect()
	names, err := sqliteTables(ctx, stx)
	if err != nil {
		return err
	}
	seqs, err := sqliteSequences(ctx, stx)
	if err != nil {
		return err
	}
	types, err := store.StorageClasses(ctx, sqlTx{stx})
	if err != nil {
		return err
	}
	dtx, err := doc.BeginWrite(ctx)
	if err != nil {
		return err
	}
	defer dtx.Rollback()
	var copied []string
	for _, t := range names {
		if t == "_rh_migrations" {
			continue
		}
		if strings.HasPrefix(t, "_rh_") {
			if _, err := dtx.Exec(ctx, `DELETE FROM `+d.QuoteIdent(t)); err != nil {
				return fmt.Errorf("table %s: %w", t, err)
			}
			if t == store.AdvisedIndexTable {
				continue // not copied: see store.AdvisedIndexPrefix
			}
		} else if err := createUserTable(ctx, stx, dtx, d, t, types[t]); err != nil {
			return fmt.Errorf("table %s: %w", t, err)
		}
		if err := m.copyTable(ctx, stx, dtx, d, t); err != nil {
			return fmt.Errorf("table %s: %w", t, err)
		}
		if err := syncSequence(ctx, dtx, d, t, seqs[t]); err != nil {
			return fmt.Errorf("table %s: %w", t, err)
		}
		copied = append(copied, t)
	}
	// The user tables' indexes (unique columns, indexes asked for), as
	// SQLite keeps their definitions: quoted names, portable conditions.
	defs, err := store.QueryStrings(ctx, sqlTx{stx}, `SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name NOT LIKE '\_rh\_%' ESCAPE '\'
 AND substr(name, 1, ?) <> ? ORDER BY name`, len(store.AdvisedIndexPrefix), store.AdvisedIndexPrefix)
	if err != nil {
		return err
	}
	for _, def := range defs {
		if _, err := dtx.Exec(ctx, def); err != nil {
			return fmt.Errorf("index %q: %w", def, err)
		}
	}
	if err := dtx.Commit(); err != nil {
		return err
	}
	for _, t := range copied {
		if err := m.verify(ctx, stx, doc, t); err != nil {
			return err
		}
	}
	return nil
}

// createUserTable creates a user table in the target with the source's
// columns, typed by the target's dialect from the column types in
// _rh_columns (storage class) or, for the system columns, SQLite's
// declared type.
func createUserTable(ctx context.Context, stx *sql.Tx, dtx store.Tx, d store.Dialect, table string, types map[string]schema.Storage) error {
	rows, err := stx.QueryContext(ctx, `SELECT name, type, "notnull", dflt_value FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var name, typ string
		var notNull bool
		var dflt sql.NullString
		if err := rows.Scan(&name, &typ, &notNull, &dflt); err != nil {
			return err
		}
		if name == "id" {
			cols = append(cols, d.IDColumn())
			continue
		}
		st, ok := types[name]
		if !ok {
			switch strings.ToUpper(typ) {
			case "REAL":
				st = schema.StoreReal
			case "INTEGER":
				st = schema.StoreInt
			default:
				st = schema.StoreText
			}
		}
		def := d.QuoteIdent(name) + " " + d.ColumnType(st)
		if notNull {
			def += " NOT NULL"
		}
		if dflt.Valid {
			def += " DEFAULT " + portableDefault(dflt.String, st)
		}
		cols = append(cols, def)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = dtx.Exec(ctx, `CREATE TABLE `+d.QuoteIdent(table)+` (`+strings.Join(cols, ", ")+`)`)
	return err
}

// portableDefault rewrites a SQLite column default for the storage class:
// the literals the core writes (”, 0, FALSE, NULL) and numbers pass; a
// boolean column's 0 or 1 becomes FALSE or TRUE; anything else is NULL.
func portableDefault(lit string, st schema.Storage) string {
	switch {
	case st == schema.StoreBool && (lit == "0" || strings.EqualFold(lit, "FALSE")):
		return "FALSE"
	case st == schema.StoreBool && (lit == "1" || strings.EqualFold(lit, "TRUE")):
		return "TRUE"
	case lit == "''" || strings.EqualFold(lit, "NULL"):
		return lit
	}
	if _, err := strconv.ParseFloat(lit, 64); err == nil && st != schema.StoreBool {
		return lit
	}
	return "NULL"
}

// copyTable copies every row of table with multi-row INSERTs, printing
// its progress.
func (m *migration) copyTable(ctx context.Context, stx *sql.Tx, dtx store.Tx, d store.Dialect, table string) error {
	rows, err := stx.QueryContext(ctx, `SELECT * FROM `+d.QuoteIdent(table))
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = d.QuoteIdent(c)
	}
	head := `INSERT INTO ` + d.QuoteIdent(table) + ` (` + strings.Join(quoted, ", ") + `) VALUES `
	rowPH := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	batch := min(migrateBatch, store.RowsPerInsert(len(cols)))
	var args []any
	n, pending := 0, 0
	flush := func() error {
		if pending == 0 {
			return nil
		}
		phs := strings.TrimSuffix(strings.Repeat(rowPH+", ", pending), ", ")
		if _, err := dtx.Exec(ctx, head+phs, args...); err != nil {
			return err
		}
		if pending == batch { // more may follow: show progress
			fmt.Fprintf(m.log, "  %s: %d rows...\n", table, n)
		}
		args, pending = args[:0], 0
		return nil
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		args = append(args, vals...)
		n++
		pending++
		if pending == batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	fmt.Fprintf(m.log, "  %s: %d rows copied\n", table, n)
	return nil
}

// syncSequence moves the target's id sequence of table (if it has one) to
// the source's high-water mark: SQLite's sqlite_sequence, or the largest
// id, so that ids are never reused after the move either.
func syncSequence(ctx context.Context, q store.Querier, d store.Dialect, table string, high int64) error {
	idCols, err := store.QueryStrings(ctx, q, `SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND c.relname = ? AND a.attidentity <> '' AND NOT a.attisdropped`, table)
	if err != nil {
		return err
	}
	for _, col := range idCols {
		var mx sql.NullInt64
		if err := q.QueryRow(ctx, `SELECT MAX(`+d.QuoteIdent(col)+`) FROM `+d.QuoteIdent(table)).Scan(&mx); err != nil {
			return err
		}
		v := max(high, mx.Int64)
		if v <= 0 {
			continue
		}
		if _, err := q.Exec(ctx, `SELECT setval(pg_get_serial_sequence(?, ?), ?)`, d.QuoteIdent(table), col, v); err != nil {
			return err
		}
	}
	return nil
}

// sqliteSequences reads SQLite's AUTOINCREMENT high-water marks.
func sqliteSequences(ctx context.Context, stx *sql.Tx) (map[string]int64, error) {
	out := map[string]int64{}
	var n int
	if err := stx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_sequence'`).Scan(&n); err != nil || n == 0 {
		return out, err
	}
	rows, err := stx.QueryContext(ctx, `SELECT name, seq FROM sqlite_sequence`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var seq int64
		if err := rows.Scan(&name, &seq); err != nil {
			return nil, err
		}
		out[name] = seq
	}
	return out, rows.Err()
}

// sqliteTables lists a SQLite database's tables, without SQLite's own.
func sqliteTables(ctx context.Context, stx *sql.Tx) ([]string, error) {
	return store.QueryStrings(ctx, sqlTx{stx}, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY rowid`)
}

// verify compares a table on both sides: row count and a checksum of
// every row's values in a canonical text form, independent of row order
// and of each engine's types.
func (m *migration) verify(ctx context.Context, stx *sql.Tx, dst store.Querier, table string) error {
	q := `SELECT * FROM "` + strings.ReplaceAll(table, `"`, `""`) + `"`
	srcRows, err := stx.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("verify %s: %w", table, err)
	}
	sn, ssum, err := checksum(sqlRows{srcRows})
	if err != nil {
		return fmt.Errorf("verify %s: source: %w", table, err)
	}
	dstRows, err := dst.Query(ctx, q)
	if err != nil {
		return fmt.Errorf("verify %s: %w", table, err)
	}
	dn, dsum, err := checksum(dstRows)
	if err != nil {
		return fmt.Errorf("verify %s: target: %w", table, err)
	}
	if sn != dn || ssum != dsum {
		return fmt.Errorf("verify %s: source has %d rows (checksum %s), target %d (checksum %s)", table, sn, ssum[:12], dn, dsum[:12])
	}
	fmt.Fprintf(m.log, "  %s: verified, %d rows, checksum %s\n", table, dn, dsum[:12])
	m.tables++
	return nil
}

// sqlRows adapts *sql.Rows to store.Rows.
type sqlRows struct{ *sql.Rows }

// checksum reads rows into sorted canonical lines and hashes them.
func checksum(rows store.Rows) (int, string, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, "", err
	}
	// Columns in name order, so that both sides agree whatever the
	// physical order (PostgreSQL appends added columns).
	idx := make([]int, len(cols))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return cols[idx[a]] < cols[idx[b]] })
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var lines []string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, "", err
		}
		var b strings.Builder
		for _, i := range idx {
			b.WriteString(cols[i])
			b.WriteByte('=')
			b.WriteString(canonical(vals[i]))
			b.WriteByte('\x1f')
		}
		lines = append(lines, b.String())
	}
	if err := rows.Err(); err != nil {
		return 0, "", err
	}
	sort.Strings(lines)
	h := sha256.New()
	for _, l := range lines {
		io.WriteString(h, l)
		h.Write([]byte{'\x1e'})
	}
	return len(lines), hex.EncodeToString(h.Sum(nil)), nil
}

// canonical writes a value the same way whichever engine read it: booleans
// as SQLite's 1 and 0, integral reals as integers.
func canonical(v any) string {
	switch x := v.(type) {
	case nil:
		return "\\N"
	case bool:
		if x {
			return "1"
		}
		return "0"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []byte:
		return "\\x" + hex.EncodeToString(x)
	case string:
		return strconv.Quote(x)
	}
	return fmt.Sprint(v)
}

// sqlTx is a database/sql transaction (the source SQLite files, opened
// directly) as a store.Querier, for the store's helpers.
type sqlTx struct{ tx *sql.Tx }

func (t sqlTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t sqlTx) Query(ctx context.Context, query string, args ...any) (store.Rows, error) {
	return t.tx.QueryContext(ctx, query, args...)
}

func (t sqlTx) QueryRow(ctx context.Context, query string, args ...any) store.Row {
	return t.tx.QueryRowContext(ctx, query, args...)
}
