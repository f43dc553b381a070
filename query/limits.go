package query

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/rowhouse/rowhouse"
)

// Limits bound what a filter or sort may ask for, so that a hostile one is
// rejected while parsing, before it can cost anything. Exceeding a limit is
// an EINVALID error naming the limit.
//
// A zero (or negative) field means the default for that field (the Default*
// constant), so Limits{} behaves as [DefaultLimits] and a caller may set
// only the fields it cares about. The package-level parsers use the
// defaults; the methods of the same names use the receiver.
type Limits struct {
	// MaxLength is the maximum size in bytes of a filter or sort text
	// (cursors have their own bound, MaxCursorLength).
	MaxLength int
	// MaxConds is the maximum number of conditions in a filter (one per
	// column of a Grist JSON filter).
	MaxConds int
	// MaxDepth is the maximum nesting of groups: and(...), or(...),
	// not(...) and the implicit and of a top-level comma list or of a Grist
	// filter on several columns each count as one level.
	MaxDepth int
	// MaxValues is the maximum number of values in all the lists (in,
	// containsAny, Grist filter arrays) of one filter together.
	MaxValues int
	// MaxPathLen is the maximum number of elements of a dotted path,
	// which bounds the number of joins one condition or sort key needs.
	MaxPathLen int
	// MaxSortKeys is the maximum number of sort keys.
	MaxSortKeys int
}

// Default limits.
const (
	DefaultMaxLength   = 16 << 10
	DefaultMaxConds    = 100
	DefaultMaxDepth    = 16
	DefaultMaxValues   = 1000
	DefaultMaxPathLen  = 4
	DefaultMaxSortKeys = 10
)

// DefaultLimits spells out the defaults. The package's own functions do not
// read it (a zero Limits means the same), so it is safe to copy and modify.
var DefaultLimits = Limits{
	MaxLength:   DefaultMaxLength,
	MaxConds:    DefaultMaxConds,
	MaxDepth:    DefaultMaxDepth,
	MaxValues:   DefaultMaxValues,
	MaxPathLen:  DefaultMaxPathLen,
	MaxSortKeys: DefaultMaxSortKeys,
}

// resolved returns l with every zero (or negative) field replaced by its
// default.
func (l Limits) resolved() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxLength, DefaultMaxLength)
	def(&l.MaxConds, DefaultMaxConds)
	def(&l.MaxDepth, DefaultMaxDepth)
	def(&l.MaxValues, DefaultMaxValues)
	def(&l.MaxPathLen, DefaultMaxPathLen)
	def(&l.MaxSortKeys, DefaultMaxSortKeys)
	return l
}

// CheckExpr checks an expression built by other means than this package's
// parsers (the GraphQL surface builds its own from its input objects): every
// operator known, every path made of column ids within MaxPathLen, every
// value of the shape its operator takes, and the limits on conditions,
// depth and list values. A nil e is fine. The parsers' results always pass.
func (l Limits) CheckExpr(e Expr) error {
	l = l.resolved()
	var st exprStats
	if err := st.check(l, e, 0); err != nil {
		return err
	}
	return nil
}

// CheckExpr is DefaultLimits.CheckExpr.
func CheckExpr(e Expr) error { return Limits{}.CheckExpr(e) }

// exprStats accumulates the counts that limits bound.
type exprStats struct {
	conds  int
	values int
}

func (st *exprStats) check(l Limits, e Expr, depth int) error {
	switch e := deref(e).(type) {
	case nil:
		if depth > 0 {
			return rowhouse.Invalidf("invalid filter: empty expression inside a group")
		}
		return nil
	case And:
		return st.checkGroup(l, e.Exprs, depth+1)
	case Or:
		return st.checkGroup(l, e.Exprs, depth+1)
	case Not:
		if deref(e.Expr) == nil {
			return rowhouse.Invalidf("invalid filter: not() needs an expression")
		}
		return st.checkGroup(l, []Expr{e.Expr}, depth+1)
	case Cond:
		st.conds++
		if st.conds > l.MaxConds {
			return errTooManyConds(l)
		}
		if err := checkPath(l, e.Path); err != nil {
			return rowhouse.Invalidf("invalid filter: %s", err)
		}
		kind, ok := opKinds[e.Op]
		if !ok {
			return rowhouse.Invalidf("invalid filter: unknown operator %q on %s; expected one of %s",
				clip(string(e.Op)), clip(pathString(e.Path)), opNames())
		}
		if msg := checkValue(e.Op, kind, e.Value); msg != "" {
			return rowhouse.Invalidf("invalid filter: %s: %s", clip(pathString(e.Path)), msg)
		}
		if list, ok := e.Value.([]any); ok {
			st.values += len(list)
			if st.values > l.MaxValues {
				return errTooManyValues(l)
			}
		}
		return nil
	}
	return rowhouse.Invalidf("invalid filter: unsupported expression type %T", e)
}

