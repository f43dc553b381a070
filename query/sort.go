package query

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/rowhouse/rowhouse"
)

// Nulls says where empty (null) values go in a sort.
type Nulls int

// Placement of empty values.
const (
	// NullsDefault is Grist's (and SQLite's) order: empty values sort
	// before all others ascending, after all others descending. An engine
	// whose default differs (PostgreSQL) must ask for it explicitly.
	NullsDefault Nulls = iota
	// NullsFirst puts empty values first whatever the direction.
	NullsFirst
	// NullsLast puts empty values last whatever the direction.
	NullsLast
)

// String returns "default", "first" or "last".
func (n Nulls) String() string {
	switch n {
	case NullsDefault:
		return "default"
	case NullsFirst:
		return "first"
	case NullsLast:
		return "last"
	}
	return fmt.Sprintf("Nulls(%d)", int(n))
}

// SortKey is one key of a sort order: a column (Path as in [Cond]), its
// direction, and where its empty values go. The core breaks ties on every
// key by row id, so that an order is total and pages are stable; a sort
// never needs to name id for that.
type SortKey struct {
	Path  []string
	Desc  bool
	Nulls Nulls
}

// Grist's sort options (after a colon, separated by semicolons).
const (
	optEmptyFirst = "emptyFirst"
	optEmptyLast  = "emptyLast"
)

// String renders k in Grist's sort syntax: [-]path[:emptyFirst|:emptyLast].
func (k SortKey) String() string {
	s := pathString(k.Path)
	if k.Desc {
		s = "-" + s
	}
	switch k.Nulls {
	case NullsFirst:
		s += ":" + optEmptyFirst
	case NullsLast:
		s += ":" + optEmptyLast
	}
	return s
}

// FormatSort renders keys as a sort parameter that [ParseSort] reads back:
// the keys' strings joined by commas.
func FormatSort(keys []SortKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.String()
	}
	return strings.Join(parts, ",")
}

// ParseSort parses Grist's sort parameter (also its X-Sort header): keys
// separated by commas, each a column id ("A"), "-" for descending ("-A"),
// a dotted path through Ref columns ("Company.name"), and options after a
// colon separated by semicolons ("-A:emptyLast"). The options Rowhouse
// supports are emptyFirst and emptyLast ([NullsFirst], [NullsLast]);
// Grist's naturalSort and choiceOrder (orderByChoice) are refused with an
// error naming them rather than silently ignored, as is any other option.
// Spaces around keys are ignored. A blank s is no sort: nil.
func ParseSort(s string) ([]SortKey, error) { return Limits{}.ParseSort(s) }

// ParseSort is [ParseSort] bounded by l.
func (l Limits) ParseSort(s string) ([]SortKey, error) {
	l = l.resolved()
	if len(s) > l.MaxLength {
		return nil, errTooLong("sort", len(s), l)
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	return l.parseSortItems(strings.Split(s, ","))
}

// ParseSortList parses the JSON array form of the sort that the body of
// POST /records/list carries (["A", "-B"]): each item is one key as in
// [ParseSort]. An empty list is no sort: nil.
func ParseSortList(items []string) ([]SortKey, error) { return Limits{}.ParseSortList(items) }

// ParseSortList is [ParseSortList] bounded by l.
func (l Limits) ParseSortList(items []string) ([]SortKey, error) {
	l = l.resolved()
	n := 0
	for _, it := range items {
		n += len(it) + 1
	}
	if n > l.MaxLength {
		return nil, errTooLong("sort", n, l)
	}
	if len(items) == 0 {
		return nil, nil
	}
	return l.parseSortItems(items)
}

func (l Limits) parseSortItems(items []string) ([]SortKey, error) {
	if len(items) > l.MaxSortKeys {
		return nil, rowhouse.Invalidf("invalid sort: more than %d keys (limit MaxSortKeys)", l.MaxSortKeys)
	}
	keys := make([]SortKey, 0, len(items))
	for i, it := range items {
		k, err := parseSortKey(l, it)
		if err != nil {
			return nil, rowhouse.Invalidf("invalid sort key %d %q: %s", i+1, clip(it), err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func parseSortKey(l Limits, item string) (SortKey, error) {
	var k SortKey
	if !utf8.ValidString(item) {
		return k, fmt.Errorf("not valid UTF-8")
	}
	s := strings.TrimSpace(item)
	if s == "" {
		return k, fmt.Errorf("empty key; expected a column id")
	}
	if strings.HasPrefix(s, "-") {
		k.Desc = true
		s = s[1:]
	}
	name, opts, hasOpts := strings.Cut(s, ":")
	if name == "" {
		return k, fmt.Errorf("expected a column id")
	}
	k.Path = strings.Split(name, ".")
	if err := checkPath(l, k.Path); err != nil {
		return SortKey{}, err
	}
	if hasOpts {
		for _, opt := range strings.Split(opts, ";") {
			var n Nulls
			switch opt {
			case optEmptyFirst:
				n = NullsFirst
			case optEmptyLast:
				n = NullsLast
			case "naturalSort", "choiceOrder", "orderByChoice":
				return SortKey{}, fmt.Errorf("sort option %q is not supported; supported options are %s and %s", clip(opt), optEmptyFirst, optEmptyLast)
			case "":
				return SortKey{}, fmt.Errorf("empty sort option; expected %s or %s", optEmptyFirst, optEmptyLast)
			default:
				return SortKey{}, fmt.Errorf("unknown sort option %q; expected %s or %s", clip(opt), optEmptyFirst, optEmptyLast)
			}
			if k.Nulls != NullsDefault && k.Nulls != n {
				return SortKey{}, fmt.Errorf("options %s and %s conflict", optEmptyFirst, optEmptyLast)
			}
			k.Nulls = n
		}
	}
	return k, nil
}

// CheckSort checks sort keys built by other means than the parsers (the
// GraphQL orderBy): every path made of column ids within MaxPathLen, every
// Nulls known, and at most MaxSortKeys keys.
func (l Limits) CheckSort(keys []SortKey) error {
	l = l.resolved()
	if len(keys) > l.MaxSortKeys {
		return rowhouse.Invalidf("invalid sort: more than %d keys (limit MaxSortKeys)", l.MaxSortKeys)
	}
	for i, k := range keys {
		if err := checkPath(l, k.Path); err != nil {
			return rowhouse.Invalidf("invalid sort key %d: %s", i+1, err)
		}
		if k.Nulls < NullsDefault || k.Nulls > NullsLast {
			return rowhouse.Invalidf("invalid sort key %d: unknown nulls placement %d", i+1, int(k.Nulls))
		}
	}
	return nil
}

// CheckSort is DefaultLimits.CheckSort.
func CheckSort(keys []SortKey) error { return Limits{}.CheckSort(keys) }
