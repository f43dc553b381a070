package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
)

// DefaultSQLTimeout is the default and the cap of the time one SQL-endpoint
// statement may run.
const DefaultSQLTimeout = time.Second

// ErrUnsupported is returned when the storage engine cannot do what was
// asked (surfaces answer 501).
var ErrUnsupported = errors.New("not supported by this storage engine")

// Errors of the SQL endpoint, with Grist's messages.
var (
	errOnlySelect = rowhouse.Invalidf("only select statements are supported")
	errSlowSQL    = rowhouse.Invalidf("a slow statement resulted in a database interrupt")
)

// confinedQuerier is what an engine offers to run a caller's SQL: a read
// that can see the document's own tables and nothing else (no other
// database file, no other document, no home database, no system tables),
// enforced by the database itself. SQLite does it with an authorizer on a
// query_only connection (store/sqlite/sqlfn.go); PostgreSQL will do it with
// a per-document role.
type confinedQuerier interface {
	QueryConfined(ctx context.Context, query string, args ...any) (store.Rows, error)
}

// SQLTimeout returns the cap on an SQL-endpoint statement's run time.
func (d *Docs) SQLTimeout() time.Duration { return DefaultSQLTimeout }

// SQLRows streams the result of Doc.SQL: iterate with Next, read with
// Values, always Close. Values are raw database values: int64, float64,
// string, []byte or nil.
type SQLRows struct {
	// Statement is the caller's statement, wrapped as it ran (on
	// PostgreSQL, what ran had its names resolved first: FoldNames).
	Statement string
	// Columns are the result's column names.
	Columns []string

	ctx    context.Context // the statement's, with its timeout
	parent context.Context
	cancel context.CancelFunc
	rows   store.Rows
	vals   []any
	err    error
}

