package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store/postgres"
)

// runBackup copies a SQLite data folder, online, into a new folder that
// `rowhouse serve --data` (or `rowhouse migrate --from`) can use: home.db
// and every docs/<docId>.db, each written with VACUUM INTO, which reads one
// consistent snapshot of its database while the server goes on writing.
// Each database is consistent in itself; a document created or deleted
// during the backup may be present in one of home.db and docs/ only.
//
// With --db (a PostgreSQL installation) it writes the same kind of folder:
// home.db from one snapshot of the home schema, and each document from one
// snapshot of its schema (postgres.Engine.Backup).
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", envOr(getenv, "ROWHOUSE_DATA", "./rowhouse-data"), "the SQLite data folder to back up (env ROWHOUSE_DATA)")
	dbURL := fs.String("db", "", "back up this PostgreSQL database instead of --data (default $ROWHOUSE_DB)")
	to := fs.String("to", "", "the folder to write the copy into; must not exist or be empty (required)")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	fromEnv(dbURL, getenv, "ROWHOUSE_DB")
	if *to == "" {
		return usageError{"backup: --to DIR is required"}
	}
	src, err := filepath.Abs(*dataDir)
	if err != nil {
		return err
	}
	dst, err := filepath.Abs(*to)
	if err != nil {
		return err
	}
	if entries, err := os.ReadDir(dst); err == nil && len(entries) > 0 {
		return rowhouse.Errorf(rowhouse.ECONFLICT, "backup: %s is not empty", *to)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	if *dbURL != "" {
		pg, err := postgres.Open(ctx, *dbURL, postgres.Options{})
		if err != nil {
			return err
		}
		defer pg.Close()
		n, err := pg.Backup(ctx, dst, stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "backed up home.db and %d documents into %s\n", n, *to)
		return nil
	}
	if _, err := os.Stat(filepath.Join(src, "home.db")); err != nil {
		return usageError{fmt.Sprintf("backup: %s is not a Rowhouse data folder (no home.db)", *dataDir)}
	}
	if err := os.MkdirAll(filepath.Join(dst, "docs"), 0o750); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := vacuumInto(ctx, filepath.Join(src, "home.db"), filepath.Join(dst, "home.db")); err != nil {
		return err
	}
	fmt.Fprintln(stderr, "home.db: copied")
	files, err := filepath.Glob(filepath.Join(src, "docs", "*.db"))
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	sort.Strings(files)
	n := 0
	for i, f := range files {
		id := strings.TrimSuffix(filepath.Base(f), ".db")
		if !rowhouse.ValidDocID(id) {
			continue
		}
		if err := vacuumInto(ctx, f, filepath.Join(dst, "docs", id+".db")); err != nil {
			if errors.Is(err, os.ErrNotExist) { // deleted meanwhile
				continue
			}
			return err
		}
		n++
		fmt.Fprintf(stderr, "document %s: copied (%d/%d)\n", id, i+1, len(files))
	}
	fmt.Fprintf(stdout, "backed up home.db and %d documents into %s\n", n, *to)
	return nil
}

// vacuumInto writes a consistent, compact copy of the SQLite database in
// path to out.
func vacuumInto(ctx context.Context, path, out string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	db, err := openSQLite(path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, out); err != nil {
		return fmt.Errorf("backup %s: %w", filepath.Base(path), err)
	}
	return nil
}
