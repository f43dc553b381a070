package query

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rowhouse/rowhouse"
)

// Cursor marks a boundary row of a page: the values of the row's sort keys,
// in the order of the sort, and the row's id, which breaks ties. Pages are
// keyed on these values ("rows after (Values, ID) in this order"), never on
// an offset, so inserting or deleting rows does not shift them.
//
// A cursor also carries the fingerprint of the read that made it (Query,
// see [Fingerprint]): its sort and filter. A cursor is only meaningful
// for that read; the core refuses it for another, which would otherwise
// silently answer a different page.
//
// On the wire a cursor is opaque and URL-safe: base64url (unpadded) of a
// JSON object {"v":1,"k":[values...],"id":N,"q":"..."}, where v is the
// format version and q the fingerprint (absent from cursors made before
// fingerprints, which are then not checked). A cursor carries no secret
// and needs no signature: a forged one only moves the boundary within
// rows the caller may read anyway.
type Cursor struct {
	Values []any
	ID     int64
	Query  string
}

// Fingerprint names a read's sort and filter in a few characters, for
// [Cursor.Query]: reads whose filter and sort render alike (Expr's
// String, [FormatSort]) have the same fingerprint, others almost surely
// not. It is no secret and no signature, only a guard against mistakes.
func Fingerprint(filter Expr, sort []SortKey) string {
	h := sha256.New()
	io.WriteString(h, exprString(filter))
	h.Write([]byte{0})
	io.WriteString(h, FormatSort(sort))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:9])
}

// cursorVersion is the current wire format version.
const cursorVersion = 1

// MaxCursorLength is the longest encoded cursor DecodeCursor accepts. Sort
// values are kept whole (a page boundary must be exact), so long text keys
// make long cursors; this bounds them.
const MaxCursorLength = 32 << 10

type cursorWire struct {
	V  *int   `json:"v"`
	K  []any  `json:"k"`
	ID *int64 `json:"id"`
	Q  string `json:"q,omitempty"`
}

// Encode returns the cursor's URL-safe text. Values should be JSON scalars
// (nil, bool, string, json.Number); Go integers and finite floats are
// written as numbers, non-finite floats and any other type as their
// fmt.Sprint text, so Encode never fails. [DecodeCursor] returns every
// number as json.Number.
func (c Cursor) Encode() string {
	vals := make([]any, len(c.Values))
	for i, v := range c.Values {
		vals[i] = cursorValue(v)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	id := c.ID
	v := cursorVersion
	// Every value is now a scalar that encodes, so this cannot fail.
	_ = enc.Encode(cursorWire{V: &v, K: vals, ID: &id, Q: c.Query})
	return base64.RawURLEncoding.EncodeToString(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// cursorValue turns v into a scalar that encodes as JSON.
func cursorValue(v any) any {
	switch v := v.(type) {
	case nil, bool, string:
		return v
	case json.Number:
		if isJSONNumber(string(v)) {
			return v
		}
		return string(v)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return json.Number(strconv.FormatInt(rv.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return json.Number(strconv.FormatUint(rv.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Sprint(f)
		}
		bits := 64
		if rv.Kind() == reflect.Float32 {
			bits = 32
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, bits))
	case reflect.Bool:
		return rv.Bool()
	case reflect.String:
		return rv.String()
	}
	s := fmt.Sprint(v)
	if !utf8.ValidString(s) {
		s = string([]rune(s)) // replaces invalid bytes, as JSON would
	}
	return s
}

// DecodeCursor parses a cursor made by [Cursor.Encode]. Anything else —
// garbage, a truncated or altered cursor, another version, values that are
// not JSON scalars, an id that is not a positive integer — is an EINVALID
// error "invalid cursor". Numbers come back as json.Number.
func DecodeCursor(s string) (Cursor, error) {
	invalid := rowhouse.Invalidf("invalid cursor")
	if s == "" || len(s) > MaxCursorLength {
		return Cursor{}, invalid
	}
	data, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return Cursor{}, invalid
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var w cursorWire
	if err := dec.Decode(&w); err != nil {
		return Cursor{}, invalid
	}
	if _, err := dec.Token(); err != io.EOF {
		return Cursor{}, invalid
	}
	if w.V == nil || *w.V != cursorVersion || w.K == nil || w.ID == nil || *w.ID <= 0 {
		return Cursor{}, invalid
	}
	for _, v := range w.K {
		if _, nested := v.([]any); nested || !isScalar(v) {
			return Cursor{}, invalid
		}
	}
	if len(w.Q) > 64 || strings.ContainsFunc(w.Q, func(r rune) bool { return r < ' ' || r > '~' }) {
		return Cursor{}, invalid
	}
	return Cursor{Values: w.K, ID: *w.ID, Query: w.Q}, nil
}

// Check reports whether c fits a sort of the given keys: one value per
// key. A cursor made for another sort is an EINVALID "invalid cursor".
func (c Cursor) Check(keys []SortKey) error {
	if len(c.Values) != len(keys) || c.ID <= 0 {
		return rowhouse.Invalidf("invalid cursor")
	}
	return nil
}