// SQL runs one caller-written SELECT (or WITH ... SELECT) read-only, as
// select * from (<stmt>), with args bound to its '?' parameters and at
// most timeout to run (0 or more than the cap: the cap). The statement is
// checked first: anything but one SELECT is 400 "only select statements
// are supported"; running past the timeout is 400 "a slow statement
// resulted in a database interrupt". On PostgreSQL the statement's names
// are first resolved as SQLite resolves them (FoldNames), so that the same
// statement works on a document of either engine.
func (doc *Doc) SQL(ctx context.Context, stmt string, args []any, timeout time.Duration) (*SQLRows, error) {
	wrapped, err := WrapSelect(stmt)
	if err != nil {
		return nil, err
	}
	shown := wrapped // the caller's statement, as Grist shows it
	if doc.db.Dialect().Name() == "postgres" {
		s, err := doc.Schema(ctx)
		if err != nil {
			return nil, err
		}
		if wrapped, err = WrapSelect(FoldNames(stmt, s)); err != nil {
			return nil, err
		}
	}
	bound, err := sqlArgs(args)
	if err != nil {
		return nil, err
	}
	cq, ok := doc.db.(confinedQuerier)
	if !ok {
		return nil, fmt.Errorf("doc %s: sql: %w", doc.id, ErrUnsupported)
	}
	max := doc.docs.SQLTimeout()
	if timeout <= 0 || timeout > max {
		timeout = max
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	doc.docs.count("rest", 1)
	// The derived table is named because PostgreSQL before 16 requires it;
	// the statement shown stays Grist's.
	rows, err := cq.QueryConfined(tctx, wrapped+" AS _rh_sql", bound...)
	if err != nil {
		err = doc.statementErr(tctx, cq, wrapped, bound, err)
		cancel()
		return nil, sqlErr(ctx, tctx, err)
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		cancel()
		return nil, sqlErr(ctx, tctx, doc.engineSaid(ctx, err))
	}
	return &SQLRows{Statement: shown, Columns: cols, ctx: tctx, parent: ctx, cancel: cancel, rows: rows}, nil
}

// statementErr explains why the caller's statement failed, in the words
// of the database (SQLite or PostgreSQL, named first). A statement is run
// wrapped in select * from (...), so a syntax error at its end is reported
// near a ")" the caller never wrote: the statement alone is prepared again
// to find what the database says about the caller's own text. That second
// try reads nothing when the statement is wrong, as it then is; if it
// happens to run, it is closed at once and the first error stands.
func (doc *Doc) statementErr(ctx context.Context, cq confinedQuerier, wrapped string, args []any, err error) error {
	if rowhouse.ErrorKind(err) != rowhouse.EINVALID || ctx.Err() != nil {
		return err
	}
	inner := strings.TrimSuffix(strings.TrimPrefix(wrapped, wrapPrefix), wrapSuffix)
	if rows, err2 := cq.QueryConfined(ctx, inner, args...); err2 == nil {
		rows.Close()
	} else if rowhouse.ErrorKind(err2) == rowhouse.EINVALID && ctx.Err() == nil {
		err = err2
	}
	return doc.engineSaid(ctx, err)
}

// engineSaid prefixes a database's own message about a caller's statement
// with the database's name, so the caller knows whose SQL dialect answered
// ("SQLite: no such column: nme", "PostgreSQL: syntax error at end of
// input"), as Grist's answers name SQLite's result code.
func (doc *Doc) engineSaid(ctx context.Context, err error) error {
	var e *rowhouse.Error
	if !errors.As(err, &e) || e.Kind != rowhouse.EINVALID {
		return err
	}
	name := "SQLite"
	if doc.db.Dialect().Name() == "postgres" {
		name = "PostgreSQL"
	}
	return &rowhouse.Error{Kind: e.Kind, Message: name + ": " + e.Message, Details: e.Details, Err: err}
}

// sqlErr names a timeout as Grist does; other errors are the engine's
// (EINVALID with the database's message for a bad statement).
func sqlErr(parent, tctx context.Context, err error) error {
	if errors.Is(tctx.Err(), context.DeadlineExceeded) && parent.Err() == nil {
		return &rowhouse.Error{Kind: errSlowSQL.Kind, Message: errSlowSQL.Message, Err: err}
	}
	return err
}

// Next advances to the next row.
func (r *SQLRows) Next() bool {
	if r.err != nil {
		return false
	}
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			r.err = sqlErr(r.parent, r.ctx, err)
		}
		return false
	}
	if r.vals == nil {
		r.vals = make([]any, len(r.Columns))
	}
	ptrs := make([]any, len(r.vals))
	for i := range r.vals {
		r.vals[i] = nil
		ptrs[i] = &r.vals[i]
	}
	if err := r.rows.Scan(ptrs...); err != nil {
		r.err = sqlErr(r.parent, r.ctx, err)
		return false
	}
	for i, v := range r.vals {
		r.vals[i] = rawValue(v)
	}
	return true
}

// Values returns the current row's values, in Columns order. The slice is
// reused by the next call to Next.
func (r *SQLRows) Values() []any { return r.vals }

// Err returns the error that ended iteration, if any.
func (r *SQLRows) Err() error { return r.err }

// Close ends the statement.
func (r *SQLRows) Close() error {
	err := r.rows.Close()
	r.cancel()
	return err
}

// rawValue normalizes a scanned value to the raw shapes the SQL endpoint
// returns. Infinities, which JSON cannot carry, become nil.
func rawValue(v any) any {
	switch x := v.(type) {
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return nil
		}
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	}
	return v
}

// sqlArgs converts JSON-decoded parameters into values to bind: numbers,
// strings, booleans (as 1/0) and null.
func sqlArgs(args []any) ([]any, error) {
	out := make([]any, len(args))
	for i, a := range args {
		switch x := a.(type) {
		case nil, string, int64, float64:
			out[i] = x
		case int:
			out[i] = int64(x)
		case bool:
			out[i] = rawValue(x)
		case json.Number:
			if n, err := x.Int64(); err == nil {
				out[i] = n
			} else if f, err := x.Float64(); err == nil {
				out[i] = f
			} else {
				return nil, rowhouse.Invalidf("args[%d]: %s is not a number SQL can use", i, x)
			}
		default:
			return nil, rowhouse.Invalidf("args[%d]: only numbers, strings, booleans and null can be bound", i)
		}
	}
	return out, nil
}

