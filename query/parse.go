package query

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/rowhouse/rowhouse"
)

// ParseFilter parses the REST filter parameter. The first non-space
// character tells the forms apart: '{' is Grist's JSON filter
// ([ParseGristFilter]), anything else an expression ([ParseExpr]). An empty
// or blank s is no filter: a nil Expr.
func ParseFilter(s string) (Expr, error) { return Limits{}.ParseFilter(s) }

// ParseFilter is [ParseFilter] bounded by l.
func (l Limits) ParseFilter(s string) (Expr, error) {
	t := strings.TrimLeft(s, " \t\r\n")
	if strings.HasPrefix(t, "{") {
		return l.ParseGristFilter([]byte(s))
	}
	return l.ParseExpr(s)
}

// ParseExpr parses Rowhouse's filter expression syntax:
//
//	filter  = [ expr { "," expr } ]          a list of several means and
//	expr    = cond | group
//	group   = ("and" | "or") "(" [ expr { "," expr } ] ")" | "not" "(" expr ")"
//	cond    = path "[" op "]" ":" value
//	path    = ident { "." ident }             ident = [A-Za-z_][A-Za-z0-9_]*
//	op      = eq | neq | in | gt | gte | lt | lte | like | ilike |
//	          startsWith | endsWith | is | containsAny
//	value   = scalar | "[" [ scalar { "," scalar } ] "]"
//	scalar  = JSON string | 'single-quoted string' | JSON number |
//	          true | false | null | bare word
//
// Whitespace is allowed between tokens. Group names and operators are
// matched ignoring case. A bare word runs to the next ',' or ')' (or ']'
// inside a list), without its trailing spaces, and may not contain '(',
// '[' or ']' (which catches a forgotten comma); it is a number, boolean or
// null when it spells one in JSON and a string otherwise — except after
// like, ilike, startsWith and endsWith, where it is always the string as
// written, and after is, where it must be NULL or NOT_NULL (in any case). A single-quoted string takes JSON's escapes plus \'.
// in and containsAny take a list; the other operators a single value.
//
// Errors are EINVALID and say what was expected at which character offset
// (counted in runes from 0). A blank s is no filter: a nil Expr.
func ParseExpr(s string) (Expr, error) { return Limits{}.ParseExpr(s) }

// ParseExpr is [ParseExpr] bounded by l.
func (l Limits) ParseExpr(s string) (Expr, error) {
	l = l.resolved()
	if len(s) > l.MaxLength {
		return nil, errTooLong("filter", len(s), l)
	}
	if !utf8.ValidString(s) {
		return nil, rowhouse.Invalidf("invalid filter: not valid UTF-8")
	}
	p := &parser{s: s, l: l}
	p.skipSpace()
	if p.eof() {
		return nil, nil
	}
	var items []Expr
	for {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		items = append(items, e)
		p.skipSpace()
		if p.eof() {
			break
		}
		if p.peek() != ',' {
			return nil, p.errorf(p.pos, "expected \",\" or the end of the filter, found %s", p.found())
		}
		p.pos++
	}
	var e Expr = items[0]
	if len(items) > 1 {
		e = And{Exprs: items}
	}
	// The parser bounds conditions, values and explicit nesting as it goes;
	// this also counts the implicit and of a top-level list as a level.
	if err := l.CheckExpr(e); err != nil {
		return nil, err
	}
	return e, nil
}

// parser is a recursive-descent parser over s; pos is a byte offset.
type parser struct {
	s      string
	pos    int
	l      Limits
	depth  int
	conds  int
	values int
}

func (p *parser) eof() bool  { return p.pos >= len(p.s) }
func (p *parser) peek() byte { return p.s[p.pos] }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (p *parser) skipSpace() {
	for !p.eof() && isSpace(p.peek()) {
		p.pos++
	}
}

// errorf returns an EINVALID error for the byte offset at, reported as a
// rune offset.
func (p *parser) errorf(at int, format string, args ...any) error {
	return rowhouse.Invalidf("invalid filter at offset %d: %s",
		utf8.RuneCountInString(p.s[:at]), fmt.Sprintf(format, args...))
}

// found describes what is at the current position, for error messages.
func (p *parser) found() string {
	if p.eof() {
		return "the end of the filter"
	}
	if isIdentByte(p.peek(), true) {
		end := p.pos
		for end < len(p.s) && isIdentByte(p.s[end], false) {
			end++
		}
		return fmt.Sprintf("%q", clip(p.s[p.pos:end]))
	}
	r, _ := utf8.DecodeRuneInString(p.s[p.pos:])
	return fmt.Sprintf("%q", string(r))
}

