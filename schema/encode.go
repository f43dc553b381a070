package schema

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Encode converts a JSON cell value for storage in a column of type t.
//
// When the value fits, ok is true and sqlValue is one of nil, string, int64,
// float64 or bool, in t's Storage class. When it does not fit (the text
// "abc" in an Int column), ok is false, sqlValue is nil and alt is v itself:
// the caller stores SQL NULL and keeps alt beside the row, so that the cell
// reads back exactly as it was given. Encode never fails otherwise and never
// panics.
//
// Conversions follow Grist's data engine, which converts whatever the parse
// setting says:
//
//   - Text, Choice: strings; numbers become their text ("42", "3.5"); null
//     stays null. Booleans, lists and objects do not fit.
//   - Numeric: numbers; a plain decimal string ("3.5", " 1e3 "); "" is null.
//   - Int: as Numeric, but only integral values in the int64 range. (Grist
//     truncates 3.7 to 3 and turns values past 32 bits into text; we keep
//     such values unchanged instead, never losing digits.)
//   - Bool: true/false; null, "", 0 are false; 1 is true; the strings
//     "true", "yes", "1" and "false", "no", "0" in any case. Other numbers do
//     not fit (Grist makes them true).
//   - Date: seconds (integral) or an ISO date "2024-01-31", whose time part,
//     if any, is ignored; also ["d", ts].
//   - DateTime: seconds, or ISO 8601 text honouring its offset, else the
//     column's zone, else UTC; also ["D", ts, tz].
//   - Ref: a non-negative integer row id; null, "", false are 0; also
//     ["R", table, id] naming the column's table.
//   - ChoiceList: ["L", "a", ...], a plain array of strings, or the JSON
//     text of one ("[\"a\"]"); an empty list, "" and null are null.
//   - RefList, Attachments: as ChoiceList with non-negative integer ids;
//     RefList also takes ["r", table, [ids]].
//   - Any: any JSON value, stored as its JSON text.
//
// With parse true (the API default; false for ?noparse=1) strings are also
// read the way Grist's client-side parsers read what a person typed:
// numbers with thousands separators, "$", "%" and accounting parentheses
// ("(1,234.50)"); Bool and Date text with surrounding spaces; ChoiceList
// text as comma-separated values ("a, b"); Ref and RefList text holding row
// ids ("17", "1, 2"). Grist's lookup of a reference by its display value is
// not done here: it needs data, and this package has none.
func (t Type) Encode(v any, parse bool) (sqlValue any, alt any, ok bool) {
	sv, ok := t.encode(v, parse)
	if !ok {
		return nil, v, false
	}
	return sv, nil, true
}

func (t Type) encode(v any, parse bool) (any, bool) {
	switch t.Kind {
	case KindText, KindChoice:
		return encodeText(v)
	case KindNumeric:
		n, isNull, ok := t.number(v, parse)
		if !ok || isNull {
			return nil, ok
		}
		return n.f, true
	case KindInt:
		n, isNull, ok := t.number(v, parse)
		if !ok || isNull {
			return nil, ok
		}
		if !n.isInt {
			return nil, false
		}
		return n.i, true
	case KindBool:
		return encodeBool(v, parse)
	case KindDate:
		return t.encodeDate(v, parse)
	case KindDateTime:
		return t.encodeDateTime(v, parse)
	case KindRef:
		return t.encodeRef(v, parse)
	case KindChoiceList:
		return encodeChoiceList(v, parse)
	case KindRefList, KindAttachments:
		return t.encodeRefList(v, parse)
	case KindAny:
		if v == nil {
			return nil, true
		}
		s, err := marshalJSON(v)
		if err != nil {
			return nil, false
		}
		return s, true
	}
	return nil, false
}

func encodeText(v any) (any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case string:
		return x, true
	}
	if n, ok := toNum(v); ok {
		return formatNum(n), true
	}
	return nil, false
}

