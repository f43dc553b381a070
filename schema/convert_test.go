package schema

import (
	"reflect"
	"testing"
)

func TestConvert(t *testing.T) {
	const jan31NY2330 = 1706761800 // 2024-01-31T23:30:00-05:00, already February in UTC
	const jan31NYMidnight = 1706677200
	tests := []struct {
		from, to string
		in       any // as Decode of the old type returns it
		want     any // the new storage; ignored when !ok
		ok       bool
	}{
		// Numbers.
		{"Numeric", "Int", 3.0, int64(3), true},
		{"Numeric", "Int", 3.5, nil, false},
		{"Int", "Numeric", int64(3), 3.0, true},
		{"Int", "Text", int64(3), "3", true},
		{"Numeric", "Text", 3.5, "3.5", true},
		{"Text", "Int", "12", int64(12), true},
		{"Text", "Int", "1,200", int64(1200), true},
		{"Text", "Int", "abc", nil, false},
		{"Text", "Int", "", nil, true},
		{"Text", "Numeric", "$2.50", 2.5, true},
		{"Any", "Int", n("5"), int64(5), true},

		// Bool.
		{"Bool", "Int", true, int64(1), true},
		{"Bool", "Int", false, int64(0), true},
		{"Bool", "Numeric", true, 1.0, true},
		{"Bool", "Text", true, "true", true},
		{"Bool", "Text", false, "false", true},
		{"Int", "Bool", int64(0), false, true},
		{"Int", "Bool", int64(5), true, true},
		{"Numeric", "Bool", 0.5, true, true},
		{"Text", "Bool", "yes", true, true},
		{"Text", "Bool", "maybe", nil, false},

		// Empty cells.
		{"Int", "Text", nil, "", true},
		{"Date", "Choice", nil, "", true},
		{"Text", "Int", nil, nil, true},
		{"Text", "Bool", nil, false, true},
		{"Text", "Ref:People", nil, int64(0), true},
		{"Text", "ChoiceList", nil, nil, true},

		// Dates.
		{"Date", "DateTime", int64(jan31), float64(jan31), true},
		{"Date", "DateTime:America/New_York", int64(jan31), float64(jan31NYMidnight), true},
		{"DateTime:America/New_York", "Date", float64(jan31NY2330), int64(jan31), true},
		{"DateTime", "Date", float64(jan31at10), int64(jan31), true},
		{"DateTime", "DateTime:America/New_York", float64(jan31at10), float64(jan31at10), true},
		{"Date", "Text", int64(jan31), "2024-01-31", true},
		{"DateTime:America/New_York", "Text", float64(jan31NY10), "2024-01-31T10:00:00-05:00", true},
		{"DateTime", "Text", 1706695200.5, "2024-01-31T10:00:00.5Z", true},
		{"Text", "Date", "2024-01-31", int64(jan31), true},
		{"Text", "Date", "hello", nil, false},
		{"Text", "DateTime:America/New_York", "2024-01-31 10:00", float64(jan31NY10), true},
		{"Numeric", "Date", float64(jan31), int64(jan31), true},
		{"Date", "Int", int64(jan31), int64(jan31), true},
		{"DateTime", "Date", 1e300, nil, false},

		// Lists.
		{"Text", "ChoiceList", "a,b", `["a","b"]`, true},
		{"Text", "ChoiceList", " a , b ,", `["a","b"]`, true},
		{"Text", "ChoiceList", `["a","b"]`, `["a","b"]`, true},
		{"Choice", "ChoiceList", "x", `["x"]`, true},
		{"Int", "ChoiceList", int64(4), `["4"]`, true},
		{"Bool", "ChoiceList", true, `["true"]`, true},
		{"ChoiceList", "Text", []any{"L", "a", "b c"}, "a,b c", true},
		{"ChoiceList", "Text", []any{"L", "a,b", `say "hi"`}, `"a,b","say ""hi"""`, true},
		{"ChoiceList", "Choice", []any{"L", "a"}, "a", true},
		{"ChoiceList", "Any", []any{"L", "a"}, `["L","a"]`, true},
		{"ChoiceList", "RefList:People", []any{"L", "1", "2"}, `[1,2]`, true},
		{"ChoiceList", "RefList:People", []any{"L", "x"}, nil, false},
		{"RefList:People", "ChoiceList", []any{"L", int64(1), int64(2)}, `["1","2"]`, true},
		{"RefList:People", "Text", []any{"L", int64(1), int64(2)}, "1,2", true},
		{"RefList:People", "RefList:Others", []any{"L", int64(1)}, `[1]`, true},
		{"RefList:People", "Attachments", []any{"L", int64(1)}, `[1]`, true},
		{"Text", "RefList:People", "1, 2", `[1,2]`, true},

		// References.
		{"Ref:People", "Int", int64(5), int64(5), true},
		{"Int", "Ref:People", int64(5), int64(5), true},
		{"Numeric", "Ref:People", 2.5, nil, false},
		{"Text", "Ref:People", "7", int64(7), true},
		{"Text", "Ref:People", "Alice", nil, false},
		{"Ref:People", "RefList:People", int64(0), nil, true},
		{"Ref:People", "RefList:People", int64(5), `[5]`, true},
		{"RefList:People", "Ref:People", []any{"L", int64(1)}, int64(1), true},
		{"RefList:People", "Ref:People", []any{"L", int64(1), int64(2)}, nil, false},
		{"Ref:People", "Text", int64(5), "5", true},

		// Any, and unchanged types.
		{"Int", "Any", int64(5), `5`, true},
		{"Text", "Any", "x", `"x"`, true},
		{"Any", "Text", map[string]any{"a": n("1")}, `{"a":1}`, true},
		{"Any", "Text", []any{"L", "a"}, "a", true},
		{"Text", "Text", "x", "x", true},
	}
	for _, tt := range tests {
		from, to := mustType(t, tt.from), mustType(t, tt.to)
		sv, alt, ok := Convert(from, to, tt.in)
		name := tt.from + " -> " + tt.to + " " + show(tt.in)
		if ok != tt.ok {
			t.Errorf("%s: ok = %v, want %v (sql %#v)", name, ok, tt.ok, sv)
			continue
		}
		if !ok {
			if sv != nil || !reflect.DeepEqual(alt, tt.in) {
				t.Errorf("%s: got sql %#v alt %#v, want nil and the input", name, sv, alt)
			}
			continue
		}
		if sv != tt.want {
			t.Errorf("%s: sql = %#v (%T), want %#v (%T)", name, sv, sv, tt.want, tt.want)
		}
		checkStorage(t, name, to, sv)
	}
}
