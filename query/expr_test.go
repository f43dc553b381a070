package query

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	tests := []struct {
		e    Expr
		want string
	}{
		{c("a", OpEq, "x"), `a[eq]:"x"`},
		{c("a", OpEq, `<&> "q" \ é`+"\n"), `a[eq]:"<&> \"q\" \\ é\n"`},
		{c("a", OpEq, num("1.50")), `a[eq]:1.50`},
		{c("a", OpEq, nil), `a[eq]:null`},
		{c("a", OpNeq, true), `a[neq]:true`},
		{c("Company.country", OpIn, list("FR", num("2"), nil, false)), `Company.country[in]:["FR",2,null,false]`},
		{c("a", OpIn, list()), `a[in]:[]`},
		{c("a", OpIs, IsNull), `a[is]:NULL`},
		{c("a", OpIs, IsNotNull), `a[is]:NOT_NULL`},
		{c("a", OpIs, "other"), `a[is]:"other"`},
		{and(c("a", OpEq, num("1")), or(c("b", OpGt, num("2")), Not{c("c", OpStartsWith, "x")})), `and(a[eq]:1,or(b[gt]:2,not(c[startsWith]:"x")))`},
		{and(), `and()`},
		{or(), `or()`},
		{&And{Exprs: []Expr{&Cond{Path: []string{"a"}, Op: OpEq, Value: "x"}}}, `and(a[eq]:"x")`},
		{and(nil), `and(<nil>)`},
		{c("a", OpEq, 3), `a[eq]:3`}, // not a parser value, rendered anyway
	}
	for _, tt := range tests {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("String() = %s, want %s", got, tt.want)
		}
	}
}

