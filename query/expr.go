package query

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Expr is a boolean filter expression: an [And], [Or], [Not] or [Cond].
// The set is closed (the marker method is unexported) so that every
// consumer's type switch can be exhaustive.
//
// String renders the canonical expression syntax accepted by [ParseExpr];
// for every Expr that ParseExpr returns, ParseExpr(e.String()) returns an
// Expr [Equal] to e.
type Expr interface {
	fmt.Stringer
	expr()
}

// And is true when every one of Exprs is true. An empty And is true.
type And struct{ Exprs []Expr }

// Or is true when at least one of Exprs is true. An empty Or is false.
type Or struct{ Exprs []Expr }

// Not negates Expr.
type Not struct{ Expr Expr }

// Cond compares a column with a value.
//
// Path names the column: one element for a column of the queried table, or
// several for a dotted path through Ref columns (["Company", "country"] is
// the country of the row that the Company column refers to).
//
// Value is a JSON scalar — string, json.Number, bool or nil — except for
// [OpIn] and [OpContainsAny], whose value is a []any of scalars, and [OpIs],
// whose value is the string "NULL" or "NOT_NULL". Numbers stay json.Number
// so that their text is never rounded; converting them to the column's type
// is the core's job. Expressions built in process may also hold int64
// numbers (a list of ids to look up, say).
type Cond struct {
	Path  []string
	Op    Op
	Value any
}

func (And) expr()  {}
func (Or) expr()   {}
func (Not) expr()  {}
func (Cond) expr() {}

// Op is a comparison operator of a [Cond].
type Op string

// The operators. Their names are those of the filter syntax, GraphQL's
// filter input fields and Twenty's REST comparators.
const (
	OpEq          Op = "eq"          // equal (a nil value matches empty cells)
	OpNeq         Op = "neq"         // not equal
	OpIn          Op = "in"          // equal to one of a list
	OpGt          Op = "gt"          // greater than
	OpGte         Op = "gte"         // greater than or equal
	OpLt          Op = "lt"          // less than
	OpLte         Op = "lte"         // less than or equal
	OpLike        Op = "like"        // SQL LIKE pattern (% and _), case-sensitive
	OpILike       Op = "ilike"       // SQL LIKE pattern, case-insensitive
	OpStartsWith  Op = "startsWith"  // text prefix
	OpEndsWith    Op = "endsWith"    // text suffix
	OpIs          Op = "is"          // "NULL" or "NOT_NULL"
	OpContainsAny Op = "containsAny" // a list cell (ChoiceList, RefList) holds one of a list
)

// Values of an [OpIs] condition.
const (
	IsNull    = "NULL"
	IsNotNull = "NOT_NULL"
)

// allOps lists every operator, in the order error messages show them.
var allOps = [...]Op{OpEq, OpNeq, OpIn, OpGt, OpGte, OpLt, OpLte, OpLike, OpILike,
	OpStartsWith, OpEndsWith, OpIs, OpContainsAny}

// Ops returns every operator, in a fixed order (a fresh slice each call).
func Ops() []Op { return append([]Op(nil), allOps[:]...) }

// Valid reports whether o is one of [Ops].
func (o Op) Valid() bool {
	_, ok := opKinds[o]
	return ok
}

// opKind says what value an operator takes.
type opKind int

const (
	kindScalar  opKind = iota // any scalar, nil included (eq, neq)
	kindOrdered               // a non-nil scalar (gt, gte, lt, lte)
	kindText                  // a string (like, ilike, startsWith, endsWith)
	kindList                  // an array of scalars (in, containsAny)
	kindNull                  // "NULL" or "NOT_NULL" (is)
)

var opKinds = map[Op]opKind{
	OpEq: kindScalar, OpNeq: kindScalar,
	OpGt: kindOrdered, OpGte: kindOrdered, OpLt: kindOrdered, OpLte: kindOrdered,
	OpLike: kindText, OpILike: kindText, OpStartsWith: kindText, OpEndsWith: kindText,
	OpIn: kindList, OpContainsAny: kindList,
	OpIs: kindNull,
}

// lookupOp finds an operator by name, ignoring case.
func lookupOp(name string) (Op, bool) {
	for _, op := range allOps {
		if strings.EqualFold(string(op), name) {
			return op, true
		}
	}
	return "", false
}

func opNames() string {
	names := make([]string, len(allOps))
	for i, op := range allOps {
		names[i] = string(op)
	}
	return strings.Join(names, ", ")
}

// String renders the group as and(e1,e2,...).
func (a And) String() string { return group("and", a.Exprs) }