// number reads a Numeric or Int input. isNull is set for the inputs Grist
// stores as an empty cell (null and "").
func (t Type) number(v any, parse bool) (n num, isNull, ok bool) {
	switch x := v.(type) {
	case nil:
		return num{}, true, true
	case string:
		if x == "" {
			return num{}, true, true
		}
		if parse {
			n, ok = parseLenient(x)
		} else {
			n, ok = parseStrict(x)
		}
		return n, false, ok
	case bool:
		return num{}, false, false
	}
	n, ok = toNum(v)
	return n, false, ok
}

func encodeBool(v any, parse bool) (any, bool) {
	switch x := v.(type) {
	case nil:
		return false, true
	case bool:
		return x, true
	case string:
		if parse {
			x = strings.TrimFunc(x, unicode.IsSpace)
		}
		switch strings.ToLower(x) {
		case "", "false", "no", "0":
			return false, true
		case "true", "yes", "1":
			return true, true
		}
		return nil, false
	}
	if n, ok := toNum(v); ok && n.isInt && (n.i == 0 || n.i == 1) {
		return n.i == 1, true
	}
	return nil, false
}

// typed reads a Grist typed value [code, args...] with the given code.
func typed(v any, code string) ([]any, bool) {
	a, ok := v.([]any)
	if !ok || len(a) == 0 {
		return nil, false
	}
	if c, ok := a[0].(string); !ok || c != code {
		return nil, false
	}
	return a[1:], true
}

func (t Type) encodeDate(v any, parse bool) (any, bool) {
	if args, ok := typed(v, "d"); ok && len(args) == 1 {
		v = args[0]
	}
	switch x := v.(type) {
	case nil:
		return nil, true
	case string:
		if x == "" {
			return nil, true
		}
		if parse {
			x = strings.TrimFunc(x, unicode.IsSpace)
		}
		it, ok := parseISO(x)
		if !ok {
			return nil, false
		}
		return it.dateSeconds(), true
	case bool:
		return nil, false
	}
	if n, ok := toNum(v); ok && n.isInt {
		return n.i, true
	}
	return nil, false
}

func (t Type) encodeDateTime(v any, parse bool) (any, bool) {
	if args, ok := typed(v, "D"); ok && (len(args) == 1 || len(args) == 2) {
		v = args[0]
	} else if args, ok := typed(v, "d"); ok && len(args) == 1 {
		v = args[0]
	}
	switch x := v.(type) {
	case nil:
		return nil, true
	case string:
		if x == "" {
			return nil, true
		}
		if parse {
			x = strings.TrimFunc(x, unicode.IsSpace)
		}
		it, ok := parseISO(x)
		if !ok {
			return nil, false
		}
		loc := time.UTC
		if !it.hasOffset {
			loc = location(t.TZ)
		}
		return unixSeconds(it.instant(loc)), true
	case bool:
		return nil, false
	}
	if n, ok := toNum(v); ok {
		return n.f, true
	}
	return nil, false
}

// rowID reads a row id: a non-negative integer, or with parse its decimal text.
func rowID(v any, parse bool) (int64, bool) {
	var n num
	var ok bool
	switch x := v.(type) {
	case string:
		if !parse {
			return 0, false
		}
		n, ok = parseStrict(x)
	case bool:
		return 0, false
	default:
		n, ok = toNum(v)
	}
	if !ok || !n.isInt || n.i < 0 {
		return 0, false
	}
	return n.i, true
}

func (t Type) encodeRef(v any, parse bool) (any, bool) {
	if args, ok := typed(v, "R"); ok && len(args) == 2 {
		if tbl, _ := args[0].(string); tbl != t.Table {
			return nil, false
		}
		v = args[1]
	}
	switch x := v.(type) {
	case nil:
		return int64(0), true
	case bool:
		if !x {
			return int64(0), true
		}
		return nil, false
	case string:
		if x == "" {
			return int64(0), true
		}
	}
	id, ok := rowID(v, parse)
	if !ok {
		return nil, false
	}
	return id, true
}

