package twenty

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/query"
)

func TestParseOrderBy(t *testing.T) {
	asc, desc := query.SortKey{Nulls: query.NullsFirst}, query.SortKey{Desc: true, Nulls: query.NullsLast}
	for _, tc := range []struct {
		in   string
		want []orderTerm
		err  string
	}{
		{in: "", want: nil},
		{in: "  ", want: nil},
		{in: "name", want: []orderTerm{{[]string{"name"}, asc}}},
		{in: "name[DescNullsLast]", want: []orderTerm{{[]string{"name"}, desc}}},
		{in: " a[AscNullsLast] , b ,c[DescNullsFirst]", want: []orderTerm{
			{[]string{"a"}, query.SortKey{Nulls: query.NullsLast}}, {[]string{"b"}, asc}, {[]string{"c"}, query.SortKey{Desc: true, Nulls: query.NullsFirst}}}},
		{in: "company.name[DescNullsLast]", want: []orderTerm{{[]string{"company", "name"}, desc}}},
		{in: "name []", err: "'order_by' direction '' invalid"},
		{in: "name[desc]", err: "'order_by' direction 'desc' invalid. Allowed values are 'AscNullsFirst', 'AscNullsLast', 'DescNullsFirst', 'DescNullsLast'"},
		{in: "name[DescNullsLast", err: `'order_by' item "name[DescNullsLast": expected field[Direction]`},
		{in: "a,,b", err: "'order_by' item 2 is empty"},
		{in: "a,", err: "'order_by' item 2 is empty"},
		{in: "-name", err: `"-name" is not a field name`},
		{in: "a.b.c.d.e", err: "goes through more than 4 fields"},
		{in: "a..b", err: `"" is not a field name`},
		{in: strings.Repeat("a,", 10) + "a", err: "'order_by' has 11 items, more than 10"},
		{in: "\xff", err: "not valid UTF-8"},
	} {
		got, err := parseOrderBy(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(rowhouse.ErrorMessage(err), tc.err) || rowhouse.ErrorKind(err) != rowhouse.EINVALID {
				t.Errorf("%q: %v, want an error with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseFields(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want []string
		err  string
	}{
		{in: nil, want: nil},
		{in: []string{"id,name"}, want: []string{"id", "name"}},
		{in: []string{" name , emails ,, "}, want: []string{"name", "emails"}},
		{in: []string{"name,emails,name"}, want: []string{"name", "emails"}},
		{in: []string{"name", "emails,company"}, want: []string{"name", "emails", "company"}},
		{in: []string{""}, err: "'fields' parameter is empty"},
		{in: []string{" , "}, err: "'fields' parameter is empty"},
		{in: []string{"a b"}, err: `"a b" is not a field name`},
		{in: []string{"company.name"}, err: `"company.name" is not a field name`},
	} {
		got, err := parseFields(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(rowhouse.ErrorMessage(err), tc.err) {
				t.Errorf("%q: %v, want an error with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseDepthAndLimit(t *testing.T) {
	for in, want := range map[string]int{"": 0, "0": 0, "1": 1, "2": 2} {
		if got, err := parseDepth(in); err != nil || got != want {
			t.Errorf("depth %q: %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"3", "-1", "1.0", " 1", "01", "two"} {
		if _, err := parseDepth(in); err == nil || rowhouse.ErrorMessage(err) != "'depth="+in+"' parameter invalid. Allowed values are 0, 1, 2" {
			t.Errorf("depth %q: %v", in, err)
		}
	}
	for in, want := range map[string]int{"": 60, "1": 1, "60": 60, "100": 100} {
		if got, err := parseLimit(in, 100); err != nil || got != want {
			t.Errorf("limit %q: %d, %v", in, got, err)
		}
	}
	if got, _ := parseLimit("", 10); got != 10 {
		t.Errorf("the default page past the maximum: %d", got)
	}
	for in, msg := range map[string]string{
		"0": "limit '0' is invalid. Should be an integer from 1 to 100", "-5": "limit '-5' is invalid. Should be an integer from 1 to 100",
		"1e2": "limit '1e2' is invalid. Should be an integer from 1 to 100", "101": "limit 101 is above the maximum page size 100",
	} {
		if _, err := parseLimit(in, 100); err == nil || rowhouse.ErrorMessage(err) != msg {
			t.Errorf("limit %q: %v, want %q", in, err, msg)
		}
	}
}

func TestCheckParams(t *testing.T) {
	for _, tc := range []struct {
		query string
		err   string
	}{
		{"", ""},
		{"limit=1&depth=1", ""},
		{"fields=a&fields=b", ""},
		{"limit=1&limit=2", `query parameter "limit" is given 2 times: give it once`},
		{"sort=a", `unknown query parameter "sort": this route takes limit, depth, fields`},
		{"Limit=1", `unknown query parameter "Limit"`},
		{"limit", ""},
	} {
		q, _ := url.ParseQuery(tc.query)
		err := checkParams(q, paramLimit, paramDepth, paramFields)
		if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(rowhouse.ErrorMessage(err), tc.err)) {
			t.Errorf("%q: %v, want %q", tc.query, err, tc.err)
		}
	}
	q, _ := url.ParseQuery("x=1")
	if err := checkParams(q); err == nil || rowhouse.ErrorMessage(err) != `unknown query parameter "x": this route takes no query parameters` {
		t.Errorf("%v", err)
	}
}

// A cursor carries the fingerprint of its read: the same read takes it
// back, another order, filter or table does not.
func TestCursorFingerprint(t *testing.T) {
	sortA := []query.SortKey{{Path: []string{"a"}, Nulls: query.NullsFirst}}
	filter, _ := query.ParseExpr(`a[eq]:1`)
	fp := fingerprint("T", sortA, filter)
	cur := encodeCursor(query.Cursor{Values: []any{int64(5)}, ID: 7}.Encode(), fp)
	c, err := decodeCursor("starting_after", cur, fingerprint("T", sortA, filter))
	if err != nil || c.ID != 7 {
		t.Fatalf("%v %v", c, err)
	}
	again, _ := query.ParseExpr(` a[eq]: 1 `)
	if _, err := decodeCursor("starting_after", cur, fingerprint("T", sortA, again)); err != nil {
		t.Errorf("the same filter written otherwise: %v", err)
	}
	other, _ := query.ParseExpr(`a[eq]:2`)
	for name, fp2 := range map[string]string{
		"filter": fingerprint("T", sortA, other), "no filter": fingerprint("T", sortA, nil),
		"order": fingerprint("T", []query.SortKey{{Path: []string{"a"}, Desc: true, Nulls: query.NullsLast}}, filter),
		"table": fingerprint("U", sortA, filter),
	} {
		if _, err := decodeCursor("starting_after", cur, fp2); err == nil || !strings.Contains(err.Error(), "made for another order_by or filter") {
			t.Errorf("another %s: %v", name, err)
		}
	}
	for _, bad := range []string{"", "abc", query.Cursor{ID: 7}.Encode(), "!!." + fp} {
		if _, err := decodeCursor("ending_before", bad, fp); err == nil || rowhouse.ErrorMessage(err) != "invalid cursor in ending_before" {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
