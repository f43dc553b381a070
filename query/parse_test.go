package query

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse"
)

type num = json.Number

func c(path string, op Op, v any) Cond {
	return Cond{Path: strings.Split(path, "."), Op: op, Value: v}
}

func and(es ...Expr) And { return And{Exprs: es} }
func or(es ...Expr) Or   { return Or{Exprs: es} }

func list(vs ...any) []any {
	if vs == nil {
		return []any{}
	}
	return vs
}

func TestParseExpr(t *testing.T) {
	tests := []struct {
		in   string
		want Expr
	}{
		// Empty input is no filter.
		{"", nil},
		{"   \t\n", nil},

		// Every operator.
		{`name[eq]:"Bob"`, c("name", OpEq, "Bob")},
		{`name[neq]:"Bob"`, c("name", OpNeq, "Bob")},
		{`age[in]:[1,2,3]`, c("age", OpIn, list(num("1"), num("2"), num("3")))},
		{`age[gt]:18`, c("age", OpGt, num("18"))},
		{`age[gte]:18.5`, c("age", OpGte, num("18.5"))},
		{`age[lt]:-1e3`, c("age", OpLt, num("-1e3"))},
		{`age[lte]:0`, c("age", OpLte, num("0"))},
		{`name[like]:"B%"`, c("name", OpLike, "B%")},
		{`name[ilike]:"%ob"`, c("name", OpILike, "%ob")},
		{`name[startsWith]:"Bo"`, c("name", OpStartsWith, "Bo")},
		{`name[endsWith]:"ob"`, c("name", OpEndsWith, "ob")},
		{`name[is]:NULL`, c("name", OpIs, IsNull)},
		{`name[is]:NOT_NULL`, c("name", OpIs, IsNotNull)},
		{`tags[containsAny]:["a","b"]`, c("tags", OpContainsAny, list("a", "b"))},

		// Operators and group names ignore case; is takes null spelled any way.
		{`name[STARTSWITH]:x`, c("name", OpStartsWith, "x")},
		{`name[Eq]:1`, c("name", OpEq, num("1"))},
		{`name[is]:null`, c("name", OpIs, IsNull)},
		{`name[is]:"not_null"`, c("name", OpIs, IsNotNull)},
		{`AND(a[eq]:1)`, and(c("a", OpEq, num("1")))},

		// Literals.
		{`a[eq]:true`, c("a", OpEq, true)},
		{`a[eq]:false`, c("a", OpEq, false)},
		{`a[eq]:null`, c("a", OpEq, nil)},
		{`a[neq]:null`, c("a", OpNeq, nil)},
		{`a[eq]:""`, c("a", OpEq, "")},
		{`a[gt]:"2024-01-01"`, c("a", OpGt, "2024-01-01")},
		{`a[eq]:12345678901234567890123`, c("a", OpEq, num("12345678901234567890123"))},

		// Bare words: strings unless JSON spells a literal.
		{`name[eq]:Bob`, c("name", OpEq, "Bob")},
		{`name[eq]:New York`, c("name", OpEq, "New York")},
		{`name[eq]:  padded  `, c("name", OpEq, "padded")},
		{`d[gt]:2023-12-01T14:23:23.914Z`, c("d", OpGt, "2023-12-01T14:23:23.914Z")},
		{`email[eq]:a+b@example.com`, c("email", OpEq, "a+b@example.com")},
		{`x[eq]:01`, c("x", OpEq, "01")},
		{`x[eq]:+1`, c("x", OpEq, "+1")},
		{`x[eq]:.5`, c("x", OpEq, ".5")},
		{`x[eq]:True`, c("x", OpEq, "True")},
		{`x[eq]:say "hi"`, c("x", OpEq, `say "hi"`)},
		{`x[eq]:café`, c("x", OpEq, "café")},
		// After a text operator a bare word is text as written.
		{`x[startsWith]:12`, c("x", OpStartsWith, "12")},
		{`x[like]:true`, c("x", OpLike, "true")},
		{`x[endsWith]:null`, c("x", OpEndsWith, "null")},

		// Strings and escapes.
		{`x[eq]:"a,b)c"`, c("x", OpEq, "a,b)c")},
		{`x[eq]:"quote \" backslash \\ slash \/ nl \n tab \t"`, c("x", OpEq, "quote \" backslash \\ slash / nl \n tab \t")},
		{`x[eq]:"\u00e9\ud83d\ude00"`, c("x", OpEq, "é😀")},
		{`x[eq]:'single'`, c("x", OpEq, "single")},
		{`x[eq]:'it\'s "fine"'`, c("x", OpEq, `it's "fine"`)},
		{`x[eq]:'tab\there'`, c("x", OpEq, "tab\there")},
		{`x[eq]:'a\\'`, c("x", OpEq, `a\`)},
		{`x[eq]:"12"`, c("x", OpEq, "12")},

		// Lists.
		{`x[in]:[]`, c("x", OpIn, list())},
		{`x[in]:[ 1 , "two" , three four , true, null ]`, c("x", OpIn, list(num("1"), "two", "three four", true, nil))},
		{`x[in]:['a,b',"c]"]`, c("x", OpIn, list("a,b", "c]"))},
		{`x[containsAny]:[a]`, c("x", OpContainsAny, list("a"))},

		// Dotted paths.
		{`Company.country[eq]:"FR"`, c("Company.country", OpEq, "FR")},
		{`A.B.C.d[eq]:1`, c("A.B.C.d", OpEq, num("1"))},
		{`_x1._y[eq]:1`, c("_x1._y", OpEq, num("1"))},

		// A column may be named like a group.
		{`and[eq]:1`, c("and", OpEq, num("1"))},
		{`not[is]:NULL`, c("not", OpIs, IsNull)},

		// Groups and nesting.
		{`and(a[eq]:1,b[eq]:2)`, and(c("a", OpEq, num("1")), c("b", OpEq, num("2")))},
		{`or(a[eq]:1,b[eq]:2)`, or(c("a", OpEq, num("1")), c("b", OpEq, num("2")))},
		{`not(a[eq]:1)`, Not{c("a", OpEq, num("1"))}},
		{`and()`, and()},
		{`or()`, or()},
		{`a[eq]:1,b[eq]:2,c[eq]:3`, and(c("a", OpEq, num("1")), c("b", OpEq, num("2")), c("c", OpEq, num("3")))},
		{`and(fieldText[gt]:"val,ue",or(n[is]:NOT_NULL,not(t[startsWith]:"val"),and(n[eq]:6,t[ilike]:"%val%")),or(n[eq]:4,t[is]:NULL))`,
			and(
				c("fieldText", OpGt, "val,ue"),
				or(c("n", OpIs, IsNotNull), Not{c("t", OpStartsWith, "val")}, and(c("n", OpEq, num("6")), c("t", OpILike, "%val%"))),
				or(c("n", OpEq, num("4")), c("t", OpIs, IsNull)),
			)},
		{`not(not(a[eq]:1))`, Not{Not{c("a", OpEq, num("1"))}}},
		{`or(a[eq]:x),b[eq]:y`, and(or(c("a", OpEq, "x")), c("b", OpEq, "y"))},

		// Whitespace between tokens.
		{"  and ( a [ eq ] : 1 ,\n\tCompany . name [ in ] : [ \"x\" ] )  ",
			and(c("a", OpEq, num("1")), c("Company.name", OpIn, list("x")))},
		{"a[eq]:1 , b[eq]:2", and(c("a", OpEq, num("1")), c("b", OpEq, num("2")))},
	}
	for _, tt := range tests {
		got, err := ParseExpr(tt.in)
		if err != nil {
			t.Errorf("ParseExpr(%q): %v", tt.in, err)
			continue
		}
		if !Equal(got, tt.want) {
			t.Errorf("ParseExpr(%q) = %v, want %v", tt.in, exprString(got), exprString(tt.want))
		}
		if got != nil {
			again, err := ParseExpr(got.String())
			if err != nil || !Equal(again, got) {
				t.Errorf("ParseExpr(%q).String() = %q does not round-trip: %v, %v", tt.in, got.String(), again, err)
			}
		}
	}
}

func TestParseExprErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`name`, `invalid filter at offset 4: expected "[" and an operator after name, found the end of the filter`},
		{`name:1`, `invalid filter at offset 4: expected "[" and an operator after name, found ":"`},
		{`name[`, `invalid filter at offset 5: expected an operator (eq, neq, in, gt, gte, lt, lte, like, ilike, startsWith, endsWith, is, containsAny), found the end of the filter`},
		{`name[foo]:1`, `invalid filter at offset 5: unknown operator "foo"; expected one of eq, neq, in, gt, gte, lt, lte, like, ilike, startsWith, endsWith, is, containsAny`},
		{`name[eq:1`, `invalid filter at offset 7: expected "]" after operator eq, found ":"`},
		{`name[eq]1`, `invalid filter at offset 8: expected ":" and a value after name[eq], found "1"`},
		{`name[eq]:`, `invalid filter at offset 9: expected a value, found the end of the filter`},
		{`name[eq]:,b[eq]:1`, `invalid filter at offset 9: expected a value, found ","`},
		{`name[eq]:"abc`, `invalid filter at offset 9: unterminated string, expected a closing "`},
		{`name[eq]:'abc\'`, `invalid filter at offset 9: unterminated string, expected a closing '`},
		{`name[eq]:"a\qb"`, `invalid filter at offset 9: invalid string: control characters must be escaped and escapes must be JSON's (\" \\ \/ \b \f \n \r \t \uXXXX)`},
		{"name[eq]:\"a\nb\"", `invalid filter at offset 9: invalid string: control characters must be escaped and escapes must be JSON's (\" \\ \/ \b \f \n \r \t \uXXXX)`},
		{`name[eq]:"a" "b"`, `invalid filter at offset 13: expected "," or the end of the filter, found "\""`},
		{`name[eq]:f(x)`, `invalid filter at offset 10: unexpected "(" in a bare value (a missing ","?); quote values that contain (, [ or ]`},
		{`x[eq]:a]:[b`, `invalid filter at offset 7: unexpected "]" in a bare value (a missing ","?); quote values that contain (, [ or ]`},
		{`x[in]:[a[1]]`, `invalid filter at offset 8: unexpected "[" in a bare value (a missing ","?); quote values that contain (, [ or ]`},
		{`name[eq]:x)`, `invalid filter at offset 10: expected "," or the end of the filter, found ")"`},
		{`a[eq]:1,`, `invalid filter at offset 8: expected a condition (column[op]:value) or and(, or(, not(, found the end of the filter`},
		{`,a[eq]:1`, `invalid filter at offset 0: expected a condition (column[op]:value) or and(, or(, not(, found ","`},
		{`1a[eq]:1`, `invalid filter at offset 0: expected a condition (column[op]:value) or and(, or(, not(, found "1"`},
		{`a.[eq]:1`, `invalid filter at offset 2: expected a column name after ".", found "["`},
		{`a..b[eq]:1`, `invalid filter at offset 2: expected a column name after ".", found "."`},
		{`xor(a[eq]:1)`, `invalid filter at offset 0: unknown group "xor"; expected and(, or( or not(`},
		{`and(a[eq]:1`, `invalid filter at offset 11: expected "," or ")" closing and( at offset 0, found the end of the filter`},
		{`and(a[eq]:1 b[eq]:2)`, `invalid filter at offset 13: unexpected "[" in a bare value (a missing ","?); quote values that contain (, [ or ]`},
		{`and(a[eq]:"1" b[eq]:2)`, `invalid filter at offset 14: expected "," or ")" closing and( at offset 0, found "b"`},
		{`and(a[eq]:1,)`, `invalid filter at offset 12: expected a condition (column[op]:value) or and(, or(, not(, found ")"`},
		{`not()`, `invalid filter at offset 0: not( takes exactly one expression, found 0`},
		{`not(a[eq]:1,b[eq]:2)`, `invalid filter at offset 0: not( takes exactly one expression, found 2`},
		{`and(a[eq]:1))`, `invalid filter at offset 12: expected "," or the end of the filter, found ")"`},
		{`é[eq]:1`, `invalid filter at offset 0: expected a condition (column[op]:value) or and(, or(, not(, found "é"`},
		{`a[eq]:"é",é`, `invalid filter at offset 10: expected a condition (column[op]:value) or and(, or(, not(, found "é"`},

		// Values that do not fit the operator.
		{`a[eq]:[1]`, `invalid filter at offset 6: eq takes one value, not a list (use in for a list)`},
		{`a[neq]:[]`, `invalid filter at offset 7: neq takes one value, not a list (use in for a list)`},
		{`a[gt]:null`, `invalid filter at offset 6: gt needs a value, not null (use is:NULL to match empty cells)`},
		{`a[lte]:[1]`, `invalid filter at offset 7: lte takes a string, number or boolean`},
		{`a[startsWith]:[1]`, `invalid filter at offset 14: startsWith takes a string`},
		{`a[in]:1`, `invalid filter at offset 6: in takes a list of values, e.g. col[in]:[1,2]`},
		{`a[in]:"x"`, `invalid filter at offset 6: in takes a list of values, e.g. col[in]:[1,2]`},
		{`a[containsAny]:x`, `invalid filter at offset 15: containsAny takes a list of values, e.g. col[containsAny]:[1,2]`},
		{`a[in]:[[1]]`, `invalid filter at offset 7: lists cannot be nested`},
		{`a[in]:[1,2`, `invalid filter at offset 10: expected "," or "]" closing the list at offset 6, found the end of the filter`},
		{`a[in]:[1, `, `invalid filter at offset 10: expected a value and "]" closing the list at offset 6, found the end of the filter`},
		{`a[in]:[1,2)`, `invalid filter at offset 10: expected "," or "]" closing the list at offset 6, found ")"`},
		{`a[in]:[1,]`, `invalid filter at offset 9: expected a value, found "]"`},
		{`a[in]:["a" "b"]`, `invalid filter at offset 11: expected "," or "]" closing the list at offset 6, found "\""`},
		{`a[is]:1`, `invalid filter at offset 6: is takes NULL or NOT_NULL`},
		{`a[is]:EMPTY`, `invalid filter at offset 6: is takes NULL or NOT_NULL`},
		{`a[is]:[NULL]`, `invalid filter at offset 6: is takes NULL or NOT_NULL`},

		{"a[eq]:\"\xff\"", `invalid filter: not valid UTF-8`},
	}
	for _, tt := range tests {
		got, err := ParseExpr(tt.in)
		if err == nil {
			t.Errorf("ParseExpr(%q) = %v, want error %q", tt.in, got, tt.want)
			continue
		}
		checkInvalid(t, err, tt.want, "ParseExpr(%q)", tt.in)
	}
}

// checkInvalid checks that err is an EINVALID *rowhouse.Error with message want.
func checkInvalid(t *testing.T, err error, want string, format string, args ...any) {
	t.Helper()
	if k := rowhouse.ErrorKind(err); k != rowhouse.EINVALID {
		t.Errorf(format+": error kind %q, want %q (%v)", append(args, k, rowhouse.EINVALID, err)...)
	}
	if got := rowhouse.ErrorMessage(err); got != want {
		t.Errorf(format+":\n got error %s\nwant error %s", append(args, got, want)...)
	}
}

func TestParseExprLimits(t *testing.T) {
	conds := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = "a[eq]:1"
		}
		return strings.Join(parts, ",")
	}
	nest := func(n int) string {
		return strings.Repeat("not(", n) + "a[eq]:1" + strings.Repeat(")", n)
	}
	l := Limits{MaxLength: 200, MaxConds: 3, MaxDepth: 2, MaxValues: 4, MaxPathLen: 2}
	ok := []string{
		conds(3),
		nest(2),
		"a[in]:[1,2],b[in]:[3,4]",
		"a.b[eq]:1",
		strings.Repeat(" ", 190) + "a[eq]:1",
		"and(a[eq]:1,not(b[eq]:1))",
	}
	for _, s := range ok {
		if _, err := l.ParseExpr(s); err != nil {
			t.Errorf("ParseExpr(%q) with %+v: %v", s, l, err)
		}
	}
	bad := []struct{ in, want string }{
		{conds(4), "invalid filter at offset 24: more than 3 conditions (limit MaxConds)"},
		{nest(3), "invalid filter at offset 8: groups nested deeper than 2 levels (limit MaxDepth)"},
		// The implicit and of a top-level list is a level too.
		{"b[eq]:1," + nest(2), "invalid filter: groups nested deeper than 2 levels (limit MaxDepth)"},
		{"a[in]:[1,2],b[in]:[3,4,5]", "invalid filter at offset 18: more than 4 values in lists (limit MaxValues)"},
		{"a.b.c[eq]:1", "invalid filter at offset 0: path a.b.c has more than 2 elements (limit MaxPathLen)"},
		{strings.Repeat(" ", 200) + "a[eq]:1", "invalid filter: 207 bytes is longer than 200 bytes (limit MaxLength)"},
	}
	for _, tt := range bad {
		_, err := l.ParseExpr(tt.in)
		if err == nil {
			t.Errorf("ParseExpr(%q) with %+v: no error, want %q", tt.in, l, tt.want)
			continue
		}
		checkInvalid(t, err, tt.want, "ParseExpr(%.40q)", tt.in)
	}

	// The defaults.
	if _, err := ParseExpr(conds(DefaultMaxConds)); err != nil {
		t.Errorf("%d conditions: %v", DefaultMaxConds, err)
	}
	if _, err := ParseExpr(conds(DefaultMaxConds + 1)); err == nil {
		t.Errorf("%d conditions: no error", DefaultMaxConds+1)
	}
	if _, err := ParseExpr(nest(DefaultMaxDepth)); err != nil {
		t.Errorf("depth %d: %v", DefaultMaxDepth, err)
	}
	if _, err := ParseExpr(nest(DefaultMaxDepth + 1)); err == nil {
		t.Errorf("depth %d: no error", DefaultMaxDepth+1)
	}
	if _, err := ParseExpr(strings.Repeat(" ", DefaultMaxLength+1)); err == nil {
		t.Errorf("%d bytes: no error", DefaultMaxLength+1)
	}
	// Deep nesting far past the limit fails fast rather than recursing.
	if _, err := ParseExpr(strings.Repeat("and(", 4000)); err == nil {
		t.Errorf("deep nesting: no error")
	}
	// DefaultLimits spells out what the zero Limits means.
	if got := (Limits{}).resolved(); got != DefaultLimits {
		t.Errorf("Limits{}.resolved() = %+v, want DefaultLimits %+v", got, DefaultLimits)
	}
}

func TestParseFilter(t *testing.T) {
	tests := []struct {
		in   string
		want Expr
	}{
		{"", nil},
		{"  ", nil},
		{"{}", nil},
		{` {"a":[1]}`, c("a", OpIn, list(num("1")))},
		{`a[eq]:1`, c("a", OpEq, num("1"))},
	}
	for _, tt := range tests {
		got, err := ParseFilter(tt.in)
		if err != nil || !Equal(got, tt.want) {
			t.Errorf("ParseFilter(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	_, err := ParseFilter(`{"a":1}`)
	checkInvalid(t, err, MessageFilterNotArrays, "ParseFilter")
	_, err = ParseFilter(`a`)
	checkInvalid(t, err, `invalid filter at offset 1: expected "[" and an operator after a, found the end of the filter`, "ParseFilter")
}

func TestErrorsClipInput(t *testing.T) {
	long := strings.Repeat("x", 5000)
	for _, s := range []string{long, "a[" + long + "]:1", long + "(a[eq]:1)", `a[eq]:"1" ` + long} {
		_, err := ParseExpr(s)
		if err == nil {
			t.Fatalf("ParseExpr(%.20q...): no error", s)
		}
		if msg := rowhouse.ErrorMessage(err); len(msg) > 300 {
			t.Errorf("ParseExpr(%.20q...) error is %d bytes long", s, len(msg))
		}
	}
	_, err := ParseSort(long + ":opt")
	if msg := rowhouse.ErrorMessage(err); len(msg) > 300 {
		t.Errorf("ParseSort error is %d bytes long", len(msg))
	}
	_, err = ParseGristFilter([]byte(`{"` + long + ` ":[1]}`))
	if msg := rowhouse.ErrorMessage(err); len(msg) > 300 {
		t.Errorf("ParseGristFilter error is %d bytes long", len(msg))
	}
	if got := clip(strings.Repeat("é", 30)); got != strings.Repeat("é", 20)+"..." {
		t.Errorf("clip cuts a rune: %q", got)
	}
}