// listItems extracts the items of a list input: ["L", items...], a plain
// array, or (strings) the JSON text of an array. isNull is set for an empty
// or null list, which Grist stores as null.
func listItems(v any) (items []any, isNull, ok bool) {
	switch x := v.(type) {
	case nil:
		return nil, true, true
	case string:
		if x == "" {
			return nil, true, true
		}
		if !strings.HasPrefix(x, "[") {
			return nil, false, false
		}
		d, err := unmarshalJSON(x)
		if err != nil {
			return nil, false, false
		}
		arr, isArr := d.([]any)
		if !isArr {
			return nil, false, false
		}
		return arr, len(arr) == 0, true
	case []any:
		if len(x) > 0 {
			if c, isStr := x[0].(string); isStr && c == "L" {
				x = x[1:]
			}
		}
		return x, len(x) == 0, true
	}
	return nil, false, false
}

func encodeChoiceList(v any, parse bool) (any, bool) {
	if s, isStr := v.(string); isStr && parse {
		return parseChoiceText(s)
	}
	items, isNull, ok := listItems(v)
	if !ok || isNull {
		return nil, ok
	}
	for _, it := range items {
		if _, isStr := it.(string); !isStr {
			return nil, false
		}
	}
	return listJSON(items)
}

// parseChoiceText reads a ChoiceList typed as text, as Grist's parser does:
// a JSON array (nulls and empty strings dropped, other items written as
// text), else comma-separated values over one or more lines; items are
// trimmed and empty ones dropped.
func parseChoiceText(s string) (any, bool) {
	s = strings.TrimFunc(s, unicode.IsSpace)
	var items []string
	if strings.HasPrefix(s, "[") {
		if d, err := unmarshalJSON(s); err == nil {
			if arr, isArr := d.([]any); isArr {
				for _, it := range arr {
					if it == nil || it == "" {
						continue
					}
					items = append(items, displayText(it))
				}
				return choiceItems(items)
			}
		}
	}
	items, ok := splitCSV(s)
	if !ok {
		return nil, false
	}
	return choiceItems(items)
}

func choiceItems(raw []string) (any, bool) {
	var items []any
	for _, s := range raw {
		if s = strings.TrimFunc(s, unicode.IsSpace); s != "" {
			items = append(items, s)
		}
	}
	if len(items) == 0 {
		return nil, true
	}
	return listJSON(items)
}

// displayText writes a JSON value as text: strings as they are, numbers
// and booleans as JSON writes them, lists and objects as JSON.
func displayText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	}
	if n, ok := toNum(v); ok {
		return formatNum(n)
	}
	s, err := marshalJSON(v)
	if err != nil {
		return ""
	}
	return s
}

var lineBreakRE = regexp.MustCompile(`[\r\n]+`)

// splitCSV splits text into comma-separated fields, line by line, with
// quoting as in CSV ("a, \"b,c\"" is two fields).
func splitCSV(s string) ([]string, bool) {
	var out []string
	for _, line := range lineBreakRE.Split(s, -1) {
		r := csv.NewReader(strings.NewReader(line))
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		r.TrimLeadingSpace = true
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			continue
		}
		if err != nil {
			return nil, false
		}
		out = append(out, rec...)
	}
	return out, true
}

func (t Type) encodeRefList(v any, parse bool) (any, bool) {
	if t.Kind == KindRefList {
		if args, ok := typed(v, "r"); ok && len(args) == 2 {
			if tbl, _ := args[0].(string); tbl != t.Table {
				return nil, false
			}
			if args[1] == nil {
				return nil, true
			}
			ids, isArr := args[1].([]any)
			if !isArr {
				return nil, false
			}
			v = append([]any{"L"}, ids...)
		}
	}
	var items []any
	if s, isStr := v.(string); isStr && parse {
		s = strings.TrimFunc(s, unicode.IsSpace)
		v = s
		if !strings.HasPrefix(s, "[") {
			fields, ok := splitCSV(s)
			if !ok {
				return nil, false
			}
			for _, f := range fields {
				if f = strings.TrimFunc(f, unicode.IsSpace); f != "" {
					items = append(items, f)
				}
			}
			return refListJSON(items, parse)
		}
	}
	items, isNull, ok := listItems(v)
	if !ok || isNull {
		return nil, ok
	}
	return refListJSON(items, parse)
}