// ident reads an identifier; the caller has checked that one starts here.
func (p *parser) ident() string {
	start := p.pos
	for !p.eof() && isIdentByte(p.peek(), p.pos == start) {
		p.pos++
	}
	return p.s[start:p.pos]
}

// expr parses a condition or a group.
func (p *parser) expr() (Expr, error) {
	p.skipSpace()
	start := p.pos
	if p.eof() || !isIdentByte(p.peek(), true) {
		return nil, p.errorf(p.pos, "expected a condition (column[op]:value) or and(, or(, not(, found %s", p.found())
	}
	name := p.ident()
	p.skipSpace()
	if !p.eof() && p.peek() == '(' {
		return p.group(start, name)
	}
	return p.cond(start, name)
}

// group parses the rest of and(...), or(...) or not(...); p is at '('.
func (p *parser) group(start int, name string) (Expr, error) {
	kind := strings.ToLower(name)
	if kind != "and" && kind != "or" && kind != "not" {
		return nil, p.errorf(start, "unknown group %q; expected and(, or( or not(", clip(name))
	}
	p.depth++
	if p.depth > p.l.MaxDepth {
		return nil, p.errorf(start, "groups nested deeper than %d levels (limit MaxDepth)", p.l.MaxDepth)
	}
	p.pos++ // '('
	var items []Expr
	p.skipSpace()
	if !p.eof() && p.peek() == ')' {
		p.pos++
	} else {
		for {
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			items = append(items, e)
			p.skipSpace()
			if !p.eof() && p.peek() == ',' {
				p.pos++
				continue
			}
			if !p.eof() && p.peek() == ')' {
				p.pos++
				break
			}
			return nil, p.errorf(p.pos, "expected \",\" or \")\" closing %s( at offset %d, found %s",
				kind, utf8.RuneCountInString(p.s[:start]), p.found())
		}
	}
	p.depth--
	switch kind {
	case "and":
		return And{Exprs: items}, nil
	case "or":
		return Or{Exprs: items}, nil
	}
	if len(items) != 1 {
		return nil, p.errorf(start, "not( takes exactly one expression, found %d", len(items))
	}
	return Not{Expr: items[0]}, nil
}

// cond parses the rest of path[op]:value; name is the path's first element.
func (p *parser) cond(start int, name string) (Expr, error) {
	path := []string{name}
	for !p.eof() && p.peek() == '.' {
		p.pos++
		p.skipSpace()
		if p.eof() || !isIdentByte(p.peek(), true) {
			return nil, p.errorf(p.pos, "expected a column name after \".\", found %s", p.found())
		}
		path = append(path, p.ident())
		p.skipSpace()
	}
	if len(path) > p.l.MaxPathLen {
		return nil, p.errorf(start, "path %s has more than %d elements (limit MaxPathLen)", clip(pathString(path)), p.l.MaxPathLen)
	}
	if p.eof() || p.peek() != '[' {
		return nil, p.errorf(p.pos, "expected \"[\" and an operator after %s, found %s", clip(pathString(path)), p.found())
	}
	p.pos++
	p.skipSpace()
	opStart := p.pos
	for !p.eof() && isIdentByte(p.peek(), false) {
		p.pos++
	}
	opName := p.s[opStart:p.pos]
	if opName == "" {
		return nil, p.errorf(opStart, "expected an operator (%s), found %s", opNames(), p.found())
	}
	op, ok := lookupOp(opName)
	if !ok {
		return nil, p.errorf(opStart, "unknown operator %q; expected one of %s", clip(opName), opNames())
	}
	p.skipSpace()
	if p.eof() || p.peek() != ']' {
		return nil, p.errorf(p.pos, "expected \"]\" after operator %s, found %s", op, p.found())
	}
	p.pos++
	p.skipSpace()
	if p.eof() || p.peek() != ':' {
		return nil, p.errorf(p.pos, "expected \":\" and a value after %s[%s], found %s", clip(pathString(path)), op, p.found())
	}
	p.pos++
	p.skipSpace()
	p.conds++
	if p.conds > p.l.MaxConds {
		return nil, p.errorf(start, "more than %d conditions (limit MaxConds)", p.l.MaxConds)
	}
	kind := opKinds[op]
	valStart := p.pos
	v, err := p.value(kind)
	if err != nil {
		return nil, err
	}
	if msg := checkValue(op, kind, v); msg != "" {
		return nil, p.errorf(valStart, "%s", msg)
	}
	if list, ok := v.([]any); ok {
		p.values += len(list)
		if p.values > p.l.MaxValues {
			return nil, p.errorf(valStart, "more than %d values in lists (limit MaxValues)", p.l.MaxValues)
		}
	}
	return Cond{Path: path, Op: op, Value: v}, nil
}

