package postgres_test

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// Every migration of the SQLite engine has its PostgreSQL twin, with the
// same file name, the same tables and columns in the same order, and the
// same indexes: a column added on one side only fails here, not in
// production.
func TestMigrationsMirrorSQLite(t *testing.T) {
	for _, dir := range []string{"migrations", "docmigrations"} {
		lite, err := filepath.Glob(filepath.Join("..", "sqlite", dir, "*.sql"))
		if err != nil || len(lite) == 0 {
			t.Fatalf("no SQLite migrations in %s: %v", dir, err)
		}
		ours, _ := filepath.Glob(filepath.Join(dir, "*.sql"))
		if len(ours) != len(lite) {
			t.Errorf("%s: %d SQLite migrations, %d PostgreSQL ones", dir, len(lite), len(ours))
		}
		for _, f := range lite {
			name := filepath.Join(dir, filepath.Base(f))
			want := shape(t, f)
			got := shape(t, name)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s differs from SQLite's:\n got  %v\n want %v", name, got, want)
			}
		}
	}
}

var (
	createTable = regexp.MustCompile(`(?is)CREATE TABLE (\w+) \((.*?)\n\)`)
	createIndex = regexp.MustCompile(`(?i)CREATE (?:UNIQUE )?INDEX (\w+) ON (\w+)\s*\(([^)]*)\)`)
	constraint  = regexp.MustCompile(`(?i)^(PRIMARY KEY|UNIQUE|FOREIGN KEY|CHECK)\b`)
)

// shape lists a migration's tables with their columns, and its indexes.
func shape(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range createTable.FindAllStringSubmatch(string(b), -1) {
		cols := []string{}
		for line := range strings.SplitSeq(m[2], "\n") {
			line = strings.TrimSpace(line)
			if line == "" || constraint.MatchString(line) {
				continue
			}
			cols = append(cols, strings.Fields(line)[0])
		}
		out = append(out, "table "+m[1]+"("+strings.Join(cols, ",")+")")
	}
	for _, m := range createIndex.FindAllStringSubmatch(string(b), -1) {
		out = append(out, "index "+m[1]+" on "+m[2]+"("+strings.ReplaceAll(m[3], " ", "")+")")
	}
	return out
}
