package openapi

import (
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/rowhouse/rowhouse/schema"
)

// jsonValue turns a Go value into what encoding/json decodes it to
// (float64 numbers, []any, map[string]any), as validators expect.
func jsonValue(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %#v: %v", v, err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	return out
}

// visit validates v against s with JSON Schema 2020-12, as openapi3filter
// does for OpenAPI 3.1 documents. s goes through JSON first, so that what
// is checked is what the document says.
func visit(t *testing.T, s *openapi3.Schema, v any) error {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("marshal schema: %v", err)
	}
	var loaded openapi3.Schema
	if err := json.Unmarshal(b, &loaded); err != nil {
		t.Fatalf("unmarshal schema %s: %v", b, err)
	}
	return loaded.VisitJSON(jsonValue(t, v), openapi3.EnableJSONSchema2020())
}

// mappingCase is one column type and values its cell schemas must accept
// or refuse.
type mappingCase struct {
	typ     string
	options string
	writes  []any // stored through Encode, read back through Decode
	in      []any // other inputs In accepts
	notIn   []any // inputs In refuses
	notOut  []any // values Out refuses
	notTyp  []any // values Typed refuses
	example any
}

func mappingCases() []mappingCase {
	return []mappingCase{
		{typ: "Text", writes: []any{"hello", "", nil}, notIn: []any{true, []any{"L"}}, notOut: []any{1, true}, example: "Label example"},
		{typ: "Choice", options: `{"choices":["FR","US"]}`, writes: []any{"FR", "", nil, "ZZ"}, in: []any{"US"},
			notIn: []any{"ZZ", 3}, notOut: []any{3}, example: "FR"},
		{typ: "Choice", writes: []any{"any", ""}, in: []any{"whatever"}, notIn: []any{1.5}, example: ""},
		{typ: "Numeric", writes: []any{1.5, 0, -3, nil}, in: []any{2}, notIn: []any{"x", true}, notOut: []any{"1.5", true}, example: 1.5},
		{typ: "Int", writes: []any{42, 0, -7, nil}, notIn: []any{1.5, "x"}, notOut: []any{1.5, "42"}, example: 42},
		{typ: "Bool", writes: []any{true, false}, in: []any{nil}, notIn: []any{"yes", 1}, notOut: []any{"true", 0}, example: true},
		{typ: "Date", writes: []any{exampleDate, "2024-01-31", nil}, in: []any{"2024-01-31", []any{"d", exampleDate}},
			notIn: []any{true, []any{"D", 1, "UTC"}}, notOut: []any{1.5, "2024-01-31", []any{"d", 1}},
			notTyp: []any{exampleDate, []any{"d"}, []any{"D", 1, "UTC"}}, example: exampleDate},
		{typ: "DateTime:Europe/Paris", writes: []any{1700000000.25, "2024-01-31T10:00:00Z", nil}, in: []any{[]any{"D", 1.5, "UTC"}},
			notIn: []any{true, []any{"d"}}, notOut: []any{"2024-01-31", []any{"D", 1, "UTC"}},
			notTyp: []any{1.5, []any{"D", 1}}, example: exampleDateTime},
		{typ: "ChoiceList", options: `{"choices":["a","b"]}`, writes: []any{[]any{"L", "a", "b"}, []any{"L"}, nil},
			notIn: []any{[]any{"L", "z"}, "a", []any{"a"}}, notOut: []any{[]any{"a"}, []any{"L", 1}, []any{"L"}, "a"}, example: []any{"L", "a"}},
		{typ: "Ref:People", writes: []any{3, 0, nil}, in: []any{[]any{"R", "People", 3}},
			notIn: []any{-1, "x", []any{"R", "Other", 3}}, notOut: []any{-1, 1.5, "3"},
			notTyp: []any{3, []any{"R", "Other", 3}, []any{"R", "People"}}, example: 1},
		{typ: "RefList:People", writes: []any{[]any{"L", 1, 2}, nil}, in: []any{[]any{"r", "People", []any{1, 2}}},
			notIn: []any{[]any{1, 2}, []any{"L", "x"}}, notOut: []any{[]any{1, 2}, []any{"L", -1}},
			notTyp: []any{[]any{"L", 1}, []any{"r", "Other", []any{1}}}, example: []any{"L", 1, 2}},
		{typ: "Attachments", writes: []any{[]any{"L", 1}, nil}, notIn: []any{[]any{1}, 1}, notOut: []any{[]any{1}, []any{"L", "x"}}, example: []any{"L", 1}},
		{typ: "Any", writes: []any{"x", 1.5, map[string]any{"a": []any{1}}, nil, true}, example: "any JSON value"},
	}
}

