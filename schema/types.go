package schema

import (
	"strings"

	"github.com/rowhouse/rowhouse"
)

// Kind is the base name of a column type, as Grist spells it.
type Kind string

// The column kinds, with Grist's spelling. A Type string may add a suffix:
// "DateTime:<zone>", "Ref:<Table>", "RefList:<Table>".
const (
	KindText        Kind = "Text"
	KindNumeric     Kind = "Numeric"
	KindInt         Kind = "Int"
	KindBool        Kind = "Bool"
	KindDate        Kind = "Date"
	KindDateTime    Kind = "DateTime"
	KindChoice      Kind = "Choice"
	KindChoiceList  Kind = "ChoiceList"
	KindRef         Kind = "Ref"
	KindRefList     Kind = "RefList"
	KindAttachments Kind = "Attachments"
	KindAny         Kind = "Any"
)

// Kinds lists every kind in a stable order (the order of API.md's table).
func Kinds() []Kind {
	return []Kind{KindText, KindNumeric, KindInt, KindBool, KindDate, KindDateTime,
		KindChoice, KindChoiceList, KindRef, KindRefList, KindAttachments, KindAny}
}

// Type is a parsed column type. It is a comparable value: two columns have
// the same type exactly when their Types are ==.
//
// Table is set only for Ref and RefList (the target table id) and TZ only
// for DateTime (an IANA zone name, or "" meaning UTC). Grist falls back to
// UTC for a zone it does not know, and so does Encode; the name is kept as
// given so that it reads back unchanged.
type Type struct {
	Kind  Kind
	Table string
	TZ    string
}

// ParseType parses a Grist column type string such as "Text",
// "DateTime:America/New_York", "Ref:People" or "RefList:People". An empty,
// unknown or malformed type is an EINVALID error naming it. Callers that
// want Grist's default for a missing type ("Text") apply it themselves.
func ParseType(s string) (Type, error) {
	if s == "" {
		return Type{}, rowhouse.Invalidf("column type is empty")
	}
	base, arg, hasArg := strings.Cut(s, ":")
	k := Kind(base)
	switch k {
	case KindText, KindNumeric, KindInt, KindBool, KindDate, KindChoice,
		KindChoiceList, KindAttachments, KindAny:
		if hasArg {
			return Type{}, rowhouse.Invalidf("invalid column type %q: %s takes no argument", s, base)
		}
		return Type{Kind: k}, nil
	case KindDateTime:
		if strings.ContainsFunc(arg, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			return Type{}, rowhouse.Invalidf("invalid column type %q: bad time zone", s)
		}
		return Type{Kind: k, TZ: arg}, nil
	case KindRef, KindRefList:
		if !hasArg || arg == "" {
			return Type{}, rowhouse.Invalidf("invalid column type %q: expected %s:<tableId>", s, base)
		}
		if !ValidIdent(arg) {
			return Type{}, rowhouse.Invalidf("invalid column type %q: invalid table id %q", s, arg)
		}
		return Type{Kind: k, Table: arg}, nil
	}
	return Type{}, rowhouse.Invalidf("unknown column type %q", s)
}

// String returns the Grist type string; ParseType(t.String()) == t for every
// Type that ParseType returns.
func (t Type) String() string {
	switch t.Kind {
	case KindRef, KindRefList:
		return string(t.Kind) + ":" + t.Table
	case KindDateTime:
		if t.TZ != "" {
			return string(t.Kind) + ":" + t.TZ
		}
	}
	return string(t.Kind)
}

// IsList reports whether cells of t are lists (["L", ...] in JSON, a JSON
// array in storage): ChoiceList, RefList and Attachments.
func (t Type) IsList() bool {
	return t.Kind == KindChoiceList || t.Kind == KindRefList || t.Kind == KindAttachments
}

// Storage is the class of SQL value a column type is stored as. Each engine's
// dialect maps it to a concrete SQL column type.
type Storage int

// The storage classes. Encode returns, and Decode accepts, the Go value
// named for each.
const (
	StoreText Storage = iota // string
	StoreReal                // float64
	StoreInt                 // int64
	StoreBool                // bool (SQLite keeps 0/1; Decode accepts both)
	StoreJSON                // string holding JSON text
)

// String names the storage class, for messages and tests.
func (s Storage) String() string {
	switch s {
	case StoreText:
		return "text"
	case StoreReal:
		return "real"
	case StoreInt:
		return "int"
	case StoreBool:
		return "bool"
	case StoreJSON:
		return "json"
	}
	return "unknown"
}

// Storage tells how the core stores cells of type t:
//
//	Text, Choice                       text
//	Numeric                            real
//	Int, Ref                           int (a Ref is the target row id, 0 = empty)
//	Bool                               bool
//	Date                               int  (seconds since the epoch at UTC midnight)
//	DateTime                           real (seconds since the epoch, may be fractional)
//	ChoiceList, RefList, Attachments   JSON text of the plain array, without "L": ["a","b"], [1,2]
//	Any                                JSON text of the value
func (t Type) Storage() Storage {
	switch t.Kind {
	case KindNumeric, KindDateTime:
		return StoreReal
	case KindInt, KindRef, KindDate:
		return StoreInt
	case KindBool:
		return StoreBool
	case KindChoiceList, KindRefList, KindAttachments, KindAny:
		return StoreJSON
	}
	return StoreText
}

// Default returns the JSON value of an empty cell of type t (a new row, a
// new column): "" for Text and Choice, 0 for Numeric, Int and Ref, false for
// Bool, nil for Date, DateTime, the lists and Any. These are Grist's
// defaults. Numeric's zero is a float64, Int's and Ref's an int64.
func (t Type) Default() any {
	switch t.Kind {
	case KindText, KindChoice:
		return ""
	case KindNumeric:
		return float64(0)
	case KindInt, KindRef:
		return int64(0)
	case KindBool:
		return false
	}
	return nil
}
