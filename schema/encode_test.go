package schema

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // zone tests must not depend on the host's zone database
)

type n = json.Number

// Timestamps used below (checked with Python's zoneinfo).
const (
	jan31     = 1706659200 // 2024-01-31T00:00:00Z
	jan31at10 = 1706695200 // 2024-01-31T10:00:00Z
	jan31NY10 = 1706713200 // 2024-01-31T10:00:00-05:00
	jul1NY12  = 1719849600 // 2024-07-01T12:00:00-04:00
)

// always marks a case that behaves the same with parse on and off.
const (
	noParse = 1 << iota
	withParse
	always = noParse | withParse
)

type encodeCase struct {
	typ   string
	in    any
	modes int
	want  any // the SQL value; ignored when !ok
	ok    bool
}

var encodeCases = []encodeCase{
	// Text and Choice.
	{"Text", "hello", always, "hello", true},
	{"Text", "", always, "", true},
	{"Text", nil, always, nil, true},
	{"Text", n("42"), always, "42", true},
	{"Text", n("42.0"), always, "42", true},
	{"Text", n("3.5"), always, "3.5", true},
	{"Text", n("1e2"), always, "100", true},
	{"Text", n("12345678901234567890"), always, "12345678901234567000", true},
	{"Text", n("1e25"), always, "1e+25", true},
	{"Text", true, always, nil, false},
	{"Text", []any{"L", "a"}, always, nil, false},
	{"Text", map[string]any{"a": n("1")}, always, nil, false},
	{"Choice", "red", always, "red", true},
	{"Choice", n("7"), always, "7", true},

	// Numeric.
	{"Numeric", n("3.5"), always, 3.5, true},
	{"Numeric", n("42"), always, 42.0, true},
	{"Numeric", 2.25, always, 2.25, true},
	{"Numeric", int64(7), always, 7.0, true},
	{"Numeric", nil, always, nil, true},
	{"Numeric", "", always, nil, true},
	{"Numeric", "3.5", always, 3.5, true},
	{"Numeric", " 1e3 ", always, 1000.0, true},
	{"Numeric", "-.5", always, -0.5, true},
	{"Numeric", "1,234.5", noParse, nil, false},
	{"Numeric", "1,234.5", withParse, 1234.5, true},
	{"Numeric", "$1,234.50", withParse, 1234.5, true},
	{"Numeric", "(1,234.50)", withParse, -1234.5, true},
	{"Numeric", "-$5", withParse, -5.0, true},
	{"Numeric", "\u22123", withParse, -3.0, true},
	{"Numeric", "50%", withParse, 0.5, true},
	{"Numeric", "50%", noParse, nil, false},
	{"Numeric", "12,34", withParse, nil, false},
	{"Numeric", "abc", always, nil, false},
	{"Numeric", "NaN", always, nil, false},
	{"Numeric", "Inf", always, nil, false},
	{"Numeric", "0x10", always, nil, false},
	{"Numeric", n("1e400"), always, nil, false},
	{"Numeric", true, always, nil, false},
	{"Numeric", []any{"L", n("1")}, always, nil, false},

	// Int.
	{"Int", n("42"), always, int64(42), true},
	{"Int", n("-7"), always, int64(-7), true},
	{"Int", n("42.0"), always, int64(42), true},
	{"Int", n("9007199254740993"), always, int64(9007199254740993), true},
	{"Int", n("9223372036854775807"), always, int64(9223372036854775807), true},
	{"Int", n("9223372036854775808"), always, nil, false},
	{"Int", n("3.7"), always, nil, false},
	{"Int", "42", always, int64(42), true},
	{"Int", "1e3", always, int64(1000), true},
	{"Int", "3.5", always, nil, false},
	{"Int", "1,000", noParse, nil, false},
	{"Int", "1,000", withParse, int64(1000), true},
	{"Int", "abc", always, nil, false},
	{"Int", "", always, nil, true},
	{"Int", nil, always, nil, true},
	{"Int", false, always, nil, false},
	{"Int", 5, always, int64(5), true},

	// Bool.
	{"Bool", true, always, true, true},
	{"Bool", false, always, false, true},
	{"Bool", nil, always, false, true},
	{"Bool", "", always, false, true},
	{"Bool", n("0"), always, false, true},
	{"Bool", n("1"), always, true, true},
	{"Bool", n("2"), always, nil, false},
	{"Bool", n("0.5"), always, nil, false},
	{"Bool", "true", always, true, true},
	{"Bool", "TRUE", always, true, true},
	{"Bool", "Yes", always, true, true},
	{"Bool", "1", always, true, true},
	{"Bool", "false", always, false, true},
	{"Bool", "no", always, false, true},
	{"Bool", "0", always, false, true},
	{"Bool", " yes ", noParse, nil, false},
	{"Bool", " yes ", withParse, true, true},
	{"Bool", "maybe", always, nil, false},
	{"Bool", "on", always, nil, false},
	{"Bool", []any{"L"}, always, nil, false},

	// Date.
	{"Date", n("1706659200"), always, int64(jan31), true},
	{"Date", int64(jan31), always, int64(jan31), true},
	{"Date", n("1706659200.5"), always, nil, false},
	{"Date", "2024-01-31", always, int64(jan31), true},
	{"Date", "2024-01-31T23:59:59-05:00", always, int64(jan31), true},
	{"Date", "2024-01-31 10:00", always, int64(jan31), true},
	{"Date", " 2024-01-31 ", noParse, nil, false},
	{"Date", " 2024-01-31 ", withParse, int64(jan31), true},
	{"Date", "2024-02-30", always, nil, false},
	{"Date", "2024-13-01", always, nil, false},
	{"Date", "31/01/2024", always, nil, false},
	{"Date", "", always, nil, true},
	{"Date", nil, always, nil, true},
	{"Date", true, always, nil, false},
	{"Date", []any{"d", n("1706659200")}, always, int64(jan31), true},
	{"Date", []any{"D", n("1706659200"), "UTC"}, always, nil, false},

	// DateTime.
	{"DateTime", n("1706695200"), always, float64(jan31at10), true},
	{"DateTime", n("1706695200.25"), always, 1706695200.25, true},
	{"DateTime", "2024-01-31T10:00:00Z", always, float64(jan31at10), true},
	{"DateTime", "2024-01-31T10:00:00.5Z", always, 1706695200.5, true},
	{"DateTime", "2024-01-31T10:00:00", always, float64(jan31at10), true},
	{"DateTime", "2024-01-31 10:00", always, float64(jan31at10), true},
	{"DateTime", "2024-01-31T10:00:00-05:00", always, float64(jan31NY10), true},
	{"DateTime", "2024-01-31T10:00:00-0500", always, float64(jan31NY10), true},
	{"DateTime", "2024-01-31T15:00:00+00", always, float64(jan31NY10), true},
	{"DateTime", "2024-01-31", always, float64(jan31), true},
	{"DateTime:America/New_York", "2024-01-31T10:00:00", always, float64(jan31NY10), true},
	{"DateTime:America/New_York", "2024-07-01 12:00", always, float64(jul1NY12), true},
	{"DateTime:America/New_York", "2024-01-31T10:00:00Z", always, float64(jan31at10), true},
	{"DateTime:Nowhere/Special", "2024-01-31T10:00:00", always, float64(jan31at10), true},
	{"DateTime", "2024-01-31T25:00:00", always, nil, false},
	{"DateTime", "2024-01-31T10:00:00+25:00", always, nil, false},
	{"DateTime", "yesterday", always, nil, false},
	{"DateTime", "", always, nil, true},
	{"DateTime", nil, always, nil, true},
	{"DateTime", []any{"D", n("1706695200"), "UTC"}, always, float64(jan31at10), true},
	{"DateTime", false, always, nil, false},

	// Ref.
	{"Ref:People", n("17"), always, int64(17), true},
	{"Ref:People", n("0"), always, int64(0), true},
	{"Ref:People", nil, always, int64(0), true},
	{"Ref:People", "", always, int64(0), true},
	{"Ref:People", false, always, int64(0), true},
	{"Ref:People", true, always, nil, false},
	{"Ref:People", n("-1"), always, nil, false},
	{"Ref:People", n("1.5"), always, nil, false},
	{"Ref:People", "17", noParse, nil, false},
	{"Ref:People", "17", withParse, int64(17), true},
	{"Ref:People", " 17 ", withParse, int64(17), true},
	{"Ref:People", "Alice", always, nil, false},
	{"Ref:People", []any{"R", "People", n("3")}, always, int64(3), true},
	{"Ref:People", []any{"R", "Others", n("3")}, always, nil, false},

	// ChoiceList.
	{"ChoiceList", []any{"L", "a", "b"}, always, `["a","b"]`, true},
	{"ChoiceList", []any{"a", "b"}, always, `["a","b"]`, true},
	{"ChoiceList", []any{"L"}, always, nil, true},
	{"ChoiceList", []any{}, always, nil, true},
	{"ChoiceList", nil, always, nil, true},
	{"ChoiceList", "", always, nil, true},
	{"ChoiceList", []any{"L", "<a&b>"}, always, `["<a&b>"]`, true},
	{"ChoiceList", []any{"L", n("1")}, always, nil, false},
	{"ChoiceList", `["a","b"]`, always, `["a","b"]`, true},
	{"ChoiceList", `["a",1,null,""]`, noParse, nil, false},
	{"ChoiceList", `["a",1,null,""]`, withParse, `["a","1"]`, true},
	{"ChoiceList", "a, b", noParse, nil, false},
	{"ChoiceList", "a, b", withParse, `["a","b"]`, true},
	{"ChoiceList", `a, "b, c"`, withParse, `["a","b, c"]`, true},
	{"ChoiceList", "a\nb,,c", withParse, `["a","b","c"]`, true},
	{"ChoiceList", " , ", withParse, nil, true},
	{"ChoiceList", n("1"), always, nil, false},
	{"ChoiceList", map[string]any{}, always, nil, false},

	// RefList and Attachments.
	{"RefList:People", []any{"L", n("1"), n("2")}, always, `[1,2]`, true},
	{"RefList:People", []any{n("1"), n("2")}, always, `[1,2]`, true},
	{"RefList:People", []any{"L"}, always, nil, true},
	{"RefList:People", nil, always, nil, true},
	{"RefList:People", "", always, nil, true},
	{"RefList:People", "[1,2]", always, `[1,2]`, true},
	{"RefList:People", "1, 2", noParse, nil, false},
	{"RefList:People", "1, 2", withParse, `[1,2]`, true},
	{"RefList:People", "5", withParse, `[5]`, true},
	{"RefList:People", []any{"L", "1"}, noParse, nil, false},
	{"RefList:People", []any{"L", "1"}, withParse, `[1]`, true},
	{"RefList:People", []any{"L", n("1.5")}, always, nil, false},
	{"RefList:People", []any{"L", n("-1")}, always, nil, false},
	{"RefList:People", n("3"), always, nil, false},
	{"RefList:People", []any{"r", "People", []any{n("4"), n("5")}}, always, `[4,5]`, true},
	{"RefList:People", []any{"r", "Others", []any{n("4")}}, always, nil, false},
	{"Attachments", []any{"L", n("1")}, always, `[1]`, true},
	{"Attachments", nil, always, nil, true},
	{"Attachments", "x", always, nil, false},

	// Any.
	{"Any", nil, always, nil, true},
	{"Any", "text", always, `"text"`, true},
	{"Any", n("1.50"), always, `1.50`, true},
	{"Any", true, always, `true`, true},
	{"Any", []any{"L", n("1"), "a"}, always, `["L",1,"a"]`, true},
	{"Any", map[string]any{"b": n("2"), "a": "<x>"}, always, `{"a":"<x>","b":2}`, true},
}