// value parses a scalar or a list.
func (p *parser) value(kind opKind) (any, error) {
	if p.eof() {
		return nil, p.errorf(p.pos, "expected a value, found the end of the filter")
	}
	switch p.peek() {
	case '[':
		return p.list()
	case '"', '\'':
		s, err := p.quoted()
		if err != nil {
			return nil, err
		}
		if kind == kindNull {
			return normalizeNull(s), nil
		}
		return s, nil
	}
	w, err := p.bare(",)")
	if err != nil {
		return nil, err
	}
	switch kind {
	case kindText:
		return w, nil
	case kindNull:
		return normalizeNull(w), nil
	}
	return literal(w), nil
}

// normalizeNull accepts NULL and NOT_NULL in any case.
func normalizeNull(s string) string {
	switch {
	case strings.EqualFold(s, IsNull):
		return IsNull
	case strings.EqualFold(s, IsNotNull):
		return IsNotNull
	}
	return s
}

// literal classifies a bare word: JSON's true, false, null and numbers, or
// else the word as a string.
func literal(w string) any {
	switch w {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	if isJSONNumber(w) {
		return json.Number(w)
	}
	return w
}

// bare reads a bare word up to one of the stop bytes (or the end), without
// trailing spaces; it must not be empty nor contain '(', '[' or ']'.
func (p *parser) bare(stop string) (string, error) {
	start := p.pos
	for !p.eof() && strings.IndexByte(stop, p.peek()) < 0 {
		if c := p.peek(); c == '(' || c == '[' || c == ']' {
			return "", p.errorf(p.pos, "unexpected %q in a bare value (a missing \",\"?); quote values that contain (, [ or ]", string(c))
		}
		p.pos++
	}
	w := strings.TrimRight(p.s[start:p.pos], " \t\r\n")
	if w == "" {
		return "", p.errorf(start, "expected a value, found %s", p.found())
	}
	return w, nil
}

// list parses [scalar, ...]; p is at '['.
func (p *parser) list() (any, error) {
	open := p.pos
	p.pos++
	items := []any{}
	p.skipSpace()
	if !p.eof() && p.peek() == ']' {
		p.pos++
		return items, nil
	}
	for {
		p.skipSpace()
		if p.eof() {
			return nil, p.errorf(p.pos, "expected a value and \"]\" closing the list at offset %d, found the end of the filter",
				utf8.RuneCountInString(p.s[:open]))
		}
		switch p.peek() {
		case '[':
			return nil, p.errorf(p.pos, "lists cannot be nested")
		case '"', '\'':
			s, err := p.quoted()
			if err != nil {
				return nil, err
			}
			items = append(items, s)
		default:
			w, err := p.bare(",])")
			if err != nil {
				return nil, err
			}
			items = append(items, literal(w))
		}
		p.skipSpace()
		if !p.eof() && p.peek() == ',' {
			p.pos++
			continue
		}
		if !p.eof() && p.peek() == ']' {
			p.pos++
			return items, nil
		}
		return nil, p.errorf(p.pos, "expected \",\" or \"]\" closing the list at offset %d, found %s",
			utf8.RuneCountInString(p.s[:open]), p.found())
	}
}

// quoted parses a double-quoted JSON string or a single-quoted string with
// the same escapes plus \'; p is at the opening quote.
func (p *parser) quoted() (string, error) {
	start := p.pos
	q := p.peek()
	i := start + 1
	for ; i < len(p.s); i++ {
		if p.s[i] == '\\' {
			i++
			continue
		}
		if p.s[i] == q {
			break
		}
	}
	if i >= len(p.s) {
		return "", p.errorf(start, "unterminated string, expected a closing %c", q)
	}
	body := p.s[start+1 : i]
	p.pos = i + 1
	if q == '\'' {
		// Re-quote as JSON: \' becomes ', a bare " gets escaped.
		var b strings.Builder
		for j := 0; j < len(body); j++ {
			switch c := body[j]; {
			case c == '\\' && j+1 < len(body) && body[j+1] == '\'':
				b.WriteByte('\'')
				j++
			case c == '\\' && j+1 < len(body):
				b.WriteByte(c)
				b.WriteByte(body[j+1])
				j++
			case c == '"':
				b.WriteString(`\"`)
			default:
				b.WriteByte(c)
			}
		}
		body = b.String()
	}
	var s string
	if err := json.Unmarshal([]byte(`"`+body+`"`), &s); err != nil {
		return "", p.errorf(start, "invalid string: control characters must be escaped and escapes must be JSON's (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
	}
	return s, nil
}
