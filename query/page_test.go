package query

import (
	"reflect"
	"testing"
)

func TestParseLimit(t *testing.T) {
	ok := []struct {
		in   string
		max  int
		want int
	}{
		{"", 0, 0},
		{"0", 0, 0},
		{" 5 ", 0, 5},
		{"10000", 0, 10000},
		{"20", 20, 20},
	}
	for _, tt := range ok {
		got, err := ParseLimit(tt.in, tt.max)
		if err != nil || got != tt.want {
			t.Errorf("ParseLimit(%q, %d) = %d, %v; want %d", tt.in, tt.max, got, err, tt.want)
		}
	}
	bad := []struct {
		in   string
		max  int
		want string
	}{
		{"-1", 0, `invalid limit "-1": expected a non-negative integer`},
		{"1.5", 0, `invalid limit "1.5": expected a non-negative integer`},
		{"ten", 0, `invalid limit "ten": expected a non-negative integer`},
		{"10001", 0, `limit 10001 is above the maximum page size 10000`},
		{"21", 20, `limit 21 is above the maximum page size 20`},
		{"99999999999999999999999", 0, `invalid limit "99999999999999999999999": expected a non-negative integer`},
	}
	for _, tt := range bad {
		_, err := ParseLimit(tt.in, tt.max)
		checkInvalid(t, err, tt.want, "ParseLimit(%q, %d)", tt.in, tt.max)
	}
}

func TestParsePage(t *testing.T) {
	a := Cursor{Values: []any{"x"}, ID: 3}
	b := Cursor{Values: []any{"y"}, ID: 8}
	tests := []struct {
		limit, offset, after, before string
		want                         Page
	}{
		{"", "", "", "", Page{}},
		{"10", "", "", "", Page{Limit: 10}},
		{"10", "", a.Encode(), "", Page{Limit: 10, After: &a}},
		{"10", "", "", b.Encode(), Page{Limit: 10, Before: &b, Last: true}},
		{"", "", a.Encode(), b.Encode(), Page{After: &a, Before: &b, Last: true}},
		{"10", "0", "", "", Page{Limit: 10}},
		{"10", " 250 ", "", "", Page{Limit: 10, Offset: 250}},
		{"10", "0", a.Encode(), "", Page{Limit: 10, After: &a}},
	}
	for _, tt := range tests {
		got, err := ParsePage(tt.limit, tt.offset, tt.after, tt.before, 0)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParsePage(%q, %q, %q, %q) = %+v, %v; want %+v", tt.limit, tt.offset, tt.after, tt.before, got, err, tt.want)
		}
	}
	for _, tt := range []struct{ limit, offset, after, before, want string }{
		{"", "", "junk", "", "invalid cursor in starting_after"},
		{"", "", "", "junk", "invalid cursor in ending_before"},
		{"x", "", "", "", `invalid limit "x": expected a non-negative integer`},
		{"10", "-1", "", "", `invalid offset "-1": expected a non-negative integer`},
		{"10", "2.5", "", "", `invalid offset "2.5": expected a non-negative integer`},
		{"10", "9999999999999999", "", "", `invalid offset "9999999999999999": expected a non-negative integer`},
		{"", "5", "", "", "offset needs a limit"},
		{"0", "5", "", "", "offset needs a limit"},
		{"10", "5", a.Encode(), "", "offset cannot be combined with starting_after or ending_before"},
		{"10", "5", "", b.Encode(), "offset cannot be combined with starting_after or ending_before"},
	} {
		_, err := ParsePage(tt.limit, tt.offset, tt.after, tt.before, 0)
		checkInvalid(t, err, tt.want, "ParsePage(%q, %q, %q, %q)", tt.limit, tt.offset, tt.after, tt.before)
	}
}
