package twenty

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/internal/jsonenc"
	"github.com/rowhouse/rowhouse/schema"
)

// Values on this surface are Twenty's: record ids and relation ids in
// their UUID form (schema.RowUUID), dates as "YYYY-MM-DD", date-times and
// timestamps as ISO 8601 in UTC with milliseconds, lists as plain arrays.
// Writes take the same, and the Grist forms the core reads besides.

// timeLayout is how Twenty writes date-times (JavaScript's toISOString).
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// isoTime formats Unix seconds as Twenty does, to the millisecond (the
// precision the core keeps).
func isoTime(sec float64) string {
	return time.UnixMilli(int64(math.Round(sec * 1000))).UTC().Format(timeLayout)
}

// appendID appends a row id in its UUID form, as a JSON string.
func appendID(b []byte, id int64) []byte {
	b = append(b, '"')
	b = append(b, schema.RowUUID(id)...)
	return append(b, '"')
}

// appendRefID appends the value of a relation id field: the UUID of the
// record a Ref cell names, null for an empty reference.
func appendRefID(b []byte, v any) []byte {
	if id, ok := rowIDOf(v); ok {
		return appendID(b, id)
	}
	if v == nil || v == int64(0) {
		return append(b, "null"...)
	}
	return appendJSON(b, v) // a value that does not fit, kept as given
}

// rowIDOf reads a positive row id from a decoded cell.
func rowIDOf(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, x > 0
	case float64:
		if x > 0 && x == math.Trunc(x) && x < 1<<53 {
			return int64(x), true
		}
	}
	return 0, false
}

// appendCell appends the Twenty value of a cell of column c, decoded by
// the core in Grist's normal format. A value that does not fit the column
// (kept by the core as given) is written as given.
func appendCell(b []byte, c *schema.Column, v any) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	switch c.Type.Kind {
	case schema.KindDate:
		if f, ok := toFloat(v); ok {
			b = append(b, '"')
			b = time.Unix(int64(math.Floor(f)), 0).UTC().AppendFormat(b, time.DateOnly)
			return append(b, '"')
		}
	case schema.KindDateTime:
		if f, ok := toFloat(v); ok {
			b = append(b, '"')
			b = append(b, isoTime(f)...)
			return append(b, '"')
		}
	case schema.KindRef:
		return appendRefID(b, v)
	case schema.KindChoiceList, schema.KindRefList, schema.KindAttachments:
		l, ok := v.([]any)
		if !ok || len(l) == 0 || l[0] != "L" {
			break
		}
		b = append(b, '[')
		for i, x := range l[1:] {
			if i > 0 {
				b = append(b, ',')
			}
			if c.Type.Kind == schema.KindRefList {
				b = appendRefID(b, x)
			} else {
				b = appendJSON(b, x)
			}
		}
		return append(b, ']')
	}
	return appendJSON(b, v)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// appendJSON appends a JSON value: scalars directly, anything else
// through encoding/json.
func appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return jsonenc.AppendString(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		if out, ok := jsonenc.AppendFloat(b, x); ok {
			return out
		}
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case json.Number:
		return append(b, x...)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return append(b, "null"...)
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// ---- writes

// idValue reads a row id given in a request: the UUID form, decimal text,
// or a JSON number. what names it in the error.
func idValue(what string, v any) (int64, error) {
	switch x := v.(type) {
	case string:
		if id, ok := schema.ParseRowUUID(x); ok {
			return id, nil
		}
	case json.Number:
		if id, err := x.Int64(); err == nil && id > 0 {
			return id, nil
		}
	case int64:
		if x > 0 {
			return x, nil
		}
	}
	return 0, rowhouse.Invalidf("%s: %s is not a valid id: ids look like %s (the record id 42), or are that number", what, describe(v), schema.RowUUID(42))
}

// describe shows a request value in a message.
func describe(v any) string {
	b := appendJSON(nil, v)
	return clip(string(b))
}

// inValue turns a value written to column c on this surface into the
// core's cell value, and refuses one the column cannot hold: Twenty
// clients expect a typed API to say no, where Grist's keeps the value as
// given.
func inValue(c *schema.Column, v any) (any, error) {
	what := "field " + c.ID
	switch c.Type.Kind {
	case schema.KindRef:
		if v == nil {
			return int64(0), nil
		}
		return idValue(what, v)
	case schema.KindChoiceList, schema.KindRefList, schema.KindAttachments:
		if v == nil {
			return nil, nil
		}
		l, ok := v.([]any)
		if !ok {
			return nil, rowhouse.Invalidf("%s (%s) takes an array, not %s", what, c.Type, describe(v))
		}
		out := make([]any, 0, len(l)+1)
		out = append(out, "L")
		for _, x := range l {
			if c.Type.Kind == schema.KindRefList {
				id, err := idValue(what, x)
				if err != nil {
					return nil, err
				}
				x = id
			}
			out = append(out, x)
		}
		v = out
	}
	if _, _, ok := c.Type.Encode(v, true); !ok {
		return nil, rowhouse.Invalidf("%s (%s) cannot hold %s", what, c.Type, describe(v))
	}
	return v, nil
}