// The type mapping of every column type: values the codec produces when
// it reads cells back (schema.Type.Decode and DecodeTyped) match the Out
// and Typed schemas; values a client writes match In; values of the wrong
// type do not.
func TestColumnTypeMapping(t *testing.T) {
	for _, tc := range mappingCases() {
		t.Run(tc.typ, func(t *testing.T) {
			typ, err := schema.ParseType(tc.typ)
			if err != nil {
				t.Fatal(err)
			}
			col := &schema.Column{ID: "c", Type: typ, Label: "Label", WidgetOptions: tc.options}
			cs := columnCells(col)
			for _, w := range tc.writes {
				sqlValue, alt, ok := typ.Encode(jsonValue(t, w), true)
				if !ok {
					t.Fatalf("Encode(%v) does not fit (alt %v): fix the case", w, alt)
				}
				if err := visit(t, cs.In, w); err != nil && !listed(w, tc.notIn) {
					t.Errorf("In refuses the written value %#v: %v", w, err)
				}
				if err := visit(t, cs.Out, typ.Decode(sqlValue)); err != nil {
					t.Errorf("Out refuses Decode(%#v) = %#v: %v", sqlValue, typ.Decode(sqlValue), err)
				}
				if err := visit(t, cs.Typed, typ.DecodeTyped(sqlValue)); err != nil {
					t.Errorf("Typed refuses DecodeTyped(%#v) = %#v: %v", sqlValue, typ.DecodeTyped(sqlValue), err)
				}
			}
			for _, v := range tc.in {
				if err := visit(t, cs.In, v); err != nil {
					t.Errorf("In refuses %#v: %v", v, err)
				}
			}
			for _, v := range tc.notIn {
				if visit(t, cs.In, v) == nil {
					t.Errorf("In accepts %#v", v)
				}
			}
			for _, v := range tc.notOut {
				if visit(t, cs.Out, v) == nil {
					t.Errorf("Out accepts %#v", v)
				}
			}
			for _, v := range tc.notTyp {
				if visit(t, cs.Typed, v) == nil {
					t.Errorf("Typed accepts %#v", v)
				}
			}
			if got, want := jsonValue(t, cs.Example), jsonValue(t, tc.example); !jsonEqual(got, want) {
				t.Errorf("example %#v, want %#v", cs.Example, tc.example)
			}
			for name, pair := range map[string]struct {
				s *openapi3.Schema
				v any
			}{"In": {cs.In, cs.Example}, "Out": {cs.Out, cs.Example}, "Typed": {cs.Typed, cs.TypedExample}} {
				if err := visit(t, pair.s, pair.v); err != nil {
					t.Errorf("the example %#v does not match %s: %v", pair.v, name, err)
				}
			}
		})
	}
}

// listed reports whether v is one of vs: a value the server stores (a
// choice outside a Choice column's choices) that In still advises against.
func listed(v any, vs []any) bool {
	for _, x := range vs {
		if jsonEqual(v, x) {
			return true
		}
	}
	return false
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// Every kind of column is covered by the table above.
func TestColumnTypeMappingCoversEveryKind(t *testing.T) {
	seen := map[schema.Kind]bool{}
	for _, tc := range mappingCases() {
		typ, err := schema.ParseType(tc.typ)
		if err != nil {
			t.Fatal(err)
		}
		seen[typ.Kind] = true
	}
	for _, k := range schema.Kinds() {
		if !seen[k] {
			t.Errorf("column kind %s has no case in TestColumnTypeMapping", k)
		}
	}
}
