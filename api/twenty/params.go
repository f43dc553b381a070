package twenty

import (
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/query"
)

// Query parameters of the records routes, as Twenty names them.
const (
	paramFilter        = "filter"
	paramOrderBy       = "order_by"
	paramLimit         = "limit"
	paramDepth         = "depth"
	paramFields        = "fields"
	paramStartingAfter = "starting_after"
	paramEndingBefore  = "ending_before"
	paramUpsert        = "upsert"
	paramSoftDelete    = "soft_delete"
)

// DefaultLimit is the page size of a list read without a limit, Twenty's
// (QUERY_DEFAULT_LIMIT_RECORDS).
const DefaultLimit = 60

// maxParamLength bounds the text of order_by and fields, as the query
// package bounds filters.
const maxParamLength = query.DefaultMaxLength

// checkParams refuses a query parameter that the route does not take, and
// one given twice (fields excepted: Twenty merges repeated fields). A
// parameter the route ignored would be worse than an error: the client
// would get another answer than it asked for, and not know it.
func checkParams(q url.Values, allowed ...string) error {
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !slices.Contains(allowed, name) {
			takes := "no query parameters"
			if len(allowed) > 0 {
				takes = strings.Join(allowed, ", ")
			}
			return rowhouse.Invalidf("unknown query parameter %q: this route takes %s", clip(name), takes)
		}
		if n := len(q[name]); n > 1 && name != paramFields {
			return rowhouse.Invalidf("query parameter %q is given %d times: give it once", name, n)
		}
	}
	return nil
}

// Order directions, as Twenty spells them (OrderByDirection).
var directions = map[string]query.SortKey{
	"AscNullsFirst":  {Nulls: query.NullsFirst},
	"AscNullsLast":   {Nulls: query.NullsLast},
	"DescNullsFirst": {Desc: true, Nulls: query.NullsFirst},
	"DescNullsLast":  {Desc: true, Nulls: query.NullsLast},
}

// errDirection is Twenty's message for an unknown direction.
func errDirection(dir string) error {
	return rowhouse.Invalidf("'order_by' direction '%s' invalid. Allowed values are 'AscNullsFirst', 'AscNullsLast', 'DescNullsFirst', 'DescNullsLast'. eg: ?order_by=field_1[AscNullsFirst],field_2[DescNullsLast],field_3", clip(dir))
}

// orderTerm is one item of order_by: a field name, dotted through
// relations ("company.name"), and its direction.
type orderTerm struct {
	path []string
	key  query.SortKey // Desc and Nulls
}