func TestWalkAndColumns(t *testing.T) {
	e, err := ParseExpr(`and(b[eq]:1,or(a.x[eq]:2,not(b[gt]:3)),Company.country[eq]:FR)`)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	err = Walk(e, func(c Cond) error {
		seen = append(seen, c.String())
		return nil
	})
	want := []string{`b[eq]:1`, `a.x[eq]:2`, `b[gt]:3`, `Company.country[eq]:"FR"`}
	if err != nil || !reflect.DeepEqual(seen, want) {
		t.Errorf("Walk visited %q, %v; want %q", seen, err, want)
	}
	if got := Columns(e); !reflect.DeepEqual(got, []string{"b", "a", "Company"}) {
		t.Errorf("Columns = %q", got)
	}

	// Walk stops at the first error and returns it.
	stop := errors.New("stop")
	n := 0
	err = Walk(e, func(c Cond) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if err != stop || n != 2 {
		t.Errorf("Walk returned %v after %d conditions, want stop after 2", err, n)
	}

	// nil and pointers.
	if err := Walk(nil, func(Cond) error { t.Error("called on nil"); return nil }); err != nil {
		t.Error(err)
	}
	if got := Columns(nil); got != nil {
		t.Errorf("Columns(nil) = %q", got)
	}
	if got := Columns(&Or{Exprs: []Expr{&Not{Expr: &Cond{Path: []string{"p"}}}, (*Cond)(nil)}}); !reflect.DeepEqual(got, []string{"p"}) {
		t.Errorf("Columns(pointers) = %q", got)
	}
}

func TestEqual(t *testing.T) {
	a := c("a", OpIn, list(num("1"), "x"))
	tests := []struct {
		x, y Expr
		want bool
	}{
		{nil, nil, true},
		{a, a, true},
		{a, &a, true},
		{and(), And{Exprs: []Expr{}}, true},
		{c("a", OpIn, list()), c("a", OpIn, []any(nil)), true},
		{a, nil, false},
		{nil, a, false},
		{a, c("a", OpIn, list(num("1.0"), "x")), false},
		{a, c("a", OpContainsAny, list(num("1"), "x")), false},
		{a, c("b", OpIn, list(num("1"), "x")), false},
		{a, c("a.b", OpIn, list(num("1"), "x")), false},
		{c("a", OpEq, "1"), c("a", OpEq, num("1")), false},
		{c("a", OpEq, nil), c("a", OpEq, false), false},
		{c("a", OpEq, 1), c("a", OpEq, 1), false}, // not a value type of the package
		{and(a), or(a), false},
		{and(a), and(a, a), false},
		{Not{a}, Not{a}, true},
		{Not{a}, Not{c("b", OpEq, nil)}, false},
	}
	for _, tt := range tests {
		if got := Equal(tt.x, tt.y); got != tt.want {
			t.Errorf("Equal(%v, %v) = %v, want %v", tt.x, tt.y, got, tt.want)
		}
	}
}

func TestCheckExpr(t *testing.T) {
	if err := CheckExpr(nil); err != nil {
		t.Errorf("CheckExpr(nil): %v", err)
	}
	if err := CheckExpr(and(c("a.b", OpIn, list(num("1"))), Not{or()})); err != nil {
		t.Errorf("CheckExpr: %v", err)
	}
	tests := []struct {
		e    Expr
		want string
	}{
		{c("a", "nope", nil), `invalid filter: unknown operator "nope" on a; expected one of eq, neq, in, gt, gte, lt, lte, like, ilike, startsWith, endsWith, is, containsAny`},
		{Cond{Op: OpEq}, `invalid filter: empty column path`},
		{c("a b", OpEq, nil), `invalid filter: "a b" is not a valid column id`},
		{c("a.b.c.d.e", OpEq, nil), `invalid filter: path a.b.c.d.e has more than 4 elements (limit MaxPathLen)`},
		{c("a", OpEq, 1), `invalid filter: a: eq takes a string, number, boolean or null`},
		{c("a", OpEq, num("1x")), `invalid filter: a: eq takes a string, number, boolean or null`},
		{c("a", OpIn, list(1)), `invalid filter: a: in list element 0 must be a string, number, boolean or null`},
		{c("a", OpIn, list(int64(1), float32(2))), `invalid filter: a: in list element 1 must be a string, number, boolean or null`},
		{c("a", OpIn, list("x", list())), `invalid filter: a: in list element 1 must be a string, number, boolean or null`},
		{c("a", OpLike, num("1")), `invalid filter: a: like takes a string`},
		{c("a", OpIs, nil), `invalid filter: a: is takes NULL or NOT_NULL`},
		{Not{}, `invalid filter: not() needs an expression`},
		{and(nil), `invalid filter: empty expression inside a group`},
	}
	for _, tt := range tests {
		checkInvalid(t, CheckExpr(tt.e), tt.want, "CheckExpr(%v)", tt.e)
	}
	l := Limits{MaxConds: 2, MaxDepth: 1, MaxValues: 2}
	checkInvalid(t, l.CheckExpr(and(c("a", OpEq, nil), c("a", OpEq, nil), c("a", OpEq, nil))),
		"invalid filter: more than 2 conditions (limit MaxConds)", "CheckExpr")
	checkInvalid(t, l.CheckExpr(and(Not{c("a", OpEq, nil)})),
		"invalid filter: groups nested deeper than 1 levels (limit MaxDepth)", "CheckExpr")
	checkInvalid(t, l.CheckExpr(and(c("a", OpIn, list(nil, nil)), c("a", OpIn, list(nil)))),
		"invalid filter: more than 2 values in lists (limit MaxValues)", "CheckExpr")
}

func TestOps(t *testing.T) {
	ops := Ops()
	if len(ops) != 13 {
		t.Errorf("Ops() has %d operators", len(ops))
	}
	for _, op := range ops {
		if !op.Valid() {
			t.Errorf("%s is not Valid", op)
		}
	}
	ops[0] = "changed"
	if Ops()[0] != OpEq {
		t.Error("Ops() shares its slice")
	}
	if Op("EQ").Valid() {
		t.Error("Op(EQ) is Valid")
	}
}

// gen generates random expressions within the default limits.
type gen struct {
	r     *rand.Rand
	conds int
}

var genIdents = []string{"a", "B", "_x", "name", "Company", "country", "id", "and", "or", "not", "is", "x1_2"}

var genStrings = []string{"", " ", "x", "Bob", "New York", "a,b", "(x)", "[y]", `"q"`, `it's`, `\`, "\n\t\r", "\x00\x1f",
	"é", "😀", "\u2028", "<&>", "%_", "NULL", "null", "true", "12", "-1.5e3", "\ufffd", ":", "a]:[b"}

var genNumbers = []string{"0", "-0", "1", "-12", "3.25", "1e9", "-2E-3", "12345678901234567890", "0.000001"}

func (g *gen) ident() string { return genIdents[g.r.IntN(len(genIdents))] }

func (g *gen) path() []string {
	p := []string{g.ident()}
	for len(p) < DefaultMaxPathLen && g.r.IntN(4) == 0 {
		p = append(p, g.ident())
	}
	return p
}

func (g *gen) str() string {
	if g.r.IntN(3) == 0 {
		// Random runes, any of them.
		var b strings.Builder
		for n := g.r.IntN(6); n > 0; n-- {
			b.WriteRune(rune(g.r.IntN(0x11000)))
		}
		return strings.ToValidUTF8(b.String(), "")
	}
	return genStrings[g.r.IntN(len(genStrings))]
}

func (g *gen) scalar(allowNil bool) any {
	switch g.r.IntN(5) {
	case 0:
		return num(genNumbers[g.r.IntN(len(genNumbers))])
	case 1:
		return g.r.IntN(2) == 0
	case 2:
		if allowNil {
			return nil
		}
	}
	return g.str()
}

func (g *gen) cond() Cond {
	g.conds++
	op := allOps[g.r.IntN(len(allOps))]
	var v any
	switch opKinds[op] {
	case kindScalar:
		v = g.scalar(true)
	case kindOrdered:
		v = g.scalar(false)
	case kindText:
		v = g.str()
	case kindList:
		l := []any{}
		for n := g.r.IntN(4); n > 0; n-- {
			l = append(l, g.scalar(true))
		}
		v = l
	case kindNull:
		v = []string{IsNull, IsNotNull}[g.r.IntN(2)]
	}
	return Cond{Path: g.path(), Op: op, Value: v}
}

func (g *gen) expr(depth int) Expr {
	if depth >= DefaultMaxDepth || g.conds >= 40 || g.r.IntN(3) > 0 {
		return g.cond()
	}
	switch g.r.IntN(3) {
	case 0:
		return Not{Expr: g.expr(depth + 1)}
	case 1:
		var es []Expr
		for n := g.r.IntN(4); n > 0; n-- {
			es = append(es, g.expr(depth+1))
		}
		return And{Exprs: es}
	}
	var es []Expr
	for n := g.r.IntN(4); n > 0; n-- {
		es = append(es, g.expr(depth+1))
	}
	return Or{Exprs: es}
}

// TestStringRoundTrip is the property that String renders what ParseExpr
// reads back: for random valid expressions e, ParseExpr(e.String()) is Equal
// to e.
func TestStringRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		g := &gen{r: r}
		e := g.expr(0)
		if err := CheckExpr(e); err != nil {
			t.Fatalf("generated an invalid expression %v: %v", e, err)
		}
		s := e.String()
		got, err := ParseExpr(s)
		if err != nil {
			t.Fatalf("ParseExpr(%q): %v", s, err)
		}
		if !Equal(got, e) {
			t.Fatalf("ParseExpr(%q) = %v, want %v", s, exprString(got), e)
		}
		if got.String() != s {
			t.Fatalf("String is not canonical: %q then %q", s, got.String())
		}
	}
}

func ExampleParseExpr() {
	e, err := ParseExpr(`Company.country[eq]:FR, or(age[gte]:18, name[is]:NULL)`)
	if err != nil {
		panic(err)
	}
	fmt.Println(e)
	fmt.Println(Columns(e))
	// Output:
	// and(Company.country[eq]:"FR",or(age[gte]:18,name[is]:NULL))
	// [Company age name]
}