func TestEncode(t *testing.T) {
	for _, tt := range encodeCases {
		typ := mustType(t, tt.typ)
		for _, parse := range []bool{false, true} {
			mode := noParse
			if parse {
				mode = withParse
			}
			if tt.modes&mode == 0 {
				continue
			}
			sv, alt, ok := typ.Encode(tt.in, parse)
			name := tt.typ + " " + show(tt.in)
			if parse {
				name += " (parse)"
			}
			if ok != tt.ok {
				t.Errorf("%s: ok = %v, want %v (sql %#v)", name, ok, tt.ok, sv)
				continue
			}
			if !ok {
				if sv != nil {
					t.Errorf("%s: sql = %#v for a value that does not fit", name, sv)
				}
				if !reflect.DeepEqual(alt, tt.in) {
					t.Errorf("%s: alt = %#v, want the input", name, alt)
				}
				continue
			}
			if alt != nil {
				t.Errorf("%s: alt = %#v for a value that fits", name, alt)
			}
			if sv != tt.want {
				t.Errorf("%s: sql = %#v (%T), want %#v (%T)", name, sv, sv, tt.want, tt.want)
			}
			checkStorage(t, name, typ, sv)
		}
	}
}

// checkStorage checks that sv is of the Go type its storage class promises.
func checkStorage(t *testing.T, name string, typ Type, sv any) {
	t.Helper()
	if sv == nil {
		return
	}
	var good bool
	switch typ.Storage() {
	case StoreText, StoreJSON:
		_, good = sv.(string)
	case StoreReal:
		_, good = sv.(float64)
	case StoreInt:
		_, good = sv.(int64)
	case StoreBool:
		_, good = sv.(bool)
	}
	if !good {
		t.Errorf("%s: sql %#v (%T) is not %v storage", name, sv, sv, typ.Storage())
	}
	if typ.Storage() == StoreJSON && !json.Valid([]byte(sv.(string))) {
		t.Errorf("%s: stored %q is not JSON", name, sv)
	}
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}

