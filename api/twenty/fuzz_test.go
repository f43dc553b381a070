package twenty

import (
	"slices"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/query"
)

// formatOrderBy writes terms back in order_by's syntax.
func formatOrderBy(terms []orderTerm) string {
	parts := make([]string, len(terms))
	for i, term := range terms {
		dir := ""
		for name, k := range directions {
			if k.Desc == term.key.Desc && k.Nulls == term.key.Nulls {
				dir = name
			}
		}
		parts[i] = strings.Join(term.path, ".") + "[" + dir + "]"
	}
	return strings.Join(parts, ",")
}

// The order_by parser never panics, refuses with EINVALID, and what it
// accepts is within the bounds and reads back the same once written out.
func FuzzOrderBy(f *testing.F) {
	for _, s := range []string{"name", "name[DescNullsLast]", "a,b[AscNullsLast]", "company.name[DescNullsFirst]", "a[", "a]", "[x]", ",", "a,,b", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		terms, err := parseOrderBy(s)
		if err != nil {
			if rowhouse.ErrorKind(err) != rowhouse.EINVALID {
				t.Fatalf("%q: %v is not EINVALID", s, err)
			}
			return
		}
		if len(terms) > query.DefaultMaxSortKeys {
			t.Fatalf("%q: %d terms", s, len(terms))
		}
		for _, term := range terms {
			if len(term.path) == 0 || len(term.path) > query.DefaultMaxPathLen {
				t.Fatalf("%q: path %v", s, term.path)
			}
			for _, p := range term.path {
				if !isIdent(p) {
					t.Fatalf("%q: %q is not an identifier", s, p)
				}
			}
			if term.key.Nulls == query.NullsDefault {
				t.Fatalf("%q: no nulls placement", s)
			}
		}
		if len(terms) == 0 {
			return
		}
		back, err := parseOrderBy(formatOrderBy(terms))
		if err != nil || !slices.EqualFunc(back, terms, func(a, b orderTerm) bool {
			return slices.Equal(a.path, b.path) && a.key.Desc == b.key.Desc && a.key.Nulls == b.key.Nulls
		}) {
			t.Fatalf("%q: %+v reads back as %+v, %v", s, terms, back, err)
		}
	})
}

// The fields parser never panics, and what it accepts is a non-empty list
// of distinct identifiers that reads back the same.
func FuzzFields(f *testing.F) {
	for _, s := range []string{"id,name", " a , b ,, ", "a,a", "", ",", "a.b", "a b"} {
		f.Add(s, "")
	}
	f.Add("a", "b,c")
	f.Fuzz(func(t *testing.T, a, b string) {
		values := []string{a}
		if b != "" {
			values = append(values, b)
		}
		got, err := parseFields(values)
		if err != nil {
			if rowhouse.ErrorKind(err) != rowhouse.EINVALID {
				t.Fatalf("%q: %v is not EINVALID", values, err)
			}
			return
		}
		if len(got) == 0 {
			t.Fatalf("%q: an empty list", values)
		}
		seen := map[string]bool{}
		for _, name := range got {
			if !isIdent(name) || seen[name] {
				t.Fatalf("%q: %q", values, got)
			}
			seen[name] = true
		}
		back, err := parseFields([]string{strings.Join(got, ",")})
		if err != nil || !slices.Equal(back, got) {
			t.Fatalf("%q: %q reads back as %q, %v", values, got, back, err)
		}
	})
}

// depth is 0, 1 or 2, and nothing else is taken.
func FuzzDepth(f *testing.F) {
	for _, s := range []string{"", "0", "1", "2", "3", "-1", "01", "1 ", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDepth(s)
		valid := s == "" || s == "0" || s == "1" || s == "2"
		if valid != (err == nil) {
			t.Fatalf("%q: %d, %v", s, d, err)
		}
		if err == nil && (d < 0 || d > MaxDepth) {
			t.Fatalf("%q: depth %d", s, d)
		}
		if err != nil && rowhouse.ErrorKind(err) != rowhouse.EINVALID {
			t.Fatalf("%q: %v is not EINVALID", s, err)
		}
	})
}
