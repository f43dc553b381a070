package sqlite

import (
	"database/sql"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/rowhouse/rowhouse"
)

// A document made before doc migration 0010 gets a uuid (version 4, in
// the standard form) for every table and column when it is next opened,
// each different, and keeps it.
func TestDocMigrationGivesUUIDs(t *testing.T) {
	dir := t.TempDir()
	e := openEngine(t, dir, Options{})
	id := rowhouse.NewDocID()
	if err := e.CreateDoc(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	e.Close()
	raw := func(stmts ...string) *sql.DB {
		t.Helper()
		db, err := sql.Open("sqlite3", filepath.Join(dir, "docs", id+".db"))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stmts {
			if _, err := db.Exec(s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		return db
	}
	// Back to the document as it was before the migration, with tables.
	var stmts []string
	for _, c := range []string{"_rh_tables DROP COLUMN uuid", "_rh_tables DROP COLUMN label_singular", "_rh_tables DROP COLUMN label_plural",
		"_rh_tables DROP COLUMN description", "_rh_tables DROP COLUMN icon", "_rh_columns DROP COLUMN uuid", "_rh_columns DROP COLUMN icon"} {
		stmts = append(stmts, "ALTER TABLE "+c)
	}
	stmts = append(stmts, `DELETE FROM _rh_migrations WHERE version = 10`,
		`INSERT INTO _rh_tables (table_id, position, name_singular, name_plural) VALUES ('A', 1, 'a', 'as'), ('B', 2, 'b', 'bs')`,
		`INSERT INTO _rh_columns (table_id, col_id, position, type) VALUES ('A', 'x', 1, 'Text'), ('A', 'y', 2, 'Int'), ('B', 'x', 1, 'Text')`)
	raw(stmts...).Close()

	e = openEngine(t, dir, Options{})
	d, err := e.OpenDoc(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	e.Close()
	db := raw()
	defer db.Close()
	rows, err := db.Query(`SELECT uuid FROM _rh_tables UNION ALL SELECT uuid FROM _rh_columns`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			t.Fatal(err)
		}
		if !re.MatchString(u) || seen[u] {
			t.Errorf("uuid %q: not a fresh version 4 uuid", u)
		}
		seen[u] = true
	}
	if len(seen) != 5 {
		t.Errorf("%d uuids, want 5", len(seen))
	}
}