// TestEncodeRoundTrip checks that every value that fits reads back as
// Grist shows it, and that encoding what Decode returns is stable.
func TestEncodeRoundTrip(t *testing.T) {
	tests := []struct {
		typ  string
		in   any
		want any // Decode(Encode(in))
	}{
		{"Text", "hello", "hello"},
		{"Text", n("42"), "42"},
		{"Text", nil, nil},
		{"Choice", "red", "red"},
		{"Numeric", n("3.5"), 3.5},
		{"Numeric", "1,234.5", 1234.5},
		{"Int", n("42"), int64(42)},
		{"Int", "42", int64(42)},
		{"Bool", true, true},
		{"Bool", "no", false},
		{"Date", "2024-01-31", int64(jan31)},
		{"DateTime", "2024-01-31T10:00:00.5Z", 1706695200.5},
		{"DateTime:America/New_York", "2024-01-31 10:00", float64(jan31NY10)},
		{"ChoiceList", []any{"L", "a", "b"}, []any{"L", "a", "b"}},
		{"ChoiceList", "x, y", []any{"L", "x", "y"}},
		{"Ref:People", n("17"), int64(17)},
		{"Ref:People", nil, int64(0)},
		{"RefList:People", []any{"L", n("1"), n("2")}, []any{"L", int64(1), int64(2)}},
		{"Attachments", []any{"L", n("9")}, []any{"L", int64(9)}},
		{"Any", []any{"L", n("1"), "a"}, []any{"L", n("1"), "a"}},
		{"Any", map[string]any{"k": []any{true, nil}}, map[string]any{"k": []any{true, nil}}},
		{"Any", "s", "s"},
	}
	for _, tt := range tests {
		typ := mustType(t, tt.typ)
		sv, _, ok := typ.Encode(tt.in, true)
		if !ok {
			t.Errorf("%s %s: does not encode", tt.typ, show(tt.in))
			continue
		}
		got := typ.Decode(sv)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s %s: Decode(%#v) = %#v (%T), want %#v", tt.typ, show(tt.in), sv, got, got, tt.want)
		}
		sv2, _, ok := typ.Encode(got, false)
		if !ok || !reflect.DeepEqual(sv2, sv) {
			t.Errorf("%s %s: re-encoding %#v gives %#v, %v; want %#v", tt.typ, show(tt.in), got, sv2, ok, sv)
		}
	}
}

