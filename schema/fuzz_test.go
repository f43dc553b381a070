package schema

import (
	"reflect"
	"strings"
	"testing"
)

// fuzzTypes are the column types FuzzEncode picks from.
var fuzzTypes = []string{
	"Text", "Numeric", "Int", "Bool", "Date", "DateTime", "DateTime:America/New_York",
	"Choice", "ChoiceList", "Ref:People", "RefList:People", "Attachments", "Any",
}

// FuzzSanitizeColID checks that a sanitized column id is always a valid,
// unreserved identifier that clashes with nothing existing, and that
// sanitizing is idempotent. existing is a newline-separated list.
func FuzzSanitizeColID(f *testing.F) {
	f.Add("Name", "")
	f.Add("", "A\nB")
	f.Add("Foo2", "foo2")
	f.Add("id", "id2")
	f.Add("gristHelper_x", "")
	f.Add("ça va", "")
	f.Fuzz(func(t *testing.T, name, existing string) {
		ex := strings.Split(existing, "\n")
		id := SanitizeColID(name, ex)
		checkFuzzedID(t, id, ex)
		if ReservedColumn(id) {
			t.Fatalf("SanitizeColID(%q) = %q, reserved", name, id)
		}
		if again := SanitizeColID(id, nil); again != id {
			t.Fatalf("SanitizeColID(%q) = %q, but SanitizeColID(%q) = %q", name, id, id, again)
		}
		if other := SanitizeColID(name, ex); other != id {
			t.Fatalf("SanitizeColID(%q) not deterministic: %q, %q", name, id, other)
		}
	})
}

// FuzzSanitizeTableID is FuzzSanitizeColID for tables.
func FuzzSanitizeTableID(f *testing.F) {
	f.Add("People", "")
	f.Add("", "Table1")
	f.Add("Foo2", "Foo2")
	f.Add("none", "")
	f.Fuzz(func(t *testing.T, name, existing string) {
		ex := strings.Split(existing, "\n")
		id := SanitizeTableID(name, ex)
		checkFuzzedID(t, id, ex)
		if id[0] < 'A' || id[0] > 'Z' {
			t.Fatalf("SanitizeTableID(%q) = %q, not capitalised", name, id)
		}
		if again := SanitizeTableID(id, nil); again != id {
			t.Fatalf("SanitizeTableID(%q) = %q, but SanitizeTableID(%q) = %q", name, id, id, again)
		}
		s, p := Inflect(id)
		if s == p || !ValidGraphQLName(s) || !ValidGraphQLName(p) {
			t.Fatalf("Inflect(%q) = %q, %q", id, s, p)
		}
	})
}

func checkFuzzedID(t *testing.T, id string, existing []string) {
	t.Helper()
	if !ValidIdent(id) {
		t.Fatalf("%q is not a valid identifier", id)
	}
	for _, e := range existing {
		if strings.EqualFold(e, id) {
			t.Fatalf("%q clashes with existing %q", id, e)
		}
	}
	if pythonKeywords[id] {
		t.Fatalf("%q is a Python keyword", id)
	}
}

// FuzzEncode checks that Encode never panics, keeps what does not fit as
// given, returns storage of the promised Go type, and that what Decode
// reads back encodes to the same storage. It also runs DecodeTyped and
// Convert to every type, which must not panic either. js is a JSON value;
// text that is not JSON is used as a plain string.
func FuzzEncode(f *testing.F) {
	f.Add(1, `"42"`, true)
	f.Add(8, `["L","a","b"]`, false)
	f.Add(5, `"2024-01-31T10:00:00-05:00"`, true)
	f.Add(10, `"1, 2"`, true)
	f.Add(12, `{"a":[1,2.50,null]}`, false)
	f.Fuzz(func(t *testing.T, kind int, js string, parse bool) {
		typ := mustType(t, fuzzTypes[uint(kind)%uint(len(fuzzTypes))])
		v, err := unmarshalJSON(js)
		if err != nil {
			v = js
		}
		sv, alt, ok := typ.Encode(v, parse)
		if !ok {
			if sv != nil || !reflect.DeepEqual(alt, v) {
				t.Fatalf("%s %q: not ok, but sql %#v alt %#v", typ, js, sv, alt)
			}
			return
		}
		checkStorage(t, typ.String(), typ, sv)
		d := typ.Decode(sv)
		sv2, _, ok := typ.Encode(d, false)
		if !ok || sv2 != sv {
			t.Fatalf("%s %q: stored %#v, read back %#v, re-encoded %#v (ok %v)", typ, js, sv, d, sv2, ok)
		}
		typ.DecodeTyped(sv)
		for _, name := range fuzzTypes {
			to := mustType(t, name)
			csv, calt, cok := Convert(typ, to, d)
			if cok {
				checkStorage(t, typ.String()+" -> "+name, to, csv)
			} else if !reflect.DeepEqual(calt, d) {
				t.Fatalf("Convert(%s, %s, %#v) lost the value: alt %#v", typ, name, d, calt)
			}
		}
	})
}