// WrapSelect checks that stmt is one SELECT (or WITH ... SELECT) and
// returns it wrapped as Grist does: select * from (<stmt>), after removing
// one trailing ';'. It reads the text as SQLite's tokenizer does for what
// matters here (sqlTokens: string literals, quoted identifiers, comments),
// so that a ';' inside any of them is not a statement separator and one
// outside is refused. The wrapping alone makes anything but a query a
// syntax error; the engine's confinement (see confinedQuerier) is what
// makes the query harmless, not this check.
func WrapSelect(stmt string) (string, error) {
	toks := sqlTokens(stmt)
	first := ""
	end := -1 // offset of the separating ';'
	for _, t := range toks {
		if t.kind == tokSpace {
			continue
		}
		if end >= 0 { // something after the ';' other than space or comments
			return "", errOnlySelect
		}
		text := stmt[t.start:t.end]
		if first == "" {
			first = strings.ToLower(text) // not a keyword unless a word: refused below
		}
		if t.kind == tokOther && text == ";" {
			end = t.start
		}
	}
	if first != "select" && first != "with" {
		return "", errOnlySelect
	}
	body := stmt
	if end >= 0 {
		body = stmt[:end]
	} else if last := toks[len(toks)-1]; last.kind == tokSpace && strings.HasPrefix(stmt[last.start:], "--") && !strings.HasSuffix(stmt, "\n") {
		body += "\n" // so the line comment does not swallow the closing parenthesis
	}
	return wrapPrefix + body + wrapSuffix, nil
}

// The wrapping of a caller's statement (WrapSelect).
const (
	wrapPrefix = "select * from ("
	wrapSuffix = ")"
)

// Token kinds of sqlTokens.
const (
	tokOther  = iota // punctuation, operators
	tokSpace         // white space and comments
	tokWord          // an unquoted word: keyword, name or number
	tokQuoted        // a quoted identifier: "x", `x` or [x]
	tokString        // a string literal
)

// sqlToken is one token of a statement: its kind and byte range.
type sqlToken struct {
	kind       int
	start, end int
}

// sqlTokens splits a statement as WrapSelect reads it. Every byte of stmt
// is in exactly one token, in order.
func sqlTokens(stmt string) []sqlToken {
	var toks []sqlToken
	for i := 0; i < len(stmt); {
		c := stmt[i]
		start, kind := i, tokOther
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			kind = tokSpace
			i++
		case c == '-' && i+1 < len(stmt) && stmt[i+1] == '-':
			kind = tokSpace
			if j := strings.IndexByte(stmt[i:], '\n'); j < 0 {
				i = len(stmt)
			} else {
				i += j + 1
			}
		case c == '/' && i+1 < len(stmt) && stmt[i+1] == '*':
			kind = tokSpace
			if j := strings.Index(stmt[i+2:], "*/"); j < 0 {
				i = len(stmt)
			} else {
				i += 2 + j + 2
			}
		case c == '\'':
			kind = tokString
			i = skipQuoted(stmt, i, c)
		case c == '"' || c == '`':
			kind = tokQuoted
			i = skipQuoted(stmt, i, c)
		case c == '[':
			kind = tokQuoted
			if j := strings.IndexByte(stmt[i:], ']'); j < 0 {
				i = len(stmt)
			} else {
				i += j + 1
			}
		case c == ':' && i+1 < len(stmt) && stmt[i+1] == ':':
			i += 2
		case isWordByte(c):
			kind = tokWord
			for i < len(stmt) && isWordByte(stmt[i]) {
				i++
			}
		default:
			i++
		}
		toks = append(toks, sqlToken{kind: kind, start: start, end: i})
	}
	return toks
}

// skipQuoted returns the offset after the quoted token starting at i, where
// a doubled quote stands for itself.
func skipQuoted(s string, i int, q byte) int {
	for j := i + 1; j < len(s); j++ {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(s)
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 ||
		'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