func TestDecodeDriverValues(t *testing.T) {
	day := time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		typ  string
		in   any
		want any
	}{
		{"Text", nil, nil},
		{"Text", []byte("bytes"), "bytes"},
		{"Text", int64(5), "5"},
		{"Text", 2.5, "2.5"},
		{"Choice", "x", "x"},
		{"Numeric", int64(3), 3.0},
		{"Numeric", int32(3), 3.0},
		{"Numeric", float32(0.5), 0.5},
		{"Numeric", "2.5", 2.5},
		{"Numeric", "junk", "junk"},
		{"Int", int64(3), int64(3)},
		{"Int", int32(3), int64(3)},
		{"Int", 3.0, int64(3)},
		{"Int", uint8(3), int64(3)},
		{"Int", "12", int64(12)},
		{"Ref:People", int64(4), int64(4)},
		{"Bool", int64(0), false},
		{"Bool", int64(1), true},
		{"Bool", true, true},
		{"Bool", "t", true},
		{"Bool", []byte("0"), false},
		{"Date", int64(jan31), int64(jan31)},
		{"Date", float64(jan31), int64(jan31)},
		{"Date", day, int64(jan31)},
		{"Date", "2024-01-31", int64(jan31)},
		{"DateTime", float64(jan31at10), float64(jan31at10)},
		{"DateTime", int64(jan31at10), float64(jan31at10)},
		{"DateTime", day.Add(10*time.Hour + 500*time.Millisecond), 1706695200.5},
		{"ChoiceList", `["a","b"]`, []any{"L", "a", "b"}},
		{"ChoiceList", []byte(`["a"]`), []any{"L", "a"}},
		{"ChoiceList", `[]`, nil},
		{"ChoiceList", []any{"a"}, []any{"L", "a"}},
		{"ChoiceList", "not json", "not json"},
		{"RefList:People", `[1,2]`, []any{"L", int64(1), int64(2)}},
		{"RefList:People", []any{1.0, 2.0}, []any{"L", int64(1), int64(2)}},
		{"Attachments", `[7]`, []any{"L", int64(7)}},
		{"Any", `{"a":1}`, map[string]any{"a": n("1")}},
		{"Any", `"s"`, "s"},
		{"Any", `1 2`, `1 2`},
		{"Any", 2.5, 2.5},
	}
	for _, tt := range tests {
		typ := mustType(t, tt.typ)
		got := typ.Decode(tt.in)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s.Decode(%#v) = %#v (%T), want %#v (%T)", tt.typ, tt.in, got, got, tt.want, tt.want)
		}
	}
}

