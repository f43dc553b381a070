package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/schema"
	"github.com/rowhouse/rowhouse/store"
	"github.com/rowhouse/rowhouse/store/sqlite"
)

// SnapshotDoc writes a document as the SQLite database file it would be on
// the SQLite engine (the .grist download), read from one snapshot of its
// schema (a REPEATABLE READ transaction) while writers go on: the system
// tables and user tables with their rows, unique and other indexes, and id
// sequences (sqlite_sequence), so that the file opens on the SQLite engine
// as the same document. path must not exist.
func (e *Engine) SnapshotDoc(ctx context.Context, docID, path string) error {
	if err := e.checkID(docID); err != nil {
		return err
	}
	src, err := e.OpenDoc(ctx, docID)
	if err != nil {
		return err
	}
	defer src.Close()
	stx, err := src.BeginRead(ctx)
	if err != nil {
		return fmt.Errorf("postgres: snapshot %s: %w", docID, err)
	}
	defer stx.Rollback()

	tmp, err := os.MkdirTemp(filepath.Dir(path), ".rowhouse-snapshot-*")
	if err != nil {
		return fmt.Errorf("postgres: snapshot %s: %w", docID, err)
	}
	defer os.RemoveAll(tmp)
	se, err := sqlite.Open(ctx, tmp, sqlite.Options{MaxOpenDocs: 1})
	if err != nil {
		return fmt.Errorf("postgres: snapshot %s: %w", docID, err)
	}
	defer se.Close()
	if err := se.CreateDoc(ctx, docID); err != nil {
		return fmt.Errorf("postgres: snapshot %s: %w", docID, err)
	}
	if err := e.fillSQLite(ctx, stx, se, docID); err != nil {
		return fmt.Errorf("postgres: snapshot %s: %w", docID, err)
	}
	if err := se.SnapshotDoc(ctx, docID, path); err != nil {
		return fmt.Errorf("postgres: snapshot %s: %w", docID, err)
	}
	return nil
}

// fillSQLite copies the document read by stx into the new SQLite document
// docID of se, in one SQLite write transaction.
func (e *Engine) fillSQLite(ctx context.Context, stx store.Tx, se *sqlite.Engine, docID string) error {
	dst, err := se.OpenDoc(ctx, docID)
	if err != nil {
		return err
	}
	defer dst.Close()
	dtx, err := dst.BeginWrite(ctx)
	if err != nil {
		return err
	}
	defer dtx.Rollback()
	sd := dst.Dialect()
	tables, err := store.QueryStrings(ctx, stx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)
	if err != nil {
		return err
	}
	types, err := store.StorageClasses(ctx, stx)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if t == "_rh_migrations" { // the SQLite file has its own
			continue
		}
		if strings.HasPrefix(t, "_rh_") {
			if _, err := dtx.Exec(ctx, `DELETE FROM `+sd.QuoteIdent(t)); err != nil {
				return fmt.Errorf("table %s: %w", t, err)
			}
			if t == store.AdvisedIndexTable {
				continue // not copied: see store.AdvisedIndexPrefix
			}
		} else if err := createSQLiteTable(ctx, stx, dtx, sd, t, types[t]); err != nil {
			return fmt.Errorf("table %s: %w", t, err)
		}
		if err := copyRows(ctx, stx, dtx, sd, t); err != nil {
			return fmt.Errorf("table %s: %w", t, err)
		}
	}
	if err := copyIndexes(ctx, stx, dtx, sd); err != nil {
		return err
	}
	if err := copySequences(ctx, stx, dtx); err != nil {
		return err
	}
	return dtx.Commit()
}

// castSuffix is a PostgreSQL cast in a default or index predicate
// ("”::text", "0::bigint"), which SQLite does not need.
var castSuffix = regexp.MustCompile(`::[a-z ]+(\[\])?`)