func refListJSON(items []any, parse bool) (any, bool) {
	if len(items) == 0 {
		return nil, true
	}
	ids := make([]any, len(items))
	for i, it := range items {
		id, ok := rowID(it, parse)
		if !ok {
			return nil, false
		}
		ids[i] = id
	}
	return listJSON(ids)
}

func listJSON(items []any) (any, bool) {
	s, err := marshalJSON(items)
	if err != nil {
		return nil, false
	}
	return s, true
}

// marshalJSON writes v as compact JSON without HTML escaping, so stored
// text stays readable to SQL's JSON functions and to people.
// Invalid UTF-8 in strings becomes U+FFFD first, as encoding/json would
// make it, so that the stored text is the same when written again from
// what Decode returns.
func marshalJSON(v any) (string, error) {
	if hasInvalidUTF8(v) {
		v = fixUTF8(v)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// unmarshalJSON reads exactly one JSON value, numbers as json.Number.
func unmarshalJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after JSON value")
	}
	return v, nil
}

// Decode converts a value scanned from SQL back to the JSON cell value in
// Grist's normal format (API.md, "Cell values"). It accepts what the SQLite
// and PostgreSQL drivers return: nil, int64, float64, string, []byte, bool,
// the other Go integer and float types, time.Time, and for JSON columns an
// already decoded []any or map[string]any. Results:
//
//	Text, Choice                      string
//	Numeric, DateTime                 float64
//	Int, Ref, Date                    int64
//	Bool                              bool (from bool or 0/1)
//	ChoiceList, RefList, Attachments  ["L", items...] (row ids as int64), or nil
//	Any                               the decoded JSON value, numbers as json.Number
//
// SQL NULL is nil for every type; the core substitutes the kept alt value
// when there is one. A stored value of an unexpected shape is returned as
// plainly as possible rather than dropped; Decode never panics.
func (t Type) Decode(v any) any {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	if v == nil {
		return nil
	}
	switch t.Kind {
	case KindText, KindChoice:
		return decodeText(v)
	case KindNumeric:
		if f, ok := v.(float64); ok && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return v // the common case, as is (no allocation)
		}
		if n, ok := decodeNum(v); ok {
			return n.f
		}
	case KindInt, KindRef:
		if _, ok := v.(int64); ok {
			return v // the common case, as is (no allocation)
		}
		if n, ok := decodeNum(v); ok {
			if n.isInt {
				return n.i
			}
			return n.f
		}
	case KindBool:
		switch x := v.(type) {
		case bool:
			return x
		case string:
			switch strings.ToLower(x) {
			case "0", "f", "false", "no":
				return false
			case "1", "t", "true", "yes":
				return true
			}
			return x
		}
		if n, ok := toNum(v); ok {
			return n.f != 0
		}
	case KindDate:
		switch x := v.(type) {
		case time.Time:
			return time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, time.UTC).Unix()
		case string:
			if it, ok := parseISO(x); ok {
				return it.dateSeconds()
			}
		}
		if n, ok := decodeNum(v); ok {
			if n.isInt {
				return n.i
			}
			return n.f
		}
	case KindDateTime:
		switch x := v.(type) {
		case time.Time:
			return unixSeconds(x)
		case string:
			if it, ok := parseISO(x); ok {
				return unixSeconds(it.instant(time.UTC))
			}
		}
		if n, ok := decodeNum(v); ok {
			return n.f
		}
	case KindChoiceList, KindRefList, KindAttachments:
		return t.decodeList(v)
	case KindAny:
		if s, ok := v.(string); ok {
			if d, err := unmarshalJSON(s); err == nil {
				return d
			}
		}
		return v
	}
	if tm, ok := v.(time.Time); ok {
		return tm.UTC().Format(time.RFC3339Nano)
	}
	return v
}

