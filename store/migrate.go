package store

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migrate applies, in order and each in its own write transaction, the
// numbered migrations in dir ("0001_name.sql", "0002_...") that db has not
// yet applied, recording each in the table _rh_migrations. Statements in a
// file are separated by lines holding only "-- statement".
func Migrate(ctx context.Context, db DB, migrations fs.FS, dir string) error {
	if _, err := db.Exec(ctx, `CREATE TABLE IF NOT EXISTS _rh_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	type mig struct {
		version int
		name    string
	}
	var all []mig
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return fmt.Errorf("migration %q: name must start with a number and '_'", name)
		}
		all = append(all, mig{v, name})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].version < all[j].version })
	for _, m := range all {
		if err := applyMigration(ctx, db, migrations, path.Join(dir, m.name), m.version, m.name); err != nil {
			return err
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db DB, migrations fs.FS, file string, version int, name string) error {
	tx, err := db.BeginWrite(ctx)
	if err != nil {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM _rh_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	if n > 0 {
		return nil
	}
	body, err := fs.ReadFile(migrations, file)
	if err != nil {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	for _, stmt := range strings.Split(string(body), "\n-- statement\n") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO _rh_migrations (version, name) VALUES (?, ?)`, version, name); err != nil {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	return tx.Commit()
}