// createSQLiteTable creates a user table in SQLite's types, from the
// column's storage class or, for the system columns, PostgreSQL's type.
func createSQLiteTable(ctx context.Context, stx store.Tx, dtx store.Tx, sd store.Dialect, table string, types map[string]schema.Storage) error {
	rows, err := stx.Query(ctx, `SELECT column_name::text, data_type::text, is_nullable::text, COALESCE(column_default, '')::text
		FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`, table)
	if err != nil {
		return err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var name, typ, nullable, dflt string
		if err := rows.Scan(&name, &typ, &nullable, &dflt); err != nil {
			return err
		}
		if name == "id" {
			cols = append(cols, sd.IDColumn())
			continue
		}
		st, ok := types[name]
		if !ok {
			switch typ {
			case "bigint", "integer", "smallint":
				st = schema.StoreInt
			case "double precision", "real", "numeric":
				st = schema.StoreReal
			case "boolean":
				st = schema.StoreBool
			default:
				st = schema.StoreText
			}
		}
		def := sd.QuoteIdent(name) + " " + sd.ColumnType(st)
		if nullable == "NO" {
			def += " NOT NULL"
		}
		if d := strings.TrimSpace(castSuffix.ReplaceAllString(dflt, "")); d != "" {
			def += " DEFAULT " + strings.ToUpper(strings.Trim(d, "()"))
		}
		cols = append(cols, def)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = dtx.Exec(ctx, `CREATE TABLE `+sd.QuoteIdent(table)+` (`+strings.Join(cols, ", ")+`)`)
	return err
}

// copyRows copies every row of table with multi-row INSERTs.
func copyRows(ctx context.Context, stx store.Tx, dtx store.Tx, sd store.Dialect, table string) error {
	rows, err := stx.Query(ctx, `SELECT * FROM `+quoteIdent(table))
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
		quoted[i] = sd.QuoteIdent(c)
	}
	head := `INSERT INTO ` + sd.QuoteIdent(table) + ` (` + strings.Join(quoted, ", ") + `) VALUES `
	rowPH := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	perStmt := store.RowsPerInsert(len(cols))
	var args []any
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		_, err := dtx.Exec(ctx, head+strings.TrimSuffix(strings.Repeat(rowPH+", ", n), ", "), args...)
		args, n = args[:0], 0
		return err
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
		if n++; n == perStmt {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush()
}

// copyIndexes recreates the user tables' indexes (not primary keys) in
// SQLite, with their names, columns, uniqueness and predicates.
func copyIndexes(ctx context.Context, stx store.Tx, dtx store.Tx, sd store.Dialect) error {
	rows, err := stx.Query(ctx, `SELECT i.relname::text, t.relname::text, ix.indisunique, COALESCE(pg_get_expr(ix.indpred, ix.indrelid), ''),
		(SELECT string_agg(quote_ident(a.attname), ',' ORDER BY k.ord) FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
			JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum)
		FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
		WHERE t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
		AND NOT ix.indisprimary AND t.relname NOT LIKE '\_rh\_%' AND left(i.relname::text, ?) <> ? ORDER BY i.relname`, len(store.AdvisedIndexPrefix), store.AdvisedIndexPrefix)
	if err != nil {
		return err
	}
	type index struct {
		name, table, pred, cols string
		unique                  bool
	}
	var all []index
	for rows.Next() {
		var ix index
		if err := rows.Scan(&ix.name, &ix.table, &ix.unique, &ix.pred, &ix.cols); err != nil {
			rows.Close()
			return err
		}
		all = append(all, ix)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, ix := range all {
		stmt := "CREATE INDEX "
		if ix.unique {
			stmt = "CREATE UNIQUE INDEX "
		}
		stmt += sd.QuoteIdent(ix.name) + " ON " + sd.QuoteIdent(ix.table) + " (" + ix.cols + ")"
		if ix.pred != "" {
			stmt += " WHERE " + castSuffix.ReplaceAllString(ix.pred, "")
		}
		if _, err := dtx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("index %s: %w", ix.name, err)
		}
	}
	return nil
}

// copySequences gives SQLite's AUTOINCREMENT counters the positions of the
// identity sequences, so that ids are not reused in the copy either.
func copySequences(ctx context.Context, stx store.Tx, dtx store.Tx) error {
	rows, err := stx.Query(ctx, `SELECT c.relname::text,
		pg_sequence_last_value(pg_get_serial_sequence(format('%I.%I', current_schema(), c.relname), a.attname)::regclass)
		FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attidentity <> '' AND NOT a.attisdropped
		WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND c.relkind = 'r'`)
	if err != nil {
		return err
	}
	type seq struct {
		table string
		v     int64
	}
	var all []seq
	for rows.Next() {
		var table string
		var v sql.NullInt64 // NULL: the sequence never gave a value
		if err := rows.Scan(&table, &v); err != nil {
			rows.Close()
			return err
		}
		if v.Valid {
			all = append(all, seq{table, v.Int64})
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, s := range all {
		if _, err := dtx.Exec(ctx, `DELETE FROM sqlite_sequence WHERE name = ?`, s.table); err != nil {
			return err
		}
		if _, err := dtx.Exec(ctx, `INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)`, s.table, s.v); err != nil {
			return err
		}
	}
	return nil
}

// Backup writes the whole installation as a SQLite data folder in dir
// (which must be empty or not exist): home.db from one snapshot of the
// home schema, then docs/<docId>.db for every document, each from one
// snapshot of its schema (see SnapshotDoc), while the servers go on. The
// folder serves as it is (rowhouse serve --data) and moves back with
// rowhouse migrate. progress gets a line per database.
func (e *Engine) Backup(ctx context.Context, dir string, progress io.Writer) (docs int, err error) {
	if err := os.MkdirAll(filepath.Join(dir, "docs"), 0o750); err != nil {
		return 0, fmt.Errorf("postgres: backup: %w", err)
	}
	se, err := sqlite.Open(ctx, dir, sqlite.Options{}) // creates and migrates home.db
	if err != nil {
		return 0, fmt.Errorf("postgres: backup: %w", err)
	}
	if err := se.Close(); err != nil {
		return 0, fmt.Errorf("postgres: backup: %w", err)
	}
	ids, err := e.backupHome(ctx, filepath.Join(dir, "home.db"))
	if err != nil {
		return 0, fmt.Errorf("postgres: backup: %w", err)
	}
	fmt.Fprintln(progress, "home.db: copied")
	for i, id := range ids {
		err := e.SnapshotDoc(ctx, id, filepath.Join(dir, "docs", id+".db"))
		if rowhouse.ErrorKind(err) == rowhouse.ENOTFOUND { // deleted meanwhile
			continue
		}
		if err != nil {
			return docs, fmt.Errorf("postgres: backup: %w", err)
		}
		docs++
		fmt.Fprintf(progress, "document %s: copied (%d/%d)\n", id, i+1, len(ids))
	}
	return docs, nil
}

// backupHome copies the home tables into the SQLite home database at
// path, made by the SQLite engine's migrations, and returns the ids of the
// documents.
func (e *Engine) backupHome(ctx context.Context, path string) ([]string, error) {
	stx, err := e.home.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer stx.Rollback()
	lite, err := sql.Open(sqlite.DriverName, "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(OFF)")
	if err != nil {
		return nil, err
	}
	defer lite.Close()
	lite.SetMaxOpenConns(1)
	ltx, err := lite.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	dtx := &sqlTx{ltx}
	defer dtx.Rollback()
	sd := sqlite.Dialect()
	want, err := store.QueryStrings(ctx, dtx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE '\_rh\_%' ESCAPE '\'`)
	if err != nil {
		return nil, err
	}
	have, err := store.QueryStrings(ctx, stx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT LIKE '\_rh\_%'`)
	if err != nil {
		return nil, err
	}
	for _, t := range want {
		if !slices.Contains(have, t) {
			continue // a table of a newer SQLite migration: left empty
		}
		if _, err := dtx.Exec(ctx, `DELETE FROM `+sd.QuoteIdent(t)); err != nil {
			return nil, fmt.Errorf("table %s: %w", t, err)
		}
		if err := copyRows(ctx, stx, dtx, sd, t); err != nil {
			return nil, fmt.Errorf("table %s: %w", t, err)
		}
	}
	if err := copySequences(ctx, stx, dtx); err != nil {
		return nil, err
	}
	ids, err := store.QueryStrings(ctx, stx, `SELECT id FROM docs ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return ids, dtx.Commit()
}

// sqlTx is a database/sql transaction as a store.Tx.
type sqlTx struct{ t *sql.Tx }

func (s *sqlTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := s.t.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (s *sqlTx) Query(ctx context.Context, query string, args ...any) (store.Rows, error) {
	r, err := s.t.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (s *sqlTx) QueryRow(ctx context.Context, query string, args ...any) store.Row {
	return sqlRow{s.t.QueryRowContext(ctx, query, args...)}
}

func (s *sqlTx) Commit() error { return s.t.Commit() }

func (s *sqlTx) Rollback() error {
	if err := s.t.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return err
	}
	return nil
}

type sqlRow struct{ r *sql.Row }

func (r sqlRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNoRows
	}
	return err
}