// String renders the group as or(e1,e2,...).
func (o Or) String() string { return group("or", o.Exprs) }

// String renders the negation as not(e).
func (n Not) String() string { return group("not", []Expr{n.Expr}) }

// String renders the condition as path[op]:value, the value in JSON (or
// the bare word NULL / NOT_NULL for is).
func (c Cond) String() string {
	var b strings.Builder
	b.WriteString(strings.Join(c.Path, "."))
	b.WriteByte('[')
	b.WriteString(string(c.Op))
	b.WriteString("]:")
	if s, ok := c.Value.(string); ok && c.Op == OpIs && (s == IsNull || s == IsNotNull) {
		b.WriteString(s)
	} else {
		writeValue(&b, c.Value)
	}
	return b.String()
}

func group(name string, exprs []Expr) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('(')
	for i, e := range exprs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(exprString(e))
	}
	b.WriteByte(')')
	return b.String()
}

// exprString is e.String() made safe for nil (and nil pointers).
func exprString(e Expr) string {
	if e = deref(e); e == nil {
		return "<nil>"
	}
	return e.String()
}

// writeValue writes v in JSON without HTML escaping, numbers as their text.
func writeValue(b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case json.Number:
		b.WriteString(string(v))
	case string:
		b.WriteString(quote(v))
	case []any:
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			writeValue(b, x)
		}
		b.WriteByte(']')
	default:
		// Not a value this package produces; render something readable.
		data, err := json.Marshal(v)
		if err != nil {
			b.WriteString(quote(fmt.Sprint(v)))
			return
		}
		b.Write(data)
	}
}

// quote returns s as a JSON string literal, without HTML escaping so that
// <, > and & stay readable.
func quote(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(buf.String(), "\n")
}

// deref turns a pointer to one of the Expr types into its value, and a nil
// pointer into nil, so that callers holding &And{...} are served too.
func deref(e Expr) Expr {
	switch p := e.(type) {
	case *And:
		if p == nil {
			return nil
		}
		return *p
	case *Or:
		if p == nil {
			return nil
		}
		return *p
	case *Not:
		if p == nil {
			return nil
		}
		return *p
	case *Cond:
		if p == nil {
			return nil
		}
		return *p
	}
	return e
}

// Walk calls fn for every condition of e, depth first and left to right,
// and returns the first error fn returns. A nil e has no conditions. The
// core uses it to check each path against the schema.
func Walk(e Expr, fn func(Cond) error) error {
	switch e := deref(e).(type) {
	case nil:
		return nil
	case And:
		for _, x := range e.Exprs {
			if err := Walk(x, fn); err != nil {
				return err
			}
		}
	case Or:
		for _, x := range e.Exprs {
			if err := Walk(x, fn); err != nil {
				return err
			}
		}
	case Not:
		return Walk(e.Expr, fn)
	case Cond:
		return fn(e)
	}
	return nil
}

// Columns returns the distinct first elements of the paths of e's
// conditions — the columns of the queried table that e reads — in order of
// first appearance.
func Columns(e Expr) []string {
	var cols []string
	seen := map[string]bool{}
	_ = Walk(e, func(c Cond) error {
		if len(c.Path) > 0 && !seen[c.Path[0]] {
			seen[c.Path[0]] = true
			cols = append(cols, c.Path[0])
		}
		return nil
	})
	return cols
}

// Equal reports whether a and b are the same expression: the same tree of
// groups, the same paths and operators, and the same values, numbers
// compared by their text. A nil and an empty list of expressions or values
// are equal.
func Equal(a, b Expr) bool {
	a, b = deref(a), deref(b)
	switch a := a.(type) {
	case nil:
		return b == nil
	case And:
		b, ok := b.(And)
		return ok && equalExprs(a.Exprs, b.Exprs)
	case Or:
		b, ok := b.(Or)
		return ok && equalExprs(a.Exprs, b.Exprs)
	case Not:
		b, ok := b.(Not)
		return ok && Equal(a.Expr, b.Expr)
	case Cond:
		b, ok := b.(Cond)
		return ok && a.Op == b.Op && equalPaths(a.Path, b.Path) && equalValues(a.Value, b.Value)
	}
	return false
}

func equalExprs(a, b []Expr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func equalPaths(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalValues(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case bool:
		b, ok := b.(bool)
		return ok && a == b
	case string:
		b, ok := b.(string)
		return ok && a == b
	case json.Number:
		b, ok := b.(json.Number)
		return ok && a == b
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equalValues(a[i], b[i]) {
				return false
			}
		}
		return true
	}
	return false
}