func (st *exprStats) checkGroup(l Limits, exprs []Expr, depth int) error {
	if depth > l.MaxDepth {
		return errTooDeep(l)
	}
	for _, x := range exprs {
		if err := st.check(l, x, depth); err != nil {
			return err
		}
	}
	return nil
}

func errTooManyConds(l Limits) error {
	return rowhouse.Invalidf("invalid filter: more than %d conditions (limit MaxConds)", l.MaxConds)
}

func errTooDeep(l Limits) error {
	return rowhouse.Invalidf("invalid filter: groups nested deeper than %d levels (limit MaxDepth)", l.MaxDepth)
}

func errTooManyValues(l Limits) error {
	return rowhouse.Invalidf("invalid filter: more than %d values in lists (limit MaxValues)", l.MaxValues)
}

func errTooLong(what string, n int, l Limits) error {
	return rowhouse.Invalidf("invalid %s: %d bytes is longer than %d bytes (limit MaxLength)", what, n, l.MaxLength)
}

// checkPath returns a message (without prefix) when path is not a list of
// column ids within the MaxPathLen limit.
func checkPath(l Limits, path []string) error {
	if len(path) == 0 {
		return fmt.Errorf("empty column path")
	}
	if len(path) > l.MaxPathLen {
		return fmt.Errorf("path %s has more than %d elements (limit MaxPathLen)", clip(pathString(path)), l.MaxPathLen)
	}
	for _, p := range path {
		if !isIdent(p) {
			return fmt.Errorf("%q is not a valid column id", clip(p))
		}
	}
	return nil
}

// clip shortens s for an error message, so that a huge input does not make
// a huge message; it cuts on a rune boundary.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

func pathString(path []string) string {
	s := ""
	for i, p := range path {
		if i > 0 {
			s += "."
		}
		s += p
	}
	return s
}

// isIdent reports whether s is a column id: an ASCII letter or underscore
// followed by ASCII letters, digits and underscores.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIdentByte(s[i], i == 0) {
			return false
		}
	}
	return true
}

func isIdentByte(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		return true
	case c >= '0' && c <= '9':
		return !first
	}
	return false
}

// checkValue returns "" when v is a value op takes, else a message saying
// what op takes.
func checkValue(op Op, kind opKind, v any) string {
	switch kind {
	case kindScalar:
		if _, ok := v.([]any); ok {
			return fmt.Sprintf("%s takes one value, not a list (use in for a list)", op)
		}
		if !isScalar(v) {
			return fmt.Sprintf("%s takes a string, number, boolean or null", op)
		}
	case kindOrdered:
		if v == nil {
			return fmt.Sprintf("%s needs a value, not null (use is:NULL to match empty cells)", op)
		}
		if !isScalar(v) {
			return fmt.Sprintf("%s takes a string, number or boolean", op)
		}
	case kindText:
		if _, ok := v.(string); !ok {
			return fmt.Sprintf("%s takes a string", op)
		}
	case kindList:
		list, ok := v.([]any)
		if !ok {
			return fmt.Sprintf("%s takes a list of values, e.g. col[%s]:[1,2]", op, op)
		}
		for i, x := range list {
			if _, nested := x.([]any); nested || !isScalar(x) {
				return fmt.Sprintf("%s list element %d must be a string, number, boolean or null", op, i)
			}
		}
	case kindNull:
		if s, ok := v.(string); !ok || (s != IsNull && s != IsNotNull) {
			return fmt.Sprintf("%s takes NULL or NOT_NULL", op)
		}
	}
	return ""
}

// isScalar reports whether v is one of the scalar value types, a
// json.Number being well-formed. An int64 is a number too: expressions
// built in process (ids a read looks up) need not print them first.
func isScalar(v any) bool {
	switch v := v.(type) {
	case nil, bool, string, int64:
		return true
	case json.Number:
		return isJSONNumber(string(v))
	}
	return false
}

// isJSONNumber reports whether s is a number in JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(s string) bool {
	i := 0
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}