// parseOrderBy reads Twenty's order_by parameter:
//
//	order_by = item { "," item }
//	item     = path [ "[" direction "]" ]
//	path     = name { "." name }
//
// where direction is AscNullsFirst (the default), AscNullsLast,
// DescNullsFirst or DescNullsLast. Spaces around items are ignored. A blank
// s is no order: nil. The names are not checked against a table here
// (resolve does that); they must be identifiers.
func parseOrderBy(s string) ([]orderTerm, error) {
	if len(s) > maxParamLength {
		return nil, rowhouse.Invalidf("'order_by' is %d bytes, longer than %d", len(s), maxParamLength)
	}
	if !utf8.ValidString(s) {
		return nil, rowhouse.Invalidf("'order_by' is not valid UTF-8")
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	items := strings.Split(s, ",")
	if len(items) > query.DefaultMaxSortKeys {
		return nil, rowhouse.Invalidf("'order_by' has %d items, more than %d", len(items), query.DefaultMaxSortKeys)
	}
	terms := make([]orderTerm, 0, len(items))
	for i, raw := range items {
		item := strings.TrimSpace(raw)
		if item == "" {
			return nil, rowhouse.Invalidf("'order_by' item %d is empty. eg: ?order_by=field_1[AscNullsFirst],field_2[DescNullsLast],field_3", i+1)
		}
		name, dir := item, "AscNullsFirst"
		if open := strings.IndexByte(item, '['); open >= 0 {
			if !strings.HasSuffix(item, "]") {
				return nil, rowhouse.Invalidf("'order_by' item %q: expected field[Direction]", clip(item))
			}
			name, dir = strings.TrimSpace(item[:open]), item[open+1:len(item)-1]
		}
		key, ok := directions[dir]
		if !ok {
			return nil, errDirection(dir)
		}
		path := strings.Split(name, ".")
		for _, p := range path {
			if !isIdent(p) {
				return nil, rowhouse.Invalidf("'order_by' item %q: %q is not a field name", clip(item), clip(p))
			}
		}
		if len(path) > query.DefaultMaxPathLen {
			return nil, rowhouse.Invalidf("'order_by' item %q goes through more than %d fields", clip(item), query.DefaultMaxPathLen)
		}
		terms = append(terms, orderTerm{path: path, key: key})
	}
	return terms, nil
}

// parseFields reads Twenty's fields parameter: field names separated by
// commas, in one or several fields parameters, spaces around names
// ignored, duplicates dropped (the first place kept). No fields parameter
// is nil (every field); one that names no field is an error, as in
// Twenty.
func parseFields(values []string) ([]string, error) {
	if values == nil {
		return nil, nil
	}
	n := 0
	for _, v := range values {
		n += len(v) + 1
	}
	if n > maxParamLength {
		return nil, rowhouse.Invalidf("'fields' is %d bytes, longer than %d", n, maxParamLength)
	}
	var out []string
	for _, v := range values {
		if !utf8.ValidString(v) {
			return nil, rowhouse.Invalidf("'fields' parameter invalid: not valid UTF-8")
		}
		for _, name := range strings.Split(v, ",") {
			name = strings.TrimSpace(name)
			if name == "" || slices.Contains(out, name) {
				continue
			}
			if !isIdent(name) {
				return nil, rowhouse.Invalidf("'fields' parameter invalid. %q is not a field name. Expected a comma-separated list of field names, e.g. fields=id,name", clip(name))
			}
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return nil, rowhouse.Invalidf("'fields' parameter is empty. Expected a comma-separated list of field names, e.g. fields=id,name")
	}
	return out, nil
}

// MaxDepth is the deepest nesting of related records depth may ask for.
const MaxDepth = 2

// parseDepth reads depth: 0 (the default: no related records), 1 (the
// records each relation field names) or 2 (and theirs).
func parseDepth(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	switch s {
	case "0", "1", "2":
		return int(s[0] - '0'), nil
	}
	return 0, rowhouse.Invalidf("'depth=%s' parameter invalid. Allowed values are 0, 1, 2", clip(s))
}

// parseLimit reads limit: a page size from 1 to maxPage, DefaultLimit
// when blank. Past maxPage is an error naming it, never a silent cut
// (where Twenty would cut at its maximum).
func parseLimit(s string, maxPage int) (int, error) {
	if s == "" {
		return min(DefaultLimit, maxPage), nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, rowhouse.Invalidf("limit '%s' is invalid. Should be an integer from 1 to %d", clip(s), maxPage)
	}
	if n > maxPage {
		return 0, rowhouse.Invalidf("limit %d is above the maximum page size %d", n, maxPage)
	}
	return n, nil
}

// parseBool reads Twenty's boolean parameters (upsert, soft_delete):
// "true" or "false"; blank is false.
func parseBool(name, s string) (bool, error) {
	switch s {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, rowhouse.Invalidf("'%s=%s' parameter invalid. Allowed values are true, false", name, clip(s))
}

// Cursors. The core's cursor holds the sort values of a boundary row and
// its id; on this surface it also carries a fingerprint of the read that
// made it (table, order and filter), so that a cursor sent with another
// order_by or filter is refused rather than answered with a page of
// another list: "<core cursor>.<fingerprint>". The core's cursor is
// base64url, which has no ".".

// fingerprint is the mark of a read's table, order and filter in its
// cursors: 48 bits of SHA-256 over their canonical text.
func fingerprint(table string, sort []query.SortKey, filter query.Expr) string {
	h := sha256.New()
	h.Write([]byte(table))
	h.Write([]byte{0})
	h.Write([]byte(query.FormatSort(sort)))
	h.Write([]byte{0})
	if filter != nil {
		h.Write([]byte(filter.String()))
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:6])
}

// encodeCursor is the cursor of a page boundary on this surface.
func encodeCursor(core, fp string) string { return core + "." + fp }

// decodeCursor reads a cursor of parameter name for a read with
// fingerprint fp.
func decodeCursor(name, s, fp string) (*query.Cursor, error) {
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return nil, rowhouse.Invalidf("invalid cursor in %s", name)
	}
	c, err := query.DecodeCursor(s[:i])
	if err != nil {
		return nil, rowhouse.Invalidf("invalid cursor in %s", name)
	}
	if s[i+1:] != fp {
		return nil, rowhouse.Invalidf("the cursor in %s was made for another order_by or filter (or another object): send the order_by and filter of the page it came from, or start again without it", name)
	}
	return &c, nil
}

// isIdent reports whether s is an identifier: an ASCII letter or
// underscore, then letters, digits and underscores.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// clip shortens s for an error message, on a rune boundary.
func clip(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}
