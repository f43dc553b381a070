package query

import (
	"reflect"
	"strings"
	"testing"
)

func key(path string, desc bool, nulls Nulls) SortKey {
	return SortKey{Path: strings.Split(path, "."), Desc: desc, Nulls: nulls}
}

func TestParseSort(t *testing.T) {
	tests := []struct {
		in   string
		want []SortKey
	}{
		{"", nil},
		{"  ", nil},
		{"A", []SortKey{key("A", false, NullsDefault)}},
		{"-A", []SortKey{key("A", true, NullsDefault)}},
		{"B,-A", []SortKey{key("B", false, NullsDefault), key("A", true, NullsDefault)}},
		{"-id", []SortKey{key("id", true, NullsDefault)}},
		{"manualSort", []SortKey{key("manualSort", false, NullsDefault)}},
		{" pet , -age ", []SortKey{key("pet", false, NullsDefault), key("age", true, NullsDefault)}},
		{"Company.name", []SortKey{key("Company.name", false, NullsDefault)}},
		{"-Company.country", []SortKey{key("Company.country", true, NullsDefault)}},
		{"pet:emptyFirst", []SortKey{key("pet", false, NullsFirst)}},
		{"-age:emptyLast,owner", []SortKey{key("age", true, NullsLast), key("owner", false, NullsDefault)}},
		{"a:emptyLast;emptyLast", []SortKey{key("a", false, NullsLast)}},
	}
	for _, tt := range tests {
		got, err := ParseSort(tt.in)
		if err != nil {
			t.Errorf("ParseSort(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseSort(%q) = %v, want %v", tt.in, got, tt.want)
		}
		again, err := ParseSort(FormatSort(got))
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("ParseSort(FormatSort(%v)) = %v, %v", got, again, err)
		}
	}
}

func TestParseSortErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"A,", `invalid sort key 2 "": empty key; expected a column id`},
		{"A,,B", `invalid sort key 2 "": empty key; expected a column id`},
		{"-", `invalid sort key 1 "-": expected a column id`},
		{"--A", `invalid sort key 1 "--A": "-A" is not a valid column id`},
		{"+A", `invalid sort key 1 "+A": "+A" is not a valid column id`},
		{"1", `invalid sort key 1 "1": "1" is not a valid column id`},
		{"a b", `invalid sort key 1 "a b": "a b" is not a valid column id`},
		{"A.", `invalid sort key 1 "A.": "" is not a valid column id`},
		{"a.b.c.d.e", `invalid sort key 1 "a.b.c.d.e": path a.b.c.d.e has more than 4 elements (limit MaxPathLen)`},
		{"pet,-age:naturalSort", `invalid sort key 2 "-age:naturalSort": sort option "naturalSort" is not supported; supported options are emptyFirst and emptyLast`},
		{"pet:choiceOrder", `invalid sort key 1 "pet:choiceOrder": sort option "choiceOrder" is not supported; supported options are emptyFirst and emptyLast`},
		{"pet:orderByChoice", `invalid sort key 1 "pet:orderByChoice": sort option "orderByChoice" is not supported; supported options are emptyFirst and emptyLast`},
		{"pet:emptyFirst;naturalSort", `invalid sort key 1 "pet:emptyFirst;naturalSort": sort option "naturalSort" is not supported; supported options are emptyFirst and emptyLast`},
		{"pet:bogus", `invalid sort key 1 "pet:bogus": unknown sort option "bogus"; expected emptyFirst or emptyLast`},
		{"pet:", `invalid sort key 1 "pet:": empty sort option; expected emptyFirst or emptyLast`},
		{"pet:emptyFirst;", `invalid sort key 1 "pet:emptyFirst;": empty sort option; expected emptyFirst or emptyLast`},
		{"pet:emptyFirst;emptyLast", `invalid sort key 1 "pet:emptyFirst;emptyLast": options emptyFirst and emptyLast conflict`},
		{":emptyFirst", `invalid sort key 1 ":emptyFirst": expected a column id`},
		{"a,b,c,d,e,f,g,h,i,j,k", `invalid sort: more than 10 keys (limit MaxSortKeys)`},
		{"\xff", `invalid sort key 1 "\xff": not valid UTF-8`},
	}
	for _, tt := range tests {
		got, err := ParseSort(tt.in)
		if err == nil {
			t.Errorf("ParseSort(%q) = %v, want error %q", tt.in, got, tt.want)
			continue
		}
		checkInvalid(t, err, tt.want, "ParseSort(%q)", tt.in)
	}
	_, err := Limits{MaxLength: 10}.ParseSort("abcdefghijk")
	checkInvalid(t, err, "invalid sort: 11 bytes is longer than 10 bytes (limit MaxLength)", "ParseSort")
	_, err = Limits{MaxSortKeys: 2}.ParseSort("a,b,c")
	checkInvalid(t, err, "invalid sort: more than 2 keys (limit MaxSortKeys)", "ParseSort")
}