// decodeNum reads a stored number, also from text (SQLite may hand back
// text for a value written as text).
func decodeNum(v any) (num, bool) {
	switch x := v.(type) {
	case string:
		return parseStrict(x)
	case bool:
		if x {
			return fromInt(1), true
		}
		return fromInt(0), true
	}
	return toNum(v)
}

func decodeText(v any) any {
	switch x := v.(type) {
	case string:
		return v // as is: unboxing and boxing again would allocate
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	if n, ok := toNum(v); ok {
		return formatNum(n)
	}
	return v
}

func (t Type) decodeList(v any) any {
	var arr []any
	switch x := v.(type) {
	case string:
		d, err := unmarshalJSON(x)
		if err != nil {
			return x
		}
		a, ok := d.([]any)
		if !ok {
			return d
		}
		arr = a
	case []any:
		arr = x
		if len(arr) > 0 && arr[0] == "L" {
			arr = arr[1:]
		}
	case []string:
		arr = make([]any, len(x))
		for i, s := range x {
			arr[i] = s
		}
	case []int64:
		arr = make([]any, len(x))
		for i, id := range x {
			arr[i] = id
		}
	default:
		return v
	}
	if len(arr) == 0 {
		return nil
	}
	out := make([]any, 0, len(arr)+1)
	out = append(out, "L")
	for _, it := range arr {
		if t.Kind != KindChoiceList {
			if n, ok := toNum(it); ok && n.isInt {
				it = n.i
			}
		}
		out = append(out, it)
	}
	return out
}

// DecodeTyped is Decode for cellFormat=typed: Date ["d", ts], DateTime
// ["D", ts, zone] (zone "UTC" when the column has none), Ref ["R", table,
// id], RefList ["r", table, [ids]]; nil stays nil and every other type is
// as Decode gives it. (Grist's GristObjCode encoding.)
func (t Type) DecodeTyped(v any) any {
	d := t.Decode(v)
	if d == nil {
		return nil
	}
	switch t.Kind {
	case KindDate:
		if isNumber(d) {
			return []any{"d", d}
		}
	case KindDateTime:
		if isNumber(d) {
			return []any{"D", d, t.ZoneName()}
		}
	case KindRef:
		if isNumber(d) {
			return []any{"R", t.Table, d}
		}
	case KindRefList:
		if l, ok := d.([]any); ok && len(l) > 0 && l[0] == "L" {
			return []any{"r", t.Table, append([]any{}, l[1:]...)}
		}
	}
	return d
}

func isNumber(v any) bool {
	switch x := v.(type) {
	case int64:
		return true
	case float64:
		return !math.IsNaN(x) && !math.IsInf(x, 0)
	}
	return false
}

func hasInvalidUTF8(v any) bool {
	switch x := v.(type) {
	case string:
		return !utf8.ValidString(x)
	case []any:
		for _, it := range x {
			if hasInvalidUTF8(it) {
				return true
			}
		}
	case map[string]any:
		for k, it := range x {
			if !utf8.ValidString(k) || hasInvalidUTF8(it) {
				return true
			}
		}
	}
	return false
}

// fixUTF8 returns a copy of v with invalid UTF-8 in strings replaced.
func fixUTF8(v any) any {
	switch x := v.(type) {
	case string:
		return strings.ToValidUTF8(x, "\uFFFD")
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = fixUTF8(it)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, it := range x {
			out[strings.ToValidUTF8(k, "\uFFFD")] = fixUTF8(it)
		}
		return out
	}
	return v
}
