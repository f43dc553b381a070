package query

import (
	"strings"
	"testing"
)

func TestParseGristFilter(t *testing.T) {
	tests := []struct {
		in   string
		want Expr
	}{
		{`{}`, nil},
		{` { } `, nil},
		{`{"pet":["cat","dog"]}`, c("pet", OpIn, list("cat", "dog"))},
		{`{"pet": ["cat", "dog"], "size": ["tiny", "outrageously small"]}`,
			and(c("pet", OpIn, list("cat", "dog")), c("size", OpIn, list("tiny", "outrageously small")))},
		// Key order is kept, whatever it is.
		{`{"b":[1],"a":[2]}`, and(c("b", OpIn, list(num("1"))), c("a", OpIn, list(num("2"))))},
		{`{"n":[1, 2.50, -3e2, true, false, null, ""]}`, c("n", OpIn, list(num("1"), num("2.50"), num("-3e2"), true, false, nil, ""))},
		{`{"n":[]}`, c("n", OpIn, list())},
		// A repeated key keeps its last value, in its first place.
		{`{"a":[1],"b":[2],"a":[3]}`, and(c("a", OpIn, list(num("3"))), c("b", OpIn, list(num("2"))))},
		{`{"id":[1,2],"manualSort":[3]}`, and(c("id", OpIn, list(num("1"), num("2"))), c("manualSort", OpIn, list(num("3"))))},
		{`{"s":["a\"b\u00e9"]}`, c("s", OpIn, list(`a"bé`))},
	}
	for _, tt := range tests {
		got, err := ParseGristFilter([]byte(tt.in))
		if err != nil {
			t.Errorf("ParseGristFilter(%q): %v", tt.in, err)
			continue
		}
		if !Equal(got, tt.want) {
			t.Errorf("ParseGristFilter(%q) = %v, want %v", tt.in, exprString(got), exprString(tt.want))
		}
		if got != nil {
			again, err := ParseExpr(got.String())
			if err != nil || !Equal(again, got) {
				t.Errorf("String() of ParseGristFilter(%q) = %q does not round-trip: %v", tt.in, got.String(), err)
			}
		}
	}
}

func TestParseGristFilterErrors(t *testing.T) {
	const notJSON = "Invalid query: filter is not a valid JSON object"
	tests := []struct{ in, want string }{
		{`{"B":"world"}`, MessageFilterNotArrays},
		{`{"B":["ok"],"C":1}`, MessageFilterNotArrays},
		{`{"B":null}`, MessageFilterNotArrays},
		{`{"B":{"x":[1]}}`, MessageFilterNotArrays},
		{`{"B":[[1]]}`, `Invalid query: filter value 0 of column "B" must be a string, number, boolean or null`},
		{`{"B":[1,{}]}`, `Invalid query: filter value 1 of column "B" must be a string, number, boolean or null`},
		{`{"Bad Col":[1]}`, `Invalid query: filter key "Bad Col" is not a valid column id`},
		{`{"Company.country":["FR"]}`, `Invalid query: filter key "Company.country" is not a valid column id`},
		{`{"":[1]}`, `Invalid query: filter key "" is not a valid column id`},
		{``, notJSON},
		{`[]`, notJSON},
		{`"x"`, notJSON},
		{`{`, notJSON},
		{`{"a":[1]`, notJSON},
		{`{"a":[1],}`, notJSON},
		{`{"a":[1]} {}`, notJSON},
		{`{"a":[1]}x`, notJSON},
		{`{a:[1]}`, notJSON},
		{`{"a":[1 2]}`, notJSON},
	}
	for _, tt := range tests {
		got, err := ParseGristFilter([]byte(tt.in))
		if err == nil {
			t.Errorf("ParseGristFilter(%q) = %v, want error %q", tt.in, got, tt.want)
			continue
		}
		checkInvalid(t, err, tt.want, "ParseGristFilter(%q)", tt.in)
	}
}

func TestParseGristFilterLimits(t *testing.T) {
	l := Limits{MaxConds: 2, MaxValues: 3, MaxLength: 100}
	bad := []struct{ in, want string }{
		{`{"a":[1],"b":[2],"c":[3]}`, "invalid filter: more than 2 conditions (limit MaxConds)"},
		{`{"a":[1,2],"b":[3,4]}`, "invalid filter: more than 3 values in lists (limit MaxValues)"},
		{`{"a":[` + strings.Repeat("1,", 60) + `1]}`, "invalid filter: 129 bytes is longer than 100 bytes (limit MaxLength)"},
	}
	for _, tt := range bad {
		_, err := l.ParseGristFilter([]byte(tt.in))
		if err == nil {
			t.Errorf("ParseGristFilter(%q): no error, want %q", tt.in, tt.want)
			continue
		}
		checkInvalid(t, err, tt.want, "ParseGristFilter(%q)", tt.in)
	}
	// Repeating a key replaces its values rather than adding to them.
	if _, err := l.ParseGristFilter([]byte(`{"a":[1,2],"a":[3],"b":[4,5]}`)); err != nil {
		t.Errorf("repeated key: %v", err)
	}
}
