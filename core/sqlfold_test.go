package core

import (
	"slices"
	"testing"

	"github.com/rowhouse/rowhouse/schema"
)

// foldSchema is a document with a table Items (Name, qty), a table Pets
// (name, legs: name in another case than Items.Name) and a column Date.
func foldSchema() *schema.Schema {
	col := func(id string) *schema.Column { return &schema.Column{ID: id} }
	return schema.New(1, []*schema.Table{
		{ID: "Items", Columns: []*schema.Column{col("Name"), col("qty"), col("Date")}},
		{ID: "Pets", Columns: []*schema.Column{col("name"), col("legs")}},
	})
}

func TestFoldNames(t *testing.T) {
	t.Parallel()
	s := foldSchema()
	cases := []struct{ in, want string }{
		// The document's names, in any case, quoted or not.
		{`select name from Items where Items.qty > 1`, `select "Name" AS "name" from "Items" where "Items"."qty" > 1`},
		{`SELECT NAME FROM items`, `SELECT "Name" AS "NAME" FROM "Items"`},
		{`select "name", "ITEMS"."QTY" from "items"`, `select "Name" AS "name", "Items"."qty" AS "QTY" from "Items"`},
		{"select [Name], `qty` from [items]", `select "Name", "qty" from "Items"`},
		// A name of one table in another's case: the one spelt as
		// written, else a column of the tables the statement names.
		{`select name from Pets`, `select "name" from "Pets"`},
		{`select Name from Pets`, `select "name" AS "Name" from "Pets"`},
		{`select NAME from Pets`, `select "name" AS "NAME" from "Pets"`},
		{`select p.NAME from Pets p`, `select p."name" AS "NAME" from "Pets" p`},
		// The answer's column names are as written, as SQLite names them:
		// only plain references of the outermost select lists get an alias.
		{`select distinct NAME, QTY + 1, count(QTY), QTY as q from Items`, `select distinct "Name" AS "NAME", "qty" + 1, count("qty"), "qty" as q from "Items"`},
		{`select NAME from (select NAME from Items) union select name from Pets`, `select "Name" AS "NAME" from (select "Name" from "Items") AS _rh_sub1 union select "name" from "Pets"`},
		{`select qty as NAME, qty as "LEGS", qty as [Total] from Items`, `select "qty" as "NAME", "qty" as "LEGS", "qty" as "Total" from "Items"`},
		{`select (select NAME from Items), Name from Items`, `select (select "Name" from "Items"), "Name" from "Items"`},
		// Other names with capitals take their first spelling, every use.
		{`select qty as Total from Items order by total`, `select "qty" as "Total" from "Items" order by "Total"`},
		{`select total from (select qty as Total from Items)`, `select "total" from (select "qty" as "total" from "Items") AS _rh_sub1`},
		{`with Big as (select * from Items) select * from big`, `with "Big" as (select * from "Items") select * from "Big"`},
		{`with recursive Cnt(x) as (select 1) select x from Cnt`, `with recursive "Cnt"(x) as (select 1) select x from "Cnt"`},
		{`select lower_name from t`, `select lower_name from t`},
		// Literals, comments, keywords, functions, types and parameters
		// are left alone.
		{`select 'Items' as s, "x" from Items -- Name here`, `select 'Items' as s, "x" from "Items" -- Name here`},
		{`select /* Name */ Name from Items`, `select /* Name */ "Name" from "Items"`},
		{`SELECT COUNT(*), Max(qty) FROM Items WHERE qty IS NOT NULL ORDER BY 1 DESC LIMIT 10`, `SELECT COUNT(*), Max("qty") FROM "Items" WHERE "qty" IS NOT NULL ORDER BY 1 DESC LIMIT 10`},
		{`select cast(qty as Date), qty::Text, E'it''s' from Items`, `select cast("qty" as Date), "qty"::Text, E'it''s' from "Items"`},
		{`select Date from Items where Date > ? and qty = $1`, `select "Date" from "Items" where "Date" > ? and "qty" = $1`},
		{`select 1e5, 2`, `select 1e5, 2`},
		// Subqueries in FROM and JOIN get the alias PostgreSQL wants.
		{`select * from (select 1) where 1`, `select * from (select 1) AS _rh_sub1 where 1`},
		{`select * from (select 1) x`, `select * from (select 1) x`},
		{`select * from (select 1) as x`, `select * from (select 1) as x`},
		{`select * from (select 1) join (select 2) on 1`, `select * from (select 1) AS _rh_sub1 join (select 2) AS _rh_sub2 on 1`},
		{`select * from ((select 1))`, `select * from ((select 1)) AS _rh_sub1`},
		{`select (select 1) from Items where qty in (select 1)`, `select (select 1) from "Items" where "qty" in (select 1)`},
		// Unterminated text is kept.
		{`select 'abc`, `select 'abc`},
		{`select "Items`, `select "Items`},
	}
	for _, c := range cases {
		if got := FoldNames(c.in, s); got != c.want {
			t.Errorf("FoldNames(%s)\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

// stringLiterals returns a statement's string literals, in order.
func stringLiterals(stmt string) []string {
	var out []string
	for _, t := range sqlTokens(stmt) {
		if t.kind == tokString {
			out = append(out, stmt[t.start:t.end])
		}
	}
	return out
}

// FuzzFoldNames checks what FoldNames must keep whatever the statement:
// the tokens cover the text, string literals are unchanged, folding twice
// is folding once, and WrapSelect takes the result if and only if it took
// the statement.
func FuzzFoldNames(f *testing.F) {
	for _, seed := range []string{
		`select name from Items where Items.qty > 1`,
		`select 'it''s' as "A""b", [x], ` + "`y`" + ` from t -- c`,
		`with Big as (select * from (select 1)) select * from big /* x */;`,
		`select cast(qty as Date), qty::Text, E'x' from Pets p join (select 2) on 1`,
	} {
		f.Add(seed)
	}
	s := foldSchema()
	f.Fuzz(func(t *testing.T, stmt string) {
		n := 0
		for _, tk := range sqlTokens(stmt) {
			if tk.start != n || tk.end <= tk.start {
				t.Fatalf("tokens of %q do not cover it at %d: %+v", stmt, n, tk)
			}
			n = tk.end
		}
		if n != len(stmt) {
			t.Fatalf("tokens of %q end at %d", stmt, n)
		}
		once := FoldNames(stmt, s)
		if !slices.Equal(stringLiterals(stmt), stringLiterals(once)) {
			t.Errorf("string literals changed: %q -> %q", stmt, once)
		}
		if twice := FoldNames(once, s); twice != once {
			t.Errorf("not idempotent: %q -> %q -> %q", stmt, once, twice)
		}
		_, err1 := WrapSelect(stmt)
		_, err2 := WrapSelect(once)
		if (err1 == nil) != (err2 == nil) {
			t.Errorf("WrapSelect(%q): %v, of the folded %q: %v", stmt, err1, once, err2)
		}
	})
}