func TestParseSortList(t *testing.T) {
	got, err := ParseSortList([]string{"pet", "-age:emptyLast", "Company.name"})
	want := []SortKey{key("pet", false, NullsDefault), key("age", true, NullsLast), key("Company.name", false, NullsDefault)}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ParseSortList = %v, %v; want %v", got, err, want)
	}
	if got, err := ParseSortList(nil); got != nil || err != nil {
		t.Errorf("ParseSortList(nil) = %v, %v", got, err)
	}
	if got, err := ParseSortList([]string{}); got != nil || err != nil {
		t.Errorf("ParseSortList([]) = %v, %v", got, err)
	}
	_, err = ParseSortList([]string{"a", "b,c"})
	checkInvalid(t, err, `invalid sort key 2 "b,c": "b,c" is not a valid column id`, "ParseSortList")
	_, err = ParseSortList([]string{"a", ""})
	checkInvalid(t, err, `invalid sort key 2 "": empty key; expected a column id`, "ParseSortList")
	_, err = ParseSortList(strings.Split("a,b,c,d,e,f,g,h,i,j,k", ","))
	checkInvalid(t, err, `invalid sort: more than 10 keys (limit MaxSortKeys)`, "ParseSortList")
	_, err = Limits{MaxLength: 10}.ParseSortList([]string{"abcde", "fghij"})
	checkInvalid(t, err, "invalid sort: 12 bytes is longer than 10 bytes (limit MaxLength)", "ParseSortList")
}

func TestCheckSort(t *testing.T) {
	if err := CheckSort([]SortKey{key("a", true, NullsLast), key("B.c", false, NullsFirst)}); err != nil {
		t.Errorf("CheckSort: %v", err)
	}
	err := CheckSort([]SortKey{{Path: nil}})
	checkInvalid(t, err, "invalid sort key 1: empty column path", "CheckSort")
	err = CheckSort([]SortKey{key("a", false, NullsDefault), key("a b", false, NullsDefault)})
	checkInvalid(t, err, `invalid sort key 2: "a b" is not a valid column id`, "CheckSort")
	err = CheckSort([]SortKey{{Path: []string{"a"}, Nulls: 7}})
	checkInvalid(t, err, "invalid sort key 1: unknown nulls placement 7", "CheckSort")
	err = Limits{MaxSortKeys: 1}.CheckSort([]SortKey{key("a", false, 0), key("b", false, 0)})
	checkInvalid(t, err, "invalid sort: more than 1 keys (limit MaxSortKeys)", "CheckSort")
}

func TestSortKeyString(t *testing.T) {
	tests := []struct {
		k    SortKey
		want string
	}{
		{key("A", false, NullsDefault), "A"},
		{key("A", true, NullsDefault), "-A"},
		{key("Company.name", true, NullsFirst), "-Company.name:emptyFirst"},
		{key("b", false, NullsLast), "b:emptyLast"},
	}
	for _, tt := range tests {
		if got := tt.k.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.k, got, tt.want)
		}
	}
	if got := NullsLast.String(); got != "last" {
		t.Errorf("NullsLast.String() = %q", got)
	}
}
