package schema

import (
	"errors"
	"testing"

	"github.com/rowhouse/rowhouse"
)

func TestParseType(t *testing.T) {
	tests := []struct {
		in   string
		want Type
	}{
		{"Text", Type{Kind: KindText}},
		{"Numeric", Type{Kind: KindNumeric}},
		{"Int", Type{Kind: KindInt}},
		{"Bool", Type{Kind: KindBool}},
		{"Date", Type{Kind: KindDate}},
		{"DateTime", Type{Kind: KindDateTime}},
		{"DateTime:America/New_York", Type{Kind: KindDateTime, TZ: "America/New_York"}},
		{"DateTime:UTC", Type{Kind: KindDateTime, TZ: "UTC"}},
		{"Choice", Type{Kind: KindChoice}},
		{"ChoiceList", Type{Kind: KindChoiceList}},
		{"Ref:People", Type{Kind: KindRef, Table: "People"}},
		{"RefList:People", Type{Kind: KindRefList, Table: "People"}},
		{"Attachments", Type{Kind: KindAttachments}},
		{"Any", Type{Kind: KindAny}},
	}
	for _, tt := range tests {
		got, err := ParseType(tt.in)
		if err != nil {
			t.Errorf("ParseType(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseType(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.in {
			t.Errorf("ParseType(%q).String() = %q", tt.in, s)
		}
	}
}

func TestParseTypeErrors(t *testing.T) {
	for _, in := range []string{
		"", "text", "Blob", "Id", "ManualSortPos", "Ref", "Ref:", "RefList:",
		"Ref:1abc", "Ref:Peo ple", "Text:x", "Int:3", "Attachments:People",
		"DateTime:bad\nzone", "Unknown:Thing",
	} {
		_, err := ParseType(in)
		if err == nil {
			t.Errorf("ParseType(%q) succeeded, want an error", in)
			continue
		}
		if rowhouse.ErrorKind(err) != rowhouse.EINVALID {
			t.Errorf("ParseType(%q): kind %q, want %q", in, rowhouse.ErrorKind(err), rowhouse.EINVALID)
		}
		var e *rowhouse.Error
		if !errors.As(err, &e) || e.Message == "" {
			t.Errorf("ParseType(%q): no public message: %v", in, err)
		}
	}
}

func TestParseTypeEmptyZone(t *testing.T) {
	got, err := ParseType("DateTime:")
	if err != nil {
		t.Fatal(err)
	}
	if got != (Type{Kind: KindDateTime}) || got.String() != "DateTime" {
		t.Errorf("got %+v %q", got, got.String())
	}
}

func TestStorageAndDefault(t *testing.T) {
	tests := []struct {
		typ     string
		storage Storage
		def     any
	}{
		{"Text", StoreText, ""},
		{"Choice", StoreText, ""},
		{"Numeric", StoreReal, float64(0)},
		{"Int", StoreInt, int64(0)},
		{"Bool", StoreBool, false},
		{"Date", StoreInt, nil},
		{"DateTime:Europe/Paris", StoreReal, nil},
		{"ChoiceList", StoreJSON, nil},
		{"Ref:People", StoreInt, int64(0)},
		{"RefList:People", StoreJSON, nil},
		{"Attachments", StoreJSON, nil},
		{"Any", StoreJSON, nil},
	}
	for _, tt := range tests {
		typ := mustType(t, tt.typ)
		if got := typ.Storage(); got != tt.storage {
			t.Errorf("%s.Storage() = %v, want %v", tt.typ, got, tt.storage)
		}
		if got := typ.Default(); got != tt.def {
			t.Errorf("%s.Default() = %#v, want %#v", tt.typ, got, tt.def)
		}
		// The default is a value of the type: it encodes.
		if _, _, ok := typ.Encode(typ.Default(), false); !ok {
			t.Errorf("%s: default %#v does not encode", tt.typ, typ.Default())
		}
	}
	if len(Kinds()) != len(tests) {
		t.Errorf("Kinds() has %d kinds, the test %d", len(Kinds()), len(tests))
	}
}

func TestIsList(t *testing.T) {
	for _, k := range Kinds() {
		want := k == KindChoiceList || k == KindRefList || k == KindAttachments
		if got := (Type{Kind: k}).IsList(); got != want {
			t.Errorf("%s.IsList() = %v", k, got)
		}
	}
}

func mustType(t testing.TB, s string) Type {
	t.Helper()
	typ, err := ParseType(s)
	if err != nil {
		t.Fatalf("ParseType(%q): %v", s, err)
	}
	return typ
}
