package store

import "testing"

func TestRebindDollar(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{``, ``},
		{`SELECT * FROM t WHERE a = ?`, `SELECT * FROM t WHERE a = $1`},
		{`INSERT INTO t (a, b, c) VALUES (?, ?, ?)`, `INSERT INTO t (a, b, c) VALUES ($1, $2, $3)`},
		{`?,?`, `$1,$2`},
		// Question marks inside strings and quoted identifiers are text.
		{`SELECT '?' , ?`, `SELECT '?' , $1`},
		{`SELECT "a?b" FROM t WHERE x = ?`, `SELECT "a?b" FROM t WHERE x = $1`},
		{`SELECT 'it''s ?', ?`, `SELECT 'it''s ?', $1`},
		{`SELECT "we""ird?" , ? , '?'`, `SELECT "we""ird?" , $1 , '?'`},
		{`SELECT '"?', ?, "'?", ?`, `SELECT '"?', $1, "'?", $2`},
		{`SELECT ? || 'x' || ?`, `SELECT $1 || 'x' || $2`},
		{`SELECT 'no placeholders here'`, `SELECT 'no placeholders here'`},
		{`SELECT '?'`, `SELECT '?'`},
	} {
		if got := RebindDollar(c.in); got != c.want {
			t.Errorf("RebindDollar(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// Ten and more placeholders get two-digit numbers.
	in, want := "", ""
	for i := 1; i <= 12; i++ {
		in += "?"
		want += "$" + itoa(i)
	}
	if got := RebindDollar(in); got != want {
		t.Errorf("RebindDollar(%q) = %q, want %q", in, got, want)
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func BenchmarkRebindDollar(b *testing.B) {
	q := `INSERT INTO "T" ("a", "b?", "c") VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET a = ?`
	for b.Loop() {
		RebindDollar(q)
	}
}