func TestDecodeTyped(t *testing.T) {
	tests := []struct {
		typ  string
		in   any
		want any
	}{
		{"Date", int64(jan31), []any{"d", int64(jan31)}},
		{"Date", nil, nil},
		{"DateTime", float64(jan31at10), []any{"D", float64(jan31at10), "UTC"}},
		{"DateTime:America/New_York", float64(jan31NY10), []any{"D", float64(jan31NY10), "America/New_York"}},
		{"DateTime", nil, nil},
		{"Ref:People", int64(17), []any{"R", "People", int64(17)}},
		{"Ref:People", int64(0), []any{"R", "People", int64(0)}},
		{"RefList:People", `[1,2]`, []any{"r", "People", []any{int64(1), int64(2)}}},
		{"RefList:People", nil, nil},
		{"ChoiceList", `["a"]`, []any{"L", "a"}},
		{"Attachments", `[3]`, []any{"L", int64(3)}},
		{"Text", "x", "x"},
		{"Int", int64(2), int64(2)},
		{"Bool", int64(1), true},
	}
	for _, tt := range tests {
		typ := mustType(t, tt.typ)
		got := typ.DecodeTyped(tt.in)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s.DecodeTyped(%#v) = %#v, want %#v", tt.typ, tt.in, got, tt.want)
		}
		// A typed value written back encodes to the same storage.
		if tt.in != nil {
			sv, _, ok := typ.Encode(got, false)
			if want := typ.Storage(); !ok || (want != StoreJSON && sv != typ.normalized(tt.in)) {
				t.Errorf("%s: typed %#v re-encodes to %#v, %v", tt.typ, got, sv, ok)
			}
		}
	}
}

// normalized is what Encode stores for a stored value read back by Decode.
func (t Type) normalized(v any) any {
	sv, _, _ := t.Encode(t.Decode(v), false)
	return sv
}

func TestEncodeJSONNotHTMLEscaped(t *testing.T) {
	sv, _, _ := mustType(t, "Any").Encode("<&>", false)
	if s := sv.(string); strings.Contains(s, `\u003c`) {
		t.Errorf("stored %q is HTML-escaped", s)
	}
}
