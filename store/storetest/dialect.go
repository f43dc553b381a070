package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// dialect tests the engine's Dialect against its own database.
func (s *suite) dialect(t *testing.T) {
	e := s.engine(t)
	d := openDoc(t, e, newDoc(t, e))
	ctx := t.Context()
	dl := d.Dialect()

	t.Run("QuoteIdent", func(t *testing.T) {
		// Quoting keeps case, spaces, quotes and keywords.
		for _, name := range []string{"select", "Mixed Case", `we"ird`, "Ünïcode"} {
			q := dl.QuoteIdent(name)
			if _, err := d.Exec(ctx, `CREATE TABLE `+q+` (`+dl.QuoteIdent("from")+` INTEGER)`); err != nil {
				t.Fatalf("create table %s: %v", q, err)
			}
			if _, err := d.Exec(ctx, `INSERT INTO `+q+` (`+dl.QuoteIdent("from")+`) VALUES (?)`, 7); err != nil {
				t.Fatalf("insert into %s: %v", q, err)
			}
			var n int
			if err := d.QueryRow(ctx, `SELECT `+dl.QuoteIdent("from")+` FROM `+q).Scan(&n); err != nil || n != 7 {
				t.Errorf("select from %s: %d, %v", q, n, err)
			}
		}
	})

	t.Run("IsUniqueViolation", func(t *testing.T) {
		tbl := dl.QuoteIdent("uniq")
		if _, err := d.Exec(ctx, `CREATE TABLE `+tbl+` (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `INSERT INTO `+tbl+` (id, k, v) VALUES (1, 'a', 'x')`); err != nil {
			t.Fatal(err)
		}
		_, unique := d.Exec(ctx, `INSERT INTO `+tbl+` (id, k, v) VALUES (2, 'a', 'x')`)
		_, primary := d.Exec(ctx, `INSERT INTO `+tbl+` (id, k, v) VALUES (1, 'b', 'x')`)
		_, notNull := d.Exec(ctx, `INSERT INTO `+tbl+` (id, k, v) VALUES (3, 'c', NULL)`)
		_, syntax := d.Exec(ctx, `INSERT INTO nowhere VALUES`)
		for _, c := range []struct {
			name string
			err  error
			want bool
		}{
			{"unique column", unique, true},
			{"primary key", primary, true},
			{"wrapped unique", fmt.Errorf("insert: %w", unique), true},
			{"not null", notNull, false},
			{"syntax", syntax, false},
			{"other error", errors.New("unique constraint failed"), false},
			{"nil", nil, false},
		} {
			if c.want && c.err == nil {
				t.Errorf("%s: the statement did not fail", c.name)
				continue
			}
			if got := dl.IsUniqueViolation(c.err); got != c.want {
				t.Errorf("IsUniqueViolation(%s: %v) = %v, want %v", c.name, c.err, got, c.want)
			}
		}
	})

	t.Run("IDColumn", func(t *testing.T) {
		// Ids are never reused, even after the highest row is removed.
		tbl := dl.QuoteIdent("ids")
		if _, err := d.Exec(ctx, `CREATE TABLE `+tbl+` (`+dl.IDColumn()+`, v TEXT)`); err != nil {
			t.Fatal(err)
		}
		insert := func() int64 {
			var id int64
			tx := must(d.BeginWrite(ctx))(t)
			defer tx.Rollback()
			if err := tx.QueryRow(ctx, `INSERT INTO `+tbl+` (v) VALUES (?) RETURNING id`, "x").Scan(&id); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			return id
		}
		a, b := insert(), insert()
		if a <= 0 || b <= a {
			t.Fatalf("ids %d then %d", a, b)
		}
		if _, err := d.Exec(ctx, `DELETE FROM `+tbl+` WHERE id = ?`, b); err != nil {
			t.Fatal(err)
		}
		if c := insert(); c <= b {
			t.Errorf("id %d reused after deleting row %d", c, b)
		}
	})

	t.Run("Like", func(t *testing.T) {
		tbl := dl.QuoteIdent("words")
		if _, err := d.Exec(ctx, `CREATE TABLE `+tbl+` (id INTEGER PRIMARY KEY, w TEXT)`); err != nil {
			t.Fatal(err)
		}
		words := []string{"Apple", "apple", "application", "a_b", "axb", "50%", "500", `back\slash`, "star*", "q?"}
		for i, w := range words {
			if _, err := d.Exec(ctx, `INSERT INTO `+tbl+` (id, w) VALUES (?, ?)`, i+1, w); err != nil {
				t.Fatal(err)
			}
		}
		match := func(pattern string, ci bool) []string {
			t.Helper()
			rows, err := d.Query(ctx, `SELECT w FROM `+tbl+` WHERE `+dl.Like("w", ci)+` ORDER BY id`, dl.LikePattern(pattern, ci))
			if err != nil {
				t.Fatalf("Like(%q, %v): %v", pattern, ci, err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var w string
				if err := rows.Scan(&w); err != nil {
					t.Fatal(err)
				}
				out = append(out, w)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return out
		}
		for _, c := range []struct {
			pattern string
			ci      bool
			want    []string
		}{
			{"app%", false, []string{"apple", "application"}},
			{"app%", true, []string{"Apple", "apple", "application"}},
			{"APPLE", true, []string{"Apple", "apple"}},
			{"APPLE", false, nil},
			{"a_b", false, []string{"a_b", "axb"}},
			{`a\_b`, false, []string{"a_b"}},
			{`a\_b`, true, []string{"a_b"}},
			{`50\%`, false, []string{"50%"}},
			{`50\%`, true, []string{"50%"}},
			{`%\\%`, false, []string{`back\slash`}},
			{"star*", false, []string{"star*"}},
			{"q?", false, []string{"q?"}},
			{"%", false, words},
		} {
			if got := match(c.pattern, c.ci); !slices.Equal(got, c.want) {
				t.Errorf("LIKE %q (case-insensitive %v) matched %q, want %q", c.pattern, c.ci, got, c.want)
			}
		}
	})

	t.Run("JSON", func(t *testing.T) {
		tbl := dl.QuoteIdent("lists")
		if _, err := d.Exec(ctx, `CREATE TABLE `+tbl+` (id INTEGER PRIMARY KEY, l TEXT, parent INTEGER)`); err != nil {
			t.Fatal(err)
		}
		for i, l := range []string{`["a","b"]`, `["c"]`, `[]`, `[1,2]`} {
			if _, err := d.Exec(ctx, `INSERT INTO `+tbl+` (id, l, parent) VALUES (?, ?, ?)`, i+1, l, 1+i%2); err != nil {
				t.Fatal(err)
			}
		}
		ids := func(query string, args ...any) []int64 {
			t.Helper()
			rows, err := d.Query(ctx, query, args...)
			if err != nil {
				t.Fatalf("%s: %v", query, err)
			}
			defer rows.Close()
			var out []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				out = append(out, id)
			}
			return out
		}
		contains := `SELECT id FROM ` + tbl + ` WHERE ` + dl.JSONArrayContainsAny("l") + ` ORDER BY id`
		for _, c := range []struct {
			arg  string
			want []int64
		}{
			{`["b","c"]`, []int64{1, 2}},
			{`["a"]`, []int64{1}},
			{`["z"]`, nil},
			{`[2]`, []int64{4}},
			{`[]`, nil},
		} {
			if got := ids(contains, c.arg); !slices.Equal(got, c.want) {
				t.Errorf("JSONArrayContainsAny(%s) matched %v, want %v", c.arg, got, c.want)
			}
		}

		var agg string
		q := `SELECT ` + dl.JSONGroupArray("c.id", `FROM `+tbl+` c WHERE c.parent = p.id`, "c.id DESC") + ` FROM ` + tbl + ` p WHERE p.id = ?`
		for _, c := range []struct {
			parent int
			want   string
		}{{1, "[3,1]"}, {2, "[4,2]"}, {3, "[]"}} {
			if err := d.QueryRow(ctx, q, c.parent).Scan(&agg); err != nil {
				t.Fatalf("JSONGroupArray: %v", err)
			}
			if compact(agg) != c.want {
				t.Errorf("JSONGroupArray for parent %d = %s, want %s", c.parent, agg, c.want)
			}
		}
	})

	t.Run("Rebind", func(t *testing.T) {
		// Placeholders are '?' on every engine, even next to a quoted '?'.
		var s string
		var n int64
		if err := d.QueryRow(ctx, `SELECT '?', ?`, int64(5)).Scan(&s, &n); err != nil || s != "?" || n != 5 {
			t.Errorf("SELECT '?', ? = %q, %d, %v", s, n, err)
		}
	})
}

// compact removes spaces outside strings, so that engines that format JSON
// differently ("[3, 1]" and "[3,1]") compare equal.
func compact(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			out = append(out, s[i])
		}
	}
	return string(out)
}
